//! `oura`: your Oura Ring data from the command line.
//!
//! Log in with OAuth (or use `OURA_TOKEN`), print any collection, export everything
//! incrementally to NDJSON or CSV files, manage webhook subscriptions, or run the offline
//! emulator. See the README for the commands, the files and the exit codes.

mod catalog;
mod clock;
mod completions;
mod console;
mod dashboard;
mod diagnose;
mod emulator;
mod export;
mod failure;
mod get;
mod login;
mod mcp;
mod output;
mod profile;
mod session;
mod sync;
mod webhook_sync;
mod webhooks;

use std::process::ExitCode;

use clap::FromArgMatches as _;
use oura_ring_cli::cli;

use crate::cli::{Cli, Command};
use crate::failure::Failure;

fn main() -> ExitCode {
    let color = console::color_in_args(std::env::args_os());
    let matches = oura_ring_cli::command().color(console::clap_color(color)).get_matches();
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    if let Some(unused) = cli.command.unused_globals() {
        cli.global.merge(&unused);
    }
    console::init(&cli.global);
    init_tracing(cli.global.verbose);
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    // The in-process emulator (`--emulator`) serves the client's requests beside it.
    if !cli.command.serves() && !cli.global.emulator {
        // A client of Oura waits for it most of the time: one worker reads the answers, and
        // tokio's blocking threads key large batches and write files beside it. An export costs
        // 5–15% less CPU this way than with a worker per core, in the same wall time (measured:
        // `cargo bench -p oura-ring-cli --bench export`).
        runtime.worker_threads(1);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!(
                "{}",
                console::error_line(&format!("cannot start the async runtime: {err}"))
            );
            return ExitCode::from(failure::code::GENERAL);
        }
    };
    let result = runtime.block_on(run(cli));
    // Do not wait for background tasks (an emulator's connections) to wind down.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) if output::is_closed_pipe(&failure) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("{}", console::error_line(&failure.message));
            ExitCode::from(failure.code)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let global = &cli.global;
    match &cli.command {
        Command::Login(args) => login::login(global, args).await,
        Command::Logout { .. } => login::logout(global).await,
        Command::Whoami => get::whoami(global).await,
        Command::Get(args) => get::run(global, args).await,
        Command::Export(args) => export::run(global, args).await,
        Command::Sync(args) => sync::run(global, args).await,
        Command::Webhooks { command } => webhooks::run(global, command).await,
        Command::Emulator(args) => emulator::run(args).await,
        Command::Dashboard(args) => dashboard::run(args).await,
        Command::Completions(args) => completions::run(args),
        Command::Mcp(args) => mcp::run(global, args).await,
    }
}

/// `-v` traces each request (the library's spans) on stderr; `-vv` everything. `RUST_LOG`
/// overrides both.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(filter) if !filter.trim().is_empty() => EnvFilter::new(filter),
        _ => EnvFilter::new(match verbose {
            0 => "warn",
            1 => "warn,oura=debug,oura_cli=info",
            2 => "debug",
            _ => "trace",
        }),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(console::color())
        .compact()
        .try_init();
}
