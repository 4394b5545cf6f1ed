//! Export benchmark: one year of every collection from the emulator with 25 ms of latency per
//! request, through the release `oura` binary (the `oura-sync` pipeline), with the emulator's
//! today and the export's end pinned to 2025-06-30.
//!
//! For each page-size setting (the emulator's default, 50 documents / 1000 samples per page,
//! and Oura's realistic 2500 documents / 10000 samples) and each concurrency (4, 8, 16), prints
//! the wall time, the requests, the longest chain of pages that must follow each other, the
//! bound `max(longest chain, ceil(requests / concurrency)) x 25 ms` (or the rate limit's, if
//! larger), the ratio of the wall time to it, the binary's peak resident memory, its CPU time
//! per document, that CPU time over the time this process takes to decode the same
//! documents' bytes into the typed models, and the CPU time this process spent meanwhile (the
//! emulator's, building the answers, and this harness's polling): the two cores are shared, so
//! the emulator's work delays the client's.
//!
//! The CPU time is the whole process's, user and system, from its start to its exit, to the
//! microsecond (`getrusage`): start-up (runtime, TLS roots), HTTP, reading the pages, keying
//! and writing the files (with their `fsync`s) and the state file. The typed baseline is one
//! thread decoding the exported NDJSON lines (the same documents' bytes), the fastest of three
//! passes. The emulator runs in this process, on the same two cores as the binary.
//!
//! Each setting ends with a summary line: the median ratio, and the client's CPU per document
//! (the least and the median of the runs) over the fastest typed decoding of any of its runs.
//!
//! ```text
//! cargo bench -p oura-ring-cli --bench export
//! OURA_BENCH_CONCURRENCY=8 OURA_BENCH_RUNS=5 OURA_BENCH_PAGES=realistic cargo bench -p oura-ring-cli --bench export
//! ```
//!
//! With `OURA_BENCH_BIN=path`, the runs use that `oura` binary instead of this build's: another
//! build measured by the same harness, side by side (alternate the two invocations).
//!
//! With `OURA_BENCH_TRACE=1`, each run also prints the binary's request log (`-v`: each
//! request's end and duration, timestamped), after the time the binary was started: where the
//! wall time goes.
//!
//! Not a pass/fail test: it reports numbers.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use oura::Document;
use oura_emulator::Emulator;

