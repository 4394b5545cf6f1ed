//! The rate budget in the one executor, against a local server in the test's own runtime, on
//! tokio's paused clock: every attempt counted, one wait per attempt, headers learned.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::TryStreamExt;
use oura::{Client, DateRange, Error, RateLimiter, RetryPolicy};
use tokio::time::Instant;

/// The server's answer to its n-th request (0-based).
type Answer = Arc<dyn Fn(usize, &HeaderMap) -> Response + Send + Sync>;

/// What the server answers to the n-th request, and when each request arrived.
#[derive(Clone)]
struct Script {
    answer: Answer,
    arrivals: Arc<Mutex<Vec<(Instant, String)>>>,
    start: Instant,
}

impl Script {
    fn arrivals(&self) -> Vec<(Duration, String)> {
        self.arrivals
            .lock()
            .expect("lock")
            .iter()
            .map(|(at, token)| (at.duration_since(self.start), token.clone()))
            .collect()
    }
}

async fn handle(State(script): State<Script>, headers: HeaderMap) -> Response {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let index = {
        let mut arrivals = script.arrivals.lock().expect("lock");
        arrivals.push((Instant::now(), token));
        arrivals.len() - 1
    };
    (script.answer)(index, &headers)
}

/// Starts the server in this runtime (so the paused clock only moves when both sides wait).
async fn serve(answer: impl Fn(usize, &HeaderMap) -> Response + Send + Sync + 'static) -> (String, Script) {
    let script = Script {
        answer: Arc::new(answer),
        arrivals: Arc::new(Mutex::new(Vec::new())),
        start: Instant::now(),
    };
    let app = Router::new()
        .route("/v2/usercollection/daily_sleep", get(handle))
        .with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (format!("http://{addr}"), script)
}

fn empty_page() -> Response {
    (
        [("content-type", "application/json")],
        r#"{"data":[],"next_token":null}"#,
    )
        .into_response()
}

fn client(base_url: &str, token: &str, limiter: &RateLimiter) -> Client {
    Client::builder()
        .token(token)
        .base_url(base_url)
        .rate_limiter(limiter.clone())
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(100),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client")
}

fn week() -> DateRange {
    DateRange::parse("2025-06-01", "2025-06-07").expect("range")
}

async fn list(client: &Client) -> oura::Result<usize> {
    let nights: Vec<oura::models::DailySleep> = client.daily_sleep().list(week()).try_collect().await?;
    Ok(nights.len())
}

/// Seconds, rounded down to tenths, of each arrival.
fn tenths(arrivals: &[(Duration, String)]) -> Vec<u64> {
    arrivals.iter().map(|(at, _)| at.as_millis() as u64 / 100).collect()
}

#[tokio::test(start_paused = true)]
async fn retries_take_slots_and_a_retry_waits_once_for_the_later_of_backoff_and_budget() {
    // Two 503s, then a page: three attempts for one request, under a budget of 2 per 10 s.
    let (url, script) = serve(|n, _| {
        if n < 2 {
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        } else {
            empty_page()
        }
    })
    .await;
    let limiter = RateLimiter::new(2, Duration::from_secs(10));
    let client = client(&url, "token-a", &limiter);
    assert_eq!(list(&client).await.expect("listed"), 0);
    let arrivals = script.arrivals();
    assert_eq!(arrivals.len(), 3);
    // The first retry waits its backoff (at most 100 ms); the second waits for the budget (a
    // window after the first answer), not for the budget and then a backoff.
    assert!(arrivals[1].0 <= Duration::from_millis(100), "{arrivals:?}");
    assert_eq!(tenths(&arrivals)[2], 100, "{arrivals:?}");
    let stats = limiter.stats();
    assert_eq!(stats.attempts, 3);
    assert_eq!(stats.rate_limited, 0);
}

