//! Components of the two real router root file systems of the corpus, scanned as
//! directories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_model::{kinds, Component};
use netvet_sbom::{Sbom, SbomResult};

fn scan(rel: &str) -> Option<SbomResult> {
    let dir = netvet_model::corpus::path(rel)?;
    let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_path(&dir)
        .unwrap();
    let sbom = Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2026-01-01");
    let r = sbom.scan(&tree);
    if std::env::var_os("NETVET_SBOM_DUMP").is_some() {
        for c in &r.components {
            eprintln!(
                "{} {} [{}] {:?} {:?}",
                c.name, c.version, c.source, c.cpe, c.paths
            );
        }
        for f in &r.findings {
            eprintln!("{} {} | {}", f.kind, f.title, f.evidence);
        }
    }
    Some(r)
}

fn find<'a>(r: &'a SbomResult, name: &str) -> Vec<&'a Component> {
    r.components.iter().filter(|c| c.name == name).collect()
}

fn one<'a>(r: &'a SbomResult, name: &str, version: &str) -> &'a Component {
    let all = find(r, name);
    all.iter()
        .find(|c| c.version == version)
        .unwrap_or_else(|| panic!("{name} {version} not found; have {all:?}"))
}

#[test]
fn phicomm_k2p_components() {
    let Some(r) = scan("rootfs/phicomm-k2p/squashfs-root") else {
        return;
    };
    let bb = one(&r, "busybox", "1.22.1");
    assert!(
        bb.paths.contains(&"bin/busybox".to_string()),
        "{:?}",
        bb.paths
    );
    assert!(bb.paths.contains(&"usr/lib/opkg/status".to_string()));
    assert_eq!(
        bb.cpe.as_deref(),
        Some("cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*")
    );
    assert_eq!(bb.purl, "pkg:generic/busybox@1.22.1");
    assert!(bb.evidence.contains("BusyBox v1.22.1"), "{}", bb.evidence);
    let dq = one(&r, "dnsmasq", "2.71");
    assert!(dq.paths.contains(&"usr/sbin/dnsmasq".to_string()));
    assert!(dq.evidence.contains("dnsmasq-2.71"));
    let up = one(&r, "miniupnpd", "1.8.20140523");
    assert!(
        up.paths.contains(&"usr/sbin/miniupnpd".to_string()),
        "{:?}",
        up.paths
    );
    one(
        &r,
        "uhttpd",
        "2014-10-27-fd8e5e379c23c5fbcec3e76894b839233df09067",
    );
    let ossl = one(&r, "openssl", "1.0.2");
    assert!(ossl
        .paths
        .contains(&"usr/lib/libcrypto.so.1.0.0".to_string()));
    assert!(ossl.paths.contains(&"usr/lib/libssl.so.1.0.0".to_string()));
    let k = one(&r, "linux", "3.10.14");
    assert!(k.source.contains("vermagic"), "{}", k.source);
    assert!(k
        .paths
        .iter()
        .any(|p| p.starts_with("lib/modules/3.10.14/") && p.ends_with(".ko")));
    assert_eq!(
        k.cpe.as_deref(),
        Some("cpe:2.3:o:linux:linux_kernel:3.10.14:*:*:*:*:*:*:*")
    );
    // OpenWrt's package `libc` 0.9.33.2-1 is uClibc: its loader is in lib/
    let uc = one(&r, "uclibc", "0.9.33.2");
    assert!(
        uc.paths.contains(&"usr/lib/opkg/status".to_string()),
        "{:?}",
        uc.paths
    );
    assert!(
        uc.paths.contains(&"lib/libuClibc-0.9.33.2.so".to_string()),
        "{:?}",
        uc.paths
    );
    assert!(find(&r, "libc").is_empty());
    one(&r, "zlib", "1.2.8");
    one(&r, "lua", "5.1.5");
    one(&r, "wolfssl", "3.2.0");
    // curl 7.40.0 (the tool) and libcurl 7.38.0 (the library) are two components
    let curl = one(&r, "curl", "7.40.0");
    assert!(curl.paths.contains(&"usr/bin/curl".to_string()));
    let lib = one(&r, "libcurl", "7.38.0");
    assert!(lib.paths.contains(&"usr/lib/libcurl.so.4.3.0".to_string()));
    assert_eq!(
        lib.cpe.as_deref(),
        Some("cpe:2.3:a:haxx:libcurl:7.38.0:*:*:*:*:*:*:*")
    );
    // nothing is duplicated in this image
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind == kinds::COMPONENT_DUPLICATE),
        "{:?}",
        r.findings
    );
    // Linux 3.10 ended in 2017, OpenSSL 1.0.2 in 2019
    let eol: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == kinds::COMPONENT_END_OF_LIFE)
        .map(|f| f.title.as_str())
        .collect();
    assert!(
        eol.contains(&"linux 3.10.14 is end of life since 2017-11-04"),
        "{eol:?}"
    );
    assert!(
        eol.contains(&"openssl 1.0.2 is end of life since 2019-12-31"),
        "{eol:?}"
    );
    assert!(r.components.len() >= 60, "{}", r.components.len());
}

