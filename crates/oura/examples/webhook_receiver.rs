//! An Oura webhook receiver.
//!
//! Serves `POST`/`GET /oura/webhook` on `PORT` (default 8080) of `HOST` (default `127.0.0.1`,
//! this machine only; set `HOST=0.0.0.0` to listen on every interface, behind the TLS proxy
//! that Oura's HTTPS callback reaches): answers Oura's verification challenges, rejects
//! deliveries with a bad signature or timestamp with 401, answers a delivery it already
//! accepted with 200 without printing it again, and prints each verified event as one JSON line
//! on stdout. Clients that do not send their headers within 10 s, or their body within 10 s
//! after them, are disconnected. Logs (refused deliveries among them) go to
//! stderr, at `info` unless `RUST_LOG` says otherwise.
//!
//! ```sh
//! OURA_CLIENT_SECRET=... OURA_VERIFICATION_TOKEN=... \
//!     cargo run -p oura-ring --features axum --example webhook_receiver
//! ```
//!
//! Then create subscriptions whose callback URL reaches `/oura/webhook` on this server (see
//! `oura::webhooks::Subscriptions::reconcile`).

use std::io::Write as _;

use oura::webhooks::{DEFAULT_HEADER_TIMEOUT, Receiver, WebhookEvent, router, serve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();

    let receiver = Receiver::from_env()?;
    let port: u16 = match std::env::var("PORT") {
        Ok(port) if !port.trim().is_empty() => port
            .trim()
            .parse()
            .map_err(|err| format!("PORT must be a port number, not {port:?}: {err}"))?,
        _ => 8080,
    };
    let host = match std::env::var("HOST") {
        Ok(host) if !host.trim().is_empty() => host
            .trim()
            .parse::<std::net::IpAddr>()
            .map_err(|err| format!("HOST must be an IP address, not {host:?}: {err}"))?,
        _ => std::net::IpAddr::from([127, 0, 0, 1]),
    };

    let app = router("/oura/webhook", receiver, print_event);
    let listener = tokio::net::TcpListener::bind((host, port)).await?;
    eprintln!("listening on http://{}/oura/webhook", listener.local_addr()?);
    serve(listener, app, DEFAULT_HEADER_TIMEOUT).await?;
    Ok(())
}

/// Prints one verified event as one JSON line.
async fn print_event(event: WebhookEvent) {
    match serde_json::to_string(&event) {
        Ok(line) => {
            let mut stdout = std::io::stdout().lock();
            if let Err(err) = writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
                eprintln!("could not write the event: {err}");
            }
        }
        Err(err) => eprintln!("could not serialize the event: {err}"),
    }
}
