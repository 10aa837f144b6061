//! Real compressed streams, archives and leaf files from the corpus through the unpacker,
//! plus recursion and bomb limits built at test time.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{EntryKind, Limits, Tree, Unpacker};
use std::io::Write;

const PATOOL: &str = "images/fact_extractor/fact_extractor/plugins/unpacking/patool/test/data";

fn unpack(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    Some(
        Unpacker::new(Limits::default())
            .unpack_path(&p)
            .unwrap_or_else(|e| panic!("{rel}: {e}")),
    )
}

fn file<'a>(tree: &'a Tree, path: &str) -> &'a netvet_unpack::Entry {
    tree.get(path).unwrap_or_else(|| {
        let names: Vec<&str> = tree.entries.iter().map(|e| e.path.as_str()).collect();
        panic!("{path} missing; have {names:?}")
    })
}

fn clean(tree: &Tree) {
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert!(tree.limits_hit.is_empty(), "{:?}", tree.limits_hit);
}

#[test]
fn gzip_bin() {
    let Some(t) = unpack("formats/gzip.bin") else {
        return;
    };
    let e = file(&t, "0x0.gzip/lsb-release");
    assert_eq!(e.size, 104);
    assert!(e.data.starts_with(b"DISTRIB_ID="), "{:?}", &e.data[..20]);
    clean(&t);
}

#[test]
fn bzip2_bin() {
    let Some(t) = unpack("formats/bzip2.bin") else {
        return;
    };
    assert_eq!(t.layers.len(), 1);
    assert_eq!(t.layers[0].size, 8125);
    assert_eq!(file(&t, "0x0.bzip2/data").size, 21043);
    clean(&t);
}

#[test]
fn zip_bin_with_nested_zips() {
    let Some(t) = unpack("formats/zip.bin") else {
        return;
    };
    let outer = file(&t, "0x0.zip/CH-sys-48.53.64.67.bin");
    assert_eq!(outer.size, 612_699);
    let x = "0x0.zip/CH-sys-48.53.64.67.bin.extract";
    let enc = file(&t, &format!("{x}/0x253f8.zip/system/system/bin/encoder"));
    assert_eq!((enc.size, enc.meta.mode), (886_168, 0o755));
    assert!(enc.data.starts_with(b"\x7fELF"));
    let sh = file(&t, &format!("{x}/0x2522c.zip/system/init/ipcam.sh"));
    assert_eq!(sh.size, 227);
    assert_eq!(t.layers.len(), 14);
    clean(&t);
}

#[test]
fn zip_truncated_bin_recovers_local_entries() {
    let Some(t) = unpack("formats/zip_truncated.bin") else {
        return;
    };
    assert_eq!(file(&t, "0x0.zip/AfuLnx64/AfuLnx64").kind, EntryKind::Dir);
    let readme = file(&t, "0x0.zip/AfuLnx64/AfuLnx64/readme.txt");
    assert_eq!(readme.size, 5194);
    assert_eq!(t.layers[0].variant, "damaged");
    assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
    assert!(t.errors[0].error.contains("no central directory"));
}

#[test]
fn sevenz_bin() {
    let Some(t) = unpack("formats/7z.bin") else {
        return;
    };
    let e = file(&t, "0x0.7z/lsb-release");
    assert_eq!(e.size, 104);
    assert!(e.data.starts_with(b"DISTRIB_ID="));
    assert_eq!(t.layers[0].size, 218);
    clean(&t);
}

#[test]
fn foobar_lzma() {
    let Some(t) = unpack("images/binwalk-v2/foobar.lzma") else {
        return;
    };
    assert_eq!(&file(&t, "0x0.lzma/data").data[..], b"Foobar.\n");
    assert_eq!(t.layers[0].size, 31);
    clean(&t);
}

