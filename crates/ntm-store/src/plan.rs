//! What a write changes and which audit entries it gets, decided without SQL.
//!
//! Both backends load the stored state inside their transaction, hand it to these
//! functions, and write exactly what the plan says; that is how SQLite and PostgreSQL agree
//! on "unchanged", on the audit texts and on the counts. Nothing here touches a database.
//!
//! Invariants:
//! - Duplicate keys within one batch: the last occurrence wins, at the position of the
//!   first one; the summary counts each key once.
//! - Every inserted or updated row gets exactly one audit entry; unchanged rows get none.
//! - Audit texts of accounts name users, roles and token names, never a password or token
//!   hash.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use crate::{
    GrantRecord, NewUser, SeenValue, StaleValue, StoreError, StoreResult, SubmissionRecord,
    UnitBatch, ValueNow, ValueWrite, WriteSummary, unit_summary, value_target_id,
};
use chrono::{DateTime, NaiveDate, Utc};
use ntm_core::UnitId;
use ntm_core::unit::{
    AttributeKey, LineageEdge, LineageKind, Unit, UnitAttribute, UnitLevel, UnitType,
};
use ntm_core::workflow::Status;

/// One audit entry to write; actor, time and reason come from the write's `AuditContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub action: &'static str,
    pub target_kind: &'static str,
    pub target_id: String,
    pub unit_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The rows a unit import writes, each to be upserted, and their audit entries.
#[derive(Debug, Default)]
pub struct UnitPlan<'a> {
    /// Units whose row is upserted and whose versions are replaced.
    pub units: Vec<&'a Unit>,
    pub edges: Vec<&'a LineageEdge>,
    pub attributes: Vec<&'a UnitAttribute>,
    pub audits: Vec<NewAudit>,
    pub summary: WriteSummary,
}

impl UnitPlan<'_> {
    /// Whether the import writes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty() && self.edges.is_empty() && self.attributes.is_empty()
    }
}

/// Compares `batch` with what is stored and decides what to write. A reference (parent,
/// lineage end, attribute owner) to a unit neither stored nor in the batch is a conflict,
/// reported before anything is written so the message can name it; so is a unit without
/// versions, which has no validity to store.
pub fn plan_units<'a>(batch: &'a UnitBatch, stored: &UnitBatch) -> StoreResult<UnitPlan<'a>> {
    let empty: Vec<&str> = batch
        .units
        .iter()
        .filter(|u| u.versions.is_empty())
        .map(|u| u.id.as_str())
        .collect();
    if !empty.is_empty() {
        return Err(units_conflict("đơn vị không có phiên bản nào", empty));
    }
    let known: HashSet<&UnitId> = stored
        .units
        .iter()
        .chain(&batch.units)
        .map(|u| &u.id)
        .collect();
    let references = batch
        .units
        .iter()
        .flat_map(|u| u.versions.iter().filter_map(|v| v.parent.as_ref()))
        .chain(batch.edges.iter().flat_map(|e| [&e.from, &e.to]))
        .chain(batch.attributes.iter().map(|a| &a.unit));
    let unknown: Vec<&str> = references
        .filter(|id| !known.contains(id))
        .map(|id| id.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(units_conflict(
            "dữ liệu đơn vị tham chiếu tới đơn vị không tồn tại",
            unknown,
        ));
    }

    let mut plan = UnitPlan::default();

    let stored_units: HashMap<&UnitId, &Unit> = stored.units.iter().map(|u| (&u.id, u)).collect();
    for unit in last_wins(&batch.units, |u| u.id.clone()) {
        let before = stored_units.get(&unit.id);
        if before.is_some_and(|b| *b == unit) {
            plan.summary.unchanged += 1;
            continue;
        }
        count(&mut plan.summary, before.is_none());
        plan.audits.push(NewAudit {
            action: if before.is_none() {
                "unit.create"
            } else {
                "unit.update"
            },
            target_kind: "unit",
            target_id: unit.id.to_string(),
            unit_id: Some(unit.id.to_string()),
            before: before.map(|b| unit_summary(b)),
            after: Some(unit_summary(unit)),
        });
        plan.units.push(unit);
    }

    let stored_edges: HashMap<(&UnitId, &UnitId), &LineageEdge> =
        stored.edges.iter().map(|e| ((&e.from, &e.to), e)).collect();
    for edge in last_wins(&batch.edges, |e| (e.from.clone(), e.to.clone())) {
        let before = stored_edges.get(&(&edge.from, &edge.to));
        if before.is_some_and(|b| *b == edge) {
            plan.summary.unchanged += 1;
            continue;
        }
        count(&mut plan.summary, before.is_none());
        plan.audits.push(NewAudit {
            action: if before.is_none() {
                "lineage.create"
            } else {
                "lineage.update"
            },
            target_kind: "lineage",
            target_id: format!("{}→{}", edge.from, edge.to),
            // The unit that ended is the one whose history the edge belongs to.
            unit_id: Some(edge.from.to_string()),
            before: before.map(|b| edge_summary(b)),
            after: Some(edge_summary(edge)),
        });
        plan.edges.push(edge);
    }

    let stored_attributes: HashMap<(&UnitId, AttributeKey, NaiveDate), &UnitAttribute> = stored
        .attributes
        .iter()
        .map(|a| ((&a.unit, a.key, a.valid.from), a))
        .collect();
    for attribute in last_wins(&batch.attributes, |a| (a.unit.clone(), a.key, a.valid.from)) {
        let before = stored_attributes.get(&(&attribute.unit, attribute.key, attribute.valid.from));
        if before.is_some_and(|b| *b == attribute) {
            plan.summary.unchanged += 1;
            continue;
        }
        count(&mut plan.summary, before.is_none());
        plan.audits.push(NewAudit {
            action: if before.is_none() {
                "attribute.create"
            } else {
                "attribute.update"
            },
            target_kind: "attribute",
            target_id: attribute_target_id(attribute),
            unit_id: Some(attribute.unit.to_string()),
            before: before.map(|b| attribute_summary(b)),
            after: Some(attribute_summary(attribute)),
        });
        plan.attributes.push(attribute);
    }
    Ok(plan)
}

