//! Duyệt: the office (or, for years before the reform, the district) reviews submitted
//! values, sees what changed since the last approved version, approves (which locks) or
//! returns with a comment; an administrator reopens a locked period with a reason.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ntm_core::access::{Action, can};
use ntm_core::workflow::Status;
use serde::Deserialize;

use super::{Chrome, render, require, unit_id, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::format::datetime;
use crate::format::stored as shown;
use crate::state::AppState;

pub struct Pending {
    pub unit_id: String,
    pub name: String,
    pub year: i32,
    pub by: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "approval_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    pending: Vec<Pending>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let pending =
        ntm_app::workflow::pending_for(state.store.as_ref(), &ws.registry, &session.actor)
            .await?
            .into_iter()
            .map(|s| Pending {
                name: ws
                    .registry
                    .get(&s.unit_id)
                    .and_then(|u| u.version_in_year(s.year))
                    .map(|v| v.name.clone())
                    .unwrap_or_default(),
                unit_id: s.unit_id.to_string(),
                year: s.year,
                by: s.updated_by,
                at: datetime(s.updated_at),
            })
            .collect();
    render(&ListPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "approval",
        )),
        pending,
    })
}

pub struct ChangeRow {
    pub indicator: String,
    pub approved: String,
    pub current: String,
}

/// One indicator as the office checks it before approving.
pub struct ValueRow {
    pub id: String,
    pub name: String,
    pub value: String,
    pub requirement: String,
    pub status: &'static str,
    pub class: &'static str,
    /// The last approved value when it differs ("—" when there was none).
    pub was: Option<String>,
}

#[derive(Template)]
#[template(path = "approval.html")]
struct DetailPage {
    chrome: Option<Chrome>,
    csrf: String,
    unit_id: String,
    name: String,
    year: i32,
    status: String,
    submitted: bool,
    approved: bool,
    can_approve: bool,
    can_reopen: bool,
    never_approved: bool,
    changes: Vec<ChangeRow>,
    values: usize,
    /// What the unit reaches on the values submitted, and officially now.
    if_approved: Option<String>,
    official: Option<String>,
    rows: Vec<ValueRow>,
    /// The findings of the values submitted: severity, its class, what, the reason given.
    findings: Vec<(&'static str, &'static str, String, String)>,
    evidence: Vec<super::evidence::EvidenceRow>,
}

pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    Path((id, year)): Path<(String, i32)>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    // What was submitted is counted as it stands, approved or not.
    let ws = super::workspace_on(&state, Some(year), ntm_app::evaluate::Basis::Current).await?;
    require(&session, &ws.registry, Action::View, &id, year)?;
    let (status, _) = ntm_app::workflow::status(state.store.as_ref(), &id, year).await?;
    let changes =
        ntm_app::workflow::changes_since_approved(state.store.as_ref(), &id, year).await?;
    let never_approved = state
        .store
        .approved_values(&id, year)
        .await
        .map_err(ntm_app::AppError::from)?
        .is_empty();
    let name = ws
        .registry
        .get(&id)
        .and_then(|u| u.version_in_year(year))
        .map(|v| v.name.clone())
        .ok_or_else(|| WebError::not_found("đơn vị"))?;
    let level_of = |e: &ntm_app::evaluate::UnitEvaluation<'_>| {
        let r = e.result();
        format!(
            "{} — đạt {}/{} tiêu chí",
            e.ladder.level.label_vi(),
            r.criteria_met(),
            r.criteria_total()
        )
    };
    let submitted_eval = ws.evaluate(&id, year, None).ok();
    let official_ws =
        super::workspace_for(&state, &id, year, ntm_app::evaluate::Basis::Approved).await?;
    let official = if never_approved {
        None
    } else {
        official_ws
            .evaluate(&id, year, None)
            .ok()
            .map(|e| level_of(&e))
    };
    let was: std::collections::BTreeMap<&str, &ntm_app::workflow::Change> =
        changes.iter().map(|c| (c.indicator.as_str(), c)).collect();
    let rows = submitted_eval
        .as_ref()
        .map(|e| {
            e.result()
                .criteria
                .iter()
                .flat_map(|c| &c.indicators)
                .filter(|i| i.indicator.computed.is_none())
                .map(|i| {
                    let unit = i.indicator.unit.as_deref();
                    ValueRow {
                        id: i.indicator.id.clone(),
                        name: i.indicator.name.clone(),
                        value: i
                            .value
                            .as_ref()
                            .map_or_else(|| "—".into(), |v| crate::format::value(v, unit)),
                        requirement: super::scorecard::threshold_text(
                            i.indicator.comparison,
                            i.threshold.as_ref(),
                            unit,
                        ),
                        status: i.status.label_vi(),
                        class: crate::format::indicator_class(i.status),
                        was: (!never_approved)
                            .then(|| was.get(i.indicator.value_key()))
                            .flatten()
                            .map(|c| c.approved.as_deref().map_or_else(|| "—".into(), shown)),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let check = ntm_app::quality::check_unit_year(
        state.store.as_ref(),
        &state.cache,
        state.config.inherit_rule,
        &id,
        year,
    )
    .await?;
    let findings = check
        .findings
        .iter()
        .map(|f| {
            (
                f.severity.label_vi(),
                super::quality::severity_class(f.severity),
                f.message_vi.clone(),
                check.reason(f).map_or_else(String::new, |r| {
                    format!("{} ({})", r.reason, r.explained_by)
                }),
            )
        })
        .collect();
    let evidence = super::evidence::rows(&state, &id, year).await?;
    let page = DetailPage {
        findings,
        evidence,
        chrome: Some(Chrome::new(&session, &ws.registry, year, "approval")),
        csrf: session.csrf.clone(),
        unit_id: id.to_string(),
        name,
        year,
        status: status.label_vi().to_owned(),
        submitted: status == Status::Submitted,
        approved: status == Status::Approved,
        can_approve: can(
            &ws.registry,
            &session.actor.grants,
            Action::Approve,
            &id,
            year,
        ),
        can_reopen: can(
            &ws.registry,
            &session.actor.grants,
            Action::Reopen,
            &id,
            year,
        ),
        never_approved,
        if_approved: submitted_eval.as_ref().map(level_of),
        official,
        rows,
        values: ws.values.get(&(id.clone(), year)).map_or(0, |m| m.len()),
        changes: changes
            .into_iter()
            .map(|c| ChangeRow {
                indicator: c.indicator,
                approved: c.approved.map_or_else(|| "—".into(), |v| shown(&v)),
                current: c.current.map_or_else(|| "—".into(), |v| shown(&v)),
            })
            .collect(),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct Decision {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path((id, year)): Path<(String, i32)>,
    Form(d): Form<Decision>,
) -> WebResult<Response> {
    session.check_csrf(&d.csrf)?;
    let id = unit_id(&id)?;
    let ws = workspace(&state, Some(0)).await?;
    let store = state.store.as_ref();
    let now = state.now();
    match d.action.as_str() {
        "approve" => {
            ntm_app::workflow::approve(store, &ws.registry, &session.actor, &id, year, now).await?
        }
        "return" => {
            ntm_app::workflow::send_back(
                store,
                &ws.registry,
                &session.actor,
                &id,
                year,
                &d.comment,
                now,
            )
            .await?
        }
        "reopen" => {
            ntm_app::workflow::reopen(
                store,
                &ws.registry,
                &session.actor,
                &id,
                year,
                &d.comment,
                now,
            )
            .await?
        }
        other => {
            return Err(WebError::new(
                crate::error::Kind::BadRequest,
                format!("Thao tác “{other}” không hợp lệ."),
            ));
        }
    }
    Ok(Redirect::to(&format!("/approval/{id}/{year}")).into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn changes_read_in_vietnamese() {
        assert_eq!(super::shown("40.5"), "40,5");
        assert_eq!(super::shown("1200"), "1.200");
        assert_eq!(super::shown("đạt"), "đạt");
    }
}
