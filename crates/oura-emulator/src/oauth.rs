//! OAuth2 on Oura's legacy paths: `/oauth/authorize` (consents at once), `/oauth/token`
//! (authorization code with PKCE, refresh with rotation), `/oauth/revoke`.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{RawQuery, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::state::{CodeGrant, RefreshGrant, State, lock};

/// Authorization codes live this long (Oura: 10 minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(600);

fn pairs(raw: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// An OAuth error answer: `{"error": code, "error_description": ...}`.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    let mut response = (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn redirect(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Bad redirect_uri."),
    }
}

fn with_params(base: &str, separator: char, params: &[(&str, &str)]) -> String {
    let mut encoder = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params {
        encoder.append_pair(k, v);
    }
    let encoded = encoder.finish();
    let joiner = if separator == '?' && base.contains('?') {
        '&'
    } else {
        separator
    };
    format!("{base}{joiner}{encoded}")
}

/// `GET /oauth/authorize`: the user consents at once; redirects with `code` (or, for
/// `response_type=token`, the token in the fragment) and the `state` as sent. The emulator's
/// own parameter `user` (default 0) says which user consents.
///
/// As OAuth 2.0 providers do: an unknown `client_id` or a `redirect_uri` the application did
/// not register is answered here (400), never redirected to; without `redirect_uri` the
/// application's single registered one is used (refused when it registered several). Without
/// `scope` every scope the application may ask for is granted; a scope it may not ask for is
/// redirected back as `error=invalid_scope`.
pub(crate) async fn authorize(AxState(state): AxState<Arc<State>>, RawQuery(raw): RawQuery) -> Response {
    let query = pairs(raw.unwrap_or_default().as_bytes());
    let Some(app) = get(&query, "client_id").and_then(|id| state.application(id)) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client", "Unknown client_id.");
    };
    let application = &state.config.applications[app];
    let named_redirect = get(&query, "redirect_uri").map(str::to_owned);
    let redirect_uri = match (&named_redirect, application.redirect_uris.as_slice()) {
        (Some(uri), _) if application.accepts_redirect(uri) => uri.clone(),
        (Some(_), _) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "redirect_uri is not registered for this application.",
            );
        }
        (None, [only]) => only.clone(),
        (None, []) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "The application has no registered redirect_uri.",
            );
        }
        (None, _) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "redirect_uri is required: the application registered several.",
            );
        }
    };
    let redirect_uri = redirect_uri.as_str();
    let user = get(&query, "user").and_then(|u| u.parse::<usize>().ok()).unwrap_or(0);
    let state_param = get(&query, "state");
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = state_param {
        extra.push(("state", s));
    }
    let fail = |error: &'static str, extra: Vec<(&str, &str)>| {
        let mut params = vec![("error", error)];
        params.extend(extra);
        redirect(&with_params(redirect_uri, '?', &params))
    };
    let scopes: Vec<String> = match get(&query, "scope") {
        None => application.scopes.clone(),
        Some(text) => {
            let mut scopes: Vec<String> = Vec::new();
            for scope in text.split(' ').filter(|s| !s.is_empty()) {
                if !application.scopes.iter().any(|s| s == scope) {
                    return fail("invalid_scope", extra);
                }
                if !scopes.iter().any(|s| s == scope) {
                    scopes.push(scope.to_owned());
                }
            }
            scopes
        }
    };
    let scope = scopes.join(" ");
    if user >= state.users.len() {
        return fail("access_denied", extra);
    }
    match get(&query, "response_type") {
        Some("code") => {
            let challenge = get(&query, "code_challenge").map(|c| {
                let method = get(&query, "code_challenge_method").unwrap_or("plain");
                (c.to_owned(), method.to_owned())
            });
            if challenge.as_ref().is_some_and(|(_, m)| m != "S256" && m != "plain") {
                return fail("invalid_request", extra);
            }
            let code = state.fresh_secret("emu_code");
            lock(&state.tokens).codes.insert(
                code.clone(),
                CodeGrant {
                    user,
                    app,
                    redirect_uri: named_redirect,
                    scopes,
                    challenge,
                    expires: state.now() + CODE_LIFETIME,
                    used: false,
                },
            );
            let mut params = vec![("code", code.as_str())];
            params.extend(extra);
            redirect(&with_params(redirect_uri, '?', &params))
        }
        Some("token") => {
            let token = state.mint(user, app, scopes, Some(state.config.token_lifetime));
            let expires_in = state.config.token_lifetime.as_secs().to_string();
            let mut params = vec![
                ("access_token", token.as_str()),
                ("token_type", "Bearer"),
                ("expires_in", expires_in.as_str()),
                ("scope", scope.as_str()),
            ];
            params.extend(extra);
            redirect(&with_params(redirect_uri, '#', &params))
        }
        _ => fail("unsupported_response_type", extra),
    }
}

