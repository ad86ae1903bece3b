//! Sponsorship (đỡ đầu) and mobilised resources: the list of sponsorships with committed
//! against delivered, a sponsorship's page (commitments, contributions with their evidence,
//! the office's confirmation, the commune's progress), an organisation's page, the view of
//! communes below standard with their sponsors (the Hương Khê view), a unit's sponsors and
//! funds, the funds with their form and workbook import, and the funding report (page,
//! print, .xlsx). Rules and rights are below (`ntm_app::resources`).

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use ntm_app::evaluate::Basis;
use ntm_app::resources::{
    self as app, Names, SponsorFilter, SponsorLine, Standing, Tree, TypedLine,
};
use ntm_core::resources::{
    self, Commitment, CommitmentKind, Contribution, FundLine, Ledger, Source, Sponsorship,
};
use ntm_core::{Decimal, UnitId, UnitRegistry};
use ntm_store::resources::ResourceBook;
use serde::Deserialize;

use super::{Chrome, download, render, workspace, workspace_on};
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
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default()
}

fn money(d: Decimal) -> String {
    ntm_core::text::vi_number(d.round_dp(0))
}

/// Reports and big tables speak in millions, as the province's reports do.
fn millions(d: Decimal) -> String {
    ntm_core::text::vi_number((d / Decimal::from(1_000_000)).round_dp(1))
}

fn pct(d: Option<Decimal>) -> String {
    d.map(|x| {
        format!(
            "{}%",
            ntm_core::text::vi_number((x * Decimal::ONE_HUNDRED).round_dp(1))
        )
    })
    .unwrap_or_else(|| "—".into())
}

async fn book(state: &AppState) -> WebResult<ResourceBook> {
    Ok(state
        .store
        .resource_book()
        .await
        .map_err(ntm_app::AppError::from)?)
}

async fn names(state: &AppState) -> WebResult<Names> {
    Ok(Names::load(state.store.as_ref()).await?)
}

async fn standing(
    state: &AppState,
    session: &Session,
    registry: &UnitRegistry,
) -> WebResult<Standing> {
    Ok(app::standing(state.store.as_ref(), registry, &session.actor, today(state)).await?)
}

fn chrome(state: &AppState, session: &Session, registry: &UnitRegistry) -> Option<Chrome> {
    Some(Chrome::new(
        session,
        registry,
        state.config.default_year,
        "resources",
    ))
}

fn money_opt(text: &str, what: &str, problems: &mut Vec<String>) -> Option<Decimal> {
    if text.trim().is_empty() {
        return None;
    }
    match ntm_core::Value::parse_number_as(text, ntm_core::value::Convention::Vietnamese) {
        Ok(d) => Some(d),
        Err(_) => {
            problems.push(format!("{what}: “{text}” không phải một số"));
            None
        }
    }
}

fn day_opt(text: &str, what: &str, problems: &mut Vec<String>) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        return None;
    }
    let d = ntm_core::text::parse_date(text);
    if d.is_none() {
        problems.push(format!("{what}: “{text}” không phải một ngày (dd/mm/yyyy)"));
    }
    d
}

/// A ledger as shown.
pub struct LedgerView {
    pub committed: String,
    pub confirmed: String,
    pub pending: String,
    pub refused: String,
    pub gap: String,
    pub over: String,
    pub done: String,
    pub labour: String,
}

fn ledger_view(l: &Ledger) -> LedgerView {
    LedgerView {
        committed: money(l.committed),
        confirmed: money(l.confirmed),
        pending: money(l.pending),
        refused: money(l.refused),
        gap: money(l.gap()),
        over: if l.over() > Decimal::ZERO {
            money(l.over())
        } else {
            String::new()
        },
        done: pct(l.done()),
        labour: if l.labour_committed > Decimal::ZERO {
            format!(
                "{} / {} ngày công (còn thiếu {})",
                ntm_core::text::vi_number(l.labour_confirmed),
                ntm_core::text::vi_number(l.labour_committed),
                ntm_core::text::vi_number(l.labour_gap())
            )
        } else {
            String::new()
        },
    }
}

/// A sponsorship as a row.
pub struct Row {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub unit: String,
    pub district: String,
    pub now: String,
    pub village: String,
    pub period: String,
    pub document: String,
    pub goal: String,
    pub ledger: LedgerView,
    pub pending: usize,
    pub illustrative: bool,
}

fn row(l: &SponsorLine) -> Row {
    let s = &l.sponsorship;
    Row {
        id: s.id,
        organisation_id: s.organisation,
        organisation: l.organisation.clone(),
        unit: l.unit_name.clone(),
        district: l.district.clone(),
        now: l.now.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
        village: l.village.clone().unwrap_or_default(),
        period: resources::period_vi(s),
        document: s.document.clone(),
        goal: s.goal.clone(),
        ledger: ledger_view(&l.ledger),
        pending: l.pending,
        illustrative: s.illustrative,
    }
}

