//! What every handler shares: the store, the configuration, the sign-in limiter.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use ntm_store::Store;

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Send cookies with `Secure` (behind TLS).
    pub secure_cookies: bool,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per name within [`WebConfig::login_window`].
    pub login_attempts: u32,
    pub login_window: Duration,
    /// The year pages open on when none is chosen.
    pub default_year: i32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_ttl: Duration::hours(12),
            login_attempts: 5,
            login_window: Duration::minutes(15),
            default_year: 2021,
        }
    }
}

/// Failed sign-ins per user name: (count, start of the window).
type Attempts = HashMap<String, (u32, DateTime<Utc>)>;

/// Shared state of the application.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<WebConfig>,
    limiter: Arc<Mutex<Attempts>>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, config: WebConfig) -> Self {
        AppState {
            store,
            config: Arc::new(config),
            limiter: Arc::default(),
        }
    }

    /// Whether `key` (a user name) may try to sign in now.
    pub(crate) fn login_allowed(&self, key: &str, now: DateTime<Utc>) -> bool {
        let map = self
            .limiter
            .lock()
            .expect("the limiter lock is never held across a panic");
        match map.get(key) {
            Some((count, since)) if now - *since < self.config.login_window => {
                *count < self.config.login_attempts
            }
            _ => true,
        }
    }

    /// Counts a failed sign-in for `key`.
    pub(crate) fn login_failed(&self, key: &str, now: DateTime<Utc>) {
        let mut map = self
            .limiter
            .lock()
            .expect("the limiter lock is never held across a panic");
        let entry = map.entry(key.to_owned()).or_insert((0, now));
        if now - entry.1 >= self.config.login_window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets failures after a successful sign-in.
    pub(crate) fn login_succeeded(&self, key: &str) {
        self.limiter
            .lock()
            .expect("the limiter lock is never held across a panic")
            .remove(key);
    }
}