/// Undoes the form encoding RFC 6749 (2.3.1) asks of the client id and secret in HTTP Basic
/// (`%XX` escapes, `+` for a space); text without escapes is returned as it is.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Client credentials from the form body or HTTP Basic.
fn client_credentials(headers: &HeaderMap, form: &[(String, String)]) -> (Option<String>, Option<String>) {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        && let Some((id, secret)) = basic.split_once(':')
    {
        return (Some(form_decode(id)), Some(form_decode(secret)));
    }
    (
        get(form, "client_id").map(str::to_owned),
        get(form, "client_secret").map(str::to_owned),
    )
}

/// The S256 (or plain) transform of a PKCE verifier.
pub(crate) fn pkce_challenge(verifier: &str, method: &str) -> String {
    if method == "S256" {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
    } else {
        verifier.to_owned()
    }
}

fn issue(state: &State, user: usize, app: usize, scopes: Vec<String>) -> Response {
    let lifetime = state.config.token_lifetime;
    let scope = scopes.join(" ");
    let access = state.mint(user, app, scopes.clone(), Some(lifetime));
    let refresh = state.fresh_secret("emu_rt");
    lock(&state.tokens).refresh.insert(
        refresh.clone(),
        RefreshGrant {
            user,
            app,
            scopes,
            used: false,
        },
    );
    let mut response = (
        StatusCode::OK,
        Json(json!({
            "access_token": access,
            "token_type": "bearer",
            "expires_in": lifetime.as_secs(),
            "refresh_token": refresh,
            "scope": scope,
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `POST /oauth/token` (form body): `authorization_code` (with PKCE verification when the
/// authorization sent a challenge) or `refresh_token` (rotating: the used one dies).
pub(crate) async fn token(
    AxState(state): AxState<Arc<State>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = pairs(&body);
    let (client_id, client_secret) = client_credentials(&headers, &form);
    let app = client_id
        .as_deref()
        .and_then(|id| state.application(id))
        .filter(|&app| client_secret.as_deref() == Some(state.config.applications[app].client_secret.as_str()));
    let Some(app) = app else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        );
    };
    match get(&form, "grant_type") {
        Some("authorization_code") => {
            let Some(code) = get(&form, "code") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "code is required.");
            };
            let grant = {
                let mut tokens = lock(&state.tokens);
                let Some(grant) = tokens.codes.get_mut(code) else {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Unknown code.");
                };
                if grant.used || state.now() >= grant.expires || grant.app != app {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Code used or expired.");
                }
                grant.used = true;
                grant.clone()
            };
            // RFC 6749 4.1.3: the redirect_uri the authorization named must be repeated.
            if let Some(named) = &grant.redirect_uri
                && get(&form, "redirect_uri") != Some(named.as_str())
            {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "redirect_uri does not match.");
            }
            if let Some((challenge, method)) = &grant.challenge {
                let Some(verifier) = get(&form, "code_verifier") else {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "code_verifier is required.");
                };
                if pkce_challenge(verifier, method) != *challenge {
                    return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "PKCE verification failed.");
                }
            }
            issue(&state, grant.user, app, grant.scopes)
        }
        Some("refresh_token") => {
            let Some(refresh) = get(&form, "refresh_token") else {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "refresh_token is required.");
            };
            let grant = {
                let mut tokens = lock(&state.tokens);
                match tokens.refresh.get_mut(refresh) {
                    Some(grant) if !grant.used && grant.app == app => {
                        grant.used = true;
                        grant.clone()
                    }
                    _ => {
                        return oauth_error(
                            StatusCode::BAD_REQUEST,
                            "invalid_grant",
                            "Refresh token used, revoked or unknown.",
                        );
                    }
                }
            };
            issue(&state, grant.user, app, grant.scopes)
        }
        Some(_) => oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type.",
        ),
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "grant_type is required."),
    }
}

/// `GET|POST /oauth/revoke?access_token=...`: the token (access or refresh) stops working.
pub(crate) async fn revoke(
    AxState(state): AxState<Arc<State>>,
    RawQuery(raw): RawQuery,
    body: axum::body::Bytes,
) -> Response {
    let mut params = pairs(raw.unwrap_or_default().as_bytes());
    params.extend(pairs(&body));
    let token = get(&params, "access_token").or_else(|| get(&params, "token"));
    let Some(token) = token else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "access_token is required.");
    };
    let mut tokens = lock(&state.tokens);
    tokens.access.remove(token);
    tokens.refresh.remove(token);
    drop(tokens);
    (StatusCode::OK, Json(json!({}))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_rfc_7636_example() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", "S256"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(pkce_challenge("abc", "plain"), "abc");
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        assert_eq!(form_decode("my%3Aapp"), "my:app");
        assert_eq!(form_decode("a+b%2Bc"), "a b+c");
        assert_eq!(form_decode("plain-secret"), "plain-secret");
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn redirect_params_append_to_existing_query() {
        assert_eq!(
            with_params("http://x/cb?a=1", '?', &[("code", "c d")]),
            "http://x/cb?a=1&code=c+d"
        );
        assert_eq!(with_params("http://x/cb", '#', &[("s", "1")]), "http://x/cb#s=1");
    }
}
