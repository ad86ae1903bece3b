//! Who may do what, where: roles granted on a unit's subtree, decided by pure functions.
//!
//! A grant is (role, unit). It covers the unit and every unit below it as the tree stood
//! in the year concerned, and — for reading — the units the granted unit took over
//! through the lineage (a post-reform commune sees its predecessors' history). Unless the
//! office turns it off, it carries to the units that took its unit over by a merger, from
//! the day each starts — not back into the past of the units merged with its own, which
//! were siblings. It never covers a sibling. Every route, form, API call and aggregate asks [`can`] or
//! [`visible_units`]; nothing else decides.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::unit::{UnitId, UnitLevel, UnitRegistry};

/// The roles of ntm's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Văn phòng Điều phối: everything in scope, user management, criteria editing.
    Admin,
    /// Ban Chỉ đạo: reads everything in scope.
    Viewer,
    /// Sở, ban, ngành: reads in scope (own tasks later).
    Department,
    /// Cán bộ xã: enters and submits data for the own commune.
    CommuneOfficer,
    /// Cán bộ huyện: reads the district and approves its communes' data for years before
    /// the 2025 reform.
    DistrictOfficer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Viewer,
        Role::Department,
        Role::CommuneOfficer,
        Role::DistrictOfficer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
            Role::Department => "department",
            Role::CommuneOfficer => "commune",
            Role::DistrictOfficer => "district",
        }
    }
    pub fn parse(text: &str) -> Option<Self> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị (Văn phòng Điều phối)",
            Role::Viewer => "Ban Chỉ đạo (xem)",
            Role::Department => "Sở, ngành",
            Role::CommuneOfficer => "Cán bộ xã",
            Role::DistrictOfficer => "Cán bộ huyện",
        }
    }
}

/// A role on a unit's subtree.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    pub role: Role,
    pub unit: UnitId,
    /// Whether the grant carries to the units that took its unit over by a merger, from
    /// the day each starts (the 2025 reform): the officer of old Kỳ Lạc works for the new
    /// Xã Kỳ Lạc without a new grant. The office may turn it off for one grant.
    pub follows_successors: bool,
}

impl Grant {
    /// A grant that follows its unit's successors (the default).
    pub fn new(role: Role, unit: UnitId) -> Self {
        Grant {
            role,
            unit,
            follows_successors: true,
        }
    }
}

/// The units a grant on `unit` carries to: every unit that took it over by a merger, at
/// any depth (a split gives only part of a unit to each successor, so its officer's new
/// unit is the office's choice, not the mapping's), nearest first.
pub fn successor_scopes(registry: &UnitRegistry, unit: &UnitId) -> Vec<UnitId> {
    let mut out: Vec<UnitId> = Vec::new();
    let mut frontier = vec![unit.clone()];
    while let Some(cur) = frontier.pop() {
        for e in registry.successors(&cur) {
            if e.kind == crate::unit::LineageKind::Merged && !out.contains(&e.to) && &e.to != unit {
                out.push(e.to.clone());
                frontier.push(e.to.clone());
            }
        }
    }
    out
}

/// The units whose subtrees a grant covers in `year`: its own unit, and the successors
/// it follows that are in force that year.
fn scopes_in(registry: &UnitRegistry, grant: &Grant, year: i32) -> Vec<UnitId> {
    let mut scopes = vec![grant.unit.clone()];
    if grant.follows_successors {
        scopes.extend(
            successor_scopes(registry, &grant.unit)
                .into_iter()
                .filter(|s| {
                    registry
                        .get(s)
                        .is_some_and(|u| u.valid().touches_year(year))
                }),
        );
    }
    scopes
}

/// What a user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read a unit's data, evaluations and audit entries.
    View,
    /// Enter values (save a draft) and submit them.
    EnterValues,
    /// Approve or return submitted values.
    Approve,
    /// Reopen an approved (locked) period.
    Reopen,
    /// Edit criteria sets and thresholds.
    EditCriteria,
    /// Create users and change their grants.
    ManageUsers,
    /// Follow the directives' tasks that concern the unit: see them, their directives and,
    /// on a province, every task issued there and the rankings of lead units.
    FollowTasks,
    /// Record directives and tasks, confirm, reopen and adjust tasks: the office's work,
    /// decided on the province a directive was issued in.
    ManageTasks,
    /// Report progress on a task that the unit leads.
    ReportOnTask,
    /// Set the unit's target plans and split their targets to lower units: the
    /// province's office, and a district's own officer before the reform.
    ManagePlans,
    /// Run OCOP: evaluation rounds and their councils, recognition decisions and
    /// certificates, support spending, the mandatory conditions: the province's office.
    ManageOcop,
    /// Keep the sponsorships (đỡ đầu) and confirm what sponsors delivered; enter any unit's
    /// mobilised funds: the province's office.
    ManageResources,
}

