//! Receiving: the verification challenge, delivery signatures, and both bundled in [`Receiver`].

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};

use super::event::{WebhookEvent, parse_event};
use crate::error::{Error, Result};
use crate::secret::Secret;

/// The header carrying a delivery's signature (upper-case hex HMAC-SHA256).
pub const SIGNATURE_HEADER: &str = "x-oura-signature";

/// The header carrying a delivery's timestamp (unix seconds, as text).
pub const TIMESTAMP_HEADER: &str = "x-oura-timestamp";

/// How long the router waits for a delivery's body once its headers arrived: 10 s (Oura wants
/// an answer within 10 s anyway).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest delivery body the router reads: 64 KiB (an event is a few hundred bytes).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;

/// How far a delivery's timestamp may be from the receiver's clock, either way: 5 minutes.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// How many accepted deliveries a [`Receiver`] remembers to refuse replays, unless told
/// otherwise.
pub const DEFAULT_REPLAY_MEMORY: usize = 100_000;

/// Timestamps at least this large are read as milliseconds: as seconds they would be past
/// the year 5000, as milliseconds they are after March 1973.
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

type HmacSha256 = Hmac<Sha256>;

// ---------------------------------------------------------------------------------------------
// The verification challenge

/// The query of Oura's verification call: `GET <callback>?verification_token=...&challenge=...`.
#[derive(Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ChallengeQuery {
    /// The token Oura sends back: the one given when the subscription was created.
    pub verification_token: Option<Secret>,
    /// The random text to echo.
    pub challenge: Option<String>,
}

impl fmt::Debug for ChallengeQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChallengeQuery")
            .field(
                "verification_token",
                &self.verification_token.as_ref().map(|_| "[redacted]"),
            )
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl ChallengeQuery {
    /// A query with these values.
    pub fn new(verification_token: impl Into<Secret>, challenge: impl Into<String>) -> Self {
        ChallengeQuery {
            verification_token: Some(verification_token.into()),
            challenge: Some(challenge.into()),
        }
    }

    /// Reads a raw query string (without `?`), percent-decoding it; other parameters are ignored.
    pub fn from_query(query: &str) -> Self {
        let mut out = ChallengeQuery::default();
        let Ok(url) = reqwest::Url::parse(&format!("http://callback.invalid/?{query}")) else {
            return out;
        };
        for (name, value) in url.query_pairs() {
            match name.as_ref() {
                "verification_token" if out.verification_token.is_none() => {
                    out.verification_token = Some(Secret::new(value.into_owned()));
                }
                "challenge" if out.challenge.is_none() => out.challenge = Some(value.into_owned()),
                _ => {}
            }
        }
        out
    }
}

/// Why a verification call was refused. Answer it with 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The query had no `verification_token`.
    #[error("the verification call has no verification_token")]
    MissingToken,
    /// The token is not the application's.
    #[error("the verification token does not match")]
    WrongToken,
    /// The query had no `challenge`.
    #[error("the verification call has no challenge")]
    MissingChallenge,
}

impl ChallengeError {
    /// The HTTP status to answer with: 401.
    pub fn status(&self) -> u16 {
        401
    }
}

/// Answers Oura's verification call: checks the token (in constant time) and returns the JSON
/// body to send with 200, `{"challenge": "<challenge>"}`.
///
/// ```
/// use oura::webhooks::{ChallengeQuery, answer_challenge};
///
/// let expected = oura::Secret::new("my-token");
/// let query = ChallengeQuery::from_query("verification_token=my-token&challenge=abc123");
/// assert_eq!(answer_challenge(&query, &expected).unwrap(), serde_json::json!({"challenge": "abc123"}));
/// let forged = ChallengeQuery::from_query("verification_token=guess&challenge=abc123");
/// assert!(answer_challenge(&forged, &expected).is_err());
/// ```
pub fn answer_challenge(query: &ChallengeQuery, expected_token: &Secret) -> Result<serde_json::Value, ChallengeError> {
    let token = query.verification_token.as_ref().ok_or(ChallengeError::MissingToken)?;
    if !constant_time_eq(token.expose().as_bytes(), expected_token.expose().as_bytes()) {
        return Err(ChallengeError::WrongToken);
    }
    let challenge = query.challenge.as_ref().ok_or(ChallengeError::MissingChallenge)?;
    Ok(serde_json::json!({ "challenge": challenge }))
}

