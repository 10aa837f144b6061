//! LZ4: the frame format and the legacy format that Linux kernels and initramfs use.
//!
//! ```text
//! 00000000  04 22 4d 18 64 40 a7 1b  00 00 00 6c 69 6e 65 20  |."M.d@.....line |
//! struct lz4_frame_header {
//!     u32 magic = 0x184d2204;   // little-endian
//!     u8  flg;                  // bits 7-6 version = 01, 5 block independence, 4 block
//!                               // checksum, 3 content size, 2 content checksum, 1 reserved,
//!                               // 0 dictionary id
//!     u8  bd;                   // bits 6-4 block max size (4: 64 KiB .. 7: 4 MiB); others 0
//!     // [u64 content size] [u32 dictionary id] u8 header checksum
//! };
//! // blocks: u32 size (bit 31: stored), data, [u32 checksum]; u32 0 ends; [u32 checksum]
//!
//! 00000000  02 21 4c 18 5e 0d 00 00  ...                      |.!L.^...|
//! struct lz4_legacy { u32 magic = 0x184c2102; };
//! // blocks: u32 compressed size + LZ4 block, each decoding to at most 8 MiB; the stream
//! // ends at the end of the data or at the first size that is not a plausible block
//! ```
//!
//! The frame's extent is found by walking block headers (no decoding needed); the legacy
//! format has no end marker, so its blocks are decoded one by one and the stream ends
//! before the first block that does not decode.

use crate::bytes::le32;
use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name, Probed,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "lz4",
    category: Category::Compression,
    description: "LZ4 frame, or LZ4 legacy stream (Linux kernel / initramfs compression).",
    references: &[
        "https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md",
        "https://github.com/lz4/lz4/blob/dev/doc/lz4_Block_format.md",
    ],
    limitations: "Frames using a preset dictionary are not decoded; the frame header \
                  checksum is not verified (the structure walk and the decode are).",
};

pub struct Lz4;

const LEGACY_MAGIC: [u8; 4] = [0x02, 0x21, 0x4c, 0x18];
const FRAME_MAGIC: [u8; 4] = [0x04, 0x22, 0x4d, 0x18];
const LEGACY_BLOCK: usize = 8 << 20;
/// LZ4_compressBound(8 MiB).
const LEGACY_BOUND: usize = LEGACY_BLOCK + LEGACY_BLOCK / 255 + 16;

/// Walk a frame's header and block headers; the frame's length in bytes.
fn frame_len(d: &[u8]) -> Option<usize> {
    let flg = *d.get(4)?;
    let bd = *d.get(5)?;
    if flg >> 6 != 1 || flg & 0x02 != 0 || bd & 0x8f != 0 || (bd >> 4) < 4 {
        return None;
    }
    if flg & 0x01 != 0 {
        return None; // dictionary: cannot decode
    }
    let max_block = 1usize << (8 + 2 * (bd >> 4));
    let mut p = 6 + if flg & 0x08 != 0 { 8 } else { 0 } + 1;
    let block_sum = flg & 0x10 != 0;
    loop {
        let word = le32(d, p)?;
        p += 4;
        if word == 0 {
            break;
        }
        let size = (word & 0x7fff_ffff) as usize;
        if size > max_block {
            return None;
        }
        p = p.checked_add(size)? + if block_sum { 4 } else { 0 };
        if p > d.len() {
            return None;
        }
    }
    if flg & 0x04 != 0 {
        p += 4;
    }
    (p <= d.len()).then_some(p)
}

/// Decode a legacy stream block by block: (output, stream length in bytes, truncated).
/// Output past the probe's memory bound goes to a spool file.
fn legacy(d: &[u8], probe: &Probe) -> Option<(bytes::Bytes, usize, bool)> {
    let max = probe.max_output;
    let mut out = probe.spool();
    let mut buf = vec![0u8; LEGACY_BLOCK];
    let mut p = 4usize;
    while let Some(size) = le32(d, p) {
        let size = size as usize;
        // a size that cannot be a block (another stream's magic, the kernel's appended
        // length, padding) ends the stream
        if size == 0 || size > LEGACY_BOUND || size > d.len() - p - 4 {
            break;
        }
        let src = &d[p + 4..p + 4 + size];
        let Ok(n) = lz4_flex::block::decompress_into(src, &mut buf) else {
            break;
        };
        p += 4 + size;
        let room = max.saturating_sub(out.len()) as usize;
        if n > room {
            out.push(&buf[..room]).ok()?;
            return Some((out.finish().ok()?, d.len(), true));
        }
        if out.push(&buf[..n]).is_err() {
            break;
        }
    }
    (p > 4 && !out.is_empty()).then_some((out.finish().ok()?, p, false))
}

