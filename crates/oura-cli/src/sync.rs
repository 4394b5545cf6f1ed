//! `oura sync --database URL`: every collection into SQLite or PostgreSQL, incrementally, for the
//! logged-in user or for every user of a token store.
//!
//! With `--all-users`, users are synced concurrently within one budget: every user's client
//! spends the application's rate limiter (one, shared) and its own token's, and a shared bound
//! of `--concurrency` requests in flight holds across all users. At most `--concurrency` users
//! are in progress at once (a user in progress holds its plan and unstored pages; a user done
//! holds nothing), so a thousand users take the memory of a few. A user that fails (a revoked
//! token) is reported with its key in the store; the others go on, and the exit code says the sync is
//! incomplete.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use oura::Client;
use oura::oauth::{Authenticator, KeyedTokenStore, UserTokenStore};
use oura_sync::Report;
use oura_sync::progress::Observer;
use oura_sync::sink::{DatabaseSink, Upserted};
use tokio::sync::Semaphore;

use crate::cli::{AppArgs, Global, SyncArgs};
use crate::export::render;
use crate::failure::{Failure, code, from_oura};
use crate::profile::{self, APPLICATION, Profile};
use crate::session;

/// Runs `oura sync`.
pub async fn run(global: &Global, args: &SyncArgs) -> Result<(), Failure> {
    let options = options(args)?;
    let stop = Stop::on_ctrl_c();
    let complete = if args.all_users {
        all_users(global, args, options, &stop).await?
    } else {
        one_user(global, args, options, &stop).await?
    };
    if stop.stopped() {
        return Err(Failure::new(
            code::INTERRUPTED,
            "interrupted: what was fetched is stored; run the same command again to continue",
        ));
    }
    if !complete {
        return Err(Failure::new(
            code::INCOMPLETE,
            "the sync finished in part (see above); what was fetched is stored, run it again to continue",
        ));
    }
    Ok(())
}

fn options(args: &SyncArgs) -> Result<oura_sync::Options, Failure> {
    let today = match args.today {
        Some(today) => today,
        None => crate::clock::today()?,
    };
    let mut options = oura_sync::Options::new(today, crate::clock::end_of(today));
    if !args.collections.is_empty() {
        options.collections = args
            .collections
            .iter()
            .map(|route| {
                oura_sync::find(route.trim()).ok_or_else(|| {
                    Failure::usage(format!("unknown collection {route:?} (`oura get --help` lists them)"))
                })
            })
            .collect::<Result<_, _>>()?;
    }
    options.since = args.since;
    options.concurrency = usize::from(args.concurrency.max(1));
    Ok(options)
}

/// The logged-in user: a bar per collection on a terminal, a line per finished collection, and
/// what was stored. Whether every collection completed.
async fn one_user(
    global: &Global,
    args: &SyncArgs,
    mut options: oura_sync::Options,
    stop: &Stop,
) -> Result<bool, Failure> {
    let mut sink = connect(&args.database).await?;
    let session = session::open(global).await?;
    let info = session.client.personal_info().await?;
    // The rows are filed under Oura's id of the user (what webhook events name).
    options.user = info.id.clone();
    crate::console::note!("Syncing {}", info.id);
    let progress = Arc::new(render::Progress::sync(&options.collections));
    let observer: Arc<dyn Observer> = progress.clone();
    let (client, stop) = (session.client.clone(), stop.clone());
    let report = crate::failure::on_workers("sync", async move {
        oura_sync::run(&client, &mut sink, &options, observer, stop.wait()).await
    })
    .await?;
    progress.finish();
    let report = report.map_err(run_failure)?;
    let outcome = Outcome::of(&report);
    for (route, failure) in &outcome.failures {
        eprintln!("  {route}: failed: {failure}");
    }
    crate::console::note!("  {}", outcome.summary());
    Ok(outcome.complete)
}

