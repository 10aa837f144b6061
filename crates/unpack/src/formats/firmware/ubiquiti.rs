//! Ubiquiti firmware (`UBNT` vendor images, `OPEN` images built by OpenWrt's `mkfwimage`):
//! a header with the version string and a CRC32, then parts (`PART` header, data, CRC32 of
//! header and data), then an end block with a CRC32 over everything before it (`END.`) or an
//! RSA signature (`ENDS`).
//!
//! Written by hand: fixed big-endian headers; no maintained crate reads them.
//!
//! ```text
//! struct header {                // 268 bytes, big-endian
//!     char magic[4];             // "UBNT" or "OPEN"
//!     char version[256];         // "XS2.ar2316.v3.4.3003.080403.1604"
//!     u32  crc;                  // crc32 of magic and version
//!     u32  pad;
//! };
//! struct part {                  // 56 bytes, then data_size bytes, then part_crc
//!     char magic[4] = "PART";
//!     char name[16];             // "kernel", "rootfs", "u-boot"
//!     char pad[12];
//!     u32  memaddr, index, baseaddr, entryaddr, data_size, part_size;
//! };
//! struct part_crc { u32 crc; u32 pad; };   // crc32 of the part header and its data
//! struct signature {             // "END." + crc32 of every byte before it + pad
//!     char magic[4]; u32 crc; u32 pad;
//! };
//! ```

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "ubiquiti",
    category: Category::Firmware,
    description: "Ubiquiti firmware (UBNT / OPEN header, PART sections, END. block): parts \
                  emitted by name; the header, every part and the whole-image CRC32 are \
                  verified.",
    references: &[
        "OpenWrt tools/firmware-utils/src/mkfwimage.c, fw.h",
        "Ubiquiti fwsplit (RedBoot fwupgrade_ubnt.c)",
    ],
    limitations: "Images ending in an RSA signature block (ENDS) are unpacked; the signature \
                  is not verified (Ubiquiti's public key is not in the rules).",
};

const HDR: usize = 268;
const PART: usize = 56;
const MAX_PARTS: usize = 16;

pub struct Ubiquiti;

