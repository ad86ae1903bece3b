//! What data quality keeps: the reasons given for findings, the evidence files of values,
//! the office's map points and boundary files.
//!
//! Invariants:
//! - A unit-year's explanations are replaced whole, in one transaction with their audit
//!   entry: the set given is the set kept (a finding fixed since loses its reason).
//! - An evidence file is written only if the unit's files stay within the quota, checked
//!   inside the transaction that writes it, so two uploads at once cannot both pass.
//! - Audit texts name files by name and size, never hold their bytes.
//! - A set's rules file is written as a new version only if the version its editor opened
//!   is still the latest, checked inside the writing transaction; versions are never
//!   changed or removed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ntm_core::UnitId;

use crate::{AuditContext, StoreResult, StoredFile};

/// A reason given for one finding of a unit-year. `indicator` and `criterion` are empty
/// when the finding names none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplanationRecord {
    pub unit_id: UnitId,
    pub year: i32,
    pub rule_id: String,
    pub indicator: String,
    pub criterion: String,
    pub reason: String,
    pub explained_at: DateTime<Utc>,
    pub explained_by: String,
}

/// An evidence file of a value, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceFileInfo {
    pub id: i64,
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator: String,
    pub name: String,
    pub size: i64,
    pub attached_at: DateTime<Utc>,
    pub attached_by: String,
}

/// The office's point for a unit code, replacing the shipped one. Degrees as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapPointRecord {
    pub code: String,
    pub lat: String,
    pub lon: String,
    pub note: String,
    pub set_at: DateTime<Utc>,
    pub set_by: String,
}

/// The office's boundary file of a tree (`post`: after the 2025 reform, `pre`: before),
/// kept simplified as GeoJSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundaryRecord {
    pub tree: String,
    pub name: String,
    pub geojson: String,
    pub features: i64,
    pub uploaded_at: DateTime<Utc>,
    pub uploaded_by: String,
}

/// A finding a unit-year's values raised when they were saved, by its key (rule,
/// indicator, criterion); `resolved_at` set once the values no longer raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenFinding {
    pub unit_id: UnitId,
    pub year: i32,
    pub key: String,
    /// `info`, `warning` or `blocking`.
    pub severity: String,
    pub message: String,
    pub first_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One saved version of a set's data-quality rules file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFileRecord {
    pub set_id: String,
    pub version: i64,
    pub source_text: String,
    pub saved_at: DateTime<Utc>,
    pub saved_by: String,
    pub reason: String,
}

#[async_trait]
pub trait QualityStore: Send + Sync {
    /// The reasons kept for `unit` in `year` (every unit when `None`), by rule, indicator
    /// and criterion.
    async fn explanations(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<ExplanationRecord>>;

    /// Replaces the reasons of `unit` in `year` with `reasons` (rule, indicator,
    /// criterion, reason), stamped with the audit's actor and time.
    async fn save_explanations(
        &self,
        unit: &UnitId,
        year: i32,
        reasons: &[(String, String, String, String)],
        audit: &AuditContext,
    ) -> StoreResult<()>;

    /// Attaches `file` to the value of `indicator` for `unit` in `year`, if the unit's
    /// files (all years) stay within `quota` bytes; else `Conflict`, nothing written.
    async fn attach_evidence(
        &self,
        unit: &UnitId,
        year: i32,
        indicator: &str,
        file: &StoredFile,
        quota: i64,
        audit: &AuditContext,
    ) -> StoreResult<i64>;

    /// The evidence files of `year`, of `unit` or of every unit.
    async fn evidence_files(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<EvidenceFileInfo>>;

    /// One evidence file with its bytes.
    async fn evidence_file(&self, id: i64) -> StoreResult<Option<(EvidenceFileInfo, StoredFile)>>;

    /// Removes an evidence file (its audit entry keeps its name and size).
    async fn remove_evidence(&self, id: i64, audit: &AuditContext) -> StoreResult<()>;

    /// The bytes a unit's evidence files take, all years.
    async fn evidence_used(&self, unit: &UnitId) -> StoreResult<i64>;

    /// The office's points.
    async fn map_points(&self) -> StoreResult<Vec<MapPointRecord>>;

    /// Sets (or replaces) the point of `code`.
    async fn set_map_point(&self, point: &MapPointRecord, audit: &AuditContext) -> StoreResult<()>;

    /// The boundary file of `tree`, if one was uploaded.
    async fn boundary(&self, tree: &str) -> StoreResult<Option<BoundaryRecord>>;

    /// Keeps `record` as the boundary file of its tree, replacing the one before.
    async fn put_boundary(&self, record: &BoundaryRecord, audit: &AuditContext) -> StoreResult<()>;

    /// The latest saved rules file of every set that has one, by set id.
    async fn rule_files(&self) -> StoreResult<Vec<RuleFileRecord>>;

    /// Every saved version of the rules file of `set_id`, oldest first.
    async fn rule_file_history(&self, set_id: &str) -> StoreResult<Vec<RuleFileRecord>>;

    /// Saves `text` as the next version of the rules of `set_id`, if `seen` (0: none
    /// saved yet) is still its latest version; else `Conflict`, nothing written. The same
    /// text as the latest is `Unchanged`.
    async fn put_rule_file(
        &self,
        set_id: &str,
        text: &str,
        seen: i64,
        audit: &AuditContext,
    ) -> StoreResult<crate::PutOutcome>;

    /// Records the findings (key, severity, message) that `unit`'s values of `year` raise
    /// as saved at `at`: a new one kept as first seen, one seen before and raised again
    /// opened again, one seen before and not raised now marked resolved.
    async fn record_findings(
        &self,
        unit: &UnitId,
        year: i32,
        current: &[(String, String, String)],
        at: DateTime<Utc>,
    ) -> StoreResult<()>;

    /// The findings seen for `year`, of `unit` or of every unit.
    async fn findings_seen(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<SeenFinding>>;
}
