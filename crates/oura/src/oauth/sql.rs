//! [`DatabaseTokenStore`]: many users' token sets in a database, written once for SQLite and
//! PostgreSQL; each backend's file holds only its statements ([`TokenSql`]).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use sqlx::migrate::Migrate;
use sqlx::{Database, Executor, IntoArguments, Pool, Transaction};

use super::TokenSet;
use super::store::{CommitTokens, KeyedTokenStore, TokenLock, UserTokenStore};
use crate::database::{DatabaseError, Dialect, OpenOptions};
use crate::error::{Error, Result};

pub(super) use self::private::TokenSql;

mod private {
    use crate::database::{Dialect, Migrations};

    /// The token store's statements in one backend's SQL. Parameters: `$1` the user, `$2` the
    /// set as JSON, `$3` its expiry (RFC 3339, UTC, or NULL).
    pub trait TokenSql: Dialect {
        /// The schema's migrations.
        const MIGRATIONS: Migrations;
        /// Connections a store opens by default.
        const CONNECTIONS: u32;
        /// The set of `$1` as JSON text.
        const SELECT: &'static str;
        /// [`SELECT`](Self::SELECT) inside the refresh lock's transaction, locking the row
        /// where the backend locks rows.
        const SELECT_LOCKED: &'static str;
        /// Inserts or replaces the set of `$1`, counting the revision.
        const UPSERT: &'static str;
        /// The users whose expiry is before `$1`, soonest first.
        const EXPIRING: &'static str;
    }
}

/// The users' token sets in a database (see `SqliteTokenStore` and `PostgresTokenStore`,
/// features `sqlite` and `postgres`): one row per user in `oura_tokens`,
/// created and migrated by the store when it opens.
pub struct DatabaseTokenStore<DB: Database> {
    pool: Pool<DB>,
}

impl<DB: Database> Clone for DatabaseTokenStore<DB> {
    fn clone(&self) -> Self {
        DatabaseTokenStore {
            pool: self.pool.clone(),
        }
    }
}

impl<DB: Database> DatabaseTokenStore<DB> {
    /// The connection pool (shared with whatever else lives in the database).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }
}

impl<DB: Dialect> fmt::Debug for DatabaseTokenStore<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseTokenStore")
            .field("database", &<DB as Database>::NAME)
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

fn db_error(action: &str, err: &sqlx::Error) -> Error {
    Error::Auth(format!("the token database could not {action}: {err}"))
}

fn open_error(err: DatabaseError) -> Error {
    match err {
        DatabaseError::BadUrl { .. } => Error::InvalidInput(err.to_string()),
        other => Error::Auth(format!("the token database: {other}")),
    }
}

/// The stored JSON form of a set.
fn to_json(tokens: &TokenSet) -> Result<String> {
    serde_json::to_string(tokens).map_err(|err| Error::Auth(format!("could not serialize the token set: {err}")))
}

/// A stored set; reports only where the JSON is broken (serde's messages may quote values).
fn from_json(user: &str, json: &str) -> Result<TokenSet> {
    serde_json::from_str(json).map_err(|err| {
        Error::Auth(format!(
            "the stored tokens of user {user:?} are not a valid token set ({:?} error at column {})",
            err.classify(),
            err.column()
        ))
    })
}

