//! The HTML pages. Each handler: who is asking → one app call (or a few reads) → a view
//! model of plain strings → an askama template. No SQL and no access rule here: rights
//! come from `ntm_core::access` through the app and the helpers below.

pub mod account;
pub mod admin;
pub mod approval;
pub mod audit;
pub mod criteria;
pub mod directives;
pub mod entry;
pub mod evidence;
pub mod home;
pub mod import;
pub mod login;
pub mod map;
pub mod matrix;
pub mod ocop;
pub mod overview;
pub mod quality;
pub mod quality_rules;
pub mod recognition;
pub mod reports;
pub mod resources;
pub mod scorecard;
pub mod set_editor;
pub mod targets;
pub mod tasks;
pub mod units;
pub mod villages;

use std::collections::BTreeSet;

use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_core::access::{Action, can, holds, visible_units};
use ntm_core::{UnitId, UnitRegistry};

use crate::auth::Session;
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// What the layout shows around every page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user_name: String,
    pub csrf: String,
    pub year: i32,
    pub active: &'static str,
    pub is_admin: bool,
    pub can_enter: bool,
    pub can_approve: bool,
}

impl Chrome {
    pub fn new(
        session: &Session,
        registry: &UnitRegistry,
        year: i32,
        active: &'static str,
    ) -> Self {
        let a = &session.actor;
        Chrome {
            user_name: if a.full_name.is_empty() {
                a.username.clone()
            } else {
                a.full_name.clone()
            },
            csrf: session.csrf.clone(),
            year,
            active,
            is_admin: a.can_globally(registry, Action::ManageUsers),
            can_enter: holds(&a.grants, Action::EnterValues),
            can_approve: holds(&a.grants, Action::Approve),
        }
    }
}

#[derive(Template)]
#[template(path = "notice.html")]
struct Notice {
    chrome: Option<Chrome>,
    heading: String,
    message: String,
    link: String,
    link_text: String,
}

/// A page that only says something (no criteria set applies, nothing to show).
pub fn notice(
    chrome: Chrome,
    heading: impl Into<String>,
    message: impl Into<String>,
    link: (&str, &str),
) -> WebResult<Response> {
    render(&Notice {
        chrome: Some(chrome),
        heading: heading.into(),
        message: message.into(),
        link: link.0.into(),
        link_text: link.1.into(),
    })
}

