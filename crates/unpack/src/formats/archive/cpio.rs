//! cpio: newc (070701), newc with checksum (070702), portable ASCII / odc (070707) and the
//! old binary format (0x71c7, either byte order), up to the `TRAILER!!!` entry.
//!
//! Written by hand: no maintained crate reads all four variants; members are handed to the
//! sink as zero-copy slices of the input.
//!
//! ```text
//! 00000000  30 37 30 37 30 31 30 30  30 30 30 30 30 31 30 30  |0707010000000100|
//! struct cpio_newc_header {   // 110 bytes, numbers are 8 hex digits
//!     char magic[6];          // "070701" or "070702" (crc)
//!     char ino[8], mode[8], uid[8], gid[8], nlink[8], mtime[8], filesize[8];
//!     char devmajor[8], devminor[8], rdevmajor[8], rdevminor[8], namesize[8], check[8];
//! };  // name (namesize bytes incl. NUL) padded to 4, data padded to 4
//! struct cpio_odc_header {    // 76 bytes, numbers are octal
//!     char magic[6] = "070707"; char dev[6], ino[6], mode[6], uid[6], gid[6], nlink[6],
//!     rdev[6]; char mtime[11]; char namesize[6]; char filesize[11];
//! };  // name, data; no padding
//! struct cpio_bin_header {    // 26 bytes, u16 in the writer's byte order
//!     u16 magic = 0x71c7; u16 dev, ino, mode, uid, gid, nlink, rdev;
//!     u16 mtime[2]; u16 namesize; u16 filesize[2];   // 32-bit values, high half first
//! };  // name padded to 2, data padded to 2
//! ```

use bytes::Bytes;
use std::collections::HashMap;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "cpio",
    category: Category::Archive,
    description: "cpio archive (newc, crc, odc, old binary): files, directories, symlinks, \
                  hard links and device nodes with modes, owners and mtimes.",
    references: &[
        "man 5 cpio (libarchive cpio(5))",
        "Linux Documentation/driver-api/early-userspace/buffer-format.rst",
    ],
    limitations: "The newc crc checksums are not verified.",
};

pub struct Cpio;

const MAX_NAME: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Variant {
    Newc,
    Odc,
    BinLe,
    BinBe,
}

#[derive(Debug)]
struct Member {
    name: String,
    mode: u32,
    meta: Meta,
    ino: u64,
    nlink: u64,
    data: std::ops::Range<usize>,
}

fn hex(f: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(f).ok()?;
    u64::from_str_radix(s, 16).ok()
}

fn oct(f: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(f).ok()?;
    u64::from_str_radix(s, 8).ok()
}

fn variant(d: &[u8]) -> Option<Variant> {
    match d.get(..6)? {
        b"070701" | b"070702" => Some(Variant::Newc),
        b"070707" => Some(Variant::Odc),
        [0xc7, 0x71, ..] => Some(Variant::BinLe),
        [0x71, 0xc7, ..] => Some(Variant::BinBe),
        _ => None,
    }
}

/// Parse one header at `p`: (member without data range, header+name length, data size).
fn header(d: &[u8], p: usize, v: Variant) -> Result<(Member, usize, usize, usize), String> {
    let h = |n: usize| {
        d.get(p..p + n)
            .ok_or_else(|| format!("header at {p:#x} truncated"))
    };
    let bad = |what: &str| format!("bad {what} in header at {p:#x}");
    // (mode, uid, gid, nlink, mtime, namesize, filesize, ino, header len, name align, data align)
    let (mode, uid, gid, nlink, mtime, nsz, fsz, ino, hlen, nal, dal) = match v {
        Variant::Newc => {
            let h = h(110)?;
            if &h[..5] != b"07070" {
                return Err(bad("magic"));
            }
            let f = |i: usize| hex(&h[6 + 8 * i..14 + 8 * i]).ok_or_else(|| bad("number"));
            (
                f(1)?,
                f(2)?,
                f(3)?,
                f(4)?,
                f(5)?,
                f(11)?,
                f(6)?,
                f(0)?,
                110,
                4,
                4,
            )
        }
        Variant::Odc => {
            let h = h(76)?;
            if &h[..6] != b"070707" {
                return Err(bad("magic"));
            }
            let f = |a: usize, b: usize| oct(&h[a..b]).ok_or_else(|| bad("number"));
            (
                f(18, 24)?,
                f(24, 30)?,
                f(30, 36)?,
                f(36, 42)?,
                f(48, 59)?,
                f(59, 65)?,
                f(65, 76)?,
                f(12, 18)?,
                76,
                1,
                1,
            )
        }
        Variant::BinLe | Variant::BinBe => {
            let h = h(26)?;
            let w = |i: usize| {
                let b = [h[2 * i], h[2 * i + 1]];
                u64::from(if v == Variant::BinLe {
                    u16::from_le_bytes(b)
                } else {
                    u16::from_be_bytes(b)
                })
            };
            if w(0) != 0o070707 {
                return Err(bad("magic"));
            }
            (
                w(3),
                w(4),
                w(5),
                w(6),
                (w(8) << 16) | w(9),
                w(10),
                (w(11) << 16) | w(12),
                w(2),
                26,
                2,
                2,
            )
        }
    };
    let nsz = nsz as usize;
    if nsz == 0 || nsz > MAX_NAME {
        return Err(bad("name size"));
    }
    let nstart = p + hlen;
    let raw = d
        .get(nstart..nstart + nsz)
        .ok_or_else(|| format!("name at {nstart:#x} truncated"))?;
    let raw = raw.strip_suffix(&[0]).ok_or_else(|| bad("name (no NUL)"))?;
    if raw.contains(&0) {
        return Err(bad("name (embedded NUL)"));
    }
    let name = String::from_utf8_lossy(raw).into_owned();
    let data_start = (nstart + nsz).div_ceil(nal) * nal;
    let fsz = usize::try_from(fsz).map_err(|_| bad("file size"))?;
    let m = Member {
        name,
        mode: mode as u32,
        meta: Meta {
            mode: (mode as u32) & 0o7777,
            uid: uid as u32,
            gid: gid as u32,
            mtime: mtime as i64,
        },
        ino,
        nlink,
        data: data_start..data_start,
    };
    Ok((m, data_start, fsz, dal))
}

