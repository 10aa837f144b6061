//! Cheap content classification: what is a leaf (not worth carving), and ELF architecture.

/// True for contents that are not carved for embedded formats: ELF objects (except
/// UPX-packed ones, whose original the `upx` handler restores), text, tiny files.
pub fn is_leaf(data: &[u8]) -> bool {
    data.len() < 16
        || (is_elf(data) && !crate::formats::compression::upx::is_packed_elf(data))
        || is_text(data)
}

pub fn is_elf(data: &[u8]) -> bool {
    data.len() >= 52 && data.starts_with(b"\x7fELF")
}

/// Heuristic text test on the first 8 KiB: no NUL and at most 5 % non-text bytes.
pub fn is_text(data: &[u8]) -> bool {
    let head = &data[..data.len().min(8192)];
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    let bad = head
        .iter()
        .filter(|&&b| b < 0x09 || (b > 0x0d && b < 0x20) || b == 0x7f)
        .count();
    bad * 20 <= head.len()
}

/// Architecture family of an ELF header, with the byte order (`little` / `big`).
///
/// The family already reflects the ELF class where one machine number covers both word sizes
/// (`EM_MIPS` in an ELF64 file is `mips64`, `EM_RISCV` is `riscv32` or `riscv64`, `EM_X86_64`
/// in an ELF32 file is the `x32` ABI); the byte order is left to the caller, which spells the
/// combination (`mips64` + `little` is Debian's `mips64el`, see netvet-analyze `arch_name`).
/// MIPS ELF32 files of the n32 ABI (`EF_MIPS_ABI2` in `e_flags`) are `mipsn32`.
///
/// ELF header fields read (System V gABI): `e_ident[EI_CLASS]` at 4 (1 = ELF32, 2 = ELF64),
/// `e_ident[EI_DATA]` at 5 (1 = LSB, 2 = MSB), `e_machine` at 18 (u16), `e_flags` at 36
/// (ELF32) or 48 (ELF64).
pub fn elf_arch(data: &[u8]) -> Option<(&'static str, &'static str)> {
    if !is_elf(data) {
        return None;
    }
    let is64 = match data[4] {
        1 => false,
        2 => true,
        _ => return None,
    };
    let little = match data[5] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let machine = crate::bytes::u16_at(data, 18, !little)?;
    // e_flags; `None` in a header cut short (then no ABI flag is known)
    let flags = crate::bytes::u32_at(data, if is64 { 48 } else { 36 }, !little);
    const EF_MIPS_ABI2: u32 = 0x20;
    let name = match (machine, is64) {
        (2 | 18, false) => "sparc",
        (2 | 18 | 43, true) | (43, false) => "sparc64",
        (3, _) => "x86",
        (4, _) => "m68k",
        (8 | 10, true) => "mips64",
        (8 | 10, false) if flags.is_some_and(|f| f & EF_MIPS_ABI2 != 0) => "mipsn32",
        (8 | 10, false) => "mips",
        (15, _) => "hppa",
        (20, false) => "powerpc",
        (20 | 21, true) | (21, false) => "ppc64",
        (22, false) => "s390",
        (22, true) => "s390x",
        (40, _) => "arm",
        (42, _) => "superh",
        (50, _) => "ia64",
        (62, true) => "x86_64",
        (62, false) => "x32",
        (92, _) => "openrisc",
        (94, _) => "xtensa",
        (106, _) => "blackfin",
        (113, _) => "nios2",
        (164, _) => "hexagon",
        (167, _) => "nds32",
        (183, true) => "aarch64",
        (183, false) => "aarch64_ilp32",
        (189, _) => "microblaze",
        (93 | 195, _) => "arc",
        (243, false) => "riscv32",
        (243, true) => "riscv64",
        (252, _) => "csky",
        (258, true) => "loongarch64",
        (258, false) => "loongarch32",
        (0x9026, _) => "alpha",
        _ => return None,
    };
    Some((name, if little { "little" } else { "big" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_elf() {
        assert!(is_text(b"#!/bin/sh\necho hello\n"));
        assert!(!is_text(b"\x1f\x8b\x08\x00\x00\x00\x00\x00"));
        let mut elf = vec![0u8; 64];
        elf[..4].copy_from_slice(b"\x7fELF");
        elf[4] = 1;
        elf[5] = 1;
        elf[18] = 8;
        assert_eq!(elf_arch(&elf), Some(("mips", "little")));
        elf[5] = 2;
        elf[18] = 0;
        elf[19] = 40;
        assert_eq!(elf_arch(&elf), Some(("arm", "big")));
        // the class decides the word size: ELF64 MIPS is mips64, in either byte order
        elf[4] = 2;
        elf[19] = 8;
        assert_eq!(elf_arch(&elf), Some(("mips64", "big")));
        elf[5] = 1;
        elf[18] = 8;
        elf[19] = 0;
        assert_eq!(elf_arch(&elf), Some(("mips64", "little")));
        elf[18] = 243;
        assert_eq!(elf_arch(&elf), Some(("riscv64", "little")));
        elf[4] = 1;
        assert_eq!(elf_arch(&elf), Some(("riscv32", "little")));
        // MIPS ELF32 with EF_MIPS_ABI2: the n32 ABI of a 64-bit CPU
        elf[18] = 8;
        elf[36] = 0x20;
        assert_eq!(elf_arch(&elf), Some(("mipsn32", "little")));
        elf[36] = 0;
        assert_eq!(elf_arch(&elf), Some(("mips", "little")));
        elf[4] = 3;
        assert_eq!(elf_arch(&elf), None);
    }
}
