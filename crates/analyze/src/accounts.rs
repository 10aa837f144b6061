//! Account stores beyond `passwd`/`shadow`: web-server password files (`.htpasswd`,
//! `htdigest`, lighttpd's plain user file and the files its configuration names, Boa/mini_httpd
//! `passwd` files of `user:hash` lines), configuration stores that pair a user name with a
//! password (UCI `/etc/config/*` sections, INI sections, nvram defaults as `key=value` lines or
//! NUL-separated blobs, JSON objects, XML elements), and password comparisons with literals in
//! scripts.
//!
//! Every format is parsed into records (a UCI section, an INI section, a JSON object, an XML
//! element with its attributes and text-only children, a group of nvram keys sharing a
//! prefix); a record's password is paired with its user name. Key names are judged by words
//! from `rules/credentials/account-keys.tsv`, values by what they are: variable references,
//! paths, masks, lock markers and booleans are not passwords. The credentials analyzer cracks
//! or dictionary-checks what this module finds (see [`crate::credentials`]).
//!
//! Parsers are written here for UCI, INI and nvram (line formats with no maintained crate that
//! accepts the vendor variants leniently); JSON uses `serde_json` and XML `quick-xml`.

use crate::credentials::{classify, PasswordField};
use crate::RuleError;
use netvet_rules::RuleSet;
use netvet_unpack::{path, Tree};
use std::collections::{BTreeMap, HashSet};

/// Files larger than this are not account stores.
const MAX_STORE: usize = 1 << 20;
/// Accounts taken from one file at most.
const MAX_PER_FILE: usize = 200;

/// How a store is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StoreFormat {
    /// `user:hash` lines (Apache `htpasswd`, mini_httpd, Boa).
    WebPasswd,
    /// `user:password` lines in clear text (lighttpd `auth.backend = "plain"`).
    WebPlain,
    /// `user:realm:md5` lines (Apache `htdigest`, lighttpd `htdigest`).
    HtDigest,
    /// OpenWrt UCI (`config` sections with `option` lines).
    Uci,
    /// INI sections.
    Ini,
    /// `key=value` lines or NUL-separated `key=value` strings (nvram defaults, flat configs).
    Flat,
    Json,
    Xml,
}

impl StoreFormat {
    pub fn name(self) -> &'static str {
        match self {
            StoreFormat::WebPasswd => "web-server password file",
            StoreFormat::WebPlain => "web-server plain-text user file",
            StoreFormat::HtDigest => "web-server digest file",
            StoreFormat::Uci => "UCI configuration",
            StoreFormat::Ini => "INI configuration",
            StoreFormat::Flat => "key=value configuration",
            StoreFormat::Json => "JSON configuration",
            StoreFormat::Xml => "XML configuration",
        }
    }

    /// Web-server password files: one account per line, no key names.
    pub fn is_web(self) -> bool {
        matches!(
            self,
            StoreFormat::WebPasswd | StoreFormat::WebPlain | StoreFormat::HtDigest
        )
    }

    /// Formats whose clear-text values the secrets analyzer already reports line by line
    /// (configuration text: UCI, INI, `key=value`, JSON).
    pub fn covered_by_secrets(self) -> bool {
        matches!(
            self,
            StoreFormat::Uci | StoreFormat::Ini | StoreFormat::Flat | StoreFormat::Json
        )
    }
}

/// One account found in a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccount {
    /// Tree path of the file.
    pub path: String,
    /// 1-based line (0 when the format has no lines, as in a NUL-separated blob).
    pub line: usize,
    /// The account name, when the store names it.
    pub user: Option<String>,
    /// The key that holds the password (`http_passwd`), or the format for web files.
    pub key: String,
    /// The password field: a hash, or the password in clear text. For `htdigest` lines,
    /// `user:realm:md5` (what [`crate::crack::Scheme::HtDigest`] verifies).
    pub value: String,
    pub format: StoreFormat,
}

impl StoredAccount {
    /// Name used in findings: the user name, or the key when the store names no user.
    pub fn label(&self) -> String {
        match &self.user {
            Some(u) => u.clone(),
            None => self.key.clone(),
        }
    }
}

/// Key-name rules from `credentials/account-keys.tsv`.
#[derive(Debug, Clone, Default)]
pub struct KeyRules {
    password: HashSet<String>,
    suffix: Vec<String>,
    user: HashSet<String>,
    ignore: HashSet<String>,
    /// Every password word and suffix, case-insensitive: a key that holds a password names
    /// one of them, so text without any cannot compare a password (a cheap prefilter before
    /// the comparison patterns).
    password_terms: Option<aho_corasick::AhoCorasick>,
}

impl KeyRules {
    pub fn from_rules(rules: &RuleSet) -> Result<KeyRules, RuleError> {
        let file = "credentials/account-keys.tsv";
        let mut k = KeyRules::default();
        let Some(text) = rules.text(file) else {
            return Ok(k);
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            let [ty, v] = f.as_slice() else {
                return Err(RuleError {
                    file: file.into(),
                    message: format!("line {}: expected type<TAB>value", n + 1),
                });
            };
            let v = v.trim().to_lowercase();
            match *ty {
                "password" => {
                    k.password.insert(v);
                }
                "suffix" => k.suffix.push(v),
                "user" => {
                    k.user.insert(v);
                }
                "ignore" => {
                    k.ignore.insert(v);
                }
                other => {
                    return Err(RuleError {
                        file: file.into(),
                        message: format!(
                            "line {}: unknown type '{other}' (password, suffix, user, ignore)",
                            n + 1
                        ),
                    })
                }
            }
        }
        let terms: Vec<&String> = k.password.iter().chain(&k.suffix).collect();
        k.password_terms = Some(
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(terms)
                .map_err(|e| RuleError {
                    file: file.into(),
                    message: format!("password words: {e}"),
                })?,
        );
        Ok(k)
    }

