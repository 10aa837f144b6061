//! X.509 certificates: parsing (`x509-parser`), DER certificates embedded in binaries, trust
//! stores and trust anchors. The findings are made by the keys analyzer ([`crate::keys`]),
//! which also matches certificates with the private keys shipped next to them.
//!
//! What is judged, at the analyzer's "now" (`Options::now`, so that a report is
//! reproducible):
//! - validity: past `notAfter` (`key.certificate-expired`, medium) or before `notBefore`
//!   (`key.certificate-not-yet-valid`, low: a TLS peer rejects it until then; it shows a
//!   certificate made on a machine with a wrong clock or meant for later);
//! - weakness (`key.certificate-weak`, medium): an MD2/MD5/SHA-1 signature, an RSA key under
//!   2048 bits, DSA, an EC key under 224 bits;
//! - trust anchors (`key.certificate-untrusted-ca`): a self-signed CA certificate shipped
//!   outside the system trust store (`etc/ssl/certs/`, CA bundles) and not a copy of one of
//!   its roots. Whoever holds its private key can issue certificates the device accepts for
//!   whatever it uses the anchor for (update server, cloud, management). Low when only the
//!   certificate is shipped (an evaluator checks who controls it); high when its private key
//!   is in the image too: anyone who extracts the image can then issue such certificates.
//!
//! DER certificates inside binaries are found by their first bytes: a certificate is
//! `SEQUENCE { SEQUENCE (tbsCertificate) ...}`, and any certificate of 256 bytes or more
//! starts `30 82 LL LL 30 82` (long-form two-byte lengths); the candidate's length is read
//! from `LL LL` and the bytes are handed to `x509-parser`, which decides.

use crate::keys::{bit_len, curve_of, ec_info, int, put_mpint, put_string, rsa_info, KeyInfo};
use sha2::{Digest, Sha256};
use x509_parser::der_parser::parse_der;

/// DER certificates read from one file at most (a statically linked CA bundle has a few
/// hundred).
pub const MAX_DER_CERTS: usize = 1024;
/// `30 82` candidates tried per file at most (compressed data is full of them).
const MAX_DER_CANDIDATES: usize = 1 << 16;

/// What matters about a certificate.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: i64,
    pub not_before_text: String,
    pub not_after: i64,
    pub not_after_text: String,
    pub signature: String,
    pub weak_signature: bool,
    pub key: String,
    pub key_weakness: Option<String>,
    pub self_signed: bool,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// keyUsage keyCertSign, when the certificate has a keyUsage extension.
    pub key_cert_sign: Option<bool>,
    /// X.509 version as written (1 for v1, 3 for v3).
    pub version: u32,
    /// SHA-256 of the DER, upper-case hex with colons (as `openssl x509 -fingerprint`).
    pub fingerprint: String,
    /// Fingerprint of the subject public key in the notation of [`KeyInfo::fingerprint`]
    /// (`SHA256:...` of the OpenSSH public key blob), to match it with a private key.
    pub public_key_fingerprint: Option<String>,
}

impl CertInfo {
    /// One line naming the certificate for evidence.
    pub fn describe(&self) -> String {
        format!(
            "subject '{}', issuer '{}'{}{}, notBefore {}, notAfter {}, signature {}, key {}, SHA-256 {}",
            self.subject,
            self.issuer,
            if self.self_signed { " (self-signed)" } else { "" },
            if self.is_ca { ", CA" } else { "" },
            self.not_before_text,
            self.not_after_text,
            self.signature,
            self.key,
            self.fingerprint
        )
    }
}

