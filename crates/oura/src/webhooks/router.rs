//! A ready `axum` endpoint for the callback URL.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{MethodRouter, get};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

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
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// oura::webhooks::serve(listener, app, oura::webhooks::DEFAULT_HEADER_TIMEOUT).await?;
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
///   [`WebhookEvent::fetch`]) in the handler, not before answering. A delivery already accepted
///   (same signature) is answered 200 without calling `handler` again.
/// - The body is read within [`Receiver::body_timeout`] (408 and the connection closed
///   otherwise) and up to [`Receiver::max_body`] bytes (413). Time limits on the *headers* are
///   the server's: [`serve`] sets them; `axum::serve` has none.
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
    get(move |RawQuery(query): RawQuery| async move { challenge(&for_get, query.as_deref().unwrap_or_default()) }).post(
        move |headers: HeaderMap, body: Body| async move {
            match read_body(&receiver, &headers, body).await {
                Ok(body) => deliver(&receiver, &headers, &body, handler),
                Err(refused) => refused,
            }
        },
    )
}

/// Reads a delivery's body within the receiver's time and size limits.
async fn read_body(receiver: &Receiver, headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, Response> {
    let (timeout, max_body) = receiver.body_limits();
    let too_large = || {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {max_body} bytes"),
        )
            .into_response()
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > max_body as u64) {
        tracing::warn!(
            length = announced,
            "refused a webhook delivery body larger than the limit"
        );
        return Err(too_large());
    }
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, max_body)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "refused a webhook delivery body");
            Err(too_large())
        }
        Err(_) => {
            tracing::warn!(
                timeout_ms = timeout.as_millis() as u64,
                "a webhook delivery body was too slow"
            );
            Err((
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "the body did not arrive in time",
            )
                .into_response())
        }
    }
}

/// How long [`serve`] waits for a request's headers, from the moment a connection is ready for
/// one, unless told otherwise: 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` (a [`router`], or an application's router with [`method_router`] mounted) on
/// `listener`, HTTP/1.1, closing every connection whose request headers do not arrive within
/// `header_timeout` of it being ready for a request: a slow or idle client cannot hold
/// connections open. Bodies have their own limit ([`Receiver::body_timeout`]). Runs until the
/// task is dropped; fails only when the listener does.
///
/// This is `axum::serve` with hyper's header read timeout set, which `axum::serve` does not
/// offer: each connection is served by `hyper::server::conn::http1` with a Tokio timer.
pub async fn serve(listener: TcpListener, app: Router, header_timeout: Duration) -> std::io::Result<()> {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(err) if is_connection_error(&err) => continue,
            Err(err) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!(error = %err, "could not accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(%peer, error = %err, "webhook connection ended");
            }
        });
    }
}

fn is_connection_error(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
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
        Err(ReceiveError::Replayed) => {
            tracing::info!("ignored a webhook delivery already accepted");
            StatusCode::OK.into_response()
        }
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
