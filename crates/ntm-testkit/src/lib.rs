//! Test support, used only as a dev-dependency: the one instant every suite runs at, and
//! the Hà Tĩnh demo database built once per test run into a template and copied per test.
//!
//! Building the demo (units, criteria sets, 36,000 values, tasks, argon2-hashed accounts)
//! takes seconds in a debug build; about forty tests need it, each in its own process
//! under nextest. The template is keyed by the test binary's size and modification time,
//! so a rebuilt binary (new demo code, new migrations) builds a new one, and it lives in
//! the target directory, so `cargo clean` removes it. A file lock keeps two processes from
//! building the same template at once.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use anyhow::Context;
use chrono::{DateTime, Utc};
use ntm_app::AuditContext;
use ntm_store::Store;
use ntm_store_sqlite::SqliteStore;

/// The instant every test runs at: 12:00 in Vietnam on 29/11/2026, whatever the calendar
/// says. The demo's tasks are judged against it (all four states occur), so a suite that
/// passes today passes next year.
pub fn test_now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(TEST_NOW)
        .expect("a valid instant")
        .with_timezone(&Utc)
}

/// [`test_now`] as RFC 3339, for `NTM_NOW` of the binary.
pub const TEST_NOW: &str = "2026-11-29T05:00:00Z";

/// The audit context of the tests' own setup writes.
pub fn audit() -> AuditContext {
    AuditContext {
        actor: "test".into(),
        at: test_now(),
        reason: "test".into(),
    }
}

/// A fresh SQLite file at `path` holding the demo and its accounts, copied from the run's
/// template (built first if needed).
pub async fn demo_file(path: &Path) -> anyhow::Result<()> {
    let template = template().await?;
    std::fs::copy(&template, path)
        .with_context(|| format!("copy the demo template to {}", path.display()))?;
    Ok(())
}

/// [`demo_file`] for synchronous tests (those that run the `ntm` binary).
pub fn demo_file_blocking(path: &Path) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("a runtime for the demo template")?
        .block_on(demo_file(path))
}

/// A store on a fresh copy of the demo in `dir` (file `ntm.db`).
pub async fn demo_store(dir: &Path) -> Arc<dyn Store> {
    let path = dir.join("ntm.db");
    demo_file(&path).await.expect("the demo template");
    let store = SqliteStore::open(path.to_str().expect("UTF-8 temporary path"))
        .await
        .expect("open the demo copy");
    store.migrate().await.expect("migrations are current");
    Arc::new(store)
}

/// A store in `dir` holding only the shipped units and criteria sets (the demo's
/// illustrative ones included): for tests that place their own values in years the demo
/// fills.
pub async fn reference_store(dir: &Path) -> Arc<dyn Store> {
    let path = dir.join("ntm.db");
    let store = SqliteStore::open(path.to_str().expect("UTF-8 temporary path"))
        .await
        .expect("open a fresh store");
    store.migrate().await.expect("migrations");
    let audit = audit();
    let units = ntm_data::shipped_units::hatinh_units().expect("the shipped units");
    ntm_app::units::import_units(&store, units, &audit)
        .await
        .expect("import the units");
    let mut files = ntm_data::shipped::criteria_files();
    files.extend(ntm_data::shipped::demo_criteria_files());
    ntm_app::criteria::import(&store, &files, &audit)
        .await
        .expect("import the sets");
    Arc::new(store)
}

/// The template's path, built under an exclusive lock when missing.
async fn template() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("the test binary's path")?;
    let meta = std::fs::metadata(&exe).context("the test binary's metadata")?;
    let stamp = meta
        .modified()
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    // target/<profile>/deps/<binary> → target/<profile>/ntm-test-templates/
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("the test binary lies in target/<profile>/deps")?
        .join("ntm-test-templates");
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let name = exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = dir.join(format!("demo-{name}-{}-{stamp}.db", meta.len()));
    if path.exists() {
        return Ok(path);
    }
    let lock = File::create(dir.join(format!("{name}.lock"))).context("the template lock")?;
    lock.lock().context("lock the template")?;
    if !path.exists() {
        build(&path).await?;
    }
    lock.unlock().context("unlock the template")?;
    Ok(path)
}

async fn build(path: &Path) -> anyhow::Result<()> {
    let scratch = tempfile::tempdir().context("a scratch directory")?;
    let work = scratch.path().join("build.db");
    let store = SqliteStore::open(work.to_str().context("UTF-8 path")?).await?;
    store.migrate().await?;
    let audit = AuditContext {
        reason: "ntm demo".into(),
        ..audit()
    };
    ntm_app::demo::build(&store, &audit).await?;
    ntm_app::demo::accounts(&store, &audit).await?;
    // VACUUM INTO writes one self-contained file (no WAL beside it); the rename makes it
    // appear whole or not at all.
    let staged = path.with_extension("partial");
    let _ = std::fs::remove_file(&staged);
    store.backup_to(&staged).await?;
    std::fs::rename(&staged, path).context("publish the template")?;
    Ok(())
}
