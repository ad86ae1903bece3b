//! The data-quality rules of each criteria set: read by everyone (a commune should know
//! what its values are checked against), changed by the province's office through a rule
//! form or the whole file, each save a version kept with who saved it and why.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::quality_rules::{KINDS, RuleChange, RuleForm};
use ntm_core::criteria::SetId;
use serde::Deserialize;

use super::{Chrome, download, render};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct SetRow {
    pub id: String,
    pub title: String,
    pub rules: usize,
    pub version: String,
}

#[derive(Template)]
#[template(path = "quality_rules.html")]
struct IndexPage {
    chrome: Option<Chrome>,
    sets: Vec<SetRow>,
}

pub struct RuleRow {
    pub id: String,
    pub title: String,
    pub severity: &'static str,
    pub class: &'static str,
    pub kind: &'static str,
    /// What it checks, in words: its indicators and numbers.
    pub what: String,
    pub source: String,
}

pub struct VersionRow {
    pub version: i64,
    pub saved: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "quality_rules_set.html")]
struct SetPage {
    chrome: Option<Chrome>,
    csrf: String,
    set_id: String,
    set_title: String,
    version: i64,
    version_text: String,
    /// Whether a file is in force (shipped or saved), to download.
    has_file: bool,
    note: String,
    rules: Vec<RuleRow>,
    may_edit: bool,
    /// The rule being edited (empty: a new one) and its form.
    replacing: String,
    form: RuleForm,
    kinds: &'static [(&'static str, &'static str)],
    text: String,
    history: Vec<VersionRow>,
    message: String,
    errors: Vec<String>,
}

fn severity_of(s: &str) -> (&'static str, &'static str) {
    match ntm_core::quality::Severity::parse(s.trim()) {
        Some(sev) => (sev.label_vi(), class_of(sev)),
        None => ("?", ""),
    }
}

fn class_of(s: ntm_core::quality::Severity) -> &'static str {
    match s {
        ntm_core::quality::Severity::Blocking => "unmet",
        ntm_core::quality::Severity::Warning => "unknown",
        ntm_core::quality::Severity::Info => "",
    }
}

fn kind_label(kind: &str) -> &'static str {
    KINDS
        .iter()
        .find(|(k, _)| *k == kind.trim())
        .map_or("?", |(_, l)| l)
}

/// What a rule checks, in a line: its indicators and the numbers it uses.
fn what_of(e: &ntm_data::quality_file::RuleEntry) -> String {
    let list: Vec<String> = e.indicator.iter().chain(&e.indicators).cloned().collect();
    let mut parts = Vec::new();
    if !list.is_empty() {
        parts.push(format!("chỉ tiêu {}", list.join(", ")));
    }
    for (label, v) in [
        ("phần", &e.part),
        ("tổng", &e.whole),
        ("tiêu chí", &e.criterion),
        ("chỉ tiêu báo đạt", &e.declared),
        ("từ", &e.min),
        ("đến", &e.max),
        ("gấp quá", &e.factor),
        ("chênh quá", &e.amount),
        ("so với", &e.peers),
        ("ngưỡng z", &e.threshold),
    ] {
        if let Some(v) = v {
            let v = match v.as_str() {
                "commune_group" => "các xã cùng nhóm".to_owned(),
                "former_district" => "các xã cùng huyện cũ".to_owned(),
                // Numbers as an office writes them (1,6); ids (2.1) are not numbers.
                n if matches!(label, "từ" | "đến" | "gấp quá" | "chênh quá" | "ngưỡng z") => {
                    n.replace('.', ",")
                }
                other => other.to_owned(),
            };
            parts.push(format!("{label} {v}"));
        }
    }
    if let Some(n) = e.min_peers {
        parts.push(format!("ít nhất {n} xã so sánh"));
    }
    match e.kind.trim() {
        "regression" => parts.push("mọi tiêu chí của mức xã đang được công nhận".into()),
        "evidence" => parts.push("mọi chỉ tiêu quyết định một tiêu chí đạt".into()),
        _ => {}
    }
    parts.join(" · ")
}

