//! Targets (chỉ tiêu kế hoạch): what a plan for a scope and a period asks for, how its
//! progress is judged, and whether the shares it is split into add up.
//!
//! The actuals are not typed by anyone: the app computes them from recognition decisions
//! (counts), approved values (indicators) and the scope's own dossier (the end-of-period
//! goal), and hands them here as [`Progress`]. The rule that turns them into a status is
//! [`STATUS_RULE`], printed on every page that shows one.

use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::criteria::{Comparison, Level};

/// The period a plan covers: one year, or a span of years (2021-2025, 2026-2030).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    Span { first: i32, last: i32 },
}

impl Period {
    /// "2022" or "2021-2025".
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let year = |t: &str| {
            t.trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (1990..=2100).contains(y))
        };
        match text.split_once('-') {
            None => year(text).map(Period::Year),
            Some((a, b)) => {
                let (first, last) = (year(a)?, year(b)?);
                match first.cmp(&last) {
                    std::cmp::Ordering::Less => Some(Period::Span { first, last }),
                    std::cmp::Ordering::Equal => Some(Period::Year(first)),
                    std::cmp::Ordering::Greater => None,
                }
            }
        }
    }

    pub fn first(self) -> i32 {
        match self {
            Period::Year(y) => y,
            Period::Span { first, .. } => first,
        }
    }

    pub fn last(self) -> i32 {
        match self {
            Period::Year(y) => y,
            Period::Span { last, .. } => last,
        }
    }

    pub fn contains(self, year: i32) -> bool {
        (self.first()..=self.last()).contains(&year)
    }

    /// The last day of the period: a plan's results are judged on it.
    pub fn end(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.last(), 12, 31).expect("31 December exists")
    }

    /// "năm 2022" or "giai đoạn 2021-2025".
    pub fn label_vi(self) -> String {
        match self {
            Period::Year(y) => format!("năm {y}"),
            Period::Span { first, last } => format!("giai đoạn {first}-{last}"),
        }
    }
}

impl fmt::Display for Period {
    /// As [`Period::parse`] reads it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Year(y) => write!(f, "{y}"),
            Period::Span { first, last } => write!(f, "{first}-{last}"),
        }
    }
}

/// What a count target counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Counted {
    /// Communes recognised at the level in the period.
    Communes(Level),
    /// Districts recognised at the level (districts exist until 30/6/2025).
    Districts(Level),
    /// Villages recognised as model residential areas (khu dân cư kiểu mẫu).
    ModelAreas,
    /// OCOP products certified in the period, of at least `min_stars` (0: all).
    OcopProducts { min_stars: u8 },
}

impl Counted {
    pub const ALL: [Counted; 10] = [
        Counted::Communes(Level::Standard),
        Counted::Communes(Level::Advanced),
        Counted::Communes(Level::Model),
        Counted::Districts(Level::Standard),
        Counted::ModelAreas,
        Counted::OcopProducts { min_stars: 0 },
        Counted::OcopProducts { min_stars: 3 },
        Counted::OcopProducts { min_stars: 4 },
        Counted::OcopProducts { min_stars: 5 },
        Counted::Districts(Level::Advanced),
    ];

