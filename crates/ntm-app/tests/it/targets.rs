//! Target plans on the demo: actuals from the recorded decisions and the approved values,
//! the status rule, the split sums, the past as it stood, and who may write a plan.

use chrono::NaiveDate;
use ntm_app::AppError;
use ntm_app::accounts::actor_by_username;
use ntm_app::evaluate::{Basis, Workspace};
use ntm_app::targets::{progress, validate};
use ntm_core::target::{SplitCheck, Status};
use rust_decimal::Decimal;

use crate::audit;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn the_notices_2022_targets_are_judged_from_the_recorded_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let plans = s.list_plans().await.unwrap();
    let plan = plans
        .iter()
        .find(|p| p.title == ntm_app::demo::PLAN_2022)
        .unwrap();
    let p = progress(s, &ws, plan, day(2026, 12, 1)).await.unwrap();
    let row = |kind: &str| p.lines.iter().find(|l| l.kind == kind).unwrap();
    let standard = row("count:communes:standard");
    assert_eq!(standard.progress.actual, Some(Decimal::from(4)));
    assert_eq!(standard.status, Status::Missed, "4 of 5 after 2022");
    assert_eq!(standard.recognised.len(), 4);
    assert!(
        standard.recognised[0].how.contains("1337/QĐ-UBND"),
        "{:?}",
        standard.recognised[0]
    );
    assert!(
        standard.eligible.is_some(),
        "the evaluation is shown beside"
    );
    assert_eq!(
        row("count:communes:advanced").progress.actual,
        Some(Decimal::from(6))
    );
    assert_eq!(row("count:communes:advanced").status, Status::Missed);
    let model = row("count:communes:model");
    assert_eq!(
        (model.progress.actual, model.status),
        (Some(Decimal::from(4)), Status::Achieved)
    );
    // Hương Sơn: standard year 2020, decision of 27/4/2022, counted by the decision's year.
    let district = row("count:districts:standard@decision");
    assert_eq!(district.status, Status::Achieved);
    assert_eq!(district.recognised.len(), 1);
    assert_eq!(district.recognised[0].name, "Huyện Hương Sơn");
    assert!(district.recognised[0].how.contains("chưa rõ số"));
    // Model residential areas: the demo registers the villages of two communes only, so the
    // province's count is shown with its coverage and not judged.
    let areas = row("count:model_areas");
    assert_eq!(
        (areas.progress.actual, areas.status),
        (None, Status::NoData)
    );
    assert!(
        areas.basis.starts_with("Sổ thôn mới có thôn của 2/"),
        "{}",
        areas.basis
    );
    assert_eq!(areas.recognised.len(), 2, "Tân Tiến and Trung Tiến, 2022");
    assert!(areas.recognised.iter().all(|c| c.village.is_some()));
    // OCOP from the recorded decisions, by the year of the evaluation round: the 2022
    // round's 54 (7 four-star), not the 93 of 2021 whose decision was signed in 2022.
    for (ocop, n) in [("count:ocop", 54), ("count:ocop:4", 7)] {
        assert_eq!(row(ocop).status, Status::Achieved, "{ocop}");
        assert_eq!(row(ocop).progress.actual, Some(Decimal::from(n)), "{ocop}");
        assert_eq!(row(ocop).recognised.len(), n, "{ocop}");
        assert!(
            row(ocop).basis.contains("năm của đợt đánh giá"),
            "{}",
            row(ocop).basis
        );
    }

    // As the plan stood in early 2022: Hương Sơn appraised (its standard year 2020), not
    // yet recognised, and under consideration for a decision that may be signed in 2022.
    let mid = progress(s, &ws, plan, day(2022, 3, 1)).await.unwrap();
    let district = mid
        .lines
        .iter()
        .find(|l| l.kind == "count:districts:standard@decision")
        .unwrap();
    assert_eq!(district.progress.actual, Some(Decimal::ZERO));
    assert_eq!(district.under_way.len(), 1);
    assert_eq!(district.under_way[0].name, "Huyện Hương Sơn");
    assert_eq!(district.status, Status::OnTrack);
}

