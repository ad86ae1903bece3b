//! Target plans, their targets and shares.
//!
//! Invariants:
//! - A plan is written whole in one transaction with its audit entry: its header, then its
//!   targets and shares deleted and inserted again in the given order.
//! - A save or delete first checks, inside the transaction, that the stored version is the
//!   one the writer read.

use async_trait::async_trait;
use chrono::SubsecRound;
use ntm_store::targets::plan_audit;
use ntm_store::{
    AuditContext, ShareRecord, StoreError, StoreResult, TargetPlanRecord, TargetRecord,
    TargetStore, plan,
};

use super::{db_error, get, insert_audits};
use crate::dialect::{Backend, DbConn, DbRow};

const PLAN_COLUMNS: &str = "id, scope_id, period, title, doc_number, doc_date, doc_body, \
     illustrative, note, version, created_at, created_by";

#[async_trait]
impl TargetStore for Backend {
    async fn create_plan(&self, p: &TargetPlanRecord, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO target_plans (scope_id, period, title, doc_number, doc_date, doc_body, \
             illustrative, note, version, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10) RETURNING id",
        )
        .bind(p.scope_id.as_str())
        .bind(&p.period)
        .bind(&p.title)
        .bind(&p.doc_number)
        .bind(p.doc_date)
        .bind(&p.doc_body)
        .bind(p.illustrative)
        .bind(&p.note)
        .bind(at)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the plan", e))?;
        insert_targets(&mut tx, id, &p.targets).await?;
        let stored = TargetPlanRecord { id, ..p.clone() };
        insert_audits(
            &mut tx,
            &[plan_audit("target_plan.create", None, Some(&stored))],
            audit,
            at,
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the plan", e))?;
        Ok(id)
    }

    async fn get_plan(&self, id: i64) -> StoreResult<Option<TargetPlanRecord>> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("reading the plan", e))?;
        read_plan(&mut conn, id).await
    }

    async fn list_plans(&self) -> StoreResult<Vec<TargetPlanRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {PLAN_COLUMNS} FROM target_plans ORDER BY period COLLATE \"C\", scope_id COLLATE \"C\", id"
        )))
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the plans", e))?;
        let mut plans: Vec<TargetPlanRecord> =
            rows.iter().map(plan_record).collect::<StoreResult<_>>()?;
        let target_rows = sqlx::query(
            "SELECT plan_id, seq, kind, amount, note FROM targets ORDER BY plan_id, seq",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the targets", e))?;
        let share_rows = sqlx::query(
            "SELECT plan_id, seq, unit_id, amount FROM target_shares ORDER BY plan_id, seq, pos",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the shares", e))?;
        attach(&mut plans, &target_rows, &share_rows)?;
        Ok(plans)
    }

    async fn save_plan(&self, p: &TargetPlanRecord, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before = read_plan(&mut tx, p.id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("kế hoạch {}", p.id)))?;
        if before.version != p.version {
            return Err(StoreError::Conflict(format!(
                "kế hoạch đã được người khác lưu (phiên bản {}, bạn mở phiên bản {}); không có gì được ghi",
                before.version, p.version
            )));
        }
        sqlx::query(
            "UPDATE target_plans SET scope_id = $1, period = $2, title = $3, doc_number = $4, \
             doc_date = $5, doc_body = $6, illustrative = $7, note = $8, version = version + 1 \
             WHERE id = $9",
        )
        .bind(p.scope_id.as_str())
        .bind(&p.period)
        .bind(&p.title)
        .bind(&p.doc_number)
        .bind(p.doc_date)
        .bind(&p.doc_body)
        .bind(p.illustrative)
        .bind(&p.note)
        .bind(p.id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the plan", e))?;
        delete_targets(&mut tx, p.id).await?;
        insert_targets(&mut tx, p.id, &p.targets).await?;
        let after = TargetPlanRecord {
            version: p.version + 1,
            ..p.clone()
        };
        insert_audits(
            &mut tx,
            &[plan_audit(
                "target_plan.update",
                Some(&before),
                Some(&after),
            )],
            audit,
            at,
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the plan", e))?;
        Ok(())
    }

    async fn delete_plan(&self, id: i64, version: i32, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before = read_plan(&mut tx, id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("kế hoạch {id}")))?;
        if before.version != version {
            return Err(StoreError::Conflict(format!(
                "kế hoạch đã được người khác lưu (phiên bản {}, bạn mở phiên bản {version}); không có gì bị xóa",
                before.version
            )));
        }
        delete_targets(&mut tx, id).await?;
        sqlx::query("DELETE FROM target_plans WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("deleting the plan", e))?;
        insert_audits(
            &mut tx,
            &[plan_audit("target_plan.delete", Some(&before), None)],
            audit,
            at,
        )
        .await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the deletion", e))?;
        Ok(())
    }
}

async fn read_plan(conn: &mut DbConn, id: i64) -> StoreResult<Option<TargetPlanRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PLAN_COLUMNS} FROM target_plans WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading the plan", e))?;
    let Some(row) = row else { return Ok(None) };
    let mut plans = vec![plan_record(&row)?];
    let target_rows = sqlx::query(
        "SELECT plan_id, seq, kind, amount, note FROM targets WHERE plan_id = $1 ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the targets", e))?;
    let share_rows = sqlx::query(
        "SELECT plan_id, seq, unit_id, amount FROM target_shares WHERE plan_id = $1 ORDER BY seq, pos",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading the shares", e))?;
    attach(&mut plans, &target_rows, &share_rows)?;
    Ok(plans.pop())
}

