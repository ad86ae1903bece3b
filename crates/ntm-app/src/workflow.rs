//! Data entry and approval: save a draft, submit, approve (which locks), return with a
//! comment, reopen with a reason. Every step checks the actor's right on the unit and the
//! workflow transition before writing, and is audited by the store.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ntm_core::access::{Action, can};
use ntm_core::workflow::{Event, Status, transition};
use ntm_core::{Catalogue, UnitId, UnitRegistry};
use ntm_store::{
    SeenValue, Store, SubmissionFilter, SubmissionRecord, ValueFilter, ValueGuard, ValueRecord,
    ValueWrite, WriteSummary,
};

pub use crate::notes::{compose_note, is_web_link, shown_note, split_note};

use crate::accounts::Actor;
use crate::values::{indicators_for, parse_for};
use crate::{AppError, AppResult};

/// One field of the entry form: indicator id, the text typed, an optional note and an
/// optional evidence link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub indicator: String,
    pub value: String,
    pub note: String,
    pub evidence: String,
    /// What the form showed for this indicator when it was opened ([`seen_token`] of the
    /// stored value, "" when there was none); `None` when the caller does not know (the
    /// API without a version, the command line): then the value is written as given.
    pub seen: Option<String>,
}

/// The token a form carries for the value it shows (canonical value and note), so that a
/// save can tell what its user changed from what someone else saved meanwhile.
pub fn seen_token(stored: Option<(&str, Option<&str>)>) -> String {
    match stored {
        None => String::new(),
        Some((value, note)) => format!("{value}\u{1f}{}", note.unwrap_or("")),
    }
}

/// The (value, note) a token names; `None` for "there was none".
fn parse_seen(token: &str) -> Option<(String, Option<String>)> {
    if token.is_empty() {
        return None;
    }
    let (value, note) = token.split_once('\u{1f}').unwrap_or((token, ""));
    Some((
        value.to_owned(),
        (!note.is_empty()).then(|| note.to_owned()),
    ))
}

/// The current status of a unit-year (draft when never touched).
pub async fn status(
    store: &dyn Store,
    unit: &UnitId,
    year: i32,
) -> AppResult<(Status, Option<SubmissionRecord>)> {
    let record = store.get_submission(unit, year).await?;
    let status = record
        .as_ref()
        .and_then(|r| Status::parse(&r.status))
        .unwrap_or(Status::Draft);
    Ok((status, record))
}

fn forbid(what: &str) -> AppError {
    AppError::Forbidden(format!("bạn không có quyền {what} cho đơn vị này"))
}

fn check(
    registry: &UnitRegistry,
    actor: &Actor,
    action: Action,
    unit: &UnitId,
    year: i32,
    what: &str,
) -> AppResult<()> {
    if can(registry, &actor.grants, action, unit, year) {
        Ok(())
    } else {
        Err(forbid(what))
    }
}

async fn record(
    store: &dyn Store,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    (from, to, comment): (Status, Status, Option<String>),
    at: DateTime<Utc>,
    reason: &str,
) -> AppResult<()> {
    let rec = SubmissionRecord {
        unit_id: unit.clone(),
        year,
        status: to.as_str().into(),
        updated_at: at,
        updated_by: actor.username.clone(),
        comment,
    };
    store
        .set_submission_from(&rec, Some(&[from]), &actor.audit(at, reason))
        .await?;
    Ok(())
}

