//! The `oura` binary against the emulator: every command, incremental and resumed exports,
//! the rate limit, login, webhooks.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use futures::TryStreamExt as _;
use oura_emulator::{Collection, Document, Emulator, EmulatorConfig, Faults};
use serde_json::{Value, json};

/// The day these tests run on: `OURA_EMULATOR_TODAY` (the suite is run again on other days in
/// CI), else a fixed date; never the machine's. The command is pinned to it with `OURA_TODAY`.
fn today() -> NaiveDate {
    let pinned = std::env::var(EmulatorConfig::TODAY_ENV).ok();
    let text = pinned
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("2025-06-30");
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a YYYY-MM-DD date")
}

fn days_ago(days: i64) -> String {
    (today() - chrono::Duration::days(days)).to_string()
}

/// One user, 40 days ending today, small pages.
fn small() -> EmulatorConfig {
    Emulator::builder().users(1).history_days(40).page_size(10)
}

async fn start(config: EmulatorConfig) -> Emulator {
    config.today(today()).start().await.expect("emulator")
}

/// The binary, with a private configuration directory and no `OURA_*` variables of the caller.
fn oura(config_dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir)
        .env("OURA_TODAY", today().to_string())
        .stdin(Stdio::null());
    cmd
}

/// The binary pointed at `emulator` with user 0's token.
fn against(emulator: &Emulator, config_dir: &Path) -> Command {
    let mut cmd = oura(config_dir);
    cmd.arg("--base-url")
        .arg(emulator.base_url())
        .env("OURA_TOKEN", emulator.token(0));
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run oura")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    );
}

#[track_caller]
fn failed_with(output: &Output, code: i32, message: &str) {
    assert_eq!(output.status.code(), Some(code), "stderr: {}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(message), "{stderr:?} lacks {message:?}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr:?}");
}

fn ndjson(bytes: &[u8]) -> Vec<Value> {
    text(bytes)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

fn read_ndjson(path: &Path) -> Vec<Value> {
    ndjson(&std::fs::read(path).unwrap_or_default())
}

/// What the library reads from the emulator for the same range.
async fn expected(emulator: &Emulator, route: &str, start: Option<&str>, end: Option<&str>) -> Vec<Value> {
    let client = oura::Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(0))
        .build()
        .expect("client");
    let collection = oura::collection(route).expect("a collection");
    let range = oura::AnyRange::from_bounds(collection.range, start, end).expect("a range");
    oura::list_by_route(&client, route, range)
        .expect("route")
        .try_collect()
        .await
        .expect("documents")
}

fn data_requests(emulator: &Emulator, route: &str) -> Vec<oura_emulator::RecordedRequest> {
    let path = format!("/v2/usercollection/{route}");
    emulator.requests().into_iter().filter(|r| r.path == path).collect()
}

/// The identity of a document, as the export dedupes: its id, else its timestamp.
fn key(doc: &Value) -> String {
    doc.get("id")
        .or_else(|| doc.get("timestamp"))
        .and_then(Value::as_str)
        .expect("id or timestamp")
        .to_owned()
}

#[track_caller]
fn assert_unique(docs: &[Value], what: &str) {
    let keys: HashSet<String> = docs.iter().map(key).collect();
    assert_eq!(keys.len(), docs.len(), "{what} has duplicates");
}

