//! Equivalence cases built at test time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_equiv::equiv::{compare, FileStatus, Side, Verdict};
use netvet_unpack::{Limits, Tree, Unpacker};
use std::path::Path;

fn tree(dir: &Path) -> Tree {
    Unpacker::new(Limits::default()).unpack_dir(dir).unwrap()
}

fn side(name: &str, sha: &str) -> Side {
    Side {
        path: name.into(),
        sha256: sha.into(),
        files: 0,
    }
}

fn set_mtime(p: &Path, secs: i64) {
    let f = if p.is_dir() {
        std::fs::File::open(p).unwrap()
    } else {
        std::fs::File::options().write(true).open(p).unwrap()
    };
    f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64))
        .unwrap();
}

fn write_tree(root: &Path, files: &[(&str, &[u8])], mtime: i64) {
    for (p, d) in files {
        let full = root.join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, d).unwrap();
        set_mtime(&full, mtime);
    }
    // directories too, deepest first, so creation time never leaks into the comparison
    for (p, _) in files {
        let mut dir = root.join(p);
        while dir.pop() && dir.starts_with(root) && dir != root {
            set_mtime(&dir, mtime);
        }
    }
}

const FILES: &[(&str, &[u8])] = &[
    ("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"),
    ("etc/banner", b"welcome\n"),
    ("usr/lib/libx.so", b"\x00\x01\x02binary"),
];

#[test]
fn same_tree_other_mtimes_is_equivalent() {
    let d = tempfile::tempdir().unwrap();
    write_tree(&d.path().join("a"), FILES, 1_000_000);
    write_tree(&d.path().join("b"), FILES, 2_000_000);
    let r = compare(
        &tree(&d.path().join("a")),
        side("a", "x"),
        &tree(&d.path().join("b")),
        side("b", "y"),
    );
    assert_eq!(r.verdict, Verdict::Equivalent);
    assert_eq!(r.summary.metadata_only, 6); // 3 files + 3 directories
    assert_eq!(r.summary.different, 0);
    assert_eq!(r.normalizations, vec!["file modification times"]);
}

#[test]
fn changed_content_and_extra_file_are_different() {
    let d = tempfile::tempdir().unwrap();
    write_tree(&d.path().join("a"), FILES, 1);
    write_tree(&d.path().join("b"), FILES, 1);
    std::fs::write(d.path().join("b/etc/banner"), b"welc0me\n").unwrap();
    set_mtime(&d.path().join("b/etc/banner"), 1);
    std::fs::write(d.path().join("b/etc/extra"), b"x").unwrap();
    let r = compare(
        &tree(&d.path().join("a")),
        side("a", "x"),
        &tree(&d.path().join("b")),
        side("b", "y"),
    );
    assert_eq!(r.verdict, Verdict::Different);
    assert_eq!(r.summary.different, 1);
    assert_eq!(r.summary.only_in_b, 1);
    let banner = r.files.iter().find(|f| f.path == "etc/banner").unwrap();
    assert_eq!(banner.reasons, vec!["content"]);
    assert!(r
        .files
        .iter()
        .any(|f| f.path == "etc/extra" && f.status == FileStatus::OnlyInB));
    assert!(r.normalizations.is_empty());
}

#[test]
fn identical_trees_are_identical() {
    let d = tempfile::tempdir().unwrap();
    write_tree(&d.path().join("a"), FILES, 5);
    write_tree(&d.path().join("b"), FILES, 5);
    let r = compare(
        &tree(&d.path().join("a")),
        side("a", "same"),
        &tree(&d.path().join("b")),
        side("b", "same"),
    );
    assert_eq!(r.verdict, Verdict::Identical);
    assert_eq!(r.summary.identical, 6); // 3 files + 3 directories
}

fn sfx_elf() -> Option<Vec<u8>> {
    let p = netvet_model::corpus::path(
        "images/fact_extractor/fact_extractor/plugins/unpacking/sfx/test/data/test_elf_sfx",
    )?;
    Some(std::fs::read(p).unwrap())
}

fn elf_case(patch: impl Fn(&mut Vec<u8>)) -> netvet_equiv::EquivReport {
    let elf = sfx_elf().unwrap();
    let mut changed = elf.clone();
    patch(&mut changed);
    let d = tempfile::tempdir().unwrap();
    write_tree(&d.path().join("a"), &[("bin/tool", &elf)], 1);
    write_tree(&d.path().join("b"), &[("bin/tool", &changed)], 1);
    compare(
        &tree(&d.path().join("a")),
        side("a", "x"),
        &tree(&d.path().join("b")),
        side("b", "y"),
    )
}

#[test]
fn build_id_change_is_metadata_only() {
    if sfx_elf().is_none() {
        return;
    }
    // .note.gnu.build-id at file offset 0x274, 0x24 bytes; the id itself starts at +16
    let r = elf_case(|e| {
        for b in &mut e[0x274 + 16..0x274 + 0x24] {
            *b ^= 0x5a;
        }
    });
    assert_eq!(r.verdict, Verdict::Equivalent, "{:?}", r.files);
    let f = &r.files[0];
    assert_eq!(f.status, FileStatus::MetadataOnly);
    assert_eq!(f.reasons, vec!["elf-metadata"]);
    assert_eq!(f.sections.len(), 1);
    assert_eq!(f.sections[0].name, ".note.gnu.build-id");
    assert_eq!(f.sections[0].differing_bytes, 20);
    assert!(r
        .normalizations
        .iter()
        .any(|n| n.starts_with("ELF metadata sections")));
}

#[test]
fn text_and_rodata_changes_are_named() {
    if sfx_elf().is_none() {
        return;
    }
    let r = elf_case(|e| e[0x28d0 + 100] ^= 0xff);
    assert_eq!(r.verdict, Verdict::Different);
    assert_eq!(r.files[0].reasons, vec!["elf-code"]);
    assert_eq!(r.files[0].sections[0].name, ".text");
    assert_eq!(r.files[0].sections[0].differing_bytes, 1);
    let r = elf_case(|e| {
        e[0x46680 + 8] ^= 0x01;
        e[0x46680 + 9] ^= 0x01;
    });
    assert_eq!(r.verdict, Verdict::Different);
    assert_eq!(r.files[0].reasons, vec!["elf-data"]);
    assert_eq!(r.files[0].sections[0].name, ".rodata");
    assert_eq!(r.files[0].sections[0].differing_bytes, 2);
}

#[test]
fn stripped_binary_without_sections_compares_segments() {
    let Some(p) = netvet_model::corpus::path("rootfs/luxul-xbr4400/squashfs-root/bin/busybox")
    else {
        return;
    };
    let elf = std::fs::read(p).unwrap();
    let mut changed = elf.clone();
    changed[0x1000] ^= 0xff;
    let d = tempfile::tempdir().unwrap();
    write_tree(&d.path().join("a"), &[("bin/busybox", &elf)], 1);
    write_tree(&d.path().join("b"), &[("bin/busybox", &changed)], 1);
    let r = compare(
        &tree(&d.path().join("a")),
        side("a", "x"),
        &tree(&d.path().join("b")),
        side("b", "y"),
    );
    assert_eq!(r.verdict, Verdict::Different);
    assert_eq!(r.files[0].sections[0].name, "LOAD[0] (r-x)");
    assert_eq!(r.files[0].reasons, vec!["elf-code"]);
}
