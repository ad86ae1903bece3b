//! The one place where errors become HTTP responses.
//!
//! | error | status |
//! |---|---|
//! | not signed in | 303 to the sign-in page (HTML), 401 (API) |
//! | forbidden | 403 |
//! | not found | 404 |
//! | invalid input / fields | 422 |
//! | conflict (locked period, taken name) | 409 |
//! | ambiguous request | 400 |
//! | too many sign-in attempts | 429 |
//! | store or internal failure | 500, logged once with its cause; the client gets an opaque message |
//!
//! HTML requests get a Vietnamese error page; `/api/` requests get the JSON envelope
//! `{"error": {"status": 404, "code": "not_found", "message": "…", "details": […]}}`
//! documented in `docs/API.md`.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ntm_app::AppError;

/// An error on its way to the client.
#[derive(Debug)]
pub struct WebError {
    pub kind: Kind,
    pub message: String,
    pub details: Vec<String>,
    /// Whether to answer in JSON.
    pub api: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Unauthenticated,
    Forbidden,
    NotFound,
    Invalid,
    Conflict,
    BadRequest,
    TooManyRequests,
    Internal,
}

impl Kind {
    fn status(self) -> StatusCode {
        match self {
            Kind::Unauthenticated => StatusCode::UNAUTHORIZED,
            Kind::Forbidden => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::Conflict => StatusCode::CONFLICT,
            Kind::BadRequest => StatusCode::BAD_REQUEST,
            Kind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
    fn code(self) -> &'static str {
        match self {
            Kind::Unauthenticated => "unauthenticated",
            Kind::Forbidden => "forbidden",
            Kind::NotFound => "not_found",
            Kind::Invalid => "invalid",
            Kind::Conflict => "conflict",
            Kind::BadRequest => "bad_request",
            Kind::TooManyRequests => "too_many_requests",
            Kind::Internal => "internal",
        }
    }
}

impl WebError {
    pub fn new(kind: Kind, message: impl Into<String>) -> Self {
        WebError {
            kind,
            message: message.into(),
            details: Vec::new(),
            api: false,
        }
    }
    pub fn forbidden() -> Self {
        Self::new(Kind::Forbidden, "Bạn không có quyền truy cập nội dung này.")
    }
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(Kind::NotFound, what)
    }
    /// Answer in JSON (API routes).
    pub fn api(mut self) -> Self {
        self.api = true;
        self
    }
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::NotFound(m) => WebError::new(Kind::NotFound, m),
            AppError::Invalid(list) => WebError {
                kind: Kind::Invalid,
                message: "Dữ liệu không hợp lệ.".into(),
                details: list,
                api: false,
            },
            AppError::Fields(list) => WebError {
                kind: Kind::Invalid,
                message: "Dữ liệu không hợp lệ.".into(),
                details: list.into_iter().map(|(f, m)| format!("{f}: {m}")).collect(),
                api: false,
            },
            AppError::Ambiguous(m) => WebError::new(Kind::BadRequest, m),
            AppError::Forbidden(m) => WebError::new(Kind::Forbidden, m),
            AppError::Unauthenticated(m) => WebError::new(Kind::Unauthenticated, m),
            AppError::Conflict(m) => WebError::new(Kind::Conflict, m),
            AppError::Store(e) => internal(anyhow::Error::from(e)),
        }
    }
}

impl From<askama::Error> for WebError {
    fn from(e: askama::Error) -> Self {
        internal(anyhow::Error::from(e))
    }
}

/// An internal failure: logged with its cause chain (inside the request's span, so with
/// its id), answered opaquely with the id for the user to quote.
pub fn internal(e: anyhow::Error) -> WebError {
    let chain: Vec<String> = e.chain().map(ToString::to_string).collect();
    tracing::error!(cause = %chain.join(": "), "internal error");
    let id = crate::trace::request_id().unwrap_or_default();
    WebError::new(
        Kind::Internal,
        format!(
            "Đã có lỗi trong hệ thống; vui lòng thử lại hoặc báo quản trị, kèm mã yêu cầu {id}."
        ),
    )
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
    details: &'a [String],
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = self.kind.status();
        if self.api {
            let body = serde_json::json!({"error": {
                "status": status.as_u16(), "code": self.kind.code(), "message": self.message, "details": self.details,
            }});
            return (status, axum::Json(body)).into_response();
        }
        if self.kind == Kind::Unauthenticated {
            return Redirect::to("/login").into_response();
        }
        let page = ErrorPage {
            status: status.as_u16(),
            message: &self.message,
            details: &self.details,
        };
        match page.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, self.message).into_response(),
        }
    }
}

/// Results of handlers.
pub type WebResult<T> = Result<T, WebError>;