// ---------------------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "sponsors.html")]
pub struct ListPage {
    pub chrome: Option<Chrome>,
    pub title: String,
    pub rows: Vec<Row>,
    pub total: LedgerView,
    pub year: String,
    pub organisation: String,
    pub pending_only: bool,
    /// Those of the sponsorships the viewer reads (the filter).
    pub organisations: Vec<(i64, String)>,
    /// Every organisation, for the office's form.
    pub all_organisations: Vec<(i64, String)>,
    pub manage: bool,
    pub delivery_rule: &'static str,
    pub illustrative: bool,
    pub today: String,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    cho: String,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    q: &ListQuery,
    only: Option<i64>,
) -> WebResult<ListPage> {
    let ws = workspace(state, Some(0)).await?;
    let registry = &ws.registry;
    let st = standing(state, session, registry).await?;
    let b = book(state).await?;
    let n = names(state).await?;
    let organisation = only.or_else(|| q.organisation.trim().parse().ok());
    let filter = SponsorFilter {
        organisation,
        unit: None,
        year: q.year.trim().parse().ok(),
        pending_only: q.cho == "1",
    };
    let lines = app::sponsor_lines(&b, &n, registry, &session.actor, &st, &filter, today(state));
    let title = match only {
        Some(id) => {
            let name = n
                .organisations
                .get(&id)
                .cloned()
                .ok_or_else(|| ntm_app::AppError::NotFound(format!("không có tổ chức {id}")))?;
            format!("Đỡ đầu của {name}")
        }
        None => "Đỡ đầu xã, thôn".into(),
    };
    Ok(ListPage {
        chrome: chrome(state, session, registry),
        title,
        total: ledger_view(&app::total(&lines)),
        illustrative: lines.iter().any(|l| l.sponsorship.illustrative),
        rows: lines.iter().map(row).collect(),
        year: q.year.clone(),
        organisation: organisation.map(|o| o.to_string()).unwrap_or_default(),
        pending_only: q.cho == "1",
        organisations: {
            let shown: std::collections::BTreeSet<i64> = app::sponsor_lines(
                &b,
                &n,
                registry,
                &session.actor,
                &st,
                &SponsorFilter::default(),
                today(state),
            )
            .iter()
            .map(|l| l.sponsorship.organisation)
            .collect();
            n.organisations
                .iter()
                .filter(|(id, _)| shown.contains(id))
                .map(|(id, name)| (*id, name.clone()))
                .collect()
        },
        all_organisations: if st.manage {
            n.organisations.into_iter().collect()
        } else {
            vec![]
        },
        manage: st.manage,
        delivery_rule: resources::DELIVERY_RULE,
        today: date(today(state)),
    })
}

pub async fn list(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    render(&list_page(&state, &session, &q, None).await?)
}

pub async fn organisation(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    render(&list_page(&state, &session, &ListQuery::default(), Some(id)).await?)
}

