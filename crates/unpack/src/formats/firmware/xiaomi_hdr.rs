//! Xiaomi router firmware (`HDR1`, `HDR2`): a little-endian header with a CRC32 over the
//! file and up to eight blob offsets; each blob has its own header (flash offset, size,
//! name); an RSA signature block ends the file.
//!
//! Written by hand: fixed little-endian headers; no maintained crate reads them.
//!
//! ```text
//! 00000000  48 44 52 31 2e 01 00 00  3a 42 37 f5 00 00 47 00  |HDR1....:B7...G.|
//! 00000010  30 00 00 00 74 00 00 00  e2 00 00 00 00 00 00 00  |0...t...........|
//! 00000030  be ba 00 00 ff ff ff ff  14 00 00 00 ff ff 00 00  |................|
//! struct hdr1_header {           // little-endian
//!     char magic[4] = "HDR1";
//!     u32  signature_offset;     // the signature block: u32 size, u32 pad[3], u8 sig[256]
//!     u32  crc32;                // crc32 (initial ~0, no final xor) of bytes 12..end
//!     u16  unused; u16 device_id;
//!     u32  blob_offsets[8];      // 0x10; 0 ends the list
//! };
//! struct hdr2_header {           // "HDR2"
//!     char magic[4]; u32 signature_offset; u32 crc32; u32 unused;
//!     u64  device_id; u64 region; u64 unused2[2];
//!     u32  blob_offsets[8];      // 0x30
//! };
//! struct blob_header {           // 48 bytes, data follows
//!     u32  magic = 0x0000babe; u32 flash_offset; u32 size; u16 type; u16 unused;
//!     char name[32];
//! };
//! ```
//! (dump: fact_extractor's `xiaomi_hdr/test/data/test.hdr1` fixture)

use bytes::Bytes;

use crate::bytes::le32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "xiaomi-hdr",
    category: Category::Firmware,
    description: "Xiaomi HDR1/HDR2 router firmware: each blob emitted under its name; the CRC32 \
                  over the file is verified.",
    references: &[
        "OpenWrt firmware-utils src/xiaomifw.c",
        "onekey-sec/unblob python/unblob/handlers/archive/xiaomi/hdr.py",
    ],
    limitations: "The RSA signature block is not verified (Xiaomi's public key is not in the \
                  rules).",
};

const SIG_LEN: usize = 272;
const BLOB_HDR: usize = 48;

pub struct XiaomiHdr;

struct Blob {
    name: String,
    at: usize,
    size: usize,
}

struct Header {
    v2: bool,
    end: usize,
    blobs: Vec<Blob>,
}

fn parse(d: &[u8]) -> Option<Header> {
    let v2 = match d.get(..4)? {
        b"HDR1" => false,
        b"HDR2" => true,
        _ => return None,
    };
    let table = if v2 { 0x30 } else { 0x10 };
    let sig = le32(d, 4)? as usize;
    if sig < table + 32 {
        return None;
    }
    let end = sig.checked_add(SIG_LEN)?;
    let mut blobs = Vec::new();
    for i in 0..8 {
        let off = le32(d, table + 4 * i)? as usize;
        if off == 0 {
            break;
        }
        if off < table + 32 || off + BLOB_HDR > sig {
            return None;
        }
        if le32(d, off)? != 0xbabe {
            return None;
        }
        let size = le32(d, off + 8)? as usize;
        let raw = d.get(off + 16..off + BLOB_HDR)?;
        let raw = &raw[..memchr::memchr(0, raw).unwrap_or(raw.len())];
        if size == 0 || raw.iter().any(|&c| c < 0x20 || c == 0x7f) {
            return None;
        }
        if (off + BLOB_HDR).checked_add(size)? > sig {
            return None;
        }
        blobs.push(Blob {
            name: String::from_utf8_lossy(raw).into_owned(),
            at: off + BLOB_HDR,
            size,
        });
    }
    if blobs.is_empty() {
        return None;
    }
    Some(Header { v2, end, blobs })
}

impl Handler for XiaomiHdr {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [Magic::at0(b"HDR1"), Magic::at0(b"HDR2")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let names: Vec<&str> = h.blobs.iter().map(|b| b.name.as_str()).collect();
        let mut variant = format!(
            "{} {}",
            if h.v2 { "HDR2" } else { "HDR1" },
            names.join(", ")
        );
        let mut checks = Vec::new();
        if h.end <= d.len() {
            let c = Check::u32(
                "crc32",
                "crc32 (initial ~0, no final xor) of bytes 12..end",
                le32(d, 8)?,
                !crc32fast::hash(&d[12..h.end]),
            );
            if !c.ok() {
                variant.push_str(" (crc mismatch)");
            }
            checks.push(c);
        } else {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), h.end));
        }
        Some(Chunk {
            start,
            end: start + h.end.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("Xiaomi HDR header does not parse");
        };
        for b in &h.blobs {
            // blobs lie before the signature offset (checked in parse); the data may be cut
            let end = (b.at + b.size).min(data.len());
            if b.at < end {
                out.file(&b.name, Meta::mode(0o644), data.slice(b.at..end))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn build(blobs: &[(&str, &[u8])]) -> Vec<u8> {
        let mut v = vec![0u8; 0x30];
        v[..4].copy_from_slice(b"HDR1");
        for (i, (name, body)) in blobs.iter().enumerate() {
            let off = v.len() as u32;
            v[0x10 + 4 * i..0x14 + 4 * i].copy_from_slice(&off.to_le_bytes());
            let mut bh = vec![0u8; BLOB_HDR];
            bh[..4].copy_from_slice(&0xbabeu32.to_le_bytes());
            bh[8..12].copy_from_slice(&(body.len() as u32).to_le_bytes());
            bh[16..16 + name.len()].copy_from_slice(name.as_bytes());
            v.extend(bh);
            v.extend_from_slice(body);
        }
        let sig = v.len() as u32;
        v[4..8].copy_from_slice(&sig.to_le_bytes());
        v.extend(vec![0u8; SIG_LEN]);
        let crc = !crc32fast::hash(&v[12..]);
        v[8..12].copy_from_slice(&crc.to_le_bytes());
        v
    }

    #[test]
    fn blobs_by_name_and_crc() {
        let img = build(&[("uboot.bin", b"uboot!"), ("root/fs", b"rootfs data")]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert_eq!(
            &tree.get("0x0.xiaomi-hdr/uboot.bin").unwrap().data[..],
            b"uboot!"
        );
        assert_eq!(
            &tree.get("0x0.xiaomi-hdr/root/fs").unwrap().data[..],
            b"rootfs data"
        );
        assert_eq!(tree.layers[0].variant, "HDR1 uboot.bin, root/fs");
        assert!(tree.integrity[0].ok);
        let mut bad = img;
        bad[0x30 + BLOB_HDR] = b'U';
        let c = XiaomiHdr.identify(&bad, 0, &Probe::default()).unwrap();
        assert!(c.variant.ends_with("(crc mismatch)"), "{}", c.variant);
        assert_eq!(
            c.checks[0].computed,
            format!("{:#010x}", !crc32fast::hash(&bad[12..]))
        );
    }

    #[test]
    fn hostile_offsets() {
        let mut img = build(&[("a", b"x")]);
        img[0x10..0x14].copy_from_slice(&0xffff_0000u32.to_le_bytes());
        assert!(XiaomiHdr.identify(&img, 0, &Probe::default()).is_none());
        let mut img = build(&[("a", b"x")]);
        img[0x30 + 8..0x30 + 12].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert!(XiaomiHdr.identify(&img, 0, &Probe::default()).is_none());
    }
}
