//! The pages that serve each person first: a commune's home at `/` (its level, what it
//! lacks in words, its tasks, its data state), the province overview for everyone else,
//! and the scorecard that leads with what is not met and cites its sources as notes.

use axum::http::StatusCode;

use crate::app::{TestApp, test_now, texts};

const KY_LAC: &str = "18850@2020-01-01";

/// The office gives Xã Kỳ Lạc a task due in five days, through the directive form.
async fn give_ky_lac_a_task(app: &TestApp) {
    let office = app.login("vpdp").await;
    let due = (ntm_core::task::local_date(test_now()) + chrono::Duration::days(5))
        .format("%d/%m/%Y")
        .to_string();
    let r = app
        .post_multipart(
            &office,
            "/directives/new",
            &[
                ("kind", "Công văn"),
                ("number", "21/CV-VPĐP"),
                ("issued_on", "2026-11-20"),
                ("issuer", "Văn phòng Điều phối NTM tỉnh"),
                ("title", "Bổ sung số liệu thu nhập"),
                ("summary", ""),
                ("rows", "1"),
                ("code_0", "1"),
                ("text_0", "Bổ sung biên bản điều tra thu nhập bình quân"),
                ("lead_0", "Xã Kỳ Lạc"),
                ("deadline_0", &due),
            ],
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
}

#[tokio::test]
async fn a_commune_officer_lands_on_their_commune_with_its_level_gaps_tasks_and_data_state() {
    let app = TestApp::demo().await;
    give_ky_lac_a_task(&app).await;
    let commune = app.login("xa-kylac").await;
    let r = app.get(&commune, "/?year=2022&so_lieu=tat-ca").await;
    assert_eq!(r.status, StatusCode::OK);
    let home = r.body;

    assert_eq!(
        texts(&home, "h1"),
        vec!["Xã Kỳ Lạc — năm 2022 (kể cả số liệu chưa duyệt)".to_owned()]
    );
    assert!(texts(&home, ".tiles").is_empty(), "no province overview");
    // Its level this year and last, each linked to that year's scorecard.
    let years = texts(&home, "ul.years-result li");
    assert_eq!(years.len(), 2, "{years:?}");
    assert!(
        years[0].starts_with("Năm 2022") && years[0].contains("đạt chuẩn"),
        "{years:?}"
    );
    assert!(
        years[1].starts_with("Năm 2021") && years[1].contains("đạt 20/20 tiêu chí"),
        "{years:?}"
    );
    // What it lacks for the next level, in words, with the scorecard's wording.
    assert_eq!(
        texts(&home, "#h-lacking"),
        vec!["Còn thiếu để đạt mức nâng cao (5 tiêu chí)".to_owned()]
    );
    let gaps = texts(&home, "ul.gaps li li");
    assert!(
        gaps.iter().any(|g| g.starts_with("Thu nhập bình quân")
            && g.ends_with("50,1 / cần 53 triệu đồng/người/năm")),
        "{gaps:?}"
    );
    assert!(
        home.contains("/units/18850@2020-01-01/scorecard?year=2022&amp;set=xa-ntm-nang-cao-2021-2025-minh-hoa&amp;so_lieu=tat-ca#tc-10"),
        "each lacking criterion links to its section of the scorecard"
    );
    // Its open task, with what remains of its time.
    let tasks = texts(&home, "ul.tasklist li");
    assert!(
        tasks
            .iter()
            .any(|t| t.contains("Bổ sung biên bản điều tra thu nhập") && t.contains("còn 5 ngày")),
        "{tasks:?}"
    );
    // The year's data: a draft it may still enter or import.
    assert_eq!(texts(&home, ".home-data .status"), vec!["đang nhập"]);
    assert_eq!(
        texts(&home, ".home-data a"),
        vec!["Nhập số liệu", "Nhập từ tệp Excel"]
    );
    assert!(home.contains(r#"href="/entry/18850@2020-01-01/2022""#));
}

#[tokio::test]
async fn the_commune_home_counts_approved_values_unless_asked_and_says_what_is_missing() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let home = app.get(&commune, "/?year=2022").await.body;
    let years = texts(&home, "ul.years-result li");
    assert!(
        years[0].contains("chưa có số liệu đã duyệt"),
        "2022 is a draft: nothing approved to count: {years:?}"
    );
    // The values being entered still show where the commune stands, said as such.
    assert!(
        years[1].starts_with("Đang nhập") && years[1].contains("chưa được duyệt"),
        "{years:?}"
    );
    assert!(
        home.contains("Theo số liệu đang nhập, chưa được duyệt."),
        "the gap list says what it is made of"
    );
    assert!(!texts(&home, "#h-lacking").is_empty());
    assert!(home.contains("Số liệu: <strong>chính thức (đã duyệt)</strong>"));
    // An approved, locked year offers to look at its values, not to enter them.
    let y2021 = app.get(&commune, "/?year=2021").await.body;
    assert_eq!(texts(&y2021, ".home-data .status"), vec!["đã duyệt (khóa)"]);
    assert_eq!(texts(&y2021, ".home-data a"), vec!["Xem số liệu đã nhập"]);
}

#[tokio::test]
async fn province_users_and_a_reach_of_several_units_keep_the_overview() {
    let app = TestApp::demo().await;
    for account in ["vpdp", "bcd", "huyen-kyanh"] {
        let b = app.login(account).await;
        let page = app.get(&b, "/?year=2021").await.body;
        assert_eq!(
            texts(&page, "h1"),
            vec!["Tổng quan năm 2021".to_owned()],
            "{account}"
        );
        assert!(!texts(&page, ".tile-value").is_empty(), "{account}");
        assert!(texts(&page, "ul.years-result").is_empty(), "{account}");
    }
    // Phường Thành Sen reads its predecessors in 2021 (several units): an overview; in
    // 2026 it is one unit: its home, which says that no set applies to a phường.
    let ward = app.login("xa-thanhsen").await;
    let y2021 = app.get(&ward, "/?year=2021").await.body;
    assert_eq!(texts(&y2021, "h1"), vec!["Tổng quan năm 2021".to_owned()]);
    let y2026 = app.get(&ward, "/?year=2026").await.body;
    assert_eq!(
        texts(&y2026, "h1"),
        vec!["Phường Thành Sen — năm 2026".to_owned()]
    );
    assert!(y2026.contains("Không đánh giá được"), "no set for a phường");
}

#[tokio::test]
async fn the_scorecard_leads_with_what_is_not_met_and_cites_sources_as_notes() {
    let app = TestApp::demo().await;
    let b = app.login("bcd").await;
    let card = app
        .get(
            &b,
            &format!("/units/{KY_LAC}/scorecard?year=2021&set=xa-ntm-2021-2025"),
        )
        .await
        .body;
    let doc = scraper::Html::parse_document(&card);
    let sel = |s: &str| scraper::Selector::parse(s).expect("selector");

    // The head lists each unmet or unknown criterion, linked to its section.
    let links: Vec<String> = doc
        .select(&sel("nav.lacking ul.gaps > li > a"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(!links.is_empty());
    let sections: Vec<String> = doc
        .select(&sel("section.criterion"))
        .filter_map(|s| s.value().attr("id").map(|id| format!("#{id}")))
        .collect();
    for l in &links {
        assert!(sections.contains(l), "{l} jumps to a section: {sections:?}");
    }
    // Those sections come first, in the set's order; the met ones after.
    assert_eq!(&sections[..links.len()], &links[..]);
    let classes: Vec<&str> = doc
        .select(&sel("section.criterion"))
        .filter_map(|s| s.value().attr("class"))
        .collect();
    let first_met = classes
        .iter()
        .position(|c| c.ends_with(" met"))
        .expect("some criteria are met");
    assert!(
        classes[first_met..].iter().all(|c| c.ends_with(" met")),
        "{classes:?}"
    );
    // Unconfigured thresholds say so in the gap lines.
    assert!(
        texts(&card, "nav.lacking ul.gaps li li")
            .iter()
            .any(|l| l.ends_with("/ chưa cấu hình ngưỡng")),
        "the national set has no thresholds in ntm yet"
    );

    // No source inside a cell: numbered notes at the end, each cited by an existing id.
    for cell in texts(&card, "table.indicators td") {
        assert!(!cell.contains("http"), "a URL in a cell: {cell}");
    }
    let notes: Vec<String> = doc
        .select(&sel("ol.sources li"))
        .filter_map(|li| li.value().attr("id").map(|id| format!("#{id}")))
        .collect();
    assert!(!notes.is_empty(), "the national set cites its sources");
    let cited: Vec<String> = doc
        .select(&sel("sup.ref a"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(!cited.is_empty());
    for c in &cited {
        assert!(notes.contains(c), "{c} is a note: {notes:?}");
    }
    for (n, id) in notes.iter().enumerate() {
        assert_eq!(id, &format!("#nguon-{}", n + 1), "numbered in order");
    }
    let mut sources = texts(&card, "ol.sources li");
    let cited_sources = sources.len();
    sources.sort();
    sources.dedup();
    assert_eq!(
        sources.len(),
        cited_sources,
        "each source once: {sources:?}"
    );
    // A phone shows each indicator as a card: every cell knows its column's name.
    assert!(
        doc.select(&sel("table.indicators.stack td:not(:first-child)"))
            .all(|td| td.value().attr("data-label").is_some())
    );
}