/// Walk the archive: members (without the trailer), length, error before the trailer.
fn walk(d: &[u8], v: Variant, max_members: usize) -> (Vec<Member>, usize, Option<String>) {
    let mut out = Vec::new();
    let mut p = 0usize;
    loop {
        if out.len() >= max_members {
            return (out, p, Some(format!("more than {max_members} members")));
        }
        let (mut m, data_start, fsz, dal) = match header(d, p, v) {
            Ok(x) => x,
            Err(e) => return (out, p, Some(e)),
        };
        if m.name == "TRAILER!!!" {
            p = data_start.min(d.len());
            // writers pad the archive to 512 bytes with zeros
            let pad = (p.div_ceil(512) * 512).min(d.len());
            if d[p..pad].iter().all(|&b| b == 0) {
                p = pad;
            }
            return (out, p, None);
        }
        let end = data_start.saturating_add(fsz);
        if end > d.len() {
            let e = format!(
                "'{}' claims {fsz} bytes, only {} left",
                m.name,
                d.len().saturating_sub(data_start)
            );
            if data_start < d.len() {
                m.data = data_start..d.len();
                out.push(m);
            }
            return (out, d.len(), Some(e));
        }
        m.data = data_start..end;
        out.push(m);
        p = end.div_ceil(dal) * dal;
    }
}

