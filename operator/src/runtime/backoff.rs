//! Exponential backoff for transient reconcile errors, per object: 2 s, 4 s, 8 s, …
//! up to 5 minutes, reset by the next successful reconcile. A cluster that is down
//! for an hour costs a dozen retries per instance, not 240.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

const FIRST: Duration = Duration::from_secs(2);
const MAX: Duration = Duration::from_secs(300);
const CONFLICT_RETRY: Duration = Duration::from_millis(200);

/// Consecutive failures by object key (`<controller>/<namespace>/<name>`, see
/// `entry`).
#[derive(Debug, Default)]
pub struct Backoff {
    failures: Mutex<HashMap<String, u32>>,
}

impl Backoff {
    /// Records a failure and returns how long to wait before the next attempt.
    pub fn failed(&self, key: &str) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let n = failures.entry(key.to_owned()).or_insert(0);
        let delay = FIRST.saturating_mul(2u32.saturating_pow(*n)).min(MAX);
        *n = n.saturating_add(1);
        delay
    }

    /// How long to wait after `error`. A conflict (the object changed since it was
    /// read) is not a failure: the watch already brings the newer version, so the
    /// retry comes soon and does not grow the backoff.
    pub fn retry_after(&self, key: &str, error: &super::error::Error) -> Duration {
        if error.is_conflict() {
            CONFLICT_RETRY
        } else {
            self.failed(key)
        }
    }

    /// Forgets the failures of an object that reconciled successfully.
    pub fn succeeded(&self, key: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset_on_success() {
        let b = Backoff::default();
        let delays: Vec<u64> = (0..10).map(|_| b.failed("ns/a").as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(b.failed("ns/b").as_secs(), 2, "per object");
        b.succeeded("ns/a");
        assert_eq!(b.failed("ns/a").as_secs(), 2);
    }
}
