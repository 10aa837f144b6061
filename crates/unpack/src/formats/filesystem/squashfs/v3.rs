//! SquashFS layouts 2.x and 3.x (and the 1.x superblock, recognised only), both byte orders,
//! zlib or a vendor LZMA packing. The handler is [`super::Squashfs`]; this file
//! reads the older on-disk layout into the common model ([`super::common`]) the walker in
//! `squashfs/mod.rs` uses.
//!
//! The old structures are C bit fields. A little-endian image stores them low bit first
//! (gcc on a little-endian host), a big-endian image high bit first; both are read here as
//! a bit stream in declaration order ([`Bits`]), which is what squashfs-tools' swap macros do.
//!
//! ```text
//! 00000000  73 71 73 68 00 00 01 af  00 27 7c 06 00 27 7c 02  |sqsh.....'|..'|.|
//! 00000010  00 00 00 00 00 27 40 19  00 27 66 21 00 02 00 00  |.....'@..'f!....|
//! struct squashfs_super_block_3 {      // packed, 119 bytes (2.x uses the first 63)
//!     u32 s_magic;          // "hsqs" LE, "sqsh" BE; vendors: "qshs" "shsq" "sqlz" "zlqs" "tqsh" "hsqt"
//!     u32 inodes; u32 bytes_used_2; u32 uid_start_2; u32 guid_start_2;
//!     u32 inode_table_start_2; u32 directory_table_start_2;
//!     u16 s_major;          // 1, 2 or 3
//!     u16 s_minor;          // 76 ('L') marks some vendor LZMA builds
//!     u16 block_size_1; u16 block_log;
//!     u8 flags;             // 1 inodes stored, 2 data stored, 4 check byte, 8 fragments stored, 16 no fragments
//!     u8 no_uids; u8 no_guids; u32 mkfs_time;
//!     u64 root_inode; u32 block_size; u32 fragments; u32 fragment_table_start_2;
//!     // 3.x only:
//!     i64 bytes_used; i64 uid_start; i64 guid_start; i64 inode_table_start;
//!     i64 directory_table_start; i64 fragment_table_start; i64 lookup_table_start;
//! };
//! ```

use super::common::*;
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

/// Reads C bit fields in declaration order (see the module documentation).
struct Bits<'a> {
    d: &'a [u8],
    pos: usize,
    be: bool,
}

