//! Sponsorships, their commitments and contributions, and the mobilised funds.
//!
//! Invariants:
//! - A contribution is decided once: the update is conditional on it being pending, in
//!   the transaction that reads it, so two officers answering at once cannot both win.
//! - A commitment never moves to another sponsorship through an edit, and its value never
//!   falls below what is already confirmed against it (checked in the transaction).
//! - A funds import is planned inside its transaction (`ntm_store::resources::plan_funds`).

use async_trait::async_trait;
use chrono::SubsecRound;
use ntm_core::Decimal;
use ntm_core::resources::{
    Commitment, CommitmentKind, Contribution, Decision, FundLine, Source, Sponsorship,
};
use ntm_store::plan::NewAudit;
use ntm_store::resources::{
    ResourceBook, ResourceStore, already_decided, commitment_summary, contribution_summary,
    fund_summary, plan_funds, sponsorship_summary,
};
use ntm_store::{AuditContext, StoreError, StoreResult, StoredFile, plan};

use super::db_error;
use super::get;
use super::ocop::{all, bad, decimal, finish};
use crate::dialect::{Backend, DbConn, DbRow};

fn opt_decimal(row: &DbRow, col: &str) -> StoreResult<Option<Decimal>> {
    let s: Option<String> = get(row, col)?;
    s.map(|s| s.parse().map_err(|_| bad(col, &s))).transpose()
}

fn text(d: Decimal) -> String {
    d.normalize().to_string()
}

const SPONSORSHIP_COLUMNS: &str = "id, organisation_id, unit_id, village_id, starts_on, ends_on, \
     document, document_date, goal, note, illustrative";

