//! Stage 2, fetch: the units' pages through an [`oura::Client`], concurrently, within the rate
//! budget.
//!
//! # Waits
//! Every wait is bounded and visible. [`Pacer`] paces requests by Oura's `X-RateLimit-*`
//! headers: requests go out while the last answer's `X-RateLimit-Remaining` exceeds the
//! requests in flight; when it does not, the next one waits for `X-RateLimit-Reset`, but never
//! longer than [`MAX_WAIT`] in all (then one request probes, and a 429 it gets is reported to
//! the caller). A wait of [`ANNOUNCE_WAIT`] or more is announced as
//! [`Event::Waiting`]. [`Pacer::waited`] is the real time
//! during which at least one request was held back, not the sum of every task's waits.
//!
//! The pacer is this crate's until the facade's own rate limiter lands; then this stage uses
//! that one and the pacer goes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use futures::StreamExt as _;
use futures::stream::BoxStream;
use oura::RateLimit;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::Collection;
use crate::plan::Span;
use crate::progress::{Event, Observer};

/// The longest time one request is held back for the rate limit (Oura's window is five
/// minutes). Reset times further ahead are not believed past this.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// Waits at least this long are announced to the observer.
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(3);

/// Added to `X-RateLimit-Reset`, which has a precision of one second.
const RESET_MARGIN: Duration = Duration::from_secs(1);

/// A stream of raw pages, as the facade lists them.
pub type Pages = BoxStream<'static, oura::Result<oura::Page<Value>>>;

/// The pages of one unit's range, one request per page polled.
pub fn pages(client: &oura::Client, collection: &Collection, span: Span) -> oura::Result<Pages> {
    let range = match span {
        Span::Days { start, end } => oura::AnyRange::Days(oura::DateRange::new(start, end)?),
        Span::Series { start, end } => oura::AnyRange::Series(oura::DateTimeRange::new(start, end)?),
        Span::Whole => oura::AnyRange::Whole,
    };
    oura::pages_by_route(client, collection.route, range)
}

/// Paces requests by the rate-limit headers; shared by every request of a sync.
#[derive(Debug, Default)]
pub struct Pacer {
    state: Mutex<State>,
    answered: Notify,
    requests: AtomicU64,
}

#[derive(Debug, Default)]
struct State {
    remaining: Option<u64>,
    reset: Option<SystemTime>,
    /// When the window of `reset` ends, on the runtime's clock (learnt when the answer came).
    wake: Option<Instant>,
    in_flight: u64,
    /// Requests held back right now, since when, and the total of such periods.
    waiting: usize,
    waiting_since: Option<Instant>,
    waited: Duration,
    /// The end of the last wait announced (so concurrent tasks announce one wait once).
    announced_until: Option<Instant>,
}

#[derive(Debug, PartialEq)]
enum Next {
    Go,
    Sleep(Duration),
    AwaitAnswer,
}

impl Pacer {
    /// A pacer that knows nothing yet.
    pub fn new() -> Self {
        Pacer::default()
    }

    /// The next page of `pages`, sent when the rate limit allows, with its answer counted.
    pub async fn next_page(
        &self,
        pages: &mut Pages,
        observer: &dyn Observer,
    ) -> Option<oura::Result<oura::Page<Value>>> {
        self.acquire(observer).await;
        let next = pages.next().await;
        match &next {
            Some(Ok(page)) => self.done(page.rate_limit.as_ref()),
            Some(Err(err)) => self.done(of_error(err)),
            None => self.done(None),
        }
        next
    }