    /// Whether `text` may name a password key: false only when it holds none of the password
    /// words and suffixes (then no key in it is a password key).
    pub fn may_name_password(&self, text: &str) -> bool {
        self.password_terms
            .as_ref()
            .is_none_or(|ac| ac.is_match(text))
    }

    /// Whether a key holds a password.
    pub fn is_password_key(&self, key: &str) -> bool {
        let w = words(key);
        if w.is_empty() || w.iter().any(|x| self.ignore.contains(x)) {
            return false;
        }
        w.iter().any(|x| self.password.contains(x))
            || w.last()
                .is_some_and(|l| self.suffix.iter().any(|s| l.ends_with(s.as_str())))
    }

    /// Whether a key holds a user name.
    pub fn is_user_key(&self, key: &str) -> bool {
        let w = words(key);
        !w.is_empty()
            && !w
                .iter()
                .any(|x| self.ignore.contains(x) || self.password.contains(x))
            && w.last().is_some_and(|l| self.user.contains(l))
    }
}

/// Lowercase words of a key name: split at non-alphanumerics and camelCase humps.
pub fn words(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        cur.push(c.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The prefix of a key without its last word (`http_passwd` -> `http`), to pair flat keys.
fn prefix(key: &str) -> String {
    let w = words(key);
    w[..w.len().saturating_sub(1)].join("_")
}

/// A value that can be a password field: a known hash, or a literal that is not a variable
/// reference, path, mask, lock marker, boolean or template. Quotes are removed.
pub fn password_value(raw: &str) -> Option<String> {
    let v = raw.trim();
    let v = v
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(v);
    if v.is_empty() || v.len() > 128 || !v.chars().all(|c| c.is_ascii_graphic() || c == ' ') {
        return None;
    }
    const NOT_VALUES: &[&str] = &[
        "none",
        "null",
        "nil",
        "undefined",
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "enabled",
        "disabled",
        "enable",
        "disable",
        "hidden",
        "required",
        "optional",
        "empty",
        "unset",
    ];
    let lower = v.to_ascii_lowercase();
    // documentation placeholders (`mypassword`, `your_password`)
    let placeholder = (lower.starts_with("my") || lower.starts_with("your"))
        && ["pass", "pwd", "secret"].iter().any(|w| lower.contains(w));
    if placeholder
        || NOT_VALUES.contains(&lower.as_str())
        || v.starts_with('/')
        || v.starts_with("./")
        || v.starts_with("~/")
        || v.contains("${")
        || v.contains("$(")
        || v.contains("%s")
        || v.contains("{{")
        || v.contains("<%")
        || v.starts_with('<')
        || v.chars().all(|c| "*x.#-_?".contains(c))
    {
        return None;
    }
    match classify(v) {
        PasswordField::Hash(_) => Some(v.to_string()),
        // `$p$root` (rpcd: "the system password of root"), `$VAR`, lock markers, `x`
        _ => None,
    }
}

/// Format of a web-server password file, by its name.
pub fn web_file_format(inner: &str) -> Option<StoreFormat> {
    let name = path::file_name(inner).to_ascii_lowercase();
    if name == ".htpasswd" || name == "htpasswd" || name.ends_with(".htpasswd") {
        return Some(StoreFormat::WebPasswd);
    }
    if name == ".htdigest"
        || name == "htdigest"
        || name.ends_with(".htdigest")
        || name == "lighttpd-htdigest.user"
    {
        return Some(StoreFormat::HtDigest);
    }
    if name == "lighttpd.user" || name == "lighttpd-plain.user" {
        return Some(StoreFormat::WebPlain);
    }
    None
}

/// User files named by a lighttpd configuration: `auth.backend.plain.userfile`,
/// `auth.backend.htpasswd.userfile`, `auth.backend.htdigest.userfile`.
pub fn lighttpd_userfiles(conf: &str) -> Vec<(String, StoreFormat)> {
    let mut out = Vec::new();
    for line in conf.lines() {
        let t = line.trim();
        if t.starts_with('#') {
            continue;
        }
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let fmt = match k.trim() {
            "auth.backend.plain.userfile" => StoreFormat::WebPlain,
            "auth.backend.htpasswd.userfile" => StoreFormat::WebPasswd,
            "auth.backend.htdigest.userfile" => StoreFormat::HtDigest,
            _ => continue,
        };
        let v = v.trim().trim_end_matches(';').trim().trim_matches('"');
        if v.starts_with('/') && !v.contains(['$', '"', ' ']) {
            out.push((v.trim_start_matches('/').to_string(), fmt));
        }
    }
    out
}

fn valid_user(u: &str) -> bool {
    !u.is_empty()
        && u.len() <= 64
        && u.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-$@".contains(&b))
}

/// Parse a web-server password file: `(line, user, field)`; `None` when the content is not
/// one (binary, or most lines not `user:field`).
pub fn parse_web_file(format: StoreFormat, data: &[u8]) -> Option<Vec<(usize, String, String)>> {
    if data.len() > MAX_STORE || data.contains(&0) {
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
        let rec = match format {
            StoreFormat::HtDigest => {
                let f: Vec<&str> = line.splitn(3, ':').collect();
                match f.as_slice() {
                    [u, realm, h]
                        if valid_user(u)
                            && !realm.contains(':')
                            && h.len() == 32
                            && h.bytes().all(|b| b.is_ascii_hexdigit()) =>
                    {
                        Some((u.to_string(), line.to_string()))
                    }
                    _ => None,
                }
            }
            _ => match line.split_once(':') {
                // mini_httpd and Apache files may carry extra `:comment` fields
                Some((u, rest)) if valid_user(u) => {
                    let field = if format == StoreFormat::WebPlain {
                        rest
                    } else {
                        rest.split(':').next().unwrap_or("")
                    };
                    Some((u.to_string(), field.to_string()))
                }
                _ => None,
            },
        };
        match rec {
            Some((u, f)) => out.push((n + 1, u, f)),
            None => bad += 1,
        }
        if out.len() >= MAX_PER_FILE {
            break;
        }
    }
    (!out.is_empty() && bad <= out.len()).then_some(out)
}

/// A key and value of a record, with the line it is on.
#[derive(Debug, Clone)]
struct Kv {
    key: String,
    value: String,
    line: usize,
}

/// Pair the passwords of one record with its user name.
fn pair_record(rules: &KeyRules, record: &[Kv], flat: bool, out: &mut Vec<(Kv, Option<String>)>) {
    for p in record.iter().filter(|kv| rules.is_password_key(&kv.key)) {
        let Some(value) = password_value(&p.value) else {
            continue;
        };
        let pp = prefix(&p.key);
        // a user key with the same prefix first (`http_username` for `http_passwd`); in a
        // record of its own (section, object, element) any user key will do
        let user = record
            .iter()
            .filter(|kv| rules.is_user_key(&kv.key))
            .find(|kv| prefix(&kv.key) == pp)
            .or_else(|| {
                (!flat)
                    .then(|| record.iter().find(|kv| rules.is_user_key(&kv.key)))
                    .flatten()
            })
            .map(|kv| {
                kv.value
                    .trim()
                    .trim_matches(|c| c == '"' || c == '\'')
                    .to_string()
            })
            .filter(|u| valid_user(u));
        out.push((
            Kv {
                key: p.key.clone(),
                value,
                line: p.line,
            },
            user,
        ));
    }
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| v.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
        .unwrap_or(v)
        .to_string()
}

fn parse_uci(text: &str) -> Vec<Vec<Kv>> {
    let mut records: Vec<Vec<Kv>> = Vec::new();
    let mut cur: Vec<Kv> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("config ") || t == "config" {
            records.push(std::mem::take(&mut cur));
        } else if let Some(rest) = t.strip_prefix("option ") {
            let rest = rest.trim_start();
            let (k, v) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            cur.push(Kv {
                key: k.to_string(),
                value: unquote(v),
                line: n + 1,
            });
        }
    }
    records.push(cur);
    records
}

fn parse_ini(text: &str) -> Vec<Vec<Kv>> {
    let mut records: Vec<Vec<Kv>> = Vec::new();
    let mut cur: Vec<Kv> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        if t.starts_with('[') && t.ends_with(']') {
            records.push(std::mem::take(&mut cur));
        } else if let Some((k, v)) = t.split_once('=') {
            cur.push(Kv {
                key: k.trim().to_string(),
                value: unquote(v),
                line: n + 1,
            });
        }
    }
    records.push(cur);
    records
}

