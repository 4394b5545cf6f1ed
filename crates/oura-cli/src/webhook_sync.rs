//! `oura webhooks serve --sync URL`: each verified event's document upserted into (or deleted
//! from) the database `oura sync` writes, so it stays current without polling.

use oura::webhooks::{EventDocument, WebhookEvent};
use oura_sync::sink::{DatabaseSink, Doc};
use tokio::sync::Mutex;

use crate::cli::Global;
use crate::failure::{Failure, code};
use crate::session::{self, Session};

/// The database and the session that fetches the events' documents.
pub struct WebhookSync {
    session: Session,
    sink: Mutex<DatabaseSink>,
}

impl WebhookSync {
    /// Opens the database `url` and the logged-in session (whose token fetches the documents).
    pub async fn open(global: &Global, url: &str) -> Result<Self, Failure> {
        let session = session::open(global).await?;
        let sink = DatabaseSink::connect(url)
            .await
            .map_err(|err| Failure::new(code::LOCAL_IO, format!("cannot open the database: {err}")))?;
        Ok(WebhookSync {
            session,
            sink: Mutex::new(sink),
        })
    }

    /// Fetches the event's document and upserts it, or deletes it (a delete event, or the
    /// document is gone). Returns what it did, for the log.
    pub async fn apply(&self, event: &WebhookEvent) -> Result<String, String> {
        let route = event.route();
        let collection = oura_sync::find(route).ok_or_else(|| format!("no collection {route:?}"))?;
        let document = event
            .fetch(&self.session.client)
            .await
            .map_err(|err| format!("fetching {route} {}: {err}", event.object_id))?;
        let mut sink = self.sink.lock().await;
        match document {
            EventDocument::Found(value) => {
                let upserted = sink
                    .put(&event.user_id, collection, Doc::of(collection, &value))
                    .await
                    .map_err(|err| format!("storing {route} {}: {err}", event.object_id))?;
                let what = if upserted.added > 0 {
                    "added"
                } else if upserted.updated > 0 {
                    "updated"
                } else {
                    "unchanged"
                };
                Ok(format!("{route} {} {what}", event.object_id))
            }
            EventDocument::Deleted => {
                let existed = sink
                    .delete(&event.user_id, collection, &event.object_id)
                    .await
                    .map_err(|err| format!("deleting {route} {}: {err}", event.object_id))?;
                Ok(format!(
                    "{route} {} {}",
                    event.object_id,
                    if existed { "deleted" } else { "already absent" }
                ))
            }
        }
    }
}