/// The audit entry of version `version` of criteria set `id`.
pub fn criteria_set_audit(id: &str, version: i64) -> NewAudit {
    NewAudit {
        action: if version == 1 {
            "criteria_set.create"
        } else {
            "criteria_set.update"
        },
        target_kind: "criteria_set",
        target_id: id.to_owned(),
        unit_id: None,
        before: (version > 1).then(|| format!("phiên bản {}", version - 1)),
        after: Some(format!("phiên bản {version}")),
    }
}

/// A conflict naming up to five of `ids` (sorted, without repeats).
fn units_conflict(what: &str, mut ids: Vec<&str>) -> StoreError {
    ids.sort_unstable();
    ids.dedup();
    let shown = ids.iter().take(5).copied().collect::<Vec<_>>().join(", ");
    let more = match ids.len().saturating_sub(5) {
        0 => String::new(),
        n => format!(" và {n} đơn vị khác"),
    };
    StoreError::Conflict(format!("{what}: {shown}{more}; không có gì được ghi"))
}

/// The audit target id of an attribute: `unit|key|valid_from`.
pub fn attribute_target_id(attribute: &UnitAttribute) -> String {
    format!(
        "{}|{}|{}",
        attribute.unit,
        attribute.key.as_str(),
        attribute.valid.from
    )
}

fn edge_summary(edge: &LineageEdge) -> String {
    format!(
        "{} từ {} ({})",
        edge.kind.label_vi(),
        edge.effective,
        edge.basis
    )
}

fn attribute_summary(attribute: &UnitAttribute) -> String {
    format!(
        "{} {} ({}){}",
        attribute.value,
        attribute.valid,
        attribute.source,
        if attribute.illustrative {
            ", minh hoạ"
        } else {
            ""
        }
    )
}

/// The stored value, note and demo flag of one indicator value, and who wrote it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    pub value: String,
    pub note: Option<String>,
    pub illustrative: bool,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

