//! Webhooks: signatures against vectors computed with openssl, challenges, every subscription
//! call against a mock server (exact headers, bodies and call counts), reconciliation, fetching
//! an event's document, and the axum router end to end.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use httpmock::prelude::*;
use oura::models::{ExtApiV2DataType, VO2Max, WebhookOperation};
use oura::webhooks::{
    ChallengeError, ChallengeQuery, DEFAULT_TOLERANCE, DesiredSubscriptions, EventDocument, NewSubscription,
    ReceiveError, Receiver, ReconcileAction, ReconcileError, SignatureError, SubscriptionUpdate, Subscriptions,
    WebhookEvent, answer_challenge, parse_event, sign, verify_signature,
};
use oura::{Client, Error, RetryPolicy, Secret};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::json;

// ---------------------------------------------------------------------------------------------
// Signature vectors, computed independently with OpenSSL 3.0.19:
//
//   printf '%s' "<timestamp><body>" | openssl dgst -sha256 -hmac "oura-test-client-secret"

const SECRET: &str = "oura-test-client-secret";

/// A compact body in Oura's field order, signed at 1700000000.
const BODY_1: &str = r#"{"event_type":"create","data_type":"sleep","object_id":"8f9a5221-639e-4a8a-8f4e-2f0d3a9a8a11","event_time":"2023-11-14T22:13:20+00:00","user_id":"ab12cd34"}"#;
const TS_1: &str = "1700000000";
/// `printf '%s' "1700000000$BODY_1" | openssl dgst -sha256 -hmac "$SECRET"`
const SIG_1: &str = "71b3b7d00ba0ff515f0505db1c19814b7683bf733eb1dc7a47b0ea7ccfa65815";

/// A body with spaces after `:` and `,` (as Python's `json.dumps` writes it), at 1700000100.
const BODY_2_SPACED: &str = r#"{"event_type": "update", "data_type": "vo2_max", "object_id": "c2d9e7a4-5b1f-4e0a-9d3c-7f6b8a1e2d40", "event_time": "2023-11-14T23:13:20.123+01:00", "user_id": "ab12cd34"}"#;
/// The same body re-serialized compactly (what `JSON.stringify(body)` gives).
const BODY_2_COMPACT: &str = r#"{"event_type":"update","data_type":"vo2_max","object_id":"c2d9e7a4-5b1f-4e0a-9d3c-7f6b8a1e2d40","event_time":"2023-11-14T23:13:20.123+01:00","user_id":"ab12cd34"}"#;
const TS_2: &str = "1700000100";
/// `printf '%s' "1700000100$BODY_2_COMPACT" | openssl dgst -sha256 -hmac "$SECRET"`
const SIG_2_OVER_COMPACT: &str = "fbf138b6d7f6c7687dec3d119603ee1ef0171eb00f54405507314abd0a54efc5";
/// `printf '%s' "1700000100$BODY_2_SPACED" | openssl dgst -sha256 -hmac "$SECRET"`
const SIG_2_OVER_SPACED: &str = "5f423e606ec4005ab9ab1fbe1e469dd7a26e35db6fe498672ae151c1f28eaf53";

/// BODY_1 signed at a timestamp in milliseconds.
const TS_MS: &str = "1700000000123";
/// `printf '%s' "1700000000123$BODY_1" | openssl dgst -sha256 -hmac "$SECRET"`
const SIG_MS: &str = "e4c3c251f57f5eb161ca937ffe607ac00415b30c25d49665354df6e1b1fbbf6d";

fn secret() -> Secret {
    Secret::new(SECRET)
}

fn at(unix: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(unix, 0).single().expect("time")
}

fn verify(signature: &str, timestamp: &str, body: &str, now: i64) -> Result<(), SignatureError> {
    verify_signature(
        &secret(),
        signature,
        timestamp,
        body.as_bytes(),
        at(now),
        DEFAULT_TOLERANCE,
    )
}

#[test]
fn openssl_vector_verifies_in_lower_and_upper_case() {
    assert_eq!(verify(SIG_1, TS_1, BODY_1, 1_700_000_000), Ok(()));
    assert_eq!(verify(&SIG_1.to_uppercase(), TS_1, BODY_1, 1_700_000_000), Ok(()));
    // Oura writes upper case; so does `sign`.
    assert_eq!(sign(&secret(), TS_1, BODY_1.as_bytes()), SIG_1.to_uppercase());
    assert_eq!(
        sign(&secret(), TS_2, BODY_2_COMPACT.as_bytes()),
        SIG_2_OVER_COMPACT.to_uppercase()
    );
}