/// Creates a sponsorship from the list page's form.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let mut problems = Vec::new();
    let from = day_opt(&field(&fields, "from"), "Từ ngày", &mut problems);
    if from.is_none() && problems.is_empty() {
        problems.push("Cần ngày bắt đầu đỡ đầu.".into());
    }
    let until = day_opt(&field(&fields, "until"), "Đến ngày", &mut problems);
    let document_date = day_opt(
        &field(&fields, "document_date"),
        "Ngày văn bản",
        &mut problems,
    );
    let organisation: Option<i64> = field(&fields, "organisation").parse().ok();
    if organisation.is_none() {
        problems.push("Cần chọn tổ chức đỡ đầu.".into());
    }
    let unit =
        from.and_then(
            |f| match registry.resolve_in_year(&field(&fields, "unit"), f.year()) {
                Ok(u) => Some(u.id.clone()),
                Err(e) => {
                    problems.push(format!("Xã được đỡ đầu: {e}"));
                    None
                }
            },
        );
    let (Some(from), Some(organisation), Some(unit), true) =
        (from, organisation, unit, problems.is_empty())
    else {
        return Err(ntm_app::AppError::Invalid(problems).into());
    };
    let village = app::village_by_code(
        state.store.as_ref(),
        registry,
        &unit,
        from,
        &field(&fields, "village"),
    )
    .await?;
    let id = app::save_sponsorship(
        state.store.as_ref(),
        registry,
        &session.actor,
        &Sponsorship {
            id: 0,
            organisation,
            unit,
            village,
            from,
            until,
            document: field(&fields, "document"),
            document_date,
            goal: field(&fields, "goal"),
            note: field(&fields, "note"),
            illustrative: false,
        },
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/sponsors/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------
// A sponsorship
// ---------------------------------------------------------------------------------------

pub struct ContributionView {
    pub id: i64,
    pub on: String,
    pub value: String,
    pub quantity: String,
    pub evidence: String,
    pub file: String,
    pub state: &'static str,
    pub state_class: &'static str,
    pub recorded: String,
    pub decided: String,
    pub pending: bool,
}

pub struct CommitmentView {
    pub id: i64,
    pub kind: &'static str,
    pub description: String,
    pub criterion: String,
    pub quantity: String,
    pub value: String,
    pub due: String,
    pub ledger: LedgerView,
    pub contributions: Vec<ContributionView>,
}

pub struct ProgressView {
    pub year: i32,
    pub unit: String,
    pub level: String,
    pub met: String,
}

#[derive(Template)]
#[template(path = "sponsorship.html")]
pub struct DetailPage {
    pub chrome: Option<Chrome>,
    pub r: Row,
    pub commitments: Vec<CommitmentView>,
    pub progress: Vec<ProgressView>,
    pub may_contribute: bool,
    pub manage: bool,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub delivery_rule: &'static str,
    pub note: String,
    pub until: String,
    pub document_date: String,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace_on(&state, None, Basis::Current).await?;
    let st = standing(&state, &session, &ws.registry).await?;
    let b = book(&state).await?;
    let n = names(&state).await?;
    let d = app::detail(&ws, &b, &n, &session.actor, &st, id, today(&state))?;
    let commitments = d
        .commitments
        .iter()
        .map(|c| {
            let k = &c.commitment;
            CommitmentView {
                id: k.id,
                kind: k.kind.label_vi(),
                description: k.description.clone(),
                criterion: if k.criterion.is_empty() {
                    String::new()
                } else if c.criterion_name.is_empty() {
                    format!("Tiêu chí {}", k.criterion)
                } else {
                    format!("Tiêu chí {} — {}", k.criterion, c.criterion_name)
                },
                quantity: k
                    .quantity
                    .map(|q| {
                        format!(
                            "{} {}",
                            ntm_core::text::vi_number(q),
                            k.kind.quantity_label().unwrap_or("")
                        )
                    })
                    .unwrap_or_default(),
                value: money(k.value),
                due: k.due.map(date).unwrap_or_default(),
                ledger: ledger_view(&c.ledger),
                contributions: c
                    .contributions
                    .iter()
                    .map(|x| {
                        let st = x.state();
                        ContributionView {
                            id: x.id,
                            on: date(x.on),
                            value: money(x.value),
                            quantity: x
                                .quantity
                                .map(ntm_core::text::vi_number)
                                .unwrap_or_default(),
                            evidence: x.evidence.clone(),
                            file: x.file_name.clone().unwrap_or_default(),
                            state: st.label_vi(),
                            state_class: match st {
                                resources::ContributionState::Confirmed => "met",
                                resources::ContributionState::Pending => "atrisk",
                                resources::ContributionState::Refused => "unmet",
                            },
                            recorded: format!(
                                "{} ({})",
                                x.recorded_by,
                                crate::format::datetime(x.recorded_at)
                            ),
                            decided: x
                                .decision
                                .as_ref()
                                .map(|d| {
                                    let mut t =
                                        format!("{} ({})", d.by, crate::format::datetime(d.at));
                                    if !d.reason.is_empty() {
                                        t.push_str(&format!(": {}", d.reason));
                                    }
                                    t
                                })
                                .unwrap_or_default(),
                            pending: x.decision.is_none(),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let progress = d
        .progress
        .iter()
        .map(|h| ProgressView {
            year: h.year,
            unit: h.name.clone(),
            level: h.level.label_vi().to_string(),
            met: format!("{}/{}", h.met, h.total),
        })
        .collect();
    render(&DetailPage {
        chrome: chrome(&state, &session, &ws.registry),
        r: row(&d.line),
        commitments,
        progress,
        may_contribute: d.may_contribute,
        manage: d.may_manage,
        kinds: CommitmentKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_vi()))
            .collect(),
        delivery_rule: resources::DELIVERY_RULE,
        note: d.line.sponsorship.note.clone(),
        until: d.line.sponsorship.until.map(date).unwrap_or_default(),
        document_date: d
            .line
            .sponsorship
            .document_date
            .map(date)
            .unwrap_or_default(),
    })
}

/// Corrects a sponsorship: its end, assignment, goal and note (the organisation and the
/// commune stay: a new assignment is a new sponsorship).
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let b = book(&state).await?;
    let stored = b
        .sponsorship(id)
        .ok_or_else(|| ntm_app::AppError::NotFound(format!("không có đỡ đầu {id}")))?;
    let mut problems = Vec::new();
    let until = day_opt(&field(&fields, "until"), "Đến ngày", &mut problems);
    let document_date = day_opt(
        &field(&fields, "document_date"),
        "Ngày văn bản",
        &mut problems,
    );
    if !problems.is_empty() {
        return Err(ntm_app::AppError::Invalid(problems).into());
    }
    app::save_sponsorship(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &Sponsorship {
            until,
            document: field(&fields, "document"),
            document_date,
            goal: field(&fields, "goal"),
            note: field(&fields, "note"),
            ..stored.clone()
        },
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/sponsors/{id}")).into_response())
}

pub async fn add_commitment(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let mut problems = Vec::new();
    let kind = CommitmentKind::parse(&field(&fields, "kind"));
    if kind.is_none() {
        problems.push("Cần chọn loại cam kết.".into());
    }
    let value = money_opt(&field(&fields, "value"), "Giá trị", &mut problems).unwrap_or_default();
    let quantity = money_opt(&field(&fields, "quantity"), "Số lượng", &mut problems);
    let due = day_opt(&field(&fields, "due"), "Hạn", &mut problems);
    let Some(kind) = kind.filter(|_| problems.is_empty()) else {
        return Err(ntm_app::AppError::Invalid(problems).into());
    };
    let b = book(&state).await?;
    app::save_commitment(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &b,
        &Commitment {
            id: 0,
            sponsorship: id,
            kind,
            description: field(&fields, "description"),
            criterion: field(&fields, "criterion"),
            quantity,
            value,
            due,
            illustrative: false,
        },
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/sponsors/{id}")).into_response())
}

pub async fn add_contribution(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let st = standing(&state, &session, &ws.registry).await?;
    let b = book(&state).await?;
    let mut problems = Vec::new();
    let commitment: Option<i64> = form.get("commitment").trim().parse().ok();
    let belongs = commitment
        .and_then(|c| b.commitment(c))
        .is_some_and(|c| c.sponsorship == id);
    if !belongs {
        problems.push("Cần chọn một cam kết của đỡ đầu này.".into());
    }
    let on = day_opt(form.get("on"), "Ngày", &mut problems);
    if on.is_none() && problems.is_empty() {
        problems.push("Cần ngày đóng góp.".into());
    }
    let value = money_opt(form.get("value"), "Giá trị", &mut problems).unwrap_or_default();
    let quantity = money_opt(form.get("quantity"), "Số lượng", &mut problems);
    let (Some(commitment), Some(on), true) = (commitment, on, problems.is_empty()) else {
        return Err(ntm_app::AppError::Invalid(problems).into());
    };
    app::record_contribution(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &st,
        &b,
        &Contribution {
            id: 0,
            commitment,
            on,
            value,
            quantity,
            evidence: form.get("evidence").trim().to_owned(),
            file_name: None,
            recorded_by: String::new(),
            recorded_at: state.now(),
            decision: None,
            illustrative: false,
        },
        form.file("file"),
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/sponsors/{id}")).into_response())
}

pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let b = book(&state).await?;
    let sponsorship = b
        .contribution(id)
        .and_then(|k| b.sponsorship_of(k))
        .map(|s| s.id)
        .ok_or_else(|| ntm_app::AppError::NotFound(format!("không có khoản đóng góp {id}")))?;
    app::decide(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &b,
        id,
        field(&fields, "confirmed") == "1",
        &field(&fields, "reason"),
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/sponsors/{sponsorship}")).into_response())
}

pub async fn evidence(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let st = standing(&state, &session, &ws.registry).await?;
    let b = book(&state).await?;
    let f = app::evidence(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &st,
        &b,
        id,
    )
    .await?;
    Ok(download(f.bytes, &f.name, None))
}

// ---------------------------------------------------------------------------------------
// Communes below standard with their sponsors
// ---------------------------------------------------------------------------------------

pub struct LaggingView {
    pub unit: String,
    pub district: String,
    pub met: String,
    pub lacking: Vec<String>,
    pub sponsors: Vec<(i64, String, String)>,
    pub ledger: LedgerView,
    pub latest: String,
}

#[derive(Template)]
#[template(path = "sponsors_lagging.html")]
pub struct LaggingPage {
    pub chrome: Option<Chrome>,
    pub year: i32,
    pub years: Vec<i32>,
    pub scope: String,
    pub scopes: Vec<(String, String)>,
    pub scope_name: String,
    pub rows: Vec<LaggingView>,
    pub total: LedgerView,
    pub delivery_rule: &'static str,
    pub today: String,
    pub unsponsored: usize,
    pub illustrative: bool,
    /// Whether the viewer sees every sponsorship (else "no sponsor" means none they see).
    pub manage: bool,
}

#[derive(Deserialize, Default)]
pub struct LaggingQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    unit: String,
}

pub async fn lagging(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<LaggingQuery>,
) -> WebResult<Response> {
    let ws = workspace_on(&state, None, Basis::Current).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let year: i32 = q.year.trim().parse().unwrap_or(state.config.default_year);
    let mut years: Vec<i32> = ws.values.keys().map(|(_, y)| *y).collect();
    years.sort_unstable();
    years.dedup();
    years.reverse();
    if !years.contains(&year) {
        return Err(WebError::new(
            Kind::NotFound,
            format!("Năm {year} chưa có số liệu của xã nào."),
        ));
    }
    let tree = ws.tree_date(year);
    let mut scopes: Vec<(String, String)> = vec![(String::new(), "Toàn tỉnh".into())];
    for v in registry.as_of(tree) {
        if v.unit.level == ntm_core::UnitLevel::District {
            scopes.push((v.id().to_string(), v.name().to_owned()));
        }
    }
    let scope =
        UnitId::parse(q.unit.trim()).filter(|u| scopes.iter().any(|(s, _)| s == u.as_str()));
    let scope_name = scope
        .as_ref()
        .map(|u| app::unit_name(registry, u, tree))
        .unwrap_or_else(|| "Toàn tỉnh".into());
    let st = standing(&state, &session, registry).await?;
    let b = book(&state).await?;
    let n = names(&state).await?;
    let rows = app::lagging(&ws, &b, &n, &session.actor, &st, year, scope.as_ref(), day)?;
    let mut total = Ledger::default();
    for r in &rows {
        total.add(&r.ledger);
    }
    let page = LaggingPage {
        chrome: chrome(&state, &session, registry),
        year,
        years,
        scope: scope.map(|s| s.to_string()).unwrap_or_default(),
        scopes,
        scope_name,
        unsponsored: rows.iter().filter(|r| r.sponsors.is_empty()).count(),
        manage: st.manage,
        illustrative: rows
            .iter()
            .any(|r| r.sponsors.iter().any(|s| s.sponsorship.illustrative)),
        rows: rows
            .iter()
            .map(|r| LaggingView {
                unit: r.name.clone(),
                district: r.district.clone(),
                met: format!("{}/{}", r.met, r.total),
                lacking: r
                    .lacking
                    .iter()
                    .map(|l| format!("{}. {}", l.criterion, l.name))
                    .collect(),
                sponsors: r
                    .sponsors
                    .iter()
                    .map(|s| {
                        (
                            s.sponsorship.id,
                            s.organisation.clone(),
                            format!(
                                "cam kết {} · đã xác nhận {} · còn thiếu {}",
                                money(s.ledger.committed),
                                money(s.ledger.confirmed),
                                money(s.ledger.gap())
                            ),
                        )
                    })
                    .collect(),
                ledger: ledger_view(&r.ledger),
                latest: r
                    .latest
                    .as_ref()
                    .map(|h| {
                        format!(
                            "{}: {} ({}/{} tiêu chí){}",
                            h.year,
                            h.level.label_vi(),
                            h.met,
                            h.total,
                            if h.name != r.name {
                                format!(", {}", h.name)
                            } else {
                                String::new()
                            }
                        )
                    })
                    .unwrap_or_else(|| "chưa có đánh giá sau năm này".into()),
            })
            .collect(),
        total: ledger_view(&total),
        delivery_rule: resources::DELIVERY_RULE,
        today: date(day),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------
// Funds
// ---------------------------------------------------------------------------------------

pub struct FundView {
    pub id: i64,
    pub unit: String,
    pub year: i32,
    pub source: &'static str,
    pub purpose: String,
    pub planned: String,
    pub actual: String,
    pub document: String,
    pub may_delete: bool,
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "funds.html")]
pub struct FundsPage {
    pub chrome: Option<Chrome>,
    pub rows: Vec<FundView>,
    pub shown: usize,
    pub count: usize,
    pub planned: String,
    pub actual: String,
    pub year: String,
    pub unit: String,
    pub years: Vec<i32>,
    pub sources: Vec<(&'static str, &'static str)>,
    pub may_enter: bool,
    pub errors: Vec<String>,
    pub preview: Vec<(String, String, String)>,
    pub unchanged: usize,
    pub token: String,
    pub file: String,
    pub done: String,
    pub illustrative: bool,
}

#[derive(Deserialize, Default)]
pub struct FundsQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    format: String,
}

const SHOWN: usize = 300;

async fn funds_page(state: &AppState, session: &Session, q: &FundsQuery) -> WebResult<FundsPage> {
    let ws = workspace(state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(state);
    let b = book(state).await?;
    let year: Option<i32> = q.year.trim().parse().ok();
    let visible = app::visible_funds(registry, &session.actor, &b);
    let mut years: Vec<i32> = visible.iter().map(|l| l.year).collect();
    years.sort_unstable();
    years.dedup();
    years.reverse();
    let unit_key = ntm_core::text::search_key(q.unit.trim());
    let chosen: Vec<&FundLine> = visible
        .into_iter()
        .filter(|l| year.is_none_or(|y| l.year == y))
        .filter(|l| {
            unit_key.is_empty()
                || l.unit.code() == q.unit.trim()
                || l.unit.as_str() == q.unit.trim()
                || ntm_core::text::search_key(&app::unit_name(registry, &l.unit, day))
                    .contains(&unit_key)
        })
        .collect();
    let planned: Decimal = chosen.iter().map(|l| l.planned).sum();
    let actual: Decimal = chosen.iter().map(|l| l.actual).sum();
    let end = |y: i32| NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(day);
    let may_enter = app::may_manage(registry, &session.actor, day)
        || ntm_core::access::holds(&session.actor.grants, ntm_core::access::Action::EnterValues);
    Ok(FundsPage {
        chrome: chrome(state, session, registry),
        count: chosen.len(),
        shown: chosen.len().min(SHOWN),
        illustrative: chosen.iter().any(|l| l.illustrative),
        rows: chosen
            .iter()
            .rev()
            .take(SHOWN)
            .map(|l| FundView {
                id: l.id,
                unit: app::unit_name(registry, &l.unit, end(l.year)),
                year: l.year,
                source: l.source.label_vi(),
                purpose: [
                    if l.criterion.is_empty() {
                        String::new()
                    } else {
                        format!("TC {}", l.criterion)
                    },
                    l.work.clone(),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
                planned: money(l.planned),
                actual: money(l.actual),
                document: l.document.clone(),
                may_delete: app::may_enter(registry, &session.actor, &l.unit, l.year, day),
                illustrative: l.illustrative,
            })
            .collect(),
        planned: money(planned),
        actual: money(actual),
        year: q.year.clone(),
        unit: q.unit.clone(),
        years,
        sources: Source::ALL
            .iter()
            .map(|s| (s.as_str(), s.label_vi()))
            .collect(),
        may_enter,
        errors: vec![],
        preview: vec![],
        unchanged: 0,
        token: String::new(),
        file: String::new(),
        done: String::new(),
    })
}

pub async fn funds(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<FundsQuery>,
) -> WebResult<Response> {
    if q.format == "xlsx" || q.format == "template" {
        let ws = workspace(&state, Some(0)).await?;
        let b = book(&state).await?;
        let year: Option<i32> = q.year.trim().parse().ok();
        let lines: Vec<&FundLine> = if q.format == "template" {
            vec![]
        } else {
            app::visible_funds(&ws.registry, &session.actor, &b)
                .into_iter()
                .filter(|l| year.is_none_or(|y| l.year == y))
                .collect()
        };
        let registry = ws.registry.clone();
        let lines: Vec<FundLine> = lines.into_iter().cloned().collect();
        let bytes = crate::state::blocking(move || {
            app::funds_workbook(&registry, &lines.iter().collect::<Vec<_>>())
        })
        .await??;
        let name = if q.format == "template" {
            "mau-nguon-luc.xlsx".to_owned()
        } else {
            format!(
                "nguon-luc{}.xlsx",
                year.map(|y| format!("-{y}")).unwrap_or_default()
            )
        };
        return Ok(download(bytes, &name, None));
    }
    render(&funds_page(&state, &session, &q).await?)
}

/// One line from the form: written through the same path as an import.
pub async fn add_fund(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let t = TypedLine {
        unit: field(&fields, "unit"),
        year: field(&fields, "year"),
        source: field(&fields, "source"),
        criterion: field(&fields, "criterion"),
        work: field(&fields, "work"),
        planned: field(&fields, "planned"),
        actual: field(&fields, "actual"),
        document: field(&fields, "document"),
        note: field(&fields, "note"),
    };
    let line =
        app::read_line(&ws.registry, &ws.catalogue, &t, "").map_err(ntm_app::AppError::Invalid)?;
    let (new, changed, _) = app::import_funds(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        std::slice::from_ref(&line),
        (today(&state), state.now()),
        "ghi khoản huy động nguồn lực",
    )
    .await?;
    let mut view = funds_page(
        &state,
        &session,
        &FundsQuery {
            year: line.year.to_string(),
            ..FundsQuery::default()
        },
    )
    .await?;
    view.done = match (new, changed) {
        (1, _) => "Đã ghi khoản mới.".into(),
        (_, 1) => "Đã cập nhật khoản đã có (cùng đơn vị, năm, nguồn, tiêu chí và nội dung).".into(),
        _ => "Khoản này đã có, không có gì thay đổi.".into(),
    };
    render(&view)
}

pub async fn delete_fund(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    app::delete_fund_line(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to("/funds").into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let mut view = funds_page(&state, &session, &FundsQuery::default()).await?;
    if !view.may_enter {
        return Err(WebError::forbidden());
    }
    let (name, bytes) = form
        .file("file")
        .map(|f| (f.name, f.bytes))
        .unwrap_or_default();
    view.file = name.clone();
    if bytes.is_empty() {
        view.errors = vec!["Chưa chọn tệp, hoặc tệp rỗng.".into()];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
    }
    let ws = workspace(&state, Some(0)).await?;
    let (registry, catalogue) = (ws.registry.clone(), ws.catalogue.clone());
    let read = crate::state::blocking(move || app::funds_of(&bytes, &registry, &catalogue)).await?;
    let lines = match read {
        Ok(l) => l,
        Err(p) => {
            view.errors = p;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
        }
    };
    let b = book(&state).await?;
    let day = today(&state);
    let plan = match app::funds_preview(&ws.registry, &session.actor, &lines, &b, day) {
        Ok(p) => p,
        Err(ntm_app::AppError::Invalid(p)) => {
            view.errors = p;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let registry = &ws.registry;
    let describe = |l: &FundLine| {
        let end = NaiveDate::from_ymd_opt(l.year, 12, 31).unwrap_or(day);
        format!(
            "{} — năm {}: {}{} — kế hoạch {}, thực hiện {}",
            app::unit_name(registry, &l.unit, end),
            l.year,
            l.source.label_vi(),
            if l.work.is_empty() {
                String::new()
            } else {
                format!(" ({})", l.work)
            },
            money(l.planned),
            money(l.actual)
        )
    };
    view.preview = plan
        .new
        .iter()
        .map(|l| ("mới".to_owned(), String::new(), describe(l)))
        .chain(
            plan.changed
                .iter()
                .map(|(a, n)| ("sửa".to_owned(), describe(a), describe(n))),
        )
        .take(300)
        .collect();
    view.unchanged = plan.unchanged;
    if !plan.new.is_empty() || !plan.changed.is_empty() {
        view.token = state.hold_import(PendingImport {
            user_id: session.actor.user_id,
            file: name,
            preview: Held::Funds(lines),
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

pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let now = state.now();
    let (file, lines) = state.take_held(&f.token, session.actor.user_id, now, |h| match h {
        Held::Funds(lines) => Ok(lines),
        other => Err(Box::new(other)),
    })?;
    let ws = workspace(&state, Some(0)).await?;
    let (new, changed, unchanged) = app::import_funds(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &lines,
        (today(&state), now),
        &format!("nhập nguồn lực huy động từ tệp {}", file),
    )
    .await?;
    let mut view = funds_page(&state, &session, &FundsQuery::default()).await?;
    view.file = file;
    view.done =
        format!("Đã ghi: {new} khoản mới, {changed} khoản thay đổi ({unchanged} không đổi).");
    render(&view)
}

// ---------------------------------------------------------------------------------------
// The funding report
// ---------------------------------------------------------------------------------------

pub struct ReportLine {
    pub label: String,
    pub indent: bool,
    pub cells: Vec<(String, String)>,
    pub planned: String,
    pub actual: String,
    pub done: String,
    pub share: String,
}

pub struct UnitReportLine {
    pub name: String,
    pub parent: String,
    pub group: String,
    pub planned: String,
    pub actual: String,
    pub done: String,
    pub inherited: bool,
}

#[derive(Template)]
#[template(path = "funds_report.html")]
pub struct ReportPage {
    pub chrome: Option<Chrome>,
    pub from: i32,
    pub to: i32,
    pub tree: String,
    pub tree_label: String,
    pub years: Vec<i32>,
    pub changes: Vec<String>,
    pub by_source: Vec<ReportLine>,
    pub by_purpose: Vec<ReportLine>,
    pub by_commune_group: Vec<ReportLine>,
    pub total: ReportLine,
    pub units: Vec<UnitReportLine>,
    pub lines: usize,
    pub inherited: usize,
    pub divided: usize,
    pub split_rule: &'static str,
    pub illustrative: bool,
    pub today: String,
    pub query: String,
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    tree: String,
    #[serde(default)]
    format: String,
}

fn report_line(r: &app::FundingReport, row: &app::Row, indent: bool) -> ReportLine {
    ReportLine {
        label: row.label.clone(),
        indent,
        cells: r
            .years
            .iter()
            .map(|y| {
                let s = row.by_year.get(y).copied().unwrap_or_default();
                (millions(s.planned), millions(s.actual))
            })
            .collect(),
        planned: millions(row.total.planned),
        actual: millions(row.total.actual),
        done: pct(row.total.done()),
        share: pct(r.share(row.total.actual)),
    }
}

pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let day = today(&state);
    let from: i32 = q.from.trim().parse().unwrap_or(2021);
    let to: i32 = q.to.trim().parse().unwrap_or(day.year());
    if !(2010..=2100).contains(&from) || !(from..=from + 20).contains(&to) {
        return Err(ntm_app::AppError::Invalid(vec![
            "Giai đoạn không hợp lệ: từ năm phải trước đến năm, không quá 20 năm.".into(),
        ])
        .into());
    }
    let tree = if q.tree == "recorded" {
        Tree::Recorded
    } else {
        Tree::On(day)
    };
    let b = book(&state).await?;
    let r = app::funding(
        &ws.catalogue,
        &ws.registry,
        &session.actor,
        &b,
        (from, to),
        tree,
    );
    if q.format == "xlsx" {
        let bytes = crate::state::blocking(move || app::funding_workbook(&r, day)).await??;
        return Ok(download(
            bytes,
            &format!("nguon-luc-{from}-{to}.xlsx"),
            None,
        ));
    }
    let mut by_source = Vec::new();
    for g in resources::SourceGroup::ALL {
        if let Some((_, gr)) = r.by_group.iter().find(|(x, _)| *x == g) {
            by_source.push(report_line(&r, gr, false));
            let members: Vec<_> = r.by_source.iter().filter(|(s, _)| s.group() == g).collect();
            if members.len() > 1 {
                for (_, row) in members {
                    by_source.push(report_line(&r, row, true));
                }
            }
        }
    }
    let page = ReportPage {
        chrome: chrome(&state, &session, &ws.registry),
        from,
        to,
        tree: if matches!(tree, Tree::Recorded) {
            "recorded".into()
        } else {
            String::new()
        },
        tree_label: tree.label_vi(),
        years: r.years.clone(),
        changes: r
            .years
            .iter()
            .map(|y| {
                r.change(*y)
                    .map(|c| {
                        format!(
                            "{}{}",
                            if c >= Decimal::ZERO { "+" } else { "" },
                            pct(Some(c))
                        )
                    })
                    .unwrap_or_else(|| "—".into())
            })
            .collect(),
        by_source,
        by_purpose: r
            .by_purpose
            .iter()
            .map(|x| report_line(&r, x, false))
            .collect(),
        by_commune_group: r
            .by_commune_group
            .iter()
            .map(|x| report_line(&r, x, false))
            .collect(),
        total: report_line(&r, &r.total, false),
        units: r
            .units
            .iter()
            .map(|u| UnitReportLine {
                name: u.row.label.clone(),
                parent: u.parent.clone(),
                group: u.group.clone(),
                planned: millions(u.row.total.planned),
                actual: millions(u.row.total.actual),
                done: pct(u.row.total.done()),
                inherited: u.inherited,
            })
            .collect(),
        lines: r.lines,
        inherited: r.inherited,
        divided: r.divided,
        split_rule: resources::SPLIT_RULE,
        illustrative: r.illustrative,
        today: date(day),
        query: format!(
            "from={from}&to={to}{}",
            if matches!(tree, Tree::Recorded) {
                "&tree=recorded"
            } else {
                ""
            }
        ),
    };
    render(&page)
}

// ---------------------------------------------------------------------------------------
// A unit's sponsors and funds
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "unit_resources.html")]
pub struct UnitPage {
    pub chrome: Option<Chrome>,
    pub id: String,
    pub name: String,
    pub rows: Vec<Row>,
    pub years: Vec<(i32, String, String, String)>,
    pub groups: Vec<(&'static str, String)>,
    pub inherited: bool,
    pub tree_label: String,
    pub illustrative: bool,
}

pub async fn unit(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let unit = UnitId::parse(&id)
        .filter(|u| registry.get(u).is_some())
        .ok_or_else(|| ntm_app::AppError::NotFound(format!("không có đơn vị {id}")))?;
    if !ntm_core::access::can_view_ever(registry, &session.actor.grants, &unit) {
        return Err(WebError::forbidden());
    }
    let st = standing(&state, &session, registry).await?;
    let b = book(&state).await?;
    let n = names(&state).await?;
    let lines = app::sponsor_lines(
        &b,
        &n,
        registry,
        &session.actor,
        &st,
        &SponsorFilter {
            unit: Some(unit.clone()),
            ..SponsorFilter::default()
        },
        day,
    );
    // The unit's funds: on today's tree when it exists today (its predecessors' lines
    // with it), else as recorded.
    let alive = registry
        .get(&unit)
        .is_some_and(|u| u.version_on(day).is_some());
    let tree = if alive { Tree::On(day) } else { Tree::Recorded };
    let r = app::funding(
        &ws.catalogue,
        registry,
        &session.actor,
        &b,
        (2010, 2100),
        tree,
    );
    let mine = r.units.iter().find(|u| u.unit == unit);
    let mut years = Vec::new();
    let mut groups = Vec::new();
    if let Some(u) = mine {
        for (y, s) in u.row.by_year.iter().rev() {
            years.push((*y, money(s.planned), money(s.actual), pct(s.done())));
        }
        for (g, a) in &u.by_group {
            groups.push((g.label_vi(), money(*a)));
        }
    }
    render(&UnitPage {
        chrome: chrome(&state, &session, registry),
        name: app::unit_name(registry, &unit, day),
        id: unit.to_string(),
        illustrative: lines.iter().any(|l| l.sponsorship.illustrative) || r.illustrative,
        rows: lines.iter().map(row).collect(),
        inherited: mine.is_some_and(|u| u.inherited),
        tree_label: tree.label_vi(),
        years,
        groups,
    })
}
