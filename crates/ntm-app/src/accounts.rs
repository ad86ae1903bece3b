//! Accounts: users with argon2id passwords, roles granted on unit subtrees, sessions and
//! personal API tokens.
//!
//! Secrets never reach the store in clear: a session cookie or API token is a random
//! 32-byte value shown once; the store keeps its SHA-256. Passwords are argon2id PHC
//! strings. Callers run [`hash_password`] and [`verify_password`] on a blocking thread
//! (they take tens of milliseconds on purpose).

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use chrono::{DateTime, Duration, Utc};
use ntm_core::access::{Action, Grant, Role, can_globally};
use ntm_core::{UnitId, UnitRegistry};
use ntm_store::{GrantRecord, NewUser, SessionRecord, Store, UserRecord};
use sha2::{Digest, Sha256};

use crate::{AppError, AppResult, AuditContext};

/// The minimum password length accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Someone signed in, with what they may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub username: String,
    pub full_name: String,
    pub grants: Vec<Grant>,
}

impl Actor {
    /// The audit context of a write by this actor.
    pub fn audit(&self, at: DateTime<Utc>, reason: impl Into<String>) -> AuditContext {
        AuditContext {
            actor: self.username.clone(),
            at,
            reason: reason.into(),
        }
    }
    /// Whether the actor may act beyond one unit (users, criteria, reopening).
    pub fn can_globally(&self, registry: &UnitRegistry, action: Action) -> bool {
        can_globally(registry, &self.grants, action)
    }
}

/// An argon2id PHC string for `password`.
pub fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| {
            AppError::Store(ntm_store::StoreError::Other(anyhow::anyhow!(
                "hashing failed: {e}"
            )))
        })
}

/// Whether `password` matches the PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A new random secret, hex-encoded (for session cookies, API tokens, CSRF tokens).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex(&bytes)
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks a new password: long enough and, by zxcvbn's estimate, not guessable (common
/// passwords, repeats, sequences, keyboard rows, dates, the user's own name). `context`
/// holds words that must not carry it (user name, full name). The message is for users.
pub fn check_password_rules(password: &str, context: &[&str]) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("mật khẩu cần ít nhất {MIN_PASSWORD_LEN} ký tự"));
    }
    if password.chars().count() > MAX_PASSWORD_LEN {
        return Err(format!("mật khẩu dài quá {MAX_PASSWORD_LEN} ký tự"));
    }
    let mut inputs: Vec<&str> = context.to_vec();
    inputs.extend(["ntm", "nongthonmoi", "hatinh", "vpdp", "matkhau"]);
    let estimate = zxcvbn::zxcvbn(password, &inputs);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    use zxcvbn::feedback::Warning;
    let why = match estimate.feedback().and_then(|f| f.warning()) {
        Some(
            Warning::ThisIsACommonPassword
            | Warning::ThisIsATop10Password
            | Warning::ThisIsATop100Password,
        ) => "đây là mật khẩu rất phổ biến",
        Some(Warning::ThisIsSimilarToACommonlyUsedPassword) => {
            "mật khẩu gần giống một mật khẩu phổ biến"
        }
        Some(
            Warning::RepeatsLikeAaaAreEasyToGuess
            | Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess,
        ) => "mật khẩu lặp lại ký tự hoặc cụm ký tự",
        Some(Warning::SequencesLikeAbcAreEasyToGuess) => "mật khẩu là dãy liên tiếp (như abc, 123)",
        Some(
            Warning::StraightRowsOfKeysAreEasyToGuess
            | Warning::ShortKeyboardPatternsAreEasyToGuess,
        ) => "mật khẩu là một hàng phím liền nhau",
        Some(Warning::RecentYearsAreEasyToGuess | Warning::DatesAreOftenEasyToGuess) => {
            "mật khẩu chứa năm hoặc ngày tháng dễ đoán"
        }
        Some(
            Warning::NamesAndSurnamesByThemselvesAreEasyToGuess
            | Warning::CommonNamesAndSurnamesAreEasyToGuess,
        ) => "mật khẩu là họ tên",
        _ => "mật khẩu quá dễ đoán",
    };
    Err(format!(
        "{why}; hãy dùng một cụm vài từ ít gặp ghép lại (ví dụ “cay-bang-ven-song-lam”), \
         không dùng tên đăng nhập, tên đơn vị hay ngày sinh"
    ))
}

/// The longest password taken (argon2 hashes any length; a megabyte is not a password).
pub const MAX_PASSWORD_LEN: usize = 256;

