//! Private keys, `authorized_keys` and certificates shipped in the image.
//!
//! Recognised private keys: PEM (PKCS#1 RSA, OpenSSL DSA, SEC1 EC, PKCS#8 of RSA/DSA/EC/
//! Ed25519, encrypted PKCS#8 and encrypted traditional PEM), bare DER of the same, OpenSSH
//! `openssh-key-v1`, Dropbear's own format and PuTTY `.ppk`. Each is reported with its type,
//! size and the SHA-256 fingerprint of its public key in OpenSSH's notation (`SHA256:...`,
//! what `ssh-keygen -lf FILE` prints for every one of these formats), so that one key in two
//! formats has one fingerprint.
//!
//! Crates: `pem` (PEM blocks and their headers), `der-parser` through `x509-parser` (DER
//! structures), `x509-parser` (certificates), `ed25519-dalek` (the public half of an Ed25519
//! key stored without it). Written here: the reader of the SSH wire format (RFC 4251
//! `string`/`mpint`, a few lines) used by OpenSSH, Dropbear, PuTTY and `authorized_keys`;
//! no crate reads Dropbear's key files, and one reader keeps the fingerprints consistent.
//!
//! Severities (`key.private`): critical for an unencrypted SSH host key (`*host*key*`, or
//! any key under `etc/dropbear/` or named `ssh_host_*`): every device of the model shares it,
//! so one extracted image lets anyone impersonate all of them (man in the middle); high
//! for other unencrypted private keys; medium when the key is encrypted (the passphrase may
//! be in the image too). `key.weak`: medium (RSA < 2048 bits, DSA of any size, EC < 224
//! bits). An `authorized_keys` entry shipped in the image is a pre-installed login:
//! `credential.hardcoded-secret`, high. Certificates: `key.certificate-expired` (medium),
//! `key.certificate-weak` (medium: MD2/MD5/SHA-1 signature, or a weak key), self-signed noted
//! in the evidence. Certificates of a CA trust store (`etc/ssl/certs/`, CA bundles) are
//! counted in the summary but not reported one by one: a store of public roots is not the
//! device's own identity.

use crate::certs::{self, in_trust_store};
pub use crate::certs::{parse_cert, CertInfo};
use crate::{Analyzer, Context, Output};
use base64::Engine;
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::{Entry, Tree};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use x509_parser::der_parser::ber::{BerObject, BerObjectContent};
use x509_parser::der_parser::parse_der;

/// Files larger than this are not searched for keys (firmware blobs are unpacked into
/// smaller files first).
const MAX_FILE: u64 = 64 << 20;
/// Bare DER files larger than this are not tried as keys or certificates.
const MAX_DER_FILE: usize = 16 << 10;
/// PEM blocks per file at most (a CA bundle has a few hundred).
const MAX_PEM_BLOCKS: usize = 4096;
/// One PEM block at most this long (an RSA 16384 key is about 12 KiB).
const MAX_PEM_BLOCK: usize = 64 << 10;

/// What a private or public key is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// `RSA`, `DSA`, `ECDSA P-256`, `Ed25519`, ... (`unknown` when encrypted PKCS#8).
    pub algo: String,
    /// Key size in bits (0 when unknown).
    pub bits: u32,
    /// `SHA256:...` of the OpenSSH public key blob, when the public key is known.
    pub fingerprint: Option<String>,
    pub encrypted: bool,
    /// `PEM PKCS#1`, `OpenSSH`, `Dropbear`, `PuTTY v3`, ...
    pub format: String,
    /// Comment stored with the key (OpenSSH public lines, PuTTY).
    pub comment: Option<String>,
}

impl KeyInfo {
    /// Why the key is weak, if it is.
    pub fn weakness(&self) -> Option<String> {
        let a = self.algo.as_str();
        if a == "RSA" && self.bits > 0 && self.bits < 2048 {
            Some(format!("RSA key of {} bits (< 2048)", self.bits))
        } else if a == "DSA" {
            Some(format!(
                "DSA key ({} bits): DSA is deprecated (OpenSSH disabled it in 7.0, FIPS 186-5 \
                 withdrew it)",
                self.bits
            ))
        } else if a.starts_with("EC") && self.bits > 0 && self.bits < 224 {
            Some(format!("EC key of {} bits (< 224)", self.bits))
        } else {
            None
        }
    }

