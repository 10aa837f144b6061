//! Every squashfs, cramfs and romfs file of the corpus through the unpacker, with concrete
//! expectations (entry counts, contents, link targets, variants).

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{EntryKind, Limits, Tree, Unpacker};

fn unpack(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Some(Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data)))
}

/// Entries of one layer (everything below `root/`, nested layers excluded).
fn layer_entries<'a>(t: &'a Tree, root: &str) -> Vec<&'a netvet_unpack::Entry> {
    let prefix = format!("{root}/");
    t.entries
        .iter()
        .filter(|e| e.path.starts_with(&prefix) && !e.path[prefix.len()..].contains(".extract/"))
        .collect()
}

fn no_errors_in(t: &Tree, root: &str) {
    let errs: Vec<_> = t.errors.iter().filter(|e| e.path == root).collect();
    assert!(errs.is_empty(), "{root}: {errs:?}");
}

const LSB: &[u8] = b"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.5 LTS\"\n";

#[test]
fn binwalk_fixtures_squashfs_cramfs_romfs() {
    for (rel, root, variant) in [
        (
            "formats/squashfs.bin",
            "0x0.squashfs",
            "squashfs 4.0 le gzip",
        ),
        ("formats/cramfs.bin", "0x0.cramfs", "le"),
        ("formats/romfs.bin", "0x0.romfs", ""),
    ] {
        let Some(t) = unpack(rel) else { return };
        no_errors_in(&t, root);
        assert_eq!(t.layers[0].path, root);
        assert_eq!(t.layers[0].variant, variant);
        let e = t.get(&format!("{root}/lsb-release")).expect(rel);
        assert_eq!(&e.data[..], LSB, "{rel}");
        assert_eq!(layer_entries(&t, root).len(), 1, "{rel}");
    }
}

#[test]
fn squashfs_v2_broadcom_vendor_lzma() {
    let Some(t) = unpack("formats/squashfs_v2.bin") else {
        return;
    };
    let root = "0x0.squashfs";
    no_errors_in(&t, root);
    assert!(
        t.layers[0].variant.starts_with("squashfs 2.0 be"),
        "{}",
        t.layers[0].variant
    );
    // 431 inodes: the root directory and 430 entries below it
    let all = layer_entries(&t, root);
    assert_eq!(all.len(), 430);
    let n = |k| all.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (n(EntryKind::File), n(EntryKind::Dir), n(EntryKind::Symlink)),
        (263, 28, 68)
    );
    let bb = t.get("0x0.squashfs/bin/busybox").expect("busybox");
    assert_eq!(bb.size, 224_756);
    assert_eq!(&bb.data[..4], b"\x7fELF");
    assert_eq!(bb.data[5], 2, "big-endian ELF");
    assert_eq!(
        u16::from_be_bytes([bb.data[18], bb.data[19]]),
        8,
        "e_machine MIPS"
    );
    assert_eq!(bb.meta.mode, 0o755);
    let cat = t.get("0x0.squashfs/bin/cat").unwrap();
    assert_eq!(cat.link_target.as_deref(), Some("busybox"));
    assert_eq!(t.content(cat).len(), 224_756);
    assert!(t
        .get("0x0.squashfs/etc/inittab")
        .unwrap()
        .data
        .starts_with(b"::sysinit:/etc/init.d/rcS\n"));
    // every regular file decoded to its full size
    assert!(all
        .iter()
        .filter(|e| e.is_file())
        .all(|e| e.data.len() as u64 == e.size));
}

#[test]
fn binwalk_v2_firmware_squashfs_lzma_1811_inodes() {
    let Some(t) = unpack("images/binwalk-v2/firmware.squashfs") else {
        return;
    };
    let root = "0x0.squashfs";
    no_errors_in(&t, root);
    assert_eq!(t.layers[0].variant, "squashfs 4.0 le lzma");
    let all = layer_entries(&t, root);
    assert_eq!(all.len(), 1810); // + the root directory = 1811 inodes
    let n = |k| all.iter().filter(|e| e.kind == k).count();
    assert_eq!(
        (n(EntryKind::File), n(EntryKind::Dir), n(EntryKind::Symlink)),
        (1476, 98, 160)
    );
    let bb = t.get("0x0.squashfs/bin/busybox").unwrap();
    assert_eq!(bb.size, 499_376);
    assert_eq!(&bb.data[..4], b"\x7fELF");
    assert_eq!(
        t.get("0x0.squashfs/bin/ls").unwrap().link_target.as_deref(),
        Some("busybox")
    );
}

