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
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let base_url = lines.next().expect("line 1").expect("utf-8");
    let token = lines.next().expect("line 2").expect("utf-8");
    let base_url = base_url.strip_prefix("base_url=").expect("base_url=").to_owned();
    let token = token.strip_prefix("token=").expect("token=").to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");

    let response = reqwest::Client::new()
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
        .seed(4)
        .users(3)
        .start()
        .await
        .expect("library");
    assert_eq!(emulator.token(0), token);

    child.kill().expect("kill");
    child.wait().expect("wait");
}
