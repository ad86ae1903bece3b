//! Sign-in and sign-out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::accounts::{LOGIN_REFUSED, login_candidate, open_session, verify_password};
use serde::Deserialize;

use super::{Chrome, render};
use crate::auth::{Session, clear_cookie, session_cookie};
use crate::error::{WebError, WebResult, internal};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Option<Chrome>,
    message: Option<String>,
    username: String,
}

pub async fn form() -> WebResult<Response> {
    render(&LoginPage {
        chrome: None,
        message: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

fn refused(message: &str, username: &str, status: axum::http::StatusCode) -> WebResult<Response> {
    let page = LoginPage {
        chrome: None,
        message: Some(message.into()),
        username: username.into(),
    };
    Ok((status, render(&page)?).into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    Form(c): Form<Credentials>,
) -> WebResult<Response> {
    let now = state.now();
    let key = c.username.trim().to_lowercase();
    if !state.login_allowed(&key, now) {
        return refused(
            "Đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút.",
            &c.username,
            axum::http::StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match login_candidate(state.store.as_ref(), &c.username).await {
        Ok(u) => u,
        Err(ntm_app::AppError::Unauthenticated(m)) => {
            state.login_failed(&key, now);
            return refused(&m, &c.username, axum::http::StatusCode::UNAUTHORIZED);
        }
        Err(e) => return Err(e.into()),
    };
    // Argon2 is slow on purpose; keep it off the async workers.
    let (password, phc) = (c.password, user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| internal(e.into()))?;
    if !ok {
        state.login_failed(&key, now);
        return refused(
            LOGIN_REFUSED,
            &c.username,
            axum::http::StatusCode::UNAUTHORIZED,
        );
    }
    state.login_succeeded(&key);
    let (secret, _) =
        open_session(state.store.as_ref(), user.id, now, state.config.session_ttl).await?;
    Ok((
        [(SET_COOKIE, session_cookie(&secret, &state))],
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    session.check_csrf(&f.csrf)?;
    state
        .store
        .delete_session(&session.id_hash)
        .await
        .map_err(ntm_app::AppError::from)?;
    Ok(([(SET_COOKIE, clear_cookie(&state))], Redirect::to("/login")).into_response())
}
