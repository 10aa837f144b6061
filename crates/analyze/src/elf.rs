//! ELF hardening (NX, PIE, RELRO, stack canary, FORTIFY, RPATH/RUNPATH, stripped) and
//! imports of unsafe functions, for every ELF of every architecture and byte order.
//!
//! Headers, program headers and sections are read with the `object` crate. One part is
//! written here because no crate does it: firmware executables are often `sstrip`ped (no
//! section headers at all), so the dynamic symbol table is found through the dynamic
//! segment (`DT_SYMTAB`/`DT_STRTAB`, count from `DT_HASH`, `DT_GNU_HASH` or
//! `DT_MIPS_SYMTABNO`), the way the dynamic loader finds it.
//!
//! The properties follow checksec's definitions so that results can be compared (see
//! `bench/checksec.sh`): NX is "a PT_GNU_STACK header without the execute flag" (old MIPS
//! toolchains emit none: checksec and netvet both say NX is missing, and the kernel then
//! gives such a process an executable stack); RELRO is full when PT_GNU_RELRO is present and
//! the loader binds eagerly (DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW); PIE is an ET_DYN object
//! with DF_1_PIE, DT_DEBUG or an interpreter and no SONAME (a shared library is a "DSO", not
//! "no PIE").

use crate::{Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Severity};
use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader, Sym};
use object::{Endianness, ReadRef};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Imports that an evaluator looks at: unbounded copies and formatting, and command
/// execution. `gets` cannot be used safely at all.
pub const UNSAFE_FUNCTIONS: &[&str] = &[
    "gets", "strcpy", "stpcpy", "strcat", "sprintf", "vsprintf", "wcscpy", "wcscat", "scanf",
    "sscanf", "fscanf", "vscanf", "vsscanf", "vfscanf", "realpath", "getwd", "system", "popen",
    "execl", "execlp", "execle", "execv", "execvp", "execvpe", "execve",
];

/// Upper bound on symbols read from one table (hostile counts).
const MAX_SYMBOLS: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfType {
    /// ET_EXEC: a position-dependent executable.
    Exec,
    /// ET_DYN with an interpreter or DF_1_PIE.
    Pie,
    /// ET_DYN without: a shared library.
    Dso,
    /// ET_REL: an object file or kernel module.
    Rel,
    Other,
}

impl ElfType {
    pub fn as_str(self) -> &'static str {
        match self {
            ElfType::Exec => "exec",
            ElfType::Pie => "pie",
            ElfType::Dso => "dso",
            ElfType::Rel => "rel",
            ElfType::Other => "other",
        }
    }
    pub fn is_executable(self) -> bool {
        matches!(self, ElfType::Exec | ElfType::Pie)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relro {
    None,
    Partial,
    Full,
}

impl Relro {
    pub fn as_str(self) -> &'static str {
        match self {
            Relro::None => "none",
            Relro::Partial => "partial",
            Relro::Full => "full",
        }
    }
}

/// Hardening properties of one ELF file.
#[derive(Debug, Clone)]
pub struct Hardening {
    /// Architecture name (`mipsel`, `arm`, `x86_64`, ...).
    pub arch: String,
    pub elf_type: ElfType,
    /// A `.modinfo` section: a Linux kernel module.
    pub kernel_module: bool,
    pub nx: bool,
    /// Whether a PT_GNU_STACK header exists at all.
    pub gnu_stack: bool,
    pub relro: Relro,
    pub canary: bool,
    /// `__*_chk` functions imported (FORTIFY_SOURCE), sorted.
    pub fortified: Vec<String>,
    pub rpath: Option<String>,
    pub runpath: Option<String>,
    /// No `.symtab`.
    pub stripped: bool,
    /// No section headers at all (`sstrip`).
    pub no_sections: bool,
    /// Undefined dynamic symbols (functions and data this object imports), sorted, unique.
    pub imports: Vec<String>,
    pub needed: Vec<String>,
}

