//! Which server and which credentials a command uses: the in-process emulator, the sandbox, a
//! base URL, `OURA_TOKEN`, or the saved login.

use std::time::Duration;

use oura::oauth::Authenticator;
use oura::{Client, RetryPolicy};
#[cfg(feature = "emulator")]
pub use oura_emulator::Emulator;

use crate::cli::Global;
use crate::failure::{Failure, code};
use crate::profile::{self, APPLICATION, Profile};

/// A ready client, and what keeps it working.
pub struct Session {
    /// The API client.
    pub client: Client,
    /// The in-process emulator, which serves as long as the session lives.
    _emulator: Option<Emulator>,
}

/// The retry policy of the tool: a 429 is waited out for up to five minutes (Oura's window);
/// 5xx answers and connection failures are tried `OURA_MAX_ATTEMPTS` times in all (default 6).
pub fn retry_policy() -> RetryPolicy {
    let attempts = profile::env("OURA_MAX_ATTEMPTS")
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(6);
    RetryPolicy {
        max_attempts: attempts,
        max_retry_after: Duration::from_secs(300),
        ..RetryPolicy::default()
    }
}

/// Starts the in-process emulator, its history ending today (see [`crate::clock`]).
#[cfg(feature = "emulator")]
pub async fn start_emulator() -> Result<Emulator, Failure> {
    start_emulator_at(crate::clock::today()?).await
}

/// Starts the in-process emulator, its history ending on `today`.
#[cfg(feature = "emulator")]
pub async fn start_emulator_at(today: chrono::NaiveDate) -> Result<Emulator, Failure> {
    Emulator::builder()
        .today(today)
        .start()
        .await
        .map_err(|err| Failure::io("cannot start the emulator on 127.0.0.1", &err))
}

/// Without the `emulator` feature there is no emulator: a value of this type cannot exist.
#[cfg(not(feature = "emulator"))]
pub enum Emulator {}

#[cfg(not(feature = "emulator"))]
impl Emulator {
    /// Never called: there is no emulator.
    pub fn base_url(&self) -> String {
        match *self {}
    }

    /// Never called: there is no emulator.
    pub fn token(&self, _user: usize) -> String {
        match *self {}
    }
}

/// What `--emulator` and `oura emulator` say when the command was built without the emulator.
#[cfg(not(feature = "emulator"))]
pub fn no_emulator() -> Failure {
    Failure::usage(
        "this `oura` was built without the emulator (cargo feature `emulator`): reinstall with the \
         default features, or use --sandbox, OURA_TOKEN or `oura login`",
    )
}

/// Without the `emulator` feature: a usage error that says so.
#[cfg(not(feature = "emulator"))]
pub async fn start_emulator() -> Result<Emulator, Failure> {
    Err(no_emulator())
}

/// Without the `emulator` feature: a usage error that says so.
#[cfg(not(feature = "emulator"))]
pub async fn start_emulator_at(_today: chrono::NaiveDate) -> Result<Emulator, Failure> {
    Err(no_emulator())
}

/// Checks options that do not go together.
pub fn check(global: &Global) -> Result<(), Failure> {
    if global.emulator && global.base_url.is_some() {
        return Err(Failure::usage(
            "--emulator and --base-url (or OURA_BASE_URL) do not go together: use one",
        ));
    }
    Ok(())
}

/// A session for the user's data, whose requests spend Oura's rate budget: learned from its
/// answers, paced before Oura refuses, waits bounded and visible (oura-sync).
pub async fn open(global: &Global) -> Result<Session, Failure> {
    open_with(global, None, Some(oura_sync::fetch::rate_limiter())).await
}

/// A session for the user's data without a pacer, for answers that must not wait on the budget
/// (the MCP server: a rate limit is a tool result saying until when, not minutes of silence);
/// an in-process emulator's history ends on `today` (default: the local date).
pub async fn open_at(global: &Global, today: Option<chrono::NaiveDate>) -> Result<Session, Failure> {
    open_with(global, today, None).await
}

async fn open_with(
    global: &Global,
    today: Option<chrono::NaiveDate>,
    limiter: Option<oura::RateLimiter>,
) -> Result<Session, Failure> {
    check(global)?;
    let mut builder = Client::builder()
        .application(APPLICATION)
        .retry(retry_policy())
        .sandbox(global.sandbox);
    if let Some(limiter) = limiter {
        builder = builder.rate_limiter(limiter);
    }
    if global.emulator {
        let emulator = match today {
            Some(today) => start_emulator_at(today).await?,
            None => start_emulator().await?,
        };
        crate::diagnose::set_server(&emulator.base_url(), true);
        let client = builder.base_url(emulator.base_url()).token(emulator.token(0)).build()?;
        return Ok(Session {
            client,
            _emulator: Some(emulator),
        });
    }
    let dir = profile::config_dir().ok();
    let saved = match &dir {
        Some(dir) => Profile::load(dir)?,
        None => None,
    };
    let base_url = global
        .base_url
        .clone()
        .or_else(|| saved.as_ref().and_then(|p| p.base_url.clone()));
    let builder = match &base_url {
        Some(url) => builder.base_url(url.trim()),
        None => builder,
    };
    crate::diagnose::set_server(
        base_url.as_deref().unwrap_or(oura::DEFAULT_BASE_URL),
        base_url.is_some(),
    );
    if let Some(token) = profile::env("OURA_TOKEN") {
        return Ok(Session {
            client: builder.token(token).build()?,
            _emulator: None,
        });
    }
    if let (Some(dir), Some(saved)) = (&dir, &saved) {
        let store = profile::token_store(dir);
        if store.path().exists() {
            let authenticator = Authenticator::new(saved.oauth_client()?, store);
            let client = builder.token_source(std::sync::Arc::new(authenticator)).build()?;
            return Ok(Session {
                client,
                _emulator: None,
            });
        }
    }
    if global.sandbox {
        return Ok(Session {
            client: builder.build()?,
            _emulator: None,
        });
    }
    Err(Failure::new(
        code::AUTH,
        "not logged in: run `oura login`, set OURA_TOKEN, or try `--emulator` or `--sandbox`",
    ))
}