#[tokio::test]
async fn in_2021_two_districts_are_recognised_and_huong_son_only_appraised() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let dossiers = s.list_dossiers(&Default::default()).await.unwrap();
    let registry = ntm_app::units::load_registry(s).await.unwrap();
    let name = |u: &ntm_core::UnitId| registry.get(u).unwrap().latest().name.clone();
    let mut recognised = Vec::new();
    let mut appraised = Vec::new();
    for r in dossiers.iter().filter(|r| r.subject == "district") {
        let d = ntm_app::recognition::dossier_of(r)
            .unwrap()
            .as_of(day(2021, 12, 31));
        if d.history.is_empty() {
            continue;
        }
        if d.is_recognised() {
            recognised.push(name(&r.unit_id));
        } else {
            appraised.push((name(&r.unit_id), d.stage()));
        }
    }
    recognised.sort();
    assert_eq!(recognised, ["Huyện Cẩm Xuyên", "Huyện Vũ Quang"]);
    assert_eq!(
        appraised,
        [(
            "Huyện Hương Sơn".to_owned(),
            ntm_core::recognition::Step::Appraised
        )]
    );
}

#[tokio::test]
async fn the_illustrative_2026_plan_reads_approved_values_and_checks_its_split() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let plan = s
        .list_plans()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.title == ntm_app::demo::PLAN_2026)
        .unwrap();
    assert!(plan.illustrative);
    let p = progress(s, &ws, &plan, day(2026, 12, 1)).await.unwrap();
    let advanced = p
        .lines
        .iter()
        .find(|l| l.kind == "count:communes:advanced")
        .unwrap();
    assert_eq!(advanced.split, Some(SplitCheck::Under(Decimal::from(6))));
    assert_eq!(advanced.shares.len(), 4);
    assert_eq!(
        advanced.status,
        Status::AtRisk,
        "no decision yet, no dossier under way"
    );
    let income = p
        .lines
        .iter()
        .find(|l| l.kind == "indicator:10:>=")
        .unwrap();
    let actual = income.progress.actual.expect("2026 approved incomes");
    assert!(
        actual > Decimal::from(20) && actual < Decimal::from(200),
        "{actual}"
    );
    assert!(
        income.basis.contains("xã có số liệu đã duyệt năm 2026"),
        "{}",
        income.basis
    );
    // One year, no path: reached or at risk, as the mean says.
    let want = if actual >= Decimal::from(70) {
        Status::Achieved
    } else {
        Status::AtRisk
    };
    assert_eq!(income.status, want, "{actual}");
    let n: usize = income
        .basis
        .split_whitespace()
        .nth(7)
        .unwrap()
        .parse()
        .unwrap();
    let communes = ws.communes(2026, Some(&plan.scope_id)).len();
    assert_eq!(
        n, communes,
        "every commune with approved values, and only communes: {}",
        income.basis
    );
}

