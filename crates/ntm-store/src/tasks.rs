//! Directives and their tasks, organisations, progress reports, notifications and the
//! reminders sent: the records and traits of issue 5, and the pure helpers (checks,
//! conversions, audit texts) that both backends share.
//!
//! Invariants:
//! - Every audited method is one transaction with its audit entries (target kinds
//!   `organisation`, `directive`, `task`, `task_report`, and `user` for memberships).
//!   Audit texts name files and attachments by name and size, never hold their bytes.
//! - A task's lead is exactly one of a unit or an organisation ([`Assignee`]); the schema
//!   checks it too.
//! - A recurrence is stored in the canonical text of `ntm_core::task::Recurrence`; a text
//!   that does not parse is refused before anything is written.
//! - Completion has two steps: the assignee marks the task done (a report with
//!   `marks_done`, setting `completed_at` and the proof), the office confirms it
//!   (`confirmed_at`, `confirmed_by`). Reopening clears all four.
//! - Notifications and reminders are not data of the office and are not audited; a
//!   reminder is recorded at most once per `(task, kind, due date)`.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::UnitId;
use ntm_core::task::Recurrence;

use crate::plan::NewAudit;
use crate::{AuditContext, StoreError, StoreResult};

// ---------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------

/// A provincial department (sở), a mass organisation, an enterprise: a lead or cooperator
/// of tasks that is not an administrative unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationRecord {
    pub id: i64,
    /// Unique.
    pub name: String,
    /// Free text, e.g. `sở`, `đoàn thể`, `doanh nghiệp`.
    pub kind: String,
}

/// An organisation to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: String,
}

/// Who leads or cooperates on a task.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Assignee {
    Unit(UnitId),
    /// An [`OrganisationRecord::id`].
    Organisation(i64),
}

impl Assignee {
    /// The unit column and the organisation column of the assignee; exactly one is set.
    pub fn columns(&self) -> (Option<&str>, Option<i64>) {
        match self {
            Assignee::Unit(unit) => (Some(unit.as_str()), None),
            Assignee::Organisation(id) => (None, Some(*id)),
        }
    }

    /// The inverse of [`Assignee::columns`]; `what` names the columns in an error.
    pub fn from_columns(
        unit: Option<String>,
        organisation: Option<i64>,
        what: &str,
    ) -> StoreResult<Self> {
        match (unit, organisation) {
            (Some(unit), None) => Ok(Assignee::Unit(crate::plan::parse_unit_id(&unit, what)?)),
            (None, Some(id)) => Ok(Assignee::Organisation(id)),
            _ => Err(StoreError::Other(anyhow::anyhow!(
                "{what}: exactly one of unit and organisation must be set"
            ))),
        }
    }

    /// The unit, when the assignee is one.
    pub fn unit(&self) -> Option<&UnitId> {
        match self {
            Assignee::Unit(unit) => Some(unit),
            Assignee::Organisation(_) => None,
        }
    }
}

impl std::fmt::Display for Assignee {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Assignee::Unit(unit) => write!(f, "đơn vị {unit}"),
            Assignee::Organisation(id) => write!(f, "tổ chức #{id}"),
        }
    }
}

/// A file held in the store: a directive's document or a report's attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What a task asks; the part of a task that `update_task` may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDetails {
    pub text: String,
    pub lead: Assignee,
    /// In the order given; repeats are kept as given.
    pub cooperating: Vec<Assignee>,
    /// A date in Vietnam; `None` for a task without deadline (e.g. a recurring one).
    pub deadline: Option<NaiveDate>,
    /// The text form of `ntm_core::task::Recurrence`, e.g. `quarterly:15`; stored in its
    /// canonical form.
    pub recurrence: Option<String>,
    pub expected_output: String,
    /// Which criteria or targets the task serves, free text.
    pub serves: String,
}

/// A task to create with its directive; `children` are the per-unit tasks of a task "for
/// all communes of X" (expanded by the app), stored with this one as their parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    /// The task's number within the directive, e.g. `2.2`.
    pub code: String,
    pub details: TaskDetails,
    pub children: Vec<NewTask>,
}

