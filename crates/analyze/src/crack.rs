//! Password hash schemes and a budgeted, parallel dictionary attack.
//!
//! Hash verification comes from crates: `pwhash` (DES crypt, md5-crypt `$1$`, sha256-crypt
//! `$5$`, sha512-crypt `$6$`, bcrypt `$2a$/$2b$/$2y$`) and `yescrypt` (`$y$`). Written here by
//! hand, because no maintained crate offers them: Apache's `$apr1$` (md5-crypt with another
//! magic string, about thirty lines over the `md-5` crate), the unsalted hex MD5 that some
//! firmware stores in `passwd`, and the two web-server formats that are one digest call each
//! (`{SHA}` of `htpasswd -s` over the `sha1` crate, and the `htdigest` HA1 over `md-5`).
//!
//! Hostile hashes: every scheme's cost parameter is read before the first attempt and a hash
//! whose single evaluation would be too slow or too large (sha-crypt rounds, bcrypt cost,
//! yescrypt memory) is refused with a reason instead of being tried.

use md5::{Digest, Md5};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// sha-crypt rounds above this are not attempted (the default is 5000).
pub const MAX_SHA_CRYPT_ROUNDS: u64 = 1_000_000;
/// bcrypt cost above this is not attempted (2^14 rounds is already about a second per try).
pub const MAX_BCRYPT_COST: u32 = 14;
/// yescrypt memory (128 * N * r * p bytes) above this is not attempted.
pub const MAX_YESCRYPT_MEMORY: u64 = 64 << 20;
/// Longest hash string accepted (a sha512-crypt hash with rounds is about 120 characters).
const MAX_HASH_LEN: usize = 256;

/// A password storage scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Traditional DES crypt (13 characters, 2 of salt; only 8 password characters count).
    Des,
    /// Unsalted hex MD5 of the password (32 hex digits).
    Md5Unsalted,
    /// md5-crypt, `$1$`.
    Md5Crypt,
    /// Apache md5-crypt variant, `$apr1$`.
    Apr1,
    /// sha256-crypt, `$5$`.
    Sha256Crypt,
    /// sha512-crypt, `$6$`.
    Sha512Crypt,
    /// bcrypt, `$2a$`, `$2b$`, `$2y$`.
    Bcrypt,
    /// yescrypt, `$y$`.
    Yescrypt,
    /// The password itself, stored in clear.
    Plain,
    /// Apache `htpasswd -s`: `{SHA}` and the base64 of the unsalted SHA-1 of the password.
    Sha1Base64,
    /// The password in clear text under base64 (vendor configuration stores "hide" web
    /// passwords this way: `YWRtaW4=`).
    Base64,
    /// Apache/lighttpd digest file entry: the hash string is `user:realm:md5hex`, the MD5 of
    /// `user:realm:password` (RFC 2617 HA1).
    HtDigest,
}

impl Scheme {
    /// Name used in evidence (`md5-crypt`, `sha512-crypt`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Des => "des-crypt",
            Scheme::Md5Unsalted => "md5-unsalted",
            Scheme::Md5Crypt => "md5-crypt",
            Scheme::Apr1 => "apr1-md5",
            Scheme::Sha256Crypt => "sha256-crypt",
            Scheme::Sha512Crypt => "sha512-crypt",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Yescrypt => "yescrypt",
            Scheme::Plain => "plain-text",
            Scheme::Sha1Base64 => "sha1-unsalted",
            Scheme::HtDigest => "htdigest-md5",
            Scheme::Base64 => "base64-plain",
        }
    }

    /// A broken storage scheme (`credential.weak-hash`).
    pub fn is_broken(self) -> bool {
        matches!(
            self,
            Scheme::Des
                | Scheme::Md5Unsalted
                | Scheme::Plain
                | Scheme::Sha1Base64
                | Scheme::HtDigest
                | Scheme::Base64
        )
    }

    /// Every scheme that is cracked by hashing candidates.
    pub const CRACKABLE: [Scheme; 11] = [
        Scheme::Des,
        Scheme::Md5Unsalted,
        Scheme::Md5Crypt,
        Scheme::Apr1,
        Scheme::Sha256Crypt,
        Scheme::Sha512Crypt,
        Scheme::Bcrypt,
        Scheme::Yescrypt,
        Scheme::Sha1Base64,
        Scheme::HtDigest,
        Scheme::Base64,
    ];
}

