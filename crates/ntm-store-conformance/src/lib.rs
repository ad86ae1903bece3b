//! One behaviour suite run against every store backend.
//!
//! Each `pub async fn` here is one behaviour of the [`Store`] contract, taking a freshly
//! migrated, empty store and panicking (like a test) when the store misbehaves. The
//! integration test `tests/it` expands one list of these names into one test per backend,
//! so a behaviour cannot be checked on one backend only. The copy behaviours
//! ([`COPY_BEHAVIOURS`]) take two stores, a source and an empty target, and run from each
//! backend into each.
//!
//! The fixture is a slice of Hà Tĩnh around the 2025 reform because that is where stores
//! go wrong: code 18073 names two different units (Phường Nam Hà until 2025-06-30, Phường
//! Thành Sen from 2025-07-01), a unit has versions with different types, and lineage and
//! attributes refer to units by their full id.
//!
//! Accounts and the approval workflow use the same units: grants and submissions name
//! units by their full id, and the approval lock is checked against batches that also
//! touch other unit-years.

use std::time::Instant;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ntm_core::UnitId;
use ntm_core::unit::{
    AttributeKey, LineageEdge, LineageKind, Period, Unit, UnitAttribute, UnitLevel, UnitType,
    UnitVersion,
};
use ntm_core::village::{
    Body as VillageBody, Garden, Subject, Title, Village, VillageType, Withdrawal,
};
use ntm_store::copy::{SnapshotSink, Table};
use ntm_store::villages::{GardenRow, VillageBatch, VillageRow, VillageValueWrite};
use ntm_store::{
    Assignee, AuditContext, AuditFilter, AuditRecord, DirectiveRecord, GrantRecord, NewDirective,
    NewNotification, NewOrganisation, NewReport, NewTask, NewUser, NotificationRecord,
    OrganisationRecord, PutOutcome, ReminderRecord, ReportRecord, SessionRecord, Store, StoreError,
    StoredFile, SubmissionFilter, SubmissionRecord, TaskDetails, TaskFilter, TaskRecord,
    TokenRecord, UnitBatch, UserRecord, ValueFilter, ValueGuard, ValueWrite, WriteSummary,
    unit_summary, value_target_id,
};

/// The behaviours, in the order the suite lists them. `tests/it` names the same functions.
pub const BEHAVIOURS: &[&str] = &[
    "data_versions_rise_with_the_writes_that_change_evaluations",
    "recognition_dossiers_round_trip_with_their_history",
    "a_dossier_saved_from_a_stale_read_is_refused",
    "dossiers_created_together_are_all_or_none",
    "target_plans_are_written_whole_and_guarded_by_their_version",
    "dossier_documents_are_kept_with_their_step",
    "villages_and_gardens_import_whole_with_their_titles",
    "ocop_rounds_certificates_and_support",
    "sponsorships_contributions_and_funds",
    "quality_explanations_evidence_and_maps_are_kept",
    "units_round_trip",
    "reused_codes_stay_distinct",
    "reimporting_identical_units_writes_nothing",
    "unit_update_is_audited_with_before_and_after",
    "lineage_and_attributes_round_trip",
    "unit_import_with_unknown_reference_writes_nothing",
    "values_write_and_read_back",
    "values_read_page_by_page_give_the_whole_listing",
    "unchanged_values_are_not_audited",
    "value_update_records_old_and_new",
    "demo_values_are_marked_until_a_person_writes_them",
    "an_edit_respects_the_workflow_inside_its_transaction",
    "a_value_changed_since_it_was_read_is_not_overwritten",
    "a_save_racing_a_submit_never_lands_after_it",
    "duplicate_keys_in_a_value_batch_last_wins",
    "batch_with_unknown_unit_writes_nothing",
    "value_filter_by_unit_and_indicator",
    "large_value_batch",
    "criteria_set_versions_increment_only_on_change",
    "audit_filters_work",
    "users_create_find_and_duplicate_conflict",
    "grants_replace_and_list",
    "password_change_drops_sessions",
    "disabling_drops_sessions_and_tokens",
    "sessions_expire",
    "tokens_are_found_by_hash_and_deleted_only_by_owner",
    "submission_round_trip_and_audit",
    "approving_snapshots_values",
    "official_values_are_the_approved_snapshots",
    "approved_unit_year_refuses_writes",
    "reopened_unit_year_accepts_writes",
    "list_submissions_filters",
    "organisations_round_trip",
    "directive_with_tasks_and_children_round_trip",
    "task_update_is_audited",
    "report_marks_done_and_confirm_reopen",
    "reports_with_attachments",
    "notifications_unread_and_mark_read",
    "reminders_are_recorded_once",
    "list_tasks_filters",
    "user_organisations_replace",
    "tasks_added_to_a_directive",
    "periodic_reports_do_not_close_the_task",
    "email_addresses_and_the_digest_queue",
];

// ---------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------

/// A date from `YYYY-MM-DD`; panics on a malformed literal (fixture only).
pub fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("fixture dates are well-formed")
}

/// A unit id from `code@YYYY-MM-DD`; panics on a malformed literal (fixture only).
pub fn id(text: &str) -> UnitId {
    UnitId::parse(text).expect("fixture ids are well-formed")
}

/// An audit context at a fixed instant with microseconds, the finest precision both
/// backends keep.
pub fn audit(actor: &str, reason: &str) -> AuditContext {
    AuditContext {
        actor: actor.into(),
        at: instant(0),
        reason: reason.into(),
    }
}

/// 2025-03-01 08:30:00.123456 UTC plus `minutes`.
fn instant(minutes: i64) -> DateTime<Utc> {
    let base = Utc
        .with_ymd_and_hms(2025, 3, 1, 8, 30, 0)
        .single()
        .expect("valid fixture instant")
        + chrono::Duration::microseconds(123_456);
    base + chrono::Duration::minutes(minutes)
}

fn version(
    from: &str,
    to: Option<&str>,
    name: &str,
    unit_type: UnitType,
    parent: Option<&str>,
) -> UnitVersion {
    UnitVersion {
        valid: Period {
            from: date(from),
            to: to.map(date),
        },
        name: name.into(),
        unit_type,
        parent: parent.map(id),
    }
}

fn unit(code: &str, level: UnitLevel, versions: Vec<UnitVersion>) -> Unit {
    Unit {
        id: UnitId::new(code, versions[0].valid.from),
        code: code.into(),
        level,
        versions,
        source: "Danh mục ĐVHC (thử nghiệm)".into(),
    }
}

/// A slice of Hà Tĩnh across the 2025 reform: six units (two share code 18073, one has
/// two versions), two merge edges and two attributes. Units are ordered by id, edges by
/// (from, to), attributes by (unit, key, start), as `load_units` returns them.
pub fn hatinh_batch() -> UnitBatch {
    let units = vec![
        unit(
            "18073",
            UnitLevel::Commune,
            vec![version(
                "2020-01-01",
                Some("2025-06-30"),
                "Phường Nam Hà",
                UnitType::Ward,
                Some("436@2020-01-01"),
            )],
        ),
        unit(
            "18073",
            UnitLevel::Commune,
            vec![version(
                "2025-07-01",
                None,
                "Phường Thành Sen",
                UnitType::Ward,
                Some("42@2020-01-01"),
            )],
        ),
        unit(
            "18077",
            UnitLevel::Commune,
            vec![version(
                "2020-01-01",
                Some("2025-06-30"),
                "Phường Bắc Hà",
                UnitType::Ward,
                Some("436@2020-01-01"),
            )],
        ),
        unit(
            "18100",
            UnitLevel::Commune,
            vec![
                version(
                    "2020-01-01",
                    Some("2022-12-31"),
                    "Xã Thạch Trung",
                    UnitType::Commune,
                    Some("436@2020-01-01"),
                ),
                version(
                    "2023-01-01",
                    Some("2025-06-30"),
                    "Phường Thạch Trung",
                    UnitType::Ward,
                    Some("436@2020-01-01"),
                ),
            ],
        ),
        unit(
            "42",
            UnitLevel::Province,
            vec![version(
                "2020-01-01",
                None,
                "Tỉnh Hà Tĩnh",
                UnitType::Province,
                None,
            )],
        ),
        unit(
            "436",
            UnitLevel::District,
            vec![version(
                "2020-01-01",
                Some("2025-06-30"),
                "Thành phố Hà Tĩnh",
                UnitType::City,
                Some("42@2020-01-01"),
            )],
        ),
    ];
    let merged = |from: &str| LineageEdge {
        from: id(from),
        to: id("18073@2025-07-01"),
        effective: date("2025-07-01"),
        kind: LineageKind::Merged,
        basis: "official".into(),
    };
    let edges = vec![merged("18073@2020-01-01"), merged("18077@2020-01-01")];
    let attributes = vec![
        UnitAttribute {
            unit: id("18073@2025-07-01"),
            key: AttributeKey::CommuneGroup,
            value: "2".into(),
            valid: Period {
                from: date("2026-01-01"),
                to: None,
            },
            source: "minh hoạ".into(),
            illustrative: true,
        },
        UnitAttribute {
            unit: id("42@2020-01-01"),
            key: AttributeKey::Region,
            value: "BTB".into(),
            valid: Period {
                from: date("2020-01-01"),
                to: Some(date("2025-12-31")),
            },
            source: "QĐ 318/QĐ-TTg".into(),
            illustrative: false,
        },
    ];
    UnitBatch {
        units,
        edges,
        attributes,
    }
}

fn value(unit: &str, year: i32, indicator: &str, value: &str, note: Option<&str>) -> ValueWrite {
    ValueWrite {
        unit_id: id(unit),
        year,
        indicator_id: indicator.into(),
        value: value.into(),
        note: note.map(Into::into),
        illustrative: false,
    }
}

async fn import_fixture(store: &dyn Store) {
    store
        .import_units(&hatinh_batch(), &audit("loader", "import hatinh"))
        .await
        .expect("fixture imports");
}

async fn all_audit(store: &dyn Store) -> Vec<AuditRecord> {
    store
        .list_audit(&AuditFilter::default())
        .await
        .expect("audit log reads")
}

fn summary(inserted: usize, updated: usize, unchanged: usize) -> WriteSummary {
    WriteSummary {
        inserted,
        updated,
        unchanged,
    }
}

// ---------------------------------------------------------------------------------------
// Units, lineage, attributes
// ---------------------------------------------------------------------------------------

/// Units with all their versions, edges and attributes read back exactly as written, and
/// each gets one `*.create` audit entry.
pub async fn units_round_trip(store: &dyn Store) {
    let batch = hatinh_batch();
    let written = store
        .import_units(&batch, &audit("loader", "import hatinh"))
        .await
        .expect("import");
    assert_eq!(
        written,
        summary(10, 0, 0),
        "6 units + 2 edges + 2 attributes inserted"
    );
    let loaded = store.load_units().await.expect("load");
    assert_eq!(loaded, batch);

    let log = all_audit(store).await;
    assert_eq!(log.len(), 10);
    let thanh_sen = batch
        .units
        .iter()
        .find(|u| u.id == id("18073@2025-07-01"))
        .expect("in fixture");
    let entry = log
        .iter()
        .find(|e| e.action == "unit.create" && e.target_id == "18073@2025-07-01")
        .expect("unit.create for Thành Sen");
    assert_eq!(entry.target_kind, "unit");
    assert_eq!(entry.unit_id.as_deref(), Some("18073@2025-07-01"));
    assert_eq!(entry.before, None);
    assert_eq!(
        entry.after.as_deref(),
        Some(unit_summary(thanh_sen).as_str())
    );
    assert_eq!(
        (entry.actor.as_str(), entry.reason.as_str(), entry.at),
        ("loader", "import hatinh", instant(0))
    );
    assert_eq!(
        log.iter().filter(|e| e.action == "lineage.create").count(),
        2
    );
    assert!(log.iter().any(
        |e| e.action == "lineage.create" && e.target_id == "18073@2020-01-01→18073@2025-07-01"
    ));
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "attribute.create")
            .count(),
        2
    );
}

/// The two units with code 18073 stay two units, with their exact dates (2025-06-30 and
/// 2025-07-01), and values written to each stay with it.
pub async fn reused_codes_stay_distinct(store: &dyn Store) {
    import_fixture(store).await;
    let loaded = store.load_units().await.expect("load");
    let with_code: Vec<&Unit> = loaded.units.iter().filter(|u| u.code == "18073").collect();
    assert_eq!(with_code.len(), 2);
    assert_eq!(with_code[0].id.as_str(), "18073@2020-01-01");
    assert_eq!(
        with_code[0].valid(),
        Period {
            from: date("2020-01-01"),
            to: Some(date("2025-06-30"))
        }
    );
    assert_eq!(with_code[1].id.as_str(), "18073@2025-07-01");
    assert_eq!(
        with_code[1].valid(),
        Period {
            from: date("2025-07-01"),
            to: None
        }
    );

    let writes = [
        value("18073@2020-01-01", 2025, "1.1", "70", None),
        value("18073@2025-07-01", 2025, "1.1", "95", None),
    ];
    store
        .write_values(&writes, &audit("editor", "nhập tay"))
        .await
        .expect("values");
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    let pairs: Vec<(&str, &str)> = read
        .iter()
        .map(|r| (r.unit_id.as_str(), r.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("18073@2020-01-01", "70"), ("18073@2025-07-01", "95")]
    );
}

/// Importing the same batch again changes nothing and writes no audit entry.
pub async fn reimporting_identical_units_writes_nothing(store: &dyn Store) {
    import_fixture(store).await;
    let before = all_audit(store).await;
    let again = store
        .import_units(&hatinh_batch(), &audit("loader", "import again"))
        .await
        .expect("reimport");
    assert_eq!(again, summary(0, 0, 10));
    assert_eq!(all_audit(store).await, before);
    assert_eq!(store.load_units().await.expect("load"), hatinh_batch());
}

/// A changed unit (a rename, and a version removed) replaces the stored one with all its
/// versions and is audited with the old and new summaries; the other units stay unchanged.
pub async fn unit_update_is_audited_with_before_and_after(store: &dyn Store) {
    import_fixture(store).await;
    let mut batch = hatinh_batch();
    let old_thach_trung = batch.units[3].clone();
    let old_nam_ha = batch.units[0].clone();
    // Thạch Trung becomes a single version; Nam Hà is renamed.
    batch.units[3].versions = vec![version(
        "2020-01-01",
        Some("2025-06-30"),
        "Phường Thạch Trung",
        UnitType::Ward,
        Some("436@2020-01-01"),
    )];
    batch.units[0].versions[0].name = "Phường Nam Hà (cũ)".into();
    let mut context = audit("admin", "sửa danh mục");
    context.at = instant(5);
    let written = store.import_units(&batch, &context).await.expect("update");
    assert_eq!(written, summary(0, 2, 8));
    assert_eq!(store.load_units().await.expect("load"), batch);

    let updates = store
        .list_audit(&AuditFilter {
            action: Some("unit.update".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(updates.len(), 2);
    let thach_trung = updates
        .iter()
        .find(|e| e.target_id == "18100@2020-01-01")
        .expect("audited");
    assert_eq!(
        thach_trung.before.as_deref(),
        Some(unit_summary(&old_thach_trung).as_str())
    );
    assert_eq!(
        thach_trung.after.as_deref(),
        Some(unit_summary(&batch.units[3]).as_str())
    );
    assert_eq!(
        (thach_trung.actor.as_str(), thach_trung.at),
        ("admin", instant(5))
    );
    let nam_ha = updates
        .iter()
        .find(|e| e.target_id == "18073@2020-01-01")
        .expect("audited");
    assert_eq!(
        nam_ha.before.as_deref(),
        Some(unit_summary(&old_nam_ha).as_str())
    );
    assert!(
        nam_ha
            .after
            .as_deref()
            .is_some_and(|a| a.contains("Phường Nam Hà (cũ)"))
    );
}

/// Edges and attributes round-trip; a changed edge or attribute is updated in place and
/// audited, an identical one is not, and a new one is added.
pub async fn lineage_and_attributes_round_trip(store: &dyn Store) {
    import_fixture(store).await;
    let mut batch = hatinh_batch();
    batch.edges[0].basis = "NQ 1665/NQ-UBTVQH15".into();
    batch.attributes[0].value = "1".into();
    batch.attributes[0].illustrative = false;
    batch.attributes.push(UnitAttribute {
        unit: id("18077@2020-01-01"),
        key: AttributeKey::Region,
        value: "BTB".into(),
        valid: Period {
            from: date("2020-01-01"),
            to: Some(date("2025-06-30")),
        },
        source: "QĐ 318/QĐ-TTg".into(),
        illustrative: false,
    });
    let written = store
        .import_units(&batch, &audit("admin", "cập nhật"))
        .await
        .expect("update");
    assert_eq!(written, summary(1, 2, 8));

    let loaded = store.load_units().await.expect("load");
    assert_eq!(loaded.edges, batch.edges);
    let mut expected_attributes = batch.attributes.clone();
    expected_attributes
        .sort_by(|a, b| (&a.unit, a.key, a.valid.from).cmp(&(&b.unit, b.key, b.valid.from)));
    assert_eq!(loaded.attributes, expected_attributes);

    let log = all_audit(store).await;
    let edge = log
        .iter()
        .find(|e| e.action == "lineage.update")
        .expect("edge update audited");
    assert_eq!(edge.target_kind, "lineage");
    assert_eq!(edge.target_id, "18073@2020-01-01→18073@2025-07-01");
    assert!(
        edge.before
            .as_deref()
            .is_some_and(|b| b.contains("official"))
    );
    assert!(edge.after.as_deref().is_some_and(|a| a.contains("NQ 1665")));
    let attribute = log
        .iter()
        .find(|e| e.action == "attribute.update")
        .expect("attribute update audited");
    assert_eq!(attribute.unit_id.as_deref(), Some("18073@2025-07-01"));
    assert_eq!(
        attribute.target_id,
        "18073@2025-07-01|commune_group|2026-01-01"
    );
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "attribute.create")
            .count(),
        3
    );
}

/// A batch whose edge names an unknown unit is a conflict, and none of the batch (not
/// even its valid units) is written.
pub async fn unit_import_with_unknown_reference_writes_nothing(store: &dyn Store) {
    let mut batch = hatinh_batch();
    batch.edges.push(LineageEdge {
        from: id("99999@2020-01-01"),
        to: id("18073@2025-07-01"),
        effective: date("2025-07-01"),
        kind: LineageKind::Split,
        basis: "official".into(),
    });
    let err = store
        .import_units(&batch, &audit("loader", "import"))
        .await
        .expect_err("unknown unit");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("99999@2020-01-01")),
        "{err}"
    );
    assert_eq!(
        store.load_units().await.expect("load"),
        UnitBatch::default()
    );
    assert!(all_audit(store).await.is_empty());
}

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/// Values, with and without notes, read back with who entered them and when.
/// Pages of every size, with and without a list of units, put back together, are the
/// whole listing in its order, with nothing twice; a page after the last is empty.
pub async fn values_read_page_by_page_give_the_whole_listing(store: &dyn Store) {
    import_fixture(store).await;
    let units = ["18073@2020-01-01", "18077@2020-01-01", "18073@2025-07-01"];
    let mut writes = Vec::new();
    for u in units {
        for year in [2023, 2024] {
            // "10.2" sorts before "9.1" in byte order, which both backends must keep.
            for indicator in ["1.1", "10.2", "9.1"] {
                writes.push(value(u, year, indicator, "1", None));
            }
        }
    }
    store
        .write_values(&writes, &audit("editor", "nhập"))
        .await
        .expect("write");
    for filter in [
        ValueFilter::default(),
        ValueFilter {
            year: Some(2024),
            ..ValueFilter::default()
        },
        ValueFilter {
            units: Some(vec![id("18077@2020-01-01"), id("18073@2020-01-01")]),
            indicator_id: Some("10.2".into()),
            ..ValueFilter::default()
        },
    ] {
        let whole = store.list_values(&filter).await.expect("list");
        assert!(!whole.is_empty());
        for limit in [1, 2, 5, 100] {
            let mut pages = Vec::new();
            let mut after = None;
            loop {
                let page = store
                    .list_values_page(&filter, after.as_ref(), limit)
                    .await
                    .expect("page");
                assert!(page.len() <= limit);
                let Some(last) = page.last() else { break };
                after = Some(last.position());
                let full = page.len() == limit;
                pages.extend(page);
                if !full {
                    break;
                }
            }
            assert_eq!(pages, whole, "limit {limit}, {filter:?}");
        }
    }
}

