//! Target plans through the web: the notice's 2022 targets against the demo's decisions,
//! with target lines, the past as it stood, the print heading, the workbook opened again,
//! a target added and split by the office, a stale form refused, and who may see.

use axum::http::StatusCode;

use crate::app::{TestApp, form_fields, pairs, texts};

async fn plan_path(app: &TestApp, who: &crate::app::Browser, title: &str) -> String {
    let list = app.get(who, "/targets").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let doc = scraper::Html::parse_document(&list.body);
    let links = scraper::Selector::parse("table a").unwrap();
    doc.select(&links)
        .find(|a| a.text().collect::<String>() == title)
        .and_then(|a| a.value().attr("href").map(str::to_owned))
        .unwrap_or_else(|| panic!("no plan {title} in {}", list.body))
}

/// Every cell of the first sheet of a downloaded workbook, as text.
fn cells(bytes: Vec<u8>) -> Vec<String> {
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut wb, 0)
        .unwrap()
        .unwrap();
    range
        .rows()
        .flat_map(|r| r.iter().map(|c| c.to_string()))
        .collect()
}

#[tokio::test]
async fn the_2022_targets_show_the_decisions_against_them_with_target_lines() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2022).await;
    let page = app.get(&office, &path).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    let statuses = texts(b, "table.report > tbody > tr > td:nth-child(5) .status");
    assert_eq!(
        statuses,
        [
            "không đạt",
            "không đạt",
            "đạt",
            "đạt",
            "chưa có số liệu",
            "đạt",
            "đạt"
        ]
    );
    assert!(
        b.contains("năm của đợt đánh giá"),
        "OCOP says how it counts"
    );
    assert!(b.contains("Huyện Hương Sơn"));
    assert!(
        b.contains("xã đủ điều kiện theo đánh giá năm 2022"),
        "the evaluation beside"
    );
    assert!(
        b.contains("class=\"target-line\""),
        "target lines on the chart"
    );
    assert!(b.contains("Cách đánh giá.") && b.contains("Không đạt: đã hết kỳ kế hoạch"));
    assert!(b.contains("VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI") && b.contains("NGƯỜI LẬP BIỂU"));

    // Early 2022: Hương Sơn appraised, its decision not yet signed.
    let early = app
        .get(&office, &format!("{path}?ngay=2022-03-01"))
        .await
        .body;
    let statuses = texts(
        &early,
        "table.report > tbody > tr > td:nth-child(5) .status",
    );
    assert_eq!(
        statuses[3], "đúng tiến độ",
        "Hương Sơn's dossier under consideration: {early}"
    );

    let x = app.get(&office, &format!("{path}?format=xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let all = cells(x.bytes);
    assert!(
        all.iter().any(|c| c == "Số xã đạt nông thôn mới kiểu mẫu"),
        "{all:?}"
    );
    assert!(all.iter().any(|c| c == "không đạt"));
    assert!(all.iter().any(|c| c.contains("1337/QĐ-UBND")));
}

#[tokio::test]
async fn the_office_adds_and_splits_a_target_and_a_stale_form_is_refused() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2026).await;
    let page = app.get(&office, &path).await.body;
    assert!(page.contains("Minh họa: kế hoạch"), "labelled illustrative");
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse(&format!("form[action=\"{path}/targets\"]")).unwrap();
    let form = doc.select(&sel).next().expect("add form").html();
    let mut fields = form_fields(&format!("<html><body>{form}</body></html>"));
    for (k, v) in &mut fields {
        match k.as_str() {
            "kind" => *v = "count:communes:model".into(),
            "amount" => *v = "4".into(),
            "note" => *v = "thêm".into(),
            _ => {}
        }
    }
    let r = app
        .post(&office, &format!("{path}/targets"), &pairs(&fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The same form again: the plan moved on.
    let stale = app
        .post(&office, &format!("{path}/targets"), &pairs(&fields))
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(stale.body.contains("người khác lưu"), "{}", stale.body);

    let page = app.get(&office, &path).await.body;
    let version = {
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse("input[name=version]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    let last = texts(&page, "table.report > tbody > tr > td:first-child").len() - 1;
    let r = app
        .post(
            &office,
            &format!("{path}/targets/{last}/shares"),
            &[
                ("version", &version),
                ("unit", "18838@2025-07-01"),
                ("amount", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&office, &path).await.body;
    assert!(page.contains("còn 3 chưa phân bổ"), "the sum is checked");
    assert!(page.contains("Xã Kỳ Lạc"));

    // A share of an average is refused, with its place.
    let income = texts(&page, "table.report > tbody > tr > td:nth-child(2)")
        .iter()
        .position(|t| t.starts_with("Chỉ tiêu 10"))
        .unwrap();
    let version = {
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse("input[name=version]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    let r = app
        .post(
            &office,
            &format!("{path}/targets/{income}/shares"),
            &[
                ("version", &version),
                ("unit", "18838@2025-07-01"),
                ("amount", "70"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không cộng được"), "{}", r.body);
}

#[tokio::test]
async fn a_commune_neither_sees_nor_writes_the_provinces_plans() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2022).await;
    let commune = app.login("xa-kylac").await;
    let list = app.get(&commune, "/targets").await.body;
    assert!(list.contains("Chưa có kế hoạch nào"), "{list}");
    assert_eq!(app.get(&commune, &path).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            &commune,
            &format!("{path}/targets"),
            &[("version", "1"), ("kind", "count:ocop"), ("amount", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            &commune,
            "/targets",
            &[
                ("scope", "42@2020-01-01"),
                ("period", "2027"),
                ("title", "x"),
                ("doc_number", "1"),
                ("doc_body", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let viewer = app.login("bcd").await;
    assert_eq!(
        app.get(&viewer, &path).await.status,
        StatusCode::OK,
        "the committee reads"
    );
}

#[tokio::test]
async fn the_overview_of_2022_shows_its_targets_with_target_lines() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/?year=2022").await.body;
    assert!(page.contains(ntm_app::demo::PLAN_2022), "{page}");
    assert!(page.contains("class=\"target-line\""));
    assert!(page.contains("Số xã đạt nông thôn mới kiểu mẫu"));
    let later = app.get(&office, "/?year=2023").await.body;
    assert!(
        !later.contains(ntm_app::demo::PLAN_2022),
        "only the year's plans"
    );
}

#[tokio::test]
async fn the_office_picks_the_years_list_from_the_ranked_candidates() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2026).await;
    let plan = app.get(&office, &path).await.body;
    assert!(
        plan.contains(&format!("{path}/candidates/0")),
        "a link per count of communes"
    );
    let page = app.get(&office, &format!("{path}/candidates/0")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let counts: Vec<usize> = texts(&page.body, "table.report tbody td:nth-child(5)")
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
    assert!(
        counts.len() > 5 && counts.windows(2).all(|w| w[0] <= w[1]),
        "{counts:?}"
    );
    let fields = form_fields(&page.body);
    let first_unit = fields
        .iter()
        .find(|(k, _)| k == "unit")
        .map(|(_, v)| v.clone());
    // form_fields sends checked boxes only: pick the first by hand.
    let first = {
        let doc = scraper::Html::parse_document(&page.body);
        let sel = scraper::Selector::parse("input[name=unit]").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("value")
            .unwrap()
            .to_owned()
    };
    assert_eq!(first_unit, None);
    let mut post: Vec<(String, String)> = fields;
    post.push(("unit".into(), first.clone()));
    let r = app
        .post(&office, &format!("{path}/candidates/0"), &pairs(&post))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Đã lập 1 hồ sơ đăng ký phấn đấu năm 2026"),
        "{}",
        r.body
    );
    assert!(r.body.contains("đang ở bước đăng ký phấn đấu"));
    let x = app
        .get(&office, &format!("{path}/candidates/0?format=xlsx"))
        .await;
    let all = cells(x.bytes);
    assert!(
        all.iter().any(|c| c == "đăng ký phấn đấu"),
        "the dossier in the workbook"
    );
    let viewer = app.login("bcd").await;
    let r = app
        .post(
            &viewer,
            &format!("{path}/candidates/0"),
            &[
                ("unit", first.as_str()),
                ("year", "2026"),
                ("on", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn a_merged_communes_page_shows_its_inherited_title_with_its_lineage() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/units/18838@2025-07-01").await;
    assert_eq!(page.status, StatusCode::OK);
    let lines = texts(&page.body, "ul.standing li");
    assert!(
        lines[0].contains("kế thừa khi sáp nhập ngày 01/07/2025"),
        "{lines:?}"
    );
    assert!(lines.len() >= 3, "each commune merged into it: {lines:?}");
    assert!(
        lines[1..].iter().all(|l| l.starts_with("— Xã ")),
        "{lines:?}"
    );
    assert!(
        page.body
            .contains("đủ điều kiện theo đánh giá, không phải quyết định công nhận")
    );
    // A district shows its own title: Hương Sơn's decision of 27/4/2022 for 2020.
    let hs = app.get(&office, "/units/439@2020-01-01").await.body;
    let lines = texts(&hs, "ul.standing li");
    assert_eq!(
        lines,
        [
            "đạt chuẩn: quyết định (chưa rõ số và có thể cả ngày: xem ghi chú hồ sơ) ngày 27/04/2022, năm công nhận 2020"
        ]
    );
}

#[tokio::test]
async fn the_api_gives_a_plans_results_with_the_same_rights() {
    let app = TestApp::demo().await;
    let token_for = |page: String| {
        texts(&page, "code.token")
            .into_iter()
            .next()
            .expect("token")
    };
    let office = app.login("vpdp").await;
    let token = token_for(
        app.post(&office, "/account/tokens", &[("name", "kết quả")])
            .await
            .body,
    );
    let r = app.api("GET", "/api/v1/plans", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let plans: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let id = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == ntm_app::demo::PLAN_2022)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = app
        .api(
            "GET",
            &format!("/api/v1/plans/{id}/results?on=2022-12-31"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let res: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let statuses: Vec<&str> = res["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "at_risk", "at_risk", "achieved", "achieved", "no_data", "achieved", "achieved"
        ],
        "on 31/12/2022 the year is not yet over"
    );
    assert_eq!(res["targets"][2]["actual"], "4");
    assert_eq!(res["targets"][0]["recognised"].as_array().unwrap().len(), 4);

    let commune = app.login("xa-kylac").await;
    let token = token_for(
        app.post(&commune, "/account/tokens", &[("name", "x")])
            .await
            .body,
    );
    let r = app.api("GET", "/api/v1/plans", Some(&token), None).await;
    assert_eq!(r.body, "[]");
    let r = app
        .api(
            "GET",
            &format!("/api/v1/plans/{id}/results"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_reports_page_lists_the_years_results_against_targets() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/reports?year=2022").await.body;
    assert!(
        page.contains(&format!(
            "Kết quả thực hiện chỉ tiêu: {} (2022)",
            ntm_app::demo::PLAN_2022
        )),
        "{page}"
    );
    assert!(
        page.contains(ntm_app::demo::PLAN_2021_2025),
        "a span covering the year"
    );
    assert!(!page.contains(ntm_app::demo::PLAN_2026));
}

#[tokio::test]
async fn the_target_pages_carry_no_inline_script_the_policy_would_block() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2026).await;
    for p in [
        path.clone(),
        format!("{path}/candidates/0"),
        "/targets".into(),
    ] {
        let body = app.get(&office, &p).await.body;
        for bad in [" onclick=", " onsubmit=", "<script>"] {
            assert!(!body.contains(bad), "{p} has {bad}");
        }
    }
}

/// The founding notice's 2021 results, from the recorded decisions: 25 communes advanced
/// (283/QĐ-UBND of 26/01/2022, for 2021), Vũ Quang and Cẩm Xuyên recognised, Hương Sơn
/// appraised and not yet recognised on 31/12/2021.
#[tokio::test]
async fn the_2021_overview_shows_the_notices_recognitions() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/?year=2021").await.body;
    let lines = texts(&page, "ul.recognitions > li");
    assert!(
        lines.iter().any(|l| l.starts_with("25 xã đạt nâng cao")),
        "{lines:?}"
    );
    let recognised: Vec<&String> = lines
        .iter()
        .filter(|l| l.starts_with("đã công nhận"))
        .collect();
    assert_eq!(recognised.len(), 2, "{lines:?}");
    assert!(recognised.iter().any(|l| l.contains("Huyện Vũ Quang")));
    assert!(recognised.iter().any(|l| l.contains("Huyện Cẩm Xuyên")));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("chưa công nhận Huyện Hương Sơn: hồ sơ ở bước thẩm định")),
        "{lines:?}"
    );
    let later = app.get(&office, "/?year=2022").await.body;
    let lines = texts(&later, "ul.recognitions > li");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("đã công nhận Huyện Hương Sơn")),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_plans_map_draws_each_commune_by_how_far_it_has_come() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let path = plan_path(&app, &office, ntm_app::demo::PLAN_2026).await;
    let page = app.get(&office, &path).await.body;
    assert!(page.contains("id=\"ntm-map-chi-tieu-"), "{page}");
    // The demo's 2026 round: three verified, two only registered, none decided.
    for class in [
        "Đã đăng ký, chưa trình thẩm tra (2)",
        "Đã trình thẩm tra trở lên (được tính) (3)",
        "Có quyết định công nhận trong kỳ (0)",
    ] {
        assert!(page.contains(class), "legend lacks {class}");
    }
    assert!(
        page.contains("Xã Tùng Lộc — Số xã đạt chuẩn nông thôn mới: đang ở bước thẩm tra"),
        "a commune's hover names its dossier's stage: {page}"
    );
    assert!(page.contains("(CC-BY-4.0)"), "the points' attribution");
    // Before the reform there is no map of the old tree unless the office uploads one.
    let old = plan_path(&app, &office, ntm_app::demo::PLAN_2022).await;
    let page = app.get(&office, &old).await.body;
    assert!(
        page.contains("Chưa có bản đồ của các đơn vị trước sắp xếp"),
        "{page}"
    );
    // The overview colours criteria met on asking.
    let page = app.get(&office, "/?year=2026&ban_do=tieu-chi").await.body;
    assert!(page.contains("id=\"ntm-map-ban-do-tieu-chi\""), "{page}");
    assert!(
        page.contains("Thiếu 1–2 tiêu chí") && page.contains("<strong>số tiêu chí đạt</strong>")
    );
}
