//! Where synced documents go: the [`Sink`] trait, and the file sinks ([`FileSink`]: NDJSON and
//! CSV files in a directory).
//!
//! A sink receives [`Batch`]es: documents of one collection of one user, keyed (the `id`, or
//! the timestamp for time series), in the order of their positions, together with the
//! [`Mark`] that says where the export stands once the batch is stored. A sink stores the rows
//! and the mark *together*: a database in one transaction; the file sink by reading and keying
//! every file before it appends to it, so that a mark older than the file (or none) can never
//! make a document appear twice.
//!
//! A database sink implements the same trait: `upsert` is `INSERT ... ON CONFLICT (user,
//! collection, key) DO UPDATE`, with the mark written in the same transaction, and `resume`
//! reads the mark back.

mod csv;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod database;
mod file;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;

pub use self::csv::{CsvOptions, guard_cell, parse_csv};
pub(crate) use self::file::replace_with;
pub use self::file::{FileFormat, FileSink, FileSinkOptions, LOCK_FILE, OTHER_COLUMN, TMP_MARK, csv_header, csv_line};

#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use self::database::DatabaseSink;
#[cfg(feature = "postgres")]
pub use self::postgres::PostgresSink;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub use self::sql::SqlSink;
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteSink;
use crate::Collection;

/// A document's identity within its collection: what an upsert matches on. Keys hash, compare
/// and are stored as their [`KeyRef`]s.
#[derive(Debug, Clone)]
pub enum Key {
    /// The document's `id`.
    Id(String),
    /// The position (RFC 3339 timestamp) of a time series sample, which has no id; one instant
    /// at offset zero is one key whichever way it is written ([`KeyRef::Time`]).
    Time(String),
    /// Neither: the document's compact JSON text itself.
    Content(String),
}

impl Key {
    /// The key of a document from its id and position texts (either may be empty), else its
    /// whole text.
    pub fn new(id: &str, position: &str, whole: impl FnOnce() -> String) -> Key {
        match KeyRef::new(id, position, "") {
            KeyRef::Content(_) => Key::Content(whole()),
            key => key.to_key(),
        }
    }

    /// The key, borrowed: hashes and compares like this one.
    pub fn borrowed(&self) -> KeyRef<'_> {
        match self {
            Key::Id(text) => KeyRef::Id(text),
            Key::Time(text) => KeyRef::Time(text),
            Key::Content(text) => KeyRef::Content(text),
        }
    }

    /// The key's text, without its kind.
    pub fn as_str(&self) -> &str {
        match self {
            Key::Id(text) | Key::Time(text) | Key::Content(text) => text,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.borrowed().fmt(f)
    }
}

/// A document's [`Key`], borrowed from the document ([`Doc::key`]): a document read from a
/// page holds no copy of its key's text.
///
/// Keys hash and compare as their [`stored`](Self::stored) texts: a time key at offset zero
/// as `+00:00`, however written.
#[derive(Debug, Clone, Copy)]
pub enum KeyRef<'a> {
    /// The document's `id`.
    Id(&'a str),
    /// The position (RFC 3339 timestamp) of a time series sample, which has no id. Oura writes
    /// an instant at offset zero `+00:00`; chrono and others write `Z`, and `-00:00` is the
    /// same instant too: all three are one key (a file written from `Z` samples, then fed
    /// `+00:00` ones, holds each sample once).
    Time(&'a str),
    /// Neither: the document's compact JSON text itself.
    Content(&'a str),
}

impl<'a> KeyRef<'a> {
    /// The key of a document from its id and position texts (either may be empty), else its
    /// whole text (as [`Key::new`]).
    pub fn new(id: &'a str, position: &'a str, whole: &'a str) -> KeyRef<'a> {
        if !id.is_empty() {
            KeyRef::Id(id)
        } else if !position.is_empty() {
            KeyRef::Time(position)
        } else {
            KeyRef::Content(whole)
        }
    }

    /// The key's text, without its kind, as the document wrote it.
    pub fn as_str(self) -> &'a str {
        match self {
            KeyRef::Id(text) | KeyRef::Time(text) | KeyRef::Content(text) => text,
        }
    }

    /// The key's text as it is matched and stored: [`as_str`](Self::as_str), but for a time
    /// key at offset zero written `Z`, `z` or `-00:00`, which is written `+00:00` (a copy only
    /// then).
    pub fn stored(self) -> Cow<'a, str> {
        match self {
            KeyRef::Time(text) => match zero_offset_body(text) {
                Some(body) => Cow::Owned(format!("{body}+00:00")),
                None => Cow::Borrowed(text),
            },
            KeyRef::Id(text) | KeyRef::Content(text) => Cow::Borrowed(text),
        }
    }

    fn kind(self) -> u8 {
        match self {
            KeyRef::Id(_) => 0,
            KeyRef::Time(_) => 1,
            KeyRef::Content(_) => 2,
        }
    }

    /// The key, owned.
    pub fn to_key(self) -> Key {
        match self {
            KeyRef::Id(text) => Key::Id(text.to_owned()),
            KeyRef::Time(text) => Key::Time(text.to_owned()),
            KeyRef::Content(text) => Key::Content(text.to_owned()),
        }
    }
}

/// The text of an instant at offset zero written otherwise than `+00:00` (`Z`, `z`, `-00:00`),
/// without its offset.
fn zero_offset_body(text: &str) -> Option<&str> {
    // Read from the end: Oura's `+00:00` is told apart at once (every key is hashed through
    // this).
    let bytes = text.as_bytes();
    let offset = match bytes.last()? {
        b'Z' | b'z' => 1,
        b'0' if bytes.ends_with(b"-00:00") => 6,
        _ => return None,
    };
    let body = &text[..text.len() - offset];
    // A date and a time before it (`2024-01-01T00:00:00`, 19 characters at least).
    (body.len() >= 19 && matches!(body.as_bytes()[10], b'T' | b't' | b' ')).then_some(body)
}

impl PartialEq for KeyRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.kind() == other.kind() && (self.as_str() == other.as_str() || self.stored() == other.stored())
    }
}

