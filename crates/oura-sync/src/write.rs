//! Stage 3, write: per collection, the documents of its units in order, as batches for the
//! [`Sink`](crate::sink::Sink).
//!
//! Units finish in any order. A collection's documents are handed to the sink only as the
//! contiguous prefix of its units that is complete (unit 0, then 1, ...), so the mark stored
//! with them never claims a position past a gap. Documents are buffered until
//! [`FLUSH_DOCS`] are waiting, the collection is complete, or it failed (what came before the
//! failure is kept).

use std::collections::{BTreeMap, BTreeSet};

use oura::RawDocument;

use crate::Collection;
use crate::position::latest;
use crate::sink::{Batch, Doc, Mark, SinkError, Upserted};

/// Documents buffered for a collection before they are written even though more are coming.
pub const FLUSH_DOCS: usize = 50_000;

/// A batch taken from a committer: its pages as they came, and the mark to store with them.
#[derive(Debug)]
pub(crate) struct Taken {
    user: String,
    collection: &'static Collection,
    pages: Vec<Vec<RawDocument>>,
    count: usize,
    mark: Mark,
}

impl Taken {
    /// The batch for the sink: the documents made [`Doc`]s in one pass into a vector of their
    /// number (the pages' documents are not copied on the way).
    pub fn batch(self) -> Batch {
        let mut docs = Vec::with_capacity(self.count);
        for page in self.pages {
            docs.extend(page.into_iter().map(Doc::from_raw));
        }
        Batch {
            user: self.user,
            collection: self.collection,
            docs,
            mark: self.mark,
        }
    }

    /// [`batch`](Self::batch) on a blocking thread when it is large: keying its documents does
    /// not hold up the runtime's worker, which reads the answers meanwhile. Fails only when the
    /// runtime is shutting down (nothing is stored then, and the next run fetches it again).
    pub async fn into_batch(self) -> Result<Batch, SinkError> {
        const SMALL: usize = 1000;
        if self.count < SMALL {
            return Ok(self.batch());
        }
        tokio::task::spawn_blocking(move || self.batch())
            .await
            .map_err(|err| match err.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(err) => SinkError::Storage(format!("the batch could not be made: {err}").into()),
            })
    }
}

/// One collection's writing, as the writer sees it.
#[derive(Debug)]
pub(crate) struct Committer {
    pub collection: &'static Collection,
    units: usize,
    head: usize,
    pending: BTreeMap<usize, Vec<Vec<RawDocument>>>,
    done: BTreeSet<usize>,
    /// The documents to write next, as the pages brought them (made [`Doc`]s once, into the
    /// batch, when written).
    buffer: Vec<Vec<RawDocument>>,
    buffered: usize,
    failed_at: Option<usize>,
    pub failure: Option<crate::Error>,
    pub upserted: Upserted,
    /// Documents the sink holds of the collection (as far as this run knows).
    pub total: Option<u64>,
    mark: Mark,
    /// Where the fetch ends, recorded once every unit is done.
    through_target: Option<String>,
    finalized: bool,
    pub fetched: u64,
}

impl Committer {
    pub fn new(
        collection: &'static Collection,
        units: usize,
        mark: Option<Mark>,
        through_target: Option<String>,
    ) -> Self {
        Committer {
            collection,
            units,
            head: 0,
            pending: BTreeMap::new(),
            done: BTreeSet::new(),
            buffer: Vec::new(),
            buffered: 0,
            failed_at: None,
            failure: None,
            upserted: Upserted::default(),
            total: None,
            mark: mark.unwrap_or_default(),
            through_target,
            finalized: false,
            fetched: 0,
        }
    }

    fn complete(&self) -> bool {
        self.head >= self.units && self.failed_at.is_none()
    }

    fn accepts(&self, unit: usize) -> bool {
        self.failed_at.is_none_or(|at| unit < at)
    }

    pub fn docs(&mut self, unit: usize, docs: Vec<RawDocument>) {
        if !self.accepts(unit) {
            return;
        }
        self.fetched += docs.len() as u64;
        if unit == self.head {
            self.buffered += docs.len();
            self.buffer.push(docs);
        } else {
            self.pending.entry(unit).or_default().push(docs);
        }
    }

    pub fn done(&mut self, unit: usize, result: Result<(), crate::Error>) {
        if !self.accepts(unit) {
            return;
        }
        match result {
            Ok(()) => {
                self.done.insert(unit);
                while self.done.remove(&self.head) {
                    self.head += 1;
                    if let Some(pages) = self.pending.remove(&self.head) {
                        self.buffered += pages.iter().map(Vec::len).sum::<usize>();
                        self.buffer.extend(pages);
                    }
                }
            }
            Err(failure) => {
                self.failed_at = Some(unit);
                self.failure = Some(failure);
                self.pending.retain(|&u, _| u < unit);
                self.done.retain(|&u| u < unit);
            }
        }
    }

