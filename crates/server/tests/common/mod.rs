//! Shared harness: a service on a loopback port with a fake scan engine, an in-process worker
//! and one token per tenant.
#![allow(dead_code)]

use netvet_server::{AppState, Config, Engine};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A deterministic engine: an image that contains `telnetd` gets an insecure-service finding,
/// judged by the real catalogue and default policy (verdict `fail`); anything else passes.
pub struct FakeEngine;

fn certify_inputs() -> (netvet_certify::Catalogue, netvet_certify::Policy) {
    netvet_certify::load(&netvet_rules::RuleSet::embedded(), None).unwrap()
}

impl Engine for FakeEngine {
    fn scan(&self, image: &Path, name: &str) -> anyhow::Result<netvet_model::Report> {
        let data = std::fs::read(image)?;
        if data.starts_with(b"SLOW") {
            std::thread::sleep(Duration::from_secs(2));
        }
        if data.starts_with(b"BROKEN") {
            anyhow::bail!("{name}: not a firmware image");
        }
        use sha2::Digest;
        let mut r = netvet_model::Report::new(netvet_model::ImageInfo {
            path: name.to_string(),
            sha256: hex::encode(sha2::Sha256::digest(&data)),
            size: data.len() as u64,
        });
        if data.windows(7).any(|w| w == b"telnetd") {
            r.findings.push(netvet_model::Finding::new(
                netvet_model::kinds::SERVICE_INSECURE,
                netvet_model::Severity::High,
                "telnet server started at boot",
                Some("etc/inittab".into()),
                "telnetd -l /bin/sh",
            ));
        }
        r.number_findings();
        let (c, p) = certify_inputs();
        netvet_certify::apply(&mut r, &c, &p);
        Ok(r)
    }
    fn statement(
        &self,
        report: &netvet_model::Report,
        subject: &str,
    ) -> anyhow::Result<serde_json::Value> {
        let (c, p) = certify_inputs();
        let mut r = report.clone();
        let j = netvet_certify::judge(&mut r, &c, &p, netvet_certify::today_utc());
        Ok(netvet_certify::attest::statement(
            subject,
            &r,
            &j,
            &p,
            &c,
            netvet_certify::now_utc(),
        ))
    }
    /// `equivalent` for the same bytes, `different` otherwise (no unpacking).
    fn equiv(&self, a: &Path, b: &Path) -> anyhow::Result<netvet_equiv::EquivReport> {
        let (da, db) = (std::fs::read(a)?, std::fs::read(b)?);
        let side = |p: &Path, d: &[u8]| netvet_equiv::equiv::Side {
            path: p.display().to_string(),
            sha256: sha256_hex(d),
            files: 1,
        };
        Ok(netvet_equiv::EquivReport {
            schema: netvet_equiv::equiv::SCHEMA.into(),
            netvet_version: env!("CARGO_PKG_VERSION").into(),
            a: side(a, &da),
            b: side(b, &db),
            verdict: if da == db {
                netvet_equiv::Verdict::Equivalent
            } else {
                netvet_equiv::Verdict::Different
            },
            normalizations: Vec::new(),
            summary: Default::default(),
            files: Vec::new(),
        })
    }
    /// The release diff of the two fake reports over the unpacked bytes.
    fn diff(&self, old: &Path, new: &Path) -> anyhow::Result<netvet_equiv::ReleaseDiff> {
        let unpacker = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default());
        let (ro, rn) = (self.scan(old, "old")?, self.scan(new, "new")?);
        let (to, tn) = (unpacker.unpack_path(old)?, unpacker.unpack_path(new)?);
        Ok(netvet_equiv::diff(&ro, &to, &rn, &tn))
    }
}

/// PostgreSQL for the tests: a fresh database next to `NETVET_TEST_POSTGRES`, or `None` (with
/// a visible note) when that is unset; a failure when required (`NETVET_REQUIRE_POSTGRES=1`, CI).
pub async fn postgres() -> Option<String> {
    match std::env::var("NETVET_TEST_POSTGRES") {
        Ok(base) if !base.is_empty() => Some(
            netvet_server::db::scratch_postgres(&base)
                .await
                .expect("scratch PostgreSQL database"),
        ),
        _ => {
            netvet_model::testenv::skip(
                "postgres",
                "NETVET_TEST_POSTGRES is not set (scripts/ci-postgres.sh); PostgreSQL test",
            );
            None
        }
    }
}

pub struct Harness {
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub lab: String,
    pub vendor_a: String,
    pub vendor_b: String,
    pub operator: String,
    pub operator2: String,
    _dir: tempfile::TempDir,
    _stop: tokio::sync::watch::Sender<bool>,
}

pub async fn start(database: Option<String>) -> Harness {
    start_with(database, None).await
}

/// With a blob store URL (`file:///...`): `{dir}` is replaced by a temporary directory.
pub async fn start_with(database: Option<String>, blob_store: Option<&str>) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().join("data"));
    config.database = database;
    config.blob_store =
        blob_store.map(|u| u.replace("{dir}", &dir.path().join("remote").display().to_string()));
    config.max_upload = 64 * 1024;
    config.lease_secs = 5;
    let state = AppState::open(config, Arc::new(FakeEngine)).await.unwrap();
    let tok = |org: &'static str, role: &'static str| {
        let db = state.db.clone();
        async move {
            netvet_server::auth::create_token(&db, org, role)
                .await
                .unwrap()
        }
    };
    let lab = tok("Test Lab", "lab").await;
    let vendor_a = tok("Vendor A", "vendor").await;
    let vendor_b = tok("Vendor B", "vendor").await;
    let operator = tok("Operator One", "operator").await;
    let operator2 = tok("Operator Two", "operator").await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = netvet_server::api::router(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    let (stop, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(netvet_server::jobs::run_worker(
        state.clone(),
        "test-worker".into(),
        None,
        rx,
    ));
    Harness {
        base,
        state,
        client: reqwest::Client::new(),
        lab,
        vendor_a,
        vendor_b,
        operator,
        operator2,
        _dir: dir,
        _stop: stop,
    }
}

impl Harness {
    pub fn get(&self, token: &str, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
    }
    pub fn post_json(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
    }

    /// Upload; returns (status, body JSON).
    pub async fn upload(&self, token: &str, name: &str, data: &[u8]) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(format!("{}/api/images?name={name}", self.base))
            .bearer_auth(token)
            .body(data.to_vec())
            .send()
            .await
            .unwrap();
        let code = r.status().as_u16();
        (code, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Wait for a job to finish; returns its JSON.
    pub async fn wait(&self, token: &str, id: &str) -> serde_json::Value {
        let t0 = Instant::now();
        loop {
            let r = self
                .get(token, &format!("/api/jobs/{id}"))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200, "job {id}");
            let v: serde_json::Value = r.json().await.unwrap();
            if v["state"] == "done" || v["state"] == "failed" {
                return v;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "job {id} stuck: {v}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}
