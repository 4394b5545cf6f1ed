//! `oura export` as outside scripts drive it, against emulators whose today is pinned
//! (2025-06-30) and exports that end on that day (`--until`): the same result on any date.
//! Incremental runs, killed runs (at random and at the moment between a file replace and the
//! state save) resumed and compared document for document with a clean export, the state file
//! deleted and corrupted, two exports at once, file modes, the CSV header and formula guard,
//! and a destination that cannot be written, found before the first request.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use chrono::NaiveDate;
use futures::TryStreamExt as _;
use oura_emulator::{Collection, Document, Emulator, EmulatorConfig};
use serde_json::{Value, json};

const TODAY: &str = "2025-06-30";

fn today() -> NaiveDate {
    NaiveDate::parse_from_str(TODAY, "%Y-%m-%d").expect("date")
}

fn days_ago(days: i64) -> String {
    (today() - chrono::Duration::days(days)).to_string()
}

async fn start(config: EmulatorConfig) -> Emulator {
    config.today(today()).start().await.expect("emulator")
}

/// The binary pointed at `emulator` with user 0's token, a private configuration directory,
/// none of the caller's `OURA_*` variables, and `export --until TODAY` ready for more args.
fn export(emulator: &Emulator, config_dir: &Path) -> Command {
    export_until(emulator, config_dir, TODAY)
}

/// [`export`] ending on another day.
fn export_until(emulator: &Emulator, config_dir: &Path, until: &str) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("oura"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OURA_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("OURA_CONFIG_DIR", config_dir)
        .env("OURA_TOKEN", emulator.token(0))
        .stdin(Stdio::null())
        .arg("--base-url")
        .arg(emulator.base_url())
        .args(["export", "--until", until]);
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("join")
        .expect("run oura")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "exit {:?}\nstderr: {}",
        output.status.code(),
        text(&output.stderr)
    );
}

fn read_ndjson(path: &Path) -> Vec<Value> {
    text(&std::fs::read(path).unwrap_or_default())
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// What the library reads from the emulator for the same range.
async fn expected(emulator: &Emulator, route: &str, start: &str) -> Vec<Value> {
    let client = oura::Client::builder()
        .base_url(emulator.base_url())
        .token(emulator.token(0))
        .build()
        .expect("client");
    let collection = oura::collection(route).expect("a collection");
    let range = oura::AnyRange::from_bounds(collection.range, Some(start), Some(TODAY)).expect("a range");
    oura::list_by_route(&client, route, range)
        .expect("route")
        .try_collect()
        .await
        .expect("documents")
}

/// The identity of a document, as the export dedupes: its id, else its timestamp.
fn key(doc: &Value) -> String {
    doc.get("id")
        .or_else(|| doc.get("timestamp"))
        .and_then(Value::as_str)
        .expect("id or timestamp")
        .to_owned()
}

#[track_caller]
fn assert_unique(docs: &[Value], what: &str) {
    let keys: HashSet<String> = docs.iter().map(key).collect();
    assert_eq!(keys.len(), docs.len(), "{what} has duplicates");
}

/// The export's files (not the state or lock) and their documents.
fn files(dir: &Path) -> BTreeMap<String, Vec<Value>> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "ndjson"))
        .map(|p| {
            (
                p.file_name().expect("name").to_string_lossy().into_owned(),
                read_ndjson(&p),
            )
        })
        .collect()
}

/// Every file of `out` holds exactly the documents of the same file of `reference`, each once,
/// in the same order.
#[track_caller]
fn assert_same_export(out: &Path, reference: &Path) {
    let got = files(out);
    let want = files(reference);
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>());
    for (file, docs) in &got {
        assert_unique(docs, file);
        assert_eq!(docs.len(), want[file].len(), "{file}");
        assert_eq!(docs, &want[file], "{file}");
    }
}

/// A clean export of `emulator` from `since` into a fresh directory.
async fn reference_export(emulator: &Emulator, since: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = export(emulator, dir.path());
    cmd.args(["--since", since, "--out"]).arg(dir.path());
    succeeded(&run(cmd).await);
    dir
}

