//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use oura_emulator::{Emulator, EmulatorConfig};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub const UA: &str = "oura-emulator-tests/1";

pub fn client() -> reqwest::Client {
    oura_api_sys::tls::client_builder()
        .user_agent(UA)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub async fn start(config: EmulatorConfig) -> Emulator {
    config.start().await.expect("emulator starts")
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("does not decode ({e}): {}", &self.body[..self.body.len().min(400)]))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// `GET base+path` with the token (if any) and the default User-Agent.
pub async fn get(emulator: &Emulator, path: &str, token: Option<&str>) -> Answer {
    let mut request = client().get(format!("{}{path}", emulator.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.text().await.expect("body"),
    }
}

/// Follows `next_token` until the end, returning every page's `data` items.
pub async fn all_pages(emulator: &Emulator, path: &str, token: &str) -> (Vec<serde_json::Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next: Option<String> = None;
    loop {
        let url = match &next {
            None => path.to_owned(),
            Some(token) => {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{path}{sep}next_token={token}")
            }
        };
        let answer = get(emulator, &url, Some(token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{url}: {}", answer.body);
        let page = answer.json();
        pages += 1;
        items.extend(page["data"].as_array().expect("data").iter().cloned());
        match page.get("next_token").and_then(|t| t.as_str()) {
            Some(token) => {
                assert_ne!(Some(token), next.as_deref(), "repeated next_token");
                next = Some(token.to_owned());
            }
            None => break,
        }
        assert!(pages < 10_000, "runaway pagination");
    }
    (items, pages)
}
