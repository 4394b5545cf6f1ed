//! The client: configuration, authentication, and the one place requests are sent.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument as _;

use crate::error::{Error, RateLimit, Result};
use crate::ratelimit::{self, RateLimiter};
use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Oura's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.ouraring.com";

/// The largest response body a client reads unless told otherwise: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_SIZE: u64 = 64 * 1024 * 1024;

/// The most pages one range is fetched in unless told otherwise (per window of a time series
/// range, and per whole range of the others).
pub const DEFAULT_MAX_PAGES: usize = 10_000;

/// The User-Agent this crate sends, after the application's own name if it gave one.
pub const DEFAULT_USER_AGENT: &str = concat!("oura-ring/", env!("CARGO_PKG_VERSION"));

/// A source of access tokens that can renew them: what the OAuth client implements.
///
/// [`token`](Self::token) returns a token valid now (refreshing it first when it is about to
/// expire); [`refresh`](Self::refresh) is called once when Oura answered 401 to `rejected`.
/// Implementations must let concurrent callers share one refresh.
pub trait TokenSource: Send + Sync + fmt::Debug {
    /// A token to send now.
    fn token(&self) -> BoxFuture<'_, Result<Secret>>;
    /// A new token after Oura rejected `rejected` with 401.
    fn refresh<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>>;
}

#[derive(Clone, Debug)]
enum Auth {
    /// The sandbox needs no token.
    None,
    /// A personal access token or an OAuth access token used as is, as its (sensitive) header.
    Bearer(HeaderValue),
    /// Tokens that renew themselves.
    Source(Arc<dyn TokenSource>),
}

/// A client for the Oura API v2.
///
/// Cheap to clone (it is an `Arc`); share one per application or per user.
///
/// ```no_run
/// # async fn run() -> oura::Result<()> {
/// use futures::TryStreamExt;
/// use oura::{Client, DateRange};
///
/// let client = Client::from_env()?;
/// let range = DateRange::last_days(7);
/// let nights: Vec<oura::models::DailySleep> = client.daily_sleep().list(range).try_collect().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    /// `base_url` parsed once: each request's URL is this one with its path set, not a string
    /// parsed again (host and all) for every request.
    base: reqwest::Url,
    auth: Auth,
    sandbox: bool,
    user_agent: HeaderValue,
    /// Set per request only when the caller supplied the reqwest client.
    timeout: Option<Duration>,
    retry: RetryPolicy,
    last_rate_limit: Mutex<Option<RateLimit>>,
    limiters: Vec<RateLimiter>,
    max_response_size: u64,
    max_pages: usize,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("auth", &self.inner.auth)
            .field("sandbox", &self.inner.sandbox)
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.inner.retry)
            .field("rate_limiters", &self.inner.limiters)
            .field("max_response_size", &self.inner.max_response_size)
            .field("max_pages", &self.inner.max_pages)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]. Every setting has a default; only a token (or the sandbox) is needed.
#[derive(Debug, Default)]
#[must_use]
pub struct ClientBuilder {
    token: Option<Secret>,
    token_source: Option<Arc<dyn TokenSource>>,
    base_url: Option<String>,
    sandbox: bool,
    application: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    http: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    limiters: Vec<RateLimiter>,
    max_response_size: Option<u64>,
    max_pages: Option<usize>,
}

impl ClientBuilder {
    /// A bearer token: a personal access token or an OAuth access token.
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Tokens that renew themselves (see [`crate::oauth`]); takes precedence over [`token`](Self::token).
    pub fn token_source(mut self, source: Arc<dyn TokenSource>) -> Self {
        self.token_source = Some(source);
        self
    }

    /// Another API root than `https://api.ouraring.com` (a proxy, the emulator, a mock).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Routes every call to Oura's sandbox (`/v2/sandbox/usercollection/...`): fake data, no
    /// token needed.
    pub fn sandbox(mut self, sandbox: bool) -> Self {
        self.sandbox = sandbox;
        self
    }

    /// The application's name and version, sent before this crate's in the User-Agent
    /// (`my-app/1.2 oura-ring/0.1.0`). Oura asks every application to name itself.
    pub fn application(mut self, name_and_version: impl Into<String>) -> Self {
        self.application = Some(name_and_version.into());
        self
    }

