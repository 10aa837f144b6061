//! Linksys (Cybertan) `CHDR` firmware header, as written by OpenWrt's `linksys-addfwhdr` for
//! the Linksys E8350 v1 (and by Cybertan's own tool for AC2350-class devices): a 16-byte
//! little-endian header with the image length and a CRC32 over the rest of the image.
//!
//! Written by hand: a 16-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  43 48 44 52 24 00 00 00  eb 3f 02 0a 01 00 00 00  |CHDR$....?......|
//! struct cbt_fw_header {         // little-endian (host order of the build machine)
//!     u32 magic = "CHDR";
//!     u32 len;                   // whole file, header included
//!     u32 crc32;                 // CRC-32 register (initial ~0, no final xor) of bytes 12..len
//!     u32 res;                   // 1
//! };                             // the image follows
//! ```
//!
//! The CRC starts at `res` (`cyg_crc32_accumulate(~0, &res, 4)` and then the image), the same
//! arithmetic as TRX. The dump above is the header built by this module's tests.

use bytes::Bytes;

use crate::bytes::le32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "linksys-chdr",
    category: Category::Firmware,
    description: "Linksys/Cybertan CHDR firmware header (linksys-addfwhdr, E8350): the image \
                  after the 16-byte header is emitted as 'firmware'; the CRC32 over bytes \
                  12..len is verified.",
    references: &["openwrt/firmware-utils src/linksys-addfwhdr.c (struct cbt_fw_header)"],
    limitations: "Little-endian headers only (the tool writes host order; Cybertan builds on \
                  x86). An image cut short is accepted without CRC check.",
};

const HEADER: usize = 16;

pub struct LinksysChdr;

fn parse(d: &[u8]) -> Option<usize> {
    if d.get(..4)? != b"CHDR" {
        return None;
    }
    let len = le32(d, 4)? as usize;
    // res is 1 in the tool; the length must leave room for an image
    (len > HEADER && le32(d, 12)? <= 0xffff).then_some(len)
}

impl Handler for LinksysChdr {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"CHDR")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let len = parse(d)?;
        if d.len() <= HEADER {
            return None;
        }
        let mut variant = String::new();
        let mut checks = Vec::new();
        if len <= d.len() {
            let c = Check::u32(
                "crc32",
                "crc32 (initial ~0, no final xor) of bytes 12..len",
                le32(d, 8)?,
                !crc32fast::hash(&d[12..len]),
            );
            if !c.ok() {
                variant.push_str("(crc32 mismatch)");
            }
            checks.push(c);
        } else {
            variant.push_str(&format!(
                "truncated ({} of {len} bytes, crc not checked)",
                d.len()
            ));
        }
        Some(Chunk {
            start,
            end: start + len.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(len) = parse(data) else {
            return invalid("CHDR header does not parse");
        };
        let end = len.min(data.len());
        if end > HEADER {
            out.file("firmware", Meta::mode(0o644), data.slice(HEADER..end))?;
        }
        if len > data.len() {
            return truncated(format!(
                "CHDR image claims {len} bytes, {} present",
                data.len()
            ));
        }
        Ok(())
    }
}

/// Build an image as linksys-addfwhdr does (tests).
#[cfg(test)]
pub(crate) fn build(image: &[u8]) -> Vec<u8> {
    let mut h = b"CHDR".to_vec();
    h.extend_from_slice(&((image.len() + HEADER) as u32).to_le_bytes());
    h.extend_from_slice(&[0; 4]);
    h.extend_from_slice(&1u32.to_le_bytes());
    h.extend_from_slice(image);
    let crc = !crc32fast::hash(&h[12..]);
    h[8..12].copy_from_slice(&crc.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn intact_image_verifies_and_unpacks() {
        let image = b"sysupgrade image of twenty bytes".to_vec();
        let img = build(&image[..20]);
        assert_eq!(hex(&img[..16]), "4348445224000000eb3f020a01000000");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "linksys-chdr");
        assert_eq!(
            &tree.get("0x0.linksys-chdr/firmware").unwrap().data[..],
            &image[..20]
        );
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok);
        assert_eq!(
            tree.integrity[0].stored,
            format!(
                "{:#010x}",
                u32::from_le_bytes(img[8..12].try_into().unwrap())
            )
        );
    }

    #[test]
    fn image_byte_changed_is_reported() {
        let mut img = build(&[0x33u8; 100]);
        let stored = format!(
            "{:#010x}",
            u32::from_le_bytes(img[8..12].try_into().unwrap())
        );
        img[50] = 0x34;
        let c = LinksysChdr.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "(crc32 mismatch)");
        assert_eq!(c.checks[0].stored, stored);
        assert_eq!(
            c.checks[0].computed,
            format!("{:#010x}", !crc32fast::hash(&img[12..]))
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(
            tree.get("0x0.linksys-chdr/firmware").unwrap().data[34],
            0x34
        );
    }

    #[test]
    fn hostile_headers() {
        // a length of 4 GiB on a short image: kept as far as present, reported, no CRC claim
        let mut img = build(&[1u8; 40]);
        img[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.linksys-chdr/firmware").unwrap().size, 40);
        assert!(tree.integrity.is_empty());
        assert!(tree.errors[0]
            .error
            .contains("CHDR image claims 4294967295 bytes, 56 present"));
        // a length inside the header: not a header
        let mut bad = build(&[1u8; 40]);
        bad[4..8].copy_from_slice(&8u32.to_le_bytes());
        assert!(LinksysChdr.identify(&bad, 0, &Probe::default()).is_none());
    }
}
