//! Villages, model gardens, their titles and their assessment values.
//!
//! Invariants:
//! - An import is planned inside its transaction against the register as it stands there
//!   (`ntm_store::villages::plan_import`), so the preview's plan and the write agree, and a
//!   register changed in between refuses the write whole.
//! - Titles are only added, and a withdrawal is written once: the history of what was
//!   given and taken back stays.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{NaiveDate, SubsecRound};
use ntm_core::UnitId;
use ntm_core::village::{Body, Garden, Subject, Title, Village, VillageType, Withdrawal};
use ntm_store::villages::{
    VillageBatch, VillageBook, VillageStore, VillageValue, VillageValueWrite, garden_audit, key,
    not_withdrawable, plan_import, title_summary, village_audit,
};
use ntm_store::{AuditContext, StoreError, StoreResult, plan};

use super::{db_error, get, insert_audits};
use crate::dialect::{Backend, DbConn, DbRow};

const VILLAGE_COLUMNS: &str =
    "id, commune_id, code, name, kind, valid_from, valid_to, successor_id, note, illustrative";
const GARDEN_COLUMNS: &str =
    "id, village_id, household, area_m2, valid_from, valid_to, note, illustrative";
const TITLE_COLUMNS: &str = "id, subject_kind, subject_id, year, number, signed_on, body, \
     withdrawn_on, withdrawn_number, withdrawn_reason, note, illustrative";

fn village_row(row: &DbRow) -> StoreResult<Village> {
    let kind: String = get(row, "kind")?;
    let commune: String = get(row, "commune_id")?;
    Ok(Village {
        id: get(row, "id")?,
        commune: plan::parse_unit_id(&commune, "villages.commune_id")?,
        code: get(row, "code")?,
        name: get(row, "name")?,
        kind: VillageType::parse(&kind)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("villages.kind {kind:?}")))?,
        from: get(row, "valid_from")?,
        to: get(row, "valid_to")?,
        successor: get(row, "successor_id")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

fn garden_row(row: &DbRow) -> StoreResult<Garden> {
    let area: Option<String> = get(row, "area_m2")?;
    Ok(Garden {
        id: get(row, "id")?,
        village: get(row, "village_id")?,
        household: get(row, "household")?,
        area_m2: area
            .map(|a| {
                a.parse()
                    .map_err(|_| StoreError::Other(anyhow::anyhow!("gardens.area_m2 {a:?}")))
            })
            .transpose()?,
        from: get(row, "valid_from")?,
        to: get(row, "valid_to")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

fn title_row(row: &DbRow) -> StoreResult<Title> {
    let kind: String = get(row, "subject_kind")?;
    let body: String = get(row, "body")?;
    let withdrawn_on: Option<NaiveDate> = get(row, "withdrawn_on")?;
    Ok(Title {
        id: get(row, "id")?,
        subject: Subject::parse(&kind, get(row, "subject_id")?).ok_or_else(|| {
            StoreError::Other(anyhow::anyhow!("village_titles.subject_kind {kind:?}"))
        })?,
        year: get(row, "year")?,
        number: get(row, "number")?,
        signed_on: get(row, "signed_on")?,
        body: Body::parse(&body)
            .ok_or_else(|| StoreError::Other(anyhow::anyhow!("village_titles.body {body:?}")))?,
        withdrawn: match withdrawn_on {
            Some(on) => Some(Withdrawal {
                on,
                number: get::<Option<String>>(row, "withdrawn_number")?.unwrap_or_default(),
                reason: get::<Option<String>>(row, "withdrawn_reason")?.unwrap_or_default(),
            }),
            None => None,
        },
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

async fn read_book(conn: &mut DbConn) -> StoreResult<VillageBook> {
    let villages = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VILLAGE_COLUMNS} FROM villages ORDER BY commune_id COLLATE \"C\", code COLLATE \"C\", id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the villages", e))?;
    let gardens = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GARDEN_COLUMNS} FROM gardens ORDER BY village_id, household COLLATE \"C\", id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the gardens", e))?;
    let titles = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {TITLE_COLUMNS} FROM village_titles ORDER BY signed_on, id"
    )))
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the titles", e))?;
    Ok(VillageBook {
        villages: villages
            .iter()
            .map(village_row)
            .collect::<StoreResult<_>>()?,
        gardens: gardens.iter().map(garden_row).collect::<StoreResult<_>>()?,
        titles: titles.iter().map(title_row).collect::<StoreResult<_>>()?,
    })
}