    /// The time limit of one attempt, from sending to the end of the body (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The time limit for connecting (default 10 s; ignored with [`http_client`](Self::http_client)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Sends through this `reqwest::Client` (shared connection pool, proxies, custom TLS).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]; [`RetryPolicy::disabled`] turns it off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Paces every attempt of this client (retries and the token refreshes it starts included)
    /// within `limiter`'s budget. Give the same limiter to every client that spends one budget
    /// (all clients of an application; all clients of a token); call this again to add another
    /// budget (a request then takes a slot of each). See [`RateLimiter`].
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiters.push(limiter);
        self
    }

    /// The largest response body read, in bytes (default [`DEFAULT_MAX_RESPONSE_SIZE`]); a larger
    /// one fails with [`Error::ResponseTooLarge`] as soon as the limit is passed, without reading
    /// the rest. Counted after decompression.
    pub fn max_response_size(mut self, bytes: u64) -> Self {
        self.max_response_size = Some(bytes);
        self
    }

    /// The most pages one range is fetched in (default [`DEFAULT_MAX_PAGES`]): a server that keeps
    /// sending new page tokens ends the listing with [`Error::TooManyPages`] instead of looping.
    /// For time series it counts per window of [`DateTimeRange::MAX_WINDOW`](crate::DateTimeRange::MAX_WINDOW).
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let auth = match (self.token_source, self.token, self.sandbox) {
            (Some(source), _, _) => Auth::Source(source),
            (None, Some(token), _) => Auth::Bearer(bearer_header(&token)?),
            (None, None, true) => Auth::None,
            (None, None, false) => {
                return Err(Error::InvalidInput(
                    "no access token: set one with ClientBuilder::token (or OURA_TOKEN), or use the sandbox".into(),
                ));
            }
        };
        let user_agent = match &self.application {
            Some(app) => format!("{app} {DEFAULT_USER_AGENT}"),
            None => DEFAULT_USER_AGENT.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::InvalidInput(format!("invalid User-Agent: {user_agent:?}")))?;
        let base_url = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|err| Error::InvalidInput(format!("invalid base URL {base_url:?}: {err}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::InvalidInput(format!("base URL must be http(s): {base_url:?}")));
        }
        let timeout = self.timeout.unwrap_or(Duration::from_secs(30));
        // Our own reqwest client carries the timeout; a caller-supplied one gets it per request.
        let (http, per_request_timeout) = match self.http {
            Some(http) => (http, Some(timeout)),
            None => {
                let http = oura_api_sys::tls::client_builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(Duration::from_secs(10)))
                    .timeout(timeout)
                    .build()
                    .map_err(Error::Transport)?;
                (http, None)
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url: base_url.trim_end_matches('/').to_owned(),
                base: parsed,
                auth,
                sandbox: self.sandbox,
                user_agent,
                timeout: per_request_timeout,
                retry: self.retry.unwrap_or_default(),
                last_rate_limit: Mutex::new(None),
                limiters: self.limiters,
                max_response_size: self.max_response_size.unwrap_or(DEFAULT_MAX_RESPONSE_SIZE),
                max_pages: self.max_pages.unwrap_or(DEFAULT_MAX_PAGES).max(1),
            }),
        })
    }
}

/// Checks an id that becomes one path segment, and percent-encodes it: empty ids, `.` and `..`
/// (dot segments, which would change the route) and ids with control characters are
/// [`Error::InvalidInput`], naming `what` the id is.
pub(crate) fn id_segment(what: &str, id: &str) -> Result<String> {
    if id.trim().is_empty() {
        return Err(Error::InvalidInput(format!("{what} cannot be empty")));
    }
    if id == "." || id == ".." {
        return Err(Error::InvalidInput(format!("{what} cannot be {id:?}")));
    }
    if id.chars().any(char::is_control) {
        return Err(Error::InvalidInput(format!(
            "{what} {id:?} contains a control character"
        )));
    }
    Ok(encode_path_segment(id))
}

