//! A ready `axum` endpoint for the callback URL.

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{MethodRouter, get};

use super::event::WebhookEvent;
use super::verify::{ChallengeQuery, ReceiveError, Receiver};

/// An `axum` router serving the callback URL at `path` (see [`method_router`]).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use oura::webhooks::{Receiver, router};
///
/// let receiver = Receiver::from_env()?;
/// let app = router("/oura/webhook", receiver, |event| async move {
///     println!("{} {} {}", event.event_type, event.data_type, event.object_id);
/// });
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// axum::serve(listener, app).await?;
/// # Ok(()) }
/// ```
///
/// # Panics
/// When `path` is not a valid `axum` route path (it must start with `/`).
pub fn router<H, Fut>(path: &str, receiver: Receiver, handler: H) -> Router
where
    H: Fn(WebhookEvent) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Router::new().route(path, method_router(receiver, handler))
}

/// The callback endpoint, to mount at any path of an application's own router.
///
/// - `GET` answers Oura's verification call: 200 with `{"challenge": ...}` for the right
///   verification token, 401 otherwise.
/// - `POST` verifies the signature over the raw body ([`Receiver::receive`]): 401 when it is
///   missing, wrong or outside the time window, 400 when a correctly signed body is not an event.
///   A verified event is handed to `handler` in a task of its own and answered with 200 at
///   once, so slow handlers never break Oura's 10-second limit. Fetch the document (with
///   [`WebhookEvent::fetch`]) in the handler, not before answering.
///
/// The handler runs detached: it must report its own failures (a panic only ends its task).
pub fn method_router<H, Fut, S>(receiver: Receiver, handler: H) -> MethodRouter<S>
where
    H: Fn(WebhookEvent) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
    S: Clone + Send + Sync + 'static,
{
    let receiver = Arc::new(receiver);
    let for_get = Arc::clone(&receiver);
    get(move |RawQuery(query): RawQuery| async move { challenge(&for_get, query.as_deref().unwrap_or_default()) })
        .post(move |headers: HeaderMap, body: Bytes| async move { deliver(&receiver, &headers, &body, handler) })
}

fn challenge(receiver: &Receiver, query: &str) -> Response {
    match receiver.answer_challenge(&ChallengeQuery::from_query(query)) {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "refused a webhook verification call");
            (StatusCode::UNAUTHORIZED, err.to_string()).into_response()
        }
    }
}

fn deliver<H, Fut>(receiver: &Receiver, headers: &HeaderMap, body: &[u8], handler: H) -> Response
where
    H: Fn(WebhookEvent) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    match receiver.receive(headers, body) {
        Ok(event) => {
            tracing::debug!(
                event_type = %event.event_type,
                data_type = %event.data_type,
                object_id = %event.object_id,
                "accepted a webhook event"
            );
            tokio::spawn(async move { handler(event).await });
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::warn!(error = %err, "refused a webhook delivery");
            let status = match err {
                ReceiveError::Signature(_) => StatusCode::UNAUTHORIZED,
                _ => StatusCode::BAD_REQUEST,
            };
            (status, err.to_string()).into_response()
        }
    }
}