    fn describe(&self) -> String {
        let mut s = self.algo.clone();
        if self.bits > 0 {
            s.push_str(&format!(" {} bits", self.bits));
        }
        match &self.fingerprint {
            Some(f) => s.push_str(&format!(", {f}")),
            None if self.encrypted => s.push_str(", public key not readable (encrypted)"),
            None => s.push_str(", public key not stored in the file"),
        }
        s.push_str(&format!(", {}", self.format));
        if self.format == "authorized_keys" {
            // a public key: nothing to encrypt
        } else if self.encrypted {
            s.push_str(", encrypted");
        } else {
            s.push_str(", unencrypted");
        }
        if let Some(c) = &self.comment {
            if !c.is_empty() {
                s.push_str(&format!(", comment '{c}'"));
            }
        }
        s
    }
}

// ---------------------------------------------------------------------------------------
// SSH wire format

struct Wire<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Wire<'a> {
    fn new(buf: &'a [u8]) -> Wire<'a> {
        Wire { buf, pos: 0 }
    }

    fn u32(&mut self) -> Option<u32> {
        let b = self.buf.get(self.pos..self.pos.checked_add(4)?)?;
        self.pos += 4;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        let b = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(b)
    }

    fn rest(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

pub(crate) fn bit_len(b: &[u8]) -> u32 {
    let b = strip_zeros(b);
    match b.first() {
        None => 0,
        Some(&top) => (b.len() as u32 - 1) * 8 + (8 - top.leading_zeros()),
    }
}

pub(crate) fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

pub(crate) fn put_mpint(out: &mut Vec<u8>, n: &[u8]) {
    let n = strip_zeros(n);
    if n.first().is_some_and(|&b| b & 0x80 != 0) {
        out.extend_from_slice(&((n.len() + 1) as u32).to_be_bytes());
        out.push(0);
        out.extend_from_slice(n);
    } else {
        put_string(out, n);
    }
}

/// `SHA256:<base64>` of an OpenSSH public key blob, as `ssh-keygen -l` prints it.
pub fn ssh_fingerprint(blob: &[u8]) -> String {
    let d = Sha256::digest(blob);
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(d)
    )
}

fn curve_bits(name: &str) -> u32 {
    match name {
        "nistp256" => 256,
        "nistp384" => 384,
        "nistp521" => 521,
        _ => 0,
    }
}

/// Type and size of an OpenSSH public key blob.
pub fn parse_ssh_public(blob: &[u8]) -> Option<(String, u32)> {
    let mut w = Wire::new(blob);
    let ty = std::str::from_utf8(w.string()?).ok()?;
    match ty {
        "ssh-rsa" => {
            let _e = w.string()?;
            let n = w.string()?;
            Some(("RSA".into(), bit_len(n)))
        }
        "ssh-dss" => {
            let p = w.string()?;
            Some(("DSA".into(), bit_len(p)))
        }
        "ssh-ed25519" | "sk-ssh-ed25519@openssh.com" => {
            let k = w.string()?;
            (k.len() == 32).then(|| ("Ed25519".to_string(), 256))
        }
        t if t.starts_with("ecdsa-sha2-") || t.starts_with("sk-ecdsa-sha2-") => {
            let curve = std::str::from_utf8(w.string()?).ok()?;
            let _q = w.string()?;
            Some((
                format!("ECDSA {}", curve.replace("nistp", "P-")),
                curve_bits(curve),
            ))
        }
        _ => None,
    }
}

/// A Dropbear private key file (Dropbear's `signkey.c` format: the key type as an SSH
/// string, then the key's fields; the whole file is the key).
pub fn parse_dropbear(data: &[u8]) -> Option<KeyInfo> {
    if data.len() > MAX_DER_FILE || data.len() < 16 {
        return None;
    }
    let mut w = Wire::new(data);
    let ty = w.string()?;
    let mut blob = Vec::new();
    put_string(&mut blob, ty);
    let (algo, bits) = match ty {
        b"ssh-rsa" => {
            let e = w.string()?;
            let n = w.string()?;
            for _ in 0..3 {
                w.string()?; // d, p, q
            }
            put_mpint(&mut blob, e);
            put_mpint(&mut blob, n);
            ("RSA".to_string(), bit_len(n))
        }
        b"ssh-dss" => {
            let f: Vec<&[u8]> = (0..5).map(|_| w.string()).collect::<Option<_>>()?; // p q g y x
            for x in &f[..4] {
                put_mpint(&mut blob, x);
            }
            ("DSA".to_string(), bit_len(f[0]))
        }
        b"ssh-ed25519" => {
            // 32 bytes of seed followed by the 32-byte public key
            let k = w.string()?;
            if k.len() != 64 {
                return None;
            }
            put_string(&mut blob, &k[32..]);
            ("Ed25519".to_string(), 256)
        }
        t if t.starts_with(b"ecdsa-sha2-nistp") => {
            let curve = w.string()?;
            let q = w.string()?;
            let _d = w.string()?;
            let curve = std::str::from_utf8(curve).ok()?;
            if curve_bits(curve) == 0 || q.first() != Some(&4) {
                return None;
            }
            put_string(&mut blob, curve.as_bytes());
            put_string(&mut blob, q);
            (
                format!("ECDSA {}", curve.replace("nistp", "P-")),
                curve_bits(curve),
            )
        }
        _ => return None,
    };
    // the whole file must be the key (dropbear writes nothing after it)
    if w.rest() > 0 {
        return None;
    }
    Some(KeyInfo {
        algo,
        bits,
        fingerprint: Some(ssh_fingerprint(&blob)),
        encrypted: false,
        format: "Dropbear".into(),
        comment: None,
    })
}

/// The `openssh-key-v1` structure (the contents of an `OPENSSH PRIVATE KEY` PEM block).
pub fn parse_openssh(data: &[u8]) -> Option<KeyInfo> {
    let rest = data.strip_prefix(b"openssh-key-v1\0")?;
    let mut w = Wire::new(rest);
    let cipher = String::from_utf8_lossy(w.string()?).into_owned();
    let _kdf = w.string()?;
    let _kdf_opts = w.string()?;
    let n = w.u32()?;
    if n == 0 || n > 64 {
        return None;
    }
    let blob = w.string()?;
    let (algo, bits) = parse_ssh_public(blob)?;
    Some(KeyInfo {
        algo,
        bits,
        fingerprint: Some(ssh_fingerprint(blob)),
        encrypted: cipher != "none",
        format: "OpenSSH".into(),
        comment: None,
    })
}

/// A PuTTY private key file (`PuTTY-User-Key-File-2:` or `-3:`).
pub fn parse_putty(text: &str) -> Option<KeyInfo> {
    let mut lines = text.lines();
    let first = lines.next()?;
    let version = first
        .strip_prefix("PuTTY-User-Key-File-")?
        .split(':')
        .next()?
        .to_string();
    let mut encrypted = false;
    let mut comment = None;
    let mut blob = None;
    while let Some(l) = lines.next() {
        let l = l.trim_end_matches('\r');
        if let Some(v) = l.strip_prefix("Encryption: ") {
            encrypted = v.trim() != "none";
        } else if let Some(v) = l.strip_prefix("Comment: ") {
            comment = Some(v.trim().to_string());
        } else if let Some(v) = l.strip_prefix("Public-Lines: ") {
            let n: usize = v.trim().parse().ok()?;
            if n > 1000 {
                return None;
            }
            let b64: String = lines.by_ref().take(n).map(str::trim).collect();
            blob = base64::engine::general_purpose::STANDARD.decode(b64).ok();
        }
    }
    let blob = blob?;
    let (algo, bits) = parse_ssh_public(&blob)?;
    Some(KeyInfo {
        algo,
        bits,
        fingerprint: Some(ssh_fingerprint(&blob)),
        encrypted,
        format: format!("PuTTY v{version}"),
        comment,
    })
}

/// One line of `authorized_keys`: options, type, base64 blob, comment.
pub fn parse_authorized_line(line: &str) -> Option<KeyInfo> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // the key type is the first field that looks like one (options may precede it)
    let fields: Vec<&str> = line.split_whitespace().collect();
    let i = fields
        .iter()
        .position(|f| f.starts_with("ssh-") || f.starts_with("ecdsa-") || f.starts_with("sk-"))?;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(fields.get(i + 1)?)
        .ok()?;
    let (algo, bits) = parse_ssh_public(&blob)?;
    let comment = fields.get(i + 2..).map(|c| c.join(" "));
    Some(KeyInfo {
        algo,
        bits,
        fingerprint: Some(ssh_fingerprint(&blob)),
        encrypted: false,
        format: "authorized_keys".into(),
        comment,
    })
}

