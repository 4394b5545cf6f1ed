//! Replays the method, path and query of every recorded exchange in
//! `$OURA_SHARED/oura/recorded/` (default `../shared` beside the workspace) against the emulator
//! and compares the status, and for errors the body's shape.
//!
//! Two things cannot match and are expected instead, each said below where it applies:
//! - the live account's document ids and webhook subscription ids are unknown to the emulator,
//!   so a request for one is answered as the live API answers an unknown id (404 for documents;
//!   403 for `GET` of a subscription, 404 for `PUT`, renew and `DELETE`, as recorded);
//! - 13 files are hand-written fixtures of a public test suite, not live answers (their
//!   `"source"` says so). Where one contradicts the live recordings the live recordings win and
//!   the test names the fixture and the reason.
//!
//! Webhook bodies were not recorded: `POST`/`PUT` send the body the recorded answer implies
//! (same `event_type`/`data_type`), with a loopback callback that passes verification.

mod common;

use std::path::PathBuf;

use axum::extract::Query;
use axum::routing::get as route_get;
use chrono::NaiveDate;
use common::{UA, client, start};
use oura_emulator::EmulatorConfig;
use reqwest::Method;
use serde_json::{Value, json};

fn recorded_dir() -> PathBuf {
    let shared = std::env::var_os("OURA_SHARED").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
        PathBuf::from,
    );
    let dir = shared.join("oura").join("recorded");
    assert!(
        dir.is_dir(),
        "the recorded exchanges are missing at {} (set OURA_SHARED)",
        dir.display()
    );
    dir
}

struct Exchange {
    file: String,
    live: bool,
    method: Method,
    path: String,
    query: Option<String>,
    status: u16,
    body: String,
}

