//! The evaluation engine: indicator → criterion → set → level.
//!
//! Pure and deterministic: the same set, context and values always give the same result,
//! and the result explains itself (which value, which threshold and its source, the gap).
//!
//! * An indicator is `met` or `unmet` only when it has both a value and a threshold;
//!   without a value it is `missing`, without a threshold `unconfigured`.
//! * A criterion is `met` when all its indicators are met, `unmet` when any is unmet,
//!   otherwise `unknown` (a criterion with no indicators at all is `unknown`).
//! * A set is met when all its criteria are met; a level is reached when its set and every
//!   set below it on the ladder are met (advanced needs standard, model needs advanced).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use crate::criteria::{
    Catalogue, Comparison, Computed, Confidence, CriteriaSet, Criterion, Indicator, Level,
    Selector, SetId,
};
use crate::value::Value;

/// What thresholds are looked up by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitContext {
    pub year: i32,
    /// Region code (BTB, TDMNPB, …) of the 2021-2025 sets.
    pub region: Option<String>,
    /// Commune group (1-3) of the 2026-2030 set.
    pub group: Option<u8>,
}

/// Values of one unit and year, by indicator id, plus quantities computed from below.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    pub values: BTreeMap<String, Value>,
    pub computed: BTreeMap<Computed, Decimal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndicatorStatus {
    Met,
    Unmet,
    Missing,
    Unconfigured,
}

impl IndicatorStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "met",
            IndicatorStatus::Unmet => "unmet",
            IndicatorStatus::Missing => "missing",
            IndicatorStatus::Unconfigured => "unconfigured",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            IndicatorStatus::Met => "đạt",
            IndicatorStatus::Unmet => "chưa đạt",
            IndicatorStatus::Missing => "chưa có số liệu",
            IndicatorStatus::Unconfigured => "chưa cấu hình ngưỡng",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CriterionStatus {
    Met,
    Unmet,
    Unknown,
}

impl CriterionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CriterionStatus::Met => "met",
            CriterionStatus::Unmet => "unmet",
            CriterionStatus::Unknown => "unknown",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            CriterionStatus::Met => "đạt",
            CriterionStatus::Unmet => "chưa đạt",
            CriterionStatus::Unknown => "chưa xác định",
        }
    }
}

/// The threshold that was applied, with its provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedThreshold {
    /// `None` for a pass/fail indicator (the requirement is "đạt").
    pub value: Option<Decimal>,
    pub when: Selector,
    pub source: Option<String>,
    pub confidence: Confidence,
    pub illustrative: bool,
    /// For a derived threshold: how it was obtained.
    pub derivation: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorResult<'a> {
    pub indicator: &'a Indicator,
    pub value: Option<Value>,
    pub threshold: Option<AppliedThreshold>,
    pub status: IndicatorStatus,
    /// How far the value is from the threshold in the direction that matters (0 when met).
    pub gap: Option<Decimal>,
    /// A value of the wrong kind, e.g. a number for a pass/fail indicator.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriterionResult<'a> {
    pub criterion: &'a Criterion,
    pub status: CriterionStatus,
    pub indicators: Vec<IndicatorResult<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetResult<'a> {
    pub set: &'a CriteriaSet,
    pub criteria: Vec<CriterionResult<'a>>,
    pub status: CriterionStatus,
}

impl SetResult<'_> {
    pub fn criteria_total(&self) -> usize {
        self.criteria.len()
    }
    pub fn count(&self, status: CriterionStatus) -> usize {
        self.criteria.iter().filter(|c| c.status == status).count()
    }
    pub fn criteria_met(&self) -> usize {
        self.count(CriterionStatus::Met)
    }
}

/// The result of climbing a ladder of sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LadderResult<'a> {
    pub steps: Vec<SetResult<'a>>,
    pub level: Level,
}

