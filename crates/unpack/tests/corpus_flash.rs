//! Firmware containers and flash file systems on the real files of the test corpus.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{EntryKind, Limits, Tree, Unpacker};
use std::io::Read;

const FACT: &str = "images/fact_extractor/fact_extractor/plugins/unpacking";

/// Unpack a corpus file; `None` when the corpus is absent.
fn unpack(rel: &str) -> Option<(Tree, Vec<u8>)> {
    let p = netvet_model::corpus::path(rel)?;
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data.clone()));
    Some((tree, data))
}

fn layer<'a>(tree: &'a Tree, path: &str) -> &'a netvet_model::LayerInfo {
    tree.layers
        .iter()
        .find(|l| l.path == path)
        .unwrap_or_else(|| panic!("no layer {path}: {:?}", tree.layers))
}

fn file<'a>(tree: &'a Tree, path: &str) -> &'a netvet_unpack::Entry {
    tree.get(path).unwrap_or_else(|| {
        panic!(
            "no entry {path}; have {:?}",
            tree.entries.iter().map(|e| &e.path).collect::<Vec<_>>()
        )
    })
}

#[test]
fn phicomm_k2p_uimage_lzma_kernel() {
    let Some((tree, _)) = unpack("rootfs/phicomm-k2p/kernel.bin") else {
        return;
    };
    let l = layer(&tree, "0x0.uimage");
    assert_eq!(
        l.variant,
        "os=linux arch=mips type=kernel comp=lzma name=OpenWrt-Linux-3.10.14"
    );
    assert_eq!(l.size, 3_241_934);
    let k = file(&tree, "0x0.uimage/OpenWrt-Linux-3.10.14.lzma");
    assert_eq!(k.size, 3_241_870);
    // the payload is an .lzma stream (the compression handlers unpack it once merged);
    // decode its start here to prove the payload boundaries are right
    let r = lzma_rust2::LzmaReader::new_mem_limit(&k.data[..], u32::MAX, None).unwrap();
    let mut head = Vec::new();
    r.take(8 << 20).read_to_end(&mut head).unwrap();
    let needle = b"Linux version 3.10.14";
    assert!(
        head.windows(needle.len()).any(|w| w == needle),
        "no kernel banner in {} decoded bytes",
        head.len()
    );
}

#[test]
fn luxul_xbr4400_trx() {
    let Some((tree, data)) = unpack("rootfs/luxul-xbr4400/kernel.bin") else {
        return;
    };
    let l = layer(&tree, "0x0.trx");
    assert_eq!(
        l.variant,
        "v1 truncated (1079296 of 7344128 bytes, crc not checked)"
    );
    let p0 = file(&tree, "0x0.trx/part0");
    assert_eq!(p0.size, 0x90c - 0x1c);
    let p1 = file(&tree, "0x0.trx/part1");
    assert_eq!(&p1.data[..], &data[0x90c..]);
    // the loader partition is gzip and is unpacked by the engine
    assert_eq!(
        file(&tree, "0x0.trx/part0.extract/0x0.gzip/data").size,
        3712
    );
    // the root file system partition was stripped from this file: recorded, not fatal
    assert!(tree.get("0x0.trx/part2").is_none());
    assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    assert!(tree.errors[0].error.contains("missing: part2 at 0x107800"));
}

#[test]
fn fact_trx_fixture() {
    let Some((tree, _)) = unpack(&format!("{FACT}/trx/test/data/trx.img")) else {
        return;
    };
    assert_eq!(layer(&tree, "0x0.trx").variant, "v1");
    let p0 = file(&tree, "0x0.trx/part0");
    assert_eq!(p0.size, 4096 - 28);
    assert!(p0.data.starts_with(b"PK\x03\x04"));
}

