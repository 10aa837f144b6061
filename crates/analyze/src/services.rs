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

/// Follow a link entry to its content; also understands "link placeholder" files (a tiny
/// regular file whose whole content is a relative or absolute path to another entry of the
/// same root), which is what a symlink becomes in a checkout without symlink support.
pub fn resolve<'a>(tree: &'a Tree, entry: &'a Entry) -> Option<&'a Entry> {
    let mut cur = tree.resolve(entry)?;
    for _ in 0..8 {
        match placeholder_target(cur) {
            Some(target) => {
                let inner = path::resolve_link(cur.inner_path(), &target);
                let full = path::join(cur.root(), &inner);
                // not a placeholder after all (a one-word file such as etc/TZ)
                let Some(next) = tree.get(&full) else {
                    return Some(cur);
                };
                cur = tree.resolve(next)?;
            }
            None => return Some(cur),
        }
    }
    None
}

/// The link target written in a placeholder file, if `e` is one.
pub fn placeholder_target(e: &Entry) -> Option<String> {
    if e.kind != EntryKind::File || e.data.is_empty() || e.data.len() > 200 {
        return None;
    }
    let s = std::str::from_utf8(&e.data).ok()?;
    let s = s.strip_suffix('\n').unwrap_or(s);
    if s.is_empty()
        || s.contains(['\n', ' ', '\t', '\0', '='])
        || !(s.contains('/')
            || s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        || s.starts_with('#')
    {
        return None;
    }
    Some(s.to_string())
}

/// Last path component of the program a link entry (or placeholder) points to, for BusyBox
/// applet links: `usr/sbin/telnetd -> ../../bin/busybox` gives `busybox`.
pub fn link_target_name(tree: &Tree, entry: &Entry) -> Option<String> {
    resolve(tree, entry).map(|e| e.file_name().to_string())
}

/// Look up an absolute or relative path of a program or script inside the root `root`.
pub fn lookup<'a>(tree: &'a Tree, root: &str, p: &str) -> Option<&'a Entry> {
    let n = path::normalize(p.trim_start_matches('/')).path;
    tree.get(&path::join(root, &n))
}

/// One simple command of a shell line: program and arguments, expanded.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub program: String,
    pub args: Vec<String>,
}

impl Command {
    pub fn name(&self) -> &str {
        path::file_name(&self.program)
    }

    /// A call of an init script (`/etc/init.d/dropbear enabled`), not of the daemon.
    pub fn is_init_script(&self) -> bool {
        self.program.contains("init.d/") || self.program.contains("rc.d/")
    }
}

/// Remove a trailing comment (a `#` at the start of a word, outside quotes).
pub fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    let (mut sq, mut dq) = (false, false);
    for i in 0..b.len() {
        match b[i] {
            b'\'' if !dq => sq = !sq,
            b'"' if !sq => dq = !dq,
            b'#' if !sq
                && !dq
                && (i == 0 || b[i - 1].is_ascii_whitespace() || b[i - 1] == b';') =>
            {
                return &line[..i]
            }
            _ => {}
        }
    }
    line
}

/// Split a line into words with quotes removed; separators `;`, `&&`, `||`, `|`, `&`
/// produce a `None` marker.
fn words(line: &str) -> Vec<Option<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut have = false;
    let (mut sq, mut dq) = (false, false);
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\'' if !dq => {
                sq = !sq;
                have = true;
            }
            '"' if !sq => {
                dq = !dq;
                have = true;
            }
            ';' | '&' | '|' | '(' | ')' | '`' if !sq && !dq => {
                if have {
                    out.push(Some(std::mem::take(&mut cur)));
                    have = false;
                }
                out.push(None);
            }
            c if c.is_whitespace() && !sq && !dq => {
                if have {
                    out.push(Some(std::mem::take(&mut cur)));
                    have = false;
                }
            }
            c => {
                cur.push(c);
                have = true;
            }
        }
        i += 1;
    }
    if have {
        out.push(Some(cur));
    }
    out
}

