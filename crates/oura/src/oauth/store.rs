//! Where token sets live between runs: the [`TokenStore`] trait, in memory, in a file; the
//! [`KeyedTokenStore`] trait of stores that keep many users (in a database).

use std::fmt;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;

use super::TokenSet;
use crate::error::{Error, Result};

/// Keeps one user's [`TokenSet`] between refreshes and between runs.
///
/// Oura's refresh tokens are single use: the [`Authenticator`](super::Authenticator) saves each
/// rotated set here before it hands out the new access token, so a store must not report
/// success before the set is durable.
///
/// The methods return boxed futures (like [`TokenSource`](crate::TokenSource)) so that a store
/// can be a database, a keychain or a remote secret manager, and so the trait can be used as
/// `Arc<dyn TokenStore>`. Failures are [`Error::Auth`].
///
/// Processes that share a store refresh one at a time through [`lock`](TokenStore::lock): the
/// refresher re-reads the tokens under the lock, and only refreshes if nobody did meanwhile.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The stored set, or `None` if nothing was saved yet (or it was cleared).
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenSet>>>;
    /// Replaces the stored set; resolves once the new set is durable.
    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>>;
    /// Forgets the stored set (after a logout or a revocation).
    fn clear(&self) -> BoxFuture<'_, Result<()>>;
    /// Takes the store's refresh lock and reads the set under it.
    ///
    /// The lock excludes every other holder of the same tokens' lock, in this process and in
    /// others, until [`TokenLock::commit`] (which saves the rotated set and releases it) or until
    /// the [`TokenLock`] is dropped. The default takes no lock ([`TokenLock::unlocked`]): enough
    /// for a store that only one process uses, such as the [`MemoryStore`].
    fn lock(&self) -> BoxFuture<'_, Result<TokenLock>> {
        Box::pin(async move { Ok(TokenLock::unlocked(self.load().await?)) })
    }
}

/// The tokens read under a store's refresh lock ([`TokenStore::lock`]); holds the lock until it
/// is committed or dropped (dropping releases it and changes nothing).
#[must_use = "the lock is held until this is committed or dropped"]
pub struct TokenLock {
    tokens: Option<TokenSet>,
    guard: Option<Box<dyn CommitTokens>>,
}

impl TokenLock {
    /// Tokens read under a held lock; `guard` saves the next set and releases the lock.
    pub fn held(tokens: Option<TokenSet>, guard: impl CommitTokens + 'static) -> Self {
        TokenLock {
            tokens,
            guard: Some(Box::new(guard)),
        }
    }

    /// Tokens read without a lock (a store only one process uses); committing saves through the
    /// store's [`save`](TokenStore::save).
    pub fn unlocked(tokens: Option<TokenSet>) -> Self {
        TokenLock { tokens, guard: None }
    }

    /// The set the store held when the lock was taken.
    pub fn tokens(&self) -> Option<&TokenSet> {
        self.tokens.as_ref()
    }

    /// Whether a lock is held (false for [`TokenLock::unlocked`]).
    pub fn is_held(&self) -> bool {
        self.guard.is_some()
    }

    /// Saves `tokens` (durably) and then releases the lock; `store` is the store this lock came
    /// from, used when no lock is held. Whatever the outcome, the lock is released.
    pub async fn commit(self, store: &(impl TokenStore + ?Sized), tokens: &TokenSet) -> Result<()> {
        match self.guard {
            Some(guard) => guard.commit(tokens.clone()).await,
            None => store.save(tokens).await,
        }
    }
}

impl fmt::Debug for TokenLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenLock")
            .field("tokens", &self.tokens)
            .field("held", &self.is_held())
            .finish()
    }
}

/// What a store hands [`TokenLock::held`]: the held lock, able to save a set before it lets go.
pub trait CommitTokens: Send {
    /// Saves `tokens` durably while the lock is held, then releases the lock (also on failure).
    fn commit(self: Box<Self>, tokens: TokenSet) -> BoxFuture<'static, Result<()>>;
}

/// A store of many users' token sets, keyed by the application's own user id (a database).
///
/// [`UserTokenStore`] is one user's view of it: a [`TokenStore`] for an
/// [`Authenticator`](super::Authenticator). Failures are [`Error::Auth`].
pub trait KeyedTokenStore: Send + Sync + fmt::Debug {
    /// The user's stored set, or `None`.
    fn load_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<Option<TokenSet>>>;
    /// Replaces (or inserts) the user's set; resolves once it is durable.
    fn save_user<'a>(&'a self, user: &'a str, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>>;
    /// Forgets the user's set.
    fn clear_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<()>>;
    /// Takes the refresh lock of the user's set (see [`TokenStore::lock`]).
    fn lock_user<'a>(&'a self, user: &'a str) -> BoxFuture<'a, Result<TokenLock>>;
    /// Every user with a stored set, sorted.
    fn users(&self) -> BoxFuture<'_, Result<Vec<String>>>;
}

/// One user's tokens in a [`KeyedTokenStore`]: a [`TokenStore`].
///
/// Cheap to clone; clones share the keyed store.
#[derive(Clone)]
pub struct UserTokenStore {
    store: Arc<dyn KeyedTokenStore>,
    user: String,
}

