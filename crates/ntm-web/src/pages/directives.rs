//! Văn bản chỉ đạo: recording a directive with its tasks (and the file itself), adding
//! tasks to it later, its compilation (every task's state, latest progress and lateness,
//! counts by the four states, lead units ranked laggards first) as a page, an .xlsx and a
//! printout; the same across all directives for a period (the report to the Standing
//! Committee); and the draft urging letter to a lead about its overdue tasks (.docx).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use ntm_app::tasks::{TaskInput, Window};
use ntm_core::UnitType;
use ntm_core::task::local_date;
use ntm_store::{NewDirective, TaskDetails};
use serde::Deserialize;

use super::tasks::{MultipartForm, RankRow, Row, counts, parse_assignee, ranking, row, size_text};
use super::{Chrome, download, render, require_admin, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::format::{date, datetime, percent};
use crate::state::{AppState, blocking};

const KINDS: [&str; 7] = [
    "Thông báo",
    "Kết luận",
    "Kế hoạch",
    "Chỉ thị",
    "Quyết định",
    "Công văn",
    "Nghị quyết",
];

/// The schedule choices of a task row: (value, label).
const REPEATS: [(&str, &str); 5] = [
    ("", "Không lặp (một hạn)"),
    ("monthly", "Hằng tháng, ngày…"),
    ("quarterly", "Hằng quý, ngày … tháng đầu quý sau"),
    ("half-yearly", "6 tháng, ngày … tháng đầu kỳ sau"),
    ("yearly", "Hằng năm, ngày/tháng"),
];

/// A date as typed: `2026-12-31` from a date picker, or `31/12/2026` where the browser
/// shows a plain text box.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    ntm_core::text::parse_date(text)
}

/// The most task rows one form holds (a long notice has a few dozen tasks).
const MAX_ROWS: usize = 200;

use ntm_core::task::{schedule, schedule_from_text};

