//! `oura export`: every collection into one file each, fetched concurrently within the rate
//! limit, incrementally (the state file says where the last run ended) and atomically (each
//! flush replaces the file by rename, so an interrupted run loses nothing already written).
//!
//! Work is split into units: one per day collection (its pages follow each other) and one per
//! 30-day window of a time series. Units run concurrently; a writer thread receives their pages
//! and, per collection, commits only the contiguous prefix of its units, in order, so the state
//! never claims a position past a gap.

mod state;
mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Instant;

use chrono::{DateTime, Duration, FixedOffset, Local, NaiveDate};
use futures::StreamExt as _;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use crate::catalog::{self, COLLECTIONS, Collection, Keyed as _, Kind};
use crate::cli::{ExportArgs, Format, Global};
use crate::failure::{Failure, code, from_oura};
use crate::pace::{self, Pacer};
use crate::session;
use state::{Entry, State};
use store::{FileFormat, Merged, Row};

/// The first day asked for when nothing tells an earlier one (no ring configuration visible).
const FALLBACK_SINCE: &str = "2015-01-01";
/// Rows buffered for a collection before they are flushed even though more are coming.
const FLUSH_ROWS: usize = 50_000;
/// How often the state file is saved while an export runs.
const STATE_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs `oura export`.
pub async fn run(global: &Global, args: &ExportArgs) -> Result<(), Failure> {
    let started = Instant::now();
    let format = match global.format {
        None | Some(Format::Ndjson) => FileFormat::Ndjson,
        Some(Format::Csv) => FileFormat::Csv,
        Some(other) => {
            return Err(Failure::usage(format!(
                "export writes ndjson or csv files, not {other:?}: use --format ndjson or --format csv"
            )));
        }
    };
    let collections = select(&args.collections)?;
    let since = args.since.as_deref().map(oura::parse_date).transpose()?;
    let dir = args.out.clone();
    std::fs::create_dir_all(&dir).map_err(|err| Failure::io(format!("cannot create {}", dir.display()), &err))?;
    store::remove_stale_temporaries(&dir).map_err(|err| Failure::io(format!("cannot read {}", dir.display()), &err))?;
    let state = State::load(&dir)
        .map_err(|err| Failure::io(format!("cannot read the export state in {}", dir.display()), &err))?;

    let session = session::open(global).await?;
    let client = session.client.clone();
    let pacer = Arc::new(Pacer::new());
    let today = Local::now().date_naive();
    let now = Local::now().fixed_offset();

    let file_of = |c: &Collection| format.file_name(c);
    // A state entry counts only while its file exists: a deleted file is exported again.
    let entry_of = |c: &Collection| state.files.get(&file_of(c)).filter(|_| dir.join(file_of(c)).exists());
    let last_of = |c: &Collection| entry_of(c).and_then(|e| e.last.clone().or(e.through.clone()));
    let needs_default = since.is_none()
        && collections
            .iter()
            .any(|c| c.range != Kind::Whole && last_of(c).is_none());
    let mut prefetched_rings = None;
    let mut default_since = None;
    if needs_default {
        let ring = catalog::find("ring_configuration")?;
        let fetched = fetch_all(&client, &pacer, &ring).await;
        if let Err(err) = &fetched
            && from_oura(err).code == code::AUTH
        {
            return Err(from_oura(err));
        }
        default_since = Some(
            earliest_setup(fetched.as_ref().ok())
                .unwrap_or_else(|| NaiveDate::parse_from_str(FALLBACK_SINCE, "%Y-%m-%d").unwrap_or(today)),
        );
        prefetched_rings = Some(fetched);
    }

    // Plan the units.
    let mut units = Vec::new();
    let mut sinks = Vec::new();
    for (slot, collection) in collections.iter().enumerate() {
        let file = file_of(collection);
        let entry = entry_of(collection);
        let start = since.map(Start::Day).or_else(|| {
            entry
                .and_then(|e| e.last.as_deref().or(e.through.as_deref()))
                .and_then(Start::parse)
        });
        let start = start.or(default_since.map(Start::Day)).unwrap_or(Start::Day(today));
        let planned = plan(slot, collection, start, today, now);
        let on_disk = std::fs::metadata(dir.join(&file)).ok().map(|m| m.len());
        sinks.push(Sink::new(*collection, file, &planned, entry, on_disk));
        units.extend(planned);
    }
    // Longest chains of pages first, so that the last ones to finish are short; equal ones in
    // time order, so that every collection's committed prefix keeps advancing.
    units.sort_by(|a, b| {
        b.expected_pages()
            .total_cmp(&a.expected_pages())
            .then(a.index.cmp(&b.index))
            .then(a.slot.cmp(&b.slot))
    });

    let progress = Progress::new(&collections, &units);
    let (tx, rx) = mpsc::channel::<Event>();
    let writer = {
        let dir = dir.clone();
        std::thread::spawn(move || write_loop(&dir, format, state, sinks, &rx))
    };
    if let Some(Ok(docs)) = &prefetched_rings
        && let Some(slot) = collections.iter().position(|c| c.range == Kind::Whole)
    {
        // Already fetched: no second request.
        let rows = docs
            .iter()
            .map(|doc| Row::new(&collections[slot], format, doc.clone()))
            .collect();
        let _ = tx.send(Event::Rows { slot, unit: 0, rows });
        let _ = tx.send(Event::Done {
            slot,
            unit: 0,
            result: Ok(()),
        });
        progress.unit_done(slot, docs.len(), 1);
        units.retain(|u| u.slot != slot);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let context = Arc::new(Context {
        client,
        format,
        pacer: Arc::clone(&pacer),
        failed: collections.iter().map(|_| AtomicBool::new(false)).collect(),
        stop: Arc::clone(&stop),
        progress: progress.clone(),
    });
    let concurrency = usize::from(args.concurrency);
    let work = futures::stream::iter(units.into_iter().map(|unit| {
        let context = Arc::clone(&context);
        let tx = tx.clone();
        tokio::spawn(async move { run_unit(&context, unit, &tx).await })
    }))
    .buffer_unordered(concurrency)
    .for_each(|_| async {});
    let interrupted = tokio::select! {
        () = work => false,
        _ = tokio::signal::ctrl_c() => true,
    };
    stop.store(true, Ordering::SeqCst);
    let _ = tx.send(Event::Finish);
    drop(tx);
    let reports = tokio::task::spawn_blocking(move || writer.join())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| Failure::new(code::GENERAL, "the export's writer failed; please report it"))?;
    progress.finish();
    summarize(&dir, &reports, &pacer, started, interrupted)
}