fn sig_name(oid: &str) -> (String, bool) {
    match oid {
        "1.2.840.113549.1.1.2" => ("md2WithRSAEncryption".into(), true),
        "1.2.840.113549.1.1.3" => ("md4WithRSAEncryption".into(), true),
        "1.2.840.113549.1.1.4" => ("md5WithRSAEncryption".into(), true),
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => ("sha1WithRSAEncryption".into(), true),
        "1.2.840.10040.4.3" => ("dsa-with-sha1".into(), true),
        "1.2.840.10045.4.1" => ("ecdsa-with-SHA1".into(), true),
        "1.2.840.113549.1.1.14" => ("sha224WithRSAEncryption".into(), false),
        "1.2.840.113549.1.1.11" => ("sha256WithRSAEncryption".into(), false),
        "1.2.840.113549.1.1.12" => ("sha384WithRSAEncryption".into(), false),
        "1.2.840.113549.1.1.13" => ("sha512WithRSAEncryption".into(), false),
        "1.2.840.113549.1.1.10" => ("rsassa-pss".into(), false),
        "2.16.840.1.101.3.4.3.2" => ("dsa-with-sha256".into(), false),
        "1.2.840.10045.4.3.1" => ("ecdsa-with-SHA224".into(), false),
        "1.2.840.10045.4.3.2" => ("ecdsa-with-SHA256".into(), false),
        "1.2.840.10045.4.3.3" => ("ecdsa-with-SHA384".into(), false),
        "1.2.840.10045.4.3.4" => ("ecdsa-with-SHA512".into(), false),
        "1.3.101.112" => ("ed25519".into(), false),
        "1.3.101.113" => ("ed448".into(), false),
        other => (other.to_string(), false),
    }
}

/// `SHA256:...` of the OpenSSH blob of a DSA public key (p, q, g from the parameters, y).
fn dsa_fingerprint(params: &[u8], y: &[u8]) -> Option<String> {
    // Dss-Parms ::= SEQUENCE { p, q, g }; `params` is the SEQUENCE's content
    let mut rest = params;
    let mut pqg = Vec::new();
    for _ in 0..3 {
        let (r, o) = parse_der(rest).ok()?;
        pqg.push(int(&o)?.to_vec());
        rest = r;
    }
    let (_, yo) = parse_der(y).ok()?;
    let y = int(&yo)?;
    let mut blob = Vec::new();
    put_string(&mut blob, b"ssh-dss");
    for x in &pqg {
        put_mpint(&mut blob, x);
    }
    put_mpint(&mut blob, y);
    Some(crate::keys::ssh_fingerprint(&blob))
}

/// Parse one DER certificate (trailing bytes after it are ignored: a `TRUSTED CERTIFICATE`
/// carries OpenSSL's auxiliary trust data there).
pub fn parse_cert(der: &[u8]) -> Option<CertInfo> {
    use x509_parser::public_key::PublicKey;
    let (rest, c) = x509_parser::parse_x509_certificate(der).ok()?;
    let used = der.len() - rest.len();
    let (signature, weak_signature) = sig_name(&c.signature_algorithm.algorithm.to_id_string());
    let spki = c.public_key();
    let alg = spki.algorithm.algorithm.to_id_string();
    let key_bits: &[u8] = &spki.subject_public_key.data;
    let (algo, bits, public_key_fingerprint) = match spki.parsed() {
        Ok(PublicKey::RSA(r)) => {
            let k = rsa_info(r.modulus, r.exponent, "");
            ("RSA".to_string(), k.bits, k.fingerprint)
        }
        Ok(PublicKey::DSA(_)) => {
            let params = spki.algorithm.parameters.as_ref().map(|p| p.data);
            let p = params
                // Dss-Parms ::= SEQUENCE { p, q, g }: the first INTEGER of its content
                .and_then(|p| parse_der(p).ok())
                .and_then(|(_, first)| int(&first).map(bit_len))
                .unwrap_or(0);
            let fp = params.and_then(|p| dsa_fingerprint(p, key_bits));
            ("DSA".to_string(), p, fp)
        }
        Ok(PublicKey::EC(_)) => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|o| o.to_id_string());
            let (name, bits, _) = curve.as_deref().map(curve_of).unwrap_or(("EC", 0, None));
            let k = ec_info(curve.as_deref(), Some(key_bits), "");
            (name.to_string(), bits, k.fingerprint)
        }
        _ if alg == "1.3.101.112" && key_bits.len() == 32 => {
            let mut blob = Vec::new();
            put_string(&mut blob, b"ssh-ed25519");
            put_string(&mut blob, key_bits);
            (
                "Ed25519".to_string(),
                256,
                Some(crate::keys::ssh_fingerprint(&blob)),
            )
        }
        _ => (format!("key {alg}"), 0, None),
    };
    let k = KeyInfo {
        algo: algo.clone(),
        bits,
        fingerprint: None,
        encrypted: false,
        format: String::new(),
        comment: None,
    };
    let validity = c.validity();
    let d = Sha256::digest(der.get(..used).unwrap_or(der));
    Some(CertInfo {
        subject: c.subject().to_string(),
        issuer: c.issuer().to_string(),
        not_before: validity.not_before.timestamp(),
        not_before_text: validity.not_before.to_string(),
        not_after: validity.not_after.timestamp(),
        not_after_text: validity.not_after.to_string(),
        signature,
        weak_signature,
        key: if bits > 0 {
            format!("{algo} {bits} bits")
        } else {
            algo
        },
        key_weakness: k.weakness(),
        self_signed: c.subject() == c.issuer(),
        is_ca: c.is_ca(),
        key_cert_sign: c
            .key_usage()
            .ok()
            .flatten()
            .map(|ku| ku.value.key_cert_sign()),
        version: c.version().0 + 1,
        fingerprint: d
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":"),
        public_key_fingerprint,
    })
}