/// `key=value` lines, or NUL-separated `key=value` strings (nvram images and defaults).
fn parse_flat(data: &[u8]) -> Vec<Kv> {
    let nul = data.contains(&0);
    let mut out = Vec::new();
    let mut line = 1usize;
    for part in data.split(|&b| b == b'\n' || b == 0) {
        let here = line;
        if !nul {
            line += 1;
        }
        let Ok(t) = std::str::from_utf8(part) else {
            continue;
        };
        let t = t.trim();
        if t.starts_with('#') || t.starts_with(';') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        if let Some((k, v)) = t.split_once('=') {
            let k = k.trim();
            if !k.is_empty()
                && k.len() <= 64
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
            {
                out.push(Kv {
                    key: k.to_string(),
                    value: unquote(v),
                    line: if nul { 0 } else { here },
                });
            }
        }
        if out.len() >= 100_000 {
            break;
        }
    }
    out
}

/// Group flat keys by prefix so that `http_username` and `http_passwd` form one record.
fn group_flat(kvs: Vec<Kv>) -> Vec<Vec<Kv>> {
    let mut groups: BTreeMap<String, Vec<Kv>> = BTreeMap::new();
    for kv in kvs {
        groups.entry(prefix(&kv.key)).or_default().push(kv);
    }
    groups.into_values().collect()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map(|i| text[..i].matches('\n').count() + 1)
        .unwrap_or(0)
}

fn parse_json(text: &str) -> Vec<Vec<Kv>> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let mut records = Vec::new();
    let mut stack = vec![&v];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                let mut rec = Vec::new();
                for (k, x) in m {
                    let value = match x {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Number(n) => n.to_string(),
                        other => {
                            stack.push(other);
                            continue;
                        }
                    };
                    rec.push(Kv {
                        key: k.clone(),
                        line: line_of(text, &format!("\"{value}\"")),
                        value,
                    });
                }
                records.push(rec);
            }
            serde_json::Value::Array(a) => stack.extend(a.iter()),
            _ => {}
        }
        if records.len() > 100_000 {
            break;
        }
    }
    records
}

