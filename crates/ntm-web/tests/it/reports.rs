//! Reports, templates and imports through the web application.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::app::{Browser, TestApp, texts};

const KY_LAC: &str = "18850@2020-01-01";

pub(crate) async fn download(app: &TestApp, b: &Browser, path: &str) -> Vec<u8> {
    let mut r = Request::get(path);
    if let Some(c) = &b.cookie {
        r = r.header(header::COOKIE, c);
    }
    let response = tower::ServiceExt::oneshot(app.router.clone(), r.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let ct = response
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        ct.contains("spreadsheetml") || ct.contains("text/csv"),
        "{ct}"
    );
    axum::body::to_bytes(response.into_body(), 50 * 1024 * 1024)
        .await
        .unwrap()
        .to_vec()
}

/// Uploads a file to the import page; returns the response.
async fn upload(app: &TestApp, b: &Browser, name: &str, bytes: &[u8]) -> crate::app::Response {
    let boundary = "ntmtestboundary7MA4YWxk";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
            b.csrf
        )
        .as_bytes(),
    );
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let r = Request::post("/import")
        .header(header::COOKIE, b.cookie.clone().unwrap())
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(r).await
}

fn token_of(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(r#"input[name="token"]"#).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn reports_render_as_pages_and_workbooks_and_honour_the_scope() {
    let app = TestApp::demo().await;
    let admin = app.login("vpdp").await;
    let commune = app.login("xa-kylac").await;
    for path in [
        "/reports?year=2021",
        "/reports/criteria?year=2021",
        "/reports/levels?year=2021",
        "/reports/candidates?year=2021",
    ] {
        for b in [&admin, &commune] {
            let r = app.get(b, path).await;
            assert_eq!(r.status, StatusCode::OK, "GET {path}");
        }
    }
    let page = app.get(&admin, "/reports/criteria?year=2021").await.body;
    assert!(
        page.contains("Huyện Hương Khê") && page.contains("19,05"),
        "district groups with their average"
    );
    // Official: 177 of all 182 communes at standard, the 3 whose 2022 values wait for
    // approval (Kỳ Lạc among them) not counted, and said so.
    let levels = app.get(&admin, "/reports/levels?year=2022").await.body;
    let row = texts(&levels, "table.report tbody tr:first-child td");
    assert_eq!(
        row[..6],
        ["Tỉnh Hà Tĩnh", "182", "179", "177", "97,25%", "+3"],
        "shares over all communes and the change from 2021"
    );
    assert!(levels.contains("Chưa tính 3 xã có số liệu năm 2022 chưa duyệt"));
    let all = app
        .get(&admin, "/reports/levels?year=2022&so_lieu=tat-ca")
        .await
        .body;
    let row = texts(&all, "table.report tbody tr:first-child td");
    assert_eq!(
        row[..6],
        ["Tỉnh Hà Tĩnh", "182", "182", "178", "97,8%", "+4"]
    );
    assert!(
        all.contains("<title>Thống kê mức đạt 2022 (kể cả số liệu chưa duyệt)")
            && all.contains("Trong đó 3 xã có số liệu năm 2022 chưa duyệt"),
        "the title and the bar say what is counted"
    );
    let sheet = download(
        &app,
        &admin,
        "/reports/levels?year=2022&format=xlsx&so_lieu=tat-ca",
    )
    .await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(sheet)).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut wb, 0)
        .unwrap()
        .unwrap();
    let title = range.get((0, 0)).map(|c| c.to_string()).unwrap_or_default();
    assert!(title.ends_with("(KỂ CẢ SỐ LIỆU CHƯA DUYỆT)"), "{title}");
    let mine = app.get(&commune, "/reports/criteria?year=2021").await.body;
    let names = texts(&mine, "table.report tbody td a");
    assert_eq!(
        names,
        vec!["Xã Kỳ Lạc".to_owned()],
        "a commune officer's report lists only the commune"
    );
    for path in [
        "/reports/criteria?year=2021&format=xlsx",
        "/reports/levels?year=2021&format=xlsx",
        "/reports/candidates?year=2021&format=xlsx",
    ] {
        let bytes = download(&app, &admin, path).await;
        assert!(bytes.starts_with(b"PK"), "{path} is an xlsx workbook");
    }
    let candidates = app.get(&admin, "/reports/candidates?year=2022").await.body;
    assert!(
        candidates.contains("Xã Hương Liên") && candidates.contains("Xã Hương Lâm"),
        "the 2023 front-runners are listed"
    );
}

