//! Data-quality checks as data: rules the office writes down, checked against a unit's
//! values for one year before the unit submits them.
//!
//! A [`Rule`] has an id, a Vietnamese title, a [`Severity`] and a [`RuleKind`]. Checking
//! gives [`Finding`]s that explain themselves: which value, what was expected, and the
//! numbers behind the judgement (a [`Detail`]), so that the page can show them.
//!
//! The kinds:
//!
//! * [`RuleKind::PartOfWhole`] — a part cannot exceed its whole (households on clean water
//!   ≤ households). Equal is fine.
//! * [`RuleKind::Range`] — a value within inclusive bounds (a share within 0–100).
//! * [`RuleKind::ReportedMetButMissing`] — the unit declares a criterion met (a pass/fail
//!   value it enters) while one of the criterion's indicators has no value or is unmet in
//!   the evaluation.
//! * [`RuleKind::YearJump`] — a value that moved too much since last year, by a ratio
//!   (both ways: up beyond `factor`, down below `1/factor`) or by an absolute amount.
//! * [`RuleKind::PeerOutlier`] — a value far from its peers' (same commune group, or same
//!   former district), judged by the modified z-score of Iglewicz and Hoaglin:
//!   `z = 0.6745 · (x − median) / MAD`, firing when `|z| > threshold` (3.5 by default).
//!   The median and the median absolute deviation (MAD) are used rather than the mean and
//!   the standard deviation because the peers' data is exactly what is in doubt: one
//!   commune that typed 1250 for 12,5 moves the mean and inflates the standard deviation
//!   so much that nobody looks unusual any more (the error masks itself and others), while
//!   the median and the MAD do not move until half the peers are wrong. The unit is never
//!   its own peer: with few peers, its own value would pull the median towards itself.
//! * [`RuleKind::RegressionAfterRecognition`] — a unit recognised at a level whose approved
//!   evaluation now fails a criterion of that level's set.
//! * [`RuleKind::EvidenceCoverage`] — a value that decides a met criterion but carries no
//!   evidence (a minute, a document, a photo).
//!
//! Kinds 1–4 need only the unit's values ([`check_unit`]); the others need the peers
//! ([`check_peers`], [`check_peer_groups`]), the recognition ([`check_regression`]) or the
//! evidence ([`check_evidence`]). Every function is pure and gives its findings in a
//! fixed order: the rules' order, then the order of the inputs named in each function.
//!
//! A missing value never fires a consistency rule: missing data is the evaluation's
//! business (it says "chưa có số liệu"), and a warning about it here would be said twice.
//!
//! Before submission, [`submission_gate`] sorts the findings: a blocking finding prevents
//! submission, a warning must be explained ([`Explanation`]), information is only shown.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use crate::criteria::{CriteriaSet, Level};
use crate::evaluation::{CriterionStatus, IndicatorStatus, SetResult};
use crate::text;
use crate::unit::{AttributeKey, UnitId, UnitLevel, UnitRegistry};
use crate::value::Value;

/// The constant of the modified z-score: 0.6745 is the 0.75 quantile of the standard
/// normal, so that `MAD / 0.6745` estimates the standard deviation of normal data.
pub const MAD_FACTOR: Decimal = Decimal::from_parts(6745, 0, 0, false, 4);

/// √(π/2): `1.253314 · mean absolute deviation` estimates the standard deviation of
/// normal data; used when the MAD is zero (more than half the peers share one value).
pub const MEAN_AD_FACTOR: Decimal = Decimal::from_parts(1_253_314, 0, 0, false, 6);

/// The cut-off Iglewicz and Hoaglin recommend for the modified z-score.
pub const DEFAULT_OUTLIER_THRESHOLD: Decimal = Decimal::from_parts(35, 0, 0, false, 1);

/// Peers needed by default before a value is compared with them.
pub const DEFAULT_MIN_PEERS: usize = 5;

/// Below three peers a median and a MAD say nothing (with two, the MAD is half their
/// distance whatever the data): no rule may ask for fewer.
pub const MIN_PEERS_FLOOR: usize = 3;

/// The shortest explanation accepted, in characters (see [`reason_problem`]).
pub const MIN_REASON_CHARS: usize = 10;

/// The peer rule as the page states it.
pub const OUTLIER_RULE: &str = "Giá trị được so với các đơn vị cùng nhóm (không tính chính đơn vị \
    đó) bằng điểm z hiệu chỉnh: z = 0,6745 × (giá trị − trung vị) ÷ MAD, trong đó MAD là trung \
    vị của độ lệch tuyệt đối so với trung vị. Giá trị bị đánh dấu khi |z| lớn hơn ngưỡng (mặc \
    định 3,5), bằng ngưỡng thì không. Khi MAD bằng 0, dùng 1,253314 × độ lệch tuyệt đối trung \
    bình; nếu mọi đơn vị so sánh có cùng một giá trị, giá trị khác giá trị đó bị đánh dấu. Cần \
    ít nhất số đơn vị so sánh tối thiểu của quy tắc (mặc định 5).";

/// The submission rule as the page states it.
pub const GATE_RULE: &str = "Lỗi “Chặn gửi” phải sửa trước khi gửi. Mỗi “Cảnh báo” cần một giải \
    trình (ít nhất 10 ký tự). “Lưu ý” chỉ để tham khảo.";

/// What a finding does to submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Shown, asks nothing.
    Info,
    /// Must be explained before the unit submits.
    Warning,
    /// Prevents submission until the value is corrected.
    Blocking,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Info, Severity::Warning, Severity::Blocking];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Blocking => "blocking",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str() == text.trim())
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Severity::Info => "Lưu ý",
            Severity::Warning => "Cảnh báo",
            Severity::Blocking => "Chặn gửi",
        }
    }
}

/// Which units a value is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerGroup {
    /// The communes of the same group (1-3) of the 2026-2030 set.
    CommuneGroup,
    /// The communes of the same district before the 2025 reform.
    FormerDistrict,
}

impl PeerGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            PeerGroup::CommuneGroup => "commune_group",
            PeerGroup::FormerDistrict => "former_district",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [PeerGroup::CommuneGroup, PeerGroup::FormerDistrict]
            .into_iter()
            .find(|g| g.as_str() == text.trim())
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            PeerGroup::CommuneGroup => "cùng nhóm xã",
            PeerGroup::FormerDistrict => "cùng huyện cũ",
        }
    }
}

/// What a rule checks. Indicator ids are the keys of the values (as stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    /// `part ≤ whole`.
    PartOfWhole { part: String, whole: String },
    /// `min ≤ value ≤ max`; an absent bound is not checked.
    Range {
        indicator: String,
        min: Option<Decimal>,
        max: Option<Decimal>,
    },
    /// `declared` is the pass/fail value by which the unit states that `criterion` is met;
    /// `indicators` are the criterion's indicators (from the criteria set).
    ReportedMetButMissing {
        criterion: String,
        declared: String,
        indicators: Vec<String>,
    },
    /// Against last year: fires when `|this| > factor·|last|` or `factor·|this| < |last|`,
    /// or when `|this − last| > amount`.
    YearJump {
        indicator: String,
        factor: Option<Decimal>,
        amount: Option<Decimal>,
    },
    /// Modified z-score against the peers (see the module documentation).
    PeerOutlier {
        indicator: String,
        peers: PeerGroup,
        threshold: Decimal,
        min_peers: usize,
    },
    /// A recognised unit failing a criterion of its level.
    RegressionAfterRecognition,
    /// A value deciding a met criterion without evidence.
    EvidenceCoverage,
}

impl RuleKind {
    /// A peer rule with the defaults (threshold 3.5, five peers).
    pub fn peer_outlier(indicator: &str, peers: PeerGroup) -> Self {
        RuleKind::PeerOutlier {
            indicator: indicator.to_owned(),
            peers,
            threshold: DEFAULT_OUTLIER_THRESHOLD,
            min_peers: DEFAULT_MIN_PEERS,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            RuleKind::PartOfWhole { .. } => "part_of_whole",
            RuleKind::Range { .. } => "range",
            RuleKind::ReportedMetButMissing { .. } => "reported_met_but_missing",
            RuleKind::YearJump { .. } => "year_jump",
            RuleKind::PeerOutlier { .. } => "peer_outlier",
            RuleKind::RegressionAfterRecognition => "regression_after_recognition",
            RuleKind::EvidenceCoverage => "evidence_coverage",
        }
    }

    pub fn label_vi(&self) -> &'static str {
        match self {
            RuleKind::PartOfWhole { .. } => "phần không vượt tổng",
            RuleKind::Range { .. } => "giá trị trong khoảng",
            RuleKind::ReportedMetButMissing { .. } => "tự đánh giá đạt nhưng thiếu số liệu",
            RuleKind::YearJump { .. } => "biến động bất thường so với năm trước",
            RuleKind::PeerOutlier { .. } => "khác thường so với đơn vị cùng nhóm",
            RuleKind::RegressionAfterRecognition => "không còn đạt sau khi được công nhận",
            RuleKind::EvidenceCoverage => "thiếu minh chứng",
        }
    }
}

/// One check the office defines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    /// What the office reads, in Vietnamese.
    pub title: String,
    pub severity: Severity,
    pub kind: RuleKind,
    /// The act or instruction the rule rests on, if any.
    pub source: Option<String>,
    pub note: Option<String>,
}

/// Why a rule or an explanation is refused; the message is for users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QualityError {
    #[error("quy tắc thiếu mã")]
    EmptyId,
    #[error("quy tắc {rule}: thiếu tiêu đề")]
    EmptyTitle { rule: String },
    #[error("quy tắc {rule}: thiếu mã chỉ tiêu")]
    EmptyIndicator { rule: String },
    #[error("quy tắc {rule}: thiếu mã tiêu chí")]
    EmptyCriterion { rule: String },
    #[error("quy tắc {rule}: phần và tổng cùng là chỉ tiêu {indicator}")]
    PartIsWhole { rule: String, indicator: String },
    #[error("quy tắc {rule}: cần ít nhất một giới hạn (tối thiểu hoặc tối đa)")]
    NoBound { rule: String },
    #[error("quy tắc {rule}: mức tối thiểu {} lớn hơn mức tối đa {}", text::vi_number(*.min), text::vi_number(*.max))]
    MinAboveMax {
        rule: String,
        min: Decimal,
        max: Decimal,
    },
    #[error("quy tắc {rule}: cần hệ số hoặc mức chênh lệch")]
    NoJumpLimit { rule: String },
    #[error("quy tắc {rule}: hệ số phải lớn hơn 1 (đang là {})", text::vi_number(*.factor))]
    FactorNotAboveOne { rule: String, factor: Decimal },
    #[error("quy tắc {rule}: mức chênh lệch phải lớn hơn 0 (đang là {})", text::vi_number(*.amount))]
    AmountNotPositive { rule: String, amount: Decimal },
    #[error("quy tắc {rule}: ngưỡng điểm z phải lớn hơn 0 (đang là {})", text::vi_number(*.threshold))]
    ThresholdNotPositive { rule: String, threshold: Decimal },
    #[error("quy tắc {rule}: cần so với ít nhất {MIN_PEERS_FLOOR} đơn vị (đang là {min_peers})")]
    TooFewMinPeers { rule: String, min_peers: usize },
    #[error("quy tắc {rule}: cần danh sách chỉ tiêu của tiêu chí")]
    NoIndicators { rule: String },
    #[error("mã quy tắc {rule} bị dùng hai lần")]
    DuplicateRule { rule: String },
    #[error("lời giải trình cần ít nhất {MIN_REASON_CHARS} ký tự (đang có {chars})")]
    ReasonTooShort { chars: usize },
}

