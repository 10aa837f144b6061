//! Weak protocols and ciphers in shipped server configurations: `config.tls-weak`.
//!
//! What is read (each a plain-text file found by name anywhere in the tree):
//!
//! | server | file | settings judged |
//! | --- | --- | --- |
//! | nginx | `nginx.conf`, `*.conf` under a `nginx/` directory | `ssl_protocols`, `ssl_ciphers`, `proxy_ssl_protocols`, `proxy_ssl_ciphers` |
//! | Apache httpd | `*.conf` under `apache*/` or `httpd/`, `httpd.conf`, `ssl.conf` | `SSLProtocol`, `SSLProxyProtocol` (`all`, `+X`, `-X`), `SSLCipherSuite`, `SSLProxyCipherSuite` |
//! | lighttpd | `*.conf` under `lighttpd/`, `lighttpd.conf` | `ssl.use-sslv2`, `ssl.use-sslv3`, `ssl.cipher-list`, `ssl.openssl.ssl-conf-cmd` (`MinProtocol`, `Protocol`, `CipherString`) |
//! | stunnel | `*.conf` under `stunnel/`, `stunnel.conf` | `sslVersion`, `sslVersionMin`, `ciphers` |
//! | OpenSSL | `openssl.cnf` | `MinProtocol`, `CipherString` (system default of every OpenSSL client and server) |
//! | OpenSSH | `sshd_config` | `Ciphers`, `MACs`, `KexAlgorithms`, `Protocol` |
//! | Dropbear | the `dropbear`/`dropbearmulti` executable | algorithm names compiled in (Dropbear's algorithm tables only hold the names of algorithms enabled at build time, and it has no run-time switch for them) |
//!
//! What counts as weak is data: `rules/tls/weak-crypto.tsv`, each entry with its public source.
//! Only what a file enables is judged: an OpenSSL cipher string item that excludes (`!RC4`,
//! `-RC4`) or reorders (`+RC4`) is never a finding, and a keyword whose meaning depends on the
//! OpenSSL version (`DEFAULT`, `ALL`, `HIGH`) is not judged. A setting left at its default is
//! not judged either: the default depends on the library version, which a config file does not
//! show. uhttpd (OpenWrt) has no protocol or cipher options, so there is nothing to read.
//!
//! One finding per file, listing every weak item with its line and reason; the severity is the
//! highest of the items (high: SSL 2/3, NULL, export, anonymous, single DES, SSH protocol 1;
//! medium: TLS 1.0/1.1, RC4, 3DES and other 64-bit block ciphers, MD5 MACs, 1024-bit SSH key
//! exchange).

use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::Entry;

const RULE_FILE: &str = "tls/weak-crypto.tsv";
/// Config files larger than this are not read (a real one is a few KiB).
const MAX_CONFIG: usize = 1 << 20;
/// Dropbear executables larger than this are not searched.
const MAX_BINARY: usize = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Exact,
    Prefix,
    Contains,
}

/// One entry of `rules/tls/weak-crypto.tsv`.
#[derive(Debug, Clone)]
pub struct WeakRule {
    pub class: String,
    matcher: Match,
    /// Lower case.
    pub token: String,
    pub severity: Severity,
    pub why: String,
    pub source: String,
}

impl WeakRule {
    fn matches(&self, item: &str) -> bool {
        let item = item.to_ascii_lowercase();
        match self.matcher {
            Match::Exact => item == self.token,
            Match::Prefix => item.starts_with(&self.token),
            Match::Contains => item.contains(&self.token),
        }
    }
}

/// The analyzer, with its rules parsed once.
pub struct Tls {
    rules: Vec<WeakRule>,
}

/// One weak item found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakItem {
    pub line: usize,
    pub setting: String,
    pub item: String,
    pub severity: Severity,
    pub why: String,
}

impl Tls {
    pub fn new(rules: &RuleSet) -> Result<Tls, RuleError> {
        let mut list = Vec::new();
        let Some(text) = rules.text(RULE_FILE) else {
            return Ok(Tls { rules: list });
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |m: String| RuleError {
                file: RULE_FILE.into(),
                message: format!("line {}: {m}", n + 1),
            };
            let c: Vec<&str> = line.split('\t').collect();
            if c.len() < 6 {
                return Err(err("expected 6 tab-separated columns".into()));
            }
            let matcher = match c[1] {
                "exact" => Match::Exact,
                "prefix" => Match::Prefix,
                "contains" => Match::Contains,
                m => return Err(err(format!("unknown match '{m}'"))),
            };
            if !matches!(
                c[0],
                "protocol" | "cipher" | "ssh-cipher" | "ssh-mac" | "ssh-kex" | "ssh-protocol"
            ) {
                return Err(err(format!("unknown class '{}'", c[0])));
            }
            let severity: Severity = c[3].parse().map_err(err)?;
            if c[5].trim().is_empty() {
                return Err(err("missing public source".into()));
            }
            list.push(WeakRule {
                class: c[0].to_string(),
                matcher,
                token: c[2].to_ascii_lowercase(),
                severity,
                why: c[4].to_string(),
                source: c[5].to_string(),
            });
        }
        Ok(Tls { rules: list })
    }

