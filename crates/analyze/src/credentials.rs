//! Accounts: `passwd`, `shadow` and `group` files (glibc, BusyBox and OpenWrt variants,
//! including `passwd` files with the hash in the second field), web-server password files and
//! configuration stores (found by [`crate::accounts`]), empty passwords, extra uid 0
//! accounts, broken hash schemes, a dictionary attack on every hash (see [`crate::crack`]),
//! and password comparisons with literals in scripts.
//!
//! The dictionary is `rules/credentials/*.tsv`: curated defaults (Mirai's table, vendor
//! manuals), vendor defaults imported from public lists (`30-vendor-defaults.tsv`, made by
//! `scripts/import-credentials.py`) and advisories, and common passwords. Candidates are
//! ordered so that the known cases crack within the budget even on slow schemes: the defaults
//! of the vendors the image names (banner, release and model files, host names), then curated
//! defaults of the account, then derived and widespread passwords, then strings of the
//! image itself (bounded, see [`image_strings`]); see [`Dictionary::candidates`].
//!
//! The parsing is written here: the formats are one line per record with `:` separators and
//! no crate parses the BusyBox/OpenWrt variants leniently enough for hostile input.
//!
//! Severities:
//! - `credential.default-password`: critical when the account can log in (a real shell, or
//!   no passwd entry to say otherwise); high when its shell refuses logins (the password may
//!   still open FTP, Samba or a web interface), and for accounts of web-server password files
//!   and configuration stores (they open the web interface or a service, not a shell).
//! - `credential.empty-password`: critical for uid 0, high for other accounts with a shell,
//!   medium when no passwd entry names the shell. Not reported for nologin shells.
//! - `credential.uid0-account`: high when the account can log in, medium when it is locked
//!   or has a nologin shell.
//! - `credential.weak-hash`: high for a password in clear text (system and web-server files),
//!   medium for DES crypt, unsalted MD5 and SHA-1 and htdigest, low for md5-crypt (TS 33.117
//!   4.2.3.2.3 names it as weak storage).
//! - `credential.hardcoded-secret` (here): high for a user name and password compared with
//!   literals in a script (a hard-coded login), medium for a password compared alone, and
//!   medium for a clear-text account password of no dictionary in a store the secrets
//!   analyzer does not read (XML, NUL-separated nvram, web user files).

use crate::accounts::{self, StoreFormat};
use crate::crack::{self, Job, Outcome, Scheme};
use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{path, Tree};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// Files larger than this are not account databases.
const MAX_ACCOUNT_FILE: u64 = 1 << 20;
/// Candidate passwords per account at most (rule files from `--rules` could be huge).
const MAX_CANDIDATES: usize = 1_000_000;
/// Strings of the image tried as extra candidates, per file system at most.
pub const MAX_IMAGE_STRINGS: usize = 2000;

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
    /// Vendor key (lowercase first word of the vendor name), `None` for any vendor.
    vendor: Option<String>,
    user: Option<String>,
    password: String,
    source: String,
}

/// Rule files under `credentials/` that are not dictionaries.
const NOT_DICTIONARIES: &[&str] = &["credentials/sources.tsv", "credentials/account-keys.tsv"];

/// What the tree says about the device, to order candidates: host names, recognised vendor
/// keys of the dictionary, and strings of the image itself (tried last).
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub hostnames: Vec<String>,
    /// Vendor keys (as in the dictionary's vendor column) named by the image.
    pub vendors: Vec<String>,
    /// Strings of the image, with the path they came from, in order of preference.
    pub image_strings: Vec<(String, String)>,
}

/// The credential dictionary, from `credentials/*.tsv` of the rule set.
#[derive(Debug, Clone, Default)]
pub struct Dictionary {
    /// Curated default credentials (user-specific or `*`, no vendor column), in file order.
    defaults: Vec<DictEntry>,
    /// Vendor default credentials (imported lists and advisories), most widespread password
    /// first: ranked by the number of distinct vendors that list the password.
    vendor: Vec<DictEntry>,
    /// Common passwords, most frequent first.
    common: Vec<DictEntry>,
    /// Every vendor key of `vendor`.
    vendor_keys: HashSet<String>,
    /// Passwords listed for exactly this user (curated and vendor lines), for O(1) look-ups
    /// over the strings of every binary: every pair of neighbouring strings of every
    /// executable is looked up, so the keys are hashed with FxHash (short strings; the table
    /// is built from the rules, not from the image).
    /// as bytes: binary strings are looked up without a UTF-8 check
    user_passwords: rustc_hash::FxHashMap<Box<[u8]>, rustc_hash::FxHashSet<Box<[u8]>>>,
}

