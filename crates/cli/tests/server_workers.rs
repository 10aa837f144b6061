//! Scale-out: three `netvet worker` processes share one PostgreSQL database and blob store on
//! 30 queued scans of real firmware; one worker is killed (SIGKILL) in the middle of a scan.
//! Every scan must complete exactly once with a stored report, the killed worker's scan
//! included (taken over when its lease expired).
//!
//! Needs NETVET_TEST_POSTGRES (see scripts/ci-postgres.sh); skipped with a note when it is
//! unset, failed when NETVET_REQUIRE_POSTGRES=1.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_server::auth::Role;
use netvet_server::db::{JobKind, JobState};
use netvet_server::{AppState, Config};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Never asked to scan: the workers are separate processes.
struct NoEngine;
impl netvet_server::Engine for NoEngine {
    fn scan(&self, _: &std::path::Path, _: &str) -> anyhow::Result<netvet_model::Report> {
        anyhow::bail!("not here")
    }
    fn equiv(
        &self,
        _: &std::path::Path,
        _: &std::path::Path,
    ) -> anyhow::Result<netvet_equiv::EquivReport> {
        anyhow::bail!("not here")
    }
    fn diff(
        &self,
        _: &std::path::Path,
        _: &std::path::Path,
    ) -> anyhow::Result<netvet_equiv::ReleaseDiff> {
        anyhow::bail!("not here")
    }
    fn statement(&self, _: &netvet_model::Report, _: &str) -> anyhow::Result<serde_json::Value> {
        anyhow::bail!("not here")
    }
}

struct Workers(Vec<Child>);
impl Drop for Workers {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn spawn_worker(url: &str, data: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_netvet"))
        .env("NETVET_VULNDB", "none")
        .args(["worker", "--database", url, "--lease-secs", "3", "--data"])
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn netvet worker")
}

#[test]
fn three_workers_one_killed_every_scan_exactly_once() {
    let images: Vec<_> = [
        "formats/arcadyan.bin",
        "formats/squashfs_v2.bin",
        "formats/zip.bin",
        "formats/yaffs2.bin",
        "formats/bzip2.bin",
    ]
    .iter()
    .filter_map(|p| netvet_model::corpus::path(p))
    .collect();
    if images.len() < 5 {
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let base = match std::env::var("NETVET_TEST_POSTGRES") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            netvet_model::testenv::skip(
                "postgres",
                "NETVET_TEST_POSTGRES is not set (scripts/ci-postgres.sh); scale-out test",
            );
            return;
        }
    };
    let url = rt
        .block_on(netvet_server::db::scratch_postgres(&base))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.database = Some(url.clone());
    let state = rt
        .block_on(AppState::open(config, Arc::new(NoEngine)))
        .unwrap();

    // 30 queued scans, the way the API queues them
    let mut jobs = Vec::new();
    rt.block_on(async {
        let org = state.db.create_org("Vendor", Role::Vendor).await.unwrap();
        let mut shas = Vec::new();
        for img in &images {
            let bytes = std::fs::read(img).unwrap();
            let stream = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(
                bytes::Bytes::from(bytes),
            )]);
            let (sha, size) = state.blobs.put_stream(stream, 1 << 30).await.unwrap();
            let name = img.file_name().unwrap().to_string_lossy().to_string();
            state.db.add_image(&sha, &org, &name, size).await.unwrap();
            shas.push((sha, name));
        }
        for i in 0..30 {
            let (sha, name) = &shas[i % shas.len()];
            let payload = serde_json::json!({"sha256": sha, "name": name});
            let j = state
                .db
                .enqueue(JobKind::Scan, &org, &payload, Some((sha, name)))
                .await
                .unwrap();
            jobs.push((j.id, sha.clone()));
        }
    });

    let mut workers = Workers((0..3).map(|_| spawn_worker(&url, dir.path())).collect());
    let t0 = Instant::now();

    // wait until the first worker is in the middle of a scan, then kill it
    let victim_pid = workers.0[0].id();
    let victim_job = rt.block_on(async {
        loop {
            assert!(
                t0.elapsed() < Duration::from_secs(120),
                "worker never started a job"
            );
            let held = state
                .db
                .running_jobs_of(&format!("worker-{victim_pid}-"))
                .await
                .unwrap_or_default();
            if let Some(id) = held.into_iter().next() {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    workers.0[0].kill().unwrap();
    workers.0[0].wait().unwrap();
    // what it held when it died (it may have finished the job seen above and claimed the
    // next one just before the kill); nobody takes that over before its lease expires
    let held = rt
        .block_on(state.db.running_jobs_of(&format!("worker-{victim_pid}-")))
        .unwrap();
    assert_eq!(
        held.len(),
        1,
        "the killed worker held {held:?} (first seen: {victim_job})"
    );
    let victim_job = held[0].clone();

    // the two survivors finish everything, the victim's scan included
    rt.block_on(async {
        loop {
            let mut open = 0;
            for (id, _) in &jobs {
                let j = state.db.job(id).await.unwrap().unwrap();
                if matches!(j.state, JobState::Queued | JobState::Running) {
                    open += 1;
                }
            }
            if open == 0 {
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(600),
                "{open} scans still open after 10 minutes"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let elapsed = t0.elapsed();
    rt.block_on(async {
        for (id, sha) in &jobs {
            let j = state.db.job(id).await.unwrap().unwrap();
            assert_eq!(j.state, JobState::Done, "job {id}: {:?}", j.error);
            assert_eq!(
                j.completions, 1,
                "job {id} completed {} times",
                j.completions
            );
            let report: netvet_model::Report =
                serde_json::from_str(j.result.as_deref().expect("stored report")).unwrap();
            assert_eq!(&report.image.sha256, sha);
            assert_eq!(report.schema, "netvet.report/1");
            // signed by the worker with the lab key of the shared data directory
            let env = j.attestation.as_deref().expect("stored attestation");
            let v =
                netvet_certify::attest::verify(env.as_bytes(), &state.lab_key.verifying_key(), sha)
                    .unwrap_or_else(|e| panic!("job {id}: {e}"));
            assert_eq!(Some(v.verdict), report.verdict_result(), "job {id}");
            if *id == victim_job {
                assert_eq!(j.attempts, 2, "the killed worker's scan was not taken over");
            } else {
                assert_eq!(j.attempts, 1, "job {id} ran twice");
            }
        }
    });
    eprintln!(
        "30 scans by 3 workers (one killed) in {:.1} s",
        elapsed.as_secs_f64()
    );
}
