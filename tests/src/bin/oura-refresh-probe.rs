//! One of the N processes of the cross-process refresh test (`tests/tests/token_stores.rs`).
//!
//! `oura-refresh-probe KIND LOCATION USER EMULATOR_URL`, KIND one of `file`, `sqlite`,
//! `postgres`. Opens the store, prints `ready`, waits for a line on stdin (so that every process
//! asks at once), gets an access token through an `Authenticator` (refreshing if the stored one
//! expired), proves it works with one API call, and prints `token <access token>` (emulator
//! tokens only: this binary is a test fixture).

use std::io::BufRead as _;
use std::process::ExitCode;

use oura::oauth::{Authenticator, Endpoints, FileStore, OAuthClient, OAuthConfig, TokenStore};
use oura::oauth::{PostgresTokenStore, SqliteTokenStore};

/// The emulator's default OAuth client.
const CLIENT_ID: &str = "emulator-client";
const CLIENT_SECRET: &str = "emulator-secret";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("oura-refresh-probe: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, location, user, emulator] = args.as_slice() else {
        return Err("usage: oura-refresh-probe KIND LOCATION USER EMULATOR_URL".into());
    };
    let store: std::sync::Arc<dyn TokenStore> = match kind.as_str() {
        "file" => std::sync::Arc::new(FileStore::new(location)),
        "sqlite" => std::sync::Arc::new(SqliteTokenStore::connect(location).await?.user(user.as_str())),
        "postgres" => std::sync::Arc::new(PostgresTokenStore::connect(location).await?.user(user.as_str())),
        other => return Err(format!("unknown store kind {other:?}").into()),
    };
    let endpoints = Endpoints::custom(
        format!("{emulator}/oauth/authorize"),
        format!("{emulator}/oauth/token"),
        format!("{emulator}/oauth/revoke"),
    );
    let config = OAuthConfig::new(CLIENT_ID, CLIENT_SECRET, "http://localhost/callback").with_endpoints(endpoints);
    let oauth = OAuthClient::builder(config)
        .application("oura-refresh-probe/0")
        .build()?;
    let auth = Authenticator::new(oauth, store);
    let client = auth.client_builder().base_url(emulator.as_str()).build()?;

    println!("ready");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;

    let token = auth.access_token().await?;
    client.personal_info().await?;
    println!("token {}", token.expose());
    Ok(())
}
