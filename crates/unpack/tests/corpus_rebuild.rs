//! The reproducible image of the test corpus: the luxul-xbr4400 root file system packed as its
//! publisher does (`mksquashfs -comp xz -b 262144 -no-xattrs -noappend -all-root -mkfs-time
//! 1786544698` with the recorded mtimes) and put in a TRX container after the stock loader and
//! kernel partitions. Unpacking it must give back the tree: same file list, same contents, the
//! recorded mtimes.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_testkit::{pack_squashfs, read_mtimes, trx_with_rootfs, SquashOpts};
use netvet_unpack::{EntryKind, Limits, Unpacker};
use std::collections::BTreeMap;
use std::path::Path;

/// Regular files and directories of a checked-out tree, relative paths.
fn walk(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut dirs = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                dirs.push(rel);
                stack.push(p);
            } else if ft.is_file() {
                files.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    dirs.sort();
    (files, dirs)
}

#[test]
fn luxul_trx_with_squashfs_xz_unpacks_to_the_tree() {
    let (Some(dir), Some(kernel)) = (
        netvet_model::corpus::path("rootfs/luxul-xbr4400/squashfs-root"),
        netvet_model::corpus::path("rootfs/luxul-xbr4400/kernel.bin"),
    ) else {
        return;
    };
    let mtimes = read_mtimes(&dir.parent().unwrap().join("mtimes.tsv")).unwrap();
    assert_eq!(mtimes.get("bin/busybox"), Some(&1_470_252_412));
    let opts = SquashOpts::like_mksquashfs_xz(1_786_544_698).with_mtimes(mtimes.clone());
    let sq = pack_squashfs(&dir, &opts).unwrap();
    let img = trx_with_rootfs(&std::fs::read(&kernel).unwrap(), &sq).unwrap();

    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
    let layer = tree
        .layers
        .iter()
        .find(|l| l.format == "squashfs")
        .unwrap_or_else(|| panic!("no squashfs layer: {:?}", tree.layers));
    assert_eq!(layer.path, "0x0.trx/part2.extract/0x0.squashfs");
    assert!(layer.variant.contains("xz"), "{}", layer.variant);
    let root = format!("{}/", layer.path);
    assert!(
        tree.errors.iter().all(|e| !e.path.starts_with(&layer.path)),
        "{:?}",
        tree.errors
    );

    let (want_files, want_dirs) = walk(&dir);
    let mut got_files = BTreeMap::new();
    let mut got_dirs = Vec::new();
    for e in &tree.entries {
        // entries of this layer only, not of layers nested in its files (usb.ids.gz)
        let Some(rel) = e
            .path
            .strip_prefix(&root)
            .filter(|r| !r.contains(".extract/"))
        else {
            continue;
        };
        match e.kind {
            EntryKind::File => {
                got_files.insert(rel.to_string(), e);
            }
            EntryKind::Dir => got_dirs.push(rel.to_string()),
            k => panic!("{rel}: unexpected {k:?}"),
        }
    }
    got_dirs.sort();
    assert!(want_files.len() > 1_000, "{}", want_files.len());
    let missing: Vec<_> = want_files
        .keys()
        .filter(|p| !got_files.contains_key(*p))
        .collect();
    let extra: Vec<_> = got_files
        .keys()
        .filter(|p| !want_files.contains_key(*p))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(got_dirs, want_dirs);
    for (p, data) in &want_files {
        assert!(got_files[p].data[..] == data[..], "{p}: content differs");
    }
    let bb = got_files["bin/busybox"];
    assert_eq!(bb.meta.mtime, 1_470_252_412);
    assert_eq!((bb.meta.uid, bb.meta.gid), (0, 0));
    assert_eq!(bb.size, 294_159);
}

/// Past the memory budget, small contents go to shared mapped pack segments and large ones to
/// mapped files of their own; every content reads back intact either way (fragment blocks are
/// decoded batch by batch and dropped after their last file).
#[test]
fn contents_past_the_memory_budget_are_mapped_and_intact() {
    use netvet_testkit::{Comp, SquashOpts};
    let dir = tempfile::tempdir().unwrap();
    let small = |i: usize| -> Vec<u8> {
        (0..8192)
            .map(|j| ((i * 31 + j * 7 + j / 13) % 256) as u8)
            .collect()
    };
    for i in 0..600 {
        netvet_testkit::write_file(dir.path(), &format!("d{}/f{i:04}", i % 7), &small(i));
    }
    let big: Vec<u8> = (0..2 << 20).map(|j: usize| (j % 249) as u8).collect();
    netvet_testkit::write_file(dir.path(), "big.bin", &big);
    let img = pack_squashfs(dir.path(), &SquashOpts::new(Comp::Gzip, 128 << 10, 0)).unwrap();
    let limits = Limits {
        memory_budget: 1 << 20,
        ..Limits::default()
    };
    let tree = Unpacker::new(limits).unpack_bytes(Bytes::from(img));
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    let files: Vec<_> = tree.files().filter(|e| e.path.contains("/d")).collect();
    assert_eq!(files.len(), 600);
    for e in &files {
        let i: usize = e.path.rsplit("/f").next().unwrap().parse().unwrap();
        assert!(e.data[..] == small(i)[..], "{}", e.path);
    }
    let mapped = files
        .iter()
        .filter(|e| netvet_unpack::spool::is_mapped(&e.data))
        .count();
    // 1 MiB of budget holds at most 128 of the 8 KiB files (less when the big file came first)
    assert!(
        (600 - 128..=600).contains(&mapped),
        "{mapped} of 600 mapped"
    );
    let b = tree.files().find(|e| e.path.ends_with("/big.bin")).unwrap();
    assert!(b.data[..] == big[..]);
    assert!(netvet_unpack::spool::is_mapped(&b.data));
    for e in &files {
        netvet_unpack::spool::release(&e.data); // drops the pack pages; contents stay readable
    }
    for e in &files {
        let i: usize = e.path.rsplit("/f").next().unwrap().parse().unwrap();
        assert!(e.data[..] == small(i)[..], "{} after release", e.path);
    }
}
