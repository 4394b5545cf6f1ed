//! An Oura webhook receiver.
//!
//! Serves `POST`/`GET /oura/webhook` on `PORT` (default 8080): answers Oura's verification
//! challenges, rejects deliveries with a bad signature or timestamp with 401, and prints each
//! verified event as one JSON line on stdout. Logs (refused deliveries among them) go to
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

use oura::webhooks::{Receiver, WebhookEvent, router};

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

    let app = router("/oura/webhook", receiver, print_event);
    let listener = tokio::net::TcpListener::bind(("0.0.0.0", port)).await?;
    eprintln!("listening on http://{}/oura/webhook", listener.local_addr()?);
    axum::serve(listener, app).await?;
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
