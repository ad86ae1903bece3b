//! An import killed with SIGKILL at any point leaves an intact database that holds all of
//! the import or none of it (issue 10): the write is one transaction, and SQLite's journal
//! (WAL, synchronous FULL) undoes a half-written one on the next open.

use std::process::{Command, Stdio};
use std::time::Instant;

use ntm_testkit::TEST_NOW;

use crate::util::Env;

/// Every 2021 value of the demo copied to 2023 with a note: an import that writes thousands
/// of rows (2021 itself is approved, so locked).
fn changed_values(env: &Env) -> (std::path::PathBuf, usize) {
    let csv = env
        .ntm(&["values", "export", "--year", "2021"])
        .ok()
        .stdout();
    let mut lines = csv.lines();
    let mut out = String::from(lines.next().expect("header"));
    out.push('\n');
    let mut n = 0;
    for line in lines {
        let fields: Vec<&str> = line.splitn(5, ',').collect();
        out.push_str(&format!(
            "{},2023,{},{},kill-test\n",
            fields[0], fields[2], fields[3]
        ));
        n += 1;
    }
    (env.write("changed.csv", &out), n)
}

/// How many 2023 values carry the import's note, and SQLite's integrity verdict.
fn state_of(env: &Env) -> (usize, String) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store = ntm_store_sqlite::SqliteStore::open(env.path("ntm.db").to_str().unwrap())
            .await
            .expect("open after the kill");
        let integrity = store.integrity_check().await.expect("integrity check");
        use ntm_store::ValueStore;
        let n = store
            .list_values(&ntm_store::ValueFilter {
                year: Some(2023),
                ..Default::default()
            })
            .await
            .expect("values")
            .iter()
            .filter(|v| v.note.as_deref() == Some("kill-test"))
            .count();
        (n, integrity)
    })
}

fn import(env: &Env, file: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_ntm"))
        .args(["values", "import", file.to_str().unwrap(), "--yes"])
        .env("NTM_DATABASE_URL", env.path("ntm.db"))
        .env("NTM_ACTOR", "tester")
        .env("NTM_NOW", TEST_NOW)
        .env_remove("NTM_SMTP_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the import")
}

#[test]
fn an_import_killed_at_any_point_leaves_all_or_nothing() {
    // How long a whole import takes here, to spread the kills over it.
    let env = Env::new();
    env.demo();
    let (file, rows) = changed_values(&env);
    assert!(rows > 1000, "{rows}");
    let started = Instant::now();
    let status = import(&env, &file).wait().expect("the import runs");
    let whole = started.elapsed();
    assert!(status.success());
    assert_eq!(
        state_of(&env),
        (rows, "ok".to_owned()),
        "a whole import lands whole"
    );

    let mut outcomes = Vec::new();
    // Reading and checking take most of the run and the write comes last, so the kills
    // cluster near its end, some past it.
    let at = [30, 60, 80, 85, 90, 93, 96, 98, 100, 103];
    for percent in at {
        let env = Env::new();
        env.demo();
        let (file, rows) = changed_values(&env);
        let mut child = import(&env, &file);
        std::thread::sleep(whole * percent / 100);
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let (n, integrity) = state_of(&env);
        assert_eq!(integrity, "ok", "killed at {percent}%");
        assert!(
            n == 0 || n == rows,
            "killed at {percent}%: {n} of {rows} rows landed"
        );
        outcomes.push(n == rows);
    }
    eprintln!(
        "[kill -9] whole import {} ms; landed whole in {} of {} kills, nothing in the others",
        whole.as_millis(),
        outcomes.iter().filter(|l| **l).count(),
        at.len()
    );
}
