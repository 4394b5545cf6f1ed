//! Webhook subscriptions (`/v2/webhook/subscription...`, authenticated with `x-client-id` and
//! `x-client-secret`), the verification handshake, and signed event delivery with retries.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SubsecRound as _, Utc};
use hmac::{Hmac, Mac};
use oura_api_sys::open_enums::{ExtApiV2DataType, WebhookOperation};
use oura_api_sys::types;
use serde_json::json;
use sha2::Sha256;

use crate::errors::{ApiError, detail};
use crate::prng::{hash_str, uuid};
use crate::record::Delivery;
use crate::state::{State, epoch_secs, lock};

/// A webhook subscription.
#[derive(Clone, Debug)]
pub(crate) struct Subscription {
    /// The application that created it (index in the configuration).
    pub app: usize,
    pub id: String,
    pub callback_url: String,
    pub verification_token: String,
    pub event_type: WebhookOperation,
    pub data_type: ExtApiV2DataType,
    pub expiration: DateTime<Utc>,
}

impl Subscription {
    fn model(&self) -> types::WebhookSubscriptionModel {
        types::WebhookSubscriptionModel {
            callback_url: self.callback_url.clone(),
            data_type: self.data_type.clone(),
            event_type: self.event_type.clone(),
            // Whole seconds, as the live API sends them; the subscription itself lives until
            // its exact expiration.
            expiration_time: self.expiration.trunc_subsecs(0).fixed_offset(),
            id: self.id.clone(),
        }
    }
}

/// The application whose credentials the request carries.
fn authorized(state: &State, headers: &HeaderMap) -> Option<usize> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let app = state.application(header("x-client-id")?)?;
    (header("x-client-secret") == Some(state.config.applications[app].client_secret.as_str())).then_some(app)
}

/// Missing or wrong client credentials: 403, the only refusal the spec documents for these
/// routes (Oura answers an unknown subscription id the same way).
fn unauthorized() -> Response {
    detail(StatusCode::FORBIDDEN, "Forbidden")
}

/// `GET` of an unknown subscription id: 403, as recorded from the live API.
fn forbidden() -> Response {
    detail(StatusCode::FORBIDDEN, "Forbidden")
}

/// `PUT` or renew of an unknown subscription id: 404, as recorded from the live API.
fn subscription_not_found(id: &str) -> Response {
    detail(StatusCode::NOT_FOUND, &format!("Subscription with id {id} not found."))
}

/// Now plus the subscription lifetime (the configuration bounds the lifetime, so the sum
/// cannot overflow).
fn expiration(state: &State) -> DateTime<Utc> {
    let lifetime = chrono::Duration::from_std(state.config.webhook_lifetime).unwrap_or(chrono::Duration::days(90));
    let now = state.utc_now();
    now.checked_add_signed(lifetime).unwrap_or(now)
}

/// Whether the emulator may call `url`: loopback hosts only, unless configured otherwise.
fn callback_allowed(state: &State, url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("Invalid callback_url: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("callback_url must be http or https.".to_owned());
    }
    if state.config.allow_remote_callbacks {
        return Ok(parsed);
    }
    let loopback = parsed.host_str().is_some_and(|host| {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case("localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    if loopback {
        Ok(parsed)
    } else {
        Err("callback_url must be a loopback address (the emulator does not call out).".to_owned())
    }
}

/// The verification handshake: `GET callback?verification_token=..&challenge=..` must answer
/// 2xx with `{"challenge": <the challenge>}`.
async fn verify_callback(state: &State, callback_url: &str, verification_token: &str) -> Result<(), ApiError> {
    let refuse = |msg: String| ApiError::body(&["callback_url"], "value_error", msg);
    let mut url = callback_allowed(state, callback_url).map_err(refuse)?;
    let challenge = uuid(&[
        state.config.seed,
        hash_str(callback_url),
        state.counter.load(std::sync::atomic::Ordering::Relaxed),
    ]);
    state.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    url.query_pairs_mut()
        .append_pair("verification_token", verification_token)
        .append_pair("challenge", &challenge);
    let response = state
        .http
        .get(url)
        .send()
        .await
        .map_err(|e| refuse(format!("Callback verification failed: {e}")))?;
    if !response.status().is_success() {
        return Err(refuse(format!(
            "Callback verification failed: status {}",
            response.status().as_u16()
        )));
    }
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|_| refuse("Callback verification failed: the answer is not JSON.".to_owned()))?;
    if body.get("challenge").and_then(|c| c.as_str()) != Some(challenge.as_str()) {
        return Err(refuse(
            "Callback verification failed: the challenge was not echoed.".to_owned(),
        ));
    }
    Ok(())
}

fn parse_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        // A missing field is answered as recorded from the live API:
        // `{"type": "string_type", "loc": ["body", field], "msg": "<field> is required"}`.
        match text
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(field, _)| field)
        {
            Some(field) => ApiError::body(&[field], "string_type", format!("{field} is required")),
            None => ApiError::body(&[], "json_invalid", format!("Invalid request body: {text}")),
        }
    })
}

