//! How the outbox retries a failed delivery: exponential backoff with
//! jitter, up to a number of attempts.

use chrono::Duration;

/// How failures are retried.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Delay after the first failure; doubles with each further one.
    pub base: Duration,
    /// Longest delay between attempts.
    pub max: Duration,
    /// Attempts in all, the first included; then the delivery is failed.
    pub max_attempts: i32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::seconds(30),
            max: Duration::hours(1),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempts + 1`: `base · 2^(attempts-1)`
    /// capped at `max`, with "equal jitter" (between half and all of it) so
    /// a burst of failures does not retry in lockstep.
    pub fn delay(&self, attempts: i32, jitter: f64) -> Duration {
        let exp = attempts.clamp(1, 30) - 1;
        let full = self
            .base
            .checked_mul(1 << exp)
            .unwrap_or(self.max)
            .min(self.max);
        let ms = full.num_milliseconds() as f64;
        Duration::milliseconds((ms / 2.0 + ms / 2.0 * jitter.clamp(0.0, 1.0)) as i64)
    }
}
