//! TP-Link firmware header as written by OpenWrt's `mktplinkfw` (v1) and `mktplinkfw2` (v2):
//! a 512-byte big-endian header with a salted MD5 and the kernel and rootfs extents.
//!
//! Written by hand: a fixed header; no maintained crate reads it. MD5 from the `md-5` crate.
//!
//! ```text
//! 00000000  01 00 00 00 54 50 2d 4c  49 4e 4b 20 54 65 63 68  |....TP-LINK Tech|
//! 00000010  6e 6f 6c 6f 67 69 65 73  00 00 00 00 76 65 72 2e  |nologies....ver.|
//! struct fw_header_v1 {          // big-endian; 0x200 bytes
//!     u32  version = 0x01000000; // 0x00 (bytes 01 00 00 00)
//!     char vendor_name[24];      // 0x04 "TP-LINK Technologies", "OpenWrt", "DD-WRT"
//!     char fw_version[36];       // 0x1c
//!     u32  hw_id, hw_rev, unk1;  // 0x40
//!     u8   md5sum1[16];          // 0x4c MD5 of fw_length bytes with this field = salt
//!     u32  unk2; u8 md5sum2[16]; u32 unk3;
//!     u32  kernel_la, kernel_ep; // 0x74
//!     u32  fw_length;            // 0x7c
//!     u32  kernel_ofs, kernel_len, rootfs_ofs, rootfs_len, boot_ofs, boot_len; // 0x80
//!     u16  ver_hi, ver_mid, ver_lo; // 0x98
//! };
//! struct fw_header_v2 {          // big-endian; 0x200 bytes
//!     u32  version;              // 0x00 bytes 02 00 00 00 or 03 00 00 00
//!     char fw_version[48];       // 0x04 "ver. 1.0"
//!     u32  hw_id, hw_rev, hw_ver_add; // 0x34
//!     u8   md5sum1[16];          // 0x40
//!     u32  unk2; u8 md5sum2[16]; u32 unk3;
//!     u32  kernel_la, kernel_ep; // 0x68
//!     u32  fw_length;            // 0x70
//!     u32  kernel_ofs, kernel_len, rootfs_ofs, rootfs_len, boot_ofs, boot_len; // 0x74
//!     u16  unk4 = 0x55aa; u8 sver_hi, sver_lo; u8 unk5 = 0xa5; u8 ver_hi, ver_mid, ver_lo;
//! };
//! ```
//!
//! Vendor images with a boot loader carry a second copy of the header after it
//! (`header, boot loader (0x20000), header, kernel, rootfs`); such an image is emitted as
//! `bootloader` and `firmware`, and the inner header becomes its own layer.

use bytes::Bytes;
use md5::{Digest, Md5};

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "tplink",
    category: Category::Firmware,
    description: "TP-Link firmware header v1 (mktplinkfw) and v2 (mktplinkfw2): kernel and \
                  rootfs emitted as files; the salted MD5 is verified and reported in the \
                  variant; a boot-loader image is split into bootloader and firmware.",
    references: &[
        "OpenWrt tools/firmware-utils/src/mktplinkfw.c, mktplinkfw-lib.c",
        "OpenWrt tools/firmware-utils/src/mktplinkfw2.c",
    ],
    limitations: "rootfs is emitted from its offset (or the kernel end, when the offset \
                  overlaps the kernel) to the end of the image, since rootfs_len is not \
                  reliable. v1 is recognised with the vendor names TP-LINK, OpenWrt, DD-WRT, LEDE and \
                  LINUX; v2 by its default version string 'ver. '. A wrong MD5 (re-tagged \
                  images) is reported (integrity check), not refused; a sysupgrade image \
                  shorter than fw_length is checked over the bytes present and only a match \
                  is reported. The newer 'safeloader' format is read by tplink-safeloader.",
};

const HDR: usize = 0x200;
const BOOT_LEN: usize = 0x20000;

