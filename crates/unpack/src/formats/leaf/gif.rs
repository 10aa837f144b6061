//! GIF images: recognised so that carving skips them.
//!
//! ```text
//! 00000000  47 49 46 38 39 61 0a 00  0a 00 91 00 00 ff ff ff  |GIF89a..........|
//! struct gif_header {
//!     char magic[6];          // "GIF87a" or "GIF89a"
//!     u16 width, height;      // little-endian
//!     u8  flags;              // bit 7: global colour table of 3 * 2^(1 + (flags & 7)) bytes
//!     u8  background, aspect;
//! };
//! // blocks: 0x21 extension (label + sub-blocks), 0x2c image (9-byte descriptor, optional
//! // local colour table, LZW code size, sub-blocks); 0x3b ends the file.
//! // sub-blocks: u8 size + data, a zero size ends them
//! ```

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "gif",
    category: Category::Leaf,
    description: "GIF image (skipped: extent found by walking blocks to the trailer).",
    references: &["GIF89a Specification (CompuServe, 1990)"],
    limitations: "Images without the 0x3b trailer are not recognised.",
};

pub struct Gif;

fn sub_blocks(d: &[u8], mut p: usize) -> Option<usize> {
    loop {
        let n = usize::from(*d.get(p)?);
        p += 1 + n;
        if n == 0 {
            return Some(p);
        }
    }
}

pub fn gif_len(d: &[u8]) -> Option<usize> {
    if !(d.starts_with(b"GIF87a") || d.starts_with(b"GIF89a")) {
        return None;
    }
    let flags = *d.get(10)?;
    let mut p = 13usize;
    if flags & 0x80 != 0 {
        p += 3 << (1 + (flags & 7));
    }
    let mut images = 0u32;
    loop {
        match *d.get(p)? {
            0x3b => return (images > 0).then_some(p + 1),
            0x21 => p = sub_blocks(d, p + 2)?,
            0x2c => {
                let f = *d.get(p + 9)?;
                p += 10;
                if f & 0x80 != 0 {
                    p += 3 << (1 + (f & 7));
                }
                let code_size = *d.get(p)?;
                if !(1..=12).contains(&code_size) {
                    return None;
                }
                p = sub_blocks(d, p + 1)?;
                images += 1;
            }
            _ => return None,
        }
    }
}

impl Handler for Gif {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 2] = [Magic::at0(b"GIF87a"), Magic::at0(b"GIF89a")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let len = gif_len(data.get(start..)?)?;
        Some(Chunk::new(start, start + len))
    }

    fn extract(&self, _data: &bytes::Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pixel_gif() {
        // the classic 1x1 transparent GIF (43 bytes)
        let g: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";
        assert_eq!(g.len(), 43);
        let mut d = g.to_vec();
        d.extend(b"more");
        assert_eq!(gif_len(&d), Some(43));
        assert_eq!(gif_len(&g[..42]), None);
        assert_eq!(
            gif_len(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3b"),
            None,
            "no image"
        );
    }
}
