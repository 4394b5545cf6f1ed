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
//! Issue 14's benchmark (every collection, a year per user, Oura's page sizes), into SQLite and
//! into a PostgreSQL database:
//!
//! ```text
//! OURA_BENCH_COLLECTIONS=all OURA_BENCH_DAYS=365 OURA_BENCH_PAGES=realistic OURA_BENCH_USERS=100 \
//!   [OURA_BENCH_POSTGRES=postgres://USER@/DB?host=/socket/dir] cargo bench -p oura-ring-cli --bench sync_users
//! ```
//!
//! Not a pass/fail test: it reports numbers.

mod common;

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
    // `all`: every collection (the command's default).
    let collections = (collections != "all").then_some(collections);
    let days: u32 = std::env::var("OURA_BENCH_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    // The emulator's page sizes (documents, time series samples): its default, or Oura's own.
    let pages = match std::env::var("OURA_BENCH_PAGES").as_deref() {
        Ok("realistic") => (2500, 10_000),
        _ => (50, 1000),
    };
    let postgres = std::env::var("OURA_BENCH_POSTGRES").ok().filter(|url| !url.is_empty());
    let today = NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date");
    println!(
        "oura sync --all-users of {}, {days} days per user, pages {}/{}, latency 25 ms, rate limit {LIMIT}/{} s, concurrency {CONCURRENCY}, into {}",
        collections.as_deref().unwrap_or("every collection"),
        pages.0,
        pages.1,
        WINDOW.as_secs(),
        if postgres.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "{:>6} {:>8} {:>8} {:>8} {:>6} {:>8} {:>9} {:>8}",
        "users", "wall s", "requests", "bound s", "ratio", "users/s", "peak MiB", "db MiB"
    );
    for &users in &counts {
        for _ in 0..runs {
            let dir = tempfile::tempdir().expect("tempdir");
            let store_url = format!("sqlite://{}", dir.path().join("oura.db").display());
            let url = postgres.clone().unwrap_or_else(|| store_url.clone());
            if postgres.is_some() {
                runtime.block_on(drop_sync_tables(&url));
            }
            // A fresh emulator per run: its rate-limit windows start empty.
            let emulator = runtime.block_on(async {
                let emulator = Emulator::builder()
                    .users(users)
                    .history_days(days)
                    .page_size(pages.0)
                    .time_series_page_size(pages.1)
                    .today(today)
                    .latency(LATENCY)
                    .request_log_capacity(100_000)
                    .start()
                    .await
                    .expect("emulator");
                let store = SqliteTokenStore::connect(&store_url).await.expect("store");
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
                "--token-store",
                &store_url,
            ])
            .args(["--today", TODAY])
            .args(collections.iter().flat_map(|c| ["--collections", c.as_str()]))
            .args(["--concurrency", &CONCURRENCY.to_string()])
            .args(["--client-id", "emulator-client", "--client-secret", "emulator-secret"])
            .env("OURA_CONFIG_DIR", dir.path())
            .env_remove("OURA_BASE_URL")
            .stdout(Stdio::null())
            // A file, not a pipe: a line per user would fill a pipe nobody reads until the end.
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).expect("stderr file"));
            let started = Instant::now();
            let mut child = cmd.spawn().expect("spawn oura");
            let (status, peak_kib) = common::wait_with_peak(&mut child, Duration::from_millis(5));
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
            let db = match &postgres {
                Some(url) => runtime.block_on(postgres_size(url)),
                None => {
                    std::fs::metadata(dir.path().join("oura.db")).map_or(0, |m| m.len())
                        + std::fs::metadata(dir.path().join("oura.db-wal")).map_or(0, |m| m.len())
                }
            };
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

/// Empties the PostgreSQL database of a previous run (a database of its own for the bench):
/// its schema is made anew.
async fn drop_sync_tables(url: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
    for statement in ["DROP SCHEMA public CASCADE", "CREATE SCHEMA public"] {
        sqlx::query(statement).execute(&mut conn).await.expect(statement);
    }
}

/// The size of the PostgreSQL database, in bytes.
async fn postgres_size(url: &str) -> u64 {
    use sqlx::Connection as _;
    let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
    let (size,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
        .fetch_one(&mut conn)
        .await
        .expect("size");
    u64::try_from(size).unwrap_or_default()
}
