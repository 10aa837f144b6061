//! VxWorks (Wind River) images: version strings, the kernel ("WIND") version, and the symbol
//! table that many router and switch images link in (for the target shell), from which the
//! load address and the names of functions and variables are recovered.
//!
//! ```text
//! 00006864  56 78 57 6f 72 6b 73 00  35 2e 35 2e 31 00 00 00  |VxWorks.5.5.1...|
//! 00006874  56 78 57 6f 72 6b 73 35  2e 35 2e 31 00 00 00 00  |VxWorks5.5.1....|
//! struct SYMBOL_5 {              // VxWorks 5.x symLib, 16 bytes, target byte order
//!     u32 next;                  // hash chain (SL_NODE)
//!     u32 name;                  // char *: address of the NUL-terminated name
//!     u32 value;                 // address of the function or variable
//!     u16 group;
//!     u8  type;                  // N_EXT 0x01 | N_ABS 0x02, N_TEXT 0x04, N_DATA 0x06,
//!                                // N_BSS 0x08, N_COMM 0x12; PowerPC SDA 0x40, SDA2 0x80
//!     u8  pad;
//! };
//! struct SYMBOL_6 {              // VxWorks 6.x, 20 bytes
//!     u32 next; u32 name; u32 value;
//!     u32 symRef;                // module id
//!     u16 group;
//!     u8  type;                  // SYM_GLOBAL 0x01 | SYM_ABS 0x02, SYM_TEXT 0x04,
//!                                // SYM_DATA 0x08, SYM_BSS 0x10, SYM_COMM 0x20
//!     u8  pad;
//! };
//! ```
//! (dump: a TP-Link VxWorks 5.5.1 image, fact_extractor's `tpl/test/data/wr.fw`; layouts as
//! read by Binary Ninja's VxWorks view and vxhunter)
//!
//! The symbol table is found as the longest run of consecutive entries of one layout and byte
//! order whose types are valid symbol types; the load address is then the one base at which
//! a sample of the entries' name pointers all land on NUL-terminated identifiers that start
//! right after a NUL (the string table). Written by hand: a scan of fixed-size records and an
//! arithmetic search; no crate reads VxWorks images.

use crate::bytes::u32_at;
use crate::formats::rtos::*;
use crate::handler::{Category, FormatDoc};

pub static DOC: FormatDoc = FormatDoc {
    name: "vxworks",
    category: Category::Firmware,
    description: "VxWorks 5.x/6.x/7 monolithic image: version and kernel version strings, the \
        symbol table (5.x 16-byte and 6.x 20-byte entries, either byte order), the load \
        address solved from the symbol names' pointers; symbols written to symbols.txt; a \
        linked-in ROMFS located by its romfsImage/romfsImageEnd symbols.",
    references: &[
        "Wind River, VxWorks 5.5 symLib.h / VxWorks 6 symbolP.h (SYMBOL)",
        "Wind River, usrRomfs.c (romfsImage, romfsImageEnd) and romfs.h (RF_MAGIC 'RFS1', rfnode_t)",
        "PAGalaxyLab/vxhunter (symbol table and load address recovery)",
        "Vector35/binaryninja-api view/vxworks (symbol entry layouts and types)",
    ],
    limitations: "Images without a linked-in symbol table get a basefind guess (string \
        references) for a load address, reported only when one base stands out. Compressed \
        VxWorks images (deflate bootroms) are recognised only after another handler has \
        decompressed them. A ROMFS of Wind River's own layout ('RFS1') is located and \
        reported as not opened, not listed (where its root node sits is not public).",
};

pub struct VxWorks;

/// Fewest consecutive entries taken as a symbol table.
const MIN_SYMBOLS: usize = 32;
/// Candidate runs tried for a load address.
const MAX_RUNS: usize = 8;
/// Name pointers checked for each candidate base.
const SAMPLE: usize = 64;
const MAX_NAME: usize = 256;

#[derive(Clone, Copy)]
struct Layout {
    name: &'static str,
    size: usize,
    type_at: usize,
    be: bool,
    v6: bool,
}

const LAYOUTS: [Layout; 4] = [
    Layout {
        name: "vxworks-5",
        size: 16,
        type_at: 14,
        be: true,
        v6: false,
    },
    Layout {
        name: "vxworks-5",
        size: 16,
        type_at: 14,
        be: false,
        v6: false,
    },
    Layout {
        name: "vxworks-6",
        size: 20,
        type_at: 18,
        be: true,
        v6: true,
    },
    Layout {
        name: "vxworks-6",
        size: 20,
        type_at: 18,
        be: false,
        v6: true,
    },
];

