//! The one error type of the crate, with variants a caller can act on.

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use oura_api_sys::types::ValidationError;

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to Oura.
///
/// Each variant says what the caller can do: authorize again ([`Error::Unauthorized`],
/// [`Error::ReauthorizationRequired`]), fix the request ([`Error::InvalidRequest`],
/// [`Error::InvalidInput`]), wait ([`Error::RateLimited`]), retry later ([`Error::Server`],
/// [`Error::Transport`]) or report a bug ([`Error::Decode`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 401: the access token is missing, malformed, expired or revoked. Refresh it or
    /// authorize again.
    #[error("Oura rejected the access token (401 Unauthorized){}: refresh it or authorize again", detail_suffix(.detail))]
    Unauthorized {
        /// Oura's `detail`, when it sent one.
        detail: Option<String>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// 403: the token lacks a scope for this collection, the user's Oura membership has expired,
    /// or the request had no User-Agent.
    #[error(
        "Oura refused the request (403 Forbidden){}: the token may lack the scope for this data, \
         the user's Oura membership may have expired, or the request had no User-Agent",
        detail_suffix(.detail)
    )]
    Forbidden {
        /// Oura's `detail`, when it sent one.
        detail: Option<String>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// 404: no document with that id (or no such route).
    #[error("not found (404){}", detail_suffix(.detail))]
    NotFound {
        /// Oura's `detail`, e.g. `Document not found.`.
        detail: Option<String>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// 400 or 422: Oura did not accept the request's parameters.
    #[error("Oura did not accept the request ({status}): {detail}")]
    InvalidRequest {
        /// 400 or 422.
        status: StatusCode,
        /// What Oura said was wrong.
        detail: ErrorDetail,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// 429: too many requests. Wait until [`RateLimit::retry_after`] or [`RateLimit::reset`].
    #[error("rate limited by Oura (429){}", rate_limit_suffix(.rate_limit))]
    RateLimited {
        /// What the rate-limit headers said (boxed: it is the largest part of the error).
        rate_limit: Box<RateLimit>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// 5xx: Oura failed; the request may succeed later.
    #[error("Oura failed to answer ({status}){}", detail_suffix(.detail))]
    Server {
        /// The 5xx status.
        status: StatusCode,
        /// Oura's `detail` or the start of the body.
        detail: Option<String>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// A status this client does not expect from Oura.
    #[error("unexpected HTTP status {status}{}", detail_suffix(.detail))]
    UnexpectedStatus {
        /// The status.
        status: StatusCode,
        /// Oura's `detail` or the start of the body.
        detail: Option<String>,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// The request did not complete: connection refused or dropped, timeout, TLS.
    #[error("could not reach Oura: {0}")]
    Transport(#[source] reqwest::Error),

    /// The response did not have the expected shape. Please report it with the snippet.
    #[error("could not decode the response at `{path}`: {message} (body starts: {snippet})")]
    Decode {
        /// JSON path of the value that failed, e.g. `data[3].timestamp`.
        path: String,
        /// What serde said.
        message: String,
        /// The start of the body (at most [`SNIPPET_LEN`] bytes).
        snippet: String,
        /// Oura's `x-trace-id`.
        trace_id: Option<String>,
    },

    /// The caller's input cannot make a valid request (caught before any request is sent).
    #[error("invalid input: {0}")]
    InvalidInput(String),

    /// The OAuth grant is gone (the refresh token was used, revoked or expired): the user must
    /// authorize the application again.
    #[error("the user must authorize again: {0}")]
    ReauthorizationRequired(String),

    /// An OAuth or token-storage failure other than a dead grant.
    #[error("authentication failed: {0}")]
    Auth(String),

    /// A response body was larger than the client's limit
    /// ([`ClientBuilder::max_response_size`](crate::ClientBuilder::max_response_size)); the rest
    /// was not read.
    #[error("the response is larger than the limit of {limit} bytes (see ClientBuilder::max_response_size)")]
    ResponseTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },

    /// A range took more pages than the client's limit
    /// ([`ClientBuilder::max_pages`](crate::ClientBuilder::max_pages)): the server kept sending
    /// page tokens. The listing stops instead of going on without end.
    #[error("{route}: more than {limit} pages for one range; stopping (see ClientBuilder::max_pages)")]
    TooManyPages {
        /// The route listed.
        route: String,
        /// The limit.
        limit: usize,
    },

    /// An OAuth token, refresh or revocation request was answered with a redirect. These
    /// requests carry secrets and never follow redirects.
    #[error("the OAuth {endpoint} endpoint answered {status} with a redirect{}; secrets are never re-sent to another URL", location_suffix(.location))]
    Redirected {
        /// Which endpoint: `token` or `revoke`.
        endpoint: &'static str,
        /// The 3xx status.
        status: StatusCode,
        /// The origin (scheme, host, port) of the redirect's target, when it had one.
        location: Option<String>,
    },

    /// Oura sent the same `next_token` twice; the stream stops instead of looping.
    #[error("Oura repeated the pagination token {token:?}; stopping instead of looping")]
    RepeatedPageToken {
        /// The repeated token.
        token: String,
    },
}

/// How long decode-error snippets may be, in bytes.
pub const SNIPPET_LEN: usize = 256;

impl Error {
    /// The HTTP status, where the error came from a response.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::InvalidRequest { status, .. }
            | Error::Server { status, .. }
            | Error::UnexpectedStatus { status, .. } => Some(*status),
            Error::Transport(err) => err.status(),
            _ => None,
        }
    }

    /// Oura's trace id (`x-trace-id`), to quote when reporting a problem to Oura.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Error::Unauthorized { trace_id, .. }
            | Error::Forbidden { trace_id, .. }
            | Error::NotFound { trace_id, .. }
            | Error::InvalidRequest { trace_id, .. }
            | Error::RateLimited { trace_id, .. }
            | Error::Server { trace_id, .. }
            | Error::UnexpectedStatus { trace_id, .. }
            | Error::Decode { trace_id, .. } => trace_id.as_deref(),
            _ => None,
        }
    }

    /// Whether repeating the same request later may succeed (429, 5xx, transport failures).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. } | Error::Server { .. } | Error::Transport(_)
        )
    }

    /// Builds the error for a non-success response.
    pub(crate) fn from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Self {
        let trace_id = header_str(headers, "x-trace-id").map(str::to_owned);
        let detail = ErrorDetail::parse(body);
        let text = match &detail {
            ErrorDetail::None => None,
            other => Some(other.to_string()),
        };
        match status.as_u16() {
            401 => Error::Unauthorized { detail: text, trace_id },
            403 => Error::Forbidden { detail: text, trace_id },
            404 => Error::NotFound { detail: text, trace_id },
            400 | 422 => Error::InvalidRequest {
                status,
                detail,
                trace_id,
            },
            429 => Error::RateLimited {
                rate_limit: Box::new(RateLimit::from_headers(headers)),
                trace_id,
            },
            500..=599 => Error::Server {
                status,
                detail: text,
                trace_id,
            },
            _ => Error::UnexpectedStatus {
                status,
                detail: text,
                trace_id,
            },
        }
    }

    /// Builds a decode error, with the JSON path found by decoding again with path tracking.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        body: &[u8],
        err: serde_json::Error,
        headers: &HeaderMap,
    ) -> Self {
        let mut de = serde_json::Deserializer::from_slice(body);
        let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Err(tracked) => (tracked.path().to_string(), tracked.into_inner().to_string()),
            Ok(_) => (".".to_owned(), err.to_string()),
        };
        Error::Decode {
            path,
            message,
            snippet: snippet(body),
            trace_id: header_str(headers, "x-trace-id").map(str::to_owned),
        }
    }
}

