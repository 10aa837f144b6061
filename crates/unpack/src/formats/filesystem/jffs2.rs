//! JFFS2, the journalling flash file system (little- and big-endian images): a log of nodes.
//! Directory entries (dirents) link a name in a parent inode to an inode number; inode nodes
//! carry metadata and a (compressed) range of the file's data. For every (parent, name) and
//! every data range the node with the highest version wins.
//!
//! Written by hand: no maintained Rust crate reads JFFS2 images. Decompressors: flate2
//! (zlib), lzma-rust2 (OpenWrt's raw LZMA), `crate::lzo1x` (LZO1X); rtime is ten lines here.
//!
//! ```text
//! 00000000  85 19 03 20 0c 00 00 00  b1 b0 1e e4 ff ff ff ff  |... ............|   clean marker
//! 0000000c  85 19 01 e0 3a 00 00 00  ...                                          dirent
//! struct jffs2_unknown_node {    // every node; 4-byte aligned; byte order of the image
//!     u16 magic = 0x1985;
//!     u16 nodetype;              // 0xe001 dirent, 0xe002 inode, 0x2003 clean marker,
//!                                // 0x2004 padding, 0x2006 summary; 0x2000 bit clear = obsolete
//!     u32 totlen;                // node length including this header
//!     u32 hdr_crc;               // crc32 (seed 0, no inversion) of the 8 bytes above
//! };
//! struct jffs2_raw_dirent {      // header, then:
//!     u32 pino, version, ino, mctime; u8 nsize, type, unused[2];
//!     u32 node_crc;              // of the 32 bytes before it
//!     u32 name_crc; u8 name[nsize];
//! };
//! struct jffs2_raw_inode {       // header, then:
//!     u32 ino, version, mode; u16 uid, gid; u32 isize, atime, mtime, ctime;
//!     u32 offset, csize, dsize; u8 compr, usercompr; u16 flags;
//!     u32 data_crc, node_crc;    // node_crc: of the 60 bytes before it
//!     u8 data[csize];            // compr: 0 none, 1 zero, 2 rtime, 6 zlib, 7 lzo, 8 lzma
//! };
//! ```

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "jffs2",
    category: Category::Filesystem,
    description: "JFFS2 image, little- or big-endian: files, directories, symlinks, devices and \
                  hard links rebuilt from the latest dirent and inode nodes; compression none, \
                  zero, rtime, zlib, LZO and OpenWrt's raw LZMA.",
    references: &[
        "Linux include/uapi/linux/jffs2.h, fs/jffs2/ (compr_rtime.c, nodelist.h)",
        "OpenWrt target/linux/generic/pending-*/530-jffs2_make_lzma_available.patch",
    ],
    limitations: "rubin/dynrubin compression and xattr nodes are not read (recorded as \
                  errors); summary nodes are skipped (the full node scan does not need them).",
};

const DIRENT: u16 = 0xe001;
const INODE: u16 = 0xe002;
const ACCURATE: u16 = 0x2000;
/// Largest data a single inode node may carry (the kernel uses one page, 4 KiB; be lenient).
const MAX_NODE_DATA: u32 = 1 << 20;
/// Deepest directory nesting followed when building paths.
const MAX_DEPTH: usize = 256;

pub struct Jffs2;

#[derive(Clone, Copy)]
struct Endian {
    big: bool,
}

impl Endian {
    fn u16(self, d: &[u8], at: usize) -> Option<u16> {
        crate::bytes::u16_at(d, at, self.big)
    }
    fn u32(self, d: &[u8], at: usize) -> Option<u32> {
        crate::bytes::u32_at(d, at, self.big)
    }
}

/// JFFS2's crc32: the kernel's `crc32(0, ...)` (seed 0, no pre- or post-inversion).
fn crc(data: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new_with_initial(0xffff_ffff);
    h.update(data);
    !h.finalize()
}

/// A node with a valid header at `pos`: (type, total length).
fn node_at(d: &[u8], pos: usize, e: Endian) -> Option<(u16, usize)> {
    if e.u16(d, pos)? != 0x1985 {
        return None;
    }
    let kind = e.u16(d, pos + 2)?;
    let len = e.u32(d, pos + 4)? as usize;
    if crc(d.get(pos..pos + 8)?) != e.u32(d, pos + 8)? {
        return None;
    }
    if len < 12 || len > d.len() - pos {
        return None;
    }
    Some((kind, len))
}