impl<'a> LadderResult<'a> {
    /// The first step not met: what the unit works towards next.
    pub fn next(&self) -> Option<&SetResult<'a>> {
        self.steps.iter().find(|s| s.status != CriterionStatus::Met)
    }
    pub fn step(&self, id: &SetId) -> Option<&SetResult<'a>> {
        self.steps.iter().find(|s| s.set.id() == id)
    }
    /// Whether any set used is demo material.
    pub fn illustrative(&self) -> bool {
        self.steps.iter().any(|s| s.set.is_illustrative())
    }

    /// What a unit enters for its whole ladder, grouped as the entry form shows it: per
    /// step and criterion, the entered indicators (not computed, not read from another),
    /// each once — at the first step that asks for it; criteria left empty are skipped.
    pub fn entry_groups(
        &self,
    ) -> Vec<(
        &'a CriteriaSet,
        &CriterionResult<'a>,
        Vec<&IndicatorResult<'a>>,
    )> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for step in &self.steps {
            for c in &step.criteria {
                let fields: Vec<&IndicatorResult<'a>> = c
                    .indicators
                    .iter()
                    .filter(|i| i.indicator.is_entered() && seen.insert(i.indicator.id.as_str()))
                    .collect();
                if !fields.is_empty() {
                    out.push((step.set, c, fields));
                }
            }
        }
        out
    }
}

/// Picks the threshold of `indicator` for `ctx`: the matching threshold with the most
/// specific selector. Ties cannot happen in a checked catalogue.
pub fn select_threshold<'i>(
    indicator: &'i Indicator,
    ctx: &UnitContext,
) -> Option<&'i crate::criteria::Threshold> {
    indicator
        .thresholds
        .iter()
        .filter(|t| {
            t.when
                .region
                .as_ref()
                .is_none_or(|r| ctx.region.as_ref() == Some(r))
                && t.when.group.is_none_or(|g| ctx.group == Some(g))
                && t.when.year.is_none_or(|y| y == ctx.year)
        })
        .max_by_key(|t| t.when.specificity())
}

fn applied_threshold(
    catalogue: &Catalogue,
    set: &CriteriaSet,
    indicator: &Indicator,
    ctx: &UnitContext,
) -> Option<AppliedThreshold> {
    if indicator.comparison == Comparison::Pass {
        return Some(AppliedThreshold {
            value: None,
            when: Selector::default(),
            source: indicator.source.clone(),
            confidence: indicator.confidence,
            illustrative: false,
            derivation: None,
        });
    }
    if let Some(from) = &indicator.threshold_from {
        let required = set
            .header
            .requires
            .as_ref()
            .and_then(|r| catalogue.get(r))?;
        let base = select_threshold(required.indicator(&from.indicator)?, ctx)?;
        return Some(AppliedThreshold {
            value: Some(base.value * from.factor),
            when: base.when.clone(),
            source: base.source.clone(),
            confidence: base.confidence,
            illustrative: base.illustrative,
            derivation: Some(format!(
                "{} × ngưỡng chỉ tiêu {} của bộ {} ({})",
                from.factor.normalize(),
                from.indicator,
                required.id(),
                base.value.normalize()
            )),
        });
    }
    select_threshold(indicator, ctx).map(|t| AppliedThreshold {
        value: Some(t.value),
        when: t.when.clone(),
        source: t.source.clone(),
        confidence: t.confidence,
        illustrative: t.illustrative,
        derivation: None,
    })
}

/// Evaluates one indicator.
pub fn evaluate_indicator<'a>(
    catalogue: &Catalogue,
    set: &CriteriaSet,
    indicator: &'a Indicator,
    ctx: &UnitContext,
    inputs: &Inputs,
) -> IndicatorResult<'a> {
    let value = match indicator.computed {
        Some(c) => inputs.computed.get(&c).copied().map(Value::Number),
        None => inputs.values.get(indicator.value_key()).cloned(),
    };
    let threshold = applied_threshold(catalogue, set, indicator, ctx);
    let mut result = IndicatorResult {
        indicator,
        value: value.clone(),
        threshold,
        status: IndicatorStatus::Missing,
        gap: None,
        problem: None,
    };
    let Some(threshold) = &result.threshold else {
        result.status = IndicatorStatus::Unconfigured;
        return result;
    };
    let Some(value) = value else {
        return result;
    };
    match (indicator.comparison, &value, threshold.value) {
        (Comparison::Pass, Value::Pass(ok), _) => {
            result.status = if *ok {
                IndicatorStatus::Met
            } else {
                IndicatorStatus::Unmet
            };
        }
        (Comparison::Pass, Value::Number(_), _) => {
            result.problem = Some("cần “đạt” hoặc “không đạt”, không phải số".into());
        }
        (_, Value::Pass(_), _) => {
            result.problem = Some("cần một số, không phải “đạt/không đạt”".into());
        }
        (cmp, Value::Number(v), Some(t)) => {
            let (met, gap) = match cmp {
                Comparison::AtLeast => (*v >= t, (t - *v).max(Decimal::ZERO)),
                Comparison::AtMost => (*v <= t, (*v - t).max(Decimal::ZERO)),
                Comparison::Equal => (*v == t, (*v - t).abs()),
                Comparison::Pass => unreachable!("handled above"),
            };
            result.status = if met {
                IndicatorStatus::Met
            } else {
                IndicatorStatus::Unmet
            };
            result.gap = Some(gap.normalize());
        }
        (_, Value::Number(_), None) => result.status = IndicatorStatus::Unconfigured,
    }
    if result.problem.is_some() {
        result.status = IndicatorStatus::Missing;
    }
    result
}

