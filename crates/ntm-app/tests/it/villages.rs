//! Villages and model gardens on the demo: the register across the reform's merger, the
//! model-area share judged from titles, imports previewed whole and refused with places,
//! titles recorded only by who signs, and the assessments of gardens and villages.

use chrono::NaiveDate;
use ntm_app::AppError;
use ntm_app::accounts::actor_by_username;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_app::villages::{Decision, assess, of_commune, preview, record_titles, save_values};
use ntm_core::CriterionStatus;
use ntm_core::UnitId;
use ntm_core::target::Status;
use ntm_core::village::{Body, Subject};
use ntm_reports::villages::{GardenSheetRow, VillageSheetRow, VillageSheets};

use crate::audit;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn id(text: &str) -> UnitId {
    UnitId::parse(text).unwrap()
}

#[tokio::test]
async fn the_register_follows_the_merger_and_the_share_is_judged_from_titles() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let book = s.village_book().await.unwrap();
    // The new Xã Kỳ Lạc holds the villages of Kỳ Lạc and Lâm Hợp.
    let (now, past) = of_commune(
        &ws.registry,
        &book,
        &id("18838@2025-07-01"),
        day(2026, 12, 1),
    );
    assert_eq!(now.len(), 7);
    assert!(now.iter().all(|l| l.from_predecessor));
    assert_eq!(past.len(), 1, "Bắc Tiến, merged into Trung Tiến in 2021");
    assert_eq!(past[0].village.name, "Bắc Tiến");
    // Before the reform, the old Kỳ Lạc alone: four villages, two model areas of 2022.
    let (old, _) = of_commune(
        &ws.registry,
        &book,
        &id("18850@2020-01-01"),
        day(2022, 12, 31),
    );
    assert_eq!(old.len(), 4);
    assert_eq!(old.iter().filter(|l| l.title.is_some()).count(), 2);

    let plans = s.list_plans().await.unwrap();
    let plan = plans
        .iter()
        .find(|p| p.title == ntm_app::demo::PLAN_2026)
        .unwrap();
    let p = ntm_app::targets::progress(s, &ws, plan, day(2026, 12, 1))
        .await
        .unwrap();
    let line = p
        .lines
        .iter()
        .find(|l| l.kind == "count:model_areas")
        .unwrap();
    assert_eq!(
        line.status,
        Status::NoData,
        "one commune of the province has a register"
    );
    assert_eq!(line.shares.len(), 1);
    let share = &line.shares[0];
    assert_eq!(
        share.actual,
        Some(1.into()),
        "Tân Hòa, recognised by the new commune in 2026"
    );
    assert_eq!(share.status, Status::Achieved);
    // As it stood before the commune's decision of 20/11/2026.
    let before = ntm_app::targets::progress(s, &ws, plan, day(2026, 11, 1))
        .await
        .unwrap();
    let line = before
        .lines
        .iter()
        .find(|l| l.kind == "count:model_areas")
        .unwrap();
    assert_eq!(line.shares[0].actual, Some(0.into()));
}

