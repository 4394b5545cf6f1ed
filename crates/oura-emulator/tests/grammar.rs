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