/// Saves typed values as a draft. Empty fields are skipped (nothing is deleted). Every
/// refused field is reported with its indicator id; nothing is written then.
#[expect(
    clippy::too_many_arguments,
    reason = "one use case: who, what unit and year, which values, when"
)]
pub async fn save(
    store: &dyn Store,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    entries: &[Entry],
    at: DateTime<Utc>,
) -> AppResult<WriteSummary> {
    check(
        registry,
        actor,
        Action::EnterValues,
        unit,
        year,
        "nhập số liệu",
    )?;
    // Told early and plainly; the write checks it again under its lock.
    let (current, _) = status(store, unit, year).await?;
    transition(current, Event::Edit).map_err(|e| AppError::Conflict(e.to_string()))?;
    let u = registry
        .get(unit)
        .ok_or_else(|| AppError::NotFound(format!("không có đơn vị {unit}")))?;
    let version = u.version_in_year(year).ok_or_else(|| {
        AppError::NotFound(format!("{} không có hiệu lực năm {year}", u.latest().name))
    })?;
    let known = indicators_for(catalogue, version.unit_type, year);
    let mut problems = Vec::new();
    let mut writes = Vec::new();
    let mut seen = Vec::new();
    for e in entries {
        if e.value.trim().is_empty() {
            continue;
        }
        let Some(indicator) = known.get(e.indicator.as_str()) else {
            problems.push((
                e.indicator.clone(),
                "chỉ tiêu không thuộc bộ tiêu chí áp dụng".into(),
            ));
            continue;
        };
        let note = compose_note(&e.note, &e.evidence);
        let was = e.seen.as_deref().map(parse_seen);
        let parsed = parse_for(indicator, &e.value);
        // Untouched by this person: not written, so it cannot revert another's save, and
        // not judged again, so a bad note imported earlier cannot block the whole form.
        if let (Some(was), Ok(v)) = (&was, &parsed)
            && was.as_ref() == Some(&(v.canonical(), note.clone()))
        {
            continue;
        }
        let evidence = e.evidence.trim();
        if !evidence.is_empty() && !is_web_link(evidence) {
            problems.push((
                e.indicator.clone(),
                "đường dẫn minh chứng phải bắt đầu bằng http:// hoặc https://; hãy sửa hoặc xóa"
                    .into(),
            ));
            continue;
        }
        if let Err(m) = crate::notes::check_note(note.as_deref()) {
            problems.push((e.indicator.clone(), m));
            continue;
        }
        let v = match parsed {
            Ok(v) => v,
            Err(m) => {
                problems.push((e.indicator.clone(), m));
                continue;
            }
        };
        let write = ValueWrite {
            unit_id: unit.clone(),
            year,
            indicator_id: indicator.id.clone(),
            value: v.canonical(),
            note,
            illustrative: false,
        };
        if let Some(was) = was {
            seen.push(SeenValue {
                unit_id: unit.clone(),
                year,
                indicator_id: indicator.id.clone(),
                value: was.as_ref().map(|w| w.0.clone()),
                note: was.and_then(|w| w.1),
            });
        }
        writes.push(write);
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    // The state and what each field showed are checked again inside the write: a submit
    // or another person's save between the form and now is not overwritten.
    let guard = ValueGuard {
        as_edit: true,
        seen,
    };
    let summary = store
        .write_values_guarded(&writes, &guard, &actor.audit(at, "nhập trên biểu mẫu"))
        .await?;
    Ok(summary)
}

/// Sends a unit-year for approval.
pub async fn submit(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    at: DateTime<Utc>,
) -> AppResult<()> {
    check(
        registry,
        actor,
        Action::EnterValues,
        unit,
        year,
        "gửi duyệt",
    )?;
    let (current, _) = status(store, unit, year).await?;
    let next = transition(current, Event::Submit).map_err(|e| AppError::Conflict(e.to_string()))?;
    let has_values = !store
        .list_values(&ValueFilter {
            year: Some(year),
            units: Some(vec![unit.clone()]),
            indicator_id: None,
        })
        .await?
        .is_empty();
    if !has_values {
        return Err(AppError::Conflict(
            "chưa có số liệu nào để gửi duyệt".into(),
        ));
    }
    record(
        store,
        actor,
        unit,
        year,
        (current, next, None),
        at,
        "gửi duyệt",
    )
    .await
}

/// One decision on a unit-year: who may take it, which transition it is, and the text it
/// requires (a return comment, a reopening reason), if any.
struct Decision<'a> {
    action: Action,
    event: Event,
    what: &'a str,
    reason: &'a str,
    /// (form field, text given, message when the text is empty)
    text: Option<(&'a str, &'a str, &'a str)>,
}

async fn decide(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    d: Decision<'_>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    check(registry, actor, d.action, unit, year, d.what)?;
    let comment = match d.text {
        None => None,
        Some((_, text, _)) if !text.trim().is_empty() => Some(text.trim().to_owned()),
        Some((field, _, missing)) => {
            return Err(AppError::Fields(vec![(field.into(), missing.into())]));
        }
    };
    let (current, _) = status(store, unit, year).await?;
    let next = transition(current, d.event).map_err(|e| AppError::Conflict(e.to_string()))?;
    record(
        store,
        actor,
        unit,
        year,
        (current, next, comment.clone()),
        at,
        d.reason,
    )
    .await?;
    notify_enterers(
        store,
        registry,
        actor,
        unit,
        year,
        d.event,
        comment.as_deref(),
        at,
    )
    .await
}

/// Tells those who enter the unit's data (its officers, through a grant or one carried
/// from a merged commune) that the office approved, returned or reopened their year, in
/// the same notifications (and e-mail digest) as their tasks. The decision is already
/// recorded: a notification is news of it, not part of it.
#[allow(clippy::too_many_arguments)]
async fn notify_enterers(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    event: Event,
    comment: Option<&str>,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let name = registry
        .get(unit)
        .and_then(|u| u.version_in_year(year))
        .map_or_else(|| unit.to_string(), |v| v.name.clone());
    let text = match event {
        Event::Approve => format!("Số liệu năm {year} của {name} đã được duyệt (khóa)."),
        Event::Return => format!(
            "Số liệu năm {year} của {name} bị trả lại: {}",
            comment.unwrap_or_default()
        ),
        Event::Reopen => format!(
            "Số liệu năm {year} của {name} được mở lại để sửa: {}",
            comment.unwrap_or_default()
        ),
        _ => return Ok(()),
    };
    let mut out = Vec::new();
    for user in store.list_users().await? {
        if user.disabled || user.id == actor.user_id {
            continue;
        }
        let grants = crate::accounts::grants_of_user(store, user.id).await?;
        // Those who enter this unit's data, not the office that sees everything.
        let enters = grants
            .iter()
            .filter(|g| g.role != ntm_core::access::Role::Admin)
            .any(|g| {
                can(
                    registry,
                    std::slice::from_ref(g),
                    Action::EnterValues,
                    unit,
                    year,
                )
            });
        if enters {
            out.push(ntm_store::NewNotification {
                user_id: user.id,
                at,
                text: text.clone(),
                link: Some(format!("/entry/{unit}/{year}")),
            });
        }
    }
    if !out.is_empty() {
        store.add_notifications(&out).await?;
    }
    Ok(())
}

/// Approves submitted values; they are locked from then on.
pub async fn approve(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let d = Decision {
        action: Action::Approve,
        event: Event::Approve,
        what: "duyệt số liệu",
        reason: "duyệt",
        text: None,
    };
    decide(store, registry, actor, unit, year, d, at).await
}

/// Sends submitted values back with a comment (required).
pub async fn send_back(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    comment: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let d = Decision {
        action: Action::Approve,
        event: Event::Return,
        what: "trả lại số liệu",
        reason: "trả lại",
        text: Some(("comment", comment, "cần ghi rõ lý do trả lại")),
    };
    decide(store, registry, actor, unit, year, d, at).await
}

/// Reopens a locked unit-year (administrators), with a reason (required).
pub async fn reopen(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    unit: &UnitId,
    year: i32,
    reason: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let d = Decision {
        action: Action::Reopen,
        event: Event::Reopen,
        what: "mở lại kỳ đã khóa",
        reason: "mở lại kỳ đã khóa",
        text: Some(("reason", reason, "cần ghi rõ lý do mở lại")),
    };
    decide(store, registry, actor, unit, year, d, at).await
}

/// Submissions the actor may decide on, waiting.
pub async fn pending_for(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
) -> AppResult<Vec<SubmissionRecord>> {
    let all = store
        .list_submissions(&SubmissionFilter {
            status: Some(Status::Submitted.as_str().into()),
            year: None,
        })
        .await?;
    Ok(all
        .into_iter()
        .filter(|s| can(registry, &actor.grants, Action::Approve, &s.unit_id, s.year))
        .collect())
}

/// One line of "what changed since the last approved version".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub indicator: String,
    pub approved: Option<String>,
    pub current: Option<String>,
}

