//! Permissions from file-system metadata: setuid/setgid root executables and world-writable
//! files or directories in system paths or run at boot.
//!
//! Only meaningful for layers that carry modes (squashfs, cpio, tar, ext, ...); a directory
//! input from a checkout has lost owners and most modes.

use crate::{services, Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::EntryKind;
use std::collections::BTreeSet;

/// setuid programs whose job needs it (standard Linux distributions ship them setuid).
const EXPECTED_SETUID: &[&str] = &[
    "su",
    "sudo",
    "passwd",
    "ping",
    "ping6",
    "mount",
    "umount",
    "newgrp",
    "chsh",
    "chfn",
    "gpasswd",
    "pkexec",
    "traceroute",
    "traceroute6",
    "crontab",
    "at",
];

/// Directories where world-writable entries are expected.
fn temp_like(inner: &str) -> bool {
    [
        "tmp", "var/tmp", "dev/shm", "var/lock", "run/lock", "var/run", "run", "dev", "proc", "sys",
    ]
    .iter()
    .any(|t| inner == *t || inner.starts_with(&format!("{t}/")))
}

fn system_path(inner: &str) -> bool {
    [
        "bin/", "sbin/", "usr/", "lib/", "lib64/", "etc/", "www/", "opt/", "root/", "boot/",
    ]
    .iter()
    .any(|p| inner.starts_with(p))
        || matches!(
            inner,
            "bin" | "sbin" | "usr" | "lib" | "etc" | "www" | "opt" | "root"
        )
}

fn mode_str(mode: u32) -> String {
    format!("{:04o}", mode & 0o7777)
}

pub struct Permissions;

impl Analyzer for Permissions {
    fn name(&self) -> &'static str {
        "permissions"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let tree = cx.tree;
        let mut boot: BTreeSet<String> = BTreeSet::new();
        for root in services::roots(tree) {
            boot.extend(services::boot_scripts(tree, &root));
        }
        for e in &tree.entries {
            let m = e.meta.mode;
            if e.kind == EntryKind::File && m & 0o6000 != 0 && m & 0o111 != 0 {
                let suid = m & 0o4000 != 0 && e.meta.uid == 0;
                let sgid = m & 0o2000 != 0 && e.meta.gid == 0;
                if suid || sgid {
                    let name = e.file_name();
                    let busybox = name == "busybox"
                        || (netvet_unpack::classify::is_elf(&e.data)
                            && memchr::memmem::find(&e.data, b"BusyBox v").is_some());
                    let (sev, why) = if busybox && suid {
                        (Severity::High, "BusyBox setuid root: every applet (sh, vi, cp, ...) runs as root for any user unless it drops privileges itself")
                    } else if !suid {
                        (Severity::Low, "setgid root group")
                    } else if EXPECTED_SETUID.contains(&name) {
                        (
                            Severity::Low,
                            "a program that conventionally needs setuid root",
                        )
                    } else {
                        (
                            Severity::Medium,
                            "setuid root: a bug in it gives root to a local user",
                        )
                    };
                    out.findings.push(
                        Finding::new(
                            kinds::PERMISSION_SETUID,
                            sev,
                            format!(
                                "{} {name}",
                                if suid { "setuid root" } else { "setgid root" }
                            ),
                            Some(e.path.clone()),
                            format!(
                                "mode {} uid {} gid {}; {why}",
                                mode_str(m),
                                e.meta.uid,
                                e.meta.gid
                            ),
                        )
                        .with_key("setuid"),
                    );
                }
            }
            if m & 0o002 != 0 && matches!(e.kind, EntryKind::File | EntryKind::Dir) {
                let inner = e.inner_path();
                if temp_like(inner) || (e.kind == EntryKind::Dir && m & 0o1000 != 0) {
                    continue;
                }
                let at_boot = boot.contains(&e.path);
                if !(at_boot || system_path(inner)) {
                    continue;
                }
                let (sev, why) = if at_boot {
                    (
                        Severity::High,
                        "run as root at boot: any local user can change what root executes",
                    )
                } else if e.kind == EntryKind::Dir {
                    (Severity::Medium, "world-writable system directory without sticky bit: anyone can replace files in it")
                } else if m & 0o111 != 0 {
                    (
                        Severity::Medium,
                        "world-writable executable in a system path",
                    )
                } else {
                    (Severity::Low, "world-writable file in a system path")
                };
                out.findings.push(
                    Finding::new(
                        kinds::PERMISSION_WORLD_WRITABLE,
                        sev,
                        format!(
                            "World-writable {} {}",
                            if e.kind == EntryKind::Dir {
                                "directory"
                            } else {
                                "file"
                            },
                            e.file_name()
                        ),
                        Some(e.path.clone()),
                        format!("mode {} uid {}; {why}", mode_str(m), e.meta.uid),
                    )
                    .with_key("world-writable"),
                );
            }
        }
        out
    }
}
