//! `ntm copy`: the demo moved from its SQLite file to PostgreSQL and back, and between
//! SQLite files, as an office would run it — every table verified, sessions left behind,
//! the copy usable (sign-in, evaluation, new rows), a used target refused untouched.

use std::sync::Arc;

use ntm_app::accounts::{InPlace, open_session, session_actor, sign_in};
use ntm_app::demo::DEMO_PASSWORD;
use ntm_store::Store;
use serde_json::Value as Json;

use crate::util::Env;

/// A table of a copy's report: name, rows, checksum.
type Digest = (String, u64, String);

/// The tables of a `ntm copy --json` report as read from the source (`checksum`) or from
/// the target read back (`target_checksum`).
fn digests(report: &Json, side: &str) -> Vec<Digest> {
    let (rows, checksum) = match side {
        "source" => ("rows", "checksum"),
        _ => ("target_rows", "target_checksum"),
    };
    report["tables"]
        .as_array()
        .expect("tables")
        .iter()
        .map(|t| {
            (
                t["table"].as_str().expect("name").to_owned(),
                t[rows].as_u64().expect("rows"),
                t[checksum].as_str().expect("checksum").to_owned(),
            )
        })
        .collect()
}

/// Checks a verified report and returns its tables.
fn verified(report: &Json) -> Vec<Digest> {
    assert_eq!(report["verified"], true, "{report:#}");
    let source = digests(report, "source");
    assert_eq!(source, digests(report, "target"), "{report:#}");
    let names: Vec<&str> = source.iter().map(|(n, ..)| n.as_str()).collect();
    for table in [
        "units",
        "indicator_values",
        "audit_events",
        "users",
        "directives",
    ] {
        assert!(names.contains(&table), "{table} not copied: {names:?}");
    }
    assert!(!names.contains(&"sessions"), "sessions are not copied");
    let audit = source
        .iter()
        .find(|(n, ..)| n == "audit_events")
        .expect("audit");
    assert!(audit.1 > 1000, "the demo's audit log: {audit:?}");
    source
}

