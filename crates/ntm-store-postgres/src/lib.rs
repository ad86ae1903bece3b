//! The PostgreSQL implementation of the ntm store (large deployments).
//!
//! Owns the PostgreSQL schema (`migrations/`, kept in lockstep with `ntm-store-sqlite`)
//! and every SQL statement run against it. The decisions of what a write changes and how
//! it is audited live in [`plan`], shared with the SQLite backend.
//!
//! Users, grants, sessions and API tokens are in `accounts`; submissions, the approved
//! snapshot and the approval lock in `workflow`; organisations, directives, tasks,
//! progress reports, notifications and reminders in `tasks`.
//!
//! Invariants:
//! - Every audited write is one transaction that first takes an `EXCLUSIVE` lock on
//!   `audit_events` (readers are not blocked): writers of one store are serialised as in
//!   SQLite, so the stored state a write compares against cannot change under it, and the
//!   audit ids of one write are contiguous.
//! - Tables are unqualified: a store lives in the first schema of the search path, which
//!   [`PostgresStore::open_in_schema`] sets on every pooled connection.
//! - Text is ordered with `COLLATE "C"` (byte order, as SQLite and Rust order it), so the
//!   order of results does not depend on the database's locale.
//! - Timestamps are stored at microsecond precision (PostgreSQL's); the SQLite backend
//!   truncates the same way, so both read back the same instant.
//! - A unit-year whose submission is `approved` is locked: `write_values` refuses any
//!   value of it with `Conflict`, checked under the write lock, and writes nothing.
//! - Sessions are not data and are not audited; each session method is one statement.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use anyhow::Context as _;
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use ntm_core::unit::{LineageEdge, Period, Unit, UnitAttribute, UnitVersion};
use ntm_store::{
    AuditContext, AuditFilter, AuditRecord, AuditStore, CriteriaSetRecord, CriteriaStore,
    PutOutcome, Store, StoreError, StoreResult, UnitBatch, UnitSnapshot, UnitStore, ValueFilter,
    ValueRecord, ValueStore, ValueWrite, WriteSummary,
};
use sqlx::error::ErrorKind;
use sqlx::postgres::{PgConnectOptions, PgDatabaseError, PgPoolOptions, PgRow};
use sqlx::query_builder::Separated;
use sqlx::{Connection as _, PgConnection, PgPool, Postgres, QueryBuilder, Row};

use ntm_store::plan::{self, NewAudit, StoredValue, ValueKey};

mod accounts;
mod tasks;
mod workflow;

/// PostgreSQL allows at most 65535 bound parameters per statement.
pub(crate) const MAX_BINDS: usize = 65_535;

