//! Services started at boot: inittab (BusyBox and SysV), rcS, init scripts enabled through
//! rc.d links (including OpenWrt procd scripts), rc.local, inetd.conf, xinetd.d, systemd
//! units, SNMP communities. Reports `service.insecure`, `service.unauthenticated-shell` and
//! `service.debug-interface` with the file, line number and line as evidence.
//!
//! The shell handling is a small line-oriented reader written here (no crate parses the
//! subset firmware init scripts use well enough for this, and we never execute anything):
//! comments are dropped, commands are split at `;`, `&&`, `||`, `|` and `&`, variables
//! assigned in the same script (`PROG=/usr/sbin/telnetd`) are expanded, and wrappers
//! (`exec`, `nohup`, `busybox`, `start-stop-daemon -x`, `service_start`,
//! `procd_set_param command`) are looked through.
//!
//! "Started at boot" is decided from the boot chain, not from a binary being present:
//! inittab entries, scripts linked from rc directories, rc.local, scripts called from those
//! (transitively, bounded depth), systemd units linked from `*.wants/`. A script guarded by
//! OpenWrt's "no root password" check is reported as conditional (lower severity).

mod chain;
mod checks;
mod fs;
mod shell;
#[cfg(test)]
mod tests;

pub use chain::{boot_commands, boot_scripts, roots, scan_root, BootCommand, Launch, RootScan};
pub use fs::{link_target_name, lookup, placeholder_target, resolve};
pub use shell::{commands, script_vars, strip_comment, Command};

// every part reads the others' helpers through `use super::*`
use chain::*;
use checks::*;
use shell::*;

use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{path, Entry, EntryKind, Tree};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Scripts larger than this are not read as boot scripts.
const MAX_SCRIPT: usize = 512 * 1024;
/// Bound on scripts followed from one root.
const MAX_SCRIPTS: usize = 4000;
/// Depth of "script calls script" chains followed.
const MAX_DEPTH: usize = 6;

/// Shells whose invocation without login hands out a shell.
const SHELLS: &[&str] = &[
    "sh", "ash", "bash", "dash", "hush", "msh", "ksh", "zsh", "csh", "tcsh",
];
#[derive(Debug, Clone)]
pub struct ServiceRule {
    pub program: String,
    pub debug: bool,
    pub severity: Severity,
    pub what: String,
    pub source: String,
}

impl ServiceRule {
    /// The finding kind of a service started or enabled: a debug interface or an insecure one.
    pub fn kind(&self) -> &'static str {
        if self.debug {
            kinds::SERVICE_DEBUG_INTERFACE
        } else {
            kinds::SERVICE_INSECURE
        }
    }
}

pub struct Services {
    catalog: HashMap<String, ServiceRule>,
}

impl Services {
    pub fn new(rules: &RuleSet) -> Result<Services, RuleError> {
        let file = "services/services.tsv";
        let mut catalog = HashMap::new();
        if let Some(text) = rules.text(file) {
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let cols: Vec<&str> = line.split('\t').collect();
                let err = |m: &str| RuleError {
                    file: file.into(),
                    message: format!("line {}: {m}", n + 1),
                };
                if cols.len() < 5 {
                    return Err(err("expected 5 tab-separated columns"));
                }
                let debug = match cols[1] {
                    "insecure" => false,
                    "debug" => true,
                    k => return Err(err(&format!("unknown kind '{k}'"))),
                };
                let severity: Severity = cols[2].parse().map_err(|e: String| err(&e))?;
                if cols[4].trim().is_empty() {
                    return Err(err("missing public source"));
                }
                catalog.insert(
                    cols[0].to_string(),
                    ServiceRule {
                        program: cols[0].to_string(),
                        debug,
                        severity,
                        what: cols[3].to_string(),
                        source: cols[4].to_string(),
                    },
                );
            }
        }
        Ok(Services { catalog })
    }
}
impl Analyzer for Services {
    fn name(&self) -> &'static str {
        "services"
    }

    fn run(&self, cx: &Context) -> Output {
        let scans: Vec<RootScan> = roots(cx.tree)
            .iter()
            .map(|root| scan_root(cx.tree, root))
            .collect();
        self.judge(scans.iter())
    }

    /// The boot chain is read from the shared boot model instead of being parsed again.
    fn run_shared(&self, _cx: &Context, shared: &crate::Shared) -> Output {
        self.judge(shared.boot.roots.iter().map(|r| &r.scan))
    }
}

