//! netvet-server: the evaluation lab as a service.
//!
//! - [`db`]: storage (SQLite by default, PostgreSQL with `--database postgres://...`), one set
//!   of migrations for both; organizations, hashed API tokens, images, jobs.
//! - [`blob`]: images stored once by SHA-256 in a blob store (a local directory, or
//!   S3-compatible storage through `object_store` with a local cache).
//! - [`jobs`]: the job queue. Jobs are claimed with a lease (PostgreSQL: `FOR UPDATE SKIP
//!   LOCKED`); a worker that dies loses nothing: its lease expires and another worker takes the
//!   job; a completion is accepted only from the worker holding the lease, so every job
//!   completes exactly once.
//! - [`attest`]: the lab's signing key and the signed attestations (DSSE envelopes of in-toto
//!   statements) of finished scans, which the network assessment uses as certifications.
//! - [`api`]: the HTTP API (axum) and the server-rendered web UI, every endpoint checking the
//!   caller's organization and role.
//!
//! The scanning itself is an [`Engine`]: the scan engine's `Scanner` (built once by
//! `netvet serve` and `netvet worker`), or a stand-in in tests.

pub mod api;
pub mod attest;
pub mod auth;
pub mod blob;
pub mod db;
pub mod jobs;
pub mod openapi;
pub mod previous;
pub mod ui;

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The image work of the service: scanning, comparing and attesting. Every method is
/// blocking (run on a blocking thread by the worker) and returns typed results, which the
/// worker stores.
///
/// The service runs [`netvet_scan::Scanner`], built once per process (rules compiled once,
/// policy read once); tests put a stand-in here.
pub trait Engine: Send + Sync + 'static {
    /// Scan one image named `name`; the judged report.
    fn scan(&self, image: &Path, name: &str) -> anyhow::Result<netvet_model::Report>;
    /// Binary equivalence of two images.
    fn equiv(&self, a: &Path, b: &Path) -> anyhow::Result<netvet_equiv::EquivReport>;
    /// Release diff of two images.
    fn diff(&self, old: &Path, new: &Path) -> anyhow::Result<netvet_equiv::ReleaseDiff>;
    /// The in-toto statement (unsigned) that attests a stored scan report under the policy
    /// in use; `subject` is the image name. The service signs it with the lab key.
    fn statement(
        &self,
        report: &netvet_model::Report,
        subject: &str,
    ) -> anyhow::Result<serde_json::Value>;
}

impl Engine for netvet_scan::Scanner {
    fn scan(&self, image: &Path, name: &str) -> anyhow::Result<netvet_model::Report> {
        let mut report = netvet_scan::Scanner::scan(self, image)?.report;
        report.image.path = name.to_string();
        Ok(report)
    }

    fn equiv(&self, a: &Path, b: &Path) -> anyhow::Result<netvet_equiv::EquivReport> {
        Ok(netvet_scan::Scanner::equiv(self, a, b)?)
    }

    fn diff(&self, old: &Path, new: &Path) -> anyhow::Result<netvet_equiv::ReleaseDiff> {
        Ok(netvet_scan::Scanner::diff(self, old, new)?)
    }

    /// Judged again under the scanner's policy (the judgement the scan made, with today's
    /// date for waiver expiry).
    fn statement(
        &self,
        report: &netvet_model::Report,
        subject: &str,
    ) -> anyhow::Result<serde_json::Value> {
        Ok(self.restate(report, subject))
    }
}

/// Service configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Data directory (SQLite database and blob store by default).
    pub data: PathBuf,
    /// Database URL; `sqlite://DATA/netvet.sqlite` when `None`.
    pub database: Option<String>,
    /// Largest accepted upload.
    pub max_upload: u64,
    /// How long a claimed job stays leased without a heartbeat.
    pub lease_secs: i64,
    /// A job whose worker vanished this many times is marked failed (a hostile image that
    /// kills every worker must not loop forever).
    pub max_attempts: i64,
    /// Blob store URL (`s3://bucket/prefix`, `file:///dir`); `DATA/blobs` when `None`.
    pub blob_store: Option<String>,
    /// The lab's Ed25519 private key (PEM PKCS#8, `netvet keygen`); `DATA/lab.key` when
    /// `None` (created on the first start if the database has no lab key yet).
    pub lab_key: Option<PathBuf>,
}

impl Config {
    pub fn new(data: PathBuf) -> Config {
        Config {
            data,
            database: None,
            max_upload: 2 << 30,
            lease_secs: 60,
            max_attempts: 3,
            blob_store: None,
            lab_key: None,
        }
    }

    pub fn database_url(&self) -> String {
        self.database.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data.join("netvet.sqlite").display()
            )
        })
    }
}

/// Everything a request handler or worker shares.
#[derive(Clone)]
pub struct AppState {
    pub db: db::Db,
    pub blobs: blob::BlobStore,
    pub engine: Arc<dyn Engine>,
    pub config: Config,
    pub lab_key: Arc<attest::LabKey>,
}

impl AppState {
    pub async fn open(config: Config, engine: Arc<dyn Engine>) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&config.data)
            .map_err(|e| anyhow::anyhow!("data directory {}: {e}", config.data.display()))?;
        let db = db::Db::connect(&config.database_url()).await?;
        db.migrate().await?;
        let blobs = match &config.blob_store {
            None => blob::BlobStore::new(config.data.join("blobs"))?,
            Some(url) => blob::BlobStore::open_url(url, config.data.join("blob-cache"))?,
        };
        let lab_key = attest::LabKey::open(config.lab_key.as_deref(), &config.data, &db).await?;
        Ok(AppState {
            db,
            blobs,
            engine,
            config,
            lab_key: Arc::new(lab_key),
        })
    }
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM (how containers and service managers stop us).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A random identifier (128 bits, hex).
pub fn new_id() -> String {
    let mut b = [0u8; 16];
    let _ = getrandom::fill(&mut b);
    hex::encode(b)
}