/// Compares two byte strings in time independent of their contents and lengths, by comparing
/// their SHA-256 digests without early exit.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    let difference = a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

// ---------------------------------------------------------------------------------------------
// Signatures

/// Why a delivery's signature was not accepted. Answer it with 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// No `x-oura-signature` header.
    #[error("the x-oura-signature header is missing")]
    MissingSignature,
    /// No `x-oura-timestamp` header.
    #[error("the x-oura-timestamp header is missing")]
    MissingTimestamp,
    /// The timestamp is not an integer (its start is kept).
    #[error("the x-oura-timestamp header is not a unix time: {0:?}")]
    InvalidTimestamp(String),
    /// The timestamp is outside the accepted window around the receiver's clock: a replay, or
    /// a clock that is off.
    #[error("the delivery's timestamp {sent_at} is outside the {}s window around {now}", .tolerance.as_secs())]
    OutsideWindow {
        /// When the delivery says it was sent.
        sent_at: DateTime<Utc>,
        /// The receiver's clock.
        now: DateTime<Utc>,
        /// The accepted distance, either way.
        tolerance: Duration,
    },
    /// The signature is not 64 hex digits.
    #[error("the x-oura-signature header is not a hex HMAC-SHA256")]
    MalformedSignature,
    /// The signature does not match the timestamp and body under the client secret.
    #[error("the signature does not match the timestamp and body")]
    Mismatch,
}

impl SignatureError {
    /// The HTTP status to answer with: 401.
    pub fn status(&self) -> u16 {
        401
    }
}

/// The signature Oura would send for `body` at `timestamp`: HMAC-SHA256 keyed with the client
/// secret over the timestamp text followed by the body, as upper-case hex. For testing
/// receivers.
pub fn sign(client_secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    let tag = mac(client_secret, timestamp, body).finalize().into_bytes();
    let mut out = String::with_capacity(tag.len() * 2);
    for byte in tag {
        out.push_str(&format!("{byte:02X}"));
    }
    out
}

