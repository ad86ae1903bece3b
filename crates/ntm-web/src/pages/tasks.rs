//! Nhiệm vụ: the directives and their tasks — each task's state computed from its dates
//! (done on time, done late, open within deadline, overdue), progress reports, the
//! office's confirmation or reopening; per directive the compilation (counts by state,
//! lead units ranked by on-time rate, laggards first) as a page and an .xlsx; and each
//! user's notifications.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use ntm_core::access::Action;
use ntm_core::task::TaskState;
use ntm_reports::{Cell, CellValue, Column, Table, Tone};
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult, internal};
use crate::format::{date, datetime, percent};
use crate::state::AppState;

fn state_class(s: TaskState) -> &'static str {
    match s {
        TaskState::DoneOnTime => "met",
        TaskState::DoneLate => "unknown",
        TaskState::Open => "missing",
        TaskState::Overdue => "unmet",
    }
}

pub struct Row {
    pub id: i64,
    pub code: String,
    pub text: String,
    pub lead: String,
    pub deadline: String,
    pub state: &'static str,
    pub class: &'static str,
    pub awaiting: bool,
}

fn row(v: &ntm_app::tasks::TaskView) -> Row {
    Row {
        id: v.task.id,
        code: v.task.code.clone(),
        text: v.task.details.text.clone(),
        lead: v.lead_name.clone(),
        deadline: v.deadline.map_or_else(|| "không hạn".into(), date),
        state: v.state.label_vi(),
        class: state_class(v.state),
        awaiting: v.awaiting_confirmation,
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub directive: Option<i64>,
    pub state: Option<String>,
    pub format: Option<String>,
}

pub struct DirectiveRow {
    pub id: i64,
    pub title: String,
    pub meta: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    chrome: Option<Chrome>,
    directives: Vec<DirectiveRow>,
    directive: Option<i64>,
    state: String,
    counts: Vec<(&'static str, &'static str, usize, &'static str)>,
    rate: String,
    ranking: Vec<(String, usize, usize, usize, usize, String)>,
    rows: Vec<Row>,
}

/// The tasks the viewer may see, with the compilation of what is shown.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let now = Utc::now();
    let c = ntm_app::tasks::compile(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        q.directive,
        now,
    )
    .await?;
    let t = &c.tally;
    if q.format.as_deref() == Some("xlsx") {
        let cell = |v: CellValue| Cell {
            value: v,
            tone: Tone::Plain,
        };
        let table = Table {
            sheet: "Tổng hợp nhiệm vụ".into(),
            title: "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ".into(),
            subtitle: vec![format!(
                "Hoàn thành đúng hạn {}; hoàn thành quá hạn {}; đang thực hiện trong hạn {}; quá hạn chưa hoàn thành {}; tỷ lệ đúng hạn {}",
                t.on_time, t.late, t.open, t.overdue, percent(t.on_time_rate())
            )],
            columns: ["Đơn vị chủ trì", "Đúng hạn", "Quá hạn", "Trong hạn", "Chưa xong, quá hạn", "Tỷ lệ đúng hạn"].iter().zip([40.0, 10.0, 10.0, 10.0, 12.0, 12.0]).map(|(h, w)| Column::new(*h, w)).collect(),
            header_rows: vec![],
            rows: c
                .ranking
                .iter()
                .map(|(lead, t)| {
                    vec![
                        cell(CellValue::Text(lead.clone())),
                        cell(CellValue::Int(t.on_time as i64)),
                        cell(CellValue::Int(t.late as i64)),
                        cell(CellValue::Int(t.open as i64)),
                        Cell { value: CellValue::Int(t.overdue as i64), tone: if t.overdue > 0 { Tone::Bad } else { Tone::Plain } },
                        cell(t.on_time_rate().map_or(CellValue::Empty, CellValue::Percent)),
                    ]
                })
                .collect(),
            totals: vec![],
            notes: vec!["Xếp theo tỷ lệ hoàn thành đúng hạn, thấp trước. Tỷ lệ = đúng hạn ÷ (đúng hạn + quá hạn + chưa xong quá hạn).".into()],
            landscape: true,
            freeze_columns: 1,
        };
        let bytes =
            ntm_reports::workbook(&[table]).map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(super::reports::xlsx(bytes, "tong-hop-nhiem-vu.xlsx"));
    }
    let filter = q.state.clone().unwrap_or_default();
    let rows = c
        .tasks
        .iter()
        .filter(|v| filter.is_empty() || v.state.as_str() == filter)
        .map(row)
        .collect();
    let directives = state
        .store
        .list_directives()
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .map(|d| DirectiveRow {
            id: d.id,
            meta: format!(
                "{} {} ngày {}, {}",
                d.kind,
                d.number,
                date(d.issued_on),
                d.issuer
            ),
            title: d.title,
            selected: Some(d.id) == q.directive,
        })
        .collect();
    let page = TasksPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        directives,
        directive: q.directive,
        state: filter,
        counts: vec![
            ("done_on_time", "Hoàn thành đúng hạn", t.on_time, "met"),
            ("done_late", "Hoàn thành quá hạn", t.late, "unknown"),
            ("open", "Đang thực hiện trong hạn", t.open, "missing"),
            ("overdue", "Quá hạn chưa hoàn thành", t.overdue, "unmet"),
        ],
        rate: percent(t.on_time_rate()),
        ranking: c
            .ranking
            .iter()
            .map(|(l, t)| {
                (
                    l.clone(),
                    t.on_time,
                    t.late,
                    t.open,
                    t.overdue,
                    percent(t.on_time_rate()),
                )
            })
            .collect(),
        rows,
    };
    render(&page)
}

