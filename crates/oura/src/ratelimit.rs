//! The request budget: a rate limiter shared by any number of clients, so Oura never has to
//! answer 429.
//!
//! Oura counts requests per access token and per application (5000 per 5 minutes each). A
//! [`RateLimiter`] is one such budget; give the same one (it is a cheap handle) to every
//! [`Client`](crate::Client) that spends it: one per application, and one per token if a token
//! is used by more than one client. Every attempt the client sends takes a slot from each of its
//! limiters: first attempts, retries, and the token refreshes the client itself starts.
//!
//! # How it paces
//! A slot is taken when an attempt is sent and given back one window after its answer arrived.
//! At most `limit` attempts are therefore sent in any `window`-long span however long they take,
//! as seen by the server, whether it counts in fixed or sliding windows. The limiter learns from
//! Oura's answers:
//! - `X-RateLimit-Limit` and `X-RateLimit-Window` replace the configured budget (unless
//!   [`RateLimiter::learn`] is off);
//! - a 429 stops every client of the limiter until its `Retry-After` (or `X-RateLimit-Reset`)
//!   has passed;
//! - `X-RateLimit-Remaining: 0` while the limiter itself knows of fewer attempts than the limit
//!   (another process spends the same budget) stops every client until `X-RateLimit-Reset`.
//!
//! Reset times are read against the answer's own `Date` header when it has one (so a client
//! whose clock is off still waits the right time). Every wait learned from a header is clamped
//! to [`RateLimiter::max_wait`] (default [`DEFAULT_MAX_WAIT`], one hour).
//!
//! A request waits once: the retry policy's backoff and the limiter's wait are folded into a
//! single wait until the later of the two.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::{select, select_all};
use reqwest::StatusCode;
use reqwest::header::{DATE, HeaderMap};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::RateLimit;

/// The longest wait a limiter takes from a header, unless set otherwise: one hour.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(60 * 60);

/// A wait at least this long is logged at `info` level (shorter ones at `debug`).
const LOUD_WAIT: Duration = Duration::from_secs(5);

/// The shortest window the limiter accepts (configured or learned).
const MIN_WINDOW: Duration = Duration::from_millis(1);

/// A request budget shared by clients: at most `limit` attempts per `window`.
///
/// Cloning gives another handle to the same budget.
///
/// ```
/// use std::time::Duration;
/// use oura::{Client, RateLimiter};
///
/// // One application, many users: every user's client spends the application's budget.
/// let application = RateLimiter::oura();
/// let clients: Vec<Client> = ["token-a", "token-b"]
///     .into_iter()
///     .map(|token| Client::builder().token(token).rate_limiter(application.clone()).build())
///     .collect::<oura::Result<_>>()?;
/// assert_eq!(application.limit(), (5000, Duration::from_secs(300)));
/// # Ok::<(), oura::Error>(())
/// ```
#[derive(Clone)]
pub struct RateLimiter {
    shared: Arc<Shared>,
}

struct Shared {
    state: Mutex<State>,
    /// Woken when a slot's end becomes known or the budget changes.
    changed: Notify,
}

struct State {
    limit: u32,
    window: Duration,
    learn: bool,
    max_wait: Duration,
    /// Attempts sent and not yet answered.
    in_flight: u32,
    /// When the answers of recent attempts arrived, oldest first; each holds a slot until one
    /// window later.
    answered: std::collections::VecDeque<Instant>,
    /// Nothing is sent before this (a 429, or the server's count exhausted).
    blocked_until: Option<Instant>,
    stats: RateLimiterStats,
    /// Requests waiting now, and since when at least one has been.
    waiting: u32,
    waiting_since: Option<Instant>,
}

/// What a [`RateLimiter`] has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimiterStats {
    /// Attempts that took a slot (retries and refreshes included).
    pub attempts: u64,
    /// Attempts that had to wait for their slot (or for a backoff folded into the same wait).
    pub waits: u64,
    /// Wall-clock time during which at least one request was waiting: what a run lost to
    /// waiting. Concurrent waits count once.
    pub waited: Duration,
    /// The sum of every request's wait (concurrent waits each count).
    pub waited_total: Duration,
    /// 429 answers seen.
    pub rate_limited: u64,
}

