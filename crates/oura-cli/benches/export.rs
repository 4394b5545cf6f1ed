//! Export benchmark: one year of every collection from the emulator with 25 ms of latency per
//! request and Oura's default rate limit (5000 requests per 300 s), through the release `oura`
//! binary. Prints, per concurrency, the wall time, the requests, the lower bound that latency
//! and the rate limit impose for that many requests, and the binary's peak resident memory.
//!
//! ```text
//! cargo bench -p oura-ring-cli --bench export            # concurrency 4, 8 (default), 16
//! OURA_BENCH_CONCURRENCY=8 OURA_BENCH_RUNS=5 cargo bench -p oura-ring-cli --bench export
//! ```
//!
//! Not a pass/fail test: it reports numbers.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oura_emulator::Emulator;

const LATENCY: Duration = Duration::from_millis(25);
const LIMIT: u64 = 5000;
const WINDOW: Duration = Duration::from_secs(300);

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
    let today = chrono::Local::now().date_naive();
    let since = (today - chrono::Duration::days(364)).to_string();
    println!(
        "export of one year ({since} to {today}) of every collection, latency 25 ms, rate limit {LIMIT}/{} s",
        WINDOW.as_secs()
    );
    println!(
        "{:>11} {:>9} {:>8} {:>8} {:>11} {:>7} {:>9} {:>9}",
        "concurrency", "wall s", "requests", "longest", "bound s", "ratio", "peak MiB", "docs"
    );
    for &concurrency in &concurrencies {
        for _ in 0..runs {
            // A fresh emulator per run: its rate-limit window starts empty, like a first export.
            let emulator = runtime.block_on(async {
                Emulator::builder()
                    .users(1)
                    .history_days(400)
                    .today(today)
                    .latency(LATENCY)
                    .start()
                    .await
                    .expect("emulator")
            });
            let out = tempfile::tempdir().expect("tempdir");
            let config = tempfile::tempdir().expect("tempdir");
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura"));
            cmd.args(["--base-url", &emulator.base_url(), "export", "--since", &since])
                .args(["--concurrency", &concurrency.to_string(), "--out"])
                .arg(out.path())
                .env("OURA_TOKEN", emulator.token(0))
                .env("OURA_CONFIG_DIR", config.path())
                .env_remove("OURA_BASE_URL")
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            let started = Instant::now();
            let mut child = cmd.spawn().expect("spawn oura");
            let pid = child.id();
            let mut peak_kib = 0;
            let status = loop {
                if let Some(kib) = vm_hwm_kib(pid) {
                    peak_kib = peak_kib.max(kib);
                }
                if let Some(status) = child.try_wait().expect("wait") {
                    break status;
                }
                std::thread::sleep(Duration::from_millis(2));
            };
            let wall = started.elapsed();
            let stderr = child
                .stderr
                .take()
                .map(std::io::read_to_string)
                .and_then(Result::ok)
                .unwrap_or_default();
            assert!(status.success(), "export failed: {stderr}");

            let requests: Vec<_> = emulator
                .requests()
                .into_iter()
                .filter(|r| r.path.starts_with("/v2/"))
                .collect();
            assert!(
                requests.iter().all(|r| r.status == Some(200)),
                "every request answered 200"
            );
            // The longest chain of requests that must follow each other: the pages of one window
            // (a day collection's whole range, or one 30-day window of a time series).
            let mut chains: HashMap<(String, String), u64> = HashMap::new();
            for request in &requests {
                let window = request
                    .query_param("start_date")
                    .or_else(|| request.query_param("start_datetime"))
                    .unwrap_or_default();
                *chains.entry((request.path.clone(), window)).or_default() += 1;
            }
            // Pages after the first carry only next_token: count them into their collection's
            // chain by path (an upper estimate of the longest chain for the time series).
            let longest = chains.values().copied().max().unwrap_or(0);
            let count = requests.len() as u64;
            let by_latency = LATENCY.as_secs_f64() * (count.div_ceil(u64::from(concurrency)).max(longest)) as f64;
            let by_limit = if count > LIMIT {
                WINDOW.as_secs_f64() * ((count - LIMIT) as f64 / LIMIT as f64).ceil()
            } else {
                0.0
            };
            let bound = by_latency.max(by_limit);
            println!(
                "{:>11} {:>9.3} {:>8} {:>8} {:>11.3} {:>7.2} {:>9.1} {:>9}",
                concurrency,
                wall.as_secs_f64(),
                count,
                longest,
                bound,
                wall.as_secs_f64() / bound,
                peak_kib as f64 / 1024.0,
                documents(out.path()),
            );
            drop(emulator);
        }
    }
}

/// The peak resident set of a process so far (Linux), in KiB.
fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Lines in every export file.
fn documents(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "ndjson"))
                .map(|e| std::fs::read_to_string(e.path()).map_or(0, |t| t.lines().count()))
                .sum()
        })
        .unwrap_or(0)
}
