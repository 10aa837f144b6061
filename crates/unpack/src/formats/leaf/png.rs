//! PNG images: recognised so that their zlib data is not carved.
//!
//! ```text
//! 00000000  89 50 4e 47 0d 0a 1a 0a  00 00 00 0d 49 48 44 52  |.PNG........IHDR|
//! u8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
//! struct chunk { u32 length_be; char type[4]; u8 data[length]; u32 crc32_be; };
//! // the first chunk is IHDR (13 bytes); the last is IEND
//! ```
//!
//! Chunks are walked with their CRCs checked; the image ends after IEND. A damaged image
//! (bad CRC, truncated) ends after its last good chunk.

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "png",
    category: Category::Leaf,
    description: "PNG image (skipped: extent found by walking CRC-checked chunks to IEND).",
    references: &["W3C PNG Specification (Third Edition), 5 Datastream structure"],
    limitations: "",
};

pub struct Png;

const SIG: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// (length up to IEND or the last good chunk, IEND reached)
pub fn png_len(d: &[u8]) -> Option<(usize, bool)> {
    if !d.starts_with(SIG) {
        return None;
    }
    let mut p = 8usize;
    let mut first = true;
    while let Some(h) = d.get(p..p + 8) {
        let len = u32::from_be_bytes([h[0], h[1], h[2], h[3]]) as usize;
        let ty = &h[4..8];
        if len > (1 << 31) || !ty.iter().all(u8::is_ascii_alphabetic) {
            break;
        }
        if first && (ty != b"IHDR" || len != 13) {
            return None;
        }
        let Some(body) = d.get(p + 4..p + 8 + len) else {
            break;
        };
        let Some(crc) = d.get(p + 8 + len..p + 12 + len) else {
            break;
        };
        if crc32fast::hash(body).to_be_bytes() != crc {
            if first {
                return None;
            }
            break;
        }
        first = false;
        p += 12 + len;
        if ty == b"IEND" {
            return Some((p, true));
        }
    }
    (!first).then_some((p, false))
}

impl Handler for Png {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(SIG)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let (len, complete) = png_len(data.get(start..)?)?;
        let mut c = Chunk::new(start, start + len);
        if !complete {
            c.variant = "truncated".into();
        }
        Some(c)
    }

    fn extract(&self, _data: &bytes::Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(v: &mut Vec<u8>, ty: &[u8; 4], body: &[u8]) {
        v.extend((body.len() as u32).to_be_bytes());
        let mut c = ty.to_vec();
        c.extend(body);
        v.extend(&c);
        v.extend(crc32fast::hash(&c).to_be_bytes());
    }

    #[test]
    fn chunk_walk_with_crcs() {
        let mut p = SIG.to_vec();
        chunk(&mut p, b"IHDR", &[0u8; 13]);
        chunk(&mut p, b"IDAT", b"\x78\x9c not really");
        chunk(&mut p, b"IEND", b"");
        let n = p.len();
        p.extend(b"after");
        assert_eq!(png_len(&p), Some((n, true)));
        // damage the IDAT CRC: ends after IHDR
        let mut bad = p.clone();
        bad[8 + 25 + 10] ^= 1;
        assert_eq!(png_len(&bad), Some((8 + 25, false)));
        // no IHDR first: not a PNG
        let mut q = SIG.to_vec();
        chunk(&mut q, b"IEND", b"");
        assert_eq!(png_len(&q), None);
    }
}
