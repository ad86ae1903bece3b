//! Villages and model gardens through the web: the commune's register across the merger,
//! its workbook opened again and imported back, the import's preview and confirmation, one
//! decision for several villages, a withdrawal, a garden's assessment, and who may do what.

use axum::http::StatusCode;

use crate::app::{TestApp, texts};

const NEW_KY_LAC: &str = "/units/18838@2025-07-01/villages";

fn village_id(app_body: &str, name: &str) -> String {
    let doc = scraper::Html::parse_document(app_body);
    let links = scraper::Selector::parse("table a").unwrap();
    doc.select(&links)
        .find(|a| a.text().collect::<String>() == name)
        .and_then(|a| a.value().attr("href"))
        .and_then(|h| h.strip_prefix("/villages/"))
        .unwrap_or_else(|| panic!("no village {name}"))
        .to_owned()
}

#[tokio::test]
async fn the_register_of_the_new_commune_holds_its_predecessors_villages() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, NEW_KY_LAC).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = &page.body;
    assert!(b.contains("minh họa"), "the demo's register is labelled");
    assert!(b.contains("thuộc Xã Lâm Hợp trước sắp xếp"), "{b}");
    assert!(b.contains("Thôn không còn"));
    assert!(b.contains("sáp nhập vào Thôn Trung Tiến"));
    let summary = texts(b, ".summaryline strong");
    assert_eq!(
        summary,
        ["7", "4", "4", "2"],
        "villages, model areas, gardens, model gardens"
    );
    assert!(
        b.contains("class=\"letterhead printonly\""),
        "a print heading"
    );
    // The unit page points to it.
    let unit = app.get(&office, "/units/18838@2025-07-01").await.body;
    assert!(
        unit.contains("7 thôn, tổ dân phố; 4 khu dân cư nông thôn mới kiểu mẫu"),
        "{unit}"
    );

    // The workbook opens again and, imported back unchanged, writes nothing.
    let xlsx = app.get(&office, &format!("{NEW_KY_LAC}?format=xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let sheets = ntm_reports::villages::read_villages(&xlsx.bytes).unwrap();
    assert_eq!(sheets.villages.len(), 8);
    assert_eq!(sheets.gardens.len(), 4);
    let preview = app
        .post_multipart(
            &office,
            "/villages/import",
            &[],
            &[("file", "so-thon.xlsx", &xlsx.bytes)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview
            .body
            .contains("0 dòng sẽ được ghi, 12 dòng không đổi"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("Không có gì mới để ghi"));
}

#[tokio::test]
async fn an_import_is_previewed_then_written_and_a_hostile_file_refused() {
    let app = TestApp::demo().await;
    let officer = app.login("xa-kylac").await;
    let template = app.get(&officer, "/villages/template.xlsx").await;
    assert_eq!(template.status, StatusCode::OK);
    let lines = [ntm_reports::villages::VillageLine {
        commune: "18838".into(),
        commune_name: String::new(),
        code: "10".into(),
        name: "Tân Sơn".into(),
        kind: "Thôn".into(),
        from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap(),
        to: None,
        successor: String::new(),
        note: String::new(),
    }];
    let bytes = ntm_reports::villages::villages_workbook(&lines, &[]).unwrap();
    let preview = app
        .post_multipart(
            &officer,
            "/villages/import",
            &[],
            &[("file", "moi.xlsx", &bytes)],
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("thôn mới"));
    let token = crate::app::form_fields(&preview.body)
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .expect("a confirmation token");
    let before = app.get(&officer, NEW_KY_LAC).await.body;
    assert!(
        !before.contains("Tân Sơn"),
        "nothing is written before confirming"
    );
    let done = app
        .post(&officer, "/villages/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("Đã ghi: 1 dòng mới"), "{}", done.body);
    assert!(app.get(&officer, NEW_KY_LAC).await.body.contains("Tân Sơn"));
    // A token is used once.
    let again = app
        .post(&officer, "/villages/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Not a workbook, and another commune's villages: refused with reasons, nothing kept.
    let junk = app
        .post_multipart(
            &officer,
            "/villages/import",
            &[],
            &[("file", "x.xlsx", b"ma_xa;ma_thon")],
        )
        .await;
    assert_eq!(junk.status, StatusCode::UNPROCESSABLE_ENTITY);
    let other = [ntm_reports::villages::VillageLine {
        commune: "18073".into(),
        code: "T1".into(),
        name: "Tổ 1".into(),
        ..lines[0].clone()
    }];
    let bytes = ntm_reports::villages::villages_workbook(&other, &[]).unwrap();
    let refused = app
        .post_multipart(
            &officer,
            "/villages/import",
            &[],
            &[("file", "khac.xlsx", &bytes)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains("bạn không được ghi sổ thôn của xã 18073"),
        "{}",
        refused.body
    );
    // A viewer may not import at all.
    let viewer = app.login("bcd").await;
    assert_eq!(
        app.get(&viewer, "/villages/import").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn one_decision_recognises_several_villages_and_a_title_is_withdrawn() {
    let app = TestApp::demo().await;
    let officer = app.login("xa-kylac").await;
    let page = app.get(&officer, NEW_KY_LAC).await.body;
    let a = village_id(&page, "Quyết Tiến");
    let b = village_id(&page, "Hợp Thắng");
    let sa = format!("village:{a}");
    let sb = format!("village:{b}");
    let fields = [
        ("s", sa.as_str()),
        ("s", sb.as_str()),
        ("year", "2026"),
        ("number", "15/QĐ-UBND"),
        ("on", "2026-11-28"),
        ("body", "commune"),
        ("back", NEW_KY_LAC),
    ];
    let done = app.post(&officer, "/villages/titles", &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let page = app.get(&officer, NEW_KY_LAC).await.body;
    assert_eq!(texts(&page, ".summaryline strong")[1], "6");
    // A district's decision after the reform is refused, with the rule.
    let with = |key: &str, value: &'static str| -> Vec<(&str, &str)> {
        fields
            .iter()
            .map(|&(k, v)| if k == key { (k, value) } else { (k, v) })
            .collect()
    };
    let refused = app
        .post(&officer, "/villages/titles", &with("body", "district"))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A viewer may not record one; another commune's officer neither.
    let viewer = app.login("bcd").await;
    let r = app.post(&viewer, "/villages/titles", &fields).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không được ghi quyết định"), "{}", r.body);
    // Another commune's officer is refused and does not even see the register it tried.
    let other = app.login("xa-thanhsen").await;
    let r = app.post(&other, "/villages/titles", &fields).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = app.get(&officer, NEW_KY_LAC).await.body;
    assert_eq!(
        texts(&page, ".summaryline strong")[1],
        "6",
        "nothing more was written"
    );

    let village = app.get(&officer, &format!("/villages/{a}")).await.body;
    assert!(village.contains("15/QĐ-UBND"));
    let title = village
        .split("/village-titles/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .expect("a withdraw form")
        .to_owned();
    let back = format!("/villages/{a}");
    let w = app
        .post(
            &officer,
            &format!("/village-titles/{title}/withdraw"),
            &[
                ("number", "20/QĐ-UBND"),
                ("on", "2026-11-29"),
                ("reason", "Không duy trì tiêu chí 8"),
                ("back", &back),
            ],
        )
        .await;
    assert_eq!(w.status, StatusCode::SEE_OTHER, "{}", w.body);
    let village = app.get(&officer, &back).await.body;
    assert!(village.contains("đã thu hồi"));
    assert!(village.contains("Không duy trì tiêu chí 8"));
    // An off-site back link is not followed.
    let r = app
        .post(
            &officer,
            "/villages/titles",
            &with("back", "//evil.example/x"),
        )
        .await;
    assert_ne!(r.location.as_deref(), Some("//evil.example/x"));
}

#[tokio::test]
async fn a_gardens_assessment_is_entered_and_a_village_shows_its_set_unconfigured() {
    let app = TestApp::demo().await;
    let officer = app.login("xa-kylac").await;
    let register = app.get(&officer, NEW_KY_LAC).await.body;
    let tan_tien = village_id(&register, "Tân Tiến");
    let village = app
        .get(&officer, &format!("/villages/{tan_tien}?nam=2024"))
        .await
        .body;
    assert!(
        village.contains("chưa cấu hình: bộ tiêu chí chưa có nội dung đánh giá"),
        "{village}"
    );
    let garden = village
        .split("/gardens/")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a garden link")
        .to_owned();
    let path = format!("/gardens/{garden}");
    let page = app.get(&officer, &format!("{path}?nam=2024")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("vuon-mau-ha-tinh"));
    let saved = app
        .post(
            &officer,
            &format!("{path}/values"),
            &[("nam", "2024"), ("i.3.2", "80"), ("i.1.1", "đạt")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = app.get(&officer, &format!("{path}?nam=2024")).await.body;
    assert!(page.contains("value=\"80\""));
    let bad = app
        .post(
            &officer,
            &format!("{path}/values"),
            &[("nam", "2024"), ("i.3.2", "nhiều")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let viewer = app.login("bcd").await;
    let r = app
        .post(
            &viewer,
            &format!("{path}/values"),
            &[("nam", "2024"), ("i.3.2", "10")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another commune's officer does not see the garden at all.
    let other = app.login("xa-thanhsen").await;
    assert_eq!(app.get(&other, &path).await.status, StatusCode::FORBIDDEN);
    for p in [
        NEW_KY_LAC.to_owned(),
        path.clone(),
        format!("/villages/{tan_tien}"),
    ] {
        let body = app.get(&officer, &p).await.body;
        for bad in [" onclick=", " onsubmit=", "<script>"] {
            assert!(!body.contains(bad), "{p} has {bad}");
        }
    }
}
