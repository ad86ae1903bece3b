//! Criteria sets as versioned data.
//!
//! A [`SetDefinition`] is what one file says: either a complete set, or a set that derives
//! from another and adds criteria, adds indicators to existing criteria, or replaces the
//! thresholds of some indicators. [`Catalogue::build`] resolves every definition into a
//! [`CriteriaSet`] and checks the whole: unknown bases, cycles, ambiguous thresholds.
//!
//! A threshold that the law sets but that nobody could verify is simply absent: the
//! indicator is then *unconfigured*, and the evaluation says so instead of guessing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use rust_decimal::Decimal;

use crate::unit::UnitType;

/// Identifier of a criteria set, e.g. `xa-ntm-2021-2025`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetId(pub String);

impl fmt::Display for SetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The recognition level a set defines (or the level a unit reached).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    None,
    /// đạt chuẩn (for district-level towns and cities: hoàn thành nhiệm vụ)
    Standard,
    /// nâng cao
    Advanced,
    /// kiểu mẫu
    Model,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Standard => "standard",
            Level::Advanced => "advanced",
            Level::Model => "model",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Level::None),
            "standard" => Some(Level::Standard),
            "advanced" => Some(Level::Advanced),
            "model" => Some(Level::Model),
            _ => None,
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Level::None => "chưa đạt chuẩn",
            Level::Standard => "đạt chuẩn",
            Level::Advanced => "nâng cao",
            Level::Model => "kiểu mẫu",
        }
    }
}

/// How a value is compared with its threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    AtLeast,
    AtMost,
    Equal,
    /// Qualitative: met when the value is "đạt". Needs no number, so it is never
    /// unconfigured.
    Pass,
}

impl Comparison {
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::AtLeast => ">=",
            Comparison::AtMost => "<=",
            Comparison::Equal => "=",
            Comparison::Pass => "pass",
        }
    }
    /// As printed in annexes and on the pages: "≥", "≤", "=", "đạt".
    pub fn sign(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
            Comparison::Equal => "=",
            Comparison::Pass => "đạt",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            ">=" | "≥" => Some(Comparison::AtLeast),
            "<=" | "≤" => Some(Comparison::AtMost),
            "=" => Some(Comparison::Equal),
            "pass" | "đạt" => Some(Comparison::Pass),
            _ => None,
        }
    }
}

/// How sure the research is of a fact (see `shared/reference/ntm/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Confidence {
    #[default]
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }
}

/// The kind of unit a set evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UnitKind {
    Commune,
    District,
    Province,
    /// thôn / khu dân cư (Hà Tĩnh's model residential areas)
    Village,
    /// vườn hộ (Hà Tĩnh's model gardens)
    Garden,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Commune => "commune",
            UnitKind::District => "district",
            UnitKind::Province => "province",
            UnitKind::Village => "village",
            UnitKind::Garden => "garden",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "commune" => Some(UnitKind::Commune),
            "district" => Some(UnitKind::District),
            "province" => Some(UnitKind::Province),
            "village" => Some(UnitKind::Village),
            "garden" => Some(UnitKind::Garden),
            _ => None,
        }
    }
}

/// A legal act a set rests on.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LegalBasis {
    /// Number and symbol, e.g. `318/QĐ-TTg`; `None` when the act is known to exist but was
    /// not found.
    pub decision: Option<String>,
    pub date: Option<String>,
    pub part: Option<String>,
    pub effective: Option<String>,
    pub source: Option<String>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// What a threshold applies to; an absent key matches any unit.
#[derive(Debug, Clone, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Selector {
    pub region: Option<String>,
    pub group: Option<u8>,
    pub year: Option<i32>,
}

