//! Recognition dossiers through the use cases, on the demo: who may take which step, the
//! conditions, send-backs kept, stale writes refused, the pipeline by scope.

use chrono::NaiveDate;
use ntm_app::AppError;
use ntm_app::accounts::actor_by_username;
use ntm_app::recognition::{Act, act, open, pipeline};
use ntm_core::criteria::Level;
use ntm_core::recognition::{Conditions, SatisfactionRule, Step};
use rust_decimal::Decimal;

use crate::audit;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2022, m, d).unwrap()
}

fn take(step: Step, m: u32, d: u32) -> Act {
    Act::Take {
        step,
        on: day(m, d),
        note: String::new(),
    }
}

#[tokio::test]
async fn a_commune_dossier_moves_by_its_tiers_and_keeps_its_send_backs() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let commune = actor_by_username(s.as_ref(), "xa-kylac").await.unwrap();
    let district = actor_by_username(s.as_ref(), "huyen-kyanh").await.unwrap();
    let office = actor_by_username(s.as_ref(), "vpdp").await.unwrap();
    let viewer = actor_by_username(s.as_ref(), "bcd").await.unwrap();
    let other = actor_by_username(s.as_ref(), "xa-thanhsen").await.unwrap();
    let ky_lac = ntm_core::UnitId::parse("18850@2020-01-01").unwrap();
    let a = audit();
    let s = s.as_ref();

    let refused = open(
        s,
        &registry,
        &viewer,
        (&ky_lac, Level::Advanced, 2022),
        day(3, 1),
        &a,
    )
    .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let id = open(
        s,
        &registry,
        &commune,
        (&ky_lac, Level::Advanced, 2022),
        day(3, 1),
        &a,
    )
    .await
    .unwrap();
    let again = open(
        s,
        &registry,
        &office,
        (&ky_lac, Level::Advanced, 2022),
        day(3, 2),
        &a,
    )
    .await;
    assert!(
        matches!(again, Err(AppError::Conflict(_))),
        "one dossier per level and year"
    );

    let mut seen = 1;
    let step = |who, what, n: &mut usize| {
        let r = act(s, &registry, who, (id, *n), what, None, &a);
        *n += 1;
        r
    };
    step(&commune, take(Step::SelfAssessed, 3, 5), &mut seen)
        .await
        .unwrap();
    step(&commune, take(Step::Consulted, 3, 10), &mut seen)
        .await
        .unwrap();
    let blocked = act(
        s,
        &registry,
        &commune,
        (id, seen),
        take(Step::Submitted, 3, 12),
        None,
        &a,
    )
    .await;
    assert!(
        matches!(&blocked, Err(AppError::Invalid(m)) if m[0].contains("chưa ghi tỷ lệ người dân hài lòng")),
        "{blocked:?}"
    );
    // Answering the conditions is a write of its own (no entry): the history length stays.
    act(
        s,
        &registry,
        &commune,
        (id, seen),
        Act::Answer(Conditions {
            satisfaction_pct: Some(Decimal::from(93)),
            no_construction_debt: Some(true),
            not_security_hot_spot: Some(true),
        }),
        None,
        &a,
    )
    .await
    .unwrap();
    step(&commune, take(Step::Submitted, 3, 12), &mut seen)
        .await
        .unwrap();

    // Verification is the district's (2022, before the reform): not the commune's, not a viewer's.
    let wrong = act(
        s,
        &registry,
        &commune,
        (id, seen),
        take(Step::Verified, 3, 20),
        None,
        &a,
    )
    .await;
    assert!(
        matches!(&wrong, Err(AppError::Invalid(m)) if m[0].contains("cấp huyện")),
        "{wrong:?}"
    );
    let none = act(
        s,
        &registry,
        &viewer,
        (id, seen),
        take(Step::Verified, 3, 20),
        None,
        &a,
    )
    .await;
    assert!(matches!(none, Err(AppError::Forbidden(_))));
    let sibling = act(
        s,
        &registry,
        &other,
        (id, seen),
        take(Step::Verified, 3, 20),
        None,
        &a,
    )
    .await;
    assert!(matches!(sibling, Err(AppError::Forbidden(_))));

    // The district sends it back with a reason; a stale form is refused.
    act(
        s,
        &registry,
        &district,
        (id, seen),
        Act::SendBack {
            to: Step::SelfAssessed,
            on: day(3, 21),
            reason: "Tiêu chí 17 thiếu biên bản".into(),
        },
        None,
        &a,
    )
    .await
    .unwrap();
    let stale = act(
        s,
        &registry,
        &district,
        (id, seen),
        take(Step::Verified, 3, 22),
        None,
        &a,
    )
    .await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
    seen += 1;
    step(&commune, take(Step::Consulted, 3, 25), &mut seen)
        .await
        .unwrap();
    step(&commune, take(Step::Submitted, 3, 26), &mut seen)
        .await
        .unwrap();
    step(&district, take(Step::Verified, 4, 2), &mut seen)
        .await
        .unwrap();

    // Appraisal waits for the satisfaction rate the office has not set, and says so.
    let unset = act(
        s,
        &registry,
        &office,
        (id, seen),
        take(Step::Appraised, 4, 10),
        None,
        &a,
    )
    .await;
    assert!(
        matches!(&unset, Err(AppError::Invalid(m)) if m[0].contains("chưa được cấu hình")),
        "{unset:?}"
    );
    let rule = SatisfactionRule {
        min_pct: Decimal::from(90),
        source: "quy định của tỉnh (kiểm thử)".into(),
    };
    act(
        s,
        &registry,
        &office,
        (id, seen),
        take(Step::Appraised, 4, 10),
        Some(&rule),
        &a,
    )
    .await
    .unwrap();
    seen += 1;

    let stored = s.get_dossier(id).await.unwrap().unwrap();
    let d = ntm_app::recognition::dossier_of(&stored).unwrap();
    assert_eq!(d.stage(), Step::Appraised);
    assert_eq!(d.send_backs().count(), 1);
    assert_eq!(stored.entries.len(), seen);

    // The pipeline: the office and the district see it; another commune does not.
    let today = day(5, 1);
    let lines = pipeline(s, &registry, &office, Some(2022), today)
        .await
        .unwrap();
    let mine = lines.iter().find(|l| l.id == id).expect("listed");
    assert_eq!(
        (mine.stage, mine.idle_days, mine.send_backs),
        (Step::Appraised, 21, 1)
    );
    assert_eq!(
        lines[0].id, id,
        "the unfinished one first, the demo's decided ones after"
    );
    let has = |lines: Vec<ntm_app::recognition::PipelineLine>| lines.iter().any(|l| l.id == id);
    assert!(has(pipeline(s, &registry, &district, None, today)
        .await
        .unwrap()));
    assert!(!has(pipeline(s, &registry, &other, None, today)
        .await
        .unwrap()));
}

