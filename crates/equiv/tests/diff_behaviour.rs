//! Release diff in behaviour terms: an update that adds a bind shell started at boot, a
//! connect-back client run from cron, and a boot script that opens the firewall reports those
//! first, before the file list.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_model::{ImageInfo, Report};
use std::path::Path;

const IMPLANTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../analyze/tests/implants/bin");

fn write(dir: &Path, rel: &str, d: &[u8]) {
    netvet_testkit::write_file(dir, rel, d);
}

fn stock(dir: &Path) {
    write(dir, "etc/inittab", b"::sysinit:/etc/init.d/rcS\n");
    write(dir, "etc/init.d/rcS", b"#!/bin/sh\n/sbin/syslogd\n");
    write(dir, "etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n");
    write(dir, "www/index.html", b"<html>stock</html>\n");
}

fn scan(dir: &Path, name: &str) -> (Report, netvet_unpack::Tree) {
    let img = netvet_testkit::pack_squashfs(
        dir,
        &netvet_testkit::SquashOpts::like_mksquashfs_xz(1_600_000_000),
    )
    .expect("pack");
    let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_bytes(bytes::Bytes::from(img));
    let rules = netvet_rules::RuleSet::embedded();
    let options = netvet_analyze::Options::default();
    let out = netvet_analyze::Analyzers::new(&rules)
        .unwrap()
        .run(&netvet_analyze::Context {
            tree: &tree,
            rules: &rules,
            options: &options,
        });
    let mut r = Report::new(ImageInfo {
        path: name.into(),
        sha256: "0".repeat(64),
        size: 0,
    });
    r.findings = out.findings;
    (r, tree)
}

#[test]
fn implants_lead_the_release_diff() {
    let old = tempfile::tempdir().unwrap();
    stock(old.path());
    let new = tempfile::tempdir().unwrap();
    stock(new.path());
    let bind = std::fs::read(Path::new(IMPLANTS).join("bindshell-mipsel-static")).unwrap();
    let cb = std::fs::read(Path::new(IMPLANTS).join("connectback-mipsel-dynamic")).unwrap();
    write(new.path(), "usr/bin/dbgsvc", &bind);
    write(new.path(), "usr/sbin/updated", &cb);
    write(
        new.path(),
        "etc/init.d/rcS",
        b"#!/bin/sh\n/sbin/syslogd\niptables -I INPUT -p tcp --dport 31337 -j ACCEPT\n/usr/bin/dbgsvc &\n",
    );
    write(
        new.path(),
        "etc/crontabs/root",
        b"*/5 * * * * /usr/sbin/updated\n",
    );
    write(
        new.path(),
        "etc/passwd",
        b"root:x:0:0:root:/root:/bin/ash\nsvc:x:0:0::/:/bin/sh\n",
    );

    let (ro, to) = scan(old.path(), "old.bin");
    let (rn, tn) = scan(new.path(), "new.bin");
    let d = netvet_equiv::diff(&ro, &to, &rn, &tn);
    let b = &d.behaviour;
    assert_eq!(
        b.listeners.added,
        vec!["backdoor.bind-shell squashfs/usr/bin/dbgsvc".to_string()],
        "{b:#?}"
    );
    assert_eq!(
        b.connect_back.added,
        vec!["backdoor.connect-back squashfs/usr/sbin/updated".to_string()],
        "{b:#?}"
    );
    assert!(
        b.boot_entries
            .added
            .contains(&"squashfs/etc/init.d/rcS: /usr/bin/dbgsvc &".to_string()),
        "{b:#?}"
    );
    assert!(
        b.boot_entries
            .added
            .contains(&"squashfs/etc/crontabs/root: */5 * * * * /usr/sbin/updated".to_string()),
        "{b:#?}"
    );
    assert!(b.boot_entries.removed.is_empty(), "{b:#?}");
    assert!(
        b.boot_findings
            .added
            .iter()
            .any(|x| x.contains("opens the firewall")),
        "{b:#?}"
    );
    assert!(
        b.indicators.added.iter().any(|x| x.contains("203.0.113.7")),
        "{b:#?}"
    );
    assert!(b.integrity.added.is_empty());
    assert_eq!(d.accounts.added, vec!["svc (uid 0, /bin/sh)".to_string()]);

    let md = netvet_equiv::render::diff_markdown(&d);
    let pos = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} not in\n{md}"));
    assert!(pos("## New listeners") < pos("## New connect-back clients"));
    assert!(pos("## New connect-back clients") < pos("## Boot entries"));
    assert!(pos("## Accounts") < pos("## Components"));
    assert!(pos("## Network indicators") < pos("## Files"));
    assert!(
        md.contains("- + backdoor.bind-shell squashfs/usr/bin/dbgsvc"),
        "{md}"
    );
}
