//! The structured editor of a criteria set: criteria, indicators and thresholds changed
//! through forms, each save a new audited version of the set's file (written whole by
//! `criteria_file::write`, checked with the other stored sets like a file typed by hand).
//!
//! A set that derives from another owns only what its file says: its own criteria, the
//! indicators it adds to the base's criteria, and the thresholds it puts in place of the
//! base's. A base indicator's name, unit or comparison is changed in the base set; here
//! only its thresholds are, as an override.

use ntm_core::Catalogue;
use ntm_core::criteria::{
    Comparison, Computed, Confidence, CriteriaSet, Criterion, Indicator, Selector, SetDefinition,
    SetId, Threshold,
};
use ntm_core::unit::UnitRegistry;
use ntm_data::criteria_file::{self, REGIONS};
use ntm_reports::{LevelColumn, SetTableLine, SetTableSpec, TableLevel};
use ntm_store::{PutOutcome, Store};
use std::collections::BTreeMap;

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

/// Where an indicator of the resolved set is defined, as the editor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// In this set's file: everything about it can be changed here.
    Own,
    /// In the base set: only its thresholds can be replaced here.
    Base,
}

/// One threshold row of the indicator form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThresholdRow {
    pub value: String,
    /// Empty: any region.
    pub region: String,
    /// Empty: every commune group.
    pub group: String,
    /// Empty: every year of the set.
    pub year: String,
    pub source: String,
    pub confidence: String,
    pub illustrative: bool,
    pub note: String,
}

impl ThresholdRow {
    /// The row shown for a stored threshold.
    pub fn of(t: &Threshold) -> Self {
        ThresholdRow {
            value: t.value.normalize().to_string().replace('.', ","),
            region: t.when.region.clone().unwrap_or_default(),
            group: t.when.group.map(|g| g.to_string()).unwrap_or_default(),
            year: t.when.year.map(|y| y.to_string()).unwrap_or_default(),
            source: t.source.clone().unwrap_or_default(),
            confidence: t.confidence.as_str().into(),
            illustrative: t.illustrative,
            note: t.note.clone().unwrap_or_default(),
        }
    }
    fn is_blank(&self) -> bool {
        [
            &self.value,
            &self.region,
            &self.group,
            &self.year,
            &self.source,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// The indicator form. `kind` is `number` or `pass`; `direction` `>=`, `<=` or `=`;
/// `computed` empty for an entered value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorForm {
    pub criterion: String,
    pub id: String,
    pub name: String,
    pub unit: String,
    pub kind: String,
    pub direction: String,
    pub computed: String,
    pub value_of: String,
    pub source: String,
    pub confidence: String,
    pub note: String,
    pub thresholds: Vec<ThresholdRow>,
}

impl IndicatorForm {
    /// The form of a stored indicator.
    pub fn of(criterion: &str, i: &Indicator) -> Self {
        IndicatorForm {
            criterion: criterion.into(),
            id: i.id.clone(),
            name: i.name.clone(),
            unit: i.unit.clone().unwrap_or_default(),
            kind: if i.comparison == Comparison::Pass {
                "pass"
            } else {
                "number"
            }
            .into(),
            direction: match i.comparison {
                Comparison::AtMost => "<=",
                Comparison::Equal => "=",
                _ => ">=",
            }
            .into(),
            computed: i.computed.map(|c| c.as_str().into()).unwrap_or_default(),
            value_of: i.value_of.clone().unwrap_or_default(),
            source: i.source.clone().unwrap_or_default(),
            confidence: i.confidence.as_str().into(),
            note: i.note.clone().unwrap_or_default(),
            thresholds: i.thresholds.iter().map(ThresholdRow::of).collect(),
        }
    }
}

/// The criterion form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CriterionForm {
    pub id: String,
    pub name: String,
    pub group: String,
    pub source: String,
    pub confidence: String,
    pub note: String,
}

/// What a user may pick for a computed indicator, with its Vietnamese label.
pub const COMPUTED_CHOICES: [(Computed, &str); 5] = [
    (
        Computed::CommunesStandardPct,
        "% số xã đạt chuẩn (tính từ các xã)",
    ),
    (
        Computed::CommunesAdvancedPct,
        "% số xã đạt nâng cao (tính từ các xã)",
    ),
    (
        Computed::DistrictsStandardPct,
        "% số huyện đạt chuẩn (tính từ các huyện)",
    ),
    (
        Computed::DistrictsAdvancedPct,
        "% số huyện đạt nâng cao (tính từ các huyện)",
    ),
    (
        Computed::TownsCompletedPct,
        "% số thị xã, thành phố hoàn thành nhiệm vụ",
    ),
];

/// Where an indicator of `set` is defined.
pub fn ownership(def: &SetDefinition, indicator: &str) -> Ownership {
    let own = def
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .chain(def.derivation.extend.iter().flat_map(|(_, is)| is))
        .any(|i| i.id == indicator);
    if own { Ownership::Own } else { Ownership::Base }
}

/// Whether the criterion is defined by this set's file (else it is the base's).
pub fn owns_criterion(def: &SetDefinition, criterion: &str) -> bool {
    def.criteria.iter().any(|c| c.id == criterion)
}

/// The stored version and file of set `id`, read as a definition.
pub async fn stored_definition(store: &dyn Store, id: &str) -> AppResult<(i64, SetDefinition)> {
    let record = store
        .list_criteria_sets()
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::NotFound(format!("Không có bộ tiêu chí “{id}”.")))?;
    let def = criteria_file::parse(&format!("{id}.toml"), &record.source_text)
        .map_err(|p| AppError::Invalid(p.iter().map(ToString::to_string).collect()))?;
    Ok((record.version, def))
}

fn confidence(text: &str, field: &str, problems: &mut Vec<(String, String)>) -> Confidence {
    match text.trim() {
        "" => Confidence::Low,
        t => Confidence::parse(t).unwrap_or_else(|| {
            problems.push((
                field.into(),
                format!("độ tin cậy “{t}” không hợp lệ; chọn cao, trung bình hoặc thấp"),
            ));
            Confidence::Low
        }),
    }
}

