//! The by-route listing of raw documents against a mock server: the text of each document as
//! sent, the same queries, filtering and limits as every listing.

use futures::TryStreamExt;
use httpmock::prelude::*;
use oura::{Client, DateRange, DateTimeRange, Error, Position};

const TOKEN: &str = "test-token-do-not-log";

fn client(server: &MockServer, max_pages: usize) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(server.base_url())
        .max_pages(max_pages)
        .build()
        .expect("client")
}

/// Two pages of daily sleep, written by hand: Oura's key order (not alphabetical), an escape,
/// a space inside a string and one outside; the second page has the day after the range, which
/// is asked for and dropped.
const FIRST: &str = r#"{"data":[{"id":"a\u00e9","day":"2024-01-01","score":80,"note":"x y"},{"score":null, "day":"2024-01-02","id":"b"}],"next_token":"page-2"}"#;
const SECOND: &str = r#"{"data":[{"id":"c","day":"2024-01-03"},{"id":"d","day":"2024-01-04"}],"next_token":null}"#;

#[tokio::test]
async fn raw_pages_are_the_documents_text_as_sent_filtered_to_the_range() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/daily_sleep")
                .query_param("start_date", "2024-01-01")
                .query_param("end_date", "2024-01-04")
                .query_param_missing("next_token")
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(200).header("content-type", "application/json").body(FIRST);
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/daily_sleep")
                .query_param("next_token", "page-2");
            then.status(200).header("content-type", "application/json").body(SECOND);
        })
        .await;

    let range = DateRange::parse("2024-01-01", "2024-01-03").expect("range");
    let pages: Vec<oura::Page<oura::RawDocument>> =
        oura::raw_pages_by_route(&client(&server, 10), "daily_sleep", range)
            .expect("pages")
            .try_collect()
            .await
            .expect("pages");

    first.assert_calls_async(1).await;
    second.assert_calls_async(1).await;
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].next_token.as_deref(), Some("page-2"));
    assert_eq!(pages[1].next_token, None);
    let texts: Vec<Vec<&str>> = pages
        .iter()
        .map(|page| page.data.iter().map(|doc| doc.text()).collect())
        .collect();
    assert_eq!(
        texts,
        vec![
            vec![
                r#"{"id":"a\u00e9","day":"2024-01-01","score":80,"note":"x y"}"#,
                r#"{"score":null, "day":"2024-01-02","id":"b"}"#,
            ],
            vec![r#"{"id":"c","day":"2024-01-03"}"#],
        ]
    );

    // The head: the id unescaped, the position field of the collection's row, parsed.
    let heads: Vec<(Option<&str>, Option<&str>, Option<Position>)> = pages
        .iter()
        .flat_map(|page| &page.data)
        .map(|doc| (doc.id(), doc.position_text(), doc.position()))
        .collect();
    let day = |text: &str| Some(Position::Day(oura::parse_date(text).expect("day")));
    assert_eq!(
        heads,
        vec![
            (Some("aé"), Some("2024-01-01"), day("2024-01-01")),
            (Some("b"), Some("2024-01-02"), day("2024-01-02")),
            (Some("c"), Some("2024-01-03"), day("2024-01-03")),
        ]
    );
    // Oura's spacing is noticed: the second document is not compact.
    let compact: Vec<bool> = pages[0].data.iter().map(oura::RawDocument::is_compact).collect();
    assert_eq!(compact, [true, false]);
}

#[tokio::test]
async fn raw_pages_keep_the_limits_of_every_listing() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/daily_sleep")
                .query_param_missing("next_token");
            then.status(200).header("content-type", "application/json").body(FIRST);
        })
        .await;
    let range = DateRange::parse("2024-01-01", "2024-01-03").expect("range");
    let result: Result<Vec<_>, Error> = oura::raw_pages_by_route(&client(&server, 1), "daily_sleep", range)
        .expect("pages")
        .try_collect()
        .await;
    assert!(
        matches!(result, Err(Error::TooManyPages { ref route, limit: 1 }) if route == "daily_sleep"),
        "{result:?}"
    );
    first.assert_calls_async(1).await;

    // A range of the wrong kind is an error before any request.
    let err = oura::raw_pages_by_route(&client(&server, 10), "heartrate", range)
        .err()
        .expect("wrong kind");
    assert!(matches!(err, Error::InvalidInput(_)), "{err}");
    first.assert_calls_async(1).await;
}

