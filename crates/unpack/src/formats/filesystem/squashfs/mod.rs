//! SquashFS, every version netvet meets in firmware: 4.0 (little- and big-endian, gzip, xz,
//! lzma, lzo, lz4, zstd) here, 2.x and 3.x (both byte orders, zlib or a vendor LZMA) in
//! [`v3`]; what both share is in [`common`].
//!
//! Written by hand rather than with `backhand`: backhand's xz and zstd readers are C libraries
//! (liblzma, libzstd), it reads no vendor LZMA variant without another C library, and it reads
//! whole tables eagerly from counts in the header. This reader is pure Rust, checks every
//! count and offset against the image, bounds every decoder by the size it expects, and
//! decompresses data blocks in parallel (rayon) straight into each file's buffer. backhand's
//! writer still builds the test images.
//!
//! ```text
//! 00000000  68 73 71 73 05 00 00 00  83 6f 9f 66 00 00 02 00  |hsqs.....o.f....|
//! 00000010  01 00 00 00 01 00 11 00  c0 00 01 00 04 00 00 00  |................|
//! struct squashfs_super_block {          // 96 bytes; every field in the image's byte order
//!     u32 s_magic = "hsqs" (LE) | "sqsh" (BE);
//!     u32 inodes; u32 mkfs_time; u32 block_size; u32 fragments;
//!     u16 compression;   // 1 gzip, 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd
//!     u16 block_log; u16 flags; u16 no_ids;
//!     u16 s_major = 4; u16 s_minor = 0;
//!     u64 root_inode;    // (metadata block << 16) | offset
//!     u64 bytes_used; u64 id_table_start; u64 xattr_id_table_start;
//!     u64 inode_table_start; u64 directory_table_start;
//!     u64 fragment_table_start; u64 lookup_table_start;
//! };
//! // metadata blocks: u16 header (bit 15 = stored, low 15 bits = length), <= 8 KiB output
//! // data block sizes: u32 (bit 24 = stored, low 24 bits = length, 0 = sparse block)
//! ```

use bytes::Bytes;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};

mod common;
pub mod v3;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};
use common::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "squashfs",
    category: Category::Filesystem,
    description: "SquashFS 4.0 (little/big endian; gzip, xz, lzma, lzo, lz4, zstd) and 2.x/3.x \
        (little/big endian; zlib and vendor LZMA variants: lzma-alone header, 5-byte \
        properties header, raw streams). Files, directories, symlinks, devices, FIFOs, sockets, \
        hard links, uid/gid, modes, mtimes, fragments, sparse blocks; data decompressed in \
        parallel.",
    references: &[
        "https://dr-emann.github.io/squashfs/squashfs.html",
        "squashfs-tools squashfs_fs.h and squashfs_compat.h (layouts 1.x-4.0)",
        "devttys0/sasquatch (vendor LZMA variants)",
    ],
    limitations: "Extended attributes are ignored. Squashfs 1.x is recognised but not \
        extracted. LZO blocks are decoded before their size can be checked (bounded by the \
        block size times the LZO expansion limit).",
};

/// Directory nesting deeper than this is treated as hostile.
const MAX_DEPTH: usize = 256;
/// Entries in one directory listing.
const MAX_DIR_ENTRIES: usize = 1 << 20;
/// Decoded metadata of one table (inodes or directories).
const MAX_TABLE: usize = 512 << 20;
/// File content decoded per parallel batch before it is handed to the sink.
#[cfg(not(test))]
const BATCH_BYTES: u64 = 24 << 20;
/// Small in unit tests, so that their images span many overlapping batches whose files share
/// fragment blocks across batch boundaries.
#[cfg(test)]
const BATCH_BYTES: u64 = 64 << 10;

pub struct Squashfs;

// ---------------------------------------------------------------------------------------------
// 4.0

pub(crate) struct V4 {
    g: Geometry,
    codec: Codec,
    inodes: MetaTable,
    dirs: MetaTable,
    ids: Vec<u32>,
    frags: Vec<(u64, u32)>,
    warnings: Vec<String>,
}

/// Parse a 4.0 superblock at the start of `d`.
fn geometry_v4(d: &[u8]) -> Option<(Geometry, u16, u32, u16, u64, u64)> {
    let be = match d.get(0..4)? {
        b"hsqs" => false,
        b"sqsh" => true,
        _ => return None,
    };
    let e = Endian { be };
    if e.u16(d, 28)? != 4 || e.u16(d, 30)? != 0 {
        return None;
    }
    let block_size = e.u32(d, 12)?;
    let block_log = e.u16(d, 22)?;
    if !(12..=20).contains(&block_log) || block_size != 1 << block_log {
        return None;
    }
    let compression = e.u16(d, 20)?;
    if !(1..=6).contains(&compression) {
        return None;
    }
    let mut g = Geometry {
        endian: e,
        meta: e,
        major: 4,
        minor: 0,
        block_size,
        inodes: e.u32(d, 4)?,
        mkfs_time: e.u32(d, 8)?,
        root: e.u64(d, 32)?,
        bytes_used: e.u64(d, 40)?,
        inode_start: e.u64(d, 64)?,
        dir_start: e.u64(d, 72)?,
        later_tables: [48, 56, 80, 88]
            .iter()
            .filter_map(|&o| e.u64(d, o))
            .collect(),
        check_byte: false,
    };
    let fragments = e.u32(d, 16)?;
    let no_ids = e.u16(d, 26)?;
    let id_start = e.u64(d, 48)?;
    let frag_start = e.u64(d, 80)?;
    if g.bytes_used < 96
        || g.inode_start < 96
        || g.inode_start >= g.dir_start
        || g.dir_start >= g.bytes_used
        || g.root >> 16 >= g.dir_start - g.inode_start
        || g.root & 0xffff >= META_SIZE as u64
        || g.inodes == 0
        || no_ids == 0
    {
        return None;
    }
    if be && !meta_header_ok(d, &g, e) && meta_header_ok(d, &g, Endian { be: false }) {
        g.meta = Endian { be: false };
    }
    Some((g, compression, fragments, no_ids, id_start, frag_start))
}

