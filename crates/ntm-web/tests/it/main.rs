//! In-process HTTP tests of the web application (one test binary).

mod access;
mod app;
mod browser;
mod concurrency;
mod directives;
mod flows;
mod home;
mod hostile;
mod ocop;
mod quality;
mod recognition;
mod reports;
mod resources;
mod set_editor;
mod targets;
mod villages;
