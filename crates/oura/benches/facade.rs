//! `cargo bench -p oura-ring`: the facade's cost against plain `reqwest` + `serde_json`.
//!
//! 1. Per-request overhead: the same page fetched and decoded from a local server, through the
//!    facade and with plain `reqwest` + `serde_json`, sequentially, interleaved in rounds.
//! 2. Decode throughput of the largest recorded page (`daily_readiness`, 790 KB): typed models
//!    vs `serde_json::Value`.
//! 3. Peak memory while streaming 1,000,000 heart rate samples across 1,000 pages.
//!
//! Reads the recorded page from `$OURA_SHARED` (default `../shared`). Prints a table; asserts
//! nothing about time.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use futures::TryStreamExt;
use oura::models::{DailyReadiness, MultiDocumentResponsePublicDailyReadiness};
use oura::{Client, DateRange, DateTimeRange, RetryPolicy};

fn shared_page() -> Vec<u8> {
    let dir =
        std::env::var("OURA_SHARED").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared").into());
    let path = format!("{dir}/oura/recorded/multiple_daily_readiness_invalid_arguments.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err} (set OURA_SHARED)"));
    let exchange: serde_json::Value = serde_json::from_str(&text).expect("recorded exchange");
    exchange["body"].as_str().expect("body").as_bytes().to_vec()
}

/// Resident set size and its peak, in KiB, from /proc (Linux).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(serde::Deserialize)]
struct PageQuery {
    next_token: Option<String>,
}

const SAMPLES_PER_PAGE: usize = 1_000;
const PAGES: usize = 1_000;

/// One heart rate page of 1,000 samples; `next_token` is the next page's number.
async fn heartrate_page(Query(query): Query<PageQuery>) -> ([(&'static str, &'static str); 1], String) {
    let page: usize = query.next_token.as_deref().and_then(|t| t.parse().ok()).unwrap_or(0);
    let mut body = String::with_capacity(SAMPLES_PER_PAGE * 80);
    body.push_str("{\"data\":[");
    let base = 1_704_067_200 + page * SAMPLES_PER_PAGE;
    for i in 0..SAMPLES_PER_PAGE {
        if i > 0 {
            body.push(',');
        }
        let at = chrono::DateTime::from_timestamp((base + i) as i64, 0)
            .expect("time")
            .to_rfc3339();
        body.push_str(&format!(
            "{{\"bpm\":{},\"source\":\"awake\",\"timestamp\":\"{at}\"}}",
            50 + i % 60
        ));
    }
    body.push(']');
    if page + 1 < PAGES {
        body.push_str(&format!(",\"next_token\":\"{}\"", page + 1));
    }
    body.push('}');
    ([("content-type", "application/json")], body)
}

/// The first `documents` documents of a page, as a page of their own.
fn first_documents(page: &[u8], documents: usize) -> Vec<u8> {
    let mut value: serde_json::Value = serde_json::from_slice(page).expect("page");
    if let Some(data) = value["data"].as_array_mut() {
        data.truncate(documents);
    }
    value["next_token"] = serde_json::Value::Null;
    serde_json::to_vec(&value).expect("page")
}

