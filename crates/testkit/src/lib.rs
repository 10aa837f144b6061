//! Fixtures built at test time, shared by the test suites of several crates.
//!
//! - [`pack_squashfs`]: pack a directory into a squashfs 4.0 image with a chosen compressor,
//!   block size, file-system time and per-path mtimes, the way `mksquashfs -all-root
//!   -no-xattrs -mkfs-time T` does (backhand writes the image; xz goes through lzma-rust2 so the
//!   tests need no C library).
//! - [`read_mtimes`]: the `path<TAB>mtime` list that the test corpus keeps beside a tree.
//! - [`trx`]: a Broadcom TRX v1 container around partitions.
//!
//! Never used by the product; `publish = false`.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test fixtures: a fixture that cannot be written fails the test that wanted it"
)]

use backhand::compression::{CompressionAction, Compressor, DefaultCompressor};
use backhand::kind::Kind;
use backhand::{BackhandError, FilesystemCompressor, FilesystemWriter, NodeHeader};
use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::Path;

/// The compressor of a packed image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comp {
    Gzip,
    Xz,
}

/// How to pack a tree.
#[derive(Debug, Clone)]
pub struct SquashOpts {
    pub comp: Comp,
    pub block_size: u32,
    /// The superblock's creation time (`-mkfs-time`).
    pub mkfs_time: u32,
    /// mtime of paths not in `mtimes`.
    pub default_mtime: u32,
    /// Per-path mtimes, paths relative to the root without a leading slash.
    pub mtimes: HashMap<String, u32>,
    /// Owner 0:0 for everything (`-all-root`); otherwise 1000:1000 so a test can tell.
    pub all_root: bool,
}

impl SquashOpts {
    /// Owner 0:0, every mtime and the file-system time `time`.
    pub fn new(comp: Comp, block_size: u32, time: u32) -> SquashOpts {
        SquashOpts {
            comp,
            block_size,
            mkfs_time: time,
            default_mtime: time,
            mtimes: HashMap::new(),
            all_root: true,
        }
    }

    /// `mksquashfs -comp xz -b 262144 -no-xattrs -noappend -all-root -mkfs-time T`.
    pub fn like_mksquashfs_xz(mkfs_time: u32) -> SquashOpts {
        SquashOpts::new(Comp::Xz, 262_144, mkfs_time)
    }

    pub fn with_mtimes(mut self, mtimes: HashMap<String, u32>) -> SquashOpts {
        self.mtimes = mtimes;
        self
    }

    fn mtime(&self, rel: &str) -> u32 {
        self.mtimes.get(rel).copied().unwrap_or(self.default_mtime)
    }
}

/// backhand's compressor for gzip, lzma-rust2's xz encoder for xz.
#[derive(Clone, Copy)]
pub struct Codec(Comp);
static GZIP: Codec = Codec(Comp::Gzip);
static XZ: Codec = Codec(Comp::Xz);

/// The compressor for `comp`, for tests that drive backhand's writer themselves (other
/// byte orders, hand-made nodes).
pub fn codec(comp: Comp) -> &'static Codec {
    match comp {
        Comp::Gzip => &GZIP,
        Comp::Xz => &XZ,
    }
}

impl CompressionAction for Codec {
    type Error = BackhandError;
    type Compressor = Compressor;
    type FilesystemCompressor = FilesystemCompressor;
    type SuperBlock = backhand::SuperBlock;
    fn decompress(&self, b: &[u8], out: &mut Vec<u8>, c: Compressor) -> Result<(), BackhandError> {
        DefaultCompressor.decompress(b, out, c)
    }
    fn compress(
        &self,
        b: &[u8],
        fc: FilesystemCompressor,
        bs: u32,
    ) -> Result<Vec<u8>, BackhandError> {
        if self.0 == Comp::Gzip {
            return DefaultCompressor.compress(b, fc, bs);
        }
        let mut w = lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
            .map_err(|_| BackhandError::InvalidCompressionOption)?;
        w.write_all(b)?;
        w.finish()
            .map_err(|_| BackhandError::InvalidCompressionOption)
    }
}

/// Write `data` at `root/rel`, creating the directories on the way.
pub fn write_file(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(&p, data).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// `path<TAB>mtime` lines (the root is the empty path); malformed lines are an error.
pub fn read_mtimes(tsv: &Path) -> Result<HashMap<String, u32>, String> {
    let text = std::fs::read_to_string(tsv).map_err(|e| format!("{}: {e}", tsv.display()))?;
    let mut out = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let (p, t) = line
            .rsplit_once('\t')
            .ok_or_else(|| format!("{}:{}: no tab", tsv.display(), i + 1))?;
        let t: u32 = t
            .trim()
            .parse()
            .map_err(|e| format!("{}:{}: mtime: {e}", tsv.display(), i + 1))?;
        out.insert(p.trim_start_matches('/').to_string(), t);
    }
    Ok(out)
}

