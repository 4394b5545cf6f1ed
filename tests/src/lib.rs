//! Support for the workspace's cross-crate integration tests (in `tests/tests/`): where the
//! shared context lives and how to read the recorded Oura exchanges.

use std::path::PathBuf;

use serde::Deserialize;

/// The shared context directory: `$OURA_SHARED`, else `../shared` beside the workspace.
///
/// # Panics
/// When the directory does not exist: tests that need it must fail, never pass vacuously.
pub fn shared_dir() -> PathBuf {
    let dir = std::env::var_os("OURA_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared")));
    assert!(
        dir.join("oura").is_dir(),
        "the shared context is missing: {} does not exist (set OURA_SHARED to the directory holding oura/)",
        dir.join("oura").display()
    );
    dir
}

/// One recorded request/response pair from `oura/recorded/`.
#[derive(Debug, Deserialize)]
pub struct Exchange {
    /// File name, for messages.
    #[serde(skip)]
    pub file: String,
    /// Whether it was recorded from the live API or written by hand.
    pub source: String,
    /// The request.
    pub request: Request,
    /// HTTP status of the response.
    pub status: u16,
    /// The response body as text.
    pub body: String,
}

/// The request of an [`Exchange`].
#[derive(Debug, Deserialize)]
pub struct Request {
    /// HTTP method.
    pub method: String,
    /// Full URL, with query.
    pub url: String,
}

impl Exchange {
    /// Whether this was recorded from the live API (not a hand-written fixture).
    pub fn is_live(&self) -> bool {
        self.source.contains("live")
    }

    /// The URL path, without host and query.
    pub fn path(&self) -> &str {
        let without_host = self
            .request
            .url
            .split_once("://")
            .map_or(self.request.url.as_str(), |(_, rest)| {
                rest.find('/').map_or("", |i| &rest[i..])
            });
        without_host.split('?').next().unwrap_or_default()
    }

    /// The URL query, without `?`.
    pub fn query(&self) -> &str {
        self.request.url.split_once('?').map_or("", |(_, q)| q)
    }

    /// For `/v2/usercollection/<collection>[/<id>]`: the collection and the document id.
    pub fn collection(&self) -> Option<(&str, Option<&str>)> {
        let rest = self.path().strip_prefix("/v2/usercollection/")?;
        Some(match rest.split_once('/') {
            Some((collection, id)) => (collection, Some(id)),
            None => (rest, None),
        })
    }
}

/// Every recorded exchange, sorted by file name.
///
/// # Panics
/// When the directory is missing or a file does not parse.
pub fn recorded() -> Vec<Exchange> {
    let dir = shared_dir().join("oura").join("recorded");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let exchanges: Vec<Exchange> = files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let mut exchange: Exchange =
                serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            exchange.file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            exchange
        })
        .collect();
    assert!(
        exchanges.len() >= 80,
        "expected the 86 recorded exchanges in {}, found {}",
        dir.display(),
        exchanges.len()
    );
    exchanges
}

/// The PostgreSQL server of the tests: `$OURA_TEST_POSTGRES_URL`, else `$DATABASE_URL` (both
/// set by `.ci/postgres.sh`).
///
/// `None` (with a message on stderr) when neither is set, so a test can skip.
///
/// # Panics
/// When neither is set and `CI=true`: in CI the PostgreSQL tests must run.
pub fn postgres_url(test: &str) -> Option<String> {
    let url = std::env::var("OURA_TEST_POSTGRES_URL")
        .ok()
        .or_else(|| std::env::var("DATABASE_URL").ok())
        .filter(|url| url.starts_with("postgres"));
    if url.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: no PostgreSQL server (OURA_TEST_POSTGRES_URL); under CI=true `.ci/run` starts one with .ci/postgres.sh"
        );
        eprintln!("{test}: skipped, no PostgreSQL server (run it under `bash .ci/postgres.sh cargo test ...`)");
    }
    url
}

/// A new, empty database named `name_<random>` on the server at `url`; returns its URL.
///
/// # Panics
/// When the server cannot be reached or the database cannot be created.
pub async fn fresh_postgres_database(url: &str, name: &str) -> String {
    use sqlx::Connection as _;
    let name = format!("{name}_{:08x}", std::process::id() ^ random_u32());
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|err| panic!("connect to {url}: {err}"));
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .unwrap_or_else(|err| panic!("create database {name}: {err}"));
    let mut parsed = reqwest::Url::parse(url).unwrap_or_else(|err| panic!("{url}: {err}"));
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

fn random_u32() -> u32 {
    use std::hash::{BuildHasher as _, Hasher as _};
    // Each RandomState is seeded afresh by the standard library.
    std::collections::hash_map::RandomState::new().build_hasher().finish() as u32
}
