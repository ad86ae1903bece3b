//! The SQLite implementation of the ntm store (the embedded default).
//!
//! Owns the SQLite schema (`migrations/`, kept in lockstep with `ntm-store-postgres`), the
//! connections and the few things only SQLite does (`BEGIN IMMEDIATE`, `VACUUM INTO`).
//! The queries are the shared source in `crates/ntm-store-sql` (module `sql`), compiled
//! here against [`dialect`].
//!
//! Invariants:
//! - One connection: writes are serialised and `:memory:` databases stay alive, and
//!   every audited write is one `BEGIN IMMEDIATE` transaction (the write lock is taken
//!   up front, so reading the stored state and writing the change cannot be interleaved
//!   with another process's write).
//! - Foreign keys are enforced (`foreign_keys = ON`), the journal is WAL for files, and a
//!   locked database is waited on for 5 s before failing.
//! - Timestamps are stored at microsecond precision, PostgreSQL's, so both backends read
//!   back the same instant.
//! - A unit-year whose submission is `approved` is locked: `write_values` refuses any
//!   value of it with `Conflict`, checked under the write lock, and writes nothing.
//! - Every connection knows the collation `"C"` (byte order, SQLite's `BINARY`), so the
//!   shared queries' `COLLATE "C"` orders as on PostgreSQL.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context as _;
use ntm_store::StoreResult;
use sqlx::Sqlite;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[path = "../../ntm-store-sql/mod.rs"]
mod sql;

use sql::db_error;

/// What the shared query code (`sql`) is compiled against.
pub(crate) mod dialect {
    pub(crate) type Db = sqlx::Sqlite;
    pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
    pub(crate) type DbConn = sqlx::SqliteConnection;
    pub(crate) type Backend = super::SqliteStore;

    /// `Store::backend`.
    pub(crate) const NAME: &str = "sqlite";

    /// How a hot listing asks for text in byte order (Rust's order). SQLite's own BINARY order is byte order: a query that says nothing is served by the
    /// indexes, where the registered `"C"` collation would make SQLite sort instead.
    pub(crate) const BYTE_ORDER: &str = "";

    /// How a copy's snapshot begins (`ntm_store::copy`): a deferred read transaction on
    /// one connection, whose snapshot (WAL) is taken at its first read and kept to its end.
    pub(crate) const BEGIN_SNAPSHOT: &str = "BEGIN";

    /// What lets a copy write its own ids into a generated column: nothing, SQLite takes
    /// an explicit id in an `AUTOINCREMENT` column as it is.
    pub(crate) const OVERRIDE_GENERATED: &str = "";

    /// The statement that makes `table`'s next generated id `next`: none, as
    /// `AUTOINCREMENT` goes on past the largest id ever written (`sqlite_sequence` follows
    /// explicit ids too).
    pub(crate) fn restart_generated(_table: &str, _column: &str, _next: i64) -> Option<String> {
        None
    }

    /// SQLite's message names the table and columns of a broken constraint already.
    pub(crate) fn explain(db: &dyn sqlx::error::DatabaseError) -> String {
        db.message().to_owned()
    }
}

/// A store in one SQLite database file (or in memory).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// The one connection that writes: SQLite admits one writer at a time, and a single
    /// connection makes every write transaction queue here instead of failing busy.
    pool: SqlitePool,
    /// Connections that only read (WAL lets them run beside the writer and each other),
    /// so that pages do not queue behind one another; the writer's pool itself for an
    /// in-memory database, which is private to its connection.
    read: SqlitePool,
}

/// Reading connections: enough for the cores of an ordinary server to evaluate pages in
/// parallel, few enough to keep SQLite's per-connection cache small.
const READERS: u32 = 8;

impl SqliteStore {
    /// Opens (creating it if missing) the database at `url_or_path`: `sqlite://path`,
    /// `sqlite:path`, a plain file path, or `sqlite::memory:` for a private in-memory
    /// database. Does not migrate; call [`SqliteStore::migrate`].
    pub async fn open(url_or_path: &str) -> anyhow::Result<Self> {
        let options = if url_or_path.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url_or_path)
                .with_context(|| format!("invalid SQLite URL {url_or_path:?}"))?
        } else if url_or_path == ":memory:" {
            SqliteConnectOptions::from_str("sqlite::memory:").context("in-memory SQLite options")?
        } else {
            SqliteConnectOptions::new().filename(url_or_path)
        };
        // An in-memory database is private to its connection, so it has no journal
        // file to put in WAL mode.
        let in_memory = url_or_path.contains(":memory:") || url_or_path.contains("mode=memory");
        let journal = if in_memory {
            SqliteJournalMode::Memory
        } else {
            SqliteJournalMode::Wal
        };
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(journal)
            // FULL rather than WAL's usual NORMAL: an audited write that was reported as
            // committed must survive a power loss; a batch is one commit, so it costs little.
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            .collation("C", |a: &str, b: &str| a.cmp(b));
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // The only connection holds an in-memory database: it must never be recycled.
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("cannot open SQLite database {url_or_path:?}"))?;
        let read = if in_memory {
            pool.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READERS)
                .connect_with(options.read_only(true).create_if_missing(false))
                .await
                .with_context(|| format!("cannot open SQLite database {url_or_path:?}"))?
        };
        Ok(SqliteStore { pool, read })
    }

    /// Applies the embedded migrations that the database does not have yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("migrating the SQLite database")?;
        Ok(())
    }

    /// SQLite's own check of the whole file (`PRAGMA integrity_check`): `"ok"`, or what is
    /// broken.
    pub async fn integrity_check(&self) -> anyhow::Result<String> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await
            .context("checking the database's integrity")?;
        Ok(rows.join("; "))
    }

    /// Writes a consistent, compacted copy of the whole database to `path` with
    /// `VACUUM INTO`; other calls on this store wait until it is done. Fails if `path`
    /// already exists, so a backup is never overwritten.
    pub async fn backup_to(&self, path: &Path) -> anyhow::Result<()> {
        anyhow::ensure!(
            !path.exists(),
            "backup target {} already exists",
            path.display()
        );
        let target = path
            .to_str()
            .with_context(|| format!("backup path {} is not UTF-8", path.display()))?;
        sqlx::query("VACUUM INTO ?")
            .bind(target)
            .execute(&self.pool)
            .await
            .with_context(|| format!("backing up to {}", path.display()))?;
        Ok(())
    }

    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Sqlite>> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| db_error("beginning a write", e))
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");
