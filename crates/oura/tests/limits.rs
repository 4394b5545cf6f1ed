//! Bounded inputs: OAuth requests never follow redirects, response bodies and page chains have
//! limits, ids never become dot segments.

use axum::Router;
use axum::body::Body;
use axum::routing::get;
use futures::TryStreamExt;
use httpmock::prelude::*;
use oura::oauth::{Endpoints, OAuthClient, OAuthConfig, Revocation, Scope, TokenSet};
use oura::webhooks::Subscriptions;
use oura::{Client, DateRange, Error, RetryPolicy};
use serde_json::json;

fn oauth(server: &MockServer, revocation: Revocation) -> OAuthClient {
    let endpoints = Endpoints::custom(
        server.url("/oauth/authorize"),
        server.url("/oauth/token"),
        server.url("/oauth/revoke"),
    )
    .with_revocation(revocation);
    OAuthClient::new(OAuthConfig::new("client-id", "client-secret", "http://localhost/cb").with_endpoints(endpoints))
        .expect("oauth client")
}

fn tokens() -> TokenSet {
    TokenSet::new("access-token")
        .with_refresh_token("refresh-token")
        .with_scopes([Scope::Daily])
}

fn assert_redirected(err: &Error, endpoint: &str, elsewhere: &MockServer) {
    let Error::Redirected {
        endpoint: named,
        status,
        location,
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*named, endpoint);
    assert_eq!(status.as_u16(), 307);
    assert_eq!(location.as_deref(), Some(elsewhere.base_url().as_str()));
    let text = err.to_string();
    assert!(text.contains("307") && text.contains(endpoint), "{text}");
    assert!(
        !text.contains("client-secret") && !text.contains("refresh-token"),
        "{text}"
    );
}

#[tokio::test]
async fn token_refresh_and_revoke_requests_never_follow_a_redirect() {
    let elsewhere = MockServer::start_async().await;
    let catch_all = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(json!({"access_token": "stolen", "token_type": "bearer"}));
        })
        .await;
    let server = MockServer::start_async().await;
    let redirect = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(307).header("location", elsewhere.url("/collect?x=1"));
        })
        .await;

    let client = oauth(&server, Revocation::AccessTokenQuery);
    let request = client.authorize_url([Scope::Daily]);
    let err = client
        .exchange_code("the-code", Some(request.state.expose()), &request)
        .await
        .expect_err("redirected");
    assert_redirected(&err, "token", &elsewhere);
    let err = client.refresh(&tokens()).await.expect_err("redirected");
    assert_redirected(&err, "token", &elsewhere);
    let err = client.revoke(&tokens()).await.expect_err("redirected");
    assert_redirected(&err, "revoke", &elsewhere);
    let rfc7009 = oauth(&server, Revocation::Rfc7009);
    let err = rfc7009.revoke(&tokens()).await.expect_err("redirected");
    assert_redirected(&err, "revoke", &elsewhere);

    redirect.assert_calls_async(4).await;
    catch_all.assert_calls_async(0).await;
}

fn client(base_url: &str) -> oura::ClientBuilder {
    Client::builder()
        .token("token")
        .base_url(base_url)
        .retry(RetryPolicy::disabled())
}

fn week() -> DateRange {
    DateRange::parse("2025-06-01", "2025-06-07").expect("range")
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    format!("http://{addr}")
}

/// A page padded to about `size` bytes; `chunked` sends it without a length, in 64 KiB chunks.
fn big_page(size: usize, chunked: bool) -> Body {
    let mut body = br#"{"data":[],"next_token":null,"pad":""#.to_vec();
    body.resize(size, b'a');
    body.extend_from_slice(b"\"}");
    if !chunked {
        return Body::from(body);
    }
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    Body::from_stream(futures::stream::iter(chunks))
}

#[tokio::test]
async fn a_body_past_the_size_limit_is_an_error_with_or_without_a_length() {
    let app = Router::new()
        .route(
            "/v2/usercollection/daily_sleep",
            get(|| async { big_page(3 * 1024 * 1024, false) }),
        )
        .route(
            "/v2/usercollection/sleep",
            get(|| async { big_page(3 * 1024 * 1024, true) }),
        );
    let url = serve(app).await;
    let limited = client(&url).max_response_size(1024 * 1024).build().expect("client");
    let err = limited
        .daily_sleep()
        .list(week())
        .try_collect::<Vec<_>>()
        .await
        .expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { limit: 1_048_576 }), "{err:?}");
    assert!(err.to_string().contains("1048576 bytes"), "{err}");
    let err = limited
        .sleep()
        .list(week())
        .try_collect::<Vec<_>>()
        .await
        .expect_err("too large");
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    // The same pages within the default limit are read.
    let default = client(&url).build().expect("client");
    let nights = default
        .daily_sleep()
        .list(week())
        .try_collect::<Vec<_>>()
        .await
        .expect("read");
    assert!(nights.is_empty());
}

#[tokio::test]
async fn a_server_that_never_stops_issuing_page_tokens_hits_the_page_limit() {
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Every answer is an empty page with a token never seen before.
    let counter = std::sync::Arc::clone(&calls);
    let endless = Router::new().route(
        "/v2/usercollection/daily_sleep",
        get(move || {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move { axum::Json(json!({"data": [], "next_token": format!("token-{n}")})) }
        }),
    );
    let url = serve(endless).await;
    let client = client(&url).max_pages(25).build().expect("client");
    // Without a limit this would never end: fail instead of hanging.
    let listing = client.daily_sleep().list(week()).try_collect::<Vec<_>>();
    let err = tokio::time::timeout(std::time::Duration::from_secs(60), listing)
        .await
        .expect("the listing ended")
        .expect_err("endless");
    let Error::TooManyPages { route, limit } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((route.as_str(), *limit), ("daily_sleep", 25));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 25);
}

#[tokio::test]
async fn dot_empty_and_control_ids_are_refused_before_any_request() {
    let server = MockServer::start_async().await;
    let any = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(204);
        })
        .await;
    let client = client(&server.base_url()).build().expect("client");
    let subscriptions = Subscriptions::new(&client, "client-id", "client-secret");
    for id in [".", "..", "", " ", "a\nb", "\u{7f}"] {
        let err = subscriptions.delete(id).await.expect_err(id);
        assert!(matches!(err, Error::InvalidInput(_)), "{id:?}: {err:?}");
        let err = subscriptions.renew(id).await.expect_err(id);
        assert!(matches!(err, Error::InvalidInput(_)), "{id:?}: {err:?}");
        let err = client.sleep().get(id).await.expect_err(id);
        assert!(matches!(err, Error::InvalidInput(_)), "{id:?}: {err:?}");
    }
    any.assert_calls_async(0).await;
    any.delete_async().await;
    // An ordinary id with dots inside still goes out, encoded.
    let one = server
        .mock_async(|when, then| {
            when.method(DELETE).path("/v2/webhook/subscription/a.b");
            then.status(204);
        })
        .await;
    subscriptions.delete("a.b").await.expect("deleted");
    one.assert_calls_async(1).await;
}
