//! [`EmulatorConfig`]: everything an emulator can be told before it starts.

use std::net::SocketAddr;
use std::time::Duration;

use chrono::NaiveDate;

/// How many requests a rolling window allows, per access token and per application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed in one window.
    pub requests: u32,
    /// Length of the rolling window.
    pub window: Duration,
}

impl RateLimit {
    /// `requests` per `window`.
    pub fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }
}

impl Default for RateLimit {
    /// Oura's documented limit: 5000 requests per 5 minutes.
    fn default() -> Self {
        Self::new(5000, Duration::from_secs(300))
    }
}

impl std::str::FromStr for RateLimit {
    type Err = String;

    /// Parses `N/SECS`, e.g. `5000/300`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (count, secs) = text
            .split_once('/')
            .ok_or_else(|| format!("expected N/SECS, got {text:?}"))?;
        let requests = count
            .trim()
            .parse()
            .map_err(|e| format!("bad request count {count:?}: {e}"))?;
        let secs: f64 = secs.trim().parse().map_err(|e| format!("bad window {secs:?}: {e}"))?;
        if !(secs > 0.0 && secs.is_finite()) {
            return Err(format!("window must be positive, got {secs}"));
        }
        Ok(Self::new(requests, Duration::from_secs_f64(secs)))
    }
}

/// Faults to inject into responses. Each request draws at most one fault; the fractions are
/// probabilities in `[0, 1]` whose sum should not pass 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// Added to every response.
    pub latency: Duration,
    /// Fraction answered with a 5xx status (500, 502, 503 or 504) and a JSON `detail`.
    pub server_error_rate: f64,
    /// Fraction whose connection is closed without any response.
    pub drop_rate: f64,
    /// Fraction whose body is cut in half (the `Content-Length` still announces all of it).
    pub truncate_rate: f64,
}

impl Faults {
    /// No faults.
    pub fn none() -> Self {
        Self::default()
    }

    /// A total fault fraction `rate`, split evenly between server errors, dropped connections
    /// and truncated bodies (what the binary's `--fault-rate` sets).
    pub fn rate(rate: f64) -> Self {
        let third = rate.clamp(0.0, 1.0) / 3.0;
        Self {
            latency: Duration::ZERO,
            server_error_rate: third,
            drop_rate: third,
            truncate_rate: third,
        }
    }

    /// The same faults with `latency` added to every response.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    pub(crate) fn is_none(&self) -> bool {
        self.latency.is_zero() && self.server_error_rate <= 0.0 && self.drop_rate <= 0.0 && self.truncate_rate <= 0.0
    }
}

/// Configuration of an [`Emulator`](crate::Emulator); a builder that ends in
/// [`start`](EmulatorConfig::start).
///
/// Every setting has a default, so `EmulatorConfig::default().start().await` serves two users
/// with two years of data each. `Debug` does not show the client secret.
#[derive(Clone)]
pub struct EmulatorConfig {
    pub(crate) seed: u64,
    pub(crate) users: usize,
    pub(crate) history_days: u32,
    pub(crate) today: NaiveDate,
    pub(crate) page_size: usize,
    pub(crate) time_series_page_size: usize,
    pub(crate) rate_limit: RateLimit,
    pub(crate) faults: Faults,
    pub(crate) route_faults: Vec<(String, Faults)>,
    pub(crate) require_user_agent: bool,
    pub(crate) token_lifetime: Duration,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) webhook_lifetime: Duration,
    pub(crate) webhook_retries: u32,
    pub(crate) webhook_retry_delay: Duration,
    pub(crate) allow_remote_callbacks: bool,
    pub(crate) max_heartrate_days: i64,
    pub(crate) bind: SocketAddr,
}

