//! `netvet serve` and `netvet worker`: the lab service with one scan engine per process.

use netvet_scan::{ScanError, Scanner};
use netvet_server::{AppState, Config};
use std::path::PathBuf;
use std::sync::Arc;

/// The scan engine of the service: one scanner for the process, with the embedded rules and
/// `policy` (TOML file; the embedded default policy when `None`), checked here so that a bad
/// policy stops the service at start.
pub fn engine(policy: Option<PathBuf>) -> anyhow::Result<Arc<Scanner>> {
    match Scanner::builder().policy(policy).build() {
        Ok(s) => Ok(Arc::new(s)),
        Err(e @ ScanError::Certify(_)) => Err(anyhow::anyhow!("--policy: {e}")),
        Err(e) => Err(e.into()),
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
        let state = AppState::open(config, engine(policy)?).await?;
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
        let state = AppState::open(config, engine(policy)?).await?;
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            netvet_server::shutdown_signal().await;
            let _ = tx.send(true);
        });
        let id = format!("worker-{}-{}", std::process::id(), netvet_server::new_id());
        netvet_server::jobs::run_worker(state, id, max_jobs, rx).await
    })
}