fn state(dir: &Path) -> BTreeMap<String, Value> {
    let state: Value =
        serde_json::from_slice(&std::fs::read(dir.join(".oura-export.json")).expect("state")).expect("json");
    state["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The day collections, from the collection table.
fn day_collections() -> Vec<&'static str> {
    oura::COLLECTIONS
        .iter()
        .filter(|c| c.range == oura::RangeKind::Days)
        .map(|c| c.route)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn export_is_incremental_and_never_writes_a_document_twice_on_any_date() {
    let emulator = start(Emulator::builder().users(1).history_days(30).page_size(10)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let since = days_ago(14);

    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--since", &since, "--concurrency", "4", "--out"]).arg(&out);
    let output = run(cmd).await;
    succeeded(&output);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("documents of 18 collections"), "{stderr}");
    let first_state = state(&out);
    assert_eq!(first_state.len(), 18);
    for route in day_collections() {
        let docs = read_ndjson(&out.join(format!("{route}.ndjson")));
        assert_eq!(docs, expected(&emulator, route, &since).await, "{route}");
        assert_eq!(first_state[&format!("{route}.ndjson")]["documents"], docs.len() as u64);
    }
    let heartrate = read_ndjson(&out.join("heartrate.ndjson"));
    assert_unique(&heartrate, "heartrate");
    assert_eq!(heartrate, expected(&emulator, "heartrate", &since).await);
    assert!(heartrate.len() > 14 * 200, "{} samples", heartrate.len());

    // A new workout appears; the second run asks only from where the first ended, once per
    // collection.
    let before: BTreeMap<String, usize> = files(&out).into_iter().map(|(f, d)| (f, d.len())).collect();
    let workout = json!({
        "id": "", "activity": "cycling", "day": TODAY, "intensity": "moderate", "source": "manual",
        "start_datetime": format!("{TODAY}T06:00:00+00:00"), "end_datetime": format!("{TODAY}T06:45:00+00:00"),
    });
    let new_id = emulator
        .add_data(0, Document::from_json(Collection::Workout, workout).expect("workout"))
        .await
        .expect("added");
    emulator.clear_requests();
    let mut cmd = export(&emulator, dir.path());
    cmd.arg("--out").arg(&out);
    let output = run(cmd).await;
    succeeded(&output);
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("exported 1 new and 0 updated documents of 18 collections"),
        "{stderr}"
    );
    let requests: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .collect();
    assert_eq!(requests.len(), 18, "one request per collection: {requests:#?}");
    for route in day_collections() {
        let path = format!("/v2/usercollection/{route}");
        let asked: Vec<_> = requests.iter().filter(|r| r.path == path).collect();
        let entry = &first_state[&format!("{route}.ndjson")];
        let last = entry["last"].as_str().or(entry["through"].as_str()).map(str::to_owned);
        assert_eq!(
            asked[0].query_param("start_date"),
            last,
            "{route} starts where the export ended"
        );
    }
    let after = files(&out);
    for (file, docs) in &after {
        assert_unique(docs, file);
        assert_eq!(
            docs.len(),
            before[file] + usize::from(file == "workout.ndjson"),
            "{file}"
        );
    }
    assert_eq!(after["workout.ndjson"].last().map(key), Some(new_id));
    assert_eq!(
        &after["heartrate.ndjson"][..],
        &heartrate[..],
        "samples kept as they were"
    );
}

/// Reads stderr lines of a running export until one contains `marker`.
fn wait_for_line(child: &mut Child, marker: &str) -> BufReader<std::process::ChildStderr> {
    let stderr = child.stderr.take().expect("stderr piped");
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line).expect("read stderr");
        assert!(n > 0, "the export ended before {marker:?}");
        if line.contains(marker) {
            return reader;
        }
    }
}

fn slow_emulator() -> EmulatorConfig {
    Emulator::builder()
        .users(1)
        .history_days(60)
        .page_size(5)
        .latency(Duration::from_millis(5))
}

/// Killed (SIGKILL) between a file replace and the state save, the export resumes without a
/// duplicate or a gap: it matches a clean export document for document. Repeated at several
/// replaces of one run.
#[tokio::test(flavor = "multi_thread")]
async fn an_export_killed_between_a_file_replace_and_the_state_save_resumes_exactly() {
    let emulator = start(slow_emulator()).await;
    let since = days_ago(59);
    let reference = reference_export(&emulator, &since).await;
    for kill_at in ["1", "3", "9"] {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("export");
        let mut cmd = export(&emulator, dir.path());
        cmd.args(["--concurrency", "2", "--since", &since, "--out"])
            .arg(&out)
            .env("OURA_SYNC_PAUSE_AFTER_REPLACE", "60000")
            .env("OURA_SYNC_PAUSE_AT", kill_at)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn");
        let (mut child, _reader) = tokio::task::spawn_blocking(move || {
            let reader = wait_for_line(&mut child, "pausing before the state is saved");
            (child, reader)
        })
        .await
        .expect("join");
        child.kill().expect("kill -9");
        assert!(!child.wait().expect("wait").success());
        // What is on disk: whole JSON, each document once.
        for (file, docs) in files(&out) {
            assert_unique(&docs, &format!("{file} killed after replace {kill_at}"));
        }
        let mut cmd = export(&emulator, dir.path());
        cmd.arg("--out").arg(&out);
        succeeded(&run(cmd).await);
        assert_same_export(&out, reference.path());
    }
}