#[test]
fn a_tampered_body_is_rejected() {
    let tampered = BODY_1.replace("8f9a5221", "8f9a5222");
    assert_eq!(
        verify(SIG_1, TS_1, &tampered, 1_700_000_000),
        Err(SignatureError::Mismatch)
    );
    let tampered = BODY_1.replace("\"create\"", "\"delete\"");
    assert_eq!(
        verify(SIG_1, TS_1, &tampered, 1_700_000_000),
        Err(SignatureError::Mismatch)
    );
    // Whitespace added inside a string value changes the content, not just the layout.
    let tampered = BODY_1.replace("ab12cd34", "ab12 cd34");
    assert_eq!(
        verify(SIG_1, TS_1, &tampered, 1_700_000_000),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn a_tampered_timestamp_is_rejected() {
    assert_eq!(
        verify(SIG_1, "1700000001", BODY_1, 1_700_000_000),
        Err(SignatureError::Mismatch)
    );
    // The signed text is the timestamp as sent: a re-formatted number does not verify.
    assert_eq!(
        verify(SIG_1, "01700000000", BODY_1, 1_700_000_000),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn timestamps_outside_the_window_are_rejected_either_way() {
    // Exactly at the edge of the default 5 minutes: accepted.
    assert_eq!(verify(SIG_1, TS_1, BODY_1, 1_700_000_300), Ok(()));
    assert_eq!(verify(SIG_1, TS_1, BODY_1, 1_699_999_700), Ok(()));
    // Replayed later, or from the future.
    for now in [1_700_000_301, 1_699_999_699, 1_800_000_000] {
        let err = verify(SIG_1, TS_1, BODY_1, now).expect_err("outside the window");
        assert_eq!(
            err,
            SignatureError::OutsideWindow {
                sent_at: at(1_700_000_000),
                now: at(now),
                tolerance: DEFAULT_TOLERANCE,
            }
        );
        assert_eq!(err.status(), 401);
    }
    // A configured window.
    let hour = Duration::from_secs(3600);
    assert_eq!(
        verify_signature(&secret(), SIG_1, TS_1, BODY_1.as_bytes(), at(1_700_003_600), hour),
        Ok(())
    );
    // A timestamp that is no number.
    assert_eq!(
        verify(SIG_1, "yesterday", BODY_1, 1_700_000_000),
        Err(SignatureError::InvalidTimestamp("yesterday".into()))
    );
}

#[test]
fn millisecond_timestamps_are_read_as_such() {
    assert_eq!(verify(SIG_MS, TS_MS, BODY_1, 1_700_000_000), Ok(()));
    assert!(matches!(
        verify(SIG_MS, TS_MS, BODY_1, 1_700_000_400),
        Err(SignatureError::OutsideWindow { .. })
    ));
}

#[test]
fn a_wrong_secret_is_rejected() {
    for wrong in ["oura-test-client-secreT", "", "oura-test-client-secret "] {
        assert_eq!(
            verify_signature(
                &Secret::new(wrong),
                SIG_1,
                TS_1,
                BODY_1.as_bytes(),
                at(1_700_000_000),
                DEFAULT_TOLERANCE
            ),
            Err(SignatureError::Mismatch),
            "{wrong:?}"
        );
    }
}

#[test]
fn the_compact_re_serialization_of_the_body_is_accepted() {
    // Signed over the compact form, delivered with spaces: accepted.
    assert_eq!(verify(SIG_2_OVER_COMPACT, TS_2, BODY_2_SPACED, 1_700_000_100), Ok(()));
    // Signed over the bytes as delivered: accepted.
    assert_eq!(verify(SIG_2_OVER_SPACED, TS_2, BODY_2_SPACED, 1_700_000_100), Ok(()));
    assert_eq!(verify(SIG_2_OVER_COMPACT, TS_2, BODY_2_COMPACT, 1_700_000_100), Ok(()));
    // Re-serialization is no loophole: a changed value still fails, and so does the compact
    // body against a signature over another layout.
    let tampered = BODY_2_SPACED.replace("\"update\"", "\"delete\"");
    assert_eq!(
        verify(SIG_2_OVER_COMPACT, TS_2, &tampered, 1_700_000_100),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        verify(SIG_2_OVER_SPACED, TS_2, BODY_2_COMPACT, 1_700_000_100),
        Err(SignatureError::Mismatch)
    );
}

#[test]
fn malformed_signatures_are_rejected_before_any_comparison() {
    for bad in [
        "",
        "abc",
        &SIG_1[..63],
        &format!("{}g", &SIG_1[..63]),
        &format!("{SIG_1}00"),
    ] {
        assert_eq!(
            verify(bad, TS_1, BODY_1, 1_700_000_000),
            Err(SignatureError::MalformedSignature),
            "{bad:?}"
        );
    }
}

fn headers(signature: Option<&str>, timestamp: Option<&str>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(signature) = signature {
        headers.insert("x-oura-signature", signature.parse().expect("header"));
    }
    if let Some(timestamp) = timestamp {
        headers.insert("x-oura-timestamp", timestamp.parse().expect("header"));
    }
    headers
}

#[test]
fn the_receiver_reads_headers_and_parses_the_event() {
    let receiver = Receiver::new(SECRET, "verify-me");
    let upper = SIG_1.to_uppercase();
    let event = receiver
        .receive_at(&headers(Some(&upper), Some(TS_1)), BODY_1.as_bytes(), at(1_700_000_010))
        .expect("verified");
    assert_eq!(event.event_type, WebhookOperation::Create);
    assert_eq!(event.data_type, ExtApiV2DataType::Sleep);
    assert_eq!(event.object_id, "8f9a5221-639e-4a8a-8f4e-2f0d3a9a8a11");
    assert_eq!(event.user_id, "ab12cd34");
    assert_eq!(event.event_time.timestamp(), 1_700_000_000);

    let missing = receiver
        .receive_at(&headers(None, Some(TS_1)), BODY_1.as_bytes(), at(1_700_000_010))
        .expect_err("no signature");
    assert!(matches!(
        missing,
        ReceiveError::Signature(SignatureError::MissingSignature)
    ));
    assert_eq!(missing.status(), 401);
    let missing = receiver
        .verify_at(&headers(Some(SIG_1), None), BODY_1.as_bytes(), at(1_700_000_010))
        .expect_err("no timestamp");
    assert_eq!(missing, SignatureError::MissingTimestamp);

    // A narrower window on the receiver.
    let strict = Receiver::new(SECRET, "verify-me").tolerance(Duration::from_secs(5));
    assert!(matches!(
        strict.verify_at(&headers(Some(SIG_1), Some(TS_1)), BODY_1.as_bytes(), at(1_700_000_010)),
        Err(SignatureError::OutsideWindow { .. })
    ));

    // A correctly signed body that is not an event: 400, not 401.
    let body = br#"{"hello":"world"}"#;
    let signature = sign(&secret(), TS_1, body);
    let err = receiver
        .receive_at(&headers(Some(&signature), Some(TS_1)), body, at(1_700_000_000))
        .expect_err("not an event");
    assert!(matches!(err, ReceiveError::Event(Error::Decode { .. })), "{err:?}");
    assert_eq!(err.status(), 400);
}

#[test]
fn events_parse_and_serialize_back_to_the_same_json() {
    let event = parse_event(BODY_2_SPACED.as_bytes()).expect("event");
    assert_eq!(event.data_type, ExtApiV2DataType::Vo2Max);
    assert_eq!(event.route(), "vO2_max");
    assert_eq!(event.event_time.offset().local_minus_utc(), 3600);
    assert_eq!(
        serde_json::to_value(&event).expect("json"),
        serde_json::from_str::<serde_json::Value>(BODY_2_COMPACT).expect("json")
    );
}

// ---------------------------------------------------------------------------------------------
// The verification challenge

#[test]
fn the_challenge_is_echoed_for_the_right_token_only() {
    let expected = Secret::new("verify-me");
    let query = ChallengeQuery::from_query("verification_token=verify-me&challenge=c%2F123");
    assert_eq!(answer_challenge(&query, &expected), Ok(json!({"challenge": "c/123"})));

    for (query, error) in [
        ("verification_token=verify-mE&challenge=x", ChallengeError::WrongToken),
        (
            "verification_token=verify-me-too&challenge=x",
            ChallengeError::WrongToken,
        ),
        ("verification_token=&challenge=x", ChallengeError::WrongToken),
        ("challenge=x", ChallengeError::MissingToken),
        ("verification_token=verify-me", ChallengeError::MissingChallenge),
    ] {
        let err = answer_challenge(&ChallengeQuery::from_query(query), &expected).expect_err(query);
        assert_eq!(err, error, "{query}");
        assert_eq!(err.status(), 401);
    }

    let receiver = Receiver::new(SECRET, "verify-me");
    assert_eq!(
        receiver.answer_challenge(&ChallengeQuery::new("verify-me", "abc")),
        Ok(json!({"challenge": "abc"}))
    );
}

// ---------------------------------------------------------------------------------------------
// Subscriptions against a mock server

const CLIENT_ID: &str = "test-client-id";
const CLIENT_SECRET: &str = "test-client-secret-do-not-log";
const USER_TOKEN: &str = "user-token-not-for-webhooks";
const CALLBACK: &str = "https://example.com/oura/webhook";
const ID: &str = "c534043e-ba54-4131-9dce-e40537823bfd";
const UNKNOWN_ID: &str = "c534043e-ba54-4131-9dce-e40537823bff";

/// A recorded exchange's status and body, from the shared context.
fn recorded(name: &str) -> (u16, String) {
    let dir = std::env::var_os("OURA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared")));
    let path = dir.join("oura/recorded").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let exchange: serde_json::Value = serde_json::from_str(&text).expect("recorded exchange");
    let status = exchange["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .expect("status");
    (status, exchange["body"].as_str().expect("body").to_owned())
}

fn client(server: &MockServer) -> Client {
    Client::builder()
        .token(USER_TOKEN)
        .base_url(server.base_url())
        .application("oura-webhook-tests/1.0")
        .retry(RetryPolicy {
            initial_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
        .build()
        .expect("client")
}

fn subscriptions(server: &MockServer) -> Subscriptions {
    Subscriptions::new(&client(server), CLIENT_ID, CLIENT_SECRET)
}

/// The application's headers, and never the user's token.
fn app_auth(when: httpmock::When) -> httpmock::When {
    when.header("x-client-id", CLIENT_ID)
        .header("x-client-secret", CLIENT_SECRET)
        .header(
            "user-agent",
            format!("oura-webhook-tests/1.0 {}", oura::DEFAULT_USER_AGENT),
        )
        .header_missing("authorization")
}

fn reply(then: httpmock::Then, (status, body): (u16, String)) -> httpmock::Then {
    let then = then.status(status);
    if body.is_empty() {
        then
    } else {
        then.header("content-type", "application/json").body(body)
    }
}

#[tokio::test]
async fn list_sends_the_application_credentials() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            reply(then, recorded("list_webhook_subscription"));
        })
        .await;
    let all = subscriptions(&server).list().await.expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, ID);
    assert_eq!(all[0].callback_url, "http://www.example.com");
    assert_eq!(all[0].event_type, WebhookOperation::Create);
    assert_eq!(all[0].data_type, ExtApiV2DataType::Tag);
    assert_eq!(all[0].expiration_time.to_rfc3339(), "2024-08-24T14:15:22+00:00");
    assert_eq!(list.calls_async().await, 1);
}

#[tokio::test]
async fn an_empty_list_is_empty() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            reply(then, recorded("list_webhook_subscription_empty"));
        })
        .await;
    assert_eq!(subscriptions(&server).list().await.expect("list"), vec![]);
    assert_eq!(list.calls_async().await, 1);
}