// ---------------------------------------------------------------------------------------
// DER private keys

fn seq<'a, 'b>(o: &'b BerObject<'a>) -> Option<&'b Vec<BerObject<'a>>> {
    o.as_sequence().ok()
}

pub(crate) fn int<'a>(o: &BerObject<'a>) -> Option<&'a [u8]> {
    match o.content {
        BerObjectContent::Integer(b) => Some(b),
        _ => None,
    }
}

fn oid_str(o: &BerObject) -> Option<String> {
    o.as_oid().ok().map(|x| x.to_id_string())
}

/// The content of a context-specific `[n] EXPLICIT` element, parsed.
fn explicit<'a>(o: &BerObject<'a>, n: u32) -> Option<BerObject<'a>> {
    if o.header.class() != x509_parser::der_parser::ber::Class::ContextSpecific
        || o.header.tag().0 != n
    {
        return None;
    }
    match &o.content {
        BerObjectContent::Unknown(any) => parse_der(any.data).ok().map(|(_, x)| x),
        BerObjectContent::Tagged(_, _, inner) => Some((**inner).clone()),
        _ => None,
    }
}

pub(crate) fn curve_of(oid: &str) -> (&'static str, u32, Option<&'static str>) {
    match oid {
        "1.2.840.10045.3.1.7" => ("ECDSA P-256", 256, Some("nistp256")),
        "1.3.132.0.34" => ("ECDSA P-384", 384, Some("nistp384")),
        "1.3.132.0.35" => ("ECDSA P-521", 521, Some("nistp521")),
        "1.3.132.0.33" => ("EC P-224", 224, None),
        "1.2.840.10045.3.1.1" => ("EC P-192", 192, None),
        "1.3.132.0.10" => ("EC secp256k1", 256, None),
        "1.3.36.3.3.2.8.1.1.7" => ("EC brainpoolP256r1", 256, None),
        _ => ("EC (unknown curve)", 0, None),
    }
}