/// A short fingerprint of a task's details, carried by the form that edits them so that a
/// save can tell whether someone changed them meanwhile. FNV-1a over their debug text:
/// stable across runs of the same build, which is all a form's life needs.
pub fn details_version(details: &TaskDetails) -> String {
    let text = format!("{details:?}");
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A directive to create, with its tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDirective {
    /// thông báo, kết luận, kế hoạch, công văn, chỉ thị, quyết định.
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub summary: String,
    pub file: Option<StoredFile>,
    pub tasks: Vec<NewTask>,
}

/// A directive as stored, without its file's bytes (see `DirectiveStore::directive_file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectiveRecord {
    pub id: i64,
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub title: String,
    pub summary: String,
    pub file_name: Option<String>,
    /// The file's size in bytes.
    pub file_size: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A task as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: i64,
    pub directive_id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub details: TaskDetails,
    /// When the assignee marked it done (the time of that report).
    pub completed_at: Option<DateTime<Utc>>,
    /// The text of the report that marked it done.
    pub completion_proof: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub confirmed_by: Option<String>,
}

/// Which tasks to list; `None` / `false` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub directive_id: Option<i64>,
    pub lead_unit: Option<UnitId>,
    pub lead_organisation: Option<i64>,
    /// Only tasks the office has not confirmed done (`confirmed_at` unset); a task marked
    /// done but not yet confirmed is still open for follow-up.
    pub open_only: bool,
}

/// A progress report to add; its time and author are the write's `AuditContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub text: String,
    /// 0 to 100.
    pub percent: i32,
    pub attachment: Option<StoredFile>,
    /// Marks the task done (sets `completed_at` and the proof in the same transaction).
    pub marks_done: bool,
}

/// A progress report as stored, without the attachment's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRecord {
    pub id: i64,
    pub task_id: i64,
    pub at: DateTime<Utc>,
    /// The username of the author.
    pub by: String,
    pub text: String,
    pub percent: i32,
    pub attachment_name: Option<String>,
    pub attachment_size: Option<i64>,
    pub marks_done: bool,
}