#[tokio::test]
async fn an_export_reimports_with_zero_changes_and_a_filled_template_imports_after_confirmation() {
    let app = TestApp::demo().await;
    // Kỳ Lạc's 2022 is a draft in the demo (the approved years are locked: re-importing
    // them is the Excel issue's).
    let commune = app.login("xa-kylac").await;
    let export = download(&app, &commune, "/reports/export?year=2022&format=xlsx").await;
    let r = upload(&app, &commune, "so-lieu-2022.xlsx", &export).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    let summary = texts(&r.body, "main p, main li, main td").join(" | ");
    assert!(
        r.body.contains("<strong>0</strong> giá trị mới")
            && r.body.contains("<strong>0</strong> giá trị thay đổi"),
        "zero changes: {}",
        &summary[..summary.len().min(3000)]
    );
    assert!(token_of(&r.body).is_empty(), "nothing to confirm");

    // A commune fills its template for 2023 and imports it.
    let template = download(
        &app,
        &commune,
        &format!("/templates?year=2023&scope={KY_LAC}"),
    )
    .await;
    let empty = ntm_reports::read_values(&template).expect_err("an empty template is refused");
    assert!(
        empty[0].to_string().contains("chưa có ô số liệu"),
        "{}",
        empty[0]
    );
    // Fill it as a user would: through the template writer with values.
    let spec_values = [("3.1", "85.5"), ("7", "đạt")];
    let filled = crate::reports::fill_template(&template, KY_LAC, 2023, &spec_values);
    let rows = ntm_reports::read_values(&filled).expect("filled template");
    assert_eq!(rows.len(), 2);
    let r = upload(&app, &commune, "mau.xlsx", &filled).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    assert_eq!(
        app.get(&commune, &format!("/api/v1/values?year=2023&unit={KY_LAC}"))
            .await
            .body,
        "[]",
        "nothing before confirmation"
    );
    let token = token_of(&r.body);
    let done = app
        .post(&commune, "/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.body.contains("2 giá trị mới"), "{}", done.body);
    let values = app
        .get(&commune, &format!("/api/v1/values?year=2023&unit={KY_LAC}"))
        .await
        .body;
    assert!(values.contains("85.5"), "{values}");
    // The token is single-use.
    assert_eq!(
        app.post(&commune, "/import/confirm", &[("token", &token)])
            .await
            .status,
        StatusCode::CONFLICT
    );
}

/// A template of the same shape with the cells filled in, as a user returns it (the test
/// cannot type into Excel; the reader only sees cell values either way).
pub fn fill_template(template: &[u8], unit: &str, year: i32, values: &[(&str, &str)]) -> Vec<u8> {
    assert!(
        template.starts_with(b"PK"),
        "the downloaded template is a workbook"
    );
    let spec = ntm_reports::TemplateSpec {
        year,
        set_id: "xa-ntm-2021-2025-minh-hoa".into(),
        set_title: "test".into(),
        illustrative: true,
        scope_title: "Xã Kỳ Lạc".into(),
        units: vec![ntm_reports::TemplateUnit {
            id: unit.into(),
            code: "18850".into(),
            name: "Xã Kỳ Lạc".into(),
        }],
        indicators: values
            .iter()
            .map(|(id, _)| ntm_reports::TemplateIndicator {
                id: (*id).into(),
                name: (*id).into(),
                unit: None,
                requirement: String::new(),
                kind: if *id == "7" {
                    ntm_reports::TemplateKind::Pass
                } else {
                    ntm_reports::TemplateKind::Number {
                        min: None,
                        max: None,
                    }
                },
            })
            .collect(),
        notes: Default::default(),
        existing: values
            .iter()
            .map(|(id, v)| ((unit.to_owned(), (*id).to_owned()), (*v).to_owned()))
            .collect(),
    };
    ntm_reports::template(&spec).expect("template")
}

#[tokio::test]
async fn imports_outside_the_scope_or_malformed_are_refused_with_the_place_and_write_nothing() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let csv = "unit,year,indicator,value\n18850@2020-01-01,2023,3.1,90\n18793@2020-01-01,2023,3.1,90\n18850@2020-01-01,2023,2.1,abc\n";
    let r = upload(&app, &commune, "x.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("dòng 4") && r.body.contains("không phải là số"),
        "the bad row is named"
    );
    let r = upload(
        &app,
        &commune,
        "x.csv",
        b"unit,year,indicator,value\n18793@2020-01-01,2023,3.1,90\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("không có quyền"),
        "another commune's data is refused"
    );
    let r = upload(&app, &commune, "x.xlsx", b"not really a workbook").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(
        &app,
        &commune,
        "x.xlsx",
        &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0],
    )
    .await;
    assert!(
        r.body.contains("mật khẩu"),
        "a protected or legacy workbook is named as such"
    );
    assert_eq!(
        app.get(&commune, &format!("/api/v1/values?year=2023&unit={KY_LAC}"))
            .await
            .body,
        "[]"
    );
}