#[test]
fn tplink_mr3020_vendor_image_with_bootloader() {
    let Some((tree, data)) = unpack(&format!("{FACT}/tpl/test/data/test.tpl")) else {
        return;
    };
    assert_eq!(
        layer(&tree, "0x0.tplink").variant,
        "v1 TP-LINK Technologies ver. 1.0 (md5 ok (boot))"
    );
    assert_eq!(file(&tree, "0x0.tplink/bootloader").size, 0x20000);
    // U-Boot itself is a uImage inside the boot loader partition
    let ub = layer(&tree, "0x0.tplink/bootloader.extract/0x3a80.uimage");
    assert!(ub.variant.contains("name=u-boot image"), "{}", ub.variant);
    let inner = "0x0.tplink/firmware.extract/0x0.tplink";
    assert_eq!(
        layer(&tree, inner).variant,
        "v1 TP-LINK Technologies ver. 1.0 (md5 ok)"
    );
    let k = file(&tree, &format!("{inner}/kernel"));
    assert_eq!(k.size, 0xd9e1a);
    assert_eq!(&k.data[..], &data[0x20400..0x20400 + 0xd9e1a]);
    // rootfs from its offset to the image end: the squashfs superblock starts it
    let r = file(&tree, &format!("{inner}/rootfs"));
    assert_eq!(r.size, 0x3c0000 - 0x100000);
    assert!(r.data.starts_with(b"hsqs"));
}

#[test]
fn lede_wr703n_sysupgrade() {
    let Some((tree, _)) = unpack(
        "images/lede-wr703n/lede-17.01.7-ar71xx-generic-tl-wr703n-v1-squashfs-sysupgrade.bin",
    ) else {
        return;
    };
    assert_eq!(
        layer(&tree, "0x0.tplink").variant,
        "v1 OpenWrt r4030-6028f00df0 (md5 ok) 3473412 of 3932160 bytes"
    );
    assert_eq!(file(&tree, "0x0.tplink/kernel").size, 0x137994);
    // combined image: the rootfs follows the kernel, not at rootfs_ofs
    let r = file(&tree, "0x0.tplink/rootfs");
    assert!(r.data.starts_with(b"hsqs"));
    assert_eq!(r.size, 3_473_412 - 0x137b94);
    assert!(
        tree.errors.iter().all(|e| e.format != "tplink"),
        "{:?}",
        tree.errors
    );
}

#[test]
fn ddwrt_retagged_tplink() {
    let Some((tree, _)) = unpack("images/ddwrt-wr941nd/precompiled/factory-to-ddwrt.bin") else {
        return;
    };
    assert_eq!(
        layer(&tree, "0x0.tplink").variant,
        "v1 DD-WRT 24 (md5 mismatch)"
    );
    assert_eq!(file(&tree, "0x0.tplink/kernel").size, 0xed01b);
    assert_eq!(file(&tree, "0x0.tplink/rootfs").size, 0x3c0000 - 0xee000);
}

#[test]
fn fit_image() {
    let Some((tree, _)) = unpack(&format!("{FACT}/uboot/test/data/fit.itb")) else {
        return;
    };
    assert_eq!(
        layer(&tree, "0x0.fit").variant,
        "fit 3 images: FACT Test FIT Image"
    );
    assert_eq!(file(&tree, "0x0.fit/kernel").size, 1_048_765);
    assert_eq!(file(&tree, "0x0.fit/rootfs").size, 1_049_072);
    assert_eq!(file(&tree, "0x0.fit/fdt").size, 155);
    assert_eq!(
        file(&tree, "0x0.fit/kernel.extract/0x0.gzip/fact-image").size,
        1_048_576
    );
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
}

#[test]
fn plain_dtbs_are_recognised() {
    let Some((tree, _)) =
        unpack("images/FACT_core/src/plugins/analysis/device_tree/test/data/device_tree.dtb")
    else {
        return;
    };
    assert_eq!(tree.layers.len(), 1);
    assert_eq!(layer(&tree, "0x0.fit").variant, "dtb: Manufac XYZ1234ABC");
    assert_eq!(layer(&tree, "0x0.fit").size, 32889);
    assert!(tree.entries.is_empty());
    let Some((tree, _)) =
        unpack("images/FACT_core/src/plugins/analysis/device_tree/test/data/dtb_inside.image")
    else {
        return;
    };
    assert_eq!(layer(&tree, "0x80.fit").variant, "dtb: DeviceTreeTest-1");
}

