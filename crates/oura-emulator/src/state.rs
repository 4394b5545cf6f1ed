//! The shared state of a running emulator: users, tokens, rate limits, subscriptions and the
//! log of what it saw and sent.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Days;

use crate::config::EmulatorConfig;
use crate::data::UserData;
use crate::prng::hash;
use crate::record::{Delivery, RecordedRequest};
use crate::webhooks::Subscription;

/// Locks a mutex, ignoring poisoning (a panicked handler leaves consistent data here).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Seconds since the Unix epoch, now.
pub(crate) fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Whose data a request reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Subject {
    /// One of the configured users.
    User(usize),
    /// The sandbox's own user.
    Sandbox,
}

/// An access token's grant: whose data, for which application, with which scopes.
#[derive(Clone, Debug)]
pub(crate) struct AccessGrant {
    pub user: usize,
    /// Index of the application in the configuration.
    pub app: usize,
    pub scopes: Vec<String>,
    pub expires: Option<Instant>,
}

/// A refresh token; a used one stays here, dead, so reuse is told apart from garbage.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub user: usize,
    pub app: usize,
    pub scopes: Vec<String>,
    pub used: bool,
}

/// An authorization code.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    pub user: usize,
    pub app: usize,
    /// The `redirect_uri` the authorization named, if it named one (the token request must
    /// repeat it then).
    pub redirect_uri: Option<String>,
    pub scopes: Vec<String>,
    pub challenge: Option<(String, String)>,
    pub expires: Instant,
    pub used: bool,
}

/// Issued tokens and codes.
#[derive(Debug, Default)]
pub(crate) struct Tokens {
    pub access: HashMap<String, AccessGrant>,
    pub refresh: HashMap<String, RefreshGrant>,
    pub codes: HashMap<String, CodeGrant>,
}

/// Rolling-window request counts per key.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    windows: HashMap<String, VecDeque<Instant>>,
    checks: u64,
}

/// The rate limit state after a request was counted (or refused).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LimitStatus {
    pub limited: bool,
    pub remaining: u32,
    /// Seconds until the oldest counted request leaves the window.
    pub reset_after: Duration,
}

impl Limiter {
    /// Counts one request against every key, unless one of them is already full.
    pub(crate) fn check(&mut self, keys: &[String], limit: u32, window: Duration, now: Instant) -> LimitStatus {
        // Now and then forget the keys whose requests all left the window (tokens come and go),
        // so the limiter's memory follows the live tokens, not every token ever seen.
        self.checks += 1;
        if self.checks.is_multiple_of(4096) {
            self.windows.retain(|_, log| {
                while log.front().is_some_and(|t| now.duration_since(*t) >= window) {
                    log.pop_front();
                }
                !log.is_empty()
            });
        }
        let mut remaining = limit;
        let mut reset_after = Duration::ZERO;
        let mut limited = false;
        for key in keys {
            let log = self.windows.entry(key.clone()).or_default();
            while log.front().is_some_and(|t| now.duration_since(*t) >= window) {
                log.pop_front();
            }
            let used = log.len() as u32;
            if used >= limit {
                limited = true;
            }
            remaining = remaining.min(limit.saturating_sub(used));
            if let Some(oldest) = log.front() {
                reset_after = reset_after.max(window.saturating_sub(now.duration_since(*oldest)));
            }
        }
        if !limited {
            for key in keys {
                self.windows.entry(key.clone()).or_default().push_back(now);
            }
            remaining = remaining.saturating_sub(1);
            if reset_after.is_zero() {
                reset_after = window;
            }
        }
        LimitStatus {
            limited,
            remaining,
            reset_after,
        }
    }
}

/// A log that keeps its last `capacity` items, the oldest forgotten first; each item keeps
/// the sequence number it arrived with, so an item can be updated while it is still held.
#[derive(Debug)]
pub(crate) struct Ring<T> {
    items: VecDeque<(u64, T)>,
    capacity: usize,
    total: u64,
}

