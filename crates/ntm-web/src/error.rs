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
//! | body too large, wrong content type, wrong method (axum's own rejections) | 413, 415, 405 |
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
    TooLarge,
    UnsupportedMedia,
    MethodNotAllowed,
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
            Kind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Kind::UnsupportedMedia => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Kind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
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
            Kind::TooLarge => "too_large",
            Kind::UnsupportedMedia => "unsupported_media_type",
            Kind::MethodNotAllowed => "method_not_allowed",
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
            AppError::Stale(changed) => WebError {
                kind: Kind::Conflict,
                message: "Số liệu đã được người khác sửa từ lúc bạn đọc; chưa có gì được ghi. \
                          Hãy đọc lại rồi ghi lại."
                    .into(),
                details: changed
                    .iter()
                    .map(|s| match &s.now {
                        Some(n) => format!(
                            "{} năm {} chỉ tiêu {}: {} đã lưu {}",
                            s.unit_id, s.year, s.indicator_id, n.entered_by, n.value
                        ),
                        None => format!(
                            "{} năm {} chỉ tiêu {}: đã bị xóa",
                            s.unit_id, s.year, s.indicator_id
                        ),
                    })
                    .collect(),
                api: false,
            },
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

/// The largest request body: a 20 MB file and its form around it.
pub const MAX_BODY_BYTES: usize = 21 * 1024 * 1024;

/// Gives axum's own rejections (a body over the limit, a form or JSON that does not
/// deserialise, a wrong content type or method — English plain text) the same Vietnamese
/// page or JSON envelope as every other error; the framework's text stays as a detail.
pub async fn humane_rejections(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if !status.is_client_error() || !plain {
        return response;
    }
    let (kind, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            Kind::TooLarge,
            format!(
                "Dữ liệu gửi lên quá lớn (tối đa {} MB); hãy chia nhỏ tệp.",
                MAX_BODY_BYTES / 1024 / 1024 - 1
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            Kind::UnsupportedMedia,
            "Định dạng dữ liệu gửi lên không được hỗ trợ (cần biểu mẫu hoặc application/json)."
                .into(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            Kind::MethodNotAllowed,
            "Địa chỉ này không nhận yêu cầu kiểu này.".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => (
            Kind::Invalid,
            "Dữ liệu gửi lên thiếu trường hoặc sai kiểu.".into(),
        ),
        _ => (Kind::BadRequest, "Yêu cầu không hợp lệ.".into()),
    };
    let text = axum::body::to_bytes(response.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    WebError {
        kind,
        message,
        details: (!text.is_empty())
            .then(|| format!("chi tiết kỹ thuật: {text}"))
            .into_iter()
            .collect(),
        api,
    }
    .into_response()
}

/// A multipart body that could not be read: over the size limit, or broken.
pub fn multipart(e: axum::extract::multipart::MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return WebError::new(
            Kind::TooLarge,
            format!(
                "Tệp gửi lên quá lớn (tối đa {} MB); hãy chia nhỏ tệp.",
                MAX_BODY_BYTES / 1024 / 1024 - 1
            ),
        );
    }
    WebError {
        kind: Kind::BadRequest,
        message: "Không đọc được biểu mẫu gửi lên; hãy chọn lại tệp và gửi lại.".into(),
        details: vec![format!("chi tiết kỹ thuật: {e}")],
        api: false,
    }
}

/// Results of handlers.
pub type WebResult<T> = Result<T, WebError>;
