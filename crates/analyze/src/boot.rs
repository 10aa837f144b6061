//! The boot model: every command the system runs by itself, parsed once per scan and shared
//! by the analyzers (services, behaviour, provenance) through [`crate::Shared`].
//!
//! Boot chain (inittab, rcS, rc.d/init.d links, rc.local, scripts they call, OpenWrt procd
//! `procd_set_param command`, systemd units in `*.wants/`) is followed by the services
//! module's reader ([`crate::services::scan_root`]); this module adds the scheduled and
//! event paths: cron (`etc/crontab`, `etc/cron.d/*`, `etc/crontabs/*`,
//! `var/spool/cron/crontabs/*`) and hotplug (`etc/hotplug.d/*/*`, `etc/hotplug2.rules`
//! `exec` lines, udev `RUN+=`).
//!
//! [`check`] judges the model for `boot.suspicious`: a boot path that downloads and runs
//! code, opens the firewall, writes a passwd/shadow entry or an SSH key. Starting a binary
//! that no package owns, or one with listener/connect-back behaviour, is judged where that
//! knowledge lives: [`crate::behaviour::Behaviour`].

use crate::services::{self, commands, script_vars, strip_comment, Command, RootScan};
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::{path, Entry, Tree};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Scripts larger than this are not read.
const MAX_SCRIPT: usize = 512 * 1024;

/// One command run by the system, with where and why.
#[derive(Debug, Clone)]
pub struct BootLine {
    /// Full tree path of the file holding the line.
    pub file: String,
    pub line_no: usize,
    pub line: String,
    pub cmd: Command,
    /// `enabled by etc/rc.d/S50x`, `cron (etc/crontabs/root)`, `hotplug (...)`.
    pub reason: String,
    /// Guarded by a normally false condition.
    pub conditional: bool,
}

/// The boot model of one file-system root.
pub struct BootRoot<'a> {
    pub scan: RootScan<'a>,
    /// Cron and hotplug commands.
    pub scheduled: Vec<BootLine>,
}

/// The boot model of every file-system root of the tree.
pub struct BootModel<'a> {
    pub roots: Vec<BootRoot<'a>>,
}

impl<'a> BootModel<'a> {
    pub fn build(tree: &'a Tree) -> BootModel<'a> {
        let roots = services::roots(tree)
            .into_iter()
            .map(|root| {
                let scan = services::scan_root(tree, &root);
                let scheduled = scheduled(tree, &scan);
                BootRoot { scan, scheduled }
            })
            .collect();
        BootModel { roots }
    }

    /// Every boot and scheduled command line.
    pub fn lines(&self) -> Vec<BootLine> {
        let mut v = Vec::new();
        for r in &self.roots {
            for bc in &r.scan.commands {
                v.push(BootLine {
                    file: bc.file.clone(),
                    line_no: bc.line_no,
                    line: bc.line.clone(),
                    cmd: bc.cmd.clone(),
                    reason: bc.launch.reason.clone(),
                    conditional: bc.launch.conditional.is_some(),
                });
            }
            v.extend(r.scheduled.iter().cloned());
        }
        v
    }

    /// Programs (full tree paths of the files, links followed) that the system starts, with
    /// the first place that starts each (`etc/init.d/rcS line 3: /usr/bin/x & (reason)`).
    pub fn started_programs(&self, tree: &Tree) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for r in &self.roots {
            let all = r
                .scan
                .commands
                .iter()
                .map(|bc| (&bc.file, bc.line_no, &bc.line, &bc.cmd, &bc.launch.reason))
                .chain(
                    r.scheduled
                        .iter()
                        .map(|b| (&b.file, b.line_no, &b.line, &b.cmd, &b.reason)),
                );
            for (file, line_no, line, cmd, reason) in all {
                let where_ = format!("{file} line {line_no}: {line} ({reason})");
                for prog in program_candidates(cmd) {
                    if let Some(e) = find_program(tree, &r.scan.root, &prog) {
                        out.entry(e.path.clone()).or_insert_with(|| where_.clone());
                    }
                }
            }
        }
        out
    }
}

/// The program a command runs, and the script or program an interpreter is given
/// (`sh /tmp/x.sh`, `nohup /usr/bin/x`).
fn program_candidates(cmd: &Command) -> Vec<String> {
    let mut v = vec![cmd.program.clone()];
    if matches!(
        cmd.name(),
        "sh" | "ash" | "bash" | "nohup" | "setsid" | "chroot"
    ) {
        if let Some(a) = cmd.args.iter().find(|a| !a.starts_with('-')) {
            v.push(a.clone());
        }
    }
    v
}

