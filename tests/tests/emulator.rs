//! The `oura` client against the offline `oura-emulator`, end to end: every collection over many
//! small pages, heart rate in 30-day windows, the OAuth code flow with PKCE, refresh rotation and
//! expiry, a webhook subscription with its challenge and a verified delivery, 429 handling, and
//! injected faults.
//!
//! The expected documents come from an independent reader: plain `reqwest` against a second
//! emulator with the same seed whose pages are larger than any collection, so every expectation
//! is one page the client's pagination had no part in.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, FixedOffset, NaiveDate, TimeZone, Utc};
use futures::TryStreamExt;
use oura::models::{ExtApiV2DataType, WebhookOperation};
use oura::oauth::{AuthorizationRequest, Endpoints, MemoryStore, OAuthClient, OAuthConfig, Scope, TokenSet};
use oura::webhooks::{DEFAULT_TOLERANCE, NewSubscription, Receiver, Subscriptions, parse_event, verify_signature};
use oura::{
    AnyRange, Client, CollectionVisitor, DateRange, DateTimeRange, Document, Documents, Error, RangeKind, RetryPolicy,
    Secret,
};
use oura_emulator::{Emulator, EmulatorConfig, Faults, RecordedRequest};
use serde_json::Value;

/// A seed whose user 0 has every kind of document in the ranges below, rest mode periods included
/// (rare: most seeds have none in 120 days).
const SEED: u64 = 7;
const HISTORY_DAYS: u32 = 120;
const PAGE_SIZE: usize = 4;
const SERIES_PAGE_SIZE: usize = 100;
/// Larger than any collection of a 120-day history: the oracle reads everything in one page.
const ONE_PAGE: usize = 1_000_000;

const CLIENT_ID: &str = "oura-tests-app";
const CLIENT_SECRET: &str = "oura-tests-secret";
/// Never called: the tests read the code from the emulator's redirect by hand.
const REDIRECT_URI: &str = "http://127.0.0.1:9/oura/callback";
const VERIFICATION_TOKEN: &str = "oura-tests-verification-token";

/// The day these tests' data ends. Pinned, not the emulator's default (which
/// `OURA_EMULATOR_TODAY` moves): the tests rely on properties of this seed's data on this day, a
/// rest mode period spread over several pages and a heart rate sample on a window's edge.
const TODAY: NaiveDate = EmulatorConfig::DEFAULT_TODAY;

fn config(seed: u64) -> EmulatorConfig {
    Emulator::builder()
        .today(TODAY)
        .seed(seed)
        .users(2)
        .history_days(HISTORY_DAYS)
        .client(CLIENT_ID, CLIENT_SECRET)
        .redirect_uris([REDIRECT_URI])
}

async fn start(config: EmulatorConfig) -> Emulator {
    config.start().await.expect("the emulator starts")
}

/// The emulator that answers every listing in one page, for the expectations.
async fn oracle_emulator(seed: u64) -> Emulator {
    start(config(seed).page_size(ONE_PAGE).time_series_page_size(ONE_PAGE)).await
}

/// A client of `user` without retries, so every request the emulator saw is one the stream made.
fn client(emulator: &Emulator, user: usize) -> Client {
    client_with(emulator, user, RetryPolicy::disabled())
}

fn client_with(emulator: &Emulator, user: usize, retry: RetryPolicy) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(user))
        .application("oura-tests/0")
        .timeout(Duration::from_secs(10))
        .retry(retry)
        .build()
        .expect("client")
}

fn list_path(route: &str) -> String {
    format!("/v2/usercollection/{route}")
}

fn requests_to(emulator: &Emulator, path: &str) -> Vec<RecordedRequest> {
    emulator.requests().into_iter().filter(|r| r.path == path).collect()
}

/// Everything the emulator holds for `query`, read with plain `reqwest` in one page.
async fn oracle(emulator: &Emulator, user: usize, route: &str, query: &[(&str, String)]) -> Vec<Value> {
    let response = oura_api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .get(format!("{}{}", emulator.base_url(), list_path(route)))
        .query(query)
        .bearer_auth(emulator.token(user))
        .header("user-agent", "oura-tests-oracle/0")
        .send()
        .await
        .expect("oracle request");
    assert_eq!(
        response.status(),
        reqwest::StatusCode::OK,
        "oracle read of {route} {query:?}"
    );
    let page: Value = response.json().await.expect("oracle page is JSON");
    assert!(
        page["next_token"].is_null(),
        "the oracle must read {route} in one page, got a next_token"
    );
    page["data"].as_array().expect("oracle page has data").clone()
}

/// What identifies a document: its `id`, or for a sample its instant (in UTC: a typed model
/// written back says `Z` where Oura says `+00:00`).
fn key(doc: &Value) -> String {
    if let Some(id) = doc.get("id").and_then(Value::as_str) {
        return id.to_owned();
    }
    let timestamp = doc
        .get("timestamp")
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("a document without id or timestamp: {doc}"));
    at(timestamp).with_timezone(&Utc).to_rfc3339()
}

fn keys(docs: &[Value]) -> Vec<String> {
    docs.iter().map(key).collect()
}

fn assert_unique(route: &str, docs: &[Value]) {
    let keys = keys(docs);
    let unique: HashSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "{route}: a document was repeated");
}

