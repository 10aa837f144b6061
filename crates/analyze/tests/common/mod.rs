//! Test fixtures built in code: a minimal dynamic ELF writer (no section headers, like an
//! `sstrip`ped firmware binary) and tree helpers.
#![allow(dead_code)]

use netvet_unpack::{Entry, EntryKind, Meta, Tree};

#[derive(Clone)]
pub struct ElfSpec {
    pub is64: bool,
    pub big_endian: bool,
    pub machine: u16,
    /// 2 = ET_EXEC, 3 = ET_DYN
    pub e_type: u16,
    pub interp: bool,
    /// None: no PT_GNU_STACK; Some(flags)
    pub gnu_stack: Option<u32>,
    pub relro: bool,
    pub bind_now: bool,
    pub flags_1: u64,
    pub imports: Vec<&'static str>,
    pub rpath: Option<&'static str>,
    pub runpath: Option<&'static str>,
    pub extra: Vec<u8>,
}

impl Default for ElfSpec {
    fn default() -> Self {
        ElfSpec {
            is64: false,
            big_endian: false,
            machine: 8, // EM_MIPS
            e_type: 2,
            interp: true,
            gnu_stack: None,
            relro: false,
            bind_now: false,
            flags_1: 0,
            imports: vec!["printf"],
            rpath: None,
            runpath: None,
            extra: Vec::new(),
        }
    }
}

struct W {
    b: Vec<u8>,
    be: bool,
}
impl W {
    fn u8(&mut self, v: u8) {
        self.b.push(v)
    }
    fn u16(&mut self, v: u16) {
        if self.be {
            self.b.extend(v.to_be_bytes())
        } else {
            self.b.extend(v.to_le_bytes())
        }
    }
    fn u32(&mut self, v: u32) {
        if self.be {
            self.b.extend(v.to_be_bytes())
        } else {
            self.b.extend(v.to_le_bytes())
        }
    }
    fn u64(&mut self, v: u64) {
        if self.be {
            self.b.extend(v.to_be_bytes())
        } else {
            self.b.extend(v.to_le_bytes())
        }
    }
    fn word(&mut self, is64: bool, v: u64) {
        if is64 {
            self.u64(v)
        } else {
            self.u32(v as u32)
        }
    }
}

pub const BASE: u64 = 0x10000;

/// Build a dynamic ELF file from the spec.
pub fn build_elf(s: &ElfSpec) -> Vec<u8> {
    let ehsize: u64 = if s.is64 { 64 } else { 52 };
    let phentsize: u64 = if s.is64 { 56 } else { 32 };
    let symsize: u64 = if s.is64 { 24 } else { 16 };
    let dynsize: u64 = if s.is64 { 16 } else { 8 };

    // strings
    let mut dynstr = vec![0u8];
    let mut name_off = Vec::new();
    for n in &s.imports {
        name_off.push(dynstr.len() as u32);
        dynstr.extend(n.as_bytes());
        dynstr.push(0);
    }
    let needed_off = dynstr.len() as u64;
    dynstr.extend(b"libc.so.0\0");
    let rpath_off = dynstr.len() as u64;
    if let Some(r) = s.rpath {
        dynstr.extend(r.as_bytes());
        dynstr.push(0);
    }
    let runpath_off = dynstr.len() as u64;
    if let Some(r) = s.runpath {
        dynstr.extend(r.as_bytes());
        dynstr.push(0);
    }
    let interp = b"/lib/ld-uClibc.so.0\0";

    let mut phdrs: Vec<(u32, u32)> = vec![(1, 5)]; // PT_LOAD r-x
    if s.interp {
        phdrs.push((3, 4));
    }
    phdrs.push((2, 6)); // PT_DYNAMIC
    if let Some(f) = s.gnu_stack {
        phdrs.push((0x6474e551, f));
    }
    if s.relro {
        phdrs.push((0x6474e552, 4));
    }
    let nsyms = s.imports.len() as u64 + 1;
    let mut dyns: Vec<(u64, u64)> = vec![(1, needed_off)];
    if s.rpath.is_some() {
        dyns.push((15, rpath_off));
    }
    if s.runpath.is_some() {
        dyns.push((29, runpath_off));
    }
    if s.bind_now {
        dyns.push((30, 8));
    }
    if s.flags_1 != 0 {
        dyns.push((0x6ffffffb, s.flags_1));
    }
    // placeholders for addresses filled below: HASH, STRTAB, SYMTAB, STRSZ, SYMENT, NULL
    let ndyn = dyns.len() as u64 + 6;

    let ph_off = ehsize;
    let interp_off = ph_off + phentsize * phdrs.len() as u64;
    let dynstr_off = interp_off + interp.len() as u64;
    let dynsym_off = (dynstr_off + dynstr.len() as u64 + 7) & !7;
    let hash_off = dynsym_off + symsize * nsyms;
    let hash_len = 4 * (2 + 1 + nsyms);
    let dyn_off = (hash_off + hash_len + 7) & !7;
    let end = dyn_off + dynsize * ndyn;
    dyns.push((4, BASE + hash_off));
    dyns.push((5, BASE + dynstr_off));
    dyns.push((6, BASE + dynsym_off));
    dyns.push((10, dynstr.len() as u64));
    dyns.push((11, symsize));
    dyns.push((0, 0));

    let mut w = W {
        b: Vec::new(),
        be: s.big_endian,
    };
    w.b.extend(b"\x7fELF");
    w.u8(if s.is64 { 2 } else { 1 });
    w.u8(if s.big_endian { 2 } else { 1 });
    w.u8(1);
    w.b.extend([0u8; 9]);
    w.u16(s.e_type);
    w.u16(s.machine);
    w.u32(1);
    w.word(s.is64, BASE + end); // entry
    w.word(s.is64, ph_off);
    w.word(s.is64, 0); // shoff
    w.u32(0);
    w.u16(ehsize as u16);
    w.u16(phentsize as u16);
    w.u16(phdrs.len() as u16);
    w.u16(if s.is64 { 64 } else { 40 });
    w.u16(0);
    w.u16(0);
    let total = end + s.extra.len() as u64;
    for (t, f) in &phdrs {
        let (off, size) = match *t {
            1 => (0, total),
            3 => (interp_off, interp.len() as u64),
            2 => (dyn_off, dynsize * ndyn),
            0x6474e552 => (dyn_off, dynsize * ndyn),
            _ => (0, 0),
        };
        w.u32(*t);
        if s.is64 {
            w.u32(*f);
            w.u64(off);
            w.u64(BASE + off);
            w.u64(BASE + off);
            w.u64(size);
            w.u64(size);
            w.u64(if *t == 1 { 0x1000 } else { 4 });
        } else {
            w.u32(off as u32);
            w.u32((BASE + off) as u32);
            w.u32((BASE + off) as u32);
            w.u32(size as u32);
            w.u32(size as u32);
            w.u32(*f);
            w.u32(if *t == 1 { 0x1000 } else { 4 });
        }
    }
    w.b.extend(interp);
    w.b.extend(&dynstr);
    while (w.b.len() as u64) < dynsym_off {
        w.b.push(0);
    }
    // null symbol + imports (undefined, global func)
    for i in 0..nsyms as usize {
        let name = if i == 0 { 0 } else { name_off[i - 1] };
        let info = if i == 0 { 0 } else { 0x12 };
        if s.is64 {
            w.u32(name);
            w.u8(info);
            w.u8(0);
            w.u16(0);
            w.u64(0);
            w.u64(0);
        } else {
            w.u32(name);
            w.u32(0);
            w.u32(0);
            w.u8(info);
            w.u8(0);
            w.u16(0);
        }
    }
    // SysV hash: nbucket 1, nchain nsyms
    w.u32(1);
    w.u32(nsyms as u32);
    w.u32(0);
    for _ in 0..nsyms {
        w.u32(0);
    }
    while (w.b.len() as u64) < dyn_off {
        w.b.push(0);
    }
    for (t, v) in &dyns {
        w.word(s.is64, *t);
        w.word(s.is64, *v);
    }
    w.b.extend(&s.extra);
    w.b
}

