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
    let http = reqwest::Client::builder()
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
