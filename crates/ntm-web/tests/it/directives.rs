//! Directives on the web: recording one with its tasks and file through the form (errors
//! shown with what was typed), adding tasks, attachments, the directive's compilation and
//! the period report as page and workbook, and the urging letter.

use axum::http::StatusCode;

use crate::app::{TestApp, test_now, texts};

/// A date `days` after the test clock's day in Vietnam, as the form and the pages write it.
fn days_ahead(days: i64) -> (String, String) {
    let d = ntm_core::task::local_date(test_now()) + chrono::Duration::days(days);
    (
        d.format("%d/%m/%Y").to_string(),
        d.format("%Y-%m-%d").to_string(),
    )
}

/// The fields of a directive with one task row for `lead`.
fn directive_fields<'a>(
    number: &'a str,
    lead: &'a str,
    deadline: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "Công văn"),
        ("number", number),
        ("issued_on", "2026-11-20"),
        ("issuer", "Ban Chỉ đạo các Chương trình MTQG tỉnh"),
        ("title", "Đôn đốc hoàn thiện hồ sơ xét công nhận năm 2026"),
        ("summary", "Các xã hoàn thiện hồ sơ trước 15/12"),
        ("rows", "2"),
        ("code_0", "1"),
        ("text_0", "Bổ sung biên bản lấy ý kiến nhân dân"),
        ("lead_0", lead),
        ("coop_0", "Sở Nông nghiệp và Môi trường; so tai chinh"),
        ("deadline_0", deadline),
        ("expected_0", "Hồ sơ đầy đủ"),
        ("serves_0", "Tiêu chí 19"),
        // The second row is left blank: ignored.
        ("code_1", ""),
        ("text_1", ""),
        ("lead_1", ""),
    ]
}