/// The cells of every sheet of a workbook as text, one line per row, for snapshots.
fn grid(bytes: &[u8]) -> String {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let mut out = String::new();
    for name in wb.sheet_names().clone() {
        out.push_str(&format!("== {name}\n"));
        let range = wb.worksheet_range(&name).expect("sheet");
        for row in range.rows() {
            let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
            out.push_str(cells.join(" | ").trim_end_matches([' ', '|']));
            out.push('\n');
        }
    }
    out
}

#[tokio::test]
async fn report_workbooks_hold_what_the_pages_show() {
    let app = TestApp::demo().await;
    let admin = app.login("vpdp").await;
    let levels = download(&app, &admin, "/reports/levels?year=2021&format=xlsx").await;
    insta::assert_snapshot!("levels_2021", grid(&levels));
    let commune = app.login("xa-kylac").await;
    let criteria = download(&app, &commune, "/reports/criteria?year=2021&format=xlsx").await;
    insta::assert_snapshot!("criteria_2021_ky_lac", grid(&criteria));
}

/// 2025's report follows the tree of 31 December by default, says so and how many
/// communes with 2025 values it leaves out, and offers the tree of 30 June (which the
/// print and the workbook then name).
#[tokio::test]
async fn the_split_year_is_reported_on_the_tree_the_office_chooses() {
    let app = TestApp::demo().await;
    let admin = app.login("vpdp").await;
    app._store
        .write_values(
            &[ntm_store::ValueWrite {
                unit_id: ntm_core::UnitId::parse("18850@2020-01-01").unwrap(),
                year: 2025,
                indicator_id: "3.1".into(),
                value: "90".into(),
                note: None,
                illustrative: false,
            }],
            &ntm_testkit::audit(),
        )
        .await
        .unwrap();
    let end = app
        .get(&admin, "/reports/levels?year=2025&so_lieu=tat-ca")
        .await
        .body;
    assert!(
        end.contains("Địa giới hành chính ngày 31/12/2025")
            && end.contains("1 xã có số liệu năm 2025 không thuộc địa giới này"),
        "the default tree is said, and what it leaves out"
    );
    assert!(
        end.contains("href=\"/reports/levels?year=2025&#38;so_lieu=tat-ca&#38;ngay=2025-06-30\""),
        "the June tree is offered"
    );
    let june = app
        .get(
            &admin,
            "/reports/levels?year=2025&so_lieu=tat-ca&ngay=2025-06-30",
        )
        .await
        .body;
    assert!(june.contains("Địa giới hành chính ngày 30/06/2025"));
    let rows = texts(&june, "table.report tbody td");
    assert!(
        rows.iter().any(|t| t == "Huyện Kỳ Anh"),
        "districts of the June tree"
    );
    let sheet = download(
        &app,
        &admin,
        "/reports/levels?year=2025&so_lieu=tat-ca&ngay=2025-06-30&format=xlsx",
    )
    .await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(sheet)).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut wb, 0)
        .unwrap()
        .unwrap();
    let text: Vec<String> = range
        .rows()
        .take(8)
        .flatten()
        .map(|c| c.to_string())
        .collect();
    assert!(
        text.iter()
            .any(|t| t.contains("Địa giới hành chính ngày 30/06/2025")),
        "{text:?}"
    );
}

/// The API's summary is official by default, says what waits for approval, follows the
/// chosen tree, and covers only the caller's units.
#[tokio::test]
async fn the_api_summary_is_official_and_in_scope() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let official: serde_json::Value =
        serde_json::from_str(&app.get(&office, "/api/v1/summaries/2022").await.body).unwrap();
    let p = &official[0];
    assert_eq!(p["basis"], "approved");
    assert_eq!(p["levels"]["standard"], 177);
    assert_eq!(p["communes_unapproved"], 3);
    assert_eq!(p["all_communes"], 182);
    assert_eq!(p["tree_date"], "2022-12-31");
    let current: serde_json::Value = serde_json::from_str(
        &app.get(&office, "/api/v1/summaries/2022?basis=current")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(current[0]["levels"]["standard"], 178);
    let commune = app.login("xa-kylac").await;
    let mine: serde_json::Value =
        serde_json::from_str(&app.get(&commune, "/api/v1/summaries/2021").await.body).unwrap();
    assert_eq!(mine[0]["all_communes"], 1, "{mine}");
    let other: serde_json::Value = serde_json::from_str(
        &app.get(&office, "/api/v1/summaries/2022?as_of=2021-06-30")
            .await
            .body,
    )
    .unwrap();
    assert_eq!(
        other[0]["tree_date"], "2022-12-31",
        "a day of another year is not used, and said"
    );
    let r = app
        .get(&office, "/api/v1/summaries/2022?as_of=30/06/2022")
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("YYYY-MM-DD"));
}

