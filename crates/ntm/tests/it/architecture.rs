//! The architecture rules of ARCHITECTURE.md, checked on what Cargo resolves (`cargo
//! metadata`: every dependency kind, and the transitive closure of what a crate links) and
//! on every source file of a crate (recursively, test modules aside). Each rule is a
//! function from that model to its violations; the `planted` tests feed each one a model
//! with a violation and check that it is found, so no rule passes by being unable to fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use crate::util::repo;

/// How a crate depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Normal,
    Dev,
    Build,
}

/// A workspace crate as the rules see it.
#[derive(Debug, Default, Clone)]
struct Krate {
    /// Direct dependencies by package name, with their kinds.
    deps: BTreeMap<String, BTreeSet<Kind>>,
    /// Every package linked into the crate's library or binary (normal and build
    /// dependencies, transitively), by name.
    closure: BTreeSet<String>,
    /// Source files under `src/`, as (path relative to `src/`, text without test modules).
    sources: Vec<(String, String)>,
}

type Model = BTreeMap<String, Krate>;

fn host() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc).arg("-vV").output().expect("rustc -vV");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(String::from))
        .expect("rustc names its host")
}

/// The workspace as Cargo resolves it for this machine.
fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--locked"])
            .args(["--filter-platform", &host()])
            .current_dir(repo())
            .output()
            .expect("cargo metadata");
        assert!(
            out.status.success(),
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let name_of: BTreeMap<String, String> = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().expect("id").to_owned(),
                    p["name"].as_str().expect("name").to_owned(),
                )
            })
            .collect();
        // id → (dependency id, kinds)
        let mut edges: BTreeMap<String, Vec<(String, BTreeSet<Kind>)>> = BTreeMap::new();
        for node in meta["resolve"]["nodes"].as_array().expect("nodes") {
            let id = node["id"].as_str().expect("id").to_owned();
            let deps = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                .map(|d| {
                    let kinds = d["dep_kinds"]
                        .as_array()
                        .expect("dep_kinds")
                        .iter()
                        .map(|k| match k["kind"].as_str() {
                            Some("dev") => Kind::Dev,
                            Some("build") => Kind::Build,
                            _ => Kind::Normal,
                        })
                        .collect();
                    (d["pkg"].as_str().expect("pkg").to_owned(), kinds)
                })
                .collect();
            edges.insert(id, deps);
        }
        let linked = |start: &str| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![start.to_owned()];
            while let Some(id) = stack.pop() {
                for (dep, kinds) in edges.get(&id).into_iter().flatten() {
                    if kinds.iter().any(|k| *k != Kind::Dev) && seen.insert(dep.clone()) {
                        stack.push(dep.clone());
                    }
                }
            }
            seen.iter().map(|id| name_of[id].clone()).collect()
        };
        meta["workspace_members"]
            .as_array()
            .expect("members")
            .iter()
            .map(|m| {
                let id = m.as_str().expect("member id");
                let name = name_of[id].clone();
                let deps = edges[id]
                    .iter()
                    .map(|(d, k)| (name_of[d].clone(), k.clone()))
                    .collect();
                let krate = Krate {
                    deps,
                    closure: linked(id),
                    sources: sources(&repo().join("crates").join(&name).join("src")),
                };
                (name, krate)
            })
            .collect()
    })
}