impl Dictionary {
    /// Load every `credentials/*.tsv` (except `sources.tsv` and `account-keys.tsv`): lines
    /// `vendor<TAB>user<TAB>password<TAB>sources`, `user<TAB>password<TAB>sources` or
    /// `password<TAB>sources`; source ids must be listed in `sources.tsv`.
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
            if !file.ends_with(".tsv") || NOT_DICTIONARIES.contains(&file) {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = line.split('\t').collect();
                let (vendor, user, password, source) = match f.as_slice() {
                    [v, u, p, s] => (Some(*v), Some(*u), *p, *s),
                    [u, p, s] => (None, Some(*u), *p, *s),
                    [p, s] => (None, None, *p, *s),
                    _ => {
                        return Err(RuleError {
                            file: file.to_string(),
                            message: format!(
                                "line {}: expected vendor<TAB>user<TAB>password<TAB>sources, \
                                 user<TAB>password<TAB>sources or password<TAB>sources",
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
                    vendor: vendor
                        .map(|v| v.trim().to_lowercase())
                        .filter(|v| !v.is_empty() && v != "*"),
                    user: user.filter(|u| *u != "*").map(str::to_string),
                    password: password.to_string(),
                    source: source.to_string(),
                };
                if vendor.is_some() {
                    if let Some(v) = &e.vendor {
                        d.vendor_keys.insert(v.clone());
                    }
                    d.vendor.push(e);
                } else if user.is_some() {
                    d.defaults.push(e);
                } else {
                    d.common.push(e);
                }
            }
        }
        // rank vendor entries: a password many vendors ship is tried before one of a
        // single product (stable, so file order breaks ties)
        let mut spread: HashMap<&str, HashSet<Option<&str>>> = HashMap::new();
        for e in &d.vendor {
            spread
                .entry(e.password.as_str())
                .or_default()
                .insert(e.vendor.as_deref());
        }
        let rank: HashMap<String, usize> = spread
            .into_iter()
            .map(|(p, v)| (p.to_string(), v.len()))
            .collect();
        d.vendor
            .sort_by_key(|e| std::cmp::Reverse(rank.get(&e.password).copied().unwrap_or(0)));
        for e in d.defaults.iter().chain(&d.vendor) {
            if let Some(u) = &e.user {
                d.user_passwords
                    .entry(u.as_bytes().into())
                    .or_default()
                    .insert(e.password.as_bytes().into());
            }
        }
        Ok(d)
    }

    /// Number of distinct passwords in the dictionary.
    pub fn len(&self) -> usize {
        self.passwords().len()
    }

    fn passwords(&self) -> HashSet<&str> {
        self.defaults
            .iter()
            .chain(&self.vendor)
            .chain(&self.common)
            .map(|e| e.password.as_str())
            .collect()
    }

    /// Number of vendor/user/password entries (curated and vendor defaults).
    pub fn entries(&self) -> usize {
        self.defaults.len() + self.vendor.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defaults.is_empty() && self.vendor.is_empty() && self.common.is_empty()
    }

    /// Whether `key` (lowercase) is a vendor of the dictionary.
    pub fn has_vendor(&self, key: &str) -> bool {
        self.vendor_keys.contains(key)
    }

    /// User names the dictionary knows defaults for (for literal pairs in binaries).
    pub fn users(&self) -> HashSet<&str> {
        self.defaults
            .iter()
            .chain(&self.vendor)
            .filter_map(|e| e.user.as_deref())
            .collect()
    }

    /// The source of `password` as a default of `user` (or of any user), if listed.
    pub fn default_source(&self, user: &str, password: &str) -> Option<&str> {
        self.defaults
            .iter()
            .chain(&self.vendor)
            .find(|e| e.password == password && e.user.as_deref().is_none_or(|u| u == user))
            .map(|e| e.source.as_str())
    }

    /// Whether the dictionary lists `password` as a default of exactly `user` (not of any
    /// user), a pair worth reporting when both are literals side by side in a binary.
    pub fn is_user_pair(&self, user: &[u8], password: &[u8]) -> bool {
        user != password
            && password.len() >= 4
            && self
                .user_passwords
                .get(user)
                .is_some_and(|p| p.contains(password))
    }

    /// Candidates for `user`, most likely first, without duplicates, each with its source:
    /// 1. the empty password;
    /// 2. defaults of the vendors the image names, for this user, then for any user;
    /// 3. curated defaults for this user name (Mirai's table, vendor manuals);
    /// 4. passwords derived from the user name and the host names;
    /// 5. every other curated default password;
    /// 6. every vendor's defaults for this user name, the most widespread first;
    /// 7. common passwords;
    /// 8. every other vendor default password, the most widespread first;
    /// 9. strings of the image.
    pub fn candidates(&self, user: &str, hints: &Hints) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut push = |p: &str, s: &str, out: &mut Vec<(String, String)>| {
            if out.len() < MAX_CANDIDATES && !seen.contains(p) {
                seen.insert(p.to_string());
                out.push((p.to_string(), s.to_string()));
            }
        };
        push("", "empty password", &mut out);
        let of_vendor =
            |e: &DictEntry| e.vendor.as_ref().is_some_and(|v| hints.vendors.contains(v));
        for e in self.vendor.iter().filter(|e| of_vendor(e)) {
            if e.user.as_deref() == Some(user) {
                push(&e.password, &e.source, &mut out);
            }
        }
        for e in self.vendor.iter().filter(|e| of_vendor(e)) {
            if e.user.is_none() {
                push(&e.password, &e.source, &mut out);
            }
        }
        for e in &self.defaults {
            if e.user.as_deref() == Some(user) {
                push(&e.password, &e.source, &mut out);
            }
        }
        if !user.is_empty() {
            let src = "derived from the account name";
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
                push(&p, src, &mut out);
            }
        }
        for h in &hints.hostnames {
            let src = format!("derived from the host name '{h}'");
            let lower = h.to_lowercase();
            for p in [
                h.clone(),
                lower.clone(),
                format!("{lower}123"),
                format!("{lower}admin"),
            ] {
                push(&p, &src, &mut out);
            }
        }
        for e in &self.defaults {
            push(&e.password, &e.source, &mut out);
        }
        for e in &self.vendor {
            if e.user
                .as_deref()
                .is_some_and(|u| u.eq_ignore_ascii_case(user))
            {
                push(&e.password, &e.source, &mut out);
            }
        }
        for e in &self.common {
            push(&e.password, &e.source, &mut out);
        }
        for e in &self.vendor {
            push(&e.password, &e.source, &mut out);
        }
        for (p, path) in &hints.image_strings {
            push(p, &format!("string of the image ({path})"), &mut out);
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

/// Words of identification files that are no vendor even when a list names them so.
const NOT_VENDORS: &[&str] = &[
    "linux", "unix", "gnu", "busybox", "openwrt", "lede", "telnet", "ssh", "ftp", "http", "snmp",
    "web", "default", "generic", "system", "router", "wireless", "version", "release", "build",
    "firmware", "kernel", "admin", "root", "user", "the", "and", "for", "model",
];

/// Files of `etc/` whose name says they identify the device or its firmware.
const IDENTITY_FILES: &[&str] = &[
    "banner",
    "issue",
    "release",
    "version",
    "model",
    "product",
    "device",
    "board",
    "vendor",
    "manufacturer",
    "brand",
    "hostname",
    "oem",
    "hw_",
];

/// Vendor keys of the dictionary named by the identification files of the file system rooted
/// at `root` (`etc/banner`, `etc/openwrt_release`, `etc/version`, `etc/model`, ...) and by
/// its host names. They only order candidates, so a wrong match costs time, not precision.
pub fn vendors(tree: &Tree, root: &str, hosts: &[String], dict: &Dictionary) -> Vec<String> {
    let etc = path::join(root, "etc/");
    let mut text = hosts.join(" ");
    for e in tree.files() {
        let Some(rest) = e.path.strip_prefix(&etc) else {
            continue;
        };
        let name = rest.to_ascii_lowercase();
        if name.contains('/') || !IDENTITY_FILES.iter().any(|w| name.contains(w)) {
            continue;
        }
        let c = tree.content(e);
        if c.len() <= 16 << 10 && !c.contains(&0) {
            text.push(' ');
            text.push_str(&String::from_utf8_lossy(c));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for w in text
        .to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '&'))
        .map(|w| w.trim_matches('-'))
    {
        if w.len() >= 3
            && !NOT_VENDORS.contains(&w)
            && dict.has_vendor(w)
            && !out.iter().any(|x| x == w)
        {
            out.push(w.to_string());
        }
        if out.len() >= 8 {
            break;
        }
    }
    out
}

/// Strings of the image tried after the dictionary: tokens of the small text files under
/// `etc/` of the file system rooted at `root` (configuration values, banners, names), at most
/// [`MAX_IMAGE_STRINGS`]. Account databases and web-server password files are skipped (their
/// fields are what is being cracked).
pub fn image_strings(tree: &Tree, root: &str) -> Vec<(String, String)> {
    let etc = path::join(root, "etc/");
    let mut out: Vec<(String, String)> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for e in tree.files() {
        if !e.path.starts_with(&etc)
            || db_kind(e.file_name()).is_some()
            || accounts::web_file_format(e.inner_path()).is_some()
        {
            continue;
        }
        let c = tree.content(e);
        if c.len() > 64 << 10 || c.contains(&0) {
            continue;
        }
        let text = String::from_utf8_lossy(c);
        for tok in text.split(|c: char| {
            c.is_whitespace() || matches!(c, '=' | '"' | '\'' | ',' | ';' | '(' | ')' | '<' | '>')
        }) {
            let tok = tok.trim_matches(|c: char| c == ':' || c == '.');
            if (4..=32).contains(&tok.len())
                && tok.bytes().all(|b| b.is_ascii_graphic())
                && !tok.starts_with('/')
                && !tok.starts_with('$')
                && seen.insert(tok.to_string())
            {
                out.push((tok.to_string(), e.path.clone()));
                if out.len() >= MAX_IMAGE_STRINGS {
                    return out;
                }
            }
        }
    }
    out
}

/// Where an account's password field was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Db(DbKind),
    Store(StoreFormat),
}

/// One account as seen by one file.
#[derive(Debug, Clone)]
struct Account {
    /// Tree path of the file holding the password field.
    path: String,
    origin: Origin,
    name: String,
    field: String,
    uid: Option<u32>,
    shell: Option<String>,
    line: usize,
    /// Root of the file system holding the file, to find host names, vendors and strings.
    root: String,
    /// Key of a configuration store that holds the password (`http_passwd`).
    key: Option<String>,
}

impl Account {
    fn label(&self) -> String {
        match self.origin {
            Origin::Db(DbKind::Group) => format!("group {}", self.name),
            _ => self.name.clone(),
        }
    }

    fn login(&self) -> Option<bool> {
        match self.origin {
            Origin::Db(DbKind::Group) | Origin::Store(_) => Some(false),
            _ => shell_allows_login(self.shell.as_deref()),
        }
    }

    fn who(&self) -> String {
        if let Origin::Store(f) = self.origin {
            return match &self.key {
                Some(k) if !f.is_web() => format!("{}, key {k}", f.name()),
                _ => f.name().to_string(),
            };
        }
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

    /// The scheme of the password field: web digest files name theirs.
    fn scheme(&self) -> Option<Scheme> {
        if self.origin == Origin::Store(StoreFormat::HtDigest) {
            return Some(Scheme::HtDigest);
        }
        match (classify(&self.field), self.origin) {
            (PasswordField::Hash(Scheme::Plain), Origin::Store(f))
                if !f.is_web() && crack::base64_text(&self.field).is_some() =>
            {
                Some(Scheme::Base64)
            }
            (PasswordField::Hash(s), _) => Some(s),
            _ => None,
        }
    }
}

/// The credentials analyzer.
pub struct Credentials {
    dict: Dictionary,
    keys: accounts::KeyRules,
}

impl Credentials {
    pub fn new(rules: &RuleSet) -> Result<Credentials, RuleError> {
        Ok(Credentials {
            dict: Dictionary::from_rules(rules)?,
            keys: accounts::KeyRules::from_rules(rules)?,
        })
    }

    /// The dictionary in use.
    pub fn dictionary(&self) -> &Dictionary {
        &self.dict
    }
}

fn collect_accounts(tree: &Tree, keys: &accounts::KeyRules) -> Vec<Account> {
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
                origin: Origin::Db(*kind),
                name: r.name.clone(),
                field: r.password.clone(),
                uid,
                shell,
                line: r.line,
                root: root.clone(),
                key: None,
            });
        }
    }
    for s in accounts::collect(tree, keys) {
        let root = tree
            .get(&s.path)
            .map(|e| e.root().to_string())
            .unwrap_or_default();
        out.push(Account {
            name: s.label(),
            path: s.path,
            origin: Origin::Store(s.format),
            field: s.value,
            uid: None,
            shell: None,
            line: s.line,
            root,
            key: Some(s.key),
        });
    }
    out
}

