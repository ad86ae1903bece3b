//! Chỉ tiêu: the target plans, one plan's results against its targets (page, A4 print with
//! the office's heading and signature block, .xlsx), and the forms that write a plan, its
//! targets and their shares to lower units. What the actuals are and how a status is judged
//! is `ntm_app::targets`; who may write is decided there too.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use ntm_app::evaluate::Workspace;
use ntm_app::targets::{PlanProgress, TargetLine};
use ntm_core::criteria::Level;
use ntm_core::target::{CountBy, Counted, STATUS_RULE, SplitCheck, Status, TargetKind};
use ntm_core::{UnitId, UnitLevel};
use ntm_reports::{Cell, Column, Table, Tone};
use ntm_store::TargetPlanRecord;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::charts::{TargetBar, target_bars};
use crate::error::{WebError, WebResult};
use crate::format::{date, number};
use crate::state::AppState;

fn today(state: &AppState) -> NaiveDate {
    ntm_core::task::local_date(state.now())
}

/// The CSS class of a status badge.
pub fn status_class(s: Status) -> &'static str {
    match s {
        Status::Achieved => "met",
        Status::OnTrack => "ontrack",
        Status::AtRisk => "atrisk",
        Status::Missed => "unmet",
        Status::NoData => "missing",
    }
}

pub struct PlanRow {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub scope: String,
    pub document: String,
    pub illustrative: bool,
    pub targets: usize,
}

#[derive(Template)]
#[template(path = "targets.html")]
struct ListPage {
    chrome: Option<Chrome>,
    csrf: String,
    plans: Vec<PlanRow>,
    problems: Vec<String>,
    may_create: bool,
    scopes: Vec<(String, String)>,
}

fn document(p: &TargetPlanRecord) -> String {
    format!(
        "{}{}, {}",
        p.doc_number,
        p.doc_date
            .map(|d| format!(" ngày {}", date(d)))
            .unwrap_or_default(),
        p.doc_body
    )
}

fn unit_name(ws: &Workspace, unit: &UnitId, year: i32) -> String {
    ws.registry.get(unit).map_or(unit.to_string(), |u| {
        u.version_in_year(year)
            .map_or(u.latest().name.clone(), |v| v.name.clone())
    })
}

/// The scopes a plan may have that the reader may manage: the province and, while they
/// existed, its districts.
fn scopes(ws: &Workspace, session: &Session) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for u in ws.registry.units() {
        if !matches!(u.level, UnitLevel::Province | UnitLevel::District) {
            continue;
        }
        let year = u
            .valid()
            .from
            .max(NaiveDate::from_ymd_opt(2021, 1, 1).expect("date"));
        let year = chrono::Datelike::year(&year);
        if ntm_core::access::can(
            &ws.registry,
            &session.actor.grants,
            ntm_core::access::Action::ManagePlans,
            &u.id,
            year,
        ) {
            out.push((u.id.to_string(), u.latest().name.clone()));
        }
    }
    out
}

async fn list_page(
    state: &AppState,
    session: &Session,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let plans = ntm_app::targets::visible_plans(state.store.as_ref(), &ws.registry, &session.actor)
        .await?
        .into_iter()
        .rev()
        .map(|p| {
            let year = ntm_core::target::Period::parse(&p.period).map_or(0, |x| x.first());
            PlanRow {
                id: p.id,
                scope: unit_name(&ws, &p.scope_id, year),
                document: document(&p),
                period: p.period.clone(),
                illustrative: p.illustrative,
                targets: p.targets.len(),
                title: p.title,
            }
        })
        .collect();
    let scopes = scopes(&ws, session);
    let page = ListPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "targets",
        )),
        csrf: session.csrf.clone(),
        plans,
        may_create: !scopes.is_empty(),
        scopes,
        problems: problems.clone(),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn list(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    list_page(&state, &session, vec![]).await
}