#[test]
fn dirtraversal_tar_stays_inside() {
    let Some(t) = unpack("images/binwalk-v2/dirtraversal.tar") else {
        return;
    };
    assert!(t.entries.iter().all(|e| e.path.starts_with("0x0.tar/")));
    let names: Vec<&str> = t.entries.iter().map(|e| e.inner_path()).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "README2_link",
            "bar",
            "foo",
            "ls",
            "subdir",
            "subdir/README2.txt",
            "subdir/README_link",
            "subdir/bar2",
            "subdir/foo2",
            "subdir/ls2"
        ]
    );
    let foo = file(&t, "0x0.tar/foo");
    assert_eq!(
        (foo.kind, foo.link_target.as_deref()),
        (EntryKind::Symlink, Some("../../"))
    );
    // following the escaping links stays inside the layer
    assert!(t.resolve(foo).is_none_or(|r| r.path.starts_with("0x0.tar")));
    assert_eq!(t.errors.len(), 1, "{:?}", t.errors);
    let err = &t.errors[0].error;
    assert!(
        err.contains("'foo' -> '../../'") && err.contains("'subdir/foo2' -> '../../../../'"),
        "{err}"
    );
    assert!(
        !err.contains("bar"),
        "absolute targets resolve inside the layer: {err}"
    );
}

fn busybox_in(t: &Tree, root: &str, size: u64) {
    let bb = file(t, &format!("{root}/bin/busybox"));
    assert_eq!(bb.kind, EntryKind::File);
    assert_eq!(bb.size, size);
    assert!(bb.data.starts_with(b"\x7fELF"));
    assert_eq!(
        netvet_unpack::classify::elf_arch(&bb.data),
        Some(("x86", "little"))
    );
    let sh = file(t, &format!("{root}/bin/sh"));
    assert_eq!(sh.link_target.as_deref(), Some("busybox"));
    assert_eq!(
        file(t, &format!("{root}/dev/console")).kind,
        EntryKind::CharDevice
    );
}

#[test]
fn floppinux_rootfs_cpio_gz() {
    let Some(t) = unpack("images/floppinux/rootfs.cpio.gz") else {
        return;
    };
    busybox_in(&t, "0x0.gzip/data.extract/0x0.cpio", 1_260_056);
    assert_eq!(t.layers[1].variant, "newc");
    clean(&t);
}

#[test]
fn floppinux_rootfs_cpio_xz() {
    let Some(t) = unpack("images/floppinux/rootfs.cpio.xz") else {
        return;
    };
    let root = "0x0.xz/data.extract/0x0.cpio";
    busybox_in(&t, root, 230_656);
    let init = file(&t, &format!("{root}/app/init"));
    assert_eq!((init.size, init.meta.mode), (178, 0o775));
    clean(&t);
}

#[test]
fn leaves_produce_no_layers() {
    for f in ["pdf", "jpeg", "png_malformed", "bmp", "riff"] {
        let Some(t) = unpack(&format!("formats/{f}.bin")) else {
            return;
        };
        assert!(t.layers.is_empty(), "{f}: {:?}", t.layers);
        assert_eq!(t.file_count(), 0, "{f}");
    }
}

