//! OCOP as stored: producers, products, rounds with their councils, entries, the members'
//! sheets, the mandatory conditions and their checks, the dossiers' files, certificates,
//! support and the expiry alerts sent. The rules (bands, rule sets, validity, counts) are
//! `ntm_core::ocop`. A province holds some hundreds of producers and products and a few
//! thousand certificates and support lines: the register is read whole; sheets, checks and
//! files are read per round or entry.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ntm_core::Decimal;
use ntm_core::UnitId;
use ntm_core::ocop::{
    Certificate, Condition, Ending, Level, Producer, Product, RuleSet, Sheet, Support,
};

use crate::plan::NewAudit;
use crate::{AuditContext, StoreError, StoreResult, StoredFile};

/// An evaluation round (đợt đánh giá) and its council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: i64,
    pub name: String,
    pub level: Level,
    /// The unit whose council it is (the province, or a district before the reform).
    pub unit: UnitId,
    pub held_on: chrono::NaiveDate,
    pub rule_set: RuleSet,
    /// The council's secretary (thư ký), who closes scoring.
    pub secretary: i64,
    /// The council's members (who score), by user id.
    pub members: Vec<i64>,
    pub outlier_points: Decimal,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<String>,
    pub note: String,
    pub illustrative: bool,
}

impl Round {
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
}

/// A product entered in a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub round: i64,
    pub product: i64,
    pub note: String,
    /// The commune's check of the dossier under 1489 (local origin of the product and its
    /// raw materials, local labour, the idea's origin) before it proposes the product.
    pub precheck: Option<Precheck>,
}

/// The commune's check of an entry's dossier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Precheck {
    pub on: chrono::NaiveDate,
    /// Who recorded it (set by the store from the audit context).
    pub by: String,
    pub note: String,
}

/// A member's sheet as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRecord {
    pub entry: i64,
    pub sheet: Sheet,
    pub submitted_at: DateTime<Utc>,
}

/// A file of an entry's dossier, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFileInfo {
    pub id: i64,
    pub entry: i64,
    /// The dossier part (`DossierPart::code`).
    pub part: String,
    pub name: String,
    pub size: i64,
    pub note: String,
    pub attached_at: DateTime<Utc>,
    pub attached_by: String,
}

/// Everything but the sheets, checks and files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OcopBook {
    /// By name, then id.
    pub producers: Vec<Producer>,
    /// By producer, then name.
    pub products: Vec<Product>,
    /// By date held, then id.
    pub rounds: Vec<Round>,
    /// By round, then id.
    pub entries: Vec<Entry>,
    /// By decision date, then id.
    pub certificates: Vec<Certificate>,
    /// By rule set, product set, stars, code.
    pub conditions: Vec<Condition>,
    /// By year, then product, then id.
    pub support: Vec<Support>,
}

impl OcopBook {
    pub fn producer(&self, id: i64) -> Option<&Producer> {
        self.producers.iter().find(|p| p.id == id)
    }
    pub fn product(&self, id: i64) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }
    pub fn round(&self, id: i64) -> Option<&Round> {
        self.rounds.iter().find(|r| r.id == id)
    }
    pub fn entry(&self, id: i64) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }
    pub fn producer_of(&self, product: i64) -> Option<&Producer> {
        self.product(product)
            .and_then(|p| self.producer(p.producer))
    }
}

/// What a support import writes: lines are matched by product, year, category, source
/// and document; a matched line's amount and note are replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportPlan {
    pub new: Vec<Support>,
    /// (stored, as in the file)
    pub changed: Vec<(Support, Support)>,
    pub unchanged: usize,
}

fn support_key(s: &Support) -> (i64, i32, &'static str, &'static str, String) {
    (
        s.product,
        s.year,
        s.category.as_str(),
        s.source.as_str(),
        s.document.trim().to_lowercase(),
    )
}

