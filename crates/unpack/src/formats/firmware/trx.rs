//! Broadcom TRX container (`HDR0`): a little-endian header with a CRC32 over the image and
//! up to three (v1) or four (v2) partition offsets (loader, kernel, root file system, ...).
//!
//! Written by hand: a 28/32-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  48 44 52 30 00 10 70 00  1f 7a d1 f0 00 00 01 00  |HDR0..p..z......|
//! 00000010  1c 00 00 00 0c 09 00 00  00 78 10 00 1f 8b 08 00  |.........x......|
//! struct trx_header {            // little-endian
//!     u32 magic = "HDR0";
//!     u32 len;                   // whole image, header included
//!     u32 crc32;                 // CRC32 (init ~0, no final xor) of bytes 12..len
//!     u16 flags; u16 version;    // version 1 or 2
//!     u32 offsets[3];            // v1; v2 has offsets[4]; unused entries are 0
//! };
//! ```
//!
//! Each partition runs from its offset to the next offset (or the image end) and is emitted
//! as `part0`, `part1`, ... (index in the offset table); the engine finds what is inside.

use bytes::Bytes;

use crate::bytes::le32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "trx",
    category: Category::Firmware,
    description: "Broadcom TRX firmware container, v1 (3 partitions) and v2 (4 partitions); \
                  CRC32 verified; partitions are emitted as part0, part1, ...",
    references: &[
        "OpenWrt package/utils/otrx/otrx.c",
        "OpenWrt tools/firmware-utils/src/trx.c",
    ],
    limitations: "An image cut short (len beyond the data, as when the root file system was \
                  stripped) is accepted without CRC check and marked truncated in the variant. \
                  A wrong CRC is reported (integrity check), not refused.",
};

pub struct Trx;

struct Parsed {
    len: usize,
    version: u16,
    /// (index in the table, offset)
    offsets: Vec<(usize, usize)>,
    /// `len` is beyond the available data
    cut: bool,
    /// (stored, computed) CRC32 when the whole image is present
    crc: Option<(u32, u32)>,
}

fn parse(d: &[u8]) -> Option<Parsed> {
    if d.get(..4)? != b"HDR0" {
        return None;
    }
    let len = le32(d, 4)? as usize;
    let crc = le32(d, 8)?;
    let version = (le32(d, 12)? >> 16) as u16;
    let (n, hdr) = match version {
        1 => (3, 28),
        2 => (4, 32),
        _ => return None,
    };
    if len < hdr || d.len() < hdr {
        return None;
    }
    let mut offsets = Vec::new();
    let mut last = 0usize;
    for i in 0..n {
        let o = le32(d, 16 + 4 * i)? as usize;
        if o == 0 {
            continue;
        }
        if o < hdr || o > len || o <= last {
            return None;
        }
        last = o;
        offsets.push((i, o));
    }
    if offsets.is_empty() || offsets[0].1 != hdr {
        return None;
    }
    let cut = len > d.len();
    // a wrong CRC does not refuse the header (the offsets already validate it): a repacked
    // image is unpacked and the mismatch reported
    let crc = (!cut).then(|| (crc, !crc32fast::hash(&d[12..len])));
    Some(Parsed {
        len,
        version,
        offsets,
        cut,
        crc,
    })
}

impl Handler for Trx {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"HDR0")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let p = parse(d)?;
        let mut variant = format!("v{}", p.version);
        if p.cut {
            variant.push_str(&format!(
                " truncated ({} of {} bytes, crc not checked)",
                d.len(),
                p.len
            ));
        }
        let checks = p
            .crc
            .map(|(stored, computed)| {
                if stored != computed {
                    variant.push_str(" (crc mismatch)");
                }
                vec![Check::u32(
                    "crc32",
                    "crc32 (initial ~0, no final xor) of bytes 12..len",
                    stored,
                    computed,
                )]
            })
            .unwrap_or_default();
        Some(Chunk {
            checks,
            start,
            end: start + p.len.min(d.len()),
            decoded: None,
            truncated: false,
            variant,
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(p) = parse(data) else {
            return invalid("TRX header does not parse");
        };
        let avail = data.len();
        let img_end = p.len.min(avail);
        let mut missing = Vec::new();
        for (k, &(idx, off)) in p.offsets.iter().enumerate() {
            let end = p.offsets.get(k + 1).map(|x| x.1).unwrap_or(p.len);
            if off >= img_end {
                missing.push(format!("part{idx} at {off:#x}"));
                continue;
            }
            let end = end.min(img_end);
            out.file(
                &format!("part{idx}"),
                Meta::mode(0o644),
                data.slice(off..end),
            )?;
        }
        if !missing.is_empty() {
            return truncated(format!(
                "TRX image claims {} bytes, {} present; missing: {}",
                p.len,
                avail,
                missing.join(", ")
            ));
        }
        Ok(())
    }
}