/// The values that changed since the writer saw them: [`StoreError::Stale`] listing them,
/// or nothing.
pub fn check_seen(seen: &[SeenValue], stored: &HashMap<ValueKey, StoredValue>) -> StoreResult<()> {
    let stale: Vec<StaleValue> = seen
        .iter()
        .filter_map(|s| {
            let key = (s.unit_id.to_string(), s.year, s.indicator_id.clone());
            let now = stored.get(&key);
            let same = match (now, &s.value) {
                (None, None) => true,
                (Some(n), Some(v)) => n.value == *v && n.note == s.note,
                _ => false,
            };
            (!same).then(|| StaleValue {
                unit_id: s.unit_id.clone(),
                year: s.year,
                indicator_id: s.indicator_id.clone(),
                now: now.map(|n| ValueNow {
                    value: n.value.clone(),
                    note: n.note.clone(),
                    entered_by: n.entered_by.clone(),
                    entered_at: n.entered_at,
                }),
            })
        })
        .collect();
    if stale.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Stale(stale))
    }
}

/// For a write that is an edit in the approval workflow: refuses it if a unit-year it
/// writes is submitted (`Conflict`, naming them), and returns the unit-years that were
/// returned, which the edit makes drafts again. `statuses` holds the recorded status of
/// the unit-years of the write's years (a unit-year without a record is a draft).
pub fn check_editable(
    writes: &[ValueWrite],
    statuses: &HashMap<(String, i32), String>,
) -> StoreResult<Vec<(UnitId, i32)>> {
    let mut submitted = BTreeSet::new();
    let mut returned = BTreeSet::new();
    for w in writes {
        let key = (w.unit_id.to_string(), w.year);
        match statuses.get(&key).and_then(|s| Status::parse(s)) {
            Some(Status::Submitted) => {
                submitted.insert(key);
            }
            Some(Status::Returned) => {
                returned.insert((w.unit_id.clone(), w.year));
            }
            _ => {}
        }
    }
    if !submitted.is_empty() {
        let shown: Vec<String> = submitted
            .iter()
            .take(5)
            .map(|(unit, year)| format!("{unit} năm {year}"))
            .collect();
        let more = match submitted.len().saturating_sub(5) {
            0 => String::new(),
            n => format!(" và {n} đơn vị-năm khác"),
        };
        return Err(StoreError::Conflict(format!(
            "số liệu của {}{more} đã gửi duyệt, đang chờ duyệt; không sửa được (không có gì được ghi)",
            shown.join(", ")
        )));
    }
    Ok(returned.into_iter().collect())
}

/// Refuses a new status when the unit-year's current one (`None`: no record, a draft) is
/// not among `from`: another user moved it since it was read.
pub fn check_status_from(
    record: &SubmissionRecord,
    current: Option<&str>,
    from: Option<&[Status]>,
) -> StoreResult<()> {
    let Some(from) = from else {
        return Ok(());
    };
    let now = current.and_then(Status::parse).unwrap_or(Status::Draft);
    if from.contains(&now) {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "số liệu của {} năm {} vừa chuyển sang trạng thái “{}”; hãy tải lại trang",
            record.unit_id,
            record.year,
            now.label_vi()
        )))
    }
}

/// `(unit id, year, indicator id)`, the key of a stored value.
pub type ValueKey = (String, i32, String);

/// The values a write upserts and their audit entries.
#[derive(Debug, Default)]
pub struct ValuePlan<'a> {
    pub upserts: Vec<&'a ValueWrite>,
    pub audits: Vec<NewAudit>,
    pub summary: WriteSummary,
}

/// Compares `writes` with the stored values of the same keys (`stored` may hold more) and
/// decides what to write. A value for a unit not in `known_units` is a conflict, reported
/// before anything is written so the message can name the units.
pub fn plan_values<'a>(
    writes: &'a [ValueWrite],
    stored: &HashMap<ValueKey, StoredValue>,
    known_units: &HashSet<String>,
) -> StoreResult<ValuePlan<'a>> {
    let unknown: Vec<&str> = writes
        .iter()
        .map(|w| w.unit_id.as_str())
        .filter(|id| !known_units.contains(*id))
        .collect();
    if !unknown.is_empty() {
        return Err(units_conflict(
            "giá trị gán cho đơn vị không tồn tại",
            unknown,
        ));
    }

    let mut plan = ValuePlan::default();
    for write in last_wins(writes, |w| {
        (w.unit_id.clone(), w.year, w.indicator_id.clone())
    }) {
        let key = (
            write.unit_id.to_string(),
            write.year,
            write.indicator_id.clone(),
        );
        let target_id = value_target_id(&write.unit_id, write.year, &write.indicator_id);
        let unit_id = Some(write.unit_id.to_string());
        match stored.get(&key) {
            Some(old)
                if old.value == write.value
                    && old.note == write.note
                    && old.illustrative == write.illustrative =>
            {
                plan.summary.unchanged += 1;
                continue;
            }
            Some(old) => {
                plan.summary.updated += 1;
                // Without the note, a note-only change would read "85 → 85"; without the
                // flag, a demo value taken over as real would too.
                let notes_differ = old.note != write.note;
                let flags_differ = old.illustrative != write.illustrative;
                plan.audits.push(NewAudit {
                    action: "value.update",
                    target_kind: "value",
                    target_id,
                    unit_id,
                    before: Some(value_text(
                        &old.value,
                        old.note.as_deref(),
                        notes_differ,
                        flags_differ && old.illustrative,
                    )),
                    after: Some(value_text(
                        &write.value,
                        write.note.as_deref(),
                        notes_differ,
                        flags_differ && write.illustrative,
                    )),
                });
            }
            None => {
                plan.summary.inserted += 1;
                plan.audits.push(NewAudit {
                    action: "value.create",
                    target_kind: "value",
                    target_id,
                    unit_id,
                    before: None,
                    after: Some(value_text(&write.value, None, false, write.illustrative)),
                });
            }
        }
        plan.upserts.push(write);
    }
    Ok(plan)
}

