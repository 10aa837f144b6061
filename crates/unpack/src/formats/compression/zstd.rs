//! Zstandard frame (RFC 8878).
//!
//! ```text
//! 00000000  28 b5 2f fd 24 0c 61 00  00 68 65 6c 6c 6f 20 77  |(./.$.a..hello w|
//! struct zstd_frame_header {
//!     u32 magic = 0xfd2fb528;       // little-endian
//!     u8  descriptor;               // bits 7-6 FCS size, 5 single segment, 3 reserved = 0,
//!                                   // 2 checksum, 1-0 dictionary id size
//!     // [window descriptor] [dictionary id] [frame content size]
//! };
//! // blocks: u24 header (last, type, size) + data; [u32 content checksum]
//! ```

use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "zstd",
    category: Category::Compression,
    description: "Zstandard frame.",
    references: &["RFC 8878"],
    limitations: "One frame per layer; frames needing a dictionary and windows over 128 MiB \
                  are not decoded; skippable frames are not carved.",
};

pub struct Zstd;

impl Handler for Zstd {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x28\xb5\x2f\xfd")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        // the reserved bit of the frame header descriptor must be zero
        if d.len() < 9 || d[4] & 0x08 != 0 {
            return None;
        }
        let mut rest = d;
        let p = {
            // the default window limit (128 MiB) refuses absurd window claims up front
            let dec = ruzstd::decoding::StreamingDecoder::new(&mut rest).ok()?;
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
                    .ok_or_else(|| FormatError::Invalid("zstd frame does not decode".into()))?;
                &own
            }
        };
        let mut name = stream_output_name(out.blob_name(), &[".zst", ".zstd", ".tzst"]);
        if out.blob_name().ends_with(".tzst") {
            name.push_str(".tar");
        }
        emit_stream("zstd", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;

    fn zst(body: &[u8]) -> Vec<u8> {
        ruzstd::encoding::compress_to_vec(body, ruzstd::encoding::CompressionLevel::Fastest)
    }

    #[test]
    fn carves_a_frame_between_other_data() {
        let body: Vec<u8> = b"zstd in firmware ".repeat(500);
        let f = zst(&body);
        let mut img = vec![0x55u8; 20];
        img.extend(&f);
        img.extend([0u8; 30]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(&tree.get("0x14.zstd/data").unwrap().data[..], &body[..]);
        assert_eq!(tree.layers[0].size, f.len() as u64);
    }

    #[test]
    fn huge_window_claim_is_refused() {
        // descriptor 0x00: window descriptor follows; 0xf8 = exponent 31 -> 2 TiB window
        let img = b"\x28\xb5\x2f\xfd\x00\xf8\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert!(tree.layers.is_empty());
    }
}