fn valid_type(t: u8, v6: bool) -> bool {
    if v6 {
        matches!(t & 0xfe, 0 | 2 | 4 | 8 | 0x10 | 0x20 | 0x40)
    } else {
        matches!(t & 0xfe, 0 | 2 | 4 | 6 | 8 | 0x12 | 0x40 | 0x80)
    }
}

fn type_name(t: u8, v6: bool) -> String {
    let base = match (t & 0xfe, v6) {
        (0, _) => "undef",
        (2, _) => "abs",
        (4, _) => "text",
        (6, false) | (8, true) => "data",
        (8, false) | (0x10, true) => "bss",
        (0x12, false) | (0x20, true) => "comm",
        (0x40, false) => "sda",
        (0x80, false) => "sda2",
        _ => "other",
    };
    if t & 1 != 0 {
        format!("global-{base}")
    } else {
        base.to_string()
    }
}

fn entry_ok(d: &[u8], at: usize, l: &Layout) -> bool {
    at + l.size <= d.len()
        && u32_at(d, at + 4, l.be).is_some_and(|p| p != 0)
        && valid_type(d[at + l.type_at], l.v6)
        && d[at + l.type_at + 1] == 0
}

/// Runs of at least [`MIN_SYMBOLS`] valid entries: (layout index, offset, count), longest first.
fn runs(d: &[u8]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (li, l) in LAYOUTS.iter().enumerate() {
        for phase in (0..l.size).step_by(4) {
            let mut at = phase;
            let mut start = at;
            let mut n = 0usize;
            while at + l.size <= d.len() {
                if entry_ok(d, at, l) {
                    if n == 0 {
                        start = at;
                    }
                    n += 1;
                } else {
                    if n >= MIN_SYMBOLS {
                        out.push((li, start, n));
                    }
                    n = 0;
                }
                at += l.size;
            }
            if n >= MIN_SYMBOLS {
                out.push((li, start, n));
            }
        }
    }
    out.sort_by(|a, b| b.2.cmp(&a.2).then(a.1.cmp(&b.1)));
    out.truncate(MAX_RUNS);
    out
}

fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.' | b'@' | b'?')
}

/// A symbol name at `off`: starts after a NUL (or at 0), identifier characters, NUL-terminated.
fn name_at(d: &[u8], off: usize) -> Option<&[u8]> {
    if off >= d.len() || (off > 0 && d[off - 1] != 0) || !ident(d[off]) {
        return None;
    }
    let rest = &d[off..d.len().min(off + MAX_NAME)];
    let end = memchr::memchr(0, rest)?;
    rest[..end]
        .iter()
        .all(|&b| ident(b) || b == b':' || b == b'<' || b == b'>')
        .then_some(&rest[..end])
}

/// The base at which the name pointers `ptrs` land on the names of a string table in `d`.
fn solve_base(d: &[u8], ptrs: &[u32]) -> Option<u64> {
    let mut all: Vec<u32> = ptrs.to_vec();
    all.sort_unstable();
    all.dedup();
    // the most pointers that fit in one image-sized window: a run's first or last entry can
    // be bytes before or after the table that happen to look like an entry
    let (mut best, mut j) = ((0usize, 0usize), 0usize);
    for i in 0..all.len() {
        while u64::from(all[i]) - u64::from(all[j]) >= d.len() as u64 {
            j += 1;
        }
        if i + 1 - j > best.1 - best.0 {
            best = (j, i + 1);
        }
    }
    let sample = &all[best.0..best.1];
    if sample.len() < MIN_SYMBOLS / 2 {
        return None;
    }
    let step = (sample.len() / SAMPLE).max(1);
    let sample: Vec<u64> = sample.iter().step_by(step).map(|&p| u64::from(p)).collect();
    let lo = sample[0];
    let hi = *sample.last()?;
    if hi - lo >= d.len() as u64 {
        return None; // the names do not fit in the image under any one base
    }
    let allowed = sample.len() / 10;
    // candidate positions of the lowest name: every string start
    let starts = std::iter::once(0usize).chain(memchr::memchr_iter(0, d).map(|i| i + 1));
    for o in starts {
        if o as u64 > lo || (o as u64) + (hi - lo) >= d.len() as u64 {
            if o as u64 > lo {
                break;
            }
            continue;
        }
        if name_at(d, o).is_none() {
            continue;
        }
        let base = lo - o as u64;
        let mut bad = 0usize;
        for &p in &sample[1..] {
            if name_at(d, (p - base) as usize).is_none() {
                bad += 1;
                if bad > allowed {
                    break;
                }
            }
        }
        if bad <= allowed {
            return Some(base);
        }
    }
    None
}