    pub fn wants_flush(&self) -> bool {
        (self.complete() && !self.finalized) || self.wants_flush_buffer()
    }

    /// The batch to write now, if any: the buffer, and once every unit is done the end of the
    /// range (a batch without documents for a collection that has none). Its documents are
    /// made ready for the sink by [`Taken::batch`], off the runtime's workers if the caller
    /// likes ([`Taken::into_batch`]).
    pub fn take_batch(&mut self, user: &str, at_end: bool) -> Option<Taken> {
        let finalizing = self.complete() && !self.finalized;
        if finalizing {
            self.finalized = true;
            if self.through_target.is_some() {
                self.mark.through.clone_from(&self.through_target);
            }
        }
        if self.buffered == 0 && !finalizing {
            return None;
        }
        if !finalizing && !at_end && !self.wants_flush_buffer() {
            return None;
        }
        let pages = std::mem::take(&mut self.buffer);
        let count = std::mem::take(&mut self.buffered);
        self.mark.last = latest(
            self.mark.last.take(),
            pages.iter().flatten().filter_map(RawDocument::position_text),
        );
        Some(Taken {
            user: user.to_owned(),
            collection: self.collection,
            pages,
            count,
            mark: self.mark.clone(),
        })
    }

    fn wants_flush_buffer(&self) -> bool {
        self.buffered > 0 && (self.buffered >= FLUSH_DOCS || self.failed_at == Some(self.head))
    }

    /// Records what the sink did with a batch (or why it could not).
    pub fn stored(&mut self, result: Result<Upserted, SinkError>) -> Option<Upserted> {
        match result {
            Ok(upserted) => {
                self.upserted.absorb(upserted);
                self.total = Some(upserted.total);
                Some(upserted)
            }
            Err(err) => {
                self.failed_at = Some(self.head.min(self.failed_at.unwrap_or(usize::MAX)));
                self.failure.get_or_insert(crate::Error::Sink(err));
                self.pending.clear();
                self.buffer.clear();
                self.buffered = 0;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(day: &str) -> RawDocument {
        RawDocument::new(sleep(), format!("{{\"id\":\"{day}\",\"day\":\"{day}\"}}")).expect("json")
    }

    fn sleep() -> &'static Collection {
        crate::find("daily_sleep").expect("collection")
    }

    #[test]
    fn only_the_contiguous_prefix_of_units_is_written() {
        let mut c = Committer::new(sleep(), 3, None, Some("2025-06-30".into()));
        c.docs(1, vec![doc("2025-06-02")]);
        c.done(1, Ok(()));
        assert!(c.take_batch("", false).is_none(), "unit 0 is not done");
        c.docs(0, vec![doc("2025-06-01")]);
        c.done(0, Ok(()));
        c.docs(2, vec![doc("2025-06-03")]);
        c.done(2, Ok(()));
        assert!(c.wants_flush());
        let batch = c.take_batch("u", false).expect("batch").batch();
        let days: Vec<_> = batch
            .docs
            .iter()
            .map(|d| d.position().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(days, ["2025-06-01", "2025-06-02", "2025-06-03"]);
        assert_eq!(
            batch.mark,
            Mark {
                last: Some("2025-06-03".into()),
                through: Some("2025-06-30".into())
            }
        );
        assert_eq!(batch.user, "u");
        assert!(c.take_batch("u", true).is_none(), "nothing more");
    }

    #[test]
    fn a_failure_keeps_what_came_before_it_and_no_range_end() {
        let mut c = Committer::new(sleep(), 3, None, Some("2025-06-30".into()));
        c.docs(0, vec![doc("2025-06-01")]);
        c.done(0, Ok(()));
        c.docs(2, vec![doc("2025-06-20")]);
        c.done(2, Ok(()));
        c.done(1, Err(crate::Error::Api(oura::Error::InvalidInput("boom".into()))));
        let batch = c.take_batch("", true).expect("batch").batch();
        assert_eq!(batch.docs.len(), 1);
        assert_eq!(batch.mark.through, None, "the range did not complete");
        assert!(c.failure.is_some());
    }

    #[test]
    fn a_collection_without_documents_still_records_where_its_range_ended() {
        let mut c = Committer::new(sleep(), 1, None, Some("2025-06-30".into()));
        c.done(0, Ok(()));
        let batch = c.take_batch("", false).expect("batch").batch();
        assert!(batch.docs.is_empty());
        assert_eq!(batch.mark.through.as_deref(), Some("2025-06-30"));
    }
}
