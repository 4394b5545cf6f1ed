//! The database schemas across versions, on SQLite and PostgreSQL: a database written at the
//! previous version (the token store's and the sync tables' first migrations only, applied by
//! sqlx's own migrator from the migration files) opens with this version, keeping its tokens,
//! rows and marks, and the new version works on it; a database from a newer version is
//! refused, untouched. Also: upserts of batches larger than one statement count exactly.

use std::future::Future;
use std::path::Path;

use chrono::{DateTime, TimeZone as _, Utc};
use oura::oauth::{KeyedTokenStore as _, PostgresTokenStore, SqliteTokenStore, TokenSet};
use oura_sync::sink::{Batch, DatabaseSink, Doc, Mark, Sink as _, Upserted};
use serde_json::json;

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn collection(route: &str) -> &'static oura::Collection {
    oura_sync::find(route).expect("collection")
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    fn dir(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The first migration of each schema, copied from the crates' migration directories into
/// `dir` under sqlx's file naming, so sqlx's migrator applies exactly version 1 of each.
async fn version_1(backend: Backend, dir: &Path) -> sqlx::migrate::Migrator {
    for (from, name) in [
        ("crates/oura/migrations", "0001_oura_tokens.sql"),
        ("crates/oura-sync/migrations", "1001_oura_sync_state.sql"),
    ] {
        std::fs::copy(
            Path::new(WORKSPACE).join(from).join(backend.dir()).join(name),
            dir.join(name),
        )
        .expect("copy a migration");
    }
    sqlx::migrate::Migrator::new(dir).await.expect("migrator")
}

/// The tokens of version 1 (what a user saved before the upgrade).
fn tokens() -> TokenSet {
    TokenSet::new("access-v1")
        .with_refresh_token("refresh-v1")
        .with_expires_at(Utc.with_ymd_and_hms(2025, 6, 30, 12, 0, 0).single().expect("instant"))
}

/// A database at version 1, as the previous release left it: the token store's and the sync
/// schema's first migrations, a collection table in that release's shape, two synced
/// documents, their mark, and a user's tokens (saved by the previous release's statement).
async fn sqlite_at_version_1(url: &str, migrations: &Path) {
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .connect_with(
            url.parse::<sqlx::sqlite::SqliteConnectOptions>()
                .expect("url")
                .create_if_missing(true),
        )
        .await
        .expect("sqlite");
    version_1(Backend::Sqlite, migrations)
        .await
        .run(&pool)
        .await
        .expect("version 1");
    for statement in [
        "CREATE TABLE oura_daily_sleep (user_id TEXT NOT NULL, doc_key TEXT NOT NULL, key_kind TEXT NOT NULL, \
         day TEXT, document TEXT NOT NULL, PRIMARY KEY (user_id, doc_key)) STRICT",
        "INSERT INTO oura_daily_sleep VALUES ('alice', 'a', 'id', '2025-06-01', '{\"id\":\"a\",\"day\":\"2025-06-01\",\"score\":80}'), \
         ('alice', 'b', 'id', '2025-06-02', '{\"id\":\"b\",\"day\":\"2025-06-02\",\"score\":70}')",
        "INSERT INTO oura_sync_state (user_id, collection, last, through) VALUES ('alice', 'daily_sleep', '2025-06-02', '2025-06-03')",
    ] {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    sqlx::query(
        "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES ('alice', $1, '2025-06-30T12:00:00.000000Z')",
    )
    .bind(serde_json::to_string(&tokens()).expect("json"))
    .execute(&pool)
    .await
    .expect("tokens");
    pool.close().await;
}

async fn postgres_at_version_1(url: &str, migrations: &Path) {
    let pool = sqlx::PgPool::connect(url).await.expect("postgres");
    version_1(Backend::Postgres, migrations)
        .await
        .run(&pool)
        .await
        .expect("version 1");
    for statement in [
        "CREATE TABLE oura_daily_sleep (user_id TEXT NOT NULL, doc_key TEXT NOT NULL, key_kind TEXT NOT NULL, \
         day date, document JSONB NOT NULL, PRIMARY KEY (user_id, doc_key))",
        "INSERT INTO oura_daily_sleep VALUES ('alice', 'a', 'id', '2025-06-01', '{\"id\":\"a\",\"day\":\"2025-06-01\",\"score\":80}'), \
         ('alice', 'b', 'id', '2025-06-02', '{\"id\":\"b\",\"day\":\"2025-06-02\",\"score\":70}')",
        "INSERT INTO oura_sync_state (user_id, collection, last, through) VALUES ('alice', 'daily_sleep', '2025-06-02', '2025-06-03')",
    ] {
        sqlx::query(statement).execute(&pool).await.expect(statement);
    }
    sqlx::query(
        "INSERT INTO oura_tokens (user_id, tokens, expires_at) VALUES ('alice', $1::jsonb, '2025-06-30T12:00:00Z')",
    )
    .bind(serde_json::to_string(&tokens()).expect("json"))
    .execute(&pool)
    .await
    .expect("tokens");
    pool.close().await;
}

/// Either database's token store.
enum Store {
    Sqlite(SqliteTokenStore),
    Postgres(PostgresTokenStore),
}

impl Store {
    fn keyed(&self) -> &dyn oura::oauth::KeyedTokenStore {
        match self {
            Store::Sqlite(store) => store,
            Store::Postgres(store) => store,
        }
    }

    /// The migration versions `query` selects from `_sqlx_migrations`.
    async fn versions(&self, query: &'static str) -> Vec<i64> {
        match self {
            Store::Sqlite(store) => sqlx::query_scalar(query).fetch_all(store.pool()).await,
            Store::Postgres(store) => sqlx::query_scalar(query).fetch_all(store.pool()).await,
        }
        .expect("versions")
    }

    async fn expiring_before(&self, at: DateTime<Utc>) -> Vec<String> {
        match self {
            Store::Sqlite(store) => store.expiring_before(at).await,
            Store::Postgres(store) => store.expiring_before(at).await,
        }
        .expect("expiring")
    }
}

/// Opens the version-1 database at `url` with this version (`store` is its token store, just
/// opened): tokens, rows and the mark are all there, both schemas are at version 2, and what
/// version 2 adds works.
async fn upgrade(url: &str, store: &Store) {
    assert_eq!(
        store
            .versions("SELECT version FROM _sqlx_migrations WHERE version < 1000 ORDER BY version")
            .await,
        [1, 2],
        "the token store migrated to version 2"
    );
    assert_eq!(store.keyed().load_user("alice").await.expect("load"), Some(tokens()));
    // Version 2: the users whose token expires before an instant, by the expiry index.
    let after = Utc.with_ymd_and_hms(2025, 7, 1, 0, 0, 0).single().expect("instant");
    let before = Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).single().expect("instant");
    assert_eq!(store.expiring_before(after).await, ["alice"]);
    assert!(store.expiring_before(before).await.is_empty());
    store
        .keyed()
        .save_user("bob", &TokenSet::new("bob").with_expires_at(before))
        .await
        .expect("save");
    assert_eq!(store.expiring_before(after).await, ["bob", "alice"], "soonest first");

    let mut sink = DatabaseSink::connect(url).await.expect("the sink opens version 1");
    let sleep = collection("daily_sleep");
    assert_eq!(
        sink.resume("alice", sleep).await.expect("resume"),
        Some(Mark {
            last: Some("2025-06-02".into()),
            through: Some("2025-06-03".into()),
        }),
        "the mark survives"
    );
    assert_eq!(
        values(&sink.documents(sleep).await.expect("documents")),
        [
            json!({"id": "a", "day": "2025-06-01", "score": 80}),
            json!({"id": "b", "day": "2025-06-02", "score": 70})
        ],
        "the rows survive"
    );
    // The next sync over them: the same documents are unchanged, a new one is added.
    let doc = |id: &str, day: &str, score: i64| Doc::of(sleep, &json!({"id": id, "day": day, "score": score}));
    let upserted = sink
        .upsert(Batch {
            user: "alice".into(),
            collection: sleep,
            docs: vec![
                doc("a", "2025-06-01", 80),
                doc("b", "2025-06-02", 70),
                doc("c", "2025-06-04", 90),
            ],
            mark: Mark {
                last: Some("2025-06-04".into()),
                through: Some("2025-06-04".into()),
            },
        })
        .await
        .expect("upsert");
    assert_eq!(
        upserted,
        Upserted {
            added: 1,
            updated: 0,
            unchanged: 2,
            total: 3
        }
    );
    assert_eq!(
        sink.resume("alice", sleep).await.expect("resume").and_then(|m| m.last),
        Some("2025-06-04".into())
    );
    assert_eq!(
        store
            .versions("SELECT version FROM _sqlx_migrations ORDER BY version")
            .await,
        [1, 2, 1001, 1002],
        "both schemas at version 2"
    );
}

/// Stored documents as values (PostgreSQL's JSONB gives them back reordered and spaced).
fn values(texts: &[String]) -> Vec<serde_json::Value> {
    texts
        .iter()
        .map(|text| serde_json::from_str(text).expect("json"))
        .collect()
}

#[tokio::test]
async fn a_sqlite_database_of_version_1_migrates_keeping_tokens_rows_and_marks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrations = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("v1.db").display());
    sqlite_at_version_1(&url, migrations.path()).await;

    let store = SqliteTokenStore::connect(&url)
        .await
        .expect("the store opens version 1");
    upgrade(&url, &Store::Sqlite(store.clone())).await;
    let synced: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT collection, synced_at FROM oura_sync_state ORDER BY collection")
            .fetch_all(store.pool())
            .await
            .expect("state");
    assert_eq!(synced.len(), 1);
    assert!(
        synced[0]
            .1
            .as_deref()
            .is_some_and(|at| at.ends_with('Z') && at.len() == 24),
        "the next commit records when: {synced:?}"
    );
}