impl<T> Ring<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            items: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            total: 0,
        }
    }

    /// Adds an item and returns its sequence number.
    pub(crate) fn push(&mut self, item: T) -> u64 {
        let seq = self.total;
        self.total += 1;
        if self.capacity == 0 {
            return seq;
        }
        while self.items.len() >= self.capacity {
            self.items.pop_front();
        }
        self.items.push_back((seq, item));
        seq
    }

    /// The item with sequence number `seq`, if it is still held.
    pub(crate) fn get_mut(&mut self, seq: u64) -> Option<&mut T> {
        let first = self.items.front()?.0;
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.items.get_mut(index).map(|(_, item)| item)
    }

    pub(crate) fn items(&self) -> impl Iterator<Item = &T> {
        self.items.iter().map(|(_, item)| item)
    }

    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
    }
}

/// Everything a running emulator holds.
#[derive(Debug)]
pub(crate) struct State {
    pub config: EmulatorConfig,
    pub addr: SocketAddr,
    pub users: Vec<UserData>,
    pub sandbox: UserData,
    pub ready_tokens: Vec<String>,
    pub tokens: Mutex<Tokens>,
    pub limiter: Mutex<Limiter>,
    pub subscriptions: Mutex<Vec<Subscription>>,
    pub requests: Mutex<Ring<RecordedRequest>>,
    pub deliveries: Mutex<Ring<Delivery>>,
    pub counter: AtomicU64,
    pub fault_counter: AtomicU64,
    /// How far [`Emulator::advance_clock`](crate::Emulator::advance_clock) moved the clock, in
    /// nanoseconds.
    pub skew: AtomicU64,
    pub cursor_key: Vec<u8>,
    pub http: reqwest::Client,
}

impl State {
    pub(crate) fn new(config: EmulatorConfig, addr: SocketAddr) -> State {
        let today = config.today;
        let first_day = today
            .checked_sub_days(Days::new(u64::from(config.history_days.saturating_sub(1))))
            .unwrap_or(today);
        let users: Vec<UserData> = (0..config.users)
            .map(|index| UserData::new(config.seed, index, first_day, today))
            .collect();
        let sandbox = UserData::new(config.seed, usize::MAX, first_day, today);
        let ready_tokens = (0..config.users)
            .map(|index| ready_token(config.seed, index))
            .collect::<Vec<_>>();
        let mut tokens = Tokens::default();
        let scopes = config.default_application().scopes.clone();
        for (user, token) in ready_tokens.iter().enumerate() {
            tokens.access.insert(
                token.clone(),
                AccessGrant {
                    user,
                    app: 0,
                    scopes: scopes.clone(),
                    expires: None,
                },
            );
        }
        let log_capacity = config.request_log_capacity;
        let http = oura_api_sys::tls::client_builder()
            .user_agent(concat!("oura-emulator/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        State {
            cursor_key: hash(&[config.seed, 0x6375_7273]).to_le_bytes().to_vec(),
            config,
            addr,
            users,
            sandbox,
            ready_tokens,
            tokens: Mutex::new(tokens),
            limiter: Mutex::new(Limiter::default()),
            subscriptions: Mutex::new(Vec::new()),
            requests: Mutex::new(Ring::new(log_capacity)),
            deliveries: Mutex::new(Ring::new(log_capacity)),
            counter: AtomicU64::new(0),
            fault_counter: AtomicU64::new(0),
            skew: AtomicU64::new(0),
            http,
        }
    }

    /// How far the clock was advanced.
    pub(crate) fn skew(&self) -> Duration {
        Duration::from_nanos(self.skew.load(Ordering::Relaxed))
    }

    /// Now on the emulator's clock: the machine's monotonic clock plus the advances. Expiry of
    /// tokens, codes and subscriptions and the rate-limit windows read it.
    pub(crate) fn now(&self) -> Instant {
        let now = Instant::now();
        now.checked_add(self.skew()).unwrap_or(now)
    }

    /// Now on the emulator's clock, as a date-time (subscription expiration times).
    pub(crate) fn utc_now(&self) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Utc::now();
        chrono::Duration::from_std(self.skew())
            .ok()
            .and_then(|skew| now.checked_add_signed(skew))
            .unwrap_or(now)
    }