fn is_time_series(route: &str) -> bool {
    row(route).range == RangeKind::Series
}

/// The field that places a document of `route` in a date range.
fn day_field(route: &str) -> Option<&'static str> {
    row(route).position.filter(|_| row(route).range == RangeKind::Days)
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap_or_else(|err| panic!("{text:?} is not RFC 3339: {err}"))
}

fn midnight_utc(day: NaiveDate) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
        .fixed_offset()
}

/// The typed pages of one collection: how many pages, and each document as JSON.
async fn typed_pages<T>(docs: Documents<T>, range: T::Range) -> (usize, Vec<Value>)
where
    T: Document + serde::Serialize,
{
    let pages: Vec<oura::Page<T>> = docs.pages(range).try_collect().await.expect("typed pages");
    let count = pages.len();
    let docs = pages
        .into_iter()
        .flat_map(|page| page.data)
        .map(|doc| serde_json::to_value(doc).expect("a model serializes"))
        .collect();
    (count, docs)
}

/// Reads `route` through its typed collection (`client.daily_sleep()`, ...), found by visiting
/// every typed collection of the facade.
async fn typed(client: &Client, route: &str, days: DateRange, times: DateTimeRange) -> (usize, Vec<Value>) {
    struct Typed {
        client: Client,
        route: String,
        range: AnyRange,
        read: Option<futures::future::BoxFuture<'static, (usize, Vec<Value>)>>,
    }
    impl CollectionVisitor for Typed {
        fn visit<T: Document>(&mut self) {
            if T::ROUTE == self.route {
                let range = T::Range::try_from(self.range).expect("the range of the collection's kind");
                self.read = Some(Box::pin(typed_pages(self.client.documents::<T>(), range)));
            }
        }
    }
    let mut visitor = Typed {
        client: client.clone(),
        route: route.to_owned(),
        range: any_range(route, days, times),
        read: None,
    };
    oura::visit_collections(&mut visitor);
    match visitor.read {
        Some(read) => read.await,
        None => panic!("no typed collection for {route}"),
    }
}

/// The collection table's row of `route`.
fn row(route: &str) -> &'static oura::Collection {
    oura::collection(route).expect("a collection of the table")
}

/// `days` or `times`, whichever `route` takes.
fn any_range(route: &str, days: DateRange, times: DateTimeRange) -> AnyRange {
    match row(route).range {
        RangeKind::Days => AnyRange::Days(days),
        RangeKind::Series => AnyRange::Series(times),
        RangeKind::Whole => AnyRange::Whole,
    }
}

