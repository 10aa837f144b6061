//! The certification record: one attested (or imported) certification of one firmware, as
//! the network assessment reads it. `netvet network --certs DIR` makes these from the
//! attestation files of a directory, the lab service from its stored attestations, and the
//! network crate from imported certificate lists; all three use this one type.

use crate::attest::{self, Envelope};
use ed25519_dalek::VerifyingKey;
use netvet_model::VerdictResult;
use serde::Serialize;

/// One certification of one firmware.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertRecord {
    /// Where it comes from: an attestation file, `FILE:LINE` of a certificate list, or
    /// `lab scan JOB_ID` in the lab service.
    pub file: String,
    /// Subject name of the in-toto statement (the image name).
    pub subject_name: String,
    /// Subject SHA-256 (lower-case hex).
    pub sha256: String,
    /// The certified verdict; `None` when the attestation states none this version knows.
    pub verdict: Option<VerdictResult>,
    /// Signature verified against a trusted key.
    pub signature_ok: bool,
    /// Why the attestation could not be used, if it could not.
    pub problem: Option<String>,
    /// Certification scheme (`nesas`, `cc`, `bsz`, ...); empty means a netvet attestation
    /// (scheme `netvet`), see [`CertRecord::scheme`].
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scheme: String,
    /// Certificate number of an imported certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// Product and version an imported certificate without a digest covers (matched against
    /// the inventory's `product` and `software_version`, case-insensitively).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub product: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub software_version: String,
    /// Last day (`YYYY-MM-DD`) the certificate is valid; after it the element is uncertified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// What an attestation says about itself before any check.
#[derive(Debug, Default)]
struct Claims {
    name: String,
    sha256: String,
    verdict: Option<VerdictResult>,
    scheme: String,
}