impl Hardening {
    pub fn pie(&self) -> bool {
        self.elf_type == ElfType::Pie
    }
    pub fn fortify(&self) -> bool {
        !self.fortified.is_empty()
    }
    /// Unsafe functions among the imports.
    pub fn unsafe_imports(&self) -> Vec<&str> {
        self.imports
            .iter()
            .map(String::as_str)
            .filter(|i| UNSAFE_FUNCTIONS.contains(i))
            .collect()
    }
    /// Properties missing, in a fixed order (`NX`, `PIE`, `RELRO` / `partial RELRO`, `canary`,
    /// `FORTIFY`).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut m = Vec::new();
        if !self.nx {
            m.push("NX");
        }
        if self.elf_type == ElfType::Exec {
            m.push("PIE");
        }
        match self.relro {
            Relro::None => m.push("RELRO"),
            Relro::Partial => m.push("full RELRO"),
            Relro::Full => {}
        }
        if !self.canary {
            m.push("stack canary");
        }
        if !self.fortify() {
            m.push("FORTIFY");
        }
        m
    }
}

/// Inspect an ELF file. Errors describe what is malformed.
pub fn inspect(data: &[u8]) -> Result<Hardening, String> {
    if data.len() < 20 || !data.starts_with(b"\x7fELF") {
        return Err("not an ELF file".into());
    }
    match data[4] {
        elf::ELFCLASS32 => inspect_as::<elf::FileHeader32<Endianness>>(data),
        elf::ELFCLASS64 => inspect_as::<elf::FileHeader64<Endianness>>(data),
        c => Err(format!("unknown ELF class {c}")),
    }
}

