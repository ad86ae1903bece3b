//! Directives, tasks, organisations, progress reports, notifications and reminders.
//!
//! Invariants:
//! - Every audited method is one transaction holding the store's write lock, with its
//!   audit entries; the audit texts come from `ntm_store::tasks` and never hold a file's bytes.
//! - A directive, its tasks and their children are inserted in one transaction, parents
//!   before children.
//! - Listings never read file bytes; `directive_file` and `report_attachment` do.
//! - A reminder is one `INSERT … ON CONFLICT DO NOTHING`: whether a row was inserted is
//!   the answer to "was it new".

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use ntm_store::plan;
use ntm_store::{
    Assignee, AuditContext, DirectiveRecord, DirectiveStore, NewDirective, NewNotification,
    NewOrganisation, NewReport, NewTask, NotificationRecord, NotificationStore, OrganisationRecord,
    OrganisationStore, ReminderRecord, ReportRecord, StoreResult, StoredFile, TaskDetails,
    TaskFilter, TaskRecord, TaskStore, tasks,
};
use sqlx::QueryBuilder;

use super::{MAX_BINDS, db_error, get, insert_audits};
use crate::dialect::{Backend, Db, DbConn, DbRow};

const ORGANISATION_COLUMNS: &str = "o.id, o.name, o.kind";

const DIRECTIVE_COLUMNS: &str = "id, kind, number, issued_on, issuer, title, summary, file_name, \
     CAST(octet_length(file_bytes) AS BIGINT) AS file_size, created_at, created_by";

const TASK_COLUMNS: &str = "id, directive_id, parent_id, code, text, lead_unit_id, \
     lead_organisation_id, deadline, recurrence, expected_output, serves, completed_at, \
     completion_proof, confirmed_at, confirmed_by";

const REPORT_COLUMNS: &str = "id, task_id, at, reported_by, text, percent, attachment_name, \
     CAST(octet_length(attachment_bytes) AS BIGINT) AS attachment_size, marks_done";

const NOTIFICATION_COLUMNS: &str = "id, user_id, at, text, link, read_at";

#[async_trait]
impl OrganisationStore for Backend {
    async fn create_organisation(
        &self,
        organisation: &NewOrganisation,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
            .bind(&organisation.name)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading organisations", e))?;
        if taken.is_some() {
            return Err(tasks::organisation_name_taken(&organisation.name));
        }
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organisations (name, kind, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(&organisation.name)
        .bind(&organisation.kind)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the organisation", e))?;
        let entry = tasks::organisation_create_audit(id, organisation);
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the organisation", e))?;
        Ok(id)
    }

    async fn list_organisations(&self) -> StoreResult<Vec<OrganisationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations o ORDER BY o.name COLLATE \"C\", o.id"
        )))
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading organisations", e))?;
        rows.iter().map(organisation_record).collect()
    }

    async fn get_organisation(&self, id: i64) -> StoreResult<Option<OrganisationRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations o WHERE o.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the organisation", e))?;
        row.as_ref().map(organisation_record).transpose()
    }

    async fn set_user_organisations(
        &self,
        user_id: i64,
        organisation_ids: &[i64],
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let after = tasks::normalize_ids(organisation_ids);
        let mut tx = self.begin_write().await?;
        let username: Option<String> =
            sqlx::query_scalar("SELECT username FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the user", e))?;
        let username = username.ok_or_else(|| plan::user_not_found(user_id))?;
        let known: Vec<i64> = sqlx::query_scalar("SELECT id FROM organisations")
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| db_error("reading organisations", e))?;
        let unknown: Vec<i64> = after
            .iter()
            .copied()
            .filter(|id| !known.contains(id))
            .collect();
        if !unknown.is_empty() {
            return Err(tasks::unknown_organisations(&unknown));
        }
        let before = user_organisation_ids(&mut tx, user_id).await?;
        if before != after {
            sqlx::query("DELETE FROM user_organisations WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("replacing the user's organisations", e))?;
            for organisation in &after {
                sqlx::query(
                    "INSERT INTO user_organisations (user_id, organisation_id) VALUES ($1, $2)",
                )
                .bind(user_id)
                .bind(organisation)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing the user's organisations", e))?;
            }
            let entry = tasks::user_organisations_audit(&username, &before, &after);
            insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the user's organisations", e))
    }

    /// An unknown user belongs to none.
    async fn list_user_organisations(&self, user_id: i64) -> StoreResult<Vec<OrganisationRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ORGANISATION_COLUMNS} FROM organisations o \
             JOIN user_organisations u ON u.organisation_id = o.id \
             WHERE u.user_id = $1 ORDER BY o.name COLLATE \"C\", o.id"
        )))
        .bind(user_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the user's organisations", e))?;
        rows.iter().map(organisation_record).collect()
    }
}