pub(crate) fn rsa_info(n: &[u8], e: &[u8], format: &str) -> KeyInfo {
    let mut blob = Vec::new();
    put_string(&mut blob, b"ssh-rsa");
    put_mpint(&mut blob, e);
    put_mpint(&mut blob, n);
    KeyInfo {
        algo: "RSA".into(),
        bits: bit_len(n),
        fingerprint: Some(ssh_fingerprint(&blob)),
        encrypted: false,
        format: format.into(),
        comment: None,
    }
}

pub(crate) fn ec_info(curve_oid: Option<&str>, point: Option<&[u8]>, format: &str) -> KeyInfo {
    let (algo, bits, ssh) = curve_oid.map(curve_of).unwrap_or(("EC", 0, None));
    let fingerprint = match (ssh, point) {
        (Some(name), Some(q)) => {
            let mut blob = Vec::new();
            put_string(&mut blob, format!("ecdsa-sha2-{name}").as_bytes());
            put_string(&mut blob, name.as_bytes());
            put_string(&mut blob, q);
            Some(ssh_fingerprint(&blob))
        }
        // curves OpenSSH has no name for: SHA-256 of the public point
        (None, Some(q)) => Some(format!(
            "SHA256(point):{}",
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(Sha256::digest(q))
        )),
        _ => None,
    };
    KeyInfo {
        algo: algo.into(),
        bits,
        fingerprint,
        encrypted: false,
        format: format.into(),
        comment: None,
    }
}

/// PKCS#1 `RSAPrivateKey`.
fn parse_pkcs1(o: &BerObject, format: &str) -> Option<KeyInfo> {
    let s = seq(o)?;
    if s.len() < 9 {
        return None;
    }
    Some(rsa_info(int(&s[1])?, int(&s[2])?, format))
}

/// OpenSSL's traditional `DSAPrivateKey`: version, p, q, g, y, x.
fn parse_dsa(o: &BerObject, format: &str) -> Option<KeyInfo> {
    let s = seq(o)?;
    if s.len() != 6 {
        return None;
    }
    let f: Vec<&[u8]> = s.iter().map(int).collect::<Option<_>>()?;
    let mut blob = Vec::new();
    put_string(&mut blob, b"ssh-dss");
    for x in &f[1..5] {
        put_mpint(&mut blob, x);
    }
    Some(KeyInfo {
        algo: "DSA".into(),
        bits: bit_len(f[1]),
        fingerprint: Some(ssh_fingerprint(&blob)),
        encrypted: false,
        format: format.into(),
        comment: None,
    })
}

/// SEC1 `ECPrivateKey`; `curve` from the PKCS#8 algorithm when not stored inside.
fn parse_sec1(o: &BerObject, curve: Option<&str>, format: &str) -> Option<KeyInfo> {
    let s = seq(o)?;
    if s.len() < 2 || int(&s[0])? != [1] {
        return None;
    }
    s[1].as_slice().ok()?;
    let mut curve = curve.map(str::to_string);
    let mut point: Option<Vec<u8>> = None;
    for x in &s[2..] {
        if let Some(p) = explicit(x, 0) {
            curve = curve.or_else(|| oid_str(&p));
        } else if let Some(p) = explicit(x, 1) {
            point = p.as_bitstring().ok().map(|b| b.data.to_vec());
        }
    }
    Some(ec_info(curve.as_deref(), point.as_deref(), format))
}