fn value_text(value: &str, note: Option<&str>, with_note: bool, illustrative: bool) -> String {
    let text = match note {
        Some(note) if with_note => format!("{value} (ghi chú: {note})"),
        None if with_note => format!("{value} (không ghi chú)"),
        _ => value.to_owned(),
    };
    if illustrative {
        format!("{text} [số liệu minh họa]")
    } else {
        text
    }
}

/// The items of `items`, one per key: the last occurrence wins, placed where the key first
/// appeared (so a batch keeps its order).
fn last_wins<T, K: Hash + Eq>(items: &[T], key: impl Fn(&T) -> K) -> Vec<&T> {
    let mut position: HashMap<K, usize> = HashMap::with_capacity(items.len());
    let mut out: Vec<&T> = Vec::with_capacity(items.len());
    for item in items {
        match position.get(&key(item)) {
            Some(&i) => out[i] = item,
            None => {
                position.insert(key(item), out.len());
                out.push(item);
            }
        }
    }
    out
}

fn count(summary: &mut WriteSummary, inserted: bool) {
    if inserted {
        summary.inserted += 1;
    } else {
        summary.updated += 1;
    }
}

// ---------------------------------------------------------------------------------------
// Accounts: users, grants, tokens. Audit texts never hold a password or token hash.
// ---------------------------------------------------------------------------------------

/// `grants` sorted and without repeats: how they are stored and how `list_grants` returns
/// them.
/// Sorted, one per (role, unit): a role named twice on a unit is one grant, which follows
/// the unit's successors if either said so.
pub fn normalize_grants(grants: &[GrantRecord]) -> Vec<GrantRecord> {
    let mut grants = grants.to_vec();
    grants.sort_by(|a, b| (&a.role, &a.unit_id).cmp(&(&b.role, &b.unit_id)));
    grants.dedup_by(|later, kept| {
        let same = later.role == kept.role && later.unit_id == kept.unit_id;
        if same {
            kept.follows_successors |= later.follows_successors;
        }
        same
    });
    grants
}

/// A conflict when a grant names a unit not in `known_units`, naming the units; checked
/// before anything is written.
pub fn check_grant_units(grants: &[GrantRecord], known_units: &HashSet<String>) -> StoreResult<()> {
    let unknown: Vec<&str> = grants
        .iter()
        .map(|g| g.unit_id.as_str())
        .filter(|id| !known_units.contains(*id))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(units_conflict(
            "quyền gán trên đơn vị không tồn tại",
            unknown,
        ))
    }
}

/// The conflict of creating a user whose username is taken.
pub fn username_taken(username: &str) -> StoreError {
    StoreError::Conflict(format!("tên đăng nhập \"{username}\" đã tồn tại"))
}

/// The error of a user id that names no user.
pub fn user_not_found(id: i64) -> StoreError {
    StoreError::NotFound(format!("không có người dùng với mã {id}"))
}

/// The error of a token id that names no token of the user.
pub fn token_not_found(user_id: i64, token_id: i64) -> StoreError {
    StoreError::NotFound(format!(
        "người dùng {user_id} không có mã truy cập {token_id}"
    ))
}

