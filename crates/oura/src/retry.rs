//! When and how long to wait before repeating a failed request.

use std::time::Duration;

use crate::error::Error;

/// The retry policy of a [`Client`](crate::Client).
///
/// Only idempotent requests (GET, PUT, DELETE) are repeated. A 429 waits as `Retry-After` (or,
/// without it, `X-RateLimit-Reset`) says,
/// up to [`max_retry_after`](Self::max_retry_after) (a longer wait is returned to the caller as
/// [`Error::RateLimited`] instead); 5xx answers and transport failures back off exponentially with
/// full jitter. Other 4xx answers are never repeated.
///
/// With a [`RateLimiter`](crate::RateLimiter) the retry's wait and the budget's pacing are one
/// wait, until the later of the two; the retry itself takes a slot of the budget.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff; each further one doubles, up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest backoff between two attempts.
    pub max_backoff: Duration,
    /// The longest `Retry-After` the client waits by itself.
    pub max_retry_after: Duration,
    /// Whether to wait and repeat on 429 at all.
    pub retry_rate_limited: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            retry_rate_limited: true,
        }
    }
}

impl RetryPolicy {
    /// A policy that never repeats a request.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// How long to wait before attempt `attempt + 1` after `error` on attempt `attempt`
    /// (1-based), or `None` when the error is final.
    pub fn delay(&self, attempt: u32, error: &Error) -> Option<Duration> {
        if attempt >= self.max_attempts {
            return None;
        }
        match error {
            Error::RateLimited { rate_limit, .. } => {
                if !self.retry_rate_limited {
                    return None;
                }
                let wait = rate_limit
                    .wait_at(chrono::Utc::now(), Duration::MAX)
                    .unwrap_or_else(|| self.backoff(attempt));
                (wait <= self.max_retry_after).then_some(wait)
            }
            Error::Server { .. } | Error::Transport(_) => Some(self.jittered(self.backoff(attempt))),
            _ => None,
        }
    }

    /// The exponential backoff ceiling after attempt `attempt`.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }

    /// Full jitter: a uniform wait between zero and the ceiling.
    fn jittered(&self, ceiling: Duration) -> Duration {
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RateLimit;
    use reqwest::StatusCode;

    fn server_error() -> Error {
        Error::Server {
            status: StatusCode::BAD_GATEWAY,
            detail: None,
            trace_id: None,
        }
    }

    fn rate_limited(secs: Option<u64>) -> Error {
        let rate_limit = RateLimit {
            retry_after: secs.map(Duration::from_secs),
            ..RateLimit::default()
        };
        Error::RateLimited {
            rate_limit: Box::new(rate_limit),
            trace_id: None,
        }
    }

    #[test]
    fn rate_limited_waits_as_told_within_the_bound() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, &rate_limited(Some(1))), Some(Duration::from_secs(1)));
        assert_eq!(
            policy.delay(1, &rate_limited(Some(3600))),
            None,
            "too long to wait silently"
        );
        assert_eq!(policy.delay(4, &rate_limited(Some(1))), None, "attempts exhausted");
        let off = RetryPolicy {
            retry_rate_limited: false,
            ..RetryPolicy::default()
        };
        assert_eq!(off.delay(1, &rate_limited(Some(1))), None);
    }

    #[test]
    fn server_errors_back_off_exponentially_with_jitter() {
        let policy = RetryPolicy::default();
        assert!(policy.initial_backoff >= Duration::from_millis(100), "{policy:?}");
        for attempt in 1..4 {
            let ceiling = policy.initial_backoff * 2u32.pow(attempt - 1);
            assert_eq!(
                policy.backoff(attempt),
                ceiling,
                "attempt {attempt}: the ceiling doubles"
            );
            let waits: Vec<Duration> = (0..200)
                .map(|_| policy.delay(attempt, &server_error()).expect("retried"))
                .collect();
            assert!(
                waits.iter().all(|w| *w <= ceiling),
                "attempt {attempt}: {waits:?} > {ceiling:?}"
            );
            // Full jitter spreads the waits over the whole interval: with 200 uniform draws,
            // some land in its upper half and some in its lower half (each fails with p = 2^-200).
            assert!(
                waits.iter().any(|w| *w > ceiling / 2),
                "attempt {attempt}: never waited long"
            );
            assert!(waits.iter().any(|w| *w < ceiling / 2), "attempt {attempt}: no jitter");
        }
        assert_eq!(policy.backoff(10), policy.max_backoff);
    }

    #[test]
    fn client_errors_and_disabled_policy_never_retry() {
        let not_found = Error::NotFound {
            detail: None,
            trace_id: None,
        };
        assert_eq!(RetryPolicy::default().delay(1, &not_found), None);
        assert_eq!(RetryPolicy::disabled().delay(1, &server_error()), None);
    }
}
