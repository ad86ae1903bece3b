//! The report models the office sends up: the criteria summary table, the level
//! statistics, the candidates for the next level, and the data export. Each is computed
//! over the viewer's visible units only, so no report reveals what its viewer may not see.
//! Rendering (page, .xlsx, print) is elsewhere.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use ntm_core::criteria::{Level, SetId};
use ntm_core::evaluation::{CriterionStatus, IndicatorStatus};
use ntm_core::rollup::LevelStats;
use ntm_core::{UnitId, UnitLevel, UnitType};
use rust_decimal::Decimal;

use crate::evaluate::{Workspace, outcome};
use crate::{AppError, AppResult};

/// One commune's line in the criteria summary table.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub unit: UnitId,
    pub name: String,
    pub statuses: Vec<CriterionStatus>,
    pub met: usize,
    pub level: Level,
}

/// The communes of one district (or of the province after 2025).
#[derive(Debug, Clone)]
pub struct SummaryGroup {
    pub name: String,
    pub rows: Vec<SummaryRow>,
    pub stats: LevelStats,
}

/// Bảng tổng hợp kết quả thực hiện bộ tiêu chí.
#[derive(Debug, Clone)]
pub struct CriteriaSummary {
    pub year: i32,
    pub set_id: String,
    pub set_title: String,
    pub illustrative: bool,
    pub criteria: Vec<(String, String)>,
    pub groups: Vec<SummaryGroup>,
    pub totals: LevelStats,
    /// How many communes meet each criterion, in column order.
    pub met_per_criterion: Vec<usize>,
}

fn year_end(year: i32) -> AppResult<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(|| AppError::NotFound(format!("năm {year}")))
}

/// The district-level unit a commune belonged to at the end of `year`, if any.
fn district_of(ws: &Workspace, unit: &UnitId, date: NaiveDate) -> Option<(UnitId, String)> {
    let parent = ws.registry.view_on(unit, date)?.parent()?.clone();
    let view = ws.registry.view_on(&parent, date)?;
    (view.unit.level == UnitLevel::District).then(|| (parent, view.name().to_owned()))
}

/// The criteria summary table of `year` over the visible communes.
pub fn criteria_summary(
    ws: &Workspace,
    year: i32,
    scope: &BTreeSet<UnitId>,
) -> AppResult<CriteriaSummary> {
    year_end(year)?;
    let date = ws.tree_date(year);
    let communes: Vec<_> = ws
        .communes(year, None)
        .into_iter()
        .filter(|v| scope.contains(v.id()))
        .collect();
    if communes.is_empty() {
        let unapproved = ws.unapproved_communes(year, None, |u| scope.contains(u));
        return Err(AppError::NotFound(crate::summary::no_data(
            ws, year, unapproved,
        )));
    }
    let mut groups: Vec<(Option<UnitId>, SummaryGroup)> = Vec::new();
    let mut report: Option<CriteriaSummary> = None;
    let mut outcomes = Vec::new();
    for v in &communes {
        let e = ws.evaluate(v.id(), year, None)?;
        let base = &e.ladder.steps[0];
        let r = report.get_or_insert_with(|| CriteriaSummary {
            year,
            set_id: base.set.id().0.clone(),
            set_title: base.set.header.title.clone(),
            illustrative: false,
            criteria: base
                .criteria
                .iter()
                .map(|c| (c.criterion.id.clone(), c.criterion.name.clone()))
                .collect(),
            groups: Vec::new(),
            totals: LevelStats::default(),
            met_per_criterion: vec![0; base.criteria.len()],
        });
        r.illustrative |= e.illustrative();
        for (i, c) in base.criteria.iter().enumerate() {
            if c.status == CriterionStatus::Met && i < r.met_per_criterion.len() {
                r.met_per_criterion[i] += 1;
            }
        }
        let row = SummaryRow {
            unit: v.id().clone(),
            name: v.name().to_owned(),
            statuses: base.criteria.iter().map(|c| c.status).collect(),
            met: base.criteria_met(),
            level: e.ladder.level,
        };
        let o = outcome(&e);
        let district = district_of(ws, v.id(), date);
        let key = district.as_ref().map(|(id, _)| id.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.rows.push(row),
            None => groups.push((
                key,
                SummaryGroup {
                    name: district.map_or_else(|| "Toàn tỉnh".to_owned(), |(_, n)| n),
                    rows: vec![row],
                    stats: LevelStats::default(),
                },
            )),
        }
        outcomes.push(o);
    }
    let mut r = report.expect("at least one commune");
    for (_, mut g) in groups {
        let mine: Vec<_> = outcomes
            .iter()
            .filter(|o| g.rows.iter().any(|row| row.unit == o.unit))
            .cloned()
            .collect();
        g.stats = LevelStats::compute(&mine);
        r.groups.push(g);
    }
    r.totals = LevelStats::compute(&outcomes);
    Ok(r)
}

