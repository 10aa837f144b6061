//! Accounts: `passwd`, `shadow` and `group` files (glibc, BusyBox and OpenWrt variants,
//! including `passwd` files with the hash in the second field), empty passwords, extra uid 0
//! accounts, broken hash schemes, and a dictionary attack on every hash (see [`crate::crack`]).
//!
//! The parsing is written here: the formats are one line per record with `:` separators and
//! no crate parses the BusyBox/OpenWrt variants leniently enough for hostile input.
//!
//! Severities:
//! - `credential.default-password`: critical when the account can log in (a real shell, or
//!   no passwd entry to say otherwise); high when its shell refuses logins (the password may
//!   still open FTP, Samba or a web interface).
//! - `credential.empty-password`: critical for uid 0, high for other accounts with a shell,
//!   medium when no passwd entry names the shell. Not reported for nologin shells.
//! - `credential.uid0-account`: high when the account can log in, medium when it is locked
//!   or has a nologin shell.
//! - `credential.weak-hash`: high for a password in clear text, medium for DES crypt and
//!   unsalted MD5, low for md5-crypt (TS 33.117 4.2.3.2.3 names it as weak storage).

use crate::crack::{self, Job, Outcome, Scheme};
use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{path, Tree};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// Files larger than this are not account databases.
const MAX_ACCOUNT_FILE: u64 = 1 << 20;
/// Candidate passwords per account at most (rule files from `--rules` could be huge).
const MAX_CANDIDATES: usize = 1_000_000;

/// Shells that refuse interactive logins.
const NOLOGIN_SHELLS: &[&str] = &[
    "/bin/false",
    "/usr/bin/false",
    "/sbin/nologin",
    "/usr/sbin/nologin",
    "/bin/nologin",
    "/usr/bin/nologin",
    "/dev/null",
    "/bin/sync",
    "/sbin/shutdown",
    "/sbin/halt",
];

/// One dictionary entry with the public source it came from.
#[derive(Debug, Clone)]
struct DictEntry {
    user: Option<String>,
    password: String,
    source: String,
}

/// The credential dictionary, from `credentials/*.tsv` of the rule set.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// Default credentials (user-specific or `*`), in file order.
    defaults: Vec<DictEntry>,
    /// Common passwords, most frequent first.
    common: Vec<DictEntry>,
}

impl Dictionary {
    /// Load every `credentials/*.tsv` (except `sources.tsv`): lines `user<TAB>password<TAB>
    /// sources` or `password<TAB>sources`; source ids must be listed in `sources.tsv`.
    pub fn from_rules(rules: &RuleSet) -> Result<Dictionary, RuleError> {
        let mut known: HashSet<String> = HashSet::new();
        let have_sources = rules.get("credentials/sources.tsv").is_some();
        if let Some(t) = rules.text("credentials/sources.tsv") {
            for (n, line) in t.lines().enumerate() {
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let id = line.split('\t').next().unwrap_or("").trim();
                if id.is_empty() || line.split('\t').count() < 3 {
                    return Err(RuleError {
                        file: "credentials/sources.tsv".into(),
                        message: format!("line {}: expected id<TAB>description<TAB>address", n + 1),
                    });
                }
                known.insert(id.to_string());
            }
        }
        let mut d = Dictionary::default();
        for (file, bytes) in rules.under("credentials/") {
            if !file.ends_with(".tsv") || file == "credentials/sources.tsv" {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = line.split('\t').collect();
                let (user, password, source) = match f.as_slice() {
                    [u, p, s] => (Some(*u), *p, *s),
                    [p, s] => (None, *p, *s),
                    _ => {
                        return Err(RuleError {
                            file: file.to_string(),
                            message: format!(
                                "line {}: expected user<TAB>password<TAB>sources or \
                                 password<TAB>sources",
                                n + 1
                            ),
                        })
                    }
                };
                if password.is_empty() || source.trim().is_empty() {
                    return Err(RuleError {
                        file: file.to_string(),
                        message: format!("line {}: empty password or source", n + 1),
                    });
                }
                if have_sources {
                    for id in source.split(',') {
                        if !known.contains(id.trim()) {
                            return Err(RuleError {
                                file: file.to_string(),
                                message: format!(
                                    "line {}: source '{}' is not listed in \
                                     credentials/sources.tsv",
                                    n + 1,
                                    id.trim()
                                ),
                            });
                        }
                    }
                }
                let e = DictEntry {
                    user: user.filter(|u| *u != "*").map(str::to_string),
                    password: password.to_string(),
                    source: source.to_string(),
                };
                if user.is_some() {
                    d.defaults.push(e);
                } else {
                    d.common.push(e);
                }
            }
        }
        Ok(d)
    }

