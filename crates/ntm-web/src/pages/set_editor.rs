//! Soạn bộ tiêu chí: the structured editor of a set (criteria, indicators, thresholds by
//! commune group / region / year with their act and confidence) and its import from an
//! annex table in Excel. Every save is a new version checked by `ntm_app::set_editor`;
//! this module only reads forms and renders.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::set_editor::{
    COMPUTED_CHOICES, Change, CriterionForm, DiffKind, IndicatorForm, Ownership, ThresholdRow,
};
use ntm_core::criteria::{Comparison, CriteriaSet, SetId};
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::{Kind, WebError, WebResult};
use crate::format::number;
use crate::state::AppState;

/// Spare threshold rows offered under the stored ones.
const SPARE_ROWS: usize = 4;

fn may_edit(session: &Session, ws: &ntm_app::evaluate::Workspace) -> bool {
    ntm_app::set_editor::may_edit(&ws.registry, &session.actor).is_ok()
}

fn chrome(state: &AppState, session: &Session, ws: &ntm_app::evaluate::Workspace) -> Chrome {
    Chrome::new(session, &ws.registry, state.config.default_year, "criteria")
}

fn set_of<'a>(ws: &'a ntm_app::evaluate::Workspace, id: &str) -> WebResult<&'a CriteriaSet> {
    ws.catalogue
        .get(&SetId(id.to_owned()))
        .ok_or_else(|| WebError::not_found(format!("Không có bộ tiêu chí “{id}”.")))
}

pub struct EdIndicator {
    pub id: String,
    pub name: String,
    pub unit: String,
    pub levels: Vec<String>,
    pub configured: bool,
    pub own: bool,
    pub source: String,
}

pub struct EdCriterion {
    pub id: String,
    pub name: String,
    pub own: bool,
    pub indicators: Vec<EdIndicator>,
}

