//! Monolithic RTOS images through the whole engine: a VxWorks 5.x-like image built here (a
//! symbol table and a MemFS holding a credentials file), and the corpus's real TP-Link
//! VxWorks 5.5.1 image (`fact_extractor/.../tpl/test/data/wr.fw`: a MemFS of 185 LZMA-packed
//! web pages, no symbol table).

use bytes::Bytes;
use netvet_unpack::formats::{filesystem::vxworks_memfs, rtos::vxworks as rtos_vxworks};
use netvet_unpack::{Limits, Unpacker};

fn names() -> Vec<String> {
    let mut v = vec!["sysInit".to_string(), "usrRoot".into(), "taskSpawn".into()];
    v.extend((3..200).map(|i| format!("httpCgi{i}")));
    v
}

#[test]
fn vxworks_image_with_symbols_and_memfs() {
    let passwd = b"admin:$1$netvet12$iinog6biMlNFmfrFxnBDK/:0:0:admin:/:/bin/sh\n";
    let fs = vxworks_memfs::build(
        &[("passwd", passwd), ("index.htm", b"<html>login</html>")],
        true,
    );
    let owned = names();
    let refs: Vec<&str> = owned.iter().map(|s| s.as_str()).collect();
    let img = rtos_vxworks::build_image(0x8000_1000, &refs, true, false, &fs);
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img.clone()));
    assert!(tree.errors.is_empty(), "{:?}", tree.errors);

    let layer = tree
        .layers
        .iter()
        .find(|l| l.format == "vxworks")
        .expect("vxworks layer");
    assert_eq!(layer.path, "0x0.vxworks");
    assert_eq!(layer.variant, "VxWorks 5.5.1");
    assert_eq!(layer.size, img.len() as u64);

    let info = tree.get("0x0.vxworks/info.json").expect("info.json");
    let v: serde_json::Value = serde_json::from_slice(&info.data).unwrap();
    assert_eq!(v["version"], "5.5.1");
    assert_eq!(v["kernel"], "WIND version 2.6");
    assert_eq!(v["load_address"], "0x80001000");
    assert_eq!(v["byte_order"], "big");
    assert_eq!(v["symbols"], 200);
    assert_eq!(v["symbol_table"]["layout"], "vxworks-5");

    let syms = tree.get("0x0.vxworks/symbols.txt").expect("symbols.txt");
    let text = String::from_utf8_lossy(&syms.data);
    assert!(
        text.contains("0x80001180 global-text taskSpawn\n"),
        "{text}"
    );
    assert!(text.contains("0x80001280 global-bss httpCgi6\n"), "{text}");

    // the top-level image is a file of the tree, for the string-level analyses
    assert_eq!(
        tree.get("0x0.vxworks/image").unwrap().size,
        img.len() as u64
    );

    // the MemFS is carved out of the image like any file system
    let at = img.len() - fs.len();
    let p = tree
        .get(&format!("{at:#x}.vxworks-memfs/passwd"))
        .expect("passwd from the MemFS");
    assert_eq!(&p.data[..], passwd);
    assert_eq!(p.inner_path(), "passwd");
    let cov = tree.coverage.expect("coverage");
    assert_eq!(cov.total, img.len() as u64);
}

/// A VxWorks ROMFS of Wind River's own layout ("RFS1"), located by `romfsImage` ..
/// `romfsImageEnd`: listed in info.json and reported as not opened.
#[test]
fn vxworks_romfs_is_located_and_reported() {
    let owned = names();
    let mut syms: Vec<(&str, u32)> = owned.iter().map(|s| (s.as_str(), 0x8000_4000)).collect();
    syms.push(("romfsImage", 0));
    syms.push(("romfsImageEnd", 0));
    let mut romfs = b"RFS1".to_vec();
    romfs.extend((0..8192u32).map(|i| (i % 251) as u8));
    let load = 0x8000_1000u32;
    let at = (rtos_vxworks::build_image_with(load, &syms, true, false, &romfs).len() - romfs.len())
        as u32;
    let n = syms.len();
    syms[n - 2].1 = load + at;
    syms[n - 1].1 = load + at + romfs.len() as u32;
    let img = rtos_vxworks::build_image_with(load, &syms, true, false, &romfs);
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
    let info = tree.get("0x0.vxworks/info.json").expect("info.json");
    let v: serde_json::Value = serde_json::from_slice(&info.data).unwrap();
    assert_eq!(v["payloads"][0]["name"], "romfs");
    assert_eq!(v["payloads"][0]["offset"], at);
    assert_eq!(v["payloads"][0]["size"], 8196);
    assert_eq!(v["payloads"][0]["opened"], false);
    let u = tree
        .unsupported
        .iter()
        .find(|u| u.reason.contains("romfs"))
        .unwrap_or_else(|| panic!("no unsupported record: {:?}", tree.unsupported));
    assert_eq!((u.offset, u.size), (u64::from(at), 8196));
    assert!(u.reason.contains("RFS1"), "{}", u.reason);
    assert!(u.header.starts_with("52465331"), "{}", u.header);
}

