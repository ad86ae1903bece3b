//! Sign-in and sign-out.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::accounts::{MAX_USERNAME_LEN, open_session, sign_in};
use serde::Deserialize;

use super::{Chrome, render};
use crate::auth::{ClientAddress, Session, clear_cookie, session_cookie};
use crate::error::{WebError, WebResult};
use crate::state::{AppState, OffRuntime};

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
    ClientAddress(address): ClientAddress,
    Form(c): Form<Credentials>,
) -> WebResult<Response> {
    let now = state.now();
    let name: String = c
        .username
        .trim()
        .to_lowercase()
        .chars()
        .take(MAX_USERNAME_LEN + 1)
        .collect();
    let shown: String = c.username.chars().take(MAX_USERNAME_LEN).collect();
    if let Some(wait) = state.sign_in_wait(&name, &address, now) {
        return refused(
            &format!(
                "Đăng nhập sai nhiều lần; vui lòng đợi {} giây rồi thử lại.",
                wait.num_seconds().max(1)
            ),
            &shown,
            axum::http::StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match sign_in(state.store.as_ref(), &OffRuntime, &c.username, &c.password).await {
        Ok(u) => u,
        Err(ntm_app::AppError::Unauthenticated(m)) => {
            state.sign_in_failed(&name, &address, now);
            return refused(&m, &shown, axum::http::StatusCode::UNAUTHORIZED);
        }
        Err(e) => return Err(e.into()),
    };
    state.sign_in_succeeded(&name, &address);
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