impl<'a> Bits<'a> {
    fn new(d: &'a [u8], be: bool) -> Bits<'a> {
        Bits { d, pos: 0, be }
    }
    fn take(&mut self, n: u32) -> Option<u64> {
        let mut v = 0u64;
        for i in 0..n {
            let byte = *self.d.get(self.pos / 8)?;
            let bit = if self.be {
                (byte >> (7 - self.pos % 8)) & 1
            } else {
                (byte >> (self.pos % 8)) & 1
            } as u64;
            if self.be {
                v = (v << 1) | bit;
            } else {
                v |= bit << i;
            }
            self.pos += 1;
        }
        Some(v)
    }
    fn u(&mut self, n: u32) -> FormatResult<u64> {
        self.take(n)
            .ok_or_else(|| FormatError::Truncated("old squashfs structure cut short".into()))
    }
    fn byte_pos(&self) -> usize {
        self.pos.div_ceil(8)
    }
}

/// Old-layout superblock fields beyond [`Geometry`].
#[derive(Debug, Clone)]
struct OldSuper {
    flags: u8,
    no_uids: u8,
    no_guids: u8,
    uid_start: u64,
    guid_start: u64,
    fragments: u32,
    frag_start: u64,
}

fn parse_super(d: &[u8], be: bool) -> Option<(Geometry, OldSuper)> {
    let e = Endian { be };
    let major = e.u16(d, 28)?;
    let minor = e.u16(d, 30)?;
    if !(1..=3).contains(&major) || minor > 0x4c {
        return None;
    }
    let block_log = e.u16(d, 34)? as u32;
    let block_size = if major == 1 {
        e.u16(d, 32)? as u32
    } else {
        e.u32(d, 51)?
    };
    if !(12..=20).contains(&block_log) || block_size != 1 << block_log {
        return None;
    }
    let v3 = major == 3;
    let (bytes_used, uid_start, guid_start, inode_start, dir_start, frag_start) = if v3 {
        (
            e.u64(d, 63)?,
            e.u64(d, 71)?,
            e.u64(d, 79)?,
            e.u64(d, 87)?,
            e.u64(d, 95)?,
            e.u64(d, 103)?,
        )
    } else {
        (
            e.u32(d, 8)? as u64,
            e.u32(d, 12)? as u64,
            e.u32(d, 16)? as u64,
            e.u32(d, 20)? as u64,
            e.u32(d, 24)? as u64,
            e.u32(d, 59)? as u64,
        )
    };
    let sb_len = if v3 { 119 } else { 63 };
    let root = e.u64(d, 43)?;
    let inodes = e.u32(d, 4)?;
    if bytes_used < sb_len
        || inode_start < sb_len
        || inode_start >= dir_start
        || dir_start >= bytes_used
        || root >> 16 >= dir_start - inode_start
        || root & 0xffff >= 8192
        || inodes == 0
        || uid_start > bytes_used
    {
        return None;
    }
    let fragments = if major == 1 { 0 } else { e.u32(d, 55)? };
    let mut later = vec![uid_start, guid_start, frag_start];
    if v3 {
        later.push(e.u64(d, 111)?);
    }
    let flags = d.get(36).copied()?;
    let g = Geometry {
        endian: e,
        meta: e,
        major,
        minor,
        block_size,
        inodes,
        mkfs_time: e.u32(d, 39)?,
        root,
        bytes_used,
        inode_start,
        dir_start,
        later_tables: later,
        check_byte: flags & 4 != 0,
    };
    let s = OldSuper {
        flags,
        no_uids: *d.get(37)?,
        no_guids: *d.get(38)?,
        uid_start,
        guid_start,
        fragments,
        frag_start,
    };
    Some((g, s))
}

fn parse_any(d: &[u8]) -> Option<(Geometry, OldSuper)> {
    match d.get(0..4)? {
        b"hsqs" => parse_super(d, false),
        b"sqsh" => parse_super(d, true),
        _ => parse_super(d, false).or_else(|| parse_super(d, true)),
    }
}

/// A compressed metadata block to find the codec with: the first of the inode table or,
/// when that is stored, of the directory table.
fn sample_block<'a>(d: &'a [u8], g: &Geometry) -> Option<&'a [u8]> {
    let hdr = if g.check_byte { 3 } else { 2 };
    for start in [g.inode_start, g.dir_start] {
        let mut pos = start as usize;
        // walk a few stored blocks to reach a compressed one
        for _ in 0..64 {
            let h = g.meta.u16(d, pos)?;
            let len = (h & 0x7fff) as usize;
            if len == 0 {
                break;
            }
            if h & 0x8000 == 0 {
                return d.get(pos + hdr..pos + hdr + len);
            }
            pos += hdr + len;
            if pos as u64 >= g.bytes_used {
                break;
            }
        }
    }
    None
}

fn detect_codec(d: &[u8], g: &Geometry) -> Codec {
    match sample_block(d, g) {
        Some(b)
            if b.len() >= 2
                && b[0] == 0x78
                && (u16::from(b[0]) << 8 | u16::from(b[1])) % 31 == 0 =>
        {
            Codec::Zlib
        }
        Some(b) => match detect_lzma(b, META_SIZE, false) {
            Some(k) => Codec::Lzma(k),
            None => Codec::Zlib,
        },
        // nothing compressed in the tables: decide block by block
        None => Codec::LzmaUnknown,
    }
}

