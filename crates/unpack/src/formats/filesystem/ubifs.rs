//! UBIFS, the file system that runs on UBI volumes (found as a UBI volume file, or as a raw
//! `.ubifs` image made by mkfs.ubifs).
//!
//! Read by hand: no maintained Rust crate reads UBIFS. The reader finds the newest master
//! node, walks the index B-tree from its root (every index node entered once, levels must
//! decrease, node count bounded), collects the inode, directory-entry and data nodes it
//! points to, and rebuilds the tree from the root inode (1) with every directory entered once.
//!
//! ```text
//! 00000000  31 18 10 06 57 51 f7 aa  15 00 00 00 00 00 00 00  |1...WQ..........|
//! 00000010  00 10 00 00 06 00 00 00  00 00 00 00 00 00 00 00  |................|
//! struct ubifs_ch {            // little-endian common header of every node, 8-byte aligned
//!     u32 magic = 0x06101831;  // bytes 31 18 10 06
//!     u32 crc;                 // crc32 (init ~0, no final xor) of bytes 8..len
//!     u64 sqnum; u32 len; u8 node_type; u8 group_type; u8 pad[2];
//! };   // 0 inode, 1 data, 2 dent, 3 xent, 4 trun, 5 pad, 6 sb, 7 mst, 8 ref, 9 idx, 10 cs
//! struct ubifs_sb_node {       // LEB 0
//!     ch; u8 pad[2]; u8 key_hash; u8 key_fmt; u32 flags; u32 min_io_size;
//!     u32 leb_size; u32 leb_cnt; u32 max_leb_cnt; u64 max_bud_bytes; u32 log_lebs, lpt_lebs,
//!     orph_lebs, jhead_cnt, fanout, lsave_cnt, fmt_version; u16 default_compr; ...
//! };
//! struct ubifs_mst_node {      // LEB 1 and 2, the copy with the highest sqnum wins
//!     ch; u64 highest_inum, cmt_no; u32 flags, log_lnum, root_lnum, root_offs, root_len; ...
//! };
//! struct ubifs_idx_node { ch; u16 child_cnt; u16 level;
//!     struct { u32 lnum, offs, len; u8 key[8]; } branch[child_cnt]; };
//! // key: u32 inum; u32 (type << 29 | block number or name hash)
//! struct ubifs_ino_node { ch; u8 key[16]; u64 creat_sqnum, size, atime, ctime, mtime;
//!     u32 atime_ns, ctime_ns, mtime_ns, nlink, uid, gid, mode, flags, data_len, xattr_cnt,
//!     xattr_size; u8 pad[4]; u32 xattr_names; u16 compr_type; u8 pad[26];
//!     u8 data[data_len];       // at 160: symlink target or device number
//! };
//! struct ubifs_dent_node { ch; u8 key[16]; u64 inum; u8 pad; u8 type; u16 nlen; u32 cookie;
//!     char name[nlen]; };      // at 56; type 0 reg 1 dir 2 lnk 3 blk 4 chr 5 fifo 6 sock
//! struct ubifs_data_node { ch; u8 key[16]; u32 size; u16 compr_type; u16 compr_size;
//!     u8 data[]; };            // at 48; 4096-byte blocks; compr 0 none 1 lzo 2 zlib 3 zstd
//! ```

use bytes::Bytes;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;

use crate::bytes::{le16, le32, le64};
use crate::formats::filesystem::ubi::mtd_crc;
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

const MAGIC: u32 = 0x0610_1831;
const BLOCK: u64 = 4096;
const T_INO: u8 = 0;
const T_DATA: u8 = 1;
const T_DENT: u8 = 2;
const T_SB: u8 = 6;
const T_MST: u8 = 7;
const T_IDX: u8 = 9;
const ROOT_INO: u64 = 1;
/// Most index nodes walked.
const MAX_INDEX_NODES: usize = 1 << 20;
/// Deepest index tree accepted (real trees are a handful of levels).
const MAX_LEVEL: u16 = 64;
const MAX_DEPTH: usize = 128;
const MAX_ERRORS: usize = 32;
const FLG_AUTHENTICATION: u32 = 0x20;
const FLG_ENCRYPTION: u32 = 0x10;

