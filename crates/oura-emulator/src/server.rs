//! The router, the connection loop, and the changes to data that emit webhook events.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::header;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::Datelike;
use hyper_util::rt::TokioIo;
use oura_api_sys::open_enums::WebhookOperation;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::collection::{Collection, Document};
use crate::data::{ADDED_SEQ, Entry};
use crate::errors::ApiError;
use crate::faults::DropConnection;
use crate::prng::uuid;
use crate::state::State;
use crate::{Error, admin, api, faults, oauth, webhooks};

/// 403 without a User-Agent, when required.
async fn require_user_agent(AxState(state): AxState<Arc<State>>, request: Request, next: Next) -> Response {
    if state.config.require_user_agent
        && request
            .headers()
            .get(header::USER_AGENT)
            .is_none_or(|ua| ua.as_bytes().iter().all(u8::is_ascii_whitespace))
    {
        return ApiError::Forbidden("A User-Agent header is required.".to_owned()).into_response();
    }
    next.run(request).await
}

async fn not_found() -> ApiError {
    ApiError::RouteNotFound
}

/// Every route of the emulator.
pub(crate) fn router(state: Arc<State>) -> Router {
    let data = Router::new()
        .route("/v2/usercollection/personal_info", get(api::personal_info))
        .route("/v2/usercollection/{collection}", get(api::list))
        .route("/v2/usercollection/{collection}/{document_id}", get(api::single))
        .route("/v2/sandbox/usercollection/{collection}", get(api::list))
        .route(
            "/v2/sandbox/usercollection/{collection}/{document_id}",
            get(api::single),
        )
        .route_layer(from_fn_with_state(Arc::clone(&state), api::guard));
    let subscriptions = Router::new()
        .route("/v2/webhook/subscription", get(webhooks::list).post(webhooks::create))
        .route("/v2/webhook/subscription/renew/{id}", put(webhooks::renew))
        .route(
            "/v2/webhook/subscription/{id}",
            get(webhooks::get_one).put(webhooks::update).delete(webhooks::delete),
        )
        .route_layer(from_fn_with_state(Arc::clone(&state), require_user_agent));
    let oauth = Router::new()
        .route("/oauth/authorize", get(oauth::authorize))
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", get(oauth::revoke).post(oauth::revoke));
    Router::new()
        .merge(data)
        .merge(subscriptions)
        .merge(oauth)
        .merge(admin::routes())
        .fallback(not_found)
        .layer(from_fn_with_state(Arc::clone(&state), faults::record_and_inject))
        .with_state(state)
}

#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` fires; dropping the connection set then aborts the
/// connections still open.
pub(crate) async fn serve(listener: TcpListener, router: Router, mut shutdown: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let router = router.clone();
                        async move {
                            let response = router
                                .oneshot(request.map(Body::new))
                                .await
                                .unwrap_or_else(|never: Infallible| match never {});
                            if response.extensions().get::<DropConnection>().is_some() {
                                Err(Dropped)
                            } else {
                                Ok(response)
                            }
                        }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

/// Adds (or replaces, by id) a document; returns its id and the event it makes.
pub(crate) fn store(state: &State, user: usize, mut doc: Document) -> Result<(String, WebhookOperation), Error> {
    let data = state.users.get(user).ok_or(Error::UnknownUser(user))?;
    let collection = doc.collection();
    let id = match doc.id() {
        Some(id) if !id.is_empty() => id.to_owned(),
        _ => {
            let n = state.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let id = uuid(&[state.config.seed, 0x6164_6465, n]);
            doc.set_id(id.clone());
            id
        }
    };
    let day_key = doc.day().unwrap_or(data.today).num_days_from_ce();
    let mut index = data.index.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut operation = WebhookOperation::Create;
    if let Some((old_collection, old_key)) = index.ids.get(&id).copied()
        && old_collection == collection
    {
        if let Some(map) = index.by_collection.get_mut(&collection) {
            map.remove(&old_key);
        }
        operation = WebhookOperation::Update;
    }
    let seq = index.next_seq.max(ADDED_SEQ);
    index.next_seq = seq + 1;
    let key = (day_key, seq);
    index
        .by_collection
        .entry(collection)
        .or_default()
        .insert(key, Entry::Added(Box::new(doc)));
    index.ids.insert(id.clone(), (collection, key));
    Ok((id, operation))
}

/// Removes a document.
pub(crate) fn remove(state: &State, user: usize, collection: Collection, id: &str) -> Result<(), Error> {
    let data = state.users.get(user).ok_or(Error::UnknownUser(user))?;
    let mut index = data.index.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    let not_found = || Error::DocumentNotFound {
        collection,
        id: id.to_owned(),
    };
    let (found_collection, key) = index.ids.get(id).copied().ok_or_else(not_found)?;
    if found_collection != collection {
        return Err(not_found());
    }
    index.ids.remove(id);
    if let Some(map) = index.by_collection.get_mut(&collection) {
        map.remove(&key);
    }
    Ok(())
}

/// Sends the webhook event of a change to the subscriptions that want it.
pub(crate) async fn announce(
    state: &Arc<State>,
    user: usize,
    collection: Collection,
    operation: WebhookOperation,
    id: &str,
) {
    let (Some(data_type), Some(data)) = (collection.data_type(), state.users.get(user)) else {
        return;
    };
    webhooks::deliver(state, operation, data_type, id, &data.profile.id).await;
}
