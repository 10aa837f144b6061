//! U-Boot legacy image (`mkimage -A mips -O linux -T kernel -C lzma`): a 64-byte big-endian
//! header protected by a CRC32, followed by the payload. Type `multi` payloads start with a
//! zero-terminated table of big-endian sizes; each part is padded to 4 bytes.
//!
//! Written by hand: the header is 64 fixed bytes and no maintained crate parses it.
//!
//! ```text
//! 00000000  27 05 19 56 4d 11 9e d2  59 8a cf bc 00 31 77 8e  |'..VM...Y....1w.|
//! 00000010  81 00 10 00 81 00 10 00  35 3c 00 3f 05 05 02 03  |........5<.?....|
//! 00000020  4f 70 65 6e 57 72 74 2d  4c 69 6e 75 78 2d 33 2e  |OpenWrt-Linux-3.|
//! struct image_header {          // all fields big-endian
//!     u32 ih_magic = 0x27051956;
//!     u32 ih_hcrc;               // CRC32 of these 64 bytes with ih_hcrc = 0
//!     u32 ih_time;               // creation time, seconds since the epoch
//!     u32 ih_size;               // payload size
//!     u32 ih_load, ih_ep;        // load address, entry point
//!     u32 ih_dcrc;               // CRC32 of the payload
//!     u8  ih_os, ih_arch, ih_type, ih_comp;
//!     char ih_name[32];          // NUL-padded image name
//! };
//! // multi: u32 size[n], 0; then each part, aligned to 4
//! ```
//!
//! The chunk's variant is `os=linux arch=mips type=kernel comp=lzma name=OpenWrt-Linux-3.10.14`
//! (the name last, it may contain spaces); later stages read the kernel version from it.

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "uimage",
    category: Category::Firmware,
    description:
        "U-Boot legacy uImage (header and payload CRC verified); the payload is emitted as a file \
                  named after the image name (or kernel/ramdisk/... by type), multi-file images \
                  as kernel, ramdisk, fdt, image3...; the variant keeps os, arch, type, \
                  compression and name.",
    references: &[
        "U-Boot include/image.h (struct legacy_img_hdr, IH_OS_*, IH_ARCH_*, IH_TYPE_*, IH_COMP_*)",
        "U-Boot tools/mkimage.c",
    ],
    limitations: "The payload is not decompressed here (the compression handlers do it). A \
                  wrong header or payload CRC is reported (variant and integrity checks), not \
                  refused; a header with a wrong CRC must have known os, arch, type and \
                  compression values.",
};

const HDR: usize = 64;
const MAGIC: u32 = 0x2705_1956;
/// Most parts a multi-file image may list.
const MAX_PARTS: usize = 64;

pub struct UImage;

fn os_name(v: u8) -> String {
    const N: [&str; 29] = [
        "invalid",
        "openbsd",
        "netbsd",
        "freebsd",
        "4.4bsd",
        "linux",
        "svr4",
        "esix",
        "solaris",
        "irix",
        "sco",
        "dell",
        "ncr",
        "lynxos",
        "vxworks",
        "psos",
        "qnx",
        "u-boot",
        "rtems",
        "artos",
        "unity",
        "integrity",
        "ose",
        "plan9",
        "openrtos",
        "arm-trusted-firmware",
        "tee",
        "opensbi",
        "efi",
    ];
    N.get(v as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("os{v}"))
}

fn arch_name(v: u8) -> String {
    const N: [&str; 27] = [
        "invalid",
        "alpha",
        "arm",
        "x86",
        "ia64",
        "mips",
        "mips64",
        "ppc",
        "s390",
        "sh",
        "sparc",
        "sparc64",
        "m68k",
        "nios",
        "microblaze",
        "nios2",
        "blackfin",
        "avr32",
        "st200",
        "sandbox",
        "nds32",
        "openrisc",
        "arm64",
        "arc",
        "x86_64",
        "xtensa",
        "riscv",
    ];
    N.get(v as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("arch{v}"))
}

fn type_name(v: u8) -> String {
    const N: [&str; 15] = [
        "invalid",
        "standalone",
        "kernel",
        "ramdisk",
        "multi",
        "firmware",
        "script",
        "filesystem",
        "flat_dt",
        "kwbimage",
        "imximage",
        "ubl",
        "omap",
        "aisimage",
        "kernel_noload",
    ];
    N.get(v as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("type{v}"))
}

fn comp_name(v: u8) -> String {
    const N: [&str; 7] = ["none", "gzip", "bzip2", "lzma", "lzo", "lz4", "zstd"];
    N.get(v as usize)
        .map(|s| s.to_string())
        .unwrap_or_else(|| format!("comp{v}"))
}