impl V4 {
    pub fn open(d: &[u8], probe_only: bool) -> FormatResult<V4> {
        let Some((g, compression, fragments, no_ids, id_start, frag_start)) = geometry_v4(d) else {
            return invalid("not a squashfs 4.0 superblock");
        };
        let codec = match compression {
            1 => Codec::Zlib,
            2 => Codec::Lzma(LzmaKind::Alone),
            3 => Codec::Lzo,
            4 => Codec::Xz,
            5 => Codec::Lz4,
            _ => Codec::Zstd,
        };
        let mut v = V4 {
            g,
            codec,
            inodes: MetaTable::default(),
            dirs: MetaTable::default(),
            ids: Vec::new(),
            frags: Vec::new(),
            warnings: Vec::new(),
        };
        if probe_only {
            return Ok(v);
        }
        let e = v.g.endian;
        v.inodes = read_meta_table(d, &v.g, codec, v.g.inode_start, v.g.dir_start, MAX_TABLE);
        if v.inodes.buf.is_empty() && codec == Codec::Lzma(LzmaKind::Alone) {
            // vendor LZMA packed differently: find out how from the first block
            if let Some(kind) = first_block(d, &v.g).and_then(|b| detect_lzma(b, META_SIZE, false))
            {
                v.codec = Codec::Lzma(kind);
                v.inodes =
                    read_meta_table(d, &v.g, v.codec, v.g.inode_start, v.g.dir_start, MAX_TABLE);
            }
        }
        if let Some(err) = &v.inodes.error {
            v.warnings.push(format!("inode table: {err}"));
        }
        let dir_end = table_end(&v.g);
        v.dirs = read_meta_table(d, &v.g, v.codec, v.g.dir_start, dir_end, MAX_TABLE);
        // ids: u64 pointers to metadata blocks of up to 2048 u32 each
        match read_indexed(d, &v.g, v.codec, id_start, no_ids as u64, 4, 8) {
            Ok(buf) => {
                v.ids = (0..no_ids as usize)
                    .filter_map(|i| e.u32(&buf, i * 4))
                    .collect()
            }
            Err(err) => v
                .warnings
                .push(format!("id table: {err}; owners shown as 0")),
        }
        if fragments > 0 && frag_start != u64::MAX {
            match read_indexed(d, &v.g, v.codec, frag_start, fragments as u64, 16, 8) {
                Ok(buf) => {
                    v.frags = (0..fragments as usize)
                        .map_while(|i| Some((e.u64(&buf, i * 16)?, e.u32(&buf, i * 16 + 8)?)))
                        .collect()
                }
                Err(err) => v.warnings.push(format!("fragment table: {err}")),
            }
        }
        Ok(v)
    }

    fn id(&self, i: u16) -> u32 {
        self.ids.get(i as usize).copied().unwrap_or(0)
    }
}

/// Does the first inode-table block header make sense in byte order `m`?
fn meta_header_ok(d: &[u8], g: &Geometry, m: Endian) -> bool {
    let Some(h) = m.u16(d, g.inode_start as usize) else {
        return false;
    };
    let len = (h & 0x7fff) as u64;
    len > 0 && len <= META_SIZE as u64 && g.inode_start + 2 + len <= g.dir_start
}

/// The first metadata block of the inode table (for finding a vendor LZMA packing).
fn first_block<'a>(d: &'a [u8], g: &Geometry) -> Option<&'a [u8]> {
    let s = g.inode_start as usize;
    let h = g.meta.u16(d, s)?;
    let hdr = if g.check_byte { 3 } else { 2 };
    if h & 0x8000 != 0 {
        return None;
    }
    d.get(s + hdr..s + hdr + (h & 0x7fff) as usize)
}

