//! Hard-coded secrets (`credential.hardcoded-secret`): passwords, tokens and keys written into
//! configuration files, scripts and binaries.
//!
//! Two kinds of rules, both data in `rules/secrets/`:
//! - `tokens.tsv`: high-confidence token formats (cloud keys, GitHub/Slack tokens, ...),
//!   regular expressions searched in text files and, for `any` scope, in binaries;
//! - `assignments.tsv`: key names that hold a secret (`password`, `psk`, ...) in
//!   configuration-like text (`key=value`, `key: value`, UCI `option key 'value'`), key names
//!   that only describe one (`password_min_length`), and placeholder values.
//!
//! Assignments are looked for only in configuration files and shell scripts (files under
//! `etc/`, configuration extensions, `#!` scripts): HTML forms, JavaScript variables,
//! translation catalogues, man pages and documentation name passwords without holding
//! them, and are only searched for token formats. Values that are variables (`$PASS`,
//! `${x}`, `%s`, `{{x}}`), paths, function calls, prose or placeholders are not secrets.
//! Special cases with their own label: SNMP communities (`snmpd.conf`, UCI `snmpd`), Wi-Fi
//! pre-shared keys (hostapd, wpa_supplicant, UCI `wireless` `option key`).
//!
//! Severity: as the token rule says (high for cloud and API keys); medium for a password,
//! Wi-Fi key or SNMP community in a configuration file or script.

use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{path, Entry};
use rayon::prelude::*;
use std::collections::HashSet;

/// Files larger than this are searched for tokens only in their first part.
const MAX_SCAN: usize = 32 << 20;
/// Text files larger than this are not searched for assignments.
const MAX_TEXT: usize = 1 << 20;
/// Findings per file at most (a dump of keys should not flood the report).
const MAX_PER_FILE: usize = 50;
/// Evidence lines are cut to this many characters.
const MAX_EVIDENCE: usize = 200;

#[derive(Debug)]
struct TokenRule {
    id: String,
    severity: Severity,
    binary: bool,
    what: String,
}

/// Token rules searched together in one pass (leftmost-first over all their patterns, each
/// match naming its pattern), instead of one pass of each rule's regex over every file: the
/// token formats start with distinct literals, so the pass is one vectorised literal search.
#[derive(Debug, Default)]
struct TokenSet {
    /// none before the rules are read
    re: Option<regex_automata::meta::Regex>,
    /// index into `Secrets::tokens` of each pattern
    rules: Vec<usize>,
}

impl TokenSet {
    fn new(
        tokens: &[TokenRule],
        patterns: &[String],
        keep: impl Fn(&TokenRule) -> bool,
    ) -> Result<TokenSet, String> {
        let rules: Vec<usize> = (0..tokens.len()).filter(|&i| keep(&tokens[i])).collect();
        let pats: Vec<&str> = rules.iter().map(|&i| patterns[i].as_str()).collect();
        let re = regex_automata::meta::Regex::builder()
            .syntax(token_syntax())
            .configure(regex_automata::meta::Config::new().nfa_size_limit(Some(8 << 20)))
            .build_many(&pats)
            .map_err(|e| e.to_string())?;
        Ok(TokenSet {
            re: Some(re),
            rules,
        })
    }
}

/// ASCII classes and word boundaries (the token formats are ASCII): with Unicode ones the lazy
/// DFA stops at the first non-ASCII byte of a binary and the slower PikeVM searches the rest.
fn token_syntax() -> regex_automata::util::syntax::Config {
    regex_automata::util::syntax::Config::new()
        .unicode(false)
        .utf8(false)
}

/// Compiled secret rules.
#[derive(Debug)]
pub struct Secrets {
    tokens: Vec<TokenRule>,
    /// every token rule (for text), the `any` rules (for binaries)
    text_tokens: TokenSet,
    binary_tokens: TokenSet,
    contains: Vec<String>,
    words: Vec<String>,
    ignore: Vec<String>,
    placeholders: HashSet<String>,
    /// File names whose `key: value` lines map names to services or settings, never to
    /// secrets (`nsswitch.conf`: `passwd: compat`).
    ignore_files: HashSet<String>,
    assign_re: regex::Regex,
    uci_re: regex::Regex,
}

