//! ZyXEL Keenetic `ZNBG` signature trailer (Keenetic, Keenetic II/III/Giga/Omni/Viva/Lite
//! images as written by OpenWrt's `zyimage`): 60 bytes appended to the image, with the
//! device id, the firmware version and the CRC-32 of everything before the trailer.
//!
//! Written by hand: a fixed trailer; CRC-32 from `crc32fast`.
//!
//! ```text
//! ...       (uImage kernel, root file system)
//! +0x00  5a 4e 42 47 01 00 00 00  56 2e 31 2e 30 2e 30 28  |ZNBG....V.1.0.0(|
//! +0x10  31 2e 30 2e 30 29 00 00  00 00 00 00 00 00 00 00  |1.0.0)..........|
//! struct signature {             // host order: little-endian (zyimage runs on x86 hosts)
//!     char magic[4] = "ZNBG";
//!     u32  device_id;
//!     char firmware_version[48]; // NUL-terminated
//!     u32  crc32;                // CRC-32 register (initial ~0, no final xor) of the
//! };                             // image before the trailer
//! ```
//! (dump: zyimage's default signature, as this module's tests build it)

use bytes::Bytes;

use crate::bytes::le32;
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "keenetic-znbg",
    category: Category::Firmware,
    description: "ZyXEL Keenetic ZNBG signature trailer (zyimage): device id and firmware \
                  version go into the variant; the CRC-32 of everything before the trailer is \
                  verified. The image itself (uImage, squashfs, ...) is opened by the other \
                  handlers.",
    references: &["openwrt/firmware-utils src/zyimage.c (struct signature, chksum_crc32)"],
    limitations: "Only a trailer at the very end of a file is read, since the CRC covers the \
                  file from its first byte. Little-endian fields only (zyimage writes host \
                  order).",
};

const TRAILER: usize = 60;
const MAGIC: &[u8; 4] = b"ZNBG";

pub struct KeeneticZnbg;

/// The CRC-32 register zyimage keeps (initial ~0, no final xor): `~crc32`.
fn crc_reg(d: &[u8]) -> u32 {
    !crc32fast::hash(d)
}

impl Handler for KeeneticZnbg {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let t = data.get(start..)?;
        if t.len() != TRAILER || &t[..4] != MAGIC {
            return None;
        }
        let v = &t[8..56];
        let n = memchr::memchr(0, v)?;
        if n == 0 || !v[..n].iter().all(|&c| (0x20..0x7f).contains(&c)) {
            return None;
        }
        let checks = vec![Check::u32(
            "crc32",
            "CRC-32 register (initial ~0, no final xor) of every byte before the trailer",
            le32(t, 56)?,
            crc_reg(&data[..start]),
        )];
        let mut variant = format!(
            "device {:#010x} {}",
            le32(t, 4)?,
            String::from_utf8_lossy(&v[..n])
        );
        note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: data.len(),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, _data: &Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        // a trailer only: the image before it is carved
        Ok(())
    }
}

/// Sign `image` as zyimage does (tests).
#[cfg(test)]
pub(crate) fn sign(image: &[u8], device: u32, version: &str) -> Vec<u8> {
    let mut out = image.to_vec();
    let mut t = [0u8; TRAILER];
    t[..4].copy_from_slice(MAGIC);
    t[4..8].copy_from_slice(&device.to_le_bytes());
    t[8..8 + version.len()].copy_from_slice(version.as_bytes());
    t[56..60].copy_from_slice(&crc_reg(image).to_le_bytes());
    out.extend_from_slice(&t);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn verifies_the_crc_of_the_image_before_it() {
        let img = sign(
            b"kernel and rootfs of a keenetic image",
            1,
            "V.1.0.0(1.0.0)",
        );
        let n = img.len();
        assert_eq!(
            hex(&img[n - 60..n - 44]),
            "5a4e424701000000562e312e302e3028"
        );
        let c = KeeneticZnbg
            .identify(&img, n - TRAILER, &Probe::default())
            .unwrap();
        assert_eq!(c.variant, "device 0x00000001 V.1.0.0(1.0.0)");
        assert!(c.checks[0].ok());
        assert_eq!(
            c.checks[0].stored,
            format!(
                "{:#010x}",
                crc_reg(b"kernel and rootfs of a keenetic image")
            )
        );
        let only: Vec<crate::handler::HandlerRef> = vec![std::sync::Arc::new(KeeneticZnbg)];
        let tree = Unpacker::with_handlers(Limits::default(), only).unpack_bytes(Bytes::from(img));
        assert_eq!(
            tree.layers[0].path,
            format!("{:#x}.keenetic-znbg", n - TRAILER)
        );
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok);
    }

    #[test]
    fn changed_image_is_a_mismatch_with_both_values() {
        let mut img = sign(b"kernel and rootfs", 0x30, "V2.00(AAAA.1)");
        let stored = crc_reg(b"kernel and rootfs");
        img[0] = b'K';
        let n = img.len();
        let c = KeeneticZnbg
            .identify(&img, n - TRAILER, &Probe::default())
            .unwrap();
        assert_eq!(c.checks[0].stored, format!("{stored:#010x}"));
        assert_eq!(
            c.checks[0].computed,
            format!("{:#010x}", crc_reg(b"Kernel and rootfs"))
        );
        assert_eq!(
            c.variant,
            "device 0x00000030 V2.00(AAAA.1) (crc32 mismatch)"
        );
    }

    #[test]
    fn only_a_trailer_ending_the_file() {
        let img = sign(b"image", 1, "V1");
        let n = img.len();
        let p = Probe::default();
        let mut longer = img.clone();
        longer.push(0);
        assert!(KeeneticZnbg.identify(&longer, n - TRAILER, &p).is_none());
        let mut bad = img.clone();
        bad[n - TRAILER + 8] = 0; // empty version
        assert!(KeeneticZnbg.identify(&bad, n - TRAILER, &p).is_none());
        let mut bad = img.clone();
        bad[n - 5] = 1; // no NUL in the version field
        bad[n - TRAILER + 8..n - 4].fill(b'a');
        assert!(KeeneticZnbg.identify(&bad, n - TRAILER, &p).is_none());
        assert!(KeeneticZnbg.identify(&img, 0, &p).is_none());
    }
}
