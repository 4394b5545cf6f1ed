//! The authorization-code flow: configuration, authorize URL, code exchange, refresh, revoke.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::basic::{BasicClient, BasicErrorResponse, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, TokenResponse as _, TokenUrl,
};
use reqwest::Url;
use reqwest::header::{HeaderValue, USER_AGENT};
use sha2::{Digest as _, Sha256};

use super::http::HttpAdapter;
use super::tokens::expires_at_from;
use super::{Authenticator, Endpoints, Revocation, Scope, TokenSet, TokenStore};
use crate::client::{Client, ClientBuilder, DEFAULT_USER_AGENT};
use crate::error::{Error, ErrorDetail, Result};
use crate::secret::Secret;

/// `oauth2`'s client with the authorization, token and revocation URLs set.
type Oauth2Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// An application's OAuth credentials and its authorization server.
///
/// `Debug` shows the client id and URLs, never the client secret.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthConfig {
    /// The application's client id.
    pub client_id: String,
    /// The application's client secret; `None` for a public client (PKCE or implicit grant only).
    pub client_secret: Option<Secret>,
    /// Where Oura sends the user back; must equal one registered for the application.
    pub redirect_uri: String,
    /// The authorization server ([`Endpoints::legacy`] unless changed).
    pub endpoints: Endpoints,
}