fn rule_err(file: &str, line: usize, message: impl Into<String>) -> RuleError {
    RuleError {
        file: file.to_string(),
        message: format!("line {line}: {}", message.into()),
    }
}

impl Secrets {
    /// Compile `secrets/tokens.tsv` and `secrets/assignments.tsv` (plus any other
    /// `secrets/*.tsv` with the tokens layout).
    pub fn new(rules: &RuleSet) -> Result<Secrets, RuleError> {
        let mut s = Secrets {
            tokens: Vec::new(),
            text_tokens: TokenSet::default(),
            binary_tokens: TokenSet::default(),
            contains: Vec::new(),
            words: Vec::new(),
            ignore: Vec::new(),
            placeholders: HashSet::new(),
            ignore_files: HashSet::new(),
            assign_re: crate::literal_regex(
                r#"^\s*(?:export\s+|set\s+|readonly\s+|local\s+)?["']?([A-Za-z_][A-Za-z0-9_.\-]{0,63})["']?\s*[:=]\s*(.*)$"#,
            ),
            uci_re: crate::literal_regex(r"^\s*option\s+([A-Za-z0-9_\-]{1,64})\s+(.*)$"),
        };
        // each token rule's pattern, in the order of `tokens`
        let mut patterns: Vec<String> = Vec::new();
        for (file, bytes) in rules.under("secrets/") {
            if !file.ends_with(".tsv") {
                continue;
            }
            let text = String::from_utf8_lossy(bytes);
            let assignments = file.ends_with("assignments.tsv");
            for (n, line) in text.lines().enumerate() {
                let line = line.trim_end_matches('\r');
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = line.split('\t').collect();
                if assignments {
                    let [ty, v] = f.as_slice() else {
                        return Err(rule_err(file, n + 1, "expected type<TAB>value"));
                    };
                    let v = v.trim().to_lowercase();
                    match *ty {
                        "contains" => s.contains.push(v),
                        "word" => s.words.push(v),
                        "ignore-key" => s.ignore.push(v),
                        "placeholder" => {
                            s.placeholders.insert(v);
                        }
                        "ignore-file" => {
                            s.ignore_files.insert(v);
                        }
                        other => {
                            return Err(rule_err(
                                file,
                                n + 1,
                                format!(
                                    "unknown type '{other}' (contains, word, ignore-key, \
                                     placeholder, ignore-file)"
                                ),
                            ))
                        }
                    }
                } else {
                    let [id, sev, scope, re, what, _source] = f.as_slice() else {
                        return Err(rule_err(
                            file,
                            n + 1,
                            "expected id<TAB>severity<TAB>scope<TAB>regex<TAB>what<TAB>source",
                        ));
                    };
                    let severity: Severity =
                        sev.parse().map_err(|e: String| rule_err(file, n + 1, e))?;
                    let binary = match *scope {
                        "any" => true,
                        "text" => false,
                        o => {
                            return Err(rule_err(
                                file,
                                n + 1,
                                format!("scope '{o}' (expected any or text)"),
                            ))
                        }
                    };
                    // each rule compiled alone first, so that an error names its line, with
                    // the size bound each rule had as its own regex (1 MiB)
                    regex_automata::meta::Regex::builder()
                        .syntax(token_syntax())
                        .configure(
                            regex_automata::meta::Config::new().nfa_size_limit(Some(1 << 20)),
                        )
                        .build(re)
                        .map_err(|e| rule_err(file, n + 1, format!("regex {id}: {e}")))?;
                    patterns.push(re.to_string());
                    s.tokens.push(TokenRule {
                        id: id.to_string(),
                        severity,
                        binary,
                        what: what.to_string(),
                    });
                }
            }
        }
        let set_err = |e: String| {
            rule_err(
                "secrets/tokens.tsv",
                0,
                format!("token rules together: {e}"),
            )
        };
        s.text_tokens = TokenSet::new(&s.tokens, &patterns, |_| true).map_err(set_err)?;
        s.binary_tokens = TokenSet::new(&s.tokens, &patterns, |r| r.binary).map_err(set_err)?;
        Ok(s)
    }