/// DER certificates anywhere in `data` (binaries, firmware blobs, keystores), with their
/// offsets: each `30 82 LL LL 30 82` whose `4 + LL LL` bytes parse as a certificate.
/// Bounded in candidates and results.
pub fn der_certs(data: &[u8]) -> Vec<(usize, CertInfo)> {
    let finder = memchr::memmem::Finder::new(b"\x30\x82");
    let mut out = Vec::new();
    let mut pos = 0;
    let mut tried = 0;
    while let Some(i) = finder.find(&data[pos..]) {
        let at = pos + i;
        pos = at + 2;
        let Some(h) = data.get(at..at + 6) else { break };
        if h[4..6] != [0x30, 0x82] {
            continue;
        }
        tried += 1;
        if tried > MAX_DER_CANDIDATES || out.len() >= MAX_DER_CERTS {
            break;
        }
        let len = u16::from_be_bytes([h[2], h[3]]) as usize;
        // the tbsCertificate must fit inside the certificate
        let inner = u16::from_be_bytes([
            data.get(at + 6).copied().unwrap_or(0),
            data.get(at + 7).copied().unwrap_or(0),
        ]) as usize;
        if len < 256 || inner + 4 > len {
            continue;
        }
        let Some(der) = data.get(at..at + 4 + len) else {
            continue;
        };
        if let Some(c) = parse_cert(der) {
            out.push((at, c));
            pos = at + 4 + len;
        }
    }
    out
}

/// Whether a file is (part of) a CA trust store: the system's certificate directories, a CA
/// bundle by name, or any file holding three certificates or more.
pub fn in_trust_store(inner: &str, certs_in_file: usize) -> bool {
    const DIRS: &[&str] = &[
        "etc/ssl/certs/",
        "etc/pki/",
        "etc/ca-certificates/",
        "usr/share/ca-certificates/",
        "usr/lib/ssl/certs/",
        "usr/share/ssl/certs/",
        "usr/local/share/ca-certificates/",
        "etc/openvpn/ca/",
    ];
    let name = netvet_unpack::path::file_name(inner).to_ascii_lowercase();
    certs_in_file >= 3
        // also below the top of a directory scan (`squashfs-root/etc/ssl/certs/...`)
        || DIRS
            .iter()
            .any(|d| inner.starts_with(d) || inner.contains(&format!("/{d}")))
        || name.contains("ca-bundle")
        || name.contains("ca-certificates")
        || name.starts_with("cacert")
}

