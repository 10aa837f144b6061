//! D-Link `MH01` firmware (DIR-X and mesh models): a container of two files, usually the
//! firmware and its signature. In an encrypted image the first file is itself an MH01
//! container holding the AES IV (as hex text) and an OpenSSL `Salted__` payload encrypted
//! with `openssl enc -aes-128-cbc -md sha256 -k PASSPHRASE`; the passphrases D-Link released
//! are data in `rules/keys/vendor-keys.toml` (scheme `dlink-mh01`). The decrypted payload is
//! again an MH01 container (firmware, signature), unpacked as its own layer.
//!
//! Written by hand: a 16-byte header; decryption with the `aes`, `cbc` and `sha2` crates.
//!
//! ```text
//! 00000000  4d 48 30 31 71 01 00 00  00 01 00 00 2b 1a ae 44  |MH01q.......+..D|
//! 00000010  4d 48 30 31 21 00 00 00  40 01 00 00 2b 1a 9d 55  |MH01!...@...+..U|
//! 00000020  34 35 31 62 30 35 37 34  32 65 64 36 65 37 34 65  |451b05742ed6e74e|
//! 00000040  0a 53 61 6c 74 65 64 5f  5f fc 42 c7 dd 07 7b 18  |.Salted__.B...{.|
//! struct mh01_header {           // byte order given by `order`
//!     char magic[4] = "MH01";
//!     u32  file2_offset;         // from the end of this header; file 1 fills the gap
//!     u32  file2_size;
//!     u8   order[2];             // 2b 1a: little-endian fields, 1a 2b: big-endian
//!     u16  unknown;
//! };
//! ```
//! (dump: fact_extractor's `dlink/test/data/fw_mh01_test.bin` fixture)

use bytes::Bytes;

use crate::handler::*;
use crate::keys;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "dlink-mh01",
    category: Category::Firmware,
    description: "D-Link MH01 firmware container (two files: firmware and signature); an \
                  encrypted image (IV + OpenSSL Salted__ payload) is decrypted in process with \
                  the passphrases D-Link released (rules/keys/vendor-keys.toml) and emitted as \
                  'decrypted'.",
    references: &[
        "fkie-cad/fact_extractor plugins/unpacking/dlink/code/dlink_mh01.py",
        "OpenSSL enc(1), EVP_BytesToKey(3)",
    ],
    limitations: "The RSA signatures are emitted, not verified. The container has no checksum. \
                  An image whose passphrase is not in the rules is reported as \
                  unpack.unsupported.",
};

const HDR: usize = 16;

pub struct DlinkMh01;

struct Header {
    /// (offset, size) of the two files, relative to the container start.
    file1: (usize, usize),
    file2: (usize, usize),
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(..4)? != b"MH01" {
        return None;
    }
    let le = match d.get(12..14)? {
        [0x2b, 0x1a] => true,
        [0x1a, 0x2b] => false,
        _ => return None,
    };
    let u = |at: usize| crate::bytes::u32_at(d, at, !le).map(|v| v as usize);
    let off2 = HDR.checked_add(u(4)?)?;
    let size2 = u(8)?;
    off2.checked_add(size2)?;
    Some(Header {
        file1: (HDR, off2 - HDR),
        file2: (off2, size2),
    })
}

fn slice(d: &[u8], (at, n): (usize, usize)) -> Option<&[u8]> {
    d.get(at..at.checked_add(n)?)
}

/// An encrypted payload inside `file1`.
struct Encrypted<'a> {
    iv: [u8; 16],
    salt: [u8; 8],
    ciphertext: &'a [u8],
    /// Offset of the `Salted__` payload in `file1`.
    payload_at: usize,
}

