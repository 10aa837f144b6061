//! BMP (Windows bitmap) images: recognised so that carving skips them.
//!
//! ```text
//! 000b7f94  42 4d e8 1e 04 00 00 00  00 00 36 00 00 00 28 00  |BM........6...(.|
//! struct bmp_file_header {   // little-endian
//!     char magic[2] = "BM";
//!     u32  file_size;
//!     u16  reserved1, reserved2;   // 0
//!     u32  pixel_offset;
//!     u32  dib_header_size;        // 12, 40, 52, 56, 108 or 124
//! };
//! ```

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "bmp",
    category: Category::Leaf,
    description: "BMP image (skipped: extent is the header's file size).",
    references: &["Microsoft, BITMAPFILEHEADER and BITMAPINFOHEADER structures"],
    limitations: "A bitmap whose size field runs past the data is not recognised.",
};

pub struct Bmp;

pub fn bmp_len(d: &[u8]) -> Option<usize> {
    let h = d.get(..30)?;
    if &h[..2] != b"BM" || h[6..10] != [0, 0, 0, 0] {
        return None;
    }
    let le = |a: usize| u32::from_le_bytes([h[a], h[a + 1], h[a + 2], h[a + 3]]) as usize;
    let (size, off, dib) = (le(2), le(10), le(14));
    if !matches!(dib, 12 | 40 | 52 | 56 | 108 | 124) {
        return None;
    }
    // planes must be 1
    let planes = if dib == 12 {
        u16::from_le_bytes([h[22], h[23]])
    } else {
        u16::from_le_bytes([h[26], h[27]])
    };
    if planes != 1 || off < 14 + dib || off > size || size > d.len() {
        return None;
    }
    Some(size)
}

impl Handler for Bmp {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"BM")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let len = bmp_len(data.get(start..)?)?;
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
    fn header_fields() {
        let mut b = b"BM".to_vec();
        b.extend(70u32.to_le_bytes());
        b.extend([0u8; 4]);
        b.extend(54u32.to_le_bytes());
        b.extend(40u32.to_le_bytes());
        b.extend(2u32.to_le_bytes());
        b.extend(2u32.to_le_bytes());
        b.extend(1u16.to_le_bytes());
        b.extend(24u16.to_le_bytes());
        b.resize(70, 0xaa);
        b.extend(b"after");
        assert_eq!(bmp_len(&b), Some(70));
        assert_eq!(bmp_len(&b[..60]), None, "size past the end");
        let mut bad = b.clone();
        bad[14] = 41;
        assert_eq!(bmp_len(&bad), None, "unknown DIB header size");
    }
}
