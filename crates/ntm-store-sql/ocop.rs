//! OCOP: producers, products, rounds and councils, sheets, conditions and checks, dossier
//! files, certificates, support and expiry alerts.
//!
//! Invariants:
//! - A sheet is written only while its round is open and only by one of the round's
//!   members, checked inside the writing transaction: closing scoring and a late sheet
//!   cannot both succeed.
//! - Certificates are only added; an ending is written once, with its grounds.
//! - A support import is planned inside its transaction (`ntm_store::ocop::plan_support`).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use ntm_core::Decimal;
use ntm_core::ocop::{
    Certificate, Condition, EndKind, Ending, FundSource, Level, Producer, ProducerKind, Product,
    RuleSet, Sheet, Support, SupportCategory,
};
use ntm_store::ocop::{
    Entry, EntryFileInfo, OcopBook, OcopStore, Round, SheetRecord, audit as new_audit,
    certificate_summary, entry_not_found, plan_support, producer_summary, product_summary,
    round_closed, round_not_found, support_summary,
};
use ntm_store::plan::NewAudit;
use ntm_store::{AuditContext, StoreError, StoreResult, StoredFile, plan};

use super::{db_error, get, insert_audits};
use crate::dialect::{Backend, DbConn, DbRow};

pub(super) fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Other(anyhow::anyhow!("{what} {v:?}"))
}

pub(super) fn decimal(row: &DbRow, col: &str) -> StoreResult<Decimal> {
    let s: String = get(row, col)?;
    s.parse().map_err(|_| bad(col, &s))
}

fn stars(row: &DbRow, col: &str) -> StoreResult<u8> {
    let v: i32 = get(row, col)?;
    u8::try_from(v).map_err(|_| bad(col, &v.to_string()))
}

const PRODUCER_COLUMNS: &str =
    "id, name, kind, unit_id, address, registration, representative, phone, note, illustrative";