/// The bounds of one read: the oracle's query.
struct Bounds {
    query: Vec<(&'static str, String)>,
}

fn bounds(route: &str, days: DateRange, times: DateTimeRange) -> Bounds {
    if is_time_series(route) {
        // The emulator's end_datetime is exclusive; the range below ends off the sample grid.
        let (start, end) = (times.start().to_rfc3339(), times.end().to_rfc3339());
        let query = vec![("start_datetime", start), ("end_datetime", end)];
        Bounds { query }
    } else {
        let (start, end) = (days.start().to_string(), days.end().to_string());
        let query = if row(route).range == RangeKind::Whole {
            Vec::new()
        } else {
            vec![("start_date", start), ("end_date", end)]
        };
        Bounds { query }
    }
}

/// Number of pages of `n` documents at `size` per page (an empty listing is one page).
fn pages_of(n: usize, size: usize) -> usize {
    n.div_ceil(size).max(1)
}

#[tokio::test]
async fn every_collection_streams_every_document_once_over_small_pages() {
    let paged = start(
        config(SEED)
            .page_size(PAGE_SIZE)
            .time_series_page_size(SERIES_PAGE_SIZE),
    )
    .await;
    let whole = oracle_emulator(SEED).await;
    let client = client(&paged, 0);
    let today = paged.today();
    // Inside the history on both sides, so both ends of the range are real filters.
    let days = DateRange::new(today - Days::new(115), today - Days::new(10)).expect("day range");
    assert!(days.start() > paged.first_day());
    let series_start = midnight_utc(today - Days::new(9));
    let times = DateTimeRange::new(
        series_start,
        series_start + chrono::Duration::days(3) - chrono::Duration::seconds(1),
    )
    .expect("time range");

    let mut summary = BTreeMap::new();
    for &route in oura::ROUTES {
        let bounds = bounds(route, days, times);
        let expected = oracle(&whole, 0, route, &bounds.query).await;

        // 1. The raw stream of `list_by_route`: exactly the oracle's documents, in order.
        paged.clear_requests();
        let docs: Vec<Value> = oura::list_by_route(&client, route, any_range(route, days, times))
            .expect("a known route")
            .try_collect()
            .await
            .unwrap_or_else(|err| panic!("{route}: {err}"));
        assert_unique(route, &docs);
        assert_eq!(
            keys(&docs),
            keys(&expected),
            "{route}: documents differ from the emulator's"
        );
        assert!(
            docs == expected,
            "{route}: same ids, but the documents' contents differ"
        );

        // 2. Within the inclusive range.
        if is_time_series(route) {
            for doc in &docs {
                let time = at(doc["timestamp"].as_str().expect("timestamp"));
                assert!(
                    times.start() <= time && time <= times.end(),
                    "{route}: {time} outside the range"
                );
            }
        } else if let Some(field) = day_field(route) {
            for doc in &docs {
                let day: NaiveDate = doc[field].as_str().expect("day").parse().expect("a date");
                assert!(
                    days.start() <= day && day <= days.end(),
                    "{route}: {day} outside the range"
                );
            }
        }

        // 3. The requests: one per page, the first without a token, each later one with a token
        //    not sent before; exactly as many as there are pages, so the last page is never
        //    fetched twice.
        let sent = requests_to(&paged, &list_path(route));
        assert!(sent.iter().all(|r| r.status == Some(200)), "{route}: {sent:?}");
        assert_eq!(sent[0].query_param("next_token"), None, "{route}: first request");
        assert!(
            sent[1..].iter().all(|r| r.query_param("next_token").is_some()),
            "{route}: a later request without next_token"
        );
        let tokens: HashSet<String> = sent.iter().filter_map(|r| r.query_param("next_token")).collect();
        assert_eq!(tokens.len(), sent.len() - 1, "{route}: a page was requested twice");
        if !is_time_series(route) && route != "ring_configuration" {
            // The client asks one day more (Oura's end_date can leave out the last day) and
            // drops it: the pages are those of start..=end+1.
            let asked = oracle(
                &whole,
                0,
                route,
                &[
                    ("start_date", days.start().to_string()),
                    ("end_date", (days.end() + Days::new(1)).to_string()),
                ],
            )
            .await;
            assert_eq!(sent.len(), pages_of(asked.len(), PAGE_SIZE), "{route}: requests");
            assert_eq!(
                sent[0].query_param("end_date"),
                Some((days.end() + Days::new(1)).to_string())
            );
        }
        if is_time_series(route) {
            assert_eq!(sent.len(), pages_of(docs.len(), SERIES_PAGE_SIZE), "{route}: requests");
        }

        // 4. The typed collection's `.pages()`: as many pages as requests, the same documents.
        paged.clear_requests();
        let (page_count, typed_docs) = typed(&client, route, days, times).await;
        assert_eq!(page_count, sent.len(), "{route}: typed pages");
        assert_eq!(
            requests_to(&paged, &list_path(route)).len(),
            page_count,
            "{route}: typed requests"
        );
        assert_eq!(keys(&typed_docs), keys(&expected), "{route}: typed documents");

        summary.insert(route, (docs.len(), page_count));
    }
    println!("documents and pages per route: {summary:?}");

    // The collections with a handful of documents, again one document per page.
    let single = start(config(SEED).page_size(1)).await;
    let single_client = self::client(&single, 0);
    for (&route, _) in summary
        .iter()
        .filter(|(route, (docs, _))| *docs <= PAGE_SIZE && !is_time_series(route))
    {
        let bounds = bounds(route, days, times);
        let docs: Vec<Value> = oura::list_by_route(&single_client, route, any_range(route, days, times))
            .expect("a known route")
            .try_collect()
            .await
            .unwrap_or_else(|err| panic!("{route}: {err}"));
        let expected = oracle(&whole, 0, route, &bounds.query).await;
        assert_unique(route, &docs);
        assert!(
            docs == expected,
            "{route}: one per page differs from the emulator's documents"
        );
        let asked = if route == "ring_configuration" {
            expected.len()
        } else {
            let end = (days.end() + Days::new(1)).to_string();
            let query = [("start_date", days.start().to_string()), ("end_date", end)];
            oracle(&whole, 0, route, &query).await.len()
        };
        let sent = requests_to(&single, &list_path(route));
        assert_eq!(sent.len(), pages_of(asked, 1), "{route}: one request per document");
    }
    assert!(
        requests_to(&single, "/v2/usercollection/rest_mode_period").len() > 1,
        "rest mode periods over several pages"
    );

    // A real test: the date collections span many pages, and every collection has documents.
    for (route, (docs, pages)) in &summary {
        assert!(
            *docs > 0,
            "{route}: no documents in the range, the checks above proved nothing"
        );
        if *docs > PAGE_SIZE && !is_time_series(route) {
            assert!(*pages > 1, "{route}: {docs} documents in one page");
        }
    }
    assert!(summary["daily_sleep"].1 >= 10, "{summary:?}");
    assert!(summary["heartrate"].1 >= 3, "{summary:?}");

    // personal_info: the user's own document.
    paged.clear_requests();
    let me = client.personal_info().await.expect("personal_info");
    assert_eq!(me, paged.personal_info(0).expect("user 0"));
    let other = client_with(&paged, 1, RetryPolicy::disabled())
        .personal_info()
        .await
        .expect("personal_info of user 1");
    assert_eq!(other, paged.personal_info(1).expect("user 1"));
    assert_ne!(me.id, other.id);
    assert_eq!(requests_to(&paged, "/v2/usercollection/personal_info").len(), 2);
}

#[tokio::test]
async fn heart_rate_over_45_days_comes_in_30_day_windows_without_loss_or_repetition() {
    let emulator = start(config(SEED).time_series_page_size(2_000)).await;
    let whole = oracle_emulator(SEED).await;
    let client = client(&emulator, 0);
    let first = emulator.today() - Days::new(50);
    let start = midnight_utc(first);
    // Ends off the 5-minute grid, so no sample lies exactly on the range's end.
    let end = start + chrono::Duration::days(45) - chrono::Duration::seconds(1);
    let range = DateTimeRange::new(start, end).expect("range");

    let samples = client.heartrate().all(range).await.expect("heart rate");

    // The windows asked for: two, contiguous, none longer than Oura's 30 days.
    let sent = requests_to(&emulator, "/v2/usercollection/heartrate");
    assert!(sent.iter().all(|r| r.status == Some(200)), "{sent:?}");
    let windows: Vec<(DateTime<FixedOffset>, DateTime<FixedOffset>)> = sent
        .iter()
        .filter(|r| r.query_param("next_token").is_none())
        .map(|r| {
            let bound = |name| at(&r.query_param(name).expect("window bound"));
            (bound("start_datetime"), bound("end_datetime"))
        })
        .collect();
    assert_eq!(windows.len(), 2, "{windows:?}");
    assert!(sent.len() > windows.len(), "several pages per window: {}", sent.len());
    assert_eq!(windows[0].0, start);
    assert_eq!(windows[0].1, windows[1].0, "the windows must meet");
    assert_eq!(
        windows[1].1,
        end + chrono::Duration::seconds(1),
        "the end is exclusive: one second past the range"
    );
    assert!(
        windows.iter().all(|(s, e)| *e - *s <= chrono::Duration::days(30)),
        "{windows:?}"
    );

    // The same samples as 45 one-day reads.
    let mut expected = Vec::new();
    for offset in 0..45 {
        let day = midnight_utc(first + Days::new(offset));
        let query = [
            ("start_datetime", day.to_rfc3339()),
            ("end_datetime", (day + chrono::Duration::days(1)).to_rfc3339()),
        ];
        expected.extend(oracle(&whole, 0, "heartrate", &query).await);
    }
    let expected: Vec<(DateTime<FixedOffset>, i64, String)> = expected
        .iter()
        .map(|s| {
            (
                at(s["timestamp"].as_str().expect("timestamp")),
                s["bpm"].as_i64().expect("bpm"),
                s["source"].as_str().expect("source").to_owned(),
            )
        })
        .collect();
    let got: Vec<(DateTime<FixedOffset>, i64, String)> = samples
        .iter()
        .map(|s| (s.timestamp, s.bpm, s.source.to_string()))
        .collect();
    assert!(got.len() > 45 * 200, "only {} samples in 45 days", got.len());
    assert_eq!(got.len(), expected.len(), "samples lost or repeated");
    assert!(got == expected, "the windowed samples differ from the per-day ones");

    // Continuity: strictly increasing, on the 5-minute grid, and the sample on the windows'
    // shared edge present once.
    assert!(
        got.windows(2).all(|w| w[0].0 < w[1].0),
        "timestamps not strictly increasing"
    );
    assert!(
        got.iter().all(|(t, _, _)| t.timestamp() % 300 == 0),
        "a sample off the 5-minute grid"
    );
    let edge = windows[0].1;
    let on_edge = got.iter().filter(|(t, _, _)| *t == edge).count();
    let expected_on_edge = expected.iter().filter(|(t, _, _)| *t == edge).count();
    assert_eq!(
        expected_on_edge, 1,
        "the seed has a sample on the edge at {edge}, or this proves nothing"
    );
    assert_eq!(on_edge, 1, "the sample on the window edge at {edge}");
}

/// `DateTimeRange` promises `start..=end`, and its docs say nothing is lost at the edges
/// "whether Oura treats a window's end as inclusive or not"; the emulator treats
/// `end_datetime` as exclusive, like its README says Oura does.
#[tokio::test]
async fn heart_rate_sample_exactly_at_the_range_end_is_kept() {
    let emulator = start(config(SEED)).await;
    let whole = oracle_emulator(SEED).await;
    let client = client(&emulator, 0);
    let day = midnight_utc(emulator.today() - Days::new(20));
    // A day's samples; pick one in the afternoon to end the range on.
    let query = [
        ("start_datetime", day.to_rfc3339()),
        ("end_datetime", (day + chrono::Duration::days(1)).to_rfc3339()),
    ];
    let samples = oracle(&whole, 0, "heartrate", &query).await;
    let last = at(samples[samples.len() / 2]["timestamp"].as_str().expect("timestamp"));
    let range = DateTimeRange::new(day, last).expect("range");
    let got = client.heartrate().all(range).await.expect("heart rate");
    assert_eq!(
        got.last().map(|s| s.timestamp),
        Some(last),
        "the sample at the range's end"
    );
}

fn oauth_client(emulator: &Emulator) -> OAuthClient {
    let endpoints =
        Endpoints::custom(emulator.authorize_url(), emulator.token_url(), emulator.revoke_url()).with_pkce(true);
    let config = OAuthConfig::new(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI).with_endpoints(endpoints);
    OAuthClient::builder(config)
        .application("oura-tests/0")
        .build()
        .expect("OAuth client")
}

/// The user's consent: the emulator agrees at once and redirects to the callback with a code;
/// returns the callback's `code` and `state`.
async fn consent(url: &reqwest::Url) -> (String, String) {
    let http = oura_api_sys::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    let response = http.get(url.clone()).send().await.expect("authorize");
    assert_eq!(response.status(), reqwest::StatusCode::FOUND);
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .expect("a Location")
        .to_str()
        .expect("an ASCII Location");
    assert!(location.starts_with(&format!("{REDIRECT_URI}?")), "{location}");
    let location = reqwest::Url::parse(location).expect("the Location is a URL");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("no {name} in the redirect"))
    };
    (param("code"), param("state"))
}

