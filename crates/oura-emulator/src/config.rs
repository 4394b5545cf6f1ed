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

/// A setting an emulator cannot honour.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A lifetime, delay or latency past [`EmulatorConfig::MAX_LIFETIME`].
    #[error("the {setting} of {value:?} is too long: at most {max:?}")]
    TooLong {
        /// Which setting.
        setting: &'static str,
        /// The value given.
        value: Duration,
        /// The most it may be.
        max: Duration,
    },
    /// A count past its maximum.
    #[error("{value} {setting} is too many: at most {max}")]
    TooMany {
        /// Which setting.
        setting: &'static str,
        /// The value given.
        value: u64,
        /// The most it may be.
        max: u64,
    },
    /// A rate limit window of zero or past [`EmulatorConfig::MAX_LIFETIME`].
    #[error("the rate limit window of {0:?} cannot be honoured: it must be positive and at most 100 years")]
    RateLimitWindow(Duration),
    /// A `today` so close to the calendar's ends that the history or its last night does not fit.
    #[error("today {0} leaves no room for the history before it or the night after it")]
    Today(NaiveDate),
    /// An empty or repeated client id.
    #[error("application client id {0:?} is empty or registered twice")]
    Application(String),
    /// A scope Oura does not know (see `oura_api_sys::scopes::SCOPES`).
    #[error("unknown scope {0:?}")]
    UnknownScope(String),
    /// A redirect URI that is not an absolute URL.
    #[error("redirect URI {0:?} is not an absolute URL")]
    RedirectUri(String),
}

/// A registered OAuth application: its credentials, the redirect URIs it registered and the
/// scopes it may ask for.
///
/// A redirect URI matches a registered one exactly, except that for a registered `http`
/// loopback URI (host `127.0.0.1`, `[::1]` or `localhost`) any port matches, as RFC 8252
/// (section 7.3) asks of providers for native apps. The default registrations are
/// `http://127.0.0.1/callback`, `http://localhost/callback` and `http://[::1]/callback`, so a
/// loopback listener on any port with the path `/callback` works out of the box.
#[derive(Clone, PartialEq, Eq)]
pub struct Application {
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) scopes: Vec<String>,
}

impl Application {
    /// The default registered redirect URIs (any port, see [`Application`]).
    pub const DEFAULT_REDIRECT_URIS: [&'static str; 3] = [
        "http://127.0.0.1/callback",
        "http://localhost/callback",
        "http://[::1]/callback",
    ];

    /// An application with these credentials, the default redirect URIs and every scope of
    /// [`oura_api_sys::scopes::SCOPES`].
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: Self::DEFAULT_REDIRECT_URIS.map(str::to_owned).to_vec(),
            scopes: oura_api_sys::scopes::SCOPES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// The redirect URIs it registered, instead of the defaults.
    pub fn redirect_uris<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.redirect_uris = uris.into_iter().map(Into::into).collect();
        self
    }

    /// The scopes it may ask for (default: all); an authorization without `scope` grants these.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Its client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Whether `uri` is one of its registered redirect URIs (loopback: any port).
    pub fn accepts_redirect(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| redirect_matches(registered, uri))
    }
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// RFC 8252 7.3: a loopback redirect matches whatever its port; anything else exactly.
fn redirect_matches(registered: &str, uri: &str) -> bool {
    if registered == uri {
        return true;
    }
    let (Ok(registered), Ok(uri)) = (reqwest::Url::parse(registered), reqwest::Url::parse(uri)) else {
        return false;
    };
    let loopback = |url: &reqwest::Url| {
        url.scheme() == "http"
            && url.host_str().is_some_and(|host| {
                host.eq_ignore_ascii_case("localhost")
                    || host
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            })
    };
    loopback(&registered)
        && registered.host() == uri.host()
        && registered.scheme() == uri.scheme()
        && registered.path() == uri.path()
        && registered.query() == uri.query()
        && uri.fragment().is_none()
        && uri.username().is_empty()
        && uri.password().is_none()
}