    pub fn as_str(self) -> String {
        match self {
            Counted::Communes(l) => format!("communes:{}", l.as_str()),
            Counted::Districts(l) => format!("districts:{}", l.as_str()),
            Counted::ModelAreas => "model_areas".into(),
            Counted::OcopProducts { min_stars: 0 } => "ocop".into(),
            Counted::OcopProducts { min_stars } => format!("ocop:{min_stars}"),
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        let recognised = |l: &str| Level::parse(l).filter(|l| *l != Level::None);
        match text.split_once(':') {
            None if text == "model_areas" => Some(Counted::ModelAreas),
            None if text == "ocop" => Some(Counted::OcopProducts { min_stars: 0 }),
            Some(("communes", l)) => recognised(l).map(Counted::Communes),
            Some(("districts", l)) => recognised(l).map(Counted::Districts),
            Some(("ocop", s)) => s
                .parse::<u8>()
                .ok()
                .filter(|s| (1..=5).contains(s))
                .map(|min_stars| Counted::OcopProducts { min_stars }),
            _ => None,
        }
    }

    pub fn label_vi(self) -> String {
        match self {
            Counted::Communes(Level::Standard) => "Số xã đạt chuẩn nông thôn mới".into(),
            Counted::Communes(Level::Advanced) => "Số xã đạt nông thôn mới nâng cao".into(),
            Counted::Communes(Level::Model) => "Số xã đạt nông thôn mới kiểu mẫu".into(),
            Counted::Communes(Level::None) => "Số xã".into(),
            Counted::Districts(Level::Standard) => "Số huyện đạt chuẩn nông thôn mới".into(),
            Counted::Districts(l) => format!("Số huyện đạt nông thôn mới {}", l.label_vi()),
            Counted::ModelAreas => "Số khu dân cư đạt chuẩn kiểu mẫu".into(),
            Counted::OcopProducts { min_stars: 0 } => "Số sản phẩm OCOP được công nhận".into(),
            Counted::OcopProducts { min_stars } => {
                format!("Số sản phẩm OCOP đạt từ {min_stars} sao")
            }
        }
    }
}

/// Which year a title counts in: the year of the standard the decision names (the
/// dossier's year; the province's decisions for a year are often signed in January of the
/// next), or the year the decision was signed (a Prime Minister's decision for a district
/// can come two years after its standard year: Hương Sơn, standard 2020, signed 27/4/2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CountBy {
    #[default]
    StandardYear,
    DecisionYear,
}

impl CountBy {
    pub fn rule_vi(self) -> &'static str {
        match self {
            CountBy::StandardYear => {
                "tính theo năm đạt chuẩn ghi trong quyết định, dù quyết định ký sau năm đó"
            }
            CountBy::DecisionYear => "tính theo năm ký quyết định công nhận",
        }
    }
}

/// Whether a title of `standard_year` decided on `signed_on` counts in `period`.
pub fn counts_in(period: Period, by: CountBy, standard_year: i32, signed_on: NaiveDate) -> bool {
    use chrono::Datelike;
    match by {
        CountBy::StandardYear => period.contains(standard_year),
        CountBy::DecisionYear => period.contains(signed_on.year()),
    }
}

/// What a target asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// So many recognised in the period.
    Count(Counted),
    /// An indicator's value over the scope (at least or at most the amount) by the end of
    /// the period.
    Indicator {
        indicator: String,
        comparison: Comparison,
    },
    /// The scope itself recognised at the level by the end of the period (the province at
    /// standard by 2025).
    Goal(Level),
}

impl TargetKind {
    /// Whether shares of it to lower units add up to it: counts do; an average income or
    /// a share of households does not.
    pub fn is_additive(&self) -> bool {
        matches!(self, TargetKind::Count(_))
    }
}

/// One target of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    /// A count, an indicator's value, or 1 for a goal.
    pub amount: Decimal,
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Achieved,
    OnTrack,
    AtRisk,
    Missed,
    /// Nothing to compare yet (no approved value; OCOP before its records exist).
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::AtRisk => "at_risk",
            Status::Missed => "missed",
            Status::NoData => "no_data",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            Status::Achieved => "đạt",
            Status::OnTrack => "đúng tiến độ",
            Status::AtRisk => "có nguy cơ không đạt",
            Status::Missed => "không đạt",
            Status::NoData => "chưa có số liệu",
        }
    }
}

/// The rule [`judge`] applies, as the pages state it.
pub const STATUS_RULE: &str = "Đạt: kết quả đã bằng hoặc vượt chỉ tiêu. Không đạt: đã hết kỳ kế hoạch (31/12 năm cuối) mà chưa đạt. Trong kỳ, chỉ tiêu số lượng đúng tiến độ khi số đã có quyết định cộng số hồ sơ đang xét (đã trình thẩm tra trở đi, chưa có quyết định, chưa rút; hồ sơ mới đăng ký phấn đấu chưa tính) đủ chỉ tiêu; chỉ tiêu giá trị đúng tiến độ khi giá trị năm gần nhất đạt mức của lộ trình đều từ năm trước kỳ đến chỉ tiêu cuối kỳ (kỳ một năm: chưa đạt là có nguy cơ); mục tiêu cuối kỳ đúng tiến độ khi hồ sơ công nhận của đơn vị đang được xét (đã trình thẩm tra trở đi). Còn lại là có nguy cơ không đạt. Chưa có số liệu: chưa có số nào để so, hoặc (khu dân cư kiểu mẫu) sổ thôn chưa có thôn của mọi xã trong phạm vi.";

