//! xz (.xz container of LZMA2 and BCJ filters).
//!
//! ```text
//! 00000000  fd 37 7a 58 5a 00 00 04  e6 d6 b4 46 02 00 21 01  |.7zXZ......F..!.|
//! struct xz_stream_header {
//!     u8  magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
//!     u8  flags[2];     // 0, check type (0 none, 1 crc32, 4 crc64, 10 sha256)
//!     u32 crc32;        // of the flags
//! };
//! // blocks, index, then a 12-byte footer ending in "YZ"
//! ```
//!
//! One stream per chunk; concatenated streams are carved one after the other.

use crate::formats::compression::gzip::{
    emit_stream, probed_chunk, read_probe, stream_output_name,
};
use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "xz",
    category: Category::Compression,
    description: "xz stream (LZMA2, with the BCJ filters xz supports).",
    references: &["https://tukaani.org/xz/xz-file-format.txt"],
    limitations: "Each stream of a multi-stream file becomes its own layer.",
};

pub struct Xz;

/// Decoder memory allowed for one block's dictionary (KiB): 1.5 GiB covers `xz -9e`
/// and rejects absurd claims before allocating.
const MEM_LIMIT_KB: u32 = 1536 * 1024;

impl Handler for Xz {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\xfd7zXZ\x00")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        // stream header + footer; flags byte 0 must be 0, check type <= 15
        if d.len() < 32 || d[6] != 0 || d[7] > 0x0f {
            return None;
        }
        if crc32fast::hash(&d[6..8]).to_le_bytes() != d[8..12] {
            return None;
        }
        let mut rest = d;
        let p = {
            let dec = lzma_rust2::XzReader::new_mem_limit(&mut rest, false, MEM_LIMIT_KB);
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
                    .ok_or_else(|| FormatError::Invalid("xz stream does not decode".into()))?;
                &own
            }
        };
        let mut name = stream_output_name(out.blob_name(), &[".xz", ".txz"]);
        if out.blob_name().ends_with(".txz") {
            name.push_str(".tar");
        }
        emit_stream("xz", chunk, &name, out)
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;
    use std::io::Write;

    pub(crate) fn xz(body: &[u8]) -> Vec<u8> {
        let mut w =
            lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6)).unwrap();
        w.write_all(body).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn two_streams_two_layers() {
        let a = xz(b"first stream contents\n");
        let b = xz(&vec![b'z'; 100_000]);
        let mut img = vec![0u8; 16];
        img.extend(&a);
        let off_b = img.len();
        img.extend(&b);
        img.extend([0xffu8; 40]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        assert_eq!(
            &tree.get("0x10.xz/data").unwrap().data[..],
            b"first stream contents\n"
        );
        let second = tree.get(&format!("{off_b:#x}.xz/data")).unwrap();
        assert_eq!(second.size, 100_000);
        assert_eq!(tree.layers[0].size, a.len() as u64);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn truncated_stream_keeps_its_decoded_part_and_reports() {
        // little-compressible data spans several LZMA2 chunks
        let mut x = 1u32;
        let body: Vec<u8> = (0..400_000u32)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8 & 0x3f
            })
            .collect();
        let full = xz(&body);
        let cut = full[..full.len() / 2].to_vec();
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(cut));
        let e = tree.get("0x0.xz/data").expect("partial output kept");
        assert!(e.size > 1000 && e.size < body.len() as u64, "{}", e.size);
        assert_eq!(&e.data[..], &body[..e.size as usize]);
        assert_eq!(tree.layers[0].variant, "damaged");
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert!(
            tree.errors[0].error.contains("xz stream"),
            "{:?}",
            tree.errors
        );
    }
}
