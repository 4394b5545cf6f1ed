//! Fault injection: 5xx answers, dropped connections, truncated bodies, latency; per route.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{UA, start};
use oura_emulator::{EmulatorConfig, Faults};

#[derive(Debug, Default)]
struct Outcomes {
    ok: usize,
    server_error: usize,
    send_error: usize,
    body_error: usize,
}

async fn fetch(http: &reqwest::Client, url: &str, token: &str, outcomes: &mut Outcomes) -> Option<serde_json::Value> {
    match http.get(url).bearer_auth(token).send().await {
        Err(_) => {
            outcomes.send_error += 1;
            None
        }
        Ok(response) if response.status().is_server_error() => {
            outcomes.server_error += 1;
            None
        }
        Ok(response) => match response.bytes().await {
            Err(_) => {
                outcomes.body_error += 1;
                None
            }
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(value) => {
                    outcomes.ok += 1;
                    Some(value)
                }
                Err(_) => {
                    outcomes.body_error += 1;
                    None
                }
            },
        },
    }
}

#[tokio::test]
async fn every_kind_of_fault_happens_and_retries_get_every_document_once() {
    let emulator = start(
        EmulatorConfig::new()
            .seed(5)
            .history_days(200)
            .page_size(4)
            .faults(Faults::rate(0.3)),
    )
    .await;
    let token = emulator.token(0);
    let http = oura_api_sys::tls::client_builder()
        .user_agent(UA)
        .pool_max_idle_per_host(0)
        .build()
        .expect("client");
    let mut outcomes = Outcomes::default();
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    // The whole history, whichever day is today (CI runs this on several).
    let base = format!(
        "{}/v2/usercollection/daily_activity?start_date={}&end_date={}",
        emulator.base_url(),
        emulator.first_day(),
        emulator.today()
    );
    loop {
        let url = match &next {
            Some(token) => format!(
                "{}/v2/usercollection/daily_activity?next_token={token}",
                emulator.base_url()
            ),
            None => base.clone(),
        };
        let mut page = None;
        for _ in 0..50 {
            page = fetch(&http, &url, &token, &mut outcomes).await;
            if page.is_some() {
                break;
            }
        }
        let page = page.expect("a retry got through");
        ids.extend(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|d| d["id"].as_str().expect("id").to_owned()),
        );
        match page["next_token"].as_str() {
            Some(token) => next = Some(token.to_owned()),
            None => break,
        }
    }
    let unique: HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "no duplicates");
    assert!(ids.len() > 150, "{}", ids.len());
    assert!(outcomes.server_error > 0, "{outcomes:?}");
    assert!(outcomes.send_error > 0, "{outcomes:?}");
    assert!(outcomes.body_error > 0, "{outcomes:?}");

    // The same as without faults.
    let clean = start(EmulatorConfig::new().seed(5).history_days(200).page_size(1000)).await;
    let path = format!(
        "/v2/usercollection/daily_activity?start_date={}&end_date={}",
        clean.first_day(),
        clean.today()
    );
    let (items, _) = common::all_pages(&clean, &path, &clean.token(0)).await;
    let clean_ids: Vec<String> = items.iter().map(|d| d["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids, clean_ids);
    // Dropped connections are recorded without a status.
    assert!(emulator.requests().iter().any(|r| r.status.is_none()));
}

#[tokio::test]
async fn route_faults_and_latency() {
    let emulator = start(
        EmulatorConfig::new()
            .history_days(20)
            .route_faults(
                "/v2/usercollection/personal_info",
                Faults {
                    server_error_rate: 1.0,
                    ..Faults::none()
                },
            )
            .route_faults(
                "/v2/usercollection/daily",
                Faults::none().with_latency(Duration::from_millis(150)),
            ),
    )
    .await;
    let token = emulator.token(0);
    let info = common::get(&emulator, "/v2/usercollection/personal_info", Some(&token)).await;
    assert!(info.status.is_server_error(), "{}", info.status);
    assert!(info.json()["detail"].is_string());
    let started = Instant::now();
    let sleep = common::get(&emulator, "/v2/usercollection/daily_sleep", Some(&token)).await;
    assert_eq!(sleep.status, reqwest::StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(150));
    // Faults apply to the routes under their prefix only. (How long an answer without latency
    // takes depends on the machine, so the scope is shown with errors, not with time.)
    let tags = common::get(&emulator, "/v2/usercollection/tag", Some(&token)).await;
    assert_eq!(tags.status, reqwest::StatusCode::OK);
    let scoped = start(EmulatorConfig::new().history_days(10).route_faults(
        "/v2/usercollection/daily_s",
        Faults {
            server_error_rate: 1.0,
            ..Faults::none()
        },
    ))
    .await;
    let token = scoped.token(0);
    for (path, failed) in [
        ("/v2/usercollection/daily_sleep", true),
        ("/v2/usercollection/daily_stress", true),
        ("/v2/usercollection/daily_readiness", false),
        ("/v2/usercollection/sleep", false),
    ] {
        let answer = common::get(&scoped, path, Some(&token)).await;
        assert_eq!(answer.status.is_server_error(), failed, "{path}: {}", answer.status);
    }

    let slow = start(
        EmulatorConfig::new()
            .history_days(10)
            .latency(Duration::from_millis(100)),
    )
    .await;
    let started = Instant::now();
    let answer = common::get(&slow, "/v2/usercollection/personal_info", Some(&slow.token(0))).await;
    assert_eq!(answer.status, reqwest::StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(100));
}

/// On the runtime's paused clock (building an answer takes no time on it), a request is
/// answered no sooner than the latency after it arrived, and the latency is not counted twice;
/// an injected 5xx waits its route's latency as well. (That the time to build an answer is
/// part of the latency, not added to it, is shown by the unit test of `faults::answer_after`.)
#[tokio::test(start_paused = true)]
async fn latency_runs_from_arrival_to_answer_on_the_runtime_clock() {
    let latency = Duration::from_millis(250);
    let emulator = start(
        EmulatorConfig::new()
            .history_days(30)
            .today(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
            .latency(latency)
            .route_faults(
                "/v2/usercollection/personal_info",
                Faults {
                    server_error_rate: 1.0,
                    ..Faults::none().with_latency(latency * 2)
                },
            ),
    )
    .await;
    let token = emulator.token(0);
    for path in [
        "/v2/usercollection/daily_sleep?start_date=2025-06-01&end_date=2025-06-30",
        "/v2/usercollection/heartrate?start_datetime=2025-06-20T00:00:00Z&end_datetime=2025-06-30T00:00:00Z",
    ] {
        let started = tokio::time::Instant::now();
        let answer = common::get(&emulator, path, Some(&token)).await;
        let elapsed = started.elapsed();
        assert_eq!(answer.status, reqwest::StatusCode::OK, "{path}");
        assert!(
            answer.json()["data"].as_array().is_some_and(|d| !d.is_empty()),
            "{path}"
        );
        assert!(elapsed >= latency, "{path}: answered after {elapsed:?}");
        assert!(elapsed < latency * 2, "{path}: answered after {elapsed:?}");
    }
    let started = tokio::time::Instant::now();
    let failed = common::get(&emulator, "/v2/usercollection/personal_info", Some(&token)).await;
    let elapsed = started.elapsed();
    assert!(failed.status.is_server_error(), "{}", failed.status);
    assert!(
        elapsed >= latency * 2 && elapsed < latency * 3,
        "answered after {elapsed:?}"
    );
    assert_eq!(emulator.requests().len(), 3);
}