#[tokio::test]
async fn get_returns_one_subscription_and_maps_403() {
    let server = MockServer::start_async().await;
    let found = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path(format!("/v2/webhook/subscription/{ID}")));
            reply(then, recorded("get_webhook_subscription"));
        })
        .await;
    let forbidden = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path(format!("/v2/webhook/subscription/{UNKNOWN_ID}")));
            reply(then, recorded("get_webhook_subscription_forbidden"));
        })
        .await;
    let subscriptions = subscriptions(&server);
    let subscription = subscriptions.get(ID).await.expect("get");
    assert_eq!(subscription.id, ID);
    assert_eq!(subscription.expiration_time.to_rfc3339(), "2024-08-24T14:15:22+00:00");

    let err = subscriptions.get(UNKNOWN_ID).await.expect_err("403");
    assert!(
        matches!(&err, Error::Forbidden { detail: Some(d), .. } if d == "Forbidden"),
        "{err:?}"
    );
    assert!(!err.to_string().contains(CLIENT_SECRET));
    assert_eq!(found.calls_async().await, 1);
    assert_eq!(forbidden.calls_async().await, 1, "403 is not retried");

    let err = subscriptions.get(" ").await.expect_err("empty id");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
}

#[tokio::test]
async fn create_posts_the_exact_body_and_maps_422() {
    let server = MockServer::start_async().await;
    let created = server
        .mock_async(|when, then| {
            app_auth(when.method(POST).path("/v2/webhook/subscription"))
                .header("content-type", "application/json")
                .json_body(json!({
                    "callback_url": "http://example.com",
                    "verification_token": "verify-me",
                    "event_type": "create",
                    "data_type": "tag",
                }));
            reply(then, recorded("create_webhook_subscription"));
        })
        .await;
    let invalid = server
        .mock_async(|when, then| {
            app_auth(when.method(POST).path("/v2/webhook/subscription")).json_body(json!({
                "callback_url": "http://example.com",
                "verification_token": "verify-me",
                "event_type": "create",
                "data_type": "teg",
            }));
            reply(then, recorded("create_webhook_subscription_invalid"));
        })
        .await;
    let subscriptions = subscriptions(&server);
    let new = NewSubscription::new(
        WebhookOperation::Create,
        ExtApiV2DataType::Tag,
        "http://example.com",
        "verify-me",
    );
    let subscription = subscriptions.create(&new).await.expect("create");
    assert_eq!(subscription.id, "5d3fe17b-f880-4d93-b9b6-afbfb76c1e78");
    assert_eq!(subscription.data_type, ExtApiV2DataType::Tag);
    assert_eq!(subscription.expiration_time.to_rfc3339(), "2019-08-24T14:15:22+00:00");

    let bad = NewSubscription {
        data_type: ExtApiV2DataType::from("teg"),
        ..new
    };
    let err = subscriptions.create(&bad).await.expect_err("422");
    let Error::InvalidRequest { status, detail, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(status.as_u16(), 422);
    assert_eq!(detail.validation().len(), 1);
    assert_eq!(detail.validation()[0].msg, "Invalid data_type value");
    assert_eq!(created.calls_async().await, 1);
    assert_eq!(invalid.calls_async().await, 1);
}

#[tokio::test]
async fn create_is_not_retried_after_a_server_error() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            app_auth(when.method(POST).path("/v2/webhook/subscription"));
            then.status(502);
        })
        .await;
    let new = NewSubscription::new(WebhookOperation::Update, ExtApiV2DataType::Sleep, CALLBACK, "t");
    let err = subscriptions(&server).create(&new).await.expect_err("502");
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    assert_eq!(failing.calls_async().await, 1, "a POST may have taken effect");
}