/// A file to download under its own name. The name goes in `filename*` (RFC 5987) so that
/// Vietnamese names survive, with an ASCII fallback for old browsers.
pub fn download(bytes: Vec<u8>, name: &str, content_type: Option<&str>) -> Response {
    let ascii: String = ntm_core::text::search_key(name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let kind = content_type.unwrap_or_else(|| guess_type(name));
    (
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The content type of a downloaded file from its extension; unknown ones are plain bytes
/// so that the browser never renders an uploaded file as a page.
fn guess_type(name: &str) -> &'static str {
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "doc" => "application/msword",
        "xls" => "application/vnd.ms-excel",
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Renders a template as an HTML response.
pub fn render(t: &impl Template) -> WebResult<Response> {
    let html = t.render()?;
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

/// Loads the workspace of `year` (all years when `None`) on the official basis: approved
/// values only.
pub async fn workspace(state: &AppState, year: Option<i32>) -> WebResult<Workspace> {
    workspace_on(state, year, Basis::Approved).await
}

/// Loads the workspace of `year` (all years when `None`) on `basis`.
pub async fn workspace_on(
    state: &AppState,
    year: Option<i32>,
    basis: Basis,
) -> WebResult<Workspace> {
    Ok(state
        .cache
        .workspace(state.store.as_ref(), year, basis)
        .await?)
}

/// Which values a page counts, from `?so_lieu=` (`da-duyet`, the default, or `tat-ca`),
/// with the page's address to build the switch between the two.
#[derive(Debug, Clone)]
pub struct ChosenBasis {
    pub basis: Basis,
    /// The day whose tree the counts follow (`?ngay=YYYY-MM-DD`), when chosen.
    pub as_of: Option<chrono::NaiveDate>,
    path: String,
    query: Vec<(String, String)>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ChosenBasis {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let all: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let as_of = all
            .iter()
            .find(|(k, _)| k == TREE_PARAM)
            .and_then(|(_, v)| chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").ok());
        let query = all
            .into_iter()
            .filter(|(k, _)| k != BASIS_PARAM && k != TREE_PARAM)
            .collect();
        let basis = parts
            .uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == BASIS_PARAM)
                    .and_then(|(_, v)| Basis::from_param(&v))
            })
            .unwrap_or_default();
        Ok(ChosenBasis {
            basis,
            as_of,
            path: parts.uri.path().to_owned(),
            query,
        })
    }
}

const BASIS_PARAM: &str = "so_lieu";
const TREE_PARAM: &str = "ngay";

impl ChosenBasis {
    fn href(&self, basis: Basis) -> String {
        self.href_with(basis, self.as_of)
    }

    fn href_with(&self, basis: Basis, as_of: Option<chrono::NaiveDate>) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            ser.append_pair(k, v);
        }
        if basis != Basis::Approved {
            ser.append_pair(BASIS_PARAM, basis.as_param());
        }
        if let Some(d) = as_of {
            ser.append_pair(TREE_PARAM, &d.to_string());
        }
        let q = ser.finish();
        if q.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{q}", self.path)
        }
    }

    /// This page's address with `key` set to `value` (the other choices kept): a pager's
    /// links.
    pub fn href_setting(&self, key: &str, value: &str) -> String {
        let mut copy = self.clone();
        copy.query.retain(|(k, _)| k != key);
        copy.query.push((key.to_owned(), value.to_owned()));
        copy.href(self.basis)
    }

    /// The bar a page shows above its numbers: what they count, how many communes'
    /// values wait for approval, and the switch.
    pub fn bar(&self, year: i32, unapproved: usize) -> BasisBar {
        BasisBar {
            official: self.basis == Basis::Approved,
            explained: self.basis.explained(),
            suffix: self.basis.title_suffix(),
            unapproved,
            year,
            official_href: self.href(Basis::Approved),
            all_href: self.href(Basis::Current),
            ..BasisBar::default()
        }
    }

    /// [`ChosenBasis::bar`] with the tree the counts follow: its day, the other days of a
    /// year whose tree changed, and how many communes with values that tree leaves out.
    pub fn bar_on(
        &self,
        ws: &Workspace,
        year: i32,
        unapproved: usize,
        off_tree: usize,
    ) -> BasisBar {
        let date = ws.tree_date(year);
        let dates = ws.tree_dates(year);
        let mut bar = self.bar(year, unapproved);
        bar.tree = format!(
            "Địa giới hành chính ngày {}. {}",
            date.format("%d/%m/%Y"),
            ntm_app::evaluate::TREE_DATE_RULE
        );
        bar.off_tree = off_tree;
        bar.incomplete = ws.incomplete_sets(year);
        bar.tree_date = self.as_of.map(|d| d.to_string()).unwrap_or_default();
        if dates.len() > 1 {
            bar.trees = dates
                .iter()
                .map(|d| {
                    let last = d.month() == 12 && d.day() == 31;
                    (
                        format!("ngày {}", d.format("%d/%m/%Y")),
                        self.href_with(self.basis, (!last).then_some(*d)),
                        *d == date,
                    )
                })
                .collect();
        }
        bar
    }

    /// The chosen day of the tree, for [`Workspace::on_tree_of`].
    pub fn tree(&self) -> Option<chrono::NaiveDate> {
        self.as_of
    }
}

/// See [`ChosenBasis::bar`]; rendered by `basis.html`.
#[derive(Debug, Clone, Default)]
pub struct BasisBar {
    pub official: bool,
    pub explained: &'static str,
    /// What the title adds: nothing when official.
    pub suffix: &'static str,
    pub unapproved: usize,
    pub year: i32,
    pub official_href: String,
    pub all_href: String,
    /// Which day's tree the counts follow, in words (empty on pages of one unit).
    pub tree: String,
    /// `YYYY-MM-DD` of that day when chosen, for the forms to keep.
    pub tree_date: String,
    /// The days to choose from in a year whose tree changed: (label, href, chosen).
    pub trees: Vec<(String, String, bool)>,
    pub off_tree: usize,
    /// Sets of the year that cannot judge a commune yet.
    pub incomplete: Vec<ntm_app::evaluate::IncompleteSet>,
}

