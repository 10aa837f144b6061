//! Nucleus PLUS (Accelerated Technology, later Mentor Graphics, now Siemens) images. The
//! kernel links in its release banner, `RLD_Release_String`:
//!
//! ```text
//! Copyright (c) 1993-2002 ATI - Nucleus PLUS - Version 1.14
//! ```

use crate::formats::rtos::*;
use crate::handler::{Category, FormatDoc};

pub static DOC: FormatDoc = FormatDoc {
    name: "nucleus",
    category: Category::Firmware,
    description: "Nucleus PLUS monolithic image: the release banner ('ATI - Nucleus PLUS - \
        Version 1.x') names the release.",
    references: &[
        "Nucleus PLUS Reference Manual (Accelerated Technology), RLD_Release_String in rld.c",
        "Forescout, NUCLEUS:13 (2021): Nucleus NET/PLUS version banners in device firmware",
    ],
    limitations: "No symbol table is recovered; the load address is a basefind guess (string \
        references), reported only when one base stands out.",
};

pub struct Nucleus;

const MARKERS: &[&[u8]] = &[b"Nucleus PLUS", b"Nucleus NET", b"Accelerated Technology"];

impl Rtos for Nucleus {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn markers(&self) -> &'static [&'static [u8]] {
        MARKERS
    }

    fn recognise(&self, d: &[u8]) -> Option<RtosImage> {
        let ver = version_near(d, b"Nucleus PLUS", b"Version ", 60);
        let copyright = memchr::memmem::find(d, b"Accelerated Technology").is_some()
            || memchr::memmem::find(d, b"ATI - Nucleus").is_some()
            || memchr::memmem::find(d, b"Mentor Graphics").is_some();
        if ver.is_none() && !(copyright && memchr::memmem::find(d, b"Nucleus PLUS").is_some()) {
            return None;
        }
        let mut img = RtosImage {
            os: "Nucleus PLUS",
            version: ver.map(|v| v.1),
            evidence: evidence(d, MARKERS),
            notes: vec!["no symbol table recovered".into()],
            ..RtosImage::default()
        };
        guess_load_address(&mut img, d);
        Some(img)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_names_the_release() {
        let mut d = vec![0xffu8; 8192];
        let b = b"Copyright (c) 1993-2002 ATI - Nucleus PLUS - Version 1.14\0";
        d[4000..4000 + b.len()].copy_from_slice(b);
        let img = Nucleus.recognise(&d).unwrap();
        assert_eq!(img.version.as_deref(), Some("1.14"));
        assert_eq!(img.variant(), "Nucleus PLUS 1.14");
    }
}