/// Refuses a request path with an empty, dot or control-character segment: the last line of
/// defence for ids that reached a path without [`id_segment`].
fn check_path(path: &str) -> Result<()> {
    let Some(rest) = path.strip_prefix('/') else {
        return Err(Error::InvalidInput(format!(
            "the request path {path:?} does not start with '/'"
        )));
    };
    for segment in rest.split('/') {
        let encoded_control = segment.as_bytes().windows(3).any(|w| {
            w[0] == b'%'
                && matches!(
                    (w[1].to_ascii_uppercase(), w[2].to_ascii_uppercase()),
                    (b'0' | b'1', b'0'..=b'9' | b'A'..=b'F') | (b'7', b'F')
                )
        });
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.eq_ignore_ascii_case("%2e")
            || segment.eq_ignore_ascii_case("%2e%2e")
            || segment.chars().any(char::is_control)
            || encoded_control
        {
            return Err(Error::InvalidInput(format!(
                "the request path {path:?} has an empty, dot or control-character segment (an invalid id?)"
            )));
        }
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(crate) fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `Authorization` header of a user request, and the token it carries when the token can
/// be refreshed (to tell the source which one was rejected).
struct Bearer {
    header: HeaderValue,
    token: Option<Secret>,
}

impl Bearer {
    fn from_token(token: Secret) -> Result<Self> {
        Ok(Bearer {
            header: bearer_header(&token)?,
            token: Some(token),
        })
    }
}

/// `Bearer <token>`, marked sensitive so that it never shows in `Debug` or logs.
fn bearer_header(token: &Secret) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
        .map_err(|_| Error::InvalidInput("the token is not a valid header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Who a request authenticates as.
#[derive(Debug, Clone, Copy)]
pub(crate) enum As<'a> {
    /// The user, with the client's bearer token.
    User,
    /// The application, with `x-client-id` and `x-client-secret` (webhook subscriptions).
    App {
        client_id: &'a str,
        client_secret: &'a Secret,
    },
}

/// One request, before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest<'a> {
    pub method: Method,
    /// Path below the base URL, starting with `/`.
    pub path: String,
    /// Path template for logs (no ids), e.g. `/v2/usercollection/sleep/{id}`.
    pub route: &'a str,
    pub query: Vec<(&'static str, String)>,
    pub body: Option<serde_json::Value>,
    pub auth: As<'a>,
}

impl<'a> ApiRequest<'a> {
    pub(crate) fn get(path: String, route: &'a str) -> Self {
        ApiRequest {
            method: Method::GET,
            path,
            route,
            query: Vec::new(),
            body: None,
            auth: As::User,
        }
    }
}

/// A successful response: status, headers and the whole body.
#[derive(Debug)]
pub(crate) struct ApiResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The rate-limit headers, when the response had any.
    pub rate_limit: Option<RateLimit>,
}

impl ApiResponse {
    /// Decodes the body; on failure the error names the JSON path.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|err| Error::decode::<T>(&self.body, err, &self.headers))
    }
}

impl Client {
    /// A builder with every default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client with this bearer token (a personal access token or an OAuth access token).
    pub fn new(token: impl Into<Secret>) -> Result<Client> {
        Client::builder().token(token).build()
    }

    /// A client for Oura's sandbox: fake data, no token.
    pub fn sandbox() -> Result<Client> {
        Client::builder().sandbox(true).build()
    }

    /// A client configured from the environment: `OURA_TOKEN` (required) and `OURA_BASE_URL`
    /// (optional).
    pub fn from_env() -> Result<Client> {
        Client::builder_from_env().build()
    }

    /// A builder preset from `OURA_TOKEN` and `OURA_BASE_URL`, to adjust further.
    pub fn builder_from_env() -> ClientBuilder {
        let mut builder = Client::builder();
        if let Some(token) = std::env::var("OURA_TOKEN").ok().filter(|t| !t.trim().is_empty()) {
            builder = builder.token(token.trim());
        }
        if let Some(url) = std::env::var("OURA_BASE_URL").ok().filter(|u| !u.trim().is_empty()) {
            builder = builder.base_url(url.trim());
        }
        builder
    }

    /// Whether calls go to the sandbox routes.
    pub fn is_sandbox(&self) -> bool {
        self.inner.sandbox
    }

    /// The API root.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The rate-limit headers of the last response that carried any.
    pub fn last_rate_limit(&self) -> Option<RateLimit> {
        self.inner.last_rate_limit.lock().ok().and_then(|guard| guard.clone())
    }

    /// The path prefix of the data routes: `/v2/usercollection` or `/v2/sandbox/usercollection`.
    pub(crate) fn collection_prefix(&self) -> &'static str {
        if self.inner.sandbox {
            "/v2/sandbox/usercollection"
        } else {
            "/v2/usercollection"
        }
    }

    /// The most pages one range is fetched in.
    pub(crate) fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// The rate limiters this client spends.
    pub fn rate_limiters(&self) -> &[RateLimiter] {
        &self.inner.limiters
    }

    /// Waits for a slot of every budget, not before `not_before`: the one wait of an attempt.
    async fn pace(&self, not_before: Option<tokio::time::Instant>) -> Option<ratelimit::Permit> {
        if self.inner.limiters.is_empty() {
            ratelimit::wait_until(not_before).await;
            None
        } else {
            Some(ratelimit::acquire(&self.inner.limiters, not_before).await)
        }
    }

    /// Sends a request with retries; returns the successful response or the mapped error.
    ///
    /// Every attempt waits once, for the later of the retry backoff and the rate budget's next
    /// slot; a token refresh this method starts takes a slot as well.
    pub(crate) async fn execute(&self, request: &ApiRequest<'_>) -> Result<ApiResponse> {
        check_path(&request.path)?;
        let idempotent = request.method != Method::POST;
        let mut token = self.current_token(request.auth).await?;
        let mut refreshed = false;
        let mut attempt = 1;
        let mut not_before = None;
        loop {
            let permit = self.pace(not_before.take()).await;
            let result = self.attempt(request, token.as_ref(), attempt).await;
            drop(permit);
            match result {
                Ok(response) => return Ok(response),
                Err(Error::Unauthorized { .. }) if !refreshed && self.can_refresh(request.auth) => {
                    // One refresh per request on 401; it does not count as a retry, but it is a
                    // request to Oura and spends the budget.
                    refreshed = true;
                    let permit = self.pace(None).await;
                    let fresh = self.refresh_token(token.as_ref()).await;
                    drop(permit);
                    token = Some(fresh?);
                }
                Err(err) => {
                    let delay = if idempotent {
                        self.inner.retry.delay(attempt, &err)
                    } else {
                        None
                    };
                    let Some(delay) = delay else { return Err(err) };
                    tracing::debug!(route = request.route, attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying");
                    let now = tokio::time::Instant::now();
                    not_before = Some(now.checked_add(delay).unwrap_or(now));
                    attempt += 1;
                }
            }
        }
    }

    fn can_refresh(&self, auth: As<'_>) -> bool {
        matches!((auth, &self.inner.auth), (As::User, Auth::Source(_)))
    }

    async fn current_token(&self, auth: As<'_>) -> Result<Option<Bearer>> {
        match (auth, &self.inner.auth) {
            (As::App { .. }, _) | (As::User, Auth::None) => Ok(None),
            (As::User, Auth::Bearer(header)) => Ok(Some(Bearer {
                header: header.clone(),
                token: None,
            })),
            (As::User, Auth::Source(source)) => Bearer::from_token(source.token().await?).map(Some),
        }
    }

    async fn refresh_token(&self, rejected: Option<&Bearer>) -> Result<Bearer> {
        let token = match (&self.inner.auth, rejected.and_then(|b| b.token.as_ref())) {
            (Auth::Source(source), Some(rejected)) => source.refresh(rejected).await?,
            (Auth::Source(source), None) => source.token().await?,
            _ => return Err(Error::Auth("this client has no way to refresh its token".into())),
        };
        Bearer::from_token(token)
    }

    /// One attempt, in its own tracing span.
    async fn attempt(&self, request: &ApiRequest<'_>, token: Option<&Bearer>, attempt: u32) -> Result<ApiResponse> {
        let span = tracing::info_span!(
            "oura.request",
            method = %request.method,
            route = request.route,
            attempt,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.send_once(request, token).instrument(span.clone()).await;
        span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        match &result {
            Ok(response) => span.record("status", response.status.as_u16()),
            Err(err) => span.record("status", err.status().map_or(0, |s| s.as_u16())),
        };
        let _entered = span.enter();
        match &result {
            Ok(_) => tracing::debug!("ok"),
            Err(err) => tracing::debug!(error = %err, "failed"),
        }
        result
    }

    async fn send_once(&self, request: &ApiRequest<'_>, token: Option<&Bearer>) -> Result<ApiResponse> {
        let mut url = self.inner.base.clone();
        let base_path = self.inner.base.path().trim_end_matches('/');
        let mut path = String::with_capacity(base_path.len() + request.path.len());
        path.push_str(base_path);
        path.push_str(&request.path);
        url.set_path(&path);
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), url)
            .header(USER_AGENT, self.inner.user_agent.clone());
        if !request.query.is_empty() {
            builder = builder.query(&request.query);
        }
        if let Some(timeout) = self.inner.timeout {
            builder = builder.timeout(timeout);
        }
        match request.auth {
            As::User => {
                if let Some(token) = token {
                    builder = builder.header(AUTHORIZATION, token.header.clone());
                }
            }
            As::App {
                client_id,
                client_secret,
            } => {
                let mut secret = HeaderValue::from_str(client_secret.expose())
                    .map_err(|_| Error::InvalidInput("the client secret is not a valid header value".into()))?;
                secret.set_sensitive(true);
                builder = builder
                    .header("x-client-id", client_id)
                    .header("x-client-secret", secret);
            }
        }
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|err| Error::Transport(err.without_url()))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let rate_limit = Some(RateLimit::from_headers(&headers)).filter(|r| !r.is_empty());
        for limiter in &self.inner.limiters {
            limiter.observe(status, &headers, rate_limit.as_ref());
        }
        if let Some(rate_limit) = &rate_limit
            && let Ok(mut last) = self.inner.last_rate_limit.lock()
        {
            *last = Some(rate_limit.clone());
        }
        let body = read_body(response, self.inner.max_response_size).await?;
        if status.is_success() {
            Ok(ApiResponse {
                status,
                headers,
                body,
                rate_limit,
            })
        } else {
            Err(Error::from_response(status, &headers, &body))
        }
    }
}