pub static DOC: FormatDoc = FormatDoc {
    name: "ubifs",
    category: Category::Filesystem,
    description: "UBIFS image or volume: index B-tree walk from the newest master node; files \
                  (none/LZO/zlib/zstd data nodes), directories, symlinks, devices, FIFOs, \
                  sockets and hard links with mode, uid/gid and mtime.",
    references: &[
        "Linux fs/ubifs/ubifs-media.h",
        "http://www.linux-mtd.infradead.org/doc/ubifs.html",
    ],
    limitations: "The journal (nodes written after the last commit) is not replayed; \
                  authenticated and encrypted file systems are not read; extended attributes \
                  are skipped.",
};

#[derive(Debug, Clone, Copy)]
struct Sb {
    leb_size: u64,
    leb_cnt: u64,
    flags: u32,
}

/// A node at `d[0..]` whose header is valid and whose CRC matches: (type, len, sqnum).
fn node(d: &[u8]) -> Result<(u8, usize, u64), String> {
    // struct ubifs_ch: u32 magic, u32 crc, u64 sqnum, u32 len, u8 node_type, ... (24 bytes)
    let (Some(magic), Some(crc), Some(sqnum), Some(len), Some(&t)) =
        (le32(d, 0), le32(d, 4), le64(d, 8), le32(d, 16), d.get(20))
    else {
        return Err("no node magic".into());
    };
    if d.len() < 24 || magic != MAGIC {
        return Err("no node magic".into());
    }
    let len = len as usize;
    if len < 24 || len > d.len() {
        return Err(format!("node claims {len} bytes, {} available", d.len()));
    }
    if mtd_crc(&d[8..len]) != crc {
        return Err("node CRC mismatch".into());
    }
    Ok((t, len, sqnum))
}

fn superblock(d: &[u8]) -> Option<Sb> {
    let (t, len, _) = node(d.get(..4096.min(d.len()))?).ok()?;
    if t != T_SB || len < 84 {
        return None;
    }
    let leb_size = le32(d, 36)? as u64;
    let leb_cnt = le32(d, 40)? as u64;
    let min_io = le32(d, 32)? as u64;
    if !(4096..=(16 << 20)).contains(&leb_size)
        || leb_cnt < 4
        || min_io == 0
        || !leb_size.is_multiple_of(min_io)
    {
        return None;
    }
    Some(Sb {
        leb_size,
        leb_cnt,
        flags: le32(d, 28)?,
    })
}

struct Inode {
    size: u64,
    mtime: i64,
    uid: u32,
    gid: u32,
    mode: u32,
    data: Vec<u8>,
}

struct Fs<'a> {
    d: &'a [u8],
    sb: Sb,
    errors: Vec<String>,
}

