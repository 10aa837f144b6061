//! ZyXEL "RAS" factory image header (NBG6617, NBG6616, NBG6817, WRE6606, ... as written by
//! OpenWrt's `mkrasimage`): one erase block (64 KiB by default) of header, padded with
//! 0xff, then the root file system (padded with zeros to the size the stock web interface
//! expects) and the kernel. All integers are big-endian; every checksum is the 16-bit
//! System V sum (`sum -s`) in a 32-bit field.
//!
//! Written by hand: a fixed header; no maintained crate reads it.
//!
//! ```text
//! 00000000  00 00 04 7c 00 00 10 00  56 31 2e 30 30 28 41 42  |...|....V1.00(AB|
//! 00000010  43 44 2e 30 29 00 ff ff  ff ff ff ff ff ff ff ff  |CD.0)...........|
//! struct ras_header {            // big-endian
//!     u32  rootfs_checksum;      // System V sum of the (padded) rootfs
//!     u32  rootfs_length;
//!     char version[32];          // NUL-terminated, 0xff padded
//!     u32  header_checksum;      // System V sum of the first 2048 header bytes, with
//!                                // rootfs_checksum in this field's place
//!     char model[64];            // "NBG6617", NUL-terminated, 0xff padded
//!     u32  kernel_checksum;      // 0xffffffff when the image has no kernel part
//!     u32  kernel_length;
//!     u8   padding[];            // 0xff up to the header length (mkrasimage -l, 64 KiB)
//! };                             // rootfs, then kernel
//! ```
//! (dump: the header built by this module's tests)

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "zyxel-ras",
    category: Category::Firmware,
    description: "ZyXEL RAS factory image (mkrasimage layout: NBG6617 and other ZyXEL \
                  routers): the root file system and the kernel are emitted as 'rootfs' and \
                  'kernel'; the header, rootfs and kernel System V checksums are verified; \
                  model and version in the variant.",
    references: &["openwrt/firmware-utils src/mkrasimage.c (header layout, sysv_chksm)"],
    limitations: "The header has no magic: it is recognised at the start of a blob only, by \
                  its NUL-terminated, 0xff-padded version and model text, 0xff padding up to \
                  the header length, and lengths that add up to the blob size (the header \
                  length, mkrasimage -l, is what remains). Images with trailing data are not \
                  recognised.",
};

const FIXED: usize = 116;
const CSUM_SPAN: usize = 2048;
/// Larger headers are not taken (mkrasimage's default is one 64 KiB erase block).
const MAX_HEADER: usize = 1 << 20;

pub struct ZyxelRas;

struct Header {
    version: String,
    model: String,
    header_len: usize,
    rootfs_len: usize,
    kernel_len: Option<usize>,
}

/// A NUL-terminated, 0xff-padded text field.
fn text(f: &[u8]) -> Option<String> {
    let n = memchr::memchr(0, f)?;
    (n > 0
        && f[..n].iter().all(|&c| (0x20..0x7f).contains(&c))
        && f[n + 1..].iter().all(|&c| c == 0xff))
    .then(|| String::from_utf8_lossy(&f[..n]).into_owned())
}

fn parse(d: &[u8]) -> Option<Header> {
    let h = d.get(..FIXED)?;
    let version = text(&h[8..40])?;
    let model = text(&h[44..108])?;
    let rootfs_len = be32(h, 4)? as usize;
    let kernel_len = match (be32(h, 108)?, be32(h, 112)?) {
        (u32::MAX, u32::MAX) => None,
        (_, n) => Some(n as usize),
    };
    let header_len = d
        .len()
        .checked_sub(rootfs_len)?
        .checked_sub(kernel_len.unwrap_or(0))?;
    // an erase block or a multiple of 512 bytes: a blob with a byte more or less is no
    // RAS image, not one with a shifted split
    if !(FIXED..=MAX_HEADER).contains(&header_len)
        || !header_len.is_multiple_of(512)
        || rootfs_len == 0
    {
        return None;
    }
    if !d[FIXED..header_len.min(CSUM_SPAN)]
        .iter()
        .all(|&b| b == 0xff)
    {
        return None;
    }
    Some(Header {
        version,
        model,
        header_len,
        rootfs_len,
        kernel_len,
    })
}

