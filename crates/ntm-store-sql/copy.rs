//! The whole-database copy ([`CopyStore`]): a snapshot read table by table, and a copy
//! written in one transaction into empty tables. The queries are built from
//! `ntm_store::copy::TABLES`, so the same text runs on both backends; `dialect` says how
//! a snapshot begins, how explicit ids get past a generated column, and how a generator
//! is moved on.
//!
//! Invariants:
//! - A snapshot is one transaction on one connection (`dialect::BEGIN_SNAPSHOT`), whose
//!   rows are streamed and handed on in batches of [`BATCH`]: a table is never held whole.
//! - Every cell is read and bound as the typed value of its column's kind, through sqlx's
//!   own encodings, so a copy into SQLite stores exactly the text and integers ntm's own
//!   writes store, and a value reads back as the same `Cell` from either backend.
//! - A copy is written under the store's write lock (`begin_write`), after every copied
//!   table was found empty in the same transaction.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use futures_core::Stream;
use ntm_store::copy::{
    Cell, CopyStore, Kind, Row, SchemaVersion, SnapshotSink, SnapshotWriter, TABLES, Table,
};
use ntm_store::{StoreError, StoreResult};
use sqlx::Row as _;
use sqlx::query_builder::Separated;

use super::{db_error, upsert_rows};
use crate::dialect::{self, Backend, Db, DbRow};

/// Rows handed over at a time: a few thousand rows of the widest table are a few
/// megabytes, and a batch is written in a handful of statements.
const BATCH: usize = 2_000;

#[async_trait]
impl CopyStore for Backend {
    async fn schema_version(&self) -> StoreResult<SchemaVersion> {
        let applied: Vec<i64> = sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| {
            db_error(
                "reading the applied migrations (is this an ntm database?)",
                e,
            )
        })?;
        let mut known: Vec<i64> = crate::MIGRATOR.iter().map(|m| m.version).collect();
        known.sort_unstable();
        Ok(SchemaVersion { applied, known })
    }

    async fn read_snapshot(&self, sink: &mut dyn SnapshotSink) -> StoreResult<()> {
        let mut tx = self
            .read
            .begin_with(dialect::BEGIN_SNAPSHOT)
            .await
            .map_err(|e| db_error("beginning the snapshot", e))?;
        for table in TABLES {
            sink.begin_table(table).await?;
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(select_all(table))).fetch(&mut *tx);
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(row) = next_row(&mut rows).await {
                let row = row.map_err(|e| db_error(&format!("reading {}", table.name), e))?;
                batch.push(read_row(table, &row)?);
                if batch.len() == BATCH {
                    sink.rows(&batch).await?;
                    batch.clear();
                }
            }
            drop(rows);
            if !batch.is_empty() {
                sink.rows(&batch).await?;
            }
            sink.end_table().await?;
        }
        // Read only: ending it either way releases the snapshot.
        tx.rollback()
            .await
            .map_err(|e| db_error("ending the snapshot", e))
    }

    async fn begin_restore(&self) -> StoreResult<Box<dyn SnapshotWriter>> {
        let mut tx = self.begin_write().await?;
        let mut holding = Vec::new();
        for table in TABLES {
            let any = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM {} LIMIT 1",
                quoted(table.name)
            )))
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error(&format!("checking that {} is empty", table.name), e))?;
            if any.is_some() {
                holding.push(table.name);
            }
        }
        if !holding.is_empty() {
            // The first tables name it well enough; a used database holds rows in most.
            let mut named = holding
                .iter()
                .take(8)
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            if holding.len() > 8 {
                named.push_str(&format!(" và {} bảng khác", holding.len() - 8));
            }
            return Err(StoreError::Conflict(format!(
                "cơ sở dữ liệu đích đã có dữ liệu (bảng {named}): ntm copy chỉ chép vào một cơ \
                 sở dữ liệu trống; không có gì được ghi"
            )));
        }
        Ok(Box::new(Restore {
            tx,
            table: None,
            written: 0,
            forward: Vec::new(),
            rows: 0,
        }))
    }
}

/// The next row of a stream, as `StreamExt::next` would give it.
pub(crate) async fn next_row<S>(stream: &mut S) -> Option<S::Item>
where
    S: Stream + Unpin,
{
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *stream).poll_next(cx)).await
}