fn inspect_as<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<Hardening, String> {
    let header = E::parse(data).map_err(|e| format!("ELF header: {e}"))?;
    let endian = header.endian().map_err(|e| format!("ELF header: {e}"))?;
    let arch = netvet_unpack::classify::elf_arch(data)
        .map(|(n, e)| crate::arch_name(n, e))
        .unwrap_or_else(|| format!("machine-{}", header.e_machine(endian)));
    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| format!("program headers: {e}"))?;

    let mut gnu_stack = false;
    let mut nx = false;
    let mut gnu_relro = false;
    let mut interp = false;
    let mut dynamic: &[E::Dyn] = &[];
    for ph in phdrs {
        match ph.p_type(endian) {
            elf::PT_GNU_STACK => {
                gnu_stack = true;
                nx = ph.p_flags(endian) & elf::PF_X == 0;
            }
            elf::PT_GNU_RELRO => gnu_relro = true,
            elf::PT_INTERP => interp = true,
            elf::PT_DYNAMIC => {
                if let Ok(Some(d)) = ph.dynamic(endian, data) {
                    dynamic = d;
                }
            }
            _ => {}
        }
    }

    // dynamic entries
    let mut bind_now = false;
    let mut pie_flag = false;
    let mut debug_tag = false;
    let mut soname = false;
    let mut rpath_off = None;
    let mut runpath_off = None;
    let mut needed_off = Vec::new();
    let (mut symtab, mut strtab, mut strsz, mut hash, mut gnu_hash, mut mips_symtabno) =
        (None, None, None, None, None, None);
    for d in dynamic.iter().take(4096) {
        let tag: u64 = d.d_tag(endian).into();
        let val: u64 = d.d_val(endian).into();
        match tag as u32 {
            _ if tag > u32::MAX as u64 => {}
            elf::DT_NULL => break,
            elf::DT_BIND_NOW => bind_now = true,
            elf::DT_FLAGS => bind_now |= val & elf::DF_BIND_NOW as u64 != 0,
            elf::DT_FLAGS_1 => {
                bind_now |= val & elf::DF_1_NOW as u64 != 0;
                pie_flag |= val & elf::DF_1_PIE as u64 != 0;
            }
            elf::DT_DEBUG => debug_tag = true,
            elf::DT_SONAME => soname = true,
            elf::DT_RPATH => rpath_off = Some(val),
            elf::DT_RUNPATH => runpath_off = Some(val),
            elf::DT_NEEDED => needed_off.push(val),
            elf::DT_SYMTAB => symtab = Some(val),
            elf::DT_STRTAB => strtab = Some(val),
            elf::DT_STRSZ => strsz = Some(val),
            elf::DT_HASH => hash = Some(val),
            elf::DT_GNU_HASH => gnu_hash = Some(val),
            elf::DT_MIPS_SYMTABNO => mips_symtabno = Some(val),
            _ => {}
        }
    }

    let e_type = header.e_type(endian);
    let elf_type = match e_type {
        elf::ET_EXEC => ElfType::Exec,
        // DF_1_PIE (modern linkers); DT_DEBUG, which linkers add to executables only (this
        // is checksec's test); or an interpreter without a SONAME (old toolchains)
        elf::ET_DYN if pie_flag || debug_tag || (interp && !soname) => ElfType::Pie,
        elf::ET_DYN => ElfType::Dso,
        elf::ET_REL => ElfType::Rel,
        _ => ElfType::Other,
    };

    // sections (may be absent)
    let sections = header.sections(endian, data).ok();
    let no_sections = sections.as_ref().is_none_or(|s| s.is_empty());
    let mut stripped = true;
    let mut kernel_module = false;
    // (name, undefined), borrowed from the file: a library defines thousands of symbols, of
    // which only the undefined ones (the imports) are kept as strings
    let mut names: Vec<(&[u8], bool)> = Vec::new();
    if let Some(sections) = &sections {
        for sh in sections.iter() {
            if sh.sh_type(endian) == elf::SHT_SYMTAB {
                stripped = false;
            }
            if let Ok(name) = sections.section_name(endian, sh) {
                if name == b".modinfo" {
                    kernel_module = true;
                }
            }
        }
        for kind in [elf::SHT_DYNSYM, elf::SHT_SYMTAB] {
            if let Ok(table) = sections.symbols(endian, data, kind) {
                for sym in table.iter().take(MAX_SYMBOLS) {
                    if let Ok(n) = table.symbol_name(endian, sym) {
                        if !n.is_empty() {
                            let undefined =
                                sym.st_shndx(endian) == elf::SHN_UNDEF && kind == elf::SHT_DYNSYM;
                            names.push((n, undefined));
                        }
                    }
                }
            }
        }
    }

    // string table of the dynamic segment (for DT_NEEDED, RPATH and sstripped files)
    let load: Vec<(u64, u64, u64)> = phdrs
        .iter()
        .filter(|p| p.p_type(endian) == elf::PT_LOAD)
        .map(|p| {
            (
                p.p_vaddr(endian).into(),
                p.p_offset(endian).into(),
                p.p_filesz(endian).into(),
            )
        })
        .collect();
    let to_off = |vaddr: u64| -> Option<u64> {
        load.iter()
            .find_map(|&(va, off, sz)| (vaddr >= va && vaddr - va < sz).then(|| off + (vaddr - va)))
    };
    let dynstr: &[u8] = match strtab.and_then(to_off) {
        Some(off) => {
            let avail = (data.len() as u64).saturating_sub(off);
            let size = strsz.unwrap_or(avail).min(avail);
            data.read_bytes_at(off, size).unwrap_or(&[])
        }
        None => &[],
    };
    let dstr_bytes = |off: u64| -> Option<&[u8]> {
        let s = dynstr.get(usize::try_from(off).ok()?..)?;
        let end = memchr::memchr(0, s)?;
        Some(&s[..end])
    };
    let dstr = |off: u64| -> Option<String> {
        dstr_bytes(off).map(|s| String::from_utf8_lossy(s).into_owned())
    };

    let has_dynsym = names.iter().any(|(_, u)| *u) || {
        sections.as_ref().is_some_and(|s| {
            s.iter()
                .any(|sh| sh.sh_type(endian) == elf::SHT_DYNSYM && sh.sh_size(endian).into() > 0)
        })
    };
    if !has_dynsym {
        if let Some(off) = symtab.and_then(to_off) {
            let count = mips_symtabno
                .or_else(|| {
                    hash.and_then(to_off)
                        .and_then(|h| hash_nchain(data, h, endian))
                })
                .or_else(|| {
                    // a GNU hash table covers the defined symbols only: the relocations
                    // name the undefined ones after them
                    gnu_hash
                        .and_then(to_off)
                        .and_then(|h| gnu_hash_count::<E>(data, h, endian))
                        .map(|n| n.max(crate::import_calls::relocated_symbols(data)))
                })
                .unwrap_or(0);
            let count = (count as usize).min(MAX_SYMBOLS);
            if let Ok(syms) = data.read_slice_at::<E::Sym>(off, count) {
                for sym in syms {
                    if let Some(n) = dstr_bytes(sym.st_name(endian) as u64) {
                        if !n.is_empty() {
                            names.push((n, sym.st_shndx(endian) == elf::SHN_UNDEF));
                        }
                    }
                }
            }
        }
    }

    let canary = names.iter().any(|(n, _)| {
        *n == b"__stack_chk_fail" || *n == b"__stack_chk_guard" || *n == b"__intel_security_cookie"
    });
    let mut imports: Vec<String> = names
        .iter()
        .filter(|(_, u)| *u)
        .map(|(n, _)| strip_version(&String::from_utf8_lossy(n)).to_string())
        .collect();
    imports.sort();
    imports.dedup();
    let fortified: Vec<String> = imports
        .iter()
        .filter(|n| n.starts_with("__") && n.ends_with("_chk") && n.as_str() != "__stack_chk_fail")
        .cloned()
        .collect();

    let relro = if !gnu_relro {
        Relro::None
    } else if bind_now {
        Relro::Full
    } else {
        Relro::Partial
    };

    Ok(Hardening {
        arch,
        elf_type,
        kernel_module,
        nx,
        gnu_stack,
        relro,
        canary,
        fortified,
        rpath: rpath_off.and_then(dstr),
        runpath: runpath_off.and_then(dstr),
        stripped,
        no_sections,
        imports,
        needed: needed_off.into_iter().filter_map(dstr).collect(),
    })
}

