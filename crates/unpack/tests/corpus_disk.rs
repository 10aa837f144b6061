//! Real block-file-system, partition-table and UBI images of the corpus through the unpacker.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{EntryKind, Limits, Tree, Unpacker};

fn unpack(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    let tree = Unpacker::new(Limits::default())
        .unpack_path(&p)
        .expect("corpus file readable");
    if std::env::var_os("NETVET_DUMP").is_some() {
        dump(&tree);
    }
    Some(tree)
}

fn unpack_bytes(data: Vec<u8>) -> Tree {
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data));
    if std::env::var_os("NETVET_DUMP").is_some() {
        dump(&tree);
    }
    tree
}

/// Lists a tree on stderr when `NETVET_DUMP` is set (for inspecting a new image).
fn dump(tree: &Tree) {
    for l in &tree.layers {
        eprintln!(
            "layer {} {} {:?} {:#x}+{:#x}",
            l.path, l.format, l.variant, l.offset, l.size
        );
    }
    for e in &tree.entries {
        eprintln!(
            "{:?} {} {:o} {}:{} {} {} {:?} {:?}",
            e.kind,
            e.path,
            e.meta.mode,
            e.meta.uid,
            e.meta.gid,
            e.meta.mtime,
            e.size,
            e.link_target,
            String::from_utf8_lossy(&e.data[..e.data.len().min(40)])
        );
    }
    eprintln!("errors {:?}", tree.errors);
    eprintln!("limits {:?}", tree.limits_hit);
}

#[test]
fn mbr_bin_has_one_partition() {
    let Some(tree) = unpack("formats/mbr.bin") else {
        return;
    };
    let p = tree.get("0x0.mbr/part1").expect("part1");
    assert_eq!(p.size, 9 * 512);
    assert_eq!(tree.layers[0].format, "mbr");
    assert!(tree.get("0x0.mbr/part2").is_none());
}

/// A corpus file that the corpus stores xz-compressed, decompressed in the test.
fn unxz(rel: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let p = netvet_model::corpus::path(rel)?;
    let f = std::fs::File::open(p).expect("corpus file");
    let mut out = Vec::new();
    lzma_rust2::XzReader::new(std::io::BufReader::new(f), true)
        .read_to_end(&mut out)
        .expect("xz");
    Some(out)
}

const FACT: &str = "images/fact_extractor/fact_extractor/plugins/unpacking";

const UNBLOB_FS: &str = "images/unblob-early/tests/integration/filesystem";

#[test]
fn mbr_img_partitions_hold_ext_file_systems() {
    let Some(img) = unxz(&format!("{FACT}/generic_fs/test/data/mbr.img.xz")) else {
        return;
    };
    let tree = unpack_bytes(img);
    // part1 is NTFS (not unpacked); part2..4 are ext4, ext3 and a truncated ext2
    assert_eq!(tree.get("0x0.mbr/part1").unwrap().size, 2 << 20);
    let formats: Vec<(&str, &str)> = tree
        .layers
        .iter()
        .map(|l| (l.path.as_str(), l.variant.as_str()))
        .collect();
    assert_eq!(
        formats,
        [
            ("0x0.mbr", "truncated"),
            ("0x0.mbr/part2.extract/0x0.ext", "ext4"),
            ("0x0.mbr/part3.extract/0x0.ext", "ext3"),
            ("0x0.mbr/part4.extract/0x0.ext", "ext2 truncated"),
        ]
    );
    let y = tree
        .get("0x0.mbr/part2.extract/0x0.ext/yara_test_file")
        .expect("ext4 file");
    assert_eq!(y.size, 23);
    assert_eq!((y.meta.mode, y.meta.uid, y.meta.gid), (0o664, 1002, 1002));
    let t = tree
        .get("0x0.mbr/part3.extract/0x0.ext/testfile1")
        .expect("ext3 file");
    assert!(t
        .data
        .starts_with(b"test file:\ncontent: MyTestRule 1.2.3\n"));
    assert_eq!(
        tree.get("0x0.mbr/part4.extract/0x0.ext/lost+found")
            .unwrap()
            .kind,
        EntryKind::Dir
    );
    // the image itself is cut short: both the table and the last file system say so
    assert_eq!(tree.errors.len(), 2, "{:?}", tree.errors);
}

