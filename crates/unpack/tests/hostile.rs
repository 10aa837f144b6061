//! Hostile inputs built at test time: traversal names, links out of the layer, bombs,
//! deep nesting, lying size tables, directory cycles and truncation at every 1 KiB boundary.
//! Every case must finish without a panic, within a time bound, under 1 GiB of peak RSS
//! (`VmHWM` of this test process, so a stricter bound than per case), keep every entry inside
//! its layer, and record the limit or error it hit.

// Test helpers outside #[test] functions fail loudly on a broken fixture.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use netvet_unpack::{EntryKind, Limits, Tree, Unpacker};
use std::io::Write;
use std::time::{Duration, Instant};

/// Wall-clock bound for one unpack in a debug build.
const BOUND: Duration = Duration::from_secs(60);
/// Peak resident set size allowed, in KiB.
const RSS_CAP_KIB: u64 = 1 << 20;

fn vm_hwm_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn check_rss(name: &str) {
    if let Some(kib) = vm_hwm_kib() {
        assert!(kib < RSS_CAP_KIB, "{name}: peak RSS {kib} KiB");
    }
}

/// Every entry stays inside its layer: no `..` component, not absolute, under its root, and
/// hard-link targets are layer-relative.
fn assert_inside(name: &str, tree: &Tree) {
    for e in &tree.entries {
        assert!(!e.path.starts_with('/'), "{name}: absolute {}", e.path);
        assert!(
            e.path.split('/').all(|c| c != ".." && c != "."),
            "{name}: {}",
            e.path
        );
        assert!(
            e.path.starts_with(e.root()),
            "{name}: {} outside {}",
            e.path,
            e.root()
        );
        if e.kind == EntryKind::Hardlink {
            let t = e.link_target.as_deref().unwrap_or("");
            assert!(
                !t.starts_with('/') && t.split('/').all(|c| c != ".."),
                "{name}: hard link {} -> {t}",
                e.path
            );
        }
        // following links never leaves the entry's own layer
        if let Some(r) = tree.resolve(e) {
            assert!(
                r.path.starts_with(e.root()),
                "{name}: {} -> {}",
                e.path,
                r.path
            );
        }
    }
}

fn run_with(name: &str, data: Vec<u8>, limits: Limits) -> Tree {
    let t0 = Instant::now();
    let tree = Unpacker::new(limits).unpack_bytes(Bytes::from(data));
    let took = t0.elapsed();
    assert!(took < BOUND, "{name}: took {took:?}");
    check_rss(name);
    assert_inside(name, &tree);
    tree
}

fn run(name: &str, data: Vec<u8>) -> Tree {
    run_with(name, data, Limits::default())
}

fn names(tree: &Tree) -> Vec<&str> {
    tree.entries.iter().map(|e| e.path.as_str()).collect()
}

fn get<'a>(tree: &'a Tree, path: &str) -> &'a netvet_unpack::Entry {
    tree.get(path)
        .unwrap_or_else(|| panic!("{path} missing; have {:?}", names(tree)))
}

fn path_errors(tree: &Tree) -> usize {
    tree.errors.iter().filter(|e| e.format == "path").count()
}

// ---------------------------------------------------------------------------------------
// Fixture writers (formats simple enough to write in a few lines; the readers are the code
// under test, so the writers follow the specifications, not the handlers).
// ---------------------------------------------------------------------------------------

/// One ustar member: header plus data padded to 512 bytes.
fn tar_member(name: &str, flag: u8, link: &str, data: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
    h[136..148].copy_from_slice(b"14000000000\0");
    h[156] = flag;
    h[157..157 + link.len()].copy_from_slice(link.as_bytes());
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut v = h.to_vec();
    v.extend_from_slice(data);
    v.resize(v.len().div_ceil(512) * 512, 0);
    v
}

fn tar(members: &[(&str, u8, &str, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    for (n, f, l, d) in members {
        v.extend(tar_member(n, *f, l, d));
    }
    v.extend([0u8; 1024]);
    v
}

/// cpio "newc" member.
fn cpio_member(ino: u32, name: &str, mode: u32, data: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "070701{ino:08x}{mode:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
        0,
        0,
        1,
        0,
        data.len(),
        0,
        0,
        0,
        0,
        name.len() + 1,
        0
    )
    .into_bytes();
    v.extend_from_slice(name.as_bytes());
    v.push(0);
    v.resize(v.len().div_ceil(4) * 4, 0);
    v.extend_from_slice(data);
    v.resize(v.len().div_ceil(4) * 4, 0);
    v
}

fn cpio(members: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut v = Vec::new();
    for (i, (n, m, d)) in members.iter().enumerate() {
        v.extend(cpio_member(i as u32 + 1, n, *m, d));
    }
    v.extend(cpio_member(0, "TRAILER!!!", 0, b""));
    v.resize(v.len().div_ceil(512) * 512, 0);
    v
}

struct ZipEntry<'a> {
    name: &'a str,
    mode: u32,
    data: &'a [u8],
}

