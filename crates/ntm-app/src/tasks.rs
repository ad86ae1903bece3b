//! Directives and their tasks: record them (expanding "all communes of X" into one task
//! per commune), see each task's state — computed from its dates, never typed — report
//! progress, confirm or reopen, urge (idempotent reminders into each user's notification
//! list), and compile a directive (counts by the four states, lead units ranked by on-time
//! rate, laggards first).
//!
//! Who sees what: the office and the Steering Committee see every task; a department sees
//! the tasks its organisation leads or cooperates on; commune and district officers see
//! the tasks led by units in their scope. Reporting follows the same line; confirming and
//! reopening are the office's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ntm_core::UnitRegistry;
use ntm_core::access::{Action, Role, can};
use ntm_core::task::{Recurrence, Tally, TaskState, expand_lead, local_date, rank_laggards, state};
use ntm_store::{
    Assignee, NewDirective, NewNotification, NewTask, Store, TaskDetails, TaskFilter, TaskRecord,
};

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

/// The deadline a task is judged against now: its date, or for a recurring task the first
/// occurrence after its last completion (or after the directive was issued).
pub fn current_deadline(t: &TaskRecord, issued_on: NaiveDate) -> Option<NaiveDate> {
    if let Some(d) = t.details.deadline {
        return Some(d);
    }
    let r = Recurrence::parse(t.details.recurrence.as_deref()?).ok()?;
    let since = t.completed_at.map_or(issued_on, local_date);
    r.next_after(since)
}

/// A task with what is computed about it.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRecord,
    pub deadline: Option<NaiveDate>,
    pub state: TaskState,
    /// Marked done by the assignee, not yet confirmed by the office.
    pub awaiting_confirmation: bool,
    pub lead_name: String,
}

/// Names of leads: units by their name in `year` (Xã Thạch Hạ in 2022, a phường later),
/// organisations by theirs.
pub async fn lead_name(
    store: &dyn Store,
    registry: &UnitRegistry,
    lead: &Assignee,
    year: i32,
) -> AppResult<String> {
    Ok(match lead {
        Assignee::Unit(u) => registry.get(u).map_or_else(
            || u.to_string(),
            |u| {
                u.version_in_year(year)
                    .unwrap_or_else(|| u.latest())
                    .name
                    .clone()
            },
        ),
        Assignee::Organisation(id) => store
            .get_organisation(*id)
            .await?
            .map_or_else(|| format!("tổ chức #{id}"), |o| o.name),
    })
}

/// Whether the actor may see the task. A department's grant lets it read the data of the
/// whole province, but of the tasks only those of its organisation: the unit scope of a
/// department grant does not count here.
pub fn may_see(
    registry: &UnitRegistry,
    actor: &Actor,
    organisations: &BTreeSet<i64>,
    t: &TaskRecord,
    now: DateTime<Utc>,
) -> bool {
    if actor.has_role(Role::Admin) || actor.has_role(Role::Viewer) {
        return true;
    }
    let year = local_date(now).year();
    let unit_grants: Vec<_> = actor
        .grants
        .iter()
        .filter(|g| g.role != Role::Department)
        .cloned()
        .collect();
    let involved = std::iter::once(&t.details.lead).chain(&t.details.cooperating);
    involved.into_iter().any(|a| match a {
        Assignee::Organisation(id) => organisations.contains(id),
        Assignee::Unit(u) => can(registry, &unit_grants, Action::View, u, year),
    })
}

/// Whether the actor may report progress on the task: its lead (organisation member, or an
/// officer who enters data for the lead unit) or the office.
pub fn may_report(
    registry: &UnitRegistry,
    actor: &Actor,
    organisations: &BTreeSet<i64>,
    t: &TaskRecord,
    now: DateTime<Utc>,
) -> bool {
    if actor.has_role(Role::Admin) {
        return true;
    }
    match &t.details.lead {
        Assignee::Organisation(id) => organisations.contains(id),
        Assignee::Unit(u) => can(
            registry,
            &actor.grants,
            Action::EnterValues,
            u,
            local_date(now).year(),
        ),
    }
}

/// The organisation ids the actor belongs to.
pub async fn organisations_of(store: &dyn Store, actor: &Actor) -> AppResult<BTreeSet<i64>> {
    Ok(store
        .list_user_organisations(actor.user_id)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect())
}

