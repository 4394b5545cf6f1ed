//! Where the authorization server lives, and how it wants scopes, PKCE and revocation.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// Oura's legacy authorization endpoint.
pub const LEGACY_AUTHORIZE_URL: &str = "https://cloud.ouraring.com/oauth/authorize";
/// Oura's legacy token endpoint.
pub const LEGACY_TOKEN_URL: &str = "https://api.ouraring.com/oauth/token";
/// Oura's legacy revocation endpoint (`?access_token=<token>`).
pub const LEGACY_REVOKE_URL: &str = "https://api.ouraring.com/oauth/revoke";
/// The authorization endpoint of Oura's newer identity provider.
pub const MOI_AUTHORIZE_URL: &str = "https://moi.ouraring.com/oauth/v2/ext/oauth-authorize";
/// The token endpoint of Oura's newer identity provider.
pub const MOI_TOKEN_URL: &str = "https://moi.ouraring.com/oauth/v2/ext/oauth-token";
/// The revocation endpoint of Oura's newer identity provider.
pub const MOI_REVOKE_URL: &str = "https://moi.ouraring.com/oauth/v2/ext/oauth-revoke";
/// The prefix the newer identity provider puts before every Oura scope.
pub const MOI_SCOPE_PREFIX: &str = "extapi:";

/// How a token is revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Revocation {
    /// Oura's legacy endpoint: `GET <revoke>?access_token=<token>`. Revoking the access token
    /// ends the whole grant.
    AccessTokenQuery,
    /// [RFC 7009](https://www.rfc-editor.org/rfc/rfc7009): `POST <revoke>` with the form fields
    /// `token` and `token_type_hint` and the client credentials. The refresh token is revoked
    /// when there is one (which ends the grant), the access token otherwise.
    Rfc7009,
}

/// An authorization server: its three URLs and what it expects.
///
/// - [`Endpoints::legacy`] (the default): `cloud.ouraring.com` / `api.ouraring.com`, plain
///   scopes, no PKCE, revocation by query parameter.
/// - [`Endpoints::moi`]: the identity provider of Oura's newer developer portal
///   (`moi.ouraring.com`): PKCE (S256) and `extapi:`-prefixed scopes. Applications registered
///   there get `400 invalid_request` from the legacy token URL.
/// - [`Endpoints::custom`]: any URLs (the emulator, a mock server, a proxy), behaving like the
///   legacy set until changed with the `with_*` methods.
///
/// ```
/// use oura::oauth::Endpoints;
///
/// let emulator = Endpoints::custom(
///     "http://127.0.0.1:8080/oauth/authorize",
///     "http://127.0.0.1:8080/oauth/token",
///     "http://127.0.0.1:8080/oauth/revoke",
/// )
/// .with_pkce(true);
/// assert!(emulator.uses_pkce());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    authorize_url: String,
    token_url: String,
    revoke_url: String,
    pkce: bool,
    scope_prefix: String,
    revocation: Revocation,
}

impl Default for Endpoints {
    fn default() -> Self {
        Endpoints::legacy()
    }
}

impl Endpoints {
    /// Oura's documented endpoints (the default).
    pub fn legacy() -> Self {
        Endpoints::custom(LEGACY_AUTHORIZE_URL, LEGACY_TOKEN_URL, LEGACY_REVOKE_URL)
    }

    /// The identity provider of Oura's newer developer portal: PKCE (S256), `extapi:` scopes,
    /// RFC 7009 revocation.
    pub fn moi() -> Self {
        Endpoints::custom(MOI_AUTHORIZE_URL, MOI_TOKEN_URL, MOI_REVOKE_URL)
            .with_pkce(true)
            .with_scope_prefix(MOI_SCOPE_PREFIX)
            .with_revocation(Revocation::Rfc7009)
    }

    /// Any three URLs, with the legacy behaviour (no PKCE, plain scopes, revocation by query
    /// parameter) until changed with [`with_pkce`](Self::with_pkce),
    /// [`with_scope_prefix`](Self::with_scope_prefix) and [`with_revocation`](Self::with_revocation).
    /// The URLs are checked when the [`OAuthClient`](super::OAuthClient) is built.
    pub fn custom(
        authorize_url: impl Into<String>,
        token_url: impl Into<String>,
        revoke_url: impl Into<String>,
    ) -> Self {
        Endpoints {
            authorize_url: authorize_url.into(),
            token_url: token_url.into(),
            revoke_url: revoke_url.into(),
            pkce: false,
            scope_prefix: String::new(),
            revocation: Revocation::AccessTokenQuery,
        }
    }

