//! OCOP: the overview (valid against cumulative, by year, by unit, expiring soon), the
//! product list and pages, producers, evaluation rounds scored online, decisions and
//! certificates, support spending with its import, the province's report, the mandatory
//! conditions, and the public catalogue with a QR code per product (no sign-in).
//! Rules and rights are below (`ntm_app::ocop`, `ntm_core::ocop`, `ntm_core::access`).

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use ntm_app::ocop::{ProductFilter, RoundView};
use ntm_core::ocop::{
    self, CATEGORIES_148, CertState, Certificate, EndKind, Ending, FundSource, GROUPS_1048, Level,
    PRODUCT_SETS_148, Producer, ProducerKind, Product, RuleSet, SupportCategory,
};
use ntm_core::{Decimal, UnitId, UnitRegistry};
use ntm_store::ocop::{OcopBook, Round};
use serde::Deserialize;

use super::{Chrome, download, render, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
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

async fn book(state: &AppState) -> WebResult<OcopBook> {
    Ok(state
        .store
        .ocop_book()
        .await
        .map_err(ntm_app::AppError::from)?)
}

fn money(d: Decimal) -> String {
    ntm_core::text::vi_number(d.round_dp(0))
}

fn stars_html(n: u8) -> String {
    "★".repeat(usize::from(n))
}

fn state_class(s: Option<CertState>) -> &'static str {
    match s {
        Some(CertState::Valid { days_left }) if days_left <= 90 => "at-risk",
        Some(CertState::Valid { .. }) => "met",
        Some(CertState::Revoked) => "unmet",
        Some(_) => "unknown",
        None => "unknown",
    }
}

fn parse_decimal(text: &str) -> Option<Decimal> {
    ntm_core::Value::parse_number(text).ok()
}

/// The address the QR codes point to: the configured public address, else the one the
/// request came in on.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.config.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

// ---------------------------------------------------------------------------------------
// Overview
// ---------------------------------------------------------------------------------------

pub struct YearLine {
    pub year: i32,
    pub products: usize,
    pub first: usize,
    pub again: usize,
    pub three: usize,
    pub four: usize,
    pub five: usize,
}

pub struct UnitLine {
    pub name: String,
    pub three: usize,
    pub four: usize,
    pub five: usize,
    pub total: usize,
}

pub struct ExpiringLine {
    pub product_id: i64,
    pub product: String,
    pub producer: String,
    pub unit: String,
    pub stars: u8,
    pub until: String,
    pub days: i64,
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "ocop.html")]
pub struct OverviewPage {
    pub chrome: Option<Chrome>,
    pub today: String,
    pub t: Totals,
    pub expiring: Vec<ExpiringLine>,
    pub alert_days: String,
    /// (product, name, year of its round)
    pub candidates: Vec<(i64, String, i32)>,
    pub max_days: u32,
    pub candidates_2022: usize,
    pub targets: Vec<(String, String, String, String)>,
    pub illustrative: bool,
    pub manage: bool,
    pub count_rule: &'static str,
    /// The communes by valid certified products, on the map of today's tree.
    pub map: Result<String, String>,
}

/// The figures as the overview and the report show them.
pub struct Totals {
    pub valid: usize,
    pub cumulative: usize,
    pub lapsed: usize,
    pub three: usize,
    pub four: usize,
    pub five: usize,
    pub years: Vec<YearLine>,
    pub units: Vec<UnitLine>,
    pub categories: Vec<(String, usize)>,
}

fn totals(f: &ntm_app::ocop::Figures) -> Totals {
    Totals {
        valid: f.valid,
        cumulative: f.cumulative,
        lapsed: f.lapsed,
        three: f.valid_by_stars[0],
        four: f.valid_by_stars[1],
        five: f.valid_by_stars[2],
        years: year_lines(f),
        units: f
            .by_unit
            .iter()
            .map(|(_, name, n)| UnitLine {
                name: name.clone(),
                three: n[0],
                four: n[1],
                five: n[2],
                total: n.iter().sum(),
            })
            .collect(),
        categories: f
            .by_category
            .iter()
            .map(|(c, n)| {
                (
                    format!(
                        "{c}. {}",
                        ocop::category_name(c).unwrap_or("Chưa phân loại")
                    ),
                    *n,
                )
            })
            .collect(),
    }
}

fn year_lines(f: &ntm_app::ocop::Figures) -> Vec<YearLine> {
    f.years
        .iter()
        .rev()
        .map(|y| YearLine {
            year: y.year,
            products: y.products,
            first: y.first,
            again: y.again,
            three: y.by_stars[0],
            four: y.by_stars[1],
            five: y.by_stars[2],
        })
        .collect()
}

pub async fn overview(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let outcomes = ntm_app::ocop::outcomes(state.store.as_ref(), &b).await?;
    let f = ntm_app::ocop::figures(
        &b,
        registry,
        &|p| ntm_app::ocop::may_see(registry, &session.actor, p, day),
        day,
        &outcomes,
    );
    let max_days = state
        .config
        .ocop_alert_days
        .iter()
        .copied()
        .max()
        .unwrap_or(90);
    let visible = ntm_app::ocop::products(
        &b,
        registry,
        Some(&session.actor),
        &ProductFilter::default(),
        day,
    );
    let mut expiring: Vec<ExpiringLine> = visible
        .iter()
        .filter_map(|l| {
            let c = l.valid?;
            let days = (c.valid_until() - day).num_days();
            (days <= i64::from(max_days)).then(|| ExpiringLine {
                product_id: l.product.id,
                product: l.product.name.clone(),
                producer: l.producer.name.clone(),
                unit: l.unit_name.clone(),
                stars: c.stars,
                until: date(c.valid_until()),
                days,
                class: if days <= 30 { "unmet" } else { "at-risk" },
            })
        })
        .collect();
    expiring.sort_by_key(|e| e.days);
    // The 2022 plan's OCOP lines, as the targets page computes them.
    let mut targets = Vec::new();
    for plan in state
        .store
        .list_plans()
        .await
        .map_err(ntm_app::AppError::from)?
    {
        if plan.period != "2022" {
            continue;
        }
        let results = ntm_app::targets::progress(state.store.as_ref(), &ws, &plan, day).await?;
        for line in results.lines {
            if line.kind.contains("ocop") {
                targets.push((
                    line.label.clone(),
                    ntm_core::text::vi_number(line.amount),
                    line.progress
                        .actual
                        .map(ntm_core::text::vi_number)
                        .unwrap_or_else(|| "chưa có số liệu".into()),
                    line.status.label_vi().to_owned(),
                ));
            }
        }
    }
    let base = crate::maps::base(&state).await?;
    let counted: std::collections::BTreeMap<&ntm_core::UnitId, (usize, &str)> = f
        .by_unit
        .iter()
        .map(|(u, name, n)| (u, (n.iter().sum::<usize>(), name.as_str())))
        .collect();
    // Only the viewer's units are coloured and named; the others are points of the map.
    let readable = state
        .cache
        .visible_units(state.store.as_ref(), &session.actor.grants, day.year())
        .await?;
    let class = |lo: usize, hi: usize, label: &str| crate::maps::Class {
        label: label.into(),
        units: registry
            .as_of(day)
            .into_iter()
            .filter(|v| v.unit.level == ntm_core::UnitLevel::Commune && readable.contains(v.id()))
            .filter_map(|v| {
                let n = counted.get(v.id()).map_or(0, |c| c.0);
                (lo..=hi).contains(&n).then(|| {
                    (
                        v.id().clone(),
                        format!("{} — {n} sản phẩm OCOP còn hiệu lực", v.name()),
                    )
                })
            })
            .collect(),
    };
    let map = crate::maps::unit_map(
        &base,
        registry,
        day,
        "ban-do-ocop",
        "Sản phẩm OCOP còn hiệu lực theo xã, phường",
        &[
            class(0, 0, "Chưa có"),
            class(1, 1, "1 sản phẩm"),
            class(2, 3, "2–3 sản phẩm"),
            class(4, usize::MAX, "4 trở lên"),
        ],
    );
    render(&OverviewPage {
        map,
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        today: date(day),
        t: totals(&f),
        expiring,
        alert_days: state
            .config
            .ocop_alert_days
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" và "),
        candidates: f
            .five_star_candidates
            .iter()
            .filter_map(|(id, y)| b.product(*id).map(|p| (p.id, p.name.clone(), *y)))
            .collect(),
        targets,
        max_days,
        candidates_2022: f
            .five_star_candidates
            .iter()
            .filter(|(_, y)| *y == 2022)
            .count(),
        illustrative: f.illustrative,
        manage: ntm_app::ocop::may_manage(registry, &session.actor, day),
        count_rule: ocop::COUNT_RULE,
    })
}