#[test]
fn patool_fixtures() {
    let Some(t) = unpack(&format!("{PATOOL}/test.a")) else {
        return;
    };
    assert_eq!(file(&t, "0x0.ar/test.data").size, 128);
    clean(&t);

    for (f, path) in [
        ("test.bz2", "0x0.bzip2/data"),
        ("test.lz4", "0x0.lz4/data"),
        ("test.zst", "0x0.zstd/data"),
        ("test.lzo", "0x0.lzo/test.data"),
    ] {
        let t = unpack(&format!("{PATOOL}/{f}")).unwrap();
        assert_eq!(file(&t, path).size, 128, "{f}");
        clean(&t);
    }
    // the same 128 bytes in every fixture
    let a = unpack(&format!("{PATOOL}/test.a")).unwrap();
    let z = unpack(&format!("{PATOOL}/test.zst")).unwrap();
    assert_eq!(
        file(&a, "0x0.ar/test.data").data,
        file(&z, "0x0.zstd/data").data
    );
    assert_eq!(
        file(
            &unpack(&format!("{PATOOL}/test.lzo")).unwrap(),
            "0x0.lzo/test.data"
        )
        .meta
        .mode,
        0o664
    );

    let tree_like = [
        ("test.tar", "0x0.tar"),
        ("test.cpio", "0x0.cpio"),
        ("test.jar", "0x0.zip"),
        ("test.tar.bz2", "0x0.bzip2/data.extract/0x0.tar"),
    ];
    for (f, root) in tree_like {
        let t = unpack(&format!("{PATOOL}/{f}")).unwrap();
        assert_eq!(
            file(&t, &format!("{root}/get_files_test/testfile1")).size,
            62,
            "{f}"
        );
        assert_eq!(
            file(&t, &format!("{root}/get_files_test/testfile2")).size,
            28,
            "{f}"
        );
        let deep = file(
            &t,
            &format!("{root}/get_files_test/generic folder/test file 3_.txt"),
        );
        assert_eq!(deep.size, 20, "{f}");
        clean(&t);
    }
    let cpio = unpack(&format!("{PATOOL}/test.cpio")).unwrap();
    assert_eq!(cpio.layers[0].variant, "binary le");
    assert_eq!(
        file(
            &unpack(&format!("{PATOOL}/test.jar")).unwrap(),
            "0x0.zip/META-INF/MANIFEST.MF"
        )
        .size,
        64
    );
}

#[test]
fn deb_unpacks_by_recursion() {
    let Some(t) = unpack(&format!("{PATOOL}/test.deb")) else {
        return;
    };
    assert_eq!(&file(&t, "0x0.ar/debian-binary").data[..], b"2.0\n");
    let control = file(
        &t,
        "0x0.ar/control.tar.xz.extract/0x0.xz/control.tar.extract/0x0.tar/control",
    );
    assert!(
        control.data.starts_with(b"Package:"),
        "{:?}",
        String::from_utf8_lossy(&control.data)
    );
    let data = "0x0.ar/data.tar.xz.extract/0x0.xz/data.tar.extract/0x0.tar";
    let elf = file(&t, &format!("{data}/usr/bin/test_elf_sfx"));
    assert_eq!((elf.size, elf.meta.mode), (397_334, 0o775));
    assert_eq!(
        file(&t, &format!("{data}/var/lib/binary_search_test")).size,
        26
    );
    clean(&t);
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

#[test]
fn sixty_four_nested_gzip_layers_stop_at_max_depth() {
    let mut data = b"innermost payload\n".repeat(10);
    for _ in 0..64 {
        data = gzip(&data);
    }
    let limits = Limits::default();
    let depth = limits.max_depth;
    let t = Unpacker::new(limits).unpack_bytes(Bytes::from(data));
    assert_eq!(t.layers.len(), depth as usize);
    assert_eq!(t.limits_hit.len(), 1, "{:?}", t.limits_hit);
    assert_eq!(t.limits_hit[0].limit, "max-depth");
    assert!(
        t.limits_hit[0].detail.contains("gzip"),
        "{:?}",
        t.limits_hit
    );
    assert_eq!(t.file_count(), u64::from(depth));
    assert!(t.errors.is_empty(), "{:?}", t.errors);
}

#[test]
fn four_gib_of_zeros_is_cut_quickly() {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..4096 {
        e.write_all(&zeros).unwrap();
    }
    let gz = e.finish().unwrap();
    assert!(gz.len() < 8 << 20, "{}", gz.len());
    let started = std::time::Instant::now();
    let limits = Limits::default();
    let cap = (limits.max_ratio * gz.len() as u64)
        .max(limits.ratio_floor)
        .min(limits.max_bytes);
    let t = Unpacker::new(limits).unpack_bytes(Bytes::from(gz));
    let took = started.elapsed();
    assert_eq!(file(&t, "0x0.gzip/data").size, cap);
    assert_eq!(t.limits_hit.len(), 1, "{:?}", t.limits_hit);
    assert_eq!(t.limits_hit[0].limit, "max-ratio");
    assert!(took.as_secs() < 20, "took {took:?}");
    println!("4 GiB gzip bomb ({} MiB cap) cut in {took:?}", cap >> 20);
}