#[test]
fn fact_extractor_squashfs_variants() {
    let dir = "images/fact_extractor/fact_extractor/plugins/unpacking/squashFS/test/data";
    for (file, variant) in [
        ("gzip.sqfs", "squashfs 4.0 le gzip"),
        ("xz.sqfs", "squashfs 4.0 le xz"),
        ("lzma.sqfs", "squashfs 4.0 le lzma"),
        ("lzo.sqfs", "squashfs 4.0 le lzo"),
        ("lz4.sqfs", "squashfs 4.0 le lz4"),
        ("zstd.sqfs", "squashfs 4.0 le zstd"),
        ("avm_le.sqfs4", "squashfs 4.0 le xz"),
        ("avm_be.sqfs4", "squashfs 4.0 be xz"),
        ("zlib_le.sqfs3", "squashfs 3.1 le zlib"),
        ("zlib_be.sqfs3", "squashfs 3.1 be zlib"),
        (
            "lzma1_le.sqfs3",
            "squashfs 3.76 le lzma (raw, lc=3 lp=0 pb=2)",
        ),
        (
            "lzma1_be.sqfs3",
            "squashfs 3.76 be lzma (raw, lc=3 lp=0 pb=2)",
        ),
        (
            "lzma_le.sqfs2",
            "squashfs 2.76 le lzma (raw, lc=3 lp=0 pb=2)",
        ),
        (
            "lzma_be.sqfs2",
            "squashfs 2.76 be lzma (raw, lc=3 lp=0 pb=2)",
        ),
    ] {
        let Some(t) = unpack(&format!("{dir}/{file}")) else {
            return;
        };
        no_errors_in(&t, "0x0.squashfs");
        assert_eq!(t.layers[0].variant, variant, "{file}");
        assert_eq!(layer_entries(&t, "0x0.squashfs").len(), 4, "{file}");
        let f = t
            .get("0x0.squashfs/testfile1")
            .unwrap_or_else(|| panic!("{file}"));
        assert_eq!(f.size, 62, "{file}");
        let g = t
            .get("0x0.squashfs/generic folder/test file 3_.txt")
            .unwrap();
        assert_eq!(&g.data[..], b"The third test file!", "{file}");
        assert_eq!(
            (g.meta.mode, g.meta.uid, g.meta.gid),
            (0o644, 1000, 1000),
            "{file}"
        );
        assert_eq!(g.meta.mtime, 1_721_724_781, "{file}");
    }
    // AVM's fake header (version 0.0) is not a squashfs
    let Some(t) = unpack(
        "images/fact_extractor/fact_extractor/plugins/unpacking/avm_sqfs_fake/test/data/fake.sqfs",
    ) else {
        return;
    };
    assert!(t.layers.iter().all(|l| l.format != "squashfs"));
}