/// The longest user name there is; a longer one is refused before anything is looked up.
pub const MAX_USERNAME_LEN: usize = 64;

/// An argon2id hash of no password anyone has, with the same parameters as real ones: an
/// unknown name is verified against it, so that it takes as long as a known one.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_password(&new_secret()).expect("hashing a random secret with default parameters")
    })
}

/// Signs a user in: the name (case-insensitive) and password checked with the same work
/// whether the name exists, is disabled or not, and one answer for every refusal, so that
/// neither the time nor the words tell an attacker which names exist.
pub async fn sign_in(
    store: &dyn Store,
    work: &dyn PasswordWork,
    username: &str,
    password: &str,
) -> AppResult<UserRecord> {
    let refused = || AppError::Unauthenticated(LOGIN_REFUSED.into());
    let name = username.trim().to_lowercase();
    if name.chars().count() > MAX_USERNAME_LEN || password.chars().count() > MAX_PASSWORD_LEN {
        return Err(refused());
    }
    let user = store.find_user(&name).await?;
    let phc = user
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = work.verify(password.to_owned(), phc).await;
    match user {
        Some(u) if ok && !u.disabled => Ok(u),
        _ => Err(refused()),
    }
}

fn grants_of(records: Vec<GrantRecord>) -> Vec<Grant> {
    records
        .into_iter()
        .filter_map(|g| {
            Role::parse(&g.role).map(|role| Grant {
                role,
                unit: g.unit_id,
                follows_successors: g.follows_successors,
            })
        })
        .collect()
}

async fn actor_of(store: &dyn Store, user: UserRecord) -> AppResult<Actor> {
    let grants = grants_of(store.list_grants(user.id).await?);
    Ok(Actor {
        user_id: user.id,
        username: user.username,
        full_name: user.full_name,
        grants,
    })
}

/// Creates a user with one grant; the unit must exist. `password_hash` comes from
/// [`hash_password`].
pub async fn create_user(
    store: &dyn Store,
    username: &str,
    full_name: &str,
    password_hash: String,
    grants: &[Grant],
    audit: &AuditContext,
) -> AppResult<i64> {
    let username = username.trim().to_lowercase();
    if username.is_empty()
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(AppError::Fields(vec![(
            "username".into(),
            "tên đăng nhập chỉ gồm chữ không dấu, số, dấu - _ .".into(),
        )]));
    }
    let user = NewUser {
        username,
        full_name: full_name.trim().to_owned(),
        password_hash,
        grants: grants.iter().map(record_of).collect(),
    };
    Ok(store.create_user(&user, audit).await?)
}

fn record_of(g: &Grant) -> GrantRecord {
    GrantRecord {
        role: g.role.as_str().to_owned(),
        unit_id: g.unit.clone(),
        follows_successors: g.follows_successors,
    }
}

/// A change the administrator makes to one account's grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantChange {
    Add(Grant),
    Remove {
        role: Role,
        unit: UnitId,
    },
    /// Whether the grant carries to its unit's successors.
    Follow {
        role: Role,
        unit: UnitId,
        follows: bool,
    },
}

/// The administrator changes one grant of an account (in one audited write). An
/// administrator does not remove their own last province-wide administration: nobody
/// would be left to give it back.
pub async fn change_grants(
    store: &dyn Store,
    registry: &UnitRegistry,
    admin: &Actor,
    user_id: i64,
    change: GrantChange,
    audit: &AuditContext,
) -> AppResult<Vec<Grant>> {
    administrators_only(registry, admin)?;
    apply_grant_change(store, registry, Some(admin), user_id, change, audit).await
}

/// [`change_grants`] from the command line, whose operator holds the database itself.
pub async fn change_grants_as_operator(
    store: &dyn Store,
    registry: &UnitRegistry,
    user_id: i64,
    change: GrantChange,
    audit: &AuditContext,
) -> AppResult<Vec<Grant>> {
    apply_grant_change(store, registry, None, user_id, change, audit).await
}

