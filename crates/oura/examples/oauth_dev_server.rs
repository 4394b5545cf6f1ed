//! The quickest way for a developer to get an access token: a page on http://127.0.0.1:3000
//! with a "Start OAuth Flow" button. It uses the implicit grant, so Oura redirects back with the
//! access token in the URL fragment, which the page shows (the token never reaches this server).
//! There is no refresh token: for a real application use the code flow (`oauth_server`).
//!
//! ```sh
//! OURA_CLIENT_ID=... cargo run -p oura-ring --example oauth_dev_server
//! ```
//!
//! Environment:
//! - `OURA_CLIENT_ID` (required)
//! - `OURA_REDIRECT_URI` (default `http://127.0.0.1:3000/callback`; register it for the application)
//! - `OURA_AUTHORIZE_URL` (optional: another authorization server, e.g. the emulator's
//!   `http://127.0.0.1:8080/oauth/authorize`)
//! - `PORT` (default 3000)

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::response::{Html, Redirect};
use axum::routing::get;
use oura::Secret;
use oura::oauth::{OAuthClient, OAuthConfig, Scope};

struct App {
    oauth: OAuthClient,
    /// The state of the last authorization started here; the callback page checks it.
    expected_state: Mutex<Option<Secret>>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env("PORT").map(|p| p.parse()).transpose()?.unwrap_or(3000);
    let client_id = env("OURA_CLIENT_ID").ok_or("set OURA_CLIENT_ID to the application's client id")?;
    let redirect_uri = env("OURA_REDIRECT_URI").unwrap_or_else(|| format!("http://127.0.0.1:{port}/callback"));
    let mut config = OAuthConfig::public(client_id, redirect_uri.clone());
    if let Some(url) = env("OURA_AUTHORIZE_URL") {
        config.endpoints = config.endpoints.with_authorize_url(url);
    }
    let app = Arc::new(App {
        oauth: OAuthClient::new(config)?,
        expected_state: Mutex::new(None),
    });
    let router = Router::new()
        .route("/", get(index))
        .route("/start", get(start))
        .route("/callback", get(callback))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("open http://127.0.0.1:{port}/ (Oura redirects back to {redirect_uri})");
    axum::serve(listener, router).await?;
    Ok(())
}

async fn index() -> Html<&'static str> {
    Html(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Oura OAuth (development)</title></head>
<body>
  <h1>Get an Oura access token</h1>
  <p>Signs in with the implicit grant and shows the access token. For development only.</p>
  <form action="/start" method="get"><button type="submit">Start OAuth Flow</button></form>
</body></html>"#,
    )
}

async fn start(State(app): State<Arc<App>>) -> Redirect {
    let request = app.oauth.implicit_url(Scope::all());
    *app.expected_state.lock().unwrap_or_else(PoisonError::into_inner) = Some(request.state.clone());
    Redirect::to(request.url.as_str())
}

async fn callback(State(app): State<Arc<App>>) -> Html<String> {
    let expected = app
        .expected_state
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .map(|state| state.expose().to_owned());
    // JSON is a valid JavaScript literal; `<` is escaped so the value cannot close the script.
    let expected = serde_json::to_string(&expected)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c");
    Html(CALLBACK_PAGE.replace("__EXPECTED_STATE__", &expected))
}

const CALLBACK_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Oura OAuth (development)</title>
<style>code { word-break: break-all; background: #eee; padding: 0.2em; }</style></head>
<body>
  <h1>Oura access token</h1>
  <p id="status">Reading the redirect…</p>
  <p>Access token: <code id="token"></code></p>
  <p>Expires in: <span id="expires"></span> s; scopes: <span id="scope"></span></p>
  <p><a href="/">Start again</a></p>
  <script>
    const expectedState = __EXPECTED_STATE__;
    const params = new URLSearchParams(window.location.hash.slice(1) || window.location.search.slice(1));
    const status = document.getElementById("status");
    if (params.get("error")) {
      status.textContent = "Oura answered " + params.get("error") + ": " + (params.get("error_description") || "");
    } else if (!params.get("access_token")) {
      status.textContent = "No access token in the redirect.";
    } else if (expectedState === null || params.get("state") !== expectedState) {
      status.textContent = "The state does not match the request started here: ignoring this token.";
    } else {
      status.textContent = "Signed in. Use the token as OURA_TOKEN (it has no refresh token).";
      document.getElementById("token").textContent = params.get("access_token");
      document.getElementById("expires").textContent = params.get("expires_in") || "?";
      document.getElementById("scope").textContent = params.get("scope") || "";
      history.replaceState(null, "", window.location.pathname);
    }
  </script>
</body></html>"#;