#[tokio::test]
async fn after_the_reform_the_province_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let office = actor_by_username(s.as_ref(), "vpdp").await.unwrap();
    let new_ky_lac = ntm_core::UnitId::parse("18838@2025-07-01").unwrap();
    let on = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let id = open(
        s.as_ref(),
        &registry,
        &office,
        (&new_ky_lac, Level::Standard, 2026),
        on,
        &audit(),
    )
    .await
    .unwrap();
    let d = ntm_app::recognition::dossier_of(&s.get_dossier(id).await.unwrap().unwrap()).unwrap();
    assert_eq!(d.verifier, ntm_core::recognition::Tier::Province);
    let ward = ntm_core::UnitId::parse("18073@2025-07-01").unwrap();
    let r = open(
        s.as_ref(),
        &registry,
        &office,
        (&ward, Level::Standard, 2026),
        on,
        &audit(),
    )
    .await;
    assert!(
        matches!(r, Err(AppError::Invalid(_))),
        "a ward is not a commune of the programme: {r:?}"
    );
}

/// A decision that recognised many communes is entered once: a dossier each, all or none.
#[tokio::test]
async fn one_decision_recognises_many_communes_at_once_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let office = actor_by_username(s.as_ref(), "vpdp").await.unwrap();
    let commune = actor_by_username(s.as_ref(), "xa-kylac").await.unwrap();
    let unit = |code: &str| registry.resolve_in_year(code, 2021).unwrap().id.clone();
    let (ky_lac, ky_tay) = (unit("18850"), unit("18793"));
    let decision = ntm_core::recognition::Decision {
        number: "283/QĐ-UBND".into(),
        signed_on: NaiveDate::from_ymd_opt(2022, 1, 26).unwrap(),
        signer: "Chủ tịch UBND tỉnh".into(),
    };
    let record = |who, units: Vec<ntm_core::UnitId>| {
        let (s, registry, decision) = (s.clone(), registry.clone(), decision.clone());
        async move {
            ntm_app::recognition::record_decision(
                s.as_ref(),
                &registry,
                who,
                &units,
                (Level::Standard, 2021),
                decision,
                &audit(),
            )
            .await
        }
    };
    let r = record(&commune, vec![ky_lac.clone()]).await;
    assert!(matches!(r, Err(AppError::Forbidden(_))), "{r:?}");
    let ids = record(&office, vec![ky_lac.clone(), ky_tay.clone()])
        .await
        .unwrap();
    assert_eq!(ids.len(), 2);
    let lines = pipeline(s.as_ref(), &registry, &office, Some(2021), day(5, 1))
        .await
        .unwrap();
    assert!(
        lines
            .iter()
            .all(|l| l.recognised && l.stage == Step::Decided)
    );
    // One of them already holds it: nothing of the second batch is written.
    let other = registry
        .in_year(2021)
        .into_iter()
        .find(|v| {
            v.unit_type() == ntm_core::UnitType::Commune && v.id() != &ky_lac && v.id() != &ky_tay
        })
        .unwrap()
        .id()
        .clone();
    let r = record(&office, vec![other, ky_tay]).await;
    assert!(matches!(r, Err(AppError::Conflict(_))), "{r:?}");
    assert_eq!(
        pipeline(s.as_ref(), &registry, &office, Some(2021), day(5, 1))
            .await
            .unwrap()
            .len(),
        lines.len(),
        "nothing of the refused batch is written"
    );
    // The demo's own 2021 decision (283/QĐ-UBND, the advanced communes) is there too.
    assert!(lines.len() > 2, "{}", lines.len());
}