impl UserTokenStore {
    /// The tokens of `user` in `store`.
    pub fn new(store: Arc<dyn KeyedTokenStore>, user: impl Into<String>) -> Self {
        UserTokenStore {
            store,
            user: user.into(),
        }
    }

    /// The user's id.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The keyed store.
    pub fn keyed(&self) -> &Arc<dyn KeyedTokenStore> {
        &self.store
    }
}

impl fmt::Debug for UserTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokenStore")
            .field("store", &self.store)
            .field("user", &self.user)
            .finish()
    }
}

impl TokenStore for UserTokenStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenSet>>> {
        self.store.load_user(&self.user)
    }

    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
        self.store.save_user(&self.user, tokens)
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        self.store.clear_user(&self.user)
    }

    fn lock(&self) -> BoxFuture<'_, Result<TokenLock>> {
        self.store.lock_user(&self.user)
    }
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenSet>>> {
        (**self).load()
    }

    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
        (**self).save(tokens)
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        (**self).clear()
    }

    fn lock(&self) -> BoxFuture<'_, Result<TokenLock>> {
        (**self).lock()
    }
}

/// A store in memory: for tests, and for servers that keep sessions themselves.
///
/// Clones share the same slot, so a caller can keep one to look at what was saved.
#[derive(Clone, Default)]
pub struct MemoryStore {
    tokens: Arc<Mutex<Option<TokenSet>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// A store holding `tokens`.
    pub fn with_tokens(tokens: TokenSet) -> Self {
        MemoryStore {
            tokens: Arc::new(Mutex::new(Some(tokens))),
        }
    }

    /// What the store holds now.
    pub fn get(&self) -> Option<TokenSet> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set(&self, tokens: Option<TokenSet>) {
        *self.tokens.lock().unwrap_or_else(PoisonError::into_inner) = tokens;
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").field("tokens", &self.get()).finish()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenSet>>> {
        let tokens = self.get();
        Box::pin(async move { Ok(tokens) })
    }

    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
        self.set(Some(tokens.clone()));
        Box::pin(async { Ok(()) })
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        self.set(None);
        Box::pin(async { Ok(()) })
    }
}

/// A store in a JSON file.
///
/// The file is created readable and writable by its owner only (`0600` on Unix; its directory,
/// when created, `0700`). Every save writes a temporary file in the same directory, flushes it
/// to disk, and renames it over the old file, so a crash leaves either the old set or the new
/// one, never half a file. A missing file loads as `None`. File I/O runs on Tokio's blocking
/// thread pool.
///
/// Processes sharing the file take turns through an advisory lock (the standard library's
/// [`File::lock`](std::fs::File::lock): `flock` on Unix, `LockFileEx` on Windows) on a sibling
/// file `<name>.lock`, which is created owner-only and left in place. Saves and the refresh
/// lock ([`TokenStore::lock`]) take it; plain loads do not need it (a save is one rename).
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: path.into() }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl TokenStore for FileStore {
    fn load(&self) -> BoxFuture<'_, Result<Option<TokenSet>>> {
        let path = self.path.clone();
        Box::pin(blocking(move || read_file(&path)))
    }

    fn save<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<()>> {
        let path = self.path.clone();
        let tokens = tokens.clone();
        Box::pin(blocking(move || {
            let lock = lock_file(&path)?;
            let saved = write_file(&path, &tokens);
            drop(lock);
            saved
        }))
    }

    fn lock(&self) -> BoxFuture<'_, Result<TokenLock>> {
        let path = self.path.clone();
        Box::pin(blocking(move || {
            let lock = lock_file(&path)?;
            let tokens = read_file(&path)?;
            Ok(TokenLock::held(tokens, FileLock { path, lock }))
        }))
    }

    fn clear(&self) -> BoxFuture<'_, Result<()>> {
        let path = self.path.clone();
        Box::pin(blocking(move || match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(io_error("remove", &path, &err)),
        }))
    }
}

/// The held advisory lock of a [`FileStore`]; the lock ends when the file is closed.
struct FileLock {
    path: PathBuf,
    lock: fs::File,
}

impl CommitTokens for FileLock {
    fn commit(self: Box<Self>, tokens: TokenSet) -> BoxFuture<'static, Result<()>> {
        Box::pin(blocking(move || {
            let saved = write_file(&self.path, &tokens);
            drop(self.lock);
            saved
        }))
    }
}

/// The path of the lock file beside the token file.
fn lock_path(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::InvalidInput(format!("the token file path {} names no file", path.display())))?;
    let mut lock_name = name.to_os_string();
    lock_name.push(".lock");
    Ok(path.with_file_name(lock_name))
}

/// Opens (creating, owner-only) the lock file of `path` and waits for its exclusive lock.
fn lock_file(path: &Path) -> Result<fs::File> {
    let lock_path = lock_path(path)?;
    create_dir(parent_dir(path)).map_err(|err| io_error("create the directory of", path, &err))?;
    let mut options = fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&lock_path)
        .map_err(|err| io_error("open the lock file of", path, &err))?;
    file.lock().map_err(|err| io_error("lock", path, &err))?;
    Ok(file)
}

