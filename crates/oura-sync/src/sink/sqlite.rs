//! [`SqliteSink`]: synced documents in a SQLite database, one table per collection.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use super::sql::{self, Embedded, PositionColumn, key_kind, last_per_key, storage, table};
use super::{Batch, Doc, Mark, Sink, SinkError, Upserted};
use crate::Collection;

/// The sink's schema (see `migrations/sqlite/`); the collections' tables come from the
/// collection table when the sink opens.
const MIGRATIONS: Embedded = Embedded(&[(
    1001,
    "oura sync state",
    include_str!("../../migrations/sqlite/1001_oura_sync_state.sql"),
)]);

/// Synced documents in SQLite (feature `sqlite`): one table per collection (`oura_<route>`, e.g.
/// `oura_daily_sleep`) holding `user_id`, `doc_key` (the id, or the timestamp of a time series
/// sample), `key_kind`, the day (`day`) or instant (`at`), and the `document` as JSON text;
/// the export's state in `oura_sync_state`.
///
/// Each batch is one `BEGIN IMMEDIATE` transaction: its rows (inserted, replaced when changed,
/// kept when equal) and its mark commit together, so a run killed at any moment resumes
/// without losing or repeating a row, and two runs at once take turns.
pub struct SqliteSink {
    pool: SqlitePool,
    tables: HashMap<&'static str, Statements>,
}

/// The statements of one collection's table.
struct Statements {
    select: String,
    insert: String,
    update: String,
    count: String,
    delete: String,
    position: Option<PositionColumn>,
}

impl Statements {
    fn of(collection: &Collection) -> (Statements, String) {
        let table = table(collection);
        let position = PositionColumn::of(collection);
        let (column_def, column, index) = match position {
            Some(column) => (
                format!("\n    {} TEXT,", column.name()),
                format!(", {}", column.name()),
                format!(
                    "CREATE INDEX IF NOT EXISTS \"{table}_{name}\" ON \"{table}\" (user_id, {name});",
                    name = column.name()
                ),
            ),
            None => (String::new(), String::new(), String::new()),
        };
        let create = format!(
            "CREATE TABLE IF NOT EXISTS \"{table}\" (\n    user_id TEXT NOT NULL,\n    doc_key TEXT NOT NULL,\n    \
             key_kind TEXT NOT NULL,{column_def}\n    document TEXT NOT NULL,\n    PRIMARY KEY (user_id, doc_key)\n) STRICT;\n{index}"
        );
        let values = if position.is_some() {
            "?1, ?2, ?3, ?4, ?5"
        } else {
            "?1, ?2, ?3, ?5"
        };
        let set_position = position.map(|c| format!(", {} = ?4", c.name())).unwrap_or_default();
        let statements = Statements {
            select: format!("SELECT document FROM \"{table}\" WHERE user_id = ?1 AND doc_key = ?2"),
            insert: format!("INSERT INTO \"{table}\" (user_id, doc_key, key_kind{column}, document) VALUES ({values})"),
            update: format!(
                "UPDATE \"{table}\" SET key_kind = ?3{set_position}, document = ?5 WHERE user_id = ?1 AND doc_key = ?2"
            ),
            count: format!("SELECT count(*) FROM \"{table}\" WHERE user_id = ?1"),
            delete: format!("DELETE FROM \"{table}\" WHERE user_id = ?1 AND doc_key = ?2"),
            position,
        };
        (statements, create)
    }
}

