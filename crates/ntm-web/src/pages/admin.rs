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

/// One grant on the page, with what its forms send back.
pub struct GrantView {
    pub text: String,
    pub role: &'static str,
    pub unit: String,
    pub follows: bool,
    pub has_successors: bool,
}

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub grants: Vec<GrantView>,
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
        let grants = ntm_app::accounts::grants_of_user(state.store.as_ref(), u.id).await?;
        let views = ntm_app::accounts::grant_lines(&ws.registry, &grants)
            .into_iter()
            .map(|l| GrantView {
                text: l.text(),
                role: l.grant.role.as_str(),
                unit: l.grant.unit.to_string(),
                follows: l.grant.follows_successors,
                has_successors: !l.successors.is_empty(),
            })
            .collect();
        users.push(UserRow {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            grants: views,
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

#[derive(Deserialize)]
pub struct GrantForm {
    #[serde(default)]
    csrf: String,
    /// `add`, `remove`, `follow` or `stay`.
    op: String,
    role: String,
    unit: String,
    /// The year a typed code is meant in (codes were reused in 2025).
    #[serde(default)]
    year: Option<i32>,
}

/// Adds, removes or changes one grant of an account.
pub async fn grants(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i64>,
    Form(f): Form<GrantForm>,
) -> WebResult<Response> {
    session.check_csrf(&f.csrf)?;
    let ws = workspace(&state, Some(0)).await?;
    require_admin(&session, &ws.registry)?;
    let result = async {
        let grant = ntm_app::accounts::parse_grant(
            &ws.registry,
            &format!("{}:{}", f.role, f.unit.trim()),
            f.year.unwrap_or(state.config.default_year),
        )
        .map_err(|e| match e {
            ntm_app::AppError::Invalid(m) => {
                ntm_app::AppError::Fields(m.into_iter().map(|m| ("unit".to_owned(), m)).collect())
            }
            e => e,
        })?;
        let (change, reason) = match f.op.as_str() {
            "add" => (ntm_app::accounts::GrantChange::Add(grant), "thêm quyền"),
            "remove" => (
                ntm_app::accounts::GrantChange::Remove {
                    role: grant.role,
                    unit: grant.unit,
                },
                "gỡ quyền",
            ),
            "follow" | "stay" => (
                ntm_app::accounts::GrantChange::Follow {
                    role: grant.role,
                    unit: grant.unit,
                    follows: f.op == "follow",
                },
                "quyền theo đơn vị kế thừa",
            ),
            other => {
                return Err(ntm_app::AppError::Fields(vec![(
                    "op".into(),
                    format!("thao tác “{other}” không có"),
                )]));
            }
        };
        ntm_app::accounts::change_grants(
            state.store.as_ref(),
            &ws.registry,
            &session.actor,
            id,
            change,
            &session.actor.audit(state.now(), reason),
        )
        .await
        .map(|_| ())
    }
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
        Err(ntm_app::AppError::Conflict(m)) => {
            let mut page = build(state, session).await?;
            page.errors = vec![m];
            Ok((StatusCode::CONFLICT, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
