//! Roll-ups over units and the statistics the province reports.
//!
//! The formulas follow `shared/reference/ntm/README.md` ("Common statistics"):
//! * tỷ lệ xã đạt chuẩn = communes at standard or above ÷ all communes evaluated;
//! * tỷ lệ nâng cao / kiểu mẫu are taken **over the NTM communes**, as national reporting
//!   does (2,275 ÷ 6,250 = 36.4% in January 2025); the province rule 321 (≥ 40% of all
//!   communes) uses [`LevelStats::advanced_pct_of_all`] instead — the two bases are never
//!   mixed;
//! * bình quân tiêu chí/xã = criteria met summed over communes ÷ communes.
//!
//! Here the counts are by *assessment* (what the evaluation says), which reports call
//! "đạt N tiêu chí"; recognition by decision is a separate record.

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::criteria::{Computed, Level};
use crate::unit::UnitId;

/// One unit's evaluated outcome for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub unit: UnitId,
    pub level: Level,
    pub criteria_met: usize,
    pub criteria_total: usize,
}

/// Counts and shares over a set of communes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LevelStats {
    pub communes: usize,
    pub standard_or_above: usize,
    pub advanced_or_above: usize,
    pub model: usize,
    pub criteria_met_sum: usize,
    /// Number of criteria of the set (the "19" of "đạt 19 tiêu chí").
    pub criteria_total: usize,
    /// Communes meeting every criterion, 15 to all-but-one, 10-14, 5-9, under 5.
    pub bands: [usize; 5],
}

/// `numerator ÷ denominator × 100`, rounded half-up to `dp` decimals; `None` on an empty
/// denominator (a share of nothing is not 0%).
pub fn percent(numerator: usize, denominator: usize, dp: u32) -> Option<Decimal> {
    (denominator > 0).then(|| {
        (Decimal::from(numerator) * Decimal::ONE_HUNDRED / Decimal::from(denominator))
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    })
}

/// `numerator ÷ denominator`, rounded half-up to `dp` decimals.
pub fn ratio(numerator: usize, denominator: usize, dp: u32) -> Option<Decimal> {
    (denominator > 0).then(|| {
        (Decimal::from(numerator) / Decimal::from(denominator))
            .round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
    })
}

impl LevelStats {
    pub fn compute<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Self {
        let mut s = LevelStats::default();
        for o in outcomes {
            s.communes += 1;
            s.standard_or_above += usize::from(o.level >= Level::Standard);
            s.advanced_or_above += usize::from(o.level >= Level::Advanced);
            s.model += usize::from(o.level == Level::Model);
            s.criteria_met_sum += o.criteria_met;
            s.criteria_total = s.criteria_total.max(o.criteria_total);
            let band = if o.criteria_total > 0 && o.criteria_met == o.criteria_total {
                0
            } else {
                match o.criteria_met {
                    15.. => 1,
                    10..=14 => 2,
                    5..=9 => 3,
                    _ => 4,
                }
            };
            s.bands[band] += 1;
        }
        s
    }
    /// The bands as the report names them for this set's number of criteria: "đạt đủ N",
    /// then the report's ranges (15–18, 10–14, 5–9, under 5 for the 19 of the national
    /// set) cut to what the set can reach — a 3-criterion set has "đạt đủ 3" and "dưới 3",
    /// never "15–2" — each with its count of communes.
    pub fn labelled_bands(&self) -> Vec<(String, usize)> {
        let total = self.criteria_total;
        let mut out = vec![(format!("đạt đủ {total} tiêu chí"), self.bands[0])];
        let top = total.saturating_sub(1);
        for (i, (lo, hi)) in [(15, usize::MAX), (10, 14), (5, 9), (0, 4)]
            .into_iter()
            .enumerate()
        {
            let hi = hi.min(top);
            if total == 0 || lo > hi {
                continue;
            }
            let label = if lo == 0 {
                format!("dưới {} tiêu chí", hi + 1)
            } else if lo == hi {
                format!("{lo} tiêu chí")
            } else {
                format!("{lo}–{hi} tiêu chí")
            };
            out.push((label, self.bands[i + 1]));
        }
        out
    }