impl Handler for Cpio {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 5] = [
            Magic::at0(b"070701"),
            Magic::at0(b"070702"),
            Magic::at0(b"070707"),
            Magic::at0(b"\xc7\x71"),
            Magic::at0(b"\x71\xc7"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let v = variant(d)?;
        let (members, len, err) = walk(d, v, 1 << 22);
        // the binary magic is only two bytes: insist on a complete archive
        let binary = matches!(v, Variant::BinLe | Variant::BinBe);
        if len == 0 || (binary && err.is_some()) {
            return None;
        }
        if members.is_empty() && err.is_some() {
            return None;
        }
        let mut c = Chunk::new(start, start + len);
        c.variant = match v {
            Variant::Newc => "newc",
            Variant::Odc => "odc",
            Variant::BinLe => "binary le",
            Variant::BinBe => "binary be",
        }
        .into();
        if err.is_some() {
            c.variant.push_str(" damaged");
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let v = variant(data).ok_or_else(|| FormatError::Invalid("cpio magic".into()))?;
        let (members, _, err) = walk(data, v, usize::MAX);
        let mut escapes = Vec::new();
        // newc stores the data of a hard-linked file once, with the last of its names
        let mut with_data: HashMap<u64, usize> = HashMap::new();
        for (i, m) in members.iter().enumerate() {
            if m.mode & 0o170000 == 0o100000 && m.nlink > 1 && !m.data.is_empty() {
                with_data.insert(m.ino, i);
            }
        }
        for (i, m) in members.iter().enumerate() {
            let kind = m.mode & 0o170000;
            match kind {
                0o040000 => out.dir(&m.name, m.meta)?,
                0o120000 => {
                    let t = String::from_utf8_lossy(&data[m.data.clone()]).into_owned();
                    if crate::formats::archive::tar::link_escapes(&m.name, &t) {
                        escapes.push(format!("'{}' -> '{t}'", m.name));
                    }
                    out.symlink(&m.name, m.meta, &t)?
                }
                0o020000 => out.special(&m.name, EntryKind::CharDevice, m.meta)?,
                0o060000 => out.special(&m.name, EntryKind::BlockDevice, m.meta)?,
                0o010000 => out.special(&m.name, EntryKind::Fifo, m.meta)?,
                0o140000 => out.special(&m.name, EntryKind::Socket, m.meta)?,
                _ => match with_data.get(&m.ino) {
                    Some(&j) if j != i && m.data.is_empty() && m.nlink > 1 => {
                        let t = crate::path::normalize(&members[j].name).path;
                        out.hardlink(&m.name, m.meta, &t)?
                    }
                    _ => out.file(&m.name, m.meta, data.slice(m.data.clone()))?,
                },
            }
        }
        if let Some(e) = err {
            return Err(FormatError::Truncated(format!(
                "cpio: {e}; earlier members kept"
            )));
        }
        if !escapes.is_empty() {
            return Err(FormatError::Invalid(format!(
                "cpio: symlinks pointing above the archive root (kept, never followed): {}",
                escapes.join(", ")
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn newc(v: &mut Vec<u8>, name: &str, mode: u32, ino: u32, nlink: u32, body: &[u8]) {
        let f = [
            ino,
            mode,
            0,
            0,
            nlink,
            1_700_000_000,
            body.len() as u32,
            0,
            0,
            0,
            0,
            name.len() as u32 + 1,
            0,
        ];
        v.extend(b"070701");
        for x in f {
            v.extend(format!("{x:08X}").as_bytes());
        }
        v.extend(name.as_bytes());
        v.push(0);
        v.resize(v.len().div_ceil(4) * 4, 0);
        v.extend(body);
        v.resize(v.len().div_ceil(4) * 4, 0);
    }

    fn bin(v: &mut Vec<u8>, be: bool, name: &str, mode: u16, body: &[u8]) {
        let n = name.len() as u16 + 1;
        let w = [
            0o070707u16,
            0,
            7,
            mode,
            0,
            0,
            1,
            0,
            0x6553,
            0xf100,
            n,
            0,
            body.len() as u16,
        ];
        for x in w {
            v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
        }
        v.extend(name.as_bytes());
        v.push(0);
        v.resize(v.len().div_ceil(2) * 2, 0);
        v.extend(body);
        v.resize(v.len().div_ceil(2) * 2, 0);
    }

    #[test]
    fn newc_with_links_devices_and_trailer() {
        let mut a = Vec::new();
        newc(&mut a, "bin", 0o040755, 1, 2, b"");
        newc(&mut a, "bin/sh", 0o120777, 2, 1, b"busybox");
        newc(&mut a, "dev/null", 0o020666, 3, 1, b"");
        newc(&mut a, "etc/a", 0o100600, 9, 2, b"");
        newc(&mut a, "etc/b", 0o100600, 9, 2, b"shared content");
        newc(&mut a, "TRAILER!!!", 0, 0, 1, b"");
        a.resize(a.len().div_ceil(512) * 512, 0);
        let len = a.len();
        a.extend(b"\x01garbage after");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
        let sh = tree.get("0x0.cpio/bin/sh").unwrap();
        assert_eq!(sh.link_target.as_deref(), Some("busybox"));
        assert_eq!(
            tree.get("0x0.cpio/dev/null").unwrap().kind,
            EntryKind::CharDevice
        );
        assert_eq!(
            &tree.get("0x0.cpio/etc/a").unwrap().data[..],
            b"shared content"
        );
        let b = tree.get("0x0.cpio/etc/b").unwrap();
        assert_eq!((b.meta.mode, b.meta.mtime), (0o600, 1_700_000_000));
        assert_eq!(tree.layers[0].size, len as u64);
        assert_eq!(tree.layers[0].variant, "newc");
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn binary_both_byte_orders() {
        for be in [false, true] {
            let mut a = vec![0xffu8; 6];
            bin(&mut a, be, "hello.txt", 0o100644, b"hi there");
            bin(&mut a, be, "TRAILER!!!", 0, b"");
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
            let e = tree.get("0x6.cpio/hello.txt").expect("member");
            assert_eq!(&e.data[..], b"hi there");
            assert_eq!(e.meta.mtime, 0x6553_f100);
            assert_eq!(
                tree.layers[0].variant,
                if be { "binary be" } else { "binary le" }
            );
        }
        // binary magic without a complete archive is not carved
        let mut a = Vec::new();
        bin(&mut a, false, "x", 0o100644, b"abc");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
        assert!(tree.layers.is_empty());
    }

    #[test]
    fn odc_and_hostile_sizes() {
        let mut a = Vec::new();
        let hdr = |name: &str, size: usize| {
            format!(
                "070707000001000002100644000000000000000001000000{:011o}{:06o}{:011o}",
                1_600_000_000u64,
                name.len() + 1,
                size
            )
        };
        a.extend(hdr("../up.txt", 3).as_bytes());
        a.extend(b"../up.txt\0abc");
        // second member claims far more than is there
        a.extend(hdr("big", 0o77777777777).as_bytes());
        a.extend(b"big\0tail");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(a));
        let up = tree.get("0x0.cpio/up.txt").unwrap();
        assert_eq!(
            (&up.data[..], up.meta.mode, up.meta.mtime),
            (&b"abc"[..], 0o644, 1_600_000_000)
        );
        assert_eq!(&tree.get("0x0.cpio/big").unwrap().data[..], b"tail");
        assert_eq!(tree.errors.len(), 2, "{:?}", tree.errors);
        assert!(tree
            .errors
            .iter()
            .any(|e| e.error.contains("outside the layer")));
        assert!(tree
            .errors
            .iter()
            .any(|e| e.error.contains("claims 8589934591 bytes")));
    }
}
