//! [`SqliteTokenStore`]: the token store's statements in SQLite.

use super::sql::{DatabaseTokenStore, TokenSql};
use crate::database::Migrations;

/// The token sets of many users in one SQLite database (feature `sqlite`): zero setup, one file,
/// safe for several processes on one machine.
///
/// - The schema (table `oura_tokens`) is created and migrated when the store opens, with
///   versioned migrations embedded in the crate (recorded in `_sqlx_migrations`); a database
///   written by a newer version of the crate is refused.
/// - The database runs in WAL mode with `synchronous = FULL`: a save is durable when it returns.
/// - The refresh lock ([`KeyedTokenStore::lock_user`](super::KeyedTokenStore::lock_user)) is a
///   `BEGIN IMMEDIATE` write transaction: the refresher re-reads the user's set inside it, and
///   the rotated set is committed by the same transaction. Other processes wait for it (up to
///   60 s).
/// - The tokens are stored in clear: keep the file owner-only. `Debug` shows no token.
///
/// ```no_run
/// # async fn run() -> oura::Result<()> {
/// use oura::oauth::{OAuthClient, SqliteTokenStore};
///
/// let store = SqliteTokenStore::connect("sqlite://oura.db").await?;
/// let client = OAuthClient::from_env()?.client(store.user("alice"))?;
/// println!("{:?}", client.personal_info().await?);
/// # Ok(()) }
/// ```
pub type SqliteTokenStore = DatabaseTokenStore<sqlx::Sqlite>;

impl TokenSql for sqlx::Sqlite {
    const MIGRATIONS: Migrations = Migrations::new(
        "token store",
        1,
        999,
        &[
            (
                1,
                "oura tokens",
                include_str!("../../migrations/sqlite/0001_oura_tokens.sql"),
            ),
            (
                2,
                "oura tokens expiry index",
                include_str!("../../migrations/sqlite/0002_oura_tokens_expiry_index.sql"),
            ),
        ],
    );
    const CONNECTIONS: u32 = 4;
    const SELECT: &'static str = "SELECT tokens FROM oura_tokens WHERE user_id = $1";
    // The transaction (`BEGIN IMMEDIATE`) already holds the database's write lock.
    const SELECT_LOCKED: &'static str = Self::SELECT;
    const UPSERT: &'static str = "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET tokens = excluded.tokens, expires_at = excluded.expires_at, \
         revision = oura_tokens.revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    const EXPIRING: &'static str = "SELECT user_id FROM oura_tokens WHERE expires_at < $1 ORDER BY expires_at, user_id";
}
