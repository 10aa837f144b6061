//! A monolithic VxWorks image through the whole scan: the OS becomes a component with its
//! release and CPE, the MemFS's credentials file is judged by the credential analyses, and
//! the image's own bytes are read by the string-level analyses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::*;
use netvet_unpack::formats::{rtos_vxworks, vxworks_memfs};

#[test]
fn vxworks_image_scan() {
    let passwd = b"admin:$1$netvet12$iinog6biMlNFmfrFxnBDK/:0:0:admin:/:/bin/sh\n";
    let fs = vxworks_memfs::build(
        &[("passwd", passwd), ("index.htm", b"<html>login</html>")],
        true,
    );
    let names: Vec<String> = ["sysInit", "usrRoot", "taskSpawn"]
        .iter()
        .map(|s| s.to_string())
        .chain((3..100).map(|i| format!("httpCgi{i}")))
        .collect();
    let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    let img = rtos_vxworks::build_image(0x8000_1000, &refs, true, false, &fs);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("vxworks.bin");
    std::fs::write(&p, &img).unwrap();
    let out = netvet().args(["scan", "--quiet"]).arg(&p).output().unwrap();
    // the default password fails the default policy's verdict: exit 1
    assert_exit(&out, 1);
    let j = json_of(&out);
    assert_eq!(j["verdict"]["result"], "fail");

    let comps = j["components"].as_array().unwrap();
    let vx = comps
        .iter()
        .find(|c| c["name"] == "vxworks")
        .unwrap_or_else(|| panic!("no vxworks component: {comps:?}"));
    assert_eq!(vx["version"], "5.5.1");
    assert_eq!(vx["cpe"], "cpe:2.3:o:windriver:vxworks:5.5.1:*:*:*:*:*:*:*");

    let findings = j["findings"].as_array().unwrap();
    // VxWorks 5.5 was not among the releases under current support in the URGENT/11
    // advisory of 2019-07-30 (rules/eol/eol.toml)
    let eol = findings
        .iter()
        .find(|f| f["kind"] == "component.end-of-life")
        .unwrap_or_else(|| panic!("no end-of-life finding: {findings:#?}"));
    assert_eq!(
        eol["title"],
        "vxworks 5.5.1 is end of life (unsupported by 2019-07-30)"
    );
    assert_eq!(eol["component"], "vxworks@5.5.1");
    let cred = findings
        .iter()
        .find(|f| f["kind"] == "credential.default-password")
        .unwrap_or_else(|| panic!("no default password finding: {findings:#?}"));
    assert!(
        cred["path"]
            .as_str()
            .unwrap()
            .ends_with(".vxworks-memfs/passwd"),
        "{cred}"
    );
    assert!(
        cred["evidence"].as_str().unwrap().contains("'admin'"),
        "{cred}"
    );
    assert!(
        findings
            .iter()
            .all(|f| !f["kind"].as_str().unwrap().starts_with("backdoor.")),
        "{findings:#?}"
    );
}

/// A QNX boot image whose image file system holds procnto: the release procnto was built
/// for becomes the component `qnx`.
#[test]
fn qnx_boot_image_names_its_release() {
    use netvet_unpack::formats::qnx_ifs::{build_boot, build_ifs};
    let mut procnto = b"\x7fELF\x01\x01\x01\0".to_vec();
    procnto.resize(0x400, 0x11);
    procnto.extend(b"\0QNX Version %s Release %s\0\0\0\0");
    procnto.extend(b"2012/08/03-11:07:56EDT\0\x006.5.0\0");
    procnto.resize(0x800, 0x22);
    let ifs = build_ifs(
        &["proc", "proc/boot"],
        &[
            ("proc/boot/procnto-instr", &procnto),
            ("etc/motd", b"welcome\n"),
        ],
    );
    let img = build_boot(&[0x13u8; 64], &ifs, None);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("qnx.ifs");
    std::fs::write(&p, &img).unwrap();
    let out = netvet().args(["scan", "--quiet"]).arg(&p).output().unwrap();
    let j = json_of(&out);
    let comps = j["components"].as_array().unwrap();
    let qnx = comps
        .iter()
        .find(|c| c["name"] == "qnx")
        .unwrap_or_else(|| panic!("no qnx component: {comps:?}"));
    assert_eq!(qnx["version"], "6.5.0");
    assert!(
        qnx["paths"][0]
            .as_str()
            .unwrap()
            .ends_with("0x0.qnx-startup/imagefs.extract/0x0.qnx-ifs"),
        "{qnx}"
    );
}
