//! OAuth2 against a mock authorization server and a mock API (httpmock): exact requests, call
//! counts, rotation, single flight, revocation, and the file store.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use futures::future::BoxFuture;
use httpmock::prelude::*;
use oura::oauth::{
    Authenticator, AuthorizationRequest, Endpoints, FileStore, MemoryStore, OAuthClient, OAuthConfig, Revocation,
    Scope, TokenSet, TokenStore,
};
use oura::{Client, DEFAULT_USER_AGENT, Error, RetryPolicy, Secret, TokenSource};
use serde_json::json;
use sha2::{Digest as _, Sha256};

const CLIENT_ID: &str = "client-123";
const CLIENT_SECRET: &str = "shh-client-secret-9f8e";
const REDIRECT: &str = "http://localhost:8080/callback";
const REDIRECT_ENCODED: &str = "http%3A%2F%2Flocalhost%3A8080%2Fcallback";
const PERSONAL_INFO: &str = "/v2/usercollection/personal_info";

fn config() -> OAuthConfig {
    OAuthConfig::new(CLIENT_ID, CLIENT_SECRET, REDIRECT)
}

fn mock_endpoints(server: &MockServer) -> Endpoints {
    Endpoints::custom(
        server.url("/oauth/authorize"),
        server.url("/oauth/token"),
        server.url("/oauth/revoke"),
    )
}

fn oauth(server: &MockServer) -> OAuthClient {
    OAuthClient::new(config().with_endpoints(mock_endpoints(server))).expect("oauth client")
}

fn api_client(authenticator: &Authenticator, server: &MockServer) -> Client {
    authenticator
        .client_builder()
        .base_url(server.base_url())
        .retry(RetryPolicy::disabled())
        .build()
        .expect("api client")
}

fn token_response(access: &str, refresh: &str) -> serde_json::Value {
    json!({"token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": 86400})
}

fn refresh_body(refresh_token: &str) -> String {
    format!(
        "grant_type=refresh_token&refresh_token={refresh_token}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
    )
}

/// A token set whose access token expired an hour ago.
fn expired(access: &str, refresh: &str) -> TokenSet {
    TokenSet::new(access)
        .with_refresh_token(refresh)
        .with_expires_at(Utc::now() - chrono::Duration::hours(1))
        .with_scopes([Scope::Personal])
}

/// A token set valid for another hour.
fn valid(access: &str, refresh: &str) -> TokenSet {
    TokenSet::new(access)
        .with_refresh_token(refresh)
        .expiring_in(Duration::from_secs(3600))
        .with_scopes([Scope::Personal])
}

fn query_pairs(request: &AuthorizationRequest) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// RFC 4648 base64url without padding (the PKCE S256 encoding).
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

#[test]
fn base64url_matches_the_rfc_7636_example() {
    // RFC 7636, appendix B.
    let challenge = base64url(&Sha256::digest(b"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

#[test]
fn legacy_authorize_url_has_exactly_the_documented_parameters() {
    let oauth = OAuthClient::new(config()).expect("oauth client");
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily, Scope::HeartHealth]);
    assert_eq!(
        format!(
            "{}://{}{}",
            request.url.scheme(),
            request.url.host_str().expect("host"),
            request.url.path()
        ),
        "https://cloud.ouraring.com/oauth/authorize"
    );
    let state = request.state.expose().to_owned();
    assert!(state.len() >= 16, "state {state:?} is too short to be unguessable");
    assert_eq!(
        query_pairs(&request),
        pairs(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("state", &state),
            ("redirect_uri", REDIRECT),
            ("scope", "personal daily heart_health"),
        ])
    );
    assert!(request.pkce_verifier.is_none());
    assert_eq!(request.scopes, [Scope::Personal, Scope::Daily, Scope::HeartHealth]);
    let again = oauth.authorize_url([Scope::Personal]);
    assert_ne!(again.state.expose(), state, "every request gets a fresh state");
}

