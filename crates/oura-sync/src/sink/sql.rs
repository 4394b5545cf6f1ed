//! [`SqlSink`]: synced documents in a database, written once for SQLite and PostgreSQL over
//! the SQL layer of `oura::database`. Each backend's file holds only what its SQL does
//! differently ([`SinkSql`]): column types, and how a chunk of documents is upserted (SQLite:
//! one multi-row `INSERT`; PostgreSQL: arrays through `UNNEST`).
//!
//! The tables come from the collection catalog (`oura_api_sys::catalog`: the route, the key,
//! the type of the position field); the embedded migrations hold the sync state.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use oura::FieldType;
use oura::database::{DatabaseError, Dialect, Migrations, OpenOptions};
use sqlx::migrate::Migrate;
use sqlx::{Database, Executor, IntoArguments, Pool};

use super::{Batch, Doc, KeyRef, Mark, SinkError, Upserted, last_per_key};
use crate::{Collection, RangeKind};

pub(super) use self::private::SinkSql;

mod private {
    use std::future::Future;

    use oura::database::{Dialect, Migrations};

    use super::{Doc, Table};

    /// What the sink's SQL does differently on one backend.
    pub trait SinkSql: Dialect {
        /// The sync schema's migrations.
        const MIGRATIONS: Migrations;
        /// Connections a sink opens.
        const CONNECTIONS: u32;
        /// Run before creating the tables, in the same transaction, so sinks opening at once
        /// create them one after the other (SQLite's `BEGIN IMMEDIATE` already does).
        const SERIALIZE_DDL: Option<&'static str>;
        /// The current instant, as the `synced_at` column holds it.
        const NOW: &'static str;
        /// The `document` column as JSON text.
        const DOCUMENT_TEXT: &'static str;
        /// The row counts a statement takes, largest first: a batch is cut into chunks of
        /// these sizes (with [`EXACT_ROWS`](Self::EXACT_ROWS) false, the last chunk may be
        /// smaller than the smallest).
        const ROWS: &'static [usize];
        /// Whether a statement's text depends on its row count.
        const EXACT_ROWS: bool;

        /// The column type of a day.
        const DAY: &'static str;
        /// The column type of an instant.
        const INSTANT: &'static str;
        /// The column type of the document.
        const DOCUMENT: &'static str;
        /// What follows a table's definition (`STRICT` on SQLite).
        const TABLE_OPTIONS: &'static str;

        /// The statements that upsert `rows` documents of `table`.
        fn upsert_statements(table: &str, position: Option<super::PositionColumn>, rows: usize) -> Vec<String>;

        /// Upserts `docs` (distinct keys) of `user` with `statements` (from
        /// [`upsert_statements`](Self::upsert_statements) for their count): how many were
        /// added, and how many replaced because they changed. Runs in the batch's transaction.
        fn upsert_chunk<'a>(
            conn: &'a mut Self::Connection,
            table: &'a Table,
            statements: &'a [String],
            user: &'a str,
            docs: &'a [Doc],
        ) -> impl Future<Output = Result<(u64, u64), sqlx::Error>> + Send + 'a;
    }
}

/// The table of a collection: `oura_` and its route in lower case (`oura_vo2_max`).
fn table(collection: &Collection) -> String {
    debug_assert!(collection.route.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    format!("oura_{}", collection.route.to_ascii_lowercase())
}

/// The column that places a document in time, if the collection has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionColumn {
    /// `day`: a date (day collections, placed by `day` or `start_day`).
    Day,
    /// `at`: an instant (time series, placed by `timestamp`).
    At,
}

impl PositionColumn {
    /// From the catalog: the type of the collection's position field (a date-time places a
    /// time series sample; a date, or a date-time for a day's document without one, a day).
    pub fn of(collection: &Collection) -> Option<PositionColumn> {
        let field = collection.field(collection.position?)?;
        match (field.ty, collection.range) {
            (FieldType::DateTime, RangeKind::Series) => Some(PositionColumn::At),
            _ => Some(PositionColumn::Day),
        }
    }

    /// The column's type in `DB`.
    pub fn sql_type<DB: SinkSql>(self) -> &'static str {
        match self {
            PositionColumn::Day => DB::DAY,
            PositionColumn::At => DB::INSTANT,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PositionColumn::Day => "day",
            PositionColumn::At => "at",
        }
    }

    /// The column's value for a document: the day or the instant, normalized (RFC 3339 with
    /// the offset Oura wrote); `None` when the document's position is missing or not one.
    pub fn value(self, position: Option<&str>) -> Option<String> {
        let position = position?;
        match self {
            PositionColumn::Day => NaiveDate::parse_from_str(position.get(..10)?, "%Y-%m-%d")
                .ok()
                .map(|day| day.to_string()),
            PositionColumn::At => DateTime::parse_from_rfc3339(position).ok().map(|at| at.to_rfc3339()),
        }
    }
}

