//! Administrative units: import from a manifest and its CSV files, load as a registry.

use chrono::{Datelike, NaiveDate};
use ntm_core::unit::{AttributeKey, UnitAttribute};
use ntm_core::{UnitId, UnitRegistry};
use ntm_data::units_file::{BuiltUnits, build_units, parse_manifest};
use ntm_store::{Store, UnitBatch, WriteSummary};

use crate::{AppError, AppResult, AuditContext};

/// Loads every unit with its history and checks the whole.
pub async fn load_registry(store: &dyn Store) -> AppResult<UnitRegistry> {
    let s = store.load_units().await?;
    UnitRegistry::build(s.units, s.edges, s.attributes)
        .map_err(|problems| AppError::Invalid(problems.iter().map(ToString::to_string).collect()))
}

/// Builds units from a manifest; `read` returns the text of a file the manifest names.
pub fn build_from_manifest(
    manifest_name: &str,
    manifest_text: &str,
    read: &dyn Fn(&str) -> Result<String, String>,
) -> AppResult<BuiltUnits> {
    let invalid = |p: Vec<ntm_data::units_file::UnitFileProblem>| {
        AppError::Invalid(p.iter().map(ToString::to_string).collect())
    };
    let manifest = parse_manifest(manifest_name, manifest_text).map_err(invalid)?;
    build_units(manifest_name, &manifest, read).map_err(invalid)
}

/// Imports built units after checking that, together with what is stored, they form a
/// consistent registry. Nothing is written if they do not.
pub async fn import_units(
    store: &dyn Store,
    built: BuiltUnits,
    audit: &AuditContext,
) -> AppResult<WriteSummary> {
    let existing = store.load_units().await?;
    let mut units = existing.units;
    units.retain(|u| !built.units.iter().any(|b| b.id == u.id));
    units.extend(built.units.iter().cloned());
    let mut edges = existing.edges;
    edges.retain(|e| !built.edges.iter().any(|b| b.from == e.from && b.to == e.to));
    edges.extend(built.edges.iter().cloned());
    // A manifest gives a unit its first region; once stored, a unit's attributes are its
    // own dated history, changed by `set_attribute` and never reset by a re-import.
    let mut built = built;
    built.attributes.retain(|b| {
        !existing
            .attributes
            .iter()
            .any(|a| a.unit == b.unit && a.key == b.key)
    });
    let mut attributes = existing.attributes;
    attributes.extend(built.attributes.iter().cloned());
    UnitRegistry::build(units, edges, attributes).map_err(|problems| {
        AppError::Invalid(problems.iter().map(ToString::to_string).collect())
    })?;
    let batch = UnitBatch {
        units: built.units,
        edges: built.edges,
        attributes: built.attributes,
    };
    Ok(store.import_units(&batch, audit).await?)
}

/// The values an attribute may take, or why `value` is not one of them.
fn check_attribute_value(key: AttributeKey, value: &str) -> Result<(), String> {
    let value = value.trim();
    match key {
        AttributeKey::Region if ntm_data::criteria_file::REGIONS.contains(&value) => Ok(()),
        AttributeKey::Region => Err(format!(
            "vùng “{value}” không hợp lệ; dùng {}",
            ntm_data::criteria_file::REGIONS.join(", ")
        )),
        AttributeKey::CommuneGroup if ["1", "2", "3"].contains(&value) => Ok(()),
        AttributeKey::CommuneGroup => Err(format!(
            "nhóm xã “{value}” không hợp lệ; dùng 1, 2 hoặc 3 (bộ tiêu chí 2026-2030)"
        )),
    }
}

/// One dated change of a unit's region or commune group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeChange {
    pub unit: UnitId,
    pub key: AttributeKey,
    pub value: String,
    pub from: NaiveDate,
    /// The act that decides it (number, date).
    pub source: String,
    /// Its line, when it comes from a file (for the messages).
    pub line: Option<usize>,
}