#[test]
fn ext2_ext3_ext4_images() {
    for (name, variant) in [("ext2", "ext2"), ("ext3", "ext3"), ("ext4", "ext4")] {
        let Some(img) = unxz(&format!("{FACT}/sevenz/test/data/{name}.img.xz")) else {
            return;
        };
        let tree = unpack_bytes(img);
        assert!(tree.errors.is_empty(), "{name}: {:?}", tree.errors);
        assert_eq!(tree.layers[0].variant, variant);
        let f = tree
            .get("0x0.ext/get_files_test/generic folder/test file 3_.txt")
            .expect(name);
        assert_eq!(&f.data[..], b"The third test file!");
        assert_eq!(
            (f.meta.mode, f.meta.uid, f.meta.mtime),
            (0o644, 1000, 1442312440)
        );
        let t = tree.get("0x0.ext/get_files_test/testfile2").unwrap();
        assert_eq!(&t.data[..], b"This is the second test file");
        assert_eq!(tree.get("0x0.ext/lost+found").unwrap().meta.mode, 0o700);
        assert_eq!(tree.file_count(), 3, "{name}");
    }
}

#[test]
fn fat_images() {
    for (rel, prefix) in [
        (
            format!("{UNBLOB_FS}/fat/fat12/__input__/cherry.fat12"),
            "cherry",
        ),
        (
            format!("{UNBLOB_FS}/fat/fat16/__input__/banana.fat16"),
            "banana",
        ),
    ] {
        let Some(tree) = unpack(&rel) else {
            return;
        };
        assert!(tree.errors.is_empty(), "{:?}", tree.errors);
        assert_eq!(tree.file_count(), 4);
        for i in 1..=4 {
            let e = tree
                .get(&format!("0x0.fat/{prefix}{i}.txt"))
                .expect("fat file");
            assert_eq!(&e.data[..], format!("{prefix}{i}\n").as_bytes());
        }
    }
    let Some(img) = unxz(&format!("{FACT}/sevenz/test/data/fat.img.xz")) else {
        return;
    };
    let tree = unpack_bytes(img);
    assert_eq!(tree.layers[0].variant, "fat16");
    let f = tree
        .get("0x0.fat/get_files_test/generic folder/test file 3_.txt")
        .unwrap();
    assert_eq!(&f.data[..], b"The third test file!");
}

#[test]
fn floppinux_fat12_boot_floppy() {
    let Some(tree) = unpack("images/floppinux/floppinux.img") else {
        return;
    };
    assert_eq!(tree.layers[0].format, "fat");
    assert_eq!(tree.layers[0].size, 1_474_560);
    let cfg = tree.get("0x0.fat/syslinux.cfg").unwrap();
    assert!(cfg.data.starts_with(b"DEFAULT linux\nLABEL linux\n"));
    assert_eq!(tree.get("0x0.fat/bzImage").unwrap().size, 607_280);
    let ld = tree.get("0x0.fat/ldlinux.sys").unwrap();
    assert_eq!(ld.meta.mode, 0o444, "read-only attribute");
    let xz = tree.get("0x0.fat/rootfs.cpio.xz").unwrap();
    assert_eq!(xz.size, 125_048);
    assert!(xz.data.starts_with(b"\xfd7zXZ\0"));
}

const FACT_UBI: &str = "images/fact_extractor/fact_extractor/plugins/unpacking/ubi/test/data";

/// The fact_extractor UBIFS tree (LZO-compressed), below `root`.
fn assert_fact_ubifs(tree: &Tree, root: &str) {
    let f = tree
        .get(&format!("{root}/generic folder/test file 3_.txt"))
        .expect("ubifs file");
    assert_eq!(&f.data[..], b"The third test file!");
    assert_eq!((f.meta.mode, f.meta.uid, f.meta.gid), (0o644, 1000, 1000));
    assert_eq!(f.meta.mtime, 1_470_298_788);
    let t = tree.get(&format!("{root}/testfile1")).unwrap();
    assert_eq!(t.size, 62);
    assert!(t
        .data
        .starts_with(b"test file:\ncontent: MyTestRule 1.2.3\n"));
    assert_eq!(
        &tree.get(&format!("{root}/testfile2")).unwrap().data[..],
        b"This is the second test file"
    );
    assert_eq!(
        tree.get(&format!("{root}/generic folder")).unwrap().kind,
        EntryKind::Dir
    );
}

