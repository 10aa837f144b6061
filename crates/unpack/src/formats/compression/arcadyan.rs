//! Arcadyan's obfuscated LZMA (Linksys WRT120N and other Arcadyan-built RTOS devices): an
//! LZMA-alone stream whose first bytes are shuffled. After a 4-byte prefix, the 32-byte
//! block at offset 4 and the 32-byte block at 0x68 are swapped; the block that lands at
//! offset 4 then has each byte's nibbles swapped and each pair of bytes swapped. Undoing
//! that gives the prefix followed by a plain LZMA-alone stream at offset 4.
//!
//! Written by hand: a fixed permutation of 0x88 bytes; the LZMA stream is decoded by the
//! `lzma` handler's decoder.
//!
//! ```text
//! 00000000  30 05 11 20 fb 1f 90 11  86 7c 0e e8 33 c4 f4 be  |0.. .....|..3...|
//! 00000060  b0 1e 03 38 ac 6d d3 83  00 d5 08 00 44 00 a2 de  |...8.m......D...|
//! struct arcadyan_obfuscated {
//!     u8 prefix[4];              // kept as is
//!     u8 block_b[32];            // 0x04: belongs at 0x68
//!     u8 middle[0x44];           // 0x24: kept as is
//!     u8 block_a[32];            // 0x68: nibble- and pair-swapped LZMA header; the magic
//!                                //       00 d5 08 00 is 5d 00 00 80 (props 0x5d, 8 MiB dict)
//!     u8 rest[];                 // 0x88: LZMA data, kept as is
//! };
//! ```
//! (dump: the corpus fixture `formats/arcadyan.bin`)

use bytes::Bytes;

use crate::formats::compression::lzma::Lzma;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "arcadyan",
    category: Category::Compression,
    description: "Arcadyan obfuscated LZMA (Linksys WRT120N and other Arcadyan RTOS images): \
                  deobfuscated in process and decoded; the output is emitted as 'data'.",
    references: &[
        "ReFirmLabs/binwalk src/signatures/arcadyan.rs, src/extractors/arcadyan.rs",
        "devttys0, 'Reversing the WRT120N's Firmware Obfuscation' (2014)",
    ],
    limitations: "Obfuscated streams larger than 32 MiB are not deobfuscated (one copy of the \
                  stream is made).",
};

const MAGIC_AT: usize = 0x68;
const BLOCK: usize = 32;
const MAX_IN: usize = 32 << 20;

pub struct Arcadyan;

/// Undo the obfuscation of the first 0x88 bytes; `d` must hold at least 0x88 bytes.
pub fn deobfuscate(d: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(d.len());
    v.extend_from_slice(&d[..4]);
    v.extend_from_slice(&d[MAGIC_AT..MAGIC_AT + BLOCK]);
    v.extend_from_slice(&d[4 + BLOCK..MAGIC_AT]);
    v.extend_from_slice(&d[4..4 + BLOCK]);
    v.extend_from_slice(&d[MAGIC_AT + BLOCK..]);
    for b in &mut v[4..4 + BLOCK] {
        *b = b.rotate_left(4);
    }
    for pair in v[4..4 + BLOCK].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    v
}

impl Handler for Arcadyan {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at(b"\x00\xd5\x08\x00", MAGIC_AT)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() <= MAGIC_AT + BLOCK || d.len() > MAX_IN {
            return None;
        }
        let plain = deobfuscate(d);
        let c = Lzma.identify(&plain, 4, probe)?;
        Some(Chunk {
            start,
            end: start + c.end,
            decoded: c.decoded,
            truncated: c.truncated,
            variant: c.variant,
            ..Chunk::default()
        })
    }

    fn extract(&self, _data: &Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some(decoded) = chunk.decoded.clone() else {
            return invalid("arcadyan: stream was not decoded");
        };
        out.file("data", Meta::mode(0o644), decoded)?;
        if chunk.variant == "damaged" {
            return truncated("arcadyan: LZMA stream is damaged or ends early; decoded part kept");
        }
        Ok(())
    }
}

/// Obfuscate a stream the way Arcadyan's tool does (the inverse of [`deobfuscate`]; tests).
#[cfg(test)]
pub(crate) fn obfuscate(plain: &[u8]) -> Vec<u8> {
    let mut p = plain.to_vec();
    for pair in p[4..4 + BLOCK].chunks_exact_mut(2) {
        pair.swap(0, 1);
    }
    for b in &mut p[4..4 + BLOCK] {
        *b = b.rotate_left(4);
    }
    let mut v = Vec::with_capacity(p.len());
    v.extend_from_slice(&p[..4]);
    v.extend_from_slice(&p[MAGIC_AT..MAGIC_AT + BLOCK]);
    v.extend_from_slice(&p[4 + BLOCK..MAGIC_AT]);
    v.extend_from_slice(&p[4..4 + BLOCK]);
    v.extend_from_slice(&p[MAGIC_AT + BLOCK..]);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    #[test]
    fn round_trip_of_an_obfuscated_stream() {
        let body: Vec<u8> = (0..200_000u32)
            .map(|i| (i % 251) as u8 ^ (i >> 9) as u8)
            .collect();
        let mut opts = lzma_rust2::LzmaOptions::with_preset(6);
        opts.dict_size = 1 << 23;
        let mut w = lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &opts, None).unwrap();
        w.write_all(&body).unwrap();
        let lz = w.finish().unwrap();
        let mut plain = b"\x30\x05\x11\x20".to_vec();
        plain.extend(&lz);
        let obf = obfuscate(&plain);
        assert_eq!(&obf[MAGIC_AT..MAGIC_AT + 4], b"\x00\xd5\x08\x00");
        assert_eq!(deobfuscate(&obf), plain);
        let mut img = vec![0xffu8; 256];
        img.extend(&obf);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree
            .get("0x100.arcadyan/data")
            .expect("deobfuscated output");
        assert!(e.data == body);
        assert_eq!(tree.layers[0].size, obf.len() as u64);
    }

    #[test]
    fn magic_without_a_stream_is_refused() {
        let mut d = vec![0x33u8; 0x400];
        d[MAGIC_AT..MAGIC_AT + 4].copy_from_slice(b"\x00\xd5\x08\x00");
        assert!(Arcadyan.identify(&d, 0, &Probe::default()).is_none());
    }
}
