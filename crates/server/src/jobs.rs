//! Workers: claim a job, run it on a blocking thread while renewing the lease, store the
//! result. Any number of workers on any number of machines share one PostgreSQL database and
//! blob store; `netvet serve` runs one in process.

use crate::db::Job;
use crate::AppState;
use std::path::PathBuf;
use std::time::Duration;

/// The payload keys naming images, by job kind.
fn image_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "scan" => &["sha256"],
        "equiv" => &["a", "b"],
        "diff" => &["old", "new"],
        _ => &[],
    }
}

/// Fetch the images a job needs into local files (from the remote blob store if there is one).
async fn fetch_images(state: &AppState, job: &Job) -> Result<Vec<(String, PathBuf)>, String> {
    let p: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let mut out = Vec::new();
    for key in image_keys(&job.kind) {
        let sha = p[*key]
            .as_str()
            .ok_or_else(|| format!("payload lacks {key}"))?;
        let path = state.blobs.fetch(sha).await.map_err(|e| format!("{e:#}"))?;
        out.push((key.to_string(), path));
    }
    Ok(out)
}

/// What a job needs besides its payload, gathered before it runs: local copies of its images
/// and, for a network assessment, the stored certifications checked against the lab key.
struct Inputs {
    images: Vec<(String, PathBuf)>,
    certifications: Vec<crate::attest::Certification>,
}

async fn gather(state: &AppState, job: &Job) -> Result<Inputs, String> {
    let images = fetch_images(state, job).await?;
    let certifications = if job.kind == "network" {
        crate::attest::certifications(state)
            .await
            .map_err(|e| format!("cannot read the certifications: {e:#}"))?
    } else {
        Vec::new()
    };
    Ok(Inputs {
        images,
        certifications,
    })
}

/// A finished job: result JSON, verdict, and (scans) the signed attestation.
type Outcome = (String, Option<String>, Option<String>);

/// Run one job to completion (or failure).
fn execute(state: &AppState, job: &Job, inputs: &Inputs) -> Result<Outcome, String> {
    let images = &inputs.images;
    let p: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let blob = |key: &str| -> Result<PathBuf, String> {
        images
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, p)| p.clone())
            .ok_or_else(|| format!("payload lacks {key}"))
    };
    match job.kind.as_str() {
        "scan" => {
            let path = blob("sha256")?;
            let name = p["name"].as_str().unwrap_or("image");
            let report = state
                .engine
                .scan(&path, name)
                .map_err(|e| format!("{e:#}"))?;
            let verdict = report.verdict.as_ref().map(|v| v.result.clone());
            let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
            // the scan stands without its attestation; the endpoint retries on demand
            let attestation = match crate::attest::sign_report(state, &report, name) {
                Ok(a) => Some(a),
                Err(e) => {
                    eprintln!("job {}: no attestation: {e:#}", job.id);
                    None
                }
            };
            Ok((json, verdict, attestation))
        }
        "equiv" => {
            let v = state
                .engine
                .equiv(&blob("a")?, &blob("b")?)
                .map_err(|e| format!("{e:#}"))?;
            Ok((v.to_string(), v["verdict"].as_str().map(String::from), None))
        }
        "diff" => {
            let v = state
                .engine
                .diff(&blob("old")?, &blob("new")?)
                .map_err(|e| format!("{e:#}"))?;
            Ok((v.to_string(), None, None))
        }
        "network" => {
            let inv = p["inventory"].as_str().unwrap_or("");
            let pol = p["policy"].as_str().unwrap_or("");
            let v = state
                .engine
                .network(inv, pol, &inputs.certifications)
                .map_err(|e| format!("{e:#}"))?;
            let verdict = v["violations"].as_array().map(|a| {
                if a.is_empty() {
                    "compliant".to_string()
                } else {
                    "violations".to_string()
                }
            });
            Ok((v.to_string(), verdict, None))
        }
        other => Err(format!("unknown job kind '{other}'")),
    }
}

/// Process jobs until `stop` resolves. `max_jobs` bounds the count (tests).
pub async fn run_worker(
    state: AppState,
    worker_id: String,
    max_jobs: Option<u64>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<u64> {
    let lease = state.config.lease_secs;
    let mut done = 0u64;
    loop {
        if *stop.borrow() || max_jobs.is_some_and(|m| done >= m) {
            return Ok(done);
        }
        let job = match state
            .db
            .claim(&worker_id, lease, state.config.max_attempts)
            .await
        {
            Ok(j) => j,
            Err(e) => {
                eprintln!("worker {worker_id}: cannot claim a job: {e:#}");
                None
            }
        };
        let Some(job) = job else {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_millis(300)) => {}
                _ = stop.changed() => {}
            }
            continue;
        };
        let st = state.clone();
        let j2 = job.clone();
        // fetching (from a remote blob store) and scanning both run under the lease
        let mut task = tokio::spawn(async move {
            let inputs = gather(&st, &j2).await?;
            let st2 = st.clone();
            tokio::task::spawn_blocking(move || execute(&st2, &j2, &inputs))
                .await
                .unwrap_or_else(|e| Err(format!("job crashed: {e}")))
        });
        // renew the lease while the job runs
        let result = loop {
            tokio::select! {
                r = &mut task => break r.unwrap_or_else(|e| Err(format!("job crashed: {e}"))),
                _ = tokio::time::sleep(Duration::from_secs((lease / 3).max(1) as u64)) => {
                    if !state.db.heartbeat(&job.id, &worker_id, lease).await.unwrap_or(false) {
                        eprintln!("worker {worker_id}: lost the lease of job {}", job.id);
                    }
                }
            }
        };
        let (result, attestation) = match result {
            Ok((r, v, a)) => (Ok((r, v)), a),
            Err(e) => (Err(e), None),
        };
        match state
            .db
            .complete_attested(&job.id, &worker_id, result, attestation)
            .await
        {
            Ok(true) => done += 1,
            Ok(false) => eprintln!(
                "worker {worker_id}: job {} was taken over; result discarded",
                job.id
            ),
            Err(e) => eprintln!(
                "worker {worker_id}: cannot store the result of {}: {e:#}",
                job.id
            ),
        }
    }
}
