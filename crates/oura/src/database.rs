//! The SQL layer shared by the database token stores ([`oauth`](crate::oauth)) and the sinks of
//! `oura-sync` (features `sqlite`, `postgres`).
//!
//! What is the same on every database is written once, generic over the backend; a
//! [`Dialect`] (implemented for `sqlx::Sqlite` and `sqlx::Postgres`, each behind its feature) holds only what
//! differs: how a pool opens, the statement that starts a writing transaction, how many bind
//! parameters a statement may take, how to ask whether a table exists.
//!
//! [`Migrations`] are versioned and embedded: each schema living in a database (the token
//! store's, the sync tables') takes its own range of versions in sqlx's `_sqlx_migrations`
//! table, applies what it lacks, and refuses a database that holds a version of it newer
//! than it knows ([`DatabaseError::Newer`]): an older program never writes into a schema it
//! does not understand.

use std::borrow::Cow;
use std::future::Future;
use std::str::FromStr as _;
use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migrate, MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use sqlx::{Database, Executor, IntoArguments, Pool};

/// How long a statement waits for another connection's (or process's) write transaction on
/// SQLite before it fails.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a task waits for a free connection of the pool: many tasks (one sync per user)
/// may share a small pool, and queue for it.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(300);

/// Prepared statements each connection keeps (the sinks prepare a few per collection).
const STATEMENT_CACHE: usize = 512;

/// A database backend: what differs between SQLite and PostgreSQL (sealed: implemented for
/// `sqlx::Sqlite` and `sqlx::Postgres`, each behind its feature).
pub trait Dialect: Database + sealed::Sealed {
    /// The statement that opens a transaction that will write: SQLite takes the database's
    /// write lock at once (`BEGIN IMMEDIATE`), so two writers queue instead of one failing on
    /// upgrade; PostgreSQL locks rows as it writes them.
    const BEGIN_WRITE: &'static str;
    /// The most bind parameters one statement may take.
    const MAX_PARAMETERS: usize;
    /// A query with one parameter (a table's name) that returns a row when that table exists
    /// (in the current schema).
    const TABLE_EXISTS: &'static str;

    /// Opens a pool on the database at `url` (its scheme decides nothing here: the caller
    /// chose the dialect).
    fn open(url: &str, options: OpenOptions) -> impl Future<Output = Result<Pool<Self>, DatabaseError>> + Send;
}

mod sealed {
    pub trait Sealed {}
    #[cfg(feature = "sqlite")]
    impl Sealed for sqlx::Sqlite {}
    #[cfg(feature = "postgres")]
    impl Sealed for sqlx::Postgres {}
}

/// How [`Dialect::open`] sets up the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    max_connections: u32,
    durable: bool,
}

impl OpenOptions {
    /// At most `max_connections` connections; commits durable when they return (see
    /// [`durable`](Self::durable)).
    pub fn new(max_connections: u32) -> Self {
        OpenOptions {
            max_connections: max_connections.max(1),
            durable: true,
        }
    }

    /// Whether a commit is on disk when it returns, even through a power loss (default). On
    /// SQLite (always in WAL mode) `false` means `synchronous = NORMAL`: a commit survives a
    /// crash of the process but the last ones may be lost with the machine, and commits are
    /// much cheaper. PostgreSQL follows the server's settings either way.
    pub fn durable(mut self, durable: bool) -> Self {
        self.durable = durable;
        self
    }
}

/// A database could not be opened, migrated or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatabaseError {
    /// The URL is not one of the backend's (nothing of it is repeated: it may hold a password).
    #[error("not a {dialect} database URL{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    BadUrl {
        /// The backend.
        dialect: &'static str,
        /// Why, when saying so repeats nothing secret.
        reason: Option<String>,
    },
    /// A schema in the database is newer than this program: it was written by a later version,
    /// and this one refuses to use it rather than write rows the newer one does not expect.
    #[error(
        "the database holds version {found} of the {schema} schema, newer than this program knows \
         (version {known}): upgrade the program, or use another database"
    )]
    Newer {
        /// Which schema (`token store`, `sync`).
        schema: &'static str,
        /// The newest version the database holds.
        found: i64,
        /// The newest version this program knows.
        known: i64,
    },
    /// Migrating a schema failed.
    #[error("the {schema} schema could not be migrated: {source}")]
    Migrate {
        /// Which schema.
        schema: &'static str,
        /// The cause.
        #[source]
        source: MigrateError,
    },
    /// The database failed (connecting, or a statement).
    #[error("the {dialect} database could not {action}: {source}")]
    Sql {
        /// The backend.
        dialect: &'static str,
        /// What was being done (`connect`, `read the schema version`, ...).
        action: &'static str,
        /// The cause (sqlx's messages carry no bound values).
        #[source]
        source: sqlx::Error,
    },
}