/// Every user of the token store, concurrently; whether every user completed.
async fn all_users(
    global: &Global,
    args: &SyncArgs,
    mut options: oura_sync::Options,
    stop: &Stop,
) -> Result<bool, Failure> {
    let started = Instant::now();
    let clients = StoreClients::open(global, &args.app, args.token_store.as_deref().unwrap_or(&args.database)).await?;
    let users = clients.store().users().await?;
    if users.is_empty() {
        return Err(Failure::new(code::AUTH, "the token store holds no user"));
    }
    // One pool; each worker writes through its own handle on it, concurrently.
    let sink = connect(&args.database).await?;
    let concurrency = options.concurrency;
    options.in_flight = Some(Arc::new(Semaphore::new(concurrency)));
    let total = users.len();
    let board = render::Users::new(total as u64);
    let queue = Mutex::new(users.into_iter());
    let tally = Mutex::new(Tally::default());
    let next = || queue.lock().unwrap_or_else(PoisonError::into_inner).next();
    let worker = || async {
        let mut sink = sink.clone();
        while !stop.stopped() {
            let Some(user) = next() else { break };
            let progress = board.start(&user);
            let result = sync_store_user(&clients, &user, &mut sink, &options, &progress, stop).await;
            let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
            match result {
                Ok((label, outcome)) => {
                    for (route, failure) in &outcome.failures {
                        board.warn(&format!("{label}: {route}: failed: {failure}"));
                    }
                    let ending = if outcome.complete { "" } else { " (incomplete)" };
                    progress.done(&format!("{label}: {}{ending}", outcome.summary()), false);
                    tally.add(&outcome);
                }
                Err(failure) => {
                    progress.done(&format!("{user}: {}", failure.message), true);
                    tally.failed += 1;
                }
            }
        }
    };
    futures::future::join_all((0..concurrency.min(total)).map(|_| worker())).await;
    board.finish();
    let tally = tally.into_inner().unwrap_or_else(PoisonError::into_inner);
    crate::console::note!(
        "{} of {total} synced completely in {:.1} s: {}; {} documents added, {} updated, {} unchanged",
        oura_sync::progress::count(tally.complete as u64, "user"),
        started.elapsed().as_secs_f64(),
        oura_sync::progress::count(tally.requests, "request"),
        tally.upserted.added,
        tally.upserted.updated,
        tally.upserted.unchanged,
    );
    Ok(tally.complete == total)
}

/// Syncs one user of the token store (keyed `key`); its rows are filed under Oura's id of the
/// user. The user's label (`key (oura id)`) and what the sync did.
async fn sync_store_user(
    clients: &StoreClients,
    key: &str,
    sink: &mut DatabaseSink,
    options: &oura_sync::Options,
    progress: &Arc<render::User>,
    stop: &Stop,
) -> Result<(String, Outcome), Failure> {
    let client = clients.client(key)?;
    let info = {
        // The first request counts against the shared bound like the pipeline's.
        let _permit = match &options.in_flight {
            Some(in_flight) => Arc::clone(in_flight).acquire_owned().await.ok(),
            None => None,
        };
        client.personal_info().await.map_err(|err| user_failure(&err))?
    };
    let label = if info.id == key {
        info.id.clone()
    } else {
        format!("{key} ({})", info.id)
    };
    let mut options = options.clone();
    options.user = info.id;
    let observer: Arc<dyn Observer> = progress.clone();
    let report = oura_sync::run(&client, sink, &options, observer, stop.clone().wait())
        .await
        .map_err(|err| match err {
            oura_sync::Error::Api(err) => user_failure(&err),
            other => run_failure(other),
        })?;
    Ok((label, Outcome::of(&report)))
}

/// What a failed run says.
fn run_failure(err: oura_sync::Error) -> Failure {
    match err {
        oura_sync::Error::Api(err) => Failure::from(err),
        oura_sync::Error::Sink(err) => Failure::new(code::LOCAL_IO, format!("the database failed: {err}")),
        other => Failure::new(code::GENERAL, other.to_string()),
    }
}