#[derive(Template)]
#[template(path = "set_editor.html")]
struct EditorPage {
    chrome: Option<Chrome>,
    csrf: String,
    id: String,
    title: String,
    version: i64,
    illustrative: bool,
    base: String,
    criteria: Vec<EdCriterion>,
    /// Criteria with no indicator and compared indicators without a level: what the set
    /// still lacks before it can evaluate anyone.
    empty_criteria: Vec<String>,
    unconfigured: Vec<String>,
    saved: String,
    problems: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct EditorQuery {
    #[serde(default)]
    luu: Option<String>,
}

async fn editor_page(
    state: &AppState,
    session: &Session,
    id: &str,
    saved: String,
    problems: Vec<String>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    if !may_edit(session, &ws) {
        return Err(WebError::forbidden());
    }
    let set = set_of(&ws, id)?;
    let (version, def) = ntm_app::set_editor::stored_definition(state.store.as_ref(), id).await?;
    let criteria = set
        .criteria
        .iter()
        .map(|c| EdCriterion {
            id: c.id.clone(),
            name: c.name.clone(),
            own: ntm_app::set_editor::owns_criterion(&def, &c.id),
            indicators: c
                .indicators
                .iter()
                .map(|i| EdIndicator {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    unit: i.unit.clone().unwrap_or_default(),
                    levels: if i.comparison == Comparison::Pass {
                        vec!["đạt / không đạt".into()]
                    } else {
                        i.thresholds
                            .iter()
                            .map(|t| {
                                format!("{} {} ({})", i.comparison.sign(), number(t.value), t.when)
                            })
                            .collect()
                    },
                    configured: i.is_configured(),
                    own: ntm_app::set_editor::ownership(&def, &i.id) == Ownership::Own,
                    source: i
                        .thresholds
                        .first()
                        .and_then(|t| t.source.clone())
                        .or_else(|| i.source.clone())
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let page = EditorPage {
        chrome: Some(chrome(state, session, &ws)),
        csrf: session.csrf.clone(),
        id: id.to_owned(),
        title: set.header.title.clone(),
        version,
        illustrative: set.header.illustrative,
        base: set
            .derives_from
            .as_ref()
            .map(|b| b.0.clone())
            .unwrap_or_default(),
        empty_criteria: {
            let gaps = set.gaps();
            set.criteria
                .iter()
                .filter(|c| gaps.empty_criteria.contains(&c.id))
                .map(|c| format!("{}. {}", c.id, c.name))
                .collect()
        },
        unconfigured: set.gaps().unconfigured,
        criteria,
        saved,
        problems,
    };
    let status = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn editor(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<EditorQuery>,
) -> WebResult<Response> {
    let saved = q
        .luu
        .map(|what| format!("Đã lưu: {what}."))
        .unwrap_or_default();
    editor_page(&state, &session, &id, saved, vec![]).await
}

pub struct FormRow {
    pub n: usize,
    pub row: ThresholdRow,
}

#[derive(Template)]
#[template(path = "set_indicator.html")]
struct IndicatorPage {
    chrome: Option<Chrome>,
    csrf: String,
    set_id: String,
    set_title: String,
    version: i64,
    original: String,
    base_only: bool,
    form: IndicatorForm,
    rows: Vec<FormRow>,
    computed: Vec<(&'static str, &'static str)>,
    regions: Vec<&'static str>,
    criteria: Vec<(String, String)>,
    problems: Vec<String>,
    fields: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct IndicatorQuery {
    #[serde(default)]
    criterion: Option<String>,
    #[serde(default)]
    id: Option<String>,
}

/// The form of an indicator: a stored one (`id`) or a new one under `criterion`.
pub async fn indicator_form(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    if !may_edit(&session, &ws) {
        return Err(WebError::forbidden());
    }
    let set = set_of(&ws, &set_id)?;
    let form = match q.id.as_deref() {
        Some(id) => {
            let (c, i) = set
                .indicators()
                .find(|(_, i)| i.id == id)
                .ok_or_else(|| WebError::not_found(format!("Không có chỉ tiêu “{id}”.")))?;
            IndicatorForm::of(&c.id, i)
        }
        None => IndicatorForm {
            criterion: q.criterion.unwrap_or_default(),
            kind: "number".into(),
            direction: ">=".into(),
            confidence: "high".into(),
            ..IndicatorForm::default()
        },
    };
    indicator_page(
        &state,
        &session,
        &set_id,
        q.id.unwrap_or_default(),
        form,
        None,
    )
    .await
}

async fn indicator_page(
    state: &AppState,
    session: &Session,
    set_id: &str,
    original: String,
    form: IndicatorForm,
    refused: Option<(StatusCode, ntm_app::AppError)>,
) -> WebResult<Response> {
    let ws = workspace(state, Some(0)).await?;
    let set = set_of(&ws, set_id)?;
    let (version, def) =
        ntm_app::set_editor::stored_definition(state.store.as_ref(), set_id).await?;
    let illustrative = set.header.illustrative;
    let mut rows: Vec<FormRow> = form
        .thresholds
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, row)| FormRow { n, row })
        .collect();
    let first_spare = rows.len();
    rows.extend((first_spare..first_spare + SPARE_ROWS).map(|n| FormRow {
        n,
        row: ThresholdRow {
            confidence: "high".into(),
            illustrative,
            ..ThresholdRow::default()
        },
    }));
    let (status, problems, fields) = match refused {
        None => (StatusCode::OK, vec![], vec![]),
        Some((status, ntm_app::AppError::Fields(f))) => (status, vec![], f),
        Some((status, e @ ntm_app::AppError::Conflict(_))) => (
            status,
            vec![format!(
                "{e}. Nội dung bạn nhập vẫn ở dưới; bấm Lưu lần nữa để lưu lên phiên bản mới nhất."
            )],
            vec![],
        ),
        Some((status, ntm_app::AppError::Invalid(p))) => (status, p, vec![]),
        Some((status, e)) => (status, vec![e.to_string()], vec![]),
    };
    let page = IndicatorPage {
        chrome: Some(chrome(state, session, &ws)),
        csrf: session.csrf.clone(),
        set_id: set_id.to_owned(),
        set_title: set.header.title.clone(),
        version,
        base_only: !original.is_empty()
            && ntm_app::set_editor::ownership(&def, &original) == Ownership::Base,
        original,
        form,
        rows,
        computed: COMPUTED_CHOICES
            .iter()
            .map(|(c, label)| (c.as_str(), *label))
            .collect(),
        regions: ntm_data::criteria_file::REGIONS.to_vec(),
        criteria: set
            .criteria
            .iter()
            .map(|c| (c.id.clone(), c.name.clone()))
            .collect(),
        problems,
        fields,
    };
    Ok((status, render(&page)?).into_response())
}

/// The fields of an indicator form; threshold rows come as `t{n}_value`, `t{n}_group`, …
fn read_indicator(fields: &[(String, String)]) -> (IndicatorForm, String, i64) {
    let get = |k: &str| {
        fields
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut rows: std::collections::BTreeMap<usize, ThresholdRow> = Default::default();
    let mut removed = std::collections::BTreeSet::new();
    for (key, value) in fields {
        let Some((n, field)) = key
            .strip_prefix('t')
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(n, f)| n.parse::<usize>().ok().map(|n| (n, f)))
        else {
            continue;
        };
        // A form has a few dozen rows at most; a larger number is not one of ours.
        if n > 500 {
            continue;
        }
        let row = rows.entry(n).or_default();
        match field {
            "value" => row.value = value.clone(),
            "region" => row.region = value.clone(),
            "group" => row.group = value.clone(),
            "year" => row.year = value.clone(),
            "source" => row.source = value.clone(),
            "confidence" => row.confidence = value.clone(),
            "note" => row.note = value.clone(),
            "illustrative" => row.illustrative = !value.is_empty(),
            "remove" => {
                removed.insert(n);
            }
            _ => {}
        }
    }
    let thresholds = rows
        .into_iter()
        .filter(|(n, _)| !removed.contains(n))
        .map(|(_, r)| r)
        .collect();
    let form = IndicatorForm {
        criterion: get("criterion"),
        id: get("id"),
        name: get("name"),
        unit: get("unit"),
        kind: get("kind"),
        direction: get("direction"),
        computed: get("computed"),
        value_of: get("value_of"),
        source: get("source"),
        confidence: get("confidence"),
        note: get("note"),
        thresholds,
    };
    (form, get("original"), get("version").parse().unwrap_or(-1))
}

async fn save(
    state: &AppState,
    session: &Session,
    set_id: &str,
    version: i64,
    change: Change,
) -> Result<String, ntm_app::AppError> {
    let ws = workspace(state, Some(0))
        .await
        .map_err(|_| ntm_app::AppError::NotFound("không đọc được danh mục".into()))?;
    let audit = session
        .actor
        .audit(state.now(), "soạn bộ tiêu chí trên giao diện");
    let outcome = ntm_app::set_editor::save(
        state.store.as_ref(),
        &ws.registry,
        &ws.catalogue,
        &session.actor,
        (set_id, version),
        change,
        &audit,
    )
    .await?;
    Ok(match outcome {
        ntm_store::PutOutcome::Created { version } => format!("phiên bản {version}"),
        ntm_store::PutOutcome::Unchanged { .. } => "không có gì thay đổi".into(),
    })
}

fn status_of(e: &ntm_app::AppError) -> Option<StatusCode> {
    match e {
        ntm_app::AppError::Fields(_) | ntm_app::AppError::Invalid(_) => {
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        }
        ntm_app::AppError::Conflict(_) => Some(StatusCode::CONFLICT),
        _ => None,
    }
}

pub async fn indicator_save(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    session.check_csrf(csrf)?;
    let (form, original, version) = read_indicator(&fields);
    let id = form.id.trim().to_owned();
    let change = Change::Indicator {
        original: Some(original.clone()).filter(|o| !o.is_empty()),
        form: form.clone(),
    };
    match save(&state, &session, &set_id, version, change).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/criteria/{set_id}/editor?luu={}#ct-{}",
            urlencoding(&format!("chỉ tiêu {id}, {done}")),
            urlencoding(&id)
        ))
        .into_response()),
        Err(e) => match status_of(&e) {
            Some(status) => {
                indicator_page(&state, &session, &set_id, original, form, Some((status, e))).await
            }
            None => Err(e.into()),
        },
    }
}

/// Percent-encodes a query value (the form's ids and the saved message).
fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    id: String,
}

