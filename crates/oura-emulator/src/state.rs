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

/// An access token's grant.
#[derive(Clone, Debug)]
pub(crate) struct AccessGrant {
    pub user: usize,
    pub expires: Option<Instant>,
}

/// A refresh token; a used one stays here, dead, so reuse is told apart from garbage.
#[derive(Clone, Debug)]
pub(crate) struct RefreshGrant {
    pub user: usize,
    pub scope: String,
    pub used: bool,
}

/// An authorization code.
#[derive(Clone, Debug)]
pub(crate) struct CodeGrant {
    pub user: usize,
    pub redirect_uri: String,
    pub scope: String,
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
    pub requests: Mutex<Vec<RecordedRequest>>,
    pub deliveries: Mutex<Vec<Delivery>>,
    pub counter: AtomicU64,
    pub fault_counter: AtomicU64,
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
        for (user, token) in ready_tokens.iter().enumerate() {
            tokens.access.insert(token.clone(), AccessGrant { user, expires: None });
        }
        let http = reqwest::Client::builder()
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
            requests: Mutex::new(Vec::new()),
            deliveries: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
            fault_counter: AtomicU64::new(0),
            http,
        }
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

    /// Registers a new access token for `user`.
    pub(crate) fn mint(&self, user: usize, lifetime: Option<Duration>) -> String {
        let token = self.fresh_secret("emu_at");
        lock(&self.tokens).access.insert(
            token.clone(),
            AccessGrant {
                user,
                expires: lifetime.map(|l| Instant::now() + l),
            },
        );
        token
    }

    /// The user an access token grants, if it is valid now.
    pub(crate) fn authenticate(&self, token: &str) -> Option<usize> {
        let tokens = lock(&self.tokens);
        let grant = tokens.access.get(token)?;
        if grant.expires.is_some_and(|e| Instant::now() >= e) {
            return None;
        }
        (grant.user < self.users.len()).then_some(grant.user)
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
