//! Tổng quan: the province (or the viewer's part of it) at a glance for a year; someone
//! whose reach that year is one commune gets that commune's home instead ([`super::home`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use ntm_core::evaluation::CriterionStatus;
use serde::Deserialize;

use super::{ChosenBasis, Chrome, render, visible, workspace_on, year_choices};
use crate::auth::Session;
use crate::charts::{Bar, Stack, bars, level_stacks};
use crate::error::WebResult;
use crate::format::{number, percent};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
    /// What the map colours: `tieu-chi` (criteria met), else the level.
    pub ban_do: Option<String>,
}

#[derive(Clone)]
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    pub note: String,
}

#[derive(Clone)]
pub struct DistrictRow {
    pub name: String,
    /// Every xã of the district that year.
    pub all: usize,
    /// Those with values read.
    pub communes: usize,
    pub standard: usize,
    pub advanced: usize,
    pub model: usize,
    pub average: String,
    pub result: &'static str,
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage {
    chrome: Option<Chrome>,
    years: Vec<(i32, bool)>,
    year: i32,
    basis_bar: super::BasisBar,
    d: Dashboard,
    /// The viewer's tasks to follow up: (overdue, due soon, days, awaiting confirmation).
    follow_up: Option<(usize, usize, u32, usize)>,
    /// The plans of the year the viewer may read: (id, title, chart with target lines,
    /// illustrative).
    plans: Vec<(i64, String, String, bool)>,
    /// The year's recognitions in the viewer's province or district: (scope name, results).
    recognitions: Option<(String, ntm_app::recognition::YearResults)>,
}

/// What the overview shows of the evaluations: the same for every viewer of one scope
/// while the data stands, so it is computed once per (year, grants, data versions).
#[derive(Clone, Default)]
struct Dashboard {
    empty: Option<String>,
    illustrative: bool,
    set_title: String,
    tiles: Vec<Tile>,
    change: Option<String>,
    stacks_svg: String,
    unmet_svg: String,
    /// The communes on a map by level (or by criteria met), or why there is none.
    map: Option<Result<String, String>>,
    /// Whether the map colours criteria met rather than levels.
    by_criteria: bool,
    districts: Vec<DistrictRow>,
    without_data: usize,
    unapproved: usize,
    off_tree: usize,
}

fn district_result(status: Option<CriterionStatus>, town: bool) -> (&'static str, &'static str) {
    match (status, town) {
        (None, _) => ("—", ""),
        (Some(CriterionStatus::Met), false) => ("huyện đạt chuẩn NTM", "met"),
        (Some(CriterionStatus::Met), true) => ("hoàn thành nhiệm vụ", "met"),
        (Some(CriterionStatus::Unmet), false) => ("chưa đạt chuẩn", "unmet"),
        (Some(CriterionStatus::Unmet), true) => ("chưa hoàn thành nhiệm vụ", "unmet"),
        (Some(CriterionStatus::Unknown), _) => ("chưa đủ căn cứ", "unknown"),
    }
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<YearQuery>,
    chosen: ChosenBasis,
) -> WebResult<Response> {
    let year = q.year.unwrap_or(state.config.default_year);
    let registry = state.cache.registry(state.store.as_ref()).await?;
    let reach = state
        .cache
        .visible_units(state.store.as_ref(), &session.actor.grants, year)
        .await?;
    if let Some(unit) = ntm_app::home::sole_commune(&registry, &reach) {
        return super::home::page(&state, &session, unit, year, &chosen).await;
    }
    let ws = workspace_on(&state, Some(year), chosen.basis)
        .await?
        .on_tree_of(chosen.tree());
    let prev = workspace_on(&state, Some(year - 1), chosen.basis).await?;
    let chrome = Some(Chrome::new(&session, &ws.registry, year, "overview"));
    let follow_up = follow_up(&state, &session, &ws.registry).await?;
    let base = crate::maps::base(&state).await?;
    let by_criteria = q.ban_do.as_deref() == Some("tieu-chi");
    let key = format!(
        "overview|{year}|{:?}|{:?}|{:?}|{by_criteria}",
        chosen.basis, ws.as_of, session.actor.grants
    );
    let d = state
        .cache
        .memo(state.store.as_ref(), key, || {
            let scope = visible(&session, &ws.registry, year);
            dashboard(&base, &ws, &prev, year, &scope, by_criteria)
        })
        .await?;
    let mut plans = Vec::new();
    for p in ntm_app::targets::visible_plans(state.store.as_ref(), &ws.registry, &session.actor)
        .await?
        .iter()
        .filter(|p| p.period == year.to_string())
    {
        let today = ntm_core::task::local_date(state.now());
        let progress = ntm_app::targets::progress(state.store.as_ref(), &ws, p, today).await?;
        let chart = super::targets::chart(&progress);
        if !chart.is_empty() {
            plans.push((p.id, p.title.clone(), chart, p.illustrative));
        }
    }
    let scope = session.actor.grants.iter().find_map(|g| {
        ws.registry.get(&g.unit).filter(|u| {
            matches!(
                u.level,
                ntm_core::UnitLevel::Province | ntm_core::UnitLevel::District
            )
        })
    });
    let recognitions = match scope {
        Some(u) => {
            let records = state
                .store
                .list_dossiers(&ntm_store::DossierFilter::default())
                .await
                .map_err(ntm_app::AppError::from)?;
            let r = ntm_app::recognition::year_results(&ws.registry, &records, &u.id, year)?;
            (!r.is_empty()).then(|| (u.latest().name.clone(), r))
        }
        None => None,
    };
    render(&OverviewPage {
        recognitions,
        chrome,
        years: year_choices(year),
        year,
        basis_bar: chosen.bar_on(&ws, year, d.unapproved, d.off_tree),
        d: (*d).clone(),
        follow_up,
        plans,
    })
}

/// The communes of the summary on the map, each in the class `class_of` gives it (an index
/// into `labels`, light to dark), with its name, level and criteria met on hover.
fn outcome_map(
    base: &ntm_app::maps::MapBase,
    ws: &ntm_app::evaluate::Workspace,
    year: i32,
    s: &ntm_app::summary::Summary<'_>,
    (id, title): (&str, &str),
    labels: Vec<String>,
    class_of: impl Fn(&ntm_core::rollup::Outcome) -> usize,
) -> Result<String, String> {
    let mut classes: Vec<crate::maps::Class> = labels
        .into_iter()
        .map(|label| crate::maps::Class {
            label,
            units: Vec::new(),
        })
        .collect();
    for o in &s.outcomes {
        let name = ws
            .registry
            .get(&o.unit)
            .and_then(|u| u.version_in_year(year))
            .map_or_else(|| o.unit.to_string(), |v| v.name.clone());
        classes[class_of(o)].units.push((
            o.unit.clone(),
            format!(
                "{name} — {}, đạt {}/{} tiêu chí",
                o.level.label_vi(),
                o.criteria_met,
                o.criteria_total
            ),
        ));
    }
    crate::maps::unit_map(base, &ws.registry, s.tree_date, id, title, &classes)
}

/// The communes of the summary by level.
fn level_map(
    base: &ntm_app::maps::MapBase,
    ws: &ntm_app::evaluate::Workspace,
    year: i32,
    s: &ntm_app::summary::Summary<'_>,
) -> Result<String, String> {
    use ntm_core::criteria::Level;
    outcome_map(
        base,
        ws,
        year,
        s,
        (
            "ban-do-muc-dat",
            &format!("Mức đạt nông thôn mới của các xã năm {year}"),
        ),
        ntm_map::LEVEL_LABELS
            .iter()
            .map(|l| (*l).to_owned())
            .collect(),
        |o| match o.level {
            Level::None => 0,
            Level::Standard => 1,
            Level::Advanced => 2,
            Level::Model => 3,
        },
    )
}

/// The communes of the summary by how many criteria each still misses.
fn criteria_map(
    base: &ntm_app::maps::MapBase,
    ws: &ntm_app::evaluate::Workspace,
    year: i32,
    s: &ntm_app::summary::Summary<'_>,
) -> Result<String, String> {
    let total = s.stats.criteria_total;
    outcome_map(
        base,
        ws,
        year,
        s,
        (
            "ban-do-tieu-chi",
            &format!("Số tiêu chí đạt của các xã năm {year}"),
        ),
        vec![
            "Thiếu 6 tiêu chí trở lên".to_owned(),
            "Thiếu 3–5 tiêu chí".to_owned(),
            "Thiếu 1–2 tiêu chí".to_owned(),
            format!("Đạt đủ {total}/{total} tiêu chí"),
        ],
        |o| match o.criteria_total.saturating_sub(o.criteria_met) {
            0 => 3,
            1..=2 => 2,
            3..=5 => 1,
            _ => 0,
        },
    )
}

/// The overview's evaluation of `year` over `scope`, against the year before.
fn dashboard(
    base: &ntm_app::maps::MapBase,
    ws: &ntm_app::evaluate::Workspace,
    prev: &ntm_app::evaluate::Workspace,
    year: i32,
    scope: &std::collections::BTreeSet<ntm_core::UnitId>,
    by_criteria: bool,
) -> WebResult<Dashboard> {
    let mut page = Dashboard {
        by_criteria,
        unapproved: ws.unapproved_communes(year, None, |u| scope.contains(u)),
        off_tree: ws.communes_off_tree(year, |u| scope.contains(u)),
        ..Dashboard::default()
    };
    let s = match ntm_app::summary::summary(ws, year, None, Some(prev), Some(scope)) {
        Ok(s) => s,
        Err(ntm_app::AppError::NotFound(m)) => {
            page.empty = Some(m);
            return Ok(page);
        }
        Err(e) => return Err(e.into()),
    };
    let st = &s.stats;
    page.map = Some(if by_criteria {
        criteria_map(base, ws, year, &s)
    } else {
        level_map(base, ws, year, &s)
    });
    page.illustrative = s.illustrative;
    page.set_title = format!("{} ({})", s.set.header.title, s.set.id());
    page.without_data = s.communes_without_data;
    page.tiles = vec![
        Tile {
            label: "Xã được đánh giá",
            value: st.communes.to_string(),
            note: format!("bộ {} tiêu chí", st.criteria_total),
        },
        Tile {
            label: "Đạt chuẩn NTM",
            value: st.standard_or_above.to_string(),
            note: if s.communes_without_data > 0 {
                format!(
                    "{} tổng số {} xã ({} xã {})",
                    percent(s.standard_pct_of_all()),
                    s.all_communes(),
                    s.communes_without_data,
                    s.basis.no_data_words()
                )
            } else {
                format!("{} số xã", percent(s.standard_pct_of_all()))
            },
        },
        Tile {
            label: "NTM nâng cao",
            value: st.advanced_or_above.to_string(),
            note: format!("{} số xã NTM", percent(st.advanced_pct_of_ntm())),
        },
        Tile {
            label: "NTM kiểu mẫu",
            value: st.model.to_string(),
            note: format!("{} số xã NTM", percent(st.model_pct_of_ntm())),
        },
        Tile {
            label: "Bình quân",
            value: st.average_criteria().map_or("—".into(), number),
            note: "tiêu chí/xã".into(),
        },
    ];
    // Two years judged under two different sets (2025 under 2021-2025, 2026 under
    // 2026-2030): a fall in level is the new set's doing as much as the commune's.
    let set_changed = prev
        .default_set(ntm_core::UnitType::Commune, year - 1)
        .ok()
        .zip(ws.default_set(ntm_core::UnitType::Commune, year).ok())
        .filter(|(a, b)| a.id() != b.id() && a.header.period != b.header.period)
        .map(|(a, _)| {
            format!(
                ". Năm {} đánh giá theo bộ khác ({}): so sánh giữa hai bộ tiêu chí, xã giảm mức có thể do bộ mới chặt hơn — xem So sánh giả định (số liệu năm {} theo bộ mới)",
                year - 1,
                a.id(),
                year - 1
            )
        })
        .unwrap_or_default();
    page.change = s.previous.as_ref().map(|(p, t)| {
        format!(
            "So với năm {}: thêm {} xã đạt chuẩn, {} xã nâng cao, {} xã kiểu mẫu (năm {}: {} đạt chuẩn, bình quân {} tiêu chí/xã){}",
            year - 1,
            t.newly_standard.len(),
            t.newly_advanced.len(),
            t.newly_model.len(),
            year - 1,
            p.standard_or_above,
            p.average_criteria().map_or("—".into(), number),
            if t.dropped.is_empty() { String::new() } else { format!("; {} xã giảm mức", t.dropped.len()) }
        ) + &if t.through_lineage.is_empty() {
            String::new()
        } else {
            format!(
                ". {} xã mới sau sáp nhập được so qua các xã trước sáp nhập: {}",
                t.through_lineage.len(),
                ntm_core::rollup::MERGED_COMPARISON_RULE.trim_end_matches('.')
            )
        } + &set_changed
    });
    let stacks: Vec<Stack> = s
        .districts
        .iter()
        .filter(|d| d.stats.communes > 0)
        .map(|d| {
            let st = &d.stats;
            Stack {
                label: d.name.clone(),
                counts: [
                    st.communes - st.standard_or_above,
                    st.standard_or_above - st.advanced_or_above,
                    st.advanced_or_above - st.model,
                    st.model,
                ],
            }
        })
        .collect();
    let stacks = if stacks.is_empty() {
        vec![Stack {
            label: s
                .province
                .as_ref()
                .map_or("Tổng".into(), |(_, n)| n.clone()),
            counts: [
                st.communes - st.standard_or_above,
                st.standard_or_above - st.advanced_or_above,
                st.advanced_or_above - st.model,
                st.model,
            ],
        }]
    } else {
        stacks
    };
    page.stacks_svg = level_stacks(&format!("Số xã theo mức đạt, năm {year}"), &stacks);
    let unmet: Vec<Bar> = s
        .most_unmet
        .iter()
        .take(8)
        .map(|u| Bar {
            label: format!("{}. {}", u.criterion, u.name),
            value: u.unmet as f64,
            text: format!("{} xã", u.unmet),
        })
        .collect();
    page.unmet_svg = if unmet.is_empty() {
        String::new()
    } else {
        bars("Tiêu chí nhiều xã chưa đạt nhất", &unmet, None, "unmet")
    };
    page.districts = s
        .districts
        .iter()
        .map(|d| {
            let (result, class) =
                district_result(d.status, d.unit_type != ntm_core::UnitType::District);
            DistrictRow {
                name: d.name.clone(),
                all: d.all_communes,
                communes: d.stats.communes,
                standard: d.stats.standard_or_above,
                advanced: d.stats.advanced_or_above,
                model: d.stats.model,
                average: d.stats.average_criteria().map_or("—".into(), number),
                result,
                class,
            }
        })
        .collect();
    Ok(page)
}

/// What the viewer's tasks need now, for the line above the dashboard: none when the
/// viewer has no task at all.
async fn follow_up(
    state: &AppState,
    session: &Session,
    registry: &ntm_core::UnitRegistry,
) -> WebResult<Option<(usize, usize, u32, usize)>> {
    use ntm_core::task::TaskState;
    let material = state.cache.task_material(state.store.as_ref()).await?;
    let orgs = ntm_app::tasks::organisations_of(state.store.as_ref(), &session.actor).await?;
    let tasks = ntm_app::tasks::views_in(
        &material,
        registry,
        &session.actor,
        &orgs,
        None,
        state.now(),
    );
    if tasks.is_empty() {
        return Ok(None);
    }
    let days = state.config.due_soon_days;
    let mut counts = (0, 0, days, 0);
    for t in ntm_app::tasks::leaves(&tasks) {
        if t.state == TaskState::Overdue {
            counts.0 += 1;
        }
        if t.due_within(days) {
            counts.1 += 1;
        }
        if t.awaiting_confirmation {
            counts.3 += 1;
        }
    }
    Ok(Some(counts))
}
