//! Người dùng (administrators): accounts, their roles and scopes.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use ntm_core::access::Role;
use serde::Deserialize;

use super::{Chrome, render, require_admin, workspace};
use crate::auth::Session;
use crate::error::WebResult;
use crate::state::{AppState, OffRuntime};

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub grants: String,
    pub disabled: bool,
    pub email: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Option<Chrome>,
    csrf: String,
    users: Vec<UserRow>,
    roles: Vec<(&'static str, &'static str)>,
    errors: Vec<String>,
}

async fn build(state: &AppState, session: &Session) -> WebResult<UsersPage> {
    let ws = workspace(state, Some(0)).await?;
    require_admin(session, &ws.registry)?;
    let mut users = Vec::new();
    for u in state
        .store
        .list_users()
        .await
        .map_err(ntm_app::AppError::from)?
    {
        let grants = state
            .store
            .list_grants(u.id)
            .await
            .map_err(ntm_app::AppError::from)?;
        let text = grants
            .iter()
            .map(|g| {
                let role = Role::parse(&g.role)
                    .map_or_else(|| g.role.clone(), |r| r.label_vi().to_owned());
                let unit = ws
                    .registry
                    .get(&g.unit_id)
                    .map_or(g.unit_id.to_string(), |u| {
                        format!("{} ({})", u.latest().name, g.unit_id)
                    });
                format!("{role}: {unit}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        users.push(UserRow {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            grants: text,
            disabled: u.disabled,
            email: u.email.unwrap_or_default(),
        });
    }
    Ok(UsersPage {
        chrome: Some(Chrome::new(
            session,
            &ws.registry,
            state.config.default_year,
            "users",
        )),
        csrf: session.csrf.clone(),
        users,
        roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label_vi()))
            .collect(),
        errors: vec![],
    })
}

pub async fn page(State(state): State<AppState>, session: Session) -> WebResult<Response> {
    render(&build(&state, &session).await?)
}

#[derive(Deserialize)]
pub struct NewUserForm {
    #[serde(default)]
    csrf: String,
    username: String,
    full_name: String,
    password: String,
    role: String,
    unit: String,
    year: i32,
}

pub async fn create(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<NewUserForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let mut page = build(&state, &session).await?;
    let result = async {
        let grant = ntm_app::accounts::parse_grant(
            &ws.registry,
            &format!("{}:{}", f.role, f.unit.trim()),
            f.year,
        )?;
        let account = ntm_app::accounts::NewAccount {
            username: f.username.clone(),
            full_name: f.full_name.clone(),
            password: f.password.clone(),
            grants: vec![grant],
            email: None,
        };
        ntm_app::accounts::add_account(
            state.store.as_ref(),
            &OffRuntime,
            &ws.registry,
            &session.actor,
            account,
            &session.actor.audit(state.now(), "tạo người dùng"),
        )
        .await
    }
    .await;
    match result {
        Ok(_) => Ok(Redirect::to("/users").into_response()),
        Err(ntm_app::AppError::Fields(e)) => {
            page.errors = e.into_iter().map(|(f, m)| format!("{f}: {m}")).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(ntm_app::AppError::Invalid(e)) => {
            page.errors = e;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(ntm_app::AppError::Conflict(m)) => {
            page.errors = vec![m];
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ToggleForm {
    #[serde(default)]
    csrf: String,
    disabled: bool,
}

pub async fn toggle(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<ToggleForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let reason = if f.disabled {
        "khóa tài khoản"
    } else {
        "mở khóa tài khoản"
    };
    ntm_app::accounts::set_account_disabled(
        state.store.as_ref(),
        &ws.registry,
        &session.actor,
        id,
        f.disabled,
        &session.actor.audit(state.now(), reason),
    )
    .await?;
    Ok(Redirect::to("/users").into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    csrf: String,
    password: String,
}

pub async fn reset(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<ResetForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let result = ntm_app::accounts::reset_password(
        state.store.as_ref(),
        &OffRuntime,
        &ws.registry,
        &session.actor,
        id,
        &f.password,
        &session.actor.audit(state.now(), "đặt lại mật khẩu"),
    )
    .await;
    back_to_users(&state, &session, result).await
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Sets (or clears) the address a user's digest goes to.
pub async fn email(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<EmailForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let result = ntm_app::accounts::set_email(
        state.store.as_ref(),
        id,
        &f.email,
        &session
            .actor
            .audit(state.now(), "địa chỉ nhận thư tổng hợp"),
    )
    .await;
    back_to_users(&state, &session, result).await
}

/// Back to the users page after a write, or the page again with the fields refused.
async fn back_to_users(
    state: &AppState,
    session: &Session,
    result: ntm_app::AppResult<()>,
) -> WebResult<Response> {
    match result {
        Ok(()) => Ok(Redirect::to("/users").into_response()),
        Err(ntm_app::AppError::Fields(errors)) => {
            let mut page = build(state, session).await?;
            page.errors = errors.into_iter().map(|(_, m)| m).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
