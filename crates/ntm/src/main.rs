//! `ntm`: the command line of every role — build the demo, import units, criteria sets and
//! values, evaluate units, print the province summary, back up the database.
//!
//! This crate wires configuration, the chosen store and the app; it holds no domain rule
//! and no SQL. Errors are printed with their cause chain; the exit code is 1 for a refused
//! input or a failed command, 2 for a usage error (clap).

/// `println!` that ends the program quietly when the reader went away (`ntm … | head`),
/// instead of panicking on a broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            $crate::exit_on_write_error(e);
        }
    }};
}

/// `print!` with the same broken-pipe handling as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = write!(std::io::stdout().lock(), $($arg)*) {
            $crate::exit_on_write_error(e);
        }
    }};
}

mod bench;
mod cli;
mod mail;
mod output;
mod store;

use std::process::ExitCode;

use clap::Parser;

/// A closed pipe is a normal end for a command-line tool; any other write error is not.
fn exit_on_write_error(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    eprintln!("lỗi: không ghi được ra màn hình: {e}");
    std::process::exit(1);
}

/// Logs go to standard error, so that a command's output on standard out stays clean.
fn init_logging(args: &cli::Args) {
    use tracing_subscriber::EnvFilter;
    let default = match args.command {
        cli::Command::Serve { .. } => "info",
        // A copy streams whole tables, and sqlx counts the time spent writing each batch
        // as its statement's: every large table would be logged as a slow query.
        cli::Command::Copy { .. } => "warn,sqlx::query=error",
        _ => "warn",
    };
    let filter = EnvFilter::try_from_env("NTM_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second initialisation can only fail in tests that call main twice; ignore it.
    let _ = match args.log_format {
        cli::LogFormat::Json => builder.json().flatten_event(true).try_init(),
        cli::LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = cli::Args::parse();
    init_logging(&args);
    match cli::run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lỗi: {e:#}");
            ExitCode::from(1)
        }
    }
}
