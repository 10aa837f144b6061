//! What the SquashFS layouts share: the byte order, the codecs and their decoders, the
//! geometry, inode and directory model, the metadata-table reader, and the [`Layout`] trait
//! each on-disk version implements for the walker in [`super`]. Both the 4.0 reader
//! ([`super`]) and the 2.x/3.x reader ([`super::v3`]) import this module; it imports neither.

use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;

use crate::handler::*;
use crate::tree::{EntryKind, Meta};

/// Metadata blocks decode to at most this many bytes.
pub(crate) const META_SIZE: usize = 8192;
/// A data or fragment block size word: this bit set means stored uncompressed.
pub(crate) const BLOCK_STORED: u32 = 1 << 24;
/// No fragment.
pub(crate) const NO_FRAGMENT: u32 = 0xffff_ffff;

// ---------------------------------------------------------------------------------------------
// byte order

/// Reads integers in the image's byte order; `None` past the end of the slice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endian {
    pub be: bool,
}

impl Endian {
    pub fn u16(self, d: &[u8], at: usize) -> Option<u16> {
        crate::bytes::u16_at(d, at, self.be)
    }
    pub fn u32(self, d: &[u8], at: usize) -> Option<u32> {
        crate::bytes::u32_at(d, at, self.be)
    }
    pub fn u64(self, d: &[u8], at: usize) -> Option<u64> {
        crate::bytes::u64_at(d, at, self.be)
    }
}

// ---------------------------------------------------------------------------------------------
// compression