fn expand(word: &str, vars: &HashMap<String, String>) -> String {
    if !word.contains('$') {
        return word.to_string();
    }
    let mut out = String::new();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' && i + 1 < chars.len() {
            let (name, next) = if chars[i + 1] == '{' {
                let end = chars[i + 2..].iter().position(|&c| c == '}');
                match end {
                    Some(e) => {
                        let inner: String = chars[i + 2..i + 2 + e].iter().collect();
                        let name: String = inner
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        (name, i + 3 + e)
                    }
                    None => (String::new(), chars.len()),
                }
            } else {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                let l = name.chars().count();
                (name, i + 1 + l)
            };
            if let Some(v) = vars.get(&name) {
                out.push_str(v);
            }
            i = next.max(i + 1);
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Variable assignments of a script (`NAME=value`, `local NAME=value`, `export NAME=value`);
/// the first value wins (defaults are set at the top).
pub fn script_vars(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines().take(20_000) {
        let line = strip_comment(line).trim();
        let line = line
            .strip_prefix("local ")
            .or_else(|| line.strip_prefix("export "))
            .or_else(|| line.strip_prefix("readonly "))
            .unwrap_or(line);
        let Some(eq) = line.find('=') else { continue };
        let name = &line[..eq];
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.chars().next().is_some_and(|c| c.is_ascii_digit())
        {
            continue;
        }
        let value = line[eq + 1..].split_whitespace().next().unwrap_or("");
        let value = value.trim_matches(|c| c == '"' || c == '\'');
        if value.contains("$(") || value.contains('`') {
            continue;
        }
        vars.entry(name.to_string())
            .or_insert_with(|| value.to_string());
    }
    vars
}

/// Commands on one shell line, with wrappers looked through.
pub fn commands(line: &str, vars: &HashMap<String, String>) -> Vec<Command> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut flush = |cur: &mut Vec<String>| {
        if let Some(c) = unwrap_command(cur) {
            out.push(c);
        }
        cur.clear();
    };
    for w in words(strip_comment(line)) {
        match w {
            Some(w) => cur.push(expand(&w, vars)),
            None => flush(&mut cur),
        }
    }
    flush(&mut cur);
    out
}

