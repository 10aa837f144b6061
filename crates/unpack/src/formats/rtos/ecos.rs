//! eCos (the embedded configurable OS: Cygnus, Red Hat, eCosCentric) images, including the
//! RedBoot boot loader built on it and the Broadcom cable-modem and router firmware built
//! with it. eCos has no fixed banner of its own; an image is taken as eCos when it names
//! eCos and carries eCos kernel strings (`cyg_` identifiers in assertion messages, or the
//! RedBoot banner). The release comes from "eCos <version>" or "eCos Release <version>".
//!
//! ```text
//! RedBoot(tm) bootstrap and debug environment [ROMRAM]
//! Non-certified release, version v3_0 - built 10:12:38, Mar 27 2009
//! ```

use crate::formats::rtos::*;
use crate::handler::{Category, FormatDoc};

pub static DOC: FormatDoc = FormatDoc {
    name: "ecos",
    category: Category::Firmware,
    description: "eCos monolithic image (and RedBoot): 'eCos' together with eCos kernel \
        strings (cyg_*, RedBoot); the release from 'eCos <version>' or RedBoot's \
        'release, version vX_Y'.",
    references: &[
        "eCos, packages/kernel (cyg_* API) and packages/redboot/current/src/main.c (banner)",
        "ecos.sourceware.org, eCos 3.0 release notes",
    ],
    limitations: "No symbol table is recovered; the load address is a basefind guess (string \
        references), reported only when one base stands out.",
};

pub struct Ecos;

const MARKERS: &[&[u8]] = &[b"eCos", b"RedBoot"];

/// RedBoot's "release, version v3_0": `3.0`.
fn redboot_version(d: &[u8]) -> Option<(usize, String)> {
    for at in find_all(d, b"release, version v", 16) {
        let s = at + 18;
        let end = d.len().min(s + 12);
        let w = &d[s..end];
        let n = w
            .iter()
            .take_while(|b| b.is_ascii_digit() || **b == b'_')
            .count();
        let v = std::str::from_utf8(&w[..n]).ok()?.replace('_', ".");
        if v.contains('.') && !v.ends_with('.') {
            return Some((at, v));
        }
    }
    None
}

impl Rtos for Ecos {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn markers(&self) -> &'static [&'static [u8]] {
        MARKERS
    }

    fn recognise(&self, d: &[u8]) -> Option<RtosImage> {
        let named = memchr::memmem::find(d, b"eCos").is_some();
        let redboot = memchr::memmem::find(d, b"RedBoot").is_some();
        let kernel = memchr::memmem::find(d, b"cyg_").is_some();
        if !(named && (kernel || redboot)) {
            return None;
        }
        let ver = version_after(d, &[b"eCos Release ", b"eCos release ", b"eCos "], 2)
            .or_else(|| redboot_version(d));
        let mut img = RtosImage {
            os: "eCos",
            version: ver.map(|v| v.1),
            evidence: evidence(d, &[b"eCos", b"RedBoot", b"cyg_"]),
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
    fn named_with_kernel_strings() {
        let mut d = vec![0u8; 8192];
        let a = b"eCos 3.0 (BCM93383)\0";
        let b = b"cyg_thread_create: stack too small\0";
        d[100..100 + a.len()].copy_from_slice(a);
        d[600..600 + b.len()].copy_from_slice(b);
        let img = Ecos.recognise(&d).unwrap();
        assert_eq!(img.version.as_deref(), Some("3.0"));
        let mut d = vec![0u8; 8192];
        let r = b"eCos\0RedBoot(tm) bootstrap and debug environment [ROM]\nNon-certified release, version v2_0 - built\0";
        d[10..10 + r.len()].copy_from_slice(r);
        assert_eq!(Ecos.recognise(&d).unwrap().version.as_deref(), Some("2.0"));
        let mut d = vec![0u8; 8192];
        d[10..14].copy_from_slice(b"eCos");
        assert!(Ecos.recognise(&d).is_none(), "a name alone is not an image");
    }
}