/// Whether a certificate outside the trust store is a trust anchor. It must be self-signed
/// and able to sign certificates (no keyUsage, or one with keyCertSign), and then either a CA
/// made for the purpose (basicConstraints CA:TRUE with keyUsage keyCertSign), or a CA:TRUE or
/// version 1 certificate (no extensions, which OpenSSL accepts as a CA) named like a CA: its
/// file (`ca.crt`, `root.pem`, `cacert.der`, `trust-anchor.pem`) or its subject (`... Root
/// CA`, `... Certification Authority`). `openssl req -x509` marks every certificate it makes
/// CA:TRUE without a keyUsage, so a device's own self-signed HTTPS certificate
/// (`CN=192.168.1.1` in `server.pem`) is not taken for an anchor.
pub fn is_trust_anchor(c: &CertInfo, inner: &str) -> bool {
    if !c.self_signed || c.key_cert_sign == Some(false) {
        return false;
    }
    if c.is_ca && c.key_cert_sign == Some(true) {
        return true;
    }
    let name = netvet_unpack::path::file_name(inner).to_ascii_lowercase();
    let subject = c.subject.to_ascii_lowercase();
    let tokens = |s: &str| -> bool {
        s.split(|ch: char| !ch.is_ascii_alphanumeric()).any(|t| {
            matches!(t, "ca" | "root" | "rootca" | "authority" | "anchor")
                || t.starts_with("cacert")
        })
    };
    (c.is_ca || c.version == 1) && (tokens(&name) || tokens(&subject))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_scan_is_bounded_and_skips_garbage() {
        // candidates whose length runs past the end, or whose inner length does not fit
        let mut d = vec![0u8; 64];
        d.extend_from_slice(&[0x30, 0x82, 0xff, 0xff, 0x30, 0x82, 0x00, 0x10]);
        d.extend_from_slice(&[0x30, 0x82, 0x01, 0x00, 0x30, 0x82, 0x02, 0x00]);
        d.extend_from_slice(&[0x30, 0x82]);
        assert!(der_certs(&d).is_empty());
        assert!(der_certs(&[]).is_empty());
        assert!(der_certs(&[0x30, 0x82, 0x01]).is_empty());
    }

    #[test]
    fn trust_anchor_names() {
        let mut c = CertInfo {
            subject: "CN=x".into(),
            issuer: "CN=x".into(),
            not_before: 0,
            not_before_text: String::new(),
            not_after: 0,
            not_after_text: String::new(),
            signature: String::new(),
            weak_signature: false,
            key: String::new(),
            key_weakness: None,
            self_signed: true,
            is_ca: false,
            key_cert_sign: None,
            version: 1,
            fingerprint: String::new(),
            public_key_fingerprint: None,
        };
        assert!(is_trust_anchor(&c, "etc/vendor/ca.crt"));
        assert!(is_trust_anchor(&c, "etc/vendor/cacert.pem"));
        assert!(!is_trust_anchor(&c, "etc/lighttpd/server.pem"));
        assert!(!is_trust_anchor(&c, "etc/local.pem"));
        c.version = 3;
        assert!(!is_trust_anchor(&c, "etc/vendor/ca.crt"));
        // CA:TRUE without keyUsage: what `openssl req -x509` makes for a server
        c.is_ca = true;
        assert!(!is_trust_anchor(&c, "etc/lighttpd/server.pem"));
        assert!(is_trust_anchor(&c, "etc/vendor/ca.crt"));
        c.subject = "O=Vendor, CN=Vendor Root Certification Authority".into();
        assert!(is_trust_anchor(&c, "etc/lighttpd/server.pem"));
        // keyUsage decides when present
        c.key_cert_sign = Some(false);
        assert!(!is_trust_anchor(&c, "etc/vendor/ca.crt"));
        c.key_cert_sign = Some(true);
        c.subject = "CN=x".into();
        assert!(is_trust_anchor(&c, "etc/lighttpd/server.pem"));
        c.self_signed = false;
        assert!(!is_trust_anchor(&c, "etc/vendor/ca.crt"));
    }
}