impl Rule {
    /// Checks what the rule says on its own; the messages are for the office.
    pub fn validate(&self) -> Result<(), QualityError> {
        let rule = || self.id.clone();
        if self.id.trim().is_empty() {
            return Err(QualityError::EmptyId);
        }
        if self.title.trim().is_empty() {
            return Err(QualityError::EmptyTitle { rule: rule() });
        }
        let indicator = |id: &str| {
            if id.trim().is_empty() {
                Err(QualityError::EmptyIndicator { rule: rule() })
            } else {
                Ok(())
            }
        };
        match &self.kind {
            RuleKind::PartOfWhole { part, whole } => {
                indicator(part)?;
                indicator(whole)?;
                if part.trim() == whole.trim() {
                    return Err(QualityError::PartIsWhole {
                        rule: rule(),
                        indicator: part.clone(),
                    });
                }
            }
            RuleKind::Range {
                indicator: id,
                min,
                max,
            } => {
                indicator(id)?;
                match (min, max) {
                    (None, None) => return Err(QualityError::NoBound { rule: rule() }),
                    (Some(min), Some(max)) if min > max => {
                        return Err(QualityError::MinAboveMax {
                            rule: rule(),
                            min: *min,
                            max: *max,
                        });
                    }
                    _ => {}
                }
            }
            RuleKind::ReportedMetButMissing {
                criterion,
                declared,
                indicators,
            } => {
                if criterion.trim().is_empty() {
                    return Err(QualityError::EmptyCriterion { rule: rule() });
                }
                indicator(declared)?;
                if indicators.is_empty() {
                    return Err(QualityError::NoIndicators { rule: rule() });
                }
                indicators.iter().try_for_each(|i| indicator(i))?;
            }
            RuleKind::YearJump {
                indicator: id,
                factor,
                amount,
            } => {
                indicator(id)?;
                if factor.is_none() && amount.is_none() {
                    return Err(QualityError::NoJumpLimit { rule: rule() });
                }
                if let Some(f) = factor
                    && *f <= Decimal::ONE
                {
                    return Err(QualityError::FactorNotAboveOne {
                        rule: rule(),
                        factor: *f,
                    });
                }
                if let Some(a) = amount
                    && *a <= Decimal::ZERO
                {
                    return Err(QualityError::AmountNotPositive {
                        rule: rule(),
                        amount: *a,
                    });
                }
            }
            RuleKind::PeerOutlier {
                indicator: id,
                threshold,
                min_peers,
                ..
            } => {
                indicator(id)?;
                if *threshold <= Decimal::ZERO {
                    return Err(QualityError::ThresholdNotPositive {
                        rule: rule(),
                        threshold: *threshold,
                    });
                }
                if *min_peers < MIN_PEERS_FLOOR {
                    return Err(QualityError::TooFewMinPeers {
                        rule: rule(),
                        min_peers: *min_peers,
                    });
                }
            }
            RuleKind::RegressionAfterRecognition | RuleKind::EvidenceCoverage => {}
        }
        Ok(())
    }
}

/// Checks every rule and that no two share an id (explanations are matched by rule id):
/// every problem, in the rules' order.
pub fn validate_rules(rules: &[Rule]) -> Result<(), Vec<QualityError>> {
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rules {
        if let Err(e) = r.validate() {
            problems.push(e);
        }
        if !r.id.trim().is_empty() && !seen.insert(r.id.trim()) {
            problems.push(QualityError::DuplicateRule { rule: r.id.clone() });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Display names of indicators and criteria, by id; an unknown id is shown by its id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub indicators: BTreeMap<String, String>,
    pub criteria: BTreeMap<String, String>,
}

impl Names {
    /// The names a criteria set gives.
    pub fn from_set(set: &CriteriaSet) -> Self {
        let mut names = Names::default();
        for c in &set.criteria {
            names.criteria.insert(c.id.clone(), c.name.clone());
            for i in &c.indicators {
                names.indicators.insert(i.id.clone(), i.name.clone());
            }
        }
        names
    }

    /// An indicator as it starts a sentence: its name, or "Chỉ tiêu 1.2".
    pub fn indicator(&self, id: &str) -> String {
        self.indicators
            .get(id)
            .filter(|n| !n.trim().is_empty())
            .map_or_else(|| format!("Chỉ tiêu {id}"), |n| n.trim().to_owned())
    }

    /// A criterion in a sentence: "tiêu chí 5 “Trường học”", or "tiêu chí 5".
    pub fn criterion(&self, id: &str) -> String {
        match self.criteria.get(id).filter(|n| !n.trim().is_empty()) {
            Some(name) => format!("tiêu chí {id} “{}”", name.trim()),
            None => format!("tiêu chí {id}"),
        }
    }
}

/// A name inside a sentence: the first letter lowered, unless the name starts with an
/// acronym ("OCOP", "ĐT") that must keep its capitals.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(first), second) if second.is_none_or(|c| !c.is_uppercase()) => {
            first.to_lowercase().chain(name.chars().skip(1)).collect()
        }
        _ => name.to_owned(),
    }
}

fn num(d: Decimal) -> String {
    text::vi_number(d)
}

/// The numbers behind a finding, for the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detail {
    PartOfWhole {
        part: Decimal,
        whole: Decimal,
    },
    Range {
        value: Decimal,
        min: Option<Decimal>,
        max: Option<Decimal>,
    },
    /// `status` is [`IndicatorStatus::Missing`] or [`IndicatorStatus::Unmet`].
    ReportedMet {
        declared: String,
        status: IndicatorStatus,
    },
    YearJump {
        value: Decimal,
        last: Decimal,
        /// `|value| / |last|`, rounded to four places; `None` when last year was zero.
        ratio: Option<Decimal>,
        /// `value − last`.
        change: Decimal,
        by_factor: bool,
        by_amount: bool,
    },
    PeerOutlier {
        value: Decimal,
        group: PeerGroup,
        stats: PeerStats,
        /// Rounded to four places; `None` when every peer has one same value and this value
        /// differs from it (no spread to measure by).
        z: Option<Decimal>,
        threshold: Decimal,
    },
    Regression {
        level: Level,
        decision: String,
    },
    /// Every criterion the value decides, by id.
    Evidence {
        criteria: Vec<String>,
    },
}

/// One thing a rule found in one unit's year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule_id: String,
    pub severity: Severity,
    pub unit: UnitId,
    pub year: i32,
    pub indicator: Option<String>,
    pub criterion: Option<String>,
    /// The finding in words: which value, what was expected.
    pub message_vi: String,
    pub detail: Detail,
}

/// What identifies a finding across re-checks: the numbers in its message may change (a
/// neighbour corrected its value), the explanation given for it still applies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FindingKey {
    pub rule_id: String,
    pub unit: UnitId,
    pub year: i32,
    pub indicator: Option<String>,
    pub criterion: Option<String>,
}

impl Finding {
    pub fn key(&self) -> FindingKey {
        FindingKey {
            rule_id: self.rule_id.clone(),
            unit: self.unit.clone(),
            year: self.year,
            indicator: self.indicator.clone(),
            criterion: self.criterion.clone(),
        }
    }
}

fn finding(
    rule: &Rule,
    unit: &UnitId,
    year: i32,
    indicator: Option<&str>,
    criterion: Option<&str>,
    message_vi: String,
    detail: Detail,
) -> Finding {
    Finding {
        rule_id: rule.id.clone(),
        severity: rule.severity,
        unit: unit.clone(),
        year,
        indicator: indicator.map(str::to_owned),
        criterion: criterion.map(str::to_owned),
        message_vi,
        detail,
    }
}

/// One unit's year as the value rules read it.
#[derive(Debug, Clone, Copy)]
pub struct UnitYearInputs<'a> {
    pub unit: &'a UnitId,
    pub year: i32,
    /// The values of the year, by indicator id.
    pub values: &'a BTreeMap<String, Value>,
    /// Last year's values, when there are any.
    pub last_year: Option<&'a BTreeMap<String, Value>>,
    /// The evaluation's verdict per indicator id (see [`indicator_statuses`]); read only by
    /// [`RuleKind::ReportedMetButMissing`].
    pub statuses: &'a BTreeMap<String, IndicatorStatus>,
    pub names: &'a Names,
}

impl UnitYearInputs<'_> {
    /// A number, or nothing: a pass/fail value in a numeric rule is the evaluation's
    /// problem to report, not a quality finding.
    fn number(&self, id: &str) -> Option<Decimal> {
        self.values.get(id).and_then(Value::as_number)
    }
}

/// The evaluation's verdict per indicator id of one set, for [`UnitYearInputs::statuses`].
pub fn indicator_statuses(result: &SetResult<'_>) -> BTreeMap<String, IndicatorStatus> {
    result
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .map(|i| (i.indicator.id.clone(), i.status))
        .collect()
}

/// The criteria of one set with their verdicts, in the set's order, for
/// [`check_regression`].
pub fn criterion_statuses(result: &SetResult<'_>) -> Vec<(String, CriterionStatus)> {
    result
        .criteria
        .iter()
        .map(|c| (c.criterion.id.clone(), c.status))
        .collect()
}

/// Checks the rules that read one unit's values (part of whole, range, reported met, year
/// jump), in the rules' order; the other kinds are skipped here (they need their own
/// inputs: see the module documentation).
pub fn check_unit(rules: &[Rule], inputs: &UnitYearInputs<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules {
        match &rule.kind {
            RuleKind::PartOfWhole { part, whole } => {
                out.extend(check_part_of_whole(rule, inputs, part, whole));
            }
            RuleKind::Range {
                indicator,
                min,
                max,
            } => out.extend(check_range(rule, inputs, indicator, *min, *max)),
            RuleKind::ReportedMetButMissing {
                criterion,
                declared,
                indicators,
            } => out.extend(check_reported_met(
                rule, inputs, criterion, declared, indicators,
            )),
            RuleKind::YearJump {
                indicator,
                factor,
                amount,
            } => out.extend(check_year_jump(rule, inputs, indicator, *factor, *amount)),
            RuleKind::PeerOutlier { .. }
            | RuleKind::RegressionAfterRecognition
            | RuleKind::EvidenceCoverage => {}
        }
    }
    out
}

fn check_part_of_whole(
    rule: &Rule,
    inputs: &UnitYearInputs<'_>,
    part: &str,
    whole: &str,
) -> Option<Finding> {
    let (p, w) = (inputs.number(part)?, inputs.number(whole)?);
    (p > w).then(|| {
        finding(
            rule,
            inputs.unit,
            inputs.year,
            Some(part),
            None,
            format!(
                "{} ({}) lớn hơn {} ({})",
                inputs.names.indicator(part),
                num(p),
                in_sentence(&inputs.names.indicator(whole)),
                num(w)
            ),
            Detail::PartOfWhole { part: p, whole: w },
        )
    })
}

