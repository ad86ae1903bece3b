//! The province summary for a year: communes by level, the reported statistics, the
//! change from the previous year, districts, and the criteria most often unmet.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use ntm_core::criteria::{CriteriaSet, Level, SetId};
use ntm_core::evaluation::CriterionStatus;
use ntm_core::rollup::{LevelStats, Outcome, Transitions};
use ntm_core::{UnitId, UnitLevel, UnitType};

use crate::evaluate::{Workspace, outcome};
use crate::{AppError, AppResult};

/// One district-level unit's line in the summary.
#[derive(Debug, Clone)]
pub struct DistrictLine {
    pub unit: UnitId,
    pub name: String,
    pub unit_type: UnitType,
    pub stats: LevelStats,
    /// Every xã of the district that year, with values or not (the base of its shares).
    pub all_communes: usize,
    /// The district's own level (huyện NTM / thị xã, thành phố hoàn thành nhiệm vụ).
    pub level: Level,
    /// Set used for the district, when one applies.
    pub set: Option<SetId>,
    /// Whether that set is met, unmet, or cannot be decided (missing thresholds or values).
    pub status: Option<CriterionStatus>,
}

/// A criterion and how many communes do not meet it.
#[derive(Debug, Clone)]
pub struct UnmetCount {
    pub criterion: String,
    pub name: String,
    pub unmet: usize,
    pub unknown: usize,
}

/// The province summary of a year.
#[derive(Debug, Clone)]
pub struct Summary<'a> {
    pub year: i32,
    pub province: Option<(UnitId, String)>,
    pub set: &'a CriteriaSet,
    pub illustrative: bool,
    pub stats: LevelStats,
    pub outcomes: Vec<Outcome>,
    /// Communes (xã) in force that year without any value read (on the official basis:
    /// without approved values).
    pub communes_without_data: usize,
    /// Which values were read.
    pub basis: crate::evaluate::Basis,
    /// The day whose tree the counts follow.
    pub tree_date: NaiveDate,
    /// Communes with values that year but not in that tree (in 2025 on 31 December: the
    /// communes before the reform), not counted here.
    pub off_tree: usize,
    /// Communes whose values of the year are not approved (draft, submitted or returned):
    /// left out of an official count, included (and so marked) otherwise.
    pub unapproved: usize,
    pub districts: Vec<DistrictLine>,
    /// Change from the previous year, when that year has data.
    pub previous: Option<(LevelStats, Transitions)>,
    /// Why there is no comparison, when the previous year was asked for and has nothing
    /// to compare (no set for it, nothing approved).
    pub previous_missing: Option<String>,
    pub most_unmet: Vec<UnmetCount>,
    pub province_level: Option<Level>,
    /// Whether the province set (321/QĐ-TTg) is met, unmet or undecidable.
    pub province_status: Option<CriterionStatus>,
}

impl Summary<'_> {
    /// Every commune (xã) in force that year, with data or not.
    pub fn all_communes(&self) -> usize {
        self.stats.communes + self.communes_without_data
    }

    /// The share of all communes at standard or above: a commune without data is not at
    /// standard, so it counts in the denominator (2 of 182 is 1.1%, not 2 of 4's 50%).
    pub fn standard_pct_of_all(&self) -> Option<rust_decimal::Decimal> {
        ntm_core::rollup::percent(self.stats.standard_or_above, self.all_communes(), 2)
    }
}