impl OAuthConfig {
    /// A confidential client (the usual case) on Oura's legacy endpoints.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        OAuthConfig {
            client_id: client_id.into(),
            client_secret: Some(client_secret.into()),
            redirect_uri: redirect_uri.into(),
            endpoints: Endpoints::legacy(),
        }
    }

    /// A client without a secret: enough for the implicit grant (development pages) and for
    /// PKCE-only applications.
    pub fn public(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        OAuthConfig {
            client_id: client_id.into(),
            client_secret: None,
            redirect_uri: redirect_uri.into(),
            endpoints: Endpoints::legacy(),
        }
    }

    /// On another authorization server.
    #[must_use]
    pub fn with_endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// From the environment: `OURA_CLIENT_ID` and `OURA_REDIRECT_URI` (required),
    /// `OURA_CLIENT_SECRET` (optional: without it the client is [public](Self::public)), and
    /// `OURA_AUTHORIZE_URL`, `OURA_TOKEN_URL`, `OURA_REVOKE_URL` (optional: each replaces one
    /// of the legacy endpoints, e.g. to use the emulator).
    pub fn from_env() -> Result<Self> {
        let client_id = env("OURA_CLIENT_ID").ok_or_else(|| Error::InvalidInput("OURA_CLIENT_ID is not set".into()))?;
        let redirect_uri =
            env("OURA_REDIRECT_URI").ok_or_else(|| Error::InvalidInput("OURA_REDIRECT_URI is not set".into()))?;
        let mut config = match env("OURA_CLIENT_SECRET") {
            Some(secret) => OAuthConfig::new(client_id, secret, redirect_uri),
            None => OAuthConfig::public(client_id, redirect_uri),
        };
        if let Some(url) = env("OURA_AUTHORIZE_URL") {
            config.endpoints = config.endpoints.with_authorize_url(url);
        }
        if let Some(url) = env("OURA_TOKEN_URL") {
            config.endpoints = config.endpoints.with_token_url(url);
        }
        if let Some(url) = env("OURA_REVOKE_URL") {
            config.endpoints = config.endpoints.with_revoke_url(url);
        }
        Ok(config)
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// What the caller keeps between sending the user to [`url`](Self::url) and handling the
/// callback: the `state` to check and the PKCE verifier to send with the code.
///
/// Keep it server-side (in the user's session), never in the browser. `Debug` redacts the state
/// (also inside the URL) and the verifier.
#[derive(Clone)]
#[non_exhaustive]
pub struct AuthorizationRequest {
    /// Where to send the user's browser.
    pub url: Url,
    /// The CSRF token the callback must bring back unchanged.
    pub state: Secret,
    /// The PKCE verifier, when the endpoint set uses PKCE.
    pub pkce_verifier: Option<Secret>,
    /// The scopes asked for (the granted ones when the token response does not list them).
    pub scopes: Vec<Scope>,
}

impl AuthorizationRequest {
    /// Rebuilds a request from parts kept elsewhere (a session store), for
    /// [`OAuthClient::exchange_code`].
    pub fn from_parts(url: Url, state: Secret, pkce_verifier: Option<Secret>, scopes: Vec<Scope>) -> Self {
        AuthorizationRequest {
            url,
            state,
            pkce_verifier,
            scopes,
        }
    }
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
        let pairs: Vec<(String, String)> = self
            .url
            .query_pairs()
            .map(|(name, value)| {
                let value = if name == "state" {
                    "[redacted]".into()
                } else {
                    value.into_owned()
                };
                (name.into_owned(), value)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        f.debug_struct("AuthorizationRequest")
            .field("url", &url.as_str())
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// Builds an [`OAuthClient`]: the HTTP client, the application name, the time limit.
#[derive(Debug)]
#[must_use]
pub struct OAuthClientBuilder {
    config: OAuthConfig,
    http: Option<reqwest::Client>,
    application: Option<String>,
    timeout: Option<Duration>,
}

impl OAuthClientBuilder {
    /// Sends the API requests of the clients made by [`OAuthClient::client`] through this
    /// `reqwest::Client`.
    ///
    /// Token, refresh and revocation requests never go through it: they carry the client
    /// secret, codes and tokens, and must not follow redirects (a 3xx is
    /// [`Error::Redirected`]), while `reqwest` sets its redirect policy per client. They use a
    /// client of their own, made with redirects off.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The application's name and version, sent before this crate's in the User-Agent of token
    /// requests and of the API clients made from this one.
    pub fn application(mut self, name_and_version: impl Into<String>) -> Self {
        self.application = Some(name_and_version.into());
        self
    }

    /// The time limit of one token request (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Checks the URLs and builds the client.
    pub fn build(self) -> Result<OAuthClient> {
        let config = self.config;
        let endpoints = &config.endpoints;
        let auth_url = AuthUrl::from_url(http_url("authorize", endpoints.authorize_url())?);
        let token_url = TokenUrl::from_url(http_url("token", endpoints.token_url())?);
        http_url("revoke", endpoints.revoke_url())?;
        let redirect_url = RedirectUrl::from_url(http_url("redirect", &config.redirect_uri)?);
        if config.client_id.is_empty() {
            return Err(Error::InvalidInput("the OAuth client id is empty".into()));
        }
        let mut oauth = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_auth_uri(auth_url)
            .set_token_uri(token_url)
            .set_redirect_uri(redirect_url);
        if let Some(secret) = &config.client_secret {
            oauth = oauth.set_client_secret(ClientSecret::new(secret.expose().to_owned()));
        }
        let user_agent = match &self.application {
            Some(app) => format!("{app} {DEFAULT_USER_AGENT}"),
            None => DEFAULT_USER_AGENT.to_owned(),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| Error::InvalidInput(format!("invalid User-Agent: {user_agent:?}")))?;
        let token_http = oura_api_sys::tls::client_builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::Transport)?;
        let api_http = match self.http {
            Some(http) => http,
            None => token_http.clone(),
        };
        Ok(OAuthClient {
            inner: Arc::new(Inner {
                config,
                oauth,
                adapter: NoRedirects(HttpAdapter {
                    http: token_http,
                    user_agent,
                    timeout: self.timeout.unwrap_or(Duration::from_secs(30)),
                }),
                api_http,
                application: self.application,
            }),
        })
    }
}

fn http_url(what: &str, url: &str) -> Result<Url> {
    let parsed =
        Url::parse(url).map_err(|err| Error::InvalidInput(format!("invalid OAuth {what} URL {url:?}: {err}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidInput(format!(
            "the OAuth {what} URL must be http(s): {url:?}"
        )));
    }
    Ok(parsed)
}

/// An application's OAuth client: authorize URLs, code exchange, refresh, revoke, and API
/// clients that keep themselves authenticated.
///
/// Built on the `oauth2` crate, sending through the same `reqwest` as the API client. Cheap to
/// clone.
///
/// ```no_run
/// # async fn run(code: String, state: String) -> oura::Result<()> {
/// use oura::oauth::{FileStore, OAuthClient, OAuthConfig, Scope, TokenStore as _};
///
/// let oauth = OAuthClient::new(OAuthConfig::new("client-id", "client-secret", "http://localhost:8080/callback"))?;
///
/// // 1. Send the user to Oura; keep `request` in the user's session.
/// let request = oauth.authorize_url([Scope::Personal, Scope::Daily]);
/// println!("open {}", request.url);
///
/// // 2. In the callback handler: check the state, exchange the code, store the tokens.
/// let tokens = oauth.exchange_code(&code, Some(state.as_str()), &request).await?;
/// let store = FileStore::new("oura-tokens.json");
/// store.save(&tokens).await?;
///
/// // 3. An API client that refreshes by itself (and saves each rotated refresh token).
/// let client = oauth.client(store)?;
/// let me = client.personal_info().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OAuthClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: OAuthConfig,
    oauth: Oauth2Client,
    /// Token, refresh and revocation requests: redirects off.
    adapter: NoRedirects,
    /// The API clients made from this one.
    api_http: reqwest::Client,
    application: Option<String>,
}

impl fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthClient")
            .field("config", &self.inner.config)
            .field("user_agent", &self.inner.adapter.0.user_agent)
            .field("timeout", &self.inner.adapter.0.timeout)
            .finish_non_exhaustive()
    }
}

