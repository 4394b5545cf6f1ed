//! The pipeline against the emulator (its today pinned to 2025-06-30), into the file sink and
//! into a keyed in-memory sink shaped like a database table: what it fetches, what it asks for,
//! and what a second run and an interrupted run do.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate};
use futures::TryStreamExt as _;
use oura_emulator::Emulator;
use oura_sync::progress::{Event, Silent};
use oura_sync::sink::{Batch, FileFormat, FileSink, FileSinkOptions, Key, Mark, Sink, SinkError, Upserted};
use oura_sync::{Collection, Options};
use serde_json::Value;

const TODAY: &str = "2025-06-30";

fn today() -> NaiveDate {
    NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date")
}

fn end_of_today() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(&format!("{TODAY}T23:59:59+00:00")).expect("instant")
}

async fn emulator(days: u32) -> Emulator {
    Emulator::builder()
        .users(2)
        .history_days(days)
        .page_size(7)
        .today(today())
        .start()
        .await
        .expect("emulator")
}

fn client(emulator: &Emulator, user: usize) -> oura::Client {
    oura::Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(user))
        .build()
        .expect("client")
}

async fn expected(emulator: &Emulator, user: usize, route: &str, since: &str) -> Vec<Value> {
    let collection = oura::collection(route).expect("a collection");
    let range = oura::AnyRange::from_bounds(collection.range, Some(since), Some(TODAY)).expect("a range");
    oura::list_by_route(&client(emulator, user), route, range)
        .expect("route")
        .try_collect()
        .await
        .expect("documents")
}

fn options(since: &str) -> Options {
    let mut options = Options::new(today(), end_of_today());
    options.since = Some(NaiveDate::parse_from_str(since, "%Y-%m-%d").expect("date"));
    options.concurrency = 4;
    options
}

/// A run of `options` through `client` into `sink`, silent and never stopped.
async fn sync<S: Sink>(client: &oura::Client, sink: &mut S, options: &Options) -> oura_sync::Report {
    oura_sync::run(client, sink, options, Arc::new(Silent), std::future::pending())
        .await
        .expect("run")
}

/// A sink like a database table per collection: rows keyed by (user, collection, key), and a
/// mark per (user, collection) committed in the same critical section as the rows.
#[derive(Debug, Default, Clone)]
struct Table {
    inner: Arc<Mutex<TableInner>>,
}

