//! What a newcomer runs into, said so they can act: an unreachable server named with the cause
//! and the fix, webhook errors with webhook hints, and a login page that tells the truth.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use chrono::NaiveDate;
use oura_emulator::Emulator;

fn oura(config_dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir)
        .env("OURA_MAX_ATTEMPTS", "1")
        .stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run oura")
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .users(1)
        .history_days(10)
        .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
        .start()
        .await
        .expect("emulator")
}

/// One line on stderr, exit code `code`, containing every one of `parts` and none of `never`.
fn one_line(output: &Output, code: i32, parts: &[&str], never: &[&str]) -> String {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "{part:?} missing: {stderr}");
    }
    for part in never {
        assert!(!stderr.contains(part), "{part:?} present: {stderr}");
    }
    stderr
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_is_named_with_the_cause_and_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A port nothing listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut cmd = oura(dir.path());
    cmd.args(["--base-url", &url, "get", "daily_sleep"])
        .env("OURA_TOKEN", "x");
    one_line(
        &run(cmd).await,
        7,
        &[
            &format!("cannot reach {url}: connection refused"),
            "oura emulator",
            "--base-url",
        ],
        &["try again later"],
    );

    // https:// to a server without TLS.
    let emulator = emulator().await;
    let https = emulator.base_url().replace("http://", "https://");
    let mut cmd = oura(dir.path());
    cmd.args(["--base-url", &https, "get", "daily_sleep"])
        .env("OURA_TOKEN", emulator.token(0));
    one_line(
        &run(cmd).await,
        7,
        &[
            &format!("cannot reach {}", https.trim_end_matches('/')),
            "TLS",
            "http://",
        ],
        &["try again later"],
    );

    // A host name that does not resolve (.invalid never does).
    let mut cmd = oura(dir.path());
    cmd.args(["--base-url", "http://no-such-host.invalid", "whoami"])
        .env("OURA_TOKEN", "x");
    one_line(
        &run(cmd).await,
        7,
        &["cannot reach http://no-such-host.invalid: the host name does not resolve (DNS)"],
        &[],
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn webhook_errors_get_webhook_hints() {
    let emulator = emulator().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let webhooks = |args: &[&str], secret: &str| {
        let mut cmd = oura(dir.path());
        cmd.args(["--base-url", &emulator.base_url(), "webhooks"])
            .args(args)
            .args(["--client-id", "emulator-client", "--client-secret", secret]);
        cmd
    };
    let create = [
        "create",
        "--callback-url",
        "https://example.invalid/hook",
        "--verification-token",
        "t",
        "--event-type",
        "create",
        "--data-type",
        "sleep",
    ];
    // Refused by the server (the emulator only calls loopback URLs): a callback hint, no dates.
    one_line(
        &run(webhooks(&create, "emulator-secret")).await,
        2,
        &[
            "(422",
            "--callback-url https://example.invalid/hook",
            "oura webhooks serve",
        ],
        &["YYYY-MM-DD", "oura login"],
    );
    // Wrong application credentials: the credentials, not a user login.
    one_line(
        &run(webhooks(&["list"], "wrong")).await,
        4,
        &["(403)", "--client-secret"],
        &["oura login", "OURA_TOKEN", "scope"],
    );
    // An unknown id (404, as the live API answers a delete): the way to the known ids.
    one_line(
        &run(webhooks(&["delete", "no-such-id"], "emulator-secret")).await,
        5,
        &["no subscription \"no-such-id\"", "oura webhooks list"],
        &["YYYY-MM-DD", "collection name"],
    );
}

/// The browser's page after the redirect says what the command says: a wrong client secret is
/// a failure on both.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_login_says_so_in_the_browser_too() {
    let emulator = emulator().await;
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
    .args(["--redirect-uri", "http://127.0.0.1:0/callback"])
    .env("OURA_CLIENT_ID", "emulator-client")
    .env("OURA_CLIENT_SECRET", "not-the-secret")
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).expect("line");
        line.trim().to_owned()
    })
    .await
    .expect("join");
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
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let message = stderr
        .lines()
        .find_map(|line| line.strip_prefix("error: "))
        .expect("an error line");
    assert!(page.contains("<h1>Login failed</h1>"), "{page}");
    assert!(!page.contains("Logged in"), "{page}");
    let shown = page
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(shown.contains(message), "the page shows {message:?}: {page}");
    assert!(
        !page.contains("not-the-secret") && !stderr.contains("not-the-secret"),
        "no secret shown"
    );
    assert!(!dir.path().join("tokens.json").exists());
}
