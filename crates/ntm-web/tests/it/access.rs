//! Every route with every role: a route answers only what its viewer may see, and no
//! aggregate leaks what the viewer may not see.

use axum::http::StatusCode;

use ntm_core::access::Role;

use crate::app::{Browser, TestApp};

const KY_LAC: &str = "18850@2020-01-01";
const KY_TAY: &str = "18793@2020-01-01";
const CAM_BINH: &str = "18685@2020-01-01";
const NAM_HA: &str = "18073@2020-01-01";
const ACCOUNTS: [&str; 9] = [
    "vpdp",
    "bcd",
    "so-nnmt",
    "huyen-kyanh",
    "xa-kylac",
    "xa-thanhsen",
    // Grants below the province: a viewer of one commune, an administrator and a
    // department of one district (Kỳ Anh, 447).
    "bcd-kylac",
    "admin-kyanh",
    "so-kyanh",
];

/// The accounts granted below the province, added to the demo's.
const SCOPED: [(&str, Role, &str); 3] = [
    ("bcd-kylac", Role::Viewer, KY_LAC),
    ("admin-kyanh", Role::Admin, "447@2020-01-01"),
    ("so-kyanh", Role::Department, "447@2020-01-01"),
];

/// Whether `account` may read `unit` (2021 data).
fn reads(account: &str, unit: &str) -> bool {
    match account {
        "vpdp" | "bcd" | "so-nnmt" => true,
        "huyen-kyanh" | "admin-kyanh" | "so-kyanh" => [KY_LAC, KY_TAY].contains(&unit),
        "xa-kylac" | "bcd-kylac" => unit == KY_LAC,
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
    for (name, role, unit) in SCOPED {
        app.add_account(name, role, unit).await;
    }
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
            format!("/units/{u}/villages"),
            format!("/units/{u}/villages?format=xlsx"),
            format!("/sponsors/units/{u}"),
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
        "/reports/quality/rules",
        "/reports/quality/rules/xa-ntm-2026-2030-minh-hoa",
        "/reports/quality/rules/xa-ntm-2026-2030-minh-hoa/file",
        "/reports/levels?year=2021",
        "/reports/candidates?year=2021",
        "/reports/export?year=2021",
        "/",
        "/?year=2026&ban_do=tieu-chi",
        "/reports/quality?year=2026",
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
        "/ocop",
        "/ocop/products",
        "/ocop/products?stars=4&format=xlsx",
        "/ocop/rounds",
        "/ocop/report",
        "/ocop/report?format=xlsx",
        "/ocop/conditions",
        "/sponsors",
        "/sponsors/lagging?year=2022",
        "/sponsors/lagging?year=2026",
        "/funds",
        "/funds?format=xlsx",
        "/funds?format=template",
        "/funds/report?from=2021&to=2026",
        "/funds/report?tree=recorded",
        "/funds/report?format=xlsx",
        "/api/v1/funds",
        "/api/v1/funds?tree=recorded&from=2021&to=2025",
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
        // The province's support spending: who reads the whole province.
        expect(
            account,
            "/ocop/support",
            app.get(&b, "/ocop/support").await.status,
            matches!(account, "vpdp" | "bcd" | "so-nnmt"),
        );
        // The province's rounds: the office, the Steering Committee and the council.
        expect(
            account,
            "/ocop/rounds/2",
            app.get(&b, "/ocop/rounds/2").await.status,
            matches!(account, "vpdp" | "bcd" | "so-nnmt"),
        );
        // Hương Lâm's sponsorship (Sở Nông nghiệp và Môi trường, so-nnmt's organisation)
        // and Hà Linh's (another organisation's): a department sees only its own.
        for (path, allowed) in [
            ("/sponsors/1", matches!(account, "vpdp" | "bcd" | "so-nnmt")),
            ("/sponsors/3", matches!(account, "vpdp" | "bcd")),
            (
                "/sponsors/contributions/1/file",
                matches!(account, "vpdp" | "bcd" | "so-nnmt"),
            ),
        ] {
            let got = app.get(&b, path).await.status;
            if path.ends_with("/file") && allowed {
                // The demo's contributions carry no file: the door opens onto nothing.
                assert_eq!(got, StatusCode::NOT_FOUND, "{account} GET {path}");
            } else {
                expect(account, path, got, allowed);
            }
        }
        // The demo's first village and garden are Kỳ Lạc's.
        for path in ["/villages/1", "/gardens/1"] {
            expect(
                account,
                path,
                app.get(&b, path).await.status,
                reads(account, KY_LAC),
            );
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
        "/?year=2026&ban_do=tieu-chi",
        "/targets/3",
        "/matrix?year=2021",
        "/units?as_of=2021-06-30",
        "/api/v1/units?as_of=2021-06-30",
        "/api/v1/values?year=2021",
        "/audit",
        "/tasks",
        "/api/v1/tasks",
        "/directives",
        "/ocop",
        "/ocop/products",
        "/ocop/report",
        "/sponsors",
        "/sponsors/lagging?year=2022",
        "/funds",
        "/funds/report",
        "/funds/report?tree=recorded",
        "/api/v1/funds?tree=recorded",
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
    // One commune's reach lands on that commune, not on an overview of one unit.
    if matches!(account, "xa-kylac" | "bcd-kylac") {
        assert_eq!(
            crate::app::texts(&overview, "h1"),
            vec!["Xã Kỳ Lạc — năm 2021".to_owned()],
            "{account}: the home is the commune"
        );
        return;
    }
    let tiles = crate::app::texts(&overview, ".tile-value");
    // Phường Thành Sen took over Xã Thạch Hưng, the one xã among its predecessors.
    let expected_communes = match account {
        "xa-thanhsen" => "1",
        "huyen-kyanh" | "admin-kyanh" | "so-kyanh" => "20",
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

#[tokio::test]
async fn grants_below_the_province_do_not_manage_what_the_province_issued() {
    let app = TestApp::demo().await;
    for (name, role, unit) in SCOPED {
        app.add_account(name, role, unit).await;
    }
    let district_admin = app.login("admin-kyanh").await;
    let commune_viewer = app.login("bcd-kylac").await;
    // Task 1 is 2.1 of the 2022 notice, led by a department: the province's, not Kỳ Anh's.
    for b in [&district_admin, &commune_viewer] {
        for action in ["confirm", "reopen"] {
            let r = app
                .post(
                    b,
                    "/tasks/1/decide",
                    &[("action", action), ("reason", "thử")],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{action}: {}", r.body);
        }
        let r = app
            .post_multipart(
                b,
                "/tasks/1/report",
                &[("text", "x"), ("percent", "10")],
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert_eq!(app.get(b, "/tasks/1").await.status, StatusCode::FORBIDDEN);
    }
    // Kỳ Anh's administrator follows and reports on its own communes' tasks.
    let tasks = app.get(&district_admin, "/api/v1/tasks").await.body;
    let tasks: serde_json::Value = serde_json::from_str(&tasks).expect("JSON");
    let leads: std::collections::BTreeSet<String> = tasks
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|t| t["lead_name"].as_str().map(String::from))
        .collect();
    assert!(leads.contains("Xã Kỳ Lạc"), "{leads:?}");
    assert!(!leads.iter().any(|l| l.contains("Cẩm")), "{leads:?}");
}

/// The officer of a commune merged in the 2025 reform works for the commune that took it
/// over, without a new grant: `xa-kylac` (granted on 18850@2020, old Kỳ Lạc) enters and
/// submits for the new Xã Kỳ Lạc (18838@2025-07-01), opens its 2026 form and sees the
/// task given to it in 2026; the office sees this on the Users page and can stop it, and
/// then the account is back to its old commune only.
#[tokio::test]
async fn the_officer_of_a_merged_commune_works_for_the_commune_that_took_it_over() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let new = "18838@2025-07-01";
    // 2026, the year the new commune is still entering (its 2025 is approved in the demo).
    let entry = format!("/entry/{new}/2026");
    let form = app.get(&commune, &entry).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let r = app
        .post(&commune, &entry, &[("v_3.1", "85"), ("action", "save")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(&commune, &entry, &[("v_3.1", "85"), ("action", "submit")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let office = app.login("vpdp").await;
    let waiting = app.get(&office, "/approval").await.body;
    assert!(
        waiting.contains(new) || waiting.contains("Xã Kỳ Lạc"),
        "submitted"
    );
    assert_eq!(
        app.get(&commune, &format!("/entry/{new}/2026"))
            .await
            .status,
        StatusCode::OK,
        "the 2026 form opens"
    );
    let tasks = app.get(&commune, "/tasks").await.body;
    assert!(
        tasks.contains("Rà soát, đánh giá thực trạng xã"),
        "the 2026 task given to the new commune is the officer's"
    );
    // A neighbour merged elsewhere stays out of reach.
    assert_eq!(
        app.get(&commune, "/entry/18073@2025-07-01/2025")
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The office sees where the grant carries, and stops it.
    let users = app.get(&office, "/users").await.body;
    assert!(
        users.contains(
            "Xã Kỳ Lạc (18850@2020-01-01) → chuyển sang Xã Kỳ Lạc (18838@2025-07-01) từ 01/07/2025"
        ),
        "the Users page says where the grant carries"
    );
    let id = app._store.find_user("xa-kylac").await.unwrap().unwrap().id;
    let r = app
        .post(
            &office,
            &format!("/users/{id}/grants"),
            &[
                ("op", "stay"),
                ("role", "commune"),
                ("unit", "18850@2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let commune = app.login("xa-kylac").await;
    assert_eq!(
        app.get(&commune, &format!("/entry/{new}/2026"))
            .await
            .status,
        StatusCode::FORBIDDEN,
        "a grant that does not follow stays on the old commune"
    );
    assert_eq!(
        app.get(&commune, "/entry/18850@2020-01-01/2022")
            .await
            .status,
        StatusCode::OK
    );
    let users = app.get(&office, "/users").await.body;
    assert!(users.contains("— không chuyển sang Xã Kỳ Lạc (18838@2025-07-01)"));

    // Grants are edited on the page: one added on the new commune, then removed.
    let r = app
        .post(
            &office,
            &format!("/users/{id}/grants"),
            &[
                ("op", "add"),
                ("role", "commune"),
                ("unit", "18838"),
                ("year", "2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get(&commune, &format!("/entry/{new}/2026"))
            .await
            .status,
        StatusCode::OK,
        "the new grant holds at once"
    );
    let r = app
        .post(
            &office,
            &format!("/users/{id}/grants"),
            &[("op", "remove"), ("role", "commune"), ("unit", new)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get(&commune, &format!("/entry/{new}/2026"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let audit = app.get(&office, "/audit").await.body;
    assert!(
        audit.contains("không chuyển sang đơn vị kế thừa"),
        "audited"
    );

    // The office cannot lock itself out.
    let me = app._store.find_user("vpdp").await.unwrap().unwrap().id;
    let r = app
        .post(
            &office,
            &format!("/users/{me}/grants"),
            &[
                ("op", "remove"),
                ("role", "admin"),
                ("unit", "42@2020-01-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// The office sets a unit's commune group from a date on its page (audited, the past
/// kept); a bad value is refused with its reason; nobody else may.
#[tokio::test]
async fn the_office_sets_a_units_commune_group_on_its_page() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = "/units/18838@2025-07-01";
    let form = app.get(&office, page).await.body;
    assert!(
        form.contains("Chưa khai báo") || form.contains("Vùng"),
        "the section is there"
    );
    let r = app
        .post(
            &office,
            &format!("{page}/attributes"),
            &[
                ("key", "commune_group"),
                ("value", "5"),
                ("from", "2026-01-01"),
                ("source", "QĐ thử"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("dùng 1, 2 hoặc 3"), "the reason is said");
    let r = app
        .post(
            &office,
            &format!("{page}/attributes"),
            &[
                ("key", "commune_group"),
                ("value", "2"),
                ("from", "2026-01-01"),
                ("source", "QĐ phân nhóm (thử)"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let shown = crate::app::texts(&app.get(&office, page).await.body, "td");
    assert!(
        shown
            .windows(4)
            .any(|w| w[0] == "Nhóm xã (2026-2030)" && w[1] == "2" && w[3] == "QĐ phân nhóm (thử)"),
        "{shown:?}"
    );
    let audit = app.get(&office, "/audit?unit=18838@2025-07-01").await.body;
    assert!(audit.contains("QĐ phân nhóm (thử)"), "audited");
    let commune = app.login("xa-kylac").await;
    let r = app
        .post(
            &commune,
            &format!("{page}/attributes"),
            &[
                ("key", "commune_group"),
                ("value", "1"),
                ("from", "2026-01-01"),
                ("source", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// "Nhập từ tệp" is in the menu of those who may import, and not of those who may not.
#[tokio::test]
async fn the_import_page_is_in_the_menu_of_those_who_may_import() {
    let app = TestApp::demo().await;
    let menu = |html: &str| crate::app::texts(html, "nav.main a");
    let commune = app.login("xa-kylac").await;
    assert!(menu(&app.get(&commune, "/").await.body).contains(&"Nhập từ tệp".to_owned()));
    let viewer = app.login("bcd").await;
    let page = app.get(&viewer, "/").await.body;
    assert!(!menu(&page).contains(&"Nhập từ tệp".to_owned()));
    assert_eq!(
        app.get(&viewer, "/import").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&commune, "/import").await.status, StatusCode::OK);
}
