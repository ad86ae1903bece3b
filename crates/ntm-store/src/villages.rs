//! The register of villages and model gardens as stored, with their titles and the values
//! of their assessments. The rules (history, who signs, what counts) are
//! `ntm_core::village`. A province holds a few thousand villages and some ten thousand
//! gardens: the register is read whole.
//!
//! An import is planned here ([`plan_import`]), once, for both backends and for the
//! preview that shows it before anything is written: villages are matched by their commune
//! and code, gardens by their village and household.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ntm_core::UnitId;
use ntm_core::village::{Garden, Subject, Title, Village, Withdrawal};

use crate::plan::NewAudit;
use crate::{AuditContext, StoreError, StoreResult};

/// Every village, garden and title.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VillageBook {
    /// By commune, then code.
    pub villages: Vec<Village>,
    /// By village, then household.
    pub gardens: Vec<Garden>,
    /// By signing date, then id.
    pub titles: Vec<Title>,
}

impl VillageBook {
    pub fn village(&self, id: i64) -> Option<&Village> {
        self.villages.iter().find(|v| v.id == id)
    }
    pub fn garden(&self, id: i64) -> Option<&Garden> {
        self.gardens.iter().find(|g| g.id == id)
    }
    pub fn titles_of(&self, subject: Subject) -> impl Iterator<Item = &Title> {
        self.titles.iter().filter(move |t| t.subject == subject)
    }
}

/// A village of an import: `village.id` and `village.successor` are not read; the
/// successor is named by its commune and code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageRow {
    pub village: Village,
    pub successor: Option<(UnitId, String)>,
    /// Where it came from, for messages ("trang Thôn, dòng 7").
    pub place: String,
}

/// A garden of an import, in the village of `commune` with `village_code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GardenRow {
    pub commune: UnitId,
    pub village_code: String,
    /// `id` and `village` are not read.
    pub garden: Garden,
    pub place: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VillageBatch {
    pub villages: Vec<VillageRow>,
    pub gardens: Vec<GardenRow>,
}

/// One row's effect: new (`before` is `None`), changed, or unchanged (left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<T> {
    pub before: Option<T>,
    pub after: T,
}

/// What an import writes, in order: villages (ids of new ones are given by the database),
/// their successors, then gardens. Keys refer to villages by (commune, code).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VillagePlan {
    pub villages: Vec<Change<Village>>,
    /// (village key, successor key), for every village of the file that names one.
    pub successors: Vec<((UnitId, String), (UnitId, String))>,
    pub gardens: Vec<(Change<Garden>, (UnitId, String))>,
    pub unchanged: usize,
}

impl VillagePlan {
    pub fn is_empty(&self) -> bool {
        self.villages.is_empty() && self.gardens.is_empty() && self.successors.is_empty()
    }
}

/// How a village is matched: its commune and its code, without case or outer spaces.
pub fn key(commune: &UnitId, code: &str) -> (UnitId, String) {
    (commune.clone(), code.trim().to_lowercase())
}