#[tokio::test]
async fn a_plan_is_checked_and_written_only_by_who_may() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let commune = actor_by_username(s, "xa-kylac").await.unwrap();
    let district = actor_by_username(s, "huyen-kyanh").await.unwrap();
    let mut plan = s.list_plans().await.unwrap().remove(0);
    plan.id = 0;
    plan.title = "Kế hoạch thử".into();
    plan.period = "2022".into();
    plan.targets = vec![ntm_app::targets::target_record(
        &ntm_core::target::TargetKind::Count(ntm_core::target::Counted::Communes(
            ntm_core::criteria::Level::Advanced,
        )),
        Default::default(),
        Decimal::from(15),
        "",
    )];
    // A share outside the scope, twice the same unit, a fraction, a share of an average.
    let ky_anh = ntm_core::UnitId::parse("447@2020-01-01").unwrap();
    let mut bad = plan.clone();
    bad.scope_id = ky_anh.clone();
    bad.targets[0].shares = vec![
        ntm_app::targets::share(
            &ntm_core::UnitId::parse("18100@2020-01-01").unwrap(),
            Decimal::ONE,
        ),
        ntm_app::targets::share(
            &ntm_core::UnitId::parse("18850@2020-01-01").unwrap(),
            Decimal::ONE,
        ),
        ntm_app::targets::share(
            &ntm_core::UnitId::parse("18850@2020-01-01").unwrap(),
            Decimal::new(5, 1),
        ),
    ];
    bad.targets.push(ntm_app::targets::target_record(
        &ntm_core::target::TargetKind::Indicator {
            indicator: "không-có".into(),
            comparison: ntm_core::Comparison::AtLeast,
        },
        Default::default(),
        Decimal::from(70),
        "",
    ));
    bad.targets[1].shares = bad.targets[0].shares[..1].to_vec();
    bad.doc_number = " ".into();
    let problems = validate(&bad, &ws);
    let all = problems.join("\n");
    for want in [
        "Văn bản giao chỉ tiêu",
        "Chỉ tiêu 1 — phân bổ 1: Xã",
        "Chỉ tiêu 1 — phân bổ 3: 18850@2020-01-01 đã được phân bổ",
        "Chỉ tiêu 1 — phân bổ 3: mức phân bổ “0.5”",
        "Chỉ tiêu 2: bộ tiêu chí xã của năm 2022 không có chỉ tiêu không-có",
        "Chỉ tiêu 2: chỉ tiêu này không cộng được",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }

    let mut over = plan.clone();
    over.targets[0].amount = "1".into();
    over.targets[0].shares = vec![
        ntm_app::targets::share(
            &ntm_core::UnitId::parse("447@2020-01-01").unwrap(),
            Decimal::ONE,
        ),
        ntm_app::targets::share(
            &ntm_core::UnitId::parse("436@2020-01-01").unwrap(),
            Decimal::ONE,
        ),
    ];
    let problems = validate(&over, &ws).join("\n");
    assert!(
        problems.contains("Chỉ tiêu 1: tổng phân bổ vượt chỉ tiêu 1"),
        "{problems}"
    );

    let refused = ntm_app::targets::create(s, &ws, &commune, &plan, &audit()).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let refused = ntm_app::targets::create(s, &ws, &district, &plan, &audit()).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "a district does not set the province's plan"
    );
    let mut own = plan.clone();
    own.scope_id = ky_anh.clone();
    own.targets[0].shares = vec![ntm_app::targets::share(
        &ntm_core::UnitId::parse("18850@2020-01-01").unwrap(),
        Decimal::ONE,
    )];
    let id = ntm_app::targets::create(s, &ws, &district, &own, &audit())
        .await
        .unwrap();
    let mut again = s.get_plan(id).await.unwrap().unwrap();
    again.targets[0].amount = "3".into();
    ntm_app::targets::save(s, &ws, &district, &again, &audit())
        .await
        .unwrap();
    let stale = ntm_app::targets::save(s, &ws, &office, &again, &audit()).await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
    let p = progress(
        s,
        &ws,
        &s.get_plan(id).await.unwrap().unwrap(),
        day(2026, 12, 1),
    )
    .await
    .unwrap();
    assert_eq!(p.lines[0].split, Some(SplitCheck::Under(Decimal::from(2))));
    ntm_app::targets::delete(s, &ws.registry, &office, (id, 2), &audit())
        .await
        .unwrap();
    assert_eq!(s.get_plan(id).await.unwrap(), None);
}