/// The collections to export: those named, or all.
fn select(names: &[String]) -> Result<Vec<Collection>, Failure> {
    if names.is_empty() {
        return Ok(COLLECTIONS.to_vec());
    }
    let mut chosen = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let collection = catalog::find(name)?;
        if !chosen.contains(&collection) {
            chosen.push(collection);
        }
    }
    // Keep the catalog's order, whatever the order given.
    chosen.sort_by_key(|c| COLLECTIONS.iter().position(|k| k == c));
    Ok(chosen)
}

/// Every document of a collection, paced (for the ring configurations fetched up front).
async fn fetch_all(client: &oura::Client, pacer: &Pacer, collection: &Collection) -> oura::Result<Vec<Value>> {
    let mut pages = catalog::pages(client, collection.route, None, None)?;
    let mut docs = Vec::new();
    loop {
        match pacer.next_page(&mut pages).await {
            None => return Ok(docs),
            Some(Err(err)) => return Err(err),
            Some(Ok(page)) => docs.extend(page.data),
        }
    }
}

/// The day the user's first ring was set up.
fn earliest_setup(rings: Option<&Vec<Value>>) -> Option<NaiveDate> {
    rings?
        .iter()
        .filter_map(|ring| ring.get("set_up_at")?.as_str())
        .filter_map(|at| DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.date_naive())
        .min()
}

/// Where a collection's fetch starts.
#[derive(Debug, Clone, Copy)]
enum Start {
    Day(NaiveDate),
    Instant(DateTime<FixedOffset>),
}

impl Start {
    fn parse(text: &str) -> Option<Start> {
        if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            return Some(Start::Day(day));
        }
        DateTime::parse_from_rfc3339(text).ok().map(Start::Instant)
    }
}

/// One piece of work: a range of one collection, fetched page after page.
#[derive(Debug, Clone)]
struct Unit {
    slot: usize,
    index: usize,
    collection: Collection,
    start: Option<String>,
    end: Option<String>,
    from_day: NaiveDate,
    days: u64,
}

