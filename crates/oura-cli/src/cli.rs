//! The command line: global options and every subcommand.

use std::path::PathBuf;

use chrono::NaiveDate;
use oura::Secret;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Your Oura Ring data from the command line: log in, read any collection, export everything
/// incrementally, manage webhooks, or run the offline emulator.
#[derive(Debug, Parser)]
#[command(name = "oura", version, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 success, 1 unexpected (please report), 2 usage, 3 not logged in, \
4 forbidden, 5 not found, 6 rate limited, 7 unavailable, 8 local file error, 9 export incomplete, \
130 interrupted.\n\nOURA_TODAY=YYYY-MM-DD runs the command as if on that day: the default end of \
ranges and the last day of an emulator's history."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// Start the Oura API emulator in this process and use it: no account, no network.
    #[arg(long, global = true)]
    pub emulator: bool,
    /// Use Oura's sandbox (fake data, no login needed).
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Another API root than Oura's own (a proxy, a separately started emulator).
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "OURA_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,
    /// Output format: a table on a terminal and NDJSON when piped, by default. `export` writes
    /// ndjson (default) or csv files.
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Trace requests on stderr (-v: each request; -vv: everything).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print no progress and no summaries: only the data and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// When to color the messages on stderr: `auto` colors a terminal unless `NO_COLOR` is set.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

impl Global {
    /// Folds in the global options given after a command whose help does not show them.
    pub fn merge(&mut self, hidden: &Unused) {
        self.emulator |= hidden.emulator;
        self.sandbox |= hidden.sandbox;
        if self.base_url.is_none() {
            self.base_url.clone_from(&hidden.base_url);
        }
        if self.format.is_none() {
            self.format = hidden.format;
        }
    }
}

/// Global options that a command has no use for: still accepted after it (as always), but not
/// shown in its help. [`Global::merge`] folds them into the global options.
#[derive(Debug, Clone, Default, Args)]
pub struct Unused {
    /// See the global `--emulator`.
    #[arg(long, hide = true)]
    pub emulator: bool,
    /// See the global `--sandbox`.
    #[arg(long, hide = true)]
    pub sandbox: bool,
    /// See the global `--base-url`.
    #[arg(long, hide = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// See the global `--format`.
    #[arg(long, hide = true, value_enum)]
    pub format: Option<Format>,
}

/// Global options that `login` and `logout` have no use for: the output format, the sandbox and
/// the in-process emulator (which would not outlive the login). Still accepted after the
/// command, but not shown in its help.
#[derive(Debug, Clone, Default, Args)]
pub struct UnusedOutput {
    /// See the global `--emulator`.
    #[arg(long, hide = true)]
    pub emulator: bool,
    /// See the global `--sandbox`.
    #[arg(long, hide = true)]
    pub sandbox: bool,
    /// See the global `--format`.
    #[arg(long, hide = true, value_enum)]
    pub format: Option<Format>,
}

impl UnusedOutput {
    /// The same, as the wider set.
    pub fn widen(&self) -> Unused {
        Unused {
            emulator: self.emulator,
            sandbox: self.sandbox,
            format: self.format,
            ..Unused::default()
        }
    }
}

/// When to color messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set (to anything but an empty string).
    Auto,
    /// Always, even when piped.
    Always,
    /// Never.
    Never,
}

/// How documents are printed or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns of the top-level values, for people.
    Table,
    /// One JSON array (or object), pretty-printed.
    Json,
    /// One compact JSON document per line.
    Ndjson,
    /// A header row, then one row per document; nested values as JSON.
    Csv,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in with OAuth in the browser and save the tokens in the configuration directory.
    Login(LoginArgs),
    /// Revoke the saved tokens and delete them.
    Logout {
        /// Global options without use here.
        #[command(flatten)]
        unused: UnusedOutput,
    },
    /// Show the personal info of the logged-in user.
    Whoami,
    /// Print every document of a collection in a range (all pages).
    Get(GetArgs),
    /// Export every collection to files in a directory, incrementally.
    Export(ExportArgs),
    /// Sync every collection into a database (SQLite or PostgreSQL), incrementally.
    Sync(SyncArgs),
    /// Manage webhook subscriptions, or receive events.
    Webhooks {
        /// What to do.
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines).
    Emulator(EmulatorArgs),
    /// Draw charts of an export's daily metrics into one self-contained HTML file.
    Dashboard(DashboardArgs),
    /// Print the completion script of a shell on stdout (see the README for where it goes).
    Completions(CompletionsArgs),
    /// Serve your Oura data to AI assistants over the Model Context Protocol (stdio).
    Mcp(McpArgs),
}