/// Whether the person reads the whole province (its Steering Committee, the office, the
/// departments): they see the province's spending.
fn sees_province(session: &Session, registry: &UnitRegistry, day: NaiveDate) -> bool {
    ntm_app::tasks::home(registry, day).iter().any(|h| {
        ntm_core::access::can(
            registry,
            &session.actor.grants,
            ntm_core::access::Action::View,
            h,
            day.year(),
        )
    })
}

// ---------------------------------------------------------------------------------------
// Products
// ---------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ProductQuery {
    #[serde(default)]
    stars: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    format: String,
}

pub struct ProductRow {
    pub id: i64,
    pub name: String,
    pub producer: String,
    pub unit: String,
    pub classification: String,
    pub stars: String,
    pub state: String,
    pub class: &'static str,
    pub until: String,
    pub marks: String,
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "ocop_products.html")]
pub struct ProductsPage {
    pub chrome: Option<Chrome>,
    pub rows: Vec<ProductRow>,
    pub stars: String,
    pub category: String,
    pub year: String,
    pub q: String,
    pub categories: Vec<(&'static str, &'static str)>,
    /// The units the viewer's products stand in now, to filter by.
    pub units: Vec<(String, String)>,
    pub unit: String,
    pub query: String,
    pub may_add: bool,
}

fn product_rows(lines: &[ntm_app::ocop::ProductLine<'_>]) -> Vec<ProductRow> {
    lines
        .iter()
        .map(|l| {
            let mut marks = Vec::new();
            if l.product.collective_brand {
                marks.push("nhãn hiệu tập thể");
            }
            if l.product.regional {
                marks.push("đặc trưng vùng");
            }
            ProductRow {
                id: l.product.id,
                name: l.product.name.clone(),
                producer: l.producer.name.clone(),
                unit: l.unit_name.clone(),
                classification: l.product.classification_vi(),
                stars: l.valid.map(|c| stars_html(c.stars)).unwrap_or_default(),
                state: match l.state {
                    Some(s) => s.label_vi(),
                    None => "Chưa được công nhận".into(),
                },
                class: state_class(l.state),
                until: l.valid.map(|c| date(c.valid_until())).unwrap_or_default(),
                marks: marks.join(", "),
                illustrative: l.product.illustrative,
            }
        })
        .collect()
}

pub async fn products(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<ProductQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let filter = ProductFilter {
        stars: q.stars.trim().parse().ok(),
        category: Some(q.category.trim().to_owned()).filter(|c| !c.is_empty()),
        unit: UnitId::parse(q.unit.trim()),
        year: q.year.trim().parse().ok(),
        text: q.q.clone(),
    };
    let lines = ntm_app::ocop::products(&b, registry, Some(&session.actor), &filter, day);
    let mut units: Vec<(String, String)> = ntm_app::ocop::products(
        &b,
        registry,
        Some(&session.actor),
        &ProductFilter::default(),
        day,
    )
    .iter()
    .map(|l| (l.unit.to_string(), l.unit_name.clone()))
    .collect();
    units.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
    units.dedup();
    if q.format == "xlsx" {
        let table = products_table(&lines, day);
        let bytes = crate::state::blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| crate::error::internal(anyhow::anyhow!("{e}")))?;
        return Ok(download(
            bytes,
            &format!("san-pham-ocop-{}.xlsx", day.format("%Y%m%d")),
            None,
        ));
    }
    let query = format!(
        "stars={}&category={}&year={}&unit={}&q={}",
        q.stars,
        q.category,
        q.year,
        form_urlencoded::byte_serialize(q.unit.as_bytes()).collect::<String>(),
        form_urlencoded::byte_serialize(q.q.as_bytes()).collect::<String>()
    );
    render(&ProductsPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        rows: product_rows(&lines),
        stars: q.stars,
        category: q.category,
        year: q.year,
        q: q.q,
        categories: CATEGORIES_148.to_vec(),
        units,
        unit: q.unit,
        query,
        may_add: ntm_core::access::holds(
            &session.actor.grants,
            ntm_core::access::Action::EnterValues,
        ),
    })
}

fn products_table(lines: &[ntm_app::ocop::ProductLine<'_>], day: NaiveDate) -> ntm_reports::Table {
    use ntm_reports::{Cell, Column, Table};
    Table {
        sheet: "Sản phẩm OCOP".into(),
        title: "DANH SÁCH SẢN PHẨM OCOP".into(),
        subtitle: vec![format!("Đến ngày {}", date(day))],
        columns: vec![
            Column::new("STT", 6.0),
            Column::new("Mã", 8.0),
            Column::new("Sản phẩm", 36.0),
            Column::new("Chủ thể", 32.0),
            Column::new("Đơn vị", 24.0),
            Column::new("Phân loại", 36.0),
            Column::new("Hạng sao còn hiệu lực", 10.0),
            Column::new("Hiệu lực đến", 12.0),
            Column::new("Tình trạng", 22.0),
        ],
        header_rows: vec![],
        rows: lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    Cell::int(i as i64 + 1),
                    Cell::int(l.product.id),
                    Cell::text(format!(
                        "{}{}",
                        l.product.name,
                        if l.product.illustrative {
                            " (minh họa)"
                        } else {
                            ""
                        }
                    )),
                    Cell::text(&l.producer.name),
                    Cell::text(&l.unit_name),
                    Cell::text(l.product.classification_vi()),
                    l.valid
                        .map_or_else(|| Cell::text(""), |c| Cell::int(i64::from(c.stars))),
                    Cell::text(l.valid.map(|c| date(c.valid_until())).unwrap_or_default()),
                    Cell::text(
                        l.state
                            .map_or_else(|| "Chưa được công nhận".into(), |s| s.label_vi()),
                    ),
                ]
            })
            .collect(),
        totals: vec![],
        notes: vec![ocop::COUNT_RULE.into()],
        landscape: true,
        freeze_columns: 3,
    }
}

pub struct CertRow {
    pub id: i64,
    pub stars: String,
    pub decision: String,
    pub level: String,
    pub rule: String,
    pub year: i32,
    pub until: String,
    pub state: String,
    pub class: &'static str,
    pub how: String,
    pub ended: String,
    pub endable: bool,
    pub illustrative: bool,
    pub note: String,
}

