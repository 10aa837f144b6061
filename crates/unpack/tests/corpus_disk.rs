//! Real block-file-system, partition-table and UBI images of the corpus through the unpacker.

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

#[allow(dead_code)]
fn unpack_bytes(data: Vec<u8>) -> Tree {
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data));
    if std::env::var_os("NETVET_DUMP").is_some() {
        dump(&tree);
    }
    tree
}

fn dump(tree: &Tree) {
    for l in &tree.layers {
        eprintln!("layer {} {} {:?} {:#x}+{:#x}", l.path, l.format, l.variant, l.offset, l.size);
    }
    for e in &tree.entries {
        eprintln!(
            "{:?} {} {:o} {}:{} {} {} {:?}",
            e.kind, e.path, e.meta.mode, e.meta.uid, e.meta.gid, e.meta.mtime, e.size, e.link_target
        );
    }
    eprintln!("errors {:?}", tree.errors);
    eprintln!("limits {:?}", tree.limits_hit);
}

#[test]
fn dump_any() {
    // NETVET_DUMP_FILE=images/... NETVET_DUMP=1 cargo test --test corpus_disk dump_any -- --nocapture
    if let Ok(rel) = std::env::var("NETVET_DUMP_FILE") {
        let _ = unpack(&rel);
    }
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
    let _ = EntryKind::File;
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

#[test]
fn dump_xz() {
    if let Ok(rel) = std::env::var("NETVET_DUMP_XZ") {
        if let Some(d) = unxz(&rel) {
            eprintln!("{} bytes", d.len());
            if let Ok(out) = std::env::var("NETVET_DUMP_OUT") {
                std::fs::write(out, &d).unwrap();
            }
            let _ = unpack_bytes(d);
        }
    }
}
