//! lzop file format (LZO1X blocks).
//!
//! ```text
//! 00000000  89 4c 5a 4f 00 0d 0a 1a  0a 10 40 20 a0 09 40 01  |.LZO......@ ..@.|
//! struct lzop_header {                 // all big-endian
//!     u8  magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
//!     u16 version; u16 lib_version;
//!     u16 version_needed;              // only when version >= 0x0940
//!     u8  method;                      // 1, 2, 3: LZO1X-1, LZO1X-1(15), LZO1X-999
//!     u8  level;                       // only when version >= 0x0940
//!     u32 flags;                       // 0x1 adler32 d, 0x2 adler32 c, 0x100 crc32 d,
//!                                      // 0x200 crc32 c, 0x800 filter, 0x1000 header crc32
//!     u32 filter;                      // only with flag 0x800
//!     u32 mode; u32 mtime_low;
//!     u32 mtime_high;                  // only when version >= 0x0940
//!     u8  name_len; char name[name_len];
//!     u32 header_checksum;             // adler32 (or crc32 with 0x1000) of version..name
//! };
//! struct lzop_block {
//!     u32 dst_len;                     // 0 ends the file
//!     u32 src_len;                     // == dst_len: stored
//!     // [u32 d checksum(s)] [u32 c checksum(s), only when compressed]
//!     u8  data[src_len];
//! };
//! ```

use crate::formats::compression::gzip::stream_output_name;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "lzo",
    category: Category::Compression,
    description: "lzop file (LZO1X blocks); the stored file name, mode and mtime are kept.",
    references: &["lzop source, src/lzop.c (x_get_header, x_decompress)"],
    limitations: "Only LZO1X methods (1-3); blocks over 64 MiB decoded or 1 MiB compressed are \
                  refused; data checksums are verified when present (adler32/crc32).",
};

pub struct Lzo;

const MAGIC: &[u8; 9] = b"\x89LZO\x00\r\n\x1a\n";
const MAX_DST: u32 = 64 << 20;
/// A compressed LZO block can expand about 255-fold; 1 MiB bounds one block's work.
const MAX_SRC: u32 = 1 << 20;

struct Header {
    flags: u32,
    mode: u32,
    mtime: i64,
    name: String,
    len: usize,
}

fn adler32(d: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in d.chunks(5552) {
        for &x in chunk {
            a += u32::from(x);
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

struct Cur<'a> {
    d: &'a [u8],
    p: usize,
}

impl Cur<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.d.get(self.p..self.p.checked_add(n)?)?;
        self.p += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        crate::bytes::be16(self.take(2)?, 0)
    }
    fn u32(&mut self) -> Option<u32> {
        crate::bytes::be32(self.take(4)?, 0)
    }
}

fn header(d: &[u8]) -> Option<Header> {
    if !d.starts_with(MAGIC) {
        return None;
    }
    let mut c = Cur { d, p: 9 };
    let version = c.u16()?;
    let _lib = c.u16()?;
    if version < 0x0900 {
        return None;
    }
    if version >= 0x0940 {
        c.u16()?;
    }
    let method = c.u8()?;
    if !(1..=3).contains(&method) {
        return None;
    }
    if version >= 0x0940 {
        c.u8()?;
    }
    let flags = c.u32()?;
    if flags & 0x800 != 0 {
        c.u32()?;
    }
    let mode = c.u32()?;
    let mt_low = c.u32()?;
    let mt_high = if version >= 0x0940 { c.u32()? } else { 0 };
    let nlen = c.u8()? as usize;
    let name = String::from_utf8_lossy(c.take(nlen)?).into_owned();
    let covered = &d[9..c.p];
    let sum = c.u32()?;
    let want = if flags & 0x1000 != 0 {
        crc32fast::hash(covered)
    } else {
        adler32(covered)
    };
    if sum != want {
        return None;
    }
    Some(Header {
        flags,
        mode,
        mtime: (i64::from(mt_high) << 32) | i64::from(mt_low),
        name,
        len: c.p,
    })
}

/// Decode every block: (output, end offset, error, truncated). Output past the probe's
/// memory bound goes to a spool file.
fn blocks(d: &[u8], h: &Header, probe: &Probe) -> (bytes::Bytes, usize, Option<String>, bool) {
    let (out, end, err, truncated) = blocks_into(d, h, probe.max_output, probe.spool());
    match out.finish() {
        Ok(b) => (b, end, err, truncated),
        Err(e) => (
            bytes::Bytes::new(),
            end,
            Some(format!("spool: {e}")),
            truncated,
        ),
    }
}

