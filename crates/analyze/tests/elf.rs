#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::elf::{self, ElfType, Relro};
use netvet_model::{kinds, Severity};

#[test]
fn mips_le_exec_without_protections() {
    let spec = ElfSpec {
        imports: vec!["printf", "strcpy", "system", "gets"],
        ..Default::default()
    };
    let h = elf::inspect(&build_elf(&spec)).unwrap();
    assert_eq!(h.arch, "mipsel");
    assert_eq!(h.elf_type, ElfType::Exec);
    assert!(!h.nx && !h.gnu_stack);
    assert_eq!(h.relro, Relro::None);
    assert!(!h.canary && !h.fortify());
    assert!(h.no_sections && h.stripped);
    assert_eq!(h.imports, vec!["gets", "printf", "strcpy", "system"]);
    assert_eq!(h.unsafe_imports(), vec!["gets", "strcpy", "system"]);
    assert_eq!(h.needed, vec!["libc.so.0"]);
    assert_eq!(
        h.missing(),
        vec!["NX", "PIE", "RELRO", "stack canary", "FORTIFY"]
    );
    let f = elf::weak_finding("bin/x", &h).unwrap();
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.evidence.contains("no PT_GNU_STACK"), "{}", f.evidence);
}

#[test]
fn x86_64_pie_full_hardening() {
    let spec = ElfSpec {
        is64: true,
        machine: 62,
        e_type: 3,
        gnu_stack: Some(6),
        relro: true,
        bind_now: true,
        flags_1: 0x0800_0001,
        imports: vec!["__stack_chk_fail", "__printf_chk", "__memcpy_chk", "puts"],
        ..Default::default()
    };
    let h = elf::inspect(&build_elf(&spec)).unwrap();
    assert_eq!(h.arch, "x86_64");
    assert_eq!(h.elf_type, ElfType::Pie);
    assert!(h.nx && h.canary && h.pie());
    assert_eq!(h.relro, Relro::Full);
    assert_eq!(h.fortified, vec!["__memcpy_chk", "__printf_chk"]);
    assert!(h.missing().is_empty());
    assert!(elf::weak_finding("usr/bin/y", &h).is_none());
}

#[test]
fn every_architecture_and_byte_order() {
    // (is64, big endian, machine, expected arch)
    let cases = [
        (false, true, 8u16, "mips"),
        (false, false, 40, "arm"),
        (false, true, 40, "armeb"),
        (true, false, 183, "aarch64"),
        (true, true, 183, "aarch64_be"),
        (false, true, 20, "powerpc"),
        (true, true, 21, "ppc64"),
        (true, false, 21, "ppc64le"),
        (false, false, 3, "x86"),
        (true, false, 243, "riscv64"),
        (false, false, 243, "riscv32"),
        // the ELF class decides the word size: a MIPS64 little-endian file is not mipsel
        (false, false, 8, "mipsel"),
        (true, false, 8, "mips64el"),
        (true, true, 8, "mips64"),
        (false, false, 62, "x32"),
    ];
    for (is64, be, machine, arch) in cases {
        let spec = ElfSpec {
            is64,
            big_endian: be,
            machine,
            e_type: 3,
            interp: false,
            gnu_stack: Some(6),
            relro: true,
            imports: vec!["__stack_chk_guard", "strcat"],
            runpath: Some("/opt/lib"),
            ..Default::default()
        };
        let h = elf::inspect(&build_elf(&spec)).unwrap_or_else(|e| panic!("{arch}: {e}"));
        assert_eq!(h.arch, arch);
        assert_eq!(h.elf_type, ElfType::Dso, "{arch}");
        assert!(h.nx, "{arch}");
        assert_eq!(h.relro, Relro::Partial, "{arch}");
        assert!(h.canary, "{arch}");
        assert_eq!(h.runpath.as_deref(), Some("/opt/lib"), "{arch}");
        assert_eq!(h.unsafe_imports(), vec!["strcat"], "{arch}");
        // a library is never "no PIE"
        assert!(!h.missing().contains(&"PIE"), "{arch}");
        assert_eq!(
            elf::weak_finding("lib/libx.so", &h).unwrap().severity,
            Severity::Low
        );
    }
}

#[test]
fn executable_stack_and_rpath() {
    let spec = ElfSpec {
        gnu_stack: Some(7),
        rpath: Some("/tmp/lib"),
        ..Default::default()
    };
    let h = elf::inspect(&build_elf(&spec)).unwrap();
    assert!(h.gnu_stack && !h.nx);
    assert_eq!(h.rpath.as_deref(), Some("/tmp/lib"));
}