#[tokio::test]
async fn update_puts_only_what_changes_and_maps_404_and_422() {
    let server = MockServer::start_async().await;
    let updated = server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path(format!("/v2/webhook/subscription/{ID}"))).json_body(json!({
                "verification_token": "verify-me",
                "callback_url": "http://example.com",
            }));
            reply(then, recorded("update_webhook_subscription"));
        })
        .await;
    let not_found = server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path(format!("/v2/webhook/subscription/{UNKNOWN_ID}"))).json_body(json!({
                "verification_token": "verify-me",
                "event_type": "delete",
                "data_type": "workout",
            }));
            reply(then, recorded("update_webhook_subscription_not_found"));
        })
        .await;
    let invalid = server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path(format!("/v2/webhook/subscription/{UNKNOWN_ID}")))
                .json_body(json!({"verification_token": ""}));
            reply(then, recorded("update_webhook_subscription_invalid"));
        })
        .await;
    let subscriptions = subscriptions(&server);
    let subscription = subscriptions
        .update(
            ID,
            &SubscriptionUpdate::new("verify-me").callback_url("http://example.com"),
        )
        .await
        .expect("update");
    assert_eq!(subscription.callback_url, "http://example.com");

    let change = SubscriptionUpdate::new("verify-me")
        .event_type(WebhookOperation::Delete)
        .data_type(ExtApiV2DataType::Workout);
    let err = subscriptions.update(UNKNOWN_ID, &change).await.expect_err("404");
    assert!(
        matches!(&err, Error::NotFound { detail: Some(d), .. } if d == &format!("Subscription with id {UNKNOWN_ID} not found.")),
        "{err:?}"
    );

    let err = subscriptions
        .update(UNKNOWN_ID, &SubscriptionUpdate::new(""))
        .await
        .expect_err("422");
    assert!(
        matches!(&err, Error::InvalidRequest { detail, .. } if detail.to_string() == "body.verification_token: verification_token is required"),
        "{err:?}"
    );
    assert_eq!(updated.calls_async().await, 1);
    assert_eq!(not_found.calls_async().await, 1);
    assert_eq!(invalid.calls_async().await, 1);
}

