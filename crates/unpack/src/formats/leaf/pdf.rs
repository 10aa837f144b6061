//! PDF documents: recognised so that the streams inside are not carved.
//!
//! ```text
//! 00000000  25 50 44 46 2d 31 2e 34  0d 25 e2 e3 cf d3 0d 0a  |%PDF-1.4.%......|
//! "%PDF-" major "." minor EOL ... objects, xref, trailer ... "%%EOF" EOL
//! ```
//!
//! Incremental updates append sections that each end in `%%EOF`, so the document ends at
//! the last `%%EOF` found within [`MAX_PDF`] bytes of the start.

use crate::handler::*;

pub static DOC: FormatDoc = FormatDoc {
    name: "pdf",
    category: Category::Leaf,
    description: "PDF document (skipped: extent is the header to the last %%EOF).",
    references: &["ISO 32000-1:2008, 7.5 File Structure"],
    limitations: "A PDF without %%EOF within 512 MiB is not recognised; two PDFs back to \
                  back are treated as one.",
};

pub struct Pdf;

const MAX_PDF: usize = 512 << 20;

impl Handler for Pdf {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(b"%PDF-")];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let v = d.get(5..8)?;
        if !v[0].is_ascii_digit() || v[1] != b'.' || !v[2].is_ascii_digit() {
            return None;
        }
        let window = &d[..d.len().min(MAX_PDF)];
        let i = memchr::memmem::rfind(window, b"%%EOF")?;
        let mut end = i + 5;
        for _ in 0..2 {
            if matches!(d.get(end), Some(b'\r' | b'\n')) {
                end += 1;
            }
        }
        Some(Chunk::new(start, start + end))
    }

    fn extract(&self, _data: &bytes::Bytes, _chunk: &Chunk, _out: &mut Sink) -> FormatResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extent_runs_to_the_last_eof() {
        let mut d = b"junk%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n2 0 obj\n%%EOF\r\n".to_vec();
        let total = d.len();
        d.extend(b"\x1f\x8b after");
        let c = Pdf.identify(&d, 4, &Probe::default()).unwrap();
        assert_eq!((c.start, c.end), (4, total));
        assert!(Pdf
            .identify(b"%PDF-x.y no eof here", 0, &Probe::default())
            .is_none());
        assert!(Pdf
            .identify(b"%PDF-1.4 but no end", 0, &Probe::default())
            .is_none());
    }
}
