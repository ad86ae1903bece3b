//! Evaluating units: a commune on its ladder of sets, a district or a province from the
//! outcomes of the units below plus its own entered values.
//!
//! [`Workspace`] holds what an evaluation reads (units, sets, values), loaded once; every
//! function on it is pure.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use ntm_core::access::Action;
use ntm_core::criteria::{Computed, CriteriaSet, Level, SetId};
use ntm_core::evaluation::{CriterionStatus, Inputs, LadderResult, SetResult, evaluate_ladder};
use ntm_core::rollup::{Outcome, district_computed, province_computed};
use ntm_core::unit::{AttributeKey, Unit, UnitView};
use ntm_core::{Catalogue, UnitContext, UnitId, UnitLevel, UnitRegistry, UnitType};
use ntm_store::Store;
use rust_decimal::Decimal;

use crate::{AppError, AppResult};

pub use crate::values::{Basis, Unapproved, ValueMap};

/// Everything an evaluation reads. Shared, not copied: the web keeps the parts in its
/// cache and hands each request the current ones.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub registry: Arc<UnitRegistry>,
    pub catalogue: Arc<Catalogue>,
    /// The values read on `basis`.
    pub values: Arc<ValueMap>,
    pub basis: Basis,
    /// The unit-years of the loaded years that have values not approved: what an official
    /// count leaves out (or, on [`Basis::Current`], includes), said beside every count.
    pub unapproved: Arc<Unapproved>,
    /// The day whose tree a year's counts follow, when chosen (in a year the tree
    /// changed: 2025 before or after the reform); otherwise 31 December
    /// ([`Workspace::tree_date`]).
    pub as_of: Option<NaiveDate>,
}

/// See [`Workspace::incomplete_sets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncompleteSet {
    pub id: String,
    pub title: String,
    /// "10 tiêu chí chưa có chỉ tiêu (1, …, 10)".
    pub lacks: String,
    /// The year's evaluations use this set.
    pub used: bool,
    /// When they use another: its title and id.
    pub used_instead: String,
}

/// The evaluation of one unit in one year.
#[derive(Debug, Clone)]
pub struct UnitEvaluation<'a> {
    pub unit: &'a Unit,
    pub name: String,
    pub unit_type: UnitType,
    pub year: i32,
    pub context: UnitContext,
    /// The set asked for (or the default one).
    pub set: &'a CriteriaSet,
    pub ladder: LadderResult<'a>,
    /// Quantities computed from the units below (districts, provinces).
    pub computed: BTreeMap<Computed, Decimal>,
    /// Notes of the entered values, by indicator id.
    pub notes: BTreeMap<String, String>,
    /// Whether an entered value is demo material.
    pub demo_values: bool,
    /// Which values were read.
    pub basis: Basis,
    /// Where the unit-year stands when its values are not approved: on the official
    /// basis they were left out (the last approved version, if any, was read).
    pub unapproved: Option<ntm_core::workflow::Status>,
}

impl<'a> UnitEvaluation<'a> {
    /// The result of the set asked for.
    pub fn result(&self) -> &SetResult<'a> {
        self.ladder
            .step(self.set.id())
            .expect("the ladder of a set contains the set")
    }
    /// Whether a threshold, a set or a value used is demo material.
    pub fn illustrative(&self) -> bool {
        self.ladder.illustrative() || self.demo_values
    }
}

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).expect("valid years are checked before")
}

impl Workspace {
    /// Loads units, the catalogue and the values of `year` (all years when `None`) on
    /// `basis`.
    pub async fn load(store: &dyn Store, year: Option<i32>, basis: Basis) -> AppResult<Self> {
        Ok(Workspace {
            registry: Arc::new(crate::units::load_registry(store).await?),
            catalogue: Arc::new(crate::criteria::load(store).await?),
            values: Arc::new(crate::values::load(store, year, basis).await?),
            basis,
            unapproved: Arc::new(crate::values::load_unapproved(store, year).await?),
            as_of: None,
        })
    }

    /// Loads units and the catalogue, but values only of `units` (all their years): enough
    /// to evaluate those units when they are communes.
    pub async fn load_units(store: &dyn Store, units: &[UnitId], basis: Basis) -> AppResult<Self> {
        let mut unapproved = crate::values::load_unapproved(store, None).await?;
        unapproved.retain(|(u, _), _| units.contains(u));
        Ok(Workspace {
            registry: Arc::new(crate::units::load_registry(store).await?),
            catalogue: Arc::new(crate::criteria::load(store).await?),
            values: Arc::new(crate::values::load_units(store, units, basis).await?),
            basis,
            unapproved: Arc::new(unapproved),
            as_of: None,
        })
    }