const SALT_NORMAL: [u8; 16] = [
    0xdc, 0xd7, 0x3a, 0xa5, 0xc3, 0x95, 0x98, 0xfb, 0xdd, 0xf9, 0xe7, 0xf4, 0x0e, 0xae, 0x47, 0x38,
];
const SALT_BOOT: [u8; 16] = [
    0x8c, 0xef, 0x33, 0x5b, 0xd5, 0xc5, 0xce, 0xfa, 0xa7, 0x9c, 0x28, 0xda, 0xb2, 0xe9, 0x0f, 0x42,
];
/// mktplinkfw2 uses slightly different salts.
const SALT2_NORMAL: [u8; 16] = [
    0xdc, 0xd7, 0x3a, 0xa5, 0xc3, 0x95, 0x98, 0xfb, 0xdc, 0xf9, 0xe7, 0xf4, 0x0e, 0xae, 0x47, 0x37,
];
const SALT2_BOOT: [u8; 16] = [
    0x8c, 0xef, 0x33, 0x5f, 0xd5, 0xc5, 0xce, 0xfa, 0xac, 0x9c, 0x28, 0xda, 0xb2, 0xe9, 0x0f, 0x42,
];

pub struct TpLink;

fn cstr(d: &[u8]) -> String {
    let end = memchr::memchr(0, d).unwrap_or(d.len());
    String::from_utf8_lossy(&d[..end]).trim().to_string()
}

#[derive(Debug)]
struct Header {
    v2: bool,
    vendor: String,
    version: String,
    fw_length: usize,
    kernel: (usize, usize),
    rootfs: (usize, usize),
    md5_at: usize,
}

fn parse(d: &[u8]) -> Option<Header> {
    let h = d.get(..HDR)?;
    let ver = be32(h, 0)?;
    let (v2, base) = match ver {
        // the version is stored as htonl(0x01000000): bytes 01 00 00 00
        0x0100_0000 => (false, 0x7c),
        0x0200_0000 | 0x0300_0000 => (true, 0x70),
        _ => return None,
    };
    if v2 && (h[0x8c] != 0x55 || h[0x8d] != 0xaa || h[0x90] != 0xa5) {
        return None;
    }
    let (vendor, version) = if v2 {
        (String::new(), cstr(&h[4..0x34]))
    } else {
        (cstr(&h[4..0x1c]), cstr(&h[0x1c..0x40]))
    };
    let text_ok = |s: &str| s.chars().all(|c| !c.is_control());
    if !text_ok(&vendor) || !text_ok(&version) {
        return None;
    }
    let f = |i: usize| be32(h, base + 4 * i).map(|v| v as usize);
    let fw_length = f(0)?;
    let kernel = (f(1)?, f(2)?);
    let rootfs = (f(3)?, f(4)?);
    // sanity: the kernel follows the header and both parts lie inside the image
    if fw_length < HDR || kernel.0 < HDR || kernel.1 == 0 {
        return None;
    }
    if kernel.0.checked_add(kernel.1)? > fw_length {
        return None;
    }
    if rootfs.1 != 0 && rootfs.0.checked_add(rootfs.1)? > fw_length {
        return None;
    }
    Some(Header {
        v2,
        vendor,
        version,
        fw_length,
        kernel,
        rootfs,
        md5_at: if v2 { 0x40 } else { 0x4c },
    })
}

/// Which salt makes the MD5 over the image match, if any, and the check for the report
/// (against the normal salt when neither matches).
fn md5_check(d: &[u8], h: &Header) -> Option<(&'static str, Check)> {
    let n = h.fw_length.min(d.len());
    let stored = d.get(h.md5_at..h.md5_at + 16)?;
    let salts: [(&[u8; 16], &str, &str); 2] = if h.v2 {
        [
            (
                &SALT2_NORMAL,
                "md5 ok",
                "md5 of fw_length bytes, md5sum1 = mktplinkfw2 salt",
            ),
            (
                &SALT2_BOOT,
                "md5 ok (boot)",
                "md5 of fw_length bytes, md5sum1 = mktplinkfw2 boot salt",
            ),
        ]
    } else {
        [
            (
                &SALT_NORMAL,
                "md5 ok",
                "md5 of fw_length bytes, md5sum1 = mktplinkfw salt",
            ),
            (
                &SALT_BOOT,
                "md5 ok (boot)",
                "md5 of fw_length bytes, md5sum1 = mktplinkfw boot salt",
            ),
        ]
    };
    let mut first = None;
    for (salt, label, algo) in salts {
        let mut m = Md5::new();
        m.update(&d[..h.md5_at]);
        m.update(salt);
        m.update(&d[h.md5_at + 16..n]);
        let sum = m.finalize();
        let check = Check::digest("md5sum1", algo, stored, sum.as_slice());
        if check.ok() {
            return Some((label, check));
        }
        first.get_or_insert(check);
    }
    first.map(|c| ("md5 mismatch", c))
}

