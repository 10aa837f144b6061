//! D-Link `SHRS` encrypted firmware (DIR-3040, DIR-867/878/882, DIR-1960/2660, ...): a
//! big-endian header with the AES-128-CBC IV, three SHA-512 digests and two RSA signatures,
//! then the encrypted image. The AES key is public (recovered from the devices'
//! `/bin/imgdecrypt`); it lives in `rules/keys/vendor-keys.toml` with its source.
//!
//! Written by hand: a fixed 0x6dc-byte header; decryption with the `aes` and `cbc` crates,
//! digests with `sha2`.
//!
//! ```text
//! 00000000  53 48 52 53 00 00 00 20  00 00 00 20 67 c6 69 73  |SHRS... ... g.is|
//! 00000010  51 ff 4a ec 29 cd ba ab  f2 fb e3 46 3e c2 6d 0f  |Q.J.)......F>.m.|
//! struct dlink_shrs_header {     // big-endian
//!     char magic[4] = "SHRS";
//!     u32  file_size;            // bytes of encrypted image (a multiple of 16)
//!     u32  file_size_no_padding; // bytes of plaintext before the padding
//!     u8   iv[16];               // 0x0c
//!     u8   decrypted_key_digest[64]; // 0x1c SHA-512 of plaintext || key
//!     u8   decrypted_digest[64];     // 0x5c SHA-512 of the plaintext (no padding)
//!     u8   encrypted_digest[64];     // 0x9c SHA-512 of file_size_no_padding encrypted bytes
//!     u8   unused[512];              // 0xdc
//!     u8   signature_1[512];         // 0x2dc RSA, vendor key (not public)
//!     u8   signature_2[512];         // 0x4dc
//! };                                 // image at 0x6dc
//! ```
//! (dump: the start of fact_extractor's `dlink/test/data/test.dec` fixture)

use bytes::Bytes;
use sha2::{Digest, Sha512};

use crate::bytes::be32;
use crate::handler::*;
use crate::keys;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "dlink-shrs",
    category: Category::Firmware,
    description: "D-Link SHRS encrypted firmware: decrypted in process (AES-128-CBC, public key \
                  from rules/keys/vendor-keys.toml) and emitted as 'decrypted'; the SHA-512 of \
                  the encrypted and of the decrypted image (and of plaintext+key) are verified.",
    references: &[
        "onekey-sec/unblob python/unblob/handlers/archive/dlink/shrs.py",
        "fkie-cad/fact_extractor plugins/unpacking/dlink (SHRS test fixture)",
        "0xricksanchez, 'Breaking the D-Link DIR3060 Firmware Encryption' (2020)",
    ],
    limitations: "The two RSA signatures are not verified (D-Link's public key is not in the \
                  rules). An image encrypted with a key not in the rules is reported as \
                  unpack.unsupported.",
};

const HDR: usize = 0x6dc;

pub struct DlinkShrs;

struct Header {
    size: usize,
    plain: usize,
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(..4)? != b"SHRS" || d.len() < HDR {
        return None;
    }
    let size = be32(d, 4)? as usize;
    let plain = be32(d, 8)? as usize;
    if size == 0 || !size.is_multiple_of(16) || plain > size || size - plain > 16 {
        return None;
    }
    Some(Header { size, plain })
}

/// Decrypt with every SHRS key of the rules: the key whose plaintext digest matches, with
/// the digest checks; or else the first key whose plaintext looks like data (a modified
/// image is still unpacked), without checks, since a wrong key and a modified image cannot
/// be told apart; `None` when no key gives a plausible plaintext.
fn decrypt(d: &[u8], h: &Header) -> Option<(Vec<u8>, Vec<Check>)> {
    let enc = d.get(HDR..HDR + h.size)?;
    let iv = &d[0x0c..0x1c];
    let mut first: Option<(Vec<u8>, Vec<Check>)> = None;
    for k in keys::for_scheme("dlink-shrs") {
        let Some(plain) = keys::aes_cbc_decrypt(&k.key, iv, enc) else {
            continue;
        };
        let body = &plain[..h.plain];
        let dd = Sha512::digest(body);
        let mut kd = Sha512::new();
        kd.update(body);
        kd.update(&k.key);
        let kd = kd.finalize();
        let checks = vec![
            Check::digest(
                "decrypted_digest",
                "sha512 of the decrypted image",
                &d[0x5c..0x9c],
                dd.as_slice(),
            ),
            Check::digest(
                "decrypted_key_digest",
                "sha512 of the decrypted image followed by the AES key",
                &d[0x1c..0x5c],
                kd.as_slice(),
            ),
        ];
        if checks[0].ok() {
            return Some((plain, checks));
        }
        if first.is_none() && keys::plausible(body) {
            first = Some((plain, Vec::new()));
        }
    }
    first
}

