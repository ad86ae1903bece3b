//! A test application on a temporary SQLite database with the Hà Tĩnh demo and its
//! accounts, driven in-process through the router.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use ntm_app::clock::Clock;
use ntm_store::Store;
use ntm_web::{AppState, WebConfig, router};
use tower::ServiceExt;

pub use ntm_testkit::test_now;

pub struct TestApp {
    pub router: Router,
    /// The application's clock; tests may move it.
    pub clock: Clock,
    pub _store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

pub struct Response {
    pub status: StatusCode,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
    pub content_type: Option<String>,
    pub disposition: Option<String>,
    pub encoding: Option<String>,
    pub request_id: Option<String>,
    pub body: String,
    pub bytes: Vec<u8>,
    pub headers: axum::http::HeaderMap,
}

/// A signed-in browser: its cookie and the CSRF token of its session.
#[derive(Clone)]
pub struct Browser {
    pub cookie: Option<String>,
    pub csrf: String,
}

impl TestApp {
    pub async fn demo() -> Self {
        Self::with_config(WebConfig::default()).await
    }

    pub async fn with_config(config: WebConfig) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = ntm_testkit::demo_store(dir.path()).await;
        let clock = Clock::fixed(test_now());
        TestApp {
            router: router(AppState::new(store.clone(), config, clock.clone())),
            clock,
            _store: store,
            _dir: dir,
        }
    }

    /// The path of the test's database file, for a second store on it (as another process
    /// would open it).
    pub fn database_path(&self) -> std::path::PathBuf {
        self._dir.path().join("ntm.db")
    }

    /// A router over the same database with nothing in memory: what a fresh server would
    /// answer.
    pub fn fresh_router(&self) -> Router {
        router(AppState::new(
            self._store.clone(),
            WebConfig::default(),
            self.clock.clone(),
        ))
    }

    /// Adds an account with the demo password and one grant, e.g. a viewer of one commune.
    pub async fn add_account(&self, username: &str, role: ntm_core::access::Role, unit: &str) {
        let hash = ntm_app::accounts::hash_password(ntm_app::demo::DEMO_PASSWORD).expect("hash");
        let unit = ntm_core::UnitId::parse(unit).expect("a unit id");
        ntm_app::accounts::create_user(
            self._store.as_ref(),
            username,
            username,
            hash,
            &[ntm_core::access::Grant::new(role, unit)],
            &ntm_testkit::audit(),
        )
        .await
        .expect("create the account");
    }

    pub async fn send(&self, request: Request<Body>) -> Response {
        Self::send_to(&self.router, request).await
    }

    /// A GET answered by a fresh server over the same database ([`TestApp::fresh_router`]).
    pub async fn get_fresh(&self, browser: &Browser, path: &str) -> Response {
        let mut r = Request::get(path);
        if let Some(c) = &browser.cookie {
            r = r.header(header::COOKIE, c);
        }
        Self::send_to(
            &self.fresh_router(),
            r.body(Body::empty()).expect("request"),
        )
        .await
    }

