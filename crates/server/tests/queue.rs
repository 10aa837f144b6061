//! The job queue: leases, takeover after a lost worker, exactly-once completion, the attempt
//! bound, and concurrent claims (row locks on PostgreSQL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::*;
use netvet_server::auth::Role;
use netvet_server::db::{Db, JobKind, JobState};
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;

async fn open(url: Option<String>, dir: &tempfile::TempDir) -> Db {
    let url = url.unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("q.sqlite").display()
        )
    });
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    // migrations are idempotent
    db.migrate().await.unwrap();
    db
}

async fn lease_takeover(db: Db) {
    let org = db.create_org("V", Role::Vendor).await.unwrap();
    let job = db
        .enqueue(JobKind::Scan, &org, &json!({"sha256": "x"}), None)
        .await
        .unwrap();
    // lease of 1 s (times are whole seconds): still held at the next claim, expired 2 s later
    let got = db.claim("w1", 1, 3).await.unwrap().unwrap();
    assert_eq!(got.id, job.id);
    assert_eq!(got.state, JobState::Running);
    assert_eq!(got.attempts, 1);
    assert!(
        db.claim("w2", 30, 3).await.unwrap().is_none(),
        "lease still held"
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // w1 went silent: w2 takes the job over
    let got = db.claim("w2", 30, 3).await.unwrap().unwrap();
    assert_eq!(got.id, job.id);
    assert_eq!(got.attempts, 2);
    assert!(!db.heartbeat(&job.id, "w1", 30).await.unwrap());
    assert!(db.heartbeat(&job.id, "w2", 30).await.unwrap());
    // the late result of w1 is discarded; w2's is stored once
    assert!(!db
        .complete(&job.id, "w1", Ok(("{\"by\":1}".into(), None)))
        .await
        .unwrap());
    assert!(db
        .complete(
            &job.id,
            "w2",
            Ok(("{\"by\":2}".into(), Some("pass".into())))
        )
        .await
        .unwrap());
    assert!(!db
        .complete(&job.id, "w2", Ok(("{\"by\":3}".into(), None)))
        .await
        .unwrap());
    let j = db.job(&job.id).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Done);
    assert_eq!(j.completions, 1);
    assert_eq!(j.result.as_deref(), Some("{\"by\":2}"));
    assert_eq!(j.verdict.as_deref(), Some("pass"));
    assert!(db.claim("w3", 30, 3).await.unwrap().is_none());

    // a job that loses its worker every time is given up after max_attempts
    let doomed = db
        .enqueue(JobKind::Scan, &org, &json!({}), None)
        .await
        .unwrap();
    for n in 1..=2 {
        let g = db.claim("w", 0, 2).await.unwrap().unwrap();
        assert_eq!((g.id.as_str(), g.attempts), (doomed.id.as_str(), n));
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    assert!(db.claim("w", 0, 2).await.unwrap().is_none());
    let j = db.job(&doomed.id).await.unwrap().unwrap();
    assert_eq!(j.state, JobState::Failed);
    assert_eq!(j.completions, 1);
    assert!(j.error.unwrap().contains("lost 2 times"));
}

/// 40 jobs, 8 concurrent claimers: every job claimed by exactly one.
async fn concurrent_claims(db: Db) {
    let org = db.create_org("V", Role::Vendor).await.unwrap();
    let mut ids = HashSet::new();
    for i in 0..40 {
        ids.insert(
            db.enqueue(JobKind::Scan, &org, &json!({"i": i}), None)
                .await
                .unwrap()
                .id,
        );
    }
    let mut tasks = Vec::new();
    for w in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = db.claim(&format!("w{w}"), 60, 3).await.unwrap() {
                assert!(db
                    .complete(&j.id, &format!("w{w}"), Ok(("{}".into(), None)))
                    .await
                    .unwrap());
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 40, "a job was claimed twice or not at all");
    assert_eq!(all.into_iter().collect::<HashSet<_>>(), ids);
    for id in &ids {
        let j = db.job(id).await.unwrap().unwrap();
        assert_eq!(
            (j.state.as_str(), j.completions, j.attempts),
            ("done", 1, 1)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_takeover_sqlite() {
    let d = tempfile::tempdir().unwrap();
    lease_takeover(open(None, &d).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lease_takeover_postgres() {
    let Some(url) = postgres().await else { return };
    let d = tempfile::tempdir().unwrap();
    lease_takeover(open(Some(url), &d).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_sqlite() {
    let d = tempfile::tempdir().unwrap();
    concurrent_claims(open(None, &d).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_postgres() {
    let Some(url) = postgres().await else { return };
    let d = tempfile::tempdir().unwrap();
    concurrent_claims(open(Some(url), &d).await).await;
}

/// Workers starting together on a fresh database: the migrations run once, nobody fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_postgres() {
    let Some(url) = postgres().await else { return };
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let db = Db::connect(&url).await.unwrap();
            db.migrate().await.map(|_| db)
        }));
    }
    let mut dbs = Vec::new();
    for t in tasks {
        dbs.push(t.await.unwrap().expect("migration"));
    }
    let n: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM netvet_migrations")
            .fetch_one(&dbs[0].pool)
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(n, netvet_server::db::MIGRATIONS.len() as i64);
}

#[tokio::test]
async fn bad_database_urls_are_named() {
    let e = Db::connect("mysql://x").await.err().unwrap().to_string();
    assert!(
        e.contains("mysql://x") && e.contains("expected sqlite"),
        "{e}"
    );
    let e = Db::connect("postgres://u:secret@127.0.0.1:1/x")
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("u:***@127.0.0.1:1/x") && !e.contains("secret"),
        "{e}"
    );
    assert_eq!(
        netvet_server::db::redact("postgres://a:b@h/d"),
        "postgres://a:***@h/d"
    );
}
