//! Android sparse image (`img2simg`): a little-endian file header and a list of chunks that
//! describe the blocks of the expanded image (raw data, a repeated 4-byte fill value, holes,
//! and CRC32 checkpoints).
//!
//! Written by hand: the format is two small fixed structures; no maintained crate reads it.
//!
//! ```text
//! 00000000  3a ff 26 ed 01 00 00 00  1c 00 0c 00 00 10 00 00  |:.&.............|
//! 00000010  00 0a 00 00 14 00 00 00  00 00 00 00 c1 ca 00 00  |................|
//! struct sparse_header {         // little-endian, 28 bytes
//!     u32 magic = 0xed26ff3a;
//!     u16 major_version = 1, minor_version;
//!     u16 file_hdr_sz = 28, chunk_hdr_sz = 12;
//!     u32 blk_sz;                // block size, a multiple of 4
//!     u32 total_blks;            // blocks of the expanded image
//!     u32 total_chunks;
//!     u32 image_checksum;
//! };
//! struct chunk_header {          // 12 bytes, then the chunk's data
//!     u16 chunk_type;            // 0xcac1 raw, 0xcac2 fill (u32), 0xcac3 don't care, 0xcac4 crc32
//!     u16 reserved;
//!     u32 chunk_sz;              // in blocks of the output
//!     u32 total_sz;              // in bytes of the input, header included
//! };
//! ```

use bytes::Bytes;

use crate::bytes::le16;
use crate::bytes::le32;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "android-sparse",
    category: Category::Firmware,
    description: "Android sparse image (raw, fill, don't-care and CRC chunks) expanded into one \
                  file; the output size is checked against the byte budget before allocation.",
    references: &["AOSP system/core/libsparse/sparse_format.h"],
    limitations: "CRC32 chunks are not verified.",
};

const MAGIC: u32 = 0xed26_ff3a;
const RAW: u16 = 0xcac1;
const FILL: u16 = 0xcac2;
const DONT_CARE: u16 = 0xcac3;
const CRC: u16 = 0xcac4;

pub struct AndroidSparse;

struct Header {
    file_hdr: usize,
    chunk_hdr: usize,
    blk_sz: u64,
    total_blks: u64,
    total_chunks: u32,
}

fn header(d: &[u8]) -> Option<Header> {
    if le32(d, 0)? != MAGIC || le16(d, 4)? != 1 {
        return None;
    }
    let file_hdr = le16(d, 8)? as usize;
    let chunk_hdr = le16(d, 10)? as usize;
    let blk_sz = le32(d, 12)? as u64;
    if !(28..=1024).contains(&file_hdr) || !(12..=1024).contains(&chunk_hdr) {
        return None;
    }
    if blk_sz == 0 || !blk_sz.is_multiple_of(4) {
        return None;
    }
    Some(Header {
        file_hdr,
        chunk_hdr,
        blk_sz,
        total_blks: le32(d, 16)? as u64,
        total_chunks: le32(d, 20)?,
    })
}

/// One validated chunk: type, output blocks, input data range.
struct Piece {
    kind: u16,
    blocks: u64,
    data: std::ops::Range<usize>,
}

/// Walk the chunk list. Returns the pieces and the end of the last complete chunk; `Err`
/// carries what is wrong with the first bad chunk (the pieces before it stay valid).
fn walk(d: &[u8], h: &Header) -> (Vec<Piece>, usize, Option<String>) {
    let mut pieces = Vec::new();
    let mut pos = h.file_hdr;
    let mut blocks = 0u64;
    for i in 0..h.total_chunks {
        let (Some(kind), Some(sz), Some(total)) =
            (le16(d, pos), le32(d, pos + 4), le32(d, pos + 8))
        else {
            return (
                pieces,
                pos,
                Some(format!("chunk {i} header at {pos:#x} is cut off")),
            );
        };
        let sz = sz as u64;
        let total = total as u64;
        let body = total.checked_sub(h.chunk_hdr as u64);
        let expect = match kind {
            RAW => sz.checked_mul(h.blk_sz),
            FILL | CRC => Some(4),
            DONT_CARE => Some(0),
            _ => None,
        };
        if body.is_none() || expect.is_none() || body != expect {
            return (
                pieces,
                pos,
                Some(format!(
                    "chunk {i} at {pos:#x}: type {kind:#x} with {sz} blocks and {total} bytes is \
                     inconsistent"
                )),
            );
        }
        blocks = blocks.saturating_add(sz);
        if blocks > h.total_blks {
            return (
                pieces,
                pos,
                Some(format!(
                    "chunk {i} at {pos:#x} goes past the {} blocks of the image",
                    h.total_blks
                )),
            );
        }
        let start = pos + h.chunk_hdr;
        let end = (pos as u64).saturating_add(total);
        if end > d.len() as u64 {
            return (
                pieces,
                pos,
                Some(format!("chunk {i} at {pos:#x} ({total} bytes) is cut off")),
            );
        }
        let end = end as usize;
        pieces.push(Piece {
            kind,
            blocks: sz,
            data: start..end,
        });
        pos = end;
    }
    (pieces, pos, None)
}

