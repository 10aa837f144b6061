//! ext2, ext3 and ext4 file systems.
//!
//! Read by hand: `ext4-view` reads from a byte slice safely, but it hides inode numbers (so
//! neither hard links nor a directory entry that points back at an ancestor can be told
//! apart), hides device numbers, and refuses images without the `filetype` feature. This
//! reader keeps everything bounded: every block number is checked against the image, extent
//! trees and indirect blocks have fixed depths, every directory inode is entered once (a
//! cycle is reported, not followed) and nesting is limited.
//!
//! ```text
//! superblock at byte 1024 of the file system (magic 53 ef at byte 1080):
//! 00000400  80 00 00 00 00 04 00 00  33 00 00 00 d3 03 00 00  |........3.......|
//! 00000430  .. .. .. .. .. .. .. ..  53 ef 01 00 01 00 00 00  |........S.......|
//! struct ext2_super_block {     // little-endian
//!     u32 inodes_count, blocks_count_lo, r_blocks_count_lo, free_blocks_lo, free_inodes;
//!     u32 first_data_block;     // 1 for 1 KiB blocks, else 0
//!     u32 log_block_size;       // block size = 1024 << n
//!     u32 log_cluster_size, blocks_per_group, clusters_per_group, inodes_per_group;
//!     u32 mtime, wtime; u16 mnt_count, max_mnt_count;
//!     u16 magic = 0xef53;       // at 56 (byte 1080 of the image)
//!     u16 state, errors, minor_rev; u32 lastcheck, checkinterval, creator_os, rev_level;
//!     u16 def_resuid, def_resgid;
//!     u32 first_ino; u16 inode_size; u16 block_group_nr;        // rev 1
//!     u32 feature_compat, feature_incompat, feature_ro_compat;  // at 92
//!     ...; u16 desc_size (at 254, 64bit); ...; u32 blocks_count_hi (at 336);
//! };
//! group descriptor (32 or desc_size bytes) in the block after the superblock:
//!     u32 block_bitmap_lo, inode_bitmap_lo, inode_table_lo; ...; u32 inode_table_hi (at 40)
//! struct ext2_inode { u16 mode, uid_lo; u32 size_lo, atime, ctime, mtime, dtime;
//!     u16 gid_lo, links_count; u32 blocks_lo, flags, osd1;
//!     u32 block[15];            // 12 direct, single, double, triple indirect; or an
//!                               // extent tree (flags & 0x80000), or inline data (0x10000000)
//!     u32 generation, file_acl_lo, size_high, obso_faddr;
//!     u16 blocks_hi, file_acl_hi, uid_hi, gid_hi, checksum_lo, reserved;
//!     u16 extra_isize, ...      // large inodes: in-inode extended attributes follow
//! };
//! extent header { u16 magic = 0xf30a, entries, max, depth; u32 generation; }
//!     leaf  { u32 block; u16 len; u16 start_hi; u32 start_lo; }   // len > 32768: unwritten
//!     index { u32 block; u32 leaf_lo; u16 leaf_hi; u16 unused; }
//! dirent { u32 inode; u16 rec_len; u8 name_len; u8 file_type; char name[name_len]; }
//! ```

use bytes::Bytes;
use std::collections::{HashMap, HashSet};

use crate::bytes::{le16, le32};
use crate::handler::*;
use crate::tree::{EntryKind, Meta};

/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 128;
/// Largest directory read (bytes).
const MAX_DIR_BYTES: u64 = 64 << 20;
/// Most error messages kept for one image.
const MAX_ERRORS: usize = 32;

const INCOMPAT_FILETYPE: u32 = 0x2;
const INCOMPAT_META_BG: u32 = 0x10;
const INCOMPAT_64BIT: u32 = 0x80;
const INCOMPAT_ENCRYPT: u32 = 0x10000;
const INCOMPAT_JOURNAL_DEV: u32 = 0x8;
const COMPAT_HAS_JOURNAL: u32 = 0x4;
const INCOMPAT_EXTENTS: u32 = 0x40;

const FL_EXTENTS: u32 = 0x80000;
const FL_INLINE: u32 = 0x1000_0000;

pub static DOC: FormatDoc = FormatDoc {
    name: "ext",
    category: Category::Filesystem,
    description: "ext2/ext3/ext4 file system: indirect blocks and extent trees, inline data, \
                  fast and slow symlinks, devices, FIFOs, sockets, hard links; mode, uid/gid \
                  and mtime kept. Directory cycles are reported and not followed.",
    references: &[
        "https://www.kernel.org/doc/html/latest/filesystems/ext4/index.html",
        "https://www.nongnu.org/ext2-doc/ext2.html",
    ],
    limitations: "The journal is not replayed; META_BG group descriptors, encrypted and \
                  casefolded names, and bigalloc clusters are not supported. Checksums are not \
                  verified.",
};

