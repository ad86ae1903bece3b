//! Running the built `ntm` binary in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary working directory with its own database.
pub struct Env {
    pub dir: tempfile::TempDir,
}

/// The outcome of one command.
pub struct Run {
    pub output: Output,
    pub args: Vec<String>,
}

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn success(&self) -> bool {
        self.output.status.success()
    }
    /// Panics with the command, its status and both streams unless it succeeded.
    pub fn ok(self) -> Self {
        assert!(self.success(), "{}", self.describe());
        self
    }
    /// Panics unless it failed.
    pub fn failed(self) -> Self {
        assert!(!self.success(), "expected failure\n{}", self.describe());
        self
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout())
            .unwrap_or_else(|e| panic!("not JSON ({e})\n{}", self.describe()))
    }
    fn describe(&self) -> String {
        format!(
            "$ ntm {}\nstatus: {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args.join(" "),
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }
}

/// The repository root (for shipped data files).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

use ntm_testkit::TEST_NOW;

impl Env {
    pub fn new() -> Self {
        Env {
            dir: tempfile::tempdir().expect("temporary directory"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write test file");
        p
    }
    /// The environment's database as `ntm demo` leaves it, copied from the run's template.
    pub fn demo(&self) {
        ntm_testkit::demo_file_blocking(&self.path("ntm.db")).expect("the demo template");
    }
    /// Runs `ntm` with the environment's SQLite database.
    pub fn ntm(&self, args: &[&str]) -> Run {
        let db = self.path("ntm.db");
        self.ntm_on(db.to_str().expect("utf-8 path"), args)
    }
    /// Runs `ntm` on the given database URL.
    pub fn ntm_on(&self, database: &str, args: &[&str]) -> Run {
        self.ntm_with(database, args, &[])
    }
    /// Runs `ntm` with the environment's SQLite database and extra variables.
    pub fn ntm_env(&self, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let db = self.path("ntm.db");
        self.ntm_with(db.to_str().expect("utf-8 path"), args, vars)
    }
    /// Runs `ntm` on the given database URL with extra variables.
    pub fn ntm_with(&self, database: &str, args: &[&str], vars: &[(&str, &str)]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_ntm"))
            .args(args)
            .env("NTM_DATABASE_URL", database)
            .env("NTM_ACTOR", "tester")
            // Every run is at the same instant, whatever the calendar says.
            .env("NTM_NOW", TEST_NOW)
            // The developer's own mail settings must not leak into a test.
            .env_remove("NTM_SMTP_URL")
            .envs(vars.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .expect("run the ntm binary");
        Run {
            output,
            args: args.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// A fresh, empty PostgreSQL database on the server of `NTM_TEST_POSTGRES_URL`, named
/// after `prefix` and this process, dropped when the value is (even after a failure).
pub struct PgDatabase {
    admin: String,
    name: String,
    /// Its URL, for `--database` or `NTM_DATABASE_URL`.
    pub url: String,
}

impl PgDatabase {
    pub fn new(prefix: &str) -> Self {
        let admin = std::env::var("NTM_TEST_POSTGRES_URL")
            .expect("a PostgreSQL test needs NTM_TEST_POSTGRES_URL: PostgreSQL was not tested");
        let name = format!("{prefix}_{}", std::process::id());
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
        let db = PgDatabase {
            url: format!("{base}/{name}"),
            admin,
            name,
        };
        db.psql(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", db.name));
        db.psql(&format!("CREATE DATABASE {}", db.name));
        db
    }

    fn psql(&self, sql: &str) {
        let out = Command::new("psql")
            .args([self.admin.as_str(), "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Not asserted: a drop that fails must not hide the test's own failure.
        let _ = Command::new("psql")
            .args([
                self.admin.as_str(),
                "-c",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .output();
    }
}