/// File-name suffix for a compression, so that the stream handler can name its output.
fn comp_suffix(v: u8) -> &'static str {
    match v {
        1 => ".gz",
        2 => ".bz2",
        3 => ".lzma",
        4 => ".lzo",
        5 => ".lz4",
        6 => ".zst",
        _ => "",
    }
}

/// The parsed 64-byte header.
#[derive(Debug, Clone)]
pub struct Header {
    pub size: u32,
    pub dcrc: u32,
    pub os: u8,
    pub arch: u8,
    pub kind: u8,
    pub comp: u8,
    pub name: String,
}

impl Header {
    /// Parse and verify the header at the start of `d` (magic and header CRC).
    pub fn parse(d: &[u8]) -> Option<Header> {
        let (h, stored, computed) = Header::parse_unverified(d)?;
        (stored == computed).then_some(h)
    }

    /// Parse the header at the start of `d` without requiring its CRC to match: the header,
    /// the stored `ih_hcrc` and the CRC computed over the header. A header whose CRC does
    /// not match must have plausible fields (known os, arch, type and compression, a
    /// printable name), so that a stray magic is not taken for a repacked image.
    pub fn parse_unverified(d: &[u8]) -> Option<(Header, u32, u32)> {
        let h = d.get(..HDR)?;
        if be32(h, 0)? != MAGIC {
            return None;
        }
        let mut copy = [0u8; HDR];
        copy.copy_from_slice(h);
        copy[4..8].fill(0);
        let computed = crc32fast::hash(&copy);
        let stored = be32(h, 4)?;
        if stored != computed {
            let raw = &h[32..64];
            let end = memchr::memchr(0, raw).unwrap_or(raw.len());
            let printable = raw[..end].iter().all(|&c| (0x20..0x7f).contains(&c));
            if h[28] == 0
                || h[28] > 28
                || h[29] == 0
                || h[29] > 26
                || h[30] == 0
                || h[30] > 14
                || h[31] > 6
                || !printable
                || be32(h, 12)? == 0
            {
                return None;
            }
        }
        let raw = &h[32..64];
        let end = memchr::memchr(0, raw).unwrap_or(raw.len());
        let name = String::from_utf8_lossy(&raw[..end]).trim().to_string();
        Some(
            Header {
                size: be32(h, 12)?,
                dcrc: be32(h, 24)?,
                os: h[28],
                arch: h[29],
                kind: h[30],
                comp: h[31],
                name,
            }
            .with_crc(stored, computed),
        )
    }

    fn with_crc(self, stored: u32, computed: u32) -> (Header, u32, u32) {
        (self, stored, computed)
    }

    /// `os=linux arch=mips type=kernel comp=lzma name=...`
    pub fn variant(&self) -> String {
        format!(
            "os={} arch={} type={} comp={} name={}",
            os_name(self.os),
            arch_name(self.arch),
            type_name(self.kind),
            comp_name(self.comp),
            self.name
        )
    }