/// Build a TRX image (for tests).
#[cfg(test)]
pub(crate) fn build(version: u16, parts: &[&[u8]]) -> Vec<u8> {
    let hdr = if version == 2 { 32 } else { 28 };
    let mut img = vec![0u8; hdr];
    img[0..4].copy_from_slice(b"HDR0");
    img[12..16].copy_from_slice(&((version as u32) << 16).to_le_bytes());
    for (i, p) in parts.iter().enumerate() {
        let off = img.len() as u32;
        img[16 + 4 * i..20 + 4 * i].copy_from_slice(&off.to_le_bytes());
        img.extend_from_slice(p);
    }
    let len = img.len() as u32;
    img[4..8].copy_from_slice(&len.to_le_bytes());
    let crc = !crc32fast::hash(&img[12..]);
    img[8..12].copy_from_slice(&crc.to_le_bytes());
    img
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn v1_partitions_and_gzip_inside() {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"loader code").unwrap();
        let gz = e.finish().unwrap();
        let kernel = vec![0xabu8; 300];
        let rootfs = vec![0xcdu8; 200];
        let img = build(1, &[&gz, &kernel, &rootfs]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert_eq!(tree.get("0x0.trx/part0").unwrap().size, gz.len() as u64);
        assert_eq!(&tree.get("0x0.trx/part1").unwrap().data[..], &kernel[..]);
        assert_eq!(&tree.get("0x0.trx/part2").unwrap().data[..], &rootfs[..]);
        assert_eq!(
            &tree
                .get("0x0.trx/part0.extract/0x0.gzip/data")
                .unwrap()
                .data[..],
            b"loader code"
        );
        assert_eq!(tree.layers[0].variant, "v1");
        assert_eq!(tree.layers[0].size, img.len() as u64);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn v2_four_partitions() {
        let img = build(2, &[b"aaaa", b"bbbb", b"cccc", b"dddd"]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0x0.trx/part3").unwrap().data[..], b"dddd");
        assert_eq!(tree.layers[0].variant, "v2");
    }

    #[test]
    fn crc_verified_and_mismatch_reported_and_still_unpacked() {
        let img = build(1, &[b"aaaa", b"bbbb"]);
        let c = Trx.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.checks.len(), 1);
        assert!(c.checks[0].ok(), "{:?}", c.checks);
        let stored = c.checks[0].stored.clone();
        let mut bad = img.clone();
        let n = bad.len();
        bad[n - 1] ^= 0xff;
        let c = Trx.identify(&bad, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "v1 (crc mismatch)");
        assert_eq!(c.checks[0].field, "crc32");
        assert_eq!(c.checks[0].stored, stored);
        let want = format!("{:#010x}", !crc32fast::hash(&bad[12..]));
        assert_eq!(c.checks[0].computed, want);
        assert_ne!(c.checks[0].computed, stored);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
        assert_eq!(&tree.get("0x0.trx/part1").unwrap().data[..], b"bbb\x9d");
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(tree.integrity[0].layer, "0x0.trx");
        assert_eq!(tree.integrity[0].stored, stored);
    }

    #[test]
    fn hostile_offsets_and_truncation() {
        // offsets out of order: refused
        let mut img = build(1, &[b"aaaa", b"bbbb", b"cccc"]);
        img[20..24].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        assert!(Trx.identify(&img, 0, &Probe::default()).is_none());
        // cut short: accepted, the partitions present are kept, the rest is an error
        let img = build(1, &[&[1u8; 64], &[2u8; 64], &[3u8; 64]]);
        let cut = img[..28 + 64 + 10].to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert_eq!(tree.get("0x0.trx/part0").unwrap().size, 64);
        assert_eq!(tree.get("0x0.trx/part1").unwrap().size, 10);
        assert!(tree.get("0x0.trx/part2").is_none());
        assert!(tree.layers[0].variant.contains("truncated"));
        assert_eq!(tree.errors.len(), 1);
        assert!(
            tree.errors[0].error.contains("part2 at 0x9c"),
            "{:?}",
            tree.errors
        );
    }
}
