//! What the database sinks share: the table of each collection, derived from the collection
//! catalog (`oura_api_sys::catalog`: its route, its key, the type of its position field); keys
//! and positions as columns; the embedded migrations.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate};
use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::{Doc, Key, SinkError};
use crate::{Collection, RangeKind};
use oura::FieldType;

/// The sink schema's migrations take versions from 1001 up in the database's
/// `_sqlx_migrations` (the token store of `oura-ring` takes 1 to 999); each migrator ignores the
/// other's rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Embedded(pub(super) &'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
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

pub(super) async fn migrator(migrations: Embedded) -> Result<Migrator, SinkError> {
    let mut migrator = Migrator::new(migrations).await.map_err(storage)?;
    migrator.set_ignore_missing(true);
    Ok(migrator)
}

pub(super) fn storage(err: impl std::error::Error + Send + Sync + 'static) -> SinkError {
    SinkError::Storage(Box::new(err))
}

/// The table of a collection: `oura_` and its route in lower case (`oura_vo2_max`).
pub(super) fn table(collection: &Collection) -> String {
    debug_assert!(collection.route.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
    format!("oura_{}", collection.route.to_ascii_lowercase())
}

/// The column that places a document in time, if the collection has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PositionColumn {
    /// `day`: a date (day collections, placed by `day` or `start_day`).
    Day,
    /// `at`: an instant (time series, placed by `timestamp`).
    At,
}

impl PositionColumn {
    /// From the catalog: the type of the collection's position field (a date-time places a
    /// time series sample; a date, or a date-time for a day's document without one, a day).
    pub(super) fn of(collection: &Collection) -> Option<PositionColumn> {
        let field = collection.field(collection.position?)?;
        match (field.ty, collection.range) {
            (FieldType::DateTime, RangeKind::Series) => Some(PositionColumn::At),
            _ => Some(PositionColumn::Day),
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            PositionColumn::Day => "day",
            PositionColumn::At => "at",
        }
    }

    /// The column's value for a document: the day or the instant, normalized (RFC 3339 with
    /// the offset Oura wrote); `None` when the document's position is missing or not one.
    pub(super) fn value(self, position: Option<&str>) -> Option<String> {
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
pub(super) fn key_kind(key: &Key) -> &'static str {
    match key {
        Key::Id(_) => "id",
        Key::Time(_) => "time",
        Key::Content(_) => "content",
    }
}

/// The batch's documents with each key once (the last one wins), in their first order.
pub(super) fn last_per_key(docs: Vec<Doc>) -> Vec<Doc> {
    let mut index: HashMap<Key, usize> = HashMap::with_capacity(docs.len());
    let mut out: Vec<Doc> = Vec::with_capacity(docs.len());
    for doc in docs {
        match index.get(&doc.key) {
            Some(&at) => out[at] = doc,
            None => {
                index.insert(doc.key.clone(), out.len());
                out.push(doc);
            }
        }
    }
    out
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

    #[test]
    fn a_repeated_key_keeps_its_last_document() {
        let doc = |id: &str, json: &str| Doc {
            key: Key::Id(id.into()),
            position: None,
            json: json.into(),
        };
        let docs = last_per_key(vec![doc("a", "1"), doc("b", "2"), doc("a", "3")]);
        assert_eq!(docs, vec![doc("a", "3"), doc("b", "2")]);
    }
}