fn text(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Reads the threshold rows; every problem names its row and field. Blank rows are the
/// form's spare rows and are skipped.
fn thresholds(rows: &[ThresholdRow], problems: &mut Vec<(String, String)>) -> Vec<Threshold> {
    let mut out = Vec::new();
    for (n, row) in rows.iter().enumerate().filter(|(_, r)| !r.is_blank()) {
        let at = |field: &str| format!("Ngưỡng {} — {field}", n + 1);
        let before = problems.len();
        let value = ntm_core::Value::parse_number(&row.value)
            .map_err(|e| problems.push((at("mức"), e.to_string())))
            .ok();
        let region = text(&row.region);
        if let Some(r) = &region
            && !REGIONS.contains(&r.as_str())
        {
            problems.push((
                at("vùng"),
                format!("vùng “{r}” không có; chọn {}", REGIONS.join(", ")),
            ));
        }
        let group = match row.group.trim() {
            "" => None,
            g => match g.parse::<u8>() {
                Ok(g @ 1..=3) => Some(g),
                _ => {
                    problems.push((at("nhóm xã"), format!("“{g}”: nhóm xã là 1, 2 hoặc 3")));
                    None
                }
            },
        };
        let year = match row.year.trim() {
            "" => None,
            y => y
                .parse::<i32>()
                .map_err(|_| problems.push((at("năm"), format!("“{y}” không phải là năm"))))
                .ok(),
        };
        let confidence = confidence(&row.confidence, &at("độ tin cậy"), problems);
        if let (Some(value), true) = (value, problems.len() == before) {
            out.push(Threshold {
                value,
                when: Selector {
                    region,
                    group,
                    year,
                },
                source: text(&row.source),
                confidence,
                illustrative: row.illustrative,
                note: text(&row.note),
            });
        }
    }
    out
}

/// The indicator a form describes; `Fields` with every problem when it does not.
fn indicator_of(form: &IndicatorForm) -> AppResult<Indicator> {
    let mut problems = Vec::new();
    let id = form.id.trim().to_owned();
    if id.is_empty() || id.chars().any(char::is_whitespace) {
        problems.push((
            "Mã chỉ tiêu".into(),
            "cần một mã không có dấu cách, ví dụ 3.1".into(),
        ));
    }
    if form.name.trim().is_empty() {
        problems.push(("Tên chỉ tiêu".into(), "cần có tên".into()));
    }
    let comparison = match (form.kind.as_str(), form.direction.as_str()) {
        ("pass", _) => Comparison::Pass,
        ("number", d) => Comparison::parse(d).unwrap_or_else(|| {
            problems.push(("Chiều so sánh".into(), "chọn ≥, ≤ hoặc =".into()));
            Comparison::AtLeast
        }),
        (k, _) => {
            problems.push(("Loại".into(), format!("“{k}”: chọn số hoặc đạt/không đạt")));
            Comparison::AtLeast
        }
    };
    let computed = match form.computed.trim() {
        "" => None,
        c => Computed::parse(c).or_else(|| {
            problems.push(("Cách có giá trị".into(), format!("“{c}” không có")));
            None
        }),
    };
    let confidence = confidence(&form.confidence, "Độ tin cậy", &mut problems);
    let thresholds = thresholds(&form.thresholds, &mut problems);
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    Ok(Indicator {
        id,
        name: form.name.trim().to_owned(),
        name_en: None,
        unit: text(&form.unit),
        comparison,
        thresholds,
        threshold_from: None,
        value_of: text(&form.value_of),
        computed,
        source: text(&form.source),
        confidence,
        note: text(&form.note),
    })
}

/// What a save changes in the definition.
pub enum Change {
    /// Adds (`original` None) or replaces the indicator `original`.
    Indicator {
        original: Option<String>,
        form: IndicatorForm,
    },
    RemoveIndicator(String),
    /// Adds (`original` None) or replaces the criterion `original`.
    Criterion {
        original: Option<String>,
        form: CriterionForm,
    },
    RemoveCriterion(String),
}

impl Change {
    fn reason(&self) -> String {
        match self {
            Change::Indicator {
                original: None,
                form,
            } => format!("thêm chỉ tiêu {}", form.id.trim()),
            Change::Indicator { form, .. } => format!("sửa chỉ tiêu {}", form.id.trim()),
            Change::RemoveIndicator(i) => format!("xóa chỉ tiêu {i}"),
            Change::Criterion {
                original: None,
                form,
            } => {
                format!("thêm tiêu chí {}", form.id.trim())
            }
            Change::Criterion { form, .. } => format!("sửa tiêu chí {}", form.id.trim()),
            Change::RemoveCriterion(c) => format!("xóa tiêu chí {c}"),
        }
    }
}

fn refuse(message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![message.into()])
}

