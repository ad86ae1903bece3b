//! Nhập từ tệp: upload a filled template (.xlsx) or a long-format CSV, see the preview —
//! new values, changed values (old → new), unchanged, every error with its sheet, row and
//! column — and confirm; then everything is written in one transaction, or nothing.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::{Kind, WebError, WebResult};
use crate::format::stored as shown;
use crate::state::{AppState, Held, PendingImport};

/// The largest file accepted (a province-wide template is well under a megabyte).
const MAX_BYTES: usize = 20 * 1024 * 1024;

pub struct Line {
    pub unit: String,
    pub year: i32,
    pub indicator: String,
    pub old: String,
    pub new: String,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Option<Chrome>,
    csrf: String,
    file: String,
    errors: Vec<String>,
    token: String,
    previewed: bool,
    new_count: usize,
    changed_count: usize,
    unchanged: usize,
    new: Vec<Line>,
    changed: Vec<Line>,
    /// Unit-years left out (submitted or locked): (unit, year, reason, values).
    refused: Vec<(String, i32, String, usize)>,
    done: String,
}

fn page(chrome: Chrome, csrf: String) -> ImportPage {
    ImportPage {
        chrome: Some(chrome),
        csrf,
        file: String::new(),
        errors: vec![],
        token: String::new(),
        previewed: false,
        new_count: 0,
        changed_count: 0,
        unchanged: 0,
        new: vec![],
        changed: vec![],
        refused: vec![],
        done: String::new(),
    }
}

pub async fn form(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    if !ntm_core::access::holds(&session.actor.grants, ntm_core::access::Action::EnterValues) {
        return Err(WebError::forbidden());
    }
    let ws = workspace(&state, Some(0)).await?;
    render(&page(
        Chrome::new(&session, &ws.registry, state.config.default_year, "import"),
        session.csrf.clone(),
    ))
}

fn line(r: &ntm_app::imports::PreviewRow) -> Line {
    Line {
        unit: format!("{} ({})", r.unit_name, r.unit),
        year: r.year,
        indicator: r.indicator.clone(),
        old: r.old.as_deref().map(shown).unwrap_or_default(),
        new: shown(&r.new),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    multipart: Multipart,
) -> WebResult<Response> {
    // Who may not import anything is refused before a byte of the file is read.
    if !ntm_core::access::holds(&session.actor.grants, ntm_core::access::Action::EnterValues) {
        return Err(WebError::forbidden());
    }
    let form = super::tasks::MultipartForm::read(multipart).await?;
    let csrf = form.get("csrf").to_owned();
    let (file, bytes) = form
        .file("file")
        .map(|f| (f.name, f.bytes))
        .unwrap_or_default();
    if bytes.len() > MAX_BYTES {
        return Err(WebError::new(Kind::TooLarge, "Tệp quá lớn (tối đa 20 MB)."));
    }
    session.check_csrf(&csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    let chrome = Chrome::new(&session, &ws.registry, state.config.default_year, "import");
    let mut view = page(chrome, session.csrf.clone());
    view.file = file.clone();
    if bytes.is_empty() {
        view.errors = vec!["Chưa chọn tệp, hoặc tệp rỗng.".into()];
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
    }
    // Reading a workbook is CPU work; keep it off the async workers.
    let name = file.clone();
    let rows = tokio::task::spawn_blocking(move || ntm_app::values::read_file(&name, &bytes))
        .await
        .map_err(|e| crate::error::internal(e.into()))?;
    let preview = match rows {
        Err(problems) => Err(problems),
        Ok(rows) => match ntm_app::imports::preview(
            state.store.as_ref(),
            &ws.registry,
            &ws.catalogue,
            Some(&session.actor),
            &rows,
        )
        .await
        {
            Ok(p) => Ok(p),
            Err(ntm_app::AppError::Invalid(problems)) => Err(problems),
            Err(e) => return Err(e.into()),
        },
    };
    match preview {
        Err(problems) => {
            view.errors = problems;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response())
        }
        Ok(p) => {
            view.previewed = true;
            view.new_count = p.new.len();
            view.changed_count = p.changed.len();
            view.unchanged = p.unchanged;
            view.new = p.new.iter().take(200).map(line).collect();
            view.changed = p.changed.iter().take(1000).map(line).collect();
            view.refused = p
                .refused
                .iter()
                .map(|r| {
                    (
                        format!("{} ({})", r.unit_name, r.unit),
                        r.year,
                        r.reason.clone(),
                        r.values,
                    )
                })
                .collect();
            if !p.writes.is_empty() && p.new.len() + p.changed.len() > 0 {
                view.token = state.hold_import(PendingImport {
                    user_id: session.actor.user_id,
                    file,
                    preview: Held::Values(p),
                    created: state.now(),
                });
            }
            render(&view)
        }
    }
}

#[derive(Deserialize)]
pub struct Confirm {
    #[serde(default)]
    csrf: String,
    token: String,
    /// Ticked when the preview left unit-years out: the rest is written knowingly.
    #[serde(default)]
    skip_locked: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<Confirm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let now = state.now();
    let pending = state
        .take_import(&f.token, session.actor.user_id, now)
        .ok_or_else(|| {
            WebError::new(
                Kind::Conflict,
                "Bản xem trước đã hết hạn hoặc đã được ghi; hãy tải tệp lên lại.",
            )
        })?;
    let Held::Values(preview) = &pending.preview else {
        state.restore_import(&f.token, pending);
        return Err(WebError::new(
            Kind::Conflict,
            "Bản xem trước này là của sổ thôn, không phải số liệu; hãy ghi từ trang nhập sổ thôn.",
        ));
    };
    if !preview.refused.is_empty() && f.skip_locked.is_none() {
        // Put it back: the user has not yet said to write without the locked ones.
        let refused = preview.refused.len();
        state.restore_import(&f.token, pending);
        return Err(WebError::new(
            Kind::Invalid,
            format!(
                "Tệp có {refused} đơn vị-năm đã gửi duyệt hoặc đã khóa: đánh dấu “bỏ qua các đơn vị-năm này” để ghi phần còn lại, hoặc tải tệp lên lại."
            ),
        ));
    }
    let audit = session
        .actor
        .audit(now, format!("nhập từ tệp {}", pending.file));
    let summary = ntm_app::imports::confirm(state.store.as_ref(), preview, &audit).await?;
    let ws = workspace(&state, Some(0)).await?;
    let mut view = page(
        Chrome::new(&session, &ws.registry, state.config.default_year, "import"),
        session.csrf.clone(),
    );
    view.file = pending.file;
    view.done = format!(
        "Đã ghi: {} giá trị mới, {} giá trị thay đổi ({} không đổi). Số liệu ở trạng thái đang nhập; gửi duyệt từ trang nhập liệu của từng đơn vị.",
        summary.inserted, summary.updated, summary.unchanged
    );
    render(&view)
}