impl fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("RateLimiter")
            .field("limit", &state.limit)
            .field("window", &state.window)
            .field("learn", &state.learn)
            .field("in_flight", &state.in_flight)
            .finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent across a panic (every update is a few assignments).
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// When one limiter lets the next attempt go.
enum Slot {
    Now,
    At(Instant),
    /// Every slot is held by an unanswered attempt: wait for an answer.
    AfterAnswer,
}

impl State {
    fn forget_expired(&mut self, now: Instant) {
        let window = self.window;
        while self
            .answered
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= window)
        {
            self.answered.pop_front();
        }
    }

    fn used(&self) -> usize {
        self.in_flight as usize + self.answered.len()
    }

    fn slot(&mut self, now: Instant) -> Slot {
        self.forget_expired(now);
        let blocked = self.blocked_until.filter(|until| *until > now);
        let used = self.used();
        let limit = self.limit.max(1) as usize;
        let free_at = if used < limit {
            None
        } else {
            // The oldest `used - limit + 1` answered slots must expire first.
            let index = used - limit;
            match self.answered.get(index) {
                Some(at) => Some(*at + self.window),
                None => return blocked.map_or(Slot::AfterAnswer, Slot::At),
            }
        };
        match (blocked, free_at) {
            (None, None) => Slot::Now,
            (Some(at), None) | (None, Some(at)) => Slot::At(at),
            (Some(a), Some(b)) => Slot::At(a.max(b)),
        }
    }

    fn block_for(&mut self, now: Instant, wait: Duration) {
        let wait = wait.min(self.max_wait);
        let until = now.checked_add(wait).unwrap_or(now);
        if self.blocked_until.is_none_or(|current| current < until) {
            self.blocked_until = Some(until);
        }
    }
}

impl RateLimiter {
    /// A budget of `limit` attempts per `window` (a `limit` of 0 is taken as 1; the window is at
    /// least a millisecond).
    pub fn new(limit: u32, window: Duration) -> Self {
        RateLimiter {
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    limit: limit.max(1),
                    window: window.max(MIN_WINDOW),
                    learn: true,
                    max_wait: DEFAULT_MAX_WAIT,
                    in_flight: 0,
                    answered: std::collections::VecDeque::new(),
                    blocked_until: None,
                    stats: RateLimiterStats::default(),
                    waiting: 0,
                    waiting_since: None,
                }),
                changed: Notify::new(),
            }),
        }
    }

    /// Oura's documented budget: 5000 requests per 5 minutes.
    pub fn oura() -> Self {
        RateLimiter::new(5000, Duration::from_secs(300))
    }

    /// Whether `X-RateLimit-Limit`/`-Window` replace the budget (default: yes).
    #[must_use]
    pub fn learn(self, learn: bool) -> Self {
        self.shared.lock().learn = learn;
        self
    }

    /// The longest wait taken from a header (`Retry-After`, `X-RateLimit-Reset`); longer ones
    /// are cut to it. Default [`DEFAULT_MAX_WAIT`].
    #[must_use]
    pub fn max_wait(self, max_wait: Duration) -> Self {
        self.shared.lock().max_wait = max_wait;
        self
    }

    /// The current budget: attempts per window.
    pub fn limit(&self) -> (u32, Duration) {
        let state = self.shared.lock();
        (state.limit, state.window)
    }

    /// What the limiter has done so far (counts and the time spent waiting).
    pub fn stats(&self) -> RateLimiterStats {
        let state = self.shared.lock();
        let mut stats = state.stats;
        if let Some(since) = state.waiting_since {
            stats.waited += Instant::now().saturating_duration_since(since);
        }
        stats
    }

    /// Wall-clock time during which at least one request waited for this budget (see
    /// [`RateLimiterStats::waited`]).
    pub fn waited(&self) -> Duration {
        self.stats().waited
    }

    fn same(&self, other: &RateLimiter) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Takes a slot of this budget, waiting as long as needed.
    pub async fn acquire(&self) -> Permit {
        acquire(std::slice::from_ref(self), None).await
    }

    /// Learns from an answer's status and headers (see the module documentation).
    pub(crate) fn observe(&self, status: StatusCode, headers: &HeaderMap, rate_limit: Option<&RateLimit>) {
        let now = Instant::now();
        let mut state = self.shared.lock();
        let mut changed = false;
        if let Some(rate_limit) = rate_limit {
            if state.learn {
                if let Some(limit) = rate_limit.limit.filter(|l| *l > 0) {
                    let limit = u32::try_from(limit).unwrap_or(u32::MAX);
                    changed |= state.limit != limit;
                    state.limit = limit;
                }
                if let Some(window) = rate_limit.window.filter(|w| !w.is_zero()) {
                    let window = window.clamp(MIN_WINDOW, state.max_wait.max(MIN_WINDOW));
                    changed |= state.window != window;
                    state.window = window;
                }
            }
            let reset = rate_limit.reset.map(|reset| until(reset, headers));
            if status == StatusCode::TOO_MANY_REQUESTS {
                state.stats.rate_limited += 1;
                let wait = rate_limit.retry_after.or(reset).unwrap_or(state.window);
                tracing::warn!(
                    wait_ms = millis(wait.min(state.max_wait)),
                    "Oura answered 429; pausing the shared budget"
                );
                state.block_for(now, wait);
                changed = true;
            } else if rate_limit.remaining == Some(0)
                && let Some(reset) = reset
            {
                state.forget_expired(now);
                if state.used() < state.limit as usize {
                    // Someone else spends this budget too.
                    state.block_for(now, reset);
                    changed = true;
                }
            }
        } else if status == StatusCode::TOO_MANY_REQUESTS {
            state.stats.rate_limited += 1;
            let window = state.window;
            state.block_for(now, window);
            changed = true;
        }
        drop(state);
        if changed {
            self.shared.changed.notify_waiters();
        }
    }
}