impl Handler for TpLink {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 7] = [
            Magic::at0(b"\x01\x00\x00\x00TP-LINK"),
            Magic::at0(b"\x01\x00\x00\x00OpenWrt"),
            Magic::at0(b"\x01\x00\x00\x00DD-WRT"),
            Magic::at0(b"\x01\x00\x00\x00LEDE"),
            Magic::at0(b"\x01\x00\x00\x00LINUX"),
            Magic::at0(b"\x02\x00\x00\x00ver. "),
            Magic::at0(b"\x03\x00\x00\x00ver. "),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        // sysupgrade images declare the flash size as fw_length and sum only the bytes
        // present; when such a short image does not match, nothing can be concluded
        let (md5, checks) = match md5_check(d, &h) {
            Some((label, c)) if c.ok() || h.fw_length <= d.len() => (label, vec![c]),
            _ => ("md5 not checked", Vec::new()),
        };
        let mut variant = if h.v2 {
            format!("v2 {} ({md5})", h.version)
        } else {
            format!("v1 {} {} ({md5})", h.vendor, h.version)
        };
        if h.fw_length > d.len() {
            variant.push_str(&format!(" {} of {} bytes", d.len(), h.fw_length));
        }
        Some(Chunk {
            checks,
            start,
            end: start + h.fw_length.min(d.len()),
            decoded: None,
            truncated: false,
            variant,
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("TP-Link header does not parse");
        };
        // header, boot loader, then a complete image with its own header
        let inner = HDR + BOOT_LEN;
        if let Some(ih) = data.get(inner..).and_then(parse) {
            if ih.v2 == h.v2 {
                out.file("bootloader", Meta::mode(0o644), data.slice(HDR..inner))?;
                out.file("firmware", Meta::mode(0o644), data.slice(inner..))?;
                return Ok(());
            }
        }
        let mut short = Vec::new();
        let img_end = h.fw_length.min(data.len());
        let (kofs, klen) = h.kernel;
        let kend = kofs.saturating_add(klen);
        if kofs < data.len() {
            if kend > data.len() {
                short.push(format!(
                    "kernel claims {klen} bytes at {kofs:#x}, {} present",
                    data.len() - kofs
                ));
            }
            out.file(
                "kernel",
                Meta::mode(0o644),
                data.slice(kofs..kend.min(data.len())),
            )?;
        } else {
            short.push(format!("kernel at {kofs:#x} is beyond the data"));
        }
        // The root file system runs to the end of the image: OpenWrt's combined images put
        // it right after the kernel whatever rootfs_ofs says, and vendor images store a
        // rootfs_len that does not cover it. The engine finds the file system inside.
        let rofs = if h.rootfs.0 >= kend { h.rootfs.0 } else { kend };
        if h.rootfs.1 != 0 || h.rootfs.0 != 0 {
            if rofs < img_end {
                out.file("rootfs", Meta::mode(0o644), data.slice(rofs..img_end))?;
            } else {
                short.push(format!("rootfs at {rofs:#x} is beyond the data"));
            }
        }
        if !short.is_empty() {
            return truncated(format!("TP-Link image: {}", short.join("; ")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    /// A v1 image as mktplinkfw writes it: header, kernel at 0x200, rootfs at `rootfs_ofs`.
    fn build_v1(kernel: &[u8], rootfs: &[u8], rootfs_ofs: usize) -> Vec<u8> {
        let total = rootfs_ofs + rootfs.len();
        let mut img = vec![0xffu8; total];
        img[..HDR].fill(0);
        img[0..4].copy_from_slice(&0x0100_0000u32.to_be_bytes());
        img[4..24].copy_from_slice(b"TP-LINK Technologies");
        img[0x1c..0x24].copy_from_slice(b"ver. 1.0");
        let fields = [
            total as u32,
            HDR as u32,
            kernel.len() as u32,
            rootfs_ofs as u32,
            rootfs.len() as u32,
        ];
        for (i, v) in fields.iter().enumerate() {
            img[0x7c + 4 * i..0x80 + 4 * i].copy_from_slice(&v.to_be_bytes());
        }
        img[HDR..HDR + kernel.len()].copy_from_slice(kernel);
        img[rootfs_ofs..].copy_from_slice(rootfs);
        img[0x4c..0x5c].copy_from_slice(&SALT_NORMAL);
        let sum = Md5::digest(&img);
        img[0x4c..0x5c].copy_from_slice(&sum);
        img
    }

    #[test]
    fn v1_kernel_and_rootfs() {
        let img = build_v1(&[0x5au8; 1000], &[0xa5u8; 3000], 0x1000);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x0.tplink/kernel").unwrap().data[..],
            &[0x5au8; 1000]
        );
        assert_eq!(
            &tree.get("0x0.tplink/rootfs").unwrap().data[..],
            &[0xa5u8; 3000]
        );
        assert_eq!(
            tree.layers[0].variant,
            "v1 TP-LINK Technologies ver. 1.0 (md5 ok)"
        );
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn md5_mismatch_is_reported() {
        let mut img = build_v1(&[1u8; 100], &[2u8; 100], 0x400);
        img[0x300] ^= 0xff;
        let c = TpLink.identify(&img, 0, &Probe::default()).unwrap();
        assert!(c.variant.ends_with("(md5 mismatch)"), "{}", c.variant);
        assert_eq!(c.checks.len(), 1);
        assert_eq!(c.checks[0].field, "md5sum1");
        assert_eq!(c.checks[0].stored, crate::handler::hex(&img[0x4c..0x5c]));
        let mut salted = img.clone();
        salted[0x4c..0x5c].copy_from_slice(&SALT_NORMAL);
        assert_eq!(
            c.checks[0].computed,
            crate::handler::hex(&Md5::digest(&salted))
        );
        assert!(!c.checks[0].ok());
        // the repacked image is still unpacked, and the mismatch is in the tree
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.tplink/kernel").unwrap().size, 100);
        assert_eq!(tree.integrity.len(), 1);
        assert!(!tree.integrity[0].ok);
        assert_eq!(tree.integrity[0].format, "tplink");
    }

    #[test]
    fn hostile_lengths() {
        // kernel length beyond fw_length: not a header
        let mut img = build_v1(&[1u8; 100], &[2u8; 100], 0x400);
        img[0x84..0x88].copy_from_slice(&0xffff_ff00u32.to_be_bytes());
        assert!(TpLink.identify(&img, 0, &Probe::default()).is_none());
        // image cut short: kernel kept, rootfs partial, error recorded
        let img = build_v1(&[1u8; 100], &[2u8; 1000], 0x400);
        let cut = img[..0x400 + 10].to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert_eq!(tree.get("0x0.tplink/kernel").unwrap().size, 100);
        assert_eq!(tree.get("0x0.tplink/rootfs").unwrap().size, 10);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        // cut inside the kernel: partial kernel kept, the rest is an error
        let cut = img[..0x210].to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert_eq!(tree.get("0x0.tplink/kernel").unwrap().size, 16);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        let msg = &tree.errors[0].error;
        assert!(
            msg.contains("kernel claims 100 bytes at 0x200, 16 present"),
            "{msg}"
        );
        assert!(msg.contains("rootfs at 0x400 is beyond the data"), "{msg}");
    }
}
