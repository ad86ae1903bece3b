//! The Hà Tĩnh demo: every xã for 2021 and 2022 with indicator values constructed so
//! that, under the illustrative sets in `data/criteria/demo/`, the evaluations agree with
//! the real recognition history (`shared/reference/ntm/hatinh-history.yaml`) wherever it
//! names a unit, and with the seed's 2021 levels province-wide (planned from a 2020 that
//! is not written: ntm has no set for 2020, so the seed's 2021 changes — 25 newly
//! advanced, 1 newly model, 2 newly standard — belong to the recognition decisions, not
//! to a comparison of evaluations); Vũ Quang and Cẩm Xuyên are NTM districts from 2021;
//! Hương Khê keeps communes below standard. The written unit-years are approved, except
//! [`LEFT_UNAPPROVED`].
//!
//! Where the history names no unit (which communes were advanced or model before 2021),
//! the demo picks some and says so in [`DemoPlan::choices`]. Every value carries the note
//! [`DEMO_NOTE`]; the sets are marked illustrative. The construction is checked by
//! evaluating it: [`generate`] fails if any commune does not land on its planned level.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ntm_core::criteria::{Comparison, CriteriaSet, Indicator, Level, SetId};
use ntm_core::evaluation::{CriterionStatus, Inputs, evaluate_indicator, evaluate_ladder};
use ntm_core::text::search_key;
use ntm_core::{Catalogue, UnitContext, UnitId, UnitRegistry, UnitType, Value};
use ntm_store::{Store, ValueWrite, WriteSummary};
use rust_decimal::Decimal;

use crate::evaluate::Workspace;
use crate::{AppError, AppResult, AuditContext};

pub use crate::values::DEMO_NOTE;

/// Years the demo plans: 2020 only so that 2021's changes follow from somewhere; ntm has
/// no set for 2020 (the 2016-2020 set, 1980/QĐ-TTg, is not transcribed), so no value of
/// 2020 is written.
const PLANNED_YEARS: [i32; 3] = [2020, 2021, 2022];

/// Years the demo fills.
pub const YEARS: [i32; 2] = [2021, 2022];

/// Demo unit-years left out of the approval, to try the workflow on: (code, year, status).
/// Kỳ Lạc is the demo commune account's; two Hương Khê communes still below standard (Hà
/// Linh, Điền Mỹ) wait for the province.
pub const LEFT_UNAPPROVED: &[(&str, i32, ntm_core::workflow::Status)] = &[
    ("18850", 2022, ntm_core::workflow::Status::Draft),
    ("18502", 2022, ntm_core::workflow::Status::Submitted),
    ("18499", 2022, ntm_core::workflow::Status::Submitted),
];

/// The demo's standard-level commune set.
pub const COMMUNE_SET: &str = "xa-ntm-2021-2025-minh-hoa";

/// The years after the reform the demo fills, on the tree of their 31 December: 2025 under
/// the 2021-2025 sets, and 2026 — the year in progress — under [`COMMUNE_SET_2026`].
pub const RECENT_YEARS: [i32; 2] = [2025, 2026];

/// The demo's illustrative completion of the 2026-2030 national commune set (the official
/// annex is not transcribed; the national set stays incomplete and says so).
pub const COMMUNE_SET_2026: &str = "xa-ntm-2026-2030-minh-hoa";

/// The 2026 workflow state of a commune in the demo: half approved, a quarter waiting for
/// the province, the rest still being entered — and the commune that took Kỳ Lạc over
/// (the demo commune account's) is still entering.
fn status_2026(registry: &UnitRegistry, unit: &UnitId) -> Option<ntm_core::workflow::Status> {
    use ntm_core::workflow::Status;
    let ky_lac = registry
        .with_code("18850")
        .into_iter()
        .flat_map(|u| registry.successors(&u.id))
        .any(|e| &e.to == unit);
    let r = rand01(&format!("{unit}/2026/status"));
    match () {
        _ if ky_lac => None,
        _ if r < 0.5 => Some(Status::Approved),
        _ if r < 0.75 => Some(Status::Submitted),
        _ => None,
    }
}

type Named = (&'static str, &'static [&'static str]);

// hatinh-history.yaml, 2021 (decision 283/QĐ-UBND of 26/01/2022).
const ADVANCED_2021: &[Named] = &[
    (
        "Huyện Kỳ Anh",
        &["Kỳ Phú", "Kỳ Châu", "Kỳ Đồng", "Kỳ Giang"],
    ),
    ("Huyện Lộc Hà", &["Mai Phụ"]),
    ("Huyện Thạch Hà", &["Thạch Đài", "Thạch Xuân", "Nam Điền"]),
    ("Huyện Cẩm Xuyên", &["Cẩm Thành", "Cẩm Lạc"]),
    ("Huyện Hương Sơn", &["Sơn Trường"]),
    ("Huyện Vũ Quang", &["Quang Thọ", "Đức Hương", "Hương Minh"]),
    ("Huyện Nghi Xuân", &["Xuân Giang", "Xuân Trường"]),
    ("Thành phố Hà Tĩnh", &["Thạch Bình"]),
    ("Thị xã Kỳ Anh", &["Kỳ Ninh"]),
    ("Huyện Can Lộc", &["Mỹ Lộc", "Thượng Lộc"]),
    (
        "Huyện Đức Thọ",
        &[
            "Bùi La Nhân",
            "Yên Hồ",
            "Thanh Bình Thịnh",
            "Tân Hương",
            "Lâm Trung Thủy",
        ],
    ),
];
const STANDARD_2021: &[Named] = &[("Huyện Kỳ Anh", &["Kỳ Lạc", "Kỳ Tây"])];
const MODEL_2021: &[Named] = &[("Huyện Thạch Hà", &["Tượng Sơn"])];
// 2022 batch 1 (decision 1337/QĐ-UBND of 01/7/2022).
const STANDARD_2022: &[Named] = &[(
    "Huyện Hương Khê",
    &["Phúc Đồng", "Hòa Hải", "Hương Bình", "Hương Thủy"],
)];
const ADVANCED_2022: &[Named] = &[
    ("Huyện Hương Khê", &["Phúc Trạch", "Hương Trạch", "Phú Gia"]),
    ("Huyện Thạch Hà", &["Tân Lâm Hương", "Lưu Vĩnh Sơn"]),
    ("Huyện Can Lộc", &["Gia Hanh"]),
];
const MODEL_2022: &[Named] = &[
    ("Huyện Cẩm Xuyên", &["Cẩm Bình"]),
    ("Huyện Nghi Xuân", &["Xuân Thành"]),
    ("Huyện Can Lộc", &["Thiên Lộc"]),
    ("Thành phố Hà Tĩnh", &["Thạch Hạ"]),
];
// Still below standard after 2022 batch 1 ("not yet: Hương Lâm, Hương Liên, Hà Linh, Điền Mỹ").
const BELOW_2022: &[Named] = &[(
    "Huyện Hương Khê",
    &["Hương Lâm", "Hương Liên", "Hà Linh", "Điền Mỹ"],
)];
/// Districts recognised NTM in 2021 (the seed): their district criteria are met from 2021.
const DISTRICTS_NTM_FROM_2021: &[&str] = &["Huyện Vũ Quang", "Huyện Cẩm Xuyên"];
/// Kỳ Anh district met its 9 district criteria only for 2023 (840/QĐ-TTg of 15/8/2024).
const DISTRICTS_NOT_YET: &[&str] = &["Huyện Kỳ Anh"];
/// Where the demo places the unnamed communes that were already advanced (and the two
/// model ones) in 2020; chosen so that districts recognised before 2021 keep at least 10%
/// advanced communes. (district, how many advanced, how many model)
const PICKS_2020: &[(&str, usize, usize)] = &[
    ("Huyện Hương Sơn", 2, 0),
    ("Huyện Nghi Xuân", 1, 0),
    ("Huyện Thạch Hà", 2, 0),
    ("Huyện Đức Thọ", 1, 0),
    ("Huyện Hương Khê", 0, 1),
    ("Huyện Cẩm Xuyên", 0, 1),
];
/// Communes the history places later (re-confirmed as NTM after a merger in 2023, voted
/// advanced in 2023, recognised advanced or model in 2024): never picked as advanced or
/// model in 2020.
const LATER_IN_HISTORY: &[&str] = &[
    "Yên Hòa",
    "Nam Phúc Thăng",
    "Khánh Vĩnh Yên",
    "Kim Song Trường",
    "Tùng Châu",
    "An Dũng",
    "Tân Dân",
    "Hòa Lạc",
    "Tân Mỹ Hà",
    "Kim Hoa",
    "An Hòa Thịnh",
    "Quang Diệm",
    "Bình An",
    "Đỉnh Bàn",
    "Đồng Môn",
    "Thọ Điền",
    "Quang Vĩnh",
    "Việt Tiến",
    "Thạch Liên",
    "Xuân Hải",
    "Xuân Yên",
    "Xuân Mỹ",
    "Xuân Phổ",
];
/// Criteria a commune below standard most often lacks, in the seed's words: income,
/// environment and clean water, production organisation, then infrastructure.
const HARD_CRITERIA: &[&str] = &["10", "17", "13", "20", "2", "5", "12", "15", "9"];

/// What each commune should reach each year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub level: Level,
    /// For communes below standard: how many criteria they lack.
    pub unmet_criteria: usize,
}

/// The plan of the demo.
#[derive(Debug, Clone, Default)]
pub struct DemoPlan {
    pub targets: BTreeMap<(UnitId, i32), Target>,
    /// Choices the history does not dictate, for the record.
    pub choices: Vec<String>,
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("constant date")
}

/// The seeded directives' constants: a date `YYYY-MM-DD`, a unit id, an instant.
fn ymd(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("constant date")
}

fn unit_lead(s: &str) -> ntm_store::Assignee {
    ntm_store::Assignee::Unit(UnitId::parse(s).expect("constant unit id"))
}

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("constant time")
        .with_timezone(&Utc)
}

/// Deterministic pseudo-random numbers from a text key (FNV-1a then splitmix64).
pub(crate) fn rand01(key: &str) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = h;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn pick(key: &str, n: usize) -> usize {
    ((rand01(key) * n as f64) as usize).min(n.saturating_sub(1))
}

/// Names in the history that the 2022 lists spell otherwise: Xuân Trường had merged with
/// Xuân Đan into Đan Trường; the 2023 article lists Đan Trường among the merged communes
/// already recognised advanced.
const ALIASES: &[(&str, &str, &str)] = &[("Huyện Nghi Xuân", "Xuân Trường", "Đan Trường")];

/// Finds the xã named `name` in district `district` in the 2022 tree.
fn find(registry: &UnitRegistry, district: &str, name: &str) -> Result<UnitId, String> {
    let name = ALIASES
        .iter()
        .find(|(d, from, _)| *d == district && *from == name)
        .map_or(name, |(_, _, to)| *to);
    let date = d(2022, 6, 30);
    let views = registry.as_of(date);
    let dist = views
        .iter()
        .find(|v| v.name() == district)
        .ok_or_else(|| format!("không tìm thấy {district} trong cây đơn vị năm 2022"))?;
    let want = search_key(&format!("Xã {name}"));
    registry
        .children_on(dist.id(), date)
        .into_iter()
        .find(|c| search_key(c.name()) == want)
        .map(|c| c.id().clone())
        .ok_or_else(|| format!("không tìm thấy xã {name} thuộc {district}"))
}

fn resolve_all(registry: &UnitRegistry, named: &[Named]) -> Result<Vec<UnitId>, String> {
    let mut out = Vec::new();
    for (district, names) in named {
        for name in *names {
            out.push(find(registry, district, name)?);
        }
    }
    Ok(out)
}

/// Plans the level of every xã of the 2022 tree in 2020-2022.
pub fn plan(registry: &UnitRegistry) -> Result<DemoPlan, String> {
    let adv21 = resolve_all(registry, ADVANCED_2021)?;
    let std21 = resolve_all(registry, STANDARD_2021)?;
    let model21 = resolve_all(registry, MODEL_2021)?;
    let std22 = resolve_all(registry, STANDARD_2022)?;
    let adv22 = resolve_all(registry, ADVANCED_2022)?;
    let model22 = resolve_all(registry, MODEL_2022)?;
    let below22 = resolve_all(registry, BELOW_2022)?;
    let named: BTreeSet<UnitId> = [&adv21, &std21, &model21, &std22, &adv22, &model22, &below22]
        .into_iter()
        .flatten()
        .cloned()
        .collect();

    let mut plan = DemoPlan::default();
    let date = d(2022, 6, 30);
    let mut adv20: BTreeSet<UnitId> = model21.iter().chain(&model22).cloned().collect();
    let mut model20: BTreeSet<UnitId> = BTreeSet::new();
    for (district, n_adv, n_model) in PICKS_2020 {
        let dist = registry
            .as_of(date)
            .into_iter()
            .find(|v| v.name() == *district)
            .ok_or_else(|| format!("không có {district}"))?
            .id()
            .clone();
        let free: Vec<_> = registry
            .children_on(&dist, date)
            .into_iter()
            .filter(|c| {
                let later = LATER_IN_HISTORY
                    .iter()
                    .any(|n| search_key(c.name()) == search_key(&format!("Xã {n}")));
                c.unit_type() == UnitType::Commune && !named.contains(c.id()) && !later
            })
            .collect();
        for (i, c) in free.iter().take(n_adv + n_model).enumerate() {
            let level = if i < *n_adv { &mut adv20 } else { &mut model20 };
            level.insert(c.id().clone());
            plan.choices.push(format!(
                "{} ({district}) được chọn minh họa là xã {} từ năm 2020 (lịch sử không nêu tên)",
                c.name(),
                if i < *n_adv {
                    "nâng cao"
                } else {
                    "kiểu mẫu"
                }
            ));
        }
    }
    let below20: BTreeSet<UnitId> = below22
        .iter()
        .chain(&std22)
        .chain(&std21)
        .cloned()
        .collect();
    let below21: BTreeSet<UnitId> = below22.iter().chain(&std22).cloned().collect();

    let xa: Vec<UnitId> = registry
        .as_of(date)
        .into_iter()
        .filter(|v| v.unit_type() == UnitType::Commune)
        .map(|v| v.id().clone())
        .collect();
    for id in &xa {
        let mut prev_unmet = usize::MAX;
        for year in PLANNED_YEARS {
            let level = match year {
                2020 if below20.contains(id) => Level::None,
                2020 if model20.contains(id) => Level::Model,
                2020 if adv20.contains(id) => Level::Advanced,
                2021 if below21.contains(id) => Level::None,
                2021 if model20.contains(id) || model21.contains(id) => Level::Model,
                2021 if adv20.contains(id) || adv21.contains(id) => Level::Advanced,
                2022 if below22.contains(id) => Level::None,
                2022 if model20.contains(id) || model21.contains(id) || model22.contains(id) => {
                    Level::Model
                }
                2022 if adv20.contains(id) || adv21.contains(id) || adv22.contains(id) => {
                    Level::Advanced
                }
                _ => Level::Standard,
            };
            let unmet_criteria = if level == Level::None {
                // Fewer gaps each year; the two 2023 front-runners lack one criterion.
                let base = match year {
                    2020 => 2 + pick(&format!("{id}/gaps"), 3),
                    2021 => 1 + pick(&format!("{id}/gaps21"), 3),
                    _ => 1 + pick(&format!("{id}/gaps22"), 3),
                };
                let base = if std21.contains(id) { 1 } else { base };
                let name = registry
                    .get(id)
                    .map(|u| u.latest().name.clone())
                    .unwrap_or_default();
                let base = match name.as_str() {
                    "Xã Hương Lâm" | "Xã Hương Liên" if year == 2022 => 1,
                    "Xã Hà Linh" | "Xã Điền Mỹ" if year == 2022 => 3.max(base),
                    _ => base,
                };
                let n = base.min(prev_unmet);
                prev_unmet = n;
                n
            } else {
                0
            };
            plan.targets.insert(
                (id.clone(), year),
                Target {
                    level,
                    unmet_criteria,
                },
            );
        }
    }
    Ok(plan)
}

