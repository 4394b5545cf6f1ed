//! `oura sync --database URL`: every collection into SQLite or PostgreSQL, incrementally, for the
//! logged-in user or for every user of a token store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use oura::Client;
use oura::oauth::{Authenticator, KeyedTokenStore, UserTokenStore};
use oura_sync::progress::{Event, Observer};
use oura_sync::sink::{DatabaseSink, Upserted};

use crate::cli::{AppArgs, Global, SyncArgs};
use crate::failure::{Failure, code};
use crate::profile::{self, APPLICATION, Profile};
use crate::session;

/// Runs `oura sync`.
pub async fn run(global: &Global, args: &SyncArgs) -> Result<(), Failure> {
    let mut options = options(args)?;
    let mut sink = DatabaseSink::connect(&args.database)
        .await
        .map_err(|err| Failure::new(code::LOCAL_IO, format!("cannot open the database: {err}")))?;
    let mut failed = false;
    if args.all_users {
        let store = token_store(args.token_store.as_deref().unwrap_or(&args.database)).await?;
        let users = store.users().await?;
        if users.is_empty() {
            return Err(Failure::new(code::AUTH, "the token store holds no user"));
        }
        let oauth = oauth_client(&args.app)?;
        let base_url = base_url(global);
        for user in users {
            let authenticator = Authenticator::new(oauth.clone(), UserTokenStore::new(Arc::clone(&store), &user));
            let mut builder = authenticator
                .client_builder()
                .application(APPLICATION)
                .retry(session::retry_policy());
            if let Some(url) = &base_url {
                builder = builder.base_url(url.trim());
            }
            let client = builder.build()?;
            match sync_user(&client, &mut sink, &mut options, &user).await {
                Ok(ok) => failed |= !ok,
                Err(failure) => {
                    eprintln!("{user}: {}", failure.message);
                    failed = true;
                }
            }
        }
    } else {
        let session = session::open(global).await?;
        failed = !sync_user(&session.client, &mut sink, &mut options, "").await?;
    }
    if failed {
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
    options.concurrency = args.concurrency.max(1);
    Ok(options)
}

/// Syncs one user; the rows are filed under Oura's id of the user (what webhook events name).
/// Whether every collection completed.
async fn sync_user(
    client: &Client,
    sink: &mut DatabaseSink,
    options: &mut oura_sync::Options,
    label: &str,
) -> Result<bool, Failure> {
    let info = client.personal_info().await?;
    options.user = info.id.clone();
    let shown = if label.is_empty() {
        info.id.clone()
    } else {
        format!("{label} ({})", info.id)
    };
    eprintln!("Syncing {shown}");
    let progress = Arc::new(Progress::default());
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = oura_sync::run(client, sink, options, Arc::clone(&progress) as Arc<dyn Observer>, stop)
        .await
        .map_err(|err| match err {
            oura_sync::Error::Api(err) => Failure::from(err),
            oura_sync::Error::Sink(err) => Failure::new(code::LOCAL_IO, format!("the database failed: {err}")),
            other => Failure::new(code::GENERAL, other.to_string()),
        })?;
    let mut complete = !report.interrupted && report.finish.is_none();
    for collection in &report.collections {
        if let Some(failure) = &collection.failure {
            eprintln!("  {}: failed: {failure}", collection.collection.route);
            complete = false;
        }
    }
    let total: Upserted = progress.total();
    eprintln!(
        "  {} requests; {} documents added, {} updated, {} unchanged",
        report.requests, total.added, total.updated, total.unchanged
    );
    Ok(complete)
}

/// One line per finished collection on stderr.
#[derive(Default)]
struct Progress {
    stored: Mutex<HashMap<&'static str, Upserted>>,
}

impl Progress {
    fn total(&self) -> Upserted {
        let stored = self.stored.lock().unwrap_or_else(PoisonError::into_inner);
        let mut total = Upserted::default();
        for upserted in stored.values() {
            total.absorb(*upserted);
        }
        total
    }
}

impl Observer for Progress {
    fn event(&self, event: &Event) {
        match event {
            Event::Stored { collection, upserted } => {
                self.stored
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(collection.route)
                    .or_default()
                    .absorb(*upserted);
            }
            Event::Finished { collection, failed } => {
                let done = self
                    .stored
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(collection.route)
                    .copied()
                    .unwrap_or_default();
                eprintln!(
                    "  {:<26} {} +{} ~{} ({} stored)",
                    collection.route,
                    if *failed { "failed" } else { "done  " },
                    done.added,
                    done.updated,
                    done.total
                );
            }
            _ => {}
        }
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
            "--all-users needs the application's credentials: run `oura login` or pass --client-id and --client-secret",
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
