//! Request ids and the log line of every answer.

use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;

tokio::task_local! {
    /// The id of the request being answered: in every log line (through its span) and on
    /// the error page, so that a user's report finds the log.
    static REQUEST_ID: String;
}

/// The current request's id, if inside one.
pub(crate) fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Gives every request an id (kept from a proxy's `x-request-id` when it is short and
/// plain), a span that every log line inside it carries, the id in the response, and one
/// line when it ends with its status and duration.
pub(crate) async fn trace_request(request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        .map_or_else(
            || ntm_app::accounts::new_secret()[..12].to_owned(),
            String::from,
        );
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %request.method(),
        path = %request.uri().path()
    );
    let started = std::time::Instant::now();
    let mut response = REQUEST_ID
        .scope(
            id.clone(),
            tracing::Instrument::instrument(next.run(request), span.clone()),
        )
        .await;
    let status = response.status();
    span.in_scope(|| {
        let ms = started.elapsed().as_millis();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), ms, "answered");
        } else {
            tracing::info!(status = status.as_u16(), ms, "answered");
        }
    });
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