/// How long from the answer until `reset`, read against the answer's `Date` when it has one.
fn until(reset: DateTime<Utc>, headers: &HeaderMap) -> Duration {
    let reference = headers
        .get(DATE)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| DateTime::parse_from_rfc2822(text).ok())
        .map_or_else(Utc::now, |date| date.with_timezone(&Utc));
    reset
        .signed_duration_since(reference)
        .to_std()
        .unwrap_or(Duration::ZERO)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A slot of one or more budgets, held while an attempt is under way. Dropping it (when the
/// answer arrived, or the attempt failed) starts the slot's last window.
#[must_use = "the slot is given back when the permit is dropped"]
pub struct Permit {
    limiters: Vec<RateLimiter>,
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").field("budgets", &self.limiters.len()).finish()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let now = Instant::now();
        for limiter in &self.limiters {
            let mut state = limiter.shared.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.answered.push_back(now);
            drop(state);
            limiter.shared.changed.notify_waiters();
        }
    }
}

/// Takes one slot of every budget in `limiters` at once, not before `not_before`: the one wait
/// of an attempt (backoff and pacing folded together).
pub(crate) async fn acquire(limiters: &[RateLimiter], not_before: Option<Instant>) -> Permit {
    // Locks are always taken in the same order (by address), so two requests sharing budgets
    // in different orders cannot deadlock.
    let mut ordered: Vec<RateLimiter> = Vec::with_capacity(limiters.len());
    for limiter in limiters {
        if !ordered.iter().any(|known| known.same(limiter)) {
            ordered.push(limiter.clone());
        }
    }
    ordered.sort_by_key(|limiter| Arc::as_ptr(&limiter.shared) as usize);
    let mut waiting: Option<Waiting<'_>> = None;
    loop {
        // Registered before the check, so that no change between check and wait is missed.
        let mut notified: Vec<_> = ordered.iter().map(|l| Box::pin(l.shared.changed.notified())).collect();
        for notified in &mut notified {
            notified.as_mut().enable();
        }
        let now = Instant::now();
        let mut wake_at = not_before.filter(|at| *at > now);
        let mut after_answer = false;
        {
            let mut states: Vec<MutexGuard<'_, State>> = ordered.iter().map(|l| l.shared.lock()).collect();
            for state in &mut states {
                match state.slot(now) {
                    Slot::Now => {}
                    Slot::At(at) => wake_at = Some(wake_at.map_or(at, |w| w.max(at))),
                    Slot::AfterAnswer => after_answer = true,
                }
            }
            if wake_at.is_none() && !after_answer {
                for state in &mut states {
                    state.in_flight += 1;
                    state.stats.attempts += 1;
                }
                drop(states);
                drop(notified);
                drop(waiting);
                return Permit { limiters: ordered };
            }
            if waiting.is_none() {
                for state in &mut states {
                    state.waiting += 1;
                    if state.waiting_since.is_none() {
                        state.waiting_since = Some(now);
                    }
                }
                drop(states);
                waiting = Some(Waiting {
                    limiters: &ordered,
                    started: now,
                });
            }
        }
        let change = select_all(notified);
        match wake_at {
            Some(at) => {
                let _ = select(Box::pin(tokio::time::sleep_until(at)), change).await;
            }
            None => {
                change.await;
            }
        }
    }
}

