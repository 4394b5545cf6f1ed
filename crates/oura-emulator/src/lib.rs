#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod admin;
mod api;
mod collection;
mod config;
mod data;
mod errors;
mod faults;
mod json;
mod oauth;
mod prng;
mod query;
mod record;
mod server;
mod state;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use oura_api_sys::open_enums::WebhookOperation;
use oura_api_sys::types;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use collection::{Collection, Document};
pub use config::{Application, ConfigError, EmulatorConfig, Faults, RateLimit};
pub use record::{Delivery, RecordedRequest};

use state::{State, lock};

/// What a library call on a running [`Emulator`] can fail with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// No user with this index (indexes run from 0 to `users - 1`).
    UnknownUser(usize),
    /// No document with this id in this collection of the user.
    DocumentNotFound {
        /// The collection searched.
        collection: Collection,
        /// The id asked for.
        id: String,
    },
    /// A document that does not decode into its collection's model.
    InvalidDocument(String),
    /// A value the emulator cannot honour (an unknown scope, a lifetime past the maximum).
    InvalidSetting(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::UnknownUser(user) => write!(f, "no user {user} in this emulator"),
            Error::DocumentNotFound { collection, id } => {
                write!(f, "no {collection} document with id {id}")
            }
            Error::InvalidDocument(reason) => write!(f, "invalid document: {reason}"),
            Error::InvalidSetting(reason) => write!(f, "invalid setting: {reason}"),
        }
    }
}

impl std::error::Error for Error {}

/// A running emulator; stops when dropped (or with [`shutdown`](Emulator::shutdown)).
pub struct Emulator {
    state: Arc<State>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// The configuration builder; same as [`EmulatorConfig::new`].
    pub fn builder() -> EmulatorConfig {
        EmulatorConfig::new()
    }

