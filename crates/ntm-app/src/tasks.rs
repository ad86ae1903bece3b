//! Directives and their tasks: record them (expanding "all communes of X" into one task
//! per commune), see each task's state — computed from its dates, never typed — report
//! progress, confirm or reopen, urge (idempotent reminders into each user's notification
//! list), and compile a directive (counts by the four states, lead units ranked by on-time
//! rate, laggards first).
//!
//! Who may do what with a task is decided once, by `ntm_core::access::may_on_task` on the
//! tree of its directive's date ([`may`]): the office and the Steering Committee of the
//! province see every task issued there; a department sees the tasks its organisation leads
//! or cooperates on; other grants see the tasks of the units they cover. Reporting is the
//! lead's (and the office's); confirming, reopening and adjusting are the office's
//! ([`is_office`]).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use ntm_core::access::{Action, TaskAction, TaskParties, can, follows_all_tasks, may_on_task};
use ntm_core::task::{
    DuePeriod, Recurrence, Tally, TaskState, days_left, days_overdue, expand_lead, local_date,
    periods, rank_laggards, series_state, state,
};
pub use ntm_core::task::{Item, Window};
use ntm_core::{UnitId, UnitRegistry};
use ntm_reports::{Cell, CellValue, Column, Table, Tone};
use ntm_store::{
    Assignee, DirectiveRecord, NewDirective, NewNotification, NewTask, ReportRecord, Store,
    StoredFile, TaskDetails, TaskFilter, TaskRecord,
};

use crate::accounts::Actor;
use crate::{AppError, AppResult, AuditContext};

/// The recurrence of a task when it recurs periodically (not `once:`).
fn periodic(t: &TaskRecord) -> Option<Recurrence> {
    t.details
        .recurrence
        .as_deref()
        .and_then(|r| Recurrence::parse(r).ok())
        .filter(Recurrence::is_periodic)
}

/// A task with what is computed about it as of an instant.
#[derive(Debug, Clone)]
pub struct TaskView {
    pub task: TaskRecord,
    /// The deadline the task is judged against: its date; a `once:` recurrence's date; for
    /// a periodic task its earliest overdue period, else its current one.
    pub deadline: Option<NaiveDate>,
    pub state: TaskState,
    /// Marked done by the assignee, not yet confirmed by the office.
    pub awaiting_confirmation: bool,
    pub lead_name: String,
    /// For a periodic task, its periods so far and the current one; empty otherwise.
    pub periods: Vec<DuePeriod>,
    /// The latest progress report known at the instant.
    pub latest: Option<ReportRecord>,
    /// Days late: how late it was done, or how long it is overdue so far.
    pub days_late: Option<i64>,
    /// Days left to the deadline of a task open within it (0 on the day).
    pub days_left: Option<i64>,
}

impl TaskView {
    /// The items judged of the task (see [`Item`]).
    pub fn items(&self) -> Vec<Item> {
        if periodic(&self.task).is_some() {
            return self
                .periods
                .iter()
                .map(|p| Item {
                    due: Some(p.due),
                    done_at: p.done_at,
                    state: p.state,
                })
                .collect();
        }
        vec![Item {
            due: self.deadline,
            done_at: self.task.completed_at,
            state: self.state,
        }]
    }

    /// Whether the task recurs periodically.
    pub fn is_periodic(&self) -> bool {
        periodic(&self.task).is_some()
    }

    /// Open and due within `days` days ("sắp đến hạn"): the follow-up view's, the
    /// reminders' and the overview's one rule.
    pub fn due_within(&self, days: u32) -> bool {
        self.state == TaskState::Open && self.days_left.is_some_and(|d| d <= i64::from(days))
    }
}

/// The tasks followed up themselves: a task expanded into per-commune tasks counts
/// through its children, not itself.
pub fn leaves(tasks: &[TaskView]) -> impl Iterator<Item = &TaskView> {
    let parents: BTreeSet<i64> = tasks.iter().filter_map(|t| t.task.parent_id).collect();
    tasks.iter().filter(move |t| !parents.contains(&t.task.id))
}

/// [`leaves`] for tasks as stored.
fn leaf_records(tasks: Vec<TaskRecord>) -> impl Iterator<Item = TaskRecord> {
    let parents: BTreeSet<i64> = tasks.iter().filter_map(|t| t.parent_id).collect();
    tasks.into_iter().filter(move |t| !parents.contains(&t.id))
}

/// A unit's name in `year` (its latest, if it did not exist then).
fn unit_name(registry: &UnitRegistry, u: &UnitId, year: i32) -> String {
    registry.get(u).map_or_else(
        || u.to_string(),
        |u| {
            u.version_in_year(year)
                .unwrap_or_else(|| u.latest())
                .name
                .clone()
        },
    )
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
        Assignee::Unit(u) => unit_name(registry, u, year),
        Assignee::Organisation(id) => store
            .get_organisation(*id)
            .await?
            .map_or_else(|| format!("tổ chức #{id}"), |o| o.name),
    })
}

/// Where a directive issued on `on` was issued: the province(s) of the tree that day.
pub fn home(registry: &UnitRegistry, on: NaiveDate) -> Vec<UnitId> {
    registry
        .roots_on(on)
        .into_iter()
        .map(|r| r.id().clone())
        .collect()
}

/// The one decision about a task, by `ntm_core::access::may_on_task` on the tree of its
/// directive's date (`issued`).
pub fn may(
    registry: &UnitRegistry,
    actor: &Actor,
    organisations: &BTreeSet<i64>,
    t: &TaskRecord,
    issued: NaiveDate,
    action: TaskAction,
) -> bool {
    may_at(
        registry,
        actor,
        organisations,
        t,
        issued,
        &home(registry, issued),
        action,
    )
}

