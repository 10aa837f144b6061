//! Credentials shared across images: `credential.shared-across-images`.
//!
//! One image cannot show that its password or key is also in another product; several
//! reports scanned together can. Two parts:
//!
//! - [`CredentialMaterial`], an analyzer run on every image, records in the report's
//!   `credential_material` summary a SHA-256 digest of every password hash of an account
//!   database (`etc/shadow`, `etc/passwd`, ...; locked and empty fields are skipped), with
//!   the account and file. Only the digest is stored, so a database of earlier reports does
//!   not become a collection of password hashes.
//! - [`shared_across`] takes several reports and returns, per report, one finding for every
//!   password hash digest or private key (by the public-key fingerprint of its `key.private`
//!   finding, `SHA256:...`, so that one key in PEM in one image and in Dropbear format in
//!   another is the same key) that also occurs in another report of a different image
//!   (images with the same SHA-256 are the same image and are not compared). `netvet scan`
//!   given several images calls it.
//!
//! Severity: high for a private key (whoever extracts it from one product can impersonate or
//! decrypt every device of every product that ships it), medium for a password hash (the
//! same password, with the same salt, in several products: one cracked or leaked password
//! opens them all; the per-image findings `credential.default-password` rate the password
//! itself).
//!
//! Not covered: private keys whose public key cannot be read (encrypted PKCS#8, files that
//! hold only the private half in a format the keys analyzer does not parse), and hashes of the
//! same password with different salts (which are, by design, not comparable).

use crate::credentials::{classify, db_kind, parse_db, DbKind, PasswordField};
use crate::{Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Report, Severity};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

pub const SUMMARY: &str = "credential_material";

/// Records digests of password hashes (see the module documentation).
pub struct CredentialMaterial;

/// SHA-256 (hex) of a password hash string, as stored in the summary.
pub fn hash_digest(hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"netvet password hash\0");
    h.update(hash.as_bytes());
    hex::encode(h.finalize())
}

impl Analyzer for CredentialMaterial {
    fn name(&self) -> &'static str {
        "credential-material"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut list: Vec<Value> = Vec::new();
        let mut seen = BTreeSet::new();
        for e in cx.tree.files() {
            let Some(kind) = db_kind(e.file_name()) else {
                continue;
            };
            if kind == DbKind::Group {
                continue;
            }
            let Some(records) = parse_db(kind, &e.data) else {
                continue;
            };
            for r in records {
                let PasswordField::Hash(scheme) = classify(&r.password) else {
                    continue;
                };
                let digest = hash_digest(&r.password);
                if !seen.insert((e.path.clone(), r.name.clone(), digest.clone())) {
                    continue;
                }
                list.push(json!({
                    "type": "password-hash",
                    "digest": digest,
                    "account": r.name,
                    "scheme": scheme.name(),
                    "path": e.path,
                    "line": r.line,
                }));
            }
        }
        let mut out = Output::default();
        if !list.is_empty() {
            out.summaries.push((SUMMARY.into(), Value::Array(list)));
        }
        out
    }
}

/// One piece of credential material of one report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Material {
    /// `password-hash` or `private-key`.
    pub kind: &'static str,
    /// Digest of the hash, or the key's `SHA256:` fingerprint.
    pub identity: String,
    /// Where, with the account or key description.
    pub path: String,
    pub detail: String,
}

/// The `SHA256:...` fingerprint in a `key.private` finding's evidence.
fn fingerprint(evidence: &str) -> Option<String> {
    let i = evidence.find("SHA256:")?;
    let fp: String = evidence[i..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '+' | '/' | '='))
        .collect();
    (fp.len() > "SHA256:".len() + 20).then_some(fp)
}

/// Credential material of a report: password-hash digests from its summary, private-key
/// fingerprints from its `key.private` findings.
pub fn material(report: &Report) -> Vec<Material> {
    let mut out = Vec::new();
    if let Some(Value::Array(list)) = report.summaries.get(SUMMARY) {
        for v in list {
            if v["type"] != "password-hash" {
                continue;
            }
            let (Some(d), Some(p)) = (v["digest"].as_str(), v["path"].as_str()) else {
                continue;
            };
            out.push(Material {
                kind: "password-hash",
                identity: d.to_string(),
                path: p.to_string(),
                detail: format!(
                    "password hash of account '{}' ({})",
                    v["account"].as_str().unwrap_or("?"),
                    v["scheme"].as_str().unwrap_or("?")
                ),
            });
        }
    }
    for f in report
        .findings
        .iter()
        .filter(|f| f.kind == kinds::KEY_PRIVATE)
    {
        if let Some(fp) = fingerprint(&f.evidence) {
            out.push(Material {
                kind: "private-key",
                identity: fp.clone(),
                path: f.path.clone().unwrap_or_default(),
                detail: format!("private key {fp} ({})", f.title),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Findings for material that several images share: `(index of the report, finding)`, in
/// report order. `reports` are `(label, report)`; the label (a file name) names the other
/// images in the evidence.
pub fn shared_across(reports: &[(String, &Report)]) -> Vec<(usize, Finding)> {
    // identity -> [(report index, material)]
    let mut by_id: BTreeMap<(&'static str, String), Vec<(usize, Material)>> = BTreeMap::new();
    for (i, (_, r)) in reports.iter().enumerate() {
        for m in material(r) {
            by_id
                .entry((m.kind, m.identity.clone()))
                .or_default()
                .push((i, m));
        }
    }
    let mut out = Vec::new();
    for ((kind, _), holders) in by_id {
        // distinct images (by digest; an unknown digest counts as its own image)
        let images: BTreeSet<String> = holders
            .iter()
            .map(|(i, _)| {
                let sha = &reports[*i].1.image.sha256;
                if sha.is_empty() {
                    format!("#{i}")
                } else {
                    sha.clone()
                }
            })
            .collect();
        if images.len() < 2 {
            continue;
        }
        for (i, m) in &holders {
            let mine = &reports[*i].1.image.sha256;
            let others: Vec<String> = holders
                .iter()
                .filter(|(j, _)| j != i && (mine.is_empty() || &reports[*j].1.image.sha256 != mine))
                .map(|(j, o)| format!("{} ({})", reports[*j].0, o.path))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if others.is_empty() {
                continue;
            }
            let (severity, title) = if kind == "private-key" {
                (Severity::High, "Private key shared with other images")
            } else {
                (Severity::Medium, "Password hash shared with other images")
            };
            out.push((
                *i,
                Finding::new(
                    kinds::CREDENTIAL_SHARED_ACROSS_IMAGES,
                    severity,
                    title,
                    Some(m.path.clone()),
                    format!(
                        "{}: {} is also in {} other image(s): {}",
                        m.path,
                        m.detail,
                        others.len(),
                        others.join(", ")
                    ),
                )
                .with_key(&m.identity),
            ));
        }
    }
    out.sort_by(|a, b| (a.0, &a.1.path, &a.1.evidence).cmp(&(b.0, &b.1.path, &b.1.evidence)));
    out
}