/// PKCS#8 `PrivateKeyInfo`.
fn parse_pkcs8(o: &BerObject) -> Option<KeyInfo> {
    let s = seq(o)?;
    if s.len() < 3 {
        return None;
    }
    int(&s[0])?;
    let alg = seq(&s[1])?;
    let oid = oid_str(alg.first()?)?;
    let inner = s[2].as_slice().ok()?;
    let format = "PKCS#8";
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => parse_pkcs1(&parse_der(inner).ok()?.1, format),
        "1.2.840.10045.2.1" => {
            let curve = alg.get(1).and_then(oid_str);
            parse_sec1(&parse_der(inner).ok()?.1, curve.as_deref(), format)
        }
        "1.2.840.10040.4.1" => {
            // the public value y = g^x mod p is not stored; report size only
            let params = seq(alg.get(1)?)?;
            Some(KeyInfo {
                algo: "DSA".into(),
                bits: bit_len(int(params.first()?)?),
                fingerprint: None,
                encrypted: false,
                format: format.into(),
                comment: None,
            })
        }
        "1.3.101.112" => {
            let seed = parse_der(inner).ok()?.1.as_slice().ok()?;
            let seed: [u8; 32] = seed.try_into().ok()?;
            let public = ed25519_dalek::SigningKey::from_bytes(&seed)
                .verifying_key()
                .to_bytes();
            let mut blob = Vec::new();
            put_string(&mut blob, b"ssh-ed25519");
            put_string(&mut blob, &public);
            Some(KeyInfo {
                algo: "Ed25519".into(),
                bits: 256,
                fingerprint: Some(ssh_fingerprint(&blob)),
                encrypted: false,
                format: format.into(),
                comment: None,
            })
        }
        "1.3.101.113" => Some(KeyInfo {
            algo: "Ed448".into(),
            bits: 448,
            fingerprint: None,
            encrypted: false,
            format: format.into(),
            comment: None,
        }),
        _ => None,
    }
}

/// A private key in DER, of the kind a PEM label names (`None`: try every kind).
pub fn parse_private_der(der: &[u8], label: Option<&str>) -> Option<KeyInfo> {
    let (rest, o) = parse_der(der).ok()?;
    if !rest.is_empty() && label.is_none() {
        return None;
    }
    let pem = label.is_some();
    let fmt = |f: &str| {
        if pem {
            format!("PEM {f}")
        } else {
            format!("DER {f}")
        }
    };
    match label {
        Some("RSA PRIVATE KEY") => parse_pkcs1(&o, &fmt("PKCS#1")),
        Some("DSA PRIVATE KEY") => parse_dsa(&o, &fmt("DSA")),
        Some("EC PRIVATE KEY") => parse_sec1(&o, None, &fmt("SEC1")),
        Some("PRIVATE KEY") => parse_pkcs8(&o).map(|mut k| {
            k.format = fmt("PKCS#8");
            k
        }),
        Some(_) => None,
        None => parse_pkcs8(&o)
            .map(|mut k| {
                k.format = fmt("PKCS#8");
                k
            })
            .or_else(|| parse_pkcs1(&o, &fmt("PKCS#1")))
            .or_else(|| parse_dsa(&o, &fmt("DSA")))
            .or_else(|| parse_sec1(&o, None, &fmt("SEC1"))),
    }
}

/// A private key in a PEM block.
pub fn parse_private_pem(block: &pem::Pem) -> Option<KeyInfo> {
    let label = block.tag();
    let encrypted_header = block
        .headers()
        .get("Proc-Type")
        .is_some_and(|v| v.contains("ENCRYPTED"));
    let algo_from_label = |l: &str| match l {
        "RSA PRIVATE KEY" => "RSA",
        "DSA PRIVATE KEY" => "DSA",
        "EC PRIVATE KEY" => "EC",
        _ => "unknown",
    };
    if label == "ENCRYPTED PRIVATE KEY" || encrypted_header {
        return Some(KeyInfo {
            algo: algo_from_label(label).into(),
            bits: 0,
            fingerprint: None,
            encrypted: true,
            format: if encrypted_header {
                "PEM (traditional, encrypted)".into()
            } else {
                "PEM PKCS#8 (encrypted)".into()
            },
            comment: None,
        });
    }
    match label {
        "OPENSSH PRIVATE KEY" => parse_openssh(block.contents()),
        l => parse_private_der(block.contents(), Some(l)),
    }
}

// ---------------------------------------------------------------------------------------
// PEM

