//! `cargo xtask`: the workspace's spec pipeline.
//!
//! - `spec fetch` downloads Oura's OpenAPI document, normalizes it and writes `openapi/`.
//! - `spec check` compares the committed spec with upstream and fails on drift.
//! - `spec diff` reports the semantic differences between two upstream documents.
//! - `generate` regenerates `crates/oura-api-sys/src/generated.rs` (`--check` compares only).
//! - `verify-all` runs normalize + generate on every upstream copy in `../shared`.

mod catalog;
mod diff;
mod generate;
mod normalize;
mod spec;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Spec pipeline and code generation for the Oura client"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fetch, compare and diff Oura's OpenAPI document.
    Spec {
        #[command(subcommand)]
        command: SpecCommand,
    },
    /// Regenerate the `oura-api-sys` bindings from the committed spec.
    Generate {
        /// Compare with the committed file instead of writing it; fail when stale.
        #[arg(long)]
        check: bool,
    },
    /// Normalize and generate every upstream copy in the shared directory, into a temporary
    /// directory, and report what each normalization step changed.
    VerifyAll,
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Download the upstream document, normalize it and write `openapi/`.
    Fetch {
        /// Upstream version, as in `openapi-<VERSION>.json`.
        #[arg(long, default_value = spec::DEFAULT_VERSION)]
        version: String,
        /// Read this path or URL instead of Oura's download address.
        #[arg(long)]
        from: Option<String>,
    },
    /// Normalize upstream and fail with a drift report when it differs from the committed spec.
    Check {
        /// Path or URL of the upstream document (default: `$OURA_SPEC_UPSTREAM`, else Oura's
        /// address for the recorded version).
        #[arg(long)]
        upstream: Option<String>,
    },
    /// Report the differences between two upstream documents, in Markdown.
    Diff { old: String, new: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Spec { command } => match command {
            SpecCommand::Fetch { version, from } => spec::fetch(&version, from.as_deref()),
            SpecCommand::Check { upstream } => spec::check(upstream.as_deref()),
            SpecCommand::Diff { old, new } => spec::diff(&old, &new),
        },
        Command::Generate { check } => {
            if check {
                generate::check()
            } else {
                generate::write()
            }
        }
        Command::VerifyAll => spec::verify_all(),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The shared context directory: `$OURA_SHARED`, else `../shared` beside the workspace.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("OURA_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("..").join("shared"),
    }
}
