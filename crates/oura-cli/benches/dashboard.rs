//! Dashboard benchmark: five years of daily data (an emulator export of the four collections the
//! charts read, history ending 2025-06-30) drawn by the release `oura dashboard`. Prints the wall
//! time per run, the page's size, and the binary's peak resident memory.
//!
//! ```text
//! cargo bench -p oura-ring-cli --bench dashboard
//! OURA_BENCH_DAYS=3650 OURA_BENCH_RUNS=5 cargo bench -p oura-ring-cli --bench dashboard
//! ```
//!
//! Not a pass/fail test: it reports numbers.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use oura_emulator::Emulator;

fn main() {
    let days: u32 = std::env::var("OURA_BENCH_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1826);
    let runs: usize = std::env::var("OURA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let emulator = runtime
        .block_on(Emulator::builder().users(1).history_days(days).today(today).start())
        .expect("emulator");
    let data = tempfile::tempdir().expect("tempdir");
    let config = tempfile::tempdir().expect("tempdir");
    let status = Command::new(env!("CARGO_BIN_EXE_oura"))
        .args(["--quiet", "--base-url", &emulator.base_url(), "export", "--collections"])
        .arg("daily_sleep,daily_readiness,daily_activity,sleep")
        .arg("--out")
        .arg(data.path())
        .env("OURA_TOKEN", emulator.token(0))
        .env("OURA_CONFIG_DIR", config.path())
        .status()
        .expect("export");
    assert!(status.success(), "the export failed");
    let input: u64 = std::fs::read_dir(data.path())
        .expect("dir")
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "dashboard of {days} days ({:.1} MB of NDJSON), {runs} runs",
        input as f64 / 1e6
    );
    println!("{:>8} {:>10} {:>10}", "run", "wall ms", "peak MiB");
    let page = data.path().join("dashboard.html");
    let mut walls = Vec::new();
    for run in 1..=runs {
        let mut child = Command::new(env!("CARGO_BIN_EXE_oura"))
            .args(["--quiet", "dashboard", "--from"])
            .arg(data.path())
            .arg("--out")
            .arg(&page)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn oura");
        let started = Instant::now();
        let (status, peak_kib) = common::wait_with_peak(&mut child, Duration::from_millis(1));
        let wall = started.elapsed();
        assert!(status.success(), "the dashboard failed");
        walls.push(wall);
        println!(
            "{run:>8} {:>10.1} {:>10.1}",
            wall.as_secs_f64() * 1000.0,
            peak_kib as f64 / 1024.0
        );
    }
    walls.sort();
    let size = std::fs::metadata(&page).map(|m| m.len()).unwrap_or(0);
    println!(
        "median {:.1} ms; page {:.2} MB",
        walls[walls.len() / 2].as_secs_f64() * 1000.0,
        size as f64 / 1e6
    );
}
