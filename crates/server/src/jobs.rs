//! Workers: claim a job, run it on a blocking thread while renewing the lease, store the
//! result. Any number of workers on any number of machines share one PostgreSQL database and
//! blob store; `netvet serve` runs one in process.

use crate::db::{Job, JobKind};
use crate::AppState;
use netvet_certify::CertRecord;
use std::path::PathBuf;
use std::time::Duration;

/// The payload keys naming images, by job kind.
fn image_keys(kind: JobKind) -> &'static [&'static str] {
    match kind {
        JobKind::Scan => &["sha256"],
        JobKind::Equiv => &["a", "b"],
        JobKind::Diff => &["old", "new"],
        JobKind::Network => &[],
    }
}

/// Fetch the images a job needs into local files (from the remote blob store if there is one).
async fn fetch_images(state: &AppState, job: &Job) -> Result<Vec<(String, PathBuf)>, String> {
    let p: serde_json::Value =
        serde_json::from_str(&job.payload).map_err(|e| format!("bad payload: {e}"))?;
    let mut out = Vec::new();
    for key in image_keys(job.kind) {
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
    certifications: Vec<CertRecord>,
}

async fn gather(state: &AppState, job: &Job) -> Result<Inputs, String> {
    let images = fetch_images(state, job).await?;
    let certifications = if job.kind == JobKind::Network {
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

/// The verdict a finished job shows: a certification verdict, an equivalence verdict, or
/// whether a network assessment found violations. Stored by its wire name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobVerdict {
    Certification(netvet_model::VerdictResult),
    Equivalence(netvet_equiv::Verdict),
    Network { violations: bool },
}

impl JobVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            JobVerdict::Certification(v) => v.as_str(),
            JobVerdict::Equivalence(netvet_equiv::Verdict::Identical) => "identical",
            JobVerdict::Equivalence(netvet_equiv::Verdict::Equivalent) => "equivalent",
            JobVerdict::Equivalence(netvet_equiv::Verdict::Different) => "different",
            JobVerdict::Network { violations: false } => "compliant",
            JobVerdict::Network { violations: true } => "violations",
        }
    }
}

/// A finished job: the typed result and (scans) the signed attestation.
enum Outcome {
    Scan {
        report: Box<netvet_model::Report>,
        attestation: Option<String>,
    },
    Equiv(Box<netvet_equiv::EquivReport>),
    Diff(Box<netvet_equiv::ReleaseDiff>),
    Network(Box<netvet_network::Assessment>),
}

impl Outcome {
    fn verdict(&self) -> Option<JobVerdict> {
        match self {
            Outcome::Scan { report, .. } => report.verdict_result().map(JobVerdict::Certification),
            Outcome::Equiv(e) => Some(JobVerdict::Equivalence(e.verdict)),
            Outcome::Diff(_) => None,
            Outcome::Network(a) => Some(JobVerdict::Network {
                violations: a.has_violations(),
            }),
        }
    }

    /// What the database stores: result JSON, verdict and attestation.
    fn into_stored(self) -> Result<(String, Option<String>, Option<String>), String> {
        let verdict = self.verdict().map(|v| v.as_str().to_string());
        let json = |r: Result<String, serde_json::Error>| r.map_err(|e| e.to_string());
        Ok(match self {
            Outcome::Scan {
                report,
                attestation,
            } => (json(serde_json::to_string(&report))?, verdict, attestation),
            Outcome::Equiv(e) => (json(serde_json::to_string(&e))?, verdict, None),
            Outcome::Diff(d) => (json(serde_json::to_string(&d))?, verdict, None),
            Outcome::Network(a) => (json(serde_json::to_string(&a))?, verdict, None),
        })
    }
}

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
    match job.kind {
        JobKind::Scan => {
            let path = blob("sha256")?;
            let name = p["name"].as_str().unwrap_or("image");
            let report = state
                .engine
                .scan(&path, name)
                .map_err(|e| format!("{e:#}"))?;
            // the scan stands without its attestation; the endpoint retries on demand
            let attestation = match crate::attest::sign_report(state, &report, name) {
                Ok(a) => Some(a),
                Err(e) => {
                    eprintln!("job {}: no attestation: {e:#}", job.id);
                    None
                }
            };
            Ok(Outcome::Scan {
                report: Box::new(report),
                attestation,
            })
        }
        JobKind::Equiv => state
            .engine
            .equiv(&blob("a")?, &blob("b")?)
            .map(|e| Outcome::Equiv(Box::new(e)))
            .map_err(|e| format!("{e:#}")),
        JobKind::Diff => state
            .engine
            .diff(&blob("old")?, &blob("new")?)
            .map(|d| Outcome::Diff(Box::new(d)))
            .map_err(|e| format!("{e:#}")),
        JobKind::Network => {
            let inv = p["inventory"].as_str().unwrap_or("");
            let pol = p["policy"].as_str().unwrap_or("");
            network(inv, pol, &inputs.certifications).map(|a| Outcome::Network(Box::new(a)))
        }
    }
}

/// Network assessment of an inventory and a policy (file contents) against the lab's
/// certification records.
fn network(
    inventory: &str,
    policy: &str,
    certified: &[CertRecord],
) -> Result<netvet_network::Assessment, String> {
    let inv = netvet_network::Inventory::parse("inventory", inventory.as_bytes())
        .map_err(|e| e.to_string())?;
    let pol = netvet_network::Policy::parse("policy", policy).map_err(|e| e.to_string())?;
    let index = netvet_network::CertIndex::new(certified.to_vec());
    Ok(netvet_network::assess(&inv, &pol, &index, None))
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
            tokio::task::spawn_blocking(move || execute(&st2, &j2, &inputs)?.into_stored())
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