/// Pack the directory `root` (files, directories, symlinks; modes from the file system).
pub fn pack_squashfs(root: &Path, o: &SquashOpts) -> Result<Vec<u8>, String> {
    let mut fs = FilesystemWriter::default();
    let codec = codec(o.comp);
    fs.set_kind(Kind::new_v4(codec));
    let id = match o.comp {
        Comp::Gzip => Compressor::Gzip,
        Comp::Xz => Compressor::Xz,
    };
    fs.set_compressor(FilesystemCompressor::new(id, None).map_err(|e| e.to_string())?);
    fs.set_block_size(o.block_size);
    fs.set_time(o.mkfs_time);
    fs.set_root_mode(0o755);
    let (uid, gid) = if o.all_root { (0, 0) } else { (1000, 1000) };
    if !o.all_root {
        fs.set_root_uid(uid);
        fs.set_root_gid(gid);
    }
    // walk in sorted order so two packs of one tree push the same sequence
    let mut stack = vec![root.to_path_buf()];
    let mut items = Vec::new();
    while let Some(dir) = stack.pop() {
        let mut ents: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        ents.sort_by_key(|e| e.file_name());
        for e in ents {
            let p = e.path();
            let ft = e.file_type().map_err(|e| format!("{}: {e}", p.display()))?;
            if ft.is_dir() {
                stack.push(p.clone());
            }
            items.push(p);
        }
    }
    items.sort();
    for p in items {
        let rel = p
            .strip_prefix(root)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let md = std::fs::symlink_metadata(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let mode = permissions(&md);
        let h = NodeHeader::new(mode, uid, gid, o.mtime(&rel));
        let r = if md.file_type().is_symlink() {
            let t = std::fs::read_link(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            fs.push_symlink(t, &rel, h)
        } else if md.is_dir() {
            fs.push_dir(&rel, h)
        } else if md.is_file() {
            let data = std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            fs.push_file(Cursor::new(data), &rel, h)
        } else {
            continue;
        };
        r.map_err(|e| format!("{rel}: {e}"))?;
    }
    let mut out = Cursor::new(Vec::new());
    fs.write(&mut out).map_err(|e| e.to_string())?;
    Ok(out.into_inner())
}

#[cfg(unix)]
fn permissions(md: &std::fs::Metadata) -> u16 {
    use std::os::unix::fs::PermissionsExt;
    (md.permissions().mode() & 0o7777) as u16
}

#[cfg(not(unix))]
fn permissions(md: &std::fs::Metadata) -> u16 {
    if md.is_dir() {
        0o755
    } else {
        0o644
    }
}

/// A TRX v1 container (Broadcom): 28-byte header with up to three partition offsets, CRC-32
/// over everything after the CRC field; partitions 4-byte aligned.
pub fn trx(parts: &[&[u8]]) -> Vec<u8> {
    assert!(parts.len() <= 3, "TRX v1 has at most 3 partitions");
    let mut body = Vec::new();
    let mut offsets = [0u32; 3];
    let mut at = 28usize;
    for (i, p) in parts.iter().enumerate() {
        offsets[i] = at as u32;
        body.extend_from_slice(p);
        at += p.len();
        while !at.is_multiple_of(4) {
            body.push(0);
            at += 1;
        }
    }
    let len = (28 + body.len()) as u32;
    let mut tail = Vec::with_capacity(len as usize);
    tail.extend_from_slice(&0u16.to_le_bytes()); // flags
    tail.extend_from_slice(&1u16.to_le_bytes()); // version
    for o in offsets {
        tail.extend_from_slice(&o.to_le_bytes());
    }
    tail.extend_from_slice(&body);
    // the CRC covers flags, version, offsets and the data
    let crc = !crc32fast::hash(&tail);
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(b"HDR0");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crc.to_le_bytes());
    out.extend_from_slice(&tail);
    out
}

/// A TRX v1 image made of the partitions of `stock` that precede its root file system (loader
/// and kernel; `stock` may be cut short where the root file system began, as vendors publish
/// kernel partitions) followed by `rootfs` as the last partition.
pub fn trx_with_rootfs(stock: &[u8], rootfs: &[u8]) -> Result<Vec<u8>, String> {
    let le32 = |at: usize| -> Result<usize, String> {
        stock
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
            .ok_or_else(|| format!("TRX header cut at {at}"))
    };
    if stock.get(..4) != Some(b"HDR0") {
        return Err("not a TRX image (no HDR0 magic)".into());
    }
    let offs: Vec<usize> = (0..3)
        .map(|i| le32(16 + 4 * i))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|&o| o != 0)
        .collect();
    let mut parts: Vec<&[u8]> = Vec::new();
    for (i, &o) in offs.iter().enumerate() {
        let end = offs
            .get(i + 1)
            .copied()
            .unwrap_or(stock.len())
            .min(stock.len());
        if o >= end {
            break; // this partition is the one that was cut: replaced by `rootfs`
        }
        if i + 1 == offs.len() && end == stock.len() && offs.len() == 3 {
            break; // three partitions present: the last is the old root file system
        }
        parts.push(&stock[o..end]);
    }
    if parts.len() > 2 {
        parts.truncate(2);
    }
    parts.push(rootfs);
    Ok(trx(&parts))
}
