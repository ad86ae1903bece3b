//! OCOP through the web: the public catalogue and product page without signing in and
//! with nothing private on them, the QR code of a product's page, a round scored by its
//! members over HTTP with the scores hidden until closing, a dossier file, support
//! imported with a preview, the report workbook, and who may open what.

use axum::http::StatusCode;

use crate::app::{TestApp, texts};

/// A product id linked from the catalogue, and the page text.
fn first_public_product(body: &str) -> String {
    let doc = scraper::Html::parse_document(body);
    let links = scraper::Selector::parse("table a").unwrap();
    doc.select(&links)
        .filter_map(|a| a.value().attr("href"))
        .find_map(|h| h.strip_prefix("/san-pham-ocop/"))
        .expect("a product in the catalogue")
        .to_owned()
}

#[tokio::test]
async fn the_public_catalogue_needs_no_sign_in_and_shows_nothing_private() {
    let app = TestApp::demo().await;
    let anon = TestApp::anonymous();
    let page = app.get(&anon, "/san-pham-ocop").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("minh họa"),
        "the demo's products are labelled"
    );
    let id = first_public_product(&page.body);
    let product = app.get(&anon, &format!("/san-pham-ocop/{id}")).await;
    assert_eq!(product.status, StatusCode::OK);
    assert!(
        product.body.contains("<svg"),
        "the page carries its own QR code"
    );
    assert!(product.body.contains("sao"));

    // What is private in the register never reaches a public page.
    let office = app.login("vpdp").await;
    let private = app.get(&office, &format!("/ocop/products/{id}")).await;
    assert_eq!(private.status, StatusCode::OK);
    let producer_link = {
        let doc = scraper::Html::parse_document(&private.body);
        let a = scraper::Selector::parse("a[href^='/ocop/producers/']").unwrap();
        doc.select(&a)
            .next()
            .and_then(|a| a.value().attr("href"))
            .unwrap()
            .to_owned()
    };
    let producer = app.get(&office, &producer_link).await;
    let facts = texts(&producer.body, "dl.facts dd");
    // The registration number (after kind, unit and address).
    let secrets: Vec<&String> = facts.iter().skip(3).take(1).collect();
    assert!(secrets[0].len() >= 10, "{facts:?}");
    for body in [&page.body, &product.body] {
        for s in &secrets {
            assert!(!body.contains(s.as_str()), "public page shows {s}");
        }
        for private_word in [
            "Số tiền",
            "Phiếu",
            "Ghi chú",
            "hd-ocop",
            "Mã số đăng ký",
            "Người đại diện",
            "Ngân sách",
        ] {
            assert!(
                !body.contains(private_word),
                "public page shows “{private_word}”"
            );
        }
        assert!(!body.contains("Đăng xuất") && !body.contains("nav class=\"main\""));
    }
    // The signed-in pages still ask for a session.
    for path in [
        "/ocop",
        "/ocop/products",
        &format!("/ocop/products/{id}"),
        "/ocop/rounds/1",
    ] {
        let r = app.get(&anon, path).await;
        assert_eq!(r.location.as_deref(), Some("/login"), "{path}");
    }
    // A product never certified has no public page; an unknown one neither.
    assert_eq!(
        app.get(&anon, "/san-pham-ocop/999999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_products_qr_code_encodes_its_public_address() {
    let app = TestApp::demo().await;
    let anon = TestApp::anonymous();
    let page = app.get(&anon, "/san-pham-ocop").await;
    let id = first_public_product(&page.body);
    let svg = app.get(&anon, &format!("/san-pham-ocop/{id}/qr.svg")).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.content_type.as_deref(), Some("image/svg+xml"));
    // The test requests carry no Host: the address falls back to localhost.
    let expected = ntm_app::ocop::qr_svg(&format!("http://localhost/san-pham-ocop/{id}")).unwrap();
    assert_eq!(svg.body, expected, "the same encoder, the same address");
    let other = ntm_app::ocop::qr_svg(&format!("http://localhost/san-pham-ocop/{id}0")).unwrap();
    assert_ne!(svg.body, other);
}

