#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod fetch;
mod gate;
mod model;
pub mod plan;
mod position;
pub mod progress;
pub mod sink;
pub mod state;
pub mod write;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, FixedOffset, NaiveDate};
use futures::StreamExt as _;

pub use oura::{Collection, RangeKind};

use crate::fetch::{Budget, Context, Message};
use crate::gate::Gate;
use crate::plan::{Start, Unit};
use crate::progress::{Event, Observer};
use crate::sink::{Mark, Sink, SinkError, Upserted};
use crate::write::Committer;

/// Every collection the facade knows, in its order.
pub fn collections() -> Vec<&'static Collection> {
    oura::COLLECTIONS.iter().collect()
}

/// A collection by its exact route name (`daily_sleep`, `vO2_max`).
pub fn find(route: &str) -> Option<&'static Collection> {
    oura::COLLECTIONS.iter().find(|c| c.route == route)
}

/// A sync failed, or one collection of it did.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API refused or could not be reached.
    #[error(transparent)]
    Api(#[from] oura::Error),
    /// The sink could not store.
    #[error(transparent)]
    Sink(#[from] SinkError),
}

/// What to sync.
#[derive(Debug, Clone)]
pub struct Options {
    /// The collections, in the order to report them (default: every collection).
    pub collections: Vec<&'static Collection>,
    /// Fetch from this day instead of where the sink's export stands (documents the sink
    /// holds are replaced, not repeated).
    pub since: Option<NaiveDate>,
    /// The last day to fetch: the library never reads the clock, the caller says what today is.
    pub today: NaiveDate,
    /// The end of time series ranges.
    pub now: DateTime<FixedOffset>,
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// The user the documents belong to, as the sink files them (empty for a one-user sink).
    pub user: String,
    /// A bound on requests in flight shared with other runs (several users synced at once from
    /// one process): each request holds one of its permits until its page is read, on top of
    /// [`concurrency`](Self::concurrency). `None`: only `concurrency` bounds this run.
    pub in_flight: Option<Arc<tokio::sync::Semaphore>>,
}

impl Options {
    /// Every collection up to `today` and `now`, 8 requests at once.
    pub fn new(today: NaiveDate, now: DateTime<FixedOffset>) -> Self {
        Options {
            collections: collections(),
            since: None,
            today,
            now,
            concurrency: 8,
            user: String::new(),
            in_flight: None,
        }
    }
}

/// What a sync did to one collection.
#[derive(Debug)]
pub struct CollectionReport {
    /// The collection.
    pub collection: &'static Collection,
    /// What the sink did with what was fetched.
    pub upserted: Upserted,
    /// Documents the sink holds of it, when this run wrote to it.
    pub total: Option<u64>,
    /// Documents fetched.
    pub fetched: u64,
    /// Why it did not complete (what came before is stored).
    pub failure: Option<Error>,
}

/// What a sync did.
#[derive(Debug)]
pub struct Report {
    /// Per collection, in the order of [`Options::collections`].
    pub collections: Vec<CollectionReport>,
    /// Requests sent.
    pub requests: u64,
    /// The time during which requests were held back for the rate limit.
    pub waited: Duration,
    /// Whether `stop` ended it early (what was fetched in order is stored).
    pub interrupted: bool,
    /// The sink's last commit failed (the state file, for the file sink).
    pub finish: Option<SinkError>,
}

/// Syncs `options.collections` from `client` into `sink`: plans from what the sink holds,
/// fetches concurrently within the rate budget, writes in order. Ends when everything is
/// fetched, or early when `stop` completes (Ctrl-C), storing what came in order before it.
///
/// Fails as a whole only when nothing can be done: the sink cannot say what it holds, or the
/// token is refused. A collection that fails is reported in [`Report::collections`].
pub async fn run<S: Sink>(
    client: &oura::Client,
    sink: &mut S,
    options: &Options,
    observer: Arc<dyn Observer>,
    stop: impl Future<Output = ()>,
) -> Result<Report, Error> {
    let budget = Arc::new(Budget::new(client));
    let collections = &options.collections;
    let marks: Vec<Option<Mark>> = sink.resume_all(&options.user, collections).await?;
    if marks.len() != collections.len() {
        return Err(Error::Sink(SinkError::Storage(
            format!(
                "the sink answered {} marks for {} collections",
                marks.len(),
                collections.len()
            )
            .into(),
        )));
    }
    let needs_default = options.since.is_none()
        && collections
            .iter()
            .zip(&marks)
            .any(|(c, mark)| c.range != RangeKind::Whole && mark.is_none());
    let mut rings = None;
    let mut default_since = options.today;
    if needs_default && let Some(ring) = oura::COLLECTIONS.iter().find(|c| c.range == RangeKind::Whole) {
        let permit = permit(options.in_flight.as_ref()).await;
        let fetched = fetch_all(client, &budget, ring).await;
        drop(permit);
        let fetched = match fetched {
            Err(
                err @ (oura::Error::Unauthorized { .. }
                | oura::Error::ReauthorizationRequired(_)
                | oura::Error::Auth(_)),
            ) => return Err(Error::Api(err)),
            other => other,
        };
        default_since = fetched
            .as_ref()
            .ok()
            .map(|docs| {
                docs.iter()
                    .filter_map(|doc| doc.decode().ok())
                    .collect::<Vec<serde_json::Value>>()
            })
            .and_then(|rings| plan::earliest_setup(&rings))
            .unwrap_or(plan::FALLBACK_SINCE);
        rings = Some((ring, fetched));
    }

    let mut units: Vec<Unit> = Vec::new();
    let mut committers = Vec::with_capacity(collections.len());
    for (slot, (collection, mark)) in collections.iter().zip(marks).enumerate() {
        let start = Start::choose(options.since, mark.as_ref(), default_since);
        let planned = plan::units(slot, collection, start, options.today, options.now);
        let through = planned.last().and_then(|u| match u.span {
            plan::Span::Days { end, .. } => Some(end.to_string()),
            plan::Span::Series { end, .. } => Some(end.to_rfc3339()),
            plan::Span::Whole => None,
        });
        observer.event(&Event::Planned {
            collection,
            days: planned.iter().map(|u| u.days).sum(),
        });
        committers.push(Committer::new(collection, planned.len(), mark, through));
        units.extend(planned);
    }
    // Ring configurations fetched for the default start are not asked for again.
    if let Some((ring, Ok(docs))) = &rings
        && let Some(slot) = collections.iter().position(|c| c == ring)
    {
        observer.event(&Event::Fetched {
            collection: ring,
            documents: docs.len() as u64,
            days: 1,
        });
        committers[slot].docs(0, docs.clone());
        committers[slot].done(0, Ok(()));
        units.retain(|u| u.slot != slot);
    }
    plan::schedule(&mut units);
    let floors = fetch::floors(&units);

    let stopped = Arc::new(AtomicBool::new(false));
    let context = Arc::new(Context {
        client: client.clone(),
        budget: Arc::clone(&budget),
        observer: Arc::clone(&observer),
        failed: collections.iter().map(|_| AtomicBool::new(false)).collect(),
        stop: Arc::clone(&stopped),
        gate: Gate::new(options.concurrency, fetch::planned_pages(&units, &floors)),
        in_flight: options.in_flight.clone(),
        paces: collections.iter().map(|_| AtomicU64::new(0)).collect(),
    });
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Message>();
    let interrupt = Arc::new(tokio::sync::Notify::new());
    let fetching = {
        let interrupt = Arc::clone(&interrupt);
        let stopped = Arc::clone(&stopped);
        async move {
            // Every unit waits at the gate, which lets the most urgent request go each time a
            // slot frees: a unit holds a slot for one request, not for its whole chain.
            let tasks: Vec<_> = units
                .into_iter()
                .zip(floors)
                .enumerate()
                .map(|(order, (unit, floor))| {
                    let context = Arc::clone(&context);
                    let tx = tx.clone();
                    tokio::spawn(async move { fetch::run_unit(&context, unit, order, floor, &tx).await })
                })
                .collect();
            drop(tx);
            let work = async {
                for task in tasks {
                    let _ = task.await;
                }
            };
            let interrupted = tokio::select! {
                () = work => false,
                () = stop => true,
            };
            if interrupted {
                stopped.store(true, Ordering::SeqCst);
                interrupt.notify_one();
            }
            interrupted
        }
    };
    let writing = async {
        // Collections are stored at the same time when the sink gives handles for it (each
        // collection's batches still one after another, in order); else one after another.
        let mut stores = futures::stream::FuturesUnordered::new();
        let mut storing = vec![false; committers.len()];
        let mut receiving = true;
        loop {
            for (slot, committer) in committers.iter_mut().enumerate() {
                if storing[slot] {
                    continue;
                }
                // Once nothing more can arrive, what is in order is stored whatever its size.
                let batch = if !receiving || committer.wants_flush() {
                    committer.take_batch(&options.user, !receiving)
                } else {
                    None
                };
                let Some(taken) = batch else { continue };
                match sink.concurrent() {
                    Some(mut handle) => {
                        storing[slot] = true;
                        stores.push(async move { (slot, store(&mut handle, taken).await) });
                    }
                    None => {
                        let result = store(sink, taken).await;
                        stored(committer, result, &*observer);
                    }
                }
            }
            if !receiving && stores.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                Some((slot, result)) = stores.next(), if !stores.is_empty() => {
                    storing[slot] = false;
                    stored(&mut committers[slot], result, &*observer);
                }
                message = rx.recv(), if receiving => match message {
                    Some(message) => {
                        take(&mut committers, message);
                    }
                    None => receiving = false,
                },
                () = interrupt.notified(), if receiving => {
                    // Take what already arrived, then stop.
                    while let Ok(message) = rx.try_recv() {
                        take(&mut committers, message);
                    }
                    receiving = false;
                }
            }
        }
        sink.finish().await.err()
    };
    let (interrupted, finish) = tokio::select! {
        done = async { tokio::join!(fetching, writing) } => done,
        () = budget.watch(&*observer) => unreachable!("the watch never ends"),
    };
    let collections = committers
        .into_iter()
        .map(|c| {
            observer.event(&Event::Finished {
                collection: c.collection,
                failed: c.failure.is_some(),
            });
            CollectionReport {
                collection: c.collection,
                upserted: c.upserted,
                total: c.total,
                fetched: c.fetched,
                failure: c.failure,
            }
        })
        .collect();
    Ok(Report {
        collections,
        requests: budget.requests(),
        waited: budget.waited(),
        interrupted,
        finish,
    })
}