/// What an indicator's value must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Demand {
    Meet,
    Fail,
}

#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub(crate) comparison: Comparison,
    pub(crate) threshold: Option<Decimal>,
    pub(crate) demand: Demand,
    pub(crate) hard: bool,
}

/// Allowed interval of a numeric value; `hi: None` is open.
#[derive(Debug, Clone, Copy)]
struct Interval {
    lo: Decimal,
    hi: Option<Decimal>,
}

impl Interval {
    fn apply(mut self, c: &Constraint, step: Decimal) -> Option<Self> {
        let t = c.threshold?;
        let min_hi = |hi: Option<Decimal>, v: Decimal| Some(hi.map_or(v, |h| h.min(v)));
        match (c.comparison, c.demand) {
            (Comparison::AtLeast, Demand::Meet) => self.lo = self.lo.max(t),
            (Comparison::AtLeast, Demand::Fail) => self.hi = min_hi(self.hi, t - step),
            (Comparison::AtMost, Demand::Meet) => self.hi = min_hi(self.hi, t),
            (Comparison::AtMost, Demand::Fail) => self.lo = self.lo.max(t + step),
            (Comparison::Equal, Demand::Meet) => {
                if t < self.lo || self.hi.is_some_and(|h| t > h) {
                    return None;
                }
                self.lo = t;
                self.hi = Some(t);
            }
            (Comparison::Equal, Demand::Fail) => {
                if t == self.lo {
                    self.lo += step;
                } else {
                    self.hi = min_hi(self.hi, t - step);
                }
            }
            (Comparison::Pass, _) => {}
        }
        self.hi.is_none_or(|h| h >= self.lo).then_some(self)
    }
}

fn step_of(indicator: &Indicator) -> Decimal {
    let unit = indicator.unit.as_deref().unwrap_or("");
    if indicator.is_percent() || unit.contains("triệu") || unit.contains("m2") {
        Decimal::new(1, 1)
    } else {
        Decimal::ONE
    }
}

/// Chooses a value satisfying every hard constraint and as many soft ones as possible.
pub(crate) fn choose(indicator: &Indicator, constraints: &[Constraint], r: f64) -> Option<Value> {
    if indicator.comparison == Comparison::Pass {
        let hard: Vec<Demand> = constraints
            .iter()
            .filter(|c| c.hard)
            .map(|c| c.demand)
            .collect();
        let soft = constraints.iter().find(|c| !c.hard).map(|c| c.demand);
        let demand = match (hard.contains(&Demand::Meet), hard.contains(&Demand::Fail)) {
            (true, true) => return None,
            (true, false) => Demand::Meet,
            (false, true) => Demand::Fail,
            (false, false) => soft.unwrap_or(Demand::Meet),
        };
        return Some(Value::Pass(demand == Demand::Meet));
    }
    let step = step_of(indicator);
    let mut iv = Interval {
        lo: Decimal::ZERO,
        hi: indicator.is_percent().then_some(Decimal::ONE_HUNDRED),
    };
    for c in constraints.iter().filter(|c| c.hard) {
        iv = iv.apply(c, step)?;
    }
    for c in constraints.iter().filter(|c| !c.hard) {
        if let Some(next) = iv.apply(c, step) {
            iv = next;
        }
    }
    let only_ceiling = constraints
        .iter()
        .all(|c| c.comparison == Comparison::AtMost);
    let lo = if only_ceiling && iv.lo.is_zero() {
        iv.hi.map_or(iv.lo, |h| h * Decimal::new(3, 1))
    } else {
        iv.lo
    };
    let hi = iv
        .hi
        .unwrap_or_else(|| (lo * Decimal::new(125, 2)).max(lo + step * Decimal::from(10)));
    let span_steps = ((hi - lo) / step).floor();
    let chosen = Decimal::from_f64_retain(r).unwrap_or(Decimal::ZERO) * span_steps;
    let value = (lo + chosen.floor() * step).round_dp(2).normalize();
    Some(Value::Number(value.clamp(lo, hi)))
}

/// Threshold value (None for pass/fail) of an indicator for a context; `Err` when the
/// indicator is unconfigured, which a demo set must never be.
fn threshold_of(
    catalogue: &Catalogue,
    set: &CriteriaSet,
    indicator: &Indicator,
    ctx: &UnitContext,
) -> Result<Option<Decimal>, String> {
    let r = evaluate_indicator(catalogue, set, indicator, ctx, &Inputs::default());
    match r.threshold {
        Some(t) => Ok(t.value),
        None => Err(format!(
            "chỉ tiêu {} của bộ {} chưa có ngưỡng cho năm {}",
            indicator.id,
            set.id(),
            ctx.year
        )),
    }
}

/// Values of one commune-year reaching `target` on `ladder`.
fn commune_values<'a>(
    catalogue: &'a Catalogue,
    ladder: &[&'a CriteriaSet],
    unit: &UnitId,
    ctx: &UnitContext,
    target: &Target,
) -> Result<BTreeMap<String, Value>, String> {
    let reached = match target.level {
        Level::None => 0,
        Level::Standard => 1,
        Level::Advanced => 2,
        Level::Model => 3,
    };
    let mut constraints: BTreeMap<String, (&'a Indicator, Vec<Constraint>)> = BTreeMap::new();
    fn add<'a>(
        map: &mut BTreeMap<String, (&'a Indicator, Vec<Constraint>)>,
        i: &'a Indicator,
        c: Constraint,
    ) {
        map.entry(i.value_key().to_owned())
            .or_insert_with(|| (i, Vec::new()))
            .1
            .push(c);
    }
    // Lower sets must be met in full.
    for set in ladder.iter().take(reached) {
        for (_, i) in set.indicators() {
            add(
                &mut constraints,
                i,
                Constraint {
                    comparison: i.comparison,
                    threshold: threshold_of(catalogue, set, i, ctx)?,
                    demand: Demand::Meet,
                    hard: true,
                },
            );
        }
    }
    // The next set must fail: choose the criteria that block it, and in each the first
    // indicator that can fail without breaking a lower set.
    if let Some(next) = ladder.get(reached) {
        let blocking_wanted = match target.level {
            Level::None => target.unmet_criteria,
            Level::Standard => 2 + pick(&format!("{unit}/{}/blk", ctx.year), 4),
            _ => 1 + pick(&format!("{unit}/{}/blk", ctx.year), 2),
        };
        let mut order: Vec<&ntm_core::criteria::Criterion> = next.criteria.iter().collect();
        order.sort_by_key(|c| {
            let hard = HARD_CRITERIA
                .iter()
                .position(|h| *h == c.id)
                .unwrap_or(HARD_CRITERIA.len());
            (hard, pick(&format!("{unit}/order/{}", c.id), 1000))
        });
        let mut blocked = 0;
        for criterion in order {
            if blocked == blocking_wanted {
                break;
            }
            for i in &criterion.indicators {
                let c = Constraint {
                    comparison: i.comparison,
                    threshold: threshold_of(catalogue, next, i, ctx)?,
                    demand: Demand::Fail,
                    hard: true,
                };
                let mut trial = constraints
                    .get(i.value_key())
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                trial.push(c.clone());
                if choose(i, &trial, 0.5).is_some() {
                    add(&mut constraints, i, c);
                    blocked += 1;
                    break;
                }
            }
        }
        if blocked < blocking_wanted {
            return Err(format!(
                "{unit} năm {}: chỉ chặn được {blocked}/{blocking_wanted} tiêu chí của {}",
                ctx.year,
                next.id()
            ));
        }
        for (_, i) in next.indicators() {
            add(
                &mut constraints,
                i,
                Constraint {
                    comparison: i.comparison,
                    threshold: threshold_of(catalogue, next, i, ctx)?,
                    demand: Demand::Meet,
                    hard: false,
                },
            );
        }
    }
    // Higher sets: realistic, mostly met.
    for set in ladder.iter().skip(reached + 1) {
        for (_, i) in set.indicators() {
            let demand = if rand01(&format!("{unit}/{}/{}", ctx.year, i.id)) < 0.6 {
                Demand::Meet
            } else {
                Demand::Fail
            };
            add(
                &mut constraints,
                i,
                Constraint {
                    comparison: i.comparison,
                    threshold: threshold_of(catalogue, set, i, ctx)?,
                    demand,
                    hard: false,
                },
            );
        }
    }
    let mut values = BTreeMap::new();
    for (key, (indicator, list)) in &constraints {
        if indicator.computed.is_some() {
            continue;
        }
        // A stable position per commune and indicator, drifting up a little each year, so
        // that series look like progress rather than noise.
        let r =
            (rand01(&format!("{unit}/{key}")) * 0.8 + 0.05 * f64::from(ctx.year - 2020)).min(0.999);
        let v = choose(indicator, list, r)
            .ok_or_else(|| format!("{unit} năm {}: không chọn được giá trị cho {key}", ctx.year))?;
        values.insert(key.clone(), v);
    }
    Ok(values)
}

/// The generated values and what they were checked against.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub writes: Vec<ValueWrite>,
    pub communes: usize,
}

/// Generates every demo value and checks, by evaluating, that each commune lands on its
/// planned level (and, below standard, on its planned number of criteria).
pub fn generate(ws: &Workspace, plan: &DemoPlan) -> Result<Generated, String> {
    let set_id = SetId(COMMUNE_SET.into());
    let ladder = ws.catalogue.ladder(&set_id);
    if ladder.len() != 3 {
        return Err(format!(
            "bộ {COMMUNE_SET} cần chuỗi 3 mức (chuẩn, nâng cao, kiểu mẫu), có {}",
            ladder.len()
        ));
    }
    let mut out = Generated::default();
    let mut units = BTreeSet::new();
    for ((unit, year), target) in plan.targets.iter().filter(|((_, y), _)| YEARS.contains(y)) {
        let ctx = ws.context(unit, *year);
        let values = commune_values(&ws.catalogue, &ladder, unit, &ctx, target)?;
        let inputs = Inputs {
            values: values.clone(),
            computed: BTreeMap::new(),
        };
        let result = evaluate_ladder(&ws.catalogue, &set_id, &ctx, &inputs);
        let met = result.steps[0].criteria_met();
        let total = result.steps[0].criteria_total();
        if result.level != target.level
            || (target.level == Level::None && total - met != target.unmet_criteria)
        {
            let unmet: Vec<String> = result
                .steps
                .iter()
                .flat_map(|s| {
                    s.criteria
                        .iter()
                        .filter(|c| c.status != CriterionStatus::Met)
                        .map(move |c| format!("{}:{}", s.set.id(), c.criterion.id))
                })
                .collect();
            return Err(format!(
                "{unit} năm {year}: dự kiến {} ({} tiêu chí chưa đạt), đánh giá ra {} ({met}/{total}); chưa đạt: {}",
                target.level.as_str(),
                target.unmet_criteria,
                result.level.as_str(),
                unmet.join(", ")
            ));
        }
        units.insert(unit.clone());
        for (indicator_id, value) in values {
            out.writes.push(ValueWrite {
                unit_id: unit.clone(),
                year: *year,
                indicator_id,
                value: value.canonical(),
                note: Some(DEMO_NOTE.into()),
                illustrative: true,
            });
        }
    }
    out.writes.extend(upper_tier_values(ws)?);
    let (recent, recent_units) = generate_recent(ws)?;
    out.writes.extend(recent);
    // A commune that kept its code and start across the reform is one commune.
    units.extend(recent_units);
    out.communes = units.len();
    Ok(out)
}

/// What each commune after the reform should reach in [`RECENT_YEARS`]: in 2025 mostly
/// standard, some advanced, a few below; in 2026, under the stricter illustrative set,
/// fewer than half at standard so far.
fn recent_targets(registry: &UnitRegistry) -> BTreeMap<(UnitId, i32), Target> {
    let mut targets = BTreeMap::new();
    for year in RECENT_YEARS {
        let day = d(year, 12, 31);
        for view in registry.as_of(day) {
            if view.unit_type() != UnitType::Commune {
                continue;
            }
            let id = view.id().clone();
            let r = rand01(&format!("{id}/{year}/target"));
            let below = 1 + pick(&format!("{id}/{year}/unmet"), 3);
            let target = match year {
                2025 if r < 0.06 => Target {
                    level: Level::None,
                    unmet_criteria: below,
                },
                2025 if r < 0.22 => Target {
                    level: Level::Advanced,
                    unmet_criteria: 0,
                },
                2025 => Target {
                    level: Level::Standard,
                    unmet_criteria: 0,
                },
                _ if r < 0.45 => Target {
                    level: Level::Standard,
                    unmet_criteria: 0,
                },
                _ => Target {
                    level: Level::None,
                    unmet_criteria: below,
                },
            };
            targets.insert((id, year), target);
        }
    }
    targets
}

/// The values of [`recent_targets`], checked by evaluating them like [`generate`]'s.
fn generate_recent(ws: &Workspace) -> Result<(Vec<ValueWrite>, BTreeSet<UnitId>), String> {
    let mut writes = Vec::new();
    let mut units = BTreeSet::new();
    for ((unit, year), target) in recent_targets(&ws.registry) {
        let set_id = SetId(
            if year >= 2026 {
                COMMUNE_SET_2026
            } else {
                COMMUNE_SET
            }
            .into(),
        );
        let ladder = ws.catalogue.ladder(&set_id);
        let ctx = ws.context(&unit, year);
        let values = commune_values(&ws.catalogue, &ladder, &unit, &ctx, &target)?;
        let inputs = Inputs {
            values: values.clone(),
            computed: BTreeMap::new(),
        };
        let result = evaluate_ladder(&ws.catalogue, &set_id, &ctx, &inputs);
        let unmet = result.steps[0].criteria_total() - result.steps[0].criteria_met();
        if result.level != target.level
            || (target.level == Level::None && unmet != target.unmet_criteria)
        {
            return Err(format!(
                "{unit} năm {year}: dự kiến {} ({} tiêu chí chưa đạt), đánh giá ra {} ({unmet} chưa đạt)",
                target.level.as_str(),
                target.unmet_criteria,
                result.level.as_str()
            ));
        }
        units.insert(unit.clone());
        writes.extend(values.into_iter().map(|(indicator_id, value)| ValueWrite {
            unit_id: unit.clone(),
            year,
            indicator_id,
            value: value.canonical(),
            note: Some(DEMO_NOTE.into()),
            illustrative: true,
        }));
    }
    Ok((writes, units))
}

