//! The bound on a run's requests in flight, handing each freed slot to the most urgent request.
//!
//! The pages of a unit follow each other (each needs the previous page's token), so a run takes
//! at least as many rounds of requests as its longest chain of pages, and at least its requests
//! divided by the slots. Giving a freed slot to the request whose unit has the most pages still
//! to come (Hu's rule, optimal for chains of requests of equal length) comes close to both: long
//! chains start first and short units fill the gaps, instead of a long chain left to run alone
//! at the end of the run while the other slots are idle. How long a chain is, is known once its
//! first page is read: first pages go before later ones, so that a chain the plan guessed short
//! is found long early.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::oneshot;

/// How urgent a request is: a unit's first page before any later page (the first page tells
/// how long the unit's chain is, which the plan can only guess), then the pages its unit still
/// has to fetch, this one included, then its unit's place in the plan, earlier first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Urgency {
    first: bool,
    pages: u64,
    order: Reverse<usize>,
}

impl Urgency {
    pub(crate) fn new(first: bool, pages: u64, order: usize) -> Self {
        Urgency {
            first,
            pages,
            order: Reverse(order),
        }
    }
}

/// A bound on requests in flight whose free slots go to the most urgent waiter.
#[derive(Debug)]
pub(crate) struct Gate {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    free: usize,
    waiting: BinaryHeap<Waiter>,
}

#[derive(Debug)]
struct Waiter {
    urgency: Urgency,
    tx: oneshot::Sender<Permit>,
}

impl PartialEq for Waiter {
    fn eq(&self, other: &Self) -> bool {
        self.urgency == other.urgency
    }
}

impl Eq for Waiter {}

impl PartialOrd for Waiter {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Waiter {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.urgency.cmp(&other.urgency)
    }
}

/// A slot of a [`Gate`], given back when dropped (to the most urgent waiter, if any).
#[derive(Debug)]
pub(crate) struct Permit {
    state: Option<Arc<Mutex<State>>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // The lock is never held across a panic (nothing in it panics); a poisoned one is as good.
    state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Gate {
    /// A gate of `slots` slots (at least one).
    pub(crate) fn new(slots: usize) -> Self {
        Gate {
            state: Arc::new(Mutex::new(State {
                free: slots.max(1),
                waiting: BinaryHeap::new(),
            })),
        }
    }

    /// A slot: at once if one is free, else when every more urgent waiter has had one.
    /// Dropping the future gives up its place (and the slot, if it was just handed one).
    pub(crate) async fn acquire(&self, urgency: Urgency) -> Permit {
        let rx = {
            let mut state = lock(&self.state);
            if state.free > 0 {
                // A slot is only left free when no live waiter was there to take it: whatever
                // is still queued was given up.
                state.free -= 1;
                state.waiting.clear();
                return Permit {
                    state: Some(Arc::clone(&self.state)),
                };
            }
            let (tx, rx) = oneshot::channel();
            state.waiting.push(Waiter { urgency, tx });
            rx
        };
        // The sender lives in the queue until it is handed a permit: the queue lives as long
        // as this gate, which outlives this call.
        rx.await.unwrap_or(Permit { state: None })
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let Some(shared) = self.state.take() else { return };
        let mut state = lock(&shared);
        while let Some(waiter) = state.waiting.pop() {
            let permit = Permit {
                state: Some(Arc::clone(&shared)),
            };
            match waiter.tx.send(permit) {
                Ok(()) => return,
                // That waiter gave up: the slot goes to the next one. (Emptied first, so that
                // dropping it does not come back here under the lock.)
                Err(mut unsent) => drop(unsent.state.take()),
            }
        }
        state.free += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn free(gate: &Gate) -> usize {
        lock(&gate.state).free
    }

    #[tokio::test(start_paused = true)]
    async fn freed_slots_go_to_the_most_urgent_then_the_earliest_in_the_plan() {
        let gate = Arc::new(Gate::new(1));
        let held = gate.acquire(Urgency::new(false, 1, 0)).await;
        assert_eq!(free(&gate), 0);
        let order = Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        // Queued in an order that is not the urgency's.
        for (name, first, pages, plan) in [
            ("a", false, 2, 5),
            ("b", false, 9, 7),
            ("c", false, 2, 1),
            ("d", false, 5, 0),
            ("e", false, 9, 3),
            ("f", true, 1, 9),
        ] {
            let (gate, order) = (Arc::clone(&gate), Arc::clone(&order));
            tasks.push(tokio::spawn(async move {
                let permit = gate.acquire(Urgency::new(first, pages, plan)).await;
                order.lock().expect("lock").push(name);
                tokio::time::sleep(Duration::from_millis(10)).await;
                drop(permit);
            }));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(held);
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(*order.lock().expect("lock"), ["f", "e", "b", "d", "c", "a"]);
        assert_eq!(free(&gate), 1, "every slot came back");
    }

    #[tokio::test(start_paused = true)]
    async fn a_waiter_that_gives_up_loses_no_slot() {
        let gate = Arc::new(Gate::new(2));
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
        let gate = Arc::new(Gate::new(3));
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