#[derive(Deserialize)]
pub struct PlanForm {
    #[serde(default)]
    csrf: String,
    scope: String,
    period: String,
    title: String,
    doc_number: String,
    #[serde(default)]
    doc_date: String,
    doc_body: String,
    #[serde(default)]
    illustrative: Option<String>,
    #[serde(default)]
    note: String,
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PlanForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, None).await?;
    let mut problems = Vec::new();
    let scope = UnitId::parse(f.scope.trim());
    if scope.is_none() {
        problems.push("Phạm vi: chọn đơn vị".into());
    }
    let doc_date = if f.doc_date.trim().is_empty() {
        None
    } else {
        let d = super::directives::parse_date(&f.doc_date);
        if d.is_none() {
            problems.push(format!("Ngày văn bản “{}” không phải là ngày", f.doc_date));
        }
        d
    };
    let Some(scope) = scope.filter(|_| problems.is_empty()) else {
        return list_page(&state, &session, problems).await;
    };
    let plan = TargetPlanRecord {
        id: 0,
        scope_id: scope,
        period: f.period.trim().into(),
        title: f.title.trim().into(),
        doc_number: f.doc_number.trim().into(),
        doc_date,
        doc_body: f.doc_body.trim().into(),
        illustrative: f.illustrative.is_some(),
        note: f.note.trim().into(),
        version: 1,
        created_at: state.now(),
        created_by: session.actor.username.clone(),
        targets: vec![],
    };
    let audit = session.actor.audit(state.now(), "lập kế hoạch chỉ tiêu");
    match ntm_app::targets::create(state.store.as_ref(), &ws, &session.actor, &plan, &audit).await {
        Ok(id) => Ok(Redirect::to(&format!("/targets/{id}")).into_response()),
        Err(ntm_app::AppError::Invalid(p)) => list_page(&state, &session, p).await,
        Err(e) => Err(e.into()),
    }
}

pub struct ShareView {
    pub name: String,
    pub amount: String,
    pub actual: String,
    pub status: &'static str,
    pub class: &'static str,
}

pub struct LineView {
    pub index: usize,
    pub label: String,
    pub note: String,
    pub amount: String,
    pub actual: String,
    pub status: &'static str,
    pub class: &'static str,
    pub eligible: String,
    pub basis: String,
    pub recognised: Vec<(String, String, String)>,
    pub under_way: Vec<(String, String, String)>,
    pub shares: Vec<ShareView>,
    pub split: String,
    pub split_ok: bool,
    pub additive: bool,
    /// A count of communes: its candidates can be ranked.
    pub candidates: bool,
}

#[derive(Template)]
#[template(path = "target_plan.html")]
struct PlanPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: i64,
    version: i32,
    title: String,
    period: String,
    scope: String,
    document: String,
    note: String,
    illustrative: bool,
    on: String,
    on_iso: String,
    rule: &'static str,
    lines: Vec<LineView>,
    chart: String,
    /// The plan's communes by how far each has come, when it counts recognised communes.
    map: Option<Result<String, String>>,
    may_edit: bool,
    kinds: Vec<(String, String)>,
    problems: Vec<String>,
}

fn amount_text(d: Decimal) -> String {
    number(d.normalize())
}

fn line_view(k: usize, l: &TargetLine) -> LineView {
    let additive = ntm_app::targets::parse_kind(&l.kind).is_some_and(|(k, _)| k.is_additive());
    let goal = l.kind.starts_with("goal:");
    LineView {
        index: k,
        label: l.label.clone(),
        note: l.note.clone(),
        amount: if goal {
            "đạt".into()
        } else {
            amount_text(l.amount)
        },
        actual: match l.progress.actual {
            None => "—".into(),
            Some(a) if goal => if a > Decimal::ZERO {
                "đã công nhận"
            } else {
                "chưa công nhận"
            }
            .into(),
            Some(a) => amount_text(a),
        },
        status: l.status.label_vi(),
        class: status_class(l.status),
        eligible: l
            .eligible
            .map(|(n, y)| format!("{n} xã đủ điều kiện theo đánh giá năm {y}"))
            .unwrap_or_default(),
        basis: l.basis.clone(),
        recognised: l.recognised.iter().map(counted_line).collect(),
        under_way: l.under_way.iter().map(counted_line).collect(),
        shares: l
            .shares
            .iter()
            .map(|s| ShareView {
                name: s.name.clone(),
                amount: amount_text(s.amount),
                actual: s.actual.map_or("—".into(), amount_text),
                status: s.status.label_vi(),
                class: status_class(s.status),
            })
            .collect(),
        split: l.split.map(SplitCheck::describe_vi).unwrap_or_default(),
        split_ok: matches!(l.split, Some(SplitCheck::Exact)),
        additive,
        candidates: l.kind.starts_with("count:communes:"),
    }
}

