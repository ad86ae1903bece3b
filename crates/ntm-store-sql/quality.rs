//! Explanations of findings, evidence files, map points and boundary files.
//!
//! Invariants:
//! - A unit-year's explanations are replaced whole in one transaction with its audit
//!   entry.
//! - The evidence quota is checked inside the transaction that writes the file, behind
//!   the store's write lock.
//! - A rules file version is numbered inside the transaction that writes it, after the
//!   editor's `seen` version is checked against the latest.

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use ntm_core::UnitId;
use ntm_store::plan::{self, NewAudit};
use ntm_store::quality::{
    BoundaryRecord, EvidenceFileInfo, ExplanationRecord, MapPointRecord, QualityStore,
    RuleFileRecord, SeenFinding,
};
use ntm_store::{AuditContext, PutOutcome, StoreError, StoreResult, StoredFile};

use super::{db_error, get, insert_audits};
use crate::dialect::{Backend, DbRow};

const EVIDENCE_COLUMNS: &str =
    "id, unit_id, year, indicator_id, name, size, attached_at, attached_by";

fn evidence_info(row: &DbRow) -> StoreResult<EvidenceFileInfo> {
    let unit: String = get(row, "unit_id")?;
    Ok(EvidenceFileInfo {
        id: get(row, "id")?,
        unit_id: plan::parse_unit_id(&unit, "evidence_files.unit_id")?,
        year: get(row, "year")?,
        indicator: get(row, "indicator_id")?,
        name: get(row, "name")?,
        size: get(row, "size")?,
        attached_at: get(row, "attached_at")?,
        attached_by: get(row, "attached_by")?,
    })
}

fn seen_finding(row: &DbRow) -> StoreResult<SeenFinding> {
    let unit: String = get(row, "unit_id")?;
    Ok(SeenFinding {
        unit_id: plan::parse_unit_id(&unit, "quality_findings_seen.unit_id")?,
        year: get(row, "year")?,
        key: get(row, "finding_key")?,
        severity: get(row, "severity")?,
        message: get(row, "message")?,
        first_seen_at: get(row, "first_seen_at")?,
        resolved_at: get(row, "resolved_at")?,
    })
}

fn rule_file(row: &DbRow) -> StoreResult<RuleFileRecord> {
    Ok(RuleFileRecord {
        set_id: get(row, "set_id")?,
        version: get(row, "version")?,
        source_text: get(row, "source_text")?,
        saved_at: get(row, "saved_at")?,
        saved_by: get(row, "saved_by")?,
        reason: get(row, "reason")?,
    })
}

fn explanation(row: &DbRow) -> StoreResult<ExplanationRecord> {
    let unit: String = get(row, "unit_id")?;
    Ok(ExplanationRecord {
        unit_id: plan::parse_unit_id(&unit, "quality_explanations.unit_id")?,
        year: get(row, "year")?,
        rule_id: get(row, "rule_id")?,
        indicator: get(row, "indicator_id")?,
        criterion: get(row, "criterion_id")?,
        reason: get(row, "reason")?,
        explained_at: get(row, "explained_at")?,
        explained_by: get(row, "explained_by")?,
    })
}