/// Compares `batch` with what is stored: which villages and gardens are new or changed.
/// Refuses (every problem, with its place) a successor that is neither in the file nor
/// stored, a garden whose village is neither, and a row given twice.
pub fn plan_import(batch: &VillageBatch, stored: &VillageBook) -> Result<VillagePlan, Vec<String>> {
    let mut problems = Vec::new();
    let stored_by_key: BTreeMap<(UnitId, String), &Village> = stored
        .villages
        .iter()
        .map(|v| (key(&v.commune, &v.code), v))
        .collect();
    let mut plan = VillagePlan::default();
    let mut in_file: BTreeMap<(UnitId, String), &VillageRow> = BTreeMap::new();
    for row in &batch.villages {
        let k = key(&row.village.commune, &row.village.code);
        if in_file.insert(k.clone(), row).is_some() {
            problems.push(format!(
                "{}: thôn mã {} của xã {} có hai dòng",
                row.place,
                row.village.code,
                row.village.commune.code()
            ));
        }
    }
    for row in &batch.villages {
        let k = key(&row.village.commune, &row.village.code);
        let before = stored_by_key.get(&k).copied();
        let after = Village {
            id: before.map_or(0, |b| b.id),
            successor: before.and_then(|b| b.successor),
            ..row.village.clone()
        };
        if let Some(s) = &row.successor {
            let sk = key(&s.0, &s.1);
            if sk == k {
                problems.push(format!("{}: thôn tiếp nhận là chính nó", row.place));
            } else if !in_file.contains_key(&sk) && !stored_by_key.contains_key(&sk) {
                problems.push(format!(
                    "{}: thôn tiếp nhận mã {} của xã {} không có trong tệp và chưa được ghi",
                    row.place,
                    s.1,
                    s.0.code()
                ));
            } else {
                let current = before
                    .and_then(|b| b.successor)
                    .and_then(|id| stored.village(id))
                    .map(|v| key(&v.commune, &v.code));
                if current.as_ref() != Some(&sk) {
                    plan.successors.push((k.clone(), sk));
                }
            }
            if row.village.to.is_none() {
                problems.push(format!(
                    "{}: có thôn tiếp nhận nhưng chưa có ngày kết thúc",
                    row.place
                ));
            }
        }
        if after.to.is_some_and(|t| t < after.from) {
            problems.push(format!("{}: ngày kết thúc trước ngày bắt đầu", row.place));
        }
        // The demo's mark stays on a row a file repeats unchanged; a row a person changes
        // is theirs from then on (the batch's mark).
        match before {
            Some(b)
                if *b
                    == Village {
                        illustrative: b.illustrative,
                        ..after.clone()
                    } =>
            {
                plan.unchanged += 1
            }
            _ => plan.villages.push(Change {
                before: before.cloned(),
                after,
            }),
        }
    }
    let mut gardens_seen = BTreeMap::new();
    for row in &batch.gardens {
        // A garden names its village by the commune's code and the village's: the code
        // may belong to a commune that no longer exists on the garden's date (a garden
        // registered after the reform in a village registered before it), so the village
        // is found by codes, in the file first, then in the register.
        let code = row.village_code.trim().to_lowercase();
        let by_codes = |k: &(UnitId, String)| k.0.code() == row.commune.code() && k.1 == code;
        let in_file_match: Vec<&(UnitId, String)> =
            in_file.keys().filter(|k| by_codes(k)).collect();
        let stored_match: Vec<&(UnitId, String)> =
            stored_by_key.keys().filter(|k| by_codes(k)).collect();
        let vk = match (in_file_match.as_slice(), stored_match.as_slice()) {
            ([k], _) | ([], [k]) => (*k).clone(),
            ([], []) => key(&row.commune, &row.village_code),
            _ => {
                problems.push(format!(
                    "{}: mã xã {} và mã thôn {} chỉ nhiều thôn (mã xã được dùng lại sau sắp xếp); hãy ghi thôn của vườn trong cùng tệp",
                    row.place,
                    row.commune.code(),
                    row.village_code
                ));
                continue;
            }
        };
        let household = ntm_core::text::search_key(&row.garden.household);
        if gardens_seen
            .insert((vk.clone(), household.clone()), ())
            .is_some()
        {
            problems.push(format!(
                "{}: vườn của hộ {} trong thôn {} có hai dòng",
                row.place, row.garden.household, row.village_code
            ));
        }
        let village = stored_by_key.get(&vk).copied();
        if village.is_none() && !in_file.contains_key(&vk) {
            problems.push(format!(
                "{}: thôn mã {} của xã {} không có trong tệp và chưa được ghi",
                row.place,
                row.village_code,
                row.commune.code()
            ));
            continue;
        }
        if row.garden.to.is_some_and(|t| t < row.garden.from) {
            problems.push(format!("{}: ngày kết thúc trước ngày bắt đầu", row.place));
        }
        let before = village.and_then(|v| {
            stored.gardens.iter().find(|g| {
                g.village == v.id && ntm_core::text::search_key(&g.household) == household
            })
        });
        let after = Garden {
            id: before.map_or(0, |b| b.id),
            village: village.map_or(0, |v| v.id),
            ..row.garden.clone()
        };
        match before {
            Some(b)
                if *b
                    == Garden {
                        illustrative: b.illustrative,
                        ..after.clone()
                    } =>
            {
                plan.unchanged += 1
            }
            _ => plan.gardens.push((
                Change {
                    before: before.cloned(),
                    after,
                },
                vk,
            )),
        }
    }
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// The stored value of an assessment of a village or a garden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageValue {
    pub subject: Subject,
    pub year: i32,
    pub indicator: String,
    /// `Value::canonical`.
    pub value: String,
    pub note: String,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

/// One value to write: `None` removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageValueWrite {
    pub indicator: String,
    pub value: Option<String>,
    pub note: String,
}

