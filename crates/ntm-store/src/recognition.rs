//! Recognition dossiers as stored: the dossier's row and its history, to which entries are
//! only added. The rules of the steps are `ntm_core::recognition`; a write here stores a
//! dossier the app has already moved, checking inside its transaction that nobody moved
//! it meanwhile.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::UnitId;

use crate::plan::NewAudit;
use crate::{AuditContext, StoreResult};

/// One entry of a dossier's history as stored. `kind` is `took`, `sent_back` or
/// `withdrew`; `step` the step taken (or, for a send-back, the step it was at); `to_step`
/// the step a send-back returned to; `text` the note, reason or grounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierEntryRecord {
    pub kind: String,
    pub step: String,
    pub to_step: Option<String>,
    pub on: NaiveDate,
    pub tier: String,
    pub text: String,
    /// A withdrawal's decision.
    pub decision_number: Option<String>,
    pub decision_signer: Option<String>,
    /// Set by the store from the writer's audit context when the entry is added.
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

/// A dossier as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierRecord {
    /// 0 for a dossier not stored yet.
    pub id: i64,
    pub unit_id: UnitId,
    /// The tier of the unit recognised: `commune`, `district` or `province`.
    pub subject: String,
    /// `standard`, `advanced` or `model`.
    pub level: String,
    pub year: i32,
    /// `district`, `province` or `central`.
    pub verifier: String,
    /// A decimal as text ("92.5").
    pub satisfaction_pct: Option<String>,
    pub no_construction_debt: Option<bool>,
    pub not_security_hot_spot: Option<bool>,
    pub council_yes: Option<i32>,
    pub council_no: Option<i32>,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub decision_signer: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub entries: Vec<DossierEntryRecord>,
}

/// Which dossiers to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DossierFilter {
    pub year: Option<i32>,
    pub unit: Option<UnitId>,
}

/// A document attached to a dossier, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierFileInfo {
    pub id: i64,
    pub dossier_id: i64,
    /// The step the dossier had reached when the document was attached.
    pub step: String,
    pub name: String,
    pub size: i64,
    pub note: String,
    /// Set by the store from the writer's audit context.
    pub attached_at: DateTime<Utc>,
    pub attached_by: String,
}

#[async_trait]
pub trait RecognitionStore {
    /// Stores a new dossier with its history (its registration); `Conflict` when the unit
    /// has one for that level and year already. Returns its id.
    async fn create_dossier(
        &self,
        dossier: &DossierRecord,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let ids = self
            .create_dossiers(std::slice::from_ref(dossier), audit)
            .await?;
        ids.into_iter()
            .next()
            .ok_or_else(|| crate::StoreError::NotFound("hồ sơ vừa lập".into()))
    }
    /// [`RecognitionStore::create_dossier`] for many in one transaction (a decision that
    /// recognised 28 communes at once): all are stored, or none. Ids in the given order.
    async fn create_dossiers(
        &self,
        dossiers: &[DossierRecord],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>>;
    async fn get_dossier(&self, id: i64) -> StoreResult<Option<DossierRecord>>;
    /// Ordered by year, then unit, then level; with their histories.
    async fn list_dossiers(&self, filter: &DossierFilter) -> StoreResult<Vec<DossierRecord>>;
    /// Stores the dossier's fields and the entries of `dossier.entries` beyond the first
    /// `seen` (those the writer read): only if the stored history still has exactly `seen`
    /// entries, checked inside the transaction; else `Conflict` and nothing is written.
    /// Stored entries are never changed.
    async fn save_dossier_from(
        &self,
        dossier: &DossierRecord,
        seen: usize,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// Attaches a document to the dossier at `step`, audited; `NotFound` when there is no
    /// such dossier. Returns the document's id.
    async fn attach_dossier_file(
        &self,
        dossier_id: i64,
        step: &str,
        file: &crate::StoredFile,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    /// The dossier's documents, oldest first.
    async fn dossier_files(&self, dossier_id: i64) -> StoreResult<Vec<DossierFileInfo>>;
    /// One document with its bytes, and the dossier it belongs to.
    async fn dossier_file(
        &self,
        file_id: i64,
    ) -> StoreResult<Option<(DossierFileInfo, crate::StoredFile)>>;
}

/// The audit entry of a dossier's write: what its newest entry says.
pub fn dossier_audit(d: &DossierRecord, created: bool) -> NewAudit {
    let last = d.entries.last();
    NewAudit {
        action: if created {
            "recognition.create"
        } else {
            "recognition.update"
        },
        target_kind: "recognition_dossier",
        target_id: format!("{} {} {}", d.unit_id, d.level, d.year),
        unit_id: Some(d.unit_id.to_string()),
        before: None,
        after: last.map(|e| {
            let mut t = format!("{} {} ({})", e.kind, e.step, e.on);
            if let Some(to) = &e.to_step {
                t.push_str(&format!(" → {to}"));
            }
            if !e.text.is_empty() {
                t.push_str(&format!(": {}", e.text));
            }
            t
        }),
    }
}