fn village(commune: &str, code: &str, name: &str, from: &str) -> VillageSheetRow {
    VillageSheetRow {
        sheet: "Thôn".into(),
        row: 7,
        commune: commune.into(),
        code: code.into(),
        name: name.into(),
        kind: "Thôn".into(),
        from: from.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_import_is_checked_whole_with_places_and_rights() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, Some(0), Basis::Approved).await.unwrap();
    let officer = actor_by_username(s, "xa-kylac").await.unwrap();
    let today = day(2026, 12, 1);
    let bad = VillageSheets {
        villages: vec![
            village("18850", "06", "Tân Lập", "31/02/2021"),
            village("99999", "01", "Không có", ""),
            VillageSheetRow {
                kind: "phường".into(),
                ..village("18850", "07", "Sai loại", "")
            },
            village("18073", "01", "Tổ 1", "2025-07-01"),
        ],
        gardens: vec![GardenSheetRow {
            sheet: "Vườn".into(),
            row: 9,
            commune: "18850".into(),
            village: "99".into(),
            household: "Hộ A".into(),
            area: "-5".into(),
            ..Default::default()
        }],
    };
    let Err(AppError::Invalid(problems)) =
        preview(s, &ws.registry, Some(&officer), &bad, today).await
    else {
        panic!("a bad file is refused");
    };
    let has = |w: &str| problems.iter().any(|p| p.contains(w));
    assert!(has("“31/02/2021” không phải ngày"), "{problems:?}");
    assert!(has("không có xã mã “99999”"), "{problems:?}");
    assert!(has("“phường” không phải Thôn"), "{problems:?}");
    assert!(
        has("bạn không được ghi sổ thôn của xã 18073"),
        "{problems:?}"
    );
    assert!(has("trang “Vườn”, dòng 9, cột “Diện tích”"), "{problems:?}");

    // A clean file: a new village, a garden in it, and an existing village unchanged.
    let good = VillageSheets {
        villages: vec![
            village("18850", "06", "Tân Lập", "01/01/2024"),
            VillageSheetRow {
                note: "minh họa".into(),
                ..village("18850", "01", "Tân Tiến", "2020-01-01")
            },
        ],
        gardens: vec![GardenSheetRow {
            sheet: "Vườn".into(),
            row: 8,
            commune: "18850".into(),
            village: "06".into(),
            household: "Hộ Nguyễn Văn B".into(),
            area: "1250,5".into(),
            from: "2024-03-01".into(),
            ..Default::default()
        }],
    };
    let (batch, plan) = preview(s, &ws.registry, Some(&officer), &good, today)
        .await
        .unwrap();
    assert_eq!(
        plan.villages.len(),
        1,
        "the new one; Tân Tiến as stored (its demo mark stays)"
    );
    assert_eq!(plan.gardens.len(), 1);
    let written = ntm_app::villages::confirm(s, &batch, &audit())
        .await
        .unwrap();
    assert_eq!(written, (2, 0, 1));
    let (_, again) = preview(s, &ws.registry, Some(&officer), &good, today)
        .await
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(again.unchanged, 3);

    // A garden registered after the reform in a village registered before it: the old
    // commune's code no longer names a commune on the garden's date, and the village is
    // still found by its codes.
    let later = VillageSheets {
        villages: vec![],
        gardens: vec![GardenSheetRow {
            sheet: "Vườn".into(),
            row: 8,
            commune: "18850".into(),
            village: "01".into(),
            household: "Hộ Đặng Văn C".into(),
            from: "01/03/2026".into(),
            ..Default::default()
        }],
    };
    let (batch, plan) = preview(s, &ws.registry, Some(&officer), &later, today)
        .await
        .unwrap();
    assert_eq!(plan.gardens.len(), 1);
    ntm_app::villages::confirm(s, &batch, &audit())
        .await
        .unwrap();
    let book = s.village_book().await.unwrap();
    let g = book
        .gardens
        .iter()
        .find(|g| g.household == "Hộ Đặng Văn C")
        .unwrap();
    assert_eq!(book.village(g.village).unwrap().name, "Tân Tiến");
}

#[tokio::test]
async fn titles_are_recorded_only_by_who_signs() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, Some(0), Basis::Approved).await.unwrap();
    let book = s.village_book().await.unwrap();
    let v =
        |name: &str| Subject::Village(book.villages.iter().find(|v| v.name == name).unwrap().id);
    let decision = |year, on, body| Decision {
        year,
        number: "99/QĐ-UBND".into(),
        signed_on: on,
        body,
        note: String::new(),
    };
    let officer = actor_by_username(s, "xa-kylac").await.unwrap();
    let district = actor_by_username(s, "huyen-kyanh").await.unwrap();
    let viewer = actor_by_username(s, "bcd").await.unwrap();
    let other = actor_by_username(s, "xa-thanhsen").await.unwrap();
    let quyet = v("Quyết Tiến");
    let refused = |r: Result<Vec<i64>, AppError>, want: &str| match r {
        Err(AppError::Invalid(p)) => assert!(p.iter().any(|x| x.contains(want)), "{p:?}"),
        other => panic!("refused expected, got {other:?}"),
    };
    // The commune's officer cannot enter the district's decision; the district's can.
    refused(
        record_titles(
            s,
            &ws.registry,
            &officer,
            &[quyet],
            &decision(2024, day(2024, 12, 10), Body::District),
            (day(2026, 12, 1), &audit()),
        )
        .await,
        "không được ghi quyết định của UBND huyện",
    );
    for actor in [&viewer, &other] {
        refused(
            record_titles(
                s,
                &ws.registry,
                actor,
                &[quyet],
                &decision(2024, day(2024, 12, 10), Body::Commune),
                (day(2026, 12, 1), &audit()),
            )
            .await,
            "không được ghi quyết định",
        );
    }
    record_titles(
        s,
        &ws.registry,
        &district,
        &[quyet],
        &decision(2024, day(2024, 12, 10), Body::District),
        (day(2026, 12, 1), &audit()),
    )
    .await
    .unwrap();
    // Twice for one year, and a district's decision after the reform: refused.
    refused(
        record_titles(
            s,
            &ws.registry,
            &district,
            &[quyet],
            &decision(2024, day(2024, 12, 11), Body::District),
            (day(2026, 12, 1), &audit()),
        )
        .await,
        "đã có quyết định công nhận năm 2024",
    );
    let hop = v("Hợp Thắng");
    refused(
        record_titles(
            s,
            &ws.registry,
            &district,
            &[hop],
            &decision(2025, day(2025, 8, 1), Body::District),
            (day(2026, 12, 1), &audit()),
        )
        .await,
        "không phải cấp công nhận",
    );
    // A decision dated after today is not a decision yet.
    refused(
        record_titles(
            s,
            &ws.registry,
            &officer,
            &[hop],
            &decision(2026, day(2026, 12, 5), Body::Commune),
            (day(2026, 12, 1), &audit()),
        )
        .await,
        "sau hôm nay",
    );
    // After the reform the new commune's officer signs for the villages it took over.
    record_titles(
        s,
        &ws.registry,
        &officer,
        &[hop, v("Lâm Khê")],
        &decision(2026, day(2026, 11, 25), Body::Commune),
        (day(2026, 12, 1), &audit()),
    )
    .await
    .unwrap();
    let book = s.village_book().await.unwrap();
    assert_eq!(
        book.titles
            .iter()
            .filter(|t| t.number == "99/QĐ-UBND")
            .count(),
        3
    );
}