#[tokio::test(start_paused = true)]
async fn clients_of_different_users_share_one_application_budget() {
    let (url, script) = serve(|_, _| empty_page()).await;
    let application = RateLimiter::new(3, Duration::from_secs(10));
    let clients: Vec<Client> = (0..3)
        .map(|i| client(&url, &format!("token-{i}"), &application))
        .collect();
    // Each client lists the same week twice: six requests, three per window.
    let tasks = clients.iter().flat_map(|c| [list(c), list(c)]);
    let results = futures::future::join_all(tasks).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    let arrivals = script.arrivals();
    assert_eq!(arrivals.len(), 6);
    assert_eq!(tenths(&arrivals), [0, 0, 0, 100, 100, 100]);
    let tokens: std::collections::BTreeSet<&str> = arrivals.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tokens.len(), 3, "every user's client spent the one budget");
    assert_eq!(application.stats().attempts, 6);
    assert_eq!(application.waited(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn the_budget_is_learned_from_the_answers() {
    // The server's budget is 2 per 60 s, while the client was configured with 100 per second.
    let (url, script) = serve(|_, _| {
        let mut page = empty_page();
        let headers = page.headers_mut();
        headers.insert("x-ratelimit-limit", "2".parse().expect("header"));
        headers.insert("x-ratelimit-window", "60".parse().expect("header"));
        page
    })
    .await;
    let limiter = RateLimiter::new(100, Duration::from_secs(1));
    let client = client(&url, "token-a", &limiter);
    for _ in 0..3 {
        list(&client).await.expect("listed");
    }
    assert_eq!(limiter.limit(), (2, Duration::from_secs(60)));
    assert_eq!(tenths(&script.arrivals()), [0, 0, 600]);
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_every_client_of_the_budget_for_its_retry_after() {
    let (url, script) = serve(|n, _| {
        if n == 0 {
            let mut refused = StatusCode::TOO_MANY_REQUESTS.into_response();
            refused
                .headers_mut()
                .insert("retry-after", "7".parse().expect("header"));
            refused
        } else {
            empty_page()
        }
    })
    .await;
    let limiter = RateLimiter::new(100, Duration::from_secs(10));
    let first = client(&url, "token-a", &limiter);
    let second = client(&url, "token-b", &limiter);
    // Another client of the same budget, starting a second later, waits for the same pause.
    let (first_done, second_waited) = tokio::join!(list(&first), async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = Instant::now();
        list(&second).await.map(|_| before.elapsed())
    });
    first_done.expect("the 429 was retried");
    assert_eq!(second_waited.expect("listed"), Duration::from_secs(6));
    assert_eq!(tenths(&script.arrivals()), [0, 70, 70]);
    assert_eq!(limiter.stats().rate_limited, 1);
    assert_eq!(limiter.stats().attempts, 3);
}

#[tokio::test(start_paused = true)]
async fn a_huge_retry_after_is_clamped_by_the_budget_and_returned_by_the_policy() {
    let (url, script) = serve(|_, _| {
        let mut refused = StatusCode::TOO_MANY_REQUESTS.into_response();
        let headers = refused.headers_mut();
        headers.insert("retry-after", "18446744073709551615".parse().expect("header"));
        headers.insert("x-ratelimit-reset", "9223372036854775807".parse().expect("header"));
        refused
    })
    .await;
    let limiter = RateLimiter::new(100, Duration::from_secs(10)).max_wait(Duration::from_secs(120));
    let client = client(&url, "token-a", &limiter);
    // Too long for the retry policy (60 s): the error goes back to the caller, no panic.
    let err = list(&client).await.expect_err("rate limited");
    let Error::RateLimited { rate_limit, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(rate_limit.retry_after, Some(Duration::from_secs(u64::MAX)));
    assert_eq!(
        rate_limit.reset, None,
        "an unrepresentable reset is dropped, not a panic"
    );
    assert_eq!(script.arrivals().len(), 1);
    // The budget pauses, but only for its maximum.
    let start = Instant::now();
    drop(limiter.acquire().await);
    assert_eq!(start.elapsed(), Duration::from_secs(120));
}

/// Tokens that count their refreshes; each refresh yields `fresh-<n>`.
#[derive(Debug, Default)]
struct CountingTokens {
    refreshes: std::sync::atomic::AtomicUsize,
}

impl oura::TokenSource for CountingTokens {
    fn token(&self) -> futures::future::BoxFuture<'_, oura::Result<oura::Secret>> {
        Box::pin(async { Ok(oura::Secret::new("stale")) })
    }

    fn refresh<'a>(
        &'a self,
        _rejected: &'a oura::Secret,
    ) -> futures::future::BoxFuture<'a, oura::Result<oura::Secret>> {
        Box::pin(async move {
            let n = self.refreshes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(oura::Secret::new(format!("fresh-{n}")))
        })
    }
}

#[tokio::test(start_paused = true)]
async fn a_token_refresh_takes_a_slot_of_the_budget() {
    // 401 for the stale token, a page for the fresh one.
    let (url, script) = serve(|_, headers| {
        if headers.get("authorization").is_some_and(|v| v == "Bearer stale") {
            StatusCode::UNAUTHORIZED.into_response()
        } else {
            empty_page()
        }
    })
    .await;
    let tokens = Arc::new(CountingTokens::default());
    // Two slots per 10 s: the rejected attempt and the refresh take them, so the repeated
    // attempt waits a window.
    let limiter = RateLimiter::new(2, Duration::from_secs(10));
    let client = Client::builder()
        .token_source(tokens.clone())
        .base_url(&url)
        .rate_limiter(limiter.clone())
        .build()
        .expect("client");
    assert_eq!(list(&client).await.expect("listed"), 0);
    assert_eq!(tokens.refreshes.load(std::sync::atomic::Ordering::SeqCst), 1);
    let arrivals = script.arrivals();
    assert_eq!(
        arrivals.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        ["Bearer stale", "Bearer fresh-0"]
    );
    assert_eq!(tenths(&arrivals), [0, 100]);
    assert_eq!(limiter.stats().attempts, 3, "two attempts and one refresh");
}
