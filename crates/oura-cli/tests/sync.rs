//! `oura sync --database` and `oura webhooks serve --sync` against the emulator, into SQLite and
//! the PostgreSQL server CI starts (`.ci/postgres.sh`; those tests skip without it, outside CI).

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

/// `(user_id, doc_key)` of every row of a collection's table, sorted.
async fn rows(url: &str, table: &str) -> Vec<(String, String)> {
    let query = format!("SELECT user_id, doc_key FROM {table}");
    let mut rows: Vec<(String, String)> = if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.expect("open");
        let rows = sqlx::query_as(&query).fetch_all(&pool).await.expect("select");
        pool.close().await;
        rows
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("open");
        let rows = sqlx::query_as(&query).fetch_all(&pool).await.expect("select");
        pool.close().await;
        rows
    };
    rows.sort();
    rows
}

/// A new, empty database on the PostgreSQL server of the tests (`OURA_TEST_POSTGRES_URL`, set by
/// `.ci/postgres.sh`); `None` without a server, outside CI.
async fn fresh_postgres(test: &str) -> Option<String> {
    use sqlx::Connection as _;
    let Some(url) = std::env::var("OURA_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| url.starts_with("postgres"))
    else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: no PostgreSQL server (OURA_TEST_POSTGRES_URL): `.ci/run` starts one"
        );
        eprintln!("{test}: skipped, no PostgreSQL server (run it under `bash .ci/postgres.sh cargo test ...`)");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let name = format!("oura_cli_{test}_{}_{nanos}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    conn.close().await.expect("close");
    let mut parsed = reqwest::Url::parse(&url).expect("url");
    parsed.set_path(&format!("/{name}"));
    Some(parsed.to_string())
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
    let user = emulator.personal_info(0).expect("user").id;
    let stored = rows(&url, "oura_daily_sleep").await;
    let expected: Vec<(String, String)> = emulator_ids(&emulator, 0, "daily_sleep")
        .await
        .into_iter()
        .map(|id| (user.clone(), id))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(stored, expected, "every document, under Oura's user id");
    assert!(!rows(&url, "oura_heartrate").await.is_empty());
    // Not on a terminal: plain lines, the first naming the user, one per finished collection
    // with what it stored, and the totals.
    let n = expected.len();
    assert_eq!(
        first.lines().next(),
        Some(format!("Syncing {user}").as_str()),
        "{first}"
    );
    let line = format!("  daily_sleep                done   +{n} ~0 ({n} stored)");
    assert!(first.lines().any(|l| l == line), "{line:?} in\n{first}");
    assert_eq!(
        first.lines().filter(|l| l.contains(" done ")).count(),
        oura::COLLECTIONS.len(),
        "a line per collection\n{first}"
    );
    let summary = first.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("  ") && summary.contains(" requests; ") && summary.ends_with(" updated, 0 unchanged"),
        "{first}"
    );

    let requests = emulator.requests().len();
    let second = succeeded(&run(sync()).await);
    assert!(second.contains("0 documents added, 0 updated"), "{second}");
    let line = format!("  daily_sleep                done   +0 ~0 ({n} stored)");
    assert!(second.lines().any(|l| l == line), "{line:?} in\n{second}");
    assert_eq!(rows(&url, "oura_daily_sleep").await, expected);
    // Incremental: the second run asks for far less than the first.
    let again = emulator.requests().len() - requests;
    assert!(
        again * 2 < requests,
        "{again} requests the second time, {requests} the first"
    );

    // --quiet: nothing but errors.
    let mut quiet = sync();
    quiet.arg("--quiet");
    assert_eq!(succeeded(&run(quiet).await), "");
}

/// The ids of every document of a date collection of emulator user `user`, sorted.
async fn emulator_ids(emulator: &Emulator, user: usize, route: &str) -> Vec<String> {
    use futures::StreamExt as _;
    let client = oura::Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(user))
        .build()
        .expect("client");
    let range = oura::DateRange::new(emulator.first_day(), today()).expect("range");
    let mut pages = oura::pages_by_route(&client, route, oura::AnyRange::Days(range)).expect("pages");
    let mut ids = Vec::new();
    while let Some(page) = pages.next().await {
        for doc in page.expect("page").data {
            ids.push(doc["id"].as_str().expect("id").to_owned());
        }
    }
    ids.sort();
    ids
}

/// The emulator user whose token a request carried.
fn user_of(request: &oura_emulator::RecordedRequest, tokens: &[String]) -> Option<usize> {
    let (_, value) = request.headers.iter().find(|(name, _)| name == "authorization")?;
    let token = value.strip_prefix("Bearer ")?;
    tokens.iter().position(|t| t == token)
}