    /// Number of distinct passwords in the dictionary.
    pub fn len(&self) -> usize {
        let set: HashSet<&str> = self
            .defaults
            .iter()
            .chain(&self.common)
            .map(|e| e.password.as_str())
            .collect();
        set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defaults.is_empty() && self.common.is_empty()
    }

    /// Candidates for `user`, most likely first, without duplicates, each with its source:
    /// the empty password, the defaults for this user name, passwords derived from the user
    /// name and the host names, every other default password, then common passwords.
    pub fn candidates(&self, user: &str, hostnames: &[String]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut push = |p: String, s: String, out: &mut Vec<(String, String)>| {
            if out.len() < MAX_CANDIDATES && seen.insert(p.clone()) {
                out.push((p, s));
            }
        };
        push(String::new(), "empty password".into(), &mut out);
        for e in &self.defaults {
            if e.user.as_deref() == Some(user) {
                push(e.password.clone(), e.source.clone(), &mut out);
            }
        }
        if !user.is_empty() {
            let src = "derived from the account name".to_string();
            let rev: String = user.chars().rev().collect();
            for p in [
                user.to_string(),
                rev,
                format!("{user}123"),
                format!("{user}1"),
                format!("{user}{user}"),
                format!("{user}@123"),
                format!("{user}1234"),
            ] {
                push(p, src.clone(), &mut out);
            }
        }
        for h in hostnames {
            let src = format!("derived from the host name '{h}'");
            let lower = h.to_lowercase();
            for p in [
                h.clone(),
                lower.clone(),
                format!("{lower}123"),
                format!("{lower}admin"),
            ] {
                push(p, src.clone(), &mut out);
            }
        }
        for e in &self.defaults {
            push(e.password.clone(), e.source.clone(), &mut out);
        }
        for e in &self.common {
            push(e.password.clone(), e.source.clone(), &mut out);
        }
        out
    }
}

/// What a password field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordField {
    Empty,
    /// `x` in passwd: the hash is in shadow.
    Shadowed,
    /// `!`, `*`, `!!`, `*LK*`, `NP`, ... or a hash disabled by a leading `!`/`*`.
    Locked,
    Hash(Scheme),
    /// A `$id$` this tool does not know.
    Unknown,
}

/// Classify a password field.
pub fn classify(field: &str) -> PasswordField {
    match field {
        "" => PasswordField::Empty,
        "x" | "X" => PasswordField::Shadowed,
        "NP" | "LK" | "*LK*" | "*NP*" | "NL" => PasswordField::Locked,
        f if f.starts_with('!') || f.starts_with('*') => PasswordField::Locked,
        f => match crack::identify(f) {
            Some(s) => PasswordField::Hash(s),
            None => PasswordField::Unknown,
        },
    }
}

/// Kind of account database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Passwd,
    Shadow,
    Group,
}

/// One record of an account database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub name: String,
    pub password: String,
    /// passwd: uid; group: gid.
    pub id: Option<u32>,
    /// passwd only.
    pub shell: Option<String>,
    /// 1-based line number.
    pub line: usize,
}

/// The database kind a file name suggests.
pub fn db_kind(file_name: &str) -> Option<DbKind> {
    let base = file_name
        .trim_end_matches('-')
        .trim_end_matches(".bak")
        .trim_end_matches(".orig")
        .trim_end_matches(".default");
    match base {
        "passwd" | "passwd.conf" => Some(DbKind::Passwd),
        "shadow" => Some(DbKind::Shadow),
        "group" | "gshadow" => Some(DbKind::Group),
        _ => None,
    }
}

