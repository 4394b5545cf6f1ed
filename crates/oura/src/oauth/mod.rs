//! OAuth2: authorize, exchange, refresh with rotation, revoke, and a self-refreshing client.
//!
//! Built on the [`oauth2`](https://docs.rs/oauth2) crate, driven through this crate's one
//! `reqwest` client (no second HTTP stack).
//!
//! - [`OAuthConfig`] (client id, client secret, redirect URI, [`Endpoints`]) and [`OAuthClient`]:
//!   [`authorize_url`](OAuthClient::authorize_url) (state and, for the newer identity provider,
//!   PKCE), [`exchange_code`](OAuthClient::exchange_code) (checks the state before any request),
//!   [`refresh`](OAuthClient::refresh), [`revoke`](OAuthClient::revoke), and
//!   [`implicit_url`](OAuthClient::implicit_url) for development pages.
//! - [`Scope`]: every known scope, rendered for the chosen [`Endpoints`].
//! - [`TokenSet`] and [`TokenStore`] ([`MemoryStore`], [`FileStore`]: owner-only, atomic writes,
//!   an advisory lock across processes). [`KeyedTokenStore`]: the tokens of many users, in
//!   SQLite (`SqliteTokenStore`, feature `sqlite`) or PostgreSQL (`PostgresTokenStore`, feature
//!   `postgres`), both a `DatabaseTokenStore` written once over the SQL layer of
//!   `oura::database`, one [`UserTokenStore`] per user.
//! - [`Authenticator`]: the [`TokenSource`](crate::TokenSource) of a [`Client`](crate::Client)
//!   that refreshes by itself (before expiry and once on 401, one refresh for all concurrent
//!   callers, each rotated refresh token saved before use). [`OAuthClient::client`] makes one.
//!
//! ```no_run
//! # async fn run() -> oura::Result<()> {
//! use oura::oauth::{FileStore, OAuthClient};
//!
//! // OURA_CLIENT_ID, OURA_CLIENT_SECRET, OURA_REDIRECT_URI; tokens saved by an earlier code exchange.
//! let client = OAuthClient::from_env()?.client(FileStore::new("oura-tokens.json"))?;
//! println!("{:?}", client.personal_info().await?);
//! # Ok(()) }
//! ```
//!
//! Oura's refresh tokens are single use: a client that loses the rotated one is locked out.
//! Keep the store durable, and share one [`Authenticator`] (or one store) per user.

mod authenticator;
mod endpoints;
mod flow;
mod http;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod tokens;

pub use authenticator::{Authenticator, DEFAULT_REFRESH_MARGIN};
pub use endpoints::{
    Endpoints, LEGACY_AUTHORIZE_URL, LEGACY_REVOKE_URL, LEGACY_TOKEN_URL, MOI_AUTHORIZE_URL, MOI_REVOKE_URL,
    MOI_SCOPE_PREFIX, MOI_TOKEN_URL, Revocation, Scope,
};
pub use flow::{AuthorizationRequest, OAuthClient, OAuthClientBuilder, OAuthConfig};
#[cfg(feature = "postgres")]
pub use postgres::PostgresTokenStore;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use sql::DatabaseTokenStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteTokenStore;
pub use store::{CommitTokens, FileStore, KeyedTokenStore, MemoryStore, TokenLock, TokenStore, UserTokenStore};
pub use tokens::TokenSet;
