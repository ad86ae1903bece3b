//! Nhập liệu: the entry form of one unit and year, grouped by criterion, with type and
//! range checks and Vietnamese messages, a note and an evidence link per value; save as
//! draft or submit for approval.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::workflow::{Entry, split_note};
use ntm_core::access::{Action, can};
use ntm_core::criteria::Comparison;
use ntm_core::{UnitId, Value};
use serde::Deserialize;

use super::{Chrome, render, require, unit_id, workspace};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::value as value_text;
use crate::state::AppState;

pub struct Field {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub pass: bool,
    pub value: String,
    pub note: String,
    pub evidence: String,
    pub hint: String,
    pub error: String,
    /// What the field showed when the form was built (sent back as `s_<id>`).
    pub seen: String,
}

pub struct Group {
    pub title: String,
    pub fields: Vec<Field>,
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    chrome: Option<Chrome>,
    unit_id: String,
    csrf: String,
    name: String,
    year: i32,
    status: String,
    comment: String,
    editable: bool,
    can_submit: bool,
    message: String,
    errors: Vec<String>,
    groups: Vec<Group>,
    /// The findings of the values as entered, each warning with its reason field.
    findings: Vec<FindingField>,
    evidence: Vec<super::evidence::EvidenceRow>,
    /// The entered indicators (id, name), for the evidence form.
    indicators: Vec<(String, String)>,
    max_mb: usize,
    quota_mb: i64,
}

/// A finding on the form: a warning asks for a reason (kept across saves), a blocking one
/// for a correction.
pub struct FindingField {
    pub key: String,
    pub severity: &'static str,
    pub class: &'static str,
    pub message: String,
    pub asks_reason: bool,
    pub reason: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "entry_list.html")]
struct EntryList {
    chrome: Option<Chrome>,
    year: i32,
    units: Vec<(String, String, String)>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub year: Option<i32>,
}

/// The units the actor may enter data for.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace(&state, Some(0)).await?;
    let end = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(chrono::NaiveDate::MAX);
    let units = ws
        .registry
        .as_of(end)
        .into_iter()
        .filter(|v| {
            can(
                &ws.registry,
                &session.actor.grants,
                Action::EnterValues,
                v.id(),
                year,
            )
        })
        .map(|v| {
            (
                v.id().to_string(),
                v.name().to_owned(),
                v.unit_type().as_vi().to_owned(),
            )
        })
        .collect();
    render(&EntryList {
        chrome: Some(Chrome::new(&session, &ws.registry, year, "entry")),
        year,
        units,
    })
}

#[derive(Deserialize)]
pub struct FormQuery {
    #[serde(default)]
    pub saved: Option<String>,
}

async fn build(
    state: &AppState,
    session: &Session,
    id: &UnitId,
    year: i32,
    typed: Option<&BTreeMap<String, String>>,
    errors: &[(String, String)],
) -> WebResult<EntryPage> {
    let ws = super::workspace_for(state, id, year, ntm_app::evaluate::Basis::Current).await?;
    require(session, &ws.registry, Action::View, id, year)?;
    let e = ws.evaluate(id, year, None)?;
    let (status, record) = ntm_app::workflow::status(state.store.as_ref(), id, year).await?;
    let may_enter = can(
        &ws.registry,
        &session.actor.grants,
        Action::EnterValues,
        id,
        year,
    );
    let stored = ws.values.get(&(id.clone(), year));
    let error_of: BTreeMap<&str, &str> = errors
        .iter()
        .map(|(f, m)| (f.as_str(), m.as_str()))
        .collect();
    let groups: Vec<Group> = e
        .ladder
        .entry_groups()
        .into_iter()
        .map(|(set, c, indicators)| Group {
            title: format!(
                "{} — tiêu chí {}. {}",
                set.header.level.label_vi(),
                c.criterion.id,
                c.criterion.name
            ),
            fields: indicators
                .into_iter()
                .map(|i| {
                    field(
                        i,
                        stored.and_then(|m| m.get(i.indicator.id.as_str())),
                        typed,
                        &error_of,
                    )
                })
                .collect(),
        })
        .collect();
    let check = ntm_app::quality::check_unit_year(
        state.store.as_ref(),
        &state.cache,
        state.config.inherit_rule,
        id,
        year,
    )
    .await?;
    let findings = check
        .findings
        .iter()
        .map(|f| {
            let key = ntm_app::quality::reason_key(f);
            let kept = check.reason(f);
            FindingField {
                reason: typed
                    .and_then(|t| t.get(&format!("q_{key}")).cloned())
                    .or_else(|| kept.map(|k| k.reason.clone()))
                    .unwrap_or_default(),
                by: kept
                    .map(|k| {
                        format!(
                            "{} lúc {}",
                            k.explained_by,
                            crate::format::datetime(k.explained_at)
                        )
                    })
                    .unwrap_or_default(),
                key,
                severity: f.severity.label_vi(),
                class: super::quality::severity_class(f.severity),
                message: f.message_vi.clone(),
                asks_reason: f.severity == ntm_core::quality::Severity::Warning,
            }
        })
        .collect();
    let indicators = groups
        .iter()
        .flat_map(|g| g.fields.iter().map(|f| (f.id.clone(), f.name.clone())))
        .collect();
    Ok(EntryPage {
        evidence: super::evidence::rows(state, id, year).await?,
        indicators,
        max_mb: ntm_app::tasks::MAX_FILE_BYTES / 1024 / 1024,
        quota_mb: ntm_app::quality::EVIDENCE_QUOTA / 1024 / 1024,
        findings,
        chrome: Some(Chrome::new(session, &ws.registry, year, "entry")),
        unit_id: id.to_string(),
        csrf: session.csrf.clone(),
        name: e.name.clone(),
        year,
        status: status.label_vi().to_owned(),
        comment: record.and_then(|r| r.comment).unwrap_or_default(),
        editable: may_enter && status.is_editable(),
        can_submit: may_enter && status.is_editable(),
        message: String::new(),
        errors: errors
            .iter()
            .map(|(f, m)| format!("Chỉ tiêu {f}: {m}"))
            .collect(),
        groups,
    })
}