/// Walk the node log from `start`: (position, type, length) of every node and the end of
/// the last one. Runs of erased flash (0xff) between nodes are skipped.
fn scan(d: &[u8], start: usize, e: Endian) -> (Vec<(usize, u16, usize)>, usize) {
    let mut nodes = Vec::new();
    let mut pos = start;
    let mut end = start;
    while pos + 12 <= d.len() {
        if let Some((kind, len)) = node_at(d, pos, e) {
            nodes.push((pos, kind, len));
            pos += (len + 3) & !3;
            end = pos.min(d.len());
            continue;
        }
        // erased space: skip to the next non-0xff word
        if d[pos] == 0xff {
            match d[pos..].iter().position(|&b| b != 0xff) {
                Some(n) => {
                    let next = (pos + n) & !3;
                    if next <= pos {
                        break;
                    }
                    pos = next;
                    continue;
                }
                None => break,
            }
        }
        break;
    }
    (nodes, end)
}

fn endian_at(d: &[u8], start: usize) -> Option<Endian> {
    match d.get(start..start + 2)? {
        [0x85, 0x19] => Some(Endian { big: false }),
        [0x19, 0x85] => Some(Endian { big: true }),
        _ => None,
    }
}

impl Handler for Jffs2 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 6] = [
            Magic::at0(b"\x85\x19\x03\x20"),
            Magic::at0(b"\x85\x19\x01\xe0"),
            Magic::at0(b"\x85\x19\x02\xe0"),
            Magic::at0(b"\x19\x85\x20\x03"),
            Magic::at0(b"\x19\x85\xe0\x01"),
            Magic::at0(b"\x19\x85\xe0\x02"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let e = endian_at(data, start)?;
        let (nodes, end) = scan(data, start, e);
        if nodes.is_empty() || nodes[0].0 != start {
            return None;
        }
        Some(Chunk {
            checks: Vec::new(),
            start,
            end,
            decoded: None,
            truncated: false,
            variant: if e.big { "be" } else { "le" }.into(),
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(e) = endian_at(data, 0) else {
            return invalid("no JFFS2 node at the start");
        };
        let (nodes, _) = scan(data, 0, e);
        let mut fs = Fs::default();
        for &(pos, kind, len) in &nodes {
            if kind & ACCURATE == 0 {
                continue; // obsoleted node
            }
            let node = &data[pos..pos + len];
            let r = match kind {
                DIRENT => fs.dirent(node, e),
                INODE => fs.inode(node, pos, e),
                _ => Ok(()),
            };
            if let Err(msg) = r {
                fs.warn(format!("node at {pos:#x}: {msg}"));
            }
        }
        fs.emit(data, out)
    }
}

struct Dirent {
    version: u32,
    ino: u32,
    dtype: u8,
}

struct DataNode {
    version: u32,
    offset: u32,
    dsize: u32,
    compr: u8,
    /// Range of the compressed data in the image.
    data: std::ops::Range<usize>,
    pos: usize,
}

#[derive(Default)]
struct Inode {
    /// (version, mode, uid, gid, isize, mtime) of the latest node.
    latest: Option<(u32, u32, u32, u32, u32, u32)>,
    nodes: Vec<DataNode>,
}

#[derive(Default)]
struct Fs {
    /// (parent inode, name) -> latest dirent
    dirents: BTreeMap<(u32, String), Dirent>,
    inodes: HashMap<u32, Inode>,
    warnings: Vec<String>,
    warned: usize,
}

impl Fs {
    fn warn(&mut self, msg: String) {
        self.warned += 1;
        if self.warnings.len() < 8 {
            self.warnings.push(msg);
        }
    }

    fn dirent(&mut self, n: &[u8], e: Endian) -> Result<(), String> {
        let hdr = n.get(..40).ok_or("dirent shorter than its header")?;
        if crc(&hdr[..32]) != e.u32(hdr, 32).unwrap_or(0) {
            return Err("dirent node CRC mismatch".into());
        }
        let nsize = hdr[28] as usize;
        let name = n
            .get(40..40 + nsize)
            .ok_or("dirent name runs past the node")?;
        if crc(name) != e.u32(hdr, 36).unwrap_or(0) {
            return Err("dirent name CRC mismatch".into());
        }
        let pino = e.u32(hdr, 12).unwrap_or(0);
        let version = e.u32(hdr, 16).unwrap_or(0);
        let ino = e.u32(hdr, 20).unwrap_or(0);
        let name = String::from_utf8_lossy(name).into_owned();
        let key = (pino, name);
        if self.dirents.get(&key).is_none_or(|d| d.version <= version) {
            self.dirents.insert(
                key,
                Dirent {
                    version,
                    ino,
                    dtype: hdr[29],
                },
            );
        }
        Ok(())
    }

    fn inode(&mut self, n: &[u8], pos: usize, e: Endian) -> Result<(), String> {
        let hdr = n.get(..68).ok_or("inode shorter than its header")?;
        if crc(&hdr[..60]) != e.u32(hdr, 64).unwrap_or(0) {
            return Err("inode node CRC mismatch".into());
        }
        let g = |at| e.u32(hdr, at).unwrap_or(0);
        let g16 = |at| e.u16(hdr, at).unwrap_or(0) as u32;
        let (ino, version, mode) = (g(12), g(16), g(20));
        let (uid, gid, isize, mtime) = (g16(24), g16(26), g(28), g(36));
        let (offset, csize, dsize) = (g(44), g(48), g(52));
        let compr = hdr[56];
        let entry = self.inodes.entry(ino).or_default();
        if entry.latest.is_none_or(|l| l.0 <= version) {
            entry.latest = Some((version, mode, uid, gid, isize, mtime));
        }
        if dsize == 0 {
            return Ok(());
        }
        if dsize > MAX_NODE_DATA {
            return Err(format!(
                "inode {ino} claims {dsize} bytes of data in one node (at most {MAX_NODE_DATA})"
            ));
        }
        let cs = if compr == 1 { 0 } else { csize as usize };
        let body = n
            .get(68..68usize.saturating_add(cs))
            .ok_or_else(|| format!("inode {ino}: {csize} bytes of data run past the node"))?;
        if compr != 1 && crc(body) != g(60) {
            return Err(format!("inode {ino}: data CRC mismatch"));
        }
        entry.nodes.push(DataNode {
            version,
            offset,
            dsize,
            compr,
            data: pos + 68..pos + 68 + cs,
            pos,
        });
        Ok(())
    }

    /// Path of the directory with inode `ino` (root = 1 = ""), through live dirents.
    fn dir_path(&self, ino: u32, dir_of: &HashMap<u32, (u32, &str)>) -> Result<String, String> {
        let mut parts = Vec::new();
        let mut cur = ino;
        let mut seen = HashSet::new();
        while cur != 1 {
            if !seen.insert(cur) || parts.len() >= MAX_DEPTH {
                return Err(format!(
                    "directory loop or nesting deeper than {MAX_DEPTH} at inode {ino}"
                ));
            }
            let (parent, name) = dir_of
                .get(&cur)
                .ok_or_else(|| format!("directory inode {cur} has no name"))?;
            parts.push(*name);
            cur = *parent;
        }
        parts.reverse();
        Ok(parts.join("/"))
    }

    fn content(&mut self, ino: u32, data: &Bytes, out: &mut Sink) -> FormatResult<Vec<u8>> {
        let Some(inode) = self.inodes.get_mut(&ino) else {
            return Ok(Vec::new());
        };
        let size = inode.latest.map(|l| l.4).unwrap_or(0) as u64;
        out.check_alloc(&format!("JFFS2 inode {ino}"), size)?;
        let mut buf = vec![0u8; size as usize];
        inode.nodes.sort_by_key(|n| n.version);
        let mut warns = Vec::new();
        for n in &inode.nodes {
            let src = &data[n.data.clone()];
            let piece = match decompress(n.compr, src, n.dsize as usize) {
                Ok(p) => p,
                Err(m) => {
                    warns.push(format!("node at {:#x} (inode {ino}): {m}", n.pos));
                    continue;
                }
            };
            let off = n.offset as usize;
            if off >= buf.len() {
                continue;
            }
            let take = piece.len().min(buf.len() - off);
            buf[off..off + take].copy_from_slice(&piece[..take]);
        }
        for w in warns {
            self.warn(w);
        }
        Ok(buf)
    }

    fn emit(mut self, data: &Bytes, out: &mut Sink) -> FormatResult<()> {
        // live names: the latest dirent per (parent, name) with a non-zero inode
        let live: Vec<((u32, String), u32, u8)> = self
            .dirents
            .iter()
            .filter(|(_, d)| d.ino != 0)
            .map(|(k, d)| (k.clone(), d.ino, d.dtype))
            .collect();
        let mode_of = |fs: &Fs, ino: u32| fs.inodes.get(&ino).and_then(|i| i.latest).map(|l| l.1);
        // a directory has one name; remember it for path building
        let mut dir_of: HashMap<u32, (u32, &str)> = HashMap::new();
        for ((pino, name), ino, dtype) in &live {
            let is_dir = match mode_of(&self, *ino) {
                Some(m) => m & 0o170000 == 0o040000,
                None => *dtype == 4,
            };
            if is_dir {
                dir_of.entry(*ino).or_insert((*pino, name.as_str()));
            }
        }
        let mut paths: Vec<(String, u32, u8)> = Vec::new();
        let mut bad = Vec::new();
        for ((pino, name), ino, dtype) in &live {
            match self.dir_path(*pino, &dir_of) {
                Ok(dir) if dir.is_empty() => paths.push((name.clone(), *ino, *dtype)),
                Ok(dir) => paths.push((format!("{dir}/{name}"), *ino, *dtype)),
                Err(m) => bad.push(format!("'{name}': {m}")),
            }
        }
        drop(dir_of);
        for b in bad {
            self.warn(b);
        }
        paths.sort();
        let mut first_name: HashMap<u32, String> = HashMap::new();
        for (path, ino, dtype) in paths {
            let (mode, uid, gid, mtime) = match self.inodes.get(&ino).and_then(|i| i.latest) {
                Some(l) => (l.1, l.2, l.3, l.5 as i64),
                None => (dtype_mode(dtype), 0, 0, 0),
            };
            let meta = Meta {
                mode: mode & 0o7777,
                uid,
                gid,
                mtime,
            };
            let r = match mode & 0o170000 {
                0o040000 => out.dir(&path, meta),
                0o120000 => match self.content(ino, data, out) {
                    Ok(t) => out.symlink(&path, meta, &String::from_utf8_lossy(&t)),
                    Err(e) => Err(e),
                },
                0o020000 => out.special(&path, EntryKind::CharDevice, meta),
                0o060000 => out.special(&path, EntryKind::BlockDevice, meta),
                0o010000 => out.special(&path, EntryKind::Fifo, meta),
                0o140000 => out.special(&path, EntryKind::Socket, meta),
                _ => {
                    if let Some(first) = first_name.get(&ino) {
                        out.hardlink(&path, meta, first)
                    } else {
                        first_name.insert(ino, path.clone());
                        match self.content(ino, data, out) {
                            Ok(buf) => out.file(&path, meta, buf),
                            Err(e) => Err(e),
                        }
                    }
                }
            };
            match r {
                Ok(()) => {}
                // one oversized file is recorded as a limit; the others may still fit
                Err(FormatError::Limit(m)) if m.contains("claims") => {}
                Err(e) => return Err(e),
            }
        }
        if self.warned > 0 {
            return invalid(format!(
                "{} damaged or unsupported node(s) skipped: {}",
                self.warned,
                self.warnings.join("; ")
            ));
        }
        Ok(())
    }
}

fn dtype_mode(dtype: u8) -> u32 {
    match dtype {
        4 => 0o040755,
        10 => 0o120777,
        2 => 0o020644,
        6 => 0o060644,
        1 => 0o010644,
        12 => 0o140644,
        _ => 0o100644,
    }
}

/// Decompress one node's data to exactly `dsize` bytes (`dsize` <= MAX_NODE_DATA).
fn decompress(compr: u8, src: &[u8], dsize: usize) -> Result<Vec<u8>, String> {
    let out = match compr {
        0 | 4 => src.to_vec(),
        1 => vec![0u8; dsize],
        2 => rtime(src, dsize)?,
        6 => {
            let mut v = Vec::new();
            flate2::read::ZlibDecoder::new(src)
                .take(dsize as u64 + 1)
                .read_to_end(&mut v)
                .map_err(|e| format!("zlib: {e}"))?;
            v
        }
        7 => {
            if src.len() > MAX_NODE_DATA as usize {
                return Err("LZO data larger than a node may be".into());
            }
            crate::lzo1x::decompress(src, dsize.saturating_add(1))?
        }
        8 => {
            // OpenWrt's JFFS2 LZMA: raw LZMA1, lc=0 lp=0 pb=0, 8 KiB dictionary
            let mut v = Vec::new();
            let r = lzma_rust2::LzmaReader::new(src, dsize as u64, 0, 0, 0, 0x2000, None)
                .map_err(|e| format!("lzma: {e}"))?;
            r.take(dsize as u64 + 1)
                .read_to_end(&mut v)
                .map_err(|e| format!("lzma: {e}"))?;
            v
        }
        3 | 5 => return Err("rubin compression is not supported".into()),
        c => return Err(format!("unknown compression {c}")),
    };
    if out.len() != dsize {
        return Err(format!(
            "compression {compr} gave {} bytes, node says {dsize}",
            out.len()
        ));
    }
    Ok(out)
}

/// JFFS2 "rtime": pairs of (byte, repeat count); the repeat copies from where that byte
/// value was last written.
fn rtime(src: &[u8], dsize: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(dsize);
    let mut last = [0usize; 256];
    let mut i = 0;
    while out.len() < dsize {
        let (Some(&value), Some(&repeat)) = (src.get(i), src.get(i + 1)) else {
            return Err("rtime data ends early".into());
        };
        i += 2;
        out.push(value);
        let back = last[value as usize];
        last[value as usize] = out.len();
        for k in 0..repeat as usize {
            if out.len() >= dsize {
                break;
            }
            let b = *out
                .get(back + k)
                .ok_or("rtime back reference out of range")?;
            out.push(b);
        }
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod build {
    //! A small JFFS2 writer for tests.
    use super::crc;

    pub struct Img {
        pub big: bool,
        pub buf: Vec<u8>,
        pub version: u32,
    }

    impl Img {
        pub fn new(big: bool) -> Img {
            let mut i = Img {
                big,
                buf: Vec::new(),
                version: 0,
            };
            // clean marker
            let mut n = i.hdr(0x2003, 12);
            i.fix_hdr(&mut n);
            i.buf.extend(n);
            i
        }
        fn w16(&self, v: u16) -> [u8; 2] {
            if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }
        fn w32(&self, v: u32) -> [u8; 4] {
            if self.big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        }
        fn hdr(&self, kind: u16, len: u32) -> Vec<u8> {
            let mut n = Vec::new();
            n.extend(self.w16(0x1985));
            n.extend(self.w16(kind));
            n.extend(self.w32(len));
            n.extend([0u8; 4]);
            self.fix_hdr(&mut n);
            n
        }
        fn fix_hdr(&self, n: &mut [u8]) {
            let c = crc(&n[..8]);
            n[8..12].copy_from_slice(&self.w32(c));
        }
        fn push(&mut self, n: Vec<u8>) {
            self.buf.extend(&n);
            while !self.buf.len().is_multiple_of(4) {
                self.buf.push(0xff);
            }
        }
        pub fn dirent(&mut self, pino: u32, ino: u32, name: &str, dtype: u8) {
            self.version += 1;
            let mut n = self.hdr(0xe001, 40 + name.len() as u32);
            for v in [pino, self.version, ino, 0] {
                n.extend(self.w32(v));
            }
            n.extend([name.len() as u8, dtype, 0, 0]);
            let c = crc(&n[..32]);
            n.extend(self.w32(c));
            n.extend(self.w32(crc(name.as_bytes())));
            n.extend(name.as_bytes());
            self.fix_hdr(&mut n);
            self.push(n);
        }
        #[allow(clippy::too_many_arguments)]
        pub fn inode(
            &mut self,
            ino: u32,
            mode: u32,
            isize: u32,
            offset: u32,
            compr: u8,
            cdata: &[u8],
            dsize: u32,
        ) {
            self.version += 1;
            let mut n = self.hdr(0xe002, 68 + cdata.len() as u32);
            for v in [ino, self.version, mode] {
                n.extend(self.w32(v));
            }
            n.extend(self.w16(0));
            n.extend(self.w16(0));
            for v in [
                isize,
                0,
                1_600_000_000,
                0,
                offset,
                cdata.len() as u32,
                dsize,
            ] {
                n.extend(self.w32(v));
            }
            n.extend([compr, 0, 0, 0]);
            n.extend(self.w32(crc(cdata)));
            let c = crc(&n[..60]);
            n.extend(self.w32(c));
            n.extend(cdata);
            self.fix_hdr(&mut n);
            self.push(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build::Img;
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    fn zlib(d: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(d).unwrap();
        e.finish().unwrap()
    }

    fn lzma_raw(d: &[u8]) -> Vec<u8> {
        let mut o = lzma_rust2::LzmaOptions::with_preset(6);
        o.lc = 0;
        o.lp = 0;
        o.pb = 0;
        o.dict_size = 0x2000;
        let mut w = lzma_rust2::LzmaWriter::new_no_header(Vec::new(), &o, false).unwrap();
        w.write_all(d).unwrap();
        w.finish().unwrap()
    }

    /// rtime encoding without repeats: every byte followed by a zero count
    fn rtime_plain(d: &[u8]) -> Vec<u8> {
        d.iter().flat_map(|&b| [b, 0]).collect()
    }

    fn sample(big: bool) -> Vec<u8> {
        let mut i = Img::new(big);
        let text = b"root:x:0:0:root:/root:/bin/ash\n".repeat(3);
        i.dirent(1, 2, "etc", 4);
        i.inode(2, 0o040755, 0, 0, 0, &[], 0);
        i.dirent(2, 3, "passwd", 8);
        // two data nodes: an old version of the first range, then the new one
        i.inode(3, 0o100644, text.len() as u32, 0, 0, &[b'X'; 10], 10);
        i.inode(3, 0o100644, text.len() as u32, 0, 6, &zlib(&text[..50]), 50);
        i.inode(
            3,
            0o100644,
            text.len() as u32,
            50,
            2,
            &rtime_plain(&text[50..]),
            (text.len() - 50) as u32,
        );
        i.dirent(1, 4, "sh", 10);
        i.inode(4, 0o120777, 12, 0, 0, b"/bin/busybox", 12);
        i.dirent(1, 5, "big.bin", 8);
        let zeros = vec![0u8; 3000];
        i.inode(5, 0o104755, 3000, 0, 8, &lzma_raw(&zeros), 3000);
        i.dirent(2, 6, "gone", 8);
        i.inode(6, 0o100600, 3, 0, 0, b"old", 3);
        i.dirent(2, 0, "gone", 8); // unlinked later
        i.dirent(2, 3, "passwd.link", 8); // hard link to inode 3
        i.inode(7, 0o100644, 5, 0, 1, &[], 5); // zero-compressed
        i.dirent(2, 7, "zeros", 8);
        i.buf
    }

    fn check(tree: &crate::tree::Tree, root: &str) {
        let text = b"root:x:0:0:root:/root:/bin/ash\n".repeat(3);
        let p = tree.get(&format!("{root}/etc/passwd")).expect("passwd");
        assert_eq!(&p.data[..], &text[..]);
        assert_eq!(p.meta.mode, 0o644);
        assert_eq!(p.meta.mtime, 1_600_000_000);
        assert_eq!(
            tree.get(&format!("{root}/sh"))
                .unwrap()
                .link_target
                .as_deref(),
            Some("/bin/busybox")
        );
        let b = tree.get(&format!("{root}/big.bin")).unwrap();
        assert_eq!(b.size, 3000);
        assert_eq!(b.meta.mode, 0o4755);
        assert!(tree.get(&format!("{root}/etc/gone")).is_none());
        assert_eq!(
            &tree.get(&format!("{root}/etc/passwd.link")).unwrap().data[..],
            &text[..]
        );
        assert_eq!(
            &tree.get(&format!("{root}/etc/zeros")).unwrap().data[..],
            &[0u8; 5]
        );
        assert_eq!(
            tree.get(&format!("{root}/etc")).unwrap().kind,
            EntryKind::Dir
        );
    }

    #[test]
    fn little_endian_image() {
        let mut img = vec![0u8; 16];
        img.extend(sample(false));
        img.extend(vec![0xffu8; 4096]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        check(&tree, "0x10.jffs2");
        assert_eq!(tree.layers[0].variant, "le");
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn big_endian_image_with_erased_gap() {
        let mut img = sample(true);
        // an erased stretch in the middle of the log (as at an erase block end)
        let mut i = Img::new(true);
        i.version = 100;
        i.dirent(1, 9, "late", 8);
        i.inode(9, 0o100644, 4, 0, 0, b"late", 4);
        img.extend(vec![0xffu8; 8192]);
        img.extend(i.buf);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        check(&tree, "0x0.jffs2");
        assert_eq!(&tree.get("0x0.jffs2/late").unwrap().data[..], b"late");
        assert_eq!(tree.layers[0].variant, "be");
        assert_eq!(tree.layers.len(), 1);
    }

    #[test]
    fn lzo_node() {
        let text = b"hello hello hello hello lzo world\n".repeat(20);
        let c = lzokay_native::compress(&text).unwrap();
        let mut i = Img::new(false);
        i.dirent(1, 2, "f", 8);
        i.inode(2, 0o100644, text.len() as u32, 0, 7, &c, text.len() as u32);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(i.buf));
        assert_eq!(&tree.get("0x0.jffs2/f").unwrap().data[..], &text[..]);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn hostile_sizes_loops_and_names() {
        let mut i = Img::new(false);
        // a file claiming 4 GiB
        i.dirent(1, 2, "huge", 8);
        i.inode(2, 0o100644, u32::MAX, 0, 0, b"abc", 3);
        // a node claiming 1 GiB of data in one node
        i.dirent(1, 3, "bignode", 8);
        i.inode(3, 0o100644, 10, 0, 6, &zlib(b"x"), 1 << 30);
        // a directory loop: 10 in 11, 11 in 10
        i.dirent(11, 10, "a", 4);
        i.inode(10, 0o040755, 0, 0, 0, &[], 0);
        i.dirent(10, 11, "b", 4);
        i.inode(11, 0o040755, 0, 0, 0, &[], 0);
        i.dirent(10, 12, "inloop", 8);
        // escaping names
        i.dirent(1, 13, "..", 8);
        i.inode(13, 0o100644, 2, 0, 0, b"ok", 2);
        // bad rtime and bad zlib
        i.dirent(1, 14, "badrtime", 8);
        i.inode(14, 0o100644, 100, 0, 2, &[1, 0, 2, 5], 100);
        i.dirent(1, 15, "badlzo", 8);
        i.inode(15, 0o100644, 100, 0, 7, &[0x11, 0, 0, 0x55, 0x55], 100);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(i.buf));
        assert!(tree.get("0x0.jffs2/huge").is_none());
        assert!(tree
            .limits_hit
            .iter()
            .any(|l| l.limit == "max-bytes" && l.detail.contains("inode 2 claims 4294967295")));
        // the oversized node is refused; the file keeps its size with zeros
        assert_eq!(&tree.get("0x0.jffs2/bignode").unwrap().data[..], &[0u8; 10]);
        assert!(tree.get("0x0.jffs2/a").is_none());
        let jerr: Vec<_> = tree.errors.iter().filter(|e| e.format == "jffs2").collect();
        assert_eq!(jerr.len(), 1, "{:?}", tree.errors);
        let msg = &jerr[0].error;
        assert!(
            msg.contains("claims 1073741824 bytes of data in one node"),
            "{msg}"
        );
        assert!(msg.contains("directory loop"), "{msg}");
        assert!(msg.contains("rtime data ends early"), "{msg}");
        assert!(msg.contains("(inode 15): compression 7"), "{msg}");
        // the '..' name is reported and nothing escaped the layer
        assert!(
            tree.errors.iter().any(|e| e.format == "path"),
            "{:?}",
            tree.errors
        );
        assert!(tree
            .entries
            .iter()
            .all(|e| e.path.starts_with("0x0.jffs2/")));
    }

    #[test]
    fn truncated_image_keeps_complete_nodes() {
        let img = sample(false);
        for cut in [13usize, 100, 333, img.len() / 2, img.len() - 3] {
            let tree =
                Unpacker::new(Limits::default()).unpack_bytes(Bytes::copy_from_slice(&img[..cut]));
            assert!(tree.layers.len() <= 1);
        }
    }
}
