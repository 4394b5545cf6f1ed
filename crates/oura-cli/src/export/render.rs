//! The progress of `oura export` and `oura sync`, drawn from the pipeline's events: live bars on
//! a terminal; on anything else no bars, only the plain lines a command asks for. `--quiet`
//! draws and prints nothing but errors. Long waits for the rate limit are said either way.
//!
//! - [`Progress`]: a bar per collection (one user: `oura export`, `oura sync`).
//! - [`Users`]: a bar per user in progress and a bar of users done (`oura sync --all-users`,
//!   where users are synced concurrently); a line per user finished.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use oura_sync::Collection;
use oura_sync::progress::{Event, Observer, count};
use oura_sync::sink::Upserted;

/// Where progress goes: the bars (drawn only on a terminal) and the lines printed above them.
struct Screen {
    multi: MultiProgress,
    terminal: bool,
    /// Set when the command's work ends: events from tasks still winding down draw nothing more.
    finished: AtomicBool,
}

impl Screen {
    fn new() -> Self {
        // Not under --quiet.
        let terminal = crate::console::progress();
        let target = if terminal {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Screen {
            multi: MultiProgress::with_draw_target(target),
            terminal,
            finished: AtomicBool::new(false),
        }
    }

    fn style(template: &str) -> ProgressStyle {
        ProgressStyle::with_template(template)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ")
    }

    fn bar_style() -> ProgressStyle {
        Self::style("{prefix:>24} [{bar:30}] {percent:>3}% {msg}")
    }

    fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }

    /// A line for people: above the bars on a terminal, on stderr otherwise; not under --quiet.
    fn say(&self, line: &str) {
        if self.terminal {
            let _ = self.multi.println(line);
        } else {
            crate::console::note!("{line}");
        }
    }

    /// A line that is said even under --quiet (a failure).
    fn warn(&self, line: &str) {
        if self.terminal {
            let _ = self.multi.println(line);
        } else {
            eprintln!("{line}");
        }
    }

    fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        let _ = self.multi.clear();
    }
}

/// What the line about a wait for the rate limit says.
fn waiting_line(wait: Duration, continues: &str) -> String {
    format!(
        "waiting for Oura's rate limit ({:.0} s so far, at most {} s at a time; the {continues} continues by itself)",
        wait.as_secs_f64().floor(),
        oura_sync::fetch::MAX_WAIT.as_secs()
    )
}

/// What a bar's message counts.
#[derive(Default)]
struct Counts {
    fetched: u64,
    stored: bool,
    upserted: Upserted,
}

impl Counts {
    fn message(&self) -> String {
        if self.stored {
            format!(
                "{} fetched, {} new",
                count(self.fetched, "document"),
                self.upserted.added
            )
        } else {
            format!("{} fetched", count(self.fetched, "document"))
        }
    }

    fn absorb(&mut self, upserted: Upserted) {
        self.stored = true;
        self.upserted.absorb(upserted);
    }
}

/// A bar per collection.
pub struct Progress {
    screen: Screen,
    bars: HashMap<&'static str, Bar>,
    /// Print a line per finished collection (`oura sync`).
    lines: bool,
    /// What continues by itself after a wait: the export, the sync.
    work: &'static str,
}

struct Bar {
    bar: ProgressBar,
    counts: Mutex<Counts>,
}

