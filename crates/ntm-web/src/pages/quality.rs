//! The data-quality page (kiểm tra chất lượng số liệu): findings of a year in the
//! viewer's scope by rule, by criterion and by unit, the units with the most findings
//! first so the office can aim its field checks, the province on a map, each finding in
//! words; the same as an .xlsx.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use ntm_core::quality::{Detail, Severity};
use serde::Deserialize;

use super::reports::{col, int, scope_name, subtitle, t, xlsx};
use super::{ChosenBasis, Chrome, render, visible, workspace_on, year_choices};
use crate::auth::Session;
use crate::error::{WebResult, internal};
use crate::format::number;
use crate::state::{AppState, blocking};

#[derive(Deserialize)]
pub struct QualityQuery {
    pub year: Option<i32>,
    pub format: Option<String>,
    /// One unit's findings only.
    pub unit: Option<String>,
}

pub struct FindingRow {
    pub unit: String,
    pub name: String,
    pub severity: &'static str,
    pub class: &'static str,
    pub rule: String,
    pub message: String,
    /// The numbers behind it (peers' median and spread, last year's value).
    pub detail: String,
}

pub struct RuleRow {
    pub title: String,
    pub severity: &'static str,
    pub class: &'static str,
    pub kind: &'static str,
    pub findings: usize,
}

pub struct UnitRow {
    pub unit: String,
    pub name: String,
    pub blocking: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Template)]
#[template(path = "quality.html")]
struct QualityPage {
    chrome: Option<Chrome>,
    basis_bar: super::BasisBar,
    year: i32,
    years: Vec<(i32, bool)>,
    scope: String,
    unit: Option<(String, String)>,
    checked: usize,
    blocking: usize,
    warning: usize,
    info: usize,
    unchecked: Vec<String>,
    illustrative: bool,
    rules: Vec<RuleRow>,
    criteria: Vec<(String, String, usize)>,
    units: Vec<UnitRow>,
    findings: Vec<FindingRow>,
    /// Notes not listed on a scope's page (each unit's page lists them).
    notes_unlisted: usize,
    map: Result<String, String>,
    xlsx_href: String,
    /// (year, communes checked, blocking, warnings, notes).
    trend: Vec<(i32, usize, usize, usize, usize)>,
    explained: usize,
    open: usize,
    /// Findings seen when values were saved and corrected since.
    corrected: Vec<CorrectedRow>,
}

pub struct CorrectedRow {
    pub severity: &'static str,
    pub message: String,
    pub seen: String,
    pub resolved: String,
}

/// The CSS class a severity is shown with.
pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Blocking => "unmet",
        Severity::Warning => "unknown",
        Severity::Info => "muted",
    }
}

fn detail(d: &Detail, names: &dyn Fn(&ntm_core::UnitId) -> Option<String>) -> String {
    match d {
        Detail::PeerOutlier { stats, .. } => {
            let shown: Vec<String> = stats.peers.iter().filter_map(names).collect();
            format!(
                "{} đơn vị so sánh: trung vị {}, độ lệch tuyệt đối trung vị (MAD) {}{}",
                stats.count,
                number(stats.median),
                number(stats.mad),
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", shown.join(", "))
                }
            )
        }
        _ => String::new(),
    }
}

