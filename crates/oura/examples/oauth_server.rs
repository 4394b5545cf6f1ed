//! A web application signing a user in with Oura's authorization-code flow (`axum`):
//!
//! - `/`: a login link (a fresh state, and a PKCE challenge where the endpoints use PKCE)
//! - `/callback`: checks the state, exchanges the code, shows the user's personal info
//! - `/refresh`: refreshes the tokens now (the rotated refresh token is stored first)
//! - `/logout`: revokes the grant and forgets the tokens
//!
//! ```sh
//! OURA_CLIENT_ID=... OURA_CLIENT_SECRET=... OURA_REDIRECT_URI=http://localhost:8080/callback \
//!     cargo run -p oura-ring --example oauth_server
//! ```
//!
//! Environment: `OURA_CLIENT_ID`, `OURA_CLIENT_SECRET`, `OURA_REDIRECT_URI` (required; the
//! redirect URI registered for the application), and optionally `OURA_AUTHORIZE_URL`,
//! `OURA_TOKEN_URL`, `OURA_REVOKE_URL` (another authorization server, e.g. the emulator),
//! `OURA_BASE_URL` (another API root) and `PORT` (default 8080).
//!
//! One user at a time, tokens in memory: a real application keys both by its session cookie and
//! keeps tokens in a durable [`TokenStore`](oura::oauth::TokenStore) (e.g. `FileStore` or a
//! database).

use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::get;
use oura::oauth::{Authenticator, AuthorizationRequest, MemoryStore, OAuthClient, OAuthConfig, Scope, TokenSet};

struct App {
    oauth: OAuthClient,
    base_url: Option<String>,
    /// The authorization started by the last visit to `/`.
    pending: Mutex<Option<AuthorizationRequest>>,
    /// The signed-in user.
    session: Mutex<Option<Authenticator>>,
}

type Page = (StatusCode, Html<String>);

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if env("OURA_CLIENT_SECRET").is_none() {
        return Err("set OURA_CLIENT_ID, OURA_CLIENT_SECRET and OURA_REDIRECT_URI".into());
    }
    // Reads OURA_CLIENT_ID, OURA_CLIENT_SECRET, OURA_REDIRECT_URI and the OURA_*_URL overrides.
    let config = OAuthConfig::from_env()?;
    let oauth = OAuthClient::builder(config)
        .application(concat!("oauth-server-example/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let port: u16 = env("PORT").map(|p| p.parse()).transpose()?.unwrap_or(8080);
    let app = Arc::new(App {
        oauth,
        base_url: env("OURA_BASE_URL"),
        pending: Mutex::new(None),
        session: Mutex::new(None),
    });
    let router = Router::new()
        .route("/", get(index))
        .route("/callback", get(callback))
        .route("/refresh", get(refresh))
        .route("/logout", get(logout))
        .with_state(app);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!("open http://127.0.0.1:{port}/");
    axum::serve(listener, router).await?;
    Ok(())
}

fn page(status: StatusCode, title: &str, body: &str) -> Page {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}<p><a href=\"/\">Home</a> · <a href=\"/refresh\">Refresh</a> · \
         <a href=\"/logout\">Log out</a></p></body></html>",
        title = escape(title),
    );
    (status, Html(html))
}

fn error_page(status: StatusCode, err: &dyn std::fmt::Display) -> Page {
    page(
        status,
        "Something went wrong",
        &format!("<p>{}</p>", escape(&err.to_string())),
    )
}

/// HTML-escapes text from outside (Oura's answers, query parameters).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn session(app: &App) -> Option<Authenticator> {
    app.session.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn describe(tokens: &TokenSet) -> String {
    let expires = tokens
        .expires_at
        .map_or_else(|| "unknown".to_owned(), |at| at.to_rfc3339());
    let scopes: Vec<String> = tokens.scopes.iter().map(ToString::to_string).collect();
    format!(
        "<p>Access token expires: {}; scopes: {}; refresh token: {}</p>",
        escape(&expires),
        escape(&scopes.join(" ")),
        if tokens.refresh_token.is_some() {
            "stored"
        } else {
            "none"
        }
    )
}

