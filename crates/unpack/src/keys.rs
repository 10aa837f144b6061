//! Keys of publicly documented vendor encryption schemes, from `rules/keys/vendor-keys.toml`
//! (embedded at build time; every key names its public source).

use serde::Deserialize;
use std::sync::OnceLock;

/// The embedded key file.
pub const VENDOR_KEYS: &str = include_str!("../../../rules/keys/vendor-keys.toml");

#[derive(Debug, Deserialize)]
struct KeyFile {
    #[serde(default)]
    key: Vec<RawKey>,
}

#[derive(Debug, Deserialize)]
struct RawKey {
    scheme: String,
    cipher: String,
    key_hex: Option<String>,
    key_text: Option<String>,
    iv_hex: Option<String>,
    iv_text: Option<String>,
    #[serde(default)]
    models: String,
    source: String,
}

/// One key of one scheme.
#[derive(Debug, Clone)]
pub struct VendorKey {
    /// `dlink-shrs`, `dlink-encrpted_img`, ...
    pub scheme: String,
    /// `aes-128-cbc`, `aes-256-cbc`.
    pub cipher: String,
    pub key: Vec<u8>,
    /// Fixed IV of the scheme, when it has one (otherwise the IV is in the header).
    pub iv: Option<Vec<u8>>,
    pub models: String,
    pub source: String,
}

fn unhex(s: &str) -> Result<Vec<u8>, String> {
    let s = s.trim();
    if !s.len().is_multiple_of(2) {
        return Err(format!("'{s}': odd number of hex digits"));
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).map_err(|_| format!("'{s}': not hex")))
        .collect()
}

fn bytes_of(hex: &Option<String>, text: &Option<String>) -> Result<Option<Vec<u8>>, String> {
    match (hex, text) {
        (Some(h), None) => unhex(h).map(Some),
        (None, Some(t)) => Ok(Some(t.as_bytes().to_vec())),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err("both hex and text given".into()),
    }
}

/// Parse a key file; errors name the entry and the problem.
pub fn parse(text: &str) -> Result<Vec<VendorKey>, String> {
    let f: KeyFile = toml::from_str(text).map_err(|e| format!("vendor keys: {e}"))?;
    let mut out = Vec::new();
    for (i, k) in f.key.into_iter().enumerate() {
        let at = |m: String| format!("vendor keys: key {} ({}): {m}", i + 1, k.scheme);
        let key = bytes_of(&k.key_hex, &k.key_text)
            .map_err(at)?
            .ok_or_else(|| at("no key_hex or key_text".into()))?;
        let iv = bytes_of(&k.iv_hex, &k.iv_text).map_err(at)?;
        let want = match k.cipher.as_str() {
            "aes-128-cbc" => 16,
            "aes-256-cbc" => 32,
            // an OpenSSL `enc -k` passphrase: any length
            OPENSSL_AES128_SHA256 => key.len().max(1),
            c => return Err(at(format!("unknown cipher '{c}'"))),
        };
        if key.len() != want {
            return Err(at(format!(
                "{} needs a {want}-byte key, got {}",
                k.cipher,
                key.len()
            )));
        }
        if iv.as_ref().is_some_and(|v| v.len() != 16) {
            return Err(at("the IV must be 16 bytes".into()));
        }
        if k.source.trim().is_empty() {
            return Err(at("no source".into()));
        }
        out.push(VendorKey {
            scheme: k.scheme,
            cipher: k.cipher,
            key,
            iv,
            models: k.models,
            source: k.source,
        });
    }
    Ok(out)
}

/// `openssl enc -aes-128-cbc -md sha256 -k PASSPHRASE`: a `Salted__` header, the key derived
/// from the passphrase and the salt with `EVP_BytesToKey` (SHA-256, one round).
pub const OPENSSL_AES128_SHA256: &str = "openssl-aes-128-cbc-sha256";

/// The AES-128 key `openssl enc -md sha256 -k passphrase` derives with `salt`
/// (`EVP_BytesToKey`: the first 16 bytes of SHA-256(passphrase || salt)).
pub fn openssl_sha256_key(passphrase: &[u8], salt: &[u8]) -> [u8; 16] {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(passphrase);
    h.update(salt);
    let d = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&d[..16]);
    k
}

/// Remove PKCS#7 padding; `None` when the padding is not valid (a wrong key, almost always).
pub fn pkcs7_unpad(mut plain: Vec<u8>) -> Option<Vec<u8>> {
    let n = *plain.last()? as usize;
    if n == 0
        || n > 16
        || n > plain.len()
        || !plain[plain.len() - n..].iter().all(|&b| b as usize == n)
    {
        return None;
    }
    plain.truncate(plain.len() - n);
    Some(plain)
}