fn cstr(d: &[u8]) -> Option<String> {
    let s = &d[..memchr::memchr(0, d).unwrap_or(d.len())];
    s.iter()
        .all(|&c| (0x20..0x7f).contains(&c))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

struct Part {
    name: String,
    /// Offset of the part header.
    at: usize,
    size: usize,
}

struct Image {
    version: String,
    parts: Vec<Part>,
    /// Offset of the end block, when present.
    end_at: Option<usize>,
    signed: bool,
    end: usize,
}

fn parse(d: &[u8]) -> Option<Image> {
    let magic = d.get(..4)?;
    if magic != b"UBNT" && magic != b"OPEN" {
        return None;
    }
    if d.get(HDR..HDR + 4)? != b"PART" {
        return None;
    }
    let version = cstr(&d[4..260])?;
    let mut parts = Vec::new();
    let mut at = HDR;
    loop {
        match d.get(at..at + 4) {
            Some(b"PART") if parts.len() < MAX_PARTS => {
                let name = cstr(d.get(at + 4..at + 20)?)?;
                let size = be32(d, at + 48)? as usize;
                parts.push(Part { name, at, size });
                at = at.checked_add(PART + 8)?.checked_add(size)?;
            }
            Some(b"END.") => {
                return Some(Image {
                    version,
                    parts,
                    end_at: Some(at),
                    signed: false,
                    end: at + 12,
                })
            }
            Some(b"ENDS") => {
                // magic, 256-byte RSA signature, pad
                let end = (at + 4 + 256 + 4).min(d.len());
                return Some(Image {
                    version,
                    parts,
                    end_at: Some(at),
                    signed: true,
                    end,
                });
            }
            _ => {
                let end = at.min(d.len());
                return Some(Image {
                    version,
                    parts,
                    end_at: None,
                    signed: false,
                    end,
                });
            }
        }
    }
}

impl Handler for Ubiquiti {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [Magic::at0(b"UBNT"), Magic::at0(b"OPEN")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let img = parse(d)?;
        let mut checks = vec![Check::u32(
            "header.crc",
            "crc32 of magic and version",
            be32(d, 260)?,
            crc32fast::hash(&d[..260]),
        )];
        for p in &img.parts {
            let body_end = p.at + PART + p.size;
            if let (Some(stored), Some(covered)) = (be32(d, body_end), d.get(p.at..body_end)) {
                checks.push(Check::u32(
                    "part_crc.crc",
                    format!("crc32 of part '{}' (header and data)", p.name),
                    stored,
                    crc32fast::hash(covered),
                ));
            }
        }
        match img.end_at {
            Some(at) if !img.signed && at + 8 <= d.len() => checks.push(Check::u32(
                "signature.crc",
                "crc32 of every byte before the END. block",
                be32(d, at + 4)?,
                crc32fast::hash(&d[..at]),
            )),
            _ => {}
        }
        let names: Vec<&str> = img.parts.iter().map(|p| p.name.as_str()).collect();
        let mut variant = format!("{} {}", img.version, names.join(","));
        if img.signed {
            variant.push_str(" rsa-signed");
        }
        if img.end_at.is_none() {
            variant.push_str(" (no end block)");
        }
        let bad = checks.iter().filter(|c| !c.ok()).count();
        if bad > 0 {
            variant.push_str(&format!(" ({bad} crc mismatch)"));
        }
        Some(Chunk {
            start,
            end: start + img.end,
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(img) = parse(data) else {
            return invalid("Ubiquiti header does not parse");
        };
        let mut short = Vec::new();
        for p in &img.parts {
            let a = p.at + PART;
            let b = (a + p.size).min(data.len());
            if a >= b {
                short.push(p.name.clone());
                continue;
            }
            if b < a + p.size {
                short.push(p.name.clone());
            }
            let name = if p.name.is_empty() { "part" } else { &p.name };
            out.file(name, Meta::mode(0o644), data.slice(a..b))?;
        }
        if !short.is_empty() {
            return truncated(format!("Ubiquiti parts cut short: {}", short.join(", ")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// An image as mkfwimage writes it.
    fn build(magic: &[u8; 4], version: &str, parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut v = vec![0u8; HDR];
        v[..4].copy_from_slice(magic);
        v[4..4 + version.len()].copy_from_slice(version.as_bytes());
        let c = crc32fast::hash(&v[..260]);
        v[260..264].copy_from_slice(&c.to_be_bytes());
        for (i, (name, body)) in parts.iter().enumerate() {
            let at = v.len();
            let mut h = vec![0u8; PART];
            h[..4].copy_from_slice(b"PART");
            h[4..4 + name.len()].copy_from_slice(name.as_bytes());
            h[36..40].copy_from_slice(&(i as u32).to_be_bytes());
            h[48..52].copy_from_slice(&(body.len() as u32).to_be_bytes());
            h[52..56].copy_from_slice(&(body.len() as u32).to_be_bytes());
            v.extend(h);
            v.extend_from_slice(body);
            let c = crc32fast::hash(&v[at..]);
            v.extend(c.to_be_bytes());
            v.extend([0u8; 4]);
        }
        let c = crc32fast::hash(&v);
        v.extend(b"END.");
        v.extend(c.to_be_bytes());
        v.extend([0u8; 4]);
        v
    }

    #[test]
    fn parts_and_every_crc() {
        let img = build(
            b"UBNT",
            "XS2.ar2316.v3.4",
            &[("kernel", &[1u8; 700]), ("rootfs", &[2u8; 900])],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
        assert_eq!(tree.get("0x0.ubiquiti/kernel").unwrap().size, 700);
        assert_eq!(
            &tree.get("0x0.ubiquiti/rootfs").unwrap().data[..],
            &[2u8; 900]
        );
        assert_eq!(tree.layers[0].variant, "XS2.ar2316.v3.4 kernel,rootfs");
        assert_eq!(tree.layers[0].size, img.len() as u64);
        assert_eq!(tree.integrity.len(), 4);
        assert!(tree.integrity.iter().all(|c| c.ok), "{:?}", tree.integrity);
    }

    #[test]
    fn changed_rootfs_is_reported_and_still_unpacked() {
        let mut img = build(
            b"OPEN",
            "OpenWrt",
            &[("kernel", &[1u8; 100]), ("rootfs", &[2u8; 100])],
        );
        let at = HDR + PART + 100 + 8 + PART + 50;
        img[at] = 3;
        let c = Ubiquiti.identify(&img, 0, &Probe::default()).unwrap();
        let bad: Vec<(&str, &str)> = c
            .checks
            .iter()
            .filter(|c| !c.ok())
            .map(|c| (c.field, c.algorithm.as_str()))
            .collect();
        assert_eq!(
            bad,
            [
                ("part_crc.crc", "crc32 of part 'rootfs' (header and data)"),
                ("signature.crc", "crc32 of every byte before the END. block")
            ]
        );
        assert!(c.variant.ends_with("(2 crc mismatch)"), "{}", c.variant);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.ubiquiti/rootfs").unwrap().data[50], 3);
    }

    #[test]
    fn hostile_sizes() {
        let mut img = build(b"UBNT", "v", &[("kernel", &[1u8; 100])]);
        img[HDR + 48..HDR + 52].copy_from_slice(&0xffff_0000u32.to_be_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.ubiquiti/kernel").unwrap().size, 100 + 8 + 12);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        // no PART after the header: not this format
        let mut img = build(b"OPEN", "v", &[("kernel", &[1u8; 10])]);
        img[HDR] = b'X';
        assert!(Ubiquiti.identify(&img, 0, &Probe::default()).is_none());
    }
}