/// Compiles the summary. `previous` is the workspace of the previous year, if loaded.
/// With `scope`, only those units count: a summary never reveals what its viewer may not
/// see (a district's or the province's own result needs its whole subtree, so it appears
/// only when the scope holds that unit).
pub fn summary<'a>(
    ws: &'a Workspace,
    year: i32,
    set: Option<&SetId>,
    previous: Option<&Workspace>,
    scope: Option<&BTreeSet<UnitId>>,
) -> AppResult<Summary<'a>> {
    // Hashed once: the country's summaries ask it of every unit, once per province.
    let scope: Option<std::collections::HashSet<&UnitId>> = scope.map(|s| s.iter().collect());
    let visible = |id: &UnitId| scope.as_ref().is_none_or(|s| s.contains(id));
    let default_sets = set.is_none();
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::NotFound(format!("năm {year}")))?;
    let end = ws.tree_date(year);
    let all_xa = ws
        .registry
        .as_of(end)
        .into_iter()
        .filter(|v| v.unit_type() == UnitType::Commune && visible(v.id()))
        .count();
    let communes: Vec<_> = ws
        .registry
        .as_of(end)
        .into_iter()
        .filter(|v| {
            v.unit_type() == UnitType::Commune && visible(v.id()) && ws.has_values(v.id(), year)
        })
        .collect();
    let unapproved = ws.unapproved_communes(year, None, visible);
    if communes.is_empty() {
        return Err(AppError::NotFound(no_data(ws, year, unapproved)));
    }
    let mut outcomes = Vec::new();
    let mut unmet: BTreeMap<String, UnmetCount> = BTreeMap::new();
    let mut set_used = None;
    let mut illustrative = false;
    for v in &communes {
        let e = ws.evaluate(v.id(), year, set)?;
        illustrative |= e.illustrative();
        set_used.get_or_insert(e.set);
        for c in &e.ladder.steps[0].criteria {
            let entry = unmet
                .entry(c.criterion.id.clone())
                .or_insert_with(|| UnmetCount {
                    criterion: c.criterion.id.clone(),
                    name: c.criterion.name.clone(),
                    unmet: 0,
                    unknown: 0,
                });
            match c.status {
                CriterionStatus::Unmet => entry.unmet += 1,
                CriterionStatus::Unknown => entry.unknown += 1,
                CriterionStatus::Met => {}
            }
        }
        outcomes.push(outcome(&e));
    }
    let set = set_used.expect("at least one commune was evaluated");
    let stats = LevelStats::compute(&outcomes);
    let mut most_unmet: Vec<UnmetCount> = unmet.into_values().filter(|u| u.unmet > 0).collect();
    most_unmet.sort_by(|a, b| {
        b.unmet
            .cmp(&a.unmet)
            .then_with(|| natural(&a.criterion).cmp(&natural(&b.criterion)))
    });

    let by_unit: std::collections::HashMap<&UnitId, &Outcome> =
        outcomes.iter().map(|o| (&o.unit, o)).collect();
    let mut districts = Vec::new();
    for d in ws
        .registry
        .as_of(end)
        .into_iter()
        .filter(|v| v.unit.level == UnitLevel::District && visible(v.id()))
    {
        let theirs = ws.communes(year, Some(d.id()));
        let mine: Vec<Outcome> = theirs
            .iter()
            .filter_map(|c| by_unit.get(c.id()).map(|o| (*o).clone()))
            .collect();
        // The communes were evaluated above under the default sets unless a set was
        // chosen; a district's conditions count them under the default sets.
        let evaluated = if default_sets && mine.len() == theirs.len() {
            ws.evaluate_district_from(d.id(), year, &mine)
        } else {
            ws.evaluate(d.id(), year, None)
        };
        // A district-level unit without an applicable set is listed with its communes only.
        let (level, set_id, status) = match evaluated {
            Ok(e) => (
                e.ladder.level,
                Some(e.set.id().clone()),
                Some(e.result().status),
            ),
            Err(_) => (Level::None, None, None),
        };
        let all_communes = ws
            .registry
            .subtree_on(d.id(), end)
            .iter()
            .filter(|v| v.unit_type() == UnitType::Commune && visible(v.id()))
            .count();
        districts.push(DistrictLine {
            unit: d.id().clone(),
            name: d.name().to_owned(),
            unit_type: d.unit_type(),
            stats: LevelStats::compute(&mine),
            all_communes,
            level,
            set: set_id,
            status,
        });
    }

    let root = ws
        .registry
        .roots_on(end)
        .into_iter()
        .find(|r| visible(r.id()));
    let province_eval = root
        .as_ref()
        .and_then(|r| ws.evaluate(r.id(), year, None).ok());
    let province_level = province_eval.as_ref().map(|e| e.ladder.level);
    let province_status = province_eval.as_ref().map(|e| e.result().status);

    let previous_missing = previous
        .filter(|p| p.communes(year - 1, None).is_empty())
        .map(|p| no_data(p, year - 1, p.unapproved_communes(year - 1, None, visible)));
    let previous = match previous {
        Some(prev_ws) if !prev_ws.communes(year - 1, None).is_empty() => {
            // Only the communes in scope are evaluated: one province of the country's
            // summaries must not evaluate the whole country's year before.
            let prev_outcomes = prev_ws
                .registry
                .as_of(prev_ws.tree_date(year - 1))
                .iter()
                .filter(|v| {
                    v.unit_type() == UnitType::Commune
                        && visible(v.id())
                        && prev_ws.has_values(v.id(), year - 1)
                })
                .map(|v| Ok(outcome(&prev_ws.evaluate(v.id(), year - 1, None)?)))
                .collect::<AppResult<Vec<Outcome>>>()?;
            let before_end = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap_or(end);
            // The communes a merged commune took over that were communes (xã) the year
            // before: wards and towns are not evaluated for NTM.
            let predecessors = |u: &UnitId| -> Vec<UnitId> {
                ws.registry
                    .predecessors(u)
                    .into_iter()
                    .map(|e| e.from.clone())
                    .filter(|p| {
                        ws.registry
                            .view_on(p, before_end)
                            .is_some_and(|v| v.unit_type() == UnitType::Commune)
                    })
                    .collect()
            };
            Some((
                LevelStats::compute(&prev_outcomes),
                Transitions::compute_through(&prev_outcomes, &outcomes, predecessors),
            ))
        }
        _ => None,
    };
    Ok(Summary {
        year,
        province: root.map(|r| (r.id().clone(), r.name().to_owned())),
        set,
        illustrative,
        stats,
        communes_without_data: all_xa - communes.len(),
        basis: ws.basis,
        unapproved,
        tree_date: end,
        off_tree: ws.communes_off_tree(year, visible),
        outcomes,
        districts,
        previous,
        previous_missing,
        most_unmet,
        province_level,
        province_status,
    })
}

