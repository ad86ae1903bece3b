//! Files and bodies sent to hurt the server: each is refused early, in Vietnamese, with
//! nothing written (issue 10).

use std::io::Write;

use axum::http::StatusCode;

use crate::app::TestApp;

/// A well-formed archive whose one sheet inflates to `inflated` bytes of spaces: a few
/// hundred kilobytes on the wire.
fn bomb(inflated: usize) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("[Content_Types].xml", options).unwrap();
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>").unwrap();
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..inflated / chunk.len() {
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_zip_bomb_is_refused_before_it_inflates_and_a_viewer_before_it_is_read() {
    let app = TestApp::demo().await;
    let bytes = bomb(200 * 1024 * 1024);
    assert!(
        bytes.len() < 1024 * 1024,
        "the bomb is small: {}",
        bytes.len()
    );

    // The read-only viewer may import nothing: refused before the body is read.
    let viewer = app.login("bcd").await;
    let r = app
        .post_multipart(&viewer, "/import", &[], &[("file", "so-lieu.xlsx", &bytes)])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);

    let commune = app.login("xa-kylac").await;
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "so-lieu.xlsx", &bytes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("giải nén ra quá") && r.body.contains("sheet1.xml"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn random_bytes_named_xlsx_are_not_an_excel_file() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "so-lieu.xlsx", &noise)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("không phải là bảng tính Excel"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("tiêu đề"),
        "not told as a CSV header problem"
    );
    // The same bytes under another name are neither a workbook nor a CSV.
    let r = app
        .post_multipart(&commune, "/import", &[], &[("file", "so-lieu", &noise)])
        .await;
    assert!(r.body.contains("hay tệp CSV"), "{}", r.body);
}