pub async fn values_write_and_read_back(store: &dyn Store) {
    import_fixture(store).await;
    let writes = [
        value(
            "18077@2020-01-01",
            2024,
            "1.1",
            "85.5",
            Some("theo báo cáo xã"),
        ),
        value("18073@2020-01-01", 2024, "1.1", "đạt", None),
        value("18073@2020-01-01", 2024, "10.2", "0", None),
    ];
    let written = store
        .write_values(&writes, &audit("editor", "import values.csv"))
        .await
        .expect("write");
    assert_eq!(written, summary(3, 0, 0));
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    let rows: Vec<(&str, i32, &str, &str, Option<&str>)> = read
        .iter()
        .map(|r| {
            (
                r.unit_id.as_str(),
                r.year,
                r.indicator_id.as_str(),
                r.value.as_str(),
                r.note.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("18073@2020-01-01", 2024, "1.1", "đạt", None),
            ("18073@2020-01-01", 2024, "10.2", "0", None),
            (
                "18077@2020-01-01",
                2024,
                "1.1",
                "85.5",
                Some("theo báo cáo xã")
            ),
        ]
    );
    assert!(
        read.iter()
            .all(|r| r.entered_by == "editor" && r.entered_at == instant(0))
    );

    let created = store
        .list_audit(&AuditFilter {
            action: Some("value.create".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(created.len(), 3);
    let entry = created
        .iter()
        .find(|e| e.target_id == "18077@2020-01-01|2024|1.1")
        .expect("audited");
    assert_eq!(entry.target_kind, "value");
    assert_eq!(entry.unit_id.as_deref(), Some("18077@2020-01-01"));
    assert_eq!(
        (entry.before.as_deref(), entry.after.as_deref()),
        (None, Some("85.5"))
    );
    assert_eq!(entry.reason, "import values.csv");
}

/// Writing the same values again (same value and note) writes and audits nothing, and
/// keeps who entered them first.
pub async fn unchanged_values_are_not_audited(store: &dyn Store) {
    import_fixture(store).await;
    let writes = [
        value("18077@2020-01-01", 2024, "1.1", "85", Some("ghi chú")),
        value("18077@2020-01-01", 2024, "2.1", "đạt", None),
    ];
    store
        .write_values(&writes, &audit("editor", "lần 1"))
        .await
        .expect("first");
    let log = all_audit(store).await;
    let mut again = audit("other", "lần 2");
    again.at = instant(60);
    assert_eq!(
        store.write_values(&writes, &again).await.expect("second"),
        summary(0, 0, 2)
    );
    assert_eq!(all_audit(store).await, log);
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    assert!(
        read.iter()
            .all(|r| r.entered_by == "editor" && r.entered_at == instant(0))
    );
}

/// A changed value is updated (with the new author and time) and audited with the old and
/// new text; a note-only change shows the notes.
/// The demo flag reads back as written, on the values and on an approved snapshot; the
/// demo writing its own value again changes nothing, and anyone else writing it (even the
/// same value and note) makes it real, with an audit entry that says so.
pub async fn demo_values_are_marked_until_a_person_writes_them(store: &dyn Store) {
    import_fixture(store).await;
    let note = "Số liệu minh họa (demo), không phải số liệu chính thức";
    let demo = |indicator: &str, v: &str| ValueWrite {
        illustrative: true,
        ..value("18077@2020-01-01", 2024, indicator, v, Some(note))
    };
    let writes = [demo("1.1", "70"), demo("2.1", "85")];
    store
        .write_values(&writes, &audit("ntm demo", "dữ liệu minh họa"))
        .await
        .expect("demo values");
    assert_eq!(
        store
            .write_values(&writes, &audit("ntm demo", "lần 2"))
            .await
            .expect("again"),
        summary(0, 0, 2)
    );
    let flags = |records: &[ntm_store::ValueRecord]| -> Vec<(String, bool)> {
        records
            .iter()
            .map(|r| (r.indicator_id.clone(), r.illustrative))
            .collect()
    };
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    assert_eq!(flags(&read), [("1.1".into(), true), ("2.1".into(), true)]);

    // A real note that mentions "minh họa" is not demo material.
    let real = value("18077@2020-01-01", 2024, "2.1", "85", Some(note));
    assert_eq!(
        store
            .write_values(&[real], &audit("editor", "xác nhận"))
            .await
            .expect("taken over"),
        summary(0, 1, 0)
    );
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    assert_eq!(flags(&read), [("1.1".into(), true), ("2.1".into(), false)]);
    let entries = store
        .list_audit(&AuditFilter {
            actor: Some("editor".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].before.as_deref(), Some("85 [số liệu minh họa]"));
    assert_eq!(entries[0].after.as_deref(), Some("85"));

    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 40, None),
    )
    .await;
    let approved = store
        .approved_values(&id("18077@2020-01-01"), 2024)
        .await
        .expect("snapshot");
    assert_eq!(
        flags(&approved),
        [("1.1".into(), true), ("2.1".into(), false)]
    );
}

/// Polls two futures together (the suite needs no runtime of its own), so that their
/// database round trips interleave.
async fn both<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                ra = x;
                rb = y;
                Poll::Pending
            }
        }
    })
    .await
}

fn edit() -> ValueGuard {
    ValueGuard {
        as_edit: true,
        seen: Vec::new(),
    }
}