/// The start of a body, cut on a character boundary.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(SNIPPET_LEN)]);
    let mut out = text.into_owned();
    if body.len() > SNIPPET_LEN {
        out.push('…');
    }
    out
}

fn location_suffix(location: &Option<String>) -> String {
    location.as_deref().map(|l| format!(" to {l}")).unwrap_or_default()
}

fn detail_suffix(detail: &Option<String>) -> String {
    detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
}

fn rate_limit_suffix(rate_limit: &RateLimit) -> String {
    match (rate_limit.retry_after, rate_limit.reset) {
        (Some(after), _) => format!(": retry after {} s", after.as_secs()),
        (None, Some(reset)) => format!(": the window resets at {}", reset.to_rfc3339()),
        (None, None) => String::new(),
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// What Oura said about a rejected request: `{"detail": "text"}` or
/// `{"detail": [{"type", "loc", "msg", ...}]}`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ErrorDetail {
    /// No body, or a body without `detail`.
    None,
    /// `{"detail": "text"}`.
    Message(String),
    /// `{"detail": [...]}`: one entry per rejected parameter.
    Validation(Vec<ValidationError>),
    /// A body that is not Oura's error shape (its start).
    Other(String),
}

impl ErrorDetail {
    /// Parses an error body.
    pub fn parse(body: &[u8]) -> Self {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Detail {
            Message(String),
            Validation(Vec<ValidationError>),
        }
        #[derive(serde::Deserialize)]
        struct Body {
            detail: Detail,
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return ErrorDetail::None;
        }
        match serde_json::from_slice::<Body>(body) {
            Ok(Body {
                detail: Detail::Message(text),
            }) => ErrorDetail::Message(text),
            Ok(Body {
                detail: Detail::Validation(list),
            }) => ErrorDetail::Validation(list),
            Err(_) => ErrorDetail::Other(snippet(body)),
        }
    }

    /// The validation entries, if any.
    pub fn validation(&self) -> &[ValidationError] {
        match self {
            ErrorDetail::Validation(list) => list,
            _ => &[],
        }
    }
}

impl std::fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorDetail::None => f.write_str("no detail"),
            ErrorDetail::Message(text) | ErrorDetail::Other(text) => f.write_str(text),
            ErrorDetail::Validation(list) => {
                for (i, entry) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    let loc: Vec<String> = entry
                        .loc
                        .iter()
                        .map(|part| serde_json::to_value(part).map(|v| v.to_string().trim_matches('"').to_owned()))
                        .collect::<Result<_, _>>()
                        .unwrap_or_default();
                    write!(f, "{}: {}", loc.join("."), entry.msg)?;
                }
                Ok(())
            }
        }
    }
}