/// An instant as the expiry column holds it (RFC 3339, UTC, microseconds: text that sorts as
/// time does).
fn instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl<DB> DatabaseTokenStore<DB>
where
    DB: TokenSql,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// Opens (for SQLite: creating if missing) the database at `url` and migrates it.
    ///
    /// - SQLite: `sqlite://PATH`, `sqlite::memory:` or a plain path; WAL mode with
    ///   `synchronous = FULL` (a save is durable when it returns), a busy timeout of 60 s.
    /// - PostgreSQL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`, or with `?host=/socket/dir`.
    ///
    /// A URL of the wrong form is [`Error::InvalidInput`]; a database whose token schema is
    /// newer than this crate's is refused ([`Error::Auth`] saying so).
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = DB::open(url, OpenOptions::new(DB::CONNECTIONS))
            .await
            .map_err(open_error)?;
        Self::with_pool(pool).await
    }

    /// A store on an existing pool (SQLite: which should set a busy timeout); migrates the
    /// schema.
    pub async fn with_pool(pool: Pool<DB>) -> Result<Self> {
        DB::MIGRATIONS.run(&pool).await.map_err(open_error)?;
        Ok(DatabaseTokenStore { pool })
    }

    /// The tokens of `user`: a [`TokenStore`](super::TokenStore) for an
    /// [`Authenticator`](super::Authenticator).
    pub fn user(&self, user: impl Into<String>) -> UserTokenStore
    where
        Self: KeyedTokenStore + 'static,
    {
        UserTokenStore::new(Arc::new(self.clone()), user)
    }

    /// The users whose access token expires before `at`, soonest first: what a service
    /// refreshes ahead of time (users whose expiry is unknown are not among them).
    pub async fn expiring_before(&self, at: DateTime<Utc>) -> Result<Vec<String>> {
        let at = instant(at);
        sqlx::query_scalar(DB::EXPIRING)
            .bind(at.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(|err| db_error("list the expiring tokens", &err))
    }

    async fn select(conn: &mut DB::Connection, statement: &'static str, user: &str) -> Result<Option<TokenSet>> {
        let json: Option<String> = sqlx::query_scalar(statement)
            .bind(user)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|err| db_error("read the tokens", &err))?;
        json.map(|json| from_json(user, &json)).transpose()
    }

    async fn upsert(conn: &mut DB::Connection, user: &str, tokens: &TokenSet) -> Result<()> {
        let json = to_json(tokens)?;
        let expires_at = tokens.expires_at.map(instant);
        sqlx::query(DB::UPSERT)
            .bind(user)
            .bind(json.as_str())
            .bind(expires_at.as_deref())
            .execute(&mut *conn)
            .await
            .map_err(|err| db_error("save the tokens", &err))?;
        Ok(())
    }

    async fn load(&self, user: &str) -> Result<Option<TokenSet>> {
        let mut conn = self.pool.acquire().await.map_err(|err| db_error("connect", &err))?;
        Self::select(&mut conn, DB::SELECT, user).await
    }

    async fn save(&self, user: &str, tokens: &TokenSet) -> Result<()> {
        let mut conn = self.pool.acquire().await.map_err(|err| db_error("connect", &err))?;
        Self::upsert(&mut conn, user, tokens).await
    }

    async fn clear(&self, user: &str) -> Result<()> {
        sqlx::query("DELETE FROM oura_tokens WHERE user_id = $1")
            .bind(user)
            .execute(&self.pool)
            .await
            .map_err(|err| db_error("delete the tokens", &err))?;
        Ok(())
    }

    /// The refresh lock: a writing transaction (SQLite takes the database's write lock at
    /// once; PostgreSQL holds the user's row), the set re-read inside it.
    async fn lock(&self, user: &str) -> Result<(Option<TokenSet>, Transaction<'static, DB>)> {
        let mut tx = self
            .pool
            .begin_with(DB::BEGIN_WRITE)
            .await
            .map_err(|err| db_error("lock the tokens", &err))?;
        let tokens = Self::select(&mut tx, DB::SELECT_LOCKED, user).await?;
        Ok((tokens, tx))
    }

    async fn list(&self) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT user_id FROM oura_tokens ORDER BY user_id")
            .fetch_all(&self.pool)
            .await
            .map_err(|err| db_error("list the users", &err))
    }

    async fn commit(mut tx: Transaction<'static, DB>, user: String, tokens: TokenSet) -> Result<()> {
        Self::upsert(&mut tx, &user, &tokens).await?;
        tx.commit().await.map_err(|err| db_error("commit the tokens", &err))
    }
}

/// A held lock: the transaction of [`DatabaseTokenStore::lock`]; dropping it rolls back.
struct DatabaseLock<DB: Database> {
    tx: Transaction<'static, DB>,
    user: String,
}

/// [`KeyedTokenStore`] and [`CommitTokens`] for a backend (the futures must be `Send`, which
/// is proven for each concrete backend).
macro_rules! keyed_token_store {
    ($db:ty) => {
        impl KeyedTokenStore for DatabaseTokenStore<$db> {
            fn load_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<TokenSet>>> {
                Box::pin(self.load(user))
            }

            fn save_user<'a>(&'a self, user: &'a str, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
                Box::pin(self.save(user, tokens))
            }

            fn clear_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<()>> {
                Box::pin(self.clear(user))
            }

            fn lock_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<TokenLock>> {
                Box::pin(async move {
                    let (tokens, tx) = self.lock(user).await?;
                    Ok(TokenLock::held(
                        tokens,
                        DatabaseLock {
                            tx,
                            user: user.to_owned(),
                        },
                    ))
                })
            }

            fn users(&self) -> BoxFuture<'_, Result<Vec<String>>> {
                Box::pin(self.list())
            }
        }

        impl CommitTokens for DatabaseLock<$db> {
            fn commit(self: Box<Self>, tokens: TokenSet) -> BoxFuture<'static, Result<()>> {
                let DatabaseLock { tx, user } = *self;
                Box::pin(DatabaseTokenStore::<$db>::commit(tx, user, tokens))
            }
        }
    };
}

#[cfg(feature = "sqlite")]
keyed_token_store!(sqlx::Sqlite);
#[cfg(feature = "postgres")]
keyed_token_store!(sqlx::Postgres);