#[test]
fn moi_authorize_url_adds_a_pkce_s256_challenge_and_extapi_scopes() {
    let oauth = OAuthClient::new(config().with_endpoints(Endpoints::moi())).expect("oauth client");
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily, Scope::Other("openid".into())]);
    assert_eq!(
        request.url.as_str().split('?').next(),
        Some("https://moi.ouraring.com/oauth/v2/ext/oauth-authorize")
    );
    let verifier = request
        .pkce_verifier
        .as_ref()
        .expect("a PKCE verifier")
        .expose()
        .to_owned();
    assert!(
        (43..=128).contains(&verifier.len()),
        "RFC 7636 verifier length: {}",
        verifier.len()
    );
    let challenge = base64url(&Sha256::digest(verifier.as_bytes()));
    let state = request.state.expose().to_owned();
    assert_eq!(
        query_pairs(&request),
        pairs(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("state", &state),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("redirect_uri", REDIRECT),
            ("scope", "extapi:personal extapi:daily openid"),
        ])
    );
}

#[test]
fn implicit_url_asks_for_the_token_in_the_fragment_without_pkce() {
    let oauth = OAuthClient::new(OAuthConfig::public(CLIENT_ID, REDIRECT)).expect("oauth client");
    let request = oauth.implicit_url(Scope::all());
    let state = request.state.expose().to_owned();
    assert_eq!(
        query_pairs(&request),
        pairs(&[
            ("response_type", "token"),
            ("client_id", CLIENT_ID),
            ("state", &state),
            ("redirect_uri", REDIRECT),
            (
                "scope",
                "email personal daily heartrate workout tag session spo2 heart_health stress ring_configuration"
            ),
        ])
    );
    assert!(request.pkce_verifier.is_none());
}

#[tokio::test]
async fn exchange_sends_the_exact_form_body_and_returns_the_token_set() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("user-agent", format!("my-app/1.0 {DEFAULT_USER_AGENT}"))
                .header_missing("authorization")
                .body(format!(
                    "grant_type=authorization_code&code=the-code&client_id={CLIENT_ID}\
                     &client_secret={CLIENT_SECRET}&redirect_uri={REDIRECT_ENCODED}"
                ));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "token_type": "bearer",
                    "access_token": "access-1",
                    "refresh_token": "refresh-1",
                    "expires_in": 86400,
                    "scope": "personal daily"
                }));
        })
        .await;
    let oauth = OAuthClient::builder(config().with_endpoints(mock_endpoints(&server)))
        .application("my-app/1.0")
        .build()
        .expect("oauth client");
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily, Scope::Workout]);
    let before = Utc::now();
    let tokens = oauth
        .exchange_code("the-code", Some(request.state.expose()), &request)
        .await
        .expect("exchange");
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(tokens.access_token.expose(), "access-1");
    assert_eq!(tokens.refresh_token.as_ref().map(Secret::expose), Some("refresh-1"));
    let lifetime = tokens.expires_at.expect("expiry") - before;
    assert!((86_399..=86_401).contains(&lifetime.num_seconds()), "{lifetime}");
    assert_eq!(
        tokens.scopes,
        [Scope::Personal, Scope::Daily],
        "the granted scopes, not the requested"
    );
}

