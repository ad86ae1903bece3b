//! Trang chủ của xã: what `/` shows someone whose reach is one commune
//! (`ntm_app::home`): the commune's level this year and last, what it lacks in words (the
//! scorecard's gap lines), its tasks not done, and where the year's data stands with the
//! way to enter or import it. A province overview of one unit told them nothing.

use askama::Template;
use axum::response::Response;
use ntm_app::home::CommuneHome;
use ntm_core::UnitId;
use ntm_core::workflow::Status;

use super::scorecard::{Lacking, lacking, pending_text};
use super::{ChosenBasis, Chrome, render, workspace_for, year_choices};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::{datetime, level_class};
use crate::state::AppState;

/// A year's result in one line.
pub struct YearResult {
    pub year: i32,
    pub unit_id: String,
    pub name: String,
    pub level: &'static str,
    pub level_class: &'static str,
    pub met: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Option<Chrome>,
    years: Vec<(i32, bool)>,
    year: i32,
    basis_bar: super::BasisBar,
    unit_id: String,
    name: String,
    pending: Option<String>,
    illustrative: bool,
    /// This year's result, or why there is none.
    this_year: Result<YearResult, String>,
    set_title: String,
    has_values: bool,
    last_year: Vec<YearResult>,
    /// The criteria of `target` not met.
    lacking: Vec<Lacking>,
    /// The level worked towards and its set's id, when a level is left to reach.
    target: Option<(&'static str, String)>,
    status: &'static str,
    status_class: &'static str,
    /// Who last moved the year's data, and when (empty when nobody has).
    changed: String,
    /// The comment of that move: why it was returned or reopened.
    comment: String,
    editable: bool,
    may_enter: bool,
    tasks: Vec<super::tasks::Row>,
    /// No approved value yet this year but values being entered: the result and the gaps
    /// they give, shown as such (the officer's working view, not a count to sign).
    draft: Option<YearResult>,
}

/// The home of `unit`, the one commune of the session's reach in `year`.
pub async fn page(
    state: &AppState,
    session: &Session,
    unit: UnitId,
    year: i32,
    chosen: &ChosenBasis,
) -> WebResult<Response> {
    let ws = workspace_for(state, &unit, year, chosen.basis).await?;
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let home = ntm_app::home::commune_home(
        state.store.as_ref(),
        &ws,
        &material,
        &session.actor,
        &unit,
        year,
        state.now(),
    )
    .await?;
    let chrome = Chrome::new(session, &ws.registry, year, "overview");
    if chosen.basis == ntm_app::evaluate::Basis::Approved && !home.has_values {
        let current = workspace_for(state, &unit, year, ntm_app::evaluate::Basis::Current).await?;
        if current.has_values(&unit, year) {
            let draft = ntm_app::home::commune_home(
                state.store.as_ref(),
                &current,
                &material,
                &session.actor,
                &unit,
                year,
                state.now(),
            )
            .await?;
            let mut page = home_page(chrome, chosen, &ws, home);
            let from_draft = home_page(
                Chrome::new(session, &current.registry, year, "overview"),
                chosen,
                &current,
                draft,
            );
            page.draft = from_draft.this_year.ok();
            page.lacking = from_draft.lacking;
            page.target = from_draft.target;
            return render(&page);
        }
    }
    render(&home_page(chrome, chosen, &ws, home))
}

fn home_page(
    chrome: Chrome,
    chosen: &ChosenBasis,
    ws: &ntm_app::evaluate::Workspace,
    h: CommuneHome<'_>,
) -> HomePage {
    let id = h.unit.to_string();
    let e = h.evaluation.as_ref().ok();
    // What the commune works towards: the first level of its ladder it has not reached
    // (for a commune already standard, the advanced set), not the set it already meets.
    let next = e.and_then(|e| e.gap_to_tell(h.has_values));
    HomePage {
        chrome: Some(chrome),
        years: year_choices(h.year),
        year: h.year,
        basis_bar: {
            let mut bar = chosen.bar(h.year, 0);
            bar.incomplete = ws.incomplete_sets(h.year);
            bar
        },
        pending: e.and_then(|e| pending_text(e, ws, &h.unit, h.year)),
        illustrative: e.is_some_and(|e| e.illustrative()),
        this_year: match &h.evaluation {
            Ok(e) => {
                let r = e.result();
                Ok(YearResult {
                    year: h.year,
                    unit_id: id.clone(),
                    name: h.name.clone(),
                    level: e.ladder.level.label_vi(),
                    level_class: level_class(e.ladder.level),
                    met: format!("{}/{}", r.criteria_met(), r.criteria_total()),
                })
            }
            Err(m) => Err(m.clone()),
        },
        set_title: e.map_or_else(String::new, |e| {
            format!("{} ({})", e.set.header.title, e.set.id())
        }),
        has_values: h.has_values,
        last_year: h
            .last_year
            .iter()
            .map(|l| YearResult {
                year: l.year,
                unit_id: l.unit.to_string(),
                name: l.name.clone(),
                level: l.level.label_vi(),
                level_class: level_class(l.level),
                met: format!("{}/{}", l.met, l.total),
            })
            .collect(),
        lacking: next.map_or_else(Vec::new, lacking),
        target: next.map(|n| (n.set.header.level.label_vi(), n.set.id().0.clone())),
        status: h.status.label_vi(),
        status_class: match h.status {
            Status::Draft => "missing",
            Status::Submitted => "unknown",
            Status::Approved => "met",
            Status::Returned => "unmet",
        },
        changed: h.record.as_ref().map_or_else(String::new, |r| {
            format!("{} lúc {}", r.updated_by, datetime(r.updated_at))
        }),
        comment: h
            .record
            .as_ref()
            .and_then(|r| r.comment.clone())
            .unwrap_or_default(),
        editable: h.status.is_editable(),
        may_enter: h.may_enter,
        tasks: h.tasks.iter().map(|t| super::tasks::row(t, None)).collect(),
        draft: None,
        unit_id: id,
        name: h.name,
    }
}