fn check_range(
    rule: &Rule,
    inputs: &UnitYearInputs<'_>,
    indicator: &str,
    min: Option<Decimal>,
    max: Option<Decimal>,
) -> Option<Finding> {
    let v = inputs.number(indicator)?;
    let name = inputs.names.indicator(indicator);
    let message = match (min, max) {
        (Some(lo), _) if v < lo => format!("{name} ({}) nhỏ hơn mức tối thiểu {}", num(v), num(lo)),
        (_, Some(hi)) if v > hi => format!("{name} ({}) lớn hơn mức tối đa {}", num(v), num(hi)),
        _ => return None,
    };
    Some(finding(
        rule,
        inputs.unit,
        inputs.year,
        Some(indicator),
        None,
        message,
        Detail::Range { value: v, min, max },
    ))
}

/// One finding per indicator of the criterion that is missing or unmet while the unit
/// declares the criterion met. An unconfigured indicator is not judged (it is neither met
/// nor unmet); an indicator the evaluation did not see is missing only if it has no value.
fn check_reported_met(
    rule: &Rule,
    inputs: &UnitYearInputs<'_>,
    criterion: &str,
    declared: &str,
    indicators: &[String],
) -> Vec<Finding> {
    if inputs.values.get(declared) != Some(&Value::Pass(true)) {
        return Vec::new();
    }
    indicators
        .iter()
        .filter_map(|id| {
            let status = match inputs.statuses.get(id) {
                Some(IndicatorStatus::Missing) => IndicatorStatus::Missing,
                Some(IndicatorStatus::Unmet) => IndicatorStatus::Unmet,
                Some(IndicatorStatus::Met | IndicatorStatus::Unconfigured) => return None,
                None if inputs.values.contains_key(id) => return None,
                None => IndicatorStatus::Missing,
            };
            let name = in_sentence(&inputs.names.indicator(id));
            let what = match (status, inputs.values.get(id)) {
                (IndicatorStatus::Unmet, Some(v)) => format!("{name} ({v}) chưa đạt"),
                (IndicatorStatus::Unmet, None) => format!("{name} chưa đạt"),
                _ => format!("{name} chưa có số liệu"),
            };
            Some(finding(
                rule,
                inputs.unit,
                inputs.year,
                Some(id),
                Some(criterion),
                format!(
                    "Đơn vị tự đánh giá đạt {} nhưng {what}",
                    inputs.names.criterion(criterion)
                ),
                Detail::ReportedMet {
                    declared: declared.to_owned(),
                    status,
                },
            ))
        })
        .collect()
}

/// Needs both years' numbers. With last year at zero the ratio is undefined (every first
/// connection to the grid would be "infinitely" up), so only `amount` can fire; a drop to
/// zero from a non-zero value does fire by the ratio (a value blanked to 0 is a classic
/// slip).
fn check_year_jump(
    rule: &Rule,
    inputs: &UnitYearInputs<'_>,
    indicator: &str,
    factor: Option<Decimal>,
    amount: Option<Decimal>,
) -> Option<Finding> {
    let v = inputs.number(indicator)?;
    let last = inputs
        .last_year?
        .get(indicator)
        .and_then(Value::as_number)?;
    let (av, al) = (v.abs(), last.abs());
    let change = v.checked_sub(last)?;
    let (mut up, mut down) = (false, false);
    if let Some(f) = factor
        && !al.is_zero()
    {
        up = av > f.checked_mul(al)?;
        down = f.checked_mul(av)? < al;
    }
    let by_amount = amount.is_some_and(|a| change.abs() > a);
    if !(up || down || by_amount) {
        return None;
    }
    let ratio = (!al.is_zero())
        .then(|| av.checked_div(al).map(|r| r.round_dp(4)))
        .flatten();
    let mut reasons = Vec::new();
    if let (true, Some(f), Some(r)) = (up, factor, ratio) {
        reasons.push(format!(
            "gấp {} lần, vượt ngưỡng {} lần",
            num(r.round_dp(2)),
            num(f)
        ));
    }
    if let (true, Some(f), Some(r)) = (down, factor, ratio) {
        reasons.push(format!(
            "chỉ còn {} lần năm trước, dưới ngưỡng 1/{}",
            num(r.round_dp(2)),
            num(f)
        ));
    }
    if let (true, Some(a)) = (by_amount, amount) {
        reasons.push(format!(
            "chênh lệch {}, vượt mức {}",
            num(change.abs()),
            num(a)
        ));
    }
    let (verb, to) = if v >= last {
        ("tăng", "lên")
    } else {
        ("giảm", "xuống")
    };
    Some(finding(
        rule,
        inputs.unit,
        inputs.year,
        Some(indicator),
        None,
        format!(
            "{} {verb} từ {} (năm {}) {to} {} (năm {}): {}",
            inputs.names.indicator(indicator),
            num(last),
            inputs.year - 1,
            num(v),
            inputs.year,
            reasons.join("; ")
        ),
        Detail::YearJump {
            value: v,
            last,
            ratio,
            change,
            by_factor: up || down,
            by_amount,
        },
    ))
}

/// Which measure of spread the z-score used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Spread {
    /// The median absolute deviation.
    Mad,
    /// The MAD was zero: `1.253314 ×` the mean absolute deviation from the median.
    MeanAbsoluteDeviation,
    /// Every peer has the same value: any other value is unusual, none is measurable.
    None,
}

/// The peers a value was compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerStats {
    /// The peers, by id (never the unit itself).
    pub peers: Vec<UnitId>,
    pub count: usize,
    pub median: Decimal,
    /// Median absolute deviation from the median.
    pub mad: Decimal,
    /// Mean absolute deviation from the median.
    pub mean_ad: Decimal,
    pub spread: Spread,
}

/// What comparing a value with its peers gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerOutcome {
    Outlier(Finding),
    Within {
        stats: PeerStats,
        z: Option<Decimal>,
    },
    /// Not enough peers to say anything: no finding, but the page can say why.
    TooFewPeers {
        have: usize,
        need: usize,
    },
    /// The values are beyond what exact decimal arithmetic holds (around 10²⁷): never an
    /// indicator's value, but refused rather than panicking.
    TooLarge,
}

impl PeerOutcome {
    pub fn finding(&self) -> Option<&Finding> {
        match self {
            PeerOutcome::Outlier(f) => Some(f),
            _ => None,
        }
    }
    pub fn into_finding(self) -> Option<Finding> {
        match self {
            PeerOutcome::Outlier(f) => Some(f),
            _ => None,
        }
    }
}

fn median(sorted: &[Decimal]) -> Option<Decimal> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => sorted[n / 2 - 1]
            .checked_add(sorted[n / 2])?
            .checked_div(Decimal::TWO),
    }
}

/// The statistics of the peers and the sum of absolute deviations; `None` on overflow.
fn peer_stats(peers: &[(UnitId, Decimal)]) -> Option<(PeerStats, Decimal)> {
    let mut ids: Vec<UnitId> = peers.iter().map(|(u, _)| u.clone()).collect();
    ids.sort();
    let mut values: Vec<Decimal> = peers.iter().map(|(_, v)| *v).collect();
    values.sort();
    let m = median(&values)?;
    let mut deviations = values
        .iter()
        .map(|v| v.checked_sub(m).map(|d| d.abs()))
        .collect::<Option<Vec<Decimal>>>()?;
    deviations.sort();
    let mad = median(&deviations)?;
    let sum = deviations
        .iter()
        .try_fold(Decimal::ZERO, |s, d| s.checked_add(*d))?;
    let n = Decimal::from(values.len());
    let mean_ad = sum.checked_div(n)?;
    let spread = if !mad.is_zero() {
        Spread::Mad
    } else if !sum.is_zero() {
        Spread::MeanAbsoluteDeviation
    } else {
        Spread::None
    };
    let stats = PeerStats {
        count: ids.len(),
        peers: ids,
        median: m,
        mad,
        mean_ad,
        spread,
    };
    Some((stats, sum))
}

/// Whether `x` is an outlier among the peers, and its z (rounded). The comparison is done
/// by multiplication, never by a rounded quotient, so that a z exactly at the threshold
/// is exactly at it (and does not fire).
fn judge(
    x: Decimal,
    stats: &PeerStats,
    sum: Decimal,
    threshold: Decimal,
) -> Option<(bool, Option<Decimal>)> {
    let diff = x.checked_sub(stats.median)?;
    let dev = diff.abs();
    let n = Decimal::from(stats.count);
    Some(match stats.spread {
        Spread::Mad => (
            dev.checked_mul(MAD_FACTOR)? > threshold.checked_mul(stats.mad)?,
            Some(
                diff.checked_mul(MAD_FACTOR)?
                    .checked_div(stats.mad)?
                    .round_dp(4),
            ),
        ),
        Spread::MeanAbsoluteDeviation => {
            let scale = MEAN_AD_FACTOR.checked_mul(sum)?;
            (
                dev.checked_mul(n)? > threshold.checked_mul(scale)?,
                Some(diff.checked_mul(n)?.checked_div(scale)?.round_dp(4)),
            )
        }
        Spread::None => (!dev.is_zero(), dev.is_zero().then_some(Decimal::ZERO)),
    })
}

/// Compares one unit's value with its peers' under a [`RuleKind::PeerOutlier`] rule;
/// `None` for a rule of another kind. The unit is left out of `peers` if it is there, so a
/// caller may pass its whole group.
pub fn check_peers(
    rule: &Rule,
    unit: &UnitId,
    year: i32,
    value: Decimal,
    peers: &[(UnitId, Decimal)],
    names: &Names,
) -> Option<PeerOutcome> {
    let RuleKind::PeerOutlier {
        indicator,
        peers: group,
        threshold,
        min_peers,
    } = &rule.kind
    else {
        return None;
    };
    let others: Vec<(UnitId, Decimal)> = peers.iter().filter(|(u, _)| u != unit).cloned().collect();
    let need = (*min_peers).max(MIN_PEERS_FLOOR);
    if others.len() < need {
        return Some(PeerOutcome::TooFewPeers {
            have: others.len(),
            need,
        });
    }
    let Some((stats, sum)) = peer_stats(&others) else {
        return Some(PeerOutcome::TooLarge);
    };
    let Some((fires, z)) = judge(value, &stats, sum, *threshold) else {
        return Some(PeerOutcome::TooLarge);
    };
    if !fires {
        return Some(PeerOutcome::Within { stats, z });
    }
    let name = names.indicator(indicator);
    let message = match (stats.spread, z) {
        (Spread::None, _) | (_, None) => format!(
            "{name} ({}) khác mọi {} đơn vị {}: tất cả đều là {}",
            num(value),
            stats.count,
            group.label_vi(),
            num(stats.median)
        ),
        (spread, Some(z)) => format!(
            "{name} ({}) khác thường so với {} đơn vị {}: trung vị {}, {}, điểm z hiệu chỉnh {} \
             vượt ngưỡng ±{}",
            num(value),
            stats.count,
            group.label_vi(),
            num(stats.median),
            if spread == Spread::Mad {
                format!(
                    "độ lệch tuyệt đối trung vị (MAD) {}",
                    num(stats.mad.round_dp(4))
                )
            } else {
                format!(
                    "MAD bằng 0 nên dùng độ lệch tuyệt đối trung bình {}",
                    num(stats.mean_ad.round_dp(4))
                )
            },
            num(z.round_dp(2)),
            num(*threshold)
        ),
    };
    Some(PeerOutcome::Outlier(finding(
        rule,
        unit,
        year,
        Some(indicator),
        None,
        message,
        Detail::PeerOutlier {
            value,
            group: *group,
            stats,
            z,
            threshold: *threshold,
        },
    )))
}

