//! OAuth2: authorization code with PKCE, refresh rotation, expiry and revocation.

mod common;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{client, get, start};
use oura_emulator::{Emulator, EmulatorConfig};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

const VERIFIER: &str = "a-verifier-of-forty-three-characters-or-more-0123456789";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .seed(3)
        .history_days(30)
        .client("my-app", "my-secret")
}

/// Runs the authorization step and returns the code from the redirect.
async fn authorize(emulator: &Emulator, extra: &[(&str, &str)]) -> String {
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", "my-app"),
        ("redirect_uri", REDIRECT),
        ("state", "xyz 123"),
        ("scope", "personal daily heartrate"),
    ];
    params.extend_from_slice(extra);
    let response = client()
        .get(emulator.authorize_url())
        .query(&params)
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let url = reqwest::Url::parse(&location).expect("redirect URL");
    assert!(location.starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("state".into(), "xyz 123".into())),
        "state passed through: {pairs:?}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .expect("code")
}

async fn token_request(emulator: &Emulator, form: &[(&str, &str)]) -> (StatusCode, serde_json::Value) {
    let response = client()
        .post(emulator.token_url())
        .form(form)
        .send()
        .await
        .expect("token request");
    let status = response.status();
    (status, response.json().await.expect("JSON"))
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

#[tokio::test]
async fn code_flow_with_pkce_and_refresh_rotation() {
    let emulator = start(config()).await;
    let code = authorize(
        &emulator,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;

    // A wrong verifier is refused, and the code is then spent.
    let base = [
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
        ("client_id", "my-app"),
        ("client_secret", "my-secret"),
    ];
    let mut wrong = base.to_vec();
    wrong.extend([("code", code.as_str()), ("code_verifier", "not-the-verifier")]);
    let (status, body) = token_request(&emulator, &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");

    let code = authorize(
        &emulator,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let mut missing = base.to_vec();
    missing.push(("code", code.as_str()));
    let (status, body) = token_request(&emulator, &missing).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    let code = authorize(
        &emulator,
        &[
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ],
    )
    .await;
    let mut good = base.to_vec();
    good.extend([("code", code.as_str()), ("code_verifier", VERIFIER)]);
    let (status, tokens) = token_request(&emulator, &good).await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 86_400);
    assert_eq!(tokens["scope"], "personal daily heartrate");
    let access = tokens["access_token"].as_str().expect("access").to_owned();
    let refresh = tokens["refresh_token"].as_str().expect("refresh").to_owned();
    let info = get(&emulator, "/v2/usercollection/personal_info", Some(&access)).await;
    assert_eq!(info.status, StatusCode::OK);
    assert_eq!(info.json()["email"], "user0@example.com");

    // A code is single use.
    let (status, body) = token_request(&emulator, &good).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );

    // Refresh rotates: the new pair works, the old refresh token is dead.
    let refresh_form = |token: &str| {
        vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token.to_owned()),
            ("client_id", "my-app".to_owned()),
            ("client_secret", "my-secret".to_owned()),
        ]
    };
    let form = refresh_form(&refresh);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, rotated) = token_request(&emulator, &form).await;
    assert_eq!(status, StatusCode::OK, "{rotated}");
    let new_refresh = rotated["refresh_token"].as_str().expect("refresh");
    assert_ne!(new_refresh, refresh);
    let new_access = rotated["access_token"].as_str().expect("access");
    assert_ne!(new_access, access);
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(new_access))
            .await
            .status,
        StatusCode::OK
    );
    let (status, body) = token_request(&emulator, &form).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
    let next = refresh_form(new_refresh);
    let next: Vec<(&str, &str)> = next.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(token_request(&emulator, &next).await.0, StatusCode::OK);

    // Wrong client credentials.
    let mut bad_client = next.clone();
    bad_client[3] = ("client_secret", "wrong");
    let (status, body) = token_request(&emulator, &bad_client).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_client"))
    );
}

#[tokio::test]
async fn code_without_challenge_and_for_another_user() {
    let emulator = start(config()).await;
    let code = authorize(&emulator, &[("user", "1")]).await;
    let (status, tokens) = token_request(
        &emulator,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "my-app"),
            ("client_secret", "my-secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let info = get(
        &emulator,
        "/v2/usercollection/personal_info",
        tokens["access_token"].as_str(),
    )
    .await;
    assert_eq!(info.json()["email"], "user1@example.com");

    // Unknown client: no redirect.
    let response = client()
        .get(emulator.authorize_url())
        .query(&[
            ("response_type", "code"),
            ("client_id", "other"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_expire_and_revoke() {
    let emulator = start(config().token_lifetime(Duration::from_secs(60))).await;
    let code = authorize(&emulator, &[]).await;
    let (_, tokens) = token_request(
        &emulator,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("client_id", "my-app"),
            ("client_secret", "my-secret"),
        ],
    )
    .await;
    let access = tokens["access_token"].as_str().expect("access");
    assert_eq!(tokens["expires_in"], 60, "lifetime in whole seconds");
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(access))
            .await
            .status,
        StatusCode::OK
    );
    // The emulator's clock moves on a minute; no test sleeps on the wall clock.
    emulator.advance_clock(Duration::from_secs(59));
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(access))
            .await
            .status,
        StatusCode::OK,
        "still within its lifetime"
    );
    emulator.advance_clock(Duration::from_secs(1));
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(access))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // The refresh token still gets a new access token after expiry.
    let (status, rotated) = token_request(
        &emulator,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().expect("refresh")),
            ("client_id", "my-app"),
            ("client_secret", "my-secret"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let fresh = rotated["access_token"].as_str().expect("access");

    let minted = emulator.mint_token(1).expect("user 1");
    let long_lived = emulator
        .mint_token_with_lifetime(1, Duration::from_secs(3600))
        .expect("user 1");
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(&minted))
            .await
            .status,
        StatusCode::OK
    );
    assert!(emulator.mint_token(7).is_err());

    let revoke = client()
        .get(emulator.revoke_url())
        .query(&[("access_token", long_lived.as_str())])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(&long_lived))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let revoke = client()
        .post(emulator.revoke_url())
        .query(&[("access_token", fresh)])
        .send()
        .await
        .expect("revoke");
    assert_eq!(revoke.status(), StatusCode::OK);
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(fresh))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn implicit_grant_puts_the_token_in_the_fragment() {
    let emulator = start(config()).await;
    let response = client()
        .get(emulator.authorize_url())
        .query(&[
            ("response_type", "token"),
            ("client_id", "my-app"),
            ("redirect_uri", REDIRECT),
            ("state", "s"),
        ])
        .send()
        .await
        .expect("authorize");
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().expect("location");
    let fragment = location.split_once('#').expect("fragment").1;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(fragment.as_bytes()).into_owned().collect();
    let token = pairs
        .iter()
        .find(|(k, _)| k == "access_token")
        .expect("token")
        .1
        .clone();
    assert!(pairs.contains(&("state".into(), "s".into())));
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(&token))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn codes_expire_after_ten_minutes() {
    let emulator = start(config()).await;
    let exchange = |code: String| {
        let emulator = &emulator;
        async move {
            token_request(
                emulator,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", REDIRECT),
                    ("client_id", "my-app"),
                    ("client_secret", "my-secret"),
                ],
            )
            .await
        }
    };
    let code = authorize(&emulator, &[]).await;
    emulator.advance_clock(Duration::from_secs(599));
    assert_eq!(exchange(code).await.0, StatusCode::OK, "within ten minutes");
    let code = authorize(&emulator, &[]).await;
    emulator.advance_clock(Duration::from_secs(600));
    let (status, body) = exchange(code).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_grant");
}