pub struct ReportRow {
    pub at: String,
    pub by: String,
    pub text: String,
    pub percent: i32,
    pub done: bool,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Option<Chrome>,
    csrf: String,
    task: Row,
    expected: String,
    serves: String,
    recurrence: String,
    cooperating: Vec<String>,
    directive: String,
    reports: Vec<ReportRow>,
    can_report: bool,
    is_office: bool,
    done: bool,
    confirmed: String,
    errors: Vec<String>,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    render(&task_page(&state, &session, id, vec![]).await?)
}

async fn task_page(
    state: &AppState,
    session: &Session,
    id: i64,
    errors: Vec<String>,
) -> WebResult<TaskPage> {
    let ws = workspace(state, Some(0)).await?;
    let now = Utc::now();
    let store = state.store.as_ref();
    let views =
        ntm_app::tasks::visible_tasks(store, &ws.registry, &session.actor, None, now).await?;
    let v = views
        .into_iter()
        .find(|v| v.task.id == id)
        .ok_or_else(WebError::forbidden)?;
    let orgs = ntm_app::tasks::organisations_of(store, &session.actor).await?;
    let directive = store
        .get_directive(v.task.directive_id)
        .await
        .map_err(ntm_app::AppError::from)?;
    let mut cooperating = Vec::new();
    for a in &v.task.details.cooperating {
        cooperating.push(
            ntm_app::tasks::lead_name(store, &ws.registry, a, chrono::Datelike::year(&now)).await?,
        );
    }
    let reports = store
        .list_reports(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .map(|r| ReportRow {
            at: datetime(r.at),
            by: r.by,
            text: r.text,
            percent: r.percent,
            done: r.marks_done,
        })
        .collect();
    Ok(TaskPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        csrf: session.csrf.clone(),
        expected: v.task.details.expected_output.clone(),
        serves: v.task.details.serves.clone(),
        recurrence: v
            .task
            .details
            .recurrence
            .as_deref()
            .and_then(|r| ntm_core::task::Recurrence::parse(r).ok())
            .map(|r| r.label_vi())
            .unwrap_or_default(),
        cooperating,
        directive: directive
            .map(|d| {
                format!(
                    "{} {} ngày {}: {}",
                    d.kind,
                    d.number,
                    date(d.issued_on),
                    d.title
                )
            })
            .unwrap_or_default(),
        reports,
        can_report: ntm_app::tasks::may_report(&ws.registry, &session.actor, &orgs, &v.task, now),
        is_office: session.actor.can_globally(&ws.registry, Action::Approve),
        done: v.task.completed_at.is_some(),
        confirmed: match (&v.task.confirmed_by, v.task.confirmed_at) {
            (Some(by), Some(at)) => format!("{by} xác nhận lúc {}", datetime(at)),
            _ => String::new(),
        },
        errors,
        task: row(&v),
    })
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    text: String,
    #[serde(default)]
    percent: String,
    #[serde(default)]
    done: Option<String>,
}

pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<ReportForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let percent: i32 = f.percent.trim().trim_end_matches('%').parse().unwrap_or(-1);
    let input = ntm_app::tasks::ReportInput {
        text: f.text.clone(),
        percent,
        marks_done: f.done.is_some(),
    };
    match ntm_app::tasks::report(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        &input,
        Utc::now(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
        Err(ntm_app::AppError::Fields(errors)) => {
            let page = task_page(
                &state,
                &session,
                id,
                errors.into_iter().map(|(_, m)| m).collect(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    action: String,
    #[serde(default)]
    reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let now = Utc::now();
    match f.action.as_str() {
        "confirm" => {
            ntm_app::tasks::confirm(state.store.as_ref(), &ws.registry, &session.actor, id, now)
                .await?
        }
        "reopen" => {
            ntm_app::tasks::reopen(
                state.store.as_ref(),
                &ws.registry,
                &session.actor,
                id,
                &f.reason,
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
    Ok(Redirect::to(&format!("/tasks/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Option<Chrome>,
    csrf: String,
    items: Vec<(String, String, String, bool)>,
}

pub async fn notifications(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let items = state
        .store
        .list_notifications(session.actor.user_id, false)
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .take(200)
        .map(|n| {
            (
                datetime(n.at),
                n.text,
                n.link.unwrap_or_default(),
                n.read_at.is_none(),
            )
        })
        .collect();
    render(&NotificationsPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        csrf: session.csrf.clone(),
        items,
    })
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn read_all(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    state
        .store
        .mark_all_read(session.actor.user_id, Utc::now())
        .await
        .map_err(ntm_app::AppError::from)?;
    Ok(Redirect::to("/notifications").into_response())
}