/// mkrasimage's sysv_chksm: the byte sum folded twice into 16 bits.
fn sysv(d: &[u8]) -> u32 {
    let s = d.iter().fold(0u32, |s, &b| s.wrapping_add(u32::from(b)));
    let r = (s & 0xffff) + (s >> 16);
    (r & 0xffff) + (r >> 16)
}

/// The header checksum: the first 2048 header bytes (0xff past the header), with the rootfs
/// checksum in the header checksum's place.
fn header_sum(d: &[u8], header_len: usize) -> u32 {
    let mut t = vec![0xffu8; CSUM_SPAN];
    let n = header_len.min(CSUM_SPAN);
    t[..n].copy_from_slice(&d[..n]);
    t.copy_within(0..4, 40);
    sysv(&t)
}

impl Handler for ZyxelRas {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        // no magic: tried at the start of every blob
        &[]
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        if start != 0 {
            return None;
        }
        let h = parse(data)?;
        let rootfs = &data[h.header_len..h.header_len + h.rootfs_len];
        let mut checks = vec![
            Check::u32(
                "header_checksum",
                "System V sum of the first 2048 header bytes, rootfs checksum in its place",
                be32(data, 40)?,
                header_sum(data, h.header_len),
            ),
            Check::u32(
                "rootfs_checksum",
                "System V sum (sum -s) of the rootfs",
                be32(data, 0)?,
                sysv(rootfs),
            ),
        ];
        if let Some(k) = h.kernel_len {
            let kernel = &data[h.header_len + h.rootfs_len..h.header_len + h.rootfs_len + k];
            checks.push(Check::u32(
                "kernel_checksum",
                "System V sum (sum -s) of the kernel",
                be32(data, 108)?,
                sysv(kernel),
            ));
        }
        let mut variant = format!(
            "{} {}, header {:#x} bytes",
            h.model, h.version, h.header_len
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

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("RAS header does not parse");
        };
        let r = h.header_len + h.rootfs_len;
        out.file("rootfs", Meta::mode(0o644), data.slice(h.header_len..r))?;
        if let Some(k) = h.kernel_len {
            out.file("kernel", Meta::mode(0o644), data.slice(r..r + k))?;
        }
        Ok(())
    }
}