impl Selector {
    pub fn specificity(&self) -> usize {
        usize::from(self.region.is_some())
            + usize::from(self.group.is_some())
            + usize::from(self.year.is_some())
    }
    /// Whether some unit could match both selectors.
    pub fn compatible(&self, other: &Selector) -> bool {
        fn ok<T: PartialEq>(a: &Option<T>, b: &Option<T>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
        }
        ok(&self.region, &other.region)
            && ok(&self.group, &other.group)
            && ok(&self.year, &other.year)
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = &self.region {
            parts.push(format!("vùng {r}"));
        }
        if let Some(g) = self.group {
            parts.push(format!("nhóm {g}"));
        }
        if let Some(y) = self.year {
            parts.push(format!("năm {y}"));
        }
        if parts.is_empty() {
            f.write_str("mức chung")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// One threshold value with what it applies to and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Threshold {
    pub value: Decimal,
    pub when: Selector,
    pub source: Option<String>,
    pub confidence: Confidence,
    /// Chosen for the demo, not taken from a legal act.
    pub illustrative: bool,
    pub note: Option<String>,
}

/// A threshold derived from the set this set requires: `factor × threshold of indicator`
/// (the model commune's income must be 10% above the advanced level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdFrom {
    pub indicator: String,
    pub factor: Decimal,
}

/// Quantities computed from the units below rather than entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Computed {
    /// % of the xã below that reach at least the standard level.
    CommunesStandardPct,
    /// % of the xã below that reach at least the advanced level.
    CommunesAdvancedPct,
    /// % of the huyện below that reach the standard.
    DistrictsStandardPct,
    /// % of the huyện below that reach the advanced level.
    DistrictsAdvancedPct,
    /// % of the thị xã / thành phố below that completed the task.
    TownsCompletedPct,
}

impl Computed {
    pub fn as_str(self) -> &'static str {
        match self {
            Computed::CommunesStandardPct => "communes_standard_pct",
            Computed::CommunesAdvancedPct => "communes_advanced_pct",
            Computed::DistrictsStandardPct => "districts_standard_pct",
            Computed::DistrictsAdvancedPct => "districts_advanced_pct",
            Computed::TownsCompletedPct => "towns_completed_pct",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        [
            Computed::CommunesStandardPct,
            Computed::CommunesAdvancedPct,
            Computed::DistrictsStandardPct,
            Computed::DistrictsAdvancedPct,
            Computed::TownsCompletedPct,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// One indicator (chỉ tiêu) of a criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub unit: Option<String>,
    pub comparison: Comparison,
    pub thresholds: Vec<Threshold>,
    pub threshold_from: Option<ThresholdFrom>,
    /// Reads its value from another indicator id (same quantity, another threshold).
    pub value_of: Option<String>,
    pub computed: Option<Computed>,
    pub source: Option<String>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

impl Indicator {
    /// Whether a unit enters this indicator's value: not computed from the units below,
    /// and not a reading of another indicator's value.
    pub fn is_entered(&self) -> bool {
        self.computed.is_none() && self.value_of.is_none()
    }

    /// Whether the indicator can be judged at all: a pass/fail one always, a compared one
    /// only with a threshold of its own or one derived from the set it requires. An
    /// unconfigured indicator is shown as such, never as met or unmet.
    pub fn is_configured(&self) -> bool {
        self.comparison == Comparison::Pass
            || !self.thresholds.is_empty()
            || self.threshold_from.is_some()
    }

    /// Whether the office sets this indicator's thresholds itself (per region, group and
    /// year): a compared value that is entered, not computed nor derived from another set.
    pub fn takes_thresholds(&self) -> bool {
        self.comparison != Comparison::Pass
            && self.computed.is_none()
            && self.threshold_from.is_none()
    }

    /// The indicator id whose stored value this indicator reads.
    pub fn value_key(&self) -> &str {
        self.value_of.as_deref().unwrap_or(&self.id)
    }
    /// Whether the value is a percentage (and so cannot exceed 100).
    pub fn is_percent(&self) -> bool {
        self.unit
            .as_deref()
            .is_some_and(|u| u.trim_start().starts_with('%'))
    }
}

/// One criterion (tiêu chí): met when all its indicators are met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub id: String,
    pub name: String,
    pub name_en: Option<String>,
    pub group: Option<String>,
    pub indicators: Vec<Indicator>,
    pub source: Option<String>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// Inclusive range of years a set applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearRange {
    pub from: i32,
    pub to: i32,
}

impl YearRange {
    pub fn contains(&self, year: i32) -> bool {
        self.from <= year && year <= self.to
    }
}

/// Everything a set says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetHeader {
    pub id: SetId,
    pub title: String,
    pub title_en: Option<String>,
    pub kind: UnitKind,
    pub applies_to: Vec<UnitType>,
    pub level: Level,
    pub period: YearRange,
    pub legal_basis: Vec<LegalBasis>,
    /// The set a unit must meet first (advanced requires standard; model requires advanced).
    pub requires: Option<SetId>,
    /// Values in this set (or overridden by it) are demo material.
    pub illustrative: bool,
    pub note: Option<String>,
}

/// Changes a derived set makes to its base.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Derivation {
    pub base: Option<SetId>,
    /// (criterion id, indicators to add to it)
    pub extend: Vec<(String, Vec<Indicator>)>,
    /// (indicator id, thresholds that replace the base's)
    pub overrides: Vec<(String, Vec<Threshold>)>,
}