#[tokio::test]
async fn gardens_are_assessed_against_the_shipped_set_and_villages_show_it_unconfigured() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, Some(0), Basis::Approved).await.unwrap();
    let book = s.village_book().await.unwrap();
    let lan = Subject::Garden(
        book.gardens
            .iter()
            .find(|g| g.household == "Trần Thị Lan")
            .unwrap()
            .id,
    );
    let values = s.village_values(lan).await.unwrap();
    let r = assess(&ws.catalogue, lan, 2024, &values).unwrap();
    assert_eq!(r.set.id().0, "vuon-mau-ha-tinh");
    // Every criterion met but the fourth: its 4.2 has no threshold in the sources.
    let status = |id: &str| {
        r.criteria
            .iter()
            .find(|c| c.criterion.id == id)
            .unwrap()
            .status
    };
    for c in ["1", "2", "3", "5"] {
        assert_eq!(status(c), CriterionStatus::Met, "{c}");
    }
    assert_eq!(status("4"), CriterionStatus::Unknown);
    assert_eq!(r.status, CriterionStatus::Unknown);
    assert!(
        assess(&ws.catalogue, lan, 2027, &values).is_none(),
        "no set after 2025"
    );

    let village = Subject::Village(book.villages[0].id);
    let r = assess(&ws.catalogue, village, 2024, &[]).unwrap();
    assert_eq!(r.criteria.len(), 10);
    assert!(
        r.criteria
            .iter()
            .all(|c| c.indicators.is_empty() && c.status == CriterionStatus::Unknown)
    );

    let officer = actor_by_username(s, "xa-kylac").await.unwrap();
    let viewer = actor_by_username(s, "bcd").await.unwrap();
    let entries = vec![
        ("3.2".to_owned(), "70".to_owned()),
        ("1.1".to_owned(), "không đạt".to_owned()),
    ];
    save_values(
        s,
        &ws.registry,
        &ws.catalogue,
        &officer,
        lan,
        2024,
        &entries,
        (day(2026, 12, 1), &audit()),
    )
    .await
    .unwrap();
    let values = s.village_values(lan).await.unwrap();
    let r = assess(&ws.catalogue, lan, 2024, &values).unwrap();
    assert_eq!(r.status, CriterionStatus::Unmet);
    let bad = vec![
        ("3.2".to_owned(), "nhiều".to_owned()),
        ("9.9".to_owned(), "1".to_owned()),
    ];
    let Err(AppError::Invalid(p)) = save_values(
        s,
        &ws.registry,
        &ws.catalogue,
        &officer,
        lan,
        2024,
        &bad,
        (day(2026, 12, 1), &audit()),
    )
    .await
    else {
        panic!("refused");
    };
    assert!(p.iter().any(|x| x.starts_with("chỉ tiêu 3.2")), "{p:?}");
    assert!(p.iter().any(|x| x.contains("9.9 không thuộc")), "{p:?}");
    assert!(matches!(
        save_values(
            s,
            &ws.registry,
            &ws.catalogue,
            &viewer,
            lan,
            2024,
            &entries,
            (day(2026, 12, 1), &audit())
        )
        .await,
        Err(AppError::Forbidden(_))
    ));
}