/// Resolve a program as the shell would: an absolute path, or a bare name on the usual PATH.
pub fn find_program<'a>(tree: &'a Tree, root: &str, prog: &str) -> Option<&'a Entry> {
    let cands: Vec<String> = if prog.contains('/') {
        vec![prog.to_string()]
    } else {
        [
            "bin",
            "sbin",
            "usr/bin",
            "usr/sbin",
            "usr/local/bin",
            "usr/local/sbin",
        ]
        .iter()
        .map(|d| format!("{d}/{prog}"))
        .collect()
    };
    cands.iter().find_map(|c| {
        let e = services::lookup(tree, root, c)?;
        services::resolve(tree, e).filter(|e| e.is_file())
    })
}

fn text(tree: &Tree, e: &Entry) -> Option<String> {
    let e = services::resolve(tree, e)?;
    if !e.is_file() || e.data.len() > MAX_SCRIPT || !netvet_unpack::classify::is_text(&e.data) {
        return None;
    }
    std::str::from_utf8(&e.data).ok().map(str::to_string)
}

/// Cron and hotplug commands of one root.
fn scheduled(tree: &Tree, scan: &RootScan) -> Vec<BootLine> {
    let mut out = Vec::new();
    let root = scan.root.as_str();
    for e in tree.entries.iter().filter(|e| e.root() == root) {
        let inner = e.inner_path();
        let dir = path::parent(inner);
        let cron_system = inner == "etc/crontab" || dir == "etc/cron.d";
        let cron_user = dir == "etc/crontabs" || dir == "var/spool/cron/crontabs";
        let hotplug_script = dir.starts_with("etc/hotplug.d/") || dir == "etc/hotplug.d";
        let hotplug_rules =
            inner == "etc/hotplug2.rules" || dir == "etc/udev/rules.d" || dir == "lib/udev/rules.d";
        if !(cron_system || cron_user || hotplug_script || hotplug_rules) {
            continue;
        }
        let Some(t) = text(tree, e) else { continue };
        let vars = script_vars(&t);
        for (n, raw) in t.lines().enumerate().take(20_000) {
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let (cmdline, reason) = if cron_system || cron_user {
                if line.contains('=') && !line.contains(' ') {
                    continue; // VAR=value
                }
                let skip = if line.starts_with('@') { 1 } else { 5 } + usize::from(cron_system);
                let fields: Vec<&str> = line.split_whitespace().collect();
                if fields.len() <= skip {
                    continue;
                }
                // the command is the rest of the line after the schedule (and user)
                let mut rest = line;
                for _ in 0..skip {
                    rest = rest.trim_start();
                    rest = &rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..];
                }
                (rest.trim().to_string(), format!("cron ({})", e.path))
            } else if hotplug_rules {
                let c = if let Some(i) = line.find("RUN+=\"") {
                    let r = &line[i + 6..];
                    r[..r.find('"').unwrap_or(r.len())].to_string()
                } else if let Some(r) = line.trim_start().strip_prefix("exec ") {
                    r.trim_end_matches(['{', '}', ';']).trim().to_string()
                } else {
                    continue;
                };
                (c, format!("hotplug rule ({})", e.path))
            } else {
                (line.to_string(), format!("hotplug script ({})", e.path))
            };
            for cmd in commands(&cmdline, &vars) {
                out.push(BootLine {
                    file: e.path.clone(),
                    line_no: n + 1,
                    line: raw.trim().to_string(),
                    cmd,
                    reason: reason.clone(),
                    conditional: false,
                });
            }
        }
    }
    out
}

