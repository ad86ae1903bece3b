//! Storage traits, the records they exchange, and [`StoreError`].
//!
//! Architecture invariant: no driver here. Types of sqlx or of any database never appear
//! in these signatures; the SQLite and PostgreSQL crates implement the traits and the
//! conformance suite holds them to the same behaviour.
//!
//! Every mutating method is one unit of work: one transaction that writes the change and
//! its audit entries, or nothing.

pub mod plan;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ntm_core::UnitId;
use ntm_core::unit::{LineageEdge, Unit, UnitAttribute};

/// What went wrong in a store, without the driver's types.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or reference rule of the schema was violated.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who does a write, when, and why; every audit entry of the write carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: String,
    pub at: DateTime<Utc>,
    /// Where the change came from, e.g. `import values.csv`.
    pub reason: String,
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub unit_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: String,
}

/// Filters for reading the audit log; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub unit_id: Option<String>,
    /// Newest first; at most this many (all when `None`).
    pub limit: Option<i64>,
}

/// Units, their lineage and attributes to write together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitBatch {
    pub units: Vec<Unit>,
    pub edges: Vec<LineageEdge>,
    pub attributes: Vec<UnitAttribute>,
}

/// Everything about units that the store holds.
pub type UnitSnapshot = UnitBatch;

/// What a batch write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[async_trait]
pub trait UnitStore {
    /// Inserts or replaces units (with all their versions), lineage edges and attributes.
    /// A unit already stored with identical content is left alone and not audited; every
    /// inserted or changed unit, edge and attribute gets one audit entry.
    async fn import_units(
        &self,
        batch: &UnitBatch,
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary>;
    /// Every unit with its versions, every edge, every attribute.
    async fn load_units(&self) -> StoreResult<UnitSnapshot>;
}

/// One version of a criteria set file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaSetRecord {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub source_text: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// Whether storing a criteria set made a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created { version: i64 },
    Unchanged { version: i64 },
}

#[async_trait]
pub trait CriteriaStore {
    /// Stores `source_text` as the next version of set `id`, unless it equals the latest
    /// version (then nothing is written). A new version is audited.
    async fn put_criteria_set(
        &self,
        id: &str,
        title: &str,
        source_text: &str,
        audit: &AuditContext,
    ) -> StoreResult<PutOutcome>;
    /// The latest version of every set, ordered by id.
    async fn list_criteria_sets(&self) -> StoreResult<Vec<CriteriaSetRecord>>;
    /// Every version of one set, oldest first.
    async fn criteria_set_history(&self, id: &str) -> StoreResult<Vec<CriteriaSetRecord>>;
}

/// One indicator value to write. `value` is the canonical text of
/// [`ntm_core::Value::canonical`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueWrite {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub value: String,
    pub note: Option<String>,
}

/// One indicator value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRecord {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub value: String,
    pub note: Option<String>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

/// Which values to read; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFilter {
    pub year: Option<i32>,
    pub units: Option<Vec<UnitId>>,
    pub indicator_id: Option<String>,
}

#[async_trait]
pub trait ValueStore {
    /// Writes all values in one transaction. A value equal to the stored one (same value
    /// and note) is unchanged and not audited; every inserted or changed value gets an
    /// audit entry with the old and the new value. Either all are written or none.
    async fn write_values(
        &self,
        writes: &[ValueWrite],
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary>;
    /// Values matching the filter, ordered by unit, year, indicator.
    async fn list_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>>;
}

#[async_trait]
pub trait AuditStore {
    /// Audit entries matching the filter, newest first. The log has no update or delete.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;
}

/// The whole store, as the app holds it: `Arc<dyn Store>`.
#[async_trait]
pub trait Store: UnitStore + CriteriaStore + ValueStore + AuditStore + Send + Sync {
    /// `sqlite` or `postgres`, for messages.
    fn backend(&self) -> &'static str;
}

/// The audit target id of a value: `unit|year|indicator`.
pub fn value_target_id(unit_id: &UnitId, year: i32, indicator_id: &str) -> String {
    format!("{unit_id}|{year}|{indicator_id}")
}

/// The short before/after text of a unit in the audit log.
pub fn unit_summary(unit: &Unit) -> String {
    unit.versions
        .iter()
        .map(|v| {
            format!(
                "{} ({}) {}{}",
                v.name,
                v.unit_type.as_vi(),
                v.valid,
                v.parent
                    .as_ref()
                    .map(|p| format!(", thuộc {p}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
