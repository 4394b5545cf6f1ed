//! Token stores shared by processes: N processes find the token expired at once, and exactly one
//! refresh reaches the token endpoint, for the file, SQLite and PostgreSQL stores.

use std::process::Stdio;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use oura::oauth::{
    Endpoints, FileStore, KeyedTokenStore as _, OAuthClient, OAuthConfig, PostgresTokenStore, Scope, SqliteTokenStore,
    TokenSet, TokenStore,
};
use oura_emulator::Emulator;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::process::Command;

const CLIENT_ID: &str = "emulator-client";
const CLIENT_SECRET: &str = "emulator-secret";
const REDIRECT_URI: &str = "http://localhost/callback";
const PROBE: &str = env!("CARGO_BIN_EXE_oura-refresh-probe");
const ROUNDS: usize = 50;
const PROCESSES: usize = 8;

async fn emulator() -> Emulator {
    Emulator::builder()
        .users(1)
        .history_days(30)
        .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
        // Short-lived tokens; the test also marks the stored set expired before each round.
        .token_lifetime(Duration::from_secs(300))
        .start()
        .await
        .expect("emulator")
}

fn oauth(emulator: &Emulator) -> OAuthClient {
    let endpoints = Endpoints::custom(emulator.authorize_url(), emulator.token_url(), emulator.revoke_url());
    OAuthClient::builder(OAuthConfig::new(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI).with_endpoints(endpoints))
        .application("oura-tests/0")
        .build()
        .expect("OAuth client")
}

/// The code flow against the emulator (it consents at once).
async fn authorize(emulator: &Emulator) -> TokenSet {
    let oauth = oauth(emulator);
    let request = oauth.authorize_url([Scope::Personal, Scope::Daily]);
    let http = oura_api_sys::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http");
    let response = http.get(request.url.clone()).send().await.expect("authorize");
    let location = response.headers()[reqwest::header::LOCATION]
        .to_str()
        .expect("location");
    let location = reqwest::Url::parse(location).expect("url");
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .expect("param")
    };
    oauth
        .exchange_code(&param("code"), Some(&param("state")), &request)
        .await
        .expect("code exchange")
}

fn long_ago() -> DateTime<Utc> {
    DateTime::from_timestamp(1_000_000_000, 0).expect("time")
}

