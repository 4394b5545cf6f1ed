//! `oura sync --all-users` benchmark: N users of a SQLite token store synced at once into
//! SQLite by the release `oura` binary, against the emulator (today pinned to 2025-06-30) with
//! 25 ms of latency per request and Oura's rate limit per application and per token.
//!
//! For each number of users (default 100 and 1000) prints the wall time, the requests, the
//! bound `max(ceil(requests / concurrency) x 25 ms, the rate limit's)`, the ratio of the wall
//! time to it, users per second, the binary's peak resident memory, and the database's size.
//! The point is the memory: users are synced at most `--concurrency` at a time, so the peak
//! should not grow with the number of users.
//!
//! ```text
//! cargo bench -p oura-ring-cli --bench sync_users
//! OURA_BENCH_USERS=100,1000 OURA_BENCH_RUNS=3 OURA_BENCH_COLLECTIONS=daily_sleep cargo bench -p oura-ring-cli --bench sync_users
//! ```
//!
//! Not a pass/fail test: it reports numbers.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use oura::oauth::{KeyedTokenStore as _, SqliteTokenStore, TokenSet};
use oura_emulator::Emulator;

const LATENCY: Duration = Duration::from_millis(25);
const LIMIT: u64 = 5000;
const WINDOW: Duration = Duration::from_secs(300);
const TODAY: &str = "2025-06-30";
const CONCURRENCY: u64 = 8;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let counts: Vec<usize> = std::env::var("OURA_BENCH_USERS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100, 1000]);
    let runs: usize = std::env::var("OURA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let collections = std::env::var("OURA_BENCH_COLLECTIONS").unwrap_or_else(|_| "daily_sleep".to_owned());
    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date");
    println!(
        "oura sync --all-users of {collections}, 30 days per user, latency 25 ms, rate limit {LIMIT}/{} s, concurrency {CONCURRENCY}",
        WINDOW.as_secs()
    );
    println!(
        "{:>6} {:>8} {:>8} {:>8} {:>6} {:>8} {:>9} {:>8}",
        "users", "wall s", "requests", "bound s", "ratio", "users/s", "peak MiB", "db MiB"
    );
    for &users in &counts {
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("oura.db").display());
            // A fresh emulator per run: its rate-limit windows start empty.
            let emulator = runtime.block_on(async {
                let emulator = Emulator::builder()
                    .users(users)
                    .history_days(30)
                    .today(today)
                    .latency(LATENCY)
                    .request_log_capacity(100_000)
                    .start()
                    .await
                    .expect("emulator");
                let store = SqliteTokenStore::connect(&url).await.expect("store");
                for user in 0..users {
                    let token = emulator.mint_token(user).expect("token");
                    store
                        .save_user(&format!("user{user:05}"), &TokenSet::new(token))
                        .await
                        .expect("save");
                }
                store.pool().close().await;
                emulator
            });
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_oura"));
            cmd.args([
                "--base-url",
                &emulator.base_url(),
                "sync",
                "--database",
                &url,
                "--all-users",
            ])
            .args(["--today", TODAY, "--collections", &collections])
            .args(["--concurrency", &CONCURRENCY.to_string()])
            .args(["--client-id", "emulator-client", "--client-secret", "emulator-secret"])
            .env("OURA_CONFIG_DIR", dir.path())
            .env_remove("OURA_BASE_URL")
            .stdout(Stdio::null())
            // A file, not a pipe: a line per user would fill a pipe nobody reads until the end.
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file"));
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
                std::thread::sleep(Duration::from_millis(5));
            };
            let wall = started.elapsed();
            let stderr = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
            assert!(status.success(), "sync failed: {stderr}");
            let requests = emulator.requests_seen();
            let refused = emulator.requests().iter().filter(|r| r.status == Some(429)).count();
            assert_eq!(refused, 0, "no 429 reaches the emulator");
            let by_latency = LATENCY.as_secs_f64() * requests.div_ceil(CONCURRENCY) as f64;
            let by_limit = if requests > LIMIT {
                WINDOW.as_secs_f64() * ((requests - LIMIT) as f64 / LIMIT as f64).ceil()
            } else {
                0.0
            };
            let bound = by_latency.max(by_limit);
            let db = std::fs::metadata(dir.path().join("oura.db")).map_or(0, |m| m.len())
                + std::fs::metadata(dir.path().join("oura.db-wal")).map_or(0, |m| m.len());
            println!(
                "{:>6} {:>8.2} {:>8} {:>8.2} {:>6.2} {:>8.1} {:>9.1} {:>8.1}",
                users,
                wall.as_secs_f64(),
                requests,
                bound,
                wall.as_secs_f64() / bound,
                users as f64 / wall.as_secs_f64(),
                peak_kib as f64 / 1024.0,
                db as f64 / (1024.0 * 1024.0),
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