impl Progress {
    /// Bars for `collections`, drawn only on a terminal; nothing else is printed but waits.
    pub fn new(collections: &[&'static Collection]) -> Self {
        let screen = Screen::new();
        let style = Screen::bar_style();
        let bars = collections
            .iter()
            .map(|collection| {
                let bar = screen.multi.add(ProgressBar::new(1));
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
            screen,
            bars,
            lines: false,
            work: "export",
        }
    }

    /// The bars of `oura sync`, and a line per finished collection, terminal or not
    /// (`  daily_sleep                done   +12 ~0 (40 stored)`).
    pub fn sync(collections: &[&'static Collection]) -> Self {
        Progress {
            lines: true,
            work: "sync",
            ..Progress::new(collections)
        }
    }

    /// Removes the bars, for good.
    pub fn finish(&self) {
        self.screen.finished.store(true, Ordering::SeqCst);
        for bar in self.bars.values() {
            bar.bar.finish_and_clear();
        }
        self.screen.finish();
    }
}

/// The line of a finished collection: what the batches stored did.
fn finished_line(route: &str, failed: bool, upserted: Upserted) -> String {
    format!(
        "  {:<26} {} +{} ~{} ({} stored)",
        route,
        if failed { "failed" } else { "done  " },
        upserted.added,
        upserted.updated,
        upserted.total
    )
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        if self.screen.is_finished() {
            return;
        }
        match event {
            Event::Waiting { wait } => self.screen.say(&waiting_line(*wait, self.work)),
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
                    counts.absorb(*upserted);
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
                    if self.lines {
                        let upserted = bar.counts.lock().map(|c| c.upserted).unwrap_or_default();
                        self.screen.say(&finished_line(collection.route, *failed, upserted));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The progress of many users synced at once: a bar per user in progress (the days of every
/// collection fetched), and a bar of the users done. Holds nothing per user once the user is
/// done, so a thousand users take no more memory than a few.
pub struct Users {
    screen: Screen,
    total: ProgressBar,
    /// When a wait for the rate limit was last said: users share one budget, so one line says
    /// it for all of them.
    said_wait: Mutex<Option<Instant>>,
}

impl Users {
    /// The progress of `users` users.
    pub fn new(users: u64) -> Arc<Self> {
        let screen = Screen::new();
        let total = screen.multi.add(ProgressBar::new(users));
        total.set_style(Screen::style("{prefix:>24} [{bar:30}] {pos}/{len} {msg}"));
        total.set_prefix("users");
        total.set_message("done");
        Arc::new(Users {
            screen,
            total,
            said_wait: Mutex::new(None),
        })
    }

    /// A bar for the user shown as `label`, while it is synced; [`User::done`] removes it.
    pub fn start(self: &Arc<Self>, label: &str) -> Arc<User> {
        let bar = self.screen.multi.insert_before(&self.total, ProgressBar::new(0));
        bar.set_style(Screen::bar_style());
        bar.set_prefix(shorten(label, 24));
        bar.set_message("starting");
        Arc::new(User {
            users: Arc::clone(self),
            bar,
            counts: Mutex::new(Counts::default()),
        })
    }

    /// A line for people above the bars (on stderr when they are not drawn); not under --quiet.
    pub fn say(&self, line: &str) {
        self.screen.say(line);
    }

    /// A line said even under --quiet (a user's failure).
    pub fn warn(&self, line: &str) {
        self.screen.warn(line);
    }

    /// Removes the bars, for good.
    pub fn finish(&self) {
        self.total.finish_and_clear();
        self.screen.finish();
    }

    fn waiting(&self, wait: Duration) {
        const AGAIN_AFTER: Duration = Duration::from_secs(30);
        let mut said = self.said_wait.lock().unwrap_or_else(PoisonError::into_inner);
        if said.is_some_and(|at| at.elapsed() < AGAIN_AFTER) {
            return;
        }
        *said = Some(Instant::now());
        drop(said);
        self.screen.say(&waiting_line(wait, "sync"));
    }
}

/// `text`, cut to `width` characters with an ellipsis.
fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
        short.push('…');
        short
    }
}

/// One user's bar: the observer of the user's sync.
pub struct User {
    users: Arc<Users>,
    bar: ProgressBar,
    counts: Mutex<Counts>,
}

impl User {
    /// The user is done: the bar goes, `line` is said in its place (as a failure when
    /// `failed`: even under --quiet), and the users-done bar moves.
    pub fn done(&self, line: &str, failed: bool) {
        self.bar.finish_and_clear();
        self.users.screen.multi.remove(&self.bar);
        if failed {
            self.users.warn(line);
        } else {
            self.users.say(line);
        }
        self.users.total.inc(1);
    }
}

impl Observer for User {
    fn event(&self, event: &Event) {
        if self.users.screen.is_finished() {
            return;
        }
        match event {
            Event::Waiting { wait } => self.users.waiting(*wait),
            Event::Planned { days, .. } => {
                self.bar.inc_length(*days);
                self.bar.set_message(count(0, "document"));
            }
            Event::Fetched { documents, days, .. } => {
                self.bar.inc(*days);
                if let Ok(mut counts) = self.counts.lock() {
                    counts.fetched += documents;
                    self.bar.set_message(counts.message());
                }
            }
            Event::Stored { upserted, .. } => {
                if let Ok(mut counts) = self.counts.lock() {
                    counts.absorb(*upserted);
                    self.bar.set_message(counts.message());
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
        counts.absorb(Upserted::default());
        assert_eq!(counts.message(), "1 document fetched, 0 new");
        counts.fetched = 2;
        counts.absorb(Upserted {
            added: 2,
            ..Upserted::default()
        });
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

    #[test]
    fn a_finished_collection_line_says_what_was_stored() {
        let upserted = Upserted {
            added: 12,
            updated: 1,
            unchanged: 3,
            total: 40,
        };
        assert_eq!(
            finished_line("daily_sleep", false, upserted),
            "  daily_sleep                done   +12 ~1 (40 stored)"
        );
        assert_eq!(
            finished_line("heartrate", true, Upserted::default()),
            "  heartrate                  failed +0 ~0 (0 stored)"
        );
    }

    #[test]
    fn a_users_bar_adds_up_the_days_of_every_collection_and_the_total_counts_users_done() {
        let sleep = oura_sync::find("sleep").expect("sleep");
        let heartrate = oura_sync::find("heartrate").expect("heartrate");
        let users = Users::new(2);
        let user = users.start("a-user-with-a-rather-long-label");
        user.event(&Event::Planned {
            collection: sleep,
            days: 10,
        });
        user.event(&Event::Planned {
            collection: heartrate,
            days: 5,
        });
        user.event(&Event::Fetched {
            collection: sleep,
            documents: 7,
            days: 4,
        });
        user.event(&Event::Stored {
            collection: sleep,
            upserted: Upserted {
                added: 7,
                total: 7,
                ..Upserted::default()
            },
        });
        assert_eq!(user.bar.length(), Some(15));
        assert_eq!(user.bar.position(), 4);
        assert_eq!(user.bar.message(), "7 documents fetched, 7 new");
        assert_eq!(user.bar.prefix(), "a-user-with-a-rather-lo…");
        user.done("a-user: done", false);
        assert!(user.bar.is_finished());
        assert_eq!(users.total.position(), 1);
        users.finish();
        let at_end = user.bar.position();
        user.event(&Event::Fetched {
            collection: sleep,
            documents: 1,
            days: 1,
        });
        assert_eq!(user.bar.position(), at_end, "nothing moves after the end");
        assert_eq!(user.bar.message(), "7 documents fetched, 7 new");
    }
}