/// An identifier in double quotes: some column names (`key`, `text`, `position`) are
/// words of SQL.
fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

/// Every column of `table`, integers widened to 64 bits (PostgreSQL's `INTEGER` is 32),
/// ordered by the key, text keys in byte order.
fn select_all(table: &Table) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| match c.kind {
            Kind::Integer => format!("CAST({0} AS BIGINT) AS {0}", quoted(c.name)),
            _ => quoted(c.name),
        })
        .collect();
    let order: Vec<String> = table
        .key
        .iter()
        .map(|k| {
            let text = table
                .columns
                .iter()
                .any(|c| c.name == *k && c.kind == Kind::Text);
            if text {
                format!("{} COLLATE \"C\"", quoted(k))
            } else {
                quoted(k)
            }
        })
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        columns.join(", "),
        quoted(table.name),
        order.join(", ")
    )
}

fn read_row(table: &Table, row: &DbRow) -> StoreResult<Row> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let cell = match column.kind {
                Kind::Text => row
                    .try_get::<Option<String>, _>(i)
                    .map(|v| v.map(Cell::Text)),
                Kind::Integer => row
                    .try_get::<Option<i64>, _>(i)
                    .map(|v| v.map(Cell::Integer)),
                Kind::Bool => row.try_get::<Option<bool>, _>(i).map(|v| v.map(Cell::Bool)),
                Kind::Date => row
                    .try_get::<Option<NaiveDate>, _>(i)
                    .map(|v| v.map(Cell::Date)),
                Kind::Timestamp => row
                    .try_get::<Option<DateTime<Utc>>, _>(i)
                    .map(|v| v.map(Cell::Timestamp)),
                Kind::Bytes => row
                    .try_get::<Option<Vec<u8>>, _>(i)
                    .map(|v| v.map(Cell::Bytes)),
            };
            cell.map(|c| c.unwrap_or(Cell::Null))
                .map_err(|e| db_error(&format!("reading {}.{}", table.name, column.name), e))
        })
        .collect()
}

/// Binds `cell` as its column's kind (a null typed as the column, which PostgreSQL
/// needs); the cell was checked to fit by [`check_cells`].
fn bind_cell(b: &mut Separated<'_, Db, &'static str>, kind: Kind, cell: &Cell) {
    match (kind, cell) {
        (_, Cell::Integer(i)) => b.push_bind(*i),
        (_, Cell::Bool(v)) => b.push_bind(*v),
        (_, Cell::Text(s)) => b.push_bind(s.as_str()),
        (_, Cell::Date(d)) => b.push_bind(*d),
        (_, Cell::Timestamp(t)) => b.push_bind(*t),
        (_, Cell::Bytes(v)) => b.push_bind(v.as_slice()),
        (Kind::Text, Cell::Null) => b.push_bind(None::<String>),
        (Kind::Integer, Cell::Null) => b.push_bind(None::<i64>),
        (Kind::Bool, Cell::Null) => b.push_bind(None::<bool>),
        (Kind::Date, Cell::Null) => b.push_bind(None::<NaiveDate>),
        (Kind::Timestamp, Cell::Null) => b.push_bind(None::<DateTime<Utc>>),
        (Kind::Bytes, Cell::Null) => b.push_bind(None::<Vec<u8>>),
    };
}

/// Every row has one cell per column, each null or of its column's kind.
fn check_cells(table: &Table, rows: &[Row]) -> StoreResult<()> {
    for row in rows {
        if row.len() != table.columns.len() {
            return Err(StoreError::Other(anyhow::anyhow!(
                "a row of {} has {} cells for {} columns",
                table.name,
                row.len(),
                table.columns.len()
            )));
        }
        for (column, cell) in table.columns.iter().zip(row) {
            if cell.kind().is_some_and(|k| k != column.kind) {
                return Err(StoreError::Other(anyhow::anyhow!(
                    "{}.{} is {:?}, not {cell:?}",
                    table.name,
                    column.name,
                    column.kind
                )));
            }
        }
    }
    Ok(())
}

