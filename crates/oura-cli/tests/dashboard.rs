//! `oura dashboard`: the page drawn from an export directory (NDJSON, CSV, a real export of the
//! emulator), its errors, and the page rendered in headless Chromium.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use chrono::NaiveDate;
use oura_emulator::Emulator;
use serde_json::{Value, json};

fn oura(config_dir: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" || key == "NO_COLOR" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir).stdin(Stdio::null());
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn day(n: u32) -> String {
    format!("2025-06-{n:02}")
}

fn write_ndjson(path: &Path, docs: &[Value]) {
    let lines: Vec<String> = docs.iter().map(Value::to_string).collect();
    std::fs::write(path, lines.join("\n") + "\n").expect("write");
}

/// An export of June 2025 with gaps, in both formats; returns the points each chart must have.
fn fixture(dir: &Path) -> BTreeMap<&'static str, usize> {
    // Sleep score: no documents on the 10th to the 14th.
    let sleep: Vec<Value> = (1..=30)
        .filter(|d| !(10..=14).contains(d))
        .map(|d| json!({"id": format!("s{d}"), "day": day(d), "score": 70 + d % 20}))
        .collect();
    write_ndjson(&dir.join("daily_sleep.ndjson"), &sleep);
    // Readiness as CSV: no row on the 20th, an empty score on the 25th, nested values quoted.
    let mut csv = String::from("contributors,day,id,score\n");
    for d in (1..=30).filter(|d| *d != 20) {
        let score = if d == 25 { String::new() } else { (60 + d).to_string() };
        csv.push_str(&format!(
            "\"{{\"\"hrv_balance\"\": 80, \"\"x\"\": 1}}\",{},r{d},{score}\n",
            day(d)
        ));
    }
    std::fs::write(dir.join("daily_readiness.csv"), csv).expect("write");
    // Activity: every day; steps null on the 3rd.
    let activity: Vec<Value> = (1..=30)
        .map(|d| {
            json!({"id": format!("a{d}"), "day": day(d), "score": 80 + d % 10,
                   "steps": if d == 3 { Value::Null } else { json!(5000 + 100 * d) }})
        })
        .collect();
    write_ndjson(&dir.join("daily_activity.ndjson"), &activity);
    // Sleep periods: no long sleep on the 5th (a nap only), two on the 7th (the longer counts),
    // no HRV on the 8th.
    let mut periods = Vec::new();
    for d in (1..=30).filter(|d| *d != 5) {
        periods.push(json!({"id": format!("p{d}"), "day": day(d), "type": "long_sleep",
            "total_sleep_duration": 25000, "lowest_heart_rate": 50 + d % 5,
            "average_hrv": if d == 8 { Value::Null } else { json!(40 + d) }}));
    }
    periods.push(
        json!({"id": "nap5", "day": day(5), "type": "late_nap", "total_sleep_duration": 3000,
        "lowest_heart_rate": 99, "average_hrv": 99}),
    );
    periods.push(
        json!({"id": "p7b", "day": day(7), "type": "long_sleep", "total_sleep_duration": 28000,
        "lowest_heart_rate": 44, "average_hrv": 77}),
    );
    write_ndjson(&dir.join("sleep.ndjson"), &periods);
    BTreeMap::from([
        ("sleep_score", 25),
        ("readiness_score", 28),
        ("activity_score", 30),
        ("resting_heart_rate", 29),
        ("hrv", 28),
        ("steps", 29),
    ])
}

/// `(data-points, circles, data-days)` of each chart of a page.
fn charts(page: &str) -> BTreeMap<String, (usize, usize, usize)> {
    let mut charts = BTreeMap::new();
    for chunk in page.split("<svg class=\"chart\"").skip(1) {
        let svg = &chunk[..chunk.find("</svg>").expect("closed")];
        let attr = |name: &str| -> String {
            let start = svg.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
            svg[start..start + svg[start..].find('"').expect("quote")].to_owned()
        };
        let declared: usize = attr("data-points").parse().expect("number");
        let days: usize = attr("data-days").parse().expect("number");
        charts.insert(attr("data-metric"), (declared, svg.matches("<circle ").count(), days));
    }
    charts
}

fn dashboard(config: &Path, from: &Path, out: &Path, extra: &[&str]) -> Output {
    oura(config)
        .args(["dashboard", "--from"])
        .arg(from)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .expect("run")
}

