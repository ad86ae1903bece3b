//! Directives beyond the seed: the period report, adding tasks, the urging letter, leads
//! typed by name, attachments — on the demo database.

use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use ntm_app::AppError;
use ntm_app::tasks::{ReportInput, TaskInput, Window};
use ntm_core::task::TaskState;
use ntm_store::{Assignee, Store, StoredFile, TaskDetails};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn now() -> DateTime<Utc> {
    ntm_testkit::test_now()
}

async fn demo(dir: &std::path::Path) -> Arc<dyn Store> {
    ntm_testkit::demo_store(dir).await
}

async fn actor(s: &dyn Store, name: &str) -> ntm_app::accounts::Actor {
    ntm_app::accounts::actor_by_username(s, name).await.unwrap()
}

#[tokio::test]
async fn the_period_report_holds_what_fell_due_and_what_is_in_arrears() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let office = actor(s.as_ref(), "vpdp").await;
    let q4 = Window {
        from: day("2026-10-01"),
        to: day("2026-12-31"),
    };
    let c = ntm_app::tasks::compile_in(s.as_ref(), &registry, &office, None, Some(q4), now())
        .await
        .unwrap();
    assert_eq!(c.as_of, now(), "a period not over yet is judged now");
    let codes: Vec<&str> = c.tasks.iter().map(|v| v.task.code.as_str()).collect();
    // Due in the period: the 2026 plan's 3, 4, 5 and the 2022 notice's 2.6b.
    for code in ["3", "4", "5", "2.6b", "2.3"] {
        assert!(codes.contains(&code), "{code} in {codes:?}");
    }
    // Done long before: 2.1 and 2.6 (2022) are not in the Q4 2026 report.
    assert!(
        !codes.contains(&"2.1") && !codes.contains(&"2.6"),
        "{codes:?}"
    );
    // In arrears since 2022: 2.4 (Hương Khê, 70%) is carried into the report.
    assert!(codes.contains(&"2.4"));
    // The quarterly report counts its periods due in the window.
    let items: usize = c
        .tasks
        .iter()
        .filter(|v| v.task.code == "2.3")
        .flat_map(|v| v.items())
        .filter(|i| q4.holds(i))
        .count();
    assert_eq!(
        items, 1,
        "15/10/2026, owed; 15/1/2027 falls after the period"
    );

    // A period in the past is judged at its end: on 30/6/2022, the communes that
    // delivered in July were still overdue.
    let q2 = Window {
        from: day("2022-04-01"),
        to: day("2022-06-30"),
    };
    let c = ntm_app::tasks::compile_in(s.as_ref(), &registry, &office, None, Some(q2), now())
        .await
        .unwrap();
    assert_eq!(c.as_of, at("2022-06-30T16:59:59.999999999Z"));
    let communes: Vec<_> = c
        .tasks
        .iter()
        .filter(|v| v.task.code.starts_with("2.2."))
        .collect();
    assert_eq!(communes.len(), 182);
    let late_later = communes
        .iter()
        .filter(|v| v.state == TaskState::Overdue)
        .count();
    let today = ntm_app::tasks::compile(s.as_ref(), &registry, &office, None, now())
        .await
        .unwrap();
    let never = today
        .tasks
        .iter()
        .filter(|v| v.task.code.starts_with("2.2.") && v.state == TaskState::Overdue)
        .count();
    assert!(
        late_later > never,
        "{late_later} overdue on 30/6/2022, {never} today"
    );
    assert!(
        !c.tasks
            .iter()
            .any(|v| v.task.directive_id != c.tasks[0].task.directive_id && v.task.code == "3"),
        "the 2026 plan is not in a 2022 report"
    );
}

fn input(code: &str, lead: Assignee, expand: bool) -> TaskInput {
    TaskInput {
        code: code.into(),
        details: TaskDetails {
            text: "Rà soát tiêu chí môi trường".into(),
            lead,
            cooperating: vec![],
            deadline: Some(day("2027-03-31")),
            recurrence: None,
            expected_output: "Báo cáo".into(),
            serves: "Tiêu chí 17".into(),
        },
        expand_to_communes: expand,
    }
}

