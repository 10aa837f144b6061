//! The lab's signing key and the signed attestations of stored scans.
//!
//! One Ed25519 key per lab (per database): `--lab-key FILE` (a `netvet keygen` private key),
//! or `DATA/lab.key` (generated with `DATA/lab.pub` on the first start when there is neither).
//! Its public half is recorded in the database (`lab_keys`); a process whose key differs from
//! the recorded one refuses to start, so every attestation of the lab verifies with the one
//! public key served at `/api/lab-key.pub`.
//!
//! A worker signs the attestation of a scan when the scan finishes (the in-toto statement
//! comes from the [`crate::Engine`], which knows the policy in use); a finished scan stored
//! without one (scanned before signing was wired, or the engine could not make it then) is
//! attested on demand, and the envelope stored.

use crate::db::{Job, JobKind, JobState};
use crate::AppState;
use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use netvet_certify::{attest, CertRecord};
use std::path::Path;

/// The lab's key pair.
pub struct LabKey {
    signing: SigningKey,
    /// Public key as PEM SPKI (what `netvet keygen` writes to `PREFIX.pub`).
    pub public_pem: String,
    /// Hex SHA-256 of the public key's SPKI DER (the DSSE `keyid`).
    pub keyid: String,
}

impl std::fmt::Debug for LabKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LabKey")
            .field("keyid", &self.keyid)
            .finish_non_exhaustive()
    }
}

impl LabKey {
    pub fn from_signing_key(signing: SigningKey) -> anyhow::Result<LabKey> {
        let vk = signing.verifying_key();
        let public_pem = vk
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| anyhow::anyhow!("cannot encode the lab public key: {e}"))?;
        Ok(LabKey {
            keyid: attest::key_id(&vk),
            public_pem,
            signing,
        })
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// Sign an in-toto statement into DSSE envelope JSON text.
    pub fn sign(&self, statement: &serde_json::Value) -> String {
        attest::sign_statement(statement, &self.signing)
    }

    /// Load the key of this process (`configured`, else `DATA/lab.key`, else a new one when
    /// the database has none yet) and check it against the database's lab key.
    pub async fn open(
        configured: Option<&Path>,
        data: &Path,
        db: &crate::db::Db,
    ) -> anyhow::Result<LabKey> {
        let recorded = db.lab_key().await?;
        let default = data.join("lab.key");
        let key = if let Some(p) = configured {
            attest::load_signing_key(p).map_err(|e| anyhow::anyhow!("--lab-key: {e}"))?
        } else if default.exists() {
            attest::load_signing_key(&default)?
        } else if let Some((keyid, _)) = &recorded {
            anyhow::bail!(
                "this database's lab key is {keyid} and this process has no key: give it the \
                 same key with --lab-key FILE (or the data directory of `netvet serve`)"
            );
        } else {
            match attest::write_keypair(&data.join("lab")) {
                Ok((k, _)) => eprintln!("netvet: created the lab signing key {}", k.display()),
                // another process of the lab created it at the same time
                Err(attest::KeyError::Exists(_)) => {}
                Err(e) => return Err(anyhow::anyhow!("cannot create the lab key: {e}")),
            }
            attest::load_signing_key(&default)?
        };
        let key = LabKey::from_signing_key(key)?;
        let recorded = match recorded {
            Some(r) => r,
            None => db.record_lab_key(&key.keyid, &key.public_pem).await?,
        };
        if recorded.0 != key.keyid {
            anyhow::bail!(
                "lab key mismatch: this database's attestations are signed with key {}, this \
                 process has key {}; give every `netvet serve` and `netvet worker` of the lab the \
                 same --lab-key",
                recorded.0,
                key.keyid
            );
        }
        Ok(key)
    }
}

/// The statement of a stored scan report, from the engine, signed with the lab key.
/// Blocking (judging runs on the caller's thread).
pub fn sign_report(
    state: &AppState,
    report: &netvet_model::Report,
    subject: &str,
) -> anyhow::Result<String> {
    let st = state.engine.statement(report, subject)?;
    Ok(state.lab_key.sign(&st))
}

/// The attestation of a finished scan: the stored one, or a new one made now and stored.
pub async fn ensure(state: &AppState, job: &Job) -> anyhow::Result<String> {
    if let Some(a) = &job.attestation {
        return Ok(a.clone());
    }
    if job.kind != JobKind::Scan || job.state != JobState::Done {
        anyhow::bail!("job {} is not a finished scan", job.id);
    }
    let result = job
        .result
        .clone()
        .ok_or_else(|| anyhow::anyhow!("scan {} has no stored report", job.id))?;
    let subject = job.image_name.clone().unwrap_or_else(|| "image".into());
    let st = state.clone();
    let env = tokio::task::spawn_blocking(move || -> anyhow::Result<String> {
        let report: netvet_model::Report = serde_json::from_str(&result)
            .map_err(|e| anyhow::anyhow!("stored report unreadable: {e}"))?;
        sign_report(&st, &report, &subject)
    })
    .await
    .map_err(|e| anyhow::anyhow!("attestation task failed: {e}"))??;
    // another request may have stored one meanwhile: the first stored stays
    state.db.set_attestation(&job.id, &env).await?;
    Ok(state
        .db
        .job(&job.id)
        .await?
        .and_then(|j| j.attestation)
        .unwrap_or(env))
}

/// Most certifications one network assessment reads.
pub const MAX_CERTIFICATIONS: usize = 10_000;

/// Every finished scan's attestation (made now where missing), verified with the lab key
/// against the stored image: the certification records of the network assessment.
pub async fn certifications(state: &AppState) -> anyhow::Result<Vec<CertRecord>> {
    let keys = [state.lab_key.verifying_key()];
    let mut out = Vec::new();
    for c in state
        .db
        .certifications()
        .await?
        .into_iter()
        .take(MAX_CERTIFICATIONS)
    {
        let env = match c.attestation {
            Some(a) => Ok(a),
            None => match state.db.job(&c.job_id).await? {
                Some(j) => ensure(state, &j).await,
                None => continue,
            },
        };
        let source = format!("lab scan {}", c.job_id);
        out.push(match env {
            Ok(env) => {
                let mut r = CertRecord::from_attestation(
                    &source,
                    env.as_bytes(),
                    &keys,
                    Some(&c.image_sha256),
                );
                if !r.signature_ok {
                    // what the lab stored, not what an unverified envelope claims
                    r.subject_name = c.image_name;
                    r.verdict = c.verdict;
                }
                r
            }
            Err(e) => {
                let mut r = CertRecord::unattested(
                    &source,
                    &c.image_name,
                    &c.image_sha256,
                    format!("no attestation: {e:#}"),
                );
                r.verdict = c.verdict;
                r
            }
        });
    }
    Ok(out)
}
