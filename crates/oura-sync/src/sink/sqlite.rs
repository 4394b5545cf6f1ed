//! [`SqliteSink`]: what the sink's SQL does differently in SQLite.

use sqlx::{Sqlite, SqliteConnection};
use std::fmt::Write as _;

use super::Doc;
use super::sql::{PositionColumn, SinkSql, SqlSink, Table, key_kind, migrations};
use oura::database::Migrations;

/// Synced documents in SQLite (feature `sqlite`): an [`SqlSink`] whose columns are `TEXT`
/// (`STRICT` tables), the `document` as JSON text.
///
/// The database runs in WAL mode with `synchronous = NORMAL` (a commit survives a crash of the
/// process; a power loss may cost the last batches, fetched again next run with their mark).
/// Each batch is one `BEGIN IMMEDIATE` transaction, so two runs at once take turns; its
/// documents go in multi-row `INSERT ... ON CONFLICT DO UPDATE` statements of up to 256 rows,
/// prepared once per connection.
pub type SqliteSink = SqlSink<Sqlite>;

/// Bind parameters per row: the key, its kind, the position, the document (`$1` is the user).
const PER_ROW: usize = 4;

// The largest statement stays well below SQLite's limit of bind parameters.
const _: () =
    assert!(2 + <Sqlite as SinkSql>::ROWS[0] * PER_ROW <= <Sqlite as oura::database::Dialect>::MAX_PARAMETERS);

/// The parameter number of a row's `field` (0 key, 1 kind, 2 position, 3 document).
fn param(row: usize, field: usize) -> usize {
    2 + row * PER_ROW + field
}

impl SinkSql for Sqlite {
    const MIGRATIONS: Migrations = migrations(&[
        (
            1001,
            "oura sync state",
            include_str!("../../migrations/sqlite/1001_oura_sync_state.sql"),
        ),
        (
            1002,
            "oura sync state synced_at",
            include_str!("../../migrations/sqlite/1002_oura_sync_state_synced_at.sql"),
        ),
    ]);
    // One writer at a time anyway; a second connection lets reads go on beside it.
    const CONNECTIONS: u32 = 2;
    const SERIALIZE_DDL: Option<&'static str> = None;
    const NOW: &'static str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
    const DOCUMENT_TEXT: &'static str = "document";
    // Every size is a statement of its own (each prepared once per connection); a batch is cut
    // greedily, so at most 3 statements of each smaller size follow the large ones.
    const ROWS: &'static [usize] = &[256, 64, 16, 4, 1];
    const EXACT_ROWS: bool = true;
    const DAY: &'static str = "TEXT";
    const INSTANT: &'static str = "TEXT";
    const DOCUMENT: &'static str = "TEXT";
    const TABLE_OPTIONS: &'static str = " STRICT";

    fn upsert_statements(table: &str, position: Option<PositionColumn>, rows: usize) -> Vec<String> {
        let column = position.map(|c| format!(", {}", c.name())).unwrap_or_default();
        let set = position
            .map(|c| format!(", {name} = excluded.{name}", name = c.name()))
            .unwrap_or_default();
        let mut sql = format!("INSERT INTO \"{table}\" AS t (user_id, doc_key, key_kind{column}, document) VALUES ");
        for row in 0..rows {
            let separator = if row == 0 { "" } else { ", " };
            let position = if position.is_some() {
                format!(", ${}", param(row, 2))
            } else {
                String::new()
            };
            let _ = write!(
                sql,
                "{separator}($1, ${}, ${}{position}, ${})",
                param(row, 0),
                param(row, 1),
                param(row, 3)
            );
        }
        // A row comes back only when it was inserted or its document changed.
        let _ = write!(
            sql,
            " ON CONFLICT (user_id, doc_key) DO UPDATE SET key_kind = excluded.key_kind{set}, document = excluded.document \
             WHERE t.document IS NOT excluded.document RETURNING doc_key"
        );
        // How many of the chunk's keys are stored already (run first).
        let mut present = format!("SELECT count(*) FROM \"{table}\" WHERE user_id = $1 AND doc_key IN (");
        for row in 0..rows {
            let separator = if row == 0 { "" } else { ", " };
            let _ = write!(present, "{separator}${}", param(row, 0));
        }
        present.push(')');
        vec![present, sql]
    }

    async fn upsert_chunk<'a>(
        conn: &'a mut SqliteConnection,
        table: &'a Table,
        statements: &'a [String],
        user: &'a str,
        docs: &'a [Doc],
    ) -> Result<(u64, u64), sqlx::Error> {
        let [present, upsert] = statements else {
            return Err(sqlx::Error::Protocol("the upsert needs two statements".into()));
        };
        let bind = |query: sqlx::query::Query<'a, Sqlite, sqlx::sqlite::SqliteArguments<'a>>| {
            let mut query = query.bind(user);
            for doc in docs {
                query = query
                    .bind(doc.key().stored())
                    .bind(key_kind(doc.key()))
                    .bind(table.position_of(doc))
                    .bind(doc.json());
            }
            query
        };
        // Within the batch's write transaction nobody else writes: the keys present before
        // the upsert are the ones it did not add.
        let present: i64 = {
            let query = bind(sqlx::query(present));
            let row = query.fetch_one(&mut *conn).await?;
            sqlx::Row::try_get(&row, 0)?
        };
        let written = bind(sqlx::query(upsert)).fetch_all(&mut *conn).await?.len() as u64;
        let added = docs.len() as u64 - u64::try_from(present).unwrap_or_default();
        Ok((added, written.saturating_sub(added)))
    }
}