    /// Whether a key name holds a secret (and is not a description of one).
    pub fn secret_key(&self, key: &str) -> bool {
        let k = key.to_lowercase();
        let words: Vec<&str> = k
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let hit = self.contains.iter().any(|c| k.contains(c.as_str()))
            || self.words.iter().any(|w| {
                words.contains(&w.as_str()) || (w.contains('_') && k.contains(w.as_str()))
            });
        if !hit {
            return false;
        }
        !self
            .ignore
            .iter()
            .any(|i| words.contains(&i.as_str()) || k.ends_with(i.as_str()))
    }

    /// The literal value of an assignment, or `None` when it is not a literal secret.
    pub fn literal_value(&self, raw: &str, key: &str) -> Option<String> {
        let raw = raw.trim();
        let v = if let Some(q) = raw.chars().next().filter(|c| *c == '"' || *c == '\'') {
            // quoted: up to the closing quote
            let rest = &raw[1..];
            let end = rest.find(q)?;
            rest[..end].to_string()
        } else {
            // unquoted: up to a comment or a separator
            let mut v = raw;
            for sep in [" #", "\t#", " ;", ";", ","] {
                if let Some(i) = v.find(sep) {
                    v = &v[..i];
                }
            }
            v.trim().to_string()
        };
        let lower = v.to_lowercase();
        let bad_start = ['$', '%', '{', '<', '[', '(', '@', '`', '/', '&', '*', '\\'];
        if v.len() < 3
            || v.len() > 200
            || v.starts_with(bad_start)
            || v.starts_with("./")
            || v.contains("$(")
            || v.contains("${")
            || v.contains("{{")
            || v.contains("%s")
            || v.contains("%(")
            || self.placeholders.contains(&lower)
            || lower == key.to_lowercase()
            || v.chars().all(|c| c == v.chars().next().unwrap_or('x'))
            || lower.chars().all(|c| "x*.#-_?".contains(c))
            || lower.starts_with("your")
            || lower.starts_with("<")
            || v.split_whitespace().count() > 2
            || looks_like_call(&v)
            || !v.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        {
            return None;
        }
        Some(v)
    }

