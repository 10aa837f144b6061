//! Signed attestations: an in-toto Statement v1 about an image, in a DSSE envelope signed with
//! Ed25519.
//!
//! * Keys: `PREFIX.key` is the private key as PEM PKCS#8 (`-----BEGIN PRIVATE KEY-----`,
//!   RFC 8410), `PREFIX.pub` the public key as PEM SPKI (`-----BEGIN PUBLIC KEY-----`); both
//!   readable by OpenSSL and the usual crypto libraries. The key id is the hex SHA-256 of the
//!   public key's SPKI DER encoding.
//! * Envelope (DSSE v1): `{"payloadType": "application/vnd.in-toto+json", "payload": base64,
//!   "signatures": [{"keyid": ..., "sig": base64}]}`; the signature is over
//!   `PAE(payloadType, payload)` = `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
//! * Statement: `_type` `https://in-toto.io/Statement/v1`, one subject (image file name and
//!   SHA-256), predicate [`PREDICATE_TYPE`] with the verdict, per-requirement results, policy
//!   and catalogue digests, netvet version, findings summary and time.
//!
//! DSSE and the in-toto statement are small enough that no crate is needed for them; the
//! cryptography and key encodings come from ed25519-dalek (RustCrypto pkcs8/spki).

use crate::catalogue::Catalogue;
use crate::policy::Policy;
use crate::verdict::Judgement;
use base64::Engine as _;
use ed25519_dalek::pkcs8::{
    spki::der::pem::LineEnding, DecodePrivateKey, DecodePublicKey, EncodePrivateKey,
    EncodePublicKey,
};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use netvet_model::{Report, VerdictResult};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const PREDICATE_TYPE: &str = "https://example.invalid/netvet/certification/v1";

/// Largest envelope `verify` reads (bytes).
pub const MAX_ENVELOPE_BYTES: usize = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{0} already exists; not overwriting a key")]
    Exists(String),
    #[error("no randomness from the operating system: {0}")]
    Random(String),
}

/// Why an attestation does not verify. Each message says which check failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("attestation is not a DSSE envelope (truncated or corrupted?): {0}")]
    Malformed(String),
    #[error("attestation payload type is {0:?}, expected {PAYLOAD_TYPE:?}")]
    PayloadType(String),
    #[error("attestation has no signature")]
    Unsigned,
    #[error("signature does not verify with public key {keyid} (wrong key, or the payload was changed after signing)")]
    BadSignature { keyid: String },
    #[error("signed payload is not a netvet in-toto statement: {0}")]
    Statement(String),
    #[error(
        "image digest mismatch: attestation is for sha256:{attested}, image is sha256:{actual}"
    )]
    DigestMismatch { attested: String, actual: String },
}

/// A DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub payload: String,
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    pub signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvelopeSignature {
    #[serde(default)]
    pub keyid: String,
    pub sig: String,
}

/// A verified attestation.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub subject_name: String,
    pub sha256: String,
    pub verdict: VerdictResult,
    pub keyid: String,
    pub statement: serde_json::Value,
}

/// DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + payload_type.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Hex SHA-256 of the public key's SPKI DER encoding.
pub fn key_id(key: &VerifyingKey) -> String {
    match key.to_public_key_der() {
        Ok(der) => hex::encode(Sha256::digest(der.as_bytes())),
        // encoding a valid 32-byte key cannot fail; fall back to the raw key
        Err(_) => hex::encode(Sha256::digest(key.as_bytes())),
    }
}

/// A fresh key pair as (private PEM PKCS#8, public PEM SPKI).
pub fn generate_keypair() -> Result<(String, String), KeyError> {
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let sk = SigningKey::from_bytes(&seed);
    let private = sk
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Format {
            file: "new key".into(),
            message: e.to_string(),
        })?
        .to_string();
    let public = sk
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| KeyError::Format {
            file: "new key".into(),
            message: e.to_string(),
        })?;
    Ok((private, public))
}