impl<'a> Fs<'a> {
    fn err(&mut self, msg: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg);
        }
    }

    /// The node at LEB `lnum`, offset `offs`: bytes `[0..len)` after checks.
    fn at(&self, lnum: u32, offs: u32) -> Result<(u8, &'a [u8]), String> {
        if lnum as u64 >= self.sb.leb_cnt || offs as u64 >= self.sb.leb_size {
            return Err(format!(
                "node address {lnum}:{offs} outside the file system"
            ));
        }
        let start = lnum as u64 * self.sb.leb_size + offs as u64;
        let leb_end = (lnum as u64 + 1) * self.sb.leb_size;
        let all: &'a [u8] = self.d;
        let d = all
            .get(start as usize..(leb_end as usize).min(all.len()))
            .ok_or_else(|| format!("node {lnum}:{offs} past the end of the image"))?;
        let (t, len, _) = node(d).map_err(|e| format!("node {lnum}:{offs}: {e}"))?;
        Ok((t, &d[..len]))
    }

    /// The newest valid master node in LEB 1 and 2.
    fn master(&self) -> Option<(u32, u32)> {
        let mut best: Option<(u64, u32, u32)> = None;
        for lnum in 1..=2u64 {
            let base = lnum * self.sb.leb_size;
            let mut off = 0u64;
            while off + 24 <= self.sb.leb_size {
                let Some(d) = self.d.get(
                    (base + off) as usize
                        ..(base + self.sb.leb_size).min(self.d.len() as u64) as usize,
                ) else {
                    break;
                };
                let Ok((t, len, sqnum)) = node(d) else { break };
                if t == T_MST && len >= 60 && best.is_none_or(|b| sqnum > b.0) {
                    // root_lnum, root_offs of struct ubifs_mst_node (inside: len >= 60)
                    if let (Some(lnum), Some(offs)) = (le32(d, 48), le32(d, 52)) {
                        best = Some((sqnum, lnum, offs));
                    }
                }
                off += (len as u64).div_ceil(8) * 8;
            }
        }
        best.map(|b| (b.1, b.2))
    }

    fn decompress(&mut self, compr: u16, src: &[u8], size: usize, what: &str) -> Vec<u8> {
        let res: Result<Vec<u8>, String> = match compr {
            0 => Ok(src.to_vec()),
            // one byte past the size, so that a longer block is reported as such below
            1 => crate::lzo1x::decompress(src, size.saturating_add(1)),
            2 => {
                let mut v = Vec::new();
                flate2::read::DeflateDecoder::new(src)
                    .take(size as u64 + 1)
                    .read_to_end(&mut v)
                    .map(|_| v)
                    .map_err(|e| e.to_string())
            }
            3 => match ruzstd::decoding::StreamingDecoder::new(src) {
                Ok(dec) => {
                    let mut v = Vec::new();
                    dec.take(size as u64 + 1)
                        .read_to_end(&mut v)
                        .map(|_| v)
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            },
            c => Err(format!("unknown compression type {c}")),
        };
        match res {
            Ok(mut v) => {
                if v.len() != size {
                    self.err(format!(
                        "{what}: block decodes to {} bytes, header says {size}",
                        v.len()
                    ));
                }
                v.truncate(size);
                v
            }
            Err(e) => {
                self.err(format!("{what}: {e}"));
                Vec::new()
            }
        }
    }
}

pub struct Ubifs;

