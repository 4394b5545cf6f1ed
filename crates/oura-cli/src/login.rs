//! `oura login` (the OAuth code flow with a loopback redirect) and `oura logout`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::response::Html;
use axum::routing::get;
use oura::oauth::{Authenticator, AuthorizationRequest, Endpoints, OAuthClient, OAuthConfig, Scope, TokenStore as _};
use tokio::sync::oneshot;

use crate::cli::{Global, Idp, LoginArgs};
use crate::failure::{Failure, code};
use crate::profile::{self, APPLICATION, Profile};
use crate::session;

/// A loopback `http://HOST:PORT/PATH` redirect URI, split.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Loopback {
    host: String,
    ip: IpAddr,
    port: u16,
    path: String,
}

fn parse_redirect(uri: &str) -> Result<Loopback, Failure> {
    let bad = |why: &str| {
        Failure::usage(format!(
            "--redirect-uri {uri:?} {why}: use a loopback URL like http://127.0.0.1:8765/callback, registered for the application"
        ))
    };
    let rest = uri
        .trim()
        .strip_prefix("http://")
        .ok_or_else(|| bad("is not an http:// URL"))?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, port.parse::<u16>().map_err(|_| bad("has no valid port"))?),
        _ => (authority, 80),
    };
    let ip = match host {
        "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "[::1]" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other
            .parse::<IpAddr>()
            .map_err(|_| bad("is not on a loopback address"))?,
    };
    if !ip.is_loopback() {
        return Err(bad("is not on a loopback address"));
    }
    Ok(Loopback {
        host: host.to_owned(),
        ip,
        port,
        path: path.to_owned(),
    })
}

/// The authorization server for these options.
fn endpoints(idp: Option<Idp>, base_url: Option<&str>) -> Endpoints {
    let mut endpoints = match (idp, base_url) {
        (Some(Idp::Moi), _) => Endpoints::moi(),
        (Some(Idp::Legacy), _) | (None, None) => Endpoints::legacy(),
        (None, Some(base)) => {
            let base = base.trim().trim_end_matches('/');
            Endpoints::custom(
                format!("{base}/oauth/authorize"),
                format!("{base}/oauth/token"),
                format!("{base}/oauth/revoke"),
            )
            .with_pkce(true)
        }
    };
    if let Some(url) = profile::env("OURA_AUTHORIZE_URL") {
        endpoints = endpoints.with_authorize_url(url);
    }
    if let Some(url) = profile::env("OURA_TOKEN_URL") {
        endpoints = endpoints.with_token_url(url);
    }
    if let Some(url) = profile::env("OURA_REVOKE_URL") {
        endpoints = endpoints.with_revoke_url(url);
    }
    endpoints
}

/// What the browser brought back.
#[derive(Debug)]
struct Callback {
    params: HashMap<String, String>,
    outcome: oneshot::Sender<Result<(), String>>,
}

/// How long the browser's page waits for the token exchange before it says to look at the
/// terminal.
const PAGE_WAIT: Duration = Duration::from_secs(60);

