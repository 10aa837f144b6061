//! Identification on trees built in the test: package databases, kernel banners, image
//! names, ELF notes, duplicates and hostile input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use bytes::Bytes;
use netvet_model::{kinds, LayerInfo};
use netvet_sbom::Sbom;
use netvet_unpack::{Entry, EntryKind, Meta, Tree};

fn file(path: &str, root_len: usize, data: &[u8]) -> Entry {
    Entry {
        path: path.into(),
        kind: EntryKind::File,
        meta: Meta::mode(0o755),
        size: data.len() as u64,
        data: Bytes::copy_from_slice(data),
        link_target: None,
        layer: if root_len > 0 { Some(0) } else { None },
        root_len,
    }
}

fn sbom() -> Sbom {
    Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2026-01-01")
}

/// A minimal ELF64 little-endian relocatable file with one `.note.package` section.
fn elf_with_note(json: &str) -> Vec<u8> {
    let mut desc = json.as_bytes().to_vec();
    desc.push(0);
    while !desc.len().is_multiple_of(4) {
        desc.push(0);
    }
    let mut note = Vec::new();
    note.extend_from_slice(&4u32.to_le_bytes()); // namesz "FDO\0"
    note.extend_from_slice(&(json.len() as u32 + 1).to_le_bytes());
    note.extend_from_slice(&0xcafe_1a7eu32.to_le_bytes());
    note.extend_from_slice(b"FDO\0");
    note.extend_from_slice(&desc);
    let shstr = b"\0.note.package\0.shstrtab\0";
    let note_off = 64u64;
    let shstr_off = note_off + note.len() as u64;
    let sh_off = (shstr_off + shstr.len() as u64 + 7) & !7;
    let mut f = vec![0u8; 64];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // 64-bit
    f[5] = 1; // little endian
    f[6] = 1;
    f[16..18].copy_from_slice(&1u16.to_le_bytes()); // ET_REL
    f[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[40..48].copy_from_slice(&sh_off.to_le_bytes());
    f[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
    f[58..60].copy_from_slice(&64u16.to_le_bytes()); // shentsize
    f[60..62].copy_from_slice(&3u16.to_le_bytes()); // shnum
    f[62..64].copy_from_slice(&2u16.to_le_bytes()); // shstrndx
    f.extend_from_slice(&note);
    f.extend_from_slice(shstr);
    f.resize(sh_off as usize, 0);
    let sh = |name: u32, ty: u32, off: u64, size: u64| {
        let mut s = vec![0u8; 64];
        s[0..4].copy_from_slice(&name.to_le_bytes());
        s[4..8].copy_from_slice(&ty.to_le_bytes());
        s[24..32].copy_from_slice(&off.to_le_bytes());
        s[32..40].copy_from_slice(&size.to_le_bytes());
        s[48..56].copy_from_slice(&4u64.to_le_bytes());
        s
    };
    f.extend(sh(0, 0, 0, 0));
    f.extend(sh(1, 7, note_off, note.len() as u64)); // SHT_NOTE
    f.extend(sh(15, 3, shstr_off, shstr.len() as u64)); // SHT_STRTAB
    f
}

#[test]
fn dpkg_kernel_banner_image_name_and_note() {
    let status = b"Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2p1-2+deb12u2\n\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: libfoo\nStatus: install ok installed\nVersion: 2.3-1\n";
    let mut kernel = vec![0u8; 64];
    kernel
        .extend_from_slice(b"Linux version 4.14.90 (builder@host) (gcc version 7.3.0) #1 SMP\n\0");
    let mut uboot = vec![0u8; 16];
    uboot.extend_from_slice(b"U-Boot 2014.04 (Jan 01 2016 - 00:00:00)\0");
    let note = elf_with_note(
        r#"{"type":"deb","name":"xz-utils","version":"5.6.1-1","osCpe":"cpe:/o:debian:debian_linux:12"}"#,
    );
    let entries = vec![
        file("0x0.uimage/kernel", 11, &kernel),
        file("0x0.uimage/var/lib/dpkg/status", 11, status),
        file("0x0.uimage/boot/u-boot.bin", 11, &uboot),
        file("0x0.uimage/usr/lib/liblzma-note.o", 11, &note),
    ];
    let layers = vec![LayerInfo {
        path: "0x0.uimage".into(),
        format: "uimage".into(),
        offset: 0,
        size: 1000,
        parent: String::new(),
        variant: "OpenWrt-Linux-4.14.90".into(),
    }];
    let tree = Tree::from_parts(entries, layers, vec![], vec![]);
    let r = sbom().scan(&tree);
    let get = |n: &str| {
        r.components
            .iter()
            .find(|c| c.name == n)
            .unwrap_or_else(|| panic!("{n} missing: {:?}", r.components))
    };
    let ssh = get("openssh");
    assert_eq!(ssh.version, "9.2p1");
    assert_eq!(ssh.source, "dpkg");
    assert_eq!(ssh.paths, vec!["0x0.uimage/var/lib/dpkg/status"]);
    let foo = get("libfoo");
    assert_eq!(foo.purl, "pkg:deb/libfoo@2.3-1");
    assert_eq!(foo.cpe, None);
    assert!(!r.components.iter().any(|c| c.name == "removed"));
    let k = get("linux");
    assert_eq!(k.version, "4.14.90");
    assert_eq!(k.source, "image-name,kernel-banner");
    assert_eq!(k.paths, vec!["0x0.uimage", "0x0.uimage/kernel"]);
    assert!(
        k.evidence.contains("Linux version 4.14.90 (builder@host)"),
        "{}",
        k.evidence
    );
    assert_eq!(get("u-boot").version, "2014.04");
    let xz = get("xz");
    assert_eq!(xz.version, "5.6.1");
    assert_eq!(xz.source, "elf-note");
    assert_eq!(
        xz.cpe.as_deref(),
        Some("cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*")
    );
    // 4.14 ended 2024-01-10
    assert!(r
        .findings
        .iter()
        .any(|f| f.kind == kinds::COMPONENT_END_OF_LIFE
            && f.title == "linux 4.14.90 is end of life since 2024-01-10"
            && f.path.as_deref() == Some("0x0.uimage")));
}

#[test]
fn copies_and_versions_are_duplicates() {
    let bb = |v: &str| {
        let mut d = vec![0u8; 8];
        d.extend_from_slice(
            format!("BusyBox v{v} (2020-01-01 00:00:00 UTC) multi-call binary.\0").as_bytes(),
        );
        d
    };
    let tree = Tree::from_parts(
        vec![
            file("bin/busybox", 0, &bb("1.31.1")),
            file("opt/vendor/busybox", 0, &bb("1.31.1")),
            file("rescue/busybox", 0, &bb("1.24.2")),
        ],
        vec![],
        vec![],
        vec![],
    );
    let r = sbom().scan(&tree);
    let versions: Vec<(&str, usize)> = r
        .components
        .iter()
        .filter(|c| c.name == "busybox")
        .map(|c| (c.version.as_str(), c.paths.len()))
        .collect();
    assert_eq!(versions, vec![("1.24.2", 1), ("1.31.1", 2)]);
    let d: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == kinds::COMPONENT_DUPLICATE)
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].title, "Several versions of busybox: 1.24.2, 1.31.1");
    assert_eq!(d[0].path.as_deref(), Some("rescue/busybox"));

    // same version, two files: copies
    let tree = Tree::from_parts(
        vec![
            file("bin/busybox", 0, &bb("1.31.1")),
            file("opt/vendor/busybox", 0, &bb("1.31.1")),
        ],
        vec![],
        vec![],
        vec![],
    );
    let r = sbom().scan(&tree);
    let d: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == kinds::COMPONENT_DUPLICATE)
        .collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].title, "2 copies of busybox 1.31.1");
    assert!(d[0].evidence.contains("bin/busybox, opt/vendor/busybox"));
}

