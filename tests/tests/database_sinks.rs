//! The SQLite and PostgreSQL sinks: idempotent upserts, the mark committed with the rows, a sync
//! killed with SIGKILL that resumes to exactly the rows of a clean sync, migrations.

use std::process::Stdio;
use std::time::Duration;

use chrono::NaiveDate;
use oura::oauth::{KeyedTokenStore as _, SqliteTokenStore, TokenSet};
use oura_emulator::Emulator;
use oura_sync::sink::{Batch, DatabaseSink, Doc, Mark, Sink as _, Upserted};
use serde_json::json;
use sqlx::{Column as _, Row as _};

const PROBE: &str = env!("CARGO_BIN_EXE_oura-sync-probe");

fn collection(route: &str) -> &'static oura::Collection {
    oura_sync::find(route).expect("collection")
}

/// A new SQLite database URL in `dir`.
fn sqlite_url(dir: &tempfile::TempDir, name: &str) -> String {
    format!("sqlite://{}", dir.path().join(name).display())
}

/// Every row of every table the sinks write, as text, in key order (without the sync state's
/// `synced_at`, the wall-clock time of the commit).
async fn dump(url: &str) -> Vec<String> {
    let mut tables: Vec<String> = oura_sync::collections()
        .iter()
        .map(|c| format!("oura_{}", c.route.to_ascii_lowercase()))
        .collect();
    tables.push("oura_sync_state".into());
    let mut rows = Vec::new();
    if url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(url).await.expect("sqlite");
        for table in &tables {
            let columns = if table == "oura_sync_state" {
                "user_id, collection, last, through"
            } else {
                "*"
            };
            for row in sqlx::query(&format!("SELECT {columns} FROM \"{table}\" ORDER BY 1, 2"))
                .fetch_all(&pool)
                .await
                .expect("select")
            {
                let cells: Vec<String> = (0..row.columns().len())
                    .map(|i| format!("{}={:?}", row.columns()[i].name(), row.get::<Option<String>, _>(i)))
                    .collect();
                rows.push(format!("{table}: {}", cells.join(" ")));
            }
        }
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(url).await.expect("postgres");
        for table in &tables {
            let texts: Vec<String> = sqlx::query_scalar(&format!(
                "SELECT (to_jsonb(t) - 'synced_at')::text FROM \"{table}\" t ORDER BY 1"
            ))
            .fetch_all(&pool)
            .await
            .expect("select");
            rows.extend(texts.into_iter().map(|text| format!("{table}: {text}")));
        }
        pool.close().await;
    }
    rows
}

fn doc(route: &str, value: serde_json::Value) -> Doc {
    Doc::of(collection(route), &value)
}

fn batch(route: &str, docs: Vec<Doc>, last: &str) -> Batch {
    Batch {
        user: "user-1".into(),
        collection: collection(route),
        docs,
        mark: Mark {
            last: Some(last.into()),
            through: Some(last.into()),
        },
    }
}

fn counts(added: u64, updated: u64, unchanged: u64, total: u64) -> Upserted {
    Upserted {
        added,
        updated,
        unchanged,
        total,
    }
}

