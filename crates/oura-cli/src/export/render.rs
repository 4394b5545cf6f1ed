//! The export's progress on a terminal: a bar per collection, drawn from the pipeline's events.
//! Nothing is drawn when stderr is not a terminal; long waits for the rate limit are said on
//! stderr either way.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oura_sync::Collection;
use oura_sync::progress::{Event, Observer, count};

/// A bar per collection.
pub struct Progress {
    multi: MultiProgress,
    terminal: bool,
    bars: HashMap<&'static str, Bar>,
    /// Set when the export ends: events from tasks still winding down draw nothing more.
    finished: AtomicBool,
}

struct Bar {
    bar: ProgressBar,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    fetched: u64,
    added: u64,
    stored: bool,
}

impl Counts {
    fn message(&self) -> String {
        if self.stored {
            format!("{} fetched, {} new", count(self.fetched, "document"), self.added)
        } else {
            format!("{} fetched", count(self.fetched, "document"))
        }
    }
}

impl Progress {
    /// Bars for `collections`, drawn only on a terminal.
    pub fn new(collections: &[&'static Collection]) -> Self {
        // Not under --quiet.
        let terminal = crate::console::progress();
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let style = ProgressStyle::with_template("{prefix:>24} [{bar:30}] {percent:>3}% {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bars = collections
            .iter()
            .map(|collection| {
                let bar = multi.add(ProgressBar::new(1));
                bar.set_style(style.clone());
                bar.set_prefix(collection.route);
                bar.set_message("waiting");
                (
                    collection.route,
                    Bar {
                        bar,
                        counts: Mutex::new(Counts::default()),
                    },
                )
            })
            .collect();
        Progress {
            multi,
            terminal,
            bars,
            finished: AtomicBool::new(false),
        }
    }

    /// Removes the bars, for good.
    pub fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        for bar in self.bars.values() {
            bar.bar.finish_and_clear();
        }
        let _ = self.multi.clear();
    }
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        if self.finished.load(Ordering::SeqCst) {
            return;
        }
        match event {
            Event::Waiting { wait } => {
                let line = format!(
                    "waiting for Oura's rate limit ({:.0} s so far, at most {} s at a time; the export continues by itself)",
                    wait.as_secs_f64().floor(),
                    oura_sync::fetch::MAX_WAIT.as_secs()
                );
                if self.terminal {
                    let _ = self.multi.println(line);
                } else {
                    crate::console::note!("{line}");
                }
            }
            Event::Planned { collection, days } => {
                if let Some(bar) = self.bars.get(collection.route) {
                    bar.bar.set_length((*days).max(1));
                    if *days == 0 {
                        bar.bar.set_position(1);
                        bar.bar.set_message("up to date");
                    } else {
                        bar.bar.set_message(count(0, "document"));
                    }
                }
            }
            Event::Fetched {
                collection,
                documents,
                days,
            } => {
                if let Some(bar) = self.bars.get(collection.route) {
                    bar.bar.inc(*days);
                    if let Ok(mut counts) = bar.counts.lock() {
                        counts.fetched += documents;
                        bar.bar.set_message(counts.message());
                    }
                }
            }
            Event::Stored { collection, upserted } => {
                if let Some(bar) = self.bars.get(collection.route)
                    && let Ok(mut counts) = bar.counts.lock()
                {
                    counts.added += upserted.added;
                    counts.stored = true;
                    bar.bar.set_message(counts.message());
                }
            }
            Event::Finished { collection, failed } => {
                if let Some(bar) = self.bars.get(collection.route) {
                    if *failed {
                        bar.bar.abandon_with_message("failed");
                    } else {
                        bar.bar.finish();
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_say_what_was_fetched_and_what_was_new_in_good_grammar() {
        let mut counts = Counts {
            fetched: 1,
            ..Counts::default()
        };
        assert_eq!(counts.message(), "1 document fetched");
        counts.stored = true;
        assert_eq!(counts.message(), "1 document fetched, 0 new");
        counts.fetched = 2;
        counts.added = 2;
        assert_eq!(counts.message(), "2 documents fetched, 2 new");
    }

    #[test]
    fn nothing_is_drawn_after_the_end() {
        let sleep = oura_sync::find("sleep").expect("sleep");
        let progress = Progress::new(&[sleep]);
        progress.event(&Event::Planned {
            collection: sleep,
            days: 10,
        });
        progress.finish();
        let at_end = progress.bars["sleep"].bar.position();
        progress.event(&Event::Fetched {
            collection: sleep,
            documents: 5,
            days: 3,
        });
        let bar = &progress.bars["sleep"].bar;
        assert_eq!(bar.position(), at_end, "an event after the end changes nothing");
        assert_eq!(bar.message(), "0 documents");
        assert!(bar.is_finished());
    }
}