/// Starts `PROCESSES` probes, waits until each has opened the store, releases them together,
/// and returns the access token each one ended with.
async fn run_probes(kind: &str, location: &str, user: &str, base_url: &str) -> Vec<String> {
    let mut children = Vec::new();
    for _ in 0..PROCESSES {
        let mut child = Command::new(PROBE)
            .args([kind, location, user, base_url])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn the probe");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).await.expect("read");
        assert_eq!(line.trim(), "ready", "the probe did not start");
        children.push((child, stdout));
    }
    for (child, _) in &mut children {
        let stdin = child.stdin.as_mut().expect("stdin");
        stdin.write_all(b"go\n").await.expect("release");
        stdin.flush().await.expect("flush");
    }
    let mut tokens = Vec::new();
    for (child, mut stdout) in children {
        let mut line = String::new();
        stdout.read_line(&mut line).await.expect("read");
        let output = child.wait_with_output().await.expect("wait");
        assert!(
            output.status.success(),
            "a probe failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = line.trim().strip_prefix("token ").unwrap_or_else(|| panic!("{line:?}"));
        tokens.push(token.to_owned());
    }
    tokens
}

/// The proof, `ROUNDS` times: every process sees an expired token, one refresh is sent, every
/// process ends with the rotated token, and it works.
async fn exactly_one_refresh(kind: &str, location: &str, user: &str, store: &dyn TokenStore) {
    let emulator = emulator().await;
    let base_url = emulator.base_url();
    store.save(&authorize(&emulator).await).await.expect("first save");
    for round in 0..ROUNDS {
        let before = store.load().await.expect("load").expect("tokens");
        store
            .save(&before.clone().with_expires_at(long_ago()))
            .await
            .expect("expire");
        emulator.clear_requests();

        let tokens = run_probes(kind, location, user, &base_url).await;

        let requests = emulator.requests();
        let refreshes: Vec<_> = requests.iter().filter(|r| r.path == "/oauth/token").collect();
        assert_eq!(
            refreshes.len(),
            1,
            "{kind}, round {round}: token endpoint calls {refreshes:?}"
        );
        assert_eq!(refreshes[0].status, Some(200), "{kind}, round {round}");
        let after = store.load().await.expect("load").expect("tokens");
        assert_ne!(
            after.access_token, before.access_token,
            "{kind}, round {round}: rotated"
        );
        assert_ne!(
            after.refresh_token, before.refresh_token,
            "{kind}, round {round}: rotated"
        );
        assert!(after.expires_at > Some(long_ago()), "{kind}, round {round}");
        assert_eq!(tokens.len(), PROCESSES);
        for token in &tokens {
            assert_eq!(token, after.access_token.expose(), "{kind}, round {round}");
        }
        let api: Vec<_> = requests
            .iter()
            .filter(|r| r.path == "/v2/usercollection/personal_info")
            .collect();
        assert_eq!(api.len(), PROCESSES, "{kind}, round {round}");
        assert!(
            api.iter().all(|r| r.status == Some(200)),
            "{kind}, round {round}: {api:?}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_a_file_store_send_one_refresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    exactly_one_refresh("file", path.to_str().expect("utf-8"), "-", &store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_a_sqlite_store_send_one_refresh() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("tokens.db").display());
    let store = SqliteTokenStore::connect(&url).await.expect("sqlite");
    exactly_one_refresh("sqlite", &url, "alice", &store.user("alice")).await;
    assert_eq!(store.users().await.expect("users"), ["alice"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_sharing_a_postgres_store_send_one_refresh() {
    let Some(server) = oura_tests::postgres_url("processes_sharing_a_postgres_store_send_one_refresh") else {
        return;
    };
    let url = oura_tests::fresh_postgres_database(&server, "oura_refresh").await;
    let store = PostgresTokenStore::connect(&url).await.expect("postgres");
    exactly_one_refresh("postgres", &url, "alice", &store.user("alice")).await;
    assert_eq!(store.users().await.expect("users"), ["alice"]);
}

fn set(access: &str) -> TokenSet {
    TokenSet::new(access)
        .with_refresh_token(format!("{access}-refresh"))
        .with_expires_at(long_ago())
        .with_scopes([Scope::Daily])
}

/// What every keyed store must do: users kept apart, saves replace, a dropped lock changes
/// nothing and lets go, a committed lock saves, `Debug` shows no token.
async fn keyed_contract(store: &dyn oura::oauth::KeyedTokenStore) {
    assert_eq!(store.load_user("alice").await.expect("load"), None);
    store.save_user("bob", &set("bob-1")).await.expect("save");
    store.save_user("alice", &set("alice-1")).await.expect("save");
    store.save_user("alice", &set("alice-2")).await.expect("save");
    assert_eq!(store.load_user("alice").await.expect("load"), Some(set("alice-2")));
    assert_eq!(store.load_user("bob").await.expect("load"), Some(set("bob-1")));
    assert_eq!(store.users().await.expect("users"), ["alice", "bob"]);

    // A lock dropped without a commit leaves the set as it was and is released at once: the
    // next lock and save do not wait for it.
    let lock = store.lock_user("alice").await.expect("lock");
    assert!(lock.is_held());
    assert_eq!(lock.tokens(), Some(&set("alice-2")));
    drop(lock);
    let lock = store.lock_user("alice").await.expect("second lock");
    assert_eq!(lock.tokens(), Some(&set("alice-2")));
    lock.commit(&oura::oauth::MemoryStore::new(), &set("alice-3"))
        .await
        .expect("commit");
    assert_eq!(store.load_user("alice").await.expect("load"), Some(set("alice-3")));
    store
        .save_user("alice", &set("alice-4"))
        .await
        .expect("save after the lock");
    assert_eq!(store.load_user("alice").await.expect("load"), Some(set("alice-4")));

    store.clear_user("bob").await.expect("clear");
    assert_eq!(store.load_user("bob").await.expect("load"), None);
    assert_eq!(store.users().await.expect("users"), ["alice"]);

    let debug = format!("{store:?}");
    assert!(!debug.contains("alice-4"), "{debug}");
}

#[tokio::test]
async fn a_sqlite_store_keeps_each_users_tokens_and_survives_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("nested.db").display());
    let store = SqliteTokenStore::connect(&url).await.expect("created if missing");
    keyed_contract(&store).await;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM oura_tokens WHERE user_id = 'alice'")
        .fetch_one(store.pool())
        .await
        .expect("revision");
    assert_eq!(revision, 4, "one insert and three replacements");
    store.pool().close().await;

    // Reopening runs the migrations again: nothing changes, nothing is lost.
    let store = SqliteTokenStore::connect(&url).await.expect("reopen");
    assert_eq!(store.load_user("alice").await.expect("load"), Some(set("alice-4")));
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("versions");
    assert_eq!(versions, [1, 2]);

    // A broken row is an error that quotes nothing of it.
    sqlx::query("UPDATE oura_tokens SET tokens = '{\"access_token\": 123456789}' WHERE user_id = 'alice'")
        .execute(store.pool())
        .await
        .expect("break");
    let err = store.load_user("alice").await.expect_err("broken");
    assert!(matches!(err, oura::Error::Auth(_)), "{err:?}");
    assert!(!err.to_string().contains("123456789"), "{err}");
}

#[tokio::test]
async fn a_postgres_store_keeps_each_users_tokens_and_survives_reopening() {
    let Some(server) = oura_tests::postgres_url("a_postgres_store_keeps_each_users_tokens_and_survives_reopening")
    else {
        return;
    };
    let url = oura_tests::fresh_postgres_database(&server, "oura_tokens").await;
    let store = PostgresTokenStore::connect(&url).await.expect("postgres");
    keyed_contract(&store).await;
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM oura_tokens WHERE user_id = 'alice'")
        .fetch_one(store.pool())
        .await
        .expect("revision");
    assert_eq!(revision, 4, "one insert and three replacements");
    let expires: Option<String> = sqlx::query_scalar(
        "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY') FROM oura_tokens WHERE user_id = 'alice'",
    )
    .fetch_one(store.pool())
    .await
    .expect("expires_at");
    assert_eq!(expires.as_deref(), Some("2001"));
    store.pool().close().await;

    let store = PostgresTokenStore::connect(&url).await.expect("reopen");
    assert_eq!(store.load_user("alice").await.expect("load"), Some(set("alice-4")));
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("versions");
    assert_eq!(versions, [1, 2]);
}

#[tokio::test]
async fn a_file_store_lock_is_owner_only_and_released_when_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tokens.json");
    let store = FileStore::new(&path);
    store.save(&set("one")).await.expect("save");
    let lock = store.lock().await.expect("lock");
    assert!(lock.is_held());
    assert_eq!(lock.tokens(), Some(&set("one")));
    drop(lock);
    // A second store on the same file (as another process would open it) gets the lock.
    let other = FileStore::new(&path);
    let lock = other.lock().await.expect("lock again");
    lock.commit(&other, &set("two")).await.expect("commit");
    assert_eq!(store.load().await.expect("load"), Some(set("two")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("tokens.json.lock"))
            .expect("lock file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
