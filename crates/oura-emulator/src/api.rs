//! The data routes: `/v2/usercollection/...` and `/v2/sandbox/usercollection/...`, with the
//! checks in front of them (User-Agent, bearer token, rate limit) and Oura's pagination.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery, Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Datelike, Days, NaiveDate};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::collection::{Collection, page_body, page_json};
use crate::data::{UserData, generate, local_ts, series};
use oura_api_sys::catalog::RangeKind;

use crate::errors::ApiError;
use crate::query::{self, Query, QueryDateTime};
use crate::state::{State, Subject, epoch_secs, lock};

/// Who is asking, put in the request by [`guard`].
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub subject: Subject,
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The checks in front of every data route, in Oura's order: User-Agent (403), token (401),
/// rate limit per application and per token (429), the route's scope (403, see
/// `oura_api_sys::scopes`). Adds the `X-RateLimit-*` headers to every answer.
pub(crate) async fn guard(AxState(state): AxState<Arc<State>>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if state.config.require_user_agent
        && headers
            .get(header::USER_AGENT)
            .is_none_or(|ua| ua.as_bytes().iter().all(u8::is_ascii_whitespace))
    {
        return ApiError::Forbidden("A User-Agent header is required.".to_owned()).into_response();
    }
    let sandbox = request.uri().path().starts_with("/v2/sandbox/");
    let token = bearer(headers).map(str::to_owned);
    let grant = token.as_deref().and_then(|t| state.authenticate(t));
    let subject = match (sandbox, &grant) {
        (true, _) => Subject::Sandbox,
        (false, Some(grant)) => Subject::User(grant.user),
        (false, None) => return ApiError::Unauthorized.into_response(),
    };
    // Counted per application (the token's, else the default one's) and per access token.
    let limit = state.config.rate_limit;
    let app = grant.as_ref().map_or(0, |g| g.app);
    let client_id = state.config.applications[app].client_id();
    let mut keys = vec![format!("app:{client_id}")];
    if let (Some(token), Some(_)) = (&token, &grant) {
        keys.push(format!("token:{token}"));
    }
    let status = lock(&state.limiter).check(&keys, limit.requests, limit.window, state.now());
    let reset = epoch_secs().saturating_add(status.reset_after.as_secs_f64().ceil() as u64);
    if status.limited {
        let mut response = crate::errors::detail(StatusCode::TOO_MANY_REQUESTS, "Too Many Requests");
        let retry_after = status.reset_after.as_secs_f64().ceil().max(1.0) as u64;
        set_header(&mut response, "retry-after", retry_after.to_string());
        add_rate_headers(&mut response, limit.requests, limit.window, 0, reset);
        return response;
    }
    if let (false, Some(grant)) = (sandbox, &grant)
        && let Some(route) = request
            .uri()
            .path()
            .strip_prefix("/v2/usercollection/")
            .and_then(|rest| rest.split('/').next())
        && let Some(scope) = state.config.scope_of(route)
        && !grant.scopes.contains(&scope)
    {
        let mut response = ApiError::MissingScope(scope).into_response();
        add_rate_headers(&mut response, limit.requests, limit.window, status.remaining, reset);
        return response;
    }
    request.extensions_mut().insert(Caller { subject });
    let mut response = next.run(request).await;
    add_rate_headers(&mut response, limit.requests, limit.window, status.remaining, reset);
    response
}

fn set_header(response: &mut Response, name: &'static str, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        response.headers_mut().insert(name, value);
    }
}

fn add_rate_headers(response: &mut Response, limit: u32, window: Duration, remaining: u32, reset: u64) {
    set_header(response, "x-ratelimit-limit", limit.to_string());
    set_header(response, "x-ratelimit-remaining", remaining.to_string());
    set_header(response, "x-ratelimit-reset", reset.to_string());
    set_header(response, "x-ratelimit-window", window.as_secs().max(1).to_string());
    set_header(response, "x-ratelimit-tier", "standard".to_owned());
}

/// Where a page continues: the filters and the last key returned, signed.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Cursor {
    /// Collection path.
    c: String,
    /// Range start: a day (`num_days_from_ce`) or a unix time.
    s: i64,
    /// Range end (inclusive day, or exclusive unix time).
    e: i64,
    /// Last key returned (day, sequence) for documents, or the next sample's unix time.
    a: (i64, u32),
}