/// A store in one PostgreSQL database (or one schema of it).
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`), using the
    /// connection's default search path. Does not migrate; call [`PostgresStore::migrate`].
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let options = connect_options(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        Ok(PostgresStore { pool })
    }

    /// Connects like [`PostgresStore::open`] but keeps the whole store in `schema`, which is
    /// created if missing and made the search path of every pooled connection. The schema
    /// name must be a plain identifier (ASCII letters, digits, `_`; not starting with a
    /// digit), as it is spliced into SQL.
    pub async fn open_in_schema(url: &str, schema: &str) -> anyhow::Result<Self> {
        let quoted = quote_schema(schema)?;
        let options = connect_options(url)?;
        let mut conn = PgConnection::connect_with(&options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {quoted}"
        )))
        .execute(&mut conn)
        .await
        .with_context(|| format!("creating schema {schema}"))?;
        conn.close().await.context("closing the setup connection")?;

        let set_path: std::sync::Arc<str> = format!("SET search_path TO {quoted}").into();
        let pool = PgPoolOptions::new()
            .max_connections(POOL_SIZE)
            .after_connect(move |conn, _meta| {
                let set_path = set_path.clone();
                Box::pin(async move {
                    sqlx::query(sqlx::AssertSqlSafe(set_path))
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        Ok(PostgresStore { pool })
    }

    /// Drops `schema` and everything in it, if it exists; for tests that made a store with
    /// [`PostgresStore::open_in_schema`].
    pub async fn drop_schema(url: &str, schema: &str) -> anyhow::Result<()> {
        let quoted = quote_schema(schema)?;
        let mut conn = PgConnection::connect_with(&connect_options(url)?)
            .await
            .with_context(|| format!("cannot connect to PostgreSQL at {}", redact(url)))?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {quoted} CASCADE"
        )))
        .execute(&mut conn)
        .await
        .with_context(|| format!("dropping schema {schema}"))?;
        conn.close().await.context("closing the connection")?;
        Ok(())
    }

    /// Applies the embedded migrations that the database (or schema) does not have yet.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("migrating the PostgreSQL database")?;
        Ok(())
    }

    /// Begins a write: a transaction holding the store's write lock.
    pub(crate) async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Postgres>> {
        let mut tx = self
            .pool
            .begin()
            .await
            .map_err(|e| db_error("beginning a write", e))?;
        sqlx::query("LOCK TABLE audit_events IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("taking the write lock", e))?;
        Ok(tx)
    }
}

/// Connections per store: a few concurrent readers; writes take the lock anyway.
const POOL_SIZE: u32 = 5;

fn connect_options(url: &str) -> anyhow::Result<PgConnectOptions> {
    PgConnectOptions::from_str(url)
        .with_context(|| format!("invalid PostgreSQL URL {}", redact(url)))
}

/// `url` without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            match user_info.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// `schema` double-quoted, after checking that it is a plain identifier.
fn quote_schema(schema: &str) -> anyhow::Result<String> {
    let plain = !schema.is_empty()
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !schema.starts_with(|c: char| c.is_ascii_digit());
    anyhow::ensure!(
        plain,
        "schema name {schema:?} is not a plain identifier (ASCII letters, digits, _)"
    );
    Ok(format!("\"{schema}\""))
}

#[async_trait]
impl UnitStore for PostgresStore {
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
            .pool
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        load_snapshot(&mut conn).await
    }
}

/// Upserts the unit rows and replaces their versions.
async fn write_units(conn: &mut PgConnection, units: &[&Unit]) -> StoreResult<()> {
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

    let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
    sqlx::query("DELETE FROM unit_versions WHERE unit_id = ANY($1)")
        .bind(ids)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("replacing unit versions", e))?;

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
async fn load_snapshot(conn: &mut PgConnection) -> StoreResult<UnitSnapshot> {
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
impl CriteriaStore for PostgresStore {
    async fn put_criteria_set(
        &self,
        id: &str,
        title: &str,
        source_text: &str,
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
        .fetch_all(&self.pool)
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
        .fetch_all(&self.pool)
        .await
        .map_err(|e| db_error("reading criteria set history", e))?;
        rows.iter().map(criteria_record).collect()
    }
}

fn criteria_record(row: &PgRow) -> StoreResult<CriteriaSetRecord> {
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
impl ValueStore for PostgresStore {
    /// Duplicate keys within `writes`: the last one wins.
    async fn write_values(
        &self,
        writes: &[ValueWrite],
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
        let rows = sqlx::query(
            "SELECT unit_id, year, indicator_id, value, note FROM indicator_values WHERE year = ANY($1)",
        )
        .bind(&years)
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
                },
            );
        }

        let plan = plan::plan_values(writes, &stored, &known_units)?;
        // The approved lock, read under the write lock like the stored values.
        let approved = workflow::approved_unit_years(&mut tx, &years).await?;
        plan::check_unlocked(writes, &approved)?;
        let at = audit.at.trunc_subsecs(6);
        upsert_rows(
            &mut tx,
            "INSERT INTO indicator_values (unit_id, year, indicator_id, value, note, entered_by, entered_at) ",
            " ON CONFLICT (unit_id, year, indicator_id) DO UPDATE SET value = excluded.value, \
             note = excluded.note, entered_by = excluded.entered_by, entered_at = excluded.entered_at",
            7,
            &plan.upserts,
            |mut b, w| {
                b.push_bind(w.unit_id.as_str())
                    .push_bind(w.year)
                    .push_bind(w.indicator_id.as_str())
                    .push_bind(w.value.as_str())
                    .push_bind(w.note.as_deref())
                    .push_bind(audit.actor.as_str())
                    .push_bind(at);
            },
        )
        .await
        .map_err(|e| db_error("writing values", e))?;
        insert_audits(&mut tx, &plan.audits, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the values", e))?;
        Ok(plan.summary)
    }

    async fn list_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>> {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT unit_id, year, indicator_id, value, note, entered_by, entered_at \
             FROM indicator_values WHERE 1 = 1",
        );
        if let Some(year) = filter.year {
            qb.push(" AND year = ").push_bind(year);
        }
        if let Some(indicator) = &filter.indicator_id {
            qb.push(" AND indicator_id = ")
                .push_bind(indicator.as_str());
        }
        if let Some(units) = &filter.units {
            let ids: Vec<String> = units.iter().map(|u| u.to_string()).collect();
            qb.push(" AND unit_id = ANY(").push_bind(ids).push(")");
        }
        qb.push(" ORDER BY unit_id COLLATE \"C\", year, indicator_id COLLATE \"C\"");
        let rows = qb
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(|e| db_error("reading values", e))?;
        rows.iter()
            .map(|row| value_record(row, "indicator_values.unit_id"))
            .collect()
    }
}

/// A value row of `indicator_values` or `approved_values`; `unit_column` names the table's
/// unit column in a parse error.
pub(crate) fn value_record(row: &PgRow, unit_column: &str) -> StoreResult<ValueRecord> {
    let unit: String = get(row, "unit_id")?;
    Ok(ValueRecord {
        unit_id: plan::parse_unit_id(&unit, unit_column)?,
        year: get(row, "year")?,
        indicator_id: get(row, "indicator_id")?,
        value: get(row, "value")?,
        note: get(row, "note")?,
        entered_by: get(row, "entered_by")?,
        entered_at: get(row, "entered_at")?,
    })
}

#[async_trait]
impl AuditStore for PostgresStore {
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>> {
        let mut qb = QueryBuilder::<Postgres>::new(
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
            .fetch_all(&self.pool)
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
impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn data_versions(&self) -> StoreResult<ntm_store::DataVersions> {
        let rows = sqlx::query("SELECT kind, version FROM data_versions")
            .fetch_all(&self.pool)
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
                _ => {}
            }
        }
        Ok(v)
    }

    async fn health(&self) -> StoreResult<Option<String>> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await
                .map_err(|e| db_error("reading the applied migrations", e))?;
        let known: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
        let missing: Vec<String> = known
            .iter()
            .filter(|v| !applied.contains(v))
            .map(ToString::to_string)
            .collect();
        Ok((!missing.is_empty())
            .then(|| format!("thiếu migration {}: chạy ntm migrate", missing.join(", "))))
    }
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub(crate) async fn insert_audits(
    conn: &mut PgConnection,
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
    conn: &mut PgConnection,
    head: &str,
    tail: &str,
    columns: usize,
    rows: &[T],
    mut bind: impl FnMut(Separated<'_, Postgres, &'static str>, &T) + Send,
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(MAX_BINDS / columns) {
        let mut qb = QueryBuilder::<Postgres>::new(head);
        qb.push_values(chunk, &mut bind);
        qb.push(tail);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) fn get<'r, T>(row: &'r PgRow, column: &str) -> StoreResult<T>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
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
                    explain(db.as_ref())
                ));
            }
            ErrorKind::ForeignKeyViolation => {
                return StoreError::Conflict(format!(
                    "{context}: tham chiếu tới đơn vị không tồn tại ({})",
                    explain(db.as_ref())
                ));
            }
            _ => {}
        }
    }
    StoreError::Other(anyhow::Error::new(error).context(context.to_owned()))
}

/// The server's message with its detail, which names the offending key.
fn explain(db: &dyn sqlx::error::DatabaseError) -> String {
    match db
        .try_downcast_ref::<PgDatabaseError>()
        .and_then(|pg| pg.detail())
    {
        Some(detail) => format!("{}; {detail}", db.message()),
        None => db.message().to_owned(),
    }
}
