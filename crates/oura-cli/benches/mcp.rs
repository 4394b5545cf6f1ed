//! `oura mcp` benchmark, through the `oura` binary over stdio (JSON-RPC lines):
//!
//! - startup: from spawning the server to the answer of the first `tools/list` (after
//!   `initialize`);
//! - `summarize` of one year of heart rate (2024-07-01 to 2025-06-30) on the emulator with
//!   25 ms of latency per request: wall time, requests, and the server's peak resident memory.
//!
//! ```text
//! cargo bench -p oura-ring-cli --bench mcp
//! OURA_BENCH_RUNS=5 cargo bench -p oura-ring-cli --bench mcp
//! ```
//!
//! Not a pass/fail test: it reports numbers.

mod common;

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use oura_emulator::Emulator;
use serde_json::{Value, json};

const LATENCY: Duration = Duration::from_millis(25);
const TODAY: &str = "2025-06-30";

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Server {
    fn send(&mut self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Sends a request and reads lines until its answer.
    fn request(&mut self, id: u64, method: &str, params: Value) -> Value {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let mut line = String::new();
            let read = self.stdout.read_line(&mut line).expect("read");
            assert!(read > 0, "the server closed stdout before answering {method}");
            let message: Value = serde_json::from_str(&line).expect("only JSON-RPC on stdout");
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let runs: usize = std::env::var("OURA_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let today = chrono::NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date");
    println!("oura mcp: startup to the first tool list; summarize of heart rate 2024-07-01..{TODAY}, latency 25 ms");
    println!(
        "{:>4} {:>11} {:>12} {:>9} {:>9} {:>9}",
        "run", "startup ms", "summarize s", "requests", "samples", "peak MiB"
    );
    for run in 1..=runs {
        let emulator = runtime.block_on(async {
            Emulator::builder()
                .users(1)
                .history_days(400)
                .today(today)
                .latency(LATENCY)
                .start()
                .await
                .expect("emulator")
        });
        let config = tempfile::tempdir().expect("tempdir");
        let started = Instant::now();
        let mut child = Command::new(env!("CARGO_BIN_EXE_oura"))
            .args(["--base-url", &emulator.base_url(), "mcp", "--today", TODAY])
            .env("OURA_TOKEN", emulator.token(0))
            .env("OURA_CONFIG_DIR", config.path())
            .env_remove("OURA_BASE_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn oura mcp");
        let pid = child.id();
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut server = Server { child, stdin, stdout };

        // Peak memory, sampled while the server runs (VmHWM is the kernel's own high-water mark).
        let peak = Arc::new(AtomicU64::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = {
            let (peak, done) = (Arc::clone(&peak), Arc::clone(&done));
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    if let Some(kib) = common::vm_hwm_kib(pid) {
                        peak.fetch_max(kib, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        };

        server.request(
            1,
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "0"}}),
        );
        server.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        let tools = server.request(2, "tools/list", json!({}));
        let startup = started.elapsed();
        assert!(tools["tools"].as_array().is_some_and(|t| t.len() > 20), "{tools}");

        let before = emulator.requests().len();
        let at = Instant::now();
        let result = server.request(
            3,
            "tools/call",
            json!({"name": "summarize", "arguments": {"collection": "heartrate", "start": "2024-07-01", "end": TODAY}}),
        );
        let summarize = at.elapsed();
        assert_ne!(result["isError"], true, "{result}");
        let text = result["content"][0]["text"].as_str().expect("text");
        let summary: Value = serde_json::from_str(text).expect("json");
        let requests = emulator.requests().len() - before;
        if let Some(kib) = common::vm_hwm_kib(pid) {
            peak.fetch_max(kib, Ordering::Relaxed);
        }
        done.store(true, Ordering::Relaxed);
        let _ = sampler.join();
        drop(server.stdin);
        let _ = server.child.wait();
        println!(
            "{:>4} {:>11.1} {:>12.3} {:>9} {:>9} {:>9.1}",
            run,
            startup.as_secs_f64() * 1000.0,
            summarize.as_secs_f64(),
            requests,
            summary["documents"],
            peak.load(Ordering::Relaxed) as f64 / 1024.0,
        );
    }
}