fn strip_version(n: &str) -> &str {
    n.split('@').next().unwrap_or(n)
}

/// Symbol count from a SysV hash table: its `nchain` word.
fn hash_nchain(data: &[u8], off: u64, endian: Endianness) -> Option<u64> {
    let w = data.read_bytes_at(off + 4, 4).ok()?;
    let v = [w[0], w[1], w[2], w[3]];
    Some(match endian {
        Endianness::Little => u32::from_le_bytes(v),
        Endianness::Big => u32::from_be_bytes(v),
    } as u64)
}

/// Symbol count from a GNU hash table: one past the last symbol of the highest bucket's chain.
fn gnu_hash_count<E: FileHeader<Endian = Endianness>>(
    data: &[u8],
    off: u64,
    endian: Endianness,
) -> Option<u64> {
    let word = |o: u64| -> Option<u32> {
        let w = data.read_bytes_at(o, 4).ok()?;
        let v = [w[0], w[1], w[2], w[3]];
        Some(match endian {
            Endianness::Little => u32::from_le_bytes(v),
            Endianness::Big => u32::from_be_bytes(v),
        })
    };
    let nbuckets = word(off)? as u64;
    let symoffset = word(off + 4)? as u64;
    let bloom_size = word(off + 8)? as u64;
    if nbuckets > MAX_SYMBOLS as u64 || bloom_size > MAX_SYMBOLS as u64 {
        return None;
    }
    let bloom_word = if E::is_type_64_sized() { 8 } else { 4 };
    let buckets = off + 16 + bloom_size * bloom_word;
    let mut max = 0u64;
    for i in 0..nbuckets {
        max = max.max(word(buckets + 4 * i)? as u64);
    }
    if max < symoffset {
        return Some(symoffset);
    }
    let chains = buckets + 4 * nbuckets;
    let mut idx = max;
    for _ in 0..MAX_SYMBOLS {
        let h = word(chains + 4 * (idx - symoffset))?;
        idx += 1;
        if h & 1 == 1 {
            return Some(idx);
        }
    }
    None
}