/// Write `PREFIX.key` (mode 0600) and `PREFIX.pub`; never overwrites an existing file.
pub fn write_keypair(prefix: &Path) -> Result<(PathBuf, PathBuf), KeyError> {
    let with_ext = |ext: &str| {
        let mut s = prefix.as_os_str().to_os_string();
        s.push(ext);
        PathBuf::from(s)
    };
    let (key_path, pub_path) = (with_ext(".key"), with_ext(".pub"));
    for p in [&key_path, &pub_path] {
        if p.exists() {
            return Err(KeyError::Exists(p.display().to_string()));
        }
    }
    let (private, public) = generate_keypair()?;
    let io = |p: &Path| {
        let file = p.display().to_string();
        move |source| KeyError::Io { file, source }
    };
    {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&key_path).map_err(io(&key_path))?;
        f.write_all(private.as_bytes()).map_err(io(&key_path))?;
    }
    std::fs::write(&pub_path, public).map_err(io(&pub_path))?;
    Ok((key_path, pub_path))
}

fn read_small(path: &Path) -> Result<String, KeyError> {
    let file = path.display().to_string();
    let md = std::fs::metadata(path).map_err(|source| KeyError::Io {
        file: file.clone(),
        source,
    })?;
    if md.len() > 64 * 1024 {
        return Err(KeyError::Format {
            file,
            message: "too large for a key file".into(),
        });
    }
    let b = std::fs::read(path).map_err(|source| KeyError::Io {
        file: file.clone(),
        source,
    })?;
    String::from_utf8(b).map_err(|_| KeyError::Format {
        file,
        message: "not a PEM text file".into(),
    })
}

/// Private key from PEM PKCS#8 text (`file` names it in errors).
pub fn signing_key_from_pem(pem: &str, file: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::Format {
        file: file.to_string(),
        message: format!("not an Ed25519 private key in PEM PKCS#8 form ({e})"),
    })
}

/// Public key from PEM SPKI text.
pub fn verifying_key_from_pem(pem: &str, file: &str) -> Result<VerifyingKey, KeyError> {
    VerifyingKey::from_public_key_pem(pem).map_err(|e| KeyError::Format {
        file: file.to_string(),
        message: format!("not an Ed25519 public key in PEM SPKI form ({e})"),
    })
}

pub fn load_signing_key(path: &Path) -> Result<SigningKey, KeyError> {
    signing_key_from_pem(&read_small(path)?, &path.display().to_string())
}

pub fn load_verifying_key(path: &Path) -> Result<VerifyingKey, KeyError> {
    verifying_key_from_pem(&read_small(path)?, &path.display().to_string())
}

/// The in-toto Statement for a judged report. `subject_name` is the image's file name.
pub fn statement(
    subject_name: &str,
    report: &Report,
    judgement: &Judgement,
    policy: &Policy,
    catalogue: &Catalogue,
    time: time::OffsetDateTime,
) -> serde_json::Value {
    let when = time
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut st = json!({
        "_type": STATEMENT_TYPE,
        "subject": [{"name": subject_name, "digest": {"sha256": report.image.sha256}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "verdict": judgement.verdict.result,
            "requirements": judgement.verdict.requirements,
            "policy": {"name": policy.name, "version": policy.version,
                       "digest": {"sha256": policy.digest}},
            "catalogue": {"version": catalogue.version, "digest": {"sha256": catalogue.digest}},
            "netvet_version": report.netvet_version,
            "image_size": report.image.size,
            "findings": judgement.summary(report),
            "waivers": judgement.applied_waivers,
            "time": when,
        }
    });
    let pred = &mut st["predicate"];
    if !judgement.verdict.regimes.is_empty() {
        pred["regimes"] = json!(judgement.verdict.regimes);
    }
    if let Some(d) = &judgement.verdict.date {
        pred["verdict_date"] = json!(d);
    }
    if policy.evidence.origin.is_some() {
        // the evidence that decided requirements, bound by digest (documents included)
        pred["evidence"] = json!({
            "digest": {"sha256": policy.evidence.digest},
            "items": policy.evidence.items,
        });
    }
    st
}

/// Sign `payload` (the serialized statement) into a DSSE envelope.
pub fn sign(payload: &[u8], key: &SigningKey) -> Envelope {
    let sig: Signature = key.sign(&pae(PAYLOAD_TYPE, payload));
    let b64 = base64::engine::general_purpose::STANDARD;
    Envelope {
        payload: b64.encode(payload),
        payload_type: PAYLOAD_TYPE.to_string(),
        signatures: vec![EnvelopeSignature {
            keyid: key_id(&key.verifying_key()),
            sig: b64.encode(sig.to_bytes()),
        }],
    }
}

/// Serialize, sign and render a statement as envelope JSON text.
pub fn sign_statement(statement: &serde_json::Value, key: &SigningKey) -> String {
    let payload = serde_json::to_vec(statement).unwrap_or_default();
    let env = sign(&payload, key);
    let mut s = serde_json::to_string_pretty(&env).unwrap_or_default();
    s.push('\n');
    s
}

pub(crate) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let s = s.trim();
    STANDARD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .or_else(|_| URL_SAFE_NO_PAD.decode(s))
        .ok()
}

