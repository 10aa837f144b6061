//! Sercomm firmware image (`sErCoMm`), as built for Sercomm-made Netgear devices (DGND4000,
//! ...) and by OpenWrt's `mksercommfw`: a 512-byte header naming the hardware, the payload (a
//! ZIP archive holding the root file system) after it, and one checksum byte that brings the
//! byte sum of the whole image to zero.
//!
//! Written by hand: a fixed 512-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  73 45 72 43 6f 4d 6d 00  01 00 00 56 41 30 30 31  |sErCoMm....VA001|
//! 00000020  00 00 00 00 00 00 00 00  00 00 00 00 00 31 00 00  |.............1..|
//! 00000030  00 00 00 00 00 00 00 31  00 01 00 00 00 00 00 73  |.......1.......s|
//! 00000040  45 72 43 6f 4d 6d 00 00  00 00 00 00 00 00 00 00  |ErCoMm..........|
//! struct sercomm_header {
//!     char magic[7] = "sErCoMm";
//!     u8   version[4];           // 00 01 00 00 (version / download control)
//!     char hw_id[34];            // NUL-terminated, "VA001"
//!     char hw_ver[10];           // NUL-terminated
//!     u8   sw_ver[8];            // mksercommfw writes a u32
//!     char magic2[7] = "sErCoMm";
//!     u8   zero[441];
//!     u8   checksum;             // byte 511: sum of all image bytes == 0 (mod 256)
//! };                             // 512 bytes, the payload follows
//! ```
//!
//! The checksum covers the whole image, header included, so the image has no length field:
//! the chunk runs to the end of the blob it was found in.

use bytes::Bytes;

use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "sercomm",
    category: Category::Firmware,
    description: "Sercomm firmware image (sErCoMm header, mksercommfw layout): the payload \
                  after the 512-byte header is emitted as 'payload'; the checksum byte (byte sum \
                  of the image is zero) is verified; hardware id and version in the variant.",
    references: &[
        "openwrt/firmware-utils src/mksercommfw.c (header layout, getCheckSum)",
        "armijnhemel/binaryanalysis-ng src/parsers/firmware/sercomm/sercomm.ksy",
        "ReFirmLabs/binwalk src/binwalk/magic/firmware (Sercomm firmware signature)",
    ],
    limitations: "Only headers carrying the second sErCoMm magic at byte 63 (the mksercommfw \
                  and Netgear layout) are read; the image runs to the end of the blob. The \
                  encrypted Sercomm factory images of newer devices (OpenWrt \
                  sercomm-crypto.py) have no magic and are read by sercomm-crypto.",
};

const HEADER: usize = 512;
const MAGIC: &[u8; 7] = b"sErCoMm";

pub struct Sercomm;

/// A NUL-terminated printable string field.
fn cstr(f: &[u8]) -> Option<String> {
    let s = &f[..memchr::memchr(0, f).unwrap_or(f.len())];
    s.iter()
        .all(|&c| (0x20..0x7f).contains(&c))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

/// The byte that makes the sum of `d` (with byte 511 left out) zero mod 256.
fn fix_byte(d: &[u8]) -> u8 {
    let sum = d
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != HEADER - 1)
        .fold(0u8, |s, (_, &b)| s.wrapping_add(b));
    0u8.wrapping_sub(sum)
}

