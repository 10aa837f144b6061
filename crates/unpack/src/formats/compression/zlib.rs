//! zlib (RFC 1950): a two-byte header, a deflate stream and an Adler-32 of the output.
//!
//! ```text
//! 00000000  78 9c 4b cb cf 4f 4a 2c  e2 02 00 08 ab 02 1a     |x.K..OJ,.......|
//! struct zlib_header {
//!     u8 cmf;   // low nibble CM = 8 (deflate), high nibble CINFO <= 7 (window 2^(CINFO+8))
//!     u8 flg;   // (cmf * 256 + flg) % 31 == 0; bit 5 FDICT (preset dictionary) must be 0 here
//! };
//! // deflate data, then u32 adler32 (big-endian) of the uncompressed data
//! ```
//!
//! The magic is only two bytes and one of them is a check, so candidates are frequent in
//! any binary. A candidate is accepted only when the stream decodes completely, its
//! Adler-32 matches and the output is at least [`MIN_OUTPUT`] bytes long.

use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "zlib",
    category: Category::Compression,
    description: "zlib stream (deflate with an Adler-32 trailer), as found raw inside firmware.",
    references: &["RFC 1950", "RFC 1951"],
    limitations: "Only the common headers 78 01/5e/9c/da are carved; streams with a preset \
                  dictionary, damaged streams and outputs under 64 bytes are not accepted.",
};

/// Smallest output accepted: shorter streams are too likely to be accidental.
pub const MIN_OUTPUT: usize = 64;

pub struct Zlib;

impl Handler for Zlib {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 4] = [
            Magic::at0(b"\x78\x01"),
            Magic::at0(b"\x78\x5e"),
            Magic::at0(b"\x78\x9c"),
            Magic::at0(b"\x78\xda"),
        ];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() < 8 {
            return None;
        }
        let (cmf, flg) = (d[0], d[1]);
        if cmf & 0x0f != 8 || cmf >> 4 > 7 || flg & 0x20 != 0 {
            return None;
        }
        if (u16::from(cmf) * 256 + u16::from(flg)) % 31 != 0 {
            return None;
        }
        let mut rest = d;
        let p = {
            let dec = flate2::bufread::ZlibDecoder::new(&mut rest);
            read_probe(dec, probe)
        };
        // weak magic: no damaged streams, no tiny outputs
        if p.error.is_some() || (!p.truncated && p.out.len() < MIN_OUTPUT) {
            return None;
        }
        let end = data.len() - rest.len();
        probed_chunk(p, start, end, data.len(), usize::MAX)
    }

    fn extract(&self, data: &bytes::Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let own;
        let chunk = match chunk.decoded {
            Some(_) => chunk,
            None => {
                own = self
                    .identify(data, 0, &out.probe())
                    .ok_or_else(|| FormatError::Invalid("zlib stream does not decode".into()))?;
                &own
            }
        };
        let name = stream_output_name(out.blob_name(), &[".zlib", ".zz"]);
        emit_stream("zlib", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;
    use std::io::Write;

    fn zlib(body: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(body).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn carves_zlib_and_finds_its_end() {
        let body: Vec<u8> = (0..1000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let z = zlib(&body);
        let mut img = vec![0xaau8; 33];
        img.extend(&z);
        img.extend(b"TRAILING-BYTES-AFTER-THE-STREAM");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree.get("0x21.zlib/data").expect("zlib output");
        assert_eq!(&e.data[..], &body[..]);
        assert_eq!(tree.layers.len(), 1);
        assert_eq!(tree.layers[0].size, z.len() as u64);
    }

    #[test]
    fn short_or_corrupt_streams_are_not_carved() {
        // a valid stream with a 10-byte output is below the plausibility bound
        let mut img = zlib(b"tiny text!");
        img.extend(vec![0u8; 64]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.layers.is_empty());
        // a corrupted Adler-32 is refused
        let body = vec![7u8; 5000];
        let mut z = zlib(&body);
        let n = z.len();
        z[n - 1] ^= 0xff;
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(z));
        assert!(tree.layers.is_empty());
        // a header whose check bits fail is refused without decoding
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from_static(
            b"\x78\x9d\x00\x00\x00\x00\x00\x00\x00\x00",
        ));
        assert!(tree.layers.is_empty());
    }
}
