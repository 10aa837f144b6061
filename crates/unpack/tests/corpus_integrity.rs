//! Container integrity, decryption and coverage on the real files of the test corpus (the
//! figures of docs/formats.md, "Container integrity" and "Coverage").

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_model::IntegrityCheck;
use netvet_unpack::{Limits, Tree, Unpacker};

const FACT: &str = "images/fact_extractor/fact_extractor/plugins/unpacking";

fn unpack(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Some(Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data)))
}

fn summary(tree: &Tree) -> Vec<(String, String, bool)> {
    tree.integrity
        .iter()
        .map(|c: &IntegrityCheck| (c.layer.clone(), c.field.clone(), c.ok))
        .collect()
}

fn content<'a>(tree: &'a Tree, path: &str) -> &'a [u8] {
    &tree
        .get(path)
        .unwrap_or_else(|| {
            panic!(
                "no {path}; have {:?}",
                tree.entries.iter().map(|e| &e.path).collect::<Vec<_>>()
            )
        })
        .data
}

#[test]
fn stock_tplink_vendor_image_is_intact() {
    let Some(tree) = unpack(&format!("{FACT}/tpl/test/data/test.tpl")) else {
        return;
    };
    let s = summary(&tree);
    assert_eq!(s.len(), 4, "{s:?}");
    assert!(s.iter().all(|c| c.2), "{s:?}");
    assert_eq!(tree.integrity[0].stored, "ca907e4143a34a67d9a16b84c6f3f80a");
    let cov = tree.coverage.unwrap();
    assert_eq!(cov.total, 4_063_744);
    assert_eq!(cov.percent.to_string(), "99.8");
}

#[test]
fn reuploaded_ddwrt_image_says_its_header_was_changed() {
    let Some(earlier) = unpack("images/ddwrt-wr941nd/factory to ddwrt.bin") else {
        return;
    };
    assert!(earlier.integrity[0].ok, "{:?}", earlier.integrity);
    let later = unpack("images/ddwrt-wr941nd/precompiled/factory-to-ddwrt.bin").unwrap();
    let c = &later.integrity[0];
    assert_eq!(
        (c.layer.as_str(), c.field.as_str()),
        ("0x0.tplink", "md5sum1")
    );
    assert!(!c.ok);
    assert_eq!(c.stored, "a98c08bdd170608e9bf407b58fa9837a");
    assert_eq!(c.computed, "13bc4088282f0f216878619854f3177f");
    assert_eq!(c.computed, earlier.integrity[0].stored);
    // and it is unpacked all the same
    assert!(later.get("0x0.tplink/rootfs").is_some());
}

#[test]
fn trx_uimage_and_sysupgrade_are_intact() {
    for (rel, n) in [
        (format!("{FACT}/trx/test/data/trx.img"), 1),
        (format!("{FACT}/uboot/test/data/uboot.image_with_header"), 2),
        ("rootfs/phicomm-k2p/kernel.bin".to_string(), 2),
        (
            "images/lede-wr703n/lede-17.01.7-ar71xx-generic-tl-wr703n-v1-squashfs-sysupgrade.bin"
                .to_string(),
            1,
        ),
    ] {
        let Some(tree) = unpack(&rel) else {
            return;
        };
        let s = summary(&tree);
        assert_eq!(s.len(), n, "{rel}: {s:?}");
        assert!(s.iter().all(|c| c.2), "{rel}: {s:?}");
    }
}

#[test]
fn dlink_shrs_is_decrypted_and_verified() {
    let Some(tree) = unpack(&format!("{FACT}/dlink/test/data/test.dec")) else {
        return;
    };
    let text = String::from_utf8_lossy(content(&tree, "0x0.dlink-shrs/decrypted")).into_owned();
    assert!(text.contains("This is a decrypted test file!"), "{text}");
    let fields: Vec<&str> = tree.integrity.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "decrypted_digest",
            "decrypted_key_digest",
            "encrypted_digest"
        ]
    );
    assert!(tree.integrity.iter().all(|c| c.ok));
    assert_eq!(tree.coverage.unwrap().percent.to_string(), "100.0");
}