/// Killed at random moments, several times in a row, then resumed: the same files as a clean
/// export.
#[tokio::test(flavor = "multi_thread")]
async fn an_export_killed_at_random_moments_resumes_exactly() {
    let emulator = start(slow_emulator()).await;
    let since = days_ago(59);
    let reference = reference_export(&emulator, &since).await;
    let seed = std::env::var("OURA_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20250630u64);
    let mut rng = fastrand::Rng::with_seed(seed);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    for round in 0..4 {
        let delay = Duration::from_millis(rng.u64(30..400));
        let mut cmd = export(&emulator, dir.path());
        cmd.args(["--concurrency", "3", "--since", &since, "--out"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().expect("spawn");
        tokio::time::sleep(delay).await;
        let _ = child.kill();
        let _ = child.wait();
        if out.exists() {
            for (file, docs) in files(&out) {
                assert_unique(&docs, &format!("{file} after kill {round} at {delay:?} (seed {seed})"));
            }
        }
    }
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--since", &since, "--out"]).arg(&out);
    succeeded(&run(cmd).await);
    assert_same_export(&out, reference.path());
}

/// The state file deleted, replaced by an older one, or corrupted: the next run writes no
/// document twice, needs nobody to delete anything, and says when it rebuilt the state.
#[tokio::test(flavor = "multi_thread")]
async fn a_deleted_stale_or_corrupted_state_costs_requests_never_duplicates() {
    let emulator = start(Emulator::builder().users(1).history_days(30).page_size(10)).await;
    let since = days_ago(20);
    let reference = reference_export(&emulator, &since).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    // An older state: from an export that ended ten days earlier.
    let mut cmd = export_until(&emulator, dir.path(), &days_ago(10));
    cmd.args(["--since", &since, "--out"]).arg(&out);
    succeeded(&run(cmd).await);
    let old_state = std::fs::read(out.join(".oura-export.json")).expect("state");
    let mut cmd = export(&emulator, dir.path());
    cmd.arg("--out").arg(&out);
    succeeded(&run(cmd).await);
    assert_same_export(&out, reference.path());

    for damage in ["stale", "deleted", "corrupted", "every file's last set to the start"] {
        let path = out.join(".oura-export.json");
        match damage {
            "stale" => std::fs::write(&path, &old_state).expect("write"),
            "deleted" => std::fs::remove_file(&path).expect("rm"),
            "corrupted" => std::fs::write(&path, b"{\"version\": 1, \"files\": {\"sleep.ndjson\": ").expect("write"),
            _ => {
                let mut stale: Value = serde_json::from_slice(&old_state).expect("json");
                for entry in stale["files"].as_object_mut().expect("files").values_mut() {
                    entry["last"] = json!(since);
                    entry["bytes"] = json!(1);
                }
                std::fs::write(&path, serde_json::to_vec(&stale).expect("json")).expect("write");
            }
        }
        let mut cmd = export(&emulator, dir.path());
        cmd.args(["--since", &since, "--out"]).arg(&out);
        let output = run(cmd).await;
        succeeded(&output);
        let stderr = text(&output.stderr);
        assert!(stderr.contains("exported 0 new and 0 updated"), "{damage}: {stderr}");
        assert_eq!(
            stderr.contains("is damaged"),
            damage == "corrupted",
            "{damage}: {stderr}"
        );
        assert_same_export(&out, reference.path());
        assert_eq!(state(&out).len(), 18, "{damage}: the state is whole again");
    }
}

/// Two exports into one directory: the second stops at once with one line and writes nothing
/// while the first holds the directory; the first completes without a duplicate.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_export_into_the_same_directory_stops_with_one_line() {
    let emulator = start(Emulator::builder().users(1).history_days(20).page_size(10)).await;
    let since = days_ago(19);
    let reference = reference_export(&emulator, &since).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--since", &since, "--out"])
        .arg(&out)
        .env("OURA_SYNC_PAUSE_AFTER_REPLACE", "5000")
        .env("OURA_SYNC_PAUSE_AT", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut first = cmd.spawn().expect("spawn");
    let (first, reader) = tokio::task::spawn_blocking(move || {
        let reader = wait_for_line(&mut first, "pausing before the state is saved");
        (first, reader)
    })
    .await
    .expect("join");
    let snapshot = files(&out);
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--since", &since, "--out"]).arg(&out);
    let second = run(cmd).await;
    assert_eq!(second.status.code(), Some(8), "{}", text(&second.stderr));
    let stderr = text(&second.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("another `oura export` is writing to"), "{stderr}");
    // (That it sends no request either is shown by the destination test: the lock is taken
    // with the other destination checks, before the session opens.)
    assert_eq!(files(&out), snapshot, "the second wrote nothing");
    // The first goes on to the end (draining its stderr so it never blocks).
    let output = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        let mut reader = reader;
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
        let mut first = first;
        first.wait().expect("wait")
    })
    .await
    .expect("join");
    assert!(output.success());
    assert_same_export(&out, reference.path());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn export_files_are_private_unless_told_otherwise() {
    use std::os::unix::fs::PermissionsExt as _;
    let emulator = start(Emulator::builder().users(1).history_days(5)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let mode = |path: PathBuf| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
    let out = dir.path().join("private");
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--since", &days_ago(4), "--collections", "sleep,heartrate", "--out"])
        .arg(&out);
    succeeded(&run(cmd).await);
    for name in [
        "sleep.ndjson",
        "heartrate.ndjson",
        ".oura-export.json",
        ".oura-export.lock",
    ] {
        assert_eq!(mode(out.join(name)), 0o600, "{name}");
    }
    let shared = dir.path().join("shared");
    let mut cmd = export(&emulator, dir.path());
    cmd.args([
        "--since",
        &days_ago(4),
        "--collections",
        "sleep",
        "--file-mode",
        "640",
        "--out",
    ])
    .arg(&shared);
    succeeded(&run(cmd).await);
    assert_eq!(mode(shared.join("sleep.ndjson")), 0o640);
}

/// The destination is checked before the first request: a file named as `--out`, or a
/// directory that cannot be written, is one line that says what to do, and no request.
#[tokio::test(flavor = "multi_thread")]
async fn a_destination_that_cannot_be_written_fails_before_the_first_request() {
    let emulator = start(Emulator::builder().users(1).history_days(5)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let afile = dir.path().join("afile");
    std::fs::write(&afile, b"keep me").expect("write");
    let mut cmd = export(&emulator, dir.path());
    cmd.arg("--out").arg(&afile);
    let output = run(cmd).await;
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("is a file, not a directory: name a directory"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&afile).expect("read"), b"keep me");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let readonly = dir.path().join("readonly");
        std::fs::create_dir(&readonly).expect("mkdir");
        std::fs::set_permissions(&readonly, std::fs::Permissions::from_mode(0o500)).expect("chmod");
        // Root writes anywhere: the check only means something for other users.
        if std::fs::write(readonly.join("probe"), b"").is_err() {
            let mut cmd = export(&emulator, dir.path());
            cmd.arg("--out").arg(&readonly);
            let output = run(cmd).await;
            assert_eq!(output.status.code(), Some(8), "{}", text(&output.stderr));
            let stderr = text(&output.stderr);
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(stderr.contains("choose another --out"), "{stderr}");
        }
    }
    // Days at the edges of the calendar: a clear line, no panic, no request.
    for (since, until) in [("+262142-12-30", TODAY), ("2025-06-20", "2025-06-10")] {
        let mut cmd = export_until(&emulator, dir.path(), until);
        cmd.args(["--since", since, "--out"]).arg(dir.path().join("edges"));
        let output = run(cmd).await;
        assert_eq!(output.status.code(), Some(2), "{since}: {}", text(&output.stderr));
        assert_eq!(text(&output.stderr).lines().count(), 1, "{}", text(&output.stderr));
    }
    assert!(emulator.requests().is_empty(), "{:#?}", emulator.requests());
    // An end far in the future is now: the export ends.
    let mut cmd = export_until(&emulator, dir.path(), "+262142-12-30");
    cmd.args(["--since", &days_ago(2), "--collections", "heartrate", "--out"])
        .arg(dir.path().join("future"));
    succeeded(&run(cmd).await);
}

/// Ctrl-C (SIGINT) in the middle of an export: exit 130 with the summary and one line saying
/// how to continue; what was written is whole and each document once; the next run completes.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_export_says_so_and_the_next_run_completes_it() {
    let emulator = start(slow_emulator()).await;
    let since = days_ago(59);
    let reference = reference_export(&emulator, &since).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("export");
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--concurrency", "2", "--since", &since, "--out"])
        .arg(&out)
        .env("OURA_SYNC_PAUSE_AFTER_REPLACE", "500")
        .env("OURA_SYNC_PAUSE_AT", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    let (mut child, mut reader) = tokio::task::spawn_blocking(move || {
        let reader = wait_for_line(&mut child, "pausing before the state is saved");
        (child, reader)
    })
    .await
    .expect("join");
    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let (status, stderr) = tokio::task::spawn_blocking(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
        (child.wait().expect("wait"), rest)
    })
    .await
    .expect("join");
    assert_eq!(status.code(), Some(130), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(lines.len() >= 2, "{stderr}");
    assert!(lines[lines.len() - 2].starts_with("exported "), "{stderr}");
    assert!(
        lines[lines.len() - 1].starts_with("error: interrupted: what was fetched is saved"),
        "{stderr}"
    );
    for (file, docs) in files(&out) {
        assert_unique(&docs, &file);
    }
    let mut cmd = export(&emulator, dir.path());
    cmd.arg("--out").arg(&out);
    succeeded(&run(cmd).await);
    assert_same_export(&out, reference.path());
}

/// The CSV header is the collection's model fields in spec order, then `_other`, on every run
/// and every date, whatever documents a run happens to see; a formula in a text cell is written
/// as text unless `--no-csv-guard`; an incremental CSV run writes each document once.
#[tokio::test(flavor = "multi_thread")]
async fn csv_headers_come_from_the_model_and_formulas_are_guarded() {
    let emulator = start(Emulator::builder().users(1).history_days(30).page_size(10)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let workout = oura::collection("workout").expect("workout");
    let mut header: Vec<&str> = workout.fields.iter().map(|f| f.name).collect();
    header.push("_other");
    let header = header.join(",");
    let label = "=HYPERLINK(\"http://x\",\"y\")";
    let doc = json!({
        "id": "", "activity": "cycling", "day": days_ago(3), "intensity": "moderate", "source": "manual",
        "label": label,
        "start_datetime": format!("{}T06:00:00+00:00", days_ago(3)), "end_datetime": format!("{}T06:45:00+00:00", days_ago(3)),
    });
    emulator
        .add_data(0, Document::from_json(Collection::Workout, doc).expect("workout"))
        .await
        .expect("added");
    let csv = |out: &Path| std::fs::read_to_string(out.join("workout.csv")).expect("csv");
    // Two exports ending on different days, one of them a week without the new workout.
    let mut headers = Vec::new();
    for until in [days_ago(20), days_ago(10), TODAY.to_owned()] {
        let out = dir.path().join(format!("until-{until}"));
        let mut cmd = export_until(&emulator, dir.path(), &until);
        cmd.args([
            "--format",
            "csv",
            "--collections",
            "workout",
            "--since",
            &days_ago(27),
            "--out",
        ])
        .arg(&out);
        succeeded(&run(cmd).await);
        let text = csv(&out);
        headers.push(text.lines().next().expect("header").to_owned());
    }
    assert!(headers.iter().all(|h| *h == header), "{headers:#?}\nwant {header}");

    // The incremental run into the last directory: each workout once.
    let out = dir.path().join(format!("until-{TODAY}"));
    let before = csv(&out);
    let mut cmd = export(&emulator, dir.path());
    cmd.args(["--format", "csv", "--collections", "workout", "--out"])
        .arg(&out);
    succeeded(&run(cmd).await);
    assert_eq!(csv(&out), before, "nothing new, nothing written twice");
    let workouts = expected(&emulator, "workout", &days_ago(27)).await;
    assert_eq!(before.lines().count(), 1 + workouts.len());
    assert!(before.contains("'=HYPERLINK"), "{before}");
    assert!(
        !before.contains(",=HYPERLINK") && !before.contains(",\"=HYPERLINK"),
        "{before}"
    );

    let raw = dir.path().join("raw");
    let mut cmd = export(&emulator, dir.path());
    cmd.args([
        "--format",
        "csv",
        "--collections",
        "workout",
        "--no-csv-guard",
        "--since",
        &days_ago(27),
        "--out",
    ])
    .arg(&raw);
    succeeded(&run(cmd).await);
    assert!(
        csv(&raw).contains(",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        "{}",
        csv(&raw)
    );
}
