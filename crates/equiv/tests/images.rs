//! Equivalence of whole images built at test time: one tree packed twice with other
//! compressors, block sizes and timestamps; the reproducible image of the test corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use bytes::Bytes;
use netvet_equiv::equiv::{compare, FileStatus, Side, Verdict};
use netvet_testkit::{
    pack_squashfs, read_mtimes, trx, trx_with_rootfs, write_file, Comp, SquashOpts,
};
use netvet_unpack::{Limits, Tree, Unpacker};
use sha2::{Digest, Sha256};
use std::path::Path;

fn unpack(img: &[u8]) -> (Tree, Side) {
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.to_vec()));
    let side = Side {
        path: "image".into(),
        sha256: hex::encode(Sha256::digest(img)),
        files: tree.file_count(),
    };
    (tree, side)
}

/// A small root file system; the ELF is a real MIPS BusyBox when the corpus is present.
fn small_tree(root: &Path) {
    write_file(root, "etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n");
    write_file(root, "etc/banner", b"welcome\n");
    let mut big = Vec::new();
    for i in 0..40_000u32 {
        big.extend_from_slice(format!("{i} {}\n", i.wrapping_mul(2_654_435_761)).as_bytes());
    }
    write_file(root, "usr/share/big.txt", &big);
    if let Some(bb) = netvet_model::corpus::path("rootfs/luxul-xbr4400/squashfs-root/bin/busybox") {
        write_file(root, "bin/busybox", &std::fs::read(bb).unwrap());
    }
}

#[test]
fn same_tree_two_compressors_two_timestamps_is_equivalent() {
    let d = tempfile::tempdir().unwrap();
    small_tree(d.path());
    let a = pack_squashfs(
        d.path(),
        &SquashOpts::new(Comp::Gzip, 131_072, 1_600_000_000),
    )
    .unwrap();
    let b = pack_squashfs(d.path(), &SquashOpts::new(Comp::Xz, 262_144, 1_700_000_000)).unwrap();
    assert_ne!(a, b);
    let (ta, sa) = unpack(&a);
    let (tb, sb) = unpack(&b);
    let r = compare(&ta, sa, &tb, sb);
    assert_eq!(r.verdict, Verdict::Equivalent, "{:#?}", r.files);
    assert_eq!(r.summary.different, 0);
    // every file and directory differs in its mtime only
    assert_eq!(r.summary.metadata_only, r.summary.compared);
    assert!(
        r.files.iter().all(|f| f.reasons == ["mtime"]),
        "{:#?}",
        r.files
    );
    let n = &r.normalizations;
    assert!(n.contains(&"file modification times".to_string()), "{n:?}");
    assert!(
        n.iter()
            .any(|x| x.starts_with("squashfs layer variant differs") && x.contains("xz")),
        "{n:?}"
    );
}

#[test]
fn one_changed_file_in_the_rebuild_is_different() {
    let d = tempfile::tempdir().unwrap();
    small_tree(d.path());
    let a = pack_squashfs(
        d.path(),
        &SquashOpts::new(Comp::Gzip, 131_072, 1_600_000_000),
    )
    .unwrap();
    write_file(d.path(), "etc/banner", b"welcome, admin\n");
    let b = pack_squashfs(d.path(), &SquashOpts::new(Comp::Xz, 262_144, 1_600_000_000)).unwrap();
    let (ta, sa) = unpack(&a);
    let (tb, sb) = unpack(&b);
    let r = compare(&ta, sa, &tb, sb);
    assert_eq!(r.verdict, Verdict::Different);
    let diff: Vec<_> = r
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Different)
        .collect();
    assert_eq!(diff.len(), 1, "{diff:#?}");
    assert_eq!(diff[0].path, "squashfs/etc/banner");
    assert_eq!(diff[0].reasons, ["content"]);
    assert_eq!((diff[0].bytes_a, diff[0].bytes_b), (8, 15));
}

#[test]
fn a_container_around_the_same_file_system_is_equivalent() {
    let d = tempfile::tempdir().unwrap();
    small_tree(d.path());
    let sq = pack_squashfs(
        d.path(),
        &SquashOpts::new(Comp::Gzip, 131_072, 1_600_000_000),
    )
    .unwrap();
    let a = trx(&[b"loader-v1", &sq]);
    let b = trx(&[b"loader-v2", &sq]);
    let (ta, sa) = unpack(&a);
    let (tb, sb) = unpack(&b);
    let r = compare(&ta, sa, &tb, sb);
    // the loader partition differs in content: not hidden by the container
    assert_eq!(r.verdict, Verdict::Different);
    assert_eq!(r.files.len(), 1, "{:#?}", r.files);
    assert_eq!(r.files[0].path, "trx/part0");
    assert_eq!(r.files[0].reasons, ["content"]);
    // the same TRX behind a 64-byte vendor header: the layers moved, every file matches
    let mut c = vec![0x5a; 64];
    c.extend_from_slice(&a);
    let (ta, sa) = unpack(&a);
    let (tc, sc) = unpack(&c);
    let r = compare(&ta, sa, &tc, sc);
    assert_eq!(r.verdict, Verdict::Equivalent, "{:#?}", r.files);
    assert!(r.files.is_empty(), "{:#?}", r.files);
    assert_eq!(r.normalizations, ["trx layer at another offset"]);
}

/// The reproducible case of the test corpus: the luxul-xbr4400 tree packed as its publisher
/// documents (`mksquashfs -comp xz -b 262144 -no-xattrs -noappend -all-root -mkfs-time
/// 1786544698` with the recorded mtimes), and packed again at another time with fresh mtimes,
/// each in a TRX with the stock loader and kernel.
#[test]
fn luxul_tree_packed_twice_is_equivalent() {
    let (Some(dir), Some(kernel)) = (
        netvet_model::corpus::path("rootfs/luxul-xbr4400/squashfs-root"),
        netvet_model::corpus::path("rootfs/luxul-xbr4400/kernel.bin"),
    ) else {
        return;
    };
    let kernel = std::fs::read(kernel).unwrap();
    let mtimes = read_mtimes(&dir.parent().unwrap().join("mtimes.tsv")).unwrap();
    let stock = SquashOpts::like_mksquashfs_xz(1_786_544_698).with_mtimes(mtimes);
    let rebuild = SquashOpts::like_mksquashfs_xz(1_800_000_000);
    let a = trx_with_rootfs(&kernel, &pack_squashfs(&dir, &stock).unwrap()).unwrap();
    let b = trx_with_rootfs(&kernel, &pack_squashfs(&dir, &rebuild).unwrap()).unwrap();
    assert_ne!(a, b);
    let (ta, sa) = unpack(&a);
    let (tb, sb) = unpack(&b);
    let r = compare(&ta, sa, &tb, sb);
    assert_eq!(r.verdict, Verdict::Equivalent);
    assert_eq!(
        r.summary.different + r.summary.only_in_a + r.summary.only_in_b,
        0
    );
    assert!(r.summary.compared > 2_000, "{:?}", r.summary);
    // the root file system's files differ in mtime only; the partition holding it in packaging
    let part2 = r.files.iter().find(|f| f.path == "trx/part2").unwrap();
    assert_eq!(part2.reasons, ["packaging"]);
    let bb = r
        .files
        .iter()
        .find(|f| f.path == "trx/part2.extract/squashfs/bin/busybox")
        .unwrap();
    assert_eq!(bb.reasons, ["mtime"]);
    assert_eq!(
        r.normalizations,
        [
            "container or file-system packaging (compression, headers, padding)",
            "file modification times"
        ]
    );
}