#[tokio::test]
async fn delete_answers_204_and_maps_404() {
    let server = MockServer::start_async().await;
    let deleted = server
        .mock_async(|when, then| {
            app_auth(when.method(DELETE).path(format!("/v2/webhook/subscription/{ID}")));
            reply(then, recorded("delete_webhook_subscription"));
        })
        .await;
    let not_found = server
        .mock_async(|when, then| {
            app_auth(
                when.method(DELETE)
                    .path(format!("/v2/webhook/subscription/{UNKNOWN_ID}")),
            );
            reply(then, recorded("delete_webhook_subscription_not_found"));
        })
        .await;
    let subscriptions = subscriptions(&server);
    assert_eq!(recorded("delete_webhook_subscription").0, 204);
    subscriptions.delete(ID).await.expect("delete");
    let err = subscriptions.delete(UNKNOWN_ID).await.expect_err("404");
    assert!(
        matches!(&err, Error::NotFound { detail: Some(d), .. } if d == &format!("No webhook id {UNKNOWN_ID} found.")),
        "{err:?}"
    );
    assert_eq!(deleted.calls_async().await, 1);
    assert_eq!(not_found.calls_async().await, 1);
}

#[tokio::test]
async fn renew_puts_to_the_renew_route_and_maps_404() {
    let server = MockServer::start_async().await;
    let renewed = server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path(format!("/v2/webhook/subscription/renew/{ID}")));
            reply(then, recorded("renew_webhook_subscription"));
        })
        .await;
    let not_found = server
        .mock_async(|when, then| {
            app_auth(
                when.method(PUT)
                    .path(format!("/v2/webhook/subscription/renew/{UNKNOWN_ID}")),
            );
            reply(then, recorded("renew_webhook_subscription_not_found"));
        })
        .await;
    let subscriptions = subscriptions(&server);
    let subscription = subscriptions.renew(ID).await.expect("renew");
    assert_eq!(subscription.id, ID);
    assert_eq!(subscription.expiration_time.to_rfc3339(), "2024-08-24T14:15:22+00:00");
    let err = subscriptions.renew(UNKNOWN_ID).await.expect_err("404");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(renewed.calls_async().await, 1);
    assert_eq!(not_found.calls_async().await, 1);
}

#[tokio::test]
async fn ids_are_percent_encoded_in_paths() {
    let server = MockServer::start_async().await;
    let odd = server
        .mock_async(|when, then| {
            app_auth(when.method(DELETE).path("/v2/webhook/subscription/a%2Fb%20c"));
            then.status(204);
        })
        .await;
    subscriptions(&server).delete("a/b c").await.expect("delete");
    assert_eq!(odd.calls_async().await, 1);
}

#[test]
fn debug_output_never_shows_the_client_secret() {
    let client = Client::sandbox().expect("client");
    let debug = format!("{:?}", Subscriptions::new(&client, CLIENT_ID, CLIENT_SECRET));
    assert!(debug.contains(CLIENT_ID), "{debug}");
    assert!(!debug.contains(CLIENT_SECRET), "{debug}");
    let debug = format!("{:?}", Receiver::new(CLIENT_SECRET, "verification-token-xyz"));
    assert!(!debug.contains(CLIENT_SECRET) && !debug.contains("xyz"), "{debug}");
}

// ---------------------------------------------------------------------------------------------
// Reconciliation

fn subscription_json(
    id: &str,
    url: &str,
    event_type: &str,
    data_type: &str,
    expires_in_days: i64,
) -> serde_json::Value {
    json!({
        "id": id,
        "callback_url": url,
        "event_type": event_type,
        "data_type": data_type,
        "expiration_time": (Utc::now() + chrono::Duration::days(expires_in_days)).to_rfc3339(),
    })
}

/// Mocks the renewal of `id`, answering with a fresh expiration time.
async fn mock_renew<'a>(server: &'a MockServer, id: &str, event_type: &str, data_type: &str) -> httpmock::Mock<'a> {
    let body = subscription_json(id, CALLBACK, event_type, data_type, 90);
    server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path(format!("/v2/webhook/subscription/renew/{id}")));
            then.status(200).json_body(body);
        })
        .await
}

/// Mocks the creation of one pair at CALLBACK, with the exact body.
async fn mock_create<'a>(
    server: &'a MockServer,
    event_type: &str,
    data_type: &str,
    new_id: &str,
) -> httpmock::Mock<'a> {
    let body = subscription_json(new_id, CALLBACK, event_type, data_type, 90);
    server
        .mock_async(|when, then| {
            app_auth(when.method(POST).path("/v2/webhook/subscription")).json_body(json!({
                "callback_url": CALLBACK,
                "verification_token": "verify-me",
                "event_type": event_type,
                "data_type": data_type,
            }));
            then.status(201).json_body(body);
        })
        .await
}

async fn mock_delete<'a>(server: &'a MockServer, id: &str) -> httpmock::Mock<'a> {
    server
        .mock_async(|when, then| {
            app_auth(when.method(DELETE).path(format!("/v2/webhook/subscription/{id}")));
            then.status(204);
        })
        .await
}