fn organisation_record(row: &DbRow) -> StoreResult<OrganisationRecord> {
    Ok(OrganisationRecord {
        id: get(row, "id")?,
        name: get(row, "name")?,
        kind: get(row, "kind")?,
    })
}

/// The user's organisation ids, sorted.
async fn user_organisation_ids(conn: &mut DbConn, user_id: i64) -> StoreResult<Vec<i64>> {
    sqlx::query_scalar(
        "SELECT organisation_id FROM user_organisations WHERE user_id = $1 ORDER BY organisation_id",
    )
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the user's organisations", e))
}

#[async_trait]
impl DirectiveStore for Backend {
    async fn create_directive(
        &self,
        directive: &NewDirective,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let rows = tasks::flatten(&directive.tasks)?;
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO directives (kind, number, issued_on, issuer, title, summary, file_name, \
             file_bytes, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(&directive.kind)
        .bind(&directive.number)
        .bind(directive.issued_on)
        .bind(&directive.issuer)
        .bind(&directive.title)
        .bind(&directive.summary)
        .bind(directive.file.as_ref().map(|f| f.name.as_str()))
        .bind(directive.file.as_ref().map(|f| f.bytes.as_slice()))
        .bind(at)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the directive", e))?;

        let mut entries = vec![tasks::directive_create_audit(id, directive)];
        let (_, created) = insert_tasks(&mut tx, id, &rows, at).await?;
        entries.extend(created);
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the directive", e))?;
        Ok(id)
    }

    async fn get_directive(&self, id: i64) -> StoreResult<Option<DirectiveRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DIRECTIVE_COLUMNS} FROM directives WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the directive", e))?;
        row.as_ref().map(directive_record).transpose()
    }

    async fn list_directives(&self) -> StoreResult<Vec<DirectiveRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DIRECTIVE_COLUMNS} FROM directives ORDER BY issued_on DESC, id DESC"
        )))
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading directives", e))?;
        rows.iter().map(directive_record).collect()
    }

    async fn directive_file(&self, id: i64) -> StoreResult<Option<StoredFile>> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT file_name, file_bytes FROM directives WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await
                .map_err(|e| db_error("reading the directive's file", e))?;
        Ok(stored_file(row))
    }

    async fn add_tasks(
        &self,
        directive_id: i64,
        new_tasks: &[NewTask],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        let rows = tasks::flatten(new_tasks)?;
        let mut tx = self.begin_write().await?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM directives WHERE id = $1")
            .bind(directive_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the directive", e))?;
        if exists.is_none() {
            return Err(tasks::directive_not_found(directive_id));
        }
        let at = audit.at.trunc_subsecs(6);
        let (ids, entries) = insert_tasks(&mut tx, directive_id, &rows, at).await?;
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the tasks", e))?;
        Ok(rows
            .iter()
            .zip(ids)
            .filter(|(row, _)| row.parent_index.is_none())
            .map(|(_, id)| id)
            .collect())
    }
}

fn stored_file(row: Option<(Option<String>, Option<Vec<u8>>)>) -> Option<StoredFile> {
    match row {
        Some((Some(name), Some(bytes))) => Some(StoredFile { name, bytes }),
        _ => None,
    }
}

