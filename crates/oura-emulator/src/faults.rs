//! Request recording and fault injection, the outermost layer of every route.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use crate::config::Faults;
use crate::errors::detail;
use crate::prng::Rng;
use crate::record::RecordedRequest;
use crate::state::{State, lock};

/// Marks a response whose connection the server loop closes without answering.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

/// The faults configured for `path`: the longest matching route prefix, else the global ones.
fn faults_for<'a>(state: &'a State, path: &str) -> &'a Faults {
    state
        .config
        .route_faults
        .iter()
        .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, faults)| faults)
        .unwrap_or(&state.config.faults)
}

enum Fault {
    ServerError(StatusCode),
    Drop,
    Truncate,
}

fn draw(state: &State, faults: &Faults) -> Option<Fault> {
    let n = state.fault_counter.fetch_add(1, Ordering::Relaxed);
    let mut rng = Rng::new(&[state.config.seed, 0x6661_756c, n]);
    let roll = rng.unit();
    let mut edge = faults.server_error_rate.max(0.0);
    if roll < edge {
        let status = rng.pick(&[
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
            StatusCode::GATEWAY_TIMEOUT,
        ]);
        return Some(Fault::ServerError(status));
    }
    edge += faults.drop_rate.max(0.0);
    if roll < edge {
        return Some(Fault::Drop);
    }
    edge += faults.truncate_rate.max(0.0);
    (roll < edge).then_some(Fault::Truncate)
}

/// Builds `answer`, then waits until `latency` has passed since `arrival`: the answer goes out
/// `latency` after the request arrived, or as soon as it is built when building took longer.
async fn answer_after<F: Future>(arrival: Instant, latency: Duration, answer: F) -> F::Output {
    let output = answer.await;
    if !latency.is_zero() {
        tokio::time::sleep_until(arrival + latency).await;
    }
    output
}

/// Records the request, then applies the faults configured for its path; the latency counts
/// from the request's arrival (see [`Faults::latency`]).
pub(crate) async fn record_and_inject(AxState(state): AxState<Arc<State>>, request: Request, next: Next) -> Response {
    let arrival = Instant::now();
    let path = request.uri().path().to_owned();
    if path.starts_with("/_emulator/") {
        return next.run(request).await;
    }
    let slot = lock(&state.requests).push(RecordedRequest {
        method: request.method().to_string(),
        path: path.clone(),
        query: request.uri().query().map(str::to_owned),
        headers: request
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        status: None,
    });
    let faults = faults_for(&state, &path).clone();
    let response = if faults.is_none() {
        next.run(request).await
    } else {
        let answer = async {
            match draw(&state, &faults) {
                None => next.run(request).await,
                Some(Fault::ServerError(status)) => detail(status, "Injected server error."),
                Some(Fault::Drop) => {
                    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    response.extensions_mut().insert(DropConnection);
                    response
                }
                Some(Fault::Truncate) => truncate(next.run(request).await).await,
            }
        };
        answer_after(arrival, faults.latency, answer).await
    };
    let status = response
        .extensions()
        .get::<DropConnection>()
        .is_none()
        .then(|| response.status().as_u16());
    if let Some(recorded) = lock(&state.requests).get_mut(slot) {
        recorded.status = status;
    }
    response
}

/// Sends the headers and half the body, announcing all of it, then fails the stream so the
/// connection closes mid-body.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return detail(StatusCode::INTERNAL_SERVER_ERROR, "Injected server error.");
    };
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len().max(1)));
    // The first half goes out with the headers; the error comes a moment later, so the client
    // sees a response whose body ends early rather than no response at all.
    let first = futures::stream::iter([Ok::<_, std::io::Error>(half)]);
    let failure = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "injected truncation",
        ))
    });
    Response::from_parts(parts, Body::from_stream(futures::StreamExt::chain(first, failure)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer that takes `build` (of the runtime's clock) to build.
    async fn built_in(build: Duration) -> &'static str {
        tokio::time::sleep(build).await;
        "answer"
    }

    #[tokio::test(start_paused = true)]
    async fn the_latency_counts_from_arrival_and_building_is_part_of_it() {
        let latency = Duration::from_millis(100);
        for (build, expected) in [
            (Duration::ZERO, latency),
            (Duration::from_millis(30), latency),
            (Duration::from_millis(99), latency),
            // Building took longer than the latency: no wait on top.
            (Duration::from_millis(150), Duration::from_millis(150)),
        ] {
            let arrival = Instant::now();
            let answer = answer_after(arrival, latency, built_in(build)).await;
            assert_eq!(answer, "answer");
            assert_eq!(arrival.elapsed(), expected, "built in {build:?}");
        }
        // No latency: the answer goes out when built.
        let arrival = Instant::now();
        answer_after(arrival, Duration::ZERO, built_in(Duration::from_millis(7))).await;
        assert_eq!(arrival.elapsed(), Duration::from_millis(7));
        // Time already spent before the answer is built (waiting for a lock, say) counts too.
        let arrival = Instant::now();
        tokio::time::sleep(Duration::from_millis(40)).await;
        answer_after(arrival, latency, built_in(Duration::from_millis(20))).await;
        assert_eq!(arrival.elapsed(), latency);
    }
}