impl Eq for KeyRef<'_> {}

impl std::hash::Hash for KeyRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u8(self.kind());
        self.stored().hash(state);
    }
}

impl PartialOrd for KeyRef<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for KeyRef<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.kind()
            .cmp(&other.kind())
            .then_with(|| self.stored().cmp(&other.stored()))
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Self) -> bool {
        self.borrowed() == other.borrowed()
    }
}

impl Eq for Key {}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.borrowed().hash(state);
    }
}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.borrowed().cmp(&other.borrowed())
    }
}

impl fmt::Display for KeyRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyRef::Id(id) => write!(f, "id {id}"),
            KeyRef::Time(at) => write!(f, "timestamp {at}"),
            KeyRef::Content(_) => f.write_str("content"),
        }
    }
}

/// One document, ready for a sink: its key, its position and its compact JSON text.
///
/// A document read from a raw page ([`Doc::from_raw`]) keeps its text where Oura sent it, in
/// the page's body, shared with the page's other documents rather than copied, and its key is
/// read from that text: such a document is five words, and owns no memory of its own.
#[derive(Clone)]
pub struct Doc {
    body: Body,
}

#[derive(Clone)]
enum Body {
    /// Text of its own (boxed: rare, and a document stays the size of a raw one).
    Owned(Box<Owned>),
    /// Oura's text, compact as sent, within its page; keyed by its id or position.
    Raw(oura::RawDocument),
}

#[derive(Clone)]
struct Owned {
    key: Key,
    json: String,
    position: Option<String>,
}

impl Doc {
    /// A document from its parts: `json` must be compact JSON (keys in the order Oura sent
    /// them), `position` the text of its position field (a day `2024-01-31` or an RFC 3339
    /// instant).
    pub fn new(key: Key, position: Option<String>, json: String) -> Doc {
        Doc {
            body: Body::Owned(Box::new(Owned { key, json, position })),
        }
    }

    /// The document `value` of `collection`: keyed by its `id`, else by its position (time
    /// series samples have no id), else by its whole text; its text, id and position read as a
    /// fetched document's are ([`Doc::from_raw`]).
    pub fn of(collection: &Collection, value: &serde_json::Value) -> Doc {
        let json = value.to_string();
        // A value's text is one JSON value: its head is read (but for a text of 4 GiB or more,
        // known by itself).
        let (id, position) = match oura::DocumentHead::read(collection, &json) {
            Ok(head) => (
                head.id().unwrap_or_default().to_owned(),
                head.position_text().map(str::to_owned),
            ),
            Err(_) => (String::new(), None),
        };
        let key = Key::new(&id, position.as_deref().unwrap_or_default(), || json.clone());
        Doc::new(key, position, json)
    }

