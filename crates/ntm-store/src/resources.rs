//! Sponsorships (đỡ đầu) with their commitments and the contributions recorded against
//! them, and the mobilised funds per unit and year. The rules (gaps, placement on a tree,
//! what a line must hold) are `ntm_core::resources`. A province holds some hundreds of
//! sponsorships and some thousands of fund lines: the book is read whole, evidence files
//! one at a time.

use async_trait::async_trait;
use ntm_core::resources::{Commitment, Contribution, Decision, FundLine, Sponsorship, fund_key};

use crate::{AuditContext, StoreError, StoreResult, StoredFile};

/// Everything recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourceBook {
    /// By start, then id.
    pub sponsorships: Vec<Sponsorship>,
    /// By sponsorship, then id.
    pub commitments: Vec<Commitment>,
    /// By commitment, then date, then id.
    pub contributions: Vec<Contribution>,
    /// By year, unit, source, then id.
    pub funds: Vec<FundLine>,
}

impl ResourceBook {
    pub fn sponsorship(&self, id: i64) -> Option<&Sponsorship> {
        self.sponsorships.iter().find(|s| s.id == id)
    }
    pub fn commitment(&self, id: i64) -> Option<&Commitment> {
        self.commitments.iter().find(|c| c.id == id)
    }
    pub fn contribution(&self, id: i64) -> Option<&Contribution> {
        self.contributions.iter().find(|c| c.id == id)
    }
    pub fn commitments_of(&self, sponsorship: i64) -> Vec<&Commitment> {
        self.commitments
            .iter()
            .filter(|c| c.sponsorship == sponsorship)
            .collect()
    }
    /// The sponsorship a contribution was recorded under.
    pub fn sponsorship_of(&self, contribution: &Contribution) -> Option<&Sponsorship> {
        self.commitment(contribution.commitment)
            .and_then(|c| self.sponsorship(c.sponsorship))
    }
}

/// What a funds import writes: lines matched by unit, year, source, criterion and work
/// (`ntm_core::resources::fund_key`); a matched line's figures, document and note are
/// replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundPlan {
    pub new: Vec<FundLine>,
    /// (stored, as in the file)
    pub changed: Vec<(FundLine, FundLine)>,
    pub unchanged: usize,
}

/// Compares `lines` with what is stored. A line given twice in the file is refused, with
/// its place (1-based, in file order).
pub fn plan_funds(lines: &[FundLine], stored: &[FundLine]) -> Result<FundPlan, Vec<String>> {
    let mut plan = FundPlan::default();
    let mut seen = std::collections::BTreeMap::new();
    let mut problems = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let k = fund_key(l);
        if let Some(first) = seen.insert(k.clone(), i) {
            problems.push(format!(
                "khoản thứ {}: trùng với khoản thứ {} (cùng đơn vị, năm, nguồn, tiêu chí và nội dung)",
                i + 1,
                first + 1
            ));
            continue;
        }
        match stored.iter().find(|s| fund_key(s) == k) {
            None => plan.new.push(l.clone()),
            Some(s)
                if s.planned == l.planned
                    && s.actual == l.actual
                    && s.document == l.document
                    && s.note == l.note =>
            {
                plan.unchanged += 1
            }
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
pub trait ResourceStore {
    /// The whole book (contributions without their files' bytes).
    async fn resource_book(&self) -> StoreResult<ResourceBook>;
    /// Stores a sponsorship (id 0: a new one); returns its id. `NotFound` without its
    /// organisation. Audited under its unit.
    async fn put_sponsorship(&self, s: &Sponsorship, audit: &AuditContext) -> StoreResult<i64>;
    /// Stores a commitment (id 0: a new one); returns its id. `NotFound` without its
    /// sponsorship; `Conflict` when an edit names another sponsorship than the stored one
    /// or lowers its value below what is already confirmed (checked in the transaction).
    async fn put_commitment(&self, c: &Commitment, audit: &AuditContext) -> StoreResult<i64>;
    /// Records a contribution with its evidence file; returns its id. A contribution
    /// given with a decision (the office recording what it saw itself) is stored decided.
    async fn record_contribution(
        &self,
        c: &Contribution,
        file: Option<&StoredFile>,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    /// Confirms or refuses a pending contribution; `Conflict` when it was already decided
    /// (checked in the transaction: two officers answering at once cannot both win).
    async fn decide_contribution(
        &self,
        id: i64,
        decision: &Decision,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The evidence file of a contribution.
    async fn contribution_file(&self, id: i64) -> StoreResult<Option<StoredFile>>;
    /// Plans `lines` against the stored funds inside the transaction ([`plan_funds`]) and
    /// writes them whole; returns (new, changed, unchanged).
    async fn import_funds(
        &self,
        lines: &[FundLine],
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)>;
    /// Removes a fund line (an entry made in error), with its audit entry.
    async fn delete_fund_line(&self, id: i64, audit: &AuditContext) -> StoreResult<()>;
}

pub fn sponsorship_summary(s: &Sponsorship) -> String {
    let mut t = format!(
        "tổ chức {} đỡ đầu {}{} ({}), theo {}",
        s.organisation,
        s.unit,
        s.village.map(|v| format!(", thôn {v}")).unwrap_or_default(),
        ntm_core::resources::period_vi(s),
        s.document.trim()
    );
    if !s.goal.trim().is_empty() {
        t.push_str(&format!(": {}", s.goal.trim()));
    }
    t
}

pub fn commitment_summary(c: &Commitment) -> String {
    let mut t = format!(
        "đỡ đầu {}: {} — {}, {} đồng",
        c.sponsorship,
        c.kind.label_vi(),
        c.description.trim(),
        ntm_core::text::vi_number(c.value)
    );
    if let Some(q) = c.quantity {
        t.push_str(&format!(
            " ({} {})",
            ntm_core::text::vi_number(q),
            c.kind.quantity_label().unwrap_or("")
        ));
    }
    if !c.criterion.trim().is_empty() {
        t.push_str(&format!(", tiêu chí {}", c.criterion.trim()));
    }
    t
}

pub fn contribution_summary(c: &Contribution) -> String {
    let mut t = format!(
        "cam kết {}: ngày {}, {} đồng",
        c.commitment,
        c.on.format("%d/%m/%Y"),
        ntm_core::text::vi_number(c.value)
    );
    if let Some(q) = c.quantity {
        t.push_str(&format!(" ({})", ntm_core::text::vi_number(q)));
    }
    t.push_str(&format!(", căn cứ: {}", c.evidence.trim()));
    if let Some(f) = &c.file_name {
        t.push_str(&format!(" (tệp {f})"));
    }
    t.push_str(&format!(" — {}", c.state().label_vi()));
    t
}

pub fn fund_summary(l: &FundLine) -> String {
    let mut t = format!(
        "{} năm {}: {} — kế hoạch {} đồng, thực hiện {} đồng",
        l.unit,
        l.year,
        l.source.label_vi(),
        ntm_core::text::vi_number(l.planned),
        ntm_core::text::vi_number(l.actual)
    );
    if !l.criterion.trim().is_empty() {
        t.push_str(&format!(", tiêu chí {}", l.criterion.trim()));
    }
    if !l.work.trim().is_empty() {
        t.push_str(&format!(", {}", l.work.trim()));
    }
    if !l.document.trim().is_empty() {
        t.push_str(&format!(" ({})", l.document.trim()));
    }
    t
}

/// The conflict of deciding a contribution already decided.
pub fn already_decided(id: i64) -> StoreError {
    StoreError::Conflict(format!(
        "khoản đóng góp {id} đã được xác nhận hoặc trả lại; tải lại trang để xem"
    ))
}
