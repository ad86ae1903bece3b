//! The two backends keep one schema: same migration files, same tables and columns with
//! their nullability, primary keys and storage types, the same indexes and the same
//! foreign keys. And the copy (`ntm_store::copy::TABLES`) knows every table and column of
//! both, in an order that puts every table after those it references.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ntm_store::copy::{self, Kind, NOT_COPIED, TABLES, Table};
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

/// A connection to the server of `url`, with `schema` made afresh and migrated by the
/// PostgreSQL store; the caller reads it, then drops the schema.
async fn migrated_postgres_schema(url: &str, schema: &str) -> PgConnection {
    PostgresStore::drop_schema(url, schema)
        .await
        .expect("drop a stale schema");
    let store = PostgresStore::open_in_schema(url, schema)
        .await
        .expect("open PostgreSQL");
    store.migrate().await.expect("migrate PostgreSQL");
    drop(store);
    PgConnection::connect(url)
        .await
        .expect("connect to PostgreSQL")
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
    let mut pg = migrated_postgres_schema(&url, &schema).await;
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

// ------------------------------------------------------------ what the copy knows

/// A migrated schema as the copy's table list is checked against it.
#[derive(Debug, Default)]
struct Catalog {
    /// Every table, the migrations' own included.
    tables: BTreeSet<String>,
    /// `table, column, NOT NULL, position in the primary key (0 when not in it), declared
    /// type`.
    columns: BTreeSet<(String, String, bool, i64, String)>,
    /// `table, column, referenced table, referenced column`.
    references: BTreeSet<(String, String, String, String)>,
    /// `table, column` of every generated id (`AUTOINCREMENT`, identity).
    generated: BTreeSet<(String, String)>,
}

/// Whether a column declared `declared` holds values of `kind`: on SQLite by its storage
/// family (dates and instants are text, booleans integers), on PostgreSQL exactly.
type Fits = fn(Kind, &str) -> bool;

fn fits_sqlite(kind: Kind, declared: &str) -> bool {
    let family_of_kind = match kind {
        Kind::Text | Kind::Date | Kind::Timestamp => "text",
        Kind::Integer | Kind::Bool => "integer",
        Kind::Bytes => "blob",
    };
    family(declared) == family_of_kind
}

fn fits_postgres(kind: Kind, declared: &str) -> bool {
    match kind {
        Kind::Text => declared == "text",
        Kind::Integer => declared == "bigint" || declared == "integer",
        Kind::Bool => declared == "boolean",
        Kind::Date => declared == "date",
        Kind::Timestamp => declared == "timestamp with time zone",
        Kind::Bytes => declared == "bytea",
    }
}

/// Everything `tables` (the copy's list) gets wrong about `catalog`: a table or column it
/// does not know or names wrongly, a kind that does not fit, another key or generated id,
/// a table listed before one it references, a reference to itself not listed as such (or
/// not nullable, or not to the key), a reference to a table that is not copied.
fn copy_problems(tables: &[Table], catalog: &Catalog, fits: Fits) -> Vec<String> {
    let mut problems = Vec::new();
    let listed: BTreeSet<String> = tables
        .iter()
        .map(|t| t.name.to_owned())
        .chain(NOT_COPIED.iter().map(|(n, _)| (*n).to_owned()))
        .collect();
    for t in catalog.tables.difference(&listed) {
        problems.push(format!(
            "table {t} is not known to the copy: add it to ntm_store::copy::TABLES (after \
             the tables it references) or to NOT_COPIED with the reason"
        ));
    }
    for t in listed.difference(&catalog.tables) {
        problems.push(format!(
            "the copy lists {t}, which the schema does not have"
        ));
    }
    let order = |name: &str| tables.iter().position(|t| t.name == name);
    for (at, table) in tables.iter().enumerate() {
        let columns: Vec<_> = catalog
            .columns
            .iter()
            .filter(|c| c.0 == table.name)
            .collect();
        if columns.is_empty() {
            continue;
        }
        for (_, column, _, _, declared) in &columns {
            match table.columns.iter().find(|c| c.name == column.as_str()) {
                None => problems.push(format!(
                    "column {}.{column} is not known to the copy: add it to its table in \
                     ntm_store::copy::TABLES",
                    table.name
                )),
                Some(c) if !fits(c.kind, declared) => problems.push(format!(
                    "{}.{column} is declared {declared}, which does not hold {:?}",
                    table.name, c.kind
                )),
                Some(_) => {}
            }
        }
        for c in table.columns {
            if !columns.iter().any(|(_, name, ..)| name == c.name) {
                problems.push(format!(
                    "the copy lists {}.{}, which the schema does not have",
                    table.name, c.name
                ));
            }
        }
        let mut key: Vec<_> = columns.iter().filter(|c| c.3 > 0).collect();
        key.sort_by_key(|c| c.3);
        let key: Vec<&str> = key.iter().map(|c| c.1.as_str()).collect();
        if key != table.key {
            problems.push(format!(
                "{}: the primary key is {key:?}, the copy says {:?}",
                table.name, table.key
            ));
        }
        let generated: Vec<&str> = catalog
            .generated
            .iter()
            .filter(|g| g.0 == table.name)
            .map(|g| g.1.as_str())
            .collect();
        if generated != table.generated.into_iter().collect::<Vec<_>>() {
            problems.push(format!(
                "{}: the generated id is {generated:?}, the copy says {:?}",
                table.name, table.generated
            ));
        }
        let mut itself = Vec::new();
        for (_, column, to, to_column) in catalog.references.iter().filter(|r| r.0 == table.name) {
            if to == table.name {
                itself.push(column.as_str());
                let nullable = columns.iter().any(|c| c.1 == *column && !c.2);
                if !nullable || table.key != [to_column.as_str()] {
                    problems.push(format!(
                        "{}.{column} refers to its own table: the copy needs it nullable and \
                         pointing at the one-column key",
                        table.name
                    ));
                }
            } else {
                match order(to) {
                    Some(before) if before < at => {}
                    Some(_) => problems.push(format!(
                        "{} refers to {to}, which the copy lists after it",
                        table.name
                    )),
                    None => problems.push(format!(
                        "{} refers to {to}, which the copy does not copy",
                        table.name
                    )),
                }
            }
        }
        itself.sort_unstable();
        let mut listed_itself = table.self_references.to_vec();
        listed_itself.sort_unstable();
        if itself != listed_itself {
            problems.push(format!(
                "{}: the references to itself are {itself:?}, the copy says {listed_itself:?}",
                table.name
            ));
        }
    }
    problems
}

async fn sqlite_catalog(conn: &mut SqliteConnection) -> Catalog {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("read the SQLite tables");
    let columns: Vec<(String, String, bool, i64, String)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk, p.type \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("read the SQLite columns");
    let references: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT m.name, f.\"from\", f.\"table\", COALESCE(f.\"to\", '') \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .expect("read the SQLite foreign keys");
    let generated = tables
        .iter()
        .filter(|(_, sql)| sql.contains("AUTOINCREMENT"))
        .filter_map(|(t, _)| {
            columns
                .iter()
                .find(|c| c.0 == *t && c.3 == 1)
                .map(|c| (t.clone(), c.1.clone()))
        })
        .collect();
    Catalog {
        tables: tables.into_iter().map(|(t, _)| t).collect(),
        columns: columns.into_iter().collect(),
        references: references.into_iter().collect(),
        generated,
    }
}

async fn postgres_catalog(pg: &mut PgConnection, schema: &str) -> Catalog {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = $1 AND table_type = 'BASE TABLE'",
    )
    .bind(schema)
    .fetch_all(&mut *pg)
    .await
    .expect("read the PostgreSQL tables");
    let columns: Vec<(String, String, bool, i64, String, bool)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.is_nullable = 'NO', \
                COALESCE(k.ordinal_position, 0)::int8, c.data_type::text, c.is_identity = 'YES' \
         FROM information_schema.columns c \
         LEFT JOIN information_schema.table_constraints t \
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
          AND t.constraint_type = 'PRIMARY KEY' \
         LEFT JOIN information_schema.key_column_usage k \
           ON k.constraint_schema = t.constraint_schema AND k.constraint_name = t.constraint_name \
          AND k.column_name = c.column_name \
         WHERE c.table_schema = $1",
    )
    .bind(schema)
    .fetch_all(&mut *pg)
    .await
    .expect("read the PostgreSQL columns");
    let references: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT t.relname::text, a.attname::text, r.relname::text, ra.attname::text \
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
    Catalog {
        tables: tables.into_iter().map(|(t,)| t).collect(),
        generated: columns
            .iter()
            .filter(|c| c.5)
            .map(|c| (c.0.clone(), c.1.clone()))
            .collect(),
        columns: columns
            .into_iter()
            .map(|(t, c, n, pk, ty, _)| (t, c, n, pk, ty))
            .collect(),
        references: references.into_iter().collect(),
    }
}

