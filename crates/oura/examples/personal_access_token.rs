//! Reads a week of sleep and readiness with a personal access token.
//!
//! ```text
//! OURA_TOKEN=... cargo run -p oura-ring --example personal_access_token
//! ```

use futures::TryStreamExt;
use oura::{Client, DateRange};

#[tokio::main(flavor = "current_thread")]
async fn main() -> oura::Result<()> {
    // OURA_TOKEN, and OURA_BASE_URL when set (a proxy, the emulator).
    let client = Client::builder_from_env().application("oura-pat-example/1.0").build()?;
    let info = client.personal_info().await?;
    println!("user {} (age {:?})", info.id, info.age);

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
