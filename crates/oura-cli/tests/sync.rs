//! `oura sync --database` and `oura webhooks serve --sync` against the emulator, into SQLite.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::NaiveDate;
use oura::oauth::{KeyedTokenStore as _, SqliteTokenStore, TokenSet};
use oura_emulator::{Collection, Document, Emulator};
use serde_json::json;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("date")
}

async fn emulator(users: usize) -> Emulator {
    Emulator::builder()
        .users(users)
        .history_days(40)
        .page_size(10)
        .today(today())
        .start()
        .await
        .expect("emulator")
}

/// The binary with a private configuration directory and no `OURA_*` variables of the caller.
fn oura(config_dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir).stdin(Stdio::null());
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run oura")
}

#[track_caller]
fn succeeded(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {stderr}",
        output.status.code()
    );
    stderr
}

/// `(user_id, doc_key)` of every row of a collection's table.
async fn rows(url: &str, table: &str) -> Vec<(String, String)> {
    let pool = sqlx::SqlitePool::connect(url).await.expect("open");
    let rows = sqlx::query_as(&format!(
        "SELECT user_id, doc_key FROM {table} ORDER BY user_id, doc_key"
    ))
    .fetch_all(&pool)
    .await
    .expect("select");
    pool.close().await;
    rows
}

async fn emulator_sleep_ids(emulator: &Emulator, user: usize) -> Vec<String> {
    let client = oura::Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(user))
        .build()
        .expect("client");
    let range = oura::DateRange::new(emulator.first_day(), today()).expect("range");
    let mut ids: Vec<String> = client
        .daily_sleep()
        .all(range)
        .await
        .expect("daily_sleep")
        .into_iter()
        .map(|d| d.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_fills_a_new_sqlite_database_and_a_second_run_adds_nothing() {
    let emulator = emulator(1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("data/oura.db").display());
    std::fs::create_dir_all(dir.path().join("data")).expect("dir");
    let sync = || {
        let mut cmd = oura(dir.path());
        cmd.args([
            "--base-url",
            &emulator.base_url(),
            "sync",
            "--database",
            &url,
            "--today",
            "2025-06-30",
        ])
        .env("OURA_TOKEN", emulator.token(0));
        cmd
    };
    let first = succeeded(&run(sync()).await);
    assert!(first.contains("daily_sleep"), "{first}");
    let user = emulator.personal_info(0).expect("user").id;
    let stored = rows(&url, "oura_daily_sleep").await;
    let expected: Vec<(String, String)> = emulator_sleep_ids(&emulator, 0)
        .await
        .into_iter()
        .map(|id| (user.clone(), id))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(stored, expected, "every document, under Oura's user id");
    assert!(!rows(&url, "oura_heartrate").await.is_empty());

    let requests = emulator.requests().len();
    let second = succeeded(&run(sync()).await);
    assert!(second.contains("0 documents added, 0 updated"), "{second}");
    assert_eq!(rows(&url, "oura_daily_sleep").await, expected);
    // Incremental: the second run asks for far less than the first.
    let again = emulator.requests().len() - requests;
    assert!(
        again * 2 < requests,
        "{again} requests the second time, {requests} the first"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_all_users_of_a_token_store() {
    let emulator = emulator(2).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    let store = SqliteTokenStore::connect(&url).await.expect("store");
    for (name, user) in [("alice", 0), ("bob", 1)] {
        let token = emulator.mint_token(user).expect("token");
        store.save_user(name, &TokenSet::new(token)).await.expect("save");
    }
    store.pool().close().await;

    let mut cmd = oura(dir.path());
    cmd.args([
        "--base-url",
        &emulator.base_url(),
        "sync",
        "--database",
        &url,
        "--all-users",
    ])
    .args(["--today", "2025-06-30", "--collections", "daily_sleep,heartrate"])
    .args(["--client-id", "emulator-client", "--client-secret", "emulator-secret"]);
    let stderr = succeeded(&run(cmd).await);
    assert!(stderr.contains("alice") && stderr.contains("bob"), "{stderr}");
    let stored = rows(&url, "oura_daily_sleep").await;
    for user in 0..2 {
        let id = emulator.personal_info(user).expect("user").id;
        let mine: Vec<String> = stored
            .iter()
            .filter(|(u, _)| *u == id)
            .map(|(_, k)| k.clone())
            .collect();
        assert_eq!(mine, emulator_sleep_ids(&emulator, user).await, "user {user}");
    }
    assert!(
        rows(&url, "oura_daily_readiness").await.is_empty(),
        "only the collections asked for"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_serve_sync_upserts_and_deletes_each_events_document() {
    let emulator = emulator(1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    let mut serve = oura(dir.path());
    serve
        .args([
            "--base-url",
            &emulator.base_url(),
            "webhooks",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .args([
            "--count",
            "2",
            "--client-secret",
            "emulator-secret",
            "--verification-token",
            "vt",
        ])
        .args(["--sync", &url])
        .env("OURA_TOKEN", emulator.token(0))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = serve.spawn().expect("spawn");
    let stderr = server.stderr.take().expect("stderr");
    let (banner, stderr) = tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        reader.read_line(&mut line).expect("line");
        (line, reader)
    })
    .await
    .expect("join");
    let callback = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no callback URL in {banner:?}"))
        .to_owned();
    for event_type in ["create", "delete"] {
        let mut create = oura(dir.path());
        create
            .args([
                "--base-url",
                &emulator.base_url(),
                "webhooks",
                "create",
                "--callback-url",
                &callback,
            ])
            .args([
                "--event-type",
                event_type,
                "--data-type",
                "workout",
                "--verification-token",
                "vt",
            ])
            .env("OURA_CLIENT_ID", "emulator-client")
            .env("OURA_CLIENT_SECRET", "emulator-secret");
        succeeded(&run(create).await);
    }

    let workout = json!({
        "id": "", "activity": "walking", "day": "2025-06-30", "intensity": "easy", "source": "manual",
        "start_datetime": "2025-06-30T08:00:00+00:00", "end_datetime": "2025-06-30T08:30:00+00:00",
    });
    let id = emulator
        .add_data(0, Document::from_json(Collection::Workout, workout).expect("workout"))
        .await
        .expect("added");
    let user = emulator.personal_info(0).expect("user").id;
    // The receiver answers first and applies the event after: wait for the row.
    let expected = vec![(user.clone(), id.clone())];
    let mut polls = 0;
    while rows(&url, "oura_workout").await != expected {
        polls += 1;
        assert!(polls < 3000, "the created workout never reached the database");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
    let (day, document): (String, String) = sqlx::query_as("SELECT day, document FROM oura_workout")
        .fetch_one(&pool)
        .await
        .expect("row");
    pool.close().await;
    assert_eq!(day, "2025-06-30");
    let document: serde_json::Value = serde_json::from_str(&document).expect("json");
    assert_eq!(document["activity"], "walking");
    assert_eq!(document["id"], id.as_str());

    emulator
        .delete_data(0, Collection::Workout, &id)
        .await
        .expect("deleted");
    let output = tokio::task::spawn_blocking(move || server.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let mut rest = String::new();
    let mut stderr = stderr;
    std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
    assert!(output.status.success(), "{rest}");
    assert!(rest.contains(&format!("sync: workout {id} added")), "{rest}");
    assert!(rest.contains(&format!("sync: workout {id} deleted")), "{rest}");
    assert!(rows(&url, "oura_workout").await.is_empty(), "{rest}");
}
