//! [`DatabaseSink`]: the SQLite or PostgreSQL sink a database URL names.

use super::{Batch, Doc, Mark, Sink, SinkError, Upserted};
use crate::Collection;

/// The sink of a database URL: `sqlite://PATH` (created if missing) or
/// `postgres://USER@HOST:PORT/DB` (each behind its feature).
///
/// Clones share the connection pool: one sink serves several users' syncs at once (each
/// batch is its own transaction).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum DatabaseSink {
    /// SQLite.
    #[cfg(feature = "sqlite")]
    Sqlite(super::SqliteSink),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(super::PostgresSink),
}

/// Calls `$method` on whichever sink it is.
macro_rules! each {
    ($sink:expr, $inner:ident => $call:expr) => {
        match $sink {
            #[cfg(feature = "sqlite")]
            DatabaseSink::Sqlite($inner) => $call,
            #[cfg(feature = "postgres")]
            DatabaseSink::Postgres($inner) => $call,
        }
    };
}

impl DatabaseSink {
    /// Opens the database `url` names, by its scheme.
    pub async fn connect(url: &str) -> Result<Self, SinkError> {
        let scheme = url.split_once(':').map(|(scheme, _)| scheme).unwrap_or_default();
        match scheme {
            #[cfg(feature = "sqlite")]
            "sqlite" => Ok(DatabaseSink::Sqlite(super::SqliteSink::connect(url).await?)),
            #[cfg(feature = "postgres")]
            "postgres" | "postgresql" => Ok(DatabaseSink::Postgres(super::PostgresSink::connect(url).await?)),
            _ => Err(SinkError::Storage(
                format!(
                    "unsupported database URL scheme {scheme:?}: expected {}",
                    [
                        #[cfg(feature = "sqlite")]
                        "sqlite://PATH",
                        #[cfg(feature = "postgres")]
                        "postgres://USER@HOST:PORT/DB",
                    ]
                    .join(" or ")
                )
                .into(),
            )),
        }
    }

    /// Inserts or replaces one document of `user`, leaving the export's state alone.
    pub async fn put(&mut self, user: &str, collection: &Collection, doc: Doc) -> Result<Upserted, SinkError> {
        each!(self, sink => sink.put(user, collection, doc).await)
    }

    /// Every stored document of `collection`, of every user, as the JSON text stored.
    pub async fn documents(&self, collection: &Collection) -> Result<Vec<String>, SinkError> {
        each!(self, sink => sink.documents(collection).await)
    }

    /// Deletes the document of `user` with this key text (an id); whether it was there.
    pub async fn delete(&mut self, user: &str, collection: &Collection, key: &str) -> Result<bool, SinkError> {
        each!(self, sink => sink.delete(user, collection, key).await)
    }
}

impl Sink for DatabaseSink {
    async fn resume(&mut self, user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        each!(self, sink => sink.resume(user, collection).await)
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        each!(self, sink => sink.upsert(batch).await)
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        each!(self, sink => sink.finish().await)
    }
}