#[tokio::test]
async fn a_body_over_the_limit_gets_a_vietnamese_page_and_the_api_its_envelope() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let big = vec![b'a'; 22 * 1024 * 1024];
    let r = app
        .post_multipart(&commune, "/import", &[], &[("file", "to.csv", &big)])
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(
        r.body.contains("quá lớn") && r.body.contains("<html"),
        "{}",
        r.body
    );

    // A form that does not deserialise is told in Vietnamese too, the framework's words
    // kept as a detail.
    let office = app.login("vpdp").await;
    let r = app
        .post(
            &office,
            "/criteria/xa-ntm-2021-2025-ha-tinh/threshold",
            &[("value", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("Dữ liệu gửi lên thiếu trường"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_note_of_megabytes_is_refused_with_its_length() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let note = "ghi chú ".repeat(1024 * 1024);
    let r = app
        .post(
            &commune,
            "/entry/18850@2020-01-01/2024",
            &[("v_3.1", "85"), ("n_3.1", &note)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("quá 2000 ký tự"),
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
}

/// A bad evidence link already stored (imported before links were checked) does not make
/// the form unsavable: untouched, it is not judged again; the import now refuses it; and a
/// link in capitals is a link.
#[tokio::test]
async fn a_bad_stored_link_leaves_the_form_savable_and_capitals_are_links() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let entry = "/entry/18850@2020-01-01/2024";
    app._store
        .write_values(
            &[ntm_store::ValueWrite {
                unit_id: ntm_core::UnitId::parse("18850@2020-01-01").unwrap(),
                year: 2024,
                indicator_id: "3.1".into(),
                value: "80".into(),
                note: Some("Minh chứng: javascript:alert(1)".into()),
                illustrative: false,
            }],
            &ntm_testkit::audit(),
        )
        .await
        .unwrap();
    let mut fields = crate::app::form_fields(&app.get(&commune, entry).await.body);
    fields.retain(|(k, _)| k != "v_2.1" && k != "e_2.1");
    fields.push(("v_2.1".into(), "70".into()));
    fields.push(("e_2.1".into(), "HTTPS://example.vn/bien-ban.pdf".into()));
    fields.push(("action".into(), "save".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post(&commune, entry, &pairs).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let card = app
        .get(
            &commune,
            "/units/18850@2020-01-01/scorecard?year=2024&so_lieu=tat-ca",
        )
        .await
        .body;
    assert!(!card.contains("href=\"javascript:"), "never a link");
    assert!(
        card.contains("href=\"HTTPS://example.vn/bien-ban.pdf\""),
        "capitals are a link"
    );

    let csv = "unit,year,indicator,value,note\n18850@2020-01-01,2024,3.1,81,Minh chứng: javascript:alert(1)\n";
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "a.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("đường dẫn minh chứng"), "{}", r.body);
}

/// Pages, downloads and the API carry the security headers; data is never cached; HSTS
/// when the cookies are Secure (the site is on HTTPS).
#[tokio::test]
async fn security_headers_are_on_pages_downloads_and_the_api() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    for path in [
        "/",
        "/tasks",
        "/reports/export?year=2021&format=csv",
        "/reports/export?year=2021&format=xlsx",
        "/api/v1/units",
        "/units/khong-co",
    ] {
        let r = app.get(&office, path).await;
        let h = |name: &str| {
            r.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert!(
            h("content-security-policy").contains("script-src 'self'"),
            "{path}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert!(
            h("cache-control").contains("no-store"),
            "{path}: {}",
            h("cache-control")
        );
        assert!(
            h("strict-transport-security").is_empty(),
            "{path}: plain HTTP"
        );
    }
    let css = app.get(&office, "/static/ntm.css").await;
    assert!(
        css.headers
            .get("cache-control")
            .is_none_or(|v| v != "no-store")
    );

    let secure = TestApp::with_config(ntm_web::WebConfig {
        secure_cookies: true,
        ..ntm_web::WebConfig::default()
    })
    .await;
    let r = secure
        .get(
            &crate::app::Browser {
                cookie: None,
                csrf: String::new(),
            },
            "/login",
        )
        .await;
    assert!(
        r.headers
            .get("strict-transport-security")
            .is_some_and(|v| v.to_str().unwrap().starts_with("max-age=")),
        "HSTS with Secure cookies"
    );
}

/// What an attacker types into a free-text field comes out as text on every page that
/// shows it: no script, no event handler, no `javascript:` link in the document.
#[tokio::test]
async fn the_xss_corpus_stays_text_on_every_page() {
    const CORPUS: [&str; 5] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' onmouseover='alert(1)' x='",
        "javascript:alert(1)",
        "</textarea><svg onload=alert(1)>",
    ];
    let payload = CORPUS.join(" ");
    let app = TestApp::demo().await;
    let store = &app._store;
    let audit = ntm_testkit::audit();
    let ky_lac = ntm_core::UnitId::parse("18850@2020-01-01").unwrap();
    // A value note, a directive with a task and a progress report, an account's name.
    store
        .write_values(
            &[ntm_store::ValueWrite {
                unit_id: ky_lac.clone(),
                year: 2024,
                indicator_id: "3.1".into(),
                value: "80".into(),
                note: Some(payload.clone()),
                illustrative: false,
            }],
            &audit,
        )
        .await
        .unwrap();
    let directive = store
        .create_directive(
            &ntm_store::NewDirective {
                kind: "kết luận".into(),
                number: payload.clone(),
                issued_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                issuer: payload.clone(),
                title: payload.clone(),
                summary: payload.clone(),
                file: None,
                tasks: vec![ntm_store::NewTask {
                    code: "1".into(),
                    details: ntm_store::TaskDetails {
                        text: payload.clone(),
                        lead: ntm_store::Assignee::Unit(ky_lac.clone()),
                        cooperating: vec![],
                        deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
                        recurrence: None,
                        expected_output: payload.clone(),
                        serves: payload.clone(),
                    },
                    children: vec![],
                }],
            },
            &audit,
        )
        .await
        .unwrap();
    let task = store
        .list_tasks(&ntm_store::TaskFilter {
            directive_id: Some(directive),
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id;
    store
        .add_report(
            task,
            &ntm_store::NewReport {
                text: payload.clone(),
                percent: 50,
                attachment: None,
                marks_done: false,
            },
            &audit,
        )
        .await
        .unwrap();
    let office = app.login("vpdp").await;
    let r = app
        .post(&office, "/account/tokens", &[("name", payload.as_str())])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post(
            &office,
            "/users",
            &[
                ("username", "xss-test"),
                ("full_name", payload.as_str()),
                ("password", "cay-bang-ven-song-lam"),
                ("role", "viewer"),
                ("unit", "42"),
                ("year", "2026"),
            ],
        )
        .await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );

    for path in [
        "/entry/18850@2020-01-01/2024".to_owned(),
        "/units/18850@2020-01-01/scorecard?year=2024&so_lieu=tat-ca".to_owned(),
        "/audit".to_owned(),
        "/directives".to_owned(),
        format!("/directives/{directive}"),
        "/directives/report?from=2026-10-01&to=2026-12-31".to_owned(),
        "/tasks".to_owned(),
        format!("/tasks/{task}"),
        "/account".to_owned(),
        "/users".to_owned(),
        "/".to_owned(),
    ] {
        let r = app.get(&office, &path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        if path != "/" {
            // Shown, as text: askama writes `<` as `&lt;` or `&#60;`.
            assert!(
                r.body.contains("&lt;script&gt;alert(1)")
                    || r.body.contains("&#60;script&#62;alert(1)"),
                "{path}: the text is shown, escaped"
            );
        }
        let doc = scraper::Html::parse_document(&r.body);
        let all = scraper::Selector::parse("*").unwrap();
        for e in doc.select(&all) {
            let el = e.value();
            if el.name() == "script" {
                assert_eq!(el.attr("src"), Some("/static/ntm.js"), "{path}: a script");
                assert!(e.text().collect::<String>().trim().is_empty(), "{path}");
            }
            for (name, value) in el.attrs() {
                assert!(!name.starts_with("on"), "{path}: handler {name}={value}");
                if name == "href" || name == "src" || name == "action" {
                    assert!(
                        !value.trim().to_ascii_lowercase().starts_with("javascript:"),
                        "{path}: {name}={value}"
                    );
                }
            }
        }
    }
}

/// `1.200` is 1200 to a Vietnamese reader and 1.2 to an English one: the form, the API
/// and an undeclared CSV refuse it, naming both readings; nothing is stored.
#[tokio::test]
async fn a_number_read_two_ways_is_refused_on_every_path() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let entry = "/entry/18850@2020-01-01/2024";
    let r = app
        .post(&commune, entry, &[("v_3.1", "1.200"), ("action", "save")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = crate::app::texts(&r.body, ".fielderror").join(" | ");
    assert!(
        errors.contains("1200") && errors.contains("1,2 "),
        "{errors}"
    );

    let csv = "unit,year,indicator,value\n18850@2020-01-01,2024,3.1,\"1,200\"\n";
    let r = app
        .post_multipart(
            &commune,
            "/import",
            &[],
            &[("file", "a.csv", csv.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        r.body.contains("1200") && r.body.contains("đọc được hai cách"),
        "{}",
        r.body
    );

    let page = app
        .post(&commune, "/account/tokens", &[("name", "t")])
        .await
        .body;
    let token = crate::app::texts(&page, "code.token")
        .into_iter()
        .next()
        .unwrap();
    let r = app
        .api(
            "POST",
            "/api/v1/values",
            Some(&token),
            Some(r#"{"unit":"18850@2020-01-01","year":2024,"values":[{"indicator":"3.1","value":"1.200"}]}"#),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("đọc được hai cách"), "{}", r.body);
    let stored = app
        ._store
        .list_values(&ntm_store::ValueFilter {
            year: Some(2024),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing stored: {stored:?}");
}

/// Every path a number comes in by, and what it does with `1.200`, `1,200` and `12,5`
/// (issue 11's table; the note quotes it): a number read two ways is refused unless a CSV
/// declares its convention, a comma in an unquoted CSV field is a field separator (so the
/// row has a cell too many and is refused), and nothing is ever truncated or scaled.
#[tokio::test]
async fn every_number_path_reads_the_ambiguous_shapes_as_documented() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let unit = ntm_core::UnitId::parse("18850@2020-01-01").unwrap();
    let page = app
        .post(&commune, "/account/tokens", &[("name", "t")])
        .await
        .body;
    let token = crate::app::texts(&page, "code.token")
        .into_iter()
        .next()
        .unwrap();
    let entry = "/entry/18850@2020-01-01/2024";
    let xlsx = |cell: ntm_reports::CellValue| {
        let t = |s: &str| ntm_reports::Cell {
            value: ntm_reports::CellValue::Text(s.into()),
            tone: ntm_reports::Tone::Plain,
        };
        ntm_reports::workbook(&[ntm_reports::Table {
            sheet: "so-lieu".into(),
            title: "Số liệu".into(),
            subtitle: vec![],
            columns: ["unit", "year", "indicator", "value"]
                .iter()
                .map(|h| ntm_reports::Column::new(*h, 12.0))
                .collect(),
            header_rows: vec![],
            rows: vec![vec![
                t("18850@2020-01-01"),
                ntm_reports::Cell {
                    value: ntm_reports::CellValue::Int(2024),
                    tone: ntm_reports::Tone::Plain,
                },
                t("10"),
                ntm_reports::Cell {
                    value: cell,
                    tone: ntm_reports::Tone::Plain,
                },
            ]],
            totals: vec![],
            notes: vec![],
            landscape: false,
            freeze_columns: 0,
        }])
        .unwrap()
    };
    let mut table = Vec::new();
    for path in [
        "form",
        "api",
        "csv",
        "csv-quoted",
        "csv-vi-VN",
        "csv-en-US",
        "xlsx-text",
    ] {
        let mut line = vec![path.to_owned()];
        for text in ["1.200", "1,200", "12,5"] {
            // A known value before each try: what is stored after it tells what happened.
            app._store
                .write_values(
                    &[ntm_store::ValueWrite {
                        unit_id: unit.clone(),
                        year: 2024,
                        indicator_id: "10".into(),
                        value: "7".into(),
                        note: None,
                        illustrative: false,
                    }],
                    &ntm_testkit::audit(),
                )
                .await
                .unwrap();
            let csv = |head: &str, v: &str| {
                format!("{head}unit,year,indicator,value\n18850@2020-01-01,2024,10,{v}\n")
            };
            let file: Option<(&str, Vec<u8>)> = match path {
                "form" => {
                    app.post(&commune, entry, &[("v_10", text), ("action", "save")])
                        .await;
                    None
                }
                "api" => {
                    let body = format!(
                        r#"{{"unit":"18850@2020-01-01","year":2024,"values":[{{"indicator":"10","value":"{text}"}}]}}"#
                    );
                    app.api("POST", "/api/v1/values", Some(&token), Some(&body))
                        .await;
                    None
                }
                "csv" => Some(("a.csv", csv("", text).into_bytes())),
                "csv-quoted" => Some(("a.csv", csv("", &format!("\"{text}\"")).into_bytes())),
                "csv-vi-VN" => Some((
                    "a.csv",
                    csv("# numbers: vi-VN\n", &format!("\"{text}\"")).into_bytes(),
                )),
                "csv-en-US" => Some((
                    "a.csv",
                    csv("# numbers: en-US\n", &format!("\"{text}\"")).into_bytes(),
                )),
                _ => Some(("a.xlsx", xlsx(ntm_reports::CellValue::Text(text.into())))),
            };
            if let Some((name, bytes)) = file {
                let r = app
                    .post_multipart(&commune, "/import", &[], &[("file", name, &bytes)])
                    .await;
                let doc = scraper::Html::parse_document(&r.body);
                let sel = scraper::Selector::parse(r#"input[name="token"]"#).unwrap();
                if let Some(t) = doc
                    .select(&sel)
                    .next()
                    .and_then(|e| e.value().attr("value"))
                {
                    app.post(&commune, "/import/confirm", &[("token", t)]).await;
                }
            }
            let stored = app
                ._store
                .list_values(&ntm_store::ValueFilter {
                    year: Some(2024),
                    units: Some(vec![unit.clone()]),
                    indicator_id: Some("10".into()),
                })
                .await
                .unwrap();
            line.push(match stored[0].value.as_str() {
                "7" => "refused".to_owned(),
                v => v.to_owned(),
            });
        }
        table.push(line);
    }
    let shown: Vec<String> = table.iter().map(|l| l.join(" | ")).collect();
    assert_eq!(
        shown,
        [
            "form | refused | refused | 12.5",
            "api | refused | refused | 12.5",
            "csv | refused | refused | refused",
            "csv-quoted | refused | refused | 12.5",
            "csv-vi-VN | 1200 | 1.2 | 12.5",
            "csv-en-US | 1.2 | 1200 | refused",
            "xlsx-text | refused | refused | 12.5",
        ],
        "\n{}",
        shown.join("\n")
    );
}

/// Odd values in an address get the Vietnamese error page (or the API's envelope), not a
/// bare framework message.
#[tokio::test]
async fn odd_address_values_get_the_vietnamese_error_page() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    for path in [
        "/?year=abc",
        "/matrix?year=2021.5",
        "/reports/levels?year=99999999999",
        "/units/18850@2020-01-01/scorecard?year=x",
        "/tasks?days=-",
    ] {
        let r = app.get(&office, path).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
        assert!(
            r.body.contains("<html lang=\"vi\"") && r.body.contains("Lỗi"),
            "{path}: {}",
            &r.body[..r.body.len().min(300)]
        );
    }
    let r = app.get(&office, "/api/v1/summaries/abc").await;
    assert!(r.status.is_client_error());
    assert!(r.body.contains("\"error\""), "{}", r.body);
}

#[tokio::test]
async fn ocop_uploads_refuse_a_bomb_and_typed_markup_stays_text_on_the_public_pages() {
    let app = TestApp::demo().await;
    let bytes = bomb(200 * 1024 * 1024);
    let viewer = app.login("bcd").await;
    let r = app
        .post_multipart(
            &viewer,
            "/ocop/support",
            &[],
            &[("file", "ho-tro.xlsx", &bytes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let office = app.login("vpdp").await;
    let r = app
        .post_multipart(
            &office,
            "/ocop/support",
            &[],
            &[("file", "ho-tro.xlsx", &bytes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("giải nén ra quá"), "{}", r.body);
    assert!(!r.body.contains("name=\"token\""), "nothing to confirm");
    let r = app
        .post_multipart(
            &office,
            "/ocop/conditions",
            &[],
            &[("file", "dk.csv", &[0xff, 0xfe, 0x00])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    // What a commune types about its product is shown to everyone, as text.
    let payload = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    let commune = app.login("xa-kylac").await;
    let list = app.get(&commune, "/ocop/products?stars=3").await.body;
    let id = {
        let doc = scraper::Html::parse_document(&list);
        let s = scraper::Selector::parse("table a[href^='/ocop/products/']").unwrap();
        doc.select(&s)
            .next()
            .and_then(|a| a.value().attr("href"))
            .and_then(|h| h.strip_prefix("/ocop/products/"))
            .expect("a valid product of the commune")
            .to_owned()
    };
    let page = app
        .get(&commune, &format!("/ocop/products/{id}"))
        .await
        .body;
    let mut fields = crate::app::form_fields(&page)
        .into_iter()
        .filter(|(k, _)| {
            [
                "id",
                "producer",
                "name",
                "product_set",
                "group_1048",
                "national_code",
                "note",
            ]
            .contains(&k.as_str())
        })
        .collect::<Vec<_>>();
    crate::app::set_field(&mut fields, "description", payload);
    crate::app::set_field(&mut fields, "name", &format!("Sản phẩm {payload}"));
    let r = app
        .post(&commune, "/ocop/products", &crate::app::pairs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let anon = TestApp::anonymous();
    for path in [format!("/san-pham-ocop/{id}"), "/san-pham-ocop".to_owned()] {
        let body = app.get(&anon, &path).await.body;
        assert!(
            body.contains("&#60;script&#62;alert(1)"),
            "{path}: the text is there, escaped"
        );
        assert!(
            !body.contains("<script>alert") && !body.contains("<img src=x"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_funds_upload_refuses_a_bomb_and_a_viewer_and_markup_stays_text() {
    let app = TestApp::demo().await;
    let bytes = bomb(200 * 1024 * 1024);
    let viewer = app.login("bcd").await;
    let r = app
        .post_multipart(
            &viewer,
            "/funds/upload",
            &[],
            &[("file", "nl.xlsx", &bytes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let office = app.login("vpdp").await;
    let r = app
        .post_multipart(
            &office,
            "/funds/upload",
            &[],
            &[("file", "nl.xlsx", &bytes)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("giải nén ra quá"), "{}", r.body);
    assert!(!r.body.contains("name=\"token\""), "nothing to confirm");
    // What a sponsor types as evidence is shown to the office as text.
    let sponsor = app.login("so-nnmt").await;
    let r = app
        .post_multipart(
            &sponsor,
            "/sponsors/1/contributions",
            &[
                ("commitment", "1"),
                ("on", "01/12/2022"),
                ("value", "1000000"),
                ("evidence", "<img src=x onerror=alert(1)>"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&office, "/sponsors/1").await.body;
    assert!(!page.contains("<img src=x"), "markup is escaped");
    // The CSRF token is required on every write.
    let r = app
        .post(
            &office,
            "/sponsors/contributions/1/decide",
            &[("csrf", "wrong"), ("confirmed", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
