//! Sponsorship and mobilised funds on the demo: the Hương Khê view with its sponsors and
//! gaps, contributions that count only once the office confirms them, who sees whose
//! money, funds placed on the post-reform tree without double counting (a split commune
//! shared by the rule), and a funds workbook imported with its errors placed.

use chrono::{DateTime, NaiveDate, Utc};
use ntm_app::AppError;
use ntm_app::accounts::actor_by_username;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_app::resources::{self as app, Names, SponsorFilter, Tree, TypedLine};
use ntm_core::resources::{Contribution, ContributionState, Source};
use ntm_core::{Decimal, UnitId};
use ntm_store::Store;

fn now() -> DateTime<Utc> {
    ntm_testkit::TEST_NOW.parse().unwrap()
}

fn today() -> NaiveDate {
    ntm_core::task::local_date(now())
}

fn million(n: i64) -> Decimal {
    Decimal::from(n) * Decimal::from(1_000_000)
}

async fn sponsor_lines(s: &dyn Store, user: &str) -> Vec<app::SponsorLine> {
    let ws = Workspace::load(s, Some(2022), Basis::Approved)
        .await
        .unwrap();
    let actor = actor_by_username(s, user).await.unwrap();
    let st = app::standing(s, &ws.registry, &actor, today())
        .await
        .unwrap();
    let book = s.resource_book().await.unwrap();
    let names = Names::load(s).await.unwrap();
    app::sponsor_lines(
        &book,
        &names,
        &ws.registry,
        &actor,
        &st,
        &SponsorFilter::default(),
        today(),
    )
}

#[tokio::test]
async fn the_four_hương_khê_communes_below_standard_show_their_sponsors_and_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    // The follow-up reads the values as entered: two of the four wait for the province.
    let ws = Workspace::load(s, None, Basis::Current).await.unwrap();
    let actor = actor_by_username(s, "vpdp").await.unwrap();
    let st = app::standing(s, &ws.registry, &actor, today())
        .await
        .unwrap();
    assert!(st.manage);
    let book = s.resource_book().await.unwrap();
    let names = Names::load(s).await.unwrap();
    let district = ws
        .registry
        .as_of(NaiveDate::from_ymd_opt(2022, 6, 30).unwrap())
        .into_iter()
        .find(|v| v.name() == "Huyện Hương Khê")
        .unwrap()
        .id()
        .clone();
    let rows = app::lagging(
        &ws,
        &book,
        &names,
        &actor,
        &st,
        2022,
        Some(&district),
        today(),
    )
    .unwrap();
    let mut got: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    got.sort();
    assert_eq!(
        got,
        ["Xã Hà Linh", "Xã Hương Liên", "Xã Hương Lâm", "Xã Điền Mỹ"]
    );
    for r in &rows {
        assert!(!r.sponsors.is_empty(), "{}", r.name);
        assert!(!r.lacking.is_empty(), "{}", r.name);
        assert!(r.met < r.total);
    }
    let lam = rows.iter().find(|r| r.name == "Xã Hương Lâm").unwrap();
    // 500 + 27 + 40 committed; 300 + 27 + 30 confirmed; 150 waiting.
    assert_eq!(lam.ledger.committed, million(567));
    assert_eq!(lam.ledger.confirmed, million(357));
    assert_eq!(lam.ledger.pending, million(150));
    assert_eq!(lam.ledger.gap(), million(210));
    assert_eq!(lam.ledger.labour_gap(), Decimal::from(50));
    // The sponsorship follows its commune into the merged one.
    assert_eq!(
        lam.sponsors[0].now.as_ref().map(|(_, n)| n.as_str()),
        Some("Xã Hương Xuân")
    );
    let dien_my = rows.iter().find(|r| r.name == "Xã Điền Mỹ").unwrap();
    assert_eq!(dien_my.sponsors.len(), 2);
    let ha_linh = rows.iter().find(|r| r.name == "Xã Hà Linh").unwrap();
    assert_eq!(ha_linh.ledger.refused, million(80));
    assert_eq!(ha_linh.ledger.confirmed, million(160));
}