fn mac(key: &[u8], payload: &[u8]) -> Vec<u8> {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(payload);
    mac.finalize().into_bytes()[..8].to_vec()
}

impl Cursor {
    fn encode(&self, key: &[u8]) -> String {
        let mut bytes = serde_json::to_vec(self).unwrap_or_default();
        let tag = mac(key, &bytes);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn decode(token: &str, key: &[u8], collection: Collection) -> Result<Cursor, ApiError> {
        let invalid = || ApiError::BadRequest("Invalid next_token.".to_owned());
        let bytes = URL_SAFE_NO_PAD
            .decode(token.trim_end_matches('='))
            .map_err(|_| invalid())?;
        if bytes.len() <= 8 {
            return Err(invalid());
        }
        let (payload, tag) = bytes.split_at(bytes.len() - 8);
        if mac(key, payload) != tag {
            return Err(invalid());
        }
        let cursor: Cursor = serde_json::from_slice(payload).map_err(|_| invalid())?;
        if cursor.c != collection.path() {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

/// The documented default date range: the week before the end date, which defaults to the
/// emulator's `today`.
fn date_range(query: &Query, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let start = query
        .get("start_date")
        .map(|v| query::date_or_datetime("start_date", v));
    let end = query.get("end_date").map(|v| query::date_or_datetime("end_date", v));
    let (start, end) = both(start, end)?;
    let (start, end) = (start.map(QueryDateTime::day), end.map(QueryDateTime::day));
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => (start, end),
        (Some(start), None) => (start, today.max(start)),
        (None, Some(end)) => (end.checked_sub_days(Days::new(7)).unwrap_or(end), end),
        (None, None) => (today.checked_sub_days(Days::new(7)).unwrap_or(today), today),
    };
    if start > end {
        return Err(ApiError::query(
            "start_date",
            "value_error",
            "Start date must be before end date",
            query.get("start_date").unwrap_or_default(),
        ));
    }
    Ok((start, end))
}

/// Two optional parameters, parsed; every error of both in one 422, as FastAPI reports them.
fn both<T>(a: Option<Result<T, ApiError>>, b: Option<Result<T, ApiError>>) -> Result<(Option<T>, Option<T>), ApiError> {
    match (a.transpose(), b.transpose()) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(ApiError::Validation(mut first)), Err(ApiError::Validation(second))) => {
            first.extend(second);
            Err(ApiError::Validation(first))
        }
        (Err(error), _) | (_, Err(error)) => Err(error),
    }
}

/// Keeps only the requested fields (plus the model's required ones) of each document.
fn filter_fields(page: &mut serde_json::Value, collection: Collection, fields: Option<&str>) {
    let Some(fields) = fields.filter(|f| !f.trim().is_empty()) else {
        return;
    };
    let wanted: Vec<&str> = fields.split(',').map(str::trim).collect();
    let required: Vec<&str> = collection.required_fields().collect();
    if let Some(items) = page.get_mut("data").and_then(|d| d.as_array_mut()) {
        for item in items {
            if let Some(object) = item.as_object_mut() {
                object.retain(|k, _| wanted.contains(&k.as_str()) || required.contains(&k.as_str()));
            }
        }
    }
}

fn json_ok(value: serde_json::Value) -> Response {
    json_body(crate::json::to_vec(&value, 4096))
}

/// A 200 answer whose body is JSON text already serialized.
fn json_body(body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body,
    )
        .into_response()
}

/// The fields a query asks for, if it asks for some.
fn fields_of(query: &Query) -> Option<&str> {
    query.get("fields").filter(|f| !f.trim().is_empty())
}

