//! ZyXEL "zytrx" firmware header (NR7101, LTE3301-PLUS, LTE5398-M904, LTE7490-M904; MediaTek
//! MT7621 LTE/5G routers): a big-endian 380-byte header with the board, chip and version
//! strings, a CRC32 of the payload and a CRC32 of the header itself.
//!
//! Written by hand: a fixed header; no maintained crate reads it.
//!
//! ```text
//! 00000000  30 52 44 48 00 00 01 7c  00 00 01 a0 da 8e a7 ab  |0RDH...|........|
//! 00000010  35 2e 30 2e 30 2e 30 0a  00 00 00 00 00 00 00 00  |5.0.0.0.........|
//! struct zytrx_header {          // big-endian
//!     u32  magic = 0x30524448;   // "0RDH" ("HDR0" reversed)
//!     u32  len_h;                // header length (380)
//!     u32  len_t;                // header + payload
//!     u32  crc32_p;              // ~CRC32 of the payload (CRC register, no final xor)
//!     char ver_int[32], ver_ext[32];
//!     u32  len_p;                // payload length
//!     u8   pad1[12];
//!     char code[164];
//!     char chipid[8];            // "MT7621A"
//!     char boardid[16];          // "NR7101"
//!     u32  modelid;
//!     u8   pad2[8];
//!     char sw_version_int[32], sw_version_ext[32];
//!     u8   pad4[4];
//!     u32  kernel_chksum;        // not documented, not verified
//!     u8   pad5[4];
//!     u32  crc32_h;              // ~CRC32 of the len_h header bytes with this field 0
//!     u8   pad6[4];
//! };
//! ```
//!
//! The dump above is the header built by this module's tests.

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "zyxel-zytrx",
    category: Category::Firmware,
    description: "ZyXEL zytrx firmware header (NR7101 and other MT7621 LTE/5G routers): the \
                  payload is emitted as 'payload'; the payload CRC32 (crc32_p) and header CRC32 \
                  (crc32_h) are verified; board id and software version in the variant.",
    references: &["openwrt/firmware-utils src/zytrx.c (struct zytrx_t)"],
    limitations: "kernelChksum is reported by no public tool and is not verified.",
};

const MAGIC: [u8; 4] = *b"0RDH";
const HEADER: usize = 380;
const CRC_H: usize = 372;

pub struct ZyxelZytrx;

fn cstr(f: &[u8]) -> Option<String> {
    let s = &f[..memchr::memchr(0, f).unwrap_or(f.len())];
    s.iter()
        .all(|&c| (0x20..0x7f).contains(&c))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

/// The CRC register after CRC-32 (initial ~0, no final xor): `~crc32`.
fn crc_reg(d: &[u8]) -> u32 {
    !crc32fast::hash(d)
}

struct Header {
    len_h: usize,
    len_t: usize,
    board: String,
    version: String,
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(..4)? != MAGIC {
        return None;
    }
    let len_h = be32(d, 4)? as usize;
    let len_t = be32(d, 8)? as usize;
    let len_p = be32(d, 80)? as usize;
    // the header is 380 bytes in zytrx.c; a longer one is accepted up to 4 KiB
    if !(HEADER..=4096).contains(&len_h) || len_t != len_h.checked_add(len_p)? || len_p == 0 {
        return None;
    }
    let board = cstr(d.get(268..284)?)?;
    let version = cstr(d.get(296..328)?)?;
    Some(Header {
        len_h,
        len_t,
        board,
        version,
    })
}

impl Handler for ZyxelZytrx {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(&MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let hdr = d.get(..h.len_h)?;
        let mut variant = format!("{} {}", h.board, h.version).trim().to_string();
        let mut zeroed = hdr.to_vec();
        zeroed[CRC_H..CRC_H + 4].fill(0);
        let mut checks = vec![Check::u32(
            "crc32_h",
            "~crc32 of the len_h header bytes with crc32_h = 0",
            be32(d, CRC_H)?,
            crc_reg(&zeroed),
        )];
        if h.len_t <= d.len() {
            checks.push(Check::u32(
                "crc32_p",
                "~crc32 of the payload (len_p bytes after the header)",
                be32(d, 12)?,
                crc_reg(&d[h.len_h..h.len_t]),
            ));
        } else {
            variant.push_str(&format!(" truncated ({} of {} bytes)", d.len(), h.len_t));
        }
        crate::handler::note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + h.len_t.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("zytrx header does not parse");
        };
        let end = h.len_t.min(data.len());
        if end > h.len_h {
            out.file("payload", Meta::mode(0o644), data.slice(h.len_h..end))?;
        }
        if h.len_t > data.len() {
            return truncated(format!(
                "zytrx image claims {} bytes, {} present",
                h.len_t,
                data.len()
            ));
        }
        Ok(())
    }
}

