//! gzip (RFC 1952): one member per chunk; concatenated members are separate chunks.
//!
//! ```text
//! 00000000  1f 8b 08 08 5a 4f 0c 5d  00 03 66 6f 6f 2e 74 78  |....ZO.]..foo.tx|
//! struct gzip_header {
//!     u8  id1 = 0x1f, id2 = 0x8b;
//!     u8  cm = 8;          // deflate
//!     u8  flg;             // FTEXT 1, FHCRC 2, FEXTRA 4, FNAME 8, FCOMMENT 16; 0xe0 reserved = 0
//!     u32 mtime; u8 xfl; u8 os;
//!     // [FEXTRA: u16 xlen, xlen bytes] [FNAME: zero-terminated] [FCOMMENT] [FHCRC: u16]
//! };
//! // deflate data, then u32 crc32, u32 isize
//! ```

use bytes::Bytes;
use std::io::Read;

use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "gzip",
    category: Category::Compression,
    description: "gzip member (deflate); the original file name is kept when the header has one.",
    references: &["RFC 1952"],
    limitations: "Each member of a multi-member file becomes its own layer.",
};

pub struct Gzip;

impl Gzip {
    fn header_name(data: &[u8]) -> Option<String> {
        let flg = *data.get(3)?;
        let mut p = 10usize;
        if flg & 4 != 0 {
            let xlen = u16::from_le_bytes([*data.get(10)?, *data.get(11)?]) as usize;
            p += 2 + xlen;
        }
        if flg & 8 != 0 {
            let rest = data.get(p..)?;
            let end = memchr::memchr(0, &rest[..rest.len().min(1024)])?;
            let name = String::from_utf8_lossy(&rest[..end]).into_owned();
            let base = crate::path::file_name(&crate::path::normalize(&name).path).to_string();
            if !base.is_empty() {
                return Some(base);
            }
        }
        None
    }
}

impl Handler for Gzip {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\x1f\x8b\x08")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        if d.len() < 18 || d[3] & 0xe0 != 0 {
            return None;
        }
        let mut dec = flate2::bufread::GzDecoder::new(d);
        let p = probe.read(&mut dec);
        let end = data.len() - dec.into_inner().len();
        // a damaged stream that still decoded something is worth keeping
        probed_chunk(
            Probed {
                out: p.out,
                truncated: p.truncated,
                error: p.error,
            },
            start,
            end,
            data.len(),
            512,
        )
    }

    fn extract(&self, data: &Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let name = Gzip::header_name(data)
            .unwrap_or_else(|| stream_output_name(out.blob_name(), &[".gz", ".tgz", ".gzip"]));
        let decoded = match &chunk.decoded {
            Some(d) => d.clone(),
            None => {
                let (v, _) =
                    out.read_bounded(flate2::bufread::GzDecoder::new(&data[..]), "gzip")?;
                v
            }
        };
        out.file(&name, Meta::mode(0o644), decoded)?;
        if chunk.variant == "damaged" {
            return Err(FormatError::Truncated(
                "gzip stream ends early or has a bad CRC; decoded part kept".into(),
            ));
        }
        Ok(())
    }
}

/// Name for the single output of a compressed stream: the blob's name without the
/// compression suffix, or `data`.
pub fn stream_output_name(blob_name: &str, suffixes: &[&str]) -> String {
    for s in suffixes {
        if let Some(stem) = blob_name.strip_suffix(s) {
            if !stem.is_empty() {
                return if *s == ".tgz" {
                    format!("{stem}.tar")
                } else {
                    stem.to_string()
                };
            }
        }
    }
    "data".to_string()
}

/// What a bounded decode inside `identify` produced.
pub struct Probed {
    /// In memory, or a map of a spool file when larger than the probe's memory bound.
    pub out: Bytes,
    /// The output reached the bound; the stream is larger.
    pub truncated: bool,
    /// The decoder failed (after `out.len()` bytes of output).
    pub error: Option<std::io::Error>,
}

/// Decode at most `probe.max_output` bytes from `reader` (one extra byte is read to detect
/// that the stream is larger, then dropped), spooling output past `probe.memory` to a file.
/// Shared by the compression handlers' `identify`.
pub fn read_probe(reader: impl Read, probe: &Probe) -> Probed {
    let p = probe.read(reader);
    Probed {
        out: p.out,
        truncated: p.truncated,
        error: p.error,
    }
}

/// Turn a probe result into a chunk: `end` is where the stream ended when it decoded
/// completely; a truncated output runs to the end of the blob. A damaged stream is kept
/// (variant `damaged`) when it produced at least `min_damaged` bytes.
pub fn probed_chunk(
    p: Probed,
    start: usize,
    end: usize,
    blob_len: usize,
    min_damaged: usize,
) -> Option<Chunk> {
    let (end, truncated, variant) = match (&p.error, p.truncated) {
        (_, true) => (blob_len, true, String::new()),
        (None, false) => (end, false, String::new()),
        (Some(_), false) if p.out.len() >= min_damaged => (blob_len, false, "damaged".into()),
        (Some(_), false) => return None,
    };
    if end <= start || end > blob_len {
        return None;
    }
    Some(Chunk {
        checks: Vec::new(),
        start,
        end,
        decoded: Some(p.out),
        truncated,
        variant,
    })
}

/// Common `extract` of single-output compression handlers: store the decoded output under
/// `name`; a damaged stream keeps its decoded part and reports the damage.
pub fn emit_stream(format: &str, chunk: &Chunk, name: &str, out: &mut Sink) -> FormatResult<()> {
    let decoded = chunk.decoded.clone().unwrap_or_default();
    out.file(name, Meta::mode(0o644), decoded)?;
    if chunk.variant == "damaged" {
        return Err(FormatError::Truncated(format!(
            "{format} stream is damaged or ends early; decoded part kept"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn gz(name: Option<&str>, body: &[u8]) -> Vec<u8> {
        let mut b = flate2::GzBuilder::new();
        if let Some(n) = name {
            b = b.filename(n);
        }
        let mut e: GzEncoder<Vec<u8>> = b.write(Vec::new(), flate2::Compression::default());
        e.write_all(body).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn carves_gzip_between_padding() {
        let mut img = vec![0xffu8; 100];
        img.extend(gz(Some("hello.txt"), b"hello world\n"));
        img.extend(vec![0u8; 50]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree.get("0x64.gzip/hello.txt").expect("entry");
        assert_eq!(&e.data[..], b"hello world\n");
        assert_eq!(tree.layers[0].offset, 100);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn bomb_is_cut_at_the_limit() {
        let zeros = vec![0u8; 8 << 20];
        let img = gz(None, &zeros);
        let limits = Limits {
            max_bytes: 1 << 20,
            ..Limits::default()
        };
        let tree = Unpacker::new(limits).unpack_bytes(Bytes::from(img));
        assert_eq!(tree.get("0x0.gzip/data").unwrap().size, 1 << 20);
        assert_eq!(tree.limits_hit.len(), 1);
        assert_eq!(tree.limits_hit[0].limit, "max-bytes");
    }
}