/// An edit of a submitted unit-year is refused and writes nothing; an edit of a returned
/// one makes it a draft again in the same transaction, audited; a new status is refused
/// when the current one is not the one the decision was taken on.
pub async fn an_edit_respects_the_workflow_inside_its_transaction(store: &dyn Store) {
    import_fixture(store).await;
    let unit = "18077@2020-01-01";
    set_submission(store, &submission(unit, 2024, "submitted", 1, None)).await;
    let write = [value(unit, 2024, "1.1", "70", None)];
    let refused = store
        .write_values_guarded(&write, &edit(), &audit("xa", "sửa"))
        .await
        .expect_err("submitted");
    assert!(
        matches!(&refused, StoreError::Conflict(m) if m.contains("gửi duyệt")),
        "{refused}"
    );
    assert!(
        store
            .list_values(&ValueFilter::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Unguarded (the office's command line), the approved lock alone applies.
    store
        .write_values(&write, &audit("office", "nhập"))
        .await
        .expect("not locked");

    set_submission(store, &submission(unit, 2024, "returned", 2, Some("thiếu"))).await;
    let second = [value(unit, 2024, "1.1", "75", None)];
    store
        .write_values_guarded(&second, &edit(), &audit("xa", "sửa lại"))
        .await
        .expect("returned accepts edits");
    let now = store
        .get_submission(&id(unit), 2024)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (now.status.as_str(), now.updated_by.as_str()),
        ("draft", "xa")
    );
    let moved = store
        .list_audit(&AuditFilter {
            action: Some("submission.draft".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].before.as_deref(), Some("returned"));

    // Approving what is a draft now (the decision was taken on "submitted") is refused.
    let approve = submission(unit, 2024, "approved", 3, None);
    let late = store
        .set_submission_from(
            &approve,
            Some(&[ntm_core::workflow::Status::Submitted]),
            &audit("so", "duyệt"),
        )
        .await
        .expect_err("moved");
    assert!(matches!(&late, StoreError::Conflict(_)), "{late}");
    assert_eq!(
        store
            .get_submission(&id(unit), 2024)
            .await
            .unwrap()
            .unwrap()
            .status,
        "draft"
    );
    assert!(
        store
            .approved_values(&id(unit), 2024)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A write carrying what its writer saw is refused, whole, when any of those values
/// changed since; the refusal lists each with what is stored now and who stored it.
pub async fn a_value_changed_since_it_was_read_is_not_overwritten(store: &dyn Store) {
    import_fixture(store).await;
    let unit = "18077@2020-01-01";
    store
        .write_values(
            &[value(unit, 2024, "1.1", "70", None)],
            &audit("a", "lần 1"),
        )
        .await
        .unwrap();
    let seen = |indicator: &str, v: Option<&str>| ntm_store::SeenValue {
        unit_id: id(unit),
        year: 2024,
        indicator_id: indicator.into(),
        value: v.map(Into::into),
        note: None,
    };
    // B read 70 and nothing for 2.1; A then saves 72.
    let guard = ValueGuard {
        as_edit: true,
        seen: vec![seen("1.1", Some("70")), seen("2.1", None)],
    };
    store
        .write_values(
            &[value(unit, 2024, "1.1", "72", None)],
            &audit("a", "lần 2"),
        )
        .await
        .unwrap();
    let b = [
        value(unit, 2024, "1.1", "80", None),
        value(unit, 2024, "2.1", "90", None),
    ];
    let Err(StoreError::Stale(changed)) = store
        .write_values_guarded(&b, &guard, &audit("b", "sửa"))
        .await
    else {
        panic!("a stale write must be refused");
    };
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].indicator_id, "1.1");
    let now = changed[0].now.as_ref().expect("still stored");
    assert_eq!((now.value.as_str(), now.entered_by.as_str()), ("72", "a"));
    let read = store.list_values(&ValueFilter::default()).await.unwrap();
    assert_eq!(read.len(), 1, "nothing of B's write");
    assert_eq!(read[0].value, "72");
    // Having seen 72, B's write goes through.
    let guard = ValueGuard {
        as_edit: true,
        seen: vec![seen("1.1", Some("72")), seen("2.1", None)],
    };
    store
        .write_values_guarded(&b, &guard, &audit("b", "sửa"))
        .await
        .expect("fresh");
}

/// A save and a submit of the same unit-year, started together, 25 times: whichever
/// commits first, a save never lands after the submission (the state is checked inside
/// the write's transaction).
pub async fn a_save_racing_a_submit_never_lands_after_it(store: &dyn Store) {
    import_fixture(store).await;
    let unit = "18077@2020-01-01";
    let mut saves_first = 0;
    for run in 0..25 {
        let year = 2000 + run;
        let write = [value(unit, year, "1.1", &format!("{}", 50 + run), None)];
        let submit = submission(unit, year, "submitted", i64::from(run), None);
        let (saved, submitted) = both(
            store.write_values_guarded(&write, &edit(), &audit("xa", "lưu")),
            store.set_submission_from(
                &submit,
                Some(&[
                    ntm_core::workflow::Status::Draft,
                    ntm_core::workflow::Status::Returned,
                ]),
                &audit("xa", "gửi duyệt"),
            ),
        )
        .await;
        submitted.expect("the submit always goes through");
        let entries = store
            .list_audit(&AuditFilter {
                unit_id: Some(unit.into()),
                ..Default::default()
            })
            .await
            .unwrap();
        let submitted_at = entries
            .iter()
            .find(|e| {
                e.action == "submission.submitted" && e.target_id.ends_with(&year.to_string())
            })
            .map(|e| e.id)
            .expect("the submission's entry");
        let value_at = entries
            .iter()
            .find(|e| {
                e.action == "value.create"
                    && e.target_id == ntm_store::value_target_id(&id(unit), year, "1.1")
            })
            .map(|e| e.id);
        match saved {
            Ok(_) => {
                saves_first += 1;
                assert!(
                    value_at.expect("written") < submitted_at,
                    "run {run}: saved after submit"
                );
            }
            Err(e) => {
                assert!(matches!(e, StoreError::Conflict(_)), "run {run}: {e}");
                assert_eq!(value_at, None, "run {run}: a refused save wrote");
            }
        }
    }
    eprintln!("[race] the save went first in {saves_first} of 25 runs");
}

pub async fn value_update_records_old_and_new(store: &dyn Store) {
    import_fixture(store).await;
    let first = [
        value("18077@2020-01-01", 2024, "1.1", "70", None),
        value("18077@2020-01-01", 2024, "2.1", "85", None),
        value("18077@2020-01-01", 2024, "3.1", "1", None),
    ];
    store
        .write_values(&first, &audit("editor", "lần 1"))
        .await
        .expect("first");
    let second = [
        value("18077@2020-01-01", 2024, "1.1", "75", None),
        value("18077@2020-01-01", 2024, "2.1", "85", Some("đã kiểm tra")),
        value("18077@2020-01-01", 2024, "3.1", "1", None),
    ];
    let mut context = audit("reviewer", "sửa số liệu");
    context.at = instant(30);
    assert_eq!(
        store.write_values(&second, &context).await.expect("second"),
        summary(0, 2, 1)
    );

    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    let changed = read
        .iter()
        .find(|r| r.indicator_id == "1.1")
        .expect("stored");
    assert_eq!(
        (
            changed.value.as_str(),
            changed.entered_by.as_str(),
            changed.entered_at
        ),
        ("75", "reviewer", instant(30))
    );
    let untouched = read
        .iter()
        .find(|r| r.indicator_id == "3.1")
        .expect("stored");
    assert_eq!(
        (untouched.entered_by.as_str(), untouched.entered_at),
        ("editor", instant(0))
    );

    let updates = store
        .list_audit(&AuditFilter {
            action: Some("value.update".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(updates.len(), 2);
    let value_change = updates
        .iter()
        .find(|e| e.target_id == "18077@2020-01-01|2024|1.1")
        .expect("audited");
    assert_eq!(
        (
            value_change.before.as_deref(),
            value_change.after.as_deref()
        ),
        (Some("70"), Some("75"))
    );
    assert_eq!(
        (value_change.actor.as_str(), value_change.reason.as_str()),
        ("reviewer", "sửa số liệu")
    );
    let note_change = updates
        .iter()
        .find(|e| e.target_id == "18077@2020-01-01|2024|2.1")
        .expect("audited");
    assert!(
        note_change
            .before
            .as_deref()
            .is_some_and(|b| b.starts_with("85")),
        "{note_change:?}"
    );
    assert_eq!(
        note_change.after.as_deref(),
        Some("85 (ghi chú: đã kiểm tra)")
    );
}

/// Within one batch, the last write of a key wins and the key is counted once.
pub async fn duplicate_keys_in_a_value_batch_last_wins(store: &dyn Store) {
    import_fixture(store).await;
    let writes = [
        value("18077@2020-01-01", 2024, "1.1", "1", None),
        value("18077@2020-01-01", 2024, "1.1", "2", Some("sửa")),
    ];
    assert_eq!(
        store
            .write_values(&writes, &audit("editor", "x"))
            .await
            .expect("write"),
        summary(1, 0, 0)
    );
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    assert_eq!(read.len(), 1);
    assert_eq!(
        (read[0].value.as_str(), read[0].note.as_deref()),
        ("2", Some("sửa"))
    );
    assert_eq!(
        all_audit(store)
            .await
            .iter()
            .filter(|e| e.target_kind == "value")
            .count(),
        1
    );
}

/// A batch with a value for a unit that does not exist is a conflict naming the unit, and
/// nothing of it lands: not the valid values before it, not an update, not an audit entry.
pub async fn batch_with_unknown_unit_writes_nothing(store: &dyn Store) {
    import_fixture(store).await;
    store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "70", None)],
            &audit("editor", "lần 1"),
        )
        .await
        .expect("first");
    let values_before = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    let audit_before = all_audit(store).await;

    let writes = [
        value("18077@2020-01-01", 2024, "1.1", "99", None),
        value("18077@2020-01-01", 2024, "2.1", "85", None),
        value("18073@2025-07-01", 2025, "2.1", "85", None),
        value("99999@2020-01-01", 2024, "1.1", "50", None),
        value("18073@2020-01-01", 2024, "2.1", "85", None),
    ];
    let err = store
        .write_values(&writes, &audit("editor", "lần 2"))
        .await
        .expect_err("unknown unit");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("99999@2020-01-01")),
        "{err}"
    );
    assert_eq!(
        store
            .list_values(&ValueFilter::default())
            .await
            .expect("list"),
        values_before
    );
    assert_eq!(all_audit(store).await, audit_before);
}

/// Filters by year, units and indicator combine, and results are ordered by unit, year,
/// indicator.
pub async fn value_filter_by_unit_and_indicator(store: &dyn Store) {
    import_fixture(store).await;
    let mut writes = Vec::new();
    for unit in ["18077@2020-01-01", "18073@2020-01-01", "18073@2025-07-01"] {
        for year in [2025, 2024] {
            for indicator in ["2.1", "1.1", "10.1"] {
                writes.push(value(unit, year, indicator, "1", None));
            }
        }
    }
    store
        .write_values(&writes, &audit("editor", "x"))
        .await
        .expect("write");
    let keys = |filter: ValueFilter| async move {
        store
            .list_values(&filter)
            .await
            .expect("list")
            .into_iter()
            .map(|r| format!("{}|{}|{}", r.unit_id, r.year, r.indicator_id))
            .collect::<Vec<_>>()
    };

    let all = keys(ValueFilter::default()).await;
    assert_eq!(all.len(), 18);
    assert_eq!(
        &all[..4],
        [
            "18073@2020-01-01|2024|1.1",
            "18073@2020-01-01|2024|10.1",
            "18073@2020-01-01|2024|2.1",
            "18073@2020-01-01|2025|1.1"
        ]
    );
    assert_eq!(all[17], "18077@2020-01-01|2025|2.1");

    let units = Some(vec![id("18073@2025-07-01"), id("18077@2020-01-01")]);
    let filtered = keys(ValueFilter {
        year: Some(2024),
        units: units.clone(),
        indicator_id: Some("1.1".into()),
    })
    .await;
    assert_eq!(
        filtered,
        ["18073@2025-07-01|2024|1.1", "18077@2020-01-01|2024|1.1"]
    );
    let by_unit = keys(ValueFilter {
        units: Some(vec![id("18073@2020-01-01")]),
        ..ValueFilter::default()
    })
    .await;
    assert_eq!(by_unit.len(), 6);
    assert!(by_unit.iter().all(|k| k.starts_with("18073@2020-01-01|")));
    let by_indicator = keys(ValueFilter {
        indicator_id: Some("10.1".into()),
        ..ValueFilter::default()
    })
    .await;
    assert_eq!(by_indicator.len(), 6);
    assert!(
        keys(ValueFilter {
            units: Some(Vec::new()),
            ..ValueFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(
        keys(ValueFilter {
            year: Some(2019),
            ..ValueFilter::default()
        })
        .await
        .is_empty()
    );
}

/// How many values [`large_value_batch`] writes: a province's full data entry for one
/// year is about this size.
pub const LARGE_BATCH: usize = 45_000;

/// A batch of [`LARGE_BATCH`] values is written in one call, audited once per value; the
/// same batch again is all unchanged; a batch changing every tenth value updates those
/// only. Prints the timings (the backend's budget: under 3 s on SQLite, 10 s on
/// PostgreSQL, in a release build).
pub async fn large_value_batch(store: &dyn Store) {
    import_fixture(store).await;
    let units = [
        "18073@2020-01-01",
        "18077@2020-01-01",
        "18100@2020-01-01",
        "436@2020-01-01",
        "42@2020-01-01",
    ];
    let writes: Vec<ValueWrite> = (0..LARGE_BATCH)
        .map(|i| {
            let unit = units[i % units.len()];
            let indicator = format!("{}.{}", i / units.len() % 100, i / units.len() / 100);
            value(
                unit,
                2024,
                &indicator,
                &(i % 97).to_string(),
                (i % 7 == 0).then_some("ghi chú"),
            )
        })
        .collect();

    let started = Instant::now();
    let first = store
        .write_values(&writes, &audit("editor", "import lớn"))
        .await
        .expect("first write");
    let first_took = started.elapsed();
    assert_eq!(first, summary(LARGE_BATCH, 0, 0));

    let started = Instant::now();
    let again = store
        .write_values(&writes, &audit("editor", "import lại"))
        .await
        .expect("second write");
    let again_took = started.elapsed();
    assert_eq!(again, summary(0, 0, LARGE_BATCH));

    let changed: Vec<ValueWrite> = writes
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i % 10 == 0 {
                ValueWrite {
                    value: format!("{}1", w.value),
                    ..w.clone()
                }
            } else {
                w.clone()
            }
        })
        .collect();
    let started = Instant::now();
    let third = store
        .write_values(&changed, &audit("editor", "sửa"))
        .await
        .expect("third write");
    let third_took = started.elapsed();
    assert_eq!(
        third,
        summary(0, LARGE_BATCH / 10, LARGE_BATCH - LARGE_BATCH / 10)
    );

    let started = Instant::now();
    let read = store
        .list_values(&ValueFilter {
            year: Some(2024),
            ..ValueFilter::default()
        })
        .await
        .expect("list");
    let read_took = started.elapsed();
    assert_eq!(read.len(), LARGE_BATCH);
    let audited = all_audit(store)
        .await
        .iter()
        .filter(|e| e.target_kind == "value")
        .count();
    assert_eq!(audited, LARGE_BATCH + LARGE_BATCH / 10);
    eprintln!(
        "[{}] large_value_batch: {LARGE_BATCH} values inserted in {:.2?}, rewritten unchanged in {:.2?}, \
         10% updated in {:.2?}, read back in {:.2?}",
        store.backend(),
        first_took,
        again_took,
        third_took,
        read_took
    );
}

// ---------------------------------------------------------------------------------------
// Criteria sets
// ---------------------------------------------------------------------------------------

/// A criteria set gets version 1, then a new version only when its text changes; the
/// list shows the latest version of each set, the history every version.
pub async fn criteria_set_versions_increment_only_on_change(store: &dyn Store) {
    let first = audit("admin", "import criteria");
    let put = |id: &'static str, text: &'static str, context: AuditContext| async move {
        store
            .put_criteria_set(id, &format!("Bộ tiêu chí {id}"), text, &context)
            .await
            .expect("put")
    };
    assert_eq!(
        put("xa-2021", "v1", first.clone()).await,
        PutOutcome::Created { version: 1 }
    );
    assert_eq!(
        put("xa-2021", "v1", first.clone()).await,
        PutOutcome::Unchanged { version: 1 }
    );
    let mut later = audit("admin2", "sửa bộ tiêu chí");
    later.at = instant(10);
    assert_eq!(
        put("xa-2021", "v2", later.clone()).await,
        PutOutcome::Created { version: 2 }
    );
    assert_eq!(
        put("xa-2021", "v2", later.clone()).await,
        PutOutcome::Unchanged { version: 2 }
    );
    // Returning to an older text is a change too.
    assert_eq!(
        put("xa-2021", "v1", later.clone()).await,
        PutOutcome::Created { version: 3 }
    );
    assert_eq!(
        put("nong-thon-moi-2026", "a", first.clone()).await,
        PutOutcome::Created { version: 1 }
    );

    let list = store.list_criteria_sets().await.expect("list");
    let ids: Vec<(&str, i64)> = list.iter().map(|r| (r.id.as_str(), r.version)).collect();
    assert_eq!(ids, [("nong-thon-moi-2026", 1), ("xa-2021", 3)]);
    let history = store
        .criteria_set_history("xa-2021")
        .await
        .expect("history");
    let versions: Vec<(i64, &str, &str)> = history
        .iter()
        .map(|r| (r.version, r.source_text.as_str(), r.imported_by.as_str()))
        .collect();
    assert_eq!(
        versions,
        [(1, "v1", "admin"), (2, "v2", "admin2"), (3, "v1", "admin2")]
    );
    assert_eq!(history[0].imported_at, instant(0));
    assert_eq!(history[1].imported_at, instant(10));
    assert_eq!(history[0].title, "Bộ tiêu chí xa-2021");
    assert!(
        store
            .criteria_set_history("khong-co")
            .await
            .expect("history")
            .is_empty()
    );

    let log = store
        .list_audit(&AuditFilter {
            target_kind: Some("criteria_set".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let entries: Vec<(&str, &str, Option<&str>)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.target_id.as_str(), e.after.as_deref()))
        .collect();
    assert_eq!(
        entries,
        [
            (
                "criteria_set.create",
                "nong-thon-moi-2026",
                Some("phiên bản 1")
            ),
            ("criteria_set.update", "xa-2021", Some("phiên bản 3")),
            ("criteria_set.update", "xa-2021", Some("phiên bản 2")),
            ("criteria_set.create", "xa-2021", Some("phiên bản 1")),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Audit log
// ---------------------------------------------------------------------------------------

/// Each filter narrows the log, filters combine, results are newest first, and the limit
/// keeps the newest.
pub async fn audit_filters_work(store: &dyn Store) {
    import_fixture(store).await;
    let mut context = audit("editor", "lần 1");
    context.at = instant(1);
    store
        .write_values(
            &[
                value("18077@2020-01-01", 2024, "1.1", "1", None),
                value("18073@2020-01-01", 2024, "1.1", "1", None),
            ],
            &context,
        )
        .await
        .expect("values");
    let mut context = audit("reviewer", "lần 2");
    context.at = instant(2);
    store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "2", None)],
            &context,
        )
        .await
        .expect("values");

    let all = all_audit(store).await;
    assert_eq!(all.len(), 13);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    assert_eq!(all[0].action, "value.update");

    let query =
        |filter: AuditFilter| async move { store.list_audit(&filter).await.expect("audit") };
    let by_actor = query(AuditFilter {
        actor: Some("editor".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_actor.len(), 2);
    let by_action = query(AuditFilter {
        action: Some("unit.create".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_action.len(), 6);
    let by_kind = query(AuditFilter {
        target_kind: Some("value".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(by_kind.len(), 3);
    let target = value_target_id(&id("18077@2020-01-01"), 2024, "1.1");
    let by_target = query(AuditFilter {
        target_id: Some(target.clone()),
        ..AuditFilter::default()
    })
    .await;
    let actions: Vec<&str> = by_target.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["value.update", "value.create"]);
    let by_unit = query(AuditFilter {
        unit_id: Some("18077@2020-01-01".into()),
        ..AuditFilter::default()
    })
    .await;
    // The unit itself, its merge edge, and two value entries.
    assert_eq!(by_unit.len(), 4, "{by_unit:#?}");
    let combined = query(AuditFilter {
        actor: Some("editor".into()),
        unit_id: Some("18077@2020-01-01".into()),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(combined.len(), 1);
    assert_eq!(combined[0].target_id, target);
    let limited = query(AuditFilter {
        limit: Some(2),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(limited, all[..2]);
    assert!(
        query(AuditFilter {
            limit: Some(0),
            ..AuditFilter::default()
        })
        .await
        .is_empty()
    );
    assert!(
        query(AuditFilter {
            actor: Some("nobody".into()),
            ..AuditFilter::default()
        })
        .await
        .is_empty()
    );

    // A reader's scope is applied in the query: its units, and entries about no unit only
    // when asked; a limit counts what the reader sees.
    let scope = |unitless| {
        Some(ntm_store::AuditScope {
            units: vec![id("18077@2020-01-01")],
            unitless,
        })
    };
    let scoped = query(AuditFilter {
        scope: scope(false),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(scoped, by_unit);
    let unitless = all.iter().filter(|e| e.unit_id.is_none()).count();
    let with_unitless = query(AuditFilter {
        scope: scope(true),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(with_unitless.len(), by_unit.len() + unitless);
    let newest_scoped = query(AuditFilter {
        scope: scope(false),
        limit: Some(1),
        ..AuditFilter::default()
    })
    .await;
    assert_eq!(newest_scoped, by_unit[..1]);
    assert!(
        query(AuditFilter {
            scope: Some(ntm_store::AuditScope::default()),
            ..AuditFilter::default()
        })
        .await
        .is_empty(),
        "an empty scope sees nothing"
    );
}

// ---------------------------------------------------------------------------------------
// Users and grants
// ---------------------------------------------------------------------------------------

/// A stand-in for an argon2id PHC string; the store never looks inside it.
fn password_hash(secret: &str) -> String {
    format!("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA${secret}")
}

fn grant(role: &str, unit: &str) -> GrantRecord {
    GrantRecord {
        follows_successors: true,
        role: role.into(),
        unit_id: id(unit),
    }
}

fn new_user(username: &str, grants: Vec<GrantRecord>) -> NewUser {
    NewUser {
        username: username.into(),
        full_name: format!("Cán bộ {username}"),
        password_hash: password_hash(&format!("{username}-1")),
        grants,
    }
}

async fn create_user(store: &dyn Store, username: &str, grants: Vec<GrantRecord>) -> i64 {
    store
        .create_user(
            &new_user(username, grants),
            &audit("admin", "tạo tài khoản"),
        )
        .await
        .expect("user created")
}

/// Panics when an audit entry holds any of `secrets` (password or token hashes).
fn assert_no_secret_in_audit(log: &[AuditRecord], secrets: &[&str]) {
    for entry in log {
        for text in [
            Some(entry.target_id.as_str()),
            entry.before.as_deref(),
            entry.after.as_deref(),
            Some(entry.reason.as_str()),
        ]
        .into_iter()
        .flatten()
        {
            for secret in secrets {
                assert!(
                    !text.contains(secret),
                    "audit entry leaks a hash: {entry:?}"
                );
            }
        }
    }
}

/// A user reads back by name and by id exactly as created (enabled, created at the audit
/// time); usernames are case-sensitive; a taken username is a `Conflict` in Vietnamese that
/// writes nothing, and so is a grant on a unit that does not exist. `user.create` is
/// audited without the password hash.
pub async fn users_create_find_and_duplicate_conflict(store: &dyn Store) {
    import_fixture(store).await;
    let nva = create_user(
        store,
        "nva",
        vec![
            grant("viewer", "42@2020-01-01"),
            grant("commune", "18077@2020-01-01"),
        ],
    )
    .await;
    let expected = UserRecord {
        id: nva,
        username: "nva".into(),
        full_name: "Cán bộ nva".into(),
        password_hash: password_hash("nva-1"),
        disabled: false,
        created_at: instant(0),
        email: None,
    };
    assert_eq!(
        store.find_user("nva").await.expect("find"),
        Some(expected.clone())
    );
    assert_eq!(store.get_user(nva).await.expect("get"), Some(expected));
    assert_eq!(store.find_user("NVA").await.expect("find"), None);
    assert_eq!(store.find_user("khong-co").await.expect("find"), None);
    assert_eq!(store.get_user(nva + 1000).await.expect("get"), None);

    let admin = create_user(store, "admin", Vec::new()).await;
    assert_ne!(admin, nva);
    let names = |users: Vec<UserRecord>| users.into_iter().map(|u| u.username).collect::<Vec<_>>();
    assert_eq!(
        names(store.list_users().await.expect("list")),
        ["admin", "nva"]
    );
    let log = all_audit(store).await;

    let mut again = new_user("nva", Vec::new());
    again.full_name = "Người khác".into();
    let err = store
        .create_user(&again, &audit("admin", "tạo lại"))
        .await
        .expect_err("taken username");
    assert!(
        matches!(&err, StoreError::Conflict(m)
            if m.contains("tên đăng nhập") && m.contains("nva") && m.contains("đã tồn tại")),
        "{err}"
    );
    let err = store
        .create_user(
            &new_user("ttb", vec![grant("commune", "99999@2020-01-01")]),
            &audit("admin", "tạo"),
        )
        .await
        .expect_err("grant on an unknown unit");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("99999@2020-01-01")),
        "{err}"
    );
    assert_eq!(store.find_user("ttb").await.expect("find"), None);
    assert_eq!(
        names(store.list_users().await.expect("list")),
        ["admin", "nva"]
    );
    assert_eq!(
        all_audit(store).await,
        log,
        "refused creations write nothing"
    );

    let created = store
        .list_audit(&AuditFilter {
            action: Some("user.create".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(created.len(), 2);
    let entry = created
        .iter()
        .find(|e| e.target_id == "nva")
        .expect("user.create for nva");
    assert_eq!(
        (
            entry.target_kind.as_str(),
            entry.unit_id.as_deref(),
            entry.before.as_deref()
        ),
        ("user", None, None)
    );
    assert!(
        entry
            .after
            .as_deref()
            .is_some_and(|a| a.contains("Cán bộ nva") && a.contains("18077@2020-01-01")),
        "{entry:?}"
    );
    assert_eq!(
        (entry.actor.as_str(), entry.reason.as_str(), entry.at),
        ("admin", "tạo tài khoản", instant(0))
    );
    assert_no_secret_in_audit(&log, &[&password_hash("nva-1"), &password_hash("admin-1")]);
}

/// Grants come back sorted and without repeats; replacing them is audited with the old
/// and new lists, an identical replacement is not audited, a grant on an unknown unit is
/// a `Conflict` that changes nothing, and an unknown user is `NotFound`.
pub async fn grants_replace_and_list(store: &dyn Store) {
    import_fixture(store).await;
    let user = create_user(
        store,
        "nva",
        vec![
            grant("viewer", "42@2020-01-01"),
            grant("commune", "18077@2020-01-01"),
            grant("viewer", "42@2020-01-01"),
        ],
    )
    .await;
    assert_eq!(
        store.list_grants(user).await.expect("grants"),
        [
            grant("commune", "18077@2020-01-01"),
            grant("viewer", "42@2020-01-01")
        ]
    );

    let mut context = audit("admin", "phân quyền");
    context.at = instant(5);
    let replacement = [
        grant("district", "436@2020-01-01"),
        grant("commune", "18073@2025-07-01"),
    ];
    store
        .set_grants(user, &replacement, &context)
        .await
        .expect("set grants");
    assert_eq!(
        store.list_grants(user).await.expect("grants"),
        [
            grant("commune", "18073@2025-07-01"),
            grant("district", "436@2020-01-01")
        ]
    );
    let grant_log = |store: &'static str| AuditFilter {
        action: Some(store.into()),
        ..AuditFilter::default()
    };
    let changes = store
        .list_audit(&grant_log("user.grants"))
        .await
        .expect("audit");
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (
            changes[0].target_kind.as_str(),
            changes[0].target_id.as_str(),
            changes[0].at
        ),
        ("user", "nva", instant(5))
    );
    assert_eq!(
        changes[0].before.as_deref(),
        Some("commune tại 18077@2020-01-01, viewer tại 42@2020-01-01")
    );
    assert_eq!(
        changes[0].after.as_deref(),
        Some("commune tại 18073@2025-07-01, district tại 436@2020-01-01")
    );

    let log = all_audit(store).await;
    // The same grants in another order are no change.
    let reordered = [replacement[1].clone(), replacement[0].clone()];
    store
        .set_grants(user, &reordered, &context)
        .await
        .expect("same grants");
    assert_eq!(all_audit(store).await, log);

    // Whether a grant follows its unit's successors is stored, and changing only that is
    // a change, audited.
    let mut stays = replacement.clone();
    stays[1].follows_successors = false;
    store
        .set_grants(user, &stays, &context)
        .await
        .expect("a grant that stays");
    let listed = store.list_grants(user).await.expect("grants");
    assert_eq!(
        listed
            .iter()
            .map(|g| (g.unit_id.as_str(), g.follows_successors))
            .collect::<Vec<_>>(),
        [("18073@2025-07-01", false), ("436@2020-01-01", true)]
    );
    let changes = store
        .list_audit(&grant_log("user.grants"))
        .await
        .expect("audit");
    assert_eq!(changes.len(), 2);
    assert!(
        changes
            .iter()
            .any(|c| c.after.as_deref()
                == Some("commune tại 18073@2025-07-01 (không chuyển sang đơn vị kế thừa), district tại 436@2020-01-01")),
        "{changes:?}"
    );
    store
        .set_grants(user, &replacement, &context)
        .await
        .expect("back");
    let log = all_audit(store).await;

    let err = store
        .set_grants(
            user,
            &[
                grant("viewer", "42@2020-01-01"),
                grant("commune", "99999@2020-01-01"),
            ],
            &context,
        )
        .await
        .expect_err("unknown unit");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("99999@2020-01-01")),
        "{err}"
    );
    assert_eq!(
        store.list_grants(user).await.expect("grants"),
        [
            grant("commune", "18073@2025-07-01"),
            grant("district", "436@2020-01-01")
        ]
    );
    assert_eq!(all_audit(store).await, log);

    let err = store
        .set_grants(user + 1000, &reordered, &context)
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert!(
        store
            .list_grants(user + 1000)
            .await
            .expect("grants")
            .is_empty()
    );

    store
        .set_grants(user, &[], &context)
        .await
        .expect("no grants");
    assert!(store.list_grants(user).await.expect("grants").is_empty());
    let changes = store
        .list_audit(&grant_log("user.grants"))
        .await
        .expect("audit");
    assert_eq!(changes.len(), 4, "two changes, the flag and back, none");
    assert_eq!(changes[0].after.as_deref(), Some("không có quyền"));
}

// ---------------------------------------------------------------------------------------
// Sessions and tokens
// ---------------------------------------------------------------------------------------

/// A session created at `instant(created)` that expires at `instant(expires)`.
fn session(id_hash: &str, user_id: i64, created: i64, expires: i64) -> SessionRecord {
    SessionRecord {
        id_hash: id_hash.into(),
        user_id,
        csrf_token: format!("csrf-{id_hash}"),
        created_at: instant(created),
        expires_at: instant(expires),
    }
}

async fn create_sessions(store: &dyn Store, sessions: &[SessionRecord]) {
    for s in sessions {
        store.create_session(s).await.expect("session created");
    }
}

async fn live(store: &dyn Store, id_hash: &str) -> bool {
    store
        .find_session(id_hash, instant(1))
        .await
        .expect("find session")
        .is_some()
}

async fn create_token(store: &dyn Store, user_id: i64, name: &str, token_hash: &str) -> i64 {
    store
        .create_token(user_id, name, token_hash, &audit("owner", "tạo mã"))
        .await
        .expect("token created")
}

/// A new password replaces the hash, ends the user's sessions (not other users') and
/// revokes the user's API tokens (each `token.delete` audited), and is audited without
/// either hash; an unknown user is `NotFound`. Before, the user's live sessions are listed
/// newest first.
pub async fn password_change_drops_sessions(store: &dyn Store) {
    import_fixture(store).await;
    let a = create_user(store, "nva", Vec::new()).await;
    let b = create_user(store, "ttb", Vec::new()).await;
    create_sessions(
        store,
        &[
            session("a-1", a, 0, 60),
            session("a-2", a, 0, 60),
            session("b-1", b, 0, 60),
        ],
    )
    .await;
    create_token(store, a, "máy chủ báo cáo", "token-hash-a").await;
    create_sessions(
        store,
        &[session("a-old", a, -120, -60), session("a-3", a, 5, 60)],
    )
    .await;
    let listed: Vec<String> = store
        .list_sessions(a, instant(6))
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| s.id_hash)
        .collect();
    assert_eq!(listed, ["a-3", "a-1", "a-2"], "live ones, newest first");

    let new_hash = password_hash("nva-2");
    let mut context = audit("nva", "đổi mật khẩu");
    context.at = instant(7);
    store
        .set_password(a, &new_hash, &context)
        .await
        .expect("set password");
    let user = store.get_user(a).await.expect("get").expect("exists");
    assert_eq!(user.password_hash, new_hash);
    assert!(!live(store, "a-1").await && !live(store, "a-2").await);
    assert!(live(store, "b-1").await, "another user's session stays");
    assert!(
        store.list_tokens(a).await.expect("tokens").is_empty(),
        "tokens revoked"
    );
    let revoked = store
        .list_audit(&AuditFilter {
            action: Some("token.delete".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(revoked.len(), 1);

    let changes = store
        .list_audit(&AuditFilter {
            action: Some("user.password".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (
            changes[0].target_kind.as_str(),
            changes[0].target_id.as_str(),
            changes[0].actor.as_str(),
            changes[0].at
        ),
        ("user", "nva", "nva", instant(7))
    );
    assert_no_secret_in_audit(
        &all_audit(store).await,
        &[&new_hash, &password_hash("nva-1"), "token-hash-a"],
    );

    let log = all_audit(store).await;
    let err = store
        .set_password(a + 1000, &new_hash, &context)
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(all_audit(store).await, log);
}

/// Disabling a user ends its sessions and deletes its tokens (each audited as
/// `token.delete`), other users keep theirs; disabling again changes and audits nothing;
/// enabling is audited; an unknown user is `NotFound`.
pub async fn disabling_drops_sessions_and_tokens(store: &dyn Store) {
    import_fixture(store).await;
    let a = create_user(store, "nva", Vec::new()).await;
    let b = create_user(store, "ttb", Vec::new()).await;
    create_sessions(
        store,
        &[
            session("a-1", a, 0, 60),
            session("a-2", a, 0, 60),
            session("b-1", b, 0, 60),
        ],
    )
    .await;
    let t1 = create_token(store, a, "một", "hash-a-1").await;
    let t2 = create_token(store, a, "hai", "hash-a-2").await;
    create_token(store, b, "ba", "hash-b-1").await;

    let mut context = audit("admin", "nghỉ việc");
    context.at = instant(9);
    store
        .set_disabled(a, true, &context)
        .await
        .expect("disable");
    assert!(
        store
            .get_user(a)
            .await
            .expect("get")
            .expect("exists")
            .disabled
    );
    assert!(!live(store, "a-1").await && !live(store, "a-2").await);
    assert!(store.list_tokens(a).await.expect("tokens").is_empty());
    assert_eq!(store.find_token("hash-a-1").await.expect("find"), None);
    assert!(live(store, "b-1").await);
    assert!(store.find_token("hash-b-1").await.expect("find").is_some());
    assert!(
        !store
            .get_user(b)
            .await
            .expect("get")
            .expect("exists")
            .disabled
    );

    let log = all_audit(store).await;
    let newest: Vec<(&str, &str)> = log
        .iter()
        .take(3)
        .map(|e| (e.action.as_str(), e.target_id.as_str()))
        .collect();
    let (t1, t2) = (t1.to_string(), t2.to_string());
    assert_eq!(
        newest,
        [
            ("token.delete", t2.as_str()),
            ("token.delete", t1.as_str()),
            ("user.disable", "nva")
        ]
    );
    assert!(
        log[..3]
            .iter()
            .all(|e| e.at == instant(9) && e.actor == "admin")
    );
    assert_eq!(log[2].before.as_deref(), Some("đang hoạt động"));
    assert_eq!(log[2].after.as_deref(), Some("bị khóa"));
    assert_eq!(log[0].target_kind, "token");
    assert_eq!(log[0].unit_id, None);
    assert_no_secret_in_audit(&log, &["hash-a-1", "hash-a-2", "hash-b-1"]);

    store
        .set_disabled(a, true, &context)
        .await
        .expect("disable again");
    assert_eq!(all_audit(store).await, log, "no change, no entry");

    store
        .set_disabled(a, false, &context)
        .await
        .expect("enable");
    assert!(
        !store
            .get_user(a)
            .await
            .expect("get")
            .expect("exists")
            .disabled
    );
    let enabled = all_audit(store).await;
    assert_eq!(enabled.len(), log.len() + 1);
    assert_eq!(
        (enabled[0].action.as_str(), enabled[0].target_id.as_str()),
        ("user.enable", "nva")
    );

    let err = store
        .set_disabled(a + 1000, true, &context)
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

/// A session reads back exactly until it expires (at its expiry instant it is gone);
/// expired sessions are purged by count; deleting is idempotent; a session of an unknown
/// user is `NotFound`, a taken id hash a `Conflict`; sessions write no audit entry.
pub async fn sessions_expire(store: &dyn Store) {
    import_fixture(store).await;
    let user = create_user(store, "nva", Vec::new()).await;
    let log = all_audit(store).await;
    let long = session("long", user, 0, 60);
    let short = session("short", user, 0, 10);
    create_sessions(store, &[long.clone(), short.clone()]).await;

    assert_eq!(
        store.find_session("long", instant(5)).await.expect("find"),
        Some(long.clone())
    );
    assert_eq!(
        store.find_session("short", instant(9)).await.expect("find"),
        Some(short.clone())
    );
    assert_eq!(
        store
            .find_session("short", instant(10))
            .await
            .expect("find"),
        None,
        "expired at its expiry instant"
    );
    assert_eq!(
        store
            .find_session("short", instant(10) - chrono::Duration::microseconds(1))
            .await
            .expect("find"),
        Some(short.clone()),
        "alive one microsecond before"
    );
    assert_eq!(
        store
            .find_session("unknown", instant(0))
            .await
            .expect("find"),
        None
    );

    assert_eq!(
        store
            .delete_expired_sessions(instant(30))
            .await
            .expect("purge"),
        1
    );
    assert_eq!(
        store.find_session("short", instant(0)).await.expect("find"),
        None,
        "purged"
    );
    assert_eq!(
        store.find_session("long", instant(0)).await.expect("find"),
        Some(long.clone())
    );
    assert_eq!(
        store
            .delete_expired_sessions(instant(30))
            .await
            .expect("purge"),
        0
    );

    let err = store
        .create_session(&long)
        .await
        .expect_err("taken id hash");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    let err = store
        .create_session(&session("orphan", user + 1000, 0, 60))
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    store.delete_session("long").await.expect("sign out");
    assert_eq!(
        store.find_session("long", instant(0)).await.expect("find"),
        None
    );
    store.delete_session("long").await.expect("sign out twice");
    assert_eq!(all_audit(store).await, log, "sessions are not audited");
}

/// A token is found by its hash with its owner, name and creation time; a user lists
/// only its own tokens, oldest first; another user cannot delete it (`NotFound`), its
/// owner can, once. Creation and deletion are audited without the hash; a taken hash is a
/// `Conflict` whose message does not show it; an unknown user is `NotFound`.
pub async fn tokens_are_found_by_hash_and_deleted_only_by_owner(store: &dyn Store) {
    import_fixture(store).await;
    let a = create_user(store, "nva", Vec::new()).await;
    let b = create_user(store, "ttb", Vec::new()).await;
    let t1 = create_token(store, a, "máy chủ báo cáo", "hash-1").await;
    let t2 = create_token(store, a, "bảng tính", "hash-2").await;
    let t3 = create_token(store, b, "điện thoại", "hash-3").await;

    let expected = TokenRecord {
        id: t1,
        user_id: a,
        name: "máy chủ báo cáo".into(),
        token_hash: "hash-1".into(),
        created_at: instant(0),
        last_used_at: None,
    };
    assert_eq!(
        store.find_token("hash-1").await.expect("find"),
        Some(expected.clone())
    );
    assert_eq!(store.find_token("hash-9").await.expect("find"), None);
    store.touch_token(t1, instant(3)).await.expect("used");
    let expected = TokenRecord {
        last_used_at: Some(instant(3)),
        ..expected
    };
    assert_eq!(
        store.find_token("hash-1").await.expect("find"),
        Some(expected.clone())
    );
    let ids = |tokens: Vec<TokenRecord>| tokens.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_tokens(a).await.expect("list")), [t1, t2]);
    assert_eq!(ids(store.list_tokens(b).await.expect("list")), [t3]);

    let err = store
        .delete_token(b, t1, &audit("ttb", "xóa mã"))
        .await
        .expect_err("not the owner");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    assert_eq!(
        store.find_token("hash-1").await.expect("find"),
        Some(expected)
    );

    let mut context = audit("nva", "xóa mã");
    context.at = instant(4);
    store.delete_token(a, t1, &context).await.expect("delete");
    assert_eq!(store.find_token("hash-1").await.expect("find"), None);
    assert_eq!(ids(store.list_tokens(a).await.expect("list")), [t2]);
    let err = store
        .delete_token(a, t1, &context)
        .await
        .expect_err("already deleted");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    let err = store
        .create_token(b, "trùng", "hash-2", &audit("ttb", "tạo mã"))
        .await
        .expect_err("taken hash");
    assert!(
        matches!(&err, StoreError::Conflict(m) if !m.contains("hash-2")),
        "{err}"
    );
    let err = store
        .create_token(a + 1000, "mồ côi", "hash-8", &audit("x", "tạo mã"))
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");

    let log = store
        .list_audit(&AuditFilter {
            target_kind: Some("token".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let entries: Vec<(&str, String)> = log
        .iter()
        .map(|e| (e.action.as_str(), e.target_id.clone()))
        .collect();
    assert_eq!(
        entries,
        [
            ("token.delete", t1.to_string()),
            ("token.create", t3.to_string()),
            ("token.create", t2.to_string()),
            ("token.create", t1.to_string()),
        ]
    );
    assert!(log.iter().all(|e| e.unit_id.is_none()));
    assert_eq!(
        (log[0].actor.as_str(), log[0].at, log[0].after.as_deref()),
        ("nva", instant(4), None)
    );
    assert!(
        log[0]
            .before
            .as_deref()
            .is_some_and(|b| b.contains("máy chủ báo cáo")),
        "{:?}",
        log[0]
    );
    assert_no_secret_in_audit(&all_audit(store).await, &["hash-1", "hash-2", "hash-3"]);
}

// ---------------------------------------------------------------------------------------
// Approval workflow
// ---------------------------------------------------------------------------------------

/// A submission record updated at `instant(minutes)` by `reviewer`.
fn submission(
    unit: &str,
    year: i32,
    status: &str,
    minutes: i64,
    comment: Option<&str>,
) -> SubmissionRecord {
    SubmissionRecord {
        unit_id: id(unit),
        year,
        status: status.into(),
        updated_at: instant(minutes),
        updated_by: "reviewer".into(),
        comment: comment.map(Into::into),
    }
}

/// Records `record` with an audit context at its own time.
async fn set_submission(store: &dyn Store, record: &SubmissionRecord) {
    let context = AuditContext {
        actor: record.updated_by.clone(),
        at: record.updated_at,
        reason: format!("duyệt {}", record.status),
    };
    store
        .set_submission(record, &context)
        .await
        .expect("submission recorded");
}

/// A unit-year without a record has none; each new state reads back exactly and is
/// audited as `submission.<status>` with the old and new status (and the comment); a
/// submission for an unknown unit is a `Conflict` and an unknown status an error, both
/// writing nothing.
pub async fn submission_round_trip_and_audit(store: &dyn Store) {
    import_fixture(store).await;
    let unit = id("18077@2020-01-01");
    assert_eq!(store.get_submission(&unit, 2024).await.expect("get"), None);

    let submitted = submission("18077@2020-01-01", 2024, "submitted", 1, None);
    set_submission(store, &submitted).await;
    assert_eq!(
        store.get_submission(&unit, 2024).await.expect("get"),
        Some(submitted)
    );
    let returned = submission(
        "18077@2020-01-01",
        2024,
        "returned",
        2,
        Some("thiếu chỉ tiêu 2.1"),
    );
    set_submission(store, &returned).await;
    assert_eq!(
        store.get_submission(&unit, 2024).await.expect("get"),
        Some(returned)
    );
    assert_eq!(store.get_submission(&unit, 2025).await.expect("get"), None);

    let log = store
        .list_audit(&AuditFilter {
            target_kind: Some("submission".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let entries: Vec<_> = log
        .iter()
        .map(|e| {
            (
                e.action.as_str(),
                e.target_id.as_str(),
                e.unit_id.as_deref(),
                e.before.as_deref(),
                e.after.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            (
                "submission.returned",
                "18077@2020-01-01|2024",
                Some("18077@2020-01-01"),
                Some("submitted"),
                Some("returned — thiếu chỉ tiêu 2.1")
            ),
            (
                "submission.submitted",
                "18077@2020-01-01|2024",
                Some("18077@2020-01-01"),
                None,
                Some("submitted")
            ),
        ]
    );
    assert_eq!((log[0].actor.as_str(), log[0].at), ("reviewer", instant(2)));

    let before = all_audit(store).await;
    let err = store
        .set_submission(
            &submission("99999@2020-01-01", 2024, "submitted", 3, None),
            &audit("x", "y"),
        )
        .await
        .expect_err("unknown unit");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("99999@2020-01-01")),
        "{err}"
    );
    assert!(
        store
            .set_submission(
                &submission("18077@2020-01-01", 2024, "locked", 3, None),
                &audit("x", "y"),
            )
            .await
            .is_err(),
        "an unknown status is refused"
    );
    assert_eq!(
        store
            .get_submission(&unit, 2024)
            .await
            .expect("get")
            .map(|s| s.status),
        Some("returned".into())
    );
    assert_eq!(all_audit(store).await, before);
}

/// Approving copies the unit-year's current values (and only those) as the approved
/// snapshot; approving again after changes replaces it; reopening keeps the last one.
pub async fn approving_snapshots_values(store: &dyn Store) {
    import_fixture(store).await;
    let unit = id("18077@2020-01-01");
    store
        .write_values(
            &[
                value("18077@2020-01-01", 2024, "1.1", "70", None),
                value("18077@2020-01-01", 2024, "2.1", "85", Some("theo báo cáo")),
                value("18077@2020-01-01", 2025, "1.1", "1", None),
                value("18073@2020-01-01", 2024, "1.1", "5", None),
            ],
            &audit("editor", "nhập"),
        )
        .await
        .expect("values");
    assert!(
        store
            .approved_values(&unit, 2024)
            .await
            .expect("snapshot")
            .is_empty()
    );
    let current = |store: &'static str| ValueFilter {
        year: Some(2024),
        units: Some(vec![id(store)]),
        indicator_id: None,
    };

    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 3, None),
    )
    .await;
    let first = store.approved_values(&unit, 2024).await.expect("snapshot");
    assert_eq!(first.len(), 2);
    assert_eq!(
        first,
        store
            .list_values(&current("18077@2020-01-01"))
            .await
            .expect("values")
    );
    assert!(
        store
            .approved_values(&unit, 2025)
            .await
            .expect("snapshot")
            .is_empty()
    );
    assert!(
        store
            .approved_values(&id("18073@2020-01-01"), 2024)
            .await
            .expect("snapshot")
            .is_empty()
    );
    let approved = store
        .list_audit(&AuditFilter {
            action: Some("submission.approved".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(approved.len(), 1);
    assert_eq!(approved[0].after.as_deref(), Some("approved"));

    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "draft", 4, Some("mở lại để sửa")),
    )
    .await;
    assert_eq!(
        store.approved_values(&unit, 2024).await.expect("snapshot"),
        first,
        "reopening keeps the last snapshot"
    );
    let mut context = audit("editor2", "sửa");
    context.at = instant(5);
    store
        .write_values(
            &[
                value("18077@2020-01-01", 2024, "1.1", "75", None),
                value("18077@2020-01-01", 2024, "3.1", "đạt", None),
            ],
            &context,
        )
        .await
        .expect("values after reopening");
    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 6, None),
    )
    .await;
    let second = store.approved_values(&unit, 2024).await.expect("snapshot");
    let rows: Vec<(&str, &str, &str)> = second
        .iter()
        .map(|r| {
            (
                r.indicator_id.as_str(),
                r.value.as_str(),
                r.entered_by.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("1.1", "75", "editor2"),
            ("2.1", "85", "editor"),
            ("3.1", "đạt", "editor2")
        ]
    );
    assert_eq!(
        second,
        store
            .list_values(&current("18077@2020-01-01"))
            .await
            .expect("values")
    );
}

/// The official reading: `list_approved_values` returns the snapshots (not the current
/// values of a reopened unit-year), filtered like `list_values`; `unapproved` names every
/// unit-year with values that is not approved, with its status (no record is a draft).
pub async fn official_values_are_the_approved_snapshots(store: &dyn Store) {
    import_fixture(store).await;
    store
        .write_values(
            &[
                value("18077@2020-01-01", 2024, "1.1", "70", None),
                value("18077@2020-01-01", 2025, "1.1", "71", None),
                value("18073@2020-01-01", 2024, "1.1", "5", None),
                value("18073@2020-01-01", 2024, "2.1", "6", None),
            ],
            &audit("editor", "nhập"),
        )
        .await
        .expect("values");
    let all = ValueFilter::default();
    assert!(
        store
            .list_approved_values(&all)
            .await
            .expect("approved")
            .is_empty()
    );
    let names = |rows: Vec<ntm_store::UnitYearStatus>| -> Vec<(String, i32, String)> {
        rows.into_iter()
            .map(|r| (r.unit_id.to_string(), r.year, r.status))
            .collect()
    };
    assert_eq!(
        names(store.unapproved(None).await.expect("unapproved")),
        [
            ("18073@2020-01-01".to_owned(), 2024, "draft".to_owned()),
            ("18077@2020-01-01".to_owned(), 2024, "draft".to_owned()),
            ("18077@2020-01-01".to_owned(), 2025, "draft".to_owned()),
        ]
    );
    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 3, None),
    )
    .await;
    set_submission(
        store,
        &submission("18073@2020-01-01", 2024, "submitted", 3, None),
    )
    .await;
    assert_eq!(
        names(store.unapproved(Some(2024)).await.expect("unapproved")),
        [("18073@2020-01-01".to_owned(), 2024, "submitted".to_owned())]
    );
    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "draft", 4, Some("mở lại")),
    )
    .await;
    store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "90", None)],
            &audit("editor", "sửa"),
        )
        .await
        .expect("edit after reopening");
    let approved = store.list_approved_values(&all).await.expect("approved");
    let rows: Vec<(String, i32, &str, &str)> = approved
        .iter()
        .map(|r| {
            (
                r.unit_id.to_string(),
                r.year,
                r.indicator_id.as_str(),
                r.value.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("18077@2020-01-01".to_owned(), 2024, "1.1", "70")],
        "the snapshot, not the reopened unit-year's current value"
    );
    let filtered = ValueFilter {
        year: Some(2025),
        units: Some(vec![id("18077@2020-01-01")]),
        indicator_id: None,
    };
    assert!(
        store
            .list_approved_values(&filtered)
            .await
            .expect("approved")
            .is_empty()
    );
    assert_eq!(
        names(store.unapproved(Some(2024)).await.expect("unapproved")),
        [
            ("18073@2020-01-01".to_owned(), 2024, "submitted".to_owned()),
            ("18077@2020-01-01".to_owned(), 2024, "draft".to_owned()),
        ]
    );
}

/// A batch that touches an approved unit-year is refused whole with a `Conflict` naming
/// the unit and year: neither its other unit-years, nor an unchanged value, nor any audit
/// entry land. A submitted (not approved) unit-year is not locked by the store.
pub async fn approved_unit_year_refuses_writes(store: &dyn Store) {
    import_fixture(store).await;
    store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "70", None)],
            &audit("editor", "nhập"),
        )
        .await
        .expect("values");
    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 3, None),
    )
    .await;
    set_submission(
        store,
        &submission("18073@2020-01-01", 2024, "submitted", 3, None),
    )
    .await;
    let values = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    let log = all_audit(store).await;

    let batch = [
        value("18073@2020-01-01", 2024, "1.1", "1", None),
        value("18077@2020-01-01", 2025, "1.1", "2", None),
        value("18077@2020-01-01", 2024, "1.1", "71", None),
        value("18077@2020-01-01", 2024, "9.9", "3", None),
        value("18073@2025-07-01", 2024, "1.1", "4", None),
    ];
    let err = store
        .write_values(&batch, &audit("editor", "sửa"))
        .await
        .expect_err("locked unit-year");
    assert!(
        matches!(&err, StoreError::Conflict(m)
            if m.contains("18077@2020-01-01") && m.contains("2024") && m.contains("khóa")),
        "{err}"
    );
    assert!(
        !matches!(&err, StoreError::Conflict(m) if m.contains("18073")),
        "only the locked unit-year is named: {err}"
    );
    let err = store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "70", None)],
            &audit("editor", "ghi lại"),
        )
        .await
        .expect_err("an unchanged value of a locked unit-year is refused too");
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert_eq!(
        store
            .list_values(&ValueFilter::default())
            .await
            .expect("list"),
        values
    );
    assert_eq!(all_audit(store).await, log);

    let unlocked = store
        .write_values(
            &[
                value("18073@2020-01-01", 2024, "1.1", "1", None),
                value("18077@2020-01-01", 2025, "1.1", "2", None),
            ],
            &audit("editor", "sửa"),
        )
        .await
        .expect("other unit-years are writable");
    assert_eq!(unlocked, summary(2, 0, 0));
}

/// Reopening an approved unit-year (status back to `draft`) makes its values writable
/// again.
pub async fn reopened_unit_year_accepts_writes(store: &dyn Store) {
    import_fixture(store).await;
    let write = |v: &'static str| [value("18077@2020-01-01", 2024, "1.1", v, None)];
    store
        .write_values(&write("70"), &audit("editor", "nhập"))
        .await
        .expect("values");
    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "approved", 3, None),
    )
    .await;
    store
        .write_values(&write("75"), &audit("editor", "sửa"))
        .await
        .expect_err("locked");

    set_submission(
        store,
        &submission(
            "18077@2020-01-01",
            2024,
            "draft",
            4,
            Some("mở lại: sửa sai"),
        ),
    )
    .await;
    let reopened = store
        .list_audit(&AuditFilter {
            action: Some("submission.draft".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(reopened.len(), 1);
    assert_eq!(
        (reopened[0].before.as_deref(), reopened[0].after.as_deref()),
        (Some("approved"), Some("draft — mở lại: sửa sai"))
    );

    assert_eq!(
        store
            .write_values(&write("75"), &audit("editor", "sửa"))
            .await
            .expect("writable after reopening"),
        summary(0, 1, 0)
    );
    let read = store
        .list_values(&ValueFilter::default())
        .await
        .expect("list");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].value, "75");
    assert_eq!(
        store
            .approved_values(&id("18077@2020-01-01"), 2024)
            .await
            .expect("snapshot")
            .iter()
            .map(|r| r.value.as_str())
            .collect::<Vec<_>>(),
        ["70"]
    );
}

/// Submissions list ordered by year, then unit; status and year filter and combine.
pub async fn list_submissions_filters(store: &dyn Store) {
    import_fixture(store).await;
    for record in [
        submission("18077@2020-01-01", 2024, "submitted", 1, None),
        submission("18073@2020-01-01", 2024, "approved", 2, None),
        submission("18073@2025-07-01", 2025, "submitted", 3, None),
        submission("18100@2020-01-01", 2023, "returned", 4, Some("sai số liệu")),
        submission("18077@2020-01-01", 2025, "draft", 5, None),
    ] {
        set_submission(store, &record).await;
    }
    let keys = |filter: SubmissionFilter| async move {
        store
            .list_submissions(&filter)
            .await
            .expect("list")
            .into_iter()
            .map(|s| format!("{}|{}|{}", s.unit_id, s.year, s.status))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(SubmissionFilter::default()).await,
        [
            "18100@2020-01-01|2023|returned",
            "18073@2020-01-01|2024|approved",
            "18077@2020-01-01|2024|submitted",
            "18073@2025-07-01|2025|submitted",
            "18077@2020-01-01|2025|draft",
        ]
    );
    assert_eq!(
        keys(SubmissionFilter {
            status: Some("submitted".into()),
            year: None
        })
        .await,
        [
            "18077@2020-01-01|2024|submitted",
            "18073@2025-07-01|2025|submitted"
        ]
    );
    assert_eq!(
        keys(SubmissionFilter {
            status: None,
            year: Some(2024)
        })
        .await,
        [
            "18073@2020-01-01|2024|approved",
            "18077@2020-01-01|2024|submitted"
        ]
    );
    assert_eq!(
        keys(SubmissionFilter {
            status: Some("submitted".into()),
            year: Some(2025)
        })
        .await,
        ["18073@2025-07-01|2025|submitted"]
    );
    assert!(
        keys(SubmissionFilter {
            status: Some("approved".into()),
            year: Some(2023)
        })
        .await
        .is_empty()
    );
    let full = store
        .list_submissions(&SubmissionFilter {
            year: Some(2023),
            ..SubmissionFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(
        full,
        [submission(
            "18100@2020-01-01",
            2023,
            "returned",
            4,
            Some("sai số liệu")
        )]
    );
}

// ---------------------------------------------------------------------------------------
// Directives, tasks, organisations, reports, notifications, reminders
// ---------------------------------------------------------------------------------------

fn organisation(name: &str, kind: &str) -> NewOrganisation {
    NewOrganisation {
        name: name.into(),
        kind: kind.into(),
    }
}

async fn create_organisation(store: &dyn Store, name: &str) -> i64 {
    store
        .create_organisation(
            &organisation(name, "sở"),
            &audit("admin", "danh mục tổ chức"),
        )
        .await
        .expect("organisation created")
}

fn details(
    text: &str,
    lead: Assignee,
    deadline: Option<&str>,
    recurrence: Option<&str>,
) -> TaskDetails {
    TaskDetails {
        text: text.into(),
        lead,
        cooperating: Vec::new(),
        deadline: deadline.map(date),
        recurrence: recurrence.map(str::to_owned),
        expected_output: "Báo cáo kết quả".into(),
        serves: "Tiêu chí 17 — Môi trường".into(),
    }
}

fn new_task(code: &str, details: TaskDetails, children: Vec<NewTask>) -> NewTask {
    NewTask {
        code: code.into(),
        details,
        children,
    }
}

/// The bytes of a directive's file: not UTF-8, with a NUL, so that a backend that stores
/// text would fail.
pub fn directive_bytes() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend([0x00, 0xff, 0xfe, 0x80, 0x0a]);
    bytes.extend((0..=255u8).cycle().take(3000));
    bytes
}

/// A notice of conclusions with four tasks: `1` led by the organisation `org` with the
/// district cooperating and a deadline, `2` led by the district, recurring quarterly and
/// without deadline, expanded into `2.a` and `2.b` for two of its communes.
pub fn new_directive(org: i64) -> NewDirective {
    let mut first = details(
        "Hướng dẫn tiêu chí môi trường",
        Assignee::Organisation(org),
        Some("2025-06-30"),
        None,
    );
    first.cooperating = vec![
        Assignee::Unit(id("436@2020-01-01")),
        Assignee::Organisation(org),
    ];
    NewDirective {
        kind: "thông báo".into(),
        number: "45/TB-BCĐ".into(),
        issued_on: date("2025-02-20"),
        issuer: "Ban Chỉ đạo tỉnh".into(),
        title: "Kết luận của Trưởng Ban Chỉ đạo tại hội nghị sơ kết quý I".into(),
        summary: "Giao nhiệm vụ năm 2025".into(),
        file: Some(StoredFile {
            name: "45-TB-BCĐ.pdf".into(),
            bytes: directive_bytes(),
        }),
        tasks: vec![
            new_task("1", first, Vec::new()),
            new_task(
                "2",
                details(
                    "Báo cáo quý tiến độ xây dựng nông thôn mới",
                    Assignee::Unit(id("436@2020-01-01")),
                    None,
                    Some("Quarterly:15"),
                ),
                vec![
                    new_task(
                        "2",
                        details(
                            "Báo cáo quý (Phường Bắc Hà)",
                            Assignee::Unit(id("18077@2020-01-01")),
                            Some("2025-05-31"),
                            None,
                        ),
                        Vec::new(),
                    ),
                    new_task(
                        "2",
                        details(
                            "Báo cáo quý (Phường Thạch Trung)",
                            Assignee::Unit(id("18100@2020-01-01")),
                            Some("2025-05-31"),
                            None,
                        ),
                        Vec::new(),
                    ),
                ],
            ),
        ],
    }
}

/// Units, one organisation and the directive of [`new_directive`]; returns the
/// organisation's id, the directive's id and its tasks in order.
async fn directive_fixture(store: &dyn Store) -> (i64, i64, Vec<TaskRecord>) {
    import_fixture(store).await;
    let org = create_organisation(store, "Sở Nông nghiệp và Môi trường").await;
    let directive = store
        .create_directive(&new_directive(org), &audit("vpdp", "nhập thông báo 45"))
        .await
        .expect("directive created");
    let tasks = store
        .list_tasks(&TaskFilter {
            directive_id: Some(directive),
            ..TaskFilter::default()
        })
        .await
        .expect("tasks list");
    assert_eq!(tasks.len(), 4, "{tasks:?}");
    (org, directive, tasks)
}

/// Organisations read back by id and in name order; a taken name is a `Conflict` that
/// writes nothing; creation is audited as `organisation.create`.
pub async fn organisations_round_trip(store: &dyn Store) {
    let b = create_organisation(store, "Sở Tài chính").await;
    let a = store
        .create_organisation(
            &organisation("Hội Nông dân tỉnh", "đoàn thể"),
            &audit("admin", "danh mục tổ chức"),
        )
        .await
        .expect("organisation created");
    assert_ne!(a, b);
    let list = store.list_organisations().await.expect("list");
    assert_eq!(
        list,
        vec![
            OrganisationRecord {
                id: a,
                name: "Hội Nông dân tỉnh".into(),
                kind: "đoàn thể".into()
            },
            OrganisationRecord {
                id: b,
                name: "Sở Tài chính".into(),
                kind: "sở".into()
            },
        ]
    );
    assert_eq!(
        store.get_organisation(b).await.expect("get"),
        Some(list[1].clone())
    );
    assert_eq!(
        store.get_organisation(b + a + 100).await.expect("get"),
        None
    );

    let before = all_audit(store).await.len();
    let err = store
        .create_organisation(&organisation("Sở Tài chính", "sở"), &audit("admin", "lặp"))
        .await
        .expect_err("a taken name is refused");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(store.list_organisations().await.expect("list").len(), 2);
    let log = all_audit(store).await;
    assert_eq!(log.len(), before);
    let entry = log
        .iter()
        .find(|e| e.target_id == b.to_string())
        .expect("creation audited");
    assert_eq!(entry.action, "organisation.create");
    assert_eq!(entry.target_kind, "organisation");
    assert_eq!(entry.after.as_deref(), Some("Sở Tài chính (sở)"));
}

/// A directive with its file, tasks and expanded children reads back exactly: dates, no
/// deadline, the canonical recurrence text, lead unit versus lead organisation,
/// cooperators in order, children pointing at their parent, the file's bytes. One
/// `directive.create` and one `task.create` per task, none holding the bytes; a directive
/// whose task names an unknown unit writes nothing.
pub async fn directive_with_tasks_and_children_round_trip(store: &dyn Store) {
    let (org, directive, tasks) = directive_fixture(store).await;
    let record = store
        .get_directive(directive)
        .await
        .expect("get")
        .expect("directive exists");
    let bytes = directive_bytes();
    assert_eq!(
        record,
        DirectiveRecord {
            id: directive,
            kind: "thông báo".into(),
            number: "45/TB-BCĐ".into(),
            issued_on: date("2025-02-20"),
            issuer: "Ban Chỉ đạo tỉnh".into(),
            title: "Kết luận của Trưởng Ban Chỉ đạo tại hội nghị sơ kết quý I".into(),
            summary: "Giao nhiệm vụ năm 2025".into(),
            file_name: Some("45-TB-BCĐ.pdf".into()),
            file_size: Some(bytes.len() as i64),
            created_at: instant(0),
            created_by: "vpdp".into(),
        }
    );
    assert_eq!(store.list_directives().await.expect("list"), vec![record]);
    assert_eq!(
        store.directive_file(directive).await.expect("file"),
        Some(StoredFile {
            name: "45-TB-BCĐ.pdf".into(),
            bytes: bytes.clone()
        })
    );
    assert_eq!(
        store.directive_file(directive + 1).await.expect("file"),
        None
    );

    let expected = new_directive(org);
    let (first, second) = (&expected.tasks[0], &expected.tasks[1]);
    assert_eq!(tasks[0].code, "1");
    assert_eq!(tasks[0].parent_id, None);
    assert_eq!(tasks[0].directive_id, directive);
    assert_eq!(tasks[0].details, first.details);
    assert_eq!(tasks[1].parent_id, None);
    assert_eq!(
        tasks[1].details,
        TaskDetails {
            recurrence: Some("quarterly:15".into()),
            ..second.details.clone()
        }
    );
    assert_eq!(tasks[1].details.deadline, None);
    for (task, child) in tasks[2..].iter().zip(&second.children) {
        assert_eq!(task.parent_id, Some(tasks[1].id));
        assert_eq!(task.code, "2");
        assert_eq!(task.details, child.details);
        assert_eq!(task.completed_at, None);
        assert_eq!(task.confirmed_at, None);
    }
    assert_eq!(
        store.get_task(tasks[2].id).await.expect("get"),
        Some(tasks[2].clone())
    );
    assert_eq!(store.get_task(tasks[3].id + 10).await.expect("get"), None);

    let log = all_audit(store).await;
    let directive_entries: Vec<&AuditRecord> = log
        .iter()
        .filter(|e| e.target_kind == "directive")
        .collect();
    assert_eq!(directive_entries.len(), 1);
    assert_eq!(directive_entries[0].action, "directive.create");
    let after = directive_entries[0].after.as_deref().expect("after text");
    assert!(
        after.contains("45/TB-BCĐ") && after.contains("45-TB-BCĐ.pdf"),
        "{after}"
    );
    let task_entries: Vec<&AuditRecord> =
        log.iter().filter(|e| e.action == "task.create").collect();
    assert_eq!(task_entries.len(), 4);
    let child_entry = task_entries
        .iter()
        .find(|e| e.target_id == tasks[2].id.to_string())
        .expect("child audited");
    assert_eq!(child_entry.unit_id.as_deref(), Some("18077@2020-01-01"));
    assert!(log.iter().all(|e| e.reason != "nhập thông báo 45"
        || e.after.as_deref().is_none_or(|t| !t.contains("%PDF"))));

    // An unknown lead unit in a child: nothing of the directive is written.
    let mut bad = new_directive(org);
    bad.number = "46/TB-BCĐ".into();
    bad.tasks[1].children[1].details.lead = Assignee::Unit(id("99999@2020-01-01"));
    let before = all_audit(store).await.len();
    let err = store
        .create_directive(&bad, &audit("vpdp", "sai"))
        .await
        .expect_err("unknown unit refused");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    // An invalid recurrence: refused too.
    let mut bad = new_directive(org);
    bad.tasks[0].details.recurrence = Some("weekly:1".into());
    assert!(
        store
            .create_directive(&bad, &audit("vpdp", "sai"))
            .await
            .is_err()
    );
    assert_eq!(store.list_directives().await.expect("list").len(), 1);
    assert_eq!(
        store
            .list_tasks(&TaskFilter::default())
            .await
            .expect("list")
            .len(),
        4
    );
    assert_eq!(all_audit(store).await.len(), before);
}

/// `update_task` replaces the details with one `task.update` entry holding before and
/// after; unchanged details write nothing and return false; an unknown task is
/// `NotFound`.
pub async fn task_update_is_audited(store: &dyn Store) {
    let (org, _, tasks) = directive_fixture(store).await;
    let task = &tasks[0];
    let mut changed = task.details.clone();
    changed.text = "Hướng dẫn và kiểm tra tiêu chí môi trường".into();
    changed.lead = Assignee::Unit(id("436@2020-01-01"));
    changed.cooperating = vec![Assignee::Organisation(org)];
    changed.deadline = None;
    changed.recurrence = Some("half-yearly:10".into());
    changed.expected_output = "Văn bản hướng dẫn".into();
    changed.serves = "Tiêu chí 17.1".into();
    let updated = store
        .update_task(task.id, &changed, &audit("vpdp", "điều chỉnh"))
        .await
        .expect("update");
    assert!(updated);
    let stored = store.get_task(task.id).await.expect("get").expect("exists");
    assert_eq!(stored.details, changed);
    assert_eq!(stored.code, task.code);

    let log = store
        .list_audit(&AuditFilter {
            action: Some("task.update".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(log.len(), 1);
    let entry = &log[0];
    assert_eq!(entry.target_kind, "task");
    assert_eq!(entry.target_id, task.id.to_string());
    assert_eq!(entry.unit_id.as_deref(), Some("436@2020-01-01"));
    assert_eq!(entry.reason, "điều chỉnh");
    let before = entry.before.as_deref().expect("before");
    let after = entry.after.as_deref().expect("after");
    assert!(before.contains("hạn: 2025-06-30"), "{before}");
    assert!(after.contains("định kỳ: half-yearly:10"), "{after}");
    assert!(after.contains("Văn bản hướng dẫn"), "{after}");

    let count = all_audit(store).await.len();
    assert!(
        !store
            .update_task(task.id, &changed, &audit("vpdp", "lặp"))
            .await
            .expect("no-op update")
    );
    assert_eq!(all_audit(store).await.len(), count);
    let err = store
        .update_task(tasks[3].id + 100, &changed, &audit("vpdp", "sai"))
        .await
        .expect_err("unknown task");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

fn report(text: &str, percent: i32, marks_done: bool) -> NewReport {
    NewReport {
        text: text.into(),
        percent,
        attachment: None,
        marks_done,
    }
}

fn at_minute(actor: &str, reason: &str, minutes: i64) -> AuditContext {
    AuditContext {
        at: instant(minutes),
        ..audit(actor, reason)
    }
}

/// A report that marks a task done sets `completed_at` (its time) and the proof in the
/// same write; confirming sets `confirmed_at`/`confirmed_by`; reopening clears all four.
/// Confirming an undone task is a `Conflict`; each step is audited once.
pub async fn report_marks_done_and_confirm_reopen(store: &dyn Store) {
    let (_, _, tasks) = directive_fixture(store).await;
    let task = tasks[2].id;
    let err = store
        .confirm_task(task, &audit("vpdp", "xác nhận sớm"))
        .await
        .expect_err("not done yet");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

    store
        .add_report(
            task,
            &report("Đang triển khai", 50, false),
            &at_minute("xa18077", "báo cáo", 10),
        )
        .await
        .expect("report");
    let open = store.get_task(task).await.expect("get").expect("exists");
    assert_eq!(open.completed_at, None);

    store
        .add_report(
            task,
            &report("Đã hoàn thành, có biên bản nghiệm thu", 100, true),
            &at_minute("xa18077", "báo cáo", 20),
        )
        .await
        .expect("report");
    let done = store.get_task(task).await.expect("get").expect("exists");
    assert_eq!(done.completed_at, Some(instant(20)));
    assert_eq!(
        done.completion_proof.as_deref(),
        Some("Đã hoàn thành, có biên bản nghiệm thu")
    );
    assert_eq!(done.confirmed_at, None);

    store
        .confirm_task(task, &at_minute("vpdp", "xác nhận", 30))
        .await
        .expect("confirm");
    let confirmed = store.get_task(task).await.expect("get").expect("exists");
    assert_eq!(confirmed.confirmed_at, Some(instant(30)));
    assert_eq!(confirmed.confirmed_by.as_deref(), Some("vpdp"));
    assert_eq!(confirmed.completed_at, Some(instant(20)));
    // Confirming again changes nothing.
    let count = all_audit(store).await.len();
    store
        .confirm_task(task, &at_minute("vpdp", "lặp", 40))
        .await
        .expect("confirm again");
    assert_eq!(all_audit(store).await.len(), count);
    assert_eq!(store.get_task(task).await.expect("get"), Some(confirmed));

    store
        .reopen_task(task, &at_minute("vpdp", "minh chứng chưa đủ", 50))
        .await
        .expect("reopen");
    let reopened = store.get_task(task).await.expect("get").expect("exists");
    assert_eq!(reopened.completed_at, None);
    assert_eq!(reopened.completion_proof, None);
    assert_eq!(reopened.confirmed_at, None);
    assert_eq!(reopened.confirmed_by, None);

    let log = store
        .list_audit(&AuditFilter {
            target_id: Some(task.to_string()),
            target_kind: Some("task".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "task.create",
            "task.complete",
            "task.confirm",
            "task.reopen"
        ]
    );
    assert_eq!(log[0].reason, "minh chứng chưa đủ");
    assert!(
        log.iter()
            .all(|e| e.unit_id.as_deref() == Some("18077@2020-01-01"))
    );
    let reports = store
        .list_audit(&AuditFilter {
            target_kind: Some("task_report".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(reports.len(), 2);
    assert!(
        reports
            .iter()
            .all(|e| e.action == "task.report" && e.actor == "xa18077")
    );
}

/// Reports read back oldest first with author, time, percent, the attachment's name and
/// size (its bytes only through `report_attachment`); a percent outside 0–100 and a report
/// on an unknown task write nothing; no audit text holds the attachment's bytes.
pub async fn reports_with_attachments(store: &dyn Store) {
    let (_, _, tasks) = directive_fixture(store).await;
    let task = tasks[0].id;
    let bytes = directive_bytes();
    let with_file = NewReport {
        attachment: Some(StoredFile {
            name: "bien-ban.pdf".into(),
            bytes: bytes.clone(),
        }),
        ..report("Gửi biên bản kiểm tra", 70, false)
    };
    let first = store
        .add_report(
            task,
            &report("Đã ban hành kế hoạch", 20, false),
            &at_minute("so-nn", "báo cáo", 5),
        )
        .await
        .expect("report");
    let second = store
        .add_report(task, &with_file, &at_minute("so-nn", "báo cáo", 15))
        .await
        .expect("report");
    let reports = store.list_reports(task).await.expect("list");
    assert_eq!(
        reports,
        vec![
            ReportRecord {
                id: first,
                task_id: task,
                at: instant(5),
                by: "so-nn".into(),
                text: "Đã ban hành kế hoạch".into(),
                percent: 20,
                attachment_name: None,
                attachment_size: None,
                marks_done: false,
            },
            ReportRecord {
                id: second,
                task_id: task,
                at: instant(15),
                by: "so-nn".into(),
                text: "Gửi biên bản kiểm tra".into(),
                percent: 70,
                attachment_name: Some("bien-ban.pdf".into()),
                attachment_size: Some(bytes.len() as i64),
                marks_done: false,
            },
        ]
    );
    assert_eq!(store.report_attachment(first).await.expect("none"), None);
    assert_eq!(
        store.report_attachment(second).await.expect("file"),
        Some(StoredFile {
            name: "bien-ban.pdf".into(),
            bytes
        })
    );
    assert!(
        store
            .list_reports(tasks[1].id)
            .await
            .expect("list")
            .is_empty()
    );

    let count = all_audit(store).await.len();
    for bad in [-1, 101] {
        let err = store
            .add_report(task, &report("sai", bad, false), &audit("so-nn", "sai"))
            .await
            .expect_err("percent out of range");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    }
    let err = store
        .add_report(
            tasks[3].id + 100,
            &report("sai", 10, false),
            &audit("so-nn", "sai"),
        )
        .await
        .expect_err("unknown task");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(store.list_reports(task).await.expect("list").len(), 2);
    let log = all_audit(store).await;
    assert_eq!(log.len(), count);
    let entry = log
        .iter()
        .find(|e| e.target_id == second.to_string() && e.target_kind == "task_report")
        .expect("report audited");
    let after = entry.after.as_deref().expect("after");
    assert!(
        after.contains("bien-ban.pdf") && after.contains("70%"),
        "{after}"
    );
    assert!(!after.contains("%PDF"), "{after}");
}

/// Notifications list per user newest first, optionally unread only; `mark_read` marks
/// only the user's own unread ones and says how many; `mark_all_read` the rest.
pub async fn notifications_unread_and_mark_read(store: &dyn Store) {
    import_fixture(store).await;
    let nva = create_user(store, "nva", Vec::new()).await;
    let ttb = create_user(store, "ttb", Vec::new()).await;
    let note = |user_id: i64, minutes: i64, text: &str, link: Option<&str>| NewNotification {
        user_id,
        at: instant(minutes),
        text: text.into(),
        link: link.map(str::to_owned),
    };
    assert!(
        store
            .add_notifications(&[])
            .await
            .expect("empty")
            .is_empty()
    );
    let ids = store
        .add_notifications(&[
            note(nva, 1, "Nhiệm vụ 2 sắp đến hạn", Some("/tasks/2")),
            note(ttb, 2, "Nhiệm vụ 1 quá hạn", None),
            note(nva, 3, "Nhiệm vụ 3 quá hạn", Some("/tasks/3")),
        ])
        .await
        .expect("added");
    assert_eq!(ids.len(), 3);
    let mine = store.list_notifications(nva, false).await.expect("list");
    assert_eq!(
        mine,
        vec![
            NotificationRecord {
                id: ids[2],
                user_id: nva,
                at: instant(3),
                text: "Nhiệm vụ 3 quá hạn".into(),
                link: Some("/tasks/3".into()),
                read_at: None,
            },
            NotificationRecord {
                id: ids[0],
                user_id: nva,
                at: instant(1),
                text: "Nhiệm vụ 2 sắp đến hạn".into(),
                link: Some("/tasks/2".into()),
                read_at: None,
            },
        ]
    );
    // Another user's notification is not marked.
    assert_eq!(
        store
            .mark_read(nva, &[ids[0], ids[1]], instant(10))
            .await
            .expect("mark"),
        1
    );
    assert_eq!(
        store
            .mark_read(nva, &[ids[0]], instant(11))
            .await
            .expect("mark"),
        0
    );
    assert_eq!(
        store.mark_read(nva, &[], instant(11)).await.expect("mark"),
        0
    );
    let unread = store.list_notifications(nva, true).await.expect("list");
    assert_eq!(
        unread.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ids[2]]
    );
    let all = store.list_notifications(nva, false).await.expect("list");
    assert_eq!(all[1].read_at, Some(instant(10)));
    assert_eq!(
        store
            .list_notifications(ttb, true)
            .await
            .expect("list")
            .len(),
        1
    );
    assert_eq!(store.mark_all_read(nva, instant(12)).await.expect("all"), 1);
    assert!(
        store
            .list_notifications(nva, true)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store
            .list_notifications(ttb, true)
            .await
            .expect("list")
            .len(),
        1
    );
}

/// `record_reminder` is true the first time for a `(task, kind, due date)` and false
/// after, writing nothing the second time (the first `sent_at` stays); another kind or
/// due date is a new reminder.
pub async fn reminders_are_recorded_once(store: &dyn Store) {
    let (_, _, tasks) = directive_fixture(store).await;
    let task = tasks[0].id;
    let due = date("2025-06-30");
    assert!(
        store
            .record_reminder(task, "due_soon", due, instant(1))
            .await
            .expect("first")
    );
    assert!(
        !store
            .record_reminder(task, "due_soon", due, instant(2))
            .await
            .expect("second")
    );
    assert!(
        store
            .record_reminder(task, "overdue", due, instant(3))
            .await
            .expect("other kind")
    );
    assert!(
        store
            .record_reminder(task, "due_soon", date("2025-09-30"), instant(4))
            .await
            .expect("other date")
    );
    assert!(
        store
            .record_reminder(tasks[1].id, "due_soon", due, instant(5))
            .await
            .expect("other task")
    );
    let reminders = store.list_reminders(task).await.expect("list");
    assert_eq!(
        reminders,
        vec![
            ReminderRecord {
                task_id: task,
                kind: "due_soon".into(),
                due_on: due,
                sent_at: instant(1),
            },
            ReminderRecord {
                task_id: task,
                kind: "overdue".into(),
                due_on: due,
                sent_at: instant(3),
            },
            ReminderRecord {
                task_id: task,
                kind: "due_soon".into(),
                due_on: date("2025-09-30"),
                sent_at: instant(4),
            },
        ]
    );
    assert!(
        store
            .list_reminders(tasks[2].id)
            .await
            .expect("list")
            .is_empty()
    );
}

/// `list_tasks` filters by directive, lead unit, lead organisation and open only (not
/// confirmed), and combinations of them.
pub async fn list_tasks_filters(store: &dyn Store) {
    let (org, directive, tasks) = directive_fixture(store).await;
    let other = store
        .create_directive(
            &NewDirective {
                number: "12/KH-UBND".into(),
                kind: "kế hoạch".into(),
                file: None,
                tasks: vec![new_task(
                    "1",
                    details(
                        "Rà soát tiêu chí",
                        Assignee::Unit(id("18077@2020-01-01")),
                        Some("2025-04-30"),
                        None,
                    ),
                    Vec::new(),
                )],
                ..new_directive(org)
            },
            &audit("vpdp", "nhập kế hoạch 12"),
        )
        .await
        .expect("second directive");
    assert_eq!(store.directive_file(other).await.expect("no file"), None);
    let ids = |list: Vec<TaskRecord>| list.into_iter().map(|t| t.id).collect::<Vec<_>>();
    let list = |filter: TaskFilter| async move { store.list_tasks(&filter).await.expect("list") };

    let everything = ids(list(TaskFilter::default()).await);
    assert_eq!(everything.len(), 5);
    assert!(everything.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        ids(list(TaskFilter {
            directive_id: Some(directive),
            ..TaskFilter::default()
        })
        .await),
        tasks.iter().map(|t| t.id).collect::<Vec<_>>()
    );
    let other_tasks = ids(list(TaskFilter {
        directive_id: Some(other),
        ..TaskFilter::default()
    })
    .await);
    assert_eq!(other_tasks.len(), 1);
    assert_eq!(
        ids(list(TaskFilter {
            lead_unit: Some(id("18077@2020-01-01")),
            ..TaskFilter::default()
        })
        .await),
        vec![tasks[2].id, other_tasks[0]]
    );
    assert_eq!(
        ids(list(TaskFilter {
            lead_unit: Some(id("18077@2020-01-01")),
            directive_id: Some(directive),
            ..TaskFilter::default()
        })
        .await),
        vec![tasks[2].id]
    );
    assert_eq!(
        ids(list(TaskFilter {
            lead_organisation: Some(org),
            ..TaskFilter::default()
        })
        .await),
        vec![tasks[0].id]
    );

    store
        .add_report(
            tasks[2].id,
            &report("Xong", 100, true),
            &audit("xa18077", "báo cáo"),
        )
        .await
        .expect("report");
    // Marked done but not confirmed: still open.
    assert_eq!(
        list(TaskFilter {
            open_only: true,
            ..TaskFilter::default()
        })
        .await
        .len(),
        5
    );
    store
        .confirm_task(tasks[2].id, &audit("vpdp", "xác nhận"))
        .await
        .expect("confirm");
    assert_eq!(
        ids(list(TaskFilter {
            open_only: true,
            lead_unit: Some(id("18077@2020-01-01")),
            ..TaskFilter::default()
        })
        .await),
        vec![other_tasks[0]]
    );
    let open = list(TaskFilter {
        open_only: true,
        ..TaskFilter::default()
    })
    .await;
    assert_eq!(open.len(), 4);
    // Cooperators come along with listed tasks.
    assert_eq!(open[0].details.cooperating.len(), 2);
}

/// `set_user_organisations` replaces the memberships (sorted, without repeats) with one
/// `user.organisations` entry; the same set again writes nothing; an unknown organisation
/// is a `Conflict` and an unknown user `NotFound`, both writing nothing.
pub async fn user_organisations_replace(store: &dyn Store) {
    import_fixture(store).await;
    let user = create_user(store, "so-nn", Vec::new()).await;
    let a = create_organisation(store, "Sở Xây dựng").await;
    let b = create_organisation(store, "Sở Công Thương").await;
    assert!(
        store
            .list_user_organisations(user)
            .await
            .expect("list")
            .is_empty()
    );
    store
        .set_user_organisations(user, &[a, b, a], &audit("admin", "phân công"))
        .await
        .expect("set");
    let names =
        |list: Vec<OrganisationRecord>| list.into_iter().map(|o| o.name).collect::<Vec<_>>();
    assert_eq!(
        names(store.list_user_organisations(user).await.expect("list")),
        vec!["Sở Công Thương", "Sở Xây dựng"]
    );
    let count = all_audit(store).await.len();
    store
        .set_user_organisations(user, &[b, a], &audit("admin", "lặp"))
        .await
        .expect("same set");
    assert_eq!(all_audit(store).await.len(), count);
    store
        .set_user_organisations(user, &[b], &audit("admin", "thu hẹp"))
        .await
        .expect("replace");
    assert_eq!(
        names(store.list_user_organisations(user).await.expect("list")),
        vec!["Sở Công Thương"]
    );
    let err = store
        .set_user_organisations(user, &[a, a + b + 100], &audit("admin", "sai"))
        .await
        .expect_err("unknown organisation");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    let err = store
        .set_user_organisations(user + 100, &[a], &audit("admin", "sai"))
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(
        names(store.list_user_organisations(user).await.expect("list")),
        vec!["Sở Công Thương"]
    );
    let log = store
        .list_audit(&AuditFilter {
            action: Some("user.organisations".into()),
            ..AuditFilter::default()
        })
        .await
        .expect("audit");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].target_id, "so-nn");
    assert_eq!(log[0].target_kind, "user");
    assert_eq!(log[0].reason, "thu hẹp");
    assert_eq!(
        log[0].after.as_deref(),
        Some(format!("tổ chức #{b}").as_str())
    );
    assert!(
        store
            .list_user_organisations(user + 100)
            .await
            .expect("list")
            .is_empty()
    );
}

/// Tasks added to an existing directive get the directive's id, their children their
/// parent's; each is audited `task.create`; an unknown directive is `NotFound` and a bad
/// recurrence a `Conflict`, both writing nothing.
pub async fn tasks_added_to_a_directive(store: &dyn Store) {
    let (org, directive, before) = directive_fixture(store).await;
    let audits_before = all_audit(store).await.len();
    let added = vec![new_task(
        "3",
        details(
            "Củng cố Ban Chỉ đạo cấp xã",
            Assignee::Organisation(org),
            Some("2025-09-30"),
            None,
        ),
        vec![new_task(
            "3.1",
            details(
                "Củng cố Ban Chỉ đạo phường Bắc Hà",
                Assignee::Unit(id("18077@2020-01-01")),
                Some("2025-09-30"),
                None,
            ),
            Vec::new(),
        )],
    )];
    let err = store
        .add_tasks(directive + 1000, &added, &audit("vpdp", "bổ sung"))
        .await
        .expect_err("unknown directive");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    let mut bad = added.clone();
    bad[0].details.recurrence = Some("weekly:1".into());
    let err = store
        .add_tasks(directive, &bad, &audit("vpdp", "bổ sung"))
        .await
        .expect_err("bad recurrence");
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(all_audit(store).await.len(), audits_before);

    let ids = store
        .add_tasks(directive, &added, &audit("vpdp", "bổ sung"))
        .await
        .expect("added");
    assert_eq!(ids.len(), 1);
    let tasks = store
        .list_tasks(&TaskFilter {
            directive_id: Some(directive),
            ..TaskFilter::default()
        })
        .await
        .expect("list");
    assert_eq!(tasks.len(), before.len() + 2);
    let parent = tasks.iter().find(|t| t.id == ids[0]).expect("parent");
    assert_eq!((parent.code.as_str(), parent.parent_id), ("3", None));
    let child = tasks.iter().find(|t| t.code == "3.1").expect("child");
    assert_eq!(child.parent_id, Some(ids[0]));
    assert_eq!(child.directive_id, directive);
    let log = all_audit(store).await;
    // Newest first.
    let created: Vec<_> = log[..log.len() - audits_before]
        .iter()
        .rev()
        .map(|a| (a.action.as_str(), a.target_id.as_str()))
        .collect();
    let (p, c) = (ids[0].to_string(), child.id.to_string());
    assert_eq!(
        created,
        vec![("task.create", p.as_str()), ("task.create", c.as_str())]
    );
}

/// A report marking done a periodically recurring task fulfils one period: the task stays
/// open (no `completed_at`, no `task.complete`); a task due once is closed by it.
pub async fn periodic_reports_do_not_close_the_task(store: &dyn Store) {
    let (org, directive, _) = directive_fixture(store).await;
    let ids = store
        .add_tasks(
            directive,
            &[
                new_task(
                    "4",
                    details(
                        "Báo cáo tháng",
                        Assignee::Organisation(org),
                        None,
                        Some("monthly:5"),
                    ),
                    Vec::new(),
                ),
                new_task(
                    "5",
                    details(
                        "Báo cáo một lần",
                        Assignee::Organisation(org),
                        None,
                        Some("once:2025-12-31"),
                    ),
                    Vec::new(),
                ),
            ],
            &audit("vpdp", "bổ sung"),
        )
        .await
        .expect("added");
    for minute in [10, 20] {
        store
            .add_report(
                ids[0],
                &report("Báo cáo kỳ", 100, true),
                &at_minute("so", "kỳ", minute),
            )
            .await
            .expect("period report");
    }
    let monthly = store.get_task(ids[0]).await.expect("get").expect("task");
    assert_eq!(
        (monthly.completed_at, monthly.completion_proof),
        (None, None)
    );
    let reports = store.list_reports(ids[0]).await.expect("reports");
    assert_eq!(reports.iter().filter(|r| r.marks_done).count(), 2);
    store
        .add_report(
            ids[1],
            &report("Đã nộp", 100, true),
            &at_minute("so", "xong", 30),
        )
        .await
        .expect("report");
    let once = store.get_task(ids[1]).await.expect("get").expect("task");
    assert_eq!(once.completed_at, Some(instant(30)));
    let log = all_audit(store).await;
    let completes: Vec<_> = log
        .iter()
        .filter(|a| a.action == "task.complete")
        .map(|a| a.target_id.clone())
        .collect();
    assert_eq!(completes, vec![ids[1].to_string()]);
}

/// An e-mail address is set, changed and cleared with a `user.email` entry per change;
/// the digest queue holds the unread, not yet e-mailed notifications of enabled users with
/// an address; marking them e-mailed takes them out for good.
pub async fn email_addresses_and_the_digest_queue(store: &dyn Store) {
    import_fixture(store).await;
    let nva = create_user(store, "nva", Vec::new()).await;
    let ttb = create_user(store, "ttb", Vec::new()).await;
    let lmc = create_user(store, "lmc", Vec::new()).await;
    store
        .set_email(nva, Some("nva@hatinh.gov.vn"), &audit("admin", "thư"))
        .await
        .expect("email");
    store
        .set_email(nva, Some("nva@hatinh.gov.vn"), &audit("admin", "thư"))
        .await
        .expect("same email");
    store
        .set_email(lmc, Some("lmc@hatinh.gov.vn"), &audit("admin", "thư"))
        .await
        .expect("email");
    let err = store
        .set_email(lmc + 1000, None, &audit("admin", "thư"))
        .await
        .expect_err("unknown user");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_eq!(
        store
            .get_user(nva)
            .await
            .expect("get")
            .expect("user")
            .email
            .as_deref(),
        Some("nva@hatinh.gov.vn")
    );
    let emails: Vec<_> = all_audit(store)
        .await
        .into_iter()
        .filter(|a| a.action == "user.email")
        .map(|a| (a.before, a.after))
        .collect();
    assert_eq!(emails.len(), 2, "{emails:?}");
    assert!(
        emails.contains(&(
            Some("(không có)".to_owned()),
            Some("nva@hatinh.gov.vn".to_owned())
        )),
        "{emails:?}"
    );

    let note = |user_id: i64, minutes: i64| NewNotification {
        user_id,
        at: instant(minutes),
        text: format!("thông báo {minutes}"),
        link: None,
    };
    let ids = store
        .add_notifications(&[
            note(nva, 3),
            note(ttb, 1),
            note(nva, 1),
            note(lmc, 2),
            note(nva, 2),
        ])
        .await
        .expect("added");
    // nva read the one of minute 2; lmc is disabled; ttb has no address.
    store
        .mark_read(nva, &[ids[4]], instant(5))
        .await
        .expect("read");
    store
        .set_disabled(lmc, true, &audit("admin", "nghỉ"))
        .await
        .expect("disabled");
    let pending: Vec<(i64, i64)> = store
        .pending_emails()
        .await
        .expect("pending")
        .into_iter()
        .map(|n| (n.user_id, n.id))
        .collect();
    assert_eq!(pending, vec![(nva, ids[2]), (nva, ids[0])]);
    assert_eq!(
        store
            .mark_emailed(&[ids[2], ids[0]], instant(6))
            .await
            .expect("mark"),
        2
    );
    assert_eq!(
        store
            .mark_emailed(&[ids[2]], instant(7))
            .await
            .expect("again"),
        0
    );
    assert!(store.pending_emails().await.expect("pending").is_empty());
    // A cleared address takes the user out of the digest.
    store
        .add_notifications(&[note(nva, 9)])
        .await
        .expect("added");
    assert_eq!(store.pending_emails().await.expect("pending").len(), 1);
    store
        .set_email(nva, None, &audit("admin", "bỏ thư"))
        .await
        .expect("cleared");
    assert!(store.pending_emails().await.expect("pending").is_empty());
}

/// Every write that changes what an evaluation reads raises its kind's data version, in
/// the same transaction; reads and writes of other things leave them alone. Readers that
/// keep the tree, the catalogue and the values in memory rely on it.
pub async fn data_versions_rise_with_the_writes_that_change_evaluations(store: &dyn Store) {
    let versions = || async { store.data_versions().await.expect("versions") };
    let start = versions().await;

    import_fixture(store).await;
    let after_units = versions().await;
    assert!(
        after_units.units > start.units,
        "{start:?} → {after_units:?}"
    );
    assert_eq!(
        (after_units.criteria, after_units.values),
        (start.criteria, start.values)
    );
    // Importing the same units again writes nothing and raises nothing.
    import_fixture(store).await;
    assert_eq!(versions().await, after_units);

    store
        .put_criteria_set("xa-2021", "Bộ tiêu chí", "v1", &audit("admin", "nhập"))
        .await
        .expect("put");
    let after_criteria = versions().await;
    assert!(after_criteria.criteria > after_units.criteria);
    assert_eq!(after_criteria.units, after_units.units);

    store
        .write_values(
            &[value("18077@2020-01-01", 2024, "1.1", "1", None)],
            &audit("editor", "nhập"),
        )
        .await
        .expect("values");
    let after_values = versions().await;
    assert!(after_values.values > after_criteria.values);
    assert_eq!(
        (after_values.units, after_values.criteria),
        (after_criteria.units, after_criteria.criteria)
    );

    set_submission(
        store,
        &submission("18077@2020-01-01", 2024, "submitted", 1, None),
    )
    .await;
    let after_submission = versions().await;
    assert!(
        after_submission.values > after_values.values,
        "the workflow"
    );

    // Reading, and writing what evaluations do not read, changes nothing.
    store.load_units().await.expect("units");
    create_user(store, "someone", vec![grant("viewer", "42@2020-01-01")]).await;
    assert_eq!(versions().await, after_submission);

    // Tasks have their own version: an organisation (a lead) raises it, and only it.
    store
        .create_organisation(
            &ntm_store::NewOrganisation {
                name: "Sở Tài chính".into(),
                kind: "sở".into(),
            },
            &audit("admin", "tổ chức"),
        )
        .await
        .expect("organisation");
    let after_org = versions().await;
    assert!(after_org.tasks > after_submission.tasks);
    assert_eq!(
        (after_org.units, after_org.criteria, after_org.values),
        (
            after_submission.units,
            after_submission.criteria,
            after_submission.values
        )
    );
}

fn dossier_entry(kind: &str, step: &str, day: u32, text: &str) -> ntm_store::DossierEntryRecord {
    ntm_store::DossierEntryRecord {
        kind: kind.into(),
        step: step.into(),
        to_step: (kind == "sent_back").then(|| "self_assessed".to_owned()),
        on: chrono::NaiveDate::from_ymd_opt(2025, 3, day).expect("fixture date"),
        tier: "commune".into(),
        text: text.into(),
        decision_number: None,
        decision_signer: None,
        recorded_at: instant(0),
        recorded_by: "xa".into(),
    }
}

fn dossier(unit: &str) -> ntm_store::DossierRecord {
    ntm_store::DossierRecord {
        id: 0,
        unit_id: id(unit),
        subject: "commune".into(),
        level: "standard".into(),
        year: 2025,
        verifier: "district".into(),
        satisfaction_pct: None,
        no_construction_debt: None,
        not_security_hot_spot: None,
        council_yes: None,
        council_no: None,
        decision_number: None,
        decision_date: None,
        decision_signer: None,
        created_at: instant(0),
        created_by: "xa".into(),
        entries: vec![dossier_entry("took", "registered", 1, "")],
    }
}

/// A dossier and its history read back as written; one per unit, level and year; a save
/// appends to the history and stores the dossier's fields, with its audit entry.
pub async fn recognition_dossiers_round_trip_with_their_history(store: &dyn Store) {
    import_fixture(store).await;
    let mut d = dossier("18100@2020-01-01");
    let created = store
        .create_dossier(&d, &audit("xa", "đăng ký"))
        .await
        .expect("create");
    d.id = created;
    let stored = store
        .get_dossier(created)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, d);
    let again = store.create_dossier(&d, &audit("xa", "đăng ký lại")).await;
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "one dossier per unit, level and year"
    );

    d.satisfaction_pct = Some("92.5".into());
    d.no_construction_debt = Some(true);
    d.not_security_hot_spot = Some(false);
    d.entries
        .push(dossier_entry("took", "self_assessed", 2, "tự đánh giá"));
    d.entries.push(dossier_entry(
        "sent_back",
        "self_assessed",
        3,
        "thiếu minh chứng",
    ));
    store
        .save_dossier_from(&d, 1, &audit("huyen", "trả lại"))
        .await
        .expect("save");
    // Who recorded an entry, and when, is the writer's audit context, whatever the record
    // said.
    for e in &mut d.entries[1..] {
        e.recorded_by = "huyen".into();
    }
    let stored = store
        .get_dossier(created)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, d);
    let listed = store
        .list_dossiers(&ntm_store::DossierFilter {
            year: Some(2025),
            unit: None,
        })
        .await
        .expect("list");
    assert_eq!(listed, vec![d.clone()]);
    assert!(
        store
            .list_dossiers(&ntm_store::DossierFilter {
                year: Some(2024),
                unit: None,
            })
            .await
            .expect("list")
            .is_empty()
    );
    let log = all_audit(store).await;
    let entries: Vec<_> = log
        .iter()
        .filter(|e| e.target_kind == "recognition_dossier")
        .collect();
    assert_eq!(entries.len(), 2, "created, then saved");
    assert!(entries.iter().any(|e| e.action == "recognition.create"));
    let saved = entries
        .iter()
        .find(|e| e.action == "recognition.update")
        .expect("the save is audited");
    assert!(
        saved
            .after
            .as_deref()
            .is_some_and(|a| a.contains("thiếu minh chứng")),
        "{:?}",
        saved.after
    );
    assert_eq!(saved.unit_id.as_deref(), Some("18100@2020-01-01"));
}

/// A save from a dossier read before another save is refused and writes nothing: the
/// history is never rewritten.
pub async fn a_dossier_saved_from_a_stale_read_is_refused(store: &dyn Store) {
    import_fixture(store).await;
    let mut d = dossier("18100@2020-01-01");
    d.id = store
        .create_dossier(&d, &audit("xa", "đăng ký"))
        .await
        .expect("create");
    let mut mine = d.clone();
    mine.entries
        .push(dossier_entry("took", "self_assessed", 2, "của tôi"));
    store
        .save_dossier_from(&mine, 1, &audit("xa", "a"))
        .await
        .expect("first save");
    let mut theirs = d.clone();
    theirs.council_yes = Some(3);
    theirs
        .entries
        .push(dossier_entry("took", "self_assessed", 2, "của người khác"));
    let r = store.save_dossier_from(&theirs, 1, &audit("xa", "b")).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    let stored = store.get_dossier(d.id).await.expect("read").expect("there");
    assert_eq!(stored, mine, "nothing of the stale save is written");
}

/// Dossiers created together are stored together or not at all.
pub async fn dossiers_created_together_are_all_or_none(store: &dyn Store) {
    import_fixture(store).await;
    let first = dossier("18100@2020-01-01");
    store
        .create_dossier(&first, &audit("tinh", "ghi quyết định"))
        .await
        .expect("first");
    let mut other = dossier("18100@2020-01-01");
    other.level = "advanced".into();
    let r = store
        .create_dossiers(&[other, first], &audit("tinh", "ghi quyết định"))
        .await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
    let all = store
        .list_dossiers(&ntm_store::DossierFilter::default())
        .await
        .expect("list");
    assert_eq!(all.len(), 1, "the advanced one is not written either");
}

fn target_plan() -> ntm_store::TargetPlanRecord {
    ntm_store::TargetPlanRecord {
        id: 0,
        scope_id: id("42@2020-01-01"),
        period: "2022".into(),
        title: "Chỉ tiêu năm 2022".into(),
        doc_number: "TB-KL".into(),
        doc_date: chrono::NaiveDate::from_ymd_opt(2022, 3, 1),
        doc_body: "Ban Chỉ đạo tỉnh".into(),
        illustrative: false,
        note: String::new(),
        version: 1,
        created_at: instant(0),
        created_by: "vp".into(),
        targets: vec![
            ntm_store::TargetRecord {
                kind: "count:communes:advanced".into(),
                amount: "15".into(),
                note: "ít nhất".into(),
                shares: vec![
                    ntm_store::ShareRecord {
                        unit_id: id("436@2020-01-01"),
                        amount: "9".into(),
                    },
                    ntm_store::ShareRecord {
                        unit_id: id("18100@2020-01-01"),
                        amount: "1".into(),
                    },
                ],
            },
            ntm_store::TargetRecord {
                kind: "goal:standard".into(),
                amount: "1".into(),
                note: String::new(),
                shares: vec![],
            },
        ],
    }
}

/// A plan reads back whole, in order, with its shares; a save replaces it and raises its
/// version; a save or delete from a stale version is refused and writes nothing; each
/// write is audited. A district's dossier keeps its subject and central verifier.
pub async fn target_plans_are_written_whole_and_guarded_by_their_version(store: &dyn Store) {
    import_fixture(store).await;
    let mut p = target_plan();
    p.id = store
        .create_plan(&p, &audit("vp", "lập kế hoạch"))
        .await
        .expect("create");
    let stored = store.get_plan(p.id).await.expect("read").expect("there");
    assert_eq!(stored, p);
    let mut other = target_plan();
    other.period = "2021-2025".into();
    other.targets.clear();
    other.id = store
        .create_plan(&other, &audit("vp", "lập kế hoạch giai đoạn"))
        .await
        .expect("create another");
    let listed = store.list_plans().await.expect("list");
    assert_eq!(
        listed,
        vec![other.clone(), p.clone()],
        "by period as text (2021-2025 before 2022), then scope"
    );

    let mut edited = p.clone();
    edited.targets.remove(1);
    edited.targets[0].amount = "16".into();
    edited.targets[0].shares.pop();
    store
        .save_plan(&edited, &audit("vp", "sửa"))
        .await
        .expect("save");
    let stored = store.get_plan(p.id).await.expect("read").expect("there");
    assert_eq!(stored.version, 2);
    assert_eq!(stored.targets, edited.targets);

    let stale = store.save_plan(&p, &audit("bcd", "sửa cũ")).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let stale = store.delete_plan(p.id, 1, &audit("bcd", "xóa cũ")).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(
        store
            .get_plan(p.id)
            .await
            .expect("read")
            .expect("there")
            .targets,
        edited.targets
    );
    store
        .delete_plan(p.id, 2, &audit("vp", "xóa"))
        .await
        .expect("delete");
    assert_eq!(store.get_plan(p.id).await.expect("read"), None);
    let actions: Vec<String> = all_audit(store)
        .await
        .into_iter()
        .filter(|a| a.target_kind == "target_plan")
        .map(|a| a.action)
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.as_str() == "target_plan.create")
            .count(),
        2
    );
    assert!(actions.iter().any(|a| a == "target_plan.update"));
    assert!(actions.iter().any(|a| a == "target_plan.delete"));

    let mut district = dossier("436@2020-01-01");
    district.subject = "district".into();
    district.verifier = "province".into();
    district.id = store
        .create_dossier(&district, &audit("xa", "hồ sơ huyện"))
        .await
        .expect("district dossier");
    let stored = store
        .get_dossier(district.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, district);
    let mut province = dossier("42@2020-01-01");
    province.subject = "province".into();
    province.verifier = "central".into();
    province.id = store
        .create_dossier(&province, &audit("xa", "hồ sơ tỉnh"))
        .await
        .expect("the province's dossier, verified centrally");
    let stored = store
        .get_dossier(province.id)
        .await
        .expect("read")
        .expect("there");
    assert_eq!(stored, province);
}

/// A dossier's documents: stored with the step, who and when from the audit context, read
/// back byte for byte, listed oldest first without their bytes, audited; none for a
/// dossier that does not exist.
pub async fn dossier_documents_are_kept_with_their_step(store: &dyn Store) {
    import_fixture(store).await;
    let id = store
        .create_dossier(&dossier("18100@2020-01-01"), &audit("xa", "đăng ký"))
        .await
        .expect("dossier");
    let scan = ntm_store::StoredFile {
        name: "Biên bản lấy ý kiến.pdf".into(),
        bytes: (0..=255u8).cycle().take(3000).collect(),
    };
    let first = store
        .attach_dossier_file(
            id,
            "consulted",
            &scan,
            "kết quả khảo sát",
            &audit("xa", "đính kèm"),
        )
        .await
        .expect("attach");
    let second = store
        .attach_dossier_file(
            id,
            "submitted",
            &ntm_store::StoredFile {
                name: "to-trinh.docx".into(),
                bytes: vec![1, 2, 3],
            },
            "",
            &audit("huyen", "đính kèm"),
        )
        .await
        .expect("attach");
    let list = store.dossier_files(id).await.expect("list");
    assert_eq!(
        list.iter()
            .map(|f| (f.id, f.step.as_str(), f.size))
            .collect::<Vec<_>>(),
        [(first, "consulted", 3000), (second, "submitted", 3)]
    );
    assert_eq!(list[0].attached_by, "xa");
    assert_eq!(list[0].attached_at, instant(0));
    assert_eq!(list[0].note, "kết quả khảo sát");
    let (info, file) = store
        .dossier_file(first)
        .await
        .expect("read")
        .expect("there");
    assert_eq!((info.dossier_id, file), (id, scan.clone()));
    assert_eq!(store.dossier_file(9999).await.expect("read"), None);
    let missing = store
        .attach_dossier_file(9999, "consulted", &scan, "", &audit("xa", "đính kèm"))
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let audits = all_audit(store)
        .await
        .into_iter()
        .filter(|a| a.action == "recognition.attach")
        .count();
    assert_eq!(audits, 2);
}

fn village_row(commune: &str, code: &str, name: &str, successor: Option<&str>) -> VillageRow {
    VillageRow {
        village: Village {
            id: 0,
            commune: id(commune),
            code: code.into(),
            name: name.into(),
            kind: VillageType::Thon,
            from: date("2020-01-01"),
            to: successor.map(|_| date("2022-12-31")),
            successor: None,
            note: String::new(),
            illustrative: false,
        },
        successor: successor.map(|s| (id(commune), s.to_owned())),
        place: format!("dòng {code}"),
    }
}

fn garden_row(commune: &str, village: &str, household: &str, area: Option<&str>) -> GardenRow {
    GardenRow {
        commune: id(commune),
        village_code: village.into(),
        garden: Garden {
            id: 0,
            village: 0,
            household: household.into(),
            area_m2: area.map(|a| a.parse().expect("a decimal")),
            from: date("2021-03-01"),
            to: None,
            note: String::new(),
            illustrative: false,
        },
        place: format!("vườn {household}"),
    }
}

/// Villages and gardens import whole: matched again by commune and code (and household),
/// a second identical import writes nothing, a village merged into another keeps its
/// successor, a garden whose village is unknown refuses the whole file; titles of one
/// decision are recorded together, withdrawn once with their grounds; assessment values
/// write, change and clear, each audited under the village's commune.
pub async fn villages_and_gardens_import_whole_with_their_titles(store: &dyn Store) {
    import_fixture(store).await;
    let commune = "18100@2020-01-01";
    let batch = VillageBatch {
        villages: vec![
            village_row(commune, "01", "Thôn Trung Tiến", None),
            village_row(commune, "02", "Thôn Hạ", Some("01")),
        ],
        gardens: vec![
            garden_row(commune, "01", "Nguyễn Văn An", Some("1200.5")),
            garden_row(commune, "01", "Trần Thị Bình", None),
        ],
    };
    let written = store
        .import_villages(&batch, &audit("xa", "nhập thôn.xlsx"))
        .await
        .expect("import");
    assert_eq!(written, (4, 0, 0));
    let book = store.village_book().await.expect("book");
    assert_eq!(book.villages.len(), 2);
    let first = book.villages.iter().find(|v| v.code == "01").expect("01");
    let second = book.villages.iter().find(|v| v.code == "02").expect("02");
    assert_eq!(second.successor, Some(first.id));
    assert_eq!(second.to, Some(date("2022-12-31")));
    assert_eq!(book.gardens.len(), 2);
    let an = book
        .gardens
        .iter()
        .find(|g| g.household == "Nguyễn Văn An")
        .expect("An");
    assert_eq!(an.village, first.id);
    assert_eq!(an.area_m2, Some("1200.5".parse().expect("decimal")));

    let again = store
        .import_villages(&batch, &audit("xa", "nhập lại"))
        .await
        .expect("again");
    assert_eq!(again, (0, 0, 4), "an identical file writes nothing");

    let mut renamed = batch.clone();
    renamed.villages[0].village.name = "Thôn Trung Tiến Mới".into();
    renamed
        .gardens
        .push(garden_row(commune, "09", "Lê Văn Cường", None));
    let refused = store.import_villages(&renamed, &audit("xa", "sai")).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(
        store.village_book().await.expect("book").villages[0].name,
        "Thôn Trung Tiến",
        "nothing of a refused file is written"
    );
    renamed.gardens.pop();
    assert_eq!(
        store
            .import_villages(&renamed, &audit("xa", "đổi tên"))
            .await
            .expect("rename"),
        (0, 1, 3)
    );

    let title = |subject, number: &str| Title {
        id: 0,
        subject,
        year: 2022,
        number: number.into(),
        signed_on: date("2022-12-20"),
        body: VillageBody::District,
        withdrawn: None,
        note: String::new(),
        illustrative: false,
    };
    let ids = store
        .record_titles(
            &[
                title(Subject::Village(first.id), "123/QĐ-UBND"),
                title(Subject::Garden(an.id), "123/QĐ-UBND"),
            ],
            &audit("huyen", "công nhận"),
        )
        .await
        .expect("titles");
    assert_eq!(ids.len(), 2);
    let missing = store
        .record_titles(
            &[title(Subject::Village(999_999), "1")],
            &audit("huyen", "x"),
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let withdrawal = Withdrawal {
        on: date("2024-05-01"),
        number: "45/QĐ-UBND".into(),
        reason: "Không duy trì tiêu chí 8".into(),
    };
    store
        .withdraw_title(ids[0], &withdrawal, &audit("huyen", "thu hồi"))
        .await
        .expect("withdraw");
    let twice = store
        .withdraw_title(ids[0], &withdrawal, &audit("huyen", "thu hồi lại"))
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let book = store.village_book().await.expect("book");
    assert_eq!(book.titles.len(), 2);
    let t = book.titles.iter().find(|t| t.id == ids[0]).expect("title");
    assert_eq!(t.withdrawn.as_ref(), Some(&withdrawal));
    assert_eq!(t.body, VillageBody::District);

    let subject = Subject::Garden(an.id);
    let put = |v: Option<&str>| VillageValueWrite {
        indicator: "3.2".into(),
        value: v.map(str::to_owned),
        note: String::new(),
    };
    assert_eq!(
        store
            .put_village_values(subject, 2022, &[put(Some("80"))], &audit("xa", "chấm"))
            .await
            .expect("put"),
        1
    );
    assert_eq!(
        store
            .put_village_values(subject, 2022, &[put(Some("80"))], &audit("xa", "lại"))
            .await
            .expect("same"),
        0
    );
    store
        .put_village_values(subject, 2022, &[put(Some("70"))], &audit("xa", "sửa"))
        .await
        .expect("change");
    let values = store.village_values(subject).await.expect("values");
    assert_eq!(values.len(), 1);
    assert_eq!(
        (values[0].value.as_str(), values[0].updated_by.as_str()),
        ("70", "xa")
    );
    store
        .put_village_values(subject, 2022, &[put(None)], &audit("xa", "xóa"))
        .await
        .expect("clear");
    assert!(
        store
            .village_values(subject)
            .await
            .expect("values")
            .is_empty()
    );

    let log = all_audit(store).await;
    let actions: Vec<&str> = log
        .iter()
        .filter(|a| a.target_kind.starts_with("village") || a.target_kind == "garden")
        .map(|a| a.action.as_str())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("village.") || a.starts_with("garden."))
            .count(),
        6,
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "village_title.create")
            .count(),
        2
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "village_title.withdraw")
            .count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "village_value.put")
            .count(),
        3
    );
    assert!(
        log.iter()
            .filter(|a| a.target_kind.starts_with("village") || a.target_kind == "garden")
            .all(|a| a.unit_id.as_deref() == Some(commune)),
        "every entry is filed under the commune"
    );
}

/// OCOP: a producer and its product, a round whose council scores only while it is open
/// and only its members, conditions and checks, a dossier file, certificates recorded
/// together and ended once, and support imported whole (an identical file writes nothing).
pub async fn ocop_rounds_certificates_and_support(store: &dyn Store) {
    use ntm_core::Decimal;
    use ntm_core::ocop::{
        Certificate, Condition, EndKind, Ending, FundSource, Level, Producer, ProducerKind,
        Product, RuleSet, Sheet, Support, SupportCategory,
    };
    use ntm_store::ocop::Round;
    import_fixture(store).await;
    let secretary = create_user(store, "thuky", vec![]).await;
    let member = create_user(store, "tv1", vec![]).await;
    let outsider = create_user(store, "ngoai", vec![]).await;
    let a = audit("vpdp", "OCOP");
    let commune = id("18100@2020-01-01");
    let producer = Producer {
        id: 0,
        name: "HTX Chè Tâm Sen".into(),
        kind: ProducerKind::Cooperative,
        unit: commune.clone(),
        address: "thôn 1".into(),
        registration: "3001234567".into(),
        representative: "Nguyễn Văn A".into(),
        phone: String::new(),
        note: String::new(),
        illustrative: true,
    };
    let pid = store.put_producer(&producer, &a).await.expect("producer");
    let product = Product {
        id: 0,
        producer: pid,
        name: "Chè xanh Tâm Sen".into(),
        product_set: Some("I.5.a".into()),
        group_1048: None,
        collective_brand: true,
        regional: false,
        national_code: String::new(),
        description: "Chè búp".into(),
        note: String::new(),
        illustrative: true,
    };
    let prod = store.put_product(&product, &a).await.expect("product");
    let missing = store
        .put_product(
            &Product {
                producer: 999_999,
                ..product.clone()
            },
            &a,
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let renamed = store
        .put_product(
            &Product {
                id: prod,
                name: "Chè xanh Tâm Sen loại 1".into(),
                ..product.clone()
            },
            &a,
        )
        .await
        .expect("rename");
    assert_eq!(renamed, prod);

    let province = id("42@2020-01-01");
    let round = Round {
        id: 0,
        name: "Đợt 1 năm 2026".into(),
        level: Level::Province,
        unit: province.clone(),
        held_on: date("2026-09-10"),
        rule_set: RuleSet::Qd148Amended,
        secretary,
        members: vec![member, secretary, member],
        outlier_points: Decimal::from(10),
        closed_at: None,
        closed_by: None,
        note: String::new(),
        illustrative: true,
    };
    let rid = store.create_round(&round, &a).await.expect("round");
    let entries = store
        .add_entries(rid, &[prod, prod], &a)
        .await
        .expect("entries");
    assert_eq!(entries.len(), 1, "a product enters a round once");
    assert!(
        store
            .add_entries(rid, &[prod], &a)
            .await
            .expect("again")
            .is_empty()
    );
    let entry = entries[0];
    let sheet = |m: i64, x: i64| Sheet {
        member: m,
        a: Decimal::from(30),
        b: Decimal::from(x),
        c: Decimal::new(255, 1),
    };
    store
        .put_sheet(entry, &sheet(member, 18), &a)
        .await
        .expect("sheet");
    store
        .put_sheet(entry, &sheet(member, 20), &a)
        .await
        .expect("sheet again");
    let not_member = store.put_sheet(entry, &sheet(outsider, 20), &a).await;
    assert!(
        matches!(not_member, Err(StoreError::Conflict(_))),
        "{not_member:?}"
    );
    store
        .put_checks(entry, &[("C3.1".into(), true), ("C4.1".into(), false)], &a)
        .await
        .expect("checks");
    store
        .put_checks(entry, &[("C4.1".into(), true)], &a)
        .await
        .expect("checks again");
    let file = StoredFile {
        name: "tu-danh-gia.pdf".into(),
        bytes: b"%PDF-1.4 hello".to_vec(),
    };
    let fid = store
        .attach_entry_file(entry, "tu_danh_gia", &file, "bản ký", &a)
        .await
        .expect("file");
    let files = store.round_files(rid).await.expect("files");
    assert_eq!(files.len(), 1);
    assert_eq!((files[0].size, files[0].part.as_str()), (14, "tu_danh_gia"));
    let (_, back) = store.entry_file(fid).await.expect("read").expect("there");
    assert_eq!(back, file);
    store
        .put_precheck(entry, date("2026-09-01"), "nguyên liệu tại xã", &a)
        .await
        .expect("the commune's check");
    store.close_round(rid, &a).await.expect("close");
    assert!(matches!(
        store.put_precheck(entry, date("2026-09-02"), "", &a).await,
        Err(StoreError::Conflict(_))
    ));
    // After closing: the conditions can still be marked (the band is known now), the
    // dossier no longer grows.
    store
        .put_checks(entry, &[("C4.1".into(), true)], &a)
        .await
        .expect("checks once closed");
    assert!(matches!(
        store.attach_entry_file(entry, "mau", &file, "", &a).await,
        Err(StoreError::Conflict(_))
    ));
    let late = store.put_sheet(entry, &sheet(member, 25), &a).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert!(matches!(
        store.close_round(rid, &a).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.add_entries(rid, &[prod], &a).await,
        Err(StoreError::Conflict(_))
    ));
    let sheets = store.round_sheets(rid).await.expect("sheets");
    assert_eq!(sheets.len(), 1);
    assert_eq!(sheets[0].sheet, sheet(member, 20));
    let checks = store.round_checks(rid).await.expect("checks");
    assert_eq!(
        checks,
        vec![
            (entry, "C3.1".to_string(), true),
            (entry, "C4.1".to_string(), true)
        ]
    );
    let loaded = store
        .put_conditions(
            &[Condition {
                rule_set: RuleSet::Qd148Amended,
                product_set: "I.5.a".into(),
                stars: 3,
                code: "C3.1".into(),
                text: "Có công bố tiêu chuẩn".into(),
                source: "QĐ 148, Phụ lục III".into(),
            }],
            &a,
        )
        .await
        .expect("conditions");
    assert_eq!(loaded, 1);

    let cert = |stars: u8, number: &str, on: &str| Certificate {
        id: 0,
        product: prod,
        stars,
        level: Level::Province,
        rule_set: RuleSet::Qd148Amended,
        year: 2026,
        decision_number: number.into(),
        decision_date: date(on),
        certificate_number: "GCN-01".into(),
        entry: Some(entry),
        ended: None,
        note: String::new(),
        illustrative: true,
    };
    let ids = store
        .record_certificates(
            &[
                cert(3, "100/QĐ-UBND", "2026-10-01"),
                Certificate {
                    entry: None,
                    ..cert(4, "101/QĐ-UBND", "2026-10-02")
                },
            ],
            &a,
        )
        .await
        .expect("certificates");
    assert_eq!(ids.len(), 2);
    // One decision per entry, and the same decision not twice for a product.
    for again in [
        cert(3, "103/QĐ-UBND", "2026-10-05"),
        Certificate {
            entry: None,
            ..cert(4, "101/QĐ-UBND", "2026-10-02")
        },
    ] {
        assert!(matches!(
            store.record_certificates(&[again], &a).await,
            Err(StoreError::Conflict(_))
        ));
    }
    // The entry's decision is recorded: its conditions are final.
    assert!(matches!(
        store.put_checks(entry, &[("C4.1".into(), false)], &a).await,
        Err(StoreError::Conflict(_))
    ));
    let bad = store
        .record_certificates(
            &[
                cert(3, "102/QĐ-UBND", "2026-10-03"),
                Certificate {
                    product: 999_999,
                    ..cert(3, "x", "2026-10-03")
                },
            ],
            &a,
        )
        .await;
    assert!(bad.is_err());
    let ending = Ending {
        kind: EndKind::Revoked,
        on: date("2026-11-01"),
        number: "120/QĐ-UBND".into(),
        reason: "vi phạm nhãn mác".into(),
    };
    store
        .end_certificate(ids[0], &ending, &a)
        .await
        .expect("end");
    assert!(matches!(
        store.end_certificate(ids[0], &ending, &a).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        store
            .record_ocop_alert(ids[1], 90, instant(0))
            .await
            .expect("alert")
    );
    assert!(
        !store
            .record_ocop_alert(ids[1], 90, instant(1))
            .await
            .expect("again")
    );
    assert!(
        store
            .record_ocop_alert(ids[1], 30, instant(1))
            .await
            .expect("30")
    );

    let line = |category, amount: i64, doc: &str| Support {
        id: 0,
        product: prod,
        year: 2026,
        category,
        source: FundSource::Provincial,
        amount: Decimal::from(amount),
        document: doc.into(),
        note: String::new(),
        illustrative: true,
    };
    let lines = vec![
        line(SupportCategory::BrandIdentity, 60_000_000, "QĐ 5"),
        line(SupportCategory::TechTransfer, 40_000_000, "QĐ 5"),
    ];
    assert_eq!(
        store.import_support(&lines, &a).await.expect("support"),
        (2, 0, 0)
    );
    assert_eq!(
        store.import_support(&lines, &a).await.expect("again"),
        (0, 0, 2)
    );
    let mut changed = lines.clone();
    changed[0].amount = Decimal::from(50_000_000);
    assert_eq!(
        store.import_support(&changed, &a).await.expect("change"),
        (0, 1, 1)
    );
    let twice = vec![lines[0].clone(), lines[0].clone()];
    assert!(matches!(
        store.import_support(&twice, &a).await,
        Err(StoreError::Conflict(_))
    ));

    let book = store.ocop_book().await.expect("book");
    assert_eq!(book.producers.len(), 1);
    assert_eq!(book.products[0].name, "Chè xanh Tâm Sen loại 1");
    assert_eq!(book.products[0].product_set.as_deref(), Some("I.5.a"));
    assert!(book.products[0].collective_brand);
    assert_eq!(book.rounds.len(), 1);
    let p = book.entries[0].precheck.as_ref().expect("checked");
    assert_eq!(
        (p.on, p.by.as_str(), p.note.as_str()),
        (date("2026-09-01"), "vpdp", "nguyên liệu tại xã")
    );
    assert_eq!(book.rounds[0].members, {
        let mut m = vec![member, secretary];
        m.sort_unstable();
        m
    });
    assert!(book.rounds[0].is_closed());
    assert_eq!(book.rounds[0].outlier_points, Decimal::from(10));
    assert_eq!(
        book.certificates.len(),
        2,
        "a refused decision writes nothing"
    );
    assert_eq!(book.certificates[0].ended, Some(ending));
    assert_eq!(book.certificates[1].valid_until(), date("2029-10-02"));
    assert_eq!(book.conditions.len(), 1);
    assert_eq!(book.support.len(), 2);
    assert_eq!(
        book.support[0].amount + book.support[1].amount,
        Decimal::from(90_000_000)
    );
    // Every write is audited under the producer's unit; a sheet's audit holds no points.
    let log = store
        .list_audit(&AuditFilter {
            target_kind: Some("ocop_entry".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert!(log.iter().any(|e| e.action == "ocop_sheet.update"));
    assert!(
        log.iter()
            .filter(|e| e.action.starts_with("ocop_sheet"))
            .all(|e| !e.after.as_deref().unwrap_or("").contains("25.5"))
    );
    let certs = store
        .list_audit(&AuditFilter {
            target_kind: Some("ocop_certificate".into()),
            ..Default::default()
        })
        .await
        .expect("audit");
    assert_eq!(certs.len(), 3);
    assert!(
        certs
            .iter()
            .all(|e| e.unit_id.as_deref() == Some(commune.as_str()))
    );
}

/// Sponsorships keep their commitments and the contributions recorded against them; a
/// contribution is decided once (a second answer is a conflict, never a second write); a
/// commitment stays with its sponsorship and above what was confirmed; funds import whole,
/// matched by unit, year, source, criterion and work, refused whole on a duplicate; every
/// write is audited — fund lines under their unit, a sponsor's money under none.
pub async fn sponsorships_contributions_and_funds(store: &dyn Store) {
    use ntm_core::Decimal;
    use ntm_core::resources::{
        Commitment, CommitmentKind, Contribution, ContributionState, Decision, FundLine, Source,
        Sponsorship, ledger,
    };
    import_fixture(store).await;
    let a = audit("vpdp", "đỡ đầu");
    let org = create_organisation(store, "Ngân hàng Chính sách xã hội tỉnh").await;
    let commune = id("18100@2020-01-01");
    let dec = |s: &str| s.parse::<Decimal>().unwrap();
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let s = Sponsorship {
        id: 0,
        organisation: org,
        unit: commune.clone(),
        village: None,
        from: day(2022, 3, 1),
        until: Some(day(2022, 12, 31)),
        document: "125/QĐ-BCĐ".into(),
        document_date: Some(day(2022, 2, 20)),
        goal: "Đạt chuẩn NTM năm 2022".into(),
        note: String::new(),
        illustrative: true,
    };
    let missing = store
        .put_sponsorship(
            &Sponsorship {
                organisation: 999_999,
                ..s.clone()
            },
            &a,
        )
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound(_))),
        "{missing:?}"
    );
    let sid = store.put_sponsorship(&s, &a).await.expect("sponsorship");
    let c = Commitment {
        id: 0,
        sponsorship: sid,
        kind: CommitmentKind::Money,
        description: "Bê tông hóa đường thôn 3".into(),
        criterion: "2".into(),
        quantity: None,
        value: dec("500000000"),
        due: Some(day(2022, 9, 30)),
        illustrative: true,
    };
    let cid = store.put_commitment(&c, &a).await.expect("commitment");
    let labour = store
        .put_commitment(
            &Commitment {
                kind: CommitmentKind::Labour,
                description: "Ngày công làm đường".into(),
                quantity: Some(dec("120.5")),
                value: dec("36150000"),
                ..c.clone()
            },
            &a,
        )
        .await
        .expect("labour commitment");
    let other = store
        .put_sponsorship(
            &Sponsorship {
                document: "126/QĐ-BCĐ".into(),
                ..s.clone()
            },
            &a,
        )
        .await
        .expect("a second sponsorship");
    let moved = store
        .put_commitment(
            &Commitment {
                id: cid,
                sponsorship: other,
                ..c.clone()
            },
            &a,
        )
        .await;
    assert!(matches!(moved, Err(StoreError::Conflict(_))), "{moved:?}");
    let k = Contribution {
        id: 0,
        commitment: cid,
        on: day(2022, 6, 1),
        value: dec("200000000"),
        quantity: None,
        evidence: "Ủy nhiệm chi số 15".into(),
        file_name: None,
        recorded_by: String::new(),
        recorded_at: instant(0),
        decision: None,
        illustrative: true,
    };
    let file = StoredFile {
        name: "bien-ban.pdf".into(),
        bytes: b"%PDF-1.4 evidence".to_vec(),
    };
    let sponsor = audit("nhcs", "ghi đóng góp");
    let k1 = store
        .record_contribution(&k, Some(&file), &sponsor)
        .await
        .expect("contribution");
    let k2 = store
        .record_contribution(
            &Contribution {
                value: dec("100000000"),
                evidence: "Ủy nhiệm chi số 16".into(),
                ..k.clone()
            },
            None,
            &sponsor,
        )
        .await
        .expect("second contribution");
    let k3 = store
        .record_contribution(
            &Contribution {
                commitment: labour,
                value: dec("12000000"),
                quantity: Some(dec("40")),
                ..k.clone()
            },
            None,
            &sponsor,
        )
        .await
        .expect("labour contribution");
    assert_eq!(
        store.contribution_file(k1).await.expect("file"),
        Some(file.clone())
    );
    assert_eq!(store.contribution_file(k2).await.expect("no file"), None);
    let mut office = audit("vpdp", "xác nhận");
    office.at = instant(3);
    let yes = Decision {
        confirmed: true,
        by: String::new(),
        at: instant(0),
        reason: "đối chiếu sao kê".into(),
    };
    store
        .decide_contribution(k1, &yes, &office)
        .await
        .expect("confirm");
    let again = store.decide_contribution(k1, &yes, &office).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    store
        .decide_contribution(
            k2,
            &Decision {
                confirmed: false,
                reason: "chứng từ không khớp".into(),
                ..yes.clone()
            },
            &office,
        )
        .await
        .expect("refuse");
    store
        .decide_contribution(k3, &yes, &office)
        .await
        .expect("confirm labour");
    let shortened = store
        .put_sponsorship(
            &Sponsorship {
                id: sid,
                until: Some(day(2022, 5, 31)),
                ..s.clone()
            },
            &a,
        )
        .await;
    assert!(
        matches!(shortened, Err(StoreError::Conflict(_))),
        "{shortened:?}"
    );
    let lowered = store
        .put_commitment(
            &Commitment {
                id: cid,
                value: dec("100000000"),
                ..c.clone()
            },
            &a,
        )
        .await;
    assert!(
        matches!(lowered, Err(StoreError::Conflict(_))),
        "{lowered:?}"
    );

    let book = store.resource_book().await.expect("book");
    assert_eq!(book.sponsorships.len(), 2);
    let stored = book.sponsorship(sid).expect("stored");
    assert_eq!(
        stored,
        &Sponsorship {
            id: sid,
            ..s.clone()
        }
    );
    let commitments = book.commitments_of(sid);
    assert_eq!(commitments.len(), 2);
    assert_eq!(commitments[1].quantity, Some(dec("120.5")));
    let first = book.contribution(k1).expect("k1");
    assert_eq!(first.state(), ContributionState::Confirmed);
    assert_eq!(first.file_name.as_deref(), Some("bien-ban.pdf"));
    assert_eq!(first.recorded_by, "nhcs");
    let d = first.decision.as_ref().expect("decided");
    assert_eq!((d.by.as_str(), d.at), ("vpdp", instant(3)));
    assert_eq!(
        book.contribution(k2).expect("k2").state(),
        ContributionState::Refused
    );
    let l = ledger(&commitments, &book.contributions);
    assert_eq!(l.committed, dec("536150000"));
    assert_eq!(l.confirmed, dec("212000000"));
    assert_eq!(l.refused, dec("100000000"));
    assert_eq!(l.gap(), dec("324150000"));
    assert_eq!(l.labour_gap(), dec("80.5"));

    let line = |unit: &str, year, source, criterion: &str, work: &str, planned: &str| FundLine {
        id: 0,
        unit: id(unit),
        year,
        source,
        criterion: criterion.into(),
        work: work.into(),
        planned: dec(planned),
        actual: dec("0"),
        document: "Báo cáo 12/BC-UBND".into(),
        note: String::new(),
        illustrative: true,
    };
    let lines = vec![
        line(
            "18100@2020-01-01",
            2022,
            Source::Provincial,
            "2",
            "Đường thôn 3",
            "800000000",
        ),
        line(
            "18100@2020-01-01",
            2022,
            Source::CommunityInKind,
            "2",
            "Đường thôn 3",
            "150000000",
        ),
        line(
            "18100@2020-01-01",
            2022,
            Source::District,
            "",
            "",
            "90000000",
        ),
    ];
    assert_eq!(
        store.import_funds(&lines, &a).await.expect("funds"),
        (3, 0, 0)
    );
    let mut edited = lines.clone();
    edited[0].actual = dec("750000000");
    edited[0].work = "ĐƯỜNG THÔN 3 ".into();
    assert_eq!(
        store.import_funds(&edited, &a).await.expect("again"),
        (0, 1, 2)
    );
    let mut twice = lines.clone();
    twice.push(lines[2].clone());
    twice[0].planned = dec("1");
    let dup = store.import_funds(&twice, &a).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let funds = store.resource_book().await.expect("book").funds;
    assert_eq!(funds.len(), 3);
    let road = funds
        .iter()
        .find(|f| f.source == Source::Provincial)
        .expect("road");
    assert_eq!(
        (road.planned, road.actual),
        (dec("800000000"), dec("750000000"))
    );
    store.delete_fund_line(road.id, &a).await.expect("delete");
    assert_eq!(store.resource_book().await.expect("book").funds.len(), 2);
    let gone = store.delete_fund_line(road.id, &a).await;
    assert!(matches!(gone, Err(StoreError::NotFound(_))), "{gone:?}");

    let entries = store
        .list_audit(&AuditFilter::default())
        .await
        .expect("audit");
    // Fund lines are the commune's data; a sponsor's money is filed under no unit, so a
    // department reading the commune's audit does not read other organisations' money.
    for e in &entries {
        if e.action.starts_with("fund_line.") {
            assert_eq!(e.unit_id, Some(commune.to_string()), "{e:?}");
        } else if e.action.starts_with("sponsor") {
            assert_eq!(e.unit_id, None, "{e:?}");
        }
    }
    let actions: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.action.as_str()).collect();
    for want in [
        "sponsorship.create",
        "sponsor_commitment.create",
        "sponsor_contribution.create",
        "sponsor_contribution.confirm",
        "sponsor_contribution.refuse",
        "fund_line.create",
        "fund_line.update",
        "fund_line.delete",
    ] {
        assert!(actions.contains(want), "{want} in {actions:?}");
    }
    let refusal = entries
        .iter()
        .find(|e| e.action == "sponsor_contribution.refuse")
        .expect("refusal");
    assert!(
        refusal
            .after
            .as_deref()
            .unwrap_or("")
            .contains("chứng từ không khớp"),
        "{refusal:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Copying a whole database (`ntm_store::copy`)
// ---------------------------------------------------------------------------------------

/// Behaviours of a copy from one store to another; `tests/it` runs each from SQLite and
/// from PostgreSQL into each.
pub const COPY_BEHAVIOURS: &[&str] = &[
    "copy_holds_every_row_and_refuses_a_used_target",
    "copy_reads_one_snapshot",
];

/// Fills `store` by running behaviours of the suite that leave rows in most tables
/// (units, values and their approval, accounts, tasks with files, dossiers, targets,
/// villages, OCOP, sponsorship), plus a session and a token.
pub async fn fill_for_copy(store: &dyn Store) {
    approving_snapshots_values(store).await;
    reports_with_attachments(store).await;
    dossier_documents_are_kept_with_their_step(store).await;
    target_plans_are_written_whole_and_guarded_by_their_version(store).await;
    villages_and_gardens_import_whole_with_their_titles(store).await;
    ocop_rounds_certificates_and_support(store).await;
    sponsorships_contributions_and_funds(store).await;
    quality_explanations_evidence_and_maps_are_kept(store).await;
    store
        .attach_evidence(
            &UnitId::parse("18100@2020-01-01").unwrap(),
            2024,
            "17.1",
            &StoredFile {
                name: "bien-ban.pdf".into(),
                bytes: vec![0, 1, 2, 255],
            },
            1 << 20,
            &audit("xa", "minh chứng"),
        )
        .await
        .expect("evidence");
    criteria_set_versions_increment_only_on_change(store).await;
    // A village merged into one registered after it: a reference to a later row.
    let commune = "18077@2020-01-01";
    let forward = VillageBatch {
        villages: vec![
            village_row(commune, "21", "Thôn Cũ", Some("22")),
            village_row(commune, "22", "Thôn Mới", None),
        ],
        gardens: vec![],
    };
    store
        .import_villages(&forward, &audit("xa", "thôn sáp nhập"))
        .await
        .expect("villages");
    let book = store.village_book().await.expect("villages");
    let old = book.villages.iter().find(|v| v.code == "21").expect("21");
    assert!(
        old.successor.is_some_and(|s| s > old.id),
        "the fixture needs a reference to a later village: {old:?}"
    );
    let user = store
        .list_users()
        .await
        .expect("users")
        .first()
        .map(|u| u.id)
        .expect("the behaviours created users");
    store
        .create_session(&session("copy-session", user, 0, 10_000))
        .await
        .expect("a session");
    create_token(store, user, "copy", "copy-token-hash").await;
    let grants = [
        grant("viewer", "42@2020-01-01"),
        grant("commune", "18077@2020-01-01"),
    ];
    store
        .set_grants(user, &grants, &audit("admin", "phân quyền"))
        .await
        .expect("grants");
    let organisation = store.list_organisations().await.expect("organisations")[0].id;
    store
        .set_user_organisations(user, &[organisation], &audit("admin", "đơn vị"))
        .await
        .expect("the user's organisation");
    store
        .add_notifications(&[NewNotification {
            user_id: user,
            at: instant(5),
            text: "Nhiệm vụ sắp đến hạn".into(),
            link: Some("/tasks/1".into()),
        }])
        .await
        .expect("a notification");
    let task = store
        .list_tasks(&TaskFilter::default())
        .await
        .expect("tasks")
        .first()
        .map(|t| t.id)
        .expect("the behaviours created tasks");
    store
        .record_reminder(task, "overdue", date("2025-03-31"), instant(6))
        .await
        .expect("a reminder");
}

/// Every row of every copied table, read through `read_snapshot`.
#[derive(Default)]
struct Rows {
    tables: Vec<(&'static str, Vec<ntm_store::copy::Row>)>,
}

#[async_trait::async_trait]
impl SnapshotSink for Rows {
    async fn begin_table(&mut self, table: &'static Table) -> ntm_store::StoreResult<()> {
        self.tables.push((table.name, Vec::new()));
        Ok(())
    }
    async fn rows(&mut self, rows: &[ntm_store::copy::Row]) -> ntm_store::StoreResult<()> {
        let (_, all) = self.tables.last_mut().expect("rows come after their table");
        all.extend_from_slice(rows);
        Ok(())
    }
    async fn end_table(&mut self) -> ntm_store::StoreResult<()> {
        Ok(())
    }
}

async fn all_rows(store: &dyn Store) -> Rows {
    let mut rows = Rows::default();
    store.read_snapshot(&mut rows).await.expect("a snapshot");
    rows
}

/// Panics naming the first table whose rows differ.
fn assert_same_rows(source: &Rows, target: &Rows, what: &str) {
    let names = |r: &Rows| r.tables.iter().map(|(n, _)| *n).collect::<Vec<_>>();
    assert_eq!(names(source), names(target), "{what}: other tables");
    for ((name, a), (_, b)) in source.tables.iter().zip(&target.tables) {
        assert_eq!(
            a.len(),
            b.len(),
            "{what}: {name} has another number of rows"
        );
        if let Some((i, (x, y))) = a.iter().zip(b).enumerate().find(|(_, (x, y))| x != y) {
            panic!("{what}: row {i} of {name} differs:\n {x:?}\n {y:?}");
        }
    }
}

/// Copies `source` into `target` as `ntm copy` does, without verifying, handing the
/// writer one row at a time: a reference to a later row then always crosses batches.
async fn copy_store(source: &dyn Store, target: &dyn Store) -> Result<(), StoreError> {
    /// The writer's sink, fed one row per batch.
    struct OneByOne<'a>(&'a mut dyn ntm_store::copy::SnapshotWriter);
    #[async_trait::async_trait]
    impl SnapshotSink for OneByOne<'_> {
        async fn begin_table(&mut self, table: &'static Table) -> ntm_store::StoreResult<()> {
            self.0.begin_table(table).await
        }
        async fn rows(&mut self, rows: &[ntm_store::copy::Row]) -> ntm_store::StoreResult<()> {
            for row in rows {
                self.0.rows(std::slice::from_ref(row)).await?;
            }
            Ok(())
        }
        async fn end_table(&mut self) -> ntm_store::StoreResult<()> {
            self.0.end_table().await
        }
    }
    let mut writer = target.begin_restore().await?;
    source.read_snapshot(&mut OneByOne(writer.as_mut())).await?;
    writer.commit().await
}

/// A copy holds every row of every table of the list, typed alike (booleans, dates,
/// instants, files), in key order, whatever the two backends; sessions stay behind; the
/// copy's own generated ids go on after the largest copied; a copy dropped before its
/// commit writes nothing; and a target holding rows is refused, named, and left as it was.
/// Both stores are freshly migrated; `target` empty.
pub async fn copy_holds_every_row_and_refuses_a_used_target(
    source: &dyn Store,
    target: &dyn Store,
) {
    fill_for_copy(source).await;
    let before = all_rows(source).await;
    let empty: Vec<&str> = before
        .tables
        .iter()
        .filter(|(_, r)| r.is_empty())
        .map(|(n, _)| *n)
        .collect();
    eprintln!("[copy] tables without rows: {empty:?}");
    assert!(
        empty.len() <= 3,
        "the fill leaves too many tables without rows: {empty:?}"
    );

    // Half a copy, then dropped: nothing of it stays.
    let mut writer = target.begin_restore().await.expect("an empty target");
    for (table, (_, rows)) in ntm_store::copy::TABLES.iter().zip(&before.tables).take(3) {
        writer.begin_table(table).await.expect("a table");
        writer.rows(rows).await.expect("its rows");
        writer.end_table().await.expect("the table done");
    }
    drop(writer);
    let mut incomplete = target
        .begin_restore()
        .await
        .expect("still empty after a dropped copy");
    incomplete
        .begin_table(&ntm_store::copy::TABLES[0])
        .await
        .expect("a table");
    incomplete.end_table().await.expect("the table done");
    assert!(
        incomplete.commit().await.is_err(),
        "a copy of one table must not commit"
    );

    copy_store(source, target).await.expect("the copy");
    let after = all_rows(target).await;
    assert_same_rows(&before, &after, "the copy");
    assert_same_rows(
        &before,
        &all_rows(source).await,
        "the source after the copy",
    );

    // Through the store's own reads too.
    assert_eq!(
        target.load_units().await.expect("units"),
        source.load_units().await.expect("units")
    );
    let everything = ValueFilter::default();
    assert_eq!(
        target.list_values(&everything).await.expect("values"),
        source.list_values(&everything).await.expect("values")
    );
    assert_eq!(all_audit(target).await, all_audit(source).await);
    assert_eq!(
        target.list_users().await.expect("users"),
        source.list_users().await.expect("users")
    );
    assert!(
        source
            .find_session("copy-session", instant(1))
            .await
            .expect("find")
            .is_some()
    );
    assert!(
        target
            .find_session("copy-session", instant(1))
            .await
            .expect("find")
            .is_none(),
        "a session was copied"
    );
    assert!(
        target
            .find_token("copy-token-hash")
            .await
            .expect("find")
            .is_some()
    );

    // New rows get new ids: past the largest copied user and audit entry.
    let largest_user = source
        .list_users()
        .await
        .expect("users")
        .iter()
        .map(|u| u.id)
        .max();
    let largest_audit = all_audit(source).await.iter().map(|a| a.id).max();
    let user = create_user(
        target,
        "sau-khi-chep",
        vec![grant("viewer", "42@2020-01-01")],
    )
    .await;
    assert!(
        Some(user) > largest_user,
        "user id {user} reuses a copied one ({largest_user:?})"
    );
    let newest = all_audit(target).await.first().map(|a| a.id);
    assert!(
        newest > largest_audit,
        "audit id {newest:?} after {largest_audit:?}"
    );

    let refused = copy_store(source, target).await;
    match refused {
        Err(StoreError::Conflict(message)) => {
            assert!(
                message.contains("units") && message.contains("audit_events"),
                "{message}"
            )
        }
        other => panic!("a copy into a used database must be refused, got {other:?}"),
    }
    let again = all_rows(target).await;
    let users = |r: &Rows| {
        r.tables
            .iter()
            .find(|(n, _)| *n == "users")
            .map(|(_, r)| r.len())
    };
    assert_eq!(
        users(&again),
        users(&after).map(|n| n + 1),
        "the refused copy wrote"
    );
}

/// What a copy reads is one snapshot: a write committed while the copy reads is not in it,
/// neither half of it.
pub async fn copy_reads_one_snapshot(source: &dyn Store, target: &dyn Store) {
    import_fixture(source).await;
    source
        .write_values(
            &[value("18077@2020-01-01", 2021, "1.1", "1", None)],
            &audit("a", "x"),
        )
        .await
        .expect("a value");

    /// Writes a value and its audit entry once the snapshot has read `units`.
    struct WriteMidway<'a> {
        store: &'a dyn Store,
        rows: Rows,
    }
    #[async_trait::async_trait]
    impl SnapshotSink for WriteMidway<'_> {
        async fn begin_table(&mut self, table: &'static Table) -> ntm_store::StoreResult<()> {
            self.rows.begin_table(table).await
        }
        async fn rows(&mut self, rows: &[ntm_store::copy::Row]) -> ntm_store::StoreResult<()> {
            self.rows.rows(rows).await
        }
        async fn end_table(&mut self) -> ntm_store::StoreResult<()> {
            if self.rows.tables.len() == 1 {
                self.store
                    .write_values(
                        &[value("18077@2020-01-01", 2021, "1.2", "2", None)],
                        &audit("b", "giữa lúc chép"),
                    )
                    .await?;
            }
            self.rows.end_table().await
        }
    }
    let mut midway = WriteMidway {
        store: source,
        rows: Rows::default(),
    };
    source.read_snapshot(&mut midway).await.expect("a snapshot");
    let count = |r: &Rows, name: &str| {
        r.tables
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, rows)| rows.len())
    };
    assert_eq!(
        count(&midway.rows, "indicator_values"),
        Some(1),
        "the snapshot saw a later value"
    );
    let audited = count(&midway.rows, "audit_events");
    let now = all_rows(source).await;
    assert_eq!(
        count(&now, "indicator_values"),
        Some(2),
        "the write went in"
    );
    assert_eq!(count(&now, "audit_events"), audited.map(|n| n + 1));

    copy_store(source, target).await.expect("the copy");
    assert_eq!(count(&all_rows(target).await, "indicator_values"), Some(2));
}