async fn idempotent(url: &str) {
    let mut sink = DatabaseSink::connect(url).await.expect("open");
    let sleep = |id: &str, score: i64| doc("daily_sleep", json!({"id": id, "day": "2025-06-01", "score": score}));
    assert_eq!(
        sink.resume("user-1", collection("daily_sleep")).await.expect("resume"),
        None
    );

    let first = sink
        .upsert(batch("daily_sleep", vec![sleep("a", 80), sleep("b", 70)], "2025-06-01"))
        .await
        .expect("upsert");
    assert_eq!(first, counts(2, 0, 0, 2));
    // The same batch again stores nothing new.
    let again = sink
        .upsert(batch("daily_sleep", vec![sleep("a", 80), sleep("b", 70)], "2025-06-01"))
        .await
        .expect("upsert");
    assert_eq!(again, counts(0, 0, 2, 2));
    // A changed document is replaced; a key twice in a batch keeps the last.
    let changed = sink
        .upsert(batch(
            "daily_sleep",
            vec![sleep("a", 80), sleep("b", 1), sleep("b", 71)],
            "2025-06-02",
        ))
        .await
        .expect("upsert");
    assert_eq!(changed, counts(0, 1, 1, 2));
    assert_eq!(
        sink.resume("user-1", collection("daily_sleep")).await.expect("resume"),
        Some(Mark {
            last: Some("2025-06-02".into()),
            through: Some("2025-06-02".into())
        })
    );
    // Another user's rows are apart.
    let mut other = batch("daily_sleep", vec![sleep("a", 10)], "2025-06-01");
    other.user = "user-2".into();
    assert_eq!(sink.upsert(other).await.expect("upsert"), counts(1, 0, 0, 1));

    // Time series: keyed by timestamp.
    let beat = |at: &str, bpm: i64| doc("heartrate", json!({"bpm": bpm, "source": "awake", "timestamp": at}));
    let series = sink
        .upsert(batch(
            "heartrate",
            vec![
                beat("2025-06-01T00:00:00+00:00", 60),
                beat("2025-06-01T00:05:00+00:00", 61),
            ],
            "2025-06-01T00:05:00+00:00",
        ))
        .await
        .expect("upsert");
    assert_eq!(series, counts(2, 0, 0, 2));

    // A webhook's document leaves the mark alone; a delete removes exactly one row.
    let put = sink
        .put("user-1", collection("daily_sleep"), sleep("c", 90))
        .await
        .expect("put");
    assert_eq!(put, counts(1, 0, 0, 3));
    assert!(
        sink.delete("user-1", collection("daily_sleep"), "a")
            .await
            .expect("delete")
    );
    assert!(
        !sink
            .delete("user-1", collection("daily_sleep"), "a")
            .await
            .expect("delete")
    );
    assert_eq!(
        sink.resume("user-1", collection("daily_sleep"))
            .await
            .expect("resume")
            .and_then(|m| m.last),
        Some("2025-06-02".into())
    );
    drop(sink);

    let rows = dump(url).await;
    let sleep_rows: Vec<&String> = rows.iter().filter(|r| r.starts_with("oura_daily_sleep:")).collect();
    assert_eq!(sleep_rows.len(), 3, "{sleep_rows:#?}");
    assert!(
        sleep_rows.iter().any(|r| r.contains("user-1") && r.contains("71")),
        "{sleep_rows:#?}"
    );
    assert!(
        sleep_rows.iter().all(|r| r.contains("2025-06-01")),
        "the day column: {sleep_rows:#?}"
    );
    assert_eq!(rows.iter().filter(|r| r.starts_with("oura_heartrate:")).count(), 2);
}

#[tokio::test]
async fn sqlite_upserts_are_idempotent_and_commit_the_mark() {
    let dir = tempfile::tempdir().expect("tempdir");
    idempotent(&sqlite_url(&dir, "sync.db")).await;
}

#[tokio::test]
async fn postgres_upserts_are_idempotent_and_commit_the_mark() {
    let Some(server) = oura_tests::postgres_url("postgres_upserts_are_idempotent_and_commit_the_mark") else {
        return;
    };
    idempotent(&oura_tests::fresh_postgres_database(&server, "oura_upsert").await).await;
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .users(1)
        .history_days(60)
        .today(NaiveDate::from_ymd_opt(2025, 6, 30).expect("date"))
        .latency(Duration::from_millis(5))
        .start()
        .await
        .expect("emulator")
}