/// Runs file I/O off the async threads. Once started it finishes even if the caller's future is
/// dropped, so a save is never cut off between the write and the rename.
async fn blocking<T: Send + 'static>(task: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(task)
        .await
        .map_err(|err| Error::Auth(format!("the token file task failed: {err}")))?
}

fn io_error(action: &str, path: &Path, err: &io::Error) -> Error {
    Error::Auth(format!("could not {action} the token file {}: {err}", path.display()))
}

fn read_file(path: &Path) -> Result<Option<TokenSet>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(io_error("read", path, &err)),
    };
    warn_if_shared(path);
    // serde's messages may quote values; report only where the file is broken.
    serde_json::from_slice(&bytes).map(Some).map_err(|err| {
        Error::Auth(format!(
            "the token file {} is not a valid token set ({:?} error at line {}, column {})",
            path.display(),
            err.classify(),
            err.line(),
            err.column()
        ))
    })
}

#[cfg(unix)]
fn warn_if_shared(path: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    if let Ok(meta) = fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format_args!("{:o}", meta.permissions().mode() & 0o777),
            "the token file is accessible to other users; it is rewritten owner-only at the next save"
        );
    }
}

#[cfg(not(unix))]
fn warn_if_shared(_path: &Path) {}

fn write_file(path: &Path, tokens: &TokenSet) -> Result<()> {
    let json = serde_json::to_vec_pretty(tokens)
        .map_err(|err| Error::Auth(format!("could not serialize the token set: {err}")))?;
    let temp = write_temp(path, &json)?;
    commit(&temp, path)
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Step one of a save: the new contents, complete and flushed, in a fresh owner-only temporary
/// file beside `path`. `path` itself is untouched.
fn write_temp(path: &Path, contents: &[u8]) -> Result<PathBuf> {
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .ok_or_else(|| Error::InvalidInput(format!("the token file path {} names no file", path.display())))?
        .to_string_lossy()
        .into_owned();
    create_dir(dir).map_err(|err| io_error("create the directory of", path, &err))?;
    let mut attempts = 0;
    let (temp, mut file) = loop {
        let temp = dir.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&temp) {
            Ok(file) => break (temp, file),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => attempts += 1,
            Err(err) => return Err(io_error("create a temporary file for", path, &err)),
        }
    };
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    drop(file);
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(io_error("write", path, &err));
    }
    Ok(temp)
}

/// Step two of a save: the temporary file replaces `path` in one rename, and the directory entry
/// is flushed.
fn commit(temp: &Path, path: &Path) -> Result<()> {
    if let Err(err) = fs::rename(temp, path) {
        let _ = fs::remove_file(temp);
        return Err(io_error("replace", path, &err));
    }
    sync_dir(parent_dir(path));
    Ok(())
}

fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Err(err) = fs::File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %err, "could not flush the token file's directory");
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(access: &str) -> TokenSet {
        TokenSet::new(access).with_refresh_token(format!("{access}-refresh"))
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_file_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tokens.json");
        write_file(&path, &set("old")).expect("first save");
        let before = fs::read(&path).expect("read");

        // The process dies after writing the temporary file, before the rename.
        let temp = write_temp(&path, &serde_json::to_vec(&set("new")).expect("json")).expect("temp");
        assert_eq!(
            temp.parent(),
            Some(dir.path()),
            "the temporary file is beside the target"
        );
        assert_eq!(fs::read(&path).expect("read"), before);
        assert_eq!(read_file(&path).expect("load"), Some(set("old")));

        // A later save still works, and the leftover does not get in the way.
        write_file(&path, &set("newer")).expect("second save");
        assert_eq!(read_file(&path).expect("load"), Some(set("newer")));
        assert!(temp.exists(), "the leftover of the crashed save is not the target");

        // Committing replaces the file in one step.
        commit(&temp, &path).expect("commit");
        assert_eq!(read_file(&path).expect("load"), Some(set("new")));
        assert!(!temp.exists());
    }

    #[test]
    fn a_failed_rename_removes_the_temporary_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tokens.json");
        let temp = write_temp(&path, b"{}").expect("temp");
        // Renaming onto a non-empty directory fails on every platform.
        let blocker = dir.path().join("blocker");
        fs::create_dir(&blocker).expect("dir");
        fs::write(blocker.join("x"), b"x").expect("file");
        let err = commit(&temp, &blocker).expect_err("rename onto a directory");
        assert!(matches!(err, Error::Auth(_)), "{err:?}");
        assert!(!temp.exists());
    }

    #[test]
    fn a_broken_file_is_an_error_that_quotes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("tokens.json");
        fs::write(&path, br#"{"access_token": 12345678, "refresh_token": "do-not-print"}"#).expect("write");
        let err = read_file(&path).expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("not a valid token set"), "{text}");
        assert!(!text.contains("12345678") && !text.contains("do-not-print"), "{text}");
        assert_eq!(read_file(&dir.path().join("missing.json")).expect("missing"), None);
    }
}