async fn apply_grant_change(
    store: &dyn Store,
    registry: &UnitRegistry,
    admin: Option<&Actor>,
    user_id: i64,
    change: GrantChange,
    audit: &AuditContext,
) -> AppResult<Vec<Grant>> {
    let mut grants = grants_of(store.list_grants(user_id).await?);
    let find = |grants: &[Grant], role: Role, unit: &UnitId| {
        grants
            .iter()
            .position(|g| g.role == role && &g.unit == unit)
            .ok_or_else(|| {
                AppError::NotFound(format!(
                    "người dùng không có quyền {} tại {unit}",
                    role.label_vi()
                ))
            })
    };
    match change {
        GrantChange::Add(g) => {
            if registry.get(&g.unit).is_none() {
                return Err(AppError::Invalid(vec![format!(
                    "không có đơn vị {}",
                    g.unit
                )]));
            }
            match grants
                .iter_mut()
                .find(|x| x.role == g.role && x.unit == g.unit)
            {
                Some(x) => x.follows_successors = g.follows_successors,
                None => grants.push(g),
            }
        }
        GrantChange::Remove { role, unit } => {
            let i = find(&grants, role, &unit)?;
            grants.remove(i);
            let still_admin =
                ntm_core::access::can_globally(registry, &grants, Action::ManageUsers);
            if admin.is_some_and(|a| a.user_id == user_id) && !still_admin {
                return Err(AppError::Conflict(
                    "không thể tự gỡ quyền quản trị cấp tỉnh cuối cùng của mình; nhờ một quản trị khác".into(),
                ));
            }
        }
        GrantChange::Follow {
            role,
            unit,
            follows,
        } => {
            let i = find(&grants, role, &unit)?;
            grants[i].follows_successors = follows;
        }
    }
    let records: Vec<GrantRecord> = grants.iter().map(record_of).collect();
    store.set_grants(user_id, &records, audit).await?;
    Ok(grants)
}

/// One grant as the office reads it: the role, the unit, and where it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantLine {
    pub grant: Grant,
    pub role: &'static str,
    pub unit_name: String,
    /// The units that took its unit over by a merger: (id, name, from), whether or not
    /// the grant follows them.
    pub successors: Vec<(UnitId, String, chrono::NaiveDate)>,
}

impl GrantLine {
    /// "Cán bộ xã: Xã Kỳ Lạc (18850@2020-01-01) → Xã Kỳ Lạc (18838@2025-07-01) từ 01/07/2025".
    pub fn text(&self) -> String {
        let mut out = format!("{}: {} ({})", self.role, self.unit_name, self.grant.unit);
        if !self.successors.is_empty() {
            let list = self
                .successors
                .iter()
                .map(|(id, name, from)| format!("{name} ({id}) từ {}", from.format("%d/%m/%Y")))
                .collect::<Vec<_>>()
                .join(", ");
            if self.grant.follows_successors {
                out.push_str(&format!(" → chuyển sang {list}"));
            } else {
                out.push_str(&format!(" — không chuyển sang {list}"));
            }
        }
        out
    }
}

/// The grants of an account as the office reads them.
pub fn grant_lines(registry: &UnitRegistry, grants: &[Grant]) -> Vec<GrantLine> {
    grants
        .iter()
        .map(|g| GrantLine {
            grant: g.clone(),
            role: g.role.label_vi(),
            unit_name: registry
                .get(&g.unit)
                .map_or_else(|| g.unit.to_string(), |u| u.latest().name.clone()),
            successors: ntm_core::access::successor_scopes(registry, &g.unit)
                .into_iter()
                .filter_map(|s| {
                    let u = registry.get(&s)?;
                    Some((s.clone(), u.latest().name.clone(), u.valid().from))
                })
                .collect(),
        })
        .collect()
}

/// The grants of a stored account.
pub async fn grants_of_user(store: &dyn Store, user_id: i64) -> AppResult<Vec<Grant>> {
    Ok(grants_of(store.list_grants(user_id).await?))
}

/// The message for any refused sign-in: a wrong name and a wrong password look the same.
pub const LOGIN_REFUSED: &str = "tên đăng nhập hoặc mật khẩu không đúng";

/// Opens a session for a verified user. Returns the cookie secret (sent once) and the
/// session.
pub async fn open_session(
    store: &dyn Store,
    user_id: i64,
    now: DateTime<Utc>,
    ttl: Duration,
) -> AppResult<(String, SessionRecord)> {
    let secret = new_secret();
    let session = SessionRecord {
        id_hash: secret_hash(&secret),
        user_id,
        csrf_token: new_secret(),
        created_at: now,
        expires_at: now + ttl,
    };
    store.create_session(&session).await?;
    Ok((secret, session))
}

