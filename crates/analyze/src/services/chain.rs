//! The boot chain of one root: inittab, rc directories, rc.local, systemd units and the
//! scripts they call, each command with why it runs at boot.

use super::*;

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

pub(super) fn is_rc_dir(inner: &str) -> bool {
    let dir = path::parent(inner);
    matches!(dir, "etc/rc.d" | "etc/rcS.d" | "etc/init.d/rcS.d")
        || (dir.starts_with("etc/rc") && dir.ends_with(".d") && dir != "etc/init.d")
        || (dir.starts_with("etc/rc.d/rc") && dir.ends_with(".d"))
}

pub(super) fn openwrt_guard(text: &str) -> Option<String> {
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