impl Handler for Sercomm {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() <= HEADER || d.get(63..70)? != MAGIC {
            return None;
        }
        let hw_id = cstr(&d[11..45]).filter(|s| !s.is_empty())?;
        let hw_ver = cstr(&d[45..55])?;
        let mut variant = hw_id;
        if !hw_ver.is_empty() {
            variant.push_str(&format!(" {hw_ver}"));
        }
        variant.push_str(&format!(" sw {}", hex(&d[55..59])));
        let stored = d[HEADER - 1];
        let computed = fix_byte(d);
        if stored != computed {
            variant.push_str(" (checksum mismatch)");
        }
        Some(Chunk {
            start,
            end: data.len(),
            variant,
            checks: vec![Check {
                field: "checksum",
                algorithm: "byte 511 such that the byte sum of the whole image is 0 (mod 256)"
                    .into(),
                stored: format!("{stored:#04x}"),
                computed: format!("{computed:#04x}"),
            }],
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        if data.len() <= HEADER {
            return truncated(format!(
                "Sercomm image of {} bytes has no payload after its 512-byte header",
                data.len()
            ));
        }
        out.file("payload", Meta::mode(0o644), data.slice(HEADER..))
    }
}

/// Build an image as mksercommfw does (tests).
#[cfg(test)]
pub(crate) fn build(hw_id: &str, hw_ver: &str, payload: &[u8]) -> Vec<u8> {
    let mut img = vec![0u8; HEADER];
    img[..7].copy_from_slice(MAGIC);
    img[7..11].copy_from_slice(&[0, 1, 0, 0]);
    img[11..11 + hw_id.len()].copy_from_slice(hw_id.as_bytes());
    img[45..45 + hw_ver.len()].copy_from_slice(hw_ver.as_bytes());
    img[55..59].copy_from_slice(&0x0001_0031u32.to_le_bytes());
    img[63..70].copy_from_slice(MAGIC);
    img.extend_from_slice(payload);
    img[HEADER - 1] = fix_byte(&img);
    img
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

    #[test]
    fn intact_image_verifies_and_unpacks() {
        let payload = gz(b"sercomm root file system");
        let img = build("VA001", "1", &payload);
        assert_eq!(img.iter().fold(0u8, |s, &b| s.wrapping_add(b)), 0);
        assert_eq!(hex(&img[..16]), "734572436f4d6d000100005641303031");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "sercomm");
        assert_eq!(tree.layers[0].variant, "VA001 1 sw 31000100");
        assert_eq!(
            &tree.get("0x0.sercomm/payload").unwrap().data[..],
            &payload[..]
        );
        assert_eq!(
            &tree
                .get("0x0.sercomm/payload.extract/0x0.gzip/data")
                .unwrap()
                .data[..],
            b"sercomm root file system"
        );
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok, "{:?}", tree.integrity);
        assert_eq!(tree.integrity[0].field, "checksum");
        assert_eq!(tree.integrity[0].stored, format!("{:#04x}", img[511]));
    }

    #[test]
    fn payload_byte_changed_is_reported_with_both_values() {
        let payload = gz(b"sercomm root file system");
        let mut img = build("VA001", "1", &payload);
        let stored = img[511];
        let n = img.len();
        img[n - 1] = img[n - 1].wrapping_add(3); // the gzip size trailer: still unpacks
        let c = Sercomm.identify(&img, 0, &Probe::default()).unwrap();
        assert!(c.variant.ends_with("(checksum mismatch)"), "{}", c.variant);
        assert_eq!(c.checks[0].stored, format!("{stored:#04x}"));
        assert_eq!(
            c.checks[0].computed,
            format!("{:#04x}", stored.wrapping_sub(3))
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(tree.integrity[0].layer, "0x0.sercomm");
        assert!(tree.get("0x0.sercomm/payload").is_some());
    }

    #[test]
    fn hostile_headers() {
        let img = build("VA001", "1", &[0x41; 200]);
        // header only: nothing to unpack, not taken
        assert!(Sercomm
            .identify(&img[..HEADER], 0, &Probe::default())
            .is_none());
        // second magic missing
        let mut bad = img.clone();
        bad[63] = b'x';
        assert!(Sercomm.identify(&bad, 0, &Probe::default()).is_none());
        // control characters in the hardware id
        let mut bad = img.clone();
        bad[12] = 0x07;
        assert!(Sercomm.identify(&bad, 0, &Probe::default()).is_none());
        // cut short: the bytes present are unpacked (the checksum then fails)
        let only: crate::handler::HandlerRef = std::sync::Arc::new(Sercomm);
        let tree = Unpacker::with_handlers(Limits::default(), vec![only])
            .unpack_bytes(Bytes::from(img[..600].to_vec()));
        assert_eq!(tree.get("0x0.sercomm/payload").unwrap().size, 88);
    }
}
