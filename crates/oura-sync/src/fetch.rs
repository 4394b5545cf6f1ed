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
use crate::gate::{Gate, Permit, Urgency};
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
    /// The run's bound on requests in flight, most urgent first.
    pub gate: Gate,
    /// The bound shared with other runs, if any.
    pub in_flight: Option<Arc<tokio::sync::Semaphore>>,
    /// Per collection, the days a page was last seen to cover (`f64` bits; 0: not seen yet).
    pub paces: Vec<AtomicU64>,
}

impl Context {
    /// Whether the run was stopped, or the collection in `slot` failed.
    fn stopped(&self, slot: usize) -> bool {
        self.stop.load(Ordering::SeqCst) || self.failed[slot].load(Ordering::SeqCst)
    }

    /// The next page of `pages` of the collection in `slot`, once the gate (and the shared
    /// bound) let a request with `urgency` go; both slots are held until the page is read, and
    /// the gate's slot is then kept in `held`, for the unit's next request ([`Gate::renew`]).
    /// `None` if the run stopped while it waited: no request is sent then.
    async fn next_page(
        &self,
        pages: &mut Pages,
        slot: usize,
        urgency: Urgency,
        held: &mut Option<Permit>,
    ) -> Option<Option<oura::Result<oura::Page<RawDocument>>>> {
        let permit = match held.take() {
            Some(permit) => self.gate.renew(permit, urgency).await,
            None => self.gate.acquire(urgency).await,
        };
        let _shared = crate::permit(self.in_flight.as_ref()).await;
        if self.stopped(slot) {
            return None;
        }
        let page = self.budget.next_page(pages).await;
        *held = Some(permit);
        Some(page)
    }

    fn pace(&self, slot: usize) -> Option<f64> {
        let days = f64::from_bits(self.paces.get(slot)?.load(Ordering::Relaxed));
        (days > 0.0).then_some(days)
    }

    fn learn_pace(&self, slot: usize, days_per_page: f64) {
        if let Some(pace) = self.paces.get(slot) {
            pace.store(days_per_page.to_bits(), Ordering::Relaxed);
        }
    }
}

/// How many pages a unit still has to fetch, as far as is known: the plan's estimate until a
/// page says how many days a page of its collection covers (any unit of it), then the days
/// left over that. Never below the unit's floor ([`floors`]).
#[derive(Debug, Clone, Copy)]
struct Chain {
    days: u64,
    expected: u64,
    floor: u64,
    pages: u64,
    reached: u64,
}

impl Chain {
    fn new(unit: &crate::plan::Unit, floor: u64) -> Self {
        Chain {
            days: unit.days,
            // The estimate is a small float (days times pages a day).
            expected: unit.expected_pages() as u64,
            floor,
            pages: 0,
            reached: 0,
        }
    }

    /// Pages left, the next one included; `pace`: days a page of the collection covers.
    fn remaining(&self, pace: Option<f64>) -> u64 {
        let left = match self.days_per_page().or(pace) {
            Some(per_page) => (self.days.saturating_sub(self.reached) as f64 / per_page).ceil() as u64,
            None => self.expected.saturating_sub(self.pages),
        };
        left.max(1).max(self.floor)
    }

    /// A page was read, reaching `reached` days into the unit.
    fn advance(&mut self, reached: u64) {
        self.pages += 1;
        self.reached = self.reached.max(reached);
    }

    /// Days a page covered so far, once known.
    fn days_per_page(&self) -> Option<f64> {
        (self.pages > 0 && self.reached > 0).then(|| self.reached as f64 / self.pages as f64)
    }
}

/// The pages each unit is expected to take before any is read, as its requests first tell the
/// gate ([`Gate::new`]).
pub(crate) fn planned_pages(units: &[crate::plan::Unit], floors: &[u64]) -> Vec<u64> {
    units
        .iter()
        .zip(floors)
        .map(|(unit, &floor)| Chain::new(unit, floor).remaining(None))
        .collect()
}

/// The floor of each unit's urgency: a series' last window (usually a few days) is as urgent
/// as its collection's longest, so that it runs with the collection's first windows, not at
/// the end of the run, where the collection's whole file would be written once more after the
/// last answer.
pub(crate) fn floors(units: &[crate::plan::Unit]) -> Vec<u64> {
    let mut longest: std::collections::HashMap<usize, (u64, usize)> = std::collections::HashMap::new();
    for unit in units {
        let (pages, last) = longest.entry(unit.slot).or_default();
        *pages = (*pages).max(unit.expected_pages() as u64);
        *last = (*last).max(unit.index);
    }
    units
        .iter()
        .map(|unit| match longest.get(&unit.slot) {
            Some(&(pages, last)) if last > 0 && unit.index == last => pages,
            _ => 0,
        })
        .collect()
}