/// The ROMFS linked into the image (`INCLUDE_ROMFS`): `usrRomfs.c` mounts the bytes from
/// `romfsImage` to `romfsImageEnd` on `/romfs`, so with the symbol table and the load
/// address both ends are known. Wind River's ROMFS is not the Linux romfs: its `romfs.h`
/// (derived from BSDI's) names the magic "RFS1" and 36-byte big-endian `rfnode_t` records
/// (size, mode, nlink, ctime, flags, uid, gid, rdev, space) each before its file, and
/// directories of `rfdir_t` entries; where the magic and the root node sit is not public, so
/// the bytes are located and reported, not listed. A Linux romfs (`-rom1fs-`) linked in the
/// same way is read by the romfs handler when the image is carved.
fn romfs(img: &RtosImage, d: &[u8]) -> Option<Payload> {
    let base = img.load_address?;
    let addr = |name: &str| {
        img.symbols
            .iter()
            .find(|s| s.name.strip_prefix('_').unwrap_or(&s.name) == name)
            .map(|s| s.address)
    };
    let (a, b) = (addr("romfsImage")?, addr("romfsImageEnd")?);
    let off = usize::try_from(a.checked_sub(base)?).ok()?;
    let end = usize::try_from(b.checked_sub(base)?).ok()?;
    if end <= off || end > d.len() {
        return None;
    }
    let body = &d[off..end];
    let head = &body[..body.len().min(64)];
    let (format, opened) = if body.starts_with(b"-rom1fs-") {
        ("Linux romfs ('-rom1fs-')".to_string(), true)
    } else if memchr::memmem::find(head, b"RFS1").is_some() {
        (
            "Wind River ROMFS ('RFS1', BSDI romfs layout)".to_string(),
            false,
        )
    } else {
        ("no known magic in its first 64 bytes".to_string(), false)
    };
    Some(Payload {
        name: "romfs",
        offset: off,
        size: end - off,
        address: a,
        format,
        opened,
    })
}

fn kernel_version(d: &[u8]) -> Option<(usize, String)> {
    version_after(d, &[b"WIND version "], 1)
}

/// The VxWorks release: "VxWorks5.5.1", "VxWorks 6.8", "VxWorks\05.5.1", "VxWorks 7".
fn release(d: &[u8]) -> Option<(usize, String)> {
    if let Some(v) = version_after(d, &[b"VxWorks"], 2) {
        return Some(v);
    }
    for at in find_all(d, b"VxWorks 7", 64) {
        match d.get(at + 9) {
            Some(b) if b.is_ascii_digit() || *b == b'.' => continue,
            _ => return Some((at, "7".to_string())),
        }
    }
    None
}

