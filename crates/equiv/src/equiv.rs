//! Binary equivalence of two unpacked images.
//!
//! Files are matched by their *logical* path: the tree path with the offsets removed from layer
//! directories (`0x1c.squashfs/bin/sh` -> `squashfs/bin/sh`), so that a root file system that
//! moved inside its container still matches. Then, per file: identical; metadata-only
//! (timestamps, build-id and other ELF metadata sections, container packaging whose extracted
//! content matches); or different (content, ELF code/data/symbols/relocations, mode, owner, link
//! target, kind). The verdict is `identical` (same image bytes, or every file identical with the
//! same metadata), `equivalent` (only metadata differs; each normalization is named), or
//! `different`.

use netvet_unpack::{Entry, EntryKind, Tree};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::elf::{self, SectionDiff};

pub const SCHEMA: &str = "netvet.equiv/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Identical,
    Equivalent,
    Different,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    MetadataOnly,
    Different,
    OnlyInA,
    OnlyInB,
}

/// One file that is not identical.
#[derive(Debug, Clone, Serialize)]
pub struct FileDiff {
    /// Logical path (layer offsets removed).
    pub path: String,
    pub status: FileStatus,
    pub kind: String,
    /// What differs: `content`, `mode`, `owner`, `link-target`, `kind`, `elf-code`, `elf-data`,
    /// `elf-symbols`, `elf-relocations`, `elf-header`, and for metadata: `mtime`,
    /// `elf-metadata`, `timestamps`, `packaging`.
    pub reasons: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<SectionDiff>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<String>,
    pub bytes_a: u64,
    pub bytes_b: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub compared: u64,
    pub identical: u64,
    pub metadata_only: u64,
    pub different: u64,
    pub only_in_a: u64,
    pub only_in_b: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub path: String,
    pub sha256: String,
    pub files: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct EquivReport {
    pub schema: String,
    pub netvet_version: String,
    pub a: Side,
    pub b: Side,
    pub verdict: Verdict,
    /// The normalizations that made `equivalent` (empty for identical/different-only cases).
    pub normalizations: Vec<String>,
    pub summary: Summary,
    /// Every file that is not identical, sorted by path.
    pub files: Vec<FileDiff>,
}

/// `0x1c.squashfs` -> `squashfs`; other components unchanged.
/// The logical path of a tree path: layer directories without their offsets.
pub fn logical_path(path: &str) -> String {
    path.split('/')
        .map(|c| {
            if let Some(rest) = c.strip_prefix("0x") {
                if let Some(dot) = rest.find('.') {
                    if rest[..dot].bytes().all(|b| b.is_ascii_hexdigit()) && dot > 0 {
                        return &rest[dot + 1..];
                    }
                }
            }
            c
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn index(tree: &Tree) -> BTreeMap<String, &Entry> {
    let mut m = BTreeMap::new();
    for e in &tree.entries {
        let l = logical_path(&e.path);
        if m.contains_key(&l) {
            // two chunks of one format in one blob: keep the exact path for the later one
            m.insert(e.path.clone(), e);
        } else {
            m.insert(l, e);
        }
    }
    m
}

/// Tree paths of blobs that had layers extracted from them.
fn containers(tree: &Tree) -> HashSet<String> {
    tree.layers.iter().map(|l| l.parent.clone()).collect()
}

fn cmp_entry(
    path: &str,
    a: &Entry,
    b: &Entry,
    ca: &HashSet<String>,
    cb: &HashSet<String>,
) -> Option<FileDiff> {
    let mut reasons = Vec::new();
    let mut meta_reasons = Vec::new();
    let mut sections = Vec::new();
    let mut header = Vec::new();
    if a.kind != b.kind {
        reasons.push("kind".to_string());
    }
    if a.meta.mode != b.meta.mode {
        reasons.push("mode".into());
    }
    if a.meta.uid != b.meta.uid || a.meta.gid != b.meta.gid {
        reasons.push("owner".into());
    }
    if a.link_target != b.link_target {
        reasons.push("link-target".into());
    }
    if a.meta.mtime != b.meta.mtime {
        meta_reasons.push("mtime".to_string());
    }
    if a.kind == EntryKind::File && b.kind == EntryKind::File && a.data != b.data {
        if ca.contains(&a.path) && cb.contains(&b.path) {
            // its extracted content is compared file by file
            meta_reasons.push("packaging".into());
        } else if let Some(d) = (netvet_unpack::classify::is_elf(&a.data)
            && netvet_unpack::classify::is_elf(&b.data))
        .then(|| elf::compare(&a.data, &b.data))
        .flatten()
        {
            let meta_only = d.metadata_only();
            let mut classes = BTreeSet::new();
            for s in &d.sections {
                if s.class.is_metadata() {
                    classes.insert("elf-metadata".to_string());
                } else if s.timestamps_only {
                    classes.insert("timestamps".to_string());
                } else {
                    classes.insert(format!(
                        "elf-{}",
                        serde_json::to_value(s.class).ok()?.as_str()?
                    ));
                }
            }
            if !d.header.is_empty() {
                classes.insert("elf-header".into());
            }
            if meta_only {
                meta_reasons.extend(classes);
            } else {
                reasons.extend(
                    classes
                        .into_iter()
                        .filter(|c| c != "elf-metadata" && c != "timestamps"),
                );
            }
            sections = d.sections;
            header = d.header;
        } else if crate::timestamps::only_timestamps(&a.data, &b.data).is_some() {
            meta_reasons.push("timestamps".into());
        } else {
            reasons.push("content".into());
        }
    }
    if reasons.is_empty() && meta_reasons.is_empty() {
        return None;
    }
    let status = if reasons.is_empty() {
        FileStatus::MetadataOnly
    } else {
        FileStatus::Different
    };
    let mut all = reasons;
    if status == FileStatus::MetadataOnly {
        all = meta_reasons;
    }
    Some(FileDiff {
        path: path.to_string(),
        status,
        kind: a.kind.as_str().to_string(),
        reasons: all,
        sections,
        header,
        bytes_a: a.size,
        bytes_b: b.size,
    })
}

/// Compare two unpacked images. `a`/`b` give the image identity for the report.
pub fn compare(ta: &Tree, a: Side, tb: &Tree, b: Side) -> EquivReport {
    let ia = index(ta);
    let ib = index(tb);
    let ca = containers(ta);
    let cb = containers(tb);
    let keys: BTreeSet<&String> = ia.keys().chain(ib.keys()).collect();
    let keys: Vec<&String> = keys.into_iter().collect();
    let results: Vec<(Option<FileDiff>, bool)> = keys
        .par_iter()
        .map(|k| match (ia.get(*k), ib.get(*k)) {
            (Some(x), Some(y)) => (cmp_entry(k, x, y, &ca, &cb), true),
            (Some(x), None) => (
                Some(FileDiff {
                    path: k.to_string(),
                    status: FileStatus::OnlyInA,
                    kind: x.kind.as_str().into(),
                    reasons: vec![],
                    sections: vec![],
                    header: vec![],
                    bytes_a: x.size,
                    bytes_b: 0,
                }),
                false,
            ),
            (None, Some(y)) => (
                Some(FileDiff {
                    path: k.to_string(),
                    status: FileStatus::OnlyInB,
                    kind: y.kind.as_str().into(),
                    reasons: vec![],
                    sections: vec![],
                    header: vec![],
                    bytes_a: 0,
                    bytes_b: y.size,
                }),
                false,
            ),
            (None, None) => (None, false),
        })
        .collect();
    let mut s = Summary::default();
    let mut files = Vec::new();
    for (d, both) in results {
        if both {
            s.compared += 1;
        }
        match d {
            None => s.identical += 1,
            Some(d) => {
                match d.status {
                    FileStatus::MetadataOnly => s.metadata_only += 1,
                    FileStatus::Different => s.different += 1,
                    FileStatus::OnlyInA => s.only_in_a += 1,
                    FileStatus::OnlyInB => s.only_in_b += 1,
                }
                files.push(d);
            }
        }
    }
    // layer-level normalizations: file-system compression or variant changes
    let mut norms: BTreeSet<String> = BTreeSet::new();
    let la: BTreeMap<String, &netvet_model::LayerInfo> = ta
        .layers
        .iter()
        .map(|l| (logical_path(&l.path), l))
        .collect();
    for l in &tb.layers {
        if let Some(x) = la.get(&logical_path(&l.path)) {
            if x.variant != l.variant {
                norms.insert(format!(
                    "{} layer variant differs ({} vs {})",
                    l.format,
                    if x.variant.is_empty() {
                        "-"
                    } else {
                        &x.variant
                    },
                    if l.variant.is_empty() {
                        "-"
                    } else {
                        &l.variant
                    }
                ));
            }
            if x.offset != l.offset {
                norms.insert(format!("{} layer at another offset", l.format));
            }
        }
    }
    for f in &files {
        if f.status == FileStatus::MetadataOnly {
            for r in &f.reasons {
                norms.insert(
                    match r.as_str() {
                        "mtime" => "file modification times",
                        "packaging" => {
                            "container or file-system packaging (compression, headers, padding)"
                        }
                        "elf-metadata" => {
                            "ELF metadata sections (build-id, debug link, comments, notes)"
                        }
                        "timestamps" => "embedded build timestamps",
                        other => other,
                    }
                    .to_string(),
                );
            }
        }
    }
    let verdict = if s.different > 0 || s.only_in_a > 0 || s.only_in_b > 0 {
        Verdict::Different
    } else if s.metadata_only == 0 && norms.is_empty() && a.sha256 == b.sha256 {
        Verdict::Identical
    } else {
        Verdict::Equivalent
    };
    if verdict != Verdict::Equivalent {
        norms.clear();
    } else if norms.is_empty() {
        // every extracted file is identical; the images differ in container bytes only
        norms.insert("image container bytes (headers, checksums, padding)".into());
    }
    EquivReport {
        schema: SCHEMA.into(),
        netvet_version: env!("CARGO_PKG_VERSION").into(),
        a,
        b,
        verdict,
        normalizations: norms.into_iter().collect(),
        summary: s,
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_paths_drop_offsets() {
        assert_eq!(logical_path("0x1c.squashfs/bin/sh"), "squashfs/bin/sh");
        assert_eq!(
            logical_path("0x0.trx/part1.extract/0x0.squashfs/etc/passwd"),
            "trx/part1.extract/squashfs/etc/passwd"
        );
        assert_eq!(logical_path("0xzz.x/a"), "0xzz.x/a");
    }
}
