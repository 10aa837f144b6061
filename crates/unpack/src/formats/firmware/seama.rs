//! SEAMA ("SEAttle iMAge") firmware entity, used by D-Link (DIR-6xx/8xx/869/882) and other
//! Alpha Networks designs: a big-endian header, an MD5 of the image, NUL-separated metadata
//! (`dev=/dev/mtdblock/1`, `type=firmware`, `signature=...`), then the image.
//!
//! Written by hand: a 28-byte header; no maintained crate reads it.
//!
//! ```text
//! struct seama_hdr {             // big-endian
//!     u32 magic = 0x5ea3a417;
//!     u16 reserved;
//!     u16 metasize;              // bytes of metadata after the digest
//!     u32 size;                  // bytes of image after the metadata; 0 for a "seal"
//!     u8  md5[16];               // MD5 of the image (absent in a seal header)
//! };
//! // char meta[metasize]; u8 image[size]
//! ```
//!
//! A seal header (size 0) only carries metadata (the signature string) and is followed by
//! the entities it seals; each is found by the carver as its own layer.

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "seama",
    category: Category::Firmware,
    description: "SEAMA firmware entity (D-Link / Alpha Networks): the image is emitted as a \
                  file; the MD5 of the image is verified; the metadata strings are kept in the \
                  variant.",
    references: &[
        "OpenWrt tools/firmware-utils/src/seama.h, seama.c",
        "U-Boot cmd/seama.c (SEAMA NAND image format)",
    ],
    limitations: "The signature string in the metadata is reported, not checked (it is a model \
                  tag, not a cryptographic signature).",
};

const MAGIC: u32 = 0x5ea3_a417;
const HDR: usize = 12;
const MAX_META: usize = 1024;

pub struct Seama;

struct Header {
    meta: Vec<String>,
    /// Offset of the image.
    data_at: usize,
    size: usize,
}

fn parse(d: &[u8]) -> Option<Header> {
    if be32(d, 0)? != MAGIC {
        return None;
    }
    let metasize = u16::from_be_bytes([*d.get(6)?, *d.get(7)?]) as usize;
    let size = be32(d, 8)? as usize;
    if metasize > MAX_META {
        return None;
    }
    let meta_at = if size == 0 { HDR } else { HDR + 16 };
    let raw = d.get(meta_at..meta_at + metasize)?;
    let mut meta = Vec::new();
    for s in raw.split(|&b| b == 0).filter(|s| !s.is_empty()) {
        if !s.iter().all(|&c| (0x20..0x7f).contains(&c)) {
            return None;
        }
        meta.push(String::from_utf8_lossy(s).into_owned());
    }
    Some(Header {
        meta,
        data_at: meta_at + metasize,
        size,
    })
}

impl Handler for Seama {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x5e\xa3\xa4\x17")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let want = h.data_at.checked_add(h.size)?;
        let mut variant = if h.size == 0 {
            format!("seal {}", h.meta.join(" "))
        } else {
            h.meta.join(" ")
        };
        let mut checks = Vec::new();
        if h.size > 0 && want <= d.len() {
            let sum = Md5::digest(&d[h.data_at..want]);
            let c = Check::digest("md5", "md5 of the image", &d[HDR..HDR + 16], sum.as_slice());
            if !c.ok() {
                variant.push_str(" (md5 mismatch)");
            }
            checks.push(c);
        } else if want > d.len() {
            variant.push_str(&format!(" truncated ({} of {want} bytes)", d.len()));
        }
        Some(Chunk {
            start,
            end: start + want.min(d.len()),
            variant: variant.trim().to_string(),
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("SEAMA header does not parse");
        };
        if h.size == 0 {
            return Ok(()); // a seal: the sealed entities follow and are carved on their own
        }
        let end = (h.data_at + h.size).min(data.len());
        if h.data_at < end {
            out.file("image", Meta::mode(0o644), data.slice(h.data_at..end))?;
        }
        if h.data_at + h.size > data.len() {
            return truncated(format!(
                "SEAMA image claims {} bytes, {} present",
                h.size,
                data.len().saturating_sub(h.data_at)
            ));
        }
        Ok(())
    }
}

/// Build a SEAMA entity (tests).
#[cfg(test)]
pub(crate) fn build(meta: &[&str], image: &[u8]) -> Vec<u8> {
    let mut m = Vec::new();
    for s in meta {
        m.extend_from_slice(s.as_bytes());
        m.push(0);
    }
    while !m.len().is_multiple_of(4) {
        m.push(0);
    }
    let mut v = Vec::new();
    v.extend(MAGIC.to_be_bytes());
    v.extend(0u16.to_be_bytes());
    v.extend((m.len() as u16).to_be_bytes());
    v.extend((image.len() as u32).to_be_bytes());
    v.extend(Md5::digest(image));
    v.extend(m);
    v.extend_from_slice(image);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn entity_verifies_and_unpacks() {
        let img = build(&["dev=/dev/mtdblock/1", "type=firmware"], &[0x42u8; 1000]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.layers[0].variant, "dev=/dev/mtdblock/1 type=firmware");
        assert_eq!(
            &tree.get("0x0.seama/image").unwrap().data[..],
            &[0x42u8; 1000]
        );
        assert_eq!(tree.integrity.len(), 1);
        assert!(tree.integrity[0].ok);
        assert_eq!(
            tree.integrity[0].stored,
            crate::handler::hex(&Md5::digest([0x42u8; 1000]))
        );
    }

    #[test]
    fn changed_image_is_reported_and_still_unpacked() {
        let mut img = build(&["type=firmware"], &[0x42u8; 1000]);
        let n = img.len();
        img[n - 10] = 0;
        let c = Seama.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "type=firmware (md5 mismatch)");
        let mut changed = vec![0x42u8; 1000];
        changed[990] = 0;
        assert_eq!(
            c.checks[0].computed,
            crate::handler::hex(&Md5::digest(&changed))
        );
        assert_eq!(
            c.checks[0].stored,
            crate::handler::hex(&Md5::digest([0x42u8; 1000]))
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.seama/image").unwrap().data[990], 0);
    }

    #[test]
    fn hostile_headers() {
        let mut img = build(&["type=firmware"], &[1u8; 64]);
        img[20 + 8] = 0x01; // control character in the metadata
        assert!(Seama.identify(&img, 0, &Probe::default()).is_none());
        let mut img = build(&["a"], &[1u8; 64]);
        img[6..8].copy_from_slice(&0xffffu16.to_be_bytes());
        assert!(Seama.identify(&img, 0, &Probe::default()).is_none());
    }
}