/// The whole code flow; returns the tokens and the authorization request.
async fn authorize(oauth: &OAuthClient) -> (TokenSet, AuthorizationRequest) {
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily, Scope::Heartrate]);
    let (code, state) = consent(&request.url).await;
    let tokens = oauth
        .exchange_code(&code, Some(&state), &request)
        .await
        .expect("code exchange");
    (tokens, request)
}

fn token_statuses(emulator: &Emulator) -> Vec<Option<u16>> {
    requests_to(emulator, "/oauth/token").iter().map(|r| r.status).collect()
}

#[tokio::test]
async fn oauth_code_flow_with_pkce_then_reads_data() {
    let emulator = start(config(SEED)).await;
    let oauth = oauth_client(&emulator);
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily, Scope::Heartrate]);
    let verifier = request.pkce_verifier.clone().expect("PKCE endpoints give a verifier");

    // The authorization URL: code flow, this client, the S256 challenge, the state.
    let (code, state) = consent(&request.url).await;
    assert_eq!(state, request.state.expose(), "the state comes back unchanged");
    let authorize = requests_to(&emulator, "/oauth/authorize");
    assert_eq!(authorize.len(), 1);
    assert_eq!(authorize[0].query_param("response_type").as_deref(), Some("code"));
    assert_eq!(authorize[0].query_param("client_id").as_deref(), Some(CLIENT_ID));
    assert_eq!(authorize[0].query_param("redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(
        authorize[0].query_param("code_challenge_method").as_deref(),
        Some("S256")
    );
    let challenge = authorize[0].query_param("code_challenge").expect("a challenge");
    assert_eq!(challenge.len(), 43, "a base64url SHA-256");
    assert_ne!(challenge, verifier.expose(), "S256, not plain");
    assert_eq!(
        authorize[0].query_param("scope").as_deref(),
        Some("personal daily heartrate")
    );

    // A forged state is refused before any request.
    let err = oauth
        .exchange_code(&code, Some("forged-state"), &request)
        .await
        .expect_err("a forged state");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(token_statuses(&emulator), Vec::<Option<u16>>::new());

    // The emulator checks the verifier: a wrong one is refused (and burns that code).
    let wrong = AuthorizationRequest::from_parts(
        request.url.clone(),
        request.state.clone(),
        Some(Secret::new("w".repeat(43))),
        request.scopes.clone(),
    );
    let err = oauth
        .exchange_code(&code, Some(&state), &wrong)
        .await
        .expect_err("a wrong verifier");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");

    // The real verifier, on a new code.
    let (code, state) = consent(&request.url).await;
    let before = Utc::now();
    let tokens = oauth
        .exchange_code(&code, Some(&state), &request)
        .await
        .expect("code exchange");
    assert_eq!(token_statuses(&emulator), [Some(400), Some(200)]);
    assert!(tokens.access_token.expose().starts_with("emu_"), "an emulator token");
    assert!(tokens.refresh_token.is_some(), "a refresh token");
    assert_eq!(tokens.scopes, [Scope::Personal, Scope::Daily, Scope::Heartrate]);
    let expires_at = tokens.expires_at.expect("an expiry");
    let day = chrono::Duration::days(1);
    assert!(
        before + day <= expires_at && expires_at <= Utc::now() + day,
        "{expires_at}"
    );

    // Data through the self-refreshing client, as the user who consented (user 0).
    let store = MemoryStore::with_tokens(tokens.clone());
    let api = oauth
        .client_builder(store.clone())
        .base_url(emulator.base_url())
        .build()
        .expect("API client");
    emulator.clear_requests();
    let me = api.personal_info().await.expect("personal_info");
    assert_eq!(me, emulator.personal_info(0).expect("user 0"));
    let week = DateRange::new(emulator.today() - Days::new(6), emulator.today()).expect("range");
    let nights = api.daily_sleep().all(week).await.expect("daily_sleep");
    let direct = client(&emulator, 0).daily_sleep().all(week).await.expect("daily_sleep");
    assert!(!nights.is_empty());
    assert_eq!(nights, direct);
    let bearer = format!("Bearer {}", tokens.access_token.expose());
    let sent: Vec<RecordedRequest> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/") && r.header("authorization") == Some(bearer.as_str()))
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "personal_info and one page of daily_sleep with the OAuth token"
    );
    assert!(sent.iter().all(|r| r.status == Some(200)));
    assert!(
        requests_to(&emulator, "/oauth/token").is_empty(),
        "no refresh was needed"
    );
    assert_eq!(store.get(), Some(tokens), "the store still holds the exchanged tokens");
}