    /// Tỷ lệ xã đạt chuẩn NTM (over all communes).
    pub fn standard_pct(&self) -> Option<Decimal> {
        percent(self.standard_or_above, self.communes, 2)
    }
    /// Tỷ lệ xã nâng cao, over NTM communes (national reporting).
    pub fn advanced_pct_of_ntm(&self) -> Option<Decimal> {
        percent(self.advanced_or_above, self.standard_or_above, 2)
    }
    /// Tỷ lệ xã kiểu mẫu, over NTM communes (national reporting).
    pub fn model_pct_of_ntm(&self) -> Option<Decimal> {
        percent(self.model, self.standard_or_above, 2)
    }
    /// Share of advanced communes over all communes (rule 321 for provinces, 320 for
    /// districts).
    pub fn advanced_pct_of_all(&self) -> Option<Decimal> {
        percent(self.advanced_or_above, self.communes, 2)
    }
    /// Bình quân tiêu chí/xã.
    pub fn average_criteria(&self) -> Option<Decimal> {
        ratio(self.criteria_met_sum, self.communes, 2)
    }
}

/// Units that moved up between two years, matched by unit identity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transitions {
    pub newly_standard: Vec<UnitId>,
    pub newly_advanced: Vec<UnitId>,
    pub newly_model: Vec<UnitId>,
    /// Units that fell below a level they held the year before.
    pub dropped: Vec<UnitId>,
    /// Units of the current year with no outcome the year before, by themselves or
    /// through their predecessors.
    pub without_previous: Vec<UnitId>,
    /// Units compared through their predecessors (new after a merger): the unit and the
    /// predecessors it was compared with.
    pub through_lineage: Vec<(UnitId, Vec<UnitId>)>,
}

/// How a unit formed by a merger is compared with the year before, as the pages state it.
pub const MERGED_COMPARISON_RULE: &str = "Xã hình thành sau sáp nhập được so với các xã trước sáp nhập: năm trước được tính là đã đạt một mức khi mọi xã trước sáp nhập đều đã đạt mức đó (mức thấp nhất trong các xã); nếu một xã trước sáp nhập không có kết quả năm trước thì không so sánh.";

impl Transitions {
    /// Matched by unit identity only.
    pub fn compute(previous: &[Outcome], current: &[Outcome]) -> Self {
        Self::compute_through(previous, current, |_| Vec::new())
    }

    /// Matched by unit identity, and a unit without an outcome the year before through
    /// `predecessors` (the communes it took over): it held a level the year before when
    /// every predecessor held it ([`MERGED_COMPARISON_RULE`]).
    pub fn compute_through(
        previous: &[Outcome],
        current: &[Outcome],
        predecessors: impl Fn(&UnitId) -> Vec<UnitId>,
    ) -> Self {
        let before: BTreeMap<&UnitId, Level> =
            previous.iter().map(|o| (&o.unit, o.level)).collect();
        let mut t = Transitions::default();
        for o in current {
            let prev = match before.get(&o.unit) {
                Some(&level) => level,
                None => {
                    let preds = predecessors(&o.unit);
                    let levels: Option<Vec<Level>> =
                        preds.iter().map(|p| before.get(p).copied()).collect();
                    match levels.and_then(|l| l.into_iter().min()) {
                        Some(level) => {
                            t.through_lineage.push((o.unit.clone(), preds));
                            level
                        }
                        None => {
                            t.without_previous.push(o.unit.clone());
                            continue;
                        }
                    }
                }
            };
            for (level, list) in [
                (Level::Standard, &mut t.newly_standard),
                (Level::Advanced, &mut t.newly_advanced),
                (Level::Model, &mut t.newly_model),
            ] {
                if prev < level && o.level >= level {
                    list.push(o.unit.clone());
                }
            }
            if o.level < prev {
                t.dropped.push(o.unit.clone());
            }
        }
        t
    }
}

/// The computed inputs of a district (H1, H2 of 320/QĐ-TTg) from its communes' outcomes.
pub fn district_computed(communes: &[Outcome]) -> BTreeMap<Computed, Decimal> {
    let s = LevelStats::compute(communes);
    let mut out = BTreeMap::new();
    if let Some(v) = s.standard_pct() {
        out.insert(Computed::CommunesStandardPct, v);
    }
    if let Some(v) = s.advanced_pct_of_all() {
        out.insert(Computed::CommunesAdvancedPct, v);
    }
    out
}