#[test]
fn scripts_do_not_count_and_hostile_input_is_bounded() {
    // a shell script mentioning a version is not a binary
    let script = b"#!/bin/sh\necho 'BusyBox v9.9.9 is great'\n";
    // an anchor repeated a million times, a truncated regex match, garbage
    let mut spam = vec![0u8];
    for _ in 0..100_000 {
        spam.extend_from_slice(b"BusyBox v");
    }
    spam.extend_from_slice(b"1.2.3");
    let tree = Tree::from_parts(
        vec![
            file("etc/motd.sh", 0, script),
            file("bin/spam", 0, &spam),
            file("bin/empty", 0, b""),
            file("bin/elfish", 0, b"\x7fELF\x02\x01\x01garbage"),
            file(
                "usr/lib/opkg/status",
                0,
                b"Package: \nVersion:\n\n\n:::\nPackage: x",
            ),
        ],
        vec![],
        vec![],
        vec![],
    );
    let t = std::time::Instant::now();
    let r = sbom().scan(&tree);
    assert!(t.elapsed().as_secs() < 5);
    assert!(!r.components.iter().any(|c| c.version == "9.9.9"));
    // only the first 256 anchor hits are examined: the version at the end is not reached
    assert!(r.components.is_empty(), "{:?}", r.components);
}

