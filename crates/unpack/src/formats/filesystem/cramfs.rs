//! cramfs, the compressed ROM file system of Linux (both byte orders, zlib, holes).
//! Read by hand: no maintained crate reads cramfs, and the format is a page of code.
//!
//! ```text
//! 00000000  45 3d cd 28 00 10 00 00  03 00 00 00 00 00 00 00  |E=.(............|
//! 00000010  43 6f 6d 70 72 65 73 73  65 64 20 52 4f 4d 46 53  |Compressed ROMFS|
//! struct cramfs_super {          // in the image's byte order
//!     u32 magic = 0x28cd3d45;    // 45 3d cd 28 little-endian, 28 cd 3d 45 big-endian
//!     u32 size;                  // bytes of the file system
//!     u32 flags;                 // 0x100 holes, 0x400 shifted root offset, 0x800 extended pointers
//!     u32 future;
//!     char signature[16] = "Compressed ROMFS";
//!     u32 crc; u32 edition; u32 blocks; u32 files;
//!     char name[16];
//!     struct cramfs_inode root;  // at 64
//! };
//! struct cramfs_inode {          // 12 bytes of bit fields (low bits first on LE, high on BE)
//!     u32 mode:16, uid:16;
//!     u32 size:24, gid:8;
//!     u32 namelen:6, offset:26;  // name length and data offset in 4-byte units
//! };  // name follows. Directory: entries at offset*4, `size` bytes of them.
//!     // File/symlink: u32 block end pointers at offset*4, then 4 KiB zlib blocks.
//! ```

use bytes::Bytes;
use rayon::prelude::*;
use std::collections::HashSet;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

pub static DOC: FormatDoc = FormatDoc {
    name: "cramfs",
    category: Category::Filesystem,
    description: "Linux cramfs, little- and big-endian, zlib blocks of 4 KiB, holes, stored \
        blocks; files, directories, symlinks, devices, uid/gid and modes.",
    references: &[
        "Linux include/uapi/linux/cramfs_fs.h",
        "Linux fs/cramfs/README",
    ],
    limitations: "Direct (uncompressed, XIP) block pointers are reported, not read. cramfs \
        stores no times (mtime 0) and only 8 bits of gid.",
};

pub struct Cramfs;

const PAGE: usize = 4096;
const FLAG_HOLES: u32 = 0x100;
const FLAG_EXT_PTRS: u32 = 0x800;
const BLK_UNCOMPRESSED: u32 = 1 << 31;
const BLK_DIRECT: u32 = 1 << 30;

#[derive(Clone, Copy)]
struct Node {
    mode: u32,
    uid: u32,
    gid: u32,
    size: u32,
    namelen: usize,
    offset: usize,
}

struct Img<'a> {
    d: &'a [u8],
    be: bool,
    flags: u32,
}

impl<'a> Img<'a> {
    fn u32(&self, at: usize) -> Option<u32> {
        crate::bytes::u32_at(self.d, at, self.be)
    }

    fn node(&self, at: usize) -> Option<Node> {
        let (w0, w1, w2) = (self.u32(at)?, self.u32(at + 4)?, self.u32(at + 8)?);
        Some(if self.be {
            Node {
                mode: w0 >> 16,
                uid: w0 & 0xffff,
                size: w1 >> 8,
                gid: w1 & 0xff,
                namelen: (w2 >> 26) as usize * 4,
                offset: (w2 & 0x03ff_ffff) as usize * 4,
            }
        } else {
            Node {
                mode: w0 & 0xffff,
                uid: w0 >> 16,
                size: w1 & 0x00ff_ffff,
                gid: w1 >> 24,
                namelen: (w2 & 0x3f) as usize * 4,
                offset: (w2 >> 6) as usize * 4,
            }
        })
    }