/// Values that differ between the last approved snapshot and now.
pub async fn changes_since_approved(
    store: &dyn Store,
    unit: &UnitId,
    year: i32,
) -> AppResult<Vec<Change>> {
    let approved: BTreeMap<String, ValueRecord> = store
        .approved_values(unit, year)
        .await?
        .into_iter()
        .map(|v| (v.indicator_id.clone(), v))
        .collect();
    let current: BTreeMap<String, ValueRecord> = store
        .list_values(&ValueFilter {
            year: Some(year),
            units: Some(vec![unit.clone()]),
            indicator_id: None,
        })
        .await?
        .into_iter()
        .map(|v| (v.indicator_id.clone(), v))
        .collect();
    let mut keys: Vec<&String> = approved.keys().chain(current.keys()).collect();
    keys.sort_by_key(|k| crate::summary::natural(k));
    keys.dedup();
    Ok(keys
        .into_iter()
        .filter_map(|k| {
            let a = approved.get(k).map(|v| v.value.clone());
            let c = current.get(k).map(|v| v.value.clone());
            (a != c).then(|| Change {
                indicator: k.clone(),
                approved: a,
                current: c,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_and_evidence_round_trip() {
        for (note, ev) in [
            ("", ""),
            ("đo đạc", ""),
            ("", "https://x.vn/a.pdf"),
            ("đo đạc", "https://x.vn/a.pdf"),
        ] {
            let stored = compose_note(note, ev);
            assert_eq!(
                split_note(stored.as_deref()),
                (note.to_owned(), ev.to_owned()),
                "{note} / {ev}"
            );
        }
    }
}