/// Parse an account database leniently. Returns `None` when the content does not look like
/// one (binary data, or most lines not records), so that an ELF named `passwd` is ignored.
pub fn parse_db(kind: DbKind, data: &[u8]) -> Option<Vec<Record>> {
    if data.len() as u64 > MAX_ACCOUNT_FILE || data.contains(&0) {
        return None;
    }
    let text = std::str::from_utf8(data).ok()?;
    let mut out = Vec::new();
    let mut bad = 0usize;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        // NIS compat lines (`+`, `+@group`, `-user`) carry no local account
        if line.starts_with('+') || line.starts_with('-') {
            continue;
        }
        let f: Vec<&str> = line.split(':').collect();
        let name = f.first().copied().unwrap_or("");
        let ok_name = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-$@".contains(&b));
        let rec = match kind {
            DbKind::Passwd if f.len() >= 7 && ok_name => {
                let uid = f[2].trim().parse::<u32>().ok();
                if uid.is_none() || f[3].trim().parse::<u32>().is_err() {
                    None
                } else {
                    Some(Record {
                        name: name.to_string(),
                        password: f[1].to_string(),
                        id: uid,
                        // a shell field with ':' cannot exist; extra fields are ignored
                        shell: Some(f[6].trim().to_string()),
                        line: n + 1,
                    })
                }
            }
            DbKind::Shadow if f.len() >= 2 && ok_name => Some(Record {
                name: name.to_string(),
                password: f[1].to_string(),
                id: None,
                shell: None,
                line: n + 1,
            }),
            DbKind::Group if f.len() >= 3 && ok_name => Some(Record {
                name: name.to_string(),
                password: f[1].to_string(),
                id: f[2].trim().parse().ok(),
                shell: None,
                line: n + 1,
            }),
            _ => None,
        };
        match rec {
            Some(r) => out.push(r),
            None => bad += 1,
        }
    }
    if out.is_empty() || bad > out.len() {
        return None;
    }
    Some(out)
}

/// Whether a login shell accepts interactive logins (`None`: unknown).
pub fn shell_allows_login(shell: Option<&str>) -> Option<bool> {
    let s = shell?;
    // an empty shell field means /bin/sh
    if s.is_empty() {
        return Some(true);
    }
    Some(!NOLOGIN_SHELLS.contains(&s) && !s.ends_with("/nologin") && !s.ends_with("/false"))
}

/// Host names of the file system rooted at `root`: `etc/hostname`, and `option hostname`
/// of the UCI `system` configuration.
pub fn hostnames(tree: &Tree, root: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |h: &str| {
        let h = h.trim().trim_matches(|c| c == '\'' || c == '"');
        if !h.is_empty()
            && h.len() <= 64
            && h.bytes().all(|b| b.is_ascii_graphic())
            && !out.iter().any(|x| x == h)
        {
            out.push(h.to_string());
        }
    };
    if let Some(e) = tree.get(&path::join(root, "etc/hostname")) {
        let c = tree.content(e);
        if c.len() < 4096 {
            if let Some(l) = String::from_utf8_lossy(c).lines().next() {
                add(l);
            }
        }
    }
    if let Some(e) = tree.get(&path::join(root, "etc/config/system")) {
        let c = tree.content(e);
        if c.len() < 65536 {
            for l in String::from_utf8_lossy(c).lines() {
                let l = l.trim();
                if let Some(v) = l.strip_prefix("option hostname") {
                    add(v);
                }
            }
        }
    }
    out
}

/// One account as seen by one file.
#[derive(Debug, Clone)]
struct Account {
    /// Tree path of the file holding the password field.
    path: String,
    kind: DbKind,
    name: String,
    field: String,
    uid: Option<u32>,
    shell: Option<String>,
    line: usize,
    /// Directory of the file, to find host names.
    root: String,
}