impl Handler for DlinkShrs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"SHRS")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let want = HDR + h.size;
        let mut checks = Vec::new();
        let mut variant = format!("aes-128-cbc {} bytes", h.plain);
        if want <= d.len() {
            let ed = Sha512::digest(&d[HDR..HDR + h.plain]);
            let c = Check::digest(
                "encrypted_digest",
                "sha512 of the encrypted image (file_size_no_padding bytes)",
                &d[0x9c..0xdc],
                ed.as_slice(),
            );
            checks.push(c);
            match decrypt(d, &h) {
                Some((_, dc)) if !dc.is_empty() => checks.extend(dc),
                Some(_) => variant.push_str(" (decrypted digest not verified)"),
                None => variant.push_str(" (no key)"),
            }
        } else {
            variant.push_str(&format!(" truncated ({} of {want} bytes)", d.len()));
        }
        // a wrong encrypted digest with a wrong decrypted digest: not SHRS, or a key we do
        // not have; the magic and the sizes alone are weak evidence in a carve
        if start > 0 && !checks.iter().any(|c| c.ok()) {
            return None;
        }
        crate::handler::note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + want.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("SHRS header does not parse");
        };
        if HDR + h.size > data.len() {
            out.unsupported(
                HDR as u64,
                (data.len() - HDR) as u64,
                format!(
                    "encrypted image cut short ({} of {} bytes); not decrypted",
                    data.len() - HDR,
                    h.size
                ),
            );
            return Ok(());
        }
        match decrypt(data, &h) {
            Some((mut plain, _)) => {
                plain.truncate(h.plain);
                out.file("decrypted", Meta::mode(0o644), plain)?;
            }
            None => out.unsupported(
                HDR as u64,
                h.size as u64,
                "encrypted with a key not in rules/keys/vendor-keys.toml (no known key gives \
                 the decrypted digest or a plausible plaintext)",
            ),
        }
        Ok(())
    }
}

/// Build an SHRS image with `key` (tests).
#[cfg(test)]
pub(crate) fn build(key: &[u8], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
    let mut padded = plain.to_vec();
    let pad = 16 - padded.len() % 16;
    padded.extend(std::iter::repeat_n(pad as u8, pad));
    let enc = keys::aes_cbc_encrypt(key, iv, &padded).unwrap();
    let mut h = vec![0u8; HDR];
    h[0..4].copy_from_slice(b"SHRS");
    h[4..8].copy_from_slice(&(enc.len() as u32).to_be_bytes());
    h[8..12].copy_from_slice(&(plain.len() as u32).to_be_bytes());
    h[0x0c..0x1c].copy_from_slice(iv);
    let mut kd = Sha512::new();
    kd.update(plain);
    kd.update(key);
    h[0x1c..0x5c].copy_from_slice(&kd.finalize());
    h[0x5c..0x9c].copy_from_slice(&Sha512::digest(plain));
    h[0x9c..0xdc].copy_from_slice(&Sha512::digest(&enc[..plain.len()]));
    h.extend(enc);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn key() -> Vec<u8> {
        keys::for_scheme("dlink-shrs")[0].key.clone()
    }

    #[test]
    fn decrypts_with_the_public_key_and_verifies_every_digest() {
        let img = build(&key(), &[3u8; 16], b"#!/bin/sh\necho decrypted firmware\n");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x0.dlink-shrs/decrypted").unwrap().data[..],
            b"#!/bin/sh\necho decrypted firmware\n"
        );
        let fields: Vec<&str> = tree.integrity.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "decrypted_digest",
                "decrypted_key_digest",
                "encrypted_digest"
            ]
        );
        assert!(tree.integrity.iter().all(|c| c.ok), "{:?}", tree.integrity);
        assert!(tree.unsupported.is_empty(), "{:?}", tree.unsupported);
    }

    #[test]
    fn modified_ciphertext_is_a_mismatch_and_still_decrypted() {
        let plain: Vec<u8> = b"config line\n"
            .iter()
            .cycle()
            .take(4096)
            .copied()
            .collect();
        let mut img = build(&key(), &[5u8; 16], &plain);
        let n = img.len();
        img[n - 1] ^= 1; // the padding block is outside every digest
        let c = DlinkShrs.identify(&img, 0, &Probe::default()).unwrap();
        assert!(c.checks.iter().all(|c| c.ok()), "{:?}", c.checks);
        img[HDR + 20] ^= 1; // inside the image
        let c = DlinkShrs.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(
            c.checks.len(),
            1,
            "a wrong plaintext digest is not reported"
        );
        let e = &c.checks[0];
        assert_eq!(e.field, "encrypted_digest");
        assert!(!e.ok());
        assert_eq!(e.stored, crate::handler::hex(&img[0x9c..0xdc]));
        assert_eq!(
            e.computed,
            crate::handler::hex(&Sha512::digest(&img[HDR..HDR + 4096]))
        );
        assert_eq!(
            c.variant,
            "aes-128-cbc 4096 bytes (decrypted digest not verified) (encrypted_digest mismatch)"
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let d = tree.get("0x0.dlink-shrs/decrypted").unwrap();
        assert_eq!(d.size, 4096);
        assert_eq!(&d.data[48..], &plain[48..], "CBC garbles two blocks only");
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 1);
    }

    #[test]
    fn unknown_key_is_reported_unsupported() {
        let img = build(&[0x55u8; 16], &[1u8; 16], &[0x11u8; 4000]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.get("0x0.dlink-shrs/decrypted").is_none());
        assert_eq!(tree.unsupported.len(), 1, "{:?}", tree.unsupported);
        let u = &tree.unsupported[0];
        assert_eq!(u.offset, HDR as u64);
        assert_eq!(u.size, 4016, "4000 bytes and a full block of padding");
        assert!(
            u.reason
                .starts_with("dlink-shrs: encrypted with a key not in"),
            "{}",
            u.reason
        );
        let cov = tree.coverage.unwrap();
        assert_eq!(cov.understood, HDR as u64);
    }
}