impl Rtos for VxWorks {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn markers(&self) -> &'static [&'static [u8]] {
        &[b"VxWorks", b"WIND version", b"Wind River Systems"]
    }

    fn recognise(&self, d: &[u8]) -> Option<RtosImage> {
        let rel = release(d);
        let kern = kernel_version(d);
        let mut img = RtosImage {
            os: "VxWorks",
            version: rel.as_ref().map(|r| r.1.clone()),
            kernel: kern.as_ref().map(|k| format!("WIND version {}", k.1)),
            evidence: evidence(d, &[b"VxWorks", b"WIND version", b"Wind River Systems"]),
            ..RtosImage::default()
        };
        for (li, start, n) in runs(d) {
            let l = LAYOUTS[li];
            // every entry of a run lies inside `d` (`runs` checked each one)
            let ptrs: Option<Vec<u32>> = (0..n)
                .map(|i| u32_at(d, start + i * l.size + 4, l.be))
                .collect();
            let Some(base) = ptrs.and_then(|p| solve_base(d, &p)) else {
                continue;
            };
            // entries at the ends of the run whose names do not resolve are not the table's
            let resolves = |i: usize| {
                u32_at(d, start + i * l.size + 4, l.be)
                    .and_then(|p| u64::from(p).checked_sub(base))
                    .and_then(|o| usize::try_from(o).ok())
                    .and_then(|o| name_at(d, o))
                    .is_some()
            };
            let first = (0..n).find(|&i| resolves(i)).unwrap_or(0);
            let last = (0..n).rev().find(|&i| resolves(i)).unwrap_or(0);
            let (start, n) = (start + first * l.size, last + 1 - first.min(last + 1));
            img.byte_order = Some(if l.be { "big" } else { "little" });
            img.load_address = Some(base);
            img.load_address_method = Some(format!(
                "symbol table at {start:#x}: name pointers land on the string table"
            ));
            img.symbol_table = Some(SymbolTable {
                offset: start,
                entries: n,
                entry_size: l.size,
                layout: l.name,
            });
            for i in 0..n {
                let at = start + i * l.size;
                // both words lie inside the run (`entry_ok` checked the whole entry)
                let (Some(p), Some(address)) = (u32_at(d, at + 4, l.be), u32_at(d, at + 8, l.be))
                else {
                    continue;
                };
                let name = u64::from(p)
                    .checked_sub(base)
                    .and_then(|o| usize::try_from(o).ok())
                    .and_then(|o| name_at(d, o));
                let Some(name) = name else { continue };
                img.symbols.push(Symbol {
                    name: String::from_utf8_lossy(name).into_owned(),
                    address: u64::from(address),
                    kind: type_name(d[at + l.type_at], l.v6),
                });
            }
            break;
        }
        if let Some(p) = romfs(&img, d) {
            img.payloads.push(p);
        }
        // a string alone is not an image: a version string, the kernel banner or a table
        if rel.is_none() && kern.is_none() && img.symbol_table.is_none() {
            return None;
        }
        if img.symbol_table.is_none() {
            img.notes.push(
                "no symbol table found (the image was built without one, or it is stripped)".into(),
            );
            guess_load_address(&mut img, d);
        }
        Some(img)
    }
}

/// A VxWorks 5.x-like image for tests and fuzz seeds: code with the version strings, a
/// string table and a symbol table of `names` (global text symbols at `load + 0x100 + 64 i`),
/// loaded at `load`, then `tail` (for example a MemFS). Big- or little-endian.
pub fn build_image(load: u32, names: &[&str], be: bool, v6: bool, tail: &[u8]) -> Vec<u8> {
    let syms: Vec<(&str, u32)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (*n, load + 0x100 + 64 * i as u32))
        .collect();
    build_image_with(load, &syms, be, v6, tail)
}

