//! A sync into a database, as its own process (so a test can kill it with SIGKILL mid-way):
//! `oura-sync-probe DATABASE_URL EMULATOR_URL TOKEN USER`. Syncs every collection up to the pinned
//! day 2025-06-30 and prints `stored N` (documents added) when done.

use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate};
use oura_sync::sink::DatabaseSink;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("oura-sync-probe: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [database, emulator, token, user] = args.as_slice() else {
        return Err("usage: oura-sync-probe DATABASE_URL EMULATOR_URL TOKEN USER".into());
    };
    let client = oura::Client::builder()
        .base_url(emulator.as_str())
        .token(token.as_str())
        .application("oura-sync-probe/0")
        .build()?;
    let mut sink = DatabaseSink::connect(database).await?;
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("date")?;
    let now = DateTime::parse_from_rfc3339("2025-06-30T23:59:59+00:00")?;
    let mut options = oura_sync::Options::new(today, now);
    options.user = user.clone();
    options.concurrency = 2;
    let report = oura_sync::run(
        &client,
        &mut sink,
        &options,
        Arc::new(oura_sync::progress::Silent),
        std::future::pending(),
    )
    .await?;
    for collection in &report.collections {
        if let Some(failure) = &collection.failure {
            return Err(format!("{}: {failure}", collection.collection.route).into());
        }
    }
    if let Some(err) = report.finish {
        return Err(err.into());
    }
    let added: u64 = report.collections.iter().map(|c| c.upserted.added).sum();
    println!("stored {added}");
    Ok(())
}