#[tokio::test]
async fn exchange_with_pkce_sends_the_verifier_and_reads_prefixed_scopes() {
    let server = MockServer::start_async().await;
    let endpoints = mock_endpoints(&server).with_pkce(true).with_scope_prefix("extapi:");
    let oauth = OAuthClient::new(config().with_endpoints(endpoints)).expect("oauth client");
    let request = oauth.authorize_url([Scope::Daily, Scope::Stress]);
    let verifier = request.pkce_verifier.as_ref().expect("verifier").expose().to_owned();
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(format!(
                "grant_type=authorization_code&code=c0de&code_verifier={verifier}&client_id={CLIENT_ID}\
                 &client_secret={CLIENT_SECRET}&redirect_uri={REDIRECT_ENCODED}"
            ));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({
                    "token_type": "Bearer",
                    "access_token": "a",
                    "refresh_token": "r",
                    "expires_in": 3600,
                    "scope": "extapi:daily extapi:stress"
                }));
        })
        .await;
    let tokens = oauth
        .exchange_code("c0de", Some(request.state.expose()), &request)
        .await
        .expect("exchange");
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(tokens.scopes, [Scope::Daily, Scope::Stress]);

    // Without a verifier, PKCE endpoints refuse before sending anything.
    let no_verifier = AuthorizationRequest::from_parts(request.url.clone(), request.state.clone(), None, vec![]);
    let err = oauth
        .exchange_code("c0de", Some(request.state.expose()), &no_verifier)
        .await
        .expect_err("no verifier");
    assert!(matches!(err, Error::InvalidInput(_)), "{err:?}");
    assert_eq!(token.calls_async().await, 1);
}

#[tokio::test]
async fn a_token_response_without_scope_grants_the_requested_scopes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"token_type": "bearer", "access_token": "a"}));
        })
        .await;
    let oauth = oauth(&server);
    let request = oauth.authorize_url([Scope::Heartrate, Scope::Other("custom".into())]);
    let tokens = oauth
        .exchange_code("code", Some(request.state.expose()), &request)
        .await
        .expect("exchange");
    assert_eq!(tokens.scopes, [Scope::Heartrate, Scope::Other("custom".into())]);
    assert_eq!(tokens.refresh_token, None);
    assert_eq!(tokens.expires_at, None);
}

#[tokio::test]
async fn a_mismatched_or_missing_state_is_rejected_without_a_token_request() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.path_includes("/oauth");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a", "r"));
        })
        .await;
    let oauth = oauth(&server);
    let request = oauth.authorize_url([Scope::Daily]);
    let forged = format!("{}x", request.state.expose());
    for returned in [Some(forged.as_str()), Some(""), None] {
        let err = oauth
            .exchange_code("code", returned, &request)
            .await
            .expect_err("state check");
        let Error::Auth(message) = &err else {
            panic!("{returned:?}: {err:?}")
        };
        assert!(message.contains("state"), "{message}");
        assert!(!message.contains(request.state.expose()), "{message}");
    }
    // A state from another authorization request does not pass either.
    let other = oauth.authorize_url([Scope::Daily]);
    let err = oauth
        .exchange_code("code", Some(other.state.expose()), &request)
        .await
        .expect_err("other state");
    assert!(matches!(err, Error::Auth(_)), "{err:?}");
    assert_eq!(token.calls_async().await, 0, "no request before the state check");
}

#[tokio::test]
async fn refresh_sends_the_exact_form_body() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("user-agent", DEFAULT_USER_AGENT)
                .body(refresh_body("refresh-1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("access-2", "refresh-2"));
        })
        .await;
    let new = oauth(&server)
        .refresh(&expired("access-1", "refresh-1"))
        .await
        .expect("refresh");
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(new.access_token.expose(), "access-2");
    assert_eq!(new.refresh_token.as_ref().map(Secret::expose), Some("refresh-2"));
    assert_eq!(
        new.scopes,
        [Scope::Personal],
        "scopes carry over when the response has none"
    );
    assert!(!new.is_expired());
}