#[async_trait]
impl QualityStore for Backend {
    async fn explanations(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<ExplanationRecord>> {
        let columns = "unit_id, year, rule_id, indicator_id, criterion_id, reason, explained_at, explained_by";
        let order = "ORDER BY unit_id, rule_id, indicator_id, criterion_id";
        let rows = match unit {
            Some(u) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM quality_explanations WHERE unit_id = $1 AND year = $2 {order}"
            )))
            .bind(u.as_str())
            .bind(year)
            .fetch_all(&self.read)
            .await,
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM quality_explanations WHERE year = $1 {order}"
            )))
            .bind(year)
            .fetch_all(&self.read)
            .await,
        }
        .map_err(|e| db_error("reading the explanations", e))?;
        rows.iter().map(explanation).collect()
    }

    async fn save_explanations(
        &self,
        unit: &UnitId,
        year: i32,
        reasons: &[(String, String, String, String)],
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        sqlx::query("DELETE FROM quality_explanations WHERE unit_id = $1 AND year = $2")
            .bind(unit.as_str())
            .bind(year)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("replacing the explanations", e))?;
        for (rule, indicator, criterion, reason) in reasons {
            sqlx::query(
                "INSERT INTO quality_explanations (unit_id, year, rule_id, indicator_id, \
                 criterion_id, reason, explained_at, explained_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(unit.as_str())
            .bind(year)
            .bind(rule)
            .bind(indicator)
            .bind(criterion)
            .bind(reason)
            .bind(at)
            .bind(&audit.actor)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing an explanation", e))?;
        }
        let text = reasons
            .iter()
            .map(|(rule, indicator, criterion, reason)| {
                let about = [indicator.as_str(), criterion.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("/");
                format!(
                    "{rule}{}: {reason}",
                    if about.is_empty() {
                        String::new()
                    } else {
                        format!(" ({about})")
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let entry = NewAudit {
            action: "quality.explain",
            target_kind: "unit_year",
            target_id: format!("{unit}|{year}"),
            unit_id: Some(unit.to_string()),
            before: None,
            after: Some(if text.is_empty() {
                "không còn giải trình".into()
            } else {
                text
            }),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the explanations", e))
    }

    async fn attach_evidence(
        &self,
        unit: &UnitId,
        year: i32,
        indicator: &str,
        file: &StoredFile,
        quota: i64,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM evidence_files WHERE unit_id = $1",
        )
        .bind(unit.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("reading the unit's evidence", e))?;
        let size = file.bytes.len() as i64;
        let used = used.unwrap_or(0);
        if used + size > quota {
            return Err(StoreError::Conflict(format!(
                "minh chứng của đơn vị đã dùng {} MB trong hạn mức {} MB: tệp “{}” ({} KB) không được lưu",
                used / 1_048_576,
                quota / 1_048_576,
                file.name,
                (size + 1023) / 1024
            )));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence_files (unit_id, year, indicator_id, name, size, bytes, \
             attached_at, attached_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(unit.as_str())
        .bind(year)
        .bind(indicator)
        .bind(&file.name)
        .bind(size)
        .bind(&file.bytes)
        .bind(at)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the evidence", e))?;
        let entry = NewAudit {
            action: "evidence.attach",
            target_kind: "value",
            target_id: ntm_store::value_target_id(unit, year, indicator),
            unit_id: Some(unit.to_string()),
            before: None,
            after: Some(format!("{} ({size} byte)", file.name)),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the evidence", e))?;
        Ok(id)
    }

    async fn evidence_files(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<EvidenceFileInfo>> {
        let rows = match unit {
            Some(u) => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {EVIDENCE_COLUMNS} FROM evidence_files WHERE unit_id = $1 AND year = $2 ORDER BY id"
            )))
            .bind(u.as_str())
            .bind(year)
            .fetch_all(&self.read)
            .await,
            None => sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {EVIDENCE_COLUMNS} FROM evidence_files WHERE year = $1 ORDER BY id"
            )))
            .bind(year)
            .fetch_all(&self.read)
            .await,
        }
        .map_err(|e| db_error("reading the evidence", e))?;
        rows.iter().map(evidence_info).collect()
    }

    async fn evidence_file(&self, id: i64) -> StoreResult<Option<(EvidenceFileInfo, StoredFile)>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLUMNS}, bytes FROM evidence_files WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the evidence", e))?;
        row.map(|r| {
            let info = evidence_info(&r)?;
            let file = StoredFile {
                name: info.name.clone(),
                bytes: get(&r, "bytes")?,
            };
            Ok((info, file))
        })
        .transpose()
    }

    async fn remove_evidence(&self, id: i64, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLUMNS} FROM evidence_files WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the evidence", e))?;
        let Some(row) = row else {
            return Err(StoreError::NotFound(format!("tệp minh chứng {id}")));
        };
        let info = evidence_info(&row)?;
        sqlx::query("DELETE FROM evidence_files WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("removing the evidence", e))?;
        let entry = NewAudit {
            action: "evidence.remove",
            target_kind: "value",
            target_id: ntm_store::value_target_id(&info.unit_id, info.year, &info.indicator),
            unit_id: Some(info.unit_id.to_string()),
            before: Some(format!("{} ({} byte)", info.name, info.size)),
            after: None,
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the removal", e))
    }

    async fn evidence_used(&self, unit: &UnitId) -> StoreResult<i64> {
        let used: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(SUM(size) AS BIGINT) FROM evidence_files WHERE unit_id = $1",
        )
        .bind(unit.as_str())
        .fetch_one(&self.read)
        .await
        .map_err(|e| db_error("reading the unit's evidence", e))?;
        Ok(used.unwrap_or(0))
    }

    async fn map_points(&self) -> StoreResult<Vec<MapPointRecord>> {
        let rows = sqlx::query(
            "SELECT code, lat, lon, note, set_at, set_by FROM map_points ORDER BY code",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the map points", e))?;
        rows.iter()
            .map(|r| {
                Ok(MapPointRecord {
                    code: get(r, "code")?,
                    lat: get(r, "lat")?,
                    lon: get(r, "lon")?,
                    note: get(r, "note")?,
                    set_at: get(r, "set_at")?,
                    set_by: get(r, "set_by")?,
                })
            })
            .collect()
    }

    async fn set_map_point(&self, point: &MapPointRecord, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before: Option<(String, String)> =
            sqlx::query_as("SELECT lat, lon FROM map_points WHERE code = $1")
                .bind(&point.code)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the map point", e))?;
        sqlx::query(
            "INSERT INTO map_points (code, lat, lon, note, set_at, set_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET \
             lat = excluded.lat, lon = excluded.lon, note = excluded.note, \
             set_at = excluded.set_at, set_by = excluded.set_by",
        )
        .bind(&point.code)
        .bind(&point.lat)
        .bind(&point.lon)
        .bind(&point.note)
        .bind(at)
        .bind(&audit.actor)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the map point", e))?;
        let entry = NewAudit {
            action: "map.point",
            target_kind: "map_point",
            target_id: point.code.clone(),
            unit_id: None,
            before: before.map(|(lat, lon)| format!("{lat}, {lon}")),
            after: Some(format!("{}, {} — {}", point.lat, point.lon, point.note)),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the map point", e))
    }

    async fn boundary(&self, tree: &str) -> StoreResult<Option<BoundaryRecord>> {
        let row = sqlx::query(
            "SELECT tree, name, geojson, features, uploaded_at, uploaded_by \
             FROM boundary_files WHERE tree = $1",
        )
        .bind(tree)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the boundary file", e))?;
        row.map(|r| {
            Ok(BoundaryRecord {
                tree: get(&r, "tree")?,
                name: get(&r, "name")?,
                geojson: get(&r, "geojson")?,
                features: get(&r, "features")?,
                uploaded_at: get(&r, "uploaded_at")?,
                uploaded_by: get(&r, "uploaded_by")?,
            })
        })
        .transpose()
    }

    async fn put_boundary(&self, record: &BoundaryRecord, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before: Option<String> =
            sqlx::query_scalar("SELECT name FROM boundary_files WHERE tree = $1")
                .bind(&record.tree)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the boundary file", e))?;
        sqlx::query(
            "INSERT INTO boundary_files (tree, name, geojson, features, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tree) DO UPDATE SET \
             name = excluded.name, geojson = excluded.geojson, features = excluded.features, \
             uploaded_at = excluded.uploaded_at, uploaded_by = excluded.uploaded_by",
        )
        .bind(&record.tree)
        .bind(&record.name)
        .bind(&record.geojson)
        .bind(record.features)
        .bind(at)
        .bind(&audit.actor)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the boundary file", e))?;
        let entry = NewAudit {
            action: "map.boundary",
            target_kind: "boundary_file",
            target_id: record.tree.clone(),
            unit_id: None,
            before,
            after: Some(format!(
                "{} ({} vùng, {} byte sau khi đơn giản hóa)",
                record.name,
                record.features,
                record.geojson.len()
            )),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the boundary file", e))
    }

    async fn rule_files(&self) -> StoreResult<Vec<RuleFileRecord>> {
        let rows = sqlx::query(
            "SELECT set_id, version, source_text, saved_at, saved_by, reason \
             FROM quality_rule_files r WHERE version = \
             (SELECT MAX(version) FROM quality_rule_files WHERE set_id = r.set_id) \
             ORDER BY set_id COLLATE \"C\"",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the rules files", e))?;
        rows.iter().map(rule_file).collect()
    }

    async fn rule_file_history(&self, set_id: &str) -> StoreResult<Vec<RuleFileRecord>> {
        let rows = sqlx::query(
            "SELECT set_id, version, source_text, saved_at, saved_by, reason \
             FROM quality_rule_files WHERE set_id = $1 ORDER BY version",
        )
        .bind(set_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the rules file history", e))?;
        rows.iter().map(rule_file).collect()
    }

    async fn put_rule_file(
        &self,
        set_id: &str,
        text: &str,
        seen: i64,
        audit: &AuditContext,
    ) -> StoreResult<PutOutcome> {
        let mut tx = self.begin_write().await?;
        let latest: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, source_text FROM quality_rule_files WHERE set_id = $1 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(set_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the rules file", e))?;
        let now = latest.as_ref().map_or(0, |(v, _)| *v);
        if seen != now {
            return Err(StoreError::Conflict(format!(
                "quy tắc kiểm tra của bộ {set_id} đã thay đổi kể từ khi bạn mở trang (đang dùng: \
                 phiên bản {now}); không có gì được ghi"
            )));
        }
        if let Some((version, before)) = &latest
            && before == text
        {
            return Ok(PutOutcome::Unchanged { version: *version });
        }
        let version = now + 1;
        let at = audit.at.trunc_subsecs(6);
        sqlx::query(
            "INSERT INTO quality_rule_files (set_id, version, source_text, saved_at, saved_by, reason) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(set_id)
        .bind(version)
        .bind(text)
        .bind(at)
        .bind(&audit.actor)
        .bind(&audit.reason)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the rules file", e))?;
        let entry = NewAudit {
            action: if version == 1 {
                "quality_rules.create"
            } else {
                "quality_rules.update"
            },
            target_kind: "quality_rules",
            target_id: set_id.to_owned(),
            unit_id: None,
            before: (version > 1).then(|| format!("phiên bản {}", version - 1)),
            after: Some(format!("phiên bản {version}")),
        };
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the rules file", e))?;
        Ok(PutOutcome::Created { version })
    }

    async fn record_findings(
        &self,
        unit: &UnitId,
        year: i32,
        current: &[(String, String, String)],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = at.trunc_subsecs(6);
        let before: Vec<(String, String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
            "SELECT finding_key, severity, message, resolved_at FROM quality_findings_seen \
             WHERE unit_id = $1 AND year = $2",
        )
        .bind(unit.as_str())
        .bind(year)
        .fetch_all(&mut *tx)
        .await
        .map_err(|e| db_error("reading the findings seen", e))?;
        // Only what changes is written: PostgreSQL's statement triggers raise the data
        // version even for an UPDATE that matches no row.
        let mut written = std::collections::BTreeSet::new();
        for (key, severity, message) in current {
            if !written.insert(key) {
                continue;
            }
            match before.iter().find(|(k, ..)| k == key) {
                Some((_, s, m, None)) if s == severity && m == message => continue,
                None => sqlx::query(
                    "INSERT INTO quality_findings_seen (unit_id, year, finding_key, severity, \
                     message, first_seen_at, resolved_at) VALUES ($1, $2, $3, $4, $5, $6, NULL)",
                )
                .bind(unit.as_str())
                .bind(year)
                .bind(key)
                .bind(severity)
                .bind(message)
                .bind(at),
                Some(_) => sqlx::query(
                    "UPDATE quality_findings_seen SET severity = $4, message = $5, \
                     resolved_at = NULL WHERE unit_id = $1 AND year = $2 AND finding_key = $3",
                )
                .bind(unit.as_str())
                .bind(year)
                .bind(key)
                .bind(severity)
                .bind(message),
            }
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing a finding seen", e))?;
        }
        for (key, _, _, resolved) in &before {
            if resolved.is_none() && !current.iter().any(|(k, _, _)| k == key) {
                sqlx::query(
                    "UPDATE quality_findings_seen SET resolved_at = $4 \
                     WHERE unit_id = $1 AND year = $2 AND finding_key = $3",
                )
                .bind(unit.as_str())
                .bind(year)
                .bind(key)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("resolving a finding seen", e))?;
            }
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the findings seen", e))
    }

    async fn findings_seen(
        &self,
        unit: Option<&UnitId>,
        year: i32,
    ) -> StoreResult<Vec<SeenFinding>> {
        let select = "SELECT unit_id, year, finding_key, severity, message, first_seen_at, \
                      resolved_at FROM quality_findings_seen";
        let order = "ORDER BY unit_id COLLATE \"C\", finding_key COLLATE \"C\"";
        let rows = match unit {
            Some(u) => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{select} WHERE unit_id = $1 AND year = $2 {order}"
                )))
                .bind(u.as_str())
                .bind(year)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{select} WHERE year = $1 {order}"
                )))
                .bind(year)
                .fetch_all(&self.read)
                .await
            }
        }
        .map_err(|e| db_error("reading the findings seen", e))?;
        rows.iter().map(seen_finding).collect()
    }
}