/// The claims of `bytes` when they are a DSSE envelope whose payload is JSON.
fn claims(bytes: &[u8]) -> Option<Claims> {
    if bytes.len() > attest::MAX_ENVELOPE_BYTES {
        return None;
    }
    let env: Envelope = serde_json::from_slice(bytes).ok()?;
    let payload = attest::b64_decode(&env.payload)?;
    let st: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    let subject = &st["subject"][0];
    let pred = &st["predicate"];
    Some(Claims {
        name: subject["name"].as_str().unwrap_or("").to_string(),
        sha256: subject["digest"]["sha256"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase(),
        verdict: pred["verdict"]["result"]
            .as_str()
            .or_else(|| pred["verdict"].as_str())
            .and_then(|v| v.parse().ok()),
        scheme: pred["scheme"]
            .as_str()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    })
}

impl CertRecord {
    /// The scheme, `netvet` for netvet's own attestations.
    pub fn scheme(&self) -> &str {
        if self.scheme.is_empty() {
            "netvet"
        } else {
            &self.scheme
        }
    }

    /// Whether `bytes` look like an attestation (a DSSE envelope with a JSON payload), which
    /// [`CertRecord::from_attestation`] can judge.
    pub fn is_attestation(bytes: &[u8]) -> bool {
        claims(bytes).is_some()
    }

    /// The record of attestation `bytes` from `source`, checked with the trusted `keys`: its
    /// subject must be `image_sha256` when the caller knows the image (the lab service's
    /// stored image), else the digest it claims. A record that does not verify keeps what
    /// the attestation claims, with `signature_ok` false and the reason in `problem`.
    pub fn from_attestation(
        source: &str,
        bytes: &[u8],
        keys: &[VerifyingKey],
        image_sha256: Option<&str>,
    ) -> CertRecord {
        let c = claims(bytes).unwrap_or_default();
        let expected = image_sha256
            .map(str::to_ascii_lowercase)
            .unwrap_or_else(|| c.sha256.clone());
        let mut problem = keys
            .is_empty()
            .then(|| "no trusted lab key to check the attestation with".to_string());
        for k in keys {
            match attest::verify(bytes, k, &expected) {
                Ok(v) => {
                    return CertRecord {
                        file: source.to_string(),
                        subject_name: v.subject_name,
                        sha256: v.sha256,
                        verdict: Some(v.verdict),
                        signature_ok: true,
                        problem: None,
                        scheme: c.scheme,
                        ..Default::default()
                    }
                }
                // a bad signature under one key says nothing while other keys remain; the
                // last key's reason is reported
                Err(e) => problem = Some(e.to_string()),
            }
        }
        CertRecord {
            file: source.to_string(),
            subject_name: c.name,
            sha256: expected,
            verdict: c.verdict,
            signature_ok: false,
            problem,
            scheme: c.scheme,
            ..Default::default()
        }
    }

    /// A record for a certification whose attestation is missing or unreadable.
    pub fn unattested(source: &str, subject_name: &str, sha256: &str, why: String) -> CertRecord {
        CertRecord {
            file: source.to_string(),
            subject_name: subject_name.to_string(),
            sha256: sha256.to_ascii_lowercase(),
            problem: Some(why),
            ..Default::default()
        }
    }

    /// Whether the verdict passes: `pass`, or `conditional` where the caller accepts it.
    pub fn passes(&self, accept_conditional: bool) -> bool {
        match self.verdict {
            Some(VerdictResult::Pass) => true,
            Some(VerdictResult::Conditional) => accept_conditional,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{judge, Catalogue, Policy};
    use ed25519_dalek::SigningKey;
    use netvet_model::{ImageInfo, Report};
    use netvet_rules::RuleSet;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn envelope(key: &SigningKey) -> String {
        let rules = RuleSet::embedded();
        let cat = Catalogue::from_rules(&rules).unwrap();
        let pol = Policy::default_from(&rules, &cat).unwrap();
        let mut r = Report::new(ImageInfo {
            path: "fw.bin".into(),
            sha256: DIGEST.into(),
            size: 4,
        });
        let j = judge(&mut r, &cat, &pol, crate::today_utc());
        let st = attest::statement("fw.bin", &r, &j, &pol, &cat, crate::now_utc());
        attest::sign_statement(&st, key)
    }

    #[test]
    fn verified_unverified_and_not_an_attestation() {
        let lab = SigningKey::from_bytes(&[7u8; 32]);
        let other = SigningKey::from_bytes(&[9u8; 32]);
        let env = envelope(&lab);
        assert!(CertRecord::is_attestation(env.as_bytes()));
        assert!(!CertRecord::is_attestation(b"scheme,certificate_id\n"));

        let keys = [other.verifying_key(), lab.verifying_key()];
        let r = CertRecord::from_attestation("fw.att", env.as_bytes(), &keys, None);
        assert!(r.signature_ok, "{r:?}");
        assert_eq!(r.problem, None);
        assert_eq!(r.sha256, DIGEST);
        assert_eq!(r.subject_name, "fw.bin");
        assert_eq!(r.verdict, Some(VerdictResult::Pass));
        assert_eq!(r.scheme(), "netvet");
        assert!(r.passes(false));

        let r = CertRecord::from_attestation("fw.att", env.as_bytes(), &keys[..1], None);
        assert!(!r.signature_ok);
        assert!(r
            .problem
            .as_deref()
            .unwrap()
            .starts_with("signature does not verify"));
        // what it claims is kept for the report
        assert_eq!(r.verdict, Some(VerdictResult::Pass));
        assert_eq!(r.sha256, DIGEST);

        let other_image = "00".repeat(32);
        let r =
            CertRecord::from_attestation("lab scan 1", env.as_bytes(), &keys, Some(&other_image));
        assert!(!r.signature_ok);
        assert!(r
            .problem
            .as_deref()
            .unwrap()
            .starts_with("image digest mismatch"));
        assert_eq!(r.sha256, other_image);

        let r = CertRecord::from_attestation("x", env.as_bytes(), &[], None);
        assert!(!r.signature_ok);
        assert!(r.problem.as_deref().unwrap().contains("no trusted lab key"));
    }
}
