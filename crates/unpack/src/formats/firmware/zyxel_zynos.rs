//! ZyXEL ZyNOS ROM object header (`SIG` at byte 6): heads ZyNOS firmware images (`ras.bin`,
//! whose outer header covers the boot extension, memory map table and every ROM object) and
//! each object inside them (ROMBIN, often LZMA- or bzip2-compressed). The header carries the
//! sizes of the original and the compressed data and a 16-bit checksum of each.
//!
//! Written by hand: a 48-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  80 01 00 00 00 00 53 49  47 04 00 01 00 00 00 00  |......SIG.......|
//! 00000010  00 00 40 00 21 21 00 00  56 31 2e 30 00 00 00 00  |..@.!!..V1.0....|
//! struct zyn_rombin_hdr {        // big-endian
//!     u32  addr;                 // load address
//!     u16  res0;
//!     char sig[3] = "SIG";
//!     u8   type;                 // 1 ROMIMG .. 7 ROMMAP, 0x80 RAM, 0x81 RAMCODE, 0x82 RAMBOOT
//!     u32  osize;                // size of the original data
//!     u32  csize;                // size of the compressed data
//!     u8   flags;                // 0x80 compressed, 0x40 ocsum valid, 0x20 ccsum valid
//!     u8   res1;
//!     u16  ocsum;                // checksum of the original data
//!     u16  ccsum;                // checksum of the compressed data
//!     char ver[15];
//!     u32  mmap_addr;            // memory map table address
//!     u8   res2[5];
//! };                             // 48 bytes; the data (csize or osize bytes) follows
//! ```
//!
//! The checksum is ZyNOS's 16-bit sum: big-endian 16-bit words added with the carry folded
//! back in (`sum += 1; sum &= 0xffff` on overflow), an odd last byte taken as its high byte
//! (`csum_update` in mkzynfw.c; `checksum` in dev-zzo's zynos.py). The dump above is the
//! header built by this module's tests.

use bytes::Bytes;

use crate::bytes::be16;
use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "zyxel-zynos",
    category: Category::Firmware,
    description: "ZyXEL ZyNOS ROM object header (SIG): the object's data is emitted as 'data' \
                  (or 'compressed' when the compressed flag is set; the engine opens LZMA and \
                  bzip2); the original-data checksum (ocsum) and the compressed-data checksum \
                  (ccsum) are verified when the header flags them valid.",
    references: &[
        "openwrt/firmware-utils src/zynos.h (struct zyn_rombin_hdr), src/mkzynfw.c (csum_*)",
        "dev-zzo/router-tools zynos.py (RomIoHeader, checksum)",
        "Kolja Waschk, ZyXEL firmware image format, http://www.ixo.de/info/zyxel_uclinux",
        "ReFirmLabs/binwalk src/binwalk/magic/firmware (ZynOS header)",
    ],
    limitations: "The original-data checksum of a compressed object is not verified (it needs \
                  the object decompressed; the compressed-data checksum is). The memory map \
                  table is not interpreted: nested objects are found by carving the data.",
};

const HEADER: usize = 48;
const FLAG_COMPRESSED: u8 = 0x80;
const FLAG_OCSUM: u8 = 0x40;
const FLAG_CCSUM: u8 = 0x20;

pub struct ZyxelZynos;

/// ZyNOS's 16-bit checksum (see the module comment).
pub fn checksum(d: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut add = |w: u32| {
        sum += w;
        if sum > 0xffff {
            sum = (sum + 1) & 0xffff;
        }
    };
    let mut pairs = d.chunks_exact(2);
    for p in &mut pairs {
        add(((p[0] as u32) << 8) | p[1] as u32);
    }
    if let [last] = pairs.remainder() {
        add((*last as u32) << 8);
    }
    sum as u16
}

struct Header {
    kind: u8,
    osize: usize,
    csize: usize,
    flags: u8,
    ocsum: u16,
    ccsum: u16,
    version: String,
}