impl DatabaseError {
    /// A failure of `action` on `DB`.
    pub fn sql<DB: Dialect>(action: &'static str, source: sqlx::Error) -> Self {
        DatabaseError::Sql {
            dialect: <DB as Database>::NAME,
            action,
            source,
        }
    }
}

/// The versioned migrations of one schema, embedded in the program: `(version, description,
/// SQL)` in order, all within the schema's range of versions.
///
/// The range keeps schemas sharing a database apart in `_sqlx_migrations`: the token store
/// takes 1 to 999, the sync tables of `oura-sync` 1001 to 1999. Each schema ignores the
/// others' rows, and refuses a version of its own range that it does not know.
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    schema: &'static str,
    range: (i64, i64),
    steps: &'static [(i64, &'static str, &'static str)],
}

impl Migrations {
    /// The migrations `steps` of `schema`, whose versions lie in `first..=last`.
    pub const fn new(
        schema: &'static str,
        first: i64,
        last: i64,
        steps: &'static [(i64, &'static str, &'static str)],
    ) -> Self {
        Migrations {
            schema,
            range: (first, last),
            steps,
        }
    }

    /// The newest version this program knows.
    pub fn newest(&self) -> i64 {
        self.steps.iter().map(|&(version, _, _)| version).max().unwrap_or(0)
    }

    /// Brings the schema in the database of `pool` to [`newest`](Self::newest), applying
    /// each missing migration in its own transaction; a database already there is left
    /// alone. Fails with [`DatabaseError::Newer`], changing nothing, when the database holds
    /// a newer version of this schema.
    pub async fn run<DB>(&self, pool: &Pool<DB>) -> Result<(), DatabaseError>
    where
        DB: Dialect,
        DB::Connection: Migrate,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
        i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB>,
        for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        debug_assert!(
            self.steps
                .iter()
                .all(|&(version, _, _)| (self.range.0..=self.range.1).contains(&version))
        );
        let mut migrator = Migrator::new(*self).await.map_err(|source| DatabaseError::Migrate {
            schema: self.schema,
            source,
        })?;
        // The other schemas' versions in the same table are not this one's to judge.
        migrator.set_ignore_missing(true);
        // Processes opening a new SQLite database at once race to create `_sqlx_migrations`
        // (PostgreSQL migrates under an advisory lock); the loser finds it done next time.
        let mut attempt = 0;
        loop {
            let result = async {
                let mut conn = pool
                    .acquire()
                    .await
                    .map_err(|err| DatabaseError::sql::<DB>("connect", err))?;
                self.refuse_newer(&mut conn).await?;
                migrator
                    .run_direct(&mut *conn)
                    .await
                    .map_err(|source| DatabaseError::Migrate {
                        schema: self.schema,
                        source,
                    })
            }
            .await;
            match result {
                Err(DatabaseError::Migrate { .. } | DatabaseError::Sql { .. }) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                other => return other,
            }
        }
    }

    /// [`DatabaseError::Newer`] if the database holds a version of this schema beyond
    /// [`newest`](Self::newest).
    async fn refuse_newer<DB>(&self, conn: &mut DB::Connection) -> Result<(), DatabaseError>
    where
        DB: Dialect,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
        i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB>,
        for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        usize: sqlx::ColumnIndex<DB::Row>,
    {
        let exists: Option<i64> = sqlx::query_scalar(DB::TABLE_EXISTS)
            .bind("_sqlx_migrations")
            .fetch_optional(&mut *conn)
            .await
            .map_err(|err| DatabaseError::sql::<DB>("read the schema version", err))?;
        if exists.is_none() {
            return Ok(());
        }
        let found: Option<i64> =
            sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE version BETWEEN $1 AND $2")
                .bind(self.range.0)
                .bind(self.range.1)
                .fetch_one(&mut *conn)
                .await
                .map_err(|err| DatabaseError::sql::<DB>("read the schema version", err))?;
        match found {
            Some(found) if found > self.newest() => Err(DatabaseError::Newer {
                schema: self.schema,
                found,
                known: self.newest(),
            }),
            _ => Ok(()),
        }
    }
}

