//! What every handler shares: the store, the configuration, the clock, the sign-in throttle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use ntm_app::clock::Clock;
use ntm_store::Store;

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Send cookies with `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// The year pages open on when none is chosen.
    pub default_year: i32,
    /// How many days ahead a task counts as due soon in the follow-up view (each viewer
    /// may change it on the page).
    pub due_soon_days: u32,
    /// The residents' satisfaction rate a commune needs for recognition, with its act:
    /// unset until the office sets it (18/2022's rate for communes was not found), and
    /// while unset no dossier passes appraisal.
    pub satisfaction_rule: Option<ntm_core::recognition::SatisfactionRule>,
    /// The title a commune formed by merger holds until it is recognised again.
    pub inherit_rule: ntm_core::recognition::InheritRule,
    /// Days before a certificate's last day at which OCOP alerts are due (e.g. 90, 30);
    /// the overview lists those within the largest.
    pub ocop_alert_days: Vec<u32>,
    /// The limit of identity-kit spending against production investment, per unit and
    /// year, above which a unit is flagged.
    pub ocop_identity_ratio: rust_decimal::Decimal,
    /// The public address of the site (https://…), which the QR codes on packages point
    /// to; the request's own address when unset.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_ttl: Duration::hours(12),
            default_year: 2021,
            due_soon_days: 14,
            satisfaction_rule: None,
            inherit_rule: ntm_core::recognition::InheritRule::default(),
            ocop_alert_days: ntm_app::ocop::DEFAULT_ALERT_DAYS.to_vec(),
            ocop_identity_ratio: ntm_app::ocop::DEFAULT_IDENTITY_RATIO,
            public_url: None,
        }
    }
}

/// An import checked and shown to its user, waiting for confirmation.
#[derive(Debug, Clone)]
pub struct PendingImport {
    pub user_id: i64,
    pub file: String,
    pub preview: Held,
    pub created: DateTime<Utc>,
}

/// What a previewed import will write.
#[derive(Debug, Clone)]
pub enum Held {
    Values(ntm_app::imports::Preview),
    Villages(ntm_store::villages::VillageBatch),
    OcopSupport(Vec<ntm_core::ocop::Support>),
    Funds(Vec<ntm_core::resources::FundLine>),
}

/// How long a previewed import waits for confirmation.
const PENDING_TTL_MINUTES: i64 = 30;

/// Shared state of the application.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<WebConfig>,
    /// The one source of "now" for every handler: the system's in production, fixed in
    /// tests.
    pub clock: Clock,
    /// The unit tree, the catalogue and the values, loaded once and reloaded when the
    /// store's data versions move.
    pub cache: Arc<ntm_app::cache::Cache>,
    throttle: Arc<Mutex<ntm_app::throttle::Throttle>>,
    // Previews live in memory: an import is confirmed within minutes by the same person,
    // and a restart simply asks them to upload again.
    pending: Arc<Mutex<HashMap<String, PendingImport>>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: WebConfig, clock: Clock) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            clock,
            cache: Arc::default(),
            throttle: Arc::default(),
            pending: Arc::default(),
        }
    }

    /// The current instant, from the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Keeps a previewed import; returns its token.
    pub(crate) fn hold_import(&self, pending: PendingImport) -> String {
        let token = ntm_app::accounts::new_secret();
        let mut map = self
            .pending
            .lock()
            .expect("the pending lock is never held across a panic");
        map.retain(|_, p| pending.created - p.created < Duration::minutes(PENDING_TTL_MINUTES));
        map.insert(token.clone(), pending);
        token
    }

    /// Puts a taken import back under its token (a confirmation that was not complete).
    pub(crate) fn restore_import(&self, token: &str, pending: PendingImport) {
        self.pending
            .lock()
            .expect("the pending lock is never held across a panic")
            .insert(token.to_owned(), pending);
    }

    /// Takes back the user's unexpired preview of one kind (`take` gives the preview back
    /// when it is of another, and it is kept): its file's name and what it holds; else the
    /// conflict the pages say — expired, or already written.
    pub(crate) fn take_held<T>(
        &self,
        token: &str,
        user_id: i64,
        now: DateTime<Utc>,
        take: fn(Held) -> Result<T, Box<Held>>,
    ) -> crate::error::WebResult<(String, T)> {
        let expired = || {
            crate::error::WebError::new(
                crate::error::Kind::Conflict,
                "Bản xem trước đã hết hạn hoặc đã được ghi; hãy tải tệp lên lại.",
            )
        };
        let p = self.take_import(token, user_id, now).ok_or_else(expired)?;
        let PendingImport {
            user_id,
            file,
            preview,
            created,
        } = p;
        match take(preview) {
            Ok(held) => Ok((file, held)),
            Err(preview) => {
                self.restore_import(
                    token,
                    PendingImport {
                        user_id,
                        file,
                        preview: *preview,
                        created,
                    },
                );
                Err(expired())
            }
        }
    }

    /// Takes a previewed import back, if it is the user's and not expired.
    pub(crate) fn take_import(
        &self,
        token: &str,
        user_id: i64,
        now: DateTime<Utc>,
    ) -> Option<PendingImport> {
        let mut map = self
            .pending
            .lock()
            .expect("the pending lock is never held across a panic");
        let p = map.remove(token)?;
        (p.user_id == user_id && now - p.created < Duration::minutes(PENDING_TTL_MINUTES))
            .then_some(p)
    }

    /// How long a sign-in of `name` from `address` must still wait, if at all: the longest
    /// of the waits per name, per address and per both (see `ntm_app::throttle`).
    pub(crate) fn sign_in_wait(
        &self,
        name: &str,
        address: &str,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        use ntm_app::throttle::{PER_ADDRESS, PER_NAME, PER_PAIR};
        let t = self.throttle();
        [
            t.wait(&format!("n:{name}"), PER_NAME, now),
            t.wait(&format!("a:{address}"), PER_ADDRESS, now),
            t.wait(&format!("p:{name}|{address}"), PER_PAIR, now),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// Counts a failed sign-in of `name` from `address`.
    pub(crate) fn sign_in_failed(&self, name: &str, address: &str, now: DateTime<Utc>) {
        let mut t = self.throttle();
        t.fail(&format!("n:{name}"), now);
        t.fail(&format!("a:{address}"), now);
        t.fail(&format!("p:{name}|{address}"), now);
    }

    /// Forgets the failures of `name` after it signed in (the address keeps its count:
    /// one client guessing many names is not forgiven by one success).
    pub(crate) fn sign_in_succeeded(&self, name: &str, address: &str) {
        let mut t = self.throttle();
        t.forget(&format!("n:{name}"));
        t.forget(&format!("p:{name}|{address}"));
    }

    /// A check of the current password (changing it) by `user_id`: the same backoff as a
    /// sign-in per pair, so a stolen session cannot guess the password at speed.
    pub(crate) fn password_check_wait(&self, user_id: i64, now: DateTime<Utc>) -> Option<Duration> {
        self.throttle()
            .wait(&format!("u:{user_id}"), ntm_app::throttle::PER_PAIR, now)
    }

    pub(crate) fn password_check_failed(&self, user_id: i64, now: DateTime<Utc>) {
        self.throttle().fail(&format!("u:{user_id}"), now);
    }

    fn throttle(&self) -> std::sync::MutexGuard<'_, ntm_app::throttle::Throttle> {
        self.throttle
            .lock()
            .expect("the throttle lock is never held across a panic")
    }
}

/// Runs `work` on the runtime's blocking pool: CPU-bound or blocking work (argon2, writing
/// and reading .xlsx and .docx) must not hold a thread that serves other requests.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> crate::error::WebResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::internal(anyhow::anyhow!("blocking task failed: {e}")))
}

/// The app's password work on the blocking pool.
pub(crate) struct OffRuntime;

#[async_trait::async_trait]
impl ntm_app::accounts::PasswordWork for OffRuntime {
    async fn verify(&self, password: String, phc: String) -> bool {
        tokio::task::spawn_blocking(move || ntm_app::accounts::verify_password(&password, &phc))
            .await
            .unwrap_or(false)
    }
    async fn hash(&self, password: String) -> ntm_app::AppResult<String> {
        tokio::task::spawn_blocking(move || ntm_app::accounts::hash_password(&password))
            .await
            .map_err(|e| {
                ntm_app::AppError::Store(ntm_store::StoreError::Other(anyhow::anyhow!(
                    "hashing task failed: {e}"
                )))
            })?
    }
}
