//! Identification that survives real builds: banners with vendor quirks, SONAMEs that name a
//! release series, version strings among many look-alike strings, and the version formats of
//! the components routers ship. Every binary is built here: an ELF shared object with a
//! SONAME (section headers, `.dynstr`, `.dynamic`) or a blob whose strings are written in the
//! format each project's source prints them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use bytes::Bytes;
use netvet_model::Component;
use netvet_sbom::{Sbom, SbomResult};
use netvet_unpack::{Entry, EntryKind, Meta, Tree};

fn file(path: &str, data: &[u8]) -> Entry {
    Entry {
        path: path.into(),
        kind: EntryKind::File,
        meta: Meta::mode(0o755),
        size: data.len() as u64,
        data: Bytes::copy_from_slice(data),
        link_target: None,
        layer: None,
        root_len: 0,
    }
}

fn scan(files: &[(&str, Vec<u8>)]) -> SbomResult {
    let entries = files.iter().map(|(p, d)| file(p, d)).collect();
    let tree = Tree::from_parts(entries, vec![], vec![], vec![]);
    Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2026-01-01")
        .scan(&tree)
}

fn versions(r: &SbomResult, name: &str) -> Vec<String> {
    r.components
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.version.clone())
        .collect()
}

fn one<'a>(r: &'a SbomResult, name: &str) -> &'a Component {
    let all: Vec<&Component> = r.components.iter().filter(|c| c.name == name).collect();
    assert_eq!(all.len(), 1, "{name}: {all:#?}");
    all[0]
}

/// An ELF64 little-endian shared object with DT_SONAME `soname`; `payload` stands for its
/// `.rodata` (placed right after the header).
fn elf_so(soname: &str, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![0u8; 64];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = 2; // ELFCLASS64
    f[5] = 1; // little endian
    f[6] = 1;
    f[16..18].copy_from_slice(&3u16.to_le_bytes()); // ET_DYN
    f[18..20].copy_from_slice(&8u16.to_le_bytes()); // EM_MIPS: a mips64el library
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(payload);
    let dynstr_off = f.len() as u64;
    let mut dynstr = vec![0u8];
    dynstr.extend_from_slice(soname.as_bytes());
    dynstr.push(0);
    f.extend_from_slice(&dynstr);
    while !f.len().is_multiple_of(8) {
        f.push(0);
    }
    let dyn_off = f.len() as u64;
    for (tag, val) in [(14u64, 1u64), (0, 0)] {
        // DT_SONAME -> offset 1 of .dynstr; DT_NULL
        f.extend_from_slice(&tag.to_le_bytes());
        f.extend_from_slice(&val.to_le_bytes());
    }
    let shstr_off = f.len() as u64;
    let shstr = b"\0.dynstr\0.dynamic\0.shstrtab\0";
    f.extend_from_slice(shstr);
    while !f.len().is_multiple_of(8) {
        f.push(0);
    }
    let sh_off = f.len() as u64;
    let sh = |name: u32, ty: u32, off: u64, size: u64, link: u32, entsize: u64| {
        let mut s = vec![0u8; 64];
        s[0..4].copy_from_slice(&name.to_le_bytes());
        s[4..8].copy_from_slice(&ty.to_le_bytes());
        s[24..32].copy_from_slice(&off.to_le_bytes());
        s[32..40].copy_from_slice(&size.to_le_bytes());
        s[40..44].copy_from_slice(&link.to_le_bytes());
        s[48..56].copy_from_slice(&8u64.to_le_bytes());
        s[56..64].copy_from_slice(&entsize.to_le_bytes());
        s
    };
    f.extend(sh(0, 0, 0, 0, 0, 0));
    f.extend(sh(1, 3, dynstr_off, dynstr.len() as u64, 0, 0)); // .dynstr SHT_STRTAB
    f.extend(sh(9, 6, dyn_off, 32, 1, 16)); // .dynamic SHT_DYNAMIC, linked to .dynstr
    f.extend(sh(18, 3, shstr_off, shstr.len() as u64, 0, 0)); // .shstrtab
    f[40..48].copy_from_slice(&sh_off.to_le_bytes());
    f[52..54].copy_from_slice(&64u16.to_le_bytes()); // ehsize
    f[58..60].copy_from_slice(&64u16.to_le_bytes()); // shentsize
    f[60..62].copy_from_slice(&4u16.to_le_bytes()); // shnum
    f[62..64].copy_from_slice(&3u16.to_le_bytes()); // shstrndx
    f
}