/// [`build_image`] with each symbol's value given: `(name, value)`. The image's length does
/// not depend on the values, so a caller can place a symbol on the tail by building twice.
pub fn build_image_with(
    load: u32,
    syms: &[(&str, u32)],
    be: bool,
    v6: bool,
    tail: &[u8],
) -> Vec<u8> {
    let w = |v: &mut Vec<u8>, x: u32| v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    let names: Vec<&str> = syms.iter().map(|s| s.0).collect();
    let mut d: Vec<u8> = Vec::new();
    // "code": a few thousand bytes that are neither strings nor a table
    for i in 0..1024u32 {
        w(&mut d, 0x2400_0000 | (i.wrapping_mul(2_654_435_761) >> 8));
    }
    d.extend(b"VxWorks\x005.5.1\x00\x00\x00VxWorks5.5.1\x00\x00\x00\x00Aug 24 2011, 18:58:12\x00");
    d.extend(b"WIND version 2.6\x00\x00\x00\x00");
    while !d.len().is_multiple_of(4) {
        d.push(0);
    }
    // string table
    let mut offs = Vec::new();
    for n in names {
        offs.push(d.len());
        d.extend(n.as_bytes());
        d.push(0);
    }
    while !d.len().is_multiple_of(16) {
        d.push(0);
    }
    for (i, off) in offs.iter().enumerate() {
        w(&mut d, 0); // next
        w(&mut d, load + *off as u32); // name
        w(&mut d, syms[i].1); // value
        if v6 {
            w(&mut d, 0); // symRef
        }
        d.extend([0, 0]); // group
        d.push(if i % 7 == 6 { 0x09 } else { 0x05 }); // global bss / global text
        d.push(0);
    }
    d.extend([0u8; 64]);
    d.extend(tail);
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        let mut v = vec!["sysInit".to_string(), "usrRoot".into(), "taskSpawn".into()];
        for i in 3..n {
            v.push(format!("httpHandler{i}"));
        }
        v
    }

    #[test]
    fn version_symbol_table_and_load_address() {
        let owned = names(120);
        let refs: Vec<&str> = owned.iter().map(|s| s.as_str()).collect();
        for (be, v6) in [(true, false), (false, false), (true, true), (false, true)] {
            let d = build_image(0x8001_0000, &refs, be, v6, &[]);
            let img = VxWorks.recognise(&d).expect("recognised");
            assert_eq!(img.version.as_deref(), Some("5.5.1"));
            assert_eq!(img.kernel.as_deref(), Some("WIND version 2.6"));
            assert_eq!(img.load_address, Some(0x8001_0000), "be {be} v6 {v6}");
            assert_eq!(img.byte_order, Some(if be { "big" } else { "little" }));
            let t = img.symbol_table.as_ref().unwrap();
            assert_eq!((t.entries, t.entry_size), (120, if v6 { 20 } else { 16 }));
            assert_eq!(img.symbols.len(), 120);
            let s = img.symbols.iter().find(|s| s.name == "taskSpawn").unwrap();
            assert_eq!(s.address, 0x8001_0000 + 0x100 + 128);
            assert_eq!(s.kind, "global-text");
        }
    }

    #[test]
    fn romfs_is_located_by_its_symbols() {
        let owned = names(80);
        let mut romfs = b"RFS1".to_vec();
        romfs.resize(3000, 0x41);
        let mut syms: Vec<(&str, u32)> = owned.iter().map(|s| (s.as_str(), 0x8000_2000)).collect();
        syms.push(("romfsImage", 0));
        syms.push(("romfsImageEnd", 0));
        let len = build_image_with(0x8001_0000, &syms, true, false, &romfs).len();
        let at = (len - romfs.len()) as u32;
        let n = syms.len();
        syms[n - 2].1 = 0x8001_0000 + at;
        syms[n - 1].1 = 0x8001_0000 + at + romfs.len() as u32;
        let d = build_image_with(0x8001_0000, &syms, true, false, &romfs);
        let img = VxWorks.recognise(&d).unwrap();
        assert_eq!(img.load_address, Some(0x8001_0000));
        let p = &img.payloads[0];
        assert_eq!((p.name, p.offset, p.size), ("romfs", at as usize, 3000));
        assert_eq!(p.address, 0x8001_0000 + u64::from(at));
        assert!(!p.opened);
        assert!(p.format.contains("RFS1"), "{}", p.format);
        assert!(img.info_json(d.len()).contains("\"romfs\""));
        // a Linux romfs linked in the same way is left to the romfs handler
        let mut linux = b"-rom1fs-".to_vec();
        linux.resize(3000, 0);
        let d = build_image_with(0x8001_0000, &syms, true, false, &linux);
        assert!(VxWorks.recognise(&d).unwrap().payloads[0].opened);
        // end before start, or past the image: no payload
        syms[n - 1].1 = syms[n - 2].1 - 4;
        let d = build_image_with(0x8001_0000, &syms, true, false, &romfs);
        assert!(VxWorks.recognise(&d).unwrap().payloads.is_empty());
    }

    #[test]
    fn strings_alone_without_a_version_are_not_an_image() {
        let mut d = vec![0x55u8; 8192];
        d[100..107].copy_from_slice(b"VxWorks");
        assert!(VxWorks.recognise(&d).is_none());
        d[107..113].copy_from_slice(b" 6.9.4");
        let img = VxWorks.recognise(&d).unwrap();
        assert_eq!(img.version.as_deref(), Some("6.9.4"));
        assert_eq!(img.load_address, None);
    }

    #[test]
    fn a_table_whose_names_do_not_resolve_gives_no_load_address() {
        let owned = names(64);
        let refs: Vec<&str> = owned.iter().map(|s| s.as_str()).collect();
        let mut d = build_image(0x1000, &refs, true, false, &[]);
        // wipe the string table: the pointers now land on nothing
        let at = memchr::memmem::find(&d, b"sysInit").unwrap();
        let end = memchr::memmem::find(&d[at..], b"httpHandler63").unwrap() + at + 13;
        for b in &mut d[at..end] {
            *b = 0x20;
        }
        let img = VxWorks.recognise(&d).unwrap();
        assert_eq!(img.load_address, None);
        assert!(img.symbols.is_empty());
    }
}
