//! The bound on a run's requests in flight, handing each freed slot to the request that should
//! go next.
//!
//! The pages of a unit follow each other (each needs the previous page's token), so a run takes
//! at least as many rounds of requests as its longest chain of pages, and at least its requests
//! divided by the slots. Giving a freed slot to the request whose unit has the most pages still
//! to come (Hu's rule, optimal for chains of requests of equal length) comes close to both: long
//! chains start first and short units fill the gaps, instead of a long chain left to run alone
//! at the end of the run while the other slots are idle. How long a chain is, is known once its
//! first page is read: first pages go before later ones, so that a chain the plan guessed short
//! is found long early.
//!
//! Hu's rule starts every unit at once, and a unit's documents are held in memory until the
//! units before it in its collection are done and they are written: a run would hold nearly
//! everything it fetched until its end. So Hu's rule decides only between the requests whose
//! chain is at risk of making the run longer: those whose unit's pages left come within
//! [`MARGIN`] rounds of the rounds the whole run still needs (the pages all units have left
//! over the slots, or the longest chain). The others go in the plan's order (a collection's
//! units together and in time order), and a unit keeps its slot from one page to the next
//! while it is the one that should go ([`Gate::renew`]): the units under way are finished
//! before others start, and collections are written and let go of one after another. With
//! slack (more requests than the longest chain times the slots, the usual export) the run
//! takes as many rounds as by Hu's rule alone; without, Hu's rule decides throughout.

use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// Rounds of requests of slack below which a chain counts as at risk: the pages a unit has
/// left are estimates, and answers do not all take as long. Measured on a year of every
/// collection from the emulator (25 ms a request, concurrency 8, 10 runs each): with a margin
/// of 0 to 2, the run took 2-6% longer than by Hu's rule alone; with 3 to 8, as long, with a
/// peak of 30-32 MB resident instead of 42 MB. A larger margin comes closer to Hu's rule.
pub(crate) const MARGIN: u64 = 5;

/// How urgent a request is: a unit's first page before any later page (the first page tells
/// how long the unit's chain is, which the plan can only guess), then the pages its unit still
/// has to fetch, this one included, then its unit's place in the plan, earlier first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Urgency {
    first: bool,
    pages: u64,
    order: std::cmp::Reverse<usize>,
}

impl Urgency {
    pub(crate) fn new(first: bool, pages: u64, order: usize) -> Self {
        Urgency {
            first,
            pages,
            order: std::cmp::Reverse(order),
        }
    }

    fn order(self) -> usize {
        self.order.0
    }
}

/// A bound on requests in flight whose free slots go to the request that should go next.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    slots: u64,
    /// [`MARGIN`], but in tests.
    margin: u64,
    free: usize,
    waiting: Vec<Waiter>,
    /// Per unit (by its place in the plan), the pages it has still to ask for: the plan's
    /// estimate until the unit waits, then what it waits with; none once it ended.
    left: Vec<u64>,
    /// The sum of `left`.
    total: u64,
}

#[derive(Debug)]
struct Waiter {
    urgency: Urgency,
    tx: oneshot::Sender<Permit>,
}

/// A slot of a [`Gate`], given back when dropped (to the waiter that should go next, if any).
#[derive(Debug)]
pub(crate) struct Permit {
    state: Option<Arc<Mutex<State>>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The lock is never held across a panic (nothing in it panics); a poisoned one is as good.
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl State {
    fn set_left(&mut self, unit: usize, pages: u64) {
        if unit >= self.left.len() {
            self.left.resize(unit + 1, 0);
        }
        self.total = self.total - self.left[unit] + pages;
        self.left[unit] = pages;
    }

    /// `waiter`'s unit is handed a slot: one of its pages is on its way.
    fn granted(&mut self, urgency: Urgency) {
        self.set_left(urgency.order(), urgency.pages.saturating_sub(1));
    }

    /// The waiter that should go next: of those whose chain is at risk, the most urgent (Hu's
    /// rule); when none is, the earliest in the plan.
    fn next(&self) -> Option<usize> {
        let longest = self.waiting.iter().map(|w| w.urgency.pages).max()?;
        let rounds = longest.max(self.total.div_ceil(self.slots));
        let at_risk = |w: &&Waiter| w.urgency.pages + self.margin >= rounds;
        let waiting = self.waiting.iter().enumerate();
        let (at, _) = match waiting
            .clone()
            .filter(|(_, w)| at_risk(w))
            .max_by_key(|(_, w)| w.urgency)
        {
            Some(most_urgent) => most_urgent,
            None => waiting.min_by_key(|(_, w)| w.urgency.order())?,
        };
        Some(at)
    }
}

impl Gate {
    /// A gate of `slots` slots (at least one) for the units of a plan, which have `pages`
    /// pages each (estimates, by their place in the plan).
    pub(crate) fn new(slots: usize, pages: Vec<u64>) -> Self {
        let slots = slots.max(1);
        Gate {
            state: Arc::new(Mutex::new(State {
                slots: slots as u64,
                margin: MARGIN,
                free: slots,
                waiting: Vec::new(),
                total: pages.iter().sum(),
                left: pages,
            })),
        }
    }