/// The text of a key's kind, stored beside it.
pub fn key_kind(key: KeyRef<'_>) -> &'static str {
    match key {
        KeyRef::Id(_) => "id",
        KeyRef::Time(_) => "time",
        KeyRef::Content(_) => "content",
    }
}

/// `CREATE TABLE IF NOT EXISTS` (and the position's index) of a collection's table.
fn create_table<DB: SinkSql>(table: &str, position: Option<PositionColumn>) -> String {
    let (column, index) = match position {
        Some(column) => (
            format!("\n    {} {},", column.name(), column.sql_type::<DB>()),
            format!(
                "CREATE INDEX IF NOT EXISTS \"{table}_{name}\" ON \"{table}\" (user_id, {name});",
                name = column.name()
            ),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS \"{table}\" (\n    user_id TEXT NOT NULL,\n    doc_key TEXT NOT NULL,\n    \
         key_kind TEXT NOT NULL,{column}\n    document {} NOT NULL,\n    PRIMARY KEY (user_id, doc_key)\n){};\n{index}",
        DB::DOCUMENT,
        DB::TABLE_OPTIONS
    )
}

/// One collection's table and the statements on it.
pub struct Table {
    /// Where a document lies in time, if the collection places its documents.
    pub position: Option<PositionColumn>,
    /// The upsert statements of each row count of [`SinkSql::ROWS`].
    upserts: Vec<(usize, Vec<String>)>,
    count: String,
    delete: String,
    documents: String,
    name: String,
}

impl Table {
    fn of<DB: SinkSql>(collection: &Collection) -> (Table, String) {
        let name = table(collection);
        let position = PositionColumn::of(collection);
        let create = create_table::<DB>(&name, position);
        let table = Table {
            position,
            upserts: DB::ROWS
                .iter()
                .map(|&rows| (rows, DB::upsert_statements(&name, position, rows)))
                .collect(),
            count: format!("SELECT count(*) FROM \"{name}\" WHERE user_id = $1"),
            delete: format!("DELETE FROM \"{name}\" WHERE user_id = $1 AND doc_key = $2 RETURNING doc_key"),
            documents: format!("SELECT {} FROM \"{name}\" ORDER BY user_id, doc_key", DB::DOCUMENT_TEXT),
            name,
        };
        (table, create)
    }

    /// The position column's value for a document.
    pub fn position_of(&self, doc: &Doc) -> Option<String> {
        self.position.and_then(|column| column.value(doc.position()))
    }

    /// The documents cut into chunks, each with its statement.
    fn chunks<'d>(&self, mut docs: &'d [Doc], exact: bool) -> Vec<(&[String], &'d [Doc])> {
        let mut chunks = Vec::new();
        for (rows, statements) in &self.upserts {
            while docs.len() >= *rows || (!exact && !docs.is_empty()) {
                let (chunk, rest) = docs.split_at((*rows).min(docs.len()));
                chunks.push((statements.as_slice(), chunk));
                docs = rest;
            }
        }
        chunks
    }
}

/// Synced documents in a database: one table per collection (`oura_<route>`, e.g.
/// `oura_daily_sleep`) holding `user_id`, `doc_key` (the id, or the timestamp of a time series
/// sample), `key_kind`, the day (`day`) or instant (`at`) when the collection has one, and the
/// `document` (JSON text; `JSONB` in PostgreSQL); the export's state in `oura_sync_state`. See
/// `SqliteSink` and `PostgresSink` (features `sqlite` and `postgres`).
///
/// Each batch is one transaction: its rows (inserted, replaced when changed, kept when equal;
/// a few hundred per statement) and its mark commit together, so a run killed at any moment
/// resumes without losing or repeating a row, and runs at once never duplicate one (the
/// primary key is `(user_id, doc_key)`).
///
/// Clones share the connection pool: one sink can serve several users' syncs at once.
pub struct SqlSink<DB: Database> {
    pool: Pool<DB>,
    tables: Arc<HashMap<&'static str, Table>>,
    save_mark: Arc<str>,
}

impl<DB: Database> Clone for SqlSink<DB> {
    fn clone(&self) -> Self {
        SqlSink {
            pool: self.pool.clone(),
            tables: Arc::clone(&self.tables),
            save_mark: Arc::clone(&self.save_mark),
        }
    }
}

impl<DB: Database> SqlSink<DB> {
    /// The connection pool.
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    fn table(&self, collection: &Collection) -> Result<&Table, SinkError> {
        self.tables.get(collection.route).ok_or_else(|| {
            SinkError::Storage(format!("the database has no table for the collection {}", collection.route).into())
        })
    }
}

impl<DB: Dialect> fmt::Debug for SqlSink<DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlSink")
            .field("database", &<DB as Database>::NAME)
            .field("tables", &self.tables.len())
            .finish_non_exhaustive()
    }
}

