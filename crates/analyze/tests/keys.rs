//! Keys and certificates analyzer: keys generated for these tests (see keys_vectors), files
//! built at test time (Dropbear, PuTTY, DER, PEM inside a binary), and the real trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::tree_of;
mod keys_vectors;

use base64::Engine;
use keys_vectors::*;
use netvet_analyze::keys::{self, Keys};
use netvet_analyze::{Analyzer, Context, Options};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};
use std::path::Path;

const RSA_FP: &str = "SHA256:xOd0oFonNzT8McOYEkRXHASz3hwf8zabg1jrZ0da+38";
const EC_FP: &str = "SHA256:PNFR+0qpxMN4zSugiW6waOfqm5Ts1MwxA80n8mTPMIo";
const ED_FP: &str = "SHA256:I8arxS44u7LFufJjJ5iBFZRaGKemN9Pp8gXLf1RoQ5c";
const ED_SEED: &str = "bea60bc0252db3dc113f40376332f28e8e6ab056b1fada0d088722a54d406549";
const ED_PUB: &str = "0d1413f86e5b94ca36e683a3bbe7c75050815f7f9137669b98ae4fa4fee193ea";
const DSA_FP: &str = "SHA256:lEW817wrthoxXSpJaiJZKCOvyFKn63QlL+xlg7S9pMg";
const OPENSSH_FP: &str = "SHA256:eb3U80muhTDD2+Tf4MrOAddWsB/wWdcY7qXNKzVbpqA";

fn run(tree: &Tree, now: i64) -> (Vec<Finding>, serde_json::Value) {
    let rules = RuleSet::empty();
    let options = Options {
        crack_budget: std::time::Duration::from_secs(1),
        now,
    };
    let out = Keys.run(&Context {
        tree,
        rules: &rules,
        options: &options,
    });
    (out.findings, out.summaries[0].1.clone())
}

fn at<'a>(fs: &'a [Finding], kind: &str, path: &str) -> Vec<&'a Finding> {
    fs.iter()
        .filter(|f| f.kind == kind && f.path.as_deref() == Some(path))
        .collect()
}

fn ssh_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

fn dropbear_ed25519() -> Vec<u8> {
    let mut k = hex::decode(ED_SEED).unwrap();
    k.extend(hex::decode(ED_PUB).unwrap());
    let mut f = Vec::new();
    ssh_string(&mut f, b"ssh-ed25519");
    ssh_string(&mut f, &k);
    f
}

fn ed_public_blob() -> Vec<u8> {
    let mut b = Vec::new();
    ssh_string(&mut b, b"ssh-ed25519");
    ssh_string(&mut b, &hex::decode(ED_PUB).unwrap());
    b
}

fn putty_ed25519() -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(ed_public_blob());
    format!(
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: test-key\n\
         Public-Lines: 2\n{}\n{}\nPrivate-Lines: 1\nAAAA\nPrivate-MAC: 00\n",
        &b64[..40],
        &b64[40..]
    )
}

