//! Nhiệm vụ: the follow-up view of every task the viewer may see — each task's state
//! computed from its dates (done on time, done late, open within deadline, overdue), what
//! falls due soon, the latest progress; the task page with its periods, progress reports
//! and attachments, the office's confirmation or reopening; and each user's
//! notifications. Directives, their compilation and the period report are in
//! [`super::directives`].

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::tasks::{Compilation, TaskView};
use ntm_core::task::TaskState;
use ntm_core::task::local_date;
use ntm_store::{Assignee, StoredFile};
use serde::Deserialize;

use super::{Chrome, download, render, workspace};
use crate::auth::Session;
use crate::error::{Kind, WebError, WebResult};
use crate::format::{date, datetime, percent};
use crate::state::{AppState, blocking};

pub fn state_class(s: TaskState) -> &'static str {
    match s {
        TaskState::DoneOnTime => "met",
        TaskState::DoneLate => "unknown",
        TaskState::Open => "missing",
        TaskState::Overdue => "unmet",
    }
}

/// The key of a lead in links: `u:<unit id>` or `o:<organisation id>`.
pub fn assignee_key(a: &Assignee) -> String {
    match a {
        Assignee::Unit(u) => format!("u:{u}"),
        Assignee::Organisation(id) => format!("o:{id}"),
    }
}

/// The inverse of [`assignee_key`].
pub fn parse_assignee(key: &str) -> Option<Assignee> {
    match key.split_once(':')? {
        ("u", unit) => ntm_core::UnitId::parse(unit).map(Assignee::Unit),
        ("o", id) => id.parse().ok().map(Assignee::Organisation),
        _ => None,
    }
}

/// A task as a row of the lists and the compilation page.
pub struct Row {
    pub id: i64,
    pub code: String,
    pub text: String,
    pub lead: String,
    pub deadline: String,
    pub state: &'static str,
    pub class: &'static str,
    pub awaiting: bool,
    /// "quá 12 ngày", "còn 3 ngày", or empty.
    pub timing: String,
    /// The latest progress report, shortened: "60% — Đã khởi công… (05/11/2026)".
    pub latest: String,
    pub periodic: bool,
    /// For a task expanded into per-commune tasks: the counts of its children.
    pub children: String,
    pub is_child: bool,
}

pub fn timing(v: &TaskView) -> String {
    match (v.days_late, v.days_left) {
        (Some(n), _) if v.state == TaskState::Overdue => format!("quá {n} ngày"),
        (Some(n), _) => format!("chậm {n} ngày"),
        (None, Some(0)) => "hạn hôm nay".into(),
        (None, Some(n)) => format!("còn {n} ngày"),
        _ => String::new(),
    }
}

pub fn row(v: &TaskView, c: Option<&Compilation>) -> Row {
    let children = c
        .and_then(|c| c.children.get(&v.task.id))
        .map(|t| {
            format!(
                "{} đơn vị: {} đúng hạn, {} quá hạn, {} trong hạn, {} chưa xong quá hạn",
                t.total(),
                t.on_time,
                t.late,
                t.open,
                t.overdue
            )
        })
        .unwrap_or_default();
    Row {
        id: v.task.id,
        code: v.task.code.clone(),
        text: v.task.details.text.clone(),
        lead: v.lead_name.clone(),
        deadline: v.deadline.map_or_else(|| "không hạn".into(), date),
        state: v.state.label_vi(),
        class: state_class(v.state),
        awaiting: v.awaiting_confirmation,
        timing: timing(v),
        latest: v.latest_text(),
        periodic: v.is_periodic(),
        children,
        is_child: v.task.parent_id.is_some(),
    }
}

/// A lead in the ranking, with the link to its urging letter when it has overdue items.
pub struct RankRow {
    pub lead: String,
    pub key: String,
    pub on_time: usize,
    pub late: usize,
    pub open: usize,
    pub overdue: usize,
    pub rate: String,
}

pub fn ranking(c: &Compilation) -> Vec<RankRow> {
    c.ranking
        .iter()
        .map(|r| RankRow {
            lead: r.lead.clone(),
            key: assignee_key(&r.assignee),
            on_time: r.tally.on_time,
            late: r.tally.late,
            open: r.tally.open,
            overdue: r.tally.overdue,
            rate: percent(r.tally.on_time_rate()),
        })
        .collect()
}

