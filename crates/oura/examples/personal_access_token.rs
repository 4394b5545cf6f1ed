//! Reads a week of sleep and readiness with a personal access token.
//!
//! ```text
//! OURA_TOKEN=... cargo run -p oura-ring --example personal_access_token
//! ```

use std::process::ExitCode;

use futures::TryStreamExt;
use oura::{Client, DateRange};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", report(&err));
            ExitCode::FAILURE
        }
    }
}

/// One line for a failure: the error and its deepest cause (`connection refused`, a DNS
/// failure), never a `Debug` dump.
fn report(err: &oura::Error) -> String {
    let mut line = err.to_string();
    let mut source = std::error::Error::source(err);
    let mut deepest = None;
    while let Some(cause) = source {
        deepest = Some(cause.to_string());
        source = cause.source();
    }
    if let Some(deepest) = deepest.filter(|cause| !line.contains(cause.as_str())) {
        line = format!("{line} ({deepest})");
    }
    line
}

async fn run() -> oura::Result<()> {
    // OURA_TOKEN, and OURA_BASE_URL when set (a proxy, the emulator).
    let client = Client::builder_from_env().application("oura-pat-example/1.0").build()?;
    let info = client.personal_info().await?;
    match info.age {
        Some(age) => println!("user {} (age {age})", info.id),
        None => println!("user {}", info.id),
    }

    let week = DateRange::last_days(7);
    let mut nights = client.daily_sleep().list(week);
    while let Some(night) = nights.try_next().await? {
        println!(
            "{}  sleep score {:>3}",
            night.day,
            night.score.map_or("-".into(), |s| s.to_string())
        );
    }
    let readiness = client.daily_readiness().all(week).await?;
    for day in readiness {
        println!(
            "{}  readiness   {:>3}",
            day.day,
            day.score.map_or("-".into(), |s| s.to_string())
        );
    }
    Ok(())
}