pub async fn indicator_remove(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    removed(
        &state,
        &session,
        &set_id,
        f.version,
        Change::RemoveIndicator(f.id.clone()),
        &format!("bỏ chỉ tiêu {}", f.id),
    )
    .await
}

pub async fn criterion_remove(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(f): Form<RemoveForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    removed(
        &state,
        &session,
        &set_id,
        f.version,
        Change::RemoveCriterion(f.id.clone()),
        &format!("bỏ tiêu chí {}", f.id),
    )
    .await
}

async fn removed(
    state: &AppState,
    session: &Session,
    set_id: &str,
    version: i64,
    change: Change,
    what: &str,
) -> WebResult<Response> {
    match save(state, session, set_id, version, change).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/criteria/{set_id}/editor?luu={}",
            urlencoding(&format!("{what}, {done}"))
        ))
        .into_response()),
        Err(e) => match (status_of(&e), e) {
            (Some(_), ntm_app::AppError::Invalid(p)) => {
                editor_page(state, session, set_id, String::new(), p).await
            }
            (Some(_), e) => {
                editor_page(state, session, set_id, String::new(), vec![e.to_string()]).await
            }
            (None, e) => Err(e.into()),
        },
    }
}

#[derive(Template)]
#[template(path = "set_criterion.html")]
struct CriterionPage {
    chrome: Option<Chrome>,
    csrf: String,
    set_id: String,
    version: i64,
    original: String,
    form: CriterionForm,
    problems: Vec<String>,
}

