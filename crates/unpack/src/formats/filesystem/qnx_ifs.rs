//! QNX Neutrino boot images: the startup header that `mkifs` writes before the startup code,
//! and the image file system (IFS) that holds procnto, drivers, libraries and the boot script.
//! Two handlers: `qnx-startup` splits a boot image into its startup code and its image file
//! system (decompressing LZO and zlib images; UCL is reported as not opened), and `qnx-ifs`
//! lists the image file system's directory. Read by hand: fixed headers and a flat directory.
//!
//! ```text
//! 00000000  eb 7e ff 00 01 00 01 00  00 01 03 00 ...        |.~..............|
//! struct startup_header {        // target byte order (flags1 bit 1: big-endian)
//!     u32 signature;             // 0x00ff7eeb
//!     u16 version;               // 1
//!     u8  flags1;                // 0x01 virtual, 0x02 big-endian, 0x1c compression:
//!                                //   0x04 zlib, 0x08 LZO, 0x0c UCL
//!     u8  flags2;
//!     u16 header_size; u16 machine;          // machine: ELF e_machine
//!     u32 startup_vaddr, paddr_bias, image_paddr, ram_paddr, ram_size;
//!     u32 startup_size;          // bytes of startup code, header included, never compressed
//!     u32 stored_size;           // bytes of the whole image (startup + imagefs + trailer)
//!     u32 imagefs_paddr, imagefs_size;       // imagefs_size: uncompressed
//!     u16 preboot_size; u16 zero0; u32 zero[3]; u32 info[48];
//! };
//! // compressed imagefs: blocks of { u16 be length; u8 data[length]; } ending with length 0
//!
//! 00000000  69 6d 61 67 65 66 73 04  ...                    |imagefs.........|
//! struct image_header {          // byte order: flags bit 0 (big-endian)
//!     char signature[7];         // "imagefs"
//!     u8   flags;                // 0x01 big-endian, 0x02 read-only, 0x04 inode bits
//!     u32  image_size;           // header to end of trailer
//!     u32  hdr_dir_size;         // header to end of the last dirent
//!     u32  dir_offset;           // header to first dirent
//!     u32  boot_ino[4]; u32 script_ino; u32 chain_paddr; u32 spare[10];
//!     u32  mountflags; char mountpoint[];
//! };
//! struct image_attr { u16 size; u16 extattr_offset; u32 ino; u32 mode; u32 gid; u32 uid;
//!                     u32 mtime; };                        // size 0 ends the directory
//! struct image_file    { image_attr attr; u32 offset; u32 size; char path[]; };  // S_IFREG
//! struct image_dir     { image_attr attr; char path[]; };                         // S_IFDIR
//! struct image_symlink { image_attr attr; u16 sym_offset; u16 sym_size; char path[]; };
//! struct image_device  { image_attr attr; u32 dev; u32 rdev; char path[]; };
//! ```

use bytes::Bytes;

use crate::bytes::{u16_at, u32_at};
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static STARTUP_DOC: FormatDoc = FormatDoc {
    name: "qnx-startup",
    category: Category::Firmware,
    description: "QNX Neutrino boot image (startup header 0x00ff7eeb from mkifs): split into \
        the startup code and the image file system, LZO- or zlib-compressed images decoded.",
    references: &[
        "QNX Neutrino 6.6 'Building Embedded Systems', the boot header (sys/startup.h)",
        "openqnx, utils/d/dumpifs/dumpifs.c",
    ],
    limitations: "UCL-compressed image file systems (mkifs -z ucl) are not decoded; they are \
        reported as not opened.",
};

pub static IFS_DOC: FormatDoc = FormatDoc {
    name: "qnx-ifs",
    category: Category::Filesystem,
    description: "QNX image file system ('imagefs'): files, directories, symlinks and device \
        nodes with modes, owners and times; the QNX Neutrino release from the procnto in it \
        (variant 'QNX Neutrino 6.5.0, little-endian').",
    references: &[
        "QNX Neutrino sys/image.h (struct image_header, image_dirent)",
        "openqnx, utils/d/dumpifs/dumpifs.c",
        "openqnx, services/system/proc/timestamp.c, proc/sysmgr_init.c and common.mk \
         (os_version_string beside the link timestamp)",
    ],
    limitations: "Chained image file systems (chain_paddr) are found by carving, not followed. \
        The release is read from a procnto* file of the image only: an image without the \
        kernel names none.",
};

