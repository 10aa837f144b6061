//! Netgear `.chk` firmware header, as written by OpenWrt's `mkchkimg`: a big-endian header
//! with four checksums (kernel, root file system, both together, the header itself) and the
//! board id, followed by the kernel and the root file system.
//!
//! Written by hand: a 40-byte header plus the board id; no maintained crate reads it.
//!
//! ```text
//! 00000000  2a 23 24 5e 00 00 00 3a  01 01 00 01 00 00 00 00  |*#$^...:........|
//! 00000010  b6 49 13 ec fb 04 42 68  00 00 01 2c 00 00 01 f4  |.I....Bh...,....|
//! 00000020  9a 65 56 54 3a 57 0c 30  55 31 32 48 30 37 32 54  |.eVT:W.0U12H072T|
//! 00000030  30 30 5f 4e 45 54 47 45  41 52 11 11 11 11 11 11  |00_NETGEAR......|
//! struct chk_header {            // big-endian
//!     u32  magic = 0x2a23245e;
//!     u32  header_len;           // 40 + strlen(board_id)
//!     u8   reserved[8];          // region, version
//!     u32  kernel_chksum;        // netgear checksum of the kernel
//!     u32  rootfs_chksum;        // of the root file system (0 when there is none)
//!     u32  kernel_len, rootfs_len;
//!     u32  image_chksum;         // of kernel and rootfs together
//!     u32  header_chksum;        // of the header_len header bytes with this field 0
//!     char board_id[header_len - 40]; // not NUL-terminated ("U12H072T00_NETGEAR")
//! };
//! ```
//!
//! The checksum is Netgear's own (not a CRC): `c0 += byte; c1 += c0` over the bytes, each sum
//! folded twice to 16 bits, result `c1 << 16 | c0` (`netgear_checksum_fini` in mkchkimg.c).
//! The dump above is the image built by this module's tests (`build`: mkchkimg's default board
//! id, a 300-byte kernel of 0x11 and a 500-byte rootfs of 0x22); the test
//! `header_dump_in_the_docs` checks it.

use bytes::Bytes;

use crate::bytes::be32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "netgear-chk",
    category: Category::Firmware,
    description: "Netgear .chk firmware header (mkchkimg): kernel and rootfs emitted as files; \
                  the kernel, rootfs, image and header checksums are verified.",
    references: &[
        "OpenWrt tools/firmware-utils/src/mkchkimg.c (struct chk_header, netgear_checksum_*)",
        "onekey-sec/unblob python/unblob/handlers/archive/netgear/chk.py",
    ],
    limitations: "A mismatching checksum is reported (image.integrity-mismatch), not refused. \
                  Board ids longer than 216 bytes are not taken for a header.",
};

const FIXED: usize = 40;
const MAX_HEADER: usize = 256;

pub struct NetgearChk;

/// Netgear's checksum over `parts` (mkchkimg.c `netgear_checksum_add` / `_fini`).
pub fn checksum(parts: &[&[u8]]) -> u32 {
    let (mut c0, mut c1) = (0u32, 0u32);
    for p in parts {
        for &b in *p {
            c0 = c0.wrapping_add(b as u32);
            c1 = c1.wrapping_add(c0);
        }
    }
    let fold = |c: u32| {
        let b = (c & 0xffff) + ((c >> 16) & 0xffff);
        ((b >> 16) + b) & 0xffff
    };
    (fold(c1) << 16) | fold(c0)
}

struct Header {
    header_len: usize,
    kernel_len: usize,
    rootfs_len: usize,
    board_id: String,
}

