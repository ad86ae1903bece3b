//! Use cases of ntm: import units, criteria sets and values; evaluate units; compile the
//! province summary; build the demo.
//!
//! Architecture invariant: this crate knows the domain core and the storage traits, and
//! nothing of HTTP, HTML, SQL or the terminal. Every write goes through one store call
//! (one transaction with its audit entries). Time comes in through [`AuditContext`] or a
//! `now` argument; the wall clock is read only by [`clock::Clock`], which the binary
//! chooses once.

pub mod accounts;
pub mod audit;
pub mod bench_data;
pub mod cache;
pub mod clock;
pub mod copy;
pub mod criteria;
pub mod demo;
pub mod evaluate;
pub mod home;
pub mod imports;
pub mod mail;
pub mod maps;
pub mod notes;
pub mod ocop;
pub mod quality;
pub mod quality_rules;
pub mod recognition;
pub mod reports;
pub mod resources;
pub mod set_editor;
pub mod summary;
pub mod targets;
pub mod tasks;
pub mod throttle;
pub mod units;
pub mod values;
pub mod villages;
pub mod workflow;

use std::fmt;

pub use ntm_store::AuditContext;
use ntm_store::StoreError;

/// What a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Something asked for does not exist (a unit, a set).
    #[error("{0}")]
    NotFound(String),
    /// Input was refused; every problem is listed, and nothing was written.
    #[error("{}", Problems(.0))]
    Invalid(Vec<String>),
    /// The request cannot be answered as asked (e.g. two criteria sets are equally
    /// applicable and none was chosen).
    #[error("{0}")]
    Ambiguous(String),
    /// The actor may not do this here.
    #[error("{0}")]
    Forbidden(String),
    /// Not signed in, or the credentials are wrong.
    #[error("{0}")]
    Unauthenticated(String),
    /// Form fields refused: (field, message) pairs, for re-rendering the form.
    #[error("{}", Problems(&.0.iter().map(|(f, m)| format!("{f}: {m}")).collect::<Vec<_>>()))]
    Fields(Vec<(String, String)>),
    /// The request conflicts with the current state (a locked period, a taken name).
    #[error("{0}")]
    Conflict(String),
    /// Values changed since the user read them; nothing was written (see
    /// [`ntm_store::StaleValue`]). The form shows, per field, both versions.
    #[error("số liệu đã được người khác sửa trong lúc bạn nhập ({} chỉ tiêu)", .0.len())]
    Stale(Vec<ntm_store::StaleValue>),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Stale(v) => AppError::Stale(v),
            other => AppError::Store(other),
        }
    }
}

struct Problems<'a>(&'a [String]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} lỗi:", self.0.len())?;
        for p in self.0 {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

pub type AppResult<T> = Result<T, AppError>;