#[tokio::test]
async fn rotation_stores_the_new_refresh_token_and_never_sends_the_old_one_again() {
    let server = MockServer::start_async().await;
    let mut rotations = Vec::new();
    for n in 1..=3 {
        rotations.push(
            server
                .mock_async(|when, then| {
                    when.method(POST)
                        .path("/oauth/token")
                        .body(refresh_body(&format!("r{n}")));
                    then.status(200)
                        .header("content-type", "application/json")
                        .json_body(token_response(&format!("a{}", n + 1), &format!("r{}", n + 1)));
                })
                .await,
        );
    }
    let oauth = oauth(&server);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    FileStore::new(&path).save(&expired("a1", "r1")).await.expect("seed");

    let authenticator = oauth.authenticator(FileStore::new(&path));
    assert_eq!(authenticator.access_token().await.expect("token").expose(), "a2");
    let stored = FileStore::new(&path).load().await.expect("load").expect("tokens");
    assert_eq!(stored.refresh_token.as_ref().map(Secret::expose), Some("r2"));
    assert_eq!(stored.access_token.expose(), "a2");

    let again = authenticator.force_refresh().await.expect("second refresh");
    assert_eq!(again.access_token.expose(), "a3");
    let stored = FileStore::new(&path).load().await.expect("load").expect("tokens");
    assert_eq!(stored.refresh_token.as_ref().map(Secret::expose), Some("r3"));

    // A restart: a new authenticator over the same file continues with the latest token.
    drop(authenticator);
    let restarted = oauth.authenticator(FileStore::new(&path));
    assert_eq!(
        restarted.access_token().await.expect("token").expose(),
        "a3",
        "no refresh needed"
    );
    assert_eq!(
        restarted.force_refresh().await.expect("third").access_token.expose(),
        "a4"
    );

    let hits: Vec<usize> = futures::future::join_all(rotations.iter().map(|m| m.calls_async())).await;
    assert_eq!(hits, [1, 1, 1], "each refresh token was sent exactly once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_requests_with_an_expired_token_refresh_once() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"))
                .delay(Duration::from_millis(300));
        })
        .await;
    let data = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PERSONAL_INFO)
                .header("authorization", "Bearer a2")
                .header("user-agent", DEFAULT_USER_AGENT);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"id": "user-1", "email": "u@example.com"}));
        })
        .await;
    let store = MemoryStore::with_tokens(expired("a1", "r1"));
    let authenticator = oauth(&server).authenticator(store.clone());
    let client = api_client(&authenticator, &server);

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.personal_info().await })
        })
        .collect();
    for task in tasks {
        let info = task.await.expect("task").expect("personal info");
        assert_eq!(info.id, "user-1");
    }
    assert_eq!(token.calls_async().await, 1, "one refresh for ten callers");
    assert_eq!(data.calls_async().await, 10);
    let stored = store.get().expect("tokens");
    assert_eq!(stored.access_token.expose(), "a2");
    assert_eq!(stored.refresh_token.as_ref().map(Secret::expose), Some("r2"));
}

#[tokio::test]
async fn a_401_triggers_one_refresh_and_a_retry() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"));
        })
        .await;
    let rejected = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PERSONAL_INFO)
                .header("authorization", "Bearer a1");
            then.status(401)
                .header("content-type", "application/json")
                .json_body(json!({"detail": "Token revoked"}));
        })
        .await;
    let accepted = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(PERSONAL_INFO)
                .header("authorization", "Bearer a2");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"id": "user-1"}));
        })
        .await;
    let store = MemoryStore::with_tokens(valid("a1", "r1"));
    let authenticator = oauth(&server).authenticator(store.clone());
    let client = api_client(&authenticator, &server);

    let info = client.personal_info().await.expect("personal info after one refresh");
    assert_eq!(info.id, "user-1");
    assert_eq!(
        (
            rejected.calls_async().await,
            token.calls_async().await,
            accepted.calls_async().await
        ),
        (1, 1, 1)
    );
    assert_eq!(
        store.get().and_then(|t| t.refresh_token).as_ref().map(Secret::expose),
        Some("r2")
    );

    // The next request uses the new token directly.
    client.personal_info().await.expect("again");
    assert_eq!(
        (
            rejected.calls_async().await,
            token.calls_async().await,
            accepted.calls_async().await
        ),
        (1, 1, 2)
    );
}

