//! Recognition dossiers and their histories.
//!
//! Invariants:
//! - A dossier and its entries are written in one transaction with the audit entry.
//! - Entries are only inserted, numbered from 0 in the order of the history; a save appends
//!   the entries beyond what the writer read, after checking inside the transaction that
//!   the stored history has exactly that many.

use async_trait::async_trait;
use chrono::SubsecRound;
use ntm_store::recognition::dossier_audit;
use ntm_store::{
    AuditContext, DossierEntryRecord, DossierFileInfo, DossierFilter, DossierRecord,
    RecognitionStore, StoreError, StoreResult, StoredFile, plan,
};
use sqlx::QueryBuilder;

use super::{db_error, get, insert_audits};
use crate::dialect::{Backend, Db, DbConn, DbRow};

const DOSSIER_COLUMNS: &str = "id, unit_id, subject, level, year, verifier, satisfaction_pct, \
     no_construction_debt, not_security_hot_spot, council_yes, council_no, decision_number, \
     decision_date, decision_signer, created_at, created_by";

const ENTRY_COLUMNS: &str = "dossier_id, seq, kind, step, to_step, on_date, tier, text, \
     decision_number, decision_signer, recorded_at, recorded_by";

#[async_trait]
impl RecognitionStore for Backend {
    async fn create_dossiers(
        &self,
        dossiers: &[DossierRecord],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let mut ids = Vec::with_capacity(dossiers.len());
        let mut entries = Vec::with_capacity(dossiers.len());
        for dossier in dossiers {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM recognition_dossiers WHERE unit_id = $1 AND level = $2 AND year = $3",
            )
            .bind(dossier.unit_id.as_str())
            .bind(&dossier.level)
            .bind(dossier.year)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the dossiers", e))?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!(
                    "{} đã có hồ sơ công nhận mức {} năm {}; không có gì được ghi",
                    dossier.unit_id, dossier.level, dossier.year
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO recognition_dossiers (unit_id, level, year, verifier, satisfaction_pct, \
                 no_construction_debt, not_security_hot_spot, council_yes, council_no, decision_number, \
                 decision_date, decision_signer, created_at, created_by, subject) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id",
            )
            .bind(dossier.unit_id.as_str())
            .bind(&dossier.level)
            .bind(dossier.year)
            .bind(&dossier.verifier)
            .bind(&dossier.satisfaction_pct)
            .bind(dossier.no_construction_debt)
            .bind(dossier.not_security_hot_spot)
            .bind(dossier.council_yes)
            .bind(dossier.council_no)
            .bind(&dossier.decision_number)
            .bind(dossier.decision_date)
            .bind(&dossier.decision_signer)
            .bind(at)
            .bind(&audit.actor)
            .bind(&dossier.subject)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing the dossier", e))?;
            insert_entries(&mut tx, id, &dossier.entries, 0, audit, at).await?;
            entries.push(dossier_audit(dossier, true));
            ids.push(id);
        }
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the dossiers", e))?;
        Ok(ids)
    }

    async fn get_dossier(&self, id: i64) -> StoreResult<Option<DossierRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DOSSIER_COLUMNS} FROM recognition_dossiers WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the dossier", e))?;
        let Some(row) = row else { return Ok(None) };
        let mut d = dossier_record(&row)?;
        d.entries = self
            .entries_of(&[id])
            .await?
            .remove(&id)
            .unwrap_or_default();
        Ok(Some(d))
    }

    async fn list_dossiers(&self, filter: &DossierFilter) -> StoreResult<Vec<DossierRecord>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {DOSSIER_COLUMNS} FROM recognition_dossiers WHERE 1 = 1"
        ));
        if let Some(y) = filter.year {
            qb.push(" AND year = ").push_bind(y);
        }
        if let Some(u) = &filter.unit {
            qb.push(" AND unit_id = ").push_bind(u.as_str().to_owned());
        }
        qb.push(" ORDER BY year, unit_id COLLATE \"C\", level COLLATE \"C\"");
        let rows = qb
            .build()
            .fetch_all(&self.read)
            .await
            .map_err(|e| db_error("reading the dossiers", e))?;
        let mut dossiers: Vec<DossierRecord> = rows
            .iter()
            .map(dossier_record)
            .collect::<StoreResult<_>>()?;
        let ids: Vec<i64> = dossiers.iter().map(|d| d.id).collect();
        let mut entries = self.entries_of(&ids).await?;
        for d in &mut dossiers {
            d.entries = entries.remove(&d.id).unwrap_or_default();
        }
        Ok(dossiers)
    }

    async fn save_dossier_from(
        &self,
        dossier: &DossierRecord,
        seen: usize,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let stored: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM recognition_entries WHERE dossier_id = $1")
                .bind(dossier.id)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| db_error("reading the dossier's history", e))?;
        if usize::try_from(stored).ok() != Some(seen) || dossier.entries.len() < seen {
            return Err(StoreError::Conflict(format!(
                "hồ sơ đã được người khác cập nhật ({stored} bước, bạn mở lúc có {seen}); không có gì được ghi"
            )));
        }
        let changed = sqlx::query(
            "UPDATE recognition_dossiers SET satisfaction_pct = $1, no_construction_debt = $2, \
             not_security_hot_spot = $3, council_yes = $4, council_no = $5, decision_number = $6, \
             decision_date = $7, decision_signer = $8 WHERE id = $9",
        )
        .bind(&dossier.satisfaction_pct)
        .bind(dossier.no_construction_debt)
        .bind(dossier.not_security_hot_spot)
        .bind(dossier.council_yes)
        .bind(dossier.council_no)
        .bind(&dossier.decision_number)
        .bind(dossier.decision_date)
        .bind(&dossier.decision_signer)
        .bind(dossier.id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the dossier", e))?;
        if changed.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("hồ sơ {}", dossier.id)));
        }
        insert_entries(
            &mut tx,
            dossier.id,
            &dossier.entries[seen..],
            seen,
            audit,
            at,
        )
        .await?;
        insert_audits(&mut tx, &[dossier_audit(dossier, false)], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the dossier", e))?;
        Ok(())
    }

    async fn attach_dossier_file(
        &self,
        dossier_id: i64,
        step: &str,
        file: &StoredFile,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let unit: Option<String> =
            sqlx::query_scalar("SELECT unit_id FROM recognition_dossiers WHERE id = $1")
                .bind(dossier_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the dossier", e))?;
        let Some(unit) = unit else {
            return Err(StoreError::NotFound(format!("hồ sơ {dossier_id}")));
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO recognition_files (dossier_id, step, name, bytes, note, attached_at, attached_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(dossier_id)
        .bind(step)
        .bind(&file.name)
        .bind(&file.bytes)
        .bind(note)
        .bind(at)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the document", e))?;
        let entry = ntm_store::plan::NewAudit {
            action: "recognition.attach",
            target_kind: "recognition_dossier",
            target_id: dossier_id.to_string(),
            unit_id: Some(unit),
            before: None,
            after: Some(format!(
                "{} ({} byte, bước {step}){}",
                file.name,
                file.bytes.len(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            )),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the document", e))?;
        Ok(id)
    }

    async fn dossier_files(&self, dossier_id: i64) -> StoreResult<Vec<DossierFileInfo>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS} FROM recognition_files WHERE dossier_id = $1 ORDER BY id"
        )))
        .bind(dossier_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the documents", e))?;
        rows.iter().map(file_info).collect()
    }

    async fn dossier_file(
        &self,
        file_id: i64,
    ) -> StoreResult<Option<(DossierFileInfo, StoredFile)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {FILE_COLUMNS}, bytes FROM recognition_files WHERE id = $1"
        )))
        .bind(file_id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the document", e))?;
        let Some(row) = row else { return Ok(None) };
        let info = file_info(&row)?;
        let bytes: Vec<u8> = get(&row, "bytes")?;
        let file = StoredFile {
            name: info.name.clone(),
            bytes,
        };
        Ok(Some((info, file)))
    }
}