/// One line of the level statistics: an area and its counts, this year and last.
#[derive(Debug, Clone)]
pub struct LevelLine {
    pub area: String,
    /// Every xã of the area that year, with values or not: the base of the share at
    /// standard (a commune without values is not at standard).
    pub all: usize,
    pub now: LevelStats,
    pub before: Option<LevelStats>,
    /// The area's own result, for districts: met, unmet, unknown.
    pub own: Option<CriterionStatus>,
}

impl LevelLine {
    /// The share of all the area's communes at standard or above.
    pub fn standard_pct_of_all(&self) -> Option<Decimal> {
        ntm_core::rollup::percent(self.now.standard_or_above, self.all, 2)
    }
}

/// Thống kê mức đạt: the province (or scope) and each district, with the change from the
/// previous year; and the district-level units recognised.
#[derive(Debug, Clone)]
pub struct LevelStatistics {
    pub year: i32,
    pub illustrative: bool,
    pub lines: Vec<LevelLine>,
    /// (district-level units meeting their set, all evaluated) this year.
    pub districts: Option<(usize, usize)>,
}

/// The level statistics of `year` (and `year - 1` from `previous`) over the scope.
pub fn level_statistics(
    ws: &Workspace,
    previous: &Workspace,
    year: i32,
    scope: &BTreeSet<UnitId>,
) -> AppResult<LevelStatistics> {
    let s = crate::summary::summary(ws, year, None, Some(previous), Some(scope))?;
    let prev_of = |parent: Option<&UnitId>| -> Option<LevelStats> {
        let outcomes = previous.commune_outcomes(year - 1, parent).ok()?;
        let mine: Vec<_> = outcomes
            .into_iter()
            .filter(|o| scope.contains(&o.unit))
            .collect();
        (!mine.is_empty()).then(|| LevelStats::compute(&mine))
    };
    let mut lines = vec![LevelLine {
        area: s
            .province
            .as_ref()
            .map_or_else(|| "Tổng".to_owned(), |(_, n)| n.clone()),
        all: s.all_communes(),
        now: s.stats.clone(),
        before: s.previous.as_ref().map(|(p, _)| p.clone()),
        own: s.province_status,
    }];
    let mut met = 0;
    let mut evaluated = 0;
    for d in &s.districts {
        if d.status.is_some() {
            evaluated += 1;
            met += usize::from(d.status == Some(CriterionStatus::Met));
        }
        lines.push(LevelLine {
            area: d.name.clone(),
            all: d.all_communes,
            now: d.stats.clone(),
            before: prev_of(Some(&d.unit)),
            own: d.status,
        });
    }
    Ok(LevelStatistics {
        year,
        illustrative: s.illustrative,
        lines,
        districts: (evaluated > 0).then_some((met, evaluated)),
    })
}

/// What a commune still lacks for its next level.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub unit: UnitId,
    pub name: String,
    pub district: String,
    pub level: Level,
    pub next: Level,
    /// Criteria of the next level not met (unmet or undecidable), with what is missing.
    pub lacking: Vec<Lack>,
}

/// One missing criterion.
#[derive(Debug, Clone)]
pub struct Lack {
    pub criterion: String,
    pub name: String,
    pub status: CriterionStatus,
    /// Indicators not met: (id, gap if known).
    pub indicators: Vec<(String, Option<Decimal>, IndicatorStatus)>,
}

/// The criteria of `step` not met (unmet or undecidable), each with its indicators not met.
pub fn lacking_in(step: &ntm_core::evaluation::SetResult<'_>) -> Vec<Lack> {
    step.criteria
        .iter()
        .filter(|c| c.status != CriterionStatus::Met)
        .map(|c| Lack {
            criterion: c.criterion.id.clone(),
            name: c.criterion.name.clone(),
            status: c.status,
            indicators: c
                .indicators
                .iter()
                .filter(|i| i.status != IndicatorStatus::Met)
                .map(|i| (i.indicator.id.clone(), i.gap, i.status))
                .collect(),
        })
        .collect()
}

