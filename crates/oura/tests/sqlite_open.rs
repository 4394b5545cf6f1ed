//! SQLite databases opened by several connections at once (processes starting together on one
//! file): every open succeeds, whatever the lock SQLite answers with at first.

#![cfg(feature = "sqlite")]

use oura::database::{Dialect, OpenOptions};

/// A new database opened by six pools at once, a hundred times. SQLite answers some of these
/// opens `SQLITE_BUSY` at once, without waiting out the busy timeout (the connections switch the
/// new file to WAL together and would deadlock); before opens were retried, a few of every
/// hundred failed with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_new_database_opened_by_many_at_once_opens_for_each() {
    let dir = tempfile::tempdir().expect("tempdir");
    for round in 0..100 {
        let url = format!("sqlite://{}", dir.path().join(format!("{round}.db")).display());
        let opens: Vec<_> = (0..6)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { <sqlx::Sqlite as Dialect>::open(&url, OpenOptions::new(2)).await })
            })
            .collect();
        for open in opens {
            let pool = open
                .await
                .expect("join")
                .unwrap_or_else(|err| panic!("round {round}: {err}"));
            let one: i64 = sqlx::query_scalar("SELECT 1").fetch_one(&pool).await.expect("a query");
            assert_eq!(one, 1);
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&pool)
                .await
                .expect("journal mode");
            assert_eq!(mode, "wal");
        }
    }
}