async fn index(State(app): State<Arc<App>>) -> Page {
    let request = app.oauth.authorize_url([Scope::Email, Scope::Personal, Scope::Daily]);
    let link = format!(
        "<p><a href=\"{}\">Log in with Oura</a></p>",
        escape(request.url.as_str())
    );
    *app.pending.lock().unwrap_or_else(PoisonError::into_inner) = Some(request);
    let status = if session(&app).is_some() {
        "<p>You are logged in.</p>"
    } else {
        "<p>You are not logged in.</p>"
    };
    page(StatusCode::OK, "Oura OAuth example", &format!("{status}{link}"))
}

#[derive(serde::Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(State(app): State<Arc<App>>, Query(callback): Query<Callback>) -> Page {
    if let Some(error) = &callback.error {
        let description = callback.error_description.as_deref().unwrap_or("");
        return page(
            StatusCode::BAD_REQUEST,
            "Authorization refused",
            &format!("<p>Oura answered {}: {}</p>", escape(error), escape(description)),
        );
    }
    // Each authorization request is used once.
    let Some(pending) = app.pending.lock().unwrap_or_else(PoisonError::into_inner).take() else {
        return page(
            StatusCode::BAD_REQUEST,
            "No login in progress",
            "<p>Start from the home page.</p>",
        );
    };
    let code = callback.code.as_deref().unwrap_or_default();
    // The state is checked here, before the code is sent anywhere.
    let tokens = match app.oauth.exchange_code(code, callback.state.as_deref(), &pending).await {
        Ok(tokens) => tokens,
        Err(err) => return error_page(StatusCode::BAD_REQUEST, &err),
    };
    let authenticator = app.oauth.authenticator(MemoryStore::new());
    if let Err(err) = authenticator.replace_tokens(tokens.clone()).await {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, &err);
    }
    *app.session.lock().unwrap_or_else(PoisonError::into_inner) = Some(authenticator.clone());

    let mut builder = authenticator.client_builder();
    if let Some(base_url) = &app.base_url {
        builder = builder.base_url(base_url.clone());
    }
    let info = match builder.build() {
        Ok(client) => client.personal_info().await,
        Err(err) => Err(err),
    };
    match info {
        Ok(info) => {
            let row = |name: &str, value: Option<String>| {
                format!(
                    "<tr><th>{}</th><td>{}</td></tr>",
                    escape(name),
                    escape(value.as_deref().unwrap_or("—"))
                )
            };
            let table = [
                row("id", Some(info.id.clone())),
                row("email", info.email.clone()),
                row("age", info.age.map(|a| a.to_string())),
                row("biological sex", info.biological_sex.clone()),
                row("height (m)", info.height.map(|h| h.to_string())),
                row("weight (kg)", info.weight.map(|w| w.to_string())),
            ]
            .concat();
            page(
                StatusCode::OK,
                "Logged in",
                &format!("<table>{table}</table>{}", describe(&tokens)),
            )
        }
        Err(err) => error_page(StatusCode::BAD_GATEWAY, &err),
    }
}

async fn refresh(State(app): State<Arc<App>>) -> Page {
    let Some(authenticator) = session(&app) else {
        return page(StatusCode::UNAUTHORIZED, "Not logged in", "<p>Log in first.</p>");
    };
    match authenticator.force_refresh().await {
        Ok(tokens) => page(StatusCode::OK, "Refreshed", &describe(&tokens)),
        Err(err @ oura::Error::ReauthorizationRequired(_)) => {
            *app.session.lock().unwrap_or_else(PoisonError::into_inner) = None;
            error_page(StatusCode::UNAUTHORIZED, &err)
        }
        Err(err) => error_page(StatusCode::BAD_GATEWAY, &err),
    }
}

async fn logout(State(app): State<Arc<App>>) -> Page {
    let Some(authenticator) = app.session.lock().unwrap_or_else(PoisonError::into_inner).take() else {
        return page(StatusCode::OK, "Logged out", "<p>There was no session.</p>");
    };
    match authenticator.revoke().await {
        Ok(()) => page(
            StatusCode::OK,
            "Logged out",
            "<p>The grant was revoked and the tokens forgotten.</p>",
        ),
        Err(err) => error_page(StatusCode::BAD_GATEWAY, &err),
    }
}