    /// The data a subject reads.
    pub(crate) fn data(&self, subject: Subject) -> Option<&UserData> {
        match subject {
            Subject::User(index) => self.users.get(index),
            Subject::Sandbox => Some(&self.sandbox),
        }
    }

    /// A new token-like string, unique within this emulator and deterministic for a seed.
    pub(crate) fn fresh_secret(&self, kind: &str) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let a = hash(&[self.config.seed, n, crate::prng::hash_str(kind)]);
        let b = hash(&[self.config.seed, n, 0x7365_6372]);
        format!("{kind}_{a:016x}{b:016x}")
    }

    /// Registers a new access token for `user` of application `app` carrying `scopes`.
    pub(crate) fn mint(&self, user: usize, app: usize, scopes: Vec<String>, lifetime: Option<Duration>) -> String {
        let token = self.fresh_secret("emu_at");
        lock(&self.tokens).access.insert(
            token.clone(),
            AccessGrant {
                user,
                app,
                scopes,
                // Lifetimes are bounded by the configuration's validation; an instant past the
                // clock's range would be a token that never expires.
                expires: lifetime.and_then(|l| self.now().checked_add(l)),
            },
        );
        token
    }

    /// The grant of an access token, if it is valid now.
    pub(crate) fn authenticate(&self, token: &str) -> Option<AccessGrant> {
        let tokens = lock(&self.tokens);
        let grant = tokens.access.get(token)?;
        if grant.expires.is_some_and(|e| self.now() >= e) {
            return None;
        }
        (grant.user < self.users.len()).then(|| grant.clone())
    }

    /// The index of the application with this client id.
    pub(crate) fn application(&self, client_id: &str) -> Option<usize> {
        self.config.applications.iter().position(|a| a.client_id == client_id)
    }
}

/// The ready token of a user: valid until the emulator stops.
pub(crate) fn ready_token(seed: u64, user: usize) -> String {
    format!("emu_ready_{user}_{:016x}", hash(&[seed, user as u64, 0x7265_6479]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_keeps_the_last_items_and_updates_held_ones_by_sequence() {
        let mut ring = Ring::new(3);
        let seqs: Vec<u64> = (0..5).map(|i| ring.push(i)).collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4]);
        assert_eq!(ring.items().copied().collect::<Vec<_>>(), [2, 3, 4]);
        assert_eq!(ring.total(), 5);
        assert!(ring.get_mut(1).is_none(), "forgotten");
        *ring.get_mut(3).expect("held") = 30;
        assert_eq!(ring.items().copied().collect::<Vec<_>>(), [2, 30, 4]);
        let mut none = Ring::new(0);
        assert_eq!(none.push(1), 0);
        assert_eq!(none.items().count(), 0);
        assert_eq!(none.total(), 1);
    }

    #[test]
    fn limiter_counts_per_key_over_a_rolling_window() {
        let mut limiter = Limiter::default();
        let start = Instant::now();
        let window = Duration::from_secs(10);
        let keys = vec!["token".to_owned(), "app".to_owned()];
        for i in 0..3 {
            let status = limiter.check(&keys, 3, window, start + Duration::from_secs(i));
            assert!(!status.limited);
            assert_eq!(status.remaining, 2 - i as u32);
        }
        let refused = limiter.check(&keys, 3, window, start + Duration::from_secs(4));
        assert!(refused.limited);
        assert_eq!(refused.reset_after, Duration::from_secs(6));
        let other = limiter.check(&["other".to_owned()], 3, window, start + Duration::from_secs(4));
        assert!(!other.limited);
        let later = limiter.check(&keys, 3, window, start + Duration::from_secs(10));
        assert!(!later.limited, "the first request left the window");
    }
}