    fn scan(&self, e: &Entry) -> Vec<Finding> {
        let data: &[u8] = &e.data;
        if data.is_empty() {
            return Vec::new();
        }
        let data = &data[..data.len().min(MAX_SCAN)];
        let head = &data[..data.len().min(8192)];
        let text = !head.contains(&0) && std::str::from_utf8(head).is_ok()
            || std::str::from_utf8(head).is_err_and(|er| er.valid_up_to() + 4 >= head.len());
        let inner = e.inner_path();
        let mut out = Vec::new();
        if excluded_path(inner) {
            return out;
        }
        // token formats, at most MAX_PER_FILE matches of each rule
        let set = if text {
            &self.text_tokens
        } else {
            &self.binary_tokens
        };
        let mut per_rule = vec![0usize; set.rules.len()];
        for m in set.re.iter().flat_map(|re| re.find_iter(data)) {
            let k = m.pattern().as_usize();
            let (Some(count), Some(r)) = (
                per_rule.get_mut(k),
                set.rules.get(k).and_then(|&i| self.tokens.get(i)),
            ) else {
                continue;
            };
            if *count >= MAX_PER_FILE {
                continue;
            }
            *count += 1;
            let s = String::from_utf8_lossy(&data[m.range()]).into_owned();
            if s.to_ascii_uppercase().contains("EXAMPLE") {
                continue;
            }
            let ev = if text {
                let (ln, line) = line_at(data, m.start());
                format!("{}: line {ln}: {}", r.what, cut(line.trim()))
            } else {
                format!("{}: at offset {}: {}", r.what, m.start(), cut(&s))
            };
            out.push(
                Finding::new(
                    kinds::CREDENTIAL_HARDCODED_SECRET,
                    r.severity,
                    format!("Hard-coded {}", r.what),
                    Some(e.path.clone()),
                    ev,
                )
                .with_offset(m.start() as u64)
                .with_key(&format!("{}:{}", r.id, s)),
            );
        }
        if !text
            || data.len() > MAX_TEXT
            || !config_like(inner, data)
            || self
                .ignore_files
                .contains(&path::file_name(inner).to_ascii_lowercase())
        {
            return out;
        }
        let content = String::from_utf8_lossy(data);
        let name = path::file_name(inner);
        let snmpd = name.starts_with("snmpd") && name.ends_with(".conf");
        let uci_wireless = inner.ends_with("etc/config/wireless");
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for (n, line) in content.lines().enumerate() {
            if out.len() >= MAX_PER_FILE {
                break;
            }
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with("//") {
                continue;
            }
            let hit: Option<(&str, String, String)> = if snmpd {
                snmp_community(t).map(|c| ("SNMP community", "community".to_string(), c))
            } else {
                None
            }
            .or_else(|| {
                let (key, raw) = if let Some(c) = self.uci_re.captures(t) {
                    (c.get(1)?.as_str(), c.get(2)?.as_str())
                } else {
                    let c = self.assign_re.captures(t)?;
                    (c.get(1)?.as_str(), c.get(2)?.as_str())
                };
                let wifi_key = uci_wireless && key == "key";
                if !wifi_key && !self.secret_key(key) {
                    return None;
                }
                let v = self.literal_value(raw, key)?;
                let k = key.to_lowercase();
                let label = if wifi_key || k.contains("psk") || k.contains("passphrase") {
                    "Wi-Fi pre-shared key"
                } else if k.contains("community") {
                    "SNMP community"
                } else if k.contains("token") || k.contains("api") {
                    "token"
                } else if k.contains("secret") || k.contains("key") {
                    "secret"
                } else {
                    "password"
                };
                if label == "Wi-Fi pre-shared key" && v.len() < 8 && v.len() != 5 {
                    return None;
                }
                Some((label, key.to_string(), v))
            });
            let Some((label, key, value)) = hit else {
                continue;
            };
            if !seen.insert((key.clone(), value.clone())) {
                continue;
            }
            let decoded = base64_text(&value)
                .map(|d| format!(" (base64 of '{d}')"))
                .unwrap_or_default();
            out.push(
                Finding::new(
                    kinds::CREDENTIAL_HARDCODED_SECRET,
                    Severity::Medium,
                    format!("Hard-coded {label}"),
                    Some(e.path.clone()),
                    format!(
                        "{label} '{value}'{decoded} ({key}): line {}: {}",
                        n + 1,
                        cut(t)
                    ),
                )
                .with_key(&format!("{label}:{key}")),
            );
        }
        out
    }
}

/// A value that is base64 of printable text (vendors "hide" passwords this way), decoded.
fn base64_text(v: &str) -> Option<String> {
    use base64::Engine;
    if v.len() < 4 || !v.len().is_multiple_of(4) || !v.ends_with('=') {
        return None;
    }
    let d = base64::engine::general_purpose::STANDARD.decode(v).ok()?;
    let s = String::from_utf8(d).ok()?;
    (!s.is_empty() && s.chars().all(|c| c.is_ascii_graphic())).then_some(s)
}

fn looks_like_call(v: &str) -> bool {
    match v.find('(') {
        Some(i) => {
            v[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                && v.ends_with(')')
        }
        None => false,
    }
}

/// `rocommunity public`, `rwcommunity private 10.0.0.0/8`, `com2sec ro default public`.
fn snmp_community(line: &str) -> Option<String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    let c = match f.first().copied()? {
        "rocommunity" | "rwcommunity" | "rocommunity6" | "rwcommunity6" => f.get(1)?,
        "com2sec" | "com2sec6" => {
            // com2sec [-Cn CONTEXT] NAME SOURCE COMMUNITY
            f.last()?
        }
        _ => return None,
    };
    Some(c.trim_matches(|c| c == '"' || c == '\'').to_string())
}

fn excluded_path(inner: &str) -> bool {
    const DIRS: &[&str] = &[
        "usr/share/man/",
        "usr/man/",
        "usr/share/doc/",
        "usr/doc/",
        "usr/share/info/",
        "usr/share/locale/",
        "usr/lib/locale/",
        "usr/share/i18n/",
    ];
    const EXT: &[&str] = &[".po", ".pot", ".mo", ".lmo", ".gmo", ".qm"];
    DIRS.iter()
        .any(|d| inner.starts_with(d) || inner.contains(&format!("/{d}")))
        || EXT.iter().any(|x| inner.ends_with(x))
}