/// The actor and session behind a session cookie, if valid.
pub async fn session_actor(
    store: &dyn Store,
    secret: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<(Actor, SessionRecord)>> {
    let Some(session) = store.find_session(&secret_hash(secret), now).await? else {
        return Ok(None);
    };
    let Some(user) = store.get_user(session.user_id).await? else {
        return Ok(None);
    };
    if user.disabled {
        return Ok(None);
    }
    Ok(Some((actor_of(store, user).await?, session)))
}

/// The actor behind an API bearer token, if valid.
pub async fn token_actor(
    store: &dyn Store,
    token: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<Actor>> {
    let Some(t) = store.find_token(&secret_hash(token)).await? else {
        return Ok(None);
    };
    // Its last use, to the nearest five minutes: one small write per token and period,
    // not one per request.
    if t.last_used_at
        .is_none_or(|last| now - last >= Duration::minutes(5))
    {
        store.touch_token(t.id, now).await?;
    }
    match store.get_user(t.user_id).await? {
        Some(user) if !user.disabled => Ok(Some(actor_of(store, user).await?)),
        _ => Ok(None),
    }
}

/// The actor of a user id (for the CLI and tests).
pub async fn actor_by_username(store: &dyn Store, username: &str) -> AppResult<Actor> {
    let user = store
        .find_user(&username.trim().to_lowercase())
        .await?
        .ok_or_else(|| AppError::NotFound(format!("không có người dùng “{username}”")))?;
    actor_of(store, user).await
}

/// An account as the administrator types it (page or command line).
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub full_name: String,
    pub password: String,
    pub grants: Vec<Grant>,
    /// Where the user's digest goes, if given.
    pub email: Option<String>,
}

fn administrators_only(registry: &UnitRegistry, admin: &Actor) -> AppResult<()> {
    if admin.can_globally(registry, Action::ManageUsers) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "chỉ quản trị của tỉnh quản lý người dùng".into(),
        ))
    }
}

/// The administrator creates an account: its password checked and hashed (through
/// `work`), its grants, its address; every write audited. Returns the user's id.
pub async fn add_account(
    store: &dyn Store,
    work: &dyn PasswordWork,
    registry: &UnitRegistry,
    admin: &Actor,
    account: NewAccount,
    audit: &AuditContext,
) -> AppResult<i64> {
    administrators_only(registry, admin)?;
    check_password_rules(&account.password, &[&account.username, &account.full_name])
        .map_err(|m| AppError::Fields(vec![("password".into(), m)]))?;
    let hash = work.hash(account.password).await?;
    let id = create_user(
        store,
        &account.username,
        &account.full_name,
        hash,
        &account.grants,
        audit,
    )
    .await?;
    if let Some(email) = account.email.filter(|e| !e.trim().is_empty()) {
        set_email(store, id, &email, audit).await?;
    }
    Ok(id)
}

/// The administrator disables (ending its sessions and tokens) or enables an account.
pub async fn set_account_disabled(
    store: &dyn Store,
    registry: &UnitRegistry,
    admin: &Actor,
    user_id: i64,
    disabled: bool,
    audit: &AuditContext,
) -> AppResult<()> {
    administrators_only(registry, admin)?;
    Ok(store.set_disabled(user_id, disabled, audit).await?)
}

/// The administrator sets a new password for an account (ending its sessions).
pub async fn reset_password(
    store: &dyn Store,
    work: &dyn PasswordWork,
    registry: &UnitRegistry,
    admin: &Actor,
    user_id: i64,
    password: &str,
    audit: &AuditContext,
) -> AppResult<()> {
    administrators_only(registry, admin)?;
    let user = store
        .get_user(user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("người dùng".into()))?;
    check_password_rules(password, &[&user.username, &user.full_name])
        .map_err(|m| AppError::Fields(vec![("password".into(), m)]))?;
    let hash = work.hash(password.to_owned()).await?;
    Ok(store.set_password(user_id, &hash, audit).await?)
}

/// Sets (or, with an empty text, clears) the e-mail address the user's digest goes to.
/// The address is checked as RFC 5322 reads it, so a digest is not refused for its form.
pub async fn set_email(
    store: &dyn Store,
    user_id: i64,
    email: &str,
    audit: &AuditContext,
) -> AppResult<()> {
    let email = email.trim();
    let email = if email.is_empty() {
        None
    } else {
        if !email_address::EmailAddress::is_valid(email) {
            return Err(AppError::Fields(vec![(
                "email".into(),
                format!("“{email}” không phải là địa chỉ thư điện tử (ví dụ vpdp@hatinh.gov.vn)"),
            )]));
        }
        Some(email)
    };
    store.set_email(user_id, email, audit).await?;
    Ok(())
}