    /// File name of a single-image payload.
    fn payload_name(&self) -> String {
        let clean: String = self
            .name
            .chars()
            .map(|c| {
                if c == '/' || c == '\\' || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let clean = clean.trim().trim_matches('.').to_string();
        let base = if clean.is_empty() {
            match self.kind {
                2 | 14 => "kernel".to_string(),
                3 => "ramdisk".to_string(),
                8 => "fdt".to_string(),
                t => type_name(t),
            }
        } else {
            clean
        };
        format!("{base}{}", comp_suffix(self.comp))
    }
}

impl Handler for UImage {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x27\x05\x19\x56")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (h, stored, computed) = Header::parse_unverified(d)?;
        if h.size == 0 {
            return None;
        }
        let want = HDR as u64 + h.size as u64;
        let mut variant = h.variant();
        let mut checks = vec![Check::u32(
            "ih_hcrc",
            "crc32 of the 64-byte header with ih_hcrc = 0",
            stored,
            computed,
        )];
        if stored != computed {
            variant.push_str(" (header crc mismatch)");
        }
        let end = if want <= d.len() as u64 {
            let payload = &d[HDR..want as usize];
            let dcrc = crc32fast::hash(payload);
            checks.push(Check::u32(
                "ih_dcrc",
                "crc32 of the ih_size payload bytes",
                h.dcrc,
                dcrc,
            ));
            if dcrc != h.dcrc {
                variant.push_str(" (payload crc mismatch)");
            }
            start + want as usize
        } else {
            variant.push_str(" (truncated)");
            data.len()
        };
        Some(Chunk {
            checks,
            start,
            end,
            decoded: None,
            truncated: false,
            variant,
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some((h, _, _)) = Header::parse_unverified(data) else {
            return invalid("uImage header does not parse");
        };
        let avail = data.len().saturating_sub(HDR);
        let size = h.size as usize;
        let body_end = HDR + size.min(avail);
        let body = data.slice(HDR..body_end);
        if h.kind == 4 {
            extract_multi(&h, &body, out)?;
        } else {
            out.file(&h.payload_name(), Meta::mode(0o644), body)?;
        }
        if size > avail {
            return truncated(format!(
                "uImage '{}' claims a {size}-byte payload, only {avail} bytes present; partial \
                 payload kept",
                h.name
            ));
        }
        Ok(())
    }
}

fn extract_multi(h: &Header, body: &Bytes, out: &mut Sink) -> FormatResult<()> {
    let mut sizes = Vec::new();
    let mut p = 0usize;
    loop {
        let Some(s) = be32(body, p) else {
            return truncated(format!(
                "multi-file uImage '{}': size table runs past the payload",
                h.name
            ));
        };
        p += 4;
        if s == 0 {
            break;
        }
        if sizes.len() == MAX_PARTS {
            return invalid(format!(
                "multi-file uImage '{}' lists more than {MAX_PARTS} parts",
                h.name
            ));
        }
        sizes.push(s as usize);
    }
    for (i, s) in sizes.iter().enumerate() {
        let name = match i {
            0 => format!("kernel{}", comp_suffix(h.comp)),
            1 => "ramdisk".to_string(),
            2 => "fdt".to_string(),
            n => format!("image{n}"),
        };
        let end = p.saturating_add(*s);
        if end > body.len() {
            if p < body.len() {
                out.file(&name, Meta::mode(0o644), body.slice(p..))?;
            }
            return truncated(format!(
                "multi-file uImage '{}': part {i} ({s} bytes at {p:#x}) runs past the payload",
                h.name
            ));
        }
        out.file(&name, Meta::mode(0o644), body.slice(p..end))?;
        p = end.saturating_add(3) & !3;
    }
    Ok(())
}

/// Build a uImage (for tests of this and other handlers).
#[cfg(test)]
pub(crate) fn build(name: &str, os: u8, arch: u8, kind: u8, comp: u8, payload: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; HDR];
    h[0..4].copy_from_slice(&MAGIC.to_be_bytes());
    h[8..12].copy_from_slice(&1_500_000_000u32.to_be_bytes());
    h[12..16].copy_from_slice(&(payload.len() as u32).to_be_bytes());
    h[16..20].copy_from_slice(&0x8000_0000u32.to_be_bytes());
    h[20..24].copy_from_slice(&0x8000_0000u32.to_be_bytes());
    h[24..28].copy_from_slice(&crc32fast::hash(payload).to_be_bytes());
    h[28] = os;
    h[29] = arch;
    h[30] = kind;
    h[31] = comp;
    let n = name.as_bytes();
    h[32..32 + n.len().min(32)].copy_from_slice(&n[..n.len().min(32)]);
    let crc = crc32fast::hash(&h);
    h[4..8].copy_from_slice(&crc.to_be_bytes());
    h.extend_from_slice(payload);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn unpack(img: Vec<u8>) -> crate::tree::Tree {
        Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img))
    }