/// What the fetching tasks tell the writer.
pub(crate) enum Message {
    /// A page's documents.
    Docs {
        slot: usize,
        unit: usize,
        docs: Vec<RawDocument>,
    },
    /// A unit ended.
    Done {
        slot: usize,
        unit: usize,
        result: Result<(), oura::Error>,
    },
}

/// Fetches one unit, page after page, handing each page's documents to the writer. `order` is
/// its place in the plan, `floor` its least urgency (see [`Gate`]).
pub(crate) async fn run_unit(
    context: &Context,
    unit: crate::plan::Unit,
    order: usize,
    floor: u64,
    tx: &tokio::sync::mpsc::UnboundedSender<Message>,
) {
    let slot = unit.slot;
    // The gate's slot, kept from one page to the next and given back when the unit ends, after
    // the gate knows it ended (declared first, dropped last).
    let mut held = None;
    let _running = context.gate.running(order);
    if context.stopped(slot) {
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
    let mut chain = Chain::new(&unit, floor);
    let urgency = |chain: &Chain| Urgency::new(chain.pages == 0, chain.remaining(context.pace(slot)), order);
    let Some(mut next) = context.next_page(&mut pages, slot, urgency(&chain), &mut held).await else {
        return;
    };
    loop {
        if context.stopped(slot) {
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
        // The last page reached the unit's end (a page covers at least that many days).
        chain.advance(if last_page { unit.days } else { reached });
        if let Some(days) = chain.days_per_page() {
            context.learn_pace(slot, days);
        }
        // The writer makes the documents ready for the sink when it writes them.
        let _ = tx.send(Message::Docs {
            slot,
            unit: unit.index,
            docs: page.data,
        });
        if last_page {
            break;
        }
        let Some(following) = context.next_page(&mut pages, slot, urgency(&chain), &mut held).await else {
            return;
        };
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

    fn units_of(route: &str, from: &str) -> Vec<crate::plan::Unit> {
        let day = |t: &str| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").expect("day");
        let now = chrono::DateTime::parse_from_rfc3339("2025-06-30T23:59:59+00:00").expect("instant");
        crate::plan::units_in(
            0,
            crate::find(route).expect("collection"),
            crate::plan::Start::Day(day(from)),
            day("2025-06-30"),
            now,
            |_| Some(*now.offset()),
        )
    }

    #[test]
    fn a_chain_is_guessed_by_the_plan_then_measured_by_its_pages() {
        let unit = &units_of("daily_sleep", "2025-03-03")[0];
        assert_eq!(unit.days, 120);
        let mut chain = Chain::new(unit, 0);
        // The plan's guess (50 documents a page), or what another unit of the collection saw.
        assert_eq!(chain.remaining(None), 3);
        assert_eq!(chain.remaining(Some(7.0)), 18);
        // A first page of a week: 113 days left, a week a page, whatever the others saw.
        chain.advance(7);
        assert_eq!(chain.days_per_page(), Some(7.0));
        assert_eq!(chain.remaining(Some(100.0)), 17);
        chain.advance(14);
        assert_eq!(chain.remaining(None), 16);
        // A page that says nothing of where it reached keeps the measure.
        chain.advance(0);
        assert_eq!(chain.remaining(None), ((120.0 - 14.0) / (14.0 / 3.0_f64)).ceil() as u64);
        // Never less than one page, nor than the floor.
        chain.advance(120);
        assert_eq!(chain.remaining(None), 1);
        let mut floored = Chain::new(unit, 9);
        assert_eq!(floored.remaining(Some(1000.0)), 9);
        floored.advance(60);
        assert_eq!(floored.remaining(None), 9);
    }

    #[test]
    fn a_series_last_window_is_as_urgent_as_its_collection_longest() {
        let mut units = units_of("heartrate", "2025-05-25");
        units.extend(
            units_of("daily_sleep", "2025-05-25")
                .into_iter()
                .map(|u| crate::plan::Unit { slot: 1, ..u }),
        );
        // 37 days of heart rate: a window of thirty days and one of seven.
        assert_eq!(units.len(), 3);
        assert_eq!(units[0].expected_pages(), 9.0);
        assert_eq!(units[1].expected_pages(), 3.0);
        assert_eq!(floors(&units), [0, 9, 0]);
    }

    #[test]
    fn the_sync_limiter_has_oura_budget() {
        assert_eq!(rate_limiter().limit(), (5000, Duration::from_secs(300)));
    }
}
