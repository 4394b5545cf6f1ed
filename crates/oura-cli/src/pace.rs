//! Pacing requests by Oura's `X-RateLimit-*` headers: requests go out while the last answer's
//! `X-RateLimit-Remaining` exceeds the requests still in flight; when it does not, the next one
//! waits until `X-RateLimit-Reset`, so the tool slows down before Oura answers 429.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use oura::RateLimit;
use tokio::sync::Notify;

/// Shared by every request of a command.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
    answered: Notify,
    requests: AtomicU64,
    waited_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    remaining: Option<u64>,
    reset: Option<SystemTime>,
    in_flight: u64,
}

enum Next {
    Go,
    Sleep(Duration),
    AwaitAnswer,
}

/// Added to `X-RateLimit-Reset`, which has a precision of one second.
const RESET_MARGIN: Duration = Duration::from_secs(1);

/// The longest single wait (Oura's window is five minutes).
const MAX_WAIT: Duration = Duration::from_secs(300);

/// A stream of raw pages, as the library lists them.
pub type Pages = futures::stream::BoxStream<'static, oura::Result<oura::Page<serde_json::Value>>>;

impl Pacer {
    /// The next page of `pages`, sent when the rate limit allows, with what came back counted.
    pub async fn next_page(&self, pages: &mut Pages) -> Option<oura::Result<oura::Page<serde_json::Value>>> {
        use futures::StreamExt as _;
        self.acquire().await;
        let next = pages.next().await;
        match &next {
            Some(Ok(page)) => self.done(page.rate_limit.as_ref()),
            Some(Err(err)) => self.done(of_error(err)),
            None => self.done(None),
        }
        next
    }

    /// A pacer that knows nothing yet.
    pub fn new() -> Self {
        Pacer::default()
    }

    /// Waits until one more request may go out, and counts it in flight.
    pub async fn acquire(&self) {
        let mut announced = false;
        loop {
            let answered = self.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            let next = self.next();
            match next {
                Next::Go => {
                    self.requests.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                Next::Sleep(wait) => {
                    if !announced {
                        tracing::info!(
                            wait_ms = wait.as_millis() as u64,
                            "rate limit nearly used: waiting for the window to move"
                        );
                        announced = true;
                    }
                    self.waited_ms.fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        () = answered => {}
                    }
                }
                Next::AwaitAnswer => answered.await,
            }
        }
    }

    fn next(&self) -> Next {
        let Ok(mut state) = self.state.lock() else {
            return Next::Go;
        };
        let now = SystemTime::now();
        let Some(remaining) = state.remaining else {
            state.in_flight += 1;
            return Next::Go;
        };
        if remaining > state.in_flight {
            state.in_flight += 1;
            return Next::Go;
        }
        match state.reset {
            // `X-RateLimit-Reset` is in whole seconds: wait a second more, not to be early.
            Some(reset) if reset + RESET_MARGIN > now => Next::Sleep(
                (reset + RESET_MARGIN)
                    .duration_since(now)
                    .unwrap_or_default()
                    .min(MAX_WAIT),
            ),
            // The window has moved: at least one request left it. Probe with one request at a
            // time until an answer says how many are left.
            _ if state.in_flight == 0 => {
                state.reset = None;
                state.in_flight += 1;
                Next::Go
            }
            _ => Next::AwaitAnswer,
        }
    }

    /// Records an answer (or a failure) of a request counted by [`acquire`](Self::acquire).
    pub fn done(&self, rate_limit: Option<&RateLimit>) {
        if let Ok(mut state) = self.state.lock() {
            state.in_flight = state.in_flight.saturating_sub(1);
            if let Some(rate_limit) = rate_limit {
                let reset = rate_limit.reset.map(SystemTime::from);
                // Answers to concurrent requests arrive in any order: within one window (the
                // same or an earlier reset) the smallest remaining count is the true one; a
                // later reset means the window moved and the count is new.
                let moved = match (reset, state.reset) {
                    (Some(new), Some(known)) => new > known,
                    _ => true,
                };
                if let Some(remaining) = rate_limit.remaining {
                    state.remaining = Some(match state.remaining {
                        Some(known) if !moved => known.min(remaining),
                        _ => remaining,
                    });
                }
                if reset.is_some() && (moved || state.reset.is_none()) {
                    state.reset = reset;
                }
                if rate_limit.retry_after.is_some() && rate_limit.remaining.is_none() {
                    state.remaining = Some(0);
                }
            }
        }
        self.answered.notify_waiters();
    }

    /// Requests let out so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Time spent waiting for the rate limit so far.
    pub fn waited(&self) -> Duration {
        Duration::from_millis(self.waited_ms.load(Ordering::Relaxed))
    }
}

/// The rate-limit headers an error carried, if any.
pub fn of_error(err: &oura::Error) -> Option<&RateLimit> {
    match err {
        oura::Error::RateLimited { rate_limit, .. } => Some(rate_limit),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit(remaining: u64, reset_in: Duration) -> RateLimit {
        RateLimit {
            remaining: Some(remaining),
            reset: Some(chrono::Utc::now() + chrono::Duration::from_std(reset_in).expect("duration")),
            ..RateLimit::default()
        }
    }

    #[tokio::test]
    async fn requests_go_while_the_budget_lasts_then_wait_for_the_reset() {
        let pacer = Pacer::new();
        pacer.acquire().await;
        pacer.done(Some(&limit(2, Duration::from_millis(1500))));
        // Two left: two may be in flight at once.
        pacer.acquire().await;
        pacer.acquire().await;
        assert!(matches!(pacer.next(), Next::Sleep(_)));
        pacer.done(Some(&limit(1, Duration::from_millis(1500))));
        pacer.done(Some(&limit(0, Duration::from_millis(300))));
        let started = std::time::Instant::now();
        pacer.acquire().await;
        assert!(
            started.elapsed() >= Duration::from_millis(200),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(pacer.requests(), 4);
    }

    #[tokio::test]
    async fn a_late_answer_does_not_raise_the_budget_of_its_window() {
        let pacer = Pacer::new();
        let reset = chrono::Utc::now() + chrono::Duration::seconds(30);
        let at = |remaining| RateLimit {
            remaining: Some(remaining),
            reset: Some(reset),
            ..RateLimit::default()
        };
        for _ in 0..3 {
            pacer.acquire().await;
        }
        pacer.done(Some(&at(1)));
        pacer.done(Some(&at(2)));
        pacer.done(Some(&at(0)));
        assert!(matches!(pacer.next(), Next::Sleep(_)), "none left until the reset");
    }
}