/// The kinds the add form offers.
fn kinds() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Counted::ALL
        .iter()
        .map(|c| {
            let k = TargetKind::Count(*c);
            (
                ntm_app::targets::kind_text(&k, CountBy::StandardYear),
                c.label_vi(),
            )
        })
        .collect();
    out.push((
        ntm_app::targets::kind_text(
            &TargetKind::Count(Counted::Districts(Level::Standard)),
            CountBy::DecisionYear,
        ),
        "Số huyện đạt chuẩn nông thôn mới (tính theo năm ký quyết định)".into(),
    ));
    for l in [Level::Standard, Level::Advanced, Level::Model] {
        out.push((
            ntm_app::targets::kind_text(&TargetKind::Goal(l), CountBy::StandardYear),
            format!(
                "Mục tiêu cuối kỳ: đơn vị {}",
                ntm_app::targets::goal_words(l)
            ),
        ));
    }
    out
}

#[derive(Deserialize, Default)]
pub struct PlanQuery {
    /// A past day to see the plan as it stood then.
    #[serde(default)]
    ngay: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

async fn read_plan(
    state: &AppState,
    session: &Session,
    ws: &Workspace,
    id: i64,
) -> WebResult<TargetPlanRecord> {
    let plan = state
        .store
        .get_plan(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .ok_or_else(|| WebError::not_found("không có kế hoạch này"))?;
    let year = ntm_core::target::Period::parse(&plan.period).map_or(0, |p| p.last());
    if !ntm_core::access::can(
        &ws.registry,
        &session.actor.grants,
        ntm_core::access::Action::View,
        &plan.scope_id,
        year,
    ) {
        return Err(WebError::forbidden());
    }
    Ok(plan)
}

/// The plan's count targets as bars of what was recognised, with a line at each target.
pub(crate) fn chart(p: &PlanProgress) -> String {
    let bars: Vec<TargetBar> = p
        .lines
        .iter()
        .filter(|l| l.kind.starts_with("count:") && l.progress.actual.is_some())
        .map(|l| {
            use rust_decimal::prelude::ToPrimitive;
            let actual = l.progress.actual.and_then(|a| a.to_f64()).unwrap_or(0.0);
            TargetBar {
                label: l.label.clone(),
                actual,
                // Beside the decisions in the table, not on the chart: a year's eligible
                // communes are counted in the hundreds and would flatten its targets.
                eligible: None,
                target: l.amount.to_f64().unwrap_or(0.0),
                text: format!(
                    "{} / {}",
                    amount_text(l.progress.actual.unwrap_or_default()),
                    amount_text(l.amount)
                ),
            }
        })
        .collect();
    if bars.is_empty() {
        String::new()
    } else {
        target_bars("Kết quả so với chỉ tiêu (vạch đứt: chỉ tiêu)", &bars)
    }
}

async fn plan_page(
    state: &AppState,
    session: &Session,
    id: i64,
    on: Option<NaiveDate>,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, None).await?;
    let plan = read_plan(state, session, &ws, id).await?;
    let on = on.unwrap_or_else(|| today(state));
    let p = ntm_app::targets::progress(state.store.as_ref(), &ws, &plan, on).await?;
    let year = p.period.first();
    let may_edit = ntm_core::access::can(
        &ws.registry,
        &session.actor.grants,
        ntm_core::access::Action::ManagePlans,
        &plan.scope_id,
        year,
    );
    let page = PlanPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "targets",
        )),
        csrf: session.csrf.clone(),
        id,
        version: plan.version,
        title: plan.title.clone(),
        period: p.period.label_vi(),
        scope: p.scope_name.clone(),
        document: document(&plan),
        note: plan.note.clone(),
        illustrative: plan.illustrative,
        on: date(on),
        on_iso: on.to_string(),
        rule: STATUS_RULE,
        chart: chart(&p),
        map: {
            let base = crate::maps::base(state).await?;
            // Whom the viewer may see on the day the map draws, not in the plan's first year
            // (a plan over the reform is drawn on the tree after it).
            let drawn = chrono::Datelike::year(&on.min(p.period.end()));
            let visible = super::visible(session, &ws.registry, drawn);
            target_map(&base, &ws, &visible, &plan, &p, on)
        },
        lines: p
            .lines
            .iter()
            .enumerate()
            .map(|(k, l)| line_view(k, l))
            .collect(),
        may_edit,
        kinds: kinds(),
        problems: problems.clone(),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