/// The PEM blocks anywhere in `data` (text files, and PEM embedded in binaries), with their
/// offsets; bounded in count and block size.
pub fn pem_blocks(data: &[u8]) -> Vec<(usize, pem::Pem)> {
    let finder = memchr::memmem::Finder::new(b"-----BEGIN ");
    let mut blocks: Vec<(usize, pem::Pem)> = Vec::new();
    let mut pos = 0;
    while let Some(i) = finder.find(&data[pos..]) {
        let start = pos + i;
        pos = start + 11;
        if blocks.len() >= MAX_PEM_BLOCKS {
            break;
        }
        let window = &data[start..data.len().min(start + MAX_PEM_BLOCK)];
        let Some(label_end) = memchr::memmem::find(&window[11..], b"-----") else {
            continue;
        };
        let label = &window[11..11 + label_end];
        let mut end_marker = b"-----END ".to_vec();
        end_marker.extend_from_slice(label);
        end_marker.extend_from_slice(b"-----");
        let Some(j) = memchr::memmem::find(window, &end_marker) else {
            continue;
        };
        let block = &window[..j + end_marker.len()];
        if let Ok(p) = pem::parse(block) {
            blocks.push((start, p));
            pos = start + block.len();
        }
    }
    blocks
}

// ---------------------------------------------------------------------------------------
// The analyzer

fn is_host_key(inner: &str) -> bool {
    let name = netvet_unpack::path::file_name(inner);
    name.contains("host_key")
        || name.contains("hostkey")
        || name.starts_with("ssh_host_")
        || inner.contains("etc/dropbear/")
}

#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    trust_store_certs: usize,
    trust_store_expired: usize,
    /// SHA-256 fingerprints of the trust-store certificates in this file.
    trust_store_fps: Vec<String>,
    /// Private keys whose public key is known: (index of its `key.private` finding, key
    /// fingerprint), matched with certificates across files in [`Keys::run`].
    keys: Vec<(usize, String)>,
    /// Certificates outside trust stores, with their offset when embedded.
    certs: Vec<(CertInfo, Option<u64>)>,
}

/// Keys and certificates analyzer.
pub struct Keys;

impl Keys {
    fn key_findings(&self, e: &Entry, k: &KeyInfo, offset: Option<u64>, out: &mut FileResult) {
        let inner = e.inner_path();
        let host = is_host_key(inner);
        let sev = if k.encrypted {
            Severity::Medium
        } else if host {
            Severity::Critical
        } else {
            Severity::High
        };
        let key = k
            .fingerprint
            .clone()
            .unwrap_or_else(|| format!("{} {}", k.algo, k.format));
        let mut ev = k.describe();
        if host {
            ev.push_str("; SSH host key shared by every device running this image");
        }
        if let Some(o) = offset {
            ev.push_str(&format!("; at offset {o}"));
        }
        if let Some(fp) = &k.fingerprint {
            out.keys.push((out.findings.len(), fp.clone()));
        }
        let mut f = Finding::new(
            kinds::KEY_PRIVATE,
            sev,
            format!(
                "{} private key{}",
                k.algo,
                if host { " (SSH host key)" } else { "" }
            ),
            Some(e.path.clone()),
            ev,
        )
        .with_key(&key);
        if let Some(o) = offset {
            f = f.with_offset(o);
        }
        out.findings.push(f);
        if let Some(w) = k.weakness() {
            out.findings.push(
                Finding::new(
                    kinds::KEY_WEAK,
                    Severity::Medium,
                    format!("Weak {} key", k.algo),
                    Some(e.path.clone()),
                    format!("{w}; {}", k.describe()),
                )
                .with_key(&key),
            );
        }
    }

    fn cert_findings(
        &self,
        e: &Entry,
        c: &CertInfo,
        trust: bool,
        now: i64,
        offset: Option<u64>,
        out: &mut FileResult,
    ) {
        let expired = c.not_after < now;
        if trust {
            out.trust_store_certs += 1;
            out.trust_store_fps.push(c.fingerprint.clone());
            if expired {
                out.trust_store_expired += 1;
            }
            return;
        }
        let who = c.describe();
        let at = offset
            .map(|o| format!(" at offset {o}"))
            .unwrap_or_default();
        let finding = |kind: &str, sev: Severity, title: &str, ev: String| {
            let f =
                Finding::new(kind, sev, title, Some(e.path.clone()), ev).with_key(&c.fingerprint);
            match offset {
                Some(o) => f.with_offset(o),
                None => f,
            }
        };
        if expired {
            out.findings.push(finding(
                kinds::KEY_CERTIFICATE_EXPIRED,
                Severity::Medium,
                "Expired certificate",
                format!("expired {}{at}: {who}", c.not_after_text),
            ));
        } else if c.not_before > now {
            out.findings.push(finding(
                kinds::KEY_CERTIFICATE_NOT_YET_VALID,
                Severity::Low,
                "Certificate not yet valid",
                format!("valid only from {}{at}: {who}", c.not_before_text),
            ));
        }
        let mut why = Vec::new();
        if c.weak_signature {
            why.push(format!("weak signature algorithm {}", c.signature));
        }
        if let Some(w) = &c.key_weakness {
            why.push(w.clone());
        }
        if !why.is_empty() {
            out.findings.push(finding(
                kinds::KEY_CERTIFICATE_WEAK,
                Severity::Medium,
                "Certificate with a weak signature or key",
                format!("{}{at}: {who}", why.join("; ")),
            ));
        }
        out.certs.push((c.clone(), offset));
    }

