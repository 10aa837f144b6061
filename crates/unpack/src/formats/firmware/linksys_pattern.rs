//! Linksys (Cybertan) "code pattern" header (`U2ND` at byte 14), written by Linksys' and
//! OpenWrt's `addpattern` in front of a TRX image for the WRT54G family, WRT160NL, E2100L
//! and other Cybertan-built devices: a 32-byte header with the board pattern (`W54G`,
//! `W54S`, `NL16`, ...), the firmware date and version and hardware flags.
//!
//! Written by hand: a fixed 32-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  57 35 34 47 00 00 00 00  14 03 1f 04 14 00 55 32  |W54G..........U2|
//! 00000010  4e 44 01 00 07 00 00 00  00 00 00 00 00 00 00 00  |ND..............|
//! struct code_header {           // cyutils.h, as in addpattern.c
//!     char magic[8];             // board pattern, NUL-padded ("W54G"; "PBOT" may follow)
//!     u8   fwdate[3];            // year % 100, month, day
//!     u8   fwvern[3];            // v0.v1.v2
//!     char id[4] = "U2ND";
//!     u8   hw_ver;               // 0: 4702, 1: 4712, ...
//!     u8   sn;                   // serial number
//!     u8   flags[2];             // SUPPORT_* bits
//!     u8   stable[2], try1[2], try2[2], try3[2], res3[2];   // dual-image flags
//! };                             // the TRX image follows
//! ```
//!
//! The header carries no checksum; the TRX behind it has its own CRC32 (the trx handler
//! verifies it). The dump above is the header built by this module's tests.

use bytes::Bytes;

use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "linksys-pattern",
    category: Category::Firmware,
    description: "Linksys/Cybertan code pattern header (U2ND, addpattern): the image after the \
                  32-byte header (a TRX) is emitted as 'firmware'; board pattern, firmware \
                  version and date in the variant.",
    references: &[
        "openwrt/firmware-utils src/addpattern.c (struct code_header, from Cybertan cyutils.h)",
        "ReFirmLabs/binwalk src/binwalk/magic/firmware (BIN-Header)",
    ],
    limitations: "The header has no checksum of its own (the TRX inside is verified by the trx \
                  handler). The image runs to the end of the blob.",
};

const HEADER: usize = 32;

pub struct LinksysPattern;

struct Header {
    pattern: String,
    date: (u8, u8, u8),
    version: (u8, u8, u8),
}

fn parse(d: &[u8]) -> Option<Header> {
    if d.get(14..18)? != b"U2ND" || d.len() <= HEADER {
        return None;
    }
    let magic = &d[..8];
    let pat = &magic[..memchr::memchr(0, magic).unwrap_or(8)];
    // patterns are 4 upper-case letters or digits (W54G, NL16, WDHNSTFH, ...), "PBOT" may follow
    if pat.len() < 4 || !pat.iter().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (y, m, day) = (d[8], d[9], d[10]);
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || y > 99 {
        return None;
    }
    Some(Header {
        pattern: String::from_utf8_lossy(pat).into_owned(),
        date: (y, m, day),
        version: (d[11], d[12], d[13]),
    })
}

impl Handler for LinksysPattern {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"U2ND", 14)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let (y, m, day) = h.date;
        let (a, b, c) = h.version;
        Some(Chunk {
            start,
            end: data.len(),
            variant: format!(
                "{} v{a}.{b}.{c} {}-{m:02}-{day:02}",
                h.pattern,
                2000 + y as u32
            ),
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        if parse(data).is_none() {
            return invalid("Linksys code pattern header does not parse");
        }
        out.file("firmware", Meta::mode(0o644), data.slice(HEADER..))
    }
}

/// Build a code pattern image as addpattern does (tests).
#[cfg(test)]
pub(crate) fn build(pattern: &str, firmware: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; HEADER];
    h[..pattern.len()].copy_from_slice(pattern.as_bytes());
    h[8..11].copy_from_slice(&[20, 3, 31]);
    h[11..14].copy_from_slice(&[4, 20, 0]);
    h[14..18].copy_from_slice(b"U2ND");
    h[18] = 1;
    h[20] = 7;
    h.extend_from_slice(firmware);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn pattern_header_and_trx_inside() {
        let trx = crate::formats::firmware::trx::build(1, &[b"kernel-bytes", b"rootfs-bytes"]);
        let img = build("W54G", &trx);
        assert_eq!(
            hex(&img[..HEADER]),
            format!(
                "573534470000000014031f04140055324e4401000700{}",
                "00".repeat(10)
            )
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].format, "linksys-pattern");
        assert_eq!(tree.layers[0].variant, "W54G v4.20.0 2020-03-31");
        assert_eq!(
            &tree.get("0x0.linksys-pattern/firmware").unwrap().data[..],
            &trx[..]
        );
        assert_eq!(
            &tree
                .get("0x0.linksys-pattern/firmware.extract/0x0.trx/part1")
                .unwrap()
                .data[..],
            b"rootfs-bytes"
        );
        // the TRX inside is verified; the pattern header itself has nothing to verify
        assert_eq!(tree.integrity.len(), 1);
        assert_eq!(tree.integrity[0].format, "trx");
        assert!(tree.integrity[0].ok);
    }

    #[test]
    fn repacked_trx_inside_is_reported() {
        let mut trx = crate::formats::firmware::trx::build(1, &[b"kernel-bytes", b"rootfs-bytes"]);
        let n = trx.len();
        trx[n - 1] = b'X';
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(build("NL16", &trx)));
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(
            tree.integrity[0].layer,
            "0x0.linksys-pattern/firmware.extract/0x0.trx"
        );
    }

    #[test]
    fn hostile_headers() {
        let img = build("W54G", &[0u8; 64]);
        // a month of 13
        let mut bad = img.clone();
        bad[9] = 13;
        assert!(LinksysPattern
            .identify(&bad, 0, &Probe::default())
            .is_none());
        // a pattern with control characters
        let mut bad = img.clone();
        bad[1] = 0x01;
        assert!(LinksysPattern
            .identify(&bad, 0, &Probe::default())
            .is_none());
        // header alone: not taken
        assert!(LinksysPattern
            .identify(&img[..HEADER], 0, &Probe::default())
            .is_none());
    }
}