impl Command {
    /// Whether the command serves requests (the emulator, the dashboard, a webhook receiver,
    /// the MCP server): those run a worker per core. The others are clients of Oura.
    pub fn serves(&self) -> bool {
        match self {
            Command::Emulator(_) | Command::Dashboard(_) | Command::Mcp(_) => true,
            Command::Webhooks { command } => matches!(command, WebhooksCommand::Serve(_)),
            Command::Login(_)
            | Command::Logout { .. }
            | Command::Whoami
            | Command::Get(_)
            | Command::Export(_)
            | Command::Sync(_)
            | Command::Completions(_) => false,
        }
    }

    /// The global options given after this command that its help does not show.
    pub fn unused_globals(&self) -> Option<Unused> {
        match self {
            Command::Login(args) => Some(args.unused.widen()),
            Command::Logout { unused } => Some(unused.widen()),
            Command::Emulator(args) => Some(args.unused.clone()),
            Command::Dashboard(args) => Some(args.unused.clone()),
            Command::Completions(args) => Some(args.unused.clone()),
            _ => None,
        }
    }
}

/// `oura dashboard`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["from", "database"])))]
pub struct DashboardArgs {
    /// An export directory, as `oura export --out DIR` writes it (NDJSON or CSV files).
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
    /// A database `oura sync` wrote (`sqlite://PATH` or `postgres://...`), instead of --from.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// The HTML file to write (replaced if it exists).
    #[arg(long, value_name = "FILE", default_value = "oura-dashboard.html")]
    pub out: PathBuf,
    /// First day shown (YYYY-MM-DD). Default: the first day with data.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Last day shown (YYYY-MM-DD). Default: the last day with data.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Global options without use here.
    #[command(flatten)]
    pub unused: Unused,
}

/// `oura completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
    /// Global options without use here.
    #[command(flatten)]
    pub unused: Unused,
}

/// A shell that completions are made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// `oura get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The collection: daily_sleep, sleep, heartrate, vO2_max, ... (`oura get --help` lists them).
    #[arg(value_name = "COLLECTION", long_help = collections_help())]
    pub collection: String,
    /// First day (YYYY-MM-DD), or instant (RFC 3339) for heartrate and ring_battery_level.
    /// Default: a week before the end.
    #[arg(long)]
    pub start: Option<String>,
    /// Last day (inclusive), or instant. Default: today.
    #[arg(long)]
    pub end: Option<String>,
    /// Only the most recent document (of the range, or of the last 30 days).
    #[arg(long)]
    pub latest: bool,
}

fn collections_help() -> String {
    let names: Vec<&str> = oura::COLLECTIONS.iter().map(|c| c.route).collect();
    format!("The collection, one of: {}", names.join(", "))
}

/// `oura export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The directory of the files (created if needed); it also holds the export state.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Fetch from this day (YYYY-MM-DD) instead of where the last export ended; documents
    /// already in the files are not written again. Default on a first export: the setup day
    /// of the user's first ring.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only these collections (comma-separated). Default: all.
    #[arg(long, value_name = "NAMES", value_delimiter = ',', num_args = 1..)]
    pub collections: Vec<String>,
    /// Fetch up to this day (YYYY-MM-DD, inclusive) instead of up to now.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// The permission bits of the files written, in octal. Default 600: only you can read
    /// your health data.
    #[arg(long, value_name = "OCTAL")]
    pub file_mode: Option<String>,
    /// Write CSV cells that begin with `=`, `+`, `-` or `@` as they are. By default such text
    /// gets a leading `'` so a spreadsheet shows it instead of running it as a formula.
    #[arg(long)]
    pub no_csv_guard: bool,
}

