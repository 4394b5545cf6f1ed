//! The webhook receiver's defences: each signed delivery accepted once, bounded memory, and
//! time limits on headers and bodies so slow clients cannot hold connections.
#![cfg(feature = "axum")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use oura::Secret;
use oura::webhooks::{ReceiveError, Receiver, router, serve, sign};
use reqwest::header::HeaderMap;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

const SECRET: &str = "client-secret";

fn body(object_id: &str) -> Vec<u8> {
    format!(
        r#"{{"event_type":"create","data_type":"sleep","object_id":"{object_id}","event_time":"2025-06-30T07:00:00+02:00","user_id":"u1"}}"#
    )
    .into_bytes()
}

fn signed(timestamp: i64, body: &[u8]) -> HeaderMap {
    let timestamp = timestamp.to_string();
    let mut headers = HeaderMap::new();
    headers.insert("x-oura-timestamp", timestamp.parse().expect("header"));
    let signature = sign(&Secret::new(SECRET), &timestamp, body);
    headers.insert("x-oura-signature", signature.parse().expect("header"));
    headers
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("time")
}

const T0: i64 = 1_751_266_800; // 2025-06-30T07:00:00Z

#[test]
fn a_signed_delivery_is_accepted_once_by_every_clone() {
    let receiver = Receiver::new(SECRET, "verify");
    let clone = receiver.clone();
    let payload = body("s1");
    let headers = signed(T0, &payload);
    let event = receiver.receive_at(&headers, &payload, at(T0 + 1)).expect("first");
    assert_eq!(event.object_id, "s1");
    let again = receiver.receive_at(&headers, &payload, at(T0 + 2)).expect_err("replay");
    assert!(matches!(again, ReceiveError::Replayed), "{again:?}");
    assert_eq!(again.status(), 200, "answered as done, never handled twice");
    let via_clone = clone.receive_at(&headers, &payload, at(T0 + 3)).expect_err("replay");
    assert!(matches!(via_clone, ReceiveError::Replayed));
    // The signature's hex in lower case is the same signature.
    let mut lower = headers.clone();
    let text = headers["x-oura-signature"].to_str().expect("text").to_lowercase();
    lower.insert("x-oura-signature", text.parse().expect("header"));
    assert!(matches!(
        receiver.receive_at(&lower, &payload, at(T0 + 4)),
        Err(ReceiveError::Replayed)
    ));
    // Oura re-sending the event with a new timestamp is a new delivery.
    let resent = signed(T0 + 60, &payload);
    receiver
        .receive_at(&resent, &payload, at(T0 + 61))
        .expect("new delivery");
    // A forged signature is still refused as such, not as a replay.
    let mut forged = signed(T0, &payload);
    forged.insert("x-oura-signature", "00".repeat(32).parse().expect("header"));
    assert!(matches!(
        receiver.receive_at(&forged, &payload, at(T0 + 5)),
        Err(ReceiveError::Signature(_))
    ));
}

#[test]
fn the_replay_memory_is_bounded() {
    let receiver = Receiver::new(SECRET, "verify").replay_memory(2);
    let deliveries: Vec<(HeaderMap, Vec<u8>)> = (0..3)
        .map(|i| {
            let payload = body(&format!("s{i}"));
            (signed(T0 + i, &payload), payload)
        })
        .collect();
    for (headers, payload) in &deliveries {
        receiver.receive_at(headers, payload, at(T0 + 10)).expect("accepted");
    }
    // Two remembered: the last two are replays; the oldest was forgotten to make room.
    for (headers, payload) in &deliveries[1..] {
        assert!(matches!(
            receiver.receive_at(headers, payload, at(T0 + 10)),
            Err(ReceiveError::Replayed)
        ));
    }
    let (headers, payload) = &deliveries[0];
    receiver
        .receive_at(headers, payload, at(T0 + 10))
        .expect("forgotten when the memory was full");
}

#[test]
fn deliveries_outside_the_window_are_forgotten_and_refused_by_their_timestamp() {
    let receiver = Receiver::new(SECRET, "verify").tolerance(Duration::from_secs(300));
    let payload = body("s1");
    let headers = signed(T0, &payload);
    receiver.receive_at(&headers, &payload, at(T0)).expect("accepted");
    let late = receiver.receive_at(&headers, &payload, at(T0 + 301)).expect_err("late");
    assert!(matches!(late, ReceiveError::Signature(_)), "{late:?}");
}

async fn start(header_timeout: Duration, receiver: Receiver) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&handled);
    let app = router("/oura/webhook", receiver, move |_event| {
        let counter = Arc::clone(&counter);
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(serve(listener, app, header_timeout));
    (addr, handled)
}

/// Reads until the server closes the connection; returns what it sent.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return String::from_utf8_lossy(&out).into_owned(),
            Ok(n) => out.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn the_router_hands_a_replayed_delivery_to_the_handler_once() {
    let (addr, handled) = start(Duration::from_secs(10), Receiver::new(SECRET, "verify")).await;
    let payload = body("s1");
    let headers = signed(Utc::now().timestamp(), &payload);
    let http = oura::api_sys::tls::client_builder().build().expect("http client");
    for _ in 0..3 {
        let response = http
            .post(format!("http://{addr}/oura/webhook"))
            .headers(headers.clone())
            .body(payload.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 200);
    }
    // The handler runs in a task of its own: give it its turn.
    for _ in 0..100 {
        if handled.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    tokio::task::yield_now().await;
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let (addr, handled) = start(Duration::from_secs(2), Receiver::new(SECRET, "verify")).await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"POST /oura/webhook HTTP/1.1\r\nHost: receiver\r\n")
        .await
        .expect("write");
    let answer = read_to_close(&mut slow).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(2) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
    assert!(!answer.contains("200 OK"), "{answer}");
    // A client that connects and sends nothing is closed as well.
    let started = Instant::now();
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    read_to_close(&mut idle).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_body_that_does_not_arrive_in_time_is_answered_408_and_closed() {
    let receiver = Receiver::new(SECRET, "verify").body_timeout(Duration::from_secs(3));
    let (addr, handled) = start(Duration::from_secs(2), receiver).await;
    let started = Instant::now();
    let mut slow = TcpStream::connect(addr).await.expect("connect");
    slow.write_all(b"POST /oura/webhook HTTP/1.1\r\nHost: receiver\r\nContent-Length: 100\r\n\r\n{\"event")
        .await
        .expect("write");
    let answer = read_to_close(&mut slow).await;
    let elapsed = started.elapsed();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    // And a body over the size limit is refused without waiting for it.
    let receiver = Receiver::new(SECRET, "verify").max_body(1024);
    let (addr, _) = start(Duration::from_secs(2), receiver).await;
    let mut big = TcpStream::connect(addr).await.expect("connect");
    big.write_all(b"POST /oura/webhook HTTP/1.1\r\nHost: receiver\r\nContent-Length: 1000000\r\n\r\n")
        .await
        .expect("write");
    let mut buffer = [0u8; 12];
    big.read_exact(&mut buffer).await.expect("answer");
    assert_eq!(&buffer, b"HTTP/1.1 413");
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}