/// A zip of stored members with Unix modes (so symlinks are symlinks).
fn zip(entries: &[ZipEntry]) -> Vec<u8> {
    let mut v = Vec::new();
    let mut cd = Vec::new();
    for e in entries {
        let off = v.len() as u32;
        let crc = crc32fast::hash(e.data);
        v.extend(0x0403_4b50u32.to_le_bytes());
        v.extend(20u16.to_le_bytes());
        v.extend(0u16.to_le_bytes()); // flags
        v.extend(0u16.to_le_bytes()); // stored
        v.extend([0u8; 4]); // time, date
        v.extend(crc.to_le_bytes());
        v.extend((e.data.len() as u32).to_le_bytes());
        v.extend((e.data.len() as u32).to_le_bytes());
        v.extend((e.name.len() as u16).to_le_bytes());
        v.extend(0u16.to_le_bytes());
        v.extend(e.name.as_bytes());
        v.extend(e.data);
        cd.extend(central(
            e.name,
            0,
            crc,
            e.data.len() as u32,
            e.data.len() as u32,
            e.mode,
            off,
        ));
    }
    finish_zip(v, cd, entries.len())
}

fn central(
    name: &str,
    method: u16,
    crc: u32,
    csize: u32,
    usize: u32,
    mode: u32,
    off: u32,
) -> Vec<u8> {
    let mut c = Vec::new();
    c.extend(0x0201_4b50u32.to_le_bytes());
    c.extend((3u16 << 8 | 20).to_le_bytes()); // made by Unix
    c.extend(20u16.to_le_bytes());
    c.extend(0u16.to_le_bytes());
    c.extend(method.to_le_bytes());
    c.extend([0u8; 4]);
    c.extend(crc.to_le_bytes());
    c.extend(csize.to_le_bytes());
    c.extend(usize.to_le_bytes());
    c.extend((name.len() as u16).to_le_bytes());
    c.extend([0u8; 8]); // extra len, comment len, disk, internal attributes
    c.extend((mode << 16).to_le_bytes());
    c.extend(off.to_le_bytes());
    c.extend(name.as_bytes());
    c
}

fn finish_zip(mut v: Vec<u8>, cd: Vec<u8>, n: usize) -> Vec<u8> {
    let cd_off = v.len() as u32;
    v.extend(&cd);
    v.extend(0x0605_4b50u32.to_le_bytes());
    v.extend([0u8; 4]);
    v.extend((n as u16).to_le_bytes());
    v.extend((n as u16).to_le_bytes());
    v.extend((cd.len() as u32).to_le_bytes());
    v.extend(cd_off.to_le_bytes());
    v.extend(0u16.to_le_bytes());
    v
}

/// A Unix `ar` archive (GNU names ending in '/').
fn ar(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut v = b"!<arch>\n".to_vec();
    for (n, d) in members {
        v.extend(
            format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                format!("{n}/"),
                0,
                0,
                0,
                100644,
                d.len()
            )
            .as_bytes(),
        );
        v.extend(*d);
        if v.len() % 2 == 1 {
            v.push(b'\n');
        }
    }
    v
}