/// Configuration files and shell scripts, where `key=value` means a setting.
fn config_like(inner: &str, data: &[u8]) -> bool {
    let name = path::file_name(inner).to_ascii_lowercase();
    const CODE: &[&str] = &[
        ".html",
        ".htm",
        ".js",
        ".css",
        ".svg",
        ".lua",
        ".php",
        ".py",
        ".pl",
        ".rb",
        ".c",
        ".h",
        ".asp",
        ".jsp",
        ".xml",
        ".md",
        ".txt",
        ".tpl",
        ".htm.orig",
    ];
    if CODE.iter().any(|x| name.ends_with(x)) {
        return false;
    }
    const CONF: &[&str] = &[
        ".conf",
        ".cfg",
        ".ini",
        ".cnf",
        ".env",
        ".properties",
        ".yaml",
        ".yml",
        ".json",
        ".sh",
        ".rc",
    ];
    CONF.iter().any(|x| name.ends_with(x))
        || data.starts_with(b"#!/bin/sh")
        || data.starts_with(b"#!/bin/ash")
        || data.starts_with(b"#!/bin/bash")
        || data.starts_with(b"#!/usr/bin/env sh")
        || data.starts_with(b"#!/usr/bin/env bash")
        || inner.starts_with("etc/")
        || inner.contains("/etc/")
}

fn line_at(data: &[u8], off: usize) -> (usize, String) {
    let start = data[..off]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = data[off..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |i| off + i);
    let ln = data[..off].iter().filter(|&&b| b == b'\n').count() + 1;
    (ln, String::from_utf8_lossy(&data[start..end]).into_owned())
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_EVIDENCE {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_EVIDENCE).collect();
        t.push('…');
        t
    }
}

impl Analyzer for Secrets {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn run(&self, cx: &Context) -> Output {
        let files: Vec<&Entry> = cx.tree.files().collect();
        let findings: Vec<Finding> = files
            .par_iter()
            .flat_map(|e| {
                let f = self.scan(e);
                // hand the pages of a large spilled content back (hostile input, docs/fuzzing.md)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> Secrets {
        Secrets::new(&RuleSet::embedded()).unwrap()
    }

    #[test]
    fn key_names() {
        let s = s();
        for k in [
            "password",
            "wpa_passphrase",
            "ADMIN_PASSWD",
            "adminPassword",
            "psk",
            "api_key",
            "ssid_password",
            "community",
            "pass",
        ] {
            assert!(s.secret_key(k), "{k}");
        }
        for k in [
            "password_min_length",
            "passwordFile",
            "pass_max_days",
            "password_prompt",
            "bypass",
            "compass",
            "passthrough",
            "password_hash",
            "username",
        ] {
            assert!(!s.secret_key(k), "{k}");
        }
    }

    #[test]
    fn literal_values() {
        let s = s();
        assert_eq!(
            s.literal_value("'s3cr3t!'", "k").as_deref(),
            Some("s3cr3t!")
        );
        assert_eq!(
            s.literal_value("admin123 # default", "k").as_deref(),
            Some("admin123")
        );
        for v in [
            "$PASSWORD",
            "\"${PASS:-}\"",
            "'%s'",
            "changeme",
            "xxxxxx",
            "/etc/pw.txt",
            "get_password()",
            "''",
            "\"Enter the password for the account\"",
            "<your password>",
        ] {
            assert_eq!(s.literal_value(v, "k"), None, "{v}");
        }
    }

    #[test]
    fn bad_rules_name_the_file() {
        let mut r = RuleSet::empty();
        r.insert("secrets/t.tsv", "x\thigh\tany\t(unclosed\tw\ts\n");
        let e = Secrets::new(&r).unwrap_err();
        assert_eq!(e.file, "secrets/t.tsv");
        assert!(e.message.starts_with("line 1: regex x"), "{}", e.message);
        let mut r = RuleSet::empty();
        r.insert("secrets/assignments.tsv", "bogus\tx\n");
        assert!(Secrets::new(&r).is_err());
    }
}
