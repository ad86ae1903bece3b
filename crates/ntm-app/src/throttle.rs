//! Slowing down password guessing without letting a stranger lock a user out.
//!
//! Failures are counted per key (a user name, a client address, the pair of both): after a
//! few free ones, each further attempt on that key must wait twice as long as the one
//! before, up to a ceiling. A ceiling rather than a lock: the right password still works
//! once the short wait is over, so naming a user in a script only slows that user's
//! sign-in by seconds, while a guesser is held to a few attempts a minute. The table is
//! bounded (entries expire, and the oldest give way when it is full), so junk names cannot
//! grow it. Time is an input: no clock here.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

/// How a key is slowed: `free` failures cost nothing, then waits of `base`, 2×`base`, …
/// up to `ceiling`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub free: u32,
    pub base: Duration,
    pub ceiling: Duration,
}

impl Backoff {
    /// The wait after `failures` failures.
    fn delay(&self, failures: u32) -> Duration {
        if failures <= self.free {
            return Duration::zero();
        }
        let doublings = (failures - self.free - 1).min(20);
        (self.base * 2i32.pow(doublings)).min(self.ceiling)
    }
}

/// Per name and address (one client guessing one user's password).
pub const PER_PAIR: Backoff = Backoff {
    free: 3,
    base: Duration::seconds(1),
    ceiling: Duration::minutes(5),
};
/// Per client address (one client guessing many users'): an office behind one address
/// makes typing mistakes too, so more are free.
pub const PER_ADDRESS: Backoff = Backoff {
    free: 20,
    base: Duration::seconds(1),
    ceiling: Duration::minutes(5),
};
/// Per user name from anywhere (many clients guessing one user's): a short ceiling, so
/// the real user waits seconds at most.
pub const PER_NAME: Backoff = Backoff {
    free: 10,
    base: Duration::seconds(1),
    ceiling: Duration::seconds(15),
};

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: DateTime<Utc>,
}

/// Failure counts by key, bounded in size and in time.
#[derive(Debug)]
pub struct Throttle {
    entries: HashMap<String, Entry>,
    capacity: usize,
    forget_after: Duration,
}

impl Default for Throttle {
    /// 20,000 keys, forgotten 15 minutes after their last failure.
    fn default() -> Self {
        Throttle::new(20_000, Duration::minutes(15))
    }
}

impl Throttle {
    pub fn new(capacity: usize, forget_after: Duration) -> Self {
        Throttle {
            entries: HashMap::new(),
            capacity: capacity.max(1),
            forget_after,
        }
    }

    /// How long `key` must still wait at `now` under `rule`, if at all.
    pub fn wait(&self, key: &str, rule: Backoff, now: DateTime<Utc>) -> Option<Duration> {
        let e = self.entries.get(key)?;
        if now - e.last >= self.forget_after {
            return None;
        }
        let until = e.last + rule.delay(e.failures);
        (now < until).then(|| until - now)
    }

    /// Counts a failure of `key` at `now`.
    pub fn fail(&mut self, key: &str, now: DateTime<Utc>) {
        if !self.entries.contains_key(key) && self.entries.len() >= self.capacity {
            let forget = self.forget_after;
            self.entries.retain(|_, e| now - e.last < forget);
            if self.entries.len() >= self.capacity
                && let Some(oldest) = self
                    .entries
                    .iter()
                    .min_by_key(|(_, e)| e.last)
                    .map(|(k, _)| k.clone())
            {
                self.entries.remove(&oldest);
            }
        }
        let e = self.entries.entry(key.to_owned()).or_insert(Entry {
            failures: 0,
            last: now,
        });
        if now - e.last >= self.forget_after {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last = now;
    }

    /// Forgets `key` (after a success).
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 29, 5, 0, 0).unwrap() + Duration::seconds(seconds)
    }

    #[test]
    fn waits_double_after_the_free_failures_up_to_the_ceiling() {
        let rule = Backoff {
            free: 2,
            base: Duration::seconds(1),
            ceiling: Duration::seconds(5),
        };
        // (failures, wait right after the last one)
        let table = [(1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (6, 5), (30, 5)];
        for (failures, seconds) in table {
            let mut th = Throttle::default();
            for _ in 0..failures {
                th.fail("a", t(0));
            }
            let wait = th.wait("a", rule, t(0)).unwrap_or_else(Duration::zero);
            assert_eq!(wait, Duration::seconds(seconds), "{failures} failures");
        }
    }

    #[test]
    fn the_right_password_works_after_the_short_wait_never_a_lock() {
        let mut th = Throttle::default();
        for _ in 0..1000 {
            th.fail("vpdp", t(0));
        }
        assert!(th.wait("vpdp", PER_NAME, t(0)).is_some());
        assert_eq!(th.wait("vpdp", PER_NAME, t(15)), None, "15 s at most");
        assert_eq!(
            th.wait("khac", PER_NAME, t(0)),
            None,
            "other names are not slowed"
        );
    }

    #[test]
    fn old_failures_are_forgotten_and_the_table_stays_bounded() {
        let mut th = Throttle::new(100, Duration::minutes(15));
        for i in 0..10_000 {
            th.fail(&format!("junk-{i}"), t(i));
        }
        assert!(th.len() <= 100, "{}", th.len());
        th.fail("a", t(0));
        th.fail("a", t(0));
        th.fail("a", t(0));
        th.fail("a", t(0));
        assert!(th.wait("a", PER_PAIR, t(0)).is_some());
        assert_eq!(th.wait("a", PER_PAIR, t(15 * 60)), None, "forgotten");
        th.forget("a");
        assert_eq!(th.wait("a", PER_PAIR, t(0)), None);
    }
}
