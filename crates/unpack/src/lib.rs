//! netvet-unpack: safe, recursive, in-process unpacking of firmware images.
//!
//! ```no_run
//! use netvet_unpack::{Limits, Unpacker};
//! let tree = Unpacker::new(Limits::default())
//!     .unpack_path(std::path::Path::new("firmware.bin"))
//!     .unwrap();
//! for e in tree.files() {
//!     println!("{} {}", e.path, e.size);
//! }
//! ```
//!
//! The image is carved for every known format at any offset ([`formats`]), each chunk is
//! extracted into a virtual [`Tree`] (nothing is written to disk unless asked, see
//! [`extract_to`]), and extracted files are carved again, to a depth limit. Every path is
//! normalized inside its layer, every size claim is checked against the limits ([`Limits`]),
//! and a corrupt layer or a limit is recorded in the tree, never fatal.

pub mod bytes;
pub mod classify;
pub mod context;
pub mod coverage;
pub mod engine;
pub mod extract;
pub mod formats;
pub mod handler;
pub mod keys;
pub mod literals;
pub mod lzo1x;
pub mod path;
pub mod spool;
pub mod tree;

pub use context::FileHook;
pub use engine::{InputError, Limits, Progress, Unpacker};
pub use extract::extract_to;
pub use handler::{
    Category, Check, Chunk, FormatDoc, FormatError, FormatResult, Handler, Magic, Probe, Sink,
};
pub use tree::{Entry, EntryKind, Meta, Tree};

/// Markdown table of every supported format, generated from the handlers' own docs
/// (`docs/formats.md` is this output; a test keeps it current).
pub fn formats_markdown() -> String {
    let mut s = String::from(
        "# Supported formats\n\nGenerated from the handlers' own documentation \
         (`cargo run -p netvet-cli -- formats`); do not edit by hand.\n\n\
         | format | kind | description | references | limitations |\n|---|---|---|---|---|\n",
    );
    let docs = formats::all()
        .into_iter()
        .map(|h| (h.doc(), h.doc().category.as_str()));
    // monolithic RTOS images are recognised, not carved (formats/rtos.rs)
    let rtos = formats::rtos_all()
        .into_iter()
        .map(|r| (r.doc(), "rtos image"));
    for (d, kind) in docs.chain(rtos) {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            d.name,
            kind,
            d.description,
            d.references.join("; "),
            if d.limitations.is_empty() {
                ""
            } else {
                d.limitations
            }
        ));
    }
    s
}

#[cfg(test)]
mod docs_tests {
    /// `docs/formats.md` starts with the table generated from the handlers; regenerate it
    /// with `cargo run -p netvet-cli -- formats` when this fails. Hand-written sections (what
    /// was verified on the corpus) follow the table, after the [`APPENDIX`] heading.
    #[test]
    fn formats_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/formats.md");
        let on_disk = std::fs::read_to_string(path).unwrap_or_default();
        let table = on_disk.split(APPENDIX).next().unwrap_or_default();
        assert!(
            table == super::formats_markdown(),
            "docs/formats.md is stale: replace its table with `cargo run -p netvet-cli -- formats`"
        );
    }

    /// Where the hand-written part of `docs/formats.md` begins.
    const APPENDIX: &str = "\n## Container integrity";
}