fn directive_record(row: &DbRow) -> StoreResult<DirectiveRecord> {
    Ok(DirectiveRecord {
        id: get(row, "id")?,
        kind: get(row, "kind")?,
        number: get(row, "number")?,
        issued_on: get(row, "issued_on")?,
        issuer: get(row, "issuer")?,
        title: get(row, "title")?,
        summary: get(row, "summary")?,
        file_name: get(row, "file_name")?,
        file_size: get(row, "file_size")?,
        created_at: get(row, "created_at")?,
        created_by: get(row, "created_by")?,
    })
}

async fn insert_cooperators(
    conn: &mut DbConn,
    task_id: i64,
    cooperating: &[Assignee],
) -> StoreResult<()> {
    for (position, assignee) in cooperating.iter().enumerate() {
        let (unit, organisation) = assignee.columns();
        let position = i32::try_from(position).map_err(|e| {
            ntm_store::StoreError::Other(anyhow::Error::new(e).context("too many cooperators"))
        })?;
        sqlx::query(
            "INSERT INTO task_cooperators (task_id, position, unit_id, organisation_id) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(task_id)
        .bind(position)
        .bind(unit)
        .bind(organisation)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("writing the task's cooperators", e))?;
    }
    Ok(())
}

/// The cooperators of `task_ids`, each task's in order.
async fn load_cooperators(
    conn: &mut DbConn,
    task_ids: &[i64],
) -> StoreResult<HashMap<i64, Vec<Assignee>>> {
    let mut out: HashMap<i64, Vec<Assignee>> = HashMap::new();
    for chunk in task_ids.chunks(MAX_BINDS) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT task_id, unit_id, organisation_id FROM task_cooperators WHERE task_id IN (",
        );
        let mut list = qb.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        qb.push(") ORDER BY task_id, position");
        let rows: Vec<(i64, Option<String>, Option<i64>)> = qb
            .build_query_as()
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading task cooperators", e))?;
        for (task, unit, organisation) in rows {
            out.entry(task).or_default().push(Assignee::from_columns(
                unit,
                organisation,
                "task_cooperators",
            )?);
        }
    }
    Ok(out)
}

fn task_record(row: &DbRow) -> StoreResult<TaskRecord> {
    Ok(TaskRecord {
        id: get(row, "id")?,
        directive_id: get(row, "directive_id")?,
        parent_id: get(row, "parent_id")?,
        code: get(row, "code")?,
        details: TaskDetails {
            text: get(row, "text")?,
            lead: Assignee::from_columns(
                get(row, "lead_unit_id")?,
                get(row, "lead_organisation_id")?,
                "tasks.lead",
            )?,
            cooperating: Vec::new(),
            deadline: get(row, "deadline")?,
            recurrence: get(row, "recurrence")?,
            expected_output: get(row, "expected_output")?,
            serves: get(row, "serves")?,
        },
        completed_at: get(row, "completed_at")?,
        completion_proof: get(row, "completion_proof")?,
        confirmed_at: get(row, "confirmed_at")?,
        confirmed_by: get(row, "confirmed_by")?,
    })
}

/// Task rows with their cooperators.
async fn with_cooperators(conn: &mut DbConn, rows: &[DbRow]) -> StoreResult<Vec<TaskRecord>> {
    let mut records = rows
        .iter()
        .map(task_record)
        .collect::<StoreResult<Vec<_>>>()?;
    let ids: Vec<i64> = records.iter().map(|t| t.id).collect();
    let mut cooperators = load_cooperators(conn, &ids).await?;
    for record in &mut records {
        record.details.cooperating = cooperators.remove(&record.id).unwrap_or_default();
    }
    Ok(records)
}

async fn load_task(conn: &mut DbConn, id: i64) -> StoreResult<Option<TaskRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading the task", e))?;
    match row {
        Some(row) => Ok(with_cooperators(conn, &[row]).await?.pop()),
        None => Ok(None),
    }
}

/// The task `id`, or `NotFound`.
async fn require_task(conn: &mut DbConn, id: i64) -> StoreResult<TaskRecord> {
    load_task(conn, id)
        .await?
        .ok_or_else(|| tasks::task_not_found(id))
}

