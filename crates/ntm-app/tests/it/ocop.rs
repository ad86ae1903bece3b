//! OCOP on the demo: the counts of the reference, valid against cumulative, a round scored
//! online (each member sees only their own sheet until the secretary closes it), the
//! decision checked against the council's result, who may do what where, expiry alerts
//! sent once, and support imported from a workbook with its errors placed.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use ntm_app::AppError;
use ntm_app::accounts::actor_by_username;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_app::ocop::{self as app, ProductFilter};
use ntm_core::ocop::{CertState, Certificate, Level, Producer, ProducerKind, RuleSet};
use ntm_core::{Decimal, UnitId};
use ntm_store::ocop::Round;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn now() -> DateTime<Utc> {
    ntm_testkit::TEST_NOW.parse().unwrap()
}

fn today() -> NaiveDate {
    ntm_core::task::local_date(now())
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

#[tokio::test]
async fn the_demo_counts_follow_the_reference_and_valid_is_never_cumulative() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let book = s.ocop_book().await.unwrap();
    let outcomes = app::outcomes(s, &book).await.unwrap();
    let f = app::figures(&book, &ws.registry, &|_| true, today(), &outcomes);
    let year = |y: i32| f.years.iter().find(|r| r.year == y).cloned().unwrap();
    // 2019 round 2: 63 (61 three-star, 2 four-star); 2020: 87 with 4 four-star; 2021: 93.
    assert_eq!((year(2019).products, year(2019).by_stars), (63, [61, 2, 0]));
    assert_eq!((year(2020).products, year(2020).by_stars[1]), (87, 4));
    assert_eq!(year(2021).products, 93);
    // The two four-star products the press names are there, with their stars.
    for name in [
        "Nhung hươu tán bột khô Chiến Sơn",
        "Cam giòn Xuân Hòa Thượng Lộc",
    ] {
        let p = book.products.iter().find(|p| p.name == name).unwrap();
        let first = book
            .certificates
            .iter()
            .find(|c| c.product == p.id)
            .unwrap();
        assert_eq!((first.stars, first.year), (4, 2019), "{name}");
        assert!(!p.illustrative, "{name} is the press's, not made up");
    }
    // Valid today and ever certified are two numbers, and neither is the other.
    assert!(f.valid < f.cumulative);
    assert_eq!(f.valid + f.lapsed, f.cumulative);
    let valid = ntm_core::ocop::valid_on(&book.certificates, today());
    assert_eq!(valid.len(), f.valid);
    assert_eq!(f.valid_by_stars.iter().sum::<usize>(), f.valid);
    // The 2022 plan: at least 50 certified, at least 5 four-star, a five-star candidate.
    let plan = s
        .list_plans()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.period == "2022")
        .unwrap();
    let p = ntm_app::targets::progress(s, &ws, &plan, today())
        .await
        .unwrap();
    let ocop: Vec<_> = p.lines.iter().filter(|l| l.kind.contains("ocop")).collect();
    assert_eq!(ocop.len(), 2);
    assert_eq!(ocop[0].progress.actual, Some(dec(54)), "{}", ocop[0].basis);
    assert_eq!(ocop[1].progress.actual, Some(dec(7)));
    assert!(
        ocop.iter()
            .all(|l| l.status == ntm_core::target::Status::Achieved)
    );
    assert!(f.five_star_candidates.iter().any(|(_, y)| *y == 2022));
}

async fn a_round(s: &dyn ntm_store::Store, ws: &Workspace) -> (i64, i64, i64) {
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let m1 = actor_by_username(s, "so-nnmt").await.unwrap();
    let m2 = actor_by_username(s, "hd-ocop-1").await.unwrap();
    let round = Round {
        id: 0,
        name: "Đợt thử".into(),
        level: Level::Province,
        unit: UnitId::parse("42@2020-01-01").unwrap(),
        held_on: day(2026, 11, 20),
        rule_set: RuleSet::Qd148Amended,
        secretary: office.user_id,
        members: vec![m1.user_id, m2.user_id],
        outlier_points: dec(10),
        closed_at: None,
        closed_by: None,
        note: String::new(),
        illustrative: false,
    };
    let rid = app::open_round(s, &ws.registry, &office, &round, now())
        .await
        .unwrap();
    let book = s.ocop_book().await.unwrap();
    let product = book
        .products
        .iter()
        .find(|p| p.name.starts_with("Cam giòn"))
        .unwrap()
        .id;
    let entry = app::enter_products(s, &ws.registry, &office, rid, &[product], (today(), now()))
        .await
        .unwrap()[0];
    (rid, entry, product)
}

