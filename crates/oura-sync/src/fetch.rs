//! Stage 2, fetch: the units' pages through an [`oura::Client`], concurrently, within the rate
//! budget.
//!
//! # Waits
//! The budget is the client's own: give it an [`oura::RateLimiter`] (one per application,
//! shared by every client of it; [`rate_limiter`] makes one with this crate's bound on waits).
//! The limiter paces every attempt, retries and refreshes included, and folds the retry
//! policy's backoff into the same wait: one wait, never two stacked. This stage adds no pacing
//! of its own; it counts the requests ([`Budget`]) and watches the limiters, so that a wait of
//! [`ANNOUNCE_WAIT`] or more is announced as [`Event::Waiting`] and the time lost to waiting
//! ([`Budget::waited`]) is the limiters' wall-clock figure (concurrent waits count once).
//! A client without a limiter is not paced: Oura may answer 429, and the retry policy waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use oura::{RateLimit, RawDocument};

use crate::Collection;
use crate::plan::Span;
use crate::progress::{Event, Observer};

/// The longest wait [`rate_limiter`] takes from a `Retry-After` or reset header (Oura's window
/// is five minutes): a reset further ahead is not believed past this.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// Waits at least this long are announced to the observer.
pub const ANNOUNCE_WAIT: Duration = Duration::from_secs(3);

/// A stream of pages of raw documents (each the JSON text Oura sent), as the facade lists them.
pub type Pages = BoxStream<'static, oura::Result<oura::Page<RawDocument>>>;

/// The pages of one unit's range, one request per page polled: the documents' text, not
/// decoded ([`oura::raw_pages_by_route`]).
pub fn pages(client: &oura::Client, collection: &Collection, span: Span) -> oura::Result<Pages> {
    let range = match span {
        Span::Days { start, end } => oura::AnyRange::Days(oura::DateRange::new(start, end)?),
        Span::Series { start, end } => oura::AnyRange::Series(oura::DateTimeRange::new(start, end)?),
        Span::Whole => oura::AnyRange::Whole,
    };
    oura::raw_pages_by_route(client, collection.route, range)
}

/// A rate limiter with Oura's budget (5000 requests per 5 minutes, learned from the answers)
/// whose waits are clamped to [`MAX_WAIT`]: what a sync's client should spend.
pub fn rate_limiter() -> oura::RateLimiter {
    oura::RateLimiter::oura().max_wait(MAX_WAIT)
}

/// Counts a sync's requests and reads its client's limiters.
#[derive(Debug)]
pub struct Budget {
    requests: AtomicU64,
    limiters: Vec<oura::RateLimiter>,
    waited_before: Duration,
}

impl Budget {
    /// The budget of `client`'s requests from now on.
    pub fn new(client: &oura::Client) -> Self {
        let limiters = client.rate_limiters().to_vec();
        let waited_before = Self::waited_of(&limiters);
        Budget {
            requests: AtomicU64::new(0),
            limiters,
            waited_before,
        }
    }

    fn waited_of(limiters: &[oura::RateLimiter]) -> Duration {
        limiters.iter().map(oura::RateLimiter::waited).max().unwrap_or_default()
    }

    /// The next page of `pages`, counted.
    pub async fn next_page(&self, pages: &mut Pages) -> Option<oura::Result<oura::Page<RawDocument>>> {
        let next = pages.next().await;
        if next.is_some() {
            self.requests.fetch_add(1, Ordering::Relaxed);
        }
        next
    }

    /// Pages fetched (and failed requests) so far.
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The wall-clock time during which requests of the client waited for its budget since
    /// this was made.
    pub fn waited(&self) -> Duration {
        Self::waited_of(&self.limiters).saturating_sub(self.waited_before)
    }

    /// Watches the limiters for as long as it is polled: a wait that has lasted
    /// [`ANNOUNCE_WAIT`] is announced once.
    pub async fn watch(&self, observer: &dyn Observer) {
        const TICK: Duration = Duration::from_millis(500);
        let mut last = self.waited();
        let mut waiting_for = Duration::ZERO;
        let mut announced = false;
        loop {
            tokio::time::sleep(TICK).await;
            let now = self.waited();
            // Waiting through the whole tick (within a little scheduling slack).
            if now.saturating_sub(last) >= TICK.mul_f32(0.8) {
                waiting_for += TICK;
                if waiting_for >= ANNOUNCE_WAIT && !announced {
                    announced = true;
                    tracing::info!(waited_ms = waiting_for.as_millis() as u64, "waiting for the rate limit");
                    observer.event(&Event::Waiting { wait: waiting_for });
                }
            } else {
                waiting_for = Duration::ZERO;
                announced = false;
            }
            last = now;
        }
    }
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
    pub budget: Arc<Budget>,
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
    let mut next = context.budget.next_page(&mut pages).await;
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
            .and_then(RawDocument::position_text)
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
            let docs = page.data.into_iter().map(crate::sink::Doc::from_raw).collect();
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
        let (following, ()) = tokio::join!(context.budget.next_page(&mut pages), hand_over);
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
    use std::sync::Mutex;

    #[tokio::test(start_paused = true)]
    async fn a_long_wait_of_the_limiter_is_announced_once_and_counted_once() {
        // A budget of one request per minute: the second and third wait.
        let limiter = oura::RateLimiter::new(1, Duration::from_secs(60));
        let client = oura::Client::builder()
            .token("t")
            .rate_limiter(limiter.clone())
            .build()
            .expect("client");
        let budget = Budget::new(&client);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let observer = {
            let seen = Arc::clone(&seen);
            move |event: &Event| seen.lock().expect("lock").push(event.clone())
        };
        let work = async {
            // Each permit is given back (the answer arrived) before the next is asked for.
            for _ in 0..3 {
                drop(limiter.acquire().await);
            }
        };
        tokio::select! {
            () = work => {}
            () = budget.watch(&observer) => unreachable!("the watch never ends"),
        }
        let waited = budget.waited();
        assert!(
            waited >= Duration::from_secs(60) && waited <= Duration::from_secs(125),
            "{waited:?}"
        );
        let events = seen.lock().expect("lock").clone();
        assert!(!events.is_empty(), "a long wait is announced");
        assert!(
            events
                .iter()
                .all(|e| matches!(e, Event::Waiting { wait } if *wait >= ANNOUNCE_WAIT)),
            "{events:?}"
        );
    }

    #[test]
    fn the_sync_limiter_has_oura_budget() {
        assert_eq!(rate_limiter().limit(), (5000, Duration::from_secs(300)));
    }
}