/// The communes of the plan's scope on the map of the tree of the day read (or of the
/// period's end), each by the furthest it has come toward the plan's counts of
/// recognised communes: a decision in the period, a dossier at verification or beyond,
/// one only registered, nothing yet. Only the viewer's communes are drawn and named.
fn target_map(
    base: &ntm_app::maps::MapBase,
    ws: &ntm_app::evaluate::Workspace,
    visible: &std::collections::BTreeSet<ntm_core::UnitId>,
    plan: &TargetPlanRecord,
    p: &ntm_app::targets::PlanProgress,
    on: NaiveDate,
) -> Option<Result<String, String>> {
    let counts: Vec<&TargetLine> = p
        .lines
        .iter()
        .filter(|l| l.kind.starts_with("count:communes:"))
        .collect();
    if counts.is_empty() {
        return None;
    }
    let day = on.min(p.period.end());
    let year = chrono::Datelike::year(&day);
    let tree_date = ws.tree_date(year).min(day);
    let mut stage: std::collections::BTreeMap<ntm_core::UnitId, (usize, String)> = ws
        .registry
        .subtree_on(&plan.scope_id, tree_date)
        .into_iter()
        .filter(|v| v.unit.level == ntm_core::UnitLevel::Commune && visible.contains(v.id()))
        .map(|v| {
            (
                v.id().clone(),
                (0, format!("{} — chưa có hồ sơ trong kỳ", v.name())),
            )
        })
        .collect();
    let mut raise = |unit: &ntm_core::UnitId, n: usize, text: String| {
        if let Some(at) = stage.get_mut(unit)
            && at.0 < n
        {
            *at = (n, text);
        }
    };
    for l in &counts {
        for c in &l.recognised {
            raise(&c.unit, 3, format!("{} — {}: {}", c.name, l.label, c.how));
        }
        for c in &l.under_way {
            let n = if c.considered { 2 } else { 1 };
            raise(&c.unit, n, format!("{} — {}: {}", c.name, l.label, c.how));
        }
    }
    let labels = [
        "Chưa có hồ sơ trong kỳ",
        "Đã đăng ký, chưa trình thẩm tra",
        "Đã trình thẩm tra trở lên (được tính)",
        "Có quyết định công nhận trong kỳ",
    ];
    let mut classes: Vec<crate::maps::Class> = labels
        .iter()
        .map(|l| crate::maps::Class {
            label: (*l).to_owned(),
            units: Vec::new(),
        })
        .collect();
    for (unit, (n, text)) in stage {
        classes[n].units.push((unit, text));
    }
    Some(crate::maps::unit_map(
        base,
        &ws.registry,
        tree_date,
        &format!("chi-tieu-{}", plan.id),
        &format!(
            "Các xã theo chỉ tiêu công nhận, đến ngày {}",
            day.format("%d/%m/%Y")
        ),
        &classes,
    ))
}