const FILE_COLUMNS: &str = "id, dossier_id, step, name, CAST(octet_length(bytes) AS BIGINT) AS size, \
     note, attached_at, attached_by";

fn file_info(row: &DbRow) -> StoreResult<DossierFileInfo> {
    Ok(DossierFileInfo {
        id: get(row, "id")?,
        dossier_id: get(row, "dossier_id")?,
        step: get(row, "step")?,
        name: get(row, "name")?,
        size: get(row, "size")?,
        note: get(row, "note")?,
        attached_at: get(row, "attached_at")?,
        attached_by: get(row, "attached_by")?,
    })
}

impl Backend {
    /// The histories of `ids`, each in order.
    async fn entries_of(
        &self,
        ids: &[i64],
    ) -> StoreResult<std::collections::HashMap<i64, Vec<DossierEntryRecord>>> {
        let mut out: std::collections::HashMap<i64, Vec<DossierEntryRecord>> = Default::default();
        for chunk in ids.chunks(super::MAX_BINDS) {
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT {ENTRY_COLUMNS} FROM recognition_entries WHERE dossier_id IN ("
            ));
            let mut list = qb.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            qb.push(") ORDER BY dossier_id, seq");
            let rows = qb
                .build()
                .fetch_all(&self.read)
                .await
                .map_err(|e| db_error("reading the dossiers' histories", e))?;
            for row in &rows {
                let id: i64 = get(row, "dossier_id")?;
                out.entry(id).or_default().push(entry_record(row)?);
            }
        }
        Ok(out)
    }
}