impl Action {
    pub const ALL: [Action; 12] = [
        Action::View,
        Action::EnterValues,
        Action::Approve,
        Action::Reopen,
        Action::EditCriteria,
        Action::ManageUsers,
        Action::FollowTasks,
        Action::ManageTasks,
        Action::ReportOnTask,
        Action::ManagePlans,
        Action::ManageOcop,
        Action::ManageResources,
    ];
}

/// The last year whose data district officers approve: the district tier ended on
/// 2025-06-30.
pub const LAST_DISTRICT_YEAR: i32 = 2024;

fn date_in(registry: &UnitRegistry, unit: &UnitId, year: i32) -> Option<NaiveDate> {
    let u = registry.get(unit)?;
    let end = NaiveDate::from_ymd_opt(year, 12, 31)?;
    let valid = u.valid();
    if valid.contains(end) {
        return Some(end);
    }
    // A unit that ended during the year is judged on its last day; one that starts later
    // on its first.
    match valid.to {
        Some(to) if to < end && valid.touches_year(year) => Some(to),
        _ if valid.from > end && valid.touches_year(year) => Some(valid.from),
        _ => None,
    }
}

/// Whether `target` lies in the subtree of `scope` in `year` (or is `scope`).
pub fn in_subtree(registry: &UnitRegistry, scope: &UnitId, target: &UnitId, year: i32) -> bool {
    if scope == target {
        return true;
    }
    let Some(date) = date_in(registry, target, year) else {
        return false;
    };
    let mut current = target.clone();
    for _ in 0..8 {
        let Some(parent) = registry
            .get(&current)
            .and_then(|u| u.version_on(date))
            .and_then(|v| v.parent.clone())
        else {
            return false;
        };
        if &parent == scope {
            return true;
        }
        current = parent;
    }
    false
}

/// Whether `target` is a predecessor (at any depth) of `scope` or of a unit below it.
fn in_history(registry: &UnitRegistry, scope: &UnitId, target: &UnitId) -> bool {
    registry.ancestry(scope).iter().any(|e| &e.from == target)
}

fn grant_allows(
    registry: &UnitRegistry,
    grant: &Grant,
    action: Action,
    target: &UnitId,
    year: i32,
) -> bool {
    let scopes = scopes_in(registry, grant, year);
    let inside = scopes.iter().any(|s| in_subtree(registry, s, target, year));
    // A carried grant acts on the successor from the day it starts, not on the past of
    // the communes merged with its own: those were siblings, and a grant on the new
    // commune (the office's choice) is what reads them.
    let readable = inside || in_history(registry, &grant.unit, target);
    let own = scopes.contains(target);
    match (grant.role, action) {
        // A department reads the data of its scope, but of the tasks only those of its own
        // organisation (membership, not a grant: see [`may_on_task`]).
        (Role::Department, Action::FollowTasks) => false,
        (_, Action::View | Action::FollowTasks) => readable,
        (Role::Admin, _) => inside,
        (Role::CommuneOfficer, Action::EnterValues | Action::ReportOnTask) => inside,
        (Role::DistrictOfficer, Action::EnterValues | Action::ReportOnTask) => own,
        (Role::DistrictOfficer, Action::Approve) => inside && !own && year <= LAST_DISTRICT_YEAR,
        (Role::DistrictOfficer, Action::ManagePlans) => own && year <= LAST_DISTRICT_YEAR,
        _ => false,
    }
}

/// The decision: may someone holding `grants` do `action` on `target` for `year`?
pub fn can(
    registry: &UnitRegistry,
    grants: &[Grant],
    action: Action,
    target: &UnitId,
    year: i32,
) -> bool {
    grants
        .iter()
        .any(|g| grant_allows(registry, g, action, target, year))
}

