//! Sync of many emulator users into SQLite and PostgreSQL: wall time against the bound the rate
//! limit and the page chains impose, rows per second, peak memory of the process and of the
//! database.
//!
//! `cargo bench -p oura-sync --features sqlite,postgres --bench database`
//!
//! Settings (environment): `OURA_BENCH_USERS` (default 100), `OURA_BENCH_DAYS` (365),
//! `OURA_BENCH_LATENCY_MS` (25), `OURA_BENCH_PARALLEL` (users synced at once, default all),
//! `OURA_BENCH_PAGES` (`default`: the emulator's 50 documents / 1000 samples per page;
//! `realistic`: 2500 / 10000), `OURA_BENCH_SINKS` (`sqlite,postgres`), `OURA_BENCH_DIR`
//! (where the SQLite file goes; a temporary directory by default). PostgreSQL needs
//! `OURA_TEST_POSTGRES_URL` (run it under `.ci/postgres.sh`); without it only SQLite runs.
//!
//! The emulator applies Oura's rate limit (5000 requests per 5 minutes, per application and
//! per token); every user's client spends one shared `oura::RateLimiter` with that budget, as
//! one application does, and all users write through one `DatabaseSink` (one pool).
//!
//! `OURA_BENCH_MODE=sink` measures the sink alone: `OURA_BENCH_USERS` users' year of heart
//! rate samples and daily documents, upserted in batches of a page, without the emulator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use futures::StreamExt as _;
use oura_emulator::Emulator;
use oura_sync::sink::DatabaseSink;

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// Peak resident memory of this process (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    kib_of(
        &std::fs::read_to_string("/proc/self/status").unwrap_or_default(),
        "VmHWM:",
    ) / 1024.0
}

fn kib_of(status: &str, field: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Resident memory of the PostgreSQL server (the postmaster of `data_dir` and its children), MiB.
fn postgres_rss_mib(data_dir: &str) -> f64 {
    let Some(master) = std::fs::read_to_string(format!("{data_dir}/postmaster.pid"))
        .ok()
        .and_then(|t| t.lines().next()?.trim().parse::<u32>().ok())
    else {
        return 0.0;
    };
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let ppid = stat
            .rsplit(") ")
            .next()
            .and_then(|rest| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if pid == master || ppid == Some(master) {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            // Shared buffers count once per process in RSS; RssAnon is each one's own memory.
            total += kib_of(&status, "RssAnon:")
                + if pid == master {
                    kib_of(&status, "RssShmem:")
                } else {
                    0.0
                };
        }
    }
    total / 1024.0
}

struct Outcome {
    wall: Duration,
    requests: u64,
    /// The most requests one user's sync sent.
    most_requests: u64,
    rows: u64,
    failures: usize,
    db_peak_mib: f64,
    waited: Duration,
}

/// The sink of `url`; PostgreSQL with a pool for many users at once.
async fn sink_of(url: &str, connections: u32) -> DatabaseSink {
    if url.starts_with("postgres") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(connections)
            .acquire_timeout(oura::database::ACQUIRE_TIMEOUT)
            .connect(url)
            .await
            .expect("postgres");
        DatabaseSink::Postgres(oura_sync::sink::PostgresSink::with_pool(pool).await.expect("open"))
    } else {
        DatabaseSink::connect(url).await.expect("open the database")
    }
}

