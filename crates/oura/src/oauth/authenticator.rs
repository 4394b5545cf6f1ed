//! A token source that refreshes by itself: one refresh at a time, each rotation saved first.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::{OAuthClient, Revocation, TokenSet, TokenStore};
use crate::client::{Client, ClientBuilder, TokenSource};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// How long before expiry an access token is renewed, by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Keeps one user authenticated: the [`TokenSource`] of a self-refreshing [`Client`].
///
/// - Renews the access token when it expires within the refresh margin (default
///   [`DEFAULT_REFRESH_MARGIN`]), and once when Oura answers 401.
/// - Single flight: concurrent callers that need a new token wait for one refresh and share
///   its result; a caller whose rejected token was already replaced gets the new one without
///   another refresh.
/// - Saves each rotated token set to the [`TokenStore`] before handing out the new access token.
///   If that save fails the new set is kept in memory and the save is retried before the next
///   token is handed out, so the single-use refresh token is never lost. The refresh runs in a
///   task of its own, so a caller that gives up half-way does not lose it either.
/// - Refreshes under the store's lock ([`TokenStore::lock`]: an advisory file lock for the
///   [`FileStore`](super::FileStore), a write transaction or row lock for the database stores)
///   and re-reads the tokens once it holds it: processes sharing a store that all find the token
///   expired send one refresh between them, and the others use the set it saved. The rotated set
///   is committed before the lock is released and before the new access token is used.
/// - `invalid_grant`, or no refresh token, is [`Error::ReauthorizationRequired`]; the refused
///   refresh token is not sent again.
///
/// Cheap to clone; clones share the tokens and the refresh.
#[derive(Clone)]
pub struct Authenticator {
    shared: Arc<Shared>,
    margin: Duration,
}

struct Shared {
    oauth: OAuthClient,
    store: Arc<dyn TokenStore>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    /// Whether `tokens` came from the store yet.
    loaded: bool,
    tokens: Option<TokenSet>,
    /// `tokens` is a rotated set the store has not confirmed yet.
    unsaved: bool,
    /// A refresh token the server refused with `invalid_grant`.
    dead_refresh: Option<Secret>,
}

/// What the caller needs from the current token set.
#[derive(Clone)]
enum Need {
    /// An access token that does not expire within the margin.
    Valid,
    /// As `Valid`, and another token than this one, which Oura rejected.
    Replacing(Secret),
    /// A new token set, whatever the current one.
    Fresh,
}