impl Header {
    fn compressed(&self) -> bool {
        self.flags & FLAG_COMPRESSED != 0
    }
    /// Bytes of data after the header.
    fn data_len(&self) -> usize {
        if self.compressed() {
            self.csize
        } else {
            self.osize
        }
    }
}

fn type_name(t: u8) -> Option<&'static str> {
    Some(match t {
        1 => "ROMIMG",
        2 => "ROMBOOT",
        3 => "BOOTEXT",
        4 => "ROMBIN",
        5 => "ROMDIR",
        6 => "ROM68K",
        7 => "ROMMAP",
        0x80 => "RAM",
        0x81 => "RAMCODE",
        0x82 => "RAMBOOT",
        _ => return None,
    })
}

fn parse(d: &[u8]) -> Option<Header> {
    // res0 is zero in every writer (mkzynfw, zynos.py): it keeps "SIG" in other data out
    if d.get(6..9)? != b"SIG" || d.len() < HEADER || d[4..6] != [0, 0] {
        return None;
    }
    let kind = d[9];
    type_name(kind)?;
    let osize = be32(d, 10)? as usize;
    let csize = be32(d, 14)? as usize;
    let flags = d[18];
    let h = Header {
        kind,
        osize,
        csize,
        flags,
        ocsum: be16(d, 20)?,
        ccsum: be16(d, 22)?,
        version: {
            let v = &d[24..39];
            let v = &v[..memchr::memchr(0, v).unwrap_or(v.len())];
            if !v.iter().all(|&c| (0x20..0x7f).contains(&c)) {
                return None;
            }
            String::from_utf8_lossy(v).into_owned()
        },
    };
    // sizes over 1 GiB are not ZyNOS objects (binwalk's bound)
    if h.data_len() == 0 || h.osize >= 0x4000_0000 || h.csize >= 0x4000_0000 {
        return None;
    }
    Some(h)
}

impl Handler for ZyxelZynos {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"SIG", 6)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let total = HEADER + h.data_len();
        let mut variant = type_name(h.kind)?.to_string();
        if !h.version.is_empty() {
            variant.push_str(&format!(" {}", h.version));
        }
        if h.compressed() {
            variant.push_str(" compressed");
        }
        let mut checks = Vec::new();
        if total > d.len() {
            variant.push_str(&format!(
                " truncated ({} of {total} bytes, checksums not checked)",
                d.len()
            ));
        } else {
            let body = &d[HEADER..total];
            if h.compressed() && h.flags & FLAG_CCSUM != 0 {
                checks.push(Check {
                    field: "ccsum",
                    algorithm: "ZyNOS 16-bit checksum of the csize compressed bytes".into(),
                    stored: format!("{:#06x}", h.ccsum),
                    computed: format!("{:#06x}", checksum(body)),
                });
            }
            if !h.compressed() && h.flags & FLAG_OCSUM != 0 {
                checks.push(Check {
                    field: "ocsum",
                    algorithm: "ZyNOS 16-bit checksum of the osize bytes after the header".into(),
                    stored: format!("{:#06x}", h.ocsum),
                    computed: format!("{:#06x}", checksum(body)),
                });
            }
        }
        crate::handler::note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + total.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("ZyNOS header does not parse");
        };
        let name = if h.compressed() { "compressed" } else { "data" };
        let end = (HEADER + h.data_len()).min(data.len());
        if end > HEADER {
            out.file(name, Meta::mode(0o644), data.slice(HEADER..end))?;
        }
        if HEADER + h.data_len() > data.len() {
            return truncated(format!(
                "ZyNOS object claims {} bytes of data, {} present",
                h.data_len(),
                data.len() - HEADER
            ));
        }
        Ok(())
    }
}