/// The Excel round trip keeps every note and shows only real changes: Kỳ Lạc's 2022
/// template (draft, every value with its note), one cell edited, re-imported: exactly one
/// change, and every other note as it was.
#[tokio::test]
async fn a_template_edited_in_one_cell_shows_one_change_and_keeps_every_note() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let filter = ntm_store::ValueFilter {
        year: Some(2022),
        units: Some(vec![ntm_core::UnitId::parse(KY_LAC).unwrap()]),
        indicator_id: None,
    };
    let before = app._store.list_values(&filter).await.unwrap();
    assert!(before.len() > 20 && before.iter().all(|v| v.note.is_some()));
    let template = download(
        &app,
        &commune,
        &format!("/templates?year=2022&scope={KY_LAC}"),
    )
    .await;
    let rows = ntm_reports::read_values(&template).expect("the template holds the values");
    assert_eq!(rows.len(), before.len(), "every value is in the template");
    // The notes travel with the template, on a sheet of their own.
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(template.clone())).unwrap();
    let notes = calamine::Reader::worksheet_range(&mut wb, "Ghi chú, minh chứng").unwrap();
    assert!(
        notes.rows().any(|r| r
            .iter()
            .any(|c| c.to_string().contains("Số liệu minh họa (demo)"))),
        "the stored notes are carried"
    );
    // Edit one number: the first numeric indicator of at least 1, minus one.
    let edited = rows
        .iter()
        .find(|r| r.value.parse::<f64>().is_ok_and(|v| v >= 1.0))
        .unwrap()
        .indicator
        .clone();
    let values: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let v = if r.indicator == edited {
                (r.value.parse::<f64>().unwrap() - 1.0).to_string()
            } else {
                r.value.clone()
            };
            (r.indicator.clone(), v)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let filled = fill_template(&template, KY_LAC, 2022, &pairs);
    let r = upload(&app, &commune, "mau-2022.xlsx", &filled).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    assert!(
        r.body.contains("<strong>0</strong> giá trị mới")
            && r.body.contains("<strong>1</strong> giá trị thay đổi"),
        "exactly one change: {}",
        texts(&r.body, "main p").join(" | ")
    );
    let token = token_of(&r.body);
    let done = app
        .post(&commune, "/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let after = app._store.list_values(&filter).await.unwrap();
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b.note, a.note, "{}: the note stays", b.indicator_id);
        if b.indicator_id != edited {
            assert_eq!(b.value, a.value);
        }
    }
}

/// A province template of a year where some unit-years are locked is not refused whole:
/// the preview lists the locked ones, and the rest is written only when the user ticks
/// that they are left out.
#[tokio::test]
async fn locked_unit_years_are_listed_and_the_rest_confirmed_explicitly() {
    let app = TestApp::demo().await;
    let admin = app.login("vpdp").await;
    // Kỳ Lạc 2022 is a draft; Kỳ Tây's 2022 is approved (locked).
    let csv =
        format!("unit,year,indicator,value\n{KY_LAC},2022,3.1,91\n18793@2020-01-01,2022,3.1,92\n");
    let r = upload(&app, &admin, "hai-xa.csv", csv.as_bytes()).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    assert!(
        r.body
            .contains("Không ghi được (đã gửi duyệt hoặc đã khóa)")
    );
    assert!(r.body.contains("đã duyệt (khóa)"));
    let token = token_of(&r.body);
    let without = app
        .post(&admin, "/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(
        without.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        without.body
    );
    let with = app
        .post(
            &admin,
            "/import/confirm",
            &[("token", &token), ("skip_locked", "1")],
        )
        .await;
    assert_eq!(with.status, StatusCode::OK, "{}", with.body);
    assert!(
        with.body
            .contains("Đã ghi: 0 giá trị mới, 1 giá trị thay đổi"),
        "{}",
        with.body
    );
    // A file of locked unit-years only is refused, each named.
    let csv = "unit,year,indicator,value\n18793@2020-01-01,2022,3.1,92\n";
    let r = upload(&app, &admin, "khoa.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("đã duyệt (khóa) — không nhập được"));
}

/// The values export writes numbers as numbers under Vietnamese headers.
#[tokio::test]
async fn the_values_export_has_numbers_and_vietnamese_headers() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let bytes = download(&app, &commune, "/reports/export?year=2022&format=xlsx").await;
    let mut wb: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = calamine::Reader::worksheet_range_at(&mut wb, 0)
        .unwrap()
        .unwrap();
    let rows: Vec<Vec<calamine::Data>> = range.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .position(|r| matches!(r.first(), Some(calamine::Data::String(t)) if t == "Mã đơn vị"))
        .expect("a Vietnamese header row");
    assert_eq!(
        rows[header]
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>(),
        ["Mã đơn vị", "Năm", "Chỉ tiêu", "Giá trị", "Ghi chú"]
    );
    let values: Vec<&calamine::Data> = rows[header + 1..].iter().map(|r| &r[3]).collect();
    assert!(
        values
            .iter()
            .any(|v| matches!(v, calamine::Data::Float(_) | calamine::Data::Int(_))),
        "numbers are numbers"
    );
    assert!(
        values
            .iter()
            .any(|v| matches!(v, calamine::Data::String(t) if t == "đạt")),
        "đạt stays text"
    );
}