impl Unit {
    /// About how many pages the unit takes, to schedule the longest first: typical documents per
    /// day over typical page sizes (50 documents, 1000 samples).
    fn expected_pages(&self) -> f64 {
        let per_day = match self.collection.route {
            "heartrate" => 288.0 / 1000.0,
            "ring_battery_level" => 96.0 / 1000.0,
            "ring_configuration" | "rest_mode_period" | "tag" => 0.01,
            "enhanced_tag" | "session" | "vO2_max" | "workout" => 0.3 / 50.0,
            _ => 1.0 / 50.0,
        };
        (self.days as f64 * per_day).ceil().max(1.0)
    }
}

/// The units of one collection, in time order.
fn plan(slot: usize, collection: &Collection, start: Start, today: NaiveDate, now: DateTime<FixedOffset>) -> Vec<Unit> {
    let unit = |index, start, end, from_day: NaiveDate, to_day: NaiveDate| Unit {
        slot,
        index,
        collection: *collection,
        start,
        end,
        from_day,
        days: u64::try_from((to_day - from_day).num_days() + 1).unwrap_or(1).max(1),
    };
    match collection.range {
        Kind::Whole => vec![unit(0, None, None, today, today)],
        Kind::Days => {
            let first = match start {
                Start::Day(day) => day,
                Start::Instant(at) => at.date_naive(),
            };
            if first > today {
                return Vec::new();
            }
            vec![unit(0, Some(first.to_string()), Some(today.to_string()), first, today)]
        }
        Kind::Series => {
            let mut from = match start {
                Start::Instant(at) => at,
                Start::Day(day) => day
                    .and_hms_opt(0, 0, 0)
                    .and_then(|t| t.and_local_timezone(*now.offset()).single())
                    .unwrap_or(now),
            };
            let mut units = Vec::new();
            while from < now {
                let to = (from + oura::DateTimeRange::MAX_WINDOW).min(now);
                // Windows meet without overlapping: each ends a second before the next starts.
                let end = if to < now { to - Duration::seconds(1) } else { to };
                units.push(unit(
                    units.len(),
                    Some(from.to_rfc3339()),
                    Some(end.to_rfc3339()),
                    from.date_naive(),
                    end.date_naive(),
                ));
                from = to;
            }
            units
        }
    }
}

/// What the fetching tasks share.
struct Context {
    client: oura::Client,
    format: FileFormat,
    pacer: Arc<Pacer>,
    failed: Vec<AtomicBool>,
    stop: Arc<AtomicBool>,
    progress: Progress,
}

/// What the fetching tasks tell the writer.
enum Event {
    Rows {
        slot: usize,
        unit: usize,
        rows: Vec<Row>,
    },
    Done {
        slot: usize,
        unit: usize,
        result: Result<(), Failure>,
    },
    Finish,
}

async fn run_unit(context: &Context, unit: Unit, tx: &mpsc::Sender<Event>) {
    let slot = unit.slot;
    if context.failed[slot].load(Ordering::SeqCst) {
        return;
    }
    let fail = |failure: Failure| {
        context.failed[slot].store(true, Ordering::SeqCst);
        let _ = tx.send(Event::Done {
            slot,
            unit: unit.index,
            result: Err(failure),
        });
    };
    let mut pages = match catalog::pages(
        &context.client,
        unit.collection.route,
        unit.start.as_deref(),
        unit.end.as_deref(),
    ) {
        Ok(pages) => pages,
        Err(err) => return fail(from_oura(&err)),
    };
    let mut shown_days = 0;
    let mut next = fetch(context, &mut pages).await;
    loop {
        if context.stop.load(Ordering::SeqCst) || context.failed[slot].load(Ordering::SeqCst) {
            return;
        }
        let page = match next {
            None => break,
            Some(Err(err)) => return fail(from_oura(&err)),
            Some(Ok(page)) => page,
        };
        let reached = page
            .data
            .last()
            .and_then(|doc| unit.collection.position_of(doc))
            .and_then(|p| NaiveDate::parse_from_str(p.get(..10)?, "%Y-%m-%d").ok())
            .map_or(0, |day| {
                u64::try_from((day - unit.from_day).num_days() + 1).unwrap_or(0)
            })
            .min(unit.days);
        let advance = reached.saturating_sub(shown_days);
        shown_days += advance;
        context.progress.advance(slot, page.data.len(), advance);
        // A unit is one window: a page without a next token is its last.
        let last_page = page.next_token.is_none();
        let hand_over = async {
            let rows = page
                .data
                .into_iter()
                .map(|doc| Row::new(&unit.collection, context.format, doc))
                .collect();
            let _ = tx.send(Event::Rows {
                slot,
                unit: unit.index,
                rows,
            });
        };
        if last_page {
            hand_over.await;
            break;
        }
        // The next page is asked for before this one is turned into rows: the work overlaps
        // the wait.
        let (following, ()) = tokio::join!(fetch(context, &mut pages), hand_over);
        next = following;
    }
    context.progress.advance(slot, 0, unit.days - shown_days);
    let _ = tx.send(Event::Done {
        slot,
        unit: unit.index,
        result: Ok(()),
    });
}

