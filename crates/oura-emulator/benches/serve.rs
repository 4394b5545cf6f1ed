//! Serving benchmark: what the emulator spends to answer one export of one year (2024-07-01 to
//! 2025-06-30) of every collection of one user, the export benchmark's load without its
//! client.
//!
//! A client in this process fetches every page of every collection in turn (the day
//! collections whole, the time series in 30-day windows, as the export asks for them), with no
//! latency, reading the bodies without decoding them. For each page-size setting (the default
//! 50 documents / 1000 samples per page, and Oura's realistic 2500 / 10000) it prints, per
//! collection and in all, the documents, the bytes, the wall time per export (minimum and
//! median of the runs) and the process's CPU time per export (user and system, server and
//! the reading client together, the mean of the runs), in milliseconds and microseconds per
//! document. Each run starts a fresh emulator (its start-up is not counted), as an export
//! meets one.
//!
//! ```text
//! cargo bench -p oura-emulator --bench serve
//! OURA_BENCH_RUNS=10 OURA_BENCH_PAGES=realistic cargo bench -p oura-emulator --bench serve
//! ```
//!
//! Not a pass/fail test: it reports numbers.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use oura_api_sys::catalog::RangeKind;
use oura_emulator::{Collection, Emulator};

const TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2025, 6, 30) {
    Some(day) => day,
    None => panic!("a valid date"),
};
const SINCE: NaiveDate = match NaiveDate::from_ymd_opt(2024, 7, 1) {
    Some(day) => day,
    None => panic!("a valid date"),
};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let runs: usize = std::env::var("OURA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7)
        .max(1);
    let pages: Vec<(&str, usize, usize)> = match std::env::var("OURA_BENCH_PAGES").as_deref() {
        Ok("default") => vec![("default", 50, 1000)],
        Ok("realistic") => vec![("realistic", 2500, 10_000)],
        _ => vec![("default", 50, 1000), ("realistic", 2500, 10_000)],
    };
    println!("serving one export of one year ({SINCE} to {TODAY}) of every collection, {runs} runs");
    for (label, page_size, series_page_size) in pages {
        let client = oura_api_sys::tls::client_builder()
            .user_agent("oura-emulator-bench/1")
            .build()
            .expect("client");
        // A fresh emulator per run, as an export meets one: nothing computed by an earlier run
        // is reused. The first run warms up (allocator, page cache) and is not counted.
        let mut walls: Vec<(Collection, Vec<Duration>)> = Collection::ALL.iter().map(|c| (*c, Vec::new())).collect();
        let mut totals = Vec::new();
        let mut counts = Vec::new();
        let mut cpu = Duration::ZERO;
        for run in 0..=runs {
            let emulator = runtime.block_on(
                Emulator::builder()
                    .users(1)
                    .history_days(400)
                    .today(TODAY)
                    .page_size(page_size)
                    .time_series_page_size(series_page_size)
                    .request_log_capacity(0)
                    .start(),
            );
            let emulator = emulator.expect("emulator");
            let cpu_before = process_cpu();
            let started = Instant::now();
            let served = runtime.block_on(export(&client, &emulator, run == 0));
            let wall = started.elapsed();
            let used = process_cpu().saturating_sub(cpu_before);
            drop(emulator);
            if run == 0 {
                counts = served;
                continue;
            }
            cpu += used;
            totals.push(wall);
            for ((_, times), (_, wall, _, _)) in walls.iter_mut().zip(&served) {
                times.push(*wall);
            }
        }
        let cpu = cpu / runs as u32;
        println!(
            "\n{label} pages ({page_size} documents / {series_page_size} samples), load: {}",
            load()
        );
        println!(
            "{:>26} {:>8} {:>6} {:>9} {:>11} {:>11} {:>9}",
            "collection", "docs", "pages", "MB", "min ms", "median ms", "min us/d"
        );
        let docs: usize = counts.iter().map(|c| c.2).sum();
        for ((collection, times), (_, _, count, (pages, bytes))) in walls.iter_mut().zip(&counts) {
            times.sort();
            println!(
                "{:>26} {:>8} {:>6} {:>9.2} {:>11.2} {:>11.2} {:>9.2}",
                collection.path(),
                count,
                pages,
                *bytes as f64 / 1e6,
                ms(times[0]),
                ms(times[times.len() / 2]),
                ms(times[0]) * 1000.0 / (*count).max(1) as f64,
            );
        }
        totals.sort();
        let bytes: usize = counts.iter().map(|c| c.3.1).sum();
        println!(
            "{:>26} {:>8} {:>6} {:>9.2} {:>11.2} {:>11.2} {:>9.2}",
            "all (wall)",
            docs,
            counts.iter().map(|c| c.3.0).sum::<usize>(),
            bytes as f64 / 1e6,
            ms(totals[0]),
            ms(totals[totals.len() / 2]),
            ms(totals[0]) * 1000.0 / docs.max(1) as f64,
        );
        println!(
            "{:>26} {:>8} {:>6} {:>9} {:>11.2} {:>11} {:>9.2}",
            "all (process CPU, mean)",
            docs,
            "",
            "",
            ms(cpu),
            "",
            ms(cpu) * 1000.0 / docs.max(1) as f64,
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Per collection: wall time, documents (samples), and (pages, bytes).
type Served = Vec<(Collection, Duration, usize, (usize, usize))>;

/// Every page of every collection over the year, one request at a time; the documents are
/// counted only when `count` (the warm-up run), so the timed runs measure the server, not this
/// client.
async fn export(client: &reqwest::Client, emulator: &Emulator, count: bool) -> Served {
    let token = emulator.token(0);
    let mut served = Vec::new();
    for collection in Collection::ALL {
        let started = Instant::now();
        let (mut docs, mut pages, mut bytes) = (0, 0, 0);
        for window in windows(collection) {
            let mut next: Option<String> = None;
            loop {
                let mut url = format!(
                    "{}/v2/usercollection/{}?{window}",
                    emulator.base_url(),
                    collection.path()
                );
                if let Some(token) = &next {
                    url.push_str("&next_token=");
                    url.push_str(token);
                }
                let body = client
                    .get(&url)
                    .bearer_auth(&token)
                    .send()
                    .await
                    .and_then(reqwest::Response::error_for_status)
                    .expect("a page")
                    .bytes()
                    .await
                    .expect("a body");
                pages += 1;
                bytes += body.len();
                if count {
                    docs += documents(&body);
                }
                next = next_token(&body);
                if next.is_none() {
                    break;
                }
            }
        }
        served.push((collection, started.elapsed(), docs, (pages, bytes)));
    }
    served
}

/// The documents of a page, counted without decoding it: the objects at depth 3 (the page,
/// `data`, a document).
fn documents(body: &[u8]) -> usize {
    let (mut depth, mut in_string, mut escaped, mut count) = (0usize, false, false, 0);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if b == b'{' && depth == 3 {
                    count += 1;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    count
}

/// A page's `next_token`, which the emulator writes last.
fn next_token(body: &[u8]) -> Option<String> {
    let tail = String::from_utf8_lossy(&body[body.len().saturating_sub(400)..]);
    tail.rsplit_once("\"next_token\":\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(token, _)| token.to_owned())
}

fn windows(collection: Collection) -> Vec<String> {
    match collection.spec().range {
        RangeKind::Whole => vec![String::new()],
        RangeKind::Days => vec![format!("start_date={SINCE}&end_date={TODAY}")],
        RangeKind::Series => {
            let end = TODAY.succ_opt().expect("date");
            let mut windows = Vec::new();
            let mut from = SINCE;
            while from < end {
                let to = from.checked_add_days(Days::new(30)).expect("date").min(end);
                windows.push(format!(
                    "start_datetime={from}T00:00:00%2B00:00&end_datetime={to}T00:00:00%2B00:00"
                ));
                from = to;
            }
            windows
        }
    }
}

/// CPU time (user and system) of this process so far (Linux; zero elsewhere).
fn process_cpu() -> Duration {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 after the name.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    // The kernel's USER_HZ is 100 on every Linux this runs on.
    Duration::from_millis(ticks * 10)
}

/// The load average over the last minute (Linux), to print beside the figures.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".to_owned())
}