/// The four counts as tiles: (filter value, label, count, class).
pub fn counts(c: &Compilation) -> Vec<(&'static str, &'static str, usize, &'static str)> {
    let t = &c.tally;
    vec![
        ("done_on_time", "Hoàn thành đúng hạn", t.on_time, "met"),
        ("done_late", "Hoàn thành quá hạn", t.late, "unknown"),
        ("open", "Đang thực hiện trong hạn", t.open, "missing"),
        ("overdue", "Quá hạn chưa hoàn thành", t.overdue, "unmet"),
    ]
}

#[derive(Deserialize)]
pub struct ListQuery {
    pub directive: Option<i64>,
    pub state: Option<String>,
    pub days: Option<u32>,
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
    days: u32,
    due_soon: usize,
    counts: Vec<(&'static str, &'static str, usize, &'static str)>,
    rate: String,
    ranking: Vec<RankRow>,
    rows: Vec<Row>,
    is_office: bool,
    filter_label: String,
}

/// The directives as the select shows them.
pub async fn directive_rows(
    state: &AppState,
    selected: Option<i64>,
) -> WebResult<Vec<DirectiveRow>> {
    Ok(state
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
            selected: Some(d.id) == selected,
        })
        .collect())
}

/// The follow-up view: what the viewer may see, filtered by directive, by state or to what
/// falls due within the chosen number of days, with the compilation of what is shown.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let now = state.now();
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let orgs = ntm_app::tasks::organisations_of(state.store.as_ref(), &session.actor).await?;
    let c = ntm_app::tasks::compile_from(
        &material,
        &orgs,
        &ws.registry,
        &session.actor,
        q.directive,
        None,
        now,
    );
    if q.format.as_deref() == Some("xlsx") {
        let labels = state
            .store
            .list_directives()
            .await
            .map_err(ntm_app::AppError::from)?
            .into_iter()
            .map(|d| (d.id, format!("{} {}", d.kind, d.number)))
            .collect();
        let bytes = blocking(move || {
            ntm_app::tasks::compilation_workbook(
                &c,
                "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ",
                vec![],
                &labels,
            )
        })
        .await??;
        return Ok(super::reports::xlsx(bytes, "tong-hop-nhiem-vu.xlsx"));
    }
    let days = q.days.unwrap_or(state.config.due_soon_days).min(366);
    let filter = q.state.clone().unwrap_or_default();
    let shown = ntm_app::tasks::shown(&c.tasks, &filter, days);
    let due_soon = ntm_app::tasks::leaves(&c.tasks)
        .filter(|v| v.due_within(days))
        .count();
    let filter_label = match filter.as_str() {
        "due_soon" => format!("sắp đến hạn trong {days} ngày"),
        f => TaskState::parse(f).map_or(String::new(), |s| s.label_vi().to_owned()),
    };
    let page = TasksPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        directives: directive_rows(&state, q.directive).await?,
        directive: q.directive,
        state: filter,
        days,
        due_soon,
        counts: counts(&c),
        rate: percent(c.tally.on_time_rate()),
        ranking: ranking(&c),
        rows: shown.into_iter().map(|v| row(v, Some(&c))).collect(),
        is_office: ntm_app::tasks::is_office(&ws.registry, &session.actor, local_date(now)),
        filter_label,
    };
    render(&page)
}

pub struct ReportRow {
    pub id: i64,
    pub at: String,
    pub by: String,
    pub text: String,
    pub percent: i32,
    pub done: bool,
    pub attachment: String,
}

pub struct PeriodRow {
    pub due: String,
    pub done: String,
    pub state: &'static str,
    pub class: &'static str,
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
    directive_id: i64,
    reports: Vec<ReportRow>,
    periods: Vec<PeriodRow>,
    can_report: bool,
    is_office: bool,
    done: bool,
    confirmed: String,
    errors: Vec<String>,
    max_mb: usize,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    render(&task_page(&state, &session, id, vec![]).await?)
}