#[async_trait]
impl TaskStore for Backend {
    async fn list_tasks(&self, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>> {
        let mut qb =
            QueryBuilder::<Db>::new(format!("SELECT {TASK_COLUMNS} FROM tasks WHERE 1 = 1"));
        if let Some(directive) = filter.directive_id {
            qb.push(" AND directive_id = ").push_bind(directive);
        }
        if let Some(unit) = &filter.lead_unit {
            qb.push(" AND lead_unit_id = ").push_bind(unit.as_str());
        }
        if let Some(organisation) = filter.lead_organisation {
            qb.push(" AND lead_organisation_id = ")
                .push_bind(organisation);
        }
        if filter.open_only {
            qb.push(" AND confirmed_at IS NULL");
        }
        qb.push(" ORDER BY id");
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        let rows = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading tasks", e))?;
        with_cooperators(&mut conn, &rows).await
    }

    async fn get_task(&self, id: i64) -> StoreResult<Option<TaskRecord>> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        load_task(&mut conn, id).await
    }

    async fn update_task_from(
        &self,
        id: i64,
        seen: Option<&str>,
        details: &TaskDetails,
        audit: &AuditContext,
    ) -> StoreResult<bool> {
        let details = tasks::normalize_details(&format!("#{id}"), details)?;
        let mut tx = self.begin_write().await?;
        let task = require_task(&mut tx, id).await?;
        if let Some(seen) = seen
            && tasks::details_version(&task.details) != seen
        {
            return Err(ntm_store::StoreError::Conflict(format!(
                "nhiệm vụ {} đã được người khác điều chỉnh trong lúc bạn sửa (nội dung hiện tại: “{}”, hạn {}); \
                 không có gì được ghi",
                task.code,
                task.details.text,
                task.details.deadline.map_or_else(
                    || "không có".to_owned(),
                    |d| d.format("%d/%m/%Y").to_string()
                )
            )));
        }
        if task.details == details {
            return Ok(false);
        }
        let (lead_unit, lead_organisation) = details.lead.columns();
        sqlx::query(
            "UPDATE tasks SET text = $1, lead_unit_id = $2, lead_organisation_id = $3, deadline = $4, \
             recurrence = $5, expected_output = $6, serves = $7 WHERE id = $8",
        )
        .bind(&details.text)
        .bind(lead_unit)
        .bind(lead_organisation)
        .bind(details.deadline)
        .bind(details.recurrence.as_deref())
        .bind(&details.expected_output)
        .bind(&details.serves)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the task", e))?;
        sqlx::query("DELETE FROM task_cooperators WHERE task_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("replacing the task's cooperators", e))?;
        insert_cooperators(&mut tx, id, &details.cooperating).await?;
        let entry = tasks::task_update_audit(id, &task.code, &task.details, &details);
        insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the task", e))?;
        Ok(true)
    }

    async fn add_report(
        &self,
        task_id: i64,
        report: &NewReport,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        tasks::check_percent(report.percent)?;
        let mut tx = self.begin_write().await?;
        let task = require_task(&mut tx, task_id).await?;
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO task_reports (task_id, at, reported_by, text, percent, attachment_name, \
             attachment_bytes, marks_done) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(task_id)
        .bind(at)
        .bind(&audit.actor)
        .bind(&report.text)
        .bind(report.percent)
        .bind(report.attachment.as_ref().map(|f| f.name.as_str()))
        .bind(report.attachment.as_ref().map(|f| f.bytes.as_slice()))
        .bind(report.marks_done)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the report", e))?;
        let mut entries = vec![tasks::report_audit(id, &task, report)];
        if report.marks_done && tasks::closes_task(&task) {
            sqlx::query("UPDATE tasks SET completed_at = $1, completion_proof = $2 WHERE id = $3")
                .bind(at)
                .bind(&report.text)
                .bind(task_id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("marking the task done", e))?;
            entries.push(tasks::task_complete_audit(&task, at, &report.text));
        }
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the report", e))?;
        Ok(id)
    }

    async fn confirm_task(&self, id: i64, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let task = require_task(&mut tx, id).await?;
        if task.completed_at.is_none() {
            return Err(tasks::not_marked_done(id));
        }
        if task.confirmed_at.is_some() {
            return Ok(());
        }
        let at = audit.at.trunc_subsecs(6);
        sqlx::query("UPDATE tasks SET confirmed_at = $1, confirmed_by = $2 WHERE id = $3")
            .bind(at)
            .bind(&audit.actor)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("confirming the task", e))?;
        let entry = tasks::task_confirm_audit(&task, audit, at);
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the confirmation", e))
    }

