//! LZMA-alone (`.lzma`, the LZMA SDK / LZMA Utils format), used for Linux kernels inside
//! uImage and TRX containers.
//!
//! ```text
//! 00000000  5d 00 00 80 00 ff ff ff  ff ff ff ff ff 00 23 1b  |].............#.|
//! struct lzma_alone_header {
//!     u8  props;        // (pb * 5 + lp) * 9 + lc, < 225
//!     u32 dict_size;    // little-endian
//!     u64 size;         // uncompressed size, little-endian; all ones = unknown (end marker)
//! };
//! // raw LZMA data
//! ```
//!
//! The header has no magic and no checksum, so the carver looks for the common property
//! bytes (0x5d: lc3 lp0 pb2, the default; 0x6d: lc1 lp2 pb2, OpenWrt's kernel loader;
//! 0x6e: lc2 lp2 pb2, TP-Link's VxWorks kernels, e.g. fact_extractor's `tpl/.../wr.fw`)
//! followed by a power-of-two dictionary of 64 KiB to 64 MiB. A candidate is accepted when
//! the stream decodes completely: to its end marker, or to the declared size with the
//! range coder in its final state.

use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "lzma",
    category: Category::Compression,
    description: "LZMA-alone stream (13-byte header + raw LZMA), e.g. compressed kernels.",
    references: &[
        "LZMA SDK, DOC/lzma-specification.txt",
        "xz-utils, doc/lzma-file-format.txt",
    ],
    limitations: "Carved only with properties 0x5d, 0x6d or 0x6e and a power-of-two dictionary of \
                  64 KiB..64 MiB; other headers are accepted when a blob starts with them.",
};

pub struct Lzma;

/// Largest declared uncompressed size taken seriously (a larger one is not a real header).
const MAX_DECLARED: u64 = 1 << 34;

macro_rules! lzma_magics {
    ($($p:literal),*) => {
        [$(
            Magic::at0(&[$p, 0, 0, 0x01, 0]), Magic::at0(&[$p, 0, 0, 0x02, 0]),
            Magic::at0(&[$p, 0, 0, 0x04, 0]), Magic::at0(&[$p, 0, 0, 0x08, 0]),
            Magic::at0(&[$p, 0, 0, 0x10, 0]), Magic::at0(&[$p, 0, 0, 0x20, 0]),
            Magic::at0(&[$p, 0, 0, 0x40, 0]), Magic::at0(&[$p, 0, 0, 0x80, 0]),
            Magic::at0(&[$p, 0, 0, 0, 0x01]), Magic::at0(&[$p, 0, 0, 0, 0x02]),
            Magic::at0(&[$p, 0, 0, 0, 0x04]),
        )*]
    };
}

/// Parse and sanity-check the 13-byte header: (props, dict_size, declared size).
pub fn parse_header(d: &[u8]) -> Option<(u8, u32, Option<u64>)> {
    let h = d.get(..13)?;
    let props = h[0];
    if props >= 225 {
        return None;
    }
    let dict = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
    // a dictionary below 4 KiB is raised to 4 KiB by encoders; above 1.5 GiB is not real
    if !(4096..=(3 << 29)).contains(&dict) {
        return None;
    }
    let size = u64::from_le_bytes([h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12]]);
    let size = if size == u64::MAX {
        None
    } else if size == 0 || size > MAX_DECLARED {
        return None;
    } else {
        Some(size)
    };
    Some((props, dict, size))
}

impl Handler for Lzma {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 33] = lzma_magics!(0x5d, 0x6d, 0x6e);
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (props, dict, size) = parse_header(d)?;
        let mut input = &d[13..];
        let mut reader = lzma_rust2::LzmaReader::new_with_props(
            &mut input,
            size.unwrap_or(u64::MAX),
            props,
            dict,
            None,
        )
        .ok()?;
        reader.set_relaxed_end_condition(false);
        let p = read_probe(&mut reader, probe);
        if let (Some(n), false, None) = (size, p.truncated, &p.error) {
            if p.out.len() as u64 != n {
                return None;
            }
        }
        let (rest, buffered) = reader.into_parts();
        let end = data.len().saturating_sub(rest.len() + buffered.len());
        // no magic, no checksum: a damaged stream must have produced a lot to be kept
        probed_chunk(p, start, end, data.len(), 64 << 10)
    }

    fn extract(&self, data: &bytes::Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let own;
        let chunk = match chunk.decoded {
            Some(_) => chunk,
            None => {
                own = self
                    .identify(data, 0, &out.probe())
                    .ok_or_else(|| FormatError::Invalid("lzma stream does not decode".into()))?;
                &own
            }
        };
        let name = stream_output_name(out.blob_name(), &[".lzma", ".tlz"]);
        emit_stream("lzma", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;
    use std::io::Write;

    pub(crate) fn lzma_alone(body: &[u8], known_size: bool) -> Vec<u8> {
        let mut opts = lzma_rust2::LzmaOptions::with_preset(6);
        opts.dict_size = 1 << 23;
        let size = if known_size {
            Some(body.len() as u64)
        } else {
            None
        };
        let mut w = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &opts, size).unwrap();
        w.write_all(body).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn unknown_and_known_size_streams() {
        let body: Vec<u8> = (0..50_000u32).map(|i| (i % 97) as u8).collect();
        for known in [false, true] {
            let s = lzma_alone(&body, known);
            assert_eq!(s[0], 0x5d);
            let mut img = vec![0xffu8; 64];
            img.extend(&s);
            img.extend([0x11u8; 100]);
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
            let e = tree.get("0x40.lzma/data").expect("lzma output");
            assert_eq!(&e.data[..], &body[..], "known size: {known}");
            assert_eq!(tree.layers[0].size, s.len() as u64, "known size: {known}");
        }
    }

    #[test]
    fn header_checks() {
        let mut h = [0u8; 13];
        h[0] = 0x5d;
        h[1..5].copy_from_slice(&(1u32 << 23).to_le_bytes());
        h[5..13].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(parse_header(&h), Some((0x5d, 1 << 23, None)));
        h[0] = 225;
        assert_eq!(parse_header(&h), None);
        h[0] = 0x5d;
        h[5..13].copy_from_slice(&(1u64 << 40).to_le_bytes());
        assert_eq!(parse_header(&h), None, "absurd declared size");
        h[5..13].copy_from_slice(&100u64.to_le_bytes());
        h[1..5].copy_from_slice(&16u32.to_le_bytes());
        assert_eq!(parse_header(&h), None, "dictionary too small");
    }

    #[test]
    fn random_bytes_after_a_header_are_refused() {
        let mut img = vec![0x5d, 0, 0, 0x80, 0];
        img.extend(1000u64.to_le_bytes());
        let mut x = 0x1234_5678u32;
        for _ in 0..4000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            img.push((x >> 16) as u8);
        }
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.layers.is_empty(), "{:?}", tree.layers);
    }
}
