//! Sponsorship and funds through the web: a sponsor records a contribution with its
//! evidence and the office confirms it, a sponsor cannot open another's sponsorship or
//! confirm its own, the Hương Khê view shows the four communes, funds imported from a
//! workbook with a preview, and the funding report's workbook opens again.

use axum::http::StatusCode;

use crate::app::{TestApp, texts};

#[tokio::test]
async fn a_sponsor_records_and_the_office_confirms() {
    let app = TestApp::demo().await;
    let sponsor = app.login("so-nnmt").await;
    let office = app.login("vpdp").await;
    let own = app.get(&sponsor, "/sponsors").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.body.contains("Xã Hương Lâm"));
    for other in ["Xã Hương Liên", "Bộ Chỉ huy Quân sự tỉnh", "Sở Tài chính"] {
        assert!(!own.body.contains(other), "a sponsor sees {other}");
    }
    // Another organisation's sponsorship and its evidence are closed to the sponsor.
    assert_eq!(
        app.get(&sponsor, "/sponsors/3").await.status,
        StatusCode::FORBIDDEN
    );
    let lagging = app.get(&sponsor, "/sponsors/lagging?year=2022").await.body;
    assert!(lagging.contains("Xã Hà Linh"), "the commune is public");
    assert!(
        !lagging.contains("Bộ Chỉ huy Quân sự tỉnh"),
        "its sponsor's money is not"
    );
    // Nor does the audit log show it: the sponsors' entries are filed under no unit.
    let audit = app
        .get(&sponsor, "/audit?action=sponsor_contribution.create")
        .await
        .body;
    assert!(
        !audit.contains("Ủy nhiệm chi số 9"),
        "another sponsor's contribution"
    );

    let page = app.get(&sponsor, "/sponsors/1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Xã Hương Xuân"),
        "followed through the merger"
    );
    assert!(
        !page.body.contains("/decide"),
        "no confirmation buttons for a sponsor"
    );
    let r = app
        .post_multipart(
            &sponsor,
            "/sponsors/1/contributions",
            &[
                ("commitment", "1"),
                ("on", "02/12/2022"),
                ("value", "40.000.000"),
                ("evidence", "Ủy nhiệm chi số 260"),
            ],
            &[("file", "unc-260.pdf", b"%PDF-1.4 unc")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let late = app
        .post_multipart(
            &sponsor,
            "/sponsors/1/contributions",
            &[
                ("commitment", "1"),
                ("on", "02/02/2023"),
                ("value", "1"),
                ("evidence", "x"),
            ],
            &[],
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(
        late.body.contains("ngoài thời gian đỡ đầu"),
        "{}",
        late.body
    );
    // Under another organisation's sponsorship: refused.
    let foreign = app
        .post_multipart(
            &sponsor,
            "/sponsors/3/contributions",
            &[
                ("commitment", "6"),
                ("on", "02/12/2022"),
                ("value", "1"),
                ("evidence", "x"),
            ],
            &[],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);

    let seen = app.get(&office, "/sponsors/1").await.body;
    assert!(seen.contains("unc-260.pdf") && seen.contains("chờ xác nhận"));
    let link = {
        let doc = scraper::Html::parse_document(&seen);
        let s = scraper::Selector::parse("a[href$='/file']").unwrap();
        let links: Vec<String> = doc
            .select(&s)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        links.last().cloned().unwrap()
    };
    let file = app.get(&office, &link).await;
    assert_eq!(file.bytes, b"%PDF-1.4 unc");
    let id: String = link
        .trim_start_matches("/sponsors/contributions/")
        .trim_end_matches("/file")
        .to_owned();
    let decide = format!("/sponsors/contributions/{id}/decide");
    let own_confirm = app.post(&sponsor, &decide, &[("confirmed", "1")]).await;
    assert_eq!(own_confirm.status, StatusCode::FORBIDDEN);
    let bare = app
        .post(&office, &decide, &[("confirmed", "0"), ("reason", "")])
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &office,
            &decide,
            &[("confirmed", "1"), ("reason", "đối chiếu sao kê")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let twice = app
        .post(&office, &decide, &[("confirmed", "0"), ("reason", "nhầm")])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let after = app.get(&sponsor, "/sponsors/1").await.body;
    let facts = texts(&after, "dl.facts dd");
    assert!(
        facts.iter().any(|f| f.contains("397.000.000")),
        "confirmed now counts: {facts:?}"
    );
    let notes = app.get(&sponsor, "/notifications").await.body;
    assert!(notes.contains("đã được xác nhận"), "the sponsor is told");
}

#[tokio::test]
async fn funds_import_with_a_preview_and_the_report_workbook_opens_again() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let commune = app.login("xa-kylac").await;
    let template = app.get(&office, "/funds?format=template").await;
    assert_eq!(template.status, StatusCode::OK);
    let lines = vec![ntm_reports::funds::FundExportLine {
        unit_code: "18850".into(),
        unit_name: String::new(),
        year: 2024,
        source: "Ngân sách xã".into(),
        criterion: "2".into(),
        work: "Đường thôn <script>alert(1)</script>".into(),
        planned: "300000000".parse().unwrap(),
        actual: "280000000".parse().unwrap(),
        document: "BC 3/BC-UBND".into(),
        note: String::new(),
    }];
    let bytes = ntm_reports::funds::funds_workbook(&lines, &["Ngân sách xã"]).unwrap();
    // A commune officer imports for their own commune.
    let preview = app
        .post_multipart(
            &commune,
            "/funds/upload",
            &[],
            &[("file", "nguon-luc.xlsx", &bytes)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        !preview.body.contains("<script>alert"),
        "typed markup stays text"
    );
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
        .post(&commune, "/funds/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("1 khoản mới"), "{}", done.body);
    let again = app
        .post(&commune, "/funds/confirm", &[("token", &token)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Not for another commune.
    let mut other = lines.clone();
    other[0].unit_code = "18556".into();
    other[0].year = 2022;
    let bytes = ntm_reports::funds::funds_workbook(&other, &["Ngân sách xã"]).unwrap();
    let refused = app
        .post_multipart(
            &commune,
            "/funds/upload",
            &[],
            &[("file", "x.xlsx", &bytes)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // A file that is not a workbook is told, nothing written.
    let junk = app
        .post_multipart(
            &office,
            "/funds/upload",
            &[],
            &[("file", "x.xlsx", b"not a workbook")],
        )
        .await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(junk.body.contains("không dòng nào được ghi"));
    // One line by form; the district budget of 2026 is refused with its reason.
    let form = app
        .post(
            &office,
            "/funds",
            &[
                ("unit", "18838"),
                ("year", "2026"),
                ("source", "district"),
                ("planned", "5000000"),
            ],
        )
        .await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        form.body.contains("không còn ngân sách huyện"),
        "{}",
        form.body
    );

    let report = app.get(&office, "/funds/report?from=2021&to=2026").await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.body.contains("đơn vị kế thừa"), "the tree is said");
    let recorded = app
        .get(&office, "/funds/report?from=2021&to=2026&tree=recorded")
        .await;
    assert!(recorded.body.contains("thời điểm ghi số liệu"));
    let total = |body: &str| {
        texts(body, "table.report tfoot tr:first-child th")
            .last()
            .cloned()
    };
    // The same money on either tree.
    let t1 = texts(&report.body, "table.report tfoot tr:first-child th");
    let t2 = texts(&recorded.body, "table.report tfoot tr:first-child th");
    assert_eq!(
        t1[t1.len() - 4..t1.len() - 2],
        t2[t2.len() - 4..t2.len() - 2]
    );
    assert!(total(&report.body).is_some());
    let xlsx = app
        .get(&office, "/funds/report?from=2021&to=2026&format=xlsx")
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx.bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Theo nguồn", "Theo mục đích", "Theo nhóm xã", "Theo đơn vị"]
    );
    let sheet = book.worksheet_range("Theo nguồn").unwrap();
    let text: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(text.iter().any(|c| c.contains("Ngân sách trung ương")));
    assert!(
        text.iter().any(|c| c.contains("chia đều")),
        "the split rule is written"
    );
    // A commune officer's report holds no other commune.
    let theirs = app.get(&commune, "/funds/report").await.body;
    assert!(
        !theirs.contains("Xã Hương Xuân"),
        "a commune sees only its own"
    );
}

#[tokio::test]
async fn the_office_records_a_village_sponsorship_and_its_commitments_by_form() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let form = |village: &'static str| {
        vec![
            ("organisation", "1"),
            ("unit", "18850"),
            ("village", village),
            ("from", "01/03/2024"),
            ("until", "31/12/2024"),
            ("document", "12/QĐ-BCĐ"),
            ("goal", "Khu dân cư kiểu mẫu"),
        ]
    };
    // A village the commune's register does not have is refused by name.
    let wrong = app.post(&office, "/sponsors", &form("99")).await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    assert!(
        wrong.body.contains("Sổ thôn của xã không có thôn"),
        "{}",
        wrong.body
    );
    // A commune officer cannot assign sponsors.
    let commune = app.login("xa-kylac").await;
    let refused = app.post(&commune, "/sponsors", &form("02")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let made = app.post(&office, "/sponsors", &form("02")).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let at = made.location.clone().unwrap();
    let page = app.get(&office, &at).await.body;
    assert!(page.contains("Tân Hòa"), "the village is named");
    let add = app
        .post(
            &office,
            &format!("{at}/commitments"),
            &[
                ("kind", "labour"),
                ("description", "Ngày công chỉnh trang đường làng"),
                ("criterion", "17"),
                ("quantity", "80"),
                ("value", "16.000.000"),
            ],
        )
        .await;
    assert_eq!(add.status, StatusCode::SEE_OTHER, "{}", add.body);
    let no_days = app
        .post(
            &office,
            &format!("{at}/commitments"),
            &[("kind", "labour"), ("description", "x"), ("value", "1")],
        )
        .await;
    assert_eq!(no_days.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = app.get(&office, &at).await.body;
    assert!(
        page.contains("Môi trường"),
        "the criterion is named from the year's set"
    );
    // The office extends it; a sponsor's account cannot.
    let extend = [
        ("until", "30/06/2025"),
        ("document", "12/QĐ-BCĐ; gia hạn theo 30/QĐ-BCĐ"),
        ("goal", "Khu dân cư kiểu mẫu"),
    ];
    let sponsor = app.login("so-nnmt").await;
    assert_eq!(
        app.post(&sponsor, &at, &extend).await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.post(&office, &at, &extend).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(app.get(&office, &at).await.body.contains("30/06/2025"));
    // The commune sees who sponsors it, on its own page.
    let own = app.get(&commune, "/sponsors/units/18850@2020-01-01").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(
        own.body.contains("Sở Nông nghiệp và Môi trường"),
        "{}",
        own.body
    );
}