impl Handler for AndroidSparse {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x3a\xff\x26\xed")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = header(d)?;
        let (pieces, end, err) = walk(d, &h);
        if pieces.is_empty() {
            return None;
        }
        let mut variant = format!(
            "{} blocks of {} bytes in {} chunks",
            h.total_blks, h.blk_sz, h.total_chunks
        );
        let end = if err.is_some() {
            variant.push_str(" (damaged)");
            d.len()
        } else {
            end
        };
        Some(Chunk {
            checks: Vec::new(),
            start,
            end: start + end,
            decoded: None,
            truncated: false,
            variant,
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(h) = header(data) else {
            return invalid("sparse header does not parse");
        };
        let size = h.blk_sz.saturating_mul(h.total_blks);
        out.check_alloc("sparse image output", size)?;
        let size = usize::try_from(size)
            .map_err(|_| FormatError::Invalid(format!("output of {size} bytes")))?;
        let (pieces, _, err) = walk(data, &h);
        let mut img = vec![0u8; size];
        let mut pos = 0usize;
        for p in &pieces {
            // blocks <= total_blks was checked, so len and pos stay within `size`
            let len = (p.blocks * h.blk_sz) as usize;
            let dst = img
                .get_mut(pos..pos + len)
                .ok_or_else(|| FormatError::Invalid("chunk outside the image".into()))?;
            match p.kind {
                RAW => dst.copy_from_slice(&data[p.data.clone()]),
                FILL => {
                    let v = &data[p.data.clone()];
                    for w in dst.chunks_exact_mut(4) {
                        w.copy_from_slice(v);
                    }
                }
                _ => {}
            }
            pos += len;
        }
        let name = crate::formats::compression::gzip::stream_output_name(
            out.blob_name(),
            &[".simg", ".sparse", ".img"],
        );
        let name = if name == "data" {
            "image.raw".to_string()
        } else {
            format!("{name}.raw")
        };
        out.file(&name, Meta::mode(0o644), img)?;
        if let Some(e) = err {
            return invalid(format!(
                "sparse image: {e}; the chunks before it were expanded"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};

    fn chunk(kind: u16, blocks: u32, body: &[u8]) -> Vec<u8> {
        let mut c = Vec::new();
        c.extend(kind.to_le_bytes());
        c.extend([0, 0]);
        c.extend(blocks.to_le_bytes());
        c.extend((12 + body.len() as u32).to_le_bytes());
        c.extend(body);
        c
    }

    fn build(blk: u32, total_blks: u32, chunks: &[Vec<u8>]) -> Vec<u8> {
        let mut img = Vec::new();
        img.extend(MAGIC.to_le_bytes());
        img.extend(1u16.to_le_bytes());
        img.extend(0u16.to_le_bytes());
        img.extend(28u16.to_le_bytes());
        img.extend(12u16.to_le_bytes());
        img.extend(blk.to_le_bytes());
        img.extend(total_blks.to_le_bytes());
        img.extend((chunks.len() as u32).to_le_bytes());
        img.extend(0u32.to_le_bytes());
        for c in chunks {
            img.extend(c);
        }
        img
    }

    #[test]
    fn expands_raw_fill_and_holes() {
        let raw: Vec<u8> = (0..1024u32).map(|i| i as u8).collect();
        let img = build(
            512,
            6,
            &[
                chunk(RAW, 2, &raw),
                chunk(FILL, 1, &[0xde, 0xad, 0xbe, 0xef]),
                chunk(DONT_CARE, 2, &[]),
                chunk(CRC, 0, &[1, 2, 3, 4]),
                chunk(RAW, 1, &[0x77; 512]),
            ],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree.get("0x0.android-sparse/image.raw").expect("expanded");
        assert_eq!(e.size, 3072);
        assert_eq!(&e.data[..1024], &raw[..]);
        assert_eq!(&e.data[1024..1028], &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(&e.data[1532..1536], &[0xde, 0xad, 0xbe, 0xef]);
        assert!(e.data[1536..2560].iter().all(|&b| b == 0));
        assert!(e.data[2560..].iter().all(|&b| b == 0x77));
        assert_eq!(tree.layers[0].variant, "6 blocks of 512 bytes in 5 chunks");
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn hostile_huge_output_is_a_limit() {
        // 4 GiB-blocks x 0xffffffff: far beyond any budget; nothing allocated
        let img = build(
            1 << 30,
            u32::MAX,
            &[chunk(DONT_CARE, 1, &[]), chunk(DONT_CARE, 1, &[])],
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.get("0x0.android-sparse/image.raw").is_none());
        assert_eq!(tree.limits_hit.len(), 1, "{:?}", tree.limits_hit);
        assert_eq!(tree.limits_hit[0].limit, "max-bytes");
    }

    #[test]
    fn hostile_inconsistent_and_cut_chunks() {
        // raw chunk claims 100 blocks but carries 512 bytes: only the valid chunk before it
        let mut bad = chunk(RAW, 100, &[0u8; 512]);
        bad[8..12].copy_from_slice(&(12u32 + 512).to_le_bytes());
        let img = build(512, 200, &[chunk(FILL, 1, &[1, 1, 1, 1]), bad]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree.get("0x0.android-sparse/image.raw").unwrap();
        assert_eq!(e.size, 512 * 200);
        assert_eq!(&e.data[..4], &[1, 1, 1, 1]);
        assert_eq!(tree.errors.len(), 1);
        assert!(
            tree.errors[0].error.contains("inconsistent"),
            "{:?}",
            tree.errors
        );
        // cut in the middle of a raw chunk
        let mut img = build(512, 2, &[chunk(RAW, 2, &[9u8; 1024])]);
        img.truncate(img.len() - 100);
        assert!(AndroidSparse.identify(&img, 0, &Probe::default()).is_none());
    }
}
