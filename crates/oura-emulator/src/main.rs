//! `oura-emulator`: serves the emulated Oura API until interrupted.
//!
//! Prints two lines that scripts parse, then a human-readable summary on stderr:
//!
//! ```text
//! base_url=http://127.0.0.1:PORT
//! token=<ready bearer token of user 0>
//! ```

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::NaiveDate;
use clap::Parser;
use oura_emulator::{EmulatorConfig, Faults, RateLimit};

/// The Oura Ring API v2, offline.
#[derive(Parser, Debug)]
#[command(name = "oura-emulator", version, about)]
struct Args {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Seed of all generated data.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Number of users.
    #[arg(long, default_value_t = 2)]
    users: usize,
    /// Documents per page of the date collections.
    #[arg(long = "page-size", default_value_t = 50)]
    page_size: usize,
    /// Samples per page of heartrate and ring_battery_level.
    #[arg(long = "time-series-page-size", default_value_t = 1000)]
    time_series_page_size: usize,
    /// Days of history per user.
    #[arg(long, default_value_t = 730)]
    days: u32,
    /// Last day of the history (YYYY-MM-DD), or `now` (the default: the machine's date, as the
    /// live API's data ends today). Pin it for reproducible runs.
    #[arg(long, default_value = "now")]
    today: String,
    /// Milliseconds from a request's arrival to its answer (the time to build the answer is
    /// part of it, not added to it).
    #[arg(long, default_value_t = 0)]
    latency: u64,
    /// Rate limit per token and per application, as N/SECS.
    #[arg(long = "rate-limit", default_value = "5000/300")]
    rate_limit: RateLimit,
    /// Fraction of requests that fail (split evenly: 5xx, dropped connection, truncated body).
    #[arg(long = "fault-rate", default_value_t = 0.0)]
    fault_rate: f64,
    /// Do not require a User-Agent header.
    #[arg(long = "no-user-agent-check")]
    no_user_agent_check: bool,
    /// Lifetime of issued access tokens, in seconds.
    #[arg(long = "token-lifetime", default_value_t = 86_400)]
    token_lifetime: u64,
    /// OAuth client id and webhook x-client-id.
    #[arg(long = "client-id", default_value = "emulator-client")]
    client_id: String,
    /// OAuth client secret and webhook x-client-secret.
    #[arg(long = "client-secret", default_value = "emulator-secret")]
    client_secret: String,
    /// A redirect URI the application registered (repeatable; default the loopback
    /// `http://127.0.0.1/callback`, `http://localhost/callback`, `http://[::1]/callback`, any port).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Scopes the application may ask for, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    scopes: Vec<String>,
    /// How many requests the request log keeps (the oldest are forgotten first).
    #[arg(long = "request-log", default_value_t = EmulatorConfig::DEFAULT_REQUEST_LOG_CAPACITY)]
    request_log: usize,
}

fn today(text: &str) -> Result<NaiveDate, String> {
    if text == "now" {
        return Ok(chrono::Utc::now().date_naive());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("--today {text:?}: {e}"))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err("--fault-rate must be between 0 and 1".into());
    }
    let mut config = EmulatorConfig::new()
        .bind(SocketAddr::new(args.host, args.port))
        .seed(args.seed)
        .users(args.users)
        .history_days(args.days)
        .page_size(args.page_size)
        .time_series_page_size(args.time_series_page_size)
        .rate_limit(args.rate_limit.requests, args.rate_limit.window)
        .faults(Faults::rate(args.fault_rate))
        .latency(Duration::from_millis(args.latency))
        .require_user_agent(!args.no_user_agent_check)
        .token_lifetime(Duration::from_secs(args.token_lifetime))
        .client(args.client_id, args.client_secret)
        .request_log_capacity(args.request_log)
        .today(today(&args.today).unwrap_or_else(|error| {
            eprintln!("oura-emulator: {error}");
            std::process::exit(2);
        }));
    if !args.redirect_uris.is_empty() {
        config = config.redirect_uris(args.redirect_uris);
    }
    if !args.scopes.is_empty() {
        config = config.scopes(args.scopes.into_iter().map(|s| s.trim().to_owned()));
    }
    // A setting the emulator cannot honour stops it here, with one clear line.
    if let Err(error) = config.validate() {
        eprintln!("oura-emulator: {error}");
        std::process::exit(2);
    }
    let emulator = config.start().await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "base_url={}", emulator.base_url())?;
    writeln!(stdout, "token={}", emulator.token(0))?;
    stdout.flush()?;
    drop(stdout);
    eprintln!(
        "oura-emulator: {} users, {} to {}, listening on {} (Ctrl-C stops)",
        emulator.users(),
        emulator.first_day(),
        emulator.today(),
        emulator.base_url()
    );
    for user in 1..emulator.users() {
        eprintln!("  token of user {user}: {}", emulator.token(user));
    }
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await;
    Ok(())
}