impl Account {
    fn label(&self) -> String {
        match self.kind {
            DbKind::Group => format!("group {}", self.name),
            _ => self.name.clone(),
        }
    }

    fn login(&self) -> Option<bool> {
        match self.kind {
            DbKind::Group => Some(false),
            _ => shell_allows_login(self.shell.as_deref()),
        }
    }

    fn who(&self) -> String {
        let mut s = String::new();
        if let Some(u) = self.uid {
            s.push_str(&format!("uid {u}"));
        }
        if let Some(sh) = &self.shell {
            if !s.is_empty() {
                s.push_str(", ");
            }
            s.push_str(&format!(
                "shell {}",
                if sh.is_empty() {
                    "(empty: /bin/sh)"
                } else {
                    sh
                }
            ));
        }
        if s.is_empty() {
            s.push_str("no passwd entry");
        }
        s
    }
}

/// The credentials analyzer.
pub struct Credentials {
    dict: Dictionary,
}

impl Credentials {
    pub fn new(rules: &RuleSet) -> Result<Credentials, RuleError> {
        Ok(Credentials {
            dict: Dictionary::from_rules(rules)?,
        })
    }
}

fn collect_accounts(tree: &Tree) -> Vec<Account> {
    // parse every account database once
    let mut dbs: BTreeMap<String, (DbKind, Vec<Record>)> = BTreeMap::new();
    for e in tree.files() {
        let Some(kind) = db_kind(e.file_name()) else {
            continue;
        };
        if let Some(recs) = parse_db(kind, &e.data) {
            dbs.insert(e.path.clone(), (kind, recs));
        }
    }
    let passwd_for = |shadow_path: &str| -> Option<&Vec<Record>> {
        let dir = path::parent(shadow_path);
        let name = path::file_name(shadow_path);
        let suffix = name.strip_prefix("shadow").unwrap_or("");
        for cand in [format!("passwd{suffix}"), "passwd".to_string()] {
            if let Some((DbKind::Passwd, recs)) = dbs.get(&path::join(dir, &cand)) {
                return Some(recs);
            }
        }
        None
    };
    let mut out = Vec::new();
    for (p, (kind, recs)) in &dbs {
        let root = path::parent(path::parent(p)).to_string();
        let sibling = if *kind == DbKind::Shadow {
            passwd_for(p)
        } else {
            None
        };
        for r in recs {
            let (uid, shell) = match kind {
                DbKind::Passwd => (r.id, r.shell.clone()),
                DbKind::Shadow => sibling
                    .and_then(|pw| pw.iter().find(|x| x.name == r.name))
                    .map(|x| (x.id, x.shell.clone()))
                    .unwrap_or((None, None)),
                DbKind::Group => (None, None),
            };
            out.push(Account {
                path: p.clone(),
                kind: *kind,
                name: r.name.clone(),
                field: r.password.clone(),
                uid,
                shell,
                line: r.line,
                root: root.clone(),
            });
        }
    }
    out
}