/// Entered values of districts and the province: the district criteria are met except
/// where the history says otherwise; satisfaction and province indicators are met.
fn upper_tier_values(ws: &Workspace) -> Result<Vec<ValueWrite>, String> {
    let mut writes = Vec::new();
    for year in YEARS {
        for view in ws.registry.in_year(year) {
            if view.unit.level == ntm_core::UnitLevel::Commune {
                continue;
            }
            let Ok(set) = ws.default_set(view.unit_type(), year) else {
                continue;
            };
            let ctx = ws.context(view.id(), year);
            let not_yet = DISTRICTS_NOT_YET.contains(&view.name())
                || (year < 2021 && DISTRICTS_NTM_FROM_2021.contains(&view.name()));
            for (_, i) in set.indicators() {
                if i.computed.is_some() {
                    continue;
                }
                let threshold = threshold_of(&ws.catalogue, set, i, &ctx)?;
                let demand = if i.comparison == Comparison::Pass && not_yet {
                    Demand::Fail
                } else {
                    Demand::Meet
                };
                let c = Constraint {
                    comparison: i.comparison,
                    threshold,
                    demand,
                    hard: true,
                };
                let r = rand01(&format!("{}/{}/{year}", view.id(), i.id));
                let value = choose(i, &[c], r).ok_or_else(|| {
                    format!("{}: không chọn được giá trị cho {}", view.name(), i.id)
                })?;
                writes.push(ValueWrite {
                    unit_id: view.id().clone(),
                    year,
                    indicator_id: i.value_key().to_owned(),
                    value: value.canonical(),
                    note: Some(DEMO_NOTE.into()),
                    illustrative: true,
                });
            }
        }
    }
    Ok(writes)
}

/// Approves the unit-years the demo has just written (the province signed its past years),
/// except [`LEFT_UNAPPROVED`], left as a draft or submitted for trying the workflow.
async fn approve(
    store: &dyn Store,
    registry: &UnitRegistry,
    writes: &[ValueWrite],
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::workflow::Status;
    let written: BTreeSet<(UnitId, i32)> =
        writes.iter().map(|w| (w.unit_id.clone(), w.year)).collect();
    let mut left = BTreeMap::new();
    for (code, year, status) in LEFT_UNAPPROVED {
        let id = registry
            .resolve_in_year(code, *year)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?
            .id
            .clone();
        left.insert((id, *year), *status);
    }
    for (unit_id, year) in written {
        let status = if year == 2026 {
            status_2026(registry, &unit_id).unwrap_or(Status::Draft)
        } else {
            left.get(&(unit_id.clone(), year))
                .copied()
                .unwrap_or(Status::Approved)
        };
        if status == Status::Draft {
            continue;
        }
        let record = ntm_store::SubmissionRecord {
            unit_id,
            year,
            status: status.as_str().to_owned(),
            updated_at: audit.at,
            updated_by: audit.actor.clone(),
            comment: None,
        };
        store.set_submission(&record, audit).await?;
    }
    Ok(())
}

/// The recognition decisions `hatinh-history.yaml` gives with their numbers: the 2021
/// advanced communes (283/QĐ-UBND of 26/01/2022) and 2022's first batch (1337/QĐ-UBND of
/// 01/7/2022). The 2021 standard and model communes' decision number is not given, so no
/// decision is invented for them. Recorded once: a re-run finds them there.
async fn record_recognitions(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::recognition::Decision;
    let signer = "Chủ tịch UBND tỉnh";
    let batches: [(&[Named], Level, i32, &str, NaiveDate); 4] = [
        (
            ADVANCED_2021,
            Level::Advanced,
            2021,
            "283/QĐ-UBND",
            d(2022, 1, 26),
        ),
        (
            STANDARD_2022,
            Level::Standard,
            2022,
            "1337/QĐ-UBND",
            d(2022, 7, 1),
        ),
        (
            ADVANCED_2022,
            Level::Advanced,
            2022,
            "1337/QĐ-UBND",
            d(2022, 7, 1),
        ),
        (
            MODEL_2022,
            Level::Model,
            2022,
            "1337/QĐ-UBND",
            d(2022, 7, 1),
        ),
    ];
    let stored = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await?;
    for (named, level, year, number, signed_on) in batches {
        let units: Vec<UnitId> = resolve_all(registry, named)
            .map_err(|e| AppError::Invalid(vec![e]))?
            .into_iter()
            .filter(|u| {
                !stored
                    .iter()
                    .any(|r| &r.unit_id == u && r.year == year && r.level == level.as_str())
            })
            .collect();
        if units.is_empty() {
            continue;
        }
        crate::recognition::record_decision_as_operator(
            store,
            registry,
            &units,
            (level, year),
            Decision {
                number: number.into(),
                signed_on,
                signer: signer.into(),
            },
            "ghi nhận quyết định đã ban hành (hatinh-history.yaml)",
            audit,
        )
        .await?;
    }
    Ok(())
}

fn district_id(registry: &UnitRegistry, name: &str) -> AppResult<UnitId> {
    registry
        .as_of(d(2022, 6, 30))
        .iter()
        .find(|v| v.name() == name)
        .map(|v| v.id().clone())
        .ok_or_else(|| AppError::Invalid(vec![format!("không tìm thấy {name} năm 2022")]))
}

/// The 2026 recognition round under way (illustrative, labelled in each step's note):
/// three post-reform communes verified by the province, two only registered, so that the
/// year's plan and its map show dossiers at each stage. None is decided.
async fn seed_dossiers_2026(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::recognition::{Dossier, Entry, Step, Tier};
    let stored = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await?;
    let note = "Hồ sơ minh họa của bản demo, không phải hồ sơ thật.";
    let took = |step, on, by| Entry::Took {
        step,
        on,
        by,
        note: note.into(),
    };
    let rounds: [(&str, bool); 5] = [
        ("Xã Tùng Lộc", true),
        ("Xã Đức Minh", true),
        ("Xã Cẩm Duệ", true),
        ("Xã Hương Phố", false),
        ("Xã Kỳ Xuân", false),
    ];
    for (name, verified) in rounds {
        let unit = registry
            .as_of(d(2026, 1, 1))
            .iter()
            .find(|v| v.name() == name)
            .map(|v| v.id().clone())
            .ok_or_else(|| AppError::Invalid(vec![format!("không tìm thấy {name} năm 2026")]))?;
        if stored.iter().any(|r| r.unit_id == unit && r.year == 2026) {
            continue;
        }
        let mut history = vec![took(Step::Registered, d(2026, 2, 16), Tier::Commune)];
        if verified {
            history.extend([
                took(Step::SelfAssessed, d(2026, 5, 20), Tier::Commune),
                took(Step::Consulted, d(2026, 7, 10), Tier::Commune),
                took(Step::Submitted, d(2026, 9, 15), Tier::Commune),
                took(Step::Verified, d(2026, 10, 28), Tier::Province),
            ]);
        }
        let dossier = Dossier {
            subject: Tier::Commune,
            level: Level::Standard,
            year: 2026,
            verifier: Tier::Province,
            conditions: Default::default(),
            council: None,
            decision: None,
            history,
        };
        crate::recognition::record_history_as_operator(store, registry, &unit, dossier, audit)
            .await?;
    }
    Ok(())
}

/// The districts' titles the sources give: Vũ Quang and Cẩm Xuyên recognised by the
/// Prime Minister in 2021 (the seed; number and date not given), Hương Sơn appraised by
/// the central team in 2021 (the seed) and recognised "đạt chuẩn năm 2020" by a decision
/// of 27/4/2022 (recognition-2021-2025.yaml; number not given), Kỳ Anh for 2023 by
/// 840/QĐ-TTg of 15/8/2024 (hatinh-history.yaml). What the sources do not date is dated
/// at the latest day it can be, and its note says so.
async fn record_district_titles(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::recognition::{Decision, Dossier, Entry, Step, Tier};
    let stored = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await?;
    let has = |u: &UnitId| stored.iter().any(|r| &r.unit_id == u);
    let pm = "Thủ tướng Chính phủ";
    for name in DISTRICTS_NTM_FROM_2021 {
        let unit = district_id(registry, name)?;
        if has(&unit) {
            continue;
        }
        crate::recognition::record_decision_as_operator(
            store,
            registry,
            std::slice::from_ref(&unit),
            (Level::Standard, 2021),
            Decision {
                number: String::new(),
                signed_on: d(2021, 12, 31),
                signer: pm.into(),
            },
            "Thông báo kết luận ngày 23/02/2022: được Thủ tướng công nhận đạt chuẩn nông thôn mới trong năm 2021. Số và ngày quyết định không có trong nguồn; ghi ngày 31/12/2021.",
            audit,
        )
        .await?;
    }
    let huong_son = district_id(registry, "Huyện Hương Sơn")?;
    if !has(&huong_son) {
        let decision = Decision {
            number: String::new(),
            signed_on: d(2022, 4, 27),
            signer: pm.into(),
        };
        let dossier = Dossier {
            subject: Tier::District,
            level: Level::Standard,
            year: 2020,
            verifier: Tier::Province,
            conditions: Default::default(),
            council: None,
            decision: Some(decision.clone()),
            history: vec![
                Entry::Took {
                    step: Step::Appraised,
                    on: d(2021, 12, 31),
                    by: Tier::Central,
                    note: "Thông báo kết luận ngày 23/02/2022: Đoàn thẩm định trung ương đã thẩm định trong năm 2021, chờ công nhận. Ngày không có trong nguồn; ghi 31/12/2021.".into(),
                },
                Entry::Took {
                    step: Step::Decided,
                    on: decision.signed_on,
                    by: Tier::Central,
                    note: "Quyết định ngày 27/4/2022 công nhận huyện Hương Sơn đạt chuẩn nông thôn mới năm 2020 (recognition-2021-2025.yaml); số quyết định không có trong nguồn.".into(),
                },
            ],
        };
        crate::recognition::record_history_as_operator(store, registry, &huong_son, dossier, audit)
            .await?;
    }
    let ky_anh = district_id(registry, "Huyện Kỳ Anh")?;
    if !has(&ky_anh) {
        crate::recognition::record_decision_as_operator(
            store,
            registry,
            std::slice::from_ref(&ky_anh),
            (Level::Standard, 2023),
            Decision {
                number: "840/QĐ-TTg".into(),
                signed_on: d(2024, 8, 15),
                signer: pm.into(),
            },
            "hatinh-history.yaml: đạt chuẩn năm 2023, Quyết định 840/QĐ-TTg ngày 15/8/2024",
            audit,
        )
        .await?;
    }
    Ok(())
}

/// Titles of the demo's plans, by which a rerun finds them.
pub const PLAN_2022: &str = "Chỉ tiêu năm 2022 (Thông báo kết luận Hội nghị tổng kết năm 2021)";
pub const PLAN_2021_2025: &str = "Mục tiêu giai đoạn 2021-2025: tỉnh đạt chuẩn nông thôn mới";
pub const PLAN_2026: &str = "Kế hoạch năm 2026 cho các xã sau sắp xếp (minh họa)";

/// The notice's 2022 targets and its 2025 goal, as it states them; and an illustrative
/// 2026 plan for the post-reform communes (its figures and its split are made up for the
/// demo, and labelled so).
async fn seed_targets(store: &dyn Store, ws: &Workspace, audit: &AuditContext) -> AppResult<()> {
    use crate::targets::{share, target_record};
    use ntm_core::target::{CountBy, Counted, TargetKind};
    let stored = store.list_plans().await?;
    let province = UnitId::parse("42@2020-01-01").expect("constant unit id");
    let count = |c: Counted, n: i64, note: &str| {
        target_record(
            &TargetKind::Count(c),
            CountBy::StandardYear,
            Decimal::from(n),
            note,
        )
    };
    let notice = |title: &str, period: &str, targets| ntm_store::TargetPlanRecord {
        id: 0,
        scope_id: province.clone(),
        period: period.into(),
        title: title.into(),
        doc_number: "Thông báo kết luận (số hiệu không có trong bản trích)".into(),
        doc_date: Some(d(2022, 2, 23)),
        doc_body: "Ban Chỉ đạo các Chương trình MTQG tỉnh Hà Tĩnh".into(),
        illustrative: false,
        note:
            "Ngày là ngày Hội nghị (23/02/2022); văn bản: shared/seed/thong-bao-ket-luan-2022.txt."
                .into(),
        version: 1,
        created_at: audit.at,
        created_by: audit.actor.clone(),
        targets,
    };
    let mut plans = vec![
        notice(
            PLAN_2022,
            "2022",
            vec![
                count(
                    Counted::Communes(Level::Standard),
                    5,
                    "ít nhất 5 xã đạt chuẩn",
                ),
                count(Counted::Communes(Level::Advanced), 15, "15 xã đạt nâng cao"),
                count(Counted::Communes(Level::Model), 3, "3 xã đạt kiểu mẫu"),
                target_record(
                    &TargetKind::Count(Counted::Districts(Level::Standard)),
                    CountBy::DecisionYear,
                    Decimal::ONE,
                    "1 huyện đạt chuẩn (quyết định của Thủ tướng có thể ký sau năm đạt chuẩn: tính theo năm ký)",
                ),
                count(Counted::ModelAreas, 200, "200 khu dân cư kiểu mẫu"),
                count(
                    Counted::OcopProducts { min_stars: 0 },
                    50,
                    "ít nhất 50 sản phẩm OCOP",
                ),
                count(
                    Counted::OcopProducts { min_stars: 4 },
                    5,
                    "trong đó ít nhất 5 sản phẩm 4 sao",
                ),
            ],
        ),
        notice(
            PLAN_2021_2025,
            "2021-2025",
            vec![target_record(
                &TargetKind::Goal(Level::Standard),
                CountBy::StandardYear,
                Decimal::ONE,
                "Đến năm 2025 tỉnh đạt chuẩn nông thôn mới",
            )],
        ),
    ];
    let communes: Vec<UnitId> = ws
        .registry
        .subtree_on(&province, d(2026, 12, 31))
        .iter()
        .filter(|v| v.unit_type() == UnitType::Commune)
        .map(|v| v.id().clone())
        .take(4)
        .collect();
    let mut advanced = count(Counted::Communes(Level::Advanced), 10, "minh họa");
    advanced.shares = communes.iter().map(|u| share(u, Decimal::ONE)).collect();
    // The new Xã Kỳ Lạc, whose register the demo fills (see `seed_villages`): its share is
    // judged; the province's total waits for every commune's register.
    let mut model_areas = count(Counted::ModelAreas, 40, "minh họa");
    if let Some(k) = UnitId::parse("18838@2025-07-01").filter(|k| ws.registry.get(k).is_some()) {
        model_areas.shares = vec![share(&k, Decimal::ONE)];
    }
    let indicator = |id: &str, amount: i64, note: &str| {
        target_record(
            &TargetKind::Indicator {
                indicator: id.into(),
                comparison: Comparison::AtLeast,
            },
            CountBy::StandardYear,
            Decimal::from(amount),
            note,
        )
    };
    plans.push(ntm_store::TargetPlanRecord {
        title: PLAN_2026.into(),
        period: "2026".into(),
        doc_number: "(minh họa)/KH-UBND".into(),
        doc_date: Some(d(2026, 3, 10)),
        doc_body: "UBND tỉnh Hà Tĩnh".into(),
        illustrative: true,
        note: "Kế hoạch minh họa của bản demo, không phải văn bản thật: các mức và việc phân bổ chỉ tiêu nâng cao cho 4 xã đều do bản demo đặt.".into(),
        targets: vec![
            count(Counted::Communes(Level::Standard), 8, "minh họa"),
            advanced,
            count(Counted::Communes(Level::Model), 3, "minh họa"),
            indicator("10", 70, "thu nhập bình quân đầu người khu vực nông thôn (minh họa)"),
            indicator("17.1", 97, "tỷ lệ hộ dùng nước sạch theo quy chuẩn (minh họa)"),
            indicator("17.10", 40, "tỷ lệ hộ phân loại chất thải rắn tại nguồn (minh họa)"),
            count(Counted::OcopProducts { min_stars: 0 }, 30, "minh họa"),
            model_areas,
        ],
        ..notice("", "", vec![])
    });
    for plan in plans {
        if stored.iter().any(|p| p.title == plan.title) {
            continue;
        }
        crate::targets::create_as_operator(store, ws, &plan, audit).await?;
    }
    Ok(())
}