#[test]
fn unblob_and_fact_core_small_images() {
    for (rel, root, variant) in [
        (
            "images/unblob-early/tests/integration/filesystem/squashfs/squashfs_v3/big_endian/__input__/squashfs_v3_be.bin",
            "0x0.squashfs",
            "squashfs 3.0 be zlib",
        ),
        (
            "images/unblob-early/tests/integration/filesystem/squashfs/squashfs_v3/little_endian/__input__/squashfs_v3_le.bin",
            "0x0.squashfs",
            "squashfs 3.0 le zlib",
        ),
        (
            "images/unblob-early/tests/integration/filesystem/squashfs/squashfs_v4/__input__/squashfs_v4.bin",
            "0x0.squashfs",
            "squashfs 4.0 le gzip",
        ),
        (
            "images/unblob-early/tests/integration/filesystem/cramfs/big_endian/__input__/fruits.cramfs_be",
            "0x0.cramfs",
            "be",
        ),
        (
            "images/unblob-early/tests/integration/filesystem/cramfs/little_endian/__input__/fruits.cramfs_le",
            "0x0.cramfs",
            "le",
        ),
    ] {
        let Some(t) = unpack(rel) else { return };
        no_errors_in(&t, root);
        assert_eq!(t.layers[0].variant, variant, "{rel}");
        assert_eq!(layer_entries(&t, root).len(), 2, "{rel}");
        let a = t.get(&format!("{root}/apple.txt")).unwrap_or_else(|| panic!("{rel}"));
        assert_eq!((a.size, a.meta.mode, a.meta.uid), (6, 0o664, 1000), "{rel}");
        assert_eq!(t.get(&format!("{root}/cherry.txt")).unwrap().size, 7, "{rel}");
    }
    let Some(t) =
        unpack("images/FACT_core/src/plugins/analysis/file_system_metadata/test/data/squashfs.img")
    else {
        return;
    };
    no_errors_in(&t, "0x0.squashfs");
    let m = |p: &str| t.get(&format!("0x0.squashfs/{p}")).unwrap().meta.mode;
    assert_eq!(
        (
            m("testfile_all"),
            m("testfile_suid"),
            m("testfile_sgid"),
            m("testfile_sticky")
        ),
        (0o7777, 0o4777, 0o2777, 0o1777)
    );
    assert_eq!(t.get("0x0.squashfs/testfile_all").unwrap().size, 10240);
}

#[test]
fn fact_extractor_cramfs_and_romfs() {
    let base = "images/fact_extractor/fact_extractor/plugins/unpacking";
    for (rel, root) in [
        ("sevenz/test/data/cramfs.img", "0x0.cramfs"),
        ("generic_fs/test/data/romfs.img", "0x0.romfs"),
    ] {
        let Some(t) = unpack(&format!("{base}/{rel}")) else {
            return;
        };
        no_errors_in(&t, root);
        assert_eq!(layer_entries(&t, root).len(), 4, "{rel}");
        assert_eq!(
            &t.get(&format!("{root}/generic folder/test file 3_.txt"))
                .unwrap()
                .data[..],
            b"The third test file!"
        );
        assert_eq!(t.get(&format!("{root}/testfile2")).unwrap().size, 28);
    }
}

#[test]
fn router_images_with_embedded_squashfs() {
    // LEDE: squashfs 4.0 xz after the kernel
    let Some(t) = unpack(
        "images/lede-wr703n/lede-17.01.7-ar71xx-generic-tl-wr703n-v1-squashfs-sysupgrade.bin",
    ) else {
        return;
    };
    // the TP-Link header wraps kernel and root file system
    let root = "0x0.tplink/rootfs.extract/0x0.squashfs";
    no_errors_in(&t, root);
    assert_eq!(layer_entries(&t, root).len(), 832);
    assert!(t
        .get(&format!("{root}/etc/openwrt_release"))
        .unwrap()
        .data
        .starts_with(b"DISTRIB_ID='LEDE'\nDISTRIB_RELEASE='17.01.7'\n"));
    let sh = t.get(&format!("{root}/bin/sh")).unwrap();
    assert_eq!(sh.link_target.as_deref(), Some("busybox"));
    assert_eq!(&t.content(sh)[..4], b"\x7fELF");
    // DD-WRT: squashfs 3.0 big-endian with per-block LZMA properties ("tqsh")
    let Some(t) = unpack("images/ddwrt-wr941nd/precompiled/factory-to-ddwrt.bin") else {
        return;
    };
    let root = "0x0.tplink/rootfs.extract/0x0.squashfs";
    no_errors_in(&t, root);
    assert_eq!(
        t.layers.iter().find(|l| l.path == root).unwrap().variant,
        "squashfs 3.0 be lzma (dd-wrt per-block properties)"
    );
    let all = layer_entries(&t, root);
    assert_eq!(all.len(), 685);
    let bb = t.get(&format!("{root}/bin/busybox")).unwrap();
    assert_eq!(&bb.data[..4], b"\x7fELF");
    assert_eq!(u16::from_be_bytes([bb.data[18], bb.data[19]]), 8, "MIPS");
    assert!(all
        .iter()
        .filter(|e| e.is_file())
        .all(|e| e.data.len() as u64 == e.size));
}
