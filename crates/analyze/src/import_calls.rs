//! Where a dynamically linked executable calls its imported functions: the address of every
//! PLT stub and GOT slot that stands for an import, so that a direct call (`call rel32`,
//! `bl`, `jal`) or an indirect call through the GOT (MIPS `lw t9, N(gp)` + `jalr t9`, x86-64
//! `call *N(%rip)`) can be named `socket`, `dup2`, `execl`, ... by the behaviour analyzer's
//! register tracker.
//!
//! Everything is read the way the dynamic loader reads it, from the dynamic segment
//! (`DT_SYMTAB`, `DT_STRTAB`, `DT_JMPREL`/`DT_REL`/`DT_RELA`, `DT_PLTGOT` and the MIPS GOT
//! tags), with `object`'s typed ELF records: firmware executables are often `sstrip`ped and
//! have no section headers, so `object`'s section-based relocation iterators see nothing
//! there. The GOT slot of each import comes from its relocation (`R_*_JUMP_SLOT`,
//! `R_*_GLOB_DAT`: any relocation against an undefined symbol) or, on MIPS, from the
//! global GOT layout (`DT_MIPS_LOCAL_GOTNO`, `DT_MIPS_GOTSYM`, `DT_MIPS_SYMTABNO`). The PLT
//! stubs are found by decoding the stub instruction sequence each linker emits and
//! computing the GOT slot it jumps through (no crate maps PLT stubs to symbols without
//! section headers); a stub whose slot is an import's is that import's stub.

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, Rel, Rela, Sym};
use object::{Endianness, ReadRef};
use std::collections::BTreeMap;

/// Most relocations and symbols read per file.
const MAX_ENTRIES: usize = 1 << 16;
/// Bytes of executable code searched for PLT stubs, per file.
const MAX_STUB_SCAN: usize = 16 << 20;

/// Import call targets of one executable.
#[derive(Debug, Clone, Default)]
pub struct ImportTargets {
    /// Import names (version suffix removed), indexed by the values of `by_addr`.
    pub names: Vec<String>,
    /// PLT stub and GOT slot addresses, each with the import it stands for.
    pub by_addr: BTreeMap<u64, u32>,
    /// MIPS: the global pointer of the executable's GOT (`DT_PLTGOT + 0x7ff0`), against
    /// which `lw t9, N(gp)` loads an import's address.
    pub mips_gp: Option<u64>,
    /// The instructions are little-endian while the data is big-endian (ARM BE8,
    /// `EF_ARM_BE8`).
    pub be8: bool,
    /// i386: the GOT address (`DT_PLTGOT`) that position-independent code keeps in ebx
    /// (`lea eax, N(%ebx)` is then an address in the file).
    pub got: Option<u64>,
}

impl ImportTargets {
    /// The import a call to `addr` (a stub, or a GOT slot for indirect calls) reaches.
    pub fn at(&self, addr: u64) -> Option<(u32, &str)> {
        let i = *self.by_addr.get(&addr)?;
        Some((i, self.names.get(i as usize)?.as_str()))
    }
    /// Import `i` (an index into `names`).
    pub fn at_index(&self, i: u32) -> Option<(u32, &str)> {
        Some((i, self.names.get(i as usize)?.as_str()))
    }
    pub fn is_empty(&self) -> bool {
        self.by_addr.is_empty()
    }
}

/// `EF_ARM_BE8`: an ARM big-endian image whose instructions are stored little-endian.
pub const EF_ARM_BE8: u32 = 0x0080_0000;

/// Whether an ELF file is ARM BE8 (big-endian data, little-endian instructions).
pub fn arm_be8(data: &[u8]) -> bool {
    fn of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> bool {
        let Ok(h) = E::parse(data) else { return false };
        let Ok(endian) = h.endian() else { return false };
        h.e_machine(endian) == elf::EM_ARM
            && endian == Endianness::Big
            && h.e_flags(endian) & EF_ARM_BE8 != 0
    }
    match data.get(4) {
        Some(1) => of::<elf::FileHeader32<Endianness>>(data),
        _ => false,
    }
}