/// The tasks of a directive (or all) the actor may see, with their states as of `now`.
pub async fn visible_tasks(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Vec<TaskView>> {
    let orgs = organisations_of(store, actor).await?;
    let directives: BTreeMap<i64, NaiveDate> = store
        .list_directives()
        .await?
        .into_iter()
        .map(|d| (d.id, d.issued_on))
        .collect();
    let mut out = Vec::new();
    for t in store
        .list_tasks(&TaskFilter {
            directive_id: directive,
            ..Default::default()
        })
        .await?
    {
        if !may_see(registry, actor, &orgs, &t, now) {
            continue;
        }
        out.push(view(store, registry, t, &directives, now).await?);
    }
    Ok(out)
}

async fn view(
    store: &dyn Store,
    registry: &UnitRegistry,
    t: TaskRecord,
    directives: &BTreeMap<i64, NaiveDate>,
    now: DateTime<Utc>,
) -> AppResult<TaskView> {
    let issued = directives
        .get(&t.directive_id)
        .copied()
        .unwrap_or_else(|| local_date(now));
    let deadline = current_deadline(&t, issued);
    Ok(TaskView {
        state: state(deadline, t.completed_at, now),
        awaiting_confirmation: t.completed_at.is_some() && t.confirmed_at.is_none(),
        lead_name: lead_name(store, registry, &t.details.lead, issued.year()).await?,
        deadline,
        task: t,
    })
}

/// A task to record, as the office types it.
#[derive(Debug, Clone)]
pub struct TaskInput {
    pub code: String,
    pub details: TaskDetails,
    /// "All communes of the lead unit": one task per xã under it, as of the directive's
    /// date.
    pub expand_to_communes: bool,
}

/// Records a directive and its tasks in one transaction (office only).
pub async fn create_directive(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    mut directive: NewDirective,
    tasks: Vec<TaskInput>,
    audit: &AuditContext,
) -> AppResult<i64> {
    if !actor.can_globally(registry, Action::ManageUsers) {
        return Err(AppError::Forbidden(
            "chỉ Văn phòng Điều phối ghi văn bản chỉ đạo và giao nhiệm vụ".into(),
        ));
    }
    let mut problems = Vec::new();
    for t in &tasks {
        if let Some(r) = &t.details.recurrence
            && let Err(e) = Recurrence::parse(r)
        {
            problems.push(format!("nhiệm vụ {}: {e}", t.code));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    directive.tasks = tasks
        .into_iter()
        .map(|t| {
            let children = match (&t.details.lead, t.expand_to_communes) {
                (Assignee::Unit(u), true) => expand_lead(registry, u, directive.issued_on)
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| NewTask {
                        code: format!("{}.{}", t.code, i + 1),
                        details: TaskDetails {
                            lead: Assignee::Unit(c),
                            ..t.details.clone()
                        },
                        children: vec![],
                    })
                    .collect(),
                _ => vec![],
            };
            NewTask {
                code: t.code,
                details: t.details,
                children,
            }
        })
        .collect();
    Ok(store.create_directive(&directive, audit).await?)
}

/// The compilation of a directive (or of every directive): counts by the four states and
/// lead units ranked by on-time rate, laggards first. Parent tasks that were expanded into
/// per-commune tasks count through their children.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub tally: Tally,
    pub ranking: Vec<(String, Tally)>,
    pub tasks: Vec<TaskView>,
}

/// Compiles what the actor may see.
pub async fn compile(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Compilation> {
    let tasks = visible_tasks(store, registry, actor, directive, now).await?;
    let parents: BTreeSet<i64> = tasks.iter().filter_map(|t| t.task.parent_id).collect();
    let counted: Vec<&TaskView> = tasks
        .iter()
        .filter(|t| !parents.contains(&t.task.id))
        .collect();
    let tally: Tally = counted.iter().map(|t| t.state).collect();
    let pairs: Vec<(String, TaskState)> = counted
        .iter()
        .map(|t| (t.lead_name.clone(), t.state))
        .collect();
    Ok(Compilation {
        tally,
        ranking: rank_laggards(&pairs),
        tasks,
    })
}

/// What one run of the reminders did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemindReport {
    pub due_soon: usize,
    pub overdue: usize,
    pub notifications: usize,
}

/// Urges: for every open task due within `within_days` or overdue, records a reminder
/// (once per task, kind and due date — running twice sends nothing twice) and notifies the
/// users who lead it and the office.
pub async fn remind(
    store: &dyn Store,
    registry: &UnitRegistry,
    now: DateTime<Utc>,
    within_days: u32,
) -> AppResult<RemindReport> {
    let directives: BTreeMap<i64, NaiveDate> = store
        .list_directives()
        .await?
        .into_iter()
        .map(|d| (d.id, d.issued_on))
        .collect();
    let users = store.list_users().await?;
    let mut members: Vec<(i64, Actor, BTreeSet<i64>)> = Vec::new();
    for u in users.into_iter().filter(|u| !u.disabled) {
        let actor = crate::accounts::actor_by_username(store, &u.username).await?;
        let orgs = organisations_of(store, &actor).await?;
        members.push((u.id, actor, orgs));
    }
    let mut report = RemindReport::default();
    let mut notes = Vec::new();
    let tasks = store
        .list_tasks(&TaskFilter {
            open_only: true,
            ..Default::default()
        })
        .await?;
    let parents: BTreeSet<i64> = tasks.iter().filter_map(|t| t.parent_id).collect();
    for t in tasks
        .into_iter()
        .filter(|t| !parents.contains(&t.id) && t.completed_at.is_none())
    {
        let issued = directives
            .get(&t.directive_id)
            .copied()
            .unwrap_or_else(|| local_date(now));
        let Some(deadline) = current_deadline(&t, issued) else {
            continue;
        };
        let kind = match state(Some(deadline), None, now) {
            TaskState::Overdue => "overdue",
            _ if ntm_core::task::due_soon(Some(deadline), None, now, within_days) => "due_soon",
            _ => continue,
        };
        if !store.record_reminder(t.id, kind, deadline, now).await? {
            continue;
        }
        if kind == "overdue" {
            report.overdue += 1
        } else {
            report.due_soon += 1
        }
        let text = format!(
            "Nhiệm vụ {} {} (hạn {}): {}",
            t.code,
            if kind == "overdue" {
                "đã quá hạn"
            } else {
                "sắp đến hạn"
            },
            deadline.format("%d/%m/%Y"),
            t.details.text.chars().take(120).collect::<String>()
        );
        for (user_id, actor, orgs) in &members {
            let leads = match &t.details.lead {
                Assignee::Organisation(id) => orgs.contains(id),
                Assignee::Unit(u) => can(
                    registry,
                    &actor.grants,
                    Action::EnterValues,
                    u,
                    local_date(now).year(),
                ),
            };
            if leads || actor.has_role(Role::Admin) {
                notes.push(NewNotification {
                    user_id: *user_id,
                    at: now,
                    text: text.clone(),
                    link: Some(format!("/tasks/{}", t.id)),
                });
            }
        }
    }
    report.notifications = notes.len();
    if !notes.is_empty() {
        store.add_notifications(&notes).await?;
    }
    Ok(report)
}

async fn task_for(store: &dyn Store, id: i64) -> AppResult<TaskRecord> {
    store
        .get_task(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có nhiệm vụ {id}")))
}

/// A progress report as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportInput {
    pub text: String,
    /// 0 to 100 (a report that marks the task done counts as 100).
    pub percent: i32,
    /// Marks the task done, the text being the proof, for the office to confirm.
    pub marks_done: bool,
}

/// Reports progress on a task (its lead, or the office).
pub async fn report(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    task_id: i64,
    input: &ReportInput,
    at: DateTime<Utc>,
) -> AppResult<i64> {
    let t = task_for(store, task_id).await?;
    let orgs = organisations_of(store, actor).await?;
    if !may_report(registry, actor, &orgs, &t, at) {
        return Err(AppError::Forbidden(
            "bạn không phải đơn vị chủ trì nhiệm vụ này".into(),
        ));
    }
    let mut problems = Vec::new();
    if input.text.trim().is_empty() {
        problems.push((
            "text".to_owned(),
            "cần nội dung báo cáo (kết quả, minh chứng)".to_owned(),
        ));
    }
    if !input.marks_done && !(0..=100).contains(&input.percent) {
        problems.push((
            "percent".to_owned(),
            "tỷ lệ hoàn thành từ 0 đến 100%".to_owned(),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let r = ntm_store::NewReport {
        text: input.text.trim().to_owned(),
        percent: if input.marks_done { 100 } else { input.percent },
        attachment: None,
        marks_done: input.marks_done,
    };
    Ok(store
        .add_report(task_id, &r, &actor.audit(at, "báo cáo tiến độ"))
        .await?)
}

/// The office confirms a task marked done.
pub async fn confirm(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    task_id: i64,
    at: DateTime<Utc>,
) -> AppResult<()> {
    if !actor.can_globally(registry, Action::Approve) {
        return Err(AppError::Forbidden(
            "chỉ Văn phòng Điều phối xác nhận hoàn thành".into(),
        ));
    }
    task_for(store, task_id).await?;
    Ok(store
        .confirm_task(task_id, &actor.audit(at, "xác nhận hoàn thành"))
        .await?)
}

/// The office reopens a task, with a reason (required).
pub async fn reopen(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    task_id: i64,
    reason: &str,
    at: DateTime<Utc>,
) -> AppResult<()> {
    if !actor.can_globally(registry, Action::Reopen) {
        return Err(AppError::Forbidden(
            "chỉ Văn phòng Điều phối mở lại nhiệm vụ".into(),
        ));
    }
    if reason.trim().is_empty() {
        return Err(AppError::Fields(vec![(
            "reason".into(),
            "cần ghi rõ lý do mở lại".into(),
        )]));
    }
    task_for(store, task_id).await?;
    Ok(store
        .reopen_task(
            task_id,
            &actor.audit(at, format!("mở lại: {}", reason.trim())),
        )
        .await?)
}