#[tokio::test]
async fn oauth_refresh_rotates_and_the_used_refresh_token_is_refused() {
    let emulator = start(config(SEED)).await;
    let oauth = oauth_client(&emulator);
    let (tokens, _) = authorize(&oauth).await;

    let rotated = oauth.refresh(&tokens).await.expect("refresh");
    assert_ne!(rotated.access_token, tokens.access_token);
    assert_ne!(rotated.refresh_token, tokens.refresh_token);
    assert!(rotated.refresh_token.is_some());
    assert_eq!(rotated.scopes, tokens.scopes);
    let err = oauth.refresh(&tokens).await.expect_err("the used refresh token");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");
    assert_eq!(token_statuses(&emulator), [Some(200), Some(200), Some(400)]);

    // The authenticator rotates too, saves the new set, and the one it spent is dead.
    let store = MemoryStore::with_tokens(rotated.clone());
    let authenticator = oauth.authenticator(store.clone());
    let forced = authenticator.force_refresh().await.expect("forced refresh");
    assert_eq!(store.get().as_ref(), Some(&forced), "saved before use");
    assert_ne!(forced.refresh_token, rotated.refresh_token);
    let err = oauth
        .refresh(&rotated)
        .await
        .expect_err("the refresh token the authenticator spent");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");
    assert_eq!(
        token_statuses(&emulator),
        [Some(200), Some(200), Some(400), Some(200), Some(400)]
    );

    // The newest access token reads data.
    let api = authenticator
        .client_builder()
        .base_url(emulator.base_url())
        .build()
        .expect("API client");
    let me = api.personal_info().await.expect("personal_info");
    assert_eq!(me.id, emulator.personal_info(0).expect("user 0").id);
    let last = emulator.requests().pop().expect("a request");
    let bearer = format!("Bearer {}", forced.access_token.expose());
    assert_eq!(last.header("authorization"), Some(bearer.as_str()));
    assert_eq!(
        requests_to(&emulator, "/oauth/token").len(),
        5,
        "no further token request"
    );
}