/// Reads a body of at most `limit` bytes, chunk by chunk: a larger one fails as soon as the
/// limit is passed (at once when `Content-Length` already says so), never buffered whole.
async fn read_body(mut response: reqwest::Response, limit: u64) -> Result<Bytes> {
    let too_large = || Error::ResponseTooLarge { limit };
    if response.content_length().is_some_and(|length| length > limit) {
        return Err(too_large());
    }
    // The announced length (within the limit) is reserved at once: the body is copied once,
    // never moved by growing. Memory a body does not fill is never touched.
    let capacity = response.content_length().unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| Error::Transport(err.without_url()))?
    {
        if (body.len() as u64).saturating_add(chunk.len() as u64) > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    // A vector's bytes: a reader that wants them back as a vector gets them without a copy.
    Ok(Bytes::from(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let client = Client::new("very-secret-token").expect("client");
        let debug = format!("{client:?}");
        assert!(!debug.contains("very-secret-token"), "{debug}");
        assert!(debug.contains("Sensitive"), "{debug}");
        let builder = format!("{:?}", Client::builder().token("very-secret-token"));
        assert!(!builder.contains("very-secret-token"), "{builder}");
    }

    #[test]
    fn a_token_is_required_outside_the_sandbox() {
        let err = Client::builder().build().expect_err("no token");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        assert!(Client::sandbox().expect("sandbox").is_sandbox());
    }

    #[test]
    fn user_agent_names_the_application_first() {
        let client = Client::builder()
            .token("t")
            .application("my-app/1.2")
            .build()
            .expect("client");
        assert_eq!(
            client.inner.user_agent.to_str().ok(),
            Some(format!("my-app/1.2 {DEFAULT_USER_AGENT}").as_str())
        );
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        for url in ["not a url", "ftp://example.com"] {
            let err = Client::builder().token("t").base_url(url).build().expect_err(url);
            assert!(matches!(err, Error::InvalidInput(_)), "{url}: {err:?}");
        }
    }
}
