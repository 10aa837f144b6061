//! ThreadX (Express Logic; Azure RTOS; Eclipse ThreadX) images. ThreadX links a banner
//! into every image, `_tx_version_id`, naming the port and the release:
//!
//! ```text
//! Copyright (c) 1996-2012 Express Logic Inc. * ThreadX ARM11/GNU Version G5.5.5.0 SN: ... *
//! Copyright (c) Microsoft Corporation. All rights reserved. * ThreadX Cortex-M4/GNU Version 6.1 *
//! ```
//! The release is the `Version` number without its `G` prefix.

use crate::formats::rtos::*;
use crate::handler::{Category, FormatDoc};

pub static DOC: FormatDoc = FormatDoc {
    name: "threadx",
    category: Category::Firmware,
    description: "ThreadX monolithic image: the _tx_version_id banner ('ThreadX <port> Version \
        G5.x' / '6.x') names the release.",
    references: &[
        "eclipse-threadx/threadx, ports/*/inc/tx_port.h (_tx_version_id) and common/src/tx_initialize_high_level.c",
    ],
    limitations: "No symbol table is recovered (ThreadX images carry none); the load address is a \
        basefind guess (string references), reported only when one base stands out.",
};

pub struct ThreadX;

const MARKERS: &[&[u8]] = &[b"ThreadX", b"Express Logic"];

impl Rtos for ThreadX {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn markers(&self) -> &'static [&'static [u8]] {
        MARKERS
    }

    fn recognise(&self, d: &[u8]) -> Option<RtosImage> {
        let ver = version_near(d, b"ThreadX", b"Version ", 80);
        let banner = memchr::memmem::find(d, b"Express Logic").is_some();
        if ver.is_none() && !(banner && memchr::memmem::find(d, b"ThreadX").is_some()) {
            return None;
        }
        let mut img = RtosImage {
            os: "ThreadX",
            version: ver.map(|v| v.1),
            evidence: evidence(d, MARKERS),
            notes: vec!["ThreadX images carry no symbol table".into()],
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
        let mut d = vec![0u8; 8192];
        let b = b"Copyright (c) 1996-2012 Express Logic Inc. * ThreadX MIPS32_34Kx/GNU Version G5.5.5.0 SN: 12345 *";
        d[1000..1000 + b.len()].copy_from_slice(b);
        let img = ThreadX.recognise(&d).unwrap();
        assert_eq!(img.version.as_deref(), Some("5.5.5.0"));
        assert_eq!(img.variant(), "ThreadX 5.5.5.0");
        assert_eq!(img.evidence[0].0, 1000);
        let mut d = vec![0u8; 8192];
        d[10..17].copy_from_slice(b"ThreadX");
        assert!(
            ThreadX.recognise(&d).is_none(),
            "a name alone is not an image"
        );
    }
}
