//! Bộ tiêu chí: every set with its criteria, indicators and thresholds (with sources);
//! the administrator edits a set (a new version, checked before it is stored), creates a
//! provincial variant, or sets one threshold — every change versioned and audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_core::criteria::SetId;
use serde::Deserialize;

use super::{Chrome, render, require_admin, workspace};
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::format::{datetime, number};
use crate::state::AppState;

pub struct SetRow {
    pub id: String,
    pub title: String,
    pub level: &'static str,
    pub period: String,
    pub version: i64,
    pub illustrative: bool,
    pub derives: String,
    pub complete: bool,
}

#[derive(Template)]
#[template(path = "criteria_list.html")]
struct ListPage {
    chrome: Option<Chrome>,
    csrf: String,
    is_admin: bool,
    sets: Vec<SetRow>,
}

pub async fn list(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let records = state
        .store
        .list_criteria_sets()
        .await
        .map_err(ntm_app::AppError::from)?;
    let sets = records
        .iter()
        .filter_map(|r| ws.catalogue.get(&SetId(r.id.clone())).map(|s| (r, s)))
        .map(|(r, s)| SetRow {
            id: r.id.clone(),
            title: s.header.title.clone(),
            level: s.header.level.label_vi(),
            period: format!("{}–{}", s.header.period.from, s.header.period.to),
            version: r.version,
            illustrative: s.is_illustrative(),
            complete: s.gaps().is_complete(),
            derives: s
                .derives_from
                .as_ref()
                .map(|d| d.0.clone())
                .unwrap_or_default(),
        })
        .collect();
    let chrome = Chrome::new(
        &session,
        &ws.registry,
        state.config.default_year,
        "criteria",
    );
    render(&ListPage {
        is_admin: chrome.is_admin,
        csrf: session.csrf.clone(),
        chrome: Some(chrome),
        sets,
    })
}

pub struct ThresholdRow {
    pub text: String,
    pub when: String,
    pub source: String,
    pub confidence: &'static str,
    pub illustrative: bool,
}

pub struct IndicatorView {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub comparison: &'static str,
    pub configured: bool,
    pub special: String,
    pub thresholds: Vec<ThresholdRow>,
}

pub struct CriterionView {
    pub id: String,
    pub name: String,
    pub indicators: Vec<IndicatorView>,
}

pub struct VersionRow {
    pub version: i64,
    pub at: String,
    pub by: String,
}