#[tokio::test]
async fn members_see_only_their_own_sheet_until_the_secretary_closes_scoring() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let (rid, entry, product) = a_round(s, &ws).await;
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let m1 = actor_by_username(s, "so-nnmt").await.unwrap();
    let m2 = actor_by_username(s, "hd-ocop-1").await.unwrap();
    let outsider = actor_by_username(s, "xa-kylac").await.unwrap();

    // The commune's check (1489): not by another commune, and dated at most today.
    let foreign = app::precheck(
        s,
        &ws.registry,
        &outsider,
        entry,
        (day(2026, 11, 1), ""),
        (today(), now()),
    )
    .await;
    assert!(
        matches!(foreign, Err(AppError::Forbidden(_))),
        "{foreign:?}"
    );
    let future = app::precheck(
        s,
        &ws.registry,
        &office,
        entry,
        (day(2026, 12, 30), ""),
        (today(), now()),
    )
    .await;
    assert!(matches!(future, Err(AppError::Invalid(_))), "{future:?}");
    app::precheck(
        s,
        &ws.registry,
        &office,
        entry,
        (day(2026, 11, 1), "nguyên liệu tại xã"),
        (today(), now()),
    )
    .await
    .unwrap();
    // A 1048 round (the demo's 2022) has no such step.
    let book = s.ocop_book().await.unwrap();
    let old = book.entries.iter().find(|e| e.round == 1).unwrap().id;
    let r = app::precheck(
        s,
        &ws.registry,
        &office,
        old,
        (day(2022, 11, 1), ""),
        (today(), now()),
    )
    .await;
    assert!(
        matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("1489")),
        "{r:?}"
    );

    // Over the maximum of part A (40 under 148): refused with the reason.
    let over = app::score(s, &m1, entry, [dec(41), dec(20), dec(30)], now()).await;
    assert!(
        matches!(over, Err(AppError::Invalid(ref p)) if p[0].contains("0–40")),
        "{over:?}"
    );
    app::score(s, &m1, entry, [dec(30), dec(20), dec(25)], now())
        .await
        .unwrap();
    app::score(s, &m2, entry, [dec(36), dec(23), dec(33)], now())
        .await
        .unwrap();
    let not_member = app::score(s, &office, entry, [dec(30), dec(20), dec(25)], now()).await;
    assert!(
        matches!(not_member, Err(AppError::Forbidden(_))),
        "{not_member:?}"
    );

    // Open: each member sees their own sheet only; the secretary sees who handed in.
    for (who, own) in [(&m1, Some(dec(75))), (&m2, Some(dec(92))), (&office, None)] {
        let v = app::round_view(s, &ws.registry, who, rid, today())
            .await
            .unwrap();
        let e = &v.entries[0];
        assert_eq!(e.handed_in.len(), 2);
        assert_eq!(e.mine.as_ref().map(|m| m.total()), own, "{}", who.username);
        assert!(
            e.sheets.iter().all(|x| x.member == who.user_id),
            "{}",
            who.username
        );
        assert!(e.tally.is_none() && e.outcome.is_none(), "{}", who.username);
    }
    assert!(matches!(
        app::round_view(s, &ws.registry, &outsider, rid, today()).await,
        Err(AppError::Forbidden(_))
    ));
    // Only the secretary or the office closes.
    assert!(matches!(
        app::close(s, &ws.registry, &m1, rid, (today(), now())).await,
        Err(AppError::Forbidden(_))
    ));
    app::close(s, &ws.registry, &office, rid, (today(), now()))
        .await
        .unwrap();
    let late = app::score(s, &m1, entry, [dec(40), dec(25), dec(35)], now()).await;
    assert!(matches!(late, Err(AppError::Conflict(_))), "{late:?}");

    // Closed: every member sees both sheets, the mean and the deviations.
    let v = app::round_view(s, &ws.registry, &m1, rid, today())
        .await
        .unwrap();
    let e = &v.entries[0];
    assert_eq!(e.sheets.len(), 2);
    let t = e.tally.as_ref().unwrap();
    assert_eq!(t.mean, Decimal::new(835, 1));
    assert_eq!(t.band, 4);
    assert!(
        t.lines.iter().all(|l| l.outlier),
        "17 points apart, over the 10 of the round"
    );
    let o = e.outcome.as_ref().unwrap();
    assert_eq!((o.certify, o.forward), (Some(4), None));
    // The Steering Committee reads the result, not each member's points.
    let bcd = actor_by_username(s, "bcd").await.unwrap();
    let v = app::round_view(s, &ws.registry, &bcd, rid, today())
        .await
        .unwrap();
    let e = &v.entries[0];
    assert!(e.sheets.is_empty());
    assert!(
        e.tally
            .as_ref()
            .is_some_and(|t| t.lines.is_empty() && t.band == 4)
    );
    assert!(e.outcome.is_some());
    assert!(o.explain.contains("Chưa nạp"), "{}", o.explain);

    // The decision must give what the council gave, once.
    let cert = |stars: u8| Certificate {
        id: 0,
        product,
        stars,
        level: Level::Province,
        rule_set: RuleSet::Qd148Amended,
        year: 2026,
        decision_number: "999/QĐ-UBND".into(),
        decision_date: day(2026, 11, 25),
        certificate_number: String::new(),
        entry: Some(entry),
        ended: None,
        note: String::new(),
        illustrative: false,
    };
    let wrong = app::record_decision(s, &ws.registry, &office, &[cert(3)], (today(), now())).await;
    assert!(
        matches!(wrong, Err(AppError::Invalid(ref p)) if p[0].contains("kết quả của hội đồng")),
        "{wrong:?}"
    );
    assert!(matches!(
        app::record_decision(s, &ws.registry, &m1, &[cert(4)], (today(), now())).await,
        Err(AppError::Forbidden(_))
    ));
    app::record_decision(s, &ws.registry, &office, &[cert(4)], (today(), now()))
        .await
        .unwrap();
    assert!(
        app::record_decision(s, &ws.registry, &office, &[cert(4)], (today(), now()))
            .await
            .is_err()
    );
    let book = s.ocop_book().await.unwrap();
    let new = book
        .certificates
        .iter()
        .find(|c| c.decision_number == "999/QĐ-UBND")
        .unwrap();
    assert_eq!(
        ntm_core::ocop::state(new, &book.certificates, today()),
        CertState::Valid {
            days_left: (day(2029, 11, 25) - today()).num_days()
        }
    );
    assert!(matches!(
        ntm_core::ocop::reevaluation(new, &book.certificates),
        ntm_core::ocop::Reevaluation::Same | ntm_core::ocop::Reevaluation::Higher { .. }
    ));
}