    /// Waits until one more request may go out (at most [`MAX_WAIT`] in all), and counts it in
    /// flight.
    pub async fn acquire(&self, observer: &dyn Observer) {
        let deadline = Instant::now() + MAX_WAIT;
        let mut held = false;
        loop {
            let answered = self.answered.notified();
            tokio::pin!(answered);
            answered.as_mut().enable();
            let past_deadline = Instant::now() >= deadline;
            let next = self.next(past_deadline);
            if next == Next::Go {
                if held {
                    self.release();
                }
                self.requests.fetch_add(1, Ordering::Relaxed);
                return;
            }
            if !held {
                self.hold();
                held = true;
            }
            match next {
                Next::Sleep(wait) => {
                    let until = (Instant::now() + wait).min(deadline);
                    if let Some(wait) = self.announce(until) {
                        tracing::info!(wait_ms = wait.as_millis() as u64, "waiting for the rate limit");
                        observer.event(&Event::Waiting { wait });
                    }
                    tokio::select! {
                        () = tokio::time::sleep_until(until) => {}
                        () = answered => {}
                    }
                }
                _ => answered.await,
            }
        }
    }

    fn hold(&self) {
        if let Ok(mut state) = self.state.lock() {
            if state.waiting == 0 {
                state.waiting_since = Some(Instant::now());
            }
            state.waiting += 1;
        }
    }

    fn release(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.waiting = state.waiting.saturating_sub(1);
            if state.waiting == 0
                && let Some(since) = state.waiting_since.take()
            {
                state.waited += since.elapsed();
            }
        }
    }

    /// Whether a wait until `until` is worth announcing (long, and not announced already).
    fn announce(&self, until: Instant) -> Option<Duration> {
        let wait = until.saturating_duration_since(Instant::now());
        let mut state = self.state.lock().ok()?;
        if wait < ANNOUNCE_WAIT || state.announced_until.is_some_and(|known| known >= until) {
            return None;
        }
        state.announced_until = Some(until);
        Some(wait)
    }

    fn next(&self, past_deadline: bool) -> Next {
        let Ok(mut state) = self.state.lock() else {
            return Next::Go;
        };
        let now = Instant::now();
        let go = |state: &mut State| {
            state.in_flight += 1;
            Next::Go
        };
        let Some(remaining) = state.remaining else {
            return go(&mut state);
        };
        if remaining > state.in_flight {
            return go(&mut state);
        }
        if past_deadline {
            if state.in_flight > 0 {
                return Next::AwaitAnswer;
            }
            // Waited the longest we wait: probe with one request, and believe its answer.
            state.reset = None;
            state.wake = None;
            return go(&mut state);
        }
        match state.wake {
            Some(wake) if wake > now => Next::Sleep((wake - now).min(MAX_WAIT)),
            // The window has moved: at least one request left it. Probe with one request at a
            // time until an answer says how many are left.
            _ if state.in_flight == 0 => {
                state.reset = None;
                state.wake = None;
                go(&mut state)
            }
            _ => Next::AwaitAnswer,
        }
    }

    /// Records an answer (or a failure) of a request counted by [`acquire`](Self::acquire).
    pub fn done(&self, rate_limit: Option<&RateLimit>) {
        if let Ok(mut state) = self.state.lock() {
            state.in_flight = state.in_flight.saturating_sub(1);
            if let Some(rate_limit) = rate_limit {
                let reset = rate_limit.reset.and_then(|at| system_time(&at));
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
                if let Some(reset) = reset
                    && (moved || state.reset.is_none())
                {
                    state.reset = Some(reset);
                    // `X-RateLimit-Reset` is in whole seconds: wait a second more, not to be
                    // early. A reset beyond the longest wait is not believed past it.
                    let ahead = reset.duration_since(SystemTime::now()).unwrap_or_default();
                    state.wake = Some(Instant::now() + (ahead + RESET_MARGIN).min(MAX_WAIT));
                }
                if let Some(after) = rate_limit.retry_after
                    && rate_limit.remaining.is_none()
                {
                    state.remaining = Some(0);
                    if reset.is_none() {
                        state.wake = Some(Instant::now() + after.min(MAX_WAIT));
                    }
                }
            }
        }
        self.answered.notify_waiters();
    }

    /// Requests let out so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The time during which at least one request was held back for the rate limit.
    pub fn waited(&self) -> Duration {
        self.state.lock().map_or(Duration::ZERO, |state| {
            state.waited + state.waiting_since.map_or(Duration::ZERO, |since| since.elapsed())
        })
    }
}