    /// Whether authorization requests carry a PKCE (S256) challenge and code exchanges its verifier.
    #[must_use]
    pub fn with_pkce(mut self, pkce: bool) -> Self {
        self.pkce = pkce;
        self
    }

    /// The text put before every known scope (`extapi:` for the newer identity provider).
    #[must_use]
    pub fn with_scope_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.scope_prefix = prefix.into();
        self
    }

    /// How tokens are revoked.
    #[must_use]
    pub fn with_revocation(mut self, revocation: Revocation) -> Self {
        self.revocation = revocation;
        self
    }

    /// Replaces the authorization URL (the rest stays).
    #[must_use]
    pub fn with_authorize_url(mut self, url: impl Into<String>) -> Self {
        self.authorize_url = url.into();
        self
    }

    /// Replaces the token URL (the rest stays).
    #[must_use]
    pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = url.into();
        self
    }

    /// Replaces the revocation URL (the rest stays).
    #[must_use]
    pub fn with_revoke_url(mut self, url: impl Into<String>) -> Self {
        self.revoke_url = url.into();
        self
    }

    /// The authorization URL the user's browser is sent to.
    pub fn authorize_url(&self) -> &str {
        &self.authorize_url
    }

    /// The token URL (code exchange and refresh).
    pub fn token_url(&self) -> &str {
        &self.token_url
    }

    /// The revocation URL.
    pub fn revoke_url(&self) -> &str {
        &self.revoke_url
    }

    /// Whether PKCE (S256) is used.
    pub fn uses_pkce(&self) -> bool {
        self.pkce
    }

    /// The prefix of known scopes (empty for the legacy endpoints).
    pub fn scope_prefix(&self) -> &str {
        &self.scope_prefix
    }

    /// How tokens are revoked.
    pub fn revocation(&self) -> Revocation {
        self.revocation
    }

    /// A scope as this authorization server spells it: known scopes get the prefix,
    /// [`Scope::Other`] is sent exactly as written.
    pub fn render_scope(&self, scope: &Scope) -> String {
        match scope {
            Scope::Other(raw) => raw.clone(),
            known => format!("{}{}", self.scope_prefix, known.as_str()),
        }
    }

    /// Reads a scope this authorization server granted (the prefix removed from known scopes).
    pub fn parse_scope(&self, granted: &str) -> Scope {
        if !self.scope_prefix.is_empty()
            && let Some(rest) = granted.strip_prefix(&self.scope_prefix)
        {
            let scope = Scope::from(rest);
            if !matches!(scope, Scope::Other(_)) {
                return scope;
            }
        }
        Scope::from(granted)
    }
}

/// An Oura OAuth scope.
///
/// Written without a prefix; [`Endpoints::render_scope`] adds `extapi:` for the newer identity
/// provider. Serialized as its name (`"heart_health"`); unknown names round-trip through
/// [`Scope::Other`], which is sent exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scope {
    /// `email`: the user's email address.
    Email,
    /// `personal`: age, sex, weight, height.
    Personal,
    /// `daily`: daily summaries of sleep, activity and readiness.
    Daily,
    /// `heartrate`: heart rate time series.
    Heartrate,
    /// `workout`: workouts.
    Workout,
    /// `tag`: tags the user entered.
    Tag,
    /// `session`: guided and unguided sessions.
    Session,
    /// `spo2` (formerly `spo2Daily`): blood oxygen averages.
    Spo2,
    /// `heart_health`: cardiovascular age, VO2 max.
    HeartHealth,
    /// `stress`: daily stress and resilience (reported as needed in practice).
    Stress,
    /// `ring_configuration`: the user's rings (reported as needed in practice).
    RingConfiguration,
    /// Any other scope, sent exactly as written (no prefix added).
    Other(String),
}