/// Evaluates every criterion of `set`.
pub fn evaluate_set<'a>(
    catalogue: &Catalogue,
    set: &'a CriteriaSet,
    ctx: &UnitContext,
    inputs: &Inputs,
) -> SetResult<'a> {
    let criteria: Vec<CriterionResult<'a>> = set
        .criteria
        .iter()
        .map(|criterion| {
            let indicators: Vec<IndicatorResult<'a>> = criterion
                .indicators
                .iter()
                .map(|i| evaluate_indicator(catalogue, set, i, ctx, inputs))
                .collect();
            let status = combine(indicators.iter().map(|r| match r.status {
                IndicatorStatus::Met => CriterionStatus::Met,
                IndicatorStatus::Unmet => CriterionStatus::Unmet,
                IndicatorStatus::Missing | IndicatorStatus::Unconfigured => {
                    CriterionStatus::Unknown
                }
            }));
            CriterionResult {
                criterion,
                status,
                indicators,
            }
        })
        .collect();
    let status = combine(criteria.iter().map(|c| c.status));
    SetResult {
        set,
        criteria,
        status,
    }
}

/// All met → met; any unmet → unmet; otherwise (or empty) unknown.
fn combine(statuses: impl Iterator<Item = CriterionStatus>) -> CriterionStatus {
    let mut any = false;
    let mut all_met = true;
    for s in statuses {
        any = true;
        match s {
            CriterionStatus::Unmet => return CriterionStatus::Unmet,
            CriterionStatus::Unknown => all_met = false,
            CriterionStatus::Met => {}
        }
    }
    if any && all_met {
        CriterionStatus::Met
    } else {
        CriterionStatus::Unknown
    }
}

