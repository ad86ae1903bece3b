//! The home of someone whose reach is one commune (its officer, a viewer of that commune):
//! the commune itself — its level this year and last, what it lacks, its tasks due and
//! where its data of the year stands — instead of a province overview of one unit.
//!
//! Whether the reach is one commune is read from `ntm_core::access::visible_units`, the
//! same decision every page makes; no role is looked at here. Pure apart from the one
//! read of the unit-year's workflow record and of the actor's organisations.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use ntm_core::access::{Action, can};
use ntm_core::task::TaskState;
use ntm_core::workflow::Status;
use ntm_core::{UnitId, UnitLevel, UnitRegistry};
use ntm_store::{Store, SubmissionRecord};

use crate::accounts::Actor;
use crate::evaluate::{HistoryEntry, UnitEvaluation, Workspace};
use crate::tasks::{TaskMaterial, TaskView};
use crate::{AppError, AppResult};

/// The one commune-level unit among the `visible` units of a year (as
/// `ntm_core::access::visible_units` decides them), when they hold nothing else. A grant on a district or the province, or on two communes, reaches
/// more: those viewers keep the overview, which then has something to compare.
pub fn sole_commune(registry: &UnitRegistry, visible: &BTreeSet<UnitId>) -> Option<UnitId> {
    let mut reach = visible.iter().cloned();
    let only = reach.next()?;
    if reach.next().is_some() {
        return None;
    }
    registry
        .get(&only)
        .is_some_and(|u| u.level == UnitLevel::Commune)
        .then_some(only)
}

/// What the home of one commune shows for a year.
#[derive(Debug)]
pub struct CommuneHome<'a> {
    pub unit: UnitId,
    /// The commune's name in the year.
    pub name: String,
    pub year: i32,
    /// The year's evaluation on the workspace's basis, or why there is none (no criteria
    /// set applies, two do).
    pub evaluation: Result<UnitEvaluation<'a>, String>,
    /// Whether values of the year were read on that basis: without them every criterion
    /// is unknown, which says nothing the data state does not.
    pub has_values: bool,
    /// The year before, as the scorecard's history has it: the commune itself or, across
    /// a merger, each unit it took over.
    pub last_year: Vec<HistoryEntry>,
    /// Where the year's data stands, and the last decision on it.
    pub status: Status,
    pub record: Option<SubmissionRecord>,
    pub may_enter: bool,
    /// The commune's tasks not done: overdue first, longest late first; then the open
    /// ones, soonest due first.
    pub tasks: Vec<TaskView>,
}

/// Assembles [`CommuneHome`] of `unit` in `year` from a workspace holding its values
/// (and those of the units it took over) and the task material.
pub async fn commune_home<'a>(
    store: &dyn Store,
    ws: &'a Workspace,
    material: &TaskMaterial,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    now: DateTime<Utc>,
) -> AppResult<CommuneHome<'a>> {
    if !can(&ws.registry, &actor.grants, Action::View, unit, year) {
        return Err(AppError::Forbidden(
            "bạn không có quyền xem đơn vị này".into(),
        ));
    }
    let name = ws
        .registry
        .get(unit)
        .and_then(|u| u.version_in_year(year))
        .map(|v| v.name.clone())
        .ok_or_else(|| AppError::NotFound(format!("đơn vị {unit} năm {year}")))?;
    let evaluation = match ws.evaluate(unit, year, None) {
        Ok(e) => Ok(e),
        Err(AppError::NotFound(m) | AppError::Ambiguous(m)) => Err(m),
        Err(e) => return Err(e),
    };
    let last_year = ws
        .history(unit, &actor.grants)
        .into_iter()
        .filter(|h| h.year == year - 1)
        .collect();
    let (status, record) = crate::workflow::status(store, unit, year).await?;
    let organisations = crate::tasks::organisations_of(store, actor).await?;
    let views = crate::tasks::views_in(material, &ws.registry, actor, &organisations, None, now);
    let mut tasks: Vec<TaskView> = crate::tasks::leaves(&views)
        .filter(|t| matches!(t.state, TaskState::Overdue | TaskState::Open))
        .cloned()
        .collect();
    tasks.sort_by_key(|t| {
        (
            t.state != TaskState::Overdue,
            std::cmp::Reverse(t.days_late),
            t.days_left.unwrap_or(i64::MAX),
        )
    });
    Ok(CommuneHome {
        unit: unit.clone(),
        name,
        year,
        evaluation,
        has_values: ws.has_values(unit, year),
        last_year,
        status,
        record,
        may_enter: can(&ws.registry, &actor.grants, Action::EnterValues, unit, year),
        tasks,
    })
}