#[derive(Deserialize)]
pub struct CriterionFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: i64,
    #[serde(default)]
    original: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    confidence: String,
    #[serde(default)]
    note: String,
}

pub async fn criterion_form(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Query(q): Query<IndicatorQuery>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    if !may_edit(&session, &ws) {
        return Err(WebError::forbidden());
    }
    let (version, def) =
        ntm_app::set_editor::stored_definition(state.store.as_ref(), &set_id).await?;
    let form = match q.id.as_deref() {
        Some(id) => {
            let c = def.criteria.iter().find(|c| c.id == id).ok_or_else(|| {
                WebError::not_found(format!(
                    "Tiêu chí “{id}” không thuộc bộ này (tiêu chí của bộ gốc sửa ở bộ gốc)."
                ))
            })?;
            CriterionForm {
                id: c.id.clone(),
                name: c.name.clone(),
                group: c.group.clone().unwrap_or_default(),
                source: c.source.clone().unwrap_or_default(),
                confidence: c.confidence.as_str().into(),
                note: c.note.clone().unwrap_or_default(),
            }
        }
        None => CriterionForm {
            confidence: "high".into(),
            ..CriterionForm::default()
        },
    };
    render(&CriterionPage {
        chrome: Some(chrome(&state, &session, &ws)),
        csrf: session.csrf.clone(),
        set_id,
        version,
        original: q.id.unwrap_or_default(),
        form,
        problems: vec![],
    })
}

pub async fn criterion_save(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(f): Form<CriterionFields>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let form = CriterionForm {
        id: f.id,
        name: f.name,
        group: f.group,
        source: f.source,
        confidence: f.confidence,
        note: f.note,
    };
    let id = form.id.trim().to_owned();
    let change = Change::Criterion {
        original: Some(f.original.clone()).filter(|o| !o.is_empty()),
        form: form.clone(),
    };
    match save(&state, &session, &set_id, f.version, change).await {
        Ok(done) => Ok(Redirect::to(&format!(
            "/criteria/{set_id}/editor?luu={}#tc-{}",
            urlencoding(&format!("tiêu chí {id}, {done}")),
            urlencoding(&id)
        ))
        .into_response()),
        Err(e) => match status_of(&e) {
            Some(status) => {
                let ws = workspace(&state, Some(0)).await?;
                let version = ntm_app::set_editor::stored_definition(state.store.as_ref(), &set_id)
                    .await
                    .map_or(f.version, |(v, _)| v);
                let problems = match e {
                    ntm_app::AppError::Fields(f) => {
                        f.into_iter().map(|(f, m)| format!("{f}: {m}")).collect()
                    }
                    ntm_app::AppError::Invalid(p) => p,
                    e => vec![e.to_string()],
                };
                Ok((
                    status,
                    render(&CriterionPage {
                        chrome: Some(chrome(&state, &session, &ws)),
                        csrf: session.csrf.clone(),
                        set_id,
                        version,
                        original: f.original,
                        form,
                        problems,
                    })?,
                )
                    .into_response())
            }
            None => Err(e.into()),
        },
    }
}