fn exchanges() -> Vec<Exchange> {
    let mut files: Vec<_> = std::fs::read_dir(recorded_dir())
        .expect("read the recorded directory")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    // The empty list was recorded before any subscription existed: replay it first.
    files.sort_by_key(|p| (!p.ends_with("list_webhook_subscription_empty.json"), p.clone()));
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read");
            let value: Value = serde_json::from_str(&text).expect("JSON");
            let url = reqwest::Url::parse(value["request"]["url"].as_str().expect("url")).expect("URL");
            Exchange {
                file: path.file_name().expect("name").to_string_lossy().into_owned(),
                live: value["source"] == "recorded from the live API",
                method: value["request"]["method"]
                    .as_str()
                    .expect("method")
                    .parse()
                    .expect("method"),
                path: url.path().to_owned(),
                query: url.query().map(str::to_owned),
                status: u16::try_from(value["status"].as_u64().expect("status")).expect("u16"),
                body: value["body"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// The shape of an error body: `{"detail": "text"}` or `{"detail": [{type, loc, msg...}]}`
/// with each entry's type and location.
fn shape(body: &str) -> Value {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    match &value["detail"] {
        Value::String(_) => json!("detail: text"),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| json!({"type": i["type"], "loc": i["loc"], "msg": i["msg"].is_string()}))
                .collect(),
        ),
        other => json!({ "unexpected": other }),
    }
}

/// What the emulator must answer instead of the recording, and why (`None`: the recording).
fn expected(exchange: &Exchange) -> Option<(u16, &'static str)> {
    let file = exchange.file.as_str();
    let is_single_document = file.starts_with("single_") && file != "single_personal_info.json";
    if !exchange.live {
        return match file {
            "multiple_daily_cardiovascular_age_with_token.json"
            | "multiple_ring_configuration_with_token.json"
            | "multiple_tag_with_token.json" => Some((
                400,
                "hand-written fixture: `next_token=token123` is not a token this server issued",
            )),
            "single_daily_cardiovascular_age_malformed.json"
            | "single_ring_configuration_malformed.json"
            | "single_tag_malformed_id.json" => Some((
                404,
                "hand-written fixture: the live API answers any unknown id, `not-existing` \
                 included, with 404 (single_*_non_existing.json), not a 422 on its format",
            )),
            _ if is_single_document && exchange.status == 200 => {
                Some((404, "hand-written fixture's document id is unknown to the emulator"))
            }
            _ => None,
        };
    }
    if is_single_document && exchange.status == 200 {
        return Some((404, "the live account's document id is unknown to the emulator"));
    }
    if exchange.path.starts_with("/v2/webhook/subscription/") && exchange.status / 100 == 2 {
        return Some(if exchange.method == Method::GET {
            (
                403,
                "the live subscription id is unknown; the live API answers GET of one with 403",
            )
        } else {
            (
                404,
                "the live subscription id is unknown; the live API answers it with 404",
            )
        });
    }
    None
}

/// A loopback receiver that passes the verification handshake.
async fn receiver() -> String {
    let app = axum::Router::new().route(
        "/hook",
        route_get(
            |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                axum::Json(json!({ "challenge": q.get("challenge").cloned().unwrap_or_default() }))
            },
        )
        .post(|| async { "ok" }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The body a webhook request sends: what its recorded answer implies.
fn webhook_body(exchange: &Exchange, callback: &str) -> Option<Value> {
    match (exchange.method.as_str(), exchange.file.as_str()) {
        ("POST", "create_webhook_subscription_invalid.json") => Some(json!({
            "callback_url": callback, "verification_token": "token",
            "event_type": "create", "data_type": "not_a_collection",
        })),
        ("POST", _) => Some(json!({
            "callback_url": callback, "verification_token": "token",
            "event_type": "create", "data_type": "tag",
        })),
        ("PUT", "update_webhook_subscription_invalid.json") => Some(json!({ "callback_url": callback })),
        ("PUT", file) if !file.starts_with("renew") => Some(json!({
            "callback_url": callback, "verification_token": "token",
            "event_type": "create", "data_type": "tag",
        })),
        _ => None,
    }
}

#[tokio::test]
async fn every_recorded_exchange_is_answered_as_the_live_api_answered_it() {
    let emulator = start(
        EmulatorConfig::new()
            .seed(3)
            .users(1)
            .history_days(120)
            .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")),
    )
    .await;
    let callback = receiver().await;
    let token = emulator.token(0);
    let all = exchanges();
    assert_eq!(all.len(), 86, "the recorded directory holds 86 exchanges");
    let mut failures = Vec::new();
    let mut substituted = 0;
    for exchange in &all {
        let url = match &exchange.query {
            Some(query) => format!("{}{}?{query}", emulator.base_url(), exchange.path),
            None => format!("{}{}", emulator.base_url(), exchange.path),
        };
        let mut request = client()
            .request(exchange.method.clone(), &url)
            .header("user-agent", UA)
            .bearer_auth(&token)
            .header("x-client-id", "emulator-client")
            .header("x-client-secret", "emulator-secret");
        if let Some(body) = webhook_body(exchange, &callback) {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        let (want, why) = match expected(exchange) {
            Some((status, why)) => {
                substituted += 1;
                (status, why)
            }
            None => (exchange.status, "as recorded"),
        };
        if status != want {
            failures.push(format!(
                "{}: {} {url}: {status} (want {want}, {why}): {body}",
                exchange.file, exchange.method
            ));
            continue;
        }
        if want >= 400 && want == exchange.status && shape(&body) != shape(&exchange.body) {
            failures.push(format!(
                "{}: error body shape {} (recorded {})",
                exchange.file,
                shape(&body),
                shape(&exchange.body)
            ));
        }
        if want >= 400 && want != exchange.status {
            assert_eq!(shape(&body), json!("detail: text"), "{}: {body}", exchange.file);
        }
        if exchange.file == "list_webhook_subscription_empty.json" {
            assert_eq!(body, "[]", "no subscription before the create is replayed");
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // 14 live single documents, 4 live subscription ids, 8 hand-written fixtures.
    assert_eq!(substituted, 26, "the expected substitutions, no more");
    assert_eq!(
        emulator.requests().len(),
        all.len(),
        "one request per exchange, each recorded by the emulator"
    );
}

/// The instants of `body` at offset zero (`Z`, `+00:00` or `-00:00`), by their form.
fn zero_offsets(body: &str) -> Vec<&'static str> {
    fn strings(value: &Value, out: &mut Vec<&'static str>) {
        match value {
            Value::String(text) => {
                let instant = text.len() > 19 && text.as_bytes()[10] == b'T' && text.as_bytes()[4] == b'-';
                if instant && text.ends_with('Z') {
                    out.push("Z");
                } else if instant && (text.ends_with("+00:00") || text.ends_with("-00:00")) {
                    out.push("+00:00");
                }
            }
            Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
            Value::Object(map) => map.values().for_each(|item| strings(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    strings(&serde_json::from_str(body).unwrap_or(Value::Null), &mut out);
    out
}

#[tokio::test]
async fn instants_at_offset_zero_are_written_as_the_live_api_writes_them() {
    // The evidence: the live documents write an instant in UTC with `+00:00`, never `Z` (heart
    // rate, daily sleep and readiness, workouts, rest mode, ring configuration). One document
    // differs: the vO2_max document, which its publisher rewrote when scrubbing it (its body
    // alone has spaces after its commas). Webhook subscriptions write `Z`; the emulator
    // writes them so too, with the models' serializer.
    let mut live = std::collections::BTreeMap::<(&str, bool), usize>::new();
    for exchange in exchanges().iter().filter(|e| e.live && e.status == 200) {
        let documents = exchange.path.starts_with("/v2/usercollection/");
        let rewritten = exchange.body.contains("\", \"");
        for form in zero_offsets(&exchange.body) {
            assert!(
                !documents || form == "+00:00" || rewritten,
                "{}: a live document writes UTC as {form}",
                exchange.file
            );
            *live.entry((form, documents)).or_default() += 1;
        }
    }
    assert!(live[&("+00:00", true)] > 4000, "{live:?}");

    // The emulator: every collection of twelve users (some at offset zero, and heart rate and
    // battery levels always in UTC).
    let emulator = start(
        EmulatorConfig::new()
            .seed(11)
            .users(12)
            .history_days(40)
            .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")),
    )
    .await;
    let mut written = std::collections::BTreeMap::<&str, usize>::new();
    for user in 0..12 {
        let token = emulator.token(user);
        for collection in oura_emulator::Collection::ALL {
            let spec = collection.spec();
            let range = match spec.range {
                oura_api_sys::catalog::RangeKind::Whole => String::new(),
                oura_api_sys::catalog::RangeKind::Days => "?start_date=2025-06-01&end_date=2025-06-30".to_owned(),
                oura_api_sys::catalog::RangeKind::Series => {
                    "?start_datetime=2025-06-29T00:00:00%2B00:00&end_datetime=2025-06-30T00:00:00%2B00:00".to_owned()
                }
            };
            for fields in ["", "fields=id"] {
                let sep = if range.is_empty() { '?' } else { '&' };
                let query = if fields.is_empty() {
                    range.clone()
                } else {
                    format!("{range}{sep}{fields}")
                };
                let url = format!("{}/v2/usercollection/{}{query}", emulator.base_url(), spec.route);
                let response = client().get(&url).bearer_auth(&token).send().await.expect("request");
                assert_eq!(response.status(), 200, "{url}");
                let body = response.text().await.expect("body");
                for form in zero_offsets(&body) {
                    assert_eq!(form, "+00:00", "{url}: {body:.300}");
                    *written.entry(form).or_default() += 1;
                }
            }
        }
    }
    // Heart rate alone: a day of five-minute samples, twice, for each user.
    assert!(
        written.get("+00:00").copied().unwrap_or(0) > 12 * 2 * 288,
        "{written:?}"
    );
}
