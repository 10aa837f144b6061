//! SSH daemon configuration: OpenSSH `sshd_config` and Dropbear (command-line options in
//! boot scripts, OpenWrt UCI `etc/config/dropbear`). Reports `config.ssh-root-login` and
//! `config.ssh-empty-passwords`.
//!
//! OpenSSH semantics: the first value of a keyword wins, `Match` blocks only narrow it, and
//! the default of `PermitRootLogin` is `yes` before OpenSSH 7.0 and `prohibit-password`
//! (alias `without-password`) from 7.0 on (OpenSSH 7.0 release notes). Dropbear: `-w`
//! disallows root logins, `-g` root password logins, `-s` all password logins, `-B` allows
//! blank passwords (dropbear(8)).

use crate::services::{self, Command};
use crate::{Analyzer, Context, Output};
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::{path, Tree};

pub struct Ssh;

impl Analyzer for Ssh {
    fn name(&self) -> &'static str {
        "ssh"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        for root in services::roots(cx.tree) {
            openssh(cx.tree, &root, &mut out.findings);
            dropbear(cx.tree, &root, &mut out.findings);
        }
        out
    }
}

fn text<'a>(tree: &'a Tree, root: &str, inner: &str) -> Option<(String, &'a str)> {
    let e = services::lookup(tree, root, inner)?;
    let e = services::resolve(tree, e)?;
    if e.data.len() > 1 << 20 {
        return None;
    }
    Some((e.path.clone(), std::str::from_utf8(&e.data).ok()?))
}

/// OpenSSH version (major, minor) from the `OpenSSH_x.y` banner in the sshd binary.
fn openssh_version(tree: &Tree, root: &str) -> Option<(u32, u32)> {
    for p in ["usr/sbin/sshd", "sbin/sshd", "usr/bin/sshd"] {
        let Some(e) = services::lookup(tree, root, p) else {
            continue;
        };
        let Some(e) = services::resolve(tree, e) else {
            continue;
        };
        let data = &e.data;
        if let Some(i) = memchr::memmem::find(data, b"OpenSSH_") {
            let rest = &data[i + 8..data.len().min(i + 20)];
            let s: String = rest
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'.')
                .map(|&b| b as char)
                .collect();
            let mut it = s.split('.');
            let major = it.next()?.parse().ok()?;
            let minor = it.next().and_then(|m| m.parse().ok()).unwrap_or(0);
            return Some((major, minor));
        }
    }
    None
}

fn openssh(tree: &Tree, root: &str, out: &mut Vec<Finding>) {
    let Some((file, cfg)) = text(tree, root, "etc/ssh/sshd_config") else {
        return;
    };
    let mut root_login: Option<(usize, String, String)> = None;
    let mut password_auth: Option<(usize, String, String)> = None;
    let mut empty: Option<(usize, String, String)> = None;
    for (n, raw) in cfg.lines().enumerate().take(10_000) {
        let line = raw.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut it = line.splitn(2, |c: char| c.is_whitespace() || c == '=');
        let key = it.next().unwrap_or("").to_ascii_lowercase();
        let val = it
            .next()
            .unwrap_or("")
            .trim()
            .trim_start_matches('=')
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if key == "match" {
            break; // global settings end here
        }
        let slot = match key.as_str() {
            "permitrootlogin" => &mut root_login,
            "passwordauthentication" => &mut password_auth,
            "permitemptypasswords" => &mut empty,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some((n + 1, raw.trim().to_string(), val));
        }
    }
    let passwords_on = password_auth.as_ref().is_none_or(|(_, _, v)| v != "no");
    let pw_note = match &password_auth {
        Some((n, l, _)) => format!("line {n}: {l}"),
        None => "PasswordAuthentication not set (default yes)".into(),
    };
    match &root_login {
        Some((n, l, v)) if v == "yes" && passwords_on => out.push(
            Finding::new(
                kinds::CONFIG_SSH_ROOT_LOGIN,
                Severity::Medium,
                "OpenSSH permits root login with a password",
                Some(file.clone()),
                format!("{file} line {n}: {l}; {pw_note}"),
            )
            .with_key("openssh"),
        ),
        None if passwords_on => {
            let version = openssh_version(tree, root);
            if let Some((major, minor)) = version.filter(|v| v.0 < 7) {
                out.push(
                    Finding::new(
                        kinds::CONFIG_SSH_ROOT_LOGIN,
                        Severity::Medium,
                        "OpenSSH permits root login with a password (default of this version)",
                        Some(file.clone()),
                        format!(
                            "{file}: PermitRootLogin not set; sshd is OpenSSH {major}.{minor}, whose default is 'yes' (prohibit-password is the default from 7.0); {pw_note}"
                        ),
                    )
                    .with_key("openssh"),
                );
            }
        }
        _ => {}
    }
    if let Some((n, l, v)) = &empty {
        if v == "yes" && passwords_on {
            out.push(
                Finding::new(
                    kinds::CONFIG_SSH_EMPTY_PASSWORDS,
                    Severity::High,
                    "OpenSSH permits empty passwords",
                    Some(file.clone()),
                    format!("{file} line {n}: {l}; {pw_note}"),
                )
                .with_key("openssh"),
            );
        }
    }
}

