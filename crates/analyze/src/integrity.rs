//! Image integrity and what could not be opened, from the unpack result.
//!
//! The unpacker verifies every checksum, CRC, digest and signature field of the container
//! headers it reads (TRX, uImage, TP-Link, Netgear CHK, SEAMA, D-Link SHRS, ...) and records
//! the stored and computed values (`Tree::integrity`); it records regions it could not open
//! (`Tree::unsupported`). This analyzer turns them into findings:
//!
//! - `image.integrity-mismatch` (high), one per container whose fields do not match: the
//!   image was modified or repacked after the vendor built it (or damaged in transit). A
//!   lab cannot take such an image as the vendor's release.
//! - `unpack.unsupported` (low): a known container whose scheme or key is not available, or
//!   an unknown high-entropy region of 4 KiB or more (compressed or encrypted content the
//!   scan could not see inside). Smaller regions stay in the report's `unpack.unsupported`
//!   list and in the coverage figure.

use crate::{Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Severity};
use std::collections::BTreeMap;

/// Unknown regions below this size are not findings of their own.
const MIN_FINDING: u64 = 4096;

pub struct Integrity;

impl Analyzer for Integrity {
    fn name(&self) -> &'static str {
        "integrity"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let mut by_layer: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for c in cx.tree.integrity.iter().filter(|c| !c.ok) {
            by_layer
                .entry((c.layer.as_str(), c.format.as_str()))
                .or_default()
                .push(format!(
                    "{} ({}): stored {}, computed {}",
                    c.field, c.algorithm, c.stored, c.computed
                ));
        }
        for ((layer, format), fields) in by_layer {
            let mut names: Vec<&str> = fields
                .iter()
                .map(|f| f.split(' ').next().unwrap_or(""))
                .collect();
            names.dedup();
            out.findings.push(
                Finding::new(
                    kinds::IMAGE_INTEGRITY_MISMATCH,
                    Severity::High,
                    format!(
                        "{format} container modified after it was built: {} does not match",
                        names.join(", ")
                    ),
                    Some(layer.to_string()),
                    format!("{format} at {layer}: {}", fields.join("; ")),
                )
                .with_key(&format!("{format}:{}", names.join(","))),
            );
        }
        for u in &cx.tree.unsupported {
            let known = !u.reason.starts_with("no known format");
            if !known && u.size < MIN_FINDING {
                continue;
            }
            let title = if known {
                "A vendor container could not be opened"
            } else {
                "Compressed or encrypted region of an unknown format"
            };
            let at = if u.path.is_empty() {
                "the image"
            } else {
                u.path.as_str()
            };
            out.findings.push(
                Finding::new(
                    kinds::UNPACK_UNSUPPORTED,
                    Severity::Low,
                    title,
                    (!u.path.is_empty()).then(|| u.path.clone()),
                    format!(
                        "{} bytes at offset {:#x} of {at}: {}; entropy {} bits/byte; first bytes {}",
                        u.size, u.offset, u.reason, u.entropy, u.header
                    ),
                )
                .with_offset(u.offset)
                .with_key(&format!("{}@{}", u.reason, u.offset)),
            );
        }
        out
    }
}