/// The computed inputs of a province (T1-T4 of 321/QĐ-TTg) from its districts, towns and
/// communes. A share whose units were never evaluated (no outcome) is left out, so the
/// indicator reads as missing rather than 0%.
pub fn province_computed(
    districts: &[Outcome],
    towns: &[Outcome],
    communes: &[Outcome],
    advanced_districts_known: bool,
) -> BTreeMap<Computed, Decimal> {
    let mut out = BTreeMap::new();
    let d = LevelStats::compute(districts);
    if let Some(v) = d.standard_pct() {
        out.insert(Computed::DistrictsStandardPct, v);
    }
    if advanced_districts_known && let Some(v) = d.advanced_pct_of_all() {
        out.insert(Computed::DistrictsAdvancedPct, v);
    }
    if let Some(v) = LevelStats::compute(towns).standard_pct() {
        out.insert(Computed::TownsCompletedPct, v);
    }
    if let Some(v) = LevelStats::compute(communes).advanced_pct_of_all() {
        out.insert(Computed::CommunesAdvancedPct, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    fn o(code: &str, level: Level, met: usize) -> Outcome {
        Outcome {
            unit: UnitId::new(code, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            level,
            criteria_met: met,
            criteria_total: 19,
        }
    }

    fn many(n: usize, level: Level, met: usize, offset: usize) -> Vec<Outcome> {
        (0..n)
            .map(|i| o(&(offset + i).to_string(), level, met))
            .collect()
    }

    /// A merged commune is compared with its predecessors: it held a level the year
    /// before only if every predecessor did; a predecessor without a result means no
    /// comparison.
    #[test]
    fn a_merged_commune_is_compared_through_its_predecessors() {
        let new = |code: &str, level| Outcome {
            unit: UnitId::new(code, NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()),
            level,
            criteria_met: 19,
            criteria_total: 19,
        };
        let before = [
            o("1", Level::None, 17),
            o("2", Level::Standard, 19),
            o("3", Level::Advanced, 19),
            o("4", Level::Advanced, 19),
        ];
        let after = [
            new("1", Level::Standard), // from 1 (below) and 2: newly standard
            new("3", Level::Advanced), // from 3 and 4, both advanced: no change
            new("9", Level::Standard), // from 9, which has no result
        ];
        let preds = |u: &UnitId| -> Vec<UnitId> {
            let old = |c: &str| UnitId::new(c, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap());
            match u.as_str() {
                "1@2025-07-01" => vec![old("1"), old("2")],
                "3@2025-07-01" => vec![old("3"), old("4")],
                "9@2025-07-01" => vec![old("9")],
                _ => vec![],
            }
        };
        let t = Transitions::compute_through(&before, &after, preds);
        let codes = |v: &[UnitId]| v.iter().map(|u| u.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(codes(&t.newly_standard), ["1@2025-07-01"]);
        assert!(t.newly_advanced.is_empty() && t.dropped.is_empty());
        assert_eq!(codes(&t.without_previous), ["9@2025-07-01"]);
        assert_eq!(t.through_lineage.len(), 2);
        // Matched by identity only, none of them compares.
        let plain = Transitions::compute(&before, &after);
        assert!(plain.newly_standard.is_empty());
        assert_eq!(plain.without_previous.len(), 3);
    }

    #[test]
    fn national_january_2025_shares_are_taken_over_ntm_communes() {
        // reported-statistics.yaml, 2025-01: 8,014 communes, 6,250 NTM, 2,275 nâng cao
        // (36.4%), 550 kiểu mẫu (8.8%), reported as 78% NTM.
        let mut all = many(550, Level::Model, 19, 0);
        all.extend(many(2275 - 550, Level::Advanced, 19, 10_000));
        all.extend(many(6250 - 2275, Level::Standard, 19, 20_000));
        all.extend(many(8014 - 6250, Level::None, 14, 30_000));
        let s = LevelStats::compute(&all);
        assert_eq!(s.standard_pct(), Some(Decimal::new(7799, 2)));
        assert_eq!(
            s.advanced_pct_of_ntm().map(|d| d.round_dp(1)),
            Some(Decimal::new(364, 1))
        );
        assert_eq!(
            s.model_pct_of_ntm().map(|d| d.round_dp(1)),
            Some(Decimal::new(88, 1))
        );
    }

    #[test]
    fn average_criteria_matches_thua_thien_hue_report() {
        // 1,286 criteria met over 92 communes = 13.98, published as "14 tiêu chí/xã".
        let mut all = many(90, Level::None, 14, 0);
        all.push(o("a", Level::None, 3));
        all.push(o("b", Level::None, 23));
        let s = LevelStats::compute(&all);
        assert_eq!(s.criteria_met_sum, 1286);
        assert_eq!(s.average_criteria(), Some(Decimal::new(1398, 2)));
        assert_eq!(s.average_criteria().unwrap().round(), Decimal::from(14));
    }

    #[test]
    fn bands_follow_the_report_layout() {
        let all = vec![
            o("1", Level::Standard, 19),
            o("2", Level::None, 17),
            o("3", Level::None, 12),
            o("4", Level::None, 7),
            o("5", Level::None, 2),
        ];
        assert_eq!(LevelStats::compute(&all).bands, [1, 1, 1, 1, 1]);
        let labels = |total: usize| {
            let s = LevelStats {
                criteria_total: total,
                ..LevelStats::default()
            };
            s.labelled_bands()
                .into_iter()
                .map(|(l, _)| l)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            labels(19),
            [
                "đạt đủ 19 tiêu chí",
                "15–18 tiêu chí",
                "10–14 tiêu chí",
                "5–9 tiêu chí",
                "dưới 5 tiêu chí"
            ]
        );
        assert_eq!(labels(20)[0..2], ["đạt đủ 20 tiêu chí", "15–19 tiêu chí"]);
        assert_eq!(labels(3), ["đạt đủ 3 tiêu chí", "dưới 3 tiêu chí"]);
        assert_eq!(
            labels(11),
            [
                "đạt đủ 11 tiêu chí",
                "10 tiêu chí",
                "5–9 tiêu chí",
                "dưới 5 tiêu chí"
            ]
        );
    }

    #[test]
    fn shares_of_nothing_are_absent_not_zero() {
        let s = LevelStats::compute(&[]);
        assert_eq!((s.standard_pct(), s.average_criteria()), (None, None));
        let only_none = LevelStats::compute(&[o("1", Level::None, 3)]);
        assert_eq!(only_none.advanced_pct_of_ntm(), None);
    }

    #[test]
    fn transitions_count_each_step_crossed() {
        let prev = vec![
            o("1", Level::None, 17),
            o("2", Level::Standard, 19),
            o("3", Level::Advanced, 19),
            o("4", Level::Model, 19),
        ];
        let cur = vec![
            o("1", Level::Standard, 19),
            o("2", Level::Model, 19),
            o("3", Level::Advanced, 19),
            o("4", Level::Advanced, 19),
            o("5", Level::None, 10),
        ];
        let t = Transitions::compute(&prev, &cur);
        assert_eq!(
            (
                t.newly_standard.len(),
                t.newly_advanced.len(),
                t.newly_model.len()
            ),
            (1, 1, 1)
        );
        assert_eq!((t.dropped.len(), t.without_previous.len()), (1, 1));
    }

    #[test]
    fn district_needs_all_communes_and_a_tenth_advanced() {
        let communes = vec![
            o("1", Level::Advanced, 19),
            o("2", Level::Standard, 19),
            o("3", Level::Standard, 19),
        ];
        let c = district_computed(&communes);
        assert_eq!(c[&Computed::CommunesStandardPct], Decimal::from(100));
        assert_eq!(c[&Computed::CommunesAdvancedPct], Decimal::new(3333, 2));
    }

    proptest! {
        #[test]
        fn shares_stay_within_bounds_and_nest(levels in prop::collection::vec(0u8..4, 0..60)) {
            let all: Vec<Outcome> = levels.iter().enumerate().map(|(i, l)| {
                let level = [Level::None, Level::Standard, Level::Advanced, Level::Model][*l as usize];
                o(&i.to_string(), level, if level == Level::None { 10 } else { 19 })
            }).collect();
            let s = LevelStats::compute(&all);
            prop_assert!(s.model <= s.advanced_or_above && s.advanced_or_above <= s.standard_or_above && s.standard_or_above <= s.communes);
            for p in [s.standard_pct(), s.advanced_pct_of_ntm(), s.model_pct_of_ntm(), s.advanced_pct_of_all()].into_iter().flatten() {
                prop_assert!(p >= Decimal::ZERO && p <= Decimal::ONE_HUNDRED);
            }
            prop_assert_eq!(s.bands.iter().sum::<usize>(), s.communes);
            // Order of units does not matter.
            let mut rev = all.clone();
            rev.reverse();
            prop_assert_eq!(LevelStats::compute(&rev), s);
        }

        #[test]
        fn rolling_up_parts_equals_rolling_up_the_whole(levels in prop::collection::vec(0u8..4, 1..60), split in 0usize..60) {
            let all: Vec<Outcome> = levels.iter().enumerate().map(|(i, l)| {
                o(&i.to_string(), [Level::None, Level::Standard, Level::Advanced, Level::Model][*l as usize], *l as usize * 5)
            }).collect();
            let k = split.min(all.len());
            let (a, b) = all.split_at(k);
            let (sa, sb, s) = (LevelStats::compute(a), LevelStats::compute(b), LevelStats::compute(&all));
            prop_assert_eq!(sa.communes + sb.communes, s.communes);
            prop_assert_eq!(sa.standard_or_above + sb.standard_or_above, s.standard_or_above);
            prop_assert_eq!(sa.criteria_met_sum + sb.criteria_met_sum, s.criteria_met_sum);
        }
    }
}