pub fn file(path: &str, mode: u32, data: &[u8]) -> Entry {
    Entry {
        path: path.into(),
        kind: EntryKind::File,
        meta: Meta::mode(mode),
        size: data.len() as u64,
        data: bytes::Bytes::from(data.to_vec()),
        link_target: None,
        layer: None,
        root_len: 0,
    }
}

pub fn dir(path: &str, mode: u32) -> Entry {
    Entry {
        path: path.into(),
        kind: EntryKind::Dir,
        meta: Meta::mode(mode),
        size: 0,
        data: bytes::Bytes::new(),
        link_target: None,
        layer: None,
        root_len: 0,
    }
}

pub fn symlink(path: &str, target: &str) -> Entry {
    Entry {
        path: path.into(),
        kind: EntryKind::Symlink,
        meta: Meta::mode(0o777),
        size: 0,
        data: bytes::Bytes::new(),
        link_target: Some(target.into()),
        layer: None,
        root_len: 0,
    }
}

pub fn tree(entries: Vec<Entry>) -> Tree {
    Tree::from_parts(entries, Vec::new(), Vec::new(), Vec::new())
}

/// Run one analyzer over a tree with the embedded rules.
pub fn run(a: &dyn netvet_analyze::Analyzer, t: &Tree) -> netvet_analyze::Output {
    let rules = netvet_rules::RuleSet::embedded();
    let options = netvet_analyze::Options::default();
    let cx = netvet_analyze::Context {
        tree: t,
        rules: &rules,
        options: &options,
    };
    a.run(&cx)
}

/// Unpack a corpus root file system directory or image file, or None when the corpus is
/// absent.
pub fn corpus_tree(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    Some(
        netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
            .unpack_path(&p)
            .unwrap_or_else(|e| panic!("unpack corpus {rel}: {e}")),
    )
}

/// Write `files` (path, content) into a temporary directory and unpack it as a directory scan;
/// the directory lives as long as the returned guard.
pub fn tree_of<C: AsRef<[u8]>>(files: &[(&str, C)]) -> (tempfile::TempDir, Tree) {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        let full = dir.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_dir(dir.path())
        .unwrap();
    (dir, tree)
}

/// The credentials analyzer's findings and its `credentials` summary, with a cracking budget
/// and a fixed "now".
pub fn run_credentials(
    tree: &Tree,
    budget: std::time::Duration,
) -> (Vec<netvet_model::Finding>, serde_json::Value) {
    use netvet_analyze::Analyzer;
    let rules = netvet_rules::RuleSet::embedded();
    let a = netvet_analyze::credentials::Credentials::new(&rules).unwrap();
    let options = netvet_analyze::Options {
        crack_budget: budget,
        now: 1_700_000_000,
    };
    let out = a.run(&netvet_analyze::Context {
        tree,
        rules: &rules,
        options: &options,
    });
    let summary = out
        .summaries
        .into_iter()
        .find(|(n, _)| n == "credentials")
        .map(|(_, v)| v)
        .unwrap();
    (out.findings, summary)
}