#[derive(Debug, Clone)]
struct Super {
    block_size: u64,
    blocks: u64,
    inodes: u32,
    inodes_per_group: u32,
    inode_size: u64,
    first_data_block: u64,
    desc_size: u64,
    incompat: u32,
    compat: u32,
    groups: u64,
}

/// Parse and validate the superblock of a file system starting at `d[0]`.
fn superblock(d: &[u8]) -> Option<Super> {
    let s = d.get(1024..1024 + 264)?;
    if le16(s, 56)? != 0xef53 {
        return None;
    }
    let log = le32(s, 24)?;
    if log > 6 {
        return None;
    }
    let block_size = 1024u64 << log;
    let inodes = le32(s, 0)?;
    let blocks_lo = le32(s, 4)? as u64;
    let first_data_block = le32(s, 20)? as u64;
    let bpg = le32(s, 32)? as u64;
    let ipg = le32(s, 40)?;
    let state = le16(s, 58)?;
    let rev = le32(s, 76)?;
    let incompat = le32(s, 96)?;
    let compat = le32(s, 92)?;
    if rev > 1 || !(1..=7).contains(&state) || bpg == 0 || ipg == 0 || inodes == 0 {
        return None;
    }
    if first_data_block != u64::from(block_size == 1024) {
        return None;
    }
    if bpg > block_size * 8 || ipg as u64 > block_size * 8 {
        return None;
    }
    let inode_size = if rev == 0 { 128 } else { le16(s, 88)? as u64 };
    if inode_size < 128 || !inode_size.is_power_of_two() || inode_size > block_size {
        return None;
    }
    let mut blocks = blocks_lo;
    let mut desc_size = 32;
    if incompat & INCOMPAT_64BIT != 0 {
        blocks |= (le32(d, 1024 + 336)? as u64) << 32;
        desc_size = le16(s, 254)? as u64;
        if !(32..=1024).contains(&desc_size) || !desc_size.is_power_of_two() {
            return None;
        }
    }
    if blocks <= first_data_block {
        return None;
    }
    let groups = (blocks - first_data_block).div_ceil(bpg);
    if (inodes as u64) > groups.saturating_mul(ipg as u64) {
        return None;
    }
    Some(Super {
        block_size,
        blocks,
        inodes,
        inodes_per_group: ipg,
        inode_size,
        first_data_block,
        desc_size,
        incompat,
        compat,
        groups,
    })
}

#[derive(Debug, Clone)]
struct Inode {
    mode: u16,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: i64,
    links: u16,
    flags: u32,
    block: [u8; 60],
    /// The in-inode extended attribute area (large inodes), for inline data.
    xattr: Vec<u8>,
}

impl Inode {
    fn kind(&self) -> u16 {
        self.mode & 0xf000
    }
    fn meta(&self) -> Meta {
        Meta {
            mode: (self.mode & 0o7777) as u32,
            uid: self.uid,
            gid: self.gid,
            mtime: self.mtime,
        }
    }
}

struct Fs<'a> {
    d: &'a [u8],
    sb: Super,
    errors: Vec<String>,
    /// Extent nodes and blocks visited for the current file, and the most allowed: a
    /// hostile extent tree can point many entries at the same nodes or ranges.
    work: u64,
    work_max: u64,
}