/// One set as written in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDefinition {
    pub header: SetHeader,
    pub derivation: Derivation,
    /// Criteria of a complete set, or criteria a derived set adds.
    pub criteria: Vec<Criterion>,
}

/// A resolved set: all criteria, every threshold in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaSet {
    pub header: SetHeader,
    pub derives_from: Option<SetId>,
    /// How many derivations stand between this set and a complete one.
    pub depth: usize,
    pub criteria: Vec<Criterion>,
}

impl CriteriaSet {
    pub fn id(&self) -> &SetId {
        &self.header.id
    }
    pub fn indicators(&self) -> impl Iterator<Item = (&Criterion, &Indicator)> {
        self.criteria
            .iter()
            .flat_map(|c| c.indicators.iter().map(move |i| (c, i)))
    }
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.id == id)
    }
    /// Whether the set applies to a unit of this type in this year.
    pub fn applies(&self, unit_type: UnitType, year: i32) -> bool {
        self.header.applies_to.contains(&unit_type) && self.header.period.contains(year)
    }
    /// Whether any value or threshold of the set is demo material.
    pub fn is_illustrative(&self) -> bool {
        self.header.illustrative
    }
    /// What the set still lacks before it can judge a unit: criteria without any
    /// indicator, and indicators that cannot be judged for want of a threshold.
    pub fn gaps(&self) -> SetGaps {
        SetGaps {
            empty_criteria: self
                .criteria
                .iter()
                .filter(|c| c.indicators.is_empty())
                .map(|c| c.id.clone())
                .collect(),
            unconfigured: self
                .indicators()
                .filter(|(_, i)| !i.is_configured())
                .map(|(_, i)| i.id.clone())
                .collect(),
        }
    }
}

/// See [`CriteriaSet::gaps`]. A set with gaps evaluates its units as unknown where they
/// are: it is the set that is incomplete, not the unit that fails.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetGaps {
    pub empty_criteria: Vec<String>,
    pub unconfigured: Vec<String>,
}

impl SetGaps {
    pub fn is_complete(&self) -> bool {
        self.empty_criteria.is_empty() && self.unconfigured.is_empty()
    }
    /// "10 tiêu chí chưa có chỉ tiêu (1, 2, …); 3 chỉ tiêu chưa có mức (2.1, …)".
    pub fn describe_vi(&self) -> String {
        let mut parts = Vec::new();
        if !self.empty_criteria.is_empty() {
            parts.push(format!(
                "{} tiêu chí chưa có chỉ tiêu ({})",
                self.empty_criteria.len(),
                self.empty_criteria.join(", ")
            ));
        }
        if !self.unconfigured.is_empty() {
            parts.push(format!(
                "{} chỉ tiêu chưa có mức ({})",
                self.unconfigured.len(),
                self.unconfigured.join(", ")
            ));
        }
        parts.join("; ")
    }
}

/// A problem in one set, located by a path (`criteria 10 › indicator 10.1 › threshold 2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub set: String,
    pub path: Vec<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.set, self.message)
        } else {
            write!(
                f,
                "{} › {}: {}",
                self.set,
                self.path.join(" › "),
                self.message
            )
        }
    }
}

/// Every resolved set, with the relations between them.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    sets: BTreeMap<SetId, CriteriaSet>,
}