/// A value that is the base64 of printable text, decoded (only values with `=` padding, so
/// that ordinary passwords are not taken for base64).
pub fn base64_text(v: &str) -> Option<String> {
    use base64::Engine;
    if v.len() < 4 || !v.len().is_multiple_of(4) || !v.ends_with('=') {
        return None;
    }
    let d = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let s = String::from_utf8(d).ok()?;
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_graphic())).then_some(s)
}

const CRYPT_ALPHABET: &[u8] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn is_crypt_chars(s: &str) -> bool {
    s.bytes().all(|b| CRYPT_ALPHABET.contains(&b))
}

/// Identify the scheme of a password field that is neither empty nor a lock marker.
/// Returns `None` for a `$id$` the tool does not know (it is then neither cracked nor
/// called plain text).
pub fn identify(field: &str) -> Option<Scheme> {
    if field.is_empty() || field.len() > MAX_HASH_LEN {
        return None;
    }
    if let Some(rest) = field.strip_prefix('$') {
        let id = rest.split('$').next().unwrap_or("");
        return match id {
            "1" => Some(Scheme::Md5Crypt),
            "apr1" => Some(Scheme::Apr1),
            "5" => Some(Scheme::Sha256Crypt),
            "6" => Some(Scheme::Sha512Crypt),
            "2a" | "2b" | "2y" => Some(Scheme::Bcrypt),
            "y" => Some(Scheme::Yescrypt),
            _ => None,
        };
    }
    if let Some(b) = field.strip_prefix("{SHA}") {
        if b.len() == 28 && b.ends_with('=') {
            return Some(Scheme::Sha1Base64);
        }
    }
    if field.len() == 13 && is_crypt_chars(field) {
        return Some(Scheme::Des);
    }
    if field.len() == 32 && field.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(Scheme::Md5Unsalted);
    }
    // Anything else printable without a scheme marker is taken as the password in clear
    // (BusyBox and vendor `passwd` files written by hand).
    if field.bytes().all(|b| b.is_ascii_graphic()) {
        return Some(Scheme::Plain);
    }
    None
}