/// The import call targets of a dynamically linked ELF file (empty when it has no dynamic
/// segment or none of the tables can be read).
pub fn import_targets(data: &[u8]) -> ImportTargets {
    match data.get(4) {
        Some(1) => targets_as::<elf::FileHeader32<Endianness>>(data),
        Some(2) => targets_as::<elf::FileHeader64<Endianness>>(data),
        _ => None,
    }
    .unwrap_or_default()
}

/// One past the highest dynamic symbol index the relocation tables of the dynamic segment
/// refer to (0 when there are none). A GNU hash table covers only the symbols an object
/// defines, so the count it gives leaves out the undefined ones after them (a PIE that
/// exports nothing has a hash table of one symbol); the relocations name every import the
/// program calls or reads.
pub fn relocated_symbols(data: &[u8]) -> u64 {
    fn of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<u64> {
        let h = E::parse(data).ok()?;
        let endian = h.endian().ok()?;
        let phdrs = h.program_headers(endian, data).ok()?;
        let mut dynamic: &[E::Dyn] = &[];
        let mut load: Vec<(u64, u64, u64)> = Vec::new();
        for ph in phdrs {
            match ph.p_type(endian) {
                elf::PT_DYNAMIC => {
                    if let Ok(Some(d)) = ph.dynamic(endian, data) {
                        dynamic = d;
                    }
                }
                elf::PT_LOAD => load.push((
                    ph.p_vaddr(endian).into(),
                    ph.p_offset(endian).into(),
                    ph.p_filesz(endian).into(),
                )),
                _ => {}
            }
        }
        let tag = dynamic_tags(dynamic, endian);
        let to_off = |va: u64| -> Option<u64> {
            load.iter().find_map(|&(v, off, sz)| {
                (va >= v && va - v < sz).then(|| off.saturating_add(va - v))
            })
        };
        let mut max = 0u64;
        for (addr, size, rela) in reloc_tables(&tag) {
            let (Some(off), Some(size)) = (addr.and_then(to_off), size) else {
                continue;
            };
            for (_, sym) in relocs::<E>(data, endian, off, size, rela, h.is_mips64el(endian)) {
                max = max.max(u64::from(sym) + 1);
            }
        }
        Some(max)
    }
    match data.get(4) {
        Some(1) => of::<elf::FileHeader32<Endianness>>(data),
        Some(2) => of::<elf::FileHeader64<Endianness>>(data),
        _ => None,
    }
    .unwrap_or(0)
}

/// The dynamic entries by tag (the first of each; none of the tags read here repeats).
fn dynamic_tags<D: Dyn<Endian = Endianness>>(
    dynamic: &[D],
    endian: Endianness,
) -> BTreeMap<u64, u64> {
    let mut tag = BTreeMap::new();
    for d in dynamic.iter().take(4096) {
        let t: u64 = d.d_tag(endian).into();
        if t == u64::from(elf::DT_NULL) {
            break;
        }
        tag.entry(t).or_insert_with(|| d.d_val(endian).into());
    }
    tag
}

/// The relocation tables of the dynamic segment: (address, size, RELA?).
fn reloc_tables(tag: &BTreeMap<u64, u64>) -> [(Option<u64>, Option<u64>, bool); 3] {
    let get = |t: u32| tag.get(&u64::from(t)).copied();
    let pltrel_is_rela = get(elf::DT_PLTREL) == Some(u64::from(elf::DT_RELA));
    [
        (get(elf::DT_JMPREL), get(elf::DT_PLTRELSZ), pltrel_is_rela),
        (get(elf::DT_REL), get(elf::DT_RELSZ), false),
        (get(elf::DT_RELA), get(elf::DT_RELASZ), true),
    ]
}