#[tokio::test]
async fn a_round_is_scored_over_http_and_the_scores_show_only_once_closed() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let m1 = app.login("so-nnmt").await;
    let m2 = app.login("hd-ocop-1").await;
    // The demo's open round is the third; its members handed in some sheets already.
    let round = app.get(&office, "/ocop/rounds/3").await;
    assert_eq!(round.status, StatusCode::OK);
    assert!(round.body.contains("Đang chấm"));
    assert!(
        round.body.contains("thiếu Báo cáo tự đánh giá"),
        "the checklist says what is missing"
    );
    let entry = {
        let doc = scraper::Html::parse_document(&round.body);
        let s = scraper::Selector::parse("form[action$='/score']").unwrap();
        doc.select(&s)
            .next()
            .and_then(|f| f.value().attr("action"))
            .unwrap()
            .to_owned()
    };
    let r = app
        .post(&m1, &entry, &[("a", "31"), ("b", "19,5"), ("c", "26")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let over = app
        .post(&m2, &entry, &[("a", "45"), ("b", "19"), ("c", "26")])
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.body.contains("0–40"), "{}", over.body);
    // m2 does not see m1's 19,5; m1 sees it in their own form.
    let seen_by_m2 = app.get(&m2, "/ocop/rounds/3").await.body;
    let seen_by_m1 = app.get(&m1, "/ocop/rounds/3").await.body;
    assert!(seen_by_m1.contains("value=\"19,5\""));
    assert!(!seen_by_m2.contains("19,5"));
    assert!(!seen_by_m2.contains("Lệch so với trung bình"));
    // A council member who is not the secretary cannot close.
    let r = app.post(&m1, "/ocop/rounds/3/close", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.post(&office, "/ocop/rounds/3/close", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let closed = app.get(&m2, "/ocop/rounds/3").await.body;
    assert!(closed.contains("Lệch so với trung bình"));
    assert!(closed.contains("19,5"));
    let late = app
        .post(&m1, &entry, &[("a", "40"), ("b", "25"), ("c", "35")])
        .await;
    assert_eq!(
        late.status,
        StatusCode::CONFLICT,
        "a closed round takes no sheet"
    );
    // A commune officer sees no round of the province.
    let kylac = app.login("xa-kylac").await;
    assert_eq!(
        app.get(&kylac, "/ocop/rounds/2").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_dossier_file_is_attached_and_read_back_by_who_may() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let round = app.get(&office, "/ocop/rounds/3").await.body;
    let action = {
        let doc = scraper::Html::parse_document(&round);
        let s = scraper::Selector::parse("form[action$='/files']").unwrap();
        doc.select(&s)
            .next()
            .and_then(|f| f.value().attr("action"))
            .unwrap()
            .to_owned()
    };
    let r = app
        .post_multipart(
            &office,
            &action,
            &[("part", "tu_danh_gia"), ("note", "bản ký")],
            &[("file", "bao-cao.pdf", b"%PDF-1.4 thu")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let wrong = app
        .post_multipart(
            &office,
            &action,
            &[("part", "khong-co")],
            &[("file", "x.pdf", b"x")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let round = app.get(&office, "/ocop/rounds/3").await.body;
    let file = {
        let doc = scraper::Html::parse_document(&round);
        let s = scraper::Selector::parse("a[href^='/ocop/files/']").unwrap();
        doc.select(&s)
            .filter(|a| a.text().collect::<String>() == "bao-cao.pdf")
            .find_map(|a| a.value().attr("href"))
            .unwrap()
            .to_owned()
    };
    let got = app.get(&office, &file).await;
    assert_eq!(got.bytes, b"%PDF-1.4 thu");
    let kylac = app.login("xa-thanhsen").await;
    assert_eq!(app.get(&kylac, &file).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn support_is_previewed_then_written_and_the_report_opens_in_excel() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/ocop/support").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("vượt ngưỡng"));
    assert!(
        page.body.contains("status unmet"),
        "some unit is flagged in the demo"
    );
    // The export reads back as an import that changes nothing.
    let export = app
        .get(&office, "/ocop/support?format=xlsx&year=2026")
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let preview = app
        .post_multipart(
            &office,
            "/ocop/support",
            &[],
            &[("file", "ho-tro.xlsx", &export.bytes)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(!preview.body.contains("name=\"token\""), "nothing to write");
    // A changed amount is previewed, then written on confirmation.
    let rows = ntm_reports::ocop::read_support(&export.bytes).unwrap();
    let first = &rows[0];
    let line = ntm_reports::ocop::SupportLine {
        product_code: first.product_code.clone(),
        product_name: first.product_name.clone(),
        year: first.year.parse().unwrap(),
        category: first.category.clone(),
        source: first.source.clone(),
        amount: "123456789".parse().unwrap(),
        document: first.document.clone(),
        note: first.note.clone(),
        producer: String::new(),
    };
    let changed = ntm_reports::ocop::support_workbook(&[line], &[], &[]).unwrap();
    let preview = app
        .post_multipart(
            &office,
            "/ocop/support",
            &[],
            &[("file", "sua.xlsx", &changed)],
        )
        .await;
    assert!(preview.body.contains("123.456.789"), "{}", preview.body);
    let token = {
        let doc = scraper::Html::parse_document(&preview.body);
        let s = scraper::Selector::parse("input[name=token]").unwrap();
        doc.select(&s)
            .next()
            .and_then(|i| i.value().attr("value"))
            .unwrap()
            .to_owned()
    };
    let done = app
        .post(&office, "/ocop/support/confirm", &[("token", &token)])
        .await;
    assert!(done.body.contains("1 khoản thay đổi"), "{}", done.body);
    let viewer = app.login("bcd").await;
    let r = app
        .post(&viewer, "/ocop/support/confirm", &[("token", &token)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::CONFLICT,
        "a preview is written once, by its owner"
    );
    // The province's report as a workbook, read again.
    let report = app.get(&office, "/ocop/report?format=xlsx").await;
    assert_eq!(report.status, StatusCode::OK);
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(report.bytes)).unwrap();
    let names = calamine::Reader::sheet_names(&wb);
    assert!(names.iter().any(|n| n == "Theo năm"), "{names:?}");
    let sheet = calamine::Reader::worksheet_range(&mut wb, "Tổng hợp").unwrap();
    let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c.contains("Lũy kế")), "{cells:?}");
    // The viewer reads support but may not import it; a commune reads neither.
    assert_eq!(
        app.get(&viewer, "/ocop/support").await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.post_multipart(
            &viewer,
            "/ocop/support",
            &[],
            &[("file", "x.xlsx", &changed)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let kylac = app.login("xa-kylac").await;
    assert_eq!(
        app.get(&kylac, "/ocop/support").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_api_lists_the_products_a_caller_may_read_with_their_certificates() {
    let app = TestApp::demo().await;
    let token_for = |page: String| {
        texts(&page, "code.token")
            .into_iter()
            .next()
            .expect("token")
    };
    let office = app.login("vpdp").await;
    let token = token_for(
        app.post(&office, "/account/tokens", &[("name", "ocop")])
            .await
            .body,
    );
    let r = app
        .api(
            "GET",
            "/api/v1/ocop/products?on=2026-11-29",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let all: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let all = all.as_array().unwrap();
    let r = app
        .api(
            "GET",
            "/api/v1/ocop/products?on=2026-11-29&valid=true",
            Some(&token),
            None,
        )
        .await;
    let valid: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let valid = valid.as_array().unwrap();
    assert!(valid.len() < all.len(), "valid is not cumulative");
    assert!(valid.iter().all(|p| p["valid_stars"].is_u64()));
    assert!(valid.iter().all(|p| {
        p["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["state"] == "valid")
    }));
    let named = all
        .iter()
        .find(|p| p["name"] == "Cam giòn Xuân Hòa Thượng Lộc")
        .unwrap();
    assert_eq!(named["certificates"][0]["stars"], 4);
    assert_eq!(named["certificates"][0]["rule_set"], "1048");
    assert_eq!(named["certificates"][0]["valid_until"], "2022-12-27");
    // The state as of a day before the first decision: none yet.
    let r = app
        .api(
            "GET",
            "/api/v1/ocop/products?on=2019-01-01&valid=true",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.body, "[]");
    let r = app
        .api(
            "GET",
            "/api/v1/ocop/products?on=hôm-qua",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // A commune's token reads its own producers only.
    let commune = app.login("xa-kylac").await;
    let token = token_for(
        app.post(&commune, "/account/tokens", &[("name", "x")])
            .await
            .body,
    );
    let r = app
        .api("GET", "/api/v1/ocop/products", Some(&token), None)
        .await;
    let mine: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let mine = mine.as_array().unwrap();
    assert!(!mine.is_empty() && mine.len() * 10 < all.len());
    assert!(
        mine.iter().all(|p| p["unit"] == "18838@2025-07-01"),
        "{mine:?}"
    );
    assert_eq!(
        app.api("GET", "/api/v1/ocop/products", None, None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_product_list_filters_by_commune_stars_and_year_and_exports_what_it_shows() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let all = app.get(&office, "/ocop/products").await.body;
    let rows = |b: &str| texts(b, "table.data tbody tr td:nth-child(3)");
    let one = app
        .get(&office, "/ocop/products?unit=18838%402025-07-01")
        .await
        .body;
    let units = rows(&one);
    assert!(!units.is_empty() && units.len() < rows(&all).len());
    assert!(units.iter().all(|u| u == "Xã Kỳ Lạc"), "{units:?}");
    let four = app
        .get(&office, "/ocop/products?stars=4&year=2024")
        .await
        .body;
    let stars = texts(&four, "table.data tbody tr td:nth-child(5)");
    assert!(
        !stars.is_empty() && stars.iter().all(|s| s == "★★★★"),
        "{stars:?}"
    );
    let xlsx = app
        .get(&office, "/ocop/products?stars=4&year=2024&format=xlsx")
        .await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx.bytes)).unwrap();
    let range = calamine::Reader::worksheet_range(&mut wb, "Sản phẩm OCOP").unwrap();
    let fours = range
        .rows()
        .filter(|r| {
            r.get(6)
                .is_some_and(|c| calamine::DataType::as_f64(c) == Some(4.0))
        })
        .count();
    assert_eq!(
        fours,
        stars.len(),
        "the workbook holds the rows the page shows"
    );
}