/// Evaluates the whole ladder `set` belongs to and derives the level reached.
pub fn evaluate_ladder<'a>(
    catalogue: &'a Catalogue,
    set: &SetId,
    ctx: &UnitContext,
    inputs: &Inputs,
) -> LadderResult<'a> {
    let steps: Vec<SetResult<'a>> = catalogue
        .ladder(set)
        .into_iter()
        .map(|s| evaluate_set(catalogue, s, ctx, inputs))
        .collect();
    let mut level = Level::None;
    for step in &steps {
        if step.status != CriterionStatus::Met {
            break;
        }
        level = level.max(step.set.header.level);
    }
    LadderResult { steps, level }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::criteria::tests::{complete, criterion, indicator};
    use crate::criteria::{Threshold, ThresholdFrom};
    use proptest::prelude::*;

    fn ctx(year: i32) -> UnitContext {
        UnitContext {
            year,
            region: Some("BTB".into()),
            group: None,
        }
    }

    fn sel(region: Option<&str>, year: Option<i32>) -> Selector {
        Selector {
            region: region.map(Into::into),
            group: None,
            year,
        }
    }

    fn num(v: i64) -> Value {
        Value::Number(Decimal::from(v))
    }

    fn inputs(pairs: &[(&str, Value)]) -> Inputs {
        Inputs {
            values: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            computed: BTreeMap::new(),
        }
    }

    fn one_indicator_set(comparison: Comparison, thresholds: &[(i64, Selector)]) -> Catalogue {
        Catalogue::build(vec![complete(
            "s",
            Level::Standard,
            None,
            vec![criterion(
                "1",
                vec![indicator("1.1", comparison, thresholds)],
            )],
        )])
        .unwrap()
    }

    fn check(
        comparison: Comparison,
        thresholds: &[(i64, Selector)],
        value: Option<Value>,
        expected: (IndicatorStatus, Option<i64>),
    ) {
        let cat = one_indicator_set(comparison, thresholds);
        let set = cat.get(&SetId("s".into())).unwrap();
        let inp = match value {
            Some(v) => inputs(&[("1.1", v)]),
            None => Inputs::default(),
        };
        let r = evaluate_indicator(&cat, set, &set.criteria[0].indicators[0], &ctx(2022), &inp);
        assert_eq!(
            (r.status, r.gap),
            (expected.0, expected.1.map(Decimal::from))
        );
    }

    #[test]
    fn indicator_statuses_and_gaps() {
        use IndicatorStatus::*;
        let general = || vec![(80, Selector::default())];
        check(
            Comparison::AtLeast,
            &general(),
            Some(num(85)),
            (Met, Some(0)),
        );
        check(
            Comparison::AtLeast,
            &general(),
            Some(num(80)),
            (Met, Some(0)),
        );
        check(
            Comparison::AtLeast,
            &general(),
            Some(num(70)),
            (Unmet, Some(10)),
        );
        check(
            Comparison::AtMost,
            &[(5, Selector::default())],
            Some(num(7)),
            (Unmet, Some(2)),
        );
        check(
            Comparison::AtMost,
            &[(5, Selector::default())],
            Some(num(5)),
            (Met, Some(0)),
        );
        check(
            Comparison::Equal,
            &[(0, Selector::default())],
            Some(num(3)),
            (Unmet, Some(3)),
        );
        check(Comparison::AtLeast, &general(), None, (Missing, None));
        check(
            Comparison::AtLeast,
            &[],
            Some(num(99)),
            (Unconfigured, None),
        );
        check(Comparison::AtLeast, &[], None, (Unconfigured, None));
        check(Comparison::Pass, &[], Some(Value::Pass(true)), (Met, None));
        check(
            Comparison::Pass,
            &[],
            Some(Value::Pass(false)),
            (Unmet, None),
        );
        check(Comparison::Pass, &[], Some(num(1)), (Missing, None));
        check(
            Comparison::AtLeast,
            &general(),
            Some(Value::Pass(true)),
            (Missing, None),
        );
    }

    #[test]
    fn most_specific_threshold_wins() {
        let thresholds = vec![
            (50, Selector::default()),
            (60, sel(Some("BTB"), None)),
            (70, sel(Some("BTB"), Some(2022))),
            (99, sel(Some("DBSH"), Some(2022))),
        ];
        check(
            Comparison::AtLeast,
            &thresholds,
            Some(num(65)),
            (IndicatorStatus::Unmet, Some(5)),
        );
        let cat = one_indicator_set(Comparison::AtLeast, &thresholds);
        let set = cat.get(&SetId("s".into())).unwrap();
        let ind = &set.criteria[0].indicators[0];
        let pick = |c: UnitContext| select_threshold(ind, &c).map(|t| t.value);
        assert_eq!(pick(ctx(2023)), Some(Decimal::from(60)));
        assert_eq!(
            pick(UnitContext {
                year: 2023,
                region: Some("TN".into()),
                group: None
            }),
            Some(Decimal::from(50))
        );
        assert_eq!(
            pick(UnitContext {
                year: 2022,
                region: None,
                group: None
            }),
            Some(Decimal::from(50))
        );
    }

    #[test]
    fn criterion_with_one_unmet_is_unmet_and_with_one_missing_is_unknown() {
        let cat = Catalogue::build(vec![complete(
            "s",
            Level::Standard,
            None,
            vec![
                criterion(
                    "1",
                    vec![
                        indicator("a", Comparison::AtLeast, &[(50, Selector::default())]),
                        indicator("b", Comparison::Pass, &[]),
                    ],
                ),
                criterion("2", vec![]),
            ],
        )])
        .unwrap();
        let set = cat.get(&SetId("s".into())).unwrap();
        let statuses = |pairs: &[(&str, Value)]| {
            let r = evaluate_set(&cat, set, &ctx(2022), &inputs(pairs));
            (r.criteria[0].status, r.criteria[1].status, r.status)
        };
        use CriterionStatus::*;
        assert_eq!(
            statuses(&[("a", num(60)), ("b", Value::Pass(true))]),
            (Met, Unknown, Unknown)
        );
        assert_eq!(
            statuses(&[("a", num(40)), ("b", Value::Pass(true))]),
            (Unmet, Unknown, Unmet)
        );
        assert_eq!(statuses(&[("a", num(40))]), (Unmet, Unknown, Unmet));
        assert_eq!(statuses(&[("a", num(60))]), (Unknown, Unknown, Unknown));
    }

    fn ladder_catalogue() -> Catalogue {
        let mut model_income = indicator("KM2", Comparison::AtLeast, &[]);
        model_income.value_of = Some("10".into());
        model_income.threshold_from = Some(ThresholdFrom {
            indicator: "10".into(),
            factor: Decimal::new(110, 2),
        });
        Catalogue::build(vec![
            complete(
                "std",
                Level::Standard,
                None,
                vec![criterion(
                    "10",
                    vec![indicator(
                        "10",
                        Comparison::AtLeast,
                        &[(40, Selector::default())],
                    )],
                )],
            ),
            complete(
                "adv",
                Level::Advanced,
                Some("std"),
                vec![criterion(
                    "10",
                    vec![indicator(
                        "10",
                        Comparison::AtLeast,
                        &[(50, Selector::default())],
                    )],
                )],
            ),
            complete(
                "model",
                Level::Model,
                Some("adv"),
                vec![criterion("KM2", vec![model_income])],
            ),
        ])
        .unwrap()
    }

    #[test]
    fn level_follows_the_ladder_and_model_income_is_ten_percent_above_advanced() {
        let cat = ladder_catalogue();
        let level = |income: i64| {
            evaluate_ladder(
                &cat,
                &SetId("std".into()),
                &ctx(2022),
                &inputs(&[("10", num(income))]),
            )
            .level
        };
        assert_eq!(level(30), Level::None);
        assert_eq!(level(45), Level::Standard);
        assert_eq!(level(54), Level::Advanced);
        assert_eq!(level(55), Level::Model);
        let r = evaluate_ladder(
            &cat,
            &SetId("model".into()),
            &ctx(2022),
            &inputs(&[("10", num(54))]),
        );
        let km2 = &r.step(&SetId("model".into())).unwrap().criteria[0].indicators[0];
        assert_eq!(
            km2.threshold.as_ref().unwrap().value,
            Some(Decimal::new(5500, 2))
        );
        assert_eq!(km2.gap, Some(Decimal::ONE));
    }

    #[test]
    fn model_threshold_is_unconfigured_when_the_advanced_one_is() {
        let mut model_income = indicator("KM2", Comparison::AtLeast, &[]);
        model_income.value_of = Some("10".into());
        model_income.threshold_from = Some(ThresholdFrom {
            indicator: "10".into(),
            factor: Decimal::new(110, 2),
        });
        let cat = Catalogue::build(vec![
            complete(
                "adv",
                Level::Advanced,
                None,
                vec![criterion(
                    "10",
                    vec![indicator("10", Comparison::AtLeast, &[])],
                )],
            ),
            complete(
                "model",
                Level::Model,
                Some("adv"),
                vec![criterion("KM2", vec![model_income])],
            ),
        ])
        .unwrap();
        let set = cat.get(&SetId("model".into())).unwrap();
        let r = evaluate_set(&cat, set, &ctx(2022), &inputs(&[("10", num(1000))]));
        assert_eq!(
            r.criteria[0].indicators[0].status,
            IndicatorStatus::Unconfigured
        );
    }

    fn threshold_strategy() -> impl Strategy<Value = Vec<(i64, Selector)>> {
        prop::collection::vec((0i64..100, prop::option::of(2021i32..2026)), 0..3).prop_map(|v| {
            let mut seen = std::collections::BTreeSet::new();
            v.into_iter()
                .filter(|(_, y)| seen.insert(*y))
                .map(|(t, y)| (t, sel(None, y)))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn raising_a_value_never_turns_met_into_unmet_under_at_least(
            thresholds in threshold_strategy(), v in 0i64..120, bump in 0i64..50, year in 2021i32..2026,
        ) {
            let cat = one_indicator_set(Comparison::AtLeast, &thresholds);
            let set = cat.get(&SetId("s".into())).unwrap();
            let ind = &set.criteria[0].indicators[0];
            let c = UnitContext { year, region: None, group: None };
            let before = evaluate_indicator(&cat, set, ind, &c, &inputs(&[("1.1", num(v))])).status;
            let after = evaluate_indicator(&cat, set, ind, &c, &inputs(&[("1.1", num(v + bump))])).status;
            if before == IndicatorStatus::Met {
                prop_assert_eq!(after, IndicatorStatus::Met);
            }
        }

        #[test]
        fn lowering_a_value_never_turns_met_into_unmet_under_at_most(
            t in 0i64..100, v in 0i64..120, drop in 0i64..50,
        ) {
            let cat = one_indicator_set(Comparison::AtMost, &[(t, Selector::default())]);
            let set = cat.get(&SetId("s".into())).unwrap();
            let ind = &set.criteria[0].indicators[0];
            let before = evaluate_indicator(&cat, set, ind, &ctx(2022), &inputs(&[("1.1", num(v))])).status;
            let after = evaluate_indicator(&cat, set, ind, &ctx(2022), &inputs(&[("1.1", num(v - drop))])).status;
            if before == IndicatorStatus::Met {
                prop_assert_eq!(after, IndicatorStatus::Met);
            }
        }

        #[test]
        fn an_unconfigured_threshold_never_yields_met_or_unmet(v in -1000i64..1000, year in 2000i32..2040) {
            let cat = one_indicator_set(Comparison::AtLeast, &[]);
            let set = cat.get(&SetId("s".into())).unwrap();
            let ind = &set.criteria[0].indicators[0];
            let r = evaluate_indicator(&cat, set, ind, &UnitContext { year, region: None, group: None }, &inputs(&[("1.1", num(v))]));
            prop_assert_eq!(r.status, IndicatorStatus::Unconfigured);
            prop_assert_eq!(r.gap, None);
        }

        #[test]
        fn gap_is_zero_exactly_when_met(t in 0i64..100, v in 0i64..120) {
            let cat = one_indicator_set(Comparison::AtLeast, &[(t, Selector::default())]);
            let set = cat.get(&SetId("s".into())).unwrap();
            let r = evaluate_indicator(&cat, set, &set.criteria[0].indicators[0], &ctx(2022), &inputs(&[("1.1", num(v))]));
            prop_assert_eq!(r.status == IndicatorStatus::Met, r.gap == Some(Decimal::ZERO));
        }

        #[test]
        fn the_level_is_monotone_in_income(a in 0i64..100, b in 0i64..100) {
            let cat = ladder_catalogue();
            let (lo, hi) = (a.min(b), a.max(b));
            let level = |income: i64| evaluate_ladder(&cat, &SetId("std".into()), &ctx(2022), &inputs(&[("10", num(income))])).level;
            prop_assert!(level(lo) <= level(hi));
        }

        #[test]
        fn criteria_counts_add_up(values in prop::collection::vec(prop::option::of(0i64..100), 4)) {
            let cat = Catalogue::build(vec![complete("s", Level::Standard, None, vec![
                criterion("1", vec![indicator("a", Comparison::AtLeast, &[(50, Selector::default())])]),
                criterion("2", vec![indicator("b", Comparison::AtMost, &[(50, Selector::default())])]),
                criterion("3", vec![indicator("c", Comparison::AtLeast, &[])]),
                criterion("4", vec![indicator("d", Comparison::AtLeast, &[(10, Selector::default())]), indicator("e", Comparison::AtLeast, &[(20, Selector::default())])]),
            ])]).unwrap();
            let set = cat.get(&SetId("s".into())).unwrap();
            let ids = ["a", "b", "c", "d", "e"];
            let pairs: Vec<(&str, Value)> = ids.iter().zip(&values).filter_map(|(k, v)| v.map(|v| (*k, num(v)))).collect();
            let r = evaluate_set(&cat, set, &ctx(2022), &inputs(&pairs));
            prop_assert_eq!(r.count(CriterionStatus::Met) + r.count(CriterionStatus::Unmet) + r.count(CriterionStatus::Unknown), 4);
            prop_assert!(r.criteria[2].status == CriterionStatus::Unknown);
            prop_assert!(r.status != CriterionStatus::Met);
        }
    }

    #[test]
    fn threshold_provenance_is_kept() {
        let cat = Catalogue::build(vec![complete(
            "s",
            Level::Standard,
            None,
            vec![criterion(
                "3",
                vec![{
                    let mut i = indicator("3.1", Comparison::AtLeast, &[]);
                    i.thresholds.push(Threshold {
                        value: Decimal::from(80),
                        when: Selector::default(),
                        source: Some("318/QĐ-TTg".into()),
                        confidence: Confidence::Medium,
                        illustrative: false,
                        note: None,
                    });
                    i
                }],
            )],
        )])
        .unwrap();
        let set = cat.get(&SetId("s".into())).unwrap();
        let r = evaluate_indicator(
            &cat,
            set,
            &set.criteria[0].indicators[0],
            &ctx(2022),
            &inputs(&[("3.1", num(81))]),
        );
        let t = r.threshold.unwrap();
        assert_eq!(
            (t.source.as_deref(), t.confidence),
            (Some("318/QĐ-TTg"), Confidence::Medium)
        );
    }
}