impl Handler for Ubifs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x31\x18\x10\x06")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let sb = superblock(d)?;
        let size = sb.leb_size * sb.leb_cnt;
        let end = size.min(d.len() as u64) as usize;
        let mut c = Chunk::new(start, start + end);
        c.variant = format!("leb {}", sb.leb_size);
        if size > d.len() as u64 {
            // LEBs after the last written one are often left out of an image
            c.variant.push_str(" short");
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(sb) = superblock(data) else {
            return invalid("UBIFS superblock no longer validates");
        };
        if sb.flags & (FLG_AUTHENTICATION | FLG_ENCRYPTION) != 0 {
            return Err(FormatError::Unsupported(
                "authenticated or encrypted UBIFS".into(),
            ));
        }
        let mut fs = Fs {
            d: data,
            sb,
            errors: Vec::new(),
        };
        let Some((root_lnum, root_offs)) = fs.master() else {
            return invalid("UBIFS: no valid master node in LEB 1 or 2");
        };

        // walk the index
        let mut inodes: HashMap<u64, Inode> = HashMap::new();
        let mut dents: BTreeMap<u64, Vec<(String, u64, u8)>> = BTreeMap::new();
        let mut blocks: HashMap<u64, Vec<(u64, u32, u32)>> = HashMap::new();
        let mut seen: HashSet<(u32, u32)> = HashSet::new();
        let mut stack: Vec<(u32, u32, Option<u16>)> = vec![(root_lnum, root_offs, None)];
        while let Some((lnum, offs, want_level)) = stack.pop() {
            if !seen.insert((lnum, offs)) {
                fs.err(format!(
                    "index node {lnum}:{offs} is referenced again (cycle in the index); skipped"
                ));
                continue;
            }
            if seen.len() > MAX_INDEX_NODES {
                out.limit(
                    "max-entries",
                    "UBIFS index larger than 1M nodes; rest not read",
                );
                break;
            }
            let n = match fs.at(lnum, offs) {
                Ok((T_IDX, n)) => n,
                Ok((t, _)) => {
                    fs.err(format!(
                        "index branch {lnum}:{offs} points to a type {t} node"
                    ));
                    continue;
                }
                Err(e) => {
                    fs.err(e);
                    continue;
                }
            };
            let (Some(children), Some(level)) = (le16(n, 24), le16(n, 26)) else {
                fs.err(format!("index node {lnum}:{offs} is too short"));
                continue;
            };
            let children = children as usize;
            if level > MAX_LEVEL || want_level.is_some_and(|w| w != level) {
                fs.err(format!(
                    "index node {lnum}:{offs} has level {level}, expected {want_level:?}"
                ));
                continue;
            }
            let mut leaves = Vec::new();
            for i in 0..children {
                let b = 28 + i * 20;
                let Some(br) = n.get(b..b + 20) else {
                    fs.err(format!(
                        "index node {lnum}:{offs}: {children} branches do not fit"
                    ));
                    break;
                };
                // inside the 20-byte branch
                let (Some(cl), Some(co)) = (le32(br, 0), le32(br, 4)) else {
                    break;
                };
                if level > 0 {
                    stack.push((cl, co, Some(level - 1)));
                } else {
                    leaves.push((cl, co));
                }
            }
            // level 0: the branches are the file system's nodes
            for (cl, co) in leaves {
                let (t, n) = match fs.at(cl, co) {
                    Ok(x) => x,
                    Err(e) => {
                        fs.err(e);
                        continue;
                    }
                };
                // every node a leaf points to starts with its key: u32 inum at 24
                let Some(inum) = le32(n, 24).map(u64::from) else {
                    fs.err(format!("node {cl}:{co} of type {t} is too short"));
                    continue;
                };
                match t {
                    T_INO if n.len() >= 160 => {
                        // struct ubifs_ino_node (the fields lie inside its 160-byte header)
                        let (Some(size), Some(mtime), Some(uid), Some(gid), Some(mode), Some(dl)) = (
                            le64(n, 48),
                            le64(n, 72),
                            le32(n, 96),
                            le32(n, 100),
                            le32(n, 104),
                            le32(n, 112),
                        ) else {
                            continue;
                        };
                        let dl = dl as usize;
                        inodes.insert(
                            inum,
                            Inode {
                                size,
                                mtime: mtime as i64,
                                uid,
                                gid,
                                mode,
                                data: n.get(160..160 + dl).unwrap_or(&[]).to_vec(),
                            },
                        );
                    }
                    T_DENT if n.len() >= 56 => {
                        // struct ubifs_dent_node: u64 inum at 40, u8 type at 49, u16 nlen at 50
                        let (Some(target), Some(dtype), Some(nlen)) =
                            (le64(n, 40), n.get(49).copied(), le16(n, 50))
                        else {
                            continue;
                        };
                        let nlen = nlen as usize;
                        let Some(name) = n.get(56..56 + nlen) else {
                            fs.err(format!("dent {cl}:{co}: name past the node"));
                            continue;
                        };
                        dents.entry(inum).or_default().push((
                            String::from_utf8_lossy(name).into_owned(),
                            target,
                            dtype,
                        ));
                    }
                    T_DATA if n.len() >= 48 => {
                        // the key's second word: block number in the low 29 bits
                        let Some(block) = le32(n, 28).map(|k| u64::from(k & 0x1fff_ffff)) else {
                            continue;
                        };
                        blocks.entry(inum).or_default().push((block, cl, co));
                    }
                    T_INO | T_DENT | T_DATA => {
                        fs.err(format!("node {cl}:{co} of type {t} is too short"));
                    }
                    3 | 4 => {} // extended attribute entries, truncation nodes
                    t => fs.err(format!("index leaf {cl}:{co} points to a type {t} node")),
                }
            }
        }

        // rebuild the tree from the root inode
        let mut visited_dirs = HashSet::from([ROOT_INO]);
        let mut first_path: HashMap<u64, String> = HashMap::new();
        let mut queue = vec![(ROOT_INO, String::new(), 0usize)];
        while let Some((dino, dpath, depth)) = queue.pop() {
            let Some(ents) = dents.get(&dino) else {
                continue;
            };
            for (name, inum, _dtype) in ents.clone() {
                let p = if dpath.is_empty() {
                    name
                } else {
                    format!("{dpath}/{name}")
                };
                let Some(ino) = inodes.get(&inum) else {
                    fs.err(format!("'{p}': inode {inum} not in the index"));
                    continue;
                };
                let meta = Meta {
                    mode: ino.mode & 0o7777,
                    uid: ino.uid,
                    gid: ino.gid,
                    mtime: ino.mtime,
                };
                match ino.mode & 0o170000 {
                    0o040000 => {
                        out.dir(&p, meta)?;
                        if !visited_dirs.insert(inum) {
                            fs.err(format!(
                                "directory '{p}' is inode {inum}, already entered (cycle); not followed"
                            ));
                        } else if depth + 1 >= MAX_DEPTH {
                            out.limit(
                                "max-depth",
                                &format!(
                                    "directory '{p}' nested deeper than {MAX_DEPTH}; not read"
                                ),
                            );
                        } else {
                            queue.push((inum, p, depth + 1));
                        }
                    }
                    0o100000 => {
                        if let Some(first) = first_path.get(&inum) {
                            out.hardlink(&p, meta, &first.clone())?;
                            continue;
                        }
                        first_path.insert(inum, p.clone());
                        let size = ino.size;
                        if out.check_alloc(&p, size).is_err() {
                            continue;
                        }
                        let mut buf = vec![0u8; size as usize];
                        let mut bl = blocks.get(&inum).cloned().unwrap_or_default();
                        bl.sort_unstable();
                        for (block, cl, co) in bl {
                            let off = block.saturating_mul(BLOCK);
                            if off >= size {
                                continue;
                            }
                            let Ok((_, n)) = fs.at(cl, co) else { continue };
                            // struct ubifs_data_node: u32 size at 40, u16 compr_type at 44
                            let (Some(bsize), Some(compr)) = (le32(n, 40), le16(n, 44)) else {
                                fs.err(format!("'{p}': block {block} node is too short"));
                                continue;
                            };
                            let bsize = bsize as usize;
                            if bsize as u64 > BLOCK || (n.len() - 48) as u64 > 2 * BLOCK {
                                fs.err(format!(
                                    "'{p}': block {block} claims {bsize} bytes from {} stored",
                                    n.len() - 48
                                ));
                                continue;
                            }
                            let what = format!("'{p}' block {block}");
                            let v = fs.decompress(compr, &n[48..], bsize, &what);
                            let room = (size - off) as usize;
                            let k = v.len().min(room);
                            buf[off as usize..off as usize + k].copy_from_slice(&v[..k]);
                        }
                        out.file(&p, meta, buf)?;
                    }
                    0o120000 => {
                        let target = String::from_utf8_lossy(&ino.data).into_owned();
                        out.symlink(&p, meta, &target)?;
                    }
                    0o020000 => out.special(&p, EntryKind::CharDevice, meta)?,
                    0o060000 => out.special(&p, EntryKind::BlockDevice, meta)?,
                    0o010000 => out.special(&p, EntryKind::Fifo, meta)?,
                    0o140000 => out.special(&p, EntryKind::Socket, meta)?,
                    m => fs.err(format!("'{p}': inode {inum} has unknown mode {m:#o}")),
                }
            }
        }
        if fs.errors.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(fs.errors.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    const LEB: usize = 8192;

    /// A node with a valid header and CRC.
    fn mk(t: u8, sqnum: u64, body: &[u8]) -> Vec<u8> {
        let mut n = vec![0u8; 24];
        n.extend(body);
        n[..4].copy_from_slice(&MAGIC.to_le_bytes());
        n[8..16].copy_from_slice(&sqnum.to_le_bytes());
        let len = n.len() as u32;
        n[16..20].copy_from_slice(&len.to_le_bytes());
        n[20] = t;
        let c = mtd_crc(&n[8..]);
        n[4..8].copy_from_slice(&c.to_le_bytes());
        n
    }

    fn key(inum: u32, t: u32, v: u32) -> Vec<u8> {
        let mut k = inum.to_le_bytes().to_vec();
        k.extend((t << 29 | v).to_le_bytes());
        k.extend([0u8; 8]);
        k
    }

    fn ino(inum: u32, mode: u32, size: u64, data: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 136];
        b[..16].copy_from_slice(&key(inum, 0, 0));
        b[24..32].copy_from_slice(&size.to_le_bytes());
        b[48..56].copy_from_slice(&1_650_000_000u64.to_le_bytes());
        b[68..72].copy_from_slice(&1u32.to_le_bytes());
        b[72..76].copy_from_slice(&(inum + 100).to_le_bytes());
        b[76..80].copy_from_slice(&(inum + 200).to_le_bytes());
        b[80..84].copy_from_slice(&mode.to_le_bytes());
        b[88..92].copy_from_slice(&(data.len() as u32).to_le_bytes());
        b.extend(data);
        mk(T_INO, 1, &b)
    }

    fn dent(parent: u32, name: &str, inum: u64, t: u8) -> Vec<u8> {
        let mut b = key(parent, 2, name.len() as u32);
        b.extend(inum.to_le_bytes());
        b.push(0);
        b.push(t);
        b.extend((name.len() as u16).to_le_bytes());
        b.extend([0u8; 4]);
        b.extend(name.as_bytes());
        b.push(0);
        mk(T_DENT, 1, &b)
    }

    fn data(inum: u32, block: u32, compr: u16, size: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = key(inum, 1, block);
        b.extend(size.to_le_bytes());
        b.extend(compr.to_le_bytes());
        b.extend([0u8; 2]);
        b.extend(payload);
        mk(T_DATA, 1, &b)
    }

    fn idx(level: u16, branches: &[(u32, u32)]) -> Vec<u8> {
        let mut b = (branches.len() as u16).to_le_bytes().to_vec();
        b.extend(level.to_le_bytes());
        for &(l, o) in branches {
            b.extend(l.to_le_bytes());
            b.extend(o.to_le_bytes());
            b.extend(0u32.to_le_bytes());
            b.extend([0u8; 8]);
        }
        mk(T_IDX, 1, &b)
    }

    /// Nodes in LEB 3, the index (root) in LEB 4; returns the image and the root offset.
    fn image(extra_root_branch: Option<(u32, u32)>) -> Vec<u8> {
        let mut img = vec![0xffu8; LEB * 6];
        let mut sbb = vec![0u8; 4096 - 24];
        sbb[8..12].copy_from_slice(&8u32.to_le_bytes()); // min_io
        sbb[12..16].copy_from_slice(&(LEB as u32).to_le_bytes());
        sbb[16..20].copy_from_slice(&6u32.to_le_bytes());
        let sb = mk(T_SB, 1, &sbb);
        img[..sb.len()].copy_from_slice(&sb);

        let text = b"hello from ubifs\n".repeat(300); // 5100 bytes: two blocks
        let lzo = lzokay_native::compress(&text[..4096]).unwrap();
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut z, &text[4096..]).unwrap();
        let z = z.finish().unwrap();
        let zs = ruzstd::encoding::compress_to_vec(
            &b"zstd block ".repeat(400)[..4000],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        let nodes = vec![
            ino(1, 0o40755, 0, b""),
            ino(65, 0o40700, 0, b""),
            ino(66, 0o100644, text.len() as u64, b""),
            ino(67, 0o120777, 7, b"busybox"),
            ino(68, 0o20600, 0, &[5, 1, 0, 0]),
            ino(69, 0o104755, 3, b""),
            ino(70, 0o100600, 4000, b""),
            dent(1, "etc", 65, 1),
            dent(65, "motd", 66, 0),
            dent(65, "motd.hard", 66, 0),
            dent(1, "sh", 67, 2),
            dent(1, "console", 68, 4),
            dent(1, "su", 69, 0),
            dent(65, "loop", 1, 1),
            dent(65, "zstd", 70, 0),
            data(66, 0, 1, 4096, &lzo),
            data(66, 1, 2, (text.len() - 4096) as u32, &z),
            data(69, 0, 0, 3, b"abc"),
            data(70, 0, 3, 4000, &zs),
        ];
        let mut off = 3 * LEB;
        let mut branches = Vec::new();
        for n in nodes {
            branches.push((3u32, (off - 3 * LEB) as u32));
            img[off..off + n.len()].copy_from_slice(&n);
            off += n.len().div_ceil(8) * 8;
        }
        let leaf = idx(0, &branches);
        img[4 * LEB..4 * LEB + leaf.len()].copy_from_slice(&leaf);
        let mut top = vec![(4u32, 0u32)];
        top.extend(extra_root_branch);
        let root = idx(1, &top);
        let root_off = 4 * LEB + 2048;
        img[root_off..root_off + root.len()].copy_from_slice(&root);
        // two master nodes, the second newer
        for (i, sq) in [(0usize, 5u64), (1, 6)] {
            let mut m = vec![0u8; 512 - 24];
            m[24..28].copy_from_slice(&4u32.to_le_bytes());
            m[28..32].copy_from_slice(&(if sq == 6 { 2048u32 } else { 0 }).to_le_bytes());
            let mn = mk(T_MST, sq, &m);
            let o = LEB + i * 512;
            img[o..o + mn.len()].copy_from_slice(&mn);
        }
        img
    }

    #[test]
    fn hand_made_ubifs() {
        let img = image(None);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let motd = tree.get("0x0.ubifs/etc/motd").expect("motd");
        assert_eq!(motd.size, 5100);
        assert_eq!(&motd.data[..], &b"hello from ubifs\n".repeat(300)[..]);
        assert_eq!(
            (motd.meta.mode, motd.meta.uid, motd.meta.gid),
            (0o644, 166, 266)
        );
        assert_eq!(motd.meta.mtime, 1_650_000_000);
        assert_eq!(tree.get("0x0.ubifs/etc/motd.hard").unwrap().size, 5100);
        let etc = tree.get("0x0.ubifs/etc").unwrap();
        assert_eq!((etc.kind, etc.meta.mode), (EntryKind::Dir, 0o700));
        let sh = tree.get("0x0.ubifs/sh").unwrap();
        assert_eq!(sh.link_target.as_deref(), Some("busybox"));
        assert_eq!(
            tree.get("0x0.ubifs/console").unwrap().kind,
            EntryKind::CharDevice
        );
        let zs = tree.get("0x0.ubifs/etc/zstd").unwrap();
        assert_eq!(&zs.data[..], &b"zstd block ".repeat(400)[..4000]);
        let su = tree.get("0x0.ubifs/su").unwrap();
        assert_eq!((&su.data[..], su.meta.mode), (&b"abc"[..], 0o4755));
        // etc/loop points back at the root: reported, not followed
        assert!(tree.get("0x0.ubifs/etc/loop/etc").is_none());
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(tree.errors[0].error.contains("'etc/loop' is inode 1"));
    }

    #[test]
    fn index_node_pointing_to_itself_and_huge_node_length() {
        // the root index node lists itself as a child
        let img = image(Some((4, 2048)));
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.get("0x0.ubifs/etc/motd").is_some());
        let e = &tree.errors[0].error;
        assert!(e.contains("index node 4:2048 is referenced again"), "{e}");

        // the root inode node claims 2 GiB: reported, the rest of the tree kept
        let mut img = image(None);
        let o = 3 * LEB;
        img[o + 16..o + 20].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.ubifs/etc/motd").unwrap().size, 5100);
        let e = &tree.errors[0].error;
        assert!(e.contains("node 3:0: node claims 2147483647 bytes"), "{e}");
    }
}