impl Handler for Lz4 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [Magic::at0(&FRAME_MAGIC), Magic::at0(&LEGACY_MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.starts_with(&LEGACY_MAGIC) {
            let (out, len, truncated) = legacy(d, probe)?;
            let p = Probed {
                out,
                truncated,
                error: None,
            };
            let mut c = probed_chunk(p, start, start + len, data.len(), usize::MAX)?;
            c.variant = "legacy".into();
            return Some(c);
        }
        if !d.starts_with(&FRAME_MAGIC) {
            return None;
        }
        let len = frame_len(d)?;
        let p = read_probe(lz4_flex::frame::FrameDecoder::new(&d[..len]), probe);
        if p.error.is_some() {
            return None; // the structure walked but the content does not decode
        }
        probed_chunk(p, start, start + len, data.len(), usize::MAX)
    }

    fn extract(&self, data: &bytes::Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let own;
        let chunk = match chunk.decoded {
            Some(_) => chunk,
            None => {
                own = self
                    .identify(data, 0, &out.probe())
                    .ok_or_else(|| FormatError::Invalid("lz4 stream does not decode".into()))?;
                &own
            }
        };
        let name = stream_output_name(out.blob_name(), &[".lz4"]);
        emit_stream("lz4", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;
    use std::io::Write;

    fn frame(body: &[u8]) -> Vec<u8> {
        let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
        e.write_all(body).unwrap();
        e.finish().unwrap()
    }

    fn legacy_stream(body: &[u8]) -> Vec<u8> {
        let mut v = LEGACY_MAGIC.to_vec();
        for part in body.chunks(LEGACY_BLOCK) {
            let c = lz4_flex::block::compress(part);
            v.extend((c.len() as u32).to_le_bytes());
            v.extend(c);
        }
        v
    }

    #[test]
    fn frame_extent_and_content() {
        let body = b"lz4 frame payload. ".repeat(4000);
        let f = frame(&body);
        let mut img = vec![0xeeu8; 12];
        img.extend(&f);
        img.extend([0x99u8; 77]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0xc.lz4/data").unwrap().data[..], &body[..]);
        assert_eq!(tree.layers[0].size, f.len() as u64);
    }

    #[test]
    fn legacy_kernel_style_stream_with_trailing_size() {
        let body: Vec<u8> = (0..(9u32 << 20))
            .map(|i| (i % 251) as u8 ^ (i >> 12) as u8)
            .collect();
        let mut s = legacy_stream(&body);
        let stream_len = s.len();
        // the kernel build appends the uncompressed size
        s.extend((body.len() as u32).to_le_bytes());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(s));
        let e = tree.get("0x0.lz4/data").expect("legacy output");
        assert_eq!(e.size, body.len() as u64);
        assert!(e.data[..] == body[..]);
        assert_eq!(tree.layers[0].size, stream_len as u64);
        assert_eq!(tree.layers[0].variant, "legacy");
    }

    #[test]
    fn bad_block_sizes_are_refused() {
        // frame whose first block claims more than the 64 KiB maximum
        let mut f = FRAME_MAGIC.to_vec();
        f.extend([0x60, 0x40, 0x82]); // flg, bd (64 KiB), hc
        f.extend((1u32 << 20).to_le_bytes());
        f.extend(vec![0u8; 64]);
        assert!(frame_len(&f).is_none());
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(f));
        assert!(tree.layers.is_empty());
        // legacy magic followed by garbage
        let mut l = LEGACY_MAGIC.to_vec();
        l.extend(0xffff_fff0u32.to_le_bytes());
        l.extend([1u8; 40]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(l));
        assert!(tree.layers.is_empty());
    }
}