/// Compares `lines` with what is stored. A line given twice in the file is refused.
pub fn plan_support(lines: &[Support], stored: &[Support]) -> Result<SupportPlan, Vec<String>> {
    let mut plan = SupportPlan::default();
    let mut seen = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let k = support_key(l);
        if !seen.insert(k.clone()) {
            problems.push(format!(
                "dòng {}: khoản hỗ trợ trùng với một dòng trước (cùng sản phẩm, năm, nội dung, nguồn và chứng từ)",
                i + 1
            ));
            continue;
        }
        match stored.iter().find(|s| support_key(s) == k) {
            None => plan.new.push(l.clone()),
            Some(s) if s.amount == l.amount && s.note == l.note => plan.unchanged += 1,
            Some(s) => plan.changed.push((s.clone(), l.clone())),
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

#[async_trait]
pub trait OcopStore {
    /// The whole register.
    async fn ocop_book(&self) -> StoreResult<OcopBook>;
    /// Stores a producer (id 0: a new one); returns its id. Audited under its unit.
    async fn put_producer(&self, producer: &Producer, audit: &AuditContext) -> StoreResult<i64>;
    /// Stores a product (id 0: a new one); `NotFound` without its producer; `Conflict`
    /// when an edit names another producer than the stored one (checked in the
    /// transaction: a product never changes hands through an edit).
    async fn put_product(&self, product: &Product, audit: &AuditContext) -> StoreResult<i64>;
    /// Opens a round with its council; returns its id.
    async fn create_round(&self, round: &Round, audit: &AuditContext) -> StoreResult<i64>;
    /// Enters products in an open round (those already entered are left); `Conflict` when
    /// the round is closed. Returns the ids of the new entries.
    async fn add_entries(
        &self,
        round: i64,
        products: &[i64],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>>;
    /// Writes a member's sheet: only while the round is open and only by one of its
    /// members, both checked inside the transaction (`Conflict`).
    async fn put_sheet(&self, entry: i64, sheet: &Sheet, audit: &AuditContext) -> StoreResult<()>;
    /// Records the commune's check of an entry (replacing an earlier one); `Conflict` when
    /// the round is closed.
    async fn put_precheck(
        &self,
        entry: i64,
        on: chrono::NaiveDate,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The sheets of a round's entries, by entry then member.
    async fn round_sheets(&self, round: i64) -> StoreResult<Vec<SheetRecord>>;
    /// Closes scoring; `Conflict` when already closed.
    async fn close_round(&self, round: i64, audit: &AuditContext) -> StoreResult<()>;
    /// Marks mandatory conditions met or unmet for an entry (replacing earlier marks of
    /// the same codes): also after scoring closes, when the band is known, until the
    /// entry's decision is recorded (`Conflict` then).
    async fn put_checks(
        &self,
        entry: i64,
        checks: &[(String, bool)],
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The marks of a round's entries: (entry, code, met).
    async fn round_checks(&self, round: i64) -> StoreResult<Vec<(i64, String, bool)>>;
    /// Loads mandatory conditions (replacing those with the same rule set, set and code);
    /// returns how many were written.
    async fn put_conditions(
        &self,
        conditions: &[Condition],
        audit: &AuditContext,
    ) -> StoreResult<usize>;
    /// Attaches a file to an entry's dossier; returns its id. `Conflict` once the round's
    /// scoring is closed.
    async fn attach_entry_file(
        &self,
        entry: i64,
        part: &str,
        file: &StoredFile,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    /// The files of a round's entries, oldest first.
    async fn round_files(&self, round: i64) -> StoreResult<Vec<EntryFileInfo>>;
    async fn entry_file(&self, id: i64) -> StoreResult<Option<(EntryFileInfo, StoredFile)>>;
    /// Records one decision's certificates (a decision often names many products), all
    /// or none; returns their ids in order. `Conflict` when an entry already has its
    /// decision or the product already has this decision (number and date), checked in
    /// the transaction.
    async fn record_certificates(
        &self,
        certificates: &[Certificate],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>>;
    /// Ends a certificate not yet ended.
    async fn end_certificate(
        &self,
        id: i64,
        ending: &Ending,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// Plans `lines` against the stored support inside the transaction ([`plan_support`])
    /// and writes them whole; returns (new, changed, unchanged).
    async fn import_support(
        &self,
        lines: &[Support],
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)>;
    /// Records that the alert of `days` for a certificate was sent; `false` when it was
    /// already (what makes alerts idempotent).
    async fn record_ocop_alert(
        &self,
        certificate: i64,
        days: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
}

pub fn producer_summary(p: &Producer) -> String {
    format!(
        "{} {} (đơn vị {}), {}; MST/ĐKKD {}",
        p.kind.label_vi(),
        p.name,
        p.unit,
        p.address,
        p.registration
    )
}

pub fn product_summary(p: &Product) -> String {
    let mut s = format!(
        "{} (chủ thể {}): {}",
        p.name,
        p.producer,
        p.classification_vi()
    );
    if p.collective_brand {
        s.push_str(", nhãn hiệu tập thể");
    }
    if p.regional {
        s.push_str(", đặc trưng vùng");
    }
    s
}

pub fn certificate_summary(c: &Certificate) -> String {
    let mut s = format!(
        "sản phẩm {}: {} sao (đánh giá năm {}), QĐ {} ngày {} ({}, {}), hiệu lực đến {}",
        c.product,
        c.stars,
        c.year,
        c.decision_number,
        c.decision_date.format("%d/%m/%Y"),
        c.level.label_vi(),
        c.rule_set.as_str(),
        c.valid_until().format("%d/%m/%Y")
    );
    if !c.certificate_number.is_empty() {
        s.push_str(&format!(", GCN {}", c.certificate_number));
    }
    if let Some(e) = &c.ended {
        s.push_str(&format!(
            "; {} ngày {} {}: {}",
            e.kind.label_vi(),
            e.on.format("%d/%m/%Y"),
            e.number,
            e.reason
        ));
    }
    s
}

pub fn support_summary(s: &Support) -> String {
    format!(
        "sản phẩm {} năm {}: {} — {} — {} đồng ({})",
        s.product,
        s.year,
        s.category.label_vi(),
        s.source.label_vi(),
        ntm_core::text::vi_number(s.amount),
        s.document
    )
}

pub fn audit(
    action: &'static str,
    kind: &'static str,
    id: i64,
    unit: Option<&UnitId>,
    before: Option<String>,
    after: Option<String>,
) -> NewAudit {
    NewAudit {
        action,
        target_kind: kind,
        target_id: id.to_string(),
        unit_id: unit.map(|u| u.to_string()),
        before,
        after,
    }
}

pub fn round_not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("đợt đánh giá OCOP {id}"))
}

pub fn entry_not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("sản phẩm dự đánh giá {id}"))
}

pub fn round_closed(id: i64) -> StoreError {
    StoreError::Conflict(format!("đợt đánh giá OCOP {id} đã khóa chấm điểm"))
}
