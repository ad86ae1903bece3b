//! The criteria set editor and the annex import, through the web application.

use axum::http::StatusCode;

use crate::app::{TestApp, form_fields, pairs, set_field, texts};
use crate::reports::download;

const NATIONAL_2026: &str = "xa-ntm-2026-2030";

async fn stored_text(app: &TestApp, id: &str) -> (i64, String) {
    app._store
        .list_criteria_sets()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| (r.version, r.source_text))
        .unwrap()
}

#[tokio::test]
async fn the_incomplete_2026_set_is_named_as_such_and_completed_through_the_form() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;

    let page = app
        .get(&office, &format!("/criteria/{NATIONAL_2026}"))
        .await;
    assert!(
        page.body.contains("Bộ chưa đủ để đánh giá"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("/criteria/{NATIONAL_2026}/editor"))
    );
    let list = app.get(&office, "/criteria").await;
    assert!(list.body.contains("chưa đủ để đánh giá"));

    let editor = app
        .get(&office, &format!("/criteria/{NATIONAL_2026}/editor"))
        .await;
    assert_eq!(editor.status, StatusCode::OK);
    assert!(
        editor.body.contains("10 tiêu chí chưa có chỉ tiêu"),
        "{}",
        editor.body
    );

    // A new indicator of criterion 3, one level per commune group, with its act.
    let form = app
        .get(
            &office,
            &format!("/criteria/{NATIONAL_2026}/editor/indicator?criterion=3"),
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    let mut fields = form_fields(&form.body);
    for (k, v) in [
        ("id", "3.1"),
        ("name", "Thu nhập bình quân đầu người khu vực nông thôn"),
        ("unit", "triệu đồng/người/năm"),
        ("t0_value", "60"),
        ("t0_group", "1"),
        ("t0_source", "51/2025/QĐ-TTg, Phụ lục I"),
        ("t1_value", "55,5"),
        ("t1_group", "2"),
        ("t1_source", "51/2025/QĐ-TTg, Phụ lục I"),
    ] {
        set_field(&mut fields, k, v);
    }
    let (before, _) = stored_text(&app, NATIONAL_2026).await;
    let path = format!("/criteria/{NATIONAL_2026}/editor/indicator");
    // The demo's completed variant derives from this set and has its own 3.1: the change
    // would break it, and the refusal names it.
    let clash = app.post(&office, &path, &pairs(&fields)).await;
    assert_eq!(clash.status, StatusCode::UNPROCESSABLE_ENTITY);
    let told = texts(&clash.body, ".error li").join(" | ");
    assert!(
        told.contains("bộ xa-ntm-2026-2030-minh-hoa (dựa trên bộ này)") && told.contains("3.1"),
        "{told}"
    );
    set_field(&mut fields, "id", "3.9");
    let saved = app.post(&office, &path, &pairs(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let (after, text) = stored_text(&app, NATIONAL_2026).await;
    assert_eq!(after, before + 1, "a new version");
    assert!(text.contains("id = \"3.9\""));
    let history = app
        ._store
        .criteria_set_history(NATIONAL_2026)
        .await
        .unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.version == after && h.imported_by == "vpdp")
    );
    let editor = app
        .get(&office, &format!("/criteria/{NATIONAL_2026}/editor"))
        .await;
    assert!(
        editor.body.contains("9 tiêu chí chưa có chỉ tiêu"),
        "{}",
        editor.body
    );
    assert!(editor.body.contains("≥ 55,5 (nhóm 2)"), "{}", editor.body);

    // A bad level is told by its row and field; nothing is stored.
    let mut bad = form_fields(
        &app.get(
            &office,
            &format!("/criteria/{NATIONAL_2026}/editor/indicator?id=3.9"),
        )
        .await
        .body,
    );
    set_field(&mut bad, "t0_value", "nhiều");
    set_field(&mut bad, "t1_year", "năm sau");
    let refused = app.post(&office, &path, &pairs(&bad)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = texts(&refused.body, ".error li").join(" | ");
    assert!(problems.contains("Ngưỡng 1 — mức"), "{problems}");
    assert!(problems.contains("Ngưỡng 2 — năm"), "{problems}");
    assert_eq!(stored_text(&app, NATIONAL_2026).await.0, after);

    // Saved from a form opened before another save: refused, the typed form kept.
    let stale = fields.clone();
    let mut other = form_fields(
        &app.get(
            &office,
            &format!("/criteria/{NATIONAL_2026}/editor/indicator?criterion=4"),
        )
        .await
        .body,
    );
    set_field(&mut other, "id", "4.9");
    set_field(&mut other, "name", "Tỷ lệ lao động qua đào tạo");
    set_field(&mut other, "unit", "%");
    set_field(&mut other, "t0_value", "75");
    let r = app.post(&office, &path, &pairs(&other)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut stale = stale;
    set_field(&mut stale, "id", "3.8");
    let r = app.post(&office, &path, &pairs(&stale)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("3.8"), "what was typed is kept");
}

#[tokio::test]
async fn only_the_office_opens_the_editor_or_writes_a_set() {
    let app = TestApp::demo().await;
    let path = format!("/criteria/{NATIONAL_2026}/editor");
    for user in ["xa-kylac", "huyen-kyanh", "bcd"] {
        let b = app.login(user).await;
        assert_eq!(
            app.get(&b, &path).await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
        let (version, _) = stored_text(&app, NATIONAL_2026).await;
        let v = version.to_string();
        let r = app
            .post(
                &b,
                &format!("{path}/indicator"),
                &[
                    ("version", v.as_str()),
                    ("criterion", "3"),
                    ("id", "3.9"),
                    ("name", "x"),
                    ("kind", "pass"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(stored_text(&app, NATIONAL_2026).await.0, version);
    }
}

#[tokio::test]
async fn an_annex_table_is_previewed_then_stored_on_confirmation() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let bytes = download(
        &app,
        &office,
        &format!("/criteria/{NATIONAL_2026}/table.xlsx"),
    )
    .await;
    let mut lines = ntm_reports::read_set_table(&bytes).unwrap();
    assert_eq!(lines.len(), 10);
    // The officer types one indicator of the annex under criterion 1.
    let mut levels = std::collections::BTreeMap::new();
    levels.insert(
        ntm_reports::LevelColumn::Any,
        ntm_reports::TableLevel::typed("100"),
    );
    lines.insert(
        1,
        ntm_reports::SetTableLine {
            indicator: "1.8".into(),
            indicator_name: "Có quy hoạch chung xã được phê duyệt".into(),
            comparison: "đạt".into(),
            ..Default::default()
        },
    );
    lines.insert(
        2,
        ntm_reports::SetTableLine {
            indicator: "1.9".into(),
            indicator_name: "Tỷ lệ thôn có quy hoạch chi tiết".into(),
            unit: "%".into(),
            comparison: "≥".into(),
            levels,
            source: "51/2025/QĐ-TTg".into(),
            confidence: "cao".into(),
            ..Default::default()
        },
    );
    let spec = ntm_reports::SetTableSpec {
        set_id: NATIONAL_2026.into(),
        title: "t".into(),
        columns: vec![ntm_reports::LevelColumn::Any],
        lines,
    };
    let filled = ntm_reports::set_table(&spec).unwrap();
    let (before, _) = stored_text(&app, NATIONAL_2026).await;
    let preview = app
        .post_multipart(
            &office,
            &format!("/criteria/{NATIONAL_2026}/import"),
            &[],
            &[("file", "phu-luc.xlsx", &filled)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    let changes = texts(&preview.body, "tr.added td");
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes[0].starts_with("Thêm chỉ tiêu 1.8 (tiêu chí 1)"));
    assert!(preview.body.contains("<strong>2</strong> thêm"));
    assert_eq!(
        stored_text(&app, NATIONAL_2026).await.0,
        before,
        "nothing yet"
    );

    let confirm = form_fields(&preview.body);
    let r = app
        .post(
            &office,
            &format!("/criteria/{NATIONAL_2026}/import/confirm"),
            &pairs(&confirm),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (after, text) = stored_text(&app, NATIONAL_2026).await;
    assert_eq!(after, before + 1);
    assert!(text.contains("id = \"1.9\""));

    // A hostile file is refused whole, with the place of each problem.
    let mut bad_levels = std::collections::BTreeMap::new();
    bad_levels.insert(
        ntm_reports::LevelColumn::Group(2),
        ntm_reports::TableLevel::typed("1.200"),
    );
    let bad = ntm_reports::SetTableSpec {
        set_id: NATIONAL_2026.into(),
        title: "t".into(),
        columns: vec![ntm_reports::LevelColumn::Group(2)],
        lines: vec![ntm_reports::SetTableLine {
            indicator: "9.9".into(),
            indicator_name: "x".into(),
            comparison: "≥".into(),
            levels: bad_levels,
            ..Default::default()
        }],
    };
    let r = app
        .post_multipart(
            &office,
            &format!("/criteria/{NATIONAL_2026}/import"),
            &[],
            &[("file", "sai.xlsx", &ntm_reports::set_table(&bad).unwrap())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        texts(&r.body, ".error li")[0].starts_with("dòng 6, cột “Mã chỉ tiêu”"),
        "{}",
        r.body
    );
    let r = app
        .post_multipart(
            &office,
            &format!("/criteria/{NATIONAL_2026}/import"),
            &[],
            &[("file", "x.xlsx", b"not a workbook")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored_text(&app, NATIONAL_2026).await.0, after);
}

#[tokio::test]
async fn pages_of_2026_say_the_set_is_incomplete_instead_of_failing_communes() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/?year=2026").await;
    assert!(
        page.body.contains("Bộ tiêu chí chưa đủ để đánh giá"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("href=\"/criteria/{NATIONAL_2026}\""))
    );
    assert!(!page.body.contains("còn thiếu tiêu chí"));
}

/// The 2025 data of every commune judged under the completed 2026 set, beside its 2025
/// result; a commune officer sees only their commune.
#[tokio::test]
async fn the_what_if_shows_2025_data_under_the_2026_set_beside_the_2025_result() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/reports/whatif?year=2025").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("xa-ntm-2026-2030-minh-hoa"));
    assert!(page.body.contains("Minh họa: bộ mới"));
    let rows = texts(&page.body, "table.report tbody tr");
    assert!(
        rows.len() > 50,
        "every commune after the reform: {}",
        rows.len()
    );
    let tiles = texts(&page.body, ".tile-value");
    let count = |t: &str| {
        t.split('/')
            .next()
            .unwrap()
            .trim()
            .parse::<usize>()
            .unwrap()
    };
    let (now, under) = (count(&tiles[0]), count(&tiles[1]));
    assert!(now > under, "the stricter set: {now} now, {under} under it");
    let falling = texts(&page.body, "tr.changed");
    assert!(!falling.is_empty(), "communes that would fall are marked");
    assert!(
        falling.iter().all(|r| r.contains("chưa đạt chuẩn —")),
        "a commune the new set keeps at its highest level is not marked: {falling:?}"
    );
    let district = app
        .get(&office, "/reports/whatif?year=2025&set=huyen-ntm-2021-2025")
        .await;
    assert!(
        district.body.contains("không phải bộ xã"),
        "{}",
        district.body
    );
    let xlsx = download(&app, &office, "/reports/whatif?year=2025&format=xlsx").await;
    assert!(xlsx.starts_with(b"PK"));

    let commune = app.login("xa-kylac").await;
    let mine = app.get(&commune, "/reports/whatif?year=2025").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(texts(&mine.body, "table.report tbody tr").len(), 1);
}

/// 2026 is evaluated under the completed variant; the incomplete national set is named.
#[tokio::test]
async fn the_2026_overview_counts_under_the_completed_variant_and_names_the_national_gap() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/?year=2026").await;
    assert!(
        page.body.contains("xa-ntm-2026-2030-minh-hoa"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Bộ tiêu chí chưa đủ để đánh giá"));
    assert!(
        !page
            .body
            .contains("chưa có số liệu đã duyệt của xã nào năm 2026")
    );
}

/// The scorecard never lists every criterion as lacking for want of data or of a set: it
/// says which of the two it is.
#[tokio::test]
async fn the_scorecard_says_no_data_or_incomplete_set_instead_of_lacking_every_criterion() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let card = "/units/18838@2025-07-01/scorecard?year=2026";
    let official = app.get(&commune, card).await;
    assert_eq!(official.status, StatusCode::OK);
    assert!(
        official.body.contains("Chưa có số liệu đã duyệt năm 2026"),
        "{}",
        official.body
    );
    assert!(!official.body.contains("còn thiếu tiêu chí"));

    let national = app
        .get(
            &commune,
            &format!("{card}&set={NATIONAL_2026}&so_lieu=tat-ca"),
        )
        .await;
    assert_eq!(national.status, StatusCode::OK, "{}", national.body);
    assert!(national.body.contains("Bộ tiêu chí chưa đủ để đánh giá"));
    assert!(!national.body.contains("còn thiếu tiêu chí"));

    let current = app.get(&commune, &format!("{card}&so_lieu=tat-ca")).await;
    assert!(
        !current.body.contains("Chưa có số liệu"),
        "values being entered are judged"
    );
}

/// The API tells a program what the pages tell a person: which set is incomplete and why.
#[tokio::test]
async fn the_api_says_which_sets_cannot_judge_yet() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app
        .post(&office, "/account/tokens", &[("name", "tổng hợp")])
        .await
        .body;
    let token = texts(&page, "code.token")
        .into_iter()
        .next()
        .expect("token");
    let r = app
        .api("GET", "/api/v1/criteria-sets", Some(&token), None)
        .await;
    let sets: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let complete = |id: &str| {
        sets.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .map(|s| s["complete"].as_bool().unwrap())
            .unwrap()
    };
    assert!(!complete(NATIONAL_2026));
    assert!(complete("xa-ntm-2026-2030-minh-hoa"));
    let r = app
        .api(
            "GET",
            &format!("/api/v1/criteria-sets/{NATIONAL_2026}"),
            Some(&token),
            None,
        )
        .await;
    let set: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(set["empty_criteria"].as_array().unwrap().len(), 10);
}