/// `hardening.weak` and `code.unsafe-function` findings, summaries `hardening` and
/// `unsafe_functions`.
pub struct ElfAnalyzer;

struct FileResult {
    path: String,
    h: Hardening,
}

impl Analyzer for ElfAnalyzer {
    fn name(&self) -> &'static str {
        "elf"
    }

    fn run(&self, cx: &Context) -> Output {
        let results: Vec<FileResult> = cx
            .tree
            .entries
            .par_iter()
            .filter(|e| e.is_file() && netvet_unpack::classify::is_elf(&e.data))
            .filter_map(|e| {
                let r = inspect(&e.data).ok().map(|h| FileResult {
                    path: e.path.clone(),
                    h,
                });
                netvet_unpack::spool::release(&e.data);
                r
            })
            .collect();
        let mut out = Output::default();
        let mut counts = Counts::default();
        let mut unsafe_per_fn: BTreeMap<String, u64> = BTreeMap::new();
        let mut unsafe_binaries = 0u64;
        for r in &results {
            let h = &r.h;
            if h.kernel_module || !matches!(h.elf_type, ElfType::Exec | ElfType::Pie | ElfType::Dso)
            {
                counts.skipped += 1;
                continue;
            }
            counts.add(h);
            counts.row(&r.path, h);
            if let Some(f) = weak_finding(&r.path, h) {
                out.findings.push(f);
            }
            let unsafe_fns = h.unsafe_imports();
            if !unsafe_fns.is_empty() {
                unsafe_binaries += 1;
                for u in &unsafe_fns {
                    *unsafe_per_fn.entry(u.to_string()).or_default() += 1;
                }
                let sev = if unsafe_fns.contains(&"gets") {
                    Severity::Medium
                } else {
                    Severity::Low
                };
                let what = if h.elf_type.is_executable() {
                    "executable"
                } else {
                    "library"
                };
                out.findings.push(
                    Finding::new(
                        kinds::CODE_UNSAFE_FUNCTION,
                        sev,
                        format!(
                            "{} imports {} unsafe function{}",
                            r.path.rsplit('/').next().unwrap_or(&r.path),
                            unsafe_fns.len(),
                            if unsafe_fns.len() == 1 { "" } else { "s" }
                        ),
                        Some(r.path.clone()),
                        format!(
                            "{what} ({}) imports {} unsafe function(s): {}",
                            h.arch,
                            unsafe_fns.len(),
                            unsafe_fns.join(", ")
                        ),
                    )
                    .with_key("unsafe-functions"),
                );
            }
        }
        out.summaries
            .push(("hardening".to_string(), counts.to_json()));
        out.summaries.push((
            "unsafe_functions".to_string(),
            serde_json::json!({
                "binaries_with_unsafe_imports": unsafe_binaries,
                "binaries_importing": unsafe_per_fn,
            }),
        ));
        out
    }
}