    #[test]
    fn single_kernel_image() {
        let payload: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut img = vec![0xffu8; 32];
        img.extend(build("Linux-4.14.1", 5, 5, 2, 0, &payload));
        img.extend([0xffu8; 16]);
        let tree = unpack(img);
        let e = tree.get("0x20.uimage/Linux-4.14.1").expect("payload");
        assert_eq!(&e.data[..], &payload[..]);
        assert_eq!(tree.layers[0].format, "uimage");
        assert_eq!(
            tree.layers[0].variant,
            "os=linux arch=mips type=kernel comp=none name=Linux-4.14.1"
        );
        assert_eq!(tree.layers[0].size, 64 + 5000);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn unnamed_ramdisk_is_named_by_type_and_compression() {
        let img = build("", 5, 2, 3, 1, b"not really gzip but fine for naming");
        let tree = unpack(img);
        assert!(tree.get("0x0.uimage/ramdisk.gz").is_some());
    }

    #[test]
    fn multi_image_parts() {
        let k = vec![0x11u8; 10];
        let r = vec![0x22u8; 7];
        let f = vec![0x33u8; 4];
        let mut body = Vec::new();
        for s in [k.len(), r.len(), f.len(), 0] {
            body.extend((s as u32).to_be_bytes());
        }
        body.extend(&k);
        body.extend([0, 0]); // pad 10 -> 12
        body.extend(&r);
        body.extend([0]); // pad 7 -> 8
        body.extend(&f);
        let tree = unpack(build("multi", 5, 2, 4, 0, &body));
        assert_eq!(&tree.get("0x0.uimage/kernel").unwrap().data[..], &k[..]);
        assert_eq!(&tree.get("0x0.uimage/ramdisk").unwrap().data[..], &r[..]);
        assert_eq!(&tree.get("0x0.uimage/fdt").unwrap().data[..], &f[..]);
        assert!(tree.layers[0].variant.contains("type=multi"));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn bad_header_crc_is_reported_when_the_fields_are_plausible() {
        let mut img = build("x", 5, 5, 2, 0, b"payload payload");
        let stored = u32::from_be_bytes(img[4..8].try_into().unwrap());
        img[33] = b'y'; // the name changed after the header was made
        let mut h = img[..64].to_vec();
        h[4..8].fill(0);
        let computed = crc32fast::hash(&h);
        let c = UImage.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(
            c.variant,
            "os=linux arch=mips type=kernel comp=none name=xy (header crc mismatch)"
        );
        assert_eq!(
            c.checks[0],
            Check::u32(
                "ih_hcrc",
                "crc32 of the 64-byte header with ih_hcrc = 0",
                stored,
                computed
            )
        );
        assert!(c.checks[1].ok(), "payload crc: {:?}", c.checks[1]);
        let tree = unpack(img.clone());
        assert_eq!(
            &tree.get("0x0.uimage/xy").unwrap().data[..],
            b"payload payload"
        );
        assert_eq!(tree.integrity.len(), 2);
        // a wrong CRC and an unknown architecture: a stray magic, not a uImage
        img[29] = 200;
        assert!(UImage.identify(&img, 0, &Probe::default()).is_none());
        // a wrong CRC and a control character in the name: likewise
        let mut img = build("x", 5, 5, 2, 0, b"payload payload");
        img[33] = 0x01;
        assert!(UImage.identify(&img, 0, &Probe::default()).is_none());
    }

    #[test]
    fn payload_crc_mismatch_is_a_check() {
        let mut img = build("k", 5, 5, 2, 0, b"payload payload");
        let n = img.len();
        img[n - 1] = b'!';
        let c = UImage.identify(&img, 0, &Probe::default()).unwrap();
        assert!(
            c.variant.ends_with("(payload crc mismatch)"),
            "{}",
            c.variant
        );
        assert!(c.checks[0].ok());
        assert_eq!(c.checks[1].field, "ih_dcrc");
        assert_eq!(
            c.checks[1].stored,
            format!("{:#010x}", crc32fast::hash(b"payload payload"))
        );
        assert_eq!(
            c.checks[1].computed,
            format!("{:#010x}", crc32fast::hash(b"payload payloa!"))
        );
    }

    #[test]
    fn hostile_truncated_and_multi_tables() {
        // claims 1 MiB, has 20 bytes
        let mut img = build("big", 5, 5, 2, 0, &[7u8; 20]);
        img[12..16].copy_from_slice(&(1u32 << 20).to_be_bytes());
        img[4..8].fill(0);
        let crc = crc32fast::hash(&img[..64]);
        img[4..8].copy_from_slice(&crc.to_be_bytes());
        let tree = unpack(img);
        assert_eq!(tree.get("0x0.uimage/big").unwrap().size, 20);
        assert_eq!(tree.errors.len(), 1);
        assert!(tree.errors[0]
            .error
            .contains("claims a 1048576-byte payload"));

        // multi table with a part far larger than the payload, and a name with a path
        let mut body = Vec::new();
        body.extend(0xffff_fff0u32.to_be_bytes());
        body.extend(0u32.to_be_bytes());
        body.extend([1u8; 8]);
        let tree = unpack(build("../../evil", 5, 5, 4, 0, &body));
        assert_eq!(tree.get("0x0.uimage/kernel").unwrap().size, 8);
        assert!(tree.errors.iter().any(|e| e.error.contains("runs past")));

        // a single image named with a path stays inside the layer
        let tree = unpack(build("../../etc/passwd", 5, 5, 2, 0, b"abcdefgh"));
        assert!(tree.get("0x0.uimage/_.._etc_passwd").is_some());
    }
}