/// A unit counted by a target, with the page that shows why: its dossier, or the village
/// for a model residential area.
fn counted_line(c: &ntm_app::targets::Counted1) -> (String, String, String) {
    let link = match c.village {
        Some(v) => format!("/villages/{v}"),
        None => format!("/recognition/{}", c.dossier),
    };
    (link, c.name.clone(), c.how.clone())
}

/// A one-sheet workbook, written off the runtime, as a download.
async fn send_workbook(table: Table, file: &str) -> WebResult<Response> {
    let bytes = crate::state::blocking(move || ntm_reports::workbook(&[table]))
        .await?
        .map_err(|e| crate::error::internal(anyhow::anyhow!("{e}")))?;
    Ok(super::reports::xlsx(bytes, file))
}

/// The plan's results as a workbook table: one row per target, its shares under it.
fn workbook(p: &PlanProgress) -> Table {
    let tone = |s: Status| match s {
        Status::Achieved | Status::OnTrack => Tone::Good,
        Status::Missed => Tone::Bad,
        Status::AtRisk | Status::NoData => Tone::Unknown,
    };
    let mut rows = Vec::new();
    for (k, l) in p.lines.iter().enumerate() {
        rows.push(vec![
            Cell::int(k as i64 + 1),
            Cell::text(l.label.clone()),
            Cell::decimal(l.amount.normalize(), l.amount.normalize().scale()),
            l.progress.actual.map_or(Cell::empty(), |a| {
                Cell::decimal(a.normalize(), a.normalize().scale())
            }),
            Cell::text(l.status.label_vi()).with_tone(tone(l.status)),
            l.eligible
                .map_or(Cell::empty(), |(n, _)| Cell::int(n as i64)),
            Cell::text(
                l.recognised
                    .iter()
                    .map(|c| format!("{} ({})", c.name, c.how))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Cell::text(l.basis.clone()),
        ]);
        for s in &l.shares {
            rows.push(vec![
                Cell::empty(),
                Cell::text(format!("  phân bổ: {}", s.name)),
                Cell::decimal(s.amount, 0),
                s.actual
                    .map_or(Cell::empty(), |a| Cell::decimal(a.normalize(), 0)),
                Cell::text(s.status.label_vi()).with_tone(tone(s.status)),
                Cell::empty(),
                Cell::empty(),
                Cell::text(l.split.map(SplitCheck::describe_vi).unwrap_or_default()),
            ]);
        }
    }
    let mut subtitle = vec![
        format!("Phạm vi: {}; {}", p.scope_name, p.period.label_vi()),
        format!("Văn bản: {}", document(&p.plan)),
        format!("Số liệu đến ngày {}", date(p.on)),
    ];
    if p.plan.illustrative {
        subtitle.push("Minh họa: kế hoạch và các mức của bản demo, không phải văn bản thật".into());
    }
    Table {
        sheet: "Chỉ tiêu".into(),
        title: p.plan.title.clone(),
        subtitle,
        columns: vec![
            Column::new("STT", 5.0),
            Column::new("Chỉ tiêu", 44.0),
            Column::new("Kế hoạch", 10.0),
            Column::new("Thực hiện", 10.0),
            Column::new("Đánh giá", 14.0),
            Column::new("Đủ điều kiện\ntheo đánh giá", 12.0),
            Column::new("Đơn vị đã công nhận", 40.0),
            Column::new("Căn cứ số liệu", 40.0),
        ],
        header_rows: vec![],
        rows,
        totals: vec![],
        notes: vec![format!("Cách đánh giá: {STATUS_RULE}")],
        landscape: true,
        freeze_columns: 2,
    }
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Query(q): Query<PlanQuery>,
) -> WebResult<Response> {
    let on = q.ngay.as_deref().and_then(super::directives::parse_date);
    if q.format.as_deref() == Some("xlsx") {
        let ws = workspace(&state, None).await?;
        let plan = read_plan(&state, &session, &ws, id).await?;
        let p = ntm_app::targets::progress(
            state.store.as_ref(),
            &ws,
            &plan,
            on.unwrap_or_else(|| today(&state)),
        )
        .await?;
        return send_workbook(workbook(&p), &format!("chi-tieu-{id}.xlsx")).await;
    }
    plan_page(&state, &session, id, on, vec![]).await
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    kind: String,
    #[serde(default)]
    indicator: String,
    #[serde(default)]
    comparison: String,
    amount: String,
    #[serde(default)]
    note: String,
}

/// Reads the plan at the version the form was opened on, applies `change`, saves it.
async fn change_plan(
    state: &AppState,
    session: &Session,
    (id, version): (i64, i32),
    reason: &str,
    change: impl FnOnce(&mut TargetPlanRecord) -> Result<(), String>,
) -> WebResult<Response> {
    let ws = workspace(state, None).await?;
    let mut plan = read_plan(state, session, &ws, id).await?;
    if plan.version != version {
        return plan_page(
            state,
            session,
            id,
            None,
            vec!["Kế hoạch đã được người khác lưu sau khi bạn mở; trang đã được tải lại, hãy làm lại.".into()],
        )
        .await;
    }
    if let Err(p) = change(&mut plan) {
        return plan_page(state, session, id, None, vec![p]).await;
    }
    let audit = session.actor.audit(state.now(), reason);
    match ntm_app::targets::save(state.store.as_ref(), &ws, &session.actor, &plan, &audit).await {
        Ok(()) => Ok(Redirect::to(&format!("/targets/{id}")).into_response()),
        Err(ntm_app::AppError::Invalid(p)) => plan_page(state, session, id, None, p).await,
        Err(ntm_app::AppError::Conflict(m)) => plan_page(state, session, id, None, vec![m]).await,
        Err(e) => Err(e.into()),
    }
}

/// A number as typed, by the rule every value entry uses (`Value::parse_number`: a decimal
/// comma or point, and "1.200" refused with both readings rather than guessed).
fn amount_of(text: &str) -> Result<Decimal, String> {
    ntm_core::Value::parse_number(text).map_err(|e| e.to_string())
}

pub async fn add_target(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<TargetForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let kind = if f.kind == "indicator" {
        let cmp = if f.comparison == "<=" { "<=" } else { ">=" };
        format!("indicator:{}:{cmp}", f.indicator.trim())
    } else {
        f.kind.clone()
    };
    change_plan(
        &state,
        &session,
        (id, f.version),
        "thêm chỉ tiêu",
        |plan| {
            let amount = amount_of(&f.amount).map_err(|e| format!("Mức chỉ tiêu: {e}"))?;
            let (k, by) = ntm_app::targets::parse_kind(&kind)
                .ok_or_else(|| format!("Loại chỉ tiêu “{kind}” không hợp lệ"))?;
            plan.targets
                .push(ntm_app::targets::target_record(&k, by, amount, &f.note));
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    csrf: String,
    version: i32,
}

pub async fn remove_target(
    State(state): State<AppState>,
    session: Session,
    Path((id, k)): Path<(i64, usize)>,
    Form(f): Form<VersionForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    change_plan(
        &state,
        &session,
        (id, f.version),
        "bỏ chỉ tiêu",
        |plan| {
            if k >= plan.targets.len() {
                return Err("không có chỉ tiêu này".into());
            }
            plan.targets.remove(k);
            Ok(())
        },
    )
    .await
}

#[derive(Deserialize)]
pub struct ShareForm {
    #[serde(default)]
    csrf: String,
    version: i32,
    unit: String,
    /// Empty removes the unit's share.
    #[serde(default)]
    amount: String,
}

pub async fn set_share(
    State(state): State<AppState>,
    session: Session,
    Path((id, k)): Path<(i64, usize)>,
    Form(f): Form<ShareForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let year = state
        .store
        .get_plan(id)
        .await
        .map_err(ntm_app::AppError::from)?
        .and_then(|p| ntm_core::target::Period::parse(&p.period))
        .map_or(0, |p| p.first());
    let unit = ws
        .registry
        .resolve_in_year(f.unit.trim(), year)
        .map(|u| u.id.clone())
        .map_err(|e| format!("Đơn vị: {e}"));
    change_plan(
        &state,
        &session,
        (id, f.version),
        "phân bổ chỉ tiêu",
        |plan| {
            let unit = unit?;
            let t = plan.targets.get_mut(k).ok_or("không có chỉ tiêu này")?;
            t.shares.retain(|s| s.unit_id != unit);
            if !f.amount.trim().is_empty() {
                let amount = amount_of(&f.amount).map_err(|e| format!("Mức phân bổ: {e}"))?;
                t.shares.push(ntm_app::targets::share(&unit, amount));
            }
            Ok(())
        },
    )
    .await
}

pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<VersionForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let audit = session.actor.audit(state.now(), "xóa kế hoạch chỉ tiêu");
    match ntm_app::targets::delete(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (id, f.version),
        &audit,
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/targets").into_response()),
        Err(ntm_app::AppError::Conflict(m)) => plan_page(&state, &session, id, None, vec![m]).await,
        Err(e) => Err(e.into()),
    }
}

pub struct CandidateView {
    pub rank: usize,
    pub unit: String,
    pub name: String,
    pub level: &'static str,
    pub count: usize,
    pub lacking: String,
    pub dossier: Option<(i64, &'static str)>,
}

#[derive(Template)]
#[template(path = "target_candidates.html")]
struct CandidatesPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: i64,
    k: usize,
    plan: String,
    label: String,
    level: &'static str,
    year: i32,
    dossier_year: i32,
    rule: &'static str,
    rows: Vec<CandidateView>,
    may_register: bool,
    today: String,
    version: i32,
    problems: Vec<String>,
    notice: String,
}

fn candidates_table(
    c: &ntm_app::targets::Candidates,
    plan: &TargetPlanRecord,
    label: &str,
) -> Table {
    let rows = c
        .rows
        .iter()
        .enumerate()
        .map(|(n, r)| {
            vec![
                Cell::int(n as i64 + 1),
                Cell::text(r.name.clone()),
                Cell::text(r.unit.to_string()),
                Cell::text(r.level.label_vi()),
                Cell::int(r.lacking.len() as i64),
                Cell::text(super::reports::lacking_text(&r.lacking)),
                Cell::text(
                    r.dossier
                        .map_or(String::new(), |(_, s)| s.label_vi().to_owned()),
                ),
            ]
        })
        .collect();
    Table {
        sheet: "Xã phấn đấu".into(),
        title: format!("Danh sách xã phấn đấu: {label}"),
        subtitle: vec![
            format!("{} — {}", plan.title, document(plan)),
            format!("Theo đánh giá số liệu đã duyệt năm {}", c.year),
        ],
        columns: vec![
            Column::new("STT", 5.0),
            Column::new("Xã", 24.0),
            Column::new("Mã", 16.0),
            Column::new("Mức theo đánh giá", 14.0),
            Column::new("Số TC\ncòn thiếu", 9.0),
            Column::new("Còn thiếu", 60.0),
            Column::new("Hồ sơ đang xét", 18.0),
        ],
        header_rows: vec![],
        rows,
        totals: vec![],
        notes: vec![ntm_app::targets::CANDIDATES_RULE.into()],
        landscape: true,
        freeze_columns: 2,
    }
}

async fn candidates_page(
    state: &AppState,
    session: &Session,
    (id, k): (i64, usize),
    format: Option<&str>,
    (problems, notice): (Vec<String>, String),
) -> WebResult<Response> {
    let ws = workspace(state, None).await?;
    let plan = read_plan(state, session, &ws, id).await?;
    let on = today(state);
    let Some(c) = ntm_app::targets::candidates(state.store.as_ref(), &ws, &plan, k, on).await?
    else {
        return Err(WebError::not_found("chỉ tiêu này không đếm xã"));
    };
    let (period, specs) = ntm_app::targets::specs_of(&plan)?;
    let label = ntm_app::targets::kind_label(&specs[k].target.kind, None);
    if format == Some("xlsx") {
        return send_workbook(
            candidates_table(&c, &plan, &label),
            &format!("xa-phan-dau-{id}-{k}.xlsx"),
        )
        .await;
    }
    let dossier_year = period
        .last()
        .min(chrono::Datelike::year(&on).max(period.first()));
    let page = CandidatesPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "targets",
        )),
        csrf: session.csrf.clone(),
        id,
        k,
        plan: plan.title.clone(),
        label,
        level: c.level.label_vi(),
        year: c.year,
        dossier_year,
        rule: ntm_app::targets::CANDIDATES_RULE,
        rows: c
            .rows
            .iter()
            .enumerate()
            .map(|(n, r)| CandidateView {
                rank: n + 1,
                unit: r.unit.to_string(),
                name: r.name.clone(),
                level: r.level.label_vi(),
                count: r.lacking.len(),
                lacking: super::reports::lacking_text(&r.lacking),
                dossier: r.dossier.map(|(d, s)| (d, s.label_vi())),
            })
            .collect(),
        may_register: ntm_core::access::can(
            &ws.registry,
            &session.actor.grants,
            ntm_core::access::Action::ManagePlans,
            &plan.scope_id,
            dossier_year,
        ),
        today: on.to_string(),
        version: plan.version,
        problems: problems.clone(),
        notice,
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn candidates(
    State(state): State<AppState>,
    session: Session,
    Path((id, k)): Path<(i64, usize)>,
    Query(q): Query<PlanQuery>,
) -> WebResult<Response> {
    candidates_page(
        &state,
        &session,
        (id, k),
        q.format.as_deref(),
        (vec![], String::new()),
    )
    .await
}

/// The picked communes put on the year's list: a registered dossier each.
pub async fn register(
    State(state): State<AppState>,
    session: Session,
    Path((id, k)): Path<(i64, usize)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    session.check_csrf(&field("csrf"))?;
    let ws = workspace(&state, None).await?;
    let plan = read_plan(&state, &session, &ws, id).await?;
    let (period, _) = ntm_app::targets::specs_of(&plan)?;
    let year = field("year").trim().parse::<i32>().ok();
    let on = super::directives::parse_date(&field("on"));
    let version = field("version").trim().parse::<i32>().unwrap_or(0);
    let units: Vec<UnitId> = fields
        .iter()
        .filter(|(k, _)| k == "unit")
        .filter_map(|(_, v)| UnitId::parse(v))
        .collect();
    let mut problems = Vec::new();
    if year.is_none() {
        problems.push(format!("Năm đạt chuẩn phải trong {}", period.label_vi()));
    }
    if on.is_none() {
        problems.push("Ngày đăng ký: chưa ghi hoặc không phải là ngày".into());
    }
    if units.is_empty() {
        problems.push("Chưa chọn xã nào".into());
    }
    let (Some(year), Some(on)) = (year, on) else {
        return candidates_page(&state, &session, (id, k), None, (problems, String::new())).await;
    };
    if !problems.is_empty() {
        return candidates_page(&state, &session, (id, k), None, (problems, String::new())).await;
    }
    let audit = session.actor.audit(state.now(), "đăng ký phấn đấu");
    match ntm_app::targets::register_candidates(
        state.store.as_ref(),
        &ws,
        &session.actor,
        (id, version, k),
        &units,
        (year, on),
        &audit,
    )
    .await
    {
        Ok(n) => {
            candidates_page(
                &state,
                &session,
                (id, k),
                None,
                (
                    vec![],
                    format!("Đã lập {n} hồ sơ đăng ký phấn đấu năm {year}."),
                ),
            )
            .await
        }
        Err(ntm_app::AppError::Conflict(m)) => {
            candidates_page(&state, &session, (id, k), None, (vec![m], String::new())).await
        }
        Err(ntm_app::AppError::Invalid(p)) => {
            candidates_page(&state, &session, (id, k), None, (p, String::new())).await
        }
        Err(e) => Err(e.into()),
    }
}