impl Analyzer for Credentials {
    fn name(&self) -> &'static str {
        "credentials"
    }

    fn run(&self, cx: &Context) -> Output {
        let accounts = collect_accounts(cx.tree);
        let mut findings = Vec::new();
        // jobs: one per distinct (account name, hash); the root directory gives host names
        let mut job_index: HashMap<(String, String), usize> = HashMap::new();
        let mut jobs: Vec<Job> = Vec::new();
        let mut sources: Vec<Vec<String>> = Vec::new();
        let mut host_cache: HashMap<String, Vec<String>> = HashMap::new();
        for a in &accounts {
            let field = classify(&a.field);
            let label = a.label();
            match (&field, a.kind) {
                (PasswordField::Empty, DbKind::Passwd | DbKind::Shadow) => {
                    let sev = match (a.login(), a.uid) {
                        (Some(false), _) => None,
                        (Some(true), Some(0)) => Some(Severity::Critical),
                        (Some(true), _) => Some(Severity::High),
                        (None, _) => Some(Severity::Medium),
                    };
                    if let Some(sev) = sev {
                        findings.push(
                            Finding::new(
                                kinds::CREDENTIAL_EMPTY_PASSWORD,
                                sev,
                                format!("Account '{label}' has no password"),
                                Some(a.path.clone()),
                                format!(
                                    "{label}: empty password field (line {}; {})",
                                    a.line,
                                    a.who()
                                ),
                            )
                            .with_key(&label),
                        );
                    }
                }
                (PasswordField::Hash(s), _) => {
                    let key = (label.clone(), a.field.clone());
                    if let std::collections::hash_map::Entry::Vacant(slot) = job_index.entry(key) {
                        let hosts = host_cache
                            .entry(a.root.clone())
                            .or_insert_with(|| hostnames(cx.tree, &a.root))
                            .clone();
                        let cands = self.dict.candidates(&a.name, &hosts);
                        let (c, src): (Vec<String>, Vec<String>) = cands.into_iter().unzip();
                        slot.insert(jobs.len());
                        jobs.push(Job {
                            scheme: *s,
                            hash: a.field.clone(),
                            candidates: c,
                        });
                        sources.push(src);
                    }
                }
                _ => {}
            }
            // uid 0 accounts other than root
            if a.kind == DbKind::Passwd && a.uid == Some(0) && a.name != "root" {
                let usable = a.login() != Some(false) && field != PasswordField::Locked;
                let sev = if usable {
                    Severity::High
                } else {
                    Severity::Medium
                };
                findings.push(
                    Finding::new(
                        kinds::CREDENTIAL_UID0_ACCOUNT,
                        sev,
                        format!("Account '{}' has uid 0", a.name),
                        Some(a.path.clone()),
                        format!("{}: uid 0 (line {}; {})", a.name, a.line, a.who()),
                    )
                    .with_key(&a.name),
                );
            }
        }

        let started = Instant::now();
        let outcomes: Vec<Outcome> = crack::crack(&jobs, cx.options.crack_budget);
        let crack_ms = started.elapsed().as_millis() as u64;

        let mut summary = Vec::new();
        for a in &accounts {
            let PasswordField::Hash(scheme) = classify(&a.field) else {
                continue;
            };
            let label = a.label();
            let Some(&j) = job_index.get(&(label.clone(), a.field.clone())) else {
                continue;
            };
            let o = &outcomes[j];
            let status = describe(o, cx.options.crack_budget.as_secs_f64());
            summary.push(serde_json::json!({
                "path": a.path, "account": label, "scheme": scheme.name(),
                "cracked": o.found.is_some(), "tried": o.tried, "candidates": o.total,
                "status": status,
            }));
            if let Some((pw, idx)) = &o.found {
                let login = a.login();
                let sev = if login == Some(false) {
                    Severity::High
                } else {
                    Severity::Critical
                };
                let shown = if pw.is_empty() {
                    "'' (empty string)".to_string()
                } else {
                    format!("'{pw}'")
                };
                let src = sources[j].get(*idx).map(String::as_str).unwrap_or("");
                findings.push(
                    Finding::new(
                        kinds::CREDENTIAL_DEFAULT_PASSWORD,
                        sev,
                        format!("Account '{label}' uses a known password"),
                        Some(a.path.clone()),
                        format!(
                            "{label}: password {shown} ({}); candidate {} of {} (source: {src}); \
                             line {}; {}",
                            scheme.name(),
                            idx + 1,
                            o.total,
                            a.line,
                            a.who()
                        ),
                    )
                    .with_key(&label),
                );
            }
            let weak = match scheme {
                Scheme::Plain => Some(Severity::High),
                Scheme::Des | Scheme::Md5Unsalted => Some(Severity::Medium),
                Scheme::Md5Crypt | Scheme::Apr1 => Some(Severity::Low),
                _ => None,
            };
            if let Some(sev) = weak {
                let what = match scheme {
                    Scheme::Plain => "password stored in clear text".to_string(),
                    Scheme::Des => {
                        "DES crypt (56-bit, only the first 8 characters count)".to_string()
                    }
                    Scheme::Md5Unsalted => "unsalted MD5".to_string(),
                    _ => "md5-crypt (fast, deprecated)".to_string(),
                };
                findings.push(
                    Finding::new(
                        kinds::CREDENTIAL_WEAK_HASH,
                        sev,
                        format!("Account '{label}' uses a weak password hash"),
                        Some(a.path.clone()),
                        format!(
                            "{label}: {what}, scheme {}; line {}; {status}",
                            scheme.name(),
                            a.line
                        ),
                    )
                    .with_key(&label),
                );
            }
        }
        Output {
            findings,
            summaries: vec![(
                "credentials".into(),
                serde_json::json!({
                    "accounts": summary,
                    "crack_ms": crack_ms,
                    "crack_budget_ms": cx.options.crack_budget.as_millis() as u64,
                    "dictionary": self.dict.len(),
                }),
            )],
        }
    }
}

