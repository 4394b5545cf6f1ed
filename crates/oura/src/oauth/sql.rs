//! What the database token stores share: their embedded, versioned migrations and the mapping
//! of database errors.

use std::borrow::Cow;

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use super::TokenSet;
use crate::error::{Error, Result};

/// Token-store migrations take versions 1 to 999 of the database's `_sqlx_migrations` table;
/// other schemas sharing the database (the sync sinks) use higher versions, and each migrator
/// ignores the others' rows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Embedded(pub(super) &'static [(i64, &'static str, &'static str)]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(self) -> BoxFuture<'s, std::result::Result<Vec<Migration>, BoxDynError>> {
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

/// The migrator of `migrations`, tolerant of other schemas' versions in the same database.
pub(super) async fn migrator(migrations: Embedded) -> Result<Migrator> {
    let mut migrator = Migrator::new(migrations)
        .await
        .map_err(|err| Error::Auth(format!("the token store's migrations are invalid: {err}")))?;
    migrator.set_ignore_missing(true);
    Ok(migrator)
}

/// A database failure of the token store, without the statement's values.
pub(super) fn db_error(action: &str, err: &sqlx::Error) -> Error {
    Error::Auth(format!("the token database could not {action}: {err}"))
}

pub(super) fn migrate_error(err: &sqlx::migrate::MigrateError) -> Error {
    Error::Auth(format!("the token database could not be migrated: {err}"))
}

/// The stored JSON form of a set.
pub(super) fn to_json(tokens: &TokenSet) -> Result<String> {
    serde_json::to_string(tokens).map_err(|err| Error::Auth(format!("could not serialize the token set: {err}")))
}

/// A stored set; reports only where the JSON is broken (serde's messages may quote values).
pub(super) fn from_json(user: &str, json: &str) -> Result<TokenSet> {
    serde_json::from_str(json).map_err(|err| {
        Error::Auth(format!(
            "the stored tokens of user {user:?} are not a valid token set ({:?} error at column {})",
            err.classify(),
            err.column()
        ))
    })
}

/// The expiry column's value.
pub(super) fn expires_at(tokens: &TokenSet) -> Option<String> {
    tokens
        .expires_at
        .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
}