/// A blob with NUL-separated strings (a binary's `.rodata`).
fn rodata(strings: &[&str]) -> Vec<u8> {
    let mut d = b"\x7fELF\x01\x01\x01\0".to_vec();
    d.resize(64, 0);
    for s in strings {
        d.extend_from_slice(s.as_bytes());
        d.push(0);
    }
    d
}

#[test]
fn busybox_doubled_v_banner() {
    let r = scan(&[(
        "bin/busybox",
        rodata(&[
            "BusyBox vv1.9.1 (2012-03-05 10:13:54 CST)",
            "multi-call binary",
        ]),
    )]);
    let bb = one(&r, "busybox");
    assert_eq!(bb.version, "1.9.1");
    assert_eq!(
        bb.cpe.as_deref(),
        Some("cpe:2.3:a:busybox:busybox:1.9.1:*:*:*:*:*:*:*")
    );
    assert!(bb
        .evidence
        .contains("'BusyBox vv1.9.1 (2012-03-05 10:13:54 CST)'"));
}

/// OpenSSL 3 as Debian builds it: libssl.so.3 holds no version text, libcrypto.so.3 holds
/// "OpenSSL 3.0.11 19 Sep 2023" after hundreds of other "OpenSSL ..." strings.
#[test]
fn openssl3_from_sonames_and_rodata() {
    let mut strings: Vec<String> = (0..700)
        .map(|i| format!("OpenSSL provider error {i}"))
        .collect();
    strings.push("OpenSSL 3.0.11 19 Sep 2023".into());
    let refs: Vec<&str> = strings.iter().map(String::as_str).collect();
    let mut payload = Vec::new();
    for s in &refs {
        payload.extend_from_slice(s.as_bytes());
        payload.push(0);
    }
    let r = scan(&[
        (
            "usr/lib/x86_64-linux-gnu/libssl.so.3",
            elf_so("libssl.so.3", b"\0TLS\0"),
        ),
        (
            "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
            elf_so("libcrypto.so.3", &payload),
        ),
    ]);
    assert_eq!(versions(&r, "openssl"), ["3.0.11"]);
    let o = one(&r, "openssl");
    assert_eq!(
        o.paths,
        [
            "usr/lib/x86_64-linux-gnu/libcrypto.so.3",
            "usr/lib/x86_64-linux-gnu/libssl.so.3"
        ]
    );
    assert!(
        o.evidence.contains("'OpenSSL 3.0.11 19 Sep 2023'"),
        "{}",
        o.evidence
    );
    assert!(
        o.evidence.contains("SONAME libssl.so.3 (release series 3)"),
        "{}",
        o.evidence
    );
    assert_eq!(
        o.cpe.as_deref(),
        Some("cpe:2.3:a:openssl:openssl:3.0.11:*:*:*:*:*:*:*")
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

#[test]
fn sonames_alone_name_the_release_series() {
    let r = scan(&[
        ("usr/lib/libssl.so.1.1", elf_so("libssl.so.1.1", b"")),
        (
            "usr/lib/libnetsnmp.so.30.0.3",
            elf_so("libnetsnmp.so.30", b""),
        ),
    ]);
    assert_eq!(versions(&r, "openssl"), ["1.1"]);
    assert_eq!(versions(&r, "net-snmp"), ["5.7"]);
    // 1.0.x libraries keep .so.1.0.0: the series is 1.0, folded into the release named in
    // the same image
    let r = scan(&[
        ("usr/lib/libssl.so.1.0.0", elf_so("libssl.so.1.0.0", b"")),
        (
            "usr/lib/libcrypto.so.1.0.0",
            elf_so(
                "libcrypto.so.1.0.0",
                b"\0SHA1 part of OpenSSL 1.0.2k  26 Jan 2017\0",
            ),
        ),
    ]);
    assert_eq!(versions(&r, "openssl"), ["1.0.2k"]);
    assert_eq!(one(&r, "openssl").paths.len(), 2);
    // two releases of the series: the SONAME does not pick one, and is not a third version
    let r = scan(&[
        ("usr/lib/libssl.so.1.0.0", elf_so("libssl.so.1.0.0", b"")),
        (
            "a/libcrypto.so.1.0.0",
            elf_so("libcrypto.so.1.0.0", b"\0OpenSSL 1.0.1e 11 Feb 2013\0"),
        ),
        (
            "b/libcrypto.so.1.0.0",
            elf_so("libcrypto.so.1.0.0", b"\0OpenSSL 1.0.2u  20 Dec 2019\0"),
        ),
    ]);
    assert_eq!(versions(&r, "openssl"), ["1.0.1e", "1.0.2u"]);
}

/// One binary per component, with the version text as the project's source writes it.
#[test]
fn version_strings_of_router_components() {
    let cases: &[(&str, &str, &[&str], &str)] = &[
        // (component, path, strings, expected version)
        (
            "dropbear",
            "usr/sbin/dropbear",
            &["SSH-2.0-dropbear_2022.83"],
            "2022.83",
        ),
        (
            "dnsmasq",
            "usr/sbin/dnsmasq",
            &["dnsmasq-2.89", "Dnsmasq version %s  %s"],
            "2.89",
        ),
        ("hostapd", "usr/sbin/hostapd", &["hostapd v2.10"], "2.10"),
        (
            "wpa_supplicant",
            "usr/sbin/wpa_supplicant",
            &["wpa_supplicant v2.9"],
            "2.9",
        ),
        (
            "miniupnpd",
            "usr/sbin/miniupnpd",
            &["OpenWrt/22.03 UPnP/1.1 MiniUPnPd/2.3.3"],
            "2.3.3",
        ),
        (
            "lighttpd",
            "usr/sbin/lighttpd",
            &["lighttpd/1.4.69"],
            "1.4.69",
        ),
        ("goahead", "bin/webs", &["Server: GoAhead-Webs/2.5.0"], "2.5.0"),
        ("boa", "usr/sbin/boa", &["Server: Boa/0.94.14rc21"], "0.94.14rc21"),
        (
            "mini_httpd",
            "usr/sbin/mini_httpd",
            &["mini_httpd/1.30 26Oct2018"],
            "1.30",
        ),
        (
            "strongswan",
            "usr/lib/ipsec/charon",
            &["Starting IKE charon daemon (strongSwan 5.9.8, %s %s, %s)"],
            "5.9.8",
        ),
        (
            "strongswan",
            "usr/lib/ipsec/starter",
            &["Starting %sSwan 5.2.2 IPsec [starter]..."],
            "5.2.2",
        ),
        (
            "openvpn",
            "usr/sbin/openvpn",
            &["OpenVPN 2.6.3 mips-openwrt-linux-gnu [SSL (OpenSSL)] [LZO]"],
            "2.6.3",
        ),
        (
            "linux",
            "boot/vmlinux",
            &["Linux version 5.15.134 (builder@buildhost) (mips64el-openwrt-linux-musl-gcc (OpenWrt GCC 12.3.0 r23630) 12.3.0) #0 SMP Mon Oct 9 21:45:35 2023"],
            "5.15.134",
        ),
        (
            "linux",
            "lib/modules/5.10.176/nf_conntrack.ko",
            &["vermagic=5.10.176 SMP mod_unload MIPS64_R2 64BIT "],
            "5.10.176",
        ),
        (
            "linux",
            "lib/modules/nf_nat_pptp.ko",
            &["vermagic=2.6.33.2 mod_unload MIPS32_R2 32BIT "],
            "2.6.33.2",
        ),
        (
            "linux",
            "boot/zImage.bin",
            &["Linux version 2.6.36.4brcmarm+ (root@localhost) (gcc version 4.5.3) #1 SMP PREEMPT"],
            "2.6.36.4",
        ),
        (
            "glibc",
            "lib/libc.so.6",
            &["GNU C Library (Debian GLIBC 2.36-9+deb12u4) stable release version 2.36."],
            "2.36",
        ),
        (
            "openssl",
            "usr/lib/libcrypto.so.1.1",
            &["OpenSSL 1.1.1w  11 Sep 2023"],
            "1.1.1w",
        ),
        ("busybox", "bin/busybox", &["BusyBox v1.36.1 (2023-11-14 07:58:58 UTC)"], "1.36.1"),
        ("mbedtls", "usr/lib/libmbedcrypto.so.7", &["Mbed TLS 3.4.0"], "3.4.0"),
    ];
    for (name, path, strings, version) in cases {
        let r = scan(&[(path, rodata(strings))]);
        assert_eq!(
            versions(&r, name),
            [version.to_string()],
            "{name} from {strings:?}: {:#?}",
            r.components
        );
    }
}

#[test]
fn c_libraries_from_file_names() {
    let elf = rodata(&["libc"]);
    let cases: &[(&str, &str, &str)] = &[
        ("lib/libuClibc-0.9.33.2.so", "uclibc", "0.9.33.2"),
        ("lib/ld-uClibc-1.0.45.so", "uclibc-ng", "1.0.45"),
        ("lib/libc-2.19.so", "glibc", "2.19"),
        ("lib/ld-musl-mips64el.so.1", "musl", ""),
        ("lib/ld-musl-mips-sf.so.1", "musl", ""),
    ];
    for (path, name, version) in cases {
        let r = scan(&[(path, elf.clone())]);
        assert_eq!(versions(&r, name), [version.to_string()], "{path}");
    }
    // OpenWrt's ld-musl-ARCH.so.1 is a link to libc.so, which names musl in its usage text;
    // the version is the one bare version string of the file
    let r = scan(&[(
        "lib/libc.so",
        rodata(&["1.1.16", "MUSL_LOCPATH", "127.0.0.1", "musl libc (mips-sf)"]),
    )]);
    assert_eq!(versions(&r, "musl"), ["1.1.16"]);
    assert_eq!(one(&r, "musl").paths, ["lib/libc.so"]);
}

/// Bytes of Debian's musl 1.2.3-1 amd64 package, `lib/x86_64-linux-musl/libc.so` (MIT):
/// 0xa8010..0xa8078, the dynamic loader's usage text (ldso/dynlink.c) ...
const MUSL_123_USAGE: &[u8] = b"s)\x00\x00\x00\x00\x00\x00musl libc (x86_64)\x0aVersion %s\x0aDynamic Program Loader\x0aUsage: %s [options] [--] pathname%s\x0a\x00\x00\x00\x00\x00\x00\x00";
/// ... and 0xaa090..0xaa0b8, `__libc_version` ("1.2.3" at 0xaa0ad) between its neighbours.
const MUSL_123_VERSION: &[u8] =
    b"\x00nan\x00\x00\x01\x02\x04\x07\x03\x06\x05\x00/proc/self/fd/\x001.2.3\x00Unsupported r";

/// A musl libc.so laid out as the real one: ELF header, filler, the version, more filler,
/// the usage text (version 8 KiB before it, as in the Debian build).
fn musl_libc(version_bytes: &[u8], extra: &[&str]) -> Vec<u8> {
    let mut d = rodata(extra);
    d.resize(0x2000, 0xcc);
    d.extend_from_slice(version_bytes);
    d.resize(0x4000, 0);
    d.extend_from_slice(MUSL_123_USAGE);
    d
}

#[test]
fn musl_version_from_the_real_loader_layout() {
    let r = scan(&[(
        "lib/x86_64-linux-musl/libc.so",
        musl_libc(MUSL_123_VERSION, &[]),
    )]);
    let m = one(&r, "musl");
    assert_eq!(m.version, "1.2.3");
    assert_eq!(
        m.cpe.as_deref(),
        Some("cpe:2.3:a:musl-libc:musl:1.2.3:*:*:*:*:*:*:*")
    );
    assert_eq!(m.purl, "pkg:generic/musl@1.2.3");
    // offsets in the fixture: the version at 0x2000 + 0x1d, the usage text at 0x4000 + 8
    assert!(
        m.evidence.contains(
            "'musl libc (x86_64)' at offset 0x4008; version string '1.2.3' at offset 0x201d"
        ),
        "{}",
        m.evidence
    );
    // a git build names the release it follows: the release is the version
    let git = b"\x00/proc/self/fd/\x001.2.4-12-gf5f55d65\x00Unsupported";
    let r = scan(&[("lib/libc.so", musl_libc(git, &[]))]);
    assert_eq!(versions(&r, "musl"), ["1.2.4"]);
    // bytes of another object before the string, without a NUL: its printable tail counts
    let r = scan(&[("lib/libc.so", musl_libc(b"\x07\x03\xff1.1.24\x00", &[]))]);
    assert_eq!(versions(&r, "musl"), ["1.1.24"]);
}

#[test]
fn musl_version_is_not_guessed() {
    // two different version-like strings: presence only
    let r = scan(&[("lib/libc.so", musl_libc(MUSL_123_VERSION, &["1.1.16"]))]);
    assert_eq!(versions(&r, "musl"), [""]);
    assert_eq!(one(&r, "musl").cpe, None);
    // the same string twice is one version
    let r = scan(&[("lib/libc.so", musl_libc(MUSL_123_VERSION, &["1.2.3"]))]);
    assert_eq!(versions(&r, "musl"), ["1.2.3"]);
    // inside a longer string, with four numbers, or too long a suffix: not a version
    let r = scan(&[(
        "lib/libc.so",
        musl_libc(
            b"\x00v1.2.3\x00",
            &[
                "libfoo 1.2.3",
                "1.2.3.4",
                "0.0.0.0",
                "1.2.3-this-suffix-is-much-longer-than-forty-characters",
            ],
        ),
    )]);
    assert_eq!(versions(&r, "musl"), [""]);
    // a bare version string without musl's usage text is nobody's version
    let r = scan(&[("usr/lib/libz.so.1", rodata(&["1.2.3", "inflate"]))]);
    assert!(versions(&r, "musl").is_empty());
}

fn link(path: &str, target: &str) -> Entry {
    let mut e = file(path, b"");
    e.kind = EntryKind::Symlink;
    e.link_target = Some(target.into());
    e
}

fn scan_entries(entries: Vec<Entry>) -> SbomResult {
    let tree = Tree::from_parts(entries, vec![], vec![], vec![]);
    Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .with_today("2026-01-01")
        .scan(&tree)
}

/// OpenWrt's package `libc` is the build's C library; the loader in the same root file
/// system says which.
#[test]
fn openwrt_libc_package_is_the_c_library_of_its_root() {
    let status =
        b"Package: libc\nVersion: 1.1.16-1\nStatus: install user installed\nArchitecture: mips_24kc\n";
    let r = scan_entries(vec![
        file("squashfs-root/usr/lib/opkg/status", status),
        file(
            "squashfs-root/lib/libc.so",
            &musl_libc(b"\x00/proc/self/fd/\x001.1.16\x00", &[]),
        ),
        link("squashfs-root/lib/ld-musl-mips-sf.so.1", "libc.so"),
    ]);
    assert!(versions(&r, "libc").is_empty(), "{:#?}", r.components);
    let m = one(&r, "musl");
    assert_eq!(m.version, "1.1.16");
    assert_eq!(
        m.paths,
        [
            "squashfs-root/lib/libc.so",
            "squashfs-root/usr/lib/opkg/status"
        ]
    );
    assert_eq!(m.source, "opkg,version-string");
    assert!(
        m.evidence.contains("opkg package libc 1.1.16-1"),
        "{}",
        m.evidence
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // the same package next to uClibc's loader is uClibc
    let status = b"Package: libc\nVersion: 0.9.33.2-1\nStatus: install user installed\n";
    let r = scan_entries(vec![
        file("usr/lib/opkg/status", status),
        file("lib/ld-uClibc-0.9.33.2.so", &rodata(&["ld.so"])),
        link("lib/ld-uClibc.so.0", "ld-uClibc-0.9.33.2.so"),
    ]);
    assert_eq!(versions(&r, "uclibc"), ["0.9.33.2"]);
    assert!(versions(&r, "musl").is_empty());
    // a loader in another root file system does not count: an unknown package stays one
    let r = scan_entries(vec![
        file("a/usr/lib/opkg/status", status),
        link("b/lib/ld-musl-armhf.so.1", "libc.so"),
    ]);
    assert_eq!(versions(&r, "libc"), ["0.9.33.2-1"]);
    assert_eq!(one(&r, "libc").purl, "pkg:opkg/libc@0.9.33.2-1");
    assert!(versions(&r, "musl").is_empty());
}

/// apk's installed database (Alpine; OpenWrt snapshots from 2024).
#[test]
fn apk_installed_database() {
    let db = b"C:Q1p3Nq=\nP:musl\nV:1.2.4-r2\nA:x86_64\nT:the musl c library (libc) implementation\nL:MIT\nF:lib\nR:ld-musl-x86_64.so.1\n\nC:Q1Zz=\nP:busybox\nV:1.36.1-r5\nA:x86_64\n\nP:alpine-baselayout\nV:3.4.3-r1\nA:x86_64\n";
    let r = scan(&[
        ("lib/apk/db/installed", db.to_vec()),
        (
            "lib/ld-musl-x86_64.so.1",
            musl_libc(b"\x00/proc/self/fd/\x001.2.4\x00", &[]),
        ),
    ]);
    let m = one(&r, "musl");
    assert_eq!(m.version, "1.2.4");
    assert_eq!(
        m.cpe.as_deref(),
        Some("cpe:2.3:a:musl-libc:musl:1.2.4:*:*:*:*:*:*:*")
    );
    assert_eq!(m.source, "apk,filename,version-string");
    assert_eq!(versions(&r, "busybox"), ["1.36.1"]);
    let other = one(&r, "alpine-baselayout");
    assert_eq!(other.purl, "pkg:apk/alpine-baselayout@3.4.3-r1");
}

/// OpenWrt packages some components as git snapshots; the binary names the release.
#[test]
fn snapshot_package_versions_fold_into_the_release() {
    let status = b"Package: hostapd-common\nVersion: 2016-12-19-ad02e79d-7\nStatus: install user installed\n\nPackage: wpad-mini\nVersion: 2016-12-19-ad02e79d-7\nStatus: install user installed\n";
    let r = scan(&[
        // a directory scan above the root file system
        ("squashfs-root/usr/lib/opkg/status", status.to_vec()),
        (
            "squashfs-root/usr/sbin/wpad",
            rodata(&["hostapd v2.7-devel", "wpa_supplicant v2.7-devel"]),
        ),
    ]);
    assert_eq!(versions(&r, "hostapd"), ["2.7"]);
    let h = one(&r, "hostapd");
    assert!(h.source.contains("opkg"), "{}", h.source);
    assert!(
        h.evidence
            .contains("opkg package hostapd-common 2016-12-19-ad02e79d-7"),
        "{}",
        h.evidence
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // alone, the snapshot is the version
    let r = scan(&[("usr/lib/opkg/status", status.to_vec())]);
    assert_eq!(versions(&r, "hostapd"), ["2016-12-19-ad02e79d-7"]);
}

/// A daemon whose version is not next to a fixed text is still present.
#[test]
fn daemons_present_by_file_name() {
    let r = scan(&[
        (
            "usr/sbin/dnsmasq",
            rodata(&["dnsmasq-UNKNOWN", "Dnsmasq version %s  %s"]),
        ),
        ("usr/sbin/dropbearmulti", rodata(&["2016.74"])),
        // not an executable: a configuration file of the same name
        ("etc/config/dnsmasq", b"config dnsmasq\n".to_vec()),
    ]);
    assert_eq!(versions(&r, "dnsmasq"), [""]);
    assert_eq!(one(&r, "dnsmasq").paths, ["usr/sbin/dnsmasq"]);
    assert_eq!(versions(&r, "dropbear"), [""]);
}

/// Debian-built images without the dpkg tool keep one status file per package in
/// `var/lib/dpkg/status.d/` (distroless images).
#[test]
fn dpkg_status_d_files() {
    let r = scan(&[
        (
            "var/lib/dpkg/status.d/libssl3",
            b"Package: libssl3\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n".to_vec(),
        ),
        (
            "var/lib/dpkg/status.d/libssl3.md5sums",
            b"0123 usr/lib/x86_64-linux-gnu/libssl.so.3\n".to_vec(),
        ),
        (
            "usr/lib/x86_64-linux-gnu/libssl.so.3",
            elf_so("libssl.so.3", b""),
        ),
    ]);
    assert_eq!(versions(&r, "openssl"), ["3.0.11"]);
    let o = one(&r, "openssl");
    assert_eq!(
        o.paths,
        [
            "usr/lib/x86_64-linux-gnu/libssl.so.3",
            "var/lib/dpkg/status.d/libssl3"
        ]
    );
    assert!(o.source.contains("dpkg"), "{}", o.source);
}

/// An unpacked archive carries the bytes of the files extracted from it: one copy, not two.
#[test]
fn unpacked_containers_are_not_copies() {
    let bb = rodata(&["BusyBox v1.33.1 (2021-06-05 23:27:58 CEST)"]);
    let mut cpio = b"070701".to_vec();
    cpio.extend_from_slice(&[0; 64]);
    cpio.extend_from_slice(&bb);
    let entries = vec![
        file("rootfs.cpio", &cpio),
        file("rootfs.cpio.extract/0x0.cpio/bin/busybox", &bb),
    ];
    let layers = vec![netvet_model::LayerInfo {
        path: "rootfs.cpio.extract/0x0.cpio".into(),
        format: "cpio".into(),
        offset: 0,
        size: cpio.len() as u64,
        parent: "rootfs.cpio".into(),
        variant: String::new(),
    }];
    let tree = Tree::from_parts(entries, layers, vec![], vec![]);
    let r = Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .scan(&tree);
    assert_eq!(versions(&r, "busybox"), ["1.33.1"]);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    // without the layer, two files carry the string: a duplicate
    let tree = Tree::from_parts(
        vec![file("a/busybox", &bb), file("b/busybox", &bb)],
        vec![],
        vec![],
        vec![],
    );
    let r = Sbom::new(&netvet_rules::RuleSet::embedded())
        .unwrap()
        .scan(&tree);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
}

/// A hostile database listing `libc` many times in a large tree: the root's files are read
/// once per root and package name, not once per stanza.
#[test]
fn repeated_libc_packages_are_resolved_once() {
    let mut status = String::new();
    for _ in 0..20_000 {
        status.push_str("Package: libc\nVersion: 1.1.16-1\nStatus: install user installed\n\n");
    }
    let mut entries = vec![file("usr/lib/opkg/status", status.as_bytes())];
    for i in 0..20_000 {
        entries.push(file(&format!("usr/share/doc/f{i}"), b"x"));
    }
    entries.push(link("lib/ld-musl-armhf.so.1", "libc.so"));
    let t = std::time::Instant::now();
    let r = scan_entries(entries);
    // 20,000 stanzas x 20,000 entries read again for each would take minutes
    assert!(
        t.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(versions(&r, "musl"), ["1.1.16"]);
    assert!(versions(&r, "libc").is_empty());
}