/// [`may`] with the directive's province already known (computing it walks the tree).
fn may_at(
    registry: &UnitRegistry,
    actor: &Actor,
    organisations: &BTreeSet<i64>,
    t: &TaskRecord,
    issued: NaiveDate,
    home: &[UnitId],
    action: TaskAction,
) -> bool {
    let member =
        |a: &Assignee| matches!(a, Assignee::Organisation(id) if organisations.contains(id));
    fn unit(a: &Assignee) -> Option<&UnitId> {
        match a {
            Assignee::Unit(u) => Some(u),
            Assignee::Organisation(_) => None,
        }
    }
    let parties = TaskParties {
        home,
        lead_unit: unit(&t.details.lead),
        cooperating_units: t.details.cooperating.iter().filter_map(unit).collect(),
        member_of_lead: member(&t.details.lead),
        member_of_cooperating: t.details.cooperating.iter().any(member),
        year: issued.year(),
    };
    may_on_task(registry, &actor.grants, action, &parties)
}

/// Whether the actor is the office for directives issued on `on`: records them, confirms,
/// reopens and adjusts their tasks, drafts urging letters.
pub fn is_office(registry: &UnitRegistry, actor: &Actor, on: NaiveDate) -> bool {
    home(registry, on)
        .iter()
        .any(|h| can(registry, &actor.grants, Action::ManageTasks, h, on.year()))
}

/// Whether the actor follows every directive and task issued on `on` and the rankings:
/// the office and the Steering Committee of the province.
pub fn follows_all(registry: &UnitRegistry, actor: &Actor, on: NaiveDate) -> bool {
    follows_all_tasks(registry, &actor.grants, &home(registry, on), on.year())
}

fn office_only(registry: &UnitRegistry, actor: &Actor, on: NaiveDate, what: &str) -> AppResult<()> {
    if is_office(registry, actor, on) {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "chỉ Văn phòng Điều phối {what}"
        )))
    }
}

/// When each directive was issued, by id.
async fn issue_dates(store: &dyn Store) -> AppResult<BTreeMap<i64, NaiveDate>> {
    Ok(store
        .list_directives()
        .await?
        .into_iter()
        .map(|d| (d.id, d.issued_on))
        .collect())
}