/// A page of a time series: written directly ([`series::page_body`]) unless `fields` asks for
/// an edit, then through its typed rows.
fn series_page<S: series::Sample>(
    collection: Collection,
    query: &Query,
    samples: &[S],
    next_token: Option<String>,
) -> Response {
    match fields_of(query) {
        None => json_body(series::page_body(samples, next_token.as_deref())),
        Some(fields) => {
            #[derive(Serialize)]
            struct Body<T> {
                data: Vec<T>,
                next_token: Option<String>,
            }
            let body = Body {
                data: samples.iter().map(series::Sample::row).collect(),
                next_token,
            };
            let mut page = serde_json::to_value(&body).unwrap_or_default();
            filter_fields(&mut page, collection, Some(fields));
            json_ok(page)
        }
    }
}

fn user_of<'a>(state: &'a State, caller: &Caller) -> Result<&'a UserData, ApiError> {
    state.data(caller.subject).ok_or(ApiError::Unauthorized)
}

/// `GET /v2/usercollection/personal_info`
pub(crate) async fn personal_info(
    AxState(state): AxState<Arc<State>>,
    axum::Extension(caller): axum::Extension<Caller>,
) -> Result<Response, ApiError> {
    let user = user_of(&state, &caller)?;
    let info = generate::personal_info(&user.profile);
    Ok(json_ok(serde_json::to_value(info).unwrap_or_default()))
}

/// `GET /v2/[sandbox/]usercollection/{collection}`
///
/// The page is built on a blocking thread: a year of documents or a month of samples takes
/// milliseconds of CPU, and on a runtime worker it would hold up every other request's answer
/// (their latency timers and sockets) that the worker has queued, as no real server's would.
pub(crate) async fn list(
    AxState(state): AxState<Arc<State>>,
    axum::Extension(caller): axum::Extension<Caller>,
    Path(collection): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let built = tokio::task::spawn_blocking(move || list_page(&state, &caller, &collection, raw.as_deref())).await;
    match built {
        Ok(answer) => answer,
        Err(err) => match err.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            // The runtime is shutting down: nobody is waiting for the answer.
            Err(_) => Ok(StatusCode::SERVICE_UNAVAILABLE.into_response()),
        },
    }
}

/// A page of `collection` for `caller` (see [`list`]).
fn list_page(state: &State, caller: &Caller, collection: &str, raw: Option<&str>) -> Result<Response, ApiError> {
    let collection = Collection::from_path(collection).ok_or(ApiError::RouteNotFound)?;
    let sandbox = caller.subject == Subject::Sandbox;
    let spec = collection.spec();
    if sandbox && spec.sandbox_params.is_none() {
        return Err(ApiError::RouteNotFound);
    }
    let user = user_of(state, caller)?;
    // What the route does not take is ignored (the sandbox takes neither `fields` nor `latest`).
    let query = Query::parse(raw).taken_by(spec, sandbox);
    if collection.is_time_series() {
        return time_series_page(state, user, collection, &query);
    }
    let token = query.get("next_token").filter(|t| !t.is_empty());
    let (start, end, after) = match token {
        Some(token) => {
            let cursor = Cursor::decode(token, &state.cursor_key, collection)?;
            (cursor.s as i32, cursor.e as i32, Some((cursor.a.0 as i32, cursor.a.1)))
        }
        None => {
            let (start, end) = match spec.range {
                RangeKind::Days => date_range(&query, state.config.today)?,
                // A collection without a range (ring_configuration) is served whole.
                RangeKind::Whole | RangeKind::Series => (NaiveDate::MIN, NaiveDate::MAX),
            };
            (start.num_days_from_ce(), end.num_days_from_ce(), None)
        }
    };
    let page_size = state.config.page_size;
    // The page's entries, copied out of the index (the lock is not held while documents are
    // generated), and whether more follow.
    let (entries, more): (Vec<_>, bool) = {
        let index = user.index.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        match index.by_collection.get(&collection) {
            Some(map) => {
                let from = match after {
                    Some(key) => std::ops::Bound::Excluded(key),
                    None => std::ops::Bound::Included((start, 0)),
                };
                let mut range = map.range((from, std::ops::Bound::Included((end, u32::MAX))));
                let entries = range.by_ref().take(page_size).map(|(k, e)| (*k, e.clone())).collect();
                (entries, range.next().is_some())
            }
            None => (Vec::new(), false),
        }
    };
    let mut docs = Vec::with_capacity(entries.len());
    let mut last = None;
    for (key, entry) in entries {
        if let Some(doc) = user.materialize(collection, key, entry) {
            docs.push(doc);
        }
        last = Some(key);
    }
    let next_token = match (more, last) {
        (true, Some(last)) => Some(
            Cursor {
                c: collection.path().to_owned(),
                s: i64::from(start),
                e: i64::from(end),
                a: (i64::from(last.0), last.1),
            }
            .encode(&state.cursor_key),
        ),
        _ => None,
    };
    if fields_of(&query).is_none() {
        return Ok(json_body(page_body(collection, docs, next_token)));
    }
    let mut page = page_json(collection, docs, next_token);
    filter_fields(&mut page, collection, query.get("fields"));
    Ok(json_ok(page))
}