#[test]
fn hostile_input_never_panics() {
    let base = build_elf(&ElfSpec {
        imports: vec!["a", "b", "c"],
        gnu_stack: Some(6),
        relro: true,
        ..Default::default()
    });
    let mut seed = 0x1234_5678_u64;
    for i in 0..3000 {
        let mut d = base.clone();
        for _ in 0..(1 + i % 8) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let pos = (seed as usize) % d.len();
            d[pos] = (seed >> 32) as u8;
        }
        if i % 5 == 0 {
            d.truncate((seed as usize) % d.len());
        }
        let _ = elf::inspect(&d);
    }
    assert!(elf::inspect(b"\x7fELF").is_err());
    assert!(elf::inspect(&[0u8; 100]).is_err());
}

#[test]
fn analyzer_findings_and_summaries() {
    let weak = build_elf(&ElfSpec {
        imports: vec!["strcpy", "sprintf", "popen"],
        ..Default::default()
    });
    let good = build_elf(&ElfSpec {
        is64: true,
        machine: 62,
        e_type: 3,
        gnu_stack: Some(6),
        relro: true,
        bind_now: true,
        flags_1: 0x0800_0000,
        imports: vec!["__stack_chk_fail", "__sprintf_chk"],
        ..Default::default()
    });
    let t = tree(vec![
        file("bin/weak", 0o755, &weak),
        file("usr/bin/good", 0o755, &good),
        file("etc/passwd", 0o644, b"root:x:0:0::/root:/bin/sh\n"),
    ]);
    let out = run(&elf::ElfAnalyzer, &t);
    let weak_f: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.kind == kinds::HARDENING_WEAK)
        .collect();
    assert_eq!(weak_f.len(), 1);
    assert_eq!(weak_f[0].path.as_deref(), Some("bin/weak"));
    // one finding per binary, listing every protection it lacks (NX and canary among them)
    assert!(
        weak_f[0]
            .evidence
            .starts_with("missing: NX, PIE, RELRO, stack canary, FORTIFY;"),
        "{}",
        weak_f[0].evidence
    );
    assert_eq!(
        weak_f[0].title,
        "Executable weak lacks NX, PIE, RELRO, stack canary, FORTIFY"
    );
    let unsafe_f: Vec<_> = out
        .findings
        .iter()
        .filter(|f| f.kind == kinds::CODE_UNSAFE_FUNCTION)
        .collect();
    assert_eq!(unsafe_f.len(), 1);
    assert!(unsafe_f[0]
        .evidence
        .contains("3 unsafe function(s): popen, sprintf, strcpy"));
    let h = &out
        .summaries
        .iter()
        .find(|(k, _)| k == "hardening")
        .unwrap()
        .1;
    assert_eq!(h["binaries"], 2);
    assert_eq!(h["executables"], 2);
    assert_eq!(h["nx"], 1);
    assert_eq!(h["pie"], 1);
    assert_eq!(h["relro_full"], 1);
    assert_eq!(h["relro_none"], 1);
    assert_eq!(h["canary"], 1);
    assert_eq!(h["fortify"], 1);
    // the per-binary rows of the report's hardening matrix, by path
    let rows = h["per_binary"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["path"], "bin/weak");
    assert_eq!(rows[0]["relro"], "none");
    assert_eq!(rows[0]["nx"], false);
    assert_eq!(rows[0]["canary"], false);
    assert_eq!(rows[1]["path"], "usr/bin/good");
    assert_eq!(rows[1]["type"], "pie");
    assert_eq!(rows[1]["relro"], "full");
    assert_eq!(rows[1]["fortify"], true);
    let u = &out
        .summaries
        .iter()
        .find(|(k, _)| k == "unsafe_functions")
        .unwrap()
        .1;
    assert_eq!(u["binaries_with_unsafe_imports"], 1);
    assert_eq!(u["binaries_importing"]["strcpy"], 1);
}

#[test]
fn corpus_luxul_binaries() {
    let Some(t) = corpus_tree("rootfs/luxul-xbr4400/squashfs-root") else {
        return;
    };
    let bb = t.get("bin/busybox").expect("busybox");
    let h = elf::inspect(&bb.data).unwrap();
    assert_eq!(h.arch, "mipsel");
    assert!(h.imports.iter().any(|i| i == "strcpy"), "{:?}", h.imports);
    let out = run(&elf::ElfAnalyzer, &t);
    let s = &out
        .summaries
        .iter()
        .find(|(k, _)| k == "hardening")
        .unwrap()
        .1;
    assert!(s["binaries"].as_u64().unwrap() > 100, "{s}");
    assert!(s["arch"]["mipsel"].as_u64().unwrap() > 100, "{s}");
    // no hardening finding above medium
    assert!(out.findings.iter().all(|f| f.severity <= Severity::Medium));
}