/// Communes ranked by distance to their next level (fewest lacking criteria first).
pub fn candidates(
    ws: &Workspace,
    year: i32,
    scope: &BTreeSet<UnitId>,
) -> AppResult<Vec<Candidate>> {
    year_end(year)?;
    let date = ws.tree_date(year);
    let mut out = Vec::new();
    for v in ws
        .communes(year, None)
        .into_iter()
        .filter(|v| scope.contains(v.id()))
    {
        let e = ws.evaluate(v.id(), year, None)?;
        let Some(next) = e.ladder.next() else {
            continue;
        };
        let lacking = lacking_in(next);
        out.push(Candidate {
            unit: v.id().clone(),
            name: v.name().to_owned(),
            district: district_of(ws, v.id(), date)
                .map(|(_, n)| n)
                .unwrap_or_default(),
            level: e.ladder.level,
            next: next.set.header.level,
            lacking,
        });
    }
    out.sort_by(|a, b| {
        (a.next, a.lacking.len())
            .cmp(&(b.next, b.lacking.len()))
            .then_with(|| {
                ntm_core::text::search_key(&a.name).cmp(&ntm_core::text::search_key(&b.name))
            })
    });
    Ok(out)
}

/// A unit's row of the import template: its id, code and name as it stood then.
pub fn template_unit(v: &ntm_core::unit::UnitView<'_>) -> ntm_reports::TemplateUnit {
    ntm_reports::TemplateUnit {
        id: v.id().to_string(),
        code: v.unit.code.clone(),
        name: v.name().to_owned(),
    }
}

