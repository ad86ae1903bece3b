//! Criteria sets: check files, import them as new versions, load the catalogue.

use ntm_core::Catalogue;
use ntm_core::criteria::{Confidence, Selector, SetId, Threshold};
use ntm_data::criteria_file::{FileProblem, check_files, load_catalogue};
use ntm_store::{PutOutcome, Store};

use crate::{AppError, AppResult, AuditContext};

fn invalid(problems: Vec<FileProblem>) -> AppError {
    AppError::Invalid(problems.iter().map(ToString::to_string).collect())
}

/// The stored sets as (file name, text), the library new files are checked against.
pub async fn stored_files(store: &dyn Store) -> AppResult<Vec<(String, String)>> {
    Ok(store
        .list_criteria_sets()
        .await?
        .into_iter()
        .map(|r| (format!("{}.toml", r.id), r.source_text))
        .collect())
}

/// Loads the latest version of every stored set and resolves them.
pub async fn load(store: &dyn Store) -> AppResult<Catalogue> {
    load_catalogue(&stored_files(store).await?).map_err(invalid)
}

/// Checks files against each other and against `library` (the shipped or stored sets).
pub fn check(files: &[(String, String)], library: &[(String, String)]) -> Vec<FileProblem> {
    check_files(files, library)
}

/// Imports files as new versions of their sets, after checking them against the stored
/// sets. Either every file is valid and stored, or nothing is.
pub async fn import(
    store: &dyn Store,
    files: &[(String, String)],
    audit: &AuditContext,
) -> AppResult<Vec<(String, PutOutcome)>> {
    import_seen(store, files, None, audit).await
}

/// [`import`] of a set its editor opened at version `seen` (`Some(0)`: a new set): written
/// only if nobody saved another version meanwhile (`Conflict` then, nothing written).
pub async fn import_seen(
    store: &dyn Store,
    files: &[(String, String)],
    seen: Option<i64>,
    audit: &AuditContext,
) -> AppResult<Vec<(String, PutOutcome)>> {
    let library = stored_files(store).await?;
    let problems = check_files(files, &library);
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    let mut outcomes = Vec::new();
    for (name, text) in files {
        let def = ntm_data::criteria_file::parse(name, text).map_err(invalid)?;
        let h = &def.header;
        let outcome = store
            .put_criteria_set_from(&h.id.0, &h.title, text, seen, audit)
            .await?;
        outcomes.push((h.id.0.clone(), outcome));
    }
    Ok(outcomes)
}

/// A threshold the office sets on a derived (provincial) set from the criteria page.
#[derive(Debug, Clone, Default)]
pub struct ThresholdInput {
    pub indicator: String,
    pub value: String,
    /// Empty for any region.
    pub region: String,
    /// Empty for every year.
    pub year: String,
    /// Empty for every commune group.
    pub group: String,
    pub source: String,
    pub confidence: String,
}

/// An optional number of a form: `None` when empty, a problem for `field` when not a number.
fn optional<T: std::str::FromStr>(
    text: &str,
    field: &str,
    what: &str,
    problems: &mut Vec<(String, String)>,
) -> Option<T> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse()
        .map_err(|_| problems.push((field.to_owned(), format!("{what} không hợp lệ."))))
        .ok()
}

/// Sets one threshold of `set_id` (a derived set only: a national set is changed by its
/// file) and stores the set as a new version. The threshold replaces the one with the same
/// region, year and group; the indicator's other thresholds are carried over, because an
/// override replaces them all. Problems are told per field; nothing is written then.
pub async fn set_threshold(
    store: &dyn Store,
    catalogue: &Catalogue,
    set_id: &str,
    input: &ThresholdInput,
    audit: &AuditContext,
) -> AppResult<Vec<(String, PutOutcome)>> {
    let set = catalogue
        .get(&SetId(set_id.to_owned()))
        .ok_or_else(|| AppError::NotFound(format!("Không có bộ tiêu chí “{set_id}”.")))?;
    if set.derives_from.is_none() {
        return Err(AppError::Invalid(vec![
            "Chỉ đặt ngưỡng nhanh cho bộ tiêu chí kế thừa (bộ của tỉnh); với bộ gốc hãy sửa tệp."
                .into(),
        ]));
    }
    let indicator = set
        .indicator(input.indicator.trim())
        .ok_or_else(|| AppError::NotFound(format!("Không có chỉ tiêu “{}”.", input.indicator)))?;
    let mut problems = Vec::new();
    let value = ntm_core::Value::parse_number(&input.value)
        .map_err(|e| problems.push(("Ngưỡng".to_owned(), e.to_string())))
        .ok();
    let year: Option<i32> = optional(&input.year, "Năm", "Năm", &mut problems);
    let group: Option<u8> = optional(&input.group, "Nhóm xã", "Nhóm xã", &mut problems);
    let confidence = Confidence::parse(input.confidence.trim());
    if confidence.is_none() {
        problems.push((
            "Độ tin cậy".into(),
            "phải là high (cao), medium (trung bình) hoặc low (thấp).".into(),
        ));
    }
    let (Some(value), Some(confidence), true) = (value, confidence, problems.is_empty()) else {
        return Err(AppError::Fields(problems));
    };
    let when = Selector {
        region: Some(input.region.trim().to_owned()).filter(|r| !r.is_empty()),
        group,
        year,
    };
    let mut thresholds: Vec<Threshold> = indicator
        .thresholds
        .iter()
        .filter(|t| t.when != when)
        .cloned()
        .collect();
    thresholds.push(Threshold {
        value,
        when,
        source: Some(input.source.trim().to_owned()).filter(|s| !s.is_empty()),
        confidence,
        illustrative: false,
        note: None,
    });
    let mut text = stored_files(store)
        .await?
        .into_iter()
        .find(|(name, _)| name.trim_end_matches(".toml") == set_id)
        .map(|(_, text)| text)
        .ok_or_else(|| AppError::NotFound(format!("Không có bộ tiêu chí “{set_id}”.")))?;
    text.push_str(&ntm_data::criteria_file::override_block(
        &indicator.id,
        &thresholds,
    ));
    import(store, &[(format!("{set_id}.toml"), text)], audit).await
}