/// What the app found for a target, for [`judge`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// Recognised so far (counts; 1 or 0 for a goal), or the latest value over the scope
    /// (indicators); `None` when there is nothing to count or no value.
    pub actual: Option<Decimal>,
    /// Dossiers still under way that would count (counts and goals).
    pub under_way: Decimal,
    /// For an indicator over a span: the value the path expects in the year of `actual`.
    pub expected: Option<Decimal>,
}

fn meets(kind: &TargetKind, actual: Decimal, amount: Decimal) -> bool {
    match kind {
        TargetKind::Indicator {
            comparison: Comparison::AtMost,
            ..
        } => actual <= amount,
        TargetKind::Indicator {
            comparison: Comparison::Equal,
            ..
        } => actual == amount,
        _ => actual >= amount,
    }
}

/// The status of `target` over `period` on `today`, by [`STATUS_RULE`].
pub fn judge(target: &Target, period: Period, progress: &Progress, today: NaiveDate) -> Status {
    // Nothing recorded is not a result: a missed target needs a count that fell short.
    let Some(actual) = progress.actual else {
        return Status::NoData;
    };
    if meets(&target.kind, actual, target.amount) {
        return Status::Achieved;
    }
    if today > period.end() {
        return Status::Missed;
    }
    let on_track = match &target.kind {
        TargetKind::Count(_) => actual + progress.under_way >= target.amount,
        TargetKind::Goal(_) => progress.under_way > Decimal::ZERO,
        TargetKind::Indicator { .. } => progress
            .expected
            .is_some_and(|e| meets(&target.kind, actual, e)),
    };
    if on_track {
        Status::OnTrack
    } else {
        Status::AtRisk
    }
}

/// The value an even path from `baseline` (the year before the period) to `amount` (its
/// last year) reaches in `year`; `None` for a one-year period or a year outside it.
pub fn path_value(
    baseline: Decimal,
    amount: Decimal,
    period: Period,
    year: i32,
) -> Option<Decimal> {
    let Period::Span { first, last } = period else {
        return None;
    };
    if !period.contains(year) {
        return None;
    }
    let done = Decimal::from(year - first + 1);
    let all = Decimal::from(last - first + 1);
    Some(baseline + (amount - baseline) * done / all)
}

/// How the shares of a target to lower units compare with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitCheck {
    /// The shares add up to the target.
    Exact,
    /// The shares leave this much unassigned.
    Under(Decimal),
    /// The shares exceed the target by this much.
    Over(Decimal),
}

impl SplitCheck {
    pub fn describe_vi(self) -> String {
        match self {
            SplitCheck::Exact => "tổng phân bổ bằng chỉ tiêu".into(),
            SplitCheck::Under(d) => format!("còn {} chưa phân bổ", d.normalize()),
            SplitCheck::Over(d) => format!("phân bổ vượt chỉ tiêu {}", d.normalize()),
        }
    }
}

