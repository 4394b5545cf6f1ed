//! `auth_status` and `authorize`: which credentials the tools use, and the loopback login
//! started in the background.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use oura::oauth::TokenStore as _;
use serde_json::{Value, json};

use crate::cli::{Global, LoginArgs};
use crate::login;
use crate::profile::{self, Profile};

/// How long an `authorize` waits for the browser.
pub const LOGIN_TIMEOUT: Duration = Duration::from_secs(600);

/// The redirect URI `oura login` uses by default.
const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";

/// A login started by `authorize`.
#[derive(Debug, Clone, Default)]
pub enum Login {
    /// None started.
    #[default]
    Idle,
    /// Waiting for the browser.
    Pending {
        /// The URL to open.
        url: String,
        /// Until when the server waits.
        until: DateTime<Utc>,
    },
    /// Completed: what `oura login` would print.
    Done(String),
    /// Failed: why.
    Failed(String),
}

/// The state of `authorize`, shared with its background task.
pub type LoginSlot = Arc<Mutex<Login>>;

fn read(slot: &LoginSlot) -> Login {
    slot.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn write(slot: &LoginSlot, login: Login) {
    *slot.lock().unwrap_or_else(PoisonError::into_inner) = login;
}

fn login_json(login: &Login) -> Value {
    match login {
        Login::Idle => Value::Null,
        Login::Pending { url, until } => json!({
            "state": "waiting for the browser",
            "url": url,
            "until": until.to_rfc3339(),
        }),
        Login::Done(message) => json!({"state": "completed", "message": message}),
        Login::Failed(message) => json!({"state": "failed", "message": message}),
    }
}

/// What `auth_status` answers: the credentials the next tool call will use (in the order the
/// CLI resolves them), never a token.
pub async fn status(global: &Global, slot: &LoginSlot) -> Value {
    let login = login_json(&read(slot));
    if global.emulator {
        return json!({
            "logged_in": true,
            "mode": "emulator",
            "detail": "the in-process emulator (offline, generated data); no login needed",
            "login": login,
        });
    }
    let dir = profile::config_dir().ok();
    let saved = dir.as_deref().and_then(|dir| Profile::load(dir).ok().flatten());
    let api = global
        .base_url
        .clone()
        .or_else(|| saved.as_ref().and_then(|p| p.base_url.clone()))
        .unwrap_or_else(|| oura::DEFAULT_BASE_URL.to_owned());
    let mut answer = if profile::env("OURA_TOKEN").is_some() {
        json!({
            "logged_in": true,
            "mode": "token",
            "detail": "the access token in the server's OURA_TOKEN environment variable (not refreshed)",
        })
    } else {
        let tokens = match (&dir, &saved) {
            (Some(dir), Some(_)) => profile::token_store(dir).load().await.ok().flatten(),
            _ => None,
        };
        match tokens {
            Some(tokens) => {
                let refreshable = tokens.refresh_token.is_some();
                json!({
                    "logged_in": true,
                    "mode": "saved login",
                    "detail": if refreshable {
                        "the login saved by `oura login`; the access token is refreshed automatically"
                    } else {
                        "the login saved by `oura login` (no refresh token: log in again when it expires)"
                    },
                    "scopes": tokens.scopes.iter().map(ToString::to_string).collect::<Vec<_>>(),
                    "access_token_expires_at": tokens.expires_at.map(|at| at.to_rfc3339()),
                    "refreshable": refreshable,
                    "config_dir": dir.as_ref().map(|d| d.display().to_string()),
                })
            }
            None if global.sandbox => json!({
                "logged_in": true,
                "mode": "sandbox",
                "detail": "Oura's sandbox (generated data); no login needed",
            }),
            None => json!({
                "logged_in": false,
                "mode": "not logged in",
                "detail": "call `authorize` and open the URL it returns, or run `oura login` in a terminal, \
                           or set OURA_TOKEN in the server's environment",
            }),
        }
    };
    answer["api"] = json!(api);
    answer["sandbox"] = json!(global.sandbox);
    answer["login"] = login;
    answer
}

/// Starts a login in the background and answers the URL to open; a login already waiting
/// answers its URL again. `done` runs once the tokens are saved.
pub async fn authorize(
    global: &Global,
    slot: &LoginSlot,
    scopes: Vec<String>,
    done: impl FnOnce() + Send + 'static,
) -> Result<Value, String> {
    if global.emulator {
        return Err("no login is needed with --emulator: its data is already available to every tool".into());
    }
    if let Login::Pending { url, until } = read(slot) {
        return Ok(json!({
            "url": url,
            "until": until.to_rfc3339(),
            "next": "A login is already waiting: ask the user to open this URL and approve, then call auth_status.",
        }));
    }
    let args = LoginArgs {
        no_browser: true,
        client_id: profile::env("OURA_CLIENT_ID"),
        client_secret: profile::env("OURA_CLIENT_SECRET"),
        redirect_uri: profile::env("OURA_REDIRECT_URI").unwrap_or_else(|| DEFAULT_REDIRECT_URI.to_owned()),
        idp: None,
        scopes,
        timeout: LOGIN_TIMEOUT.as_secs(),
        unused: Default::default(),
    };
    let pending = login::start(global, &args).await.map_err(|failure| failure.message)?;
    let url = pending.url.clone();
    let redirect_uri = pending.redirect_uri.clone();
    let until = Utc::now() + LOGIN_TIMEOUT;
    write(
        slot,
        Login::Pending {
            url: url.clone(),
            until,
        },
    );
    let background = Arc::clone(slot);
    tokio::spawn(async move {
        match pending.finish(LOGIN_TIMEOUT).await {
            Ok(message) => {
                tracing::info!("authorize: {message}");
                write(&background, Login::Done(message));
                done();
            }
            Err(failure) => {
                tracing::warn!("authorize: {}", failure.message);
                write(&background, Login::Failed(failure.message));
            }
        }
    });
    Ok(json!({
        "url": url,
        "redirect_uri": redirect_uri,
        "until": until.to_rfc3339(),
        "next": "Ask the user to open this URL in a browser and approve access; the server receives the redirect \
                 and saves the login by itself. Then call auth_status, and retry the data tool.",
    }))
}