impl<'s> MigrationSource<'s> for Migrations {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .steps
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

#[cfg(feature = "sqlite")]
impl Dialect for sqlx::Sqlite {
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    const MAX_PARAMETERS: usize = 32_766;
    const TABLE_EXISTS: &'static str = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1";

    /// `sqlite://PATH` (or `sqlite::memory:`, or a plain path), created if missing, in WAL mode,
    /// with a busy timeout of [`BUSY_TIMEOUT`].
    fn open(url: &str, options: OpenOptions) -> impl Future<Output = Result<Pool<Self>, DatabaseError>> + Send {
        use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
        let connect = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(|err| DatabaseError::BadUrl {
                dialect: <Self as Database>::NAME,
                reason: Some(err.to_string()),
            })
        } else {
            Ok(SqliteConnectOptions::new().filename(url))
        };
        async move {
            let connect = connect?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(if options.durable {
                    SqliteSynchronous::Full
                } else {
                    SqliteSynchronous::Normal
                })
                .busy_timeout(BUSY_TIMEOUT)
                .statement_cache_capacity(STATEMENT_CACHE);
            let pool = SqlitePoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT);
            retry_busy(BUSY_TIMEOUT, || pool.clone().connect_with(connect.clone()))
                .await
                .map_err(|err| DatabaseError::sql::<Self>("open the database", err))
        }
    }
}

/// Runs `attempt` again while SQLite answers `SQLITE_BUSY`, after a growing, jittered pause,
/// until `within` has passed. SQLite answers a connection that would deadlock on the database's
/// lock at once, without waiting out the busy timeout: two processes opening a new database
/// together (each switching it to WAL) may get it; one of them then lets the other go first.
#[cfg(feature = "sqlite")]
async fn retry_busy<T, F>(within: Duration, mut attempt: impl FnMut() -> F) -> Result<T, sqlx::Error>
where
    F: Future<Output = Result<T, sqlx::Error>>,
{
    const FIRST_PAUSE: Duration = Duration::from_millis(5);
    const LONGEST_PAUSE: Duration = Duration::from_millis(250);
    let started = tokio::time::Instant::now();
    let mut ceiling = FIRST_PAUSE;
    loop {
        match attempt().await {
            Err(err) if is_busy(&err) && started.elapsed() < within => {
                tokio::time::sleep(ceiling.mul_f64(0.5 + fastrand::f64() / 2.0)).await;
                ceiling = (ceiling * 2).min(LONGEST_PAUSE);
            }
            done => return done,
        }
    }
}

/// Whether SQLite answered `SQLITE_BUSY` (any of its extended codes).
#[cfg(feature = "sqlite")]
fn is_busy(err: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    match err {
        sqlx::Error::Database(err) => err
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == SQLITE_BUSY),
        _ => false,
    }
}

#[cfg(feature = "postgres")]
impl Dialect for sqlx::Postgres {
    const BEGIN_WRITE: &'static str = "BEGIN";
    const MAX_PARAMETERS: usize = 65_535;
    const TABLE_EXISTS: &'static str =
        "SELECT 1::int8 FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1";

    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB` (or with `?host=/socket/dir`), without TLS.
    fn open(url: &str, options: OpenOptions) -> impl Future<Output = Result<Pool<Self>, DatabaseError>> + Send {
        use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
        // sqlx's messages about a bad URL do not repeat it; still, say nothing of its contents.
        let connect = PgConnectOptions::from_str(url).map_err(|_| DatabaseError::BadUrl {
            dialect: <Self as Database>::NAME,
            reason: None,
        });
        async move {
            PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .connect_with(connect?.statement_cache_capacity(STATEMENT_CACHE))
                .await
                .map_err(|err| DatabaseError::sql::<Self>("connect", err))
        }
    }
}