/// A request waiting for its slot: counted while it waits, also when the wait is cancelled.
struct Waiting<'a> {
    limiters: &'a [RateLimiter],
    started: Instant,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let now = Instant::now();
        let wait = now.saturating_duration_since(self.started);
        for limiter in self.limiters {
            let mut state = limiter.shared.lock();
            state.stats.waits += 1;
            state.stats.waited_total += wait;
            state.waiting = state.waiting.saturating_sub(1);
            if state.waiting == 0
                && let Some(since) = state.waiting_since.take()
            {
                state.stats.waited += now.saturating_duration_since(since);
            }
        }
        if wait >= LOUD_WAIT {
            tracing::info!(wait_ms = millis(wait), "waited for the rate budget");
        } else {
            tracing::debug!(wait_ms = millis(wait), "waited for the rate budget");
        }
    }
}

/// Sleeps until `not_before` (no limiter: the retry backoff alone).
pub(crate) async fn wait_until(not_before: Option<Instant>) {
    if let Some(at) = not_before {
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().expect("header"));
        }
        headers
    }

    /// Sends `count` attempts through `limiters` from `tasks` tasks, each answered `latency`
    /// after it was sent; returns the send instants, relative to the start.
    async fn send(limiters: Vec<RateLimiter>, count: usize, tasks: usize, latency: Duration) -> Vec<Duration> {
        let start = Instant::now();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut handles = Vec::new();
        for _ in 0..tasks {
            let (limiters, sent, next) = (limiters.clone(), Arc::clone(&sent), Arc::clone(&next));
            handles.push(tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < count {
                    let permit = acquire(&limiters, None).await;
                    sent.lock().expect("lock").push(start.elapsed());
                    tokio::time::sleep(latency).await;
                    drop(permit);
                }
            }));
        }
        for handle in handles {
            handle.await.expect("task");
        }
        let mut sent = sent.lock().expect("lock").clone();
        sent.sort();
        sent
    }

    /// The largest number of sends in any `window`-long span.
    fn busiest(sent: &[Duration], window: Duration) -> usize {
        sent.iter()
            .enumerate()
            .map(|(i, start)| sent[i..].iter().take_while(|at| **at < *start + window).count())
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_in_any_window() {
        let limiter = RateLimiter::new(5, Duration::from_secs(10));
        let sent = send(vec![limiter.clone()], 12, 4, Duration::from_millis(100)).await;
        assert_eq!(sent.len(), 12);
        assert_eq!(busiest(&sent, Duration::from_secs(10)), 5);
        // 5 at once; the next 5 one window after the first answers; the last 2 a window later.
        let secs: Vec<u64> = sent.iter().map(|d| d.as_secs()).collect();
        assert_eq!(secs, [0, 0, 0, 0, 0, 10, 10, 10, 10, 10, 20, 20]);
        let stats = limiter.stats();
        assert_eq!(stats.attempts, 12);
        assert_eq!(stats.waits, 6);
        // Someone waited from the first answer (0.1 s) to the last send (20.1 s).
        assert_eq!(stats.waited, Duration::from_secs(20), "{stats:?}");
        assert!(stats.waited_total > stats.waited, "{stats:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_slot_is_held_until_a_window_after_the_answer() {
        // A slow answer (3 s) pushes the next window's start back by as much.
        let limiter = RateLimiter::new(2, Duration::from_secs(10));
        let sent = send(vec![limiter], 3, 3, Duration::from_secs(3)).await;
        assert_eq!(sent, [Duration::ZERO, Duration::ZERO, Duration::from_secs(13)]);
    }

    #[tokio::test(start_paused = true)]
    async fn one_budget_shared_by_two_sets_of_clients() {
        let application = RateLimiter::new(4, Duration::from_secs(10));
        let token_a = RateLimiter::new(100, Duration::from_secs(10));
        let token_b = RateLimiter::new(100, Duration::from_secs(10));
        let (a, b) = tokio::join!(
            send(vec![application.clone(), token_a.clone()], 6, 2, Duration::ZERO),
            send(vec![token_b.clone(), application.clone()], 6, 2, Duration::ZERO),
        );
        let mut all: Vec<Duration> = a.iter().chain(&b).copied().collect();
        all.sort();
        assert_eq!(busiest(&all, Duration::from_secs(10)), 4);
        assert_eq!(all.iter().filter(|d| d.as_secs() == 0).count(), 4);
        assert_eq!(application.stats().attempts, 12);
        assert_eq!(token_a.stats().attempts, 6);
        assert_eq!(token_b.stats().attempts, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn learns_the_budget_from_headers() {
        let limiter = RateLimiter::new(100, Duration::from_secs(1));
        let answer = headers(&[("x-ratelimit-limit", "3"), ("x-ratelimit-window", "60")]);
        limiter.observe(StatusCode::OK, &answer, Some(&RateLimit::from_headers(&answer)));
        assert_eq!(limiter.limit(), (3, Duration::from_secs(60)));
        let fixed = RateLimiter::new(100, Duration::from_secs(1)).learn(false);
        fixed.observe(StatusCode::OK, &answer, Some(&RateLimit::from_headers(&answer)));
        assert_eq!(fixed.limit(), (100, Duration::from_secs(1)));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_pauses_every_client_for_retry_after() {
        let limiter = RateLimiter::new(100, Duration::from_secs(10));
        let answer = headers(&[("retry-after", "7")]);
        limiter.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &answer,
            Some(&RateLimit::from_headers(&answer)),
        );
        let start = Instant::now();
        let (first, second) = tokio::join!(limiter.acquire(), limiter.acquire());
        assert_eq!(start.elapsed(), Duration::from_secs(7));
        drop((first, second));
        assert_eq!(limiter.stats().rate_limited, 1);
        assert_eq!(
            limiter.waited(),
            Duration::from_secs(7),
            "two concurrent waits count once"
        );
        assert_eq!(limiter.stats().waited_total, Duration::from_secs(14));
    }

    #[tokio::test(start_paused = true)]
    async fn reset_is_read_against_the_answers_date_and_clamped() {
        let limiter = RateLimiter::new(100, Duration::from_secs(10));
        // Another process spent the budget: the server says none remain until the reset, 9 s
        // after the answer's own Date (whatever this machine's clock says).
        let answer = headers(&[
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000009"),
        ]);
        limiter.observe(StatusCode::OK, &answer, Some(&RateLimit::from_headers(&answer)));
        let start = Instant::now();
        drop(limiter.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_secs(9));

        let limiter = RateLimiter::new(100, Duration::from_secs(10)).max_wait(Duration::from_secs(30));
        let answer = headers(&[("retry-after", "18446744073709551615")]);
        limiter.observe(
            StatusCode::TOO_MANY_REQUESTS,
            &answer,
            Some(&RateLimit::from_headers(&answer)),
        );
        let start = Instant::now();
        drop(limiter.acquire().await);
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn a_not_before_and_the_pacing_are_one_wait() {
        let limiter = RateLimiter::new(1, Duration::from_secs(10));
        drop(limiter.acquire().await);
        let start = Instant::now();
        // The slot frees at 10 s; a 4 s backoff folds into it rather than adding to it.
        drop(acquire(std::slice::from_ref(&limiter), Some(start + Duration::from_secs(4))).await);
        assert_eq!(start.elapsed(), Duration::from_secs(10));
        // And a backoff longer than the pacing is waited alone.
        let start = Instant::now();
        drop(acquire(std::slice::from_ref(&limiter), Some(start + Duration::from_secs(25))).await);
        assert_eq!(start.elapsed(), Duration::from_secs(25));
    }
}