    /// Decode the content of a file or symlink (`size` bytes from blocks at `offset`).
    fn content(&self, n: &Node) -> Result<Vec<u8>, String> {
        let size = n.size as usize;
        if size == 0 {
            return Ok(Vec::new());
        }
        let nblocks = size.div_ceil(PAGE);
        let table = n.offset;
        let ptrs: Vec<u32> = (0..nblocks)
            .map(|i| self.u32(table + i * 4))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("block pointers at {table:#x} run past the image"))?;
        let mut out = vec![0u8; size];
        let mut start = table + nblocks * 4;
        let results: Vec<Result<(), String>> = {
            // block boundaries first (each block starts where the previous ended)
            let mut spans = Vec::with_capacity(nblocks);
            for p in &ptrs {
                let flags = if self.flags & FLAG_EXT_PTRS != 0 {
                    p & (BLK_UNCOMPRESSED | BLK_DIRECT)
                } else {
                    0
                };
                let end = (p & !(BLK_UNCOMPRESSED | BLK_DIRECT)) as usize;
                if flags & BLK_DIRECT != 0 {
                    return Err("direct block pointers are not supported".into());
                }
                spans.push((start, end, flags & BLK_UNCOMPRESSED != 0));
                if end != 0 {
                    start = end;
                }
            }
            out.par_chunks_mut(PAGE)
                .zip(spans.into_par_iter())
                .map(|(dst, (s, e, stored))| {
                    if e == 0 || e == s {
                        return Ok(()); // a hole
                    }
                    let src = self
                        .d
                        .get(s..e)
                        .ok_or_else(|| format!("block {s:#x}..{e:#x} is outside the image"))?;
                    if stored {
                        let k = src.len().min(dst.len());
                        dst[..k].copy_from_slice(&src[..k]);
                        return Ok(());
                    }
                    let mut z = flate2::Decompress::new(true);
                    match z.decompress(src, dst, flate2::FlushDecompress::Finish) {
                        Ok(flate2::Status::StreamEnd) if z.total_out() as usize == dst.len() => {
                            Ok(())
                        }
                        Ok(_) => Err(format!(
                            "block at {s:#x} does not decode to {} bytes",
                            dst.len()
                        )),
                        Err(e) => Err(format!("block at {s:#x}: {e}")),
                    }
                })
                .collect()
        };
        let _ = self.flags & FLAG_HOLES;
        results.into_iter().collect::<Result<(), String>>()?;
        Ok(out)
    }
}

fn probe(d: &[u8]) -> Option<(bool, u32, u32)> {
    let be = match d.get(0..4)? {
        [0x45, 0x3d, 0xcd, 0x28] => false,
        [0x28, 0xcd, 0x3d, 0x45] => true,
        _ => return None,
    };
    if d.get(16..32)? != b"Compressed ROMFS" {
        return None;
    }
    let img = Img { d, be, flags: 0 };
    let size = img.u32(4)?;
    let flags = img.u32(8)?;
    let root = img.node(64)?;
    if size < 76 || root.mode & 0o170000 != 0o040000 {
        return None;
    }
    Some((be, size, flags))
}

