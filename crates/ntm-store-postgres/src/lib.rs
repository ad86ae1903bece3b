//! The PostgreSQL implementation of the ntm store (large deployments).
//!
//! Owns the PostgreSQL schema (`migrations/`, kept in lockstep with `ntm-store-sqlite`),
//! the connections, schemas and the write lock. The queries are the shared source in
//! `crates/ntm-store-sql` (module `sql`), compiled here against [`dialect`].
//!
//! Invariants:
//! - Every audited write is one transaction that first takes an `EXCLUSIVE` lock on
//!   `audit_events` (readers are not blocked): writers of one store are serialised as in
//!   SQLite, so the stored state a write compares against cannot change under it, and the
//!   audit ids of one write are contiguous.
//! - Tables are unqualified: a store lives in the first schema of the search path, which
//!   [`PostgresStore::open_in_schema`] sets on every pooled connection.
//! - Text is ordered with `COLLATE "C"` (byte order, as SQLite and Rust order it), so the
//!   order of results does not depend on the database's locale.
//! - Timestamps are stored at microsecond precision (PostgreSQL's); the SQLite backend
//!   truncates the same way, so both read back the same instant.
//! - A unit-year whose submission is `approved` is locked: `write_values` refuses any
//!   value of it with `Conflict`, checked under the write lock, and writes nothing.

use std::str::FromStr;

use anyhow::Context as _;
use ntm_store::StoreResult;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection as _, PgConnection, PgPool, Postgres};

#[path = "../../ntm-store-sql/mod.rs"]
mod sql;

use sql::db_error;

/// What the shared query code (`sql`) is compiled against.
pub(crate) mod dialect {
    use sqlx::postgres::PgDatabaseError;

    pub(crate) type Db = sqlx::Postgres;
    pub(crate) type DbRow = sqlx::postgres::PgRow;
    pub(crate) type DbConn = sqlx::PgConnection;
    pub(crate) type Backend = super::PostgresStore;

    /// `Store::backend`.
    pub(crate) const NAME: &str = "postgres";

    /// How a hot listing asks for text in byte order (Rust's order). PostgreSQL's default collation follows the locale; the listing indexes are `"C"`.
    pub(crate) const BYTE_ORDER: &str = " COLLATE \"C\"";

    /// How a copy's snapshot begins (`ntm_store::copy`): every table read as of one
    /// instant, and nothing written by mistake.
    pub(crate) const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

    /// What lets a copy write its own ids into an identity column (`GENERATED ALWAYS`).
    pub(crate) const OVERRIDE_GENERATED: &str = " OVERRIDING SYSTEM VALUE";

    /// The statement that makes `table`'s next generated id `next`, after a copy wrote
    /// ids the identity's sequence never gave.
    pub(crate) fn restart_generated(table: &str, column: &str, next: i64) -> Option<String> {
        Some(format!(
            "ALTER TABLE \"{table}\" ALTER COLUMN \"{column}\" RESTART WITH {next}"
        ))
    }

    /// The server's message with its detail, which names the offending key.
    pub(crate) fn explain(db: &dyn sqlx::error::DatabaseError) -> String {
        match db
            .try_downcast_ref::<PgDatabaseError>()
            .and_then(|pg| pg.detail())
        {
            Some(detail) => format!("{}; {detail}", db.message()),
            None => db.message().to_owned(),
        }
    }
}

/// A store in one PostgreSQL database (or one schema of it).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The same pool: the shared queries read from `read` and write to `pool`, which on
    /// SQLite are different connections.
    read: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`), using the
    /// connection's default search path. Does not migrate; call [`PostgresStore::migrate`].
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = connect_options(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        Ok(PostgresStore {
            read: pool.clone(),
            pool,
        })
    }

    /// Connects like [`PostgresStore::open`] but keeps the whole store in `schema`, which is
    /// created if missing and made the search path of every pooled connection. The schema
    /// name must be a plain identifier (ASCII letters, digits, `_`; not starting with a
    /// digit), as it is spliced into SQL.
    pub async fn open_in_schema(url: &str, schema: &str) -> anyhow::Result<Self> {
        let quoted = quote_schema(schema)?;
        let options = connect_options(url)?;
        let mut conn = PgConnection::connect_with(&options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {quoted}"
        )))
        .execute(&mut conn)
        .await
        .with_context(|| format!("creating schema {schema}"))?;
        conn.close().await.context("closing the setup connection")?;

        let set_path: std::sync::Arc<str> = format!("SET search_path TO {quoted}").into();
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .after_connect(move |conn, _meta| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    sqlx::query(sqlx::AssertSqlSafe(set_path))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        Ok(PostgresStore {
            read: pool.clone(),
            pool,
        })
    }

    /// Drops `schema` and everything in it, if it exists; for tests that made a store with
    /// [`PostgresStore::open_in_schema`].
    pub async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
        let quoted = quote_schema(schema)?;
        let mut conn = PgConnection::connect_with(&connect_options(url)?)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {quoted} CASCADE"
        )))
        .execute(&mut conn)
        .await
        .with_context(|| format!("dropping schema {schema}"))?;
        conn.close().await.context("closing the connection")?;
        Ok(())
    }

    /// Applies the embedded migrations that the database (or schema) does not have yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(())
    }

    /// Begins a write: a transaction holding the store's write lock.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Postgres>> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| db_error("beginning a write", e))?;
        sqlx::query("LOCK TABLE audit_events IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("taking the write lock", e))?;
        Ok(tx)
    }
}

/// Connections per store: a few concurrent readers; writes take the lock anyway.
const POOL_SIZE: u32 = 5;

fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .with_context(|| format!("invalid PostgreSQL URL {}", redact(url)))
}

/// `url` without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            match user_info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `schema` double-quoted, after checking that it is a plain identifier.
fn quote_schema(schema: &str) -> anyhow::Result<String> {
    let plain = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    anyhow::ensure!(
        plain,
        "schema name {schema:?} is not a plain identifier (ASCII letters, digits, _)"
    );
    Ok(format!("\"{schema}\""))
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
