//! The file sink: one file per collection in a directory, NDJSON or CSV.
//!
//! Every write replaces the file: a temporary file, created exclusively (`create_new`) under an
//! unpredictable name beside it, is written, flushed to disk and renamed over the old one, so
//! the file on disk is always whole. The directory is flushed once before the state file is
//! saved (which names the files), not after every file. The first time a run touches
//! a file it reads it and keys every document in it (the id, or the timestamp of a time series
//! sample), whatever the state file says: a batch whose keys are all new is appended (the old
//! bytes copied as they are), any other batch is merged (documents with a known key replaced in
//! place). A document the file holds as it is (its key and its text) is left out of the batch,
//! and a file left nothing new is not written at all (an incremental run fetches its last day
//! again). No document is ever written twice.
//!
//! The directory is locked for the life of the sink (an advisory lock on `.oura-export.lock`):
//! a second sink on it fails at once with [`SinkError::Locked`].
//!
//! Files are created with mode `0600` (owner read and write only: this is health data) unless
//! [`FileSinkOptions::mode`] says otherwise; the mode is applied whatever the umask.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead as _, BufReader, BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::csv::{self, CsvOptions};
use super::{Batch, Doc, Key, KeyRef, Mark, Sink, SinkError, Upserted};
use crate::Collection;
use crate::position::{Latest, latest};
use crate::state::{self, Entry, State};

/// The temporary files of the sink contain this in their name.
pub const TMP_MARK: &str = ".oura-tmp-";

/// The lock file's name.
pub const LOCK_FILE: &str = ".oura-export.lock";

/// The trailing CSV column holding, as one compact JSON object, the fields of a document that
/// its collection's model does not describe (fields Oura added after this crate was built).
/// Empty when there are none.
pub const OTHER_COLUMN: &str = "_other";

/// Maps of keys: hashed with foldhash, several times faster than std's SipHash on keys this
/// short (ids, timestamps), and seeded at random like it.
type KeyMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Fingerprints of keys: a key hashed once, with foldhash under a seed drawn for the sink.
///
/// A file's index holds its keys' prints, not the keys: a batch none of whose prints the file
/// holds is appended; a batch that shares one (a key the file holds, or, once in some 10^9
/// exports, two keys with one print) is merged, which compares the keys themselves. A
/// collision costs a merge, never a document.
///
/// A line's text has a print too, of 128 bits (two hashes under two more seeds): a fetched
/// document whose key and text have the prints of a line the file holds is that line, unchanged,
/// and the file is not rewritten for it (two texts share a print once in some 10^38 comparisons).
#[derive(Debug, Clone, Default)]
struct Prints {
    keys: foldhash::fast::RandomState,
    texts: [foldhash::fast::RandomState; 2],
}

impl Prints {
    fn of(&self, key: KeyRef<'_>) -> u64 {
        std::hash::BuildHasher::hash_one(&self.keys, key)
    }

    fn of_text(&self, text: &str) -> u128 {
        let [high, low] = self
            .texts
            .each_ref()
            .map(|seed| std::hash::BuildHasher::hash_one(seed, text));
        (u128::from(high) << 64) | u128::from(low)
    }
}

/// A set of prints, hashed to themselves (a print is a seeded hash already).
type PrintSet = HashSet<u64, std::hash::BuildHasherDefault<PrintHasher>>;

/// The prints of lines' texts by their keys' prints.
type TextPrints = HashMap<u64, u128, std::hash::BuildHasherDefault<PrintHasher>>;

#[derive(Debug, Default)]
struct PrintHasher(u64);

impl std::hash::Hasher for PrintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (a set of `u64`); this keeps any other use well defined.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, print: u64) {
        self.0 = print;
    }
}

/// How often the state file is saved while a sink is written to (and once at the end).
const STATE_EVERY: Duration = Duration::from_secs(1);

/// The format of the files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    /// One JSON document per line, as Oura sent it.
    Ndjson,
    /// A header row (the collection's fields, then [`OTHER_COLUMN`]) and one row per document;
    /// nested values as compact JSON.
    Csv,
}

impl FileFormat {
    /// The file name of a collection: `daily_sleep.ndjson`, `heartrate.csv`.
    pub fn file_name(self, collection: &Collection) -> String {
        match self {
            FileFormat::Ndjson => format!("{}.ndjson", collection.route),
            FileFormat::Csv => format!("{}.csv", collection.route),
        }
    }
}

/// How the file sink writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSinkOptions {
    /// NDJSON or CSV.
    pub format: FileFormat,
    /// The permission bits of the files it creates (Unix; default `0o600`).
    pub mode: u32,
    /// How CSV cells are written.
    pub csv: CsvOptions,
}

impl Default for FileSinkOptions {
    fn default() -> Self {
        FileSinkOptions {
            format: FileFormat::Ndjson,
            mode: 0o600,
            csv: CsvOptions::default(),
        }
    }
}

/// NDJSON or CSV files in a directory, one per collection, plus the state file
/// ([`state::FILE`]) and the lock file ([`LOCK_FILE`]).
///
/// Clones are handles on the same sink: batches of different collections are stored at the same
/// time (each file has its own lock; the state file is shared).
#[derive(Debug, Clone)]
pub struct FileSink {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    options: FileSinkOptions,
    saved: Mutex<Saved>,
    files: Mutex<HashMap<&'static str, Arc<Mutex<Index>>>>,
    prints: Prints,
    notes: Vec<String>,
    _lock: File,
}

/// The state file, and whether it is behind what the files hold.
#[derive(Debug)]
struct Saved {
    state: State,
    dirty: bool,
    saved_at: Instant,
}

/// What a file holds, read once per run.
#[derive(Debug, Default)]
struct Index {
    /// The prints of the keys the file holds ([`Prints`]).
    prints: PrintSet,
    /// The prints of the texts of the NDJSON lines read from the file, by their keys' prints
    /// (none for lines this run wrote: a document the run sees again is merged, as before).
    texts: TextPrints,
    total: u64,
    last: Option<String>,
    exists: bool,
    /// CSV: the file's header is the one this sink writes (else the next write rewrites it).
    header_ok: bool,
}