pub struct QnxStartup;
pub struct QnxIfs;

const STARTUP_MAGIC_LE: &[u8] = b"\xeb\x7e\xff\x00";
const STARTUP_MAGIC_BE: &[u8] = b"\x00\xff\x7e\xeb";
const STARTUP_HEADER: usize = 256;
const IFS_HEADER: usize = 88;
/// More directory entries than this in one image is hostile.
const MAX_DIRENTS: usize = 1 << 20;

/// The parsed startup header fields this handler uses.
struct Startup {
    be: bool,
    compression: u8,
    startup_size: usize,
    stored_size: usize,
    imagefs_size: usize,
    machine: u16,
}

fn startup(d: &[u8]) -> Option<Startup> {
    let be = match d.get(..4)? {
        m if m == STARTUP_MAGIC_LE => false,
        m if m == STARTUP_MAGIC_BE => true,
        _ => return None,
    };
    if u16_at(d, 4, be)? != 1 {
        return None;
    }
    let flags1 = d[6];
    if (flags1 & 0x02 != 0) != be || flags1 & 0xe0 != 0 {
        return None;
    }
    let header_size = u16_at(d, 8, be)? as usize;
    let startup_size = u32_at(d, 32, be)? as usize;
    let stored_size = u32_at(d, 36, be)? as usize;
    if !(52..=4096).contains(&header_size)
        || startup_size < header_size
        || stored_size < startup_size
        || stored_size > d.len()
    {
        return None;
    }
    Some(Startup {
        be,
        compression: (flags1 & 0x1c) >> 2,
        startup_size,
        stored_size,
        imagefs_size: u32_at(d, 44, be)? as usize,
        machine: u16_at(d, 10, be)?,
    })
}