/// Verify envelope `bytes` with `key` for an image whose SHA-256 (hex) is `image_sha256`:
/// the signature over the DSSE PAE, the statement's form, and the subject digest.
pub fn verify(
    bytes: &[u8],
    key: &VerifyingKey,
    image_sha256: &str,
) -> Result<Verified, VerifyError> {
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(VerifyError::Malformed(format!(
            "{} bytes is larger than any attestation netvet writes",
            bytes.len()
        )));
    }
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if env.payload_type != PAYLOAD_TYPE {
        return Err(VerifyError::PayloadType(env.payload_type));
    }
    let payload = b64_decode(&env.payload)
        .ok_or_else(|| VerifyError::Malformed("payload is not base64".into()))?;
    if env.signatures.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    let keyid = key_id(key);
    let message = pae(&env.payload_type, &payload);
    let ok = env.signatures.iter().take(64).any(|s| {
        b64_decode(&s.sig)
            .and_then(|b| Signature::from_slice(&b).ok())
            .is_some_and(|sig| key.verify_strict(&message, &sig).is_ok())
    });
    if !ok {
        return Err(VerifyError::BadSignature { keyid });
    }
    let st: serde_json::Value =
        serde_json::from_slice(&payload).map_err(|e| VerifyError::Statement(e.to_string()))?;
    if st["_type"] != STATEMENT_TYPE {
        return Err(VerifyError::Statement(format!("_type is {}", st["_type"])));
    }
    if st["predicateType"] != PREDICATE_TYPE {
        return Err(VerifyError::Statement(format!(
            "predicateType is {}",
            st["predicateType"]
        )));
    }
    let subject = &st["subject"][0];
    let attested = subject["digest"]["sha256"]
        .as_str()
        .ok_or_else(|| VerifyError::Statement("subject has no sha256 digest".into()))?
        .to_ascii_lowercase();
    let actual = image_sha256.to_ascii_lowercase();
    if attested != actual {
        return Err(VerifyError::DigestMismatch { attested, actual });
    }
    let verdict = st["predicate"]["verdict"]
        .as_str()
        .ok_or_else(|| VerifyError::Statement("predicate has no verdict".into()))?
        .parse::<VerdictResult>()
        .map_err(VerifyError::Statement)?;
    Ok(Verified {
        subject_name: subject["name"].as_str().unwrap_or("").to_string(),
        sha256: attested,
        verdict,
        keyid,
        statement: st,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{judge, Catalogue, Policy};
    use netvet_model::{kinds, Finding, ImageInfo, Severity};
    use netvet_rules::RuleSet;

    const DIGEST: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    fn signed(sk: &SigningKey) -> String {
        let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
        let p = Policy::default_from(&RuleSet::embedded(), &c).unwrap();
        let mut r = Report::new(ImageInfo {
            path: "fw.bin".into(),
            sha256: DIGEST.into(),
            size: 4,
        });
        r.findings.push(Finding::new(
            kinds::CONFIG_SSH_ROOT_LOGIN,
            Severity::High,
            "root login",
            Some("etc/ssh/sshd_config".into()),
            "PermitRootLogin yes",
        ));
        r.number_findings();
        let j = judge(&mut r, &c, &p, crate::today_utc());
        let st = statement("fw.bin", &r, &j, &p, &c, time::OffsetDateTime::UNIX_EPOCH);
        sign_statement(&st, sk)
    }

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // example from the DSSE protocol description
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn sign_then_verify_round_trip() {
        let sk = key(7);
        let env = signed(&sk);
        let v = verify(env.as_bytes(), &sk.verifying_key(), DIGEST).unwrap();
        assert_eq!(v.verdict, VerdictResult::Fail);
        assert_eq!(v.subject_name, "fw.bin");
        assert_eq!(v.sha256, DIGEST);
        let pred = &v.statement["predicate"];
        assert_eq!(pred["policy"]["name"], "netvet-default");
        assert_eq!(pred["catalogue"]["version"], "2026.1");
        assert_eq!(pred["findings"]["total"], 1);
        assert_eq!(pred["time"], "1970-01-01T00:00:00Z");
        let req = pred["requirements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "TS33117-4.3.2.6")
            .unwrap();
        assert_eq!(req["status"], "fail");
        let e: Envelope = serde_json::from_str(&env).unwrap();
        assert_eq!(e.signatures[0].keyid, key_id(&sk.verifying_key()));
        assert_eq!(e.payload_type, PAYLOAD_TYPE);
    }

    #[test]
    fn tampered_image_fails_with_digest_mismatch() {
        let sk = key(7);
        let env = signed(&sk);
        let other = "0".repeat(64);
        let e = verify(env.as_bytes(), &sk.verifying_key(), &other).unwrap_err();
        assert!(matches!(e, VerifyError::DigestMismatch { .. }), "{e}");
        assert!(e.to_string().starts_with("image digest mismatch"), "{e}");
    }

    #[test]
    fn tampered_payload_fails_signature() {
        let sk = key(7);
        let mut e: Envelope = serde_json::from_str(&signed(&sk)).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let payload = String::from_utf8(b64.decode(&e.payload).unwrap()).unwrap();
        let forged = payload.replace("\"verdict\":\"fail\"", "\"verdict\":\"pass\"");
        assert_ne!(payload, forged);
        e.payload = b64.encode(forged);
        let text = serde_json::to_string(&e).unwrap();
        let err = verify(text.as_bytes(), &sk.verifying_key(), DIGEST).unwrap_err();
        assert!(matches!(err, VerifyError::BadSignature { .. }), "{err}");
    }

    #[test]
    fn wrong_key_fails_signature() {
        let env = signed(&key(7));
        let err = verify(env.as_bytes(), &key(8).verifying_key(), DIGEST).unwrap_err();
        assert_eq!(
            err,
            VerifyError::BadSignature {
                keyid: key_id(&key(8).verifying_key())
            }
        );
    }

    #[test]
    fn truncated_or_odd_envelopes_fail_clearly() {
        let sk = key(7);
        let env = signed(&sk);
        for cut in [0, 1, env.len() / 2, env.len() - 3] {
            let err = verify(&env.as_bytes()[..cut], &sk.verifying_key(), DIGEST).unwrap_err();
            assert!(matches!(err, VerifyError::Malformed(_)), "cut {cut}: {err}");
            assert!(err.to_string().contains("truncated"), "{err}");
        }
        let mut e: Envelope = serde_json::from_str(&env).unwrap();
        e.signatures.clear();
        let t = serde_json::to_string(&e).unwrap();
        assert_eq!(
            verify(t.as_bytes(), &sk.verifying_key(), DIGEST),
            Err(VerifyError::Unsigned)
        );
        let mut e: Envelope = serde_json::from_str(&env).unwrap();
        e.payload_type = "text/plain".into();
        let t = serde_json::to_string(&e).unwrap();
        assert!(matches!(
            verify(t.as_bytes(), &sk.verifying_key(), DIGEST),
            Err(VerifyError::PayloadType(_))
        ));
        let mut e: Envelope = serde_json::from_str(&env).unwrap();
        e.signatures[0].sig = "!!".into();
        let t = serde_json::to_string(&e).unwrap();
        assert!(matches!(
            verify(t.as_bytes(), &sk.verifying_key(), DIGEST),
            Err(VerifyError::BadSignature { .. })
        ));
    }

    #[test]
    fn keys_round_trip_through_pem_files() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("lab");
        let (k, p) = write_keypair(&prefix).unwrap();
        assert_eq!(k, dir.path().join("lab.key"));
        let kt = std::fs::read_to_string(&k).unwrap();
        let pt = std::fs::read_to_string(&p).unwrap();
        assert!(kt.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{kt}");
        assert!(pt.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pt}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&k).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let sk = load_signing_key(&k).unwrap();
        let vk = load_verifying_key(&p).unwrap();
        assert_eq!(sk.verifying_key(), vk);
        assert!(matches!(write_keypair(&prefix), Err(KeyError::Exists(_))));
        let e = load_verifying_key(&k).unwrap_err().to_string();
        assert!(e.contains("lab.key: not an Ed25519 public key"), "{e}");
        let e = load_signing_key(&dir.path().join("missing.key"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.key"), "{e}");
    }
}