#[test]
fn private_keys_in_every_format() {
    let der = pem::parse(RSA1024).unwrap().into_contents();
    let mut binary = b"\x7fELF\x01\x01\x01\0garbage\0\0".to_vec();
    binary.extend_from_slice(EC_P256.as_bytes());
    binary.extend_from_slice(b"\0more\0");
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        ("etc/ssl/private/device.key", RSA1024.into()),
        ("etc/ec.pem", EC_P256.into()),
        ("etc/ed.pem", ED25519_PKCS8.into()),
        ("etc/dsa.pem", DSA_TRAD.into()),
        ("etc/enc.pem", EC_ENCRYPTED.into()),
        ("root/.ssh/id_ed25519", OPENSSH_ED25519.into()),
        ("etc/dropbear/dropbear_ed25519_host_key", dropbear_ed25519()),
        ("home/user/key.ppk", putty_ed25519().into()),
        ("etc/device.der", der),
        ("usr/bin/app", binary),
    ]);
    let (fs, _) = run(&tree, 1_700_000_000);

    let rsa = at(&fs, kinds::KEY_PRIVATE, "etc/ssl/private/device.key");
    assert_eq!(rsa.len(), 1);
    assert_eq!(rsa[0].severity, Severity::High);
    assert_eq!(
        rsa[0].evidence,
        format!("RSA 1024 bits, {RSA_FP}, PEM PKCS#1, unencrypted")
    );
    let weak = at(&fs, kinds::KEY_WEAK, "etc/ssl/private/device.key");
    assert!(weak[0]
        .evidence
        .starts_with("RSA key of 1024 bits (< 2048)"));

    let der = at(&fs, kinds::KEY_PRIVATE, "etc/device.der");
    assert_eq!(
        der[0].evidence,
        format!("RSA 1024 bits, {RSA_FP}, DER PKCS#1, unencrypted")
    );

    let ec = at(&fs, kinds::KEY_PRIVATE, "etc/ec.pem");
    assert_eq!(
        ec[0].evidence,
        format!("ECDSA P-256 256 bits, {EC_FP}, PEM SEC1, unencrypted")
    );
    assert!(at(&fs, kinds::KEY_WEAK, "etc/ec.pem").is_empty());

    let ed = at(&fs, kinds::KEY_PRIVATE, "etc/ed.pem");
    assert_eq!(
        ed[0].evidence,
        format!("Ed25519 256 bits, {ED_FP}, PEM PKCS#8, unencrypted")
    );

    let dsa = at(&fs, kinds::KEY_PRIVATE, "etc/dsa.pem");
    assert_eq!(
        dsa[0].evidence,
        format!("DSA 1024 bits, {DSA_FP}, PEM DSA, unencrypted")
    );
    assert_eq!(at(&fs, kinds::KEY_WEAK, "etc/dsa.pem").len(), 1);

    let enc = at(&fs, kinds::KEY_PRIVATE, "etc/enc.pem");
    assert_eq!(enc[0].severity, Severity::Medium);
    assert!(enc[0].evidence.contains("encrypted"), "{}", enc[0].evidence);

    let osh = at(&fs, kinds::KEY_PRIVATE, "root/.ssh/id_ed25519");
    assert_eq!(
        osh[0].evidence,
        format!("Ed25519 256 bits, {OPENSSH_FP}, OpenSSH, unencrypted")
    );

    let host = at(
        &fs,
        kinds::KEY_PRIVATE,
        "etc/dropbear/dropbear_ed25519_host_key",
    );
    assert_eq!(host[0].severity, Severity::Critical);
    assert!(host[0]
        .evidence
        .starts_with(&format!("Ed25519 256 bits, {ED_FP}, Dropbear")));

    let ppk = at(&fs, kinds::KEY_PRIVATE, "home/user/key.ppk");
    assert_eq!(
        ppk[0].evidence,
        format!("Ed25519 256 bits, {ED_FP}, PuTTY v3, unencrypted, comment 'test-key'")
    );

    let emb = at(&fs, kinds::KEY_PRIVATE, "usr/bin/app");
    assert_eq!(emb[0].offset, Some(17));
    assert!(emb[0].evidence.contains(EC_FP));

    let n_private = fs.iter().filter(|f| f.kind == kinds::KEY_PRIVATE).count();
    assert_eq!(n_private, 10);
}

#[test]
fn certificates_expiry_weakness_and_trust_store() {
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        ("etc/lighttpd/server.pem", CERT_SHA1_RSA1024.into()),
        ("etc/ssl/certs/root.pem", CERT_SHA1_RSA1024.into()),
    ]);
    // the certificate is valid for 30 days from its creation; 2040 is after that
    let (fs, summary) = run(&tree, 2_200_000_000);
    let exp = at(
        &fs,
        kinds::KEY_CERTIFICATE_EXPIRED,
        "etc/lighttpd/server.pem",
    );
    assert_eq!(exp.len(), 1);
    assert!(
        exp[0]
            .evidence
            .contains("subject 'CN=device.local', issuer 'CN=device.local' (self-signed)"),
        "{}",
        exp[0].evidence
    );
    let weak = at(&fs, kinds::KEY_CERTIFICATE_WEAK, "etc/lighttpd/server.pem");
    assert!(weak[0].evidence.starts_with(
        "weak signature algorithm sha1WithRSAEncryption; RSA key of 1024 bits (< 2048)"
    ));
    // trust-store copy: counted, not reported
    assert!(fs
        .iter()
        .all(|f| f.path.as_deref() != Some("etc/ssl/certs/root.pem")));
    assert_eq!(summary["trust_store_certificates"], 1);
    assert_eq!(summary["trust_store_expired"], 1);

    // before its notBefore (2001): not yet valid, and still weak
    let (fs, _) = run(&tree, 1_000_000_000);
    let early = at(
        &fs,
        kinds::KEY_CERTIFICATE_NOT_YET_VALID,
        "etc/lighttpd/server.pem",
    );
    assert_eq!(early.len(), 1);
    assert!(
        early[0]
            .evidence
            .starts_with("valid only from Nov 29 03:24:16 2026 +00:00: "),
        "{}",
        early[0].evidence
    );
    assert!(at(
        &fs,
        kinds::KEY_CERTIFICATE_EXPIRED,
        "etc/lighttpd/server.pem"
    )
    .is_empty());
    assert_eq!(
        at(&fs, kinds::KEY_CERTIFICATE_WEAK, "etc/lighttpd/server.pem").len(),
        1
    );
}