/// One unit's value with its peer key (see [`peer_key`]) for [`check_peer_groups`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerValue {
    pub unit: UnitId,
    pub key: String,
    pub value: Decimal,
}

/// Compares every unit with the others of its key; by unit id. Empty for a rule of
/// another kind. A unit without a value or a key is simply not in `values`.
pub fn check_peer_groups(
    rule: &Rule,
    year: i32,
    values: &[PeerValue],
    names: &Names,
) -> Vec<(UnitId, PeerOutcome)> {
    let mut groups: BTreeMap<&str, Vec<(UnitId, Decimal)>> = BTreeMap::new();
    for v in values {
        groups
            .entry(v.key.as_str())
            .or_default()
            .push((v.unit.clone(), v.value));
    }
    let mut out: Vec<(UnitId, PeerOutcome)> = values
        .iter()
        .filter_map(|v| {
            let peers = groups.get(v.key.as_str())?;
            check_peers(rule, &v.unit, year, v.value, peers, names).map(|o| (v.unit.clone(), o))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// A unit's peer key in `year`: its commune group, or the district it was in before the
/// 2025 reform — for a commune formed by merger, the district all its predecessors were
/// in, and none when they came from different districts (its peers are then no one's to
/// guess).
pub fn peer_key(
    registry: &UnitRegistry,
    unit: &UnitId,
    year: i32,
    group: PeerGroup,
) -> Option<String> {
    match group {
        PeerGroup::CommuneGroup => registry
            .attribute_in_year(unit, AttributeKey::CommuneGroup, year)
            .map(|a| a.value.trim().to_owned()),
        PeerGroup::FormerDistrict => {
            former_district(registry, unit, Some(year), 8).map(|d| d.as_str().to_owned())
        }
    }
}

fn former_district(
    registry: &UnitRegistry,
    unit: &UnitId,
    year: Option<i32>,
    depth: u8,
) -> Option<UnitId> {
    let u = registry.get(unit)?;
    let version = year
        .and_then(|y| u.version_in_year(y))
        .unwrap_or_else(|| u.latest());
    if let Some(parent) = &version.parent
        && registry.get(parent)?.level == UnitLevel::District
    {
        return Some(parent.clone());
    }
    if depth == 0 {
        return None;
    }
    let mut found: Option<UnitId> = None;
    for edge in registry.predecessors(unit) {
        let district = former_district(registry, &edge.from, None, depth - 1)?;
        match &found {
            Some(f) if *f != district => return None,
            _ => found = Some(district),
        }
    }
    found
}

/// A unit's recognition as the caller holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    pub level: Level,
    /// The decision in words, e.g. from [`crate::recognition::Decision::describe_vi`].
    pub decision: String,
}

/// One finding per criterion the approved evaluation says is unmet (in `approved`'s
/// order), for a unit recognised at a level; `approved` holds the criteria of that level's
/// set (see [`criterion_statuses`]), one set per rule, since criterion ids repeat across
/// sets. A criterion of unknown status is not a regression: missing data is not evidence
/// that the unit fell back.
pub fn check_regression(
    rule: &Rule,
    unit: &UnitId,
    year: i32,
    recognised: &Recognised,
    approved: &[(String, CriterionStatus)],
    names: &Names,
) -> Vec<Finding> {
    if rule.kind != RuleKind::RegressionAfterRecognition || recognised.level == Level::None {
        return Vec::new();
    }
    approved
        .iter()
        .filter(|(_, s)| *s == CriterionStatus::Unmet)
        .map(|(c, _)| {
            finding(
                rule,
                unit,
                year,
                None,
                Some(c),
                format!(
                    "Đơn vị đã được công nhận mức “{}” ({}) nhưng theo kết quả đánh giá đã duyệt \
                     năm {year}, {} chưa đạt",
                    recognised.level.label_vi(),
                    recognised.decision,
                    names.criterion(c)
                ),
                Detail::Regression {
                    level: recognised.level,
                    decision: recognised.decision.clone(),
                },
            )
        })
        .collect()
}

/// One finding per value that decides a met criterion and has no evidence, by indicator
/// id: `deciding` maps each met criterion to the indicator ids that decide it, and a value
/// deciding two criteria is still one value. The finding names the first criterion (by
/// id); its detail lists them all.
pub fn check_evidence(
    rule: &Rule,
    unit: &UnitId,
    year: i32,
    deciding: &BTreeMap<String, Vec<String>>,
    with_evidence: &BTreeSet<String>,
    names: &Names,
) -> Vec<Finding> {
    if rule.kind != RuleKind::EvidenceCoverage {
        return Vec::new();
    }
    let mut lacking: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (criterion, indicators) in deciding {
        for i in indicators {
            if !with_evidence.contains(i) {
                let list = lacking.entry(i.as_str()).or_default();
                if !list.contains(criterion) {
                    list.push(criterion.clone());
                }
            }
        }
    }
    lacking
        .into_iter()
        .map(|(indicator, criteria)| {
            let first = criteria.first().cloned();
            finding(
                rule,
                unit,
                year,
                Some(indicator),
                first.as_deref(),
                format!(
                    "{} quyết định {} đạt nhưng chưa có minh chứng",
                    names.indicator(indicator),
                    criteria
                        .iter()
                        .map(|c| names.criterion(c))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                Detail::Evidence { criteria },
            )
        })
        .collect()
}

/// A unit's explanation of a warning, given for one submission (one unit and year).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub rule_id: String,
    pub indicator: Option<String>,
    /// Matched too: a regression finding has no indicator, only its criterion.
    pub criterion: Option<String>,
    pub reason: String,
}

impl Explanation {
    /// The explanation of `finding`, matching it by rule, indicator and criterion.
    pub fn for_finding(finding: &Finding, reason: &str) -> Self {
        Explanation {
            rule_id: finding.rule_id.clone(),
            indicator: finding.indicator.clone(),
            criterion: finding.criterion.clone(),
            reason: reason.to_owned(),
        }
    }

    pub fn matches(&self, finding: &Finding) -> bool {
        self.rule_id == finding.rule_id
            && self.indicator == finding.indicator
            && self.criterion == finding.criterion
    }
}

/// Why a reason is not an explanation, if it is not: fewer than [`MIN_REASON_CHARS`]
/// characters once trimmed, with runs of spaces counted as one and Vietnamese letters
/// counted as typed (NFC: "ạ" is one character, whatever the keyboard sent). Ten
/// characters is "số liệu đúng" but not "ok" nor "đúng": enough to ask for a sentence,
/// not enough to judge it — the office reads it.
pub fn reason_problem(reason: &str) -> Option<QualityError> {
    let text = text::nfc(reason);
    let chars = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .count();
    (chars < MIN_REASON_CHARS).then_some(QualityError::ReasonTooShort { chars })
}

/// The findings sorted for submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate<'a> {
    /// Prevent submission, explained or not.
    pub blocking: Vec<&'a Finding>,
    /// Warnings without an acceptable explanation.
    pub unexplained_warnings: Vec<&'a Finding>,
    /// Warnings with the explanation that covers them.
    pub explained: Vec<(&'a Finding, &'a Explanation)>,
    pub info: Vec<&'a Finding>,
}

impl Gate<'_> {
    pub fn may_submit(&self) -> bool {
        self.blocking.is_empty() && self.unexplained_warnings.is_empty()
    }
}