/// A notification to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification {
    pub user_id: i64,
    pub at: DateTime<Utc>,
    pub text: String,
    /// A path in the web application, e.g. `/tasks/12`.
    pub link: Option<String>,
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecord {
    pub id: i64,
    pub user_id: i64,
    pub at: DateTime<Utc>,
    pub text: String,
    pub link: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A reminder as recorded; `(task_id, kind, due_on)` is unique.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderRecord {
    pub task_id: i64,
    /// e.g. `due_soon`, `overdue`.
    pub kind: String,
    pub due_on: NaiveDate,
    pub sent_at: DateTime<Utc>,
}

// ---------------------------------------------------------------------------------------
// Traits
// ---------------------------------------------------------------------------------------

#[async_trait]
pub trait OrganisationStore {
    /// Creates an organisation (audit `organisation.create`); a taken name is `Conflict`.
    /// Returns the new id.
    async fn create_organisation(
        &self,
        organisation: &NewOrganisation,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    /// Every organisation, ordered by name (byte order).
    async fn list_organisations(&self) -> StoreResult<Vec<OrganisationRecord>>;
    async fn get_organisation(&self, id: i64) -> StoreResult<Option<OrganisationRecord>>;
    /// Replaces the organisations the user belongs to (audit `user.organisations` with
    /// before/after id lists; none when unchanged). An unknown user is `NotFound`, an
    /// unknown organisation `Conflict`.
    async fn set_user_organisations(
        &self,
        user_id: i64,
        organisation_ids: &[i64],
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The user's organisations, ordered by name.
    async fn list_user_organisations(&self, user_id: i64) -> StoreResult<Vec<OrganisationRecord>>;
}

#[async_trait]
pub trait DirectiveStore {
    /// Creates the directive, its tasks and their children in one transaction (audit
    /// `directive.create`, then `task.create` for every task, parents before children).
    /// Created by `audit.actor` at `audit.at`. A recurrence that does not parse is refused
    /// before anything is written; a lead or cooperator that does not exist is `Conflict`.
    /// Returns the directive's id.
    async fn create_directive(
        &self,
        directive: &NewDirective,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    async fn get_directive(&self, id: i64) -> StoreResult<Option<DirectiveRecord>>;
    /// Every directive, the most recently issued first (then by id, descending).
    async fn list_directives(&self) -> StoreResult<Vec<DirectiveRecord>>;
    /// The directive's file, if it has one (`None` also for an unknown directive).
    async fn directive_file(&self, id: i64) -> StoreResult<Option<StoredFile>>;
    /// Adds tasks (with their children) to an existing directive in one transaction (audit
    /// `task.create` for each, parents before children), under the same checks as
    /// `create_directive`. An unknown directive is `NotFound`. Returns the ids of the
    /// top-level tasks, in order.
    async fn add_tasks(
        &self,
        directive_id: i64,
        tasks: &[NewTask],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>>;
}

#[async_trait]
pub trait TaskStore {
    /// Tasks matching the filter, ordered by id (the order they were created: a parent
    /// before its children).
    async fn list_tasks(&self, filter: &TaskFilter) -> StoreResult<Vec<TaskRecord>>;
    async fn get_task(&self, id: i64) -> StoreResult<Option<TaskRecord>>;
    /// Replaces the task's details (audit `task.update` with before/after texts). Details
    /// equal to the stored ones write nothing and return `false`. An unknown task is
    /// `NotFound`.
    async fn update_task(
        &self,
        id: i64,
        details: &TaskDetails,
        audit: &AuditContext,
    ) -> StoreResult<bool> {
        self.update_task_from(id, None, details, audit).await
    }
    /// [`TaskStore::update_task`], only if the task's details are still those its editor
    /// opened (`seen`: their [`details_version`]), checked inside the transaction; else
    /// `Conflict` saying what they are now, and nothing is written.
    async fn update_task_from(
        &self,
        id: i64,
        seen: Option<&str>,
        details: &TaskDetails,
        audit: &AuditContext,
    ) -> StoreResult<bool>;
    /// Adds a progress report by `audit.actor` at `audit.at` (audit `task.report`, target
    /// kind `task_report`). A report that marks the task done sets `completed_at` (to
    /// `audit.at`) and the proof (its text) in the same transaction, with a
    /// `task.complete` entry, unless the task is already marked done or recurs
    /// periodically ([`closes_task`]): a periodic task's report fulfils one period and
    /// the series goes on. A percent outside
    /// 0–100 is refused. An unknown task is `NotFound`. Returns the report's id.
    async fn add_report(
        &self,
        task_id: i64,
        report: &NewReport,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    /// The office confirms a task marked done (audit `task.confirm`): `confirmed_at` =
    /// `audit.at`, `confirmed_by` = `audit.actor`. A task not marked done is `Conflict`; an
    /// already confirmed one is left alone (no entry).
    async fn confirm_task(&self, id: i64, audit: &AuditContext) -> StoreResult<()>;
    /// Reopens a task (audit `task.reopen`, the why in `audit.reason`): clears
    /// `completed_at`, the proof, `confirmed_at` and `confirmed_by`. A task not marked done
    /// is left alone (no entry).
    async fn reopen_task(&self, id: i64, audit: &AuditContext) -> StoreResult<()>;
    /// The task's reports, oldest first.
    async fn list_reports(&self, task_id: i64) -> StoreResult<Vec<ReportRecord>>;
    /// The report's attachment, if it has one.
    async fn report_attachment(&self, report_id: i64) -> StoreResult<Option<StoredFile>>;
    /// Records that a reminder of `kind` for the task's due date `due_on` was sent at
    /// `at`; `false` (and nothing written) when it was already recorded. This is what
    /// makes sending reminders idempotent.
    async fn record_reminder(
        &self,
        task_id: i64,
        kind: &str,
        due_on: NaiveDate,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// The reminders recorded for the task, ordered by due date, then kind.
    async fn list_reminders(&self, task_id: i64) -> StoreResult<Vec<ReminderRecord>>;
}

#[async_trait]
pub trait NotificationStore {
    /// Adds the notifications in one transaction (not audited). Returns their ids, in
    /// order.
    async fn add_notifications(&self, notifications: &[NewNotification]) -> StoreResult<Vec<i64>>;
    /// The user's notifications, newest first (then by id, descending).
    async fn list_notifications(
        &self,
        user_id: i64,
        unread_only: bool,
    ) -> StoreResult<Vec<NotificationRecord>>;
    /// Marks the user's unread notifications among `ids` read at `at`; ids of other users
    /// or already read are ignored. Returns how many were marked.
    async fn mark_read(&self, user_id: i64, ids: &[i64], at: DateTime<Utc>) -> StoreResult<u64>;
    /// Marks all the user's unread notifications read at `at`; returns how many.
    async fn mark_all_read(&self, user_id: i64, at: DateTime<Utc>) -> StoreResult<u64>;
    /// Every notification neither read nor e-mailed yet, of users who are not disabled
    /// and have an e-mail address, ordered by user, then time and id: what the next
    /// digest sends.
    async fn pending_emails(&self) -> StoreResult<Vec<NotificationRecord>>;
    /// Marks the notifications among `ids` e-mailed at `at` (those already e-mailed are
    /// left alone); returns how many were marked. Marked ones are never sent again.
    async fn mark_emailed(&self, ids: &[i64], at: DateTime<Utc>) -> StoreResult<u64>;
}

// ---------------------------------------------------------------------------------------
// Checks, conversions and audit texts shared by the backends
// ---------------------------------------------------------------------------------------

/// The error of a task id that names no task.
pub fn task_not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("không có nhiệm vụ với mã {id}"))
}

/// The conflict of creating an organisation whose name is taken.
pub fn organisation_name_taken(name: &str) -> StoreError {
    StoreError::Conflict(format!("tổ chức \"{name}\" đã tồn tại"))
}

/// The conflict of a membership in organisations that do not exist.
pub fn unknown_organisations(ids: &[i64]) -> StoreError {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    StoreError::Conflict(format!(
        "tổ chức không tồn tại: {}; không có gì được ghi",
        ids.join(", ")
    ))
}

/// `details` with its recurrence in canonical form; a recurrence that does not parse is
/// an error naming the task.
pub fn normalize_details(code: &str, details: &TaskDetails) -> StoreResult<TaskDetails> {
    let recurrence = details
        .recurrence
        .as_deref()
        .map(|text| {
            Recurrence::parse(text).map(|r| r.as_text()).map_err(|e| {
                StoreError::Conflict(format!(
                    "nhiệm vụ {code}: chu kỳ \"{text}\" không hợp lệ ({e}); không có gì được ghi"
                ))
            })
        })
        .transpose()?;
    Ok(TaskDetails {
        recurrence,
        ..details.clone()
    })
}

/// Whether a report marking `task` done closes it: not when it is already marked done,
/// nor when it recurs periodically (each period is fulfilled by a report of its own).
pub fn closes_task(task: &TaskRecord) -> bool {
    let periodic = task
        .details
        .recurrence
        .as_deref()
        .and_then(|r| Recurrence::parse(r).ok())
        .is_some_and(|r| r.is_periodic());
    task.completed_at.is_none() && !periodic
}

/// The error of a directive id that names no directive.
pub fn directive_not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("không có văn bản chỉ đạo với mã {id}"))
}

/// A task to insert: its place in the batch, its parent's place (`None` for a top-level
/// task), its code and normalised details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    pub parent_index: Option<usize>,
    pub code: String,
    pub details: TaskDetails,
}

/// Tasks (a directive's, or those added to it) flattened, parents before children, each
/// with its parent's index in the result; recurrences checked and normalised.
pub fn flatten(tasks: &[NewTask]) -> StoreResult<Vec<TaskRow>> {
    fn walk(tasks: &[NewTask], parent: Option<usize>, out: &mut Vec<TaskRow>) -> StoreResult<()> {
        for task in tasks {
            let index = out.len();
            out.push(TaskRow {
                parent_index: parent,
                code: task.code.clone(),
                details: normalize_details(&task.code, &task.details)?,
            });
            walk(&task.children, Some(index), out)?;
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(tasks, None, &mut out)?;
    Ok(out)
}

/// A percent outside 0–100 is refused before anything is written.
pub fn check_percent(percent: i32) -> StoreResult<()> {
    if (0..=100).contains(&percent) {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "tỷ lệ hoàn thành {percent}% phải từ 0 đến 100; không có gì được ghi"
        )))
    }
}

fn file_text(file: &StoredFile) -> String {
    format!("{} ({} byte)", file.name, file.bytes.len())
}

/// `organisation.create`: name and kind.
pub fn organisation_create_audit(id: i64, organisation: &NewOrganisation) -> NewAudit {
    NewAudit {
        action: "organisation.create",
        target_kind: "organisation",
        target_id: id.to_string(),
        unit_id: None,
        before: None,
        after: Some(format!("{} ({})", organisation.name, organisation.kind)),
    }
}

fn organisation_ids_text(ids: &[i64]) -> String {
    if ids.is_empty() {
        return "không thuộc tổ chức nào".to_owned();
    }
    ids.iter()
        .map(|id| format!("tổ chức #{id}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `ids` sorted and without repeats: how memberships are compared and audited.
pub fn normalize_ids(ids: &[i64]) -> Vec<i64> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// `user.organisations`, with the old and the new memberships (sorted ids).
pub fn user_organisations_audit(username: &str, before: &[i64], after: &[i64]) -> NewAudit {
    NewAudit {
        action: "user.organisations",
        target_kind: "user",
        target_id: username.to_owned(),
        unit_id: None,
        before: Some(organisation_ids_text(before)),
        after: Some(organisation_ids_text(after)),
    }
}

/// `directive.create`: kind, number, date, issuer, title and the file's name and size
/// (never its bytes).
pub fn directive_create_audit(id: i64, directive: &NewDirective) -> NewAudit {
    let file = directive
        .file
        .as_ref()
        .map(|f| format!("; tệp: {}", file_text(f)))
        .unwrap_or_default();
    NewAudit {
        action: "directive.create",
        target_kind: "directive",
        target_id: id.to_string(),
        unit_id: None,
        before: None,
        after: Some(format!(
            "{} số {} ngày {} của {}: {}; {} nhiệm vụ{file}",
            directive.kind,
            directive.number,
            directive.issued_on,
            directive.issuer,
            directive.title,
            count_tasks(&directive.tasks),
        )),
    }
}

fn count_tasks(tasks: &[NewTask]) -> usize {
    tasks.iter().map(|t| 1 + count_tasks(&t.children)).sum()
}

/// The audit text of a task's details.
pub fn task_text(code: &str, details: &TaskDetails) -> String {
    let mut parts = vec![
        format!("{code}: {}", details.text),
        format!("chủ trì: {}", details.lead),
    ];
    if !details.cooperating.is_empty() {
        parts.push(format!(
            "phối hợp: {}",
            details
                .cooperating
                .iter()
                .map(Assignee::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    parts.push(match details.deadline {
        Some(deadline) => format!("hạn: {deadline}"),
        None => "không có hạn".to_owned(),
    });
    if let Some(recurrence) = &details.recurrence {
        parts.push(format!("định kỳ: {recurrence}"));
    }
    parts.push(format!("sản phẩm: {}", details.expected_output));
    parts.push(format!("phục vụ: {}", details.serves));
    parts.join("; ")
}

fn task_audit(action: &'static str, id: i64, lead: &Assignee) -> NewAudit {
    NewAudit {
        action,
        target_kind: "task",
        target_id: id.to_string(),
        unit_id: lead.unit().map(UnitId::to_string),
        before: None,
        after: None,
    }
}

/// `task.create`: the task's text (with its parent when it has one).
pub fn task_create_audit(id: i64, row: &TaskRow, parent_id: Option<i64>) -> NewAudit {
    let parent = parent_id
        .map(|p| format!(" (nhiệm vụ con của #{p})"))
        .unwrap_or_default();
    NewAudit {
        after: Some(format!("{}{parent}", task_text(&row.code, &row.details))),
        ..task_audit("task.create", id, &row.details.lead)
    }
}

/// `task.update`: the old and the new details.
pub fn task_update_audit(
    id: i64,
    code: &str,
    before: &TaskDetails,
    after: &TaskDetails,
) -> NewAudit {
    NewAudit {
        before: Some(task_text(code, before)),
        after: Some(task_text(code, after)),
        ..task_audit("task.update", id, &after.lead)
    }
}

/// `task.report`: percent, text, attachment name and size, whether it marks done.
pub fn report_audit(report_id: i64, task: &TaskRecord, report: &NewReport) -> NewAudit {
    let attachment = report
        .attachment
        .as_ref()
        .map(|f| format!("; đính kèm: {}", file_text(f)))
        .unwrap_or_default();
    let done = if report.marks_done {
        "; báo hoàn thành"
    } else {
        ""
    };
    NewAudit {
        action: "task.report",
        target_kind: "task_report",
        target_id: report_id.to_string(),
        unit_id: task.details.lead.unit().map(UnitId::to_string),
        before: None,
        after: Some(format!(
            "nhiệm vụ #{} ({}): {}% — {}{attachment}{done}",
            task.id, task.code, report.percent, report.text
        )),
    }
}

fn completion_text(task: &TaskRecord) -> String {
    match (&task.completed_at, &task.confirmed_at) {
        (None, _) => "chưa hoàn thành".to_owned(),
        (Some(done), None) => format!("báo hoàn thành lúc {}", done.to_rfc3339()),
        (Some(done), Some(confirmed)) => format!(
            "báo hoàn thành lúc {}, xác nhận lúc {} bởi {}",
            done.to_rfc3339(),
            confirmed.to_rfc3339(),
            task.confirmed_by.as_deref().unwrap_or("?")
        ),
    }
}

/// `task.complete`: the task marked done by a report at `at`, with its proof.
pub fn task_complete_audit(task: &TaskRecord, at: DateTime<Utc>, proof: &str) -> NewAudit {
    NewAudit {
        before: Some(completion_text(task)),
        after: Some(format!(
            "báo hoàn thành lúc {}; minh chứng: {proof}",
            at.to_rfc3339()
        )),
        ..task_audit("task.complete", task.id, &task.details.lead)
    }
}

/// The conflict of confirming a task that is not marked done.
pub fn not_marked_done(id: i64) -> StoreError {
    StoreError::Conflict(format!(
        "nhiệm vụ #{id} chưa được báo hoàn thành nên chưa thể xác nhận"
    ))
}

/// `task.confirm`, with the state before and after.
pub fn task_confirm_audit(task: &TaskRecord, audit: &AuditContext, at: DateTime<Utc>) -> NewAudit {
    let after = TaskRecord {
        confirmed_at: Some(at),
        confirmed_by: Some(audit.actor.clone()),
        ..task.clone()
    };
    NewAudit {
        before: Some(completion_text(task)),
        after: Some(completion_text(&after)),
        ..task_audit("task.confirm", task.id, &task.details.lead)
    }
}

/// `task.reopen`, with the state before; after it the task is not done.
pub fn task_reopen_audit(task: &TaskRecord) -> NewAudit {
    NewAudit {
        before: Some(completion_text(task)),
        after: Some("chưa hoàn thành (mở lại)".to_owned()),
        ..task_audit("task.reopen", task.id, &task.details.lead)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(recurrence: Option<&str>) -> TaskDetails {
        TaskDetails {
            text: "Báo cáo".into(),
            lead: Assignee::Organisation(1),
            cooperating: vec![],
            deadline: None,
            recurrence: recurrence.map(str::to_owned),
            expected_output: "Báo cáo".into(),
            serves: "Tiêu chí 1".into(),
        }
    }

    #[test]
    fn recurrences_are_normalised_or_refused() {
        let d = normalize_details("1", &details(Some("Quarterly: 15"))).unwrap();
        assert_eq!(d.recurrence.as_deref(), Some("quarterly:15"));
        assert!(matches!(
            normalize_details("1", &details(Some("weekly:1"))),
            Err(StoreError::Conflict(_))
        ));
    }

    #[test]
    fn percent_bounds() {
        assert!(check_percent(0).is_ok());
        assert!(check_percent(100).is_ok());
        assert!(check_percent(101).is_err());
        assert!(check_percent(-1).is_err());
    }
}