fn blocks_into(
    d: &[u8],
    h: &Header,
    max: u64,
    mut out: crate::spool::Spool,
) -> (crate::spool::Spool, usize, Option<String>, bool) {
    let mut c = Cur { d, p: h.len };
    loop {
        let Some(dst) = c.u32() else {
            return (
                out,
                d.len(),
                Some("missing end-of-file block".into()),
                false,
            );
        };
        if dst == 0 {
            return (out, c.p, None, false);
        }
        let Some(src) = c.u32() else {
            return (out, d.len(), Some("truncated block header".into()), false);
        };
        if dst > MAX_DST || src > dst || src > MAX_SRC {
            let e = format!("block claims {src} -> {dst} bytes; refused");
            return (out, d.len(), Some(e), false);
        }
        let mut sums = Vec::new();
        for bit in [0x1u32, 0x100] {
            if h.flags & bit != 0 {
                match c.u32() {
                    Some(s) => sums.push((bit, s)),
                    None => return (out, d.len(), Some("truncated checksum".into()), false),
                }
            }
        }
        if src < dst {
            for bit in [0x2u32, 0x200] {
                if h.flags & bit != 0 && c.u32().is_none() {
                    return (out, d.len(), Some("truncated checksum".into()), false);
                }
            }
        }
        let Some(payload) = c.take(src as usize) else {
            return (out, d.len(), Some("block data truncated".into()), false);
        };
        let block = if src == dst {
            payload.to_vec()
        } else {
            match crate::lzo1x::decompress(payload, dst as usize) {
                Ok(b) if b.len() == dst as usize => b,
                Ok(b) => {
                    let e = format!("block decodes to {} bytes, header says {dst}", b.len());
                    return (out, d.len(), Some(e), false);
                }
                Err(e) => return (out, d.len(), Some(e), false),
            }
        };
        for (bit, s) in sums {
            let got = if bit == 1 {
                adler32(&block)
            } else {
                crc32fast::hash(&block)
            };
            if got != s {
                return (out, d.len(), Some("data checksum mismatch".into()), false);
            }
        }
        let room = max.saturating_sub(out.len()) as usize;
        if block.len() > room {
            if let Err(e) = out.push(&block[..room]) {
                return (out, d.len(), Some(format!("spool: {e}")), false);
            }
            return (out, d.len(), None, true);
        }
        if let Err(e) = out.push(&block) {
            return (out, d.len(), Some(format!("spool: {e}")), false);
        }
    }
}

impl Handler for Lzo {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let h = header(d)?;
        let (out, end, err, truncated) = blocks(d, &h, probe);
        // the header checksum already vouches for the format: keep damaged streams
        let variant = if err.is_some() { "damaged" } else { "" };
        Some(Chunk {
            checks: Vec::new(),
            start,
            end: start + end,
            decoded: Some(out),
            truncated,
            variant: variant.into(),
        })
    }

    fn extract(&self, data: &bytes::Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let h = header(data).ok_or_else(|| FormatError::Invalid("lzop header".into()))?;
        let (decoded, err) = match &chunk.decoded {
            Some(d) if chunk.variant != "damaged" => (d.clone(), None),
            _ => {
                let (o, _, e, _) = blocks(data, &h, &out.probe());
                (o, e)
            }
        };
        let base = crate::path::file_name(&crate::path::normalize(&h.name).path).to_string();
        let name = if base.is_empty() {
            stream_output_name(out.blob_name(), &[".lzo", ".tzo"])
        } else {
            base
        };
        let meta = Meta {
            mode: h.mode & 0o7777,
            mtime: h.mtime,
            ..Meta::default()
        };
        out.file(&name, meta, decoded)?;
        match err {
            Some(e) => Err(FormatError::Invalid(format!(
                "lzop: {e}; decoded part kept"
            ))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use bytes::Bytes;

    /// An lzop file as lzop 1.04 writes it (version 0x1040, adler32 of data).
    pub(crate) fn lzop(name: &str, body: &[u8], block: usize) -> Vec<u8> {
        let mut h = Vec::new();
        h.extend(0x1040u16.to_be_bytes());
        h.extend(0x20a0u16.to_be_bytes());
        h.extend(0x0940u16.to_be_bytes());
        h.push(1); // method
        h.push(5); // level
        h.extend(0x0300_0001u32.to_be_bytes()); // flags: adler32 d
        h.extend(0o100640u32.to_be_bytes());
        h.extend(1_600_000_000u32.to_be_bytes());
        h.extend(0u32.to_be_bytes());
        h.push(name.len() as u8);
        h.extend(name.as_bytes());
        let mut v = MAGIC.to_vec();
        v.extend(&h);
        v.extend(adler32(&h).to_be_bytes());
        for part in body.chunks(block) {
            let c = lzokay_native::compress(part).unwrap();
            v.extend((part.len() as u32).to_be_bytes());
            if c.len() < part.len() {
                v.extend((c.len() as u32).to_be_bytes());
                v.extend(adler32(part).to_be_bytes());
                v.extend(c);
            } else {
                v.extend((part.len() as u32).to_be_bytes());
                v.extend(adler32(part).to_be_bytes());
                v.extend(part);
            }
        }
        v.extend(0u32.to_be_bytes());
        v
    }

    #[test]
    fn adler32_known_value() {
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    #[test]
    fn lzop_file_with_name_mode_and_mtime() {
        let body = b"lzop block data; ".repeat(40_000);
        let f = lzop("dir/kernel.bin", &body, 256 << 10);
        let mut img = vec![0u8; 10];
        img.extend(&f);
        img.extend([0xffu8; 10]);
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
        let e = tree.get("0xa.lzo/kernel.bin").expect("named output");
        assert_eq!(&e.data[..], &body[..]);
        assert_eq!(e.meta.mode, 0o640);
        assert_eq!(e.meta.mtime, 1_600_000_000);
        assert_eq!(tree.layers[0].size, f.len() as u64);
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    }

    #[test]
    fn corrupt_block_keeps_earlier_blocks_and_reports() {
        let body: Vec<u8> = (0..600_000u32).map(|i| (i % 200) as u8).collect();
        let mut f = lzop("x", &body, 256 << 10);
        let n = f.len();
        f[n - 30] ^= 0xff; // inside the last block
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(f));
        let e = tree.get("0x0.lzo/x").expect("partial output");
        assert_eq!(e.size, 2 * (256 << 10));
        assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
        assert_eq!(tree.errors[0].format, "lzo");
    }

    #[test]
    fn bad_header_checksum_is_refused() {
        let mut f = lzop("x", b"some data here", 1024);
        f[20] ^= 1;
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(f));
        assert!(tree.layers.is_empty());
    }
}