#[tokio::test]
async fn a_commune_keeps_its_own_producers_and_the_office_alone_runs_rounds_and_money() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let kylac = actor_by_username(s, "xa-kylac").await.unwrap();
    let producer = |unit: &str| Producer {
        id: 0,
        name: "HTX Thử".into(),
        kind: ProducerKind::Cooperative,
        unit: UnitId::parse(unit).unwrap(),
        address: String::new(),
        registration: String::new(),
        representative: String::new(),
        phone: String::new(),
        note: String::new(),
        illustrative: false,
    };
    // Its own commune after the merger (the new Xã Kỳ Lạc) — yes; Kỳ Tây — no.
    app::save_producer(
        s,
        &ws.registry,
        &kylac,
        &producer("18838@2025-07-01"),
        (today(), now()),
    )
    .await
    .unwrap();
    let foreign = app::save_producer(
        s,
        &ws.registry,
        &kylac,
        &producer("18793@2020-01-01"),
        (today(), now()),
    )
    .await;
    assert!(
        matches!(foreign, Err(AppError::Forbidden(_))),
        "{foreign:?}"
    );
    // Its list holds only producers that stand in its commune now.
    let book = s.ocop_book().await.unwrap();
    let lines = app::products(
        &book,
        &ws.registry,
        Some(&kylac),
        &ProductFilter::default(),
        today(),
    );
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|l| l.unit == UnitId::parse("18838@2025-07-01").unwrap()),
        "{:?}",
        lines.iter().map(|l| &l.unit_name).collect::<Vec<_>>()
    );
    let everyone = app::products(
        &book,
        &ws.registry,
        None,
        &ProductFilter::default(),
        today(),
    );
    // Another commune's product cannot be taken over through the product form.
    let own = lines[0].producer.id;
    let foreign = everyone
        .iter()
        .find(|l| !lines.iter().any(|m| m.product.id == l.product.id))
        .unwrap()
        .product
        .clone();
    let taken = ntm_core::ocop::Product {
        producer: own,
        description: "bị sửa".into(),
        ..foreign.clone()
    };
    let r = app::save_product(s, &ws.registry, &kylac, &taken, (today(), now())).await;
    assert!(matches!(r, Err(AppError::Invalid(_))), "{r:?}");
    let r = app::save_product(s, &ws.registry, &kylac, &foreign, (today(), now())).await;
    assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
    assert!(everyone.len() > 10 * lines.len());
    // Rounds, decisions, support: the office's.
    let round = Round {
        id: 0,
        name: "x".into(),
        level: Level::Province,
        unit: UnitId::parse("42@2020-01-01").unwrap(),
        held_on: day(2026, 11, 20),
        rule_set: RuleSet::Qd148Amended,
        secretary: kylac.user_id,
        members: vec![kylac.user_id],
        outlier_points: dec(10),
        closed_at: None,
        closed_by: None,
        note: String::new(),
        illustrative: false,
    };
    assert!(matches!(
        app::open_round(s, &ws.registry, &kylac, &round, now()).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        app::import_support(s, &ws.registry, &kylac, &[], (today(), now()), "x").await,
        Err(AppError::Forbidden(_))
    ));
    // A round on a date whose rule set has no district level is refused, as is a level
    // or rule set that does not match the date.
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let bad = Round {
        level: Level::District,
        secretary: office.user_id,
        members: vec![office.user_id],
        ..round.clone()
    };
    let r = app::open_round(s, &ws.registry, &office, &bad, now()).await;
    assert!(
        matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("cấp huyện")),
        "{r:?}"
    );
    let old = Round {
        held_on: day(2022, 6, 1),
        secretary: office.user_id,
        members: vec![office.user_id],
        ..round
    };
    let r = app::open_round(s, &ws.registry, &office, &old, now()).await;
    assert!(
        matches!(r, Err(AppError::Invalid(ref p)) if p[0].contains("1048")),
        "{r:?}"
    );
}