/// The demo's villages (illustrative, labelled): Kỳ Lạc and Lâm Hợp of Kỳ Anh district,
/// which the 2025 reform merged into the new Xã Kỳ Lạc, so that the register shows both
/// histories — a village merged into another in 2021, the district's titles before the
/// reform, the new commune's after, model gardens with one assessment.
async fn seed_villages(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::village::{Body, Subject, Title, Village, VillageType, check_title};
    use ntm_store::villages::{GardenRow, VillageBatch, VillageRow, VillageValueWrite};
    let fixed = |text: &str| UnitId::parse(text).expect("constant unit id");
    let ky_lac = fixed("18850@2020-01-01");
    let lam_hop = fixed("18838@2020-01-01");
    if registry.get(&ky_lac).is_none() || registry.get(&lam_hop).is_none() {
        return Ok(());
    }
    let village = |commune: &UnitId,
                   code: &str,
                   name: &str,
                   to: Option<NaiveDate>,
                   successor: Option<&str>| VillageRow {
        village: Village {
            id: 0,
            commune: commune.clone(),
            code: code.into(),
            name: name.into(),
            kind: VillageType::Thon,
            from: d(2020, 1, 1),
            to,
            successor: None,
            note: "minh họa".into(),
            illustrative: true,
        },
        successor: successor.map(|s| (commune.clone(), s.to_owned())),
        place: format!("demo {code}"),
    };
    let garden = |commune: &UnitId, village: &str, household: &str, area: i64| GardenRow {
        commune: commune.clone(),
        village_code: village.into(),
        garden: ntm_core::village::Garden {
            id: 0,
            village: 0,
            household: household.into(),
            area_m2: Some(Decimal::from(area)),
            from: d(2021, 3, 1),
            to: None,
            note: "minh họa".into(),
            illustrative: true,
        },
        place: format!("demo {household}"),
    };
    let batch = VillageBatch {
        villages: vec![
            village(&ky_lac, "01", "Tân Tiến", None, None),
            village(&ky_lac, "02", "Tân Hòa", None, None),
            village(&ky_lac, "03", "Trung Tiến", None, None),
            village(&ky_lac, "04", "Bắc Tiến", Some(d(2021, 12, 31)), Some("03")),
            village(&ky_lac, "05", "Quyết Tiến", None, None),
            village(&lam_hop, "01", "Hợp Tiến", None, None),
            village(&lam_hop, "02", "Hợp Thắng", None, None),
            village(&lam_hop, "03", "Lâm Khê", None, None),
        ],
        gardens: vec![
            garden(&ky_lac, "01", "Nguyễn Văn Hòa", 1500),
            garden(&ky_lac, "01", "Trần Thị Lan", 900),
            garden(&ky_lac, "02", "Lê Văn Minh", 1200),
            garden(&lam_hop, "01", "Phạm Văn Sơn", 2000),
        ],
    };
    store.import_villages(&batch, audit).await?;
    let book = store.village_book().await?;
    if !book.titles.is_empty() {
        return Ok(());
    }
    let vid = |commune: &UnitId, code: &str| {
        book.villages
            .iter()
            .find(|v| &v.commune == commune && v.code == code)
            .map(|v| v.id)
    };
    let gid = |household: &str| {
        book.gardens
            .iter()
            .find(|g| g.household == household)
            .map(|g| g.id)
    };
    let title =
        |subject: Option<Subject>, year: i32, number: &str, signed_on: NaiveDate, body: Body| {
            subject.map(|subject| Title {
                id: 0,
                subject,
                year,
                number: number.into(),
                signed_on,
                body,
                withdrawn: None,
                note: "minh họa".into(),
                illustrative: true,
            })
        };
    let titles: Vec<Title> = [
        title(
            vid(&ky_lac, "01").map(Subject::Village),
            2022,
            "(minh họa) 01/QĐ-UBND huyện",
            d(2022, 12, 20),
            Body::District,
        ),
        title(
            vid(&ky_lac, "03").map(Subject::Village),
            2022,
            "(minh họa) 01/QĐ-UBND huyện",
            d(2022, 12, 20),
            Body::District,
        ),
        title(
            vid(&lam_hop, "01").map(Subject::Village),
            2023,
            "(minh họa) 02/QĐ-UBND huyện",
            d(2023, 12, 15),
            Body::District,
        ),
        title(
            vid(&ky_lac, "02").map(Subject::Village),
            2026,
            "(minh họa) 03/QĐ-UBND xã",
            d(2026, 11, 20),
            Body::Commune,
        ),
        title(
            gid("Nguyễn Văn Hòa").map(Subject::Garden),
            2022,
            "(minh họa) 11/QĐ-UBND xã",
            d(2022, 11, 30),
            Body::Commune,
        ),
        title(
            gid("Lê Văn Minh").map(Subject::Garden),
            2023,
            "(minh họa) 12/QĐ-UBND xã",
            d(2023, 11, 30),
            Body::Commune,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    for t in &titles {
        let problems = check_title(t, d(2020, 1, 1), None);
        if !problems.is_empty() {
            return Err(AppError::Invalid(problems));
        }
    }
    store.record_titles(&titles, audit).await?;
    if let Some(g) = gid("Trần Thị Lan") {
        let put = |i: &str, v: &str| VillageValueWrite {
            indicator: i.into(),
            value: Some(v.into()),
            note: String::new(),
        };
        let values = [
            put("1.1", "đạt"),
            put("1.2", "đạt"),
            put("2.1", "đạt"),
            put("2.2", "2"),
            put("3.1", "đạt"),
            put("3.2", "80"),
            put("4.1", "85"),
            put("4.2", "40"),
            put("5.1", "65"),
        ];
        store
            .put_village_values(Subject::Garden(g), 2024, &values, audit)
            .await?;
    }
    Ok(())
}

/// The OCOP product types the demo's illustrative products are named after: (148 set,
/// 1048 group, name).
const OCOP_KINDS: [(&str, u8, &str); 22] = [
    ("I.3.b", 1, "Bánh đa vừng"),
    ("I.3.b", 1, "Bánh gai"),
    ("I.3.d", 1, "Kẹo cu đơ"),
    ("I.4.a", 1, "Nước mắm"),
    ("I.1.a", 1, "Cam bù"),
    ("I.1.a", 1, "Bưởi Phúc Trạch"),
    ("I.2.a", 1, "Gạo hữu cơ"),
    ("I.2.b", 1, "Mật ong"),
    ("I.5.a", 1, "Chè xanh"),
    ("I.5.b", 1, "Trà thảo mộc"),
    ("II.1.a", 2, "Rượu nếp"),
    ("III.1", 3, "Cao dược liệu"),
    ("III.3", 3, "Tinh dầu bưởi"),
    ("IV.1", 5, "Mây tre đan"),
    ("I.3.d", 1, "Chả cá"),
    ("I.1.b", 1, "Thịt lợn đen"),
    ("I.3.c", 1, "Mứt gừng"),
    ("I.4.b", 1, "Ớt bột"),
    ("I.3.b", 1, "Bún khô"),
    ("I.3.d", 1, "Ruốc tôm"),
    ("V.2", 5, "Cây cảnh"),
    ("VI.1", 6, "Điểm du lịch cộng đồng"),
];

/// One certification batch of the demo: how many products, of which four-star, the
/// decision and the year of its evaluation.
struct OcopBatch {
    key: &'static str,
    year: i32,
    on: NaiveDate,
    number: &'static str,
    level: ntm_core::ocop::Level,
    three: usize,
    four: usize,
    /// The numbers are the province's (the reference); only the split or the date is the
    /// demo's.
    note: &'static str,
}

/// The demo's OCOP (issue 14). The counts of 2019 (round 2: 63 products, 61 three-star and
/// the two four-star ones the press names), 2020 (87, 4 four-star), 2021 (93, by QĐ
/// 436/QĐ-UBND of 21/02/2022), the 2023 round 1 (41 new three-star; of 47 expired, 16
/// re-certified and 14 withdrawn) and the 2024 four-star decision (QĐ 2394/QĐ-UBND, 8
/// products) follow `shared/reference/ocop/`; 2022 (not found there), the products' names,
/// producers and communes, the splits, the other dates and the support paid are
/// illustrative and labelled. Two 2026 rounds are scored online by the demo council.
async fn seed_ocop(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::ocop::{
        self, Certificate, EndKind, Ending, FundSource, Level as OLevel, Producer, ProducerKind,
        Product, RuleSet, Support, SupportCategory,
    };
    if !store.ocop_book().await?.producers.is_empty() {
        return Ok(());
    }
    let day = d(2022, 6, 30);
    let mut communes: Vec<(UnitId, String, String)> = Vec::new();
    for v in registry.as_of(day) {
        if v.unit_type() == UnitType::Commune
            || v.unit_type() == UnitType::Ward
            || v.unit_type() == UnitType::Township
        {
            let district = v
                .parent()
                .and_then(|p| registry.get(p))
                .map(|u| u.latest().name.clone())
                .unwrap_or_default();
            communes.push((v.id().clone(), v.name().to_string(), district));
        }
    }
    if communes.is_empty() {
        return Ok(());
    }
    communes.sort();
    let in_district = |district: &str, key: &str| -> (UnitId, String) {
        let list: Vec<&(UnitId, String, String)> = communes
            .iter()
            .filter(|c| c.2.ends_with(district))
            .collect();
        let list = if list.is_empty() {
            communes.iter().collect()
        } else {
            list
        };
        let c = list[pick(key, list.len())];
        (c.0.clone(), c.1.clone())
    };
    let anywhere = |key: &str| -> (UnitId, String) {
        let c = &communes[pick(key, communes.len())];
        (c.0.clone(), c.1.clone())
    };
    struct Made {
        id: i64,
    }
    let mut n = 0usize;
    // Creates a producer and its product in `unit`.
    let mut make = async |unit: (UnitId, String),
                          name: Option<(&str, &str)>,
                          legacy: bool,
                          key: String|
           -> AppResult<Made> {
        n += 1;
        let kind = pick(&format!("{key}/kind"), OCOP_KINDS.len());
        let (set, group, base) = OCOP_KINDS[kind];
        let short = unit
            .1
            .trim_start_matches("Xã ")
            .trim_start_matches("Phường ")
            .trim_start_matches("Thị trấn ")
            .to_string();
        let (product_name, producer_name, real) = match name {
            Some((p, pr)) => (p.to_string(), pr.to_string(), true),
            None => (format!("{base} {short} (minh họa)"), String::new(), false),
        };
        let pk = match (real, pick(&format!("{key}/pk"), 20)) {
            // A named producer's kind is what its name says.
            (true, _) if producer_name.starts_with("HTX") => ProducerKind::Cooperative,
            (true, _) if producer_name.starts_with("Công ty") => ProducerKind::Enterprise,
            (true, _) if producer_name.starts_with("Tổ hợp tác") => {
                ProducerKind::CooperativeGroup
            }
            (true, _) => ProducerKind::Household,
            (false, 0..=6) => ProducerKind::Cooperative,
            (false, 7..=10) => ProducerKind::Enterprise,
            (false, 11) => ProducerKind::CooperativeGroup,
            (false, _) => ProducerKind::Household,
        };
        let producer_name = if producer_name.is_empty() {
            match pk {
                ProducerKind::Cooperative => format!("HTX {base} {short}"),
                ProducerKind::Enterprise => format!("Công ty TNHH {base} {short}"),
                ProducerKind::CooperativeGroup => format!("Tổ hợp tác {base} {short}"),
                ProducerKind::Household => format!("Hộ kinh doanh {base} {short} số {n}"),
            }
        } else {
            producer_name
        };
        let producer = Producer {
            id: 0,
            name: producer_name.clone(),
            kind: pk,
            unit: unit.0.clone(),
            address: format!("{} (minh họa)", unit.1),
            registration: format!("30{:08}", 1_000_000 + n * 7919 % 9_000_000),
            representative: "(minh họa)".into(),
            phone: String::new(),
            note: if real {
                "Tên sản phẩm và hạng sao theo báo chí; chủ thể và xã là minh họa.".into()
            } else {
                "minh họa".into()
            },
            illustrative: true,
        };
        let pid = store.put_producer(&producer, audit).await?;
        let product = Product {
            id: 0,
            producer: pid,
            name: product_name.clone(),
            product_set: (!legacy).then(|| set.to_string()),
            group_1048: legacy.then_some(group),
            collective_brand: pick(&format!("{key}/cb"), 6) == 0,
            regional: pick(&format!("{key}/rg"), 5) == 0,
            national_code: String::new(),
            description: if real {
                format!(
                    "{} của {}, {}, Hà Tĩnh.",
                    product_name, producer_name, unit.1
                )
            } else {
                format!("{base} của {}, Hà Tĩnh.", unit.1)
            },
            note: String::new(),
            illustrative: !real,
        };
        let id = store.put_product(&product, audit).await?;
        Ok(Made { id })
    };
    let cert =
        |product: i64, stars: u8, b: &OcopBatch, entry: Option<i64>| -> AppResult<Certificate> {
            let rule = RuleSet::on(b.on).ok_or_else(|| AppError::Invalid(vec!["ngày".into()]))?;
            let c = Certificate {
                id: 0,
                product,
                stars,
                level: if stars == 4 && rule == RuleSet::Qd148 {
                    OLevel::Province
                } else {
                    b.level
                },
                rule_set: rule,
                year: b.year,
                decision_number: b.number.into(),
                decision_date: b.on,
                certificate_number: String::new(),
                entry,
                ended: None,
                note: b.note.into(),
                illustrative: !b.note.is_empty(),
            };
            let problems = ocop::check_certificate(&c, d(2100, 1, 1));
            if problems.is_empty() {
                Ok(c)
            } else {
                Err(AppError::Invalid(problems))
            }
        };
    let record = async |certs: Vec<Certificate>| -> AppResult<Vec<i64>> {
        Ok(store.record_certificates(&certs, audit).await?)
    };
    // 2019, round 2: 63 products, two four-star ones named by the press.
    let b2019 = OcopBatch {
        key: "2019",
        year: 2019,
        on: d(2019, 12, 27),
        number: "(minh họa)/QĐ-UBND",
        level: OLevel::Province,
        three: 61,
        four: 2,
        note: "Số sản phẩm và hạng sao theo báo cáo của tỉnh (đợt 2 năm 2019); số và ngày quyết định là minh họa.",
    };
    let nhung = make(
        in_district("Hương Sơn", "nhung"),
        Some((
            "Nhung hươu tán bột khô Chiến Sơn",
            "Cơ sở nhung hươu Chiến Sơn",
        )),
        true,
        "nhung".into(),
    )
    .await?;
    let cam = make(
        in_district("Can Lộc", "cam"),
        Some(("Cam giòn Xuân Hòa Thượng Lộc", "Tổ hợp tác cam Xuân Hòa")),
        true,
        "cam".into(),
    )
    .await?;
    let mut certs = vec![
        cert(nhung.id, 4, &b2019, None)?,
        cert(cam.id, 4, &b2019, None)?,
    ];
    let mut p2019 = Vec::new();
    for i in 0..b2019.three {
        let m = make(
            anywhere(&format!("2019/{i}")),
            None,
            true,
            format!("2019/{i}"),
        )
        .await?;
        certs.push(cert(m.id, 3, &b2019, None)?);
        p2019.push(m);
    }
    let ids2019 = record(certs).await?;
    // 2020: 87 products in two rounds, 4 four-star.
    let mut p2020 = Vec::new();
    for (b, k) in [
        (
            OcopBatch {
                key: "2020a",
                year: 2020,
                on: d(2020, 8, 14),
                number: "(minh họa)/QĐ-UBND",
                level: OLevel::Province,
                three: 25,
                four: 1,
                note: "Tổng năm 2020 theo báo cáo của tỉnh (87 sản phẩm, 4 sản phẩm 4 sao); cách chia hai đợt và ngày quyết định là minh họa.",
            },
            0,
        ),
        (
            OcopBatch {
                key: "2020b",
                year: 2020,
                on: d(2020, 12, 25),
                number: "(minh họa)/QĐ-UBND",
                level: OLevel::Province,
                three: 58,
                four: 3,
                note: "Tổng năm 2020 theo báo cáo của tỉnh (87 sản phẩm, 4 sản phẩm 4 sao); cách chia hai đợt và ngày quyết định là minh họa.",
            },
            1,
        ),
    ] {
        let mut certs = Vec::new();
        for i in 0..b.three + b.four {
            let key = format!("{}/{i}/{k}", b.key);
            let m = make(anywhere(&key), None, true, key).await?;
            certs.push(cert(m.id, if i < b.four { 4 } else { 3 }, &b, None)?);
            p2020.push(m);
        }
        record(certs).await?;
    }
    // 2021: 93 products by QĐ 436/QĐ-UBND of 21/02/2022.
    let b2021 = OcopBatch {
        key: "2021",
        year: 2021,
        on: d(2022, 2, 21),
        number: "436/QĐ-UBND",
        level: OLevel::Province,
        three: 88,
        four: 5,
        note: "93 sản phẩm theo QĐ 436/QĐ-UBND ngày 21/02/2022; số sản phẩm 4 sao (5) là minh họa.",
    };
    let mut certs = Vec::new();
    let mut p2021 = Vec::new();
    for i in 0..b2021.three + b2021.four {
        let key = format!("2021/{i}");
        let m = make(anywhere(&key), None, true, key).await?;
        certs.push(cert(
            m.id,
            if i < b2021.four { 4 } else { 3 },
            &b2021,
            None,
        )?);
        p2021.push(m);
    }
    record(certs).await?;

    // The council accounts of the demo.
    let mut council = Vec::new();
    for u in ["vpdp", "so-nnmt", "hd-ocop-1", "hd-ocop-2", "bcd"] {
        if let Some(rec) = store.find_user(u).await? {
            council.push(rec.id);
        }
    }
    let Some(&secretary) = council.first() else {
        return Ok(());
    };
    let province = UnitId::parse("42@2020-01-01").expect("constant unit id");
    // Sheets aiming at `target` for every member, with a member's own leaning.
    let sheets_for = |rule: RuleSet, target: f64, key: &str| -> Vec<ntm_core::ocop::Sheet> {
        council
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let lean = (rand01(&format!("{key}/{i}")) - 0.5) * 8.0;
                let total = (target + lean).clamp(5.0, 99.0);
                let part = |p: ntm_core::ocop::Part| {
                    let max =
                        rust_decimal::prelude::ToPrimitive::to_f64(&rule.max(p)).unwrap_or(0.0);
                    let v = ((total / 100.0 * max) * 2.0).round() / 2.0;
                    Decimal::from_f64_retain(v.min(max))
                        .unwrap_or_default()
                        .round_dp(1)
                };
                ntm_core::ocop::Sheet {
                    member: *m,
                    a: part(ntm_core::ocop::Part::A),
                    b: part(ntm_core::ocop::Part::B),
                    c: part(ntm_core::ocop::Part::C),
                }
            })
            .collect()
    };
    // 2022 (illustrative): a provincial round in ntm, 60 products scored, 54 certified.
    let round = |name: &str, held_on: NaiveDate, note: &str| ntm_store::ocop::Round {
        id: 0,
        name: name.into(),
        level: OLevel::Province,
        unit: province.clone(),
        held_on,
        rule_set: RuleSet::on(held_on).unwrap_or(RuleSet::Qd148Amended),
        secretary,
        members: council.clone(),
        outlier_points: Decimal::from(10),
        closed_at: None,
        closed_by: None,
        note: note.into(),
        illustrative: true,
    };
    let r2022 = store
        .create_round(
            &round(
                "Hội đồng cấp tỉnh năm 2022 (minh họa)",
                d(2022, 11, 22),
                "Đợt minh họa: tài liệu tham khảo không có số liệu OCOP năm 2022 của tỉnh.",
            ),
            audit,
        )
        .await?;
    let mut p2022 = Vec::new();
    for i in 0..60 {
        let key = format!("2022/{i}");
        p2022.push(make(anywhere(&key), None, true, key).await?);
    }
    let entries = store
        .add_entries(
            r2022,
            &p2022.iter().map(|m| m.id).collect::<Vec<_>>(),
            audit,
        )
        .await?;
    for (i, e) in entries.iter().enumerate() {
        // One product scored 90+ (the five-star candidate), six four-star, six below 50.
        let target = match i {
            0 => 92.0,
            1..=6 => 76.0 + (i as f64),
            54..=59 => 42.0,
            _ => 52.0 + rand01(&format!("2022/t/{i}")) * 15.0,
        };
        for s in sheets_for(RuleSet::Qd1048, target, &format!("2022/s/{i}")) {
            store.put_sheet(*e, &s, audit).await?;
        }
    }
    store
        .close_round(r2022, &at_time(audit, "2022-11-22T16:30:00+07:00"))
        .await?;
    let book = store.ocop_book().await?;
    let outcomes = crate::ocop::outcomes(store, &book).await?;
    let b2022 = OcopBatch {
        key: "2022",
        year: 2022,
        on: d(2022, 12, 28),
        number: "(minh họa)/QĐ-UBND",
        level: OLevel::Province,
        three: 0,
        four: 0,
        note: "Minh họa: không có số liệu năm 2022 của tỉnh trong tài liệu tham khảo.",
    };
    let mut certs = Vec::new();
    for (e, m) in entries.iter().zip(&p2022) {
        if let Some(s) = outcomes.get(e).and_then(|o| o.certify) {
            certs.push(cert(m.id, s, &b2022, Some(*e))?);
        }
    }
    record(certs).await?;

    // 2023 round 1 (district councils under 148): 41 new three-star products; of 47
    // expired 2019 products, 16 re-certified and 14 withdrawn.
    let b2023 = OcopBatch {
        key: "2023",
        year: 2023,
        on: d(2023, 6, 28),
        number: "(minh họa)/QĐ-UBND huyện",
        level: OLevel::District,
        three: 41,
        four: 0,
        note: "Số sản phẩm đợt 1 năm 2023 theo báo cáo của tỉnh (41 mới, 16 đánh giá lại); quyết định của các huyện, số và ngày là minh họa.",
    };
    let mut certs = Vec::new();
    let mut p2023 = Vec::new();
    let named_2023 = [
        (
            "Thạch Hà",
            Some(("Trà gạo lứt Omega An Phát", "Công ty TNHH An Phát")),
        ),
        (
            "Kỳ Anh",
            Some(("Bánh đa vừng Nguyên Lâm", "Cơ sở bánh đa Nguyên Lâm")),
        ),
        (
            "Nghi Xuân",
            Some(("Đông trùng hạ thảo Nghi Xuân", "HTX dược liệu Nghi Xuân")),
        ),
        ("Thạch Hà", None),
        ("Thạch Hà", None),
        ("Kỳ Anh", None),
        ("Hương Sơn", None),
        ("Cẩm Xuyên", None),
    ];
    for i in 0..b2023.three {
        let key = format!("2023/{i}");
        let unit = match named_2023.get(i) {
            Some((district, _)) => in_district(district, &key),
            None => anywhere(&key),
        };
        let name = named_2023.get(i).and_then(|(_, n)| *n);
        let m = make(unit, name, false, key).await?;
        certs.push(cert(m.id, 3, &b2023, None)?);
        p2023.push(m);
    }
    for m in p2019.iter().take(16) {
        certs.push(cert(m.id, 3, &b2023, None)?);
    }
    record(certs).await?;
    for id in ids2019.iter().skip(2 + 16).take(14) {
        store
            .end_certificate(
                *id,
                &Ending {
                    kind: EndKind::Lapsed,
                    on: d(2023, 6, 28),
                    number: String::new(),
                    reason: "Chủ thể xin rút, không đăng ký đánh giá lại (minh họa).".into(),
                },
                audit,
            )
            .await?;
    }
    // 2023 round 2 (illustrative): 12 more, whose certificates end early in 2027.
    let b2023b = OcopBatch {
        key: "2023b",
        year: 2023,
        on: d(2024, 1, 15),
        number: "(minh họa)/QĐ-UBND huyện",
        level: OLevel::District,
        three: 12,
        four: 0,
        note: "Minh họa.",
    };
    let mut certs = Vec::new();
    for i in 0..b2023b.three {
        let key = format!("2023b/{i}");
        let m = make(anywhere(&key), None, false, key).await?;
        certs.push(cert(m.id, 3, &b2023b, None)?);
    }
    // Two of 2023's round 1 expire in December 2026: alerts are due.
    record(certs).await?;
    // 2024: eight four-star products by QĐ 2394/QĐ-UBND of 15/10/2024 (seven moved up
    // from three stars, one re-rated four-star).
    let b2024 = OcopBatch {
        key: "2024",
        year: 2024,
        on: d(2024, 10, 15),
        number: "2394/QĐ-UBND",
        level: OLevel::Province,
        three: 0,
        four: 8,
        note: "Tám sản phẩm 4 sao theo QĐ 2394/QĐ-UBND ngày 15/10/2024; sản phẩm cụ thể là minh họa.",
    };
    let mut certs: Vec<Certificate> = p2023
        .iter()
        .take(7)
        .map(|m| cert(m.id, 4, &b2024, None))
        .collect::<AppResult<_>>()?;
    if let Some(m) = p2021.first() {
        certs.push(cert(m.id, 4, &b2024, None)?);
    }
    record(certs).await?;

    // 2025 (illustrative): new products at the last district rounds and the first
    // provincial round after the reform.
    for b in [
        OcopBatch {
            key: "2025a",
            year: 2025,
            on: d(2025, 3, 25),
            number: "(minh họa)/QĐ-UBND huyện",
            level: OLevel::District,
            three: 30,
            four: 0,
            note: "Minh họa: đợt cấp huyện cuối cùng trước ngày 01/7/2025.",
        },
        OcopBatch {
            key: "2025b",
            year: 2025,
            on: d(2025, 11, 20),
            number: "(minh họa)/QĐ-UBND",
            level: OLevel::Province,
            three: 22,
            four: 3,
            note: "Minh họa: đợt cấp tỉnh đầu tiên theo QĐ 1489/QĐ-TTg.",
        },
    ] {
        let mut certs = Vec::new();
        for i in 0..b.three + b.four {
            let key = format!("{}/{i}", b.key);
            let m = make(anywhere(&key), None, false, key).await?;
            certs.push(cert(m.id, if i < b.four { 4 } else { 3 }, &b, None)?);
        }
        record(certs).await?;
    }
    // Re-evaluation when certificates run out (illustrative): most products apply again
    // at the first round of the three months before their last day; a few move up or
    // down; the 2019 products that withdrew or were still pending in 2023 do not.
    let renewals = [
        (d(2023, 12, 20), OLevel::District),
        (d(2024, 6, 25), OLevel::District),
        (d(2024, 12, 18), OLevel::District),
        (d(2025, 6, 20), OLevel::District),
        (d(2025, 12, 18), OLevel::Province),
        (d(2026, 6, 19), OLevel::Province),
    ];
    let out: BTreeSet<i64> = p2019.iter().skip(16).take(31).map(|m| m.id).collect();
    // The products the press names stay in the programme.
    let named: BTreeSet<i64> = [nhung.id, cam.id]
        .into_iter()
        .chain(p2023.iter().take(3).map(|m| m.id))
        .collect();
    for (on, level) in renewals {
        let b = OcopBatch {
            key: "renew",
            year: on.year(),
            on,
            number: "(minh họa)/QĐ-UBND",
            level,
            three: 0,
            four: 0,
            note: "Minh họa: đánh giá, phân hạng lại khi giấy chứng nhận hết 36 tháng.",
        };
        let certs_now = store.ocop_book().await?.certificates;
        let mut certs = Vec::new();
        for c in &certs_now {
            let latest = certs_now
                .iter()
                .filter(|o| o.product == c.product)
                .all(|o| (o.decision_date, o.id) <= (c.decision_date, c.id));
            let until = c.valid_until();
            let due = until < on + chrono::Days::new(90) && until >= on - chrono::Days::new(180);
            if !latest || !due || c.ended.is_some() || out.contains(&c.product) {
                continue;
            }
            let key = format!("renew/{}/{on}", c.product);
            if rand01(&key) >= 0.8 && !named.contains(&c.product) {
                continue;
            }
            let stars = match pick(&format!("{key}/s"), 20) {
                0 if c.stars == 3 => 4,
                1 if c.stars == 4 => 3,
                _ => c.stars,
            };
            certs.push(cert(c.product, stars, &b, None)?);
        }
        if !certs.is_empty() {
            record(certs).await?;
        }
    }

    // 2026: a provincial round under 148 as amended by 1489, scored online and decided;
    // and one still open.
    let r2026 = store
        .create_round(
            &round(
                "Hội đồng OCOP cấp tỉnh đợt 1 năm 2026 (minh họa)",
                d(2026, 10, 20),
                "Đợt minh họa, chấm trực tuyến.",
            ),
            audit,
        )
        .await?;
    let mut p2026 = Vec::new();
    for i in 0..6 {
        let key = format!("2026/{i}");
        p2026.push(make(anywhere(&key), None, false, key).await?.id);
    }
    // A 2022 three-star product asks to move up.
    if let Some(m) = p2022.get(20) {
        p2026.push(m.id);
    }
    let entries = store.add_entries(r2026, &p2026, audit).await?;
    attach_demo_dossiers(store, &entries, None, audit).await?;
    for e in &entries {
        store
            .put_precheck(
                *e,
                d(2026, 10, 1),
                "Sản phẩm, nguyên liệu và lao động tại địa phương (minh họa).",
                &at_time(audit, "2026-10-01T09:00:00+07:00"),
            )
            .await?;
    }
    for (i, e) in entries.iter().enumerate() {
        let target = [91.0, 74.0, 63.0, 58.0, 45.0, 67.0, 72.0][i.min(6)];
        let mut sheets = sheets_for(RuleSet::Qd148Amended, target, &format!("2026/s/{i}"));
        if i == 2
            && let Some(s) = sheets.last_mut()
        {
            // One member far above the rest: flagged, still counted in the mean.
            s.a = Decimal::from(38);
            s.b = Decimal::from(23);
            s.c = Decimal::from(33);
        }
        for s in sheets {
            store.put_sheet(*e, &s, audit).await?;
        }
    }
    store
        .close_round(r2026, &at_time(audit, "2026-10-20T16:30:00+07:00"))
        .await?;
    let book = store.ocop_book().await?;
    let outcomes = crate::ocop::outcomes(store, &book).await?;
    let b2026 = OcopBatch {
        key: "2026",
        year: 2026,
        on: d(2026, 11, 10),
        number: "(minh họa)/QĐ-UBND",
        level: OLevel::Province,
        three: 0,
        four: 0,
        note: "Minh họa.",
    };
    let mut certs = Vec::new();
    for (e, p) in entries.iter().zip(&p2026) {
        if let Some(s) = outcomes.get(e).and_then(|o| o.certify) {
            certs.push(cert(*p, s, &b2026, Some(*e))?);
        }
    }
    record(certs).await?;
    let open = store
        .create_round(
            &round(
                "Hội đồng OCOP cấp tỉnh đợt 2 năm 2026 (minh họa)",
                d(2026, 11, 25),
                "Đợt minh họa đang chấm: mỗi thành viên chỉ thấy phiếu của mình đến khi thư ký khóa.",
            ),
            audit,
        )
        .await?;
    let mut p_open = Vec::new();
    for i in 0..4 {
        let key = format!("2026b/{i}");
        p_open.push(make(anywhere(&key), None, false, key).await?.id);
    }
    let entries = store.add_entries(open, &p_open, audit).await?;
    // One producer has not yet sent its self-assessment: the checklist shows it.
    attach_demo_dossiers(store, &entries, entries.get(1).copied(), audit).await?;
    // The commune of the last one has not checked its dossier yet.
    for e in entries.iter().take(entries.len().saturating_sub(1)) {
        store
            .put_precheck(
                *e,
                d(2026, 11, 10),
                "Sản phẩm, nguyên liệu và lao động tại địa phương (minh họa).",
                &at_time(audit, "2026-11-10T09:00:00+07:00"),
            )
            .await?;
    }
    for (i, e) in entries.iter().enumerate().take(3) {
        // Some members have handed in; the secretary (vpdp) has not.
        for s in sheets_for(
            RuleSet::Qd148Amended,
            60.0 + 5.0 * i as f64,
            &format!("2026b/{i}"),
        )
        .into_iter()
        .skip(1)
        .take(2)
        {
            store.put_sheet(*e, &s, audit).await?;
        }
    }

    // Support: the 2019 round 2 rewards (30 million per three-star, 50 million per
    // four-star, QĐ 513/QĐ-UBND, 1.93 billion) and illustrative lines for 2024-2026.
    let mut lines = Vec::new();
    let reward = |product: i64, amount: i64| Support {
        id: 0,
        product,
        year: 2020,
        category: SupportCategory::RewardByStar,
        source: FundSource::Provincial,
        amount: Decimal::from(amount),
        document: "513/QĐ-UBND".into(),
        note: "Thưởng sản phẩm đạt OCOP đợt 2 năm 2019".into(),
        illustrative: false,
    };
    lines.push(reward(nhung.id, 50_000_000));
    lines.push(reward(cam.id, 50_000_000));
    for m in &p2019 {
        lines.push(reward(m.id, 30_000_000));
    }
    let all_products: Vec<i64> = store
        .ocop_book()
        .await?
        .products
        .iter()
        .map(|p| p.id)
        .collect();
    for (i, p) in all_products.iter().enumerate().step_by(4) {
        for year in 2024..=2026 {
            let key = format!("support/{p}/{year}");
            let heavy = i % 12 == 0;
            let mut add = |cat: SupportCategory, source: FundSource, m: i64| {
                if m > 0 {
                    lines.push(Support {
                        id: 0,
                        product: *p,
                        year,
                        category: cat,
                        source,
                        amount: Decimal::from(m * 1_000_000),
                        document: format!("(minh họa) {year}"),
                        note: "minh họa".into(),
                        illustrative: true,
                    });
                }
            };
            let r = |k: &str, n: usize| pick(&format!("{key}/{k}"), n) as i64;
            add(
                SupportCategory::BrandIdentity,
                FundSource::Provincial,
                10 + r("id", 40) + if heavy { 60 } else { 0 },
            );
            add(
                SupportCategory::TechTransfer,
                FundSource::Provincial,
                if heavy { 0 } else { r("tt", 120) },
            );
            add(
                SupportCategory::TradePromotion,
                FundSource::Local,
                r("xt", 25),
            );
            add(
                SupportCategory::QualityDeclaration,
                FundSource::Producer,
                r("cb", 12),
            );
        }
    }
    store.import_support(&lines, audit).await?;
    Ok(())
}