    fn scan_file(&self, tree: &Tree, e: &Entry, now: i64) -> FileResult {
        let _ = tree;
        let mut out = FileResult::default();
        let data: &[u8] = &e.data;
        if data.is_empty() || e.size > MAX_FILE {
            return out;
        }
        let name = e.file_name();
        // authorized_keys shipped in the image
        if name == "authorized_keys" || name == "authorized_keys2" {
            let text = String::from_utf8_lossy(data);
            for (n, line) in text.lines().enumerate().take(10_000) {
                if let Some(k) = parse_authorized_line(line) {
                    let fp = k.fingerprint.clone().unwrap_or_default();
                    out.findings.push(
                        Finding::new(
                            kinds::CREDENTIAL_HARDCODED_SECRET,
                            Severity::High,
                            "SSH authorized key shipped in the image",
                            Some(e.path.clone()),
                            format!(
                                "line {}: {} (whoever holds the private key can log in)",
                                n + 1,
                                k.describe()
                            ),
                        )
                        .with_key(&fp),
                    );
                    if let Some(w) = k.weakness() {
                        out.findings.push(
                            Finding::new(
                                kinds::KEY_WEAK,
                                Severity::Medium,
                                format!("Weak {} authorized key", k.algo),
                                Some(e.path.clone()),
                                format!("line {}: {w}; {}", n + 1, k.describe()),
                            )
                            .with_key(&fp),
                        );
                    }
                }
            }
            return out;
        }
        // whole-file formats
        if data.starts_with(b"PuTTY-User-Key-File-") {
            if let Some(k) = parse_putty(&String::from_utf8_lossy(data)) {
                self.key_findings(e, &k, None, &mut out);
            }
            return out;
        }
        if data.len() <= MAX_DER_FILE && data.first() == Some(&0) {
            if let Some(k) = parse_dropbear(data) {
                self.key_findings(e, &k, None, &mut out);
                return out;
            }
        }
        if data.len() <= MAX_DER_FILE && data.first() == Some(&0x30) {
            if let Some(c) = parse_cert(data) {
                let trust = in_trust_store(e.inner_path(), 1);
                self.cert_findings(e, &c, trust, now, None, &mut out);
                return out;
            }
            if let Some(k) = parse_private_der(data, None) {
                self.key_findings(e, &k, None, &mut out);
                return out;
            }
        }
        // PEM blocks anywhere (text files, and PEM embedded in binaries), and DER
        // certificates embedded in binaries
        let blocks = pem_blocks(data);
        let der = certs::der_certs(data);
        let certs_in_file = blocks
            .iter()
            .filter(|(_, b)| b.tag().ends_with("CERTIFICATE"))
            .count()
            + der.len();
        let trust = in_trust_store(e.inner_path(), certs_in_file);
        for (off, b) in &blocks {
            let tag = b.tag();
            let offset = (*off > 0).then_some(*off as u64);
            if tag == "CERTIFICATE" || tag == "X509 CERTIFICATE" || tag == "TRUSTED CERTIFICATE" {
                if let Some(c) = parse_cert(b.contents()) {
                    self.cert_findings(e, &c, trust, now, offset, &mut out);
                }
            } else if tag.ends_with("PRIVATE KEY") {
                if let Some(k) = parse_private_pem(b) {
                    self.key_findings(e, &k, offset, &mut out);
                }
            }
        }
        for (off, c) in &der {
            self.cert_findings(e, c, trust, now, Some(*off as u64), &mut out);
        }
        out
    }
}

/// A certificate outside the trust stores, with the file it is in.
struct PlacedCert<'a> {
    path: &'a str,
    cert: &'a CertInfo,
    offset: Option<u64>,
}

fn place(c: &PlacedCert) -> String {
    match c.offset {
        Some(o) => format!("{} (offset {o})", c.path),
        None => c.path.to_string(),
    }
}

