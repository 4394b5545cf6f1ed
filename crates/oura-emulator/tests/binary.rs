//! The `oura-emulator` binary prints `base_url=` and `token=` and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[tokio::test]
async fn binary_prints_base_url_and_token_then_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oura-emulator"))
        .args([
            "--port",
            "0",
            "--seed",
            "4",
            "--users",
            "3",
            "--page-size",
            "5",
            "--latency",
            "0",
            "--rate-limit",
            "100/60",
            "--fault-rate",
            "0",
            "--today",
            "2025-06-30",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut stderr = BufReader::new(stderr).lines();
    let summary = stderr.next().expect("summary").expect("utf-8");
    assert!(
        summary.contains("to 2025-06-30"),
        "--today pins the last day: {summary}"
    );
    // Keep reading, so the binary's later lines never meet a closed pipe.
    std::thread::spawn(move || stderr.for_each(drop));
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base_url = lines.next().expect("line 1").expect("utf-8");
    let token = lines.next().expect("line 2").expect("utf-8");
    let base_url = base_url.strip_prefix("base_url=").expect("base_url=").to_owned();
    let token = token.strip_prefix("token=").expect("token=").to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");

    let response = oura_api_sys::tls::client_builder()
        .build()
        .expect("http client")
        .get(format!("{base_url}/v2/usercollection/daily_sleep"))
        .header("user-agent", "binary-test/1")
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert_eq!(response.headers()["x-ratelimit-limit"].to_str().expect("header"), "100");
    let page: oura_api_sys::types::MultiDocumentResponsePublicDailySleep = response.json().await.expect("decodes");
    assert_eq!(page.data.len(), 5, "--page-size 5");
    assert!(page.next_token.is_some());

    // Same seed, same token as the library gives.
    let emulator = oura_emulator::EmulatorConfig::new()
        .today(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
        .seed(4)
        .users(3)
        .start()
        .await
        .expect("library");
    assert_eq!(emulator.token(0), token);

    child.kill().expect("kill");
    child.wait().expect("wait");
}

#[test]
fn settings_it_cannot_honour_stop_it_with_one_clear_line() {
    for (flag, value, words) in [
        ("--token-lifetime", "18446744073709551615", "the token lifetime of"),
        ("--rate-limit", "10/100000000000", "the rate limit window"),
        ("--today", "2025-02-30", "--today"),
        ("--scopes", "daily,everything", "unknown scope \"everything\""),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_oura-emulator"))
            .args(["--port", "0", flag, value])
            .stdin(Stdio::null())
            .output()
            .expect("binary runs");
        assert!(!output.status.success(), "{flag} {value} is refused");
        assert!(output.stdout.is_empty(), "{flag} {value}: nothing served");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(words), "{flag} {value}: {stderr}");
        assert!(stderr.lines().count() <= 2, "{flag} {value}: one clear line: {stderr}");
    }
}