#[test]
fn ubi_image_volume_holds_ubifs() {
    let Some(tree) = unpack(&format!("{FACT_UBI}/ubi.img")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_eq!(tree.layers[0].variant, "peb 1024");
    let vol = tree
        .get("0x0.ubi/rootfs")
        .expect("volume named from the table");
    assert_eq!(vol.size, 1_703_936);
    assert_eq!(tree.layers[1].format, "ubifs");
    assert_fact_ubifs(&tree, "0x0.ubi/rootfs.extract/0x0.ubifs");
    assert_eq!(tree.file_count(), 4);
}

#[test]
fn raw_ubifs_images() {
    let Some(tree) = unpack(&format!("{FACT_UBI}/test.ubifs")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_fact_ubifs(&tree, "0x0.ubifs");
    assert_eq!(tree.file_count(), 3);

    let Some(tree) = unpack(&format!("{UNBLOB_FS}/ubi/ubifs/__input__/banana.ubifs")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_eq!(tree.layers[0].variant, "leb 15360");
    for i in 1..=4 {
        let e = tree.get(&format!("0x0.ubifs/banana{i}.txt")).unwrap();
        assert_eq!(&e.data[..], format!("banana{i}\n").as_bytes());
        assert_eq!((e.meta.uid, e.meta.mtime), (1000, 1_625_762_349));
    }
}

#[test]
fn ubi_static_and_dynamic_volumes() {
    let Some(tree) = unpack(&format!("{UNBLOB_FS}/ubi/ubi/__input__/fruits.ubi")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    // static volume: exactly its data size; dynamic: whole LEBs (1024 - 128 bytes)
    assert_eq!(&tree.get("0x0.ubi/apple").unwrap().data[..], b"apple1\n");
    let d = tree.get("0x0.ubi/data").unwrap();
    assert_eq!(d.size, 896);
    assert!(d.data.starts_with(b"cherry1\n\xff\xff"));
}

/// A copy of a real UBIFS image whose root index node gets a branch to itself (CRC fixed):
/// the walk must report the cycle and end.
#[test]
fn ubifs_hostile_index_cycle_on_real_image() {
    let Some(p) =
        netvet_model::corpus::path(&format!("{UNBLOB_FS}/ubi/ubifs/__input__/banana.ubifs"))
    else {
        return;
    };
    let mut img = std::fs::read(p).unwrap();
    let le32 = |d: &[u8], o: usize| u32::from_le_bytes(d[o..o + 4].try_into().unwrap());
    let leb = le32(&img, 36) as usize;
    // newest master node in LEB 1
    let mut off = leb;
    let mut master = None;
    while le32(&img, off) == 0x0610_1831 {
        if img[off + 20] == 7 {
            master = Some(off);
        }
        off += (le32(&img, off + 16) as usize).div_ceil(8) * 8;
    }
    let m = master.expect("master node");
    let (rl, ro) = (le32(&img, m + 48), le32(&img, m + 52));
    let root = rl as usize * leb + ro as usize;
    let level = u16::from_le_bytes([img[root + 26], img[root + 27]]);
    // point the first branch of the root index node at the root itself, fix the CRC
    img[root + 28..root + 32].copy_from_slice(&rl.to_le_bytes());
    img[root + 32..root + 36].copy_from_slice(&ro.to_le_bytes());
    let len = le32(&img, root + 16) as usize;
    let crc = !crc32fast::hash(&img[root + 8..root + len]);
    img[root + 4..root + 8].copy_from_slice(&crc.to_le_bytes());
    let tree = unpack_bytes(img);
    // the overwritten branch held the whole tree: nothing is listed, the walk ends, and
    // the cycle is named
    assert_eq!(level, 1);
    assert_eq!((rl, ro), (10, 320));
    assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    assert_eq!(
        tree.errors[0].error,
        "invalid: index node 10:320 is referenced again (cycle in the index); skipped"
    );
}

#[test]
fn iso9660_images() {
    let Some(tree) = unpack(&format!("{UNBLOB_FS}/iso9660/__input__/fruits.iso")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_eq!(
        &tree.get("0x0.iso9660/APPLE.TXT").unwrap().data[..],
        b"apple\n"
    );
    assert_eq!(
        &tree.get("0x0.iso9660/CHERRY.TXT").unwrap().data[..],
        b"cherry\n"
    );
    assert_eq!(tree.file_count(), 2);

    // Rock Ridge: lower-case names with spaces and read-only modes
    let Some(tree) = unpack(&format!("{FACT}/sevenz/test/data/test.iso")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    let f = tree
        .get("0x0.iso9660/generic folder/test file 3_.txt")
        .expect("rock ridge name");
    assert_eq!(&f.data[..], b"The third test file!");
    assert_eq!((f.meta.mode, f.meta.mtime), (0o444, 1_442_312_440));
    assert_eq!(
        tree.get("0x0.iso9660/generic folder").unwrap().meta.mode,
        0o555
    );
    assert!(tree
        .get("0x0.iso9660/testfile1")
        .unwrap()
        .data
        .starts_with(b"test file:\ncontent: MyTestRule 1.2.3\n"));

    // zisofs-compressed file on a plain ISO 9660 image
    let Some(tree) = unpack(&format!("{FACT}/sevenz/test/data/test_zisofs.iso")) else {
        return;
    };
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    assert_eq!(&tree.get("0x0.iso9660/FOO").unwrap().data[..], b"foo\n");
    let l = tree.get("0x0.iso9660/LOREM").unwrap();
    assert_eq!(l.size, 446);
    assert!(l
        .data
        .starts_with(b"Lorem ipsum dolor sit amet, consectetur "));
}

/// Every corpus file through this area's handlers only: no panic ("internal error"), no
/// hang, and these handlers claim only the files that really are of their formats.
#[test]
fn every_corpus_file_survives_disk_handlers() {
    use netvet_unpack::formats::filesystem::{ext, fat, iso9660, ubi, ubifs};
    use netvet_unpack::formats::firmware::partitions;
    use std::sync::Arc;
    let Some(root) = netvet_model::corpus::dir() else {
        return;
    };
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let handlers: Vec<netvet_unpack::handler::HandlerRef> = vec![
        Arc::new(partitions::Gpt),
        Arc::new(partitions::Mbr),
        Arc::new(ext::Ext),
        Arc::new(fat::Fat),
        Arc::new(iso9660::Iso9660),
        Arc::new(ubi::Ubi),
        Arc::new(ubifs::Ubifs),
    ];
    let mut claimed = 0;
    for f in &files {
        let t = std::time::Instant::now();
        let tree = Unpacker::with_handlers(Limits::default(), handlers.clone())
            .unpack_path(f)
            .unwrap();
        let ms = t.elapsed().as_millis();
        let layers: Vec<String> = tree
            .layers
            .iter()
            .map(|l| format!("{}@{:#x}", l.format, l.offset))
            .collect();
        if !layers.is_empty() || ms > 2000 {
            eprintln!(
                "{} {ms} ms {:?} errors {}",
                f.display(),
                layers,
                tree.errors.len()
            );
        }
        if !layers.is_empty() {
            claimed += 1;
        }
        for e in &tree.errors {
            assert!(
                !e.error.contains("internal error"),
                "{}: {:?}",
                f.display(),
                e
            );
        }
    }
    // the 11 disk images of the corpus (the xz-compressed ones are opaque here) plus the
    // Android sparse image, whose first raw chunk is an ext4 superblock
    assert_eq!(claimed, 12, "of {} files", files.len());
}

/// Mutated copies of the real images (random bytes overwritten, biased towards the
/// metadata at the start): every run must end without a handler panic.
#[test]
fn mutated_images_never_panic() {
    let mut inputs: Vec<(String, Vec<u8>)> = Vec::new();
    for rel in [
        "formats/mbr.bin".to_string(),
        format!("{UNBLOB_FS}/fat/fat12/__input__/cherry.fat12"),
        format!("{UNBLOB_FS}/iso9660/__input__/fruits.iso"),
        format!("{UNBLOB_FS}/ubi/ubi/__input__/fruits.ubi"),
        format!("{UNBLOB_FS}/ubi/ubifs/__input__/banana.ubifs"),
        format!("{FACT}/sevenz/test/data/test.iso"),
    ] {
        let Some(p) = netvet_model::corpus::path(&rel) else {
            return;
        };
        inputs.push((rel, std::fs::read(p).unwrap()));
    }
    if let Some(d) = unxz(&format!("{FACT}/sevenz/test/data/ext4.img.xz")) {
        inputs.push(("ext4.img".into(), d[..256 << 10].to_vec()));
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut runs = 0;
    for (name, base) in &inputs {
        for _ in 0..200 {
            let mut img = base.clone();
            for _ in 0..1 + rnd() % 16 {
                let span = if rnd() % 2 == 0 {
                    img.len().min(64 << 10)
                } else {
                    img.len()
                };
                let at = (rnd() as usize) % span;
                img[at] = rnd() as u8;
            }
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
            for e in &tree.errors {
                assert!(!e.error.contains("internal error"), "{name}: {e:?}");
            }
            runs += 1;
        }
    }
    assert_eq!(runs, 200 * inputs.len());
}