/// How many times the user changes from one request to the next.
fn switches(users: &[usize]) -> usize {
    users.windows(2).filter(|pair| pair[0] != pair[1]).count()
}

#[test]
fn switches_count_changes_of_user() {
    assert_eq!(switches(&[0, 0, 1, 1, 2]), 2);
    assert_eq!(switches(&[0, 1, 0, 1]), 3);
    assert_eq!(switches(&[]), 0);
}

/// `oura sync --all-users` into the database `url` (also the token store): users synced at
/// once within one budget.
async fn all_users_sync_at_once_within_one_budget(url: &str) {
    const USERS: usize = 3;
    const LIMIT: u32 = 20;
    const CONCURRENCY: usize = 4;
    // Users 0..3 are synced; user 3's token is revoked before the sync.
    let emulator = Emulator::builder()
        .users(USERS + 1)
        .history_days(40)
        .page_size(5)
        .today(today())
        .rate_limit(LIMIT, std::time::Duration::from_secs(1))
        .latency(std::time::Duration::from_millis(2))
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let tokens: Vec<String> = (0..=USERS)
        .map(|user| emulator.mint_token(user).expect("token"))
        .collect();
    let keys = ["alice", "bob", "carol", "revoked"];
    if url.starts_with("postgres") {
        let store = oura::oauth::PostgresTokenStore::connect(url).await.expect("store");
        for (key, token) in keys.iter().zip(&tokens) {
            store.save_user(key, &TokenSet::new(token.clone())).await.expect("save");
        }
    } else {
        let store = SqliteTokenStore::connect(url).await.expect("store");
        for (key, token) in keys.iter().zip(&tokens) {
            store.save_user(key, &TokenSet::new(token.clone())).await.expect("save");
        }
        store.pool().close().await;
    }
    let revoked = oura::api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .post(emulator.revoke_url())
        .query(&[("access_token", &tokens[USERS])])
        .send()
        .await
        .expect("revoke");
    assert!(revoked.status().is_success());
    emulator.clear_requests();

    let mut cmd = oura(dir.path());
    cmd.args([
        "--base-url",
        &emulator.base_url(),
        "sync",
        "--database",
        url,
        "--all-users",
    ])
    .args(["--today", "2025-06-30", "--collections", "daily_sleep,daily_activity"])
    .args(["--concurrency", &CONCURRENCY.to_string()])
    .args(["--client-id", "emulator-client", "--client-secret", "emulator-secret"]);
    // Requests the emulator holds unanswered, sampled while the command runs: never more than
    // --concurrency, across every user.
    let most_in_flight = std::cell::Cell::new(0);
    let sample = async {
        loop {
            let in_flight = emulator.requests().iter().filter(|r| r.status.is_none()).count();
            most_in_flight.set(most_in_flight.get().max(in_flight));
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    };
    let output = tokio::select! {
        output = run(cmd) => output,
        () = sample => unreachable!("sampling never ends"),
    };
    let most_in_flight = most_in_flight.get();
    // The command's requests only (the checks below read the emulator too).
    let requests = emulator.requests();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(9), "incomplete: one user failed\n{stderr}");

    // The revoked user is reported by its key; the others finished.
    assert!(stderr.contains("revoked: the stored tokens no longer work"), "{stderr}");
    for (user, key) in keys.iter().enumerate().take(USERS) {
        let id = emulator.personal_info(user).expect("user").id;
        let line = format!("{key} ({id}): ");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&line) && l.contains("documents added")),
            "a line for {key}\n{stderr}"
        );
        for (route, table) in [
            ("daily_sleep", "oura_daily_sleep"),
            ("daily_activity", "oura_daily_activity"),
        ] {
            let mine: Vec<String> = rows(url, table)
                .await
                .into_iter()
                .filter(|(u, _)| *u == id)
                .map(|(_, k)| k)
                .collect();
            let expected = emulator_ids(&emulator, user, route).await;
            assert!(!expected.is_empty());
            assert_eq!(mine, expected, "{key}: {route}");
        }
    }
    assert!(
        stderr.contains(&format!("3 users of {} synced completely", USERS + 1)),
        "{stderr}"
    );
    assert!(
        rows(url, "oura_daily_readiness").await.is_empty(),
        "only the collections asked for"
    );

    // From the emulator's log: the users' requests interleave (a sync one user after another
    // changes user at most USERS times), none was refused for the rate limit although the
    // application's budget was spent several times over, and --concurrency held across users.
    let order: Vec<usize> = requests
        .iter()
        .filter(|r| r.path.starts_with("/v2/usercollection/"))
        .filter_map(|r| user_of(r, &tokens))
        .collect();
    for user in 0..USERS {
        assert!(order.contains(&user), "user {user} was synced");
    }
    assert!(switches(&order) > USERS, "the users' requests interleave: {order:?}");
    let refused: Vec<&str> = requests
        .iter()
        .filter(|r| r.status == Some(429))
        .map(|r| r.path.as_str())
        .collect();
    assert!(refused.is_empty(), "429s reached the emulator: {refused:?}");
    assert!(
        requests.len() > 2 * LIMIT as usize,
        "the budget was spent more than twice: {} requests",
        requests.len()
    );
    assert!(
        most_in_flight <= CONCURRENCY,
        "{most_in_flight} requests in flight at once, more than --concurrency {CONCURRENCY}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn all_users_are_synced_at_once_within_one_budget_into_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    all_users_sync_at_once_within_one_budget(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_users_are_synced_at_once_within_one_budget_into_postgres() {
    let Some(url) = fresh_postgres("all_users").await else {
        return;
    };
    all_users_sync_at_once_within_one_budget(&url).await;
}