async fn serve(page: Arc<Vec<u8>>) -> String {
    let small = Arc::new(first_documents(&page, 50));
    let app = Router::new()
        .route(
            "/v2/usercollection/daily_readiness",
            get(|State(page): State<Arc<Vec<u8>>>| async move {
                ([("content-type", "application/json")], page.as_ref().clone())
            }),
        )
        .route(
            "/small/v2/usercollection/daily_readiness",
            get(move || {
                let small = Arc::clone(&small);
                async move { ([("content-type", "application/json")], small.as_ref().clone()) }
            }),
        )
        .route("/v2/usercollection/heartrate", get(heartrate_page))
        .with_state(page);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

/// Mean milliseconds per request through the facade and with plain reqwest + serde_json,
/// alternating which goes first in each round.
async fn overhead(http: &reqwest::Client, root: &str, range: DateRange) -> (f64, f64, u32) {
    let client = Client::builder()
        .token("bench")
        .base_url(root)
        .http_client(http.clone())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client");
    let url = format!("{root}/v2/usercollection/daily_readiness");
    let (rounds, per_round) = (30u32, 10u32);
    let fetch_facade = || async {
        let started = Instant::now();
        for _ in 0..per_round {
            let first = client
                .daily_readiness()
                .pages(range)
                .try_next()
                .await
                .expect("page")
                .expect("one page");
            black_box(first.data.len());
        }
        started.elapsed()
    };
    let fetch_plain = || async {
        let started = Instant::now();
        for _ in 0..per_round {
            let bytes = http
                .get(&url)
                .query(&[("start_date", "2020-01-01"), ("end_date", "2030-01-02")])
                .header("authorization", "Bearer bench")
                .send()
                .await
                .expect("send")
                .bytes()
                .await
                .expect("body");
            let decoded: MultiDocumentResponsePublicDailyReadiness = serde_json::from_slice(&bytes).expect("decode");
            black_box(decoded.data.len());
        }
        started.elapsed()
    };
    let (mut facade, mut plain) = (Duration::ZERO, Duration::ZERO);
    for round in 0..rounds {
        if round % 2 == 0 {
            facade += fetch_facade().await;
            plain += fetch_plain().await;
        } else {
            plain += fetch_plain().await;
            facade += fetch_facade().await;
        }
    }
    let n = rounds * per_round;
    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(n);
    (ms(facade), ms(plain), n)
}

fn mb_per_s(bytes: usize, iterations: u32, elapsed: Duration) -> f64 {
    bytes as f64 * f64::from(iterations) / elapsed.as_secs_f64() / 1e6
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let page = Arc::new(shared_page());
    let base = serve(Arc::clone(&page)).await;
    let http = oura::api_sys::tls::client_builder().build().expect("http client");
    let range = DateRange::parse("2020-01-01", "2030-01-01").expect("range");
    for (label, root) in [
        ("a 50-document page", format!("{base}/small")),
        ("the 773 KB page", base.clone()),
    ] {
        let (facade_ms, plain_ms, n) = overhead(&http, &root, range).await;
        println!("per request, {label} ({n} requests each, local server, interleaved)");
        println!("  facade                 {facade_ms:>8.3} ms");
        println!("  reqwest + serde_json   {plain_ms:>8.3} ms");
        println!("  facade / plain         {:>8.3}", facade_ms / plain_ms);
    }
    let client = Client::builder()
        .token("bench")
        .base_url(&base)
        .http_client(http.clone())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("client");

    // 2. Decode throughput of the largest recorded page.
    let iterations = 50;
    let started = Instant::now();
    for _ in 0..iterations {
        let decoded: MultiDocumentResponsePublicDailyReadiness = serde_json::from_slice(&page).expect("typed");
        black_box::<&[DailyReadiness]>(&decoded.data);
    }
    let typed = mb_per_s(page.len(), iterations, started.elapsed());
    let started = Instant::now();
    for _ in 0..iterations {
        black_box(serde_json::from_slice::<serde_json::Value>(&page).expect("value"));
    }
    let value = mb_per_s(page.len(), iterations, started.elapsed());
    println!("decode throughput ({} KB daily_readiness page)", page.len() / 1024);
    println!("  typed models           {typed:>8.1} MB/s");
    println!("  serde_json::Value      {value:>8.1} MB/s");

    // 3. Memory while streaming 1,000,000 samples over 1,000 pages.
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+00:00").expect("start");
    let heartrate = DateTimeRange::new(start, start + chrono::Duration::days(20)).expect("range");
    let mut stream = client.heartrate().list(heartrate);
    let (mut count, mut checkpoints) = (0u64, Vec::new());
    let started = Instant::now();
    while let Some(sample) = stream.try_next().await.expect("sample") {
        black_box(sample.bpm);
        count += 1;
        if count % 200_000 == 0 {
            checkpoints.push((count, memory_kib()));
        }
    }
    println!(
        "streaming {count} heart rate samples ({PAGES} pages) in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    for (count, (rss, peak)) in checkpoints {
        println!(
            "  after {count:>9} samples: rss {:>6.1} MiB, peak {:>6.1} MiB",
            rss as f64 / 1024.0,
            peak as f64 / 1024.0
        );
    }
}
