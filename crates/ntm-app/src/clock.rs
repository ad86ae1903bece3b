//! Where "now" comes from. Every use case takes `now` as an argument; the binary chooses a
//! [`Clock`] once (the system's, or a fixed instant for tests and reproducible runs) and
//! the web layer holds it in its state, so nothing else reads the wall clock and a test
//! suite that passes today passes next year.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

/// The one source of the current instant.
#[derive(Clone, Debug)]
pub struct Clock(Source);

#[derive(Clone, Debug)]
enum Source {
    System,
    // Shared so that a test can move time forward for a running server (session expiry,
    // sign-in windows) without rebuilding its state.
    Fixed(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// The operating system's clock: what `ntm serve` uses in production.
    pub fn system() -> Self {
        Clock(Source::System)
    }

    /// A clock that stands still at `at` until [`Clock::advance`] or [`Clock::set`].
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Clock(Source::Fixed(Arc::new(Mutex::new(at))))
    }

    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.0 {
            Source::System => Utc::now(),
            Source::Fixed(at) => *at.lock().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Whether this clock is fixed (a test or reproducible run).
    pub fn is_fixed(&self) -> bool {
        matches!(self.0, Source::Fixed(_))
    }

    /// Moves a fixed clock forward; the system clock cannot be moved.
    pub fn advance(&self, by: Duration) {
        if let Source::Fixed(at) = &self.0 {
            let mut at = at.lock().unwrap_or_else(|e| e.into_inner());
            *at += by;
        }
    }

    /// Sets a fixed clock to `to`; the system clock cannot be set.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Source::Fixed(at) = &self.0 {
            *at.lock().unwrap_or_else(|e| e.into_inner()) = to;
        }
    }

    /// A clock from an RFC 3339 instant (`NTM_NOW=2026-11-29T12:00:00+07:00`), else the
    /// system's. The message of the error is for users.
    pub fn from_setting(setting: Option<&str>) -> Result<Self, String> {
        match setting.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(Clock::system()),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| Clock::fixed(t.with_timezone(&Utc)))
                .map_err(|e| {
                    format!("thời điểm cố định «{text}» không đúng dạng RFC 3339 (ví dụ 2026-11-29T12:00:00+07:00): {e}")
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_stands_still_until_moved() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T05:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let c = Clock::fixed(t);
        let shared = c.clone();
        assert_eq!(c.now(), t);
        shared.advance(Duration::hours(1));
        assert_eq!(c.now(), t + Duration::hours(1));
        c.set(t);
        assert_eq!(shared.now(), t);
    }

    #[test]
    fn settings_parse_or_say_why_not() {
        assert!(!Clock::from_setting(None).unwrap().is_fixed());
        assert!(!Clock::from_setting(Some(" ")).unwrap().is_fixed());
        let c = Clock::from_setting(Some("2031-01-01T08:00:00+07:00")).unwrap();
        assert_eq!(c.now().to_rfc3339(), "2031-01-01T01:00:00+00:00");
        assert!(
            Clock::from_setting(Some("mai"))
                .unwrap_err()
                .contains("RFC 3339")
        );
    }
}
