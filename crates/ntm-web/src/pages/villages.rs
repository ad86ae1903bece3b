//! Thôn và vườn mẫu: a commune's register of villages (print, .xlsx), one village with its
//! history, gardens, assessment and titles, one garden with its assessment, the import of
//! a register from .xlsx with a preview, and the forms that record and withdraw titles.
//! Rules and rights are below (`ntm_app::villages`, `ntm_core::access`).

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use ntm_app::villages::{Decision, VillageLineView};
use ntm_core::evaluation::SetResult;
use ntm_core::village::{BODY_RULE, Body, Subject, Title, Withdrawal, bodies_on};
use ntm_core::{UnitId, UnitRegistry};
use ntm_store::villages::VillageBook;
use serde::Deserialize;

use super::{Chrome, download, render, unit_id, workspace};
use crate::auth::Session;
use crate::error::{Kind, WebError, WebResult};
use crate::format::date;
use crate::state::{AppState, Held, PendingImport};

fn today(state: &AppState) -> NaiveDate {
    ntm_core::task::local_date(state.now())
}

fn field(fields: &[(String, String)], name: &str) -> String {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A back link that stays on this site (a form's `back` field).
fn back_to(fields: &[(String, String)], fallback: &str) -> String {
    let b = field(fields, "back");
    if b.starts_with('/') && !b.starts_with("//") && !b.contains('\\') {
        b
    } else {
        fallback.to_owned()
    }
}

pub struct TitleRow {
    pub id: i64,
    pub text: String,
    pub withdrawn: String,
    pub held: bool,
    pub illustrative: bool,
}

fn title_rows<'a>(titles: impl Iterator<Item = &'a Title>, day: NaiveDate) -> Vec<TitleRow> {
    titles
        .map(|t| TitleRow {
            id: t.id,
            text: format!(
                "{}{}",
                t.describe_vi(),
                if t.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", t.note)
                }
            ),
            withdrawn: t
                .withdrawn
                .as_ref()
                .map(|w| {
                    format!(
                        "Thu hồi theo QĐ {} ngày {}: {}",
                        w.number,
                        date(w.on),
                        w.reason
                    )
                })
                .unwrap_or_default(),
            held: t.held_on(day),
            illustrative: t.illustrative,
        })
        .collect()
}

/// A criterion of an assessment as shown: its status and each indicator's line.
pub struct CriterionView {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub class: &'static str,
    /// (id, name, value shown, value as typed in the form, requirement, status, class, pass/fail)
    pub indicators: Vec<IndicatorView>,
}

pub struct IndicatorView {
    pub id: String,
    pub name: String,
    pub value: String,
    pub typed: String,
    pub requirement: String,
    pub status: &'static str,
    pub class: &'static str,
    pub pass: bool,
}

fn assessment(result: &SetResult<'_>) -> Vec<CriterionView> {
    result
        .criteria
        .iter()
        .map(|c| CriterionView {
            id: c.criterion.id.clone(),
            name: c.criterion.name.clone(),
            status: if c.indicators.is_empty() {
                "chưa cấu hình: chưa có nội dung đánh giá"
            } else {
                c.status.label_vi()
            },
            class: crate::format::criterion_class(c.status),
            indicators: c
                .indicators
                .iter()
                .map(|i| IndicatorView {
                    id: i.indicator.id.clone(),
                    name: i.indicator.name.clone(),
                    value: i
                        .value
                        .as_ref()
                        .map(|v| crate::format::value(v, i.indicator.unit.as_deref()))
                        .unwrap_or_default(),
                    typed: i
                        .value
                        .as_ref()
                        .map(|v| match v {
                            ntm_core::Value::Number(n) => ntm_core::text::vi_number(*n),
                            ntm_core::Value::Pass(true) => "đạt".into(),
                            ntm_core::Value::Pass(false) => "không đạt".into(),
                        })
                        .unwrap_or_default(),
                    requirement: match (&i.threshold, i.indicator.comparison) {
                        (_, ntm_core::Comparison::Pass) => "Đạt".into(),
                        (Some(t), cmp) => t.value.map_or_else(
                            || "chưa cấu hình ngưỡng".into(),
                            |v| {
                                format!(
                                    "{} {}{}",
                                    cmp.sign(),
                                    ntm_core::text::vi_number(v),
                                    i.indicator
                                        .unit
                                        .as_deref()
                                        .map(|u| format!(" {u}"))
                                        .unwrap_or_default()
                                )
                            },
                        ),
                        (None, _) => "chưa cấu hình ngưỡng".into(),
                    },
                    status: i.status.label_vi(),
                    class: crate::format::indicator_class(i.status),
                    pass: i.indicator.comparison == ntm_core::Comparison::Pass,
                })
                .collect(),
        })
        .collect()
}

