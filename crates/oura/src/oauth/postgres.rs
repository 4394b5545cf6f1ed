//! [`PostgresTokenStore`]: the token store's statements in PostgreSQL.

use super::sql::{DatabaseTokenStore, TokenSql};
use crate::database::Migrations;

/// The token sets of many users in PostgreSQL (feature `postgres`): for several machines, or
/// replicas of a service, sharing their users' logins.
///
/// - The schema (table `oura_tokens`) is created and migrated when the store opens, with
///   versioned migrations embedded in the crate (recorded in `_sqlx_migrations`; sqlx holds an
///   advisory lock while it migrates, so replicas may start together); a database written by a
///   newer version of the crate is refused.
/// - The refresh lock ([`KeyedTokenStore::lock_user`](super::KeyedTokenStore::lock_user)) is a
///   transaction holding the user's row with `SELECT ... FOR UPDATE`: the refresher re-reads the
///   set inside it, and the rotated set is written and committed by the same transaction.
/// - Connections are plain (no TLS): connect over a Unix socket or a trusted network.
/// - The tokens are stored in clear: restrict who can read the table. `Debug` shows no token and
///   no connection password.
///
/// ```no_run
/// # async fn run() -> oura::Result<()> {
/// use oura::oauth::{OAuthClient, PostgresTokenStore};
///
/// let store = PostgresTokenStore::connect("postgres://oura@localhost/oura").await?;
/// let client = OAuthClient::from_env()?.client(store.user("alice"))?;
/// println!("{:?}", client.personal_info().await?);
/// # Ok(()) }
/// ```
pub type PostgresTokenStore = DatabaseTokenStore<sqlx::Postgres>;

impl TokenSql for sqlx::Postgres {
    const MIGRATIONS: Migrations = Migrations::new(
        "token store",
        1,
        999,
        &[
            (
                1,
                "oura tokens",
                include_str!("../../migrations/postgres/0001_oura_tokens.sql"),
            ),
            (
                2,
                "oura tokens expiry index",
                include_str!("../../migrations/postgres/0002_oura_tokens_expiry_index.sql"),
            ),
        ],
    );
    const CONNECTIONS: u32 = 8;
    const SELECT: &'static str = "SELECT tokens::text FROM oura_tokens WHERE user_id = $1";
    const SELECT_LOCKED: &'static str = "SELECT tokens::text FROM oura_tokens WHERE user_id = $1 FOR UPDATE";
    const UPSERT: &'static str = "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES ($1, $2::jsonb, $3::timestamptz) \
         ON CONFLICT (user_id) DO UPDATE SET tokens = excluded.tokens, expires_at = excluded.expires_at, \
         revision = oura_tokens.revision + 1, updated_at = now()";
    const EXPIRING: &'static str =
        "SELECT user_id FROM oura_tokens WHERE expires_at < $1::timestamptz ORDER BY expires_at, user_id";
}