impl Scope {
    /// Every known scope, in Oura's documentation order.
    pub fn all() -> Vec<Scope> {
        vec![
            Scope::Email,
            Scope::Personal,
            Scope::Daily,
            Scope::Heartrate,
            Scope::Workout,
            Scope::Tag,
            Scope::Session,
            Scope::Spo2,
            Scope::HeartHealth,
            Scope::Stress,
            Scope::RingConfiguration,
        ]
    }

    /// The scope's name without any prefix.
    pub fn as_str(&self) -> &str {
        match self {
            Scope::Email => "email",
            Scope::Personal => "personal",
            Scope::Daily => "daily",
            Scope::Heartrate => "heartrate",
            Scope::Workout => "workout",
            Scope::Tag => "tag",
            Scope::Session => "session",
            Scope::Spo2 => "spo2",
            Scope::HeartHealth => "heart_health",
            Scope::Stress => "stress",
            Scope::RingConfiguration => "ring_configuration",
            Scope::Other(raw) => raw,
        }
    }
}

impl From<&str> for Scope {
    fn from(name: &str) -> Self {
        match name {
            "email" => Scope::Email,
            "personal" => Scope::Personal,
            "daily" => Scope::Daily,
            "heartrate" => Scope::Heartrate,
            "workout" => Scope::Workout,
            "tag" => Scope::Tag,
            "session" => Scope::Session,
            "spo2" | "spo2Daily" => Scope::Spo2,
            "heart_health" => Scope::HeartHealth,
            "stress" => Scope::Stress,
            "ring_configuration" => Scope::RingConfiguration,
            other => Scope::Other(other.to_owned()),
        }
    }
}

impl FromStr for Scope {
    type Err = Infallible;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(Scope::from(name))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|name| Scope::from(name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_render_per_endpoint_set_and_parse_back() {
        let legacy = Endpoints::legacy();
        let moi = Endpoints::moi();
        for scope in Scope::all() {
            assert_eq!(legacy.render_scope(&scope), scope.as_str());
            assert_eq!(moi.render_scope(&scope), format!("extapi:{}", scope.as_str()));
            assert_eq!(legacy.parse_scope(&legacy.render_scope(&scope)), scope);
            assert_eq!(moi.parse_scope(&moi.render_scope(&scope)), scope);
        }
        let openid = Scope::Other("openid".into());
        assert_eq!(moi.render_scope(&openid), "openid");
        assert_eq!(moi.parse_scope("openid"), openid);
        assert_eq!(moi.parse_scope("extapi:future"), Scope::Other("extapi:future".into()));
        assert_eq!(legacy.parse_scope("spo2Daily"), Scope::Spo2);
        assert_eq!(Scope::all().len(), 11);
    }

    #[test]
    fn scopes_serialize_as_their_names() {
        let json = serde_json::to_string(&[Scope::HeartHealth, Scope::Other("x:y".into())]).expect("serialize");
        assert_eq!(json, r#"["heart_health","x:y"]"#);
        let back: Vec<Scope> = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, [Scope::HeartHealth, Scope::Other("x:y".into())]);
    }

    #[test]
    fn endpoint_sets_have_the_documented_urls() {
        let legacy = Endpoints::default();
        assert_eq!(legacy.authorize_url(), "https://cloud.ouraring.com/oauth/authorize");
        assert_eq!(legacy.token_url(), "https://api.ouraring.com/oauth/token");
        assert_eq!(legacy.revoke_url(), "https://api.ouraring.com/oauth/revoke");
        assert!(!legacy.uses_pkce());
        assert_eq!(legacy.revocation(), Revocation::AccessTokenQuery);
        let moi = Endpoints::moi();
        assert_eq!(
            moi.authorize_url(),
            "https://moi.ouraring.com/oauth/v2/ext/oauth-authorize"
        );
        assert_eq!(moi.token_url(), "https://moi.ouraring.com/oauth/v2/ext/oauth-token");
        assert_eq!(moi.revoke_url(), "https://moi.ouraring.com/oauth/v2/ext/oauth-revoke");
        assert!(moi.uses_pkce());
        assert_eq!(moi.scope_prefix(), "extapi:");
        assert_eq!(moi.revocation(), Revocation::Rfc7009);
    }
}
