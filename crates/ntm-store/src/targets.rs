//! Target plans as stored: the plan's header with the document that set it, its targets
//! in order, and each target's shares to lower units. A plan is written whole; its
//! version guards against two people saving over each other. The rules (periods, kinds,
//! the status, the sums of shares) are `ntm_core::target`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::UnitId;

use crate::plan::NewAudit;
use crate::{AuditContext, StoreResult};

/// A share of a target assigned to a lower unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareRecord {
    pub unit_id: UnitId,
    /// A decimal as text.
    pub amount: String,
}

/// One target of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    /// `count:<counted>`, `indicator:<id>:<comparison>` or `goal:<level>`.
    pub kind: String,
    /// A decimal as text.
    pub amount: String,
    pub note: String,
    pub shares: Vec<ShareRecord>,
}

/// A plan as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPlanRecord {
    /// 0 for a plan not stored yet.
    pub id: i64,
    pub scope_id: UnitId,
    /// "2022" or "2021-2025".
    pub period: String,
    pub title: String,
    pub doc_number: String,
    pub doc_date: Option<NaiveDate>,
    /// The body that issued the document (UBND tỉnh, Ban Chỉ đạo tỉnh, …).
    pub doc_body: String,
    /// Figures made up for the demo, labelled as such wherever they are shown.
    pub illustrative: bool,
    pub note: String,
    /// 1 when created; each save adds 1.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub targets: Vec<TargetRecord>,
}

#[async_trait]
pub trait TargetStore {
    /// Stores a new plan with its targets and shares; returns its id.
    async fn create_plan(&self, plan: &TargetPlanRecord, audit: &AuditContext) -> StoreResult<i64>;
    async fn get_plan(&self, id: i64) -> StoreResult<Option<TargetPlanRecord>>;
    /// Every plan with its targets, by period then scope then id.
    async fn list_plans(&self) -> StoreResult<Vec<TargetPlanRecord>>;
    /// Replaces the plan's header, targets and shares with `plan`'s, if the stored
    /// version is still `plan.version` (checked inside the transaction; else `Conflict`
    /// and nothing is written). The stored version becomes `plan.version + 1`.
    async fn save_plan(&self, plan: &TargetPlanRecord, audit: &AuditContext) -> StoreResult<()>;
    /// Deletes the plan, if its stored version is still `version`.
    async fn delete_plan(&self, id: i64, version: i32, audit: &AuditContext) -> StoreResult<()>;
}

fn summary(p: &TargetPlanRecord) -> String {
    let mut t = format!(
        "{} ({}, {}{}): ",
        p.title,
        p.period,
        p.doc_number,
        p.doc_date
            .map(|d| format!(" ngày {}", d.format("%d/%m/%Y")))
            .unwrap_or_default()
    );
    let parts: Vec<String> = p
        .targets
        .iter()
        .map(|x| {
            let mut s = format!("{} = {}", x.kind, x.amount);
            if !x.shares.is_empty() {
                let shares: Vec<String> = x
                    .shares
                    .iter()
                    .map(|s| format!("{} {}", s.unit_id, s.amount))
                    .collect();
                s.push_str(&format!(" [{}]", shares.join(", ")));
            }
            s
        })
        .collect();
    t.push_str(&parts.join("; "));
    t
}

/// The audit entry of a plan's write: the plan as it was and as it is.
pub fn plan_audit(
    action: &'static str,
    before: Option<&TargetPlanRecord>,
    after: Option<&TargetPlanRecord>,
) -> NewAudit {
    let p = after.or(before).expect("a plan before or after");
    NewAudit {
        action,
        target_kind: "target_plan",
        target_id: p.id.to_string(),
        unit_id: Some(p.scope_id.to_string()),
        before: before.map(summary),
        after: after.map(summary),
    }
}