/// Check that evaluating `hash` once is affordable; `Err` names the parameter that is not.
pub fn check_cost(scheme: Scheme, hash: &str) -> Result<(), String> {
    match scheme {
        Scheme::Sha256Crypt | Scheme::Sha512Crypt => {
            let rest = hash.get(3..).unwrap_or("");
            if let Some(r) = rest.strip_prefix("rounds=") {
                let n: u64 = r
                    .split('$')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| "unreadable rounds= parameter".to_string())?;
                if n > MAX_SHA_CRYPT_ROUNDS {
                    return Err(format!(
                        "rounds={n} exceeds the limit of {MAX_SHA_CRYPT_ROUNDS}"
                    ));
                }
            }
            Ok(())
        }
        Scheme::Bcrypt => {
            let cost: u32 = hash
                .get(4..6)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| "unreadable bcrypt cost".to_string())?;
            if cost > MAX_BCRYPT_COST {
                return Err(format!(
                    "bcrypt cost {cost} exceeds the limit of {MAX_BCRYPT_COST}"
                ));
            }
            Ok(())
        }
        Scheme::Yescrypt => {
            let params = hash
                .get(3..)
                .and_then(|r| r.split('$').next())
                .ok_or_else(|| "missing yescrypt parameters".to_string())?;
            let p: yescrypt::Params = params
                .parse()
                .map_err(|e| format!("unreadable yescrypt parameters '{params}': {e}"))?;
            let mem = 128u64
                .saturating_mul(p.n())
                .saturating_mul(u64::from(p.r()))
                .saturating_mul(u64::from(p.p()));
            if mem > MAX_YESCRYPT_MEMORY {
                return Err(format!(
                    "yescrypt needs {} MiB, over the limit of {} MiB",
                    mem >> 20,
                    MAX_YESCRYPT_MEMORY >> 20
                ));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether `candidate` is the password of `hash` under `scheme`.
pub fn verify(scheme: Scheme, hash: &str, candidate: &str) -> bool {
    match scheme {
        Scheme::Des => {
            // DES crypt ignores everything after 8 characters; pwhash wants a salt of two
            // crypt characters, which identify() already checked.
            pwhash::unix_crypt::verify(candidate, hash)
        }
        Scheme::Md5Unsalted => {
            let d = Md5::digest(candidate.as_bytes());
            hex_eq(&d, hash)
        }
        Scheme::Md5Crypt => pwhash::md5_crypt::verify(candidate, hash),
        Scheme::Apr1 => apr1_verify(candidate, hash),
        Scheme::Sha256Crypt => pwhash::sha256_crypt::verify(candidate, hash),
        Scheme::Sha512Crypt => pwhash::sha512_crypt::verify(candidate, hash),
        Scheme::Bcrypt => pwhash::bcrypt::verify(candidate, hash),
        Scheme::Yescrypt => {
            use yescrypt::PasswordVerifier;
            yescrypt::Yescrypt::default()
                .verify_password(candidate.as_bytes(), hash)
                .is_ok()
        }
        Scheme::Plain => candidate == hash,
        Scheme::Sha1Base64 => {
            use base64::Engine;
            let d = sha1::Sha1::digest(candidate.as_bytes());
            hash.strip_prefix("{SHA}")
                == Some(&base64::engine::general_purpose::STANDARD.encode(d)[..])
        }
        Scheme::Base64 => base64_text(hash).is_some_and(|p| p == candidate),
        Scheme::HtDigest => {
            // user:realm:hex; the user and realm cannot contain ':' in these files
            let Some((user_realm, hex_part)) = hash.rsplit_once(':') else {
                return false;
            };
            let mut d = Md5::new();
            d.update(user_realm.as_bytes());
            d.update(b":");
            d.update(candidate.as_bytes());
            hex_eq(&d.finalize(), hex_part)
        }
    }
}

fn hex_eq(digest: &[u8], hex_str: &str) -> bool {
    let h = hex_str.as_bytes();
    if h.len() != digest.len() * 2 {
        return false;
    }
    digest.iter().enumerate().all(|(i, b)| {
        let hi = (h[2 * i] as char).to_digit(16);
        let lo = (h[2 * i + 1] as char).to_digit(16);
        matches!((hi, lo), (Some(hi), Some(lo)) if (hi * 16 + lo) as u8 == *b)
    })
}

/// md5-crypt with the magic string `$apr1$` (Apache `htpasswd -m`): the algorithm of
/// md5-crypt (Poul-Henning Kamp, FreeBSD) with only the magic changed.
pub fn apr1_hash(password: &str, salt: &str) -> String {
    md5_crypt_with_magic(password.as_bytes(), salt, "$apr1$")
}

fn apr1_verify(candidate: &str, hash: &str) -> bool {
    let Some(rest) = hash.strip_prefix("$apr1$") else {
        return false;
    };
    let salt = rest.split('$').next().unwrap_or("");
    let salt = salt.get(..salt.len().min(8)).unwrap_or(salt);
    apr1_hash(candidate, salt) == hash
}

fn md5_crypt_with_magic(pass: &[u8], salt: &str, magic: &str) -> String {
    let salt = salt.as_bytes();
    let alt = {
        let mut d = Md5::new();
        d.update(pass);
        d.update(salt);
        d.update(pass);
        d.finalize()
    };
    let mut d = Md5::new();
    d.update(pass);
    d.update(magic.as_bytes());
    d.update(salt);
    let mut left = pass.len();
    while left > 0 {
        let n = left.min(16);
        d.update(&alt[..n]);
        left -= n;
    }
    let mut i = pass.len();
    while i > 0 {
        if i & 1 == 1 {
            d.update([0u8]);
        } else {
            d.update(&pass[..1]);
        }
        i >>= 1;
    }
    let mut fin = d.finalize();
    for r in 0..1000 {
        let mut d = Md5::new();
        if r & 1 == 1 {
            d.update(pass);
        } else {
            d.update(fin);
        }
        if r % 3 != 0 {
            d.update(salt);
        }
        if r % 7 != 0 {
            d.update(pass);
        }
        if r & 1 == 1 {
            d.update(fin);
        } else {
            d.update(pass);
        }
        fin = d.finalize();
    }
    let mut out = String::with_capacity(magic.len() + salt.len() + 23);
    out.push_str(magic);
    out.push_str(&String::from_utf8_lossy(salt));
    out.push('$');
    let groups = [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)];
    for (a, b, c) in groups {
        let v = (u32::from(fin[a]) << 16) | (u32::from(fin[b]) << 8) | u32::from(fin[c]);
        push_b64(&mut out, v, 4);
    }
    push_b64(&mut out, u32::from(fin[11]), 2);
    out
}

fn push_b64(out: &mut String, mut v: u32, n: usize) {
    for _ in 0..n {
        out.push(CRYPT_ALPHABET[(v & 0x3f) as usize] as char);
        v >>= 6;
    }
}

/// One hash to crack and its ordered candidates.
#[derive(Debug, Clone)]
pub struct Job {
    pub scheme: Scheme,
    pub hash: String,
    /// Candidates, most likely first, without duplicates.
    pub candidates: Vec<String>,
}

/// What happened to one [`Job`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The password, when found, and its index in the candidate list.
    pub found: Option<(String, usize)>,
    /// Candidates hashed.
    pub tried: usize,
    pub total: usize,
    /// Why the hash was not attempted (cost limits).
    pub refused: Option<String>,
    /// The budget ran out before every candidate was tried.
    pub budget_exhausted: bool,
}