#[test]
fn authorized_keys_shipped() {
    let line = format!(
        "no-pty,command=\"/bin/true\" {}",
        OPENSSH_ED25519_PUB.trim()
    );
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        (
            "root/.ssh/authorized_keys",
            format!("# comment\n\n{line}\n").into(),
        ),
        // public keys alone are not findings
        (
            "etc/ssh/ssh_host_ed25519_key.pub",
            OPENSSH_ED25519_PUB.into(),
        ),
    ]);
    let (fs, _) = run(&tree, 1_700_000_000);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].kind, kinds::CREDENTIAL_HARDCODED_SECRET);
    assert_eq!(fs[0].severity, Severity::High);
    assert!(fs[0].evidence.starts_with(&format!(
        "line 3: Ed25519 256 bits, {OPENSSH_FP}, authorized_keys, comment 'test@host' ("
    )));
}

#[test]
fn hostile_key_files_do_not_panic() {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    // truncated variants of every vector, and Dropbear headers with huge lengths
    for (i, v) in [RSA1024, EC_P256, ED25519_PKCS8, DSA_TRAD, OPENSSH_ED25519]
        .iter()
        .enumerate()
    {
        for cut in [20, v.len() / 2, v.len() - 30] {
            files.push((format!("t/{i}-{cut}.pem"), v.as_bytes()[..cut].to_vec()));
        }
    }
    let mut db = Vec::new();
    ssh_string(&mut db, b"ssh-rsa");
    db.extend_from_slice(&[0xff, 0xff, 0xff, 0xf0, 1, 2, 3]);
    files.push(("etc/dropbear/dropbear_rsa_host_key".into(), db));
    files.push((
        "t/ppk".into(),
        b"PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 99999999999\n".to_vec(),
    ));
    files.push((
        "t/authorized_keys".into(),
        b"ssh-rsa !!!notbase64\nssh-ed25519 AAAA\n".to_vec(),
    ));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, c)| (p.as_str(), c.clone())).collect();
    let (_d, tree) = tree_of(&refs);
    let (fs, _) = run(&tree, 1_700_000_000);
    assert!(fs.is_empty(), "{fs:#?}");
}

#[test]
fn parsers_report_type_and_size() {
    let k = keys::parse_dropbear(&dropbear_ed25519()).unwrap();
    assert_eq!((k.algo.as_str(), k.bits), ("Ed25519", 256));
    assert_eq!(k.fingerprint.as_deref(), Some(ED_FP));
    let k = keys::parse_authorized_line(OPENSSH_ED25519_PUB).unwrap();
    assert_eq!(k.fingerprint.as_deref(), Some(OPENSSH_FP));
}

/// The LEDE backup in the corpus carries a real Dropbear RSA host key (etc/ of a device's
/// overlay, packed with git archive). Read through the `tar` crate into a temporary
/// directory, then unpacked as a directory.
#[test]
fn corpus_dropbear_host_key() {
    let Some(p) = netvet_model::corpus::path("images/lede-wr703n/rootfs-etc.tar") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tar::Archive::new(std::fs::File::open(p).unwrap())
        .unpack(dir.path())
        .unwrap();
    let tree = Unpacker::new(Limits::default())
        .unpack_dir(dir.path())
        .unwrap();
    let (fs, summary) = run(&tree, 1_700_000_000);
    let host: Vec<&Finding> = fs
        .iter()
        .filter(|f| {
            f.kind == kinds::KEY_PRIVATE
                && f.path.as_deref() == Some("rootfs/etc/dropbear/dropbear_rsa_host_key")
        })
        .collect();
    assert_eq!(host.len(), 1, "{fs:#?}");
    assert_eq!(host[0].severity, Severity::Critical);
    assert!(
        host[0].evidence.starts_with("RSA ") && host[0].evidence.contains("Dropbear"),
        "{}",
        host[0].evidence
    );
    eprintln!("lede dropbear host key: {}", host[0].evidence);
    // the CA bundle is a trust store, not findings
    assert!(summary["trust_store_certificates"].as_u64().unwrap() > 100);
}