fn sponsorship_row(row: &DbRow) -> StoreResult<Sponsorship> {
    let unit: String = get(row, "unit_id")?;
    Ok(Sponsorship {
        id: get(row, "id")?,
        organisation: get(row, "organisation_id")?,
        unit: plan::parse_unit_id(&unit, "sponsorships.unit_id")?,
        village: get(row, "village_id")?,
        from: get(row, "starts_on")?,
        until: get(row, "ends_on")?,
        document: get(row, "document")?,
        document_date: get(row, "document_date")?,
        goal: get(row, "goal")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

const COMMITMENT_COLUMNS: &str =
    "id, sponsorship_id, kind, description, criterion, quantity, value, due_on, illustrative";

fn commitment_row(row: &DbRow) -> StoreResult<Commitment> {
    let kind: String = get(row, "kind")?;
    Ok(Commitment {
        id: get(row, "id")?,
        sponsorship: get(row, "sponsorship_id")?,
        kind: CommitmentKind::parse(&kind).ok_or_else(|| bad("sponsor_commitments.kind", &kind))?,
        description: get(row, "description")?,
        criterion: get(row, "criterion")?,
        quantity: opt_decimal(row, "quantity")?,
        value: decimal(row, "value")?,
        due: get(row, "due_on")?,
        illustrative: get(row, "illustrative")?,
    })
}

const CONTRIBUTION_COLUMNS: &str = "id, commitment_id, given_on, value, quantity, evidence, \
     file_name, recorded_by, recorded_at, confirmed, decided_by, decided_at, reason, illustrative";

fn contribution_row(row: &DbRow) -> StoreResult<Contribution> {
    let confirmed: Option<bool> = get(row, "confirmed")?;
    Ok(Contribution {
        id: get(row, "id")?,
        commitment: get(row, "commitment_id")?,
        on: get(row, "given_on")?,
        value: decimal(row, "value")?,
        quantity: opt_decimal(row, "quantity")?,
        evidence: get(row, "evidence")?,
        file_name: get(row, "file_name")?,
        recorded_by: get(row, "recorded_by")?,
        recorded_at: get(row, "recorded_at")?,
        decision: match confirmed {
            Some(confirmed) => Some(Decision {
                confirmed,
                by: get::<Option<String>>(row, "decided_by")?.unwrap_or_default(),
                at: get::<Option<chrono::DateTime<chrono::Utc>>>(row, "decided_at")?
                    .ok_or_else(|| bad("sponsor_contributions.decided_at", "NULL"))?,
                reason: get::<Option<String>>(row, "reason")?.unwrap_or_default(),
            }),
            None => None,
        },
        illustrative: get(row, "illustrative")?,
    })
}

const FUND_COLUMNS: &str = "id, unit_id, year, source, criterion, work, planned, actual, \
     document, note, illustrative";

fn fund_row(row: &DbRow) -> StoreResult<FundLine> {
    let unit: String = get(row, "unit_id")?;
    let source: String = get(row, "source")?;
    Ok(FundLine {
        id: get(row, "id")?,
        unit: plan::parse_unit_id(&unit, "fund_lines.unit_id")?,
        year: get(row, "year")?,
        source: Source::parse(&source).ok_or_else(|| bad("fund_lines.source", &source))?,
        criterion: get(row, "criterion")?,
        work: get(row, "work")?,
        planned: decimal(row, "planned")?,
        actual: decimal(row, "actual")?,
        document: get(row, "document")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

async fn one<T>(
    conn: &mut DbConn,
    sql: String,
    id: i64,
    what: &str,
    f: fn(&DbRow) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| db_error(what, e))?;
    row.as_ref().map(f).transpose()
}

async fn sponsorship(conn: &mut DbConn, id: i64) -> StoreResult<Sponsorship> {
    one(
        conn,
        format!("SELECT {SPONSORSHIP_COLUMNS} FROM sponsorships WHERE id = $1"),
        id,
        "reading the sponsorship",
        sponsorship_row,
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("đỡ đầu {id}")))
}

async fn commitment(conn: &mut DbConn, id: i64) -> StoreResult<Commitment> {
    one(
        conn,
        format!("SELECT {COMMITMENT_COLUMNS} FROM sponsor_commitments WHERE id = $1"),
        id,
        "reading the commitment",
        commitment_row,
    )
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("cam kết {id}")))
}

/// What is confirmed against a commitment, in đồng.
async fn confirmed_value(conn: &mut DbConn, commitment: i64) -> StoreResult<Decimal> {
    let values: Vec<String> = sqlx::query_scalar(
        "SELECT value FROM sponsor_contributions WHERE commitment_id = $1 AND confirmed = $2",
    )
    .bind(commitment)
    .bind(true)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the contributions", e))?;
    values
        .iter()
        .map(|v| {
            v.parse::<Decimal>()
                .map_err(|_| bad("sponsor_contributions.value", v))
        })
        .sum()
}

fn work_key(l: &FundLine) -> String {
    ntm_core::text::search_key(&l.work)
}

#[async_trait]
impl ResourceStore for Backend {
    async fn resource_book(&self) -> StoreResult<ResourceBook> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("reading the sponsorships", e))?;
        Ok(ResourceBook {
            sponsorships: all(
                &mut conn,
                format!("SELECT {SPONSORSHIP_COLUMNS} FROM sponsorships ORDER BY starts_on, id"),
                "reading the sponsorships",
                sponsorship_row,
            )
            .await?,
            commitments: all(
                &mut conn,
                format!(
                    "SELECT {COMMITMENT_COLUMNS} FROM sponsor_commitments ORDER BY sponsorship_id, id"
                ),
                "reading the commitments",
                commitment_row,
            )
            .await?,
            contributions: all(
                &mut conn,
                format!(
                    "SELECT {CONTRIBUTION_COLUMNS} FROM sponsor_contributions \
                     ORDER BY commitment_id, given_on, id"
                ),
                "reading the contributions",
                contribution_row,
            )
            .await?,
            funds: all(
                &mut conn,
                format!(
                    "SELECT {FUND_COLUMNS} FROM fund_lines \
                     ORDER BY year, unit_id COLLATE \"C\", source COLLATE \"C\", id"
                ),
                "reading the funds",
                fund_row,
            )
            .await?,
        })
    }

    async fn put_sponsorship(&self, s: &Sponsorship, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let org: Option<i64> = sqlx::query_scalar("SELECT id FROM organisations WHERE id = $1")
            .bind(s.organisation)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the organisation", e))?;
        if org.is_none() {
            return Err(StoreError::NotFound(format!("tổ chức {}", s.organisation)));
        }
        let before = if s.id == 0 {
            None
        } else {
            Some(sponsorship(&mut tx, s.id).await?)
        };
        if let Some(b) = &before {
            // The period must still hold what was delivered under it.
            let days: Vec<chrono::NaiveDate> = sqlx::query_scalar(
                "SELECT k.given_on FROM sponsor_contributions k \
                 JOIN sponsor_commitments c ON c.id = k.commitment_id WHERE c.sponsorship_id = $1",
            )
            .bind(b.id)
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| db_error("reading the contributions", e))?;
            if let Some(outside) = days.iter().find(|d| !s.covers(**d)) {
                return Err(StoreError::Conflict(format!(
                    "đã có khoản đóng góp ngày {}: thời gian đỡ đầu phải bao gồm ngày đó",
                    outside.format("%d/%m/%Y")
                )));
            }
        }
        let id = if let Some(b) = &before {
            sqlx::query(
                "UPDATE sponsorships SET organisation_id = $1, unit_id = $2, village_id = $3, \
                 starts_on = $4, ends_on = $5, document = $6, document_date = $7, goal = $8, \
                 note = $9, illustrative = $10 WHERE id = $11",
            )
            .bind(s.organisation)
            .bind(s.unit.as_str())
            .bind(s.village)
            .bind(s.from)
            .bind(s.until)
            .bind(s.document.trim())
            .bind(s.document_date)
            .bind(s.goal.trim())
            .bind(s.note.trim())
            .bind(s.illustrative)
            .bind(b.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing the sponsorship", e))?;
            b.id
        } else {
            sqlx::query_scalar(
                "INSERT INTO sponsorships (organisation_id, unit_id, village_id, starts_on, \
                 ends_on, document, document_date, goal, note, illustrative) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(s.organisation)
            .bind(s.unit.as_str())
            .bind(s.village)
            .bind(s.from)
            .bind(s.until)
            .bind(s.document.trim())
            .bind(s.document_date)
            .bind(s.goal.trim())
            .bind(s.note.trim())
            .bind(s.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing the sponsorship", e))?
        };
        let a = NewAudit {
            action: if before.is_some() {
                "sponsorship.update"
            } else {
                "sponsorship.create"
            },
            target_kind: "sponsorship",
            target_id: id.to_string(),
            // Sponsorship money is not the commune's data: who reads the commune's audit
            // (a department among them) must not read other organisations' money there.
            unit_id: None,
            before: before.as_ref().map(sponsorship_summary),
            after: Some(sponsorship_summary(s)),
        };
        finish(tx, &[a], audit, at, "committing the sponsorship").await?;
        Ok(id)
    }

    async fn put_commitment(&self, c: &Commitment, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        // NotFound without its sponsorship.
        sponsorship(&mut tx, c.sponsorship).await?;
        let before = if c.id == 0 {
            None
        } else {
            Some(commitment(&mut tx, c.id).await?)
        };
        let id = if let Some(b) = &before {
            if b.sponsorship != c.sponsorship {
                return Err(StoreError::Conflict(format!(
                    "cam kết {} thuộc đỡ đầu {}, không chuyển sang đỡ đầu khác được",
                    b.id, b.sponsorship
                )));
            }
            let confirmed = confirmed_value(&mut tx, b.id).await?;
            if c.value < confirmed {
                return Err(StoreError::Conflict(format!(
                    "giá trị cam kết không thể nhỏ hơn phần đã được xác nhận ({} đồng)",
                    ntm_core::text::vi_number(confirmed)
                )));
            }
            sqlx::query(
                "UPDATE sponsor_commitments SET kind = $1, description = $2, criterion = $3, \
                 quantity = $4, value = $5, due_on = $6, illustrative = $7 WHERE id = $8",
            )
            .bind(c.kind.as_str())
            .bind(c.description.trim())
            .bind(c.criterion.trim())
            .bind(c.quantity.map(text))
            .bind(text(c.value))
            .bind(c.due)
            .bind(c.illustrative)
            .bind(b.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing the commitment", e))?;
            b.id
        } else {
            sqlx::query_scalar(
                "INSERT INTO sponsor_commitments (sponsorship_id, kind, description, criterion, \
                 quantity, value, due_on, illustrative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id",
            )
            .bind(c.sponsorship)
            .bind(c.kind.as_str())
            .bind(c.description.trim())
            .bind(c.criterion.trim())
            .bind(c.quantity.map(text))
            .bind(text(c.value))
            .bind(c.due)
            .bind(c.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing the commitment", e))?
        };
        let a = NewAudit {
            action: if before.is_some() {
                "sponsor_commitment.update"
            } else {
                "sponsor_commitment.create"
            },
            target_kind: "sponsor_commitment",
            target_id: id.to_string(),
            // Sponsorship money is not the commune's data: who reads the commune's audit
            // (a department among them) must not read other organisations' money there.
            unit_id: None,
            before: before.as_ref().map(commitment_summary),
            after: Some(commitment_summary(c)),
        };
        finish(tx, &[a], audit, at, "committing the commitment").await?;
        Ok(id)
    }

    async fn record_contribution(
        &self,
        c: &Contribution,
        file: Option<&StoredFile>,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        // NotFound without its commitment.
        commitment(&mut tx, c.commitment).await?;
        let mut stored = c.clone();
        stored.recorded_at = at;
        stored.recorded_by = audit.actor.clone();
        stored.file_name = file.map(|f| f.name.clone());
        if let Some(d) = &mut stored.decision {
            d.at = at;
            d.by = audit.actor.clone();
        }
        let d = stored.decision.as_ref();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sponsor_contributions (commitment_id, given_on, value, quantity, \
             evidence, file_name, file_bytes, recorded_by, recorded_at, confirmed, decided_by, \
             decided_at, reason, illustrative) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(c.commitment)
        .bind(c.on)
        .bind(text(c.value))
        .bind(c.quantity.map(text))
        .bind(c.evidence.trim())
        .bind(file.map(|f| f.name.clone()))
        .bind(file.map(|f| f.bytes.clone()))
        .bind(&stored.recorded_by)
        .bind(at)
        .bind(d.map(|d| d.confirmed))
        .bind(d.map(|d| d.by.clone()))
        .bind(d.map(|d| d.at))
        .bind(d.map(|d| d.reason.trim().to_string()))
        .bind(c.illustrative)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the contribution", e))?;
        let a = NewAudit {
            action: "sponsor_contribution.create",
            target_kind: "sponsor_contribution",
            target_id: id.to_string(),
            // Sponsorship money is not the commune's data: who reads the commune's audit
            // (a department among them) must not read other organisations' money there.
            unit_id: None,
            before: None,
            after: Some(contribution_summary(&stored)),
        };
        finish(tx, &[a], audit, at, "committing the contribution").await?;
        Ok(id)
    }

    async fn decide_contribution(
        &self,
        id: i64,
        decision: &Decision,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before = one(
            &mut tx,
            format!("SELECT {CONTRIBUTION_COLUMNS} FROM sponsor_contributions WHERE id = $1"),
            id,
            "reading the contribution",
            contribution_row,
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("khoản đóng góp {id}")))?;
        if before.decision.is_some() {
            return Err(already_decided(id));
        }
        let done = sqlx::query(
            "UPDATE sponsor_contributions SET confirmed = $1, decided_by = $2, decided_at = $3, \
             reason = $4 WHERE id = $5 AND confirmed IS NULL",
        )
        .bind(decision.confirmed)
        .bind(&audit.actor)
        .bind(at)
        .bind(decision.reason.trim())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("deciding the contribution", e))?;
        if done.rows_affected() != 1 {
            return Err(already_decided(id));
        }
        let after = Contribution {
            decision: Some(Decision {
                confirmed: decision.confirmed,
                by: audit.actor.clone(),
                at,
                reason: decision.reason.trim().to_string(),
            }),
            ..before.clone()
        };
        let mut summary = contribution_summary(&after);
        if !decision.reason.trim().is_empty() {
            summary.push_str(&format!(": {}", decision.reason.trim()));
        }
        let a = NewAudit {
            action: if decision.confirmed {
                "sponsor_contribution.confirm"
            } else {
                "sponsor_contribution.refuse"
            },
            target_kind: "sponsor_contribution",
            target_id: id.to_string(),
            // Sponsorship money is not the commune's data: who reads the commune's audit
            // (a department among them) must not read other organisations' money there.
            unit_id: None,
            before: Some(contribution_summary(&before)),
            after: Some(summary),
        };
        finish(tx, &[a], audit, at, "committing the decision").await
    }

    async fn contribution_file(&self, id: i64) -> StoreResult<Option<StoredFile>> {
        let row = sqlx::query(
            "SELECT file_name, file_bytes FROM sponsor_contributions WHERE id = $1 \
             AND file_name IS NOT NULL",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the evidence file", e))?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(StoredFile {
            name: get::<Option<String>>(&row, "file_name")?.unwrap_or_default(),
            bytes: get::<Option<Vec<u8>>>(&row, "file_bytes")?.unwrap_or_default(),
        }))
    }

    async fn import_funds(
        &self,
        lines: &[FundLine],
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let stored = all(
            &mut tx,
            format!("SELECT {FUND_COLUMNS} FROM fund_lines ORDER BY id"),
            "reading the funds",
            fund_row,
        )
        .await?;
        let plan = plan_funds(lines, &stored).map_err(|p| StoreError::Conflict(p.join("; ")))?;
        let mut audits = Vec::new();
        for l in &plan.new {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO fund_lines (unit_id, year, source, criterion, work, work_key, \
                 planned, actual, document, note, illustrative) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(l.unit.as_str())
            .bind(l.year)
            .bind(l.source.as_str())
            .bind(l.criterion.trim().to_lowercase())
            .bind(l.work.trim())
            .bind(work_key(l))
            .bind(text(l.planned))
            .bind(text(l.actual))
            .bind(l.document.trim())
            .bind(l.note.trim())
            .bind(l.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing a fund line", e))?;
            audits.push(NewAudit {
                action: "fund_line.create",
                target_kind: "fund_line",
                target_id: id.to_string(),
                unit_id: Some(l.unit.to_string()),
                before: None,
                after: Some(fund_summary(l)),
            });
        }
        for (before, after) in &plan.changed {
            sqlx::query(
                "UPDATE fund_lines SET planned = $1, actual = $2, document = $3, note = $4 \
                 WHERE id = $5",
            )
            .bind(text(after.planned))
            .bind(text(after.actual))
            .bind(after.document.trim())
            .bind(after.note.trim())
            .bind(before.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing a fund line", e))?;
            audits.push(NewAudit {
                action: "fund_line.update",
                target_kind: "fund_line",
                target_id: before.id.to_string(),
                unit_id: Some(before.unit.to_string()),
                before: Some(fund_summary(before)),
                after: Some(fund_summary(after)),
            });
        }
        finish(tx, &audits, audit, at, "committing the funds").await?;
        Ok((plan.new.len(), plan.changed.len(), plan.unchanged))
    }

    async fn delete_fund_line(&self, id: i64, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before = one(
            &mut tx,
            format!("SELECT {FUND_COLUMNS} FROM fund_lines WHERE id = $1"),
            id,
            "reading the fund line",
            fund_row,
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("khoản huy động {id}")))?;
        sqlx::query("DELETE FROM fund_lines WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("removing the fund line", e))?;
        let a = NewAudit {
            action: "fund_line.delete",
            target_kind: "fund_line",
            target_id: id.to_string(),
            unit_id: Some(before.unit.to_string()),
            before: Some(fund_summary(&before)),
            after: None,
        };
        finish(tx, &[a], audit, at, "committing the removal").await
    }
}