/// The day collections, from the collection table.
fn day_collections() -> Vec<&'static str> {
    oura::COLLECTIONS
        .iter()
        .filter(|c| c.range == oura::RangeKind::Days)
        .map(|c| c.route)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn get_prints_every_document_of_every_page() {
    let emulator = start(small()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let (start_day, end_day) = (days_ago(25), today().to_string());
    let want = expected(&emulator, "daily_sleep", Some(&start_day), Some(&end_day)).await;
    assert!(want.len() >= 15, "{} nights", want.len());
    emulator.clear_requests();

    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "daily_sleep", "--start", &start_day, "--end", &end_day]);
    let output = run(cmd).await;
    succeeded(&output);
    assert_eq!(ndjson(&output.stdout), want, "NDJSON when piped, every page");
    let requests = data_requests(&emulator, "daily_sleep");
    assert_eq!(requests.len(), want.len().div_ceil(10), "one request per page of 10");
    assert!(
        requests
            .iter()
            .all(|r| r.header("user-agent").is_some_and(|ua| ua.starts_with("oura-cli/")))
    );

    // The same documents in every other format.
    let mut cmd = against(&emulator, dir.path());
    cmd.args([
        "get",
        "daily_sleep",
        "--start",
        &start_day,
        "--end",
        &end_day,
        "--format",
        "json",
    ]);
    let output = run(cmd).await;
    succeeded(&output);
    let array: Vec<Value> = serde_json::from_slice(&output.stdout).expect("a JSON array");
    assert_eq!(array, want);

    let mut cmd = against(&emulator, dir.path());
    cmd.args([
        "get",
        "daily-sleep",
        "--start",
        &start_day,
        "--end",
        &end_day,
        "--format",
        "csv",
    ]);
    let output = run(cmd).await;
    succeeded(&output);
    let csv = text(&output.stdout);
    let mut rows = csv.lines();
    // The model's fields in spec order, then the column of fields the model lacks.
    assert_eq!(rows.next(), Some("id,contributors,day,score,timestamp,_other"));
    assert_eq!(rows.count(), want.len());
    let first = &want[0];
    let row = csv
        .lines()
        .find(|row| row.starts_with(&format!("{},", first["id"].as_str().expect("id"))))
        .expect("the first document's row");
    assert!(
        row.contains(&format!(",{},", first["day"].as_str().expect("day"))),
        "{row}"
    );

    let mut cmd = against(&emulator, dir.path());
    cmd.args([
        "get",
        "daily_sleep",
        "--start",
        &start_day,
        "--end",
        &end_day,
        "--format",
        "table",
    ]);
    let output = run(cmd).await;
    succeeded(&output);
    let table = text(&output.stdout);
    assert!(table.starts_with("day "), "{table}");
    assert!(table.ends_with(&format!("({} documents)\n", want.len())), "{table}");
}

