//! Every route with every role: a route answers only what its viewer may see, and no
//! aggregate leaks what the viewer may not see.

use axum::http::StatusCode;

use crate::app::{Browser, TestApp};

const KY_LAC: &str = "18850@2020-01-01";
const KY_TAY: &str = "18793@2020-01-01";
const CAM_BINH: &str = "18685@2020-01-01";
const NAM_HA: &str = "18073@2020-01-01";
const ACCOUNTS: [&str; 6] = [
    "vpdp",
    "bcd",
    "so-nnmt",
    "huyen-kyanh",
    "xa-kylac",
    "xa-thanhsen",
];

/// Whether `account` may read `unit` (2021 data).
fn reads(account: &str, unit: &str) -> bool {
    match account {
        "vpdp" | "bcd" | "so-nnmt" => true,
        "huyen-kyanh" => [KY_LAC, KY_TAY].contains(&unit),
        "xa-kylac" => unit == KY_LAC,
        "xa-thanhsen" => unit == NAM_HA,
        _ => false,
    }
}

/// Allowed: anything but a refusal or a failure (a ward has no NTM set, say, and gets a
/// notice); not allowed: 403, always.
fn expect(account: &str, path: &str, got: StatusCode, allowed: bool) {
    if allowed {
        assert!(
            got != StatusCode::FORBIDDEN
                && got != StatusCode::UNAUTHORIZED
                && !got.is_server_error(),
            "{account} GET {path}: {got}"
        );
    } else {
        assert_eq!(got, StatusCode::FORBIDDEN, "{account} GET {path}");
    }
}

#[tokio::test]
async fn every_route_with_every_role_respects_scope() {
    let app = TestApp::demo().await;
    let anon = TestApp::anonymous();
    let unit_routes = |u: &str| {
        vec![
            format!("/units/{u}"),
            format!("/units/{u}/scorecard?year=2021"),
            format!("/approval/{u}/2021"),
            format!("/entry/{u}/2021"),
            format!("/api/v1/units/{u}"),
            format!("/api/v1/evaluations/{u}/2021"),
            format!("/api/v1/values?year=2021&unit={u}"),
            format!("/templates?year=2021&scope={u}"),
        ]
    };
    let open_routes = [
        "/tasks",
        "/tasks?state=due_soon&days=30",
        "/directives",
        "/directives/report",
        "/directives/report?from=2022-01-01&to=2022-12-31",
        "/notifications",
        "/reports?year=2021",
        "/reports/criteria?year=2021",
        "/reports/levels?year=2021",
        "/reports/candidates?year=2021",
        "/reports/export?year=2021",
        "/import",
        "/",
        "/units",
        "/matrix?year=2021",
        "/entry",
        "/approval",
        "/criteria",
        "/criteria/xa-ntm-2021-2025",
        "/audit",
        "/account",
        "/api/v1/units?as_of=2021-06-30",
        "/api/v1/criteria-sets",
        "/api/v1/criteria-sets/xa-ntm-2021-2025",
        "/api/v1/values?year=2021",
    ];
    let admin_routes = [
        "/users",
        "/criteria/xa-ntm-2021-2025/edit",
        "/directives/new",
        "/directives/1/tasks",
        "/tasks/1/edit",
        // Sở Nông nghiệp và Môi trường, the demo's first organisation, has overdue tasks.
        "/directives/urge?lead=o%3A1",
    ];

    // Without a session: pages send to the sign-in page, the API answers 401.
    for path in open_routes
        .iter()
        .map(|s| s.to_string())
        .chain(unit_routes(KY_LAC))
        .chain(admin_routes.iter().map(|s| s.to_string()))
    {
        let r = app.get(&anon, &path).await;
        if path.starts_with("/api/") {
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "anonymous GET {path}");
            assert!(
                r.body.contains("\"code\":\"unauthenticated\""),
                "{}",
                r.body
            );
        } else {
            assert_eq!(
                (r.status, r.location.as_deref()),
                (StatusCode::SEE_OTHER, Some("/login")),
                "anonymous GET {path}"
            );
        }
    }

    for account in ACCOUNTS {
        let b = app.login(account).await;
        for path in open_routes {
            let r = app.get(&b, path).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{account} GET {path}: {}",
                &r.body[..r.body.len().min(300)]
            );
        }
        for path in admin_routes {
            expect(
                account,
                path,
                app.get(&b, path).await.status,
                account == "vpdp",
            );
        }
        for unit in [KY_LAC, KY_TAY, CAM_BINH, NAM_HA] {
            for path in unit_routes(unit) {
                expect(
                    account,
                    &path,
                    app.get(&b, &path).await.status,
                    reads(account, unit),
                );
            }
        }
        check_aggregates(&app, &b, account).await;
    }
}

