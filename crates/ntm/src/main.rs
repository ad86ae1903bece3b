//! `ntm`: the command line of every role — build the demo, import units, criteria sets and
//! values, evaluate units, print the province summary, back up the database.
//!
//! This crate wires configuration, the chosen store and the app; it holds no domain rule
//! and no SQL. Errors are printed with their cause chain; the exit code is 1 for a refused
//! input or a failed command, 2 for a usage error (clap).

mod cli;
mod output;
mod store;

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Args::parse();
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::from(1)
        }
    }
}