#[tokio::test]
async fn the_office_records_a_directive_and_its_tasks_through_the_form() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    assert_eq!(
        app.get(&office, "/directives/new").await.status,
        StatusCode::OK
    );

    // Problems come back with what was typed.
    let mut bad = directive_fields("", "Xã Không Có", "31/13/2026");
    bad.push(("repeat_0", "monthly"));
    let r = app
        .post_multipart(&office, "/directives/new", &bad, &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let errors = texts(&r.body, ".error li");
    assert!(
        errors.iter().any(|e| e.contains("Xã Không Có")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("31/13/2026")),
        "{errors:?}"
    );
    assert!(errors.iter().any(|e| e.contains("cần ngày")), "{errors:?}");
    assert!(
        r.body.contains("Bổ sung biên bản lấy ý kiến nhân dân"),
        "typed text kept"
    );
    assert_eq!(
        app.get(&office, "/tasks")
            .await
            .body
            .matches("Đôn đốc hoàn thiện")
            .count(),
        0
    );

    let (due, _) = days_ahead(16);
    let fields = directive_fields("15/CV-BCĐ", "Phường Thành Sen", &due);
    let r = app
        .post_multipart(
            &office,
            "/directives/new",
            &fields,
            &[("file", "Công văn 15.pdf", b"%PDF-1.7 demo")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        &r.body[..r.body.len().min(2000)]
    );
    let page_path = r.location.unwrap();
    let page = app.get(&office, &page_path).await.body;
    assert!(page.contains("Công văn số 15/CV-BCĐ ngày 20/11/2026"));
    assert!(page.contains("Phường Thành Sen") && page.contains(&due));
    assert!(page.contains("Công văn 15.pdf"));
    let file = app.get(&office, &format!("{page_path}/file")).await;
    assert_eq!(file.bytes, b"%PDF-1.7 demo");
    assert_eq!(file.content_type.as_deref(), Some("application/pdf"));
    assert!(
        file.disposition
            .unwrap()
            .contains("filename*=UTF-8''C%C3%B4ng")
    );

    // The commune sees it and reports with an attachment; the directive's file too.
    let commune = app.login("xa-thanhsen").await;
    let told = app.get(&commune, "/notifications").await.body;
    assert!(
        told.contains(&format!("Được giao nhiệm vụ 1 (hạn {due})")),
        "the lead hears of its new task"
    );
    assert_eq!(
        app.get(&commune, &format!("{page_path}/file")).await.status,
        StatusCode::OK
    );
    let mine = app
        .get(&commune, "/tasks?state=due_soon&days=30")
        .await
        .body;
    assert!(
        mine.contains("Bổ sung biên bản lấy ý kiến nhân dân"),
        "due within 30 days"
    );
    let week = app.get(&commune, "/tasks?state=due_soon&days=3").await.body;
    assert!(
        !week.contains("Bổ sung biên bản lấy ý kiến nhân dân"),
        "not within 3 days"
    );

    // Adding a task later, with a monthly schedule; only the office may.
    let add = format!("{page_path}/tasks");
    assert_eq!(app.get(&commune, &add).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post_multipart(
            &office,
            &add,
            &[
                ("rows", "1"),
                ("code_0", "2"),
                ("text_0", "Báo cáo tiến độ hằng tháng"),
                ("lead_0", "Phường Thành Sen"),
                ("repeat_0", "monthly"),
                ("day_0", "25"),
                ("deadline_0", "2027-06-30"),
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
    let page = app.get(&office, &page_path).await.body;
    assert!(page.contains("Báo cáo tiến độ hằng tháng") && page.contains("định kỳ"));

    // The compilation as a workbook, and the period report.
    let xlsx = app.get(&office, &format!("{page_path}?format=xlsx")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"));
    let index = app.get(&office, "/directives").await.body;
    assert!(index.contains("Công văn số 15/CV-BCĐ ngày 20/11/2026") && index.contains("có tệp"));
    // A period around the task's deadline (16 days ahead).
    let ((from, from_iso), (to, to_iso)) = (days_ahead(0), days_ahead(30));
    let period = app
        .get(
            &office,
            &format!("/directives/report?from={from_iso}&to={to_iso}"),
        )
        .await;
    assert_eq!(period.status, StatusCode::OK);
    assert!(
        period
            .body
            .contains(&format!("TỪ NGÀY {from} ĐẾN NGÀY {to}"))
    );
    assert!(period.body.contains("15/CV-BCĐ"));
    let bad = app
        .get(&office, "/directives/report?from=2026-12-31&to=2026-10-01")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let xlsx = app
        .get(
            &office,
            "/directives/report?from=2026-10-01&to=2026-12-31&format=xlsx",
        )
        .await;
    assert!(xlsx.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn the_urging_letter_is_the_offices_and_comes_as_docx() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let page = app.get(&office, "/tasks").await.body;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("a[href^='/directives/urge']").unwrap();
    let links: Vec<String> = doc
        .select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect();
    assert!(
        !links.is_empty(),
        "laggards with overdue tasks get a letter link"
    );
    let r = app.get(&office, &links[0]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.content_type.as_deref(),
        Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    );
    assert!(r.bytes.starts_with(b"PK"));
    assert!(r.disposition.unwrap().contains(".docx"));
    let dept = app.login("so-nnmt").await;
    assert_eq!(
        app.get(&dept, &links[0]).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !app.get(&dept, "/tasks")
            .await
            .body
            .contains("/directives/urge")
    );
}

#[tokio::test]
async fn each_user_sets_the_address_of_their_digest() {
    let app = TestApp::demo().await;
    let commune = app.login("xa-thanhsen").await;
    let r = app
        .post(&commune, "/account/email", &[("email", "khong hop le")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không phải là địa chỉ thư điện tử"));
    let r = app
        .post(
            &commune,
            "/account/email",
            &[("email", "thanhsen@example.vn")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(&commune, "/account")
            .await
            .body
            .contains("thanhsen@example.vn")
    );
}

#[tokio::test]
async fn the_api_lists_directives_and_tasks_with_the_same_rights() {
    let app = TestApp::demo().await;
    let dept = app.login("so-nnmt").await;
    let page = app
        .post(&dept, "/account/tokens", &[("name", "báo cáo")])
        .await
        .body;
    let token = texts(&page, "code.token")
        .into_iter()
        .next()
        .expect("token");
    let r = app.api("GET", "/api/v1/tasks", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let tasks: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let codes: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["2.1", "2.3", "2", "4"], "its own tasks only");
    let monthly = &tasks[2];
    assert_eq!(monthly["recurrence"], "monthly:25");
    assert_eq!(monthly["state"], "overdue");
    let overdue = app
        .api("GET", "/api/v1/tasks?state=overdue", Some(&token), None)
        .await;
    let overdue: serde_json::Value = serde_json::from_str(&overdue.body).unwrap();
    assert!(
        overdue
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["state"] == "overdue")
    );
    let bad = app
        .api("GET", "/api/v1/tasks?state=late", Some(&token), None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("\"code\":\"bad_request\""));
    let directives = app
        .api("GET", "/api/v1/directives", Some(&token), None)
        .await;
    let directives: serde_json::Value = serde_json::from_str(&directives.body).unwrap();
    assert_eq!(directives.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_office_extends_a_deadline_with_a_reason_and_the_lead_hears_of_it() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let list = app.get(&office, "/tasks").await.body;
    let doc = scraper::Html::parse_document(&list);
    let sel = scraper::Selector::parse("table.data td a[href^='/tasks/']").unwrap();
    // Task 5 of the 2026 plan, led by Phường Thành Sen, due 30/11/2026 (the only "5").
    let href = doc
        .select(&sel)
        .find(|a| a.text().collect::<String>() == "5")
        .and_then(|a| a.value().attr("href"))
        .expect("task 5 listed")
        .to_owned();
    let form = app.get(&office, &format!("{href}/edit")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Phường Thành Sen (18073@2025-07-01)"));
    assert!(form.body.contains("2026-11-30"));
    let fields = |reason: &'static str| {
        vec![
            ("rows", "1"),
            ("code_0", "5"),
            (
                "text_0",
                "Hoàn thiện hồ sơ đề nghị xét công nhận đạt chuẩn đô thị văn minh, NTM nâng cao",
            ),
            ("lead_0", "Phường Thành Sen (18073@2025-07-01)"),
            ("deadline_0", "2026-12-20"),
            ("expected_0", "Hồ sơ trình Hội đồng thẩm định tỉnh"),
            ("reason", reason),
        ]
    };
    let r = app
        .post_multipart(&office, &format!("{href}/edit"), &fields(""), &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("cần ghi lý do"));
    let r = app
        .post_multipart(
            &office,
            &format!("{href}/edit"),
            &fields("Gia hạn theo Thông báo số 27/TB-BCĐ"),
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        &r.body[..r.body.len().min(1500)]
    );
    assert!(app.get(&office, &href).await.body.contains("20/12/2026"));
    let audit = app.get(&office, "/audit?action=task.update").await.body;
    assert!(
        audit.contains("Gia hạn theo Thông báo số 27/TB-BCĐ"),
        "the why is audited"
    );
    let commune = app.login("xa-thanhsen").await;
    assert_eq!(
        app.get(&commune, &format!("{href}/edit")).await.status,
        StatusCode::FORBIDDEN
    );
    let told = app.get(&commune, "/notifications").await.body;
    assert!(
        told.contains("Nhiệm vụ 5 được điều chỉnh (hạn 20/12/2026)"),
        "the lead is told"
    );
}

#[tokio::test]
async fn pages_travel_gzipped_and_office_files_as_they_are() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let gz = [("accept-encoding", "gzip")];
    let page = app.get_with(&office, "/tasks", &gz).await;
    assert_eq!(page.encoding.as_deref(), Some("gzip"));
    let plain = app.get(&office, "/tasks").await;
    assert_eq!(plain.encoding, None, "only when the browser asks");
    assert!(
        page.bytes.len() * 5 < plain.bytes.len(),
        "{} gzipped vs {} bytes",
        page.bytes.len(),
        plain.bytes.len()
    );
    let xlsx = app.get_with(&office, "/tasks?format=xlsx", &gz).await;
    assert_eq!(xlsx.encoding, None, "a workbook is a zip already");
    assert!(xlsx.bytes.starts_with(b"PK"));
}

#[tokio::test]
async fn a_commune_lists_only_the_directives_that_give_it_tasks() {
    let app = TestApp::demo().await;
    let kylac = app.login("xa-kylac").await;
    let index = app.get(&kylac, "/directives").await.body;
    let links = texts(&index, "table.data td a");
    // The 2022 notice (old Kỳ Lạc's task) and the 2026 plan (the new Xã Kỳ Lạc's, which
    // the grant follows since the merger); nothing else.
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links.iter().any(|l| l.contains("ngày 23/02/2022")));
    assert!(links.iter().any(|l| l.contains("ngày 10/03/2026")));
    assert!(!index.contains("Ghi văn bản chỉ đạo"), "not the office");
    let office = app.login("vpdp").await;
    let all = texts(
        &app.get(&office, "/directives").await.body,
        "table.data td a",
    );
    assert_eq!(all.len(), 2);
}

/// A task list as an office sends it: a workbook with a title, then the table.
fn task_sheet() -> Vec<u8> {
    use ntm_reports::{Cell, CellValue, Column, Table, Tone};
    let t = |s: &str| Cell {
        value: CellValue::Text(s.into()),
        tone: Tone::Plain,
    };
    ntm_reports::workbook(&[Table {
        sheet: "Phụ lục".into(),
        title: "PHÂN CÔNG NHIỆM VỤ".into(),
        subtitle: vec![],
        columns: ["STT", "Nội dung", "Chủ trì", "Thời hạn", "Lặp lại"]
            .iter()
            .map(|h| Column::new(*h, 20.0))
            .collect(),
        header_rows: vec![],
        rows: vec![
            vec![
                t("1"),
                t("Rà soát hồ sơ đất đai"),
                t("Phường Thành Sen"),
                t("15/01/2027"),
                t(""),
            ],
            vec![
                t("2"),
                t("Báo cáo tiến độ hằng quý"),
                t("Sở Tài chính"),
                t(""),
                t("hằng quý, ngày 15"),
            ],
        ],
        totals: vec![],
        notes: vec![],
        landscape: false,
        freeze_columns: 0,
    }])
    .unwrap()
}

#[tokio::test]
async fn a_task_list_is_read_from_excel_into_the_form_and_written_only_on_save() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let template = app.get(&office, "/directives/template.xlsx").await;
    assert!(template.bytes.starts_with(b"PK"));
    let sheet = task_sheet();
    let fields = [
        ("kind", "Thông báo"),
        ("number", "30/TB-BCĐ"),
        ("issued_on", "2026-11-25"),
        ("issuer", "Ban Chỉ đạo tỉnh"),
        ("title", "Kết luận giao ban tháng 11"),
        ("rows", "1"),
        ("action", "load"),
    ];
    let r = app
        .post_multipart(
            &office,
            "/directives/new",
            &fields,
            &[("tasks_file", "phan-cong.xlsx", &sheet)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        &r.body[..r.body.len().min(1500)]
    );
    assert!(r.body.contains("Đã đọc 2 nhiệm vụ từ tệp"));
    assert!(
        r.body.contains("value=\"Rà soát hồ sơ đất đai\"")
            || r.body.contains("Rà soát hồ sơ đất đai</textarea>")
    );
    assert!(
        r.body.contains("value=\"2027-01-15\""),
        "dates for the date picker"
    );
    assert!(
        r.body.contains("value=\"quarterly\" selected"),
        "the schedule understood"
    );
    assert!(
        r.body.contains("value=\"30/TB-BCĐ\""),
        "the directive's fields kept"
    );
    let directives = app.get(&office, "/directives").await.body;
    assert!(
        !directives.contains("30/TB-BCĐ"),
        "nothing written by reading"
    );
    // A file that is not a task list says why.
    let r = app
        .post_multipart(
            &office,
            "/directives/new",
            &fields,
            &[("tasks_file", "sai.xlsx", b"not a workbook")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("không phải là bảng tính"));
}

#[tokio::test]
async fn the_overview_says_what_the_viewers_tasks_need() {
    let app = TestApp::demo().await;
    let office = app.login("vpdp").await;
    let overview = app.get(&office, "/?year=2021").await.body;
    let line = texts(&overview, "p.followup");
    assert_eq!(line.len(), 1);
    assert!(
        line[0].contains("quá hạn chưa hoàn thành") && line[0].contains("sắp đến hạn (14 ngày)"),
        "{line:?}"
    );
    // A commune's home lists its tasks themselves.
    let commune = app.login("xa-thanhsen").await;
    let mine = texts(
        &app.get(&commune, "/?year=2026").await.body,
        "ul.tasklist li",
    );
    assert!(
        mine.iter()
            .any(|t| t.starts_with("5 ") && t.contains("còn 1 ngày")),
        "its task 5 is due 30/11/2026: {mine:?}"
    );
}
