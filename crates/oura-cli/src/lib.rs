//! The definition of the `oura` command line, for tools that need it without running it: the
//! shell completions (`oura completions`) and the man pages (`cargo xtask man`) are made from
//! [`command()`]. The command itself is the `oura` binary of this package; see the README.
#![warn(missing_docs)]

pub mod cli;

use std::sync::OnceLock;

use clap::CommandFactory as _;

/// The `oura` command line, every subcommand and option, as clap builds it.
pub fn command() -> clap::Command {
    cli::Cli::command().version(version())
}

/// The version `oura --version` prints: the package version and the Oura OpenAPI document the
/// bindings were generated from (the `+oura.<spec>` build metadata of the workspace version,
/// from `openapi/provenance.json`), e.g. `0.1.0 (Oura API 2.0, OpenAPI spec: newest)`.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        use oura::api_sys::ClientInfo as _;
        let full = env!("CARGO_PKG_VERSION");
        let (version, spec) = match full.split_once('+') {
            Some((version, meta)) => (version, meta.strip_prefix("oura.").unwrap_or(meta)),
            None => (full, "unknown"),
        };
        format!(
            "{version} (Oura API {}, OpenAPI spec: {spec})",
            oura::api_sys::Client::api_version()
        )
    })
}

/// The completion script of `shell` for the `oura` command, as `oura completions` prints it.
pub fn completion_script(shell: cli::Shell) -> Vec<u8> {
    use clap_complete::Shell as Target;
    let target = match shell {
        cli::Shell::Bash => Target::Bash,
        cli::Shell::Zsh => Target::Zsh,
        cli::Shell::Fish => Target::Fish,
        cli::Shell::Powershell => Target::PowerShell,
        cli::Shell::Elvish => Target::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(target, &mut command(), "oura", &mut script);
    script
}