/// The date the task's directive was issued.
async fn issued_on(store: &dyn Store, t: &TaskRecord) -> AppResult<NaiveDate> {
    store
        .get_directive(t.directive_id)
        .await?
        .map(|d| d.issued_on)
        .ok_or_else(|| AppError::NotFound(format!("không có văn bản #{}", t.directive_id)))
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

/// What judging tasks reads from the store, loaded once: every task with its reports, the
/// issue date of every directive and the names of organisations. It depends on no instant
/// and no viewer, so the web keeps it (see `cache::Cache::task_material`) until a task
/// write moves the tasks' data version; the states are then computed per request.
#[derive(Debug, Clone, Default)]
pub struct TaskMaterial {
    pub tasks: Vec<TaskRecord>,
    reports: BTreeMap<i64, Vec<ReportRecord>>,
    dates: BTreeMap<i64, NaiveDate>,
    organisations: BTreeMap<i64, String>,
}

/// Loads [`TaskMaterial`] from the store.
pub async fn load_material(store: &dyn Store) -> AppResult<TaskMaterial> {
    let tasks = store.list_tasks(&TaskFilter::default()).await?;
    let mut reports = BTreeMap::new();
    for t in &tasks {
        reports.insert(t.id, store.list_reports(t.id).await?);
    }
    Ok(TaskMaterial {
        tasks,
        reports,
        dates: issue_dates(store).await?,
        organisations: store
            .list_organisations()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect(),
    })
}

/// The tasks of a directive (or all) the actor may see, with their states as of `now`.
pub async fn visible_tasks(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Vec<TaskView>> {
    let material = load_material(store).await?;
    let orgs = organisations_of(store, actor).await?;
    Ok(views_in(&material, registry, actor, &orgs, directive, now))
}

/// [`visible_tasks`] over material already loaded: pure.
pub fn views_in(
    material: &TaskMaterial,
    registry: &UnitRegistry,
    actor: &Actor,
    organisations: &BTreeSet<i64>,
    directive: Option<i64>,
    now: DateTime<Utc>,
) -> Vec<TaskView> {
    let mut homes: BTreeMap<NaiveDate, Vec<UnitId>> = BTreeMap::new();
    material
        .tasks
        .iter()
        .filter(|t| directive.is_none_or(|d| t.directive_id == d))
        .filter(|t| {
            let issued = material.issued(t, now);
            let home = homes
                .entry(issued)
                .or_insert_with(|| home(registry, issued));
            may_at(
                registry,
                actor,
                organisations,
                t,
                issued,
                home,
                TaskAction::See,
            )
        })
        .map(|t| material.view(registry, t.clone(), now))
        .collect()
}

impl TaskMaterial {
    fn issued(&self, t: &TaskRecord, now: DateTime<Utc>) -> NaiveDate {
        self.dates
            .get(&t.directive_id)
            .copied()
            .unwrap_or_else(|| local_date(now))
    }

    fn lead_name(&self, registry: &UnitRegistry, lead: &Assignee, year: i32) -> String {
        match lead {
            Assignee::Unit(u) => unit_name(registry, u, year),
            Assignee::Organisation(id) => self
                .organisations
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("tổ chức #{id}")),
        }
    }

    /// The task as judged at `now`.
    fn view(&self, registry: &UnitRegistry, t: TaskRecord, now: DateTime<Utc>) -> TaskView {
        let issued = self.issued(&t, now);
        let reports: Vec<ReportRecord> = self
            .reports
            .get(&t.id)
            .into_iter()
            .flatten()
            .filter(|r| r.at <= now)
            .cloned()
            .collect();
        let completed = t.completed_at.filter(|c| *c <= now);
        let (deadline, state, period_list, days_late) = match periodic(&t) {
            Some(r) => {
                let done: Vec<DateTime<Utc>> = reports
                    .iter()
                    .filter(|r| r.marks_done)
                    .map(|r| r.at)
                    .collect();
                // A periodic task's deadline, if it has one, is the last day of the series.
                let list = periods(&r, issued, t.details.deadline, &done, now);
                let (state, deadline) = series_state(&list);
                let late = list
                    .iter()
                    .find(|p| Some(p.due) == deadline)
                    .and_then(|p| days_overdue(Some(p.due), p.done_at, now));
                (deadline, state, list, late)
            }
            None => {
                let deadline = t.details.deadline.or_else(|| {
                    match t.details.recurrence.as_deref().map(Recurrence::parse) {
                        Some(Ok(Recurrence::Once(d))) => Some(d),
                        _ => None,
                    }
                });
                (
                    deadline,
                    state(deadline, completed, now),
                    Vec::new(),
                    days_overdue(deadline, completed, now),
                )
            }
        };
        TaskView {
            state,
            awaiting_confirmation: completed.is_some() && t.confirmed_at.is_none(),
            lead_name: self.lead_name(registry, &t.details.lead, issued.year()),
            days_left: days_left(deadline, None, now).filter(|_| !state.is_done()),
            days_late,
            deadline,
            periods: period_list,
            latest: reports.into_iter().next_back(),
            task: t,
        }
    }
}

/// The directives the actor may see, the most recently issued first.
pub async fn visible_directives(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    now: DateTime<Utc>,
) -> AppResult<Vec<ntm_store::DirectiveRecord>> {
    let all = store.list_directives().await?;
    let seen: BTreeSet<i64> = visible_tasks(store, registry, actor, None, now)
        .await?
        .iter()
        .map(|t| t.task.directive_id)
        .collect();
    Ok(all
        .into_iter()
        .filter(|d| seen.contains(&d.id) || follows_all(registry, actor, d.issued_on))
        .collect())
}

/// Whether the actor may see the directive (its page, its file); see
/// [`visible_directives`].
pub async fn may_see_directive(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive_id: i64,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(d) = store.get_directive(directive_id).await? else {
        return Ok(false);
    };
    Ok(follows_all(registry, actor, d.issued_on)
        || !visible_tasks(store, registry, actor, Some(directive_id), now)
            .await?
            .is_empty())
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

/// Checks the tasks as typed and expands "all communes of X" as of `date`: one child task
/// per xã, numbered `code.1`, `code.2`, … Every problem is told, with the task's number.
fn expand(
    registry: &UnitRegistry,
    tasks: Vec<TaskInput>,
    date: NaiveDate,
) -> AppResult<Vec<NewTask>> {
    let mut problems = Vec::new();
    let mut codes = BTreeSet::new();
    for (i, t) in tasks.iter().enumerate() {
        let name = if t.code.trim().is_empty() {
            format!("nhiệm vụ thứ {}", i + 1)
        } else {
            format!("nhiệm vụ {}", t.code.trim())
        };
        if t.code.trim().is_empty() {
            problems.push(format!("{name}: cần số thứ tự (ví dụ 2.1)"));
        } else if !codes.insert(t.code.trim().to_owned()) {
            problems.push(format!("{name}: số thứ tự bị trùng"));
        }
        if t.details.text.trim().is_empty() {
            problems.push(format!("{name}: cần nội dung nhiệm vụ"));
        }
        if let Some(r) = &t.details.recurrence
            && let Err(e) = Recurrence::parse(r)
        {
            problems.push(format!("{name}: {e}"));
        }
        if let Assignee::Unit(u) = &t.details.lead
            && registry.get(u).is_none()
        {
            problems.push(format!("{name}: không có đơn vị {u}"));
        }
        if t.expand_to_communes {
            match &t.details.lead {
                Assignee::Unit(u) if expand_lead(registry, u, date).is_empty() => {
                    problems.push(format!(
                        "{name}: không có xã nào thuộc đơn vị chủ trì vào ngày {}",
                        date.format("%d/%m/%Y")
                    ));
                }
                Assignee::Organisation(_) => problems.push(format!(
                    "{name}: chỉ giao \"tất cả các xã\" cho một đơn vị hành chính"
                )),
                Assignee::Unit(_) => {}
            }
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    Ok(tasks
        .into_iter()
        .map(|t| {
            let code = t.code.trim().to_owned();
            let children = match (&t.details.lead, t.expand_to_communes) {
                (Assignee::Unit(u), true) => expand_lead(registry, u, date)
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| NewTask {
                        code: format!("{code}.{}", i + 1),
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
                code,
                details: t.details,
                children,
            }
        })
        .collect())
}

/// Records a directive and its tasks in one transaction (office only). "All communes of
/// X" expands as X stood on the directive's date.
pub async fn create_directive(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    mut directive: NewDirective,
    tasks: Vec<TaskInput>,
    audit: &AuditContext,
) -> AppResult<i64> {
    office_only(
        registry,
        actor,
        directive.issued_on,
        "ghi văn bản chỉ đạo và giao nhiệm vụ",
    )?;
    let mut problems = Vec::new();
    for (field, value) in [
        ("số hiệu", &directive.number),
        ("trích yếu", &directive.title),
        ("cơ quan ban hành", &directive.issuer),
    ] {
        if value.trim().is_empty() {
            problems.push(format!("văn bản: cần {field}"));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    directive.tasks = expand(registry, tasks, directive.issued_on)?;
    let id = store.create_directive(&directive, audit).await?;
    notify_given(store, registry, id, 0, audit.at).await?;
    Ok(id)
}

/// Adds tasks to a recorded directive (office only). "All communes of X" expands as X
/// stands on the day they are added: a task given in 2026 goes to the communes of 2026.
pub async fn add_tasks(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive_id: i64,
    tasks: Vec<TaskInput>,
    audit: &AuditContext,
) -> AppResult<Vec<i64>> {
    let issued = store
        .get_directive(directive_id)
        .await?
        .map(|d| d.issued_on)
        .ok_or_else(|| AppError::NotFound(format!("không có văn bản #{directive_id}")))?;
    office_only(
        registry,
        actor,
        issued,
        "ghi văn bản chỉ đạo và giao nhiệm vụ",
    )?;
    if tasks.is_empty() {
        return Err(AppError::Invalid(vec!["chưa nhập nhiệm vụ nào".into()]));
    }
    let tasks = expand(registry, tasks, local_date(audit.at))?;
    let ids = store.add_tasks(directive_id, &tasks, audit).await?;
    if let Some(first) = ids.iter().min() {
        notify_given(store, registry, directive_id, *first, audit.at).await?;
    }
    Ok(ids)
}

/// A lead unit or organisation in the ranking, with the tally of its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub lead: String,
    pub assignee: Assignee,
    pub tally: Tally,
}

/// The compilation of a directive (or of every directive): counts by the four states and
/// lead units ranked by on-time rate, laggards first. Parent tasks that were expanded into
/// per-commune tasks count through their children; periodic tasks count once per period.
#[derive(Debug, Clone)]
pub struct Compilation {
    pub tally: Tally,
    pub ranking: Vec<Ranked>,
    pub tasks: Vec<TaskView>,
    /// For each task expanded into per-commune tasks, the tally of its children's items.
    pub children: BTreeMap<i64, Tally>,
    /// The instant the states are judged at.
    pub as_of: DateTime<Utc>,
}

/// Compiles what the actor may see, as of `now`.
pub async fn compile(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<Compilation> {
    compile_in(store, registry, actor, directive, None, now).await
}

/// Compiles what the actor may see; with a window, the report of that period (the report
/// to the Standing Committee): the items due in it and those in arrears, judged at the end
/// of the period (or `now`, if earlier).
pub async fn compile_in(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    window: Option<Window>,
    now: DateTime<Utc>,
) -> AppResult<Compilation> {
    let material = load_material(store).await?;
    let orgs = organisations_of(store, actor).await?;
    Ok(compile_from(
        &material, &orgs, registry, actor, directive, window, now,
    ))
}

/// [`compile_in`] over material already loaded (the web's cached copy): pure.
pub fn compile_from(
    material: &TaskMaterial,
    organisations: &BTreeSet<i64>,
    registry: &UnitRegistry,
    actor: &Actor,
    directive: Option<i64>,
    window: Option<Window>,
    now: DateTime<Utc>,
) -> Compilation {
    let as_of = window.map_or(now, |w| w.as_of(now));
    let all = views_in(material, registry, actor, organisations, directive, as_of);
    let holds = |i: &Item| window.is_none_or(|w| w.holds(i));
    let mut tally = Tally::default();
    let mut children: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut pairs: Vec<((String, Assignee), TaskState)> = Vec::new();
    let mut kept: BTreeSet<i64> = BTreeSet::new();
    for t in leaves(&all) {
        for item in t.items().iter().filter(|i| holds(i)) {
            tally.add(item.state);
            if let Some(p) = t.task.parent_id {
                children.entry(p).or_default().add(item.state);
                kept.insert(p);
            }
            pairs.push((
                (t.lead_name.clone(), t.task.details.lead.clone()),
                item.state,
            ));
            kept.insert(t.task.id);
        }
    }
    let ranking = rank_laggards(&pairs)
        .into_iter()
        .map(|((lead, assignee), tally)| Ranked {
            lead,
            assignee,
            tally,
        })
        .collect();
    Compilation {
        tally,
        ranking,
        tasks: all
            .into_iter()
            .filter(|t| window.is_none() || kept.contains(&t.task.id))
            .collect(),
        children,
        as_of,
    }
}

/// The tasks a follow-up list shows for `filter`: all of them (as a tree) when empty;
/// otherwise the leaf tasks in that state, or `due_soon` within `days`. The office works
/// down these lists, so the overdue come longest late first and the due-soon soonest first.
pub fn shown<'a>(tasks: &'a [TaskView], filter: &str, days: u32) -> Vec<&'a TaskView> {
    if filter.is_empty() {
        return tasks.iter().collect();
    }
    let mut shown: Vec<&TaskView> = leaves(tasks)
        .filter(|v| match filter {
            "due_soon" => v.due_within(days),
            f => v.state.as_str() == f,
        })
        .collect();
    match filter {
        "overdue" => shown.sort_by_key(|v| std::cmp::Reverse(v.days_late)),
        "due_soon" => shown.sort_by_key(|v| v.days_left),
        _ => {}
    }
    shown
}

/// One task as its page shows it to one actor.
#[derive(Debug, Clone)]
pub struct TaskDetail {
    pub view: TaskView,
    pub directive: Option<DirectiveRecord>,
    /// The cooperating units and organisations by name, as of the directive's date.
    pub cooperating: Vec<String>,
    pub reports: Vec<ReportRecord>,
    /// Whether the actor may report progress on it.
    pub can_report: bool,
    /// Whether the actor is the office that confirms and adjusts it.
    pub is_office: bool,
}

/// The task `id` for `actor`: `NotFound` when there is none, `Forbidden` when the actor may
/// not see it; with what its page shows and what the actor may do on it.
pub async fn detail(
    store: &dyn Store,
    material: &TaskMaterial,
    registry: &UnitRegistry,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> AppResult<TaskDetail> {
    let t = store
        .get_task(id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Không có nhiệm vụ {id}.")))?;
    let orgs = organisations_of(store, actor).await?;
    let view = views_in(material, registry, actor, &orgs, Some(t.directive_id), now)
        .into_iter()
        .find(|v| v.task.id == id)
        .ok_or_else(|| AppError::Forbidden("nhiệm vụ này không thuộc phạm vi của bạn".into()))?;
    let directive = store.get_directive(view.task.directive_id).await?;
    // Who the task names is read on the tree of the directive's date, as its leads are.
    let issued = directive
        .as_ref()
        .map_or_else(|| ntm_core::task::local_date(now), |d| d.issued_on);
    let mut cooperating = Vec::new();
    for a in &view.task.details.cooperating {
        cooperating.push(lead_name(store, registry, a, issued.year()).await?);
    }
    Ok(TaskDetail {
        can_report: may(
            registry,
            actor,
            &orgs,
            &view.task,
            issued,
            TaskAction::Report,
        ),
        is_office: is_office(registry, actor, issued),
        reports: store.list_reports(id).await?,
        cooperating,
        directive,
        view,
    })
}

/// The file attached to report `report` of task `task`, for whoever may see the task;
/// `NotFound` when the report is not the task's or has no file.
pub async fn report_file(
    store: &dyn Store,
    material: &TaskMaterial,
    registry: &UnitRegistry,
    actor: &Actor,
    task: i64,
    report: i64,
    now: DateTime<Utc>,
) -> AppResult<StoredFile> {
    let d = detail(store, material, registry, actor, task, now).await?;
    let file = match d.reports.iter().any(|r| r.id == report) {
        true => store.report_attachment(report).await?,
        false => None,
    };
    file.ok_or_else(|| AppError::NotFound("Báo cáo này không có tệp đính kèm.".into()))
}

/// What one run of the reminders did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemindReport {
    pub due_soon: usize,
    pub overdue: usize,
    pub notifications: usize,
}

/// Urges: for every open task due within `within_days` or overdue (for a periodic task,
/// its period judged now), records a reminder (once per task, kind and due date — running
/// twice sends nothing twice) and notifies the users who lead it and the office.
pub async fn remind(
    store: &dyn Store,
    registry: &UnitRegistry,
    now: DateTime<Utc>,
    within_days: u32,
) -> AppResult<RemindReport> {
    let material = load_material(store).await?;
    let dates = &material.dates;
    let members = members(store).await?;
    let mut report = RemindReport::default();
    let mut notes = Vec::new();
    let tasks = store
        .list_tasks(&TaskFilter {
            open_only: true,
            ..Default::default()
        })
        .await?;
    for t in leaf_records(tasks) {
        let v = material.view(registry, t, now);
        let Some(deadline) = v.deadline else {
            continue;
        };
        let kind = match v.state {
            TaskState::Overdue => "overdue",
            TaskState::Open if v.due_within(within_days) => "due_soon",
            _ => continue,
        };
        let t = v.task;
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
        let issued = dates
            .get(&t.directive_id)
            .copied()
            .unwrap_or_else(|| local_date(now));
        for m in &members {
            // The lead's users and the office (who may report on a task are exactly those).
            if may(
                registry,
                &m.actor,
                &m.organisations,
                &t,
                issued,
                TaskAction::Report,
            ) {
                notes.push(NewNotification {
                    user_id: m.actor.user_id,
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

/// An enabled user with what deciding their notifications needs.
struct Member {
    actor: Actor,
    organisations: BTreeSet<i64>,
}

async fn members(store: &dyn Store) -> AppResult<Vec<Member>> {
    let mut out = Vec::new();
    for u in store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
    {
        let actor = crate::accounts::actor_by_username(store, &u.username).await?;
        let organisations = organisations_of(store, &actor).await?;
        out.push(Member {
            actor,
            organisations,
        });
    }
    Ok(out)
}

/// Who hears of an event on a task.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Audience {
    /// The users of its lead (not the office, which caused the event).
    Leads,
    /// The office, which confirms.
    Office,
}

/// Tells each task's audience, one notification per user and task, linked to the task.
/// Notifications are not the office's data: they are written after the event, apart.
async fn notify(
    store: &dyn Store,
    registry: &UnitRegistry,
    tasks: &[TaskRecord],
    audience: Audience,
    text: impl Fn(&TaskRecord) -> String,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let members = members(store).await?;
    let dates = issue_dates(store).await?;
    let mut notes = Vec::new();
    for t in tasks {
        let issued = dates
            .get(&t.directive_id)
            .copied()
            .unwrap_or_else(|| local_date(now));
        for m in &members {
            let office = is_office(registry, &m.actor, issued);
            let hears = match audience {
                Audience::Office => office,
                Audience::Leads => {
                    !office
                        && may(
                            registry,
                            &m.actor,
                            &m.organisations,
                            t,
                            issued,
                            TaskAction::Report,
                        )
                }
            };
            if hears {
                notes.push(NewNotification {
                    user_id: m.actor.user_id,
                    at: now,
                    text: text(t),
                    link: Some(format!("/tasks/{}", t.id)),
                });
            }
        }
    }
    if !notes.is_empty() {
        store.add_notifications(&notes).await?;
    }
    Ok(notes.len())
}

/// "hạn 31/05/2022", "hằng quý, …" or "không hạn": when a task is due, for a notification.
fn due_text(t: &TaskRecord) -> String {
    match (
        t.details.deadline,
        t.details
            .recurrence
            .as_deref()
            .and_then(|r| Recurrence::parse(r).ok()),
    ) {
        (_, Some(r)) if r.is_periodic() => r.label_vi(),
        (Some(d), _) | (None, Some(Recurrence::Once(d))) => format!("hạn {}", d.format("%d/%m/%Y")),
        _ => "không hạn".into(),
    }
}

/// Tells the leads of newly given tasks (those not expanded further) that they have them.
async fn notify_given(
    store: &dyn Store,
    registry: &UnitRegistry,
    directive_id: i64,
    first_id: i64,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let tasks = store
        .list_tasks(&TaskFilter {
            directive_id: Some(directive_id),
            ..Default::default()
        })
        .await?;
    let given: Vec<TaskRecord> = leaf_records(tasks).filter(|t| t.id >= first_id).collect();
    notify(
        store,
        registry,
        &given,
        Audience::Leads,
        |t| {
            format!(
                "Được giao nhiệm vụ {} ({}): {}",
                t.code,
                due_text(t),
                t.details.text.chars().take(120).collect::<String>()
            )
        },
        now,
    )
    .await
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
    /// A file of evidence (minutes, a report, photos).
    pub attachment: Option<StoredFile>,
}

/// The largest attachment or directive file accepted, in bytes: scans of signed documents
/// fit, and a slow connection still gets through.
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;

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
    let issued = issued_on(store, &t).await?;
    if !may(registry, actor, &orgs, &t, issued, TaskAction::Report) {
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
    if let Some(f) = &input.attachment {
        if f.bytes.len() > MAX_FILE_BYTES {
            problems.push((
                "attachment".to_owned(),
                format!(
                    "tệp “{}” lớn hơn {} MB",
                    f.name,
                    MAX_FILE_BYTES / 1024 / 1024
                ),
            ));
        }
        if f.bytes.is_empty() {
            problems.push(("attachment".to_owned(), format!("tệp “{}” rỗng", f.name)));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::Fields(problems));
    }
    let r = ntm_store::NewReport {
        text: input.text.trim().to_owned(),
        percent: if input.marks_done { 100 } else { input.percent },
        attachment: input.attachment.clone(),
        marks_done: input.marks_done,
    };
    let id = store
        .add_report(task_id, &r, &actor.audit(at, "báo cáo tiến độ"))
        .await?;
    if input.marks_done && !is_office(registry, actor, issued) {
        let who = if actor.full_name.is_empty() {
            actor.username.clone()
        } else {
            actor.full_name.clone()
        };
        let periodic = periodic(&t).is_some();
        notify(
            store,
            registry,
            std::slice::from_ref(&t),
            Audience::Office,
            |t| {
                if periodic {
                    format!("{who} nộp báo cáo kỳ của nhiệm vụ {}", t.code)
                } else {
                    format!("{who} báo hoàn thành nhiệm vụ {}: chờ xác nhận", t.code)
                }
            },
            at,
        )
        .await?;
    }
    Ok(id)
}

/// The office changes what a task asks — its text, lead, cooperators, deadline (an
/// extension, "gia hạn"), schedule, output — with the why in the audit; its leads are told.
/// Returns whether anything changed.
pub async fn update_task(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    task_id: i64,
    (seen, details): (Option<&str>, TaskDetails),
    reason: &str,
    at: DateTime<Utc>,
) -> AppResult<bool> {
    let t = task_for(store, task_id).await?;
    office_only(
        registry,
        actor,
        issued_on(store, &t).await?,
        "ghi văn bản chỉ đạo và giao nhiệm vụ",
    )?;
    let mut problems = Vec::new();
    if details.text.trim().is_empty() {
        problems.push("cần nội dung nhiệm vụ".to_owned());
    }
    if let Some(r) = &details.recurrence
        && let Err(e) = Recurrence::parse(r)
    {
        problems.push(e.to_string());
    }
    if reason.trim().is_empty() {
        problems.push("cần ghi lý do điều chỉnh (ví dụ: gia hạn theo Thông báo số …)".to_owned());
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    // `seen`: the version of the details the form showed, checked under the write lock,
    // so a second adjuster does not undo the first's without knowing.
    let changed = store
        .update_task_from(
            task_id,
            seen,
            &details,
            &actor.audit(at, format!("điều chỉnh: {}", reason.trim())),
        )
        .await?;
    if changed {
        let after = task_for(store, task_id).await?;
        let moved = t.details.deadline != after.details.deadline;
        notify(
            store,
            registry,
            std::slice::from_ref(&after),
            Audience::Leads,
            |t| {
                if moved {
                    format!(
                        "Nhiệm vụ {} được điều chỉnh ({}): {}",
                        t.code,
                        due_text(t),
                        reason.trim()
                    )
                } else {
                    format!("Nhiệm vụ {} được điều chỉnh: {}", t.code, reason.trim())
                }
            },
            at,
        )
        .await?;
    }
    Ok(changed)
}

/// The office confirms a task marked done.
pub async fn confirm(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    task_id: i64,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let t = task_for(store, task_id).await?;
    office_only(
        registry,
        actor,
        issued_on(store, &t).await?,
        "xác nhận hoàn thành",
    )?;
    store
        .confirm_task(task_id, &actor.audit(at, "xác nhận hoàn thành"))
        .await?;
    if t.confirmed_at.is_none() {
        notify(
            store,
            registry,
            std::slice::from_ref(&t),
            Audience::Leads,
            |t| {
                format!(
                    "Văn phòng Điều phối đã xác nhận hoàn thành nhiệm vụ {}",
                    t.code
                )
            },
            at,
        )
        .await?;
    }
    Ok(())
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
    let t = task_for(store, task_id).await?;
    office_only(
        registry,
        actor,
        issued_on(store, &t).await?,
        "mở lại nhiệm vụ",
    )?;
    if reason.trim().is_empty() {
        return Err(AppError::Fields(vec![(
            "reason".into(),
            "cần ghi rõ lý do mở lại".into(),
        )]));
    }
    store
        .reopen_task(
            task_id,
            &actor.audit(at, format!("mở lại: {}", reason.trim())),
        )
        .await?;
    if t.completed_at.is_some() {
        notify(
            store,
            registry,
            std::slice::from_ref(&t),
            Audience::Leads,
            |t| format!("Nhiệm vụ {} được mở lại: {}", t.code, reason.trim()),
            at,
        )
        .await?;
    }
    Ok(())
}

/// How a directive is cited: "Thông báo số 61/TB-BCĐ ngày 22/02/2022 của Ban Chỉ đạo…".
pub fn directive_label(d: &ntm_store::DirectiveRecord) -> String {
    let mut kind = d.kind.trim().to_owned();
    if let Some(first) = kind.chars().next() {
        kind = first.to_uppercase().chain(kind.chars().skip(1)).collect();
    }
    format!(
        "{kind} số {} ngày {} của {}",
        d.number,
        d.issued_on.format("%d/%m/%Y"),
        d.issuer
    )
}

/// How an urging letter addresses a lead: a unit through its People's Committee
/// ("UBND xã Thành Sen"), an organisation by its name.
pub fn addressee(lead: &Assignee, name: &str) -> String {
    match lead {
        Assignee::Unit(_) => {
            let mut chars = name.chars();
            let lowered: String = chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default();
            format!("UBND {lowered}")
        }
        Assignee::Organisation(_) => name.to_owned(),
    }
}

/// A draft urging letter (văn bản đôn đốc) to a lead about its overdue tasks, as .docx in
/// the standard administrative layout (office only). Returns the file name and bytes.
/// The draft leaves the number blank and the signer's name for the office to complete.
pub async fn urging_letter(
    store: &dyn Store,
    registry: &UnitRegistry,
    actor: &Actor,
    lead: &Assignee,
    now: DateTime<Utc>,
) -> AppResult<UrgingDraft> {
    office_only(registry, actor, local_date(now), "soạn văn bản đôn đốc")?;
    let views = visible_tasks(store, registry, actor, None, now).await?;
    let overdue: Vec<&TaskView> = leaves(&views)
        .filter(|v| &v.task.details.lead == lead && v.state == TaskState::Overdue)
        .collect();
    let Some(first) = overdue.first() else {
        return Err(AppError::Invalid(vec![
            "đơn vị này không có nhiệm vụ quá hạn chưa hoàn thành".into(),
        ]));
    };
    let name = first.lead_name.clone();
    let to = addressee(lead, &name);
    let directives: BTreeMap<i64, ntm_store::DirectiveRecord> = store
        .list_directives()
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let cited: BTreeSet<i64> = overdue.iter().map(|v| v.task.directive_id).collect();
    let citations: Vec<String> = cited
        .iter()
        .filter_map(|id| directives.get(id))
        .map(directive_label)
        .collect();
    let today = local_date(now);
    // "Tỉnh Hà Tĩnh": the heading names its People's Committee, the date line the place.
    let province = registry
        .roots_on(today)
        .first()
        .map(|r| r.name().to_owned())
        .unwrap_or_default();
    let authority = if province.is_empty() {
        String::new()
    } else {
        format!("UBND {}", province.to_uppercase())
    };
    let reply_by = today + chrono::Duration::days(7);
    let tasks = overdue
        .iter()
        .map(|v| ntm_reports::UrgedTask {
            directive: directives
                .get(&v.task.directive_id)
                .map(|d| {
                    format!(
                        "{} {} ngày {}",
                        d.kind,
                        d.number,
                        d.issued_on.format("%d/%m/%Y")
                    )
                })
                .unwrap_or_default(),
            code: v.task.code.clone(),
            text: v.task.details.text.clone(),
            deadline: v
                .deadline
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_default(),
            days_overdue: v.days_late.unwrap_or(0),
            latest_progress: v.latest.as_ref().map_or_else(
                || "Chưa báo cáo".to_owned(),
                |r| {
                    format!(
                        "{} ({}%, {})",
                        r.text,
                        r.percent,
                        local_date(r.at).format("%d/%m/%Y")
                    )
                },
            ),
        })
        .collect();
    let letter = ntm_reports::UrgingLetter {
        authority,
        issuer: "Văn phòng Điều phối nông thôn mới".into(),
        number: "Số:        /VPĐP-NV".into(),
        place: province
            .strip_prefix("Tỉnh ")
            .unwrap_or(&province)
            .to_owned(),
        date: Some((today.day(), today.month(), today.year())),
        subject: "V/v đôn đốc thực hiện các nhiệm vụ quá hạn".into(),
        recipients: vec![to.clone()],
        opening: vec![format!(
            "Thực hiện {}, {to} được giao chủ trì thực hiện một số nhiệm vụ. Theo dõi của Văn phòng Điều phối nông thôn mới tỉnh, đến ngày {}, {} nhiệm vụ sau đã quá hạn nhưng chưa hoàn thành:",
            citations.join("; "),
            today.format("%d/%m/%Y"),
            overdue.len()
        )],
        tasks,
        closing: vec![
            format!(
                "Để bảo đảm tiến độ theo chỉ đạo của Ban Chỉ đạo tỉnh, Văn phòng Điều phối nông thôn mới tỉnh đề nghị {to} khẩn trương chỉ đạo hoàn thành các nhiệm vụ nêu trên; báo cáo kết quả thực hiện (kèm minh chứng) trên hệ thống theo dõi nhiệm vụ trước ngày {}.",
                reply_by.format("%d/%m/%Y")
            ),
            "Trường hợp không thể hoàn thành, đề nghị báo cáo rõ nguyên nhân, khó khăn, vướng mắc và đề xuất giải pháp để Văn phòng Điều phối tổng hợp, báo cáo Ban Chỉ đạo tỉnh xem xét, chỉ đạo./.".into(),
        ],
        copies: vec![
            "- Như trên;".into(),
            "- Trưởng Ban Chỉ đạo tỉnh (để b/c);".into(),
            "- Lưu: VT, VPĐP.".into(),
        ],
        signer_title: vec!["Chánh Văn phòng".into()],
        signer_name: String::new(),
    };
    let slug: String = ntm_core::text::search_key(&name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    Ok(UrgingDraft {
        file_name: format!("don-doc-{slug}-{}.docx", today.format("%Y%m%d")),
        letter,
    })
}

/// A drafted urging letter: its file name and content, written as .docx by
/// [`UrgingDraft::docx`] (CPU work that the web runs off its request threads).
#[derive(Debug, Clone)]
pub struct UrgingDraft {
    pub file_name: String,
    pub letter: ntm_reports::UrgingLetter,
}

impl UrgingDraft {
    pub fn docx(&self) -> AppResult<Vec<u8>> {
        ntm_reports::urging_letter(&self.letter).map_err(|e| AppError::Invalid(vec![e.to_string()]))
    }
}

/// Finds the lead or cooperator the office typed: an organisation by its name; a unit by
/// the id in brackets the pick list gives ("Xã Kỳ Lạc (18850@2020-01-01)"), by its id or
/// code, or by its name as it stood on `date` (the directive's date). Case and diacritics
/// are ignored in names. The error says, in Vietnamese, what was not found or what is
/// ambiguous.
pub fn resolve_assignee(
    registry: &UnitRegistry,
    organisations: &[ntm_store::OrganisationRecord],
    text: &str,
    date: NaiveDate,
) -> Result<Assignee, String> {
    use ntm_core::text::search_key;
    let text = text.trim();
    let key = search_key(text);
    if let Some(o) = organisations.iter().find(|o| search_key(&o.name) == key) {
        return Ok(Assignee::Organisation(o.id));
    }
    let bracketed = text
        .strip_suffix(')')
        .and_then(|t| t.rsplit_once('('))
        .map(|(_, id)| id.trim());
    for candidate in bracketed.into_iter().chain(std::iter::once(text)) {
        if let Some(id) = ntm_core::UnitId::parse(candidate)
            && registry.get(&id).is_some()
        {
            return Ok(Assignee::Unit(id));
        }
    }
    let on_date: Vec<_> = registry
        .as_of(date)
        .into_iter()
        .filter(|v| v.id().code() == text || search_key(v.name()) == key)
        .map(|v| v.id().clone())
        .collect();
    match on_date.as_slice() {
        [one] => Ok(Assignee::Unit(one.clone())),
        [] => Err(format!(
            "không tìm thấy đơn vị hoặc tổ chức “{text}” (vào ngày {}); chọn trong danh sách gợi ý",
            date.format("%d/%m/%Y")
        )),
        many => Err(format!(
            "“{text}” chỉ {} đơn vị; chọn trong danh sách gợi ý (có mã đơn vị)",
            many.len()
        )),
    }
}

/// "69,93%", or "—" when there is nothing to rate.
fn percent_text(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(
        || "—".into(),
        |d| format!("{}%", ntm_core::text::vi_number(d.round_dp(2))),
    )
}

/// An instant as the office reads it: Vietnam's time.
pub(crate) fn vn_datetime(t: DateTime<Utc>) -> String {
    t.with_timezone(&ntm_core::task::vn_offset())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

impl TaskView {
    /// The latest progress report, shortened: "60% — Đã khởi công… (05/11/2026)".
    pub fn latest_text(&self) -> String {
        self.latest.as_ref().map_or_else(String::new, |r| {
            let text: String = r.text.chars().take(90).collect();
            let more = if r.text.chars().count() > 90 {
                "…"
            } else {
                ""
            };
            format!(
                "{}% — {text}{more} ({})",
                r.percent,
                local_date(r.at).format("%d/%m/%Y")
            )
        })
    }
}

fn text(v: impl Into<String>) -> Cell {
    Cell {
        value: CellValue::Text(v.into()),
        tone: Tone::Plain,
    }
}

fn int(n: usize, tone: Tone) -> Cell {
    Cell {
        value: CellValue::Int(n as i64),
        tone,
    }
}

fn state_tone(s: TaskState) -> Tone {
    match s {
        TaskState::DoneOnTime => Tone::Good,
        TaskState::DoneLate | TaskState::Open => Tone::Unknown,
        TaskState::Overdue => Tone::Bad,
    }
}

/// The workbook of a compilation: the counts and the ranking of lead units, then every
/// task with its state, lateness and latest progress.
pub fn compilation_workbook(
    c: &Compilation,
    title: &str,
    mut subtitle: Vec<String>,
    directives: &BTreeMap<i64, String>,
) -> AppResult<Vec<u8>> {
    let t = &c.tally;
    subtitle.push(format!(
        "Hoàn thành đúng hạn {}; hoàn thành quá hạn {}; đang thực hiện trong hạn {}; quá hạn chưa hoàn thành {}; tỷ lệ đúng hạn {}.",
        t.on_time,
        t.late,
        t.open,
        t.overdue,
        percent_text(t.on_time_rate())
    ));
    let ranking = Table {
        sheet: "Xếp hạng đơn vị".into(),
        title: title.to_owned(),
        subtitle: subtitle.clone(),
        columns: [
            ("Đơn vị chủ trì", 40.0),
            ("Đúng hạn", 10.0),
            ("Quá hạn", 10.0),
            ("Trong hạn", 10.0),
            ("Chưa xong, quá hạn", 12.0),
            ("Tỷ lệ đúng hạn", 12.0),
        ]
        .iter()
        .map(|(h, w)| Column::new(*h, *w))
        .collect(),
        header_rows: vec![],
        rows: c
            .ranking
            .iter()
            .map(|r| {
                let t = &r.tally;
                vec![
                    text(r.lead.clone()),
                    int(t.on_time, Tone::Plain),
                    int(t.late, Tone::Plain),
                    int(t.open, Tone::Plain),
                    int(
                        t.overdue,
                        if t.overdue > 0 { Tone::Bad } else { Tone::Plain },
                    ),
                    Cell {
                        value: t
                            .on_time_rate()
                            .map_or(CellValue::Empty, CellValue::Percent),
                        tone: Tone::Plain,
                    },
                ]
            })
            .collect(),
        totals: vec![vec![
            text("Tổng"),
            int(t.on_time, Tone::Plain),
            int(t.late, Tone::Plain),
            int(t.open, Tone::Plain),
            int(t.overdue, Tone::Plain),
            Cell {
                value: t
                    .on_time_rate()
                    .map_or(CellValue::Empty, CellValue::Percent),
                tone: Tone::Plain,
            },
        ]],
        notes: vec![
            "Xếp theo tỷ lệ hoàn thành đúng hạn, thấp trước. Tỷ lệ = đúng hạn ÷ (đúng hạn + quá hạn + chưa xong quá hạn). Nhiệm vụ định kỳ được tính theo từng kỳ.".into(),
            format!("Trạng thái tính đến {}.", vn_datetime(c.as_of)),
        ],
        landscape: true,
        freeze_columns: 1,
    };
    let tasks = Table {
        sheet: "Danh sách nhiệm vụ".into(),
        title: title.to_owned(),
        subtitle,
        columns: [
            ("Văn bản", 22.0),
            ("Số", 7.0),
            ("Nội dung nhiệm vụ", 50.0),
            ("Chủ trì", 24.0),
            ("Thời hạn", 11.0),
            ("Trạng thái", 20.0),
            ("Số ngày chậm", 9.0),
            ("Tiến độ gần nhất", 40.0),
        ]
        .iter()
        .map(|(h, w)| Column::new(*h, *w))
        .collect(),
        header_rows: vec![],
        rows: c
            .tasks
            .iter()
            .map(|v| {
                vec![
                    text(
                        directives
                            .get(&v.task.directive_id)
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    text(v.task.code.clone()),
                    text(v.task.details.text.clone()),
                    text(v.lead_name.clone()),
                    text(v.deadline.map_or_else(|| "không hạn".into(), |d| d.format("%d/%m/%Y").to_string())),
                    Cell {
                        value: CellValue::Text(v.state.label_vi().into()),
                        tone: state_tone(v.state),
                    },
                    Cell {
                        value: v
                            .days_late
                            .map_or(CellValue::Empty, CellValue::Int),
                        tone: Tone::Plain,
                    },
                    text(v.latest_text()),
                ]
            })
            .collect(),
        totals: vec![],
        notes: vec![
            "Trạng thái được tính từ thời hạn và ngày báo hoàn thành (giờ Việt Nam), không nhập tay.".into(),
        ],
        landscape: true,
        freeze_columns: 3,
    };
    ntm_reports::workbook(&[ranking, tasks]).map_err(|e| AppError::Invalid(vec![e.to_string()]))
}