impl Need {
    fn is_met_by(&self, tokens: &TokenSet, margin: Duration) -> bool {
        match self {
            Need::Valid => !tokens.expires_within(margin),
            Need::Replacing(rejected) => tokens.access_token != *rejected && !tokens.expires_within(margin),
            Need::Fresh => false,
        }
    }
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("oauth", &self.shared.oauth)
            .field("store", &self.shared.store)
            .field("refresh_margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Authenticates from `store` (which should hold the set of a code exchange).
    pub fn new(oauth: OAuthClient, store: impl TokenStore + 'static) -> Self {
        Authenticator {
            shared: Arc::new(Shared {
                oauth,
                store: Arc::new(store),
                state: Arc::new(Mutex::new(State::default())),
            }),
            margin: DEFAULT_REFRESH_MARGIN,
        }
    }

    /// Renews the access token when it expires within `margin` (default 60 s).
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// The OAuth client.
    pub fn oauth(&self) -> &OAuthClient {
        &self.shared.oauth
    }

    /// An access token valid for at least the refresh margin (refreshed first if needed).
    pub async fn access_token(&self) -> Result<Secret> {
        self.obtain(Need::Valid).await.map(|tokens| tokens.access_token)
    }

    /// The current token set as loaded from the store (no refresh).
    pub async fn tokens(&self) -> Result<Option<TokenSet>> {
        let mut state = self.shared.state.lock().await;
        self.shared.prepare(&mut state).await?;
        Ok(state.tokens.clone())
    }

    /// Refreshes now, whatever the expiry, and returns the new (saved) set.
    pub async fn force_refresh(&self) -> Result<TokenSet> {
        self.obtain(Need::Fresh).await
    }

    /// Saves the set of a new authorization (a new code exchange) and uses it from now on.
    pub async fn replace_tokens(&self, tokens: TokenSet) -> Result<()> {
        let mut state = self.shared.state.lock().await;
        self.shared.store.save(&tokens).await?;
        *state = State {
            loaded: true,
            tokens: Some(tokens),
            unsaved: false,
            dead_refresh: None,
        };
        Ok(())
    }

    /// Logs out: revokes the grant (see [`OAuthClient::revoke`]) and clears the store.
    ///
    /// With the legacy endpoints an expiring access token is refreshed first, since Oura revokes
    /// by access token. A grant that is already dead is only cleared. The store is
    /// cleared even if the revocation failed; that error is returned.
    pub async fn revoke(&self) -> Result<()> {
        let tokens = match self.shared.oauth.endpoints().revocation() {
            // Oura revokes by access token: it must still be valid.
            Revocation::AccessTokenQuery => self.obtain(Need::Valid).await,
            _ => self
                .tokens()
                .await
                .and_then(|tokens| tokens.ok_or_else(|| Error::ReauthorizationRequired("no tokens are stored".into()))),
        };
        let revoked = match tokens {
            Ok(tokens) => self.shared.oauth.revoke(&tokens).await,
            Err(Error::ReauthorizationRequired(_)) => Ok(()),
            Err(err) => Err(err),
        };
        let mut state = self.shared.state.lock().await;
        self.shared.store.clear().await?;
        *state = State {
            loaded: true,
            ..State::default()
        };
        revoked
    }

    /// A [`ClientBuilder`] for an API client authenticated by this authenticator (sharing the
    /// OAuth client's `reqwest::Client` and application name).
    pub fn client_builder(&self) -> ClientBuilder {
        self.shared
            .oauth
            .api_client_builder()
            .token_source(Arc::new(self.clone()))
    }

    /// An API client authenticated by this authenticator.
    pub fn client(&self) -> Result<Client> {
        self.client_builder().build()
    }

    async fn obtain(&self, need: Need) -> Result<TokenSet> {
        let mut state = self.shared.state.clone().lock_owned().await;
        self.shared.prepare(&mut state).await?;
        if let Some(tokens) = &state.tokens
            && need.is_met_by(tokens, self.margin)
        {
            return Ok(tokens.clone());
        }
        // The refresh runs in its own task holding the lock: once the token endpoint has
        // answered, the rotated set reaches the store even if this caller is dropped.
        let shared = Arc::clone(&self.shared);
        let margin = self.margin;
        tokio::spawn(async move {
            let mut state = state;
            shared.refresh(&mut state, &need, margin).await
        })
        .await
        .map_err(|err| Error::Auth(format!("the token refresh task failed: {err}")))?
    }
}

impl Shared {
    /// Loads the store once, and finishes a save that failed before.
    async fn prepare(&self, state: &mut State) -> Result<()> {
        if !state.loaded {
            state.tokens = self.store.load().await?;
            state.loaded = true;
        }
        if state.unsaved {
            if let Some(tokens) = &state.tokens {
                self.store.save(tokens).await.map_err(unsaved)?;
            }
            state.unsaved = false;
        }
        Ok(())
    }

    async fn refresh(&self, state: &mut State, need: &Need, margin: Duration) -> Result<TokenSet> {
        // One refresher at a time across every process sharing the store: under the lock, the
        // stored set is the truth. Another process may have rotated the tokens meanwhile.
        let lock = self.store.lock().await?;
        if let Some(stored) = lock.tokens()
            && state.tokens.as_ref() != Some(stored)
        {
            tracing::debug!("oura.oauth: the store holds newer tokens");
            state.tokens = Some(stored.clone());
            state.unsaved = false;
            if need.is_met_by(stored, margin) {
                return Ok(stored.clone());
            }
        }
        let Some(current) = state.tokens.clone() else {
            return Err(Error::ReauthorizationRequired(
                "no tokens are stored: the user must authorize the application first".into(),
            ));
        };
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(Error::ReauthorizationRequired(
                "the access token expired or was rejected, and there is no refresh token".into(),
            ));
        };
        if state.dead_refresh.as_ref() == Some(&refresh_token) {
            return Err(Error::ReauthorizationRequired(
                "the refresh token was already refused (invalid_grant)".into(),
            ));
        }
        match self.oauth.refresh(&current).await {
            Ok(new) => {
                tracing::debug!(expires_at = ?new.expires_at, "oura.oauth: refreshed");
                state.tokens = Some(new.clone());
                state.unsaved = true;
                // Saved, then the lock released: the next holder reads the rotated set.
                lock.commit(&*self.store, &new).await.map_err(unsaved)?;
                state.unsaved = false;
                Ok(new)
            }
            Err(err @ Error::ReauthorizationRequired(_)) => {
                state.dead_refresh = Some(refresh_token);
                Err(err)
            }
            Err(err) => Err(err),
        }
    }
}

fn unsaved(err: Error) -> Error {
    Error::Auth(format!(
        "the tokens were refreshed but could not be saved (the save is retried before the next request): {err}"
    ))
}

impl TokenSource for Authenticator {
    fn token(&self) -> BoxFuture<'_, Result<Secret>> {
        Box::pin(self.access_token())
    }

    fn refresh<'a>(&'a self, rejected: &'a Secret) -> BoxFuture<'a, Result<Secret>> {
        Box::pin(async move {
            self.obtain(Need::Replacing(rejected.clone()))
                .await
                .map(|tokens| tokens.access_token)
        })
    }
}
