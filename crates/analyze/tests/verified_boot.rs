#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::verified_boot::{env_verify, fit_summary, Boot};
use netvet_model::{kinds, Finding, LayerInfo, Severity};
use netvet_unpack::{Entry, Tree};

/// A flattened device tree written by hand (Devicetree Specification v0.4, chapter 5).
#[derive(Default)]
struct Dtb {
    structs: Vec<u8>,
    strings: Vec<u8>,
}

impl Dtb {
    fn pad(&mut self) {
        while !self.structs.len().is_multiple_of(4) {
            self.structs.push(0);
        }
    }
    fn begin(&mut self, name: &str) -> &mut Self {
        self.structs.extend(1u32.to_be_bytes());
        self.structs.extend(name.as_bytes());
        self.structs.push(0);
        self.pad();
        self
    }
    fn end(&mut self) -> &mut Self {
        self.structs.extend(2u32.to_be_bytes());
        self
    }
    fn prop(&mut self, name: &str, val: &[u8]) -> &mut Self {
        let off = self.strings.len() as u32;
        self.strings.extend(name.as_bytes());
        self.strings.push(0);
        self.structs.extend(3u32.to_be_bytes());
        self.structs.extend((val.len() as u32).to_be_bytes());
        self.structs.extend(off.to_be_bytes());
        self.structs.extend(val);
        self.pad();
        self
    }
    fn finish(&mut self) -> Vec<u8> {
        self.structs.extend(9u32.to_be_bytes());
        let off_struct = 40u32;
        let off_strings = off_struct + self.structs.len() as u32;
        let total = off_strings + self.strings.len() as u32;
        let mut out = Vec::new();
        for v in [0xd00d_feed, total, off_struct, off_strings, 40, 17, 16, 0] {
            out.extend(u32::to_be_bytes(v));
        }
        out.extend((self.strings.len() as u32).to_be_bytes());
        out.extend((self.structs.len() as u32).to_be_bytes());
        out.extend(&self.structs);
        out.extend(&self.strings);
        out
    }
}

fn fit(signed: bool) -> Vec<u8> {
    let mut d = Dtb::default();
    d.begin("").prop("description", b"router FIT\0");
    d.begin("images");
    d.begin("kernel-1")
        .prop("data", &[0x5d, 0, 0, 0x80, 0])
        .prop("type", b"kernel\0");
    d.begin("hash-1").prop("algo", b"sha256\0").end();
    d.end();
    d.begin("fdt-1").prop("data", b"\xd0\x0d");
    d.begin("hash-1").prop("algo", b"crc32\0").end();
    d.end();
    d.end();
    d.begin("configurations").prop("default", b"conf-1\0");
    d.begin("conf-1")
        .prop("kernel", b"kernel-1\0")
        .prop("fdt", b"fdt-1\0");
    if signed {
        d.begin("signature-1")
            .prop("algo", b"sha256,rsa2048\0")
            .prop("key-name-hint", b"dev\0")
            .end();
    }
    d.end().end().end();
    d.finish()
}

fn analyze_tree(t: &Tree) -> (Vec<Finding>, serde_json::Value) {
    let out = run(&Boot, t);
    let summary = out
        .summaries
        .iter()
        .find(|(k, _)| k == "boot")
        .map(|(_, v)| v.clone())
        .unwrap();
    (out.findings, summary)
}

fn analyze(entries: Vec<Entry>) -> (Vec<Finding>, serde_json::Value) {
    analyze_tree(&tree(entries))
}

#[test]
fn fit_structure_is_read() {
    let s = fit_summary(&fit(true)).unwrap();
    assert_eq!(s.images, vec!["kernel-1", "fdt-1"]);
    assert_eq!(s.configurations, vec!["conf-1"]);
    assert_eq!(s.signatures, vec!["configurations/conf-1/signature-1"]);
    assert_eq!(s.hash_algos, vec!["sha256", "crc32"]);
    // a plain DTB is not a FIT; garbage and truncation are no panic
    let mut plain = Dtb::default();
    let plain = plain.begin("").prop("model", b"Acme\0").end().finish();
    assert_eq!(fit_summary(&plain), None);
    let f = fit(false);
    for n in [0, 3, 8, 40, 60, f.len() / 2, f.len() - 1] {
        let _ = fit_summary(&f[..n]);
    }
    let mut bad = f.clone();
    bad[43] = 7; // an unknown token
    assert_eq!(fit_summary(&bad), None);
}