impl Handler for QnxStartup {
    fn doc(&self) -> &'static FormatDoc {
        &STARTUP_DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [Magic::at0(STARTUP_MAGIC_LE), Magic::at0(STARTUP_MAGIC_BE)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() < STARTUP_HEADER {
            return None;
        }
        let s = startup(d)?;
        let comp = ["none", "zlib", "lzo", "ucl"]
            .get(s.compression as usize)
            .copied()
            .unwrap_or("unknown");
        Some(Chunk {
            start,
            end: start + s.stored_size,
            variant: format!(
                "{}, machine {}, compression {comp}",
                if s.be { "big-endian" } else { "little-endian" },
                s.machine
            ),
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(s) = startup(data) else {
            return invalid("qnx-startup: header does not parse");
        };
        out.file("startup", Meta::mode(0o755), data.slice(..s.startup_size))?;
        let body = data.slice(s.startup_size..s.stored_size);
        let limit = (s.imagefs_size as u64).min(out.budget()) as usize;
        let decoded = match s.compression {
            0 => body,
            1 => {
                let (b, _) = out.read_bounded(
                    flate2::read::MultiGzDecoder::new(&body[..]),
                    "qnx-startup zlib imagefs",
                )?;
                b
            }
            2 => Bytes::from(lzo_blocks(&body, limit)?),
            c => {
                let what = if c == 3 {
                    "UCL (NRV2B)"
                } else {
                    "an unknown scheme"
                };
                out.unsupported(
                    s.startup_size as u64,
                    body.len() as u64,
                    format!(
                        "image file system compressed with {what}, which netvet does not decode"
                    ),
                );
                return Ok(());
            }
        };
        out.file("imagefs", Meta::mode(0o644), decoded)?;
        Ok(())
    }
}

/// Decode mkifs's LZO blocks (u16 big-endian length, LZO1X data; length 0 ends) into at most
/// `limit` bytes.
fn lzo_blocks(d: &[u8], limit: usize) -> FormatResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0usize;
    loop {
        let Some(len) = u16_at(d, at, true) else {
            return truncated("qnx-startup: LZO block list ends without its 0 length");
        };
        let len = len as usize;
        at += 2;
        if len == 0 {
            return Ok(out);
        }
        let Some(block) = d.get(at..at + len) else {
            return truncated(format!(
                "qnx-startup: LZO block at {:#x} runs past the image",
                at - 2
            ));
        };
        at += len;
        let room = limit.saturating_sub(out.len());
        let b = crate::lzo1x::decompress(block, room.min(1 << 20)).map_err(|e| {
            FormatError::Invalid(format!(
                "qnx-startup: LZO block at {:#x}: {e}",
                at - len - 2
            ))
        })?;
        out.extend(b);
        if out.len() >= limit {
            return Ok(out);
        }
    }
}

/// The image header fields this handler uses.
struct Ifs {
    be: bool,
    image_size: usize,
    hdr_dir_size: usize,
    dir_offset: usize,
}

fn ifs(d: &[u8]) -> Option<Ifs> {
    if d.get(..7)? != b"imagefs" {
        return None;
    }
    let flags = *d.get(7)?;
    if flags & 0xf8 != 0 {
        return None;
    }
    let be = flags & 1 != 0;
    let image_size = u32_at(d, 8, be)? as usize;
    let hdr_dir_size = u32_at(d, 12, be)? as usize;
    let dir_offset = u32_at(d, 16, be)? as usize;
    if dir_offset < IFS_HEADER
        || hdr_dir_size < dir_offset
        || image_size < hdr_dir_size
        || hdr_dir_size > d.len()
    {
        return None;
    }
    Some(Ifs {
        be,
        image_size,
        hdr_dir_size,
        dir_offset,
    })
}

/// The QNX Neutrino release of the first `procnto*` file of the image (see
/// [`procnto_release`]).
fn image_release(d: &[u8], h: &Ifs) -> Option<String> {
    let be = h.be;
    let mut at = h.dir_offset;
    for _ in 0..MAX_DIRENTS {
        if at + 24 > h.hdr_dir_size {
            break;
        }
        let size = u16_at(d, at, be)? as usize;
        if size < 24 {
            break; // size 0 ends the directory
        }
        let ent = d.get(at..at + size)?;
        at += size;
        if size < 32 || u32_at(ent, 8, be)? & 0o170000 != 0o100000 {
            continue;
        }
        let path = cstr(&ent[32..]);
        if !path.rsplit('/').next().unwrap_or("").starts_with("procnto") {
            continue;
        }
        let (off, len) = (u32_at(ent, 24, be)? as usize, u32_at(ent, 28, be)? as usize);
        if let Some(r) = d
            .get(off..off.saturating_add(len))
            .and_then(procnto_release)
        {
            return Some(r);
        }
    }
    None
}

/// The release procnto was built for (`6.5.0`). Its `timestamp.c` defines the link time,
/// `timestamp` (`date +%Y/%m/%d-%T%Z`: `2010/07/09-14:44:13EDT`), and right beside it
/// `os_version_string`, the digits of `_NTO_VERSION` (<sys/neutrino.h>, release x 100) as
/// `d.d.d`; procnto answers `uname -r` and `uname -v` with them (`sysmgr_init.c`). Read by
/// hand: the two NUL-terminated strings, in either order, at most 8 bytes of padding apart.
pub fn procnto_release(d: &[u8]) -> Option<String> {
    fn stamp_at(d: &[u8], s: usize) -> Option<usize> {
        // `YYYY/MM/DD-HH:MM:SS` then zone letters and the NUL; returns the NUL's offset
        let w = d.get(s..s + 19)?;
        let digits = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
        if !digits.iter().all(|&i| w[i].is_ascii_digit())
            || (w[4], w[7], w[10], w[13], w[16]) != (b'/', b'/', b'-', b':', b':')
        {
            return None;
        }
        let zone = d.get(s + 19..)?.iter().take(12);
        let n = zone
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(**b, b'+' | b'-'))
            .count();
        (d.get(s + 19 + n) == Some(&0)).then_some(s + 19 + n)
    }
    fn release_at(d: &[u8], s: usize) -> Option<String> {
        let w = d.get(s..s + 6)?;
        (w[0].is_ascii_digit()
            && w[1] == b'.'
            && w[2].is_ascii_digit()
            && w[3] == b'.'
            && w[4].is_ascii_digit()
            && w[5] == 0
            && (s == 0 || d[s - 1] == 0))
            .then(|| String::from_utf8_lossy(&w[..5]).into_owned())
    }
    for slash in memchr::memchr_iter(b'/', d) {
        let Some(s) = slash.checked_sub(4) else {
            continue;
        };
        if s > 0 && d[s - 1] != 0 {
            continue;
        }
        let Some(nul) = stamp_at(d, s) else {
            continue;
        };
        // after: skip the padding NULs
        let mut a = nul + 1;
        while a < d.len() && a <= nul + 8 && d[a] == 0 {
            a += 1;
        }
        if let Some(r) = release_at(d, a) {
            return Some(r);
        }
        // before: the release's NUL is followed by padding up to the stamp
        let mut b = s;
        while b > 0 && s - b < 8 && d[b - 1] == 0 {
            b -= 1;
        }
        if b < s {
            if let Some(r) = b.checked_sub(6).and_then(|p| release_at(d, p + 1)) {
                return Some(r);
            }
        }
    }
    None
}