/// The task as the viewer may see it, or 403.
async fn task_page(
    state: &AppState,
    session: &Session,
    id: i64,
    errors: Vec<String>,
) -> WebResult<TaskPage> {
    let ws = workspace(state, Some(0)).await?;
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let d = ntm_app::tasks::detail(
        state.store.as_ref(),
        &material,
        &ws.registry,
        &session.actor,
        id,
        state.now(),
    )
    .await?;
    let v = &d.view;
    let reports = d.reports.iter().cloned().map(report_row).collect();
    let periods = v
        .periods
        .iter()
        .map(|p| PeriodRow {
            due: date(p.due),
            done: p.done_at.map_or_else(String::new, datetime),
            state: p.state.label_vi(),
            class: state_class(p.state),
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
        cooperating: d.cooperating.clone(),
        directive_id: v.task.directive_id,
        directive: d
            .directive
            .as_ref()
            .map(|d| format!("{}: {}", ntm_app::tasks::directive_label(d), d.title))
            .unwrap_or_default(),
        reports,
        periods,
        can_report: d.can_report,
        is_office: d.is_office,
        done: v.task.completed_at.is_some(),
        confirmed: match (&v.task.confirmed_by, v.task.confirmed_at) {
            (Some(by), Some(at)) => format!("{by} xác nhận lúc {}", datetime(at)),
            _ => String::new(),
        },
        errors,
        max_mb: ntm_app::tasks::MAX_FILE_BYTES / 1024 / 1024,
        task: row(v, None),
    })
}

fn report_row(r: ntm_store::ReportRecord) -> ReportRow {
    ReportRow {
        id: r.id,
        at: datetime(r.at),
        by: r.by,
        text: r.text,
        percent: r.percent,
        done: r.marks_done,
        attachment: match (r.attachment_name, r.attachment_size) {
            (Some(name), Some(size)) => format!("{name} ({})", size_text(size)),
            _ => String::new(),
        },
    }
}

/// "1,2 MB", "830 KB": sizes as the office reads them.
pub fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0).replace('.', ",")
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// The fields of a multipart form: text fields by name (repeated names kept in order) and
/// at most one file per name. A field that is not valid UTF-8 is refused.
pub struct MultipartForm {
    pub fields: Vec<(String, String)>,
    pub files: Vec<(String, StoredFile)>,
}

impl MultipartForm {
    pub async fn read(mut multipart: Multipart) -> WebResult<Self> {
        let mut form = MultipartForm {
            fields: Vec::new(),
            files: Vec::new(),
        };
        let bad = crate::error::multipart;
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            let name = field.name().unwrap_or_default().to_owned();
            match field.file_name().map(str::to_owned) {
                Some(file_name) => {
                    let bytes = field.bytes().await.map_err(bad)?;
                    // A file input left empty still sends a part with no name and no bytes.
                    if !file_name.is_empty() || !bytes.is_empty() {
                        form.files.push((
                            name,
                            StoredFile {
                                name: file_name,
                                bytes: bytes.to_vec(),
                            },
                        ));
                    }
                }
                None => {
                    let text = field.text().await.map_err(bad)?;
                    form.fields.push((name, text));
                }
            }
        }
        Ok(form)
    }

    /// The first value of the field, or "".
    pub fn get(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    pub fn file(&self, name: &str) -> Option<StoredFile> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, f)| f.clone())
    }
}

/// A progress report, with an optional attachment (multipart form).
pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> WebResult<Response> {
    let f = MultipartForm::read(multipart).await?;
    session.check_csrf(f.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let percent: i32 = f
        .get("percent")
        .trim()
        .trim_end_matches('%')
        .trim()
        .parse()
        .unwrap_or(-1);
    let input = ntm_app::tasks::ReportInput {
        text: f.get("text").to_owned(),
        percent,
        marks_done: !f.get("done").is_empty(),
        attachment: f.file("attachment"),
    };
    match ntm_app::tasks::report(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        &input,
        state.now(),
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

/// A report's attachment, for whoever may see the task.
pub async fn attachment(
    State(state): State<AppState>,
    session: Session,
    Path((id, report)): Path<(i64, i64)>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let file = ntm_app::tasks::report_file(
        state.store.as_ref(),
        &material,
        &ws.registry,
        &session.actor,
        id,
        report,
        state.now(),
    )
    .await?;
    Ok(download(file.bytes, &file.name, None))
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
    let now = state.now();
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
                Kind::BadRequest,
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
        .mark_all_read(session.actor.user_id, state.now())
        .await
        .map_err(ntm_app::AppError::from)?;
    Ok(Redirect::to("/notifications").into_response())
}
