//! Encrypted Sercomm factory image of newer Sercomm-made routers (Beeline SmartBox, WiFire
//! S1500, Etisalat S3, Rostelecom RT-SF-1, NA502 and others, MT7621): a 160-byte header of
//! five 32-byte NUL-padded fields, then the image, AES-256-CBC encrypted with a key derived
//! from the header itself and a zero IV (`openssl enc -aes-256-cbc -K key -iv 0`, PKCS#7
//! padding). The scheme has no secret: the key is two MD5 digests over header fields.
//!
//! Written by hand: a fixed header; decryption with the `aes` and `cbc` crates, MD5 from
//! `md-5`, SHA-256 from `sha2`.
//!
//! ```text
//! 00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
//! 00000020  31 30 30 31 00 00 00 00  00 00 00 00 00 00 00 00  |1001............|
//! 00000080  34 30 32 37 00 00 00 00  00 00 00 00 00 00 00 00  |4027............|
//! struct sercomm_crypto_header { // OpenWrt scripts/sercomm-crypto.py
//!     char key[32];              // empty in OpenWrt images
//!     char version[32];          // software version, "1001"
//!     char iv[32];               // empty
//!     char random[32];           // empty
//!     char size[32];             // plaintext length, decimal text
//! };                             // AES-256-CBC ciphertext at 0xa0
//! key = MD5(random[32] || version[32]) || MD5(size[32] || version[32]); iv = 0
//!
//! plaintext (OpenWrt scripts/sercomm-payload.py, sercomm-pid.py):
//!     u8   pid[0x70];            // hw version, hw id (hex), '0' padding, sw version at 0x64
//!     u8   pid_tail[0x10];       // optional (--extra-padding-size 0x10), first byte 0x0a
//!     u8   sha256[32];           // SHA-256 of the payload
//!     u8   payload[];            // gzip of the partition-tagged kernel and rootfs
//! ```
//! (dump: the header built by this module's tests)

use bytes::Bytes;
use md5::{Digest, Md5};
use sha2::Sha256;

use crate::handler::*;
use crate::keys;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "sercomm-crypto",
    category: Category::Firmware,
    description: "Encrypted Sercomm factory image (OpenWrt sercomm-crypto.py layout): \
                  decrypted in process (AES-256-CBC, the key derived from the header's \
                  version, random and size fields, zero IV); the PID is emitted as 'pid' and \
                  the payload after it as 'payload', whose SHA-256 is verified; an image \
                  without that layout is emitted whole as 'decrypted'.",
    references: &[
        "openwrt/openwrt scripts/sercomm-crypto.py (header, key derivation)",
        "openwrt/openwrt scripts/sercomm-payload.py, sercomm-pid.py (PID, SHA-256, payload)",
        "openwrt/openwrt target/linux/ramips/image (Build/sercomm-crypto: openssl enc \
         -aes-256-cbc with a zero IV)",
    ],
    limitations: "The header has no magic: it is recognised at the start of a blob only, by \
                  its text fields, a ciphertext length that matches the size field, and a \
                  first decrypted block of PID text. The key and IV fields, empty in OpenWrt \
                  images, are not used (a non-empty IV field is tried as the IV). An image \
                  whose first block does not decrypt to text is reported as \
                  unpack.unsupported when its length is exactly what the size field calls \
                  for, and is not taken otherwise. The partition tags inside the payload are not split \
                  (the kernel and UBI images are found by carving).",
};

const HDR: usize = 0xa0;

pub struct SercommCrypto;

/// A NUL-padded field: the text before the first NUL, which must pass `ok`, and only NULs
/// after it.
fn field(f: &[u8], ok: impl Fn(u8) -> bool) -> Option<&[u8]> {
    let n = memchr::memchr(0, f).unwrap_or(f.len());
    (n > 0 && f[..n].iter().all(|&c| ok(c)) && f[n..].iter().all(|&c| c == 0)).then(|| &f[..n])
}

struct Header {
    version: String,
    size: usize,
    /// Ciphertext bytes the size field calls for (PKCS#7: always at least one pad byte).
    enc_len: usize,
}

fn parse(d: &[u8]) -> Option<Header> {
    let h = d.get(..HDR)?;
    let version = field(&h[0x20..0x40], |c| (0x21..0x7f).contains(&c))?;
    let size = field(&h[0x80..0xa0], |c| c.is_ascii_digit())?;
    if size.len() > 10 {
        return None;
    }
    let size: usize = std::str::from_utf8(size).ok()?.parse().ok()?;
    if size == 0 {
        return None;
    }
    Some(Header {
        version: String::from_utf8_lossy(version).into_owned(),
        size,
        enc_len: (size / 16 + 1) * 16,
    })
}