/// Superblock check for the handler; the variant names version, byte order and packing.
pub(crate) fn probe(d: &[u8]) -> Option<(Geometry, String)> {
    let (g, _) = parse_any(d)?;
    let codec = if g.major == 1 {
        "zlib".to_string()
    } else {
        match detect_codec(d, &g) {
            Codec::Zlib => "zlib".into(),
            Codec::LzmaUnknown => "zlib or lzma".into(),
            c => c.name(),
        }
    };
    let variant = format!(
        "squashfs {}.{} {} {}",
        g.major,
        g.minor,
        if g.endian.be { "be" } else { "le" },
        codec
    );
    Some((g, variant))
}

pub(crate) struct Old {
    g: Geometry,
    codec: Codec,
    inodes: MetaTable,
    dirs: MetaTable,
    uids: Vec<u32>,
    guids: Vec<u32>,
    frags: Vec<(u64, u32)>,
    warnings: Vec<String>,
}

impl Old {
    pub fn open(d: &[u8]) -> FormatResult<Old> {
        let Some((g, s)) = parse_any(d) else {
            return invalid("not a squashfs 1.x-3.x superblock");
        };
        if g.major == 1 {
            return Err(FormatError::Unsupported(format!(
                "squashfs 1.{} is not extracted",
                g.minor
            )));
        }
        let codec = detect_codec(d, &g);
        let e = g.endian;
        let mut warnings = Vec::new();
        let inodes = read_meta_table(d, &g, codec, g.inode_start, g.dir_start, 512 << 20);
        if let Some(err) = &inodes.error {
            warnings.push(format!("inode table: {err}"));
        }
        let dirs = read_meta_table(d, &g, codec, g.dir_start, table_end(&g), 512 << 20);
        let read_ids = |start: u64, n: u8, what: &str, warnings: &mut Vec<String>| -> Vec<u32> {
            let v: Vec<u32> = (0..n as usize)
                .map_while(|i| e.u32(d, start as usize + i * 4))
                .collect();
            if v.len() < n as usize {
                warnings.push(format!("{what} table at {start:#x} is cut short"));
            }
            v
        };
        let uids = read_ids(s.uid_start, s.no_uids, "uid", &mut warnings);
        let guids = read_ids(s.guid_start, s.no_guids, "gid", &mut warnings);
        let mut frags = Vec::new();
        if s.fragments > 0 && s.flags & 16 == 0 {
            let (entry, ptr) = if g.major == 3 { (16, 8) } else { (8, 4) };
            match read_indexed(d, &g, codec, s.frag_start, s.fragments as u64, entry, ptr) {
                Ok(buf) => {
                    frags = (0..s.fragments as usize)
                        .map_while(|i| {
                            if g.major == 3 {
                                Some((e.u64(&buf, i * 16)?, e.u32(&buf, i * 16 + 8)?))
                            } else {
                                Some((e.u32(&buf, i * 8)? as u64, e.u32(&buf, i * 8 + 4)?))
                            }
                        })
                        .collect()
                }
                Err(err) => warnings.push(format!("fragment table: {err}")),
            }
        }
        let mut old = Old {
            g,
            codec,
            inodes,
            dirs,
            uids,
            guids,
            frags,
            warnings,
        };
        if old.codec == Codec::LzmaUnknown {
            old.codec = old.codec_from_data(d);
        }
        Ok(old)
    }

    /// Tables all stored: find the codec from the first compressed data block of a file in
    /// the root directory (its decoded size is known exactly).
    fn codec_from_data(&self, d: &[u8]) -> Codec {
        let Ok(Inode {
            kind:
                InodeKind::Dir {
                    block,
                    offset,
                    size,
                },
            ..
        }) = self.inode(self.g.root)
        else {
            return Codec::LzmaUnknown;
        };
        let Ok(list) = self.dir(block, offset, size) else {
            return Codec::LzmaUnknown;
        };
        let bs = self.g.block_size as u64;
        for de in list.iter().take(64) {
            let Ok(Inode {
                kind: InodeKind::File(f),
                ..
            }) = self.inode(de.inode)
            else {
                continue;
            };
            let Some(&w) = f.blocks.first() else { continue };
            let len = (w & !BLOCK_STORED) as usize;
            if w & BLOCK_STORED != 0 || len == 0 {
                continue;
            }
            let Some(src) = d.get(f.start as usize..f.start as usize + len) else {
                continue;
            };
            let want = bs.min(f.size) as usize;
            if src.len() >= 2 && src[0] == 0x78 {
                let mut buf = vec![0u8; want];
                if decode(Codec::Zlib, src, &mut buf, true) == Ok(want) {
                    return Codec::Zlib;
                }
            }
            if let Some(k) = detect_lzma(src, want, true) {
                return Codec::Lzma(k);
            }
        }
        Codec::LzmaUnknown
    }