impl SqliteSink {
    /// Opens (creating if missing) the database at `url` (`sqlite://PATH` or a plain path),
    /// migrates it, and creates the table of every collection.
    pub async fn connect(url: &str) -> Result<Self, SinkError> {
        let options = if url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(url).map_err(storage)?
        } else {
            SqliteConnectOptions::new().filename(url)
        };
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(60));
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(options)
            .await
            .map_err(storage)?;
        Self::with_pool(pool).await
    }

    /// A sink on an existing pool: migrates it and creates the table of every collection.
    pub async fn with_pool(pool: SqlitePool) -> Result<Self, SinkError> {
        let migrator = sql::migrator(MIGRATIONS).await?;
        let mut attempt = 0;
        loop {
            match migrator.run(&pool).await {
                Ok(()) => break,
                // Processes opening a new database at once race to record a migration.
                Err(_) if attempt < 5 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
                }
                Err(err) => return Err(storage(err)),
            }
        }
        let mut tables = HashMap::new();
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(storage)?;
        for collection in crate::collections() {
            let (statements, create) = Statements::of(collection);
            sqlx::raw_sql(&create).execute(&mut *tx).await.map_err(storage)?;
            tables.insert(collection.route, statements);
        }
        tx.commit().await.map_err(storage)?;
        Ok(SqliteSink { pool, tables })
    }

    /// The connection pool.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    fn statements(&self, collection: &Collection) -> Result<&Statements, SinkError> {
        self.tables.get(collection.route).ok_or_else(|| unknown(collection))
    }

    /// Inserts or replaces one document of `user`, leaving the export's state alone (a
    /// webhook's document). Returns what it did.
    pub async fn put(&mut self, user: &str, collection: &Collection, doc: Doc) -> Result<Upserted, SinkError> {
        let statements = self.statements(collection)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(storage)?;
        let mut upserted = Upserted::default();
        put(&mut tx, statements, user, &doc, &mut upserted).await?;
        upserted.total = count(&mut tx, statements, user).await?;
        tx.commit().await.map_err(storage)?;
        Ok(upserted)
    }

    /// Deletes the document of `user` with this key text (an id); whether it was there.
    pub async fn delete(&mut self, user: &str, collection: &Collection, key: &str) -> Result<bool, SinkError> {
        let statements = self.statements(collection)?;
        let done = sqlx::query(&statements.delete)
            .bind(user)
            .bind(key)
            .execute(&self.pool)
            .await
            .map_err(storage)?;
        Ok(done.rows_affected() > 0)
    }
}

fn unknown(collection: &Collection) -> SinkError {
    SinkError::Storage(format!("the database has no table for the collection {}", collection.route).into())
}

async fn put(
    tx: &mut Transaction<'static, Sqlite>,
    statements: &Statements,
    user: &str,
    doc: &Doc,
    upserted: &mut Upserted,
) -> Result<(), SinkError> {
    let conn: &mut SqliteConnection = tx;
    let existing: Option<String> = sqlx::query_scalar(&statements.select)
        .bind(user)
        .bind(doc.key.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(storage)?;
    let statement = match existing {
        Some(existing) if existing == doc.json => {
            upserted.unchanged += 1;
            return Ok(());
        }
        Some(_) => {
            upserted.updated += 1;
            &statements.update
        }
        None => {
            upserted.added += 1;
            &statements.insert
        }
    };
    let position = statements.position.and_then(|c| c.value(doc.position.as_deref()));
    sqlx::query(statement)
        .bind(user)
        .bind(doc.key.as_str())
        .bind(key_kind(&doc.key))
        .bind(position)
        .bind(&doc.json)
        .execute(conn)
        .await
        .map_err(storage)?;
    Ok(())
}

async fn count(tx: &mut Transaction<'static, Sqlite>, statements: &Statements, user: &str) -> Result<u64, SinkError> {
    let conn: &mut SqliteConnection = tx;
    let count: i64 = sqlx::query_scalar(&statements.count)
        .bind(user)
        .fetch_one(conn)
        .await
        .map_err(storage)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

impl fmt::Debug for SqliteSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteSink")
            .field("tables", &self.tables.len())
            .finish_non_exhaustive()
    }
}

impl SqliteSink {
    /// Every stored document of `collection`, of every user, as the JSON text stored, in key
    /// order; none when nothing of it was synced yet.
    pub async fn documents(&self, collection: &Collection) -> Result<Vec<String>, SinkError> {
        let table = table(collection);
        let exists: Option<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?1")
                .bind(&table)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let select = format!("SELECT document FROM \"{table}\" ORDER BY user_id, doc_key");
        sqlx::query_scalar(&select).fetch_all(&self.pool).await.map_err(storage)
    }
}

impl Sink for SqliteSink {
    async fn resume(&mut self, user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT last, through FROM oura_sync_state WHERE user_id = ?1 AND collection = ?2")
                .bind(user)
                .bind(collection.route)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(row.map(|(last, through)| Mark { last, through }))
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        let statements = self.statements(batch.collection)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(storage)?;
        let mut upserted = Upserted::default();
        for doc in last_per_key(batch.docs) {
            put(&mut tx, statements, &batch.user, &doc, &mut upserted).await?;
        }
        upserted.total = count(&mut tx, statements, &batch.user).await?;
        sqlx::query(
            "INSERT INTO oura_sync_state (user_id, collection, last, through) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (user_id, collection) DO UPDATE SET last = excluded.last, through = excluded.through",
        )
        .bind(&batch.user)
        .bind(batch.collection.route)
        .bind(&batch.mark.last)
        .bind(&batch.mark.through)
        .execute(&mut *tx)
        .await
        .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(upserted)
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}