fn parse_xml(text: &str) -> Vec<Vec<Kv>> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().trim_text(true);
    // one frame per open element: its name, its record, its text
    let mut stack: Vec<(String, Vec<Kv>, String, usize)> = Vec::new();
    let mut records = Vec::new();
    let line_at = |pos: u64| -> usize {
        let pos = (pos as usize).min(text.len());
        text.as_bytes()[..pos]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    };
    let attrs = |e: &quick_xml::events::BytesStart, line: usize| -> Vec<Kv> {
        e.attributes()
            .flatten()
            .filter_map(|a| {
                Some(Kv {
                    key: String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                    value: a.unescape_value().ok()?.into_owned(),
                    line,
                })
            })
            .collect()
    };
    loop {
        let ev = reader.read_event();
        // the end of the tag just read: its line for one-line tags
        let pos = reader.buffer_position();
        match ev {
            Ok(Event::Start(e)) => {
                let line = line_at(pos);
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let rec = attrs(&e, line);
                stack.push((name, rec, String::new(), line));
                if stack.len() > 256 {
                    break;
                }
            }
            Ok(Event::Empty(e)) => {
                let line = line_at(pos);
                let rec = attrs(&e, line);
                if !rec.is_empty() {
                    records.push(rec);
                }
            }
            Ok(Event::Text(t)) => {
                if let (Some(top), Ok(s)) = (stack.last_mut(), t.decode()) {
                    top.2.push_str(&s);
                }
            }
            Ok(Event::CData(t)) => {
                if let Some(top) = stack.last_mut() {
                    top.2.push_str(&String::from_utf8_lossy(&t[..]));
                }
            }
            Ok(Event::End(_)) => {
                let Some((name, rec, txt, line)) = stack.pop() else {
                    break;
                };
                let leaf = rec.is_empty();
                if !rec.is_empty() {
                    records.push(rec);
                }
                // `<password>admin</password>` belongs to the parent's record
                if leaf && !txt.is_empty() {
                    if let Some(parent) = stack.last_mut() {
                        parent.1.push(Kv {
                            key: name,
                            value: txt,
                            line,
                        });
                    }
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        if records.len() > 100_000 {
            break;
        }
    }
    records.extend(stack.into_iter().map(|f| f.1).filter(|r| !r.is_empty()));
    records
}

/// The configuration format of a file, by its path and content; `None` when it is not an
/// account store this module parses.
pub fn store_format(inner: &str, data: &[u8]) -> Option<StoreFormat> {
    if data.len() > MAX_STORE || data.is_empty() {
        return None;
    }
    let name = path::file_name(inner).to_ascii_lowercase();
    let in_etc = inner.starts_with("etc/") || inner.contains("/etc/");
    if inner.starts_with("etc/config/") || inner.contains("/etc/config/") {
        return Some(StoreFormat::Uci);
    }
    // samples and templates document the format, they configure nothing
    if [".sample", ".example", ".template", ".dist", ".orig"]
        .iter()
        .any(|x| name.ends_with(x))
    {
        return None;
    }
    if (name.contains("nvram") || name.ends_with(".nvm"))
        && !data.starts_with(b"\x7fELF")
        && !data.starts_with(b"#!")
    {
        return Some(StoreFormat::Flat);
    }
    if data.contains(&0) {
        return None;
    }
    let head = &data[..data.len().min(512)];
    let trimmed = head.trim_ascii_start();
    if name.ends_with(".json") || (in_etc && trimmed.starts_with(b"{")) {
        return Some(StoreFormat::Json);
    }
    if name.ends_with(".xml") || (in_etc && trimmed.starts_with(b"<?xml")) {
        return Some(StoreFormat::Xml);
    }
    let conf = [
        ".ini",
        ".conf",
        ".cfg",
        ".cnf",
        ".config",
        ".default",
        ".defaults",
    ]
    .iter()
    .any(|x| name.ends_with(x));
    if conf || (in_etc && name.contains("default")) {
        let text = String::from_utf8_lossy(data);
        let sections = text.lines().any(|l| {
            let t = l.trim();
            t.starts_with('[') && t.ends_with(']') && t.len() > 2
        });
        return Some(if sections {
            StoreFormat::Ini
        } else {
            StoreFormat::Flat
        });
    }
    None
}

/// User/password pairs of one configuration store.
pub fn parse_store(
    rules: &KeyRules,
    format: StoreFormat,
    data: &[u8],
) -> Vec<(usize, Option<String>, String, String)> {
    let text = String::from_utf8_lossy(data);
    let (records, flat) = match format {
        StoreFormat::Uci => (parse_uci(&text), false),
        StoreFormat::Ini => (parse_ini(&text), false),
        StoreFormat::Flat => (group_flat(parse_flat(data)), true),
        StoreFormat::Json => (parse_json(&text), false),
        StoreFormat::Xml => (parse_xml(&text), false),
        _ => return Vec::new(),
    };
    let mut pairs = Vec::new();
    for r in &records {
        pair_record(rules, r, flat, &mut pairs);
        if pairs.len() >= MAX_PER_FILE {
            break;
        }
    }
    pairs
        .into_iter()
        .take(MAX_PER_FILE)
        .map(|(kv, user)| (kv.line, user, kv.key, kv.value))
        .collect()
}

/// Every account of every store in the tree (web-server files and configuration stores),
/// except the system `passwd`/`shadow`/`group` databases.
pub fn collect(tree: &Tree, rules: &KeyRules) -> Vec<StoredAccount> {
    // files named by lighttpd configurations, per layer root
    let mut named: BTreeMap<String, StoreFormat> = BTreeMap::new();
    for e in tree.files() {
        let n = e.file_name();
        if n.starts_with("lighttpd") && n.ends_with(".conf") && e.data.len() < MAX_STORE {
            for (p, f) in lighttpd_userfiles(&String::from_utf8_lossy(&e.data)) {
                named.insert(path::join(e.root(), &p), f);
            }
        }
    }
    let mut out = Vec::new();
    for e in tree.files() {
        let inner = e.inner_path();
        let web = named
            .get(&e.path)
            .copied()
            .or_else(|| web_file_format(inner))
            .or_else(|| {
                // Boa and others keep `user:hash` lines in a file named passwd that is not
                // the system database
                (e.file_name() == "passwd"
                    && crate::credentials::parse_db(crate::credentials::DbKind::Passwd, &e.data)
                        .is_none())
                .then_some(StoreFormat::WebPasswd)
            });
        if let Some(fmt) = web {
            for (line, user, field) in parse_web_file(fmt, &e.data).unwrap_or_default() {
                if !matches!(classify(&field), PasswordField::Hash(_)) {
                    continue;
                }
                out.push(StoredAccount {
                    path: e.path.clone(),
                    line,
                    user: Some(user),
                    key: fmt.name().to_string(),
                    value: field,
                    format: fmt,
                });
            }
            continue;
        }
        if crate::credentials::db_kind(e.file_name()).is_some() {
            continue;
        }
        let Some(fmt) = store_format(inner, &e.data) else {
            continue;
        };
        for (line, user, key, value) in parse_store(rules, fmt, &e.data) {
            out.push(StoredAccount {
                path: e.path.clone(),
                line,
                user,
                key,
                value,
                format: fmt,
            });
        }
    }
    out
}

/// A password variable compared with a literal in a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub line: usize,
    /// The variable holding the typed password.
    pub variable: String,
    pub password: String,
    /// A user name compared on the same line, if any.
    pub user: Option<String>,
}

/// Scripts (shell, Lua, PHP, JavaScript, CGI) by name or `#!` line.
pub fn is_script(inner: &str, data: &[u8]) -> bool {
    let name = path::file_name(inner).to_ascii_lowercase();
    [".sh", ".lua", ".php", ".cgi", ".js", ".pl", ".py", ".asp"]
        .iter()
        .any(|x| name.ends_with(x))
        || data.starts_with(b"#!")
}

/// Comparisons of a password variable with a literal (`[ "$pass" = "s3cret" ]`,
/// `if password == "s3cret"`, `strcmp(passwd, "s3cret")`), with the user name compared on
/// the same line when there is one.
pub fn script_comparisons(rules: &KeyRules, text: &str) -> Vec<Comparison> {
    use std::sync::OnceLock;
    static RES: OnceLock<[regex::Regex; 4]> = OnceLock::new();
    let res = RES.get_or_init(|| {
        [
            // variable OP literal; a single `=` is an assignment outside a shell test
            crate::literal_regex(r#"\$?\{?([A-Za-z_][A-Za-z0-9_.\[\]'"]{0,40}?)\}?["']?\s*(?:==|!=|===|!==|(?-u:\b)eq(?-u:\b)|(?-u:\b)ne(?-u:\b))\s*(?:"([^"$`\\]{1,64})"|'([^'$`\\]{1,64})')"#),
            // literal OP variable
            crate::literal_regex(r#"(?:"([^"$`\\]{1,64})"|'([^'$`\\]{1,64})')\s*(?:==|!=|===|!==)\s*["']?\$?\{?([A-Za-z_][A-Za-z0-9_.]{0,40})"#),
            // strcmp(variable, literal) and strcmp(literal, variable)
            crate::literal_regex(r#"str(?:n?case)?n?cmp\s*\(\s*(?:([A-Za-z_][A-Za-z0-9_.>\-]{0,40})\s*,\s*"([^"]{1,64})"|"([^"]{1,64})"\s*,\s*([A-Za-z_][A-Za-z0-9_.>\-]{0,40}))"#),
            // shell test: [ "$var" = "literal" ], test "$var" = literal
            crate::literal_regex(r#"(?:\[\[?|(?-u:\b)test)\s+"?\$\{?([A-Za-z_][A-Za-z0-9_]{0,40})\}?"?\s*(?:==?|!=)\s*(?:"([^"$`\\]{1,64})"|'([^'$`\\]{1,64})'|([^\s"'$`\]]{1,64}))"#),
        ]
    });
    let mut out = Vec::new();
    if !rules.may_name_password(text) {
        return out;
    }
    for (n, line) in text.lines().enumerate() {
        if line.len() > 2000 {
            continue;
        }
        let t = line.trim_start();
        if t.starts_with('#') || t.starts_with("//") || t.starts_with("--") {
            continue;
        }
        // a comparison is reported only when a password key takes part
        if !rules.may_name_password(line) {
            continue;
        }
        let mut pw: Option<(String, String)> = None;
        let mut user: Option<String> = None;
        let mut consider = |var: &str, lit: &str| {
            let var = var.trim_matches(|c: char| c == '\'' || c == '"' || c == '[' || c == ']');
            let last = var.rsplit(['.', '>', '[']).next().unwrap_or(var);
            // `password == "password"`: a field-name table, not a secret
            if lit.eq_ignore_ascii_case(last) {
                return;
            }
            if rules.is_password_key(last) {
                if pw.is_none() && password_value(lit).is_some() {
                    pw = Some((var.to_string(), lit.to_string()));
                }
            } else if rules.is_user_key(last) && valid_user(lit) && user.is_none() {
                user = Some(lit.to_string());
            }
        };
        for c in res[0].captures_iter(line) {
            let lit = c.get(2).or(c.get(3)).map_or("", |m| m.as_str());
            consider(&c[1], lit);
        }
        for c in res[1].captures_iter(line) {
            let lit = c.get(1).or(c.get(2)).map_or("", |m| m.as_str());
            consider(&c[3], lit);
        }
        for c in res[3].captures_iter(line) {
            let lit = c
                .get(2)
                .or(c.get(3))
                .or(c.get(4))
                .map_or("", |m| m.as_str());
            consider(&c[1], lit);
        }
        for c in res[2].captures_iter(line) {
            let (var, lit) = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
                (Some(v), Some(l), _, _) => (v.as_str(), l.as_str()),
                (_, _, Some(l), Some(v)) => (v.as_str(), l.as_str()),
                _ => continue,
            };
            consider(var, lit);
        }
        if let Some((variable, password)) = pw {
            out.push(Comparison {
                line: n + 1,
                variable,
                password,
                user,
            });
        }
        if out.len() >= MAX_PER_FILE {
            break;
        }
    }
    out
}

/// A user name and a password that are literals side by side in a binary's strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryPair {
    pub offset: usize,
    pub user: String,
    pub password: String,
}

/// User/password literal pairs in an ELF file: two NUL-terminated strings next to each other
/// (at most 8 bytes of padding between them, in either order) that the dictionary lists as a
/// default pair of that very user (`is_pair`; a password has at least 4 characters, so two
/// shorter strings are never asked about), with a login-related string (`pass`, `login`,
/// `auth`) within 512 bytes. This is how `strcmp(user, "admin") && strcmp(pass, "x")` looks
/// once compiled: both literals land next to each other in `.rodata`.
pub fn binary_pairs(data: &[u8], is_pair: impl Fn(&[u8], &[u8]) -> bool) -> Vec<BinaryPair> {
    if !data.starts_with(b"\x7fELF") {
        return Vec::new();
    }
    let data = &data[..data.len().min(32 << 20)];
    let mut strings = nul_terminated_strings(data);
    let login_near = |off: usize| {
        let lo = off.saturating_sub(512);
        let hi = (off + 512).min(data.len());
        let w = &data[lo..hi];
        [
            &b"pass"[..],
            b"Pass",
            b"PASS",
            b"login",
            b"Login",
            b"auth",
            b"Auth",
        ]
        .iter()
        .any(|n| memchr::memmem::find(w, n).is_some())
    };
    let mut out = Vec::new();
    let Some(mut prev) = strings.next() else {
        return out;
    };
    for next in strings {
        let ((o1, a), (o2, b)) = (prev, next);
        prev = next;
        // side by side, and one of them long enough to be a password
        if o2 > o1 + a.len() + 1 + 8 || a.len().max(b.len()) < 4 {
            continue;
        }
        let hit = if is_pair(a, b) {
            Some((a, b))
        } else if is_pair(b, a) {
            Some((b, a))
        } else {
            None
        };
        if let Some((u, p)) = hit {
            if login_near(o1) {
                // ASCII by construction
                out.push(BinaryPair {
                    offset: o1,
                    user: String::from_utf8_lossy(u).into_owned(),
                    password: String::from_utf8_lossy(p).into_owned(),
                });
            }
        }
        if out.len() >= 20 {
            break;
        }
    }
    out
}

/// NUL-terminated strings of 1 to 64 graphic ASCII bytes (no space) with their offsets: the
/// run of printable bytes (0x20-0x7e) that ends at each NUL, in order, as bytes (every byte is
/// ASCII, so the caller can take them as text without a check). Lazy, so that the caller holds
/// no list.
///
/// Written by hand because no crate classifies bytes this way: the data is read 64 bytes at a
/// time into three bit masks (NUL, not printable, space), a NUL that follows a printable byte
/// ends a string, and its start is the bit after the nearest non-printable one below it (in
/// this block or the one before). Machine code is full of NULs (much of a binary), and most of
/// them follow another non-printable byte, so most never become candidates: about four times
/// as fast as finding each NUL with `memchr` and looking back byte by byte (docs/benchmarks.md).
fn nul_terminated_strings(data: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    // the block being read, its masks, the masks of the block before (before the data: every
    // byte non-printable), and the NULs of this block that can end a string
    let mut base = 0usize;
    let mut cur = Masks::default();
    let mut prev = Masks {
        nul: 0,
        unprintable: u64::MAX,
        space: 0,
    };
    let mut ends = 0u64;
    let mut first = true;
    std::iter::from_fn(move || loop {
        if ends == 0 {
            if !first {
                base += 64;
                prev = cur;
            }
            first = false;
            let chunk = data.get(base..)?;
            if chunk.is_empty() {
                return None;
            }
            cur = Masks::of(&chunk[..chunk.len().min(64)]);
            ends = cur.nul & !((cur.unprintable << 1) | (prev.unprintable >> 63));
            continue;
        }
        let j = ends.trailing_zeros();
        ends &= ends - 1;
        let below = (1u64 << j) - 1;
        let (start, spaced) = if cur.unprintable & below != 0 {
            // the string starts in this block
            let s = 64 - (cur.unprintable & below).leading_zeros();
            (
                base + s as usize,
                cur.space & below & !((1u64 << s) - 1) != 0,
            )
        } else {
            // it starts in the block before, at its very start (a non-printable byte 65 bytes
            // back or the start of the data), or more than 64 bytes back
            let s = if prev.unprintable != 0 {
                64 - prev.unprintable.leading_zeros()
            } else if j == 0
                && (base == 64
                    || data
                        .get(base - 65)
                        .is_some_and(|b| !(0x20..0x7f).contains(b)))
            {
                0
            } else {
                continue;
            };
            if (64 - s) + j > 64 {
                continue;
            }
            let spaced = cur.space & below != 0 || prev.space.checked_shr(s).unwrap_or(0) != 0;
            (base + s as usize - 64, spaced)
        };
        if !spaced {
            return Some((start, &data[start..base + j as usize]));
        }
    })
}

/// Bit masks of up to 64 bytes, bit `j` for byte `j`: NULs, bytes outside 0x20-0x7e, spaces.
/// Bytes past the end of a short block count as non-printable.
#[derive(Debug, Clone, Copy, Default)]
struct Masks {
    nul: u64,
    unprintable: u64,
    space: u64,
}

impl Masks {
    fn of(chunk: &[u8]) -> Masks {
        if let Ok(block) = <&[u8; 64]>::try_from(chunk) {
            return Masks::of_block(block);
        }
        let mut m = Masks {
            nul: 0,
            unprintable: u64::MAX,
            space: 0,
        };
        for (j, &b) in chunk.iter().enumerate() {
            m.nul |= u64::from(b == 0) << j;
            m.unprintable &= !(u64::from((0x20..0x7f).contains(&b)) << j);
            m.space |= u64::from(b == b' ') << j;
        }
        m
    }

    /// A whole block with 16-byte vector compares (`wide`: SSE2 on x86-64, NEON on AArch64,
    /// plain code elsewhere); the byte loop above is not vectorised by the compiler and made
    /// the whole scan slower than the `memchr` one it replaced.
    fn of_block(block: &[u8; 64]) -> Masks {
        use wide::{i8x16, CmpEq, CmpGt, CmpLt};
        let (zero, space) = (i8x16::splat(0), i8x16::splat(0x20));
        let (lo, hi) = (i8x16::splat(0x1f), i8x16::splat(0x7f));
        let mut m = Masks::default();
        for (k, part) in block.chunks_exact(16).enumerate() {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(part);
            let v: i8x16 = bytemuck::cast(bytes);
            // signed compares: bytes 0x80-0xff are negative, so not above 0x1f
            let printable = v.cmp_gt(lo) & v.cmp_lt(hi);
            let bits = |x: i8x16| u64::from(x.move_mask() as u16) << (16 * k);
            m.nul |= bits(v.cmp_eq(zero));
            m.unprintable |= bits(!printable);
            m.space |= bits(v.cmp_eq(space));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-by-byte scan `nul_terminated_strings` replaced, as the oracle.
    fn strings_bytewise(data: &[u8]) -> Vec<(usize, &[u8])> {
        let mut strings = Vec::new();
        let mut start = 0usize;
        for (i, &b) in data.iter().enumerate() {
            if b == 0 {
                if i > start && i - start <= 64 {
                    if let Ok(s) = std::str::from_utf8(&data[start..i]) {
                        if s.bytes().all(|c| c.is_ascii_graphic()) {
                            strings.push((start, s.as_bytes()));
                        }
                    }
                }
                start = i + 1;
            } else if !(0x20..0x7f).contains(&b) {
                start = i + 1;
            }
        }
        strings
    }

    #[test]
    fn nul_terminated_strings_match_the_bytewise_scan() {
        // pseudo-random bytes biased towards printable runs, NULs and runs of 60-70 bytes
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut data = Vec::new();
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let b = match x % 10 {
                0..=1 => 0,
                2 => (x >> 8) as u8,
                3 => b' ',
                _ => b'a' + ((x >> 16) % 26) as u8,
            };
            let run = if x.is_multiple_of(997) {
                60 + (x >> 20) % 12
            } else {
                1
            };
            for _ in 0..run {
                data.push(if run > 1 { b'z' } else { b });
            }
        }
        // runs of NULs of every length, which the finder steps over in words
        for n in 1..40 {
            data.extend(std::iter::repeat_n(0u8, n));
            data.extend_from_slice(b"key");
        }
        let want = strings_bytewise(&data);
        assert!(want.len() > 10_000, "{}", want.len());
        assert_eq!(nul_terminated_strings(&data).collect::<Vec<_>>(), want);
        // every alignment against the 64-byte blocks
        for shift in 1..130 {
            let d = &data[shift..shift + 20_000];
            assert_eq!(
                nul_terminated_strings(d).collect::<Vec<_>>(),
                strings_bytewise(d),
                "shift {shift}"
            );
        }
        // strings of 60 to 70 bytes ending at every position of a block, after a
        // non-printable byte, a space or the start of the data
        for before in [&[1u8][..], b" ", b""] {
            for pre in 0..140 {
                for len in 60..70 {
                    let mut v = vec![0x01u8; pre];
                    v.extend_from_slice(before);
                    v.extend(std::iter::repeat_n(b'q', len));
                    v.push(0);
                    let want = strings_bytewise(&v);
                    assert_eq!(
                        nul_terminated_strings(&v).collect::<Vec<_>>(),
                        want,
                        "{pre} {len}"
                    );
                }
            }
        }
        let edges: [&[u8]; 6] = [b"", b"\0", b"a\0", b"\x01ab\0", &[b'q'; 64], &[b'q'; 65]];
        for edge in edges {
            let mut v = edge.to_vec();
            v.push(0);
            assert_eq!(
                nul_terminated_strings(&v).collect::<Vec<_>>(),
                strings_bytewise(&v),
                "{edge:?}"
            );
        }
    }

    fn rules() -> KeyRules {
        KeyRules::from_rules(&RuleSet::embedded()).unwrap()
    }

    #[test]
    fn key_words() {
        assert_eq!(words("adminPassword"), ["admin", "password"]);
        assert_eq!(words("http_passwd"), ["http", "passwd"]);
        assert_eq!(words("X_HW_UserName"), ["x", "hw", "user", "name"]);
        let r = rules();
        for k in [
            "http_passwd",
            "Password",
            "admin_pwd",
            "loginpassword",
            "pass",
        ] {
            assert!(r.is_password_key(k), "{k}");
        }
        for k in [
            "password_min_length",
            "passwd_file",
            "bypass",
            "compass",
            "confirm_password",
            "wpa_passphrase",
            "http_username",
        ] {
            assert!(!r.is_password_key(k), "{k}");
        }
        for k in ["http_username", "UserName", "login", "user"] {
            assert!(r.is_user_key(k), "{k}");
        }
        assert!(!r.is_user_key("user_password"));
    }

    #[test]
    fn values_that_are_not_passwords() {
        for v in [
            "",
            "*",
            "x",
            "!",
            "''",
            "\"\"",
            "$p$root",
            "${PASS}",
            "$PASSWORD",
            "%s",
            "/etc/pw",
            "{{pw}}",
            "********",
            "xxxx",
            "none",
            "false",
            "<password>",
            "!$1$ab$cd",
            "mypassword",
            "your_password",
        ] {
            assert_eq!(password_value(v), None, "{v}");
        }
        assert_eq!(password_value("'admin'").as_deref(), Some("admin"));
        assert_eq!(
            password_value("$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1").as_deref(),
            Some("$1$4ce6a0$8327Pr9kC9SH9S4b/oH4M1")
        );
    }

    #[test]
    fn binary_pair_next_to_login_string() {
        let is_pair = |u: &[u8], p: &[u8]| u == b"admin" && p == b"s3cr3t-adm";
        let mut elf = b"\x7fELF\x01\x01\x01\0".to_vec();
        elf.extend_from_slice(b"Password:\0\0\0\0admin\0\0\0s3cr3t-adm\0other\0");
        let got = binary_pairs(&elf, is_pair);
        assert_eq!(
            got,
            [BinaryPair {
                offset: 21,
                user: "admin".into(),
                password: "s3cr3t-adm".into()
            }]
        );
        // far apart, or with no login string nearby: nothing
        let mut far = b"\x7fELF\x01\x01\x01\0admin\0".to_vec();
        far.extend_from_slice(&[b'.'; 40]);
        far.extend_from_slice(b"\0s3cr3t-adm\0Password\0");
        assert!(binary_pairs(&far, is_pair).is_empty());
        let quiet = b"\x7fELF\x01\x01\x01\0admin\0s3cr3t-adm\0";
        assert!(binary_pairs(quiet, is_pair).is_empty());
        // not an ELF file
        assert!(binary_pairs(b"Password\0admin\0s3cr3t-adm\0", is_pair).is_empty());
    }

    #[test]
    fn flat_pairs_by_prefix() {
        let r = rules();
        let got = parse_store(
            &r,
            StoreFormat::Flat,
            b"http_username=admin\0http_passwd=s3cret\0wl0_ssid=x\0pppoe_passwd=\0",
        );
        assert_eq!(
            got,
            [(
                0,
                Some(String::from("admin")),
                String::from("http_passwd"),
                String::from("s3cret")
            )]
        );
    }

    #[test]
    fn script_comparison_finds_pair() {
        let r = rules();
        let c = script_comparisons(
            &r,
            "#!/bin/sh\nif [ \"$user\" = \"debug\" ] && [ \"$pass\" = \"d3bug!\" ]; then\n",
        );
        assert_eq!(
            c,
            [Comparison {
                line: 2,
                variable: "pass".into(),
                password: "d3bug!".into(),
                user: Some("debug".into())
            }]
        );
        let c = script_comparisons(&r, "if (strcmp(password, \"letmein9\") == 0)\n");
        assert_eq!(c[0].password, "letmein9");
        // a password variable compared with the empty string or a variable is no literal
        assert!(script_comparisons(&r, "[ \"$pass\" = \"$x\" ]\n").is_empty());
        // Lua table assignments are no comparisons
        assert!(script_comparisons(
            &r,
            "local r={username=\"username\",password=\"password\",x=\"pass\"}\n"
        )
        .is_empty());
        assert!(
            script_comparisons(&r, "[ \"$pass\" = \"\" ] || [ \"$pass\" = \"$x\" ]\n").is_empty()
        );
    }
}