fn time_series_page(
    state: &State,
    user: &UserData,
    collection: Collection,
    query: &Query,
) -> Result<Response, ApiError> {
    let token = query.get("next_token").filter(|t| !t.is_empty());
    let latest = query
        .get("latest")
        .map(|v| query::boolean("latest", v))
        .transpose()?
        .unwrap_or(false);
    let (from, to) = match token {
        Some(token) => {
            let cursor = Cursor::decode(token, &state.cursor_key, collection)?;
            (cursor.a.0, cursor.e)
        }
        None => {
            let start = query
                .get("start_datetime")
                .map(|v| query::datetime("start_datetime", v));
            let end = query.get("end_datetime").map(|v| query::datetime("end_datetime", v));
            let (start, end) = both(start, end)?;
            let (start, end) = (start.map(QueryDateTime::unix), end.map(QueryDateTime::unix));
            let default_end = local_ts(user.profile.offset, state.config.today, 24 * 60);
            let (start, end) = match (start, end) {
                (Some(s), Some(e)) => (s, e),
                (Some(s), None) => (s, default_end.max(s)),
                (None, Some(e)) => (e - 86_400, e),
                (None, None) => (default_end - 86_400, default_end),
            };
            if start > end {
                return Err(ApiError::query(
                    "start_datetime",
                    "value_error",
                    "Start datetime must be before end datetime",
                    query.get("start_datetime").unwrap_or_default(),
                ));
            }
            if collection == Collection::Heartrate && end - start > state.config.max_heartrate_days * 86_400 {
                return Err(ApiError::BadRequest(format!(
                    "The requested range is too long: at most {} days of heart rate per request.",
                    state.config.max_heartrate_days
                )));
            }
            (start, end)
        }
    };
    let page_size = state.config.time_series_page_size;
    let cursor = |next: Option<i64>| {
        next.map(|n| {
            Cursor {
                c: collection.path().to_owned(),
                s: n,
                e: to,
                a: (n, 0),
            }
            .encode(&state.cursor_key)
        })
    };
    Ok(match collection {
        Collection::Heartrate => {
            let (samples, next) = if latest {
                (series::latest_heart_rate(user, from, to).into_iter().collect(), None)
            } else {
                let page = series::heart_rate(user, from, to, page_size);
                (page.rows, page.next)
            };
            series_page(collection, query, &samples, cursor(next))
        }
        _ => {
            let (samples, next) = if latest {
                (series::latest_battery(user, from, to).into_iter().collect(), None)
            } else {
                let page = series::battery(user, from, to, page_size);
                (page.rows, page.next)
            };
            series_page(collection, query, &samples, cursor(next))
        }
    })
}