fn cert_rows(certs: &[&Certificate], all: &[Certificate], day: NaiveDate) -> Vec<CertRow> {
    certs
        .iter()
        .map(|c| {
            let s = ocop::state(c, all, day);
            CertRow {
                id: c.id,
                stars: stars_html(c.stars),
                decision: format!(
                    "QĐ {} ngày {}{}",
                    c.decision_number,
                    date(c.decision_date),
                    if c.certificate_number.is_empty() {
                        String::new()
                    } else {
                        format!(", GCN {}", c.certificate_number)
                    }
                ),
                level: c.level.label_vi().into(),
                rule: c.rule_set.label_vi().into(),
                year: c.year,
                until: date(c.valid_until()),
                state: s.label_vi(),
                class: state_class(Some(s)),
                how: ocop::reevaluation(c, all).label_vi(),
                ended: c
                    .ended
                    .as_ref()
                    .map(|e| {
                        format!(
                            "{} ngày {}{}: {}",
                            e.kind.label_vi(),
                            date(e.on),
                            if e.number.is_empty() {
                                String::new()
                            } else {
                                format!(" (QĐ {})", e.number)
                            },
                            e.reason
                        )
                    })
                    .unwrap_or_default(),
                endable: c.ended.is_none() && !matches!(s, CertState::Superseded { .. }),
                illustrative: c.illustrative,
                note: c.note.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ocop_product.html")]
pub struct ProductPage {
    pub chrome: Option<Chrome>,
    pub id: i64,
    pub name: String,
    pub producer_id: i64,
    pub producer: String,
    pub producer_kind: String,
    pub unit: String,
    pub registered_in: String,
    pub classification: String,
    pub marks: String,
    pub national_code: String,
    pub description: String,
    pub note: String,
    pub illustrative: bool,
    pub certs: Vec<CertRow>,
    pub support: Vec<(i32, String, String, String, String)>,
    pub support_total: String,
    pub rounds: Vec<(i64, String, String)>,
    pub public_url: String,
    pub qr: String,
    pub has_public: bool,
    pub may_keep: bool,
    pub manage: bool,
    pub form: ProductForm,
    pub sets: Vec<(String, String)>,
    pub groups: Vec<(u8, &'static str)>,
    pub levels: Vec<(&'static str, &'static str)>,
    pub today_iso: String,
    pub validity_rule: &'static str,
}

/// The product form's fields as shown.
#[derive(Default, Clone)]
pub struct ProductForm {
    pub id: i64,
    pub producer: i64,
    pub name: String,
    pub product_set: String,
    pub group_1048: String,
    pub collective: bool,
    pub regional: bool,
    pub national_code: String,
    pub description: String,
    pub note: String,
}

fn product_form(p: &Product) -> ProductForm {
    ProductForm {
        id: p.id,
        producer: p.producer,
        name: p.name.clone(),
        product_set: p.product_set.clone().unwrap_or_default(),
        group_1048: p.group_1048.map(|g| g.to_string()).unwrap_or_default(),
        collective: p.collective_brand,
        regional: p.regional,
        national_code: p.national_code.clone(),
        description: p.description.clone(),
        note: p.note.clone(),
    }
}

fn set_options() -> Vec<(String, String)> {
    PRODUCT_SETS_148
        .iter()
        .map(|s| {
            (
                s.code.to_owned(),
                format!("{} {} — {}", s.code, s.name, s.group),
            )
        })
        .collect()
}

fn group_options() -> Vec<(u8, &'static str)> {
    GROUPS_1048
        .iter()
        .enumerate()
        .map(|(i, g)| (i as u8 + 1, *g))
        .collect()
}

pub async fn product(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let not_found = || WebError::not_found("Không có sản phẩm OCOP này.");
    let p = b.product(id).ok_or_else(not_found)?;
    let producer = b.producer(p.producer).ok_or_else(not_found)?;
    if !ntm_app::ocop::may_see(registry, &session.actor, producer, day) {
        return Err(WebError::forbidden());
    }
    let unit = ntm_app::ocop::unit_now(registry, producer, day);
    let certs: Vec<&Certificate> = b.certificates.iter().filter(|c| c.product == id).collect();
    let mut marks = Vec::new();
    if p.collective_brand {
        marks.push("nhãn hiệu tập thể");
    }
    if p.regional {
        marks.push("sản phẩm đặc trưng vùng");
    }
    let support: Vec<_> = b.support.iter().filter(|s| s.product == id).collect();
    let total: Decimal = support.iter().map(|s| s.amount).sum();
    let public_url = format!("{}/san-pham-ocop/{id}", public_base(&state, &headers));
    let has_public = ntm_app::ocop::public_product(&b, registry, id, day).is_some();
    let manage = ntm_app::ocop::may_manage(registry, &session.actor, day);
    let rounds = b
        .entries
        .iter()
        .filter(|e| e.product == id)
        .filter_map(|e| b.round(e.round))
        .map(|r| (r.id, r.name.clone(), date(r.held_on)))
        .collect();
    render(&ProductPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        id,
        name: p.name.clone(),
        producer_id: producer.id,
        producer: producer.name.clone(),
        producer_kind: producer.kind.label_vi().into(),
        unit: ntm_app::ocop::unit_name(registry, &unit, day),
        registered_in: if unit == producer.unit {
            String::new()
        } else {
            format!(
                "đăng ký tại {} (trước sáp nhập)",
                ntm_app::ocop::unit_name(
                    registry,
                    &producer.unit,
                    producer
                        .registered_unit_end(registry)
                        .unwrap_or(NaiveDate::MAX),
                )
            )
        },
        classification: p.classification_vi(),
        marks: marks.join(", "),
        national_code: p.national_code.clone(),
        description: p.description.clone(),
        note: p.note.clone(),
        illustrative: p.illustrative,
        certs: cert_rows(&certs, &b.certificates, day),
        support: support
            .iter()
            .map(|s| {
                (
                    s.year,
                    s.category.label_vi().to_owned(),
                    s.source.label_vi().to_owned(),
                    money(s.amount),
                    s.document.clone(),
                )
            })
            .collect(),
        support_total: money(total),
        rounds,
        qr: if has_public {
            ntm_app::ocop::qr_svg(&public_url)?
        } else {
            String::new()
        },
        public_url,
        has_public,
        may_keep: ntm_app::ocop::may_keep(registry, &session.actor, producer, day),
        manage,
        form: product_form(p),
        sets: set_options(),
        groups: group_options(),
        levels: Level::ALL
            .iter()
            .filter(|l| **l != Level::Commune)
            .map(|l| (l.as_str(), l.label_vi()))
            .collect(),
        today_iso: day.to_string(),
        validity_rule: ocop::VALIDITY_RULE,
    })
}

fn product_of(fields: &[(String, String)]) -> WebResult<Product> {
    let mut problems = Vec::new();
    let set = field(fields, "product_set");
    let group = field(fields, "group_1048");
    let group_1048 = if group.is_empty() {
        None
    } else {
        match group.parse::<u8>() {
            Ok(g) => Some(g),
            Err(_) => {
                problems.push("Ngành hàng QĐ 1048: chọn trong danh sách".to_owned());
                None
            }
        }
    };
    let producer = field(fields, "producer").parse::<i64>().unwrap_or(0);
    if producer == 0 {
        problems.push("Chủ thể: chưa chọn".to_owned());
    }
    if !problems.is_empty() {
        return Err(ntm_app::AppError::Invalid(problems).into());
    }
    Ok(Product {
        id: field(fields, "id").parse().unwrap_or(0),
        producer,
        name: field(fields, "name"),
        product_set: Some(set).filter(|s| !s.is_empty()),
        group_1048,
        collective_brand: fields.iter().any(|(k, v)| k == "collective" && v == "1"),
        regional: fields.iter().any(|(k, v)| k == "regional" && v == "1"),
        national_code: field(fields, "national_code"),
        description: field(fields, "description"),
        note: field(fields, "note"),
        illustrative: false,
    })
}

pub async fn save_product(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let mut p = product_of(&fields)?;
    if p.id != 0 {
        // An edit keeps the demo's label: only the office's own entries are unlabelled.
        if let Some(old) = book(&state).await?.product(p.id) {
            p.illustrative = old.illustrative;
        }
    }
    let id = ntm_app::ocop::save_product(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &p,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/products/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Producers
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ocop_producer.html")]
pub struct ProducerPage {
    pub chrome: Option<Chrome>,
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_code: String,
    pub unit: String,
    pub unit_code: String,
    pub address: String,
    pub registration: String,
    pub representative: String,
    pub phone: String,
    pub note: String,
    pub illustrative: bool,
    pub products: Vec<ProductRow>,
    pub may_keep: bool,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub form: ProductForm,
    pub sets: Vec<(String, String)>,
    pub groups: Vec<(u8, &'static str)>,
}

pub async fn producer(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let p = b
        .producer(id)
        .ok_or_else(|| WebError::not_found("Không có chủ thể OCOP này."))?;
    if !ntm_app::ocop::may_see(registry, &session.actor, p, day) {
        return Err(WebError::forbidden());
    }
    let unit = ntm_app::ocop::unit_now(registry, p, day);
    let lines: Vec<_> = ntm_app::ocop::products(
        &b,
        registry,
        Some(&session.actor),
        &ProductFilter::default(),
        day,
    )
    .into_iter()
    .filter(|l| l.producer.id == id)
    .collect();
    render(&ProducerPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        id,
        name: p.name.clone(),
        kind: p.kind.label_vi().into(),
        kind_code: p.kind.as_str().into(),
        unit: ntm_app::ocop::unit_name(registry, &unit, day),
        unit_code: unit.to_string(),
        address: p.address.clone(),
        registration: p.registration.clone(),
        representative: p.representative.clone(),
        phone: p.phone.clone(),
        note: p.note.clone(),
        illustrative: p.illustrative,
        products: product_rows(&lines),
        may_keep: ntm_app::ocop::may_keep(registry, &session.actor, p, day),
        kinds: ProducerKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_vi()))
            .collect(),
        form: ProductForm {
            producer: id,
            ..Default::default()
        },
        sets: set_options(),
        groups: group_options(),
    })
}

#[derive(Template)]
#[template(path = "ocop_producer_new.html")]
pub struct NewProducerPage {
    pub chrome: Option<Chrome>,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub units: Vec<(String, String)>,
}

/// The units a person may register producers in today: those whose data they enter.
fn keepable_units(
    session: &Session,
    registry: &UnitRegistry,
    day: NaiveDate,
) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = registry
        .as_of(day)
        .into_iter()
        .filter(|v| {
            ntm_core::access::may_keep_ocop(registry, &session.actor.grants, v.id(), day.year())
        })
        .filter(|v| registry.get(v.id()).map(|u| u.level) == Some(ntm_core::UnitLevel::Commune))
        .map(|v| (v.id().to_string(), v.name().to_owned()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

pub async fn new_producer(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let day = today(&state);
    let units = keepable_units(&session, &ws.registry, day);
    if units.is_empty() {
        return Err(WebError::forbidden());
    }
    render(&NewProducerPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "ocop",
        )),
        kinds: ProducerKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label_vi()))
            .collect(),
        units,
    })
}

pub async fn save_producer(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let day = today(&state);
    let id: i64 = field(&fields, "id").parse().unwrap_or(0);
    let old = if id == 0 {
        None
    } else {
        book(&state).await?.producer(id).cloned()
    };
    let unit = match (&old, UnitId::parse(&field(&fields, "unit"))) {
        (_, Some(u)) => u,
        (Some(o), None) => o.unit.clone(),
        (None, None) => {
            return Err(ntm_app::AppError::Invalid(vec!["Đơn vị: chưa chọn".into()]).into());
        }
    };
    let kind = ProducerKind::parse(&field(&fields, "kind")).ok_or_else(|| {
        WebError::from(ntm_app::AppError::Invalid(vec![
            "Loại chủ thể: chọn trong danh sách".into(),
        ]))
    })?;
    let p = Producer {
        id,
        name: field(&fields, "name"),
        kind,
        unit,
        address: field(&fields, "address"),
        registration: field(&fields, "registration"),
        representative: field(&fields, "representative"),
        phone: field(&fields, "phone"),
        note: field(&fields, "note"),
        illustrative: old.as_ref().is_some_and(|o| o.illustrative),
    };
    let id = ntm_app::ocop::save_producer(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &p,
        (day, state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/producers/{id}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Rounds
// ---------------------------------------------------------------------------------------

pub struct RoundRow {
    pub id: i64,
    pub name: String,
    pub held: String,
    pub level: String,
    pub rule: String,
    pub entries: usize,
    pub state: String,
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "ocop_rounds.html")]
pub struct RoundsPage {
    pub chrome: Option<Chrome>,
    pub rounds: Vec<RoundRow>,
    pub manage: bool,
    pub users: Vec<(i64, String)>,
    pub today_iso: String,
    pub levels: Vec<(&'static str, &'static str)>,
    pub band_rule: &'static str,
}

pub async fn rounds(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let manage = ntm_app::ocop::may_manage(registry, &session.actor, day);
    let users = if manage {
        state
            .store
            .list_users()
            .await
            .map_err(ntm_app::AppError::from)?
            .into_iter()
            .filter(|u| !u.disabled)
            .map(|u| (u.id, format!("{} ({})", u.full_name, u.username)))
            .collect()
    } else {
        vec![]
    };
    let rounds = b
        .rounds
        .iter()
        .rev()
        .filter(|r| {
            manage
                || r.members.contains(&session.actor.user_id)
                || r.secretary == session.actor.user_id
                || ntm_core::access::can(
                    registry,
                    &session.actor.grants,
                    ntm_core::access::Action::View,
                    &r.unit,
                    r.held_on.year(),
                )
        })
        .map(|r| RoundRow {
            id: r.id,
            name: r.name.clone(),
            held: date(r.held_on),
            level: r.level.label_vi().to_owned(),
            rule: r.rule_set.label_vi().to_owned(),
            entries: b.entries.iter().filter(|e| e.round == r.id).count(),
            state: if r.is_closed() {
                "Đã khóa chấm điểm".to_owned()
            } else {
                "Đang chấm".to_owned()
            },
            illustrative: r.illustrative,
        })
        .collect();
    render(&RoundsPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        rounds,
        manage,
        users,
        today_iso: day.to_string(),
        levels: [Level::District, Level::Province, Level::Central]
            .iter()
            .map(|l| (l.as_str(), l.label_vi()))
            .collect(),
        band_rule: ocop::BAND_RULE,
    })
}

pub async fn open_round(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let Some(held_on) = ntm_core::text::parse_date(&field(&fields, "held_on")) else {
        return Err(ntm_app::AppError::Invalid(vec![
            "Ngày họp: chưa ghi hoặc không phải ngày".into(),
        ])
        .into());
    };
    let level = Level::parse(&field(&fields, "level")).unwrap_or(Level::Province);
    let members: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let secretary = field(&fields, "secretary")
        .parse()
        .unwrap_or(session.actor.user_id);
    let unit = ntm_app::tasks::home(registry, held_on)
        .into_iter()
        .next()
        .ok_or_else(|| WebError::not_found("Không có tỉnh vào ngày họp."))?;
    let round = Round {
        id: 0,
        name: field(&fields, "name"),
        level,
        unit,
        held_on,
        rule_set: RuleSet::on(held_on).unwrap_or(RuleSet::Qd1048),
        secretary,
        members,
        outlier_points: parse_decimal(&field(&fields, "outlier")).unwrap_or(Decimal::from(10)),
        closed_at: None,
        closed_by: None,
        note: field(&fields, "note"),
        illustrative: false,
    };
    let id = ntm_app::ocop::open_round(
        state.store.as_ref(),
        registry,
        &session.actor,
        &round,
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{id}")).into_response())
}

pub struct MemberLine {
    pub name: String,
    pub total: String,
    pub a: String,
    pub b: String,
    pub c: String,
    pub deviation: String,
    pub outlier: bool,
}

pub struct EntryLine {
    pub id: i64,
    pub product_id: i64,
    pub product: String,
    pub producer: String,
    pub unit: String,
    pub classification: String,
    pub request: String,
    pub checklist: Vec<(String, bool, bool)>,
    pub files: Vec<(i64, String, String, String)>,
    pub parts: Vec<(&'static str, &'static str)>,
    pub handed_in: usize,
    pub mine: Option<(String, String, String)>,
    pub members: Vec<MemberLine>,
    pub mean: String,
    pub part_means: String,
    pub band: String,
    pub outcome: String,
    pub certify: u8,
    pub conditions: Vec<(String, String, String, Option<bool>)>,
    pub conditions_state: String,
    pub decided: String,
    pub may_attach: bool,
    /// Under 1489: the commune's check, or "" when none yet.
    pub precheck: String,
    pub needs_precheck: bool,
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "ocop_round.html")]
pub struct RoundPage {
    pub chrome: Option<Chrome>,
    pub id: i64,
    pub name: String,
    pub level: String,
    pub rule: String,
    pub held_on: String,
    pub unit: String,
    pub secretary: String,
    pub members: Vec<String>,
    pub closed: String,
    pub outlier_points: String,
    pub maxima: String,
    pub max_a: String,
    pub max_b: String,
    pub max_c: String,
    pub entries: Vec<EntryLine>,
    pub is_member: bool,
    pub may_close: bool,
    pub manage: bool,
    pub may_check: bool,
    pub addable: Vec<(i64, String)>,
    pub illustrative: bool,
    pub note: String,
    pub band_rule: &'static str,
    pub outlier_rule: &'static str,
    pub precheck_rule: &'static str,
    pub today_iso: String,
    pub undecided: usize,
}

fn d2(d: Decimal) -> String {
    ntm_core::text::vi_number(d.round_dp(2))
}

fn signed(d: Decimal) -> String {
    let r = d.round_dp(2);
    if r > Decimal::ZERO {
        format!("+{}", ntm_core::text::vi_number(r))
    } else {
        ntm_core::text::vi_number(r)
    }
}

fn round_page(
    session: &Session,
    registry: &UnitRegistry,
    v: RoundView,
    b: &OcopBook,
    state: &AppState,
) -> RoundPage {
    let r = &v.round;
    let day = today(state);
    let closed = r.is_closed();
    let name_of = |id: i64| {
        v.member_names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("người dùng {id}"))
    };
    let mut undecided = 0;
    let entries = v
        .entries
        .iter()
        .map(|e| {
            let certify = e.outcome.as_ref().and_then(|o| o.certify).unwrap_or(0);
            if certify > 0 && e.decided.is_empty() {
                undecided += 1;
            }
            EntryLine {
                id: e.entry.id,
                product_id: e.product.id,
                product: e.product.name.clone(),
                producer: e.producer.name.clone(),
                unit: e.unit_name.clone(),
                classification: e.product.classification_vi(),
                request: match &e.holding {
                    Some(c) => format!("Đánh giá lại / nâng hạng (đang có {} sao đến {})", c.stars, date(c.valid_until())),
                    None => "Đánh giá lần đầu".into(),
                },
                checklist: e
                    .checklist
                    .iter()
                    .map(|(p, has)| (p.label.to_owned(), p.required, *has))
                    .collect(),
                files: e
                    .files
                    .iter()
                    .map(|f| {
                        (
                            f.id,
                            f.name.clone(),
                            e.checklist
                                .iter()
                                .find(|(p, _)| p.code == f.part)
                                .map_or_else(|| f.part.clone(), |(p, _)| p.label.to_owned()),
                            format!("{} KB", f.size / 1024 + 1),
                        )
                    })
                    .collect(),
                parts: e.checklist.iter().map(|(p, _)| (p.code, p.label)).collect(),
                handed_in: e.handed_in.len(),
                mine: e.mine.as_ref().map(|s| (d2(s.a), d2(s.b), d2(s.c))),
                members: e
                    .tally
                    .as_ref()
                    .map(|t| {
                        t.lines
                            .iter()
                            .map(|l| {
                                let s = e.sheets.iter().find(|s| s.member == l.member);
                                MemberLine {
                                    name: name_of(l.member),
                                    total: d2(l.total),
                                    a: s.map(|s| d2(s.a)).unwrap_or_default(),
                                    b: s.map(|s| d2(s.b)).unwrap_or_default(),
                                    c: s.map(|s| d2(s.c)).unwrap_or_default(),
                                    deviation: signed(l.deviation),
                                    outlier: l.outlier,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                mean: e.tally.as_ref().map(|t| d2(t.mean)).unwrap_or_default(),
                part_means: e
                    .tally
                    .as_ref()
                    .map(|t| format!("A {} · B {} · C {}", d2(t.part_means[0]), d2(t.part_means[1]), d2(t.part_means[2])))
                    .unwrap_or_default(),
                band: e.tally.as_ref().map(|t| ocop::stars_vi(t.band)).unwrap_or_default(),
                outcome: e.outcome.as_ref().map(|o| o.explain.clone()).unwrap_or_default(),
                certify,
                conditions: e
                    .conditions
                    .iter()
                    .map(|(c, m)| (c.code.clone(), c.text.clone(), format!("từ {} sao", c.stars), *m))
                    .collect(),
                conditions_state: if b
                    .conditions
                    .iter()
                    .any(|c| c.rule_set == r.rule_set && (c.product_set == "*" || Some(c.product_set.as_str()) == e.product.product_set.as_deref()))
                {
                    String::new()
                } else {
                    format!(
                        "Chưa nạp tiêu chí bắt buộc của {} cho bộ sản phẩm này: hạng sao chưa được kiểm theo tiêu chí bắt buộc.",
                        r.rule_set.label_vi()
                    )
                },
                decided: e
                    .decided
                    .iter()
                    .map(|c| format!("Đã công nhận {} sao: QĐ {} ngày {}", c.stars, c.decision_number, date(c.decision_date)))
                    .collect::<Vec<_>>()
                    .join("; "),
                may_attach: ntm_app::ocop::may_keep(registry, &session.actor, &e.producer, day),
                precheck: e
                    .entry
                    .precheck
                    .as_ref()
                    .map(|p| {
                        format!(
                            "UBND xã đã kiểm tra ngày {} ({}){}",
                            date(p.on),
                            p.by,
                            if p.note.is_empty() {
                                String::new()
                            } else {
                                format!(": {}", p.note)
                            }
                        )
                    })
                    .unwrap_or_default(),
                needs_precheck: r.rule_set == RuleSet::Qd148Amended,
                illustrative: e.product.illustrative,
            }
        })
        .collect();
    let entered: Vec<i64> = v.entries.iter().map(|e| e.product.id).collect();
    let addable = if closed {
        vec![]
    } else {
        ntm_app::ocop::products(
            b,
            registry,
            Some(&session.actor),
            &ProductFilter::default(),
            day,
        )
        .into_iter()
        .filter(|l| !entered.contains(&l.product.id))
        .filter(|l| {
            v.may_manage || ntm_app::ocop::may_keep(registry, &session.actor, l.producer, day)
        })
        .map(|l| {
            (
                l.product.id,
                format!("{} — {} ({})", l.product.name, l.producer.name, l.unit_name),
            )
        })
        .collect()
    };
    RoundPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        id: r.id,
        name: r.name.clone(),
        level: r.level.label_vi().into(),
        rule: r.rule_set.label_vi().into(),
        held_on: date(r.held_on),
        unit: v.unit_name.clone(),
        secretary: name_of(r.secretary),
        members: r.members.iter().map(|m| name_of(*m)).collect(),
        closed: r
            .closed_at
            .map(|t| {
                format!(
                    "Đã khóa chấm điểm lúc {} ({})",
                    crate::format::datetime(t),
                    r.closed_by.clone().unwrap_or_default()
                )
            })
            .unwrap_or_default(),
        outlier_points: d2(r.outlier_points),
        maxima: ocop::Part::ALL
            .iter()
            .map(|p| format!("{} tối đa {} điểm", p.label_vi(), r.rule_set.max(*p)))
            .collect::<Vec<_>>()
            .join("; "),
        max_a: r.rule_set.max(ocop::Part::A).to_string(),
        max_b: r.rule_set.max(ocop::Part::B).to_string(),
        max_c: r.rule_set.max(ocop::Part::C).to_string(),
        entries,
        is_member: v.is_member && !closed,
        may_close: v.may_close(),
        manage: v.may_manage,
        may_check: v.is_secretary || v.may_manage,
        addable,
        illustrative: r.illustrative,
        note: r.note.clone(),
        band_rule: ocop::BAND_RULE,
        outlier_rule: ocop::OUTLIER_RULE,
        precheck_rule: ntm_app::ocop::PRECHECK_RULE,
        today_iso: day.to_string(),
        undecided,
    }
}

pub async fn round(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let v =
        ntm_app::ocop::round_view(state.store.as_ref(), registry, &session.actor, id, day).await?;
    let b = book(&state).await?;
    render(&round_page(&session, registry, v, &b, &state))
}

pub async fn add_entries(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let products: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "product")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    if products.is_empty() {
        return Err(ntm_app::AppError::Invalid(vec!["Chọn ít nhất một sản phẩm.".into()]).into());
    }
    ntm_app::ocop::enter_products(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        &products,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{id}")).into_response())
}

fn round_of_entry(b: &OcopBook, entry: i64) -> WebResult<i64> {
    b.entry(entry)
        .map(|e| e.round)
        .ok_or_else(|| WebError::not_found("Không có sản phẩm dự đánh giá này."))
}

pub async fn score(
    State(state): State<AppState>,
    session: Session,
    Path(entry): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let mut parts = [Decimal::ZERO; 3];
    let mut problems = Vec::new();
    for (i, (name, label)) in [("a", "Phần A"), ("b", "Phần B"), ("c", "Phần C")]
        .iter()
        .enumerate()
    {
        match parse_decimal(&field(&fields, name)) {
            Some(v) => parts[i] = v,
            None => problems.push(format!("{label}: chưa ghi hoặc không phải số")),
        }
    }
    if !problems.is_empty() {
        return Err(ntm_app::AppError::Invalid(problems).into());
    }
    let b = book(&state).await?;
    let round = round_of_entry(&b, entry)?;
    ntm_app::ocop::score(
        state.store.as_ref(),
        &session.actor,
        entry,
        parts,
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{round}#e{entry}")).into_response())
}

pub async fn precheck(
    State(state): State<AppState>,
    session: Session,
    Path(entry): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let Some(on) = ntm_core::text::parse_date(&field(&fields, "on")) else {
        return Err(ntm_app::AppError::Invalid(vec![
            "Ngày kiểm tra: chưa ghi hoặc không phải ngày".into(),
        ])
        .into());
    };
    let b = book(&state).await?;
    let round = round_of_entry(&b, entry)?;
    ntm_app::ocop::precheck(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        entry,
        (on, &field(&fields, "note")),
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{round}#e{entry}")).into_response())
}

pub async fn close_round(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    ntm_app::ocop::close(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{id}")).into_response())
}

pub async fn check(
    State(state): State<AppState>,
    session: Session,
    Path(entry): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let checks: Vec<(String, bool)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let code = k.strip_prefix("c:")?;
            match v.as_str() {
                "1" => Some((code.to_owned(), true)),
                "0" => Some((code.to_owned(), false)),
                _ => None,
            }
        })
        .collect();
    let b = book(&state).await?;
    let round = round_of_entry(&b, entry)?;
    ntm_app::ocop::check_conditions(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        entry,
        &checks,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{round}#e{entry}")).into_response())
}

pub async fn attach(
    State(state): State<AppState>,
    session: Session,
    Path(entry): Path<i64>,
    multipart: Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let file = form.file("file").unwrap_or(ntm_store::StoredFile {
        name: String::new(),
        bytes: vec![],
    });
    let b = book(&state).await?;
    let round = round_of_entry(&b, entry)?;
    ntm_app::ocop::attach(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        entry,
        (form.get("part"), &file, form.get("note")),
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{round}#e{entry}")).into_response())
}

pub async fn file(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let f = ntm_app::ocop::entry_file(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        today(&state),
    )
    .await?;
    Ok(download(f.bytes, &f.name, None))
}

pub async fn decide(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let v =
        ntm_app::ocop::round_view(state.store.as_ref(), registry, &session.actor, id, day).await?;
    let Some(on) = ntm_core::text::parse_date(&field(&fields, "on")) else {
        return Err(ntm_app::AppError::Invalid(vec![
            "Ngày ký: chưa ghi hoặc không phải ngày".into(),
        ])
        .into());
    };
    let chosen: Vec<i64> = fields
        .iter()
        .filter(|(k, _)| k == "entry")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let certs: Vec<Certificate> = v
        .entries
        .iter()
        .filter(|e| chosen.contains(&e.entry.id))
        .map(|e| {
            let stars = e.outcome.as_ref().and_then(|o| o.certify).unwrap_or(0);
            Certificate {
                id: 0,
                product: e.product.id,
                stars,
                level: RuleSet::on(on)
                    .and_then(|r| r.certifier(stars))
                    .unwrap_or(v.round.level),
                rule_set: RuleSet::on(on).unwrap_or(v.round.rule_set),
                year: v.round.held_on.year(),
                decision_number: field(&fields, "number"),
                decision_date: on,
                certificate_number: field(&fields, &format!("gcn:{}", e.entry.id)),
                entry: Some(e.entry.id),
                ended: None,
                note: field(&fields, "note"),
                illustrative: false,
            }
        })
        .collect();
    ntm_app::ocop::record_decision(
        state.store.as_ref(),
        registry,
        &session.actor,
        &certs,
        (day, state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/rounds/{id}")).into_response())
}

/// A decision taken outside ntm's rounds (earlier years, another level's council).
pub async fn record_certificate(
    State(state): State<AppState>,
    session: Session,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let product: i64 = field(&fields, "product").parse().unwrap_or(0);
    let mut problems = Vec::new();
    let on = ntm_core::text::parse_date(&field(&fields, "on"));
    if on.is_none() {
        problems.push("Ngày ký: chưa ghi hoặc không phải ngày".to_owned());
    }
    let stars: u8 = field(&fields, "stars").parse().unwrap_or(0);
    let level = Level::parse(&field(&fields, "level"));
    if level.is_none() {
        problems.push("Cấp công nhận: chọn trong danh sách".to_owned());
    }
    let (Some(on), Some(level), true) = (on, level, problems.is_empty()) else {
        return Err(ntm_app::AppError::Invalid(problems).into());
    };
    let c = Certificate {
        id: 0,
        product,
        stars,
        level,
        rule_set: RuleSet::on(on).unwrap_or(RuleSet::Qd1048),
        year: field(&fields, "year").parse().unwrap_or(on.year()),
        decision_number: field(&fields, "number"),
        decision_date: on,
        certificate_number: field(&fields, "certificate"),
        entry: None,
        ended: None,
        note: field(&fields, "note"),
        illustrative: false,
    };
    ntm_app::ocop::record_decision(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &[c],
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to(&format!("/ocop/products/{product}")).into_response())
}

pub async fn end_certificate(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    session.check_csrf(&field(&fields, "csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let Some(on) = ntm_core::text::parse_date(&field(&fields, "on")) else {
        return Err(
            ntm_app::AppError::Invalid(vec!["Ngày: chưa ghi hoặc không phải ngày".into()]).into(),
        );
    };
    let kind = EndKind::parse(&field(&fields, "kind")).unwrap_or(EndKind::Lapsed);
    let ending = Ending {
        kind,
        on,
        number: field(&fields, "number"),
        reason: field(&fields, "reason"),
    };
    ntm_app::ocop::end_certificate(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        &ending,
        (today(&state), state.now()),
    )
    .await?;
    let b = book(&state).await?;
    let product = b
        .certificates
        .iter()
        .find(|c| c.id == id)
        .map_or(0, |c| c.product);
    Ok(Redirect::to(&format!("/ocop/products/{product}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Support
// ---------------------------------------------------------------------------------------

pub struct SpendingLine {
    pub year: i32,
    pub unit: String,
    pub identity: String,
    pub production: String,
    pub other: String,
    pub total: String,
    pub ratio: String,
    pub flagged: bool,
    pub sources: String,
}

fn spending_lines(rows: &[ntm_app::ocop::SpendingRow]) -> Vec<SpendingLine> {
    rows.iter()
        .map(|r| SpendingLine {
            year: r.year,
            unit: r.unit_name.clone(),
            identity: money(r.spending.identity),
            production: money(r.spending.production),
            other: money(r.spending.other),
            total: money(r.spending.total()),
            ratio: r
                .spending
                .ratio()
                .map(|x| ntm_core::text::vi_number(x.round_dp(2)))
                .unwrap_or_else(|| {
                    if r.spending.identity > Decimal::ZERO {
                        "không có chi sản xuất".into()
                    } else {
                        "—".into()
                    }
                }),
            flagged: r.flagged,
            sources: r
                .by_source
                .iter()
                .map(|(s, a)| format!("{}: {}", s.label_vi(), money(*a)))
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "ocop_support.html")]
pub struct SupportPage {
    pub chrome: Option<Chrome>,
    pub year: String,
    pub years: Vec<i32>,
    pub rows: Vec<SpendingLine>,
    pub totals: Vec<SpendingLine>,
    pub flagged: usize,
    pub limit: String,
    pub ratio_rule: &'static str,
    pub manage: bool,
    pub errors: Vec<String>,
    pub preview: Vec<(String, String, String)>,
    pub unchanged: usize,
    pub token: String,
    pub file: String,
    pub done: String,
    pub illustrative: bool,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    format: String,
}

async fn support_page(state: &AppState, session: &Session, year: &str) -> WebResult<SupportPage> {
    let ws = workspace(state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(state);
    let manage = ntm_app::ocop::may_manage(registry, &session.actor, day);
    if !manage && !sees_province(session, registry, day) {
        return Err(WebError::forbidden());
    }
    let b = book(state).await?;
    let y: Option<i32> = year.trim().parse().ok();
    let limit = state.config.ocop_identity_ratio;
    let (rows, totals) = ntm_app::ocop::spending(&b, registry, y, limit);
    let mut years: Vec<i32> = b.support.iter().map(|s| s.year).collect();
    years.sort_unstable();
    years.dedup();
    years.reverse();
    Ok(SupportPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        year: year.to_owned(),
        years,
        flagged: rows.iter().filter(|r| r.flagged).count(),
        rows: spending_lines(&rows),
        totals: spending_lines(&totals),
        limit: ntm_core::text::vi_number(limit),
        ratio_rule: ocop::RATIO_RULE,
        manage,
        errors: vec![],
        preview: vec![],
        unchanged: 0,
        token: String::new(),
        file: String::new(),
        done: String::new(),
        illustrative: b.support.iter().any(|s| s.illustrative),
    })
}

pub async fn support(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    if q.format == "xlsx" || q.format == "template" {
        let ws = workspace(&state, Some(0)).await?;
        if !ntm_app::ocop::may_manage(&ws.registry, &session.actor, today(&state)) {
            return Err(WebError::forbidden());
        }
        let b = book(&state).await?;
        let y: Option<i32> = q.year.trim().parse().ok();
        let lines: Vec<ntm_reports::ocop::SupportLine> = if q.format == "template" {
            vec![]
        } else {
            b.support
                .iter()
                .filter(|s| y.is_none_or(|y| s.year == y))
                .map(|s| {
                    let p = b.product(s.product);
                    ntm_reports::ocop::SupportLine {
                        product_code: s.product.to_string(),
                        product_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                        year: s.year,
                        category: s.category.label_vi().into(),
                        source: s.source.label_vi().into(),
                        amount: s.amount,
                        document: s.document.clone(),
                        note: s.note.clone(),
                        producer: b
                            .producer_of(s.product)
                            .map(|p| p.name.clone())
                            .unwrap_or_default(),
                    }
                })
                .collect()
        };
        let bytes = crate::state::blocking(move || {
            let cats: Vec<&str> = SupportCategory::ALL.iter().map(|c| c.label_vi()).collect();
            let srcs: Vec<&str> = FundSource::ALL.iter().map(|c| c.label_vi()).collect();
            ntm_reports::ocop::support_workbook(&lines, &cats, &srcs)
        })
        .await?
        .map_err(|e| crate::error::internal(anyhow::anyhow!("{e}")))?;
        let name = if q.format == "template" {
            "mau-ho-tro-ocop.xlsx".to_owned()
        } else {
            format!(
                "ho-tro-ocop{}.xlsx",
                y.map(|y| format!("-{y}")).unwrap_or_default()
            )
        };
        return Ok(download(bytes, &name, None));
    }
    render(&support_page(&state, &session, &q.year).await?)
}

pub async fn support_upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let mut view = support_page(&state, &session, "").await?;
    if !view.manage {
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
    let b = book(&state).await?;
    let b2 = b.clone();
    let read = crate::state::blocking(move || ntm_app::ocop::support_of(&bytes, &b2)).await?;
    let lines = match read {
        Ok(l) => l,
        Err(p) => {
            view.errors = p;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
        }
    };
    let plan = match ntm_app::ocop::support_preview(&lines, &b) {
        Ok(p) => p,
        Err(ntm_app::AppError::Invalid(p)) => {
            view.errors = p;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
        }
        Err(e) => return Err(e.into()),
    };
    let describe = |s: &ntm_core::ocop::Support| {
        format!(
            "{} — năm {}: {} ({}) {} đồng",
            b.product(s.product).map(|p| p.name.as_str()).unwrap_or("?"),
            s.year,
            s.category.label_vi(),
            s.source.label_vi(),
            money(s.amount)
        )
    };
    view.preview = plan
        .new
        .iter()
        .map(|s| ("mới".to_owned(), String::new(), describe(s)))
        .chain(
            plan.changed
                .iter()
                .map(|(a, n)| ("sửa".to_owned(), describe(a), describe(n))),
        )
        .take(200)
        .collect();
    view.unchanged = plan.unchanged;
    if !plan.new.is_empty() || !plan.changed.is_empty() {
        view.token = state.hold_import(PendingImport {
            user_id: session.actor.user_id,
            file: name,
            preview: Held::OcopSupport(lines),
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

pub async fn support_confirm(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let now = state.now();
    let (file, lines) = state.take_held(&f.token, session.actor.user_id, now, |h| match h {
        Held::OcopSupport(lines) => Ok(lines),
        other => Err(Box::new(other)),
    })?;
    let ws = workspace(&state, Some(0)).await?;
    let (new, changed, unchanged) = ntm_app::ocop::import_support(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &lines,
        (today(&state), now),
        &format!("nhập kinh phí hỗ trợ OCOP từ tệp {}", file),
    )
    .await?;
    let mut view = support_page(&state, &session, "").await?;
    view.file = file;
    view.done =
        format!("Đã ghi: {new} khoản mới, {changed} khoản thay đổi ({unchanged} không đổi).");
    render(&view)
}

// ---------------------------------------------------------------------------------------
// The province's report
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ocop_report.html")]
pub struct ReportPage {
    pub chrome: Option<Chrome>,
    pub today: String,
    pub t: Totals,
    pub spending: Vec<SpendingLine>,
    pub count_rule: &'static str,
    pub ratio_rule: &'static str,
    pub illustrative: bool,
}

pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<YearQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let registry = &ws.registry;
    let day = today(&state);
    let b = book(&state).await?;
    let outcomes = ntm_app::ocop::outcomes(state.store.as_ref(), &b).await?;
    let f = ntm_app::ocop::figures(
        &b,
        registry,
        &|p| ntm_app::ocop::may_see(registry, &session.actor, p, day),
        day,
        &outcomes,
    );
    let (_, by_year) =
        ntm_app::ocop::spending(&b, registry, None, state.config.ocop_identity_ratio);
    let spending = if sees_province(&session, registry, day) {
        spending_lines(&by_year)
    } else {
        vec![]
    };
    if q.format == "xlsx" {
        let spending = if sees_province(&session, registry, day) {
            by_year
        } else {
            vec![]
        };
        let bytes =
            crate::state::blocking(move || ntm_app::ocop::report_workbook(&f, &spending, day))
                .await??;
        return Ok(download(
            bytes,
            &format!("bao-cao-ocop-{}.xlsx", day.format("%Y%m%d")),
            None,
        ));
    }
    render(&ReportPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "ocop",
        )),
        today: date(day),
        t: totals(&f),
        spending,
        count_rule: ocop::COUNT_RULE,
        ratio_rule: ocop::RATIO_RULE,
        illustrative: f.illustrative,
    })
}

// ---------------------------------------------------------------------------------------
// Mandatory conditions
// ---------------------------------------------------------------------------------------

/// (set code, set name, conditions loaded)
pub type SetLoaded = (String, String, usize);

#[derive(Template)]
#[template(path = "ocop_conditions.html")]
pub struct ConditionsPage {
    pub chrome: Option<Chrome>,
    /// Per rule set, its product sets with how many conditions are loaded for each.
    pub rules: Vec<(String, Vec<SetLoaded>)>,
    pub conditions: Vec<(String, String, u8, String, String, String)>,
    pub manage: bool,
}

pub async fn conditions(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let b = book(&state).await?;
    let rules = RuleSet::ALL
        .iter()
        .map(|r| {
            let sets = PRODUCT_SETS_148
                .iter()
                .map(|s| {
                    let n = b
                        .conditions
                        .iter()
                        .filter(|c| {
                            c.rule_set == *r && (c.product_set == s.code || c.product_set == "*")
                        })
                        .count();
                    (s.code.to_owned(), s.name.to_owned(), n)
                })
                .collect();
            (r.label_vi().to_owned(), sets)
        })
        .collect();
    render(&ConditionsPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "ocop",
        )),
        rules,
        conditions: b
            .conditions
            .iter()
            .map(|c| {
                (
                    c.rule_set.label_vi().to_owned(),
                    c.product_set.clone(),
                    c.stars,
                    c.code.clone(),
                    c.text.clone(),
                    c.source.clone(),
                )
            })
            .collect(),
        manage: ntm_app::ocop::may_manage(&ws.registry, &session.actor, today(&state)),
    })
}

pub async fn conditions_upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let ws = workspace(&state, Some(0)).await?;
    let bytes = form.file("file").map(|f| f.bytes).unwrap_or_default();
    let text = String::from_utf8(bytes).map_err(|_| {
        WebError::from(ntm_app::AppError::Invalid(vec![
            "Tệp không phải văn bản UTF-8 (CSV).".into(),
        ]))
    })?;
    let conditions = ntm_app::ocop::parse_conditions(&text).map_err(ntm_app::AppError::Invalid)?;
    ntm_app::ocop::load_conditions(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &conditions,
        (today(&state), state.now()),
    )
    .await?;
    Ok(Redirect::to("/ocop/conditions").into_response())
}

// ---------------------------------------------------------------------------------------
// Public catalogue
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ocop_public.html")]
pub struct PublicPage {
    pub chrome: Option<Chrome>,
    pub products: Vec<ntm_app::ocop::PublicProduct>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub category: String,
    pub q: String,
    pub today: String,
    pub illustrative: bool,
}

#[derive(Deserialize, Default)]
pub struct PublicQuery {
    #[serde(default)]
    category: String,
    #[serde(default)]
    q: String,
}

fn public_headers(r: Response) -> Response {
    let mut r = r;
    // What the public sees may be cached briefly by a phone; it holds nothing private.
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=300"),
    );
    // The QR codes carry the address the page was asked on.
    r.headers_mut()
        .insert(header::VARY, header::HeaderValue::from_static("Host"));
    r
}

pub async fn catalogue(
    State(state): State<AppState>,
    Query(q): Query<PublicQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let day = today(&state);
    let b = book(&state).await?;
    let category = Some(q.category.trim()).filter(|c| !c.is_empty());
    let products = ntm_app::ocop::catalogue(&b, &ws.registry, day, category, &q.q);
    Ok(public_headers(render(&PublicPage {
        chrome: None,
        illustrative: products.iter().any(|p| p.illustrative),
        products,
        categories: CATEGORIES_148.to_vec(),
        category: q.category,
        q: q.q,
        today: date(day),
    })?))
}

#[derive(Template)]
#[template(path = "ocop_public_product.html")]
pub struct PublicProductPage {
    pub chrome: Option<Chrome>,
    pub p: ntm_app::ocop::PublicProduct,
    pub stars: String,
    pub until: String,
    pub qr: String,
    pub url: String,
}

pub async fn public_product(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let b = book(&state).await?;
    let p =
        ntm_app::ocop::public_product(&b, &ws.registry, id, today(&state)).ok_or_else(|| {
            WebError::not_found("Không có sản phẩm OCOP này trong danh mục công khai.")
        })?;
    let url = format!("{}/san-pham-ocop/{id}", public_base(&state, &headers));
    Ok(public_headers(render(&PublicProductPage {
        chrome: None,
        stars: stars_html(p.stars),
        until: date(p.valid_until),
        qr: ntm_app::ocop::qr_svg(&url)?,
        url,
        p,
    })?))
}

pub async fn public_qr(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let b = book(&state).await?;
    ntm_app::ocop::public_product(&b, &ws.registry, id, today(&state)).ok_or_else(|| {
        WebError::not_found("Không có sản phẩm OCOP này trong danh mục công khai.")
    })?;
    let url = format!("{}/san-pham-ocop/{id}", public_base(&state, &headers));
    let svg = ntm_app::ocop::qr_svg(&url)?;
    Ok(public_headers(
        (
            [
                (header::CONTENT_TYPE, "image/svg+xml"),
                (
                    header::CONTENT_DISPOSITION,
                    "inline; filename=\"ocop-qr.svg\"",
                ),
            ],
            svg,
        )
            .into_response(),
    ))
}
