//! Reads Oura's sandbox: fake data, no account, no token.
//!
//! ```text
//! cargo run -p oura-ring --example sandbox
//! ```

use std::process::ExitCode;

use futures::TryStreamExt;
use oura::{Client, DateRange, DateTimeRange};

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
    // OURA_BASE_URL is honoured, so this also runs against the emulator.
    let client = Client::builder_from_env()
        .sandbox(true)
        .application("oura-sandbox-example/1.0")
        .build()?;
    let range = DateRange::last_days(14);

    let sleep = client.daily_sleep().all(range).await?;
    let scores: Vec<i64> = sleep.iter().filter_map(|d| d.score).collect();
    if !scores.is_empty() {
        let mean = scores.iter().sum::<i64>() as f64 / scores.len() as f64;
        println!("{} nights, mean sleep score {mean:.1}", scores.len());
    }

    let mut workouts = client.workout().list(range);
    while let Some(workout) = workouts.try_next().await? {
        let calories = workout
            .calories
            .map_or("-".to_owned(), |kcal| format!("{kcal:.1} kcal"));
        println!("{} {:<20} {calories}", workout.day, workout.activity);
    }

    let samples = client
        .heartrate()
        .all(DateTimeRange::days(DateRange::last_days(2)))
        .await?;
    if let (Some(min), Some(max)) = (samples.iter().map(|s| s.bpm).min(), samples.iter().map(|s| s.bpm).max()) {
        println!("{} heart rate samples, {min}–{max} bpm", samples.len());
    }
    Ok(())
}