/// Per file-system root: host names, vendors and strings of the image.
fn hints_for(
    cache: &mut HashMap<String, Hints>,
    tree: &Tree,
    root: &str,
    dict: &Dictionary,
) -> Hints {
    cache
        .entry(root.to_string())
        .or_insert_with(|| {
            let hostnames = hostnames(tree, root);
            let vendors = vendors(tree, root, &hostnames, dict);
            Hints {
                vendors,
                image_strings: image_strings(tree, root),
                hostnames,
            }
        })
        .clone()
}

impl Analyzer for Credentials {
    fn name(&self) -> &'static str {
        "credentials"
    }

    fn run(&self, cx: &Context) -> Output {
        self.run_shared(cx, &crate::Shared::build(cx.tree))
    }

    fn early(&self, path: &str, data: &[u8]) -> Option<crate::prework::Early> {
        Some(Box::new(self.binary_file(path, data)))
    }

    fn run_shared(&self, cx: &Context, shared: &crate::Shared) -> Output {
        let accounts = collect_accounts(cx.tree, &self.keys);
        let mut findings = Vec::new();
        // jobs: one per distinct (account name, hash); the root directory gives host names
        let mut job_index: HashMap<(String, String), usize> = HashMap::new();
        let mut jobs: Vec<Job> = Vec::new();
        let mut sources: Vec<Vec<String>> = Vec::new();
        let mut hint_cache: HashMap<String, Hints> = HashMap::new();
        let mut vendors_seen: Vec<String> = Vec::new();
        for a in &accounts {
            let field = classify(&a.field);
            let label = a.label();
            match (&field, a.origin) {
                (PasswordField::Empty, Origin::Db(DbKind::Passwd | DbKind::Shadow)) => {
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
                (PasswordField::Hash(_), _) => {
                    let Some(s) = a.scheme() else { continue };
                    let key = (label.clone(), a.field.clone());
                    if let std::collections::hash_map::Entry::Vacant(slot) = job_index.entry(key) {
                        let mut hints = hints_for(&mut hint_cache, cx.tree, &a.root, &self.dict);
                        for v in &hints.vendors {
                            if !vendors_seen.contains(v) {
                                vendors_seen.push(v.clone());
                            }
                        }
                        if matches!(s, Scheme::Plain | Scheme::Base64) {
                            // a clear-text field is itself a string of the image
                            hints.image_strings.clear();
                        }
                        let user = match a.origin {
                            Origin::Store(f)
                                if !f.is_web() && a.key.as_deref() == Some(a.name.as_str()) =>
                            {
                                ""
                            }
                            _ => a.name.as_str(),
                        };
                        let cands = self.dict.candidates(user, &hints);
                        let (c, src): (Vec<String>, Vec<String>) = cands.into_iter().unzip();
                        slot.insert(jobs.len());
                        jobs.push(Job {
                            scheme: s,
                            hash: a.field.clone(),
                            candidates: c,
                        });
                        sources.push(src);
                    }
                }
                _ => {}
            }
            // uid 0 accounts other than root
            if a.origin == Origin::Db(DbKind::Passwd) && a.uid == Some(0) && a.name != "root" {
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
            let Some(scheme) = a.scheme() else {
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
            let line = if a.line > 0 {
                format!("line {}; ", a.line)
            } else {
                String::new()
            };
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
                             {line}{}",
                            scheme.name(),
                            idx + 1,
                            o.total,
                            a.who()
                        ),
                    )
                    .with_key(&label),
                );
            } else if let (Scheme::Plain | Scheme::Base64, Origin::Store(f)) = (scheme, a.origin) {
                // a clear-text password of no dictionary in a store the secrets analyzer does
                // not read line by line (XML, NUL-separated nvram, web user files)
                if !f.covered_by_secrets() || a.line == 0 {
                    findings.push(
                        Finding::new(
                            kinds::CREDENTIAL_HARDCODED_SECRET,
                            Severity::Medium,
                            format!("Hard-coded password of account '{label}'"),
                            Some(a.path.clone()),
                            format!(
                                "{label}: password '{}' in clear text; {line}{}",
                                a.field,
                                a.who()
                            ),
                        )
                        .with_key(&format!("account:{label}")),
                    );
                }
                continue;
            }
            let weak = match (scheme, a.origin) {
                // clear text in configuration stores is the secrets analyzer's finding
                (Scheme::Plain | Scheme::Base64, Origin::Store(f)) if !f.is_web() => None,
                (Scheme::Plain, _) => Some(Severity::High),
                (Scheme::Des | Scheme::Md5Unsalted | Scheme::Sha1Base64 | Scheme::HtDigest, _) => {
                    Some(Severity::Medium)
                }
                (Scheme::Md5Crypt | Scheme::Apr1, _) => Some(Severity::Low),
                _ => None,
            };
            if let Some(sev) = weak {
                let what = match scheme {
                    Scheme::Plain => "password stored in clear text".to_string(),
                    Scheme::Des => {
                        "DES crypt (56-bit, only the first 8 characters count)".to_string()
                    }
                    Scheme::Md5Unsalted => "unsalted MD5".to_string(),
                    Scheme::Sha1Base64 => "unsalted SHA-1".to_string(),
                    Scheme::HtDigest => "unsalted MD5 of user:realm:password".to_string(),
                    _ => "md5-crypt (fast, deprecated)".to_string(),
                };
                findings.push(
                    Finding::new(
                        kinds::CREDENTIAL_WEAK_HASH,
                        sev,
                        format!("Account '{label}' uses a weak password hash"),
                        Some(a.path.clone()),
                        format!("{label}: {what}, scheme {}; {line}{status}", scheme.name(),),
                    )
                    .with_key(&label),
                );
            }
        }
        findings.extend(self.script_findings(cx.tree));
        findings.extend(self.binary_findings(cx.tree, shared.prework));
        Output {
            findings,
            summaries: vec![(
                "credentials".into(),
                serde_json::json!({
                    "accounts": summary,
                    "crack_ms": crack_ms,
                    "crack_budget_ms": cx.options.crack_budget.as_millis() as u64,
                    "dictionary": self.dict.len(),
                    "dictionary_entries": self.dict.entries(),
                    "vendors": vendors_seen,
                }),
            )],
        }
    }
}