/// The AES-256 key of sercomm-crypto.py.
fn derive_key(h: &[u8]) -> [u8; 32] {
    let half = |a: &[u8]| {
        let mut m = Md5::new();
        m.update(a);
        m.update(&h[0x20..0x40]);
        m.finalize()
    };
    let mut k = [0u8; 32];
    k[..16].copy_from_slice(&half(&h[0x60..0x80]));
    k[16..].copy_from_slice(&half(&h[0x80..0xa0]));
    k
}

/// The IVs to try: zero (OpenWrt), then the IV field when it is not empty.
fn ivs(h: &[u8]) -> Vec<[u8; 16]> {
    let mut v = vec![[0u8; 16]];
    if h[0x40..0x50].iter().any(|&b| b != 0) {
        let mut iv = [0u8; 16];
        iv.copy_from_slice(&h[0x40..0x50]);
        v.push(iv);
    }
    v
}

/// The IV whose first decrypted block is PID text, if any.
fn find_iv(d: &[u8]) -> Option<[u8; 16]> {
    let key = derive_key(d);
    let first = d.get(HDR..HDR + 16)?;
    ivs(d).into_iter().find(|iv| {
        keys::aes_cbc_decrypt(&key, iv, first)
            .is_some_and(|p| p.iter().all(|&c| (0x20..0x7f).contains(&c)))
    })
}

/// Decrypt the ciphertext present (whole blocks) and cut it to the size field.
fn decrypt(d: &[u8], h: &Header, iv: &[u8; 16]) -> Option<Vec<u8>> {
    let enc = d.get(HDR..(HDR + h.enc_len).min(d.len()))?;
    let mut plain = keys::aes_cbc_decrypt(&derive_key(d), iv, enc)?;
    plain.truncate(h.size);
    Some(plain)
}

/// Where the SHA-256 sits after the PID: 0x70, or 0x80 with the 16-byte PID tail.
/// Returns (offset, check); the offset whose digest matches, else the likelier one.
fn payload_check(plain: &[u8]) -> Option<(usize, Check)> {
    let check = |at: usize| -> Option<Check> {
        let stored = plain.get(at..at + 32)?;
        let computed = Sha256::digest(plain.get(at + 32..)?);
        Some(Check::digest(
            "sha256",
            format!(
                "sha256 of the payload after the PID (from byte {:#x})",
                at + 32
            ),
            stored,
            computed.as_slice(),
        ))
    };
    for at in [0x70, 0x80] {
        if let Some(c) = check(at).filter(Check::ok) {
            return Some((at, c));
        }
    }
    // neither verifies: the tail is 16 bytes whose first word is small and the rest zero
    let tail = plain.get(0x74..0x80)?.iter().all(|&b| b == 0);
    let at = if tail { 0x80 } else { 0x70 };
    Some((at, check(at)?))
}

impl Handler for SercommCrypto {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        // no magic: tried at the start of every blob
        &[]
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        if start != 0 {
            return None;
        }
        let h = parse(data)?;
        let have = data.len() - HDR;
        // the ciphertext must be what the size field calls for: the end of the blob, or
        // (cut short, or followed by other data) whole blocks that decrypt to PID text
        if have < 16 || (have < h.enc_len && !have.is_multiple_of(16)) {
            return None;
        }
        let exact = have == h.enc_len;
        let end = HDR + h.enc_len.min(have);
        let mut variant = format!("aes-256-cbc version {} {} bytes", h.version, h.size);
        let mut checks = Vec::new();
        match find_iv(data) {
            Some(iv) => {
                if have < h.enc_len {
                    variant.push_str(&format!(" truncated ({have} of {} bytes)", h.enc_len));
                } else if let Some((_, c)) =
                    decrypt(data, &h, &iv).as_deref().and_then(payload_check)
                {
                    checks.push(c);
                }
            }
            // text fields and a length that matches exactly, but another key: reported;
            // without the exact length, text that merely looks like the header (a cpio
            // archive in the portable ASCII format, say) is no Sercomm image
            None if exact => variant.push_str(" (no key)"),
            None => return None,
        }
        note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end,
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("Sercomm crypto header does not parse");
        };
        let have = data.len().saturating_sub(HDR);
        let Some(iv) = find_iv(data) else {
            out.unsupported(
                HDR as u64,
                have as u64,
                "the key derived as sercomm-crypto.py does (MD5 of the random, size and \
                 version fields), with a zero IV or the IV field, does not decrypt the first \
                 block to PID text: another key derivation",
            );
            return Ok(());
        };
        out.check_alloc("decrypted Sercomm image", have as u64)?;
        let Some(plain) = decrypt(data, &h, &iv) else {
            return invalid("no whole AES block after the header");
        };
        match payload_check(&plain) {
            Some((at, c)) if c.ok() => {
                out.file("pid", Meta::mode(0o644), plain[..at].to_vec())?;
                out.file("payload", Meta::mode(0o644), plain[at + 32..].to_vec())?;
            }
            _ => out.file("decrypted", Meta::mode(0o644), plain)?,
        }
        Ok(())
    }
}