/// Sorts one submission's findings by what they ask, keeping their order. A warning is
/// explained by the first matching explanation whose reason is acceptable
/// ([`reason_problem`]); a blocking finding cannot be explained away.
pub fn submission_gate<'a>(findings: &'a [Finding], explanations: &'a [Explanation]) -> Gate<'a> {
    let mut gate = Gate {
        blocking: Vec::new(),
        unexplained_warnings: Vec::new(),
        explained: Vec::new(),
        info: Vec::new(),
    };
    for f in findings {
        match f.severity {
            Severity::Blocking => gate.blocking.push(f),
            Severity::Info => gate.info.push(f),
            Severity::Warning => match explanations
                .iter()
                .find(|e| e.matches(f) && reason_problem(&e.reason).is_none())
            {
                Some(e) => gate.explained.push((f, e)),
                None => gate.unexplained_warnings.push(f),
            },
        }
    }
    gate
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    use chrono::NaiveDate;
    use proptest::prelude::*;

    use crate::criteria::tests::{complete, criterion, indicator};
    use crate::criteria::{Catalogue, Comparison, Selector, SetId};
    use crate::evaluation::{Inputs, UnitContext, evaluate_set};
    use crate::unit::{
        LineageEdge, LineageKind, Period, Unit, UnitAttribute, UnitType, UnitVersion,
    };

    /// An optional number or text of a table row.
    type Text = Option<&'static str>;
    /// A value and the evaluation's status of one indicator.
    type Entry = (Text, Option<IndicatorStatus>);
    /// The findings expected: indicator and status.
    type Expected = Vec<(&'static str, IndicatorStatus)>;
    /// Findings, explanations, whether the unit may submit, the unexplained rule ids.
    type GateCase = (Vec<Finding>, Vec<Explanation>, bool, Vec<&'static str>);

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn uid(code: &str) -> UnitId {
        UnitId::new(code, NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())
    }

    fn rule(id: &str, severity: Severity, kind: RuleKind) -> Rule {
        Rule {
            id: id.into(),
            title: format!("Quy tắc {id}"),
            severity,
            kind,
            source: None,
            note: None,
        }
    }

    fn numbers(pairs: &[(&str, &str)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::Number(d(v))))
            .collect()
    }

    fn names() -> Names {
        Names {
            indicators: [
                ("nuoc", "Số hộ dùng nước sạch"),
                ("ho", "Tổng số hộ"),
                ("ocop", "OCOP: số sản phẩm"),
                ("tyle", "Tỷ lệ hộ nghèo"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
            criteria: [("5", "Trường học")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }

    /// The findings of one rule over this year's and last year's values.
    fn run(
        kind: RuleKind,
        values: &BTreeMap<String, Value>,
        last: Option<&BTreeMap<String, Value>>,
        statuses: &BTreeMap<String, IndicatorStatus>,
    ) -> Vec<Finding> {
        let unit = uid("1");
        let n = names();
        check_unit(
            &[rule("r", Severity::Warning, kind)],
            &UnitYearInputs {
                unit: &unit,
                year: 2024,
                values,
                last_year: last,
                statuses,
                names: &n,
            },
        )
    }

    fn part_of_whole() -> RuleKind {
        RuleKind::PartOfWhole {
            part: "nuoc".into(),
            whole: "ho".into(),
        }
    }

    #[test]
    fn a_part_fires_only_above_its_whole_and_never_without_both_values() {
        // (part, whole, fires)
        let table: [(Option<&str>, Option<&str>, bool); 7] = [
            (Some("1250"), Some("1200"), true),
            (Some("1200.01"), Some("1200"), true),
            (Some("1200"), Some("1200"), false),
            (Some("0"), Some("1200"), false),
            (None, Some("1200"), false),
            (Some("1250"), None, false),
            (None, None, false),
        ];
        for (part, whole, fires) in table {
            let pairs: Vec<(&str, &str)> = [("nuoc", part), ("ho", whole)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect();
            let got = run(part_of_whole(), &numbers(&pairs), None, &BTreeMap::new());
            assert_eq!(got.len(), usize::from(fires), "{part:?} / {whole:?}");
        }
        let got = run(
            part_of_whole(),
            &numbers(&[("nuoc", "1250"), ("ho", "1200")]),
            None,
            &BTreeMap::new(),
        );
        assert_eq!(
            got[0].message_vi,
            "Số hộ dùng nước sạch (1.250) lớn hơn tổng số hộ (1.200)"
        );
        assert_eq!(
            got[0].detail,
            Detail::PartOfWhole {
                part: d("1250"),
                whole: d("1200")
            }
        );
        assert_eq!(got[0].indicator.as_deref(), Some("nuoc"));
        assert_eq!(got[0].severity, Severity::Warning);
        // A verdict where a number belongs is the evaluation's problem, not this rule's.
        let mut values = numbers(&[("ho", "1200")]);
        values.insert("nuoc".into(), Value::Pass(true));
        assert!(run(part_of_whole(), &values, None, &BTreeMap::new()).is_empty());
    }

    #[test]
    fn a_range_is_inclusive_and_each_bound_is_optional() {
        // (min, max, value, expected message or None)
        let table: [(Text, Text, Text, Text); 9] = [
            (
                Some("0"),
                Some("100"),
                Some("105"),
                Some("Tỷ lệ hộ nghèo (105) lớn hơn mức tối đa 100"),
            ),
            (Some("0"), Some("100"), Some("100"), None),
            (Some("0"), Some("100"), Some("0"), None),
            (
                Some("0"),
                Some("100"),
                Some("-0.5"),
                Some("Tỷ lệ hộ nghèo (-0,5) nhỏ hơn mức tối thiểu 0"),
            ),
            (Some("0"), Some("100"), None, None),
            (
                Some("10"),
                None,
                Some("9.9"),
                Some("Tỷ lệ hộ nghèo (9,9) nhỏ hơn mức tối thiểu 10"),
            ),
            (Some("10"), None, Some("1000000"), None),
            (
                None,
                Some("5"),
                Some("5.1"),
                Some("Tỷ lệ hộ nghèo (5,1) lớn hơn mức tối đa 5"),
            ),
            (None, Some("5"), Some("-7"), None),
        ];
        for (min, max, value, expected) in table {
            let kind = RuleKind::Range {
                indicator: "tyle".into(),
                min: min.map(d),
                max: max.map(d),
            };
            let values = numbers(&value.map(|v| vec![("tyle", v)]).unwrap_or_default());
            let got = run(kind, &values, None, &BTreeMap::new());
            let messages: Vec<&str> = got.iter().map(|f| f.message_vi.as_str()).collect();
            assert_eq!(
                messages,
                expected.into_iter().collect::<Vec<_>>(),
                "{min:?}..{max:?} {value:?}"
            );
        }
    }

    fn jump(factor: Option<&str>, amount: Option<&str>) -> RuleKind {
        RuleKind::YearJump {
            indicator: "tyle".into(),
            factor: factor.map(d),
            amount: amount.map(d),
        }
    }

    #[test]
    fn a_year_jump_fires_up_down_and_by_amount_strictly_beyond_the_limit() {
        // (last year, this year, factor, amount, fires)
        let table: [(Text, Text, Text, Text, bool); 16] = [
            (Some("100"), Some("160"), Some("1.6"), None, false),
            (Some("100"), Some("160.01"), Some("1.6"), None, true),
            (Some("100"), Some("62.5"), Some("1.6"), None, false),
            (Some("100"), Some("62.49"), Some("1.6"), None, true),
            (Some("100"), Some("0"), Some("1.6"), None, true),
            (Some("20"), Some("95"), None, Some("40"), true),
            (Some("20"), Some("60"), None, Some("40"), false),
            (Some("95"), Some("20"), None, Some("40"), true),
            (Some("95"), Some("55"), None, Some("40"), false),
            (Some("0"), Some("50"), Some("1.6"), None, false),
            (Some("0"), Some("50"), Some("1.6"), Some("40"), true),
            (Some("80"), Some("85"), Some("1.6"), Some("40"), false),
            (Some("-10"), Some("-17"), Some("1.6"), None, true),
            (None, Some("95"), Some("1.6"), Some("40"), false),
            (Some("20"), None, Some("1.6"), Some("40"), false),
            (None, None, Some("1.6"), Some("40"), false),
        ];
        for (last, this, factor, amount, fires) in table {
            let values = numbers(&this.map(|v| vec![("tyle", v)]).unwrap_or_default());
            let previous = numbers(&last.map(|v| vec![("tyle", v)]).unwrap_or_default());
            let got = run(
                jump(factor, amount),
                &values,
                Some(&previous),
                &BTreeMap::new(),
            );
            assert_eq!(
                got.len(),
                usize::from(fires),
                "{last:?} → {this:?} ({factor:?}, {amount:?})"
            );
        }
        // Without last year's values, nothing to compare.
        let got = run(
            jump(Some("1.6"), Some("1")),
            &numbers(&[("tyle", "95")]),
            None,
            &BTreeMap::new(),
        );
        assert!(got.is_empty());
    }

    #[test]
    fn a_year_jump_says_which_way_and_by_how_much() {
        let go = |last: &str, this: &str, factor, amount| {
            let f = run(
                jump(factor, amount),
                &numbers(&[("tyle", this)]),
                Some(&numbers(&[("tyle", last)])),
                &BTreeMap::new(),
            );
            f.into_iter().next().unwrap()
        };
        let up = go("20", "95", Some("1.6"), Some("40"));
        assert_eq!(
            up.message_vi,
            "Tỷ lệ hộ nghèo tăng từ 20 (năm 2023) lên 95 (năm 2024): gấp 4,75 lần, vượt ngưỡng \
             1,6 lần; chênh lệch 75, vượt mức 40"
        );
        assert_eq!(
            up.detail,
            Detail::YearJump {
                value: d("95"),
                last: d("20"),
                ratio: Some(d("4.75")),
                change: d("75"),
                by_factor: true,
                by_amount: true
            }
        );
        let down = go("95", "20", Some("1.6"), None);
        assert_eq!(
            down.message_vi,
            "Tỷ lệ hộ nghèo giảm từ 95 (năm 2023) xuống 20 (năm 2024): chỉ còn 0,21 lần năm \
             trước, dưới ngưỡng 1/1,6"
        );
        let from_zero = go("0", "50", Some("1.6"), Some("40"));
        assert!(matches!(
            from_zero.detail,
            Detail::YearJump {
                ratio: None,
                by_factor: false,
                by_amount: true,
                ..
            }
        ));
    }

    fn reported() -> RuleKind {
        RuleKind::ReportedMetButMissing {
            criterion: "5".into(),
            declared: "5.tu".into(),
            indicators: vec!["5.1".into(), "5.2".into()],
        }
    }

    #[test]
    fn a_criterion_declared_met_with_a_missing_or_unmet_indicator_fires_per_indicator() {
        use IndicatorStatus::*;
        // (declared, 5.1 value and status, 5.2 value and status, expected (indicator, status))
        let table: [(Option<bool>, Entry, Entry, Expected); 8] = [
            (
                Some(true),
                (Some("90"), Some(Met)),
                (None, Some(Missing)),
                vec![("5.2", Missing)],
            ),
            (
                Some(true),
                (Some("40"), Some(Unmet)),
                (Some("90"), Some(Met)),
                vec![("5.1", Unmet)],
            ),
            (
                Some(true),
                (None, None),
                (Some("40"), Some(Unmet)),
                vec![("5.1", Missing), ("5.2", Unmet)],
            ),
            (
                Some(true),
                (Some("90"), Some(Met)),
                (Some("90"), Some(Met)),
                vec![],
            ),
            // Unconfigured is neither met nor unmet: not judged.
            (
                Some(true),
                (Some("90"), Some(Unconfigured)),
                (Some("90"), Some(Met)),
                vec![],
            ),
            // A value the evaluation did not see is not missing.
            (
                Some(true),
                (Some("90"), None),
                (Some("90"), Some(Met)),
                vec![],
            ),
            (
                Some(false),
                (None, Some(Missing)),
                (None, Some(Missing)),
                vec![],
            ),
            (None, (None, Some(Missing)), (None, Some(Missing)), vec![]),
        ];
        for (declared, a, b, expected) in table {
            let mut values = BTreeMap::new();
            let mut statuses = BTreeMap::new();
            if let Some(x) = declared {
                values.insert("5.tu".to_owned(), Value::Pass(x));
            }
            for (id, (v, s)) in [("5.1", a), ("5.2", b)] {
                if let Some(v) = v {
                    values.insert(id.to_owned(), Value::Number(d(v)));
                }
                if let Some(s) = s {
                    statuses.insert(id.to_owned(), s);
                }
            }
            let got: Vec<(String, IndicatorStatus)> = run(reported(), &values, None, &statuses)
                .into_iter()
                .map(|f| match f.detail {
                    Detail::ReportedMet { status, .. } => (f.indicator.unwrap(), status),
                    other => panic!("{other:?}"),
                })
                .collect();
            let expected: Vec<(String, IndicatorStatus)> = expected
                .into_iter()
                .map(|(i, s)| (i.to_owned(), s))
                .collect();
            assert_eq!(got, expected, "{declared:?} {a:?} {b:?}");
        }
        let mut values = numbers(&[("5.1", "40")]);
        values.insert("5.tu".into(), Value::Pass(true));
        let statuses = BTreeMap::from([("5.1".to_owned(), Unmet)]);
        let f = run(reported(), &values, None, &statuses);
        assert_eq!(
            f.iter().map(|f| f.message_vi.as_str()).collect::<Vec<_>>(),
            [
                "Đơn vị tự đánh giá đạt tiêu chí 5 “Trường học” nhưng chỉ tiêu 5.1 (40) chưa đạt",
                "Đơn vị tự đánh giá đạt tiêu chí 5 “Trường học” nhưng chỉ tiêu 5.2 chưa có số liệu",
            ]
        );
        assert_eq!(f[0].criterion.as_deref(), Some("5"));
    }

    /// The statuses the engine gives feed the rule as they are.
    #[test]
    fn the_evaluation_feeds_the_reported_met_rule() {
        let cat = Catalogue::build(vec![complete(
            "s",
            Level::Standard,
            None,
            vec![criterion(
                "5",
                vec![
                    indicator("5.1", Comparison::AtLeast, &[(80, Selector::default())]),
                    indicator("5.2", Comparison::AtLeast, &[(80, Selector::default())]),
                ],
            )],
        )])
        .unwrap();
        let set = cat.get(&SetId("s".into())).unwrap();
        let ctx = UnitContext {
            year: 2024,
            region: None,
            group: None,
        };
        let mut values = numbers(&[("5.1", "70")]);
        let result = evaluate_set(
            &cat,
            set,
            &ctx,
            &Inputs {
                values: values.clone(),
                computed: BTreeMap::new(),
            },
        );
        values.insert("5.tu".into(), Value::Pass(true));
        let statuses = indicator_statuses(&result);
        let found: Vec<_> = run(reported(), &values, None, &statuses)
            .into_iter()
            .map(|f| (f.indicator.unwrap(), f.detail))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "5.1");
        assert_eq!(found[1].0, "5.2");
        assert_eq!(
            criterion_statuses(&result),
            [("5".to_owned(), CriterionStatus::Unmet)]
        );
        let names = Names::from_set(set);
        assert_eq!(names.indicator("5.1"), "Chỉ tiêu 5.1");
        assert_eq!(names.criterion("5"), "tiêu chí 5 “Tiêu chí 5”");
    }

    #[test]
    fn names_keep_acronyms_and_fall_back_to_ids() {
        let n = names();
        assert_eq!(in_sentence(&n.indicator("ho")), "tổng số hộ");
        assert_eq!(in_sentence(&n.indicator("ocop")), "OCOP: số sản phẩm");
        assert_eq!(in_sentence(&n.indicator("x.9")), "chỉ tiêu x.9");
        assert_eq!(n.criterion("7"), "tiêu chí 7");
    }

    fn peer_rule() -> Rule {
        rule(
            "peer",
            Severity::Warning,
            RuleKind::peer_outlier("tyle", PeerGroup::CommuneGroup),
        )
    }

    fn peers(values: &[&str]) -> Vec<(UnitId, Decimal)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (uid(&format!("9{i:02}")), d(v)))
            .collect()
    }

    fn outcome(rule: &Rule, x: &str, peer_values: &[&str]) -> PeerOutcome {
        check_peers(rule, &uid("1"), 2024, d(x), &peers(peer_values), &names()).unwrap()
    }

    fn fires(rule: &Rule, x: &str, peer_values: &[&str]) -> bool {
        matches!(outcome(rule, x, peer_values), PeerOutcome::Outlier(_))
    }

    #[test]
    fn the_outlier_rule_fires_strictly_beyond_the_threshold() {
        let r = peer_rule();
        // Median 10, MAD 0.6745: z = x − 10 exactly.
        let mad_peers = ["9.3255", "10", "10", "10.6745", "10.6745"];
        // MAD 0 (four of five peers are 10), mean absolute deviation 2: the scale is
        // 1.253314 × 2, so the boundary is 10 ± 3.5 × 2.506628 = 10 ± 8.773198.
        let mean_ad_peers = ["10", "10", "10", "10", "20"];
        // (value, peers, fires)
        let table: [(&str, &[&str], bool); 12] = [
            ("13.5", &mad_peers, false),
            ("13.5001", &mad_peers, true),
            ("6.5", &mad_peers, false),
            ("6.4999", &mad_peers, true),
            ("10", &mad_peers, false),
            ("18.773198", &mean_ad_peers, false),
            ("18.773199", &mean_ad_peers, true),
            ("1.226802", &mean_ad_peers, false),
            ("1.226801", &mean_ad_peers, true),
            // Every peer the same: anything else fires, the same value does not.
            ("10", &["10", "10", "10", "10", "10"], false),
            ("10.01", &["10", "10", "10", "10", "10"], true),
            ("9.99", &["10", "10", "10", "10", "10"], true),
        ];
        for (x, p, expected) in table {
            assert_eq!(fires(&r, x, p), expected, "{x} among {p:?}");
        }
        let PeerOutcome::Within { stats, z } = outcome(&r, "13.5", &mad_peers) else {
            panic!("within");
        };
        assert_eq!((stats.spread, z), (Spread::Mad, Some(d("3.5"))));
        let PeerOutcome::Within { stats, .. } = outcome(&r, "10", &mean_ad_peers) else {
            panic!("within");
        };
        assert_eq!(
            (stats.spread, stats.mad, stats.mean_ad),
            (Spread::MeanAbsoluteDeviation, d("0"), d("2"))
        );
    }

    #[test]
    fn the_outlier_rule_fires_strictly_beyond_the_mean_ad_boundary_with_its_exact_scale() {
        // The peers' mean absolute deviation from their median (10) is (0+0+0+10+10)/5 = 4:
        // the boundary is 10 ± 3.5 × 1.253314 × 4 = 10 ± 17.546396.
        let r = peer_rule();
        let p = ["10", "10", "10", "0", "20"];
        assert!(!fires(&r, "27.546396", &p));
        assert!(fires(&r, "27.546397", &p));
        assert!(!fires(&r, "-7.546396", &p));
        assert!(fires(&r, "-7.546397", &p));
    }

    #[test]
    fn an_outlier_finding_carries_the_peers_and_their_statistics() {
        let r = peer_rule();
        let p = peers(&["10", "11", "12", "13", "14"]);
        let got = check_peers(&r, &uid("1"), 2024, d("30"), &p, &names()).unwrap();
        let f = got
            .finding()
            .expect("30 among 10..14 is an outlier")
            .clone();
        let Detail::PeerOutlier {
            value,
            group,
            stats,
            z,
            threshold,
        } = &f.detail
        else {
            panic!("{:?}", f.detail);
        };
        assert_eq!(*value, d("30"));
        assert_eq!(*group, PeerGroup::CommuneGroup);
        assert_eq!((stats.count, stats.median, stats.mad), (5, d("12"), d("1")));
        assert_eq!(
            stats.peers,
            p.iter().map(|(u, _)| u.clone()).collect::<Vec<_>>()
        );
        assert_eq!(*z, Some(d("12.141")));
        assert_eq!(*threshold, d("3.5"));
        assert_eq!(
            f.message_vi,
            "Tỷ lệ hộ nghèo (30) khác thường so với 5 đơn vị cùng nhóm xã: trung vị 12, độ lệch \
             tuyệt đối trung vị (MAD) 1, điểm z hiệu chỉnh 12,14 vượt ngưỡng ±3,5"
        );
        let same = check_peers(&r, &uid("1"), 2024, d("11"), &peers(&["10"; 5]), &names()).unwrap();
        assert_eq!(
            same.finding().unwrap().message_vi,
            "Tỷ lệ hộ nghèo (11) khác mọi 5 đơn vị cùng nhóm xã: tất cả đều là 10"
        );
    }

    #[test]
    fn too_few_peers_say_so_and_the_unit_is_never_its_own_peer() {
        let r = peer_rule();
        assert_eq!(
            outcome(&r, "1000", &["10", "11", "12", "13"]),
            PeerOutcome::TooFewPeers { have: 4, need: 5 }
        );
        // Five entries, one of them the unit itself: four peers.
        let mut with_self = peers(&["10", "11", "12", "13"]);
        with_self.push((uid("1"), d("1000")));
        assert_eq!(
            check_peers(&r, &uid("1"), 2024, d("1000"), &with_self, &names()),
            Some(PeerOutcome::TooFewPeers { have: 4, need: 5 })
        );
        // Among six entries with itself, the unit is compared with the five others only:
        // counted in, its 1000 would make the median 12.5 and the MAD 1.5.
        let mut with_self = peers(&["10", "11", "12", "13", "14"]);
        with_self.push((uid("1"), d("1000")));
        let got = check_peers(&r, &uid("1"), 2024, d("1000"), &with_self, &names()).unwrap();
        let Some(Finding {
            detail: Detail::PeerOutlier { stats, .. },
            ..
        }) = got.finding()
        else {
            panic!("{got:?}");
        };
        assert_eq!((stats.count, stats.median, stats.mad), (5, d("12"), d("1")));
        assert!(!stats.peers.contains(&uid("1")));
        // A rule asking for three peers judges with three.
        let three = rule(
            "p3",
            Severity::Info,
            RuleKind::PeerOutlier {
                indicator: "tyle".into(),
                peers: PeerGroup::FormerDistrict,
                threshold: DEFAULT_OUTLIER_THRESHOLD,
                min_peers: 3,
            },
        );
        assert!(fires(&three, "1000", &["10", "11", "12"]));
        // Another kind of rule is not a peer rule.
        assert_eq!(
            check_peers(
                &rule("x", Severity::Info, RuleKind::EvidenceCoverage),
                &uid("1"),
                2024,
                d("1"),
                &[],
                &names()
            ),
            None
        );
    }

    /// One commune that typed 1000 for 10 hides a real outlier from the mean and the
    /// standard deviation; the median and the MAD do not move.
    #[test]
    fn one_extreme_peer_moves_neither_the_median_nor_the_verdict() {
        let r = peer_rule();
        let clean = ["10", "11", "12", "13", "14", "12"];
        let dirty = ["10", "11", "12", "13", "1000", "12"];
        for p in [&clean, &dirty] {
            assert!(fires(&r, "30", p), "30 among {p:?}");
            let PeerOutcome::Outlier(f) = outcome(&r, "30", p) else {
                unreachable!()
            };
            let Detail::PeerOutlier { stats, .. } = f.detail else {
                unreachable!()
            };
            assert_eq!(stats.median, d("12"), "{p:?}");
        }
        // The classical z-score |x − mean| / sd > 3.5, compared squared to stay in
        // decimals: it sees 30 among the clean peers and misses it among the dirty ones.
        let classic = |x: Decimal, p: &[&str]| {
            let v: Vec<Decimal> = p.iter().map(|s| d(s)).collect();
            let n = Decimal::from(v.len());
            let mean = v.iter().sum::<Decimal>() / n;
            let var = v.iter().map(|a| (*a - mean) * (*a - mean)).sum::<Decimal>() / n;
            (x - mean) * (x - mean) > d("12.25") * var
        };
        assert!(classic(d("30"), &clean));
        assert!(!classic(d("30"), &dirty));
        // However far the extreme peer goes, the median stays.
        let far = ["10", "11", "12", "13", "100000000", "12"];
        let PeerOutcome::Outlier(f) = outcome(&r, "30", &far) else {
            panic!("30 among {far:?}");
        };
        assert!(
            matches!(f.detail, Detail::PeerOutlier { stats: PeerStats { median, .. }, .. } if median == d("12"))
        );
    }

    #[test]
    fn peer_groups_compare_each_unit_with_the_others_of_its_key() {
        let r = peer_rule();
        let mut values = Vec::new();
        for (i, v) in ["10", "11", "12", "13", "14", "40"].iter().enumerate() {
            values.push(PeerValue {
                unit: uid(&format!("2{i}")),
                key: "1".into(),
                value: d(v),
            });
        }
        for (i, v) in ["500", "510"].iter().enumerate() {
            values.push(PeerValue {
                unit: uid(&format!("1{i}")),
                key: "2".into(),
                value: d(v),
            });
        }
        let got = check_peer_groups(&r, 2024, &values, &names());
        let units: Vec<&str> = got.iter().map(|(u, _)| u.code()).collect();
        assert_eq!(units, ["10", "11", "20", "21", "22", "23", "24", "25"]);
        let outliers: Vec<&str> = got
            .iter()
            .filter_map(|(_, o)| o.finding())
            .map(|f| f.unit.code())
            .collect();
        assert_eq!(outliers, ["25"]);
        assert_eq!(got[0].1, PeerOutcome::TooFewPeers { have: 1, need: 5 });
    }

    fn registry() -> UnitRegistry {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let unit =
            |code: &str, from: &str, to: Option<&str>, t: UnitType, parent: Option<&UnitId>| {
                let valid = Period {
                    from: day(from),
                    to: to.map(day),
                };
                Unit {
                    id: UnitId::new(code, valid.from),
                    code: code.into(),
                    level: t.level(),
                    versions: vec![UnitVersion {
                        valid,
                        name: format!("Đơn vị {code}"),
                        unit_type: t,
                        parent: parent.cloned(),
                    }],
                    source: "test".into(),
                }
            };
        let p = unit("42", "2020-01-01", None, UnitType::Province, None);
        let h1 = unit(
            "436",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::District,
            Some(&p.id),
        );
        let h2 = unit(
            "437",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::District,
            Some(&p.id),
        );
        let a = unit(
            "1",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::Commune,
            Some(&h1.id),
        );
        let b = unit(
            "2",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::Commune,
            Some(&h1.id),
        );
        let c = unit(
            "3",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::Commune,
            Some(&h2.id),
        );
        let e = unit(
            "4",
            "2020-01-01",
            Some("2025-06-30"),
            UnitType::Commune,
            Some(&h1.id),
        );
        let ab = unit("1", "2025-07-01", None, UnitType::Commune, Some(&p.id));
        let bc = unit("3", "2025-07-01", None, UnitType::Commune, Some(&p.id));
        let edge = |from: &Unit, to: &Unit| LineageEdge {
            from: from.id.clone(),
            to: to.id.clone(),
            effective: day("2025-07-01"),
            kind: LineageKind::Merged,
            basis: "test".into(),
        };
        let edges = vec![edge(&a, &ab), edge(&b, &ab), edge(&c, &bc), edge(&e, &bc)];
        let group = UnitAttribute {
            unit: ab.id.clone(),
            key: AttributeKey::CommuneGroup,
            value: "2".into(),
            valid: Period {
                from: day("2025-07-01"),
                to: None,
            },
            source: "test".into(),
            illustrative: false,
        };
        UnitRegistry::build(vec![p, h1, h2, a, b, c, e, ab, bc], edges, vec![group]).unwrap()
    }

    #[test]
    fn a_peer_key_is_the_commune_group_or_the_one_former_district() {
        let r = registry();
        let id = |code: &str, from: &str| UnitId::parse(&format!("{code}@{from}")).unwrap();
        let (a, ab, bc) = (
            id("1", "2020-01-01"),
            id("1", "2025-07-01"),
            id("3", "2025-07-01"),
        );
        // (unit, year, group, key)
        let table = [
            (&a, 2024, PeerGroup::FormerDistrict, Some("436@2020-01-01")),
            (&ab, 2026, PeerGroup::FormerDistrict, Some("436@2020-01-01")),
            // Formed from communes of two districts: no former district to compare in.
            (&bc, 2026, PeerGroup::FormerDistrict, None),
            (&ab, 2026, PeerGroup::CommuneGroup, Some("2")),
            (&bc, 2026, PeerGroup::CommuneGroup, None),
            (&a, 2024, PeerGroup::CommuneGroup, None),
        ];
        for (unit, year, group, key) in table {
            assert_eq!(
                peer_key(&r, unit, year, group).as_deref(),
                key,
                "{unit} {year} {group:?}"
            );
        }
    }

    #[test]
    fn a_recognised_unit_failing_a_criterion_of_its_level_fires_per_criterion() {
        let r = rule(
            "reg",
            Severity::Warning,
            RuleKind::RegressionAfterRecognition,
        );
        let rec = Recognised {
            level: Level::Advanced,
            decision: "QĐ 1337/QĐ-UBND ngày 01/07/2022, năm công nhận 2022".into(),
        };
        let approved = vec![
            ("1".to_owned(), CriterionStatus::Met),
            ("5".to_owned(), CriterionStatus::Unmet),
            ("7".to_owned(), CriterionStatus::Unknown),
            ("9".to_owned(), CriterionStatus::Unmet),
        ];
        let got = check_regression(&r, &uid("1"), 2024, &rec, &approved, &names());
        let criteria: Vec<&str> = got.iter().filter_map(|f| f.criterion.as_deref()).collect();
        assert_eq!(criteria, ["5", "9"]);
        assert_eq!(
            got[0].message_vi,
            "Đơn vị đã được công nhận mức “nâng cao” (QĐ 1337/QĐ-UBND ngày 01/07/2022, năm công \
             nhận 2022) nhưng theo kết quả đánh giá đã duyệt năm 2024, tiêu chí 5 “Trường học” \
             chưa đạt"
        );
        assert_eq!(
            got[0].detail,
            Detail::Regression {
                level: Level::Advanced,
                decision: rec.decision.clone()
            }
        );
        let none = Recognised {
            level: Level::None,
            decision: String::new(),
        };
        assert!(check_regression(&r, &uid("1"), 2024, &none, &approved, &names()).is_empty());
        let other = rule("x", Severity::Warning, RuleKind::EvidenceCoverage);
        assert!(check_regression(&other, &uid("1"), 2024, &rec, &approved, &names()).is_empty());
    }

    #[test]
    fn each_deciding_value_without_evidence_fires_once() {
        let r = rule("ev", Severity::Info, RuleKind::EvidenceCoverage);
        let deciding = BTreeMap::from([
            // Listed twice by the caller: still one criterion in the detail.
            (
                "5".to_owned(),
                vec!["5.1".to_owned(), "5.2".to_owned(), "5.2".to_owned()],
            ),
            ("6".to_owned(), vec!["5.2".to_owned(), "6.1".to_owned()]),
        ]);
        let with = BTreeSet::from(["5.1".to_owned()]);
        let got = check_evidence(&r, &uid("1"), 2024, &deciding, &with, &names());
        let found: Vec<(&str, &str, &Detail)> = got
            .iter()
            .map(|f| {
                (
                    f.indicator.as_deref().unwrap(),
                    f.criterion.as_deref().unwrap(),
                    &f.detail,
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "5.2",
                    "5",
                    &Detail::Evidence {
                        criteria: vec!["5".into(), "6".into()]
                    }
                ),
                (
                    "6.1",
                    "6",
                    &Detail::Evidence {
                        criteria: vec!["6".into()]
                    }
                ),
            ]
        );
        assert_eq!(
            got[0].message_vi,
            "Chỉ tiêu 5.2 quyết định tiêu chí 5 “Trường học”, tiêu chí 6 đạt nhưng chưa có minh chứng"
        );
        let all = BTreeSet::from(["5.1".to_owned(), "5.2".to_owned(), "6.1".to_owned()]);
        assert!(check_evidence(&r, &uid("1"), 2024, &deciding, &all, &names()).is_empty());
    }

    #[test]
    fn rules_are_validated_with_reasons() {
        let ok = |kind| rule("r", Severity::Warning, kind);
        let jump = |f: Option<&str>, a: Option<&str>| RuleKind::YearJump {
            indicator: "x".into(),
            factor: f.map(d),
            amount: a.map(d),
        };
        let peer = |t: &str, m: usize| RuleKind::PeerOutlier {
            indicator: "x".into(),
            peers: PeerGroup::CommuneGroup,
            threshold: d(t),
            min_peers: m,
        };
        let range = |lo: Option<&str>, hi: Option<&str>| RuleKind::Range {
            indicator: "x".into(),
            min: lo.map(d),
            max: hi.map(d),
        };
        let pw = |p: &str, w: &str| RuleKind::PartOfWhole {
            part: p.into(),
            whole: w.into(),
        };
        // (rule, expected message or None for valid)
        let table: Vec<(Rule, Option<&str>)> = vec![
            (ok(pw("a", "b")), None),
            (
                ok(pw("a", "a")),
                Some("quy tắc r: phần và tổng cùng là chỉ tiêu a"),
            ),
            (ok(pw(" ", "b")), Some("quy tắc r: thiếu mã chỉ tiêu")),
            (ok(range(Some("0"), Some("100"))), None),
            (ok(range(Some("5"), Some("5"))), None),
            (
                ok(range(Some("100.5"), Some("100"))),
                Some("quy tắc r: mức tối thiểu 100,5 lớn hơn mức tối đa 100"),
            ),
            (
                ok(range(None, None)),
                Some("quy tắc r: cần ít nhất một giới hạn (tối thiểu hoặc tối đa)"),
            ),
            (ok(jump(Some("1.6"), None)), None),
            (ok(jump(None, Some("40"))), None),
            (
                ok(jump(Some("1"), None)),
                Some("quy tắc r: hệ số phải lớn hơn 1 (đang là 1)"),
            ),
            (
                ok(jump(Some("0.5"), Some("40"))),
                Some("quy tắc r: hệ số phải lớn hơn 1 (đang là 0,5)"),
            ),
            (
                ok(jump(None, Some("0"))),
                Some("quy tắc r: mức chênh lệch phải lớn hơn 0 (đang là 0)"),
            ),
            (
                ok(jump(None, None)),
                Some("quy tắc r: cần hệ số hoặc mức chênh lệch"),
            ),
            (ok(peer("3.5", 5)), None),
            (ok(peer("3.5", 3)), None),
            (
                ok(peer("3.5", 2)),
                Some("quy tắc r: cần so với ít nhất 3 đơn vị (đang là 2)"),
            ),
            (
                ok(peer("0", 5)),
                Some("quy tắc r: ngưỡng điểm z phải lớn hơn 0 (đang là 0)"),
            ),
            (ok(reported()), None),
            (
                ok(RuleKind::ReportedMetButMissing {
                    criterion: "5".into(),
                    declared: "5.tu".into(),
                    indicators: vec![],
                }),
                Some("quy tắc r: cần danh sách chỉ tiêu của tiêu chí"),
            ),
            (
                ok(RuleKind::ReportedMetButMissing {
                    criterion: "".into(),
                    declared: "5.tu".into(),
                    indicators: vec!["5.1".into()],
                }),
                Some("quy tắc r: thiếu mã tiêu chí"),
            ),
            (ok(RuleKind::EvidenceCoverage), None),
            (
                rule(" ", Severity::Info, RuleKind::EvidenceCoverage),
                Some("quy tắc thiếu mã"),
            ),
            (
                Rule {
                    title: "  ".into(),
                    ..ok(RuleKind::RegressionAfterRecognition)
                },
                Some("quy tắc r: thiếu tiêu đề"),
            ),
        ];
        for (r, expected) in table {
            let got = r.validate().err().map(|e| e.to_string());
            assert_eq!(got.as_deref(), expected, "{:?}", r.kind);
        }
        let twice = [
            ok(RuleKind::EvidenceCoverage),
            ok(RuleKind::RegressionAfterRecognition),
        ];
        assert_eq!(
            validate_rules(&twice),
            Err(vec![QualityError::DuplicateRule { rule: "r".into() }])
        );
        assert_eq!(validate_rules(&twice[..1]), Ok(()));
    }

    #[test]
    fn labels_and_codes_round_trip() {
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            Severity::ALL.map(Severity::label_vi),
            ["Lưu ý", "Cảnh báo", "Chặn gửi"]
        );
        assert_eq!(Severity::parse("fatal"), None);
        for g in [PeerGroup::CommuneGroup, PeerGroup::FormerDistrict] {
            assert_eq!(PeerGroup::parse(g.as_str()), Some(g));
        }
    }

    fn a_finding(
        rule_id: &str,
        severity: Severity,
        indicator: Option<&str>,
        criterion: Option<&str>,
    ) -> Finding {
        Finding {
            rule_id: rule_id.into(),
            severity,
            unit: uid("1"),
            year: 2024,
            indicator: indicator.map(Into::into),
            criterion: criterion.map(Into::into),
            message_vi: "…".into(),
            detail: Detail::Evidence { criteria: vec![] },
        }
    }

    #[test]
    fn the_gate_blocks_on_blocking_and_on_unexplained_warnings() {
        let blocking = a_finding("pw", Severity::Blocking, Some("nuoc"), None);
        let warning = a_finding("jump", Severity::Warning, Some("tyle"), None);
        let regression = a_finding("reg", Severity::Warning, None, Some("5"));
        let info = a_finding("ev", Severity::Info, Some("5.1"), Some("5"));
        let good = "Số liệu đã đối chiếu với biên bản";
        // (findings, explanations, may submit, unexplained rule ids)
        let table: Vec<GateCase> = vec![
            (vec![], vec![], true, vec![]),
            (vec![info.clone()], vec![], true, vec![]),
            (vec![warning.clone()], vec![], false, vec!["jump"]),
            (
                vec![warning.clone()],
                vec![Explanation::for_finding(&warning, good)],
                true,
                vec![],
            ),
            (
                vec![warning.clone()],
                vec![Explanation::for_finding(&warning, "  ok  ")],
                false,
                vec!["jump"],
            ),
            // A short explanation does not hide a good one after it.
            (
                vec![warning.clone()],
                vec![
                    Explanation::for_finding(&warning, "ok"),
                    Explanation::for_finding(&warning, good),
                ],
                true,
                vec![],
            ),
            // Another indicator's explanation does not count.
            (
                vec![warning.clone()],
                vec![Explanation {
                    indicator: Some("ho".into()),
                    ..Explanation::for_finding(&warning, good)
                }],
                false,
                vec!["jump"],
            ),
            // A criterion's explanation does not cover another criterion.
            (
                vec![regression.clone()],
                vec![Explanation {
                    criterion: Some("6".into()),
                    ..Explanation::for_finding(&regression, good)
                }],
                false,
                vec!["reg"],
            ),
            (
                vec![regression.clone()],
                vec![Explanation::for_finding(&regression, good)],
                true,
                vec![],
            ),
            (
                vec![blocking.clone()],
                vec![Explanation::for_finding(&blocking, good)],
                false,
                vec![],
            ),
        ];
        for (findings, explanations, may, unexplained) in table {
            let gate = submission_gate(&findings, &explanations);
            assert_eq!(gate.may_submit(), may, "{findings:?} {explanations:?}");
            let ids: Vec<&str> = gate
                .unexplained_warnings
                .iter()
                .map(|f| f.rule_id.as_str())
                .collect();
            assert_eq!(ids, unexplained, "{findings:?} {explanations:?}");
            assert_eq!(
                gate.blocking.len()
                    + gate.unexplained_warnings.len()
                    + gate.explained.len()
                    + gate.info.len(),
                findings.len()
            );
        }
    }

    #[test]
    fn an_explanation_needs_ten_characters_as_typed() {
        // (reason, acceptable)
        let table = [
            ("", false),
            ("          ", false),
            ("ok", false),
            ("đúng", false),
            ("a         b", false),
            ("123456789", false),
            ("1234567890", true),
            ("số liệu đúng", true),
            ("  số liệu đúng  ", true),
            // Decomposed letters (NFD) count as the letters they are: "đúng số" is 7.
            ("d\u{0301}u\u{0301}ng so\u{0302}\u{0301}", false),
        ];
        for (reason, ok) in table {
            assert_eq!(reason_problem(reason).is_none(), ok, "{reason:?}");
        }
        assert_eq!(
            reason_problem("ok").unwrap().to_string(),
            "lời giải trình cần ít nhất 10 ký tự (đang có 2)"
        );
    }

    #[test]
    fn a_finding_keeps_its_key_when_its_numbers_change() {
        let once = run(
            part_of_whole(),
            &numbers(&[("nuoc", "1250"), ("ho", "1200")]),
            None,
            &BTreeMap::new(),
        );
        let again = run(
            part_of_whole(),
            &numbers(&[("nuoc", "1300"), ("ho", "1200")]),
            None,
            &BTreeMap::new(),
        );
        assert_ne!(once[0], again[0]);
        assert_eq!(once[0].key(), again[0].key());
        let other_year = Finding {
            year: 2025,
            ..once[0].clone()
        };
        assert_ne!(once[0].key(), other_year.key());
        // An explanation given before still matches the re-checked finding.
        let e = Explanation::for_finding(&once[0], "Số liệu đã đối chiếu");
        assert!(e.matches(&again[0]));
    }

    #[test]
    fn findings_follow_the_rules_order() {
        let rules = [
            rule(
                "b-range",
                Severity::Blocking,
                RuleKind::Range {
                    indicator: "tyle".into(),
                    min: None,
                    max: Some(d("100")),
                },
            ),
            rule("a-part", Severity::Warning, part_of_whole()),
            rule(
                "c-peer",
                Severity::Warning,
                RuleKind::peer_outlier("tyle", PeerGroup::CommuneGroup),
            ),
            rule("d-jump", Severity::Info, jump(None, Some("10"))),
        ];
        let values = numbers(&[("tyle", "120"), ("nuoc", "5"), ("ho", "4")]);
        let last = numbers(&[("tyle", "90")]);
        let unit = uid("1");
        let n = names();
        let got = check_unit(
            &rules,
            &UnitYearInputs {
                unit: &unit,
                year: 2024,
                values: &values,
                last_year: Some(&last),
                statuses: &BTreeMap::new(),
                names: &n,
            },
        );
        let ids: Vec<(&str, Severity)> = got
            .iter()
            .map(|f| (f.rule_id.as_str(), f.severity))
            .collect();
        assert_eq!(
            ids,
            [
                ("b-range", Severity::Blocking),
                ("a-part", Severity::Warning),
                ("d-jump", Severity::Info)
            ]
        );
    }

    fn decimals(values: &[i64]) -> Vec<(UnitId, Decimal)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (uid(&format!("9{i:02}")), Decimal::from(*v)))
            .collect()
    }

    fn outlier(rule: &Rule, x: Decimal, peers: &[(UnitId, Decimal)]) -> bool {
        matches!(
            check_peers(rule, &uid("1"), 2024, x, peers, &Names::default()),
            Some(PeerOutcome::Outlier(_))
        )
    }

    proptest! {
        #[test]
        fn the_peers_median_itself_never_fires(
            values in prop::collection::vec(-1000i64..1000, 5..15), t in 1i64..80,
        ) {
            let r = rule("p", Severity::Warning, RuleKind::PeerOutlier {
                indicator: "x".into(), peers: PeerGroup::CommuneGroup,
                threshold: Decimal::new(t, 1), min_peers: 5,
            });
            let mut sorted = values.clone();
            sorted.sort();
            let n = sorted.len();
            let median = if n % 2 == 1 {
                Decimal::from(sorted[n / 2])
            } else {
                Decimal::from(sorted[n / 2 - 1] + sorted[n / 2]) / Decimal::TWO
            };
            prop_assert!(!outlier(&r, median, &decimals(&values)));
        }

        #[test]
        fn scaling_every_value_keeps_the_verdict(
            values in prop::collection::vec(0i64..1000, 5..12), x in -500i64..2000, c in 1i64..500,
        ) {
            let r = peer_rule();
            let scale = Decimal::new(c, 1);
            let peers = decimals(&values);
            let scaled: Vec<(UnitId, Decimal)> = peers.iter().map(|(u, v)| (u.clone(), *v * scale)).collect();
            prop_assert_eq!(
                outlier(&r, Decimal::from(x), &peers),
                outlier(&r, Decimal::from(x) * scale, &scaled)
            );
        }

        #[test]
        fn the_peers_order_does_not_matter(
            values in prop::collection::vec(0i64..1000, 5..12), x in -500i64..2000, rot in 0usize..12,
        ) {
            let r = peer_rule();
            let peers = decimals(&values);
            let mut turned = peers.clone();
            turned.rotate_left(rot % peers.len());
            turned.reverse();
            let a = check_peers(&r, &uid("1"), 2024, Decimal::from(x), &peers, &names());
            let b = check_peers(&r, &uid("1"), 2024, Decimal::from(x), &turned, &names());
            prop_assert_eq!(a, b);
        }

        #[test]
        fn a_higher_threshold_never_fires_where_a_lower_did_not(
            values in prop::collection::vec(0i64..1000, 5..12), x in -500i64..2000,
            lo in 1i64..60, extra in 0i64..60,
        ) {
            let with = |t: i64| rule("p", Severity::Warning, RuleKind::PeerOutlier {
                indicator: "x".into(), peers: PeerGroup::CommuneGroup,
                threshold: Decimal::new(t, 1), min_peers: 5,
            });
            let peers = decimals(&values);
            if outlier(&with(lo + extra), Decimal::from(x), &peers) {
                prop_assert!(outlier(&with(lo), Decimal::from(x), &peers));
            }
        }

        #[test]
        fn value_rules_fire_exactly_when_both_values_say_so(
            part in prop::option::of(0i64..2000), whole in prop::option::of(0i64..2000),
            last in prop::option::of(0i64..2000),
        ) {
            let values: BTreeMap<String, Value> = [("nuoc", part), ("ho", whole)]
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), Value::Number(Decimal::from(v)))))
                .collect();
            let previous: BTreeMap<String, Value> = last
                .map(|l| ("nuoc".to_owned(), Value::Number(Decimal::from(l))))
                .into_iter()
                .collect();
            let rules = [
                rule("pw", Severity::Blocking, part_of_whole()),
                rule("j", Severity::Warning, RuleKind::YearJump { indicator: "nuoc".into(), factor: Some(d("1.5")), amount: Some(d("300")) }),
            ];
            let unit = uid("1");
            let n = names();
            let inputs = UnitYearInputs { unit: &unit, year: 2024, values: &values, last_year: Some(&previous), statuses: &BTreeMap::new(), names: &n };
            let got = check_unit(&rules, &inputs);
            let pw = got.iter().filter(|f| f.rule_id == "pw").count();
            prop_assert_eq!(pw, usize::from(matches!((part, whole), (Some(p), Some(w)) if p > w)));
            if part.is_none() || last.is_none() {
                prop_assert!(got.iter().all(|f| f.rule_id != "j"));
            }
            // The same inputs give the same findings in the same order.
            prop_assert_eq!(check_unit(&rules, &inputs), got);
        }
    }
}