impl Credentials {
    /// User/password literal pairs side by side in ELF files (`credential.hardcoded-secret`,
    /// medium: the pair is a listed default of that user, next to a login-related string).
    fn binary_findings(
        &self,
        tree: &Tree,
        prework: Option<&crate::prework::Prework>,
    ) -> Vec<Finding> {
        let elfs: Vec<&netvet_unpack::Entry> = tree
            .files()
            .filter(|e| e.data.starts_with(b"\x7fELF"))
            .collect();
        let per: Vec<Vec<Finding>> = elfs
            .par_iter()
            .map(|e| {
                prework
                    .and_then(|w| w.take::<Vec<Finding>>("credentials", &e.path, &e.data))
                    .unwrap_or_else(|| self.binary_file(&e.path, &e.data))
            })
            .collect();
        per.into_iter().flatten().collect()
    }

    /// The user/password pairs of one ELF file (also computed while the image unpacks).
    fn binary_file(&self, path: &str, data: &[u8]) -> Vec<Finding> {
        accounts::binary_pairs(data, |u, p| self.dict.is_user_pair(u, p))
            .into_iter()
            .map(|bp| {
                let src = self
                    .dict
                    .default_source(&bp.user, &bp.password)
                    .unwrap_or("");
                Finding::new(
                    kinds::CREDENTIAL_HARDCODED_SECRET,
                    Severity::Medium,
                    format!("Login '{}' written into a binary", bp.user),
                    Some(path.to_string()),
                    format!(
                        "user '{}' and password '{}' side by side at offset {} next to a \
                                 login string; a listed default pair (source: {src})",
                        bp.user, bp.password, bp.offset
                    ),
                )
                .with_offset(bp.offset as u64)
                .with_key(&format!("binary-pair:{}:{}", bp.user, bp.password))
            })
            .collect()
    }

