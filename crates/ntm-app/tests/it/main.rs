//! App tests on a real SQLite store (no mocks of our own traits).

use std::sync::Arc;

use chrono::Utc;
use ntm_app::AuditContext;
use ntm_app::evaluate::Workspace;
use ntm_store::{Store, SubmissionRecord, ValueFilter};
use ntm_store_sqlite::SqliteStore;
use proptest::prelude::*;

fn audit() -> AuditContext {
    AuditContext {
        actor: "test".into(),
        at: Utc::now(),
        reason: "test".into(),
    }
}

/// A store with the Hà Tĩnh units and the demo's standard set, no values.
async fn store(dir: &std::path::Path) -> Arc<dyn Store> {
    let s = SqliteStore::open(dir.join("t.db").to_str().unwrap())
        .await
        .unwrap();
    s.migrate().await.unwrap();
    let s: Arc<dyn Store> = Arc::new(s);
    let units = ntm_data::shipped_units::hatinh_units().unwrap();
    ntm_app::units::import_units(s.as_ref(), units, &audit())
        .await
        .unwrap();
    let mut files = ntm_data::shipped::criteria_files();
    files.extend(ntm_data::shipped::demo_criteria_files());
    ntm_app::criteria::import(s.as_ref(), &files, &audit())
        .await
        .unwrap();
    s
}

async fn count(s: &dyn Store) -> usize {
    s.list_values(&ValueFilter::default()).await.unwrap().len()
}

const UNITS: [&str; 4] = [
    "18850@2020-01-01",
    "18793@2020-01-01",
    "18685@2020-01-01",
    "18415@2020-01-01",
];
const INDICATORS: [&str; 4] = ["3.1", "2.1", "17.1", "12.1"];

#[derive(Debug, Clone)]
enum Row {
    Good {
        unit: usize,
        indicator: usize,
        value: u8,
    },
    AbovePercent {
        unit: usize,
        indicator: usize,
    },
    UnknownUnit,
    NotANumber {
        unit: usize,
    },
    LockedUnit,
}

fn row_strategy() -> impl Strategy<Value = Row> {
    prop_oneof![
        8 => (0usize..4, 0usize..4, 0u8..=100).prop_map(|(unit, indicator, value)| Row::Good { unit, indicator, value }),
        1 => (0usize..4, 0usize..4).prop_map(|(unit, indicator)| Row::AbovePercent { unit, indicator }),
        1 => Just(Row::UnknownUnit),
        1 => (0usize..4).prop_map(|unit| Row::NotANumber { unit }),
        1 => Just(Row::LockedUnit),
    ]
}

fn csv(rows: &[Row], year: i32) -> String {
    let mut out = String::from("unit,year,indicator,value\n");
    for r in rows {
        let line = match r {
            Row::Good {
                unit,
                indicator,
                value,
            } => format!("{},{year},{},{value}", UNITS[*unit], INDICATORS[*indicator]),
            Row::AbovePercent { unit, indicator } => {
                format!("{},{year},{},150", UNITS[*unit], INDICATORS[*indicator])
            }
            Row::UnknownUnit => format!("99999,{year},3.1,50"),
            Row::NotANumber { unit } => format!("{},{year},3.1,nhiều", UNITS[*unit]),
            // 18367 (Xã Xuân Hải) has its year locked by approval in the setup.
            Row::LockedUnit => format!("18367@2020-01-01,{year},3.1,50"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever a file holds, an import is all or nothing: either every row is valid and
    /// every value lands, or not one value is visible afterwards.
    #[test]
    fn no_partial_import_is_ever_visible(rows in prop::collection::vec(row_strategy(), 1..40), year in 2021i32..2025) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let dir = tempfile::tempdir().unwrap();
            let s = store(dir.path()).await;
            let locked = ntm_core::UnitId::parse("18367@2020-01-01").unwrap();
            s.write_values(&[ntm_store::ValueWrite { unit_id: locked.clone(), year, indicator_id: "3.1".into(), value: "80".into(), note: None }], &audit()).await.unwrap();
            s.set_submission(&SubmissionRecord { unit_id: locked, year, status: "approved".into(), updated_at: Utc::now(), updated_by: "test".into(), comment: None }, &audit()).await.unwrap();
            let before = count(s.as_ref()).await;
            let ws = Workspace::load(s.as_ref(), Some(0)).await.unwrap();
            let text = csv(&rows, year);
            let parsed = ntm_app::values::read_rows(text.as_bytes()).unwrap();
            let all_good = rows.iter().all(|r| matches!(r, Row::Good { .. }));
            let keys: Vec<(usize, usize)> = rows.iter().filter_map(|r| match r {
                Row::Good { unit, indicator, .. } => Some((*unit, *indicator)),
                _ => None,
            }).collect();
            let distinct: std::collections::BTreeSet<(usize, usize)> = keys.iter().copied().collect();
            // A file naming one value twice is refused as a whole, too.
            let valid = all_good && distinct.len() == keys.len();
            match ntm_app::imports::preview(s.as_ref(), &ws.registry, &ws.catalogue, None, &parsed).await {
                Ok(p) => {
                    assert!(valid, "a bad file passed the preview: {rows:?}");
                    ntm_app::imports::confirm(s.as_ref(), &p, &audit()).await.unwrap();
                    assert_eq!(count(s.as_ref()).await, before + distinct.len());
                }
                Err(_) => {
                    assert!(!valid, "a good file was refused: {rows:?}");
                    assert_eq!(count(s.as_ref()).await, before, "nothing may be written");
                }
            }
        });
    }
}