#[tokio::test]
async fn concurrent_401s_share_one_refresh() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"))
                .delay(Duration::from_millis(100));
        })
        .await;
    let authenticator = oauth(&server).authenticator(MemoryStore::with_tokens(valid("a1", "r1")));
    let rejected = Secret::new("a1");
    let results = futures::future::join_all((0..5).map(|_| authenticator.refresh(&rejected))).await;
    for result in results {
        assert_eq!(result.expect("refresh").expose(), "a2");
    }
    assert_eq!(token.calls_async().await, 1);
    // A caller whose rejected token was already replaced gets the current one, no refresh.
    assert_eq!(authenticator.refresh(&rejected).await.expect("current").expose(), "a2");
    assert_eq!(token.calls_async().await, 1);
}

#[tokio::test]
async fn invalid_grant_requires_reauthorization_and_is_not_sent_again() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"error": "invalid_grant", "error_description": "Refresh token already used"}));
        })
        .await;
    let data = server
        .mock_async(|when, then| {
            when.path(PERSONAL_INFO);
            then.status(200).json_body(json!({"id": "user-1"}));
        })
        .await;
    let authenticator = oauth(&server).authenticator(MemoryStore::with_tokens(expired("a1", "r1")));
    let client = api_client(&authenticator, &server);
    for _ in 0..2 {
        let err = client.personal_info().await.expect_err("dead grant");
        let Error::ReauthorizationRequired(message) = &err else {
            panic!("{err:?}")
        };
        assert!(
            message.contains("invalid_grant") || message.contains("refused"),
            "{message}"
        );
        assert!(!err.to_string().contains("r1"), "{err}");
    }
    assert_eq!(
        token.calls_async().await,
        1,
        "a refused refresh token is not sent again"
    );
    assert_eq!(data.calls_async().await, 0);

    // A new authorization brings the client back.
    authenticator
        .replace_tokens(valid("fresh", "fresh-refresh"))
        .await
        .expect("replace");
    let ok = server
        .mock_async(|when, then| {
            when.path(PERSONAL_INFO).header("authorization", "Bearer fresh");
            then.status(200).json_body(json!({"id": "user-2"}));
        })
        .await;
    data.delete_async().await;
    assert_eq!(
        client.personal_info().await.expect("after reauthorization").id,
        "user-2"
    );
    assert_eq!(ok.calls_async().await, 1);
}

#[tokio::test]
async fn no_stored_tokens_or_no_refresh_token_requires_authorization() {
    let server = MockServer::start_async().await;
    let authenticator = oauth(&server).authenticator(MemoryStore::new());
    let err = authenticator.access_token().await.expect_err("empty store");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");
    let implicit = TokenSet::new("implicit").with_expires_at(Utc::now() - chrono::Duration::seconds(1));
    let authenticator = oauth(&server).authenticator(MemoryStore::with_tokens(implicit));
    let err = authenticator.access_token().await.expect_err("no refresh token");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");
}

#[tokio::test]
async fn tokens_are_refreshed_within_the_margin_before_expiry() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"));
        })
        .await;
    let soon = TokenSet::new("a1")
        .with_refresh_token("r1")
        .expiring_in(Duration::from_secs(30));
    let relaxed = oauth(&server)
        .authenticator(MemoryStore::with_tokens(soon.clone()))
        .refresh_margin(Duration::from_secs(10));
    assert_eq!(relaxed.access_token().await.expect("token").expose(), "a1");
    assert_eq!(token.calls_async().await, 0);
    let default_margin = oauth(&server).authenticator(MemoryStore::with_tokens(soon));
    assert_eq!(default_margin.access_token().await.expect("token").expose(), "a2");
    assert_eq!(token.calls_async().await, 1);
}

/// A store whose first `failures` saves fail.
#[derive(Debug, Clone)]
struct FlakyStore {
    inner: MemoryStore,
    failures: Arc<AtomicUsize>,
    saves: Arc<AtomicUsize>,
}