impl OAuthClient {
    /// A client with every default (checks the URLs).
    pub fn new(config: OAuthConfig) -> Result<Self> {
        OAuthClient::builder(config).build()
    }

    /// A builder, to share a `reqwest::Client`, name the application or set a time limit.
    pub fn builder(config: OAuthConfig) -> OAuthClientBuilder {
        OAuthClientBuilder {
            config,
            http: None,
            application: None,
            timeout: None,
        }
    }

    /// A client configured by [`OAuthConfig::from_env`].
    pub fn from_env() -> Result<Self> {
        OAuthClient::new(OAuthConfig::from_env()?)
    }

    /// The configuration.
    pub fn config(&self) -> &OAuthConfig {
        &self.inner.config
    }

    /// The authorization server.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.config.endpoints
    }

    /// Starts the authorization-code flow: the URL to send the user to, with a fresh random
    /// `state` and, where the endpoint set uses PKCE, an S256 challenge. Keep the returned
    /// request for [`exchange_code`](Self::exchange_code).
    pub fn authorize_url(&self, scopes: impl IntoIterator<Item = Scope>) -> AuthorizationRequest {
        let scopes: Vec<Scope> = scopes.into_iter().collect();
        let mut request = self
            .inner
            .oauth
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.oauth_scopes(&scopes));
        let mut pkce_verifier = None;
        if self.endpoints().uses_pkce() {
            let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
            request = request.set_pkce_challenge(challenge);
            pkce_verifier = Some(Secret::new(verifier.into_secret()));
        }
        let (url, state) = request.url();
        AuthorizationRequest {
            url,
            state: Secret::new(state.into_secret()),
            pkce_verifier,
            scopes,
        }
    }

    /// The implicit grant (`response_type=token`), for development pages only: Oura puts the
    /// access token in the URL fragment of the redirect, and there is no refresh token.
    pub fn implicit_url(&self, scopes: impl IntoIterator<Item = Scope>) -> AuthorizationRequest {
        let scopes: Vec<Scope> = scopes.into_iter().collect();
        let (url, state) = self
            .inner
            .oauth
            .authorize_url(CsrfToken::new_random)
            .use_implicit_flow()
            .add_scopes(self.oauth_scopes(&scopes))
            .url();
        AuthorizationRequest {
            url,
            state: Secret::new(state.into_secret()),
            pkce_verifier: None,
            scopes,
        }
    }

    fn oauth_scopes(&self, scopes: &[Scope]) -> Vec<oauth2::Scope> {
        scopes
            .iter()
            .map(|scope| oauth2::Scope::new(self.endpoints().render_scope(scope)))
            .collect()
    }

    /// Exchanges the code of the callback for tokens.
    ///
    /// `returned_state` is the callback's `state` parameter; when it is missing or differs from
    /// `request.state` (compared in constant time) this fails with [`Error::Auth`] before any
    /// request is sent. Store the result at once (it holds the refresh token).
    pub async fn exchange_code(
        &self,
        code: &str,
        returned_state: Option<&str>,
        request: &AuthorizationRequest,
    ) -> Result<TokenSet> {
        let Some(returned_state) = returned_state else {
            return Err(Error::Auth(
                "the OAuth callback carried no state; start the authorization again".into(),
            ));
        };
        if !same_secret(returned_state, request.state.expose()) {
            return Err(Error::Auth(
                "the OAuth callback's state does not match the authorization request (possible CSRF); \
                 start the authorization again"
                    .into(),
            ));
        }
        if code.is_empty() {
            return Err(Error::InvalidInput("the OAuth callback carried no code".into()));
        }
        let mut exchange = self.inner.oauth.exchange_code(AuthorizationCode::new(code.to_owned()));
        match &request.pkce_verifier {
            Some(verifier) => {
                exchange = exchange.set_pkce_verifier(PkceCodeVerifier::new(verifier.expose().to_owned()))
            }
            None if self.endpoints().uses_pkce() => {
                return Err(Error::InvalidInput(
                    "these endpoints use PKCE but the authorization request has no verifier".into(),
                ));
            }
            None => {}
        }
        let sent = Utc::now();
        tracing::debug!(grant_type = "authorization_code", "oura.oauth token request");
        let response = exchange
            .request_async(&self.inner.adapter)
            .await
            .map_err(|err| self.token_error(err))?;
        Ok(self.token_set(&response, sent, &request.scopes, None))
    }

    /// Exchanges the refresh token of `tokens` for a new set. Oura's refresh tokens are single
    /// use: store the result before anything else (the [`Authenticator`] does). A dead grant
    /// (`invalid_grant`, or no refresh token) is [`Error::ReauthorizationRequired`].
    pub async fn refresh(&self, tokens: &TokenSet) -> Result<TokenSet> {
        let Some(refresh_token) = &tokens.refresh_token else {
            return Err(Error::ReauthorizationRequired(
                "there is no refresh token (implicit grant?)".into(),
            ));
        };
        let sent = Utc::now();
        tracing::debug!(grant_type = "refresh_token", "oura.oauth token request");
        let secret = RefreshToken::new(refresh_token.expose().to_owned());
        let response = self
            .inner
            .oauth
            .exchange_refresh_token(&secret)
            .request_async(&self.inner.adapter)
            .await
            .map_err(|err| self.token_error(err))?;
        Ok(self.token_set(&response, sent, &tokens.scopes, Some(refresh_token)))
    }

    /// Revokes the grant: with the legacy endpoints `GET <revoke>?access_token=<access token>`
    /// (retried as `POST` if the server answers 405); with RFC 7009 endpoints the refresh token
    /// (or the access token when there is none). Clearing the store is the caller's
    /// ([`Authenticator::revoke`] does both).
    pub async fn revoke(&self, tokens: &TokenSet) -> Result<()> {
        match self.endpoints().revocation() {
            Revocation::AccessTokenQuery => self.revoke_by_query(&tokens.access_token).await,
            Revocation::Rfc7009 => {
                // By hand rather than through `oauth2`, which refuses http:// revocation URLs
                // (the emulator, a local proxy).
                let (token, hint) = match &tokens.refresh_token {
                    Some(refresh) => (refresh, "refresh_token"),
                    None => (&tokens.access_token, "access_token"),
                };
                let mut form = vec![("token", token.expose()), ("token_type_hint", hint)];
                form.push(("client_id", &self.inner.config.client_id));
                if let Some(secret) = &self.inner.config.client_secret {
                    form.push(("client_secret", secret.expose()));
                }
                let url = http_url("revoke", self.endpoints().revoke_url())?;
                let adapter = &self.inner.adapter.0;
                tracing::debug!("oura.oauth revocation request");
                let response = adapter
                    .http
                    .post(url)
                    .header(USER_AGENT, adapter.user_agent.clone())
                    .timeout(adapter.timeout)
                    .form(&form)
                    .send()
                    .await
                    .map_err(|err| Error::Transport(err.without_url()))?;
                check_revocation(response).await
            }
        }
    }

    async fn revoke_by_query(&self, access_token: &Secret) -> Result<()> {
        let mut url = http_url("revoke", self.endpoints().revoke_url())?;
        url.query_pairs_mut().append_pair("access_token", access_token.expose());
        let adapter = &self.inner.adapter.0;
        let send = |method: reqwest::Method| {
            adapter
                .http
                .request(method, url.clone())
                .header(USER_AGENT, adapter.user_agent.clone())
                .timeout(adapter.timeout)
                .send()
        };
        tracing::debug!("oura.oauth revocation request");
        let mut response = send(reqwest::Method::GET)
            .await
            .map_err(|err| Error::Transport(err.without_url()))?;
        if response.status() == reqwest::StatusCode::METHOD_NOT_ALLOWED {
            response = send(reqwest::Method::POST)
                .await
                .map_err(|err| Error::Transport(err.without_url()))?;
        }
        check_revocation(response).await
    }

    /// An [`Authenticator`] over `store`: the token source of a self-refreshing [`Client`].
    pub fn authenticator(&self, store: impl TokenStore + 'static) -> Authenticator {
        Authenticator::new(self.clone(), store)
    }

    /// A [`ClientBuilder`] whose client authenticates from `store` and refreshes by itself,
    /// sharing this client's `reqwest::Client` and application name; set a base URL or
    /// timeouts before [`build`](ClientBuilder::build).
    pub fn client_builder(&self, store: impl TokenStore + 'static) -> ClientBuilder {
        self.authenticator(store).client_builder()
    }

    /// An API [`Client`] that authenticates from `store` and refreshes by itself: shortly before
    /// expiry, and once on a 401; concurrent requests share one refresh; each rotated refresh
    /// token is saved to `store` before the new access token is used.
    pub fn client(&self, store: impl TokenStore + 'static) -> Result<Client> {
        self.client_builder(store).build()
    }

    /// A builder for an API client sharing this client's HTTP client and application name.
    pub(crate) fn api_client_builder(&self) -> ClientBuilder {
        let mut builder = Client::builder().http_client(self.inner.api_http.clone());
        if let Some(app) = &self.inner.application {
            builder = builder.application(app.clone());
        }
        builder
    }

    fn token_set(
        &self,
        response: &BasicTokenResponse,
        sent: DateTime<Utc>,
        requested: &[Scope],
        previous_refresh: Option<&Secret>,
    ) -> TokenSet {
        TokenSet {
            access_token: Secret::new(response.access_token().secret().clone()),
            // Servers may keep the refresh token (RFC 6749 §6); Oura sends a new one each time.
            refresh_token: response
                .refresh_token()
                .map(|token| Secret::new(token.secret().clone()))
                .or_else(|| previous_refresh.cloned()),
            expires_at: response
                .expires_in()
                .map(|expires_in| expires_at_from(sent, expires_in)),
            scopes: match response.scopes() {
                Some(granted) => granted
                    .iter()
                    .map(|scope| self.endpoints().parse_scope(scope))
                    .collect(),
                None => requested.to_vec(),
            },
        }
    }

    /// Maps a failed token request: `invalid_grant` means the user must authorize again.
    fn token_error(&self, err: RequestTokenError<TokenHttpError, BasicErrorResponse>) -> Error {
        match err {
            RequestTokenError::ServerResponse(response) => {
                if response.error() == &BasicErrorResponseType::InvalidGrant {
                    return Error::ReauthorizationRequired(format!("the authorization server answered {response}"));
                }
                let hint = if response.error() == &BasicErrorResponseType::InvalidRequest
                    && self.endpoints().token_url() == super::endpoints::LEGACY_TOKEN_URL
                {
                    " (applications registered on Oura's newer developer portal must use Endpoints::moi())"
                } else {
                    ""
                };
                Error::Auth(format!("the OAuth token endpoint answered {response}{hint}"))
            }
            RequestTokenError::Request(TokenHttpError::Transport(err)) => Error::Transport(err),
            RequestTokenError::Request(TokenHttpError::Redirect { status, location }) => Error::Redirected {
                endpoint: "token",
                status,
                location,
            },
            // The body may be a token response of an unexpected shape: quote only Oura's `detail`.
            RequestTokenError::Parse(err, body) => match ErrorDetail::parse(&body) {
                detail @ (ErrorDetail::Message(_) | ErrorDetail::Validation(_)) => {
                    Error::Auth(format!("the OAuth token endpoint refused the request: {detail}"))
                }
                _ => Error::Auth(format!(
                    "the OAuth token endpoint's answer could not be read (at `{}`)",
                    err.path()
                )),
            },
            RequestTokenError::Other(message) => Error::Auth(format!("the OAuth token request failed: {message}")),
        }
    }
}

