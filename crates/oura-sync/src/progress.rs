//! What the pipeline tells its caller while it runs: [`Event`]s delivered to an [`Observer`].
//! The library draws nothing; the `oura` command renders these as progress bars.

use std::time::Duration;

use crate::Collection;
use crate::sink::Upserted;

/// Something that happened during a sync.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A collection's work is planned: `days` of range to fetch (0: it is up to date).
    Planned {
        /// The collection.
        collection: &'static Collection,
        /// Days of range planned.
        days: u64,
    },
    /// A page arrived: `documents` more, and the fetch advanced `days` further.
    Fetched {
        /// The collection.
        collection: &'static Collection,
        /// Documents in the page.
        documents: u64,
        /// Days the fetch advanced.
        days: u64,
    },
    /// A batch was stored.
    Stored {
        /// The collection.
        collection: &'static Collection,
        /// What the batch did.
        upserted: Upserted,
    },
    /// Requests wait for the rate limit: the longest wait is `wait` (clamped to
    /// [`MAX_WAIT`](crate::fetch::MAX_WAIT)). Sent only for waits of
    /// [`ANNOUNCE_WAIT`](crate::fetch::ANNOUNCE_WAIT) or longer.
    Waiting {
        /// How long.
        wait: Duration,
    },
    /// A collection is finished, completely or not.
    Finished {
        /// The collection.
        collection: &'static Collection,
        /// Whether it failed.
        failed: bool,
    },
}

/// Receives the pipeline's events, from any thread; must return quickly.
pub trait Observer: Send + Sync + 'static {
    /// One event.
    fn event(&self, event: &Event);
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _event: &Event) {}
}

impl<F: Fn(&Event) + Send + Sync + 'static> Observer for F {
    fn event(&self, event: &Event) {
        self(event);
    }
}

/// `n` and the noun, singular for one: `1 document`, `2 documents`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_singular_for_one_only() {
        assert_eq!(count(0, "document"), "0 documents");
        assert_eq!(count(1, "document"), "1 document");
        assert_eq!(count(2, "collection"), "2 collections");
    }

    #[test]
    fn closures_observe() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let observer = {
            let seen = std::sync::Arc::clone(&seen);
            move |event: &Event| {
                if let Event::Waiting { wait } = event {
                    seen.lock().expect("lock").push(*wait);
                }
            }
        };
        observer.event(&Event::Waiting {
            wait: Duration::from_secs(4),
        });
        assert_eq!(*seen.lock().expect("lock"), vec![Duration::from_secs(4)]);
    }
}