#[tokio::test]
async fn the_office_adds_tasks_that_expand_to_todays_communes() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let office = actor(s.as_ref(), "vpdp").await;
    let dept = actor(s.as_ref(), "so-nnmt").await;
    let directive = s.list_directives().await.unwrap().last().unwrap().id; // the 2022 notice
    let province = registry.roots_on(day("2026-11-29"))[0].id().clone();
    let audit = office.audit(now(), "bổ sung");
    let err = ntm_app::tasks::add_tasks(
        s.as_ref(),
        &registry,
        &dept,
        directive,
        vec![input("3.1", Assignee::Unit(province.clone()), true)],
        &audit,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)), "{err:?}");
    let org = s.list_organisations().await.unwrap()[0].id;
    let err = ntm_app::tasks::add_tasks(
        s.as_ref(),
        &registry,
        &office,
        directive,
        vec![
            input("", Assignee::Unit(province.clone()), false),
            input("3.2", Assignee::Organisation(org), true),
            input("3.2", Assignee::Organisation(org), false),
        ],
        &audit,
    )
    .await
    .unwrap_err();
    let AppError::Invalid(problems) = err else {
        panic!("{err:?}")
    };
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("cần số thứ tự"));
    assert!(problems[1].contains("tất cả các xã"));
    assert!(problems[2].contains("trùng"));

    let ids = ntm_app::tasks::add_tasks(
        s.as_ref(),
        &registry,
        &office,
        directive,
        vec![input("3.1", Assignee::Unit(province.clone()), true)],
        &audit,
    )
    .await
    .unwrap();
    let children: Vec<_> = s
        .list_tasks(&ntm_store::TaskFilter {
            directive_id: Some(directive),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|t| t.parent_id == Some(ids[0]))
        .collect();
    let xa_2026 = registry
        .subtree_on(&province, day("2026-11-29"))
        .into_iter()
        .filter(|v| v.unit_type() == ntm_core::UnitType::Commune)
        .count();
    assert_eq!(children.len(), xa_2026);
    assert!(children.iter().all(|t| {
        t.details
            .lead
            .unit()
            .unwrap()
            .as_str()
            .ends_with("@2025-07-01")
    }));
    assert_eq!(children[0].code, "3.1.1");
}

fn document_text(docx: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[tokio::test]
async fn the_urging_letter_lists_a_leads_overdue_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let office = actor(s.as_ref(), "vpdp").await;
    let orgs = s.list_organisations().await.unwrap();
    let id = |name: &str| orgs.iter().find(|o| o.name == name).unwrap().id;
    let draft = ntm_app::tasks::urging_letter(
        s.as_ref(),
        &registry,
        &office,
        &Assignee::Organisation(id("Sở Nông nghiệp và Môi trường")),
        now(),
    )
    .await
    .unwrap();
    let (name, bytes) = (draft.file_name.clone(), draft.docx().unwrap());
    assert_eq!(name, "don-doc-so-nong-nghiep-va-moi-truong-20261129.docx");
    let xml = document_text(&bytes);
    for text in [
        "UBND TỈNH HÀ TĨNH",
        "Kính gửi:",
        "Sở Nông nghiệp và Môi trường",
        "Báo cáo tiến độ thực hiện Chương trình hằng tháng",
        "25/11/2026",
        "Hà Tĩnh, ngày 29 tháng 11 năm 2026",
        "06/12/2026",
    ] {
        assert!(xml.contains(text), "{text} missing");
    }
    // Only its overdue tasks: task 4 (due 15/12/2026) is open, not urged.
    assert!(!xml.contains("phân hạng sản phẩm OCOP"));

    // A commune (through its People's Committee) with an overdue task of 2022.
    let overdue_commune = ntm_app::tasks::compile(s.as_ref(), &registry, &office, Some(1), now())
        .await
        .unwrap()
        .tasks
        .into_iter()
        .find(|v| v.task.code.starts_with("2.2.") && v.state == TaskState::Overdue)
        .unwrap();
    let bytes = ntm_app::tasks::urging_letter(
        s.as_ref(),
        &registry,
        &office,
        &overdue_commune.task.details.lead,
        now(),
    )
    .await
    .unwrap()
    .docx()
    .unwrap();
    let lowered = overdue_commune.lead_name.replacen("Xã", "xã", 1);
    assert!(document_text(&bytes).contains(&format!("UBND {lowered}")));

    let err = ntm_app::tasks::urging_letter(
        s.as_ref(),
        &registry,
        &office,
        &Assignee::Organisation(id("Sở Tài chính")),
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, AppError::Invalid(_)),
        "nothing overdue: {err:?}"
    );
    let dept = actor(s.as_ref(), "so-nnmt").await;
    let err = ntm_app::tasks::urging_letter(
        s.as_ref(),
        &registry,
        &dept,
        &Assignee::Organisation(id("Sở Nông nghiệp và Môi trường")),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Forbidden(_)));
}

