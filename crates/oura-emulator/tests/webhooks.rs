//! Webhook subscriptions: verification handshake, signed delivery with retries, renewal.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::IntoResponse;
use axum::routing::get;
use common::{client, get as get_path, start};
use hmac::{Hmac, Mac};
use oura_api_sys::types;
use oura_emulator::{Collection, EmulatorConfig};
use reqwest::StatusCode;
use sha2::Sha256;

#[derive(Default)]
struct Receiver {
    verifications: Mutex<Vec<(String, String)>>,
    events: Mutex<Vec<(HeaderMap, Bytes)>>,
    fail_first: AtomicUsize,
    echo_wrong: bool,
}

async fn verify(
    State(receiver): State<Arc<Receiver>>,
    Query(query): Query<Vec<(String, String)>>,
) -> impl IntoResponse {
    let value = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let (token, challenge) = (value("verification_token"), value("challenge"));
    receiver
        .verifications
        .lock()
        .expect("lock")
        .push((token.clone(), challenge.clone()));
    if token != "my-verification-token" {
        return (AxStatus::UNAUTHORIZED, axum::Json(serde_json::json!({}))).into_response();
    }
    let challenge = if receiver.echo_wrong {
        "something else".to_owned()
    } else {
        challenge
    };
    axum::Json(serde_json::json!({ "challenge": challenge })).into_response()
}

async fn event(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> AxStatus {
    if receiver
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
    {
        return AxStatus::SERVICE_UNAVAILABLE;
    }
    receiver.events.lock().expect("lock").push((headers, body));
    AxStatus::OK
}

async fn receiver(receiver: Receiver) -> (Arc<Receiver>, String) {
    let receiver = Arc::new(receiver);
    let app = Router::new()
        .route("/hook", get(verify).post(event))
        .with_state(Arc::clone(&receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (receiver, url)
}

fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .seed(11)
        .history_days(30)
        .client("hook-app", "hook-secret")
        .webhook_retries(3, Duration::from_millis(20))
}

async fn call(
    emulator: &oura_emulator::Emulator,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
    secret: &str,
) -> (StatusCode, String) {
    let mut request = client()
        .request(method, format!("{}{path}", emulator.base_url()))
        .header("x-client-id", "hook-app")
        .header("x-client-secret", secret);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    (response.status(), response.text().await.expect("body"))
}

fn expected_signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02X}")).collect()
}