#[derive(Template)]
#[template(path = "criteria_show.html")]
struct ShowPage {
    chrome: Option<Chrome>,
    csrf: String,
    is_admin: bool,
    id: String,
    title: String,
    level: &'static str,
    applies: String,
    period: String,
    derives: String,
    requires: String,
    illustrative: bool,
    legal: Vec<String>,
    note: String,
    criteria: Vec<CriterionView>,
    versions: Vec<VersionRow>,
    numeric_ids: Vec<String>,
    /// What the set lacks before it can judge a unit; empty when complete.
    gaps: String,
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    let set = ws
        .catalogue
        .get(&SetId(id.clone()))
        .ok_or_else(|| WebError::not_found(format!("Không có bộ tiêu chí “{id}”.")))?;
    let h = &set.header;
    let history = state
        .store
        .criteria_set_history(&id)
        .await
        .map_err(ntm_app::AppError::from)?;
    let criteria = set
        .criteria
        .iter()
        .map(|c| CriterionView {
            id: c.id.clone(),
            name: c.name.clone(),
            indicators: c
                .indicators
                .iter()
                .map(|i| IndicatorView {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    unit: i.unit.clone().unwrap_or_default(),
                    comparison: i.comparison.sign(),
                    configured: i.is_configured(),
                    special: match (&i.threshold_from, i.computed) {
                        (Some(t), _) => format!(
                            "{} × ngưỡng chỉ tiêu {} của bộ yêu cầu trước",
                            number(t.factor),
                            t.indicator
                        ),
                        (_, Some(c)) => format!("tính từ đơn vị cấp dưới ({})", c.as_str()),
                        _ => String::new(),
                    },
                    thresholds: i
                        .thresholds
                        .iter()
                        .map(|t| ThresholdRow {
                            text: format!("{} {}", i.comparison.sign(), number(t.value)),
                            when: t.when.to_string(),
                            source: t.source.clone().unwrap_or_default(),
                            confidence: t.confidence.as_str(),
                            illustrative: t.illustrative,
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    let chrome = Chrome::new(
        &session,
        &ws.registry,
        state.config.default_year,
        "criteria",
    );
    let page = ShowPage {
        is_admin: chrome.is_admin,
        chrome: Some(chrome),
        csrf: session.csrf.clone(),
        id: id.clone(),
        title: h.title.clone(),
        level: h.level.label_vi(),
        applies: h
            .applies_to
            .iter()
            .map(|t| t.as_vi())
            .collect::<Vec<_>>()
            .join(", "),
        period: format!("{}–{}", h.period.from, h.period.to),
        derives: set
            .derives_from
            .as_ref()
            .map(|d| d.0.clone())
            .unwrap_or_default(),
        requires: h.requires.as_ref().map(|d| d.0.clone()).unwrap_or_default(),
        illustrative: h.illustrative,
        legal: h
            .legal_basis
            .iter()
            .map(|l| {
                [
                    l.decision.as_deref().unwrap_or("(chưa xác định số hiệu)"),
                    l.date.as_deref().unwrap_or(""),
                    l.part.as_deref().unwrap_or(""),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
            })
            .collect(),
        note: h.note.clone().unwrap_or_default(),
        gaps: set.gaps().describe_vi(),
        numeric_ids: set
            .indicators()
            .filter(|(_, i)| i.takes_thresholds())
            .map(|(_, i)| i.id.clone())
            .collect(),
        criteria,
        versions: history
            .iter()
            .rev()
            .map(|r| VersionRow {
                version: r.version,
                at: datetime(r.imported_at),
                by: r.imported_by.clone(),
            })
            .collect(),
    };
    render(&page)
}

#[derive(Template)]
#[template(path = "criteria_edit.html")]
struct EditPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: String,
    text: String,
    problems: Vec<String>,
    /// The stored version this form was opened at (0 for none).
    version: i64,
}

/// The latest version of set `id` and its text.
async fn stored(state: &AppState, id: &str) -> WebResult<(i64, String)> {
    state
        .store
        .list_criteria_sets()
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| (r.version, r.source_text))
        .ok_or_else(|| WebError::not_found(format!("Không có bộ tiêu chí “{id}”.")))
}

pub async fn edit_form(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let (version, text) = stored(&state, &id).await?;
    render(&EditPage {
        chrome: Some(Chrome::new(
            &session,
            &ws.registry,
            state.config.default_year,
            "criteria",
        )),
        csrf: session.csrf.clone(),
        id,
        text,
        problems: vec![],
        version,
    })
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    csrf: String,
    text: String,
    /// The version the form was opened at; absent from old forms.
    #[serde(default)]
    version: Option<i64>,
}

async fn save_text(
    state: &AppState,
    session: &Session,
    id: &str,
    (text, seen): (String, Option<i64>),
    reason: &str,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    require_admin(session, &ws.registry)?;
    let files = vec![(format!("{id}.toml"), text.replace("\r\n", "\n"))];
    match ntm_app::criteria::import_seen(
        state.store.as_ref(),
        &files,
        seen,
        &session.actor.audit(state.now(), reason),
    )
    .await
    {
        Ok(outcomes) => {
            let saved = outcomes
                .first()
                .map_or(id.to_owned(), |(sid, _)| sid.clone());
            Ok(Redirect::to(&format!("/criteria/{saved}")).into_response())
        }
        // Refused text, or another version saved meanwhile: the form comes back with what
        // this person wrote; after a conflict it carries the version there is now, so
        // saving again replaces it knowingly (the other's text is in the set's history).
        Err(e @ (ntm_app::AppError::Invalid(_) | ntm_app::AppError::Conflict(_))) => {
            let (status, problems) = match e {
                ntm_app::AppError::Invalid(p) => (StatusCode::UNPROCESSABLE_ENTITY, p),
                other => (
                    StatusCode::CONFLICT,
                    vec![format!(
                        "{other}. Nội dung bạn sửa vẫn ở dưới; xem phiên bản mới ở trang bộ tiêu chí, \
                         rồi bấm Lưu lần nữa nếu muốn thay bằng nội dung này."
                    )],
                ),
            };
            let version = stored(state, id).await.map_or(0, |(v, _)| v);
            let page = EditPage {
                chrome: Some(Chrome::new(
                    session,
                    &ws.registry,
                    state.config.default_year,
                    "criteria",
                )),
                csrf: session.csrf.clone(),
                id: id.to_owned(),
                text: files[0].1.clone(),
                problems,
                version,
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_save(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(f): Form<EditForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    save_text(
        &state,
        &session,
        &id,
        (f.text, f.version),
        "sửa bộ tiêu chí trên giao diện",
    )
    .await
}

#[derive(Deserialize)]
pub struct VariantForm {
    #[serde(default)]
    csrf: String,
    base: String,
    id: String,
    title: String,
    decision: String,
}

/// Creates a provincial variant: a derived set whose skeleton lists, as comments, every
/// numeric indicator of the base that still lacks a threshold.
pub async fn variant(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<VariantForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let base = ws
        .catalogue
        .get(&SetId(f.base.clone()))
        .ok_or_else(|| WebError::not_found(format!("Không có bộ tiêu chí “{}”.", f.base)))?;
    let h = &base.header;
    let q = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut text = format!(
        "format = 1\nid = \"{}\"\ntitle = \"{}\"\nunit_kind = \"{}\"\napplies_to = [{}]\nlevel = \"{}\"\nperiod = {{ from = {}, to = {} }}\nderives_from = \"{}\"\n",
        q(f.id.trim()),
        q(f.title.trim()),
        h.kind.as_str(),
        h.applies_to
            .iter()
            .map(|t| format!("\"{}\"", t.as_vi()))
            .collect::<Vec<_>>()
            .join(", "),
        h.level.as_str(),
        h.period.from,
        h.period.to,
        base.id()
    );
    if let Some(r) = &h.requires {
        text.push_str(&format!("requires = \"{r}\"\n"));
    }
    text.push_str(&format!(
        "\n[[legal_basis]]\ndecision = \"{}\"\nconfidence = \"high\"\n",
        q(f.decision.trim())
    ));
    text.push_str(
        "\n# Các chỉ tiêu số chưa có ngưỡng trong bộ gốc; bỏ dấu # và điền số của quyết định:\n",
    );
    for (_, i) in base
        .indicators()
        .filter(|(_, i)| i.takes_thresholds() && !i.is_configured())
    {
        text.push_str(&format!("# [[override]]\n# indicator = \"{}\"   # {}\n# thresholds = [{{ value = 0, source = \"{}\", confidence = \"high\" }}]\n", i.id, i.name, q(f.decision.trim())));
    }
    // A new set: refused if a set of that id exists already.
    save_text(
        &state,
        &session,
        f.id.trim(),
        (text, Some(0)),
        "tạo bộ tiêu chí của tỉnh",
    )
    .await
}

#[derive(Deserialize)]
pub struct ThresholdForm {
    #[serde(default)]
    csrf: String,
    indicator: String,
    value: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
}

/// Sets the thresholds of one indicator of a derived set by appending an `[[override]]`
/// block (later blocks win), so the file stays readable and the change is a new version.
pub async fn threshold(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Form(f): Form<ThresholdForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let input = ntm_app::criteria::ThresholdInput {
        indicator: f.indicator,
        value: f.value,
        region: f.region,
        year: f.year,
        group: f.group,
        source: f.source,
        confidence: f.confidence,
    };
    let audit = session.actor.audit(state.now(), "đặt ngưỡng chỉ tiêu");
    ntm_app::criteria::set_threshold(state.store.as_ref(), &ws.catalogue, &id, &input, &audit)
        .await?;
    Ok(Redirect::to(&format!("/criteria/{id}")).into_response())
}