/// The token endpoint's HTTP client: refuses to take a redirect as an answer.
#[derive(Debug, Clone)]
struct NoRedirects(HttpAdapter);

/// Why a token request got no usable answer.
#[derive(Debug, thiserror::Error)]
enum TokenHttpError {
    #[error(transparent)]
    Transport(reqwest::Error),
    #[error("redirected ({status})")]
    Redirect {
        status: reqwest::StatusCode,
        location: Option<String>,
    },
}

impl<'c> oauth2::AsyncHttpClient<'c> for NoRedirects {
    type Error = TokenHttpError;
    type Future = futures::future::BoxFuture<'c, Result<oauth2::HttpResponse, TokenHttpError>>;

    fn call(&'c self, request: oauth2::HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.0.call(request).await.map_err(TokenHttpError::Transport)?;
            if response.status().is_redirection() {
                return Err(TokenHttpError::Redirect {
                    status: response.status(),
                    location: redirect_origin(response.headers()),
                });
            }
            Ok(response)
        })
    }
}

/// The origin a redirect points to (never its path or query, which may carry anything).
fn redirect_origin(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let location = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let url = Url::parse(location).ok()?;
    Some(url.origin().ascii_serialization())
}

/// A 2xx answer is success; a redirect is [`Error::Redirected`] (never followed); anything else
/// becomes the matching [`Error`].
async fn check_revocation(response: reqwest::Response) -> Result<()> {
    let status = response.status();
    if status.is_redirection() {
        return Err(Error::Redirected {
            endpoint: "revoke",
            status,
            location: redirect_origin(response.headers()),
        });
    }
    let headers = response.headers().clone();
    let body = response
        .bytes()
        .await
        .map_err(|err| Error::Transport(err.without_url()))?;
    if status.is_success() {
        Ok(())
    } else {
        Err(Error::from_response(status, &headers, &body))
    }
}

