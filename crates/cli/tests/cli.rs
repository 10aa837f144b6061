//! End-to-end tests of the `netvet` binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use std::io::Write;
use std::path::Path;
mod common;
use common::{assert_exit, json_of, netvet};

fn gzip_of(name: &str, body: &[u8]) -> Vec<u8> {
    // a stored (uncompressed) deflate block inside a gzip member, written by hand so the test
    // needs no compression crate: header, one final stored block, crc32, size
    let mut v = vec![0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3];
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    v.push(1); // BFINAL=1, BTYPE=00
    let len = body.len() as u16;
    v.extend_from_slice(&len.to_le_bytes());
    v.extend_from_slice(&(!len).to_le_bytes());
    v.extend_from_slice(body);
    v.extend_from_slice(&crc32(body).to_le_bytes());
    v.extend_from_slice(&(body.len() as u32).to_le_bytes());
    v
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn scan_image_reports_digest_size_and_layers() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("fw.bin");
    let mut data = vec![0xffu8; 64];
    data.extend(gzip_of("hello.txt", b"hello firmware\n"));
    std::fs::write(&img, &data).unwrap();
    let out = netvet()
        .args(["scan", "--quiet"])
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let j = json_of(&out);
    assert_eq!(j["schema"], "netvet.report/1");
    assert_eq!(j["image"]["size"], data.len() as u64);
    assert_eq!(j["image"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(j["unpack"]["files"], 1);
    assert_eq!(j["unpack"]["bytes"], 15);
    assert_eq!(j["unpack"]["layers"][0]["format"], "gzip");
    assert_eq!(j["unpack"]["layers"][0]["offset"], 64);
    assert_eq!(j["unpack"]["layers"][0]["path"], "0x40.gzip");
}

#[test]
fn extract_to_writes_the_tree_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("fw.bin");
    std::fs::write(&img, gzip_of("../../escape.txt", b"data\n")).unwrap();
    let dest = dir.path().join("out");
    let out = netvet()
        .args(["scan", "--quiet", "-o"])
        .arg(dir.path().join("r.json"))
        .arg("--extract-to")
        .arg(&dest)
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    // the gzip name is reduced to its base name inside the layer
    assert_eq!(
        std::fs::read(dest.join("0x0.gzip/escape.txt")).unwrap(),
        b"data\n"
    );
    assert!(!dir.path().join("escape.txt").exists());
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["fw.bin", "out", "r.json"]);
}

#[cfg(unix)]
#[test]
fn directory_input_never_follows_symlinks_out() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    let secret = dir.path().join("outside.txt");
    std::fs::write(&secret, "outside").unwrap();
    std::os::unix::fs::symlink(&secret, root.join("etc/link")).unwrap();
    std::os::unix::fs::symlink("/", root.join("rootlink")).unwrap();
    let out = netvet()
        .args(["scan", "--quiet"])
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let j = json_of(&out);
    // only etc/passwd is a file; the links are recorded but not read
    assert_eq!(j["unpack"]["files"], 1);
    assert_eq!(j["unpack"]["bytes"], 30);
}

#[test]
fn bad_usage_and_unreadable_input_exit_2() {
    let out = netvet()
        .args(["scan", "/definitely/not/here.bin"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/definitely/not/here.bin"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("x.bin");
    std::fs::File::create(&img)
        .unwrap()
        .write_all(b"abc")
        .unwrap();
    let out = netvet()
        .args(["scan", "--format", "docx"])
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown format 'docx'"));

    let out = netvet()
        .args(["scan", "--fail-on", "urgent"])
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn corpus_tree_scan_reports_mips() {
    let Some(root) = netvet_model::corpus::path("rootfs/phicomm-k2p/squashfs-root") else {
        return;
    };
    let out = netvet()
        .args(["scan", "--quiet"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(out.status.code() == Some(0) || out.status.code() == Some(1));
    let j = json_of(&out);
    assert_eq!(j["arch"], serde_json::json!(["mipsel"]));
    assert!(j["unpack"]["files"].as_u64().unwrap() > 1000);
    assert!(Path::new(j["image"]["path"].as_str().unwrap()).ends_with("squashfs-root"));
}

/// A database imported with `netvet db import` is read by a sandboxed scan (`--vulndb`): the
/// scan may write only to its temporary directory, so the database must be readable without
/// creating files beside it.
#[test]
fn scan_reads_an_imported_vulndb_under_the_sandbox() {
    let Some(vulndata) = netvet_model::corpus::path("vulndata") else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let db = d.path().join("db").join("vulndb.sqlite");
    let out = netvet()
        .args(["db", "import"])
        .arg(&vulndata)
        .arg("--vulndb")
        .arg(&db)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let tree = d.path().join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::write(
        tree.join("bin/busybox"),
        b"\x7fELF junk BusyBox v1.22.1 (2016-08-03 13:26:07 MDT) multi-call binary\0",
    )
    .unwrap();
    let out = netvet()
        .args(["scan", "--quiet", "--vulndb"])
        .arg(&db)
        .arg(&tree)
        .output()
        .unwrap();
    assert_ne!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    let cves: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["cve"].as_str())
        .collect();
    assert!(cves.contains(&"CVE-2022-48174"), "{cves:?}");
}
