//! Criteria sets: check files, import them as new versions, load the catalogue.

use ntm_core::Catalogue;
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
            .put_criteria_set(&h.id.0, &h.title, text, audit)
            .await?;
        outcomes.push((h.id.0.clone(), outcome));
    }
    Ok(outcomes)
}