async fn open(url: &str) -> Arc<dyn Store> {
    if url.starts_with("postgres://") {
        Arc::new(
            ntm_store_postgres::PostgresStore::open(url)
                .await
                .expect("open PostgreSQL"),
        )
    } else {
        Arc::new(
            ntm_store_sqlite::SqliteStore::open(url)
                .await
                .expect("open SQLite"),
        )
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(f)
}

/// Signs the demo's office account in on `url` and opens a session; its cookie secret.
fn sign_in_office(url: &str) -> String {
    block_on(async {
        let store = open(url).await;
        let user = sign_in(store.as_ref(), &InPlace, "vpdp", DEMO_PASSWORD)
            .await
            .expect("the demo account signs in");
        let (secret, _) = open_session(
            store.as_ref(),
            user.id,
            ntm_testkit::test_now(),
            chrono::Duration::hours(8),
        )
        .await
        .expect("a session");
        secret
    })
}

/// Whether the session of `secret` is live on `url`.
fn has_session(url: &str, secret: &str) -> bool {
    block_on(async {
        let store = open(url).await;
        session_actor(store.as_ref(), secret, ntm_testkit::test_now())
            .await
            .expect("read the session")
            .is_some()
    })
}

fn evaluation(env: &Env, url: &str) -> Json {
    env.ntm_on(
        url,
        &["evaluate", "--unit", "18850", "--year", "2021", "--json"],
    )
    .ok()
    .json()
}

/// A new account on `url`: new rows in tables whose ids the database generates (users,
/// audit_events), which collide with the copied ids unless the copy moved the generators.
fn add_account(env: &Env, url: &str) {
    env.ntm_with(
        url,
        &[
            "user",
            "add",
            "sau-khi-chep",
            "--name",
            "Cán bộ mới",
            "--grant",
            "viewer:42",
        ],
        &[("NTM_PASSWORD", "mat-khau-du-dai-2026")],
    )
    .ok();
    let users = env.ntm_on(url, &["user", "list", "--json"]).ok().stdout();
    assert!(users.contains("sau-khi-chep"), "{users}");
}

/// Between SQLite files: the copy verifies, holds what the source holds (the same
/// evaluation, the accounts sign in) but not its sessions, takes new rows; a second copy
/// into it is refused and changes nothing; a missing source creates no target.
#[test]
fn copy_between_sqlite_files_is_verified_and_refuses_a_used_target() {
    let env = Env::new();
    env.demo();
    let source = env.path("ntm.db").display().to_string();
    let target = env.path("copy.db").display().to_string();
    let secret = sign_in_office(&source);

    let report = env
        .ntm(&["copy", "--from", &source, "--to", &target, "--json"])
        .ok()
        .json();
    let tables = verified(&report);
    assert_eq!(report["from"]["backend"], "sqlite");
    assert_eq!(report["to"]["backend"], "sqlite");
    assert_eq!(evaluation(&env, &target), evaluation(&env, &source));
    assert!(has_session(&source, &secret));
    assert!(!has_session(&target, &secret), "a session was copied");
    sign_in_office(&target);

    let refused = env
        .ntm(&["copy", "--from", &source, "--to", &target])
        .failed();
    assert!(
        refused.stderr().contains("đã có dữ liệu") && refused.stderr().contains("units"),
        "{}",
        refused.stderr()
    );
    // Read back through a third copy, in text this time: the refused copy wrote nothing.
    let third = env.path("third.db").display().to_string();
    let text = env
        .ntm(&["copy", "--from", &target, "--to", &third])
        .ok()
        .stdout();
    for (name, rows, checksum) in &tables {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name.as_str()))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"));
        assert!(
            line.contains(&rows.to_string()) && line.contains(checksum) && line.ends_with('✓'),
            "{name} changed: {line}\n{text}"
        );
    }
    add_account(&env, &target);

    let missing = env.path("missing.db").display().to_string();
    let nowhere = env.path("nowhere.db");
    let refused = env
        .ntm(&[
            "copy",
            "--from",
            &missing,
            "--to",
            nowhere.to_str().expect("UTF-8"),
        ])
        .failed();
    assert!(
        refused.stderr().contains("không có cơ sở dữ liệu SQLite"),
        "{}",
        refused.stderr()
    );
    assert!(!nowhere.exists() && !env.path("missing.db").exists());
    let same = env
        .ntm(&[
            "copy",
            "--from",
            &source,
            "--to",
            &format!("sqlite:{source}"),
        ])
        .failed();
    assert!(same.stderr().contains("cùng một"), "{}", same.stderr());
}

/// The demo from its SQLite file to a fresh PostgreSQL database and back into a new file:
/// the three hold the same rows of every table (counts and checksums, each read by another
/// run), evaluate alike, sign the demo accounts in, take new rows; sessions stay behind;
/// a second copy into PostgreSQL is refused and writes nothing.
#[test]
#[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
fn copy_moves_the_demo_to_postgres_and_back() {
    let database = crate::util::PgDatabase::new("ntm_copy");
    let pg = database.url.clone();

    let env = Env::new();
    env.demo();
    let source = env.path("ntm.db").display().to_string();
    let back = env.path("back.db").display().to_string();
    let secret = sign_in_office(&source);

    let there = env
        .ntm(&["copy", "--from", &source, "--to", &pg, "--json"])
        .ok()
        .json();
    let tables = verified(&there);
    assert_eq!(there["to"]["backend"], "postgres");

    let refused = env.ntm(&["copy", "--from", &source, "--to", &pg]).failed();
    assert!(
        refused.stderr().contains("đã có dữ liệu") && refused.stderr().contains("audit_events"),
        "{}",
        refused.stderr()
    );

    let home = env
        .ntm(&["copy", "--from", &pg, "--to", &back, "--json"])
        .ok()
        .json();
    assert_eq!(home["from"]["backend"], "postgres");
    // PostgreSQL read by this run as the first wrote it: nothing was added by the refusal,
    // and the file back holds the same.
    assert_eq!(verified(&home), tables);

    let expected = evaluation(&env, &source);
    assert_eq!(evaluation(&env, &pg), expected);
    assert_eq!(evaluation(&env, &back), expected);
    for copy in [&pg, &back] {
        assert!(
            !has_session(copy, &secret),
            "a session was copied to {copy}"
        );
        sign_in_office(copy);
        add_account(&env, copy);
    }
    assert!(has_session(&source, &secret));
}
