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
