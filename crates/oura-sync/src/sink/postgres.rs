//! [`PostgresSink`]: synced documents in PostgreSQL, one table per collection.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr as _;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{PgConnection, Postgres, Transaction};

use super::sql::{self, Embedded, PositionColumn, key_kind, last_per_key, storage, table};
use super::{Batch, Doc, Mark, Sink, SinkError, Upserted};
use crate::Collection;

/// The sink's schema (see `migrations/postgres/`); the collections' tables come from the
/// collection table when the sink opens.
const MIGRATIONS: Embedded = Embedded(&[(
    1001,
    "oura sync state",
    include_str!("../../migrations/postgres/1001_oura_sync_state.sql"),
)]);

/// Documents per statement (each is five array elements).
const CHUNK: usize = 2000;

/// Synced documents in PostgreSQL (feature `postgres`): one table per collection (`oura_<route>`,
/// e.g. `oura_daily_sleep`) holding `user_id`, `doc_key` (the id, or the timestamp of a time
/// series sample), `key_kind`, the day (`day DATE`) or instant (`at TIMESTAMPTZ`), and the
/// `document` as `JSONB`; the export's state in `oura_sync_state`.
///
/// Each batch is one transaction of `INSERT ... ON CONFLICT DO UPDATE` statements (a row is
/// rewritten only when its document changed) and the mark: they commit together, so a run
/// killed at any moment resumes without losing or repeating a row, and runs at once never
/// duplicate one (the primary key is `(user_id, doc_key)`).
pub struct PostgresSink {
    pool: PgPool,
    tables: HashMap<&'static str, Statements>,
}

struct Statements {
    upsert: String,
    count: String,
    delete: String,
    position: Option<PositionColumn>,
}

impl Statements {
    fn of(collection: &Collection) -> (Statements, String) {
        let table = table(collection);
        let position = PositionColumn::of(collection);
        let (column_def, column, value, set, index) = match position {
            Some(column) => {
                let name = column.name();
                let ty = match column {
                    PositionColumn::Day => "date",
                    PositionColumn::At => "timestamptz",
                };
                (
                    format!("\n    {name} {ty},"),
                    format!(", {name}"),
                    format!(", position::{ty}"),
                    format!(", {name} = excluded.{name}"),
                    format!("CREATE INDEX IF NOT EXISTS \"{table}_{name}\" ON \"{table}\" (user_id, {name});"),
                )
            }
            None => Default::default(),
        };
        let create = format!(
            "CREATE TABLE IF NOT EXISTS \"{table}\" (\n    user_id TEXT NOT NULL,\n    doc_key TEXT NOT NULL,\n    \
             key_kind TEXT NOT NULL,{column_def}\n    document JSONB NOT NULL,\n    PRIMARY KEY (user_id, doc_key)\n);\n{index}"
        );
        let statements = Statements {
            // Rows come back only when inserted (xmax = 0) or changed: the rest were equal.
            upsert: format!(
                "INSERT INTO \"{table}\" AS t (user_id, doc_key, key_kind{column}, document) \
                 SELECT $1, doc_key, key_kind{value}, document::jsonb \
                 FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[]) AS i(doc_key, key_kind, position, document) \
                 ON CONFLICT (user_id, doc_key) DO UPDATE SET key_kind = excluded.key_kind{set}, document = excluded.document \
                 WHERE t.document IS DISTINCT FROM excluded.document \
                 RETURNING (xmax = 0) AS inserted"
            ),
            count: format!("SELECT count(*) FROM \"{table}\" WHERE user_id = $1"),
            delete: format!("DELETE FROM \"{table}\" WHERE user_id = $1 AND doc_key = $2"),
            position,
        };
        (statements, create)
    }
}

