//! Storage traits, the records they exchange, and [`StoreError`].
//!
//! Architecture invariant: no driver here. Types of sqlx or of any database never appear
//! in these signatures; the SQLite and PostgreSQL crates implement the traits and the
//! conformance suite holds them to the same behaviour.
//!
//! Every mutating method is one unit of work: one transaction that writes the change and
//! its audit entries, or nothing.

pub mod copy;
pub mod ocop;
pub mod plan;
pub mod quality;
pub mod recognition;
pub mod resources;
pub mod targets;
pub mod tasks;
pub mod villages;

pub use recognition::{
    DossierEntryRecord, DossierFileInfo, DossierFilter, DossierRecord, RecognitionStore,
};
pub use targets::{ShareRecord, TargetPlanRecord, TargetRecord, TargetStore};
pub use tasks::*;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use ntm_core::UnitId;
use ntm_core::unit::{LineageEdge, Unit, UnitAttribute};

/// What went wrong in a store, without the driver's types.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or reference rule of the schema was violated, or the workflow's state
    /// forbids the write.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Values changed since the writer read them (see [`ValueGuard::seen`]): nothing was
    /// written; each changed value is listed with what is stored now.
    #[error("stale: {} values changed since they were read", .0.len())]
    Stale(Vec<StaleValue>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Who does a write, when, and why; every audit entry of the write carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub actor: String,
    pub at: DateTime<Utc>,
    /// Where the change came from, e.g. `import values.csv`.
    pub reason: String,
}

/// One audit entry as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub unit_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
    pub reason: String,
}

/// Filters for reading the audit log; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub unit_id: Option<String>,
    /// What the reader may see; `None` means everything.
    pub scope: Option<AuditScope>,
    /// Newest first; at most this many (all when `None`).
    pub limit: Option<i64>,
}

/// The part of the audit log a reader may see: entries about these units, and — when
/// `unitless` — entries about no unit (criteria sets, users, organisations). Applied in
/// the query, so a limit counts visible entries only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditScope {
    pub units: Vec<UnitId>,
    pub unitless: bool,
}

/// Units, their lineage and attributes to write together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitBatch {
    pub units: Vec<Unit>,
    pub edges: Vec<LineageEdge>,
    pub attributes: Vec<UnitAttribute>,
}

/// Everything about units that the store holds.
pub type UnitSnapshot = UnitBatch;

/// What a batch write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
}

#[async_trait]
pub trait UnitStore {
    /// Inserts or replaces units (with all their versions), lineage edges and attributes.
    /// A unit already stored with identical content is left alone and not audited; every
    /// inserted or changed unit, edge and attribute gets one audit entry.
    async fn import_units(
        &self,
        batch: &UnitBatch,
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary>;
    /// Every unit with its versions, every edge, every attribute.
    async fn load_units(&self) -> StoreResult<UnitSnapshot>;
}

/// One version of a criteria set file as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CriteriaSetRecord {
    pub id: String,
    pub version: i64,
    pub title: String,
    pub source_text: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// Whether storing a criteria set made a new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created { version: i64 },
    Unchanged { version: i64 },
}

#[async_trait]
pub trait CriteriaStore {
    /// Stores `source_text` as the next version of set `id`, unless it equals the latest
    /// version (then nothing is written). A new version is audited.
    async fn put_criteria_set(
        &self,
        id: &str,
        title: &str,
        source_text: &str,
        audit: &AuditContext,
    ) -> StoreResult<PutOutcome> {
        self.put_criteria_set_from(id, title, source_text, None, audit)
            .await
    }
    /// [`CriteriaStore::put_criteria_set`], only if the latest version is still `seen`
    /// (the one its editor opened; `Some(0)`: none yet), checked inside the transaction;
    /// else `Conflict` naming the version there is now, and nothing is written.
    async fn put_criteria_set_from(
        &self,
        id: &str,
        title: &str,
        source_text: &str,
        seen: Option<i64>,
        audit: &AuditContext,
    ) -> StoreResult<PutOutcome>;
    /// The latest version of every set, ordered by id.
    async fn list_criteria_sets(&self) -> StoreResult<Vec<CriteriaSetRecord>>;
    /// Every version of one set, oldest first.
    async fn criteria_set_history(&self, id: &str) -> StoreResult<Vec<CriteriaSetRecord>>;
}

