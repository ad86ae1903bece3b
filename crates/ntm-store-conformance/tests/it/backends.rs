//! Fresh, migrated stores for one test each.
//!
//! A SQLite store lives in a temporary directory removed when the test ends, even when it
//! fails. A PostgreSQL store lives in its own schema (named after the test and the
//! process), dropped after the behaviour ran, also when it panicked.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ntm_store_postgres::PostgresStore;
use ntm_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// The variable that turns the PostgreSQL tests on.
pub const POSTGRES_URL_VAR: &str = "NTM_TEST_POSTGRES_URL";

/// A migrated SQLite store in a temporary file.
pub struct TempSqlite {
    store: SqliteStore,
    /// Removed when the test ends, pass or fail.
    dir: TempDir,
}

impl TempSqlite {
    pub async fn new() -> Self {
        let dir = TempDir::new().expect("temporary directory");
        let path = dir.path().join("ntm.sqlite");
        let store = SqliteStore::open(path.to_str().expect("temp paths are UTF-8"))
            .await
            .expect("open SQLite");
        store.migrate().await.expect("migrate SQLite");
        eprintln!("[sqlite] fresh database {}", path.display());
        TempSqlite { store, dir }
    }

    pub fn store(&self) -> &SqliteStore {
        &self.store
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// The PostgreSQL URL. The PostgreSQL tests are `#[ignore]`d, so this runs only when they
/// were asked for: without a server to run against, `test` fails rather than pass
/// untested.
pub fn postgres_url(test: &str) -> String {
    match std::env::var(POSTGRES_URL_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{test} is a PostgreSQL test and {POSTGRES_URL_VAR} is unset: PostgreSQL was not tested"
        ),
    }
}

/// A schema name unique to `test` in this process, short enough for PostgreSQL (63 bytes).
pub fn schema_name(test: &str) -> String {
    let test: String = test.chars().take(40).collect();
    format!("ntm_test_{test}_{}", std::process::id())
}

/// Runs `behaviour` on a fresh, migrated PostgreSQL schema, then drops the schema. The behaviour runs in its own task,
/// so that its panic is caught, the schema still dropped, and the panic then resumed.
pub async fn with_postgres<F>(test: &str, behaviour: F)
where
    F: FnOnce(Arc<PostgresStore>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + 'static,
{
    let url = postgres_url(test);
    let schema = schema_name(test);
    // A schema left by a killed run of the same pid would make the test see old rows.
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop a stale schema");
    let store = PostgresStore::open_in_schema(&url, &schema)
        .await
        .expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    eprintln!("[postgres] fresh schema {schema}");
    let store = Arc::new(store);
    let outcome = tokio::spawn(behaviour(store.clone())).await;
    drop(store);
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop the test schema");
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}