/// One `hardening.weak` finding for a binary missing protections, `None` when nothing is
/// missing. Executables: medium when NX is missing or both PIE and the stack canary are
/// (memory corruption is then directly exploitable), low otherwise; libraries: low.
pub fn weak_finding(path: &str, h: &Hardening) -> Option<Finding> {
    let missing = h.missing();
    if missing.is_empty() {
        return None;
    }
    let exe = h.elf_type.is_executable();
    let sev = if exe && (!h.nx || (h.elf_type == ElfType::Exec && !h.canary)) {
        Severity::Medium
    } else {
        Severity::Low
    };
    let mut detail = vec![
        format!("type {}", h.elf_type.as_str()),
        format!("arch {}", h.arch),
        format!("NX {}", yes(h.nx)),
        format!(
            "PIE {}",
            if h.elf_type == ElfType::Dso {
                "dso"
            } else {
                yes(h.pie())
            }
        ),
        format!("RELRO {}", h.relro.as_str()),
        format!("canary {}", yes(h.canary)),
        format!("FORTIFY {}", yes(h.fortify())),
    ];
    if !h.gnu_stack {
        detail.push("no PT_GNU_STACK header (stack executable)".into());
    }
    if let Some(r) = &h.rpath {
        detail.push(format!("RPATH {r}"));
    }
    if let Some(r) = &h.runpath {
        detail.push(format!("RUNPATH {r}"));
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(
        Finding::new(
            kinds::HARDENING_WEAK,
            sev,
            format!(
                "{} {name} lacks {}",
                if exe { "Executable" } else { "Library" },
                missing.join(", ")
            ),
            Some(path.to_string()),
            format!("missing: {}; {}", missing.join(", "), detail.join(", ")),
        )
        .with_key("hardening"),
    )
}

fn yes(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

#[derive(Default)]
struct Counts {
    binaries: u64,
    executables: u64,
    libraries: u64,
    skipped: u64,
    nx: u64,
    pie: u64,
    relro_full: u64,
    relro_partial: u64,
    relro_none: u64,
    canary: u64,
    fortify: u64,
    rpath: u64,
    runpath: u64,
    stripped: u64,
    arch: BTreeMap<String, u64>,
    /// One row per binary (the report's checksec-like matrix), at most [`MAX_ROWS`].
    rows: Vec<serde_json::Value>,
}

/// Most per-binary rows kept in the `hardening` summary (a router image has a few hundred
/// binaries; a pathological tree must not grow the report without bound).
const MAX_ROWS: usize = 5000;

impl Counts {
    fn add(&mut self, h: &Hardening) {
        self.binaries += 1;
        if h.elf_type.is_executable() {
            self.executables += 1;
        } else {
            self.libraries += 1;
        }
        self.nx += h.nx as u64;
        self.pie += h.pie() as u64;
        match h.relro {
            Relro::Full => self.relro_full += 1,
            Relro::Partial => self.relro_partial += 1,
            Relro::None => self.relro_none += 1,
        }
        self.canary += h.canary as u64;
        self.fortify += h.fortify() as u64;
        self.rpath += h.rpath.is_some() as u64;
        self.runpath += h.runpath.is_some() as u64;
        self.stripped += h.stripped as u64;
        *self.arch.entry(h.arch.clone()).or_default() += 1;
    }

    fn row(&mut self, path: &str, h: &Hardening) {
        if self.rows.len() >= MAX_ROWS {
            return;
        }
        self.rows.push(serde_json::json!({
            "path": path,
            "type": h.elf_type.as_str(),
            "arch": h.arch,
            "nx": h.nx,
            "pie": h.pie(),
            "relro": h.relro.as_str(),
            "canary": h.canary,
            "fortify": h.fortify(),
            "rpath": h.rpath,
            "runpath": h.runpath,
            "stripped": h.stripped,
        }));
    }

    fn to_json(&self) -> serde_json::Value {
        let mut rows = self.rows.clone();
        rows.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
        serde_json::json!({
            "binaries": self.binaries,
            "executables": self.executables,
            "libraries": self.libraries,
            "kernel_modules_and_objects_skipped": self.skipped,
            "nx": self.nx,
            "pie": self.pie,
            "relro_full": self.relro_full,
            "relro_partial": self.relro_partial,
            "relro_none": self.relro_none,
            "canary": self.canary,
            "fortify": self.fortify,
            "rpath": self.rpath,
            "runpath": self.runpath,
            "stripped": self.stripped,
            "arch": self.arch,
            "per_binary": rows,
        })
    }
}
