//! `oura webhooks serve --sync URL`: each verified event's document upserted into (or deleted
//! from) the database `oura sync` writes, so it stays current without polling.
//!
//! Whose token fetches a document: with `--token-store`, the event's own user's (events carry
//! Oura's `user_id`); without it, the logged-in user's for every event. A store keyed by Oura's
//! user ids (what `oura sync` files rows under) is read directly; for a store keyed otherwise,
//! each stored user's id is asked of Oura once, when an event names a user not yet known. An
//! event of a user the store does not hold is logged and skipped, and answered 200 like every
//! verified delivery (the receiver answers before the event is applied): a non-2xx answer
//! would only make Oura deliver it again, and it cannot succeed until the user authorizes the
//! application; the next `oura sync --all-users` then catches up.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use oura::Client;
use oura::webhooks::{EventDocument, WebhookEvent};
use oura_sync::sink::{DatabaseSink, Doc};
use tokio::sync::Mutex;

use crate::cli::{AppArgs, Global, ServeArgs};
use crate::failure::{Failure, code};
use crate::session::{self, Session};
use crate::sync::StoreClients;

/// The database and the clients that fetch the events' documents.
pub struct WebhookSync {
    users: Users,
    sink: Mutex<DatabaseSink>,
}

/// Whose token fetches an event's document.
enum Users {
    /// The logged-in user's, for every event.
    LoggedIn(Session),
    /// The event's user's, from a keyed token store.
    Store(Box<StoreUsers>),
}

/// The clients of a token store's users, by Oura's user id, made as events name them.
struct StoreUsers {
    clients: StoreClients,
    known: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    /// Oura's user id → the user's client.
    clients: HashMap<String, Client>,
    /// Store keys whose user is known (in `clients`).
    keys: HashSet<String>,
    /// Store keys whose user could not be told (a refused token): not asked again before then.
    retry: HashMap<String, Instant>,
}

/// How long a store user whose id could not be asked of Oura is left alone.
const RETRY_AFTER: Duration = Duration::from_secs(600);

impl StoreUsers {
    /// The client of Oura's user `user_id`, or `None` when the store does not hold the user.
    async fn client_of(&self, user_id: &str) -> Result<Option<Client>, String> {
        let mut known = self.known.lock().await;
        if let Some(client) = known.clients.get(user_id) {
            return Ok(Some(client.clone()));
        }
        let store = self.clients.store();
        // A store keyed by Oura's user ids: the event names the key.
        let direct = store
            .load_user(user_id)
            .await
            .map_err(|err| format!("reading the token store: {err}"))?;
        if direct.is_some() {
            let client = self.clients.client(user_id).map_err(|f| f.message)?;
            known.keys.insert(user_id.to_owned());
            known.clients.insert(user_id.to_owned(), client.clone());
            return Ok(Some(client));
        }
        // Otherwise ask Oura who each stored user not known yet is.
        let keys = store
            .users()
            .await
            .map_err(|err| format!("reading the token store: {err}"))?;
        for key in keys {
            if known.keys.contains(&key) || known.retry.get(&key).is_some_and(|at| at.elapsed() < RETRY_AFTER) {
                continue;
            }
            let client = self.clients.client(&key).map_err(|f| f.message)?;
            match client.personal_info().await {
                Ok(info) => {
                    known.retry.remove(&key);
                    known.keys.insert(key);
                    known.clients.insert(info.id, client);
                }
                Err(err) => {
                    eprintln!("sync: cannot tell which Oura user the token store's {key:?} is: {err}");
                    known.retry.insert(key, Instant::now());
                }
            }
        }
        Ok(known.clients.get(user_id).cloned())
    }
}

impl WebhookSync {
    /// Opens the database `url` and what fetches the documents: the users of
    /// `--token-store`, else the logged-in session.
    pub async fn open(global: &Global, args: &ServeArgs, url: &str) -> Result<Self, Failure> {
        let users = match &args.token_store {
            Some(store) => {
                let app = AppArgs {
                    client_id: args.client_id.clone(),
                    client_secret: args.client_secret.clone(),
                };
                Users::Store(Box::new(StoreUsers {
                    clients: StoreClients::open(global, &app, store).await?,
                    known: Mutex::new(Known::default()),
                }))
            }
            None => Users::LoggedIn(session::open(global).await?),
        };
        let sink = DatabaseSink::connect(url)
            .await
            .map_err(|err| Failure::new(code::LOCAL_IO, format!("cannot open the database: {err}")))?;
        Ok(WebhookSync {
            users,
            sink: Mutex::new(sink),
        })
    }

    /// Fetches the event's document with its user's client and upserts it under that user, or
    /// deletes it (a delete event, or the document is gone). Returns what it did, for the log.
    pub async fn apply(&self, event: &WebhookEvent) -> Result<String, String> {
        let route = event.route();
        let collection = oura_sync::find(route).ok_or_else(|| format!("no collection {route:?}"))?;
        let document = if event.event_type == oura::models::WebhookOperation::Delete {
            // Nothing to fetch, so whoever the user is, the row goes.
            EventDocument::Deleted
        } else {
            let client = match &self.users {
                Users::LoggedIn(session) => session.client.clone(),
                Users::Store(users) => match users.client_of(&event.user_id).await? {
                    Some(client) => client,
                    None => {
                        return Ok(format!(
                            "{route} {} skipped: the token store holds no user {}",
                            event.object_id, event.user_id
                        ));
                    }
                },
            };
            event
                .fetch(&client)
                .await
                .map_err(|err| format!("fetching {route} {}: {err}", event.object_id))?
        };
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