fn encrypted(file1: &[u8]) -> Option<Encrypted<'_>> {
    let inner = parse(file1)?;
    let iv_text = slice(file1, inner.file1)?;
    let iv_hex = std::str::from_utf8(iv_text).ok()?.trim_end();
    if iv_hex.len() != 32 {
        return None;
    }
    let mut iv = [0u8; 16];
    for (i, b) in iv.iter_mut().enumerate() {
        *b = u8::from_str_radix(iv_hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    let payload = slice(file1, inner.file2)?;
    if payload.get(..8)? != b"Salted__" || payload.len() < 32 {
        return None;
    }
    let mut salt = [0u8; 8];
    salt.copy_from_slice(&payload[8..16]);
    Some(Encrypted {
        iv,
        salt,
        ciphertext: &payload[16..],
        payload_at: inner.file2.0,
    })
}

/// Try every released passphrase; the right one gives valid padding and an MH01 plaintext.
fn decrypt(iv: &[u8; 16], salt: &[u8; 8], enc: &[u8]) -> Option<Vec<u8>> {
    for k in keys::for_scheme("dlink-mh01") {
        let key = keys::openssl_sha256_key(&k.key, salt);
        let Some(plain) = keys::aes_cbc_decrypt(&key, iv, enc) else {
            continue;
        };
        if let Some(p) = keys::pkcs7_unpad(plain) {
            if p.starts_with(b"MH01") || keys::plausible(&p) {
                return Some(p);
            }
        }
    }
    None
}

impl Handler for DlinkMh01 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"MH01")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let end = h.file2.0 + h.file2.1;
        let f1 = slice(d, h.file1);
        let mut variant = match f1.and_then(encrypted) {
            Some(_) => "encrypted".to_string(),
            None => String::new(),
        };
        if end > d.len() {
            variant.push_str(&format!(" truncated ({} of {end} bytes)", d.len()));
        }
        Some(Chunk {
            start,
            end: start + end.min(d.len()),
            variant: variant.trim().to_string(),
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("MH01 header does not parse");
        };
        let clip = |(at, n): (usize, usize)| {
            let a = at.min(data.len());
            (a, at.saturating_add(n).min(data.len()))
        };
        let (a1, b1) = clip(h.file1);
        let (a2, b2) = clip(h.file2);
        match encrypted(&data[a1..b1]) {
            Some(e) => match decrypt(&e.iv, &e.salt, e.ciphertext) {
                Some(plain) => out.file("decrypted", Meta::mode(0o644), plain)?,
                None => out.unsupported(
                    (a1 + e.payload_at) as u64,
                    (e.ciphertext.len() + 16) as u64,
                    "OpenSSL Salted__ payload; no passphrase in rules/keys/vendor-keys.toml \
                     gives a valid plaintext",
                ),
            },
            None if a1 < b1 => out.file("firmware", Meta::mode(0o644), data.slice(a1..b1))?,
            None => {}
        }
        if a2 < b2 {
            out.file("signature", Meta::mode(0o644), data.slice(a2..b2))?;
        }
        if h.file2.0 + h.file2.1 > data.len() {
            return truncated(format!(
                "MH01 container claims {} bytes, {} present",
                h.file2.0 + h.file2.1,
                data.len()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn mh01(f1: &[u8], f2: &[u8]) -> Vec<u8> {
        let mut v = b"MH01".to_vec();
        v.extend((f1.len() as u32).to_le_bytes());
        v.extend((f2.len() as u32).to_le_bytes());
        v.extend([0x2b, 0x1a, 0, 0]);
        v.extend_from_slice(f1);
        v.extend_from_slice(f2);
        v
    }

    fn encrypt(pass: &[u8], iv: &[u8; 16], plain: &[u8]) -> Vec<u8> {
        let salt = *b"saltsalt";
        let key = keys::openssl_sha256_key(pass, &salt);
        let mut p = plain.to_vec();
        let n = 16 - p.len() % 16;
        p.extend(std::iter::repeat_n(n as u8, n));
        let mut v = b"Salted__".to_vec();
        v.extend(salt);
        v.extend(keys::aes_cbc_encrypt(&key, iv, &p).unwrap());
        v
    }

    #[test]
    fn encrypted_image_is_decrypted_with_a_released_passphrase() {
        let pass = keys::for_scheme("dlink-mh01")[7].key.clone();
        let iv = [0x45u8; 16];
        let inner_plain = mh01(b"#!/bin/sh\necho firmware\n", &[0x5au8; 64]);
        let iv_hex = format!("{}\n", crate::handler::hex(&iv));
        let img = mh01(
            &mh01(iv_hex.as_bytes(), &encrypt(&pass, &iv, &inner_plain)),
            &[0xa5u8; 256],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.layers[0].variant, "encrypted");
        assert_eq!(tree.get("0x0.dlink-mh01/signature").unwrap().size, 256);
        assert_eq!(
            &tree.get("0x0.dlink-mh01/decrypted").unwrap().data[..],
            &inner_plain[..]
        );
        assert_eq!(
            &tree
                .get("0x0.dlink-mh01/decrypted.extract/0x0.dlink-mh01/firmware")
                .unwrap()
                .data[..],
            b"#!/bin/sh\necho firmware\n"
        );
    }

    #[test]
    fn unknown_passphrase_is_unsupported() {
        let iv = [1u8; 16];
        let iv_hex = format!("{}\n", crate::handler::hex(&iv));
        let img = mh01(
            &mh01(
                iv_hex.as_bytes(),
                &encrypt(b"not released", &iv, &[0x33u8; 5000]),
            ),
            &[0u8; 256],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.get("0x0.dlink-mh01/decrypted").is_none());
        assert_eq!(tree.unsupported.len(), 1, "{:?}", tree.unsupported);
        assert!(tree.unsupported[0].reason.contains("no passphrase"));
        assert_eq!(tree.unsupported[0].offset, 16 + 16 + 33);
    }

    #[test]
    fn hostile_headers() {
        let mut img = mh01(b"abc", b"def");
        img[12] = 0; // no byte-order mark
        assert!(DlinkMh01.identify(&img, 0, &Probe::default()).is_none());
        let mut img = mh01(b"abc", b"def");
        img[8..12].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x0.dlink-mh01/signature").unwrap().data[..],
            b"def"
        );
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    }
}