/// The report of `year` for the viewer's scope (or one unit of it), kept per scope and
/// data version.
async fn year_report(
    state: &AppState,
    session: &Session,
    chosen: &ChosenBasis,
    only: Option<&ntm_core::UnitId>,
    year: i32,
) -> WebResult<std::sync::Arc<ntm_app::quality::Report>> {
    let ws = workspace_on(state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let last = workspace_on(state, Some(year - 1), chosen.basis).await?;
    let mut scope = visible(session, &ws.registry, year);
    if let Some(id) = only {
        scope.retain(|u| u == id);
    }
    super::scoped_with(
        state,
        session,
        chosen,
        "quality",
        year,
        &format!("{only:?}"),
        async {
            Ok(ntm_app::quality::report(
                state.store.as_ref(),
                &state.cache,
                &ws,
                &last,
                state.config.inherit_rule,
                &scope,
                year,
            )
            .await?)
        },
    )
    .await
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<QualityQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let only = match q.unit.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => {
            let id = super::unit_id(u)?;
            super::require(
                &session,
                &ws.registry,
                ntm_core::access::Action::View,
                &id,
                year,
            )?;
            Some(id)
        }
        None => None,
    };
    let report = year_report(&state, &session, &chosen, only.as_ref(), year).await?;
    // The trend: the two years before, counted the same way (each kept per data version).
    let mut trend = Vec::new();
    for y in year - 2..=year {
        let r = if y == year {
            report.clone()
        } else {
            year_report(&state, &session, &chosen, only.as_ref(), y).await?
        };
        trend.push((
            y,
            r.communes_checked,
            r.count(Severity::Blocking),
            r.count(Severity::Warning),
            r.count(Severity::Info),
        ));
    }
    let explanations = state
        .store
        .explanations(None, year)
        .await
        .map_err(ntm_app::AppError::from)?;
    let warnings: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .collect();
    let explained = warnings
        .iter()
        .filter(|f| ntm_app::quality::explanation_for(&explanations, f).is_some())
        .count();
    let readable = visible(&session, &ws.registry, year);
    let seen = state
        .store
        .findings_seen(only.as_ref(), year)
        .await
        .map_err(ntm_app::AppError::from)?;
    let mut in_scope = readable.clone();
    if let Some(id) = &only {
        in_scope.retain(|u| u == id);
    }
    let corrected: Vec<CorrectedRow> = ntm_app::quality::corrected(
        &seen,
        &*ntm_app::quality::rules_in_force(state.store.as_ref(), &state.cache).await?,
        &in_scope,
    )
    .into_iter()
    .map(|s| CorrectedRow {
        severity: ntm_core::quality::Severity::parse(&s.severity).map_or("", |x| x.label_vi()),
        message: s.message.clone(),
        seen: crate::format::datetime(s.first_seen_at),
        resolved: s
            .resolved_at
            .map(crate::format::datetime)
            .unwrap_or_default(),
    })
    .collect();
    let name_of = |u: &ntm_core::UnitId| {
        readable.contains(u).then(|| {
            ws.registry
                .get(u)
                .and_then(|x| x.version_in_year(year))
                .map_or_else(|| u.to_string(), |v| v.name.clone())
        })
    };
    let unit_name = |u: &ntm_core::UnitId| name_of(u).unwrap_or_else(|| u.to_string());
    let rule_title = |id: &str| {
        report
            .rules
            .iter()
            .find(|r| r.id == id)
            .map_or_else(|| id.to_owned(), |r| r.title.clone())
    };
    let rows: Vec<(Severity, FindingRow)> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.severity,
                FindingRow {
                    unit: f.unit.to_string(),
                    name: unit_name(&f.unit),
                    severity: f.severity.label_vi(),
                    class: severity_class(f.severity),
                    rule: rule_title(&f.rule_id),
                    message: f.message_vi.clone(),
                    detail: detail(&f.detail, &name_of),
                },
            )
        })
        .collect();
    let bar = chosen.bar(year, 0);
    let scope_title = match &only {
        Some(id) => unit_name(id),
        None => scope_name(&session, &ws),
    };
    if q.format.as_deref() == Some("xlsx") {
        let table = ntm_reports::Table {
            sheet: format!("Chất lượng số liệu {year}"),
            title: format!(
                "KẾT QUẢ KIỂM TRA CHẤT LƯỢNG SỐ LIỆU NĂM {year}{}",
                bar.suffix.to_uppercase()
            ),
            subtitle: subtitle(
                &scope_title,
                "quy tắc kiểm tra theo bộ tiêu chí áp dụng",
                report.illustrative,
                &bar,
            ),
            columns: vec![
                col("STT", 5.0),
                col("Đơn vị", 22.0),
                col("Mức", 11.0),
                col("Quy tắc", 32.0),
                col("Nội dung", 60.0),
                col("Số liệu so sánh", 40.0),
            ],
            header_rows: vec![],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (_, f))| {
                    vec![
                        int(i + 1),
                        t(f.name.clone()),
                        t(f.severity),
                        t(f.rule.clone()),
                        t(f.message.clone()),
                        t(f.detail.clone()),
                    ]
                })
                .collect(),
            totals: vec![],
            notes: vec![
                format!(
                    "{} xã được kiểm tra; {} chặn gửi, {} cảnh báo, {} lưu ý.",
                    report.communes_checked,
                    report.count(Severity::Blocking),
                    report.count(Severity::Warning),
                    report.count(Severity::Info)
                ),
                ntm_core::quality::OUTLIER_RULE.into(),
            ],
            landscape: true,
            freeze_columns: 2,
        };
        let bytes = blocking(move || ntm_reports::workbook(&[table]))
            .await?
            .map_err(|e| internal(anyhow::anyhow!("{e}")))?;
        return Ok(xlsx(bytes, &format!("chat-luong-so-lieu-{year}.xlsx")));
    }
    let with = |lo: usize, hi: usize| -> Vec<(ntm_core::UnitId, String)> {
        let counted: std::collections::BTreeMap<&ntm_core::UnitId, usize> = report
            .units
            .iter()
            .map(|u| (&u.unit, u.blocking + u.warning))
            .collect();
        ws.communes(year, None)
            .iter()
            .filter(|v| readable.contains(v.id()))
            .filter_map(|v| {
                let n = counted.get(v.id()).copied().unwrap_or(0);
                (lo..=hi).contains(&n).then(|| {
                    (
                        v.id().clone(),
                        format!("{} — {n} cảnh báo hoặc lỗi chặn gửi", unit_name(v.id())),
                    )
                })
            })
            .collect()
    };
    let base = crate::maps::base(&state).await?;
    let map = crate::maps::unit_map(
        &base,
        &ws.registry,
        ws.tree_date(year),
        "ban-do-chat-luong",
        &format!("Cảnh báo và lỗi chặn gửi theo xã, năm {year}"),
        &[
            crate::maps::Class {
                label: "Không có cảnh báo".into(),
                units: with(0, 0),
            },
            crate::maps::Class {
                label: "1–2".into(),
                units: with(1, 2),
            },
            crate::maps::Class {
                label: "3–5".into(),
                units: with(3, 5),
            },
            crate::maps::Class {
                label: "6 trở lên".into(),
                units: with(6, usize::MAX),
            },
        ],
    );
    render(&QualityPage {
        chrome: Some(Chrome::new(&session, &ws.registry, year, "reports")),
        xlsx_href: chosen.href_setting("format", "xlsx"),
        basis_bar: bar,
        year,
        years: year_choices(year),
        scope: scope_title,
        unit: only.as_ref().map(|id| (id.to_string(), unit_name(id))),
        checked: report.communes_checked,
        blocking: report.count(Severity::Blocking),
        warning: report.count(Severity::Warning),
        info: report.count(Severity::Info),
        unchecked: report.unchecked_sets.clone(),
        illustrative: report.illustrative,
        rules: report
            .rules
            .iter()
            .map(|r| RuleRow {
                title: r.title.clone(),
                severity: r.severity.label_vi(),
                class: severity_class(r.severity),
                kind: r.kind,
                findings: r.findings,
            })
            .collect(),
        criteria: report.criteria.clone(),
        units: report
            .units
            .iter()
            .take(20)
            .map(|u| UnitRow {
                unit: u.unit.to_string(),
                name: u.name.clone(),
                blocking: u.blocking,
                warning: u.warning,
                info: u.info,
            })
            .collect(),
        notes_unlisted: if only.is_some() {
            0
        } else {
            report.count(Severity::Info)
        },
        // A province's notes (a value without evidence, say) run to thousands: the
        // scope's page lists what needs an answer, a unit's page (and the .xlsx) all.
        trend,
        explained,
        open: warnings.len() - explained,
        corrected,
        findings: rows
            .into_iter()
            .filter(|(s, _)| only.is_some() || *s != Severity::Info)
            .map(|(_, f)| f)
            .collect(),
        map,
    })
}