fn cstr(d: &[u8]) -> String {
    let end = memchr::memchr(0, d).unwrap_or(d.len());
    String::from_utf8_lossy(&d[..end]).into_owned()
}

impl Handler for QnxIfs {
    fn doc(&self) -> &'static FormatDoc {
        &IFS_DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"imagefs")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = ifs(d)?;
        let order = if h.be { "big-endian" } else { "little-endian" };
        Some(Chunk {
            start,
            end: start + h.image_size.min(d.len()),
            variant: match image_release(d, &h) {
                Some(r) => format!("QNX Neutrino {r}, {order}"),
                None => order.into(),
            },
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let d = &data[..];
        let Some(h) = ifs(d) else {
            return invalid("qnx-ifs: header does not parse");
        };
        let be = h.be;
        let mut at = h.dir_offset;
        let mut problems = Vec::new();
        let mut n = 0usize;
        while at + 24 <= h.hdr_dir_size {
            n += 1;
            if n > MAX_DIRENTS {
                problems.push(format!("more than {MAX_DIRENTS} directory entries"));
                break;
            }
            let (Some(size), Some(ino), Some(mode), Some(gid), Some(uid), Some(mtime)) = (
                u16_at(d, at, be),
                u32_at(d, at + 4, be),
                u32_at(d, at + 8, be),
                u32_at(d, at + 12, be),
                u32_at(d, at + 16, be),
                u32_at(d, at + 20, be),
            ) else {
                break;
            };
            let size = size as usize;
            if size == 0 {
                break; // end of the directory
            }
            let Some(ent) = d.get(at..at + size).filter(|_| size >= 24) else {
                problems.push(format!(
                    "directory entry at {at:#x} runs past the directory"
                ));
                break;
            };
            at += size;
            if ino == 0 {
                continue;
            }
            let meta = Meta {
                mode: mode & 0o7777,
                uid,
                gid,
                mtime: i64::from(mtime),
            };
            let r = match mode & 0o170000 {
                0o100000 => {
                    let (Some(off), Some(len)) = (u32_at(ent, 24, be), u32_at(ent, 28, be)) else {
                        problems.push(format!("file entry at {:#x} is short", at - size));
                        continue;
                    };
                    let path = cstr(ent.get(32..).unwrap_or_default());
                    let (off, len) = (off as usize, len as usize);
                    match off.checked_add(len).filter(|&e| e <= d.len()) {
                        Some(e) => out.file(&path, meta, data.slice(off..e)),
                        None => {
                            problems.push(format!("'{path}' lies past the end of the image"));
                            continue;
                        }
                    }
                }
                0o040000 => out.dir(&cstr(ent.get(24..).unwrap_or_default()), meta),
                0o120000 => {
                    let (Some(so), Some(ss)) = (u16_at(ent, 24, be), u16_at(ent, 26, be)) else {
                        continue;
                    };
                    let path = cstr(ent.get(28..).unwrap_or_default());
                    let t0 = 28 + so as usize;
                    let target = ent.get(t0..t0 + ss as usize).map(cstr).unwrap_or_default();
                    out.symlink(&path, meta, &target)
                }
                m => {
                    let kind = match m {
                        0o020000 => EntryKind::CharDevice,
                        0o060000 => EntryKind::BlockDevice,
                        0o140000 => EntryKind::Socket,
                        _ => EntryKind::Fifo,
                    };
                    out.special(&cstr(ent.get(32..).unwrap_or_default()), kind, meta)
                }
            };
            r?;
        }
        if let Some(p) = problems.first() {
            return invalid(format!("qnx-ifs: {p} ({} problem(s))", problems.len()));
        }
        Ok(())
    }
}