/// Compares two secrets in time independent of where they differ: both are hashed first, so
/// neither the position of the first difference nor the length leaks.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    let diff = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(!same_secret("", "a"));
        assert!(same_secret("", ""));
    }

    #[test]
    fn bad_urls_are_rejected_when_building() {
        for (endpoints, redirect) in [
            (Endpoints::custom("not a url", "http://t", "http://r"), "http://cb"),
            (Endpoints::custom("http://a", "ftp://t", "http://r"), "http://cb"),
            (Endpoints::legacy(), "nope"),
        ] {
            let config = OAuthConfig::new("id", "secret", redirect).with_endpoints(endpoints);
            let err = OAuthClient::new(config).expect_err("bad URL");
            assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
        }
        let err = OAuthClient::new(OAuthConfig::new("", "s", "http://cb")).expect_err("empty id");
        assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    }

    #[test]
    fn debug_of_a_request_hides_the_state() {
        let oauth =
            OAuthClient::new(OAuthConfig::new("id", "secret", "http://localhost/cb").with_endpoints(Endpoints::moi()))
                .expect("client");
        let request = oauth.authorize_url([Scope::Daily]);
        let debug = format!("{request:?}");
        assert!(!debug.contains(request.state.expose()), "{debug}");
        let verifier = request.pkce_verifier.as_ref().expect("verifier");
        assert!(!debug.contains(verifier.expose()), "{debug}");
        assert!(debug.contains("state=%5Bredacted%5D"), "{debug}");
        assert!(debug.contains("code_challenge="), "{debug}");
    }
}