/// Every `.rs` file under `dir`, recursively, with `#[cfg(test)]` modules cut off (tests
/// may use what the crate may not).
fn sources(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("source dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                let text = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                let rel = path.strip_prefix(dir).expect("under src");
                out.push((rel.to_string_lossy().replace('\\', "/"), text));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------- the rules

/// The core links only its four allowed crates (and what they need), none of the I/O or
/// serialisation ones, with no build step; its tests may use proptest.
fn core_is_pure(m: &Model) -> Vec<String> {
    let mut v = Vec::new();
    let core = &m["ntm-core"];
    let allowed = [
        "chrono",
        "rust_decimal",
        "thiserror",
        "unicode-normalization",
    ];
    for (dep, kinds) in &core.deps {
        if kinds.contains(&Kind::Normal) && !allowed.contains(&dep.as_str()) {
            v.push(format!("ntm-core depends on {dep}"));
        }
        if kinds.contains(&Kind::Build) {
            v.push(format!("ntm-core has a build dependency {dep}"));
        }
        if kinds.contains(&Kind::Dev) && dep != "proptest" {
            v.push(format!("ntm-core's tests depend on {dep}"));
        }
    }
    for forbidden in IO_CRATES {
        if core.closure.contains(forbidden) {
            v.push(format!("ntm-core links {forbidden}"));
        }
    }
    v.extend(forbidden_text(
        "ntm-core",
        core,
        &[
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
            "derive(Serialize",
            "derive(Deserialize",
            "serde::",
            "rand::",
        ],
        &[],
    ));
    v
}

/// Crates that do I/O, run a runtime or speak a protocol.
const IO_CRATES: [&str; 10] = [
    "tokio",
    "mio",
    "sqlx",
    "sqlx-core",
    "libsqlite3-sys",
    "hyper",
    "axum",
    "lettre",
    "rustls",
    "reqwest",
];

/// ntm-data parses what it is handed and opens nothing itself.
fn data_opens_nothing(m: &Model) -> Vec<String> {
    let d = &m["ntm-data"];
    let mut v = linked(d, "ntm-data", &IO_CRATES);
    v.extend(forbidden_text(
        "ntm-data",
        d,
        &["std::fs", "File::open", "std::net", "Utc::now", "std::env"],
        &[],
    ));
    v
}

/// ntm-reports: bytes in, bytes out — no database, HTTP, clock or file system.
fn reports_are_bytes_in_bytes_out(m: &Model) -> Vec<String> {
    let r = &m["ntm-reports"];
    let mut v = linked(r, "ntm-reports", &IO_CRATES);
    v.extend(forbidden_text(
        "ntm-reports",
        r,
        &["std::fs", "std::net", "Utc::now", "SystemTime", "std::env"],
        &[],
    ));
    v
}

/// ntm-mail knows nothing of ntm's other crates (they are test dependencies only).
fn mail_stands_alone(m: &Model) -> Vec<String> {
    m["ntm-mail"]
        .deps
        .iter()
        .filter(|(d, k)| d.starts_with("ntm") && k.contains(&Kind::Normal))
        .map(|(d, _)| format!("ntm-mail depends on {d}"))
        .collect()
}

/// ntm-app: no SQL, HTTP, HTML, SMTP, terminal or async runtime, even through another
/// crate; the wall clock only in `clock.rs`.
fn app_is_runtime_free(m: &Model) -> Vec<String> {
    let a = &m["ntm-app"];
    let mut v = linked(
        a,
        "ntm-app",
        &[
            "tokio", "mio", "sqlx", "axum", "hyper", "tower", "askama", "lettre", "clap",
        ],
    );
    v.extend(forbidden_text(
        "ntm-app",
        a,
        &["Utc::now", "Local::now", "SystemTime", "std::env", "sqlx"],
        &["clock.rs"],
    ));
    v
}

/// ntm-web: no SQL, and time only from the state's clock.
fn web_has_no_sql_and_no_wall_clock(m: &Model) -> Vec<String> {
    let w = &m["ntm-web"];
    let mut v = linked(w, "ntm-web", &["sqlx", "sqlx-core", "libsqlite3-sys"]);
    v.extend(forbidden_text(
        "ntm-web",
        w,
        &["Utc::now", "Local::now", "SystemTime::now"],
        &[],
    ));
    v
}

/// sqlx only in the store crates; the concrete stores only in the binary, the
/// conformance suite and the test kit; the test kit never a normal dependency; ntm-store
/// driver-free.
fn storage_stays_behind_its_traits(m: &Model) -> Vec<String> {
    let mut v = Vec::new();
    let stores = ["ntm-store-sqlite", "ntm-store-postgres"];
    for (name, k) in m {
        if k.deps.contains_key("sqlx")
            && !stores.contains(&name.as_str())
            && name != "ntm-store-conformance"
        {
            v.push(format!("{name} depends on sqlx"));
        }
        // Test crates may use them (the tests run on the real SQLite store).
        let concrete = stores.iter().any(|s| {
            k.deps
                .get(*s)
                .is_some_and(|kinds| kinds.iter().any(|k| *k != Kind::Dev))
        });
        if concrete && !["ntm", "ntm-store-conformance", "ntm-testkit"].contains(&name.as_str()) {
            v.push(format!("{name} depends on a concrete store"));
        }
        if k.deps
            .get("ntm-testkit")
            .is_some_and(|kinds| kinds.iter().any(|k| *k != Kind::Dev))
        {
            v.push(format!("{name} depends on ntm-testkit outside its tests"));
        }
    }
    let allowed = ["ntm-core", "async-trait", "anyhow", "chrono", "thiserror"];
    for (dep, kinds) in &m["ntm-store"].deps {
        if kinds.contains(&Kind::Normal) && !allowed.contains(&dep.as_str()) {
            v.push(format!("ntm-store depends on {dep}"));
        }
    }
    v
}

/// The store crates' own code opens connections and takes locks; the queries are the one
/// shared source (`crates/ntm-store-sql`), never a second copy in either crate.
fn stores_share_one_query_source(m: &Model) -> Vec<String> {
    let mut v = Vec::new();
    for name in ["ntm-store-sqlite", "ntm-store-postgres"] {
        for (file, text) in &m[name].sources {
            for keyword in ["SELECT ", "INSERT ", "UPDATE ", "DELETE "] {
                if text.contains(keyword) {
                    v.push(format!("{name}: {file} holds a query ({})", keyword.trim()));
                }
            }
        }
    }
    v
}

/// No cycle among the top-level modules of a crate.
fn modules_have_no_cycles(m: &Model) -> Vec<String> {
    m.iter()
        .flat_map(|(name, k)| {
            cycles(&module_graph(&k.sources))
                .into_iter()
                .map(move |c| format!("{name}: modules {} depend on each other", c.join(" ↔ ")))
        })
        .collect()
}

// ---------------------------------------------------------------- helpers

fn linked(k: &Krate, name: &str, forbidden: &[&str]) -> Vec<String> {
    forbidden
        .iter()
        .filter(|f| k.closure.contains(**f))
        .map(|f| format!("{name} links {f}"))
        .collect()
}

/// Occurrences of `tokens` in the crate's sources, except in files named in `except`;
/// comments count too, on purpose: a rule should not be discussed away either.
fn forbidden_text(name: &str, k: &Krate, tokens: &[&str], except: &[&str]) -> Vec<String> {
    let mut v = Vec::new();
    for (file, text) in &k.sources {
        if except.contains(&file.as_str()) {
            continue;
        }
        for t in tokens {
            if text.contains(t) {
                v.push(format!("{name}/src/{file} uses {t}"));
            }
        }
    }
    v
}

/// The top-level module of a source path: `pages/mod.rs` and `pages/tasks.rs` are
/// `pages`, `lib.rs` and `main.rs` the crate root (left out of the graph: it declares
/// every module).
fn top_module(file: &str) -> Option<String> {
    let first = file.split('/').next()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// Edges between top-level modules: `crate::x` in a file of module `y`, and the names of
/// a `use crate::{x, …}`.
fn module_graph(sources: &[(String, String)]) -> BTreeMap<String, BTreeSet<String>> {
    let modules: BTreeSet<String> = sources.iter().filter_map(|(f, _)| top_module(f)).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, text) in sources {
        let Some(from) = top_module(file) else {
            continue;
        };
        let mut refs = BTreeSet::new();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = &group[..group.find('}').unwrap_or(group.len())];
                refs.extend(
                    inner
                        .split(',')
                        .map(|s| s.trim().split("::").next().unwrap_or_default().to_owned()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                refs.insert(name);
            }
        }
        // `$crate::` in a macro names the crate root, not a module.
        let deps = refs
            .into_iter()
            .filter(|r| modules.contains(r) && *r != from)
            .collect::<BTreeSet<_>>();
        g.entry(from).or_default().extend(deps);
    }
    g
}

/// The strongly connected components of more than one module (Tarjan).
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            if !t.index.contains_key(w.as_str()) {
                visit(t, w);
                let lw = t.low[w.as_str()];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if t.on.contains(w.as_str()) {
                let iw = t.index[w.as_str()];
                let lv = t.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

/// A rule: the model in, its violations out.
type Rule = fn(&Model) -> Vec<String>;

const RULES: [(&str, Rule); 9] = [
    ("core_is_pure", core_is_pure),
    ("data_opens_nothing", data_opens_nothing),
    (
        "reports_are_bytes_in_bytes_out",
        reports_are_bytes_in_bytes_out,
    ),
    ("mail_stands_alone", mail_stands_alone),
    ("app_is_runtime_free", app_is_runtime_free),
    (
        "web_has_no_sql_and_no_wall_clock",
        web_has_no_sql_and_no_wall_clock,
    ),
    (
        "storage_stays_behind_its_traits",
        storage_stays_behind_its_traits,
    ),
    (
        "stores_share_one_query_source",
        stores_share_one_query_source,
    ),
    ("modules_have_no_cycles", modules_have_no_cycles),
];

// ---------------------------------------------------------------- the tests

#[test]
fn every_crate_is_named_in_architecture_md() {
    let doc = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let missing: Vec<&String> = model()
        .keys()
        .filter(|c| !doc.contains(&format!("`crates/{c}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "crates not described in ARCHITECTURE.md: {missing:?}"
    );
}

#[test]
fn the_workspace_keeps_every_rule_of_architecture_md() {
    let m = model();
    let violations: Vec<String> = RULES
        .iter()
        .flat_map(|(rule, check)| check(m).into_iter().map(move |v| format!("{rule}: {v}")))
        .collect();
    assert!(violations.is_empty(), "{violations:#?}");
}

/// The real workspace with one violation planted: each rule finds it.
mod planted {
    use super::*;

    fn with(edit: impl FnOnce(&mut Model)) -> Model {
        let mut m = model().clone();
        edit(&mut m);
        m
    }

    fn normal() -> BTreeSet<Kind> {
        BTreeSet::from([Kind::Normal])
    }

    fn finds(rule: Rule, m: &Model, what: &str) {
        let v = rule(m);
        assert!(
            v.iter().any(|x| x.contains(what)),
            "not found: {what} in {v:?}"
        );
    }

    #[test]
    fn each_rule_finds_its_violation() {
        let m = with(|m| {
            let core = m.get_mut("ntm-core").unwrap();
            core.deps.insert("serde".into(), normal());
        });
        finds(core_is_pure, &m, "ntm-core depends on serde");
        let m = with(|m| {
            let core = m.get_mut("ntm-core").unwrap();
            core.closure.insert("tokio".into());
        });
        finds(core_is_pure, &m, "ntm-core links tokio");
        let m = with(|m| {
            m.get_mut("ntm-core").unwrap().sources.push((
                "unit/deep.rs".into(),
                "fn f() { std::fs::read(\"x\"); }".into(),
            ));
        });
        finds(core_is_pure, &m, "unit/deep.rs uses std::fs");
        let m = with(|m| {
            m.get_mut("ntm-data").unwrap().sources.push((
                "shipped.rs".into(),
                "let t = std::fs::read_to_string(p);".into(),
            ));
        });
        finds(data_opens_nothing, &m, "uses std::fs");
        let m = with(|m| {
            m.get_mut("ntm-reports")
                .unwrap()
                .closure
                .insert("sqlx".into());
        });
        finds(reports_are_bytes_in_bytes_out, &m, "links sqlx");
        let m = with(|m| {
            m.get_mut("ntm-mail")
                .unwrap()
                .deps
                .insert("ntm-app".into(), normal());
        });
        finds(mail_stands_alone, &m, "ntm-mail depends on ntm-app");
        for crate_ in ["tokio", "tower", "askama", "lettre"] {
            let m = with(|m| {
                m.get_mut("ntm-app").unwrap().closure.insert(crate_.into());
            });
            finds(app_is_runtime_free, &m, &format!("links {crate_}"));
        }
        let m = with(|m| {
            m.get_mut("ntm-app")
                .unwrap()
                .sources
                .push(("tasks.rs".into(), "let now = Utc::now();".into()));
        });
        finds(app_is_runtime_free, &m, "tasks.rs uses Utc::now");
        let m = with(|m| {
            m.get_mut("ntm-web")
                .unwrap()
                .sources
                .push(("pages/x.rs".into(), "let now = chrono::Utc::now();".into()));
        });
        finds(
            web_has_no_sql_and_no_wall_clock,
            &m,
            "pages/x.rs uses Utc::now",
        );
        let m = with(|m| {
            m.get_mut("ntm-web")
                .unwrap()
                .deps
                .insert("sqlx".into(), normal());
        });
        finds(
            storage_stays_behind_its_traits,
            &m,
            "ntm-web depends on sqlx",
        );
        let m = with(|m| {
            m.get_mut("ntm-app")
                .unwrap()
                .deps
                .insert("ntm-store-sqlite".into(), normal());
        });
        finds(storage_stays_behind_its_traits, &m, "a concrete store");
        let m = with(|m| {
            m.get_mut("ntm-web")
                .unwrap()
                .deps
                .insert("ntm-testkit".into(), normal());
        });
        finds(
            storage_stays_behind_its_traits,
            &m,
            "ntm-testkit outside its tests",
        );
        let m = with(|m| {
            m.get_mut("ntm-app")
                .unwrap()
                .sources
                .push(("values.rs".into(), "use crate::evaluate::Workspace;".into()));
        });
        finds(modules_have_no_cycles, &m, "evaluate ↔ values");
        let m = with(|m| {
            m.get_mut("ntm-store-postgres").unwrap().sources.push((
                "users.rs".into(),
                "sqlx::query(\"SELECT id FROM users WHERE username = $1\")".into(),
            ));
        });
        finds(
            stores_share_one_query_source,
            &m,
            "ntm-store-postgres: users.rs holds a query (SELECT)",
        );
    }

    #[test]
    fn module_graphs_read_paths_groups_and_nested_files() {
        let sources = vec![
            (
                "lib.rs".to_owned(),
                "pub mod a; pub mod b; pub mod c;".to_owned(),
            ),
            ("a.rs".to_owned(), "use crate::{b::X, c};".to_owned()),
            ("b/mod.rs".to_owned(), "mod inner;".to_owned()),
            (
                "b/inner.rs".to_owned(),
                "fn f() { crate::a::g() }".to_owned(),
            ),
            ("c.rs".to_owned(), "$crate::lib".to_owned()),
        ];
        let g = module_graph(&sources);
        assert_eq!(g["a"], BTreeSet::from(["b".to_owned(), "c".to_owned()]));
        assert_eq!(g["b"], BTreeSet::from(["a".to_owned()]));
        assert_eq!(cycles(&g), vec![vec!["a".to_owned(), "b".to_owned()]]);
    }
}
