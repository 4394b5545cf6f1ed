//! Sync of many emulator users into SQLite and PostgreSQL: wall time against the bound the rate
//! limit and the page chains impose, rows per second, peak memory of the process and of the
//! database.
//!
//! `cargo bench -p oura-sync --features sqlite,postgres --bench database`
//!
//! Settings (environment): `OURA_BENCH_USERS` (default 100), `OURA_BENCH_DAYS` (365),
//! `OURA_BENCH_LATENCY_MS` (25), `OURA_BENCH_PARALLEL` (users synced at once, 4),
//! `OURA_BENCH_SINKS` (`sqlite,postgres`). PostgreSQL needs `OURA_TEST_POSTGRES_URL` (run it
//! under `.ci/postgres.sh`); without it only SQLite runs. The emulator applies Oura's rate
//! limit (5000 requests per 5 minutes, per application and per token).

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
    rows: u64,
    failures: usize,
    db_peak_mib: f64,
}

async fn bench(kind: &str, url: &str, users: usize, days: u32, latency: Duration, parallel: usize) -> Outcome {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let now = DateTime::parse_from_rfc3339("2025-06-30T23:59:59+00:00").expect("now");
    let emulator = Emulator::builder()
        .users(users)
        .history_days(days)
        .today(today)
        .latency(latency)
        .start()
        .await
        .expect("emulator");
    // Open once first: migrations and tables.
    drop(DatabaseSink::connect(url).await.expect("open the database"));
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

    let started = Instant::now();
    let results: Vec<(u64, u64, usize)> = futures::stream::iter(0..users)
        .map(|user| {
            let emulator = &emulator;
            async move {
                let client = oura::Client::builder()
                    .base_url(emulator.base_url())
                    .token(emulator.mint_token(user).expect("token"))
                    .application("oura-bench/0")
                    .build()
                    .expect("client");
                let mut sink = DatabaseSink::connect(url).await.expect("open");
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
        rows: results.iter().map(|r| r.1).sum(),
        failures: results.iter().map(|r| r.2).sum(),
        db_peak_mib,
    }
}

#[tokio::main]
async fn main() {
    let users: usize = env("OURA_BENCH_USERS", 100);
    let days: u32 = env("OURA_BENCH_DAYS", 365);
    let latency = Duration::from_millis(env("OURA_BENCH_LATENCY_MS", 25));
    let parallel: usize = env("OURA_BENCH_PARALLEL", 4);
    let sinks: String = env("OURA_BENCH_SINKS", "sqlite,postgres".to_owned());
    let dir = tempfile::tempdir().expect("tempdir");
    println!("users={users} days={days} latency={latency:?} users_at_once={parallel} (4 requests in flight each)");
    for kind in sinks.split(',') {
        let url = match kind {
            "sqlite" => format!("sqlite://{}", dir.path().join("bench.db").display()),
            "postgres" => match std::env::var("OURA_TEST_POSTGRES_URL") {
                Ok(url) => url,
                Err(_) => {
                    println!("postgres: skipped (no OURA_TEST_POSTGRES_URL; run under .ci/postgres.sh)");
                    continue;
                }
            },
            other => panic!("unknown sink {other}"),
        };
        let outcome = bench(kind, &url, users, days, latency, parallel).await;
        // The bounds: the rate limit lets 5000 requests through per 300 s window (the first
        // window is free), and each user's page chains need at least requests x latency / 4.
        let windows = outcome.requests.saturating_sub(1) / 5000;
        let rate_bound = Duration::from_secs(300 * windows);
        let chain_bound = latency * (outcome.requests / (4 * parallel as u64)).max(1) as u32;
        let bound = rate_bound.max(chain_bound);
        let db_size = if kind == "sqlite" {
            let size = |name: &str| std::fs::metadata(dir.path().join(name)).map(|m| m.len()).unwrap_or(0);
            format!(
                "file {:.1} MiB",
                (size("bench.db") + size("bench.db-wal")) as f64 / 1_048_576.0
            )
        } else {
            format!("server peak RSS {:.1} MiB", outcome.db_peak_mib)
        };
        println!(
            "{kind}: wall {:.1} s (bound {:.1} s: rate limit {:.0} s, page chains {:.1} s); {} requests; {} rows ({:.0} rows/s); {} failed collections; process peak RSS {:.1} MiB; database {db_size}",
            outcome.wall.as_secs_f64(),
            bound.as_secs_f64(),
            rate_bound.as_secs_f64(),
            chain_bound.as_secs_f64(),
            outcome.requests,
            outcome.rows,
            outcome.rows as f64 / outcome.wall.as_secs_f64(),
            outcome.failures,
            peak_rss_mib(),
        );
    }
}