/// Build an image as OpenWrt's Build/sercomm-payload and Build/sercomm-crypto do (tests):
/// PID (with the 16-byte tail when `tail`), SHA-256, payload; then the header and the
/// ciphertext.
#[cfg(test)]
pub(crate) fn build(version: &str, hw_id: &str, payload: &[u8], tail: bool) -> Vec<u8> {
    let mut pid = vec![b'0'; 0x70];
    pid[..8].copy_from_slice(format!("{:0>8}", "1").as_bytes());
    let hex: String = hw_id.bytes().map(|b| format!("{b:02x}")).collect();
    pid[8..8 + hex.len()].copy_from_slice(hex.as_bytes());
    pid[0x64..0x68].copy_from_slice(format!("{version:0>4}").as_bytes());
    if tail {
        let mut t = [0u8; 16];
        t[0] = 0x0a;
        pid.extend_from_slice(&t);
    }
    let mut plain = pid;
    plain.extend_from_slice(&Sha256::digest(payload));
    plain.extend_from_slice(payload);
    seal(version, plain)
}

/// The header and the ciphertext of `plain` (tests).
#[cfg(test)]
pub(crate) fn seal(version: &str, mut plain: Vec<u8>) -> Vec<u8> {
    let mut hdr = vec![0u8; HDR];
    hdr[0x20..0x20 + version.len()].copy_from_slice(version.as_bytes());
    let size = plain.len().to_string();
    hdr[0x80..0x80 + size.len()].copy_from_slice(size.as_bytes());
    let pad = 16 - plain.len() % 16;
    plain.extend(std::iter::repeat_n(pad as u8, pad));
    let enc = keys::aes_cbc_encrypt(&derive_key(&hdr), &[0u8; 16], &plain).unwrap();
    hdr.extend(enc);
    hdr
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    fn gz(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn only() -> Vec<crate::handler::HandlerRef> {
        vec![
            std::sync::Arc::new(SercommCrypto),
            std::sync::Arc::new(crate::formats::gzip::Gzip),
        ]
    }

    #[test]
    fn key_is_derived_as_sercomm_crypto_py_does() {
        let mut h = vec![0u8; HDR];
        h[0x20..0x24].copy_from_slice(b"1001");
        h[0x80..0x84].copy_from_slice(b"4027");
        let mut a = Md5::new();
        a.update([0u8; 32]);
        a.update(&h[0x20..0x40]);
        let mut b = Md5::new();
        b.update(&h[0x80..0xa0]);
        b.update(&h[0x20..0x40]);
        let k = derive_key(&h);
        assert_eq!(k[..16], a.finalize()[..]);
        assert_eq!(k[16..], b.finalize()[..]);
        // the first half depends on the version alone: MD5 of 64 bytes, "1001" at 32
        let mut m = [0u8; 64];
        m[32..36].copy_from_slice(b"1001");
        assert_eq!(k[..16], Md5::digest(m)[..]);
    }

    #[test]
    fn decrypts_verifies_and_splits_the_payload() {
        let payload = gz(b"kernel and ubi of a sercomm factory image");
        for tail in [true, false] {
            let img = build("1001", "DBE", &payload, tail);
            let plain_len = (if tail { 0x80 } else { 0x70 }) + 32 + payload.len();
            assert_eq!(
                &img[0x80..0x80 + plain_len.to_string().len()],
                plain_len.to_string().as_bytes()
            );
            assert_eq!(img.len(), HDR + (plain_len / 16 + 1) * 16);
            let c = SercommCrypto.identify(&img, 0, &Probe::default()).unwrap();
            assert_eq!(c.end, img.len());
            assert_eq!(
                c.variant,
                format!("aes-256-cbc version 1001 {plain_len} bytes")
            );
            let tree =
                Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(img));
            assert!(tree.errors.is_empty(), "{:?}", tree.errors);
            let pid = tree.get("0x0.sercomm-crypto/pid").unwrap();
            assert_eq!(pid.size, if tail { 0x80 } else { 0x70 });
            assert_eq!(&pid.data[..14], b"00000001444245");
            assert_eq!(&pid.data[0x64..0x68], b"1001");
            assert_eq!(
                &tree.get("0x0.sercomm-crypto/payload").unwrap().data[..],
                &payload[..]
            );
            assert_eq!(
                &tree
                    .get("0x0.sercomm-crypto/payload.extract/0x0.gzip/data")
                    .unwrap()
                    .data[..],
                b"kernel and ubi of a sercomm factory image"
            );
            assert_eq!(tree.integrity.len(), 1);
            assert!(tree.integrity[0].ok, "{:?}", tree.integrity);
            assert_eq!(tree.integrity[0].field, "sha256");
        }
    }

    #[test]
    fn modified_payload_is_a_mismatch_with_both_values_and_still_decrypted() {
        let payload: Vec<u8> = b"rootfs block\n"
            .iter()
            .cycle()
            .take(3000)
            .copied()
            .collect();
        let img = build("2020", "AWI", &payload, true);
        let stored = hex(&Sha256::digest(&payload));
        // the same plaintext with the last payload byte changed and the digest kept
        let mut plain =
            crate::keys::aes_cbc_decrypt(&derive_key(&img), &[0u8; 16], &img[HDR..]).unwrap();
        plain.truncate(0x80 + 32 + 3000);
        plain[0xa0 + 2999] ^= 0x20;
        let changed = plain[0xa0..].to_vec();
        let img = seal("2020", plain);
        let c = SercommCrypto.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.checks.len(), 1);
        let k = &c.checks[0];
        assert!(!k.ok());
        assert_eq!(k.stored, stored);
        assert_eq!(k.computed, hex(&Sha256::digest(&changed)));
        assert!(c.variant.ends_with("(sha256 mismatch)"), "{}", c.variant);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(tree.integrity[0].stored, stored);
        let d = tree.get("0x0.sercomm-crypto/decrypted").unwrap();
        assert_eq!(d.size as usize, 0x80 + 32 + 3000);
        assert_eq!(&d.data[0xa0..0xa0 + 2999], &changed[..2999]);
    }

    #[test]
    fn another_key_derivation_is_unsupported() {
        let mut img = build("1001", "DBE", &[0x41; 500], false);
        img[0x60] = 1; // the random field changes the key: the block is no longer text
        let c = SercommCrypto.identify(&img, 0, &Probe::default()).unwrap();
        assert!(c.variant.ends_with("(no key)"), "{}", c.variant);
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.unsupported.len(), 1, "{:?}", tree.unsupported);
        assert_eq!(tree.unsupported[0].offset, HDR as u64);
        assert!(tree.get("0x0.sercomm-crypto/decrypted").is_none());
    }

    #[test]
    fn text_that_looks_like_the_header_is_not_taken() {
        // a text file whose fields at 0x20 and 0x80 parse: no exact length, no PID text
        let mut d = vec![0u8; HDR];
        d[0x20..0x24].copy_from_slice(b"0707");
        d[0x80..0x83].copy_from_slice(b"100");
        d.extend(std::iter::repeat_n(b'a', 500));
        assert!(SercommCrypto.identify(&d, 0, &Probe::default()).is_none());
        // the exact length (100 bytes: 112 of ciphertext) with a first block that is no
        // text: a Sercomm image with another key
        d.truncate(HDR + 112);
        d[HDR..].fill(0x9c);
        let c = SercommCrypto.identify(&d, 0, &Probe::default()).unwrap();
        assert!(c.variant.ends_with("(no key)"), "{}", c.variant);
    }

    #[test]
    fn hostile_headers() {
        let img = build("1001", "DBE", &[0x41; 100], false);
        for bad in [
            {
                let mut b = img.clone();
                b[0x20] = 0; // empty version
                b
            },
            {
                let mut b = img.clone();
                b[0x81] = b'x'; // size not decimal
                b
            },
            {
                let mut b = img.clone();
                b[0x9f] = b'1'; // text after the NUL
                b
            },
            img[..HDR + 7].to_vec(),  // no whole block
            img[..HDR + 33].to_vec(), // not a block multiple and shorter than the size
        ] {
            assert!(SercommCrypto.identify(&bad, 0, &Probe::default()).is_none());
        }
        assert!(SercommCrypto.identify(&img, 1, &Probe::default()).is_none());
        // cut to whole blocks: decrypted, marked truncated, nothing verified
        let cut = &img[..HDR + 64];
        let c = SercommCrypto.identify(cut, 0, &Probe::default()).unwrap();
        assert!(c.variant.contains("truncated (64 of"), "{}", c.variant);
        let tree = Unpacker::with_handlers(Limits::default(), only())
            .unpack_bytes(Bytes::from(cut.to_vec()));
        assert_eq!(tree.get("0x0.sercomm-crypto/decrypted").unwrap().size, 64);
        // a huge size field is not trusted
        let mut huge = img.clone();
        huge[0x80..0x8a].copy_from_slice(b"9999999999");
        let _ = SercommCrypto.identify(&huge, 0, &Probe::default());
    }
}
