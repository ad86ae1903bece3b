//! The store test binary: every conformance behaviour against every backend, the copy
//! behaviours from each backend into each (`copy`), the schema lockstep checks, and the
//! few backend-specific checks (SQLite backups and URLs).
//!
//! Invariant: behaviours are listed once, in the `conformance!` invocation below, which
//! expands into `sqlite::<name>` and `postgres::<name>` tests; a behaviour cannot run on
//! one backend only, and `every_behaviour_is_listed` fails when the list here and
//! `ntm_store_conformance::BEHAVIOURS` differ.
//!
//! SQLite always runs (a fresh migrated file per test). The PostgreSQL tests are ignored
//! by default, so a plain run reports them as skipped, never as passed; `cargo nextest
//! run --run-ignored all` (as `.ci/run` does) runs them against `NTM_TEST_POSTGRES_URL`,
//! each in a fresh schema dropped afterwards, and they fail when that variable is unset.

mod backend_specific;
mod backends;
mod copy;
mod schema;

/// Expands a list of behaviour names into one test per backend per behaviour.
macro_rules! conformance {
    ($($behaviour:ident),+ $(,)?) => {
        /// Every behaviour against SQLite.
        mod sqlite {
            $(
                #[tokio::test]
                async fn $behaviour() {
                    let store = crate::backends::TempSqlite::new().await;
                    ntm_store_conformance::$behaviour(store.store()).await;
                }
            )+
        }

        /// Every behaviour against PostgreSQL, when `NTM_TEST_POSTGRES_URL` is set.
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: set NTM_TEST_POSTGRES_URL, run with --run-ignored all"]
                async fn $behaviour() {
                    crate::backends::with_postgres(stringify!($behaviour), |store| {
                        Box::pin(async move { ntm_store_conformance::$behaviour(&*store).await })
                    })
                    .await;
                }
            )+
        }

        #[test]
        fn every_behaviour_is_listed() {
            assert_eq!([$(stringify!($behaviour)),+].as_slice(), ntm_store_conformance::BEHAVIOURS);
        }
    };
}

conformance!(
    data_versions_rise_with_the_writes_that_change_evaluations,
    recognition_dossiers_round_trip_with_their_history,
    a_dossier_saved_from_a_stale_read_is_refused,
    dossiers_created_together_are_all_or_none,
    target_plans_are_written_whole_and_guarded_by_their_version,
    dossier_documents_are_kept_with_their_step,
    villages_and_gardens_import_whole_with_their_titles,
    ocop_rounds_certificates_and_support,
    sponsorships_contributions_and_funds,
    quality_explanations_evidence_and_maps_are_kept,
    units_round_trip,
    reused_codes_stay_distinct,
    reimporting_identical_units_writes_nothing,
    unit_update_is_audited_with_before_and_after,
    lineage_and_attributes_round_trip,
    unit_import_with_unknown_reference_writes_nothing,
    values_write_and_read_back,
    values_read_page_by_page_give_the_whole_listing,
    unchanged_values_are_not_audited,
    value_update_records_old_and_new,
    demo_values_are_marked_until_a_person_writes_them,
    an_edit_respects_the_workflow_inside_its_transaction,
    a_value_changed_since_it_was_read_is_not_overwritten,
    a_save_racing_a_submit_never_lands_after_it,
    duplicate_keys_in_a_value_batch_last_wins,
    batch_with_unknown_unit_writes_nothing,
    value_filter_by_unit_and_indicator,
    large_value_batch,
    criteria_set_versions_increment_only_on_change,
    audit_filters_work,
    users_create_find_and_duplicate_conflict,
    grants_replace_and_list,
    password_change_drops_sessions,
    disabling_drops_sessions_and_tokens,
    sessions_expire,
    tokens_are_found_by_hash_and_deleted_only_by_owner,
    submission_round_trip_and_audit,
    approving_snapshots_values,
    official_values_are_the_approved_snapshots,
    approved_unit_year_refuses_writes,
    reopened_unit_year_accepts_writes,
    list_submissions_filters,
    organisations_round_trip,
    directive_with_tasks_and_children_round_trip,
    task_update_is_audited,
    report_marks_done_and_confirm_reopen,
    reports_with_attachments,
    notifications_unread_and_mark_read,
    reminders_are_recorded_once,
    list_tasks_filters,
    user_organisations_replace,
    tasks_added_to_a_directive,
    periodic_reports_do_not_close_the_task,
    email_addresses_and_the_digest_queue,
);
