//! Tài khoản: change one's password; personal API tokens for scripts.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Chrome, render, workspace};
use crate::auth::Session;
use crate::error::WebResult;
use crate::format::datetime;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Option<Chrome>,
    csrf: String,
    username: String,
    email: String,
    roles: Vec<String>,
    /// (id, name, created, last used)
    tokens: Vec<(i64, String, String, String)>,
    /// (handle, signed in, expires, this one)
    sessions: Vec<(String, String, String, bool)>,
    new_token: String,
    errors: Vec<String>,
}

async fn build(state: &AppState, session: &Session) -> WebResult<AccountPage> {
    let ws = workspace(state, Some(0)).await?;
    let tokens = state
        .store
        .list_tokens(session.actor.user_id)
        .await
        .map_err(ntm_app::AppError::from)?;
    let name = |id: &ntm_core::UnitId| {
        ws.registry
            .get(id)
            .map(|u| u.latest().name.clone())
            .unwrap_or_else(|| id.to_string())
    };
    Ok(AccountPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "account",
        )),
        csrf: session.csrf.clone(),
        username: session.actor.username.clone(),
        email: state
            .store
            .get_user(session.actor.user_id)
            .await
            .map_err(ntm_app::AppError::from)?
            .and_then(|u| u.email)
            .unwrap_or_default(),
        roles: session
            .actor
            .grants
            .iter()
            .map(|g| format!("{} — {}", g.role.label_vi(), name(&g.unit)))
            .collect(),
        tokens: tokens
            .into_iter()
            .map(|t| {
                let used = t
                    .last_used_at
                    .map_or_else(|| "chưa dùng".to_owned(), datetime);
                (t.id, t.name, datetime(t.created_at), used)
            })
            .collect(),
        sessions: state
            .store
            .list_sessions(session.actor.user_id, state.now())
            .await
            .map_err(ntm_app::AppError::from)?
            .into_iter()
            .map(|s| {
                let this = s.id_hash == session.id_hash;
                (
                    session_handle(&s.id_hash),
                    datetime(s.created_at),
                    datetime(s.expires_at),
                    this,
                )
            })
            .collect(),
        new_token: String::new(),
        errors: Vec::new(),
    })
}

/// What the page names a session by: a prefix of its hash (never the cookie's secret, and
/// the hash whole is not shown either).
fn session_handle(id_hash: &str) -> String {
    id_hash.chars().take(16).collect()
}

#[derive(Deserialize)]
pub struct EndSession {
    #[serde(default)]
    csrf: String,
}

/// Ends one of the user's own sessions (another browser, a lost laptop).
pub async fn end_session(
    State(state): State<AppState>,
    session: Session,
    Path(handle): Path<String>,
    Form(f): Form<EndSession>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let mine = state
        .store
        .list_sessions(session.actor.user_id, state.now())
        .await
        .map_err(ntm_app::AppError::from)?;
    let target = mine
        .iter()
        .find(|s| handle.len() == 16 && session_handle(&s.id_hash) == handle)
        .ok_or_else(|| crate::error::WebError::not_found("Không có phiên đăng nhập này."))?;
    state
        .store
        .delete_session(&target.id_hash)
        .await
        .map_err(ntm_app::AppError::from)?;
    if target.id_hash == session.id_hash {
        return Ok(Redirect::to("/login").into_response());
    }
    Ok(Redirect::to("/account").into_response())
}

pub async fn page(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    render(&build(&state, &session).await?)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn password(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<PasswordForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let mut page = build(&state, &session).await?;
    let now = state.now();
    if let Some(wait) = state.password_check_wait(session.actor.user_id, now) {
        page.errors.push(format!(
            "Nhập sai mật khẩu hiện tại nhiều lần; vui lòng đợi {} giây rồi thử lại.",
            wait.num_seconds().max(1)
        ));
        return Ok((StatusCode::TOO_MANY_REQUESTS, render(&page)?).into_response());
    }
    if f.new != f.repeat {
        page.errors.push("Mật khẩu nhập lại không khớp.".into());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response());
    }
    match ntm_app::accounts::change_password(
        state.store.as_ref(),
        &crate::state::OffRuntime,
        &session.actor,
        &f.current,
        &f.new,
        &session.actor.audit(state.now(), "đổi mật khẩu"),
    )
    .await
    {
        // The store ends every session of the user; sign in again with the new password.
        Ok(()) => Ok(Redirect::to("/login").into_response()),
        Err(ntm_app::AppError::Fields(errors)) => {
            if errors.iter().any(|(f, _)| f == "current") {
                state.password_check_failed(session.actor.user_id, now);
            }
            page.errors = errors.into_iter().map(|(_, m)| m).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// The user's own address for the digest of notifications.
pub async fn email(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<EmailForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    match ntm_app::accounts::set_email(
        state.store.as_ref(),
        session.actor.user_id,
        &f.email,
        &session
            .actor
            .audit(state.now(), "địa chỉ nhận thư tổng hợp"),
    )
    .await
    {
        Ok(()) => Ok(Redirect::to("/account").into_response()),
        Err(ntm_app::AppError::Fields(errors)) => {
            let mut page = build(&state, &session).await?;
            page.email = f.email.clone();
            page.errors = errors.into_iter().map(|(_, m)| m).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<TokenForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let secret = ntm_app::accounts::create_token(
        state.store.as_ref(),
        &session.actor,
        &f.name,
        &session.actor.audit(state.now(), "tạo mã truy cập"),
    )
    .await?;
    let mut page = build(&state, &session).await?;
    page.new_token = secret;
    render(&page)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn delete_token(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    state
        .store
        .delete_token(
            session.actor.user_id,
            id,
            &session.actor.audit(state.now(), "xóa mã truy cập"),
        )
        .await
        .map_err(ntm_app::AppError::from)?;
    Ok(Redirect::to("/account").into_response())
}