/// Faults to inject into responses. Each request draws at most one fault; the fractions are
/// probabilities in `[0, 1]` whose sum should not pass 1.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Faults {
    /// How long after its arrival every request is answered: the answer is built at once and
    /// sent when this much time has passed since the request arrived (at once, if building it
    /// took longer). The emulator's own work is part of the latency, not added to it.
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

    /// The same faults, every request answered `latency` after its arrival (see
    /// [`Faults::latency`]).
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
    pub(crate) applications: Vec<Application>,
    pub(crate) route_scopes: Vec<(String, Option<String>)>,
    pub(crate) request_log_capacity: usize,
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
            .field("applications", &self.applications)
            .field("route_scopes", &self.route_scopes)
            .field("request_log_capacity", &self.request_log_capacity)
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
            applications: vec![Application::new("emulator-client", "emulator-secret")],
            route_scopes: Vec::new(),
            request_log_capacity: Self::DEFAULT_REQUEST_LOG_CAPACITY,
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

    /// The longest lifetime, delay or window the emulator accepts: 100 years, far inside what
    /// its clocks can add without overflowing.
    pub const MAX_LIFETIME: Duration = Duration::from_secs(100 * 366 * 86_400);

    /// The most days of history per user (100 years).
    pub const MAX_HISTORY_DAYS: u32 = 36_600;

    /// The most users.
    pub const MAX_USERS: usize = 1_000_000;

    /// The most webhook delivery retries.
    pub const MAX_WEBHOOK_RETRIES: u32 = 100;

    /// The default bound of the request log.
    pub const DEFAULT_REQUEST_LOG_CAPACITY: usize = 10_000;

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

    /// How long after its arrival every request is answered (default: as soon as it is
    /// built); the time to build the answer is part of it, not added to it. Same as a global
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

    /// The credentials of the default application, which the ready tokens of
    /// [`token`](crate::Emulator::token) belong to: OAuth client and webhook credentials
    /// (default `emulator-client` / `emulator-secret`).
    pub fn client(mut self, client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        let app = self.default_application_mut();
        app.client_id = client_id.into();
        app.client_secret = client_secret.into();
        self
    }

    /// The redirect URIs the default application registered (default
    /// [`Application::DEFAULT_REDIRECT_URIS`]; loopback URIs match any port).
    pub fn redirect_uris<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let app = self.default_application_mut().clone().redirect_uris(uris);
        *self.default_application_mut() = app;
        self
    }

    /// The scopes the default application may ask for (default: all of
    /// [`oura_api_sys::scopes::SCOPES`]); its ready tokens carry these.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let app = self.default_application_mut().clone().scopes(scopes);
        *self.default_application_mut() = app;
        self
    }

    /// Registers one more application (its own credentials, redirect URIs, scopes and rate
    /// limit budget); an application with the client id of one already registered replaces it.
    pub fn application(mut self, application: Application) -> Self {
        match self
            .applications
            .iter_mut()
            .find(|a| a.client_id == application.client_id)
        {
            Some(existing) => *existing = application,
            None => self.applications.push(application),
        }
        self
    }

    /// Changes the scope a data route needs (`None`: no scope), instead of its row in
    /// [`oura_api_sys::scopes::ROUTE_SCOPES`].
    pub fn route_scope(mut self, route: impl Into<String>, scope: Option<&str>) -> Self {
        self.route_scopes.push((route.into(), scope.map(str::to_owned)));
        self
    }

    /// How many requests [`requests`](crate::Emulator::requests) keeps, the oldest forgotten
    /// first (default [`DEFAULT_REQUEST_LOG_CAPACITY`](Self::DEFAULT_REQUEST_LOG_CAPACITY));
    /// webhook deliveries are kept to the same bound. 0 keeps none.
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.request_log_capacity = capacity;
        self
    }

    fn default_application_mut(&mut self) -> &mut Application {
        if self.applications.is_empty() {
            self.applications
                .push(Application::new("emulator-client", "emulator-secret"));
        }
        &mut self.applications[0]
    }

    /// The default application, whose ready tokens [`token`](crate::Emulator::token) hands out.
    pub(crate) fn default_application(&self) -> &Application {
        &self.applications[0]
    }

    /// The scope `route` needs under this configuration.
    pub(crate) fn scope_of(&self, route: &str) -> Option<String> {
        match self.route_scopes.iter().rev().find(|(r, _)| r == route) {
            Some((_, scope)) => scope.clone(),
            None => oura_api_sys::scopes::scope_of(route).map(|row| row.scope.to_owned()),
        }
    }

    /// Checks that every setting can be honoured; [`start`](Self::start) calls it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let max = Self::MAX_LIFETIME;
        for (name, value) in [
            ("token lifetime", self.token_lifetime),
            ("webhook lifetime", self.webhook_lifetime),
            ("webhook retry delay", self.webhook_retry_delay),
            ("latency", self.faults.latency),
        ] {
            if value > max {
                return Err(ConfigError::TooLong {
                    setting: name,
                    value,
                    max,
                });
            }
        }
        for (_, faults) in &self.route_faults {
            if faults.latency > max {
                return Err(ConfigError::TooLong {
                    setting: "route latency",
                    value: faults.latency,
                    max,
                });
            }
        }
        if self.rate_limit.window.is_zero() || self.rate_limit.window > max {
            return Err(ConfigError::RateLimitWindow(self.rate_limit.window));
        }
        if self.history_days > Self::MAX_HISTORY_DAYS {
            return Err(ConfigError::TooMany {
                setting: "history days",
                value: u64::from(self.history_days),
                max: u64::from(Self::MAX_HISTORY_DAYS),
            });
        }
        if self.users > Self::MAX_USERS {
            return Err(ConfigError::TooMany {
                setting: "users",
                value: self.users as u64,
                max: Self::MAX_USERS as u64,
            });
        }
        if self.webhook_retries > Self::MAX_WEBHOOK_RETRIES {
            return Err(ConfigError::TooMany {
                setting: "webhook retries",
                value: u64::from(self.webhook_retries),
                max: u64::from(Self::MAX_WEBHOOK_RETRIES),
            });
        }
        if self
            .today
            .checked_sub_days(chrono::Days::new(u64::from(self.history_days)))
            .is_none()
            || self.today.checked_add_days(chrono::Days::new(2)).is_none()
        {
            return Err(ConfigError::Today(self.today));
        }
        let mut ids = std::collections::HashSet::new();
        for app in &self.applications {
            if app.client_id.is_empty() || !ids.insert(app.client_id.as_str()) {
                return Err(ConfigError::Application(app.client_id.clone()));
            }
            if let Some(scope) = app
                .scopes
                .iter()
                .find(|s| !oura_api_sys::scopes::SCOPES.contains(&s.as_str()))
            {
                return Err(ConfigError::UnknownScope(scope.clone()));
            }
            if let Some(uri) = app.redirect_uris.iter().find(|u| reqwest::Url::parse(u).is_err()) {
                return Err(ConfigError::RedirectUri(uri.clone()));
            }
        }
        if let Some(scope) = self
            .route_scopes
            .iter()
            .filter_map(|(_, s)| s.as_ref())
            .find(|s| !oura_api_sys::scopes::SCOPES.contains(&s.as_str()))
        {
            return Err(ConfigError::UnknownScope(scope.clone()));
        }
        Ok(())
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

    /// Starts an emulator with this configuration. A setting it cannot honour (see
    /// [`validate`](Self::validate)) is an error of kind `InvalidInput` wrapping the
    /// [`ConfigError`].
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
    fn loopback_redirects_match_any_port_others_exactly() {
        let app = Application::new("a", "s").redirect_uris(["http://127.0.0.1/callback", "https://example.com/cb"]);
        assert!(app.accepts_redirect("http://127.0.0.1/callback"));
        assert!(app.accepts_redirect("http://127.0.0.1:8765/callback"));
        assert!(!app.accepts_redirect("http://127.0.0.1:8765/other"));
        assert!(!app.accepts_redirect("http://localhost:8765/callback"), "another host");
        assert!(!app.accepts_redirect("http://127.0.0.1:8765/callback?x=1"));
        assert!(app.accepts_redirect("https://example.com/cb"));
        assert!(
            !app.accepts_redirect("https://example.com:8443/cb"),
            "only loopback ignores the port"
        );
        assert!(!app.accepts_redirect("https://example.com/cb/"));
        let defaults = Application::new("a", "s");
        for uri in [
            "http://localhost:3000/callback",
            "http://[::1]:9/callback",
            "http://127.0.0.1:0/callback",
        ] {
            assert!(defaults.accepts_redirect(uri), "{uri}");
        }
    }

    #[test]
    fn settings_it_cannot_honour_are_refused() {
        assert_eq!(EmulatorConfig::new().validate(), Ok(()));
        let huge = EmulatorConfig::new().token_lifetime(Duration::from_secs(u64::MAX));
        assert!(matches!(
            huge.validate(),
            Err(ConfigError::TooLong {
                setting: "token lifetime",
                ..
            })
        ));
        assert!(
            huge.validate()
                .expect_err("refused")
                .to_string()
                .starts_with("the token lifetime of ")
        );
        let window = EmulatorConfig::new().rate_limit(10, Duration::ZERO);
        assert_eq!(window.validate(), Err(ConfigError::RateLimitWindow(Duration::ZERO)));
        let edge = EmulatorConfig::new().today(NaiveDate::MAX);
        assert_eq!(edge.validate(), Err(ConfigError::Today(NaiveDate::MAX)));
        let scope = EmulatorConfig::new().scopes(["daily", "everything"]);
        assert_eq!(scope.validate(), Err(ConfigError::UnknownScope("everything".into())));
        let twice = EmulatorConfig::new()
            .application(Application::new("x", "1"))
            .application(Application::new("x", "2"));
        assert_eq!(twice.validate(), Ok(()), "the second replaces the first");
        assert_eq!(twice.applications.len(), 2);
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
