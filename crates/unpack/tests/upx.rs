//! UPX unpacking on real UPX 4.2.4 output: the test implants of the analyzer crate
//! (`crates/analyze/tests/implants/packed`, rebuilt by `build-packed.sh`), whose pre-packing
//! size and SHA-256 are recorded in `packed/ORIGINALS`, and a real packed program of the
//! corpus when it is present.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{Limits, Unpacker};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn packed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../analyze/tests/implants/packed")
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// (sha256, size, name) of every packed fixture.
fn originals() -> Vec<(String, u64, String)> {
    let text = std::fs::read_to_string(packed_dir().join("ORIGINALS")).expect("ORIGINALS");
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].to_string(), f[1].parse().unwrap(), f[2].to_string())
        })
        .collect()
}

#[test]
fn every_packed_implant_unpacks_to_its_original() {
    let all = originals();
    assert_eq!(all.len(), 16, "fixtures: {all:?}");
    let mut methods = std::collections::BTreeSet::new();
    for (sha, size, name) in &all {
        let packed = std::fs::read(packed_dir().join(name)).unwrap();
        assert!(
            netvet_unpack::classify::is_elf(&packed) && !netvet_unpack::classify::is_leaf(&packed),
            "{name}: a packed ELF must be carved"
        );
        let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(packed));
        assert!(tree.errors.is_empty(), "{name}: {:?}", tree.errors);
        let e = tree
            .get("0x0.upx/unpacked")
            .unwrap_or_else(|| panic!("{name}: no child; layers {:?}", tree.layers));
        assert_eq!(e.size, *size, "{name}");
        assert_eq!(&hex(&Sha256::digest(&e.data)), sha, "{name}");
        let layer = &tree.layers[0];
        assert_eq!(layer.format, "upx");
        for m in ["NRV2B_LE32", "NRV2B_8", "NRV2D_LE32", "NRV2E_LE32", "LZMA"] {
            if layer
                .variant
                .split(' ')
                .any(|w| w.split('+').any(|x| x == m))
            {
                methods.insert(m);
            }
        }
        if name.contains("aarch64") {
            assert!(
                layer.variant.contains("filter 0x52"),
                "{name}: {}",
                layer.variant
            );
        }
    }
    // every method UPX chose for the fixtures was exercised
    assert_eq!(methods.len(), 5, "{methods:?}");
}

#[test]
fn packed_file_inside_a_file_system_keeps_its_name() {
    let name = "connectback-mipsel-static-upx";
    let packed = std::fs::read(packed_dir().join(name)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("usr/sbin")).unwrap();
    std::fs::write(dir.path().join("usr/sbin/updated"), &packed).unwrap();
    let tree = Unpacker::new(Limits::default())
        .unpack_dir(dir.path())
        .unwrap();
    let e = tree
        .get("usr/sbin/updated.extract/0x0.upx/updated")
        .expect("restored original");
    let (sha, size, _) = originals().into_iter().find(|o| o.2 == name).unwrap();
    assert_eq!(e.size, size);
    assert_eq!(hex(&Sha256::digest(&e.data)), sha);
}

#[test]
fn corrupt_and_unknown_blocks_are_reported_not_fatal() {
    let name = "bindshell-arm-static-upx";
    let good = std::fs::read(packed_dir().join(name)).unwrap();
    let l = memchr::memmem::find(&good, b"UPX!").unwrap() - 4;
    let first_b_info = l + 12 + 12;
    // unknown compression method in the first block
    let mut bad = good.clone();
    bad[first_b_info + 8] = 0x7e;
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
    assert!(tree.get("0x0.upx/unpacked").is_none());
    assert_eq!(tree.unsupported.len(), 1, "{:?}", tree.unsupported);
    assert!(
        tree.unsupported[0]
            .reason
            .contains("compression method 126"),
        "{:?}",
        tree.unsupported[0]
    );
    // damaged compressed data: an error naming the block, no panic, no child
    let mut bad = good.clone();
    let data_at = first_b_info + 12;
    for b in &mut bad[data_at + 8..data_at + 40] {
        *b ^= 0x5a;
    }
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
    assert!(tree.get("0x0.upx/unpacked").is_none());
    assert_eq!(tree.errors.len(), 1, "{:?}", tree.errors);
    assert!(tree.errors[0].error.contains("UPX"), "{:?}", tree.errors[0]);
    // an absurd original size is refused before allocation
    let mut bad = good;
    let fs_at = l + 12 + 4;
    bad[fs_at..fs_at + 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    bad[fs_at + 4..fs_at + 8].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(bad));
    assert!(tree.get("0x0.upx/unpacked").is_none());
    // every truncation of a packed file: no panic
    let good = std::fs::read(packed_dir().join("connectback-aarch64-dynamic-upx")).unwrap();
    for cut in (0..good.len()).step_by(97) {
        let _ = Unpacker::new(Limits::default()).unpack_bytes(Bytes::copy_from_slice(&good[..cut]));
    }
}

#[test]
fn corpus_luxul_trl_client_is_unpacked() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../../shared/corpus/rootfs/luxul-xbr4400/squashfs-root/usr/trl-client/trl-client",
    );
    let Ok(packed) = std::fs::read(&p) else {
        eprintln!("corpus not present: {}", p.display());
        return;
    };
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(packed));
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);
    let e = tree.get("0x0.upx/unpacked").expect("restored trl-client");
    // p_info.p_filesize is 705216 (UPX format 30, MIPS little-endian), but this file keeps
    // neither the bytes after its last PT_LOAD (section headers) nor the trailer: the
    // original ends with its second PT_LOAD (offset 661968 + 3436)
    assert_eq!(e.size, 665_404);
    assert!(
        tree.layers[0].variant.contains("no section headers"),
        "{}",
        tree.layers[0].variant
    );
    assert!(
        tree.layers[0].variant.contains("NRV2E_LE32"),
        "{}",
        tree.layers[0].variant
    );
    assert!(netvet_unpack::classify::is_elf(&e.data));
    assert_eq!(
        netvet_unpack::classify::elf_arch(&e.data),
        Some(("mips", "little"))
    );
}
