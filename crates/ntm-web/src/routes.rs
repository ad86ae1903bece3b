//! Every route of the application, in one place.

use axum::Router;
use axum::http::header;
use axum::middleware;

use axum::response::IntoResponse;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};

use crate::state::AppState;
use crate::{api, auth, pages};

const CSS: &str = include_str!("../static/ntm.css");
const LANDSCAPE_CSS: &str = include_str!("../static/landscape.css");
const JS: &str = include_str!("../static/ntm.js");

fn stylesheet(text: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        text,
    )
}

async fn css() -> impl IntoResponse {
    stylesheet(CSS)
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
}

async fn landscape_css() -> impl IntoResponse {
    stylesheet(LANDSCAPE_CSS)
}

async fn health() -> &'static str {
    "ok"
}

async fn security_headers(
    secure: bool,
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    let static_file = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    // Data (pages, CSV, workbooks, the API) is never kept by a browser or a proxy: a
    // shared office computer must not show the last user's figures from its cache.
    if !static_file && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
    }
    // Cookies marked Secure mean the site is served over HTTPS: tell browsers to keep it so.
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            header::HeaderValue::from_static("max-age=31536000"),
        );
    }
    // No inline script anywhere: pages work without JavaScript; one small same-origin
    // script adds upload progress.
    h.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    response
}