    async fn send_to(router: &Router, request: Request<Body>) -> Response {
        let response = router
            .clone()
            .oneshot(request)
            .await
            .expect("router answers");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let set_cookie = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(String::from)
            .collect();
        let header_text = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let content_type = header_text(header::CONTENT_TYPE);
        let disposition = header_text(header::CONTENT_DISPOSITION);
        let encoding = header_text(header::CONTENT_ENCODING);
        let request_id = header_text(header::HeaderName::from_static("x-request-id"));
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 50 * 1024 * 1024)
            .await
            .expect("body");
        Response {
            status,
            location,
            set_cookie,
            content_type,
            disposition,
            encoding,
            request_id,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
            headers,
        }
    }

    pub async fn get(&self, browser: &Browser, path: &str) -> Response {
        self.get_with(browser, path, &[]).await
    }

    /// A GET with extra request headers.
    pub async fn get_with(
        &self,
        browser: &Browser,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut r = Request::get(path);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        if let Some(c) = &browser.cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::empty()).expect("request")).await
    }

    /// Posts a form; the session's CSRF token is added unless `fields` has one.
    pub async fn post(&self, browser: &Browser, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            pairs.push(("csrf", &browser.csrf));
        }
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut r =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &browser.cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::from(body)).expect("request")).await
    }

    /// Posts a multipart form (text fields, then files as (field, file name, bytes)); the
    /// session's CSRF token is added unless `fields` has one.
    pub async fn post_multipart(
        &self,
        browser: &Browser,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Response {
        let boundary = "ntmtestboundary9Qz7";
        let mut body = Vec::new();
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            pairs.push(("csrf", &browser.csrf));
        }
        for (k, v) in pairs {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut r = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(c) = &browser.cookie {
            r = r.header(header::COOKIE, c);
        }
        self.send(r.body(Body::from(body)).expect("request")).await
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        json: Option<&str>,
    ) -> Response {
        let mut r = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match json {
            Some(j) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(j.to_owned())
            }
            None => Body::empty(),
        };
        self.send(r.body(body).expect("request")).await
    }

    pub fn anonymous() -> Browser {
        Browser {
            cookie: None,
            csrf: String::new(),
        }
    }

    /// Signs in and reads the session's CSRF token from a page.
    pub async fn login(&self, username: &str) -> Browser {
        let anon = Self::anonymous();
        let r = self
            .post(
                &anon,
                "/login",
                &[
                    ("username", username),
                    ("password", ntm_app::demo::DEMO_PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login of {username}: {}",
            r.body
        );
        let cookie = r
            .set_cookie
            .iter()
            .find_map(|c| {
                c.split(';')
                    .next()
                    .filter(|kv| kv.starts_with("ntm_session="))
            })
            .expect("session cookie")
            .to_owned();
        let mut browser = Browser {
            cookie: Some(cookie),
            csrf: String::new(),
        };
        let page = self.get(&browser, "/account").await;
        browser.csrf = csrf_of(&page.body);
        assert!(!browser.csrf.is_empty(), "csrf token on the account page");
        browser
    }
}

pub fn csrf_of(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(r#"input[name="csrf"]"#).expect("selector");
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_default()
        .to_owned()
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Texts of the elements matching `selector`.
pub fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).expect("selector");
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The fields a browser would send for the forms of `html` (the sign-out form's token
/// left out: the test's post adds its own): every named input (not disabled) with its
/// value, every textarea with its text, every select with its selected option.
/// Sets one field of a form read with [`form_fields`], adding it when absent.
pub fn set_field(fields: &mut Vec<(String, String)>, key: &str, value: &str) {
    match fields.iter_mut().find(|(k, _)| k == key) {
        Some(f) => f.1 = value.into(),
        None => fields.push((key.into(), value.into())),
    }
}

/// Owned form fields as the borrowed pairs `post` takes.
pub fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = all_fields(html);
    let mut seen_csrf = false;
    fields.retain(|(k, _)| {
        if k == "csrf" {
            let first = !seen_csrf;
            seen_csrf = true;
            first
        } else {
            true
        }
    });
    fields
}

fn all_fields(html: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let inputs = scraper::Selector::parse("form input[name]").expect("selector");
    let selects = scraper::Selector::parse("form select[name]").expect("selector");
    let selected = scraper::Selector::parse("option[selected]").expect("selector");
    let mut out: Vec<(String, String)> = doc
        .select(&inputs)
        .filter(|e| e.value().attr("disabled").is_none())
        // As a browser sends them: a box only when ticked.
        .filter(|e| {
            let v = e.value();
            !matches!(v.attr("type"), Some("checkbox" | "radio")) || v.attr("checked").is_some()
        })
        .map(|e| {
            let v = e.value();
            (
                v.attr("name").unwrap_or_default().to_owned(),
                v.attr("value").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let areas = scraper::Selector::parse("form textarea[name]").expect("selector");
    for a in doc.select(&areas) {
        out.push((
            a.value().attr("name").unwrap_or_default().to_owned(),
            a.text().collect(),
        ));
    }
    for s in doc.select(&selects) {
        // An option without a value attribute sends its text.
        let value = s
            .select(&selected)
            .next()
            .map(|o| {
                o.value()
                    .attr("value")
                    .map_or_else(|| o.text().collect::<String>(), str::to_owned)
            })
            .unwrap_or_default();
        out.push((s.value().attr("name").unwrap_or_default().to_owned(), value));
    }
    out
}