/// A little-endian image file system holding `files` (path, content) and the directories
/// `dirs` (tests and fuzz seeds).
pub fn build_ifs(dirs: &[&str], files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut dirents = Vec::new();
    let mut ino = 1u32;
    let attr = |v: &mut Vec<u8>, size: usize, ino: u32, mode: u32| {
        v.extend((size as u16).to_le_bytes());
        v.extend(0u16.to_le_bytes());
        v.extend(ino.to_le_bytes());
        v.extend(mode.to_le_bytes());
        v.extend(0u32.to_le_bytes()); // gid
        v.extend(0u32.to_le_bytes()); // uid
        v.extend(1_300_000_000u32.to_le_bytes());
    };
    let pad4 = |n: usize| n.div_ceil(4) * 4;
    for d in dirs {
        let size = pad4(24 + d.len() + 1);
        let s = dirents.len();
        attr(&mut dirents, size, ino, 0o040755);
        dirents.extend(d.as_bytes());
        dirents.resize(s + size, 0);
        ino += 1;
    }
    let file_sizes: usize = files.iter().map(|(p, _)| pad4(32 + p.len() + 1)).sum();
    let dir_end = IFS_HEADER + dirents.len() + file_sizes + 4;
    let mut data_at = pad4(dir_end);
    let mut bodies = Vec::new();
    for (p, body) in files {
        let size = pad4(32 + p.len() + 1);
        let s = dirents.len();
        attr(&mut dirents, size, ino, 0o100644);
        dirents.extend((data_at as u32).to_le_bytes());
        dirents.extend((body.len() as u32).to_le_bytes());
        dirents.extend(p.as_bytes());
        dirents.resize(s + size, 0);
        bodies.push((data_at, *body));
        data_at = pad4(data_at + body.len());
        ino += 1;
    }
    dirents.extend([0u8; 4]); // size 0: end of the directory
    let image_size = data_at + 8; // trailer: a checksum
    let mut v = b"imagefs".to_vec();
    v.push(0x04);
    v.extend((image_size as u32).to_le_bytes());
    v.extend(((IFS_HEADER + dirents.len()) as u32).to_le_bytes());
    v.extend((IFS_HEADER as u32).to_le_bytes());
    v.resize(IFS_HEADER, 0);
    v.extend(dirents);
    for (at, body) in bodies {
        v.resize(at, 0);
        v.extend(body);
    }
    v.resize(image_size, 0);
    v
}