/// Oura's rate-limit headers: `Retry-After`, `X-RateLimit-Limit`, `-Remaining`, `-Window`,
/// `-Reset` (epoch seconds) and `-Tier`. Every field is optional: Oura sends them on 429 and
/// may send some on other answers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `Retry-After`: how long to wait before the next request.
    pub retry_after: Option<Duration>,
    /// Requests allowed per window.
    pub limit: Option<u64>,
    /// Requests left in the current window.
    pub remaining: Option<u64>,
    /// The window's length.
    pub window: Option<Duration>,
    /// When the window resets.
    pub reset: Option<DateTime<Utc>>,
    /// The application's rate-limit tier.
    pub tier: Option<String>,
}

impl RateLimit {
    /// Reads the rate-limit headers of a response.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| header_str(headers, name).and_then(|v| v.trim().parse::<u64>().ok());
        RateLimit {
            retry_after: number("retry-after").map(Duration::from_secs),
            limit: number("x-ratelimit-limit"),
            remaining: number("x-ratelimit-remaining"),
            window: number("x-ratelimit-window").map(Duration::from_secs),
            reset: number("x-ratelimit-reset")
                .and_then(|secs| i64::try_from(secs).ok())
                .and_then(|secs| DateTime::from_timestamp(secs, 0)),
            tier: header_str(headers, "x-ratelimit-tier").map(str::to_owned),
        }
    }

    /// How long to wait before the next request as of `now`: `Retry-After`, else the time until
    /// `X-RateLimit-Reset`; cut to `max` (a huge `Retry-After` or a reset far ahead never
    /// overflows, and never waits longer). `None` when neither header was sent.
    pub fn wait_at(&self, now: DateTime<Utc>, max: Duration) -> Option<Duration> {
        let wait = match (self.retry_after, self.reset) {
            (Some(after), _) => after,
            (None, Some(reset)) => reset.signed_duration_since(now).to_std().unwrap_or(Duration::ZERO),
            (None, None) => return None,
        };
        Some(wait.min(max))
    }

    /// Whether no rate-limit header was present.
    pub fn is_empty(&self) -> bool {
        *self == RateLimit::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_map_to_variants_with_detail_and_trace_id() {
        let mut headers = HeaderMap::new();
        headers.insert("x-trace-id", HeaderValue::from_static("abc"));
        let err = Error::from_response(StatusCode::NOT_FOUND, &headers, br#"{"detail": "Document not found."}"#);
        assert!(matches!(&err, Error::NotFound { detail: Some(d), .. } if d == "Document not found."));
        assert_eq!(err.trace_id(), Some("abc"));
        assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
        assert_eq!(err.to_string(), "not found (404): Document not found.");

        let body = br#"{"detail":[{"type":"value_error","loc":["query","start_date"],"msg":"Start date must be before end date","input":"2025-11-11"}]}"#;
        let err = Error::from_response(StatusCode::UNPROCESSABLE_ENTITY, &headers, body);
        let Error::InvalidRequest { detail, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(detail.validation().len(), 1);
        assert_eq!(
            err.to_string(),
            "Oura did not accept the request (422 Unprocessable Entity): query.start_date: Start date must be before end date"
        );
    }

    #[test]
    fn rate_limit_headers_are_read() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("retry-after", "7"),
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-window", "300"),
            ("x-ratelimit-reset", "1700000000"),
            ("x-ratelimit-tier", "standard"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let err = Error::from_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        let Error::RateLimited { rate_limit, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(rate_limit.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(rate_limit.limit, Some(5000));
        assert_eq!(rate_limit.window, Some(Duration::from_secs(300)));
        assert_eq!(rate_limit.reset.map(|r| r.timestamp()), Some(1_700_000_000));
        assert_eq!(rate_limit.tier.as_deref(), Some("standard"));
        assert!(err.is_retryable());
        assert_eq!(err.to_string(), "rate limited by Oura (429): retry after 7 s");
    }

    #[test]
    fn decode_errors_name_the_path_and_bound_the_snippet() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Page {
            data: Vec<Row>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only decoded")]
        struct Row {
            bpm: i64,
        }
        let mut body = br#"{"data":[{"bpm":1},{"bpm":"x"}],"pad":""#.to_vec();
        body.extend(std::iter::repeat_n(b'a', 1000));
        body.extend(b"\"}");
        let err = serde_json::from_slice::<Page>(&body).expect_err("bad body");
        let err = Error::decode::<Page>(&body, err, &HeaderMap::new());
        let Error::Decode { path, snippet, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(path, "data[1].bpm");
        assert!(snippet.len() <= SNIPPET_LEN + '…'.len_utf8());
        assert!(snippet.starts_with(r#"{"data":[{"bpm":1}"#));
    }
}