#[tokio::test]
async fn oauth_client_refreshes_an_expired_token_by_itself() {
    let emulator = start(config(SEED).token_lifetime(Duration::from_secs(2))).await;
    let oauth = oauth_client(&emulator);
    let user0 = emulator.personal_info(0).expect("user 0");

    // One client knows the expiry and refreshes before it; the other does not (a store without
    // `expires_at`) and refreshes once on the 401.
    let (known, _) = authorize(&oauth).await;
    let (unknown, _) = authorize(&oauth).await;
    assert_eq!(
        known.expires_at.map(|at| (at - Utc::now()).num_seconds() <= 2),
        Some(true)
    );
    let known_store = MemoryStore::with_tokens(known.clone());
    let proactive = oauth
        .authenticator(known_store.clone())
        .refresh_margin(Duration::from_millis(500))
        .client_builder()
        .base_url(emulator.base_url())
        .build()
        .expect("API client");
    let unknown = TokenSet::new(unknown.access_token.clone())
        .with_refresh_token(unknown.refresh_token.clone().expect("a refresh token"));
    let unknown_store = MemoryStore::with_tokens(unknown.clone());
    let reactive = oauth
        .authenticator(unknown_store.clone())
        .refresh_margin(Duration::from_millis(500))
        .client_builder()
        .base_url(emulator.base_url())
        .build()
        .expect("API client");

    // Fresh tokens: no refresh.
    assert_eq!(proactive.personal_info().await.expect("personal_info"), user0);
    assert_eq!(reactive.personal_info().await.expect("personal_info"), user0);
    assert_eq!(token_statuses(&emulator), [Some(200), Some(200)]);

    tokio::time::sleep(Duration::from_millis(2_200)).await;
    emulator.clear_requests();

    // Known expiry: four concurrent reads share one refresh made before any of them is sent.
    let reads = futures::future::join_all((0..4).map(|_| proactive.personal_info())).await;
    assert!(reads.iter().all(|me| me.as_ref().ok() == Some(&user0)), "{reads:?}");
    let statuses: Vec<(String, Option<u16>)> = emulator.requests().into_iter().map(|r| (r.path, r.status)).collect();
    let data = ("/v2/usercollection/personal_info".to_owned(), Some(200));
    assert_eq!(
        statuses,
        [
            ("/oauth/token".to_owned(), Some(200)),
            data.clone(),
            data.clone(),
            data.clone(),
            data,
        ]
    );
    let rotated = known_store.get().expect("tokens");
    assert_ne!(rotated.refresh_token, known.refresh_token, "the rotated set was saved");

    // Unknown expiry: four concurrent reads are refused with 401, one refresh serves them all,
    // and each is sent again once.
    emulator.clear_requests();
    let reads = futures::future::join_all((0..4).map(|_| reactive.personal_info())).await;
    assert!(reads.iter().all(|me| me.as_ref().ok() == Some(&user0)), "{reads:?}");
    let sent = emulator.requests();
    let count = |path: &str, status: u16| {
        sent.iter()
            .filter(|r| r.path == path && r.status == Some(status))
            .count()
    };
    assert_eq!(sent.len(), 9, "{sent:?}");
    assert_eq!(count("/v2/usercollection/personal_info", 401), 4, "{sent:?}");
    assert_eq!(count("/oauth/token", 200), 1, "{sent:?}");
    assert_eq!(count("/v2/usercollection/personal_info", 200), 4, "{sent:?}");
    assert_eq!(sent[0].status, Some(401), "the first answer is the refusal");
    assert_ne!(
        unknown_store.get().expect("tokens").refresh_token,
        unknown.refresh_token
    );

    // Both hold valid tokens now: further reads need no token request.
    emulator.clear_requests();
    proactive.personal_info().await.expect("personal_info");
    reactive.personal_info().await.expect("personal_info");
    assert!(
        requests_to(&emulator, "/oauth/token").is_empty(),
        "{:?}",
        emulator.requests()
    );
}