/// A little-endian boot image: startup header, `code` as startup code, then `ifs`, stored
/// as is (`compression` 0) or in LZO blocks (2; test-only encoder).
pub fn build_boot(code: &[u8], ifs: &[u8], blocks: Option<Vec<Vec<u8>>>) -> Vec<u8> {
    let mut h = vec![0u8; STARTUP_HEADER];
    h[..4].copy_from_slice(STARTUP_MAGIC_LE);
    h[4..6].copy_from_slice(&1u16.to_le_bytes());
    h[6] = 0x01 | if blocks.is_some() { 0x08 } else { 0 };
    h[8..10].copy_from_slice(&(STARTUP_HEADER as u16).to_le_bytes());
    h[10..12].copy_from_slice(&40u16.to_le_bytes()); // EM_ARM
    let startup_size = STARTUP_HEADER + code.len();
    let mut body = Vec::new();
    match blocks {
        Some(bl) => {
            for b in bl {
                body.extend((b.len() as u16).to_be_bytes());
                body.extend(b);
            }
            body.extend([0u8, 0]);
        }
        None => body.extend(ifs),
    }
    let stored = startup_size + body.len();
    h[32..36].copy_from_slice(&(startup_size as u32).to_le_bytes());
    h[36..40].copy_from_slice(&(stored as u32).to_le_bytes());
    h[44..48].copy_from_slice(&(ifs.len() as u32).to_le_bytes());
    h.extend(code);
    h.extend(body);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    #[test]
    fn ifs_with_two_files_and_a_directory() {
        let ifs = build_ifs(
            &["etc"],
            &[
                ("etc/passwd", b"root::0:0:Superuser:/root:/bin/sh\n"),
                ("proc/boot/.script", b"procnto-smp-instr\n"),
            ],
        );
        let mut img = vec![0xffu8; 0x20];
        img.extend(&ifs);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        let e = tree.get("0x20.qnx-ifs/etc/passwd").expect("passwd");
        assert_eq!(&e.data[..], b"root::0:0:Superuser:/root:/bin/sh\n");
        assert_eq!(e.meta.mode, 0o644);
        assert_eq!(e.meta.mtime, 1_300_000_000);
        let e = tree.get("0x20.qnx-ifs/proc/boot/.script").expect("script");
        assert_eq!(&e.data[..], b"procnto-smp-instr\n");
        assert_eq!(tree.layers[0].size, ifs.len() as u64);
    }

    #[test]
    fn boot_image_uncompressed_and_lzo() {
        let ifs = build_ifs(&[], &[("etc/motd", b"hello from qnx\n")]);
        let code = vec![0x13u8; 300];
        let plain = build_boot(&code, &ifs, None);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(plain));
        let e = tree
            .get("0x0.qnx-startup/imagefs.extract/0x0.qnx-ifs/etc/motd")
            .expect("motd");
        assert_eq!(&e.data[..], b"hello from qnx\n");
        assert_eq!(tree.get("0x0.qnx-startup/startup").unwrap().size, 556);

        let blocks: Vec<Vec<u8>> = ifs
            .chunks(200)
            .map(|c| lzokay_native::compress(c).unwrap())
            .collect();
        let lzo = build_boot(&code, &ifs, Some(blocks));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(lzo));
        let e = tree
            .get("0x0.qnx-startup/imagefs.extract/0x0.qnx-ifs/etc/motd")
            .expect("motd from LZO image");
        assert_eq!(&e.data[..], b"hello from qnx\n");
    }

    #[test]
    fn ucl_image_is_reported_not_opened() {
        let ifs = build_ifs(&[], &[("a", b"b")]);
        let mut img = build_boot(&[0x13u8; 64], &ifs, None);
        img[6] = 0x01 | 0x0c;
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let u = tree
            .unsupported
            .iter()
            .find(|u| u.reason.contains("UCL"))
            .expect("unsupported record");
        assert_eq!(u.offset, 320);
        assert_eq!(u.size, ifs.len() as u64);
    }

    /// procnto's `timestamp` and `os_version_string` as its timestamp.c lays them out.
    fn procnto(version_first: bool) -> Vec<u8> {
        let mut p = b"\x7fELF\x01\x01\x01\0".to_vec();
        p.resize(0x400, 0x11);
        p.extend(b"\0QNX Version %s Release %s\0see 1/2 and 2010/07/09\0");
        p.extend([0u8; 3]);
        if version_first {
            p.extend(b"6.5.0\0\0\x002010/07/09-14:44:13EDT\0");
        } else {
            p.extend(b"2010/07/09-14:44:13EDT\0\x006.5.0\0");
        }
        p.resize(0x800, 0x22);
        p
    }

    #[test]
    fn procnto_names_the_release() {
        assert_eq!(procnto_release(&procnto(false)).as_deref(), Some("6.5.0"));
        assert_eq!(procnto_release(&procnto(true)).as_deref(), Some("6.5.0"));
        // a date without the release beside it, or a release inside other text, is not one
        assert_eq!(
            procnto_release(b"\x002010/07/09-14:44:13EDT\0xx6.5.0\0"),
            None
        );
        assert_eq!(
            procnto_release(b"\x002010/07/09-14:44:13EDT\0v6.5.0\0"),
            None
        );
        assert_eq!(procnto_release(b"2010/07/09-14:44:13"), None);

        let ifs = build_ifs(
            &["proc", "proc/boot"],
            &[
                ("proc/boot/.script", b"procnto-smp-instr\n"),
                ("proc/boot/procnto-smp-instr", &procnto(false)),
            ],
        );
        let c = QnxIfs.identify(&ifs, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "QNX Neutrino 6.5.0, little-endian");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(build_boot(
            &[0x13u8; 64],
            &ifs,
            None,
        )));
        let l = tree
            .layers
            .iter()
            .find(|l| l.format == "qnx-ifs")
            .expect("ifs layer");
        assert_eq!(l.variant, "QNX Neutrino 6.5.0, little-endian");
        // without procnto the image names no release
        let bare = build_ifs(&[], &[("etc/motd", b"2010/07/09-14:44:13EDT\0\x006.5.0\0")]);
        let c = QnxIfs.identify(&bare, 0, &Probe::default()).unwrap();
        assert_eq!(c.variant, "little-endian");
    }

    #[test]
    fn hostile_headers_are_refused() {
        let ifs = build_ifs(&[], &[("a", b"b")]);
        let mut bad = ifs.clone();
        bad[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(QnxIfs.identify(&bad, 0, &Probe::default()).is_none());
        let mut boot = build_boot(&[1u8; 8], &ifs, None);
        boot[36..40].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(QnxStartup.identify(&boot, 0, &Probe::default()).is_none());
    }
}