impl TokenStore for FlakyStore {
    fn load(&self) -> BoxFuture<'_, oura::Result<Option<TokenSet>>> {
        self.inner.load()
    }

    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, oura::Result<()>> {
        self.saves.fetch_add(1, Ordering::SeqCst);
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Box::pin(async { Err(Error::Auth("disk full".into())) });
        }
        self.inner.save(tokens)
    }

    fn clear(&self) -> BoxFuture<'_, oura::Result<()>> {
        self.inner.clear()
    }
}

#[tokio::test]
async fn a_rotated_token_is_handed_out_only_after_it_was_saved() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"));
        })
        .await;
    let inner = MemoryStore::with_tokens(expired("a1", "r1"));
    let store = FlakyStore {
        inner: inner.clone(),
        failures: Arc::new(AtomicUsize::new(1)),
        saves: Arc::new(AtomicUsize::new(0)),
    };
    let authenticator = oauth(&server).authenticator(store.clone());

    let err = authenticator.access_token().await.expect_err("the save failed");
    let Error::Auth(message) = &err else { panic!("{err:?}") };
    assert!(
        message.contains("could not be saved") && message.contains("disk full"),
        "{message}"
    );
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(
        inner.get().and_then(|t| t.refresh_token).as_ref().map(Secret::expose),
        Some("r1"),
        "nothing durable yet"
    );

    // The store works again: the kept set is saved first, then handed out; no second refresh.
    assert_eq!(authenticator.access_token().await.expect("token").expose(), "a2");
    assert_eq!(
        token.calls_async().await,
        1,
        "the spent refresh token was not sent again"
    );
    assert_eq!(store.saves.load(Ordering::SeqCst), 2);
    assert_eq!(
        inner.get().and_then(|t| t.refresh_token).as_ref().map(Secret::expose),
        Some("r2")
    );
}

#[tokio::test]
async fn a_rotation_by_another_process_is_picked_up_instead_of_refreshing() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("never", "never"));
        })
        .await;
    let store = MemoryStore::with_tokens(expired("a1", "r1"));
    let authenticator = oauth(&server).authenticator(store.clone());
    assert_eq!(
        authenticator.tokens().await.expect("load").map(|t| t.access_token),
        Some(Secret::new("a1"))
    );
    // Another process sharing the store refreshed in the meantime.
    store.save(&valid("a2", "r2")).await.expect("save");
    assert_eq!(authenticator.access_token().await.expect("token").expose(), "a2");
    assert_eq!(token.calls_async().await, 0);
}

#[tokio::test]
async fn legacy_revoke_sends_the_access_token_as_a_query_parameter_and_clears_the_store() {
    let server = MockServer::start_async().await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/oauth/revoke")
                .query_param("access_token", "a1")
                .header("user-agent", DEFAULT_USER_AGENT);
            then.status(200);
        })
        .await;
    let store = MemoryStore::with_tokens(valid("a1", "r1"));
    let authenticator = oauth(&server).authenticator(store.clone());
    authenticator.revoke().await.expect("revoke");
    assert_eq!(revoke.calls_async().await, 1);
    assert_eq!(store.get(), None);
    let err = authenticator.access_token().await.expect_err("logged out");
    assert!(matches!(err, Error::ReauthorizationRequired(_)), "{err:?}");
}