    /// Password comparisons with literals in scripts (`credential.hardcoded-secret`): high
    /// when a user name is compared on the same line (a hard-coded login), medium otherwise.
    fn script_findings(&self, tree: &Tree) -> Vec<Finding> {
        let mut out = Vec::new();
        for e in tree.files() {
            if e.data.len() > 1 << 20 || !accounts::is_script(e.inner_path(), &e.data) {
                continue;
            }
            let head = &e.data[..e.data.len().min(4096)];
            if head.contains(&0) {
                continue;
            }
            let text = String::from_utf8_lossy(&e.data);
            for c in accounts::script_comparisons(&self.keys, &text) {
                let (sev, title, who) = match &c.user {
                    Some(u) => (
                        Severity::High,
                        format!("Hard-coded login '{u}' in a script"),
                        format!("user '{u}', "),
                    ),
                    None => (
                        Severity::Medium,
                        "Password compared with a literal in a script".to_string(),
                        String::new(),
                    ),
                };
                let known = self
                    .dict
                    .default_source(c.user.as_deref().unwrap_or(""), &c.password)
                    .map(|s| format!(" (a known default; source: {s})"))
                    .unwrap_or_default();
                out.push(
                    Finding::new(
                        kinds::CREDENTIAL_HARDCODED_SECRET,
                        sev,
                        title,
                        Some(e.path.clone()),
                        format!(
                            "{who}password '{}'{known} compared with ${}: line {}",
                            c.password, c.variable, c.line
                        ),
                    )
                    .with_key(&format!("comparison:{}:{}", c.variable, c.password)),
                );
            }
        }
        out
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
        // vendor lines: `shared` is listed by two vendors, so it ranks before `acme1`
        rules.insert(
            "credentials/c.tsv",
            "acme\troot\tacme1\tm\nacme\t*\tacmeany\tm\nzeta\troot\tshared\tm\n\
             omega\t*\tshared\tm\nzeta\tsupport\tzsupport\tm\n",
        );
        let d = Dictionary::from_rules(&rules).unwrap();
        assert_eq!(d.entries(), 8);
        let hints = Hints {
            hostnames: vec!["Luxul".into()],
            vendors: vec![],
            image_strings: vec![("fromimage".into(), "etc/x".into())],
        };
        let c: Vec<String> = d
            .candidates("root", &hints)
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
                "shared",
                "acme1",
                "123456",
                "acmeany",
                "zsupport",
                "fromimage"
            ]
        );
        // the image names vendor acme: its defaults come first
        let hints = Hints {
            vendors: vec!["acme".into()],
            ..Hints::default()
        };
        let c: Vec<String> = d
            .candidates("root", &hints)
            .into_iter()
            .map(|x| x.0)
            .take(4)
            .collect();
        assert_eq!(c, ["", "acme1", "acmeany", "xc3511"]);
        assert_eq!(d.default_source("support", "zsupport"), Some("m"));
        assert_eq!(d.default_source("root", "zsupport"), None);
        rules.insert("credentials/d.tsv", "x\tnosuch\n");
        let e = Dictionary::from_rules(&rules).unwrap_err();
        assert_eq!(e.file, "credentials/d.tsv");
        assert!(e.message.contains("nosuch"), "{}", e.message);
    }
}