async fn insert_entries(
    conn: &mut DbConn,
    dossier: i64,
    entries: &[DossierEntryRecord],
    first_seq: usize,
    audit: &AuditContext,
    at: chrono::DateTime<chrono::Utc>,
) -> StoreResult<()> {
    for (seq, e) in (first_seq..).zip(entries) {
        let seq = i32::try_from(seq)
            .map_err(|_| StoreError::Conflict("hồ sơ có quá nhiều bước".into()))?;
        sqlx::query(
            "INSERT INTO recognition_entries (dossier_id, seq, kind, step, to_step, on_date, tier, \
             text, decision_number, decision_signer, recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(dossier)
        .bind(seq)
        .bind(&e.kind)
        .bind(&e.step)
        .bind(&e.to_step)
        .bind(e.on)
        .bind(&e.tier)
        .bind(&e.text)
        .bind(&e.decision_number)
        .bind(&e.decision_signer)
        .bind(at)
        .bind(&audit.actor)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("writing the dossier's history", e))?;
    }
    Ok(())
}

fn dossier_record(row: &DbRow) -> StoreResult<DossierRecord> {
    let unit: String = get(row, "unit_id")?;
    Ok(DossierRecord {
        id: get(row, "id")?,
        unit_id: plan::parse_unit_id(&unit, "recognition_dossiers.unit_id")?,
        subject: get(row, "subject")?,
        level: get(row, "level")?,
        year: get(row, "year")?,
        verifier: get(row, "verifier")?,
        satisfaction_pct: get(row, "satisfaction_pct")?,
        no_construction_debt: get(row, "no_construction_debt")?,
        not_security_hot_spot: get(row, "not_security_hot_spot")?,
        council_yes: get(row, "council_yes")?,
        council_no: get(row, "council_no")?,
        decision_number: get(row, "decision_number")?,
        decision_date: get(row, "decision_date")?,
        decision_signer: get(row, "decision_signer")?,
        created_at: get(row, "created_at")?,
        created_by: get(row, "created_by")?,
        entries: vec![],
    })
}

fn entry_record(row: &DbRow) -> StoreResult<DossierEntryRecord> {
    Ok(DossierEntryRecord {
        kind: get(row, "kind")?,
        step: get(row, "step")?,
        to_step: get(row, "to_step")?,
        on: get(row, "on_date")?,
        tier: get(row, "tier")?,
        text: get(row, "text")?,
        decision_number: get(row, "decision_number")?,
        decision_signer: get(row, "decision_signer")?,
        recorded_at: get(row, "recorded_at")?,
        recorded_by: get(row, "recorded_by")?,
    })
}
