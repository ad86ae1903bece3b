//! Users with their grants, sessions and API tokens.
//!
//! Invariants:
//! - Every mutating method of users and tokens is one transaction under the store's write
//!   lock, with its audit entries; the audit texts come from `ntm_store::plan` and never hold a
//!   password or token hash.
//! - Sessions are not audited: signing in and out is not a change of data, and a session
//!   row is only the hash of a cookie secret. Each session method is one statement.
//! - Grants are stored and returned sorted and without repeats; a grant on a unit that does
//!   not exist is refused before anything is written.

use std::collections::HashSet;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use ntm_store::plan;
use ntm_store::{
    AuditContext, GrantRecord, NewUser, SessionRecord, SessionStore, StoreError, StoreResult,
    TokenRecord, TokenStore, UserRecord, UserStore,
};

use sqlx::QueryBuilder;

use super::{MAX_BINDS, db_error, get, insert_audits, upsert_rows};
use crate::dialect::{Backend, Db, DbConn, DbRow};

const USER_COLUMNS: &str = "id, username, full_name, password_hash, disabled, created_at, email";

#[async_trait]
impl UserStore for Backend {
    async fn create_user(&self, user: &NewUser, audit: &AuditContext) -> StoreResult<i64> {
        let grants = plan::normalize_grants(&user.grants);
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(&user.username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| db_error("reading users", e))?;
        if taken.is_some() {
            return Err(plan::username_taken(&user.username));
        }
        check_grant_units(&mut tx, &grants).await?;
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (username, full_name, password_hash, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(&user.username)
        .bind(&user.full_name)
        .bind(&user.password_hash)
        .bind(false)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the user", e))?;
        insert_grants(&mut tx, id, &grants).await?;
        insert_audits(&mut tx, &[plan::user_create_audit(user)], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the user", e))?;
        Ok(id)
    }

    async fn find_user(&self, username: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        )))
        .bind(username)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the user", e))?;
        row.as_ref().map(user_record).transpose()
    }

    async fn get_user(&self, id: i64) -> StoreResult<Option<UserRecord>> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        load_user(&mut conn, id).await
    }

    async fn list_users(&self) -> StoreResult<Vec<UserRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY username COLLATE \"C\""
        )))
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading users", e))?;
        rows.iter().map(user_record).collect()
    }

    async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let user = require_user(&mut tx, id).await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("writing the password", e))?;
        delete_sessions_of(&mut tx, id).await?;
        let mut entries = vec![plan::password_audit(&user.username)];
        entries.extend(revoke_tokens_of(&mut tx, id, &user.username).await?);
        let at = audit.at.trunc_subsecs(6);
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the password", e))
    }

    /// Setting the state the user already has writes no audit entry (nothing changed); a
    /// disabled user's sessions and tokens are deleted either way, each token with a
    /// `token.delete` entry.
    /// Setting the address the user already has writes no audit entry.
    async fn set_email(
        &self,
        id: i64,
        email: Option<&str>,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let user = require_user(&mut tx, id).await?;
        if user.email.as_deref() != email {
            sqlx::query("UPDATE users SET email = $1 WHERE id = $2")
                .bind(email)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing the e-mail address", e))?;
            let entry = plan::email_audit(&user.username, user.email.as_deref(), email);
            insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the e-mail address", e))
    }

    async fn set_disabled(&self, id: i64, disabled: bool, audit: &AuditContext) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let user = require_user(&mut tx, id).await?;
        let mut entries = Vec::new();
        if user.disabled != disabled {
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("writing the user state", e))?;
            entries.push(plan::disabled_audit(
                &user.username,
                user.disabled,
                disabled,
            ));
        }
        if disabled {
            delete_sessions_of(&mut tx, id).await?;
            entries.extend(revoke_tokens_of(&mut tx, id, &user.username).await?);
        }
        let at = audit.at.trunc_subsecs(6);
        insert_audits(&mut tx, &entries, audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the user state", e))
    }

    /// Grants equal to the stored ones (as sets) write no audit entry.
    async fn set_grants(
        &self,
        id: i64,
        grants: &[GrantRecord],
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let grants = plan::normalize_grants(grants);
        let mut tx = self.begin_write().await?;
        let user = require_user(&mut tx, id).await?;
        check_grant_units(&mut tx, &grants).await?;
        let before = load_grants(&mut tx, id).await?;
        if before != grants {
            sqlx::query("DELETE FROM user_grants WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| db_error("replacing grants", e))?;
            insert_grants(&mut tx, id, &grants).await?;
            let entry = plan::grants_audit(&user.username, &before, &grants);
            insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        }
        tx.commit()
            .await
            .map_err(|e| db_error("committing the grants", e))
    }

    /// An unknown user has no grants.
    async fn list_grants(&self, id: i64) -> StoreResult<Vec<GrantRecord>> {
        let mut conn = self
            .read
            .acquire()
            .await
            .map_err(|e| db_error("connecting", e))?;
        load_grants(&mut conn, id).await
    }
}