/// Build an image as mkrasimage does (tests), with a `header_len`-byte header.
#[cfg(test)]
pub(crate) fn build(
    model: &str,
    version: &str,
    rootfs: &[u8],
    kernel: Option<&[u8]>,
    header_len: usize,
) -> Vec<u8> {
    let mut out = vec![0xffu8; header_len];
    out[..4].copy_from_slice(&sysv(rootfs).to_be_bytes());
    out[4..8].copy_from_slice(&(rootfs.len() as u32).to_be_bytes());
    out[8..8 + version.len()].copy_from_slice(version.as_bytes());
    out[8 + version.len()] = 0;
    out[44..44 + model.len()].copy_from_slice(model.as_bytes());
    out[44 + model.len()] = 0;
    if let Some(k) = kernel {
        out[108..112].copy_from_slice(&sysv(k).to_be_bytes());
        out[112..116].copy_from_slice(&(k.len() as u32).to_be_bytes());
    }
    let c = header_sum(&out, header_len);
    out[40..44].copy_from_slice(&c.to_be_bytes());
    out.extend_from_slice(rootfs);
    if let Some(k) = kernel {
        out.extend_from_slice(k);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn only() -> Vec<crate::handler::HandlerRef> {
        vec![std::sync::Arc::new(ZyxelRas)]
    }

    #[test]
    fn sysv_sum_folds_as_sum_s() {
        assert_eq!(sysv(b""), 0);
        assert_eq!(sysv(b"abc"), 0x61 + 0x62 + 0x63);
        // 255000 = 0x3e418: folded, 0xe418 + 3
        assert_eq!(sysv(&[0xff; 1000]), 0xe41b);
    }

    #[test]
    fn unpacks_and_verifies_every_checksum() {
        let mut rootfs = b"hsqs rootfs".to_vec();
        rootfs.resize(4096, 0); // mkrasimage pads the rootfs with zeros
        let img = build(
            "NBG6617",
            "V1.00(ABCD.0)",
            &rootfs,
            Some(b"uImage kernel"),
            0x10000,
        );
        assert_eq!(&img[8..22], b"V1.00(ABCD.0)\0");
        let c = ZyxelRas.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "NBG6617 V1.00(ABCD.0), header 0x10000 bytes");
        assert_eq!(c.checks.len(), 3);
        assert!(c.checks.iter().all(Check::ok), "{:?}", c.checks);
        assert_eq!(c.checks[1].stored, format!("{:#010x}", sysv(&rootfs)));
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.zyxel-ras/rootfs").unwrap().size, 4096);
        assert_eq!(
            &tree.get("0x0.zyxel-ras/kernel").unwrap().data[..],
            b"uImage kernel"
        );
        assert_eq!(tree.integrity.len(), 3);
        // without a kernel part and with a short header
        let img = build("NBG6616", "V1", b"rootfs only", None, 0x200);
        let c = ZyxelRas.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(c.checks.len(), 2);
        assert!(c.checks.iter().all(Check::ok), "{:?}", c.checks);
    }

    #[test]
    fn changed_bytes_are_mismatches_with_both_values() {
        let img = build(
            "NBG6617",
            "V1",
            b"root file system",
            Some(b"kernel"),
            0x1000,
        );
        let n = img.len();
        let mut bad = img.clone();
        bad[n - 1] = b'L'; // the kernel
        bad[45] = b'C'; // the model, "NCG6617": the header sum changes
        let c = ZyxelRas.identify(&bad, 0, &Probe::default()).unwrap();
        let failed: Vec<&str> = c
            .checks
            .iter()
            .filter(|c| !c.ok())
            .map(|c| c.field)
            .collect();
        assert_eq!(failed, ["header_checksum", "kernel_checksum"]);
        assert_eq!(
            c.checks[0].stored,
            format!("{:#010x}", be32(&img, 40).unwrap())
        );
        assert_eq!(
            c.checks[0].computed,
            format!("{:#010x}", be32(&img, 40).unwrap() + 1)
        );
        assert_eq!(c.checks[2].stored, format!("{:#010x}", sysv(b"kernel")));
        assert_eq!(c.checks[2].computed, format!("{:#010x}", sysv(b"kerneL")));
        assert!(
            c.variant
                .ends_with("(header_checksum, kernel_checksum mismatch)"),
            "{}",
            c.variant
        );
        let tree =
            Unpacker::with_handlers(Limits::default(), only()).unpack_bytes(Bytes::from(bad));
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 2);
        assert_eq!(
            &tree.get("0x0.zyxel-ras/kernel").unwrap().data[..],
            b"kerneL"
        );
    }

    #[test]
    fn hostile_headers() {
        let img = build("NBG6617", "V1", b"root", Some(b"k"), 0x400);
        let p = Probe::default();
        let mut bad = img.clone();
        bad[9] = 0xff; // version not NUL-terminated before its padding
        bad[10] = 0xff;
        assert!(ZyxelRas.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[200] = 0; // padding not 0xff
        assert!(ZyxelRas.identify(&bad, 0, &p).is_none());
        let mut bad = img.clone();
        bad[4..8].copy_from_slice(&u32::MAX.to_be_bytes()); // rootfs longer than the blob
        assert!(ZyxelRas.identify(&bad, 0, &p).is_none());
        // one byte more or less: the header length is no longer a multiple of 512
        let mut longer = img.clone();
        longer.push(0);
        assert!(ZyxelRas.identify(&longer, 0, &p).is_none());
        assert!(ZyxelRas.identify(&img[..img.len() - 1], 0, &p).is_none());
        assert!(ZyxelRas.identify(&img, 1, &p).is_none());
        for n in 0..FIXED + 8 {
            let _ = ZyxelRas.identify(&img[..n], 0, &p);
        }
    }
}