/// The subscriptions the reconciliation tests start from.
fn existing() -> serde_json::Value {
    json!([
        // Wanted, expires in 2 days: renewed.
        subscription_json("sleep-create", CALLBACK, "create", "sleep", 2),
        // Wanted, expires in 60 days: kept.
        subscription_json("readiness-create", CALLBACK, "create", "daily_readiness", 60),
        // Wanted, a duplicate expiring earlier: unwanted.
        subscription_json("readiness-create-dup", CALLBACK, "create", "daily_readiness", 30),
        // Not wanted at this callback URL.
        subscription_json("tag-delete", CALLBACK, "delete", "tag", 60),
        // Another application's endpoint (same client): never touched, even when expiring.
        subscription_json("other-url", "https://other.example/hook", "create", "sleep", 1),
    ])
}

fn desired() -> DesiredSubscriptions {
    DesiredSubscriptions::new(CALLBACK, "verify-me")
        .pair(WebhookOperation::Create, ExtApiV2DataType::Sleep)
        .pair(WebhookOperation::Create, ExtApiV2DataType::DailyReadiness)
        .pair(WebhookOperation::Update, ExtApiV2DataType::Sleep)
        .pair(WebhookOperation::Create, ExtApiV2DataType::Vo2Max)
}

fn ids(list: &[oura::models::WebhookSubscription]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

#[tokio::test]
async fn reconcile_creates_renews_and_deletes_exactly_what_it_should() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(200).json_body(existing());
        })
        .await;
    let renew_sleep = mock_renew(&server, "sleep-create", "create", "sleep").await;
    let renew_other = mock_renew(&server, "other-url", "create", "sleep").await;
    let renew_readiness = mock_renew(&server, "readiness-create", "create", "daily_readiness").await;
    let create_update_sleep = mock_create(&server, "update", "sleep", "new-update-sleep").await;
    let create_vo2 = mock_create(&server, "create", "vo2_max", "new-create-vo2").await;
    let delete_tag = mock_delete(&server, "tag-delete").await;
    let delete_dup = mock_delete(&server, "readiness-create-dup").await;
    let delete_kept = mock_delete(&server, "readiness-create").await;
    let delete_other = mock_delete(&server, "other-url").await;

    let report = subscriptions(&server)
        .reconcile(&desired().delete_unwanted(true))
        .await
        .expect("reconcile");

    assert_eq!(ids(&report.renewed), ["sleep-create"]);
    // Created in (event type, data type) order: create < update, then by data type.
    assert_eq!(ids(&report.created), ["new-create-vo2", "new-update-sleep"]);
    assert_eq!(ids(&report.deleted), ["readiness-create-dup", "tag-delete"]);
    assert_eq!(ids(&report.kept), ["readiness-create"]);
    assert_eq!(report.to_string(), "created 2, renewed 1, deleted 2, kept 1");
    assert!(report.renewed[0].expiration_time > Utc::now() + chrono::Duration::days(80));

    assert_eq!(list.calls_async().await, 1);
    assert_eq!(renew_sleep.calls_async().await, 1);
    assert_eq!(create_update_sleep.calls_async().await, 1);
    assert_eq!(create_vo2.calls_async().await, 1);
    assert_eq!(delete_tag.calls_async().await, 1);
    assert_eq!(delete_dup.calls_async().await, 1);
    assert_eq!(renew_readiness.calls_async().await, 0, "expires after the margin");
    assert_eq!(delete_kept.calls_async().await, 0);
    assert_eq!(renew_other.calls_async().await, 0, "another callback URL");
    assert_eq!(delete_other.calls_async().await, 0, "another callback URL");
}

#[tokio::test]
async fn reconcile_without_delete_unwanted_keeps_them_and_honours_the_margin() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(200).json_body(existing());
        })
        .await;
    let renew_sleep = mock_renew(&server, "sleep-create", "create", "sleep").await;
    let renew_readiness = mock_renew(&server, "readiness-create", "create", "daily_readiness").await;
    let create_update_sleep = mock_create(&server, "update", "sleep", "new-update-sleep").await;
    let create_vo2 = mock_create(&server, "create", "vo2_max", "new-create-vo2").await;
    let delete_tag = mock_delete(&server, "tag-delete").await;
    let delete_dup = mock_delete(&server, "readiness-create-dup").await;

    // A 90-day margin: both wanted subscriptions are renewed.
    let desired = desired().renew_within(Duration::from_secs(90 * 86_400));
    let report = subscriptions(&server).reconcile(&desired).await.expect("reconcile");
    assert_eq!(ids(&report.renewed), ["sleep-create", "readiness-create"]);
    assert_eq!(ids(&report.created), ["new-create-vo2", "new-update-sleep"]);
    assert_eq!(report.deleted, vec![]);
    assert_eq!(ids(&report.kept), ["readiness-create-dup", "tag-delete"]);

    assert_eq!(list.calls_async().await, 1);
    assert_eq!(renew_sleep.calls_async().await, 1);
    assert_eq!(renew_readiness.calls_async().await, 1);
    assert_eq!(create_update_sleep.calls_async().await, 1);
    assert_eq!(create_vo2.calls_async().await, 1);
    assert_eq!(delete_tag.calls_async().await, 0);
    assert_eq!(delete_dup.calls_async().await, 0);
}

#[tokio::test]
async fn reconcile_with_nothing_to_do_makes_no_change() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(200)
                .json_body(json!([subscription_json("s", CALLBACK, "create", "sleep", 30)]));
        })
        .await;
    let anything_else = server
        .mock_async(|when, then| {
            when.method(PUT);
            then.status(500);
        })
        .await;
    let desired = DesiredSubscriptions::new(format!("{CALLBACK}/"), "verify-me")
        .pair(WebhookOperation::Create, ExtApiV2DataType::Sleep)
        .delete_unwanted(true);
    let report = subscriptions(&server).reconcile(&desired).await.expect("reconcile");
    assert!(report.is_unchanged());
    assert_eq!(ids(&report.kept), ["s"]);
    assert_eq!(list.calls_async().await, 1);
    assert_eq!(anything_else.calls_async().await, 0);
}