impl std::fmt::Debug for EmulatorConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorConfig")
            .field("seed", &self.seed)
            .field("users", &self.users)
            .field("history_days", &self.history_days)
            .field("today", &self.today)
            .field("page_size", &self.page_size)
            .field("time_series_page_size", &self.time_series_page_size)
            .field("rate_limit", &self.rate_limit)
            .field("faults", &self.faults)
            .field("route_faults", &self.route_faults)
            .field("require_user_agent", &self.require_user_agent)
            .field("token_lifetime", &self.token_lifetime)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("webhook_lifetime", &self.webhook_lifetime)
            .field("webhook_retries", &self.webhook_retries)
            .field("webhook_retry_delay", &self.webhook_retry_delay)
            .field("allow_remote_callbacks", &self.allow_remote_callbacks)
            .field("bind", &self.bind)
            .finish()
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            users: 2,
            history_days: 730,
            today: Self::today_from_env().unwrap_or(Self::DEFAULT_TODAY),
            page_size: 50,
            time_series_page_size: 1000,
            rate_limit: RateLimit::default(),
            faults: Faults::none(),
            route_faults: Vec::new(),
            require_user_agent: true,
            token_lifetime: Duration::from_secs(86_400),
            client_id: "emulator-client".to_owned(),
            client_secret: "emulator-secret".to_owned(),
            webhook_lifetime: Duration::from_secs(90 * 86_400),
            webhook_retries: 3,
            webhook_retry_delay: Duration::from_millis(200),
            allow_remote_callbacks: false,
            max_heartrate_days: 30,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl EmulatorConfig {
    /// The environment variable that moves the default [`today`](Self::today) to another
    /// fixed date (`YYYY-MM-DD`), so a whole test suite can be run as if on another day
    /// (a month end, a leap day, a DST change) without touching a test. Configurations that
    /// set `today` themselves are not moved.
    pub const TODAY_ENV: &'static str = "OURA_EMULATOR_TODAY";

    /// The date in [`TODAY_ENV`](Self::TODAY_ENV), if it is set.
    ///
    /// # Panics
    /// When it is set to something other than a `YYYY-MM-DD` date: a suite must not silently
    /// run on another day than the one asked for.
    fn today_from_env() -> Option<NaiveDate> {
        let text = std::env::var(Self::TODAY_ENV).ok().filter(|t| !t.trim().is_empty())?;
        match NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
            Ok(day) => Some(day),
            Err(err) => panic!("{}={text:?} is not a date like 2024-02-29: {err}", Self::TODAY_ENV),
        }
    }

    /// The last day of the history unless [`today`](Self::today) says otherwise: a fixed date,
    /// so the same configuration always serves the same bytes.
    pub const DEFAULT_TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2025, 12, 31) {
        Some(day) => day,
        None => NaiveDate::MIN,
    };

    /// The default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seed of all generated data (default 0). Same seed, same configuration: same bytes.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Number of users (default 2), each with their own data and bearer token.
    pub fn users(mut self, users: usize) -> Self {
        self.users = users.max(1);
        self
    }

    /// Days of history per user, ending with [`today`](Self::today) (default 730).
    pub fn history_days(mut self, days: u32) -> Self {
        self.history_days = days.max(1);
        self
    }

    /// The last day of the history (default [`DEFAULT_TODAY`](Self::DEFAULT_TODAY)); date
    /// ranges default to the week before it.
    pub fn today(mut self, today: NaiveDate) -> Self {
        self.today = today;
        self
    }

    /// Documents per page of the date collections (default 50).
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
        self
    }

    /// Samples per page of `heartrate` and `ring_battery_level` (default 1000).
    pub fn time_series_page_size(mut self, size: usize) -> Self {
        self.time_series_page_size = size.max(1);
        self
    }

    /// Latency added to every response (default none); same as a global
    /// [`Faults::latency`].
    pub fn latency(mut self, latency: Duration) -> Self {
        self.faults.latency = latency;
        self
    }

    /// The rate limit per token and per application (default 5000 per 300 s).
    pub fn rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = RateLimit::new(requests, window);
        self
    }

    /// Faults injected into every route that has no faults of its own (default none).
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Faults for the routes whose path starts with `path_prefix` (e.g.
    /// `/v2/usercollection/heartrate` or `/oauth/token`), instead of the global ones. The
    /// longest matching prefix wins.
    pub fn route_faults(mut self, path_prefix: impl Into<String>, faults: Faults) -> Self {
        self.route_faults.push((path_prefix.into(), faults));
        self
    }

    /// Whether `/v2/` requests without a `User-Agent` are refused with 403 (default `true`).
    pub fn require_user_agent(mut self, require: bool) -> Self {
        self.require_user_agent = require;
        self
    }

    /// Lifetime of access tokens issued by `/oauth/token` and
    /// [`mint_token`](crate::Emulator::mint_token) (default one day). The ready tokens of
    /// [`token`](crate::Emulator::token) never expire.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The one registered application: OAuth client and webhook credentials (default
    /// `emulator-client` / `emulator-secret`).
    pub fn client(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self.client_secret = client_secret.into();
        self
    }

    /// How long a webhook subscription lives before it must be renewed (default 90 days).
    pub fn webhook_lifetime(mut self, lifetime: Duration) -> Self {
        self.webhook_lifetime = lifetime;
        self
    }

    /// Retries of a failed webhook delivery and the delay before the first one, doubling each
    /// time (default 3 retries, 200 ms).
    pub fn webhook_retries(mut self, retries: u32, first_delay: Duration) -> Self {
        self.webhook_retries = retries;
        self.webhook_retry_delay = first_delay;
        self
    }

    /// Whether webhook callbacks may point anywhere (default `false`: only loopback hosts, so
    /// an emulator never calls out of the machine).
    pub fn allow_remote_callbacks(mut self, allow: bool) -> Self {
        self.allow_remote_callbacks = allow;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Starts an emulator with this configuration.
    pub async fn start(self) -> std::io::Result<crate::Emulator> {
        crate::Emulator::start(self).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_parses() {
        let limit: RateLimit = "10/2".parse().expect("valid");
        assert_eq!(limit, RateLimit::new(10, Duration::from_secs(2)));
        assert!("10".parse::<RateLimit>().is_err());
        assert!("10/0".parse::<RateLimit>().is_err());
    }

    #[test]
    fn debug_hides_the_client_secret() {
        let shown = format!("{:?}", EmulatorConfig::new().client("id", "very-secret"));
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn fault_rate_splits_evenly() {
        let faults = Faults::rate(0.09);
        assert!((faults.server_error_rate - 0.03).abs() < 1e-9);
        assert!((faults.drop_rate - 0.03).abs() < 1e-9);
        assert!(!faults.is_none());
        assert!(Faults::none().is_none());
    }
}
