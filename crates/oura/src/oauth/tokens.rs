//! The tokens of one authorization.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Scope;
use crate::secret::Secret;

/// The tokens of one user's authorization: what a [`TokenStore`](super::TokenStore) keeps.
///
/// `Debug` shows no token (they are [`Secret`]s); the JSON form (for storage) holds them in clear.
///
/// ```
/// use oura::oauth::{Scope, TokenSet};
///
/// let tokens = TokenSet::new("acc-123")
///     .with_refresh_token("ref-456")
///     .expiring_in(std::time::Duration::from_secs(86_400))
///     .with_scopes([Scope::Daily]);
/// let debug = format!("{tokens:?}");
/// assert!(!debug.contains("acc-123") && !debug.contains("ref-456"));
/// assert!(!tokens.expires_within(std::time::Duration::from_secs(60)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct TokenSet {
    /// The bearer token sent to the API.
    pub access_token: Secret,
    /// The single-use token that gets the next access token; `None` for the implicit grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// When the access token expires (from `expires_in`); `None` when the server did not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// The scopes granted (without the endpoint set's prefix).
    #[serde(default)]
    pub scopes: Vec<Scope>,
}

impl TokenSet {
    /// Only an access token: no refresh token, unknown expiry, no scopes.
    pub fn new(access_token: impl Into<Secret>) -> Self {
        TokenSet {
            access_token: access_token.into(),
            refresh_token: None,
            expires_at: None,
            scopes: Vec::new(),
        }
    }

    /// With this refresh token.
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: impl Into<Secret>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Expiring at this time.
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Expiring this long from now (what `expires_in` says).
    #[must_use]
    pub fn expiring_in(self, expires_in: Duration) -> Self {
        let expires_at = expires_at_from(Utc::now(), expires_in);
        self.with_expires_at(expires_at)
    }

    /// With these granted scopes.
    #[must_use]
    pub fn with_scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
        self.scopes = scopes.into_iter().collect();
        self
    }

    /// Whether the access token expires within `margin` from now (or already has). A token with
    /// no known expiry never does: it is renewed when Oura answers 401.
    pub fn expires_within(&self, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| at <= expires_at_from(Utc::now(), margin))
    }

    /// Whether the access token has expired.
    pub fn is_expired(&self) -> bool {
        self.expires_within(Duration::ZERO)
    }
}

/// `now + expires_in`, saturating instead of overflowing on absurd values.
pub(crate) fn expires_at_from(now: DateTime<Utc>, expires_in: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(expires_in)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_is_computed_from_expires_in() {
        let now = Utc::now();
        let tokens = TokenSet::new("a").expiring_in(Duration::from_secs(3600));
        let at = tokens.expires_at.expect("expiry");
        assert!(
            (at - now).num_seconds() >= 3599 && (at - now).num_seconds() <= 3601,
            "{at} vs {now}"
        );
        assert!(!tokens.is_expired());
        assert!(!tokens.expires_within(Duration::from_secs(60)));
        assert!(tokens.expires_within(Duration::from_secs(3700)));
        assert!(!TokenSet::new("a").expires_within(Duration::from_secs(1_000_000)));
        let huge = TokenSet::new("a").expiring_in(Duration::from_secs(u64::MAX));
        assert_eq!(huge.expires_at, Some(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn json_round_trips_and_debug_redacts() {
        let tokens = TokenSet::new("acc-secret")
            .with_refresh_token("ref-secret")
            .with_expires_at(DateTime::from_timestamp(1_700_000_000, 0).expect("time"))
            .with_scopes([Scope::Daily, Scope::Other("openid".into())]);
        let json = serde_json::to_string(&tokens).expect("serialize");
        assert_eq!(
            json,
            r#"{"access_token":"acc-secret","refresh_token":"ref-secret","expires_at":"2023-11-14T22:13:20Z","scopes":["daily","openid"]}"#
        );
        assert_eq!(serde_json::from_str::<TokenSet>(&json).expect("deserialize"), tokens);
        let minimal: TokenSet = serde_json::from_str(r#"{"access_token":"x"}"#).expect("minimal");
        assert_eq!(minimal, TokenSet::new("x"));
        let debug = format!("{tokens:?}");
        assert!(
            !debug.contains("acc-secret") && !debug.contains("ref-secret"),
            "{debug}"
        );
    }
}
