//! The approval workflow: submissions, the approved snapshot of values, and the
//! lock that an approval puts on a unit-year's values.
//!
//! Invariants:
//! - `set_submission` is one transaction under the store's write lock: the submission row, on
//!   approval the replaced snapshot (`approved_values`, stamped with the audit time), and
//!   the `submission.<status>` audit entry.
//! - `write_values` reads the approved unit-years of its years under the same write lock
//!   ([`approved_unit_years`]), so an approval cannot slip between the check and the write.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::SubsecRound;
use ntm_core::UnitId;
use ntm_core::workflow::Status;
use ntm_store::plan;
use ntm_store::{
    AuditContext, StoreResult, SubmissionFilter, SubmissionRecord, UnitYearStatus, ValueFilter,
    ValueRecord, WorkflowStore,
};
use sqlx::QueryBuilder;

use super::{db_error, get, insert_audits, value_record};
use crate::dialect::{Backend, Db, DbConn, DbRow};

const SUBMISSION_COLUMNS: &str = "unit_id, year, status, updated_at, updated_by, comment";

#[async_trait]
impl WorkflowStore for Backend {
    async fn get_submission(
        &self,
        unit_id: &UnitId,
        year: i32,
    ) -> StoreResult<Option<SubmissionRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE unit_id = $1 AND year = $2"
        )))
        .bind(unit_id.as_str())
        .bind(year)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the submission", e))?;
        row.as_ref().map(submission_record).transpose()
    }

    async fn list_submissions(
        &self,
        filter: &SubmissionFilter,
    ) -> StoreResult<Vec<SubmissionRecord>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE 1 = 1"
        ));
        if let Some(status) = &filter.status {
            qb.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(year) = filter.year {
            qb.push(" AND year = ").push_bind(year);
        }
        qb.push(" ORDER BY year, unit_id COLLATE \"C\"");
        let rows = qb
            .build()
            .fetch_all(&self.read)
            .await
            .map_err(|e| db_error("reading submissions", e))?;
        rows.iter().map(submission_record).collect()
    }

    /// A status that `ntm_core::workflow::Status` does not know is an error, and a unit
    /// that does not exist a `Conflict`; both before anything is written.
    async fn set_submission_from(
        &self,
        record: &SubmissionRecord,
        from: Option<&[Status]>,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let unit_known: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM units WHERE id = $1)")
                .bind(record.unit_id.as_str())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| db_error("reading the unit", e))?;
        if !unit_known {
            return Err(plan::unknown_submission_unit(&record.unit_id));
        }
        let before: Option<String> =
            sqlx::query_scalar("SELECT status FROM submissions WHERE unit_id = $1 AND year = $2")
                .bind(record.unit_id.as_str())
                .bind(record.year)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the submission", e))?;
        plan::check_status_from(record, before.as_deref(), from)?;
        let entry = plan::submission_audit(record, before.as_deref())?;
        let at = audit.at.trunc_subsecs(6);
        upsert_submission(&mut tx, record).await?;

        if record.status == Status::Approved.as_str() {
            sqlx::query("DELETE FROM approved_values WHERE unit_id = $1 AND year = $2")
                .bind(record.unit_id.as_str())
                .bind(record.year)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("replacing the approved values", e))?;
            sqlx::query(
                "INSERT INTO approved_values \
                 (unit_id, year, indicator_id, value, note, illustrative, entered_by, entered_at, \
                  approved_at) \
                 SELECT unit_id, year, indicator_id, value, note, illustrative, entered_by, \
                        entered_at, $1 \
                 FROM indicator_values WHERE unit_id = $2 AND year = $3",
            )
            .bind(at)
            .bind(record.unit_id.as_str())
            .bind(record.year)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("copying the approved values", e))?;
        }

        insert_audits(&mut tx, std::slice::from_ref(&entry), audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the submission", e))
    }

    async fn list_approved_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>> {
        self.list_value_rows("approved_values", filter).await
    }

    async fn unapproved(&self, year: Option<i32>) -> StoreResult<Vec<UnitYearStatus>> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT v.unit_id, v.year, COALESCE(s.status, 'draft') AS status \
             FROM (SELECT DISTINCT unit_id, year FROM indicator_values",
        );
        if let Some(year) = year {
            qb.push(" WHERE year = ").push_bind(year);
        }
        qb.push(
            ") v LEFT JOIN submissions s ON s.unit_id = v.unit_id AND s.year = v.year \
             WHERE COALESCE(s.status, 'draft') <> 'approved' \
             ORDER BY v.year, v.unit_id COLLATE \"C\"",
        );
        let rows: Vec<(String, i32, String)> = qb
            .build_query_as()
            .fetch_all(&self.read)
            .await
            .map_err(|e| db_error("reading the unapproved unit-years", e))?;
        rows.into_iter()
            .map(|(unit, year, status)| {
                Ok(UnitYearStatus {
                    unit_id: plan::parse_unit_id(&unit, "indicator_values.unit_id")?,
                    year,
                    status,
                })
            })
            .collect()
    }

    /// Ordered by indicator.
    async fn approved_values(&self, unit_id: &UnitId, year: i32) -> StoreResult<Vec<ValueRecord>> {
        let rows = sqlx::query(
            "SELECT unit_id, year, indicator_id, value, note, illustrative, entered_by, entered_at \
             FROM approved_values WHERE unit_id = $1 AND year = $2 ORDER BY indicator_id COLLATE \"C\"",
        )
        .bind(unit_id.as_str())
        .bind(year)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the approved values", e))?;
        rows.iter()
            .map(|row| value_record(row, "approved_values.unit_id"))
            .collect()
    }
}

fn submission_record(row: &DbRow) -> StoreResult<SubmissionRecord> {
    let unit: String = get(row, "unit_id")?;
    Ok(SubmissionRecord {
        unit_id: plan::parse_unit_id(&unit, "submissions.unit_id")?,
        year: get(row, "year")?,
        status: get(row, "status")?,
        updated_at: get(row, "updated_at")?,
        updated_by: get(row, "updated_by")?,
        comment: get(row, "comment")?,
    })
}

/// The recorded status of every unit-year of `years`, read inside the caller's
/// transaction (a unit-year without a record is a draft).
pub(crate) async fn statuses(
    conn: &mut DbConn,
    years: &[i32],
) -> StoreResult<HashMap<(String, i32), String>> {
    let mut qb =
        QueryBuilder::<Db>::new("SELECT unit_id, year, status FROM submissions WHERE year IN (");
    let mut list = qb.separated(", ");
    for year in years {
        list.push_bind(*year);
    }
    qb.push(")");
    let rows: Vec<(String, i32, String)> = qb
        .build_query_as()
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| db_error("reading the submissions", e))?;
    Ok(rows.into_iter().map(|(u, y, s)| ((u, y), s)).collect())
}

/// Writes `record` as the unit-year's submission row (inserted or replaced).
pub(crate) async fn upsert_submission(
    conn: &mut DbConn,
    record: &SubmissionRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO submissions (unit_id, year, status, updated_at, updated_by, comment) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (unit_id, year) DO UPDATE SET status = excluded.status, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
         comment = excluded.comment",
    )
    .bind(record.unit_id.as_str())
    .bind(record.year)
    .bind(record.status.as_str())
    .bind(record.updated_at.trunc_subsecs(6))
    .bind(record.updated_by.as_str())
    .bind(record.comment.as_deref())
    .execute(&mut *conn)
    .await
    .map_err(|e| db_error("writing the submission", e))?;
    Ok(())
}
