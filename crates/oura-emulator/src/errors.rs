//! The error answers of the emulated API, shaped as Oura shapes them.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use oura_api_sys::types::{HttpValidationError, LocationItem, ValidationError};
use serde_json::json;

/// An error answer of a `/v2/` route.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400 with a `detail` message.
    BadRequest(String),
    /// 401: no, unknown, expired or revoked token.
    Unauthorized,
    /// 403 with a `detail` message.
    Forbidden(String),
    /// 403: the token lacks the scope the route needs.
    MissingScope(String),
    /// 404 `{"detail": "Document not found."}`.
    DocumentNotFound,
    /// 404 `{"detail": "Not Found"}` for a path no route serves.
    RouteNotFound,
    /// 422 with a list of validation errors.
    Validation(Vec<ValidationError>),
}

impl ApiError {
    /// A 422 for one query parameter.
    pub(crate) fn query(name: &str, kind: &str, msg: impl Into<String>, input: &str) -> ApiError {
        ApiError::Validation(vec![validation(&["query", name], kind, msg, Some(input))])
    }

    /// A 422 for the request body.
    pub(crate) fn body(loc: &[&str], kind: &str, msg: impl Into<String>) -> ApiError {
        let mut path = vec!["body"];
        path.extend_from_slice(loc);
        ApiError::Validation(vec![validation(&path, kind, msg, None)])
    }
}

/// One validation error.
pub(crate) fn validation(loc: &[&str], kind: &str, msg: impl Into<String>, input: Option<&str>) -> ValidationError {
    ValidationError {
        ctx: serde_json::Map::new(),
        input: input.map(|i| serde_json::Value::String(i.to_owned())),
        loc: loc
            .iter()
            .map(|part| LocationItem::String((*part).to_owned()))
            .collect(),
        msg: msg.into(),
        type_: kind.to_owned(),
    }
}

/// `{"detail": message}` with a status.
pub(crate) fn detail(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "detail": message }))).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(message) => detail(StatusCode::BAD_REQUEST, &message),
            ApiError::Unauthorized => {
                let mut response = detail(StatusCode::UNAUTHORIZED, "Invalid or expired access token.");
                response.headers_mut().insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer"),
                );
                response
            }
            ApiError::Forbidden(message) => detail(StatusCode::FORBIDDEN, &message),
            // Oura answers a missing scope with 403 and a `detail` text, like its other 403s;
            // its exact words were not recorded, so these say which scope is missing.
            ApiError::MissingScope(scope) => detail(
                StatusCode::FORBIDDEN,
                &format!("Forbidden: the access token lacks the {scope} scope."),
            ),
            ApiError::DocumentNotFound => detail(StatusCode::NOT_FOUND, "Document not found."),
            ApiError::RouteNotFound => detail(StatusCode::NOT_FOUND, "Not Found"),
            ApiError::Validation(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(HttpValidationError { detail: errors }),
            )
                .into_response(),
        }
    }
}