#[test]
fn large_binaries_are_scanned_in_windows_without_losing_strings() {
    // 130 MiB: windows of 64 MiB. One version string straddles the first edge, one lies in
    // the last window; both are found once, with their offsets in the whole file.
    let mut data = vec![0u8; 130 << 20];
    let edge = (64 << 20) - 6;
    let a = b"BusyBox v1.31.1 (2020-01-01)\0";
    data[edge..edge + a.len()].copy_from_slice(a);
    let late = 129 << 20;
    let b = b"dnsmasq-2.80\0";
    data[late..late + b.len()].copy_from_slice(b);
    let tree = Tree::from_parts(vec![file("bin/blob", 0, &data)], vec![], vec![], vec![]);
    let r = sbom().scan(&tree);
    let mut got: Vec<(String, String)> = r
        .components
        .iter()
        .map(|c| (c.name.clone(), c.version.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("busybox".to_string(), "1.31.1".to_string()),
            ("dnsmasq".to_string(), "2.80".to_string())
        ]
    );
    let bb = r.components.iter().find(|c| c.name == "busybox").unwrap();
    let ev = format!("{:?}", bb);
    assert!(ev.contains(&format!("{edge:#x}")), "{ev}");
}

/// RTOS releases named by their image's layer get end-of-life findings from the sourced
/// facts in `rules/eol/`, each saying what its date means.
#[test]
fn rtos_releases_past_their_end() {
    let comp = |name: &str, version: &str| netvet_model::Component {
        name: name.into(),
        version: version.into(),
        purl: String::new(),
        cpe: None,
        paths: vec!["0x0.vxworks".into()],
        evidence: String::new(),
        source: "image-name".into(),
    };
    let s = sbom();
    let f = s.eol_findings(&[
        comp("vxworks", "5.5.1"),
        comp("vxworks", "6.8.3"),
        comp("vxworks", "6.9.4.11"),
        comp("vxworks", "7"),
        comp("threadx", "5.5.5.0"),
        comp("threadx", "6.4.1"),
        comp("ecos", "3.0"),
        comp("ecos", "2.0"),
        comp("nucleus-plus", "1.14"),
    ]);
    let titles: Vec<&str> = f.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "vxworks 5.5.1 is end of life (unsupported by 2019-07-30)",
            "vxworks 6.8.3 is end of life (unsupported by 2019-07-30)",
            "threadx 5.5.5.0 is end of life (unsupported by 2024-02-06)",
            "ecos 3.0 is end of life (no release since 2009-03-31)",
            "ecos 2.0 is end of life (no release since 2009-03-31)",
        ]
    );
    assert!(f.iter().all(|x| x.kind == kinds::COMPONENT_END_OF_LIFE));
    assert_eq!(f[0].component.as_deref(), Some("vxworks@5.5.1"));
    assert!(
        f[0].evidence.contains("release series 5,")
            && f[0].evidence.contains("icsa-19-211-01")
            && f[0].evidence.contains("may have ended earlier"),
        "{}",
        f[0].evidence
    );
    assert!(
        f[3].evidence.contains("no release since 2009-03-31"),
        "{}",
        f[3].evidence
    );
    // before the statement's date nothing is claimed
    let early = Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2019-07-29");
    assert!(early.eol_findings(&[comp("vxworks", "5.5.1")]).is_empty());
}