fn unit_name(registry: &UnitRegistry, id: &UnitId, day: NaiveDate) -> String {
    registry.get(id).map_or_else(
        || id.to_string(),
        |u| {
            u.version_on(day)
                .map_or_else(|| u.latest().name.clone(), |v| v.name.clone())
        },
    )
}

/// Who may act here, decided below.
fn may_keep_commune(
    state: &AppState,
    session: &Session,
    registry: &UnitRegistry,
    commune: &UnitId,
) -> bool {
    ntm_core::access::may_keep_villages(
        registry,
        &session.actor.grants,
        commune,
        today(state).year(),
    )
}

/// The bodies the reader may record a title for, on a day before or after the reform: the
/// decision's date is chosen in the form, and the app checks the body against it.
fn bodies_now(
    registry: &UnitRegistry,
    session: &Session,
    commune: &UnitId,
    subject: Subject,
) -> Vec<(&'static str, &'static str)> {
    let days = [
        NaiveDate::from_ymd_opt(2024, 12, 31),
        NaiveDate::from_ymd_opt(2026, 1, 1),
    ];
    [Body::Commune, Body::District]
        .into_iter()
        .filter(|b| {
            days.iter().flatten().any(|d| {
                bodies_on(subject, *d).contains(b)
                    && ntm_core::access::may_record_village_title(
                        registry,
                        &session.actor.grants,
                        commune,
                        d.year(),
                        *b,
                    )
            })
        })
        .map(|b| (b.as_str(), b.label_vi()))
        .collect()
}

// ---- the commune's register ----

pub struct RegisterRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: &'static str,
    pub since: String,
    pub ended: String,
    pub title: String,
    pub gardens: usize,
    pub model_gardens: usize,
    pub from_predecessor: String,
    pub illustrative: bool,
}

fn register_row(registry: &UnitRegistry, book: &VillageBook, l: &VillageLineView) -> RegisterRow {
    let v = &l.village;
    RegisterRow {
        id: v.id,
        code: v.code.clone(),
        name: v.name.clone(),
        kind: v.kind.label_vi(),
        since: date(v.from),
        ended: match (v.to, v.successor.and_then(|s| book.village(s))) {
            (Some(t), Some(s)) => format!(
                "đến {}, sáp nhập vào {} {}",
                date(t),
                s.kind.label_vi(),
                s.name
            ),
            (Some(t), None) => format!("đến {}", date(t)),
            _ => String::new(),
        },
        title: l
            .title
            .as_ref()
            .map(|t| t.describe_vi())
            .unwrap_or_default(),
        gardens: l.gardens,
        model_gardens: l.model_gardens,
        from_predecessor: if l.from_predecessor {
            format!(
                "thuộc {} trước sắp xếp",
                unit_name(registry, &v.commune, v.from)
            )
        } else {
            String::new()
        },
        illustrative: v.illustrative || l.title.as_ref().is_some_and(|t| t.illustrative),
    }
}

#[derive(Template)]
#[template(path = "villages.html")]
struct RegisterPage {
    chrome: Option<Chrome>,
    csrf: String,
    unit_id: String,
    unit_name: String,
    today: String,
    current: Vec<RegisterRow>,
    past: Vec<RegisterRow>,
    model_areas: usize,
    gardens: usize,
    model_gardens: usize,
    may_keep: bool,
    bodies: Vec<(&'static str, &'static str)>,
    body_rule: &'static str,
    illustrative: bool,
    problems: Vec<String>,
    year: i32,
}