/// Build an image as zytrx.c does (tests).
#[cfg(test)]
pub(crate) fn build(board: &str, version: &str, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; HEADER];
    h[..4].copy_from_slice(&MAGIC);
    h[4..8].copy_from_slice(&(HEADER as u32).to_be_bytes());
    h[8..12].copy_from_slice(&((HEADER + payload.len()) as u32).to_be_bytes());
    h[12..16].copy_from_slice(&crc_reg(payload).to_be_bytes());
    h[16..24].copy_from_slice(b"5.0.0.0\n");
    h[48] = b'\n';
    h[80..84].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    h[96..109].copy_from_slice(b"3 6035 122 0\n");
    h[260..267].copy_from_slice(b"MT7621A");
    h[268..268 + board.len()].copy_from_slice(board.as_bytes());
    h[284..288].copy_from_slice(&0x0701_0001u32.to_be_bytes());
    h[296..296 + version.len()].copy_from_slice(version.as_bytes());
    h[328..328 + version.len()].copy_from_slice(version.as_bytes());
    h[364..368].copy_from_slice(&0x1234_5678u32.to_be_bytes());
    let c = crc_reg(&h);
    h[CRC_H..CRC_H + 4].copy_from_slice(&c.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn intact_image_verifies_and_unpacks() {
        let payload: Vec<u8> = (0..36u8).collect();
        let img = build("NR7101", "1.00(ABUV.0)D0", &payload);
        assert_eq!(hex(&img[..16]), "305244480000017c000001a0da8ea7ab");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "zyxel-zytrx");
        assert_eq!(tree.layers[0].variant, "NR7101 1.00(ABUV.0)D0");
        assert_eq!(
            &tree.get("0x0.zyxel-zytrx/payload").unwrap().data[..],
            &payload[..]
        );
        let fields: Vec<&str> = tree.integrity.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["crc32_h", "crc32_p"]);
        assert!(tree.integrity.iter().all(|c| c.ok), "{:?}", tree.integrity);
    }

    #[test]
    fn payload_byte_changed_is_reported_with_both_values() {
        let payload: Vec<u8> = (0..36u8).collect();
        let mut img = build("NR7101", "1.00(ABUV.0)D0", &payload);
        let n = img.len();
        img[n - 1] ^= 0xff;
        let mut changed = payload.clone();
        changed[35] ^= 0xff;
        let c = ZyxelZytrx.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "NR7101 1.00(ABUV.0)D0 (crc32_p mismatch)");
        let p = &c.checks[1];
        assert_eq!(p.field, "crc32_p");
        assert_eq!(p.stored, format!("{:#010x}", crc_reg(&payload)));
        assert_eq!(p.computed, format!("{:#010x}", crc_reg(&changed)));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 1);
        assert_eq!(
            tree.get("0x0.zyxel-zytrx/payload").unwrap().data[35],
            35 ^ 0xff
        );
    }

    #[test]
    fn hostile_headers() {
        let img = build("NR7101", "1.0", &[7u8; 100]);
        // lengths that do not add up
        let mut bad = img.clone();
        bad[80..84].copy_from_slice(&0xffff_ff00u32.to_be_bytes());
        assert!(ZyxelZytrx.identify(&bad, 0, &Probe::default()).is_none());
        // header length beyond any header
        let mut bad = img.clone();
        bad[4..8].copy_from_slice(&0x7fff_ffffu32.to_be_bytes());
        assert!(ZyxelZytrx.identify(&bad, 0, &Probe::default()).is_none());
        // cut short: header checked, payload kept as far as present, reported
        let tree =
            Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img[..HEADER + 40].to_vec()));
        assert_eq!(tree.get("0x0.zyxel-zytrx/payload").unwrap().size, 40);
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok);
        assert!(tree.errors[0]
            .error
            .contains("zytrx image claims 480 bytes, 420 present"));
    }
}
