//! The ntm domain core: administrative units with their history, criteria sets as data,
//! the evaluation engine and the statistics the province reports.
//!
//! Architecture invariant: this crate performs no I/O, never reads the clock, the
//! environment or a random source, and has no serde derives. Dates, years and values
//! come in as arguments; results come out as plain types that explain themselves.

pub mod access;
pub mod criteria;
pub mod evaluation;
pub mod ocop;
pub mod quality;
pub mod recognition;
pub mod resources;
pub mod rollup;
pub mod target;
pub mod task;
pub mod text;
pub mod unit;
pub mod value;
pub mod village;
pub mod workflow;

pub use criteria::{Catalogue, Comparison, Confidence, CriteriaSet, Level, SetId};
pub use evaluation::{CriterionStatus, IndicatorStatus, UnitContext};
pub use rust_decimal::Decimal;
pub use unit::{Unit, UnitId, UnitLevel, UnitRegistry, UnitType};
pub use value::Value;
