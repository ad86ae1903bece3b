//! Data quality through the web: the warnings a commune must explain before submitting,
//! the reasons shown at approval, and evidence files with their limits and scope.

use axum::http::StatusCode;

use crate::app::TestApp;

const NEW_KY_LAC: &str = "18838@2025-07-01";

/// The value of `indicator` for `unit` in `year` as the API gives it to `who`.
async fn value_of(
    app: &TestApp,
    who: &crate::app::Browser,
    unit: &str,
    year: i32,
    indicator: &str,
) -> f64 {
    let r = app
        .get(who, &format!("/api/v1/values?unit={unit}&year={year}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let values: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    values
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["indicator"] == indicator)
        .and_then(|v| v["value"].as_str())
        .unwrap_or_else(|| panic!("{unit} {year} has no {indicator}: {}", r.body))
        .replace(',', ".")
        .parse()
        .unwrap()
}

/// A share 45 points away from `last` (within 0–100): more than the demo's rule of 40
/// points a year allows, so it warns.
fn jumped_from(last: f64) -> String {
    let v = if last >= 50.0 {
        last - 45.0
    } else {
        last + 45.0
    };
    format!("{v}")
}

#[tokio::test]
async fn a_warning_needs_a_reason_before_submission_and_the_office_reads_it() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let entry = format!("/entry/{NEW_KY_LAC}/2026");
    // A share moved by more than 40 points from last year: the demo's rule warns.
    let last = value_of(&app, &commune, NEW_KY_LAC, 2025, "17.1").await;
    let jumped = jumped_from(last);
    let r = app
        .post(&commune, &entry, &[("v_17.1", &jumped), ("action", "save")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let form = app.get(&commune, &entry).await.body;
    let key = "q_ty-le-nhay-vot~17.1~";
    assert!(form.contains(key), "the warning asks for a reason: {form}");
    // Submitting without a reason is refused and says why; nothing is submitted.
    let r = app
        .post(
            &commune,
            &entry,
            &[("v_17.1", &jumped), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("cần giải trình"), "{}", r.body);
    let office = app.login("vpdp").await;
    let approval = format!("/approval/{NEW_KY_LAC}/2026");
    assert!(
        !app.get(&office, &approval)
            .await
            .body
            .contains("Duyệt và khóa"),
        "not submitted"
    );
    // A reason too short to say anything is refused too.
    let r = app
        .post(
            &commune,
            &entry,
            &[("v_17.1", &jumped), (key, "ok"), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let reason = "Đã đưa vào vận hành trạm cấp nước Kỳ Lạc tháng 3/2026";
    let r = app
        .post(
            &commune,
            &entry,
            &[("v_17.1", &jumped), (key, reason), ("action", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&office, &approval).await.body;
    assert!(page.contains("Duyệt và khóa"), "submitted");
    assert!(page.contains(reason), "the office reads the reason: {page}");
    assert!(page.contains("xa-kylac"), "and who gave it");
}

#[tokio::test]
async fn evidence_files_are_bounded_scoped_and_served_as_downloads() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let upload = format!("/entry/{NEW_KY_LAC}/2026/evidence");
    // A value that decides a met criterion and has no evidence: the evidence rule says so.
    let lacking = |body: &str| -> Vec<String> {
        let q: serde_json::Value = serde_json::from_str(body).unwrap();
        q["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "thieu-minh-chung")
            .map(|f| f["indicator"].as_str().unwrap().to_owned())
            .collect()
    };
    let api = format!("/api/v1/quality?year=2026&basis=current&unit={NEW_KY_LAC}");
    let before = lacking(&app.get(&commune, &api).await.body);
    let decided = before.first().expect("a value without evidence").clone();
    let r = app
        .post_multipart(
            &commune,
            &upload,
            &[("indicator", &decided)],
            &[("file", "bien-ban.pdf", b"%PDF-1.4 bien ban")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = lacking(&app.get(&commune, &api).await.body);
    assert!(
        !after.contains(&decided),
        "{decided} now has evidence: {after:?}"
    );
    assert_eq!(after.len() + 1, before.len(), "only that value changed");
    let photo: &[u8] = b"\xff\xd8\xff\xe0 anh tram nuoc";
    let r = app
        .post_multipart(
            &commune,
            &upload,
            &[("indicator", "17.1")],
            &[("file", "C:\\anh\\tram-nuoc.jpg", photo)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let form = app
        .get(&commune, &format!("/entry/{NEW_KY_LAC}/2026"))
        .await
        .body;
    let link = form
        .split("href=\"/evidence/")
        .skip(1)
        .find(|s| s.contains("tram-nuoc.jpg"))
        .and_then(|s| s.split('"').next())
        .expect("the file is listed")
        .to_owned();
    assert!(
        form.contains("tram-nuoc.jpg"),
        "its own name, not the sender's path"
    );
    // The office downloads it; it is never shown inline.
    let office = app.login("vpdp").await;
    let got = app.get(&office, &format!("/evidence/{link}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, photo);
    assert!(
        got.disposition
            .as_deref()
            .unwrap_or("")
            .starts_with("attachment")
    );
    assert_eq!(
        got.content_type.as_deref(),
        Some("application/octet-stream")
    );
    // Another commune can neither read nor remove it, nor attach to Kỳ Lạc.
    let other = app.login("xa-thanhsen").await;
    assert_eq!(
        app.get(&other, &format!("/evidence/{link}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .post(&other, &format!("/evidence/{link}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = app
        .post_multipart(
            &other,
            &upload,
            &[("indicator", "17.1")],
            &[("file", "x.jpg", photo)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Empty, oversized and unknown-indicator files are refused with a reason.
    let big = vec![0u8; ntm_app::tasks::MAX_FILE_BYTES + 1];
    for (indicator, name, bytes) in [
        ("17.1", "rong.jpg", &b""[..]),
        ("17.1", "lon.jpg", &big[..]),
        ("khong-co", "a.jpg", photo),
    ] {
        let r = app
            .post_multipart(
                &commune,
                &upload,
                &[("indicator", indicator)],
                &[("file", name, bytes)],
            )
            .await;
        assert!(
            r.status.is_client_error(),
            "{name}: {} {}",
            r.status,
            r.body
        );
    }
    // The scorecard and the approval page list it.
    let card = app
        .get(
            &office,
            &format!("/units/{NEW_KY_LAC}/scorecard?year=2026&so_lieu=tat-ca"),
        )
        .await
        .body;
    assert!(card.contains("tram-nuoc.jpg"), "{card}");
    // The owner may remove it while the values are editable.
    let r = app
        .post(&commune, &format!("/evidence/{link}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.get(&office, &format!("/evidence/{link}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_api_and_the_overview_show_the_findings_and_the_map() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let r = app
        .get(&office, "/api/v1/quality?year=2026&basis=current")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let q: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(q["communes_checked"].as_u64().unwrap() > 0, "{q}");
    assert_eq!(
        q["illustrative"], true,
        "the demo's rules and values are illustrative"
    );
    let findings = q["findings"].as_array().unwrap();
    assert_eq!(
        findings.len() as u64,
        q["blocking"].as_u64().unwrap()
            + q["warning"].as_u64().unwrap()
            + q["info"].as_u64().unwrap()
    );
    // A commune reads its own findings only.
    let commune = app.login("xa-thanhsen").await;
    let own: serde_json::Value = serde_json::from_str(
        &app.get(&commune, "/api/v1/quality?year=2026&basis=current")
            .await
            .body,
    )
    .unwrap();
    assert!(
        own["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["unit"]["id"] == "18073@2025-07-01"),
        "{own}"
    );
    let other = app
        .get(&commune, "/api/v1/quality?year=2026&unit=18838@2025-07-01")
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    // The overview draws the post-reform communes by level, with the points' attribution.
    let overview = app.get(&office, "/?year=2026&so_lieu=tat-ca").await.body;
    assert!(
        overview.contains("id=\"ntm-map-ban-do-muc-dat\""),
        "{overview}"
    );
    assert!(overview.contains("OpenStreetMap contributors"));
    // The OCOP overview draws the communes by their valid certified products.
    let ocop = app.get(&office, "/ocop").await;
    assert_eq!(ocop.status, StatusCode::OK, "{}", ocop.body);
    assert!(
        ocop.body.contains("id=\"ntm-map-ban-do-ocop\""),
        "{}",
        ocop.body
    );
    assert!(ocop.body.contains("sản phẩm OCOP còn hiệu lực"));
}

/// A square ring of GeoJSON around (lon, lat).
fn square(lon: f64, lat: f64) -> serde_json::Value {
    let d = 0.02;
    serde_json::json!([[
        [lon - d, lat - d],
        [lon + d, lat - d],
        [lon + d, lat + d],
        [lon - d, lat + d],
        [lon - d, lat - d]
    ]])
}

#[tokio::test]
async fn the_office_corrects_points_and_draws_its_boundary_file_matched_both_ways() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/maps").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("(vị trí chưa chắc chắn)"),
        "Hương Sơn is marked"
    );
    // A point outside Vietnam is refused; a good one replaces the shipped point.
    let r = app
        .post(
            &office,
            "/maps/points",
            &[("code", "18133"), ("lat", "48,8"), ("lon", "2,3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("vĩ độ"), "{}", r.body);
    let r = app
        .post(
            &office,
            "/maps/points",
            &[
                ("code", "18133"),
                ("lat", "18,52"),
                ("lon", "105,43"),
                ("note", "theo UBND xã"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&office, "/maps").await.body;
    assert!(
        page.contains("18.52000") && page.contains("văn phòng đã sửa"),
        "{page}"
    );
    // A boundary file: two post-reform communes, one feature of no unit, one without a code.
    let file = serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"ma_xa": "18073", "ten": "Thành Sen"}, "geometry": {"type": "Polygon", "coordinates": square(105.90, 18.34)}},
            {"type": "Feature", "properties": {"ma_xa": "18838", "ten": "Kỳ Lạc"}, "geometry": {"type": "Polygon", "coordinates": square(106.20, 18.00)}},
            {"type": "Feature", "properties": {"ma_xa": "99999", "ten": "Không có"}, "geometry": {"type": "Polygon", "coordinates": square(106.00, 18.10)}},
            {"type": "Feature", "properties": {"ten": "<script>x</script>"}, "geometry": {"type": "Polygon", "coordinates": square(106.10, 18.20)}}
        ]
    })
    .to_string();
    let r = app
        .post_multipart(
            &office,
            "/maps/boundaries",
            &[("tree", "post"), ("code_property", "ma_xa")],
            &[("file", "ranh-gioi-xa.geojson", file.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("2 vùng khớp mã đơn vị, 2 vùng không khớp"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Vùng thứ 3 của tệp (99999"),
        "unmatched features listed: {}",
        r.body
    );
    assert!(
        r.body.contains("(không có mã)"),
        "a feature without a code listed"
    );
    assert!(
        r.body.contains("chưa có vùng trong tệp"),
        "unmatched units listed"
    );
    assert!(
        !r.body.contains("<script>x</script>"),
        "file text is escaped"
    );
    // The overview now draws areas with the file's attribution, not points.
    let overview = app.get(&office, "/?year=2026&so_lieu=tat-ca").await.body;
    assert!(overview.contains("ranh-gioi-xa.geojson"), "{overview}");
    assert!(overview.contains("<path"), "areas drawn");
    // A pre-reform year has no map until a pre-reform file is given.
    let old = app
        .get(&office, "/reports/quality?year=2022&so_lieu=tat-ca")
        .await
        .body;
    assert!(old.contains("Chưa có bản đồ của các đơn vị trước sắp xếp"));
    // A file matching nothing is refused and keeps the one before; a commune may not upload.
    let r = app
        .post_multipart(
            &office,
            "/maps/boundaries",
            &[("tree", "post")],
            &[(
                "file",
                "khac.geojson",
                br#"{"type":"FeatureCollection","features":[]}"#,
            )],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let commune = app.login("xa-kylac").await;
    let r = app
        .post_multipart(
            &commune,
            "/maps/boundaries",
            &[("tree", "post")],
            &[("file", "a.geojson", file.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&commune, "/maps").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_office_edits_rules_as_versions_and_the_checks_follow() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let entry = format!("/entry/{NEW_KY_LAC}/2026");
    let rules = "/reports/quality/rules/xa-ntm-2026-2030-minh-hoa";
    let last = value_of(&app, &commune, NEW_KY_LAC, 2025, "17.1").await;
    let jumped = jumped_from(last);
    let r = app
        .post(&commune, &entry, &[("v_17.1", &jumped), ("action", "save")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let key = "q_ty-le-nhay-vot~17.1~";
    assert!(app.get(&commune, &entry).await.body.contains(key));

    // Everyone reads the rules; only the office changes them.
    let page = app.get(&commune, rules).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("ty-le-nhay-vot") && page.body.contains("tệp có sẵn"));
    assert!(!page.body.contains("Thêm quy tắc"), "no form for a commune");
    let remove = [
        ("action", "remove"),
        ("seen", "0"),
        ("replacing", "ty-le-nhay-vot"),
    ];
    assert_eq!(
        app.post(&commune, rules, &remove).await.status,
        StatusCode::FORBIDDEN
    );
    let office = app.login("vpdp").await;
    assert!(app.get(&office, rules).await.body.contains("Thêm quy tắc"));

    // The office drops the rule: version 1, and the commune's warning is gone.
    let r = app.post(&office, rules, &remove).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(!app.get(&commune, &entry).await.body.contains(key));
    // A save from the page as it was before is refused, nothing written.
    let stale = app.post(&office, rules, &remove).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    // A rule on an indicator the set lacks is told, the form kept as typed.
    let mut rule = vec![
        ("action", "put"),
        ("seen", "1"),
        ("replacing", ""),
        ("id", "ty-le-nhay-vot"),
        ("title", "Tỷ lệ thay đổi quá 40 điểm"),
        ("severity", "blocking"),
        ("kind", "year_jump"),
        ("indicators", "17.1, 99.9"),
        ("amount", "40"),
    ];
    let bad = app.post(&office, rules, &rule).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("không có chỉ tiêu “99.9”"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("17.1, 99.9"), "the form as typed");
    // Back as blocking: version 2, and now the commune cannot submit until it mends.
    rule[7] = ("indicators", "17.1");
    let r = app.post(&office, rules, &rule).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let refused = app
        .post(
            &commune,
            &entry,
            &[("v_17.1", &jumped), ("action", "submit")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("phải sửa trước khi gửi"),
        "{}",
        refused.body
    );

    // Both versions kept, with who and why; each downloads as its own file.
    let page = app.get(&office, rules).await.body;
    assert!(page.contains("phiên bản 2 — vpdp"), "{page}");
    assert!(
        page.contains("bỏ quy tắc ty-le-nhay-vot") && page.contains("thêm quy tắc ty-le-nhay-vot")
    );
    let v1 = app.get(&office, &format!("{rules}/file?version=1")).await;
    assert_eq!(v1.status, StatusCode::OK);
    assert!(
        v1.headers[axum::http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(!v1.body.contains("ty-le-nhay-vot") && v1.body.contains("thu-nhap-tang-vot"));
    assert!(
        app.get(&office, &format!("{rules}/file"))
            .await
            .body
            .contains("severity = \"blocking\"")
    );
    // The index names the version in force.
    let index = app.get(&commune, "/reports/quality/rules").await.body;
    assert!(index.contains("phiên bản 2"), "{index}");
}

#[tokio::test]
async fn a_recognised_commune_whose_values_slip_is_told_with_its_decision() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let entry = format!("/entry/{NEW_KY_LAC}/2026");
    // Not yet recognised: criteria it fails are gaps to close, not a regression.
    let form = app.get(&commune, &entry).await.body;
    assert!(!form.contains("q_sau-cong-nhan~"), "{form}");
    // The office records the new Kỳ Lạc's decision of 2025.
    let office = app.login("vpdp").await;
    let r = app
        .post(
            &office,
            "/recognition/decisions",
            &[
                ("units", NEW_KY_LAC),
                ("year", "2025"),
                ("level", "standard"),
                ("number", "777/QĐ-UBND"),
                ("on", "2025-10-15"),
                ("signer", "Chủ tịch UBND tỉnh"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Now each criterion its 2026 values fail is a slip after recognition, to explain,
    // naming the decision it holds.
    let form = app.get(&commune, &entry).await.body;
    let doc = scraper::Html::parse_document(&form);
    let keys: Vec<String> = doc
        .select(&scraper::Selector::parse("textarea").unwrap())
        .filter_map(|t| t.value().attr("name"))
        .filter(|n| n.starts_with("q_sau-cong-nhan~~"))
        .map(str::to_owned)
        .collect();
    assert!(!keys.is_empty(), "{form}");
    assert!(
        form.contains("777/QĐ-UBND"),
        "the decision it holds is named"
    );
    // The office sees them on the quality page of the values as entered.
    let page = app
        .get(
            &office,
            &format!("/reports/quality?year=2026&so_lieu=tat-ca&unit={NEW_KY_LAC}"),
        )
        .await
        .body;
    assert!(
        page.contains("777/QĐ-UBND")
            && page.contains("Xã đã được công nhận nay có tiêu chí không đạt"),
        "{page}"
    );
    // Submitting needs a reason for each.
    let r = app.post(&commune, &entry, &[("action", "submit")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cần giải trình"));
}

#[tokio::test]
async fn a_finding_corrected_after_it_was_seen_is_counted_as_corrected() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let office = app.login("vpdp").await;
    let entry = format!("/entry/{NEW_KY_LAC}/2026");
    let page = format!("/reports/quality?year=2026&so_lieu=tat-ca&unit={NEW_KY_LAC}");
    let corrected = |body: &str| {
        let at = body.find("đã sửa số liệu").expect("the count is shown");
        body[at..]
            .split("<strong>")
            .nth(1)
            .and_then(|s| s.split('<').next())
            .map(str::to_owned)
    };
    let before = app.get(&office, &page).await.body;
    assert_eq!(corrected(&before).as_deref(), Some("0"));
    let last = value_of(&app, &commune, NEW_KY_LAC, 2025, "17.1").await;
    let now = value_of(&app, &commune, NEW_KY_LAC, 2026, "17.1").await;
    let jumped = jumped_from(last);
    for v in [jumped, format!("{now}")] {
        let r = app
            .post(&commune, &entry, &[("v_17.1", &v), ("action", "save")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // Seen at the first save, gone at the second: corrected, listed on the unit's page.
    let after = app.get(&office, &page).await.body;
    // The jump (a warning); the distance from its peers the jumped value also had is a
    // note, which others' values can end as well: not counted.
    assert_eq!(corrected(&after).as_deref(), Some("1"), "{after}");
    let listed = &after[after.find("<h2>Đã sửa số liệu").expect("listed")..];
    assert!(
        listed.contains("vượt mức 40") && !listed.contains("cùng huyện cũ"),
        "{listed}"
    );
    // Raised again, it is open again, no longer among the corrected.
    let r = app
        .post(
            &commune,
            &entry,
            &[("v_17.1", &jumped_from(last)), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = app.get(&office, &page).await.body;
    assert_eq!(corrected(&again).as_deref(), Some("0"), "{again}");
}