#[tokio::test]
async fn webhook_subscription_is_verified_and_delivers_the_new_document() {
    let emulator = start(config(SEED)).await;
    let client = client(&emulator, 0);

    // The crate's own router as the callback.
    let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let receiver = Receiver::new(CLIENT_SECRET, VERIFICATION_TOKEN);
    let app = oura::webhooks::router("/oura/webhook", receiver, move |event| {
        let events_tx = events_tx.clone();
        async move {
            events_tx.send(event).expect("the test is listening");
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let callback = format!("http://{}/oura/webhook", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A wrong verification token: the router refuses the challenge, the emulator the subscription.
    let subscriptions = Subscriptions::new(&client, CLIENT_ID, CLIENT_SECRET);
    let wanted = |token: &str| {
        NewSubscription::new(
            WebhookOperation::Create,
            ExtApiV2DataType::DailySleep,
            callback.clone(),
            token.to_owned(),
        )
    };
    let err = subscriptions
        .create(&wanted("not-the-verification-token"))
        .await
        .expect_err("an unverified callback");
    assert!(
        matches!(err, Error::InvalidRequest { status, .. } if status == reqwest::StatusCode::UNPROCESSABLE_ENTITY),
        "{err:?}"
    );

    let created = subscriptions
        .create(&wanted(VERIFICATION_TOKEN))
        .await
        .expect("subscription");
    assert_eq!(created.callback_url, callback);
    assert_eq!(created.event_type, WebhookOperation::Create);
    assert_eq!(created.data_type, ExtApiV2DataType::DailySleep);
    assert!(created.expiration_time > Utc::now() + chrono::Duration::days(89));
    assert_eq!(
        subscriptions.list().await.expect("list"),
        std::slice::from_ref(&created)
    );
    let sent = requests_to(&emulator, "/v2/webhook/subscription");
    let statuses: Vec<(&str, Option<u16>)> = sent.iter().map(|r| (r.method.as_str(), r.status)).collect();
    assert_eq!(statuses, [("POST", Some(422)), ("POST", Some(201)), ("GET", Some(200))]);
    assert!(sent.iter().all(|r| r.header("x-client-id") == Some(CLIENT_ID)));
    assert!(
        sent.iter().all(|r| r.header("authorization").is_none()),
        "the user's token is not sent to subscription routes"
    );

    // A new night: the handler gets exactly its event, verified by the router.
    let week = DateRange::new(emulator.today() - Days::new(6), emulator.today()).expect("range");
    let mut night = client
        .daily_sleep()
        .all(week)
        .await
        .expect("daily_sleep")
        .pop()
        .expect("a night in the last week");
    night.id = String::new();
    night.score = Some(42);
    let id = emulator.add_data(0, night.clone()).await.expect("add_data");
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event in time")
        .expect("an event");
    assert_eq!(event.event_type, WebhookOperation::Create);
    assert_eq!(event.data_type, ExtApiV2DataType::DailySleep);
    assert_eq!(event.object_id, id);
    assert_eq!(event.user_id, emulator.personal_info(0).expect("user 0").id);

    let deliveries = emulator.deliveries();
    assert_eq!(deliveries.len(), 1, "{deliveries:?}");
    let delivery = &deliveries[0];
    assert_eq!(
        (delivery.attempt, delivery.status, delivery.delivered),
        (1, Some(200), true)
    );
    assert_eq!(delivery.subscription_id, created.id);
    assert_eq!(delivery.callback_url, callback);
    assert_eq!(parse_event(delivery.body.as_bytes()).expect("an event"), event);
    verify_signature(
        &Secret::new(CLIENT_SECRET),
        &delivery.signature,
        &delivery.timestamp,
        delivery.body.as_bytes(),
        Utc::now(),
        DEFAULT_TOLERANCE,
    )
    .expect("the delivery is signed with the client secret");

    // The event leads to the document that was added.
    let fetched = event
        .fetch_as::<oura::models::DailySleep>(&client)
        .await
        .expect("fetch")
        .expect("found");
    night.id = id.clone();
    assert_eq!(fetched, night);

    // A forged delivery is refused and never reaches the handler; an update is not subscribed to.
    let forged = oura_api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .post(&callback)
        .header("x-oura-timestamp", Utc::now().timestamp().to_string())
        .header("x-oura-signature", "0".repeat(64))
        .body(delivery.body.clone())
        .send()
        .await
        .expect("forged delivery");
    assert_eq!(forged.status(), reqwest::StatusCode::UNAUTHORIZED);
    emulator.add_data(0, night).await.expect("update");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(events.try_recv().is_err(), "exactly one event reached the handler");
    assert_eq!(emulator.deliveries().len(), 1);
}

#[tokio::test]
async fn rate_limited_reads_wait_as_told_and_return_every_document() {
    let emulator = start(config(SEED).page_size(5).rate_limit(5, Duration::from_secs(1))).await;
    let whole = oracle_emulator(SEED).await;
    // Backoff alone (1 ms, 3 attempts) could not get past a 1-second window: only waiting as
    // Retry-After says does.
    let retry = RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(1),
        max_retry_after: Duration::from_secs(5),
        retry_rate_limited: true,
    };
    let client = client_with(&emulator, 0, retry);
    let days = DateRange::new(emulator.today() - Days::new(49), emulator.today() - Days::new(10)).expect("range");

    let started = Instant::now();
    let nights: Vec<Value> = client
        .daily_sleep()
        .raw()
        .list(days)
        .try_collect()
        .await
        .expect("daily_sleep");
    let elapsed = started.elapsed();

    let expected = oracle(
        &whole,
        0,
        "daily_sleep",
        &[
            ("start_date", days.start().to_string()),
            ("end_date", days.end().to_string()),
        ],
    )
    .await;
    assert_unique("daily_sleep", &nights);
    assert_eq!(keys(&nights), keys(&expected));

    let statuses: Vec<Option<u16>> = emulator.requests().iter().map(|r| r.status).collect();
    let ok = statuses.iter().filter(|s| **s == Some(200)).count();
    let limited = statuses.iter().filter(|s| **s == Some(429)).count();
    assert_eq!(ok + limited, statuses.len(), "{statuses:?}");
    let asked = oracle(
        &whole,
        0,
        "daily_sleep",
        &[
            ("start_date", days.start().to_string()),
            ("end_date", (days.end() + Days::new(1)).to_string()),
        ],
    )
    .await;
    let pages = pages_of(asked.len(), 5);
    assert!(pages > 5, "enough pages to pass the limit: {pages}");
    assert_eq!(ok, pages, "each page answered once: {statuses:?}");
    assert!(limited >= 1, "the emulator answered 429: {statuses:?}");
    assert!(limited <= pages, "the client waited instead of hammering: {statuses:?}");
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    let rate_limit = client.last_rate_limit().expect("rate-limit headers");
    assert_eq!(rate_limit.limit, Some(5));
}

/// Every collection of user 0 (and personal_info), raw, through `client`.
async fn read_everything(client: &Client, emulator: &Emulator) -> Vec<(String, Vec<Value>)> {
    let today = emulator.today();
    let (start, end) = (today - Days::new(60), today - Days::new(1));
    let series_start = midnight_utc(today - Days::new(3));
    let series_end = series_start + chrono::Duration::days(2) - chrono::Duration::seconds(1);
    let mut all = Vec::new();
    for &route in oura::ROUTES {
        let range = any_range(
            route,
            DateRange::new(start, end).expect("days"),
            DateTimeRange::new(series_start, series_end).expect("instants"),
        );
        let docs: Vec<Value> = oura::list_by_route(client, route, range)
            .expect("a known route")
            .try_collect()
            .await
            .unwrap_or_else(|err| panic!("{route}: {err}"));
        all.push((route.to_owned(), docs));
    }
    let me = client.personal_info().await.expect("personal_info");
    all.push((
        "personal_info".to_owned(),
        vec![serde_json::to_value(me).expect("serialize")],
    ));
    all
}

#[tokio::test]
async fn faults_are_retried_and_every_document_arrives_exactly_once() {
    let sizes = |config: EmulatorConfig| config.page_size(3).time_series_page_size(100);
    let faulty = start(sizes(config(SEED)).faults(Faults::rate(0.05))).await;
    let clean = start(sizes(config(SEED))).await;
    let retry = RetryPolicy {
        max_attempts: 8,
        initial_backoff: Duration::from_millis(2),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    };

    let expected = read_everything(&client(&clean, 0), &clean).await;
    let got = read_everything(&client_with(&faulty, 0, retry), &faulty).await;

    for ((route, got), (_, expected)) in got.iter().zip(&expected) {
        assert_unique(route, got);
        assert_eq!(keys(got), keys(expected), "{route}: documents lost or repeated");
        assert!(got == expected, "{route}: the documents' contents differ");
    }
    let documents: usize = expected.iter().map(|(_, docs)| docs.len()).sum();
    assert!(documents > 500, "{documents} documents");

    // The faults really happened: 5xx answers, dropped connections, and 200s whose body was cut
    // (answered, then asked again: more 200s than the clean run needed).
    let statuses: Vec<Option<u16>> = faulty.requests().iter().map(|r| r.status).collect();
    let clean_requests = clean.requests().len();
    let server_errors = statuses.iter().filter(|s| s.is_some_and(|s| s >= 500)).count();
    let dropped = statuses.iter().filter(|s| s.is_none()).count();
    let ok = statuses.iter().filter(|s| **s == Some(200)).count();
    assert_eq!(ok + server_errors + dropped, statuses.len(), "{statuses:?}");
    let truncated = ok
        .checked_sub(clean_requests)
        .expect("at least the clean run's requests");
    println!(
        "{} requests (clean run {clean_requests}): {server_errors} 5xx, {dropped} dropped, {truncated} truncated",
        statuses.len()
    );
    assert!(server_errors >= 1, "no 5xx injected");
    assert!(dropped >= 1, "no connection dropped");
    assert!(truncated >= 1, "no body truncated");
}