/// The audit context of a demo step that happened at `when` (a round closed in 2022).
fn at_time(audit: &AuditContext, when: &str) -> AuditContext {
    AuditContext {
        at: instant(when),
        ..audit.clone()
    }
}

/// Files for the dossier parts of the demo's 2026 entries: a one-page PDF that says it is
/// illustrative; `short` misses its self-assessment.
async fn attach_demo_dossiers(
    store: &dyn Store,
    entries: &[i64],
    short: Option<i64>,
    audit: &AuditContext,
) -> AppResult<()> {
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj 4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 72 760 Td (Ho so minh hoa) Tj ET\nendstream endobj 5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    for e in entries {
        for part in ntm_core::ocop::RuleSet::Qd148Amended.dossier_parts(false) {
            if Some(*e) == short && part.code == "tu_danh_gia" {
                continue;
            }
            let file = ntm_store::StoredFile {
                name: format!("{}-minh-hoa.pdf", part.code.replace('_', "-")),
                bytes: PDF.to_vec(),
            };
            store
                .attach_entry_file(*e, part.code, &file, "minh họa", audit)
                .await?;
        }
    }
    Ok(())
}

/// What building the demo did.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    pub units: WriteSummary,
    pub criteria_sets: usize,
    pub values: WriteSummary,
    pub communes: usize,
    pub choices: Vec<String>,
    /// Demo values not written because the database already holds a value there (a user's
    /// or the demo's own, possibly edited since) or the unit-year is in the approval
    /// workflow: the demo never overwrites.
    pub kept: usize,
}