/// Applies a change to the definition of `set` (its resolved form, to know the base's
/// criteria and indicators). Pure: the save below writes the result.
pub fn apply(def: &mut SetDefinition, set: &CriteriaSet, change: Change) -> AppResult<()> {
    match change {
        Change::Indicator { original, form } => {
            let mut indicator = indicator_of(&form)?;
            let taken = |id: &str| set.indicator(id).is_some();
            match original.as_deref() {
                None if taken(&indicator.id) => {
                    return Err(AppError::Fields(vec![(
                        "Mã chỉ tiêu".into(),
                        format!("bộ này đã có chỉ tiêu {}", indicator.id),
                    )]));
                }
                Some(o) if o != indicator.id && taken(&indicator.id) => {
                    return Err(AppError::Fields(vec![(
                        "Mã chỉ tiêu".into(),
                        format!("bộ này đã có chỉ tiêu {}", indicator.id),
                    )]));
                }
                _ => {}
            }
            if let Some(o) = original.as_deref()
                && ownership(def, o) == Ownership::Base
            {
                let base = set
                    .indicator(o)
                    .ok_or_else(|| AppError::NotFound(format!("Không có chỉ tiêu “{o}”.")))?;
                let mine = IndicatorForm::of(&form.criterion, base);
                if (
                    &form.name.trim(),
                    form.kind.as_str(),
                    form.direction.as_str(),
                    form.unit.trim(),
                ) != (
                    &mine.name.as_str(),
                    mine.kind.as_str(),
                    mine.direction.as_str(),
                    mine.unit.as_str(),
                ) || indicator.id != o
                {
                    return Err(refuse(format!(
                        "Chỉ tiêu {o} thuộc bộ gốc {}: ở đây chỉ thay được ngưỡng; tên, đơn vị, \
                         phép so sánh sửa ở bộ gốc.",
                        def.derivation.base.as_ref().map_or("", |b| b.0.as_str())
                    )));
                }
                def.derivation.overrides.retain(|(i, _)| i != o);
                def.derivation
                    .overrides
                    .push((o.to_owned(), indicator.thresholds));
                return Ok(());
            }
            let criterion = form.criterion.trim();
            let now_under = set
                .criteria
                .iter()
                .find(|c| {
                    original
                        .as_deref()
                        .is_some_and(|o| c.indicators.iter().any(|i| i.id == o))
                })
                .map(|c| c.id.clone());
            if let Some(o) = original.as_deref()
                && now_under.as_deref().is_some_and(|c| c != criterion)
            {
                // Moved to another criterion: taken out here, added there below (what the
                // form cannot say comes along).
                let old = def
                    .criteria
                    .iter()
                    .flat_map(|c| &c.indicators)
                    .chain(def.derivation.extend.iter().flat_map(|(_, is)| is))
                    .find(|i| i.id == o)
                    .cloned();
                if let Some(old) = old {
                    indicator.name_en = old.name_en;
                    indicator.threshold_from = old.threshold_from;
                }
                for c in &mut def.criteria {
                    c.indicators.retain(|i| i.id != o);
                }
                for (_, is) in &mut def.derivation.extend {
                    is.retain(|i| i.id != o);
                }
                def.derivation.extend.retain(|(_, is)| !is.is_empty());
            } else if let Some(o) = original.as_deref() {
                // Replaced where it stands, so the order of the annex is kept.
                let slot = def
                    .criteria
                    .iter_mut()
                    .flat_map(|c| c.indicators.iter_mut())
                    .chain(
                        def.derivation
                            .extend
                            .iter_mut()
                            .flat_map(|(_, is)| is.iter_mut()),
                    )
                    .find(|i| i.id == o)
                    .ok_or_else(|| AppError::NotFound(format!("Không có chỉ tiêu “{o}”.")))?;
                indicator.name_en = slot.name_en.take();
                indicator.threshold_from = slot.threshold_from.take();
                *slot = indicator;
                return Ok(());
            }
            if let Some(c) = def.criteria.iter_mut().find(|c| c.id == criterion) {
                c.indicators.push(indicator);
            } else if set.criteria.iter().any(|c| c.id == criterion) {
                match def
                    .derivation
                    .extend
                    .iter_mut()
                    .find(|(c, _)| c == criterion)
                {
                    Some((_, is)) => is.push(indicator),
                    None => def
                        .derivation
                        .extend
                        .push((criterion.to_owned(), vec![indicator])),
                }
            } else {
                return Err(AppError::NotFound(format!(
                    "Không có tiêu chí “{criterion}”."
                )));
            }
        }
        Change::RemoveIndicator(id) => {
            if ownership(def, &id) == Ownership::Base {
                let had = def.derivation.overrides.len();
                def.derivation.overrides.retain(|(i, _)| *i != id);
                if had == def.derivation.overrides.len() {
                    return Err(refuse(format!(
                        "Chỉ tiêu {id} thuộc bộ gốc; bộ này không thay ngưỡng của nó nên không có gì để bỏ."
                    )));
                }
                return Ok(());
            }
            for c in &mut def.criteria {
                c.indicators.retain(|i| i.id != id);
            }
            for (_, is) in &mut def.derivation.extend {
                is.retain(|i| i.id != id);
            }
            def.derivation.extend.retain(|(_, is)| !is.is_empty());
        }
        Change::Criterion { original, form } => {
            let mut problems = Vec::new();
            let id = form.id.trim().to_owned();
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                problems.push((
                    "Mã tiêu chí".into(),
                    "cần một mã không có dấu cách, ví dụ 3".into(),
                ));
            }
            if form.name.trim().is_empty() {
                problems.push(("Tên tiêu chí".into(), "cần có tên".into()));
            }
            let confidence = confidence(&form.confidence, "Độ tin cậy", &mut problems);
            let taken = set.criteria.iter().any(|c| c.id == id);
            if taken && original.as_deref() != Some(id.as_str()) {
                problems.push(("Mã tiêu chí".into(), format!("bộ này đã có tiêu chí {id}")));
            }
            if !problems.is_empty() {
                return Err(AppError::Fields(problems));
            }
            let fields = |c: &mut Criterion| {
                c.id = id.clone();
                c.name = form.name.trim().to_owned();
                c.group = text(&form.group);
                c.source = text(&form.source);
                c.confidence = confidence;
                c.note = text(&form.note);
            };
            match original {
                None => {
                    let mut c = Criterion {
                        id: String::new(),
                        name: String::new(),
                        name_en: None,
                        group: None,
                        indicators: vec![],
                        source: None,
                        confidence,
                        note: None,
                    };
                    fields(&mut c);
                    def.criteria.push(c);
                }
                Some(o) => {
                    let c = def.criteria.iter_mut().find(|c| c.id == o).ok_or_else(|| {
                        refuse(format!(
                            "Tiêu chí {o} thuộc bộ gốc; tên của nó sửa ở bộ gốc."
                        ))
                    })?;
                    fields(c);
                }
            }
        }
        Change::RemoveCriterion(id) => {
            let c =
                def.criteria.iter().find(|c| c.id == id).ok_or_else(|| {
                    refuse(format!("Tiêu chí {id} thuộc bộ gốc; không xóa ở đây."))
                })?;
            if !c.indicators.is_empty() {
                return Err(refuse(format!(
                    "Tiêu chí {id} còn {} chỉ tiêu; xóa các chỉ tiêu trước.",
                    c.indicators.len()
                )));
            }
            def.criteria.retain(|c| c.id != id);
        }
    }
    Ok(())
}

/// Only the province's office edits sets.
pub fn may_edit(registry: &UnitRegistry, actor: &Actor) -> AppResult<()> {
    if actor.can_globally(registry, ntm_core::access::Action::EditCriteria) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "chỉ quản trị của tỉnh sửa bộ tiêu chí".into(),
        ))
    }
}

/// Saves a change to set `id` opened at version `seen`: refused (`Conflict`) if another
/// version was saved meanwhile, (`Invalid`) with every problem located in the set when the
/// result does not check. Only the province's office edits sets.
pub async fn save(
    store: &dyn Store,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    actor: &Actor,
    (id, seen): (&str, i64),
    change: Change,
    audit: &AuditContext,
) -> AppResult<PutOutcome> {
    may_edit(registry, actor)?;
    let set = catalogue
        .get(&SetId(id.to_owned()))
        .ok_or_else(|| AppError::NotFound(format!("Không có bộ tiêu chí “{id}”.")))?;
    let (_, mut def) = stored_definition(store, id).await?;
    let reason = change.reason();
    apply(&mut def, set, change)?;
    let files = [(format!("{id}.toml"), criteria_file::write(&def))];
    // Checked here to tell each problem by its place in the set (criterion › indicator ›
    // threshold), not by the line of a file the user never saw.
    let library = crate::criteria::stored_files(store).await?;
    let problems = criteria_file::check_files(&files, &library);
    if !problems.is_empty() {
        return Err(AppError::Invalid(
            problems.iter().map(|p| located(p, id)).collect(),
        ));
    }
    let audit = AuditContext {
        reason: format!("{} ({reason})", audit.reason),
        ..audit.clone()
    };
    let outcomes = crate::criteria::import_seen(store, &files, Some(seen), &audit).await?;
    Ok(outcomes
        .into_iter()
        .next()
        .map_or(PutOutcome::Unchanged { version: seen }, |(_, o)| o))
}

/// The level columns a set's table offers: commune groups from 2026 (the 2026-2030 sets
/// key on them), regions before; and any other column a threshold of the set uses.
fn level_columns(set: &CriteriaSet) -> Vec<LevelColumn> {
    let mut columns = vec![LevelColumn::Any];
    if set.header.period.to >= 2026 {
        columns.extend((1..=3).map(LevelColumn::Group));
    } else {
        columns.extend(REGIONS.iter().map(|r| LevelColumn::Region(r)));
    }
    for (_, i) in set.indicators() {
        for t in &i.thresholds {
            let c = column_of(&t.when);
            if !columns.contains(&c) {
                columns.push(c);
            }
        }
    }
    columns
}