/// Aggregates and lists show nothing outside the viewer's scope.
async fn check_aggregates(app: &TestApp, b: &Browser, account: &str) {
    let foreign_names = ["Xã Kỳ Tây", "Xã Cẩm Bình", "Phường Nam Hà"];
    let pages = [
        "/reports/criteria?year=2021",
        "/reports/candidates?year=2021",
        "/reports/export?year=2021",
        "/",
        "/matrix?year=2021",
        "/units?as_of=2021-06-30",
        "/api/v1/units?as_of=2021-06-30",
        "/api/v1/values?year=2021",
        "/audit",
    ];
    for path in pages {
        let body = app.get(b, path).await.body;
        for (unit, name) in [KY_TAY, CAM_BINH, NAM_HA].iter().zip(foreign_names) {
            if reads(account, unit) {
                continue;
            }
            assert!(
                !body.contains(name) && !body.contains(unit),
                "{account} sees {name} ({unit}) on {path}"
            );
        }
    }
    let overview = app.get(b, "/").await.body;
    let tiles = crate::app::texts(&overview, ".tile-value");
    // Phường Thành Sen took over Xã Thạch Hưng, the one xã among its predecessors.
    let expected_communes = match account {
        "xa-kylac" => "1",
        "xa-thanhsen" => "1",
        "huyen-kyanh" => "20",
        _ => "182",
    };
    assert_eq!(
        tiles.first().map(String::as_str),
        Some(expected_communes),
        "{account}: communes counted on the overview"
    );
}

#[tokio::test]
async fn writes_are_refused_outside_the_scope_and_without_csrf_or_from_another_site() {
    let app = TestApp::demo().await;
    let kylac = app.login("xa-kylac").await;
    let viewer = app.login("bcd").await;
    let district = app.login("huyen-kyanh").await;

    // Another commune's data, approving one's own, admin actions.
    assert_eq!(
        app.post(&kylac, &format!("/entry/{KY_TAY}/2023"), &[("v_3.1", "90")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &viewer,
            &format!("/entry/{KY_LAC}/2023"),
            &[("v_3.1", "90")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &kylac,
            &format!("/approval/{KY_LAC}/2021"),
            &[("action", "approve")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(
            &district,
            &format!("/approval/{CAM_BINH}/2021"),
            &[("action", "approve")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    for b in [&kylac, &viewer, &district] {
        assert_eq!(
            app.post(
                b,
                "/users",
                &[
                    ("username", "x"),
                    ("full_name", "x"),
                    ("password", "0123456789ab"),
                    ("role", "admin"),
                    ("unit", "42"),
                    ("year", "2022")
                ]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(
                b,
                "/criteria/new",
                &[
                    ("base", "xa-ntm-2021-2025"),
                    ("id", "x"),
                    ("title", "x"),
                    ("decision", "x")
                ]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post(b, "/criteria/xa-ntm-2021-2025/edit", &[("text", "x")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
    // A form without the session's CSRF token.
    let r = app
        .post(
            &kylac,
            &format!("/entry/{KY_LAC}/2023"),
            &[("csrf", "forged"), ("v_3.1", "90")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A request from another site.
    let req = axum::http::Request::post(format!("/entry/{KY_LAC}/2023"))
        .header("cookie", kylac.cookie.clone().unwrap())
        .header("origin", "http://evil.example")
        .header("host", "ntm.local")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!(
            "csrf={}&v_3.1=90",
            kylac.csrf
        )))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    // Nothing of the above was written.
    let values = app
        .get(&kylac, &format!("/api/v1/values?year=2023&unit={KY_LAC}"))
        .await
        .body;
    assert_eq!(values, "[]");
}
