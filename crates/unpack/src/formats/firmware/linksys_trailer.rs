//! Linksys factory image trailer (`.LINKSYS.`): 256 bytes appended to the factory images of
//! Linksys' Marvell, Qualcomm and MediaTek routers (WRT1900AC..WRT32X, EA/MR/MX series) by
//! their build and by OpenWrt's `linksys-image`: the device type and the POSIX `cksum` CRC of
//! everything before the trailer, in ASCII.
//!
//! Written by hand: a fixed ASCII trailer; the CRC is the POSIX `cksum` algorithm (no crate
//! used for 10 lines).
//!
//! ```text
//! ...       (kernel, root file system, padding)
//! +0x00  2e 4c 49 4e 4b 53 59 53  2e 30 31 30 30 30 34 30  |.LINKSYS.0100040|
//! +0x10  39 4d 58 34 32 30 30 20  20 20 20 20 20 20 20 20  |9MX4200         |
//! +0x20  30 33 33 41 37 38 38 31  30 20 20 20 20 20 20 20  |033A78810       |  (cksum 033A7881)
//! +0x30  4b 30 30 30 30 30 30 30  46 30 32 34 36 34 33 34  |K0000000F0246434|
//! struct linksys_trailer {
//!     char magic[9] = ".LINKSYS.";
//!     char version[8];           // "01000409"
//!     char type[15];             // device type, space-padded ("MX4200")
//!     char cksum[8];             // "%08X" of POSIX cksum of all bytes before the trailer
//!     char zero[8];              // "0", space-padded
//!     char key[16];              // "K0000000F0246434"
//!     u8   pad[192];             // zero
//! };                             // 256 bytes at the end of the image (a "\n" may follow)
//! ```

use bytes::Bytes;

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "linksys-trailer",
    category: Category::Firmware,
    description: "Linksys factory image trailer (.LINKSYS.): the device type goes into the \
                  variant; the POSIX cksum of everything before the trailer is verified. The \
                  image itself (FIT, uImage, UBI, ...) is opened by the other handlers.",
    references: &[
        "OpenWrt include/image-commands.mk (Build/linksys-image)",
        "OpenWrt scripts/linksys-image.sh",
        "POSIX.1-2017 cksum (the CRC algorithm and its length suffix)",
    ],
    limitations: "Only a trailer at the very end of a file (or followed by one newline) is \
                  read, since the checksum covers the file from its first byte.",
};

const TRAILER: usize = 256;
const MAGIC: &[u8; 9] = b".LINKSYS.";

pub struct LinksysTrailer;

const fn cksum_table() -> [u32; 256] {
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04c1_1db7
            } else {
                c << 1
            };
            k += 1;
        }
        t[i] = c;
        i += 1;
    }
    t
}

static CKSUM: [u32; 256] = cksum_table();

/// POSIX `cksum`: CRC-32 (polynomial 0x04c11db7, MSB first, initial 0) over the data and then
/// over the length in bytes (least significant byte first, no trailing zero bytes), inverted.
pub fn cksum(d: &[u8]) -> u32 {
    let step = |crc: u32, b: u8| (crc << 8) ^ CKSUM[(((crc >> 24) as u8) ^ b) as usize];
    let mut crc = d.iter().fold(0u32, |c, &b| step(c, b));
    let mut n = d.len() as u64;
    while n != 0 {
        crc = step(crc, n as u8);
        n >>= 8;
    }
    !crc
}

struct Trailer {
    kind: String,
    version: String,
    stored: u32,
}

fn parse(t: &[u8]) -> Option<Trailer> {
    if t.get(..9)? != MAGIC || t.len() < 64 {
        return None;
    }
    let text = std::str::from_utf8(&t[9..64]).ok()?;
    if !text.bytes().all(|c| (0x20..0x7f).contains(&c)) {
        return None;
    }
    let stored = u32::from_str_radix(text.get(23..31)?.trim(), 16).ok()?;
    Some(Trailer {
        version: text.get(..8)?.to_string(),
        kind: text.get(8..23)?.trim_end().to_string(),
        stored,
    })
}

