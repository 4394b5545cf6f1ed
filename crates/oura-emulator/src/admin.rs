//! Admin routes under `/_emulator/` (not part of Oura's API, not recorded, no faults), for
//! driving an emulator started as a separate process.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::{Json, Router};
use serde_json::json;

use crate::Error;
use crate::collection::{Collection, Document};
use crate::errors::detail;
use crate::server::{announce, remove, store};
use crate::state::State;

pub(crate) fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/_emulator/users/{user}/tokens", post(mint))
        .route("/_emulator/users/{user}/documents/{collection}", post(add))
        .route(
            "/_emulator/users/{user}/documents/{collection}/{id}",
            delete(drop_document),
        )
}

fn error_response(error: &Error) -> Response {
    let status = match error {
        Error::UnknownUser(_) | Error::DocumentNotFound { .. } => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    detail(status, &error.to_string())
}

/// `POST /_emulator/users/{user}/tokens`: a new access token with the configured lifetime.
async fn mint(AxState(state): AxState<Arc<State>>, Path(user): Path<usize>) -> Response {
    if user >= state.users.len() {
        return error_response(&Error::UnknownUser(user));
    }
    let lifetime = state.config.token_lifetime;
    let scopes = state.config.default_application().scopes.clone();
    let token = state.mint(user, 0, scopes, Some(lifetime));
    (
        StatusCode::CREATED,
        Json(json!({ "access_token": token, "token_type": "bearer", "expires_in": lifetime.as_secs() })),
    )
        .into_response()
}

/// `POST /_emulator/users/{user}/documents/{collection}` with the document's JSON: adds it
/// (an empty or missing `id` gets one) and delivers the webhook events; answers `{"id": ...}`.
async fn add(
    AxState(state): AxState<Arc<State>>,
    Path((user, collection)): Path<(usize, String)>,
    body: Bytes,
) -> Response {
    let Some(collection) = Collection::from_path(&collection) else {
        return detail(StatusCode::NOT_FOUND, "Unknown collection.");
    };
    let mut value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(e) => return error_response(&Error::InvalidDocument(e.to_string())),
    };
    if let Some(object) = value.as_object_mut() {
        object.entry("id").or_insert_with(|| json!(""));
    }
    let doc = match Document::from_json(collection, value) {
        Ok(doc) => doc,
        Err(e) => return error_response(&Error::InvalidDocument(e.to_string())),
    };
    match store(&state, user, doc) {
        Ok((id, operation)) => {
            announce(&state, user, collection, operation, &id).await;
            (StatusCode::CREATED, Json(json!({ "id": id }))).into_response()
        }
        Err(error) => error_response(&error),
    }
}

/// `DELETE /_emulator/users/{user}/documents/{collection}/{id}`
async fn drop_document(
    AxState(state): AxState<Arc<State>>,
    Path((user, collection, id)): Path<(usize, String, String)>,
) -> Response {
    let Some(collection) = Collection::from_path(&collection) else {
        return detail(StatusCode::NOT_FOUND, "Unknown collection.");
    };
    match remove(&state, user, collection, &id) {
        Ok(()) => {
            announce(
                &state,
                user,
                collection,
                oura_api_sys::open_enums::WebhookOperation::Delete,
                &id,
            )
            .await;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => error_response(&error),
    }
}