/// Try every job's candidates, in parallel, until each is cracked, its candidates are
/// exhausted, or `budget` (wall clock, shared by all jobs) runs out. Jobs advance in rounds
/// of a few candidates each so that one slow hash (bcrypt) does not starve a fast one.
pub fn crack(jobs: &[Job], budget: Duration) -> Vec<Outcome> {
    let deadline = Instant::now() + budget;
    let found: Vec<OnceLock<usize>> = jobs.iter().map(|_| OnceLock::new()).collect();
    let tried: Vec<AtomicUsize> = jobs.iter().map(|_| AtomicUsize::new(0)).collect();
    let refused: Vec<Option<String>> = jobs
        .iter()
        .map(|j| check_cost(j.scheme, &j.hash).err())
        .collect();
    // candidates per job per round: enough to keep both cores busy on cheap schemes
    let round_size = |s: Scheme| match s {
        Scheme::Des
        | Scheme::Md5Unsalted
        | Scheme::Plain
        | Scheme::Sha1Base64
        | Scheme::HtDigest
        | Scheme::Base64 => 4096,
        Scheme::Md5Crypt | Scheme::Apr1 => 256,
        Scheme::Sha256Crypt | Scheme::Sha512Crypt => 64,
        Scheme::Bcrypt | Scheme::Yescrypt => 8,
    };
    let mut pos: Vec<usize> = vec![0; jobs.len()];
    let mut out_of_time = false;
    loop {
        let mut work: Vec<(usize, usize)> = Vec::new();
        for (j, job) in jobs.iter().enumerate() {
            if refused[j].is_some() || found[j].get().is_some() {
                continue;
            }
            let start = pos[j];
            let end = (start + round_size(job.scheme)).min(job.candidates.len());
            work.extend((start..end).map(|c| (j, c)));
            pos[j] = end;
        }
        if work.is_empty() {
            break;
        }
        work.par_iter().for_each(|&(j, c)| {
            if found[j].get().is_some() || Instant::now() >= deadline {
                return;
            }
            tried[j].fetch_add(1, Ordering::Relaxed);
            let job = &jobs[j];
            if verify(job.scheme, &job.hash, &job.candidates[c]) {
                // the lowest index wins when two threads both succeed (identical passwords
                // under DES truncation)
                let _ = found[j].set(c);
            }
        });
        if Instant::now() >= deadline {
            out_of_time = true;
            break;
        }
    }
    jobs.iter()
        .enumerate()
        .map(|(j, job)| {
            let f = found[j].get().map(|&c| (job.candidates[c].clone(), c));
            let t = tried[j].load(Ordering::Relaxed);
            Outcome {
                budget_exhausted: out_of_time
                    && f.is_none()
                    && refused[j].is_none()
                    && t < job.candidates.len(),
                found: f,
                tried: t,
                total: job.candidates.len(),
                refused: refused[j].clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors made with `openssl passwd` and libxcrypt (`crypt(3)`), and Openwall's
    // crypt_blowfish test vector.
    const MD5: &str = "$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1";

    #[test]
    fn identifies_schemes() {
        assert_eq!(identify(MD5), Some(Scheme::Md5Crypt));
        assert_eq!(identify("$apr1$x$y"), Some(Scheme::Apr1));
        assert_eq!(identify("$6$salt$abc"), Some(Scheme::Sha512Crypt));
        assert_eq!(identify("$2b$10$abc"), Some(Scheme::Bcrypt));
        assert_eq!(identify("$y$j9T$a$b"), Some(Scheme::Yescrypt));
        assert_eq!(identify("aZGJuE6EXrjEE"), Some(Scheme::Des));
        assert_eq!(
            identify("21232f297a57a5a743894a0e4a801fc3"),
            Some(Scheme::Md5Unsalted)
        );
        assert_eq!(identify("hunter2"), Some(Scheme::Plain));
        assert_eq!(identify("$9$unknown"), None);
        assert_eq!(identify(""), None);
    }

    #[test]
    fn verifies_each_scheme() {
        assert!(verify(Scheme::Md5Crypt, MD5, "admin"));
        assert!(!verify(Scheme::Md5Crypt, MD5, "admin1"));
        assert!(verify(Scheme::Des, "aZGJuE6EXrjEE", "test"));
        assert!(verify(
            Scheme::Md5Unsalted,
            "21232f297a57a5a743894a0e4a801fc3",
            "admin"
        ));
        assert!(verify(
            Scheme::Apr1,
            "$apr1$saltsalt$9c0WR0Se3z5lfIgYnltHf1",
            "admin"
        ));
        assert!(verify(
            Scheme::Sha256Crypt,
            "$5$saltsalt$ajilCybiF3oQBEfeTHO1rkbsmz9HcJplt.gHWXkRfD4",
            "admin"
        ));
        assert!(verify(
            Scheme::Sha512Crypt,
            "$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1",
            "admin"
        ));
        assert!(verify(
            Scheme::Bcrypt,
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "U*U"
        ));
        assert!(verify(
            Scheme::Yescrypt,
            "$y$j9T$abcdefghijklmnop$5MpaJ6mYQgeqLje.dQWuzmjhB.Uwp8kNmSyfdzfZPa5",
            "admin"
        ));
        assert!(!verify(
            Scheme::Yescrypt,
            "$y$j9T$abcdefghijklmnop$5MpaJ6mYQgeqLje.dQWuzmjhB.Uwp8kNmSyfdzfZPa5",
            "admin2"
        ));
    }

    #[test]
    fn web_server_schemes() {
        // python3: base64(sha1(b"admin")), md5(b"admin:netvet:admin").hexdigest()
        let sha = "{SHA}0DPiKuNIrrVmD8IUCuw1hQxNqZc=";
        assert_eq!(identify(sha), Some(Scheme::Sha1Base64));
        assert!(verify(Scheme::Sha1Base64, sha, "admin"));
        assert!(!verify(Scheme::Sha1Base64, sha, "admin1"));
        let dig = "admin:netvet:09f56027d957d121a33f3e0f9cf5787f";
        assert!(verify(Scheme::HtDigest, dig, "admin"));
        assert!(!verify(Scheme::HtDigest, dig, "password"));
        assert!(!verify(Scheme::HtDigest, "no-colons", "admin"));
        assert!(verify(Scheme::Base64, "YWRtaW4=", "admin"));
        assert!(!verify(Scheme::Base64, "YWRtaW4=", "YWRtaW4="));
        assert_eq!(base64_text("YWRtaW4="), Some("admin".to_string()));
        assert_eq!(base64_text("admin123"), None);
        // openssl passwd -apr1 -salt netvet12 admin
        assert!(verify(
            Scheme::Apr1,
            "$apr1$netvet12$zAKbrSDcrGFmy90.hWl/3/",
            "admin"
        ));
    }

    #[test]
    fn apr1_matches_md5_crypt_structure() {
        // with the `$1$` magic our implementation must agree with pwhash's md5-crypt
        let ours = md5_crypt_with_magic(b"admin", "4ce6a0", "$1$");
        assert_eq!(ours, MD5);
    }

    #[test]
    fn refuses_expensive_parameters() {
        assert!(check_cost(Scheme::Sha512Crypt, "$6$rounds=999999999$s$h").is_err());
        assert!(check_cost(Scheme::Sha512Crypt, "$6$rounds=5000$s$h").is_ok());
        assert!(check_cost(Scheme::Bcrypt, "$2b$31$abc").is_err());
        assert!(check_cost(Scheme::Bcrypt, "$2b$zz$abc").is_err());
        // N = 2^22, r = 32 would need 16 GiB
        assert!(check_cost(Scheme::Yescrypt, "$y$jJT$abc$def").is_err());
        assert!(check_cost(Scheme::Yescrypt, "$y$j9T$abc$def").is_ok());
    }

    #[test]
    fn crack_finds_and_counts() {
        let job = Job {
            scheme: Scheme::Md5Crypt,
            hash: MD5.into(),
            candidates: ["root", "toor", "admin", "x"].map(String::from).to_vec(),
        };
        let out = crack(&[job], Duration::from_secs(10));
        assert_eq!(out[0].found, Some(("admin".to_string(), 2)));
        assert!(!out[0].budget_exhausted);
        let job = Job {
            scheme: Scheme::Md5Crypt,
            hash: MD5.into(),
            candidates: (0..5000).map(|i| format!("nope{i}")).collect(),
        };
        let out = crack(&[job], Duration::from_millis(0));
        assert_eq!(out[0].found, None);
        assert!(out[0].budget_exhausted);
        assert!(out[0].tried < 5000);
    }
}