    /// A slot: at once if one is free, else when it is this request's turn (see the module's
    /// documentation). Dropping the future gives up its place (and the slot, if it was just
    /// handed one).
    pub(crate) async fn acquire(&self, urgency: Urgency) -> Permit {
        let rx = {
            let mut state = lock(&self.state);
            if state.free > 0 {
                // A slot is only left free when no live waiter was there to take it: whatever
                // is still queued was given up.
                state.free -= 1;
                state.waiting.clear();
                state.granted(urgency);
                return Permit {
                    state: Some(Arc::clone(&self.state)),
                };
            }
            state.set_left(urgency.order(), urgency.pages);
            let (tx, rx) = oneshot::channel();
            state.waiting.push(Waiter { urgency, tx });
            rx
        };
        // The sender lives in the queue until it is handed a permit: the queue lives as long
        // as this gate, which outlives this call.
        rx.await.unwrap_or(Permit { state: None })
    }

    /// The next slot of a unit that holds `permit` (its last request's): kept if the unit's next
    /// request, with `urgency`, should go next, else handed to the waiter that should, this
    /// request waiting its turn. A unit that kept its slot while it read its last page is not
    /// overtaken by the units it would go before.
    pub(crate) async fn renew(&self, mut permit: Permit, urgency: Urgency) -> Permit {
        let Some(shared) = permit.state.take() else {
            return self.acquire(urgency).await;
        };
        let rx = {
            let mut state = lock(&self.state);
            state.set_left(urgency.order(), urgency.pages);
            let (tx, rx) = oneshot::channel();
            state.waiting.push(Waiter { urgency, tx });
            hand_over(&mut state, &shared);
            rx
        };
        rx.await.unwrap_or(Permit { state: None })
    }

    /// The unit at `order` in the plan, running until the guard is dropped: it asks for no more
    /// pages then (done, failed or stopped).
    pub(crate) fn running(&self, order: usize) -> Running<'_> {
        Running { gate: self, order }
    }
}

/// A unit of a [`Gate`]'s plan that has not ended ([`Gate::running`]).
#[derive(Debug)]
pub(crate) struct Running<'a> {
    gate: &'a Gate,
    order: usize,
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        lock(&self.gate.state).set_left(self.order, 0);
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(shared) = self.state.take() else { return };
        let mut state = lock(&shared);
        hand_over(&mut state, &shared);
    }
}