impl Fs<'_> {
    fn err(&mut self, msg: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(msg);
        }
    }

    fn block(&self, n: u64) -> Option<&[u8]> {
        if n == 0 || n >= self.sb.blocks {
            return None;
        }
        let off = n.checked_mul(self.sb.block_size)? as usize;
        self.d
            .get(off..off.checked_add(self.sb.block_size as usize)?)
    }

    fn inode(&self, ino: u32) -> Result<Inode, String> {
        if ino == 0 || ino > self.sb.inodes {
            return Err(format!("inode {ino} out of range (1..={})", self.sb.inodes));
        }
        let group = ((ino - 1) / self.sb.inodes_per_group) as u64;
        let index = ((ino - 1) % self.sb.inodes_per_group) as u64;
        if group >= self.sb.groups {
            return Err(format!(
                "inode {ino} is in group {group}, past the last group"
            ));
        }
        let gdt = (self.sb.first_data_block + 1) * self.sb.block_size;
        let gd_off = gdt + group * self.sb.desc_size;
        let gd = self
            .d
            .get(gd_off as usize..(gd_off + self.sb.desc_size) as usize)
            .ok_or_else(|| format!("group descriptor {group} past the end of the image"))?;
        // bg_inode_table_lo at 8, _hi at 40 (64-byte descriptors); `gd` is desc_size long
        let short = || format!("group descriptor {group} is shorter than its fields");
        let mut table = le32(gd, 8).ok_or_else(short)? as u64;
        if self.sb.desc_size >= 64 {
            table |= (le32(gd, 40).ok_or_else(short)? as u64) << 32;
        }
        let off = table
            .checked_mul(self.sb.block_size)
            .and_then(|t| t.checked_add(index * self.sb.inode_size))
            .ok_or_else(|| format!("inode {ino}: inode table block {table} out of range"))?;
        let raw = self
            .d
            .get(off as usize..)
            .and_then(|r| r.get(..self.sb.inode_size as usize))
            .ok_or_else(|| format!("inode {ino} at byte {off:#x} past the end of the image"))?;
        let mut block = [0u8; 60];
        block.copy_from_slice(&raw[40..100]);
        // every field below lies in the first 128 bytes (inode_size >= 128, see `superblock`)
        let short = || format!("inode {ino} is shorter than its fields");
        let r16 = |o: usize| le16(raw, o).ok_or_else(short);
        let r32 = |o: usize| le32(raw, o).ok_or_else(short);
        let extra = if raw.len() > 128 {
            r16(128)? as usize
        } else {
            0
        };
        let xattr = raw.get(128 + extra..).unwrap_or(&[]).to_vec();
        Ok(Inode {
            mode: r16(0)?,
            uid: r16(2)? as u32 | (r16(120)? as u32) << 16,
            gid: r16(24)? as u32 | (r16(122)? as u32) << 16,
            size: r32(4)? as u64 | (r32(108)? as u64) << 32,
            mtime: r32(16)? as i32 as i64,
            links: r16(26)?,
            flags: r32(32)?,
            block,
            xattr,
        })
    }

    /// The value of the in-inode `system.data` attribute (inline data past 60 bytes).
    fn inline_xattr(ino: &Inode) -> &[u8] {
        let x = &ino.xattr;
        if le32(x, 0) != Some(0xea02_0000) {
            return &[];
        }
        let base = 4usize;
        let mut p = base;
        for _ in 0..256 {
            let name_len = *x.get(p).unwrap_or(&0) as usize;
            let index = *x.get(p + 1).unwrap_or(&0);
            if name_len == 0 && index == 0 {
                break;
            }
            // struct ext4_xattr_entry: u16 e_value_offs at 2, u32 e_value_size at 8
            let (Some(voff), Some(vsize)) = (le16(x, p + 2), le32(x, p + 8)) else {
                break;
            };
            let (voff, vsize) = (voff as usize, vsize as usize);
            let name = x.get(p + 16..p + 16 + name_len).unwrap_or(&[]);
            if index == 7 && name == b"data" {
                return x
                    .get(base + voff..)
                    .and_then(|v| v.get(..vsize))
                    .unwrap_or(&[]);
            }
            p += (16 + name_len + 3) & !3;
        }
        &[]
    }

    /// Content of an inode, `size` bytes (holes read as zeros). Fails only on a limit.
    fn read(
        &mut self,
        ino: &Inode,
        size: u64,
        what: &str,
        out: &mut Sink,
    ) -> FormatResult<Vec<u8>> {
        if ino.flags & FL_INLINE != 0 {
            let mut v = ino.block.to_vec();
            v.extend_from_slice(Self::inline_xattr(ino));
            v.truncate(size.min(v.len() as u64) as usize);
            return Ok(v);
        }
        out.check_alloc(what, size)?;
        let mut buf = vec![0u8; size as usize];
        let nblocks = size.div_ceil(self.sb.block_size);
        if ino.flags & FL_EXTENTS != 0 {
            self.work = 0;
            self.work_max = nblocks.saturating_mul(2).saturating_add(4096);
            self.extents(&ino.block, 0, &mut buf, nblocks, what);
        } else {
            let mut ptrs = [0u32; 15];
            // the 60-byte i_block holds exactly these 15 pointers
            for (i, p) in ptrs.iter_mut().enumerate() {
                let Some(v) = le32(&ino.block, i * 4) else {
                    break;
                };
                *p = v;
            }
            for (i, &b) in ptrs[..12].iter().enumerate() {
                self.copy_block(b as u64, i as u64, &mut buf, what);
            }
            let per = self.sb.block_size / 4;
            let mut base = 12u64;
            for (level, &b) in ptrs[12..].iter().enumerate() {
                let span = per.pow(level as u32 + 1);
                if base >= nblocks {
                    break;
                }
                self.indirect(b as u64, level as u32, base, &mut buf, nblocks, what);
                base += span;
            }
        }
        Ok(buf)
    }

    fn copy_block(&mut self, phys: u64, logical: u64, buf: &mut [u8], what: &str) {
        if phys == 0 {
            return; // hole
        }
        let bs = self.sb.block_size as usize;
        let Some(start) = (logical as usize).checked_mul(bs) else {
            return;
        };
        if start >= buf.len() {
            return;
        }
        let n = bs.min(buf.len() - start);
        match self.block(phys) {
            Some(src) => buf[start..start + n].copy_from_slice(&src[..n]),
            None => self.err(format!(
                "{what}: block {phys} outside the image; read as zeros"
            )),
        }
    }

    fn indirect(
        &mut self,
        b: u64,
        level: u32,
        base: u64,
        buf: &mut [u8],
        nblocks: u64,
        what: &str,
    ) {
        if b == 0 || base >= nblocks {
            return;
        }
        let Some(ptrs) = self.block(b).map(|s| s.to_vec()) else {
            self.err(format!("{what}: indirect block {b} outside the image"));
            return;
        };
        let per = self.sb.block_size / 4;
        let span = per.pow(level);
        for i in 0..per {
            let logical = base + i * span;
            if logical >= nblocks {
                break;
            }
            // `per` pointers fill the block exactly
            let Some(p) = le32(&ptrs, (i * 4) as usize).map(u64::from) else {
                break;
            };
            if level == 0 {
                self.copy_block(p, logical, buf, what);
            } else {
                self.indirect(p, level - 1, logical, buf, nblocks, what);
            }
        }
    }

    /// Walk an extent node (`node` holds the header and entries); depth is bounded by the
    /// header's own depth field, which must decrease by one per level and is at most 5.
    fn extents(&mut self, node: &[u8], level: u32, buf: &mut [u8], nblocks: u64, what: &str) {
        self.work += 1;
        if self.work > self.work_max {
            return;
        }
        // struct ext4_extent_header: u16 eh_magic, u16 eh_entries, u16 eh_max, u16 eh_depth
        let (Some(0xf30a), Some(entries), Some(depth)) =
            (le16(node, 0), le16(node, 2), le16(node, 6))
        else {
            self.err(format!("{what}: bad extent header magic"));
            return;
        };
        let (entries, depth) = (entries as usize, depth as u32);
        if depth > 5 || level > 5 || entries > (node.len() - 12) / 12 {
            self.err(format!(
                "{what}: corrupt extent node (depth {depth}, {entries} entries)"
            ));
            return;
        }
        for i in 0..entries {
            let e = &node[12 + i * 12..24 + i * 12];
            // struct ext4_extent: u32 ee_block, u16 ee_len, u16 ee_start_hi, u32 ee_start_lo;
            // struct ext4_extent_idx: u32 ei_block, u32 ei_leaf_lo, u16 ei_leaf_hi (12 bytes)
            let (Some(lblock), Some(w4), Some(h6), Some(w8), Some(h8)) =
                (le32(e, 0), le16(e, 4), le16(e, 6), le32(e, 8), le16(e, 8))
            else {
                continue;
            };
            let lblock = lblock as u64;
            if depth == 0 {
                let mut len = w4 as u64;
                let unwritten = len > 32768;
                if unwritten {
                    len -= 32768;
                }
                let start = (h6 as u64) << 32 | w8 as u64;
                if unwritten {
                    continue; // reads as zeros
                }
                for j in 0..len {
                    if lblock + j >= nblocks {
                        break;
                    }
                    self.work += 1;
                    if self.work > self.work_max {
                        break;
                    }
                    if self.work == self.work_max {
                        self.err(format!(
                            "{what}: extent tree revisits blocks; rest not read"
                        ));
                    }
                    self.copy_block(start + j, lblock + j, buf, what);
                }
            } else {
                let Some(leaf_lo) = le32(e, 4) else { continue };
                let leaf = (h8 as u64) << 32 | leaf_lo as u64;
                let Some(child) = self.block(leaf).map(|b| b.to_vec()) else {
                    self.err(format!(
                        "{what}: extent index block {leaf} outside the image"
                    ));
                    continue;
                };
                if le16(&child, 6).map(|d| d as u32 + 1) != Some(depth) {
                    self.err(format!(
                        "{what}: extent tree depth does not decrease at block {leaf}"
                    ));
                    continue;
                }
                self.extents(&child, level + 1, buf, nblocks, what);
            }
        }
    }
}

