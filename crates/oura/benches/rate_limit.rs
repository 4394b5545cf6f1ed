//! `cargo bench -p oura-ring --bench rate_limit`: one application budget shared by many users.
//!
//! 200 clients, one per emulator user, each listing one year of `daily_sleep` at the same time,
//! against an emulator that allows 300 requests per 10 s per application (and per token).
//! Run twice: every client sharing one [`RateLimiter`], and without a limiter (the retry policy
//! alone). Prints, for each: requests sent, 429 answers, failed listings, the time taken, the
//! accepted requests per second against the limit, and the time taken against the shortest
//! possible (`floor((requests - 1) / 300) x 10 s`). Asserts nothing about time.
//!
//! Knobs (environment): `BENCH_USERS` (200), `BENCH_LIMIT` (300), `BENCH_WINDOW_SECS` (10).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::TryStreamExt;
use oura::{Client, DateRange, RateLimiter, RetryPolicy};
use oura_emulator::Emulator;

fn knob(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Outcome {
    requests: usize,
    rate_limited: usize,
    failed: usize,
    documents: usize,
    elapsed: Duration,
    waited: Option<Duration>,
}

async fn run(users: usize, limit: u32, window: Duration, shared: bool) -> Outcome {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let emulator = Emulator::builder()
        .users(users)
        .history_days(400)
        .today(today)
        .rate_limit(limit, window)
        .start()
        .await
        .expect("emulator");
    let year = DateRange::new(today - chrono::Days::new(364), today).expect("range");
    let limiter = RateLimiter::new(limit, window);
    let clients: Vec<Client> = (0..users)
        .map(|user| {
            let mut builder = Client::builder()
                .token(emulator.token(user))
                .base_url(emulator.base_url())
                .application("rate-limit-bench/1.0")
                // The policy's own bound on Retry-After is the emulator's window.
                .retry(RetryPolicy {
                    max_retry_after: window,
                    ..RetryPolicy::default()
                });
            if shared {
                builder = builder.rate_limiter(limiter.clone());
            }
            builder.build().expect("client")
        })
        .collect();
    let started = Instant::now();
    let listings = clients.iter().map(|client| async move {
        client
            .daily_sleep()
            .list(year)
            .try_collect::<Vec<_>>()
            .await
            .map(|nights| nights.len())
    });
    let results = futures::future::join_all(listings).await;
    let elapsed = started.elapsed();
    let requests = emulator.requests();
    let outcome = Outcome {
        requests: requests.len(),
        rate_limited: requests.iter().filter(|r| r.status == Some(429)).count(),
        failed: results.iter().filter(|r| r.is_err()).count(),
        documents: results.iter().filter_map(|r| r.as_ref().ok()).sum(),
        elapsed,
        waited: shared.then(|| limiter.waited()),
    };
    emulator.shutdown().await;
    outcome
}

fn report(name: &str, outcome: &Outcome, limit: u32, window: Duration) {
    let accepted = outcome.requests - outcome.rate_limited;
    let per_second = accepted as f64 / outcome.elapsed.as_secs_f64();
    let allowed = f64::from(limit) / window.as_secs_f64();
    let shortest = window.as_secs_f64() * ((accepted.max(1) - 1) / limit as usize) as f64;
    println!(
        "{name:<16} {:>8} {:>6} {:>7} {:>9} {:>9.1} {:>8.1} {:>8.2} {:>10.2} {:>9}",
        outcome.requests,
        outcome.rate_limited,
        outcome.failed,
        outcome.documents,
        outcome.elapsed.as_secs_f64(),
        per_second,
        per_second / allowed,
        shortest / outcome.elapsed.as_secs_f64(),
        outcome
            .waited
            .map_or_else(|| "-".to_owned(), |w| format!("{:.1}", w.as_secs_f64())),
    );
}

fn main() {
    let users = knob("BENCH_USERS", 200) as usize;
    let limit = knob("BENCH_LIMIT", 300) as u32;
    let window = Duration::from_secs(knob("BENCH_WINDOW_SECS", 10));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "{users} users x one year of daily_sleep, one application budget of {limit} per {} s",
        window.as_secs()
    );
    println!(
        "{:<16} {:>8} {:>6} {:>7} {:>9} {:>9} {:>8} {:>8} {:>10} {:>9}",
        "run", "requests", "429s", "failed", "documents", "seconds", "ok req/s", "x limit", "x shortest", "waited s"
    );
    for (name, shared) in [("shared limiter", true), ("no limiter", false)] {
        let outcome = runtime.block_on(run(users, limit, window, shared));
        report(name, &outcome, limit, window);
    }
}