impl Catalogue {
    /// Resolves and checks definitions. Problems of every set are reported together.
    pub fn build(definitions: Vec<SetDefinition>) -> Result<Self, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut defs: BTreeMap<SetId, SetDefinition> = BTreeMap::new();
        for def in definitions {
            let id = def.header.id.clone();
            if defs.contains_key(&id) {
                problems.push(Problem {
                    set: id.0.clone(),
                    path: vec![],
                    message: "trùng mã bộ tiêu chí".into(),
                });
                continue;
            }
            defs.insert(id, def);
        }
        let mut sets: BTreeMap<SetId, CriteriaSet> = BTreeMap::new();
        for id in defs.keys() {
            let mut chain = vec![id.clone()];
            match resolve(id, &defs, &mut chain) {
                Ok(set) => {
                    sets.insert(id.clone(), set);
                }
                Err(p) => problems.extend(p),
            }
        }
        let catalogue = Catalogue { sets };
        for set in catalogue.sets.values() {
            problems.extend(check_set(set, &catalogue));
        }
        problems.sort_by(|a, b| (&a.set, &a.path).cmp(&(&b.set, &b.path)));
        problems.dedup();
        if problems.is_empty() {
            Ok(catalogue)
        } else {
            Err(problems)
        }
    }

    pub fn get(&self, id: &SetId) -> Option<&CriteriaSet> {
        self.sets.get(id)
    }
    /// The years some set of the catalogue applies to (from the first period's start to
    /// the last one's end): the one horizon of the year choices and histories. `None`
    /// for an empty catalogue.
    pub fn years(&self) -> Option<YearRange> {
        let from = self.sets().map(|s| s.header.period.from).min()?;
        let to = self.sets().map(|s| s.header.period.to).max()?;
        Some(YearRange { from, to })
    }

    /// The indicators a unit enters for a set and its ladder (the set and the lower
    /// levels it builds on), each once, in ladder order, with the set that defines it.
    pub fn entered_indicators(&self, id: &SetId) -> Vec<(&CriteriaSet, &Indicator)> {
        let mut seen = std::collections::BTreeSet::new();
        self.ladder(id)
            .into_iter()
            .flat_map(|s| s.indicators().map(move |(_, i)| (s, i)))
            .filter(|(_, i)| i.is_entered() && seen.insert(i.id.clone()))
            .collect()
    }

    pub fn sets(&self) -> impl Iterator<Item = &CriteriaSet> {
        self.sets.values()
    }
    pub fn len(&self) -> usize {
        self.sets.len()
    }
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// The set to use by default for a unit of `unit_type` in `year` at `level`: among the
    /// applicable sets of that level, the most derived one (a provincial variant beats the
    /// national set it derives from). `None` when there is none, or when two sets are
    /// equally derived (the user must choose).
    pub fn default_set(
        &self,
        unit_type: UnitType,
        year: i32,
        level: Level,
    ) -> Result<&CriteriaSet, DefaultSetError> {
        let mut candidates: Vec<&CriteriaSet> = self
            .sets
            .values()
            .filter(|s| s.header.level == level && s.applies(unit_type, year))
            .collect();
        candidates.sort_by_key(|s| std::cmp::Reverse(s.depth));
        match candidates.as_slice() {
            [] => Err(DefaultSetError::None),
            [one] => Ok(one),
            [a, b, ..] if a.depth > b.depth => Ok(a),
            many => Err(DefaultSetError::Ambiguous(
                many.iter()
                    .filter(|s| s.depth == many[0].depth)
                    .map(|s| s.id().0.clone())
                    .collect(),
            )),
        }
    }

    /// The ladder of sets a unit climbs when evaluated with `set`: down through `requires`
    /// to the first level, then up through the sets that require each step.
    pub fn ladder(&self, set: &SetId) -> Vec<&CriteriaSet> {
        let mut down = Vec::new();
        let mut cur = self.get(set);
        while let Some(s) = cur {
            if down.iter().any(|d: &&CriteriaSet| d.id() == s.id()) {
                break;
            }
            down.push(s);
            cur = s.header.requires.as_ref().and_then(|r| self.get(r));
        }
        down.reverse();
        let mut top = down.last().copied();
        while let Some(t) = top {
            let next: Vec<&CriteriaSet> = self
                .sets
                .values()
                .filter(|s| s.header.requires.as_ref() == Some(t.id()))
                .collect();
            top = match next.as_slice() {
                [one] if !down.iter().any(|d| d.id() == one.id()) => Some(*one),
                _ => None,
            };
            if let Some(n) = top {
                down.push(n);
            }
        }
        down
    }
}