/// `GET /v2/[sandbox/]usercollection/{collection}/{document_id}`
pub(crate) async fn single(
    AxState(state): AxState<Arc<State>>,
    axum::Extension(caller): axum::Extension<Caller>,
    Path((collection, document_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let sandbox = caller.subject == Subject::Sandbox;
    let collection = Collection::from_path(&collection)
        .filter(|c| {
            if sandbox {
                c.spec().sandbox_single
            } else {
                c.spec().single
            }
        })
        .ok_or(ApiError::RouteNotFound)?;
    let user = user_of(&state, &caller)?;
    let found = {
        let index = user.index.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        index
            .ids
            .get(&document_id)
            .filter(|(c, _)| *c == collection)
            .and_then(|(c, key)| {
                index
                    .by_collection
                    .get(c)
                    .and_then(|m| m.get(key))
                    .map(|entry| (*key, entry.clone()))
            })
    };
    let (key, entry) = found.ok_or(ApiError::DocumentNotFound)?;
    let doc = user
        .materialize(collection, key, entry)
        .ok_or(ApiError::DocumentNotFound)?;
    Ok(json_ok(doc.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page is built off the runtime's threads: while one is being built (held up here by a
    /// write lock on the user's documents), the emulator, on a runtime of one thread as a
    /// `#[tokio::test]` runs it, still answers another request. Built on the runtime's thread,
    /// the page would block it and the other request would get no answer.
    #[test]
    fn a_page_being_built_holds_up_no_other_answer() {
        let (sent, started) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let emulator = crate::Emulator::builder()
                    .users(1)
                    .history_days(30)
                    .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
                    .start()
                    .await
                    .expect("emulator");
                let state = Arc::clone(&emulator.state);
                sent.send((emulator.base_url(), emulator.token(0), state))
                    .expect("send");
                let _ = stopped.await;
            });
        });
        let (base, token, state) = started.recv().expect("the emulator started");
        let client = oura_api_sys::tls::client_builder()
            .user_agent("oura-emulator-tests/1")
            .build()
            .expect("client");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        // The index is held on a thread of its own until `release` says (or is dropped).
        let (locked, is_locked) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let holder = std::thread::spawn({
            let state = Arc::clone(&state);
            move || {
                let user = state.data(Subject::User(0)).expect("user 0");
                let _held = user.index.write().expect("the index");
                locked.send(()).expect("send");
                let _ = released.recv();
            }
        });
        is_locked.recv().expect("the index is held");
        runtime.block_on(async {
            let page = tokio::spawn(
                client
                    .get(format!(
                        "{base}/v2/usercollection/daily_sleep?start_date=2025-06-01&end_date=2025-06-30"
                    ))
                    .bearer_auth(&token)
                    .send(),
            );
            // The page's request has arrived: its handler runs next, and waits for the index.
            while lock(&state.requests).total() == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            let other = client
                .get(format!("{base}/v2/usercollection/personal_info"))
                .bearer_auth(&token)
                .send();
            // A generous bound: it only turns a hang into a failure.
            let other = tokio::time::timeout(Duration::from_secs(30), other)
                .await
                .expect("another request is answered while a page is being built")
                .expect("personal_info");
            assert_eq!(other.status(), StatusCode::OK);
            assert!(!page.is_finished(), "the page waits for the index");
            release.send(()).expect("release");
            let page = page.await.expect("task").expect("daily_sleep");
            assert_eq!(page.status(), StatusCode::OK);
            let body: serde_json::Value = page.json().await.expect("JSON");
            assert_eq!(body["data"].as_array().map(Vec::len), Some(30));
        });
        holder.join().expect("the index's thread");
        let _ = stop.send(());
        server.join().expect("the emulator's thread");
    }

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        let key = b"key".to_vec();
        let cursor = Cursor {
            c: "daily_sleep".into(),
            s: 1,
            e: 2,
            a: (3, 4),
        };
        let token = cursor.encode(&key);
        assert_eq!(
            Cursor::decode(&token, &key, Collection::DailySleep).expect("valid"),
            cursor
        );
        assert!(Cursor::decode(&token, &key, Collection::Sleep).is_err());
        assert!(Cursor::decode("garbage", &key, Collection::DailySleep).is_err());
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64");
        bytes[2] ^= 1;
        assert!(Cursor::decode(&URL_SAFE_NO_PAD.encode(bytes), &key, Collection::DailySleep).is_err());
    }

    #[test]
    fn default_range_is_the_week_before_today() {
        let today = NaiveDate::from_ymd_opt(2025, 1, 10).expect("date");
        let (start, end) = date_range(&Query(vec![]), today).expect("range");
        assert_eq!((start.day(), end.day()), (3, 10));
        let bad = Query(vec![
            ("start_date".into(), "2025-01-10".into()),
            ("end_date".into(), "2025-01-01".into()),
        ]);
        assert!(matches!(date_range(&bad, today), Err(ApiError::Validation(_))));
    }
}