#[tokio::test]
async fn a_postgres_database_of_version_1_migrates_keeping_tokens_rows_and_marks() {
    let Some(server) =
        oura_tests::postgres_url("a_postgres_database_of_version_1_migrates_keeping_tokens_rows_and_marks")
    else {
        return;
    };
    let url = oura_tests::fresh_postgres_database(&server, "oura_v1").await;
    let migrations = tempfile::tempdir().expect("tempdir");
    postgres_at_version_1(&url, migrations.path()).await;

    let store = PostgresTokenStore::connect(&url)
        .await
        .expect("the store opens version 1");
    upgrade(&url, &Store::Postgres(store.clone())).await;
    let recorded: Vec<bool> = sqlx::query_scalar("SELECT synced_at IS NOT NULL FROM oura_sync_state")
        .fetch_all(store.pool())
        .await
        .expect("state");
    assert_eq!(recorded, [true], "the next commit records when");
}

/// Opens the database at `url` (this version), records a newer version of each schema, as a
/// later release would, and opens it again: the token store and the sink both refuse it,
/// saying why, and change nothing. `checksum` is an empty checksum in the backend's SQL.
async fn newer_refused<S, E>(url: &str, connect: impl Fn() -> S, checksum: &str)
where
    S: Future<Output = Result<oura::oauth::DatabaseTokenStore<E>, oura::Error>>,
    E: sqlx::Database,
    oura::oauth::DatabaseTokenStore<E>: oura::oauth::KeyedTokenStore,
    for<'c> &'c sqlx::Pool<E>: sqlx::Executor<'c, Database = E>,
    for<'q> E::Arguments<'q>: sqlx::IntoArguments<'q, E>,
    i64: for<'q> sqlx::Encode<'q, E> + sqlx::Type<E> + for<'r> sqlx::Decode<'r, E>,
    for<'q> &'q str: sqlx::Encode<'q, E> + sqlx::Type<E>,
    String: for<'r> sqlx::Decode<'r, E> + sqlx::Type<E>,
    usize: sqlx::ColumnIndex<E::Row>,
{
    let store = connect().await.expect("store");
    store.save_user("alice", &tokens()).await.expect("save");
    drop(DatabaseSink::connect(url).await.expect("sink"));
    for (version, description) in [(3, "token store from the future"), (1003, "sync from the future")] {
        sqlx::query(&format!(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES ($1, $2, TRUE, {checksum}, 0)"
        ))
        .bind(version)
        .bind(description)
        .execute(store.pool())
        .await
        .expect("a newer version");
    }

    let err = connect().await.expect_err("refused");
    assert!(matches!(err, oura::Error::Auth(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("version 3 of the token store schema, newer than this program knows (version 2)"),
        "{err}"
    );
    let err = DatabaseSink::connect(url).await.expect_err("refused");
    assert!(
        err.to_string()
            .contains("version 1003 of the sync schema, newer than this program knows (version 1002)"),
        "{err}"
    );
    // Nothing was changed: the tokens are there, no version was added or removed.
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .expect("versions");
    assert_eq!(versions, [1, 2, 3, 1001, 1002, 1003]);
    let users: Vec<String> = sqlx::query_scalar("SELECT user_id FROM oura_tokens")
        .fetch_all(store.pool())
        .await
        .expect("users");
    assert_eq!(users, ["alice"]);
}

#[tokio::test]
async fn a_sqlite_database_of_a_newer_version_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("future.db").display());
    newer_refused(&url, || SqliteTokenStore::connect(&url), "x'00'").await;
}