/// A slot given back: to the waiter that should go next, else free.
fn hand_over(state: &mut State, shared: &Arc<Mutex<State>>) {
    while let Some(at) = state.next() {
        let waiter = state.waiting.swap_remove(at);
        let permit = Permit {
            state: Some(Arc::clone(shared)),
        };
        let urgency = waiter.urgency;
        match waiter.tx.send(permit) {
            Ok(()) => {
                state.granted(urgency);
                return;
            }
            // That waiter gave up: the slot goes to the next one. (Emptied first, so that
            // dropping it does not come back here under the lock.)
            Err(mut unsent) => drop(unsent.state.take()),
        }
    }
    state.free += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn free(gate: &Gate) -> usize {
        lock(&gate.state).free
    }

    /// Queues one-page requests of the units `waiters` (name, first page, pages its unit has
    /// left, place in the plan) behind `held` slots, frees the slots, and returns the order in
    /// which the waiters were let go. Each unit ends with its request when `end` is set.
    async fn let_go(
        gate: Arc<Gate>,
        held: usize,
        waiters: &[(&'static str, bool, u64, usize)],
        end: bool,
    ) -> Vec<&'static str> {
        let mut permits = Vec::new();
        for i in 0..held {
            permits.push(gate.acquire(Urgency::new(false, 1, 100 + i)).await);
        }
        assert_eq!(free(&gate), 0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Queued in an order that is none of the gate's.
        for &(name, first, pages, plan) in waiters {
            let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let running = gate.running(plan);
                let permit = gate.acquire(Urgency::new(first, pages, plan)).await;
                order.lock().expect("lock").push(name);
                // A unit that does not end: its pages still count as the run's work.
                let kept = (!end).then_some(running);
                tokio::time::sleep(Duration::from_millis(10)).await;
                drop(permit);
                std::mem::forget(kept);
            }));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for permit in permits {
            drop(permit);
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(free(&gate), held, "every slot came back");
        order.lock().expect("lock").clone()
    }

    const WAITERS: [(&str, bool, u64, usize); 6] = [
        ("a", false, 2, 5),
        ("b", false, 9, 7),
        ("c", false, 2, 1),
        ("d", false, 5, 0),
        ("e", false, 9, 3),
        ("f", true, 1, 9),
    ];

    #[tokio::test(start_paused = true)]
    async fn with_chains_at_risk_freed_slots_go_to_the_most_urgent_then_the_earliest_in_the_plan() {
        // 28 pages over three slots: ten rounds at least, and the chains of five pages or more
        // are within the margin of that: the longest first (of two alike, the earlier in the
        // plan). Then nothing is at risk, and the rest go in the plan's order (a first page
        // goes first only when at risk).
        let order = let_go(Arc::new(Gate::new(3, Vec::new())), 3, &WAITERS, false).await;
        assert_eq!(order, ["e", "b", "d", "c", "a", "f"]);
    }

    #[tokio::test(start_paused = true)]
    async fn with_no_chain_at_risk_units_go_in_the_plans_order_until_one_is() {
        // 28 pages through one slot: 28 rounds, far from any chain of nine. The units go in the
        // plan's order, and end as they go: once d, c and e are done, 12 pages are left for 12
        // rounds, and b's chain of nine is within the margin: it goes first. Then the last
        // three pages are all at risk, and the first page goes before the later one.
        let order = let_go(Arc::new(Gate::new(1, Vec::new())), 1, &WAITERS, true).await;
        assert_eq!(order, ["d", "c", "e", "b", "f", "a"]);
        // A unit that has not asked yet counts with the plan's estimate: with a unit of 40
        // pages planned, nothing is at risk through the end (the planned unit never asks).
        let mut planned = vec![0; 11];
        planned[10] = 40;
        let order = let_go(Arc::new(Gate::new(1, planned)), 1, &WAITERS, true).await;
        assert_eq!(order, ["d", "c", "e", "a", "b", "f"]);
    }

    /// A plan run through a gate: `units` (the collection and the pages of each, in the plan's
    /// order, a collection's units together) over `slots`, each request taking 25 ms. Returns
    /// the rounds the run took, and the most pages held at once: a unit's pages are held until
    /// every unit of its collection is done (as the writer holds them until they are written).
    async fn simulate(slots: usize, units: &[(usize, u64)], margin: u64) -> (u64, u64) {
        let gate = Arc::new(Gate::new(slots, units.iter().map(|&(_, pages)| pages).collect()));
        lock(&gate.state).margin = margin;
        // Per unit: pages fetched, and whether it is done.
        let progress = Arc::new(Mutex::new((vec![0u64; units.len()], vec![false; units.len()], 0u64)));
        let units: Arc<[(usize, u64)]> = units.into();
        let held = {
            let units = Arc::clone(&units);
            move |(fetched, done, most): &mut (Vec<u64>, Vec<bool>, u64)| {
                let open = |c: usize| units.iter().zip(done.iter()).any(|(&(of, _), done)| of == c && !done);
                let held = units
                    .iter()
                    .zip(fetched.iter())
                    .filter(|((c, _), _)| open(*c))
                    .map(|(_, f)| f)
                    .sum();
                *most = (*most).max(held);
            }
        };
        let started = tokio::time::Instant::now();
        let tasks: Vec<_> = (0..units.len())
            .map(|order| {
                let (gate, progress, held, pages) =
                    (Arc::clone(&gate), Arc::clone(&progress), held.clone(), units[order].1);
                tokio::spawn(async move {
                    // As a unit of the fetch: its slot is given back after it ended.
                    let mut permit = None;
                    let _running = gate.running(order);
                    for page in 0..pages {
                        let urgency = Urgency::new(page == 0, pages - page, order);
                        permit = Some(match permit.take() {
                            Some(permit) => gate.renew(permit, urgency).await,
                            None => gate.acquire(urgency).await,
                        });
                        tokio::time::sleep(Duration::from_millis(25)).await;
                        let mut progress = progress.lock().expect("lock");
                        progress.0[order] += 1;
                        progress.1[order] = page + 1 == pages;
                        held(&mut progress);
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        let rounds = (started.elapsed().as_millis() / 25) as u64;
        let most = progress.lock().expect("lock").2;
        (rounds, most)
    }

    #[tokio::test(start_paused = true)]
    async fn collections_are_finished_one_after_another_in_the_least_rounds() {
        // A year at the emulator's page sizes: a series of thirteen windows (8 pages each),
        // sixteen day collections (8 pages), ten collections of one page.
        let units: Vec<(usize, u64)> = std::iter::repeat_n((0, 8), 13)
            .chain((1..=16).map(|c| (c, 8)))
            .chain((17..27).map(|c| (c, 1)))
            .collect();
        let pages: u64 = units.iter().map(|&(_, p)| p).sum();
        let bound = pages.div_ceil(8).max(8);
        let (rounds, most) = simulate(8, &units, MARGIN).await;
        let (hu_rounds, hu_most) = simulate(8, &units, u64::MAX / 2).await;
        assert_eq!(hu_rounds, bound, "Hu's rule alone takes the least rounds");
        assert_eq!(rounds, bound, "so does the gate");
        // Hu's rule holds nearly everything until the end (215 pages of 242); the gate, the
        // series while it runs (104 pages, held whole by any order) and a few collections
        // beside it (124).
        assert!(hu_most * 5 >= pages * 4, "{hu_most} of {pages}");
        assert!(most * 5 <= pages * 3, "{most} of {pages}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_loses_no_slot() {
        let gate = Arc::new(Gate::new(2, Vec::new()));
        let first = gate.acquire(Urgency::new(false, 1, 0)).await;
        let second = gate.acquire(Urgency::new(false, 1, 1)).await;
        // Two waiters give up: one before a slot is freed, one just after it was handed one
        // (the permit sits in its channel, never received).
        let early = tokio::spawn({
            let gate = Arc::clone(&gate);
            async move { gate.acquire(Urgency::new(false, 9, 2)).await }
        });
        let mut late = Box::pin(gate.acquire(Urgency::new(false, 5, 3)));
        assert!(futures::FutureExt::now_or_never(late.as_mut()).is_none(), "it waits");
        tokio::time::sleep(Duration::from_millis(1)).await;
        early.abort();
        assert!(early.await.is_err(), "cancelled");
        drop(first);
        drop(late);
        assert_eq!(free(&gate), 1, "the slot handed to the cancelled waiter came back");
        drop(second);
        assert_eq!(free(&gate), 2);
        // Both slots can be taken again, at once.
        let (_a, _b) = tokio::join!(
            gate.acquire(Urgency::new(false, 1, 4)),
            gate.acquire(Urgency::new(false, 1, 5))
        );
        assert_eq!(free(&gate), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn no_more_than_the_slots_are_ever_held() {
        let gate = Arc::new(Gate::new(3, Vec::new()));
        let held = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let (gate, held, most) = (Arc::clone(&gate), Arc::clone(&held), Arc::clone(&most));
                tokio::spawn(async move {
                    let _permit = gate.acquire(Urgency::new(false, i % 7, i as usize)).await;
                    let now = held.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    most.fetch_max(now, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(5 + i % 3)).await;
                    held.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 3);
        assert_eq!(free(&gate), 3);
    }
}