fn column_of(when: &Selector) -> LevelColumn {
    match (&when.region, when.group) {
        (Some(r), _) => REGIONS
            .iter()
            .find(|code| *code == r)
            .map_or(LevelColumn::Any, |c| LevelColumn::Region(c)),
        (None, Some(g)) => LevelColumn::Group(g),
        (None, None) => LevelColumn::Any,
    }
}

fn confidence_vi(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "cao",
        Confidence::Medium => "trung bình",
        Confidence::Low => "thấp",
    }
}

/// The table of a set as it stands (the template to download): a line per criterion, a
/// line per indicator and year of its levels.
pub fn table_of(set: &CriteriaSet) -> SetTableSpec {
    let mut lines = Vec::new();
    for c in &set.criteria {
        lines.push(SetTableLine {
            criterion: c.id.clone(),
            criterion_name: c.name.clone(),
            source: c.source.clone().unwrap_or_default(),
            confidence: confidence_vi(c.confidence).into(),
            note: c.note.clone().unwrap_or_default(),
            ..SetTableLine::default()
        });
        for i in &c.indicators {
            lines.extend(indicator_lines(&c.id, i));
        }
    }
    SetTableSpec {
        set_id: set.id().0.clone(),
        title: set.header.title.clone(),
        columns: level_columns(set),
        lines,
    }
}

/// The lines of one indicator: one per year of its levels and per act and confidence, so
/// that every level comes back with the act it was read from; a line holds one level per
/// column.
fn indicator_lines(criterion: &str, i: &Indicator) -> Vec<SetTableLine> {
    let line = |t: Option<&Threshold>| SetTableLine {
        criterion: criterion.to_owned(),
        indicator: i.id.clone(),
        indicator_name: i.name.clone(),
        unit: i.unit.clone().unwrap_or_default(),
        comparison: i.comparison.sign().into(),
        year: t
            .and_then(|t| t.when.year)
            .map(|y| y.to_string())
            .unwrap_or_default(),
        source: t
            .map_or(i.source.as_ref(), |t| t.source.as_ref())
            .cloned()
            .unwrap_or_default(),
        confidence: confidence_vi(t.map_or(i.confidence, |t| t.confidence)).into(),
        note: i.note.clone().unwrap_or_default(),
        ..SetTableLine::default()
    };
    let mut thresholds: Vec<&Threshold> = i.thresholds.iter().collect();
    thresholds.sort_by_key(|t| t.when.year);
    let mut lines: Vec<SetTableLine> = Vec::new();
    for t in thresholds {
        let column = column_of(&t.when);
        let level = TableLevel::typed(t.value.normalize().to_string().replace('.', ","));
        let fresh = line(Some(t));
        match lines.iter_mut().find(|l| {
            (&l.year, &l.source, &l.confidence) == (&fresh.year, &fresh.source, &fresh.confidence)
                && !l.levels.contains_key(&column)
        }) {
            Some(l) => {
                l.levels.insert(column, level);
            }
            None => {
                let mut l = fresh;
                l.levels.insert(column, level);
                lines.push(l);
            }
        }
    }
    if lines.is_empty() {
        lines.push(line(None));
    }
    lines
}

/// [`table_of`] as the workbook to download.
pub fn table_xlsx(set: &CriteriaSet) -> AppResult<Vec<u8>> {
    ntm_reports::set_table(&table_of(set)).map_err(|e| AppError::Invalid(vec![e.to_string()]))
}

fn confidence_of_table(text: &str) -> Option<Confidence> {
    match ntm_core::text::search_key(text).trim() {
        "" | "thap" | "low" => Some(Confidence::Low),
        "trung binh" | "medium" => Some(Confidence::Medium),
        "cao" | "high" => Some(Confidence::High),
        _ => None,
    }
}