pub(super) fn storage(err: impl std::error::Error + Send + Sync + 'static) -> SinkError {
    SinkError::Storage(Box::new(err))
}

fn open_error(err: DatabaseError) -> SinkError {
    SinkError::Storage(Box::new(err))
}

impl<DB> SqlSink<DB>
where
    DB: SinkSql,
    DB::Connection: Migrate,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    String: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB>,
    i64: for<'r> sqlx::Decode<'r, DB> + sqlx::Type<DB> + for<'q> sqlx::Encode<'q, DB>,
    usize: sqlx::ColumnIndex<DB::Row>,
{
    /// Opens the database at `url` (SQLite: `sqlite://PATH` or a plain path, created if
    /// missing; PostgreSQL: `postgres://USER@HOST:PORT/DB`), migrates it, and creates the table
    /// of every collection. A database whose sync schema is newer than this crate's is refused.
    pub async fn connect(url: &str) -> Result<Self, SinkError> {
        // A commit survives a crash of the process; a power loss may cost the last batches,
        // which the next run fetches again (the mark goes back with them).
        let options = OpenOptions::new(DB::CONNECTIONS).durable(false);
        let pool = DB::open(url, options).await.map_err(open_error)?;
        Self::with_pool(pool).await
    }

    /// A sink on an existing pool: migrates it and creates the table of every collection.
    pub async fn with_pool(pool: Pool<DB>) -> Result<Self, SinkError> {
        DB::MIGRATIONS.run(&pool).await.map_err(open_error)?;
        let mut tables = HashMap::new();
        let mut tx = pool.begin_with(DB::BEGIN_WRITE).await.map_err(storage)?;
        if let Some(serialize) = DB::SERIALIZE_DDL {
            sqlx::raw_sql(serialize).execute(&mut *tx).await.map_err(storage)?;
        }
        for collection in crate::collections() {
            let (table, create) = Table::of::<DB>(collection);
            sqlx::raw_sql(&create).execute(&mut *tx).await.map_err(storage)?;
            tables.insert(collection.route, table);
        }
        tx.commit().await.map_err(storage)?;
        let save_mark = format!(
            "INSERT INTO oura_sync_state (user_id, collection, last, through, synced_at) VALUES ($1, $2, $3, $4, {now}) \
             ON CONFLICT (user_id, collection) DO UPDATE SET last = excluded.last, through = excluded.through, \
             synced_at = excluded.synced_at",
            now = DB::NOW
        );
        Ok(SqlSink {
            pool,
            tables: Arc::new(tables),
            save_mark: save_mark.into(),
        })
    }

    /// Inserts or replaces one document of `user`, leaving the export's state alone (a
    /// webhook's document). Returns what it did.
    pub async fn put(&self, user: &str, collection: &Collection, doc: Doc) -> Result<Upserted, SinkError> {
        let table = self.table(collection)?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(storage)?;
        let upserted = Self::write(&mut tx, table, user, vec![doc]).await?;
        tx.commit().await.map_err(storage)?;
        Ok(upserted)
    }

    /// Deletes the document of `user` with this key text (an id); whether it was there.
    pub async fn delete(&self, user: &str, collection: &Collection, key: &str) -> Result<bool, SinkError> {
        let table = self.table(collection)?;
        let deleted: Option<String> = sqlx::query_scalar(&table.delete)
            .bind(user)
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        Ok(deleted.is_some())
    }

    /// Every stored document of `collection`, of every user, as the JSON text stored, in key
    /// order; none when nothing of it was synced yet.
    pub async fn documents(&self, collection: &Collection) -> Result<Vec<String>, SinkError> {
        let table = self.table(collection)?;
        let exists: Option<i64> = sqlx::query_scalar(DB::TABLE_EXISTS)
            .bind(table.name.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(storage)?;
        if exists.is_none() {
            return Ok(Vec::new());
        }
        sqlx::query_scalar(&table.documents)
            .fetch_all(&self.pool)
            .await
            .map_err(storage)
    }

    /// Where the export of `collection` for `user` stands.
    async fn mark(&self, user: &str, collection: &Collection) -> Result<Option<Mark>, SinkError> {
        let row: Option<(Option<String>, Option<String>)> =
            sqlx::query_as("SELECT last, through FROM oura_sync_state WHERE user_id = $1 AND collection = $2")
                .bind(user)
                .bind(collection.route)
                .fetch_optional(&self.pool)
                .await
                .map_err(storage)?;
        Ok(row.map(|(last, through)| Mark { last, through }))
    }

    /// The batch's rows and its mark, in one transaction.
    async fn store(&self, batch: Batch) -> Result<Upserted, SinkError> {
        let table = self.table(batch.collection)?;
        let mut tx = self.pool.begin_with(DB::BEGIN_WRITE).await.map_err(storage)?;
        let upserted = Self::write(&mut tx, table, &batch.user, batch.docs).await?;
        sqlx::query(&self.save_mark)
            .bind(batch.user.as_str())
            .bind(batch.collection.route)
            .bind(batch.mark.last.as_deref())
            .bind(batch.mark.through.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(storage)?;
        tx.commit().await.map_err(storage)?;
        Ok(upserted)
    }

    /// Upserts `docs` in chunks and counts the user's rows after.
    async fn write(
        conn: &mut DB::Connection,
        table: &Table,
        user: &str,
        docs: Vec<Doc>,
    ) -> Result<Upserted, SinkError> {
        let docs = last_per_key(docs);
        let mut upserted = Upserted::default();
        for (statements, chunk) in table.chunks(&docs, DB::EXACT_ROWS) {
            let (added, updated) = DB::upsert_chunk(&mut *conn, table, statements, user, chunk)
                .await
                .map_err(storage)?;
            upserted.added += added;
            upserted.updated += updated;
            upserted.unchanged += (chunk.len() as u64).saturating_sub(added + updated);
        }
        let total: i64 = sqlx::query_scalar(&table.count)
            .bind(user)
            .fetch_one(&mut *conn)
            .await
            .map_err(storage)?;
        upserted.total = u64::try_from(total).unwrap_or_default();
        Ok(upserted)
    }
}

/// The [`Sink`](super::Sink) of a backend (its futures must be `Send`, which is proven for each
/// concrete backend).
macro_rules! sink_of {
    ($db:ty) => {
        impl super::Sink for SqlSink<$db> {
            fn resume(
                &mut self,
                user: &str,
                collection: &'static Collection,
            ) -> impl Future<Output = Result<Option<Mark>, SinkError>> + Send {
                self.mark(user, collection)
            }

            fn upsert(&mut self, batch: Batch) -> impl Future<Output = Result<Upserted, SinkError>> + Send {
                self.store(batch)
            }

            async fn finish(&mut self) -> Result<(), SinkError> {
                Ok(())
            }
        }
    };
}

#[cfg(feature = "sqlite")]
sink_of!(sqlx::Sqlite);
#[cfg(feature = "postgres")]
sink_of!(sqlx::Postgres);

/// A migration list of the sync schema (versions 1001 to 1999 of `_sqlx_migrations`).
pub(super) const fn migrations(steps: &'static [(i64, &'static str, &'static str)]) -> Migrations {
    Migrations::new("sync", 1001, 1999, steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_and_positions_come_from_the_collection_table() {
        let vo2 = crate::find("vO2_max").expect("vO2_max");
        assert_eq!(table(vo2), "oura_vo2_max");
        assert_eq!(PositionColumn::of(vo2), Some(PositionColumn::Day));
        let heartrate = crate::find("heartrate").expect("heartrate");
        assert_eq!(PositionColumn::of(heartrate), Some(PositionColumn::At));
        assert_eq!(
            PositionColumn::At.value(Some("2025-06-30T01:02:03+02:00")).as_deref(),
            Some("2025-06-30T01:02:03+02:00")
        );
        assert_eq!(PositionColumn::At.value(Some("yesterday")), None);
        assert_eq!(
            PositionColumn::Day.value(Some("2025-06-30")).as_deref(),
            Some("2025-06-30")
        );
        assert_eq!(PositionColumn::Day.value(Some("2025-6-3")), None);
    }
}
