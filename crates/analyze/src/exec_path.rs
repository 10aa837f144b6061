//! Which program an exec call runs: the register tracker knows the constant in the path
//! argument of `execve`/`execl`/... (or the command of `system`/`popen`) when the code loads
//! a string's address there (MIPS `lui`/`addiu` or a GOT page entry plus `addiu`, an ARM
//! literal pool, AArch64 `adrp`/`add`, x86-64 `lea` off `rip`, i386 `push imm32` or `lea`
//! off the GOT pointer); this module reads that string from the file and says whether it
//! is a shell. A bind shell hands the peer a shell; an inetd-style super-server hands it the
//! program its configuration names.

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::Endianness;

/// Longest string read as a program path or command line.
const MAX_PATH: usize = 256;

/// The `PT_LOAD` segments of an ELF file: (virtual address, file offset, file size).
pub fn load_segments(data: &[u8]) -> Vec<(u64, u64, u64)> {
    fn of<E: FileHeader<Endian = Endianness>>(data: &[u8]) -> Option<Vec<(u64, u64, u64)>> {
        let h = E::parse(data).ok()?;
        let endian = h.endian().ok()?;
        Some(
            h.program_headers(endian, data)
                .ok()?
                .iter()
                .filter(|ph| ph.p_type(endian) == elf::PT_LOAD)
                .map(|ph| {
                    (
                        ph.p_vaddr(endian).into(),
                        ph.p_offset(endian).into(),
                        ph.p_filesz(endian).into(),
                    )
                })
                .collect(),
        )
    }
    match data.get(4) {
        Some(1) => of::<elf::FileHeader32<Endianness>>(data),
        Some(2) => of::<elf::FileHeader64<Endianness>>(data),
        _ => None,
    }
    .unwrap_or_default()
}

/// The file offset of virtual address `va`, if a segment holds it in the file.
pub fn file_offset(loads: &[(u64, u64, u64)], va: u64) -> Option<usize> {
    loads.iter().find_map(|&(v, off, size)| {
        let d = va.checked_sub(v)?;
        (d < size)
            .then(|| usize::try_from(off.checked_add(d)?).ok())
            .flatten()
    })
}

/// The NUL-terminated printable string at virtual address `va` (2 to 256 characters).
pub fn string_at(data: &[u8], loads: &[(u64, u64, u64)], va: u64) -> Option<String> {
    let off = file_offset(loads, va)?;
    let tail = data.get(off..)?;
    let end = memchr::memchr(0, &tail[..tail.len().min(MAX_PATH + 1)])?;
    let s = &tail[..end];
    (s.len() >= 2 && s.iter().all(|b| (0x20..0x7f).contains(b)))
        .then(|| String::from_utf8_lossy(s).into_owned())
}

/// Program names that are a command interpreter.
const SHELL_NAMES: &[&str] = &[
    "sh", "ash", "bash", "dash", "hush", "ksh", "mksh", "zsh", "csh", "tcsh",
];

/// Whether a program path or command line runs a shell the peer can type into: its first
/// word names a shell (`/bin/sh`, `/bin/ash -i`, `sh`), or BusyBox (`/bin/busybox` run by
/// path, whose applet is `argv[0]`, which the tracker does not read; `busybox sh`).
pub fn is_shell(cmd: &str) -> bool {
    let mut words = cmd.split_whitespace();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let Some(first) = words.next().map(base) else {
        return false;
    };
    if first == "busybox" {
        return words
            .next()
            .map(base)
            .is_none_or(|a| SHELL_NAMES.contains(&a.as_str()));
    }
    SHELL_NAMES.contains(&first.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shells_and_other_programs() {
        for s in [
            "/bin/sh",
            "/bin/ash",
            "/bin/sh -i",
            "sh",
            "/bin/busybox",
            "busybox sh",
            "/usr/bin/bash --norc",
        ] {
            assert!(is_shell(s), "{s}");
        }
        for s in [
            "/usr/sbin/ftpd",
            "/usr/sbin/telnetd -l /bin/login",
            "busybox telnetd",
            "/bin/shx",
            "",
        ] {
            assert!(!is_shell(s), "{s}");
        }
    }

    #[test]
    fn strings_are_read_through_the_segments() {
        let mut data = vec![0u8; 64];
        data[40..48].copy_from_slice(b"/bin/sh\0");
        data[50..52].copy_from_slice(b"\x01\0");
        let loads = [(0x1000, 32, 32)];
        assert_eq!(string_at(&data, &loads, 0x1008).as_deref(), Some("/bin/sh"));
        // unprintable, outside the file part, unterminated
        assert_eq!(string_at(&data, &loads, 0x1012), None);
        assert_eq!(string_at(&data, &loads, 0x1040), None);
        assert_eq!(string_at(b"abc", &[(0, 0, 3)], 0), None);
        assert!(load_segments(b"\x7fELF").is_empty());
    }
}