/// Why a year has nothing to count: no set for it, no approved value yet (and how many
/// communes wait for approval), or no value at all.
pub fn no_data(ws: &Workspace, year: i32, unapproved: usize) -> String {
    if let Err(AppError::NotFound(m)) = ws.default_set(UnitType::Commune, year) {
        return m;
    }
    match ws.basis {
        crate::evaluate::Basis::Approved if unapproved > 0 => format!(
            "chưa có số liệu đã duyệt của xã nào năm {year}; {unapproved} xã có số liệu chưa duyệt (xem “kể cả số liệu chưa duyệt”)"
        ),
        crate::evaluate::Basis::Approved => {
            format!("chưa có số liệu đã duyệt của xã nào năm {year}")
        }
        crate::evaluate::Basis::Current => format!("chưa có số liệu của xã nào năm {year}"),
    }
}

/// Orders "2" before "10" and "17.2" before "17.10".
pub fn natural(id: &str) -> Vec<(u64, String)> {
    id.split('.')
        .map(|p| (p.parse().unwrap_or(u64::MAX), p.to_owned()))
        .collect()
}

/// One summary per province in force at the end of `year` — a database may hold several,
/// and a summary never mixes them — each over that province's units (as the tree stood at
/// the end of the year and of the year before, for the comparison). A province without
/// data that year is left out; none at all is `NotFound`. With `within`, only those units
/// count (a caller's scope), and a province none of them belongs to is left out.
pub fn by_province<'a>(
    ws: &'a Workspace,
    year: i32,
    set: Option<&SetId>,
    previous: Option<&Workspace>,
    within: Option<&BTreeSet<UnitId>>,
) -> AppResult<Vec<Summary<'a>>> {
    NaiveDate::from_ymd_opt(year, 12, 31)
        .ok_or_else(|| AppError::NotFound(format!("năm {year}")))?;
    let end = ws.tree_date(year);
    let before = NaiveDate::from_ymd_opt(year - 1, 12, 31).unwrap_or(end);
    let mut out = Vec::new();
    for root in ws.registry.roots_on(end) {
        let scope: BTreeSet<UnitId> = [end, before]
            .iter()
            .flat_map(|d| ws.registry.subtree_on(root.id(), *d))
            .map(|v| v.id().clone())
            .filter(|id| within.is_none_or(|w| w.contains(id)))
            .collect();
        if scope.is_empty() {
            continue;
        }
        match summary(ws, year, set, previous, Some(&scope)) {
            Ok(s) => out.push(s),
            Err(AppError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    if out.is_empty() {
        let unapproved = ws.unapproved_communes(year, None, |_| true);
        return Err(AppError::NotFound(no_data(ws, year, unapproved)));
    }
    Ok(out)
}
