//! The query code of both stores: one source, compiled into `ntm-store-sqlite` and into
//! `ntm-store-postgres` (each includes this folder as its module `sql`), against the
//! backend's `crate::dialect` — the sqlx database type, its row and connection, the store
//! type, how a write begins and how a server error is explained, and what a whole-database
//! copy needs of the backend (how its snapshot begins, how it writes explicit ids).
//!
//! The SQL here is the common ground of SQLite and PostgreSQL, so that one text runs on
//! both:
//! - parameters are `$1`, `$2`, … (sqlx binds SQLite's `$N` by number too);
//! - lists are `IN ($1, $2, …)` built with `QueryBuilder`, chunked under `MAX_BINDS`
//!   (no arrays: SQLite has none);
//! - text is ordered with `COLLATE "C"` (byte order, as Rust orders it): built into
//!   PostgreSQL, registered on every SQLite connection by the SQLite store; a hot listing
//!   that an index must serve (a year's values) says `dialect::BYTE_ORDER` instead, which
//!   is SQLite's own BINARY (byte order too) and `COLLATE "C"` on PostgreSQL, whose index
//!   is built in that collation;
//! - functions and casts that both know (`octet_length`, `CAST(… AS BIGINT)`).
//!
//! Invariants:
//! - Every audited write is one transaction begun by the backend's `begin_write`, which
//!   takes the store's write lock first, with its audit entries written by
//!   [`insert_audits`]; what a write changes and its audit texts come from
//!   `ntm_store::plan`, so both backends agree on counts and texts.
//! - Reads go to `read` (SQLite's read-only connections; PostgreSQL's one pool), writes
//!   to `pool`.
//! - Timestamps are written truncated to microseconds (PostgreSQL's precision), so both
//!   backends read back the same instant.
//! - Sessions are not data and are not audited; each session method is one statement.
//!
//! Users, grants, sessions and API tokens are in `accounts`; submissions, the approved
//! snapshot and the approval lock in `workflow`; organisations, directives, tasks,
//! progress reports, notifications and reminders in `tasks`; the whole-database copy of
//! `ntm copy` in `copy`.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use ntm_core::unit::{LineageEdge, Period, Unit, UnitAttribute, UnitVersion};
use ntm_store::{
    AuditContext, AuditFilter, AuditRecord, AuditStore, CriteriaSetRecord, CriteriaStore,
    PutOutcome, Store, StoreError, StoreResult, UnitBatch, UnitSnapshot, UnitStore, ValueFilter,
    ValueGuard, ValueRecord, ValueStore, ValueWrite, WriteSummary,
};
use sqlx::error::ErrorKind;
use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Row};

use ntm_store::plan::{self, NewAudit, StoredValue, ValueKey};

use crate::dialect::{self, Backend, Db, DbConn, DbRow};

mod accounts;
mod copy;
mod ocop;
mod quality;
mod recognition;
mod resources;
mod targets;
mod tasks;
mod villages;
mod workflow;

/// Bound parameters per statement: SQLite's limit (32766), below PostgreSQL's (65535).
pub(crate) const MAX_BINDS: usize = 32_766;