#[tokio::test]
async fn revoking_with_an_expired_access_token_refreshes_first_on_legacy_endpoints() {
    let server = MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").body(refresh_body("r1"));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(token_response("a2", "r2"));
        })
        .await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(GET).path("/oauth/revoke").query_param("access_token", "a2");
            then.status(200);
        })
        .await;
    let store = MemoryStore::with_tokens(expired("a1", "r1"));
    oauth(&server)
        .authenticator(store.clone())
        .revoke()
        .await
        .expect("revoke");
    assert_eq!((token.calls_async().await, revoke.calls_async().await), (1, 1));
    assert_eq!(store.get(), None);

    // With RFC 7009 the refresh token itself is revoked: no refresh first.
    let rfc = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .body_includes("token=r9&token_type_hint=refresh_token");
            then.status(200);
        })
        .await;
    let endpoints = mock_endpoints(&server).with_revocation(Revocation::Rfc7009);
    let oauth = OAuthClient::new(config().with_endpoints(endpoints)).expect("oauth client");
    let store = MemoryStore::with_tokens(expired("a9", "r9"));
    oauth.authenticator(store.clone()).revoke().await.expect("revoke");
    assert_eq!((token.calls_async().await, rfc.calls_async().await), (1, 1));
    assert_eq!(store.get(), None);
}

#[tokio::test]
async fn legacy_revoke_retries_as_post_when_get_is_not_allowed() {
    let server = MockServer::start_async().await;
    let get = server
        .mock_async(|when, then| {
            when.method(GET).path("/oauth/revoke");
            then.status(405);
        })
        .await;
    let post = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/revoke")
                .query_param("access_token", "a1");
            then.status(200);
        })
        .await;
    oauth(&server).revoke(&valid("a1", "r1")).await.expect("revoke");
    assert_eq!((get.calls_async().await, post.calls_async().await), (1, 1));
}

#[tokio::test]
async fn a_failed_revocation_is_an_error_that_hides_the_token() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.path("/oauth/revoke");
            then.status(401)
                .header("content-type", "application/json")
                .json_body(json!({"detail": "Invalid token"}));
        })
        .await;
    let err = oauth(&server)
        .revoke(&valid("secret-access", "r1"))
        .await
        .expect_err("401");
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("secret-access"));
}

#[tokio::test]
async fn rfc7009_revoke_posts_the_refresh_token() {
    let server = MockServer::start_async().await;
    let revoke = server
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/revoke").body(format!(
                "token=r1&token_type_hint=refresh_token&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
            ));
            then.status(200);
        })
        .await;
    let endpoints = mock_endpoints(&server).with_revocation(Revocation::Rfc7009);
    let oauth = OAuthClient::new(config().with_endpoints(endpoints)).expect("oauth client");
    oauth.revoke(&valid("a1", "r1")).await.expect("revoke");
    assert_eq!(revoke.calls_async().await, 1);
}

