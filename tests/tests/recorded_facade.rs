//! Every recorded live body, served by a mock at its route, read through the facade's typed
//! collections; and the generated `oura-api-sys` client working at runtime on its own.

use futures::StreamExt;
use httpmock::prelude::*;
use oura::{Client, Document, Documents, RangeQuery};
use oura_tests::{Exchange, recorded};

fn client(server: &MockServer) -> Client {
    Client::builder()
        .token("t")
        .base_url(server.base_url())
        .build()
        .expect("client")
}

/// The value of a query parameter of the recorded request.
fn param<'a>(exchange: &'a Exchange, name: &str) -> Option<&'a str> {
    exchange
        .query()
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Reads the first page of a recorded listing through `docs`; returns how many documents decoded.
async fn first_page<T: Document>(docs: Documents<T>, exchange: &Exchange) -> Result<usize, String> {
    let (start, end) = match (param(exchange, "start_date"), param(exchange, "start_datetime")) {
        (Some(start), _) => (Some(start), param(exchange, "end_date")),
        (None, Some(start)) => (Some(start), param(exchange, "end_datetime")),
        (None, None) => (None, None),
    };
    // The range must cover what was recorded. Some recordings probe Oura with invalid bounds
    // (`end_date=2`); read those with everything Oura could hold.
    let everything = || T::Range::from_bounds(Some("2015-01-01"), Some("2030-12-31"));
    let range = T::Range::from_bounds(start.or(Some("2015-01-01")), end.or(Some("2030-12-31")))
        .or_else(|_| everything())
        .map_err(|err| format!("{}: {err}", exchange.file))?;
    let page = docs
        .pages(range)
        .next()
        .await
        .ok_or_else(|| format!("{}: no page", exchange.file))?;
    page.map(|p| p.data.len())
        .map_err(|err| format!("{}: {err}", exchange.file))
}

async fn single<T: oura::SingleDocument>(docs: Documents<T>, exchange: &Exchange, id: &str) -> Result<usize, String> {
    docs.get(id)
        .await
        .map(|_| 1)
        .map_err(|err| format!("{}: {err}", exchange.file))
}

#[tokio::test]
async fn every_recorded_live_body_reads_through_the_facade() {
    let server = MockServer::start_async().await;
    let client = client(&server);
    let exchanges = recorded();
    let mut read_count = 0;
    let mut failures = Vec::new();
    for exchange in exchanges.iter().filter(|e| e.is_live() && e.status == 200) {
        let Some((collection, id)) = exchange.collection() else {
            continue;
        };
        let mock = server
            .mock_async(|when, then| {
                when.path(exchange.path());
                then.status(200)
                    .header("content-type", "application/json")
                    .body(&exchange.body);
            })
            .await;
        macro_rules! dispatch {
            ($($route:literal => $method:ident),* $(,)?) => {
                match (collection, id) {
                    ("heartrate", None) => first_page(client.heartrate(), exchange).await,
                    ("ring_battery_level", None) => first_page(client.ring_battery_level(), exchange).await,
                    ("personal_info", None) => client.personal_info().await.map(|_| 1).map_err(|e| e.to_string()),
                    $(
                        ($route, None) => first_page(client.$method(), exchange).await,
                        ($route, Some(id)) => single(client.$method(), exchange, id).await,
                    )*
                    (other, _) => Err(format!("{}: unknown route {other}", exchange.file)),
                }
            };
        }
        let result = dispatch! {
            "daily_activity" => daily_activity, "daily_cardiovascular_age" => daily_cardiovascular_age,
            "daily_readiness" => daily_readiness, "daily_resilience" => daily_resilience,
            "daily_sleep" => daily_sleep, "daily_spo2" => daily_spo2, "daily_stress" => daily_stress,
            "enhanced_tag" => enhanced_tag, "rest_mode_period" => rest_mode_period,
            "ring_configuration" => ring_configuration,
            "session" => session, "sleep" => sleep, "sleep_time" => sleep_time, "tag" => tag,
            "vO2_max" => vo2_max, "workout" => workout,
        };
        match result {
            Ok(_) => read_count += 1,
            Err(err) => failures.push(err),
        }
        mock.delete_async().await;
    }
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        read_count >= 45,
        "expected the recorded live data exchanges, read {read_count}"
    );
}

/// The generated client on its own: builder parameters become the exact query, typed dates
/// and date-times are sent as Oura expects (the `+` of an offset encoded), the page decodes.
#[tokio::test]
async fn the_generated_client_sends_typed_parameters_and_decodes_pages() {
    let server = MockServer::start_async().await;
    let sleep = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/daily_sleep")
                .query_param("start_date", "2024-01-01")
                .query_param("end_date", "2024-01-07")
                .header("user-agent", "sys-test/1.0");
            then.status(200)
                .json_body(serde_json::json!({ "data": [], "next_token": null }));
        })
        .await;
    let heartrate = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/heartrate")
                .query_param("start_datetime", "2024-01-01T00:00:00+02:00")
                .query_param("latest", "true");
            then.status(200).json_body(serde_json::json!({
                "data": [{ "bpm": 61, "source": "a_source_added_later", "timestamp": "2024-01-01T00:05:00+02:00" }]
            }));
        })
        .await;
    let http = oura_api_sys::tls::client_builder()
        .user_agent("sys-test/1.0")
        .build()
        .expect("http");
    let sys = oura_api_sys::Client::new_with_client(&server.base_url(), http);
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2024, 1, d).expect("date");
    let page = sys
        .multiple_daily_sleep_documents()
        .start_date(day(1))
        .end_date(day(7))
        .send()
        .await
        .expect("page");
    assert!(page.data.is_empty());
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+02:00").expect("date-time");
    let page = sys
        .multiple_heartrate_documents()
        .start_datetime(start)
        .latest(true)
        .send()
        .await
        .expect("heartrate page");
    assert_eq!(page.data[0].bpm, 61);
    assert_eq!(
        page.data[0].timestamp.offset().local_minus_utc(),
        7200,
        "the offset is kept"
    );
    assert_eq!(
        page.data[0].source,
        oura_api_sys::open_enums::PublicHeartRateSource::Other("a_source_added_later".into())
    );
    sleep.assert_calls_async(1).await;
    heartrate.assert_calls_async(1).await;
}