/// Builds the demo into `store`: the shipped units, the shipped and the illustrative
/// criteria sets, the generated values, the demo accounts and the seed directive with its
/// tasks. Re-running it changes nothing: values are written only where the database has
/// none and the unit-year is not submitted or approved, so what users changed (a demo
/// value edited, a unit-year approved) stays as they left it.
pub async fn build(store: &dyn Store, audit: &AuditContext) -> AppResult<DemoReport> {
    let built = ntm_data::shipped_units::hatinh_units()
        .map_err(|p| AppError::Invalid(p.iter().map(ToString::to_string).collect()))?;
    let units = crate::units::import_units(store, built, audit).await?;
    let mut files = ntm_data::shipped::criteria_files();
    files.extend(ntm_data::shipped::demo_criteria_files());
    let sets = crate::criteria::import(store, &files, audit).await?;
    let ws = Workspace::load(store, None, crate::evaluate::Basis::Current).await?;
    let plan = plan(&ws.registry).map_err(|e| AppError::Invalid(vec![e]))?;
    let generated = generate(&ws, &plan).map_err(|e| AppError::Invalid(vec![e]))?;
    let taken: std::collections::HashSet<(UnitId, i32, String)> = store
        .list_values(&ntm_store::ValueFilter::default())
        .await?
        .into_iter()
        .map(|v| (v.unit_id, v.year, v.indicator_id))
        .collect();
    let in_workflow: std::collections::HashSet<(UnitId, i32)> = store
        .list_submissions(&ntm_store::SubmissionFilter::default())
        .await?
        .into_iter()
        .filter(|s| {
            matches!(
                ntm_core::workflow::Status::parse(&s.status),
                Some(ntm_core::workflow::Status::Submitted | ntm_core::workflow::Status::Approved)
            )
        })
        .map(|s| (s.unit_id, s.year))
        .collect();
    let total = generated.writes.len();
    let writes: Vec<ValueWrite> = generated
        .writes
        .into_iter()
        .filter(|w| {
            !taken.contains(&(w.unit_id.clone(), w.year, w.indicator_id.clone()))
                && !in_workflow.contains(&(w.unit_id.clone(), w.year))
        })
        .collect();
    let kept = total - writes.len();
    let values = store.write_values(&writes, audit).await?;
    approve(store, &ws.registry, &writes, audit).await?;
    record_recognitions(store, &ws.registry, audit).await?;
    record_district_titles(store, &ws.registry, audit).await?;
    seed_dossiers_2026(store, &ws.registry, audit).await?;
    seed_villages(store, &ws.registry, audit).await?;
    seed_targets(store, &ws, audit).await?;
    accounts(store, audit).await?;
    let admin = crate::accounts::actor_by_username(store, "vpdp").await?;
    seed_directive(store, &ws.registry, &admin, audit).await?;
    seed_plan_2026(store, &ws.registry, &admin, audit).await?;
    seed_ocop(store, &ws.registry, audit).await?;
    seed_resources(store, &ws.registry, audit).await?;
    Ok(DemoReport {
        units,
        criteria_sets: sets.len(),
        values,
        communes: generated.communes,
        choices: plan.choices,
        kept,
    })
}

/// A demo account, printed when the demo server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub username: &'static str,
    pub password: &'static str,
    pub role: ntm_core::access::Role,
    pub unit: String,
}

/// The password of every demo account (the demo is for trying ntm, not for real data).
pub const DEMO_PASSWORD: &str = "ntm-demo-2026";

/// Creates the demo accounts that do not exist yet: one per role, on the province, a
/// district (Kỳ Anh), a 2022 commune (Kỳ Lạc) and a post-reform commune (Thành Sen).
pub async fn accounts(store: &dyn Store, audit: &AuditContext) -> AppResult<Vec<DemoAccount>> {
    use ntm_core::access::{Grant, Role};
    let registry = crate::units::load_registry(store).await?;
    let id = |text: &str| UnitId::parse(text).expect("constant unit id");
    let plan: [(&str, &str, Role, UnitId); 8] = [
        (
            "vpdp",
            "Văn phòng Điều phối NTM tỉnh",
            Role::Admin,
            id("42@2020-01-01"),
        ),
        ("bcd", "Ban Chỉ đạo tỉnh", Role::Viewer, id("42@2020-01-01")),
        (
            "so-nnmt",
            "Sở Nông nghiệp và Môi trường",
            Role::Department,
            id("42@2020-01-01"),
        ),
        (
            "hd-ocop-1",
            "Thành viên Hội đồng OCOP tỉnh (Sở Công Thương)",
            Role::Department,
            id("42@2020-01-01"),
        ),
        (
            "hd-ocop-2",
            "Thành viên Hội đồng OCOP tỉnh (Sở Y tế)",
            Role::Department,
            id("42@2020-01-01"),
        ),
        (
            "huyen-kyanh",
            "UBND huyện Kỳ Anh (đến 30/6/2025)",
            Role::DistrictOfficer,
            id("447@2020-01-01"),
        ),
        (
            "xa-kylac",
            "UBND xã Kỳ Lạc",
            Role::CommuneOfficer,
            id("18850@2020-01-01"),
        ),
        (
            "xa-thanhsen",
            "UBND phường Thành Sen",
            Role::CommuneOfficer,
            id("18073@2025-07-01"),
        ),
    ];
    let mut out = Vec::new();
    let hash = crate::accounts::hash_password(DEMO_PASSWORD)?;
    for (username, full_name, role, unit) in plan {
        let name = registry
            .get(&unit)
            .map(|u| u.latest().name.clone())
            .ok_or_else(|| AppError::NotFound(format!("đơn vị {unit}")))?;
        if store.find_user(username).await?.is_none() {
            crate::accounts::create_user(
                store,
                username,
                full_name,
                hash.clone(),
                &[Grant::new(role, unit)],
                audit,
            )
            .await?;
        }
        out.push(DemoAccount {
            username,
            password: DEMO_PASSWORD,
            role,
            unit: name,
        });
    }
    Ok(out)
}