/// The columns of the import template of `set` for `units` in `year`: every indicator a
/// commune enters (the set and its ladder, each once), with the requirement that each
/// unit's own region and commune group give it. Where the units' requirements differ, the
/// column names every variant with the units it applies to.
pub fn template_indicators(
    ws: &Workspace,
    set: &ntm_core::CriteriaSet,
    units: &[UnitId],
    year: i32,
) -> Vec<ntm_reports::TemplateIndicator> {
    use ntm_core::Comparison;
    use std::collections::BTreeMap;
    // Units grouped by the context their thresholds are looked up with.
    let mut contexts: BTreeMap<(Option<String>, Option<u8>), usize> = BTreeMap::new();
    for u in units {
        let c = ws.context(u, year);
        *contexts.entry((c.region, c.group)).or_default() += 1;
    }
    ws.catalogue
        .entered_indicators(set.id())
        .into_iter()
        .map(|(s, i)| {
            let mut variants: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for ((region, group), count) in &contexts {
                let ctx = ntm_core::UnitContext {
                    year,
                    region: region.clone(),
                    group: *group,
                };
                let applied = ntm_core::evaluation::evaluate_indicator(
                    &ws.catalogue,
                    s,
                    i,
                    &ctx,
                    &ntm_core::evaluation::Inputs::default(),
                )
                .threshold;
                let text = match (i.comparison, applied) {
                    (Comparison::Pass, _) => "đạt".to_owned(),
                    (_, None) => "chưa cấu hình ngưỡng".to_owned(),
                    (c, Some(a)) => format!(
                        "{} {}{}",
                        match c {
                            Comparison::AtLeast => "≥",
                            Comparison::AtMost => "≤",
                            _ => "=",
                        },
                        a.value.map_or(String::new(), ntm_core::text::vi_number),
                        i.unit.as_deref().unwrap_or("")
                    ),
                };
                let whom = match (region, group) {
                    (_, Some(g)) => format!("nhóm {g}: {count} xã"),
                    (Some(r), None) => format!("vùng {r}: {count} xã"),
                    (None, None) => format!("{count} xã chưa có vùng, nhóm"),
                };
                variants.entry(text).or_default().push(whom);
            }
            let requirement = if variants.len() <= 1 {
                variants.into_keys().next().unwrap_or_default()
            } else {
                variants
                    .into_iter()
                    .map(|(text, whom)| format!("{text} ({})", whom.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            ntm_reports::TemplateIndicator {
                id: i.id.clone(),
                name: i.name.clone(),
                unit: i.unit.clone(),
                requirement,
                kind: if i.comparison == Comparison::Pass {
                    ntm_reports::TemplateKind::Pass
                } else {
                    ntm_reports::TemplateKind::Number {
                        min: Some(Decimal::ZERO),
                        max: i.is_percent().then_some(Decimal::ONE_HUNDRED),
                    }
                },
            }
        })
        .collect()
}

/// Which communes the criteria matrix shows; empty fields select all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatrixFilter {
    /// A district's unit id (before the reform).
    pub district: String,
    /// A commune group of the 2026-2030 set (`1`-`3`), or `none` for communes without one.
    pub group: String,
    /// A level (`none`, `standard`, `advanced`, `model`).
    pub level: String,
    /// `name` (the default), `district`, or `met` (fewest criteria met first).
    pub sort: String,
}

/// One commune's line of the criteria matrix.
#[derive(Debug, Clone)]
pub struct MatrixLine {
    pub unit: UnitId,
    pub name: String,
    pub district: Option<(UnitId, String)>,
    pub level: Level,
    pub met: usize,
    /// Each criterion of the standard set, in its order: (id, name, status).
    pub criteria: Vec<(String, String, CriterionStatus)>,
}

/// The criteria matrix of `year`: every visible commune with values, filtered and sorted.
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub lines: Vec<MatrixLine>,
    /// The standard set's criteria: (id, name).
    pub columns: Vec<(String, String)>,
    /// "title (id)" of the set the columns come from.
    pub set_title: String,
    pub illustrative: bool,
    /// The districts a viewer may filter by: (id, name).
    pub districts: Vec<(UnitId, String)>,
}

/// The criteria matrix over `visible` units.
pub fn matrix(
    ws: &Workspace,
    visible: &BTreeSet<UnitId>,
    year: i32,
    filter: &MatrixFilter,
) -> Matrix {
    let end = ws.tree_date(year);
    let mut out = Matrix::default();
    for v in ws
        .communes(year, None)
        .into_iter()
        .filter(|v| visible.contains(v.id()))
    {
        let district = v
            .parent()
            .and_then(|p| ws.registry.view_on(p, end))
            .filter(|p| p.unit.level == UnitLevel::District)
            .map(|d| (d.id().clone(), d.name().to_owned()));
        if !filter.district.is_empty()
            && district.as_ref().map(|d| d.0.to_string()).as_deref() != Some(&filter.district)
        {
            continue;
        }
        if !filter.group.is_empty() {
            let group = ws
                .context(v.id(), year)
                .group
                .map_or_else(|| "none".to_owned(), |g| g.to_string());
            if group != filter.group {
                continue;
            }
        }
        let Ok(e) = ws.evaluate(v.id(), year, None) else {
            continue;
        };
        if !filter.level.is_empty() && e.ladder.level.as_str() != filter.level {
            continue;
        }
        let base = &e.ladder.steps[0];
        if out.columns.is_empty() {
            out.columns = base
                .criteria
                .iter()
                .map(|c| (c.criterion.id.clone(), c.criterion.name.clone()))
                .collect();
            out.set_title = format!("{} ({})", base.set.header.title, base.set.id());
        }
        out.illustrative |= e.illustrative();
        out.lines.push(MatrixLine {
            unit: v.id().clone(),
            name: v.name().to_owned(),
            district,
            level: e.ladder.level,
            met: base.criteria_met(),
            criteria: base
                .criteria
                .iter()
                .map(|c| (c.criterion.id.clone(), c.criterion.name.clone(), c.status))
                .collect(),
        });
    }
    let district_name = |l: &MatrixLine| l.district.as_ref().map(|d| d.1.clone());
    match filter.sort.as_str() {
        "met" => out
            .lines
            .sort_by(|a, b| a.met.cmp(&b.met).then_with(|| a.name.cmp(&b.name))),
        "district" => out
            .lines
            .sort_by(|a, b| (district_name(a), &a.name).cmp(&(district_name(b), &b.name))),
        _ => out
            .lines
            .sort_by_key(|l| ntm_core::text::search_key(&l.name)),
    }
    out.districts = ws
        .registry
        .as_of(end)
        .into_iter()
        .filter(|d| d.unit.level == UnitLevel::District && visible.contains(d.id()))
        .map(|d| (d.id().clone(), d.name().to_owned()))
        .collect();
    out
}

/// One commune of the what-if comparison.
#[derive(Debug, Clone)]
pub struct WhatIfRow {
    pub unit: UnitId,
    pub name: String,
    /// Level and criteria met / all under the year's own set.
    pub now: (Level, usize, usize),
    /// The same under the new set.
    pub under: (Level, usize, usize),
    /// Criteria of the new set not met (names), and those that cannot be judged.
    pub lacking: Vec<String>,
    pub unknown: usize,
    /// Whether the new set puts it lower than it stands, counting only levels the new set
    /// can give (a 2026 ladder that ends at standard does not lower an advanced commune
    /// that meets it).
    pub falls: bool,
}

/// A year's data judged under a set of another period, beside the year's own result.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub year: i32,
    pub now_set: String,
    pub new_set: String,
    pub new_set_illustrative: bool,
    /// The first year of the new set, whose year-specific levels are applied.
    pub levels_of: i32,
    pub rows: Vec<WhatIfRow>,
}