/// The audit text of a set of grants (sorted): `role tại unit, …`, or `không có quyền`.
pub fn grants_text(grants: &[GrantRecord]) -> String {
    if grants.is_empty() {
        return "không có quyền".to_owned();
    }
    normalize_grants(grants)
        .iter()
        .map(|g| {
            format!(
                "{} tại {}{}",
                g.role,
                g.unit_id,
                if g.follows_successors {
                    ""
                } else {
                    " (không chuyển sang đơn vị kế thừa)"
                }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn user_audit(action: &'static str, username: &str) -> NewAudit {
    NewAudit {
        action,
        target_kind: "user",
        target_id: username.to_owned(),
        unit_id: None,
        before: None,
        after: None,
    }
}

/// `user.create`: the full name and the grants.
pub fn user_create_audit(user: &NewUser) -> NewAudit {
    NewAudit {
        after: Some(format!(
            "{}; quyền: {}",
            user.full_name,
            grants_text(&user.grants)
        )),
        ..user_audit("user.create", &user.username)
    }
}

/// `user.password`: that the password changed, never the hash.
pub fn password_audit(username: &str) -> NewAudit {
    NewAudit {
        after: Some("đã đặt mật khẩu mới; các phiên đăng nhập bị hủy".to_owned()),
        ..user_audit("user.password", username)
    }
}

fn account_state(disabled: bool) -> String {
    if disabled {
        "bị khóa"
    } else {
        "đang hoạt động"
    }
    .to_owned()
}

/// `user.disable` or `user.enable`, with the old and the new state.
pub fn disabled_audit(username: &str, was_disabled: bool, disabled: bool) -> NewAudit {
    NewAudit {
        before: Some(account_state(was_disabled)),
        after: Some(account_state(disabled)),
        ..user_audit(
            if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            username,
        )
    }
}

/// `user.email`, with the old and the new address.
pub fn email_audit(username: &str, before: Option<&str>, after: Option<&str>) -> NewAudit {
    let text = |e: Option<&str>| e.unwrap_or("(không có)").to_owned();
    NewAudit {
        before: Some(text(before)),
        after: Some(text(after)),
        ..user_audit("user.email", username)
    }
}

/// `user.grants`, with the old and the new grants.
pub fn grants_audit(username: &str, before: &[GrantRecord], after: &[GrantRecord]) -> NewAudit {
    NewAudit {
        before: Some(grants_text(before)),
        after: Some(grants_text(after)),
        ..user_audit("user.grants", username)
    }
}

fn token_text(name: &str, username: &str) -> String {
    format!("{name} (của {username})")
}

/// `token.create`: the token's name and owner, never the hash.
pub fn token_create_audit(token_id: i64, name: &str, username: &str) -> NewAudit {
    NewAudit {
        action: "token.create",
        target_kind: "token",
        target_id: token_id.to_string(),
        unit_id: None,
        before: None,
        after: Some(token_text(name, username)),
    }
}

/// `token.delete`: the deleted token's name and owner.
pub fn token_delete_audit(token_id: i64, name: &str, username: &str) -> NewAudit {
    NewAudit {
        action: "token.delete",
        target_kind: "token",
        target_id: token_id.to_string(),
        unit_id: None,
        before: Some(token_text(name, username)),
        after: None,
    }
}

// ---------------------------------------------------------------------------------------
// Approval workflow
// ---------------------------------------------------------------------------------------

/// The audit target id of a submission: `unit|year`.
pub fn submission_target_id(unit_id: &UnitId, year: i32) -> String {
    format!("{unit_id}|{year}")
}

/// The conflict of a submission for a unit that does not exist.
pub fn unknown_submission_unit(unit_id: &UnitId) -> StoreError {
    units_conflict(
        "trạng thái duyệt gán cho đơn vị không tồn tại",
        vec![unit_id.as_str()],
    )
}

/// The audit entry `submission.<status>` of recording `record` over the previous status
/// `before` (`None` when the unit-year had no record). The after text is the new status,
/// followed by ` — <comment>` when there is one. A status that
/// `ntm_core::workflow::Status` does not know is an error: nothing is written.
pub fn submission_audit(record: &SubmissionRecord, before: Option<&str>) -> StoreResult<NewAudit> {
    let status = Status::parse(&record.status).ok_or_else(|| {
        StoreError::Other(anyhow::anyhow!(
            "unknown submission status {:?}",
            record.status
        ))
    })?;
    let action = match status {
        Status::Draft => "submission.draft",
        Status::Submitted => "submission.submitted",
        Status::Approved => "submission.approved",
        Status::Returned => "submission.returned",
    };
    let after = match &record.comment {
        Some(comment) => format!("{} — {comment}", status.as_str()),
        None => status.as_str().to_owned(),
    };
    Ok(NewAudit {
        action,
        target_kind: "submission",
        target_id: submission_target_id(&record.unit_id, record.year),
        unit_id: Some(record.unit_id.to_string()),
        before: before.map(str::to_owned),
        after: Some(after),
    })
}

/// A conflict when a write touches a unit-year in `approved` (the `(unit id, year)` keys
/// whose submission is approved, and so locked), naming up to five of them; checked
/// before anything is written.
pub fn check_unlocked(writes: &[ValueWrite], approved: &HashSet<(String, i32)>) -> StoreResult<()> {
    if approved.is_empty() {
        return Ok(());
    }
    let mut locked: Vec<(&str, i32)> = writes
        .iter()
        .map(|w| (w.unit_id.as_str(), w.year))
        .filter(|(unit, year)| approved.contains(&((*unit).to_owned(), *year)))
        .collect();
    if locked.is_empty() {
        return Ok(());
    }
    locked.sort_unstable();
    locked.dedup();
    let shown = locked
        .iter()
        .take(5)
        .map(|(unit, year)| format!("{unit} năm {year}"))
        .collect::<Vec<_>>()
        .join(", ");
    let more = match locked.len().saturating_sub(5) {
        0 => String::new(),
        n => format!(" và {n} đơn vị-năm khác"),
    };
    Err(StoreError::Conflict(format!(
        "số liệu của {shown}{more} đã được duyệt và khóa; không có gì được ghi"
    )))
}

// Parsing of the enum-like columns. A value that does not parse means the database was
// written by something else than this code; the error names table, column and value.

pub fn parse_unit_id(text: &str, column: &str) -> StoreResult<UnitId> {
    UnitId::parse(text).ok_or_else(|| bad_column(column, text))
}

pub fn parse_level(text: &str) -> StoreResult<UnitLevel> {
    UnitLevel::parse(text).ok_or_else(|| bad_column("units.level", text))
}

pub fn parse_unit_type(text: &str) -> StoreResult<UnitType> {
    UnitType::parse(text).ok_or_else(|| bad_column("unit_versions.unit_type", text))
}

pub fn parse_kind(text: &str) -> StoreResult<LineageKind> {
    LineageKind::parse(text).ok_or_else(|| bad_column("unit_lineage.kind", text))
}

pub fn parse_key(text: &str) -> StoreResult<AttributeKey> {
    AttributeKey::parse(text).ok_or_else(|| bad_column("unit_attributes.key", text))
}

fn bad_column(column: &str, text: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!(
        "unreadable value {text:?} in column {column}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(unit: &str, indicator: &str, value: &str, note: Option<&str>) -> ValueWrite {
        ValueWrite {
            unit_id: UnitId::parse(unit).expect("test id"),
            year: 2024,
            indicator_id: indicator.into(),
            value: value.into(),
            note: note.map(Into::into),
            illustrative: false,
        }
    }

    #[test]
    fn duplicate_keys_keep_the_last_write_at_the_first_position() {
        let writes = [
            write("1@2020-01-01", "a", "1", None),
            write("1@2020-01-01", "b", "2", None),
            write("1@2020-01-01", "a", "3", None),
        ];
        let known = HashSet::from(["1@2020-01-01".to_owned()]);
        let plan = plan_values(&writes, &HashMap::new(), &known).expect("known unit");
        let values: Vec<&str> = plan.upserts.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["3", "2"]);
        assert_eq!(
            plan.summary,
            WriteSummary {
                inserted: 2,
                updated: 0,
                unchanged: 0
            }
        );
    }

    #[test]
    fn a_note_only_change_shows_the_notes() {
        let writes = [write("1@2020-01-01", "a", "85", Some("mới"))];
        let stored = HashMap::from([(
            ("1@2020-01-01".to_owned(), 2024, "a".to_owned()),
            StoredValue {
                value: "85".into(),
                note: None,
                illustrative: false,
                entered_by: "x".into(),
                entered_at: DateTime::UNIX_EPOCH,
            },
        )]);
        let known = HashSet::from(["1@2020-01-01".to_owned()]);
        let plan = plan_values(&writes, &stored, &known).expect("known unit");
        assert_eq!(plan.audits[0].before.as_deref(), Some("85 (không ghi chú)"));
        assert_eq!(plan.audits[0].after.as_deref(), Some("85 (ghi chú: mới)"));
    }

    #[test]
    fn a_value_changed_since_it_was_seen_is_stale() {
        let unit = UnitId::parse("1@2020-01-01").unwrap();
        let stored = HashMap::from([(
            ("1@2020-01-01".to_owned(), 2024, "a".to_owned()),
            StoredValue {
                value: "85".into(),
                note: None,
                illustrative: false,
                entered_by: "xa".into(),
                entered_at: DateTime::UNIX_EPOCH,
            },
        )]);
        let seen = |indicator: &str, value: Option<&str>| SeenValue {
            unit_id: unit.clone(),
            year: 2024,
            indicator_id: indicator.into(),
            value: value.map(Into::into),
            note: None,
        };
        // (what the writer saw, stale?)
        for (s, stale) in [
            (seen("a", Some("85")), false),
            (seen("a", Some("80")), true),
            (seen("a", None), true),
            (seen("b", None), false),
            (seen("b", Some("1")), true),
        ] {
            let r = check_seen(std::slice::from_ref(&s), &stored);
            assert_eq!(r.is_err(), stale, "{s:?}");
        }
        let Err(StoreError::Stale(v)) = check_seen(&[seen("a", Some("80"))], &stored) else {
            panic!("stale")
        };
        assert_eq!(
            v[0].now
                .as_ref()
                .map(|n| (n.value.as_str(), n.entered_by.as_str())),
            Some(("85", "xa"))
        );
    }

    #[test]
    fn an_edit_is_refused_on_submitted_and_reopens_returned() {
        let writes = [
            write("1@2020-01-01", "a", "1", None),
            write("2@2020-01-01", "a", "1", None),
        ];
        let statuses = |s1: &str, s2: &str| {
            HashMap::from([
                (("1@2020-01-01".to_owned(), 2024), s1.to_owned()),
                (("2@2020-01-01".to_owned(), 2024), s2.to_owned()),
            ])
        };
        assert_eq!(
            check_editable(&writes, &statuses("draft", "draft")).unwrap(),
            []
        );
        let back = check_editable(&writes, &statuses("returned", "draft")).unwrap();
        assert_eq!(back, [(UnitId::parse("1@2020-01-01").unwrap(), 2024)]);
        let e = check_editable(&writes, &statuses("returned", "submitted")).unwrap_err();
        assert!(e.to_string().contains("2@2020-01-01 năm 2024"), "{e}");
        assert!(
            check_editable(&writes, &HashMap::new()).is_ok(),
            "no record: drafts"
        );
    }

    #[test]
    fn a_status_moved_by_someone_else_is_refused() {
        let record = SubmissionRecord {
            unit_id: UnitId::parse("1@2020-01-01").unwrap(),
            year: 2024,
            status: "approved".into(),
            updated_at: DateTime::UNIX_EPOCH,
            updated_by: "so".into(),
            comment: None,
        };
        let from = [Status::Submitted];
        assert!(check_status_from(&record, Some("submitted"), Some(&from)).is_ok());
        let e = check_status_from(&record, Some("returned"), Some(&from)).unwrap_err();
        assert!(
            e.to_string().contains("Đã trả lại") || e.to_string().contains("trả lại"),
            "{e}"
        );
        assert!(
            check_status_from(&record, None, Some(&from)).is_err(),
            "no record is a draft"
        );
        assert!(check_status_from(&record, Some("returned"), None).is_ok());
    }

    #[test]
    fn a_demo_value_written_again_by_a_person_becomes_real() {
        let note = Some("Số liệu minh họa (demo), không phải số liệu chính thức");
        let stored = HashMap::from([(
            ("1@2020-01-01".to_owned(), 2024, "a".to_owned()),
            StoredValue {
                value: "85".into(),
                note: note.map(Into::into),
                illustrative: true,
                entered_by: "ntm demo".into(),
                entered_at: DateTime::UNIX_EPOCH,
            },
        )]);
        let known = HashSet::from(["1@2020-01-01".to_owned()]);
        // Same value and note, but not demo material any more: a change, and the audit
        // says which side was the demo's.
        let writes = [write("1@2020-01-01", "a", "85", note)];
        let plan = plan_values(&writes, &stored, &known).expect("known unit");
        assert_eq!(plan.summary.updated, 1);
        assert_eq!(
            plan.audits[0].before.as_deref(),
            Some("85 [số liệu minh họa]")
        );
        assert_eq!(plan.audits[0].after.as_deref(), Some("85"));
        // The demo writing its own value again changes nothing.
        let mut again = write("1@2020-01-01", "a", "85", note);
        again.illustrative = true;
        let plan = plan_values(std::slice::from_ref(&again), &stored, &known).expect("known");
        assert_eq!(plan.summary.unchanged, 1);
        assert!(plan.audits.is_empty());
    }

    #[test]
    fn a_unit_without_versions_is_refused() {
        let batch = UnitBatch {
            units: vec![Unit {
                id: UnitId::parse("1@2020-01-01").expect("test id"),
                code: "1".into(),
                level: UnitLevel::Commune,
                versions: Vec::new(),
                source: "test".into(),
            }],
            ..UnitBatch::default()
        };
        let err = plan_units(&batch, &UnitBatch::default()).expect_err("no versions");
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("1@2020-01-01")),
            "{err}"
        );
    }

    #[test]
    fn locked_unit_years_are_named_and_others_pass() {
        let writes = [
            write("1@2020-01-01", "a", "1", None),
            write("2@2020-01-01", "a", "1", None),
            write("1@2020-01-01", "b", "1", None),
        ];
        let approved = HashSet::from([("1@2020-01-01".to_owned(), 2024)]);
        let err = check_unlocked(&writes, &approved).expect_err("locked");
        assert!(
            matches!(&err, StoreError::Conflict(m)
                if m == "số liệu của 1@2020-01-01 năm 2024 đã được duyệt và khóa; không có gì được ghi"),
            "{err}"
        );
        let other_year = HashSet::from([("1@2020-01-01".to_owned(), 2023)]);
        assert!(check_unlocked(&writes, &other_year).is_ok());
    }

    #[test]
    fn submission_audit_carries_status_and_comment() {
        let record = SubmissionRecord {
            unit_id: UnitId::parse("1@2020-01-01").expect("test id"),
            year: 2024,
            status: "returned".into(),
            updated_at: chrono::DateTime::UNIX_EPOCH,
            updated_by: "x".into(),
            comment: Some("thiếu 2.1".into()),
        };
        let entry = submission_audit(&record, Some("submitted")).expect("known status");
        assert_eq!(entry.action, "submission.returned");
        assert_eq!(entry.target_id, "1@2020-01-01|2024");
        assert_eq!(entry.before.as_deref(), Some("submitted"));
        assert_eq!(entry.after.as_deref(), Some("returned — thiếu 2.1"));
        let bad = SubmissionRecord {
            status: "locked".into(),
            ..record
        };
        assert!(submission_audit(&bad, None).is_err());
    }

    #[test]
    fn grants_text_is_sorted_and_deduplicated() {
        let grant = |role: &str, unit: &str| GrantRecord {
            role: role.into(),
            unit_id: UnitId::parse(unit).expect("test id"),
            follows_successors: true,
        };
        let grants = [
            grant("viewer", "42@2020-01-01"),
            grant("commune", "1@2020-01-01"),
            grant("viewer", "42@2020-01-01"),
        ];
        assert_eq!(
            grants_text(&grants),
            "commune tại 1@2020-01-01, viewer tại 42@2020-01-01"
        );
        assert_eq!(grants_text(&[]), "không có quyền");
    }

    #[test]
    fn unknown_units_are_named() {
        let writes = [
            write("1@2020-01-01", "a", "1", None),
            write("9@2020-01-01", "a", "1", None),
        ];
        let known = HashSet::from(["1@2020-01-01".to_owned()]);
        let err = plan_values(&writes, &HashMap::new(), &known).expect_err("unknown unit");
        assert!(
            matches!(&err, StoreError::Conflict(m) if m.contains("9@2020-01-01")),
            "{err}"
        );
    }
}