/// Why no default set could be chosen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DefaultSetError {
    #[error("không có bộ tiêu chí nào áp dụng")]
    None,
    #[error("có nhiều bộ tiêu chí ngang nhau ({}); chọn một bằng --set", .0.join(", "))]
    Ambiguous(Vec<String>),
}

fn resolve(
    id: &SetId,
    defs: &BTreeMap<SetId, SetDefinition>,
    chain: &mut Vec<SetId>,
) -> Result<CriteriaSet, Vec<Problem>> {
    let def = &defs[id];
    let err = |path: Vec<String>, message: String| Problem {
        set: id.0.clone(),
        path,
        message,
    };
    let Some(base_id) = &def.derivation.base else {
        return Ok(CriteriaSet {
            header: def.header.clone(),
            derives_from: None,
            depth: 0,
            criteria: def.criteria.clone(),
        });
    };
    if chain.contains(base_id) {
        return Err(vec![err(
            vec![],
            format!("vòng lặp kế thừa: {} → {}", chain_text(chain), base_id),
        )]);
    }
    if !defs.contains_key(base_id) {
        return Err(vec![err(
            vec![],
            format!("bộ tiêu chí gốc “{base_id}” không tồn tại"),
        )]);
    }
    chain.push(base_id.clone());
    let base = resolve(base_id, defs, chain).map_err(|mut inner| {
        inner.push(err(
            vec![],
            format!("bộ tiêu chí gốc “{base_id}” có lỗi; sửa bộ gốc trước"),
        ));
        inner
    })?;
    chain.pop();
    let mut problems = Vec::new();
    let mut criteria = base.criteria.clone();
    for (criterion_id, added) in &def.derivation.extend {
        match criteria.iter_mut().find(|c| &c.id == criterion_id) {
            Some(c) => c.indicators.extend(added.iter().cloned()),
            None => problems.push(err(
                vec![format!("mở rộng tiêu chí {criterion_id}")],
                format!("tiêu chí {criterion_id} không có trong bộ gốc {base_id}"),
            )),
        }
    }
    for c in &def.criteria {
        if criteria.iter().any(|b| b.id == c.id) {
            problems.push(err(
                vec![format!("tiêu chí {}", c.id)],
                format!(
                    "tiêu chí {} đã có trong bộ gốc {base_id}; dùng [[extend]] để thêm chỉ tiêu",
                    c.id
                ),
            ));
        } else {
            criteria.push(c.clone());
        }
    }
    for (indicator_id, thresholds) in &def.derivation.overrides {
        let target = criteria
            .iter_mut()
            .flat_map(|c| c.indicators.iter_mut())
            .find(|i| &i.id == indicator_id);
        match target {
            Some(i) if i.comparison == Comparison::Pass => problems.push(err(
                vec![format!("ghi đè chỉ tiêu {indicator_id}")],
                "chỉ tiêu đạt/không đạt không có ngưỡng số để ghi đè".into(),
            )),
            Some(i) => i.thresholds = thresholds.clone(),
            None => problems.push(err(
                vec![format!("ghi đè chỉ tiêu {indicator_id}")],
                format!("chỉ tiêu {indicator_id} không có trong bộ gốc {base_id}"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(CriteriaSet {
        header: def.header.clone(),
        derives_from: Some(base_id.clone()),
        depth: base.depth + 1,
        criteria,
    })
}

fn chain_text(chain: &[SetId]) -> String {
    chain
        .iter()
        .map(|s| s.0.as_str())
        .collect::<Vec<_>>()
        .join(" → ")
}

fn check_set(set: &CriteriaSet, catalogue: &Catalogue) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut p = |path: Vec<String>, message: String| {
        problems.push(Problem {
            set: set.id().0.clone(),
            path,
            message,
        })
    };
    let h = &set.header;
    if h.period.from > h.period.to {
        p(
            vec![],
            format!("giai đoạn {}–{} không hợp lệ", h.period.from, h.period.to),
        );
    }
    // Villages and gardens are below the administrative tree, so they have no unit type.
    let needs_types = matches!(
        h.kind,
        UnitKind::Commune | UnitKind::District | UnitKind::Province
    );
    if needs_types && h.applies_to.is_empty() {
        p(
            vec![],
            "chưa khai báo loại đơn vị áp dụng (applies_to)".into(),
        );
    }
    if let Some(req) = &h.requires {
        match catalogue.get(req) {
            None => p(
                vec![],
                format!("bộ tiêu chí yêu cầu trước “{req}” không tồn tại"),
            ),
            Some(r) if r.header.level >= h.level => p(
                vec![],
                format!(
                    "bộ yêu cầu trước “{req}” phải ở mức thấp hơn {}",
                    h.level.label_vi()
                ),
            ),
            Some(_) => {}
        }
        let mut seen = BTreeSet::new();
        let mut cur = Some(set);
        while let Some(s) = cur {
            if !seen.insert(s.id().clone()) {
                p(vec![], "vòng lặp trong chuỗi yêu cầu (requires)".into());
                break;
            }
            cur = s.header.requires.as_ref().and_then(|r| catalogue.get(r));
        }
    }
    let mut criterion_ids = BTreeSet::new();
    let mut indicator_ids = BTreeSet::new();
    for c in &set.criteria {
        if !criterion_ids.insert(&c.id) {
            p(
                vec![format!("tiêu chí {}", c.id)],
                "trùng mã tiêu chí".into(),
            );
        }
        for i in &c.indicators {
            let path = vec![format!("tiêu chí {}", c.id), format!("chỉ tiêu {}", i.id)];
            if !indicator_ids.insert(&i.id) {
                p(path.clone(), "trùng mã chỉ tiêu trong bộ".into());
            }
            if i.comparison == Comparison::Pass && !i.thresholds.is_empty() {
                p(
                    path.clone(),
                    "chỉ tiêu đạt/không đạt không có ngưỡng số".into(),
                );
            }
            if i.computed.is_some() && i.value_of.is_some() {
                p(path.clone(), "không thể vừa tính từ cấp dưới (computed) vừa lấy giá trị chỉ tiêu khác (value_of)".into());
            }
            if let Some(from) = &i.threshold_from {
                if !i.thresholds.is_empty() {
                    p(
                        path.clone(),
                        "đã có threshold_from thì không khai báo ngưỡng riêng".into(),
                    );
                }
                match h.requires.as_ref().and_then(|r| catalogue.get(r)) {
                    None => p(
                        path.clone(),
                        "threshold_from cần bộ tiêu chí có khai báo requires".into(),
                    ),
                    Some(r) if r.indicator(&from.indicator).is_none() => p(
                        path.clone(),
                        format!(
                            "chỉ tiêu {} không có trong bộ yêu cầu trước {}",
                            from.indicator,
                            r.id()
                        ),
                    ),
                    Some(_) => {}
                }
            }
            for (n, t) in i.thresholds.iter().enumerate() {
                let tpath = || {
                    let mut v = path.clone();
                    v.push(format!("ngưỡng {} ({})", n + 1, t.when));
                    v
                };
                if i.is_percent() && (t.value < Decimal::ZERO || t.value > Decimal::ONE_HUNDRED) {
                    p(tpath(), format!("ngưỡng {}% nằm ngoài 0–100%", t.value));
                }
                if let Some(y) = t.when.year
                    && !h.period.contains(y)
                {
                    p(
                        tpath(),
                        format!(
                            "năm {y} nằm ngoài giai đoạn {}–{} của bộ",
                            h.period.from, h.period.to
                        ),
                    );
                }
                if let Some(g) = t.when.group
                    && !(1..=3).contains(&g)
                {
                    p(tpath(), format!("nhóm xã {g} không hợp lệ (1, 2 hoặc 3)"));
                }
                for (m, other) in i.thresholds.iter().enumerate().skip(n + 1) {
                    if t.when.specificity() == other.when.specificity()
                        && t.when.compatible(&other.when)
                    {
                        p(
                            tpath(),
                            format!(
                                "trùng phạm vi áp dụng với ngưỡng {} ({}): một đơn vị có thể khớp cả hai",
                                m + 1,
                                other.when
                            ),
                        );
                    }
                }
            }
        }
    }
    problems
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn indicator(
        id: &str,
        comparison: Comparison,
        thresholds: &[(i64, Selector)],
    ) -> Indicator {
        Indicator {
            id: id.into(),
            name: format!("Chỉ tiêu {id}"),
            name_en: None,
            unit: Some("%".into()),
            comparison,
            thresholds: thresholds
                .iter()
                .map(|(v, when)| Threshold {
                    value: Decimal::from(*v),
                    when: when.clone(),
                    source: Some("test".into()),
                    confidence: Confidence::High,
                    illustrative: false,
                    note: None,
                })
                .collect(),
            threshold_from: None,
            value_of: None,
            computed: None,
            source: None,
            confidence: Confidence::High,
            note: None,
        }
    }

    #[test]
    fn which_indicators_are_configured_and_which_take_thresholds() {
        let any = Selector::default();
        let derived = |mut i: Indicator| {
            i.threshold_from = Some(ThresholdFrom {
                indicator: "10.1".into(),
                factor: Decimal::new(11, 1),
            });
            i
        };
        let computed = |mut i: Indicator| {
            i.computed = Some(Computed::CommunesStandardPct);
            i
        };
        // (indicator, configured, takes thresholds)
        let table = [
            (indicator("a", Comparison::Pass, &[]), true, false),
            (indicator("b", Comparison::AtLeast, &[]), false, true),
            (
                indicator("c", Comparison::AtLeast, &[(80, any.clone())]),
                true,
                true,
            ),
            (
                indicator("d", Comparison::AtMost, &[(5, any.clone())]),
                true,
                true,
            ),
            (
                derived(indicator("e", Comparison::AtLeast, &[])),
                true,
                false,
            ),
            (
                computed(indicator("f", Comparison::AtLeast, &[(100, any)])),
                true,
                false,
            ),
            (
                computed(indicator("g", Comparison::AtLeast, &[])),
                false,
                false,
            ),
        ];
        for (i, configured, takes) in table {
            assert_eq!(i.is_configured(), configured, "{} configured", i.id);
            assert_eq!(i.takes_thresholds(), takes, "{} takes thresholds", i.id);
        }
    }

    pub fn criterion(id: &str, indicators: Vec<Indicator>) -> Criterion {
        Criterion {
            id: id.into(),
            name: format!("Tiêu chí {id}"),
            name_en: None,
            group: None,
            indicators,
            source: None,
            confidence: Confidence::High,
            note: None,
        }
    }

    pub fn header(id: &str, level: Level, requires: Option<&str>) -> SetHeader {
        SetHeader {
            id: SetId(id.into()),
            title: id.into(),
            title_en: None,
            kind: UnitKind::Commune,
            applies_to: vec![UnitType::Commune],
            level,
            period: YearRange {
                from: 2021,
                to: 2025,
            },
            legal_basis: vec![],
            requires: requires.map(|r| SetId(r.into())),
            illustrative: false,
            note: None,
        }
    }

    pub fn complete(
        id: &str,
        level: Level,
        requires: Option<&str>,
        criteria: Vec<Criterion>,
    ) -> SetDefinition {
        SetDefinition {
            header: header(id, level, requires),
            derivation: Derivation::default(),
            criteria,
        }
    }

    fn region(r: &str) -> Selector {
        Selector {
            region: Some(r.into()),
            ..Default::default()
        }
    }

    #[test]
    fn derived_set_adds_extends_and_overrides() {
        let base = complete(
            "base",
            Level::Standard,
            None,
            vec![criterion(
                "1",
                vec![indicator("1.1", Comparison::AtLeast, &[])],
            )],
        );
        let variant = SetDefinition {
            header: header("variant", Level::Standard, None),
            derivation: Derivation {
                base: Some(SetId("base".into())),
                extend: vec![("1".into(), vec![indicator("1.2", Comparison::Pass, &[])])],
                overrides: vec![(
                    "1.1".into(),
                    vec![Threshold {
                        value: Decimal::from(80),
                        when: Selector::default(),
                        source: None,
                        confidence: Confidence::Low,
                        illustrative: true,
                        note: None,
                    }],
                )],
            },
            criteria: vec![criterion(
                "20",
                vec![indicator("20.1", Comparison::Pass, &[])],
            )],
        };
        let cat = Catalogue::build(vec![base, variant]).unwrap();
        let v = cat.get(&SetId("variant".into())).unwrap();
        assert_eq!(v.depth, 1);
        assert_eq!(v.criteria.len(), 2);
        assert_eq!(v.criteria[0].indicators.len(), 2);
        assert_eq!(
            v.indicator("1.1").unwrap().thresholds[0].value,
            Decimal::from(80)
        );
        // The base keeps its unconfigured threshold.
        assert!(
            cat.get(&SetId("base".into()))
                .unwrap()
                .indicator("1.1")
                .unwrap()
                .thresholds
                .is_empty()
        );
        assert_eq!(
            cat.default_set(UnitType::Commune, 2022, Level::Standard)
                .unwrap()
                .id()
                .0,
            "variant"
        );
    }

    #[test]
    fn catalogue_reports_every_problem_with_its_place() {
        let broken = complete(
            "broken",
            Level::Advanced,
            Some("missing"),
            vec![
                criterion(
                    "1",
                    vec![indicator(
                        "1.1",
                        Comparison::AtLeast,
                        &[(120, Selector::default())],
                    )],
                ),
                criterion(
                    "2",
                    vec![
                        indicator("1.1", Comparison::AtLeast, &[]),
                        indicator(
                            "2.2",
                            Comparison::AtLeast,
                            &[(10, region("BTB")), (20, region("BTB"))],
                        ),
                    ],
                ),
            ],
        );
        let orphan = SetDefinition {
            header: header("orphan", Level::Standard, None),
            derivation: Derivation {
                base: Some(SetId("nowhere".into())),
                ..Default::default()
            },
            criteria: vec![],
        };
        let problems = Catalogue::build(vec![broken, orphan]).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let joined = text.join("\n");
        assert!(
            joined.contains("broken: bộ tiêu chí yêu cầu trước “missing” không tồn tại"),
            "{joined}"
        );
        assert!(joined.contains("broken › tiêu chí 1 › chỉ tiêu 1.1 › ngưỡng 1 (mức chung): ngưỡng 120% nằm ngoài 0–100%"), "{joined}");
        assert!(
            joined.contains("tiêu chí 2 › chỉ tiêu 1.1: trùng mã chỉ tiêu"),
            "{joined}"
        );
        assert!(
            joined.contains("trùng phạm vi áp dụng với ngưỡng 2 (vùng BTB)"),
            "{joined}"
        );
        assert!(
            joined.contains("orphan: bộ tiêu chí gốc “nowhere” không tồn tại"),
            "{joined}"
        );
    }

    #[test]
    fn derivation_cycles_are_reported_not_followed() {
        let mk = |id: &str, base: &str| SetDefinition {
            header: header(id, Level::Standard, None),
            derivation: Derivation {
                base: Some(SetId(base.into())),
                ..Default::default()
            },
            criteria: vec![],
        };
        let problems = Catalogue::build(vec![mk("a", "b"), mk("b", "a")]).unwrap_err();
        assert!(
            problems.iter().any(|p| p.message.contains("vòng lặp")),
            "{problems:?}"
        );
    }

    #[test]
    fn ladder_goes_down_then_up() {
        let cat = Catalogue::build(vec![
            complete("std", Level::Standard, None, vec![]),
            complete("adv", Level::Advanced, Some("std"), vec![]),
            complete("model", Level::Model, Some("adv"), vec![]),
        ])
        .unwrap();
        for start in ["std", "adv", "model"] {
            let ids: Vec<&str> = cat
                .ladder(&SetId(start.into()))
                .iter()
                .map(|s| s.id().0.as_str())
                .collect();
            assert_eq!(ids, ["std", "adv", "model"], "from {start}");
        }
    }
}