impl Handler for LinksysTrailer {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let t = data.get(start..)?;
        // the trailer ends the file (one newline may follow it)
        if !(t.len() == TRAILER || (t.len() == TRAILER + 1 && t[TRAILER] == b'\n')) {
            return None;
        }
        let tr = parse(t)?;
        let computed = cksum(&data[..start]);
        let mut variant = format!("{} {}", tr.kind, tr.version);
        if tr.stored != computed {
            variant.push_str(" (cksum mismatch)");
        }
        Some(Chunk {
            start,
            end: data.len(),
            variant,
            checks: vec![Check {
                field: "cksum",
                algorithm: "POSIX cksum of every byte before the trailer".into(),
                stored: format!("{:08X}", tr.stored),
                computed: format!("{computed:08X}"),
            }],
            ..Chunk::default()
        })
    }

    fn extract(&self, _data: &Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        // nothing inside: the image before the trailer is carved by the other handlers
        Ok(())
    }
}

/// Append a trailer as OpenWrt's linksys-image does (tests).
#[cfg(test)]
pub(crate) fn append(img: &mut Vec<u8>, kind: &str) {
    let c = cksum(img);
    let t = format!(
        ".LINKSYS.01000409{kind:<15}{c:08X}{:<8}{:<16}",
        "0", "K0000000F0246434"
    );
    img.extend_from_slice(t.as_bytes());
    img.extend_from_slice(&[0u8; 192]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    #[test]
    fn cksum_matches_posix() {
        // `printf 123456789 | cksum` and `printf a | cksum`
        assert_eq!(cksum(b"123456789"), 930_766_865);
        assert_eq!(cksum(b"a"), 1_220_704_766);
        assert_eq!(cksum(b""), 0xffff_ffff);
    }

    fn image() -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b"linksys kernel").unwrap();
        let mut img = e.finish().unwrap();
        img.resize(2048, 0xff);
        img
    }

    #[test]
    fn intact_image_verifies() {
        let mut img = image();
        append(&mut img, "MX4200");
        assert_eq!(img.len(), 2048 + 256);
        assert_eq!(&img[2048..2048 + 32], b".LINKSYS.01000409MX4200         ");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        let l = tree
            .layers
            .iter()
            .find(|l| l.format == "linksys-trailer")
            .unwrap();
        assert_eq!(l.offset, 2048);
        assert_eq!(l.variant, "MX4200 01000409");
        assert!(tree.get("0x0.gzip/data").is_some(), "{:?}", tree.layers);
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok);
        assert_eq!(
            tree.integrity[0].stored,
            format!("{:08X}", cksum(&img[..2048]))
        );
        // a newline after the trailer (scripts/linksys-image.sh) is accepted
        img.push(b'\n');
        assert!(LinksysTrailer
            .identify(&img, 2048, &Probe::default())
            .is_some());
    }

    #[test]
    fn image_byte_changed_is_reported_with_both_values() {
        let mut img = image();
        append(&mut img, "MR2000");
        let stored = format!("{:08X}", cksum(&img[..2048]));
        img[2000] = 0x00; // padding byte changed after the trailer was written
        let c = LinksysTrailer
            .identify(&img, 2048, &Probe::default())
            .unwrap();
        assert_eq!(c.variant, "MR2000 01000409 (cksum mismatch)");
        assert_eq!(c.checks[0].stored, stored);
        assert_eq!(c.checks[0].computed, format!("{:08X}", cksum(&img[..2048])));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(tree.integrity[0].format, "linksys-trailer");
    }

    #[test]
    fn hostile_trailers() {
        let mut img = image();
        append(&mut img, "MX4200");
        // not at the end of the file: not taken
        let mut more = img.clone();
        more.extend_from_slice(&[0u8; 10]);
        assert!(LinksysTrailer
            .identify(&more, 2048, &Probe::default())
            .is_none());
        // a checksum that is not hex
        let mut bad = img.clone();
        bad[2048 + 32] = b'Z';
        assert!(LinksysTrailer
            .identify(&bad, 2048, &Probe::default())
            .is_none());
        // cut: not taken
        assert!(LinksysTrailer
            .identify(&img[..2100], 2048, &Probe::default())
            .is_none());
    }
}