fn producer_row(row: &DbRow) -> StoreResult<Producer> {
    let kind: String = get(row, "kind")?;
    let unit: String = get(row, "unit_id")?;
    Ok(Producer {
        id: get(row, "id")?,
        name: get(row, "name")?,
        kind: ProducerKind::parse(&kind).ok_or_else(|| bad("ocop_producers.kind", &kind))?,
        unit: plan::parse_unit_id(&unit, "ocop_producers.unit_id")?,
        address: get(row, "address")?,
        registration: get(row, "registration")?,
        representative: get(row, "representative")?,
        phone: get(row, "phone")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

const PRODUCT_COLUMNS: &str = "id, producer_id, name, product_set, group_1048, collective_brand, \
     regional, national_code, description, note, illustrative";

fn product_row(row: &DbRow) -> StoreResult<Product> {
    let group: Option<i32> = get(row, "group_1048")?;
    Ok(Product {
        id: get(row, "id")?,
        producer: get(row, "producer_id")?,
        name: get(row, "name")?,
        product_set: get(row, "product_set")?,
        group_1048: group.and_then(|g| u8::try_from(g).ok()),
        collective_brand: get(row, "collective_brand")?,
        regional: get(row, "regional")?,
        national_code: get(row, "national_code")?,
        description: get(row, "description")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

const ROUND_COLUMNS: &str = "id, name, level, unit_id, held_on, rule_set, secretary_id, \
     outlier_points, closed_at, closed_by, note, illustrative";

fn round_row(row: &DbRow) -> StoreResult<Round> {
    let level: String = get(row, "level")?;
    let rule: String = get(row, "rule_set")?;
    let unit: String = get(row, "unit_id")?;
    Ok(Round {
        id: get(row, "id")?,
        name: get(row, "name")?,
        level: Level::parse(&level).ok_or_else(|| bad("ocop_rounds.level", &level))?,
        unit: plan::parse_unit_id(&unit, "ocop_rounds.unit_id")?,
        held_on: get(row, "held_on")?,
        rule_set: RuleSet::parse(&rule).ok_or_else(|| bad("ocop_rounds.rule_set", &rule))?,
        secretary: get(row, "secretary_id")?,
        members: Vec::new(),
        outlier_points: decimal(row, "outlier_points")?,
        closed_at: get(row, "closed_at")?,
        closed_by: get(row, "closed_by")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

const CERT_COLUMNS: &str = "id, product_id, stars, level, rule_set, year, decision_number, decision_date, \
     certificate_number, entry_id, ended_kind, ended_on, ended_number, ended_reason, note, illustrative";

fn cert_row(row: &DbRow) -> StoreResult<Certificate> {
    let level: String = get(row, "level")?;
    let rule: String = get(row, "rule_set")?;
    let ended: Option<String> = get(row, "ended_kind")?;
    Ok(Certificate {
        id: get(row, "id")?,
        product: get(row, "product_id")?,
        stars: stars(row, "stars")?,
        level: Level::parse(&level).ok_or_else(|| bad("ocop_certificates.level", &level))?,
        rule_set: RuleSet::parse(&rule).ok_or_else(|| bad("ocop_certificates.rule_set", &rule))?,
        year: get(row, "year")?,
        decision_number: get(row, "decision_number")?,
        decision_date: get(row, "decision_date")?,
        certificate_number: get(row, "certificate_number")?,
        entry: get(row, "entry_id")?,
        ended: match ended {
            Some(k) => Some(Ending {
                kind: EndKind::parse(&k).ok_or_else(|| bad("ocop_certificates.ended_kind", &k))?,
                on: get::<Option<NaiveDate>>(row, "ended_on")?
                    .ok_or_else(|| bad("ocop_certificates.ended_on", "NULL"))?,
                number: get::<Option<String>>(row, "ended_number")?.unwrap_or_default(),
                reason: get::<Option<String>>(row, "ended_reason")?.unwrap_or_default(),
            }),
            None => None,
        },
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

const SUPPORT_COLUMNS: &str =
    "id, product_id, year, category, source, amount, document, note, illustrative";

fn support_row(row: &DbRow) -> StoreResult<Support> {
    let category: String = get(row, "category")?;
    let source: String = get(row, "source")?;
    Ok(Support {
        id: get(row, "id")?,
        product: get(row, "product_id")?,
        year: get(row, "year")?,
        category: SupportCategory::parse(&category)
            .ok_or_else(|| bad("ocop_support.category", &category))?,
        source: FundSource::parse(&source).ok_or_else(|| bad("ocop_support.source", &source))?,
        amount: decimal(row, "amount")?,
        document: get(row, "document")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
    })
}

fn condition_row(row: &DbRow) -> StoreResult<Condition> {
    let rule: String = get(row, "rule_set")?;
    Ok(Condition {
        rule_set: RuleSet::parse(&rule).ok_or_else(|| bad("ocop_conditions.rule_set", &rule))?,
        product_set: get(row, "product_set")?,
        stars: stars(row, "stars")?,
        code: get(row, "code")?,
        text: get(row, "text")?,
        source: get(row, "source")?,
    })
}

pub(super) async fn all<T>(
    conn: &mut DbConn,
    sql: String,
    what: &str,
    f: fn(&DbRow) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| db_error(what, e))?;
    rows.iter().map(f).collect()
}

async fn read_book(conn: &mut DbConn) -> StoreResult<OcopBook> {
    let producers = all(
        conn,
        format!("SELECT {PRODUCER_COLUMNS} FROM ocop_producers ORDER BY name COLLATE \"C\", id"),
        "reading the OCOP producers",
        producer_row,
    )
    .await?;
    let products = all(
        conn,
        format!(
            "SELECT {PRODUCT_COLUMNS} FROM ocop_products ORDER BY producer_id, name COLLATE \"C\", id"
        ),
        "reading the OCOP products",
        product_row,
    )
    .await?;
    let mut rounds = all(
        conn,
        format!("SELECT {ROUND_COLUMNS} FROM ocop_rounds ORDER BY held_on, id"),
        "reading the OCOP rounds",
        round_row,
    )
    .await?;
    let members =
        sqlx::query("SELECT round_id, user_id FROM ocop_round_members ORDER BY round_id, user_id")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading the OCOP councils", e))?;
    for m in &members {
        let round: i64 = get(m, "round_id")?;
        let user: i64 = get(m, "user_id")?;
        if let Some(r) = rounds.iter_mut().find(|r| r.id == round) {
            r.members.push(user);
        }
    }
    let entries = all(
        conn,
        "SELECT id, round_id, product_id, note, checked_on, checked_by, check_note \
         FROM ocop_entries ORDER BY round_id, id"
            .into(),
        "reading the OCOP entries",
        |row| {
            let on: Option<NaiveDate> = get(row, "checked_on")?;
            Ok(Entry {
                id: get(row, "id")?,
                round: get(row, "round_id")?,
                product: get(row, "product_id")?,
                note: get(row, "note")?,
                precheck: match on {
                    Some(on) => Some(ntm_store::ocop::Precheck {
                        on,
                        by: get::<Option<String>>(row, "checked_by")?.unwrap_or_default(),
                        note: get::<Option<String>>(row, "check_note")?.unwrap_or_default(),
                    }),
                    None => None,
                },
            })
        },
    )
    .await?;
    let certificates = all(
        conn,
        format!("SELECT {CERT_COLUMNS} FROM ocop_certificates ORDER BY decision_date, id"),
        "reading the OCOP certificates",
        cert_row,
    )
    .await?;
    let conditions = all(
        conn,
        "SELECT rule_set, product_set, stars, code, text, source FROM ocop_conditions \
         ORDER BY rule_set COLLATE \"C\", product_set COLLATE \"C\", stars, code COLLATE \"C\""
            .into(),
        "reading the OCOP conditions",
        condition_row,
    )
    .await?;
    let support = all(
        conn,
        format!("SELECT {SUPPORT_COLUMNS} FROM ocop_support ORDER BY year, product_id, id"),
        "reading the OCOP support",
        support_row,
    )
    .await?;
    Ok(OcopBook {
        producers,
        products,
        rounds,
        entries,
        certificates,
        conditions,
        support,
    })
}

async fn producer_unit(conn: &mut DbConn, product: i64) -> StoreResult<Option<String>> {
    sqlx::query_scalar(
        "SELECT p.unit_id FROM ocop_products d JOIN ocop_producers p ON p.id = d.producer_id \
         WHERE d.id = $1",
    )
    .bind(product)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading a product's producer", e))
}

/// The round of an entry and whether it is closed, with the organising unit.
async fn entry_round(conn: &mut DbConn, entry: i64) -> StoreResult<Round> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM ocop_rounds r JOIN ocop_entries e ON e.round_id = r.id WHERE e.id = $1",
        ROUND_COLUMNS
            .split(", ")
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    )))
    .bind(entry)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading an entry's round", e))?;
    match row {
        Some(r) => round_row(&r),
        None => Err(entry_not_found(entry)),
    }
}

async fn round_by_id(conn: &mut DbConn, id: i64) -> StoreResult<Round> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ROUND_COLUMNS} FROM ocop_rounds WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading the round", e))?;
    match row {
        Some(r) => round_row(&r),
        None => Err(round_not_found(id)),
    }
}

pub(super) async fn finish(
    mut tx: sqlx::Transaction<'static, crate::dialect::Db>,
    audits: &[NewAudit],
    audit: &AuditContext,
    at: DateTime<Utc>,
    what: &str,
) -> StoreResult<()> {
    if !audits.is_empty() {
        insert_audits(&mut tx, audits, audit, at).await?;
    }
    tx.commit().await.map_err(|e| db_error(what, e))
}

#[async_trait]
impl OcopStore for Backend {
    async fn ocop_book(&self) -> StoreResult<OcopBook> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("reading OCOP", e))?;
        read_book(&mut conn).await
    }

    async fn put_producer(&self, p: &Producer, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let before = if p.id == 0 {
            None
        } else {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {PRODUCER_COLUMNS} FROM ocop_producers WHERE id = $1"
            )))
            .bind(p.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the producer", e))?;
            Some(
                row.as_ref()
                    .map(producer_row)
                    .transpose()?
                    .ok_or_else(|| StoreError::NotFound(format!("chủ thể OCOP {}", p.id)))?,
            )
        };
        let id = if let Some(b) = &before {
            sqlx::query(
                "UPDATE ocop_producers SET name = $1, kind = $2, unit_id = $3, address = $4, \
                 registration = $5, representative = $6, phone = $7, note = $8, illustrative = $9 \
                 WHERE id = $10",
            )
            .bind(p.name.trim())
            .bind(p.kind.as_str())
            .bind(p.unit.as_str())
            .bind(p.address.trim())
            .bind(p.registration.trim())
            .bind(p.representative.trim())
            .bind(p.phone.trim())
            .bind(&p.note)
            .bind(p.illustrative)
            .bind(b.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing the producer", e))?;
            b.id
        } else {
            sqlx::query_scalar(
                "INSERT INTO ocop_producers (name, kind, unit_id, address, registration, \
                 representative, phone, note, illustrative) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(p.name.trim())
            .bind(p.kind.as_str())
            .bind(p.unit.as_str())
            .bind(p.address.trim())
            .bind(p.registration.trim())
            .bind(p.representative.trim())
            .bind(p.phone.trim())
            .bind(&p.note)
            .bind(p.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing the producer", e))?
        };
        let a = new_audit(
            if before.is_some() {
                "ocop_producer.update"
            } else {
                "ocop_producer.create"
            },
            "ocop_producer",
            id,
            Some(&p.unit),
            before.as_ref().map(producer_summary),
            Some(producer_summary(p)),
        );
        finish(tx, &[a], audit, at, "committing the producer").await?;
        Ok(id)
    }

    async fn put_product(&self, p: &Product, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let unit: Option<String> =
            sqlx::query_scalar("SELECT unit_id FROM ocop_producers WHERE id = $1")
                .bind(p.producer)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the producer", e))?;
        let Some(unit) = unit else {
            return Err(StoreError::NotFound(format!("chủ thể OCOP {}", p.producer)));
        };
        let before = if p.id == 0 {
            None
        } else {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {PRODUCT_COLUMNS} FROM ocop_products WHERE id = $1"
            )))
            .bind(p.id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the product", e))?;
            Some(
                row.as_ref()
                    .map(product_row)
                    .transpose()?
                    .ok_or_else(|| StoreError::NotFound(format!("sản phẩm OCOP {}", p.id)))?,
            )
        };
        let group = p.group_1048.map(i32::from);
        if before.as_ref().is_some_and(|b| b.producer != p.producer) {
            return Err(StoreError::Conflict(format!(
                "sản phẩm OCOP {} thuộc chủ thể khác",
                p.id
            )));
        }
        let id = if let Some(b) = &before {
            sqlx::query(
                "UPDATE ocop_products SET producer_id = $1, name = $2, product_set = $3, \
                 group_1048 = $4, collective_brand = $5, regional = $6, national_code = $7, \
                 description = $8, note = $9, illustrative = $10 WHERE id = $11",
            )
            .bind(p.producer)
            .bind(p.name.trim())
            .bind(&p.product_set)
            .bind(group)
            .bind(p.collective_brand)
            .bind(p.regional)
            .bind(p.national_code.trim())
            .bind(&p.description)
            .bind(&p.note)
            .bind(p.illustrative)
            .bind(b.id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing the product", e))?;
            b.id
        } else {
            sqlx::query_scalar(
                "INSERT INTO ocop_products (producer_id, name, product_set, group_1048, \
                 collective_brand, regional, national_code, description, note, illustrative) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(p.producer)
            .bind(p.name.trim())
            .bind(&p.product_set)
            .bind(group)
            .bind(p.collective_brand)
            .bind(p.regional)
            .bind(p.national_code.trim())
            .bind(&p.description)
            .bind(&p.note)
            .bind(p.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing the product", e))?
        };
        let unit = plan::parse_unit_id(&unit, "ocop_producers.unit_id")?;
        let a = new_audit(
            if before.is_some() {
                "ocop_product.update"
            } else {
                "ocop_product.create"
            },
            "ocop_product",
            id,
            Some(&unit),
            before.as_ref().map(product_summary),
            Some(product_summary(p)),
        );
        finish(tx, &[a], audit, at, "committing the product").await?;
        Ok(id)
    }

    async fn create_round(&self, r: &Round, audit: &AuditContext) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ocop_rounds (name, level, unit_id, held_on, rule_set, secretary_id, \
             outlier_points, note, illustrative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(r.name.trim())
        .bind(r.level.as_str())
        .bind(r.unit.as_str())
        .bind(r.held_on)
        .bind(r.rule_set.as_str())
        .bind(r.secretary)
        .bind(r.outlier_points.normalize().to_string())
        .bind(&r.note)
        .bind(r.illustrative)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the round", e))?;
        let mut members = r.members.clone();
        members.sort_unstable();
        members.dedup();
        for m in &members {
            sqlx::query("INSERT INTO ocop_round_members (round_id, user_id) VALUES ($1, $2)")
                .bind(id)
                .bind(*m)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing the council", e))?;
        }
        let a = new_audit(
            "ocop_round.create",
            "ocop_round",
            id,
            Some(&r.unit),
            None,
            Some(format!(
                "{} ({}, {}, ngày {}), thư ký {}, thành viên {:?}",
                r.name,
                r.level.label_vi(),
                r.rule_set.as_str(),
                r.held_on.format("%d/%m/%Y"),
                r.secretary,
                members
            )),
        );
        finish(tx, &[a], audit, at, "committing the round").await?;
        Ok(id)
    }

    async fn add_entries(
        &self,
        round: i64,
        products: &[i64],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let r = round_by_id(&mut tx, round).await?;
        if r.is_closed() {
            return Err(round_closed(round));
        }
        let mut ids = Vec::new();
        let mut audits = Vec::new();
        for p in products {
            let unit = producer_unit(&mut tx, *p)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("sản phẩm OCOP {p}")))?;
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM ocop_entries WHERE round_id = $1 AND product_id = $2",
            )
            .bind(round)
            .bind(*p)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the entries", e))?;
            if exists.is_some() {
                continue;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ocop_entries (round_id, product_id, note) VALUES ($1, $2, '') RETURNING id",
            )
            .bind(round)
            .bind(*p)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing an entry", e))?;
            ids.push(id);
            audits.push(NewAudit {
                action: "ocop_entry.create",
                target_kind: "ocop_entry",
                target_id: id.to_string(),
                unit_id: Some(unit),
                before: None,
                after: Some(format!("sản phẩm {p} dự {} (đợt {round})", r.name)),
            });
        }
        finish(tx, &audits, audit, at, "committing the entries").await?;
        Ok(ids)
    }

    async fn put_sheet(&self, entry: i64, s: &Sheet, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let r = entry_round(&mut tx, entry).await?;
        if r.is_closed() {
            return Err(round_closed(r.id));
        }
        let member: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM ocop_round_members WHERE round_id = $1 AND user_id = $2",
        )
        .bind(r.id)
        .bind(s.member)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the council", e))?;
        if member.is_none() {
            return Err(StoreError::Conflict(format!(
                "người dùng {} không là thành viên hội đồng của đợt {}",
                s.member, r.name
            )));
        }
        let before: Option<(String, String, String)> = sqlx::query_as(
            "SELECT part_a, part_b, part_c FROM ocop_sheets WHERE entry_id = $1 AND member_id = $2",
        )
        .bind(entry)
        .bind(s.member)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the sheet", e))?;
        let (a, b, c) = (
            s.a.normalize().to_string(),
            s.b.normalize().to_string(),
            s.c.normalize().to_string(),
        );
        sqlx::query(
            "INSERT INTO ocop_sheets (entry_id, member_id, part_a, part_b, part_c, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (entry_id, member_id) DO UPDATE SET \
             part_a = excluded.part_a, part_b = excluded.part_b, part_c = excluded.part_c, \
             submitted_at = excluded.submitted_at",
        )
        .bind(entry)
        .bind(s.member)
        .bind(&a)
        .bind(&b)
        .bind(&c)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the sheet", e))?;
        // The audit says a sheet was handed in, not its points: the log is read by people
        // who must not see scores before the round closes.
        let audits = [NewAudit {
            action: if before.is_some() {
                "ocop_sheet.update"
            } else {
                "ocop_sheet.create"
            },
            target_kind: "ocop_entry",
            target_id: entry.to_string(),
            unit_id: Some(r.unit.to_string()),
            before: None,
            after: Some(format!(
                "phiếu chấm của thành viên {} (đợt {})",
                s.member, r.id
            )),
        }];
        finish(tx, &audits, audit, at, "committing the sheet").await
    }

    async fn put_precheck(
        &self,
        entry: i64,
        on: NaiveDate,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let r = entry_round(&mut tx, entry).await?;
        if r.is_closed() {
            return Err(round_closed(r.id));
        }
        let product: i64 = sqlx::query_scalar("SELECT product_id FROM ocop_entries WHERE id = $1")
            .bind(entry)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("reading the entry", e))?;
        let unit = producer_unit(&mut tx, product).await?;
        sqlx::query(
            "UPDATE ocop_entries SET checked_on = $1, checked_by = $2, check_note = $3 WHERE id = $4",
        )
        .bind(on)
        .bind(&audit.actor)
        .bind(note.trim())
        .bind(entry)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the check", e))?;
        let a = NewAudit {
            action: "ocop_entry.precheck",
            target_kind: "ocop_entry",
            target_id: entry.to_string(),
            unit_id: unit,
            before: None,
            after: Some(format!(
                "UBND xã kiểm tra hồ sơ ngày {}{}",
                on.format("%d/%m/%Y"),
                if note.trim().is_empty() {
                    String::new()
                } else {
                    format!(": {}", note.trim())
                }
            )),
        };
        finish(tx, &[a], audit, at, "committing the check").await
    }

    async fn round_sheets(&self, round: i64) -> StoreResult<Vec<SheetRecord>> {
        let rows = sqlx::query(
            "SELECT s.entry_id, s.member_id, s.part_a, s.part_b, s.part_c, s.submitted_at \
             FROM ocop_sheets s JOIN ocop_entries e ON e.id = s.entry_id WHERE e.round_id = $1 \
             ORDER BY s.entry_id, s.member_id",
        )
        .bind(round)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the sheets", e))?;
        rows.iter()
            .map(|row| {
                Ok(SheetRecord {
                    entry: get(row, "entry_id")?,
                    sheet: Sheet {
                        member: get(row, "member_id")?,
                        a: decimal(row, "part_a")?,
                        b: decimal(row, "part_b")?,
                        c: decimal(row, "part_c")?,
                    },
                    submitted_at: get(row, "submitted_at")?,
                })
            })
            .collect()
    }

    async fn close_round(&self, round: i64, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let r = round_by_id(&mut tx, round).await?;
        if r.is_closed() {
            return Err(round_closed(round));
        }
        sqlx::query(
            "UPDATE ocop_rounds SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL",
        )
        .bind(at)
        .bind(&audit.actor)
        .bind(round)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("closing the round", e))?;
        let a = new_audit(
            "ocop_round.close",
            "ocop_round",
            round,
            Some(&r.unit),
            None,
            Some(format!("khóa chấm điểm {}", r.name)),
        );
        finish(tx, &[a], audit, at, "committing the round").await
    }

    async fn put_checks(
        &self,
        entry: i64,
        checks: &[(String, bool)],
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        // The band is known only once scoring closes: conditions are marked until the
        // entry's decision is recorded.
        let r = entry_round(&mut tx, entry).await?;
        let decided: Option<i64> =
            sqlx::query_scalar("SELECT id FROM ocop_certificates WHERE entry_id = $1 LIMIT 1")
                .bind(entry)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the entry's decision", e))?;
        if decided.is_some() {
            return Err(StoreError::Conflict(format!(
                "sản phẩm dự đánh giá {entry} đã có quyết định công nhận"
            )));
        }
        for (code, met) in checks {
            sqlx::query(
                "INSERT INTO ocop_checks (entry_id, code, met) VALUES ($1, $2, $3) \
                 ON CONFLICT (entry_id, code) DO UPDATE SET met = excluded.met",
            )
            .bind(entry)
            .bind(code.trim())
            .bind(*met)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing a check", e))?;
        }
        let a = NewAudit {
            action: "ocop_entry.check",
            target_kind: "ocop_entry",
            target_id: entry.to_string(),
            unit_id: Some(r.unit.to_string()),
            before: None,
            after: Some(
                checks
                    .iter()
                    .map(|(c, m)| format!("{c}: {}", if *m { "đạt" } else { "không đạt" }))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        finish(tx, &[a], audit, at, "committing the checks").await
    }

    async fn round_checks(&self, round: i64) -> StoreResult<Vec<(i64, String, bool)>> {
        let rows = sqlx::query(
            "SELECT c.entry_id, c.code, c.met FROM ocop_checks c JOIN ocop_entries e \
             ON e.id = c.entry_id WHERE e.round_id = $1 ORDER BY c.entry_id, c.code COLLATE \"C\"",
        )
        .bind(round)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the checks", e))?;
        rows.iter()
            .map(|r| Ok((get(r, "entry_id")?, get(r, "code")?, get(r, "met")?)))
            .collect()
    }

    async fn put_conditions(
        &self,
        conditions: &[Condition],
        audit: &AuditContext,
    ) -> StoreResult<usize> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        for c in conditions {
            sqlx::query(
                "INSERT INTO ocop_conditions (rule_set, product_set, stars, code, text, source) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (rule_set, product_set, code) \
                 DO UPDATE SET stars = excluded.stars, text = excluded.text, source = excluded.source",
            )
            .bind(c.rule_set.as_str())
            .bind(c.product_set.trim())
            .bind(i32::from(c.stars))
            .bind(c.code.trim())
            .bind(c.text.trim())
            .bind(c.source.trim())
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing a condition", e))?;
        }
        let a = NewAudit {
            action: "ocop_conditions.load",
            target_kind: "ocop_conditions",
            target_id: "-".into(),
            unit_id: None,
            before: None,
            after: Some(format!("{} tiêu chí bắt buộc", conditions.len())),
        };
        finish(tx, &[a], audit, at, "committing the conditions").await?;
        Ok(conditions.len())
    }

    async fn attach_entry_file(
        &self,
        entry: i64,
        part: &str,
        file: &StoredFile,
        note: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let product: Option<i64> =
            sqlx::query_scalar("SELECT product_id FROM ocop_entries WHERE id = $1")
                .bind(entry)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading the entry", e))?;
        let Some(product) = product else {
            return Err(entry_not_found(entry));
        };
        // What the council scored is what stays in the dossier.
        if entry_round(&mut tx, entry).await?.is_closed() {
            return Err(StoreError::Conflict(format!(
                "đợt đánh giá của sản phẩm dự đánh giá {entry} đã khóa chấm điểm: hồ sơ không bổ sung được"
            )));
        }
        let unit = producer_unit(&mut tx, product).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO ocop_files (entry_id, part, name, bytes, note, attached_at, attached_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(entry)
        .bind(part)
        .bind(&file.name)
        .bind(&file.bytes)
        .bind(note)
        .bind(at)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the file", e))?;
        let a = NewAudit {
            action: "ocop_entry.attach",
            target_kind: "ocop_entry",
            target_id: entry.to_string(),
            unit_id: unit,
            before: None,
            after: Some(format!(
                "{} ({} byte, phần {part}){}",
                file.name,
                file.bytes.len(),
                if note.is_empty() {
                    String::new()
                } else {
                    format!(": {note}")
                }
            )),
        };
        finish(tx, &[a], audit, at, "committing the file").await?;
        Ok(id)
    }

    async fn round_files(&self, round: i64) -> StoreResult<Vec<EntryFileInfo>> {
        let rows = sqlx::query(
            "SELECT f.id, f.entry_id, f.part, f.name, CAST(octet_length(f.bytes) AS BIGINT) AS size, \
             f.note, f.attached_at, f.attached_by FROM ocop_files f JOIN ocop_entries e \
             ON e.id = f.entry_id WHERE e.round_id = $1 ORDER BY f.id",
        )
        .bind(round)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the files", e))?;
        rows.iter().map(file_info).collect()
    }

    async fn entry_file(&self, id: i64) -> StoreResult<Option<(EntryFileInfo, StoredFile)>> {
        let row = sqlx::query(
            "SELECT id, entry_id, part, name, CAST(octet_length(bytes) AS BIGINT) AS size, note, \
             attached_at, attached_by, bytes FROM ocop_files WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the file", e))?;
        let Some(row) = row else { return Ok(None) };
        let info = file_info(&row)?;
        let bytes: Vec<u8> = get(&row, "bytes")?;
        Ok(Some((
            info.clone(),
            StoredFile {
                name: info.name,
                bytes,
            },
        )))
    }

    async fn record_certificates(
        &self,
        certificates: &[Certificate],
        audit: &AuditContext,
    ) -> StoreResult<Vec<i64>> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let mut ids = Vec::new();
        let mut audits = Vec::new();
        for c in certificates {
            let unit = producer_unit(&mut tx, c.product)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("sản phẩm OCOP {}", c.product)))?;
            let twice: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM ocop_certificates WHERE (entry_id IS NOT NULL AND entry_id = $1) \
                 OR (product_id = $2 AND decision_number = $3 AND decision_date = $4) LIMIT 1",
            )
            .bind(c.entry)
            .bind(c.product)
            .bind(c.decision_number.trim())
            .bind(c.decision_date)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading the certificates", e))?;
            if twice.is_some() {
                return Err(StoreError::Conflict(format!(
                    "quyết định {} cho sản phẩm OCOP {} đã được ghi",
                    c.decision_number, c.product
                )));
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ocop_certificates (product_id, stars, level, rule_set, year, \
                 decision_number, decision_date, certificate_number, entry_id, note, illustrative, \
                 recorded_at, recorded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
            )
            .bind(c.product)
            .bind(i32::from(c.stars))
            .bind(c.level.as_str())
            .bind(c.rule_set.as_str())
            .bind(c.year)
            .bind(c.decision_number.trim())
            .bind(c.decision_date)
            .bind(c.certificate_number.trim())
            .bind(c.entry)
            .bind(&c.note)
            .bind(c.illustrative)
            .bind(at)
            .bind(&audit.actor)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing a certificate", e))?;
            ids.push(id);
            audits.push(NewAudit {
                action: "ocop_certificate.create",
                target_kind: "ocop_certificate",
                target_id: id.to_string(),
                unit_id: Some(unit),
                before: None,
                after: Some(certificate_summary(c)),
            });
        }
        finish(tx, &audits, audit, at, "committing the certificates").await?;
        Ok(ids)
    }

    async fn end_certificate(&self, id: i64, e: &Ending, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CERT_COLUMNS} FROM ocop_certificates WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the certificate", e))?;
        let Some(before) = row.as_ref().map(cert_row).transpose()? else {
            return Err(StoreError::NotFound(format!("giấy chứng nhận OCOP {id}")));
        };
        if before.ended.is_some() {
            return Err(StoreError::Conflict(format!(
                "giấy chứng nhận OCOP {id} đã chấm dứt hiệu lực"
            )));
        }
        let unit = producer_unit(&mut tx, before.product).await?;
        sqlx::query(
            "UPDATE ocop_certificates SET ended_kind = $1, ended_on = $2, ended_number = $3, \
             ended_reason = $4 WHERE id = $5 AND ended_kind IS NULL",
        )
        .bind(e.kind.as_str())
        .bind(e.on)
        .bind(e.number.trim())
        .bind(e.reason.trim())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("ending the certificate", e))?;
        let after = Certificate {
            ended: Some(e.clone()),
            ..before.clone()
        };
        let a = NewAudit {
            action: "ocop_certificate.end",
            target_kind: "ocop_certificate",
            target_id: id.to_string(),
            unit_id: unit,
            before: Some(certificate_summary(&before)),
            after: Some(certificate_summary(&after)),
        };
        finish(tx, &[a], audit, at, "committing the certificate").await
    }

    async fn import_support(
        &self,
        lines: &[Support],
        audit: &AuditContext,
    ) -> StoreResult<(usize, usize, usize)> {
        let mut tx = self.begin_write().await?;
        let at = audit.at.trunc_subsecs(6);
        let stored = all(
            &mut tx,
            format!("SELECT {SUPPORT_COLUMNS} FROM ocop_support ORDER BY id"),
            "reading the support",
            support_row,
        )
        .await?;
        let plan = plan_support(lines, &stored).map_err(|p| StoreError::Conflict(p.join("; ")))?;
        let mut audits = Vec::new();
        for s in &plan.new {
            let unit = producer_unit(&mut tx, s.product)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("sản phẩm OCOP {}", s.product)))?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO ocop_support (product_id, year, category, source, amount, document, \
                 note, illustrative) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(s.product)
            .bind(s.year)
            .bind(s.category.as_str())
            .bind(s.source.as_str())
            .bind(s.amount.normalize().to_string())
            .bind(s.document.trim())
            .bind(&s.note)
            .bind(s.illustrative)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| db_error("writing a support line", e))?;
            audits.push(NewAudit {
                action: "ocop_support.create",
                target_kind: "ocop_support",
                target_id: id.to_string(),
                unit_id: Some(unit),
                before: None,
                after: Some(support_summary(s)),
            });
        }
        for (before, after) in &plan.changed {
            let unit = producer_unit(&mut tx, before.product).await?;
            sqlx::query("UPDATE ocop_support SET amount = $1, note = $2 WHERE id = $3")
                .bind(after.amount.normalize().to_string())
                .bind(&after.note)
                .bind(before.id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing a support line", e))?;
            audits.push(NewAudit {
                action: "ocop_support.update",
                target_kind: "ocop_support",
                target_id: before.id.to_string(),
                unit_id: unit,
                before: Some(support_summary(before)),
                after: Some(support_summary(after)),
            });
        }
        finish(tx, &audits, audit, at, "committing the support").await?;
        Ok((plan.new.len(), plan.changed.len(), plan.unchanged))
    }

    async fn record_ocop_alert(
        &self,
        certificate: i64,
        days: u32,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO ocop_alerts (certificate_id, days, sent_at) VALUES ($1, $2, $3) \
             ON CONFLICT (certificate_id, days) DO NOTHING",
        )
        .bind(certificate)
        .bind(i32::try_from(days).unwrap_or(i32::MAX))
        .bind(at.trunc_subsecs(6))
        .execute(&self.pool)
        .await
        .map_err(|e| db_error("recording an OCOP alert", e))?;
        Ok(done.rows_affected() == 1)
    }
}

fn file_info(row: &DbRow) -> StoreResult<EntryFileInfo> {
    Ok(EntryFileInfo {
        id: get(row, "id")?,
        entry: get(row, "entry_id")?,
        part: get(row, "part")?,
        name: get(row, "name")?,
        size: get(row, "size")?,
        note: get(row, "note")?,
        attached_at: get(row, "attached_at")?,
        attached_by: get(row, "attached_by")?,
    })
}