async fn probe(database: &str, emulator: &Emulator) -> tokio::process::Child {
    tokio::process::Command::new(PROBE)
        .args([database, &emulator.base_url(), &emulator.token(0), "user-1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn")
}

async fn complete(database: &str, emulator: &Emulator) {
    let output = probe(database, emulator).await.wait_with_output().await.expect("wait");
    assert!(
        output.status.success(),
        "the sync failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A sync killed with SIGKILL mid-way, then run again, holds exactly the rows (and the state)
/// of a sync that ran once without interruption.
async fn killed_then_resumed(interrupted: &str, clean: &str) {
    let emulator = emulator().await;
    let mut child = probe(interrupted, &emulator).await;
    // Wait until the sync is under way (some pages served), then kill it without warning.
    let mut polls = 0;
    while emulator.requests().len() < 25 {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the sync ended before it was killed"
        );
        polls += 1;
        assert!(polls < 60_000, "the sync made no progress");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    child.start_kill().expect("SIGKILL");
    let status = child.wait().await.expect("wait");
    assert!(!status.success(), "killed");
    let partial = dump(interrupted).await;

    complete(interrupted, &emulator).await;
    complete(clean, &emulator).await;
    let resumed = dump(interrupted).await;
    let once = dump(clean).await;
    assert!(
        partial.len() < once.len(),
        "the kill came mid-way ({} of {} rows)",
        partial.len(),
        once.len()
    );
    assert!(once.len() > 1000, "a real amount of data: {}", once.len());
    assert_eq!(resumed.len(), once.len());
    for (a, b) in resumed.iter().zip(&once) {
        assert_eq!(a, b);
    }
    // Nothing stored before the kill is lost or changed.
    for row in partial.iter().filter(|r| !r.starts_with("oura_sync_state")) {
        assert!(once.contains(row), "{row}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_sync_killed_mid_way_resumes_to_the_rows_of_a_clean_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    killed_then_resumed(&sqlite_url(&dir, "killed.db"), &sqlite_url(&dir, "clean.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_sync_killed_mid_way_resumes_to_the_rows_of_a_clean_sync() {
    let Some(server) = oura_tests::postgres_url("a_postgres_sync_killed_mid_way_resumes_to_the_rows_of_a_clean_sync")
    else {
        return;
    };
    let interrupted = oura_tests::fresh_postgres_database(&server, "oura_killed").await;
    let clean = oura_tests::fresh_postgres_database(&server, "oura_clean").await;
    killed_then_resumed(&interrupted, &clean).await;
}

/// Two syncs of one user into one database at the same time (two processes, each upserting in
/// its own transactions) hold exactly the rows and state of one sync: none lost, none twice.
async fn two_at_once(shared: &str, clean: &str) {
    let emulator = emulator().await;
    let (first, second) = (probe(shared, &emulator).await, probe(shared, &emulator).await);
    let (first, second) = tokio::join!(first.wait_with_output(), second.wait_with_output());
    for output in [first.expect("first"), second.expect("second")] {
        assert!(
            output.status.success(),
            "a sync failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    complete(clean, &emulator).await;
    let (both, once) = (dump(shared).await, dump(clean).await);
    assert!(once.len() > 1000, "a real amount of data: {}", once.len());
    assert_eq!(both.len(), once.len());
    for (a, b) in both.iter().zip(&once) {
        assert_eq!(a, b);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sqlite_syncs_at_once_hold_the_rows_of_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    two_at_once(&sqlite_url(&dir, "shared.db"), &sqlite_url(&dir, "clean.db")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_syncs_at_once_hold_the_rows_of_one() {
    let Some(server) = oura_tests::postgres_url("two_postgres_syncs_at_once_hold_the_rows_of_one") else {
        return;
    };
    let shared = oura_tests::fresh_postgres_database(&server, "oura_shared").await;
    let clean = oura_tests::fresh_postgres_database(&server, "oura_once").await;
    two_at_once(&shared, &clean).await;
}

#[tokio::test]
async fn the_sync_schema_migrates_a_database_that_holds_only_tokens() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = sqlite_url(&dir, "both.db");
    // The previous state: a database of the token store alone (schema version 1).
    let tokens = SqliteTokenStore::connect(&url).await.expect("tokens");
    tokens
        .save_user("alice", &TokenSet::new("access").with_refresh_token("refresh"))
        .await
        .expect("save");
    tokens.pool().close().await;

    let mut sink = DatabaseSink::connect(&url).await.expect("migrate");
    sink.upsert(batch(
        "daily_sleep",
        vec![doc("daily_sleep", json!({"id": "a", "day": "2025-06-01"}))],
        "2025-06-01",
    ))
    .await
    .expect("upsert");
    drop(sink);
    // Opening again (sink, then token store) migrates nothing away.
    let _sink = DatabaseSink::connect(&url).await.expect("reopen");
    let tokens = SqliteTokenStore::connect(&url).await.expect("tokens again");
    assert!(tokens.load_user("alice").await.expect("load").is_some());
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(tokens.pool())
        .await
        .expect("versions");
    assert_eq!(versions, [1, 2, 1001, 1002]);
    let rows = dump(&url).await;
    assert_eq!(rows.iter().filter(|r| r.starts_with("oura_daily_sleep:")).count(), 1);
    // From an empty database: every collection's table exists.
    let empty = sqlite_url(&dir, "empty.db");
    drop(DatabaseSink::connect(&empty).await.expect("from empty"));
    let pool = sqlx::SqlitePool::connect(&empty).await.expect("open");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'oura_%' ORDER BY name")
            .fetch_all(&pool)
            .await
            .expect("tables");
    assert_eq!(tables.len(), oura_sync::collections().len() + 1, "{tables:?}");
    assert!(tables.contains(&"oura_vo2_max".to_owned()), "{tables:?}");
}