/// The page the browser shows: what the command says, success or failure.
fn outcome_page(outcome: Option<Result<(), String>>) -> String {
    let (title, text) = match outcome {
        Some(Ok(())) => (
            "Logged in",
            "You can close this tab and return to the terminal.".to_owned(),
        ),
        Some(Err(message)) => (
            "Login failed",
            format!("{}. Return to the terminal.", escape_html(&message)),
        ),
        None => (
            "Login not finished",
            "The terminal did not answer in time: look there for what happened.".to_owned(),
        ),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oura: {title}</title></head>\
         <body><h1>{title}</h1><p>{text}</p></body></html>"
    )
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A login waiting for the browser: the authorization URL to open, and the loopback listener
/// that receives the redirect. [`start`] makes one; [`PendingLogin::finish`] completes it.
pub struct PendingLogin {
    /// The authorization URL the user opens.
    pub url: String,
    /// Where the browser is sent back to.
    pub redirect_uri: String,
    callback: oneshot::Receiver<Callback>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    oauth: OAuthClient,
    request: AuthorizationRequest,
    dir: std::path::PathBuf,
    client_id: String,
    client_secret: Option<String>,
    base_url: Option<String>,
}

/// Runs `oura login`.
pub async fn login(global: &Global, args: &LoginArgs) -> Result<(), Failure> {
    let pending = start(global, args).await?;
    if args.no_browser {
        println!("{}", pending.url);
        crate::console::note!(
            "Open the URL above in a browser to log in; waiting for the redirect to {}",
            pending.redirect_uri
        );
    } else {
        eprintln!(
            "Opening a browser to log in. If none opens, visit this URL:\n{}",
            pending.url
        );
        if let Err(err) = open_browser(&pending.url) {
            eprintln!("(could not open a browser: {err})");
        }
    }
    let done = pending.finish(Duration::from_secs(args.timeout)).await?;
    crate::console::note!("{done}");
    Ok(())
}

/// Starts a login: resolves the application, listens on the loopback redirect URI and builds
/// the authorization URL. Nothing is printed and no browser is opened.
pub async fn start(global: &Global, args: &LoginArgs) -> Result<PendingLogin, Failure> {
    if global.emulator {
        return Err(Failure::usage(
            "`--emulator` lives only as long as one command, so a login would not outlive it: \
             run `oura emulator` in another terminal and log in with `--base-url`",
        ));
    }
    session::check(global)?;
    let dir = profile::config_dir()?;
    let saved = Profile::load(&dir)?;
    let client_id = args
        .client_id
        .clone()
        .or_else(|| saved.as_ref().map(|p| p.client_id.clone()))
        .ok_or_else(|| {
            Failure::usage(
                "no client id: register an application at https://cloud.ouraring.com/oauth/applications \
                 and pass --client-id and --client-secret (or OURA_CLIENT_ID and OURA_CLIENT_SECRET)",
            )
        })?;
    let client_secret = args.client_secret.clone().or_else(|| {
        saved
            .as_ref()
            .filter(|p| p.client_id == client_id)
            .and_then(|p| p.client_secret.clone())
    });
    let loopback = parse_redirect(&args.redirect_uri)?;
    let listener = tokio::net::TcpListener::bind((loopback.ip, loopback.port))
        .await
        .map_err(|err| {
            Failure::io(
                format!("cannot listen on {}:{} for the redirect", loopback.host, loopback.port),
                &err,
            )
        })?;
    let port = listener
        .local_addr()
        .map_err(|err| Failure::io("cannot read the listener's address", &err))?
        .port();
    let redirect_uri = format!("http://{}:{port}{}", loopback.host, loopback.path);

    let endpoints = endpoints(args.idp, global.base_url.as_deref());
    let config = match &client_secret {
        Some(secret) => OAuthConfig::new(&client_id, secret.clone(), &redirect_uri),
        None => OAuthConfig::public(&client_id, &redirect_uri),
    }
    .with_endpoints(endpoints);
    let oauth = OAuthClient::builder(config).application(APPLICATION).build()?;
    let scopes: Vec<Scope> = if args.scopes.is_empty() {
        Scope::all()
    } else {
        args.scopes.iter().map(|s| Scope::from(s.trim())).collect()
    };
    let request = oauth.authorize_url(scopes);

    let (tx, rx) = oneshot::channel::<Callback>();
    let tx = Arc::new(Mutex::new(Some(tx)));
    let app = Router::new().route(
        &loopback.path,
        get(move |Query(params): Query<HashMap<String, String>>| {
            let tx = Arc::clone(&tx);
            async move {
                let Some(tx) = tx.lock().ok().and_then(|mut slot| slot.take()) else {
                    return Html(outcome_page(Some(Err(
                        "this login already received its answer; run `oura login` again to start a new one".to_owned(),
                    ))));
                };
                let (outcome, told) = oneshot::channel();
                if tx.send(Callback { params, outcome }).is_err() {
                    return Html(outcome_page(None));
                }
                // The page says what the command says: wait for the token exchange.
                let told = tokio::time::timeout(PAGE_WAIT, told).await.ok().and_then(Result::ok);
                Html(outcome_page(told))
            }
        }),
    );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });

    Ok(PendingLogin {
        url: request.url.to_string(),
        redirect_uri,
        callback: rx,
        stop,
        server,
        oauth,
        request,
        dir,
        client_id,
        client_secret,
        base_url: global.base_url.clone(),
    })
}

impl PendingLogin {
    /// Waits up to `timeout` for the browser's redirect, exchanges the code and saves the tokens
    /// and the login; returns what to tell the user.
    pub async fn finish(self, timeout: Duration) -> Result<String, Failure> {
        let PendingLogin {
            redirect_uri,
            callback: rx,
            stop,
            server,
            oauth,
            request,
            dir,
            client_id,
            client_secret,
            base_url,
            url: _,
        } = self;
        let callback = match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(callback)) => callback,
            _ => {
                let _ = stop.send(());
                let _ = server.await;
                return Err(Failure::new(
                    code::AUTH,
                    format!(
                        "no answer from the browser within {} s: run `oura login` again",
                        timeout.as_secs()
                    ),
                ));
            }
        };
        let finished = exchange(
            &callback.params,
            &oauth,
            &request,
            &dir,
            Profile {
                client_id,
                client_secret,
                redirect_uri,
                authorize_url: String::new(),
                token_url: String::new(),
                revoke_url: String::new(),
                pkce: false,
                scope_prefix: String::new(),
                revocation: String::new(),
                base_url,
            },
        )
        .await;
        // The browser's page tells the same outcome, then the listener stops.
        let _ = callback
            .outcome
            .send(finished.as_ref().map(|_| ()).map_err(|failure| failure.message.clone()));
        let _ = stop.send(());
        let _ = server.await;
        finished
    }
}