/// The rows of an uploaded task list as the form shows them, or what is wrong with it.
fn rows_from_sheet(
    file: Option<ntm_store::StoredFile>,
) -> Result<Vec<(usize, TaskRow)>, Vec<String>> {
    let Some(file) = file else {
        return Err(vec![
            "Chọn tệp Excel danh sách nhiệm vụ rồi bấm “Đọc tệp”.".into(),
        ]);
    };
    let rows = ntm_reports::read_tasks(&file.bytes)
        .map_err(|p| p.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    if rows.len() > MAX_ROWS {
        return Err(vec![format!(
            "Tệp có {} nhiệm vụ; mỗi lần ghi tối đa {MAX_ROWS}, hãy chia tệp.",
            rows.len()
        )]);
    }
    let mut problems = Vec::new();
    let out = rows
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let (repeat, day, once) = schedule_from_text(&r.repeat);
            let deadline = match (parse_date(&r.deadline), once) {
                (Some(d), _) | (None, Some(d)) => d.format("%Y-%m-%d").to_string(),
                (None, None) if r.deadline.trim().is_empty() => String::new(),
                (None, None) => {
                    problems.push(format!(
                        "dòng {} của tệp: thời hạn “{}” không phải là ngày (ví dụ 31/12/2026)",
                        r.row, r.deadline
                    ));
                    String::new()
                }
            };
            (
                i,
                TaskRow {
                    code: r.code,
                    text: r.text,
                    lead: r.lead,
                    expand: r.expand,
                    cooperating: r.cooperating,
                    deadline,
                    repeat,
                    day,
                    expected: r.expected,
                    serves: r.serves,
                },
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// The template of a task list to fill in Excel.
pub async fn template() -> WebResult<Response> {
    let bytes = ntm_reports::tasks_template()
        .map_err(|e| crate::error::internal(anyhow::anyhow!("{e}")))?;
    Ok(super::reports::xlsx(bytes, "mau-danh-sach-nhiem-vu.xlsx"))
}

/// A write's outcome for a form: done, or the problems to show with the form again (the
/// input was refused, nothing was written); any other error goes up.
fn refused<T>(r: ntm_app::AppResult<T>) -> WebResult<Result<T, Vec<String>>> {
    match r {
        Ok(v) => Ok(Ok(v)),
        Err(ntm_app::AppError::Invalid(p)) => Ok(Err(p)),
        Err(ntm_app::AppError::Conflict(m)) => Ok(Err(vec![m])),
        Err(e) => Err(e.into()),
    }
}

/// A date of the period report's query, or a 400 that says what was expected.
fn query_date(text: Option<&str>, example: &str) -> WebResult<Option<NaiveDate>> {
    text.filter(|t| !t.trim().is_empty())
        .map(|t| {
            parse_date(t).ok_or_else(|| {
                WebError::new(
                    crate::error::Kind::BadRequest,
                    format!("“{t}” không phải là ngày (ví dụ {example})."),
                )
            })
        })
        .transpose()
}

/// One task row of the form, as typed (kept to re-show the form with its errors).
#[derive(Debug, Clone, Default)]
pub struct TaskRow {
    pub code: String,
    pub text: String,
    pub lead: String,
    pub expand: bool,
    pub cooperating: String,
    pub deadline: String,
    pub repeat: String,
    pub day: String,
    pub expected: String,
    pub serves: String,
}

impl TaskRow {
    fn is_blank(&self) -> bool {
        self.code.trim().is_empty() && self.text.trim().is_empty() && self.lead.trim().is_empty()
    }

    fn read(f: &MultipartForm, i: usize) -> Self {
        let get = |name: &str| f.get(&format!("{name}_{i}")).to_owned();
        TaskRow {
            code: get("code"),
            text: get("text"),
            lead: get("lead"),
            expand: !get("expand").is_empty(),
            cooperating: get("coop"),
            deadline: get("deadline"),
            repeat: get("repeat"),
            day: get("day"),
            expected: get("expected"),
            serves: get("serves"),
        }
    }

    /// The recurrence text of the row's schedule; errors in Vietnamese.
    fn recurrence(&self) -> Result<Option<String>, String> {
        let day = self.day.trim();
        match self.repeat.as_str() {
            "" => Ok(None),
            "yearly" => {
                let (d, m) = day
                    .split_once('/')
                    .ok_or_else(|| "ngày lặp hằng năm viết ngày/tháng, ví dụ 15/12".to_owned())?;
                Ok(Some(format!("yearly:{:0>2}-{:0>2}", m.trim(), d.trim())))
            }
            kind if day.is_empty() => Err(format!(
                "cần ngày trong tháng cho lịch lặp “{}”",
                REPEATS
                    .iter()
                    .find(|(v, _)| *v == kind)
                    .map_or(kind, |(_, l)| l)
            )),
            kind => Ok(Some(format!("{kind}:{day}"))),
        }
    }
}

/// Turns the typed rows into tasks, resolving leads and cooperators as of `on`; every
/// problem is listed with its row.
async fn task_inputs(
    state: &AppState,
    registry: &ntm_core::UnitRegistry,
    rows: &[TaskRow],
    on: NaiveDate,
) -> WebResult<Result<Vec<TaskInput>, Vec<String>>> {
    let organisations = state
        .store
        .list_organisations()
        .await
        .map_err(ntm_app::AppError::from)?;
    let mut problems = Vec::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let name = format!("Dòng {} (nhiệm vụ {})", i + 1, r.code.trim());
        let lead = if r.lead.trim().is_empty() {
            problems.push(format!("{name}: cần đơn vị chủ trì"));
            None
        } else {
            match ntm_app::tasks::resolve_assignee(registry, &organisations, &r.lead, on) {
                Ok(a) => Some(a),
                Err(e) => {
                    problems.push(format!("{name}, chủ trì: {e}"));
                    None
                }
            }
        };
        let mut cooperating = Vec::new();
        for part in r.cooperating.split(';').filter(|p| !p.trim().is_empty()) {
            match ntm_app::tasks::resolve_assignee(registry, &organisations, part, on) {
                Ok(a) => cooperating.push(a),
                Err(e) => problems.push(format!("{name}, phối hợp: {e}")),
            }
        }
        let deadline = if r.deadline.trim().is_empty() {
            None
        } else {
            let d = parse_date(&r.deadline);
            if d.is_none() {
                problems.push(format!(
                    "{name}: hạn “{}” không phải là ngày (ví dụ 31/12/2026)",
                    r.deadline.trim()
                ));
            }
            d
        };
        let recurrence = match r.recurrence() {
            Ok(rec) => rec,
            Err(e) => {
                problems.push(format!("{name}: {e}"));
                None
            }
        };
        if let Some(lead) = lead {
            out.push(TaskInput {
                code: r.code.clone(),
                details: TaskDetails {
                    text: r.text.trim().to_owned(),
                    lead,
                    cooperating,
                    deadline,
                    recurrence,
                    expected_output: r.expected.trim().to_owned(),
                    serves: r.serves.trim().to_owned(),
                },
                expand_to_communes: r.expand,
            });
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push("Chưa nhập nhiệm vụ nào.".into());
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

#[derive(Template)]
#[template(path = "directive_form.html")]
struct FormPage {
    chrome: Option<Chrome>,
    csrf: String,
    /// `None`: a new directive; `Some`: adding tasks to this one.
    directive: Option<(i64, String)>,
    kinds: Vec<&'static str>,
    repeats: Vec<(&'static str, &'static str)>,
    kind: String,
    number: String,
    issued_on: String,
    issuer: String,
    title: String,
    summary: String,
    rows: Vec<(usize, TaskRow)>,
    more: usize,
    /// The pick list of leads: (value, label).
    choices: Vec<(String, String)>,
    errors: Vec<String>,
    max_mb: usize,
    editing: bool,
    /// Said above the form after a task list was read from a file.
    notice: String,
}

/// The pick list: organisations, then units in force today, then those of before the
/// reform (a directive may be recorded late).
async fn choices(
    state: &AppState,
    registry: &ntm_core::UnitRegistry,
) -> WebResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = state
        .store
        .list_organisations()
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .map(|o| (o.name.clone(), o.kind))
        .collect();
    let today = local_date(state.now());
    let mut seen = std::collections::BTreeSet::new();
    for v in registry.as_of(today) {
        seen.insert(v.id().clone());
        out.push((format!("{} ({})", v.name(), v.id()), "hiện nay".into()));
    }
    // The day before the last rearrangement of the tree (for Hà Tĩnh, 30/6/2025).
    let reform = registry.last_rearrangement();
    let before = reform.and_then(|d| d.pred_opt()).unwrap_or(today);
    let label = reform.map_or_else(String::new, |d| format!("trước {}", d.format("%d/%m/%Y")));
    for v in registry
        .as_of(before)
        .into_iter()
        .filter(|v| !seen.contains(v.id()))
    {
        let kind = if v.unit_type() == UnitType::District {
            format!("huyện, {label}")
        } else {
            label.clone()
        };
        out.push((format!("{} ({})", v.name(), v.id()), kind));
    }
    Ok(out)
}

#[derive(Deserialize)]
pub struct FormQuery {
    pub rows: Option<usize>,
}

fn blank_rows(n: usize) -> Vec<(usize, TaskRow)> {
    (0..n.clamp(1, MAX_ROWS))
        .map(|i| (i, TaskRow::default()))
        .collect()
}

async fn form_page(
    state: &AppState,
    session: &Session,
    registry: &ntm_core::UnitRegistry,
    directive: Option<(i64, String)>,
    rows: Vec<(usize, TaskRow)>,
) -> WebResult<FormPage> {
    let more = (rows.len() + 5).min(MAX_ROWS);
    Ok(FormPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "tasks",
        )),
        csrf: session.csrf.clone(),
        directive,
        kinds: KINDS.to_vec(),
        repeats: REPEATS.to_vec(),
        kind: "Thông báo".into(),
        number: String::new(),
        issued_on: local_date(state.now()).format("%Y-%m-%d").to_string(),
        issuer: "Ban Chỉ đạo các Chương trình mục tiêu quốc gia tỉnh".into(),
        title: String::new(),
        summary: String::new(),
        rows,
        more,
        choices: choices(state, registry).await?,
        errors: Vec::new(),
        max_mb: ntm_app::tasks::MAX_FILE_BYTES / 1024 / 1024,
        editing: false,
        notice: String::new(),
    })
}

/// The form to record a directive and its tasks (office only).
pub async fn new_form(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<FormQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let rows = blank_rows(q.rows.unwrap_or(6));
    render(&form_page(&state, &session, &ws.registry, None, rows).await?)
}

fn read_rows(f: &MultipartForm) -> Vec<(usize, TaskRow)> {
    let n: usize = f.get("rows").parse().unwrap_or(0);
    (0..n.min(MAX_ROWS))
        .map(|i| (i, TaskRow::read(f, i)))
        .collect()
}

/// Records the directive with its tasks in one write; on any problem the form comes back
/// with everything typed and every problem listed.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    let f = MultipartForm::read(multipart).await?;
    session.check_csrf(f.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let rows = read_rows(&f);
    let mut page = form_page(&state, &session, &ws.registry, None, rows.clone()).await?;
    page.kind = f.get("kind").to_owned();
    page.number = f.get("number").trim().to_owned();
    page.issued_on = f.get("issued_on").trim().to_owned();
    page.issuer = f.get("issuer").trim().to_owned();
    page.title = f.get("title").trim().to_owned();
    page.summary = f.get("summary").trim().to_owned();
    if f.get("action") == "load" {
        return loaded(page, f.file("tasks_file")).await;
    }
    let issued = parse_date(&page.issued_on);
    let file = f.file("file");
    let mut problems = Vec::new();
    if issued.is_none() {
        problems.push(format!(
            "Ngày ban hành “{}” không phải là ngày (ví dụ 22/02/2022)",
            page.issued_on
        ));
    }
    if let Some(file) = &file
        && file.bytes.len() > ntm_app::tasks::MAX_FILE_BYTES
    {
        problems.push(format!("Tệp “{}” lớn hơn {} MB", file.name, page.max_mb));
    }
    let on = issued.unwrap_or_else(|| local_date(state.now()));
    let rows: Vec<TaskRow> = rows.into_iter().map(|(_, r)| r).collect();
    let tasks = match task_inputs(&state, &ws.registry, &rows, on).await? {
        Ok(t) => t,
        Err(mut p) => {
            problems.append(&mut p);
            Vec::new()
        }
    };
    if problems.is_empty()
        && let Some(issued_on) = issued
    {
        let directive = NewDirective {
            kind: page.kind.clone(),
            number: page.number.clone(),
            issued_on,
            issuer: page.issuer.clone(),
            title: page.title.clone(),
            summary: page.summary.clone(),
            file,
            tasks: Vec::new(),
        };
        let audit = session
            .actor
            .audit(state.now(), format!("ghi văn bản {}", page.number));
        let created = ntm_app::tasks::create_directive(
            state.store.as_ref(),
            &ws.registry,
            &session.actor,
            directive,
            tasks,
            &audit,
        )
        .await;
        match refused(created)? {
            Ok(id) => return Ok(Redirect::to(&format!("/directives/{id}")).into_response()),
            Err(p) => problems = p,
        }
    }
    page.errors = problems;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The form again with the rows of an uploaded task list, for the office to check before
/// it records them; nothing is written.
async fn loaded(mut page: FormPage, file: Option<ntm_store::StoredFile>) -> WebResult<Response> {
    match blocking(move || rows_from_sheet(file)).await? {
        Ok(rows) => {
            page.notice = format!(
                "Đã đọc {} nhiệm vụ từ tệp. Kiểm tra, sửa nếu cần, rồi bấm “Ghi”: chưa có gì được ghi.",
                rows.len()
            );
            page.more = (rows.len() + 5).min(MAX_ROWS);
            page.rows = rows;
            render(&page)
        }
        Err(problems) => {
            page.errors = problems;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// 403 unless the session may see the directive.
async fn require_directive(
    state: &AppState,
    session: &Session,
    registry: &ntm_core::UnitRegistry,
    id: i64,
) -> WebResult<()> {
    let may = ntm_app::tasks::may_see_directive(
        state.store.as_ref(),
        registry,
        &session.actor,
        id,
        state.now(),
    )
    .await?;
    if may {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

async fn directive_or_404(state: &AppState, id: i64) -> WebResult<ntm_store::DirectiveRecord> {
    state
        .store
        .get_directive(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .ok_or_else(|| WebError::not_found(format!("Không có văn bản chỉ đạo {id}.")))
}

/// The form to add tasks to a recorded directive (office only).
pub async fn add_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<FormQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let d = directive_or_404(&state, id).await?;
    let rows = blank_rows(q.rows.unwrap_or(3));
    let label = ntm_app::tasks::directive_label(&d);
    render(&form_page(&state, &session, &ws.registry, Some((id, label)), rows).await?)
}

/// Adds the typed tasks to the directive in one write.
pub async fn add(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> WebResult<Response> {
    let f = MultipartForm::read(multipart).await?;
    session.check_csrf(f.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let d = directive_or_404(&state, id).await?;
    let rows = read_rows(&f);
    let label = ntm_app::tasks::directive_label(&d);
    let mut page = form_page(
        &state,
        &session,
        &ws.registry,
        Some((id, label)),
        rows.clone(),
    )
    .await?;
    if f.get("action") == "load" {
        return loaded(page, f.file("tasks_file")).await;
    }
    let now = state.now();
    let rows: Vec<TaskRow> = rows.into_iter().map(|(_, r)| r).collect();
    let problems = match task_inputs(&state, &ws.registry, &rows, local_date(now)).await? {
        Ok(tasks) => {
            let audit = session
                .actor
                .audit(now, format!("bổ sung nhiệm vụ vào văn bản {}", d.number));
            let added = ntm_app::tasks::add_tasks(
                state.store.as_ref(),
                &ws.registry,
                &session.actor,
                id,
                tasks,
                &audit,
            )
            .await;
            match refused(added)? {
                Ok(_) => return Ok(Redirect::to(&format!("/directives/{id}")).into_response()),
                Err(p) => p,
            }
        }
        Err(p) => p,
    };
    page.errors = problems;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// The directive's file, for whoever may see one of its tasks (or the office).
pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    require_directive(&state, &session, &ws.registry, id).await?;
    let file = state
        .store
        .directive_file(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .ok_or_else(|| WebError::not_found("Văn bản này chưa có tệp đính kèm."))?;
    Ok(download(file.bytes, &file.name, None))
}

#[derive(Template)]
#[template(path = "directive.html")]
struct CompilationPage {
    chrome: Option<Chrome>,
    heading: String,
    meta: Vec<(String, String)>,
    directive_id: Option<i64>,
    file: String,
    window: Option<(String, String)>,
    as_of: String,
    counts: Vec<(&'static str, &'static str, usize, &'static str)>,
    rate: String,
    ranking: Vec<RankRow>,
    groups: Vec<(String, Vec<Row>)>,
    is_office: bool,
    xlsx: String,
}

#[derive(Deserialize)]
pub struct CompileQuery {
    pub format: Option<String>,
}

/// A directive's compilation: the page (printable), or its workbook.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<CompileQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let d = directive_or_404(&state, id).await?;
    let now = state.now();
    let c = ntm_app::tasks::compile(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        Some(id),
        now,
    )
    .await?;
    require_directive(&state, &session, &ws.registry, id).await?;
    let is_office = ntm_app::tasks::is_office(&ws.registry, &session.actor, d.issued_on);
    let label = ntm_app::tasks::directive_label(&d);
    let heading = "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ".to_owned();
    if q.format.as_deref() == Some("xlsx") {
        let labels = BTreeMap::from([(id, format!("{} {}", d.kind, d.number))]);
        let subtitle = vec![format!("{label}: {}", d.title)];
        let bytes =
            blocking(move || ntm_app::tasks::compilation_workbook(&c, &heading, subtitle, &labels))
                .await??;
        let name = format!(
            "tong-hop-{}.xlsx",
            ntm_core::text::search_key(&d.number).replace(['/', ' '], "-")
        );
        return Ok(super::reports::xlsx(bytes, &name));
    }
    let rows: Vec<Row> = c.tasks.iter().map(|v| row(v, Some(&c))).collect();
    let page = CompilationPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        heading: label,
        meta: vec![
            ("Trích yếu".into(), d.title.clone()),
            ("Nội dung chính".into(), d.summary.clone()),
            (
                "Ghi nhận".into(),
                format!("{} lúc {}", d.created_by, datetime(d.created_at)),
            ),
        ],
        directive_id: Some(id),
        file: match (&d.file_name, d.file_size) {
            (Some(n), Some(s)) => format!("{n} ({})", size_text(s)),
            _ => String::new(),
        },
        window: None,
        as_of: datetime(c.as_of),
        counts: counts(&c),
        rate: percent(c.tally.on_time_rate()),
        ranking: ranking(&c),
        groups: vec![(String::new(), rows)],
        is_office,
        xlsx: format!("/directives/{id}?format=xlsx"),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub format: Option<String>,
}

/// The report of a period across all directives (the report to the Standing Committee):
/// what fell due in the period and what is in arrears, judged at its end.
pub async fn period(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<PeriodQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let now = state.now();
    let quarter = Window::quarter_so_far(local_date(now));
    let from = query_date(q.from.as_deref(), "01/10/2026")?.unwrap_or(quarter.from);
    let to = query_date(q.to.as_deref(), "31/12/2026")?.unwrap_or(quarter.to);
    let window =
        Window::new(from, to).map_err(|m| WebError::new(crate::error::Kind::BadRequest, m))?;
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let orgs = ntm_app::tasks::organisations_of(state.store.as_ref(), &session.actor).await?;
    let c = ntm_app::tasks::compile_from(
        &material,
        &orgs,
        &ws.registry,
        &session.actor,
        None,
        Some(window),
        now,
    );
    let directives = state
        .store
        .list_directives()
        .await
        .map_err(ntm_app::AppError::from)?;
    let heading = format!(
        "BÁO CÁO KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ ĐƯỢC GIAO TỪ NGÀY {} ĐẾN NGÀY {}",
        date(from),
        date(to)
    );
    if q.format.as_deref() == Some("xlsx") {
        let labels = directives
            .iter()
            .map(|d| (d.id, format!("{} {}", d.kind, d.number)))
            .collect();
        let bytes = blocking(move || {
            ntm_app::tasks::compilation_workbook(
                &c,
                &heading,
                vec![
                "Gồm các nhiệm vụ đến hạn trong kỳ và các nhiệm vụ chưa hoàn thành từ trước kỳ."
                    .into(),
            ],
                &labels,
            )
        })
        .await??;
        let name = format!(
            "bao-cao-nhiem-vu-{}-{}.xlsx",
            from.format("%Y%m%d"),
            to.format("%Y%m%d")
        );
        return Ok(super::reports::xlsx(bytes, &name));
    }
    let groups = directives
        .iter()
        .map(|d| {
            let rows: Vec<Row> = c
                .tasks
                .iter()
                .filter(|v| v.task.directive_id == d.id)
                .map(|v| row(v, Some(&c)))
                .collect();
            (
                format!("{}: {}", ntm_app::tasks::directive_label(d), d.title),
                rows,
            )
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect();
    let page = CompilationPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        heading,
        meta: vec![],
        directive_id: None,
        file: String::new(),
        window: Some((
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
        )),
        as_of: datetime(c.as_of),
        counts: counts(&c),
        rate: percent(c.tally.on_time_rate()),
        ranking: ranking(&c),
        groups,
        is_office: ntm_app::tasks::is_office(&ws.registry, &session.actor, local_date(now)),
        xlsx: format!(
            "/directives/report?from={}&to={}&format=xlsx",
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d")
        ),
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct UrgeQuery {
    pub lead: String,
}

/// The draft urging letter to a lead about its overdue tasks (office only).
pub async fn urge(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<UrgeQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let lead = parse_assignee(&q.lead)
        .ok_or_else(|| WebError::not_found(format!("Không có đơn vị “{}”.", q.lead)))?;
    let draft = ntm_app::tasks::urging_letter(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &lead,
        state.now(),
    )
    .await?;
    let name = draft.file_name.clone();
    let bytes = blocking(move || draft.docx()).await??;
    Ok(download(
        bytes,
        &name,
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ))
}

#[derive(Template)]
#[template(path = "task_edit.html")]
struct EditPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: i64,
    code: String,
    repeats: Vec<(&'static str, &'static str)>,
    rows: Vec<(usize, TaskRow)>,
    choices: Vec<(String, String)>,
    reason: String,
    errors: Vec<String>,
    editing: bool,
    /// The version of the details as this form shows them (see `details_version`).
    seen: String,
}

/// A task's details as the form shows them.
async fn typed(
    state: &AppState,
    registry: &ntm_core::UnitRegistry,
    t: &ntm_store::TaskRecord,
) -> WebResult<TaskRow> {
    let store = state.store.as_ref();
    let name = |a: &ntm_store::Assignee| {
        let a = a.clone();
        async move {
            let n = ntm_app::tasks::lead_name(store, registry, &a, local_date(state.now()).year())
                .await?;
            Ok::<_, WebError>(match a {
                ntm_store::Assignee::Unit(u) => format!("{n} ({u})"),
                ntm_store::Assignee::Organisation(_) => n,
            })
        }
    };
    let mut cooperating = Vec::new();
    for c in &t.details.cooperating {
        cooperating.push(name(c).await?);
    }
    let recurrence = t
        .details
        .recurrence
        .as_deref()
        .and_then(|r| ntm_core::task::Recurrence::parse(r).ok());
    let (repeat, day, once) = schedule(recurrence);
    Ok(TaskRow {
        code: t.code.clone(),
        text: t.details.text.clone(),
        lead: name(&t.details.lead).await?,
        expand: false,
        cooperating: cooperating.join("; "),
        deadline: t
            .details
            .deadline
            .or(once)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        repeat,
        day,
        expected: t.details.expected_output.clone(),
        serves: t.details.serves.clone(),
    })
}

async fn task_or_404(state: &AppState, id: i64) -> WebResult<ntm_store::TaskRecord> {
    state
        .store
        .get_task(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .ok_or_else(|| WebError::not_found(format!("Không có nhiệm vụ {id}.")))
}

/// The office's form to change a task (an extension of its deadline, a new lead…).
pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let t = task_or_404(&state, id).await?;
    let row = typed(&state, &ws.registry, &t).await?;
    render(&EditPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        csrf: session.csrf.clone(),
        id,
        code: t.code.clone(),
        repeats: REPEATS.to_vec(),
        rows: vec![(0, row)],
        choices: choices(&state, &ws.registry).await?,
        reason: String::new(),
        errors: Vec::new(),
        editing: true,
        seen: ntm_store::details_version(&t.details),
    })
}

/// Saves the changed task; on any problem the form comes back with what was typed.
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> WebResult<Response> {
    let f = MultipartForm::read(multipart).await?;
    session.check_csrf(f.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let t = task_or_404(&state, id).await?;
    let row = TaskRow::read(&f, 0);
    let reason = f.get("reason").trim().to_owned();
    let now = state.now();
    let problems = match task_inputs(
        &state,
        &ws.registry,
        std::slice::from_ref(&row),
        local_date(now),
    )
    .await?
    {
        Ok(mut inputs) if inputs.len() == 1 => {
            let details = inputs.remove(0).details;
            let seen = Some(f.get("seen")).filter(|s| !s.is_empty());
            let saved = ntm_app::tasks::update_task(
                state.store.as_ref(),
                &ws.registry,
                &session.actor,
                id,
                (seen, details),
                &reason,
                now,
            )
            .await;
            match refused(saved)? {
                Ok(_) => return Ok(Redirect::to(&format!("/tasks/{id}")).into_response()),
                Err(p) => p,
            }
        }
        Ok(_) => vec!["Cần nội dung và đơn vị chủ trì của nhiệm vụ.".into()],
        Err(p) => p,
    };
    // What is stored now: after a refused save because someone adjusted the task, saving
    // this form again (what was typed is kept) means "mine over theirs".
    let now_stored = task_or_404(&state, id).await?;
    let page = EditPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        csrf: session.csrf.clone(),
        id,
        code: t.code,
        repeats: REPEATS.to_vec(),
        rows: vec![(0, row)],
        choices: choices(&state, &ws.registry).await?,
        reason,
        errors: problems,
        editing: true,
        seen: ntm_store::details_version(&now_stored.details),
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// A directive in the index, with its counts.
pub struct IndexRow {
    pub id: i64,
    pub label: String,
    pub title: String,
    pub tasks: usize,
    pub counts: Vec<(usize, &'static str, &'static str)>,
    pub rate: String,
    pub file: bool,
}

#[derive(Template)]
#[template(path = "directives.html")]
struct IndexPage {
    chrome: Option<Chrome>,
    rows: Vec<IndexRow>,
    is_office: bool,
}

/// Every directive the viewer has tasks in (all, for the office), newest first, each with
/// its counts by the four states and its on-time rate.
pub async fn index(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let now = state.now();
    let is_office = ntm_app::tasks::is_office(&ws.registry, &session.actor, local_date(now));
    let mut rows = Vec::new();
    for d in
        ntm_app::tasks::visible_directives(state.store.as_ref(), &ws.registry, &session.actor, now)
            .await?
    {
        let c = ntm_app::tasks::compile(
            state.store.as_ref(),
            &ws.registry,
            &session.actor,
            Some(d.id),
            now,
        )
        .await?;
        rows.push(IndexRow {
            id: d.id,
            label: ntm_app::tasks::directive_label(&d),
            title: d.title.clone(),
            tasks: c.tally.total(),
            counts: counts(&c)
                .into_iter()
                .map(|(_, label, n, class)| (n, label, class))
                .collect(),
            rate: percent(c.tally.on_time_rate()),
            file: d.file_name.is_some(),
        });
    }
    render(&IndexPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "tasks",
        )),
        rows,
        is_office,
    })
}