/// The next page, within the rate limit.
async fn fetch(context: &Context, pages: &mut pace::Pages) -> Option<oura::Result<oura::Page<Value>>> {
    context.pacer.next_page(pages).await
}

/// One collection's file, as the writer sees it.
struct Sink {
    collection: Collection,
    file: String,
    units: usize,
    head: usize,
    pending: BTreeMap<usize, Vec<Row>>,
    done: BTreeSet<usize>,
    buffer: Vec<Row>,
    failed_at: Option<usize>,
    failure: Option<Failure>,
    merged: Merged,
    documents: u64,
    /// The position of the last document in the file.
    last: Option<String>,
    /// Whether `last` and `documents` are known to describe the file as it is (the state was
    /// saved after the file's last change, or this run wrote it).
    trusted: bool,
    /// Where the fetch ends, recorded once every unit is done.
    through: Option<String>,
    through_target: Option<String>,
    finalized: bool,
}

impl Sink {
    fn new(
        collection: Collection,
        file: String,
        planned: &[Unit],
        entry: Option<&Entry>,
        on_disk: Option<u64>,
    ) -> Self {
        let trusted = match (entry, on_disk) {
            (Some(entry), Some(bytes)) => entry.bytes == Some(bytes),
            (_, None) => true,
            (None, Some(_)) => false,
        };
        Sink {
            collection,
            file,
            units: planned.len(),
            head: 0,
            pending: BTreeMap::new(),
            done: BTreeSet::new(),
            buffer: Vec::new(),
            failed_at: None,
            failure: None,
            merged: Merged::default(),
            documents: entry.map_or(0, |e| e.documents),
            last: entry.and_then(|e| e.last.clone()),
            trusted,
            through: entry.and_then(|e| e.through.clone()),
            through_target: planned.last().and_then(|u| u.end.clone()),
            finalized: false,
        }
    }

    fn complete(&self) -> bool {
        self.head >= self.units && self.failed_at.is_none()
    }

    fn accepts(&self, unit: usize) -> bool {
        self.failed_at.is_none_or(|at| unit < at)
    }

    fn rows(&mut self, unit: usize, rows: Vec<Row>) {
        if !self.accepts(unit) {
            return;
        }
        if unit == self.head {
            self.buffer.extend(rows);
        } else {
            self.pending.entry(unit).or_default().extend(rows);
        }
    }

    fn done(&mut self, unit: usize, result: Result<(), Failure>) {
        if !self.accepts(unit) {
            return;
        }
        match result {
            Ok(()) => {
                self.done.insert(unit);
                while self.done.remove(&self.head) {
                    self.head += 1;
                    if let Some(rows) = self.pending.remove(&self.head) {
                        self.buffer.extend(rows);
                    }
                }
            }
            Err(failure) => {
                self.failed_at = Some(unit);
                self.failure = Some(failure);
                self.pending.retain(|&u, _| u < unit);
                self.done.retain(|&u| u < unit);
            }
        }
    }

    fn wants_flush(&self) -> bool {
        (self.complete() && !self.finalized)
            || (!self.buffer.is_empty() && (self.buffer.len() >= FLUSH_ROWS || self.failed_at == Some(self.head)))
    }