fn user_record(row: &DbRow) -> StoreResult<UserRecord> {
    Ok(UserRecord {
        id: get(row, "id")?,
        username: get(row, "username")?,
        full_name: get(row, "full_name")?,
        password_hash: get(row, "password_hash")?,
        disabled: get(row, "disabled")?,
        created_at: get(row, "created_at")?,
        email: get(row, "email")?,
    })
}

async fn load_user(conn: &mut DbConn, id: i64) -> StoreResult<Option<UserRecord>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(|e| db_error("reading the user", e))?;
    row.as_ref().map(user_record).transpose()
}

/// The user `id`, or `NotFound`.
async fn require_user(conn: &mut DbConn, id: i64) -> StoreResult<UserRecord> {
    load_user(conn, id)
        .await?
        .ok_or_else(|| plan::user_not_found(id))
}

/// The user's grants, sorted.
async fn load_grants(conn: &mut DbConn, id: i64) -> StoreResult<Vec<GrantRecord>> {
    let rows: Vec<(String, String, bool)> = sqlx::query_as(
        "SELECT role, unit_id, follows_successors FROM user_grants WHERE user_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| db_error("reading grants", e))?;
    let grants = rows
        .into_iter()
        .map(|(role, unit, follows_successors)| {
            Ok(GrantRecord {
                role,
                unit_id: plan::parse_unit_id(&unit, "user_grants.unit_id")?,
                follows_successors,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(plan::normalize_grants(&grants))
}

/// `Conflict` naming the units of `grants` that do not exist.
async fn check_grant_units(conn: &mut DbConn, grants: &[GrantRecord]) -> StoreResult<()> {
    let mut known = HashSet::new();
    for chunk in grants.chunks(MAX_BINDS) {
        let mut qb = QueryBuilder::<Db>::new("SELECT id FROM units WHERE id IN (");
        let mut list = qb.separated(", ");
        for grant in chunk {
            list.push_bind(grant.unit_id.as_str());
        }
        qb.push(")");
        let ids: Vec<String> = qb
            .build_query_scalar()
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading unit ids", e))?;
        known.extend(ids);
    }
    plan::check_grant_units(grants, &known)
}

async fn insert_grants(conn: &mut DbConn, user_id: i64, grants: &[GrantRecord]) -> StoreResult<()> {
    upsert_rows(
        conn,
        "INSERT INTO user_grants (user_id, role, unit_id, follows_successors) ",
        "",
        4,
        grants,
        |mut b, g| {
            b.push_bind(user_id)
                .push_bind(g.role.as_str())
                .push_bind(g.unit_id.as_str())
                .push_bind(g.follows_successors);
        },
    )
    .await
    .map_err(|e| db_error("writing grants", e))
}

/// Deletes every API token of the user; returns their audit entries.
async fn revoke_tokens_of(
    conn: &mut DbConn,
    user_id: i64,
    username: &str,
) -> StoreResult<Vec<plan::NewAudit>> {
    let tokens: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, name FROM api_tokens WHERE user_id = $1 ORDER BY id")
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| db_error("reading the user's tokens", e))?;
    sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("deleting the user's tokens", e))?;
    Ok(tokens
        .iter()
        .map(|(token, name)| plan::token_delete_audit(*token, name, username))
        .collect())
}

async fn delete_sessions_of(conn: &mut DbConn, user_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await
        .map_err(|e| db_error("deleting the user's sessions", e))?;
    Ok(())
}

#[async_trait]
impl SessionStore for Backend {
    /// A session of an unknown user is `NotFound`; a taken id hash is `Conflict`.
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()> {
        let inserted = sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) \
             SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM users WHERE id = $2) \
             ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(&session.id_hash)
        .bind(session.user_id)
        .bind(&session.csrf_token)
        .bind(session.created_at.trunc_subsecs(6))
        .bind(session.expires_at.trunc_subsecs(6))
        .execute(&self.pool)
        .await
        .map_err(|e| db_error("writing the session", e))?
        .rows_affected();
        if inserted == 1 {
            return Ok(());
        }
        match self.get_user(session.user_id).await? {
            None => Err(plan::user_not_found(session.user_id)),
            // Not the database's message: it would show the hash.
            Some(_) => Err(StoreError::Conflict(
                "phiên đăng nhập với mã này đã tồn tại".to_owned(),
            )),
        }
    }

    async fn find_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>> {
        let row = sqlx::query(
            "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now.trunc_subsecs(6))
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the session", e))?;
        row.map(|row| {
            Ok(SessionRecord {
                id_hash: get(&row, "id_hash")?,
                user_id: get(&row, "user_id")?,
                csrf_token: get(&row, "csrf_token")?,
                created_at: get(&row, "created_at")?,
                expires_at: get(&row, "expires_at")?,
            })
        })
        .transpose()
    }

    async fn list_sessions(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>> {
        let rows = sqlx::query(
            "SELECT id_hash, user_id, csrf_token, created_at, expires_at FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id_hash",
        )
        .bind(user_id)
        .bind(now.trunc_subsecs(6))
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading the user's sessions", e))?;
        rows.iter()
            .map(|row| {
                Ok(SessionRecord {
                    id_hash: get(row, "id_hash")?,
                    user_id: get(row, "user_id")?,
                    csrf_token: get(row, "csrf_token")?,
                    created_at: get(row, "created_at")?,
                    expires_at: get(row, "expires_at")?,
                })
            })
            .collect()
    }

    /// Deleting a session that does not exist is not an error (signing out twice).
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(|e| db_error("deleting the session", e))?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.trunc_subsecs(6))
            .execute(&self.pool)
            .await
            .map_err(|e| db_error("deleting expired sessions", e))?
            .rows_affected())
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, token_hash, created_at, last_used_at";

fn token_record(row: &DbRow) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: get(row, "id")?,
        user_id: get(row, "user_id")?,
        name: get(row, "name")?,
        token_hash: get(row, "token_hash")?,
        created_at: get(row, "created_at")?,
        last_used_at: get(row, "last_used_at")?,
    })
}