#[tokio::test]
async fn a_vanished_subscription_is_created_again_instead_of_renewed() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(200)
                .json_body(json!([subscription_json("gone", CALLBACK, "create", "sleep", -1)]));
        })
        .await;
    let renew = server
        .mock_async(|when, then| {
            app_auth(when.method(PUT).path("/v2/webhook/subscription/renew/gone"));
            then.status(404)
                .json_body(json!({"detail": "Subscription with id gone not found."}));
        })
        .await;
    let create = mock_create(&server, "create", "sleep", "again").await;
    let desired =
        DesiredSubscriptions::new(CALLBACK, "verify-me").pair(WebhookOperation::Create, ExtApiV2DataType::Sleep);
    let report = subscriptions(&server).reconcile(&desired).await.expect("reconcile");
    assert_eq!(ids(&report.created), ["again"]);
    assert_eq!(report.renewed, vec![]);
    assert_eq!(renew.calls_async().await, 1, "404 is not retried");
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn failed_changes_are_reported_with_what_was_done() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(200).json_body(json!([subscription_json(
                "sleep-create",
                CALLBACK,
                "create",
                "sleep",
                1
            )]));
        })
        .await;
    let renew = mock_renew(&server, "sleep-create", "create", "sleep").await;
    let create = server
        .mock_async(|when, then| {
            app_auth(when.method(POST).path("/v2/webhook/subscription"));
            then.status(422).json_body(json!({"detail": [
                {"type": "enum", "loc": ["body", "data_type"], "msg": "Invalid data_type value"}
            ]}));
        })
        .await;
    let desired = DesiredSubscriptions::new(CALLBACK, "verify-me")
        .pair(WebhookOperation::Create, ExtApiV2DataType::Sleep)
        .pair(WebhookOperation::Create, ExtApiV2DataType::from("meal"));
    let err = subscriptions(&server).reconcile(&desired).await.expect_err("partial");
    let ReconcileError::Partial(partial) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(ids(&partial.report.renewed), ["sleep-create"]);
    assert_eq!(partial.report.created, vec![]);
    assert_eq!(partial.failures.len(), 1);
    assert_eq!(
        partial.failures[0].action,
        ReconcileAction::Create((WebhookOperation::Create, ExtApiV2DataType::from("meal")))
    );
    assert_eq!(partial.failures[0].error.status().map(|s| s.as_u16()), Some(422));
    assert_eq!(
        err.to_string(),
        "1 webhook subscription change(s) failed (first: create create meal: Oura did not accept the request \
         (422 Unprocessable Entity): body.data_type: Invalid data_type value); done: created 0, renewed 1, deleted 0, kept 0"
    );
    assert_eq!(renew.calls_async().await, 1);
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn a_failed_list_changes_nothing() {
    let server = MockServer::start_async().await;
    let list = server
        .mock_async(|when, then| {
            app_auth(when.method(GET).path("/v2/webhook/subscription"));
            then.status(401)
                .json_body(json!({"detail": "Invalid client credentials"}));
        })
        .await;
    let err = subscriptions(&server).reconcile(&desired()).await.expect_err("401");
    assert!(
        matches!(&err, ReconcileError::List(Error::Unauthorized { detail: Some(d), .. }) if d == "Invalid client credentials"),
        "{err:?}"
    );
    assert_eq!(
        list.calls_async().await,
        1,
        "the application's 401 is not a user token to refresh"
    );
}

// ---------------------------------------------------------------------------------------------
// Fetching an event's document

fn event(event_type: &str, data_type: &str, object_id: &str) -> WebhookEvent {
    parse_event(
        json!({
            "event_type": event_type,
            "data_type": data_type,
            "object_id": object_id,
            "event_time": "2023-09-17T14:15:22+00:00",
            "user_id": "ab12cd34",
        })
        .to_string()
        .as_bytes(),
    )
    .expect("event")
}

#[tokio::test]
async fn fetch_gets_the_document_with_the_users_token() {
    let server = MockServer::start_async().await;
    let document = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/usercollection/vO2_max/7c4d1981-ad05-4f24-b2c7-9ac826936555")
                .header("authorization", format!("Bearer {USER_TOKEN}"))
                .header_missing("x-client-secret");
            reply(then, recorded("single_vo2_max"));
        })
        .await;
    let gone = server
        .mock_async(|when, then| {
            when.method(GET).path("/v2/usercollection/vO2_max/not-existing");
            reply(then, recorded("single_vo2_max_non_existing"));
        })
        .await;
    let client = client(&server);

    let found = event("update", "vo2_max", "7c4d1981-ad05-4f24-b2c7-9ac826936555");
    let EventDocument::Found(json) = found.fetch(&client).await.expect("fetch") else {
        panic!("not found")
    };
    assert_eq!(json["vo2_max"], 62);
    assert_eq!(json["day"], "2023-09-17");
    let typed: VO2Max = found.fetch_as(&client).await.expect("fetch").expect("found");
    assert_eq!(typed.vo2_max, 62);
    assert_eq!(typed.id, "7c4d1981-ad05-4f24-b2c7-9ac826936555");

    let missing = event("create", "vo2_max", "not-existing");
    assert_eq!(missing.fetch(&client).await.expect("fetch"), EventDocument::Deleted);
    assert_eq!(missing.fetch_as::<VO2Max>(&client).await.expect("fetch"), None);

    assert_eq!(document.calls_async().await, 2);
    assert_eq!(gone.calls_async().await, 2);
}