    /// The raw document `raw`, as the facade's raw pages carry it
    /// ([`oura::raw_pages_by_route`]): the same as [`Doc::of`] its decoded value, without
    /// decoding it. Its text is the one Oura sent, left in its page (copied and compacted only
    /// if it was not compact), its id and position the ones the facade read from it.
    pub fn from_raw(raw: oura::RawDocument) -> Doc {
        if raw.is_compact() {
            return Doc { body: Body::Raw(raw) };
        }
        let json = raw.compact_text().into_owned();
        let position = raw.position_text().map(str::to_owned);
        let key = Key::new(
            raw.id().unwrap_or_default(),
            position.as_deref().unwrap_or_default(),
            || json.clone(),
        );
        Doc::new(key, position, json)
    }

    /// Its identity: what an upsert matches on.
    pub fn key(&self) -> KeyRef<'_> {
        match &self.body {
            Body::Owned(owned) => owned.key.borrowed(),
            Body::Raw(raw) => KeyRef::new(
                raw.id().unwrap_or_default(),
                raw.position_text().unwrap_or_default(),
                raw.text(),
            ),
        }
    }

    /// Keys the document by `key` instead of what it was keyed by (a sink that knows documents
    /// by another identity, as the CSV file sink knows documents keyed by their content by
    /// their record).
    pub fn set_key(&mut self, key: Key) {
        match &mut self.body {
            Body::Owned(owned) => owned.key = key,
            Body::Raw(raw) => {
                let position = raw.position_text().map(str::to_owned);
                *self = Doc::new(key, position, raw.text().to_owned());
            }
        }
    }

    /// The document as compact JSON, keys in the order Oura sent them.
    pub fn json(&self) -> &str {
        match &self.body {
            Body::Owned(owned) => &owned.json,
            Body::Raw(raw) => raw.text(),
        }
    }

    /// Where it lies in time, as Oura wrote it: a day (`2024-01-31`) or an RFC 3339 instant.
    pub fn position(&self) -> Option<&str> {
        match &self.body {
            Body::Owned(owned) => owned.position.as_deref(),
            Body::Raw(raw) => raw.position_text(),
        }
    }
}

/// The documents with each key once: a key seen twice keeps its last version, at its first
/// place. The usual batch has no key twice and is handed back as it is.
pub(crate) fn last_per_key(docs: Vec<Doc>) -> Vec<Doc> {
    let slots: Vec<usize> = {
        let mut at: std::collections::HashMap<KeyRef<'_>, usize, foldhash::fast::RandomState> =
            std::collections::HashMap::with_capacity_and_hasher(docs.len(), Default::default());
        docs.iter()
            .map(|doc| {
                let next = at.len();
                *at.entry(doc.key()).or_insert(next)
            })
            .collect()
    };
    if slots.iter().enumerate().all(|(i, &slot)| i == slot) {
        return docs;
    }
    let mut out: Vec<Option<Doc>> = Vec::new();
    for (doc, slot) in docs.into_iter().zip(slots) {
        if slot == out.len() {
            out.push(Some(doc));
        } else {
            out[slot] = Some(doc);
        }
    }
    out.into_iter().flatten().collect()
}

impl PartialEq for Doc {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key() && self.position() == other.position() && self.json() == other.json()
    }
}

impl fmt::Debug for Doc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Doc")
            .field("key", &self.key())
            .field("position", &self.position())
            .field("json", &self.json())
            .finish()
    }
}

/// Where the export of one collection stands: stored with the rows it describes, and read back
/// to know where the next run starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mark {
    /// The position of the latest document stored (a day or an RFC 3339 instant).
    pub last: Option<String>,
    /// The end of the range fetched completely (a day or an instant): where a collection without
    /// documents starts next time.
    pub through: Option<String>,
}

/// Documents of one collection of one user, to be upserted, and the mark to commit with them.
#[derive(Debug, Clone)]
pub struct Batch {
    /// The user the documents belong to (an empty string when a sink holds one user only).
    pub user: String,
    /// The collection.
    pub collection: &'static Collection,
    /// The documents, in order of position; a key may appear more than once (the last wins).
    pub docs: Vec<Doc>,
    /// Where the export stands once these documents are stored. A batch may have no documents
    /// and only move the mark.
    pub mark: Mark,
}

/// What one upsert did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    /// Documents the sink did not hold before.
    pub added: u64,
    /// Documents it held whose content changed.
    pub updated: u64,
    /// Documents it held unchanged.
    pub unchanged: u64,
    /// Documents of the collection it holds after.
    pub total: u64,
}

impl Upserted {
    /// Adds the counts of a later upsert (the total is the later one's).
    pub fn absorb(&mut self, later: Upserted) {
        self.added += later.added;
        self.updated += later.updated;
        self.unchanged += later.unchanged;
        self.total = later.total;
    }
}