/// `oura login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Print the authorization URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// The application's client id.
    #[arg(long, env = "OURA_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The application's client secret (omit for a public PKCE client).
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,
    /// The redirect URI registered for the application; it must be a loopback http URL, where
    /// this command listens for the browser's return (port 0 picks a free port).
    #[arg(long, env = "OURA_REDIRECT_URI", default_value = "http://127.0.0.1:8765/callback")]
    pub redirect_uri: String,
    /// Which authorization server: `legacy` (cloud.ouraring.com) or `moi` (the newer identity
    /// provider, with PKCE). Default: legacy, or the `--base-url` server's own `/oauth/...`
    /// routes (with PKCE) when a base URL is set.
    #[arg(long, value_enum)]
    pub idp: Option<Idp>,
    /// Scopes to ask for (comma-separated). Default: all of them.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub scopes: Vec<String>,
    /// How long to wait for the browser, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Global options without use here.
    #[command(flatten)]
    pub unused: UnusedOutput,
}

/// An authorization server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Idp {
    /// cloud.ouraring.com / api.ouraring.com.
    Legacy,
    /// moi.ouraring.com (PKCE, `extapi:` scopes).
    Moi,
}

/// `oura webhooks ...`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// List the application's subscriptions.
    List(AppArgs),
    /// Create one subscription (Oura calls the callback URL to verify it first).
    Create(CreateArgs),
    /// Renew a subscription (moves its expiration forward).
    Renew(IdArgs),
    /// Delete a subscription.
    Delete(IdArgs),
    /// Make the subscriptions of a callback URL match what is wanted: create the missing,
    /// renew those expiring within a week, and delete the unwanted with `--delete-unwanted`.
    Ensure(EnsureArgs),
    /// Receive events: answer Oura's verification, check signatures, print each event as a JSON
    /// line.
    Serve(ServeArgs),
}

/// The application's credentials, for the subscription routes.
#[derive(Debug, Clone, Args)]
pub struct AppArgs {
    /// The application's client id (default: the one `oura login` saved).
    #[arg(long, env = "OURA_CLIENT_ID")]
    pub client_id: Option<String>,
    /// The application's client secret (default: the one `oura login` saved).
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,
}

/// `oura webhooks create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Credentials.
    #[command(flatten)]
    pub app: AppArgs,
    /// Where Oura sends the events.
    #[arg(long)]
    pub callback_url: String,
    /// The token Oura sends back when it verifies the callback URL.
    #[arg(long, env = "OURA_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: String,
    /// create, update or delete.
    #[arg(long)]
    pub event_type: String,
    /// The collection: sleep, daily_readiness, ...
    #[arg(long)]
    pub data_type: String,
}

/// A subscription id.
#[derive(Debug, Args)]
pub struct IdArgs {
    /// Credentials.
    #[command(flatten)]
    pub app: AppArgs,
    /// The subscription's id.
    pub id: String,
}

/// `oura webhooks ensure`.
#[derive(Debug, Args)]
pub struct EnsureArgs {
    /// Credentials.
    #[command(flatten)]
    pub app: AppArgs,
    /// Where Oura sends the events.
    #[arg(long)]
    pub callback_url: String,
    /// The token Oura sends back when it verifies the callback URL.
    #[arg(long, env = "OURA_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: String,
    /// Data types (comma-separated). Default: every known one.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub data_types: Vec<String>,
    /// Event types (comma-separated). Default: create, update, delete.
    #[arg(long, value_delimiter = ',', num_args = 1..)]
    pub event_types: Vec<String>,
    /// Also delete this callback URL's subscriptions that are not wanted.
    #[arg(long)]
    pub delete_unwanted: bool,
}