#[derive(Deserialize, Default)]
pub struct RegisterQuery {
    #[serde(default)]
    format: Option<String>,
}

async fn register_page(
    state: &AppState,
    session: &Session,
    id: UnitId,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let registry = &ws.registry;
    let unit = registry
        .get(&id)
        .ok_or_else(|| WebError::not_found(format!("Không có đơn vị {id}.")))?;
    if !super::can_view_ever(session, registry, &id) {
        return Err(WebError::forbidden());
    }
    let day = unit
        .valid()
        .to
        .map_or(today(state), |t| t.min(today(state)));
    let book = state
        .store
        .village_book()
        .await
        .map_err(ntm_app::AppError::from)?;
    let (now, past) = ntm_app::villages::of_commune(registry, &book, &id, day);
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RegisterPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "units",
        )),
        csrf: session.csrf.clone(),
        unit_id: id.to_string(),
        unit_name: unit_name(registry, &id, day),
        today: date(day),
        model_areas: now.iter().filter(|l| l.title.is_some()).count(),
        gardens: now.iter().map(|l| l.gardens).sum(),
        model_gardens: now.iter().map(|l| l.model_gardens).sum(),
        illustrative: now.iter().chain(&past).any(|l| l.village.illustrative),
        current: now
            .iter()
            .map(|l| register_row(registry, &book, l))
            .collect(),
        past: past
            .iter()
            .map(|l| register_row(registry, &book, l))
            .collect(),
        may_keep: may_keep_commune(state, session, registry, &id),
        bodies: bodies_now(registry, session, &id, Subject::Village(0)),
        body_rule: BODY_RULE,
        problems,
        year: day.year(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn register(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<RegisterQuery>,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    if q.format.as_deref() == Some("xlsx") {
        let ws = workspace(&state, Some(0)).await?;
        if !super::can_view_ever(&session, &ws.registry, &id) {
            return Err(WebError::forbidden());
        }
        let book = state
            .store
            .village_book()
            .await
            .map_err(ntm_app::AppError::from)?;
        let day = today(&state);
        let registry = ws.registry.clone();
        let target = id.clone();
        let bytes = crate::state::blocking(move || {
            ntm_app::villages::workbook(&registry, &book, |v| {
                v.commune == target || v.commune_on(&registry, day).as_ref() == Some(&target)
            })
        })
        .await??;
        return Ok(download(
            bytes,
            &format!("so-thon-{}.xlsx", id.code()),
            None,
        ));
    }
    register_page(&state, &session, id, vec![]).await
}

/// One decision for several villages (or several gardens of a village), entered once.
pub async fn record_titles(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let back = back_to(&fields, "/");
    let subjects: Vec<Subject> = fields
        .iter()
        .filter(|(k, _)| k == "s")
        .filter_map(|(_, v)| {
            let (kind, id) = v.split_once(':')?;
            Subject::parse(kind, id.parse().ok()?)
        })
        .collect();
    let mut problems = Vec::new();
    let year = field(&fields, "year").trim().parse::<i32>().ok();
    let on = ntm_core::text::parse_date(&field(&fields, "on"));
    let body = Body::parse(&field(&fields, "body"));
    if year.is_none() {
        problems.push("Năm đạt chuẩn: chưa ghi hoặc không phải là năm".to_owned());
    }
    if on.is_none() {
        problems.push("Ngày ký: chưa ghi hoặc không phải là ngày".to_owned());
    }
    if body.is_none() {
        problems.push("Cấp công nhận: chọn UBND xã hoặc UBND huyện".to_owned());
    }
    let result = match (year, on, body) {
        (Some(year), Some(signed_on), Some(body)) => {
            let decision = Decision {
                year,
                number: field(&fields, "number"),
                signed_on,
                body,
                note: field(&fields, "note"),
            };
            let audit = session.actor.audit(
                state.now(),
                format!("ghi quyết định công nhận {}", decision.number.trim()),
            );
            ntm_app::villages::record_titles(
                state.store.as_ref(),
                &ws.registry,
                &session.actor,
                &subjects,
                &decision,
                (today(&state), &audit),
            )
            .await
            .map(|_| ())
        }
        _ => Err(ntm_app::AppError::Invalid(problems)),
    };
    after_write(&state, &session, result, &back).await
}

/// Redirects back after a write; a refusal re-renders the page it came from with why.
async fn after_write(
    state: &AppState,
    session: &Session,
    result: Result<(), ntm_app::AppError>,
    back: &str,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to(back).into_response()),
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            let problems = match e {
                ntm_app::AppError::Invalid(p) => p,
                other => vec![other.to_string()],
            };
            let path = back.split('?').next().unwrap_or(back);
            let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            match parts.as_slice() {
                ["units", id, "villages"] => {
                    register_page(state, session, unit_id(id)?, problems).await
                }
                ["villages", id] => {
                    let id = id
                        .parse()
                        .map_err(|_| WebError::not_found("Không có thôn này."))?;
                    subject_page(state, session, Subject::Village(id), None, problems).await
                }
                ["gardens", id] => {
                    let id = id
                        .parse()
                        .map_err(|_| WebError::not_found("Không có vườn này."))?;
                    subject_page(state, session, Subject::Garden(id), None, problems).await
                }
                _ => Err(WebError::new(Kind::Invalid, problems.join("; "))),
            }
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let back = back_to(&fields, "/");
    let result = match ntm_core::text::parse_date(&field(&fields, "on")) {
        None => Err(ntm_app::AppError::Invalid(vec![
            "Ngày thu hồi: chưa ghi hoặc không phải là ngày".into(),
        ])),
        Some(on) => {
            let w = Withdrawal {
                on,
                number: field(&fields, "number").trim().to_owned(),
                reason: field(&fields, "reason").trim().to_owned(),
            };
            let audit = session.actor.audit(
                state.now(),
                format!("thu hồi danh hiệu theo QĐ {}", w.number),
            );
            ntm_app::villages::withdraw(
                state.store.as_ref(),
                &ws.registry,
                &session.actor,
                id,
                &w,
                (today(&state), &audit),
            )
            .await
        }
    };
    after_write(&state, &session, result, &back).await
}