#[tokio::test(flavor = "multi_thread")]
async fn get_latest_and_whoami() {
    let emulator = start(small()).await;
    let dir = tempfile::tempdir().expect("tempdir");

    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "heartrate", "--latest", "--format", "json"]);
    let output = run(cmd).await;
    succeeded(&output);
    let sample: Value = serde_json::from_slice(&output.stdout).expect("one object");
    assert!(
        sample["bpm"].as_i64().is_some_and(|bpm| (30..=220).contains(&bpm)),
        "{sample}"
    );
    let requests = data_requests(&emulator, "heartrate");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].query_param("latest").as_deref(), Some("true"));

    let month = expected(&emulator, "daily_readiness", Some(&days_ago(29)), None).await;
    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "daily_readiness", "--latest", "--format", "ndjson"]);
    let output = run(cmd).await;
    succeeded(&output);
    assert_eq!(
        ndjson(&output.stdout),
        vec![month.last().cloned().expect("a readiness")]
    );

    let mut cmd = against(&emulator, dir.path());
    cmd.args(["whoami", "--format", "json"]);
    let output = run(cmd).await;
    succeeded(&output);
    let me: Value = serde_json::from_slice(&output.stdout).expect("object");
    assert_eq!(
        me,
        serde_json::to_value(emulator.personal_info(0).expect("user")).expect("json")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_are_one_line_with_documented_exit_codes() {
    let emulator = start(small()).await;
    let dir = tempfile::tempdir().expect("tempdir");

    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "sleeps"]);
    failed_with(
        &run(cmd).await,
        2,
        "unknown collection \"sleeps\": use one of daily_activity",
    );

    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "daily_sleep", "--start", "2025-02-10", "--end", "2025-02-01"]);
    failed_with(&run(cmd).await, 2, "starts (2025-02-10) after it ends (2025-02-01)");

    let mut cmd = oura(dir.path());
    cmd.args(["get", "daily_sleep"]);
    failed_with(&run(cmd).await, 3, "not logged in: run `oura login`");

    let mut cmd = against(&emulator, dir.path());
    cmd.env("OURA_TOKEN", "not-a-token").args(["get", "daily_sleep"]);
    failed_with(&run(cmd).await, 3, "run `oura login` again");

    let mut cmd = oura(dir.path());
    cmd.env("OURA_TOKEN", "t")
        .env("OURA_MAX_ATTEMPTS", "1")
        .args(["--base-url", "http://127.0.0.1:9", "get", "sleep"]);
    failed_with(
        &run(cmd).await,
        7,
        "cannot reach http://127.0.0.1:9: connection refused",
    );

    let mut cmd = oura(dir.path());
    cmd.args(["--emulator", "--base-url", "http://127.0.0.1:9", "whoami"]);
    failed_with(&run(cmd).await, 2, "do not go together");

    let mut cmd = oura(dir.path());
    cmd.args(["--emulator", "export", "--out"])
        .arg(dir.path().join("x"))
        .args(["--format", "table"]);
    failed_with(&run(cmd).await, 2, "export writes ndjson or csv files");

    // clap's own usage errors exit 2 as well.
    let mut cmd = oura(dir.path());
    cmd.args(["get"]);
    assert_eq!(run(cmd).await.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_in_process_emulator_needs_no_account_and_traces_with_v() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = oura(dir.path());
    cmd.args(["--emulator", "-v", "whoami", "--format", "json"]);
    let output = run(cmd).await;
    succeeded(&output);
    let me: Value = serde_json::from_slice(&output.stdout).expect("object");
    assert_eq!(me["email"], "user0@example.com");
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("oura.request") && stderr.contains("status=200"),
        "{stderr}"
    );
    assert!(!stderr.contains("emu_ready"), "no token in traces: {stderr}");

    // The day is pinned by OURA_TODAY (the export below ends on it); one that is not a date is a
    // usage error before anything starts, not the machine's date.
    let mut cmd = oura(dir.path());
    cmd.env("OURA_TODAY", "2025-02-29").args(["--emulator", "whoami"]);
    failed_with(&run(cmd).await, 2, "OURA_TODAY=\"2025-02-29\" is not a date");

    // The README's offline export, limited to two collections to stay quick: with no --since it
    // starts at the first ring's setup and so holds the whole history.
    let out = dir.path().join("oura-data");
    let mut cmd = oura(dir.path());
    cmd.args([
        "--emulator",
        "export",
        "--collections",
        "daily_sleep,ring_configuration",
        "--out",
    ])
    .arg(&out);
    let output = run(cmd).await;
    succeeded(&output);
    let reference = start(Emulator::builder()).await;
    let want = expected(
        &reference,
        "daily_sleep",
        Some(&reference.first_day().to_string()),
        None,
    )
    .await;
    assert_eq!(read_ndjson(&out.join("daily_sleep.ndjson")), want);
    let rings = read_ndjson(&out.join("ring_configuration.ndjson"));
    assert_eq!(rings, expected(&reference, "ring_configuration", None, None).await);
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            ".oura-export.json",
            ".oura-export.lock",
            "daily_sleep.ndjson",
            "ring_configuration.ndjson"
        ]
    );
}