    fn owner(&self, uid: u64, guid: u64) -> (u32, u32) {
        let u = self.uids.get(uid as usize).copied().unwrap_or(0);
        let g = if guid == 255 {
            u
        } else {
            self.guids.get(guid as usize).copied().unwrap_or(0)
        };
        (u, g)
    }

    fn file(
        &self,
        d: &[u8],
        list_at: usize,
        start: u64,
        (frag, foff): (u32, u32),
        size: u64,
        r: u64,
    ) -> FormatResult<InodeKind> {
        let bs = self.g.block_size as u64;
        let frag = (frag != NO_FRAGMENT).then_some((frag, foff));
        let n = if frag.is_some() {
            size / bs
        } else {
            size.div_ceil(bs)
        };
        if n.saturating_mul(4) > d.len().saturating_sub(list_at) as u64 {
            return truncated(format!(
                "inode {r:#x}: {size}-byte file needs {n} block sizes, more than the table holds"
            ));
        }
        let e = self.g.endian;
        let blocks = (0..n as usize)
            .map(|i| e.u32(d, list_at + i * 4))
            .collect::<Option<Vec<u32>>>()
            .ok_or_else(|| FormatError::Truncated(format!("inode {r:#x} block list cut short")))?;
        Ok(InodeKind::File(FileData {
            start,
            blocks,
            frag,
            size,
        }))
    }
}

fn special(t: u64) -> Option<EntryKind> {
    Some(match t {
        4 => EntryKind::BlockDevice,
        5 => EntryKind::CharDevice,
        6 => EntryKind::Fifo,
        7 => EntryKind::Socket,
        _ => return None,
    })
}

impl Layout for Old {
    fn geometry(&self) -> &Geometry {
        &self.g
    }
    fn codec(&self) -> Codec {
        self.codec
    }
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    fn inode(&self, r: u64) -> FormatResult<Inode> {
        let d = self.inodes.at(r >> 16, (r & 0xffff) as usize, "inode")?;
        let be = self.g.endian.be;
        let mut b = Bits::new(d, be);
        let typ = b.u(4)?;
        let mode = b.u(12)? as u32;
        let (uid, gid) = {
            let u = b.u(8)?;
            let g = b.u(8)?;
            self.owner(u, g)
        };
        let mut meta = Meta {
            mode,
            uid,
            gid,
            mtime: self.g.mkfs_time as i64,
        };
        let kind = if self.g.major == 3 {
            meta.mtime = b.u(32)? as i64;
            let _inode_number = b.u(32)?;
            match typ {
                1 => {
                    b.u(32)?; // nlink
                    let size = b.u(19)?;
                    let offset = b.u(13)? as usize;
                    let block = b.u(32)?;
                    InodeKind::Dir {
                        block,
                        offset,
                        size,
                    }
                }
                8 => {
                    b.u(32)?;
                    let size = b.u(27)?;
                    let offset = b.u(13)? as usize;
                    let block = b.u(32)?;
                    InodeKind::Dir {
                        block,
                        offset,
                        size,
                    }
                }
                2 => {
                    let start = b.u(64)?;
                    let frag = b.u(32)? as u32;
                    let foff = b.u(32)? as u32;
                    let size = b.u(32)?;
                    self.file(d, b.byte_pos(), start, (frag, foff), size, r)?
                }
                9 => {
                    b.u(32)?;
                    let start = b.u(64)?;
                    let frag = b.u(32)? as u32;
                    let foff = b.u(32)? as u32;
                    let size = b.u(64)?;
                    self.file(d, b.byte_pos(), start, (frag, foff), size, r)?
                }
                3 => {
                    b.u(32)?;
                    let n = b.u(16)? as usize;
                    symlink(d, b.byte_pos(), n, r)?
                }
                t => InodeKind::Special(special(t).ok_or_else(|| {
                    FormatError::Invalid(format!("inode {r:#x} has unknown type {t}"))
                })?),
            }
        } else {
            match typ {
                1 => {
                    let size = b.u(19)?;
                    let offset = b.u(13)? as usize;
                    meta.mtime = b.u(32)? as i64;
                    let block = b.u(24)?;
                    InodeKind::Dir {
                        block,
                        offset,
                        size,
                    }
                }
                8 => {
                    let size = b.u(27)?;
                    let offset = b.u(13)? as usize;
                    meta.mtime = b.u(32)? as i64;
                    let block = b.u(24)?;
                    InodeKind::Dir {
                        block,
                        offset,
                        size,
                    }
                }
                2 => {
                    meta.mtime = b.u(32)? as i64;
                    let start = b.u(32)?;
                    let frag = b.u(32)? as u32;
                    let foff = b.u(32)? as u32;
                    let size = b.u(32)?;
                    self.file(d, b.byte_pos(), start, (frag, foff), size, r)?
                }
                3 => {
                    let n = b.u(16)? as usize;
                    symlink(d, b.byte_pos(), n, r)?
                }
                t => InodeKind::Special(special(t).ok_or_else(|| {
                    FormatError::Invalid(format!("inode {r:#x} has unknown type {t}"))
                })?),
            }
        };
        Ok(Inode { kind, meta })
    }