const LATENCY: Duration = Duration::from_millis(25);
const LIMIT: u64 = 5000;
const WINDOW: Duration = Duration::from_secs(300);
const TODAY: &str = "2025-06-30";

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let concurrencies: Vec<u16> = std::env::var("OURA_BENCH_CONCURRENCY")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![4, 8, 16]);
    let runs: usize = std::env::var("OURA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let pages: Vec<(&str, usize, usize)> = match std::env::var("OURA_BENCH_PAGES").as_deref() {
        Ok("default") => vec![("default", 50, 1000)],
        Ok("realistic") => vec![("realistic", 2500, 10_000)],
        _ => vec![("default", 50, 1000), ("realistic", 2500, 10_000)],
    };
    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date");
    let since = (today - chrono::Duration::days(364)).to_string();
    println!(
        "export of one year ({since} to {today}) of every collection, latency 25 ms, rate limit {LIMIT}/{} s",
        WINDOW.as_secs()
    );
    println!(
        "{:>9} {:>11} {:>8} {:>8} {:>8} {:>8} {:>6} {:>8} {:>7} {:>8} {:>8} {:>9}",
        "pages",
        "concurrency",
        "wall s",
        "requests",
        "longest",
        "bound s",
        "ratio",
        "peak MiB",
        "docs",
        "CPU us/d",
        "vs typed",
        "server ms"
    );
    for &(label, page_size, series_page_size) in &pages {
        for &concurrency in &concurrencies {
            let mut summary = Summary::default();
            for _ in 0..runs {
                // A fresh emulator per run: its rate-limit window starts empty, like a first export.
                let emulator = runtime.block_on(async {
                    Emulator::builder()
                        .users(1)
                        .history_days(400)
                        .today(today)
                        .page_size(page_size)
                        .time_series_page_size(series_page_size)
                        .latency(LATENCY)
                        .start()
                        .await
                        .expect("emulator")
                });
                let out = tempfile::tempdir().expect("tempdir");
                let config = tempfile::tempdir().expect("tempdir");
                let trace = std::env::var_os("OURA_BENCH_TRACE").is_some();
                let binary = std::env::var_os("OURA_BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_oura").into());
                let mut cmd = Command::new(binary);
                if trace {
                    cmd.arg("-v");
                }
                cmd.args([
                    "--base-url",
                    &emulator.base_url(),
                    "export",
                    "--since",
                    &since,
                    "--until",
                    TODAY,
                ])
                .args(["--concurrency", &concurrency.to_string(), "--out"])
                .arg(out.path())
                .env("OURA_TOKEN", emulator.token(0))
                .env("OURA_CONFIG_DIR", config.path())
                .env_remove("OURA_BASE_URL")
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
                let cpu_before = children_cpu();
                let server_before = own_cpu();
                let started_at = chrono::Utc::now();
                let started = Instant::now();
                let mut child = cmd.spawn().expect("spawn oura");
                let (status, peak_kib) = common::wait_with_peak(&mut child, Duration::from_millis(2));
                let wall = started.elapsed();
                let cpu = children_cpu().saturating_sub(cpu_before);
                let server = own_cpu().saturating_sub(server_before);
                let stderr = child
                    .stderr
                    .take()
                    .map(std::io::read_to_string)
                    .and_then(Result::ok)
                    .unwrap_or_default();
                assert!(status.success(), "export failed: {stderr}");
                if trace {
                    println!(
                        "started {started_at:?}, ended after {:.3} s\n{stderr}",
                        wall.as_secs_f64()
                    );
                }

                let requests: Vec<_> = emulator
                    .requests()
                    .into_iter()
                    .filter(|r| r.path.starts_with("/v2/"))
                    .collect();
                assert!(
                    requests.iter().all(|r| r.status == Some(200)),
                    "every request answered 200"
                );
                // The longest chain of requests that must follow each other: the pages of one
                // window (a day collection's whole range, or one 30-day window of a time
                // series). Pages after the first carry only next_token: they are counted into
                // their collection's chain by path (an upper estimate for the time series).
                let mut chains: HashMap<(String, String), u64> = HashMap::new();
                for request in &requests {
                    let window = request
                        .query_param("start_date")
                        .or_else(|| request.query_param("start_datetime"))
                        .unwrap_or_default();
                    *chains.entry((request.path.clone(), window)).or_default() += 1;
                }
                let longest = chains.values().copied().max().unwrap_or(0);
                let count = requests.len() as u64;
                let by_latency = LATENCY.as_secs_f64() * (count.div_ceil(u64::from(concurrency)).max(longest)) as f64;
                let by_limit = if count > LIMIT {
                    WINDOW.as_secs_f64() * ((count - LIMIT) as f64 / LIMIT as f64).ceil()
                } else {
                    0.0
                };
                let bound = by_latency.max(by_limit);
                let (docs, typed) = decode_typed(out.path());
                let per_doc = cpu.as_secs_f64() * 1e6 / docs.max(1) as f64;
                println!(
                    "{:>9} {:>11} {:>8.3} {:>8} {:>8} {:>8.3} {:>6.2} {:>8.1} {:>7} {:>8.2} {:>7.1}x {:>9}",
                    label,
                    concurrency,
                    wall.as_secs_f64(),
                    count,
                    longest,
                    bound,
                    wall.as_secs_f64() / bound,
                    peak_kib as f64 / 1024.0,
                    docs,
                    per_doc,
                    cpu.as_secs_f64() / typed.as_secs_f64().max(1e-9),
                    server.as_millis(),
                );
                summary.ratios.push(wall.as_secs_f64() / bound);
                summary.cpu_per_doc.push(per_doc);
                summary
                    .typed_per_doc
                    .push(typed.as_secs_f64() * 1e6 / docs.max(1) as f64);
                drop(emulator);
            }
            summary.print(label, concurrency);
        }
    }
}