fn known_types(event_type: Option<&WebhookOperation>, data_type: Option<&ExtApiV2DataType>) -> Result<(), ApiError> {
    if event_type.is_some_and(|e| !e.is_known()) {
        return Err(ApiError::body(&["event_type"], "enum", "Invalid event_type value"));
    }
    if data_type.is_some_and(|d| !d.is_known()) {
        return Err(ApiError::body(&["data_type"], "enum", "Invalid data_type value"));
    }
    Ok(())
}

/// `GET /v2/webhook/subscription`
pub(crate) async fn list(AxState(state): AxState<Arc<State>>, headers: HeaderMap) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    let models: Vec<_> = lock(&state.subscriptions)
        .iter()
        .filter(|s| s.app == app)
        .map(Subscription::model)
        .collect();
    (StatusCode::OK, Json(models)).into_response()
}

/// `POST /v2/webhook/subscription`
pub(crate) async fn create(AxState(state): AxState<Arc<State>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    let result = async {
        let request: types::CreateWebhookSubscriptionRequest = parse_body(&body)?;
        known_types(Some(&request.event_type), Some(&request.data_type))?;
        verify_callback(&state, &request.callback_url, &request.verification_token).await?;
        let n = state.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let subscription = Subscription {
            app,
            id: uuid(&[state.config.seed, 0x7375_6273, n]),
            callback_url: request.callback_url,
            verification_token: request.verification_token,
            event_type: request.event_type,
            data_type: request.data_type,
            expiration: expiration(&state),
        };
        let model = subscription.model();
        lock(&state.subscriptions).push(subscription);
        Ok::<_, ApiError>(model)
    }
    .await;
    match result {
        Ok(model) => (StatusCode::CREATED, Json(model)).into_response(),
        Err(error) => error.into_response(),
    }
}

/// A subscription of `app` (another application's ids are unknown to it).
fn find(state: &State, app: usize, id: &str) -> Option<Subscription> {
    lock(&state.subscriptions)
        .iter()
        .find(|s| s.app == app && s.id == id)
        .cloned()
}

/// `GET /v2/webhook/subscription/{id}`
pub(crate) async fn get_one(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    match find(&state, app, &id) {
        Some(subscription) => (StatusCode::OK, Json(subscription.model())).into_response(),
        None => forbidden(),
    }
}