#[tokio::test]
async fn fetch_makes_no_request_for_delete_events_or_the_wrong_model() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(500);
        })
        .await;
    let client = client(&server);
    let deleted = event("delete", "sleep", "s1");
    assert_eq!(deleted.fetch(&client).await.expect("fetch"), EventDocument::Deleted);
    let err = event("create", "sleep", "s1")
        .fetch_as::<VO2Max>(&client)
        .await
        .expect_err("wrong model");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(any.calls_async().await, 0);
}

// ---------------------------------------------------------------------------------------------
// The axum router, end to end over a bound listener

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{address}/oura/webhook")
}

fn collecting_router() -> (axum::Router, tokio::sync::mpsc::UnboundedReceiver<WebhookEvent>) {
    let (events, received) = tokio::sync::mpsc::unbounded_channel();
    let app = oura::webhooks::router("/oura/webhook", Receiver::new(SECRET, "verify-me"), move |event| {
        let events = events.clone();
        async move {
            events.send(event).expect("the test is listening");
        }
    });
    (app, received)
}

#[tokio::test]
async fn the_router_answers_challenges() {
    let (app, _events) = collecting_router();
    let url = serve(app).await;
    let http = oura::api_sys::tls::client_builder().build().expect("http client");

    let ok = http
        .get(format!("{url}?verification_token=verify-me&challenge=4f1c%2B9"))
        .send()
        .await
        .expect("send");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        ok.json::<serde_json::Value>().await.expect("json"),
        json!({"challenge": "4f1c+9"})
    );

    for query in ["verification_token=wrong&challenge=x", "challenge=x", ""] {
        let refused = http.get(format!("{url}?{query}")).send().await.expect("send");
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{query}");
    }
}

#[tokio::test]
async fn the_router_hands_only_verified_events_to_the_handler() {
    let (app, mut events) = collecting_router();
    let url = serve(app).await;
    let http = oura::api_sys::tls::client_builder().build().expect("http client");
    let post = |signature: String, timestamp: String, body: &'static str| {
        http.post(&url)
            .header("x-oura-signature", signature)
            .header("x-oura-timestamp", timestamp)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let now = Utc::now().timestamp().to_string();
    let stale = (Utc::now().timestamp() - 600).to_string();

    // Refused: wrong signature, stale timestamp, tampered body, missing headers.
    let wrong = post("00".repeat(32), now.clone(), BODY_1).await.expect("send");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let old = post(sign(&secret(), &stale, BODY_1.as_bytes()), stale.clone(), BODY_1)
        .await
        .expect("send");
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let tampered = post(sign(&secret(), &now, BODY_2_COMPACT.as_bytes()), now.clone(), BODY_1)
        .await
        .expect("send");
    assert_eq!(tampered.status(), StatusCode::UNAUTHORIZED);
    let bare = http.post(&url).body(BODY_1).send().await.expect("send");
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    // Signed, but not an event.
    let not_event = post(sign(&secret(), &now, b"{}"), now.clone(), "{}")
        .await
        .expect("send");
    assert_eq!(not_event.status(), StatusCode::BAD_REQUEST);

    // Accepted: signed over the raw body (upper-case hex, as Oura sends it), and signed over
    // the compact form of a spaced body.
    let accepted = post(sign(&secret(), &now, BODY_1.as_bytes()), now.clone(), BODY_1)
        .await
        .expect("send");
    assert_eq!(accepted.status(), StatusCode::OK);
    let respaced = post(
        sign(&secret(), &now, BODY_2_COMPACT.as_bytes()).to_lowercase(),
        now.clone(),
        BODY_2_SPACED,
    )
    .await
    .expect("send");
    assert_eq!(respaced.status(), StatusCode::OK);

    let first = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("in time")
        .expect("event");
    let second = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("in time")
        .expect("event");
    let mut got = [first, second].map(|e| (e.object_id, e.data_type));
    got.sort();
    assert_eq!(
        got,
        [
            (
                "8f9a5221-639e-4a8a-8f4e-2f0d3a9a8a11".to_owned(),
                ExtApiV2DataType::Sleep
            ),
            (
                "c2d9e7a4-5b1f-4e0a-9d3c-7f6b8a1e2d40".to_owned(),
                ExtApiV2DataType::Vo2Max
            ),
        ]
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(events.try_recv().is_err(), "no refused delivery reached the handler");
}

#[tokio::test]
async fn the_router_answers_before_a_slow_handler_finishes() {
    let (started, mut handler_started) = tokio::sync::mpsc::unbounded_channel();
    let app = oura::webhooks::router("/oura/webhook", Receiver::new(SECRET, "verify-me"), move |event| {
        let started = started.clone();
        async move {
            started.send(event.object_id).expect("the test is listening");
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
    let url = serve(app).await;
    let now = Utc::now().timestamp().to_string();
    let begun = Instant::now();
    let response = oura::api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .post(&url)
        .header("x-oura-signature", sign(&secret(), &now, BODY_1.as_bytes()))
        .header("x-oura-timestamp", &now)
        .body(BODY_1)
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(begun.elapsed() < Duration::from_secs(2), "{:?}", begun.elapsed());
    let object_id = tokio::time::timeout(Duration::from_secs(5), handler_started.recv())
        .await
        .expect("in time")
        .expect("started");
    assert_eq!(object_id, "8f9a5221-639e-4a8a-8f4e-2f0d3a9a8a11");
}
