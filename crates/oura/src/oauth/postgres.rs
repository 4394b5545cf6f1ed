//! [`PostgresTokenStore`]: many users' token sets in PostgreSQL.

use std::fmt;
use std::str::FromStr as _;
use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Postgres, Transaction};

use super::TokenSet;
use super::sql::{self, Embedded, db_error, from_json, to_json};
use super::store::{CommitTokens, KeyedTokenStore, TokenLock, UserTokenStore};
use crate::error::{Error, Result};

/// The token store's schema, in order (see `migrations/postgres/`).
const MIGRATIONS: Embedded = Embedded(&[(
    1,
    "oura tokens",
    include_str!("../../migrations/postgres/0001_oura_tokens.sql"),
)]);

const UPSERT: &str = "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES ($1, $2::jsonb, $3::timestamptz) \
     ON CONFLICT (user_id) DO UPDATE SET tokens = excluded.tokens, expires_at = excluded.expires_at, \
     revision = oura_tokens.revision + 1, updated_at = now()";

/// The token sets of many users in PostgreSQL (feature `postgres`): for several machines, or
/// replicas of a service, sharing their users' logins.
///
/// - The schema (table `oura_tokens`) is created and migrated when the store opens, with
///   versioned migrations embedded in the crate (recorded in `_sqlx_migrations`; sqlx holds an
///   advisory lock while it migrates, so replicas may start together).
/// - The refresh lock ([`KeyedTokenStore::lock_user`]) is a transaction holding the user's row
///   with `SELECT ... FOR UPDATE`: the refresher re-reads the set inside it, and the rotated set
///   is written and committed by the same transaction.
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
#[derive(Clone)]
pub struct PostgresTokenStore {
    pool: PgPool,
}

impl PostgresTokenStore {
    /// Connects to the database at `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, or with
    /// `?host=/socket/dir`) and migrates it.
    pub async fn connect(url: &str) -> Result<Self> {
        // sqlx's messages about a bad URL do not repeat it; still, say nothing of its contents.
        let options =
            PgConnectOptions::from_str(url).map_err(|_| Error::InvalidInput("not a PostgreSQL database URL".into()))?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|err| db_error("connect to PostgreSQL", &err))?;
        Self::with_pool(pool).await
    }

    /// A store on an existing pool; migrates the schema.
    pub async fn with_pool(pool: PgPool) -> Result<Self> {
        sql::migrator(MIGRATIONS)
            .await?
            .run(&pool)
            .await
            .map_err(|err| sql::migrate_error(&err))?;
        Ok(PostgresTokenStore { pool })
    }

    /// The connection pool (shared with whatever else lives in the database).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The tokens of `user`: a [`TokenStore`](super::TokenStore) for an
    /// [`Authenticator`](super::Authenticator).
    pub fn user(&self, user: impl Into<String>) -> UserTokenStore {
        UserTokenStore::new(Arc::new(self.clone()), user)
    }
}

impl fmt::Debug for PostgresTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresTokenStore")
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

async fn select(conn: &mut sqlx::PgConnection, user: &str, for_update: bool) -> Result<Option<TokenSet>> {
    let statement = if for_update {
        "SELECT tokens::text FROM oura_tokens WHERE user_id = $1 FOR UPDATE"
    } else {
        "SELECT tokens::text FROM oura_tokens WHERE user_id = $1"
    };
    let json: Option<String> = sqlx::query_scalar(statement)
        .bind(user)
        .fetch_optional(conn)
        .await
        .map_err(|err| db_error("read the tokens", &err))?;
    json.map(|json| from_json(user, &json)).transpose()
}

async fn upsert(conn: &mut sqlx::PgConnection, user: &str, tokens: &TokenSet) -> Result<()> {
    sqlx::query(UPSERT)
        .bind(user)
        .bind(to_json(tokens)?)
        .bind(sql::expires_at(tokens))
        .execute(conn)
        .await
        .map_err(|err| db_error("save the tokens", &err))?;
    Ok(())
}

impl KeyedTokenStore for PostgresTokenStore {
    fn load_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<TokenSet>>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await.map_err(|err| db_error("connect", &err))?;
            select(&mut conn, user, false).await
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
            sqlx::query("DELETE FROM oura_tokens WHERE user_id = $1")
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
                .begin()
                .await
                .map_err(|err| db_error("lock the tokens", &err))?;
            let tokens = select(&mut tx, user, true).await?;
            Ok(TokenLock::held(
                tokens,
                PostgresLock {
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

/// A transaction holding the user's row (`FOR UPDATE`); dropping it rolls back.
struct PostgresLock {
    tx: Transaction<'static, Postgres>,
    user: String,
}

impl CommitTokens for PostgresLock {
    fn commit(self: Box<Self>, tokens: TokenSet) -> BoxFuture<'static, Result<()>> {
        Box::pin(async move {
            let PostgresLock { mut tx, user } = *self;
            upsert(&mut tx, &user, &tokens).await?;
            tx.commit().await.map_err(|err| db_error("commit the tokens", &err))
        })
    }
}
