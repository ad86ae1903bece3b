//! Importing a file of values with a preview: everything is read and checked first; the
//! user sees new values, changed values (old → new), unchanged ones and every error with
//! its place; nothing is written until they confirm, and then everything is written in one
//! transaction with its audit entries, or nothing. Imported values are drafts: they enter
//! the same approval flow as typed ones (a locked or submitted unit-year refuses them).

use std::collections::{BTreeMap, BTreeSet};

use ntm_core::access::{Action, can};
use ntm_core::{Catalogue, UnitId, UnitRegistry};
use ntm_data::values_file::ValueRow;
use ntm_store::{Store, ValueFilter, ValueWrite, WriteSummary};

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

/// One value of the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    pub unit: UnitId,
    pub unit_name: String,
    pub year: i32,
    pub indicator: String,
    pub old: Option<String>,
    pub new: String,
}

/// What an import would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub new: Vec<PreviewRow>,
    pub changed: Vec<PreviewRow>,
    pub unchanged: usize,
    /// The writes to perform on confirmation.
    pub writes: Vec<ValueWrite>,
}

/// Checks rows and compares them with what is stored. With an `actor`, also checks that
/// the actor may enter data for every unit-year and that none is submitted or locked.
pub async fn preview(
    store: &dyn Store,
    registry: &UnitRegistry,
    catalogue: &Catalogue,
    actor: Option<&Actor>,
    rows: &[ValueRow],
) -> AppResult<Preview> {
    let validated =
        crate::values::validate_rows(rows, registry, catalogue).map_err(AppError::Invalid)?;
    let keys: BTreeSet<(UnitId, i32)> = validated
        .writes
        .iter()
        .map(|w| (w.unit_id.clone(), w.year))
        .collect();
    let mut problems = Vec::new();
    for (unit, year) in &keys {
        let name = registry
            .get(unit)
            .map_or_else(|| unit.to_string(), |u| u.latest().name.clone());
        if let Some(a) = actor
            && !can(registry, &a.grants, Action::EnterValues, unit, *year)
        {
            problems.push(format!(
                "{name} năm {year}: bạn không có quyền nhập số liệu cho đơn vị này"
            ));
            continue;
        }
        let (status, _) = crate::workflow::status(store, unit, *year).await?;
        if !status.is_editable() {
            problems.push(format!(
                "{name} năm {year}: số liệu {} — không nhập được",
                status.label_vi()
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let units: Vec<UnitId> = keys
        .iter()
        .map(|(u, _)| u.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let stored: BTreeMap<(UnitId, i32, String), (String, Option<String>)> = if units.is_empty() {
        BTreeMap::new()
    } else {
        store
            .list_values(&ValueFilter {
                year: None,
                units: Some(units),
                indicator_id: None,
            })
            .await?
            .into_iter()
            .map(|v| ((v.unit_id, v.year, v.indicator_id), (v.value, v.note)))
            .collect()
    };
    let mut p = Preview::default();
    for w in validated.writes {
        let row = |old: Option<String>| PreviewRow {
            unit: w.unit_id.clone(),
            unit_name: registry
                .get(&w.unit_id)
                .and_then(|u| u.version_in_year(w.year))
                .map_or_else(String::new, |v| v.name.clone()),
            year: w.year,
            indicator: w.indicator_id.clone(),
            old,
            new: w.value.clone(),
        };
        match stored.get(&(w.unit_id.clone(), w.year, w.indicator_id.clone())) {
            None => p.new.push(row(None)),
            Some((value, note)) if *value == w.value && *note == w.note => p.unchanged += 1,
            Some((value, _)) => p.changed.push(row(Some(value.clone()))),
        }
        p.writes.push(w);
    }
    Ok(p)
}

/// Writes a confirmed preview: one transaction, audited per value.
pub async fn confirm(
    store: &dyn Store,
    preview: &Preview,
    audit: &AuditContext,
) -> AppResult<WriteSummary> {
    Ok(store.write_values(&preview.writes, audit).await?)
}
