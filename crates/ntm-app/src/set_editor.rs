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
    Comparison, Computed, Confidence, Criterion, CriteriaSet, Indicator, Selector, SetDefinition,
    SetId, Threshold,
};
use ntm_core::unit::UnitRegistry;
use ntm_data::criteria_file::{self, REGIONS};
use ntm_store::{PutOutcome, Store};

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
        [&self.value, &self.region, &self.group, &self.year, &self.source]
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
    let def = criteria_file::parse(&format!("{id}.toml"), &record.source_text).map_err(|p| {
        AppError::Invalid(p.iter().map(ToString::to_string).collect())
    })?;
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
fn thresholds(
    rows: &[ThresholdRow],
    problems: &mut Vec<(String, String)>,
) -> Vec<Threshold> {
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
        problems.push(("Mã chỉ tiêu".into(), "cần một mã không có dấu cách, ví dụ 3.1".into()));
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
            problems.push((
                "Loại".into(),
                format!("“{k}”: chọn số hoặc đạt/không đạt"),
            ));
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
            Change::Indicator { original: None, form } => format!("thêm chỉ tiêu {}", form.id.trim()),
            Change::Indicator { form, .. } => format!("sửa chỉ tiêu {}", form.id.trim()),
            Change::RemoveIndicator(i) => format!("xóa chỉ tiêu {i}"),
            Change::Criterion { original: None, form } => {
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
                if (&form.name.trim(), form.kind.as_str(), form.direction.as_str(), form.unit.trim())
                    != (&mine.name.as_str(), mine.kind.as_str(), mine.direction.as_str(), mine.unit.as_str())
                    || indicator.id != o
                {
                    return Err(refuse(format!(
                        "Chỉ tiêu {o} thuộc bộ gốc {}: ở đây chỉ thay được ngưỡng; tên, đơn vị, \
                         phép so sánh sửa ở bộ gốc.",
                        def.derivation.base.as_ref().map_or("", |b| b.0.as_str())
                    )));
                }
                def.derivation.overrides.retain(|(i, _)| i != o);
                def.derivation.overrides.push((o.to_owned(), indicator.thresholds));
                return Ok(());
            }
            let criterion = form.criterion.trim();
            if let Some(o) = original.as_deref() {
                // Replaced where it stands, so the order of the annex is kept.
                let slot = def
                    .criteria
                    .iter_mut()
                    .flat_map(|c| c.indicators.iter_mut())
                    .chain(def.derivation.extend.iter_mut().flat_map(|(_, is)| is.iter_mut()))
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
                match def.derivation.extend.iter_mut().find(|(c, _)| c == criterion) {
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
                problems.push(("Mã tiêu chí".into(), "cần một mã không có dấu cách, ví dụ 3".into()));
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
            let c = def
                .criteria
                .iter()
                .find(|c| c.id == id)
                .ok_or_else(|| refuse(format!("Tiêu chí {id} thuộc bộ gốc; không xóa ở đây.")))?;
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
    if !actor.can_globally(registry, ntm_core::access::Action::EditCriteria) {
        return Err(AppError::Forbidden(
            "chỉ quản trị của tỉnh sửa bộ tiêu chí".into(),
        ));
    }
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
            problems
                .iter()
                .map(|p| match p.path.as_slice() {
                    [] => p.message.clone(),
                    path => format!("{}: {}", path.join(" › "), p.message),
                })
                .collect(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use ntm_data::shipped::{criteria_files, demo_criteria_files};

    fn library() -> Vec<(String, String)> {
        criteria_files()
            .into_iter()
            .chain(demo_criteria_files())
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
            vec![row("60", "1"), row("55,5", "2"), row("45", "3"), ThresholdRow::default()],
        );
        apply(&mut def, &set, Change::Indicator { original: None, form }).unwrap();
        let after = resolved(&def);
        let i = after.indicator("3.1").unwrap();
        assert_eq!(i.thresholds.len(), 3, "the blank spare row is not a threshold");
        assert_eq!(i.thresholds[1].value, rust_decimal::Decimal::new(555, 1));
        assert_eq!(i.thresholds[1].when.group, Some(2));
        assert_eq!(i.thresholds[0].source.as_deref(), Some("51/2025/QĐ-TTg, Phụ lục I"));
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
        let Err(AppError::Fields(problems)) =
            apply(&mut def, &set, Change::Indicator { original: None, form })
        else {
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
        let r = apply(&mut def, &set, Change::Indicator { original: None, form });
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
            def.derivation.overrides.iter().filter(|(i, _)| i == "10").count(),
            1,
            "one override per indicator, not one appended per save"
        );
        let after = resolved(&def);
        assert_eq!(after.indicator("10").unwrap().thresholds.len(), 1);
        assert_eq!(after.indicator("10").unwrap().name, base.name);

        form.name = "Thu nhập (tỉnh đặt tên khác)".into();
        let r = apply(&mut def, &set, Change::Indicator { original: Some("10".into()), form });
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
        apply(&mut def, &set, Change::Indicator { original: None, form: form.clone() }).unwrap();
        assert_eq!(ownership(&def, "10.9"), Ownership::Own);
        let after = resolved(&def);
        let c10 = after.criteria.iter().find(|c| c.id == "10").unwrap();
        assert!(c10.indicators.iter().any(|i| i.id == "10.9"));

        form.thresholds = vec![row("6", "")];
        apply(&mut def, &after, Change::Indicator { original: Some("10.9".into()), form }).unwrap();
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
        apply(&mut def, &set, Change::Indicator { original: None, form: income("3", vec![]) })
            .unwrap();
        let r = apply(&mut def, &set, Change::RemoveCriterion("3".into()));
        assert!(matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("còn 1 chỉ tiêu")));
        apply(&mut def, &set, Change::RemoveCriterion("4".into())).unwrap();
        assert_eq!(resolved(&def).criteria.len(), 9);

        let (mut derived, dset) = shipped("xa-ntm-2021-2025-minh-hoa");
        let r = apply(&mut derived, &dset, Change::RemoveCriterion("10".into()));
        assert!(matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("bộ gốc")));
    }
}