/// One indicator's field: what the person typed (after a refused save) or else what is
/// stored, the threshold as a hint, and its error.
fn field(
    i: &ntm_core::evaluation::IndicatorResult<'_>,
    current: Option<&ntm_app::values::Entered>,
    typed: Option<&BTreeMap<String, String>>,
    error_of: &BTreeMap<&str, &str>,
) -> Field {
    let ind = i.indicator;
    let (note, evidence) = split_note(current.and_then(|e| e.note.as_deref()));
    let shown_value = current.map(|e| match &e.value {
        Value::Number(n) => n.normalize().to_string().replace('.', ","),
        v @ Value::Pass(_) => v.to_string(),
    });
    let pick =
        |key: &str, fallback: String| typed.and_then(|t| t.get(key).cloned()).unwrap_or(fallback);
    let hint = match (&i.threshold, ind.comparison) {
        (_, Comparison::Pass) => "yêu cầu: đạt".to_owned(),
        (None, _) => "chưa cấu hình ngưỡng".to_owned(),
        (Some(t), cmp) => t.value.map_or(String::new(), |v| {
            let sign = match cmp {
                Comparison::AtLeast => "≥",
                Comparison::AtMost => "≤",
                _ => "=",
            };
            format!(
                "ngưỡng {sign} {}{}",
                value_text(&Value::Number(v), ind.unit.as_deref()),
                if t.illustrative { " (minh họa)" } else { "" }
            )
        }),
    };
    Field {
        id: ind.id.clone(),
        name: ind.name.clone(),
        unit: ind.unit.clone().unwrap_or_default(),
        pass: ind.comparison == Comparison::Pass,
        value: pick(&format!("v_{}", ind.id), shown_value.unwrap_or_default()),
        note: pick(&format!("n_{}", ind.id), note),
        evidence: pick(&format!("e_{}", ind.id), evidence),
        hint,
        error: error_of
            .get(ind.id.as_str())
            .map(|m| (*m).to_owned())
            .unwrap_or_default(),
        // Always what is stored now, also when re-shown after a refused save: saving
        // again then means "keep what I typed".
        seen: ntm_app::workflow::seen_token(
            current
                .map(|e| e.value.canonical())
                .as_deref()
                .map(|v| (v, current.and_then(|e| e.note.as_deref()))),
        ),
    }
}

pub async fn form(
    State(state): State<AppState>,
    session: Session,
    Path((id, year)): Path<(String, i32)>,
    Query(q): Query<FormQuery>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let mut page = match build(&state, &session, &id, year, None, &[]).await {
        Ok(p) => p,
        Err(e) if e.kind == crate::error::Kind::BadRequest => {
            let ws = workspace(&state, Some(0)).await?;
            let chrome = Chrome::new(&session, &ws.registry, year, "entry");
            return super::notice(
                chrome,
                format!("Nhập liệu năm {year}"),
                format!("Không có biểu mẫu: {}.", e.message),
                ("/entry", "Về danh sách nhập liệu"),
            );
        }
        Err(e) => return Err(e),
    };
    page.message = match q.saved.as_deref() {
        Some("draft") => "Đã lưu nháp.".into(),
        Some("submitted") => "Đã gửi duyệt.".into(),
        _ => String::new(),
    };
    render(&page)
}