/// The runs of one setting, summed up: a single run's CPU and typed baseline each move by
/// ±30% on a shared VM, so the client's CPU is compared with the fastest typed decoding seen in
/// any run (the floor), as its least and its median.
#[derive(Default)]
struct Summary {
    ratios: Vec<f64>,
    cpu_per_doc: Vec<f64>,
    typed_per_doc: Vec<f64>,
}

impl Summary {
    fn print(mut self, label: &str, concurrency: u16) {
        for values in [&mut self.ratios, &mut self.cpu_per_doc, &mut self.typed_per_doc] {
            values.sort_by(f64::total_cmp);
        }
        let median = |values: &[f64]| values.get(values.len() / 2).copied().unwrap_or(f64::NAN);
        let least = |values: &[f64]| values.first().copied().unwrap_or(f64::NAN);
        let typed = least(&self.typed_per_doc);
        println!(
            "{label} pages, concurrency {concurrency}, {} runs: ratio median {:.2} ({:.2} to {:.2}); \
             CPU {:.2} us a document least, {:.2} median; typed decoding {typed:.2} us (fastest of all runs): \
             {:.1}x least, {:.1}x median",
            self.ratios.len(),
            median(&self.ratios),
            least(&self.ratios),
            self.ratios.last().copied().unwrap_or(f64::NAN),
            least(&self.cpu_per_doc),
            median(&self.cpu_per_doc),
            least(&self.cpu_per_doc) / typed,
            median(&self.cpu_per_doc) / typed,
        );
    }
}

/// CPU time (user and system) of this process's children that have been waited for.
fn children_cpu() -> Duration {
    cpu(nix::sys::resource::UsageWho::RUSAGE_CHILDREN)
}

/// CPU time (user and system) of this process, all its threads.
fn own_cpu() -> Duration {
    cpu(nix::sys::resource::UsageWho::RUSAGE_SELF)
}

/// CPU time (user and system) of `who`, to the microsecond (`getrusage`): `/proc`'s tick
/// counts move in steps of 10 ms, a tenth of an export's CPU.
fn cpu(who: nix::sys::resource::UsageWho) -> Duration {
    let usage = nix::sys::resource::getrusage(who).expect("getrusage");
    [usage.user_time(), usage.system_time()]
        .into_iter()
        .map(|t| Duration::from_secs(t.tv_sec().unsigned_abs()) + Duration::from_micros(t.tv_usec().unsigned_abs()))
        .sum()
}

/// Decodes every exported document into its typed model, timed; returns the documents and the
/// time. The baseline for the client's CPU per document: the least a client that decodes
/// pages must spend. Each collection is decoded [`TYPED_REPEATS`] times and its fastest time
/// kept, so that the baseline is not inflated by the machine's load (which would flatter the
/// ratio).
fn decode_typed(dir: &Path) -> (usize, Duration) {
    const TYPED_REPEATS: usize = 3;
    macro_rules! decode {
        ($($ty:ty),* $(,)?) => {{
            let mut docs = 0;
            let mut spent = Duration::ZERO;
            $(
                let text = std::fs::read_to_string(dir.join(format!("{}.ndjson", <$ty as Document>::ROUTE))).unwrap_or_default();
                let mut fastest = Duration::MAX;
                for _ in 0..TYPED_REPEATS {
                    let started = Instant::now();
                    for line in text.lines() {
                        let doc: $ty = serde_json::from_str(line).expect("a typed document");
                        std::hint::black_box(doc);
                    }
                    fastest = fastest.min(started.elapsed());
                }
                docs += text.lines().count();
                spent += fastest;
            )*
            (docs, spent)
        }};
    }
    use oura::models::*;
    decode!(
        DailyActivity,
        DailyCardiovascularAge,
        DailyReadiness,
        DailyResilience,
        DailySleep,
        DailySpO2,
        DailyStress,
        EnhancedTag,
        HeartRate,
        RestModePeriod,
        RingBatteryLevel,
        RingConfiguration,
        Session,
        Sleep,
        SleepTime,
        Tag,
        VO2Max,
        Workout,
    )
}
