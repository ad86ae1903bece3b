//! Importing a file of values with a preview: everything is read and checked first; the
//! user sees new values, changed values (old → new), unchanged ones and every error with
//! its place; nothing is written until they confirm, and then everything is written in one
//! transaction with its audit entries, or nothing. Imported values are drafts: they enter
//! the same approval flow as typed ones (a locked or submitted unit-year refuses them).

use std::collections::{BTreeMap, BTreeSet};

use ntm_core::access::{Action, can};
use ntm_core::{Catalogue, UnitId, UnitRegistry};
use ntm_data::values_file::ValueRow;
use ntm_store::{SeenValue, Store, ValueFilter, ValueGuard, ValueWrite, WriteSummary};

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

/// A unit-year of the file that cannot take values (submitted, or approved and locked):
/// its rows are left out, and the user confirms the rest explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub unit: UnitId,
    pub unit_name: String,
    pub year: i32,
    /// Why, in Vietnamese ("đã duyệt (khóa)").
    pub reason: String,
    /// How many values of the file it held.
    pub values: usize,
}

/// What an import would do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub new: Vec<PreviewRow>,
    pub changed: Vec<PreviewRow>,
    pub unchanged: usize,
    /// Unit-years left out: writing the rest must be confirmed knowing it.
    pub refused: Vec<Refused>,
    /// The writes to perform on confirmation.
    pub writes: Vec<ValueWrite>,
    /// What the preview showed of each value written: confirming writes nothing if any of
    /// them changed since (another person's save is never silently overwritten).
    pub seen: Vec<SeenValue>,
    /// Whether the import is an edit in the approval workflow (a user's import: its
    /// unit-years must still be drafts or returned when it is confirmed).
    pub as_edit: bool,
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
    let mut validated =
        crate::values::validate_rows(rows, registry, catalogue).map_err(AppError::Invalid)?;
    let keys: BTreeSet<(UnitId, i32)> = validated
        .writes
        .iter()
        .map(|w| (w.unit_id.clone(), w.year))
        .collect();
    let mut problems = Vec::new();
    let mut refused = Vec::new();
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
            refused.push(Refused {
                unit: unit.clone(),
                unit_name: name,
                year: *year,
                reason: status.label_vi().to_owned(),
                values: validated
                    .writes
                    .iter()
                    .filter(|w| &w.unit_id == unit && w.year == *year)
                    .count(),
            });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    if !refused.is_empty() {
        let out: BTreeSet<(UnitId, i32)> =
            refused.iter().map(|r| (r.unit.clone(), r.year)).collect();
        if out.len() == keys.len() {
            // Nothing would be left to write: the file is refused, each unit-year said.
            return Err(AppError::Invalid(
                refused
                    .iter()
                    .map(|r| {
                        format!(
                            "{} năm {}: số liệu {} — không nhập được",
                            r.unit_name, r.year, r.reason
                        )
                    })
                    .collect(),
            ));
        }
        let mut kept = crate::values::ValidatedValues::default();
        for (w, keep) in validated.writes.into_iter().zip(validated.keeps_note) {
            if !out.contains(&(w.unit_id.clone(), w.year)) {
                kept.writes.push(w);
                kept.keeps_note.push(keep);
            }
        }
        validated = kept;
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
    let notes = stored
        .iter()
        .map(|(k, (_, note))| (k.clone(), note.clone()))
        .collect();
    crate::values::keep_notes(&mut validated, &notes);
    let mut p = Preview {
        as_edit: actor.is_some(),
        refused,
        ..Preview::default()
    };
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
        let before = stored.get(&(w.unit_id.clone(), w.year, w.indicator_id.clone()));
        p.seen.push(SeenValue {
            unit_id: w.unit_id.clone(),
            year: w.year,
            indicator_id: w.indicator_id.clone(),
            value: before.map(|b| b.0.clone()),
            note: before.and_then(|b| b.1.clone()),
        });
        match before {
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
    let guard = ValueGuard {
        as_edit: preview.as_edit,
        seen: preview.seen.clone(),
    };
    match store
        .write_values_guarded(&preview.writes, &guard, audit)
        .await
    {
        Ok(summary) => Ok(summary),
        Err(ntm_store::StoreError::Stale(changed)) => Err(AppError::Conflict(format!(
            "{} giá trị đã được sửa sau khi bạn xem trước (ví dụ {} năm {} chỉ tiêu {}); \
             chưa có gì được ghi — hãy tải tệp lên lại để xem trước lần nữa",
            changed.len(),
            changed[0].unit_id,
            changed[0].year,
            changed[0].indicator_id
        ))),
        Err(e) => Err(e.into()),
    }
}
