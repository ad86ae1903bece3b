//! The two backends keep one schema: same migration files, same tables, columns,
//! nullability and primary keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ntm_store_postgres::PostgresStore;
use sqlx::{Connection as _, PgConnection, SqliteConnection};

use crate::backends::{TempSqlite, postgres_url, schema_name};

/// `table, column, NOT NULL, position in the primary key (0 when not in it)`.
type Column = (String, String, bool, i64);

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/ holds this crate")
        .to_path_buf()
}

fn migration_files(backend_crate: &str) -> Vec<String> {
    let dir = crates_dir().join(backend_crate).join("migrations");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| {
            entry
                .expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn migrations_are_in_lockstep() {
    let sqlite = migration_files("ntm-store-sqlite");
    let postgres = migration_files("ntm-store-postgres");
    assert!(!sqlite.is_empty(), "no SQLite migrations found");
    assert_eq!(
        sqlite, postgres,
        "the two migrations folders must hold the same file names"
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
async fn postgres_schema_is_equivalent_to_sqlite() {
    let url = postgres_url("postgres_schema_is_equivalent_to_sqlite");

    let sqlite = TempSqlite::new().await;
    let path = sqlite.dir().join("ntm.sqlite");
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(&path);
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .expect("open the SQLite file");
    let rows: Vec<(String, String, bool, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("read the SQLite schema");
    let sqlite_columns: BTreeSet<Column> = rows.into_iter().collect();

    let schema = schema_name("schemas_are_equivalent");
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop a stale schema");
    let store = PostgresStore::open_in_schema(&url, &schema)
        .await
        .expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    drop(store);
    let mut pg = PgConnection::connect(&url)
        .await
        .expect("connect to PostgreSQL");
    let rows: Result<Vec<(String, String, bool, i64)>, _> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.is_nullable = 'NO', \
                COALESCE(k.ordinal_position, 0)::int8 \
         FROM information_schema.columns c \
         LEFT JOIN information_schema.table_constraints t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
          AND t.constraint_type = 'PRIMARY KEY' \
         LEFT JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name \
          AND k.column_name = c.column_name \
         WHERE c.table_schema = $1 AND c.table_name <> '_sqlx_migrations'",
    )
    .bind(&schema)
    .fetch_all(&mut pg)
    .await;
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop the test schema");
    let postgres_columns: BTreeSet<Column> = rows
        .expect("read the PostgreSQL schema")
        .into_iter()
        .collect();

    assert!(
        sqlite_columns.len() > 40,
        "the SQLite schema looks empty: {sqlite_columns:?}"
    );
    let only_sqlite: Vec<&Column> = sqlite_columns.difference(&postgres_columns).collect();
    let only_postgres: Vec<&Column> = postgres_columns.difference(&sqlite_columns).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ (table, column, not null, pk position)\n only in SQLite: {only_sqlite:?}\n only in PostgreSQL: {only_postgres:?}"
    );
    eprintln!("[sqlite+postgres] {} columns agree", sqlite_columns.len());
}