/// `oura webhooks serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// The callback path.
    #[arg(long, default_value = "/oura/webhook")]
    pub path: String,
    /// The application's client secret, which signs deliveries (default: the one `oura login` saved).
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,
    /// The verification token given when subscribing.
    #[arg(long, env = "OURA_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: String,
    /// Keep a database current: fetch each event's document and upsert it (delete it on a
    /// delete event), `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, value_name = "URL")]
    pub sync: Option<String>,
    /// With --sync: fetch each event's document with the token of the event's user, from this
    /// token store (a database URL, as `oura sync --all-users` reads). An event of a user the
    /// store does not hold is logged and skipped (answered 200, so Oura does not send it
    /// again). Default: the logged-in user's token for every event.
    #[arg(long, value_name = "URL", requires = "sync", hide_env_values = true)]
    pub token_store: Option<String>,
    /// The application's client id, to refresh the tokens of --token-store (default: the one
    /// `oura login` saved).
    #[arg(long, env = "OURA_CLIENT_ID")]
    pub client_id: Option<String>,
    /// Stop after this many events (default: serve until Ctrl-C).
    #[arg(long)]
    pub count: Option<u64>,
}

/// `oura emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Seed of all generated data.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of users.
    #[arg(long, default_value_t = 2)]
    pub users: usize,
    /// Days of history per user.
    #[arg(long, default_value_t = 730)]
    pub days: u32,
    /// Last day of the history (YYYY-MM-DD). Default: today.
    #[arg(long)]
    pub today: Option<String>,
    /// Documents per page of the date collections.
    #[arg(long, default_value_t = 50)]
    pub page_size: usize,
    /// Milliseconds from a request's arrival to its answer (building the answer is part of it).
    #[arg(long, default_value_t = 0)]
    pub latency: u64,
    /// Rate limit per token and per application, as N/SECS.
    #[arg(long, default_value = "5000/300")]
    pub rate_limit: String,
    /// Fraction of requests that fail (5xx, dropped connections, truncated bodies).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Global options without use here.
    #[command(flatten)]
    pub unused: Unused,
}

/// `oura sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The database: `sqlite://PATH` (created if missing) or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, value_name = "URL", env = "OURA_DATABASE_URL", hide_env_values = true)]
    pub database: String,
    /// Sync every user of the token store (see --token-store) instead of the logged-in user.
    #[arg(long)]
    pub all_users: bool,
    /// The token store of --all-users, a database URL like --database (default: --database).
    #[arg(long, value_name = "URL", requires = "all_users", hide_env_values = true)]
    pub token_store: Option<String>,
    /// The application's credentials, to refresh the tokens of --all-users (default: the ones
    /// `oura login` saved).
    #[command(flatten)]
    pub app: AppArgs,
    /// Only these collections (comma-separated routes; default: every collection).
    #[arg(long, value_delimiter = ',', value_name = "ROUTE")]
    pub collections: Vec<String>,
    /// Fetch from this day (YYYY-MM-DD) instead of where the database stands.
    #[arg(long)]
    pub since: Option<NaiveDate>,
    /// The last day to fetch (default: today, in local time).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Requests in flight at once, across every user. With --all-users it is also the most
    /// users synced at once, all spending one rate budget of the application.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
}

/// `oura mcp`.
#[derive(Debug, Clone, clap::Args)]
pub struct McpArgs {
    /// The date the server takes as today (YYYY-MM-DD): the default end of ranges and, with
    /// `--emulator`, the last day of its history. Default: the local date.
    #[arg(long, value_name = "DATE")]
    pub today: Option<NaiveDate>,
    /// Documents a collection tool returns per call when the call gives no `limit`.
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub limit: u16,
}

/// A secret from the command line or the environment, kept out of `Debug`.
fn secret(text: &str) -> Result<Secret, std::convert::Infallible> {
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use clap::FromArgMatches as _;

    use super::*;

    fn command(args: &[&str]) -> Command {
        let matches = crate::command()
            .try_get_matches_from(std::iter::once("oura").chain(args.iter().copied()))
            .expect("arguments");
        Cli::from_arg_matches(&matches).expect("a command").command
    }

    #[test]
    fn servers_run_a_worker_per_core_and_clients_one() {
        let serve = ["webhooks", "serve", "--verification-token", "t"];
        for args in [&["emulator"][..], &["dashboard", "--from", "d"], &serve, &["mcp"]] {
            assert!(command(args).serves(), "{args:?}");
        }
        for args in [
            &["export", "--out", "d"][..],
            &["get", "daily_sleep"],
            &["webhooks", "list"],
            &["whoami"],
        ] {
            assert!(!command(args).serves(), "{args:?}");
        }
    }
}