/// One indicator value to write. `value` is the canonical text of
/// [`ntm_core::Value::canonical`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueWrite {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub value: String,
    pub note: Option<String>,
    /// Demo material (only the demo writes `true`); any other write of the value makes it
    /// real, whatever its note says.
    pub illustrative: bool,
}

/// One indicator value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRecord {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub value: String,
    pub note: Option<String>,
    /// Written by the demo and not changed since.
    pub illustrative: bool,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

/// Which values to read; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueFilter {
    pub year: Option<i32>,
    pub units: Option<Vec<UnitId>>,
    pub indicator_id: Option<String>,
}

/// What a write of values expects of the store, checked inside its transaction so that
/// no other write can slip between the check and the write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueGuard {
    /// The write is an edit in the approval workflow: a unit-year that is `submitted` is
    /// refused (`Conflict`, like an `approved` one always is), and one that was `returned`
    /// becomes a `draft` again in the same transaction, audited.
    pub as_edit: bool,
    /// What the writer saw of each value it writes (a form, a preview): if the stored value
    /// or note differs now, the write is [`StoreError::Stale`] and writes nothing.
    pub seen: Vec<SeenValue>,
}

/// One value as a writer read it: `value` `None` when there was none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenValue {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub value: Option<String>,
    pub note: Option<String>,
}

/// A value that changed since it was read, with what is stored now (`None`: deleted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleValue {
    pub unit_id: UnitId,
    pub year: i32,
    pub indicator_id: String,
    pub now: Option<ValueNow>,
}

/// A stored value and who wrote it when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueNow {
    pub value: String,
    pub note: Option<String>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
}

#[async_trait]
pub trait ValueStore {
    /// Writes all values in one transaction. A value equal to the stored one (same value,
    /// note and demo flag) is unchanged and not audited; every inserted or changed value
    /// gets an audit entry with the old and the new value. Either all are written or none.
    /// A value of a unit-year whose submission is `approved` (locked) is refused with
    /// `Conflict`, checked inside the transaction.
    async fn write_values(
        &self,
        writes: &[ValueWrite],
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary> {
        self.write_values_guarded(writes, &ValueGuard::default(), audit)
            .await
    }
    /// [`ValueStore::write_values`] with the expectations of `guard`, checked in the same
    /// transaction.
    async fn write_values_guarded(
        &self,
        writes: &[ValueWrite],
        guard: &ValueGuard,
        audit: &AuditContext,
    ) -> StoreResult<WriteSummary>;
    /// Values matching the filter, ordered by unit, year, indicator.
    async fn list_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>>;
    /// At most `limit` of the values [`ValueStore::list_values`] gives, those after `after`
    /// in its order: one page of a listing too long to hold whole (the country's values
    /// of a year), read from the database page by page.
    async fn list_values_page(
        &self,
        filter: &ValueFilter,
        after: Option<&ValuePosition>,
        limit: usize,
    ) -> StoreResult<Vec<ValueRecord>>;
}

/// Where a value stands in the order of a listing: unit, year, indicator.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValuePosition {
    /// A unit id as text: a position orders, it need not name a unit that exists.
    pub unit_id: String,
    pub year: i32,
    pub indicator_id: String,
}

impl ValueRecord {
    pub fn position(&self) -> ValuePosition {
        ValuePosition {
            unit_id: self.unit_id.to_string(),
            year: self.year,
            indicator_id: self.indicator_id.clone(),
        }
    }
}

#[async_trait]
pub trait AuditStore {
    /// Audit entries matching the filter, newest first. The log has no update or delete.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRecord>>;
}

/// A user account. Passwords are stored only as argon2id PHC strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    /// Unique, compared case-sensitively; the app lower-cases it before storing.
    pub username: String,
    pub full_name: String,
    pub password_hash: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Where the digest of the user's notifications goes, when SMTP is configured.
    pub email: Option<String>,
}