/// Loads what evaluating `unit` needs: for a commune only its values (and those of the
/// units it took over, for its history); for a district or province the whole `year`.
pub async fn workspace_for(
    state: &AppState,
    unit: &UnitId,
    year: i32,
    basis: Basis,
) -> WebResult<Workspace> {
    let registry = state.cache.registry(state.store.as_ref()).await?;
    let is_commune = registry
        .get(unit)
        .is_some_and(|u| u.level == ntm_core::UnitLevel::Commune);
    if is_commune {
        let mut units = vec![unit.clone()];
        units.extend(registry.ancestry(unit).into_iter().map(|e| e.from.clone()));
        Ok(state
            .cache
            .workspace_of_units(state.store.as_ref(), &units, basis)
            .await?)
    } else {
        workspace_on(state, Some(year), basis).await
    }
}

/// Fails with 403 unless the session may do `action` on `unit` in `year`.
pub fn require(
    session: &Session,
    registry: &UnitRegistry,
    action: Action,
    unit: &UnitId,
    year: i32,
) -> WebResult<()> {
    if can(registry, &session.actor.grants, action, unit, year) {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

/// Fails with 403 unless the session is a province administrator.
pub fn require_admin(session: &Session, registry: &UnitRegistry) -> WebResult<()> {
    if session.actor.can_globally(registry, Action::ManageUsers) {
        Ok(())
    } else {
        Err(WebError::forbidden())
    }
}

/// Whether the session may read `unit` in any year of its life (unit pages are not about
/// one year).
pub fn can_view_ever(session: &Session, registry: &UnitRegistry, unit: &UnitId) -> bool {
    ntm_core::access::can_view_ever(registry, &session.actor.grants, unit)
}

/// Units the session may read in `year`.
/// What `compute` makes of the stored data for the viewer's scope, computed once per data
/// version and shared by every viewer of the same grants: the heavy part of a page (a
/// country's matrix, a report's statistics), never its chrome. The key holds the page,
/// the year, the basis, the tree chosen, `extra` (the page's own choices) and the
/// viewer's grants, so that no viewer is handed a view of another scope.
pub async fn scoped<T, F>(
    state: &AppState,
    session: &Session,
    chosen: &ChosenBasis,
    page: &str,
    year: i32,
    extra: &str,
    compute: F,
) -> WebResult<std::sync::Arc<T>>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> WebResult<T>,
{
    scoped_with(state, session, chosen, page, year, extra, async move {
        compute()
    })
    .await
}

/// [`scoped`] of a computation that reads the store itself; awaited only when nothing is
/// kept for that key and data version.
pub async fn scoped_with<T>(
    state: &AppState,
    session: &Session,
    chosen: &ChosenBasis,
    page: &str,
    year: i32,
    extra: &str,
    compute: impl std::future::Future<Output = WebResult<T>>,
) -> WebResult<std::sync::Arc<T>>
where
    T: Send + Sync + 'static,
{
    let key = format!(
        "{page}|{year}|{:?}|{:?}|{extra}|{:?}",
        chosen.basis,
        chosen.tree(),
        session.actor.grants
    );
    state
        .cache
        .memo_with(state.store.as_ref(), key, compute)
        .await
}

/// The counts a basis bar states for a scope: unit-years left out as unapproved, communes
/// off the year's tree.
pub fn bar_counts(ws: &Workspace, year: i32, scope: &BTreeSet<UnitId>) -> (usize, usize) {
    (
        ws.unapproved_communes(year, None, |u| scope.contains(u)),
        ws.communes_off_tree(year, |u| scope.contains(u)),
    )
}

pub fn visible(session: &Session, registry: &UnitRegistry, year: i32) -> BTreeSet<UnitId> {
    visible_units(registry, &session.actor.grants, year)
}

/// Parses a unit id from a path segment.
pub fn unit_id(text: &str) -> WebResult<UnitId> {
    UnitId::parse(text).ok_or_else(|| WebError::not_found(format!("Không có đơn vị “{text}”.")))
}

/// The years the demo and reports usually cover, for year pickers.
pub fn year_choices(selected: i32) -> Vec<(i32, bool)> {
    (2020..=2026).map(|y| (y, y == selected)).collect()
}