#[test]
fn luxul_xbr4400_components() {
    let Some(r) = scan("rootfs/luxul-xbr4400/squashfs-root") else {
        return;
    };
    let bb = one(&r, "busybox", "1.22.1");
    assert!(bb.paths.contains(&"bin/busybox".to_string()));
    one(&r, "dnsmasq", "2.71");
    one(&r, "miniupnpd", "1.9.20141209");
    let ssh = one(&r, "openssh", "6.7p1");
    assert!(
        ssh.paths.contains(&"usr/sbin/sshd".to_string()),
        "{:?}",
        ssh.paths
    );
    assert_eq!(
        ssh.cpe.as_deref(),
        Some("cpe:2.3:a:openbsd:openssh:6.7p1:*:*:*:*:*:*:*")
    );
    let lt = one(&r, "lighttpd", "1.4.35");
    assert!(lt.paths.contains(&"usr/sbin/lighttpd".to_string()));
    one(&r, "openssl", "1.0.2d");
    one(&r, "strongswan", "5.2.2");
    one(&r, "xl2tpd", "1.3.6");
    one(&r, "linux", "3.10.49");
    one(&r, "php", "5.4.37");
    // a UPX-packed executable carries the packer's version
    let upx = one(&r, "upx", "3.91");
    assert_eq!(upx.source, "version-string");
    assert!(find(&r, "dnsmasq").len() == 1);
    assert!(
        !r.findings
            .iter()
            .any(|f| f.kind == kinds::COMPONENT_DUPLICATE
                && f.component.as_deref() == Some("busybox"))
    );
}

/// LEDE 17.01.7 for the TP-Link TL-WR703N: musl 1.1.16 (MIPS soft-float), its section
/// headers stripped. The version comes from the loader's `__libc_version` string and from
/// the opkg package `libc`.
#[test]
fn lede_wr703n_musl_version() {
    let Some(img) = netvet_model::corpus::path(
        "images/lede-wr703n/lede-17.01.7-ar71xx-generic-tl-wr703n-v1-squashfs-sysupgrade.bin",
    ) else {
        return;
    };
    let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_path(&img)
        .unwrap();
    let r = Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2026-01-01")
        .scan(&tree);
    let all = find(&r, "musl");
    assert_eq!(all.len(), 1, "{all:#?}");
    let m = all[0];
    assert_eq!(m.version, "1.1.16");
    assert_eq!(
        m.cpe.as_deref(),
        Some("cpe:2.3:a:musl-libc:musl:1.1.16:*:*:*:*:*:*:*")
    );
    assert_eq!(m.purl, "pkg:generic/musl@1.1.16");
    assert_eq!(m.source, "opkg,version-string");
    assert!(
        m.evidence
            .contains("'musl libc (mips-sf)' at offset 0x91240")
            && m.evidence
                .contains("version string '1.1.16' at offset 0x8d90c")
            && m.evidence.contains("opkg package libc 1.1.16-1"),
        "{}",
        m.evidence
    );
    assert!(
        m.paths
            .iter()
            .any(|p| p.ends_with("0x0.squashfs/lib/libc.so")),
        "{:?}",
        m.paths
    );
    assert!(find(&r, "libc").is_empty());
}
