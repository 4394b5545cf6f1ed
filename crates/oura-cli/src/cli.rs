//! The command line: global options and every subcommand.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Your Oura Ring data from the command line: log in, read any collection, export everything
/// incrementally, manage webhooks, or run the offline emulator.
#[derive(Debug, Parser)]
#[command(name = "oura", version, propagate_version = true, max_term_width = 100)]
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
    Logout,
    /// Show the personal info of the logged-in user.
    Whoami,
    /// Print every document of a collection in a range (all pages).
    Get(GetArgs),
    /// Export every collection to files in a directory, incrementally.
    Export(ExportArgs),
    /// Sync every collection into a database (SQLite or PostgreSQL), incrementally.
    Sync(crate::sync::SyncArgs),
    /// Manage webhook subscriptions, or receive events.
    Webhooks {
        /// What to do.
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Run the Oura API emulator in the foreground (prints `base_url=` and `token=` lines).
    Emulator(EmulatorArgs),
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
    let names: Vec<&str> = crate::catalog::COLLECTIONS.iter().map(|c| c.route).collect();
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
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
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
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
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
    #[arg(long, env = "OURA_CLIENT_SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The verification token given when subscribing.
    #[arg(long, env = "OURA_VERIFICATION_TOKEN", hide_env_values = true)]
    pub verification_token: String,
    /// Keep a database current: fetch each event's document and upsert it (delete it on a
    /// delete event), `sqlite://PATH` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, value_name = "URL")]
    pub sync: Option<String>,
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
    /// Latency added to every response, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency: u64,
    /// Rate limit per token and per application, as N/SECS.
    #[arg(long, default_value = "5000/300")]
    pub rate_limit: String,
    /// Fraction of requests that fail (5xx, dropped connections, truncated bodies).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
}