#[test]
fn non_rtos_blobs_get_no_rtos_layer() {
    // a text file naming VxWorks, and a blob of random bytes
    let mut t = b"This router runs VxWorks 5.5.1 like many others.\n".repeat(200);
    t.push(b'\n');
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(t));
    assert!(tree.layers.is_empty(), "{:?}", tree.layers);
    let mut x = 7u32;
    let noise: Vec<u8> = (0..100_000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(noise));
    assert!(tree.layers.iter().all(|l| l.format != "vxworks"));
}

#[test]
fn corpus_tp_link_vxworks_image() {
    let Some(root) = netvet_model::corpus::path("images") else {
        return;
    };
    let p = root.join("fact_extractor/fact_extractor/plugins/unpacking/tpl/test/data/wr.fw");
    let Ok(data) = std::fs::read(&p) else {
        return;
    };
    let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data));
    let l = tree
        .layers
        .iter()
        .find(|l| l.format == "vxworks")
        .expect("VxWorks recognised");
    assert_eq!(l.variant, "VxWorks 5.5.1");
    // the TP-Link IMG0 preamble and records are read as headers; the payloads stay carved
    let img0: Vec<(&str, u64, u64)> = tree
        .layers
        .iter()
        .filter(|l| l.format == "tplink-img0")
        .map(|l| (l.path.as_str(), l.offset, l.size))
        .collect();
    assert_eq!(
        img0,
        [
            ("0x0.tplink-img0", 0, 32),
            ("0x40094.tplink-img0", 0x40094, 12)
        ]
    );
    assert!(tree.layers[0]
        .variant
        .starts_with("outer record, 1539104 bytes, device 0702, language 1101 (English)"));
    let info = tree.get(&format!("{}/info.json", l.path)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&info.data).unwrap();
    // the image as a whole (compressed parts around the boot code): no base stands out
    assert_eq!(l.path, "0x0.vxworks");
    assert_eq!(v["load_address"], serde_json::Value::Null);
    // the LZMA-packed kernel and boot loader: no symbol table; basefind's guesses, decided
    // by pointer tables (MIPS %lo immediates outvote the boot loader's real base)
    let guess = |path: &str| {
        let info = tree.get(&format!("{path}/info.json")).expect(path);
        let v: serde_json::Value = serde_json::from_slice(&info.data).unwrap();
        (
            v["load_address"].as_str().unwrap_or("none").to_string(),
            v["load_address_method"].as_str().unwrap_or("").to_string(),
        )
    };
    let (base, how) = guess("0x40114.lzma/data.extract/0x0.vxworks");
    assert_eq!(base, "0x80001000");
    assert!(
        how.contains("at this base 667 of 12066 strings are addressed from pointer tables of big-endian words (1113 by any word), at most 82"),
        "{how}"
    );
    let (base, how) = guess("0x68c4.lzma/data.extract/0x0.vxworks");
    assert_eq!(base, "0x80400000");
    assert!(
        how.contains("at this base 78 of 784 strings are addressed from pointer tables of big-endian words (86 by any word), at most 22"),
        "{how}"
    );
    let m = tree
        .layers
        .iter()
        .find(|l| l.format == "vxworks-memfs")
        .expect("MemFS carved");
    assert_eq!(m.variant, "185 files, big-endian");
    let top = tree
        .files()
        .find(|e| e.path.starts_with(&m.path) && e.file_name() == "top.htm")
        .expect("top.htm");
    // stored as LZMA (0x396 bytes), decoded to the page
    assert!(top.size > 0x396, "{}", top.size);
    assert!(top.data.contains(&b'<'), "decoded page");
    let files = tree.files().filter(|e| e.path.starts_with(&m.path)).count();
    assert_eq!(files, 185);
    eprintln!("wr.fw coverage: {:?}", tree.coverage);
}