#[tokio::test]
async fn subscribe_verify_and_receive_a_signed_event() {
    let emulator = start(config()).await;
    let (receiver, url) = receiver(Receiver {
        fail_first: AtomicUsize::new(1),
        ..Receiver::default()
    })
    .await;
    let body = serde_json::json!({
        "callback_url": url,
        "verification_token": "my-verification-token",
        "event_type": "create",
        "data_type": "daily_sleep",
    });
    let (status, created) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    // Whole seconds, as the live API sends them (recorded: "2024-08-24T14:15:22Z").
    let raw: serde_json::Value = serde_json::from_str(&created).expect("JSON");
    let expiration = raw["expiration_time"].as_str().expect("expiration_time");
    assert!(
        !expiration.contains('.') && expiration.len() <= "2024-08-24T14:15:22+00:00".len(),
        "{expiration}"
    );
    let created: types::WebhookSubscriptionModel = serde_json::from_str(&created).expect("model");
    assert_eq!(created.callback_url, url);
    assert!(created.expiration_time > chrono::Utc::now() + chrono::Duration::days(80));
    {
        let verifications = receiver.verifications.lock().expect("lock");
        assert_eq!(verifications.len(), 1);
        assert_eq!(verifications[0].0, "my-verification-token");
        assert!(!verifications[0].1.is_empty());
    }

    let (status, listed) = call(
        &emulator,
        reqwest::Method::GET,
        "/v2/webhook/subscription",
        None,
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let listed: Vec<types::WebhookSubscriptionModel> = serde_json::from_str(&listed).expect("list");
    assert_eq!(listed, vec![created.clone()]);

    // New data: the first delivery fails (503), the retry succeeds.
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let document = types::PublicDailySleep {
        contributors: types::PublicSleepContributors::default(),
        day,
        id: String::new(),
        score: Some(81),
        timestamp: "2026-01-01T00:00:00+02:00".parse().expect("time"),
    };
    let id = emulator.add_data(0, document).await.expect("added");
    let events = receiver.events.lock().expect("lock").clone();
    assert_eq!(events.len(), 1, "delivered once, after one retry");
    let (headers, raw) = &events[0];
    let timestamp = headers["x-oura-timestamp"].to_str().expect("timestamp");
    let signature = headers["x-oura-signature"].to_str().expect("signature");
    assert_eq!(signature, expected_signature("hook-secret", timestamp, raw));
    assert_ne!(signature, expected_signature("other-secret", timestamp, raw));
    let event: serde_json::Value = serde_json::from_slice(raw).expect("JSON");
    assert_eq!(event["event_type"], "create");
    assert_eq!(event["data_type"], "daily_sleep");
    assert_eq!(event["object_id"], id.as_str());
    assert_eq!(event["user_id"], emulator.personal_info(0).expect("user").id);
    assert!(
        event["event_time"]
            .as_str()
            .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
    );

    let deliveries = emulator.deliveries();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(
        (deliveries[0].attempt, deliveries[0].status, deliveries[0].delivered),
        (1, Some(503), false)
    );
    assert_eq!(
        (deliveries[1].attempt, deliveries[1].status, deliveries[1].delivered),
        (2, Some(200), true)
    );

    // The receiver fetches the document by object_id.
    let fetched = get_path(
        &emulator,
        &format!("/v2/usercollection/daily_sleep/{id}"),
        Some(&emulator.token(0)),
    )
    .await;
    let fetched: types::PublicDailySleep = fetched.decode();
    assert_eq!(fetched.score, Some(81));
    assert_eq!(fetched.day, day);

    // Other collections and event types are not delivered to this subscription.
    emulator
        .delete_data(0, Collection::DailySleep, &id)
        .await
        .expect("deleted");
    assert_eq!(receiver.events.lock().expect("lock").len(), 1);

    // Renew, update, get, delete.
    let path = format!("/v2/webhook/subscription/renew/{}", created.id);
    let (status, renewed) = call(&emulator, reqwest::Method::PUT, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::OK);
    let renewed: types::WebhookSubscriptionModel = serde_json::from_str(&renewed).expect("model");
    assert!(renewed.expiration_time >= created.expiration_time);
    let path = format!("/v2/webhook/subscription/{}", created.id);
    let update = serde_json::json!({"verification_token": "my-verification-token", "event_type": "delete"});
    let (status, updated) = call(&emulator, reqwest::Method::PUT, &path, Some(update), "hook-secret").await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    let updated: types::WebhookSubscriptionModel = serde_json::from_str(&updated).expect("model");
    assert_eq!(updated.event_type.as_str(), "delete");
    let (status, _) = call(&emulator, reqwest::Method::GET, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(&emulator, reqwest::Method::DELETE, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // A deleted (unknown) id is answered as the live API answers one: 403 on GET, 404 on DELETE.
    let (status, body) = call(&emulator, reqwest::Method::GET, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, r#"{"detail":"Forbidden"}"#);
    let (status, body) = call(&emulator, reqwest::Method::DELETE, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let id = path.rsplit('/').next().expect("id");
    assert_eq!(body, format!(r#"{{"detail":"No webhook id {id} found."}}"#));
}

#[tokio::test]
async fn refusals() {
    let emulator = start(config()).await;
    let (receiver_ok, url) = receiver(Receiver::default()).await;
    let body = |url: &str, token: &str, data_type: &str| {
        serde_json::json!({
            "callback_url": url,
            "verification_token": token,
            "event_type": "create",
            "data_type": data_type,
        })
    };
    // Wrong client secret.
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body(&url, "my-verification-token", "tag")),
        "wrong",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The receiver refuses the verification token.
    let (status, answer) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body(&url, "other-token", "tag")),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    let error: types::HttpValidationError = serde_json::from_str(&answer).expect("422 body");
    assert_eq!(
        serde_json::to_value(&error.detail[0].loc).expect("loc"),
        serde_json::json!(["body", "callback_url"])
    );
    // Unknown data type.
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body(&url, "my-verification-token", "meal_plan")),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A receiver that does not echo the challenge.
    let (_, wrong_url) = receiver(Receiver {
        echo_wrong: true,
        ..Receiver::default()
    })
    .await;
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body(&wrong_url, "my-verification-token", "tag")),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing outside the machine is called.
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body("http://example.com/hook", "t", "tag")),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Malformed body.
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(serde_json::json!({"callback_url": url})),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, listed) = call(
        &emulator,
        reqwest::Method::GET,
        "/v2/webhook/subscription",
        None,
        "hook-secret",
    )
    .await;
    assert_eq!((status, listed.as_str()), (StatusCode::OK, "[]"));
    // Only the well-formed request from the right client reached the receiver.
    assert_eq!(receiver_ok.verifications.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn expired_subscriptions_get_nothing_until_renewed() {
    let emulator = start(config().webhook_lifetime(Duration::from_secs(3600))).await;
    let (receiver, url) = receiver(Receiver::default()).await;
    let body = serde_json::json!({
        "callback_url": url,
        "verification_token": "my-verification-token",
        "event_type": "create",
        "data_type": "tag",
    });
    let (status, created) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let created: types::WebhookSubscriptionModel = serde_json::from_str(&created).expect("model");
    // The emulator's clock passes the hour; no test sleeps on the wall clock.
    emulator.advance_clock(Duration::from_secs(3600));
    let tag = types::TagModel {
        day: chrono::NaiveDate::from_ymd_opt(2025, 12, 31).expect("date"),
        id: String::new(),
        tags: vec!["coffee".into()],
        text: None,
        timestamp: "2025-12-31T09:00:00+00:00".parse().expect("time"),
    };
    emulator.add_data(1, tag.clone()).await.expect("added");
    assert!(receiver.events.lock().expect("lock").is_empty(), "expired: no delivery");
    let path = format!("/v2/webhook/subscription/renew/{}", created.id);
    let (status, _) = call(&emulator, reqwest::Method::PUT, &path, None, "hook-secret").await;
    assert_eq!(status, StatusCode::OK);
    emulator.add_data(1, tag).await.expect("added");
    assert_eq!(receiver.events.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn admin_route_adds_data_and_delivers() {
    let emulator = start(config()).await;
    let (receiver, url) = receiver(Receiver::default()).await;
    let body = serde_json::json!({
        "callback_url": url,
        "verification_token": "my-verification-token",
        "event_type": "create",
        "data_type": "workout",
    });
    let (status, _) = call(
        &emulator,
        reqwest::Method::POST,
        "/v2/webhook/subscription",
        Some(body),
        "hook-secret",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let workout = serde_json::json!({
        "activity": "running",
        "day": "2025-12-31",
        "start_datetime": "2025-12-31T07:00:00+01:00",
        "end_datetime": "2025-12-31T07:40:00+01:00",
        "intensity": "hard",
        "source": "manual",
    });
    let response = client()
        .post(format!("{}/_emulator/users/0/documents/workout", emulator.base_url()))
        .json(&workout)
        .send()
        .await
        .expect("admin");
    assert_eq!(response.status(), StatusCode::CREATED);
    let id = response.json::<serde_json::Value>().await.expect("JSON")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let events = receiver.events.lock().expect("lock").clone();
    assert_eq!(events.len(), 1);
    let event: serde_json::Value = serde_json::from_slice(&events[0].1).expect("JSON");
    assert_eq!(event["object_id"], id.as_str());
    let fetched = get_path(
        &emulator,
        &format!("/v2/usercollection/workout/{id}"),
        Some(&emulator.token(0)),
    )
    .await;
    let fetched: types::PublicWorkout = fetched.decode();
    assert_eq!(fetched.activity, "running");
    assert!(emulator.requests().iter().all(|r| !r.path.starts_with("/_emulator")));
}