    fn dir(&self, block: u64, offset: usize, size: u64) -> FormatResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        let v3 = self.g.major == 3;
        // 3.x stores the listing size plus 3, like 4.0
        let len = if v3 { size.saturating_sub(3) } else { size } as usize;
        if len == 0 {
            return Ok(out);
        }
        let d = self.dirs.at(block, offset, "directory")?;
        let end = len.min(d.len());
        let be = self.g.endian.be;
        let (hdr_len, ent_len) = if v3 { (9, 5) } else { (4, 3) };
        let mut p = 0usize;
        while p + hdr_len <= end {
            let mut h = Bits::new(&d[p..], be);
            let count = h.u(8)? as usize + 1;
            let iblock = if v3 { h.u(32)? } else { h.u(24)? };
            p += hdr_len;
            for _ in 0..count {
                let ent = d
                    .get(p..p + ent_len)
                    .ok_or_else(|| FormatError::Truncated("directory entry cut short".into()))?;
                let mut b = Bits::new(ent, be);
                let off = b.u(13)?;
                let _typ = b.u(3)?;
                let nlen = b.u(8)? as usize + 1;
                let name = d.get(p + ent_len..p + ent_len + nlen).ok_or_else(|| {
                    FormatError::Truncated("directory entry name cut short".into())
                })?;
                out.push(DirEntry {
                    name: name.to_vec(),
                    inode: (iblock << 16) | off,
                });
                p += ent_len + nlen;
            }
            if out.len() > (1 << 20) {
                return invalid("directory has more than 1048576 entries");
            }
        }
        Ok(out)
    }

    fn fragment(&self, i: u32) -> FormatResult<(u64, u32)> {
        self.frags.get(i as usize).copied().ok_or_else(|| {
            FormatError::Invalid(format!(
                "fragment {i} is not in the fragment table ({} entries)",
                self.frags.len()
            ))
        })
    }
}

/// The target of a symlink inode: `n` bytes at `at` of the decoded inode table (the same in
/// the 1.x/2.x and 3.x layouts; only the header fields before it differ).
fn symlink(d: &[u8], at: usize, n: usize, r: u64) -> Result<InodeKind, FormatError> {
    d.get(at..at.saturating_add(n))
        .map(|t| InodeKind::Symlink(t.to_vec()))
        .ok_or_else(|| FormatError::Truncated(format!("symlink inode {r:#x} cut short")))
}
