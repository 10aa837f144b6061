//! bzip2 stream.
//!
//! ```text
//! 00000000  42 5a 68 39 31 41 59 26  53 59 4d 8e 1f 4a 00 00  |BZh91AY&SYM..J..|
//! struct bzip2_header {
//!     u8 magic[3] = "BZh";
//!     u8 level;             // '1'..'9': block size in 100 kB units
//!     u8 block_magic[6];    // 31 41 59 26 53 59 (pi), or 17 72 45 38 50 90 (sqrt(pi),
//!                           // end of stream) for an empty stream
//! };
//! // Huffman-coded blocks (bit-aligned), then the end-of-stream marker and a combined CRC
//! ```

use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "bzip2",
    category: Category::Compression,
    description: "bzip2 stream.",
    references: &[
        "https://sourceware.org/bzip2/",
        "https://github.com/dsnet/compress/blob/master/doc/bzip2-format.pdf",
    ],
    limitations:
        "Each stream of a multi-stream file becomes its own layer; empty streams are not carved.",
};

pub struct Bzip2;

macro_rules! bz_magics {
    ($($l:literal),*) => { [$(Magic::at0(&[b'B', b'Z', b'h', $l, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]),)*] };
}

impl Handler for Bzip2 {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 9] = bz_magics!(b'1', b'2', b'3', b'4', b'5', b'6', b'7', b'8', b'9');
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() < 14 || !d.starts_with(b"BZh") || !(b'1'..=b'9').contains(&d[3]) {
            return None;
        }
        let mut rest = d;
        let p = {
            let dec = bzip2::bufread::BzDecoder::new(&mut rest);
            read_probe(dec, probe)
        };
        let end = data.len() - rest.len();
        probed_chunk(p, start, end, data.len(), 512)
    }

    fn extract(&self, data: &bytes::Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let own;
        let chunk = match chunk.decoded {
            Some(_) => chunk,
            None => {
                own = self
                    .identify(data, 0, &out.probe())
                    .ok_or_else(|| FormatError::Invalid("bzip2 stream does not decode".into()))?;
                &own
            }
        };
        let mut name = stream_output_name(out.blob_name(), &[".bz2", ".tbz2", ".tbz", ".bzip2"]);
        if out.blob_name().ends_with(".tbz2") || out.blob_name().ends_with(".tbz") {
            name.push_str(".tar");
        }
        emit_stream("bzip2", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;
    use std::io::Write;

    fn bz(body: &[u8]) -> Vec<u8> {
        let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::best());
        e.write_all(body).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn carves_bzip2_with_exact_extent() {
        let body = b"netvet bzip2 test line\n".repeat(300);
        let s = bz(&body);
        let mut img = b"HEADER--".to_vec();
        img.extend(&s);
        img.extend(b"\x00\x01\x02 after");
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0x8.bzip2/data").unwrap().data[..], &body[..]);
        assert_eq!(tree.layers[0].size, s.len() as u64);
    }

    #[test]
    fn corrupt_stream_is_refused() {
        let body = b"abcdefgh".repeat(100);
        let mut s = bz(&body);
        for b in s.iter_mut().skip(12).take(20) {
            *b ^= 0x5a;
        }
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(s));
        assert!(tree.layers.is_empty(), "{:?}", tree.layers);
    }
}