/// The province's office sets units' regions or commune groups from a date on, in one
/// audited write (each change checked against the registry with the ones before it);
/// nothing is written if one is wrong, and every error names its change.
pub async fn set_attributes(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &crate::accounts::Actor,
    changes: &[AttributeChange],
    audit: &AuditContext,
) -> AppResult<WriteSummary> {
    if !actor.can_globally(registry, ntm_core::access::Action::EditCriteria) {
        return Err(AppError::Forbidden(
            "chỉ quản trị của tỉnh sửa vùng và nhóm xã".into(),
        ));
    }
    set_attributes_as_operator(store, registry, changes, audit).await
}

/// [`set_attributes`] from the command line, whose operator holds the database itself.
pub async fn set_attributes_as_operator(
    store: &dyn Store,
    registry: &UnitRegistry,
    changes: &[AttributeChange],
    audit: &AuditContext,
) -> AppResult<WriteSummary> {
    let mut problems = Vec::new();
    let mut current = registry.clone();
    let mut rows: Vec<UnitAttribute> = Vec::new();
    for (i, c) in changes.iter().enumerate() {
        let place = match c.line {
            Some(line) => format!("dòng {line}: "),
            None if changes.len() > 1 => format!("thay đổi {}: ", i + 1),
            None => String::new(),
        };
        if let Err(m) = check_attribute_value(c.key, &c.value) {
            problems.push(format!("{place}{m}"));
            continue;
        }
        match current.attribute_change(&c.unit, c.key, &c.value, c.from, &c.source) {
            Ok(changed) => {
                current.put_attributes(&changed);
                rows.retain(|a| {
                    !changed
                        .iter()
                        .any(|b| b.unit == a.unit && b.key == a.key && b.valid.from == a.valid.from)
                });
                rows.extend(changed);
            }
            Err(m) => problems.push(format!("{place}{m}")),
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let batch = UnitBatch {
        units: vec![],
        edges: vec![],
        attributes: rows,
    };
    Ok(store.import_units(&batch, audit).await?)
}

/// A unit named by its full id, or by a code meant in the year of `from`.
fn resolve_unit(registry: &UnitRegistry, text: &str, from: NaiveDate) -> Result<UnitId, String> {
    match UnitId::parse(text) {
        Some(id) if registry.get(&id).is_some() => Ok(id),
        _ => registry
            .resolve_in_year(text, from.year())
            .map(|u| u.id.clone())
            .map_err(|e| e.to_string()),
    }
}

/// One change as typed (a command line, a form): the unit a code or an id, the key in
/// English or Vietnamese; `Err` says what is wrong.
pub fn attribute_change(
    registry: &UnitRegistry,
    unit: &str,
    key: &str,
    value: &str,
    from: NaiveDate,
    source: &str,
) -> Result<AttributeChange, String> {
    let key = ntm_data::attributes_file::parse_key(key)
        .ok_or_else(|| format!("“{key}” không phải region (vùng) hoặc commune_group (nhóm xã)"))?;
    check_attribute_value(key, value)?;
    Ok(AttributeChange {
        unit: resolve_unit(registry, unit, from)?,
        key,
        value: value.to_owned(),
        from,
        source: source.to_owned(),
        line: None,
    })
}

/// Reads a file of attribute changes (`ntm_data::attributes_file`), resolving its units:
/// a code is meant in the year of its change. Errors name the line and the column.
pub fn read_attribute_changes(
    registry: &UnitRegistry,
    text: &str,
) -> Result<Vec<AttributeChange>, Vec<String>> {
    let rows = ntm_data::attributes_file::parse_attribute_changes(text)?;
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for r in rows {
        if let Err(m) = check_attribute_value(r.key, &r.value) {
            problems.push(format!("dòng {}, cột value: {m}", r.line));
        }
        let unit = match resolve_unit(registry, &r.unit, r.from) {
            Ok(id) => id,
            Err(e) => {
                problems.push(format!("dòng {}, cột unit: {e}", r.line));
                continue;
            }
        };
        out.push(AttributeChange {
            unit,
            key: r.key,
            value: r.value,
            from: r.from,
            source: r.source,
            line: Some(r.line),
        });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}
