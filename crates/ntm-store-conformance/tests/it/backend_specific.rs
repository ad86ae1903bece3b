//! What one backend offers and the other has not: the SQLite URL forms and `VACUUM INTO`
//! backups, and the PostgreSQL schema-name guard (which needs no server).

use ntm_store::{AuditFilter, AuditStore as _, Store, UnitStore as _};
use ntm_store_conformance::{audit, hatinh_batch};
use ntm_store_postgres::PostgresStore;
use ntm_store_sqlite::SqliteStore;

use crate::backends::TempSqlite;

async fn import_and_check(store: &SqliteStore) {
    store.migrate().await.expect("migrate");
    store
        .import_units(&hatinh_batch(), &audit("loader", "import"))
        .await
        .expect("import");
    assert_eq!(store.load_units().await.expect("load"), hatinh_batch());
    assert_eq!(store.backend(), "sqlite");
}

#[tokio::test]
async fn sqlite_opens_every_url_form() {
    for memory in ["sqlite::memory:", ":memory:"] {
        let store = SqliteStore::open(memory).await.expect("open in memory");
        import_and_check(&store).await;
    }
    let dir = tempfile::TempDir::new().expect("temporary directory");
    let base = dir.path().display();
    for (url, file) in [
        (format!("sqlite://{base}/a.db"), "a.db"),
        (format!("sqlite:{base}/b.db"), "b.db"),
        (format!("{base}/c.db"), "c.db"),
    ] {
        let store = SqliteStore::open(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e:#}"));
        import_and_check(&store).await;
        drop(store);
        assert!(dir.path().join(file).exists(), "{url} created {file}");
        // Reopening finds the data and migrating again is a no-op.
        let again = SqliteStore::open(&url).await.expect("reopen");
        again.migrate().await.expect("migrate again");
        assert_eq!(
            again.load_units().await.expect("load").units.len(),
            hatinh_batch().units.len()
        );
    }
}

#[tokio::test]
async fn sqlite_backup_copies_everything() {
    let source = TempSqlite::new().await;
    source
        .store()
        .import_units(&hatinh_batch(), &audit("loader", "import"))
        .await
        .expect("import");
    let target = source.dir().join("backup.sqlite");
    source.store().backup_to(&target).await.expect("backup");
    assert!(
        source.store().backup_to(&target).await.is_err(),
        "an existing backup is not overwritten"
    );

    let copy = SqliteStore::open(target.to_str().expect("UTF-8 path"))
        .await
        .expect("open backup");
    assert_eq!(copy.load_units().await.expect("load"), hatinh_batch());
    let log = |store: &SqliteStore| {
        let store = store.clone();
        async move {
            store
                .list_audit(&AuditFilter::default())
                .await
                .expect("audit")
        }
    };
    assert_eq!(log(&copy).await, log(source.store()).await);
}

#[tokio::test]
async fn postgres_rejects_unsafe_schema_names() {
    for schema in ["", "a\"b", "x; DROP TABLE units", "1abc", "ä"] {
        let err = PostgresStore::open_in_schema("postgres://nobody@127.0.0.1:1/none", schema)
            .await
            .expect_err("unsafe schema name");
        assert!(
            err.to_string().contains("not a plain identifier"),
            "{schema:?}: {err:#}"
        );
    }
}