#[test]
fn unsigned_fit_is_reported_signed_is_not() {
    let (f, s) = analyze(vec![file("boot/fitImage", 0o644, &fit(false))]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].kind, kinds::BOOT_INSECURE);
    assert_eq!(f[0].severity, Severity::Low);
    assert_eq!(f[0].path.as_deref(), Some("boot/fitImage"));
    assert!(
        f[0].evidence.contains("images [kernel-1, fdt-1] and configurations [conf-1]: no signature node in any image or configuration, hash nodes only (sha256, crc32)"),
        "{}",
        f[0].evidence
    );
    assert_eq!(s["fit_images"][0], "boot/fitImage");

    let (f, s) = analyze(vec![file("boot/fitImage", 0o644, &fit(true))]);
    assert!(f.is_empty(), "{f:#?}");
    assert_eq!(
        s["fit_signed"][0],
        "boot/fitImage: configurations/conf-1/signature-1"
    );
}

#[test]
fn fit_carved_from_a_partition_file() {
    let mut part = vec![0xffu8; 0x200];
    part.extend(fit(false));
    let layer = LayerInfo {
        path: "firmware.bin.extract/0x200.fit".into(),
        format: "fit".into(),
        offset: 0x200,
        size: 0,
        parent: "firmware.bin".into(),
        variant: String::new(),
    };
    let t = Tree::from_parts(
        vec![file("firmware.bin", 0o644, &part)],
        vec![layer],
        vec![],
        vec![],
    );
    let (f, _) = analyze_tree(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].evidence
            .starts_with("firmware.bin at offset 0x200: FIT"),
        "{}",
        f[0].evidence
    );
    assert_eq!(f[0].path.as_deref(), Some("firmware.bin.extract/0x200.fit"));
}

#[test]
fn uimage_kernel_layer_is_reported() {
    let layer = |ty: &str| LayerInfo {
        path: format!("fw.extract/0x0.uimage-{ty}"),
        format: "uimage".into(),
        offset: 0,
        size: 1000,
        parent: String::new(),
        variant: format!("os=linux arch=mips type={ty} comp=lzma name=Linux-3.10"),
    };
    let t = Tree::from_parts(
        vec![],
        vec![layer("kernel"), layer("ramdisk")],
        vec![],
        vec![],
    );
    let (f, s) = analyze_tree(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Low);
    assert!(f[0].evidence.starts_with("the image at offset 0x0: legacy U-Boot image (os=linux arch=mips type=kernel comp=lzma name=Linux-3.10)"), "{}", f[0].evidence);
    assert_eq!(s["uimage_kernels"].as_array().unwrap().len(), 1);
}

#[test]
fn uboot_environment_with_verify_off() {
    let mut env = vec![0x12, 0x34, 0x56, 0x78];
    env.extend_from_slice(
        b"bootcmd=bootm 0x9f020000\0bootdelay=1\0verify=n\0ipaddr=192.168.1.1\0\0",
    );
    assert_eq!(env_verify(&env), Some((0x29, "n".to_string())));
    let (f, _) = analyze(vec![file("etc/u-boot-env.bin", 0o644, &env)]);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].offset, Some(0x29));
    assert!(
        f[0].evidence
            .contains("verify=n: bootm skips the image checksum"),
        "{}",
        f[0].evidence
    );

    // verification on, or no environment at all
    let on = b"bootcmd=run boot_flash\nverify=y\n";
    assert_eq!(env_verify(on), Some((23, "y".to_string())));
    let (f, _) = analyze(vec![
        file("etc/env.txt", 0o644, on),
        file(
            "etc/notes",
            0o644,
            b"set verify=n before bootcmd=... to speed up\n",
        ),
    ]);
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn markers_go_to_the_summary_only() {
    let (f, s) = analyze(vec![
        file("usr/sbin/veritysetup", 0o755, b"\x7fELF....veritysetup"),
        file(
            "boot/u-boot.bin",
            0o644,
            b"....key-name-hint\0required\0sig...",
        ),
    ]);
    assert!(f.is_empty(), "{f:#?}");
    assert_eq!(
        s["dm_verity_markers"][0],
        "usr/sbin/veritysetup (veritysetup)"
    );
    assert_eq!(s["uboot_fit_signature_support"][0], "boot/u-boot.bin");
}

#[test]
fn corpus_phicomm_kernel_is_a_legacy_uimage() {
    let Some(t) = corpus_tree("rootfs/phicomm-k2p/kernel.bin") else {
        return;
    };
    let (f, _) = analyze_tree(&t);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(f[0].evidence.contains("type=kernel"), "{}", f[0].evidence);
    assert!(
        f[0].evidence.contains("OpenWrt-Linux-3.10.14"),
        "{}",
        f[0].evidence
    );
}