#[async_trait]
impl TokenStore for Backend {
    async fn touch_token(&self, token_id: i64, at: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at.trunc_subsecs(6))
            .bind(token_id)
            .execute(&self.pool)
            .await
            .map_err(|e| db_error("recording the token's use", e))?;
        Ok(())
    }

    /// An unknown user is `NotFound`; a hash already stored is `Conflict` (without the
    /// hash in the message).
    async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64> {
        let mut tx = self.begin_write().await?;
        let user = require_user(&mut tx, user_id).await?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT id FROM api_tokens WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| db_error("reading tokens", e))?;
        if taken.is_some() {
            return Err(StoreError::Conflict(
                "mã truy cập này đã tồn tại".to_owned(),
            ));
        }
        let at = audit.at.trunc_subsecs(6);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(token_hash)
        .bind(at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| db_error("writing the token", e))?;
        let entry = plan::token_create_audit(id, name, &user.username);
        insert_audits(&mut tx, &[entry], audit, at).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the token", e))?;
        Ok(id)
    }

    async fn find_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(|e| db_error("reading the token", e))?;
        row.as_ref().map(token_record).transpose()
    }

    /// Oldest first; an unknown user has none.
    async fn list_tokens(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id"
        )))
        .bind(user_id)
        .fetch_all(&self.read)
        .await
        .map_err(|e| db_error("reading tokens", e))?;
        rows.iter().map(token_record).collect()
    }

    async fn delete_token(
        &self,
        user_id: i64,
        token_id: i64,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        let found: Option<(String, String)> = sqlx::query_as(
            "SELECT t.name, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.user_id = $2",
        )
        .bind(token_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| db_error("reading the token", e))?;
        let (name, username) = found.ok_or_else(|| plan::token_not_found(user_id, token_id))?;
        sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(token_id)
            .execute(&mut *tx)
            .await
            .map_err(|e| db_error("deleting the token", e))?;
        let entry = plan::token_delete_audit(token_id, &name, &username);
        insert_audits(&mut tx, &[entry], audit, audit.at.trunc_subsecs(6)).await?;
        tx.commit()
            .await
            .map_err(|e| db_error("committing the token deletion", e))
    }
}