pub async fn index(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let store = state.store.as_ref();
    let ws = super::workspace(&state, Some(0)).await?;
    let (registry, catalogue) = (&ws.registry, &ws.catalogue);
    let book = ntm_app::quality::rules_in_force(store, &state.cache).await?;
    let sets = catalogue
        .sets()
        .map(|s| {
            let id = s.id().0.clone();
            let r = book.get(&id);
            SetRow {
                title: s.header.title.clone(),
                rules: r.map_or(0, |r| {
                    let mut ids: Vec<&str> = r.rules.iter().map(|x| x.id.as_str()).collect();
                    ids.dedup();
                    ids.len()
                }),
                version: match r {
                    None => "chưa có quy tắc: các xã theo bộ này không được kiểm tra".into(),
                    Some(r) if r.rules.is_empty() => format!(
                        "{}: không có quy tắc nào, các xã theo bộ này không được kiểm tra",
                        version_text(r)
                    ),
                    Some(r) => version_text(r),
                },
                id,
            }
        })
        .collect();
    render(&IndexPage {
        chrome: Some(Chrome::new(
            &session,
            registry,
            state.config.default_year,
            "reports",
        )),
        sets,
    })
}

fn version_text(r: &ntm_app::quality::SetRules) -> String {
    match &r.saved {
        Some((at, by)) => format!(
            "phiên bản {} — {by} lưu lúc {}",
            r.version,
            crate::format::datetime(*at)
        ),
        None => "tệp có sẵn kèm phần mềm".into(),
    }
}

#[derive(Deserialize)]
pub struct SetQuery {
    /// The rule to edit; `moi` for a new one.
    pub edit: Option<String>,
    pub saved: Option<String>,
}

async fn build(
    state: &AppState,
    session: &Session,
    set_id: &str,
    edit: Option<(&str, RuleForm)>,
    message: String,
    errors: Vec<String>,
) -> WebResult<SetPage> {
    let store = state.store.as_ref();
    let ws = super::workspace(state, Some(0)).await?;
    let (registry, catalogue) = (&ws.registry, &ws.catalogue);
    let set = catalogue
        .get(&SetId(set_id.to_owned()))
        .ok_or_else(|| WebError::not_found("Không có bộ tiêu chí này."))?;
    let book = ntm_app::quality::rules_in_force(store, &state.cache).await?;
    let doc = ntm_app::quality_rules::doc_of(&book, set_id)?;
    let in_force = book.get(set_id);
    let rules = doc
        .rule
        .iter()
        .map(|e| {
            let (severity, class) = severity_of(&e.severity);
            RuleRow {
                id: e.id.clone(),
                title: e.title.clone(),
                severity,
                class,
                kind: kind_label(&e.kind),
                what: what_of(e),
                source: e.source.clone().unwrap_or_default(),
            }
        })
        .collect();
    let history = store
        .rule_file_history(set_id)
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .rev()
        .map(|r| VersionRow {
            version: r.version,
            saved: format!("{} lúc {}", r.saved_by, crate::format::datetime(r.saved_at)),
            reason: r.reason,
        })
        .collect();
    let (replacing, form) = match edit {
        Some((id, form)) => (id.to_owned(), form),
        None => (
            String::new(),
            RuleForm {
                severity: "warning".into(),
                kind: "range".into(),
                ..RuleForm::default()
            },
        ),
    };
    Ok(SetPage {
        chrome: Some(Chrome::new(
            session,
            registry,
            state.config.default_year,
            "reports",
        )),
        csrf: session.csrf.clone(),
        set_id: set_id.to_owned(),
        set_title: set.header.title.clone(),
        version: in_force.map_or(0, |r| r.version),
        version_text: match in_force {
            None => "chưa có quy tắc: các xã theo bộ này không được kiểm tra".into(),
            Some(r) => version_text(r),
        },
        has_file: in_force.is_some(),
        note: doc.note.clone().unwrap_or_default(),
        rules,
        may_edit: ntm_app::set_editor::may_edit(registry, &session.actor).is_ok(),
        replacing,
        form,
        kinds: &KINDS,
        text: in_force.map_or_else(|| ntm_data::quality_file::write(&doc), |r| r.text.clone()),
        history,
        message,
        errors,
    })
}

pub async fn set_page(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Query(q): Query<SetQuery>,
) -> WebResult<Response> {
    let edit = match q.edit.as_deref() {
        Some(id) if id != "moi" => {
            let book = ntm_app::quality::rules_in_force(state.store.as_ref(), &state.cache).await?;
            let doc = ntm_app::quality_rules::doc_of(&book, &set_id)?;
            let entry = doc
                .rule
                .iter()
                .find(|r| r.id == id)
                .ok_or_else(|| WebError::not_found("Không có quy tắc này."))?;
            Some((id.to_owned(), RuleForm::of(entry)))
        }
        _ => None,
    };
    let message = q.saved.map(|v| format!("Đã lưu: {v}.")).unwrap_or_default();
    let page = build(
        &state,
        &session,
        &set_id,
        edit.as_ref().map(|(id, f)| (id.as_str(), f.clone())),
        message,
        Vec::new(),
    )
    .await?;
    render(&page)
}