impl Layout for V4 {
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
        let e = self.g.endian;
        let short = || FormatError::Truncated(format!("inode {r:#x} is cut short"));
        let typ = e.u16(d, 0).ok_or_else(short)?;
        let meta = Meta {
            mode: e.u16(d, 2).ok_or_else(short)? as u32 & 0o7777,
            uid: self.id(e.u16(d, 4).ok_or_else(short)?),
            gid: self.id(e.u16(d, 6).ok_or_else(short)?),
            mtime: e.u32(d, 8).ok_or_else(short)? as i64,
        };
        let bs = self.g.block_size as u64;
        let kind = match typ {
            1 => InodeKind::Dir {
                block: e.u32(d, 16).ok_or_else(short)? as u64,
                size: e.u16(d, 24).ok_or_else(short)? as u64,
                offset: e.u16(d, 26).ok_or_else(short)? as usize,
            },
            8 => InodeKind::Dir {
                size: e.u32(d, 20).ok_or_else(short)? as u64,
                block: e.u32(d, 24).ok_or_else(short)? as u64,
                offset: e.u16(d, 34).ok_or_else(short)? as usize,
            },
            2 | 9 => {
                let (start, size, frag, foff, list) = if typ == 2 {
                    (
                        e.u32(d, 16).ok_or_else(short)? as u64,
                        e.u32(d, 28).ok_or_else(short)? as u64,
                        e.u32(d, 20).ok_or_else(short)?,
                        e.u32(d, 24).ok_or_else(short)?,
                        32usize,
                    )
                } else {
                    (
                        e.u64(d, 16).ok_or_else(short)?,
                        e.u64(d, 24).ok_or_else(short)?,
                        e.u32(d, 44).ok_or_else(short)?,
                        e.u32(d, 48).ok_or_else(short)?,
                        56usize,
                    )
                };
                let frag = (frag != NO_FRAGMENT).then_some((frag, foff));
                let n = if frag.is_some() {
                    size / bs
                } else {
                    size.div_ceil(bs)
                };
                if n.saturating_mul(4) > d.len() as u64 {
                    return truncated(format!(
                        "inode {r:#x}: {size}-byte file needs {n} block sizes, more than the table holds"
                    ));
                }
                let blocks = (0..n as usize)
                    .map(|i| e.u32(d, list + i * 4))
                    .collect::<Option<Vec<u32>>>()
                    .ok_or_else(short)?;
                InodeKind::File(FileData {
                    start,
                    blocks,
                    frag,
                    size,
                })
            }
            3 | 10 => {
                let n = e.u32(d, 20).ok_or_else(short)? as usize;
                let t = d.get(24..24usize.saturating_add(n)).ok_or_else(short)?;
                InodeKind::Symlink(t.to_vec())
            }
            4 | 11 => InodeKind::Special(EntryKind::BlockDevice),
            5 | 12 => InodeKind::Special(EntryKind::CharDevice),
            6 | 13 => InodeKind::Special(EntryKind::Fifo),
            7 | 14 => InodeKind::Special(EntryKind::Socket),
            t => return invalid(format!("inode {r:#x} has unknown type {t}")),
        };
        Ok(Inode { kind, meta })
    }

    fn dir(&self, block: u64, offset: usize, size: u64) -> FormatResult<Vec<DirEntry>> {
        let mut out = Vec::new();
        if size <= 3 {
            return Ok(out);
        }
        let d = self.dirs.at(block, offset, "directory")?;
        let e = self.g.endian;
        let end = ((size - 3) as usize).min(d.len());
        let mut p = 0usize;
        while p + 12 <= end {
            let count = e.u32(d, p).unwrap_or(0) as usize + 1;
            let iblock = e.u32(d, p + 4).unwrap_or(0) as u64;
            p += 12;
            if count > 256 {
                return invalid(format!("directory header claims {count} entries (max 256)"));
            }
            for _ in 0..count {
                let (Some(off), Some(nlen)) = (e.u16(d, p), e.u16(d, p + 6)) else {
                    return truncated("directory entry cut short");
                };
                let nlen = nlen as usize + 1;
                let name = d.get(p + 8..p + 8 + nlen).ok_or_else(|| {
                    FormatError::Truncated("directory entry name cut short".into())
                })?;
                out.push(DirEntry {
                    name: name.to_vec(),
                    inode: (iblock << 16) | off as u64,
                });
                p += 8 + nlen;
                if out.len() > MAX_DIR_ENTRIES {
                    return invalid("directory has more than 1048576 entries");
                }
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

// ---------------------------------------------------------------------------------------------
// handler

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    V4,
    Old,
}

fn probe(d: &[u8]) -> Option<(Version, Geometry, String)> {
    if let Ok(v) = V4::open(d, true) {
        let g = v.g.clone();
        let variant = format!(
            "squashfs 4.0 {} {}",
            if g.endian.be { "be" } else { "le" },
            v.codec.name()
        );
        return Some((Version::V4, g, variant));
    }
    let (g, variant) = v3::probe(d)?;
    Some((Version::Old, g, variant))
}

impl Handler for Squashfs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 8] = [
            Magic::at0(b"hsqs"),
            Magic::at0(b"sqsh"),
            // vendor magics of LZMA variants (byte order decided from the version field)
            Magic::at0(b"qshs"),
            Magic::at0(b"shsq"),
            Magic::at0(b"sqlz"),
            Magic::at0(b"zlqs"),
            Magic::at0(b"hsqt"),
            Magic::at0(b"tqsh"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (_, g, mut variant) = probe(d)?;
        let avail = d.len() as u64;
        let end = if g.bytes_used > avail {
            // a cut image: keep what is there, the reader reports what is missing
            if g.dir_start >= avail {
                return None;
            }
            variant.push_str(" truncated");
            avail
        } else {
            g.bytes_used
        };
        Some(Chunk {
            checks: Vec::new(),
            start,
            end: start + end as usize,
            decoded: None,
            truncated: false,
            variant,
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let (version, ..) =
            probe(data).ok_or_else(|| FormatError::Invalid("not a squashfs superblock".into()))?;
        match version {
            Version::V4 => {
                let fs = V4::open(data, false)?;
                extract_fs(&fs, data, out)
            }
            Version::Old => {
                let fs = v3::Old::open(data)?;
                extract_fs(&fs, data, out)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the common walker and parallel data extraction

struct FileJob {
    path: String,
    meta: Meta,
    file: FileData,
}

/// Collects the problems of one extraction; reported once, at the end.
#[derive(Default)]
struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn add(&mut self, s: String) {
        if self.list.len() < 20 {
            self.list.push(s);
        } else {
            self.more += 1;
        }
    }
    fn into_result(self) -> FormatResult<()> {
        if self.list.is_empty() {
            return Ok(());
        }
        let mut s = self.list.join("; ");
        if self.more > 0 {
            s.push_str(&format!("; and {} more", self.more));
        }
        Err(FormatError::Invalid(s))
    }
}

fn name_ok(name: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(name);
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\0') {
        return None;
    }
    Some(s.into_owned())
}

/// Walk the directory tree from the root inode (iteratively, each directory once), emit
/// everything but regular file contents, then decode the files in parallel batches.
pub(crate) fn extract_fs(fs: &dyn Layout, data: &Bytes, out: &mut Sink) -> FormatResult<()> {
    let g = fs.geometry().clone();
    let mut problems = Problems::default();
    for w in fs.warnings() {
        problems.add(w);
    }
    let root = fs.inode(g.root)?;
    let InodeKind::Dir { .. } = root.kind else {
        return invalid(format!("root inode {:#x} is not a directory", g.root));
    };
    let mut visited: HashSet<u64> = HashSet::new();
    let mut seen_files: HashMap<u64, String> = HashMap::new();
    let mut jobs: Vec<FileJob> = Vec::new();
    let mut stack: Vec<(String, u64, Inode, usize)> = vec![(String::new(), g.root, root, 0)];
    visited.insert(g.root);
    let mut entries = 0u64;
    let limit_err = |e: FormatError| matches!(e, FormatError::Limit(_));
    while let Some((path, _r, ino, depth)) = stack.pop() {
        let InodeKind::Dir {
            block,
            offset,
            size,
        } = ino.kind
        else {
            continue;
        };
        if !path.is_empty() {
            if let Err(e) = out.dir(&path, ino.meta) {
                if limit_err(e) {
                    return Ok(());
                }
            }
        }
        let list = match fs.dir(block, offset, size) {
            Ok(l) => l,
            Err(e) => {
                problems.add(format!("directory '/{path}': {e}"));
                continue;
            }
        };
        for de in list {
            let Some(name) = name_ok(&de.name) else {
                problems.add(format!(
                    "directory '/{path}' has an entry with an invalid name {:?}",
                    String::from_utf8_lossy(&de.name)
                ));
                continue;
            };
            entries += 1;
            if entries > (g.inodes as u64).saturating_mul(4).max(1 << 16) {
                problems.add(format!(
                    "more directory entries than the {} inodes allow; stopped",
                    g.inodes
                ));
                return finish(fs, data, jobs, out, problems);
            }
            let child = if path.is_empty() {
                name
            } else {
                format!("{path}/{name}")
            };
            let ino = match fs.inode(de.inode) {
                Ok(i) => i,
                Err(e) => {
                    problems.add(format!("'/{child}': {e}"));
                    continue;
                }
            };
            let res = match &ino.kind {
                InodeKind::Dir { .. } => {
                    if !visited.insert(de.inode) {
                        problems.add(format!(
                            "'/{child}' refers to directory inode {:#x} already listed (a cycle or a shared directory); skipped",
                            de.inode
                        ));
                    } else if depth + 1 >= MAX_DEPTH {
                        problems.add(format!(
                            "'/{child}': directories nested deeper than {MAX_DEPTH}; skipped"
                        ));
                    } else {
                        stack.push((child, de.inode, ino, depth + 1));
                    }
                    Ok(())
                }
                InodeKind::File(f) => {
                    if let Some(first) = seen_files.get(&de.inode) {
                        out.hardlink(&child, ino.meta, first)
                    } else {
                        seen_files.insert(de.inode, child.clone());
                        jobs.push(FileJob {
                            path: child,
                            meta: ino.meta,
                            file: f.clone(),
                        });
                        Ok(())
                    }
                }
                InodeKind::Symlink(t) => out.symlink(&child, ino.meta, &String::from_utf8_lossy(t)),
                InodeKind::Special(k) => out.special(&child, *k, ino.meta),
            };
            if let Err(e) = res {
                if limit_err(e) {
                    return problems.into_result();
                }
            }
        }
    }
    finish(fs, data, jobs, out, problems)
}

/// A decoded fragment block by index, or why it could not be decoded.
type Fragment = (u32, Result<Bytes, String>);

/// One batch of files whose blocks are decoded (or failed to decode), waiting for its
/// fragment tails and the sink.
struct Decoded {
    batch: Vec<FileJob>,
    /// Fragment blocks the batch needed that were not decoded yet.
    new_frags: Vec<Fragment>,
    /// Content of the files that needed no decoding (fragment only, stored, sparse).
    direct: Vec<Option<Bytes>>,
    /// Decoded buffers by index in `batch`, and the first error of each failed one.
    bufs: Vec<(usize, Vec<u8>)>,
    failed: HashMap<usize, String>,
}

/// Take the next batch of about [`BATCH_BYTES`] of file content off `jobs` (reversed
/// directory order). Every buffer the batch will need (a file with blocks that is not a
/// slice of the image, [`stored_slice`]) is checked against the byte budget here, before any
/// is allocated; `Err` when one is over it (recorded in `problems`).
fn take_batch(
    jobs: &mut Vec<FileJob>,
    data: &Bytes,
    bs: u64,
    out: &mut Sink,
    problems: &mut Problems,
) -> Result<Vec<FileJob>, ()> {
    let mut batch: Vec<FileJob> = Vec::new();
    let mut sum = 0u64;
    while let Some(j) = jobs.pop() {
        sum = sum.saturating_add(j.file.size);
        if !j.file.blocks.is_empty() && stored_slice(data, &j.file, bs).is_none() {
            if let Err(e) = out.check_alloc(&format!("'/{}'", j.path), j.file.size) {
                problems.add(e.to_string());
                return Err(());
            }
        }
        batch.push(j);
        if sum >= BATCH_BYTES {
            break;
        }
    }
    Ok(batch)
}

/// Decode every data block of `batch` in parallel, and the fragment blocks it needs that are
/// not in `frags` yet. Touches no sink: runs beside the sink of the previous batch.
fn decode_batch(
    fs: &dyn Layout,
    data: &Bytes,
    batch: Vec<FileJob>,
    frags: &HashMap<u32, Result<Bytes, String>>,
) -> Decoded {
    let g = fs.geometry();
    let bs = g.block_size as u64;
    let codec = fs.codec();
    let decode_frag = |i: u32| -> Result<Bytes, String> {
        let (start, word) = fs.fragment(i).map_err(|e| e.to_string())?;
        let len = (word & !BLOCK_STORED) as usize;
        if len as u64 > bs {
            return Err(format!("fragment block {i} claims {len} bytes"));
        }
        let src = data
            .get(start as usize..(start as usize).saturating_add(len))
            .ok_or_else(|| format!("fragment block {i} at {start:#x} is outside the image"))?;
        if word & BLOCK_STORED != 0 {
            return Ok(data.slice(start as usize..start as usize + len));
        }
        let mut buf = vec![0u8; bs as usize];
        let n =
            decode(codec, src, &mut buf, false).map_err(|e| format!("fragment block {i}: {e}"))?;
        buf.truncate(n);
        Ok(Bytes::from(buf))
    };
    let mut missing: Vec<u32> = batch
        .iter()
        .filter_map(|j| j.file.frag.map(|f| f.0))
        .filter(|i| !frags.contains_key(i))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    // files entirely in one fragment, stored blocks or sparse need no decoding
    let mut direct: Vec<Option<Bytes>> = vec![None; batch.len()];
    let mut bufs: Vec<(usize, Vec<u8>)> = Vec::new();
    for (k, j) in batch.iter().enumerate() {
        let f = &j.file;
        if f.blocks.is_empty() {
            continue; // fragment only: assembled once the fragments are in
        }
        if let Some(b) = stored_slice(data, f, bs) {
            direct[k] = Some(b);
            continue;
        }
        bufs.push((k, vec![0u8; f.size as usize]));
    }
    // one task per data block, all blocks of the batch in parallel
    let mut tasks: Vec<(usize, u64, u32, &mut [u8])> = Vec::new();
    for (k, buf) in bufs.iter_mut() {
        let f = &batch[*k].file;
        let mut pos = f.start;
        let full = (f.blocks.len() as u64 * bs).min(f.size) as usize;
        for (word, chunk) in f.blocks.iter().zip(buf[..full].chunks_mut(bs as usize)) {
            tasks.push((*k, pos, *word, chunk));
            pos = pos.saturating_add((word & !BLOCK_STORED) as u64);
        }
    }
    let (new_frags, errors): (Vec<Fragment>, Vec<(usize, String)>) = rayon::join(
        || missing.par_iter().map(|&i| (i, decode_frag(i))).collect(),
        || {
            tasks
                .into_par_iter()
                .filter_map(|(k, pos, word, dst)| {
                    decode_block(codec, data, bs, pos, word, dst)
                        .err()
                        .map(|e| (k, e))
                })
                .collect()
        },
    );
    let mut failed: HashMap<usize, String> = HashMap::new();
    for (k, e) in errors {
        failed.entry(k).or_insert(e);
    }
    Decoded {
        batch,
        new_frags,
        direct,
        bufs,
        failed,
    }
}

/// Decode one data block (`word` at `pos` in the image) into `dst`, its part of the file.
fn decode_block(
    codec: Codec,
    data: &Bytes,
    bs: u64,
    pos: u64,
    word: u32,
    dst: &mut [u8],
) -> Result<(), String> {
    let len = (word & !BLOCK_STORED) as usize;
    if len == 0 {
        return Ok(()); // sparse: already zeros
    }
    if len as u64 > bs {
        return Err(format!(
            "block at {pos:#x} claims {len} bytes (block size {bs})"
        ));
    }
    let src = data
        .get(pos as usize..(pos as usize).saturating_add(len))
        .ok_or_else(|| format!("block at {pos:#x} is outside the image"))?;
    if word & BLOCK_STORED != 0 {
        let n = len.min(dst.len());
        dst[..n].copy_from_slice(&src[..n]);
        return Ok(());
    }
    let n = decode(codec, src, dst, true).map_err(|e| format!("block at {pos:#x}: {e}"))?;
    if n != dst.len() {
        return Err(format!(
            "block at {pos:#x} decodes to {n} bytes, expected {}",
            dst.len()
        ));
    }
    Ok(())
}

/// The content (or the error) of every file of a decoded batch, fragment tails added.
fn assemble(
    d: Decoded,
    frags: &HashMap<u32, Result<Bytes, String>>,
    bs: u64,
) -> Vec<(FileJob, Result<Bytes, String>)> {
    let Decoded {
        batch,
        direct,
        bufs,
        mut failed,
        ..
    } = d;
    let mut contents: Vec<Option<Result<Bytes, String>>> =
        direct.into_iter().map(|b| b.map(Ok)).collect();
    for (k, j) in batch.iter().enumerate() {
        if j.file.blocks.is_empty() {
            contents[k] = Some(frag_tail(frags, &j.file, 0).map(|b| b.unwrap_or_default()));
        }
    }
    for (k, mut buf) in bufs {
        let f = &batch[k].file;
        let full = (f.blocks.len() as u64 * bs).min(f.size) as usize;
        if let Some(e) = failed.remove(&k) {
            contents[k] = Some(Err(e));
            continue;
        }
        contents[k] = Some(match frag_tail(frags, f, full) {
            Ok(Some(tail)) => {
                let n = tail.len().min(buf.len() - full);
                buf[full..full + n].copy_from_slice(&tail[..n]);
                Ok(Bytes::from(buf))
            }
            Ok(None) => Ok(Bytes::from(buf)),
            Err(e) => Err(e),
        });
    }
    batch
        .into_iter()
        .zip(contents)
        .filter_map(|(j, c)| c.map(|c| (j, c)))
        .collect()
}

/// Hand the files of one batch to the sink; `Err` when a limit stops the extraction.
fn sink_batch(
    files: Vec<(FileJob, Result<Bytes, String>)>,
    out: &mut Sink,
    problems: &mut Problems,
    reported_frags: &mut HashSet<u32>,
) -> Result<(), ()> {
    for (j, c) in files {
        let res = match c {
            Ok(b) => out.file(&j.path, j.meta, b),
            Err(e) => {
                if let Some((fi, _)) = j.file.frag {
                    if e.starts_with("fragment") && !reported_frags.insert(fi) {
                        // one report per broken fragment block is enough
                        let _ = out.file(&j.path, j.meta, Bytes::new());
                        continue;
                    }
                }
                problems.add(format!("'/{}': {e}; kept empty", j.path));
                out.file(&j.path, j.meta, Bytes::new())
            }
        };
        if let Err(FormatError::Limit(_)) = res {
            return Err(());
        }
    }
    Ok(())
}

/// Decode file contents in batches of about [`BATCH_BYTES`], every block of a batch in
/// parallel, and hand each finished file to the sink. Two stages overlap: while the files of
/// one batch go to the sink (one thread: the tree, the spill, the file hook), the blocks of
/// the next are decoded on the other threads, so no core waits for the sink.
fn finish(
    fs: &dyn Layout,
    data: &Bytes,
    mut jobs: Vec<FileJob>,
    out: &mut Sink,
    mut problems: Problems,
) -> FormatResult<()> {
    let g = fs.geometry();
    let bs = g.block_size as u64;
    // Fragment blocks are decoded when a batch first needs them and dropped once the last
    // file that uses them is done: files come in directory order, which is the order
    // mksquashfs fills fragments in, so only a few blocks are alive at a time instead of
    // every small file of the image.
    let mut frag_uses: HashMap<u32, usize> = HashMap::new();
    for j in &jobs {
        if let Some((i, _)) = j.file.frag {
            *frag_uses.entry(i).or_default() += 1;
        }
    }
    let frag_bytes = (frag_uses.len() as u64).saturating_mul(bs);
    if let Err(e) = out.check_alloc("fragment blocks", frag_bytes) {
        problems.add(e.to_string());
        return problems.into_result();
    }
    let mut frags: HashMap<u32, Result<Bytes, String>> = HashMap::new();
    let mut reported_frags: HashSet<u32> = HashSet::new();
    jobs.reverse(); // pop from the end in directory order
    let Ok(first) = take_batch(&mut jobs, data, bs, out, &mut problems) else {
        return problems.into_result();
    };
    let mut pending = (!first.is_empty()).then(|| decode_batch(fs, data, first, &frags));
    while let Some(mut decoded) = pending.take() {
        let used: Vec<u32> = decoded
            .batch
            .iter()
            .filter_map(|j| j.file.frag.map(|f| f.0))
            .collect();
        frags.extend(std::mem::take(&mut decoded.new_frags));
        let files = assemble(decoded, &frags, bs);
        let Ok(next) = take_batch(&mut jobs, data, bs, out, &mut problems) else {
            let _ = sink_batch(files, out, &mut problems, &mut reported_frags);
            return problems.into_result();
        };
        let frags_now = &frags;
        let (sunk, decoded_next) = rayon::join(
            || sink_batch(files, out, &mut problems, &mut reported_frags),
            || (!next.is_empty()).then(|| decode_batch(fs, data, next, frags_now)),
        );
        if sunk.is_err() {
            return problems.into_result();
        }
        // the compressed blocks of this batch are done: hand the image's pages back when it is
        // a mapped file (a 1 GiB image would otherwise end up resident whole)
        crate::spool::release(data);
        // the buffers of the files that went to spill files are free again: give them back
        crate::spool::trim_heap();
        for i in used {
            if let Some(n) = frag_uses.get_mut(&i) {
                *n -= 1;
                if *n == 0 {
                    frags.remove(&i);
                }
            }
        }
        pending = decoded_next;
    }
    problems.into_result()
}

/// The tail of a file kept in a fragment block (`have` bytes of the file come from blocks).
fn frag_tail(
    frags: &HashMap<u32, Result<Bytes, String>>,
    f: &FileData,
    have: usize,
) -> Result<Option<Bytes>, String> {
    let Some((i, off)) = f.frag else {
        return Ok(None);
    };
    let want = (f.size as usize).saturating_sub(have);
    match frags.get(&i) {
        Some(Ok(b)) => {
            let s = off as usize;
            match s.checked_add(want).filter(|&e| e <= b.len()) {
                Some(e) => Ok(Some(b.slice(s..e))),
                None => Err(format!(
                    "fragment {i}: {want} bytes at offset {off} run past its {} bytes",
                    b.len()
                )),
            }
        }
        Some(Err(e)) => Err(e.clone()),
        None => Err(format!("fragment {i} missing")),
    }
}

/// A file whose blocks are all stored uncompressed, contiguous and not sparse, and that has
/// no fragment, is a slice of the image: no copy.
fn stored_slice(data: &Bytes, f: &FileData, bs: u64) -> Option<Bytes> {
    if f.frag.is_some() || f.blocks.is_empty() {
        return None;
    }
    let mut total = 0u64;
    for (i, w) in f.blocks.iter().enumerate() {
        let len = (w & !BLOCK_STORED) as u64;
        let expect = bs.min(f.size.saturating_sub(i as u64 * bs));
        if w & BLOCK_STORED == 0 || len != expect {
            return None;
        }
        total += len;
    }
    let s = f.start as usize;
    let e = s.checked_add(total as usize)?;
    (e <= data.len()).then(|| data.slice(s..e))
}

#[cfg(test)]
mod lzo_regression {
    /// Found by fuzzing (`unpack_filesystem`): an LZO block whose first match reaches before
    /// the start of the output made the former decoder (lzokay-native) index out of bounds inside `identify`,
    /// which took the whole process down. Now an error for that block.
    #[test]
    fn lzo_back_reference_before_output_is_an_error() {
        // one literal 'a', then an M2 match (0x7c) at distance (0xff << 3) + 7 + 1
        let src = [0x12, b'a', 0x7c, 0xff, 0x11, 0x00, 0x00];
        let mut dst = vec![0u8; 8192];
        let r = super::decode(super::Codec::Lzo, &src, &mut dst, false);
        assert!(r.is_err(), "{r:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use crate::tree::{EntryKind, Tree};
    use backhand::compression::Compressor;
    use backhand::kind::Kind;
    use backhand::{FilesystemCompressor, FilesystemWriter, NodeHeader};
    use netvet_testkit::Comp;
    use std::io::{Cursor, Write};

    fn hdr(mode: u16, uid: u32, gid: u32) -> NodeHeader {
        NodeHeader::new(mode, uid, gid, 1_700_000_000)
    }

    /// 300 KiB of text that does not repeat (several blocks), plus small files in fragments.
    fn big_text() -> Vec<u8> {
        let mut v = Vec::new();
        let mut i = 0u64;
        while v.len() < 300 * 1024 {
            v.extend_from_slice(
                format!("line {i} {}\n", i.wrapping_mul(0x9e37_79b9_7f4a_7c15)).as_bytes(),
            );
            i += 1;
        }
        v
    }

    fn build(xz: bool, be: bool) -> Vec<u8> {
        let big = big_text();
        let mut fs = FilesystemWriter::default();
        let c = netvet_testkit::codec(if xz { Comp::Xz } else { Comp::Gzip });
        let mut kind = Kind::new_v4(c);
        if be {
            kind = kind
                .with_magic(backhand::kind::Magic::Big)
                .with_all_endian(backhand::kind::Endian::Big);
        }
        fs.set_kind(kind);
        let id = if xz { Compressor::Xz } else { Compressor::Gzip };
        fs.set_compressor(FilesystemCompressor::new(id, None).unwrap());
        fs.set_block_size(65536);
        fs.set_root_mode(0o755);
        fs.push_dir("etc", hdr(0o755, 0, 0)).unwrap();
        fs.push_file(
            Cursor::new(b"root:x:0:0:root:/root:/bin/sh\n".to_vec()),
            "etc/passwd",
            hdr(0o644, 0, 0),
        )
        .unwrap();
        fs.push_file(
            Cursor::new(b"root:$1$abc$xyz:0:0::::\n".to_vec()),
            "etc/shadow",
            hdr(0o600, 0, 42),
        )
        .unwrap();
        fs.push_dir("bin", hdr(0o755, 0, 0)).unwrap();
        fs.push_file(Cursor::new(big), "bin/big.txt", hdr(0o4755, 1000, 1001))
            .unwrap();
        fs.push_symlink("big.txt", "bin/sh", hdr(0o777, 0, 0))
            .unwrap();
        fs.push_dir("dev", hdr(0o755, 0, 0)).unwrap();
        fs.push_char_device((5 << 8) | 1, "dev/console", hdr(0o600, 0, 5))
            .unwrap();
        fs.push_fifo("dev/initctl", hdr(0o600, 0, 0)).unwrap();
        fs.push_file(Cursor::new(Vec::new()), "empty", hdr(0o644, 0, 0))
            .unwrap();
        let mut out = Cursor::new(Vec::new());
        fs.write(&mut out).unwrap();
        out.into_inner()
    }

    fn unpack(img: Vec<u8>) -> Tree {
        Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img))
    }

    fn check_round_trip(t: &Tree, variant: &str) {
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.layers[0].format, "squashfs");
        assert_eq!(t.layers[0].variant, variant);
        let p = t.get("0x0.squashfs/etc/passwd").expect("passwd");
        assert_eq!(&p.data[..], b"root:x:0:0:root:/root:/bin/sh\n");
        assert_eq!(p.meta.mode, 0o644);
        let s = t.get("0x0.squashfs/etc/shadow").expect("shadow");
        assert_eq!((s.meta.mode, s.meta.uid, s.meta.gid), (0o600, 0, 42));
        assert_eq!(s.meta.mtime, 1_700_000_000);
        let b = t.get("0x0.squashfs/bin/big.txt").expect("big");
        assert_eq!(&b.data[..], &big_text()[..]);
        assert_eq!((b.meta.mode, b.meta.uid, b.meta.gid), (0o4755, 1000, 1001));
        let l = t.get("0x0.squashfs/bin/sh").expect("symlink");
        assert_eq!(l.kind, EntryKind::Symlink);
        assert_eq!(l.link_target.as_deref(), Some("big.txt"));
        assert_eq!(t.content(l).len(), b.data.len());
        let c = t.get("0x0.squashfs/dev/console").expect("console");
        assert_eq!((c.kind, c.meta.gid), (EntryKind::CharDevice, 5));
        assert_eq!(
            t.get("0x0.squashfs/dev/initctl").unwrap().kind,
            EntryKind::Fifo
        );
        assert_eq!(t.get("0x0.squashfs/empty").unwrap().size, 0);
        assert_eq!(t.get("0x0.squashfs/etc").unwrap().kind, EntryKind::Dir);
    }

    #[test]
    fn round_trip_gzip_le() {
        check_round_trip(&unpack(build(false, false)), "squashfs 4.0 le gzip");
    }

    #[test]
    fn round_trip_xz_le() {
        check_round_trip(&unpack(build(true, false)), "squashfs 4.0 le xz");
    }

    #[test]
    fn round_trip_gzip_be() {
        check_round_trip(&unpack(build(false, true)), "squashfs 4.0 be gzip");
    }

    #[test]
    fn carved_after_a_header() {
        let mut img = vec![0xffu8; 4096];
        img.extend(build(false, false));
        img.extend(vec![0u8; 4096]);
        let t = unpack(img);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.layers[0].path, "0x1000.squashfs");
        assert_eq!(
            &t.get("0x1000.squashfs/etc/passwd").unwrap().data[..],
            b"root:x:0:0:root:/root:/bin/sh\n"
        );
    }

    #[test]
    fn many_batches_share_fragments_and_keep_every_content() {
        // 60 small files (fragments, several to a fragment block) between large ones: with
        // 64 KiB batches in tests, about 20 batches overlap (sink of one, decoding of the
        // next) and fragment blocks are used by files of consecutive batches
        let content = |i: usize| -> Vec<u8> {
            let n = if i.is_multiple_of(10) {
                150_000 + i
            } else {
                9_000 + 37 * i
            };
            (0..n)
                .map(|k| b"abcdefghijklmnopqrstuvwxyz\n"[(k * 7 + i) % 27])
                .collect()
        };
        let mut fs = FilesystemWriter::default();
        fs.set_kind(Kind::new_v4(netvet_testkit::codec(Comp::Gzip)));
        fs.set_compressor(FilesystemCompressor::new(Compressor::Gzip, None).unwrap());
        fs.set_block_size(65536);
        fs.push_dir("d", hdr(0o755, 0, 0)).unwrap();
        for i in 0..60 {
            fs.push_file(
                Cursor::new(content(i)),
                format!("d/f{i:02}"),
                hdr(0o644, 0, 0),
            )
            .unwrap();
        }
        let mut out = Cursor::new(Vec::new());
        fs.write(&mut out).unwrap();
        let t = unpack(out.into_inner());
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        for i in 0..60 {
            let e = t
                .get(&format!("0x0.squashfs/d/f{i:02}"))
                .unwrap_or_else(|| panic!("f{i:02}"));
            assert_eq!(&e.data[..], &content(i)[..], "f{i:02}");
        }
        assert_eq!(t.file_count(), 60);
    }

    /// Position of `needle` in `hay` (test helper).
    fn find(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len())
            .position(|w| w == needle)
            .expect("needle")
    }

    #[test]
    fn corrupt_data_block_keeps_the_other_files() {
        let mut img = build(false, false);
        // the first data block of big.txt is the first zlib stream after the superblock
        let at = 96 + find(&img[96..], &[0x78]);
        for b in &mut img[at + 10..at + 60] {
            *b ^= 0x5a;
        }
        let t = unpack(img);
        assert!(
            t.errors.iter().any(|e| e.error.contains("bin/big.txt")),
            "{:?}",
            t.errors
        );
        assert_eq!(
            &t.get("0x0.squashfs/etc/passwd").unwrap().data[..],
            b"root:x:0:0:root:/root:/bin/sh\n"
        );
    }

    #[test]
    fn truncated_image_does_not_panic() {
        let img = build(true, false);
        for cut in [100, 1000, img.len() / 2, img.len() - 200, img.len() - 1] {
            let t = unpack(img[..cut].to_vec());
            // whatever is found, nothing panicked and no file has the wrong content
            if let Some(p) = t.get("0x0.squashfs/etc/passwd") {
                assert!(p.data.is_empty() || &p.data[..] == b"root:x:0:0:root:/root:/bin/sh\n");
            }
            assert!(
                t.errors.iter().all(|e| !e.error.contains("internal error")),
                "{:?}",
                t.errors
            );
        }
    }

    /// Rewrite the superblock field at `off` (little-endian).
    fn patch(img: &mut [u8], off: usize, v: &[u8]) {
        img[off..off + v.len()].copy_from_slice(v);
    }

    #[test]
    fn hostile_tables_are_bounded() {
        // a fragment table pointing outside the image
        let mut img = build(false, false);
        let n = img.len() as u64;
        patch(&mut img, 80, &(n + 0x1000).to_le_bytes());
        let t = unpack(img);
        assert!(
            t.errors.iter().any(|e| e.error.contains("fragment")),
            "{:?}",
            t.errors
        );
        assert_eq!(
            t.get("0x0.squashfs/bin/big.txt").unwrap().size,
            big_text().len() as u64
        );
        // an inode count of 2^32-1: only a bound, nothing is allocated from it
        let mut img = build(false, false);
        patch(&mut img, 4, &u32::MAX.to_le_bytes());
        let t = unpack(img);
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(
            &t.get("0x0.squashfs/etc/passwd").unwrap().data[..],
            b"root:x:0:0:root:/root:/bin/sh\n"
        );
        // 2^32-1 fragments: the index would lie past the end; recorded, entries still listed
        let mut img = build(false, false);
        patch(&mut img, 16, &u32::MAX.to_le_bytes());
        let t = unpack(img);
        assert!(
            t.errors.iter().any(|e| e.error.contains("fragment table")),
            "{:?}",
            t.errors
        );
        assert!(t.get("0x0.squashfs/etc/passwd").is_some());
        assert_eq!(
            t.get("0x0.squashfs/dev/console").unwrap().kind,
            EntryKind::CharDevice
        );
    }

    #[test]
    fn directory_cycle_is_cut() {
        // a layout whose every directory also lists the root directory again
        let img0 = build(false, false);
        struct Cyclic(V4);
        impl Layout for Cyclic {
            fn geometry(&self) -> &Geometry {
                self.0.geometry()
            }
            fn codec(&self) -> Codec {
                self.0.codec()
            }
            fn inode(&self, r: u64) -> FormatResult<Inode> {
                self.0.inode(r)
            }
            fn dir(&self, b: u64, o: usize, s: u64) -> FormatResult<Vec<DirEntry>> {
                let mut l = self.0.dir(b, o, s)?;
                l.push(DirEntry {
                    name: b"loop".to_vec(),
                    inode: self.0.g.root,
                });
                Ok(l)
            }
            fn fragment(&self, i: u32) -> FormatResult<(u64, u32)> {
                self.0.fragment(i)
            }
            fn warnings(&self) -> Vec<String> {
                vec![]
            }
        }
        let data = Bytes::from(img0);
        let cyc = Cyclic(V4::open(&data, false).unwrap());
        let u = Unpacker::new(Limits::default());
        let ctx_tree = {
            // run through a real Sink by wrapping the layout in a one-off handler
            struct H(std::sync::Mutex<Option<Cyclic>>);
            static DOC2: FormatDoc = FormatDoc {
                name: "squashfs",
                category: Category::Filesystem,
                description: "",
                references: &[],
                limitations: "",
            };
            impl Handler for H {
                fn doc(&self) -> &'static FormatDoc {
                    &DOC2
                }
                fn magics(&self) -> &'static [Magic] {
                    static M: [Magic; 1] = [Magic::at0(b"hsqs")];
                    &M
                }
                fn identify(&self, d: &[u8], s: usize, p: &Probe) -> Option<Chunk> {
                    Squashfs.identify(d, s, p)
                }
                fn extract(&self, data: &Bytes, _c: &Chunk, out: &mut Sink) -> FormatResult<()> {
                    let fs = self.0.lock().unwrap().take().unwrap();
                    extract_fs(&fs, data, out)
                }
            }
            let h: crate::handler::HandlerRef =
                std::sync::Arc::new(H(std::sync::Mutex::new(Some(cyc))));
            Unpacker::with_handlers(u.limits().clone(), vec![h]).unpack_bytes(data.clone())
        };
        let t = ctx_tree;
        assert!(
            t.errors.iter().any(|e| e.error.contains("already listed")),
            "{:?}",
            t.errors
        );
        // every real directory is still there exactly once, no endless "loop/loop/..."
        assert!(t.get("0x0.squashfs/etc/passwd").is_some());
        assert!(t.get("0x0.squashfs/loop/etc").is_none());
        assert!(t.entries.len() < 20);
    }

    #[test]
    fn names_with_dot_dot_are_refused() {
        assert_eq!(name_ok(b".."), None);
        assert_eq!(name_ok(b"a/b"), None);
        assert_eq!(name_ok(b"ok"), Some("ok".into()));
    }

    #[test]
    fn lzma_variants_are_detected() {
        let text = big_text();
        let block = &text[..8192];
        // lzma-alone with size
        let mut alone = Vec::new();
        {
            let opts = lzma_rust2::LzmaOptions::with_preset(6);
            let mut w =
                lzma_rust2::LzmaWriter::new_use_header(&mut alone, &opts, Some(block.len() as u64))
                    .unwrap();
            w.write_all(block).unwrap();
            w.finish().unwrap();
        }
        assert_eq!(detect_lzma(&alone, 8192, false), Some(LzmaKind::Alone));
        // 5-byte header (props + dictionary) and the raw stream
        let mut h5 = alone[..5].to_vec();
        h5.extend_from_slice(&alone[13..]);
        assert_eq!(detect_lzma(&h5, 8192, true), Some(LzmaKind::Header5));
        let mut out = vec![0u8; 8192];
        assert_eq!(
            decode(Codec::Lzma(LzmaKind::Header5), &h5, &mut out, true),
            Ok(8192)
        );
        assert_eq!(&out[..], block);
        // raw stream with the usual properties
        let raw = &alone[13..];
        let k = detect_lzma(raw, 8192, true).expect("raw");
        assert!(matches!(k, LzmaKind::Raw { props: 0x5d, .. }));
    }
}
