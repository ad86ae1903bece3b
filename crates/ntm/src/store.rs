//! Opening the store named by a database URL: PostgreSQL for `postgres://` and
//! `postgresql://`, SQLite for everything else (a path or `sqlite:` URL). Both backends
//! are compiled in; the URL alone chooses.

use std::sync::Arc;

use anyhow::Context;
use ntm_store::Store;
use ntm_store_postgres::PostgresStore;
use ntm_store_sqlite::SqliteStore;

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens and migrates the store.
pub async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if is_postgres(url) {
        let store = PostgresStore::open(url)
            .await
            .with_context(|| format!("không kết nối được PostgreSQL {}", mask(url)))?;
        store
            .migrate()
            .await
            .context("không cập nhật được lược đồ PostgreSQL")?;
        Ok(Arc::new(store))
    } else {
        let store = SqliteStore::open(url)
            .await
            .with_context(|| format!("không mở được cơ sở dữ liệu SQLite {url}"))?;
        store
            .migrate()
            .await
            .context("không cập nhật được lược đồ SQLite")?;
        Ok(Arc::new(store))
    }
}

/// Opens the store without migrating it (for `ntm healthcheck`, which must report a
/// missing migration rather than apply it).
pub async fn open_unmigrated(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    if is_postgres(url) {
        Ok(Arc::new(PostgresStore::open(url).await.with_context(
            || format!("không kết nối được PostgreSQL {}", mask(url)),
        )?))
    } else {
        anyhow::ensure!(
            url.contains(":memory:")
                || std::path::Path::new(
                    url.trim_start_matches("sqlite://")
                        .trim_start_matches("sqlite:")
                )
                .exists(),
            "không có cơ sở dữ liệu SQLite {url}"
        );
        Ok(Arc::new(SqliteStore::open(url).await.with_context(
            || format!("không mở được cơ sở dữ liệu SQLite {url}"),
        )?))
    }
}

/// Opens a SQLite store only (for `ntm backup`).
pub async fn open_sqlite(url: &str) -> anyhow::Result<SqliteStore> {
    let store = SqliteStore::open(url)
        .await
        .with_context(|| format!("không mở được {url}"))?;
    store.migrate().await?;
    Ok(store)
}

/// Whether two database URLs name the same database: the same text, or paths to one
/// SQLite file.
pub fn same_database(a: &str, b: &str) -> bool {
    let file = |url: &str| {
        if is_postgres(url) {
            return None;
        }
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        std::path::Path::new(path).canonicalize().ok()
    };
    a.trim() == b.trim() || matches!((file(a), file(b)), (Some(x), Some(y)) if x == y)
}

/// The URL with its password hidden, for messages.
pub fn mask(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_under_two_names_is_one_database() {
        let dir = std::env::temp_dir();
        let file = dir.join(format!("ntm-same-{}.db", std::process::id()));
        std::fs::write(&file, b"").expect("a scratch file");
        let plain = file.to_str().expect("UTF-8 temporary path");
        assert!(same_database(plain, &format!("sqlite:{plain}")));
        assert!(same_database(plain, &format!("sqlite://{plain}?mode=rwc")));
        assert!(!same_database(plain, "other.db"));
        assert!(!same_database("postgres://h/a", "postgres://h/b"));
        assert!(same_database("postgres://h/a", "postgres://h/a"));
        std::fs::remove_file(&file).expect("remove the scratch file");
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(mask("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(mask("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(mask("ntm.db"), "ntm.db");
    }
}