    async fn reopen_task(&self, id: i64, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let task = require_task(&mut tx, id).await?;
        if task.completed_at.is_none() {
            return Ok(());
        }
        sqlx::query(
            "UPDATE tasks SET completed_at = NULL, completion_proof = NULL, confirmed_at = NULL, \
             confirmed_by = NULL WHERE id = $1",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("reopening the task", e))?;
        let entry = tasks::task_reopen_audit(&task);
        insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the reopening", e))
    }

    async fn list_reports(&self, task_id: i64) -> StoreResult<Vec<ReportRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {REPORT_COLUMNS} FROM task_reports WHERE task_id = $1 ORDER BY at, id"
        )))
        .bind(task_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading reports", e))?;
        rows.iter()
            .map(|row| {
                Ok(ReportRecord {
                    id: get(row, "id")?,
                    task_id: get(row, "task_id")?,
                    at: get(row, "at")?,
                    by: get(row, "reported_by")?,
                    text: get(row, "text")?,
                    percent: get(row, "percent")?,
                    attachment_name: get(row, "attachment_name")?,
                    attachment_size: get(row, "attachment_size")?,
                    marks_done: get(row, "marks_done")?,
                })
            })
            .collect()
    }

    async fn report_attachment(&self, report_id: i64) -> StoreResult<Option<StoredFile>> {
        let row: Option<(Option<String>, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT attachment_name, attachment_bytes FROM task_reports WHERE id = $1",
        )
        .bind(report_id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the report's attachment", e))?;
        Ok(stored_file(row))
    }

    async fn record_reminder(
        &self,
        task_id: i64,
        kind: &str,
        due_on: NaiveDate,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO reminders_sent (task_id, kind, due_on, sent_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (task_id, kind, due_on) DO NOTHING",
        )
        .bind(task_id)
        .bind(kind)
        .bind(due_on)
        .bind(at.trunc_subsecs(6))
        .execute(&self.pool)
        .await
        .map_err(|e| db_error("recording the reminder", e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_reminders(&self, task_id: i64) -> StoreResult<Vec<ReminderRecord>> {
        let rows: Vec<(i64, String, NaiveDate, DateTime<Utc>)> = sqlx::query_as(
            "SELECT task_id, kind, due_on, sent_at FROM reminders_sent WHERE task_id = $1 \
             ORDER BY due_on, kind",
        )
        .bind(task_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading reminders", e))?;
        Ok(rows
            .into_iter()
            .map(|(task_id, kind, due_on, sent_at)| ReminderRecord {
                task_id,
                kind,
                due_on,
                sent_at,
            })
            .collect())
    }
}

#[async_trait]
impl NotificationStore for Backend {
    async fn add_notifications(&self, notifications: &[NewNotification]) -> StoreResult<Vec<i64>> {
        if notifications.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| db_error("beginning a write", e))?;
        let mut ids = Vec::with_capacity(notifications.len());
        for n in notifications {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO notifications (user_id, at, text, link) VALUES ($1, $2, $3, $4) \
                 RETURNING id",
            )
            .bind(n.user_id)
            .bind(n.at.trunc_subsecs(6))
            .bind(&n.text)
            .bind(n.link.as_deref())
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing a notification", e))?;
            ids.push(id);
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the notifications", e))?;
        Ok(ids)
    }

    async fn list_notifications(
        &self,
        user_id: i64,
        unread_only: bool,
    ) -> StoreResult<Vec<NotificationRecord>> {
        let unread = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE user_id = $1{unread} \
             ORDER BY at DESC, id DESC"
        )))
        .bind(user_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading notifications", e))?;
        rows.iter().map(notification_record).collect()
    }

    async fn mark_read(&self, user_id: i64, ids: &[i64], at: DateTime<Utc>) -> StoreResult<u64> {
        let mut marked = 0;
        for chunk in ids.chunks(MAX_BINDS - 2) {
            let mut qb = QueryBuilder::<Db>::new("UPDATE notifications SET read_at = ");
            qb.push_bind(at.trunc_subsecs(6))
                .push(" WHERE read_at IS NULL AND user_id = ")
                .push_bind(user_id)
                .push(" AND id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            marked += qb
                .build()
                .execute(&self.pool)
                .await
                .map_err(|e| db_error("marking notifications read", e))?
                .rows_affected();
        }
        Ok(marked)
    }

    async fn mark_all_read(&self, user_id: i64, at: DateTime<Utc>) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE notifications SET read_at = $1 WHERE read_at IS NULL AND user_id = $2",
        )
        .bind(at.trunc_subsecs(6))
        .bind(user_id)
        .execute(&self.pool)
        .await
        .map_err(|e| db_error("marking notifications read", e))?;
        Ok(done.rows_affected())
    }

    async fn pending_emails(&self) -> StoreResult<Vec<NotificationRecord>> {
        let rows = sqlx::query(
            "SELECT n.id, n.user_id, n.at, n.text, n.link, n.read_at FROM notifications n \
             JOIN users u ON u.id = n.user_id \
             WHERE n.read_at IS NULL AND n.emailed_at IS NULL AND u.email IS NOT NULL \
             AND NOT u.disabled ORDER BY n.user_id, n.at, n.id",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading notifications to e-mail", e))?;
        rows.iter().map(notification_record).collect()
    }

    async fn mark_emailed(&self, ids: &[i64], at: DateTime<Utc>) -> StoreResult<u64> {
        let mut marked = 0;
        for chunk in ids.chunks(MAX_BINDS - 1) {
            let mut qb = QueryBuilder::<Db>::new("UPDATE notifications SET emailed_at = ");
            qb.push_bind(at.trunc_subsecs(6))
                .push(" WHERE emailed_at IS NULL AND id IN (");
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(")");
            marked += qb
                .build()
                .execute(&self.pool)
                .await
                .map_err(|e| db_error("marking notifications e-mailed", e))?
                .rows_affected();
        }
        Ok(marked)
    }
}

/// Inserts the flattened tasks of a directive, parents before children; returns the ids
/// of all rows (in `rows` order) and their audit entries.
async fn insert_tasks(
    conn: &mut DbConn,
    directive_id: i64,
    rows: &[tasks::TaskRow],
    at: DateTime<Utc>,
) -> StoreResult<(Vec<i64>, Vec<plan::NewAudit>)> {
    let mut entries = Vec::with_capacity(rows.len());
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    for row in rows {
        let parent = row.parent_index.map(|i| ids[i]);
        let (lead_unit, lead_organisation) = row.details.lead.columns();
        let task_id: i64 = sqlx::query_scalar(
            "INSERT INTO tasks (directive_id, parent_id, code, text, lead_unit_id, \
             lead_organisation_id, deadline, recurrence, expected_output, serves, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(directive_id)
        .bind(parent)
        .bind(&row.code)
        .bind(&row.details.text)
        .bind(lead_unit)
        .bind(lead_organisation)
        .bind(row.details.deadline)
        .bind(row.details.recurrence.as_deref())
        .bind(&row.details.expected_output)
        .bind(&row.details.serves)
        .bind(at)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| db_error(&format!("writing task {}", row.code), e))?;
        insert_cooperators(&mut *conn, task_id, &row.details.cooperating).await?;
        ids.push(task_id);
        entries.push(tasks::task_create_audit(task_id, row, parent));
    }
    Ok((ids, entries))
}

fn notification_record(row: &DbRow) -> StoreResult<NotificationRecord> {
    Ok(NotificationRecord {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        at: get(row, "at")?,
        text: get(row, "text")?,
        link: get(row, "link")?,
        read_at: get(row, "read_at")?,
    })
}