/// The set's annex table to fill (prefilled with what the set holds).
pub async fn table(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    if !may_edit(&session, &ws) {
        return Err(WebError::forbidden());
    }
    let set = set_of(&ws, &set_id)?;
    let bytes = ntm_app::set_editor::table_xlsx(set)?;
    Ok(super::reports::xlsx(
        bytes,
        &format!("bo-tieu-chi-{set_id}.xlsx"),
    ))
}

pub struct DiffView {
    pub kind: &'static str,
    pub text: String,
}

#[derive(Template)]
#[template(path = "set_import.html")]
struct ImportPage {
    chrome: Option<Chrome>,
    csrf: String,
    set_id: String,
    set_title: String,
    file: String,
    problems: Vec<String>,
    previewed: bool,
    version: i64,
    changes: Vec<DiffView>,
    added: usize,
    changed: usize,
    removed: usize,
    unchanged: usize,
    text: String,
}

pub async fn import_upload(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    multipart: Multipart,
) -> WebResult<Response> {
    let ws = workspace(&state, Some(0)).await?;
    if !may_edit(&session, &ws) {
        return Err(WebError::forbidden());
    }
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let (file, bytes) = form
        .file("file")
        .map(|f| (f.name, f.bytes))
        .unwrap_or_default();
    if bytes.len() > 5 * 1024 * 1024 {
        return Err(WebError::new(Kind::TooLarge, "Tệp quá lớn (tối đa 5 MB)."));
    }
    let set = set_of(&ws, &set_id)?;
    let mut page = ImportPage {
        chrome: Some(chrome(&state, &session, &ws)),
        csrf: session.csrf.clone(),
        set_id: set_id.clone(),
        set_title: set.header.title.clone(),
        file,
        problems: vec![],
        previewed: false,
        version: 0,
        changes: vec![],
        added: 0,
        changed: 0,
        removed: 0,
        unchanged: 0,
        text: String::new(),
    };
    if bytes.is_empty() {
        page.problems = vec!["Chưa chọn tệp, hoặc tệp rỗng.".into()];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match ntm_app::set_editor::preview_table(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        &set_id,
        &bytes,
    )
    .await
    {
        Ok(p) => {
            let count = |k: DiffKind| p.changes.iter().filter(|c| c.kind == k).count();
            page.added = count(DiffKind::Added);
            page.changed = count(DiffKind::Changed);
            page.removed = count(DiffKind::Removed);
            page.unchanged = p.unchanged;
            page.version = p.version;
            page.previewed = true;
            page.changes = p
                .changes
                .into_iter()
                .map(|c| DiffView {
                    kind: match c.kind {
                        DiffKind::Added => "added",
                        DiffKind::Changed => "changed",
                        DiffKind::Removed => "removed",
                    },
                    text: c.text,
                })
                .collect();
            page.text = p.text;
            render(&page)
        }
        Err(ntm_app::AppError::Invalid(problems)) => {
            page.problems = problems;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    version: i64,
    text: String,
    #[serde(default)]
    file: String,
}

pub async fn import_confirm(
    State(state): State<AppState>,
    session: Session,
    Path(set_id): Path<String>,
    Form(f): Form<ConfirmForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let audit = session
        .actor
        .audit(state.now(), format!("nhập bộ tiêu chí từ tệp {}", f.file));
    let outcome = ntm_app::set_editor::confirm_table(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        (&set_id, f.version),
        &f.text.replace("\r\n", "\n"),
        &audit,
    )
    .await?;
    let done = match outcome {
        ntm_store::PutOutcome::Created { version } => {
            format!("bảng phụ lục từ tệp {}, phiên bản {version}", f.file)
        }
        ntm_store::PutOutcome::Unchanged { .. } => "tệp không thay đổi gì".into(),
    };
    Ok(Redirect::to(&format!(
        "/criteria/{set_id}/editor?luu={}",
        urlencoding(&done)
    ))
    .into_response())
}