#[test]
fn uimage_fixtures() {
    let Some((tree, _)) = unpack(&format!("{FACT}/uboot/test/data/uboot.image_with_header")) else {
        return;
    };
    let l = layer(&tree, "0x0.uimage");
    assert_eq!(
        l.variant,
        "os=linux arch=mips type=firmware comp=lzma name=u-boot image"
    );
    assert_eq!(file(&tree, "0x0.uimage/u-boot image.lzma").size, 32753);
    let Some((tree, _)) = unpack(&format!("{FACT}/uboot/test/data/uboot.dtb")) else {
        return;
    };
    // misnamed: a uImage header whose header CRC does not match (the container is unpacked
    // and the mismatch recorded), then a DTB 0x980 bytes into the file
    let u = layer(&tree, "0x0.uimage");
    assert!(u.variant.contains("header crc mismatch"), "{}", u.variant);
    assert_eq!(
        layer(&tree, "0x0.uimage/DD-XYZ.extract/0x940.fit").variant,
        "dtb: Manufac XYZ1234ABC"
    );
    assert!(tree
        .integrity
        .iter()
        .any(|c| c.format == "uimage" && c.field == "ih_hcrc" && !c.ok));
}

#[test]
fn android_sparse_image() {
    let Some((tree, _)) = unpack(&format!("{FACT}/android_simg/test/data/simg.img")) else {
        return;
    };
    assert_eq!(
        layer(&tree, "0x0.android-sparse").variant,
        "2560 blocks of 4096 bytes in 20 chunks"
    );
    let e = file(&tree, "0x0.android-sparse/image.raw");
    assert_eq!(e.size, 2560 * 4096);
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
}

fn check_fact_fs(tree: &Tree, root: &str) {
    let d = file(tree, &format!("{root}/generic folder"));
    assert_eq!(d.kind, EntryKind::Dir);
    let f = file(tree, &format!("{root}/generic folder/test file 3_.txt"));
    assert_eq!(f.size, 20);
    assert_eq!(file(tree, &format!("{root}/testfile1")).size, 62);
    assert_eq!(file(tree, &format!("{root}/testfile2")).size, 28);
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_eq!(tree.entries.len(), 4);
}

#[test]
fn jffs2_fixtures_both_byte_orders() {
    for (name, variant) in [("jffs2_be.img", "be"), ("jffs2_le.img", "le")] {
        let Some((tree, _)) = unpack(&format!("{FACT}/jffs2/test/data/{name}")) else {
            return;
        };
        assert_eq!(layer(&tree, "0x0.jffs2").variant, variant);
        check_fact_fs(&tree, "0x0.jffs2");
        let t = file(&tree, "0x0.jffs2/testfile1");
        assert!(t.data.starts_with(b"test file"), "{:?}", &t.data[..]);
    }
}

#[test]
fn yaffs2_fixtures() {
    for (name, variant) in [
        ("yaffs2_be.img", "2048+64 be tags@2"),
        ("yaffs2_le.img", "2048+64 le tags@2"),
    ] {
        let Some((tree, _)) = unpack(&format!("{FACT}/yaffs/test/data/{name}")) else {
            return;
        };
        assert_eq!(layer(&tree, "0x0.yaffs2").variant, variant);
        check_fact_fs(&tree, "0x0.yaffs2");
        assert!(file(&tree, "0x0.yaffs2/testfile1")
            .data
            .starts_with(b"test file"));
    }
    let Some((tree, _)) = unpack("formats/yaffs2.bin") else {
        return;
    };
    assert_eq!(layer(&tree, "0x0.yaffs2").variant, "2048+64 le tags@0");
    assert_eq!(tree.files().count(), 13);
    let g = file(&tree, "0x0.yaffs2/yaffs_guts.h");
    assert_eq!(g.size, 27266);
    assert_eq!(g.meta.mode, 0o664);
    let m = file(&tree, "0x0.yaffs2/mkyaffs2image.c");
    assert_eq!(m.size, 15107);
    assert!(String::from_utf8_lossy(&m.data).contains("yaffs"));
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
}