impl FileSink {
    /// Opens `dir` for writing: creates it if needed, locks it, checks that files can be
    /// created in it, removes temporary files an interrupted run left, and reads the state.
    /// Everything that can fail about the destination fails here, before anything is fetched.
    pub fn open(dir: impl Into<PathBuf>, options: FileSinkOptions) -> Result<FileSink, SinkError> {
        let dir = dir.into();
        if let Ok(meta) = fs::metadata(&dir)
            && !meta.is_dir()
        {
            return Err(SinkError::NotADirectory { path: dir });
        }
        fs::create_dir_all(&dir).map_err(|err| SinkError::io(format!("cannot create {}", dir.display()), err))?;
        let lock = lock(&dir, options.mode)?;
        remove_stale_temporaries(&dir).map_err(|err| SinkError::io(format!("cannot read {}", dir.display()), err))?;
        // A file can be created and removed: the destination is writable.
        let (probe, _) = create_temp(&dir, "probe", options.mode)
            .map_err(|err| SinkError::io(format!("cannot write in {}", dir.display()), err))?;
        let _ = fs::remove_file(probe);
        let mut notes = Vec::new();
        let state = match State::load(&dir) {
            Ok(state) => state,
            Err(state::LoadError::Damaged(reason)) => {
                notes.push(format!(
                    "{} in {} is damaged ({reason}); it is rebuilt from the files",
                    state::FILE,
                    dir.display()
                ));
                State::default()
            }
            Err(state::LoadError::Io(err)) => {
                return Err(SinkError::io(
                    format!("cannot read {}", dir.join(state::FILE).display()),
                    err,
                ));
            }
        };
        Ok(FileSink {
            inner: Arc::new(Inner {
                dir,
                options,
                saved: Mutex::new(Saved {
                    state,
                    dirty: false,
                    saved_at: Instant::now(),
                }),
                files: Mutex::new(HashMap::new()),
                prints: Prints::default(),
                notes,
                _lock: lock,
            }),
        })
    }

    /// Things worth telling the user that did not stop the sink (a damaged state file).
    pub fn notes(&self) -> Vec<String> {
        self.inner.notes.clone()
    }

    /// The directory.
    pub fn dir(&self) -> PathBuf {
        self.inner.dir.clone()
    }

    /// The file name of `collection` in this sink.
    pub fn file_name(&self, collection: &Collection) -> String {
        self.inner.options.format.file_name(collection)
    }

    /// Documents of `collection` in its file, if this run has read or written it.
    pub fn documents(&self, collection: &Collection) -> Option<u64> {
        let index = guard(&self.inner.files).ok()?.get(collection.route).cloned()?;
        let index = guard(&index).ok()?;
        index.exists.then_some(index.total)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Inner) -> Result<T, SinkError> + Send + 'static,
    ) -> Result<T, SinkError> {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|err| SinkError::Storage(format!("the file sink's task failed: {err}").into()))?
    }
}