/// The 2026 plan's "standard" target: communes not yet recognised, fewest lacking
/// criteria first; those the office puts on the list get a registered dossier, shown
/// beside them, and are not registered twice.
#[tokio::test]
async fn candidates_are_ranked_by_what_they_lack_and_registered_once() {
    let dir = tempfile::tempdir().unwrap();
    let s = ntm_testkit::demo_store(dir.path()).await;
    let s = s.as_ref();
    let ws = Workspace::load(s, None, Basis::Approved).await.unwrap();
    let office = actor_by_username(s, "vpdp").await.unwrap();
    let plan = s
        .list_plans()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.title == ntm_app::demo::PLAN_2026)
        .unwrap();
    let on = day(2026, 12, 1);
    let c = ntm_app::targets::candidates(s, &ws, &plan, 1, on)
        .await
        .unwrap()
        .expect("a count of communes");
    assert_eq!(c.level, ntm_core::criteria::Level::Advanced);
    assert_eq!(c.year, 2026);
    assert!(c.rows.len() > 10, "{}", c.rows.len());
    let counts: Vec<usize> = c.rows.iter().map(|r| r.lacking.len()).collect();
    assert!(
        counts.windows(2).all(|w| w[0] <= w[1]),
        "closest first: {counts:?}"
    );
    assert!(c.rows.last().unwrap().lacking.len() > c.rows[0].lacking.len());
    assert!(
        ntm_app::targets::candidates(s, &ws, &plan, 3, on)
            .await
            .unwrap()
            .is_none(),
        "an indicator has none"
    );

    let picked: Vec<ntm_core::UnitId> = c.rows.iter().take(2).map(|r| r.unit.clone()).collect();
    let commune = actor_by_username(s, "xa-kylac").await.unwrap();
    let reg = |who, units: Vec<ntm_core::UnitId>, version| {
        let ws = &ws;
        let plan = &plan;
        async move {
            ntm_app::targets::register_candidates(
                s,
                ws,
                who,
                (plan.id, version, 1),
                &units,
                (2026, on),
                &audit(),
            )
            .await
        }
    };
    let refused = reg(&commune, picked.clone(), plan.version).await;
    assert!(
        matches!(refused, Err(AppError::Forbidden(_))),
        "{refused:?}"
    );
    let stale = reg(&office, picked.clone(), plan.version + 1).await;
    assert!(matches!(stale, Err(AppError::Conflict(_))), "{stale:?}");
    // A unit outside the candidates (the province itself) is refused, with nothing written.
    let of_2026 = || async {
        s.list_dossiers(&ntm_store::DossierFilter {
            year: Some(2026),
            unit: None,
        })
        .await
        .unwrap()
        .len()
    };
    // The demo's own round of 2026 (standard level) is already there.
    let before = of_2026().await;
    let mut outside = picked.clone();
    outside.push(plan.scope_id.clone());
    let refused = reg(&office, outside, plan.version).await;
    assert!(
        matches!(&refused, Err(AppError::Invalid(m)) if m[0].contains("không nằm trong danh sách")),
        "{refused:?}"
    );
    assert_eq!(of_2026().await, before);
    assert_eq!(reg(&office, picked.clone(), plan.version).await.unwrap(), 2);
    assert_eq!(
        reg(&office, picked.clone(), plan.version).await.unwrap(),
        0,
        "registered once"
    );
    let c = ntm_app::targets::candidates(s, &ws, &plan, 1, on)
        .await
        .unwrap()
        .unwrap();
    let with: Vec<_> = c.rows.iter().filter(|r| r.dossier.is_some()).collect();
    assert_eq!(with.len(), 2);
    assert_eq!(
        with[0].dossier.unwrap().1,
        ntm_core::recognition::Step::Registered
    );
    // Listed under the target, but a registration alone is not a dossier under
    // consideration: the status stays at risk.
    let p = progress(s, &ws, &plan, on).await.unwrap();
    assert_eq!(p.lines[1].under_way.len(), 2);
    assert_eq!(p.lines[1].progress.under_way, Decimal::ZERO);
    assert_eq!(p.lines[1].status, Status::AtRisk);
}