/// The tiers of a recognition dossier that someone holding `grants` may act as, on `unit`
/// for the dossier's `year`: for a commune, its officer as the commune, a district officer
/// above it (years before the reform) as the district, the province's office as the
/// province; for a district, its own officer as the district and the province's office as
/// the province. The office also records the central tier's steps for a district or the
/// province (the central team and the Prime Minister have no accounts in ntm). Viewers,
/// departments and sibling units act as none.
pub fn recognition_tiers(
    registry: &UnitRegistry,
    grants: &[Grant],
    unit: &UnitId,
    year: i32,
) -> Vec<crate::recognition::Tier> {
    use crate::recognition::Tier;
    let level = registry.get(unit).map(|u| u.level);
    let mut tiers: Vec<Tier> = grants
        .iter()
        .flat_map(|g| {
            let scopes = scopes_in(registry, g, year);
            let inside = scopes.iter().any(|s| in_subtree(registry, s, unit, year));
            let own = scopes.contains(unit);
            match (g.role, level) {
                (Role::CommuneOfficer, Some(UnitLevel::Commune)) if inside => vec![Tier::Commune],
                (Role::DistrictOfficer, Some(UnitLevel::Commune))
                    if inside && !own && year <= LAST_DISTRICT_YEAR =>
                {
                    vec![Tier::District]
                }
                (Role::DistrictOfficer, Some(UnitLevel::District))
                    if own && year <= LAST_DISTRICT_YEAR =>
                {
                    vec![Tier::District]
                }
                (Role::Admin, Some(UnitLevel::Commune)) if inside => vec![Tier::Province],
                (Role::Admin, Some(_)) if inside => vec![Tier::Province, Tier::Central],
                _ => vec![],
            }
        })
        .collect();
    tiers.sort();
    tiers.dedup();
    tiers
}

/// Whether `grants` may keep the register of villages and gardens of `commune` (the
/// commune a village belongs to now) in `year`, and enter their assessments: whoever
/// enters the commune's own data.
pub fn may_keep_villages(
    registry: &UnitRegistry,
    grants: &[Grant],
    commune: &UnitId,
    year: i32,
) -> bool {
    can(registry, grants, Action::EnterValues, commune, year)
}

/// Whether `grants` may record a title signed by `body` for a village or garden of
/// `commune` in `year`: the commune's officer for the commune, the district's for the
/// district (before the reform), and the province's office for either, entering a
/// decision on the signer's behalf.
pub fn may_record_village_title(
    registry: &UnitRegistry,
    grants: &[Grant],
    commune: &UnitId,
    year: i32,
    body: crate::village::Body,
) -> bool {
    use crate::recognition::Tier;
    let tiers = recognition_tiers(registry, grants, commune, year);
    let own = match body {
        crate::village::Body::Commune => Tier::Commune,
        crate::village::Body::District => Tier::District,
    };
    tiers.contains(&own) || tiers.contains(&Tier::Province)
}

/// Whether `grants` may keep the OCOP register of a producer located in `unit` (where it
/// is now) in `year` — the producer, its products, the dossiers it hands in: whoever
/// enters the unit's own data (under 1489 the commune receives the dossier).
pub fn may_keep_ocop(registry: &UnitRegistry, grants: &[Grant], unit: &UnitId, year: i32) -> bool {
    can(registry, grants, Action::EnterValues, unit, year)
}

/// Whether `grants` run OCOP for `province` in `year`: rounds, councils, decisions,
/// certificates and support spending.
pub fn may_manage_ocop(
    registry: &UnitRegistry,
    grants: &[Grant],
    province: &UnitId,
    year: i32,
) -> bool {
    can(registry, grants, Action::ManageOcop, province, year)
}

/// Whether someone may read a sponsorship of `organisation` for `unit` (as recorded,
/// `year` its first): a member of the sponsoring organisation, and whoever reads the unit
/// in that year other than through a department's grant — a department sees the
/// sponsorships of its own organisations, not the money others give.
pub fn may_see_sponsorship(
    registry: &UnitRegistry,
    grants: &[Grant],
    memberships: &[i64],
    organisation: i64,
    unit: &UnitId,
    year: i32,
) -> bool {
    memberships.contains(&organisation)
        || grants.iter().any(|g| {
            g.role != Role::Department && grant_allows(registry, g, Action::View, unit, year)
        })
}

/// Whether `grants` keep the sponsorships and confirm contributions for `province`.
pub fn may_manage_resources(
    registry: &UnitRegistry,
    grants: &[Grant],
    province: &UnitId,
    year: i32,
) -> bool {
    can(registry, grants, Action::ManageResources, province, year)
}

/// Whether `grants` enter the mobilised funds of `unit` in `year`: whoever enters its
/// indicator values.
pub fn may_enter_funds(
    registry: &UnitRegistry,
    grants: &[Grant],
    unit: &UnitId,
    year: i32,
) -> bool {
    can(registry, grants, Action::EnterValues, unit, year)
}

