//! The judgements over a root's boot chain that need more than one command: unauthenticated
//! shells, inetd and xinetd services, SNMP communities.

use super::*;

pub(super) fn is_network_daemon(name: &str) -> bool {
    matches!(
        name,
        "telnetd" | "utelnetd" | "in.telnetd" | "nc" | "netcat" | "ncat" | "socat"
    )
}

/// Describe the unauthenticated shell a command hands out, if any.
pub(super) fn unauthenticated_shell(rs: &RootScan, cmd: &Command) -> Option<String> {
    let name = cmd.name();
    let args = &cmd.args;
    let arg_after = |flags: &[&str]| -> Option<&String> {
        args.iter()
            .position(|a| flags.contains(&a.as_str()))
            .and_then(|p| args.get(p + 1))
    };
    match name {
        "telnetd" | "utelnetd" | "in.telnetd" => {
            let login = arg_after(&["-l", "-L"])?;
            if shell_without_login(rs, login) {
                return Some(format!("{name} serving {login} without login"));
            }
            None
        }
        "nc" | "netcat" | "ncat" => {
            let listens = args
                .iter()
                .any(|a| a.starts_with("-l") || a == "--listen" || a == "-ll");
            let exec = arg_after(&["-e", "-c", "--exec", "--sh-exec"])?;
            if listens
                && SHELLS.contains(&path::file_name(
                    exec.split_whitespace().next().unwrap_or(""),
                ))
            {
                return Some(format!("{name} listener executing {exec}"));
            }
            None
        }
        "socat" => {
            let listen = args.iter().any(|a| {
                a.to_ascii_uppercase().starts_with("TCP-LISTEN")
                    || a.to_ascii_uppercase().starts_with("TCP4-LISTEN")
            });
            let exec = args.iter().any(|a| {
                let u = a.to_ascii_uppercase();
                (u.starts_with("EXEC:") || u.starts_with("SYSTEM:"))
                    && SHELLS
                        .iter()
                        .any(|s| a.contains(&format!("/{s}")) || a[5..].starts_with(s))
            });
            (listen && exec)
                .then(|| format!("socat listener executing a shell ({})", args.join(" ")))
        }
        "getty" | "agetty" | "mingetty" => {
            if args
                .iter()
                .any(|a| a == "-a" || a == "--autologin" || a.starts_with("--autologin="))
            {
                return Some(format!("{name} with autologin ({})", args.join(" ")));
            }
            let login = arg_after(&["-l"]);
            let no_prompt = args.iter().any(|a| a == "-n");
            match login {
                Some(l) if no_prompt && shell_without_login(rs, l) => {
                    Some(format!("{name} -n -l {l} (no login prompt)"))
                }
                _ => None,
            }
        }
        "login" => {
            if args.iter().any(|a| a == "-f") {
                Some(format!("login -f {} (pre-authenticated)", args.join(" ")))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether `prog` (a telnetd/getty login program) gives a shell without asking for a
/// password: a shell, or a script whose active lines exec a shell and never call login.
pub(super) fn shell_without_login(rs: &RootScan, prog: &str) -> bool {
    let base = path::file_name(prog.split_whitespace().next().unwrap_or(prog));
    if SHELLS.contains(&base) {
        return true;
    }
    if base == "login" {
        return false;
    }
    let Some(e) = rs.entry(prog) else {
        return false;
    };
    let Some(target) = resolve(rs.tree, e) else {
        return false;
    };
    if SHELLS.contains(&target.file_name()) && !base.contains("login") {
        return true;
    }
    let Some(text) = rs.text_of(target) else {
        return false;
    };
    // OpenWrt's login.sh opens a shell only while root has no password and refuses
    // otherwise; an empty root password is reported by the credentials analyzer
    if openwrt_guard(text).is_some() {
        return false;
    }
    let vars = script_vars(text);
    let mut calls_login = false;
    let mut runs_shell = false;
    for line in text.lines().skip(1).take(10_000) {
        for c in commands(line, &vars) {
            let n = c.name();
            if n == "login" || n == "passwd" {
                calls_login = true;
            }
            if SHELLS.contains(&n) {
                runs_shell = true;
            }
        }
    }
    runs_shell && !calls_login
}

pub(super) fn check_inetd(
    rs: &RootScan,
    started: &BTreeSet<String>,
    catalog: &HashMap<String, ServiceRule>,
    out: &mut Vec<Finding>,
) {
    let Some(e) = rs.entry("etc/inetd.conf") else {
        return;
    };
    let Some(text) = rs.text_of(e) else { return };
    let inetd_started = started.contains("inetd");
    for (n, raw) in text.lines().enumerate().take(10_000) {
        let line = strip_comment(raw).trim();
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 6 {
            continue;
        }
        let service = f[0];
        let mut server = f[5];
        let mut args: Vec<&str> = f[6..].to_vec();
        if path::file_name(server) == "tcpd" && !args.is_empty() {
            server = args[0];
            args.remove(0);
        }
        let sname = path::file_name(server);
        let note = if inetd_started {
            "inetd is started at boot".to_string()
        } else {
            "inetd not seen started at boot".to_string()
        };
        let location = format!("{} line {}: {}", e.path, n + 1, raw.trim());
        // shell services
        let shell = SHELLS.contains(&sname)
            || args
                .iter()
                .skip(1)
                .any(|a| SHELLS.contains(&path::file_name(a)))
                && matches!(sname, "busybox")
            || (matches!(sname, "telnetd" | "utelnetd" | "in.telnetd")
                && args
                    .iter()
                    .position(|a| *a == "-l")
                    .and_then(|p| args.get(p + 1))
                    .is_some_and(|l| shell_without_login(rs, l)));
        if shell {
            out.push(
                Finding::new(
                    kinds::SERVICE_UNAUTHENTICATED_SHELL,
                    if inetd_started {
                        Severity::Critical
                    } else {
                        Severity::Medium
                    },
                    format!("inetd service {service} hands out a shell"),
                    Some(e.path.clone()),
                    format!("{location} ({note})"),
                )
                .with_key(&format!("inetd:{service}")),
            );
            continue;
        }
        let internal = server == "internal";
        let rule = catalog
            .get(sname)
            .or_else(|| args.first().and_then(|a| catalog.get(path::file_name(a))));
        if internal && matches!(service, "echo" | "chargen" | "discard" | "daytime" | "time") {
            out.push(
                Finding::new(
                    kinds::SERVICE_INSECURE,
                    if inetd_started { Severity::Medium } else { Severity::Low },
                    format!("inetd small server {service}"),
                    Some(e.path.clone()),
                    format!("{location} ({note}); small inetd servers are amplification/DoS vectors; source: CERT advisory CA-1996-01 (UDP port denial-of-service)"),
                )
                .with_key(&format!("inetd:{service}")),
            );
        } else if let Some(rule) = rule {
            let kind = rule.kind();
            out.push(
                Finding::new(
                    kind,
                    if inetd_started {
                        rule.severity
                    } else {
                        Severity::Low
                    },
                    format!("{} enabled in inetd", rule.program),
                    Some(e.path.clone()),
                    format!(
                        "{location} ({note}); {}; source: {}",
                        rule.what, rule.source
                    ),
                )
                .with_key(&rule.program),
            );
        }
    }
}

pub(super) fn check_xinetd(
    rs: &RootScan,
    catalog: &HashMap<String, ServiceRule>,
    out: &mut Vec<Finding>,
) {
    let dir = path::join(&rs.root, "etc/xinetd.d");
    let prefix = format!("{dir}/");
    for e in rs
        .tree
        .entries
        .iter()
        .filter(|e| e.path.starts_with(&prefix))
    {
        let Some(text) = rs.text_of(e) else { continue };
        let mut service = String::new();
        let mut server = String::new();
        let mut server_args = String::new();
        let mut disabled = false;
        let mut first_line = 0usize;
        let mut flush =
            |service: &str, server: &str, server_args: &str, disabled: bool, line: usize| {
                if service.is_empty() || disabled {
                    return;
                }
                let sname = path::file_name(server);
                let location = format!(
                    "{} line {}: service {service} server {server} {server_args}",
                    e.path, line
                );
                if SHELLS.contains(&sname) {
                    out.push(
                        Finding::new(
                            kinds::SERVICE_UNAUTHENTICATED_SHELL,
                            Severity::Critical,
                            format!("xinetd service {service} hands out a shell"),
                            Some(e.path.clone()),
                            location,
                        )
                        .with_key(&format!("xinetd:{service}")),
                    );
                } else if let Some(rule) = catalog.get(sname) {
                    out.push(
                        Finding::new(
                            rule.kind(),
                            rule.severity,
                            format!("{} enabled in xinetd", rule.program),
                            Some(e.path.clone()),
                            format!(
                                "{location} (disable = no); {}; source: {}",
                                rule.what, rule.source
                            ),
                        )
                        .with_key(&rule.program),
                    );
                }
            };
        for (n, raw) in text.lines().enumerate().take(10_000) {
            let l = strip_comment(raw).trim();
            if let Some(s) = l.strip_prefix("service ") {
                flush(&service, &server, &server_args, disabled, first_line);
                service = s.trim().to_string();
                server.clear();
                server_args.clear();
                disabled = false;
                first_line = n + 1;
                continue;
            }
            if let Some((k, v)) = l.split_once('=') {
                let (k, v) = (k.trim(), v.trim());
                match k {
                    "server" => server = v.to_string(),
                    "server_args" => server_args = v.to_string(),
                    "disable" => disabled = v == "yes",
                    _ => {}
                }
            }
        }
        flush(&service, &server, &server_args, disabled, first_line);
    }
}

pub(super) fn check_snmp(rs: &RootScan, started: &BTreeSet<String>, out: &mut Vec<Finding>) {
    let snmpd_started = started.contains("snmpd") || started.contains("mini_snmpd");
    let note = if snmpd_started {
        "snmpd is started at boot"
    } else {
        "snmpd not seen started at boot"
    };
    let files = ["etc/snmp/snmpd.conf", "etc/snmpd.conf", "etc/config/snmpd"];
    for f in files {
        let Some(e) = rs.entry(f) else { continue };
        let Some(text) = rs.text_of(e) else { continue };
        for (n, raw) in text.lines().enumerate().take(10_000) {
            let l = strip_comment(raw).trim();
            let w: Vec<String> = words(l).into_iter().flatten().collect();
            let Some(first) = w.first() else { continue };
            let (community, write) = match first.as_str() {
                "rocommunity" | "rocommunity6" => (w.get(1), false),
                "rwcommunity" | "rwcommunity6" => (w.get(1), true),
                "com2sec" | "com2sec6" => (w.get(3).or(w.get(2)), false),
                "option" if w.get(1).is_some_and(|k| k == "community") => (w.get(2), false),
                _ => continue,
            };
            let Some(c) = community else { continue };
            if c != "public" && c != "private" {
                continue;
            }
            let severity = match (snmpd_started, write || c == "private") {
                (true, true) => Severity::High,
                (true, false) => Severity::Medium,
                (false, _) => Severity::Low,
            };
            out.push(
                Finding::new(
                    kinds::SERVICE_INSECURE,
                    severity,
                    format!("SNMP v1/v2c with default community '{c}'"),
                    Some(e.path.clone()),
                    format!(
                        "{} line {}: {} ({note}); SNMP v1/v2c send the community in clear text and '{c}' is the well-known default; source: RFC 3410 section 8, CERT advisory CA-2002-03",
                        e.path,
                        n + 1,
                        raw.trim()
                    ),
                )
                .with_key(&format!("snmp:{c}")),
            );
        }
    }
}
