//! [`SqliteTokenStore`]: many users' token sets in an embedded SQLite database.

use std::fmt;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, Transaction};

use super::TokenSet;
use super::sql::{self, Embedded, db_error, from_json, to_json};
use super::store::{CommitTokens, KeyedTokenStore, TokenLock, UserTokenStore};
use crate::error::{Error, Result};

/// The token store's schema, in order (see `migrations/sqlite/`).
const MIGRATIONS: Embedded = Embedded(&[(
    1,
    "oura tokens",
    include_str!("../../migrations/sqlite/0001_oura_tokens.sql"),
)]);

/// How long a statement waits for another connection's write transaction (another process's
/// refresh) before it fails.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

const UPSERT: &str = "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT (user_id) DO UPDATE SET tokens = excluded.tokens, expires_at = excluded.expires_at, \
     revision = oura_tokens.revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// The token sets of many users in one SQLite database (feature `sqlite`): zero setup, one file,
/// safe for several processes on one machine.
///
/// - The schema (table `oura_tokens`) is created and migrated when the store opens, with
///   versioned migrations embedded in the crate (recorded in `_sqlx_migrations`).
/// - The database runs in WAL mode with `synchronous = FULL`: a save is durable when it returns.
/// - The refresh lock ([`KeyedTokenStore::lock_user`]) is a `BEGIN IMMEDIATE` write transaction:
///   the refresher re-reads the user's set inside it, and the rotated set is committed by the
///   same transaction. Other processes wait for it (up to 60 s).
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
#[derive(Clone)]
pub struct SqliteTokenStore {
    pool: SqlitePool,
}

impl SqliteTokenStore {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH`, `sqlite::memory:`,
    /// or a plain path) and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url)
                .map_err(|err| Error::InvalidInput(format!("not a SQLite database URL: {err}")))?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|err| db_error("open the SQLite database", &err))?;
        Self::with_pool(pool).await
    }

    /// A store on an existing pool (which should set a busy timeout); migrates the schema.
    pub async fn with_pool(pool: SqlitePool) -> Result<Self> {
        let migrator = sql::migrator(MIGRATIONS).await?;
        // Processes opening a new database at once race to record the first migration; the
        // loser finds it applied when it tries again.
        let mut attempt = 0;
        loop {
            match migrator.run(&pool).await {
                Ok(()) => break,
                Err(_) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                Err(err) => return Err(sql::migrate_error(&err)),
            }
        }
        Ok(SqliteTokenStore { pool })
    }

    /// The connection pool (shared with whatever else lives in the database).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The tokens of `user`: a [`TokenStore`](super::TokenStore) for an
    /// [`Authenticator`](super::Authenticator).
    pub fn user(&self, user: impl Into<String>) -> UserTokenStore {
        UserTokenStore::new(Arc::new(self.clone()), user)
    }
}

impl fmt::Debug for SqliteTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteTokenStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

async fn select(conn: &mut sqlx::SqliteConnection, user: &str) -> Result<Option<TokenSet>> {
    let json: Option<String> = sqlx::query_scalar("SELECT tokens FROM oura_tokens WHERE user_id = ?1")
        .bind(user)
        .fetch_optional(conn)
        .await
        .map_err(|err| db_error("read the tokens", &err))?;
    json.map(|json| from_json(user, &json)).transpose()
}

async fn upsert(conn: &mut sqlx::SqliteConnection, user: &str, tokens: &TokenSet) -> Result<()> {
    sqlx::query(UPSERT)
        .bind(user)
        .bind(to_json(tokens)?)
        .bind(sql::expires_at(tokens))
        .execute(conn)
        .await
        .map_err(|err| db_error("save the tokens", &err))?;
    Ok(())
}

impl KeyedTokenStore for SqliteTokenStore {
    fn load_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<TokenSet>>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(|err| db_error("connect", &err))?;
            select(&mut conn, user).await
        })
    }

    fn save_user<'a>(&'a self, user: &'a str, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(|err| db_error("connect", &err))?;
            upsert(&mut conn, user, tokens).await
        })
    }

    fn clear_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            sqlx::query("DELETE FROM oura_tokens WHERE user_id = ?1")
                .bind(user)
                .execute(&self.pool)
                .await
                .map_err(|err| db_error("delete the tokens", &err))?;
            Ok(())
        })
    }

    fn lock_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<TokenLock>> {
        Box::pin(async move {
            let mut tx = self
                .pool
                .begin_with("BEGIN IMMEDIATE")
                .await
                .map_err(|err| db_error("lock the tokens", &err))?;
            let tokens = select(&mut tx, user).await?;
            Ok(TokenLock::held(
                tokens,
                SqliteLock {
                    tx,
                    user: user.to_owned(),
                },
            ))
        })
    }

    fn users(&self) -> BoxFuture<'_, Result<Vec<String>>> {
        Box::pin(async move {
            sqlx::query_scalar("SELECT user_id FROM oura_tokens ORDER BY user_id")
                .fetch_all(&self.pool)
                .await
                .map_err(|err| db_error("list the users", &err))
        })
    }
}

/// A held `BEGIN IMMEDIATE` transaction; dropping it rolls back.
struct SqliteLock {
    tx: Transaction<'static, Sqlite>,
    user: String,
}

impl CommitTokens for SqliteLock {
    fn commit(self: Box<Self>, tokens: TokenSet) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let SqliteLock { mut tx, user } = *self;
            upsert(&mut tx, &user, &tokens).await?;
            tx.commit().await.map_err(|err| db_error("commit the tokens", &err))
        })
    }
}