/// Whether `role` allows `action` on at least some unit in some year: what a menu or a
/// button may offer before a unit is chosen. [`can`] still decides every request (a
/// property test keeps the two consistent).
pub fn role_may(role: Role, action: Action) -> bool {
    matches!(
        (role, action),
        (_, Action::View)
            | (Role::Admin, _)
            | (Role::Viewer, Action::FollowTasks)
            | (
                Role::CommuneOfficer,
                Action::EnterValues | Action::ReportOnTask | Action::FollowTasks
            )
            | (
                Role::DistrictOfficer,
                Action::EnterValues
                    | Action::ReportOnTask
                    | Action::FollowTasks
                    | Action::Approve
                    | Action::ManagePlans
            )
    )
}

/// Whether any of the grants may do `action` somewhere (see [`role_may`]).
pub fn holds(grants: &[Grant], action: Action) -> bool {
    grants.iter().any(|g| role_may(g.role, action))
}

/// What a user may do with a directive's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskAction {
    /// See the task, its reports and its directive.
    See,
    /// Report progress on it, or mark it done.
    Report,
    /// Confirm, reopen or adjust it.
    Manage,
}

/// Whom a task concerns, as far as access goes.
#[derive(Debug, Clone)]
pub struct TaskParties<'a> {
    /// Where the directive was issued: the province(s) of the tree on its date. The
    /// office of that province manages the task; its Steering Committee follows it.
    pub home: &'a [UnitId],
    /// The lead, when it is a unit.
    pub lead_unit: Option<&'a UnitId>,
    /// The cooperating units.
    pub cooperating_units: Vec<&'a UnitId>,
    /// Whether the user belongs to the lead organisation.
    pub member_of_lead: bool,
    /// Whether the user belongs to a cooperating organisation.
    pub member_of_cooperating: bool,
    /// The year the task is judged in: that of its directive, so that the tree of the
    /// task's own dates decides (a district officer still sees its 2022 tasks in 2026).
    pub year: i32,
}

/// The decision for a task: may someone holding `grants` do `action` with it?
pub fn may_on_task(
    registry: &UnitRegistry,
    grants: &[Grant],
    action: TaskAction,
    task: &TaskParties<'_>,
) -> bool {
    let on = |action: Action, unit: &UnitId| can(registry, grants, action, unit, task.year);
    let at_home = |action: Action| task.home.iter().any(|h| on(action, h));
    match action {
        TaskAction::Manage => at_home(Action::ManageTasks),
        TaskAction::Report => {
            task.member_of_lead
                || at_home(Action::ManageTasks)
                || task.lead_unit.is_some_and(|u| on(Action::ReportOnTask, u))
        }
        TaskAction::See => {
            task.member_of_lead
                || task.member_of_cooperating
                || at_home(Action::FollowTasks)
                || task
                    .lead_unit
                    .into_iter()
                    .chain(task.cooperating_units.iter().copied())
                    .any(|u| on(Action::FollowTasks, u))
        }
    }
}

/// Whether the grants follow everything issued in `home` (every directive and task, the
/// rankings): the office and the Steering Committee of the province.
pub fn follows_all_tasks(
    registry: &UnitRegistry,
    grants: &[Grant],
    home: &[UnitId],
    year: i32,
) -> bool {
    home.iter()
        .any(|h| can(registry, grants, Action::FollowTasks, h, year))
}

/// Whether the grants allow an action that is not about one unit (user management,
/// criteria editing): only an administrator of a province (a unit without parent).
pub fn can_globally(registry: &UnitRegistry, grants: &[Grant], action: Action) -> bool {
    grants.iter().any(|g| {
        g.role == Role::Admin
            && matches!(
                action,
                Action::EditCriteria | Action::ManageUsers | Action::View
            )
            && registry
                .get(&g.unit)
                .is_some_and(|u| u.versions.iter().all(|v| v.parent.is_none()))
    })
}

/// Whether the grants let one read `unit` in some year of its life (pages about a unit
/// rather than a year, the audit log). Years after the registry's last change answer as
/// that year does, so the search ends there.
pub fn can_view_ever(registry: &UnitRegistry, grants: &[Grant], unit: &UnitId) -> bool {
    use chrono::Datelike;
    let Some(u) = registry.get(unit) else {
        return false;
    };
    let valid = u.valid();
    let horizon = registry
        .last_change()
        .map_or(valid.from.year(), |d| d.year())
        .max(valid.from.year());
    let last = valid.to.map_or(horizon, |t| t.year().min(horizon));
    (valid.from.year()..=last).any(|y| can(registry, grants, Action::View, unit, y))
}