#[tokio::test]
async fn a_sponsor_sees_its_own_sponsorships_and_no_one_elses_money() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let all = sponsor_lines(s, "vpdp").await;
    assert_eq!(all.len(), 5);
    assert_eq!(sponsor_lines(s, "bcd").await.len(), 5);
    let own = sponsor_lines(s, "so-nnmt").await;
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].unit_name, "Xã Hương Lâm");
    // A department with a province-wide grant but no sponsorship sees none.
    assert!(sponsor_lines(s, "hd-ocop-1").await.is_empty());
    // A commune officer elsewhere sees none.
    assert!(sponsor_lines(s, "xa-kylac").await.is_empty());

    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let book = s.resource_book().await.unwrap();
    let names = Names::load(s).await.unwrap();
    let so = actor_by_username(s, "so-nnmt").await.unwrap();
    let st = app::standing(s, &ws.registry, &so, today()).await.unwrap();
    let other = all.iter().find(|l| l.unit_name == "Xã Hà Linh").unwrap();
    let refused = app::detail(&ws, &book, &names, &so, &st, other.sponsorship.id, today());
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let mine = app::detail(&ws, &book, &names, &so, &st, own[0].sponsorship.id, today()).unwrap();
    assert!(mine.may_contribute && !mine.may_manage);
    assert_eq!(mine.commitments.len(), 3);
    assert!(!mine.progress.is_empty(), "the commune's progress is shown");
    // Its own years, then the commune that took it over; not the other merged communes.
    for h in &mine.progress {
        let ok = (h.name == "Xã Hương Lâm" && h.year <= 2025)
            || (h.name == "Xã Hương Xuân" && h.year >= 2025);
        assert!(ok, "{} {}", h.year, h.name);
    }
    let foreign = book
        .contributions
        .iter()
        .find(|k| book.sponsorship_of(k).map(|x| x.id) == Some(other.sponsorship.id))
        .unwrap();
    let file = app::evidence(s, &ws.registry, &so, &st, &book, foreign.id).await;
    assert!(matches!(file, Err(AppError::Forbidden(_))), "{file:?}");
}

#[tokio::test]
async fn a_contribution_counts_once_the_office_confirms_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, Some(2022), Basis::Approved)
        .await
        .unwrap();
    let registry = &ws.registry;
    let so = actor_by_username(s, "so-nnmt").await.unwrap();
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let st = app::standing(s, registry, &so, today()).await.unwrap();
    let ost = app::standing(s, registry, &office, today()).await.unwrap();
    let book = s.resource_book().await.unwrap();
    let mine = sponsor_lines(s, "so-nnmt").await.remove(0);
    let commitment = book.commitments_of(mine.sponsorship.id)[0].clone();
    let k = Contribution {
        id: 0,
        commitment: commitment.id,
        on: NaiveDate::from_ymd_opt(2022, 12, 1).unwrap(),
        value: million(50),
        quantity: None,
        evidence: "Ủy nhiệm chi số 240".into(),
        file_name: None,
        recorded_by: String::new(),
        recorded_at: now(),
        decision: None,
        illustrative: false,
    };
    let mut outside = k.clone();
    outside.on = NaiveDate::from_ymd_opt(2023, 2, 1).unwrap();
    let late = app::record_contribution(
        s,
        registry,
        &so,
        &st,
        &book,
        &outside,
        None,
        (today(), now()),
    )
    .await;
    assert!(matches!(late, Err(AppError::Invalid(_))), "{late:?}");
    let file = ntm_store::StoredFile {
        name: "unc-240.pdf".into(),
        bytes: b"%PDF-1.4".to_vec(),
    };
    let id = app::record_contribution(
        s,
        registry,
        &so,
        &st,
        &book,
        &k,
        Some(file),
        (today(), now()),
    )
    .await
    .unwrap();
    let book = s.resource_book().await.unwrap();
    assert_eq!(
        book.contribution(id).unwrap().state(),
        ContributionState::Pending
    );
    let before = sponsor_lines(s, "vpdp").await;
    let lam = before
        .iter()
        .find(|l| l.sponsorship.id == mine.sponsorship.id)
        .unwrap();
    assert_eq!(lam.ledger.confirmed, million(357));
    assert_eq!(lam.ledger.pending, million(200));
    assert_eq!(lam.pending, 2);
    let notes = s.list_notifications(office.user_id, false).await.unwrap();
    assert!(
        notes.iter().any(|n| n.text.contains("chờ xác nhận")),
        "{notes:?}"
    );
    // The sponsor cannot confirm its own; the office must give a reason to refuse.
    let own = app::decide(s, registry, &so, &book, id, true, "", (today(), now())).await;
    assert!(matches!(own, Err(AppError::Forbidden(_))), "{own:?}");
    let bare = app::decide(
        s,
        registry,
        &office,
        &book,
        id,
        false,
        " ",
        (today(), now()),
    )
    .await;
    assert!(matches!(bare, Err(AppError::Invalid(_))), "{bare:?}");
    app::decide(
        s,
        registry,
        &office,
        &book,
        id,
        true,
        "đối chiếu sao kê",
        (today(), now()),
    )
    .await
    .unwrap();
    let twice = app::decide(
        s,
        registry,
        &office,
        &book,
        id,
        false,
        "nhầm",
        (today(), now()),
    )
    .await;
    assert!(matches!(twice, Err(AppError::Conflict(_))), "{twice:?}");
    let after = sponsor_lines(s, "vpdp").await;
    let lam = after
        .iter()
        .find(|l| l.sponsorship.id == mine.sponsorship.id)
        .unwrap();
    assert_eq!(lam.ledger.confirmed, million(407));
    assert_eq!(lam.ledger.pending, million(150));
    let told = s.list_notifications(so.user_id, false).await.unwrap();
    assert!(
        told.iter().any(|n| n.text.contains("đã được xác nhận")),
        "{told:?}"
    );
    // The office records what it saw itself: confirmed at once.
    let book = s.resource_book().await.unwrap();
    let id = app::record_contribution(
        s,
        registry,
        &office,
        &ost,
        &book,
        &k,
        None,
        (today(), now()),
    )
    .await
    .unwrap();
    let book = s.resource_book().await.unwrap();
    assert_eq!(
        book.contribution(id).unwrap().state(),
        ContributionState::Confirmed
    );
    // A sponsor cannot record under another organisation's sponsorship.
    let other = book
        .commitments
        .iter()
        .find(|c| c.sponsorship != mine.sponsorship.id)
        .unwrap();
    let foreign = app::record_contribution(
        s,
        registry,
        &so,
        &st,
        &book,
        &Contribution {
            commitment: other.id,
            ..k.clone()
        },
        None,
        (today(), now()),
    )
    .await;
    assert!(
        matches!(foreign, Err(AppError::Forbidden(_))),
        "{foreign:?}"
    );
}

