//! What a failed command prints (one line, saying what to do next) and its exit code.

use std::fmt;

use chrono::{Local, Utc};

/// The exit codes, documented in the README.
pub mod code {
    /// Something unexpected: a response that does not decode, a bug. Please report it.
    pub const GENERAL: u8 = 1;
    /// Bad arguments: an unknown collection, a malformed date, options that do not go together,
    /// or a request Oura refused as invalid (400/422).
    pub const USAGE: u8 = 2;
    /// Not logged in, or the token was rejected (401) or cannot be refreshed.
    pub const AUTH: u8 = 3;
    /// Oura refused the data (403): a missing scope or an expired membership.
    pub const FORBIDDEN: u8 = 4;
    /// No such document or subscription (404).
    pub const NOT_FOUND: u8 = 5;
    /// Rate limited (429) longer than the tool waits by itself.
    pub const RATE_LIMITED: u8 = 6;
    /// Oura or the network is unavailable (5xx, connection failures, timeouts).
    pub const UNAVAILABLE: u8 = 7;
    /// A local file or directory could not be read or written.
    pub const LOCAL_IO: u8 = 8;
    /// The export finished only in part: some collections failed; what was fetched is saved.
    pub const INCOMPLETE: u8 = 9;
    /// Interrupted (Ctrl-C); what was fetched before is saved.
    pub const INTERRUPTED: u8 = 130;
}

/// A command's failure: the exit code and one line for stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The process exit code (see [`code`]).
    pub code: u8,
    /// What went wrong and what to do next, on one line.
    pub message: String,
}

impl Failure {
    /// A failure with this code and message (newlines are folded into one line).
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Failure { code, message }
    }

    /// Bad arguments.
    pub fn usage(message: impl Into<String>) -> Self {
        Failure::new(code::USAGE, message)
    }

    /// A local file operation failed.
    pub fn io(what: impl fmt::Display, err: &std::io::Error) -> Self {
        Failure::new(code::LOCAL_IO, format!("{what}: {err}"))
    }
}

/// Runs a sync (`what`: "export", "sync") as a task on the runtime's workers rather than on the
/// thread that started the runtime: its fetches hand it their pages on the worker they run on,
/// instead of waking that thread for each page (6% of an export's CPU with pages of 50
/// documents, measured). A panic in it goes on here.
pub async fn on_workers<T: Send + 'static>(
    what: &str,
    work: impl Future<Output = T> + Send + 'static,
) -> Result<T, Failure> {
    tokio::spawn(work).await.map_err(|err| match err.try_into_panic() {
        Ok(panic) => std::panic::resume_unwind(panic),
        Err(err) => Failure::new(code::GENERAL, format!("the {what} was cancelled: {err}")),
    })
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<oura::Error> for Failure {
    fn from(err: oura::Error) -> Self {
        from_oura(&err)
    }
}

/// Maps a library error to an exit code and a message that says what to do next.
pub fn from_oura(err: &oura::Error) -> Failure {
    use oura::Error as E;
    let (code, message) = match err {
        E::Unauthorized { .. } => (
            code::AUTH,
            "Oura rejected the access token (401): run `oura login` again, or set a valid OURA_TOKEN".to_owned(),
        ),
        E::ReauthorizationRequired(reason) => (
            code::AUTH,
            format!("the login is no longer valid ({reason}): run `oura login` again"),
        ),
        E::Auth(reason) => (
            code::AUTH,
            format!("authentication failed: {reason}; run `oura login` again"),
        ),
        E::Forbidden { detail, .. } => (
            code::FORBIDDEN,
            format!(
                "Oura refused the request (403{}): log in again granting the scope for this data (`oura login`), \
                 and check that the Oura membership is active",
                detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
            ),
        ),
        E::NotFound { .. } => (code::NOT_FOUND, format!("{err}: check the collection name and the id")),
        E::InvalidRequest { .. } => (
            code::USAGE,
            format!("{err}: fix the parameters (dates are YYYY-MM-DD, the start not after the end)"),
        ),
        E::InvalidInput(reason) => (code::USAGE, reason.clone()),
        E::RateLimited { rate_limit, .. } => {
            let until = rate_limit
                .reset
                .or_else(|| {
                    rate_limit
                        .retry_after
                        .and_then(|after| chrono::Duration::from_std(after).ok())
                        .and_then(|after| Utc::now().checked_add_signed(after))
                })
                .map(|at| at.with_timezone(&Local).format("%H:%M:%S").to_string());
            match until {
                Some(until) => (
                    code::RATE_LIMITED,
                    format!("rate limited by Oura (429): wait until {until} and run the command again"),
                ),
                None => (
                    code::RATE_LIMITED,
                    "rate limited by Oura (429): wait a few minutes and run the command again".to_owned(),
                ),
            }
        }
        E::Server { .. } => (
            code::UNAVAILABLE,
            format!("{err}: Oura or the network is unavailable; try again later"),
        ),
        E::Transport(source) => (code::UNAVAILABLE, crate::diagnose::unreachable(source)),
        E::Decode { .. } | E::RepeatedPageToken { .. } => (
            code::GENERAL,
            format!("{err}: this is a bug or a change in Oura's API; please report it"),
        ),
        other => (code::GENERAL, other.to_string()),
    };
    let message = match err.trace_id() {
        Some(trace) => format!("{message} (Oura trace id {trace})"),
        None => message,
    };
    Failure::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line_and_codes_follow_the_kind_of_error() {
        let failure = from_oura(&oura::Error::InvalidInput("bad\ndate".into()));
        assert_eq!(failure, Failure::new(code::USAGE, "bad date"));
        let failure = from_oura(&oura::Error::ReauthorizationRequired("invalid_grant".into()));
        assert_eq!(failure.code, code::AUTH);
        assert!(failure.message.contains("oura login"), "{failure}");
    }

    #[test]
    fn a_huge_retry_after_or_reset_says_what_to_do_without_panicking() {
        use std::time::Duration;
        for rate_limit in [
            oura::RateLimit {
                retry_after: Some(Duration::from_secs(u64::MAX)),
                ..oura::RateLimit::default()
            },
            oura::RateLimit {
                retry_after: Some(Duration::from_secs(i64::MAX as u64 / 1000)),
                ..oura::RateLimit::default()
            },
            oura::RateLimit {
                reset: Some(chrono::DateTime::<Utc>::MAX_UTC),
                ..oura::RateLimit::default()
            },
        ] {
            let err = oura::Error::RateLimited {
                rate_limit: Box::new(rate_limit),
                trace_id: None,
            };
            let failure = from_oura(&err);
            assert_eq!(failure.code, code::RATE_LIMITED);
            assert!(failure.message.contains("run the command again"), "{failure}");
        }
    }
}