/// The seed directive of the demo: the Steering Committee's notice of conclusions of the
/// 23 February 2022 conference, with its tasks 2.1-2.6 as `shared/seed/` summarises them.
/// Deadlines the notice does not give and every completion date are illustrative (said in
/// each task's expected output); they make a realistic mix of the four states. Returns the
/// directive's id, or `None` when it is already there.
pub async fn seed_directive(
    store: &dyn Store,
    registry: &UnitRegistry,
    admin: &crate::accounts::Actor,
    audit: &AuditContext,
) -> AppResult<Option<i64>> {
    use ntm_store::{Assignee, NewDirective, NewOrganisation, NewReport, TaskDetails, TaskFilter};
    const TITLE: &str = "Kết luận của Trưởng Ban Chỉ đạo tại Hội nghị tổng kết Chương trình MTQG xây dựng nông thôn mới năm 2021, triển khai nhiệm vụ năm 2022";
    if store
        .list_directives()
        .await?
        .iter()
        .any(|d| d.title == TITLE)
    {
        return Ok(None);
    }
    let mut org = std::collections::BTreeMap::new();
    let existing = store.list_organisations().await?;
    for (name, kind) in [
        ("Sở Nông nghiệp và Môi trường", "sở"),
        ("Sở Tài chính", "sở"),
        ("Sở Công Thương", "sở"),
        ("Ủy ban MTTQ Việt Nam tỉnh", "đoàn thể"),
        ("Văn phòng Điều phối nông thôn mới tỉnh", "cơ quan"),
    ] {
        let id = match existing.iter().find(|o| o.name == name) {
            Some(o) => o.id,
            None => {
                store
                    .create_organisation(
                        &NewOrganisation {
                            name: name.into(),
                            kind: kind.into(),
                        },
                        audit,
                    )
                    .await?
            }
        };
        org.insert(name, id);
    }
    if let Some(u) = store.find_user("so-nnmt").await? {
        store
            .set_user_organisations(u.id, &[org["Sở Nông nghiệp và Môi trường"]], audit)
            .await?;
    }
    let details = |text: &str,
                   lead: Assignee,
                   cooperating: Vec<Assignee>,
                   deadline: Option<&str>,
                   recurrence: Option<&str>,
                   expected: &str| TaskDetails {
        text: text.into(),
        lead,
        cooperating,
        deadline: deadline.map(ymd),
        recurrence: recurrence.map(Into::into),
        expected_output: expected.into(),
        serves: "Chương trình MTQG xây dựng NTM 2021-2025; chỉ tiêu năm 2022".into(),
    };
    let o = |name: &str| Assignee::Organisation(org[name]);
    let tasks = vec![
        crate::tasks::TaskInput {
            code: "2.1".into(),
            expand_to_communes: false,
            details: details(
                "Các sở, ngành đề xuất với Ban Chỉ đạo các giải pháp thực hiện hiệu quả Chương trình",
                o("Sở Nông nghiệp và Môi trường"),
                vec![o("Sở Tài chính"), o("Sở Công Thương")],
                Some("2022-03-31"),
                None,
                "Văn bản đề xuất giải pháp (hạn minh họa)",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.2".into(),
            expand_to_communes: true,
            details: details(
                "Xây dựng Đề án phát triển kinh tế nông thôn của xã",
                unit_lead("42@2020-01-01"),
                vec![],
                Some("2022-05-31"),
                None,
                "Đề án được UBND xã phê duyệt",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.3".into(),
            expand_to_communes: false,
            details: details(
                "Xúc tiến thương mại, phát triển sản phẩm OCOP theo chiều sâu; báo cáo hằng quý",
                o("Sở Công Thương"),
                vec![o("Sở Nông nghiệp và Môi trường")],
                None,
                Some("quarterly:15"),
                "Báo cáo quý (lịch minh họa)",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.4".into(),
            expand_to_communes: false,
            details: details(
                "Chỉ đạo tập trung, huy động đỡ đầu các xã, thôn chưa đạt chuẩn của huyện Hương Khê để đạt chuẩn trong năm 2022",
                unit_lead("444@2020-01-01"),
                vec![o("Văn phòng Điều phối nông thôn mới tỉnh")],
                Some("2022-12-31"),
                None,
                "Các xã còn lại đạt chuẩn NTM",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.4b".into(),
            expand_to_communes: false,
            details: details(
                "Huyện Kỳ Anh sớm đạt chuẩn huyện nông thôn mới",
                unit_lead("447@2020-01-01"),
                vec![],
                Some("2023-12-31"),
                None,
                "Quyết định công nhận của Thủ tướng",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.5".into(),
            expand_to_communes: false,
            details: details(
                "Đẩy mạnh phong trào thi đua \"Hà Tĩnh chung sức xây dựng nông thôn mới\"",
                o("Ủy ban MTTQ Việt Nam tỉnh"),
                vec![],
                Some("2022-12-31"),
                None,
                "Báo cáo kết quả phong trào (hạn minh họa)",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.6".into(),
            expand_to_communes: false,
            details: details(
                "Kiện toàn Ban Chỉ đạo và bộ máy giúp việc các cấp theo Quyết định 263/QĐ-TTg",
                o("Văn phòng Điều phối nông thôn mới tỉnh"),
                vec![],
                Some("2022-04-30"),
                None,
                "Quyết định kiện toàn (hạn minh họa)",
            ),
        },
        crate::tasks::TaskInput {
            code: "2.6b".into(),
            expand_to_communes: false,
            details: details(
                "Kiện toàn Ban Chỉ đạo cấp xã sau sắp xếp đơn vị hành chính (tiếp nối 2.6)",
                o("Văn phòng Điều phối nông thôn mới tỉnh"),
                vec![],
                Some("2026-12-31"),
                None,
                "Quyết định kiện toàn của 69 xã, phường (hạn minh họa)",
            ),
        },
    ];
    let directive = NewDirective {
        kind: "thông báo kết luận".into(),
        number: "(số hiệu không có trong bản trích)".into(),
        issued_on: ymd("2022-02-23"),
        issuer: "Ban Chỉ đạo các Chương trình MTQG tỉnh Hà Tĩnh".into(),
        title: TITLE.into(),
        summary: "Ngày hội nghị 23/02/2022; số và ngày ký của thông báo không có trong bản trích (shared/seed/). Kết quả năm 2021, chỉ tiêu năm 2022 và nhiệm vụ 2.1-2.6.".into(),
        file: Some(ntm_store::StoredFile { name: "thong-bao-ket-luan-2022.txt".into(), bytes: include_bytes!("../../../data/seed/thong-bao-ket-luan-2022.txt").to_vec() }),
        tasks: vec![],
    };
    let id =
        crate::tasks::create_directive(store, registry, admin, directive, tasks, audit).await?;
    // Illustrative progress: completions and their dates.
    let report = |when: &str, text: &str, percent: i32, done: bool| {
        (
            AuditContext {
                actor: "demo".into(),
                at: instant(when),
                reason: "dữ liệu minh họa".into(),
            },
            NewReport {
                text: text.into(),
                percent,
                attachment: None,
                marks_done: done,
            },
        )
    };
    let all = store
        .list_tasks(&TaskFilter {
            directive_id: Some(id),
            ..Default::default()
        })
        .await?;
    let by_code = |c: &str| all.iter().find(|t| t.code == c).map(|t| t.id);
    // (task code, its reports, whether the office confirmed it)
    type Progress<'a> = (&'a str, Vec<(AuditContext, NewReport)>, bool);
    let plan: Vec<Progress<'_>> = vec![
        (
            "2.1",
            vec![report(
                "2022-03-28T03:00:00Z",
                "Đã gửi văn bản đề xuất 12 nhóm giải pháp",
                100,
                true,
            )],
            true,
        ),
        (
            "2.4",
            vec![report(
                "2022-11-30T03:00:00Z",
                "Hương Lâm, Hương Liên cơ bản đạt; Hà Linh, Điền Mỹ còn nhiều tiêu chí khó",
                70,
                false,
            )],
            false,
        ),
        (
            "2.4b",
            vec![report(
                "2024-08-15T03:00:00Z",
                "Thủ tướng công nhận huyện Kỳ Anh đạt chuẩn NTM năm 2023 (840/QĐ-TTg ngày 15/8/2024)",
                100,
                true,
            )],
            true,
        ),
        (
            "2.5",
            vec![report(
                "2022-12-20T03:00:00Z",
                "Tổng kết phong trào năm 2022",
                100,
                true,
            )],
            true,
        ),
        (
            "2.6",
            vec![report(
                "2022-04-25T03:00:00Z",
                "Đã ban hành quyết định kiện toàn",
                100,
                true,
            )],
            true,
        ),
        (
            "2.6b",
            vec![report(
                "2026-09-15T03:00:00Z",
                "41/69 xã, phường đã kiện toàn",
                60,
                false,
            )],
            false,
        ),
    ];
    for (code, reports, confirm) in plan {
        let Some(task) = by_code(code) else { continue };
        for (a, r) in &reports {
            store.add_report(task, r, a).await?;
        }
        if confirm {
            let a = &reports[reports.len() - 1].0;
            store
                .confirm_task(
                    task,
                    &AuditContext {
                        actor: admin.username.clone(),
                        at: a.at + chrono::Duration::days(2),
                        reason: "xác nhận hoàn thành".into(),
                    },
                )
                .await?;
        }
    }
    // 2.3 reports every quarter: one report per period, most on time, some late; the
    // report due 15/10/2026 has not come in.
    if let Some(task) = by_code("2.3") {
        let mut due = ymd("2022-04-15");
        while due < ymd("2026-10-01") {
            let r = rand01(&format!("2.3/{due}"));
            let when = if r < 0.8 {
                due - chrono::Duration::days(1 + (r * 10.0) as i64 % 6)
            } else {
                due + chrono::Duration::days(3 + (r * 100.0) as i64 % 20)
            };
            let year = due.year() - i32::from(due.month() == 1);
            let text = format!(
                "Báo cáo quý {}/{year}: xúc tiến thương mại {} sản phẩm OCOP",
                ["IV", "I", "II", "III"][(due.month0() / 3) as usize],
                8 + (r * 20.0) as u32
            );
            let (a, rep) = report(&format!("{when}T03:00:00Z"), &text, 100, true);
            store.add_report(task, &rep, &a).await?;
            due = ntm_core::task::Recurrence::Quarterly { day: 15 }
                .next_after(due)
                .expect("quarterly deadlines go on");
        }
    }
    // The communes' projects: most on time, some late, a few still missing.
    for t in all.iter().filter(|t| t.code.starts_with("2.2.")) {
        let r = rand01(&format!("{}/2.2", t.code));
        let when = if r < 0.72 {
            Some(format!(
                "2022-05-{:02}T02:00:00Z",
                10 + (r * 25.0) as u32 % 20
            ))
        } else if r < 0.93 {
            Some(format!(
                "2022-{:02}-{:02}T02:00:00Z",
                6 + (r * 100.0) as u32 % 3,
                1 + (r * 1000.0) as u32 % 28
            ))
        } else {
            None
        };
        if let Some(when) = when {
            let (a, rep) = report(&when, "Đề án đã được UBND xã phê duyệt", 100, true);
            store.add_report(t.id, &rep, &a).await?;
            store
                .confirm_task(
                    t.id,
                    &AuditContext {
                        actor: admin.username.clone(),
                        at: a.at + chrono::Duration::days(3),
                        reason: "xác nhận hoàn thành".into(),
                    },
                )
                .await?;
        }
    }
    Ok(Some(id))
}

/// The second directive of the demo: an illustrative plan of 2026 for the communes after
/// the reform, so that the follow-up view of today has tasks due soon, overdue and done,
/// and a monthly report. Its number, dates and progress are illustrative (marked so).
/// Does nothing when it is already there.
pub async fn seed_plan_2026(
    store: &dyn Store,
    registry: &UnitRegistry,
    admin: &crate::accounts::Actor,
    audit: &AuditContext,
) -> AppResult<Option<i64>> {
    use ntm_store::{Assignee, NewDirective, NewReport, TaskDetails, TaskFilter};
    const TITLE: &str =
        "Kế hoạch thực hiện Chương trình MTQG xây dựng nông thôn mới năm 2026 (minh họa)";
    if store
        .list_directives()
        .await?
        .iter()
        .any(|d| d.title == TITLE)
    {
        return Ok(None);
    }
    let orgs = store.list_organisations().await?;
    let o = |name: &str| {
        orgs.iter()
            .find(|o| o.name == name)
            .map(|o| Assignee::Organisation(o.id))
            .ok_or_else(|| AppError::NotFound(format!("không có tổ chức {name}")))
    };
    let details = |text: &str,
                   lead: Assignee,
                   deadline: Option<&str>,
                   recurrence: Option<&str>,
                   expected: &str| TaskDetails {
        text: text.into(),
        lead,
        cooperating: vec![],
        deadline: deadline.map(ymd),
        recurrence: recurrence.map(Into::into),
        expected_output: expected.into(),
        serves: "Bộ tiêu chí quốc gia về NTM giai đoạn 2026-2030".into(),
    };
    let province = registry
        .roots_on(ymd("2026-03-10"))
        .first()
        .map(|r| r.id().clone())
        .ok_or_else(|| AppError::NotFound("chưa có đơn vị cấp tỉnh năm 2026".into()))?;
    let tasks = vec![
        crate::tasks::TaskInput {
            code: "1".into(),
            expand_to_communes: true,
            details: details(
                "Rà soát, đánh giá thực trạng xã theo Bộ tiêu chí quốc gia về xã NTM giai đoạn 2026-2030",
                Assignee::Unit(province),
                Some("2026-06-30"),
                None,
                "Báo cáo rà soát kèm biểu tổng hợp tiêu chí",
            ),
        },
        crate::tasks::TaskInput {
            code: "2".into(),
            expand_to_communes: false,
            details: details(
                "Báo cáo tiến độ thực hiện Chương trình hằng tháng",
                o("Sở Nông nghiệp và Môi trường")?,
                Some("2026-12-31"),
                Some("monthly:25"),
                "Báo cáo tháng gửi Ban Chỉ đạo tỉnh",
            ),
        },
        crate::tasks::TaskInput {
            code: "3".into(),
            expand_to_communes: false,
            details: details(
                "Tham mưu kế hoạch huy động, lồng ghép nguồn lực năm 2027",
                o("Sở Tài chính")?,
                Some("2026-12-05"),
                None,
                "Dự thảo kế hoạch trình UBND tỉnh",
            ),
        },
        crate::tasks::TaskInput {
            code: "4".into(),
            expand_to_communes: false,
            details: details(
                "Tổ chức đánh giá, phân hạng sản phẩm OCOP cấp tỉnh đợt 2 năm 2026",
                o("Sở Nông nghiệp và Môi trường")?,
                Some("2026-12-15"),
                None,
                "Quyết định công nhận sản phẩm OCOP",
            ),
        },
        crate::tasks::TaskInput {
            code: "5".into(),
            expand_to_communes: false,
            details: details(
                "Hoàn thiện hồ sơ đề nghị xét công nhận đạt chuẩn đô thị văn minh, NTM nâng cao",
                unit_lead("18073@2025-07-01"),
                Some("2026-11-30"),
                None,
                "Hồ sơ trình Hội đồng thẩm định tỉnh",
            ),
        },
        crate::tasks::TaskInput {
            code: "6".into(),
            expand_to_communes: false,
            details: details(
                "Tổng hợp báo cáo tổng kết Chương trình năm 2026",
                o("Văn phòng Điều phối nông thôn mới tỉnh")?,
                Some("2027-01-10"),
                None,
                "Báo cáo tổng kết trình Ban Chỉ đạo tỉnh",
            ),
        },
    ];
    let directive = NewDirective {
        kind: "Kế hoạch".into(),
        number: "(minh họa)/KH-BCĐ".into(),
        issued_on: ymd("2026-03-10"),
        issuer: "Ban Chỉ đạo các Chương trình MTQG tỉnh Hà Tĩnh".into(),
        title: TITLE.into(),
        summary: "Văn bản minh họa của bản demo (không phải văn bản thật): nhiệm vụ năm 2026 cho các xã sau sắp xếp và các sở.".into(),
        file: None,
        tasks: vec![],
    };
    let id =
        crate::tasks::create_directive(store, registry, admin, directive, tasks, audit).await?;
    let all = store
        .list_tasks(&TaskFilter {
            directive_id: Some(id),
            ..Default::default()
        })
        .await?;
    let add = |task: i64, when: String, text: String, percent: i32, done: bool| async move {
        store
            .add_report(
                task,
                &NewReport {
                    text,
                    percent,
                    attachment: None,
                    marks_done: done,
                },
                &AuditContext {
                    actor: "demo".into(),
                    at: instant(&when),
                    reason: "dữ liệu minh họa".into(),
                },
            )
            .await
    };
    for t in &all {
        match t.code.as_str() {
            code if code.starts_with("1.") => {
                let r = rand01(&format!("{code}/2026"));
                let when = if r < 0.75 {
                    Some(format!(
                        "2026-06-{:02}T02:00:00Z",
                        5 + (r * 100.0) as u32 % 24
                    ))
                } else if r < 0.9 {
                    Some(format!(
                        "2026-{:02}-{:02}T02:00:00Z",
                        7 + (r * 10.0) as u32 % 3,
                        1 + (r * 1000.0) as u32 % 28
                    ))
                } else {
                    None
                };
                match when {
                    Some(w) => {
                        add(
                            t.id,
                            w.clone(),
                            "Đã gửi báo cáo rà soát 19 tiêu chí".into(),
                            100,
                            true,
                        )
                        .await?;
                        store
                            .confirm_task(
                                t.id,
                                &AuditContext {
                                    actor: admin.username.clone(),
                                    at: instant(&w) + chrono::Duration::days(2),
                                    reason: "xác nhận hoàn thành".into(),
                                },
                            )
                            .await?;
                    }
                    None => {
                        add(
                            t.id,
                            "2026-06-20T02:00:00Z".into(),
                            "Đang rà soát, còn thiếu số liệu tiêu chí thu nhập".into(),
                            60,
                            false,
                        )
                        .await?;
                    }
                }
            }
            "2" => {
                for (month, day) in [
                    (3, 24),
                    (4, 23),
                    (5, 25),
                    (6, 29),
                    (7, 24),
                    (8, 25),
                    (9, 22),
                    (10, 24),
                ] {
                    add(
                        t.id,
                        format!("2026-{month:02}-{day:02}T03:00:00Z"),
                        format!("Báo cáo tiến độ tháng {month}/2026"),
                        100,
                        true,
                    )
                    .await?;
                }
            }
            "4" => {
                add(
                    t.id,
                    "2026-11-20T03:00:00Z".into(),
                    "Hội đồng đã chấm 24/38 sản phẩm".into(),
                    60,
                    false,
                )
                .await?;
            }
            "5" => {
                add(
                    t.id,
                    "2026-11-25T03:00:00Z".into(),
                    "Đã hoàn thiện 8/10 thành phần hồ sơ".into(),
                    80,
                    false,
                )
                .await?;
            }
            _ => {}
        }
    }
    Ok(Some(id))
}

/// Sponsorship and mobilised funds, illustrative: after June 2022 four Hương Khê communes
/// were still below standard (Hương Lâm, Hương Liên, Hà Linh, Điền Mỹ —
/// `hatinh-history.yaml`); each gets sponsors with commitments and contributions (some
/// confirmed, some waiting, one refused). Funds by source for Hương Khê's communes
/// 2021-2026 (the 2022 tree until the reform, the new communes after), a split commune
/// (Kỳ Lợi) and the province's own lines. Every figure is the demo's, marked illustrative.
pub async fn seed_resources(
    store: &dyn Store,
    registry: &UnitRegistry,
    audit: &AuditContext,
) -> AppResult<()> {
    use ntm_core::resources::{
        Commitment, CommitmentKind as K, Contribution, Decision, FundLine, Source, Sponsorship,
    };
    use ntm_store::NewOrganisation;
    let book = store.resource_book().await?;
    if !book.sponsorships.is_empty() || !book.funds.is_empty() {
        return Ok(());
    }
    let existing = store.list_organisations().await?;
    let mut org = BTreeMap::new();
    for (name, kind) in [
        ("Sở Nông nghiệp và Môi trường", "sở"),
        ("Sở Tài chính", "sở"),
        ("Ngân hàng Chính sách xã hội chi nhánh Hà Tĩnh", "ngân hàng"),
        ("Bộ Chỉ huy Quân sự tỉnh", "lực lượng vũ trang"),
        ("Công ty xây dựng đỡ đầu (minh họa)", "doanh nghiệp"),
    ] {
        let id = match existing.iter().find(|o| o.name == name) {
            Some(o) => o.id,
            None => {
                store
                    .create_organisation(
                        &NewOrganisation {
                            name: name.into(),
                            kind: kind.into(),
                        },
                        audit,
                    )
                    .await?
            }
        };
        org.insert(name, id);
    }
    if let Some(u) = store.find_user("so-nnmt").await? {
        let mut mine: Vec<i64> = store
            .list_user_organisations(u.id)
            .await?
            .into_iter()
            .map(|o| o.id)
            .collect();
        if !mine.contains(&org["Sở Nông nghiệp và Môi trường"]) {
            mine.push(org["Sở Nông nghiệp và Môi trường"]);
            store.set_user_organisations(u.id, &mine, audit).await?;
        }
    }
    let hk = "Huyện Hương Khê";
    let commune = |name: &str| find(registry, hk, name).map_err(|e| AppError::Invalid(vec![e]));
    let money = |m: i64| Decimal::from(m) * Decimal::from(1_000_000);
    let at = |s: &str| instant(s);
    let document = "Quyết định phân công đỡ đầu số 45/QĐ-BCĐ ngày 15/3/2022 (minh họa)";
    type Plan<'a> = (
        &'a str,
        &'a str,
        Vec<(
            K,
            &'a str,
            &'a str,
            Option<i64>,
            i64,
            Vec<(&'a str, i64, Option<i64>, Option<bool>, &'a str)>,
        )>,
    );
    // (organisation, commune, [(kind, description, criterion, quantity, value in millions,
    // [(date, value in millions, quantity, decision, evidence)])])
    let plans: Vec<Plan<'_>> = vec![
        (
            "Sở Nông nghiệp và Môi trường",
            "Hương Lâm",
            vec![
                (
                    K::Money,
                    "Bê tông hóa đường trục thôn Quyết Thắng",
                    "2",
                    None,
                    500,
                    vec![
                        (
                            "2022-05-20",
                            300,
                            None,
                            Some(true),
                            "Ủy nhiệm chi số 112 ngày 20/5/2022",
                        ),
                        (
                            "2022-08-10",
                            150,
                            None,
                            None,
                            "Ủy nhiệm chi số 187 ngày 10/8/2022",
                        ),
                    ],
                ),
                (
                    K::InKind,
                    "Xi măng làm đường thôn (bao 50 kg)",
                    "2",
                    Some(300),
                    27,
                    vec![(
                        "2022-06-02",
                        27,
                        Some(300),
                        Some(true),
                        "Biên bản bàn giao hiện vật ngày 2/6/2022",
                    )],
                ),
                (
                    K::Labour,
                    "Ngày công của cán bộ, đoàn viên chỉnh trang cảnh quan, môi trường",
                    "17",
                    Some(200),
                    40,
                    vec![(
                        "2022-07-16",
                        30,
                        Some(150),
                        Some(true),
                        "Danh sách ra quân ngày 16/7/2022",
                    )],
                ),
            ],
        ),
        (
            "Ngân hàng Chính sách xã hội chi nhánh Hà Tĩnh",
            "Hương Liên",
            vec![
                (
                    K::Works,
                    "Nhà văn hóa thôn 2 (bàn giao cả trang thiết bị)",
                    "6",
                    None,
                    650,
                    vec![(
                        "2022-09-05",
                        650,
                        None,
                        Some(true),
                        "Biên bản nghiệm thu, bàn giao ngày 5/9/2022",
                    )],
                ),
                (
                    K::Money,
                    "Hỗ trợ hộ nghèo phát triển sinh kế",
                    "10",
                    None,
                    400,
                    vec![(
                        "2022-10-12",
                        200,
                        None,
                        Some(true),
                        "Ủy nhiệm chi số 54 ngày 12/10/2022",
                    )],
                ),
            ],
        ),
        (
            "Bộ Chỉ huy Quân sự tỉnh",
            "Hà Linh",
            vec![
                (
                    K::Labour,
                    "Ngày công cán bộ, chiến sĩ làm đường giao thông nội đồng",
                    "2",
                    Some(500),
                    100,
                    vec![(
                        "2022-06-25",
                        60,
                        Some(300),
                        Some(true),
                        "Biên bản xác nhận của UBND xã ngày 25/6/2022",
                    )],
                ),
                (
                    K::Money,
                    "Nạo vét, kiên cố hóa kênh mương",
                    "3",
                    None,
                    300,
                    vec![
                        (
                            "2022-07-30",
                            100,
                            None,
                            Some(true),
                            "Ủy nhiệm chi số 9 ngày 30/7/2022",
                        ),
                        (
                            "2022-11-02",
                            80,
                            None,
                            Some(false),
                            "Bảng kê chi (chưa có chứng từ gốc)",
                        ),
                    ],
                ),
            ],
        ),
        (
            "Sở Tài chính",
            "Điền Mỹ",
            vec![(
                K::Money,
                "Bổ sung phòng học, công trình vệ sinh trường tiểu học",
                "5",
                None,
                600,
                vec![(
                    "2022-08-18",
                    250,
                    None,
                    Some(true),
                    "Ủy nhiệm chi số 301 ngày 18/8/2022",
                )],
            )],
        ),
        (
            "Công ty xây dựng đỡ đầu (minh họa)",
            "Điền Mỹ",
            vec![(
                K::InKind,
                "Cột, dây điện chiếu sáng đường thôn",
                "4",
                Some(120),
                200,
                vec![],
            )],
        ),
    ];
    for (organisation, name, commitments) in plans {
        let unit = commune(name)?;
        let sid = store
            .put_sponsorship(
                &Sponsorship {
                    id: 0,
                    organisation: org[organisation],
                    unit,
                    village: None,
                    from: d(2022, 3, 15),
                    until: Some(d(2022, 12, 31)),
                    document: document.into(),
                    document_date: Some(d(2022, 3, 15)),
                    goal: "Giúp xã đạt chuẩn nông thôn mới trong năm 2022 (Kết luận của Ban Chỉ đạo, nhiệm vụ 2.4)".into(),
                    note: "Số liệu minh họa của bản trình diễn.".into(),
                    illustrative: true,
                },
                audit,
            )
            .await?;
        for (kind, description, criterion, quantity, value, given) in commitments {
            let cid = store
                .put_commitment(
                    &Commitment {
                        id: 0,
                        sponsorship: sid,
                        kind,
                        description: description.into(),
                        criterion: criterion.into(),
                        quantity: quantity.map(Decimal::from),
                        value: money(value),
                        due: Some(d(2022, 11, 30)),
                        illustrative: true,
                    },
                    audit,
                )
                .await?;
            for (on, value, quantity, decision, evidence) in given {
                let when = at(&format!("{on}T02:00:00Z"));
                let recorded = AuditContext {
                    actor: if organisation == "Sở Nông nghiệp và Môi trường" {
                        "so-nnmt".into()
                    } else {
                        audit.actor.clone()
                    },
                    at: when,
                    reason: "ghi đóng góp đỡ đầu (minh họa)".into(),
                };
                let id = store
                    .record_contribution(
                        &Contribution {
                            id: 0,
                            commitment: cid,
                            on: ymd(on),
                            value: money(value),
                            quantity: quantity.map(Decimal::from),
                            evidence: evidence.into(),
                            file_name: None,
                            recorded_by: String::new(),
                            recorded_at: when,
                            decision: None,
                            illustrative: true,
                        },
                        None,
                        &recorded,
                    )
                    .await?;
                if let Some(confirmed) = decision {
                    let later = when + chrono::Duration::days(3);
                    store
                        .decide_contribution(
                            id,
                            &Decision {
                                confirmed,
                                by: String::new(),
                                at: later,
                                reason: if confirmed {
                                    "Đã đối chiếu chứng từ, biên bản".into()
                                } else {
                                    "Chưa có chứng từ gốc; đề nghị bổ sung ủy nhiệm chi".into()
                                },
                            },
                            &AuditContext {
                                actor: "vpdp".into(),
                                at: later,
                                reason: "xác nhận đóng góp đỡ đầu (minh họa)".into(),
                            },
                        )
                        .await?;
                }
            }
        }
    }

    // Funds by source: Hương Khê's communes on the tree of each year, Kỳ Lợi (divided
    // among three wards in 2025) and the province's own lines.
    let mut lines = Vec::new();
    let ranges: [(Source, i64, i64); 9] = [
        (Source::CentralInvestment, 1500, 5000),
        (Source::CentralRecurrent, 200, 800),
        (Source::Provincial, 800, 2500),
        (Source::District, 300, 1200),
        (Source::Commune, 200, 900),
        (Source::Integrated, 500, 3000),
        (Source::PolicyCredit, 1500, 6000),
        (Source::Enterprise, 100, 900),
        (Source::CommunityCash, 200, 1200),
    ];
    let criteria = ["2", "3", "5", "6", "17", ""];
    let criteria_2026 = ["2", "2", "5", "5", "8", ""];
    let works = [
        "Đường giao thông thôn, xóm",
        "Kênh mương nội đồng",
        "Trường học",
        "Nhà văn hóa thôn",
        "Cảnh quan, môi trường",
        "",
    ];
    let add = |unit: &UnitId, year: i32, scale: f64, lines: &mut Vec<FundLine>| {
        for (source, lo, hi) in ranges {
            if source.refused_in(year).is_some() {
                continue;
            }
            let key = format!("{unit}/{year}/{}", source.as_str());
            let planned = lo as f64 + rand01(&key) * (hi - lo) as f64;
            let done = if year >= 2026 {
                0.35 + 0.3 * rand01(&format!("{key}/done"))
            } else {
                0.82 + 0.22 * rand01(&format!("{key}/done"))
            };
            let k = pick(&format!("{key}/purpose"), criteria.len());
            // The 2026-2030 set numbers its criteria otherwise.
            let criteria = if year >= 2026 {
                &criteria_2026
            } else {
                &criteria
            };
            let planned = (planned * scale).round() as i64;
            lines.push(FundLine {
                id: 0,
                unit: unit.clone(),
                year,
                source,
                criterion: criteria[k].into(),
                work: works[k].into(),
                planned: money(planned),
                actual: money((planned as f64 * done).round() as i64),
                document: format!("Báo cáo kết quả huy động nguồn lực năm {year} (minh họa)"),
                note: String::new(),
                illustrative: true,
            });
        }
        // In-kind contributions of the people: labour days, land given, materials.
        let key = format!("{unit}/{year}/in-kind");
        let v = ((100.0 + rand01(&key) * 700.0) * scale).round() as i64;
        lines.push(FundLine {
            id: 0,
            unit: unit.clone(),
            year,
            source: Source::CommunityInKind,
            criterion: "2".into(),
            work: "Hiến đất, ngày công làm đường (quy đổi)".into(),
            planned: money(v),
            actual: money(if year >= 2026 { v / 3 } else { v }),
            document: format!("Báo cáo kết quả huy động nguồn lực năm {year} (minh họa)"),
            note: String::new(),
            illustrative: true,
        });
    };
    let district = district_id(registry, hk)?;
    for year in 2021..=2026 {
        let day = if year == 2025 {
            d(2025, 6, 30)
        } else {
            d(year, 12, 31)
        };
        let communes: Vec<UnitId> = if year <= 2025 {
            registry
                .children_on(&district, day)
                .into_iter()
                .filter(|v| v.unit_type() == UnitType::Commune)
                .map(|v| v.id().clone())
                .collect()
        } else {
            // After the reform: the communes that took Hương Khê's over.
            let mut s: BTreeSet<UnitId> = BTreeSet::new();
            for c in registry.children_on(&district, d(2025, 6, 30)) {
                if let Some(n) = ntm_core::unit::followed_on(registry, c.id(), d(year, 12, 31)) {
                    s.insert(n);
                }
            }
            s.into_iter().collect()
        };
        for c in &communes {
            add(c, year, if year >= 2026 { 2.2 } else { 1.0 }, &mut lines);
        }
    }
    if let Ok(ky_loi) = find(registry, "Thị xã Kỳ Anh", "Kỳ Lợi") {
        for year in [2023, 2024] {
            add(&ky_loi, year, 1.0, &mut lines);
        }
    }
    if let Some(province) = crate::tasks::home(registry, d(2022, 1, 1))
        .into_iter()
        .next()
    {
        for year in 2021..=2026 {
            add(&province, year, 40.0, &mut lines);
        }
    }
    lines.retain(|l| !l.planned.is_zero() || !l.actual.is_zero());
    store.import_funds(&lines, audit).await?;
    Ok(())
}