impl Services {
    fn judge<'a, 'b: 'a>(&self, scans: impl Iterator<Item = &'a RootScan<'b>>) -> Output {
        let mut out = Output::default();
        let mut per_root_services: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for rs in scans {
            let root = rs.root.clone();
            let mut findings = Vec::new();
            let mut started: BTreeSet<String> = BTreeSet::new();
            for bc in &rs.commands {
                started.insert(bc.cmd.name().to_string());
                self.check_command(rs, bc, &mut findings);
            }
            self.check_disabled(rs, &mut findings);
            check_inetd(rs, &started, &self.catalog, &mut findings);
            check_xinetd(rs, &self.catalog, &mut findings);
            check_snmp(rs, &started, &mut findings);
            // one finding per (kind, path, key)
            let mut seen = BTreeSet::new();
            for f in findings {
                if seen.insert((f.kind.clone(), f.path.clone(), f.fingerprint.clone())) {
                    out.findings.push(f);
                }
            }
            let list: Vec<String> = rs
                .commands
                .iter()
                .filter(|c| self.catalog.contains_key(c.cmd.name()))
                .map(|c| format!("{} ({}:{})", c.cmd.name(), c.file, c.line_no))
                .collect();
            per_root_services.insert(if root.is_empty() { "/".into() } else { root }, list);
        }
        out.summaries.push((
            "services".into(),
            serde_json::json!({ "catalogued_services_at_boot": per_root_services }),
        ));
        out
    }
}

impl Services {
    fn check_command(&self, rs: &RootScan, bc: &BootCommand, out: &mut Vec<Finding>) {
        if bc.cmd.is_init_script() {
            return;
        }
        let name = bc.cmd.name();
        let args = &bc.cmd.args;
        let location = format!("{} line {}: {}", bc.file, bc.line_no, bc.line);
        let mut why = bc.launch.reason.clone();
        if let Some(c) = &bc.launch.conditional {
            why.push_str(&format!("; conditional: {c}"));
        }
        let absent = bc.cmd.program.starts_with('/') && rs.entry(&bc.cmd.program).is_none();
        let presence = if absent {
            format!("; note: {} is not in the image", bc.cmd.program)
        } else {
            String::new()
        };

        // unauthenticated shells
        if let Some(shell_desc) = unauthenticated_shell(rs, &bc.cmd) {
            let network = !bc.launch.reason.starts_with("inittab") || is_network_daemon(name);
            let severity = if bc.launch.conditional.is_some() || absent {
                Severity::Medium
            } else if network {
                Severity::Critical
            } else {
                Severity::Medium
            };
            out.push(
                Finding::new(
                    kinds::SERVICE_UNAUTHENTICATED_SHELL,
                    severity,
                    format!("{shell_desc} started at boot"),
                    Some(bc.file.clone()),
                    format!("{location} ({why}){presence}"),
                )
                .with_key(&format!("{name}:{}", args.join(" "))),
            );
        }
        // serial-console shells in inittab
        if bc.launch.reason.starts_with("inittab") && SHELLS.contains(&name) {
            let tty = bc.line.split(':').next().unwrap_or("").trim();
            let tty = if tty.is_empty() { "the console" } else { tty };
            out.push(
                Finding::new(
                    kinds::SERVICE_UNAUTHENTICATED_SHELL,
                    Severity::Medium,
                    format!("Root shell without login on {tty}"),
                    Some(bc.file.clone()),
                    format!(
                        "{location} ({why}): {} runs directly, no login prompt (physical/serial access)",
                        bc.cmd.program
                    ),
                )
                .with_key(&format!("console:{tty}")),
            );
        }
        // catalogued services
        if let Some(rule) = self.catalog.get(name) {
            let mut severity = rule.severity;
            if bc.launch.conditional.is_some() || absent {
                severity = Severity::Low;
            }
            let kind = rule.kind();
            out.push(
                Finding::new(
                    kind,
                    severity,
                    format!("{} started at boot", rule.program),
                    Some(bc.file.clone()),
                    format!(
                        "{location} ({why}){presence}; {}; source: {}",
                        rule.what, rule.source
                    ),
                )
                .with_key(&rule.program),
            );
        }
    }

    /// Init scripts present but not enabled that would start a catalogued service: info.
    fn check_disabled(&self, rs: &RootScan, out: &mut Vec<Finding>) {
        for script in &rs.disabled_scripts {
            let Some(e) = rs.tree.get(script) else {
                continue;
            };
            let Some(text) = rs.text_of(e) else { continue };
            let vars = script_vars(text);
            for (n, raw) in text.lines().enumerate().take(50_000) {
                for cmd in commands(raw, &vars) {
                    if cmd.is_init_script() {
                        continue;
                    }
                    if let Some(rule) = self.catalog.get(cmd.name()) {
                        let kind = rule.kind();
                        out.push(
                            Finding::new(
                                kind,
                                Severity::Info,
                                format!("{} init script present but not enabled", rule.program),
                                Some(e.path.clone()),
                                format!(
                                    "{} line {}: {} (no S link in an rc directory; not started at boot)",
                                    e.path,
                                    n + 1,
                                    raw.trim()
                                ),
                            )
                            .with_key(&rule.program),
                        );
                    }
                }
            }
        }
    }
}