/// (offset, symbol index) of each relocation of one table.
fn relocs<E: FileHeader<Endian = Endianness>>(
    data: &[u8],
    endian: Endianness,
    off: u64,
    size: u64,
    rela: bool,
    is_mips64el: bool,
) -> Vec<(u64, u32)> {
    let entry = if rela {
        std::mem::size_of::<E::Rela>()
    } else {
        std::mem::size_of::<E::Rel>()
    } as u64;
    let n = (size / entry).min(MAX_ENTRIES as u64) as usize;
    if rela {
        data.read_slice_at::<E::Rela>(off, n)
            .map(|rs| {
                rs.iter()
                    .map(|r| (r.r_offset(endian).into(), r.r_sym(endian, is_mips64el)))
                    .collect()
            })
            .unwrap_or_default()
    } else {
        data.read_slice_at::<E::Rel>(off, n)
            .map(|rs| {
                rs.iter()
                    .map(|r| (r.r_offset(endian).into(), r.r_sym(endian)))
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn targets_as<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<ImportTargets> {
    let h = E::parse(data).ok()?;
    let endian = h.endian().ok()?;
    let machine = h.e_machine(endian);
    let be8 =
        machine == elf::EM_ARM && endian == Endianness::Big && h.e_flags(endian) & EF_ARM_BE8 != 0;
    let phdrs = h.program_headers(endian, data).ok()?;
    let mut dynamic: &[E::Dyn] = &[];
    let mut load: Vec<(u64, u64, u64, bool)> = Vec::new();
    for ph in phdrs {
        match ph.p_type(endian) {
            elf::PT_DYNAMIC => {
                if let Ok(Some(d)) = ph.dynamic(endian, data) {
                    dynamic = d;
                }
            }
            elf::PT_LOAD => load.push((
                ph.p_vaddr(endian).into(),
                ph.p_offset(endian).into(),
                ph.p_filesz(endian).into(),
                ph.p_flags(endian) & elf::PF_X != 0,
            )),
            _ => {}
        }
    }
    let to_off = |va: u64| -> Option<u64> {
        load.iter().find_map(|&(v, off, sz, _)| {
            (va >= v && va - v < sz).then(|| off.saturating_add(va - v))
        })
    };
    let tag = dynamic_tags(dynamic, endian);
    let get = |t: u32| tag.get(&u64::from(t)).copied();
    let symtab = to_off(get(elf::DT_SYMTAB)?)?;
    let strtab = to_off(get(elf::DT_STRTAB)?)?;
    let strsz = get(elf::DT_STRSZ).unwrap_or(u64::MAX);
    let sym_size = std::mem::size_of::<E::Sym>() as u64;

    let mut t = ImportTargets {
        be8,
        ..Default::default()
    };
    let mut index: BTreeMap<u32, Option<u32>> = BTreeMap::new();
    // the name of undefined dynamic symbol `i`, as an index into `t.names`
    let mut import = |t: &mut ImportTargets, i: u32| -> Option<u32> {
        if i == 0 {
            return None;
        }
        *index.entry(i).or_insert_with(|| {
            let off = symtab.checked_add(u64::from(i).checked_mul(sym_size)?)?;
            let sym = data.read_at::<E::Sym>(off).ok()?;
            if sym.st_shndx(endian) != elf::SHN_UNDEF || sym.st_name(endian) == 0 {
                return None;
            }
            let name_off = u64::from(sym.st_name(endian));
            if name_off >= strsz {
                return None;
            }
            let s = data
                .read_bytes_at_until(strtab.checked_add(name_off)?..data.len() as u64, 0)
                .ok()?;
            let name = String::from_utf8_lossy(s);
            let name = name.split('@').next().unwrap_or_default().to_string();
            if name.is_empty() || t.names.len() >= MAX_ENTRIES {
                return None;
            }
            t.names.push(name);
            Some(t.names.len() as u32 - 1)
        })
    };

    // GOT slots from the relocation tables
    let mut slots: BTreeMap<u64, u32> = BTreeMap::new();
    let is_mips64el = h.is_mips64el(endian);
    for (addr, size, rela) in reloc_tables(&tag) {
        let (Some(off), Some(size)) = (addr.and_then(to_off), size) else {
            continue;
        };
        for (offset, sym) in relocs::<E>(data, endian, off, size, rela, is_mips64el) {
            if let Some(i) = import(&mut t, sym) {
                slots.insert(offset, i);
            }
        }
    }
    // MIPS: the global part of the GOT holds one slot per dynamic symbol from DT_MIPS_GOTSYM
    // on, after DT_MIPS_LOCAL_GOTNO local slots
    if machine == elf::EM_MIPS {
        if let (Some(got), Some(local), Some(gotsym), Some(symtabno)) = (
            get(elf::DT_PLTGOT),
            get(elf::DT_MIPS_LOCAL_GOTNO),
            get(elf::DT_MIPS_GOTSYM),
            get(elf::DT_MIPS_SYMTABNO),
        ) {
            let word = if E::is_type_64_sized() { 8 } else { 4 };
            let count = symtabno.saturating_sub(gotsym).min(MAX_ENTRIES as u64);
            for k in 0..count {
                let Ok(sym) = u32::try_from(gotsym + k) else {
                    break;
                };
                if let Some(i) = import(&mut t, sym) {
                    slots.insert(got.wrapping_add((local + k).wrapping_mul(word)), i);
                }
            }
            t.mips_gp = Some(got.wrapping_add(0x7ff0));
        }
    }
    if machine == elf::EM_386 {
        t.got = get(elf::DT_PLTGOT);
    }
    if slots.is_empty() {
        return None;
    }

    // PLT stubs: decoded in the executable segments
    let mut budget = MAX_STUB_SCAN;
    let mut stubs: Vec<(u64, u64)> = Vec::new();
    for &(va, off, size, x) in &load {
        if !x {
            continue;
        }
        let Ok(start) = usize::try_from(off) else {
            continue;
        };
        let end = start
            .saturating_add(usize::try_from(size).unwrap_or(usize::MAX))
            .min(data.len())
            .min(start.saturating_add(budget));
        let Some(code) = data.get(start..end) else {
            continue;
        };
        budget = budget.saturating_sub(code.len());
        let ins_be = endian == Endianness::Big && !be8;
        plt_stubs(machine, code, va, ins_be, get(elf::DT_PLTGOT), &mut stubs);
    }
    for (stub, slot) in stubs {
        if let Some(&i) = slots.get(&slot) {
            t.by_addr.entry(stub).or_insert(i);
        }
    }
    for (slot, i) in slots {
        t.by_addr.entry(slot).or_insert(i);
    }
    Some(t)
}

/// PLT stubs of one executable segment: (stub address, the GOT slot it jumps through). Each
/// linker's stub is a fixed instruction sequence that computes the slot address from its own
/// address; these are the sequences GNU ld emits:
/// - x86-64: `jmp *N(%rip)` (`ff 25`), also after `endbr64` / the `bnd` prefix (`.plt.sec`,
///   `.plt.got`);
/// - ARM: `add ip, pc, #A; add ip, ip, #B; ldr pc, [ip, #C]!` (with one more `add` in
///   `--long-plt` builds) and the old `ldr ip, [pc, #4]; add ip, pc, ip; ldr pc, [ip];
///   .word` form, each possibly preceded by the Thumb entry `bx pc; nop`;
/// - AArch64: `adrp x16, P; ldr x17, [x16, #N]`, possibly after `bti c`;
/// - MIPS (`.plt` of non-PIC executables): `lui t7, %hi; lw/ld t9, %lo(t7)`;
/// - i386: `jmp *N(%ebx)` (`ff a3`, position-independent: ebx holds the GOT address,
///   `DT_PLTGOT`) and `jmp *addr` (`ff 25`, non-PIC), also after `endbr32`.
fn plt_stubs(
    machine: u16,
    code: &[u8],
    va: u64,
    be: bool,
    got: Option<u64>,
    out: &mut Vec<(u64, u64)>,
) {
    let word = |o: usize| -> Option<u32> {
        let b = code.get(o..o.checked_add(4)?)?;
        let a = [b[0], b[1], b[2], b[3]];
        Some(if be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        })
    };
    let limit = 1 << 20;
    match machine {
        elf::EM_X86_64 => {
            for i in memchr::memmem::find_iter(code, b"\xff\x25") {
                let Some(d) = code.get(i + 2..i + 6) else {
                    break;
                };
                let disp = i32::from_le_bytes([d[0], d[1], d[2], d[3]]) as i64 as u64;
                let at = va.wrapping_add(i as u64);
                let slot = at.wrapping_add(6).wrapping_add(disp);
                out.push((at, slot));
                // bnd jmp, endbr64 + bnd jmp, endbr64 + jmp
                if i >= 1 && code[i - 1] == 0xf2 {
                    out.push((at.wrapping_sub(1), slot));
                    if i >= 5 && code[i - 5..i - 1] == [0xf3, 0x0f, 0x1e, 0xfa] {
                        out.push((at.wrapping_sub(5), slot));
                    }
                } else if i >= 4 && code[i - 4..i] == [0xf3, 0x0f, 0x1e, 0xfa] {
                    out.push((at.wrapping_sub(4), slot));
                }
                if out.len() >= limit {
                    break;
                }
            }
        }
        elf::EM_386 => {
            for i in memchr::memmem::find_iter(code, b"\xff") {
                let (Some(&m), Some(d)) = (code.get(i + 1), code.get(i + 2..i + 6)) else {
                    break;
                };
                let v = u32::from_le_bytes([d[0], d[1], d[2], d[3]]);
                let slot = match (m, got) {
                    (0xa3, Some(g)) => g.wrapping_add(u64::from(v)) & 0xffff_ffff,
                    (0x25, _) => u64::from(v),
                    _ => continue,
                };
                let at = va.wrapping_add(i as u64);
                out.push((at, slot));
                if i >= 4 && code[i - 4..i] == [0xf3, 0x0f, 0x1e, 0xfb] {
                    out.push((at.wrapping_sub(4), slot));
                }
                if out.len() >= limit {
                    break;
                }
            }
        }
        elf::EM_ARM => {
            let rot = |w: u32| (w & 0xff).rotate_right(((w >> 8) & 15) * 2);
            let mut o = 0;
            while let Some(w0) = word(o) {
                let at = va.wrapping_add(o as u64);
                let (w1, w2, w3) = (word(o + 4), word(o + 8), word(o + 12));
                // `add ip, pc, #A`, one to three `add ip, ip, #B` (three words in the
                // short PLT, four in `--long-plt`), `ldr pc, [ip, #C]!`
                let short = || -> Option<u64> {
                    if w0 & 0xffff_f000 != 0xe28f_c000 {
                        return None;
                    }
                    let mut slot = at.wrapping_add(8).wrapping_add(u64::from(rot(w0)));
                    for k in 1..=4 {
                        let w = word(o + 4 * k)?;
                        if w & 0xffff_f000 == 0xe5bc_f000 && k >= 2 {
                            return Some(slot.wrapping_add(u64::from(w & 0xfff)));
                        }
                        if w & 0xffff_f000 != 0xe28c_c000 {
                            return None;
                        }
                        slot = slot.wrapping_add(u64::from(rot(w)));
                    }
                    None
                };
                let slot = match (w1, w2, w3) {
                    _ if w0 & 0xffff_f000 == 0xe28f_c000 => short(),
                    (Some(0xe08f_c00c), Some(0xe59c_f000), Some(off)) if w0 == 0xe59f_c004 => {
                        Some(at.wrapping_add(12).wrapping_add(u64::from(off)) & 0xffff_ffff)
                    }
                    _ => None,
                };
                if let Some(slot) = slot {
                    let slot = slot & 0xffff_ffff;
                    out.push((at, slot));
                    // Thumb entry: `bx pc; nop` (4778 46c0) just before the ARM stub
                    let thumb = o >= 4
                        && code.get(o - 4..o).is_some_and(|b| {
                            let h = |x: [u8; 2]| {
                                if be {
                                    u16::from_be_bytes(x)
                                } else {
                                    u16::from_le_bytes(x)
                                }
                            };
                            h([b[0], b[1]]) == 0x4778 && h([b[2], b[3]]) == 0x46c0
                        });
                    if thumb {
                        out.push((at.wrapping_sub(4), slot));
                    }
                    if out.len() >= limit {
                        break;
                    }
                }
                o += 4;
            }
        }
        elf::EM_AARCH64 => {
            let mut o = 0;
            while let Some(w0) = word(o) {
                if w0 & 0x9f00_001f == 0x9000_0010 {
                    if let Some(w1) = word(o + 4).filter(|w| w & 0xffc0_03ff == 0xf940_0211) {
                        let at = va.wrapping_add(o as u64);
                        let imm = ((w0 >> 29) & 3) | ((w0 >> 5) & 0x7_ffff) << 2;
                        let page = ((imm << 11) as i32 >> 11) as i64 as u64;
                        let slot = (at & !0xfff)
                            .wrapping_add(page << 12)
                            .wrapping_add(u64::from((w1 >> 10) & 0xfff) * 8);
                        out.push((at, slot));
                        if o >= 4 && word(o - 4) == Some(0xd503_245f) {
                            out.push((at.wrapping_sub(4), slot));
                        }
                        if out.len() >= limit {
                            break;
                        }
                    }
                }
                o += 4;
            }
        }
        elf::EM_MIPS => {
            let mut o = 0;
            while let Some(w0) = word(o) {
                // lui t7, hi
                if w0 & 0xffff_0000 == 0x3c0f_0000 {
                    // lw t9, lo(t7) / ld t9, lo(t7)
                    if let Some(w1) = word(o + 4).filter(|w| {
                        w & 0xffff_0000 == 0x8df9_0000 || w & 0xffff_0000 == 0xddf9_0000
                    }) {
                        let hi = (w0 & 0xffff) << 16;
                        let slot = hi.wrapping_add(w1 & 0xffff ^ 0x8000).wrapping_sub(0x8000);
                        out.push((va.wrapping_add(o as u64), u64::from(slot)));
                        if out.len() >= limit {
                            break;
                        }
                    }
                }
                o += 4;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test stops at the first failed assumption"
)]
mod tests {
    use super::*;

    fn le(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn arm_stub_forms() {
        // short: add ip, pc, #0; add ip, ip, #0x1000; ldr pc, [ip, #0xbd8]!
        let mut out = Vec::new();
        plt_stubs(
            elf::EM_ARM,
            &le(&[0xe28f_c600, 0xe28c_ca01, 0xe5bc_fbd8]),
            0x440,
            false,
            None,
            &mut out,
        );
        assert_eq!(out, vec![(0x440, 0x448 + 0x1000 + 0xbd8)]);
        // old: ldr ip, [pc, #4]; add ip, pc, ip; ldr pc, [ip]; .word 0x1234, with the
        // Thumb entry bx pc; nop before it
        let mut code = vec![0x78, 0x47, 0xc0, 0x46];
        code.extend(le(&[0xe59f_c004, 0xe08f_c00c, 0xe59c_f000, 0x1234]));
        let mut out = Vec::new();
        plt_stubs(elf::EM_ARM, &code, 0x2000, false, None, &mut out);
        assert_eq!(
            out,
            vec![(0x2004, 0x2004 + 12 + 0x1234), (0x2000, 0x2010 + 0x1234)]
        );
    }

    #[test]
    fn i386_stub_forms() {
        // PIC: jmp *0xc(%ebx) with the GOT at 0x3ff4; non-PIC: jmp *0x804c000; endbr32 +
        // jmp *0x10(%ebx)
        let code = [
            0xff, 0xa3, 0x0c, 0, 0, 0, 0xff, 0x25, 0x00, 0xc0, 0x04, 0x08, 0xf3, 0x0f, 0x1e, 0xfb,
            0xff, 0xa3, 0x10, 0, 0, 0,
        ];
        let mut out = Vec::new();
        plt_stubs(elf::EM_386, &code, 0x1030, false, Some(0x3ff4), &mut out);
        assert_eq!(
            out,
            vec![
                (0x1030, 0x4000),
                (0x1036, 0x804_c000),
                (0x1040, 0x4004),
                (0x103c, 0x4004)
            ]
        );
        // without DT_PLTGOT the ebx-relative form names no slot
        let mut out = Vec::new();
        plt_stubs(elf::EM_386, &code[..6], 0x1030, false, None, &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn aarch64_and_mips_stub_forms() {
        // adrp x16, 0x2000 (from 0x6e0); ldr x17, [x16, #48]
        let mut out = Vec::new();
        plt_stubs(
            elf::EM_AARCH64,
            &le(&[0xd000_0010, 0xf940_1a11]),
            0x6e0,
            false,
            None,
            &mut out,
        );
        assert_eq!(out, vec![(0x6e0, 0x2030)]);
        // lui t7, 0x40; lw t9, 0x1870(t7) (big-endian)
        let code: Vec<u8> = [0x3c0f_0040u32, 0x8df9_1870]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        let mut out = Vec::new();
        plt_stubs(elf::EM_MIPS, &code, 0x40_0840, true, None, &mut out);
        assert_eq!(out, vec![(0x40_0840, 0x40_1870)]);
    }

    #[test]
    fn truncated_files_give_no_targets_and_no_panic() {
        assert!(import_targets(b"\x7fELF\x01\x01\x01").is_empty());
        assert!(import_targets(&[]).is_empty());
        assert_eq!(relocated_symbols(b"\x7fELF\x02"), 0);
    }
}