#[tokio::test]
async fn leads_are_found_as_the_office_types_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let orgs = s.list_organisations().await.unwrap();
    let resolve =
        |text: &str, on: &str| ntm_app::tasks::resolve_assignee(&registry, &orgs, text, day(on));
    let tc = orgs.iter().find(|o| o.name == "Sở Tài chính").unwrap().id;
    assert_eq!(
        resolve("so tai chinh", "2026-11-29"),
        Ok(Assignee::Organisation(tc))
    );
    let kylac = Assignee::Unit(ntm_core::UnitId::parse("18850@2020-01-01").unwrap());
    assert_eq!(
        resolve("Xã Kỳ Lạc (18850@2020-01-01)", "2026-11-29"),
        Ok(kylac.clone())
    );
    assert_eq!(resolve("xa ky lac", "2022-02-23"), Ok(kylac.clone()));
    assert_eq!(resolve("18850", "2022-02-23"), Ok(kylac));
    // By name, the unit of the date: the Kỳ Lạc of 2026 is the merged commune.
    let merged = resolve("Xã Kỳ Lạc", "2026-11-29").unwrap();
    assert_eq!(merged.unit().unwrap().as_str(), "18838@2025-07-01");
    let err = resolve("Huyện Hương Khê", "2026-11-29").unwrap_err();
    assert!(
        err.contains("không tìm thấy") && err.contains("29/11/2026"),
        "{err}"
    );
    let thanh_sen = resolve("Phường Thành Sen", "2026-11-29").unwrap();
    assert_eq!(thanh_sen.unit().unwrap().as_str(), "18073@2025-07-01");
}

#[tokio::test]
async fn progress_reports_carry_attachments_within_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = demo(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let commune = actor(s.as_ref(), "xa-thanhsen").await;
    let task = ntm_app::tasks::visible_tasks(s.as_ref(), &registry, &commune, None, now())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.task.code == "5")
        .unwrap();
    assert_eq!(task.days_left, Some(1));
    let file = |n: usize| StoredFile {
        name: "biên bản kiểm tra.pdf".into(),
        bytes: vec![7; n],
    };
    let err = ntm_app::tasks::report(
        s.as_ref(),
        &registry,
        &commune,
        task.task.id,
        &ReportInput {
            text: "Hồ sơ đầy đủ".into(),
            percent: 100,
            marks_done: true,
            attachment: Some(file(ntm_app::tasks::MAX_FILE_BYTES + 1)),
        },
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Fields(_)), "{err:?}");
    let id = ntm_app::tasks::report(
        s.as_ref(),
        &registry,
        &commune,
        task.task.id,
        &ReportInput {
            text: "Hồ sơ đầy đủ".into(),
            percent: 100,
            marks_done: true,
            attachment: Some(file(1000)),
        },
        now(),
    )
    .await
    .unwrap();
    assert_eq!(s.report_attachment(id).await.unwrap(), Some(file(1000)));
    let after = ntm_app::tasks::visible_tasks(s.as_ref(), &registry, &commune, None, now())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.task.code == "5")
        .unwrap();
    assert_eq!(after.state, TaskState::DoneOnTime);
    assert!(after.awaiting_confirmation);
    // The office hears of it; confirming tells the ward.
    let office = actor(s.as_ref(), "vpdp").await;
    let unread = |user: i64| {
        let s = s.clone();
        async move {
            s.list_notifications(user, true)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.text)
                .collect::<Vec<_>>()
        }
    };
    assert!(
        unread(office.user_id)
            .await
            .iter()
            .any(|n| n.contains("báo hoàn thành nhiệm vụ 5: chờ xác nhận")),
        "{:?}",
        unread(office.user_id).await
    );
    ntm_app::tasks::confirm(s.as_ref(), &registry, &office, task.task.id, now())
        .await
        .unwrap();
    let heard = unread(commune.user_id).await;
    assert!(
        heard
            .iter()
            .any(|n| n.contains("đã xác nhận hoàn thành nhiệm vụ 5")),
        "{heard:?}"
    );
    assert_eq!(
        after.latest.unwrap().attachment_name.as_deref(),
        Some("biên bản kiểm tra.pdf")
    );
}