async fn migrated_sqlite_catalog() -> Catalog {
    let sqlite = TempSqlite::new().await;
    let options =
        sqlx::sqlite::SqliteConnectOptions::new().filename(sqlite.dir().join("ntm.sqlite"));
    let mut conn = SqliteConnection::connect_with(&options)
        .await
        .expect("open the SQLite file");
    sqlite_catalog(&mut conn).await
}

/// The copy's table list matches `catalog`, the migrated schema of `backend`, whose
/// declared types `fits` checks against each column's kind.
fn assert_copy_knows(catalog: &Catalog, backend: &str, fits: Fits) {
    assert!(
        catalog.tables.len() > 40,
        "the {backend} schema looks empty: {catalog:?}"
    );
    let problems = copy_problems(TABLES, catalog, fits);
    assert!(
        problems.is_empty(),
        "the copy's table list is wrong:\n{}",
        problems.join("\n")
    );
}

/// A migration that adds a table or a column fails here until `ntm copy` knows it.
#[tokio::test]
async fn copy_knows_every_table_and_column_of_sqlite() {
    let catalog = migrated_sqlite_catalog().await;
    assert_copy_knows(&catalog, "SQLite", fits_sqlite);
}

/// The same on PostgreSQL, whose declared types tell booleans, dates and instants apart.
#[tokio::test]
#[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
async fn copy_knows_every_table_and_column_of_postgres() {
    let url = postgres_url("copy_knows_every_table_and_column_of_postgres");
    let schema = schema_name("copy_knows_every_table");
    let mut pg = migrated_postgres_schema(&url, &schema).await;
    let catalog = postgres_catalog(&mut pg, &schema).await;
    PostgresStore::drop_schema(&url, &schema)
        .await
        .expect("drop the test schema");
    assert_copy_knows(&catalog, "PostgreSQL", fits_postgres);
}