fn dropbear(tree: &Tree, root: &str, out: &mut Vec<Finding>) {
    // OpenWrt: options come from UCI
    if let Some((file, cfg)) = text(tree, root, "etc/config/dropbear") {
        uci_dropbear(&file, cfg, out);
        return;
    }
    for (file, line_no, line, cmd) in services::boot_commands(tree, root) {
        if cmd.name() != "dropbear" || cmd.is_init_script() {
            continue;
        }
        dropbear_args(&file, line_no, &line, &cmd, out);
    }
}

fn has_flag(cmd: &Command, flag: char) -> bool {
    cmd.args.iter().any(|a| {
        a.strip_prefix('-').is_some_and(|f| {
            !f.starts_with('-') && f.chars().all(|c| c.is_ascii_alphabetic()) && f.contains(flag)
        })
    })
}

fn dropbear_args(file: &str, line_no: usize, line: &str, cmd: &Command, out: &mut Vec<Finding>) {
    let loc = format!("{file} line {line_no}: {line}");
    let (w, g, s, b) = (
        has_flag(cmd, 'w'),
        has_flag(cmd, 'g'),
        has_flag(cmd, 's'),
        has_flag(cmd, 'B'),
    );
    if !w && !g && !s {
        out.push(
            Finding::new(
                kinds::CONFIG_SSH_ROOT_LOGIN,
                Severity::Medium,
                "Dropbear permits root login with a password",
                Some(file.to_string()),
                format!("{loc} (none of -w, -g, -s given)"),
            )
            .with_key("dropbear"),
        );
    }
    if b && !s {
        out.push(
            Finding::new(
                kinds::CONFIG_SSH_EMPTY_PASSWORDS,
                Severity::High,
                "Dropbear permits blank passwords (-B)",
                Some(file.to_string()),
                loc,
            )
            .with_key("dropbear"),
        );
    }
}

fn uci_dropbear(file: &str, cfg: &str, out: &mut Vec<Finding>) {
    struct Section {
        line: usize,
        opts: Vec<(String, String, usize)>,
    }
    let mut sections: Vec<Section> = Vec::new();
    for (n, raw) in cfg.lines().enumerate().take(10_000) {
        let w: Vec<String> = raw
            .split_whitespace()
            .map(|x| x.trim_matches(|c| c == '\'' || c == '"').to_string())
            .collect();
        match w.first().map(String::as_str) {
            Some("config") if w.get(1).is_some_and(|t| t == "dropbear") => sections.push(Section {
                line: n + 1,
                opts: Vec::new(),
            }),
            Some("config") => sections.push(Section {
                line: 0,
                opts: Vec::new(),
            }),
            Some("option") => {
                if let (Some(s), Some(k), Some(v)) = (sections.last_mut(), w.get(1), w.get(2)) {
                    s.opts.push((k.clone(), v.to_ascii_lowercase(), n + 1));
                }
            }
            _ => {}
        }
    }
    let off = |v: &str| matches!(v, "off" | "0" | "no" | "false");
    let on = |v: &str| matches!(v, "on" | "1" | "yes" | "true");
    for s in sections.iter().filter(|s| s.line > 0) {
        let get = |k: &str| s.opts.iter().find(|(key, _, _)| key == k);
        if get("enable").is_some_and(|(_, v, _)| off(v)) {
            continue;
        }
        let pw = get("PasswordAuth");
        let rootpw = get("RootPasswordAuth");
        let rootlogin = get("RootLogin");
        let desc = |o: Option<&(String, String, usize)>, name: &str, default: &str| match o {
            Some((k, v, l)) => format!("line {l}: option {k} '{v}'"),
            None => format!("{name} not set (default {default})"),
        };
        let pw_on = pw.is_none_or(|(_, v, _)| !off(v));
        let rootpw_on = rootpw.is_none_or(|(_, v, _)| !off(v));
        let root_on = rootlogin.is_none_or(|(_, v, _)| !off(v));
        if pw_on && rootpw_on && root_on {
            out.push(
                Finding::new(
                    kinds::CONFIG_SSH_ROOT_LOGIN,
                    Severity::Medium,
                    "Dropbear permits root login with a password",
                    Some(file.to_string()),
                    format!(
                        "{file} config dropbear at line {}: {}; {}; {}",
                        s.line,
                        desc(pw, "PasswordAuth", "on"),
                        desc(rootpw, "RootPasswordAuth", "on"),
                        desc(rootlogin, "RootLogin", "1")
                    ),
                )
                .with_key("dropbear"),
            );
        }
        if let Some((k, v, l)) = get("BlankPassword") {
            if on(v) && pw_on {
                out.push(
                    Finding::new(
                        kinds::CONFIG_SSH_EMPTY_PASSWORDS,
                        Severity::High,
                        "Dropbear permits blank passwords",
                        Some(file.to_string()),
                        format!("{file} line {l}: option {k} '{v}' (dropbear -B)"),
                    )
                    .with_key("dropbear"),
                );
            }
        }
    }
    let _ = path::file_name(file);
}
