//! Reads Oura's sandbox: fake data, no account, no token.
//!
//! ```text
//! cargo run -p oura-ring --example sandbox
//! ```

use futures::TryStreamExt;
use oura::{Client, DateRange, DateTimeRange};

#[tokio::main(flavor = "current_thread")]
async fn main() -> oura::Result<()> {
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
        println!("{} {:<20} {:?} kcal", workout.day, workout.activity, workout.calories);
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