#[tokio::test]
async fn token_endpoint_errors_are_typed_and_quote_no_secret() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .body_includes("refresh_token=r-client");
            then.status(401)
                .header("content-type", "application/json")
                .json_body(json!({"error": "invalid_client"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .body_includes("refresh_token=r-detail");
            then.status(400)
                .header("content-type", "application/json")
                .json_body(json!({"detail": "Bad request body"}));
        })
        .await;
    let oauth = oauth(&server);
    let err = oauth
        .refresh(&expired("a", "r-client"))
        .await
        .expect_err("invalid_client");
    let Error::Auth(message) = &err else { panic!("{err:?}") };
    assert_eq!(message, "the OAuth token endpoint answered invalid_client");
    let err = oauth.refresh(&expired("a", "r-detail")).await.expect_err("detail");
    let Error::Auth(message) = &err else { panic!("{err:?}") };
    assert_eq!(
        message,
        "the OAuth token endpoint refused the request: Bad request body"
    );
    for text in [format!("{err}"), format!("{err:?}")] {
        assert!(!text.contains(CLIENT_SECRET) && !text.contains("r-detail"), "{text}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn file_store_is_owner_only_and_replaces_the_file_atomically() {
    use std::os::unix::fs::PermissionsExt as _;

    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested").join("tokens.json");
    let store = FileStore::new(&path);
    assert_eq!(store.load().await.expect("missing file"), None);

    store.save(&valid("a1", "r1")).await.expect("save");
    let mode = |p: &std::path::Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().expect("parent")), 0o700);

    // A file made readable by others becomes owner-only at the next save (it is replaced).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let inode_before = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).expect("meta"));
    store.save(&valid("a2", "r2")).await.expect("save");
    assert_eq!(mode(&path), 0o600);
    let inode_after = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&path).expect("meta"));
    assert_ne!(
        inode_before, inode_after,
        "saved by rename of a new file, not rewritten in place"
    );

    // The leftover of a crashed save (a half-written temporary file) changes nothing.
    let leftover = path.with_file_name(".tokens.json.00000000deadbeef.tmp");
    std::fs::write(&leftover, br#"{"access_token": "half"#).expect("leftover");
    assert_eq!(
        store.load().await.expect("load").map(|t| t.access_token),
        Some(Secret::new("a2"))
    );

    // Readers never see half a file while writers replace it.
    let small = valid("s", "s");
    let large = valid(&"L".repeat(64 * 1024), &"R".repeat(64 * 1024));
    let writer = {
        let store = store.clone();
        let (small, large) = (small.clone(), large.clone());
        tokio::spawn(async move {
            for i in 0..100 {
                store
                    .save(if i % 2 == 0 { &large } else { &small })
                    .await
                    .expect("save");
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() {
        let loaded = store.load().await.expect("a whole file").expect("tokens");
        assert!(loaded == small || loaded == large || loaded.access_token.expose() == "a2");
        reads += 1;
    }
    writer.await.expect("writer");
    assert!(reads > 0);
    assert_eq!(store.load().await.expect("load"), Some(small));
    let mut names: Vec<String> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("read dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The file, the old leftover, and the lock file saves take (kept, owner-only).
    assert_eq!(
        names,
        [".tokens.json.00000000deadbeef.tmp", "tokens.json", "tokens.json.lock"],
        "only the file, the old leftover and the lock file"
    );
    assert_eq!(mode(&path.with_file_name("tokens.json.lock")), 0o600);

    store.clear().await.expect("clear");
    assert_eq!(store.load().await.expect("load"), None);
    store.clear().await.expect("clearing twice is fine");
}

#[tokio::test]
async fn secrets_are_absent_from_debug_of_every_config_and_token_type() {
    let server = MockServer::start_async().await;
    let secrets = [CLIENT_SECRET, "access-tok-5e1f", "refresh-tok-77aa"];
    let tokens = valid("access-tok-5e1f", "refresh-tok-77aa");
    let config = config().with_endpoints(Endpoints::moi());
    let oauth = OAuthClient::new(config.clone()).expect("oauth client");
    let request = oauth.authorize_url([Scope::Daily]);
    let implicit = oauth.implicit_url([Scope::Daily]);
    let store = MemoryStore::with_tokens(tokens.clone());
    let authenticator = oauth.authenticator(store.clone());
    let client = authenticator.client().expect("client");
    let file_store = FileStore::new("/tmp/never-written.json");
    let mock_oauth = self::oauth(&server);
    let debugs = [
        format!("{config:?}"),
        format!("{oauth:?}"),
        format!("{mock_oauth:?}"),
        format!("{:?}", Endpoints::moi()),
        format!("{request:?}"),
        format!("{implicit:?}"),
        format!("{tokens:?}"),
        format!("{store:?}"),
        format!("{file_store:?}"),
        format!("{authenticator:?}"),
        format!("{client:?}"),
        format!("{:?}", OAuthClient::builder(config.clone())),
    ];
    let state = request.state.expose();
    let verifier = request.pkce_verifier.as_ref().expect("verifier").expose();
    for debug in &debugs {
        for secret in secrets
            .iter()
            .copied()
            .chain([state, verifier, implicit.state.expose()])
        {
            assert!(!debug.contains(secret), "{secret:?} shows in {debug}");
        }
    }
    assert!(
        debugs[0].contains(CLIENT_ID) && debugs[0].contains("[redacted]"),
        "{}",
        debugs[0]
    );
    assert!(debugs[6].contains("[redacted]"), "{}", debugs[6]);
}
