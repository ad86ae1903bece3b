//! The architecture rules of ARCHITECTURE.md, checked.

use std::collections::BTreeSet;

use crate::util::repo;

fn crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("crates"))
        .expect("crates/")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn dependencies(krate: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join("crates").join(krate).join("Cargo.toml"))
        .expect("Cargo.toml");
    let manifest: toml::Table = toml::from_str(&text).expect("valid Cargo.toml");
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

#[test]
fn every_crate_is_named_in_architecture_md() {
    let doc = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let missing: Vec<String> = crates()
        .into_iter()
        .filter(|c| !doc.contains(&format!("`crates/{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "crates not described in ARCHITECTURE.md: {missing:?}"
    );
}

#[test]
fn the_core_depends_on_no_io_crate() {
    let allowed: BTreeSet<String> = [
        "chrono",
        "rust_decimal",
        "thiserror",
        "unicode-normalization",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let deps = dependencies("ntm-core");
    let extra: Vec<&String> = deps.difference(&allowed).collect();
    assert!(
        extra.is_empty(),
        "ntm-core gained dependencies {extra:?}; the core must stay pure (ARCHITECTURE.md)"
    );
}

#[test]
fn the_core_reads_no_clock_file_environment_or_network() {
    let forbidden = [
        "Utc::now",
        "Local::now",
        "SystemTime",
        "Instant::now",
        "std::fs",
        "std::env",
        "std::net",
        "std::process",
        "tokio",
        "sqlx",
    ];
    let dir = repo().join("crates/ntm-core/src");
    for entry in std::fs::read_dir(&dir).expect("core sources") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("source");
        for f in forbidden {
            assert!(
                !text.contains(f),
                "{} uses {f}; the core performs no I/O and never reads the clock",
                path.display()
            );
        }
    }
}

#[test]
fn sql_drivers_stay_in_the_store_crates() {
    let may_use_sqlx = [
        "ntm-store-sqlite",
        "ntm-store-postgres",
        "ntm-store-conformance",
    ];
    for c in crates() {
        if !may_use_sqlx.contains(&c.as_str()) {
            assert!(
                !dependencies(&c).contains("sqlx"),
                "{c} depends on sqlx; SQL lives only in the store crates"
            );
        }
    }
    let store_deps = dependencies("ntm-store");
    let allowed: BTreeSet<String> = ["ntm-core", "async-trait", "anyhow", "chrono", "thiserror"]
        .into_iter()
        .map(String::from)
        .collect();
    assert!(
        store_deps.is_subset(&allowed),
        "ntm-store must stay driver-free: {store_deps:?}"
    );
}

#[test]
fn only_the_binary_and_the_conformance_suite_know_the_concrete_stores() {
    for c in crates() {
        let deps = dependencies(&c);
        let concrete = deps.contains("ntm-store-sqlite") || deps.contains("ntm-store-postgres");
        if concrete {
            assert!(
                ["ntm", "ntm-store-conformance", "ntm-testkit"].contains(&c.as_str()),
                "{c} depends on a concrete store"
            );
        }
    }
    let app = dependencies("ntm-app");
    for forbidden in ["axum", "clap", "sqlx", "tokio"] {
        assert!(
            !app.contains(forbidden),
            "ntm-app must not depend on {forbidden}"
        );
    }
}