/// Compares the sum of `shares` with `target`.
pub fn check_split(target: Decimal, shares: &[Decimal]) -> SplitCheck {
    let sum: Decimal = shares.iter().copied().sum();
    match sum.cmp(&target) {
        std::cmp::Ordering::Equal => SplitCheck::Exact,
        std::cmp::Ordering::Less => SplitCheck::Under(target - sum),
        std::cmp::Ordering::Greater => SplitCheck::Over(sum - target),
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the shares, the check says exactly by how much they miss the target.
        #[test]
        fn a_split_check_accounts_for_every_unit(target in 0i64..500, shares in proptest::collection::vec(0i64..60, 0..12)) {
            let shares: Vec<Decimal> = shares.into_iter().map(Decimal::from).collect();
            let sum: Decimal = shares.iter().copied().sum();
            let target = Decimal::from(target);
            match check_split(target, &shares) {
                SplitCheck::Exact => prop_assert_eq!(sum, target),
                SplitCheck::Under(d) => prop_assert!(d > Decimal::ZERO && sum + d == target),
                SplitCheck::Over(d) => prop_assert!(d > Decimal::ZERO && sum - d == target),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn dec(n: i64) -> Decimal {
        Decimal::from(n)
    }
    fn count(level: Level, n: i64) -> Target {
        Target {
            kind: TargetKind::Count(Counted::Communes(level)),
            amount: dec(n),
        }
    }
    fn progress(actual: Option<i64>, under_way: i64) -> Progress {
        Progress {
            actual: actual.map(dec),
            under_way: dec(under_way),
            expected: None,
        }
    }

    #[test]
    fn periods_read_and_print() {
        assert_eq!(Period::parse("2022"), Some(Period::Year(2022)));
        assert_eq!(
            Period::parse(" 2021 - 2025 "),
            Some(Period::Span {
                first: 2021,
                last: 2025
            })
        );
        assert_eq!(Period::parse("2025-2025"), Some(Period::Year(2025)));
        for bad in ["", "2025-2021", "20x", "1800", "2021-", "2021-2025-2030"] {
            assert_eq!(Period::parse(bad), None, "{bad}");
        }
        let p = Period::parse("2026-2030").unwrap();
        assert_eq!(p.to_string(), "2026-2030");
        assert_eq!(p.label_vi(), "giai đoạn 2026-2030");
        assert_eq!(p.end(), d(2030, 12, 31));
        assert!(p.contains(2028) && !p.contains(2025));
    }

    #[test]
    fn every_counted_kind_reads_back() {
        for c in Counted::ALL {
            assert_eq!(Counted::parse(&c.as_str()), Some(c), "{c:?}");
        }
        for bad in ["communes:none", "ocop:0", "ocop:6", "districts", "x"] {
            assert_eq!(Counted::parse(bad), None, "{bad}");
        }
    }

    /// The notice's 2022 targets against the year's recorded decisions (4 standard, 6
    /// advanced, 4 model): judged at the end of 2022, in the middle of it, and after.
    #[test]
    fn the_status_rule_table() {
        let year = Period::Year(2022);
        let cases: [(Target, Progress, NaiveDate, Status); 9] = [
            // Reached: achieved whatever the date.
            (
                count(Level::Model, 3),
                progress(Some(4), 0),
                d(2022, 7, 1),
                Status::Achieved,
            ),
            (
                count(Level::Model, 3),
                progress(Some(3), 0),
                d(2023, 3, 1),
                Status::Achieved,
            ),
            // Not reached in time.
            (
                count(Level::Standard, 5),
                progress(Some(4), 3),
                d(2023, 1, 1),
                Status::Missed,
            ),
            // Within the year: dossiers under way decide.
            (
                count(Level::Standard, 5),
                progress(Some(4), 1),
                d(2022, 7, 1),
                Status::OnTrack,
            ),
            (
                count(Level::Advanced, 15),
                progress(Some(6), 2),
                d(2022, 7, 1),
                Status::AtRisk,
            ),
            (
                count(Level::Advanced, 15),
                progress(Some(6), 2),
                d(2022, 12, 31),
                Status::AtRisk,
            ),
            // Nothing to count yet, before and after the period: no data is not a miss.
            (
                Target {
                    kind: TargetKind::Count(Counted::OcopProducts { min_stars: 4 }),
                    amount: dec(5),
                },
                progress(None, 0),
                d(2022, 7, 1),
                Status::NoData,
            ),
            (
                Target {
                    kind: TargetKind::Count(Counted::OcopProducts { min_stars: 4 }),
                    amount: dec(5),
                },
                progress(None, 0),
                d(2023, 7, 1),
                Status::NoData,
            ),
            // A goal: on track while its dossier is being considered.
            (
                Target {
                    kind: TargetKind::Goal(Level::Standard),
                    amount: dec(1),
                },
                progress(Some(0), 1),
                d(2022, 7, 1),
                Status::OnTrack,
            ),
        ];
        for (k, (t, p, today, want)) in cases.iter().enumerate() {
            assert_eq!(
                judge(t, year, p, *today),
                *want,
                "case {k}: {t:?} {p:?} {today}"
            );
        }
    }

    #[test]
    fn an_indicator_follows_its_path_over_a_span() {
        let period = Period::parse("2021-2025").unwrap();
        let income = Target {
            kind: TargetKind::Indicator {
                indicator: "10.1".into(),
                comparison: Comparison::AtLeast,
            },
            amount: dec(70),
        };
        // From 45 in 2020 to 70 in 2025: 5 a year, 55 due in 2022.
        assert_eq!(path_value(dec(45), dec(70), period, 2022), Some(dec(55)));
        assert_eq!(path_value(dec(45), dec(70), period, 2026), None);
        assert_eq!(path_value(dec(45), dec(70), Period::Year(2022), 2022), None);
        let at = |actual: i64, expected: Option<i64>| Progress {
            actual: Some(dec(actual)),
            under_way: Decimal::ZERO,
            expected: expected.map(dec),
        };
        let mid = d(2023, 6, 1);
        assert_eq!(
            judge(&income, period, &at(56, Some(55)), mid),
            Status::OnTrack
        );
        assert_eq!(
            judge(&income, period, &at(52, Some(55)), mid),
            Status::AtRisk
        );
        // No baseline, no path: not reached is at risk.
        assert_eq!(judge(&income, period, &at(56, None), mid), Status::AtRisk);
        assert_eq!(judge(&income, period, &at(71, None), mid), Status::Achieved);
        assert_eq!(
            judge(&income, period, &at(69, Some(70)), d(2026, 1, 1)),
            Status::Missed
        );
        // A rate that must fall (poor households at most 2%).
        let poor = Target {
            kind: TargetKind::Indicator {
                indicator: "11.1".into(),
                comparison: Comparison::AtMost,
            },
            amount: dec(2),
        };
        assert_eq!(judge(&poor, period, &at(3, Some(4)), mid), Status::OnTrack);
        assert_eq!(judge(&poor, period, &at(5, Some(4)), mid), Status::AtRisk);
        assert_eq!(judge(&poor, period, &at(2, None), mid), Status::Achieved);
    }

    #[test]
    fn a_title_counts_in_its_standard_year_or_its_decision_year() {
        let y2022 = Period::Year(2022);
        // 283/QĐ-UBND of 26/01/2022 recognised 2021's advanced communes.
        assert!(!counts_in(
            y2022,
            CountBy::StandardYear,
            2021,
            d(2022, 1, 26)
        ));
        assert!(counts_in(
            Period::Year(2021),
            CountBy::StandardYear,
            2021,
            d(2022, 1, 26)
        ));
        // Hương Sơn: standard 2020, decision of 27/4/2022.
        assert!(counts_in(
            y2022,
            CountBy::DecisionYear,
            2020,
            d(2022, 4, 27)
        ));
        assert!(!counts_in(
            y2022,
            CountBy::StandardYear,
            2020,
            d(2022, 4, 27)
        ));
        let span = Period::parse("2021-2025").unwrap();
        assert!(counts_in(span, CountBy::StandardYear, 2021, d(2022, 1, 26)));
    }

    #[test]
    fn split_sums_are_checked() {
        assert_eq!(
            check_split(dec(15), &[dec(5), dec(6), dec(4)]),
            SplitCheck::Exact
        );
        assert_eq!(
            check_split(dec(15), &[dec(5), dec(6)]),
            SplitCheck::Under(dec(4))
        );
        assert_eq!(
            check_split(dec(15), &[dec(10), dec(6)]),
            SplitCheck::Over(dec(1))
        );
        assert_eq!(check_split(dec(3), &[]), SplitCheck::Under(dec(3)));
        assert_eq!(
            SplitCheck::Under(dec(4)).describe_vi(),
            "còn 4 chưa phân bổ"
        );
        assert!(TargetKind::Count(Counted::ModelAreas).is_additive());
        assert!(!TargetKind::Goal(Level::Standard).is_additive());
    }
}