pub async fn quality_explanations_evidence_and_maps_are_kept(store: &dyn Store) {
    use ntm_store::quality::{BoundaryRecord, MapPointRecord};
    import_fixture(store).await;
    let unit = UnitId::parse("18100@2020-01-01").unwrap();
    let before = store.data_versions().await.unwrap().quality;
    // Explanations are replaced whole.
    let reason =
        |r: &str, i: &str, text: &str| (r.to_owned(), i.to_owned(), String::new(), text.to_owned());
    store
        .save_explanations(
            &unit,
            2024,
            &[
                reason("thu-nhap", "10", "Năm 2024 có nhà máy mới tuyển lao động"),
                reason("ty-le", "17.1", "Đã kiểm tra lại với trạm cấp nước"),
            ],
            &audit("xa", "giải trình"),
        )
        .await
        .expect("save");
    store
        .save_explanations(
            &unit,
            2024,
            &[reason(
                "thu-nhap",
                "10",
                "Có nhà máy mới, số liệu của Chi cục Thống kê",
            )],
            &audit("xa", "giải trình"),
        )
        .await
        .expect("replace");
    let kept = store.explanations(Some(&unit), 2024).await.unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        kept[0].reason,
        "Có nhà máy mới, số liệu của Chi cục Thống kê"
    );
    assert_eq!(kept[0].explained_by, "xa");
    assert_eq!(store.explanations(None, 2024).await.unwrap(), kept);
    assert!(store.explanations(None, 2023).await.unwrap().is_empty());
    // Evidence within the quota, and refused beyond it with nothing written.
    let photo = StoredFile {
        name: "anh-tram-nuoc.jpg".into(),
        bytes: (0..=255u8).cycle().take(6000).collect(),
    };
    let id = store
        .attach_evidence(
            &unit,
            2024,
            "17.1",
            &photo,
            10_000,
            &audit("xa", "minh chứng"),
        )
        .await
        .expect("within the quota");
    let refused = store
        .attach_evidence(
            &unit,
            2024,
            "17.1",
            &photo,
            10_000,
            &audit("xa", "minh chứng"),
        )
        .await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.evidence_used(&unit).await.unwrap(), 6000);
    let listed = store.evidence_files(Some(&unit), 2024).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|f| (f.id, f.indicator.as_str(), f.size))
            .collect::<Vec<_>>(),
        [(id, "17.1", 6000)]
    );
    assert_eq!(store.evidence_files(None, 2024).await.unwrap(), listed);
    let (info, file) = store.evidence_file(id).await.unwrap().expect("kept");
    assert_eq!(
        (info.name.as_str(), file.bytes),
        ("anh-tram-nuoc.jpg", photo.bytes.clone())
    );
    store
        .remove_evidence(id, &audit("xa", "gỡ"))
        .await
        .expect("removed");
    assert!(store.evidence_file(id).await.unwrap().is_none());
    assert_eq!(store.evidence_used(&unit).await.unwrap(), 0);
    // The office's points and boundary files replace what was there.
    let point = |lat: &str| MapPointRecord {
        code: "18133".into(),
        lat: lat.into(),
        lon: "105.42".into(),
        note: "theo UBND xã".into(),
        set_at: Utc::now(),
        set_by: String::new(),
    };
    store
        .set_map_point(&point("18.52"), &audit("vpdp", "sửa vị trí"))
        .await
        .unwrap();
    store
        .set_map_point(&point("18.53"), &audit("vpdp", "sửa vị trí"))
        .await
        .unwrap();
    let points = store.map_points().await.unwrap();
    assert_eq!(points.len(), 1);
    assert_eq!(
        (points[0].lat.as_str(), points[0].set_by.as_str()),
        ("18.53", "vpdp")
    );
    assert!(store.boundary("post").await.unwrap().is_none());
    for name in ["ranh-gioi-1.geojson", "ranh-gioi-2.geojson"] {
        store
            .put_boundary(
                &BoundaryRecord {
                    tree: "post".into(),
                    name: name.into(),
                    geojson: "{\"type\":\"FeatureCollection\",\"features\":[]}".into(),
                    features: 0,
                    uploaded_at: Utc::now(),
                    uploaded_by: String::new(),
                },
                &audit("vpdp", "tải ranh giới"),
            )
            .await
            .unwrap();
    }
    let b = store.boundary("post").await.unwrap().expect("kept");
    assert_eq!(
        (b.name.as_str(), b.uploaded_by.as_str()),
        ("ranh-gioi-2.geojson", "vpdp")
    );
    assert!(store.boundary("pre").await.unwrap().is_none());
    assert!(
        store.data_versions().await.unwrap().quality > before,
        "the pages that show them must see the change"
    );

    // Rules files: versions numbered from 1, guarded by the version the editor opened,
    // the same text unchanged, history kept whole.
    let before = store.data_versions().await.unwrap().quality;
    assert!(store.rule_files().await.unwrap().is_empty());
    let first = "format = 1\nset = \"a\"\n";
    let second = "format = 1\nset = \"a\"\nnote = \"sửa\"\n";
    assert_eq!(
        store
            .put_rule_file("a", first, 0, &audit("vpdp", "thêm quy tắc"))
            .await
            .unwrap(),
        PutOutcome::Created { version: 1 }
    );
    assert!(matches!(
        store
            .put_rule_file("a", second, 0, &audit("vpdp", "mở từ trước"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store
            .put_rule_file("a", first, 1, &audit("vpdp", "không đổi"))
            .await
            .unwrap(),
        PutOutcome::Unchanged { version: 1 }
    );
    assert_eq!(
        store
            .put_rule_file("a", second, 1, &audit("vpdp", "sửa ngưỡng"))
            .await
            .unwrap(),
        PutOutcome::Created { version: 2 }
    );
    store
        .put_rule_file("b", first, 0, &audit("vpdp", "bộ khác"))
        .await
        .unwrap();
    let latest = store.rule_files().await.unwrap();
    assert_eq!(
        latest
            .iter()
            .map(|r| (r.set_id.as_str(), r.version, r.source_text.as_str()))
            .collect::<Vec<_>>(),
        vec![("a", 2, second), ("b", 1, first)]
    );
    let history = store.rule_file_history("a").await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|r| (r.version, r.reason.as_str(), r.saved_by.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "thêm quy tắc", "vpdp"), (2, "sửa ngưỡng", "vpdp")]
    );
    assert!(store.data_versions().await.unwrap().quality > before);

    // Findings seen: kept from first sight, resolved when no longer raised, opened again
    // when raised again; another year untouched.
    let finding = |k: &str, m: &str| (k.to_owned(), "warning".to_owned(), m.to_owned());
    let t = |h: u32| Utc.with_ymd_and_hms(2024, 5, 1, h, 0, 0).unwrap();
    store
        .record_findings(
            &unit,
            2024,
            &[finding("a~1~", "tăng vọt"), finding("b~2~", "khác nhóm")],
            t(8),
        )
        .await
        .unwrap();
    // A key given twice (two checks telling one finding) is kept once.
    store
        .record_findings(
            &unit,
            2024,
            &[finding("b~2~", "khác nhóm"), finding("b~2~", "khác nhóm")],
            t(9),
        )
        .await
        .unwrap();
    let quiet = store.data_versions().await.unwrap().quality;
    store
        .record_findings(&unit, 2024, &[finding("b~2~", "khác nhóm")], t(9))
        .await
        .unwrap();
    assert_eq!(
        store.data_versions().await.unwrap().quality,
        quiet,
        "nothing changed, nothing written: the pages' kept views stay"
    );
    store
        .record_findings(&unit, 2023, &[finding("a~1~", "năm trước")], t(9))
        .await
        .unwrap();
    let seen = |year| async move {
        store
            .findings_seen(None, year)
            .await
            .unwrap()
            .into_iter()
            .map(|f| (f.key, f.first_seen_at, f.resolved_at))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        seen(2024).await,
        vec![
            ("a~1~".to_owned(), t(8), Some(t(9))),
            ("b~2~".to_owned(), t(8), None)
        ]
    );
    store
        .record_findings(&unit, 2024, &[finding("a~1~", "tăng vọt lần nữa")], t(10))
        .await
        .unwrap();
    let again = store.findings_seen(Some(&unit), 2024).await.unwrap();
    assert_eq!(
        again
            .iter()
            .map(|f| (f.key.as_str(), f.message.as_str(), f.resolved_at))
            .collect::<Vec<_>>(),
        vec![
            ("a~1~", "tăng vọt lần nữa", None),
            ("b~2~", "khác nhóm", Some(t(10)))
        ]
    );
    assert_eq!(seen(2023).await.len(), 1);
}
