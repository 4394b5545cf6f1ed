//! [`PostgresSink`]: what the sink's SQL does differently in PostgreSQL.

use std::borrow::Cow;

use sqlx::{PgConnection, Postgres};

use super::Doc;
use super::sql::{PositionColumn, SinkSql, SqlSink, Table, key_kind, migrations};
use oura::database::Migrations;

/// Synced documents in PostgreSQL (feature `postgres`): an [`SqlSink`] whose day is a `DATE`,
/// instant a `TIMESTAMPTZ`, and `document` a `JSONB`.
///
/// A batch's documents go in chunks of up to 2000 as arrays through `UNNEST`, one statement
/// each, prepared once per connection.
pub type PostgresSink = SqlSink<Postgres>;

impl SinkSql for Postgres {
    const MIGRATIONS: Migrations = migrations(&[
        (
            1001,
            "oura sync state",
            include_str!("../../migrations/postgres/1001_oura_sync_state.sql"),
        ),
        (
            1002,
            "oura sync state synced_at",
            include_str!("../../migrations/postgres/1002_oura_sync_state_synced_at.sql"),
        ),
    ]);
    // Batches of several users commit side by side.
    const CONNECTIONS: u32 = 8;
    const SERIALIZE_DDL: Option<&'static str> = Some("SELECT pg_advisory_xact_lock(7232060313529137)");
    const NOW: &'static str = "now()";
    const DOCUMENT_TEXT: &'static str = "document::text";
    // Arrays of any length up to this: one statement.
    const ROWS: &'static [usize] = &[2000];
    const EXACT_ROWS: bool = false;
    const DAY: &'static str = "date";
    const INSTANT: &'static str = "timestamptz";
    const DOCUMENT: &'static str = "JSONB";
    const TABLE_OPTIONS: &'static str = "";

    fn upsert_statements(table: &str, position: Option<PositionColumn>, _rows: usize) -> Vec<String> {
        let (column, value, set) = match position {
            Some(c) => (
                format!(", {}", c.name()),
                format!(", position::{}", c.sql_type::<Self>()),
                format!(", {name} = excluded.{name}", name = c.name()),
            ),
            None => Default::default(),
        };
        // Rows come back only when inserted (xmax = 0) or changed: the rest were equal.
        vec![format!(
            "INSERT INTO \"{table}\" AS t (user_id, doc_key, key_kind{column}, document) \
             SELECT $1, doc_key, key_kind{value}, document::jsonb \
             FROM UNNEST($2::text[], $3::text[], $4::text[], $5::text[]) AS i(doc_key, key_kind, position, document) \
             ON CONFLICT (user_id, doc_key) DO UPDATE SET key_kind = excluded.key_kind{set}, document = excluded.document \
             WHERE t.document IS DISTINCT FROM excluded.document \
             RETURNING (xmax = 0) AS inserted"
        )]
    }

    async fn upsert_chunk<'a>(
        conn: &'a mut PgConnection,
        table: &'a Table,
        statements: &'a [String],
        user: &'a str,
        docs: &'a [Doc],
    ) -> Result<(u64, u64), sqlx::Error> {
        let [upsert] = statements else {
            return Err(sqlx::Error::Protocol("the upsert needs one statement".into()));
        };
        let keys: Vec<Cow<'_, str>> = docs.iter().map(|d| d.key().stored()).collect();
        let kinds: Vec<&str> = docs.iter().map(|d| key_kind(d.key())).collect();
        let positions: Vec<Option<String>> = docs.iter().map(|d| table.position_of(d)).collect();
        let documents: Vec<&str> = docs.iter().map(Doc::json).collect();
        let returned: Vec<bool> = sqlx::query_scalar(upsert)
            .bind(user)
            .bind(keys)
            .bind(kinds)
            .bind(positions)
            .bind(documents)
            .fetch_all(conn)
            .await?;
        let added = returned.iter().filter(|inserted| **inserted).count() as u64;
        Ok((added, returned.len() as u64 - added))
    }
}