/// `boot.suspicious` findings from the boot and scheduled lines themselves.
pub fn check(model: &BootModel) -> Vec<Finding> {
    let lines = model.lines();
    let mut out = Vec::new();
    let mut seen: BTreeSet<(String, usize, &'static str)> = BTreeSet::new();
    // downloads per file: (output path, index of the download command, line number, URL)
    let mut downloads: HashMap<String, Vec<(String, usize, usize, String)>> = HashMap::new();
    for (idx, b) in lines.iter().enumerate() {
        let loc = format!("{} line {}: {} ({})", b.file, b.line_no, b.line, b.reason);
        let lower = b.line.to_ascii_lowercase();
        let name = b.cmd.name();
        let mut push = |key: &'static str, sev: Severity, title: String, why: String| {
            if seen.insert((b.file.clone(), b.line_no, key)) {
                let sev = if b.conditional { Severity::Low } else { sev };
                out.push(
                    Finding::new(
                        kinds::BOOT_SUSPICIOUS,
                        sev,
                        title,
                        Some(b.file.clone()),
                        format!("{loc}: {why}"),
                    )
                    .with_key(&format!("{key}:{}", b.line_no)),
                );
            }
        };
        // download and run
        if matches!(
            name,
            "wget" | "curl" | "tftp" | "ftpget" | "tnftp" | "fetch"
        ) {
            let url = b
                .cmd
                .args
                .iter()
                .find(|a| a.contains("://"))
                .cloned()
                .unwrap_or_else(|| b.cmd.args.join(" "));
            let piped_to_shell = ["| sh", "|sh", "| ash", "| bash", "|bash", "|ash"]
                .iter()
                .any(|p| lower.contains(p));
            if piped_to_shell {
                push(
                    "download-run",
                    Severity::High,
                    format!("Boot path downloads code and runs it ({name} piped to a shell)"),
                    format!("fetches {url} and pipes it into a shell"),
                );
            } else {
                let out_path = out_file(&b.cmd);
                if let Some(p) = out_path {
                    downloads.entry(b.file.clone()).or_default().push((
                        p,
                        idx,
                        b.line_no,
                        url.clone(),
                    ));
                }
            }
        }
        // running (or making executable) a file an earlier line of the same script downloaded
        if let Some(dl) = downloads.get(&b.file) {
            for (p, dl_idx, dl_line, url) in dl {
                if *dl_idx >= idx {
                    continue;
                }
                let runs = b.cmd.program == *p
                    || (matches!(name, "sh" | "ash" | "bash" | "chmod")
                        && b.cmd.args.iter().any(|a| a == p));
                if runs {
                    push(
                        "download-run",
                        Severity::High,
                        format!("Boot path downloads a program and runs it ({p})"),
                        format!("line {dl_line} fetches {url} to {p}; this line runs or makes it executable"),
                    );
                }
            }
        }
        // opening the firewall
        if matches!(name, "iptables" | "ip6tables") {
            let a = b.cmd.args.join(" ");
            let accepts_input = (a.contains("-I INPUT")
                || a.contains("-A INPUT")
                || a.contains("-I input")
                || a.contains("-A input"))
                && a.contains("-j ACCEPT")
                && (a.contains("--dport") || a.contains("--dports"));
            let policy_open =
                a.contains("-P INPUT ACCEPT") || a.trim() == "-F" || a.contains("-F INPUT");
            if accepts_input || policy_open {
                push(
                    "firewall",
                    Severity::Medium,
                    "Boot path opens the firewall".to_string(),
                    format!("{name} {a}"),
                );
            }
        }
        // writing accounts and keys
        // files the line redirects into (`> f`, `>> f`)
        let redirects: Vec<&str> = lower
            .match_indices('>')
            .filter_map(|(i, _)| {
                lower[i + 1..]
                    .trim_start_matches('>')
                    .split_whitespace()
                    .next()
            })
            .map(|w| w.trim_matches(['\'', '"', ';']))
            .collect();
        let writes = |target: &str| -> bool {
            redirects.iter().any(|w| w.ends_with(target))
                || (matches!(name, "tee" | "cp" | "mv" | "sed" | "install")
                    && b.cmd.args.iter().any(|a| a.ends_with(target)))
        };
        for target in ["/etc/passwd", "/etc/shadow"] {
            if writes(target) {
                let uid0 = lower.contains(":0:0:");
                if uid0 {
                    push(
                        "account",
                        Severity::High,
                        format!("Boot path writes a uid-0 account into {target}"),
                        "adds an account line with uid 0 and gid 0".to_string(),
                    );
                }
            }
        }
        if writes("authorized_keys") && (lower.contains("ssh-") || lower.contains("ecdsa-")) {
            push(
                "key",
                Severity::High,
                "Boot path adds an SSH authorized key".to_string(),
                "writes a literal public key into authorized_keys".to_string(),
            );
        } else if writes("authorized_keys") && !matches!(name, "chmod" | "chown" | "rm") {
            push(
                "key",
                Severity::Medium,
                "Boot path writes an SSH authorized_keys file".to_string(),
                "replaces or extends the accepted SSH keys at every boot".to_string(),
            );
        }
    }
    out
}

/// The file a download command writes (`wget -O f`, `curl -o f`, `tftp -l f`, `ftpget h f`).
fn out_file(cmd: &Command) -> Option<String> {
    let a = &cmd.args;
    let flag = match cmd.name() {
        "wget" => "-O",
        "curl" => "-o",
        "tftp" => "-l",
        _ => "",
    };
    if !flag.is_empty() {
        if let Some(i) = a.iter().position(|x| x == flag) {
            return a.get(i + 1).cloned();
        }
        if let Some(x) = a.iter().find(|x| x.starts_with(flag) && x.len() > 2) {
            return Some(x[2..].to_string());
        }
    }
    if cmd.name() == "ftpget" {
        let pos: Vec<&String> = a.iter().filter(|x| !x.starts_with('-')).collect();
        return pos.get(1).map(|s| s.to_string());
    }
    None
}
