//! ntm's file formats (criteria TOML, unit and value CSV) and the reference data it ships.
//!
//! Criteria sets: [`criteria_file`] reads and checks the TOML format of
//! `docs/criteria-format.md`; [`shipped`] embeds the sets under `data/criteria/`.
pub mod attributes_file;
pub mod criteria_file;
pub mod ocop_conditions;
pub mod quality_file;
pub mod shipped;
pub mod shipped_units;
pub mod units_file;
pub mod values_file;