impl Handler for Cramfs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [
            Magic::at0(b"\x45\x3d\xcd\x28"),
            Magic::at0(b"\x28\xcd\x3d\x45"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (be, size, _) = probe(d)?;
        let mut variant = if be { "be" } else { "le" }.to_string();
        let len = if size as usize > d.len() {
            variant.push_str(" truncated");
            d.len()
        } else {
            size as usize
        };
        Some(Chunk {
            start,
            end: start + len,
            variant,
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let (be, _, flags) =
            probe(data).ok_or_else(|| FormatError::Invalid("not a cramfs superblock".into()))?;
        let img = Img { d: data, be, flags };
        let root = img
            .node(64)
            .ok_or_else(|| FormatError::Truncated("cramfs root inode".into()))?;
        let mut problems: Vec<String> = Vec::new();
        let mut visited: HashSet<usize> = HashSet::new();
        let mut stack: Vec<(String, Node, usize)> = vec![(String::new(), root, 0)];
        let mut count = 0usize;
        while let Some((dir, node, depth)) = stack.pop() {
            if !visited.insert(node.offset) && node.size > 0 {
                problems.push(format!(
                    "directory '/{dir}' lists entries already read (a loop); skipped"
                ));
                continue;
            }
            let mut p = node.offset;
            let end = node
                .offset
                .saturating_add(node.size as usize)
                .min(data.len());
            while p + 12 <= end {
                count += 1;
                if count > (1 << 20) {
                    problems.push("more than 1048576 entries; stopped".into());
                    break;
                }
                let Some(n) = img.node(p) else { break };
                let Some(raw) = data.get(p + 12..p + 12 + n.namelen) else {
                    problems.push(format!("entry name at {:#x} runs past the image", p + 12));
                    break;
                };
                p += 12 + n.namelen;
                let name = String::from_utf8_lossy(raw.split(|&b| b == 0).next().unwrap_or(&[]))
                    .into_owned();
                if name.is_empty() {
                    continue;
                }
                let path = if dir.is_empty() {
                    name
                } else {
                    format!("{dir}/{name}")
                };
                let meta = Meta {
                    mode: n.mode & 0o7777,
                    uid: n.uid,
                    gid: n.gid,
                    mtime: 0,
                };
                let res = match n.mode & 0o170000 {
                    0o040000 => {
                        let r = out.dir(&path, meta);
                        if depth >= 256 {
                            problems.push(format!("'/{path}': directories nested too deep"));
                        } else if n.size > 0 {
                            stack.push((path, n, depth + 1));
                        }
                        r
                    }
                    0o100000 | 0o120000 => {
                        let link = n.mode & 0o170000 == 0o120000;
                        out.check_alloc(&format!("'/{path}'"), n.size as u64)?;
                        match img.content(&n) {
                            Ok(c) if link => out.symlink(&path, meta, &String::from_utf8_lossy(&c)),
                            Ok(c) => out.file(&path, meta, c),
                            Err(e) => {
                                problems.push(format!("'/{path}': {e}"));
                                if link {
                                    Ok(())
                                } else {
                                    out.file(&path, meta, Bytes::new())
                                }
                            }
                        }
                    }
                    0o020000 => out.special(&path, EntryKind::CharDevice, meta),
                    0o060000 => out.special(&path, EntryKind::BlockDevice, meta),
                    0o010000 => out.special(&path, EntryKind::Fifo, meta),
                    0o140000 => out.special(&path, EntryKind::Socket, meta),
                    m => {
                        problems.push(format!("'/{path}' has unknown file type {m:o}"));
                        Ok(())
                    }
                };
                if let Err(FormatError::Limit(_)) = res {
                    return Ok(());
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(FormatError::Invalid(problems.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    fn z(b: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(b).unwrap();
        e.finish().unwrap()
    }

    fn inode(
        be: bool,
        mode: u32,
        uid: u32,
        size: u32,
        gid: u32,
        namelen: usize,
        offset: usize,
    ) -> Vec<u8> {
        let (nl, off) = ((namelen / 4) as u32, (offset / 4) as u32);
        let (w0, w1, w2) = if be {
            ((mode << 16) | uid, (size << 8) | gid, (nl << 26) | off)
        } else {
            (mode | (uid << 16), size | (gid << 24), nl | (off << 6))
        };
        let mut v = Vec::new();
        for w in [w0, w1, w2] {
            v.extend(if be { w.to_be_bytes() } else { w.to_le_bytes() });
        }
        v
    }

    /// Root directory with one file of two blocks (the second a hole), a symlink, a device
    /// and an entry named `..`.
    fn build(be: bool) -> Vec<u8> {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let body: Vec<u8> = b"first block ".iter().copied().cycle().take(PAGE).collect();
        let fsize = (PAGE + 100) as u32;
        // layout: super (64) + root inode (12) = 76; dir entries; file data
        let names: [&[u8; 8]; 4] = [
            b"file\0\0\0\0",
            b"link\0\0\0\0",
            b"tty\0\0\0\0\0",
            b"..\0\0\0\0\0\0",
        ];
        let dir_at = 76usize;
        let dir_len = 4 * (12 + 8);
        let file_at = dir_at + dir_len;
        let zb = z(&body);
        let file_table = file_at;
        let file_end = file_table + 8 + zb.len();
        let link_at = file_end.div_ceil(4) * 4; // offsets are in 4-byte units
        let zl = z(b"file");
        let link_end = link_at + 4 + zl.len();
        let mut img = Vec::new();
        img.extend(w(0x28cd_3d45));
        img.extend(w(0)); // size, patched below
        img.extend(w(FLAG_HOLES));
        img.extend(w(0));
        img.extend(b"Compressed ROMFS");
        img.extend([0u8; 32]);
        img.extend(inode(be, 0o040755, 0, dir_len as u32, 0, 0, dir_at));
        img.extend(inode(be, 0o100755, 1000, fsize, 50, 8, file_at));
        img.extend(names[0]);
        img.extend(inode(be, 0o120777, 0, 4, 0, 8, link_at));
        img.extend(names[1]);
        img.extend(inode(be, 0o020620, 0, 0x0401, 5, 8, 0));
        img.extend(names[2]);
        img.extend(inode(be, 0o100644, 0, 0, 0, 8, 0));
        img.extend(names[3]);
        assert_eq!(img.len(), file_at);
        // pointers: block 0 ends after its data; block 1 is a hole (same end)
        let b0_end = (file_table + 8 + zb.len()) as u32;
        img.extend(w(b0_end));
        img.extend(w(b0_end));
        img.extend(&zb);
        img.resize(link_at, 0);
        img.extend(w(link_end as u32));
        img.extend(&zl);
        let n = img.len() as u32;
        img[4..8].copy_from_slice(&w(n));
        img
    }

    #[test]
    fn both_byte_orders_with_hole_symlink_device() {
        for be in [false, true] {
            let t = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(build(be)));
            let f = t.get("0x0.cramfs/file").expect("file");
            assert_eq!(f.size, (PAGE + 100) as u64);
            assert!(f.data.starts_with(b"first block first block"));
            assert!(
                f.data[PAGE..].iter().all(|&b| b == 0),
                "hole reads as zeros"
            );
            assert_eq!((f.meta.mode, f.meta.uid, f.meta.gid), (0o755, 1000, 50));
            let l = t
                .get("0x0.cramfs/link")
                .unwrap_or_else(|| panic!("{:?} {:?}", t.errors, t.entries));
            assert_eq!(l.link_target.as_deref(), Some("file"));
            assert_eq!(t.get("0x0.cramfs/tty").unwrap().kind, EntryKind::CharDevice);
            // ".." is normalized into the layer and recorded
            assert!(
                t.errors
                    .iter()
                    .any(|e| e.error.contains("outside the layer")),
                "{:?}",
                t.errors
            );
            assert_eq!(t.layers[0].variant, if be { "be" } else { "le" });
        }
    }

    #[test]
    fn truncated_and_huge_claims_do_not_panic() {
        let img = build(false);
        for cut in [70, 100, 200, img.len() - 3] {
            let t = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img[..cut].to_vec()));
            if let Some(f) = t.get("0x0.cramfs/file") {
                assert!(f.data.is_empty() || f.size == (PAGE + 100) as u64);
            }
        }
        // a root directory claiming 16 MiB of entries
        let mut big = img.clone();
        big[64 + 4..64 + 7].copy_from_slice(&[0xff, 0xff, 0xff]);
        let t = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(big));
        assert!(t.get("0x0.cramfs/file").is_some());
    }
}
