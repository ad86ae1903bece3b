//! The two backends keep one schema: same migration files, same tables and columns with
//! their nullability, primary keys and storage types, the same indexes and the same
//! foreign keys.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ntm_store_postgres::PostgresStore;
use sqlx::{Connection as _, PgConnection, SqliteConnection};

use crate::backends::{TempSqlite, postgres_url, schema_name};

/// `table, column, NOT NULL, position in the primary key (0 when not in it), type family`.
type Column = (String, String, bool, i64, String);
/// `table, columns in order (comma-separated), unique`; primary keys are in `Column`.
type Index = (String, String, bool);
/// `table, column, referenced table, referenced column, ON DELETE, deferred`.
type ForeignKey = (String, String, String, String, String, bool);

/// What one backend's migrated schema holds, in comparable terms.
#[derive(Debug, Default)]
struct Schema {
    columns: BTreeSet<Column>,
    indexes: BTreeSet<Index>,
    foreign_keys: BTreeSet<ForeignKey>,
}

/// The storage class a declared type comes to, named alike for both backends: what the
/// shared queries bind and read must be the same kind of value on both.
fn family(declared: &str) -> String {
    let t = declared.to_ascii_lowercase();
    let f = if t.contains("int") || t == "boolean" {
        "integer"
    } else if t == "text" || t.contains("char") || t == "date" || t.starts_with("timestamp") {
        // SQLite keeps dates and instants as text (sqlx's RFC 3339 encoding).
        "text"
    } else if t == "blob" || t == "bytea" {
        "blob"
    } else if t == "real" || t.starts_with("double") || t == "numeric" {
        "number"
    } else {
        return format!("unknown {declared}");
    };
    f.to_owned()
}

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

/// The store's own tables in `sqlite_master m`.
const SQLITE_TABLES: &str =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'";

/// Columns as read, with their declared type turned into its family.
fn with_families(rows: Vec<(String, String, bool, i64, String)>) -> BTreeSet<Column> {
    rows.into_iter()
        .map(|(t, c, n, pk, ty)| (t, c, n, pk, family(&ty)))
        .collect()
}

async fn sqlite_schema(conn: &mut SqliteConnection) -> Schema {
    let columns: Vec<(String, String, bool, i64, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT m.name, p.name, p.\"notnull\", p.pk, p.type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE {SQLITE_TABLES}"
        )))
        .fetch_all(&mut *conn)
        .await
        .expect("read the SQLite columns");
    let indexes: Vec<(String, String, bool)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT m.name, (SELECT group_concat(name, ',') FROM \
           (SELECT c.name FROM pragma_index_info(i.name) c ORDER BY c.seqno)), i.\"unique\" \
         FROM sqlite_master m JOIN pragma_index_list(m.name) i \
         WHERE {SQLITE_TABLES} AND i.origin <> 'pk'"
    )))
    .fetch_all(&mut *conn)
    .await
    .expect("read the SQLite indexes");
    let keys: Vec<(String, String, String, String, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT m.name, f.\"from\", f.\"table\", COALESCE(f.\"to\", ''), f.on_delete, m.sql \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {SQLITE_TABLES}"
        )))
        .fetch_all(&mut *conn)
        .await
        .expect("read the SQLite foreign keys");
    Schema {
        columns: with_families(columns),
        indexes: indexes.into_iter().collect(),
        foreign_keys: keys
            .into_iter()
            .map(|(table, from, to_table, to, on_delete, sql)| {
                let deferred = column_is_deferred(&sql, &from);
                (table, from, to_table, to, on_delete, deferred)
            })
            .collect(),
    }
}

/// Whether the `CREATE TABLE` text declares `column`'s reference `DEFERRABLE INITIALLY
/// DEFERRED` (SQLite's pragmas do not say).
fn column_is_deferred(create: &str, column: &str) -> bool {
    create.lines().any(|line| {
        let line = line.trim();
        line.split_whitespace().next() == Some(column)
            && line.contains("REFERENCES")
            && line.contains("INITIALLY DEFERRED")
    })
}

