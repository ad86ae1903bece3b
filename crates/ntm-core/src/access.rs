//! Who may do what, where: roles granted on a unit's subtree, decided by pure functions.
//!
//! A grant is (role, unit). It covers the unit and every unit below it as the tree stood
//! in the year concerned, and — for reading — the units the granted unit took over
//! through the lineage (a post-reform commune sees its predecessors' history). It never
//! covers a sibling. Every route, form, API call and aggregate asks [`can`] or
//! [`visible_units`]; nothing else decides.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use crate::unit::{UnitId, UnitRegistry};

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
    let inside = in_subtree(registry, &grant.unit, target, year);
    let readable = inside || in_history(registry, &grant.unit, target);
    match (grant.role, action) {
        (_, Action::View) => readable,
        (Role::Admin, _) => inside,
        (Role::CommuneOfficer, Action::EnterValues) => inside,
        (Role::DistrictOfficer, Action::EnterValues) => &grant.unit == target,
        (Role::DistrictOfficer, Action::Approve) => {
            inside && &grant.unit != target && year <= LAST_DISTRICT_YEAR
        }
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

/// Whether the grants allow an action that is not about one unit (user management,
/// criteria editing): only an administrator of a province (a unit without parent).
pub fn can_globally(registry: &UnitRegistry, grants: &[Grant], action: Action) -> bool {
    grants.iter().any(|g| {
        g.role == Role::Admin
            && matches!(
                action,
                Action::EditCriteria
                    | Action::ManageUsers
                    | Action::View
                    | Action::Reopen
                    | Action::Approve
            )
            && registry
                .get(&g.unit)
                .is_some_and(|u| u.versions.iter().all(|v| v.parent.is_none()))
    })
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
        vec![Grant {
            role,
            unit: id(unit),
        }]
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
                for action in [Action::View, Action::EnterValues, Action::Approve, Action::Reopen, Action::EditCriteria, Action::ManageUsers] {
                    prop_assert!(!can(&r, &grants, action, &id(outside), year), "{:?} {:?} {}", role, action, outside);
                }
            }
        }

        #[test]
        fn no_grant_allows_nothing(year in 2018i32..2030, action_i in 0usize..6) {
            let r = registry();
            let action = [Action::View, Action::EnterValues, Action::Approve, Action::Reopen, Action::EditCriteria, Action::ManageUsers][action_i];
            for u in r.units() {
                prop_assert!(!can(&r, &[], action, &u.id, year));
            }
        }
    }
}