/// A copy being written (see [`CopyStore::begin_restore`]).
struct Restore {
    tx: sqlx::Transaction<'static, Db>,
    /// The table being written.
    table: Option<&'static Table>,
    /// Tables finished.
    written: usize,
    /// Self references to a row not yet written: (column, key of the row, value), set
    /// when the table is done.
    forward: Vec<(&'static str, i64, i64)>,
    /// Rows of the open table, for the log.
    rows: u64,
}

impl Restore {
    fn open_table(&self) -> StoreResult<&'static Table> {
        self.table.ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("rows of a copy came before their table"))
        })
    }
}

#[async_trait]
impl SnapshotSink for Restore {
    async fn begin_table(&mut self, table: &'static Table) -> StoreResult<()> {
        let expected = TABLES.get(self.written).map(|t| t.name);
        if self.table.is_some() || expected != Some(table.name) {
            return Err(StoreError::Other(anyhow::anyhow!(
                "the copy's tables came out of order: {} where {expected:?} was due",
                table.name
            )));
        }
        self.table = Some(table);
        self.rows = 0;
        Ok(())
    }

    async fn rows(&mut self, rows: &[Row]) -> StoreResult<()> {
        let table = self.open_table()?;
        check_cells(table, rows)?;
        // A row whose self reference points past it in key order goes in with the
        // reference empty, filled in once the table is whole (rows come in key order, so
        // one pointing back, or into its own statement, finds its row already there).
        let mut adjusted: Vec<Row> = Vec::new();
        let rows: &[Row] = if table.self_references.is_empty() {
            rows
        } else {
            let key = table
                .position(table.key[0])
                .expect("checked by the table list");
            for row in rows {
                let mut row = row.clone();
                for column in table.self_references {
                    let at = table.position(column).expect("checked by the table list");
                    if let (Cell::Integer(target), Cell::Integer(own)) = (&row[at], &row[key])
                        && target > own
                    {
                        self.forward.push((column, *own, *target));
                        row[at] = Cell::Null;
                    }
                }
                adjusted.push(row);
            }
            &adjusted
        };
        let names: Vec<String> = table.columns.iter().map(|c| quoted(c.name)).collect();
        let head = format!(
            "INSERT INTO {} ({}){} ",
            quoted(table.name),
            names.join(", "),
            if table.generated.is_some() {
                dialect::OVERRIDE_GENERATED
            } else {
                ""
            }
        );
        upsert_rows(
            &mut self.tx,
            &head,
            "",
            table.columns.len(),
            rows,
            |mut b, row| {
                for (column, cell) in table.columns.iter().zip(row) {
                    bind_cell(&mut b, column.kind, cell);
                }
            },
        )
        .await
        .map_err(|e| db_error(&format!("writing {}", table.name), e))?;
        self.rows += rows.len() as u64;
        Ok(())
    }

    async fn end_table(&mut self) -> StoreResult<()> {
        let table = self.open_table()?;
        for (column, own, target) in std::mem::take(&mut self.forward) {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE {} SET {} = $1 WHERE {} = $2",
                quoted(table.name),
                quoted(column),
                quoted(table.key[0])
            )))
            .bind(target)
            .bind(own)
            .execute(&mut *self.tx)
            .await
            .map_err(|e| db_error(&format!("writing {}.{column}", table.name), e))?;
        }
        tracing::info!(table = table.name, rows = self.rows, "copied");
        self.table = None;
        self.written += 1;
        Ok(())
    }
}

#[async_trait]
impl SnapshotWriter for Restore {
    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        if self.table.is_some() || self.written != TABLES.len() {
            return Err(StoreError::Other(anyhow::anyhow!(
                "the copy is incomplete ({} of {} tables): nothing was written",
                self.written,
                TABLES.len()
            )));
        }
        for table in TABLES {
            let Some(column) = table.generated else {
                continue;
            };
            let largest: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT CAST(MAX({}) AS BIGINT) FROM {}",
                quoted(column),
                quoted(table.name)
            )))
            .fetch_one(&mut *self.tx)
            .await
            .map_err(|e| db_error(&format!("reading the largest id of {}", table.name), e))?;
            if let Some(statement) =
                largest.and_then(|l| dialect::restart_generated(table.name, column, l + 1))
            {
                sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&mut *self.tx)
                    .await
                    .map_err(|e| db_error(&format!("moving on the ids of {}", table.name), e))?;
            }
        }
        self.tx
            .commit()
            .await
            .map_err(|e| db_error("committing the copy", e))
    }
}
