//! RIFF containers (WAVE audio, AVI video, WebP images): recognised so that carving
//! skips them.
//!
//! ```text
//! 00000000  52 49 46 46 68 76 00 00  57 45 42 50 56 50 38 20  |RIFFhv..WEBPVP8 |
//! struct riff_header {
//!     char magic[4] = "RIFF";
//!     u32  size;            // little-endian, bytes after this field
//!     char form[4];         // "WAVE", "AVI ", "WEBP", ...
//! };  // chunks: char id[4]; u32 size; data padded to even
//! ```

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "riff",
    category: Category::Leaf,
    description: "RIFF file: WAVE, AVI, WebP and other forms (skipped: extent is the size field).",
    references: &["Microsoft/IBM, Multimedia Programming Interface and Data Specifications 1.0"],
    limitations: "A RIFF whose size runs past the data is not recognised.",
};

pub struct Riff;

pub fn riff_len(d: &[u8]) -> Option<usize> {
    let h = d.get(..20)?;
    if &h[..4] != b"RIFF" {
        return None;
    }
    let size = u32::from_le_bytes([h[4], h[5], h[6], h[7]]) as usize;
    let form = &h[8..12];
    if !form.iter().all(|&b| b.is_ascii_alphanumeric() || b == b' ')
        || !form[0].is_ascii_alphabetic()
    {
        return None;
    }
    // the first chunk id must be printable too
    if !h[12..16].iter().all(|&b| b.is_ascii_graphic() || b == b' ') {
        return None;
    }
    let end = size.checked_add(8)?;
    (end >= 20 && end <= d.len()).then_some(end)
}

impl Handler for Riff {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"RIFF")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let len = riff_len(data.get(start..)?)?;
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
    fn wave_extent() {
        let mut w = b"RIFF".to_vec();
        w.extend(28u32.to_le_bytes());
        w.extend(b"WAVEfmt ");
        w.resize(36, 1);
        w.extend(b"trailing");
        assert_eq!(riff_len(&w), Some(36));
        assert_eq!(riff_len(&w[..30]), None);
        let mut bad = w.clone();
        bad[8] = 0;
        assert_eq!(riff_len(&bad), None);
    }
}