fn mac(client_secret: &Secret, timestamp: &str, body: &[u8]) -> HmacSha256 {
    let mut mac =
        HmacSha256::new_from_slice(client_secret.expose().as_bytes()).expect("HMAC-SHA256 takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac
}

/// Verifies a delivery: its `x-oura-signature` (`signature`) against its `x-oura-timestamp`
/// (`timestamp`) and raw `body`, keyed with the application's client secret.
///
/// - The signature is HMAC-SHA256 over the timestamp text exactly as sent followed by the body.
///   Hex digits are accepted in either case (Oura sends upper case); surrounding whitespace and
///   a `sha256=` prefix are ignored. The comparison is constant-time (`hmac`'s `verify_slice`).
/// - Two forms of the body are tried: the raw bytes, then, when the body is JSON, the same JSON
///   with the whitespace between tokens removed (key order and string contents kept), which is
///   what `JSON.stringify(JSON.parse(body))` gives for Oura's payloads and what Oura's own
///   example signs.
/// - The timestamp is unix time in seconds; a value of 10^11 or more is read as milliseconds.
///   It must lie within `tolerance` of `now`, either way (replay protection).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use oura::Secret;
/// use oura::webhooks::{DEFAULT_TOLERANCE, sign, verify_signature};
///
/// let secret = Secret::new("client-secret");
/// let body = br#"{"event_type":"create","data_type":"sleep"}"#;
/// let signature = sign(&secret, "1700000000", body);
/// let now = Utc.timestamp_opt(1_700_000_030, 0).unwrap();
/// assert!(verify_signature(&secret, &signature, "1700000000", body, now, DEFAULT_TOLERANCE).is_ok());
/// assert!(verify_signature(&secret, &signature, "1700000001", body, now, DEFAULT_TOLERANCE).is_err());
/// ```
pub fn verify_signature(
    client_secret: &Secret,
    signature: &str,
    timestamp: &str,
    body: &[u8],
    now: DateTime<Utc>,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let sent_at = parse_timestamp(timestamp)?;
    let distance = (now - sent_at).abs().to_std().unwrap_or(Duration::MAX);
    if distance > tolerance {
        return Err(SignatureError::OutsideWindow {
            sent_at,
            now,
            tolerance,
        });
    }
    let expected = decode_hex_signature(signature)?;
    if mac(client_secret, timestamp, body).verify_slice(&expected).is_ok() {
        return Ok(());
    }
    if let Some(compact) = compact_json(body)
        && compact != body
        && mac(client_secret, timestamp, &compact).verify_slice(&expected).is_ok()
    {
        return Ok(());
    }
    Err(SignatureError::Mismatch)
}

fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, SignatureError> {
    let invalid = || SignatureError::InvalidTimestamp(text.chars().take(40).collect());
    let value: i64 = text.trim().parse().map_err(|_| invalid())?;
    let parsed = if value.unsigned_abs() >= MILLIS_THRESHOLD.unsigned_abs() {
        DateTime::from_timestamp_millis(value)
    } else {
        DateTime::from_timestamp(value, 0)
    };
    parsed.ok_or_else(invalid)
}

/// The 32 bytes of a hex signature, in either case, optionally prefixed by `sha256=`.
fn decode_hex_signature(signature: &str) -> Result<[u8; 32], SignatureError> {
    let text = signature.trim();
    let text = text
        .strip_prefix("sha256=")
        .or_else(|| text.strip_prefix("SHA256="))
        .unwrap_or(text);
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return Err(SignatureError::MalformedSignature);
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let high = hex_value(pair[0]).ok_or(SignatureError::MalformedSignature)?;
        let low = hex_value(pair[1]).ok_or(SignatureError::MalformedSignature)?;
        *byte = (high << 4) | low;
    }
    Ok(out)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The body without whitespace between JSON tokens, when it is JSON.
fn compact_json(body: &[u8]) -> Option<Vec<u8>> {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).ok()?;
    let mut out = Vec::with_capacity(body.len());
    let mut in_string = false;
    let mut escaped = false;
    for &byte in body {
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
            out.push(byte);
        } else if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            out.push(byte);
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// The receiver

/// Why a delivery was refused: [`ReceiveError::status`] says how to answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The signature or timestamp is not acceptable: answer 401.
    #[error(transparent)]
    Signature(#[from] SignatureError),
    /// The signature is valid but the body is not an event this client can read: answer 400.
    #[error("the delivery is not a webhook event: {0}")]
    Event(#[source] Error),
    /// This signed delivery was already accepted (a replay, or Oura repeating a delivery whose
    /// answer it did not get): answer 200 and do nothing more.
    #[error("the delivery was already accepted (same signature)")]
    Replayed,
}

impl ReceiveError {
    /// The HTTP status to answer with: 401 for signatures, 400 for bodies.
    pub fn status(&self) -> u16 {
        match self {
            ReceiveError::Signature(_) => 401,
            ReceiveError::Event(_) => 400,
            ReceiveError::Replayed => 200,
        }
    }
}

/// What a callback endpoint needs to know: the application's client secret (for signatures)
/// and verification token (for challenges), and how much clock skew to accept.
///
/// ```
/// use oura::webhooks::{Receiver, sign};
/// use reqwest::header::HeaderMap;
///
/// let receiver = Receiver::new("client-secret", "verification-token");
/// let body = br#"{"event_type":"create","data_type":"sleep","object_id":"s1","event_time":"2025-01-01T07:00:00+02:00","user_id":"u1"}"#;
/// let timestamp = chrono::Utc::now().timestamp().to_string();
/// let mut headers = HeaderMap::new();
/// headers.insert("x-oura-timestamp", timestamp.parse().unwrap());
/// headers.insert("x-oura-signature", sign(&"client-secret".into(), &timestamp, body).parse().unwrap());
/// let event = receiver.receive(&headers, body).unwrap();
/// assert_eq!(event.object_id, "s1");
/// ```
///
/// [`receive`](Receiver::receive) accepts each signed delivery once: it remembers the
/// signatures it accepted while their timestamps are inside the time window (a replay outside
/// the window fails the timestamp check anyway), up to [`DEFAULT_REPLAY_MEMORY`] of them
/// ([`replay_memory`](Receiver::replay_memory)); past that the oldest are forgotten first.
/// Clones share the memory.
#[derive(Clone, Debug)]
pub struct Receiver {
    client_secret: Secret,
    verification_token: Secret,
    tolerance: Duration,
    replays: Arc<Mutex<Replays>>,
    body_timeout: Duration,
    max_body: usize,
}

/// Signatures of accepted deliveries, by the delivery's timestamp.
#[derive(Debug, Default)]
struct Replays {
    capacity: usize,
    by_time: BTreeSet<(DateTime<Utc>, [u8; 32])>,
    known: HashSet<[u8; 32]>,
}

impl Replays {
    /// Records a delivery; `false` when it was already recorded.
    fn remember(&mut self, signature: [u8; 32], sent_at: DateTime<Utc>, forget_before: DateTime<Utc>) -> bool {
        // Deliveries sent before the window are refused by their timestamp anyway.
        while let Some(first) = self.by_time.first().copied()
            && first.0 < forget_before
        {
            self.by_time.pop_first();
            self.known.remove(&first.1);
        }
        if self.known.contains(&signature) {
            return false;
        }
        while self.by_time.len() >= self.capacity.max(1) {
            if let Some(first) = self.by_time.pop_first() {
                self.known.remove(&first.1);
            }
        }
        self.known.insert(signature);
        self.by_time.insert((sent_at, signature));
        true
    }
}

impl Receiver {
    /// A receiver for the application with this client secret and verification token,
    /// accepting [`DEFAULT_TOLERANCE`] of clock skew.
    pub fn new(client_secret: impl Into<Secret>, verification_token: impl Into<Secret>) -> Self {
        Receiver {
            client_secret: client_secret.into(),
            verification_token: verification_token.into(),
            tolerance: DEFAULT_TOLERANCE,
            replays: Arc::new(Mutex::new(Replays {
                capacity: DEFAULT_REPLAY_MEMORY,
                ..Replays::default()
            })),
            body_timeout: DEFAULT_BODY_TIMEOUT,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// Reads `OURA_CLIENT_SECRET` and `OURA_VERIFICATION_TOKEN`.
    pub fn from_env() -> Result<Self> {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| Error::InvalidInput(format!("{name} is not set")))
        };
        Ok(Receiver::new(
            read("OURA_CLIENT_SECRET")?,
            read("OURA_VERIFICATION_TOKEN")?,
        ))
    }

    /// Accepts deliveries whose timestamp is within `tolerance` of the receiver's clock.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// How many accepted deliveries to remember for refusing replays (default
    /// [`DEFAULT_REPLAY_MEMORY`]; at least 1).
    #[must_use]
    pub fn replay_memory(self, deliveries: usize) -> Self {
        if let Ok(mut replays) = self.replays.lock() {
            replays.capacity = deliveries.max(1);
        }
        self
    }

    /// How long the router waits for a delivery's whole body once its headers arrived (default
    /// [`DEFAULT_BODY_TIMEOUT`]); a slower body is answered 408 and its connection closed.
    #[must_use]
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.body_timeout = timeout;
        self
    }

    /// The largest delivery body the router reads (default [`DEFAULT_MAX_BODY`]); a larger one
    /// is answered 413.
    #[must_use]
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The router's body time and size limits.
    #[cfg_attr(not(feature = "axum"), allow(dead_code, reason = "read by the router"))]
    pub(crate) fn body_limits(&self) -> (Duration, usize) {
        (self.body_timeout, self.max_body)
    }

    /// Answers a verification call (see [`answer_challenge`]).
    pub fn answer_challenge(&self, query: &ChallengeQuery) -> Result<serde_json::Value, ChallengeError> {
        answer_challenge(query, &self.verification_token)
    }

    /// Verifies a delivery's headers and raw body now (see [`verify_signature`]).
    ///
    /// `HeaderMap` is the `http` crate's, shared by `reqwest`, `axum` and `hyper`.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), SignatureError> {
        self.verify_at(headers, body, Utc::now())
    }

    /// Like [`verify`](Self::verify), with the receiver's clock reading `now`.
    pub fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: DateTime<Utc>) -> Result<(), SignatureError> {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let signature = header(SIGNATURE_HEADER).ok_or(SignatureError::MissingSignature)?;
        let timestamp = header(TIMESTAMP_HEADER).ok_or(SignatureError::MissingTimestamp)?;
        verify_signature(&self.client_secret, signature, timestamp, body, now, self.tolerance)
    }

    /// Verifies a delivery and parses its event, once: a delivery already accepted is
    /// [`ReceiveError::Replayed`].
    pub fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<WebhookEvent, ReceiveError> {
        self.receive_at(headers, body, Utc::now())
    }

    /// Like [`receive`](Self::receive), with the receiver's clock reading `now`.
    pub fn receive_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<WebhookEvent, ReceiveError> {
        self.verify_at(headers, body, now)?;
        let event = parse_event(body).map_err(ReceiveError::Event)?;
        // Verified above, so both headers are present and well formed.
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let signature = header(SIGNATURE_HEADER).map(decode_hex_signature);
        let sent_at = header(TIMESTAMP_HEADER).map(parse_timestamp);
        if let (Some(Ok(signature)), Some(Ok(sent_at))) = (signature, sent_at) {
            let tolerance = chrono::TimeDelta::from_std(self.tolerance).unwrap_or(chrono::TimeDelta::MAX);
            let forget_before = now.checked_sub_signed(tolerance).unwrap_or(DateTime::<Utc>::MIN_UTC);
            let mut replays = self.replays.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !replays.remember(signature, sent_at, forget_before) {
                return Err(ReceiveError::Replayed);
            }
        }
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn compact_json_removes_only_whitespace_between_tokens() {
        let body = b"{ \"a\" : \"x y\\\" z\",\n  \"b\": [1, 2] }";
        assert_eq!(
            compact_json(body).expect("json"),
            b"{\"a\":\"x y\\\" z\",\"b\":[1,2]}".to_vec()
        );
        assert_eq!(compact_json(b"not json"), None);
    }

    #[test]
    fn timestamps_in_seconds_and_milliseconds() {
        assert_eq!(parse_timestamp("1700000000").map(|t| t.timestamp()), Ok(1_700_000_000));
        assert_eq!(
            parse_timestamp(" 1700000000123 ").map(|t| t.timestamp_millis()),
            Ok(1_700_000_000_123)
        );
        assert_eq!(
            parse_timestamp("2023-11-14T22:13:20Z"),
            Err(SignatureError::InvalidTimestamp("2023-11-14T22:13:20Z".into()))
        );
    }

    #[test]
    fn hex_signatures_decode_in_either_case_and_reject_garbage() {
        let lower = "71b3b7d00ba0ff515f0505db1c19814b7683bf733eb1dc7a47b0ea7ccfa65815";
        let decoded = decode_hex_signature(lower).expect("hex");
        assert_eq!(decode_hex_signature(&lower.to_uppercase()), Ok(decoded));
        assert_eq!(decode_hex_signature(&format!("sha256={lower}")), Ok(decoded));
        assert_eq!(decoded[0], 0x71);
        assert_eq!(decoded[31], 0x15);
        assert_eq!(
            decode_hex_signature(&lower[..62]),
            Err(SignatureError::MalformedSignature)
        );
        assert_eq!(
            decode_hex_signature(&format!("{}zz", &lower[..62])),
            Err(SignatureError::MalformedSignature)
        );
    }

    #[test]
    fn challenge_query_reads_percent_encoded_values() {
        let query = ChallengeQuery::from_query("challenge=a%2Bb%20c&verification_token=t%26k&x=1");
        assert_eq!(query.challenge.as_deref(), Some("a+b c"));
        assert_eq!(query.verification_token.as_ref().map(Secret::expose), Some("t&k"));
        assert!(!format!("{query:?}").contains("t&k"));
    }
}
