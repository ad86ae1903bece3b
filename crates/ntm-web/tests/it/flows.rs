//! Whole flows through the pages and the API.

use axum::http::StatusCode;
use ntm_web::WebConfig;

use crate::app::{TestApp, texts};

const KY_LAC: &str = "18850@2020-01-01";

#[tokio::test]
async fn a_commune_enters_and_submits_the_office_approves_which_locks_and_reopens() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let office = app.login("vpdp").await;
    let entry = format!("/entry/{KY_LAC}/2023");

    // Validation: a percentage above 100 and a word where a number is expected.
    let r = app
        .post(
            &commune,
            &entry,
            &[("v_3.1", "120"), ("v_2.1", "nhiều"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = texts(&r.body, ".fielderror").join(" | ");
    assert!(
        errors.contains("vượt quá 100%") && errors.contains("không phải là số"),
        "{errors}"
    );
    assert_eq!(
        app.get(&commune, &format!("/api/v1/values?year=2023&unit={KY_LAC}"))
            .await
            .body,
        "[]",
        "nothing written"
    );

    // A draft, then a submission.
    let r = app
        .post(
            &commune,
            &entry,
            &[
                ("v_3.1", "85,5"),
                ("n_3.1", "đo đạc 2023"),
                ("e_3.1", "https://example.vn/bien-ban.pdf"),
                ("v_7", "đạt"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(
        (r.status, r.location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some(format!("{entry}?saved=draft").as_str())
        )
    );
    // The official scorecard does not count a draft, and says so; "including
    // unapproved" shows it, and its title says so.
    let official = app
        .get(&commune, &format!("/units/{KY_LAC}/scorecard?year=2023"))
        .await
        .body;
    assert!(
        !official.contains("85,5%")
            && official.contains("Số liệu năm 2023 của đơn vị chưa được duyệt (đang nhập)"),
        "the official scorecard counted a draft"
    );
    let card = app
        .get(
            &commune,
            &format!("/units/{KY_LAC}/scorecard?year=2023&so_lieu=tat-ca"),
        )
        .await
        .body;
    assert!(
        card.contains("85,5%") && card.contains("bien-ban.pdf"),
        "the scorecard including unapproved values shows the new value and its evidence"
    );
    assert!(
        card.contains("<title>Xã Kỳ Lạc — 2023 (kể cả số liệu chưa duyệt)"),
        "the title says what it counts"
    );
    let r = app
        .post(&commune, &entry, &[("v_3.1", "86"), ("action", "submit")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.post(&commune, &entry, &[("v_3.1", "87"), ("action", "save")])
            .await
            .status,
        StatusCode::CONFLICT,
        "no edits while waiting"
    );

    // The office sees it waiting, with what changed, and approves.
    let list = app.get(&office, "/approval").await.body;
    assert!(
        list.contains("Xã Kỳ Lạc") && list.contains("2023"),
        "{list}"
    );
    let detail = app
        .get(&office, &format!("/approval/{KY_LAC}/2023"))
        .await
        .body;
    assert!(
        detail.contains("3.1") && detail.contains("86"),
        "changes listed"
    );
    // Each value with its indicator's name, what it must reach and whether it does, and
    // the level the commune would reach if approved.
    assert!(
        detail.contains("Nếu duyệt: <strong>")
            && detail.contains("3.1. Tỷ lệ diện tích đất sản xuất nông nghiệp được tưới")
            && detail.contains("≥ 80%"),
        "the office sees what it approves"
    );
    assert_eq!(
        app.post(
            &office,
            &format!("/approval/{KY_LAC}/2023"),
            &[("action", "approve")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    // The commune hears of it.
    let news = app.get(&commune, "/notifications").await.body;
    assert!(
        news.contains("Số liệu năm 2023 của Xã Kỳ Lạc đã được duyệt (khóa)."),
        "the commune is notified of the approval"
    );

    // Locked: neither the form nor the API may change it.
    assert_eq!(
        app.post(&commune, &entry, &[("v_3.1", "90"), ("action", "save")])
            .await
            .status,
        StatusCode::CONFLICT
    );
    let page = app.get(&commune, &entry).await.body;
    assert!(page.contains("đã duyệt (khóa)"), "status shown");

    // Reopening needs a reason, then the commune can edit again.
    assert_eq!(
        app.post(
            &office,
            &format!("/approval/{KY_LAC}/2023"),
            &[("action", "reopen"), ("comment", "")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post(
            &office,
            &format!("/approval/{KY_LAC}/2023"),
            &[("action", "reopen"), ("comment", "sai số liệu 3.1")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post(&commune, &entry, &[("v_3.1", "90"), ("action", "save")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let news = app.get(&commune, "/notifications").await.body;
    assert!(
        news.contains("được mở lại để sửa: sai số liệu 3.1"),
        "the commune is notified of the reopening, with the reason"
    );
    // Until it is approved again, the official result is the approved version.
    let official = app
        .get(&office, &format!("/units/{KY_LAC}/scorecard?year=2023"))
        .await
        .body;
    let shown = texts(&official, "td");
    assert!(
        shown.iter().any(|t| t == "86%") && !shown.iter().any(|t| t == "90%"),
        "the official scorecard reads the last approved version"
    );
    assert!(official.contains("đang dùng bản duyệt gần nhất"));
    let detail = app
        .get(&office, &format!("/approval/{KY_LAC}/2023"))
        .await
        .body;
    assert!(
        detail.contains("Chính thức hiện nay (bản đã duyệt gần nhất)")
            && detail.contains("<tr class=\"changed\"><td>3.1."),
        "the changed value is marked beside the approved one"
    );

    // Every step is in the audit log, with old → new.
    let audit = app
        .get(&office, &format!("/audit?unit={KY_LAC}"))
        .await
        .body;
    for needle in [
        "submission.submitted",
        "submission.approved",
        "submission.draft",
        "value.update",
        "86 → 90",
    ] {
        assert!(audit.contains(needle), "audit has {needle}");
    }
}

#[tokio::test]
async fn the_office_returns_with_a_comment_and_the_commune_resubmits() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let office = app.login("vpdp").await;
    let entry = format!("/entry/{KY_LAC}/2024");
    app.post(&commune, &entry, &[("v_3.1", "81"), ("action", "submit")])
        .await;
    assert_eq!(
        app.post(
            &office,
            &format!("/approval/{KY_LAC}/2024"),
            &[("action", "return"), ("comment", "")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post(
            &office,
            &format!("/approval/{KY_LAC}/2024"),
            &[("action", "return"), ("comment", "thiếu minh chứng")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let page = app.get(&commune, &entry).await.body;
    assert!(
        page.contains("bị trả lại") && page.contains("thiếu minh chứng"),
        "the comment reaches the commune"
    );
    assert_eq!(
        app.post(
            &commune,
            &entry,
            &[
                ("e_3.1", "https://example.vn/a.pdf"),
                ("v_3.1", "81"),
                ("action", "submit")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn api_tokens_read_and_write_with_the_same_rights() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let page = app
        .post(&commune, "/account/tokens", &[("name", "bảng tính")])
        .await
        .body;
    let token = texts(&page, "code.token")
        .into_iter()
        .next()
        .expect("token shown once");
    assert!(token.starts_with("ntm_"));
    let units = app
        .api("GET", "/api/v1/units?as_of=2021-06-30", Some(&token), None)
        .await;
    assert_eq!(units.status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_str(&units.body).unwrap();
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "a commune officer's API sees only the commune"
    );
    let body = format!(
        r#"{{"unit":"{KY_LAC}","year":2025,"values":[{{"indicator":"3.1","value":"88"}}]}}"#
    );
    let w = app
        .api("POST", "/api/v1/values", Some(&token), Some(&body))
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.body);
    assert!(w.body.contains("\"inserted\":1"));
    let foreign = body.replace(KY_LAC, "18793@2020-01-01");
    assert_eq!(
        app.api("POST", "/api/v1/values", Some(&token), Some(&foreign))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bad = body.replace("\"88\"", "\"188\"");
    let r = app
        .api("POST", "/api/v1/values", Some(&token), Some(&bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("\"code\":\"invalid\"") && r.body.contains("vượt quá 100%"),
        "{}",
        r.body
    );
    assert_eq!(
        app.api("GET", "/api/v1/units", Some("ntm_wrong"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // Cookies may read the API but not write it.
    let req = axum::http::Request::post("/api/v1/values")
        .header("cookie", commune.cookie.clone().unwrap())
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_is_slowed_never_locked_and_cookies_are_protected() {
    let config = WebConfig {
        secure_cookies: true,
        ..WebConfig::default()
    };
    let app = TestApp::with_config(config).await;
    let anon = TestApp::anonymous();
    let attempt = |name: &'static str, password: &'static str| {
        let (app, anon) = (&app, &anon);
        async move {
            app.post(
                anon,
                "/login",
                &[("username", name), ("password", password)],
            )
            .await
        }
    };
    // An unknown name, a wrong password and a disabled account are told alike.
    let unknown = attempt("khong-ai", "sai-mat-khau").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(unknown.body.contains("không đúng"));
    let wrong = attempt("bcd", "sai-mat-khau").await;
    assert_eq!(texts(&wrong.body, ".error"), texts(&unknown.body, ".error"));

    // Guessing vpdp's password: three free failures, then the client waits, doubling.
    for _ in 0..4 {
        assert_eq!(
            attempt("vpdp", "sai-mat-khau").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let slowed = attempt("vpdp", ntm_app::demo::DEMO_PASSWORD).await;
    assert_eq!(slowed.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.body.contains("giây"), "{}", slowed.body);
    // Not a lock: after the short wait the right password works.
    app.clock.advance(chrono::Duration::seconds(2));
    let ok = attempt("vpdp", ntm_app::demo::DEMO_PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // A megabyte of name is refused like any wrong name, and costs the throttle nothing.
    let long = "x".repeat(1024 * 1024);
    let r = app
        .post(&anon, "/login", &[("username", &long), ("password", "x")])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.len() < 100_000, "the name is not echoed whole");
    let ok = app
        .post(
            &anon,
            "/login",
            &[
                ("username", "bcd"),
                ("password", ntm_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    let cookie = ok.set_cookie.join("; ");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "cookie lacks {flag}: {cookie}");
    }
}

#[tokio::test]
async fn signing_out_ends_the_session_and_changing_the_password_ends_all() {
    let app = TestApp::demo().await;
    let b = app.login("bcd").await;
    assert_eq!(
        app.post(&b, "/logout", &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(app.get(&b, "/").await.status, StatusCode::SEE_OTHER);
    let b = app.login("bcd").await;
    let r = app
        .post(
            &b,
            "/account/password",
            &[
                ("current", ntm_app::demo::DEMO_PASSWORD),
                ("new", "mat-khau-moi-2026"),
                ("repeat", "mat-khau-moi-2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&b, "/").await.status,
        StatusCode::SEE_OTHER,
        "old session ended"
    );
}

#[tokio::test]
async fn an_administrator_sets_a_threshold_as_a_new_version_and_creates_a_variant() {
    let app = TestApp::demo().await;
    let admin = app.login("vpdp").await;
    let r = app
        .post(
            &admin,
            "/criteria/xa-ntm-2021-2025-ha-tinh/threshold",
            &[
                ("indicator", "2.1"),
                ("value", "95"),
                ("region", "BTB"),
                ("source", "QĐ thử nghiệm/QĐ-UBND"),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&admin, "/criteria/xa-ntm-2021-2025-ha-tinh")
        .await
        .body;
    assert!(
        page.contains("QĐ thử nghiệm/QĐ-UBND"),
        "the threshold and its source are shown"
    );
    // A source typed to break out of its string adds no key and no table: it is stored as
    // the text it is, and the bad confidence and year are told per field, writing nothing.
    let hostile = "QĐ 1\"\n[[override]]\nindicator = \"2.1\"\nthresholds = []\n#";
    let r = app
        .post(
            &admin,
            "/criteria/xa-ntm-2021-2025-ha-tinh/threshold",
            &[
                ("indicator", "2.1"),
                ("value", "96"),
                ("region", "BTB"),
                ("year", "2024"),
                ("source", hostile),
                ("confidence", "high"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app
        .get(&admin, "/criteria/xa-ntm-2021-2025-ha-tinh")
        .await
        .body;
    assert!(page.contains("[[override]]"), "the source shown as text");
    let r = app
        .post(
            &admin,
            "/criteria/xa-ntm-2021-2025-ha-tinh/threshold",
            &[
                ("indicator", "2.1"),
                ("value", "97"),
                ("year", "năm sau"),
                ("confidence", "rất cao"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Năm") && r.body.contains("Độ tin cậy"),
        "{}",
        r.body
    );
    let versions = |page: &str| texts(page, "table.data td.num").first().cloned();
    let after = app
        .get(&admin, "/criteria/xa-ntm-2021-2025-ha-tinh")
        .await
        .body;
    assert_eq!(
        versions(&after).as_deref(),
        Some("3"),
        "the refused one wrote nothing"
    );
    let r = app
        .post(
            &admin,
            "/criteria/new",
            &[
                ("base", "xa-ntm-2021-2025"),
                ("id", "xa-ntm-2021-2025-thu"),
                ("title", "Bộ thử"),
                ("decision", "99/QĐ-UBND"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let broken = app
        .post(
            &admin,
            "/criteria/xa-ntm-2021-2025-thu/edit",
            &[("text", "format = 1\nid = \"xa-ntm-2021-2025-thu\"\n")],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(broken.body.contains("lỗi"), "problems listed");
    let audit = app
        .get(&admin, "/audit?action=criteria_set.update")
        .await
        .body;
    assert!(audit.contains("xa-ntm-2021-2025-ha-tinh"));
}

#[tokio::test]
async fn the_openapi_document_is_stable() {
    let app = TestApp::demo().await;
    let r = app.api("GET", "/api/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    insta::assert_json_snapshot!("openapi", doc);
}

#[tokio::test]
async fn pages_speak_vietnamese_and_mark_illustrative_and_unconfigured_material() {
    let app = TestApp::demo().await;
    let b = app.login("bcd").await;
    let overview = app.get(&b, "/?year=2021").await.body;
    assert!(overview.contains("lang=\"vi\"") && overview.contains("Tổng quan năm 2021"));
    assert!(overview.contains("Minh họa"), "illustrative banner");
    assert!(overview.contains("<svg"), "server-rendered chart");
    assert!(overview.contains("95,6%"), "vi-VN number format");
    let national = app
        .get(
            &b,
            &format!("/units/{KY_LAC}/scorecard?year=2021&set=xa-ntm-2021-2025"),
        )
        .await
        .body;
    assert!(
        national.contains("chưa cấu hình ngưỡng"),
        "unconfigured thresholds are visible"
    );
    let search = app.get(&b, "/units?as_of=2022-01-01&q=ky+lac").await.body;
    assert_eq!(
        texts(&search, "table.tree tbody td a"),
        vec!["Xã Kỳ Lạc".to_owned()]
    );
    let matrix = app.get(&b, "/matrix?year=2021&group=none").await.body;
    assert!(
        matrix.contains("182 xã"),
        "no commune has a 2026-2030 group in the demo"
    );
    let matrix = app.get(&b, "/matrix?year=2021&group=1").await.body;
    assert!(matrix.contains("Không có xã nào"), "group 1 is empty");
    // Pages of 50: four, the last holding the 32 left, each linking to its neighbours
    // with the other choices kept.
    let rows = |body: &str| texts(body, "table.matrix tbody tr td:first-child a").len();
    let first = app
        .get(&b, "/matrix?year=2021&sort=met&per_page=50")
        .await
        .body;
    assert!(
        first.contains("182 xã (Trang 1/4, 50 xã mỗi trang)"),
        "{first}"
    );
    assert_eq!(rows(&first), 50);
    assert!(
        first.contains("page=2")
            && first.contains("rel=\"next\"")
            && !first.contains("rel=\"prev\"")
    );
    let last = app
        .get(&b, "/matrix?year=2021&sort=met&per_page=50&page=9")
        .await
        .body;
    assert!(
        last.contains("Trang 4/4")
            && last.contains("rel=\"prev\"")
            && !last.contains("rel=\"next\"")
    );
    assert_eq!(rows(&last), 32, "a page past the end is the last");
    // A column filter: the communes that have not met criterion 1, every one of them ✗ there.
    let unmet = app
        .get(&b, "/matrix?year=2021&criterion=1&status=unmet")
        .await
        .body;
    let doc = scraper::Html::parse_document(&unmet);
    let first_cells: Vec<String> = doc
        .select(&scraper::Selector::parse("table.matrix tbody tr td.cell:nth-child(5)").unwrap())
        .map(|c| c.text().collect())
        .collect();
    assert!(first_cells.iter().all(|m| m == "✗"), "{first_cells:?}");
    let met = app
        .get(&b, "/matrix?year=2021&criterion=1&status=met")
        .await
        .body;
    assert_eq!(
        rows(&met)
            + first_cells.len()
            + rows(
                &app.get(&b, "/matrix?year=2021&criterion=1&status=unknown")
                    .await
                    .body
            ),
        182,
        "every commune is met, unmet or unknown on criterion 1"
    );
    let thanh_sen = app.get(&b, "/units/18073@2025-07-01").await.body;
    assert!(
        thanh_sen.contains("Phường Nam Hà") && thanh_sen.contains("Tiền thân"),
        "lineage across the reform"
    );
}

/// The id of the task with `code`, from the tasks page of the office.
async fn task_id(app: &TestApp, office: &crate::app::Browser, code: &str) -> i64 {
    let page = app.get(office, "/tasks").await.body;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("table.data td a").unwrap();
    doc.select(&sel)
        .find(|a| a.text().collect::<String>() == code)
        .and_then(|a| a.value().attr("href"))
        .and_then(|h| h.trim_start_matches("/tasks/").parse().ok())
        .unwrap_or_else(|| panic!("task {code} listed"))
}

#[tokio::test]
async fn the_office_follows_up_tasks_a_report_marks_done_and_the_office_confirms_or_reopens() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let list = app.get(&office, "/tasks").await.body;
    for state in [
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
        "Đang thực hiện trong hạn",
        "Quá hạn chưa hoàn thành",
    ] {
        assert!(list.contains(state), "{state} counted");
    }
    let id = task_id(&app, &office, "2.6b").await;
    let path = format!("/tasks/{id}");
    let r = app
        .post_multipart(&office, &format!("{path}/report"), &[("text", "")], &[])
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a report needs text"
    );
    let r = app
        .post_multipart(
            &office,
            &format!("{path}/report"),
            &[
                ("text", "69/69 xã, phường đã kiện toàn"),
                ("percent", "100"),
                ("done", "1"),
            ],
            &[("attachment", "Quyết định kiện toàn.pdf", b"%PDF-1.4 ...")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&office, &path).await.body;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("a[href*='/reports/']").unwrap();
    let href = doc
        .select(&sel)
        .find(|a| {
            a.text()
                .collect::<String>()
                .contains("Quyết định kiện toàn.pdf")
        })
        .and_then(|a| a.value().attr("href"))
        .expect("attachment linked")
        .to_owned();
    let file = app.get(&office, &href).await;
    assert_eq!(file.bytes, b"%PDF-1.4 ...");
    let dept = app.login("so-nnmt").await;
    assert_eq!(
        app.get(&dept, &href).await.status,
        StatusCode::FORBIDDEN,
        "not the department's task"
    );
    // 2.6b is due 31/12/2026: done on time until then, late after (the clock is real).
    assert!(
        page.contains("chờ xác nhận")
            && (page.contains("hoàn thành đúng hạn") || page.contains("hoàn thành quá hạn")),
        "done, awaiting confirmation"
    );
    assert_eq!(
        app.post(&office, &format!("{path}/decide"), &[("action", "confirm")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(app.get(&office, &path).await.body.contains("xác nhận lúc"));
    assert_eq!(
        app.post(
            &office,
            &format!("{path}/decide"),
            &[("action", "reopen"), ("reason", "")]
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.post(
            &office,
            &format!("{path}/decide"),
            &[
                ("action", "reopen"),
                ("reason", "thiếu quyết định của 2 xã")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let reopened = app.get(&office, &path).await.body;
    assert!(
        reopened.contains("đang thực hiện trong hạn")
            || reopened.contains("quá hạn chưa hoàn thành"),
        "open again (overdue once 31/12/2026 has passed)"
    );
    assert!(!reopened.contains("chờ xác nhận"));
    let xlsx = app.get(&office, "/tasks?format=xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);

    // A department sees and reports on its own tasks only.
    let dept = app.login("so-nnmt").await;
    let mine = app.get(&dept, "/tasks").await.body;
    let codes = texts(&mine, "table.data td a");
    assert_eq!(codes, ["2.1", "2.3", "2", "4"].map(str::to_owned));
    assert_eq!(app.get(&dept, &path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.post_multipart(
            &dept,
            &format!("{path}/report"),
            &[("text", "x"), ("percent", "10")],
            &[]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&dept, &format!("{path}/decide"), &[("action", "confirm")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let notes = app.get(&office, "/notifications").await;
    assert_eq!(notes.status, StatusCode::OK);
}

#[tokio::test]
async fn a_session_ends_by_the_applications_clock_not_the_calendar() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    assert_eq!(app.get(&office, "/").await.status, StatusCode::OK);
    // Sessions last 12 hours (WebConfig::default): one minute before, it is alive …
    app.clock
        .advance(chrono::Duration::hours(12) - chrono::Duration::minutes(1));
    assert_eq!(app.get(&office, "/").await.status, StatusCode::OK);
    // … two minutes later it has ended, and the page asks to sign in again.
    app.clock.advance(chrono::Duration::minutes(2));
    let r = app.get(&office, "/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.is_some_and(|l| l.starts_with("/login")));
}

/// The pages that show what the cache holds: the tree, the catalogue, a year's values and
/// the workflow.
/// Kỳ Lạc's 2022 is a draft in the demo: the pages that include unapproved values see
/// its writes, the official ones its status.
const CACHED_PAGES: [&str; 12] = [
    "/?year=2022",
    "/?year=2022&so_lieu=tat-ca",
    "/matrix?year=2022&so_lieu=tat-ca",
    "/reports/criteria?year=2022",
    "/reports/levels?year=2022&so_lieu=tat-ca",
    "/reports/candidates?year=2022&so_lieu=tat-ca",
    "/units/18850@2020-01-01/scorecard?year=2022&so_lieu=tat-ca",
    "/approval/18850@2020-01-01/2022",
    "/criteria",
    "/api/v1/evaluations/447@2020-01-01/2022?basis=current",
    "/units/42@2020-01-01/scorecard?year=2022",
    "/api/v1/evaluations/42@2020-01-01/2022",
];

/// Every cached page answers as a fresh server would; returns the pages' bodies.
async fn same_as_fresh(app: &TestApp, b: &crate::app::Browser, after: &str) -> Vec<String> {
    let mut bodies = Vec::new();
    for path in CACHED_PAGES {
        let cached = app.get(b, path).await;
        let fresh = app.get_fresh(b, path).await;
        assert_eq!(cached.status, StatusCode::OK, "{path}: {}", cached.body);
        assert!(
            cached.body == fresh.body,
            "after {after}, {path} differs from a fresh server's"
        );
        bodies.push(cached.body);
    }
    bodies
}

#[tokio::test]
async fn writes_through_any_path_are_seen_at_once_by_every_cached_page() {
    use ntm_store::{CriteriaStore, UnitStore, ValueStore, WorkflowStore};
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let mut before = same_as_fresh(&app, &office, "nothing").await;
    // Another process: a second store on the same file, writing past the web's cache.
    let other = ntm_store_sqlite::SqliteStore::open(app.database_path().to_str().unwrap())
        .await
        .unwrap();
    let audit = ntm_testkit::audit();
    let changed = |before: &[String], after: &[String], what: &str| {
        assert!(
            before.iter().zip(after).any(|(b, a)| b != a),
            "{what} changed no page"
        );
    };

    // Units: Kỳ Lạc renamed.
    let mut units = other.load_units().await.unwrap();
    units.units.retain(|u| u.id.as_str() == KY_LAC);
    units.units[0].versions[0].name = "Xã Kỳ Lạc Thử".into();
    units.edges.clear();
    units.attributes.clear();
    other.import_units(&units, &audit).await.unwrap();
    let after = same_as_fresh(&app, &office, "a unit write").await;
    assert!(
        after[2].contains("Xã Kỳ Lạc Thử"),
        "the matrix names it anew"
    );
    changed(&before, &after, "renaming a unit");
    before = after;

    // Values: every numeric value of Kỳ Lạc in 2022 set to 0.
    let writes: Vec<ntm_store::ValueWrite> = other
        .list_values(&ntm_store::ValueFilter {
            year: Some(2022),
            units: Some(vec![ntm_core::UnitId::parse(KY_LAC).unwrap()]),
            indicator_id: None,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.value.parse::<f64>().is_ok_and(|v| v != 0.0))
        .map(|r| ntm_store::ValueWrite {
            unit_id: r.unit_id,
            year: r.year,
            indicator_id: r.indicator_id,
            value: "0".into(),
            note: r.note,
            illustrative: false,
        })
        .collect();
    assert!(!writes.is_empty());
    other.write_values(&writes, &audit).await.unwrap();
    let after = same_as_fresh(&app, &office, "a value write").await;
    changed(&before, &after, "writing values");
    before = after;

    // Criteria: a set renamed in a new version.
    let set = other
        .list_criteria_sets()
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == "xa-ntm-2021-2025")
        .unwrap();
    assert!(set.source_text.contains("title = \""));
    other
        .put_criteria_set(
            &set.id,
            &set.title,
            &set.source_text
                .replacen("title = \"", "title = \"(đổi tên thử) ", 1),
            &audit,
        )
        .await
        .unwrap();
    let after = same_as_fresh(&app, &office, "a criteria write").await;
    changed(&before, &after, "a new criteria version");
    before = after;

    // Workflow: Kỳ Lạc's 2022 submitted.
    other
        .set_submission(
            &ntm_store::SubmissionRecord {
                unit_id: ntm_core::UnitId::parse(KY_LAC).unwrap(),
                year: 2022,
                status: "submitted".into(),
                updated_at: ntm_testkit::test_now(),
                updated_by: "xa-kylac".into(),
                comment: None,
            },
            &audit,
        )
        .await
        .unwrap();
    let after = same_as_fresh(&app, &office, "a workflow write").await;
    changed(&before, &after, "submitting");
}

/// The views a page keeps per scope are never handed to a viewer of another: in turn the
/// province's office, a district, a commune and the office again ask for every aggregate
/// page, each answered by the one server (whose cache the others filled) exactly as by a
/// fresh one, and a district's matrix names none of the province's other communes.
#[tokio::test]
async fn a_kept_view_is_never_served_to_a_viewer_of_another_scope() {
    let app = TestApp::demo().await;
    let pages = [
        "/?year=2022&so_lieu=tat-ca",
        "/matrix?year=2022&so_lieu=tat-ca",
        "/reports/criteria?year=2022&so_lieu=tat-ca",
        "/reports/levels?year=2022&so_lieu=tat-ca",
        "/reports/candidates?year=2022&so_lieu=tat-ca",
    ];
    let mut matrices = Vec::new();
    for account in ["vpdp", "huyen-kyanh", "xa-kylac", "vpdp"] {
        let b = app.login(account).await;
        for path in pages {
            let kept = app.get(&b, path).await;
            let fresh = app.get_fresh(&b, path).await;
            assert_eq!(
                kept.status,
                StatusCode::OK,
                "{account} {path}: {}",
                kept.body
            );
            assert!(
                kept.body == fresh.body,
                "{account} {path}: the kept view differs from a fresh server's"
            );
            if path.starts_with("/matrix") {
                matrices.push(kept.body);
            }
        }
    }
    // Cẩm Bình (Cẩm Xuyên) is the office's, not Kỳ Anh's nor Kỳ Lạc's.
    let names = |body: &str| body.contains("18685@2020-01-01");
    assert!(names(&matrices[0]) && names(&matrices[3]));
    assert!(!names(&matrices[1]) && !names(&matrices[2]));
    // A scorecard and an evaluation kept for the office are refused to a commune that
    // may not read them, and a province's kept for its office to no one else.
    let office = app.login("vpdp").await;
    let other = app.login("xa-thanhsen").await;
    for path in [
        "/units/18850@2020-01-01/scorecard?year=2022",
        "/units/42@2020-01-01/scorecard?year=2022",
        "/api/v1/evaluations/18850@2020-01-01/2022",
        "/api/v1/evaluations/42@2020-01-01/2022",
    ] {
        assert_eq!(
            app.get(&office, path).await.status,
            StatusCode::OK,
            "{path}"
        );
        assert_eq!(
            app.get(&other, path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_answer_carries_a_request_id_that_a_proxy_may_set() {
    let app = TestApp::demo().await;
    let anon = TestApp::anonymous();
    let r = app
        .send(
            axum::http::Request::get("/login")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    let id = r.request_id.expect("an id");
    assert_eq!(id.len(), 12, "{id}");
    let other = app.get(&anon, "/login").await.request_id.expect("an id");
    assert_ne!(id, other, "one id per request");
    let given = app
        .get_with(&anon, "/healthz", &[("x-request-id", "proxy-42")])
        .await;
    assert_eq!(given.request_id.as_deref(), Some("proxy-42"));
    // A header that is not a plain token is not repeated back.
    let odd = app
        .get_with(&anon, "/healthz", &[("x-request-id", "a b<script>")])
        .await;
    assert_ne!(odd.request_id.as_deref(), Some("a b<script>"));
}

/// The account page lists the user's API tokens (created, last used) and live sessions;
/// a session can be ended from another; a password change, or an administrator's reset,
/// revokes every token; guessable passwords are refused in Vietnamese; the current-password
/// check is slowed after a few wrong ones.
#[tokio::test]
async fn tokens_and_sessions_are_listed_revoked_and_ended() {
    let app = TestApp::demo().await;
    let first = app.login("xa-kylac").await;
    let second = app.login("xa-kylac").await;
    let page = app
        .post(&first, "/account/tokens", &[("name", "bảng tính")])
        .await
        .body;
    let token = texts(&page, "code.token")
        .into_iter()
        .next()
        .expect("token");
    assert_eq!(
        app.api("GET", "/api/v1/units", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let page = app.get(&first, "/account").await.body;
    let tokens = texts(&page, "table.data tbody tr").join(" | ");
    assert!(
        tokens.contains("bảng tính") && !tokens.contains("chưa dùng"),
        "{tokens}"
    );
    let sessions = texts(&page, "table.sessions tbody tr");
    assert_eq!(sessions.len(), 2, "{sessions:?}");
    assert!(sessions.iter().any(|s| s.contains("(phiên này)")));

    // End the other session from this one.
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("table.sessions tbody tr").unwrap();
    let form = scraper::Selector::parse("form").unwrap();
    let action = doc
        .select(&sel)
        .find(|tr| !tr.text().collect::<String>().contains("(phiên này)"))
        .and_then(|tr| tr.select(&form).next())
        .and_then(|f| f.value().attr("action"))
        .expect("an end button for the other session")
        .to_owned();
    let r = app.post(&first, &action, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&second, "/").await.status,
        StatusCode::SEE_OTHER,
        "ended"
    );
    assert_eq!(
        app.get(&first, "/").await.status,
        StatusCode::OK,
        "this one lives"
    );

    // Weak passwords, then a slowed current-password check.
    let change = |current: &'static str, new: &'static str| {
        let (app, first) = (&app, &first);
        async move {
            app.post(
                first,
                "/account/password",
                &[("current", current), ("new", new), ("repeat", new)],
            )
            .await
        }
    };
    let weak = change(ntm_app::demo::DEMO_PASSWORD, "aaaaaaaaaa").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.body.contains("lặp lại"), "{}", weak.body);
    let weak = change(ntm_app::demo::DEMO_PASSWORD, "1234567890").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    for _ in 0..4 {
        let r = change("sai-mat-khau-hien-tai", "cay-bang-ven-song-lam").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let slowed = change(ntm_app::demo::DEMO_PASSWORD, "cay-bang-ven-song-lam").await;
    assert_eq!(
        slowed.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        slowed.body
    );
    app.clock.advance(chrono::Duration::seconds(2));
    let done = change(ntm_app::demo::DEMO_PASSWORD, "cay-bang-ven-song-lam").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        app.api("GET", "/api/v1/units", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "a password change revokes the tokens"
    );

    // An administrator's reset revokes them too.
    let again = app.login("xa-thanhsen").await;
    let page = app
        .post(&again, "/account/tokens", &[("name", "kịch bản")])
        .await
        .body;
    let token = texts(&page, "code.token")
        .into_iter()
        .next()
        .expect("token");
    let office = app.login("vpdp").await;
    let user = app._store.find_user("xa-thanhsen").await.unwrap().unwrap();
    let r = app
        .post(
            &office,
            &format!("/users/{}/password", user.id),
            &[("password", "song-lam-mua-lu-2026")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.api("GET", "/api/v1/units", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// The audit log and the import preview speak as people write: actions in Vietnamese (the
/// code beside), times in Vietnam's time, numbers with a decimal comma.
#[tokio::test]
async fn the_log_and_the_preview_read_in_vietnamese_with_vi_vn_numbers() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let r = app
        .post(
            &commune,
            &format!("/entry/{KY_LAC}/2024"),
            &[("v_3.1", "40,5"), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let office = app.login("vpdp").await;
    let log = app.get(&office, "/audit?action=value.create").await.body;
    let rows = texts(&log, "table.data tbody tr").join(" | ");
    assert!(
        rows.contains("Nhập số liệu mới") && rows.contains("→ 40,5"),
        "{rows}"
    );
    assert!(rows.contains("29/11/2026 12:00"), "Vietnam's time: {rows}");

    let csv = format!("unit,year,indicator,value\n{KY_LAC},2024,3.1,\"50,25\"\n");
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "a.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let preview = texts(&r.body, "table tbody tr").join(" | ");
    assert!(
        preview.contains("40,5") && preview.contains("50,25"),
        "{preview}"
    );
}

/// The values API pages: the pages put together are the same whatever their size, each
/// full page names the next, and a commune's officer pages through its own values only.
#[tokio::test]
async fn the_values_api_pages_through_what_the_caller_may_read() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let commune = app.login("xa-kylac").await;
    let read_all = async |who: &crate::app::Browser, limit: usize| {
        let mut all: Vec<serde_json::Value> = Vec::new();
        let mut next = Some(format!("/api/v1/values?year=2022&limit={limit}"));
        let mut pages = 0;
        while let Some(url) = next.take() {
            let r = app.get(who, &url).await;
            assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
            let page: Vec<serde_json::Value> = serde_json::from_str(&r.body).expect("json");
            assert!(page.len() <= limit);
            next = r
                .headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(|l| l.strip_prefix('<'))
                .and_then(|l| l.split_once(">; rel=\"next\""))
                .map(|(u, _)| u.to_owned());
            assert_eq!(
                next.is_some(),
                page.len() == limit,
                "a full page names the next"
            );
            all.extend(page);
            pages += 1;
        }
        (all, pages)
    };
    let (whole, pages) = read_all(&office, 10_000).await;
    assert!(
        whole.len() > 10_000 && pages == 2,
        "{} in {pages}",
        whole.len()
    );
    let (small, pages) = read_all(&office, 997).await;
    assert!(pages > 10);
    let first_apart = small.iter().zip(&whole).position(|(a, b)| a != b);
    assert_eq!(
        (small.len(), first_apart),
        (whole.len(), None),
        "{:?}",
        first_apart.map(|i| (&small[i], &whole[i]))
    );
    let (own, pages) = read_all(&commune, 5).await;
    assert!(pages > 2);
    let theirs: Vec<&serde_json::Value> = whole.iter().filter(|v| v["unit"] == KY_LAC).collect();
    assert!(!theirs.is_empty());
    assert_eq!(
        own.iter().collect::<Vec<_>>(),
        theirs,
        "a commune reads its own values only"
    );
    for bad in ["limit=0", "limit=10001", "after=rác"] {
        let r = app
            .get(&office, &format!("/api/v1/values?year=2022&{bad}"))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
    }
}