/// A role on a unit's subtree, as stored (`role` is `ntm_core::access::Role::as_str`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GrantRecord {
    pub role: String,
    pub unit_id: UnitId,
    /// Whether it carries to the units that took `unit_id` over by a merger
    /// (`ntm_core::access::Grant::follows_successors`).
    pub follows_successors: bool,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub password_hash: String,
    pub grants: Vec<GrantRecord>,
}

#[async_trait]
pub trait UserStore {
    /// Creates a user with its grants (audit `user.create`); a taken username is
    /// `Conflict`. Returns the new id.
    async fn create_user(&self, user: &NewUser, audit: &AuditContext) -> StoreResult<i64>;
    async fn find_user(&self, username: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user(&self, id: i64) -> StoreResult<Option<UserRecord>>;
    /// Every user, ordered by username.
    async fn list_users(&self) -> StoreResult<Vec<UserRecord>>;
    /// Replaces the password hash (audit `user.password`, no hash in the audit text) and
    /// deletes the user's sessions.
    async fn set_password(
        &self,
        id: i64,
        password_hash: &str,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// Disables or enables a user (audit `user.disable` / `user.enable`); disabling deletes
    /// the user's sessions and tokens.
    async fn set_disabled(&self, id: i64, disabled: bool, audit: &AuditContext) -> StoreResult<()>;
    /// Sets or clears the user's e-mail address (audit `user.email` with before/after;
    /// none when unchanged). The address is stored as given (the app checks its form).
    /// An unknown user is `NotFound`.
    async fn set_email(
        &self,
        id: i64,
        email: Option<&str>,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// Replaces the user's grants (audit `user.grants` with before/after lists).
    async fn set_grants(
        &self,
        id: i64,
        grants: &[GrantRecord],
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The user's grants, ordered.
    async fn list_grants(&self, id: i64) -> StoreResult<Vec<GrantRecord>>;
}

/// A signed-in session; the cookie holds a random secret, the store only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub user_id: i64,
    /// The CSRF token of the session's forms.
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait SessionStore {
    async fn create_session(&self, session: &SessionRecord) -> StoreResult<()>;
    /// The session, if it exists and has not expired at `now`.
    async fn find_session(
        &self,
        id_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SessionRecord>>;
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// The user's sessions that have not expired at `now`, newest first.
    async fn list_sessions(
        &self,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<SessionRecord>>;
    /// Removes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// A personal API token; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    /// When the token last authenticated a request (to the nearest few minutes).
    pub last_used_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait TokenStore {
    /// Stores a token (audit `token.create`, never the hash); returns its id.
    async fn create_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        audit: &AuditContext,
    ) -> StoreResult<i64>;
    async fn find_token(&self, token_hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Records that the token was used at `at` (not audited: use is not a change of data).
    async fn touch_token(&self, token_id: i64, at: DateTime<Utc>) -> StoreResult<()>;
    async fn list_tokens(&self, user_id: i64) -> StoreResult<Vec<TokenRecord>>;
    /// Deletes one of the user's tokens (audit `token.delete`); another user's token is
    /// `NotFound`.
    async fn delete_token(
        &self,
        user_id: i64,
        token_id: i64,
        audit: &AuditContext,
    ) -> StoreResult<()>;
}

/// Where one unit's values for one year stand in the approval workflow. A unit-year
/// without a record is a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionRecord {
    pub unit_id: UnitId,
    pub year: i32,
    /// `ntm_core::workflow::Status::as_str`.
    pub status: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// The return comment or the reopening reason.
    pub comment: Option<String>,
}

/// A unit-year and where it stands in the workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitYearStatus {
    pub unit_id: UnitId,
    pub year: i32,
    /// `ntm_core::workflow::Status::as_str`.
    pub status: String,
}

/// Which submissions to list; `None` means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmissionFilter {
    pub status: Option<String>,
    pub year: Option<i32>,
}

#[async_trait]
pub trait WorkflowStore {
    async fn get_submission(
        &self,
        unit_id: &UnitId,
        year: i32,
    ) -> StoreResult<Option<SubmissionRecord>>;
    /// Ordered by year, then unit.
    async fn list_submissions(
        &self,
        filter: &SubmissionFilter,
    ) -> StoreResult<Vec<SubmissionRecord>>;
    /// Records a new state (audit `submission.<status>`, before/after the statuses, the
    /// comment in the after text). When the new status is `approved`, the unit-year's
    /// current values are copied as the approved snapshot (replacing the previous one), in
    /// the same transaction.
    async fn set_submission(
        &self,
        record: &SubmissionRecord,
        audit: &AuditContext,
    ) -> StoreResult<()> {
        self.set_submission_from(record, None, audit).await
    }
    /// [`WorkflowStore::set_submission`], only if the unit-year's status is one of `from`
    /// (a unit-year without a record is a draft), checked inside the transaction; else
    /// `Conflict` naming the status it has now, and nothing is written.
    async fn set_submission_from(
        &self,
        record: &SubmissionRecord,
        from: Option<&[ntm_core::workflow::Status]>,
        audit: &AuditContext,
    ) -> StoreResult<()>;
    /// The approved snapshots (the values as each unit-year was last approved) that
    /// `filter` selects, ordered like [`ValueStore::list_values`]. A unit-year reopened
    /// since keeps its snapshot until it is approved again.
    async fn list_approved_values(&self, filter: &ValueFilter) -> StoreResult<Vec<ValueRecord>>;
    /// Every unit-year of `year` (all years when `None`) that has values and is not
    /// approved (draft, submitted or returned; no record is a draft), ordered by year, then
    /// unit.
    async fn unapproved(&self, year: Option<i32>) -> StoreResult<Vec<UnitYearStatus>>;
    /// The values as last approved (empty if never approved).
    async fn approved_values(&self, unit_id: &UnitId, year: i32) -> StoreResult<Vec<ValueRecord>>;
}

/// The whole store, as the app holds it: `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    UnitStore
    + CriteriaStore
    + ValueStore
    + AuditStore
    + UserStore
    + SessionStore
    + TokenStore
    + WorkflowStore
    + OrganisationStore
    + DirectiveStore
    + TaskStore
    + NotificationStore
    + RecognitionStore
    + TargetStore
    + villages::VillageStore
    + ocop::OcopStore
    + resources::ResourceStore
    + quality::QualityStore
    + copy::CopyStore
    + Send
    + Sync
{
    /// `sqlite` or `postgres`, for messages.
    fn backend(&self) -> &'static str;
    /// The versions of the data that evaluations and task views read. Every committed
    /// write to units, criteria sets, values, the workflow or tasks raises its kind's version (database triggers,
    /// so also writes by another process); a reader that holds them in memory compares.
    async fn data_versions(&self) -> StoreResult<DataVersions>;
    /// Whether the database answers and has every migration this build knows (for
    /// `ntm healthcheck`): `Ok(None)` when current, `Ok(Some(message))` when not.
    async fn health(&self) -> StoreResult<Option<String>>;
}

/// See [`Store::data_versions`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DataVersions {
    pub units: i64,
    pub criteria: i64,
    pub values: i64,
    /// Directives, their tasks and reports, organisations.
    pub tasks: i64,
    /// Explanations of findings, evidence files, map points and boundary files, and the
    /// recognition dossiers the regression rule reads.
    pub quality: i64,
}

/// The audit target id of a value: `unit|year|indicator`.
pub fn value_target_id(unit_id: &UnitId, year: i32, indicator_id: &str) -> String {
    format!("{unit_id}|{year}|{indicator_id}")
}

/// The short before/after text of a unit in the audit log.
pub fn unit_summary(unit: &Unit) -> String {
    unit.versions
        .iter()
        .map(|v| {
            format!(
                "{} ({}) {}{}",
                v.name,
                v.unit_type.as_vi(),
                v.valid,
                v.parent
                    .as_ref()
                    .map(|p| format!(", thuộc {p}"))
                    .unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}