    /// Merges the buffer into the file; once every unit is done, also records where the fetch
    /// ended (and writes an empty file for a collection without documents). Returns whether the
    /// state changed.
    fn flush(&mut self, dir: &Path, format: FileFormat, state: &mut State) -> bool {
        let finalizing = self.complete() && !self.finalized;
        if finalizing {
            self.finalized = true;
            if self.through_target.is_some() {
                self.through.clone_from(&self.through_target);
            }
        }
        if self.buffer.is_empty() {
            if !finalizing {
                return false;
            }
            if let Some(entry) = state.files.get_mut(&self.file)
                && dir.join(&self.file).exists()
            {
                // Nothing new: only the end of the range moves.
                entry.through.clone_from(&self.through);
                return true;
            }
        }
        let batch = std::mem::take(&mut self.buffer);
        let newest = batch
            .iter()
            .filter_map(|row| row.position.as_deref())
            .fold(None, later)
            .map(str::to_owned);
        // Rows that all lie after the file's last document cannot be in it yet.
        let append = self.trusted
            && batch.iter().all(|row| match (&self.last, &row.position) {
                (None, _) => self.documents == 0,
                (Some(last), Some(position)) => is_after(position, last),
                (Some(_), None) => false,
            });
        match store::merge(dir, &self.file, format, &self.collection, batch, append) {
            Ok(merged) => {
                self.merged.added += merged.added;
                self.merged.updated += merged.updated;
                self.merged.unchanged += merged.unchanged;
                self.documents = merged.total;
                self.trusted = true;
                if let Some(newest) = &newest {
                    self.last = later(self.last.as_deref(), newest).map(str::to_owned);
                }
                let bytes = std::fs::metadata(dir.join(&self.file)).ok().map(|m| m.len());
                state.files.insert(
                    self.file.clone(),
                    Entry {
                        collection: self.collection.route.to_owned(),
                        last: self.last.clone(),
                        through: self.through.clone(),
                        documents: self.documents,
                        bytes,
                        updated_at: Local::now().to_rfc3339(),
                    },
                );
                true
            }
            Err(err) => {
                self.fail_io(&format!("cannot write {}", dir.join(&self.file).display()), &err);
                false
            }
        }
    }

    fn fail_io(&mut self, what: &str, err: &std::io::Error) {
        self.failed_at = Some(self.head.min(self.failed_at.unwrap_or(usize::MAX)));
        self.failure.get_or_insert_with(|| Failure::io(what, err));
        self.pending.clear();
    }
}

/// A position as an instant (a day is its midnight UTC), for comparisons.
fn instant(text: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text).ok().or_else(|| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?
            .and_local_timezone(FixedOffset::east_opt(0)?)
            .single()
    })
}

/// Whether position `a` is strictly after `b` (false when either does not parse).
fn is_after(a: &str, b: &str) -> bool {
    matches!((instant(a), instant(b)), (Some(a), Some(b)) if a > b)
}

/// The later of two positions (days or instants); text that does not parse loses.
fn later<'a>(a: Option<&'a str>, b: &'a str) -> Option<&'a str> {
    let Some(a) = a else { return Some(b) };
    match (instant(a), instant(b)) {
        (Some(x), Some(y)) if y > x => Some(b),
        (None, Some(_)) => Some(b),
        _ => Some(a),
    }
}

/// What the export did to one collection.
struct Report {
    collection: Collection,
    file: String,
    merged: Merged,
    documents: u64,
    failure: Option<Failure>,
}

fn write_loop(
    dir: &Path,
    format: FileFormat,
    mut state: State,
    mut sinks: Vec<Sink>,
    rx: &mpsc::Receiver<Event>,
) -> Vec<Report> {
    // The state is saved at most every STATE_EVERY and at the end: a state older than the files
    // only makes the next run fetch (and deduplicate) a little more.
    let mut saved_at = Instant::now();
    let mut unsaved = false;
    while let Ok(event) = rx.recv() {
        let slot = match event {
            Event::Rows { slot, unit, rows } => {
                sinks[slot].rows(unit, rows);
                slot
            }
            Event::Done { slot, unit, result } => {
                sinks[slot].done(unit, result);
                slot
            }
            Event::Finish => break,
        };
        if sinks[slot].wants_flush() {
            unsaved |= sinks[slot].flush(dir, format, &mut state);
        }
        if unsaved && saved_at.elapsed() >= STATE_EVERY {
            save(dir, &state, &mut sinks);
            saved_at = Instant::now();
            unsaved = false;
        }
    }
    // The end, or an interruption: commit what is in order.
    for sink in &mut sinks {
        unsaved |= sink.flush(dir, format, &mut state);
    }
    if unsaved {
        save(dir, &state, &mut sinks);
    }
    sinks
        .into_iter()
        .map(|sink| Report {
            collection: sink.collection,
            file: sink.file,
            merged: sink.merged,
            documents: sink.documents,
            failure: sink.failure,
        })
        .collect()
}