    /// The same workspace counting `year`s on the tree of `date` (in its year).
    pub fn on_tree_of(mut self, date: Option<NaiveDate>) -> Self {
        self.as_of = date;
        self
    }

    /// The day whose tree the counts of `year` follow: the chosen day if it falls in that
    /// year, else 31 December — official annual reports follow the boundaries at the end
    /// of the year reported on ([`TREE_DATE_RULE`]).
    pub fn tree_date(&self, year: i32) -> NaiveDate {
        match self.as_of {
            Some(d) if d.year() == year => d,
            _ => year_end(year),
        }
    }

    /// The other days a year's counts may follow: the eve of each change of the tree in
    /// that year (2025: 30 June, the last day of the districts and the old communes).
    pub fn tree_dates(&self, year: i32) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self
            .registry
            .units()
            .iter()
            .flat_map(|u| u.versions.iter().map(|v| v.valid.from))
            .filter(|from| from.year() == year && from.ordinal() > 1)
            .filter_map(|from| from.pred_opt())
            .collect();
        dates.push(year_end(year));
        dates.sort();
        dates.dedup();
        dates
    }

    /// The xã with values in `year` that are not in the tree of [`Workspace::tree_date`]
    /// (in 2025 on 31 December: the communes before the reform), kept by `keep`: what the
    /// counts of that tree leave out.
    pub fn communes_off_tree(&self, year: i32, keep: impl Fn(&UnitId) -> bool) -> usize {
        let date = self.tree_date(year);
        let on: std::collections::BTreeSet<UnitId> = self
            .registry
            .as_of(date)
            .into_iter()
            .map(|v| v.id().clone())
            .collect();
        self.values
            .keys()
            .filter(|(u, y)| *y == year && !on.contains(u) && keep(u))
            .filter(|(u, y)| {
                self.registry
                    .get(u)
                    .and_then(|unit| unit.version_in_year(*y))
                    .is_some_and(|v| v.unit_type == UnitType::Commune)
            })
            .count()
    }

    /// Where a unit-year with values stands when it is not approved (`None`: approved, or
    /// no values at all).
    pub fn unapproved_status(
        &self,
        unit: &UnitId,
        year: i32,
    ) -> Option<ntm_core::workflow::Status> {
        self.unapproved.get(&(unit.clone(), year)).copied()
    }

    /// The xã under `parent` (or all) at the end of `year`, kept by `keep`, whose values
    /// of that year are not approved: what an official count does not include yet.
    pub fn unapproved_communes(
        &self,
        year: i32,
        parent: Option<&UnitId>,
        keep: impl Fn(&UnitId) -> bool,
    ) -> usize {
        let date = self.tree_date(year);
        let views = match parent {
            Some(p) => self.registry.subtree_on(p, date),
            None => self.registry.as_of(date),
        };
        views
            .iter()
            .filter(|v| v.unit_type() == UnitType::Commune && keep(v.id()))
            .filter(|v| self.unapproved.contains_key(&(v.id().clone(), year)))
            .count()
    }

    /// The threshold lookup keys of a unit in a year.
    pub fn context(&self, unit: &UnitId, year: i32) -> UnitContext {
        let attr = |k| {
            self.registry
                .attribute_in_year(unit, k, year)
                .map(|a| a.value.clone())
        };
        UnitContext {
            year,
            region: attr(AttributeKey::Region),
            group: attr(AttributeKey::CommuneGroup).and_then(|g| g.parse().ok()),
        }
    }

    /// The set used for a unit type and year when none is named: the most derived
    /// applicable standard-level set.
    pub fn default_set(&self, unit_type: UnitType, year: i32) -> AppResult<&CriteriaSet> {
        self.catalogue
            .default_set(unit_type, year, Level::Standard)
            .map_err(|e| match e {
                ntm_core::criteria::DefaultSetError::None => {
                    AppError::NotFound(self.no_set_for(unit_type, year))
                }
                e => AppError::Ambiguous(format!("{} năm {year}: {e}", unit_type.as_vi())),
            })
    }

    /// The commune sets that apply in `year` but cannot judge a commune yet (criteria with
    /// no indicator, indicators with no threshold), each told with what it lacks and
    /// whether it is the one evaluations of the year use; so that a page says "the set is
    /// incomplete" instead of "the commune lacks criteria 1…10".
    pub fn incomplete_sets(&self, year: i32) -> Vec<IncompleteSet> {
        let used = self
            .catalogue
            .default_set(UnitType::Commune, year, ntm_core::Level::Standard)
            .ok()
            .map(|s| s.id().clone());
        // The standard-level sets only, and of those the one in use or one that has
        // criteria with no indicator at all (a national set whose annex is still to be
        // typed in): a base set that only lacks thresholds its provincial variant sets is
        // incomplete by design, and saying so on every page would be noise.
        self.catalogue
            .sets()
            .filter(|s| s.applies(UnitType::Commune, year) && s.header.level == Level::Standard)
            .filter_map(|s| {
                let gaps = s.gaps();
                let shown = used.as_ref() == Some(s.id()) || !gaps.empty_criteria.is_empty();
                (shown && !gaps.is_complete()).then(|| IncompleteSet {
                    id: s.id().0.clone(),
                    title: s.header.title.clone(),
                    lacks: gaps.describe_vi(),
                    used: used.as_ref() == Some(s.id()),
                    used_instead: used
                        .as_ref()
                        .filter(|u| *u != s.id())
                        .and_then(|u| self.catalogue.get(u))
                        .map(|u| {
                            format!(
                                "{} ({}){}",
                                u.header.title,
                                u.id().0,
                                if u.is_illustrative() {
                                    ", minh họa"
                                } else {
                                    ""
                                }
                            )
                        })
                        .unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Says plainly that no set applies, and which years the loaded sets cover: 2020 is
    /// not evaluated with a set whose period starts in 2021.
    pub fn no_set_for(&self, unit_type: UnitType, year: i32) -> String {
        let mut periods: Vec<(i32, i32)> = self
            .catalogue
            .sets()
            .filter(|s| s.header.applies_to.contains(&unit_type))
            .map(|s| (s.header.period.from, s.header.period.to))
            .collect();
        periods.sort();
        periods.dedup();
        let covered = match (periods.first(), periods.iter().map(|p| p.1).max()) {
            (Some(first), Some(last)) => format!(
                " (các bộ đã nạp cho {} áp dụng từ {} đến {last})",
                unit_type.as_vi(),
                first.0
            ),
            _ => String::new(),
        };
        format!(
            "năm {year} chưa có bộ tiêu chí nào áp dụng cho {} trong ntm{covered}; không đánh giá năm này theo bộ của giai đoạn khác",
            unit_type.as_vi()
        )
    }

    fn set_for(
        &self,
        unit_type: UnitType,
        year: i32,
        set: Option<&SetId>,
    ) -> AppResult<&CriteriaSet> {
        match set {
            None => self.default_set(unit_type, year),
            Some(id) => {
                let s = self
                    .catalogue
                    .get(id)
                    .ok_or_else(|| AppError::NotFound(format!("không có bộ tiêu chí “{id}”")))?;
                if !s.applies(unit_type, year) {
                    return Err(AppError::Ambiguous(format!(
                        "bộ tiêu chí “{id}” không áp dụng cho {} năm {year} (giai đoạn {}–{})",
                        unit_type.as_vi(),
                        s.header.period.from,
                        s.header.period.to
                    )));
                }
                Ok(s)
            }
        }
    }

    fn inputs(&self, unit: &UnitId, year: i32, computed: BTreeMap<Computed, Decimal>) -> Inputs {
        let values = self
            .values
            .get(&(unit.clone(), year))
            .map(|m| {
                m.iter()
                    .map(|(k, e)| (k.to_string(), e.value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Inputs { values, computed }
    }

    /// Whether any value was entered for the unit in the year.
    pub fn has_values(&self, unit: &UnitId, year: i32) -> bool {
        self.values
            .get(&(unit.clone(), year))
            .is_some_and(|m| !m.is_empty())
    }

    /// Evaluates a unit (commune, district or province) in a year.
    pub fn evaluate(
        &self,
        unit_id: &UnitId,
        year: i32,
        set: Option<&SetId>,
    ) -> AppResult<UnitEvaluation<'_>> {
        let (unit, version) = self.in_year(unit_id, year)?;
        let set = self.set_for(version.unit_type, year, set)?;
        let computed = match unit.level {
            UnitLevel::Commune => BTreeMap::new(),
            UnitLevel::District => district_computed(&self.commune_outcomes(year, Some(unit_id))?),
            UnitLevel::Province => self.province_computed(unit_id, year)?,
        };
        Ok(self.evaluate_computed(unit, version, year, set, computed))
    }

    /// A district (or town) evaluated in `year` from the outcomes of its communes under
    /// the default sets, as [`Workspace::evaluate`] would find them: for a caller that
    /// has just evaluated them (the summary), so that no commune is evaluated twice.
    pub fn evaluate_district_from(
        &self,
        unit_id: &UnitId,
        year: i32,
        communes: &[Outcome],
    ) -> AppResult<UnitEvaluation<'_>> {
        let (unit, version) = self.in_year(unit_id, year)?;
        let set = self.set_for(version.unit_type, year, None)?;
        Ok(self.evaluate_computed(unit, version, year, set, district_computed(communes)))
    }

    /// The unit and its version in `year`, or why there is none.
    fn in_year(
        &self,
        unit_id: &UnitId,
        year: i32,
    ) -> AppResult<(&Unit, &ntm_core::unit::UnitVersion)> {
        let unit = self
            .registry
            .get(unit_id)
            .ok_or_else(|| AppError::NotFound(format!("không có đơn vị {unit_id}")))?;
        let version = unit.version_in_year(year).ok_or_else(|| {
            AppError::NotFound(format!(
                "{} không có hiệu lực trong năm {year} ({})",
                unit.latest().name,
                unit.valid()
            ))
        })?;
        Ok((unit, version))
    }

    fn evaluate_computed<'w>(
        &'w self,
        unit: &'w ntm_core::Unit,
        version: &'w ntm_core::unit::UnitVersion,
        year: i32,
        set: &'w ntm_core::CriteriaSet,
        computed: BTreeMap<Computed, Decimal>,
    ) -> UnitEvaluation<'w> {
        let unit_id = &unit.id;
        let context = self.context(unit_id, year);
        let inputs = self.inputs(unit_id, year, computed.clone());
        let ladder = evaluate_ladder(&self.catalogue, set.id(), &context, &inputs);
        let entered = self.values.get(&(unit_id.clone(), year));
        let notes = entered
            .map(|m| {
                m.iter()
                    .filter_map(|(k, e)| e.note.clone().map(|n| (k.to_string(), n)))
                    .collect()
            })
            .unwrap_or_default();
        let demo_values = entered.is_some_and(|m| m.values().any(|e| e.illustrative));
        UnitEvaluation {
            unit,
            name: version.name.clone(),
            unit_type: version.unit_type,
            year,
            context,
            set,
            ladder,
            computed,
            notes,
            demo_values,
            basis: self.basis,
            unapproved: self.unapproved_status(unit_id, year),
        }
    }

    /// A commune's values of `year` judged under `set` although the set is of another
    /// period (the what-if of a new set on last year's data): thresholds of a given year
    /// are those of the set's first year when `year` is outside its period; region and
    /// commune group are the commune's in `year`.
    pub fn evaluate_under(
        &self,
        unit_id: &UnitId,
        year: i32,
        set: &SetId,
    ) -> AppResult<ntm_core::evaluation::LadderResult<'_>> {
        let s = self
            .catalogue
            .get(set)
            .ok_or_else(|| AppError::NotFound(format!("không có bộ tiêu chí “{set}”")))?;
        let mut context = self.context(unit_id, year);
        if !s.header.period.contains(year) {
            context.year = s.header.period.from;
        }
        let inputs = self.inputs(unit_id, year, BTreeMap::new());
        Ok(evaluate_ladder(&self.catalogue, set, &context, &inputs))
    }

    /// The xã (rural communes) evaluated for NTM, under `parent` (or all) at the end of
    /// `year`, that have values. Phường and thị trấn are urban and not NTM units.
    pub fn communes(&self, year: i32, parent: Option<&UnitId>) -> Vec<UnitView<'_>> {
        let date = self.tree_date(year);
        let views = match parent {
            Some(p) => self.registry.subtree_on(p, date),
            None => self.registry.as_of(date),
        };
        views
            .into_iter()
            .filter(|v| v.unit_type() == UnitType::Commune && self.has_values(v.id(), year))
            .collect()
    }

    /// Outcomes of the communes under `parent` (or all) in `year`, with the default set.
    pub fn commune_outcomes(&self, year: i32, parent: Option<&UnitId>) -> AppResult<Vec<Outcome>> {
        self.communes(year, parent)
            .iter()
            .map(|v| {
                let e = self.evaluate(v.id(), year, None)?;
                Ok(outcome(&e))
            })
            .collect()
    }

    fn outcomes_of_type(
        &self,
        province: &UnitId,
        year: i32,
        types: &[UnitType],
    ) -> AppResult<Vec<Outcome>> {
        self.registry
            .subtree_on(province, self.tree_date(year))
            .iter()
            .filter(|v| types.contains(&v.unit_type()))
            .map(|v| Ok(outcome(&self.evaluate(v.id(), year, None)?)))
            .collect()
    }

    fn province_computed(
        &self,
        province: &UnitId,
        year: i32,
    ) -> AppResult<BTreeMap<Computed, Decimal>> {
        let districts = self.outcomes_of_type(province, year, &[UnitType::District])?;
        let towns = self.outcomes_of_type(province, year, &[UnitType::Town, UnitType::City])?;
        let communes = self.commune_outcomes(year, Some(province))?;
        let advanced_known = self
            .catalogue
            .default_set(UnitType::District, year, Level::Advanced)
            .is_ok();
        Ok(province_computed(
            &districts,
            &towns,
            &communes,
            advanced_known,
        ))
    }
}

/// How the tree of a year is chosen, as the pages state it.
pub const TREE_DATE_RULE: &str = "Số liệu năm được tổng hợp theo địa giới hành chính ngày 31/12 của năm báo cáo (như báo cáo năm); năm có sắp xếp đơn vị hành chính có thể xem theo địa giới trước sắp xếp.";

/// One year of a unit's history: the unit itself or, across the reform, a unit it took
/// over; evaluated with the default set of that year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub year: i32,
    pub unit: UnitId,
    pub name: String,
    pub level: Level,
    pub met: usize,
    pub total: usize,
}

impl Workspace {
    /// The history of `unit` over the years some criteria set covers: its own years and
    /// those of the units it took over through the lineage, each only where values exist
    /// and `grants` may view that unit in that year; ordered by year, then name.
    pub fn history(&self, unit: &UnitId, grants: &[ntm_core::access::Grant]) -> Vec<HistoryEntry> {
        let mut units: Vec<UnitId> = vec![unit.clone()];
        units.extend(
            self.registry
                .ancestry(unit)
                .into_iter()
                .map(|e| e.from.clone()),
        );
        let horizon = self.catalogue.years();
        let mut out = Vec::new();
        for u in &units {
            let Some(found) = self.registry.get(u) else {
                continue;
            };
            let first = horizon
                .map_or(i32::MAX, |h| h.from)
                .max(found.valid().from.year());
            let last = horizon
                .map_or(i32::MIN, |h| h.to)
                .min(found.valid().to.map_or(i32::MAX, |t| t.year()));
            for year in first..=last {
                if !self.has_values(u, year)
                    || !ntm_core::access::can(&self.registry, grants, Action::View, u, year)
                {
                    continue;
                }
                if let Ok(h) = self.evaluate(u, year, None) {
                    let base = &h.ladder.steps[0];
                    out.push(HistoryEntry {
                        year,
                        unit: u.clone(),
                        name: h.name.clone(),
                        level: h.ladder.level,
                        met: base.criteria_met(),
                        total: base.criteria_total(),
                    });
                }
            }
        }
        out.sort_by(|a, b| (a.year, &a.name).cmp(&(b.year, &b.name)));
        out
    }

    /// The criteria sets that apply to `unit` in `year` (the choices of its scorecard).
    pub fn sets_for(&self, unit: &UnitId, year: i32) -> AppResult<Vec<&CriteriaSet>> {
        let version = self
            .registry
            .get(unit)
            .and_then(|u| u.version_in_year(year))
            .ok_or_else(|| AppError::NotFound(format!("đơn vị {unit} năm {year}")))?;
        Ok(self
            .catalogue
            .sets()
            .filter(|s| s.applies(version.unit_type, year))
            .collect())
    }
}

impl UnitEvaluation<'_> {
    /// The step whose gaps a page may tell: the next level not reached, unless there is no
    /// value to judge (`has_values` false) or that step's set has criteria with no
    /// indicator — then every criterion would read "lacking" for want of data or of a set,
    /// and the page says which instead.
    pub fn gap_to_tell(&self, has_values: bool) -> Option<&SetResult<'_>> {
        self.ladder
            .next()
            .filter(|n| has_values && n.set.gaps().empty_criteria.is_empty())
    }

    /// The next level this unit has not reached and the criteria it lacks for it.
    pub fn next_gap(&self) -> Option<(Level, Vec<String>)> {
        self.ladder.next().map(|n| {
            let lacking = n
                .criteria
                .iter()
                .filter(|c| c.status != CriterionStatus::Met)
                .map(|c| c.criterion.id.clone())
                .collect();
            (n.set.header.level, lacking)
        })
    }
}

/// The roll-up view of an evaluation: level and criteria of the first (standard) step.
pub fn outcome(e: &UnitEvaluation<'_>) -> Outcome {
    let base = &e.ladder.steps[0];
    Outcome {
        unit: e.unit.id.clone(),
        level: e.ladder.level,
        criteria_met: base.criteria_met(),
        criteria_total: base.criteria_total(),
    }
}