#[test]
fn dlink_encrpted_img_is_decrypted() {
    let Some(tree) = unpack(&format!("{FACT}/dlink/test/data/testfile.encrpted_img")) else {
        return;
    };
    let d = content(&tree, "0x0.dlink-encimg/decrypted");
    assert!(
        d.windows(12).any(|w| w == b"foobar test!"),
        "{}",
        String::from_utf8_lossy(d)
    );
    assert!(tree.unsupported.is_empty(), "{:?}", tree.unsupported);
}

#[test]
fn dlink_mh01_is_decrypted_with_a_released_passphrase() {
    let Some(tree) = unpack(&format!("{FACT}/dlink/test/data/fw_mh01_test.bin")) else {
        return;
    };
    assert_eq!(tree.get("0x0.dlink-mh01/signature").unwrap().size, 256);
    let fw = content(
        &tree,
        "0x0.dlink-mh01/decrypted.extract/0x0.dlink-mh01/firmware",
    );
    assert!(fw.starts_with(b"foobar 1234 test"), "{fw:?}");
    assert!(tree.unsupported.is_empty(), "{:?}", tree.unsupported);
}

#[test]
fn arcadyan_obfuscated_lzma_is_decoded() {
    let Some(tree) = unpack("formats/arcadyan.bin") else {
        return;
    };
    let l = tree.layers.iter().find(|l| l.format == "arcadyan").unwrap();
    assert_eq!((l.path.as_str(), l.offset), ("0x0.arcadyan", 0));
    let d = content(&tree, "0x0.arcadyan/data");
    assert!(d.len() > 2_000_000, "{}", d.len());
    let cov = tree.coverage.unwrap();
    assert_eq!(
        (cov.total, cov.percent.to_string().as_str()),
        (734_208, "99.1")
    );
}

#[test]
fn synthetic_fixtures_with_wrong_checksums_are_reported() {
    let Some(tree) = unpack(&format!("{FACT}/xiaomi_hdr/test/data/test.hdr1")) else {
        return;
    };
    let c = &tree.integrity[0];
    assert_eq!(
        (
            c.field.as_str(),
            c.stored.as_str(),
            c.computed.as_str(),
            c.ok
        ),
        ("crc32", "0xf537423a", "0x2a86d7da", false)
    );
    assert_eq!(
        content(&tree, "0x0.xiaomi-hdr/generic folder/test file 3_.txt"),
        b"The third test file!"
    );
    let tree = unpack(&format!("{FACT}/uboot/test/data/uboot.dtb")).unwrap();
    let c = &tree.integrity[0];
    assert_eq!(
        (c.field.as_str(), c.stored.as_str(), c.computed.as_str()),
        ("ih_hcrc", "0x72a8f1be", "0x5fb85923")
    );
}

#[test]
fn regions_of_an_rtos_image_netvet_cannot_open_are_listed_with_entropy() {
    // TP-Link VxWorks 5.5.1: the kernel (LZMA, properties 0x6e) and the MemFS of web pages
    // are opened; what is left are compressed tables inside the images
    let Some(tree) = unpack(&format!("{FACT}/tpl/test/data/wr.fw")) else {
        return;
    };
    assert_eq!(tree.unsupported.len(), 4, "{:?}", tree.unsupported);
    let u = &tree.unsupported[0];
    assert_eq!((u.path.as_str(), u.offset, u.size), ("", 1_533_556, 5568));
    assert_eq!(u.entropy, "7.94");
    assert!(
        u.reason.starts_with("inside the VxWorks 5.5.1 image: "),
        "{}",
        u.reason
    );
    let u = &tree.unsupported[1];
    assert_eq!(
        (u.path.as_str(), u.offset, u.size),
        ("0x40114.lzma/data", 3_203_072, 8192)
    );
    assert_eq!(tree.coverage.unwrap().percent.to_string(), "99.4");
}

#[test]
fn documents_naming_a_container_are_not_containers() {
    // the corpus manifest mentions encrpted_img, SHRS, HWNP, ... in its text
    let Some(tree) = unpack("images/MANIFEST.md") else {
        return;
    };
    assert!(tree.unsupported.is_empty(), "{:?}", tree.unsupported);
    assert_eq!(tree.coverage.unwrap().percent.to_string(), "100.0");
}