impl WhatIf {
    /// Communes at standard or above (now, under the new set).
    pub fn standard(&self) -> (usize, usize) {
        let count = |f: fn(&WhatIfRow) -> Level| {
            self.rows.iter().filter(|r| f(r) >= Level::Standard).count()
        };
        (count(|r| r.now.0), count(|r| r.under.0))
    }
}

/// The sets a year's data can be compared with: commune sets of standard level from
/// another period, the default one of the next period first.
pub fn what_if_sets(ws: &Workspace, year: i32) -> Vec<SetId> {
    let next = ws
        .catalogue
        .default_set(UnitType::Commune, year + 1, Level::Standard)
        .ok()
        .map(|s| s.id().clone());
    let mut sets: Vec<SetId> = ws
        .catalogue
        .sets()
        .filter(|s| {
            s.header.level == Level::Standard
                && s.header.applies_to.contains(&UnitType::Commune)
                && !s.header.period.contains(year)
        })
        .map(|s| s.id().clone())
        .collect();
    sets.sort_by_key(|s| (Some(s) != next.as_ref(), s.0.clone()));
    sets
}

/// Every commune of the scope with values in `year`, judged under its own set and under
/// `new_set`: how the office's communes would stand if the new set applied to last
/// year's data.
pub fn what_if(
    ws: &Workspace,
    year: i32,
    new_set: &SetId,
    scope: &BTreeSet<UnitId>,
) -> AppResult<WhatIf> {
    let set = ws
        .catalogue
        .get(new_set)
        .ok_or_else(|| AppError::NotFound(format!("không có bộ tiêu chí “{new_set}”")))?;
    if !what_if_sets(ws, year).contains(new_set) {
        return Err(AppError::NotFound(format!(
            "bộ “{new_set}” không phải bộ xã của giai đoạn khác để so với số liệu năm {year}"
        )));
    }
    let top = ws
        .catalogue
        .ladder(new_set)
        .last()
        .map_or(Level::Standard, |s| s.header.level);
    let now_set = ws.default_set(UnitType::Commune, year)?;
    let mut rows = Vec::new();
    for view in ws.communes(year, None) {
        if !scope.contains(view.id()) {
            continue;
        }
        let now = ws.evaluate(view.id(), year, None)?;
        let under = ws.evaluate_under(view.id(), year, new_set)?;
        let first = |l: &ntm_core::evaluation::LadderResult<'_>| {
            l.steps
                .first()
                .map_or((0, 0), |s| (s.criteria_met(), s.criteria_total()))
        };
        let (now_met, now_all) = first(&now.ladder);
        let (met, all) = first(&under);
        let step = under.steps.first();
        rows.push(WhatIfRow {
            unit: view.id().clone(),
            name: view.name().to_owned(),
            now: (now.ladder.level, now_met, now_all),
            under: (under.level, met, all),
            lacking: step
                .map(|s| {
                    s.criteria
                        .iter()
                        .filter(|c| c.status == CriterionStatus::Unmet)
                        .map(|c| format!("{}. {}", c.criterion.id, c.criterion.name))
                        .collect()
                })
                .unwrap_or_default(),
            unknown: step.map_or(0, |s| s.count(CriterionStatus::Unknown)),
            falls: under.level < now.ladder.level.min(top),
        });
    }
    rows.sort_by(|a, b| (a.under.0, a.under.1, &a.name).cmp(&(b.under.0, b.under.1, &b.name)));
    Ok(WhatIf {
        year,
        now_set: format!("{} ({})", now_set.header.title, now_set.id()),
        new_set: format!("{} ({})", set.header.title, set.id()),
        new_set_illustrative: set.is_illustrative(),
        levels_of: if set.header.period.contains(year) {
            year
        } else {
            set.header.period.from
        },
        rows,
    })
}