/// Samples the PostgreSQL server's memory (if `url` names one) until the returned task ends.
fn sample_server(url: &str) -> (Arc<std::sync::Mutex<f64>>, Option<tokio::task::JoinHandle<()>>) {
    let pg_dir = url
        .split("host=")
        .nth(1)
        .map(|rest| format!("{}/data", rest.split('&').next().unwrap_or_default()));
    let db_peak = Arc::new(std::sync::Mutex::new(0.0_f64));
    let sampling = pg_dir.clone().map(|dir| {
        let db_peak = Arc::clone(&db_peak);
        tokio::spawn(async move {
            loop {
                let rss = postgres_rss_mib(&dir);
                {
                    let mut peak = db_peak.lock().expect("lock");
                    *peak = peak.max(rss);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    });
    (db_peak, sampling)
}

#[allow(clippy::too_many_arguments, reason = "the bench's settings")]
async fn bench(
    kind: &str,
    url: &str,
    users: usize,
    days: u32,
    latency: Duration,
    parallel: usize,
    pages: (usize, usize),
) -> Outcome {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let now = DateTime::parse_from_rfc3339("2025-06-30T23:59:59+00:00").expect("now");
    let emulator = Emulator::builder()
        .users(users)
        .history_days(days)
        .today(today)
        .latency(latency)
        .page_size(pages.0)
        .time_series_page_size(pages.1)
        .start()
        .await
        .expect("emulator");
    // One sink (one pool) for every user: migrations and tables once.
    let sink = sink_of(url, 16).await;
    // One application: one budget for every user's client.
    let limiter = oura_sync::fetch::rate_limiter();
    let (db_peak, sampling) = sample_server(url);

    let started = Instant::now();
    let results: Vec<(u64, u64, usize)> = futures::stream::iter(0..users)
        .map(|user| {
            let emulator = &emulator;
            let limiter = limiter.clone();
            let mut sink = sink.clone();
            async move {
                let client = oura::Client::builder()
                    .base_url(emulator.base_url())
                    .token(emulator.mint_token(user).expect("token"))
                    .application("oura-bench/0")
                    .rate_limiter(limiter)
                    .build()
                    .expect("client");
                let mut options = oura_sync::Options::new(today, now);
                options.user = format!("user-{user}");
                options.concurrency = 4;
                let report = oura_sync::run(
                    &client,
                    &mut sink,
                    &options,
                    Arc::new(oura_sync::progress::Silent),
                    std::future::pending(),
                )
                .await
                .expect("sync");
                let rows = report.collections.iter().map(|c| c.upserted.added).sum();
                let failures = report.collections.iter().filter(|c| c.failure.is_some()).count();
                (report.requests, rows, failures)
            }
        })
        .buffer_unordered(parallel)
        .collect()
        .await;
    let wall = started.elapsed();
    if let Some(task) = sampling {
        task.abort();
    }
    let db_peak_mib = *db_peak.lock().expect("lock");
    emulator.shutdown().await;
    eprintln!("{kind}: done");
    Outcome {
        wall,
        requests: results.iter().map(|r| r.0).sum(),
        most_requests: results.iter().map(|r| r.0).max().unwrap_or_default(),
        rows: results.iter().map(|r| r.1).sum(),
        failures: results.iter().map(|r| r.2).sum(),
        db_peak_mib,
        waited: limiter.waited(),
    }
}

/// CPU time this process has used (user and system), from `/proc/self/stat`.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let ticks: u64 = stat
        .rsplit(") ")
        .next()
        .map(|rest| {
            rest.split_whitespace()
                .skip(11)
                .take(2)
                .filter_map(|t| t.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or_default();
    // Linux reports in USER_HZ, 100 per second.
    Duration::from_millis(ticks * 10)
}

/// One pass of the sink alone: its wall time and this process's CPU time.
struct Pass {
    wall: Duration,
    cpu: Duration,
}

/// The sink alone: each user's year of heart rate samples (one every 5 minutes) and daily
/// documents, made before the clock starts, upserted in batches of a page, users one after
/// the other; then the same again (every row unchanged). Returns the rows and both passes.
async fn bench_sink(url: &str, users: usize, days: u32, page: usize) -> (u64, Vec<Pass>) {
    use oura_sync::sink::{Batch, Doc, Mark, Sink as _};
    let heartrate = oura_sync::find("heartrate").expect("heartrate");
    let daily = oura_sync::find("daily_activity").expect("daily_activity");
    let first = DateTime::parse_from_rfc3339("2024-07-01T00:00:00+00:00").expect("start");
    let mut batches = Vec::new();
    for user in 0..users {
        let samples: Vec<Doc> = (0..days as i64 * 288)
            .map(|i| {
                let at = (first + chrono::Duration::minutes(5 * i)).to_rfc3339();
                Doc::of(
                    heartrate,
                    &serde_json::json!({"bpm": 50 + (i * 7 + user as i64) % 60, "source": "awake", "timestamp": at}),
                )
            })
            .collect();
        let days_docs: Vec<Doc> = (0..days as i64)
            .map(|d| {
                let day = (first + chrono::Duration::days(d)).date_naive().to_string();
                Doc::of(
                    daily,
                    &serde_json::json!({"id": format!("{user}-{d}"), "day": day, "score": 60 + d % 40, "steps": 8000 + d, "class_5_min": "0".repeat(288)}),
                )
            })
            .collect();
        for (collection, docs) in [(heartrate, samples), (daily, days_docs)] {
            for chunk in docs.chunks(page) {
                batches.push(Batch {
                    user: format!("user-{user}"),
                    collection,
                    docs: chunk.to_vec(),
                    mark: Mark {
                        last: chunk.last().and_then(|d| d.position().map(str::to_owned)),
                        through: None,
                    },
                });
            }
        }
    }
    let mut sink = sink_of(url, 4).await;
    let mut passes = Vec::new();
    let mut rows = 0;
    for _ in 0..2 {
        let copies = batches.clone();
        let (started, cpu) = (Instant::now(), cpu_time());
        rows = 0;
        for batch in copies {
            let upserted = sink.upsert(batch).await.expect("upsert");
            rows += upserted.added + upserted.updated + upserted.unchanged;
        }
        passes.push(Pass {
            wall: started.elapsed(),
            cpu: cpu_time().saturating_sub(cpu),
        });
    }
    (rows, passes)
}

#[tokio::main]
async fn main() {
    let users: usize = env("OURA_BENCH_USERS", 100);
    let days: u32 = env("OURA_BENCH_DAYS", 365);
    let latency = Duration::from_millis(env("OURA_BENCH_LATENCY_MS", 25));
    let parallel: usize = env("OURA_BENCH_PARALLEL", users);
    let sinks: String = env("OURA_BENCH_SINKS", "sqlite,postgres".to_owned());
    let pages = match env("OURA_BENCH_PAGES", "default".to_owned()).as_str() {
        "realistic" => (2500, 10_000),
        _ => (50, 1000),
    };
    let mode: String = env("OURA_BENCH_MODE", "sync".to_owned());
    let dir = match std::env::var("OURA_BENCH_DIR") {
        Ok(parent) => tempfile::tempdir_in(parent),
        Err(_) => tempfile::tempdir(),
    }
    .expect("tempdir");
    if mode == "sink" {
        println!("sink alone: users={users} days={days} page={}", pages.1);
    } else {
        println!(
            "users={users} days={days} latency={latency:?} users_at_once={parallel} (4 requests in flight each) pages={}/{} documents/samples",
            pages.0, pages.1
        );
    }
    for kind in sinks.split(',') {
        let url = match kind {
            "sqlite" => format!("sqlite://{}", dir.path().join(format!("bench-{mode}.db")).display()),
            "postgres" => match std::env::var("OURA_TEST_POSTGRES_URL") {
                Ok(url) => url,
                Err(_) => {
                    println!("postgres: skipped (no OURA_TEST_POSTGRES_URL; run under .ci/postgres.sh)");
                    continue;
                }
            },
            other => panic!("unknown sink {other}"),
        };
        let size = |name: String| std::fs::metadata(dir.path().join(name)).map(|m| m.len()).unwrap_or(0);
        let file_mib =
            || (size(format!("bench-{mode}.db")) + size(format!("bench-{mode}.db-wal"))) as f64 / 1_048_576.0;
        if mode == "sink" {
            let (db_peak, sampling) = sample_server(&url);
            let (rows, passes) = bench_sink(&url, users, days, pages.1).await;
            if let Some(task) = sampling {
                task.abort();
            }
            let db = if kind == "sqlite" {
                format!("file {:.1} MiB", file_mib())
            } else {
                format!("server peak RSS {:.1} MiB", *db_peak.lock().expect("lock"))
            };
            let [new, again] = [&passes[0], &passes[1]].map(|pass| {
                format!(
                    "{:.2} s ({:.0} rows/s; process CPU {:.2} s, {:.2} µs/row)",
                    pass.wall.as_secs_f64(),
                    rows as f64 / pass.wall.as_secs_f64(),
                    pass.cpu.as_secs_f64(),
                    pass.cpu.as_secs_f64() * 1e6 / rows as f64
                )
            });
            println!(
                "{kind}: {rows} rows; new {new}; again, unchanged {again}; process peak RSS {:.1} MiB; database {db}",
                peak_rss_mib(),
            );
            continue;
        }
        let outcome = bench(kind, &url, users, days, latency, parallel, pages).await;
        // The bounds: the rate limit lets 5000 requests through per 300 s window (the first
        // window is free), and the longest user's page chains need at least its requests x
        // latency / 4 (4 requests in flight per user).
        let windows = outcome.requests.saturating_sub(1) / 5000;
        let rate_bound = Duration::from_secs(300 * windows);
        let chain_bound = latency * (outcome.most_requests / 4).max(1) as u32;
        let bound = rate_bound.max(chain_bound);
        let db_size = if kind == "sqlite" {
            format!("file {:.1} MiB", file_mib())
        } else {
            format!("server peak RSS {:.1} MiB", outcome.db_peak_mib)
        };
        println!(
            "{kind}: wall {:.1} s (bound {:.1} s: rate limit {:.0} s, page chains {:.1} s; {:.2}x); {} requests (most of one user {}); waited for the budget {:.1} s; {} rows ({:.0} rows/s); {} failed collections; process peak RSS {:.1} MiB; database {db_size}",
            outcome.wall.as_secs_f64(),
            bound.as_secs_f64(),
            rate_bound.as_secs_f64(),
            chain_bound.as_secs_f64(),
            outcome.wall.as_secs_f64() / bound.as_secs_f64(),
            outcome.requests,
            outcome.most_requests,
            outcome.waited.as_secs_f64(),
            outcome.rows,
            outcome.rows as f64 / outcome.wall.as_secs_f64(),
            outcome.failures,
            peak_rss_mib(),
        );
    }
}
