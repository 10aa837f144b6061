#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::permissions::Permissions;
use netvet_model::{kinds, Severity};

#[test]
fn setuid_and_world_writable() {
    let mut bb = file("bin/busybox", 0o4755, b"\x7fELF BusyBox v1.22.1 (2015)");
    bb.meta.uid = 0;
    let mut weird_owner = file("usr/bin/tool2", 0o4755, b"x");
    weird_owner.meta.uid = 1000;
    let t = tree(vec![
        bb,
        file("bin/ping", 0o4755, b"ping"),
        file("usr/sbin/vendord", 0o4711, b"daemon"),
        file("usr/bin/wall", 0o2755, b"wall"),
        weird_owner,
        file("usr/bin/plain", 0o755, b"x"),
        file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        file("etc/init.d/rcS", 0o777, b"#!/bin/sh\n/etc/boot.sh\n"),
        file("etc/boot.sh", 0o666, b"#!/bin/sh\necho hi\n"),
        file("usr/bin/script", 0o777, b"#!/bin/sh\n"),
        file("etc/motd", 0o666, b"hello\n"),
        file("home/user/notes", 0o666, b"x"),
        dir("tmp", 0o1777),
        file("tmp/x", 0o666, b"x"),
        dir("usr/share/open", 0o777),
        dir("var/spool", 0o1777),
        symlink("usr/bin/link", "plain"),
    ]);
    let out = run(&Permissions, &t);
    let mut got: Vec<(String, String, Severity)> = out
        .findings
        .iter()
        .map(|f| (f.kind.clone(), f.path.clone().unwrap(), f.severity))
        .collect();
    got.sort();
    let s = |k: &str, p: &str, v| (k.to_string(), p.to_string(), v);
    let mut want = vec![
        s(kinds::PERMISSION_SETUID, "bin/busybox", Severity::High),
        s(kinds::PERMISSION_SETUID, "bin/ping", Severity::Low),
        s(
            kinds::PERMISSION_SETUID,
            "usr/sbin/vendord",
            Severity::Medium,
        ),
        s(kinds::PERMISSION_SETUID, "usr/bin/wall", Severity::Low),
        s(
            kinds::PERMISSION_WORLD_WRITABLE,
            "etc/init.d/rcS",
            Severity::High,
        ),
        s(
            kinds::PERMISSION_WORLD_WRITABLE,
            "etc/boot.sh",
            Severity::High,
        ),
        s(
            kinds::PERMISSION_WORLD_WRITABLE,
            "usr/bin/script",
            Severity::Medium,
        ),
        s(kinds::PERMISSION_WORLD_WRITABLE, "etc/motd", Severity::Low),
        s(
            kinds::PERMISSION_WORLD_WRITABLE,
            "usr/share/open",
            Severity::Medium,
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    let bbf = out
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("bin/busybox"))
        .unwrap();
    assert!(
        bbf.evidence.starts_with("mode 4755 uid 0 gid 0"),
        "{}",
        bbf.evidence
    );
}

#[test]
fn corpus_trees_have_no_high_permission_findings() {
    for rel in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        let Some(t) = corpus_tree(rel) else { return };
        let out = run(&Permissions, &t);
        // a git checkout keeps only the executable bit: nothing setuid or world-writable
        assert!(out.findings.is_empty(), "{rel}: {:#?}", out.findings);
    }
}