/// Parse directory entries from raw directory data (block by block; `block` is the block
/// size, or the whole length for inline directories).
fn dirents(data: &[u8], block: usize, filetype: bool) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    for blk in data.chunks(block.max(12)) {
        let mut p = 0usize;
        while p + 8 <= blk.len() {
            // struct ext4_dir_entry(_2): u32 inode, u16 rec_len, u16 name_len (or u8 name_len,
            // u8 file_type); inside `blk` (p + 8 <= len)
            let (Some(ino), Some(rec_len), Some(name_len16)) =
                (le32(blk, p), le16(blk, p + 4), le16(blk, p + 6))
            else {
                break;
            };
            let rec_len = rec_len as usize;
            let name_len = if filetype {
                blk[p + 6] as usize
            } else {
                name_len16 as usize
            };
            if rec_len < 8 || !rec_len.is_multiple_of(4) || p + rec_len > blk.len() {
                break;
            }
            if ino != 0 && name_len > 0 && 8 + name_len <= rec_len {
                let name = blk[p + 8..p + 8 + name_len].to_vec();
                if name != b"." && name != b".." {
                    out.push((ino, name));
                }
            }
            p += rec_len;
        }
    }
    out
}

pub struct Ext;

impl Handler for Ext {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"\x53\xef", 1080)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let sb = superblock(d)?;
        let size = sb.blocks.checked_mul(sb.block_size)?;
        let end = size.min(d.len() as u64) as usize;
        if end <= 2048 {
            return None;
        }
        let mut c = Chunk::new(start, start + end);
        c.variant = if sb.incompat & INCOMPAT_EXTENTS != 0 {
            "ext4"
        } else if sb.compat & COMPAT_HAS_JOURNAL != 0 {
            "ext3"
        } else {
            "ext2"
        }
        .to_string();
        if size > d.len() as u64 {
            c.variant.push_str(" truncated");
        }
        Some(c)
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(sb) = superblock(data) else {
            return invalid("ext superblock no longer validates");
        };
        for (flag, what) in [
            (INCOMPAT_META_BG, "META_BG group descriptors"),
            (INCOMPAT_ENCRYPT, "encrypted inodes"),
            (INCOMPAT_JOURNAL_DEV, "external journal device"),
        ] {
            if sb.incompat & flag != 0 {
                return Err(FormatError::Unsupported(format!("ext feature: {what}")));
            }
        }
        let filetype = sb.incompat & INCOMPAT_FILETYPE != 0;
        let mut fs = Fs {
            d: data,
            sb,
            errors: Vec::new(),
            work: 0,
            work_max: 0,
        };
        let claimed = fs.sb.blocks.saturating_mul(fs.sb.block_size);
        if claimed > data.len() as u64 {
            fs.err(format!(
                "image has {} bytes, the superblock claims {claimed}",
                data.len()
            ));
        }
        let mut visited_dirs = HashSet::from([2u32]);
        let mut first_path: HashMap<u32, String> = HashMap::new();
        let mut stack = vec![(2u32, String::new(), 0usize)];
        while let Some((dino, dpath, depth)) = stack.pop() {
            let shown = if dpath.is_empty() { "/" } else { &dpath };
            let dir = match fs.inode(dino) {
                Ok(i) => i,
                Err(e) => {
                    fs.err(format!("directory '{shown}': {e}"));
                    continue;
                }
            };
            if dir.size > MAX_DIR_BYTES {
                fs.err(format!(
                    "directory '{shown}' claims {} bytes; not read",
                    dir.size
                ));
                continue;
            }
            let raw = fs.read(&dir, dir.size, shown, out)?;
            let ents = if dir.flags & FL_INLINE != 0 {
                // 4 bytes of parent inode, then entries
                let body = raw.get(4..).unwrap_or(&[]);
                dirents(body, body.len(), filetype)
            } else {
                dirents(&raw, fs.sb.block_size as usize, filetype)
            };
            for (ino, name) in ents {
                let name = String::from_utf8_lossy(&name).into_owned();
                let p = if dpath.is_empty() {
                    name
                } else {
                    format!("{dpath}/{name}")
                };
                let inode = match fs.inode(ino) {
                    Ok(i) => i,
                    Err(e) => {
                        fs.err(format!("'{p}': {e}"));
                        continue;
                    }
                };
                let meta = inode.meta();
                match inode.kind() {
                    0x4000 => {
                        out.dir(&p, meta)?;
                        if !visited_dirs.insert(ino) {
                            fs.err(format!(
                                "directory '{p}' is inode {ino}, already entered (cycle); not followed"
                            ));
                        } else if depth + 1 >= MAX_DEPTH {
                            out.limit(
                                "max-depth",
                                &format!(
                                    "directory '{p}' nested deeper than {MAX_DEPTH}; not read"
                                ),
                            );
                        } else {
                            stack.push((ino, p, depth + 1));
                        }
                    }
                    0x8000 => {
                        if let Some(first) = first_path.get(&ino) {
                            out.hardlink(&p, meta, &first.clone())?;
                            continue;
                        }
                        if inode.links > 1 {
                            first_path.insert(ino, p.clone());
                        }
                        match fs.read(&inode, inode.size, &p, out) {
                            Ok(content) => out.file(&p, meta, content)?,
                            Err(FormatError::Limit(_)) => continue, // recorded; next file
                            Err(e) => return Err(e),
                        }
                    }
                    0xa000 => {
                        let fast = inode.flags & (FL_EXTENTS | FL_INLINE) == 0 && inode.size < 60;
                        let target = if fast {
                            inode.block[..inode.size as usize].to_vec()
                        } else if inode.size > 4096 {
                            fs.err(format!("symlink '{p}' claims a {}-byte target", inode.size));
                            continue;
                        } else {
                            fs.read(&inode, inode.size, &p, out)?
                        };
                        out.symlink(&p, meta, &String::from_utf8_lossy(&target))?;
                    }
                    0x2000 => out.special(&p, EntryKind::CharDevice, meta)?,
                    0x6000 => out.special(&p, EntryKind::BlockDevice, meta)?,
                    0x1000 => out.special(&p, EntryKind::Fifo, meta)?,
                    0xc000 => out.special(&p, EntryKind::Socket, meta)?,
                    k => fs.err(format!("'{p}': inode {ino} has unknown type {k:#x}")),
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

    const BS: usize = 1024;
    const INODES: u32 = 64;
    const BLOCKS: usize = 512;
    const ITABLE: usize = 5; // blocks 5..13 (64 inodes * 128 bytes)
    const FIRST_DATA: usize = 13;

    /// A minimal ext2 writer: one group, 1 KiB blocks, 128-byte inodes.
    struct Img {
        d: Vec<u8>,
        next_block: usize,
        dirs: HashMap<u32, Vec<(u32, String, u8)>>,
    }

    impl Img {
        fn new() -> Img {
            let mut d = vec![0u8; BLOCKS * BS];
            let s = 1024;
            d[s..s + 4].copy_from_slice(&INODES.to_le_bytes());
            d[s + 4..s + 8].copy_from_slice(&(BLOCKS as u32).to_le_bytes());
            d[s + 20..s + 24].copy_from_slice(&1u32.to_le_bytes());
            d[s + 32..s + 36].copy_from_slice(&8192u32.to_le_bytes());
            d[s + 40..s + 44].copy_from_slice(&INODES.to_le_bytes());
            d[s + 56..s + 58].copy_from_slice(&0xef53u16.to_le_bytes());
            d[s + 58..s + 60].copy_from_slice(&1u16.to_le_bytes());
            d[s + 76..s + 80].copy_from_slice(&1u32.to_le_bytes());
            d[s + 84..s + 88].copy_from_slice(&11u32.to_le_bytes());
            d[s + 88..s + 90].copy_from_slice(&128u16.to_le_bytes());
            d[s + 96..s + 100].copy_from_slice(&INCOMPAT_FILETYPE.to_le_bytes());
            // group descriptor in block 2: bitmaps 3, 4; inode table 5
            let g = 2 * BS;
            d[g..g + 4].copy_from_slice(&3u32.to_le_bytes());
            d[g + 4..g + 8].copy_from_slice(&4u32.to_le_bytes());
            d[g + 8..g + 12].copy_from_slice(&(ITABLE as u32).to_le_bytes());
            Img {
                d,
                next_block: FIRST_DATA,
                dirs: HashMap::new(),
            }
        }

        fn inode_off(ino: u32) -> usize {
            ITABLE * BS + (ino as usize - 1) * 128
        }

        fn set_inode(&mut self, ino: u32, mode: u16, uid: u32, size: u64, links: u16, flags: u32) {
            let o = Self::inode_off(ino);
            let r = &mut self.d[o..o + 128];
            r[0..2].copy_from_slice(&mode.to_le_bytes());
            r[2..4].copy_from_slice(&(uid as u16).to_le_bytes());
            r[120..122].copy_from_slice(&((uid >> 16) as u16).to_le_bytes());
            r[24..26].copy_from_slice(&(uid as u16 + 1).to_le_bytes());
            r[4..8].copy_from_slice(&(size as u32).to_le_bytes());
            r[108..112].copy_from_slice(&((size >> 32) as u32).to_le_bytes());
            r[16..20].copy_from_slice(&1_700_000_000u32.to_le_bytes());
            r[26..28].copy_from_slice(&links.to_le_bytes());
            r[32..36].copy_from_slice(&flags.to_le_bytes());
        }

        fn set_block_ptr(&mut self, ino: u32, i: usize, b: u32) {
            let o = Self::inode_off(ino) + 40 + i * 4;
            self.d[o..o + 4].copy_from_slice(&b.to_le_bytes());
        }

        fn alloc(&mut self, content: &[u8]) -> u32 {
            let b = self.next_block;
            self.next_block += 1;
            self.d[b * BS..b * BS + content.len()].copy_from_slice(content);
            b as u32
        }

        /// A regular file with direct and single-indirect blocks.
        fn file(&mut self, ino: u32, mode: u16, content: &[u8]) {
            self.set_inode(ino, 0x8000 | mode, 1000, content.len() as u64, 1, 0);
            let blocks: Vec<u32> = content.chunks(BS).map(|c| self.alloc(c)).collect();
            for (i, &b) in blocks.iter().take(12).enumerate() {
                self.set_block_ptr(ino, i, b);
            }
            if blocks.len() > 12 {
                let ptrs: Vec<u8> = blocks[12..].iter().flat_map(|b| b.to_le_bytes()).collect();
                let ind = self.alloc(&ptrs);
                self.set_block_ptr(ino, 12, ind);
            }
        }

        /// A regular file stored in one extent.
        fn extent_file(&mut self, ino: u32, content: &[u8]) {
            self.set_inode(ino, 0x81ed, 0, content.len() as u64, 1, FL_EXTENTS);
            let blocks: Vec<u32> = content.chunks(BS).map(|c| self.alloc(c)).collect();
            let mut h = Vec::new();
            h.extend(0xf30au16.to_le_bytes());
            h.extend(1u16.to_le_bytes());
            h.extend(4u16.to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(0u32.to_le_bytes());
            h.extend(0u32.to_le_bytes());
            h.extend((blocks.len() as u16).to_le_bytes());
            h.extend(0u16.to_le_bytes());
            h.extend(blocks[0].to_le_bytes());
            let o = Self::inode_off(ino) + 40;
            self.d[o..o + h.len()].copy_from_slice(&h);
        }

        fn entry(&mut self, dir: u32, ino: u32, name: &str, ft: u8) {
            self.dirs
                .entry(dir)
                .or_default()
                .push((ino, name.to_string(), ft));
        }

        fn finish(mut self) -> Vec<u8> {
            let dirs = std::mem::take(&mut self.dirs);
            for (dino, ents) in dirs {
                let mut blk = Vec::new();
                for (i, (ino, name, ft)) in ents.iter().enumerate() {
                    let need = (8 + name.len() + 3) & !3;
                    let rec = if i + 1 == ents.len() {
                        BS - blk.len()
                    } else {
                        need
                    };
                    blk.extend(ino.to_le_bytes());
                    blk.extend((rec as u16).to_le_bytes());
                    blk.push(name.len() as u8);
                    blk.push(*ft);
                    blk.extend(name.as_bytes());
                    blk.resize(blk.len() + rec - 8 - name.len(), 0);
                }
                let b = self.alloc(&blk);
                self.set_inode(dino, 0x41ed, 0, BS as u64, 2, 0);
                self.set_block_ptr(dino, 0, b);
            }
            self.d
        }
    }

    fn sample() -> Img {
        let mut img = Img::new();
        img.entry(2, 2, ".", 2);
        img.entry(2, 2, "..", 2);
        img.entry(2, 12, "etc", 2);
        img.entry(2, 13, "bin", 2);
        img.entry(2, 20, "dev", 2);
        img.entry(12, 14, "passwd", 1);
        img.entry(12, 15, "big", 1);
        img.entry(12, 14, "passwd.link", 1);
        img.entry(13, 16, "busybox", 1);
        img.entry(13, 17, "sh", 7);
        img.entry(13, 18, "long", 7);
        img.entry(20, 19, "console", 3);
        img.file(14, 0o600, b"root:x:0:0::/root:/bin/sh\n");
        img.set_inode(14, 0x8180, 1000, 26, 2, 0);
        let big: Vec<u8> = (0..20 * BS).map(|i| (i / BS) as u8).collect();
        img.file(15, 0o4755, &big);
        img.extent_file(16, &b"\x7fELF-busybox".repeat(200));
        // fast symlink
        img.set_inode(17, 0xa1ff, 0, 7, 1, 0);
        let o = Img::inode_off(17) + 40;
        img.d[o..o + 7].copy_from_slice(b"busybox");
        // slow symlink (target in a data block)
        let target = format!("/{}", "x".repeat(70));
        img.set_inode(18, 0xa1ff, 0, target.len() as u64, 1, 0);
        let b = img.alloc(target.as_bytes());
        img.set_block_ptr(18, 0, b);
        img.set_inode(19, 0x2180, 0, 0, 1, 0);
        img
    }

    #[test]
    fn hand_made_ext2() {
        let img = sample().finish();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.layers[0].variant, "ext2");
        let p = tree.get("0x0.ext/etc/passwd").expect("passwd");
        assert_eq!(&p.data[..], b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!(p.meta.mode, 0o600);
        assert_eq!(p.meta.uid, 1000);
        assert_eq!(p.meta.gid, 1001);
        assert_eq!(p.meta.mtime, 1_700_000_000);
        // the second name of inode 14 is a hard link, materialized with the same content
        let l = tree.get("0x0.ext/etc/passwd.link").unwrap();
        assert_eq!(&l.data[..], b"root:x:0:0::/root:/bin/sh\n");
        let big = tree.get("0x0.ext/etc/big").unwrap();
        assert_eq!(big.size, 20 * 1024);
        assert_eq!(
            big.data[13 * 1024],
            13,
            "block via the single-indirect block"
        );
        assert_eq!(big.data[19 * 1024 + 5], 19);
        assert_eq!(big.meta.mode, 0o4755);
        let bb = tree.get("0x0.ext/bin/busybox").unwrap();
        assert_eq!(bb.size, 2400);
        assert!(bb.data.starts_with(b"\x7fELF-busybox\x7fELF"));
        let sh = tree.get("0x0.ext/bin/sh").unwrap();
        assert_eq!(sh.link_target.as_deref(), Some("busybox"));
        let long = tree.get("0x0.ext/bin/long").unwrap();
        assert_eq!(
            long.link_target.as_deref(),
            Some(&*format!("/{}", "x".repeat(70)))
        );
        assert_eq!(
            tree.get("0x0.ext/dev/console").unwrap().kind,
            EntryKind::CharDevice
        );
    }

    #[test]
    fn directory_cycle_is_reported_and_bounded() {
        let mut img = sample();
        // bin/loop points back at the root directory, etc/up at etc itself
        img.entry(13, 2, "loop", 2);
        img.entry(12, 12, "up", 2);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.finish()));
        assert!(tree.get("0x0.ext/bin/loop").is_some());
        assert!(tree.get("0x0.ext/bin/loop/etc").is_none());
        assert!(tree.get("0x0.ext/etc/up/passwd").is_none());
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(tree.errors[0].error.contains("cycle"));
        assert!(tree.errors[0].error.contains("'bin/loop'"));
        assert!(tree.errors[0].error.contains("'etc/up'"));
    }

    #[test]
    fn extent_index_pointing_to_itself() {
        let mut img = sample();
        img.entry(12, 23, "selfref", 1);
        img.set_inode(23, 0x81a4, 0, 4096, 1, FL_EXTENTS);
        // an index node (depth 1) in block B whose only entry points at B again
        let b = img.next_block as u32;
        let mut node = Vec::new();
        for v in [0xf30au16, 1, 84, 1] {
            node.extend(v.to_le_bytes());
        }
        node.extend(0u32.to_le_bytes());
        node.extend(0u32.to_le_bytes()); // logical block
        node.extend(b.to_le_bytes()); // leaf_lo
        node.extend(0u32.to_le_bytes());
        assert_eq!(img.alloc(&node), b);
        // the inode's root: depth 2, pointing at B
        let mut root = Vec::new();
        for v in [0xf30au16, 1, 4, 2] {
            root.extend(v.to_le_bytes());
        }
        root.extend(0u32.to_le_bytes());
        root.extend(0u32.to_le_bytes());
        root.extend(b.to_le_bytes());
        root.extend(0u32.to_le_bytes());
        let o = Img::inode_off(23) + 40;
        img.d[o..o + root.len()].copy_from_slice(&root);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.finish()));
        let f = tree
            .get("0x0.ext/etc/selfref")
            .expect("file kept, as zeros");
        assert_eq!(f.size, 4096);
        assert!(f.data.iter().all(|&b| b == 0));
        let e = &tree.errors[0].error;
        assert!(
            e.contains("etc/selfref: extent tree depth does not decrease"),
            "{e}"
        );
        assert!(tree.get("0x0.ext/etc/passwd").is_some());
    }

    #[test]
    fn hostile_sizes_and_truncation() {
        let mut img = sample();
        // a file claiming 1 TiB and one whose block lies outside the image
        img.entry(12, 21, "huge", 1);
        img.set_inode(21, 0x81a4, 0, 1 << 40, 1, 0);
        img.entry(12, 22, "outside", 1);
        img.set_inode(22, 0x81a4, 0, 10, 1, 0);
        img.set_block_ptr(22, 0, 0x7fff_ffff);
        img.entry(12, 9999, "badino", 1);
        let mut d = img.finish();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(d.clone()));
        assert!(tree.get("0x0.ext/etc/huge").is_none());
        assert_eq!(tree.limits_hit.len(), 1, "{:?}", tree.limits_hit);
        assert_eq!(tree.get("0x0.ext/etc/outside").unwrap().data.len(), 10);
        assert!(tree.get("0x0.ext/etc/passwd").is_some());
        let err = &tree.errors[0].error;
        assert!(
            err.contains("outside the image") && err.contains("inode 9999"),
            "{err}"
        );
        // cut the image right after the inode table
        d.truncate(FIRST_DATA * BS + 100);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(d));
        assert!(tree.layers[0].variant.ends_with("truncated"));
        assert!(!tree.errors.is_empty());
    }
}
