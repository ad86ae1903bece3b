//! Nhật ký: who changed what, when, old → new; filterable; also reachable per value. A
//! viewer sees only entries about units they may read; entries about no unit (criteria
//! sets, users) are for province administrators.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use ntm_store::AuditFilter;
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::datetime;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    pub unit: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
}

/// "85.5 (ghi chú: …)" as people write it: a value's number in vi-VN (85,5).
fn shown_change(kind: &str, before: Option<&str>, after: Option<&str>) -> String {
    let side = |s: &str| {
        if kind != "value" {
            return s.to_owned();
        }
        let (number, rest) = s.split_once(' ').map_or((s, ""), |(n, r)| (n, r));
        match ntm_core::Value::from_canonical(number) {
            Ok(v @ ntm_core::Value::Number(_)) => {
                let shown = crate::format::value(&v, None);
                if rest.is_empty() {
                    shown
                } else {
                    format!("{shown} {rest}")
                }
            }
            _ => s.to_owned(),
        }
    };
    match (before, after) {
        (Some(b), Some(a)) => format!("{} → {}", side(b), side(a)),
        (None, Some(a)) => format!("→ {}", side(a)),
        (Some(b), None) => format!("{} →", side(b)),
        (None, None) => String::new(),
    }
}

pub struct Entry {
    pub label: &'static str,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub unit: String,
    pub change: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Option<Chrome>,
    unit: String,
    actor: String,
    action: String,
    target: String,
    entries: Vec<Entry>,
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<AuditQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let filter = AuditFilter {
        actor: opt(&q.actor),
        action: opt(&q.action),
        target_kind: None,
        target_id: opt(&q.target),
        unit_id: opt(&q.unit),
        scope: None,
        limit: Some(500),
    };
    let entries = ntm_app::audit::list(state.store.as_ref(), &ws.registry, &session.actor, filter)
        .await?
        .into_iter()
        .map(|r| Entry {
            at: datetime(r.at),
            actor: r.actor,
            label: ntm_app::audit::action_label(&r.action),
            change: shown_change(&r.target_kind, r.before.as_deref(), r.after.as_deref()),
            action: r.action,
            target: r.target_id,
            unit: r.unit_id.unwrap_or_default(),
            reason: r.reason,
        })
        .collect();
    let page = AuditPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "audit",
        )),
        unit: q.unit.unwrap_or_default(),
        actor: q.actor.unwrap_or_default(),
        action: q.action.unwrap_or_default(),
        target: q.target.unwrap_or_default(),
        entries,
    };
    render(&page)
}
