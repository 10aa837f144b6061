//! `netvet serve` and `netvet worker`: the lab service with this binary's scan engine.

use crate::pipeline::{self, ScanOptions};
use netvet_server::{AppState, Config, Engine};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The scan engine of this binary, for the service.
pub struct LocalEngine {
    analyzers: netvet_analyze::Analyzers,
    opts: ScanOptions,
}

impl LocalEngine {
    /// The engine with the embedded rules and `policy` (TOML file; the embedded default
    /// policy when `None`), checked here so that a bad policy stops the service at start.
    pub fn new(policy: Option<PathBuf>) -> anyhow::Result<LocalEngine> {
        let opts = ScanOptions {
            policy,
            ..ScanOptions::default()
        };
        netvet_certify::load(&opts.rules, opts.policy.as_deref())
            .map_err(|e| anyhow::anyhow!("--policy: {e}"))?;
        let analyzers = netvet_analyze::Analyzers::new(&opts.rules)?;
        Ok(LocalEngine { analyzers, opts })
    }
}

impl Engine for LocalEngine {
    fn scan(&self, image: &Path, name: &str) -> anyhow::Result<netvet_model::Report> {
        let unpacker = netvet_unpack::Unpacker::new(self.opts.limits.clone());
        let mut s = pipeline::scan(image, &unpacker, &self.analyzers, &self.opts)?;
        s.report.image.path = name.to_string();
        Ok(s.report)
    }

    fn equiv(&self, a: &Path, b: &Path) -> anyhow::Result<serde_json::Value> {
        let (text, _) = crate::cmd_equiv::equiv(a, b, "json", self.opts.limits.clone())?;
        Ok(serde_json::from_str(&text)?)
    }

    fn diff(&self, old: &Path, new: &Path) -> anyhow::Result<serde_json::Value> {
        let (text, _) = crate::cmd_equiv::diff(old, new, "json", &self.opts)?;
        Ok(serde_json::from_str(&text)?)
    }

    /// Judge the stored report again under the policy in use (the same judgement the scan
    /// made, with today's date for waiver expiry) and state it.
    fn statement(
        &self,
        report: &netvet_model::Report,
        subject: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let (catalogue, policy) =
            netvet_certify::load(&self.opts.rules, self.opts.policy.as_deref())?;
        let mut r = report.clone();
        let j = netvet_certify::judge(&mut r, &catalogue, &policy, netvet_certify::today_utc());
        Ok(netvet_certify::attest::statement(
            subject,
            &r,
            &j,
            &policy,
            &catalogue,
            netvet_certify::now_utc(),
        ))
    }

    fn network(
        &self,
        inventory: &str,
        policy: &str,
        certified: &[netvet_server::attest::Certification],
    ) -> anyhow::Result<serde_json::Value> {
        let inv = netvet_network::Inventory::parse("inventory", inventory.as_bytes())?;
        let pol = netvet_network::Policy::parse("policy", policy)?;
        let recs = certified
            .iter()
            .map(|c| netvet_network::CertRecord {
                file: c.source.clone(),
                subject_name: c.image_name.clone(),
                sha256: c.image_sha256.clone(),
                verdict: c.verdict.clone(),
                signature_ok: c.signature_ok,
                problem: c.problem.clone(),
                ..Default::default()
            })
            .collect();
        let a = netvet_network::assess(&inv, &pol, &netvet_network::CertIndex::new(recs), None);
        Ok(serde_json::to_value(&a)?)
    }
}

/// Default per-user data directory.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("netvet");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/netvet"),
        None => PathBuf::from(".netvet"),
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// Only the database: creating a token neither needs nor creates the lab key.
pub fn create_token(config: Config, org: &str, role: &str) -> anyhow::Result<String> {
    runtime()?.block_on(async {
        std::fs::create_dir_all(&config.data)
            .map_err(|e| anyhow::anyhow!("data directory {}: {e}", config.data.display()))?;
        let db = netvet_server::db::Db::connect(&config.database_url()).await?;
        db.migrate().await?;
        netvet_server::auth::create_token(&db, org, role).await
    })
}

/// `policy`: the certification policy of the in-process worker and of on-demand attestations.
pub fn serve(
    config: Config,
    listen: &str,
    worker: bool,
    policy: Option<PathBuf>,
) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let state = AppState::open(config, Arc::new(LocalEngine::new(policy)?)).await?;
        eprintln!(
            "netvet: attestations signed with lab key {} (public key at /api/lab-key.pub)",
            state.lab_key.keyid
        );
        netvet_server::api::serve(state, listen, worker).await
    })
}

pub fn worker(
    config: Config,
    max_jobs: Option<u64>,
    policy: Option<PathBuf>,
) -> anyhow::Result<u64> {
    runtime()?.block_on(async {
        let state = AppState::open(config, Arc::new(LocalEngine::new(policy)?)).await?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            netvet_server::shutdown_signal().await;
            let _ = tx.send(true);
        });
        let id = format!("worker-{}-{}", std::process::id(), netvet_server::new_id());
        netvet_server::jobs::run_worker(state, id, max_jobs, rx).await
    })
}
