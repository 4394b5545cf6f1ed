//! `oura emulator`: the Oura API emulator in the foreground.

use crate::cli::EmulatorArgs;
use crate::failure::Failure;

/// Without the `emulator` feature: a usage error that says so.
#[cfg(not(feature = "emulator"))]
pub async fn run(args: &EmulatorArgs) -> Result<(), Failure> {
    let _ = args;
    Err(crate::session::no_emulator())
}

/// Runs the emulator until Ctrl-C. Prints `base_url=...` and `token=...` on stdout, like the
/// `oura-emulator` binary.
#[cfg(feature = "emulator")]
pub async fn run(args: &EmulatorArgs) -> Result<(), Failure> {
    use std::io::Write as _;
    use std::net::SocketAddr;
    use std::time::Duration;

    use chrono::NaiveDate;
    use oura_emulator::{EmulatorConfig, Faults};

    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(Failure::usage("--fault-rate must be between 0 and 1"));
    }
    let (requests, window) = args
        .rate_limit
        .split_once('/')
        .and_then(|(n, secs)| Some((n.trim().parse::<u32>().ok()?, secs.trim().parse::<u64>().ok()?)))
        .filter(|(n, secs)| *n > 0 && *secs > 0)
        .ok_or_else(|| {
            Failure::usage(format!(
                "--rate-limit {:?} is not N/SECS, like 5000/300",
                args.rate_limit
            ))
        })?;
    let today = match &args.today {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|err| Failure::usage(format!("--today {text:?} is not a date like 2024-01-31: {err}")))?,
        None => crate::clock::today()?,
    };
    let emulator = EmulatorConfig::new()
        .bind(SocketAddr::new(args.host, args.port))
        .seed(args.seed)
        .users(args.users.max(1))
        .history_days(args.days.max(1))
        .today(today)
        .page_size(args.page_size.max(1))
        .rate_limit(requests, Duration::from_secs(window))
        // `faults` replaces the latency too: set it first.
        .faults(Faults::rate(args.fault_rate))
        .latency(Duration::from_millis(args.latency))
        .start()
        .await
        .map_err(|err| Failure::io(format!("cannot listen on {}:{}", args.host, args.port), &err))?;
    {
        let mut stdout = std::io::stdout().lock();
        let printed = writeln!(stdout, "base_url={}", emulator.base_url())
            .and_then(|()| writeln!(stdout, "token={}", emulator.token(0)))
            .and_then(|()| stdout.flush());
        printed.map_err(|err| Failure::io("cannot write to stdout", &err))?;
    }
    crate::console::note!(
        "oura emulator: {} users, {} to {}, on {} (Ctrl-C stops); try: OURA_TOKEN={} oura --base-url {} get daily_sleep",
        emulator.users(),
        emulator.first_day(),
        emulator.today(),
        emulator.base_url(),
        emulator.token(0),
        emulator.base_url(),
    );
    tokio::signal::ctrl_c()
        .await
        .map_err(|err| Failure::io("cannot wait for Ctrl-C", &err))?;
    emulator.shutdown().await;
    Ok(())
}