/// The export's state file.
fn state(dir: &Path) -> BTreeMap<String, Value> {
    let state: Value =
        serde_json::from_slice(&std::fs::read(dir.join(".oura-export.json")).expect("state")).expect("json");
    state["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A full reference export of `emulator` from `since`.
async fn reference_export(emulator: &Emulator, since: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = against(emulator, dir.path());
    cmd.args(["export", "--since", since, "--out"]).arg(dir.path());
    succeeded(&run(cmd).await);
    dir
}

/// Every day collection holds exactly the reference's documents; the time series hold every
/// reference sample up to their own last one, once.
#[track_caller]
fn assert_same_export(out: &Path, reference: &Path) {
    for route in day_collections().into_iter().chain(["ring_configuration"]) {
        let file = format!("{route}.ndjson");
        let got = read_ndjson(&out.join(&file));
        assert_unique(&got, route);
        assert_eq!(got, read_ndjson(&reference.join(&file)), "{route}");
    }
    for route in ["heartrate", "ring_battery_level"] {
        let file = format!("{route}.ndjson");
        let got = read_ndjson(&out.join(&file));
        assert_unique(&got, route);
        let last = got
            .last()
            .map(|d| d["timestamp"].as_str().expect("ts").to_owned())
            .expect("samples");
        let last = DateTime::parse_from_rfc3339(&last).expect("ts");
        let want: Vec<Value> = read_ndjson(&reference.join(&file))
            .into_iter()
            .filter(|d| DateTime::parse_from_rfc3339(d["timestamp"].as_str().expect("ts")).expect("ts") <= last)
            .collect();
        assert_eq!(got, want, "{route}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_collection_is_reported_and_fetched_on_the_next_run() {
    let config = || Emulator::builder().seed(7).users(1).history_days(20).page_size(10);
    let faulty = start(config().route_faults(
        "/v2/usercollection/heartrate",
        Faults {
            server_error_rate: 1.0,
            ..Faults::none()
        },
    ))
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let since = days_ago(19);
    let mut cmd = against(&faulty, dir.path());
    cmd.env("OURA_MAX_ATTEMPTS", "1")
        .args(["export", "--since", &since, "--out"])
        .arg(&out);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(9), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("error: heartrate: Oura failed to answer"), "{stderr}");
    assert!(stderr.contains("1 of 18 collections failed"), "{stderr}");
    assert!(!out.join("heartrate.ndjson").exists());
    let committed = state(&out);
    assert_eq!(committed.len(), 17, "every collection but heartrate: {committed:?}");
    assert!(!committed.contains_key("heartrate.ndjson"));

    // The same data, now served without faults: the next run completes the export.
    drop(faulty);
    let healthy = start(config()).await;
    let mut cmd = against(&healthy, dir.path());
    cmd.args(["export", "--out"]).arg(&out);
    succeeded(&run(cmd).await);
    let reference = reference_export(&healthy, &since).await;
    assert_same_export(&out, reference.path());
}

#[tokio::test(flavor = "multi_thread")]
async fn export_slows_down_before_the_rate_limit_refuses() {
    let emulator = start(
        Emulator::builder()
            .users(1)
            .history_days(20)
            .rate_limit(8, Duration::from_secs(2)),
    )
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let since = days_ago(19);
    let started = Instant::now();
    let mut cmd = against(&emulator, dir.path());
    cmd.args([
        "export",
        "--since",
        &since,
        "--concurrency",
        "3",
        "--collections",
        "daily_sleep,daily_readiness,daily_activity,sleep,workout,session,heartrate",
        "--out",
    ])
    .arg(&out);
    let output = run(cmd).await;
    succeeded(&output);
    let requests: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .collect();
    assert!(requests.len() > 8, "{} requests: more than the limit", requests.len());
    assert_eq!(requests.iter().filter(|r| r.status == Some(429)).count(), 0, "no 429");
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert!(
        text(&output.stderr).contains("waiting for the rate limit"),
        "{}",
        text(&output.stderr)
    );
    for route in ["daily_sleep", "sleep", "workout"] {
        let docs = read_ndjson(&out.join(format!("{route}.ndjson")));
        assert_eq!(docs, expected(&emulator, route, Some(&since), None).await, "{route}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_waits_out_a_429() {
    let emulator = start(small().rate_limit(3, Duration::from_secs(2))).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let want = expected(&emulator, "daily_stress", None, None).await; // 1 request
    let http = oura::api_sys::tls::client_builder().build().expect("http client");
    for _ in 0..2 {
        http.get(format!("{}/v2/usercollection/daily_stress", emulator.base_url()))
            .header("user-agent", "test/1")
            .bearer_auth(emulator.token(0))
            .send()
            .await
            .expect("request");
    }
    let mut cmd = against(&emulator, dir.path());
    cmd.args(["get", "daily_stress"]);
    let output = run(cmd).await;
    succeeded(&output);
    assert_eq!(ndjson(&output.stdout), want);
    let statuses: Vec<Option<u16>> = data_requests(&emulator, "daily_stress")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(&statuses[3..], &[Some(429), Some(200)], "{statuses:?}");
}

/// Reads one line of a child's pipe without blocking the runtime.
async fn line_of(pipe: impl std::io::Read + Send + 'static) -> (String, BufReader<Box<dyn std::io::Read + Send>>) {
    tokio::task::spawn_blocking(move || {
        let mut reader = BufReader::new(Box::new(pipe) as Box<dyn std::io::Read + Send>);
        let mut line = String::new();
        reader.read_line(&mut line).expect("line");
        (line.trim().to_owned(), reader)
    })
    .await
    .expect("join")
}

#[tokio::test(flavor = "multi_thread")]
async fn login_whoami_logout() {
    let emulator = start(small()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = oura(dir.path());
    cmd.args([
        "--base-url",
        &emulator.base_url(),
        "login",
        "--no-browser",
        "--timeout",
        "20",
    ])
    .args([
        "--redirect-uri",
        "http://127.0.0.1:0/callback",
        "--scopes",
        "personal,email,daily",
    ])
    .env("OURA_CLIENT_ID", "emulator-client")
    .env("OURA_CLIENT_SECRET", "emulator-secret")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let (url, _rest) = line_of(child.stdout.take().expect("stdout")).await;
    assert!(
        url.starts_with(&format!("{}/oauth/authorize?", emulator.base_url())),
        "{url}"
    );
    // The "browser": the emulator consents at once and redirects to the loopback listener.
    let page = oura::api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .get(&url)
        .send()
        .await
        .expect("authorize")
        .text()
        .await
        .expect("page");
    assert!(page.contains("Logged in"), "{page}");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    succeeded(&output);
    assert!(
        text(&output.stderr).contains("Logged in (scopes: personal email daily)"),
        "{}",
        text(&output.stderr)
    );
    let authorize = emulator
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth/authorize")
        .expect("authorize");
    assert_eq!(
        authorize.query_param("code_challenge_method").as_deref(),
        Some("S256"),
        "PKCE"
    );
    assert!(dir.path().join("tokens.json").exists() && dir.path().join("login.json").exists());

    // The saved login is used (and its API root remembered) without any flag.
    let mut cmd = oura(dir.path());
    cmd.args(["whoami", "--format", "json"]);
    let output = run(cmd).await;
    succeeded(&output);
    let me: Value = serde_json::from_slice(&output.stdout).expect("object");
    assert_eq!(
        me,
        serde_json::to_value(emulator.personal_info(0).expect("user")).expect("json")
    );

    // OURA_TOKEN overrides the saved login.
    let mut cmd = oura(dir.path());
    cmd.env("OURA_TOKEN", "not-a-token").arg("whoami");
    failed_with(&run(cmd).await, 3, "Oura rejected the access token (401)");

    let mut cmd = oura(dir.path());
    cmd.arg("logout");
    let output = run(cmd).await;
    succeeded(&output);
    assert!(text(&output.stderr).contains("Logged out"));
    assert!(emulator.requests().iter().any(|r| r.path == "/oauth/revoke"));
    assert!(!dir.path().join("tokens.json").exists() && !dir.path().join("login.json").exists());

    let mut cmd = oura(dir.path());
    cmd.arg("whoami");
    failed_with(&run(cmd).await, 3, "not logged in");
}

#[tokio::test(flavor = "multi_thread")]
async fn webhooks_subscribe_renew_ensure_receive_and_delete() {
    let emulator = start(small()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut serve = oura(dir.path());
    serve
        .args(["webhooks", "serve", "--listen", "127.0.0.1:0", "--count", "1"])
        .args(["--client-secret", "emulator-secret", "--verification-token", "vt"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut server = serve.spawn().expect("spawn");
    let (banner, _stderr) = line_of(server.stderr.take().expect("stderr")).await;
    let callback = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("callback URL")
        .to_owned();
    let webhooks = |args: &[&str]| {
        let mut cmd = oura(dir.path());
        cmd.args(["--base-url", &emulator.base_url(), "--format", "ndjson", "webhooks"])
            .args(args)
            .env("OURA_CLIENT_ID", "emulator-client")
            .env("OURA_CLIENT_SECRET", "emulator-secret");
        cmd
    };
    let list = |ids: usize| {
        let cmd = webhooks(&["list"]);
        async move {
            let output = run(cmd).await;
            succeeded(&output);
            let subs = ndjson(&output.stdout);
            assert_eq!(subs.len(), ids, "{subs:?}");
            subs
        }
    };

    let output = run(webhooks(&[
        "create",
        "--callback-url",
        &callback,
        "--event-type",
        "create",
        "--data-type",
        "workout",
        "--verification-token",
        "vt",
    ]))
    .await;
    succeeded(&output);
    let created = ndjson(&output.stdout).remove(0);
    assert_eq!(
        (created["event_type"].as_str(), created["data_type"].as_str()),
        (Some("create"), Some("workout"))
    );
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(list(1).await[0]["id"], id.as_str());

    let output = run(webhooks(&["renew", &id])).await;
    succeeded(&output);
    let renewed = ndjson(&output.stdout).remove(0);
    assert!(renewed["expiration_time"].as_str() >= created["expiration_time"].as_str());

    let ensure = |extra: &[&str]| {
        let mut args = vec![
            "ensure",
            "--callback-url",
            &callback,
            "--verification-token",
            "vt",
            "--data-types",
            "sleep,workout",
        ];
        args.extend_from_slice(extra);
        webhooks(&args)
    };
    let output = run(ensure(&["--event-types", "create,delete"])).await;
    succeeded(&output);
    assert!(
        text(&output.stderr).contains("created 3, renewed 0, deleted 0, kept 1"),
        "{}",
        text(&output.stderr)
    );
    list(4).await;
    let output = run(ensure(&["--event-types", "create,delete"])).await;
    succeeded(&output);
    assert!(
        text(&output.stderr).contains("created 0, renewed 0, deleted 0, kept 4"),
        "{}",
        text(&output.stderr)
    );
    let output = run(ensure(&["--event-types", "create", "--delete-unwanted"])).await;
    succeeded(&output);
    assert!(
        text(&output.stderr).contains("created 0, renewed 0, deleted 2, kept 2"),
        "{}",
        text(&output.stderr)
    );

    // An event reaches the receiver, which verifies it and prints it.
    let workout = json!({
        "id": "", "activity": "walking", "day": today().to_string(), "intensity": "easy", "source": "manual",
        "start_datetime": format!("{}T08:00:00+00:00", today()), "end_datetime": format!("{}T08:30:00+00:00", today()),
    });
    let object_id = emulator
        .add_data(0, Document::from_json(Collection::Workout, workout).expect("workout"))
        .await
        .expect("added");
    let output = tokio::task::spawn_blocking(move || server.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    succeeded(&output);
    let events = ndjson(&output.stdout);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["object_id"], object_id.as_str());
    assert_eq!(events[0]["data_type"], "workout");
    assert_eq!(
        events[0]["user_id"],
        emulator.personal_info(0).expect("user").id.as_str()
    );

    succeeded(&run(webhooks(&["delete", &id])).await);
    assert!(list(1).await.iter().all(|s| s["id"] != id.as_str()));
    // Renewing an unknown id answers 404 (as the live API does): not found, with the way to
    // the known ids.
    let output = run(webhooks(&["renew", &id])).await;
    assert_eq!(
        output.status.code(),
        Some(5),
        "an unknown id is not found (404, as Oura answers a renewal of an unknown id): {}",
        text(&output.stderr)
    );
    assert!(
        text(&output.stderr).contains(&format!("no subscription \"{id}\": `oura webhooks list` shows the ids")),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_command_serves_until_stopped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = oura(dir.path());
    cmd.args(["emulator", "--port", "0", "--days", "10", "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().expect("spawn");
    let (base, rest) = line_of(child.stdout.take().expect("stdout")).await;
    let (token, _) = line_of(rest).await;
    let base = base.strip_prefix("base_url=").expect("base_url line").to_owned();
    let token = token.strip_prefix("token=").expect("token line").to_owned();
    let mut get = oura(dir.path());
    get.args(["--base-url", &base, "get", "daily_sleep", "--start", &days_ago(9)])
        .env("OURA_TOKEN", &token);
    let output = run(get).await;
    child.kill().expect("kill");
    let _ = child.wait();
    succeeded(&output);
    let nights = ndjson(&output.stdout);
    assert!((7..=10).contains(&nights.len()), "{} nights", nights.len());
    assert_eq!(
        nights.last().map(|n| n["day"].clone()),
        Some(json!(today().to_string()))
    );
}