/// Every embedded key of `scheme`.
pub fn for_scheme(scheme: &str) -> Vec<&'static VendorKey> {
    static KEYS: OnceLock<Vec<VendorKey>> = OnceLock::new();
    // the embedded file is checked by a test; a broken one yields no keys, never a panic
    KEYS.get_or_init(|| parse(VENDOR_KEYS).unwrap_or_default())
        .iter()
        .filter(|k| k.scheme == scheme)
        .collect()
}

/// Does a decrypted buffer look like data rather than the noise a wrong key gives? It starts
/// with a common firmware magic, or is text, or its first 64 KiB are of low entropy.
pub fn plausible(plain: &[u8]) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"UBI#",
        b"hsqs",
        b"sqsh",
        b"HDR0",
        b"\x27\x05\x19\x56",
        b"\x1f\x8b",
        b"\x5d\x00\x00",
        b"PK\x03\x04",
        b"\x7fELF",
        b"\xd0\x0d\xfe\xed",
        b"\xfd7zXZ",
        b"BZh",
        b"\x85\x19",
    ];
    if MAGICS.iter().any(|m| plain.starts_with(m)) || crate::classify::is_text(plain) {
        return true;
    }
    let head = &plain[..plain.len().min(64 << 10)];
    // below ~256 bytes even random data has a low entropy: too little to judge
    head.len() >= 256 && crate::coverage::entropy(head) < 6.0
}

/// AES-CBC decryption without padding removal of whole 16-byte blocks of `data` (a partial
/// last block is dropped). Key length selects AES-128 or AES-256.
pub fn aes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{BlockDecryptMut, KeyIvInit};
    let n = data.len() / 16 * 16;
    let mut buf = data[..n].to_vec();
    match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf)
            .ok()?,
        32 => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf)
            .ok()?,
        _ => return None,
    };
    Some(buf)
}

/// AES-CBC encryption of whole blocks (tests build encrypted containers with it).
pub fn aes_cbc_encrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    use aes::cipher::{BlockEncryptMut, KeyIvInit};
    let n = data.len() / 16 * 16;
    let mut buf = data[..n].to_vec();
    match key.len() {
        16 => cbc::Encryptor::<aes::Aes128>::new_from_slices(key, iv)
            .ok()?
            .encrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf, n)
            .ok()?,
        32 => cbc::Encryptor::<aes::Aes256>::new_from_slices(key, iv)
            .ok()?
            .encrypt_padded_mut::<aes::cipher::block_padding::NoPadding>(&mut buf, n)
            .ok()?,
        _ => return None,
    };
    Some(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_keys_parse_and_name_their_source() {
        let keys = parse(VENDOR_KEYS).unwrap();
        assert!(keys.len() >= 2);
        let shrs = for_scheme("dlink-shrs");
        assert_eq!(shrs.len(), 1);
        assert_eq!(
            crate::handler::hex(&shrs[0].key),
            "c05fbf1936c99429ce2a0781f08d6ad8"
        );
        assert!(shrs[0].iv.is_none());
        let enc = for_scheme("dlink-encrpted_img");
        assert_eq!(enc[0].key.len(), 32);
        assert_eq!(enc[0].iv.as_deref(), Some(&b"J%1iQl8$=lm-;8AE"[..]));
        assert!(keys
            .iter()
            .all(|k| k.source.contains("unblob") || k.source.contains("fact_extractor")));
        assert_eq!(for_scheme("dlink-mh01").len(), 34);
    }

    #[test]
    fn bad_entries_are_named() {
        let e = parse("[[key]]\nscheme='x'\ncipher='aes-128-cbc'\nkey_hex='00'\nsource='s'\n")
            .unwrap_err();
        assert!(e.contains("key 1 (x)") && e.contains("16-byte key"), "{e}");
        let e = parse("[[key]]\nscheme='y'\ncipher='des'\nkey_text='k'\nsource='s'\n").unwrap_err();
        assert!(e.contains("unknown cipher 'des'"), "{e}");
    }

    #[test]
    fn aes_round_trip() {
        let key = [7u8; 32];
        let iv = [9u8; 16];
        let plain = b"0123456789abcdef0123456789abcdef";
        let c = aes_cbc_encrypt(&key, &iv, plain).unwrap();
        assert_ne!(&c[..], &plain[..]);
        assert_eq!(aes_cbc_decrypt(&key, &iv, &c).unwrap(), plain);
    }
}
