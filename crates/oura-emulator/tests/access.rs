//! Who may read what: registered redirect URIs, granted scopes, per-application credentials
//! and rate limits counted per access token and per application; the bounded request log and
//! the settings the emulator refuses.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use common::{client, get, start};
use oura_emulator::{Application, ConfigError, Emulator, EmulatorConfig};
use reqwest::StatusCode;

fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .seed(5)
        .users(2)
        .history_days(30)
        .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
}

/// `GET /oauth/authorize` with these parameters: (status, Location header).
async fn authorize(emulator: &Emulator, params: &[(&str, &str)]) -> (StatusCode, Option<String>, String) {
    let response = client()
        .get(emulator.authorize_url())
        .query(params)
        .send()
        .await
        .expect("authorize");
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("ascii").to_owned());
    (status, location, response.text().await.expect("body"))
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(location).expect("URL");
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

async fn exchange(emulator: &Emulator, code: &str, redirect: &str, basic: Option<(&str, &str)>) -> serde_json::Value {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect),
    ];
    let mut request = client().post(emulator.token_url());
    match basic {
        Some((id, secret)) => request = request.basic_auth(id, Some(secret)),
        None => form.extend([("client_id", "emulator-client"), ("client_secret", "emulator-secret")]),
    }
    let response = request.form(&form).send().await.expect("token");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn redirect_uris_must_be_registered_and_a_single_one_is_the_default() {
    let emulator = start(config()).await;
    let base = [
        ("response_type", "code"),
        ("client_id", "emulator-client"),
        ("state", "s"),
    ];
    // The defaults: loopback /callback on any port (the CLI, the examples, the tests).
    for uri in [
        "http://127.0.0.1:8765/callback",
        "http://localhost:3000/callback",
        "http://[::1]:9/callback",
    ] {
        let mut params = base.to_vec();
        params.push(("redirect_uri", uri));
        let (status, location, _) = authorize(&emulator, &params).await;
        assert_eq!(status, StatusCode::FOUND, "{uri}");
        assert!(
            location.as_deref().is_some_and(|l| l.starts_with(uri)),
            "{uri}: {location:?}"
        );
    }
    // Unregistered: answered here, never redirected to.
    for uri in ["http://127.0.0.1:8765/elsewhere", "https://attacker.example/callback"] {
        let mut params = base.to_vec();
        params.push(("redirect_uri", uri));
        let (status, location, body) = authorize(&emulator, &params).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(location, None, "{uri}");
        assert!(
            body.contains("invalid_request") && body.contains("not registered"),
            "{body}"
        );
    }
    // No redirect_uri with three registered: refused.
    let (status, location, body) = authorize(&emulator, &base).await;
    assert_eq!((status, location), (StatusCode::BAD_REQUEST, None));
    assert!(body.contains("registered several"), "{body}");

    // One registered: it is the default, and the token request needs none then.
    let single = start(config().redirect_uris(["https://app.example/oura"])).await;
    let (status, location, _) = authorize(&single, &base).await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.expect("location");
    assert!(location.starts_with("https://app.example/oura?code="), "{location}");
    let code = query_param(&location, "code").expect("code");
    let response = client()
        .post(single.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", "emulator-client"),
            ("client_secret", "emulator-secret"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::OK);
    // A port on a non-loopback registration is another URI.
    let mut params = base.to_vec();
    params.push(("redirect_uri", "https://app.example:8443/oura"));
    assert_eq!(authorize(&single, &params).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn tokens_carry_the_granted_scopes_and_routes_refuse_the_rest() {
    let emulator = start(config()).await;
    let redirect = "http://127.0.0.1:9/callback";
    // Without scope: every scope the application may ask for.
    let (_, location, _) = authorize(
        &emulator,
        &[
            ("response_type", "code"),
            ("client_id", "emulator-client"),
            ("redirect_uri", redirect),
        ],
    )
    .await;
    let code = query_param(&location.expect("location"), "code").expect("code");
    let all = exchange(&emulator, &code, redirect, None).await;
    assert_eq!(all["scope"], oura_api_sys::scopes::SCOPES.join(" "));
    let token = all["access_token"].as_str().expect("token");
    for route in [
        "daily_sleep",
        "heartrate",
        "vO2_max",
        "daily_stress",
        "ring_configuration",
    ] {
        let answer = get(&emulator, &format!("/v2/usercollection/{route}"), Some(token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{route}: {}", answer.body);
    }

    // With scope: only those, and the client credentials in HTTP Basic this time.
    let (_, location, _) = authorize(
        &emulator,
        &[
            ("response_type", "code"),
            ("client_id", "emulator-client"),
            ("redirect_uri", redirect),
            ("scope", "personal daily"),
        ],
    )
    .await;
    let code = query_param(&location.expect("location"), "code").expect("code");
    let some = exchange(&emulator, &code, redirect, Some(("emulator-client", "emulator-secret"))).await;
    assert_eq!(some["scope"], "personal daily");
    let token = some["access_token"].as_str().expect("token");
    assert_eq!(
        get(&emulator, "/v2/usercollection/daily_sleep", Some(token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(token))
            .await
            .status,
        StatusCode::OK
    );
    let refused = get(&emulator, "/v2/usercollection/heartrate", Some(token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.json()["detail"],
        "Forbidden: the access token lacks the heartrate scope."
    );
    assert!(
        refused.header("x-ratelimit-remaining").is_some(),
        "a refused request still counts"
    );
    let refused = get(&emulator, "/v2/usercollection/workout/some-id", Some(token)).await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "single documents need the scope too"
    );
    // The sandbox needs no token and so no scope.
    let sandbox = get(&emulator, "/v2/sandbox/usercollection/heartrate", Some(token)).await;
    assert_eq!(sandbox.status, StatusCode::OK);

    // A refresh keeps the grant's scopes.
    let response = client()
        .post(emulator.token_url())
        .basic_auth("emulator-client", Some("emulator-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", some["refresh_token"].as_str().expect("refresh")),
        ])
        .send()
        .await
        .expect("refresh");
    let refreshed: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(refreshed["scope"], "personal daily");
    let token = refreshed["access_token"].as_str().expect("token");
    assert_eq!(
        get(&emulator, "/v2/usercollection/heartrate", Some(token)).await.status,
        StatusCode::FORBIDDEN
    );

    // A minted token with chosen scopes, for a client's own missing-scope tests.
    let minted = emulator.mint_token_with_scopes(1, ["heartrate"]).expect("mint");
    assert_eq!(
        get(&emulator, "/v2/usercollection/heartrate", Some(&minted))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&emulator, "/v2/usercollection/daily_sleep", Some(&minted))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert!(emulator.mint_token_with_scopes(0, ["everything"]).is_err());
}

#[tokio::test]
async fn the_scope_table_and_the_applications_scopes_are_configurable() {
    let emulator = start(
        config()
            .scopes(["personal", "daily"])
            .route_scope("daily_sleep", Some("heartrate"))
            .route_scope("heartrate", None),
    )
    .await;
    // The ready tokens carry the default application's scopes.
    let token = emulator.token(0);
    assert_eq!(
        get(&emulator, "/v2/usercollection/heartrate", Some(&token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        get(&emulator, "/v2/usercollection/daily_sleep", Some(&token))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&emulator, "/v2/usercollection/sleep", Some(&token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&emulator, "/v2/usercollection/workout", Some(&token)).await.status,
        StatusCode::FORBIDDEN
    );
    // Asking for a scope the application may not ask for comes back as invalid_scope.
    let (status, location, _) = authorize(
        &emulator,
        &[
            ("response_type", "code"),
            ("client_id", "emulator-client"),
            ("redirect_uri", "http://127.0.0.1:9/callback"),
            ("scope", "daily workout"),
            ("state", "s1"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FOUND);
    let location = location.expect("location");
    assert_eq!(query_param(&location, "error").as_deref(), Some("invalid_scope"));
    assert_eq!(query_param(&location, "state").as_deref(), Some("s1"));
    assert_eq!(query_param(&location, "code"), None);
}

#[tokio::test]
async fn rate_limits_count_per_token_and_per_application() {
    let emulator = start(
        config()
            .users(3)
            .rate_limit(4, Duration::from_secs(3600))
            .application(Application::new("second-app", "second-secret")),
    )
    .await;
    // Two users of the default application share its budget of 4.
    let (a, b) = (emulator.token(0), emulator.token(1));
    let mut remaining = Vec::new();
    for token in [&a, &b, &a] {
        let answer = get(&emulator, "/v2/usercollection/daily_sleep", Some(token)).await;
        assert_eq!(answer.status, StatusCode::OK);
        remaining.push(answer.header("x-ratelimit-remaining").expect("remaining").to_owned());
    }
    assert_eq!(
        remaining,
        ["3", "2", "1"],
        "the application's budget is the tighter one"
    );
    let last = get(&emulator, "/v2/usercollection/daily_sleep", Some(&b)).await;
    assert_eq!(last.status, StatusCode::OK);
    assert_eq!(last.header("x-ratelimit-remaining"), Some("0"));
    let refused = get(&emulator, "/v2/usercollection/daily_sleep", Some(&emulator.token(2))).await;
    assert_eq!(
        refused.status,
        StatusCode::TOO_MANY_REQUESTS,
        "a fresh token of the same application"
    );
    assert!(refused.header("retry-after").is_some());
    assert_eq!(refused.header("x-ratelimit-limit"), Some("4"));
    // The sandbox shares the caller's application budget.
    let sandbox = get(&emulator, "/v2/sandbox/usercollection/daily_sleep", Some(&a)).await;
    assert_eq!(sandbox.status, StatusCode::TOO_MANY_REQUESTS);

    // Another application has its own budget: a token it obtained is served.
    let redirect = "http://127.0.0.1:9/callback";
    let (_, location, _) = authorize(
        &emulator,
        &[
            ("response_type", "code"),
            ("client_id", "second-app"),
            ("redirect_uri", redirect),
        ],
    )
    .await;
    let code = query_param(&location.expect("location"), "code").expect("code");
    let response = client()
        .post(emulator.token_url())
        .basic_auth("second-app", Some("second-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
        ])
        .send()
        .await
        .expect("token");
    let tokens: serde_json::Value = response.json().await.expect("JSON");
    let other = tokens["access_token"].as_str().expect("token");
    let answer = get(&emulator, "/v2/usercollection/daily_sleep", Some(other)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("x-ratelimit-remaining"), Some("3"));
    // A code is bound to the application it was issued to.
    let (_, location, _) = authorize(
        &emulator,
        &[
            ("response_type", "code"),
            ("client_id", "second-app"),
            ("redirect_uri", redirect),
        ],
    )
    .await;
    let code = query_param(&location.expect("location"), "code").expect("code");
    let response = client()
        .post(emulator.token_url())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", "emulator-client"),
            ("client_secret", "emulator-secret"),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_request_log_keeps_the_last_requests_only() {
    let emulator = start(config().request_log_capacity(5)).await;
    let token = emulator.token(0);
    for day in 1..=12 {
        let path = format!("/v2/usercollection/daily_sleep?start_date=2025-06-{day:02}&end_date=2025-06-{day:02}");
        assert_eq!(get(&emulator, &path, Some(&token)).await.status, StatusCode::OK);
    }
    let kept = emulator.requests();
    assert_eq!(kept.len(), 5);
    assert_eq!(emulator.requests_seen(), 12);
    let days: Vec<String> = kept.iter().filter_map(|r| r.query_param("start_date")).collect();
    assert_eq!(
        days,
        ["2025-06-08", "2025-06-09", "2025-06-10", "2025-06-11", "2025-06-12"]
    );
    assert!(
        kept.iter().all(|r| r.status == Some(200)),
        "statuses filled in: {kept:?}"
    );
}

#[tokio::test]
async fn settings_it_cannot_honour_are_refused_at_start() {
    let error = config()
        .token_lifetime(Duration::from_secs(u64::MAX))
        .start()
        .await
        .expect_err("refused");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    let inner = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<ConfigError>())
        .expect("a ConfigError inside");
    assert!(
        matches!(
            inner,
            ConfigError::TooLong {
                setting: "token lifetime",
                ..
            }
        ),
        "{inner}"
    );
    // The largest accepted lifetime issues tokens and answers, no dropped connection.
    let emulator = start(config().token_lifetime(EmulatorConfig::MAX_LIFETIME)).await;
    let response = client()
        .post(emulator.token_url())
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .basic_auth("emulator-client", Some("emulator-secret"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let minted = emulator.mint_token(0).expect("mint");
    assert_eq!(
        get(&emulator, "/v2/usercollection/personal_info", Some(&minted))
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        emulator
            .mint_token_with_lifetime(0, Duration::from_secs(u64::MAX))
            .is_err()
    );
}
