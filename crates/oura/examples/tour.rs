//! A tour of your Oura data: personal info and the last month, summarized.
//!
//! ```text
//! cargo run -p oura-ring --example tour
//! ```
//!
//! With `OURA_TOKEN` set it reads your real data (or `OURA_BASE_URL`'s). Without it, it starts
//! the Oura emulator in-process and tours a generated user: no account, no network.

use std::process::ExitCode;

use futures::TryStreamExt;
use oura::{Client, DateRange, DateTimeRange};

fn mean(values: impl IntoIterator<Item = i64>) -> Option<f64> {
    let (sum, count) = values.into_iter().fold((0i64, 0u32), |(s, c), v| (s + v, c + 1));
    (count > 0).then(|| sum as f64 / f64::from(count))
}

fn show(label: &str, value: Option<f64>, unit: &str) {
    match value {
        Some(v) => println!("  {label:<24} {v:>8.1} {unit}"),
        None => println!("  {label:<24} {:>8}", "-"),
    }
}

#[tokio::main]
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
    let has_token = std::env::var("OURA_TOKEN").is_ok_and(|t| !t.trim().is_empty());
    // Kept alive until the end of main: the emulator stops when dropped.
    let mut emulator = None;
    let (client, today) = if has_token {
        (
            Client::builder_from_env().application("oura-tour/1.0").build()?,
            chrono::Local::now().date_naive(),
        )
    } else {
        let emu = oura_emulator::Emulator::builder()
            .start()
            .await
            .map_err(|err| oura::Error::InvalidInput(format!("starting the emulator: {err}")))?;
        eprintln!("no OURA_TOKEN: touring the built-in emulator at {}", emu.base_url());
        let client = Client::builder()
            .token(emu.token(0))
            .base_url(emu.base_url())
            .application("oura-tour/1.0")
            .build()?;
        let today = emu.today();
        emulator = Some(emu);
        (client, today)
    };

    let month = DateRange::new(today - chrono::Duration::days(29), today)?;
    let info = client.personal_info().await?;
    println!("Oura tour for user {} ({} to {})", info.id, month.start(), month.end());
    if let (Some(age), Some(height), Some(weight)) = (info.age, info.height, info.weight) {
        println!("  age {age}, height {height:.2} m, weight {weight:.1} kg");
    }

    let sleep = client.daily_sleep().all(month).await?;
    let readiness = client.daily_readiness().all(month).await?;
    let activity = client.daily_activity().all(month).await?;
    let periods = client.sleep().all(month).await?;
    let workouts = client.workout().all(month).await?;
    let mut heartrate = client.heartrate().list(DateTimeRange::days(month));
    let (mut samples, mut bpm_sum, mut lowest) = (0u64, 0i64, i64::MAX);
    while let Some(sample) = heartrate.try_next().await? {
        samples += 1;
        bpm_sum += sample.bpm;
        lowest = lowest.min(sample.bpm);
    }

    println!("\nLast 30 days");
    show(
        "sleep score",
        mean(sleep.iter().filter_map(|d| d.score)),
        &format!("({} days)", sleep.len()),
    );
    show(
        "readiness score",
        mean(readiness.iter().filter_map(|d| d.score)),
        &format!("({} days)", readiness.len()),
    );
    show(
        "activity score",
        mean(activity.iter().filter_map(|d| d.score)),
        &format!("({} days)", activity.len()),
    );
    show("steps per day", mean(activity.iter().map(|d| d.steps)), "");
    let asleep = mean(periods.iter().filter_map(|p| p.total_sleep_duration)).map(|s| s / 3600.0);
    show("time asleep per period", asleep, "h");
    show("workouts", Some(workouts.len() as f64), "");
    show(
        "heart rate",
        (samples > 0).then(|| bpm_sum as f64 / samples as f64),
        &format!("bpm mean of {samples} samples"),
    );
    show("lowest heart rate", (samples > 0).then_some(lowest as f64), "bpm");
    if let Some(rate) = client.last_rate_limit().and_then(|r| r.remaining) {
        println!("\n{rate} requests left in the rate-limit window");
    }
    drop(emulator);
    Ok(())
}