/// After the browser came back: the refusal, or the code exchanged for tokens and the tokens and
/// the login (`saved`, whose endpoints are filled in here) saved. Returns what to tell the user.
async fn exchange(
    params: &HashMap<String, String>,
    oauth: &OAuthClient,
    request: &AuthorizationRequest,
    dir: &std::path::Path,
    mut saved: Profile,
) -> Result<String, Failure> {
    if let Some(error) = params.get("error") {
        let detail = params
            .get("error_description")
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        return Err(Failure::new(
            code::AUTH,
            format!("the authorization was refused ({error}{detail}): run `oura login` again"),
        ));
    }
    let code = params.get("code").map(String::as_str).unwrap_or_default();
    let state = params.get("state").map(String::as_str);
    let tokens = oauth.exchange_code(code, state, request).await?;

    profile::create_private_dir(dir)?;
    profile::token_store(dir).save(&tokens).await?;
    saved.set_endpoints(oauth.endpoints());
    saved.save(dir)?;
    let scopes: Vec<String> = tokens.scopes.iter().map(ToString::to_string).collect();
    Ok(format!(
        "Logged in (scopes: {}); tokens saved in {}",
        if scopes.is_empty() {
            "as asked".to_owned()
        } else {
            scopes.join(" ")
        },
        dir.display()
    ))
}

/// Opens `url` in the default browser without a new dependency.
fn open_browser(url: &str) -> std::io::Result<()> {
    use std::process::{Command, Stdio};
    let mut command = if cfg!(target_os = "macos") {
        let mut command = Command::new("open");
        command.arg(url);
        command
    } else if cfg!(windows) {
        // `rundll32` takes the URL as one argument; `cmd /c start` would split it at `&`.
        let mut command = Command::new("rundll32");
        command.arg("url.dll,FileProtocolHandler").arg(url);
        command
    } else {
        let mut command = Command::new("xdg-open");
        command.arg(url);
        command
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(drop)
}

/// Runs `oura logout`: revokes the grant and deletes the saved tokens and login.
pub async fn logout(global: &Global) -> Result<(), Failure> {
    let _ = global;
    let dir = profile::config_dir()?;
    let saved = Profile::load(&dir)?;
    let store = profile::token_store(&dir);
    let had_tokens = store.path().exists();
    if !had_tokens && saved.is_none() {
        crate::console::note!("Not logged in: nothing to do.");
        return Ok(());
    }
    let revoked = match (&saved, had_tokens) {
        (Some(saved), true) => {
            let authenticator = Authenticator::new(saved.oauth_client()?, store.clone());
            authenticator.revoke().await
        }
        _ => Ok(()),
    };
    store.clear().await?;
    Profile::remove(&dir)?;
    match revoked {
        Ok(()) => {
            crate::console::note!("Logged out: the grant is revoked and the saved tokens deleted.");
            Ok(())
        }
        Err(err) => {
            let failure = crate::failure::from_oura(&err);
            Err(Failure::new(
                failure.code,
                format!(
                    "the saved tokens are deleted, but revoking them failed ({}): remove the application's access in \
                     your Oura account settings",
                    failure.message
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_loopback_http() {
        let ok = parse_redirect("http://127.0.0.1:8765/callback").expect("ok");
        assert_eq!((ok.port, ok.path.as_str()), (8765, "/callback"));
        assert_eq!(parse_redirect("http://localhost:0/cb?x=1").expect("ok").path, "/cb");
        assert_eq!(parse_redirect("http://[::1]:9000/").expect("ok").port, 9000);
        for bad in [
            "https://127.0.0.1:1/c",
            "http://example.com:80/c",
            "http://10.0.0.1:1/c",
        ] {
            assert_eq!(parse_redirect(bad).expect_err(bad).code, code::USAGE, "{bad}");
        }
    }

    #[test]
    fn a_base_url_brings_its_own_oauth_routes_with_pkce() {
        let custom = endpoints(None, Some("http://127.0.0.1:9/"));
        assert_eq!(custom.token_url(), "http://127.0.0.1:9/oauth/token");
        assert!(custom.uses_pkce());
        assert_eq!(endpoints(None, None), Endpoints::legacy());
        assert!(endpoints(Some(Idp::Moi), None).uses_pkce());
    }
}
