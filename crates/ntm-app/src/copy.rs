//! Moving an office's database to another store (`ntm copy`): SQLite to PostgreSQL when
//! it outgrows the embedded file, or back.
//!
//! Invariants:
//! - Both databases are at this build's schema version before anything is written: a
//!   source with other migrations than the build's is refused, and so is a target that the
//!   caller did not migrate to them.
//! - The source is read in one consistent snapshot and written into the target in one
//!   transaction, all or nothing, into empty tables only (the store refuses otherwise).
//! - Every table is verified after the commit: its row count and the SHA-256 of its rows
//!   in key order ([`ntm_store::copy::encode_row`]), computed here, in one way, over what
//!   each store's `read_snapshot` ([`ntm_store::copy::CopyStore`]) gives, on the source
//!   while it is copied and on the target read back afterwards.
//! - The copy writes no audit entry: the target is the source row for row, so that it
//!   verifies against it (and a copy back verifies against both); the report says what
//!   was copied.

use ntm_store::Store;
use ntm_store::copy::{Row, SnapshotSink, SnapshotWriter, TABLES, Table, encode_row};
use sha2::{Digest as _, Sha256};

use crate::{AppError, AppResult};

/// A table's rows and checksum as read from one store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDigest {
    pub table: &'static str,
    pub rows: u64,
    /// SHA-256 of the table's name, its columns and kinds, and every row in key order, in
    /// lowercase hexadecimal.
    pub checksum: String,
}

/// One table of a copy: as read from the source and as read back from the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCheck {
    pub source: TableDigest,
    pub target: TableDigest,
}

impl TableCheck {
    /// Whether the target holds the source's rows.
    pub fn ok(&self) -> bool {
        self.source == self.target
    }
}

/// What a copy did, table by table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyReport {
    /// `Store::backend` of each side.
    pub source_backend: &'static str,
    pub target_backend: &'static str,
    /// Every copied table, in the order copied.
    pub tables: Vec<TableCheck>,
}

impl CopyReport {
    /// Whether every table of the target matches the source.
    pub fn verified(&self) -> bool {
        self.tables.iter().all(TableCheck::ok)
    }
    /// Rows copied, all tables together.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.source.rows).sum()
    }
}

/// Refuses a database whose applied migrations are not exactly this build's: a copy is
/// made between two databases of this build's schema.
pub async fn check_schema(store: &dyn Store, side: &str) -> AppResult<()> {
    let version = store.schema_version().await?;
    if version.applied == version.known {
        return Ok(());
    }
    let missing: Vec<String> = version
        .known
        .iter()
        .filter(|v| !version.applied.contains(v))
        .map(ToString::to_string)
        .collect();
    let unknown: Vec<String> = version
        .applied
        .iter()
        .filter(|v| !version.known.contains(v))
        .map(ToString::to_string)
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "{side} thiếu migration {}: chạy ntm migrate trên {side} trước khi chép",
            missing.join(", ")
        ));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "{side} có migration {} mà bản ntm này không biết: chép bằng bản ntm đã tạo ra nó",
            unknown.join(", ")
        ));
    }
    Err(AppError::Invalid(problems))
}

/// Copies every table of `source` into `target` (see the module's invariants) and reads
/// the target back to verify it. A target that holds rows is refused (`Conflict`, naming
/// the tables) and left as it was. The copy is committed before it is verified: a report
/// that is not [`CopyReport::verified`] means the target holds a copy that must not be
/// used.
pub async fn copy(source: &dyn Store, target: &dyn Store) -> AppResult<CopyReport> {
    check_schema(source, "nguồn").await?;
    check_schema(target, "đích").await?;
    let mut writer = target.begin_restore().await?;
    let mut read = Digests::default();
    source
        .read_snapshot(&mut Tee {
            digests: &mut read,
            writer: writer.as_mut(),
        })
        .await?;
    if read.done.len() != TABLES.len() {
        return Err(incomplete(read.done.len()));
    }
    writer.commit().await?;
    let back = checksums(target).await?;
    Ok(CopyReport {
        source_backend: source.backend(),
        target_backend: target.backend(),
        tables: read
            .done
            .into_iter()
            .zip(back)
            .map(|(source, target)| TableCheck { source, target })
            .collect(),
    })
}

/// The row count and checksum of every copied table of `store`, read in one snapshot.
pub async fn checksums(store: &dyn Store) -> AppResult<Vec<TableDigest>> {
    let mut digests = Digests::default();
    store.read_snapshot(&mut digests).await?;
    if digests.done.len() != TABLES.len() {
        return Err(incomplete(digests.done.len()));
    }
    Ok(digests.done)
}

fn incomplete(tables: usize) -> AppError {
    AppError::Store(ntm_store::StoreError::Other(anyhow::anyhow!(
        "the snapshot gave {tables} of {} tables",
        TABLES.len()
    )))
}

/// Counts and hashes the rows of a snapshot, table by table.
#[derive(Default)]
struct Digests {
    done: Vec<TableDigest>,
    open: Option<(&'static Table, u64, Sha256)>,
    buffer: Vec<u8>,
}

impl Digests {
    fn open(&mut self) -> ntm_store::StoreResult<&mut (&'static Table, u64, Sha256)> {
        self.open.as_mut().ok_or_else(|| {
            ntm_store::StoreError::Other(anyhow::anyhow!("rows came before their table"))
        })
    }
}

#[async_trait::async_trait]
impl SnapshotSink for Digests {
    async fn begin_table(&mut self, table: &'static Table) -> ntm_store::StoreResult<()> {
        let mut hash = Sha256::new();
        // The table's shape first, so that a checksum also says what it was taken over.
        hash.update(table.name.as_bytes());
        for column in table.columns {
            hash.update([0]);
            hash.update(column.name.as_bytes());
            hash.update([b':']);
            hash.update(column.kind.name().as_bytes());
        }
        self.open = Some((table, 0, hash));
        Ok(())
    }

    async fn rows(&mut self, rows: &[Row]) -> ntm_store::StoreResult<()> {
        let mut buffer = std::mem::take(&mut self.buffer);
        let (_, count, hash) = self.open()?;
        for row in rows {
            buffer.clear();
            encode_row(row, &mut buffer);
            hash.update(&buffer);
        }
        *count += rows.len() as u64;
        self.buffer = buffer;
        Ok(())
    }

    async fn end_table(&mut self) -> ntm_store::StoreResult<()> {
        self.open()?;
        let (table, rows, hash) = self.open.take().expect("checked just above");
        self.done.push(TableDigest {
            table: table.name,
            rows,
            checksum: hash.finalize().iter().map(|b| format!("{b:02x}")).collect(),
        });
        Ok(())
    }
}

/// Hands each batch to the target's writer and to the source's digests.
struct Tee<'a> {
    digests: &'a mut Digests,
    writer: &'a mut dyn SnapshotWriter,
}

#[async_trait::async_trait]
impl SnapshotSink for Tee<'_> {
    async fn begin_table(&mut self, table: &'static Table) -> ntm_store::StoreResult<()> {
        self.digests.begin_table(table).await?;
        self.writer.begin_table(table).await
    }

    async fn rows(&mut self, rows: &[Row]) -> ntm_store::StoreResult<()> {
        self.digests.rows(rows).await?;
        self.writer.rows(rows).await
    }

    async fn end_table(&mut self) -> ntm_store::StoreResult<()> {
        self.digests.end_table().await?;
        self.writer.end_table().await
    }
}