fn unwrap_command(words: &[String]) -> Option<Command> {
    let mut i = 0;
    // skip assignments and control keywords
    while i < words.len() {
        let w = words[i].as_str();
        let is_assign = w.find('=').is_some_and(|eq| {
            eq > 0
                && w[..eq]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if is_assign || matches!(w, "then" | "else" | "do" | "if" | "while" | "!" | "{" | "}") {
            i += 1;
        } else {
            break;
        }
    }
    let mut rest = words.get(i..)?;
    for _ in 0..4 {
        let first = rest.first()?;
        let name = path::file_name(first);
        match name {
            "exec" | "nohup" | "busybox" | "setsid" | "nice" | "chroot_if_needed"
            | "service_start" => {
                rest = &rest[1..];
            }
            "procd_set_param" => {
                if rest.get(1).map(String::as_str) == Some("command") {
                    rest = &rest[2..];
                } else {
                    return None;
                }
            }
            "start-stop-daemon" | "start_daemon" => {
                if rest.iter().any(|a| a == "-K" || a == "--stop") {
                    return None;
                }
                let exe = rest
                    .iter()
                    .position(|a| a == "-x" || a == "--exec" || a == "-a" || a == "--startas")
                    .and_then(|p| rest.get(p + 1))
                    .cloned();
                let args: Vec<String> = rest
                    .iter()
                    .position(|a| a == "--")
                    .map(|p| rest[p + 1..].to_vec())
                    .unwrap_or_default();
                return exe.map(|program| Command { program, args });
            }
            _ => break,
        }
    }
    let program = rest.first()?.clone();
    if program.is_empty() {
        return None;
    }
    Some(Command {
        program,
        args: rest[1..].to_vec(),
    })
}

/// Why a script or command runs at boot.
#[derive(Debug, Clone)]
pub struct Launch {
    /// Human explanation (`linked from etc/rc.d/S50telnet`).
    pub reason: String,
    /// Guarded by a condition that is normally false (OpenWrt "no root password").
    pub conditional: Option<String>,
}

/// A command found in the boot chain, with its location.
#[derive(Debug, Clone)]
pub struct BootCommand {
    /// Full tree path of the file the command is in.
    pub file: String,
    pub line_no: usize,
    pub line: String,
    pub cmd: Command,
    pub launch: Launch,
}

/// Boot commands of one file-system root (the boot chain part of [`crate::boot::BootModel`]).
pub struct RootScan<'a> {
    pub tree: &'a Tree,
    pub root: String,
    pub commands: Vec<BootCommand>,
    /// Scripts (full path) known to run at boot.
    pub boot_scripts: BTreeMap<String, Launch>,
    /// init.d scripts that are not enabled (full path).
    pub disabled_scripts: BTreeSet<String>,
}

impl<'a> RootScan<'a> {
    pub fn entry(&self, inner: &str) -> Option<&'a Entry> {
        lookup(self.tree, &self.root, inner)
    }
    /// Text of a script (following links), if it is a text file of reasonable size.
    pub fn text_of(&self, e: &'a Entry) -> Option<&'a str> {
        let e = resolve(self.tree, e)?;
        if e.data.len() > MAX_SCRIPT || !netvet_unpack::classify::is_text(&e.data) {
            return None;
        }
        std::str::from_utf8(&e.data).ok()
    }
}

fn is_rc_dir(inner: &str) -> bool {
    let dir = path::parent(inner);
    matches!(dir, "etc/rc.d" | "etc/rcS.d" | "etc/init.d/rcS.d")
        || (dir.starts_with("etc/rc") && dir.ends_with(".d") && dir != "etc/init.d")
        || (dir.starts_with("etc/rc.d/rc") && dir.ends_with(".d"))
}

fn openwrt_guard(text: &str) -> Option<String> {
    let markers = ["has_root_pwd", "root:[!x]", "FAILSAFE"];
    markers.iter().find(|m| text.contains(*m)).map(|m| {
        format!("only when the root password is unset or no SSH daemon is enabled (guard `{m}`)")
    })
}

/// Follow the boot chain of the file system rooted at `root`.
pub fn scan_root<'a>(tree: &'a Tree, root: &str) -> RootScan<'a> {
    let mut rs = RootScan {
        tree,
        root: root.to_string(),
        commands: Vec::new(),
        boot_scripts: BTreeMap::new(),
        disabled_scripts: BTreeSet::new(),
    };
    let mut queue: VecDeque<(String, Launch, usize)> = VecDeque::new();

    // inittab
    let mut has_inittab = false;
    if let Some(e) = rs.entry("etc/inittab") {
        if let Some(text) = rs.text_of(e) {
            has_inittab = true;
            for (n, raw) in text.lines().enumerate().take(10_000) {
                let line = strip_comment(raw).trim();
                let fields: Vec<&str> = line.splitn(4, ':').collect();
                if fields.len() < 4 {
                    continue;
                }
                let action = fields[2];
                if matches!(action, "shutdown" | "ctrlaltdel" | "restart" | "off") {
                    continue;
                }
                let process = fields[3].trim();
                let launch = Launch {
                    reason: format!("inittab line {} ({action})", n + 1),
                    conditional: None,
                };
                for cmd in commands(process.trim_start_matches('-'), &HashMap::new()) {
                    if let Some(s) = rs.entry(&cmd.program) {
                        if rs.text_of(s).is_some() {
                            queue.push_back((s.path.clone(), launch.clone(), 0));
                        }
                    }
                    rs.commands.push(BootCommand {
                        file: e.path.clone(),
                        line_no: n + 1,
                        line: raw.trim().to_string(),
                        cmd,
                        launch: launch.clone(),
                    });
                }
            }
        }
    }
    if !has_inittab {
        // BusyBox init without inittab runs /etc/init.d/rcS
        if let Some(e) = rs.entry("etc/init.d/rcS") {
            queue.push_back((
                e.path.clone(),
                Launch {
                    reason: "BusyBox init default (no inittab)".into(),
                    conditional: None,
                },
                0,
            ));
        }
    }
    if let Some(e) = rs.entry("etc/rc.local") {
        queue.push_back((
            e.path.clone(),
            Launch {
                reason: "rc.local".into(),
                conditional: None,
            },
            1,
        ));
    }
    // rc directories: S* links
    let prefix = if root.is_empty() {
        String::new()
    } else {
        format!("{root}/")
    };
    let mut linked: BTreeSet<String> = BTreeSet::new();
    let rcs_loops_initd = rs
        .entry("etc/init.d/rcS")
        .and_then(|e| rs.text_of(e))
        .is_some_and(|t| t.contains("/etc/init.d/S"));
    for e in tree
        .entries
        .iter()
        .filter(|e| e.path.starts_with(&prefix) && e.root() == root)
    {
        let inner = e.inner_path();
        let name = e.file_name();
        let in_rc = is_rc_dir(inner) && name.starts_with('S');
        let initd_s = rcs_loops_initd
            && path::parent(inner) == "etc/init.d"
            && name.len() > 3
            && name.as_bytes()[0] == b'S'
            && name.as_bytes()[1].is_ascii_digit();
        if !(in_rc || initd_s) {
            continue;
        }
        if let Some(target) = resolve(tree, e) {
            if target.is_file() {
                linked.insert(target.path.clone());
                queue.push_back((
                    target.path.clone(),
                    Launch {
                        reason: format!("enabled by {}", e.path),
                        conditional: None,
                    },
                    1,
                ));
            }
        }
    }
    // init.d scripts not enabled
    for e in tree.entries.iter().filter(|e| e.root() == root) {
        if path::parent(e.inner_path()) == "etc/init.d" && e.is_file() && !linked.contains(&e.path)
        {
            rs.disabled_scripts.insert(e.path.clone());
        }
    }

    // follow the boot chain
    let mut seen = 0usize;
    while let Some((script, launch, depth)) = queue.pop_front() {
        if rs.boot_scripts.contains_key(&script) || seen >= MAX_SCRIPTS {
            continue;
        }
        seen += 1;
        let Some(e) = tree.get(&script) else { continue };
        let Some(text) = rs.text_of(e) else { continue };
        let mut launch = launch;
        if launch.conditional.is_none() {
            launch.conditional = openwrt_guard(text);
        }
        rs.boot_scripts.insert(script.clone(), launch.clone());
        rs.disabled_scripts.remove(&script);
        let vars = script_vars(text);
        for (n, raw) in text.lines().enumerate().take(50_000) {
            for cmd in commands(raw, &vars) {
                // a script calling another script
                if depth < MAX_DEPTH {
                    for cand in std::iter::once(&cmd.program).chain(cmd.args.iter().take(1)) {
                        if !cand.starts_with('/') || cand.ends_with("rc.common") {
                            continue;
                        }
                        let inner = cand.trim_start_matches('/');
                        if inner.starts_with("lib/") || inner.starts_with("usr/lib/") {
                            continue;
                        }
                        if let Some(t) = rs.entry(cand) {
                            if let Some(t) = resolve(tree, t) {
                                if t.is_file() && netvet_unpack::classify::is_text(&t.data) {
                                    queue.push_back((
                                        t.path.clone(),
                                        Launch {
                                            reason: format!(
                                                "called from {} line {}",
                                                e.path,
                                                n + 1
                                            ),
                                            conditional: launch.conditional.clone(),
                                        },
                                        depth + 1,
                                    ));
                                }
                            }
                        }
                    }
                }
                rs.commands.push(BootCommand {
                    file: e.path.clone(),
                    line_no: n + 1,
                    line: raw.trim().to_string(),
                    cmd,
                    launch: launch.clone(),
                });
            }
        }
    }

    // systemd units linked from *.wants/
    for e in tree.entries.iter().filter(|e| e.root() == root) {
        let inner = e.inner_path();
        if !(path::parent(inner).ends_with(".wants") && inner.ends_with(".service")) {
            continue;
        }
        let Some(unit) = resolve(tree, e) else {
            continue;
        };
        let Some(text) = rs.text_of(unit) else {
            continue;
        };
        for (n, raw) in text.lines().enumerate().take(5000) {
            let l = raw.trim();
            let Some(v) = l
                .strip_prefix("ExecStart=")
                .or_else(|| l.strip_prefix("ExecStartPre="))
            else {
                continue;
            };
            let v = v.trim_start_matches(['-', '@', '+', '!', ':']);
            for cmd in commands(v, &HashMap::new()) {
                rs.commands.push(BootCommand {
                    file: unit.path.clone(),
                    line_no: n + 1,
                    line: l.to_string(),
                    cmd,
                    launch: Launch {
                        reason: format!("systemd unit enabled by {}", e.path),
                        conditional: None,
                    },
                });
            }
        }
    }
    rs
}