/// Cross-file judgements: private keys matched with the certificates of their public key
/// (the key's evidence names the certificates' paths), and self-signed CA certificates
/// shipped outside the trust store (`key.certificate-untrusted-ca`, naming the shipped
/// private key's path when there is one).
fn match_keys_and_certs(entries: &[&Entry], results: &mut [FileResult]) -> Vec<Finding> {
    use std::collections::{BTreeMap, BTreeSet};
    let store: BTreeSet<&str> = results
        .iter()
        .flat_map(|r| r.trust_store_fps.iter().map(String::as_str))
        .collect();
    let mut by_key: BTreeMap<String, Vec<PlacedCert>> = BTreeMap::new();
    let mut anchors: Vec<PlacedCert> = Vec::new();
    for (e, r) in entries.iter().zip(results.iter()) {
        for (c, offset) in &r.certs {
            let placed = || PlacedCert {
                path: &e.path,
                cert: c,
                offset: *offset,
            };
            if let Some(fp) = &c.public_key_fingerprint {
                by_key.entry(fp.clone()).or_default().push(placed());
            }
            if certs::is_trust_anchor(c, e.inner_path()) && !store.contains(c.fingerprint.as_str())
            {
                anchors.push(placed());
            }
        }
    }
    // the paths of the private key of each public key
    let mut key_paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut patches: Vec<(usize, usize, String)> = Vec::new();
    for (fi, (e, r)) in entries.iter().zip(results.iter()).enumerate() {
        for (idx, fp) in &r.keys {
            let paths = key_paths.entry(fp.clone()).or_default();
            if !paths.contains(&e.path) {
                paths.push(e.path.clone());
            }
            let Some(list) = by_key.get(fp) else { continue };
            let named: Vec<String> = list
                .iter()
                .take(4)
                .map(|c| format!("{} (subject '{}')", place(c), c.cert.subject))
                .collect();
            let more = list.len().saturating_sub(named.len());
            patches.push((
                fi,
                *idx,
                format!(
                    "; the private key of the certificate{} at {}{}",
                    if list.len() > 1 { "s" } else { "" },
                    named.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    let mut out = Vec::new();
    let mut seen: BTreeSet<(&str, &str)> = BTreeSet::new();
    for a in anchors {
        if !seen.insert((a.path, a.cert.fingerprint.as_str())) {
            continue;
        }
        let keys: &[String] = a
            .cert
            .public_key_fingerprint
            .as_ref()
            .and_then(|fp| key_paths.get(fp))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let (sev, title, tail) = if keys.is_empty() {
            (
                Severity::Low,
                "Self-signed CA certificate shipped as a trust anchor",
                String::new(),
            )
        } else {
            (
                Severity::High,
                "Self-signed CA certificate shipped with its private key",
                format!(
                    "; its private key is shipped too, at {}: anyone with the image can issue \
                     certificates this anchor accepts",
                    keys.join(", ")
                ),
            )
        };
        let mut f = Finding::new(
            kinds::KEY_CERTIFICATE_UNTRUSTED_CA,
            sev,
            title,
            Some(a.path.to_string()),
            format!(
                "self-signed CA certificate outside the system trust store{}: {}{tail}",
                a.offset
                    .map(|o| format!(" at offset {o}"))
                    .unwrap_or_default(),
                a.cert.describe()
            ),
        )
        .with_key(&a.cert.fingerprint);
        if let Some(o) = a.offset {
            f = f.with_offset(o);
        }
        out.push(f);
    }
    for (fi, idx, text) in patches {
        if let Some(f) = results[fi].findings.get_mut(idx) {
            f.evidence.push_str(&text);
        }
    }
    out
}

impl Analyzer for Keys {
    fn name(&self) -> &'static str {
        "keys"
    }

    fn run(&self, cx: &Context) -> Output {
        let files: Vec<&Entry> = cx.tree.files().collect();
        let mut results: Vec<FileResult> = files
            .par_iter()
            .map(|e| {
                let r = self.scan_file(cx.tree, e, cx.options.now);
                netvet_unpack::spool::release(&e.data);
                r
            })
            .collect();
        let mut out = Output::default();
        let cross = match_keys_and_certs(&files, &mut results);
        let (mut certs, mut expired, mut other) = (0, 0, 0);
        for r in results {
            out.findings.extend(r.findings);
            certs += r.trust_store_certs;
            expired += r.trust_store_expired;
            other += r.certs.len();
        }
        out.findings.extend(cross);
        out.summaries.push((
            "keys".into(),
            serde_json::json!({
                "trust_store_certificates": certs,
                "trust_store_expired": expired,
                "other_certificates": other,
            }),
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_reader_is_bounded() {
        let mut w = Wire::new(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
        assert!(w.string().is_none());
        assert!(parse_dropbear(&[0, 0, 0, 7]).is_none());
        assert!(parse_openssh(b"openssh-key-v1\0\xff\xff\xff\xff").is_none());
        assert!(parse_ssh_public(b"").is_none());
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_len(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_len(&[0x01]), 1);
        assert_eq!(bit_len(&[]), 0);
        let mut b = Vec::new();
        put_mpint(&mut b, &[0x00, 0x00, 0x80]);
        assert_eq!(b, [0, 0, 0, 2, 0, 0x80]);
    }
}