/// Every unit the grants let one read in some year ([`can_view_ever`]).
pub fn ever_visible_units(registry: &UnitRegistry, grants: &[Grant]) -> BTreeSet<UnitId> {
    registry
        .units()
        .iter()
        .filter(|u| can_view_ever(registry, grants, &u.id))
        .map(|u| u.id.clone())
        .collect()
}

/// Every unit the grants let one read in `year`: what aggregates may be computed over.
pub fn visible_units(registry: &UnitRegistry, grants: &[Grant], year: i32) -> BTreeSet<UnitId> {
    registry
        .units()
        .iter()
        .filter(|u| u.valid().touches_year(year))
        .map(|u| u.id.clone())
        .filter(|id| can(registry, grants, Action::View, id, year))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{LineageEdge, LineageKind, Period, Unit, UnitType, UnitVersion};
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn unit(code: &str, from: &str, to: Option<&str>, t: UnitType, parent: Option<&str>) -> Unit {
        let valid = Period {
            from: d(from),
            to: to.map(d),
        };
        Unit {
            id: UnitId::new(code, valid.from),
            code: code.into(),
            level: t.level(),
            versions: vec![UnitVersion {
                valid,
                name: format!("{} {code}", t.as_vi()),
                unit_type: t,
                parent: parent.map(|p| UnitId::parse(p).unwrap()),
            }],
            source: "test".into(),
        }
    }

    /// Province 42 with districts 1 and 2 (until 2025-06-30), communes 11, 12 under 1 and
    /// 21 under 2; from 2025-07-01 commune 11 (new) took over 11 and 12.
    fn registry() -> UnitRegistry {
        let units = vec![
            unit("42", "2020-01-01", None, UnitType::Province, None),
            unit(
                "1",
                "2020-01-01",
                Some("2025-06-30"),
                UnitType::District,
                Some("42@2020-01-01"),
            ),
            unit(
                "2",
                "2020-01-01",
                Some("2025-06-30"),
                UnitType::District,
                Some("42@2020-01-01"),
            ),
            unit(
                "11",
                "2020-01-01",
                Some("2025-06-30"),
                UnitType::Commune,
                Some("1@2020-01-01"),
            ),
            unit(
                "12",
                "2020-01-01",
                Some("2025-06-30"),
                UnitType::Commune,
                Some("1@2020-01-01"),
            ),
            unit(
                "21",
                "2020-01-01",
                Some("2025-06-30"),
                UnitType::Commune,
                Some("2@2020-01-01"),
            ),
            unit(
                "11",
                "2025-07-01",
                None,
                UnitType::Commune,
                Some("42@2020-01-01"),
            ),
        ];
        let edge = |from: &str| LineageEdge {
            from: UnitId::parse(from).unwrap(),
            to: UnitId::parse("11@2025-07-01").unwrap(),
            effective: d("2025-07-01"),
            kind: LineageKind::Merged,
            basis: "test".into(),
        };
        UnitRegistry::build(
            units,
            vec![edge("11@2020-01-01"), edge("12@2020-01-01")],
            vec![],
        )
        .unwrap()
    }

    fn id(s: &str) -> UnitId {
        UnitId::parse(s).unwrap()
    }

    fn g(role: Role, unit: &str) -> Vec<Grant> {
        vec![Grant::new(role, id(unit))]
    }

    /// The office may stop a grant from carrying: then it covers its own unit only.
    #[test]
    fn a_grant_that_does_not_follow_stays_on_its_unit() {
        let r = registry();
        let mut grants = g(Role::CommuneOfficer, "12@2020-01-01");
        assert!(can(
            &r,
            &grants,
            Action::EnterValues,
            &id("11@2025-07-01"),
            2026
        ));
        grants[0].follows_successors = false;
        assert!(!can(
            &r,
            &grants,
            Action::EnterValues,
            &id("11@2025-07-01"),
            2026
        ));
        assert!(!can(&r, &grants, Action::View, &id("11@2020-01-01"), 2022));
        assert!(can(
            &r,
            &grants,
            Action::EnterValues,
            &id("12@2020-01-01"),
            2022
        ));
        assert_eq!(
            successor_scopes(&r, &id("12@2020-01-01")),
            vec![id("11@2025-07-01")]
        );
        assert!(successor_scopes(&r, &id("1@2020-01-01")).is_empty());
    }

    #[test]
    fn decision_table() {
        let r = registry();
        use Action::*;
        use Role::*;
        let cases: &[(Role, &str, Action, &str, i32, bool)] = &[
            (Admin, "42@2020-01-01", View, "21@2020-01-01", 2022, true),
            (Admin, "42@2020-01-01", Approve, "11@2025-07-01", 2026, true),
            (Admin, "42@2020-01-01", Reopen, "11@2020-01-01", 2022, true),
            (Viewer, "42@2020-01-01", View, "21@2020-01-01", 2022, true),
            (
                Viewer,
                "42@2020-01-01",
                EnterValues,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                Viewer,
                "42@2020-01-01",
                Approve,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                Department,
                "42@2020-01-01",
                View,
                "11@2020-01-01",
                2022,
                true,
            ),
            (
                Department,
                "42@2020-01-01",
                EnterValues,
                "11@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "11@2020-01-01",
                EnterValues,
                "11@2020-01-01",
                2022,
                true,
            ),
            // 12 merged with 11 into new 11, which the grant follows from 2025-07-01: it
            // still does not read its former sibling's past.
            (
                CommuneOfficer,
                "11@2020-01-01",
                View,
                "12@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "11@2020-01-01",
                EnterValues,
                "12@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "11@2020-01-01",
                Approve,
                "11@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "11@2020-01-01",
                View,
                "1@2020-01-01",
                2022,
                false,
            ),
            // A grant on a merged commune carries to the commune that took it over, from
            // the day it starts: old 12's officer enters and reports for new 11 ...
            (
                CommuneOfficer,
                "12@2020-01-01",
                EnterValues,
                "11@2025-07-01",
                2026,
                true,
            ),
            (
                CommuneOfficer,
                "12@2020-01-01",
                ReportOnTask,
                "11@2025-07-01",
                2025,
                true,
            ),
            // ... but not the past of the commune merged with its own, nor a commune
            // outside the merger, nor a successor before it exists.
            (
                CommuneOfficer,
                "12@2020-01-01",
                View,
                "11@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "12@2020-01-01",
                View,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "12@2020-01-01",
                EnterValues,
                "11@2025-07-01",
                2024,
                false,
            ),
            // A district (abolished, no successor) carries nowhere.
            (
                DistrictOfficer,
                "1@2020-01-01",
                EnterValues,
                "11@2025-07-01",
                2026,
                false,
            ),
            // A post-reform commune reads the history of the communes it took over ...
            (
                CommuneOfficer,
                "11@2025-07-01",
                View,
                "12@2020-01-01",
                2022,
                true,
            ),
            // ... but does not write it, nor read a commune it did not take over.
            (
                CommuneOfficer,
                "11@2025-07-01",
                EnterValues,
                "12@2020-01-01",
                2022,
                false,
            ),
            (
                CommuneOfficer,
                "11@2025-07-01",
                View,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                View,
                "12@2020-01-01",
                2022,
                true,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                Approve,
                "12@2020-01-01",
                2022,
                true,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                Approve,
                "12@2020-01-01",
                2025,
                false,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                Approve,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                View,
                "21@2020-01-01",
                2022,
                false,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                EnterValues,
                "1@2020-01-01",
                2022,
                true,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                EnterValues,
                "12@2020-01-01",
                2022,
                false,
            ),
            (
                DistrictOfficer,
                "1@2020-01-01",
                Approve,
                "1@2020-01-01",
                2022,
                false,
            ),
        ];
        for (role, scope, action, target, year, expected) in cases {
            assert_eq!(
                can(&r, &g(*role, scope), *action, &id(target), *year),
                *expected,
                "{role:?} on {scope} {action:?} {target} {year}"
            );
        }
    }

    #[test]
    fn only_a_province_administrator_acts_globally() {
        let r = registry();
        assert!(can_globally(
            &r,
            &g(Role::Admin, "42@2020-01-01"),
            Action::ManageUsers
        ));
        assert!(!can_globally(
            &r,
            &g(Role::Admin, "1@2020-01-01"),
            Action::ManageUsers
        ));
        assert!(!can_globally(
            &r,
            &g(Role::Viewer, "42@2020-01-01"),
            Action::EditCriteria
        ));
    }

    #[test]
    fn visible_units_of_a_commune_officer_are_the_commune_and_its_history() {
        let r = registry();
        let v = visible_units(&r, &g(Role::CommuneOfficer, "11@2025-07-01"), 2022);
        let ids: Vec<&str> = v.iter().map(|u| u.as_str()).collect();
        assert_eq!(ids, ["11@2020-01-01", "12@2020-01-01"]);
        assert!(visible_units(&r, &[], 2022).is_empty());
    }

    proptest! {
        #[test]
        fn a_grant_covers_its_descendants_and_never_a_sibling(role_i in 0usize..5, year in 2020i32..2025) {
            let r = registry();
            let role = Role::ALL[role_i];
            let grants = g(role, "1@2020-01-01");
            for inside in ["1@2020-01-01", "11@2020-01-01", "12@2020-01-01"] {
                prop_assert!(can(&r, &grants, Action::View, &id(inside), year));
            }
            for outside in ["2@2020-01-01", "21@2020-01-01", "42@2020-01-01"] {
                for action in Action::ALL {
                    prop_assert!(!can(&r, &grants, action, &id(outside), year), "{:?} {:?} {}", role, action, outside);
                }
            }
        }

        #[test]
        fn no_grant_allows_nothing(year in 2018i32..2030, action_i in 0usize..9) {
            let r = registry();
            let action = Action::ALL[action_i];
            for u in r.units() {
                prop_assert!(!can(&r, &[], action, &u.id, year));
            }
        }

        /// What a menu offers never exceeds what a request may do: if a grant allows an
        /// action on some unit in some year, its role "may" do it.
        #[test]
        fn role_may_covers_every_decision(role_i in 0usize..5, scope_i in 0usize..7, year in 2019i32..2028) {
            let r = registry();
            let role = Role::ALL[role_i];
            let scope = r.units()[scope_i % r.units().len()].id.clone();
            let grants = vec![Grant::new(role, scope)];
            for action in Action::ALL {
                for u in r.units() {
                    if can(&r, &grants, action, &u.id, year) {
                        prop_assert!(role_may(role, action), "{role:?} {action:?} on {}", u.id);
                    }
                }
            }
        }
    }

    fn parties<'a>(home: &'a [UnitId], lead: Option<&'a UnitId>, year: i32) -> TaskParties<'a> {
        TaskParties {
            home,
            lead_unit: lead,
            cooperating_units: Vec::new(),
            member_of_lead: false,
            member_of_cooperating: false,
            year,
        }
    }

    #[test]
    fn task_decisions_honour_the_unit_of_each_grant() {
        let r = registry();
        let home = [id("42@2020-01-01")];
        let c12 = id("12@2020-01-01");
        let c21 = id("21@2020-01-01");
        let of_12 = parties(&home, Some(&c12), 2022);
        let of_org = parties(&home, None, 2022);
        use TaskAction::*;
        let cases: &[(Role, &str, TaskAction, &TaskParties, bool)] = &[
            // The province's office manages and reports on everything issued there.
            (Role::Admin, "42@2020-01-01", Manage, &of_org, true),
            (Role::Admin, "42@2020-01-01", Report, &of_org, true),
            (Role::Admin, "42@2020-01-01", See, &of_12, true),
            // An administrator of one district follows its communes' tasks, and manages
            // nothing issued by the province.
            (Role::Admin, "1@2020-01-01", See, &of_12, true),
            (Role::Admin, "1@2020-01-01", Report, &of_12, true),
            (Role::Admin, "1@2020-01-01", Manage, &of_12, false),
            (Role::Admin, "1@2020-01-01", See, &of_org, false),
            // The Steering Committee of the province follows everything, changes nothing.
            (Role::Viewer, "42@2020-01-01", See, &of_org, true),
            (Role::Viewer, "42@2020-01-01", Report, &of_12, false),
            (Role::Viewer, "42@2020-01-01", Manage, &of_12, false),
            // A viewer of one commune sees that commune's tasks only.
            (Role::Viewer, "12@2020-01-01", See, &of_12, true),
            (Role::Viewer, "21@2020-01-01", See, &of_12, false),
            // 11 and 12 merged into new 11 in 2025: a grant on old 11 follows it from
            // then, not back into its former sibling's 2022 tasks.
            (Role::Viewer, "11@2020-01-01", See, &of_12, false),
            // A department sees tasks through its organisation, not through its grant.
            (Role::Department, "42@2020-01-01", See, &of_12, false),
            (Role::Department, "1@2020-01-01", See, &of_12, false),
            // A commune officer reports on its own commune's task, not a neighbour's.
            (Role::CommuneOfficer, "12@2020-01-01", Report, &of_12, true),
            (Role::CommuneOfficer, "21@2020-01-01", See, &of_12, false),
            (Role::CommuneOfficer, "11@2020-01-01", Report, &of_12, false),
            (Role::CommuneOfficer, "12@2020-01-01", Manage, &of_12, false),
            // The merged commune of 2025 sees its predecessors' tasks, reports on none.
            (Role::CommuneOfficer, "11@2025-07-01", See, &of_12, true),
            (Role::CommuneOfficer, "11@2025-07-01", Report, &of_12, false),
            // A district officer follows its communes, reports for the district itself.
            (Role::DistrictOfficer, "1@2020-01-01", See, &of_12, true),
            (Role::DistrictOfficer, "1@2020-01-01", Report, &of_12, false),
        ];
        for (role, scope, action, task, expected) in cases {
            assert_eq!(
                may_on_task(&r, &g(*role, scope), *action, task),
                *expected,
                "{role:?} on {scope} {action:?} {:?}",
                task.lead_unit
            );
        }
        // Membership of the lead organisation lets one see and report, not manage.
        let member = TaskParties {
            member_of_lead: true,
            ..parties(&home, None, 2022)
        };
        let dept = g(Role::Department, "42@2020-01-01");
        assert!(may_on_task(&r, &dept, See, &member));
        assert!(may_on_task(&r, &dept, Report, &member));
        assert!(!may_on_task(&r, &dept, Manage, &member));
        // A cooperating organisation sees the task and does not report on it.
        let coop = TaskParties {
            member_of_cooperating: true,
            ..parties(&home, None, 2022)
        };
        assert!(may_on_task(&r, &dept, See, &coop));
        assert!(!may_on_task(&r, &dept, Report, &coop));
        // A cooperating unit's officers see the task.
        let with_21 = TaskParties {
            cooperating_units: vec![&c21],
            ..parties(&home, Some(&c12), 2022)
        };
        assert!(may_on_task(
            &r,
            &g(Role::CommuneOfficer, "21@2020-01-01"),
            See,
            &with_21
        ));
        assert!(!may_on_task(
            &r,
            &g(Role::CommuneOfficer, "21@2020-01-01"),
            Report,
            &with_21
        ));
        // Following everything is the province's, not a district's.
        assert!(follows_all_tasks(
            &r,
            &g(Role::Viewer, "42@2020-01-01"),
            &home,
            2022
        ));
        assert!(!follows_all_tasks(
            &r,
            &g(Role::Admin, "1@2020-01-01"),
            &home,
            2022
        ));
    }

    #[test]
    fn menus_offer_what_a_role_may_do_somewhere() {
        assert!(holds(
            &g(Role::CommuneOfficer, "11@2020-01-01"),
            Action::EnterValues
        ));
        assert!(!holds(
            &g(Role::CommuneOfficer, "11@2020-01-01"),
            Action::Approve
        ));
        assert!(holds(
            &g(Role::DistrictOfficer, "1@2020-01-01"),
            Action::Approve
        ));
        assert!(!holds(
            &g(Role::Viewer, "42@2020-01-01"),
            Action::EnterValues
        ));
        assert!(!holds(
            &g(Role::Department, "42@2020-01-01"),
            Action::FollowTasks
        ));
        assert!(!holds(&[], Action::View));
    }

    /// A sponsorship is read by the members of its organisation and by whoever reads its
    /// commune other than through a department's grant (the beneficiary commune, its
    /// successor after the reform, its district then, the province); a department with a
    /// province-wide grant sees only its own organisations' money.
    #[test]
    fn who_sees_a_sponsorship() {
        let r = registry();
        let unit = id("12@2020-01-01");
        let table: [(Vec<Grant>, Vec<i64>, bool); 9] = [
            (g(Role::Admin, "42@2020-01-01"), vec![], true),
            (g(Role::Viewer, "42@2020-01-01"), vec![], true),
            (g(Role::Department, "42@2020-01-01"), vec![], false),
            (g(Role::Department, "42@2020-01-01"), vec![7], true),
            (g(Role::Department, "42@2020-01-01"), vec![8], false),
            (vec![], vec![7], true),
            (g(Role::CommuneOfficer, "12@2020-01-01"), vec![], true),
            (g(Role::CommuneOfficer, "11@2025-07-01"), vec![], true),
            (g(Role::CommuneOfficer, "21@2020-01-01"), vec![], false),
        ];
        for (grants, orgs, want) in table {
            assert_eq!(
                may_see_sponsorship(&r, &grants, &orgs, 7, &unit, 2022),
                want,
                "{grants:?} {orgs:?}"
            );
        }
        assert!(may_manage_resources(
            &r,
            &g(Role::Admin, "42@2020-01-01"),
            &id("42@2020-01-01"),
            2026
        ));
        assert!(!may_manage_resources(
            &r,
            &g(Role::Viewer, "42@2020-01-01"),
            &id("42@2020-01-01"),
            2026
        ));
        assert!(may_enter_funds(
            &r,
            &g(Role::CommuneOfficer, "12@2020-01-01"),
            &unit,
            2022
        ));
        assert!(!may_enter_funds(
            &r,
            &g(Role::CommuneOfficer, "21@2020-01-01"),
            &unit,
            2022
        ));
    }
}