/// What a store user's failure says: a token that no longer works is the user's to renew (by
/// authorizing the application again), not `oura login`'s.
fn user_failure(err: &oura::Error) -> Failure {
    let cause = match err {
        oura::Error::ReauthorizationRequired(reason) | oura::Error::Auth(reason) => reason.clone(),
        oura::Error::Unauthorized { .. } => "Oura rejected the access token (401)".to_owned(),
        other => return from_oura(other),
    };
    Failure::new(
        code::AUTH,
        format!("the stored tokens no longer work ({cause}): the user must authorize the application again"),
    )
}

/// What one user's sync did.
struct Outcome {
    complete: bool,
    requests: u64,
    upserted: Upserted,
    failures: Vec<(&'static str, String)>,
}

impl Outcome {
    fn of(report: &Report) -> Self {
        let mut upserted = Upserted::default();
        let mut failures = Vec::new();
        for collection in &report.collections {
            upserted.absorb(collection.upserted);
            if let Some(failure) = &collection.failure {
                failures.push((collection.collection.route, failure.to_string()));
            }
        }
        Outcome {
            complete: !report.interrupted && report.finish.is_none() && failures.is_empty(),
            requests: report.requests,
            upserted,
            failures,
        }
    }

    /// `12 requests; 30 documents added, 0 updated, 4 unchanged`.
    fn summary(&self) -> String {
        format!(
            "{} requests; {} documents added, {} updated, {} unchanged",
            self.requests, self.upserted.added, self.upserted.updated, self.upserted.unchanged
        )
    }
}

/// The sums over users.
#[derive(Default)]
struct Tally {
    complete: usize,
    failed: usize,
    requests: u64,
    upserted: Upserted,
}

impl Tally {
    fn add(&mut self, outcome: &Outcome) {
        if outcome.complete {
            self.complete += 1;
        } else {
            self.failed += 1;
        }
        self.requests += outcome.requests;
        let total = self.upserted.total;
        self.upserted.absorb(outcome.upserted);
        self.upserted.total = total + outcome.upserted.total;
    }
}

/// Ctrl-C, seen by every user's run: each stores what came in order and ends; no user starts
/// after it.
#[derive(Clone)]
struct Stop(tokio::sync::watch::Receiver<bool>);

impl Stop {
    fn on_ctrl_c() -> Stop {
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                let _ = tx.send(true);
            } else {
                // No signal handler: never stop, keep the channel open.
                std::future::pending::<()>().await;
            }
        });
        Stop(rx)
    }

    fn stopped(&self) -> bool {
        *self.0.borrow()
    }

    async fn wait(mut self) {
        if self.0.wait_for(|stopped| *stopped).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

async fn connect(url: &str) -> Result<DatabaseSink, Failure> {
    DatabaseSink::connect(url)
        .await
        .map_err(|err| Failure::new(code::LOCAL_IO, format!("cannot open the database: {err}")))
}

/// The clients of the users of a keyed token store: each refreshes its own user's tokens (and
/// stores the rotated ones), spends its own token's rate budget and the application's (one
/// limiter shared by every user's client), over the OAuth client's one connection pool.
pub struct StoreClients {
    store: Arc<dyn KeyedTokenStore>,
    oauth: oura::oauth::OAuthClient,
    base_url: Option<String>,
    application: oura::RateLimiter,
}

impl StoreClients {
    /// The users of the token store `url` (a database URL), refreshed with the application's
    /// credentials `app` (else the saved login's).
    pub async fn open(global: &Global, app: &AppArgs, url: &str) -> Result<Self, Failure> {
        let store = token_store(url).await?;
        Ok(StoreClients {
            store,
            oauth: oauth_client(app)?,
            base_url: base_url(global),
            application: oura_sync::fetch::rate_limiter(),
        })
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn KeyedTokenStore> {
        &self.store
    }

    /// The client of the store's user `key`.
    pub fn client(&self, key: &str) -> Result<Client, Failure> {
        let tokens = UserTokenStore::new(Arc::clone(&self.store), key);
        let mut builder = Authenticator::new(self.oauth.clone(), tokens)
            .client_builder()
            .application(APPLICATION)
            .retry(session::retry_policy())
            .rate_limiter(self.application.clone())
            .rate_limiter(oura_sync::fetch::rate_limiter());
        if let Some(url) = &self.base_url {
            builder = builder.base_url(url.trim());
        }
        Ok(builder.build()?)
    }
}

/// The keyed token store a database URL names.
pub async fn token_store(url: &str) -> Result<Arc<dyn KeyedTokenStore>, Failure> {
    let store: Arc<dyn KeyedTokenStore> = if url.starts_with("sqlite:") {
        Arc::new(oura::oauth::SqliteTokenStore::connect(url).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Arc::new(oura::oauth::PostgresTokenStore::connect(url).await?)
    } else {
        return Err(Failure::usage(
            "the token store must be a database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB",
        ));
    };
    Ok(store)
}

/// The application's OAuth client: the flags, else the saved login.
fn oauth_client(app: &AppArgs) -> Result<oura::oauth::OAuthClient, Failure> {
    let saved = profile::config_dir()
        .ok()
        .and_then(|dir| Profile::load(&dir).ok().flatten());
    match (&app.client_id, saved) {
        (Some(id), saved) => {
            let secret = app
                .client_secret
                .clone()
                .ok_or_else(|| Failure::usage("--client-id needs --client-secret (or OURA_CLIENT_SECRET)"))?;
            let config = oura::oauth::OAuthConfig::new(id, secret, "http://localhost/callback");
            let config = match saved {
                Some(saved) => config.with_endpoints(saved.endpoints()),
                None => config,
            };
            Ok(oura::oauth::OAuthClient::builder(config)
                .application(APPLICATION)
                .build()?)
        }
        (None, Some(saved)) => saved.oauth_client(),
        (None, None) => Err(Failure::new(
            code::AUTH,
            "the token store's users need the application's credentials (to refresh their tokens): run \
             `oura login` or pass --client-id and --client-secret",
        )),
    }
}

/// The API root: --base-url, else the saved login's.
pub fn base_url(global: &Global) -> Option<String> {
    global.base_url.clone().or_else(|| {
        profile::config_dir()
            .ok()
            .and_then(|dir| Profile::load(&dir).ok().flatten())
            .and_then(|p| p.base_url)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_users_refused_token_is_theirs_to_renew_not_oura_logins() {
        let failure = user_failure(&oura::Error::ReauthorizationRequired("invalid_grant".into()));
        assert_eq!(
            failure,
            Failure::new(
                code::AUTH,
                "the stored tokens no longer work (invalid_grant): the user must authorize the application again"
            )
        );
        assert!(failure.message.contains("authorize the application again"), "{failure}");
        assert!(!failure.message.contains("oura login"), "{failure}");
        let other = user_failure(&oura::Error::InvalidInput("bad".into()));
        assert_eq!(other, Failure::new(code::USAGE, "bad"));
    }

    #[test]
    fn the_tally_sums_users_and_counts_the_incomplete() {
        let outcome = |complete, added| Outcome {
            complete,
            requests: 3,
            upserted: Upserted {
                added,
                updated: 1,
                unchanged: 2,
                total: added + 3,
            },
            failures: Vec::new(),
        };
        let mut tally = Tally::default();
        tally.add(&outcome(true, 5));
        tally.add(&outcome(false, 7));
        assert_eq!((tally.complete, tally.failed, tally.requests), (1, 1, 6));
        assert_eq!(
            tally.upserted,
            Upserted {
                added: 12,
                updated: 2,
                unchanged: 4,
                total: 18
            }
        );
        assert_eq!(
            outcome(true, 5).summary(),
            "3 requests; 5 documents added, 1 updated, 2 unchanged"
        );
    }
}