/// A lock of the sink's, or an error if a panic poisoned it.
fn guard<T>(mutex: &Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, SinkError> {
    mutex
        .lock()
        .map_err(|_| SinkError::Storage("the file sink was poisoned by a panic".into()))
}

impl Sink for FileSink {
    async fn resume(&mut self, _user: &str, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        self.blocking(move |inner| inner.resume(collection)).await
    }

    async fn resume_all(
        &mut self,
        _user: &str,
        collections: &[&'static Collection],
    ) -> Result<Vec<Option<Mark>>, SinkError> {
        let collections = collections.to_vec();
        self.blocking(move |inner| collections.iter().map(|c| inner.resume(c)).collect())
            .await
    }

    async fn upsert(&mut self, batch: Batch) -> Result<Upserted, SinkError> {
        self.blocking(move |inner| inner.upsert(batch)).await
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        self.blocking(|inner| inner.save(true)).await
    }

    fn concurrent(&self) -> Option<Self> {
        // Under the pause hook, files are written one at a time, so that a pause stops the
        // process's writing at that moment, as a crash would.
        (!pause_hook_set()).then(|| self.clone())
    }
}

impl Inner {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// What `collection`'s file holds: read the first time it is asked for.
    fn index(&self, collection: &'static Collection) -> Result<Arc<Mutex<Index>>, SinkError> {
        let mut files = guard(&self.files)?;
        if let Some(index) = files.get(collection.route) {
            return Ok(Arc::clone(index));
        }
        let name = self.options.format.file_name(collection);
        let path = self.path(&name);
        let index = match self.options.format {
            FileFormat::Ndjson => scan_ndjson(&path, collection, &self.prints),
            FileFormat::Csv => scan_csv(&path, collection, &self.prints),
        }
        .map_err(|err| SinkError::io(format!("cannot read {}", path.display()), err))?;
        let index = Arc::new(Mutex::new(index));
        files.insert(collection.route, Arc::clone(&index));
        Ok(index)
    }

    fn resume(&self, collection: &'static Collection) -> Result<Option<Mark>, SinkError> {
        let name = self.options.format.file_name(collection);
        let through = guard(&self.saved)?
            .state
            .files
            .get(&name)
            .and_then(|e| e.through.clone());
        let index = self.index(collection)?;
        let index = guard(&index)?;
        if !index.exists {
            return Ok(None);
        }
        // The file is the truth about what it holds; the state only adds where an empty
        // range ended.
        let mark = Mark {
            last: index.last.clone(),
            through,
        };
        Ok((mark.last.is_some() || mark.through.is_some()).then_some(mark))
    }

    fn upsert(&self, batch: Batch) -> Result<Upserted, SinkError> {
        let collection = batch.collection;
        let name = self.options.format.file_name(collection);
        let path = self.path(&name);
        let (format, mode, csv_options) = (self.options.format, self.options.mode, self.options.csv);
        let dir = &self.dir;
        // The file's lock is held while it is replaced: one writer a file, any number of files.
        let index = self.index(collection)?;
        let mut index = guard(&index)?;
        let index = &mut *index;
        let mut docs = batch.docs;
        if format == FileFormat::Csv {
            // A document keyed by its content is known in a CSV file by its record.
            let header = csv_header(collection);
            for doc in &mut docs {
                if matches!(doc.key(), KeyRef::Content(_)) {
                    let line = csv_row(doc.json(), &header, csv_options)
                        .map_err(|err| SinkError::io(format!("cannot write {}", path.display()), err))?;
                    doc.set_key(Key::Content(line));
                }
            }
        }
        // A batch of new keys only (none twice, none the file holds), the usual one, is appended:
        // its prints are claimed in the index at once, and given back if the write fails.
        let printed: Vec<u64> = docs.iter().map(|doc| self.prints.of(doc.key())).collect();
        let mut append = index.header_ok && claim(&mut index.prints, &printed);
        let mut unchanged = 0;
        let (rows, prints) = if append {
            (docs, printed)
        } else {
            let (rows, prints) = unique(docs, printed, &self.prints);
            // What the file holds as it is needs no writing (an incremental run fetches its
            // last day again); a key twice in the batch, and none the file holds: appended once.
            let (rows, prints, same) = without_unchanged(rows, prints, &index.texts, &self.prints);
            unchanged = same;
            append = index.header_ok && claim(&mut index.prints, &prints);
            (rows, prints)
        };
        let what = |err| SinkError::io(format!("cannot write {}", path.display()), err);
        let written = match (format, append) {
            // Nothing new for a file that exists: it stays as it is, in this sink's mode.
            (_, true) if rows.is_empty() && index.exists => keep_mode(&path, mode).map(|()| Upserted {
                total: index.total,
                ..Upserted::default()
            }),
            (FileFormat::Ndjson, true) => append_rows(dir, &name, mode, index, &rows, |doc| {
                Ok(std::borrow::Cow::Borrowed(doc.json()))
            }),
            (FileFormat::Csv, true) => {
                let header = csv_header(collection);
                append_rows(dir, &name, mode, index, &rows, |doc| {
                    csv_row(doc.json(), &header, csv_options).map(std::borrow::Cow::Owned)
                })
            }
            (FileFormat::Ndjson, false) => merge_ndjson(dir, &name, mode, collection, &rows),
            (FileFormat::Csv, false) => merge_csv(dir, &name, mode, collection, &rows, csv_options),
        };
        let done = match written {
            Ok(done) => Upserted {
                unchanged: done.unchanged + unchanged,
                ..done
            },
            Err(err) => {
                if append {
                    for print in &prints {
                        index.prints.remove(print);
                    }
                }
                return Err(what(err));
            }
        };
        index.last = match batch.mark.last.as_deref() {
            // The writer's mark holds the latest position of these documents already: their
            // positions are not read again.
            Some(last) => latest(index.last.take(), [last]),
            None => latest(index.last.take(), rows.iter().filter_map(Doc::position)),
        };
        if !append {
            // The merged lines' texts are this batch's now: not known by print any more.
            for print in &prints {
                index.texts.remove(print);
            }
            index.prints.extend(prints);
        }
        index.exists = true;
        index.header_ok = true;
        index.total = done.total;
        pause_after_replace(&name);
        let bytes = fs::metadata(&path).ok().map(|m| m.len());
        let entry = Entry {
            collection: collection.route.to_owned(),
            last: batch.mark.last.or_else(|| index.last.clone()),
            through: batch.mark.through,
            documents: done.total,
            bytes,
            updated_at: chrono::Local::now().to_rfc3339(),
        };
        let mut saved = guard(&self.saved)?;
        saved.state.files.insert(name, entry);
        saved.dirty = true;
        self.save_state(&mut saved, false)?;
        Ok(done)
    }

    fn save(&self, now: bool) -> Result<(), SinkError> {
        let mut saved = guard(&self.saved)?;
        self.save_state(&mut saved, now)
    }

    fn save_state(&self, saved: &mut Saved, now: bool) -> Result<(), SinkError> {
        if saved.dirty && (now || saved.saved_at.elapsed() >= STATE_EVERY) {
            // The files the state names are replaced before it is: their names first.
            sync_dir(&self.dir).map_err(|err| SinkError::io(format!("cannot flush {}", self.dir.display()), err))?;
            saved
                .state
                .save(&self.dir, self.options.mode)
                .map_err(|err| SinkError::io(format!("cannot write {}", self.dir.join(state::FILE).display()), err))?;
            saved.dirty = false;
            saved.saved_at = Instant::now();
        }
        Ok(())
    }
}

/// Adds every print of `printed` to `set`, if none is in it already (nor twice in `printed`);
/// else leaves `set` as it was and says so.
fn claim(set: &mut PrintSet, printed: &[u64]) -> bool {
    // Grown once for the batch, not step by step while claiming.
    set.reserve(printed.len());
    for (at, print) in printed.iter().enumerate() {
        if !set.insert(*print) {
            for claimed in &printed[..at] {
                set.remove(claimed);
            }
            return false;
        }
    }
    true
}

/// The documents (and their keys' prints) other than those the file holds as they are: whose
/// key and text have the prints of one of its lines (`texts`); and how many those were.
fn without_unchanged(
    docs: Vec<Doc>,
    printed: Vec<u64>,
    texts: &TextPrints,
    prints: &Prints,
) -> (Vec<Doc>, Vec<u64>, u64) {
    let held = |doc: &Doc, print: &u64| texts.get(print).is_some_and(|&text| text == prints.of_text(doc.json()));
    if !docs.iter().zip(&printed).any(|(doc, print)| held(doc, print)) {
        return (docs, printed, 0);
    }
    let (kept, same): (Vec<_>, Vec<_>) = docs
        .into_iter()
        .zip(printed)
        .partition(|(doc, print)| !held(doc, print));
    let (docs, printed) = kept.into_iter().unzip();
    (docs, printed, same.len() as u64)
}

/// The batch's documents with each key once (a key seen twice keeps its last version at its
/// first place), and their keys' prints (`printed`, one a document).
fn unique(docs: Vec<Doc>, printed: Vec<u64>, prints: &Prints) -> (Vec<Doc>, Vec<u64>) {
    // The usual batch has no print twice, so no key twice: it is kept as it is, nothing copied.
    let mut seen = PrintSet::with_capacity_and_hasher(printed.len(), Default::default());
    if printed.iter().all(|&print| seen.insert(print)) {
        return (docs, printed);
    }
    let out = super::last_per_key(docs);
    let printed = out.iter().map(|doc| prints.of(doc.key())).collect();
    (out, printed)
}

/// Whether the pause hook ([`pause_after_replace`]) is set: never in release builds without
/// the `test-hooks` feature.
fn pause_hook_set() -> bool {
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    return std::env::var_os("OURA_SYNC_PAUSE_AFTER_REPLACE").is_some();
    #[cfg(not(any(debug_assertions, feature = "test-hooks")))]
    false
}

/// Test hook: with `OURA_SYNC_PAUSE_AFTER_REPLACE=<ms>` (debug builds, or the `test-hooks`
/// feature), says so on stderr and sleeps between replacing a file and recording it in the
/// state, so a test can kill the process at exactly that moment; with `OURA_SYNC_PAUSE_AT=<n>`
/// only at the n-th replace of the process.
fn pause_after_replace(name: &str) {
    #[cfg(any(debug_assertions, feature = "test-hooks"))]
    if let Some(ms) = std::env::var("OURA_SYNC_PAUSE_AFTER_REPLACE")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        static REPLACES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let nth = REPLACES.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let at = std::env::var("OURA_SYNC_PAUSE_AT")
            .ok()
            .and_then(|v| v.parse::<usize>().ok());
        if at.is_some_and(|at| at != nth) {
            return;
        }
        eprintln!("oura-sync: replaced {name}, pausing before the state is saved");
        std::thread::sleep(Duration::from_millis(ms));
    }
    #[cfg(not(any(debug_assertions, feature = "test-hooks")))]
    let _ = name;
}

fn lock(dir: &Path, mode: u32) -> Result<File, SinkError> {
    let path = dir.join(LOCK_FILE);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let file = options
        .open(&path)
        .map_err(|err| SinkError::io(format!("cannot create {}", path.display()), err))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(SinkError::Locked { dir: dir.to_path_buf() }),
        Err(fs::TryLockError::Error(err)) => Err(SinkError::io(format!("cannot lock {}", path.display()), err)),
    }
}