// ---- one village or garden ----

pub struct GardenRowView {
    pub id: i64,
    pub household: String,
    pub area: String,
    pub since: String,
    pub title: String,
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "village.html")]
struct SubjectPage {
    chrome: Option<Chrome>,
    csrf: String,
    /// "village" or "garden".
    kind: &'static str,
    id: i64,
    heading: String,
    facts: Vec<(&'static str, String)>,
    commune_id: String,
    commune_name: String,
    village_id: i64,
    village_name: String,
    year: i32,
    years: Vec<i32>,
    set_title: String,
    set_note: String,
    criteria: Vec<CriterionView>,
    overall: &'static str,
    overall_class: &'static str,
    entered: bool,
    titles: Vec<TitleRow>,
    gardens: Vec<GardenRowView>,
    may_keep: bool,
    bodies: Vec<(&'static str, &'static str)>,
    body_rule: &'static str,
    title_name: &'static str,
    illustrative: bool,
    problems: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct SubjectQuery {
    #[serde(default)]
    nam: Option<i32>,
}

async fn subject_page(
    state: &AppState,
    session: &Session,
    subject: Subject,
    year: Option<i32>,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(state);
    let book = state
        .store
        .village_book()
        .await
        .map_err(ntm_app::AppError::from)?;
    let at = ntm_app::villages::locate(registry, &book, subject, day)?;
    if !super::can_view_ever(session, registry, &at.commune)
        && !super::can_view_ever(session, registry, &at.village.commune)
    {
        return Err(WebError::forbidden());
    }
    let v = at.village;
    let end = at.garden.and_then(|g| g.to).or(v.to);
    let last = end.map_or(day.year(), |t| t.year().min(day.year()));
    let year = year.unwrap_or(last);
    let values = state
        .store
        .village_values(subject)
        .await
        .map_err(ntm_app::AppError::from)?;
    let result = ntm_app::villages::assess(&ws.catalogue, subject, year, &values);
    let first = at.garden.map_or(v.from, |g| g.from).year().max(2014);
    let mut years: Vec<i32> = (first..=last.max(first)).collect();
    if !years.contains(&year) {
        years.push(year);
        years.sort_unstable();
    }
    // The commune's name alone can mislead: the reform kept names on new units (the new
    // Xã Kỳ Lạc is not the old one), so the code and life of each are said.
    let described = |u: &UnitId, on: NaiveDate| {
        let life = registry
            .get(u)
            .map(|x| x.valid().to_string())
            .unwrap_or_default();
        format!("{} (mã {}, {life})", unit_name(registry, u, on), u.code())
    };
    let mut facts = vec![("Xã khi đăng ký", described(&v.commune, v.from))];
    if at.commune != v.commune {
        facts.push(("Nay thuộc", described(&at.commune, day)));
    }
    let heading;
    match at.garden {
        Some(g) => {
            heading = format!("Vườn hộ {}", g.household);
            facts.push(("Thôn", format!("{} {}", v.kind.label_vi(), v.name)));
            if let Some(a) = g.area_m2 {
                facts.push(("Diện tích", format!("{} m²", ntm_core::text::vi_number(a))));
            }
            facts.push(("Đăng ký từ", date(g.from)));
            if let Some(t) = g.to {
                facts.push(("Đến", date(t)));
            }
            if !g.note.is_empty() {
                facts.push(("Ghi chú", g.note.clone()));
            }
        }
        None => {
            heading = format!("{} {}", v.kind.label_vi(), v.name);
            facts.push(("Mã thôn", v.code.clone()));
            facts.push(("Từ", date(v.from)));
            if let Some(t) = v.to {
                facts.push(("Đến", date(t)));
            }
            if let Some(s) = v.successor.and_then(|s| book.village(s)) {
                facts.push((
                    "Sáp nhập vào",
                    format!("{} {} (mã {})", s.kind.label_vi(), s.name, s.code),
                ));
            }
            let merged: Vec<String> = book
                .villages
                .iter()
                .filter(|x| x.successor == Some(v.id))
                .map(|x| {
                    format!(
                        "{} {} (đến {})",
                        x.kind.label_vi(),
                        x.name,
                        x.to.map(date).unwrap_or_default()
                    )
                })
                .collect();
            if !merged.is_empty() {
                facts.push(("Tiếp nhận", merged.join("; ")));
            }
            if !v.note.is_empty() {
                facts.push(("Ghi chú", v.note.clone()));
            }
        }
    }
    let gardens = match subject {
        Subject::Village(id) => book
            .gardens
            .iter()
            .filter(|g| g.village == id)
            .map(|g| GardenRowView {
                id: g.id,
                household: g.household.clone(),
                area: g
                    .area_m2
                    .map(|a| format!("{} m²", ntm_core::text::vi_number(a)))
                    .unwrap_or_default(),
                since: format!(
                    "{}{}",
                    date(g.from),
                    g.to.map(|t| format!(" – {}", date(t))).unwrap_or_default()
                ),
                title: book
                    .titles_of(Subject::Garden(g.id))
                    .filter(|t| t.held_on(day))
                    .map(Title::describe_vi)
                    .next()
                    .unwrap_or_default(),
                illustrative: g.illustrative,
            })
            .collect(),
        Subject::Garden(_) => vec![],
    };
    let (overall, overall_class) = match &result {
        None => ("chưa có bộ tiêu chí cho năm này", "unknown"),
        Some(r) if r.criteria.iter().all(|c| c.indicators.is_empty()) => (
            "chưa cấu hình: bộ tiêu chí chưa có nội dung đánh giá",
            "unknown",
        ),
        Some(r) => (
            match r.status {
                ntm_core::CriterionStatus::Met => "đạt chuẩn",
                ntm_core::CriterionStatus::Unmet => "chưa đạt",
                ntm_core::CriterionStatus::Unknown => {
                    "chưa xác định (thiếu số liệu hoặc chưa cấu hình ngưỡng)"
                }
            },
            crate::format::criterion_class(r.status),
        ),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SubjectPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "units",
        )),
        csrf: session.csrf.clone(),
        kind: subject.kind(),
        id: subject.id(),
        heading,
        facts,
        commune_id: at.commune.to_string(),
        commune_name: unit_name(registry, &at.commune, day),
        village_id: v.id,
        village_name: format!("{} {}", v.kind.label_vi(), v.name),
        year,
        years,
        set_title: result
            .as_ref()
            .map(|r| format!("{} ({})", r.set.header.title, r.set.id().0))
            .unwrap_or_default(),
        set_note: result
            .as_ref()
            .and_then(|r| r.set.header.note.clone())
            .unwrap_or_default(),
        entered: result
            .as_ref()
            .is_some_and(|r| r.criteria.iter().any(|c| !c.indicators.is_empty())),
        criteria: result.as_ref().map(assessment).unwrap_or_default(),
        overall,
        overall_class,
        titles: title_rows(book.titles_of(subject), day),
        gardens,
        may_keep: ntm_app::villages::may_keep(registry, &session.actor, v, day),
        bodies: bodies_now(registry, session, &at.commune, subject),
        body_rule: BODY_RULE,
        title_name: subject.title_vi(),
        illustrative: v.illustrative || at.garden.is_some_and(|g| g.illustrative),
        problems,
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn village(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<SubjectQuery>,
) -> WebResult<Response> {
    subject_page(&state, &session, Subject::Village(id), q.nam, vec![]).await
}

pub async fn garden(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<SubjectQuery>,
) -> WebResult<Response> {
    subject_page(&state, &session, Subject::Garden(id), q.nam, vec![]).await
}

async fn save_values(
    state: &AppState,
    session: &Session,
    subject: Subject,
    fields: &[(String, String)],
) -> WebResult<Response> {
    session.check_csrf(&field(fields, "csrf"))?;
    let ws = workspace(state, Some(0)).await?;
    let year = field(fields, "nam").trim().parse::<i32>().ok();
    let Some(year) = year else {
        return subject_page(
            state,
            session,
            subject,
            None,
            vec!["Năm đánh giá không hợp lệ".into()],
        )
        .await;
    };
    let entries: Vec<(String, String)> = fields
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("i.")?.to_owned(), v.clone())))
        .collect();
    let audit = session.actor.audit(
        state.now(),
        format!("đánh giá {} năm {year}", subject.title_vi()),
    );
    match ntm_app::villages::save_values(
        state.store.as_ref(),
        &ws.registry,
        &ws.catalogue,
        &session.actor,
        subject,
        year,
        &entries,
        (today(state), &audit),
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/{}s/{}?nam={year}", subject.kind(), subject.id()))
                .into_response(),
        ),
        Err(ntm_app::AppError::Invalid(p)) => {
            subject_page(state, session, subject, Some(year), p).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn village_values(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    save_values(&state, &session, Subject::Village(id), &fields).await
}

pub async fn garden_values(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    save_values(&state, &session, Subject::Garden(id), &fields).await
}

// ---- import ----

#[derive(Template)]
#[template(path = "villages_import.html")]
struct ImportPage {
    chrome: Option<Chrome>,
    csrf: String,
    file: String,
    errors: Vec<String>,
    /// (what, name, before, after) of each row written.
    lines: Vec<(&'static str, String, String, String)>,
    more: usize,
    unchanged: usize,
    token: String,
    done: String,
}

const MAX_BYTES: usize = 20 * 1024 * 1024;
const SHOWN: usize = 500;

fn import_page(session: &Session, registry: &UnitRegistry, state: &AppState) -> ImportPage {
    ImportPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "import",
        )),
        csrf: session.csrf.clone(),
        file: String::new(),
        errors: vec![],
        lines: vec![],
        more: 0,
        unchanged: 0,
        token: String::new(),
        done: String::new(),
    }
}