fn describe(o: &Outcome, budget_s: f64) -> String {
    if let Some(r) = &o.refused {
        return format!("not attempted: {r}");
    }
    match &o.found {
        Some((_, i)) => format!("cracked at candidate {} of {}", i + 1, o.total),
        None if o.budget_exhausted => format!(
            "not cracked: {} of {} candidates tried before the {budget_s} s budget ran out",
            o.tried, o.total
        ),
        None => format!("not cracked: all {} candidates tried", o.total),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_fields() {
        assert_eq!(classify(""), PasswordField::Empty);
        assert_eq!(classify("x"), PasswordField::Shadowed);
        assert_eq!(classify("*"), PasswordField::Locked);
        assert_eq!(classify("!!"), PasswordField::Locked);
        assert_eq!(classify("!$6$a$b"), PasswordField::Locked);
        assert_eq!(
            classify("$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1"),
            PasswordField::Hash(Scheme::Md5Crypt)
        );
        assert_eq!(classify("$7$x"), PasswordField::Unknown);
    }

    #[test]
    fn parses_busybox_passwd_and_rejects_binary() {
        let recs = parse_db(
            DbKind::Passwd,
            b"root:abcdefghijklm:0:0:root:/root:/bin/sh\n\nnobody:*:65534:65534::/:\n",
        )
        .unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].password, "abcdefghijklm");
        assert_eq!(recs[1].shell.as_deref(), Some(""));
        assert_eq!(recs[1].line, 3);
        assert!(parse_db(DbKind::Passwd, b"\x7fELF\0\0\0").is_none());
        assert!(parse_db(DbKind::Passwd, b"just some text\nmore text\n").is_none());
    }

    #[test]
    fn login_shells() {
        assert_eq!(shell_allows_login(Some("/bin/ash")), Some(true));
        assert_eq!(shell_allows_login(Some("")), Some(true));
        assert_eq!(shell_allows_login(Some("/bin/false")), Some(false));
        assert_eq!(shell_allows_login(Some("/usr/sbin/nologin")), Some(false));
        assert_eq!(shell_allows_login(None), None);
    }

    #[test]
    fn candidates_order() {
        let mut rules = RuleSet::empty();
        rules.insert("credentials/sources.tsv", "m\tMirai\thttps://x\n");
        rules.insert(
            "credentials/a.tsv",
            "root\txc3511\tm\nadmin\tadmin\tm\n*\tpublic\tm\n",
        );
        rules.insert("credentials/b.tsv", "123456\tm\nadmin\tm\n");
        let d = Dictionary::from_rules(&rules).unwrap();
        let c: Vec<String> = d
            .candidates("root", &["Luxul".into()])
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(
            c,
            [
                "",
                "xc3511",
                "root",
                "toor",
                "root123",
                "root1",
                "rootroot",
                "root@123",
                "root1234",
                "Luxul",
                "luxul",
                "luxul123",
                "luxuladmin",
                "admin",
                "public",
                "123456"
            ]
        );
        rules.insert("credentials/c.tsv", "x\tnosuch\n");
        let e = Dictionary::from_rules(&rules).unwrap_err();
        assert_eq!(e.file, "credentials/c.tsv");
        assert!(e.message.contains("nosuch"), "{}", e.message);
    }
}