fn corpus_tree(name: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(&format!("rootfs/{name}/squashfs-root"))?;
    Some(
        Unpacker::new(Limits::default())
            .unpack_dir(Path::new(&p))
            .unwrap(),
    )
}

#[test]
fn corpus_trees_keys() {
    for name in ["luxul-xbr4400", "phicomm-k2p"] {
        let Some(tree) = corpus_tree(name) else {
            return;
        };
        let (fs, summary) = run(&tree, 1_700_000_000);
        for f in &fs {
            eprintln!(
                "{name}: {:?} {} {:?} {}",
                f.severity, f.kind, f.path, f.evidence
            );
        }
        eprintln!("{name}: {summary}");
        let high: Vec<String> = fs
            .iter()
            .filter(|f| f.severity >= Severity::High)
            .map(|f| format!("{} {}", f.kind, f.path.as_deref().unwrap_or("")))
            .collect();
        match name {
            // Luxul ships a vendor RSA key for root in two authorized_keys files
            "luxul-xbr4400" => assert_eq!(
                high,
                [
                    "credential.hardcoded-secret etc/dropbear/authorized_keys",
                    "credential.hardcoded-secret root/.ssh/authorized_keys",
                ]
            ),
            _ => assert!(high.is_empty(), "{high:?}"),
        }
    }
}

/// A vendor CA shipped outside the trust store with its private key, a leaf certificate
/// with its key, and the CA's DER embedded in a binary: trust anchors, key/certificate
/// matches naming both paths, DER found by its `30 82 LL LL 30 82` start.
#[test]
fn certificates_trust_anchors_key_matches_and_der_in_binaries() {
    let ca_der = pem::parse(CA_P256_CERT).unwrap().into_contents();
    let mut binary = b"\x7fELF\x01\x01\x01\0".to_vec();
    binary.resize(100, 0x30); // '0' bytes: not a certificate start
    binary.extend_from_slice(&[0x30, 0x82, 0x7f, 0xff, 0x30, 0x82]); // a false start
    let der_at = binary.len();
    binary.extend_from_slice(&ca_der);
    binary.extend_from_slice(b"\0trailing data\0");
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        ("etc/vendor/cloud-ca.pem", CA_P256_CERT.into()),
        ("etc/vendor/ca.key", EC_P256.into()),
        ("etc/ssl/device.crt", LEAF_ED25519_CERT.into()),
        ("etc/ssl/private/device.key", ED25519_PKCS8.into()),
        ("usr/bin/updater", binary),
    ]);
    // 2027: every certificate is within its validity
    let (fs, summary) = run(&tree, 1_800_000_000);
    assert_eq!(summary["other_certificates"], 3, "{summary}");

    let anchors: Vec<&Finding> = fs
        .iter()
        .filter(|f| f.kind == kinds::KEY_CERTIFICATE_UNTRUSTED_CA)
        .collect();
    assert_eq!(anchors.len(), 2, "{anchors:#?}");
    let pem_ca = at(
        &fs,
        kinds::KEY_CERTIFICATE_UNTRUSTED_CA,
        "etc/vendor/cloud-ca.pem",
    );
    assert_eq!(pem_ca[0].severity, Severity::High);
    assert!(
        pem_ca[0].evidence.contains(
            "subject 'O=Example Vendor, CN=Example Vendor Device Root CA', issuer \
             'O=Example Vendor, CN=Example Vendor Device Root CA' (self-signed), CA"
        ),
        "{}",
        pem_ca[0].evidence
    );
    assert!(
        pem_ca[0]
            .evidence
            .contains("its private key is shipped too, at etc/vendor/ca.key"),
        "{}",
        pem_ca[0].evidence
    );
    let der_ca = at(&fs, kinds::KEY_CERTIFICATE_UNTRUSTED_CA, "usr/bin/updater");
    assert_eq!(der_ca[0].offset, Some(der_at as u64));
    assert!(der_ca[0].evidence.starts_with(&format!(
        "self-signed CA certificate outside the system trust store at offset {der_at}: "
    )));
    // the leaf is not a trust anchor
    assert!(at(
        &fs,
        kinds::KEY_CERTIFICATE_UNTRUSTED_CA,
        "etc/ssl/device.crt"
    )
    .is_empty());

    // private keys name the certificates of their public key
    let ca_key = at(&fs, kinds::KEY_PRIVATE, "etc/vendor/ca.key");
    assert_eq!(
        ca_key[0].evidence,
        format!(
            "ECDSA P-256 256 bits, {EC_FP}, PEM SEC1, unencrypted; the private key of the \
             certificates at etc/vendor/cloud-ca.pem (subject 'O=Example Vendor, CN=Example \
             Vendor Device Root CA'), usr/bin/updater (offset {der_at}) (subject 'O=Example \
             Vendor, CN=Example Vendor Device Root CA')"
        )
    );
    let leaf_key = at(&fs, kinds::KEY_PRIVATE, "etc/ssl/private/device.key");
    assert!(
        leaf_key[0].evidence.ends_with(
            "; the private key of the certificate at etc/ssl/device.crt (subject 'CN=device.example')"
        ),
        "{}",
        leaf_key[0].evidence
    );
    assert!(fs.iter().all(|f| f.kind != kinds::KEY_CERTIFICATE_EXPIRED
        && f.kind != kinds::KEY_CERTIFICATE_NOT_YET_VALID
        && f.kind != kinds::KEY_CERTIFICATE_WEAK));

    // 2023: before their notBefore (2026-12-06 20:18:12 UTC)
    let (fs, _) = run(&tree, 1_700_000_000);
    let mut early: Vec<&str> = fs
        .iter()
        .filter(|f| f.kind == kinds::KEY_CERTIFICATE_NOT_YET_VALID)
        .map(|f| f.path.as_deref().unwrap())
        .collect();
    early.sort();
    assert_eq!(
        early,
        [
            "etc/ssl/device.crt",
            "etc/vendor/cloud-ca.pem",
            "usr/bin/updater"
        ]
    );
    let f = at(
        &fs,
        kinds::KEY_CERTIFICATE_NOT_YET_VALID,
        "etc/ssl/device.crt",
    );
    assert_eq!(f[0].severity, Severity::Low);
    assert!(
        f[0].evidence
            .starts_with("valid only from Dec  6 20:18:12 2026 +00:00: "),
        "{}",
        f[0].evidence
    );
    // 2047: both expired
    let (fs, _) = run(&tree, 2_500_000_000);
    assert_eq!(
        fs.iter()
            .filter(|f| f.kind == kinds::KEY_CERTIFICATE_EXPIRED)
            .count(),
        3
    );
}

