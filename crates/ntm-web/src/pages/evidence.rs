//! Evidence files of a unit-year's values: attached on the entry form, listed there, at
//! approval and on the scorecard, served only as downloads.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use ntm_core::UnitId;

use super::unit_id;
use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct EvidenceRow {
    pub id: i64,
    pub indicator: String,
    pub name: String,
    pub size: String,
    pub by: String,
}

/// The evidence files of `unit` in `year`, for a page that checked the viewer may read it.
pub async fn rows(state: &AppState, unit: &UnitId, year: i32) -> WebResult<Vec<EvidenceRow>> {
    Ok(state
        .store
        .evidence_files(Some(unit), year)
        .await
        .map_err(ntm_app::AppError::from)?
        .into_iter()
        .map(|f| EvidenceRow {
            id: f.id,
            indicator: f.indicator,
            name: f.name,
            size: format!("{} KB", (f.size + 1023) / 1024),
            by: format!(
                "{} lúc {}",
                f.attached_by,
                crate::format::datetime(f.attached_at)
            ),
        })
        .collect())
}

/// Attaches a file to a value (multipart: `csrf`, `indicator`, `file`).
pub async fn attach(
    State(state): State<AppState>,
    session: Session,
    Path((id, year)): Path<(String, i32)>,
    multipart: axum::extract::Multipart,
) -> WebResult<Response> {
    let id = unit_id(&id)?;
    let form = super::tasks::MultipartForm::read(multipart).await?;
    session.check_csrf(form.get("csrf"))?;
    let Some(file) = form.file("file") else {
        return Err(WebError::new(
            crate::error::Kind::BadRequest,
            "Chưa chọn tệp minh chứng.",
        ));
    };
    let ws = super::workspace(&state, Some(0)).await?;
    ntm_app::quality::attach_evidence(
        state.store.as_ref(),
        &ws.registry,
        &ws.catalogue,
        &session.actor,
        &id,
        year,
        form.get("indicator").trim(),
        &file,
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/entry/{id}/{year}?saved=evidence")).into_response())
}

#[derive(serde::Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
}

/// Removes an evidence file.
pub async fn remove(
    State(state): State<AppState>,
    session: Session,
    Path(file): Path<i64>,
    axum::Form(form): axum::Form<RemoveForm>,
) -> WebResult<Response> {
    session.check_csrf(&form.csrf)?;
    let ws = super::workspace(&state, Some(0)).await?;
    let (unit, year) = ntm_app::quality::remove_evidence(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        file,
        state.now(),
    )
    .await?;
    Ok(Redirect::to(&format!("/entry/{unit}/{year}?saved=evidence")).into_response())
}

/// One evidence file, as a download (never shown inline: a file is the unit's, not ours).
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path(file): Path<i64>,
) -> WebResult<Response> {
    let ws = super::workspace(&state, Some(0)).await?;
    let f =
        ntm_app::quality::evidence_file(state.store.as_ref(), &ws.registry, &session.actor, file)
            .await?;
    Ok(super::download(
        f.bytes,
        &f.name,
        Some("application/octet-stream"),
    ))
}