#[derive(Debug, Default)]
struct TableInner {
    rows: BTreeMap<(String, &'static str, Key), String>,
    marks: BTreeMap<(String, &'static str), Mark>,
    upserts: usize,
}

impl Sink for Table {
    async fn resume(&mut self, user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        let inner = self.inner.lock().expect("lock");
        Ok(inner.marks.get(&(user.to_owned(), collection.route)).cloned())
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        let mut inner = self.inner.lock().expect("lock");
        inner.upserts += 1;
        let mut done = Upserted::default();
        for doc in batch.docs {
            let key = (batch.user.clone(), batch.collection.route, doc.key().to_key());
            match inner.rows.insert(key, doc.json().to_owned()) {
                None => done.added += 1,
                Some(old) if old == doc.json() => done.unchanged += 1,
                Some(_) => done.updated += 1,
            }
        }
        inner
            .marks
            .insert((batch.user.clone(), batch.collection.route), batch.mark);
        done.total = inner
            .rows
            .keys()
            .filter(|(u, c, _)| *u == batch.user && *c == batch.collection.route)
            .count() as u64;
        Ok(done)
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_collection_lands_in_the_files_once_and_a_second_run_asks_one_page_each() {
    let emulator = emulator(40).await;
    let since = "2025-06-10";
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sink = FileSink::open(dir.path(), FileSinkOptions::default()).expect("open");
    let report = oura_sync::run(
        &client(&emulator, 0),
        &mut sink,
        &options(since),
        Arc::new(Silent),
        std::future::pending(),
    )
    .await
    .expect("run");
    assert!(!report.interrupted);
    assert_eq!(report.collections.len(), 18);
    assert!(report.collections.iter().all(|c| c.failure.is_none()), "{report:#?}");
    let requests = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .count() as u64;
    assert_eq!(report.requests, requests, "every request counted once");
    for c in &report.collections {
        let file = dir.path().join(FileFormat::Ndjson.file_name(c.collection));
        let got: Vec<Value> = std::fs::read_to_string(&file)
            .expect("file")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        let want = expected(&emulator, 0, c.collection.route, since).await;
        assert_eq!(got, want, "{}", c.collection.route);
        assert_eq!(c.upserted.added, want.len() as u64, "{}", c.collection.route);
        assert_eq!(c.total, Some(want.len() as u64), "{}", c.collection.route);
    }
    drop(sink);

    // Nothing new: one request per collection, nothing written.
    emulator.clear_requests();
    let mut sink = FileSink::open(dir.path(), FileSinkOptions::default()).expect("open");
    let mut again = options(since);
    again.since = None;
    let report = sync(&client(&emulator, 0), &mut sink, &again).await;
    let requests: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .collect();
    assert_eq!(requests.len(), 18, "{requests:#?}");
    assert!(
        report
            .collections
            .iter()
            .all(|c| c.upserted.added == 0 && c.upserted.updated == 0)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keyed_table_sink_holds_each_document_once_per_user_with_its_mark() {
    let emulator = emulator(20).await;
    let since = "2025-06-15";
    let table = Table::default();
    for user in [0, 1] {
        for _ in 0..2 {
            let mut sink = table.clone();
            let mut options = options(since);
            options.user = format!("user{user}");
            options.collections = ["daily_sleep", "heartrate", "workout"]
                .iter()
                .map(|r| oura_sync::find(r).expect("route"))
                .collect();
            let report = sync(&client(&emulator, user), &mut sink, &options).await;
            assert!(report.collections.iter().all(|c| c.failure.is_none()));
        }
    }
    let (rows, marks) = {
        let inner = table.inner.lock().expect("lock");
        (inner.rows.clone(), inner.marks.clone())
    };
    for user in [0, 1] {
        for route in ["daily_sleep", "heartrate", "workout"] {
            let want = expected(&emulator, user, route, since).await;
            let got: Vec<Value> = rows
                .iter()
                .filter(|((u, c, _), _)| *u == format!("user{user}") && *c == route)
                .map(|(_, json)| serde_json::from_str(json).expect("json"))
                .collect();
            assert_eq!(got.len(), want.len(), "user {user} {route}");
            let mark = &marks[&(format!("user{user}"), route)];
            let last = want
                .iter()
                .filter_map(|d| d.get(if route == "heartrate" { "timestamp" } else { "day" })?.as_str())
                .max()
                .map(str::to_owned);
            assert_eq!(mark.last, last, "user {user} {route}");
            assert!(mark.through.is_some(), "user {user} {route}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stop_ends_the_run_with_what_came_in_order_stored() {
    let emulator = Emulator::builder()
        .users(1)
        .history_days(60)
        .page_size(3)
        .latency(std::time::Duration::from_millis(20))
        .today(today())
        .start()
        .await
        .expect("emulator");
    let table = Table::default();
    let mut sink = table.clone();
    let fetched = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let observer = {
        let fetched = Arc::clone(&fetched);
        move |event: &Event| {
            if let Event::Fetched { documents, .. } = event {
                fetched.fetch_add(*documents, std::sync::atomic::Ordering::SeqCst);
            }
        }
    };
    let stop = {
        let fetched = Arc::clone(&fetched);
        async move {
            while fetched.load(std::sync::atomic::Ordering::SeqCst) < 20 {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    let report = oura_sync::run(
        &client(&emulator, 0),
        &mut sink,
        &options("2025-05-01"),
        Arc::new(observer),
        stop,
    )
    .await
    .expect("run");
    assert!(report.interrupted);
    let (rows, marks) = {
        let inner = table.inner.lock().expect("lock");
        (inner.rows.clone(), inner.marks.clone())
    };
    // Every stored collection holds a prefix of its documents in time, up to its mark.
    for ((_, route), mark) in &marks {
        let want = expected(&emulator, 0, route, "2025-05-01").await;
        let stored: Vec<&String> = rows
            .iter()
            .filter(|((_, c, _), _)| c == route)
            .map(|(_, j)| j)
            .collect();
        assert!(stored.len() <= want.len(), "{route}");
        if mark.through.is_some() {
            assert_eq!(stored.len(), want.len(), "{route} complete");
        }
    }
    let stored: usize = rows.len();
    let fetched: u64 = report.collections.iter().map(|c| c.fetched).sum();
    assert!(stored as u64 <= fetched, "{stored} stored of {fetched} fetched");
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_sharing_a_bound_on_requests_in_flight_never_exceed_it_together() {
    const BOUND: usize = 2;
    let emulator = Emulator::builder()
        .users(2)
        .history_days(30)
        .page_size(3)
        .today(today())
        .latency(std::time::Duration::from_millis(3))
        .start()
        .await
        .expect("emulator");
    let since = "2025-06-01";
    let in_flight = Arc::new(tokio::sync::Semaphore::new(BOUND));
    let table = Table::default();
    let run = |user: usize| {
        let mut sink = table.clone();
        let mut options = options(since);
        options.user = format!("user{user}");
        options.collections = ["daily_sleep", "daily_activity", "heartrate"]
            .iter()
            .map(|r| oura_sync::find(r).expect("route"))
            .collect();
        // Each run alone would have 4 requests in flight.
        options.concurrency = 4;
        options.in_flight = Some(Arc::clone(&in_flight));
        let client = client(&emulator, user);
        async move {
            oura_sync::run(&client, &mut sink, &options, Arc::new(Silent), std::future::pending())
                .await
                .expect("run")
        }
    };
    // Requests the emulator holds unanswered, sampled while both runs go on.
    let most = std::cell::Cell::new(0);
    let sample = async {
        loop {
            let now = emulator.requests().iter().filter(|r| r.status.is_none()).count();
            most.set(most.get().max(now));
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    let (first, second) = tokio::select! {
        reports = async { tokio::join!(run(0), run(1)) } => reports,
        () = sample => unreachable!("sampling never ends"),
    };
    assert!(most.get() <= BOUND, "{} requests in flight at once", most.get());
    assert_eq!(in_flight.available_permits(), BOUND, "every permit given back");
    for (user, report) in [(0, first), (1, second)] {
        assert!(report.collections.iter().all(|c| c.failure.is_none()), "user {user}");
        for route in ["daily_sleep", "daily_activity", "heartrate"] {
            let want = expected(&emulator, user, route, since).await.len();
            let got = table
                .inner
                .lock()
                .expect("lock")
                .rows
                .keys()
                .filter(|(u, c, _)| *u == format!("user{user}") && *c == route)
                .count();
            assert_eq!(got, want, "user {user} {route}");
        }
    }
}

/// A [`Table`] that stores several collections at once through [`Sink::concurrent`], and
/// records how many batches were being stored together.
#[derive(Debug, Default, Clone)]
struct Gated {
    table: Table,
    seen: Arc<Mutex<GateLog>>,
}

#[derive(Debug, Default)]
struct GateLog {
    storing: Vec<&'static str>,
    most_at_once: usize,
    same_collection_twice: bool,
}

impl Gated {
    fn storing(&self) -> usize {
        self.seen.lock().expect("lock").storing.len()
    }
}

impl Sink for Gated {
    async fn resume(&mut self, user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        self.table.resume(user, collection).await
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        let route = batch.collection.route;
        {
            let mut seen = self.seen.lock().expect("lock");
            seen.same_collection_twice |= seen.storing.contains(&route);
            seen.storing.push(route);
            seen.most_at_once = seen.most_at_once.max(seen.storing.len());
        }
        // The first batch waits for another collection's to start beside it: a writer that
        // stores one batch at a time never starts it. The 60 s only keep such a writer from
        // hanging the test; a writer that stores at once starts the second within milliseconds.
        let waited = std::time::Instant::now();
        while self.seen.lock().expect("lock").most_at_once < 2 && waited.elapsed() < std::time::Duration::from_secs(60)
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let upserted = self.table.upsert(batch).await;
        let mut seen = self.seen.lock().expect("lock");
        if let Some(at) = seen.storing.iter().position(|r| *r == route) {
            seen.storing.remove(at);
        }
        upserted
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        assert_eq!(self.storing(), 0, "every batch is stored before the end");
        self.table.finish().await
    }

    fn concurrent(&self) -> Option<Self> {
        Some(self.clone())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn collections_are_stored_at_the_same_time_each_one_batch_after_another() {
    let emulator = emulator(20).await;
    let since = "2025-06-15";
    let routes = ["daily_sleep", "heartrate", "workout", "daily_activity"];
    let mut sink = Gated::default();
    let mut options = options(since);
    options.collections = routes.iter().map(|r| oura_sync::find(r).expect("route")).collect();
    let report = sync(&client(&emulator, 0), &mut sink, &options).await;
    assert!(report.collections.iter().all(|c| c.failure.is_none()));
    {
        let seen = sink.seen.lock().expect("lock");
        assert!(seen.most_at_once >= 2, "{seen:?}");
        assert!(!seen.same_collection_twice, "{seen:?}");
    }
    let rows = sink.table.inner.lock().expect("lock").rows.clone();
    for route in routes {
        // The table holds the rows by key: both sides in the order of their text.
        let mut want: Vec<String> = expected(&emulator, 0, route, since)
            .await
            .iter()
            .map(Value::to_string)
            .collect();
        let mut got: Vec<String> = rows
            .iter()
            .filter(|((_, c, _), _)| *c == route)
            .map(|(_, json)| json.clone())
            .collect();
        want.sort();
        got.sort();
        assert!(!got.is_empty(), "{route}");
        assert_eq!(got, want, "{route}");
    }
}

/// A unit's pages follow each other, so a run takes at least its longest chain of pages in
/// rounds of requests, and at least its requests divided by the concurrency. Here the plan
/// guesses the day collections' chains short (it assumes 50 documents a page; the emulator
/// serves 7) and the heart rate windows long: a run that kept its guesses would leave the
/// 18-page day chains to run alone at the end. On the runtime's paused clock, where each answer
/// comes exactly the latency after its request, the run ends within one round of its bound.
#[tokio::test(start_paused = true)]
async fn a_run_takes_about_the_rounds_its_longest_chain_and_its_requests_need() {
    const LATENCY: std::time::Duration = std::time::Duration::from_millis(100);
    const CONCURRENCY: usize = 4;
    let emulator = Emulator::builder()
        .users(1)
        .history_days(150)
        .page_size(7)
        .latency(LATENCY)
        .today(today())
        .start()
        .await
        .expect("emulator");
    let mut options = options("2025-03-03");
    options.concurrency = CONCURRENCY;
    options.collections = ["heartrate", "daily_sleep", "daily_activity", "daily_readiness"]
        .iter()
        .map(|route| oura_sync::find(route).expect("collection"))
        .collect();
    let table = Table::default();
    let mut sink = table.clone();
    let started = tokio::time::Instant::now();
    let report = oura_sync::run(
        &client(&emulator, 0),
        &mut sink,
        &options,
        Arc::new(Silent),
        std::future::pending(),
    )
    .await
    .expect("run");
    let elapsed = started.elapsed();
    assert!(report.collections.iter().all(|c| c.failure.is_none()), "{report:?}");
    let requests: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .collect();
    // The pages of one window: its first request names the window, the next ones only carry
    // the token, so they are counted by path (each day collection is one window).
    let mut chains: BTreeMap<String, u64> = BTreeMap::new();
    for request in &requests {
        let window = request
            .query_param("start_datetime")
            .or_else(|| request.query_param("next_token").map(|_| String::new()))
            .unwrap_or_default();
        *chains.entry(format!("{} {window}", request.path)).or_default() += 1;
    }
    let day_chain = chains
        .iter()
        .filter(|(k, _)| k.contains("daily_sleep"))
        .map(|(_, n)| *n)
        .sum::<u64>();
    assert_eq!(day_chain, 18, "120 days in pages of 7: {chains:?}");
    let longest = day_chain;
    let bound = longest.max((requests.len() as u64).div_ceil(CONCURRENCY as u64));
    let rounds = elapsed.as_secs_f64() / LATENCY.as_secs_f64();
    assert!(
        rounds > bound as f64 - 0.01 && rounds < (bound + 1) as f64 + 0.01,
        "{rounds:.2} rounds for a bound of {bound} ({} requests, longest chain {longest})",
        requests.len()
    );
    // Every document arrived.
    let rows = table.inner.lock().expect("lock").rows.len();
    let fetched: u64 = report.collections.iter().map(|c| c.fetched).sum();
    assert_eq!(rows as u64, fetched);
    assert!(rows > 18 * 7 * 3, "{rows}");
}