fn attach(plans: &mut [TargetPlanRecord], targets: &[DbRow], shares: &[DbRow]) -> StoreResult<()> {
    let mut index = std::collections::HashMap::new();
    for (k, p) in plans.iter().enumerate() {
        index.insert(p.id, k);
    }
    for row in targets {
        let plan_id: i64 = get(row, "plan_id")?;
        if let Some(&k) = index.get(&plan_id) {
            plans[k].targets.push(TargetRecord {
                kind: get(row, "kind")?,
                amount: get(row, "amount")?,
                note: get(row, "note")?,
                shares: vec![],
            });
        }
    }
    for row in shares {
        let plan_id: i64 = get(row, "plan_id")?;
        let seq: i32 = get(row, "seq")?;
        let unit: String = get(row, "unit_id")?;
        if let Some(t) = index.get(&plan_id).and_then(|&k| {
            plans[k]
                .targets
                .get_mut(usize::try_from(seq).unwrap_or(usize::MAX))
        }) {
            t.shares.push(ShareRecord {
                unit_id: plan::parse_unit_id(&unit, "target_shares.unit_id")?,
                amount: get(row, "amount")?,
            });
        }
    }
    Ok(())
}

async fn delete_targets(conn: &mut DbConn, plan_id: i64) -> StoreResult<()> {
    for table in ["target_shares", "targets"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE plan_id = $1"
        )))
        .bind(plan_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("replacing the targets", e))?;
    }
    Ok(())
}

async fn insert_targets(
    conn: &mut DbConn,
    plan_id: i64,
    targets: &[TargetRecord],
) -> StoreResult<()> {
    for (seq, t) in (0_i32..).zip(targets) {
        sqlx::query(
            "INSERT INTO targets (plan_id, seq, kind, amount, note) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(plan_id)
        .bind(seq)
        .bind(&t.kind)
        .bind(&t.amount)
        .bind(&t.note)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("writing the targets", e))?;
        for (pos, s) in (0_i32..).zip(&t.shares) {
            sqlx::query(
                "INSERT INTO target_shares (plan_id, seq, unit_id, amount, pos) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(plan_id)
            .bind(seq)
            .bind(s.unit_id.as_str())
            .bind(&s.amount)
            .bind(pos)
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error("writing the shares", e))?;
        }
    }
    Ok(())
}

fn plan_record(row: &DbRow) -> StoreResult<TargetPlanRecord> {
    let scope: String = get(row, "scope_id")?;
    Ok(TargetPlanRecord {
        id: get(row, "id")?,
        scope_id: plan::parse_unit_id(&scope, "target_plans.scope_id")?,
        period: get(row, "period")?,
        title: get(row, "title")?,
        doc_number: get(row, "doc_number")?,
        doc_date: get(row, "doc_date")?,
        doc_body: get(row, "doc_body")?,
        illustrative: get(row, "illustrative")?,
        note: get(row, "note")?,
        version: get(row, "version")?,
        created_at: get(row, "created_at")?,
        created_by: get(row, "created_by")?,
        targets: vec![],
    })
}
