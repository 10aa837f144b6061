//! JPEG (JFIF/Exif) images: recognised so that carving skips them (Exif thumbnails and
//! vendor APP segments would otherwise be carved).
//!
//! ```text
//! 00000000  ff d8 ff e0 00 10 4a 46  49 46 00 01 01 01 01 2c  |......JFIF.....,|
//! u8 soi[2] = { 0xff, 0xd8 };
//! struct segment { u8 ff; u8 marker; u16 length_be; u8 data[length - 2]; };
//! // after SOS (ff da): entropy-coded data where ff is followed by 00 or a restart
//! // marker (d0..d7); the image ends with EOI (ff d9)
//! ```

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "jpeg",
    category: Category::Leaf,
    description: "JPEG image (skipped: extent found by walking segments to EOI).",
    references: &["ITU-T T.81 (ISO/IEC 10918-1), Annex B"],
    limitations: "Images without an EOI marker are not recognised.",
};

pub struct Jpeg;

/// Length of the JPEG at the start of `d`, or None.
pub fn jpeg_len(d: &[u8]) -> Option<usize> {
    if !d.starts_with(b"\xff\xd8\xff") {
        return None;
    }
    let mut p = 2usize;
    let mut segments = 0u32;
    loop {
        // fill bytes (ff ff ...) are allowed before a marker
        if *d.get(p)? != 0xff {
            return None;
        }
        while *d.get(p + 1)? == 0xff {
            p += 1;
        }
        let m = *d.get(p + 1)?;
        p += 2;
        match m {
            0xd9 => return (segments > 0).then_some(p),
            0xd0..=0xd7 | 0x01 => continue,
            0x00 => return None,
            _ => {}
        }
        let b = d.get(p..p + 2)?;
        let len = usize::from(u16::from_be_bytes([b[0], b[1]]));
        if len < 2 {
            return None;
        }
        p = p.checked_add(len)?;
        if p > d.len() {
            return None;
        }
        segments += 1;
        if m == 0xda {
            // entropy-coded data up to the next real marker
            loop {
                let i = memchr::memchr(0xff, d.get(p..)?)?;
                p += i;
                match *d.get(p + 1)? {
                    0x00 | 0xd0..=0xd7 | 0xff => p += if d[p + 1] == 0xff { 1 } else { 2 },
                    _ => break,
                }
            }
        }
    }
}

impl Handler for Jpeg {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"\xff\xd8\xff")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let len = jpeg_len(data.get(start..)?)?;
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
    fn walks_segments_and_scan_data() {
        let mut j = b"\xff\xd8\xff\xe0\x00\x04ab\xff\xdb\x00\x03x".to_vec();
        j.extend(b"\xff\xda\x00\x02\x12\xff\x00\x34\xff\xd3\x56\xff\xd9");
        let n = j.len();
        j.extend(b"\xff\xd9trailing");
        assert_eq!(jpeg_len(&j), Some(n));
        // a segment length past the end, and a missing EOI
        assert_eq!(jpeg_len(b"\xff\xd8\xff\xe0\xff\xff"), None);
        assert_eq!(jpeg_len(&j[..n - 2]), None);
    }
}