/// The application's router.
pub fn router(state: AppState) -> Router {
    let secure = state.config.secure_cookies;
    let api = Router::new()
        .route("/api/v1/units", get(api::list_units))
        .route("/api/v1/units/{id}", get(api::get_unit))
        .route("/api/v1/criteria-sets", get(api::list_sets))
        .route("/api/v1/criteria-sets/{id}", get(api::get_set))
        .route(
            "/api/v1/values",
            get(api::list_values).post(api::write_values),
        )
        .route("/api/v1/evaluations/{unit}/{year}", get(api::evaluation))
        .route("/api/v1/quality", get(api::quality))
        .route("/api/v1/summaries/{year}", get(api::summaries))
        .route("/api/v1/directives", get(api::list_directives))
        .route("/api/v1/tasks", get(api::list_tasks))
        .route("/api/v1/plans", get(api::list_plans))
        .route("/api/v1/plans/{id}/results", get(api::plan_results))
        .route("/api/v1/ocop/products", get(api::ocop_products))
        .route("/api/v1/funds", get(api::funds))
        .route("/api/openapi.json", get(api::openapi));
    Router::new()
        .route("/", get(pages::overview::page))
        .route("/login", get(pages::login::form).post(pages::login::submit))
        .route("/logout", post(pages::login::logout))
        .route("/units", get(pages::units::tree))
        .route("/units/{id}", get(pages::units::unit))
        .route("/units/{id}/attributes", post(pages::units::set_attribute))
        .route("/units/{id}/scorecard", get(pages::scorecard::page))
        .route("/matrix", get(pages::matrix::page))
        .route("/entry", get(pages::entry::list))
        .route(
            "/entry/{id}/{year}",
            get(pages::entry::form).post(pages::entry::save),
        )
        .route("/entry/{id}/{year}/evidence", post(pages::evidence::attach))
        .route("/evidence/{file}", get(pages::evidence::download))
        .route("/evidence/{file}/delete", post(pages::evidence::remove))
        .route("/approval", get(pages::approval::list))
        .route(
            "/approval/{id}/{year}",
            get(pages::approval::detail).post(pages::approval::decide),
        )
        .route("/criteria", get(pages::criteria::list))
        .route("/criteria/new", post(pages::criteria::variant))
        .route("/criteria/{id}", get(pages::criteria::show))
        .route(
            "/criteria/{id}/edit",
            get(pages::criteria::edit_form).post(pages::criteria::edit_save),
        )
        .route("/criteria/{id}/threshold", post(pages::criteria::threshold))
        .route("/criteria/{id}/editor", get(pages::set_editor::editor))
        .route(
            "/criteria/{id}/editor/indicator",
            get(pages::set_editor::indicator_form).post(pages::set_editor::indicator_save),
        )
        .route(
            "/criteria/{id}/editor/indicator/remove",
            post(pages::set_editor::indicator_remove),
        )
        .route(
            "/criteria/{id}/editor/criterion",
            get(pages::set_editor::criterion_form).post(pages::set_editor::criterion_save),
        )
        .route(
            "/criteria/{id}/editor/criterion/remove",
            post(pages::set_editor::criterion_remove),
        )
        .route("/criteria/{id}/table.xlsx", get(pages::set_editor::table))
        .route(
            "/criteria/{id}/import",
            post(pages::set_editor::import_upload),
        )
        .route(
            "/criteria/{id}/import/confirm",
            post(pages::set_editor::import_confirm),
        )
        .route("/reports", get(pages::reports::index))
        .route("/reports/criteria", get(pages::reports::criteria))
        .route("/reports/whatif", get(pages::reports::what_if))
        .route(
            "/recognition",
            get(pages::recognition::list).post(pages::recognition::open),
        )
        .route(
            "/recognition/decisions",
            post(pages::recognition::record_decision),
        )
        .route(
            "/targets",
            get(pages::targets::list).post(pages::targets::create),
        )
        .route("/targets/{id}", get(pages::targets::show))
        .route("/targets/{id}/targets", post(pages::targets::add_target))
        .route(
            "/targets/{id}/targets/{k}/remove",
            post(pages::targets::remove_target),
        )
        .route(
            "/targets/{id}/targets/{k}/shares",
            post(pages::targets::set_share),
        )
        .route("/targets/{id}/delete", post(pages::targets::delete))
        .route(
            "/targets/{id}/candidates/{k}",
            get(pages::targets::candidates).post(pages::targets::register),
        )
        .route("/units/{id}/villages", get(pages::villages::register))
        .route("/villages/titles", post(pages::villages::record_titles))
        .route(
            "/villages/import",
            get(pages::villages::import_form).post(pages::villages::import_upload),
        )
        .route(
            "/villages/import/confirm",
            post(pages::villages::import_confirm),
        )
        .route("/villages/template.xlsx", get(pages::villages::template))
        .route("/villages/{id}", get(pages::villages::village))
        .route(
            "/villages/{id}/values",
            post(pages::villages::village_values),
        )
        .route("/gardens/{id}", get(pages::villages::garden))
        .route("/gardens/{id}/values", post(pages::villages::garden_values))
        .route(
            "/village-titles/{id}/withdraw",
            post(pages::villages::withdraw),
        )
        .route("/ocop", get(pages::ocop::overview))
        .route(
            "/ocop/products",
            get(pages::ocop::products).post(pages::ocop::save_product),
        )
        .route("/ocop/products/{id}", get(pages::ocop::product))
        .route(
            "/ocop/producers",
            get(pages::ocop::new_producer).post(pages::ocop::save_producer),
        )
        .route("/ocop/producers/{id}", get(pages::ocop::producer))
        .route(
            "/ocop/rounds",
            get(pages::ocop::rounds).post(pages::ocop::open_round),
        )
        .route("/ocop/rounds/{id}", get(pages::ocop::round))
        .route("/ocop/rounds/{id}/entries", post(pages::ocop::add_entries))
        .route("/ocop/rounds/{id}/close", post(pages::ocop::close_round))
        .route("/ocop/rounds/{id}/decision", post(pages::ocop::decide))
        .route("/ocop/entries/{id}/score", post(pages::ocop::score))
        .route("/ocop/entries/{id}/checks", post(pages::ocop::check))
        .route("/ocop/entries/{id}/precheck", post(pages::ocop::precheck))
        .route("/ocop/entries/{id}/files", post(pages::ocop::attach))
        .route("/ocop/files/{id}", get(pages::ocop::file))
        .route("/ocop/certificates", post(pages::ocop::record_certificate))
        .route(
            "/ocop/certificates/{id}/end",
            post(pages::ocop::end_certificate),
        )
        .route(
            "/ocop/support",
            get(pages::ocop::support).post(pages::ocop::support_upload),
        )
        .route("/ocop/support/confirm", post(pages::ocop::support_confirm))
        .route("/ocop/report", get(pages::ocop::report))
        .route(
            "/ocop/conditions",
            get(pages::ocop::conditions).post(pages::ocop::conditions_upload),
        )
        .route(
            "/sponsors",
            get(pages::resources::list).post(pages::resources::create),
        )
        .route("/sponsors/lagging", get(pages::resources::lagging))
        .route(
            "/sponsors/organisations/{id}",
            get(pages::resources::organisation),
        )
        .route("/sponsors/units/{id}", get(pages::resources::unit))
        .route(
            "/sponsors/{id}",
            get(pages::resources::show).post(pages::resources::edit),
        )
        .route(
            "/sponsors/{id}/commitments",
            post(pages::resources::add_commitment),
        )
        .route(
            "/sponsors/{id}/contributions",
            post(pages::resources::add_contribution),
        )
        .route(
            "/sponsors/contributions/{id}/decide",
            post(pages::resources::decide),
        )
        .route(
            "/sponsors/contributions/{id}/file",
            get(pages::resources::evidence),
        )
        .route(
            "/funds",
            get(pages::resources::funds).post(pages::resources::add_fund),
        )
        .route("/funds/upload", post(pages::resources::upload))
        .route("/funds/confirm", post(pages::resources::confirm))
        .route("/funds/report", get(pages::resources::report))
        .route("/funds/{id}/delete", post(pages::resources::delete_fund))
        .route("/san-pham-ocop", get(pages::ocop::catalogue))
        .route("/san-pham-ocop/{id}", get(pages::ocop::public_product))
        .route("/san-pham-ocop/{id}/qr.svg", get(pages::ocop::public_qr))
        .route("/recognition/{id}", get(pages::recognition::show))
        .route("/recognition/{id}/act", post(pages::recognition::act))
        .route("/recognition/{id}/files", post(pages::recognition::attach))
        .route(
            "/recognition/{id}/files/{file}",
            get(pages::recognition::document),
        )
        .route("/reports/levels", get(pages::reports::levels))
        .route("/reports/candidates", get(pages::reports::candidates))
        .route("/reports/quality", get(pages::quality::page))
        .route("/reports/quality/rules", get(pages::quality_rules::index))
        .route(
            "/reports/quality/rules/{set}",
            get(pages::quality_rules::set_page).post(pages::quality_rules::save),
        )
        .route(
            "/reports/quality/rules/{set}/file",
            get(pages::quality_rules::file),
        )
        .route("/reports/export", get(pages::reports::export))
        .route("/templates", get(pages::reports::template))
        .route(
            "/import",
            get(pages::import::form).post(pages::import::upload),
        )
        .route("/import/confirm", post(pages::import::confirm))
        .route("/tasks", get(pages::tasks::list))
        .route("/tasks/{id}", get(pages::tasks::show))
        .route("/tasks/{id}/report", post(pages::tasks::report))
        .route(
            "/tasks/{id}/reports/{report}/file",
            get(pages::tasks::attachment),
        )
        .route("/directives", get(pages::directives::index))
        .route(
            "/directives/template.xlsx",
            get(pages::directives::template),
        )
        .route(
            "/directives/new",
            get(pages::directives::new_form).post(pages::directives::create),
        )
        .route("/directives/report", get(pages::directives::period))
        .route("/directives/urge", get(pages::directives::urge))
        .route("/directives/{id}", get(pages::directives::show))
        .route(
            "/directives/{id}/tasks",
            get(pages::directives::add_form).post(pages::directives::add),
        )
        .route("/directives/{id}/file", get(pages::directives::file))
        .route("/tasks/{id}/decide", post(pages::tasks::decide))
        .route(
            "/tasks/{id}/edit",
            get(pages::directives::edit_form).post(pages::directives::edit),
        )
        .route("/notifications", get(pages::tasks::notifications))
        .route("/notifications/read", post(pages::tasks::read_all))
        .route("/audit", get(pages::audit::page))
        .route("/account", get(pages::account::page))
        .route("/account/password", post(pages::account::password))
        .route("/account/email", post(pages::account::email))
        .route("/account/tokens", post(pages::account::create_token))
        .route(
            "/account/sessions/{handle}/end",
            post(pages::account::end_session),
        )
        .route(
            "/account/tokens/{id}/delete",
            post(pages::account::delete_token),
        )
        .route("/users", get(pages::admin::page).post(pages::admin::create))
        .route("/maps", get(pages::map::page))
        .route("/maps/points", post(pages::map::set_point))
        .route("/maps/boundaries", post(pages::map::upload))
        .route("/users/{id}/disable", post(pages::admin::toggle))
        .route("/users/{id}/password", post(pages::admin::reset))
        .route("/users/{id}/email", post(pages::admin::email))
        .route("/users/{id}/grants", post(pages::admin::grants))
        .route("/static/ntm.css", get(css))
        .route("/static/landscape.css", get(landscape_css))
        .route("/static/ntm.js", get(script))
        .route("/healthz", get(health))
        .merge(api)
        .layer(middleware::from_fn(auth::same_origin))
        .layer(middleware::from_fn(move |request, next| {
            security_headers(secure, request, next)
        }))
        .layer(middleware::from_fn(crate::error::humane_rejections))
        .layer(middleware::from_fn(crate::trace::trace_request))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::error::MAX_BODY_BYTES,
        ))
        // Pages are text that gzip shrinks tenfold, which counts on a commune's slow line;
        // the Office files are zip archives already.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                NotForContentType::const_new("application/vnd.openxmlformats-officedocument"),
            )),
        )
        .with_state(state)
}