#[tokio::test]
async fn funds_roll_up_on_the_new_tree_once_each_and_a_split_commune_is_shared() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let book = s.resource_book().await.unwrap();
    let raw_planned: Decimal = book.funds.iter().map(|l| l.planned).sum();
    let raw_actual: Decimal = book.funds.iter().map(|l| l.actual).sum();
    let recorded = app::funding(
        &ws.catalogue,
        &ws.registry,
        &office,
        &book,
        (2021, 2026),
        Tree::Recorded,
    );
    let current = app::funding(
        &ws.catalogue,
        &ws.registry,
        &office,
        &book,
        (2021, 2026),
        Tree::On(today()),
    );
    for r in [&recorded, &current] {
        assert_eq!(r.total.total.planned, raw_planned);
        assert_eq!(r.total.total.actual, raw_actual);
        let by_units: Decimal = r.units.iter().map(|u| u.row.total.actual).sum();
        let by_source: Decimal = r.by_source.iter().map(|(_, x)| x.total.actual).sum();
        let by_group: Decimal = r.by_commune_group.iter().map(|x| x.total.actual).sum();
        let by_purpose: Decimal = r.by_purpose.iter().map(|x| x.total.actual).sum();
        assert_eq!(
            (by_units, by_source, by_group, by_purpose),
            (raw_actual, raw_actual, raw_actual, raw_actual)
        );
    }
    assert_eq!(recorded.inherited, 0);
    assert!(current.inherited > 0 && current.divided > 0);
    // On today's tree no commune of before the reform remains.
    let old_communes = current
        .units
        .iter()
        .filter(|u| {
            let unit = ws.registry.get(&u.unit).unwrap();
            unit.level == ntm_core::UnitLevel::Commune && unit.version_on(today()).is_none()
        })
        .count();
    assert_eq!(old_communes, 0);
    // Kỳ Lợi's lines are shared by the three wards that took it over.
    let ky_loi: Vec<&ntm_core::resources::FundLine> = book
        .funds
        .iter()
        .filter(|l| ws.registry.get(&l.unit).unwrap().latest().name == "Xã Kỳ Lợi")
        .collect();
    assert!(!ky_loi.is_empty());
    let share: Decimal = ky_loi.iter().map(|l| l.actual).sum();
    let wards: Vec<&app::UnitRow> = current
        .units
        .iter()
        .filter(|u| {
            ["Phường Sông Trí", "Phường Vũng Áng", "Phường Hoành Sơn"]
                .contains(&u.row.label.as_str())
        })
        .collect();
    assert_eq!(wards.len(), 3);
    assert!(wards.iter().all(|w| w.inherited));
    let in_wards: Decimal = wards.iter().map(|w| w.row.total.actual).sum();
    assert!(in_wards >= share, "{in_wards} < {share}");
    // A district budget has no 2026 line.
    assert!(
        book.funds
            .iter()
            .all(|l| l.source != Source::District || l.year <= 2025)
    );
    // A commune officer's report holds only the lines of their commune.
    let kylac = actor_by_username(s, "xa-kylac").await.unwrap();
    let theirs = app::funding(
        &ws.catalogue,
        &ws.registry,
        &kylac,
        &book,
        (2021, 2026),
        Tree::Recorded,
    );
    assert!(theirs.total.total.actual < raw_actual);
    assert!(
        theirs.units.iter().all(|u| u.unit.code() == "18850"),
        "{:?}",
        theirs
            .units
            .iter()
            .map(|u| &u.row.label)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_funds_workbook_imports_whole_or_says_where_it_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, Some(2026), Basis::Approved)
        .await
        .unwrap();
    let registry = &ws.registry;
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let kylac = actor_by_username(s, "xa-kylac").await.unwrap();
    let typed = |unit: &str, year: &str, source: &str, planned: &str| TypedLine {
        unit: unit.into(),
        year: year.into(),
        source: source.into(),
        criterion: "2".into(),
        work: "Đường liên thôn".into(),
        planned: planned.into(),
        actual: String::new(),
        document: "KH 5/KH-UBND".into(),
        note: String::new(),
    };
    let good = app::read_line(
        registry,
        &ws.catalogue,
        &typed("18850", "2024", "Ngân sách tỉnh", "1.200.000.000"),
        "",
    )
    .unwrap();
    assert_eq!(good.planned, million(1200));
    assert_eq!(good.unit, UnitId::parse("18850@2020-01-01").unwrap());
    // The new Kỳ Lạc (18838) took the old one over: its officer enters for it in 2026, and
    // the old code is not a unit of 2026.
    let new = app::read_line(
        registry,
        &ws.catalogue,
        &typed("18838", "2026", "ngan sach xa", "5000000"),
        "",
    )
    .unwrap();
    assert!(
        app::read_line(
            registry,
            &ws.catalogue,
            &typed("18850", "2026", "ngan sach xa", "5"),
            ""
        )
        .is_err()
    );
    assert_ne!(new.unit, good.unit);
    let lines: Vec<&ntm_core::resources::FundLine> = vec![&good, &new];
    let bytes = app::funds_workbook(registry, &lines).unwrap();
    let read = app::funds_of(&bytes, registry, &ws.catalogue).unwrap();
    assert_eq!(read, vec![good.clone(), new.clone()]);

    let bad = [
        good.clone(),
        ntm_core::resources::FundLine {
            source: Source::District,
            ..new.clone()
        },
    ];
    let bad_bytes = app::funds_workbook(registry, &bad.iter().collect::<Vec<_>>()).unwrap();
    let problems = app::funds_of(&bad_bytes, registry, &ws.catalogue).unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("trang Nguồn lực, dòng 8: năm 2026 không còn ngân sách huyện"),
        "{problems:?}"
    );
    let unknown = app::read_line(
        registry,
        &ws.catalogue,
        &typed("99999", "2024", "Ngân sách nhà nước", "abc"),
        "dòng 3: ",
    )
    .unwrap_err();
    assert_eq!(unknown.len(), 3, "{unknown:?}");
    assert!(
        unknown.iter().all(|p| p.starts_with("dòng 3: cột")),
        "{unknown:?}"
    );

    // Criterion 17 (environment) of 2021-2025 is not a criterion of the 2026-2030 set.
    let mut old_number = typed("18838", "2026", "Ngân sách xã", "5");
    old_number.criterion = "17".into();
    let wrong = app::read_line(registry, &ws.catalogue, &old_number, "").unwrap_err();
    assert!(
        wrong.len() == 1 && wrong[0].starts_with("cột Tiêu chí") && wrong[0].contains("“17”"),
        "{wrong:?}"
    );
    let book = s.resource_book().await.unwrap();
    let elsewhere = app::read_line(
        registry,
        &ws.catalogue,
        &typed("18556", "2022", "Ngân sách xã", "7"),
        "",
    )
    .unwrap();
    let refused = app::import_funds(
        s,
        registry,
        &kylac,
        &[good.clone(), elsewhere.clone()],
        (today(), now()),
        "thử",
    )
    .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    assert_eq!(
        s.resource_book().await.unwrap().funds.len(),
        book.funds.len(),
        "nothing half-written"
    );
    assert_eq!(
        app::import_funds(
            s,
            registry,
            &kylac,
            std::slice::from_ref(&good),
            (today(), now()),
            "nhập"
        )
        .await
        .unwrap(),
        (1, 0, 0)
    );
    let again = ntm_core::resources::FundLine {
        actual: million(900),
        ..good.clone()
    };
    assert_eq!(
        app::import_funds(
            s,
            registry,
            &office,
            &[again, elsewhere],
            (today(), now()),
            "nhập"
        )
        .await
        .unwrap(),
        (1, 1, 0)
    );
}