    /// Starts an emulator: binds the configured address (default `127.0.0.1:0`), builds the
    /// users' day plans and document index, and serves until dropped.
    pub async fn start(config: EmulatorConfig) -> std::io::Result<Emulator> {
        config
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::new(config, addr));
        let router = server::router(Arc::clone(&state));
        let (tx, rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, router, rx));
        Ok(Emulator {
            state,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.state.addr
    }

    /// The base URL to give a client instead of `https://api.ouraring.com`, e.g.
    /// `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.state.addr)
    }

    /// `/oauth/authorize` on this emulator.
    pub fn authorize_url(&self) -> String {
        format!("{}/oauth/authorize", self.base_url())
    }

    /// `/oauth/token` on this emulator.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.base_url())
    }

    /// `/oauth/revoke` on this emulator.
    pub fn revoke_url(&self) -> String {
        format!("{}/oauth/revoke", self.base_url())
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &EmulatorConfig {
        &self.state.config
    }

    /// The last day of the history (see [`EmulatorConfig::today`]).
    pub fn today(&self) -> NaiveDate {
        self.state.config.today
    }

    /// The first day of the history.
    pub fn first_day(&self) -> NaiveDate {
        self.state
            .users
            .first()
            .map_or(self.state.sandbox.first_day, |u| u.first_day)
    }

    /// Number of users.
    pub fn users(&self) -> usize {
        self.state.users.len()
    }

    /// The ready bearer token of user `user` (deterministic from the seed; never expires).
    /// For an index past the last user it returns a token the emulator answers 401 to.
    pub fn token(&self, user: usize) -> String {
        self.state
            .ready_tokens
            .get(user)
            .cloned()
            .unwrap_or_else(|| state::ready_token(self.state.config.seed, user))
    }

    /// A new access token for `user` with the configured
    /// [`token_lifetime`](EmulatorConfig::token_lifetime).
    pub fn mint_token(&self, user: usize) -> Result<String, Error> {
        self.mint_token_with_lifetime(user, self.state.config.token_lifetime)
    }

    /// A new access token for `user` that expires after `lifetime` (to test expiry).
    pub fn mint_token_with_lifetime(&self, user: usize, lifetime: Duration) -> Result<String, Error> {
        if user >= self.state.users.len() {
            return Err(Error::UnknownUser(user));
        }
        if lifetime > EmulatorConfig::MAX_LIFETIME {
            return Err(Error::InvalidSetting(format!(
                "a token lifetime of {lifetime:?} is past the maximum of {:?}",
                EmulatorConfig::MAX_LIFETIME
            )));
        }
        let scopes = self.state.config.default_application().scopes.clone();
        Ok(self.state.mint(user, 0, scopes, Some(lifetime)))
    }

    /// A new access token of the default application for `user` that carries only `scopes`
    /// (and the configured lifetime), to test how a client handles a missing scope: a data
    /// route whose scope the token lacks answers 403.
    pub fn mint_token_with_scopes<I, S>(&self, user: usize, scopes: I) -> Result<String, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if user >= self.state.users.len() {
            return Err(Error::UnknownUser(user));
        }
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        if let Some(unknown) = scopes
            .iter()
            .find(|s| !oura_api_sys::scopes::SCOPES.contains(&s.as_str()))
        {
            return Err(Error::InvalidSetting(format!("unknown scope {unknown:?}")));
        }
        Ok(self.state.mint(user, 0, scopes, Some(self.state.config.token_lifetime)))
    }

    /// Moves the emulator's clock forward by `by`, as if that much time had passed: access
    /// tokens, authorization codes and webhook subscriptions expire, and rate-limit windows
    /// pass, without a test sleeping on the wall clock. The data's `today` does not move, and
    /// the times sent to clients (`X-RateLimit-Reset`, webhook timestamps) stay on the
    /// machine's clock. Advances add up, to at most
    /// [`EmulatorConfig::MAX_LIFETIME`] in all.
    pub fn advance_clock(&self, by: Duration) {
        let max = u64::try_from(EmulatorConfig::MAX_LIFETIME.as_nanos()).unwrap_or(u64::MAX);
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let _ = self.state.skew.fetch_update(
            std::sync::atomic::Ordering::Relaxed,
            std::sync::atomic::Ordering::Relaxed,
            |skew| Some(skew.saturating_add(by).min(max)),
        );
    }

    /// The personal info document of `user`; its `id` is the `user_id` of webhook events.
    pub fn personal_info(&self, user: usize) -> Result<types::PersonalInfoResponse, Error> {
        let data = self.state.users.get(user).ok_or(Error::UnknownUser(user))?;
        Ok(data::generate::personal_info(&data.profile))
    }

    /// Adds a document for `user` (an empty id gets a fresh one; an existing id is replaced)
    /// and delivers a signed `create` (or `update`) event to every live subscription for its
    /// collection, retrying failed deliveries. Returns the document's id once every delivery
    /// succeeded or ran out of retries.
    pub async fn add_data(&self, user: usize, document: impl Into<Document>) -> Result<String, Error> {
        let document = document.into();
        let collection = document.collection();
        let (id, operation) = server::store(&self.state, user, document)?;
        server::announce(&self.state, user, collection, operation, &id).await;
        Ok(id)
    }

    /// Deletes a document of `user` and delivers a `delete` event.
    pub async fn delete_data(&self, user: usize, collection: Collection, id: &str) -> Result<(), Error> {
        server::remove(&self.state, user, collection, id)?;
        server::announce(&self.state, user, collection, WebhookOperation::Delete, id).await;
        Ok(())
    }

    /// The requests seen so far, in order of arrival (admin routes excluded): the last
    /// [`request_log_capacity`](EmulatorConfig::request_log_capacity) of them.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.state.requests).items().cloned().collect()
    }

    /// How many requests arrived in all (admin routes excluded), including those the bounded
    /// log has forgotten.
    pub fn requests_seen(&self) -> u64 {
        lock(&self.state.requests).total()
    }

    /// Forgets the requests seen so far.
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
    }

    /// The webhook delivery attempts so far: the last
    /// [`request_log_capacity`](EmulatorConfig::request_log_capacity) of them.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.state.deliveries).items().cloned().collect()
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl std::fmt::Debug for Emulator {
    /// Shows where it listens and what it serves, never tokens or secrets.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("base_url", &self.base_url())
            .field("users", &self.users())
            .field("config", &self.state.config)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