#[tokio::test]
async fn expiry_alerts_reach_the_office_and_the_commune_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let first = app::remind(s, &ws.registry, now(), &[90, 30])
        .await
        .unwrap();
    assert!(
        first.certificates > 0 && first.notifications >= first.certificates,
        "{first:?}"
    );
    let again = app::remind(s, &ws.registry, now(), &[90, 30])
        .await
        .unwrap();
    assert_eq!(again, app::AlertReport::default(), "nothing is sent twice");
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let notes = s.list_notifications(office.user_id, true).await.unwrap();
    let ocop: Vec<_> = notes.iter().filter(|n| n.text.contains("OCOP")).collect();
    assert_eq!(ocop.len(), first.certificates);
    assert!(ocop.iter().all(|n| {
        n.link
            .as_deref()
            .is_some_and(|l| l.starts_with("/ocop/products/"))
    }));
    // A commune hears only of its own producers.
    let book = s.ocop_book().await.unwrap();
    for u in ["xa-kylac", "xa-thanhsen"] {
        let a = actor_by_username(s, u).await.unwrap();
        for n in s.list_notifications(a.user_id, true).await.unwrap() {
            let Some(id) = n
                .link
                .as_deref()
                .and_then(|l| l.strip_prefix("/ocop/products/"))
            else {
                continue;
            };
            let p = book.producer_of(id.parse().unwrap()).unwrap();
            assert!(
                app::may_keep(&ws.registry, &a, p, today()),
                "{u}: {}",
                n.text
            );
        }
    }
}

#[tokio::test]
async fn support_is_read_from_a_workbook_with_every_problem_placed_and_flagged_by_ratio() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let book = s.ocop_book().await.unwrap();
    let p = &book.products[0];
    let line = |code: &str, year: i32, cat: &str, amount: &str| ntm_reports::ocop::SupportLine {
        product_code: code.into(),
        product_name: String::new(),
        year,
        category: cat.into(),
        source: "Ngân sách tỉnh".into(),
        amount: amount.parse().unwrap(),
        document: "QĐ thử".into(),
        note: String::new(),
        producer: String::new(),
    };
    let bytes = ntm_reports::ocop::support_workbook(
        &[
            line(
                &p.id.to_string(),
                2030,
                "Bộ nhận diện, bao bì, nhãn mác",
                "90000000",
            ),
            line("999999", 2030, "Bộ nhận diện, bao bì, nhãn mác", "1"),
            line(&p.id.to_string(), 2030, "Quà tặng", "5"),
        ],
        &[],
        &[],
    )
    .unwrap();
    let errors = app::support_of(&bytes, &book).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].contains("dòng 8") && errors[0].contains("Mã sản phẩm"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("dòng 9") && errors[1].contains("Nội dung hỗ trợ"),
        "{errors:?}"
    );
    let bytes = ntm_reports::ocop::support_workbook(
        &[line(
            &p.id.to_string(),
            2030,
            "Bộ nhận diện, bao bì, nhãn mác",
            "90000000",
        )],
        &[],
        &[],
    )
    .unwrap();
    let lines = app::support_of(&bytes, &book).unwrap();
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let written = app::import_support(s, &ws.registry, &office, &lines, (today(), now()), "thử")
        .await
        .unwrap();
    assert_eq!(written, (1, 0, 0));
    let book = s.ocop_book().await.unwrap();
    let (rows, totals) = app::spending(&book, &ws.registry, Some(2030), Decimal::ONE);
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0].flagged,
        "identity-kit spending with no production investment"
    );
    assert_eq!(totals[0].spending.identity, dec(90_000_000));
    let by_source: BTreeMap<_, _> = rows[0].by_source.clone();
    assert_eq!(by_source.len(), 1);
}