#[test]
fn one_chart_per_metric_with_a_point_per_day_that_has_a_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = fixture(dir.path());
    let out = dir.path().join("report.html");
    let output = dashboard(dir.path(), dir.path(), &out, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(
        text(&output.stderr),
        format!(
            "wrote {} (6 charts, 169 values, 2025-06-01 to 2025-06-30)\n",
            out.display()
        )
    );
    let page = std::fs::read_to_string(&out).expect("page");
    let charts = charts(&page);
    let drawn: BTreeMap<&str, usize> = charts
        .iter()
        .map(|(id, (_, circles, _))| (id.as_str(), *circles))
        .collect();
    assert_eq!(drawn, expected);
    for (id, (declared, circles, days)) in &charts {
        assert_eq!((declared, days), (circles, &30), "{id}");
    }
    // The longer of two main sleeps counts, the nap does not; gaps break the line.
    assert!(
        page.contains("data-day=\"2025-06-07\" data-label=\"44 bpm"),
        "the longer sleep's 44 bpm"
    );
    assert!(!page.contains("99 bpm"));
    let sleep = &page[page.find("data-metric=\"sleep_score\"").expect("chart")..];
    let line = &sleep[sleep.find("class=\"daily\" d=\"").expect("path")..];
    let line = &line[..line.find("\"/>").expect("end")];
    assert_eq!(
        line.matches('M').count(),
        2,
        "the 10th to 14th gap splits the line: {line}"
    );
    // Self-contained: nothing that could load anything.
    for outside in [
        "src=", "href=", "url(", "@import", "https:", "//cdn", "<link", "<img", "<iframe",
    ] {
        assert!(!page.contains(outside), "the page contains {outside:?}");
    }
    assert!(page.contains("prefers-color-scheme: dark"));
    // A table per chart, newest day first.
    assert_eq!(page.matches("<table data-metric=").count(), 6);
    let table = &page[page.find("<table data-metric=\"steps\"").expect("table")..];
    assert!(
        table.contains("<tbody><tr><td>2025-06-30</td><td>8\u{2009}000</td>"),
        "{}",
        &table[..300]
    );
}

#[test]
fn since_and_until_choose_the_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path());
    let out = dir.path().join("june.html");
    let output = dashboard(
        dir.path(),
        dir.path(),
        &out,
        &["--since", "2025-06-08", "--until", "2025-06-17", "-q"],
    );
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert_eq!(text(&output.stderr), "", "--quiet");
    let charts = charts(&std::fs::read_to_string(&out).expect("page"));
    // 8th to 17th: sleep score lacks the 10th to 14th.
    assert_eq!(charts["sleep_score"], (5, 5, 10));
    assert_eq!(charts["hrv"], (9, 9, 10));
}

#[test]
fn bad_input_gets_one_clear_line_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    let out = dir.path().join("report.html");
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec!["--from".into(), empty.display().to_string()],
            2,
            "no daily data in",
        ),
        (
            vec!["--from".into(), dir.path().join("missing").display().to_string()],
            8,
            "is not a directory",
        ),
        (
            vec![
                "--database".into(),
                format!("sqlite://{}", dir.path().join("empty.db").display()),
            ],
            2,
            "no daily data in the database",
        ),
        (
            vec!["--database".into(), "mysql://localhost/oura".into()],
            8,
            "unsupported database URL scheme",
        ),
        (
            vec![
                "--from".into(),
                empty.display().to_string(),
                "--since".into(),
                "June".into(),
            ],
            2,
            "--since \"June\" is not a day like 2025-06-30",
        ),
    ];
    for (args, code, message) in cases {
        let output = oura(dir.path())
            .arg("dashboard")
            .args(&args)
            .arg("--out")
            .arg(&out)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(code), "{args:?}: {}", text(&output.stderr));
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(message),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(!out.exists());
    }
    // --out naming a directory is refused before anything is read.
    let output = dashboard(dir.path(), &empty, dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("is a directory: name the HTML file"));
    assert_eq!(
        std::fs::read_dir(&empty).expect("dir").count(),
        0,
        "no temporary file left"
    );
    // Neither source: clap says so.
    let output = oura(dir.path()).args(["dashboard"]).output().expect("run");
    assert_eq!(output.status.code(), Some(2));
}