/// A copy of a trust-store root elsewhere, a self-signed server certificate, and a CA
/// without its key: only the CA outside the store is reported, low.
#[test]
fn trust_anchor_precision() {
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        ("etc/ssl/certs/vendor-root.pem", CA_P256_CERT.into()),
        ("etc/app/root.pem", CA_P256_CERT.into()),
        // self-signed, not a CA: the device's own HTTPS certificate
        ("etc/lighttpd/server.pem", CERT_SHA1_RSA1024.into()),
    ]);
    let (fs, summary) = run(&tree, 1_790_000_000);
    assert!(
        fs.iter()
            .all(|f| f.kind != kinds::KEY_CERTIFICATE_UNTRUSTED_CA),
        "{fs:#?}"
    );
    assert_eq!(summary["trust_store_certificates"], 1);

    // a trust store below the top of a directory scan is still the trust store
    let (_d, tree) = tree_of::<Vec<u8>>(&[
        ("rootfs/etc/ssl/certs/vendor-root.pem", CA_P256_CERT.into()),
        ("rootfs/etc/app/root.pem", CA_P256_CERT.into()),
    ]);
    let (fs, summary) = run(&tree, 1_800_000_000);
    assert!(fs.is_empty(), "{fs:#?}");
    assert_eq!(summary["trust_store_certificates"], 1);
    assert_eq!(summary["other_certificates"], 1);

    let (_d, tree) = tree_of::<Vec<u8>>(&[("etc/app/root.pem", CA_P256_CERT.into())]);
    let (fs, _) = run(&tree, 1_800_000_000);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].kind, kinds::KEY_CERTIFICATE_UNTRUSTED_CA);
    assert_eq!(fs[0].severity, Severity::Low);
    assert_eq!(
        fs[0].title,
        "Self-signed CA certificate shipped as a trust anchor"
    );
}