/// Build a ZyNOS object (tests): uncompressed with a valid ocsum, or compressed with a valid
/// ccsum (osize then claims `2 * data.len()`).
#[cfg(test)]
pub(crate) fn build(kind: u8, version: &str, data: &[u8], compressed: bool) -> Vec<u8> {
    let mut h = vec![0u8; HEADER];
    h[0..4].copy_from_slice(&0x8001_0000u32.to_be_bytes());
    h[6..9].copy_from_slice(b"SIG");
    h[9] = kind;
    let n = data.len() as u32;
    if compressed {
        h[10..14].copy_from_slice(&(2 * n).to_be_bytes());
        h[14..18].copy_from_slice(&n.to_be_bytes());
        h[18] = FLAG_COMPRESSED | FLAG_CCSUM;
        h[22..24].copy_from_slice(&checksum(data).to_be_bytes());
    } else {
        h[10..14].copy_from_slice(&n.to_be_bytes());
        h[18] = FLAG_OCSUM;
        h[20..22].copy_from_slice(&checksum(data).to_be_bytes());
    }
    h[24..24 + version.len()].copy_from_slice(version.as_bytes());
    h.extend_from_slice(data);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn checksum_matches_zynos_arithmetic() {
        // 0x0102 + 0x0300 (odd byte is the high byte)
        assert_eq!(checksum(&[1, 2, 3]), 0x0402);
        // carry folded back: 0xffff + 0x0002 = 0x10001 -> 0x0002
        assert_eq!(checksum(&[0xff, 0xff, 0x00, 0x02]), 0x0002);
        assert_eq!(checksum(&[]), 0);
    }

    #[test]
    fn uncompressed_object_verifies_and_unpacks() {
        let body = vec![0x42u8; 0x1_0000];
        let img = build(4, "V1.0", &body, false);
        assert_eq!(
            hex(&img[..0x20]),
            "80010000000053494704000100000000000040002121000056312e3000000000"
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "zyxel-zynos");
        assert_eq!(tree.layers[0].variant, "ROMBIN V1.0");
        assert_eq!(
            &tree.get("0x0.zyxel-zynos/data").unwrap().data[..],
            &body[..]
        );
        assert_eq!(tree.integrity.len(), 1);
        assert_eq!(tree.integrity[0].field, "ocsum");
        assert!(tree.integrity[0].ok);
    }

    #[test]
    fn compressed_object_changed_is_reported() {
        let body: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mut img = build(4, "V3.40(AGL.2)", &body, true);
        let stored = format!("{:#06x}", checksum(&body));
        img[HEADER + 10] ^= 0x01; // one bit of the compressed data flipped
        let mut changed = body.clone();
        changed[10] ^= 0x01;
        let c = ZyxelZynos.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "ROMBIN V3.40(AGL.2) compressed (ccsum mismatch)");
        assert_eq!(c.checks[0].field, "ccsum");
        assert_eq!(c.checks[0].stored, stored);
        assert_eq!(c.checks[0].computed, format!("{:#06x}", checksum(&changed)));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.zyxel-zynos/compressed").unwrap().size, 1000);
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 1);
    }

    #[test]
    fn hostile_headers() {
        let img = build(4, "V1.0", &[1u8; 100], false);
        // unknown object type
        let mut bad = img.clone();
        bad[9] = 0x33;
        assert!(ZyxelZynos.identify(&bad, 0, &Probe::default()).is_none());
        // absurd size
        let mut bad = img.clone();
        bad[10..14].copy_from_slice(&0xffff_ffffu32.to_be_bytes());
        assert!(ZyxelZynos.identify(&bad, 0, &Probe::default()).is_none());
        // cut short: the bytes present kept, the cut reported, no checksum claimed
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img[..90].to_vec()));
        assert_eq!(tree.get("0x0.zyxel-zynos/data").unwrap().size, 42);
        assert!(tree.integrity.is_empty());
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(tree.errors[0]
            .error
            .contains("ZyNOS object claims 100 bytes of data, 42 present"));
    }
}