/// A real export of the emulator (NDJSON and CSV), and the same data synced into SQLite, draw
/// one point per day with a value, and the same page.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_export_in_either_format_or_a_database() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let emulator = Emulator::builder()
        .users(1)
        .history_days(45)
        .today(today)
        .start()
        .await
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().to_owned();
    let (base_url, token) = (emulator.base_url(), emulator.token(0));
    tokio::task::spawn_blocking(move || {
        for format in ["ndjson", "csv"] {
            let out = config.join(format);
            let output = oura(&config)
                .arg("--base-url")
                .arg(&base_url)
                .env("OURA_TOKEN", &token)
                .args(["-q", "export", "--format", format, "--collections"])
                .arg("daily_sleep,daily_readiness,daily_activity,sleep")
                .arg("--out")
                .arg(&out)
                .output()
                .expect("export");
            assert!(output.status.success(), "{}", text(&output.stderr));
            let page = config.join(format!("{format}.html"));
            let output = dashboard(&config, &out, &page, &[]);
            assert!(output.status.success(), "{}", text(&output.stderr));
        }
        // The same collections synced into a database, drawn from there.
        let url = format!("sqlite://{}", config.join("oura.db").display());
        let output = oura(&config)
            .arg("--base-url")
            .arg(&base_url)
            .env("OURA_TOKEN", &token)
            .args(["-q", "sync", "--today", "2025-06-30", "--collections"])
            .arg("daily_sleep,daily_readiness,daily_activity,sleep")
            .args(["--database", &url])
            .output()
            .expect("sync");
        assert!(output.status.success(), "{}", text(&output.stderr));
        let output = oura(&config)
            .args(["dashboard", "--database", &url, "--out"])
            .arg(config.join("db.html"))
            .output()
            .expect("dashboard");
        assert!(output.status.success(), "{}", text(&output.stderr));
        let ndjson = std::fs::read_to_string(config.join("ndjson.html")).expect("page");
        let csv = std::fs::read_to_string(config.join("csv.html")).expect("page");
        let database = std::fs::read_to_string(config.join("db.html")).expect("page");
        let from_files = charts(&ndjson);
        assert_eq!(charts(&database), from_files, "the same charts from the database");
        assert!(
            database.contains("the database") && !database.contains("ndjson"),
            "the page names its source"
        );
        let sleep_days = std::fs::read_to_string(config.join("ndjson").join("daily_sleep.ndjson"))
            .expect("export")
            .lines()
            .filter(|line| serde_json::from_str::<Value>(line).expect("json")["score"].is_number())
            .count();
        let charts = charts(&ndjson);
        assert_eq!(charts["sleep_score"].1, sleep_days);
        assert_eq!(charts["sleep_score"].2, 45);
        assert!(
            charts
                .values()
                .all(|(declared, circles, _)| declared == circles && *circles > 30)
        );
        assert_eq!(
            ndjson.replace("/ndjson", "/csv"),
            csv,
            "the same page from either format"
        );
    })
    .await
    .expect("join");
}

/// Where the browser test keeps its screenshots.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("..")
                .join("target")
        },
        PathBuf::from,
    );
    target.join("test-artifacts").join("dashboard")
}

fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// The page in headless Chromium: no console error, no request, each chart with its points,
/// the hover readout working, light and dark. Screenshots under target/test-artifacts/.
#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(chromium) = find_chromium() else {
        let ci = std::env::var("CI").is_ok_and(|ci| !ci.is_empty() && ci != "false");
        assert!(
            !ci,
            "CI is set but chromium is missing: run .ci/browser.sh (apt-get install chromium)"
        );
        eprintln!("SKIPPED the_page_renders_in_headless_chromium: no chromium on PATH (CI is unset)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let expected = fixture(dir.path());
    let page = dir.path().join("report.html");
    let output = dashboard(dir.path(), dir.path(), &page, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let artifacts = artifacts();
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let screenshot = artifacts.join("dashboard.png");
    let driver = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("browser")
        .join("cdp.py");
    let output = Command::new("python3")
        .arg(&driver)
        .arg(&chromium)
        .arg(&page)
        .arg(&screenshot)
        .output()
        .expect("python3 runs the DevTools driver");
    assert!(output.status.success(), "driver failed: {}", text(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).expect("the driver's JSON");
    assert_eq!(report["console_errors"], json!([]), "console errors");
    assert_eq!(report["requests"], json!([]), "network requests");
    let charts = report["charts"].as_array().expect("charts");
    let drawn: BTreeMap<&str, usize> = charts
        .iter()
        .map(|c| {
            (
                c["metric"].as_str().expect("metric"),
                c["drawn"].as_u64().expect("drawn") as usize,
            )
        })
        .collect();
    assert_eq!(drawn, expected);
    for chart in charts {
        assert_eq!(chart["declared"], chart["drawn"]);
        assert_eq!(chart["days"], 30);
        assert!(
            chart["width"].as_f64().expect("width") > 500.0,
            "the chart is laid out: {chart}"
        );
        assert!(chart["rows"].as_u64().expect("rows") >= chart["drawn"].as_u64().expect("drawn"));
    }
    // The mouse over the middle of the sleep chart reads out a day of June.
    let readout = report["readout"].as_str().expect("readout");
    assert!(readout.starts_with("2025-06-"), "readout {readout:?}");
    assert_ne!(
        report["background"]["light"], report["background"]["dark"],
        "a dark scheme"
    );
    for shot in report["screenshots"].as_array().expect("screenshots") {
        let bytes = std::fs::read(shot.as_str().expect("path")).expect("screenshot");
        assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000, "{shot}");
    }
    eprintln!("screenshots in {}", artifacts.display());
}