/// `PUT /v2/webhook/subscription/{id}`: a new callback URL is verified again.
pub(crate) async fn update(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    // The body is validated before the id is looked up, as the live API does.
    let request: types::UpdateWebhookSubscriptionRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = known_types(request.event_type.as_ref(), request.data_type.as_ref()) {
        return error.into_response();
    }
    let Some(mut subscription) = find(&state, app, &id) else {
        return subscription_not_found(&id);
    };
    let result = async {
        if let Some(url) = request.callback_url.filter(|u| *u != subscription.callback_url) {
            verify_callback(&state, &url, &request.verification_token).await?;
            subscription.callback_url = url;
        }
        subscription.verification_token = request.verification_token;
        if let Some(event_type) = request.event_type {
            subscription.event_type = event_type;
        }
        if let Some(data_type) = request.data_type {
            subscription.data_type = data_type;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(error) = result {
        return error.into_response();
    }
    let mut subscriptions = lock(&state.subscriptions);
    match subscriptions.iter_mut().find(|s| s.app == app && s.id == id) {
        Some(stored) => {
            *stored = subscription.clone();
            (StatusCode::OK, Json(subscription.model())).into_response()
        }
        None => subscription_not_found(&id),
    }
}

/// `PUT /v2/webhook/subscription/renew/{id}`
pub(crate) async fn renew(AxState(state): AxState<Arc<State>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    let mut subscriptions = lock(&state.subscriptions);
    match subscriptions.iter_mut().find(|s| s.app == app && s.id == id) {
        Some(subscription) => {
            subscription.expiration = expiration(&state);
            (StatusCode::OK, Json(subscription.model())).into_response()
        }
        None => subscription_not_found(&id),
    }
}

/// `DELETE /v2/webhook/subscription/{id}`
pub(crate) async fn delete(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let Some(app) = authorized(&state, &headers) else {
        return unauthorized();
    };
    let mut subscriptions = lock(&state.subscriptions);
    let before = subscriptions.len();
    subscriptions.retain(|s| s.app != app || s.id != id);
    if subscriptions.len() < before {
        StatusCode::NO_CONTENT.into_response()
    } else {
        // The live API's words for an unknown id on DELETE.
        detail(StatusCode::NOT_FOUND, &format!("No webhook id {id} found."))
    }
}

/// The signature Oura sends: HMAC-SHA256 keyed with the client secret over the timestamp text
/// followed by the body, upper-case hex.
pub(crate) fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02X}")).collect()
}

/// Delivers one event to every live subscription for it, retrying failures; returns when
/// every delivery succeeded or ran out of retries.
pub(crate) async fn deliver(
    state: &Arc<State>,
    event_type: WebhookOperation,
    data_type: ExtApiV2DataType,
    object_id: &str,
    user_id: &str,
) {
    let now = Utc::now();
    // Expiry reads the emulator's clock (see `Emulator::advance_clock`); the event's time is
    // the machine's, as receivers check it against theirs.
    let clock = state.utc_now();
    let targets: Vec<Subscription> = lock(&state.subscriptions)
        .iter()
        .filter(|s| s.event_type == event_type && s.data_type == data_type && s.expiration > clock)
        .cloned()
        .collect();
    let body = json!({
        "event_type": event_type,
        "data_type": data_type,
        "object_id": object_id,
        "event_time": now.fixed_offset().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        "user_id": user_id,
    })
    .to_string();
    let deliveries = targets.into_iter().map(|subscription| {
        let state = Arc::clone(state);
        let body = body.clone();
        async move { deliver_one(&state, &subscription, body).await }
    });
    futures::future::join_all(deliveries).await;
}

async fn deliver_one(state: &State, subscription: &Subscription, body: String) {
    if callback_allowed(state, &subscription.callback_url).is_err() {
        return;
    }
    let mut delay = state.config.webhook_retry_delay;
    for attempt in 1..=state.config.webhook_retries + 1 {
        let timestamp = epoch_secs().to_string();
        let secret = &state.config.applications[subscription.app].client_secret;
        let signature = sign(secret, &timestamp, body.as_bytes());
        let result = state
            .http
            .post(&subscription.callback_url)
            .header("content-type", "application/json")
            .header("x-oura-signature", &signature)
            .header("x-oura-timestamp", &timestamp)
            .body(body.clone())
            .send()
            .await;
        let status = result.as_ref().ok().map(|r| r.status().as_u16());
        let delivered = status.is_some_and(|s| (200..300).contains(&s));
        lock(&state.deliveries).push(Delivery {
            subscription_id: subscription.id.clone(),
            callback_url: subscription.callback_url.clone(),
            body: body.clone(),
            timestamp,
            signature,
            attempt,
            status,
            delivered,
        });
        if delivered {
            return;
        }
        if attempt <= state.config.webhook_retries {
            tokio::time::sleep(delay).await;
            delay = delay.saturating_mul(2).min(Duration::from_secs(60));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_upper_hex_hmac_of_timestamp_and_body() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style.
        let signature = sign("key", "The quick brown fox ", b"jumps over the lazy dog");
        assert_eq!(
            signature,
            "F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"
        );
    }
}