/// The definition a set's table gives: its criteria and indicators replace the set's,
/// keeping what a table cannot say (English names, computed values, thresholds derived
/// from another set) from the indicators of the same id. Every problem names its row and
/// column. Only a set that derives from none is written from a table.
pub fn from_table(
    def: &SetDefinition,
    lines: &[SetTableLine],
) -> Result<SetDefinition, Vec<String>> {
    if let Some(base) = &def.derivation.base {
        return Err(vec![format!(
            "Bộ {} kế thừa bộ {}: bảng phụ lục nhập cho bộ gốc; với bộ của tỉnh, hãy sửa ngưỡng trong trình soạn.",
            def.header.id.0, base.0
        )]);
    }
    let old: BTreeMap<&str, &Indicator> = def
        .criteria
        .iter()
        .flat_map(|c| &c.indicators)
        .map(|i| (i.id.as_str(), i))
        .collect();
    let old_criteria: BTreeMap<&str, &Criterion> =
        def.criteria.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut problems = Vec::new();
    let mut criteria: Vec<Criterion> = Vec::new();
    for line in lines {
        let at = |column: &str| format!("dòng {}, cột “{column}”", line.row);
        let confidence = confidence_of_table(&line.confidence).unwrap_or_else(|| {
            problems.push(format!(
                "{}: “{}” — ghi cao, trung bình hoặc thấp",
                at("Độ tin cậy"),
                line.confidence
            ));
            Confidence::Low
        });
        if line.indicator.is_empty() {
            if line.criterion.is_empty() {
                problems.push(format!(
                    "dòng {}: thiếu “TT tiêu chí” (dòng tiêu chí) hoặc “Mã chỉ tiêu” (dòng chỉ tiêu)",
                    line.row
                ));
                continue;
            }
            if criteria.iter().any(|c| c.id == line.criterion) {
                problems.push(format!(
                    "{}: tiêu chí {} đã có ở trên",
                    at("TT tiêu chí"),
                    line.criterion
                ));
                continue;
            }
            if line.criterion_name.is_empty() {
                problems.push(format!(
                    "{}: thiếu tên tiêu chí {}",
                    at("Tên tiêu chí"),
                    line.criterion
                ));
            }
            let kept = old_criteria.get(line.criterion.as_str());
            criteria.push(Criterion {
                id: line.criterion.clone(),
                name: line.criterion_name.clone(),
                name_en: kept.and_then(|c| c.name_en.clone()),
                group: kept.and_then(|c| c.group.clone()),
                indicators: vec![],
                source: text(&line.source),
                confidence,
                note: text(&line.note),
            });
            continue;
        }
        // An indicator line belongs to the criterion it names, else to the one above.
        let criterion = if line.criterion.is_empty() {
            criteria.last().map(|c| c.id.clone())
        } else {
            Some(line.criterion.clone())
        };
        let Some(slot) = criterion
            .as_deref()
            .and_then(|id| criteria.iter_mut().position(|c| c.id == id))
        else {
            problems.push(format!(
                "{}: chỉ tiêu {} không thuộc tiêu chí nào; hãy thêm dòng tiêu chí {} ở trên",
                at("Mã chỉ tiêu"),
                line.indicator,
                criterion.unwrap_or_default()
            ));
            continue;
        };
        let year = match line.year.trim() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) => Some(y),
                Err(_) => {
                    problems.push(format!("{}: “{y}” không phải là năm", at("Năm áp dụng")));
                    continue;
                }
            },
        };
        let mut thresholds = Vec::new();
        for (column, level) in &line.levels {
            if level.text.trim().is_empty() {
                continue;
            }
            let convention = if level.number {
                ntm_core::value::Convention::English
            } else {
                ntm_core::value::Convention::Either
            };
            match ntm_core::Value::parse_number_as(&level.text, convention) {
                Ok(value) => {
                    let when = Selector {
                        region: match column {
                            LevelColumn::Region(r) => Some((*r).to_owned()),
                            _ => None,
                        },
                        group: match column {
                            LevelColumn::Group(g) => Some(*g),
                            _ => None,
                        },
                        year,
                    };
                    // A level the table gives back unchanged keeps its note and its demo
                    // mark, which the table has no column for.
                    let same = old.get(line.indicator.as_str()).and_then(|i| {
                        i.thresholds
                            .iter()
                            .find(|t| t.when == when && t.value == value)
                    });
                    thresholds.push(Threshold {
                        value,
                        when,
                        source: text(&line.source),
                        confidence,
                        illustrative: same.map_or(def.header.illustrative, |t| t.illustrative),
                        note: same.and_then(|t| t.note.clone()),
                    });
                }
                Err(e) => problems.push(format!(
                    "dòng {}, ô {} (“{}”): {e}",
                    line.row,
                    level.cell,
                    column.header()
                )),
            }
        }
        let c = &mut criteria[slot];
        if let Some(i) = c.indicators.iter_mut().find(|i| i.id == line.indicator) {
            // Another line of the same indicator: the levels of another year.
            if !line.indicator_name.is_empty() && line.indicator_name != i.name {
                problems.push(format!(
                    "{}: chỉ tiêu {} đã có ở trên với nội dung khác",
                    at("Nội dung chỉ tiêu"),
                    line.indicator
                ));
            }
            i.thresholds.extend(thresholds);
            continue;
        }
        if criteria
            .iter()
            .flat_map(|c| &c.indicators)
            .any(|i| i.id == line.indicator)
        {
            problems.push(format!(
                "{}: chỉ tiêu {} đã có ở tiêu chí khác",
                at("Mã chỉ tiêu"),
                line.indicator
            ));
            continue;
        }
        let comparison = match ntm_core::text::search_key(&line.comparison).trim() {
            "dat" | "pass" | "dat/khong dat" => Some(Comparison::Pass),
            other => Comparison::parse(other).or_else(|| Comparison::parse(line.comparison.trim())),
        };
        let Some(comparison) = comparison else {
            problems.push(format!(
                "{}: “{}” — ghi ≥, ≤, = hoặc “đạt”",
                at("So sánh"),
                line.comparison
            ));
            continue;
        };
        if line.indicator_name.is_empty() {
            problems.push(format!(
                "{}: thiếu nội dung chỉ tiêu {}",
                at("Nội dung chỉ tiêu"),
                line.indicator
            ));
        }
        let kept = old.get(line.indicator.as_str());
        let c = &mut criteria[slot];
        c.indicators.push(Indicator {
            id: line.indicator.clone(),
            name: line.indicator_name.clone(),
            name_en: kept.and_then(|i| i.name_en.clone()),
            unit: text(&line.unit),
            comparison,
            thresholds,
            threshold_from: kept.and_then(|i| i.threshold_from.clone()),
            value_of: kept.and_then(|i| i.value_of.clone()),
            computed: kept.and_then(|i| i.computed),
            // The indicator's own act and confidence are not in the table (its columns are
            // the levels'): kept when the indicator was there, the line's when it is new.
            source: kept.map_or_else(|| text(&line.source), |i| i.source.clone()),
            confidence: kept.map_or(confidence, |i| i.confidence),
            note: text(&line.note),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(SetDefinition {
        criteria,
        ..def.clone()
    })
}

/// One line of what an import changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    Added,
    Changed,
    Removed,
}

