//! The ntm web application: Vietnamese server-rendered pages for the coordination office,
//! the communes and the Steering Committee, and the JSON API under `/api/v1`.
//!
//! Architecture invariant: this crate knows HTTP and HTML and nothing of SQL. A handler
//! extracts who is asking, calls `ntm-app`, and renders; access is decided by
//! `ntm_core::access` (through the app) on every page, form, API call and aggregate.
//! Templates, CSS and the small script are compiled into the binary.

mod api;
mod auth;
mod charts;
mod error;
mod format;
mod maps;
mod pages;
mod routes;
mod state;
mod trace;

pub use error::WebError;
pub use routes::router;
pub use state::{AppState, WebConfig};
