//! TP-Link `IMG0` header of VxWorks-era TP-Link images (TL-WR702N, TL-WR710N, TL-MR3020 v3
//! and other small VxWorks routers): a 20-byte preamble (a word and an MD5), then `IMG0`
//! records, each a 12-byte header whose size runs to the end of the image: the outer record
//! holds the boot image and, nested, a second `IMG0` record holding the LZMA kernel and the
//! MemFS of web pages.
//!
//! Written by hand: a 12-byte header; no maintained crate reads it.
//!
//! ```text
//! 00000000  00 14 2f c0 a1 ea 03 bf  74 66 51 7a a5 45 77 96  |../.....tfQz.Ew.|
//! 00000010  40 e0 1a cd 49 4d 47 30  00 17 7c 20 07 02 11 01  |@...IMG0..| ....|
//! struct tplink_img0_image {     // big-endian
//!     u32  word0;                // meaning not public
//!     u8   md5[16];              // range and salt not public: not verified
//!     struct img0 {              // at 0x14, and nested further in
//!         char magic[4] = "IMG0";
//!         u32  size;             // from the magic to the end of the image
//!         u8   device_id[2];     // 07 02
//!         u8   language[2];      // 00 01 Chinese, 11 01 English
//!     };
//! };
//! ```
//! (dump: fact_extractor's `tpl/test/data/wr.fw`, a TL-WR702N image)
//!
//! The records are read as headers only: the chunk is the header (with the preamble for
//! the outer record), and the payloads after it (LZMA boot loader and kernel, MemFS) are
//! carved from the image as before, so that their paths do not depend on the header.

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "tplink-img0",
    category: Category::Firmware,
    description: "TP-Link IMG0 header of VxWorks-era images (TL-WR702N and similar): the \
                  20-byte preamble and each IMG0 record (size, device id, language) are read \
                  and named in the variant; the payloads after the headers (LZMA boot loader \
                  and kernel, VxWorks MemFS) are carved from the image.",
    references: &[
        "fkie-cad/fact_extractor plugins/unpacking/tpwr702n/code/tpwr702n.py (TPWR702N, \
         TPIMG0: preamble, IMG0 record, language codes)",
        "fkie-cad/fact_extractor plugins/unpacking/tpl/test/data/wr.fw (test image)",
        "ReFirmLabs/binwalk v2 src/binwalk/magic/firmware (IMG0 (VxWorks) header, size at 4)",
    ],
    limitations: "The preamble's MD5 is not verified: no public source says what it covers \
                  (MD5 of bytes 0x14..end, 4..end and 0..end, with the field zeroed, 0xff or \
                  one of the public TP-Link salts in its place or before the data, matches \
                  neither wr.fw nor its nested record), and the first word's meaning is not \
                  public. A record is taken only when its size ends exactly at the end of \
                  the blob.",
};

const MAGIC: &[u8; 4] = b"IMG0";
const REC: usize = 12;
const PREAMBLE: usize = 0x14;

pub struct TplinkImg0;

fn language(l: &[u8]) -> &'static str {
    match l {
        [0x00, 0x01] => "Chinese",
        [0x11, 0x01] => "English",
        _ => "unknown",
    }
}

impl Handler for TplinkImg0 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let r = data.get(start..start.checked_add(REC)?)?;
        if &r[..4] != MAGIC {
            return None;
        }
        let size = be32(r, 4)? as usize;
        // the record runs to the end of the image: its size is the one strong check
        if size < REC || start.checked_add(size)? != data.len() {
            return None;
        }
        let outer = start == PREAMBLE;
        let mut variant = format!(
            "{} record, {size} bytes, device {}, language {} ({})",
            if outer { "outer" } else { "nested" },
            hex(&r[8..10]),
            hex(&r[10..12]),
            language(&r[10..12]),
        );
        if outer {
            variant.push_str(&format!(
                ", word0 {:#010x}, md5 {} (not verified)",
                be32(data, 0)?,
                hex(&data[4..PREAMBLE])
            ));
        }
        Some(Chunk {
            start: if outer { 0 } else { start },
            end: start + REC,
            variant,
            ..Chunk::default()
        })
    }

    fn extract(&self, _data: &Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        // a header only: the payloads after it are carved from the image
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// An image laid out as wr.fw: preamble, outer IMG0, boot bytes, nested IMG0, main.
    fn image() -> Vec<u8> {
        let mut d = vec![0u8; 0x200];
        d[..4].copy_from_slice(&0x0014_2fc0u32.to_be_bytes());
        d[4..0x14].copy_from_slice(&[0xa1; 16]);
        d[0x14..0x18].copy_from_slice(MAGIC);
        d[0x100..0x104].copy_from_slice(MAGIC);
        let n = d.len();
        d[0x18..0x1c].copy_from_slice(&((n - 0x14) as u32).to_be_bytes());
        d[0x1c..0x20].copy_from_slice(&[0x07, 0x02, 0x11, 0x01]);
        d[0x104..0x108].copy_from_slice(&((n - 0x100) as u32).to_be_bytes());
        d[0x108..0x10c].copy_from_slice(&[0x07, 0x02, 0x00, 0x01]);
        d
    }

    #[test]
    fn reads_the_outer_and_the_nested_record() {
        let d = image();
        let c = TplinkImg0.identify(&d, 0x14, &Probe::default()).unwrap();
        assert_eq!((c.start, c.end), (0, 0x20));
        assert_eq!(
            c.variant,
            format!(
                "outer record, 492 bytes, device 0702, language 1101 (English), word0 \
                 0x00142fc0, md5 {} (not verified)",
                "a1".repeat(16)
            )
        );
        let c = TplinkImg0.identify(&d, 0x100, &Probe::default()).unwrap();
        assert_eq!((c.start, c.end), (0x100, 0x10c));
        assert_eq!(
            c.variant,
            "nested record, 256 bytes, device 0702, language 0001 (Chinese)"
        );
        let only: Vec<crate::handler::HandlerRef> = vec![std::sync::Arc::new(TplinkImg0)];
        let tree = Unpacker::with_handlers(Limits::default(), only).unpack_bytes(Bytes::from(d));
        let formats: Vec<(&str, u64, u64)> = tree
            .layers
            .iter()
            .map(|l| (l.path.as_str(), l.offset, l.size))
            .collect();
        assert_eq!(
            formats,
            [
                ("0x0.tplink-img0", 0, 0x20),
                ("0x100.tplink-img0", 0x100, 12)
            ]
        );
        assert!(tree.integrity.is_empty());
    }

    #[test]
    fn a_record_must_end_at_the_end_of_the_blob() {
        let d = image();
        let mut longer = d.clone();
        longer.push(0);
        assert!(TplinkImg0
            .identify(&longer, 0x14, &Probe::default())
            .is_none());
        assert!(TplinkImg0
            .identify(&longer, 0x100, &Probe::default())
            .is_none());
        let mut bad = d.clone();
        bad[0x104..0x108].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(TplinkImg0
            .identify(&bad, 0x100, &Probe::default())
            .is_none());
        bad[0x104..0x108].copy_from_slice(&4u32.to_be_bytes());
        assert!(TplinkImg0
            .identify(&bad, 0x100, &Probe::default())
            .is_none());
        for n in 0..0x20 {
            assert!(TplinkImg0
                .identify(&d[..n], 0x14, &Probe::default())
                .is_none());
        }
    }
}