fn threshold_summary(i: &Indicator) -> String {
    if i.comparison == Comparison::Pass {
        return "đạt / không đạt".into();
    }
    if i.thresholds.is_empty() {
        return "chưa có mức".into();
    }
    i.thresholds
        .iter()
        .map(|t| {
            format!(
                "{} {} ({})",
                i.comparison.sign(),
                t.value.normalize().to_string().replace('.', ","),
                t.when
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Thresholds in a stable order, to compare two versions whatever order their files wrote.
fn sorted_thresholds(t: &[Threshold]) -> Vec<Threshold> {
    let mut v = t.to_vec();
    v.sort_by(|a, b| (&a.when, a.value).cmp(&(&b.when, b.value)));
    v
}

/// What replacing `old`'s criteria with `new`'s changes, criterion by criterion; the
/// unchanged are counted, not listed.
pub fn diff(old: &SetDefinition, new: &SetDefinition) -> (Vec<DiffLine>, usize) {
    let mut lines = Vec::new();
    let mut unchanged = 0;
    let find_c = |d: &SetDefinition, id: &str| d.criteria.iter().find(|c| c.id == id).cloned();
    for c in &new.criteria {
        match find_c(old, &c.id) {
            None => lines.push(DiffLine {
                kind: DiffKind::Added,
                text: format!("Thêm tiêu chí {} — {}", c.id, c.name),
            }),
            Some(o) if o.name != c.name => lines.push(DiffLine {
                kind: DiffKind::Changed,
                text: format!("Tiêu chí {}: tên “{}” → “{}”", c.id, o.name, c.name),
            }),
            Some(o) if (&o.source, o.confidence, &o.note) != (&c.source, c.confidence, &c.note) => {
                lines.push(DiffLine {
                    kind: DiffKind::Changed,
                    text: format!("Tiêu chí {}: căn cứ, độ tin cậy hoặc ghi chú", c.id),
                })
            }
            Some(_) => {}
        }
    }
    let all = |d: &SetDefinition| -> Vec<(String, Indicator)> {
        d.criteria
            .iter()
            .flat_map(|c| c.indicators.iter().map(|i| (c.id.clone(), i.clone())))
            .collect()
    };
    let (old_i, new_i) = (all(old), all(new));
    for (c, i) in &new_i {
        match old_i.iter().find(|(_, o)| o.id == i.id) {
            None => lines.push(DiffLine {
                kind: DiffKind::Added,
                text: format!(
                    "Thêm chỉ tiêu {} (tiêu chí {c}) — {}: {}",
                    i.id,
                    i.name,
                    threshold_summary(i)
                ),
            }),
            Some((oc, o)) => {
                let mut what = Vec::new();
                if oc != c {
                    what.push(format!("chuyển từ tiêu chí {oc} sang {c}"));
                }
                if o.name != i.name {
                    what.push(format!("nội dung “{}” → “{}”", o.name, i.name));
                }
                if o.unit != i.unit {
                    what.push(format!(
                        "đơn vị “{}” → “{}”",
                        o.unit.as_deref().unwrap_or(""),
                        i.unit.as_deref().unwrap_or("")
                    ));
                }
                if o.comparison != i.comparison {
                    what.push(format!(
                        "so sánh {} → {}",
                        o.comparison.sign(),
                        i.comparison.sign()
                    ));
                }
                let levels = |t: &[Threshold]| -> Vec<(Selector, rust_decimal::Decimal)> {
                    let mut v: Vec<_> = t
                        .iter()
                        .map(|t| (t.when.clone(), t.value.normalize()))
                        .collect();
                    v.sort();
                    v
                };
                if levels(&o.thresholds) != levels(&i.thresholds) {
                    what.push(format!(
                        "mức: {} → {}",
                        threshold_summary(o),
                        threshold_summary(i)
                    ));
                } else if sorted_thresholds(&o.thresholds) != sorted_thresholds(&i.thresholds) {
                    what.push("căn cứ, độ tin cậy hoặc ghi chú của mức".into());
                }
                if (&o.source, o.confidence, &o.note) != (&i.source, i.confidence, &i.note) {
                    what.push("căn cứ, độ tin cậy hoặc ghi chú của chỉ tiêu".into());
                }
                if what.is_empty() {
                    unchanged += 1;
                } else {
                    lines.push(DiffLine {
                        kind: DiffKind::Changed,
                        text: format!("Chỉ tiêu {}: {}", i.id, what.join("; ")),
                    });
                }
            }
        }
    }
    for (c, o) in &old_i {
        if !new_i.iter().any(|(_, i)| i.id == o.id) {
            lines.push(DiffLine {
                kind: DiffKind::Removed,
                text: format!("Bỏ chỉ tiêu {} (tiêu chí {c}) — {}", o.id, o.name),
            });
        }
    }
    for c in &old.criteria {
        if find_c(new, &c.id).is_none() {
            lines.push(DiffLine {
                kind: DiffKind::Removed,
                text: format!("Bỏ tiêu chí {} — {}", c.id, c.name),
            });
        }
    }
    (lines, unchanged)
}

/// What an uploaded table would make of a set: the changes, how many indicators stay as
/// they are, and the file to store on confirmation (already checked with the stored sets).
pub struct TablePreview {
    pub version: i64,
    pub changes: Vec<DiffLine>,
    pub unchanged: usize,
    pub text: String,
}

/// Reads an uploaded table for set `id` and checks what it makes; nothing is written.
pub async fn preview_table(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    id: &str,
    bytes: &[u8],
) -> AppResult<TablePreview> {
    may_edit(registry, actor)?;
    preview_table_as_operator(store, id, bytes).await
}

/// [`preview_table`] from the command line, whose operator holds the database itself.
pub async fn preview_table_as_operator(
    store: &dyn Store,
    id: &str,
    bytes: &[u8],
) -> AppResult<TablePreview> {
    let (version, def) = stored_definition(store, id).await?;
    let lines = ntm_reports::read_set_table(bytes)
        .map_err(|p| AppError::Invalid(p.iter().map(ToString::to_string).collect()))?;
    let new = from_table(&def, &lines).map_err(AppError::Invalid)?;
    let files = [(format!("{id}.toml"), criteria_file::write(&new))];
    let library = crate::criteria::stored_files(store).await?;
    let problems = criteria_file::check_files(&files, &library);
    if !problems.is_empty() {
        return Err(AppError::Invalid(
            problems.iter().map(|p| located(p, id)).collect(),
        ));
    }
    let (changes, unchanged) = diff(&def, &new);
    Ok(TablePreview {
        version,
        changes,
        unchanged,
        text: files[0].1.clone(),
    })
}

/// A checker's problem by its place in the set `edited`, for a user who never saw the
/// file; a problem the change makes in another set (one that derives from this one, say)
/// names that set.
fn located(p: &criteria_file::FileProblem, edited: &str) -> String {
    let other = p
        .file
        .strip_suffix(".toml")
        .filter(|set| *set != edited)
        .map(|set| format!("bộ {set} (dựa trên bộ này) › "))
        .unwrap_or_default();
    match p.path.as_slice() {
        [] => format!("{other}{}", p.message),
        path => format!("{other}{}: {}", path.join(" › "), p.message),
    }
}

/// Stores the file a preview made, if the set is still at the version previewed.
pub async fn confirm_table(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    (id, seen): (&str, i64),
    text: &str,
    audit: &AuditContext,
) -> AppResult<PutOutcome> {
    may_edit(registry, actor)?;
    confirm_table_as_operator(store, (id, seen), text, audit).await
}

/// [`confirm_table`] from the command line.
pub async fn confirm_table_as_operator(
    store: &dyn Store,
    (id, seen): (&str, i64),
    text: &str,
    audit: &AuditContext,
) -> AppResult<PutOutcome> {
    let def = criteria_file::parse(&format!("{id}.toml"), text)
        .map_err(|p| AppError::Invalid(p.iter().map(|p| located(p, id)).collect()))?;
    if def.header.id.0 != id {
        return Err(AppError::Invalid(vec![format!(
            "tệp xem trước là của bộ {}, không phải {id}",
            def.header.id.0
        )]));
    }
    let outcomes = crate::criteria::import_seen(
        store,
        &[(format!("{id}.toml"), text.to_owned())],
        Some(seen),
        audit,
    )
    .await?;
    Ok(outcomes
        .into_iter()
        .next()
        .map_or(PutOutcome::Unchanged { version: seen }, |(_, o)| o))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ntm_data::shipped::{criteria_files, demo_criteria_files};

    /// The shipped sets without the demo's completion of the 2026 set, whose own
    /// indicators would take the ids these tests add to the national set.
    fn library() -> Vec<(String, String)> {
        criteria_files()
            .into_iter()
            .chain(demo_criteria_files())
            .filter(|(n, _)| n != "xa-ntm-2026-2030-minh-hoa.toml")
            .collect()
    }

    /// The definition and resolved set of a shipped set.
    fn shipped(id: &str) -> (SetDefinition, CriteriaSet) {
        let files = library();
        let (name, text) = files
            .iter()
            .find(|(n, _)| n.trim_end_matches(".toml") == id)
            .unwrap();
        let catalogue = criteria_file::load_catalogue(&files).unwrap();
        (
            criteria_file::parse(name, text).unwrap(),
            catalogue.get(&SetId(id.into())).unwrap().clone(),
        )
    }

    /// The set after the change, resolved with the shipped ones.
    fn resolved(def: &SetDefinition) -> CriteriaSet {
        let id = def.header.id.0.clone();
        let mut files: Vec<_> = library()
            .into_iter()
            .filter(|(n, _)| n.trim_end_matches(".toml") != id)
            .collect();
        files.push((format!("{id}.toml"), criteria_file::write(def)));
        let catalogue = criteria_file::load_catalogue(&files).unwrap();
        catalogue.get(&SetId(id)).unwrap().clone()
    }

    fn row(value: &str, group: &str) -> ThresholdRow {
        ThresholdRow {
            value: value.into(),
            group: group.into(),
            source: "51/2025/QĐ-TTg, Phụ lục I".into(),
            confidence: "high".into(),
            ..ThresholdRow::default()
        }
    }

    fn income(criterion: &str, rows: Vec<ThresholdRow>) -> IndicatorForm {
        IndicatorForm {
            criterion: criterion.into(),
            id: "3.1".into(),
            name: "Thu nhập bình quân đầu người".into(),
            unit: "triệu đồng/người/năm".into(),
            kind: "number".into(),
            direction: ">=".into(),
            confidence: "high".into(),
            thresholds: rows,
            ..IndicatorForm::default()
        }
    }

    #[test]
    fn an_indicator_with_a_threshold_per_commune_group_completes_a_criterion_of_the_2026_set() {
        let (mut def, set) = shipped("xa-ntm-2026-2030");
        assert!(set.criteria.iter().all(|c| c.indicators.is_empty()));
        let form = income(
            "3",
            vec![
                row("60", "1"),
                row("55,5", "2"),
                row("45", "3"),
                ThresholdRow::default(),
            ],
        );
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form,
            },
        )
        .unwrap();
        let after = resolved(&def);
        let i = after.indicator("3.1").unwrap();
        assert_eq!(
            i.thresholds.len(),
            3,
            "the blank spare row is not a threshold"
        );
        assert_eq!(i.thresholds[1].value, rust_decimal::Decimal::new(555, 1));
        assert_eq!(i.thresholds[1].when.group, Some(2));
        assert_eq!(
            i.thresholds[0].source.as_deref(),
            Some("51/2025/QĐ-TTg, Phụ lục I")
        );
        assert!(i.is_configured());
        assert_eq!(after.criteria[2].indicators.len(), 1);
    }

    #[test]
    fn every_bad_field_is_told_by_its_row_and_nothing_changes() {
        let (mut def, set) = shipped("xa-ntm-2026-2030");
        let before = def.clone();
        let mut bad = row("nhiều", "4");
        bad.region = "Bắc Bộ".into();
        bad.year = "năm sau".into();
        let mut form = income("3", vec![row("60", "1"), bad]);
        form.name = " ".into();
        form.direction = "~".into();
        let Err(AppError::Fields(problems)) = apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form,
            },
        ) else {
            panic!("refused")
        };
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "Tên chỉ tiêu",
                "Chiều so sánh",
                "Ngưỡng 2 — mức",
                "Ngưỡng 2 — vùng",
                "Ngưỡng 2 — nhóm xã",
                "Ngưỡng 2 — năm"
            ]
        );
        assert_eq!(def, before);
    }

    #[test]
    fn ids_are_unique_in_the_resolved_set() {
        let (mut def, set) = shipped("xa-ntm-2021-2025-minh-hoa");
        let mut form = income("10", vec![row("50", "")]);
        form.id = "2.1".into();
        let r = apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form,
            },
        );
        assert!(matches!(r, Err(AppError::Fields(ref p)) if p[0].1.contains("đã có chỉ tiêu 2.1")));
        let r = apply(
            &mut def,
            &set,
            Change::Criterion {
                original: None,
                form: CriterionForm {
                    id: "10".into(),
                    name: "Thu nhập".into(),
                    ..CriterionForm::default()
                },
            },
        );
        assert!(matches!(r, Err(AppError::Fields(_))));
    }

    #[test]
    fn a_derived_set_replaces_only_the_thresholds_of_its_base_indicators() {
        let (mut def, set) = shipped("xa-ntm-2021-2025-minh-hoa");
        let base = set.indicator("10").unwrap().clone();
        let mut form = IndicatorForm::of("10", &base);
        form.thresholds = vec![row("49", "")];
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: Some("10".into()),
                form: form.clone(),
            },
        )
        .unwrap();
        assert_eq!(
            def.derivation
                .overrides
                .iter()
                .filter(|(i, _)| i == "10")
                .count(),
            1,
            "one override per indicator, not one appended per save"
        );
        let after = resolved(&def);
        assert_eq!(after.indicator("10").unwrap().thresholds.len(), 1);
        assert_eq!(after.indicator("10").unwrap().name, base.name);

        form.name = "Thu nhập (tỉnh đặt tên khác)".into();
        let r = apply(
            &mut def,
            &set,
            Change::Indicator {
                original: Some("10".into()),
                form,
            },
        );
        assert!(matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("bộ gốc")));
        // Removing a base indicator drops the set's own thresholds, back to the base's.
        apply(&mut def, &set, Change::RemoveIndicator("10".into())).unwrap();
        assert!(def.derivation.overrides.iter().all(|(i, _)| i != "10"));
    }

    #[test]
    fn an_indicator_added_to_a_base_criterion_extends_it_and_can_be_edited_and_removed() {
        let (mut def, set) = shipped("xa-ntm-2021-2025-minh-hoa");
        let mut form = income("10", vec![row("5", "")]);
        form.id = "10.9".into();
        form.name = "Tốc độ tăng thu nhập".into();
        form.unit = "%".into();
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form: form.clone(),
            },
        )
        .unwrap();
        assert_eq!(ownership(&def, "10.9"), Ownership::Own);
        let after = resolved(&def);
        let c10 = after.criteria.iter().find(|c| c.id == "10").unwrap();
        assert!(c10.indicators.iter().any(|i| i.id == "10.9"));

        form.thresholds = vec![row("6", "")];
        apply(
            &mut def,
            &after,
            Change::Indicator {
                original: Some("10.9".into()),
                form,
            },
        )
        .unwrap();
        assert_eq!(
            resolved(&def).indicator("10.9").unwrap().thresholds[0].value,
            rust_decimal::Decimal::from(6)
        );
        apply(&mut def, &after, Change::RemoveIndicator("10.9".into())).unwrap();
        assert!(resolved(&def).indicator("10.9").is_none());
    }

    #[test]
    fn a_criterion_is_removed_only_when_empty_and_only_by_the_set_that_defines_it() {
        let (mut def, set) = shipped("xa-ntm-2026-2030");
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form: income("3", vec![]),
            },
        )
        .unwrap();
        let r = apply(&mut def, &set, Change::RemoveCriterion("3".into()));
        assert!(matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("còn 1 chỉ tiêu")));
        apply(&mut def, &set, Change::RemoveCriterion("4".into())).unwrap();
        assert_eq!(resolved(&def).criteria.len(), 9);

        let (mut derived, dset) = shipped("xa-ntm-2021-2025-minh-hoa");
        let r = apply(&mut derived, &dset, Change::RemoveCriterion("10".into()));
        assert!(matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("bộ gốc")));
    }

    /// Downloaded, opened and sent back as it is: the set reads back unchanged.
    fn through_excel(set: &CriteriaSet) -> Vec<SetTableLine> {
        let bytes = ntm_reports::set_table(&table_of(set)).unwrap();
        ntm_reports::read_set_table(&bytes).unwrap()
    }

    #[test]
    fn every_complete_shipped_set_comes_back_from_its_table_unchanged() {
        let files = library();
        let catalogue = criteria_file::load_catalogue(&files).unwrap();
        let mut checked = 0;
        for (name, text) in &files {
            let def = criteria_file::parse(name, text).unwrap();
            if def.derivation.base.is_some() {
                continue;
            }
            let set = catalogue.get(&def.header.id).unwrap();
            let back = from_table(&def, &through_excel(set)).unwrap();
            // Nothing lost: the criteria come back as they were, field for field (the
            // thresholds of an indicator in any order).
            let normal = |d: &SetDefinition| -> Vec<Criterion> {
                let mut c = d.criteria.clone();
                for i in c.iter_mut().flat_map(|c| c.indicators.iter_mut()) {
                    i.thresholds = sorted_thresholds(&i.thresholds);
                }
                c
            };
            assert_eq!(normal(&back), normal(&def), "{name}");
            let (changes, unchanged) = diff(&def, &back);
            assert_eq!(changes, vec![], "{name}");
            assert_eq!(unchanged, set.indicators().count(), "{name}");
            checked += 1;
        }
        assert!(checked >= 5);
    }

    #[test]
    fn an_annex_typed_into_the_template_completes_the_2026_set_and_the_preview_lists_it() {
        let (def, set) = shipped("xa-ntm-2026-2030");
        let mut lines = through_excel(&set);
        assert_eq!(lines.len(), 10, "ten criterion lines, no indicator yet");
        let mut levels = BTreeMap::new();
        for (g, v) in [(1, "60"), (2, "55,5"), (3, "45")] {
            levels.insert(LevelColumn::Group(g), TableLevel::typed(v));
        }
        let at = lines.iter().position(|l| l.criterion == "3").unwrap() + 1;
        lines.insert(
            at,
            SetTableLine {
                row: 9,
                indicator: "3.1".into(),
                indicator_name: "Thu nhập bình quân đầu người".into(),
                unit: "triệu đồng/người/năm".into(),
                comparison: "≥".into(),
                levels,
                year: "2026".into(),
                source: "51/2025/QĐ-TTg, Phụ lục I".into(),
                confidence: "cao".into(),
                ..SetTableLine::default()
            },
        );
        let new = from_table(&def, &lines).unwrap();
        let after = resolved(&new);
        let i = after.indicator("3.1").unwrap();
        assert_eq!(i.thresholds.len(), 3);
        assert!(i.thresholds.iter().all(|t| t.when.year == Some(2026)));
        let (changes, unchanged) = diff(&def, &new);
        assert_eq!(unchanged, 0);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, DiffKind::Added);
        assert!(
            changes[0]
                .text
                .starts_with("Thêm chỉ tiêu 3.1 (tiêu chí 3)"),
            "{}",
            changes[0].text
        );
    }

    #[test]
    fn a_table_with_mistakes_is_refused_with_each_row_and_column() {
        let (def, _) = shipped("xa-ntm-2026-2030");
        let mut levels = BTreeMap::new();
        levels.insert(
            LevelColumn::Group(1),
            TableLevel {
                text: "sáu mươi".into(),
                number: false,
                cell: "H8".into(),
            },
        );
        let lines = vec![
            SetTableLine {
                row: 6,
                criterion: "1".into(),
                criterion_name: "Quy hoạch".into(),
                ..SetTableLine::default()
            },
            SetTableLine {
                row: 7,
                criterion: "9".into(),
                indicator: "9.1".into(),
                indicator_name: "x".into(),
                comparison: "≥".into(),
                ..SetTableLine::default()
            },
            SetTableLine {
                row: 8,
                indicator: "1.1".into(),
                indicator_name: "Có quy hoạch".into(),
                comparison: "lớn hơn".into(),
                levels,
                ..SetTableLine::default()
            },
            SetTableLine {
                row: 9,
                indicator: "1.2".into(),
                comparison: "đạt".into(),
                confidence: "chắc".into(),
                ..SetTableLine::default()
            },
        ];
        let problems = from_table(&def, &lines).unwrap_err();
        assert_eq!(problems.len(), 5, "{problems:#?}");
        assert!(
            problems[0]
                .starts_with("dòng 7, cột “Mã chỉ tiêu”: chỉ tiêu 9.1 không thuộc tiêu chí nào")
        );
        assert!(problems[1].starts_with("dòng 8, ô H8 (“Xã nhóm 1”)"));
        assert!(problems[2].starts_with("dòng 8, cột “So sánh”"));
        assert!(problems[3].starts_with("dòng 9, cột “Độ tin cậy”"));
        assert!(problems[4].starts_with("dòng 9, cột “Nội dung chỉ tiêu”: thiếu"));
        let (derived, _) = shipped("xa-ntm-2021-2025-minh-hoa");
        assert!(from_table(&derived, &lines).unwrap_err()[0].contains("kế thừa"));
    }

    #[test]
    fn a_table_that_changes_only_an_act_is_a_change_to_store() {
        let (def, set) = shipped("xa-ntm-2021-2025");
        let mut lines = through_excel(&set);
        let line = lines
            .iter_mut()
            .find(|l| l.indicator == "3.1" && !l.levels.is_empty())
            .expect("3.1 has a level");
        line.source = "318/QĐ-TTg, Phụ lục I (bản chụp)".into();
        let back = from_table(&def, &lines).unwrap();
        let (changes, _) = diff(&def, &back);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(
            changes[0].text.starts_with("Chỉ tiêu 3.1: căn cứ"),
            "{}",
            changes[0].text
        );
        let kept = back
            .criteria
            .iter()
            .flat_map(|c| &c.indicators)
            .find(|i| i.id == "3.1")
            .unwrap();
        let before = set.indicator("3.1").unwrap();
        assert_eq!(
            kept.thresholds[0].note, before.thresholds[0].note,
            "the level's note stays"
        );
    }

    #[test]
    fn an_indicator_moved_to_another_criterion_leaves_the_first() {
        let (mut def, set) = shipped("xa-ntm-2026-2030");
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: None,
                form: income("3", vec![row("60", "")]),
            },
        )
        .unwrap();
        let set = resolved(&def);
        let mut form = IndicatorForm::of("3", set.indicator("3.1").unwrap());
        form.criterion = "6".into();
        apply(
            &mut def,
            &set,
            Change::Indicator {
                original: Some("3.1".into()),
                form,
            },
        )
        .unwrap();
        let after = resolved(&def);
        let under = |c: &str| {
            after
                .criteria
                .iter()
                .find(|x| x.id == c)
                .unwrap()
                .indicators
                .len()
        };
        assert_eq!((under("3"), under("6")), (0, 1));
        assert_eq!(after.indicator("3.1").unwrap().thresholds.len(), 1);
    }
}
