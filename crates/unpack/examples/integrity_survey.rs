//! Unpack every file under a directory and print, per file, the coverage figure, every
//! verified container checksum field and the regions that could not be opened (the
//! survey behind the integrity section of `docs/formats.md`).
//!
//! `cargo run -p netvet-unpack --example integrity_survey -- DIR...`

use bytes::Bytes;
use netvet_unpack::{Limits, Unpacker};
use std::path::{Path, PathBuf};

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let Ok(rd) = std::fs::read_dir(p) else {
            return;
        };
        let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        v.sort();
        for c in v {
            walk(&c, out);
        }
    } else if p.is_file() {
        out.push(p.to_path_buf());
    }
}

fn main() {
    let mut files = Vec::new();
    for a in std::env::args().skip(1) {
        walk(Path::new(&a), &mut files);
    }
    let unpacker = Unpacker::new(Limits::default());
    for f in files {
        let Ok(data) = std::fs::read(&f) else {
            continue;
        };
        let tree = unpacker.unpack_bytes(Bytes::from(data));
        let cov = tree.coverage.unwrap_or_default();
        println!(
            "{}\tcoverage {} % ({} of {} bytes)\tunsupported {}",
            f.display(),
            cov.percent,
            cov.understood,
            cov.total,
            tree.unsupported.len()
        );
        for c in &tree.integrity {
            println!(
                "  {} {} {} {}: stored {} computed {}",
                if c.ok { "ok      " } else { "MISMATCH" },
                c.layer,
                c.format,
                c.field,
                c.stored,
                c.computed
            );
        }
        for u in &tree.unsupported {
            println!(
                "  unsupported {}@{:#x} {} bytes entropy {} header {}: {}",
                if u.path.is_empty() { "image" } else { &u.path },
                u.offset,
                u.size,
                u.entropy,
                u.header,
                u.reason
            );
        }
    }
}