    /// The first rule of `class` that `item` matches.
    fn judge(&self, class: &str, item: &str) -> Option<&WeakRule> {
        self.rules
            .iter()
            .find(|r| r.class == class && r.matches(item))
    }

    fn push(&self, out: &mut Vec<WeakItem>, class: &str, line: usize, setting: &str, item: &str) {
        if let Some(r) = self.judge(class, item) {
            let w = WeakItem {
                line,
                setting: setting.to_string(),
                item: item.to_string(),
                severity: r.severity,
                why: format!("{} ({})", r.why, r.source),
            };
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }

    /// Items of an OpenSSL cipher string that enable something weak.
    fn cipher_string(&self, out: &mut Vec<WeakItem>, line: usize, setting: &str, value: &str) {
        for item in value.split([':', ',', ' ', '\t']) {
            let item = item.trim().trim_matches('"').trim_matches('\'');
            // exclusions and reorderings never enable a cipher; `@STRENGTH` is a command
            if item.is_empty() || item.starts_with(['!', '-', '+', '@']) {
                continue;
            }
            // a combination (`RC4+RSA`) enables the intersection: judged as a whole
            self.push(out, "cipher", line, setting, item);
        }
    }

    /// A list of protocol names (`TLSv1 TLSv1.1 TLSv1.2`).
    fn protocol_list(&self, out: &mut Vec<WeakItem>, line: usize, setting: &str, value: &str) {
        for item in value.split([' ', '\t', ',', ':']) {
            let item = item.trim().trim_matches('"').trim_matches('\'');
            if item.is_empty() || item.starts_with(['!', '-']) {
                continue;
            }
            self.push(out, "protocol", line, setting, item.trim_start_matches('+'));
        }
    }

    /// A minimum protocol version: weak when it admits a weak version.
    fn min_protocol(&self, out: &mut Vec<WeakItem>, line: usize, setting: &str, value: &str) {
        let v = value.trim().trim_matches('"').trim_matches('\'');
        let admitted: &[&str] = match v.to_ascii_lowercase().as_str() {
            "sslv3" => &["SSLv3", "TLSv1", "TLSv1.1"],
            "tlsv1" | "tlsv1.0" => &["TLSv1", "TLSv1.1"],
            "tlsv1.1" => &["TLSv1.1"],
            _ => &[],
        };
        for p in admitted {
            self.push(out, "protocol", line, &format!("{setting} {v}"), p);
        }
    }

    /// Apache `SSLProtocol`: `all` and `+X` add, `-X` removes, a bare name adds.
    fn apache_protocol(&self, out: &mut Vec<WeakItem>, line: usize, setting: &str, value: &str) {
        let mut on: Vec<String> = Vec::new();
        for tok in value.split_whitespace() {
            let (add, name) = match tok.as_bytes().first() {
                Some(b'-') => (false, &tok[1..]),
                Some(b'+') => (true, &tok[1..]),
                _ => (true, tok),
            };
            // httpd 2.4: `all` is every TLS version the library has (SSLv3 no longer)
            let names: Vec<String> = if name.eq_ignore_ascii_case("all") {
                ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect()
            } else {
                vec![name.to_string()]
            };
            for n in names {
                on.retain(|x| !x.eq_ignore_ascii_case(&n));
                if add {
                    on.push(n);
                }
            }
        }
        for p in on {
            self.push(out, "protocol", line, setting, &p);
        }
    }

    /// An SSH algorithm list (`aes128-ctr,3des-cbc`; a leading `+`, `-` or `^` modifies the
    /// default list: `-` removes, so its names are not enabled).
    fn ssh_list(
        &self,
        out: &mut Vec<WeakItem>,
        class: &str,
        line: usize,
        setting: &str,
        value: &str,
    ) {
        let v = value.trim();
        if v.starts_with('-') {
            return;
        }
        for item in v.trim_start_matches(['+', '^']).split(',') {
            self.push(out, class, line, setting, item.trim());
        }
    }

    /// Weak items of one config file of a known family.
    pub fn check_config(&self, family: Family, text: &str) -> Vec<WeakItem> {
        let mut out = Vec::new();
        for (n, raw) in text.lines().enumerate().take(100_000) {
            let line_no = n + 1;
            let line = raw.trim();
            if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
                continue;
            }
            let line = match line.find(" #") {
                Some(i) if family != Family::OpenSsl => line[..i].trim_end(),
                _ => line,
            };
            let (key, value) = split_setting(family, line);
            let k = key.to_ascii_lowercase();
            let value = value.trim().trim_end_matches(';').trim();
            match family {
                Family::Nginx => match k.as_str() {
                    "ssl_protocols" | "proxy_ssl_protocols" => {
                        self.protocol_list(&mut out, line_no, key, value)
                    }
                    "ssl_ciphers" | "proxy_ssl_ciphers" => {
                        self.cipher_string(&mut out, line_no, key, unquote(value))
                    }
                    _ => {}
                },
                Family::Apache => match k.as_str() {
                    "sslprotocol" | "sslproxyprotocol" => {
                        self.apache_protocol(&mut out, line_no, key, value)
                    }
                    "sslciphersuite" | "sslproxyciphersuite" => {
                        // `SSLCipherSuite [protocol] cipher-spec`
                        let spec = value.split_whitespace().last().unwrap_or("");
                        self.cipher_string(&mut out, line_no, key, unquote(spec))
                    }
                    _ => {}
                },
                Family::Lighttpd => match k.as_str() {
                    "ssl.use-sslv2" | "ssl.use-sslv3"
                        if unquote(value).eq_ignore_ascii_case("enable") =>
                    {
                        let p = if k.ends_with("v2") { "SSLv2" } else { "SSLv3" };
                        self.push(&mut out, "protocol", line_no, key, p);
                    }
                    "ssl.cipher-list" => self.cipher_string(&mut out, line_no, key, unquote(value)),
                    "ssl.openssl.ssl-conf-cmd" => {
                        for (ck, cv) in lighttpd_pairs(value) {
                            let setting = format!("{key} {ck}");
                            match ck.to_ascii_lowercase().as_str() {
                                "minprotocol" => {
                                    self.min_protocol(&mut out, line_no, &setting, &cv)
                                }
                                "protocol" => self.protocol_list(&mut out, line_no, &setting, &cv),
                                "cipherstring" => {
                                    self.cipher_string(&mut out, line_no, &setting, &cv)
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                },
                Family::Stunnel => match k.as_str() {
                    "sslversion" => self.protocol_list(&mut out, line_no, key, value),
                    "sslversionmin" => self.min_protocol(&mut out, line_no, key, value),
                    "ciphers" => self.cipher_string(&mut out, line_no, key, value),
                    _ => {}
                },
                Family::OpenSsl => match k.as_str() {
                    "minprotocol" => self.min_protocol(&mut out, line_no, key, value),
                    "cipherstring" => self.cipher_string(&mut out, line_no, key, value),
                    _ => {}
                },
                Family::Sshd => {
                    if k == "match" {
                        break; // global settings end here
                    }
                    let class = match k.as_str() {
                        "ciphers" => "ssh-cipher",
                        "macs" => "ssh-mac",
                        "kexalgorithms" => "ssh-kex",
                        "protocol" => {
                            self.ssh_list(&mut out, "ssh-protocol", line_no, key, value);
                            continue;
                        }
                        _ => continue,
                    };
                    self.ssh_list(&mut out, class, line_no, key, value);
                }
                Family::Dropbear => {}
            }
        }
        out
    }

    /// Weak algorithms compiled into a Dropbear executable: each name of the ssh-* rules
    /// that occurs as a whole NUL-terminated string.
    pub fn check_dropbear(&self, data: &[u8]) -> Vec<WeakItem> {
        let mut out = Vec::new();
        for r in &self.rules {
            if !matches!(r.class.as_str(), "ssh-cipher" | "ssh-mac" | "ssh-kex")
                || r.matcher != Match::Exact
                || r.token == "none"
            {
                continue;
            }
            let mut needle = vec![0u8];
            needle.extend_from_slice(r.token.as_bytes());
            needle.push(0);
            if let Some(off) = memchr::memmem::find(data, &needle) {
                out.push(WeakItem {
                    line: 0,
                    setting: format!("compiled-in {} at offset {:#x}", r.class, off + 1),
                    item: r.token.clone(),
                    severity: r.severity,
                    why: format!("{} ({})", r.why, r.source),
                });
            }
        }
        out
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
        .unwrap_or(s)
}

/// `key value` or `key = value`, by family.
fn split_setting(family: Family, line: &str) -> (&str, &str) {
    match family {
        Family::Lighttpd | Family::Stunnel | Family::OpenSsl => match line.find('=') {
            Some(i) => (line[..i].trim(), line[i + 1..].trim()),
            None => (line, ""),
        },
        _ => {
            let mut it = line.splitn(2, |c: char| c.is_whitespace() || c == '=');
            let k = it.next().unwrap_or("");
            (k, it.next().unwrap_or("").trim().trim_start_matches('='))
        }
    }
}

/// `( "MinProtocol" => "TLSv1", "CipherString" => "..." )` pairs of lighttpd.
fn lighttpd_pairs(value: &str) -> Vec<(String, String)> {
    let inner = value.trim().trim_start_matches('(').trim_end_matches(')');
    let mut out = Vec::new();
    for part in inner.split(',') {
        if let Some((k, v)) = part.split_once("=>") {
            out.push((unquote(k).to_string(), unquote(v).to_string()));
        }
    }
    out
}

/// Which server a config file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Nginx,
    Apache,
    Lighttpd,
    Stunnel,
    OpenSsl,
    Sshd,
    Dropbear,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Nginx => "nginx",
            Family::Apache => "Apache httpd",
            Family::Lighttpd => "lighttpd",
            Family::Stunnel => "stunnel",
            Family::OpenSsl => "OpenSSL",
            Family::Sshd => "OpenSSH sshd",
            Family::Dropbear => "Dropbear",
        }
    }

    /// The family of a file, from its path inside the file system.
    pub fn of(inner: &str) -> Option<Family> {
        let lower = inner.to_ascii_lowercase();
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let dirs: Vec<&str> = lower.split('/').collect();
        let under = |p: &str| {
            dirs[..dirs.len().saturating_sub(1)]
                .iter()
                .any(|d| d.starts_with(p))
        };
        let conf = name.ends_with(".conf") || name.ends_with(".conf.default");
        if name == "sshd_config" {
            Some(Family::Sshd)
        } else if name == "openssl.cnf" {
            Some(Family::OpenSsl)
        } else if name == "dropbear" || name == "dropbearmulti" {
            Some(Family::Dropbear)
        } else if name == "nginx.conf" || (conf && under("nginx")) {
            Some(Family::Nginx)
        } else if name == "lighttpd.conf" || (conf && under("lighttpd")) {
            Some(Family::Lighttpd)
        } else if name == "stunnel.conf" || (conf && under("stunnel")) {
            Some(Family::Stunnel)
        } else if name == "httpd.conf"
            || name == "ssl.conf"
            || name == "httpd-ssl.conf"
            || (conf && (under("apache") || under("httpd")))
        {
            Some(Family::Apache)
        } else {
            None
        }
    }
}

impl Analyzer for Tls {
    fn name(&self) -> &'static str {
        "tls"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        for e in cx.tree.files() {
            if let Some(f) = self.check_entry(e) {
                out.findings.push(f);
            }
        }
        out
    }
}

impl Tls {
    fn check_entry(&self, e: &Entry) -> Option<Finding> {
        let family = Family::of(e.inner_path())?;
        let items = if family == Family::Dropbear {
            if e.data.len() > MAX_BINARY || !e.data.starts_with(b"\x7fELF") {
                return None;
            }
            self.check_dropbear(&e.data)
        } else {
            if e.data.len() > MAX_CONFIG || e.data.contains(&0) {
                return None;
            }
            let text = std::str::from_utf8(&e.data).ok()?;
            self.check_config(family, text)
        };
        let severity = items.iter().map(|i| i.severity).max()?;
        let evidence: Vec<String> = items
            .iter()
            .map(|i| {
                if i.line > 0 {
                    format!(
                        "line {}: {} enables {}: {}",
                        i.line, i.setting, i.item, i.why
                    )
                } else {
                    format!("{} {}: {}", i.setting, i.item, i.why)
                }
            })
            .collect();
        Some(
            Finding::new(
                kinds::CONFIG_TLS_WEAK,
                severity,
                format!("{} enables weak protocols or ciphers", family.name()),
                Some(e.path.clone()),
                format!("{}: {}", e.path, evidence.join("; ")),
            )
            .with_key(family.name()),
        )
    }
}