#[tokio::test]
async fn a_postgres_database_of_a_newer_version_is_refused_untouched() {
    let Some(server) = oura_tests::postgres_url("a_postgres_database_of_a_newer_version_is_refused_untouched") else {
        return;
    };
    let url = oura_tests::fresh_postgres_database(&server, "oura_future").await;
    newer_refused(&url, || PostgresTokenStore::connect(&url), "'\\x00'::bytea").await;
}

/// Batches larger than one statement (SQLite cuts 1000 documents into statements of 256, 64,
/// 16 and 4 rows): exact counts of added, changed and unchanged documents, and the last
/// document of a repeated key stored.
async fn large_batches(url: &str) {
    let mut sink = DatabaseSink::connect(url).await.expect("open");
    let beats = collection("heartrate");
    let at = |i: usize| format!("2025-06-01T{:02}:{:02}:00+00:00", i / 60, i % 60);
    let beat = |i: usize, bpm: usize| Doc::of(beats, &json!({"bpm": bpm, "source": "awake", "timestamp": at(i)}));
    let batch = |docs: Vec<Doc>| Batch {
        user: "user-1".into(),
        collection: beats,
        docs,
        mark: Mark {
            last: Some(at(999)),
            through: Some(at(999)),
        },
    };
    let first = sink
        .upsert(batch((0..700).map(|i| beat(i, 60)).collect()))
        .await
        .expect("upsert");
    assert_eq!(
        first,
        Upserted {
            added: 700,
            updated: 0,
            unchanged: 0,
            total: 700
        }
    );
    // 600 unchanged, 100 changed (the first of each repeated once with another value), 300 new.
    let mut docs: Vec<Doc> = (0..1000)
        .map(|i| beat(i, if (600..700).contains(&i) { 61 } else { 60 }))
        .collect();
    docs.insert(0, beat(650, 99));
    let second = sink.upsert(batch(docs)).await.expect("upsert");
    assert_eq!(
        second,
        Upserted {
            added: 300,
            updated: 100,
            unchanged: 600,
            total: 1000
        }
    );
    let bpms: Vec<i64> = values(&sink.documents(beats).await.expect("documents"))
        .iter()
        .map(|doc| doc["bpm"].as_i64().expect("bpm"))
        .collect();
    assert_eq!(bpms.len(), 1000);
    assert_eq!(bpms.iter().filter(|&&bpm| bpm == 61).count(), 100);
    assert_eq!(
        bpms.iter().filter(|&&bpm| bpm == 60).count(),
        900,
        "the last document of each key is stored"
    );
}

#[tokio::test]
async fn sqlite_batches_larger_than_a_statement_count_exactly() {
    let dir = tempfile::tempdir().expect("tempdir");
    large_batches(&format!("sqlite://{}", dir.path().join("large.db").display())).await;
}

#[tokio::test]
async fn postgres_batches_larger_than_a_statement_count_exactly() {
    let Some(server) = oura_tests::postgres_url("postgres_batches_larger_than_a_statement_count_exactly") else {
        return;
    };
    large_batches(&oura_tests::fresh_postgres_database(&server, "oura_large").await).await;
}