/// Removes temporary files an interrupted run left in `dir` (call with the lock held).
fn remove_stale_temporaries(dir: &Path) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().contains(TMP_MARK) {
            let _ = fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Gives the file at `path` `mode`, if it has another.
fn keep_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if fs::metadata(path)?.permissions().mode() & 0o7777 != mode {
            fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// A new temporary file for `name` in `dir`: created exclusively, under a random name, with
/// `mode`.
fn create_temp(dir: &Path, name: &str, mode: u32) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..16 {
        let tmp = dir.join(format!(".{name}{TMP_MARK}{:016x}", fastrand::u64(..)));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
        match options.open(&tmp) {
            Ok(file) => {
                // The umask may have removed bits that were asked for.
                #[cfg(unix)]
                file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
                return Ok((tmp, file));
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => last = Some(err),
            Err(err) => return Err(err),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Replaces `dir/name` with what `write` writes: a temporary file, flushed to disk, renamed
/// over it, and the directory flushed.
pub(crate) fn replace_with(
    dir: &Path,
    name: &str,
    mode: u32,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    replace_unsynced(dir, name, mode, write)?;
    sync_dir(dir)
}

/// [`replace_with`], the directory not flushed: the new file is whole on disk, and its name is
/// whole too once the directory is flushed ([`Inner::save`] does before the state file names
/// it, and a sink's `finish` does). Until then a crash may leave the old file in its place,
/// which the next run reads as the truth, so nothing is lost.
fn replace_unsynced(
    dir: &Path,
    name: &str,
    mode: u32,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let (tmp, file) = create_temp(dir, name, mode)?;
    let result = (|| {
        let mut out = BufWriter::with_capacity(1 << 16, file);
        write(&mut out)?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// `f` of the key and position of an NDJSON line: those a fetched document of the same text
/// has ([`Doc::from_raw`]), read by the same reader ([`oura::DocumentHead`]), in place. A line
/// that is not JSON is known by its text.
fn with_line_key<R>(line: &str, collection: &Collection, f: impl FnOnce(KeyRef<'_>, Option<&str>) -> R) -> R {
    match oura::DocumentHead::read(collection, line) {
        Ok(head) if head.is_compact() => {
            let position = head.position_text();
            let key = KeyRef::new(head.id().unwrap_or_default(), position.unwrap_or_default(), head.text());
            f(key, position)
        }
        // Spaced (a sink writes none): keyed as a fetched one is, by its compact text.
        Ok(_) => match oura::RawDocument::new(collection, line) {
            Ok(raw) => {
                let doc = Doc::from_raw(raw);
                f(doc.key(), doc.position())
            }
            Err(_) => f(KeyRef::Content(line), None),
        },
        Err(_) => f(KeyRef::Content(line), None),
    }
}

/// Calls `f` with each line of `file`, without its line break (`\n` or `\r\n`), and the bytes
/// read through its end; the lines are read into one buffer.
fn each_line(file: File, mut f: impl FnMut(&str, u64) -> io::Result<()>) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut line = String::new();
    let mut read = 0;
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 {
            return Ok(());
        }
        read += n as u64;
        let text = line
            .strip_suffix('\n')
            .map_or(line.as_str(), |l| l.strip_suffix('\r').unwrap_or(l));
        f(text, read)?;
    }
}

fn open_existing(path: &Path) -> io::Result<Option<File>> {
    match File::open(path) {
        Ok(file) => Ok(Some(file)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

fn scan_ndjson(path: &Path, collection: &Collection, prints: &Prints) -> io::Result<Index> {
    let mut index = Index {
        header_ok: true,
        ..Index::default()
    };
    let Some(file) = open_existing(path)? else {
        return Ok(index);
    };
    index.exists = true;
    let len = file.metadata()?.len();
    let mut latest = Latest::default();
    each_line(file, |line, read| {
        if line.trim().is_empty() {
            return Ok(());
        }
        let print = with_line_key(line, collection, |key, position| {
            if let Some(position) = position {
                latest.see(position);
            }
            prints.of(key)
        });
        index.prints.insert(print);
        index.texts.insert(print, prints.of_text(line));
        index.total += 1;
        if index.total == ESTIMATE_AFTER {
            // The rest of the file holds lines like these: room for them at once, not grown
            // by doubling (a year of heart rate is some 100,000 lines). Not past a million
            // more, whatever a file's first lines suggest (short ones before a huge one).
            let per_line = (read / ESTIMATE_AFTER).max(1);
            let more = usize::try_from(len.saturating_sub(read) / per_line)
                .unwrap_or(usize::MAX)
                .min(1 << 20);
            index.prints.reserve(more);
            index.texts.reserve(more);
        }
        Ok(())
    })?;
    index.last = latest.with(index.last.take());
    Ok(index)
}

/// Lines read from a file before its index is given room for the rest.
const ESTIMATE_AFTER: u64 = 1024;

/// Copies the old file as bytes and appends the rows, none of whose keys is in it.
fn append_rows(
    dir: &Path,
    name: &str,
    mode: u32,
    index: &Index,
    rows: &[Doc],
    line: impl for<'d> Fn(&'d Doc) -> io::Result<std::borrow::Cow<'d, str>>,
) -> io::Result<Upserted> {
    let path = dir.join(name);
    let old = open_existing(&path)?;
    let fresh_csv_header = old.is_none() && name.ends_with(".csv");
    let mut added = 0;
    replace_unsynced(dir, name, mode, |out| {
        if let Some(mut old) = old {
            io::copy(&mut old, out)?;
        }
        if fresh_csv_header {
            // A new CSV file starts with its header (checked by the caller through `header_ok`
            // for existing ones).
            return Err(io::Error::other("internal: a new CSV file is merged, not appended"));
        }
        for doc in rows {
            out.write_all(line(doc)?.as_bytes())?;
            out.write_all(b"\n")?;
            added += 1;
        }
        Ok(())
    })?;
    Ok(Upserted {
        added,
        updated: 0,
        unchanged: 0,
        total: index.total + added,
    })
}

fn merge_ndjson(dir: &Path, name: &str, mode: u32, collection: &Collection, rows: &[Doc]) -> io::Result<Upserted> {
    let path = dir.join(name);
    let old = open_existing(&path)?;
    let at: KeyMap<KeyRef<'_>, usize> = rows.iter().enumerate().map(|(i, doc)| (doc.key(), i)).collect();
    let mut used = vec![false; rows.len()];
    let mut done = Upserted::default();
    replace_unsynced(dir, name, mode, |out| {
        if let Some(old) = old {
            each_line(old, |line, _| {
                if line.trim().is_empty() {
                    return Ok(());
                }
                let row = with_line_key(line, collection, |key, _| at.get(&key).copied());
                let text = match row {
                    // A key already written from this batch (the file held it twice): drop it.
                    Some(i) if used[i] => return Ok(()),
                    Some(i) => {
                        used[i] = true;
                        if rows[i].json() == line {
                            done.unchanged += 1;
                        } else {
                            done.updated += 1;
                        }
                        rows[i].json()
                    }
                    None => line,
                };
                out.write_all(text.as_bytes())?;
                out.write_all(b"\n")?;
                done.total += 1;
                Ok(())
            })?;
        }
        for (doc, used) in rows.iter().zip(&used) {
            if !used {
                out.write_all(doc.json().as_bytes())?;
                out.write_all(b"\n")?;
                done.added += 1;
                done.total += 1;
            }
        }
        Ok(())
    })?;
    Ok(done)
}

/// The CSV header of a collection: its model's fields in spec order, then [`OTHER_COLUMN`].
pub fn csv_header(collection: &Collection) -> Vec<String> {
    crate::model::fields(collection)
        .into_iter()
        .map(str::to_owned)
        .chain([OTHER_COLUMN.to_owned()])
        .collect()
}

/// The CSV record (without the line end) of a document under `header` (from [`csv_header`]):
/// the model's fields, then the others as one JSON object; text guarded as `options` say.
pub fn csv_line(doc: &Value, header: &[String], options: CsvOptions) -> String {
    csv::record(&csv_cells(doc, header, options))
}

/// The CSV record of a document under `header`.
fn csv_row(json: &str, header: &[String], options: CsvOptions) -> io::Result<String> {
    let doc: Value = serde_json::from_str(json).map_err(io::Error::other)?;
    Ok(csv::record(&csv_cells(&doc, header, options)))
}

fn csv_cells(doc: &Value, header: &[String], options: CsvOptions) -> Vec<String> {
    let known = &header[..header.len().saturating_sub(1)];
    let mut cells: Vec<String> = known
        .iter()
        .map(|column| doc.get(column).map(|v| csv::cell(v, options)).unwrap_or_default())
        .collect();
    let other: serde_json::Map<String, Value> = match doc {
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !known.iter().any(|c| c == *k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => serde_json::Map::new(),
    };
    cells.push(if other.is_empty() {
        String::new()
    } else {
        Value::Object(other).to_string()
    });
    cells
}

/// A CSV cell as written, without the formula guard (for keys).
fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// The key and position of a CSV record under `header`.
fn record_key(fields: &[String], header: &[String], collection: &Collection) -> (Key, Option<String>) {
    let at = |name: &str| header.iter().position(|c| c == name).and_then(|i| fields.get(i));
    let id = at("id").map(|s| unguard(s)).unwrap_or_default();
    let position = collection
        .position
        .and_then(at)
        .map(|s| unguard(s).to_owned())
        .filter(|s| !s.is_empty());
    (
        Key::new(id, position.as_deref().unwrap_or_default(), || csv::record(fields)),
        position,
    )
}

fn read_csv(path: &Path) -> io::Result<Option<Vec<Vec<String>>>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(csv::parse_csv(&text))),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

fn scan_csv(path: &Path, collection: &Collection, prints: &Prints) -> io::Result<Index> {
    let mut index = Index::default();
    let Some(records) = read_csv(path)? else {
        return Ok(index);
    };
    index.exists = true;
    let mut records = records.into_iter();
    let header = records.next().unwrap_or_default();
    index.header_ok = header == csv_header(collection);
    let mut latest = Latest::default();
    for fields in records {
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let (key, position) = record_key(&fields, &header, collection);
        if let Some(position) = &position {
            latest.see(position);
        }
        index.prints.insert(prints.of(key.borrowed()));
        index.total += 1;
    }
    index.last = latest.with(index.last.take());
    Ok(index)
}

/// An old record moved under `header`: cells by column name; cells of columns the header lacks
/// go into its last column ([`OTHER_COLUMN`]), as JSON strings.
fn reshape(fields: Vec<String>, old: &[String], header: &[String]) -> Vec<String> {
    if old == header {
        return fields;
    }
    let known = &header[..header.len().saturating_sub(1)];
    let mut other = serde_json::Map::new();
    let mut cells = vec![String::new(); header.len()];
    for (name, cell) in old.iter().zip(fields) {
        if let Some(i) = known.iter().position(|c| c == name) {
            cells[i] = cell;
        } else if name == OTHER_COLUMN {
            if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&cell) {
                other.extend(map);
            }
        } else if !cell.is_empty() {
            other.insert(name.clone(), Value::String(cell));
        }
    }
    if let Some(last) = cells.last_mut()
        && !other.is_empty()
    {
        *last = Value::Object(other).to_string();
    }
    cells
}

fn merge_csv(
    dir: &Path,
    name: &str,
    mode: u32,
    collection: &Collection,
    rows: &[Doc],
    options: CsvOptions,
) -> io::Result<Upserted> {
    let header = csv_header(collection);
    let old = read_csv(&dir.join(name))?.unwrap_or_default();
    let mut records = old.into_iter();
    let old_header = records.next().unwrap_or_else(|| header.clone());
    let new: Vec<String> = rows
        .iter()
        .map(|doc| csv_row(doc.json(), &header, options))
        .collect::<io::Result<_>>()?;
    let at: KeyMap<KeyRef<'_>, usize> = rows.iter().enumerate().map(|(i, doc)| (doc.key(), i)).collect();
    let mut used = vec![false; rows.len()];
    let mut done = Upserted::default();
    replace_unsynced(dir, name, mode, |out| {
        writeln!(out, "{}", csv::record(&header))?;
        for fields in records {
            if fields.iter().all(String::is_empty) {
                continue;
            }
            let (key, _) = record_key(&fields, &old_header, collection);
            let line = csv::record(&reshape(fields, &old_header, &header));
            let text = match at.get(&key.borrowed()) {
                Some(&i) if used[i] => continue,
                Some(&i) => {
                    used[i] = true;
                    if new[i] == line {
                        done.unchanged += 1;
                    } else {
                        done.updated += 1;
                    }
                    new[i].as_str()
                }
                None => line.as_str(),
            };
            writeln!(out, "{text}")?;
            done.total += 1;
        }
        for (line, used) in new.iter().zip(&used) {
            if !used {
                writeln!(out, "{line}")?;
                done.added += 1;
                done.total += 1;
            }
        }
        Ok(())
    })?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find(route: &str) -> &'static Collection {
        crate::find(route).expect("collection")
    }

    fn batch(collection: &'static Collection, docs: &[Value], last: Option<&str>) -> Batch {
        Batch {
            user: String::new(),
            collection,
            docs: docs.iter().map(|doc| Doc::of(collection, doc)).collect(),
            mark: Mark {
                last: last.map(str::to_owned),
                through: None,
            },
        }
    }

    fn ndjson() -> FileSinkOptions {
        FileSinkOptions::default()
    }

    fn lines(path: &Path) -> Vec<String> {
        fs::read_to_string(path)
            .expect("read")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn sample(minute: u32) -> Value {
        json!({"bpm": 60 + minute, "source": "awake", "timestamp": format!("2025-06-01T00:{minute:02}:00+00:00")})
    }

    /// One document of `text` upserted by a sink opened on `dir`.
    async fn upsert_one(dir: &Path, collection: &'static Collection, text: &str) -> Upserted {
        let mut sink = FileSink::open(dir, ndjson()).expect("open");
        let doc = Doc::from_raw(oura::RawDocument::new(collection, text).expect("json"));
        sink.upsert(Batch {
            user: String::new(),
            collection,
            docs: vec![doc],
            mark: Mark::default(),
        })
        .await
        .expect("upsert")
    }

    /// A file's lines are known as the same texts fetched in a page are, whatever the form of
    /// their id or position: fetched again, each is found unchanged (neither added nor
    /// rewritten), both when the file is indexed and when it is merged.
    #[tokio::test]
    async fn a_line_is_known_as_the_same_document_fetched() {
        let cases = [
            ("daily_sleep", r#"{"id":"a","day":"2024-01-31","score":80}"#),
            ("daily_sleep", r#"{"id":"a\u0062","day":"2024-01-31"}"#),
            ("daily_sleep", r#"{"id":42,"day":"2024-01-31"}"#),
            ("daily_sleep", r#"{"id":1e3,"day":"2024-01-31"}"#),
            ("daily_sleep", r#"{"id":null,"day":"2024-01-31"}"#),
            ("daily_sleep", r#"{"score":1}"#),
            ("daily_sleep", r#"{"id":"b","day":20240131}"#),
            ("daily_sleep", r#"{"id":"c","day":"2024-01-\u0033\u0030"}"#),
            (
                "heartrate",
                r#"{"bpm":60,"source":"awake","timestamp":"2024-01-31T10:00:00+00:00"}"#,
            ),
            ("enhanced_tag", r#"{"id":"t","day":"x","start_day":"2024-02-29"}"#),
            // Spaced (written by hand): the same document, kept compact once fetched again.
            ("daily_sleep", r#"{"id": "s", "day": "2024-01-31"}"#),
            ("daily_sleep", r#"{ "score": 1 }"#),
        ];
        for (route, text) in cases {
            let collection = find(route);
            let fetched = || Doc::from_raw(oura::RawDocument::new(collection, text).expect("json"));
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join(ndjson().format.file_name(collection));
            // A line that is not JSON (known by its text), then the document's, written by
            // hand (with `\r\n`).
            fs::write(&path, format!("{{\"id\":\"cut\n{text}\r\n")).expect("write");
            // Fetched again as it is: found in the file's index, and the file is not written
            // (a spaced line is rewritten compact, in place).
            let done = upsert_one(dir.path(), collection, text).await;
            let compact = fetched().json() == text;
            let want = if compact { (0, 0, 1) } else { (0, 1, 0) };
            assert_eq!((done.added, done.updated, done.unchanged), want, "{route} {text}");
            assert_eq!(lines(&path), [r#"{"id":"cut"#, fetched().json()], "{route}");
            // Fetched with a field more (a document with a key): merged, the line replaced in place.
            if matches!(fetched().key(), KeyRef::Content(_)) {
                continue;
            }
            let changed = format!("{{\"more\":1,{}", &fetched().json()[1..]);
            let done = upsert_one(dir.path(), collection, &changed).await;
            assert_eq!((done.added, done.updated, done.unchanged), (0, 1, 0), "{route} {text}");
            assert_eq!(lines(&path), [r#"{"id":"cut"#, changed.as_str()], "{route}");
        }
    }

    /// Lines are read whole: line breaks of both kinds, a last line without one, empty lines, a
    /// line longer than the reader's buffer, characters of several bytes; and bytes that are not
    /// UTF-8 are an error, not a line.
    #[test]
    fn a_file_is_read_line_by_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lines");
        let long = "é".repeat(300_000);
        let want = ["a", "", "b\u{1F600}", long.as_str(), "c", "d", "last"];
        let text = format!("a\n\r\nb\u{1F600}\r\n{long}\nc\nd\nlast");
        fs::write(&path, &text).expect("write");
        let mut seen = Vec::new();
        each_line(File::open(&path).expect("open"), |line, read| {
            seen.push((line.to_owned(), read));
            Ok(())
        })
        .expect("read");
        let lines: Vec<&str> = seen.iter().map(|(line, _)| line.as_str()).collect();
        assert_eq!(lines, want);
        // The bytes read through each line's end, its line break included.
        let ends: Vec<u64> = seen.iter().map(|&(_, read)| read).collect();
        let mut at = 0;
        let expected: Vec<u64> = text
            .split_inclusive('\n')
            .map(|line| {
                at += line.len() as u64;
                at
            })
            .collect();
        assert_eq!(ends, expected);
        // Nothing at all: no line.
        fs::write(&path, "").expect("write");
        each_line(File::open(&path).expect("open"), |_, _| panic!("no line")).expect("read");
        // A byte that is not UTF-8, even after many good lines: an error.
        let mut bad = "x\n".repeat(200_000).into_bytes();
        bad.extend_from_slice(b"\xff\n");
        fs::write(&path, bad).expect("write");
        let err = each_line(File::open(&path).expect("open"), |_, _| Ok(())).expect_err("not UTF-8");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    }

    #[test]
    fn a_claim_takes_every_print_or_none() {
        let mut set = PrintSet::default();
        set.insert(7);
        assert!(!claim(&mut set, &[1, 2, 7, 3]), "7 is held");
        assert!(!claim(&mut set, &[4, 5, 4]), "4 twice");
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), [7]);
        assert!(claim(&mut set, &[1, 2, 3]));
        assert_eq!(set.len(), 4);
    }

    /// A file written from samples whose instants say `Z` (as chrono writes them, and this
    /// workspace's emulator did), then given the same samples as Oura writes them (`+00:00`):
    /// each sample is still one line, the newer text in place of the older.
    #[tokio::test]
    async fn a_sample_written_with_z_and_then_with_an_offset_is_one_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let heartrate = find("heartrate");
        let path = dir.path().join("heartrate.ndjson");
        let zulu = |minute: u32| json!({"bpm": 60 + minute, "source": "awake", "timestamp": format!("2025-06-01T00:{minute:02}:00Z")});
        {
            let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
            sink.upsert(batch(heartrate, &[zulu(0), zulu(5)], None))
                .await
                .expect("upsert");
            sink.finish().await.expect("finish");
        }
        // The next run: the last sample again, and a new one.
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        let done = sink
            .upsert(batch(heartrate, &[sample(5), sample(10)], None))
            .await
            .expect("upsert");
        assert_eq!((done.added, done.updated, done.total), (1, 1, 3));
        let stamps: Vec<String> = lines(&path)
            .iter()
            .map(|line| serde_json::from_str::<Value>(line).expect("JSON")["timestamp"].to_string())
            .collect();
        assert_eq!(
            stamps,
            [
                "\"2025-06-01T00:00:00Z\"",
                "\"2025-06-01T00:05:00+00:00\"",
                "\"2025-06-01T00:10:00+00:00\""
            ]
        );
        // Within one batch too: the last of a key's documents wins.
        let done = sink
            .upsert(batch(heartrate, &[zulu(10), sample(10)], None))
            .await
            .expect("upsert");
        assert_eq!(done.total, 3);
        assert_eq!(lines(&path).len(), 3);
    }

    /// An append that fails leaves the index as it was: the batch's keys are not taken for
    /// the file's, and the same batch is appended once the file can be written.
    #[tokio::test]
    async fn a_failed_append_gives_its_prints_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let heartrate = find("heartrate");
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        sink.upsert(batch(heartrate, &[sample(0)], None)).await.expect("upsert");
        let path = dir.path().join("heartrate.ndjson");
        fs::remove_file(&path).expect("remove");
        fs::create_dir(&path).expect("a directory where the file was");
        let newcomer = batch(heartrate, &[sample(5), sample(10)], None);
        let printed: Vec<u64> = newcomer
            .docs
            .iter()
            .map(|doc| sink.inner.prints.of(doc.key()))
            .collect();
        sink.upsert(newcomer.clone())
            .await
            .expect_err("the file is a directory");
        let index = sink.inner.index(heartrate).expect("index");
        let held = guard(&index).expect("lock").prints.clone();
        assert_eq!(held.len(), 1, "only the first batch's key");
        assert!(printed.iter().all(|print| !held.contains(print)));
        fs::remove_dir(&path).expect("remove");
        let done = sink.upsert(newcomer).await.expect("upsert");
        assert_eq!((done.added, done.updated), (2, 0));
        assert_eq!(lines(&path).len(), 2);
    }

    /// The next run (a new sink on the directory) fetches the last day again: documents the
    /// file holds as they are cost no rewrite; new ones are appended; a changed one is merged.
    #[tokio::test]
    async fn what_the_file_holds_unchanged_is_not_written_again() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sleep = find("sleep");
        let path = dir.path().join("sleep.ndjson");
        let doc = |id: &str, day: &str, score: u32| json!({"id": id, "day": day, "score": score});
        let mut first = FileSink::open(dir.path(), ndjson()).expect("open");
        first
            .upsert(batch(
                sleep,
                &[doc("a", "2024-01-01", 1), doc("b", "2024-01-02", 2)],
                None,
            ))
            .await
            .expect("upsert");
        first.finish().await.expect("finish");
        drop(first);
        let identity = |path: &Path| {
            let meta = fs::metadata(path).expect("metadata");
            #[cfg(unix)]
            let inode = std::os::unix::fs::MetadataExt::ino(&meta);
            #[cfg(not(unix))]
            let inode = 0;
            (inode, meta.modified().expect("mtime"))
        };
        let before = identity(&path);

        let mut next = FileSink::open(dir.path(), ndjson()).expect("open");
        let again = [doc("b", "2024-01-02", 2), doc("a", "2024-01-01", 1)];
        let done = next.upsert(batch(sleep, &again, None)).await.expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (0, 0, 2, 2));
        assert_eq!(identity(&path), before, "the file is not replaced");

        let grown = [doc("b", "2024-01-02", 2), doc("c", "2024-01-03", 3)];
        let done = next.upsert(batch(sleep, &grown, None)).await.expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (1, 0, 1, 3));

        let changed = [doc("b", "2024-01-02", 5), doc("c", "2024-01-03", 3)];
        let done = next.upsert(batch(sleep, &changed, None)).await.expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (0, 1, 1, 3));
        next.finish().await.expect("finish");
        let want: Vec<String> = [
            doc("a", "2024-01-01", 1),
            doc("b", "2024-01-02", 5),
            doc("c", "2024-01-03", 3),
        ]
        .iter()
        .map(Value::to_string)
        .collect();
        assert_eq!(lines(&path), want);
    }

    #[tokio::test]
    async fn merges_add_new_replace_changed_and_keep_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let sleep = find("sleep");
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        let first = [
            json!({"id": "a", "day": "2024-01-01", "score": 1}),
            json!({"id": "b", "day": "2024-01-02", "score": 2}),
        ];
        let done = sink
            .upsert(batch(sleep, &first, Some("2024-01-02")))
            .await
            .expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (2, 0, 0, 2));
        let second = [
            json!({"id": "b", "day": "2024-01-02", "score": 3}),
            json!({"id": "a", "day": "2024-01-01", "score": 1}),
            json!({"id": "c", "day": "2024-01-03", "score": 4}),
        ];
        let done = sink
            .upsert(batch(sleep, &second, Some("2024-01-03")))
            .await
            .expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (1, 1, 1, 3));
        sink.finish().await.expect("finish");
        assert_eq!(
            lines(&dir.path().join("sleep.ndjson")),
            [
                r#"{"id":"a","day":"2024-01-01","score":1}"#,
                r#"{"id":"b","day":"2024-01-02","score":3}"#,
                r#"{"id":"c","day":"2024-01-03","score":4}"#
            ]
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(TMP_MARK))
            .collect();
        assert!(names.is_empty(), "no temporary file is left: {names:?}");
    }

    #[tokio::test]
    async fn resuming_all_collections_at_once_is_resuming_each() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (heartrate, sleep, tag) = (find("heartrate"), find("sleep"), find("tag"));
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        sink.upsert(batch(heartrate, &[sample(0), sample(5)], None))
            .await
            .expect("upsert");
        sink.upsert(batch(sleep, &[], Some("2024-01-02")))
            .await
            .expect("upsert");
        let all = sink.resume_all("", &[tag, heartrate, sleep]).await.expect("resume");
        let mut each = Vec::new();
        for collection in [tag, heartrate, sleep] {
            each.push(sink.resume("", collection).await.expect("resume"));
        }
        assert_eq!(all, each);
        assert_eq!(all[0], None);
        assert_eq!(
            all[1].as_ref().and_then(|m| m.last.as_deref()),
            Some("2025-06-01T00:05:00+00:00")
        );
    }

    /// Two keys with one print (forced here: the index is told it holds the print of a key the
    /// file lacks) cost a merge, which compares the keys themselves: nothing is lost or doubled.
    /// A batch with a print twice is checked key by key too.
    #[tokio::test]
    async fn a_collision_of_prints_costs_a_merge_never_a_document() {
        let dir = tempfile::tempdir().expect("tempdir");
        let heartrate = find("heartrate");
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        sink.upsert(batch(heartrate, &[sample(0), sample(5)], None))
            .await
            .expect("upsert");
        let newcomer = batch(heartrate, &[sample(10)], None);
        let print = sink.inner.prints.of(newcomer.docs[0].key());
        let index = sink.inner.index(heartrate).expect("index");
        assert!(!guard(&index).expect("lock").prints.contains(&print));
        guard(&index).expect("lock").prints.insert(print);
        let done = sink.upsert(newcomer).await.expect("upsert");
        assert_eq!((done.added, done.updated, done.unchanged, done.total), (1, 0, 0, 3));
        // Within a batch: the same key twice keeps the later version once.
        let twice = [
            sample(15),
            json!({"bpm": 99, "source": "awake", "timestamp": "2025-06-01T00:15:00+00:00"}),
        ];
        let done = sink.upsert(batch(heartrate, &twice, None)).await.expect("upsert");
        assert_eq!((done.added, done.total), (1, 4));
        sink.finish().await.expect("finish");
        let got = lines(&dir.path().join("heartrate.ndjson"));
        let want: Vec<String> = [sample(0), sample(5), sample(10), twice[1].clone()]
            .iter()
            .map(Value::to_string)
            .collect();
        assert_eq!(got, want);
    }

    /// The state is missing, older than the file, or damaged: a new sink still keys the file
    /// before it appends, for every batch, and resumes from the file's own last document.
    #[tokio::test]
    async fn whatever_the_state_says_no_document_is_written_twice() {
        let heartrate = find("heartrate");
        for damage in ["delete", "stale", "corrupt"] {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("heartrate.ndjson");
            {
                let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
                sink.upsert(batch(heartrate, &[sample(0), sample(5)], None))
                    .await
                    .expect("upsert");
                sink.finish().await.expect("finish");
                let saved = fs::read(dir.path().join(state::FILE)).expect("state");
                sink.upsert(batch(heartrate, &[sample(10)], None))
                    .await
                    .expect("upsert");
                sink.finish().await.expect("finish");
                match damage {
                    "delete" => fs::remove_file(dir.path().join(state::FILE)).expect("rm"),
                    "stale" => fs::write(dir.path().join(state::FILE), saved).expect("write"),
                    _ => fs::write(dir.path().join(state::FILE), b"{\"files\": [").expect("write"),
                }
            }
            let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
            assert_eq!(sink.notes().len(), usize::from(damage == "corrupt"), "{damage}");
            let mark = sink.resume("", heartrate).await.expect("resume").expect("a mark");
            assert_eq!(mark.last.as_deref(), Some("2025-06-01T00:10:00+00:00"), "{damage}");
            // Two batches that overlap the file, then one that overlaps the first of them.
            let first = sink
                .upsert(batch(heartrate, &[sample(5), sample(10), sample(15)], None))
                .await
                .expect("upsert");
            assert_eq!((first.added, first.unchanged, first.total), (1, 2, 4), "{damage}");
            let second = sink
                .upsert(batch(heartrate, &[sample(15), sample(20)], None))
                .await
                .expect("upsert");
            assert_eq!((second.added, second.unchanged, second.total), (1, 1, 5), "{damage}");
            sink.finish().await.expect("finish");
            let got = lines(&path);
            let mut unique = got.clone();
            unique.dedup();
            assert_eq!(got.len(), 5, "{damage}: {got:#?}");
            assert_eq!(unique, got, "{damage}");
            let state = State::load(dir.path()).expect("state repaired");
            assert_eq!(state.files["heartrate.ndjson"].documents, 5, "{damage}");
        }
    }

    #[tokio::test]
    async fn a_second_sink_on_a_locked_directory_fails_at_once_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = FileSink::open(dir.path(), ndjson()).expect("open");
        let second = FileSink::open(dir.path(), ndjson()).expect_err("locked");
        assert!(matches!(second, SinkError::Locked { .. }), "{second}");
        assert!(second.to_string().contains("another export"), "{second}");
        drop(first);
        FileSink::open(dir.path(), ndjson()).expect("free again");
    }

    #[tokio::test]
    async fn a_file_as_destination_or_an_unwritable_directory_fails_before_anything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("afile");
        fs::write(&file, b"x").expect("write");
        let err = FileSink::open(&file, ndjson()).expect_err("a file");
        assert!(matches!(err, SinkError::NotADirectory { .. }), "{err}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let locked = dir.path().join("ro");
            fs::create_dir(&locked).expect("mkdir");
            fs::set_permissions(&locked, fs::Permissions::from_mode(0o500)).expect("chmod");
            // Root writes anywhere: the check only means something for other users.
            if fs::write(locked.join("x"), b"").is_err() {
                let err = FileSink::open(&locked, ndjson()).expect_err("read-only");
                assert!(matches!(err, SinkError::Io { .. }), "{err}");
            }
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn files_are_private_by_default_and_the_mode_is_configurable() {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |path: &Path| fs::metadata(path).expect("meta").permissions().mode() & 0o777;
        let sleep = find("sleep");
        let doc = json!({"id": "a", "day": "2024-01-01"});
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sink = FileSink::open(dir.path(), ndjson()).expect("open");
        sink.upsert(batch(sleep, std::slice::from_ref(&doc), None))
            .await
            .expect("upsert");
        sink.finish().await.expect("finish");
        assert_eq!(mode(&dir.path().join("sleep.ndjson")), 0o600);
        assert_eq!(mode(&dir.path().join(state::FILE)), 0o600);
        assert_eq!(mode(&dir.path().join(LOCK_FILE)), 0o600);
        drop(sink);
        let options = FileSinkOptions {
            mode: 0o640,
            ..ndjson()
        };
        let mut sink = FileSink::open(dir.path(), options).expect("open");
        sink.upsert(batch(sleep, &[doc], None)).await.expect("upsert");
        assert_eq!(mode(&dir.path().join("sleep.ndjson")), 0o640);
    }

    #[test]
    fn temporary_names_are_unpredictable_and_never_reuse_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (a, _) = create_temp(dir.path(), "x.ndjson", 0o600).expect("temp");
        let (b, _) = create_temp(dir.path(), "x.ndjson", 0o600).expect("temp");
        assert_ne!(a, b);
        // A name someone planted (a symlink, say) is never opened: creation is exclusive.
        let planted = dir.path().join("planted");
        let err = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&a)
            .expect_err("exists");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        let _ = planted;
    }

    #[tokio::test]
    async fn csv_files_are_guarded_keyed_and_rewritten_under_a_new_header() {
        let dir = tempfile::tempdir().expect("tempdir");
        let workout = find("workout");
        let options = FileSinkOptions {
            format: FileFormat::Csv,
            ..FileSinkOptions::default()
        };
        let header = csv_header(workout);
        // A file an older version wrote, with another header.
        fs::write(
            dir.path().join("workout.csv"),
            "id,day,label,legacy\nw1,2025-06-01,=HYPERLINK(\"x\"),old\n",
        )
        .expect("write");
        let mut sink = FileSink::open(dir.path(), options).expect("open");
        let docs = [
            json!({"id": "w1", "day": "2025-06-01", "label": "=1+1", "calories": -3}),
            json!({"id": "w2", "day": "2025-06-02", "label": "@SUM(A1)"}),
        ];
        let done = sink.upsert(batch(workout, &docs, None)).await.expect("upsert");
        assert_eq!((done.added, done.updated, done.total), (1, 1, 2));
        sink.finish().await.expect("finish");
        let text = fs::read_to_string(dir.path().join("workout.csv")).expect("read");
        let records = csv::parse_csv(&text);
        assert_eq!(records[0], header, "the new header");
        assert_eq!(records.len(), 3, "{text}");
        assert!(
            !text.contains(",=") && !text.contains(",@") && !text.contains("\n="),
            "{text}"
        );
        assert!(text.contains("'=1+1") && text.contains("'@SUM(A1)"), "{text}");
        // Appending again under the same header keeps it and each key once.
        drop(sink);
        let mut sink = FileSink::open(dir.path(), options).expect("open");
        let more = [json!({"id": "w3", "day": "2025-06-03", "label": "-x"}), docs[1].clone()];
        let done = sink.upsert(batch(workout, &more, None)).await.expect("upsert");
        assert_eq!((done.added, done.unchanged, done.total), (1, 1, 3));
        let records = csv::parse_csv(&fs::read_to_string(dir.path().join("workout.csv")).expect("read"));
        assert_eq!(records.len(), 4);
        assert_eq!(records[0], header);
    }
}