/// A running `oura webhooks serve`: the process, its callback URL, and the rest of its stderr.
struct Receiver {
    process: std::process::Child,
    callback: String,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Receiver {
    /// Starts `serve` (an `oura webhooks serve` command) and reads its callback URL.
    async fn start(mut serve: Command) -> Receiver {
        serve.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut process = serve.spawn().expect("spawn");
        let stderr = process.stderr.take().expect("stderr");
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
        Receiver {
            process,
            callback,
            stderr,
        }
    }

    /// Subscribes the receiver to `event_type` events of workouts.
    async fn subscribe(&self, dir: &Path, emulator: &Emulator, event_type: &str) {
        let mut create = oura(dir);
        create
            .args(["--base-url", &emulator.base_url(), "webhooks", "create"])
            .args(["--callback-url", &self.callback])
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

    /// Waits for the process to end (after its `--count` events); its stderr after the banner.
    async fn finish(self) -> String {
        let Receiver {
            process, mut stderr, ..
        } = self;
        let output = tokio::task::spawn_blocking(move || process.wait_with_output())
            .await
            .expect("join")
            .expect("wait");
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).expect("stderr");
        assert!(output.status.success(), "{rest}");
        rest
    }
}

/// `oura webhooks serve --sync URL` with the common flags.
fn serve(dir: &Path, emulator: &Emulator, url: &str, count: u32) -> Command {
    let mut serve = oura(dir);
    serve
        .args([
            "--base-url",
            &emulator.base_url(),
            "webhooks",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .args(["--count", &count.to_string(), "--client-secret", "emulator-secret"])
        .args(["--verification-token", "vt", "--sync", url]);
    serve
}

/// A walking workout on the emulator's today.
fn workout() -> Document {
    let workout = json!({
        "id": "", "activity": "walking", "day": "2025-06-30", "intensity": "easy", "source": "manual",
        "start_datetime": "2025-06-30T08:00:00+00:00", "end_datetime": "2025-06-30T08:30:00+00:00",
    });
    Document::from_json(Collection::Workout, workout).expect("workout")
}

/// Waits until the workout table holds exactly `expected` (the receiver answers first and
/// applies the event after).
async fn wait_for_workouts(url: &str, expected: &[(String, String)]) {
    let mut polls = 0;
    while rows(url, "oura_workout").await != expected {
        polls += 1;
        assert!(polls < 3000, "the workouts never became {expected:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_serve_sync_upserts_and_deletes_each_events_document() {
    let emulator = emulator(1).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    let mut command = serve(dir.path(), &emulator, &url, 2);
    command.env("OURA_TOKEN", emulator.token(0));
    let receiver = Receiver::start(command).await;
    for event_type in ["create", "delete"] {
        receiver.subscribe(dir.path(), &emulator, event_type).await;
    }

    let id = emulator.add_data(0, workout()).await.expect("added");
    let user = emulator.personal_info(0).expect("user").id;
    wait_for_workouts(&url, &[(user.clone(), id.clone())]).await;
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
    let rest = receiver.finish().await;
    assert!(rest.contains(&format!("sync: workout {id} added")), "{rest}");
    assert!(rest.contains(&format!("sync: workout {id} deleted")), "{rest}");
    assert!(rows(&url, "oura_workout").await.is_empty(), "{rest}");
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_serve_sync_fetches_each_event_with_its_users_token_from_the_store() {
    // Users 0 and 1 are in the token store (0 keyed by Oura's id, 1 by another name); user 2
    // is not.
    let emulator = emulator(3).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    let ids: Vec<String> = (0..3)
        .map(|user| emulator.personal_info(user).expect("user").id)
        .collect();
    let tokens: Vec<String> = (0..2).map(|user| emulator.mint_token(user).expect("token")).collect();
    let store = SqliteTokenStore::connect(&url).await.expect("store");
    store
        .save_user(&ids[0], &TokenSet::new(tokens[0].clone()))
        .await
        .expect("save");
    store
        .save_user("bob", &TokenSet::new(tokens[1].clone()))
        .await
        .expect("save");
    store.pool().close().await;

    let mut command = serve(dir.path(), &emulator, &url, 4);
    command
        .args(["--token-store", &url])
        .args(["--client-id", "emulator-client"]);
    let receiver = Receiver::start(command).await;
    for event_type in ["create", "delete"] {
        receiver.subscribe(dir.path(), &emulator, event_type).await;
    }
    emulator.clear_requests();

    let first = emulator.add_data(0, workout()).await.expect("added");
    wait_for_workouts(&url, &[(ids[0].clone(), first.clone())]).await;
    let second = emulator.add_data(1, workout()).await.expect("added");
    let mut both = vec![(ids[0].clone(), first.clone()), (ids[1].clone(), second.clone())];
    both.sort();
    wait_for_workouts(&url, &both).await;
    let stranger = emulator.add_data(2, workout()).await.expect("added");
    emulator
        .delete_data(0, Collection::Workout, &first)
        .await
        .expect("deleted");
    let rest = receiver.finish().await;

    // Each document was fetched once, with its own user's token; the stranger's not at all.
    let requests = emulator.requests();
    let fetches = |id: &str| -> Vec<Option<usize>> {
        requests
            .iter()
            .filter(|r| r.path == format!("/v2/usercollection/workout/{id}"))
            .map(|r| user_of(r, &tokens))
            .collect()
    };
    assert_eq!(fetches(&first), [Some(0)], "{rest}");
    assert_eq!(fetches(&second), [Some(1)], "{rest}");
    assert!(fetches(&stranger).is_empty(), "{rest}");
    assert!(
        rest.contains(&format!(
            "sync: workout {stranger} skipped: the token store holds no user {}",
            ids[2]
        )),
        "{rest}"
    );
    assert!(rest.contains(&format!("sync: workout {first} deleted")), "{rest}");
    // The delete removed user 0's row only.
    assert_eq!(rows(&url, "oura_workout").await, [(ids[1].clone(), second)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_every_user_with_what_came_stored_and_a_second_run_completes() {
    let emulator = Emulator::builder()
        .users(3)
        .history_days(60)
        .page_size(2)
        .today(today())
        .latency(std::time::Duration::from_millis(20))
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("oura.db").display());
    let store = SqliteTokenStore::connect(&url).await.expect("store");
    for user in 0..3 {
        let token = emulator.mint_token(user).expect("token");
        store
            .save_user(&format!("user{user}"), &TokenSet::new(token))
            .await
            .expect("save");
    }
    store.pool().close().await;
    let sync = || {
        let mut cmd = oura(dir.path());
        cmd.args([
            "--base-url",
            &emulator.base_url(),
            "sync",
            "--database",
            &url,
            "--all-users",
        ])
        .args([
            "--today",
            "2025-06-30",
            "--collections",
            "daily_sleep",
            "--concurrency",
            "2",
        ])
        .args(["--client-id", "emulator-client", "--client-secret", "emulator-secret"]);
        cmd
    };
    let mut first = sync();
    first.stderr(Stdio::piped());
    let child = first.spawn().expect("spawn");
    // Interrupted once rows are stored, before the users are done.
    let stored = || async {
        // The table appears when the command opens the database.
        let pool = sqlx::SqlitePool::connect(&url).await.expect("open");
        let count: Option<(i64,)> = sqlx::query_as("SELECT count(*) FROM oura_daily_sleep")
            .fetch_one(&pool)
            .await
            .ok();
        pool.close().await;
        count.map_or(0, |(n,)| n)
    };
    let mut polls = 0;
    while stored().await == 0 {
        polls += 1;
        assert!(polls < 3000, "no row was ever stored");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(interrupted.success());
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted: what was fetched is stored"), "{stderr}");
    let partial = rows(&url, "oura_daily_sleep").await;

    let stderr = succeeded(&run(sync()).await);
    let stored = rows(&url, "oura_daily_sleep").await;
    let mut expected = Vec::new();
    for user in 0..3 {
        let id = emulator.personal_info(user).expect("user").id;
        expected.extend(
            emulator_ids(&emulator, user, "daily_sleep")
                .await
                .into_iter()
                .map(|d| (id.clone(), d)),
        );
    }
    expected.sort();
    assert!(partial.len() < expected.len(), "the first run was cut short");
    assert!(
        partial.iter().all(|row| expected.contains(row)),
        "nothing stored twice or wrong"
    );
    assert_eq!(stored, expected, "{stderr}");
}