#[async_trait]
impl UnitStore for Backend {
    async fn import_units(
        &self,
        batch: &UnitBatch,
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary> {
        let mut tx = self.begin_write().await?;
        let stored = load_snapshot(&mut tx).await?;
        let plan = plan::plan_units(batch, &stored)?;
        if !plan.is_empty() {
            let at = audit.at.trunc_subsecs(6);
            write_units(&mut tx, &plan.units).await?;
            upsert_rows(
                &mut tx,
                "INSERT INTO unit_lineage (from_id, to_id, effective, kind, basis) ",
                " ON CONFLICT (from_id, to_id) DO UPDATE SET effective = excluded.effective, \
                 kind = excluded.kind, basis = excluded.basis",
                5,
                &plan.edges,
                |mut b, e| {
                    b.push_bind(e.from.as_str())
                        .push_bind(e.to.as_str())
                        .push_bind(e.effective)
                        .push_bind(e.kind.as_str())
                        .push_bind(e.basis.as_str());
                },
            )
            .await
            .map_err(|e| db_error("writing lineage", e))?;
            upsert_rows(
                &mut tx,
                "INSERT INTO unit_attributes (unit_id, key, value, valid_from, valid_to, source, illustrative) ",
                " ON CONFLICT (unit_id, key, valid_from) DO UPDATE SET value = excluded.value, \
                 valid_to = excluded.valid_to, source = excluded.source, illustrative = excluded.illustrative",
                7,
                &plan.attributes,
                |mut b, a| {
                    b.push_bind(a.unit.as_str())
                        .push_bind(a.key.as_str())
                        .push_bind(a.value.as_str())
                        .push_bind(a.valid.from)
                        .push_bind(a.valid.to)
                        .push_bind(a.source.as_str())
                        .push_bind(a.illustrative);
                },
            )
            .await
            .map_err(|e| db_error("writing unit attributes", e))?;
            insert_audits(&mut tx, &plan.audits, audit, at).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the unit import", e))?;
        Ok(plan.summary)
    }

    async fn load_units(&self) -> StoreResult<UnitSnapshot> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        load_snapshot(&mut conn).await
    }
}

/// Upserts the unit rows and replaces their versions.
async fn write_units(conn: &mut DbConn, units: &[&Unit]) -> StoreResult<()> {
    upsert_rows(
        conn,
        "INSERT INTO units (id, code, level, valid_from, valid_to, source) ",
        // Not `INSERT OR REPLACE`: that deletes the row and would cascade to its versions
        // and fail on the references from values.
        " ON CONFLICT (id) DO UPDATE SET code = excluded.code, level = excluded.level, \
         valid_from = excluded.valid_from, valid_to = excluded.valid_to, source = excluded.source",
        6,
        units,
        |mut b, u| {
            let valid = u.valid();
            b.push_bind(u.id.as_str())
                .push_bind(u.code.as_str())
                .push_bind(u.level.as_str())
                .push_bind(valid.from)
                .push_bind(valid.to)
                .push_bind(u.source.as_str());
        },
    )
    .await
    .map_err(|e| db_error("writing units", e))?;

    for chunk in units.chunks(MAX_BINDS) {
        let mut qb = QueryBuilder::<Db>::new("DELETE FROM unit_versions WHERE unit_id IN (");
        let mut list = qb.separated(", ");
        for u in chunk {
            list.push_bind(u.id.as_str());
        }
        qb.push(")");
        qb.build()
            .execute(&mut *conn)
            .await
            .map_err(|e| db_error("replacing unit versions", e))?;
    }

    let versions: Vec<(&Unit, &UnitVersion)> = units
        .iter()
        .flat_map(|u| u.versions.iter().map(move |v| (*u, v)))
        .collect();
    upsert_rows(
        conn,
        "INSERT INTO unit_versions (unit_id, valid_from, valid_to, name, unit_type, parent_id, search_key) ",
        "",
        7,
        &versions,
        |mut b, (u, v)| {
            b.push_bind(u.id.as_str())
                .push_bind(v.valid.from)
                .push_bind(v.valid.to)
                .push_bind(v.name.as_str())
                .push_bind(v.unit_type.as_vi())
                .push_bind(v.parent.as_ref().map(|p| p.as_str()))
                .push_bind(ntm_core::text::search_key(&v.name));
        },
    )
    .await
    .map_err(|e| db_error("writing unit versions", e))
}

/// Everything about units, ordered: units by id with versions by start, edges by
/// (from, to), attributes by (unit, key, start).
async fn load_snapshot(conn: &mut DbConn) -> StoreResult<UnitSnapshot> {
    let version_rows = sqlx::query(
        "SELECT unit_id, valid_from, valid_to, name, unit_type, parent_id FROM unit_versions \
         ORDER BY unit_id COLLATE \"C\", valid_from",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading unit versions", e))?;
    let mut versions: HashMap<String, Vec<UnitVersion>> = HashMap::new();
    for row in &version_rows {
        let parent: Option<String> = get(row, "parent_id")?;
        let unit_type: String = get(row, "unit_type")?;
        versions
            .entry(get(row, "unit_id")?)
            .or_default()
            .push(UnitVersion {
                valid: Period {
                    from: get(row, "valid_from")?,
                    to: get(row, "valid_to")?,
                },
                name: get(row, "name")?,
                unit_type: plan::parse_unit_type(&unit_type)?,
                parent: parent
                    .map(|p| plan::parse_unit_id(&p, "unit_versions.parent_id"))
                    .transpose()?,
            });
    }

    let unit_rows =
        sqlx::query("SELECT id, code, level, source FROM units ORDER BY id COLLATE \"C\"")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading units", e))?;
    let mut units = Vec::with_capacity(unit_rows.len());
    for row in &unit_rows {
        let id: String = get(row, "id")?;
        let level: String = get(row, "level")?;
        units.push(Unit {
            id: plan::parse_unit_id(&id, "units.id")?,
            code: get(row, "code")?,
            level: plan::parse_level(&level)?,
            versions: versions.remove(&id).unwrap_or_default(),
            source: get(row, "source")?,
        });
    }

    let edge_rows = sqlx::query(
        "SELECT from_id, to_id, effective, kind, basis FROM unit_lineage \
         ORDER BY from_id COLLATE \"C\", to_id COLLATE \"C\"",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading lineage", e))?;
    let mut edges = Vec::with_capacity(edge_rows.len());
    for row in &edge_rows {
        let (from, to, kind): (String, String, String) =
            (get(row, "from_id")?, get(row, "to_id")?, get(row, "kind")?);
        edges.push(LineageEdge {
            from: plan::parse_unit_id(&from, "unit_lineage.from_id")?,
            to: plan::parse_unit_id(&to, "unit_lineage.to_id")?,
            effective: get(row, "effective")?,
            kind: plan::parse_kind(&kind)?,
            basis: get(row, "basis")?,
        });
    }

    let attribute_rows = sqlx::query(
        "SELECT unit_id, key, value, valid_from, valid_to, source, illustrative FROM unit_attributes \
         ORDER BY unit_id COLLATE \"C\", key COLLATE \"C\", valid_from",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading unit attributes", e))?;
    let mut attributes = Vec::with_capacity(attribute_rows.len());
    for row in &attribute_rows {
        let (unit, key): (String, String) = (get(row, "unit_id")?, get(row, "key")?);
        attributes.push(UnitAttribute {
            unit: plan::parse_unit_id(&unit, "unit_attributes.unit_id")?,
            key: plan::parse_key(&key)?,
            value: get(row, "value")?,
            valid: Period {
                from: get(row, "valid_from")?,
                to: get(row, "valid_to")?,
            },
            source: get(row, "source")?,
            illustrative: get(row, "illustrative")?,
        });
    }
    Ok(UnitBatch {
        units,
        edges,
        attributes,
    })
}

#[async_trait]
impl CriteriaStore for Backend {
    async fn put_criteria_set_from(
        &self,
        id: &str,
        title: &str,
        source_text: &str,
        seen: Option<i64>,
        audit: &AuditContext,
    ) -> StoreResult<PutOutcome> {
        let mut tx = self.begin_write().await?;
        let latest: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, source_text FROM criteria_sets WHERE id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the criteria set", e))?;
        let now = latest.as_ref().map_or(0, |(v, _)| *v);
        if let Some(seen) = seen
            && seen != now
        {
            return Err(StoreError::Conflict(format!(
                "bộ tiêu chí {id} đã có phiên bản {now} được lưu sau phiên bản {seen} bạn mở; \
                 không có gì được ghi"
            )));
        }
        if let Some((version, text)) = &latest
            && text == source_text
        {
            return Ok(PutOutcome::Unchanged { version: *version });
        }
        let version = latest.as_ref().map_or(1, |(v, _)| v + 1);
        let at = audit.at.trunc_subsecs(6);
        sqlx::query(
            "INSERT INTO criteria_sets (id, version, title, source_text, imported_at, imported_by) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(version)
        .bind(title)
        .bind(source_text)
        .bind(at)
        .bind(&audit.actor)
        .execute(&mut *tx)
        .await
        .map_err(|e| db_error("writing the criteria set", e))?;
        let entry = plan::criteria_set_audit(id, version);
        insert_audits(&mut tx, std::slice::from_ref(&entry), audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the criteria set", e))?;
        Ok(PutOutcome::Created { version })
    }

    async fn list_criteria_sets(&self) -> StoreResult<Vec<CriteriaSetRecord>> {
        let rows = sqlx::query(
            "SELECT id, version, title, source_text, imported_at, imported_by FROM criteria_sets c \
             WHERE version = (SELECT MAX(version) FROM criteria_sets WHERE id = c.id) ORDER BY id COLLATE \"C\"",
        )
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading criteria sets", e))?;
        rows.iter().map(criteria_record).collect()
    }

    async fn criteria_set_history(&self, id: &str) -> StoreResult<Vec<CriteriaSetRecord>> {
        let rows = sqlx::query(
            "SELECT id, version, title, source_text, imported_at, imported_by FROM criteria_sets \
             WHERE id = $1 ORDER BY version",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading criteria set history", e))?;
        rows.iter().map(criteria_record).collect()
    }
}

fn criteria_record(row: &DbRow) -> StoreResult<CriteriaSetRecord> {
    Ok(CriteriaSetRecord {
        id: get(row, "id")?,
        version: get(row, "version")?,
        title: get(row, "title")?,
        source_text: get(row, "source_text")?,
        imported_at: get(row, "imported_at")?,
        imported_by: get(row, "imported_by")?,
    })
}

#[async_trait]
impl ValueStore for Backend {
    /// Duplicate keys within `writes`: the last one wins.
    async fn write_values_guarded(
        &self,
        writes: &[ValueWrite],
        guard: &ValueGuard,
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary> {
        if writes.is_empty() {
            return Ok(WriteSummary::default());
        }
        let mut tx = self.begin_write().await?;

        let known_units: HashSet<String> = sqlx::query_scalar("SELECT id FROM units")
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| db_error("reading unit ids", e))?
            .into_iter()
            .collect();

        // Whole years rather than one lookup per value: a batch is one or a few years.
        let years: Vec<i32> = writes
            .iter()
            .map(|w| w.year)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT unit_id, year, indicator_id, value, note, illustrative, entered_by, entered_at \
             FROM indicator_values WHERE year IN (",
        );
        let mut list = qb.separated(", ");
        for year in &years {
            list.push_bind(*year);
        }
        qb.push(")");
        let rows = qb
            .build()
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| db_error("reading stored values", e))?;
        let mut stored: HashMap<ValueKey, StoredValue> = HashMap::with_capacity(rows.len());
        for row in &rows {
            stored.insert(
                (
                    get(row, "unit_id")?,
                    get(row, "year")?,
                    get(row, "indicator_id")?,
                ),
                StoredValue {
                    value: get(row, "value")?,
                    note: get(row, "note")?,
                    illustrative: get(row, "illustrative")?,
                    entered_by: get(row, "entered_by")?,
                    entered_at: get(row, "entered_at")?,
                },
            );
        }

        let plan = plan::plan_values(writes, &stored, &known_units)?;
        // The workflow's state, read under the write lock like the stored values: the
        // approved lock always, the rest when the write is an edit.
        let statuses = workflow::statuses(&mut tx, &years).await?;
        let approved: HashSet<(String, i32)> = statuses
            .iter()
            .filter(|(_, s)| s.as_str() == ntm_core::workflow::Status::Approved.as_str())
            .map(|(k, _)| k.clone())
            .collect();
        plan::check_unlocked(writes, &approved)?;
        let reopened = if guard.as_edit {
            plan::check_editable(writes, &statuses)?
        } else {
            Vec::new()
        };
        plan::check_seen(&guard.seen, &stored)?;
        let at = audit.at.trunc_subsecs(6);
        upsert_rows(
            &mut tx,
            "INSERT INTO indicator_values \
             (unit_id, year, indicator_id, value, note, illustrative, entered_by, entered_at) ",
            " ON CONFLICT (unit_id, year, indicator_id) DO UPDATE SET value = excluded.value, \
             note = excluded.note, illustrative = excluded.illustrative, \
             entered_by = excluded.entered_by, entered_at = excluded.entered_at",
            8,
            &plan.upserts,
            |mut b, w| {
                b.push_bind(w.unit_id.as_str())
                    .push_bind(w.year)
                    .push_bind(w.indicator_id.as_str())
                    .push_bind(w.value.as_str())
                    .push_bind(w.note.as_deref())
                    .push_bind(w.illustrative)
                    .push_bind(audit.actor.as_str())
                    .push_bind(at);
            },
        )
        .await
        .map_err(|e| db_error("writing values", e))?;
        insert_audits(&mut tx, &plan.audits, audit, at).await?;
        for (unit_id, year) in reopened {
            let record = ntm_store::SubmissionRecord {
                unit_id,
                year,
                status: ntm_core::workflow::Status::Draft.as_str().to_owned(),
                updated_at: at,
                updated_by: audit.actor.clone(),
                comment: None,
            };
            workflow::upsert_submission(&mut tx, &record).await?;
            let entry = plan::submission_audit(&record, Some("returned"))?;
            insert_audits(&mut tx, std::slice::from_ref(&entry), audit, at).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the values", e))?;
        Ok(plan.summary)
    }

    async fn list_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>> {
        self.list_value_rows("indicator_values", filter).await
    }

    async fn list_values_page(
        &self,
        filter: &ValueFilter,
        after: Option<&ntm_store::ValuePosition>,
        limit: usize,
    ) -> StoreResult<Vec<ValueRecord>> {
        self.value_rows("indicator_values", filter, after, Some(limit))
            .await
    }
}

impl Backend {
    /// The rows of `table` (`indicator_values` or `approved_values`, which have the same
    /// columns) that `filter` selects, ordered by unit, year and indicator.
    pub(crate) async fn list_value_rows(
        &self,
        table: &'static str,
        filter: &ValueFilter,
    ) -> StoreResult<Vec<ValueRecord>> {
        self.value_rows(table, filter, None, None).await
    }

    /// The rows of `table` that `filter` selects after `after` in that order, at most
    /// `limit` of them.
    async fn value_rows(
        &self,
        table: &'static str,
        filter: &ValueFilter,
        after: Option<&ntm_store::ValuePosition>,
        limit: Option<usize>,
    ) -> StoreResult<Vec<ValueRecord>> {
        use crate::dialect::BYTE_ORDER;
        let unit_column = format!("{table}.unit_id");
        // Units in byte order, chunked in that order: each chunk's rows come before the
        // next chunk's, so pages concatenate in the listing's order.
        let units: Vec<Option<Vec<&ntm_core::UnitId>>> = match &filter.units {
            None => vec![None],
            Some(units) if units.is_empty() => return Ok(Vec::new()),
            Some(units) => {
                let mut sorted: Vec<&ntm_core::UnitId> = units.iter().collect();
                sorted.sort();
                sorted.dedup();
                if let Some(after) = after {
                    sorted.retain(|u| u.as_str() >= after.unit_id.as_str());
                }
                sorted
                    .chunks(MAX_BINDS - 8)
                    .map(|c| Some(c.to_vec()))
                    .collect()
            }
        };
        let mut out = Vec::new();
        for chunk in &units {
            if limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            let mut qb = QueryBuilder::<Db>::new(format!(
                "SELECT unit_id, year, indicator_id, value, note, illustrative, entered_by, \
                 entered_at FROM {table} WHERE 1 = 1"
            ));
            if let Some(year) = filter.year {
                qb.push(" AND year = ").push_bind(year);
            }
            if let Some(indicator) = &filter.indicator_id {
                qb.push(" AND indicator_id = ")
                    .push_bind(indicator.as_str());
            }
            if let Some(chunk) = chunk {
                if chunk.is_empty() {
                    continue;
                }
                qb.push(" AND unit_id IN (");
                let mut list = qb.separated(", ");
                for unit in chunk {
                    list.push_bind(unit.as_str());
                }
                qb.push(")");
            }
            if let Some(a) = after {
                // Spelled out rather than as a row value, for the collation of each part.
                qb.push(format!(" AND (unit_id{BYTE_ORDER} > "))
                    .push_bind(a.unit_id.as_str())
                    .push(" OR (unit_id = ")
                    .push_bind(a.unit_id.as_str())
                    .push(" AND (year > ")
                    .push_bind(a.year)
                    .push(" OR (year = ")
                    .push_bind(a.year)
                    .push(format!(" AND indicator_id{BYTE_ORDER} > "))
                    .push_bind(a.indicator_id.as_str())
                    .push("))))");
            }
            qb.push(format!(
                " ORDER BY unit_id{BYTE_ORDER}, year, indicator_id{BYTE_ORDER}"
            ));
            if let Some(limit) = limit {
                qb.push(" LIMIT ")
                    .push_bind(i64::try_from(limit - out.len()).unwrap_or(i64::MAX));
            }
            // Row by row: a country-year is 630,000 rows, and holding them all as driver
            // rows beside their records doubled the memory a year's read took.
            let mut rows = qb.build().fetch(&self.read);
            while let Some(row) = copy::next_row(&mut rows).await {
                let row = row.map_err(|e| db_error("reading values", e))?;
                out.push(value_record(&row, &unit_column)?);
            }
        }
        Ok(out)
    }
}

/// A value row of `indicator_values` or `approved_values`; `unit_column` names the table's
/// unit column in a parse error.
pub(crate) fn value_record(row: &DbRow, unit_column: &str) -> StoreResult<ValueRecord> {
    let unit: String = get(row, "unit_id")?;
    Ok(ValueRecord {
        unit_id: plan::parse_unit_id(&unit, unit_column)?,
        year: get(row, "year")?,
        indicator_id: get(row, "indicator_id")?,
        value: get(row, "value")?,
        note: get(row, "note")?,
        illustrative: get(row, "illustrative")?,
        entered_by: get(row, "entered_by")?,
        entered_at: get(row, "entered_at")?,
    })
}

#[async_trait]
impl AuditStore for Backend {
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT id, at, actor, action, target_kind, target_id, unit_id, before, after, reason \
             FROM audit_events WHERE 1 = 1",
        );
        for (column, value) in [
            ("actor", &filter.actor),
            ("action", &filter.action),
            ("target_kind", &filter.target_kind),
            ("target_id", &filter.target_id),
            ("unit_id", &filter.unit_id),
        ] {
            if let Some(value) = value {
                qb.push(format_args!(" AND {column} = "))
                    .push_bind(value.as_str());
            }
        }
        if let Some(scope) = &filter.scope {
            qb.push(" AND (");
            if scope.unitless {
                qb.push("unit_id IS NULL OR ");
            }
            if scope.units.is_empty() {
                qb.push("1 = 0");
            } else {
                // One bind per unit: a province's units (all years) are a few hundred, the
                // country's about 14,000, below both backends' bind limits.
                qb.push("unit_id IN (");
                let mut list = qb.separated(", ");
                for unit in &scope.units {
                    list.push_bind(unit.as_str());
                }
                qb.push(")");
            }
            qb.push(")");
        }
        qb.push(" ORDER BY id DESC");
        if let Some(limit) = filter.limit {
            // A negative limit is an error to PostgreSQL but "none" to SQLite; both
            // backends read it as zero.
            qb.push(" LIMIT ").push_bind(limit.max(0));
        }
        let rows = qb
            .build()
            .fetch_all(&self.read)
            .await
            .map_err(|e| db_error("reading the audit log", e))?;
        rows.iter()
            .map(|row| {
                Ok(AuditRecord {
                    id: get(row, "id")?,
                    at: get(row, "at")?,
                    actor: get(row, "actor")?,
                    action: get(row, "action")?,
                    target_kind: get(row, "target_kind")?,
                    target_id: get(row, "target_id")?,
                    unit_id: get(row, "unit_id")?,
                    before: get(row, "before")?,
                    after: get(row, "after")?,
                    reason: get(row, "reason")?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl Store for Backend {
    fn backend(&self) -> &'static str {
        dialect::NAME
    }

    async fn data_versions(&self) -> StoreResult<ntm_store::DataVersions> {
        let rows = sqlx::query("SELECT kind, version FROM data_versions")
            .fetch_all(&self.read)
            .await
            .map_err(|e| db_error("reading the data versions", e))?;
        let mut v = ntm_store::DataVersions::default();
        for row in &rows {
            let version: i64 = get(row, "version")?;
            match get::<String>(row, "kind")?.as_str() {
                "units" => v.units = version,
                "criteria" => v.criteria = version,
                "values" => v.values = version,
                "tasks" => v.tasks = version,
                "quality" => v.quality = version,
                _ => {}
            }
        }
        Ok(v)
    }

    async fn health(&self) -> StoreResult<Option<String>> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.read)
                .await
                .map_err(|e| db_error("reading the applied migrations", e))?;
        let known: Vec<i64> = crate::MIGRATOR.iter().map(|m| m.version).collect();
        let missing: Vec<String> = known
            .iter()
            .filter(|v| !applied.contains(v))
            .map(ToString::to_string)
            .collect();
        Ok((!missing.is_empty())
            .then(|| format!("thiếu migration {}: chạy ntm migrate", missing.join(", "))))
    }
}

pub(crate) async fn insert_audits(
    conn: &mut DbConn,
    entries: &[NewAudit],
    audit: &AuditContext,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    // Every write passes here with its audit context: one log line per write, inside the
    // request's span when there is one (so with its id).
    tracing::info!(
        actor = %audit.actor,
        reason = %audit.reason,
        entries = entries.len(),
        "write"
    );
    upsert_rows(
        conn,
        "INSERT INTO audit_events (at, actor, action, target_kind, target_id, unit_id, before, after, reason) ",
        "",
        9,
        entries,
        |mut b, e| {
            b.push_bind(at)
                .push_bind(audit.actor.as_str())
                .push_bind(e.action)
                .push_bind(e.target_kind)
                .push_bind(e.target_id.as_str())
                .push_bind(e.unit_id.as_deref())
                .push_bind(e.before.as_deref())
                .push_bind(e.after.as_deref())
                .push_bind(audit.reason.as_str());
        },
    )
    .await
    .map_err(|e| db_error("writing the audit log", e))
}

/// Runs `head VALUES (..), (..) tail` over `rows` in as few statements as the bind limit
/// allows; `bind` pushes exactly `columns` values per row.
pub(crate) async fn upsert_rows<T: Sync>(
    conn: &mut DbConn,
    head: &str,
    tail: &str,
    columns: usize,
    rows: &[T],
    mut bind: impl FnMut(Separated<'_, Db, &'static str>, &T) + Send,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(MAX_BINDS / columns) {
        let mut qb = QueryBuilder::<Db>::new(head);
        qb.push_values(chunk, &mut bind);
        qb.push(tail);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) fn get<'r, T>(row: &'r DbRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    row.try_get(column)
        .map_err(|e| db_error(&format!("reading column {column}"), e))
}

/// Maps a driver error: broken uniqueness or references are a [`StoreError::Conflict`]
/// that a person can read, anything else is [`StoreError::Other`] with `context`.
pub(crate) fn db_error(context: &str, error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        match db.kind() {
            ErrorKind::UniqueViolation => {
                return StoreError::Conflict(format!(
                    "{context}: bản ghi đã tồn tại ({})",
                    dialect::explain(db.as_ref())
                ));
            }
            ErrorKind::ForeignKeyViolation => {
                return StoreError::Conflict(format!(
                    "{context}: tham chiếu tới đơn vị không tồn tại ({})",
                    dialect::explain(db.as_ref())
                ));
            }
            _ => {}
        }
    }
    StoreError::Other(anyhow::Error::new(error).context(context.to_owned()))
}