fn parse(d: &[u8]) -> Option<Header> {
    if be32(d, 0)? != 0x2a23_245e {
        return None;
    }
    let header_len = be32(d, 4)? as usize;
    if !(FIXED..=MAX_HEADER).contains(&header_len) {
        return None;
    }
    let id = d.get(FIXED..header_len)?;
    let id = &id[..memchr::memchr(0, id).unwrap_or(id.len())];
    if id.is_empty() || !id.iter().all(|&c| (0x20..0x7f).contains(&c)) {
        return None;
    }
    let kernel_len = be32(d, 0x18)? as usize;
    let rootfs_len = be32(d, 0x1c)? as usize;
    if kernel_len == 0 {
        return None;
    }
    Some(Header {
        header_len,
        kernel_len,
        rootfs_len,
        board_id: String::from_utf8_lossy(id).into_owned(),
    })
}

impl Handler for NetgearChk {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x2a\x23\x24\x5e")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = parse(d)?;
        let total = h
            .header_len
            .checked_add(h.kernel_len)?
            .checked_add(h.rootfs_len)?;
        let mut variant = h.board_id.clone();
        let mut checks = Vec::new();
        // the header checksum covers the header only: checked even when the image is cut
        let mut hdr = d[..h.header_len].to_vec();
        hdr[0x24..0x28].fill(0);
        checks.push(Check::u32(
            "header_chksum",
            "netgear checksum of header_len bytes with header_chksum = 0",
            be32(d, 0x24)?,
            checksum(&[&hdr]),
        ));
        if total <= d.len() {
            let k = &d[h.header_len..h.header_len + h.kernel_len];
            let r = &d[h.header_len + h.kernel_len..total];
            checks.push(Check::u32(
                "kernel_chksum",
                "netgear checksum of the kernel",
                be32(d, 0x10)?,
                checksum(&[k]),
            ));
            if h.rootfs_len > 0 {
                checks.push(Check::u32(
                    "rootfs_chksum",
                    "netgear checksum of the rootfs",
                    be32(d, 0x14)?,
                    checksum(&[r]),
                ));
            }
            checks.push(Check::u32(
                "image_chksum",
                "netgear checksum of kernel and rootfs",
                be32(d, 0x20)?,
                checksum(&[k, r]),
            ));
        } else {
            variant.push_str(&format!(" truncated ({} of {total} bytes)", d.len()));
        }
        crate::handler::note_mismatches(&mut variant, &checks);
        Some(Chunk {
            start,
            end: start + total.min(d.len()),
            variant,
            checks,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = parse(data) else {
            return invalid("Netgear CHK header does not parse");
        };
        let k_end = (h.header_len + h.kernel_len).min(data.len());
        out.file("kernel", Meta::mode(0o644), data.slice(h.header_len..k_end))?;
        let r_end = (h.header_len + h.kernel_len + h.rootfs_len).min(data.len());
        if h.rootfs_len > 0 && k_end < r_end {
            out.file("rootfs", Meta::mode(0o644), data.slice(k_end..r_end))?;
        }
        if h.header_len + h.kernel_len + h.rootfs_len > data.len() {
            return truncated(format!(
                "Netgear CHK image claims {} bytes of kernel and rootfs, {} present",
                h.kernel_len + h.rootfs_len,
                data.len() - h.header_len
            ));
        }
        Ok(())
    }
}

/// Build a .chk image as mkchkimg does (tests).
#[cfg(test)]
pub(crate) fn build(board: &str, kernel: &[u8], rootfs: &[u8]) -> Vec<u8> {
    let hl = FIXED + board.len();
    let mut h = vec![0u8; hl];
    h[0..4].copy_from_slice(&0x2a23_245eu32.to_be_bytes());
    h[4..8].copy_from_slice(&(hl as u32).to_be_bytes());
    h[8..12].copy_from_slice(&[1, 1, 0, 1]);
    h[0x10..0x14].copy_from_slice(&checksum(&[kernel]).to_be_bytes());
    let rsum = if rootfs.is_empty() {
        0
    } else {
        checksum(&[rootfs])
    };
    h[0x14..0x18].copy_from_slice(&rsum.to_be_bytes());
    h[0x18..0x1c].copy_from_slice(&(kernel.len() as u32).to_be_bytes());
    h[0x1c..0x20].copy_from_slice(&(rootfs.len() as u32).to_be_bytes());
    h[0x20..0x24].copy_from_slice(&checksum(&[kernel, rootfs]).to_be_bytes());
    h[FIXED..].copy_from_slice(board.as_bytes());
    let hs = checksum(&[&h]);
    h[0x24..0x28].copy_from_slice(&hs.to_be_bytes());
    h.extend_from_slice(kernel);
    h.extend_from_slice(rootfs);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn checksum_matches_mkchkimg_arithmetic() {
        // c0 = 1+2+3 = 6, c1 = 1+3+6 = 10
        assert_eq!(checksum(&[&[1, 2, 3]]), (10 << 16) | 6);
        // folding: 0x1ffff -> 0xffff + 1 = 0x10000 -> 0x0001
        let many = vec![0xffu8; 0x202];
        let c = checksum(&[&many]);
        assert_eq!(c & 0xffff, {
            let s: u32 = 0xff * 0x202;
            let b = (s & 0xffff) + (s >> 16);
            ((b >> 16) + b) & 0xffff
        });
    }

    #[test]
    fn intact_image_verifies_and_unpacks() {
        let img = build("U12H072T00_NETGEAR", &[0x11u8; 300], &[0x22u8; 500]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x0.netgear-chk/kernel").unwrap().data[..],
            &[0x11u8; 300]
        );
        assert_eq!(
            &tree.get("0x0.netgear-chk/rootfs").unwrap().data[..],
            &[0x22u8; 500]
        );
        assert_eq!(tree.layers[0].variant, "U12H072T00_NETGEAR");
        let fields: Vec<&str> = tree.integrity.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "header_chksum",
                "image_chksum",
                "kernel_chksum",
                "rootfs_chksum"
            ]
        );
        assert!(tree.integrity.iter().all(|c| c.ok), "{:?}", tree.integrity);
    }

    #[test]
    fn modified_rootfs_is_reported_with_both_values_and_still_unpacked() {
        let mut img = build("U12H072T00_NETGEAR", &[0x11u8; 300], &[0x22u8; 500]);
        let n = img.len();
        img[n - 1] = 0x23; // one byte of the rootfs changed after the header was made
        let c = NetgearChk.identify(&img, 0, &Probe::default()).unwrap();
        assert_eq!(
            c.variant,
            "U12H072T00_NETGEAR (rootfs_chksum, image_chksum mismatch)"
        );
        let r = c
            .checks
            .iter()
            .find(|c| c.field == "rootfs_chksum")
            .unwrap();
        assert_eq!(r.stored, format!("{:#010x}", checksum(&[&[0x22u8; 500]])));
        let mut changed = vec![0x22u8; 500];
        changed[499] = 0x23;
        assert_eq!(r.computed, format!("{:#010x}", checksum(&[&changed])));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.netgear-chk/rootfs").unwrap().data[499], 0x23);
        assert_eq!(tree.integrity.iter().filter(|c| !c.ok).count(), 2);
    }

    #[test]
    fn header_dump_in_the_docs() {
        let img = build("U12H072T00_NETGEAR", &[0x11u8; 300], &[0x22u8; 500]);
        assert_eq!(
            crate::handler::hex(&img[0x10..0x28]),
            "b64913ecfb0442680000012c000001f49a6556543a570c30"
        );
    }

    #[test]
    fn hostile_headers() {
        let img = build("B", &[1u8; 10], &[]);
        // board id with a control character: not a header
        let mut bad = img.clone();
        bad[FIXED] = 0x01;
        assert!(NetgearChk.identify(&bad, 0, &Probe::default()).is_none());
        // absurd header length
        let mut bad = img.clone();
        bad[4..8].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(NetgearChk.identify(&bad, 0, &Probe::default()).is_none());
        // lengths beyond the data: kept as far as present, reported
        let mut cut = build("B", &[1u8; 100], &[2u8; 100]);
        cut.truncate(FIXED + 1 + 150);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        assert_eq!(tree.get("0x0.netgear-chk/rootfs").unwrap().size, 50);
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    }
}