impl PostgresSink {
    /// Connects to the database at `url` (`postgres://USER@HOST:PORT/DB`), migrates it, and
    /// creates the table of every collection.
    pub async fn connect(url: &str) -> Result<Self, SinkError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|_| SinkError::Storage("not a PostgreSQL database URL".into()))?;
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(storage)?;
        Self::with_pool(pool).await
    }

    /// A sink on an existing pool: migrates it and creates the table of every collection.
    pub async fn with_pool(pool: PgPool) -> Result<Self, SinkError> {
        sql::migrator(MIGRATIONS).await?.run(&pool).await.map_err(storage)?;
        let mut tables = HashMap::new();
        let mut tx = pool.begin().await.map_err(storage)?;
        // Sinks opening at once create the tables one after the other.
        sqlx::query("SELECT pg_advisory_xact_lock(7232060313529137)")
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        for collection in crate::collections() {
            let (statements, create) = Statements::of(collection);
            sqlx::raw_sql(&create).execute(&mut *tx).await.map_err(storage)?;
            tables.insert(collection.route, statements);
        }
        tx.commit().await.map_err(storage)?;
        Ok(PostgresSink { pool, tables })
    }

    /// The connection pool.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn statements(&self, collection: &Collection) -> Result<&Statements, SinkError> {
        self.tables.get(collection.route).ok_or_else(|| {
            SinkError::Storage(format!("the database has no table for the collection {}", collection.route).into())
        })
    }

    /// Inserts or replaces one document of `user`, leaving the export's state alone (a
    /// webhook's document). Returns what it did.
    pub async fn put(&mut self, user: &str, collection: &Collection, doc: Doc) -> Result<Upserted, SinkError> {
        let statements = self.statements(collection)?;
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let mut upserted = upsert(&mut tx, statements, user, vec![doc]).await?;
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

async fn upsert(
    tx: &mut Transaction<'static, Postgres>,
    statements: &Statements,
    user: &str,
    docs: Vec<Doc>,
) -> Result<Upserted, SinkError> {
    let conn: &mut PgConnection = tx;
    let mut upserted = Upserted::default();
    let docs = last_per_key(docs);
    for chunk in docs.chunks(CHUNK) {
        let keys: Vec<&str> = chunk.iter().map(|d| d.key.as_str()).collect();
        let kinds: Vec<&str> = chunk.iter().map(|d| key_kind(&d.key)).collect();
        let positions: Vec<Option<String>> = chunk
            .iter()
            .map(|d| statements.position.and_then(|c| c.value(d.position.as_deref())))
            .collect();
        let documents: Vec<&str> = chunk.iter().map(|d| d.json.as_str()).collect();
        let returned: Vec<bool> = sqlx::query_scalar(&statements.upsert)
            .bind(user)
            .bind(keys)
            .bind(kinds)
            .bind(positions)
            .bind(documents)
            .fetch_all(&mut *conn)
            .await
            .map_err(storage)?;
        let added = returned.iter().filter(|inserted| **inserted).count() as u64;
        let updated = returned.len() as u64 - added;
        upserted.added += added;
        upserted.updated += updated;
        upserted.unchanged += chunk.len() as u64 - added - updated;
    }
    Ok(upserted)
}

async fn count(tx: &mut Transaction<'static, Postgres>, statements: &Statements, user: &str) -> Result<u64, SinkError> {
    let conn: &mut PgConnection = tx;
    let count: i64 = sqlx::query_scalar(&statements.count)
        .bind(user)
        .fetch_one(conn)
        .await
        .map_err(storage)?;
    Ok(u64::try_from(count).unwrap_or_default())
}

impl fmt::Debug for PostgresSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresSink")
            .field("tables", &self.tables.len())
            .finish_non_exhaustive()
    }
}

impl PostgresSink {
    /// Every stored document of `collection`, of every user, as the JSON text stored, in key
    /// order; none when nothing of it was synced yet.
    pub async fn documents(&self, collection: &Collection) -> Result<Vec<String>, SinkError> {
        let table = table(collection);
        let exists: Option<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() AND tablename = $1",
        )
        .bind(&table)
        .fetch_optional(&self.pool)
        .await
        .map_err(storage)?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        let select = format!("SELECT document::text FROM \"{table}\" ORDER BY user_id, doc_key");
        sqlx::query_scalar(&select).fetch_all(&self.pool).await.map_err(storage)
    }
}

impl Sink for PostgresSink {
    async fn resume(&mut self, user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT last, through FROM oura_sync_state WHERE user_id = $1 AND collection = $2")
                .bind(user)
                .bind(collection.route)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(row.map(|(last, through)| Mark { last, through }))
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        let statements = self.statements(batch.collection)?;
        let mut tx = self.pool.begin().await.map_err(storage)?;
        let mut upserted = upsert(&mut tx, statements, &batch.user, batch.docs).await?;
        upserted.total = count(&mut tx, statements, &batch.user).await?;
        sqlx::query(
            "INSERT INTO oura_sync_state (user_id, collection, last, through) VALUES ($1, $2, $3, $4) \
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