async fn postgres_schema(pg: &mut PgConnection, schema: &str) -> Schema {
    let columns: Vec<(String, String, bool, i64, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.is_nullable = 'NO', \
                COALESCE(k.ordinal_position, 0)::int8, c.data_type::text \
         FROM information_schema.columns c \
         LEFT JOIN information_schema.table_constraints t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
          AND t.constraint_type = 'PRIMARY KEY' \
         LEFT JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name \
          AND k.column_name = c.column_name \
         WHERE c.table_schema = $1 AND c.table_name <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(&mut *pg)
    .await
    .expect("read the PostgreSQL columns");
    let indexes: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT t.relname::text, \
                (SELECT string_agg(a.attname, ',' ORDER BY k.ord) \
                   FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord) \
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), \
                ix.indisunique \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = $1 AND NOT ix.indisprimary AND t.relname <> '_sqlx_migrations'",
    )
    .bind(schema)
    .fetch_all(&mut *pg)
    .await
    .expect("read the PostgreSQL indexes");
    let keys: Vec<(String, String, String, String, String, bool)> = sqlx::query_as(
        "SELECT t.relname::text, a.attname::text, r.relname::text, ra.attname::text, \
                CASE c.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' \
                  WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END, \
                c.condeferred \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(attnum, refnum) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum \
         JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = k.refnum \
         WHERE c.contype = 'f' AND n.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&mut *pg)
    .await
    .expect("read the PostgreSQL foreign keys");
    Schema {
        columns: with_families(columns),
        indexes: indexes.into_iter().collect(),
        foreign_keys: keys.into_iter().collect(),
    }
}

fn differences<T: Ord + std::fmt::Debug>(
    what: &str,
    sqlite: &BTreeSet<T>,
    pg: &BTreeSet<T>,
) -> Option<String> {
    let only_sqlite: Vec<&T> = sqlite.difference(pg).collect();
    let only_postgres: Vec<&T> = pg.difference(sqlite).collect();
    (!only_sqlite.is_empty() || !only_postgres.is_empty()).then(|| {
        format!("{what} differ\n only in SQLite: {only_sqlite:?}\n only in PostgreSQL: {only_postgres:?}")
    })
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
    let lite = sqlite_schema(&mut conn).await;

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
    let postgres = postgres_schema(&mut pg, &schema).await;
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop the test schema");

    assert!(
        lite.columns.len() > 40 && lite.indexes.len() > 10 && lite.foreign_keys.len() > 15,
        "the SQLite schema looks empty: {lite:?}"
    );
    assert!(
        lite.columns.iter().all(|c| !c.4.starts_with("unknown")),
        "a column type without a family: {:?}",
        lite.columns
    );
    let problems: Vec<String> = [
        differences(
            "columns (table, column, not null, pk position, type)",
            &lite.columns,
            &postgres.columns,
        ),
        differences(
            "indexes (table, columns, unique)",
            &lite.indexes,
            &postgres.indexes,
        ),
        differences(
            "foreign keys (table, column, references, on delete, deferred)",
            &lite.foreign_keys,
            &postgres.foreign_keys,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        problems.is_empty(),
        "schemas differ:\n{}",
        problems.join("\n")
    );
    eprintln!(
        "[sqlite+postgres] {} columns, {} indexes, {} foreign keys agree",
        lite.columns.len(),
        lite.indexes.len(),
        lite.foreign_keys.len()
    );
}

#[test]
fn type_families_name_both_backends_alike() {
    for (sqlite, postgres) in [
        ("INTEGER", "bigint"),
        ("INTEGER", "integer"),
        ("INTEGER", "boolean"),
        ("TEXT", "text"),
        ("TEXT", "date"),
        ("TEXT", "timestamp with time zone"),
        ("BLOB", "bytea"),
    ] {
        assert_eq!(family(sqlite), family(postgres), "{sqlite} ~ {postgres}");
    }
    assert_ne!(family("INTEGER"), family("text"));
    assert_ne!(family("BLOB"), family("text"));
    assert!(family("jsonb").starts_with("unknown"));
}

#[test]
fn deferred_references_are_read_from_the_create_text() {
    let sql = "CREATE TABLE t (\n    parent_id TEXT REFERENCES units (id) DEFERRABLE INITIALLY DEFERRED,\n    unit_id TEXT REFERENCES units (id)\n)";
    assert!(column_is_deferred(sql, "parent_id"));
    assert!(!column_is_deferred(sql, "unit_id"));
}