/// A commune formed by the 2025 merger holds the lowest title of the communes merged into
/// it (the day before), shown with each one's decision, until it is recognised itself; by
/// the other rule it holds none.
#[tokio::test]
async fn a_merged_commune_inherits_the_lowest_title_until_recognised_again() {
    use ntm_app::recognition::{StandingBasis, record_decision_as_operator, standing};
    use ntm_core::recognition::{Decision, InheritRule};
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let registry = ntm_app::units::load_registry(s).await.unwrap();
    let new = ntm_core::UnitId::parse("18838@2025-07-01").unwrap();
    let preds: Vec<ntm_core::UnitId> = registry
        .predecessors(&new)
        .into_iter()
        .filter(|e| e.kind == ntm_core::unit::LineageKind::Merged)
        .map(|e| e.from.clone())
        .collect();
    assert!(preds.len() >= 2, "{preds:?}");
    let decision = |n: &str, y, m, d| Decision {
        number: n.into(),
        signed_on: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        signer: "Chủ tịch UBND tỉnh".into(),
    };
    let on = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    // Whatever the demo holds for them, give each predecessor a standard title for 2024
    // and the first an advanced one too.
    record_decision_as_operator(
        s,
        &registry,
        &preds,
        (Level::Standard, 2024),
        decision("10/QĐ-UBND", 2025, 1, 10),
        "",
        &audit(),
    )
    .await
    .unwrap();
    record_decision_as_operator(
        s,
        &registry,
        &preds[..1],
        (Level::Advanced, 2024),
        decision("11/QĐ-UBND", 2025, 1, 10),
        "",
        &audit(),
    )
    .await
    .unwrap();
    let records = s.list_dossiers(&Default::default()).await.unwrap();
    let st = standing(&registry, &records, &new, on, InheritRule::Lowest);
    assert_eq!(st.level, Level::Standard, "{st:?}");
    let StandingBasis::Inherited {
        merged_on, from, ..
    } = &st.basis
    else {
        panic!("{st:?}")
    };
    assert_eq!(*merged_on, NaiveDate::from_ymd_opt(2025, 7, 1).unwrap());
    assert_eq!(from.len(), preds.len());
    assert!(from.iter().any(|(_, _, p)| p.level == Level::Advanced));
    assert!(
        from.iter()
            .all(|(_, _, p)| matches!(p.basis, StandingBasis::Decision { .. }))
    );
    // Before the merger the new commune held nothing; by the other rule it holds nothing.
    let before = standing(
        &registry,
        &records,
        &new,
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap(),
        InheritRule::Lowest,
    );
    assert_eq!(before.level, Level::None);
    assert_eq!(
        standing(&registry, &records, &new, on, InheritRule::Nothing).level,
        Level::None
    );
    // Recognised itself: its own decision stands.
    record_decision_as_operator(
        s,
        &registry,
        std::slice::from_ref(&new),
        (Level::Advanced, 2026),
        decision("12/QĐ-UBND", 2026, 11, 20),
        "",
        &audit(),
    )
    .await
    .unwrap();
    let records = s.list_dossiers(&Default::default()).await.unwrap();
    let st = standing(&registry, &records, &new, on, InheritRule::Lowest);
    assert_eq!(st.level, Level::Advanced);
    assert!(matches!(st.basis, StandingBasis::Decision { .. }));
}