/// A chrono instant as a `SystemTime`, if it is one (an absurd reset is none).
fn system_time(at: &chrono::DateTime<chrono::Utc>) -> Option<SystemTime> {
    let secs = u64::try_from(at.timestamp()).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// The rate-limit headers an error carried, if any.
pub fn of_error(err: &oura::Error) -> Option<&RateLimit> {
    match err {
        oura::Error::RateLimited { rate_limit, .. } => Some(rate_limit),
        _ => None,
    }
}

/// What the fetching tasks share.
pub(crate) struct Context {
    pub client: oura::Client,
    pub pacer: Arc<Pacer>,
    pub observer: Arc<dyn Observer>,
    pub failed: Vec<std::sync::atomic::AtomicBool>,
    pub stop: Arc<std::sync::atomic::AtomicBool>,
}

/// What the fetching tasks tell the writer.
pub(crate) enum Message {
    /// A page's documents.
    Docs {
        slot: usize,
        unit: usize,
        docs: Vec<crate::sink::Doc>,
    },
    /// A unit ended.
    Done {
        slot: usize,
        unit: usize,
        result: Result<(), oura::Error>,
    },
}

/// Fetches one unit, page after page, handing each page's documents to the writer.
pub(crate) async fn run_unit(
    context: &Context,
    unit: crate::plan::Unit,
    tx: &tokio::sync::mpsc::UnboundedSender<Message>,
) {
    let slot = unit.slot;
    let stopped = || context.stop.load(Ordering::SeqCst) || context.failed[slot].load(Ordering::SeqCst);
    if stopped() {
        return;
    }
    let fail = |err: oura::Error| {
        context.failed[slot].store(true, Ordering::SeqCst);
        let _ = tx.send(Message::Done {
            slot,
            unit: unit.index,
            result: Err(err),
        });
    };
    let mut pages = match pages(&context.client, unit.collection, unit.span) {
        Ok(pages) => pages,
        Err(err) => return fail(err),
    };
    let observer = &*context.observer;
    let mut shown_days = 0;
    let mut next = context.pacer.next_page(&mut pages, observer).await;
    loop {
        if stopped() {
            return;
        }
        let page = match next {
            None => break,
            Some(Err(err)) => return fail(err),
            Some(Ok(page)) => page,
        };
        let reached = page
            .data
            .last()
            .and_then(|doc| doc.get(unit.collection.position?)?.as_str())
            .and_then(crate::position::day_of)
            .map_or(0, |day| {
                u64::try_from(day.signed_duration_since(unit.from_day).num_days().saturating_add(1)).unwrap_or(0)
            })
            .min(unit.days);
        let advance = reached.saturating_sub(shown_days);
        shown_days += advance;
        observer.event(&Event::Fetched {
            collection: unit.collection,
            documents: page.data.len() as u64,
            days: advance,
        });
        // A unit is one window: a page without a next token is its last.
        let last_page = page.next_token.is_none();
        let hand_over = async {
            let docs = page
                .data
                .iter()
                .map(|doc| crate::sink::Doc::of(unit.collection, doc))
                .collect();
            let _ = tx.send(Message::Docs {
                slot,
                unit: unit.index,
                docs,
            });
        };
        if last_page {
            hand_over.await;
            break;
        }
        // The next page is asked for before this one is turned into documents: the work
        // overlaps the wait.
        let (following, ()) = tokio::join!(context.pacer.next_page(&mut pages, observer), hand_over);
        next = following;
    }
    observer.event(&Event::Fetched {
        collection: unit.collection,
        documents: 0,
        days: unit.days.saturating_sub(shown_days),
    });
    let _ = tx.send(Message::Done {
        slot,
        unit: unit.index,
        result: Ok(()),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;

    fn limit(remaining: u64, reset_in: Duration) -> RateLimit {
        RateLimit {
            remaining: Some(remaining),
            reset: Some(chrono::Utc::now() + chrono::Duration::from_std(reset_in).expect("duration")),
            ..RateLimit::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn requests_go_while_the_budget_lasts_then_wait_for_the_reset() {
        let pacer = Pacer::new();
        pacer.acquire(&Silent).await;
        pacer.done(Some(&limit(2, Duration::from_secs(20))));
        // Two left: two may be in flight at once.
        pacer.acquire(&Silent).await;
        pacer.acquire(&Silent).await;
        assert!(matches!(pacer.next(false), Next::Sleep(_)));
        pacer.done(Some(&limit(1, Duration::from_secs(20))));
        pacer.done(Some(&limit(0, Duration::from_secs(20))));
        let started = Instant::now();
        pacer.acquire(&Silent).await;
        let waited = started.elapsed();
        assert!(
            // Until the reset (whole seconds), and the second of margin.
            waited >= Duration::from_secs(20) && waited <= Duration::from_secs(22),
            "{waited:?}"
        );
        assert_eq!(pacer.requests(), 4);
        assert_eq!(pacer.waited(), waited);
    }

    #[tokio::test(start_paused = true)]
    async fn a_late_answer_does_not_raise_the_budget_of_its_window() {
        let pacer = Pacer::new();
        let reset = chrono::Utc::now() + chrono::Duration::seconds(30);
        let at = |remaining| RateLimit {
            remaining: Some(remaining),
            reset: Some(reset),
            ..RateLimit::default()
        };
        for _ in 0..3 {
            pacer.acquire(&Silent).await;
        }
        pacer.done(Some(&at(1)));
        pacer.done(Some(&at(2)));
        pacer.done(Some(&at(0)));
        assert!(matches!(pacer.next(false), Next::Sleep(_)), "none left until the reset");
    }

    #[tokio::test(start_paused = true)]
    async fn a_reset_hours_ahead_or_a_huge_retry_after_waits_at_most_the_maximum_and_says_so() {
        for rate_limit in [
            limit(0, Duration::from_secs(2 * 3600)),
            RateLimit {
                retry_after: Some(Duration::from_secs(u64::MAX / 2)),
                ..RateLimit::default()
            },
            RateLimit {
                remaining: Some(0),
                reset: Some(chrono::DateTime::<chrono::Utc>::MAX_UTC),
                ..RateLimit::default()
            },
        ] {
            let pacer = Pacer::new();
            pacer.acquire(&Silent).await;
            pacer.done(Some(&rate_limit));
            let seen = Arc::new(Mutex::new(Vec::new()));
            let observer = {
                let seen = Arc::clone(&seen);
                move |event: &Event| seen.lock().expect("lock").push(event.clone())
            };
            let started = Instant::now();
            // Three tasks wait at once: one wait, announced once, counted once.
            let one = || async {
                pacer.acquire(&observer).await;
                pacer.done(None);
            };
            tokio::join!(one(), one(), one());
            let waited = started.elapsed();
            assert!(
                waited <= MAX_WAIT + Duration::from_millis(10),
                "{rate_limit:?}: {waited:?}"
            );
            assert!(pacer.waited() <= waited, "{:?} > {waited:?}", pacer.waited());
            let announced = seen.lock().expect("lock").clone();
            assert_eq!(announced.len(), 1, "{rate_limit:?}: {announced:?}");
            assert!(
                matches!(announced[0], Event::Waiting { wait } if wait <= MAX_WAIT && wait >= ANNOUNCE_WAIT),
                "{announced:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn short_waits_are_not_announced() {
        let pacer = Pacer::new();
        pacer.acquire(&Silent).await;
        pacer.done(Some(&RateLimit {
            retry_after: Some(Duration::from_secs(1)),
            ..RateLimit::default()
        }));
        let seen = Arc::new(Mutex::new(0));
        let observer = {
            let seen = Arc::clone(&seen);
            move |_: &Event| *seen.lock().expect("lock") += 1
        };
        pacer.acquire(&observer).await;
        assert_eq!(*seen.lock().expect("lock"), 0);
        assert!(pacer.waited() >= Duration::from_secs(1));
    }
}
