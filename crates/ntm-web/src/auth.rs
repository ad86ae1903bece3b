//! Who is asking: the session cookie for pages, a bearer token (or the session, for
//! reads) for the API; CSRF tokens on every form; the same-origin rule on every
//! state-changing request.

use axum::extract::{FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::Response;
use ntm_app::accounts::{Actor, secret_hash, session_actor, token_actor};

use crate::error::{Kind, WebError, WebResult};
use crate::state::AppState;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ntm_session";

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.to_owned())
        })
}

/// The `Set-Cookie` value opening a session.
pub fn session_cookie(secret: &str, state: &AppState) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = state.config.session_ttl.num_seconds();
    format!("{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The `Set-Cookie` value closing a session.
pub fn clear_cookie(state: &AppState) -> String {
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// A signed-in user of the pages.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    pub id_hash: String,
}

impl Session {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, token: &str) -> WebResult<()> {
        if !token.is_empty() && constant_time_eq(token.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(WebError::new(
                Kind::Forbidden,
                "Phiên làm việc không hợp lệ hoặc đã hết hạn; hãy tải lại trang và thử lại.",
            ))
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Session {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let secret = cookie(&parts.headers, SESSION_COOKIE)
            .ok_or_else(|| WebError::new(Kind::Unauthenticated, "Cần đăng nhập."))?;
        match session_actor(state.store.as_ref(), &secret, state.now()).await? {
            Some((actor, session)) => Ok(Session {
                actor,
                csrf: session.csrf_token,
                id_hash: secret_hash(&secret),
            }),
            None => Err(WebError::new(
                Kind::Unauthenticated,
                "Phiên đăng nhập đã hết hạn.",
            )),
        }
    }
}

/// The address a request came from, for throttling sign-in: the peer of the connection
/// (`local` when there is none, as in tests). Behind a reverse proxy every request has the
/// proxy's address; the per-name backoff still holds then (see docs/security.md).
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map_or_else(|| "local".to_owned(), |c| c.0.ip().to_string()),
        ))
    }
}

/// A caller of the JSON API: a bearer token, or — for reads only — a page session.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub actor: Actor,
    /// Whether the caller used a token (writes need one: cookies would need CSRF).
    pub token: bool,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            WebError::new(
                Kind::Unauthenticated,
                "Cần mã truy cập (Authorization: Bearer …).",
            )
            .api()
        };
        if let Some(value) = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            let token = value.strip_prefix("Bearer ").ok_or_else(unauthenticated)?;
            let actor = token_actor(state.store.as_ref(), token.trim(), state.now())
                .await
                .map_err(|e| WebError::from(e).api())?;
            return actor
                .map(|actor| ApiCaller { actor, token: true })
                .ok_or_else(unauthenticated);
        }
        if parts.method == Method::GET
            && let Some(secret) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some((actor, _)) = session_actor(state.store.as_ref(), &secret, state.now())
                .await
                .map_err(|e| WebError::from(e).api())?
        {
            return Ok(ApiCaller {
                actor,
                token: false,
            });
        }
        Err(unauthenticated())
    }
}

/// Refuses state-changing requests from another site: `Sec-Fetch-Site: cross-site`, or an
/// `Origin` whose host is not the request's `Host`.
pub async fn same_origin(request: Request, next: Next) -> Result<Response, WebError> {
    let changes_state = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if changes_state {
        let headers = request.headers();
        let cross_site =
            headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        let origin_host = headers.get(ORIGIN).and_then(|v| v.to_str().ok()).map(|o| {
            o.split_once("://")
                .map_or(o, |(_, rest)| rest)
                .trim_end_matches('/')
        });
        let foreign_origin = matches!((origin_host, host), (Some(o), Some(h)) if o != h)
            || origin_host == Some("null");
        if cross_site || foreign_origin {
            let api = request.uri().path().starts_with("/api/");
            let e = WebError::new(Kind::Forbidden, "Yêu cầu từ trang khác bị từ chối.");
            return Err(if api { e.api() } else { e });
        }
    }
    Ok(next.run(request).await)
}