/// A district's dossier (before the reform): the district prepares it and answers its
/// conditions, the province verifies, the central tier appraises, votes and decides — its
/// steps recorded by the province's office — and a commune cannot touch it.
#[tokio::test]
async fn a_districts_dossier_goes_through_the_province_to_the_central_tier() {
    use ntm_core::recognition::{Decision, Tier};
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let registry = ntm_app::units::load_registry(s.as_ref()).await.unwrap();
    let district = actor_by_username(s.as_ref(), "huyen-kyanh").await.unwrap();
    let office = actor_by_username(s.as_ref(), "vpdp").await.unwrap();
    let commune = actor_by_username(s.as_ref(), "xa-kylac").await.unwrap();
    let ky_anh = ntm_core::UnitId::parse("447@2020-01-01").unwrap();
    let a = audit();
    let s = s.as_ref();
    let refused = open(
        s,
        &registry,
        &commune,
        (&ky_anh, Level::Standard, 2022),
        day(3, 1),
        &a,
    )
    .await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let id = open(
        s,
        &registry,
        &district,
        (&ky_anh, Level::Standard, 2022),
        day(3, 1),
        &a,
    )
    .await
    .unwrap();
    let rule = SatisfactionRule {
        min_pct: Decimal::from(90),
        source: "quy định thử".into(),
    };
    let run = |who, what| {
        let registry = &registry;
        let a = &a;
        let rule = &rule;
        async move {
            let seen = s.get_dossier(id).await.unwrap().unwrap().entries.len();
            act(s, registry, who, (id, seen), what, Some(rule), a).await
        }
    };
    run(&district, take(Step::SelfAssessed, 3, 5))
        .await
        .unwrap();
    run(&district, take(Step::Consulted, 3, 10)).await.unwrap();
    run(
        &district,
        Act::Answer(Conditions {
            satisfaction_pct: Some(Decimal::from(95)),
            no_construction_debt: Some(true),
            not_security_hot_spot: Some(true),
        }),
    )
    .await
    .unwrap();
    run(&district, take(Step::Submitted, 3, 12)).await.unwrap();
    let e = run(&district, take(Step::Verified, 4, 1)).await;
    assert!(
        matches!(e, Err(AppError::Forbidden(_) | AppError::Invalid(_))),
        "{e:?}"
    );
    run(&office, take(Step::Verified, 4, 1)).await.unwrap();
    run(&office, take(Step::Appraised, 5, 1)).await.unwrap();
    run(&office, Act::Council(12, 1)).await.unwrap();
    run(&office, take(Step::Voted, 5, 2)).await.unwrap();
    run(
        &office,
        Act::Decision(Decision {
            number: "999/QĐ-TTg".into(),
            signed_on: day(6, 1),
            signer: "Thủ tướng Chính phủ".into(),
        }),
    )
    .await
    .unwrap();
    run(&office, take(Step::Decided, 6, 1)).await.unwrap();
    let r = s.get_dossier(id).await.unwrap().unwrap();
    let d = ntm_app::recognition::dossier_of(&r).unwrap();
    assert!(d.is_recognised());
    assert_eq!(d.subject, Tier::District);
    let tiers: Vec<&str> = r.entries.iter().map(|e| e.tier.as_str()).collect();
    assert_eq!(
        tiers,
        [
            "district", "district", "district", "district", "province", "central", "central",
            "central"
        ]
    );
}