/// The check finds what a list gets wrong: a table left out, a column left out, a wrong
/// kind, tables out of order, a reference to itself not listed.
#[tokio::test]
async fn copy_knowledge_check_finds_what_a_list_gets_wrong() {
    let catalog = migrated_sqlite_catalog().await;
    let finds = |tables: Vec<Table>, what: &str| {
        let problems = copy_problems(&tables, &catalog, fits_sqlite);
        assert!(
            problems.iter().any(|p| p.contains(what)),
            "expected a problem with {what:?}, found {problems:?}"
        );
    };
    let all = || TABLES.to_vec();

    let mut missing = all();
    missing.retain(|t| t.name != "fund_lines");
    finds(missing, "table fund_lines is not known to the copy");

    let mut narrow = all();
    let units = narrow
        .iter_mut()
        .find(|t| t.name == "units")
        .expect("units");
    units.columns = &units.columns[..units.columns.len() - 1];
    finds(narrow, "column units.source is not known to the copy");

    let mut wrong = all();
    let files = wrong
        .iter_mut()
        .find(|t| t.name == "ocop_files")
        .expect("ocop_files");
    files.columns = &[
        copy::Column {
            name: "id",
            kind: Kind::Integer,
        },
        copy::Column {
            name: "entry_id",
            kind: Kind::Integer,
        },
        copy::Column {
            name: "part",
            kind: Kind::Text,
        },
        copy::Column {
            name: "name",
            kind: Kind::Text,
        },
        copy::Column {
            name: "bytes",
            kind: Kind::Text,
        },
        copy::Column {
            name: "note",
            kind: Kind::Text,
        },
        copy::Column {
            name: "attached_at",
            kind: Kind::Timestamp,
        },
        copy::Column {
            name: "attached_by",
            kind: Kind::Text,
        },
    ];
    finds(wrong, "ocop_files.bytes is declared BLOB");

    let mut reordered = all();
    reordered.swap(0, 1);
    finds(
        reordered,
        "unit_versions refers to units, which the copy lists after it",
    );

    let mut unlisted = all();
    let tasks = unlisted
        .iter_mut()
        .find(|t| t.name == "tasks")
        .expect("tasks");
    tasks.self_references = &[];
    finds(
        unlisted,
        "tasks: the references to itself are [\"parent_id\"]",
    );
}