#[derive(Deserialize, Default)]
pub struct SaveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    seen: i64,
    /// `put`, `remove` or `file`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    replacing: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    indicators: String,
    #[serde(default)]
    part: String,
    #[serde(default)]
    whole: String,
    #[serde(default)]
    criterion: String,
    #[serde(default)]
    declared: String,
    #[serde(default)]
    min: String,
    #[serde(default)]
    max: String,
    #[serde(default)]
    factor: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    peers: String,
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    min_peers: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    note: String,
}

impl SaveForm {
    fn rule_form(&self) -> RuleForm {
        RuleForm {
            id: self.id.clone(),
            title: self.title.clone(),
            severity: self.severity.clone(),
            kind: self.kind.clone(),
            indicators: self.indicators.clone(),
            part: self.part.clone(),
            whole: self.whole.clone(),
            criterion: self.criterion.clone(),
            declared: self.declared.clone(),
            min: self.min.clone(),
            max: self.max.clone(),
            factor: self.factor.clone(),
            amount: self.amount.clone(),
            peers: self.peers.clone(),
            threshold: self.threshold.clone(),
            min_peers: self.min_peers.clone(),
            source: self.source.clone(),
            note: self.note.clone(),
        }
    }
}

pub async fn save(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(form): Form<SaveForm>,
) -> WebResult<Response> {
    session.check_csrf(&form.csrf)?;
    let store = state.store.as_ref();
    let ws = super::workspace(&state, Some(0)).await?;
    let (registry, catalogue) = (&ws.registry, &ws.catalogue);
    let change = match form.action.as_str() {
        "remove" => RuleChange::Remove {
            id: form.replacing.clone(),
        },
        "file" => RuleChange::File {
            text: form.text.replace("\r\n", "\n"),
        },
        _ => RuleChange::Put {
            replacing: form.replacing.clone(),
            form: Box::new(form.rule_form()),
        },
    };
    match ntm_app::quality_rules::save(
        store,
        &state.cache,
        registry,
        catalogue,
        &session.actor,
        (&set_id, form.seen),
        change,
        state.now(),
    )
    .await
    {
        Ok(outcome) => {
            let saved = match outcome {
                ntm_store::PutOutcome::Created { version } => format!("phiên bản {version}"),
                ntm_store::PutOutcome::Unchanged { .. } => "không có gì thay đổi".into(),
            };
            Ok(Redirect::to(&format!(
                "/reports/quality/rules/{}?saved={}",
                enc(&set_id),
                enc(&saved)
            ))
            .into_response())
        }
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            let status = if matches!(e, ntm_app::AppError::Conflict(_)) {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let errors = match e {
                ntm_app::AppError::Invalid(p) => p,
                ntm_app::AppError::Conflict(c) => vec![c],
                _ => Vec::new(),
            };
            // The form comes back as typed, to be mended rather than retyped.
            let edit = (form.action != "file" && form.action != "remove")
                .then(|| (form.replacing.as_str(), form.rule_form()));
            let mut page = build(&state, &session, &set_id, edit, String::new(), errors).await?;
            if form.action == "file" {
                page.text = form.text.clone();
            }
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize)]
pub struct FileQuery {
    pub version: Option<i64>,
}

/// A version of the set's rules file (the one in force when none is named), as a download.
pub async fn file(
    State(state): State<AppState>,
    _session: Session,
    Path(set_id): Path<String>,
    Query(q): Query<FileQuery>,
) -> WebResult<Response> {
    let store = state.store.as_ref();
    let text = match q.version {
        Some(v) => store
            .rule_file_history(&set_id)
            .await
            .map_err(ntm_app::AppError::from)?
            .into_iter()
            .find(|r| r.version == v)
            .map(|r| r.source_text),
        None => ntm_app::quality::rules_in_force(store, &state.cache)
            .await?
            .get(&set_id)
            .map(|r| r.text.clone()),
    }
    .ok_or_else(|| WebError::not_found("Không có phiên bản này của tệp quy tắc."))?;
    let name = match q.version {
        Some(v) => format!("quy-tac-{set_id}-v{v}.toml"),
        None => format!("quy-tac-{set_id}.toml"),
    };
    Ok(download(
        text.into_bytes(),
        &name,
        Some("text/plain; charset=utf-8"),
    ))
}