/// A sink failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// A local file or directory could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, naming the path.
        what: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The destination names a file, not a directory.
    #[error("{} is a file, not a directory", path.display())]
    NotADirectory {
        /// The path.
        path: std::path::PathBuf,
    },
    /// Another export holds the destination's lock.
    #[error("another export is writing to {} (it holds {}); wait for it to finish", dir.display(), file::LOCK_FILE)]
    Locked {
        /// The directory.
        dir: std::path::PathBuf,
    },
    /// Another failure of the sink's storage (a database error, for example).
    #[error("{0}")]
    Storage(Box<dyn std::error::Error + Send + Sync>),
}

impl SinkError {
    /// An I/O error while doing `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        SinkError::Io {
            what: what.into(),
            source,
        }
    }
}

/// Storage for synced documents (files, a database).
///
/// The pipeline calls [`resume`](Sink::resume) once per collection before it fetches, then
/// [`upsert`](Sink::upsert) with batches of each collection in order, then
/// [`finish`](Sink::finish) once, also after an interruption or a failure.
///
/// Contract: an upsert is idempotent (the same batch twice stores each document once), and the
/// mark is committed with the rows: after a crash at any moment, the sink holds each document
/// at most once and its mark never claims more than the rows it holds.
pub trait Sink: Send + 'static {
    /// Where the export of `collection` for `user` stands, or `None` if the sink holds nothing
    /// of it.
    fn resume(
        &mut self,
        user: &str,
        collection: &'static Collection,
    ) -> impl Future<Output = Result<Option<Mark>, SinkError>> + Send;

    /// [`resume`](Sink::resume) of each of `collections`, in their order. A sink that answers
    /// them all at once (the file sink: one blocking task instead of one per collection)
    /// overrides it.
    fn resume_all(
        &mut self,
        user: &str,
        collections: &[&'static Collection],
    ) -> impl Future<Output = Result<Vec<Option<Mark>>, SinkError>> + Send {
        async move {
            let mut marks = Vec::with_capacity(collections.len());
            for collection in collections {
                marks.push(self.resume(user, collection).await?);
            }
            Ok(marks)
        }
    }

    /// Stores the batch's documents (insert or replace by key) and its mark, together.
    fn upsert(&mut self, batch: Batch) -> impl Future<Output = Result<Upserted, SinkError>> + Send;

    /// Commits whatever is pending (the file sink's state file).
    fn finish(&mut self) -> impl Future<Output = Result<(), SinkError>> + Send;

    /// Another handle on this sink, to store a batch of another collection while this one
    /// stores one, when the sink can (the file sink can: each file has its own lock). `None`,
    /// the default, has the batches stored one after another.
    fn concurrent(&self) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(route: &str, text: &str) -> oura::RawDocument {
        oura::RawDocument::new(find(route), text).expect("json")
    }

    fn find(route: &str) -> &'static Collection {
        crate::find(route).expect("collection")
    }

    #[test]
    fn a_time_key_at_offset_zero_is_one_key_however_written() {
        let hash = |key: KeyRef<'_>| std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::with_seed(1), key);
        let plus = KeyRef::Time("2025-06-30T23:55:00+00:00");
        for other in [
            "2025-06-30T23:55:00Z",
            "2025-06-30T23:55:00z",
            "2025-06-30T23:55:00-00:00",
        ] {
            let same = KeyRef::Time(other);
            assert_eq!(same, plus, "{other}");
            assert_eq!(hash(same), hash(plus), "{other}");
            assert_eq!(same.cmp(&plus), std::cmp::Ordering::Equal, "{other}");
            assert_eq!(same.stored(), "2025-06-30T23:55:00+00:00");
            assert_eq!(same.as_str(), other, "shown as written");
            assert_eq!(same.to_key(), plus.to_key());
            assert_eq!(hash(same.to_key().borrowed()), hash(plus));
        }
        assert!(matches!(plus.stored(), Cow::Borrowed(_)), "Oura's form is not copied");
        // Other instants, other offsets (the same instant elsewhere stays its own key), ids and
        // texts that only end alike are compared as written.
        for other in [
            KeyRef::Time("2025-06-30T23:50:00Z"),
            KeyRef::Time("2025-07-01T01:55:00+02:00"),
            KeyRef::Id("2025-06-30T23:55:00Z"),
            KeyRef::Content("2025-06-30T23:55:00Z"),
        ] {
            assert_ne!(other, plus, "{other:?}");
        }
        assert_ne!(KeyRef::Id("aZ"), KeyRef::Id("a+00:00"));
        assert_eq!(KeyRef::Time("Z").stored(), "Z", "not an instant");
        assert_eq!(KeyRef::Id("2025-06-30T23:55:00Z").stored(), "2025-06-30T23:55:00Z");
        // Order: by kind, then by the stored text.
        assert!(KeyRef::Time("2025-06-30T23:50:00Z") < plus);
        assert!(KeyRef::Id("z") < KeyRef::Time("0"));
    }

    #[test]
    fn a_raw_document_is_the_same_doc_as_its_decoded_value() {
        let cases = [
            (
                "daily_sleep",
                r#"{"id":"s1","day":"2024-01-31","score":80,"contributors":{"deep_sleep":90}}"#,
            ),
            (
                "heartrate",
                r#"{"bpm":60,"source":"awake","timestamp":"2024-01-31T10:00:00+00:00"}"#,
            ),
            (
                "enhanced_tag",
                r#"{"id":"t","tag_type_code":"x","start_day":"2024-02-29","comment":"a b\tc"}"#,
            ),
            ("ring_configuration", r#"{"id":"r","color":"silver"}"#),
            ("daily_sleep", r#"{"id":null,"day":"2024-01-31"}"#),
            ("daily_sleep", r#"{"id":"","score":1}"#),
            ("daily_sleep", r#"{"id":42,"day":"2024-01-31"}"#),
        ];
        for (route, text) in cases {
            let collection = find(route);
            let value: serde_json::Value = serde_json::from_str(text).expect("json");
            assert_eq!(Doc::from_raw(raw(route, text)), Doc::of(collection, &value), "{text}");
        }
        // A time series sample is keyed by its timestamp, a document without id or position
        // by its text.
        let sample = Doc::from_raw(raw("heartrate", cases[1].1));
        assert_eq!(sample.key(), KeyRef::Time("2024-01-31T10:00:00+00:00"));
        let bare = Doc::from_raw(raw("daily_sleep", cases[5].1));
        assert_eq!(bare.key(), KeyRef::Content(cases[5].1));
        // Its key is read from its text, not copied: a document is five words.
        assert_eq!(size_of::<Doc>(), 40);
    }

    #[test]
    fn a_key_set_on_a_raw_document_replaces_the_one_read_from_it() {
        let mut doc = Doc::from_raw(raw("daily_sleep", r#"{"score":1}"#));
        assert_eq!(doc.key(), KeyRef::Content(r#"{"score":1}"#));
        doc.set_key(Key::Content("1".into()));
        assert_eq!(doc.key(), KeyRef::Content("1"));
        assert_eq!(doc.json(), r#"{"score":1}"#);
        let mut owned = Doc::new(Key::Id("a".into()), Some("2024-01-31".into()), "{}".into());
        owned.set_key(Key::Id("b".into()));
        assert_eq!((owned.key(), owned.position()), (KeyRef::Id("b"), Some("2024-01-31")));
    }

    #[test]
    fn a_repeated_key_keeps_its_last_document_at_its_first_place() {
        let doc = |id: &str, json: &str| Doc::new(Key::Id(id.into()), None, json.into());
        let docs = last_per_key(vec![
            doc("a", "1"),
            doc("b", "2"),
            doc("a", "3"),
            doc("c", "4"),
            doc("b", "5"),
        ]);
        assert_eq!(docs, vec![doc("a", "3"), doc("b", "5"), doc("c", "4")]);
        let distinct = vec![doc("a", "1"), doc("b", "2")];
        assert_eq!(last_per_key(distinct.clone()), distinct);
        // Keys of raw documents, read from their text, match owned keys of the same kind.
        let raw_a = Doc::from_raw(raw("daily_sleep", r#"{"id":"a","day":"2024-01-31"}"#));
        assert_eq!(last_per_key(vec![doc("a", "1"), raw_a.clone()]), vec![raw_a]);
    }

    #[test]
    fn whitespace_outside_strings_is_left_out_and_kept_inside_them() {
        let spaced = "{ \"id\" : \"a\",\n\t\"note\": \"x y\\\" z\" ,\r\n \"list\": [1, 2] }";
        let doc = Doc::from_raw(raw("daily_sleep", spaced));
        assert_eq!(doc.json(), r#"{"id":"a","note":"x y\" z","list":[1,2]}"#);
        let value: serde_json::Value = serde_json::from_str(spaced).expect("json");
        assert_eq!(doc.json(), value.to_string());
        assert_eq!(doc.key(), KeyRef::Id("a"));
        // Compact text is kept as it is, spaces inside strings included.
        let compact_text = r#"{"id":"a","note":"x y"}"#;
        assert_eq!(Doc::from_raw(raw("daily_sleep", compact_text)).json(), compact_text);
    }
}