#[tokio::test]
async fn a_series_sample_on_the_window_edge_is_kept_once() {
    let server = MockServer::start_async().await;
    let body = r#"{"data":[{"bpm":60,"source":"awake","timestamp":"2024-01-01T00:00:00+00:00"},{"bpm":61,"source":"awake","timestamp":"2024-01-01T01:00:01+00:00"}],"next_token":null}"#;
    let page = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/usercollection/heartrate");
            then.status(200).header("content-type", "application/json").body(body);
        })
        .await;
    let start = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00+00:00").expect("start");
    let end = chrono::DateTime::parse_from_rfc3339("2024-01-01T01:00:00+00:00").expect("end");
    let range = DateTimeRange::new(start, end).expect("range");
    let docs: Vec<oura::RawDocument> = oura::raw_pages_by_route(&client(&server, 10), "heartrate", range)
        .expect("pages")
        .map_ok(|page| futures::stream::iter(page.data.into_iter().map(Ok::<_, Error>)))
        .try_flatten()
        .try_collect()
        .await
        .expect("documents");
    page.assert_calls_async(1).await;
    let heartrate = oura::collection("heartrate").expect("collection");
    let positions: Vec<Option<Position>> = docs
        .iter()
        .map(|doc| oura::position_of(heartrate, &doc.decode().expect("json")))
        .collect();
    assert_eq!(positions, vec![Some(Position::Time(start))]);
}

/// Two windows of heart rate, the first of two pages: each page is filtered by its own window's
/// bounds (placed by text, made once per window), so a sample of the first window that comes
/// back in the second window's page, or one past the first window in its second page, is
/// dropped, and no sample is lost.
#[tokio::test]
async fn each_window_filters_its_pages_by_its_own_bounds() {
    let server = MockServer::start_async().await;
    let sample = |at: &str| format!(r#"{{"bpm":60,"source":"awake","timestamp":"{at}"}}"#);
    let page = |at: &[&str], token: &str| {
        let data: Vec<String> = at.iter().map(|at| sample(at)).collect();
        format!(r#"{{"data":[{}],"next_token":{token}}}"#, data.join(","))
    };
    let answers = [
        (
            "2024-01-01T00:00:00+00:00",
            None,
            page(&["2024-01-01T00:00:00+00:00", "2024-01-15T00:00:00+00:00"], r#""more""#),
        ),
        (
            "2024-01-01T00:00:00+00:00",
            Some("more"),
            page(&["2024-01-30T23:59:59+00:00", "2024-01-31T00:00:00+00:00"], "null"),
        ),
        (
            "2024-01-31T00:00:00+00:00",
            None,
            page(&["2024-01-20T00:00:00+00:00", "2024-02-01T00:00:00+00:00"], "null"),
        ),
    ];
    let mut mocks = Vec::new();
    for (start, token, body) in answers {
        mocks.push(
            server
                .mock_async(|when, then| {
                    let when = when
                        .method(GET)
                        .path("/v2/usercollection/heartrate")
                        .query_param("start_datetime", start);
                    match token {
                        Some(token) => when.query_param("next_token", token),
                        None => when.query_param_missing("next_token"),
                    };
                    then.status(200).header("content-type", "application/json").body(body);
                })
                .await,
        );
    }
    let range = DateTimeRange::parse("2024-01-01T00:00:00+00:00", "2024-02-05T00:00:00+00:00").expect("range");
    let kept: Vec<String> = oura::raw_pages_by_route(&client(&server, 10), "heartrate", range)
        .expect("pages")
        .map_ok(|page| futures::stream::iter(page.data.into_iter().map(Ok::<_, Error>)))
        .try_flatten()
        .map_ok(|doc| doc.position_text().unwrap_or_default().to_owned())
        .try_collect()
        .await
        .expect("documents");
    for mock in mocks {
        mock.assert_calls_async(1).await;
    }
    assert_eq!(
        kept,
        [
            "2024-01-01T00:00:00+00:00",
            "2024-01-15T00:00:00+00:00",
            "2024-01-30T23:59:59+00:00",
            "2024-02-01T00:00:00+00:00"
        ]
    );
}
