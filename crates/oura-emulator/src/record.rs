//! What the emulator saw ([`RecordedRequest`]) and sent ([`Delivery`]), for tests to assert on.

use std::fmt;

/// Headers whose values are shown as `<redacted>` by `Debug`.
const SECRET_HEADERS: &[&str] = &["authorization", "x-client-secret", "cookie"];

/// One request the emulator received (admin routes under `/_emulator/` are not recorded).
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The method, e.g. `GET`.
    pub method: String,
    /// The path, e.g. `/v2/usercollection/daily_sleep`.
    pub path: String,
    /// The raw query string, without the `?`.
    pub query: Option<String>,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// The status answered; `None` while in flight or when the connection was dropped.
    pub status: Option<u16>,
}

impl RecordedRequest {
    /// The decoded query parameters, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query
            .as_deref()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first value of query parameter `name`, decoded.
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let shown = if SECRET_HEADERS.contains(&k.as_str()) {
                    "<redacted>"
                } else {
                    v.as_str()
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("status", &self.status)
            .finish()
    }
}

/// One attempt to deliver a webhook event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The subscription delivered to.
    pub subscription_id: String,
    /// Where it was posted.
    pub callback_url: String,
    /// The JSON body sent (`event_type`, `data_type`, `object_id`, `event_time`, `user_id`).
    pub body: String,
    /// The `x-oura-timestamp` header sent.
    pub timestamp: String,
    /// The `x-oura-signature` header sent.
    pub signature: String,
    /// 1 for the first attempt, 2 for the first retry, ...
    pub attempt: u32,
    /// The receiver's status, `None` if the request failed.
    pub status: Option<u16>,
    /// Whether this attempt succeeded (2xx).
    pub delivered: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_decoded_and_secrets_redacted() {
        let request = RecordedRequest {
            method: "GET".into(),
            path: "/v2/usercollection/heartrate".into(),
            query: Some("start_datetime=2024-01-01T00%3A00%3A00%2B02%3A00&latest=true".into()),
            headers: vec![("authorization".into(), "Bearer secret-token".into())],
            status: Some(200),
        };
        assert_eq!(
            request.query_param("start_datetime").as_deref(),
            Some("2024-01-01T00:00:00+02:00")
        );
        assert_eq!(request.header("Authorization"), Some("Bearer secret-token"));
        let debug = format!("{request:?}");
        assert!(!debug.contains("secret-token"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }
}