/// Runs the deliberately slow password work (argon2id, tens of milliseconds a call) where
/// it holds nothing else up: the web layer puts it on its blocking pool, so that one
/// password change does not stall the requests sharing its thread. The app itself has no
/// runtime to choose.
#[async_trait::async_trait]
pub trait PasswordWork: Send + Sync {
    async fn verify(&self, password: String, phc: String) -> bool;
    async fn hash(&self, password: String) -> AppResult<String>;
}

/// [`PasswordWork`] done in place: for the command line and tests, where nothing else
/// waits.
pub struct InPlace;

#[async_trait::async_trait]
impl PasswordWork for InPlace {
    async fn verify(&self, password: String, phc: String) -> bool {
        verify_password(&password, &phc)
    }
    async fn hash(&self, password: String) -> AppResult<String> {
        hash_password(&password)
    }
}

/// Changes the actor's own password after checking the current one.
pub async fn change_password(
    store: &dyn Store,
    work: &dyn PasswordWork,
    actor: &Actor,
    current: &str,
    new: &str,
    audit: &AuditContext,
) -> AppResult<()> {
    let user = store
        .get_user(actor.user_id)
        .await?
        .ok_or_else(|| AppError::NotFound("người dùng".into()))?;
    if !work
        .verify(current.to_owned(), user.password_hash.clone())
        .await
    {
        return Err(AppError::Fields(vec![(
            "current".into(),
            "mật khẩu hiện tại không đúng".into(),
        )]));
    }
    check_password_rules(new, &[&user.username, &user.full_name, current])
        .map_err(|m| AppError::Fields(vec![("new".into(), m)]))?;
    let hash = work.hash(new.to_owned()).await?;
    store.set_password(actor.user_id, &hash, audit).await?;
    Ok(())
}

/// Creates a personal API token for the actor; returns the secret (shown once).
pub async fn create_token(
    store: &dyn Store,
    actor: &Actor,
    name: &str,
    audit: &AuditContext,
) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::Fields(vec![(
            "name".into(),
            "cần đặt tên cho mã truy cập".into(),
        )]));
    }
    let secret = format!("ntm_{}", new_secret());
    store
        .create_token(actor.user_id, name, &secret_hash(&secret), audit)
        .await?;
    Ok(secret)
}

/// Parses `role:CODE_OR_ID` (as the CLI takes grants) against the registry, in `year`.
pub fn parse_grant(registry: &UnitRegistry, text: &str, year: i32) -> AppResult<Grant> {
    let (role, unit) = text.split_once(':').ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "quyền “{text}” phải có dạng vai_trò:mã_đơn_vị"
        )])
    })?;
    let role = Role::parse(role).ok_or_else(|| {
        AppError::Invalid(vec![format!(
            "vai trò “{role}” không hợp lệ; dùng {}",
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )])
    })?;
    let unit: UnitId = match UnitId::parse(unit) {
        Some(id) if registry.get(&id).is_some() => id,
        _ => registry
            .resolve_in_year(unit, year)
            .map_err(|e| AppError::Invalid(vec![e.to_string()]))?
            .id
            .clone(),
    };
    Ok(Grant::new(role, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_to_argon2id_and_verify() {
        let phc = hash_password("mật khẩu dài đủ").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("mật khẩu dài đủ", &phc));
        assert!(!verify_password("sai", &phc));
        assert!(!verify_password("x", "not a phc string"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(secret_hash(&a), secret_hash(&a));
        assert_ne!(secret_hash(&a), a);
    }

    #[test]
    fn short_common_and_guessable_passwords_are_refused_in_vietnamese() {
        // (password, accepted)
        let table = [
            ("ngan", false),
            ("aaaaaaaaaa", false),
            ("1234567890", false),
            ("qwertyuiop", false),
            ("password123", false),
            ("xa-kylac-2026", false),
            ("cay-bang-ven-song-lam", true),
            ("mat-khau-moi-2026-bien-xanh", true),
        ];
        for (p, ok) in table {
            let r = check_password_rules(p, &["xa-kylac", "UBND xã Kỳ Lạc"]);
            assert_eq!(r.is_ok(), ok, "{p}: {r:?}");
        }
        let e = check_password_rules("aaaaaaaaaa", &[]).unwrap_err();
        assert!(e.contains("lặp lại"), "{e}");
        let e = check_password_rules("1234567890", &[]).unwrap_err();
        assert!(e.contains("phổ biến") || e.contains("dãy"), "{e}");
    }
}
