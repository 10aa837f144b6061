//! Cheap content classification: what is a leaf (not worth carving), and ELF architecture.

/// True for contents that are not carved for embedded formats: ELF objects, text, tiny files.
pub fn is_leaf(data: &[u8]) -> bool {
    data.len() < 16 || is_elf(data) || is_text(data)
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

/// Architecture name of an ELF header (`mips`, `arm`, `aarch64`, `x86_64`, ...), with the
/// byte order for bi-endian families (`mipsel` is reported as `mips` + `little`).
pub fn elf_arch(data: &[u8]) -> Option<(&'static str, &'static str)> {
    if !is_elf(data) {
        return None;
    }
    let little = match data[5] {
        1 => true,
        2 => false,
        _ => return None,
    };
    let m = if little {
        u16::from_le_bytes([data[18], data[19]])
    } else {
        u16::from_be_bytes([data[18], data[19]])
    };
    let name = match m {
        2 => "sparc",
        3 => "x86",
        8 | 10 => "mips",
        20 => "powerpc",
        21 => "powerpc64",
        22 => "s390",
        40 => "arm",
        42 => "superh",
        43 => "sparc64",
        62 => "x86_64",
        183 => "aarch64",
        243 => "riscv",
        258 => "loongarch",
        94 => "xtensa",
        106 => "blackfin",
        164 => "hexagon",
        92 => "openrisc",
        189 => "microblaze",
        195 => "arc",
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
        elf[5] = 1;
        elf[18] = 8;
        assert_eq!(elf_arch(&elf), Some(("mips", "little")));
        elf[5] = 2;
        elf[18] = 0;
        elf[19] = 40;
        assert_eq!(elf_arch(&elf), Some(("arm", "big")));
    }
}
