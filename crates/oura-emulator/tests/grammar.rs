//! The query grammar through the routes: every row of `tests/grammar.json` (the table that
//! `grammar-check.sh` checks against pydantic itself) sent as a query parameter gets the row's
//! verdict, 200 or the live API's 422 body with the row's errors.

mod common;

use chrono::NaiveDate;
use common::{get, start};
use oura_emulator::EmulatorConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};

const TABLE: &str = include_str!("grammar.json");

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn every_row_is_answered_with_its_verdict_on_the_routes() {
    let emulator = start(
        EmulatorConfig::new()
            .seed(1)
            .users(1)
            .history_days(30)
            .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")),
    )
    .await;
    let token = emulator.token(0);
    let rows: Vec<Value> = serde_json::from_str(TABLE).expect("table");
    assert!(rows.len() >= 40);
    for row in &rows {
        let param = row["param"].as_str().expect("param");
        let input = row["input"].as_str().expect("input");
        let value = encode(input);
        // The same value for both ends keeps every accepted range empty or tiny and in order.
        let path = match param {
            "start_datetime" | "end_datetime" => {
                format!("/v2/usercollection/ring_battery_level?start_datetime={value}&end_datetime={value}")
            }
            "start_date" | "end_date" => {
                format!("/v2/usercollection/daily_sleep?start_date={value}&end_date={value}")
            }
            "latest" => format!("/v2/usercollection/heartrate?latest={value}"),
            other => panic!("unknown parameter {other}"),
        };
        let answer = get(&emulator, &path, Some(&token)).await;
        let what = format!("{param}={input:?}");
        if row.get("value").is_some() {
            assert_eq!(answer.status, StatusCode::OK, "{what}: {}", answer.body);
            assert!(answer.json()["data"].is_array(), "{what}");
            continue;
        }
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            answer.body
        );
        let detail = answer.json()["detail"].clone();
        let detail = detail.as_array().expect("a list of errors");
        let want = row["errors"].as_array().expect("errors");
        // Dates and date-times: both ends carry the same bad value, so each end reports it.
        let per_end = if param == "latest" { 1 } else { 2 };
        assert_eq!(detail.len(), want.len() * per_end, "{what}: {detail:?}");
        for (index, got) in detail.iter().enumerate() {
            let mut want = want[index % want.len()].clone();
            if index >= want_len(row) {
                let end = param.replace("start_", "end_");
                want["loc"][1] = json!(end);
            }
            assert_eq!(got["type"], want["type"], "{what}");
            assert_eq!(got["loc"], want["loc"], "{what}");
            assert_eq!(got["msg"], want["msg"], "{what}");
            assert_eq!(got["input"], json!(input), "{what}");
        }
    }
}

fn want_len(row: &Value) -> usize {
    row["errors"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn parameters_a_route_does_not_take_are_ignored_as_fastapi_ignores_them() {
    let emulator = start(
        EmulatorConfig::new()
            .seed(1)
            .users(1)
            .history_days(30)
            .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")),
    )
    .await;
    let token = emulator.token(0);
    // The user route takes `latest` and `fields`: a bad `latest` is refused, `fields` filters.
    let refused = get(&emulator, "/v2/usercollection/heartrate?latest=maybe", Some(&token)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let filtered = get(&emulator, "/v2/usercollection/daily_sleep?fields=day", Some(&token)).await;
    let first = filtered.json()["data"][0].clone();
    assert!(first.get("score").is_none(), "not asked for: {first}");
    assert!(first.get("timestamp").is_some(), "required fields stay");
    // The sandbox twins take neither (the catalog says so): both are ignored.
    for path in [
        "/v2/sandbox/usercollection/heartrate?latest=maybe",
        "/v2/sandbox/usercollection/heartrate?latest=true",
        "/v2/sandbox/usercollection/daily_sleep?fields=day",
    ] {
        let answer = get(&emulator, path, None).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
    }
    let latest = get(&emulator, "/v2/sandbox/usercollection/heartrate?latest=true", None).await;
    let all = get(&emulator, "/v2/sandbox/usercollection/heartrate", None).await;
    assert_eq!(
        latest.json()["data"],
        all.json()["data"],
        "latest is ignored, not applied"
    );
    assert!(all.json()["data"].as_array().is_some_and(|d| d.len() > 1));
    let unfiltered = get(&emulator, "/v2/sandbox/usercollection/daily_sleep?fields=day", None).await;
    let first = unfiltered.json()["data"][0].clone();
    assert!(
        first.get("score").is_some(),
        "fields is ignored by the sandbox: {first}"
    );
    // ring_configuration takes no dates: a date range is ignored and the whole list served.
    let whole = get(&emulator, "/v2/usercollection/ring_configuration", Some(&token)).await;
    let ranged = get(
        &emulator,
        "/v2/usercollection/ring_configuration?start_date=2030-01-01&end_date=2030-01-02",
        Some(&token),
    )
    .await;
    assert_eq!(ranged.status, StatusCode::OK);
    assert_eq!(whole.json(), ranged.json());
    assert!(whole.json()["data"].as_array().is_some_and(|d| !d.is_empty()));
}
