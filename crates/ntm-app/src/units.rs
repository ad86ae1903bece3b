//! Administrative units: import from a manifest and its CSV files, load as a registry.

use ntm_core::UnitRegistry;
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
    let mut attributes = existing.attributes;
    attributes.retain(|a| {
        !built
            .attributes
            .iter()
            .any(|b| b.unit == a.unit && b.key == a.key && b.valid.from == a.valid.from)
    });
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