/// 2026 works end to end under the completed set: the new Kỳ Lạc's template carries one
/// column per indicator of the 2026 set, an edited cell comes back as one change, and the
/// confirmed value is what the entry form and the evaluation then read.
#[tokio::test]
async fn the_2026_template_of_a_commune_after_the_reform_goes_round_under_the_2026_set() {
    const NEW_KY_LAC: &str = "18838@2025-07-01";
    let app = TestApp::demo().await;
    let commune = app.login("xa-kylac").await;
    let template = download(
        &app,
        &commune,
        &format!("/templates?year=2026&scope={NEW_KY_LAC}"),
    )
    .await;
    let rows = ntm_reports::read_values(&template).expect("the template holds the values");
    assert_eq!(rows.len(), 27, "every indicator of the completed 2026 set");
    assert!(rows.iter().all(|r| r.year == "2026"));
    let edited = rows
        .iter()
        .find(|r| r.indicator == "10")
        .expect("income")
        .clone();
    let values: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let v = if r.indicator == "10" {
                "75".to_owned()
            } else {
                r.value.clone()
            };
            (r.indicator.clone(), v)
        })
        .collect();
    let pairs: Vec<(&str, &str)> = values
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let filled = fill_template(&template, NEW_KY_LAC, 2026, &pairs);
    let r = upload(&app, &commune, "mau-2026.xlsx", &filled).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    assert!(
        r.body.contains("<strong>1</strong> giá trị thay đổi"),
        "{}",
        texts(&r.body, "main p").join(" | ")
    );
    let token = token_of(&r.body);
    let done = app
        .post(&commune, "/import/confirm", &[("token", &token)])
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let card = app
        .get(
            &commune,
            &format!("/units/{NEW_KY_LAC}/scorecard?year=2026&so_lieu=tat-ca"),
        )
        .await;
    assert!(card.body.contains("75 triệu đồng"), "{}", edited.value);
}

#[tokio::test]
async fn the_quality_page_checks_the_scope_maps_the_post_reform_units_and_exports() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    for year in [2022, 2026] {
        let page = app
            .get(
                &office,
                &format!("/reports/quality?year={year}&so_lieu=tat-ca"),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("xã được kiểm tra"), "{}", page.body);
        assert!(page.body.contains("Theo quy tắc"));
        if year >= 2025 {
            assert!(page.body.contains("<svg"), "a map of {year}");
            assert!(
                page.body.contains("OpenStreetMap contributors"),
                "its attribution"
            );
        } else {
            assert!(
                page.body
                    .contains("Chưa có bản đồ của các đơn vị trước sắp xếp"),
                "no map of the pre-reform tree"
            );
        }
    }
    let bytes = download(&app, &office, "/reports/quality?year=2024&format=xlsx").await;
    assert!(bytes.starts_with(b"PK"), "an .xlsx");
    // A commune reads its own findings, and nobody else's.
    let commune = app.login("xa-thanhsen").await;
    let own = app.get(&commune, "/reports/quality?year=2024").await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(!own.body.contains(KY_LAC), "{}", own.body);
    let other = app
        .get(
            &commune,
            &format!("/reports/quality?year=2024&unit={KY_LAC}"),
        )
        .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
}