/// Per field, what the other person saved.
fn stale_errors(changed: &[ntm_store::StaleValue]) -> Vec<(String, String)> {
    changed
        .iter()
        .map(|s| {
            let text = match &s.now {
                Some(n) => format!(
                    "{} đã lưu {}{} lúc {}; ô dưới đây là số bạn nhập",
                    n.entered_by,
                    ntm_core::Value::from_canonical(&n.value)
                        .map_or_else(|_| n.value.clone(), |v| crate::format::value(&v, None)),
                    n.note
                        .as_deref()
                        .map(|x| format!(" (ghi chú: {x})"))
                        .unwrap_or_default(),
                    crate::format::datetime(n.entered_at)
                ),
                None => "số liệu này vừa bị xóa; ô dưới đây là số bạn nhập".into(),
            };
            (s.indicator_id.clone(), text)
        })
        .collect()
}

pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path((id, year)): Path<(String, i32)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let typed: BTreeMap<String, String> = fields.into_iter().collect();
    session.check_csrf(typed.get("csrf").map_or("", String::as_str))?;
    let ws = workspace(&state, Some(0)).await?;
    let entries: Vec<Entry> = typed
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("v_").map(|ind| (ind, v)))
        .map(|(ind, v)| Entry {
            indicator: ind.to_owned(),
            value: v.clone(),
            note: typed.get(&format!("n_{ind}")).cloned().unwrap_or_default(),
            evidence: typed.get(&format!("e_{ind}")).cloned().unwrap_or_default(),
            seen: typed.get(&format!("s_{ind}")).cloned(),
        })
        .collect();
    let now = state.now();
    match ntm_app::workflow::save(
        state.store.as_ref(),
        &ws.registry,
        &ws.catalogue,
        &session.actor,
        &id,
        year,
        &entries,
        now,
    )
    .await
    {
        Ok(_) => {}
        Err(ntm_app::AppError::Fields(errors)) => {
            let page = build(&state, &session, &id, year, Some(&typed), &errors).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
        }
        // Someone saved some of these fields meanwhile: the form comes back with what this
        // person typed, each such field saying what the other saved, and versions of now —
        // saving again keeps what is typed, reloading takes the other's.
        Err(ntm_app::AppError::Stale(changed)) => {
            let errors = stale_errors(&changed);
            let mut page = build(&state, &session, &id, year, Some(&typed), &errors).await?;
            page.message = "Trong lúc bạn nhập, người khác đã lưu một số chỉ tiêu dưới đây; \
                            chưa có gì được ghi. Xem từng ô, rồi bấm Lưu để giữ số bạn nhập, \
                            hoặc tải lại trang để lấy số đã lưu."
                .into();
            return Ok((StatusCode::CONFLICT, render(&page)?).into_response());
        }
        Err(e) => return Err(e.into()),
    }
    // The reasons given for the warnings of the values as now saved; then the submission,
    // which the findings may refuse (each said on the form, nothing submitted).
    let reasons: BTreeMap<String, String> = typed
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("q_").map(|key| (key.to_owned(), v.clone())))
        .collect();
    let check = ntm_app::quality::check_unit_year(
        state.store.as_ref(),
        &state.cache,
        state.config.inherit_rule,
        &id,
        year,
    )
    .await?;
    // The values are saved: a failure to keep what they raised must not tell the user
    // otherwise; it only leaves the "corrected" count behind.
    if let Err(e) = ntm_app::quality::remember(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (&id, year),
        &check,
        now,
    )
    .await
    {
        tracing::warn!(unit = %id, year, error = %e, "findings seen not kept");
    }
    let refused = |problems: Vec<String>, message: &str| {
        let message = message.to_owned();
        let state = state.clone();
        let session = session.clone();
        let id = id.clone();
        let typed = typed.clone();
        async move {
            let mut page = build(&state, &session, &id, year, Some(&typed), &[]).await?;
            page.message = message;
            page.errors = problems;
            Ok::<_, crate::error::WebError>(
                (StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response(),
            )
        }
    };
    match ntm_app::quality::explain(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &check,
        &reasons,
        now,
    )
    .await
    {
        Ok(()) => {}
        Err(ntm_app::AppError::Invalid(problems)) => {
            return refused(
                problems,
                "Số liệu đã được lưu; lời giải trình chưa lưu vì quá ngắn.",
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    if typed.get("action").map(String::as_str) == Some("submit") {
        match ntm_app::quality::submit_checked(
            state.store.as_ref(),
            &state.cache,
            state.config.inherit_rule,
            &ws.registry,
            &session.actor,
            &id,
            year,
            now,
        )
        .await
        {
            Ok(()) => {}
            Err(ntm_app::AppError::Invalid(problems)) => {
                return refused(
                    problems,
                    "Số liệu đã được lưu nhưng chưa gửi duyệt: kiểm tra chất lượng số liệu còn điều dưới đây.",
                )
                .await;
            }
            Err(e) => return Err(e.into()),
        }
        return Ok(Redirect::to(&format!("/entry/{id}/{year}?saved=submitted")).into_response());
    }
    Ok(Redirect::to(&format!("/entry/{id}/{year}?saved=draft")).into_response())
}