fn may_import(session: &Session) -> WebResult<()> {
    if ntm_core::access::holds(&session.actor.grants, ntm_core::access::Action::EnterValues) {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

pub async fn import_form(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    may_import(&session)?;
    let ws = workspace(&state, Some(0)).await?;
    render(&import_page(&session, &ws.registry, &state))
}

pub async fn template(session: Session) -> WebResult<Response> {
    may_import(&session)?;
    let bytes = crate::state::blocking(|| ntm_reports::villages::villages_workbook(&[], &[]))
        .await?
        .map_err(|e| crate::error::internal(anyhow::anyhow!("{e}")))?;
    Ok(download(bytes, "mau-so-thon-vuon.xlsx", None))
}

pub async fn import_upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    may_import(&session)?;
    let form = super::tasks::MultipartForm::read(multipart).await?;
    let (file, bytes) = form
        .file("file")
        .map(|f| (f.name, f.bytes))
        .unwrap_or_default();
    if bytes.len() > MAX_BYTES {
        return Err(WebError::new(Kind::TooLarge, "Tệp quá lớn (tối đa 20 MB)."));
    }
    session.check_csrf(form.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let mut view = import_page(&session, &ws.registry, &state);
    view.file = file.clone();
    if bytes.is_empty() {
        view.errors = vec!["Chưa chọn tệp, hoặc tệp rỗng.".into()];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
    }
    let sheets = crate::state::blocking(move || ntm_app::villages::read_file(&bytes)).await?;
    let previewed = match sheets {
        Err(p) => Err(p),
        Ok(sheets) => match ntm_app::villages::preview(
            state.store.as_ref(),
            &ws.registry,
            Some(&session.actor),
            &sheets,
            today(&state),
        )
        .await
        {
            Ok(x) => Ok(x),
            Err(ntm_app::AppError::Invalid(p)) => Err(p),
            Err(e) => return Err(e.into()),
        },
    };
    let (batch, plan) = match previewed {
        Err(p) => {
            view.errors = p;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
        }
        Ok(x) => x,
    };
    let registry = &ws.registry;
    let mut lines: Vec<(&'static str, String, String, String)> = Vec::new();
    for c in &plan.villages {
        let v = &c.after;
        lines.push((
            if c.before.is_some() {
                "sửa thôn"
            } else {
                "thôn mới"
            },
            format!(
                "{} {} ({}, {})",
                v.kind.label_vi(),
                v.name,
                v.code,
                unit_name(registry, &v.commune, v.from)
            ),
            c.before
                .as_ref()
                .map(ntm_store::villages::village_summary)
                .unwrap_or_default(),
            ntm_store::villages::village_summary(v),
        ));
    }
    for (k, to) in &plan.successors {
        lines.push((
            "sáp nhập",
            format!("thôn mã {} (xã {})", k.1, k.0.code()),
            String::new(),
            format!("vào thôn mã {}", to.1),
        ));
    }
    for (c, (commune, code)) in &plan.gardens {
        lines.push((
            if c.before.is_some() {
                "sửa vườn"
            } else {
                "vườn mới"
            },
            format!(
                "vườn hộ {} (thôn {code}, {})",
                c.after.household,
                unit_name(registry, commune, c.after.from)
            ),
            c.before
                .as_ref()
                .map(ntm_store::villages::garden_summary)
                .unwrap_or_default(),
            ntm_store::villages::garden_summary(&c.after),
        ));
    }
    view.more = lines.len().saturating_sub(SHOWN);
    lines.truncate(SHOWN);
    view.lines = lines;
    view.unchanged = plan.unchanged;
    if !plan.is_empty() {
        view.token = state.hold_import(PendingImport {
            user_id: session.actor.user_id,
            file,
            preview: Held::Villages(batch),
            created: state.now(),
        });
    }
    render(&view)
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    token: String,
}

pub async fn import_confirm(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let now = state.now();
    let (file, batch) = state.take_held(&f.token, session.actor.user_id, now, |h| match h {
        Held::Villages(batch) => Ok(batch),
        other => Err(Box::new(other)),
    })?;
    let audit = session
        .actor
        .audit(now, format!("nhập sổ thôn từ tệp {}", file));
    let (new, changed, unchanged) =
        ntm_app::villages::confirm(state.store.as_ref(), &batch, &audit).await?;
    let ws = workspace(&state, Some(0)).await?;
    let mut view = import_page(&session, &ws.registry, &state);
    view.file = file;
    view.done = format!("Đã ghi: {new} dòng mới, {changed} dòng thay đổi ({unchanged} không đổi).");
    render(&view)
}