/// Commands started at boot in the file system rooted at `root`: (file, line number, line,
/// command). Used by the SSH analyzer for daemon options.
pub fn boot_commands(tree: &Tree, root: &str) -> Vec<(String, usize, String, Command)> {
    scan_root(tree, root)
        .commands
        .into_iter()
        .map(|b| (b.file, b.line_no, b.line, b.cmd))
        .collect()
}

/// Scripts (full tree paths) run at boot in the file system rooted at `root`.
pub fn boot_scripts(tree: &Tree, root: &str) -> BTreeSet<String> {
    scan_root(tree, root).boot_scripts.into_keys().collect()
}

/// Every file-system root that looks like a Linux root (has `etc/`).
pub fn roots(tree: &Tree) -> Vec<String> {
    let mut set = BTreeSet::new();
    for e in &tree.entries {
        let inner = e.inner_path();
        if inner == "etc" || inner.starts_with("etc/") {
            set.insert(e.root().to_string());
        }
    }
    set.into_iter().collect()
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
            let kind = if rule.debug {
                kinds::SERVICE_DEBUG_INTERFACE
            } else {
                kinds::SERVICE_INSECURE
            };
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
                        let kind = if rule.debug {
                            kinds::SERVICE_DEBUG_INTERFACE
                        } else {
                            kinds::SERVICE_INSECURE
                        };
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

fn is_network_daemon(name: &str) -> bool {
    matches!(
        name,
        "telnetd" | "utelnetd" | "in.telnetd" | "nc" | "netcat" | "ncat" | "socat"
    )
}

/// Describe the unauthenticated shell a command hands out, if any.
fn unauthenticated_shell(rs: &RootScan, cmd: &Command) -> Option<String> {
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
fn shell_without_login(rs: &RootScan, prog: &str) -> bool {
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

fn check_inetd(
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
            let kind = if rule.debug {
                kinds::SERVICE_DEBUG_INTERFACE
            } else {
                kinds::SERVICE_INSECURE
            };
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

fn check_xinetd(rs: &RootScan, catalog: &HashMap<String, ServiceRule>, out: &mut Vec<Finding>) {
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
                            if rule.debug {
                                kinds::SERVICE_DEBUG_INTERFACE
                            } else {
                                kinds::SERVICE_INSECURE
                            },
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

fn check_snmp(rs: &RootScan, started: &BTreeSet<String>, out: &mut Vec<Finding>) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_look_through_wrappers() {
        let mut vars = HashMap::new();
        vars.insert("PROG".to_string(), "/usr/sbin/telnetd".to_string());
        let c = commands(
            "\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh",
            &vars,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].program, "/usr/sbin/telnetd");
        assert_eq!(c[0].args, vec!["-F", "-l", "/bin/login.sh"]);
        let c = commands(
            "[ -x /usr/sbin/telnetd ] && exec /usr/sbin/telnetd -l /bin/sh & # x",
            &vars,
        );
        assert_eq!(c[1].program, "/usr/sbin/telnetd");
        assert_eq!(c[1].args, vec!["-l", "/bin/sh"]);
        let c = commands(
            "start-stop-daemon -S -x /usr/sbin/utelnetd -- -l /bin/sh",
            &vars,
        );
        assert_eq!(c[0].name(), "utelnetd");
        assert_eq!(c[0].args, vec!["-l", "/bin/sh"]);
        assert!(commands("start-stop-daemon -K -x telnetd", &vars).is_empty());
        assert!(commands("# telnetd -l /bin/sh", &vars).is_empty());
    }

    #[test]
    fn placeholder_links() {
        let mk = |p: &str, d: &str| Entry {
            path: p.into(),
            kind: EntryKind::File,
            meta: Default::default(),
            size: d.len() as u64,
            data: bytes::Bytes::from(d.as_bytes().to_vec()),
            link_target: None,
            layer: None,
            root_len: 0,
        };
        assert_eq!(
            placeholder_target(&mk("usr/sbin/telnetd", "../../bin/busybox")).as_deref(),
            Some("../../bin/busybox")
        );
        assert_eq!(placeholder_target(&mk("etc/x", "a = b\n")), None);
        assert_eq!(placeholder_target(&mk("etc/x", "#!/bin/sh\n")), None);
    }
}