/// How a vendor packs LZMA into squashfs blocks (sasquatch's "adaptive" LZMA, found by trial).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LzmaKind {
    /// lzma-alone: props, u32 dictionary, u64 size, stream (squashfs-tools 4.x lzma).
    Alone,
    /// props and u32 dictionary, then the raw stream (no size field).
    Header5,
    /// DD-WRT ("tqsh"): per block `u8 pb, lc, lp, 0xff`, then the raw stream.
    DdWrt { dict: u32 },
    /// raw stream after `skip` header bytes (DD-WRT: 4), properties found by trial.
    Raw { props: u8, dict: u32, skip: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Codec {
    Zlib,
    Xz,
    Lzma(LzmaKind),
    /// LZMA whose packing is found from the first compressed block.
    LzmaUnknown,
    Lzo,
    Lz4,
    Zstd,
}

impl Codec {
    pub fn name(self) -> String {
        match self {
            Codec::Zlib => "gzip".into(),
            Codec::Xz => "xz".into(),
            Codec::Lzma(LzmaKind::Alone) | Codec::LzmaUnknown => "lzma".into(),
            Codec::Lzma(LzmaKind::Header5) => "lzma (5-byte header)".into(),
            Codec::Lzma(LzmaKind::DdWrt { .. }) => "lzma (dd-wrt per-block properties)".into(),
            Codec::Lzma(LzmaKind::Raw { props, skip, .. }) => {
                let (lc, lp, pb) = (props % 9, (props / 9) % 5, props / 45);
                let h = if skip > 0 {
                    format!(" after {skip}-byte header")
                } else {
                    String::new()
                };
                format!("lzma (raw{h}, lc={lc} lp={lp} pb={pb})")
            }
            Codec::Lzo => "lzo".into(),
            Codec::Lz4 => "lz4".into(),
            Codec::Zstd => "zstd".into(),
        }
    }
}

/// Read `r` into `dst` until it ends or `dst` is full. An error after output is tolerated
/// when `tolerate` (a raw LZMA stream without end marker runs into the end of its input).
fn read_into(mut r: impl Read, dst: &mut [u8], tolerate: bool) -> Result<usize, String> {
    let mut n = 0;
    while n < dst.len() {
        match r.read(&mut dst[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) if tolerate && n > 0 => break,
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(n)
}

const LZMA_MEM_KB: u32 = 1 << 20; // dictionaries up to ~1 GiB are refused earlier anyway

fn lzma_dict_ok(dict: u32) -> bool {
    (4096..=(64 << 20)).contains(&dict) || dict == 0
}

/// Decode one block with `codec` into `dst`; returns the decoded length. `exact`: the block
/// is known to decode to exactly `dst.len()` bytes (a data block), which lets raw LZMA stop
/// without an end marker.
pub(crate) fn decode(
    codec: Codec,
    src: &[u8],
    dst: &mut [u8],
    exact: bool,
) -> Result<usize, String> {
    match codec {
        Codec::Zlib => {
            let mut z = flate2::Decompress::new(true);
            match z.decompress(src, dst, flate2::FlushDecompress::Finish) {
                Ok(flate2::Status::StreamEnd) => Ok(z.total_out() as usize),
                Ok(_) if z.total_out() as usize == dst.len() => Err(format!(
                    "zlib block decodes to more than {} bytes",
                    dst.len()
                )),
                Ok(_) => Err("zlib block ends early".into()),
                Err(e) => Err(format!("zlib: {e}")),
            }
        }
        Codec::Xz => decode_xz(src, dst),
        Codec::Lzma(kind) => decode_lzma(kind, src, dst, exact),
        Codec::LzmaUnknown => {
            let kind =
                detect_lzma(src, dst.len(), exact).ok_or("no LZMA variant decodes this block")?;
            decode_lzma(kind, src, dst, exact)
        }
        Codec::Lzo => {
            let v = crate::lzo1x::decompress(src, dst.len())?;
            dst[..v.len()].copy_from_slice(&v);
            Ok(v.len())
        }
        Codec::Lz4 => lz4_flex::block::decompress_into(src, dst).map_err(|e| format!("lz4: {e}")),
        Codec::Zstd => ruzstd::decoding::FrameDecoder::new()
            .decode_all(src, dst)
            .map_err(|e| format!("zstd: {e}")),
    }
}

/// One xz block of a squashfs image, decoded by liblzma (the C library squashfs-tools itself
/// links) straight into the block's buffer. Written against liblzma rather than lzma-rust2
/// (which the other xz and LZMA streams use) because xz blocks are the hot path of scanning the
/// most common image type: liblzma decodes them about 1.45x as fast, verifies their CRC32
/// without a byte-wise table, and needs no copy out of a reader (docs/benchmarks.md).
/// Behaviour as before: a block that decodes to more than `dst` is cut at `dst.len()`, a
/// stream that ends early or is corrupt is an error.
fn decode_xz(src: &[u8], dst: &mut [u8]) -> Result<usize, String> {
    use liblzma::stream::{Action, Status, Stream};
    let mut s = Stream::new_stream_decoder(u64::from(LZMA_MEM_KB) * 1024, 0)
        .map_err(|e| format!("xz: {e}"))?;
    match s.process(src, dst, Action::Finish) {
        Ok(Status::StreamEnd) => Ok(s.total_out() as usize),
        Ok(_) if s.total_out() as usize == dst.len() => Ok(dst.len()),
        Ok(_) => Err(format!(
            "xz: stream ends early ({} bytes decoded)",
            s.total_out()
        )),
        Err(e) => Err(format!("xz: {e}")),
    }
}

fn decode_lzma(kind: LzmaKind, src: &[u8], dst: &mut [u8], exact: bool) -> Result<usize, String> {
    let size = if exact { dst.len() as u64 } else { u64::MAX };
    match kind {
        LzmaKind::Alone => {
            let r = lzma_rust2::LzmaReader::new_mem_limit(src, LZMA_MEM_KB, None)
                .map_err(|e| format!("lzma: {e}"))?;
            read_into(r, dst, false).map_err(|e| format!("lzma: {e}"))
        }
        LzmaKind::Header5 => {
            let props = *src.first().ok_or("lzma: empty block")?;
            let dict = Endian { be: false }
                .u32(src, 1)
                .ok_or("lzma: short header")?;
            if props >= 225 || !lzma_dict_ok(dict) {
                return Err("lzma: bad properties".into());
            }
            let r = lzma_rust2::LzmaReader::new_with_props(&src[5..], size, props, dict, None)
                .map_err(|e| format!("lzma: {e}"))?;
            read_into(r, dst, !exact).map_err(|e| format!("lzma: {e}"))
        }
        LzmaKind::DdWrt { dict } => {
            let h = src.get(..4).ok_or("lzma: block shorter than its header")?;
            if h[0] > 4 || h[1] > 8 || h[2] > 4 || h[3] != 0xff {
                return Err("lzma: bad dd-wrt block header".into());
            }
            let props = (h[0] * 5 + h[2]) * 9 + h[1];
            let dict = dict.max(dst.len().next_power_of_two() as u32);
            let r = lzma_rust2::LzmaReader::new_with_props(&src[4..], size, props, dict, None)
                .map_err(|e| format!("lzma: {e}"))?;
            read_into(r, dst, !exact).map_err(|e| format!("lzma: {e}"))
        }
        LzmaKind::Raw { props, dict, skip } => {
            let src = src
                .get(skip as usize..)
                .ok_or("lzma: block shorter than its header")?;
            let dict = dict.max(dst.len().next_power_of_two() as u32);
            let r = lzma_rust2::LzmaReader::new_with_props(src, size, props, dict, None)
                .map_err(|e| format!("lzma: {e}"))?;
            read_into(r, dst, !exact).map_err(|e| format!("lzma: {e}"))
        }
    }
}

/// Find how a vendor packed LZMA by decoding `src` every known way (sasquatch brute-forces
/// the same choices): lzma-alone header, 5-byte header, raw stream with the usual properties
/// and then every lc/lp/pb.
pub(crate) fn detect_lzma(src: &[u8], cap: usize, exact: bool) -> Option<LzmaKind> {
    let mut scratch = vec![0u8; cap];
    let le = Endian { be: false };
    let ok = |kind: LzmaKind, scratch: &mut [u8]| -> bool {
        matches!(decode_lzma(kind, src, scratch, exact), Ok(n) if n > 0 && (!exact || n == scratch.len()))
    };
    if src.len() >= 14 && src[0] < 225 {
        let dict = le.u32(src, 1)?;
        let size = le.u64(src, 5)?;
        if lzma_dict_ok(dict)
            && (size <= (1 << 24) || size == u64::MAX)
            && ok(LzmaKind::Alone, &mut scratch)
        {
            return Some(LzmaKind::Alone);
        }
    }
    if src.len() >= 10 && src[0] < 225 && src[5] == 0 {
        let dict = le.u32(src, 1)?;
        if lzma_dict_ok(dict) && ok(LzmaKind::Header5, &mut scratch) {
            return Some(LzmaKind::Header5);
        }
    }
    let dict = (cap.next_power_of_two() as u32).max(1 << 16);
    if src.len() > 5 && src[3] == 0xff && src[4] == 0 && ok(LzmaKind::DdWrt { dict }, &mut scratch)
    {
        return Some(LzmaKind::DdWrt { dict });
    }
    for skip in [0u8, 4] {
        if src.get(skip as usize) != Some(&0) {
            continue;
        }
        let dict = (cap.next_power_of_two() as u32).max(1 << 16);
        let mut order: Vec<u8> = vec![0x5d];
        for pb in 0..=4u8 {
            for lp in 0..=4u8 {
                for lc in 0..=8u8 {
                    let p = (pb * 5 + lp) * 9 + lc;
                    if p != 0x5d {
                        order.push(p);
                    }
                }
            }
        }
        for props in order {
            let kind = LzmaKind::Raw { props, dict, skip };
            if ok(kind, &mut scratch) {
                return Some(kind);
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// the common model every layout version is read into

/// Where a table or block sits; everything is relative to the chunk start.
#[derive(Debug, Clone)]
pub(crate) struct Geometry {
    pub endian: Endian,
    /// Byte order of metadata block headers (AVM's big-endian 4.0 keeps them little-endian).
    pub meta: Endian,
    pub major: u16,
    pub minor: u16,
    pub block_size: u32,
    pub inodes: u32,
    pub mkfs_time: u32,
    pub root: u64,
    pub bytes_used: u64,
    pub inode_start: u64,
    pub dir_start: u64,
    /// Every table start after the directory table (bounds the directory table).
    pub later_tables: Vec<u64>,
    /// v1-3: metadata blocks carry a check byte after their header.
    pub check_byte: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct FileData {
    /// Absolute position (chunk-relative) of the first data block.
    pub start: u64,
    /// Size words of the full blocks.
    pub blocks: Vec<u32>,
    /// Fragment index and offset in the fragment block.
    pub frag: Option<(u32, u32)>,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub(crate) enum InodeKind {
    Dir {
        block: u64,
        offset: usize,
        size: u64,
    },
    File(FileData),
    Symlink(Vec<u8>),
    Special(EntryKind),
}

#[derive(Debug, Clone)]
pub(crate) struct Inode {
    pub kind: InodeKind,
    pub meta: Meta,
}

#[derive(Debug, Clone)]
pub(crate) struct DirEntry {
    pub name: Vec<u8>,
    /// (inode metadata block << 16) | offset
    pub inode: u64,
}

/// A decoded metadata table: the output of every block, concatenated, and where each
/// block (by its position relative to the table start) begins in it.
#[derive(Debug, Default)]
pub(crate) struct MetaTable {
    pub buf: Vec<u8>,
    pub starts: HashMap<u64, usize>,
    /// Why decoding stopped before the end of the table.
    pub error: Option<String>,
}

impl MetaTable {
    /// Bytes from (`block`, `offset`) to the end of the decoded table.
    pub fn at(&self, block: u64, offset: usize, what: &str) -> FormatResult<&[u8]> {
        let Some(&s) = self.starts.get(&block) else {
            return invalid(format!(
                "{what}: no metadata block at {block:#x}{}",
                self.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        };
        match self.buf.get(s.saturating_add(offset)..) {
            Some(b) if !b.is_empty() => Ok(b),
            _ => truncated(format!(
                "{what}: offset {offset} past the end of metadata block {block:#x}"
            )),
        }
    }
}

/// Read consecutive metadata blocks of `data[start..end]`, decoding them in parallel.
pub(crate) fn read_meta_table(
    data: &[u8],
    g: &Geometry,
    codec: Codec,
    start: u64,
    end: u64,
    max_out: usize,
) -> MetaTable {
    let mut t = MetaTable::default();
    let hdr = if g.check_byte { 3 } else { 2 };
    let end = end.min(data.len() as u64);
    let mut pos = start;
    let mut blocks: Vec<(u64, usize, usize, bool)> = Vec::new(); // (rel, src start, src len, stored)
    while pos + hdr as u64 <= end {
        let Some(h) = g.meta.u16(data, pos as usize) else {
            break;
        };
        let stored = h & 0x8000 != 0;
        let len = (h & 0x7fff) as usize;
        if len == 0 || len > META_SIZE + 64 {
            t.error = Some(format!(
                "metadata block at {pos:#x} has an invalid length {len}"
            ));
            break;
        }
        let s = pos as usize + hdr;
        if s + len > end as usize {
            t.error = Some(format!(
                "metadata block at {pos:#x} runs past the table end"
            ));
            break;
        }
        if blocks.len().saturating_mul(META_SIZE) >= max_out {
            t.error = Some(format!("metadata table larger than {max_out} bytes"));
            break;
        }
        blocks.push((pos - start, s, len, stored));
        pos = (s + len) as u64;
    }
    let outs: Vec<Result<Vec<u8>, String>> = blocks
        .par_iter()
        .map(|&(_, s, len, stored)| {
            let src = &data[s..s + len];
            if stored {
                if len > META_SIZE {
                    return Err(format!("stored metadata block of {len} bytes"));
                }
                return Ok(src.to_vec());
            }
            let mut out = vec![0u8; META_SIZE];
            let n = decode(codec, src, &mut out, false)?;
            out.truncate(n);
            Ok(out)
        })
        .collect();
    for ((rel, s, _, _), out) in blocks.iter().zip(outs) {
        match out {
            Ok(v) => {
                t.starts.insert(*rel, t.buf.len());
                t.buf.extend_from_slice(&v);
            }
            Err(e) => {
                t.error = Some(format!(
                    "metadata block at {:#x}: {e}",
                    *s as u64 - if g.check_byte { 3 } else { 2 }
                ));
                break;
            }
        }
    }
    t
}

/// What every layout version provides to the common walker.
pub(crate) trait Layout: Sync {
    fn geometry(&self) -> &Geometry;
    fn codec(&self) -> Codec;
    fn inode(&self, r: u64) -> FormatResult<Inode>;
    fn dir(&self, block: u64, offset: usize, size: u64) -> FormatResult<Vec<DirEntry>>;
    /// (start, size word) of fragment block `i`.
    fn fragment(&self, i: u32) -> FormatResult<(u64, u32)>;
    /// Problems found while opening the image that do not stop extraction.
    fn warnings(&self) -> Vec<String>;
}

/// End of the directory table: the nearest later table start.
pub(crate) fn table_end(g: &Geometry) -> u64 {
    g.later_tables
        .iter()
        .copied()
        .filter(|&t| t > g.dir_start && t != u64::MAX)
        .min()
        .unwrap_or(g.bytes_used)
        .min(g.bytes_used)
}

/// A table stored as metadata blocks found through an index of `ptr_size`-byte pointers at
/// `index_start` (ids, fragments): `count` entries of `entry` bytes.
pub(crate) fn read_indexed(
    d: &[u8],
    g: &Geometry,
    codec: Codec,
    index_start: u64,
    count: u64,
    entry: u64,
    ptr_size: usize,
) -> Result<Vec<u8>, String> {
    let bytes = count.checked_mul(entry).ok_or("count overflows")?;
    let nblocks = bytes.div_ceil(META_SIZE as u64);
    let index_len = nblocks.saturating_mul(ptr_size as u64);
    if index_start.saturating_add(index_len) > d.len() as u64 {
        return Err(format!(
            "{count} entries need an index of {index_len} bytes at {index_start:#x}, past the end of the image"
        ));
    }
    let mut out = Vec::with_capacity(bytes as usize);
    for i in 0..nblocks as usize {
        let at = index_start as usize + i * ptr_size;
        let ptr = if ptr_size == 8 {
            g.endian.u64(d, at)
        } else {
            g.endian.u32(d, at).map(u64::from)
        }
        .ok_or("index truncated")?;
        let t = read_meta_table(
            d,
            g,
            codec,
            ptr,
            ptr.saturating_add(META_SIZE as u64 + 3),
            META_SIZE,
        );
        let first = t.starts.get(&0).and_then(|&s| t.buf.get(s..));
        match first {
            Some(b) => {
                let want = (bytes as usize - out.len()).min(META_SIZE);
                out.extend_from_slice(&b[..b.len().min(want)]);
            }
            None => {
                return Err(t
                    .error
                    .unwrap_or_else(|| format!("no metadata block at {ptr:#x}")))
            }
        }
    }
    if (out.len() as u64) < bytes {
        return Err(format!("table holds {} of {bytes} bytes", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut w =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn xz_blocks_decode_into_the_buffer_and_errors_are_named() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let block = xz(&data);
        let mut dst = vec![0u8; data.len()];
        assert_eq!(decode(Codec::Xz, &block, &mut dst, true), Ok(data.len()));
        assert_eq!(dst, data);
        // a larger buffer: the decoded length is the stream's
        let mut big = vec![0u8; data.len() + 10];
        assert_eq!(decode(Codec::Xz, &block, &mut big, false), Ok(data.len()));
        // a smaller buffer: cut at its length, as the reader before it did
        let mut small = vec![0u8; 1000];
        assert_eq!(decode(Codec::Xz, &block, &mut small, false), Ok(1000));
        assert_eq!(small[..], data[..1000]);
        // truncated stream
        let e = decode(Codec::Xz, &block[..block.len() / 2], &mut dst, true).unwrap_err();
        assert!(e.starts_with("xz: stream ends early"), "{e}");
        // a flipped byte in the compressed data or the CRC32 is corruption, not data
        let mut bad = block.clone();
        let n = bad.len();
        bad[n - 20] ^= 0x55;
        let e = decode(Codec::Xz, &bad, &mut dst, true).unwrap_err();
        assert!(e.starts_with("xz: "), "{e}");
        assert!(decode(Codec::Xz, b"not xz at all", &mut dst, true).is_err());
    }
}
