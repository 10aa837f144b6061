//! `netvet equiv` and `netvet diff` end to end: exit codes, JSON and Markdown, on images and
//! trees built at test time (with real binaries and certificates from the test corpus).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_testkit::{pack_squashfs, write_file, Comp, SquashOpts};

mod common;
use common::{assert_exit, json_of, netvet};

#[test]
fn equiv_exit_codes_json_and_markdown() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("root");
    write_file(&root, "etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n");
    write_file(&root, "etc/banner", b"release 1\n");
    let a = d.path().join("shipped.bin");
    let b = d.path().join("rebuild.bin");
    std::fs::write(
        &a,
        pack_squashfs(&root, &SquashOpts::new(Comp::Gzip, 131_072, 1_600_000_000)).unwrap(),
    )
    .unwrap();
    std::fs::write(
        &b,
        pack_squashfs(&root, &SquashOpts::new(Comp::Xz, 131_072, 1_700_000_000)).unwrap(),
    )
    .unwrap();

    let out = netvet()
        .args(["equiv", "--format", "json"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let r = json_of(&out);
    assert_eq!(r["schema"], "netvet.equiv/1");
    assert_eq!(r["verdict"], "equivalent");
    assert_eq!(r["summary"]["different"], 0);
    assert!(r["normalizations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n == "file modification times"));

    let out = netvet()
        .args(["equiv", "--format", "md"])
        .arg(&a)
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("identical"), "{md}");

    // a rebuild with one changed file: different, exit 1, the file named
    write_file(&root, "etc/banner", b"release 1 (patched)\n");
    std::fs::write(
        &b,
        pack_squashfs(&root, &SquashOpts::new(Comp::Xz, 131_072, 1_700_000_000)).unwrap(),
    )
    .unwrap();
    let out = netvet().args(["equiv"]).arg(&a).arg(&b).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r = json_of(&out);
    assert_eq!(r["verdict"], "different");
    assert_eq!(r["summary"]["different"], 1);
    let f = r["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["status"] == "different")
        .unwrap();
    assert_eq!(f["path"], "squashfs/etc/banner");
    assert_eq!(f["reasons"][0], "content");
    let out = netvet()
        .args(["equiv", "--format", "md"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("squashfs/etc/banner"));

    // bad input: exit 2, the path named
    let missing = d.path().join("nope.bin");
    let out = netvet()
        .args(["equiv"])
        .arg(&a)
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.bin"));
}

/// Release N: BusyBox 1.22.1, one account, an old page. Release N+1: BusyBox 1.36.1 (the
/// version string patched in the same binary), a root shell on telnet, a second uid-0 account,
/// a CA certificate, the page removed.
#[test]
fn diff_reports_components_findings_accounts_keys_cves_and_files() {
    let (Some(bb), Some(ca)) = (
        netvet_model::corpus::path("rootfs/luxul-xbr4400/squashfs-root/bin/busybox"),
        netvet_model::corpus::path(
            "rootfs/luxul-xbr4400/squashfs-root/etc/ssl/certs/DigiCert_Global_Root_CA.crt",
        ),
    ) else {
        return;
    };
    let bb = std::fs::read(bb).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    write_file(&old, "etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n");
    write_file(&old, "etc/inittab", b"::sysinit:/etc/init.d/rcS\n");
    write_file(&old, "bin/busybox", &bb);
    write_file(&old, "www/old.html", b"<html>old</html>\n");
    write_file(&old, "etc/banner", b"release 1\n");

    write_file(
        &new,
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/ash\ndebug:x:0:0:debug:/root:/bin/sh\n",
    );
    write_file(
        &new,
        "etc/inittab",
        b"::sysinit:/etc/init.d/rcS\n::respawn:/usr/sbin/telnetd -F -l /bin/sh\n",
    );
    let needle = b"BusyBox v1.22.1";
    let at = bb.windows(needle.len()).position(|w| w == needle).unwrap();
    let mut bb2 = bb.clone();
    bb2[at..at + needle.len()].copy_from_slice(b"BusyBox v1.36.1");
    write_file(&new, "bin/busybox", &bb2);
    write_file(&new, "etc/ssl/certs/ca.crt", &std::fs::read(ca).unwrap());
    write_file(&new, "etc/banner", b"release 1\n");

    let out = netvet()
        .args(["diff", "--format", "json"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let r = json_of(&out);
    assert_eq!(r["schema"], "netvet.diff/1");
    let up = &r["components"]["upgraded"];
    assert!(
        up.as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "busybox" && c["from"] == "1.22.1" && c["to"] == "1.36.1"),
        "{up}"
    );
    let added = r["findings"]["added"].as_array().unwrap();
    assert!(
        added
            .iter()
            .any(|f| f["kind"] == "service.unauthenticated-shell"
                && f["path"].as_str().unwrap().ends_with("etc/inittab")),
        "{added:#?}"
    );
    assert!(
        added.iter().any(|f| f["kind"] == "credential.uid0-account"
            && f["evidence"].as_str().unwrap_or("").contains("debug")),
        "{added:#?}"
    );
    assert_eq!(
        r["accounts"]["added"],
        serde_json::json!(["debug (uid 0, /bin/sh)"])
    );
    assert_eq!(r["accounts"]["removed"], serde_json::json!([]));
    let keys = r["keys"]["added"].as_array().unwrap();
    assert!(
        keys.iter().any(|k| {
            let k = k.as_str().unwrap();
            k.starts_with("CERTIFICATE sha256:") && k.ends_with("(etc/ssl/certs/ca.crt)")
        }),
        "{keys:?}"
    );
    // BusyBox 1.22.1's CVEs are fixed by the upgrade
    let fixed = r["cves"]["removed"].as_array().unwrap();
    assert!(
        fixed
            .iter()
            .any(|c| c.as_str().unwrap().ends_with(" busybox@1.22.1")),
        "{fixed:?}"
    );
    let files = &r["files"];
    assert_eq!(files["added"], 1, "{files}");
    assert_eq!(files["removed"], 1, "{files}");
    assert_eq!(files["changed"], 3, "{files}");
    assert_eq!(
        files["added_paths"],
        serde_json::json!(["etc/ssl/certs/ca.crt"])
    );
    assert_eq!(files["removed_paths"], serde_json::json!(["www/old.html"]));
    assert_eq!(
        files["changed_paths"],
        serde_json::json!(["bin/busybox", "etc/inittab", "etc/passwd"])
    );

    // gate: the new root shell is at least high
    let out = netvet()
        .args(["diff", "--fail-on-new", "high", "--format", "md"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("busybox") && md.contains("1.36.1"), "{md}");
    // a release against itself: nothing new, exit 0 even at the lowest gate
    let out = netvet()
        .args(["diff", "--fail-on-new", "info"])
        .arg(&old)
        .arg(&old)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let r = json_of(&out);
    assert_eq!(r["findings"]["added"], serde_json::json!([]));
    assert_eq!(r["files"]["changed"], 0);
    // reversed: a downgrade
    let out = netvet()
        .args(["diff"])
        .arg(&new)
        .arg(&old)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let r = json_of(&out);
    assert!(r["components"]["downgraded"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["name"] == "busybox" && c["to"] == "1.22.1"));
    let out = netvet()
        .args(["diff", "--fail-on-new", "bogus"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
