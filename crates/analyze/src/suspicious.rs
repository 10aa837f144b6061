//! `backdoor.suspicious`: executables that listen on the network AND run commands AND carry
//! a strong sign that the two are wired together without authentication.
//!
//! Many legitimate daemons import socket/bind/listen and system/popen/exec (web servers run
//! CGI, SSH and telnet servers start shells, BusyBox has `nc -e`). What distinguishes a
//! backdoor is the combination with one of:
//! - a literal command that hands out an unauthenticated shell (`telnetd -l /bin/sh`,
//!   `nc -l -p 1234 -e /bin/sh`, `/bin/sh -i`) embedded in the program, or
//! - the bind-shell pattern: dup2 of the socket onto stdio plus exec of a shell, in a
//!   program that imports no authentication function (crypt, getspnam, getpwnam, PAM) and
//!   does nothing else (few imports): a daemon that runs a helper script through `/bin/sh`
//!   with redirected descriptors (dnsmasq's dhcp-script) has the same imports among hundreds.
//!
//! A BusyBox identified by its banner AND applet table is excluded: a multi-call binary whose
//! applets legitimately contain all of these (the behaviour analyzer judges BusyBox builds,
//! and the services analyzer how their applets are started). The banner string alone does
//! not exclude a file.

use crate::elf;
use crate::{Analyzer, Context, Output};
use memchr::memmem;
use netvet_model::{kinds, Finding, Severity};
use rayon::prelude::*;

/// Command lines that hand out a shell (a listener started with a shell as its program).
pub(crate) const SHELL_COMMANDS: &[&[u8]] = &[
    b"telnetd -l /bin/sh",
    b"telnetd -l/bin/sh",
    b"telnetd -l /bin/ash",
    b"-e /bin/sh",
    b"-e /bin/ash",
    b"/bin/sh -i",
    b"/bin/busybox telnetd -l",
];

/// Imports of a program that checks an account database.
pub(crate) const AUTH_IMPORTS: &[&str] = &[
    "crypt",
    "crypt_r",
    "getspnam",
    "getspnam_r",
    "getpwnam",
    "getpwnam_r",
    "pam_start",
    "pam_authenticate",
    "getpass",
];

pub struct Suspicious;

impl Analyzer for Suspicious {
    fn name(&self) -> &'static str {
        "suspicious"
    }

    fn run(&self, cx: &Context) -> Output {
        let findings: Vec<Finding> = cx
            .tree
            .entries
            .par_iter()
            .filter(|e| e.is_file() && netvet_unpack::classify::is_elf(&e.data))
            .filter_map(|e| {
                let f = judge(&e.path, &e.data);
                netvet_unpack::spool::release(&e.data);
                f
            })
            .collect();
        Output {
            findings,
            summaries: Vec::new(),
        }
    }
}

/// The finding for one ELF file, if it looks like a backdoor listener.
pub fn judge(path: &str, data: &[u8]) -> Option<Finding> {
    judge_with(path, data, &elf::inspect(data).ok()?)
}

/// [`judge`] with the file's ELF reading done by the caller.
pub fn judge_with(path: &str, data: &[u8], h: &elf::Hardening) -> Option<Finding> {
    if !h.elf_type.is_executable() && h.elf_type != elf::ElfType::Dso {
        return None;
    }
    if crate::behaviour::busybox(data).is_some() {
        return None;
    }
    let has = |n: &str| h.imports.iter().any(|i| i == n);
    let listener_imports: Vec<&str> = ["socket", "bind", "listen", "accept", "recvfrom", "recv"]
        .into_iter()
        .filter(|n| has(n))
        .collect();
    let listens =
        has("socket") && ((has("bind") && (has("listen") || has("accept"))) || has("recvfrom"));
    let exec_imports: Vec<&str> = [
        "system", "popen", "execve", "execl", "execlp", "execle", "execv", "execvp",
    ]
    .into_iter()
    .filter(|n| has(n))
    .collect();
    if !listens || exec_imports.is_empty() {
        return None;
    }
    let mut signals = Vec::new();
    for pat in SHELL_COMMANDS {
        if let Some(off) = memmem::find(data, pat) {
            signals.push(format!(
                "embedded command \"{}\" at offset {off:#x}",
                String::from_utf8_lossy(pat)
            ));
        }
    }
    let auth: Vec<&str> = AUTH_IMPORTS.iter().copied().filter(|n| has(n)).collect();
    let shell = [b"/bin/sh\0".as_slice(), b"/bin/ash\0", b"/bin/bash\0"]
        .iter()
        .find_map(|p| memmem::find(data, p).map(|o| (o, *p)));
    if has("dup2") && auth.is_empty() && h.imports.len() <= crate::behaviour::SMALL_PROGRAM_IMPORTS
    {
        if let Some((off, p)) = shell {
            if exec_imports.iter().any(|e| e.starts_with("exec")) {
                signals.push(format!(
                    "bind-shell pattern: dup2 + {} + \"{}\" at offset {off:#x} in a program of {} imports, no authentication import",
                    exec_imports.join("/"),
                    h.imports.len(),
                    String::from_utf8_lossy(&p[..p.len() - 1])
                ));
            }
        }
    }
    if signals.is_empty() {
        return None;
    }
    let severity = if signals.len() >= 2 {
        Severity::High
    } else {
        Severity::Medium
    };
    let name = path.rsplit('/').next().unwrap_or(path);
    Some(
        Finding::new(
            kinds::BACKDOOR_SUSPICIOUS,
            severity,
            format!("{name} listens on the network and can hand out a shell"),
            Some(path.to_string()),
            format!(
                "imports {} (network listener) and {} (command execution); {}; authentication imports: {}",
                listener_imports.join(", "),
                exec_imports.join(", "),
                signals.join("; "),
                if auth.is_empty() { "none".to_string() } else { auth.join(", ") }
            ),
        )
        .with_key("suspicious-listener"),
    )
}