/// A permit of the shared bound on requests in flight, when there is one (a closed semaphore
/// bounds nothing).
pub(crate) async fn permit(
    in_flight: Option<&Arc<tokio::sync::Semaphore>>,
) -> Option<tokio::sync::OwnedSemaphorePermit> {
    Arc::clone(in_flight?).acquire_owned().await.ok()
}

/// Makes a taken batch ready ([`Taken::into_batch`](write::Taken::into_batch)) and stores it.
async fn store<S: Sink>(sink: &mut S, taken: write::Taken) -> Result<Upserted, SinkError> {
    sink.upsert(taken.into_batch().await?).await
}

/// Records what the sink did with a collection's batch, and tells the observer.
fn stored(committer: &mut Committer, result: Result<Upserted, SinkError>, observer: &dyn Observer) {
    let collection = committer.collection;
    if let Some(upserted) = committer.stored(result) {
        observer.event(&Event::Stored { collection, upserted });
    }
}

/// Hands a message to its collection's committer; returns the collection's slot.
fn take(committers: &mut [Committer], message: Message) -> usize {
    match message {
        Message::Docs { slot, unit, docs } => {
            committers[slot].docs(unit, docs);
            slot
        }
        Message::Done { slot, unit, result } => {
            committers[slot].done(unit, result.map_err(Error::Api));
            slot
        }
    }
}

/// Every document of a collection, paced.
async fn fetch_all(
    client: &oura::Client,
    budget: &Budget,
    collection: &'static Collection,
) -> oura::Result<Vec<oura::RawDocument>> {
    let mut pages = fetch::pages(client, collection, plan::Span::Whole)?;
    let mut docs = Vec::new();
    loop {
        match budget.next_page(&mut pages).await {
            None => return Ok(docs),
            Some(Err(err)) => return Err(err),
            Some(Ok(page)) => docs.extend(page.data),
        }
    }
}