fn gzip(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

fn zlib(body: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

fn bzip2(body: &[u8]) -> Vec<u8> {
    let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    e.write_all(body).unwrap();
    e.finish().unwrap()
}

/// JFFS2 (little-endian) node writer.
struct Jffs2(Vec<u8>);

fn jcrc(d: &[u8]) -> u32 {
    // the kernel's crc32(0, ...): seed 0, no pre- or post-inversion
    let mut h = crc32fast::Hasher::new_with_initial(0xffff_ffff);
    h.update(d);
    !h.finalize()
}

impl Jffs2 {
    fn node(&mut self, kind: u16, mut body: Vec<u8>) {
        let mut n = Vec::new();
        n.extend(0x1985u16.to_le_bytes());
        n.extend(kind.to_le_bytes());
        n.extend(((12 + body.len()) as u32).to_le_bytes());
        let c = jcrc(&n);
        n.extend(c.to_le_bytes());
        n.append(&mut body);
        self.0.extend(&n);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
    }
    fn dirent(&mut self, pino: u32, ino: u32, name: &str, dtype: u8) {
        let mut hdr = Vec::new();
        hdr.extend(0x1985u16.to_le_bytes());
        hdr.extend(0xe001u16.to_le_bytes());
        hdr.extend(((40 + name.len()) as u32).to_le_bytes());
        let hc = jcrc(&hdr);
        hdr.extend(hc.to_le_bytes());
        for x in [pino, 1, ino, 0] {
            hdr.extend(x.to_le_bytes());
        }
        hdr.extend([name.len() as u8, dtype, 0, 0]);
        let nc = jcrc(&hdr);
        hdr.extend(nc.to_le_bytes());
        hdr.extend(jcrc(name.as_bytes()).to_le_bytes());
        hdr.extend(name.as_bytes());
        self.0.extend(&hdr);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn inode(
        &mut self,
        ino: u32,
        mode: u32,
        isize: u32,
        offset: u32,
        compr: u8,
        data: &[u8],
        dsize: u32,
    ) {
        let mut n = Vec::new();
        n.extend(0x1985u16.to_le_bytes());
        n.extend(0xe002u16.to_le_bytes());
        n.extend(((68 + data.len()) as u32).to_le_bytes());
        let hc = jcrc(&n);
        n.extend(hc.to_le_bytes());
        n.extend(ino.to_le_bytes());
        n.extend(1u32.to_le_bytes()); // version
        n.extend(mode.to_le_bytes());
        n.extend([0u8; 4]); // uid, gid
        n.extend(isize.to_le_bytes());
        n.extend([0u8; 12]); // atime, mtime, ctime
        n.extend(offset.to_le_bytes());
        n.extend((data.len() as u32).to_le_bytes());
        n.extend(dsize.to_le_bytes());
        n.extend([compr, 0, 0, 0]);
        n.extend(jcrc(data).to_le_bytes());
        let c = jcrc(&n[..60]); // node_crc excludes data_crc
        n.extend(c.to_le_bytes());
        n.extend(data);
        self.0.extend(&n);
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
    }
}

const SHADOW: &[u8] = b"root:$1$netvetsa$yYAVE9CzA0pDbDt5bDu5F0:19000:0:99999:7:::\n";

// ---------------------------------------------------------------------------------------
// Traversal names
// ---------------------------------------------------------------------------------------

#[test]
fn dotdot_and_absolute_names_stay_in_the_layer() {
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "tar",
            tar(&[
                ("../../../../evil", b'0', "", b"dotdot"),
                ("/etc/abs", b'0', "", b"absolute"),
                ("a/../../b", b'0', "", b"mixed"),
            ]),
            "0x0.tar",
        ),
        (
            "cpio",
            cpio(&[
                ("../../../../evil", 0o100644, b"dotdot"),
                ("/etc/abs", 0o100644, b"absolute"),
                ("a/../../b", 0o100644, b"mixed"),
            ]),
            "0x0.cpio",
        ),
        (
            "zip",
            zip(&[
                ZipEntry {
                    name: "../../../../evil",
                    mode: 0o100644,
                    data: b"dotdot",
                },
                ZipEntry {
                    name: "/etc/abs",
                    mode: 0o100644,
                    data: b"absolute",
                },
                ZipEntry {
                    name: "a/../../b",
                    mode: 0o100644,
                    data: b"mixed",
                },
            ]),
            "0x0.zip",
        ),
    ];
    for (name, data, root) in cases {
        let t = run(name, data);
        assert_eq!(
            &get(&t, &format!("{root}/evil")).data[..],
            b"dotdot",
            "{name}"
        );
        assert_eq!(
            &get(&t, &format!("{root}/etc/abs")).data[..],
            b"absolute",
            "{name}"
        );
        assert_eq!(&get(&t, &format!("{root}/b")).data[..], b"mixed", "{name}");
        assert!(path_errors(&t) >= 2, "{name}: {:?}", t.errors);
    }
    // ar: names with '/' inside a GNU name
    let t = run("ar", ar(&[("../../evil", b"dotdot"), ("ok", b"fine")]));
    assert_eq!(&get(&t, "0x0.ar/ok").data[..], b"fine");
    assert!(
        t.entries.iter().all(|e| e.path.starts_with("0x0.ar/")),
        "{:?}",
        names(&t)
    );
    // JFFS2 dirent names are bytes on flash: '..', '/' and absolute names
    let mut j = Jffs2(Vec::new());
    j.node(0x2003, Vec::new()); // clean marker
    for (ino, n) in [(2u32, ".."), (3, "../../etc/passwd"), (4, "/abs")] {
        j.dirent(1, ino, n, 8);
        j.inode(ino, 0o100644, 2, 0, 0, b"ok", 2);
    }
    let t = run("jffs2", j.0);
    assert!(!t.layers.is_empty(), "jffs2 not recognised");
    assert!(path_errors(&t) >= 1, "{:?}", t.errors);
    assert!(
        t.entries.iter().all(|e| e.path.starts_with("0x0.jffs2/")),
        "{:?}",
        names(&t)
    );
}

// ---------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------

#[test]
fn symlink_then_entry_through_it_stays_virtual() {
    let t = run(
        "tar",
        tar(&[
            ("link", b'2', "/etc", b""),
            ("link/passwd", b'0', "", b"through the link"),
            ("up", b'2', "../../../../../..", b""),
            ("up/tmp/x", b'0', "", b"up"),
        ]),
    );
    let l = get(&t, "0x0.tar/link");
    assert_eq!(l.kind, EntryKind::Symlink);
    assert_eq!(l.link_target.as_deref(), Some("/etc"));
    // the member is a file at its own path inside the layer
    let f = t
        .entries
        .iter()
        .find(|e| e.path == "0x0.tar/link/passwd" && e.kind == EntryKind::File);
    assert!(f.is_some(), "{:?}", names(&t));
    assert_eq!(get(&t, "0x0.tar/up").kind, EntryKind::Symlink);

    let t = run(
        "cpio",
        cpio(&[
            ("link", 0o120777, b"/etc"),
            ("link/passwd", 0o100644, b"through the link"),
        ]),
    );
    assert_eq!(get(&t, "0x0.cpio/link").kind, EntryKind::Symlink);
    assert_eq!(
        get(&t, "0x0.cpio/link").link_target.as_deref(),
        Some("/etc")
    );

    let t = run(
        "zip",
        zip(&[
            ZipEntry {
                name: "link",
                mode: 0o120777,
                data: b"/etc",
            },
            ZipEntry {
                name: "link/passwd",
                mode: 0o100644,
                data: b"through the link",
            },
        ]),
    );
    assert_eq!(
        get(&t, "0x0.zip/link").kind,
        EntryKind::Symlink,
        "{:?}",
        names(&t)
    );
}

#[test]
fn hard_link_to_a_path_outside_is_kept_inside() {
    let t = run(
        "tar",
        tar(&[
            ("inside", b'0', "", b"in"),
            ("h1", b'1', "../../../../etc/passwd", b""),
            ("h2", b'1', "/etc/shadow", b""),
            ("h3", b'1', "inside", b""),
        ]),
    );
    assert!(
        t.errors
            .iter()
            .any(|e| e.format == "path" && e.error.contains("outside the layer")),
        "{:?}",
        t.errors
    );
    // the legitimate link still resolves to its content
    let h3 = get(&t, "0x0.tar/h3");
    assert_eq!(t.content(h3), b"in");
    // the escaping ones resolve to nothing (no such entry inside the layer) or inside
    for h in ["0x0.tar/h1", "0x0.tar/h2"] {
        if let Some(e) = t.get(h) {
            assert!(t.content(e).is_empty(), "{h}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Bombs
// ---------------------------------------------------------------------------------------

/// zstd frames may hold RLE blocks (one byte repeated up to 128 KiB): 4 GiB of zeros is a
/// 128 KiB file, written here without an encoder.
fn zstd_rle_bomb(total: u64) -> Vec<u8> {
    let mut v = vec![0x28, 0xb5, 0x2f, 0xfd];
    v.push(0x00); // frame header descriptor: no content size, no checksum, window descriptor
    v.push(0x58); // window descriptor: 8 MiB window
    let block = 128u64 << 10;
    let n = total / block;
    for i in 0..n {
        let last = u32::from(i + 1 == n);
        let hdr = last | (1 << 1) | ((block as u32) << 3); // RLE block
        v.extend(&hdr.to_le_bytes()[..3]);
        v.push(0);
    }
    v
}

#[test]
fn zstd_rle_bomb_of_4_gib_is_cut() {
    let data = zstd_rle_bomb(4 << 30);
    let limits = Limits::default();
    let cap = (limits.max_ratio * data.len() as u64)
        .max(limits.ratio_floor)
        .min(limits.max_bytes);
    let t = run("zstd bomb", data);
    assert_eq!(t.layers.len(), 1, "{:?}", t.layers);
    assert_eq!(t.layers[0].format, "zstd");
    assert!(t.total_bytes() <= cap, "{} > {cap}", t.total_bytes());
    assert!(
        t.limits_hit.iter().any(|l| l.limit == "max-ratio"),
        "{:?}",
        t.limits_hit
    );
}

/// One deflated local file of 16 MiB of zeros; 2000 central-directory entries all point at
/// it (the overlapping-entries construction), claiming 32 GiB in total.
fn zip_overlap_bomb() -> Vec<u8> {
    let body = vec![0u8; 16 << 20];
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(&body).unwrap();
    let comp = e.finish().unwrap();
    let crc = crc32fast::hash(&body);
    let mut v = Vec::new();
    v.extend(0x0403_4b50u32.to_le_bytes());
    v.extend(20u16.to_le_bytes());
    v.extend(0u16.to_le_bytes());
    v.extend(8u16.to_le_bytes());
    v.extend([0u8; 4]);
    v.extend(crc.to_le_bytes());
    v.extend((comp.len() as u32).to_le_bytes());
    v.extend((body.len() as u32).to_le_bytes());
    v.extend(4u16.to_le_bytes());
    v.extend(0u16.to_le_bytes());
    v.extend(b"zero");
    v.extend(&comp);
    let mut cd = Vec::new();
    let n = 2000;
    for i in 0..n {
        cd.extend(central(
            &format!("f{i:04}"),
            8,
            crc,
            comp.len() as u32,
            body.len() as u32,
            0o100644,
            0,
        ));
    }
    finish_zip(v, cd, n)
}

#[test]
fn zip_bomb_with_overlapping_entries() {
    let data = zip_overlap_bomb();
    let input = data.len() as u64;
    let t = run("zip bomb", data);
    let limits = Limits::default();
    let cap = (limits.max_ratio * input).max(limits.ratio_floor);
    assert!(t.total_bytes() <= cap, "{} > {cap}", t.total_bytes());
    // either overlap is refused (error) or the byte limit cut it
    assert!(
        !t.limits_hit.is_empty() || !t.errors.is_empty(),
        "no limit or error recorded; {} files",
        t.file_count()
    );
    println!(
        "zip overlap bomb: {} files, {} MiB, limits {:?}, {} errors",
        t.file_count(),
        t.total_bytes() >> 20,
        t.limits_hit,
        t.errors.len()
    );
}

fn nested_mixed() -> Vec<u8> {
    let mut data = b"innermost payload\n".repeat(10);
    for i in 0..64 {
        data = match i % 3 {
            0 => gzip(&data),
            1 => bzip2(&data),
            _ => zlib(&data),
        };
    }
    data
}

#[test]
fn sixty_four_nested_mixed_compression_layers() {
    let data = nested_mixed();
    let limits = Limits::default();
    let depth = limits.max_depth as usize;
    let t = run("nested", data);
    assert_eq!(t.layers.len(), depth, "{:?}", t.layers);
    assert!(
        t.limits_hit.iter().any(|l| l.limit == "max-depth"),
        "{:?}",
        t.limits_hit
    );
}

fn jffs2_huge() -> Vec<u8> {
    let mut j = Jffs2(Vec::new());
    j.node(0x2003, Vec::new());
    // a small real file, to be found whatever happens to the others
    j.dirent(1, 2, "shadow", 8);
    j.inode(
        2,
        0o100644,
        SHADOW.len() as u32,
        0,
        0,
        SHADOW,
        SHADOW.len() as u32,
    );
    // 200 files each claiming 200 MiB (isize) with one zero node far out
    for ino in 10..210u32 {
        j.dirent(1, ino, &format!("big{ino}"), 8);
        j.inode(ino, 0o100644, 200 << 20, (200 << 20) - 4096, 1, &[], 4096);
    }
    // a file at offset u32::MAX - 1 claiming 4 GiB, a node claiming 4 GiB of zero data
    j.dirent(1, 300, "edge", 8);
    j.inode(300, 0o100644, u32::MAX, u32::MAX - 1, 1, &[], u32::MAX);
    // a dirent storm: 20000 names for one inode
    for k in 0..20_000u32 {
        j.dirent(1, 2, &format!("alias{k}"), 8);
    }
    j.0
}

#[test]
fn jffs2_tables_claiming_huge_sizes() {
    let t = run("jffs2 huge", jffs2_huge());
    assert_eq!(&get(&t, "0x0.jffs2/shadow").data[..], SHADOW);
    let limits = Limits::default();
    assert!(t.total_bytes() <= limits.ratio_floor, "{}", t.total_bytes());
    assert!(!t.limits_hit.is_empty(), "{:?}", t.limits_hit);
    assert!(t.get("0x0.jffs2/edge").is_none());
}

// ---------------------------------------------------------------------------------------
// ext directory cycles (a real ext2 image with a directory entry patched to point at an
// ancestor directory)
// ---------------------------------------------------------------------------------------

fn unxz(rel: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let p = netvet_model::corpus::path(rel)?;
    let f = std::fs::File::open(p).expect("corpus file");
    let mut out = Vec::new();
    lzma_rust2::XzReader::new(std::io::BufReader::new(f), true)
        .read_to_end(&mut out)
        .expect("xz");
    Some(out)
}

/// Offsets of directory entries (ext2 `ext2_dir_entry_2`) named `name` with type `dtype`.
fn dirents(img: &[u8], name: &[u8], dtype: u8) -> Vec<usize> {
    let mut v = Vec::new();
    let mut i = 8;
    while let Some(p) = memchr::memmem::find(&img[i..], name) {
        let at = i + p;
        if at >= 8 && img[at - 2] as usize == name.len() && img[at - 1] == dtype {
            v.push(at - 8);
        }
        i = at + 1;
    }
    v
}

const FACT: &str = "images/fact_extractor/fact_extractor/plugins/unpacking";

#[test]
fn ext_directory_cycles() {
    for name in ["ext2", "ext3", "ext4"] {
        let Some(mut img) = unxz(&format!("{FACT}/sevenz/test/data/{name}.img.xz")) else {
            return;
        };
        // journals keep copies of directory blocks: patch every copy
        let parent = dirents(&img, b"get_files_test", 2);
        let child = dirents(&img, b"generic folder", 2);
        let lf = dirents(&img, b"lost+found", 2);
        assert!(
            !parent.is_empty() && !child.is_empty() && !lf.is_empty(),
            "{name}"
        );
        let pino = u32::from_le_bytes(img[parent[0]..parent[0] + 4].try_into().unwrap());
        // get_files_test/generic folder -> get_files_test (a cycle through the parent)
        for c in child {
            img[c..c + 4].copy_from_slice(&pino.to_le_bytes());
        }
        // and lost+found -> the root directory (a cycle through the root)
        for l in lf {
            img[l..l + 4].copy_from_slice(&2u32.to_le_bytes());
        }
        let t = run(name, img);
        assert!(
            t.entries.len() < 1000,
            "{name}: {} entries",
            t.entries.len()
        );
        // the intact file next to the cycle is still there
        let f = get(&t, "0x0.ext/get_files_test/testfile2");
        assert_eq!(&f.data[..], b"This is the second test file", "{name}");
        assert!(
            !t.errors.is_empty() || !t.limits_hit.is_empty(),
            "{name}: cycle not reported"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Truncation at every 1 KiB boundary
// ---------------------------------------------------------------------------------------

/// Every prefix of `data` cut at a 1 KiB boundary: no panic, bounded, nothing escapes.
fn truncations(name: &str, data: &[u8]) -> usize {
    let mut n = 0;
    let mut cut = 1024;
    while cut < data.len() {
        let limits = Limits {
            max_depth: 4,
            ..Limits::default()
        };
        let t0 = Instant::now();
        let t = Unpacker::new(limits).unpack_bytes(Bytes::copy_from_slice(&data[..cut]));
        let took = t0.elapsed();
        assert!(
            took < Duration::from_secs(30),
            "{name} cut at {cut}: {took:?}"
        );
        assert_inside(name, &t);
        for e in &t.errors {
            assert!(
                !e.error.contains("internal error"),
                "{name} at {cut}: {e:?}"
            );
        }
        n += 1;
        cut += 1024;
    }
    check_rss(name);
    n
}

fn built_fixtures() -> Vec<(&'static str, Vec<u8>)> {
    let big: Vec<u8> = (0..40_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    let mut j = Jffs2(Vec::new());
    j.node(0x2003, Vec::new());
    for ino in 2..40u32 {
        j.dirent(1, ino, &format!("f{ino}"), 8);
        j.inode(ino, 0o100644, 200, 0, 0, &[ino as u8; 200], 200);
    }
    vec![
        (
            "tar",
            tar(&[
                ("etc/shadow", b'0', "", SHADOW),
                ("big", b'0', "", &big),
                ("etc/passwd", b'0', "", b"root:x:0:0::/root:/bin/sh\n"),
            ]),
        ),
        (
            "cpio",
            cpio(&[("etc/shadow", 0o100644, SHADOW), ("big", 0o100644, &big)]),
        ),
        (
            "zip",
            zip(&[
                ZipEntry {
                    name: "etc/shadow",
                    mode: 0o100644,
                    data: SHADOW,
                },
                ZipEntry {
                    name: "big",
                    mode: 0o100644,
                    data: &big,
                },
            ]),
        ),
        ("ar", ar(&[("shadow", SHADOW), ("big", &big)])),
        ("gzip", gzip(&big)),
        ("bzip2", bzip2(&big)),
        ("zlib", zlib(&big)),
        ("jffs2", j.0),
        ("tar.gz", gzip(&tar(&[("big", b'0', "", &big)]))),
    ]
}

#[test]
fn built_fixtures_truncated_at_every_kib() {
    let mut total = 0;
    for (name, data) in built_fixtures() {
        total += truncations(name, &data);
    }
    assert!(total > 500, "{total}");
}

#[test]
fn corpus_format_files_truncated_at_every_kib() {
    let Some(dir) = netvet_model::corpus::path("formats") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().is_some_and(|n| n != "SHA256SUMS"))
        .collect();
    files.sort();
    let mut total = 0;
    for p in files {
        let data = std::fs::read(&p).unwrap();
        total += truncations(&p.display().to_string(), &data);
    }
    assert!(total > 4000, "{total}");
}

#[test]
fn corpus_images_of_each_format_truncated_at_every_kib() {
    let rels = [
        format!("{FACT}/sevenz/test/data/test.iso"),
        format!("{FACT}/android_simg/test/data/simg.img"),
        format!("{FACT}/trx/test/data/trx.img"),
        format!("{FACT}/uboot/test/data/uboot.image_with_header"),
        format!("{FACT}/ubi/test/data/test.ubifs"),
        format!("{FACT}/ubi/test/data/ubi.img"),
        "images/unblob-early/tests/integration/filesystem/fat/fat12/__input__/cherry.fat12"
            .to_string(),
        "images/binwalk-v2/dirtraversal.tar".to_string(),
        "images/floppinux/rootfs.cpio.xz".to_string(),
    ];
    let mut total = 0;
    for rel in &rels {
        let Some(p) = netvet_model::corpus::path(rel) else {
            return;
        };
        let data = std::fs::read(&p).unwrap();
        // at most 512 cuts per file: the first 256 KiB at every boundary, then spread out
        let data = &data[..data.len().min(512 << 10)];
        total += truncations(rel, data);
    }
    assert!(total > 200, "{total}");
}

// ---------------------------------------------------------------------------------------
// Findings from the intact part survive
// ---------------------------------------------------------------------------------------

fn shadow_then_garbage() -> Vec<u8> {
    let mut data = tar(&[("etc/shadow", b'0', "", SHADOW)]);
    data.truncate(1024); // drop the end-of-archive blocks
    data.extend(tar_member("etc/passwd", b'0', "", &[b'x'; 3000])[..700].iter());
    data.extend((0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    data
}

#[test]
fn intact_shadow_before_garbage_is_still_extracted() {
    let t = run("tar+garbage", shadow_then_garbage());
    assert_eq!(&get(&t, "0x0.tar/etc/shadow").data[..], SHADOW);
}

/// `NETVET_HOSTILE_OUT=DIR cargo test -p netvet-unpack --test hostile write_fixtures`: write
/// the bomb and traversal fixtures to DIR for bench/hostile.sh (does nothing otherwise).
#[test]
fn write_fixtures() {
    let Some(dir) = std::env::var_os("NETVET_HOSTILE_OUT") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..4096 {
        gz.write_all(&zeros).unwrap();
    }
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("gzip-4gib-zeros.gz", gz.finish().unwrap()),
        ("zstd-4gib-rle.zst", zstd_rle_bomb(4 << 30)),
        ("zstd-384gib-rle-12mib.zst", large_bomb("zstd-rle")),
        ("gzip-single-stream-12mib.gz", large_bomb("gzip-single")),
        ("gzip-members-12mib.gz", large_bomb("gzip-members")),
        ("lz4-legacy-12mib.lz4", large_bomb("lz4-legacy")),
        ("xz-streams-12mib.xz", large_bomb("xz-streams")),
        ("bzip2-streams-12mib.bz2", large_bomb("bzip2-streams")),
        ("zip-overlap-bomb.zip", zip_overlap_bomb()),
        ("nested-64-mixed.gz", nested_mixed()),
        ("jffs2-huge-sizes.jffs2", jffs2_huge()),
        ("tar-shadow-garbage.tar", shadow_then_garbage()),
        (
            "tar-traversal.tar",
            tar(&[
                ("../../../../evil", b'0', "", b"dotdot"),
                ("/etc/abs", b'0', "", b"absolute"),
                ("link", b'2', "/tmp", b""),
                ("link/through", b'0', "", b"through"),
                ("hard", b'1', "../../../etc/passwd", b""),
            ]),
        ),
    ];
    for (name, data) in files {
        std::fs::write(dir.join(name), data).unwrap();
    }
}

/// Found by the corpus sweep (FACT_core's container/test.zip): a writer that puts the host
/// system in the high byte of "version needed" (0x0314) made the whole zip unrecognised.
#[test]
fn zip_with_host_byte_in_version_needed() {
    let mut z = zip(&[ZipEntry {
        name: "etc/shadow",
        mode: 0o100644,
        data: SHADOW,
    }]);
    z[4..6].copy_from_slice(&0x0314u16.to_le_bytes());
    let t = run("zip 0x0314", z);
    assert_eq!(&get(&t, "0x0.zip/etc/shadow").data[..], SHADOW);
}

// ---------------------------------------------------------------------------------------
// Peak RSS of large compression bombs, each measured in its own process
// ---------------------------------------------------------------------------------------

/// Deflate bits, least significant first; Huffman codes most significant first.
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl Bits {
    fn put(&mut self, v: u32, len: u32) {
        self.acc |= u64::from(v) << self.n;
        self.n += len;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    fn code(&mut self, c: u32, len: u32) {
        self.put(c.reverse_bits() >> (32 - len), len);
    }
    /// Fixed-Huffman "copy 258 bytes from distance 1" (13 bits).
    fn copy258(&mut self) {
        self.code(0b1100_0101, 8); // length symbol 285
        self.code(0, 5); // distance code 0
    }
}

/// One gzip member of `size` bytes: a fixed-Huffman block with a literal zero followed by
/// nothing but 258-byte copies (158 output bytes per input byte), never ending: one stream
/// that decodes to far more than the ratio cap.
fn gzip_single_stream_bomb(size: usize) -> Vec<u8> {
    let mut b = Bits {
        out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3],
        acc: 0,
        n: 0,
    };
    b.put(0, 1); // not the final block
    b.put(1, 2); // fixed Huffman codes
    b.code(0b0011_0000, 8); // literal 0
    b.copy258(); // 3 + 8 + 13 bits: byte aligned again
    assert_eq!(b.n, 0);
    let mut p = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    for _ in 0..8 {
        p.copy258();
    }
    assert_eq!((p.out.len(), p.n), (13, 0));
    let mut v = b.out;
    while v.len() < size {
        v.extend_from_slice(&p.out);
    }
    v
}

/// A legacy LZ4 stream of 8 MiB blocks of zeros (255 output bytes per input byte).
fn lz4_legacy_bomb(size: usize) -> Vec<u8> {
    let block = lz4_flex::block::compress(&vec![0u8; 8 << 20]);
    let mut v = vec![0x02, 0x21, 0x4c, 0x18];
    while v.len() < size {
        v.extend((block.len() as u32).to_le_bytes());
        v.extend(&block);
    }
    v
}

/// `one` repeated up to `size` bytes: many streams, each a separate chunk.
fn repeated(one: &[u8], size: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(size + one.len());
    while v.len() < size {
        v.extend_from_slice(one);
    }
    v
}

/// The bombs of `compression_bombs_peak_rss_stays_under_1_gib`: 12 MiB inputs (the ratio cap
/// is then 1.2 GB) that decode to more than the cap.
fn large_bomb(kind: &str) -> Vec<u8> {
    const SIZE: usize = 12 << 20;
    let zeros = |n: usize| vec![0u8; n];
    match kind {
        "zstd-rle" => zstd_rle_bomb(384 << 30),
        "gzip-single" => gzip_single_stream_bomb(SIZE),
        "gzip-members" => repeated(&gzip(&zeros(16 << 20)), SIZE),
        "xz-streams" => {
            let mut w =
                lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::with_preset(6))
                    .unwrap();
            w.write_all(&zeros(16 << 20)).unwrap();
            repeated(&w.finish().unwrap(), SIZE)
        }
        "bzip2-streams" => repeated(&bzip2(&zeros(16 << 20)), SIZE),
        "lz4-legacy" => lz4_legacy_bomb(SIZE),
        "lz4-frames" => {
            let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
            e.write_all(&zeros(64 << 20)).unwrap();
            repeated(&e.finish().unwrap(), SIZE)
        }
        _ => panic!("unknown bomb {kind}"),
    }
}

/// Child half of `compression_bombs_peak_rss_stays_under_1_gib` (does nothing unless
/// `NETVET_BOMB_CHILD` names a bomb): unpack it with default limits and print
/// `bomb-result KIND VMHWM_KIB TOTAL_BYTES LIMITS`.
#[test]
fn bomb_rss_child() {
    let Ok(kind) = std::env::var("NETVET_BOMB_CHILD") else {
        return;
    };
    let data = large_bomb(&kind);
    let input_len = data.len() as u64;
    let spill = tempfile::tempdir().unwrap();
    let mut u = Unpacker::new(Limits::default());
    u.set_spill_parent(spill.path());
    let before = vm_hwm_kib().unwrap_or(0);
    let t0 = Instant::now();
    let tree = u.unpack_bytes(Bytes::from(data));
    let took = t0.elapsed();
    let hwm = vm_hwm_kib().unwrap_or(0);
    assert_inside(&kind, &tree);
    // the content is intact: every byte of every file is zero
    let zero = vec![0u8; 1 << 20];
    for e in tree.files() {
        assert!(
            e.data.chunks(1 << 20).all(|c| c == &zero[..c.len()]),
            "{kind}: {} holds a non-zero byte",
            e.path
        );
    }
    let mut limits: Vec<&str> = tree.limits_hit.iter().map(|l| l.limit.as_str()).collect();
    limits.sort();
    limits.dedup();
    println!(
        "bomb-result {kind} {hwm} {} {} {input_len} {before} {}",
        tree.total_bytes(),
        limits.join(","),
        took.as_millis()
    );
}

/// Large compression bombs (12 MiB inputs, so a 1.2 GB ratio cap) of each stream format: a
/// single stream that decodes past the cap (zstd RLE blocks, a gzip member of 258-byte
/// copies, a legacy LZ4 stream) and thousands of small streams (gzip members, xz and bzip2
/// streams, LZ4 frames). Each runs in a child process (this test binary, `bomb_rss_child`)
/// so that its own peak RSS (`VmHWM`) is measured: under 1 GiB, output cut at the ratio cap
/// with `max-ratio` recorded, at least 90 % of the cap extracted, content intact.
#[test]
fn compression_bombs_peak_rss_stays_under_1_gib() {
    let exe = std::env::current_exe().unwrap();
    let mut rows = Vec::new();
    for kind in [
        "zstd-rle",
        "gzip-single",
        "lz4-legacy",
        "gzip-members",
        "xz-streams",
        "bzip2-streams",
        "lz4-frames",
    ] {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "bomb_rss_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("NETVET_BOMB_CHILD", kind)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{kind}: child failed\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|l| l.split_once("bomb-result ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("{kind}: no result line\n{stdout}"));
        let f: Vec<&str> = line.split(' ').collect();
        let hwm: u64 = f[1].parse().unwrap();
        let total: u64 = f[2].parse().unwrap();
        let input: u64 = f[4].parse().unwrap();
        let ms: u64 = f[6].parse().unwrap();
        let cap = 100 * input;
        eprintln!(
            "{kind}: peak RSS {} MiB, {total} bytes out, {ms} ms",
            hwm >> 10
        );
        rows.push((kind, hwm, total, f[3].to_string(), ms));
        assert!(hwm < RSS_CAP_KIB, "{kind}: peak RSS {hwm} KiB");
        assert!(total <= cap, "{kind}: {total} > {cap}");
        assert!(
            total >= cap / 10 * 9,
            "{kind}: only {total} of {cap} extracted"
        );
        assert!(f[3].split(',').any(|l| l == "max-ratio"), "{kind}: {line}");
        assert!(ms < BOUND.as_millis() as u64, "{kind}: took {ms} ms");
    }
}