/// The commune a village or garden was registered in, for its audit entries.
async fn subject_commune(conn: &mut DbConn, subject: Subject) -> StoreResult<Option<String>> {
    match subject {
        Subject::Village(id) => {
            sqlx::query_scalar("SELECT commune_id FROM villages WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await
        }
        Subject::Garden(id) => {
            sqlx::query_scalar(
                "SELECT v.commune_id FROM gardens g JOIN villages v ON v.id = g.village_id \
                 WHERE g.id = $1",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
        }
    }
    .map_err(|e| db_error("reading a village's commune", e))
}

#[async_trait]
impl VillageStore for Backend {
    async fn village_book(&self) -> StoreResult<VillageBook> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("reading the villages", e))?;
        read_book(&mut conn).await
    }

    async fn import_villages(
        &self,
        batch: &VillageBatch,
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let stored = read_book(&mut tx).await?;
        let plan = plan_import(batch, &stored).map_err(|p| StoreError::Conflict(p.join("; ")))?;
        let mut ids: BTreeMap<(UnitId, String), i64> = stored
            .villages
            .iter()
            .map(|v| (key(&v.commune, &v.code), v.id))
            .collect();
        let communes: BTreeMap<i64, UnitId> = stored
            .villages
            .iter()
            .map(|v| (v.id, v.commune.clone()))
            .collect();
        let mut audits = Vec::new();
        let (mut new, mut changed) = (0, 0);
        for c in &plan.villages {
            let v = &c.after;
            let id = if let Some(before) = &c.before {
                sqlx::query(
                    "UPDATE villages SET name = $1, kind = $2, valid_from = $3, valid_to = $4, \
                     note = $5, illustrative = $6 WHERE id = $7",
                )
                .bind(&v.name)
                .bind(v.kind.as_str())
                .bind(v.from)
                .bind(v.to)
                .bind(&v.note)
                .bind(v.illustrative)
                .bind(before.id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing a village", e))?;
                changed += 1;
                before.id
            } else {
                new += 1;
                sqlx::query_scalar(
                    "INSERT INTO villages (commune_id, code, name, kind, valid_from, valid_to, \
                     note, illustrative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(v.commune.as_str())
                .bind(v.code.trim())
                .bind(&v.name)
                .bind(v.kind.as_str())
                .bind(v.from)
                .bind(v.to)
                .bind(&v.note)
                .bind(v.illustrative)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| db_error("writing a village", e))?
            };
            ids.insert(key(&v.commune, &v.code), id);
            audits.push(village_audit(
                if c.before.is_some() {
                    "village.update"
                } else {
                    "village.create"
                },
                c,
                id,
            ));
        }
        for (k, s) in &plan.successors {
            let (Some(id), Some(to)) = (ids.get(k), ids.get(s)) else {
                return Err(StoreError::Conflict(format!(
                    "thôn {} của xã {}: không tìm thấy thôn tiếp nhận {}",
                    k.1,
                    k.0.code(),
                    s.1
                )));
            };
            sqlx::query("UPDATE villages SET successor_id = $1 WHERE id = $2")
                .bind(*to)
                .bind(*id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing a village's successor", e))?;
            if !plan
                .villages
                .iter()
                .any(|c| key(&c.after.commune, &c.after.code) == *k)
            {
                changed += 1;
            }
            audits.push(plan::NewAudit {
                action: "village.merge",
                target_kind: "village",
                target_id: id.to_string(),
                unit_id: Some(k.0.to_string()),
                before: None,
                after: Some(format!("sáp nhập vào thôn {to} ({} của xã {})", s.1, s.0)),
            });
        }
        for (c, vk) in &plan.gardens {
            let g = &c.after;
            let village = *ids.get(vk).ok_or_else(|| {
                StoreError::Conflict(format!("vườn hộ {}: thôn {} không còn", g.household, vk.1))
            })?;
            let area = g.area_m2.map(|a| a.normalize().to_string());
            let id = if let Some(before) = &c.before {
                changed += 1;
                sqlx::query(
                    "UPDATE gardens SET household = $1, area_m2 = $2, valid_from = $3, \
                     valid_to = $4, note = $5, illustrative = $6 WHERE id = $7",
                )
                .bind(&g.household)
                .bind(area)
                .bind(g.from)
                .bind(g.to)
                .bind(&g.note)
                .bind(g.illustrative)
                .bind(before.id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing a garden", e))?;
                before.id
            } else {
                new += 1;
                sqlx::query_scalar(
                    "INSERT INTO gardens (village_id, household, area_m2, valid_from, valid_to, \
                     note, illustrative) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(village)
                .bind(&g.household)
                .bind(area)
                .bind(g.from)
                .bind(g.to)
                .bind(&g.note)
                .bind(g.illustrative)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| db_error("writing a garden", e))?
            };
            let commune = communes
                .get(&village)
                .cloned()
                .unwrap_or_else(|| vk.0.clone());
            let c = ntm_store::villages::Change {
                before: c.before.clone(),
                after: Garden {
                    id,
                    village,
                    ..g.clone()
                },
            };
            audits.push(garden_audit(
                if c.before.is_some() {
                    "garden.update"
                } else {
                    "garden.create"
                },
                &c,
                id,
                &commune,
            ));
        }
        if !audits.is_empty() {
            insert_audits(&mut tx, &audits, audit, at).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the villages", e))?;
        Ok((new, changed, plan.unchanged))
    }

    async fn record_titles(&self, titles: &[Title], audit: &AuditContext) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let mut ids = Vec::new();
        let mut audits = Vec::new();
        for t in titles {
            let table = match t.subject {
                Subject::Village(_) => "villages",
                Subject::Garden(_) => "gardens",
            };
            let unit = subject_commune(&mut tx, t.subject).await?;
            let Some(unit) = unit else {
                return Err(StoreError::NotFound(format!("{table} {}", t.subject.id())));
            };
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO village_titles (subject_kind, subject_id, year, number, signed_on, \
                 body, note, illustrative, recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(t.subject.kind())
            .bind(t.subject.id())
            .bind(t.year)
            .bind(t.number.trim())
            .bind(t.signed_on)
            .bind(t.body.as_str())
            .bind(&t.note)
            .bind(t.illustrative)
            .bind(at)
            .bind(&audit.actor)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing a title", e))?;
            ids.push(id);
            audits.push(plan::NewAudit {
                action: "village_title.create",
                target_kind: "village_title",
                target_id: id.to_string(),
                unit_id: Some(unit),
                before: None,
                after: Some(title_summary(&Title { id, ..t.clone() })),
            });
        }
        insert_audits(&mut tx, &audits, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the titles", e))?;
        Ok(ids)
    }

    async fn withdraw_title(
        &self,
        id: i64,
        w: &Withdrawal,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TITLE_COLUMNS} FROM village_titles WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the title", e))?;
        let before = row.as_ref().map(title_row).transpose()?;
        if let Some(e) = not_withdrawable(id, before.as_ref()) {
            return Err(e);
        }
        let before = before.expect("checked above");
        let unit = subject_commune(&mut tx, before.subject).await?;
        sqlx::query(
            "UPDATE village_titles SET withdrawn_on = $1, withdrawn_number = $2, \
             withdrawn_reason = $3 WHERE id = $4 AND withdrawn_on IS NULL",
        )
        .bind(w.on)
        .bind(w.number.trim())
        .bind(w.reason.trim())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("withdrawing the title", e))?;
        let after = Title {
            withdrawn: Some(w.clone()),
            ..before.clone()
        };
        insert_audits(
            &mut tx,
            &[plan::NewAudit {
                action: "village_title.withdraw",
                target_kind: "village_title",
                target_id: id.to_string(),
                unit_id: unit,
                before: Some(title_summary(&before)),
                after: Some(title_summary(&after)),
            }],
            audit,
            at,
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the withdrawal", e))?;
        Ok(())
    }

    async fn village_values(&self, subject: Subject) -> StoreResult<Vec<VillageValue>> {
        let rows = sqlx::query(
            "SELECT year, indicator, value, note, updated_by, updated_at FROM village_values \
             WHERE subject_kind = $1 AND subject_id = $2 ORDER BY year, indicator COLLATE \"C\"",
        )
        .bind(subject.kind())
        .bind(subject.id())
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the assessment", e))?;
        rows.iter()
            .map(|r| {
                Ok(VillageValue {
                    subject,
                    year: get(r, "year")?,
                    indicator: get(r, "indicator")?,
                    value: get(r, "value")?,
                    note: get(r, "note")?,
                    updated_by: get(r, "updated_by")?,
                    updated_at: get(r, "updated_at")?,
                })
            })
            .collect()
    }

    async fn put_village_values(
        &self,
        subject: Subject,
        year: i32,
        values: &[VillageValueWrite],
        audit: &AuditContext,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let Some(unit) = subject_commune(&mut tx, subject).await? else {
            return Err(StoreError::NotFound(format!(
                "{} {}",
                subject.kind(),
                subject.id()
            )));
        };
        let rows = sqlx::query(
            "SELECT indicator, value, note FROM village_values \
             WHERE subject_kind = $1 AND subject_id = $2 AND year = $3",
        )
        .bind(subject.kind())
        .bind(subject.id())
        .bind(year)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| db_error("reading the assessment", e))?;
        let mut stored: BTreeMap<String, (String, String)> = BTreeMap::new();
        for r in &rows {
            stored.insert(get(r, "indicator")?, (get(r, "value")?, get(r, "note")?));
        }
        let mut audits = Vec::new();
        for w in values {
            let before = stored.get(&w.indicator);
            let same = match (&w.value, before) {
                (None, None) => true,
                (Some(v), Some((bv, bn))) => v == bv && &w.note == bn,
                _ => false,
            };
            if same {
                continue;
            }
            match &w.value {
                None => {
                    sqlx::query(
                        "DELETE FROM village_values WHERE subject_kind = $1 AND subject_id = $2 \
                         AND year = $3 AND indicator = $4",
                    )
                    .bind(subject.kind())
                    .bind(subject.id())
                    .bind(year)
                    .bind(&w.indicator)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| db_error("removing a value", e))?;
                }
                Some(v) => {
                    sqlx::query(
                        "INSERT INTO village_values (subject_kind, subject_id, year, indicator, \
                         value, note, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (subject_kind, subject_id, year, indicator) DO UPDATE SET \
                         value = excluded.value, note = excluded.note, \
                         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    )
                    .bind(subject.kind())
                    .bind(subject.id())
                    .bind(year)
                    .bind(&w.indicator)
                    .bind(v)
                    .bind(&w.note)
                    .bind(&audit.actor)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| db_error("writing a value", e))?;
                }
            }
            audits.push(plan::NewAudit {
                action: "village_value.put",
                target_kind: "village_value",
                target_id: format!("{}:{}|{year}|{}", subject.kind(), subject.id(), w.indicator),
                unit_id: Some(unit.clone()),
                before: before.map(|(v, _)| v.clone()),
                after: w.value.clone(),
            });
        }
        if !audits.is_empty() {
            insert_audits(&mut tx, &audits, audit, at).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the assessment", e))?;
        Ok(audits.len())
    }
}
