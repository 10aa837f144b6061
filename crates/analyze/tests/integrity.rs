//! image.integrity-mismatch and unpack.unsupported from real unpacking of containers built
//! here.

use bytes::Bytes;
use netvet_analyze::{integrity::Integrity, Analyzer, Context, Options};
use netvet_model::{kinds, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};

/// A TRX v1 image (Broadcom): 28-byte header, CRC32 (no final xor) over bytes 12..len.
fn trx(parts: &[&[u8]]) -> Vec<u8> {
    let mut img = vec![0u8; 28];
    img[0..4].copy_from_slice(b"HDR0");
    img[12..16].copy_from_slice(&(1u32 << 16).to_le_bytes());
    for (i, p) in parts.iter().enumerate() {
        let off = img.len() as u32;
        img[16 + 4 * i..20 + 4 * i].copy_from_slice(&off.to_le_bytes());
        img.extend_from_slice(p);
    }
    let len = img.len() as u32;
    img[4..8].copy_from_slice(&len.to_le_bytes());
    let crc = !crc32fast_hash(&img[12..]);
    img[8..12].copy_from_slice(&crc.to_le_bytes());
    img
}

/// CRC-32 (IEEE), bitwise; the test does not depend on the unpacker's CRC crate.
fn crc32fast_hash(d: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in d {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

fn run(tree: &Tree) -> Vec<netvet_model::Finding> {
    let rules = RuleSet::embedded();
    let options = Options::default();
    let cx = Context {
        tree,
        rules: &rules,
        options: &options,
    };
    Integrity.run(&cx).findings
}

#[test]
fn intact_container_gives_no_finding() {
    let img = trx(&[b"loader..", &[0x5au8; 600]]);
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
    assert_eq!(tree.integrity.len(), 1);
    assert!(tree.integrity[0].ok);
    assert!(run(&tree).is_empty());
    assert_eq!(tree.coverage.unwrap().percent.0, 1000);
}

#[test]
fn repacked_container_is_high_with_stored_and_computed_values() {
    let mut img = trx(&[b"loader..", &[0x5au8; 600]]);
    let stored = u32::from_le_bytes(img[8..12].try_into().unwrap());
    let n = img.len();
    img[n - 1] = 0x00; // the root file system changed after the header was written
    let computed = !crc32fast_hash(&img[12..]);
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
    // still unpacked
    assert_eq!(tree.get("0x0.trx/part1").unwrap().data[599], 0);
    let f = run(&tree);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].kind, kinds::IMAGE_INTEGRITY_MISMATCH);
    assert_eq!(f[0].severity, Severity::High);
    assert_eq!(f[0].path.as_deref(), Some("0x0.trx"));
    assert_eq!(
        f[0].evidence,
        format!(
            "trx at 0x0.trx: crc32 (crc32 (initial ~0, no final xor) of bytes 12..len): \
             stored {stored:#010x}, computed {computed:#010x}"
        )
    );
    assert!(
        f[0].title.contains("crc32 does not match"),
        "{}",
        f[0].title
    );
}

#[test]
fn high_entropy_region_of_no_known_format_is_unsupported() {
    // 8 KiB of noise between padding: no handler opens it
    let mut x = 0x9e37_79b9u32;
    let mut img = vec![0xffu8; 1024];
    for _ in 0..8192 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        img.push(x as u8);
    }
    img.extend(vec![0u8; 1024]);
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
    assert_eq!(tree.unsupported.len(), 1, "{:?}", tree.unsupported);
    let u = &tree.unsupported[0];
    assert_eq!((u.offset, u.size), (1024, 8192));
    let cov = tree.coverage.unwrap();
    assert_eq!((cov.understood, cov.total), (2048, 10240));
    assert_eq!(cov.percent.to_string(), "20.0");
    let f = run(&tree);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].kind, kinds::UNPACK_UNSUPPORTED);
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(f[0].offset, Some(1024));
    assert!(
        f[0].evidence
            .starts_with("8192 bytes at offset 0x400 of the image: no known format; high entropy"),
        "{}",
        f[0].evidence
    );
}