fn save(dir: &Path, state: &State, sinks: &mut [Sink]) {
    if let Err(err) = state.save(dir) {
        for sink in sinks {
            sink.failure
                .get_or_insert_with(|| Failure::io("cannot write the export state", &err));
        }
    }
}

/// A progress bar per collection, drawn on a terminal only.
#[derive(Clone)]
struct Progress {
    multi: MultiProgress,
    bars: Arc<Vec<ProgressBar>>,
    documents: Arc<Vec<std::sync::atomic::AtomicU64>>,
}

impl Progress {
    fn new(collections: &[Collection], units: &[Unit]) -> Self {
        let target = if std::io::stderr().is_terminal() {
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
            .enumerate()
            .map(|(slot, collection)| {
                let days: u64 = units.iter().filter(|u| u.slot == slot).map(|u| u.days).sum();
                let bar = multi.add(ProgressBar::new(days.max(1)));
                bar.set_style(style.clone());
                bar.set_prefix(collection.route);
                bar.set_message("0 documents");
                if days == 0 {
                    bar.finish_with_message("up to date");
                }
                bar
            })
            .collect();
        Progress {
            multi,
            documents: Arc::new(
                collections
                    .iter()
                    .map(|_| std::sync::atomic::AtomicU64::new(0))
                    .collect(),
            ),
            bars: Arc::new(bars),
        }
    }

    fn advance(&self, slot: usize, docs: usize, days: u64) {
        if let Some(bar) = self.bars.get(slot) {
            bar.inc(days);
            if docs > 0 {
                let count = self.documents[slot].fetch_add(docs as u64, Ordering::Relaxed) + docs as u64;
                bar.set_message(format!("{count} documents"));
            }
        }
    }

    fn unit_done(&self, slot: usize, docs: usize, days: u64) {
        self.advance(slot, docs, days);
    }

    fn finish(&self) {
        for bar in self.bars.iter() {
            bar.abandon();
        }
        let _ = self.multi.clear();
    }
}

fn summarize(
    dir: &Path,
    reports: &[Report],
    pacer: &Pacer,
    started: Instant,
    interrupted: bool,
) -> Result<(), Failure> {
    let terminal = std::io::stderr().is_terminal();
    let (mut added, mut updated) = (0, 0);
    for report in reports {
        added += report.merged.added;
        updated += report.merged.updated;
        if terminal {
            eprintln!(
                "{:>24}  {:>7} new  {:>5} updated  {:>8} in {}",
                report.collection.route, report.merged.added, report.merged.updated, report.documents, report.file
            );
        }
    }
    let failed: Vec<&Report> = reports.iter().filter(|r| r.failure.is_some()).collect();
    for report in &failed {
        if let Some(failure) = &report.failure {
            eprintln!("error: {}: {}", report.collection.route, failure.message);
        }
    }
    let waited = pacer.waited();
    let waited = if waited.as_millis() > 0 {
        format!(", {:.1} s waiting for the rate limit", waited.as_secs_f64())
    } else {
        String::new()
    };
    eprintln!(
        "exported {added} new and {updated} updated documents of {} collections to {} in {:.1} s ({} requests{waited})",
        reports.len() - failed.len(),
        dir.display(),
        started.elapsed().as_secs_f64(),
        pacer.requests(),
    );
    if interrupted {
        return Err(Failure::new(
            code::INTERRUPTED,
            "interrupted: what was fetched is saved; run the same command again to continue",
        ));
    }
    match failed.as_slice() {
        [] => Ok(()),
        [only] if reports.len() == 1 => Err(only
            .failure
            .clone()
            .unwrap_or_else(|| Failure::new(code::GENERAL, "failed"))),
        _ if failed.len() == reports.len() => {
            let first = failed[0]
                .failure
                .clone()
                .unwrap_or_else(|| Failure::new(code::GENERAL, "failed"));
            if failed
                .iter()
                .all(|r| r.failure.as_ref().map(|f| f.code) == Some(first.code))
            {
                Err(first)
            } else {
                Err(incomplete(failed.len(), reports.len()))
            }
        }
        _ => Err(incomplete(failed.len(), reports.len())),
    }
}

fn incomplete(failed: usize, of: usize) -> Failure {
    Failure::new(
        code::INCOMPLETE,
        format!(
            "export incomplete: {failed} of {of} collections failed (see above); what was fetched is saved, \
             run the same command again to continue"
        ),
    )
}