#[async_trait]
pub trait VillageStore {
    /// The whole register.
    async fn village_book(&self) -> StoreResult<VillageBook>;
    /// Plans `batch` against the register as it is inside the transaction
    /// ([`plan_import`]; its problems come back as `Invalid`) and writes it whole, with an
    /// audit entry per village or garden written. Returns (new, changed, unchanged).
    async fn import_villages(
        &self,
        batch: &VillageBatch,
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)>;
    /// Records one decision's titles (one decision often names many villages); returns
    /// their ids.
    async fn record_titles(&self, titles: &[Title], audit: &AuditContext) -> StoreResult<Vec<i64>>;
    /// Withdraws a title not yet withdrawn.
    async fn withdraw_title(
        &self,
        id: i64,
        withdrawal: &Withdrawal,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// Every value of a village's or garden's assessments, by year then indicator.
    async fn village_values(&self, subject: Subject) -> StoreResult<Vec<VillageValue>>;
    /// Writes one year's values of a subject, with an audit entry per value changed.
    async fn put_village_values(
        &self,
        subject: Subject,
        year: i32,
        values: &[VillageValueWrite],
        audit: &AuditContext,
    ) -> StoreResult<usize>;
}

pub fn village_summary(v: &Village) -> String {
    let mut s = format!(
        "{} {} (mã {}, xã {}) từ {}",
        v.kind.label_vi(),
        v.name,
        v.code,
        v.commune,
        v.from.format("%d/%m/%Y")
    );
    if let Some(t) = v.to {
        s.push_str(&format!(" đến {}", t.format("%d/%m/%Y")));
    }
    if let Some(x) = v.successor {
        s.push_str(&format!(", sáp nhập vào thôn {x}"));
    }
    if !v.note.is_empty() {
        s.push_str(&format!("; {}", v.note));
    }
    s
}

pub fn garden_summary(g: &Garden) -> String {
    let mut s = format!(
        "vườn hộ {} (thôn {}) từ {}",
        g.household,
        g.village,
        g.from.format("%d/%m/%Y")
    );
    if let Some(a) = g.area_m2 {
        s.push_str(&format!(", {} m²", ntm_core::text::vi_number(a)));
    }
    if let Some(t) = g.to {
        s.push_str(&format!(" đến {}", t.format("%d/%m/%Y")));
    }
    s
}

pub fn title_summary(t: &Title) -> String {
    let mut s = format!(
        "{} {}: {}",
        t.subject.kind(),
        t.subject.id(),
        t.describe_vi()
    );
    if let Some(w) = &t.withdrawn {
        s.push_str(&format!(
            "; thu hồi QĐ {} ngày {}: {}",
            w.number,
            w.on.format("%d/%m/%Y"),
            w.reason
        ));
    }
    s
}

pub fn village_audit(action: &'static str, c: &Change<Village>, id: i64) -> NewAudit {
    NewAudit {
        action,
        target_kind: "village",
        target_id: id.to_string(),
        unit_id: Some(c.after.commune.to_string()),
        before: c.before.as_ref().map(village_summary),
        after: Some(village_summary(&Village {
            id,
            ..c.after.clone()
        })),
    }
}

pub fn garden_audit(
    action: &'static str,
    c: &Change<Garden>,
    id: i64,
    commune: &UnitId,
) -> NewAudit {
    NewAudit {
        action,
        target_kind: "garden",
        target_id: id.to_string(),
        unit_id: Some(commune.to_string()),
        before: c.before.as_ref().map(garden_summary),
        after: Some(garden_summary(&c.after)),
    }
}

/// A title that is not there, or already withdrawn.
pub fn not_withdrawable(id: i64, found: Option<&Title>) -> Option<StoreError> {
    match found {
        None => Some(StoreError::NotFound(format!("quyết định công nhận {id}"))),
        Some(t) if t.withdrawn.is_some() => Some(StoreError::Conflict(format!(
            "quyết định công nhận {id} đã bị thu hồi"
        ))),
        Some(_) => None,
    }
}
