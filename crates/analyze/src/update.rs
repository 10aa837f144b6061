//! Firmware update paths without a signature or integrity check: `update.unsigned`.
//!
//! An *update path* is a shell script that writes flash or the boot configuration (`mtd
//! write`, `dd of=/dev/mtd*`, `flashcp`, `nandwrite`, `fw_setenv`, ...) and is about updates:
//! it, or a script of its group, downloads something (`wget`, `curl`, `tftp`, ...), or one of
//! the group's paths names an update (`upgrade`, `update`, `fwup`, `firmware`, `flash`).
//! The *group* of a writing script is the script, what it sources (`. FILE`, `source FILE`,
//! OpenWrt's `include DIR`; three levels), the scripts that source or include it or its
//! directory (not every script that sources a library it pulls in), and, when its directory is itself named for updates (OpenWrt's `lib/upgrade/`),
//! the other scripts of that directory. The path is *verified* when any script of the group
//! checks a signature (`openssl dgst -verify`, `usign -V`, `ucert -V`, `signify -V`, `gpg
//! --verify`, `gpgv`, a vendor `rsa_verify`) or computes a SHA-2 digest (`sha256sum`); an
//! MD5 or CRC checksum is noted in the evidence but does not count (it protects against
//! corruption, not against a crafted image).
//!
//! ELF programs are judged from their bytes: a program that writes flash (`/dev/mtd`,
//! `MEMERASE`), is about updates and downloads, and holds no signature or SHA-2 code
//! (`RSA_verify`, `EVP_DigestVerify`, `mbedtls_pk_verify`, `SHA256_Final`, ...) is reported
//! at medium severity: strings show what a program can do, not that it does it.
//!
//! Severity: high when a script of an unverified group downloads from a clear-text URL written
//! in it (`http://host/...`, `tftp`): whoever sits on the path can replace the image; medium
//! otherwise (the image comes from an administrator's upload or from a URL given at run time,
//! so an attacker needs that access first, then gets persistent code on the device).
//!
//! What an image cannot show: whether a verification step that exists is enforced (OpenWrt
//! skips the signature check unless the build requires it), whether the boot loader checks
//! the image later, and update paths implemented in a web server's interpreted code other than
//! shell. The patterns are data: `rules/update/update.tsv`.

use crate::{services, Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use netvet_unpack::{path, Entry};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const RULE_FILE: &str = "update/update.tsv";
const MAX_SCRIPT: usize = 512 << 10;
const MAX_BINARY: usize = 32 << 20;
/// Words in a path that make a script or program part of an update path.
const UPDATE_WORDS: &[&str] = &["upgrade", "update", "fwup", "firmware", "flash"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Write,
    Fetch,
    Clear,
    Verify,
    Checksum,
    BinWrite,
    BinFetch,
    BinUpdate,
    BinVerify,
}

struct Rule {
    class: Class,
    re: regex::Regex,
    bytes: Option<regex::bytes::Regex>,
    what: String,
}

pub struct Update {
    rules: Vec<Rule>,
    /// the script rules (indices into `rules`) as one set: one search of a line tells which
    /// of them match, instead of one search per rule
    script_rules: Vec<usize>,
    script_set: regex::RegexSet,
}

/// A line of a script that matched a rule.
#[derive(Debug, Clone)]
struct Hit {
    line: usize,
    text: String,
    what: String,
}

#[derive(Debug, Default, Clone)]
struct Script {
    hits: BTreeMap<Class, Vec<Hit>>,
    /// Paths (inside the root) this script sources or includes.
    refs: Vec<String>,
}

impl Update {
    pub fn new(rules: &RuleSet) -> Result<Update, RuleError> {
        let mut list = Vec::new();
        if let Some(text) = rules.text(RULE_FILE) {
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
                if c.len() < 4 || c[3].trim().is_empty() {
                    return Err(err(
                        "expected 4 tab-separated columns (class, regex, what, source)".into(),
                    ));
                }
                let class = match c[0] {
                    "write" => Class::Write,
                    "fetch" => Class::Fetch,
                    "clear" => Class::Clear,
                    "verify" => Class::Verify,
                    "checksum" => Class::Checksum,
                    "bin-write" => Class::BinWrite,
                    "bin-fetch" => Class::BinFetch,
                    "bin-update" => Class::BinUpdate,
                    "bin-verify" => Class::BinVerify,
                    k => return Err(err(format!("unknown class '{k}'"))),
                };
                let re = regex::Regex::new(c[1]).map_err(|e| err(e.to_string()))?;
                let bytes = if c[0].starts_with("bin-") {
                    // ASCII classes, case folding and word boundaries: executables are not
                    // UTF-8, and a Unicode `\b` makes the lazy DFA give up at the first
                    // non-ASCII byte and leaves the search to the PikeVM (most of this
                    // analyzer's time on a router tree before)
                    Some(
                        regex::bytes::RegexBuilder::new(c[1])
                            .unicode(false)
                            .build()
                            .map_err(|e| err(e.to_string()))?,
                    )
                } else {
                    None
                };
                list.push(Rule {
                    class,
                    re,
                    bytes,
                    what: c[2].to_string(),
                });
            }
        }
        let script_rules: Vec<usize> = (0..list.len())
            .filter(|&i| list[i].bytes.is_none())
            .collect();
        let script_set = regex::RegexSet::new(script_rules.iter().map(|&i| list[i].re.as_str()))
            .map_err(|e| RuleError {
                file: RULE_FILE.to_string(),
                message: format!("script rules together: {e}"),
            })?;
        Ok(Update {
            rules: list,
            script_rules,
            script_set,
        })
    }

    fn scan_script(&self, text: &str) -> Script {
        let mut s = Script::default();
        for (n, raw) in text.lines().enumerate().take(50_000) {
            let line = services::strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            for k in self.script_set.matches(line).iter() {
                let Some(r) = self.script_rules.get(k).and_then(|&i| self.rules.get(i)) else {
                    continue;
                };
                let list = s.hits.entry(r.class).or_default();
                if list.len() < 20 {
                    list.push(Hit {
                        line: n + 1,
                        text: line.chars().take(160).collect(),
                        what: r.what.clone(),
                    });
                }
            }
            // `. /lib/functions.sh`, `source x.sh`, `include /lib/upgrade`
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() >= 2 && matches!(words[0], "." | "source" | "include") {
                let target = words[1].trim_matches(['"', '\'', ';']);
                if target.starts_with('/') && !target.contains('$') {
                    s.refs
                        .push(path::normalize(target.trim_start_matches('/')).path);
                }
            }
        }
        s
    }

    /// Why an ELF program is an unverified update path, if it is one.
    fn judge_binary(&self, data: &[u8]) -> Option<Vec<String>> {
        // Class by class, the one most binaries lack first, stopping at the first required
        // class that does not match: most executables contain no flash device path, so one
        // pass of the write rules settles them instead of a pass of every rule.
        let write = self.first_binary_match(Class::BinWrite, data)?;
        let fetch = self.first_binary_match(Class::BinFetch, data)?;
        let update = self.first_binary_match(Class::BinUpdate, data)?;
        if self.first_binary_match(Class::BinVerify, data).is_some() {
            return None;
        }
        Some(vec![write, update, fetch])
    }

    /// Evidence of the first rule of `class` that matches `data`, in rule order.
    fn first_binary_match(&self, class: Class, data: &[u8]) -> Option<String> {
        self.rules
            .iter()
            .filter(|r| r.class == class)
            .find_map(|r| {
                let m = r.bytes.as_ref()?.find(data)?;
                Some(format!(
                    "'{}' at offset {:#x} ({})",
                    String::from_utf8_lossy(m.as_bytes()),
                    m.start(),
                    r.what
                ))
            })
    }
}

fn is_script(e: &Entry) -> bool {
    let d = &e.data;
    if d.len() > MAX_SCRIPT || d.is_empty() {
        return false;
    }
    let name = e.file_name();
    let shebang = d.starts_with(b"#!") && {
        let first = &d[..d.len().min(80)];
        let end = memchr::memchr(b'\n', first).unwrap_or(first.len());
        let l = &first[..end];
        memchr::memmem::find(l, b"sh").is_some()
    };
    (shebang || name.ends_with(".sh")) && !d.contains(&0)
}

fn update_word(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    UPDATE_WORDS.iter().any(|w| l.contains(w))
}

fn dir_of(p: &str) -> &str {
    p.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

impl Analyzer for Update {
    fn name(&self) -> &'static str {
        "update"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let tree = cx.tree;
        // scripts, by root and inner path
        let scripts: Vec<(&Entry, Script)> = tree
            .files()
            .filter(|e| is_script(e))
            .collect::<Vec<_>>()
            .par_iter()
            .filter_map(|e| {
                let text = std::str::from_utf8(&e.data).ok()?;
                Some((*e, self.scan_script(text)))
            })
            .collect();
        let mut by_root: BTreeMap<&str, BTreeMap<&str, &Script>> = BTreeMap::new();
        for (e, s) in &scripts {
            by_root
                .entry(e.root())
                .or_default()
                .insert(e.inner_path(), s);
        }
        for (root, map) in &by_root {
            script_findings(root, map, &mut out.findings);
        }
        // programs
        let bins: Vec<Finding> = tree
            .files()
            .filter(|e| {
                e.data.len() <= MAX_BINARY
                    && e.data.starts_with(b"\x7fELF")
                    && e.file_name() != "busybox"
            })
            .collect::<Vec<_>>()
            .par_iter()
            .filter_map(|e| {
                let why = self.judge_binary(&e.data)?;
                Some(
                    Finding::new(
                        kinds::UPDATE_UNSIGNED,
                        Severity::Medium,
                        "Program writes firmware to flash without signature code",
                        Some(e.path.clone()),
                        format!(
                            "{}: {}; no signature or SHA-2 verification code found in the program",
                            e.path,
                            why.join("; ")
                        ),
                    )
                    .with_key(e.inner_path()),
                )
            })
            .collect();
        out.findings.extend(bins);
        out
    }
}

/// The group of `start`: see the module documentation.
fn group<'a>(map: &BTreeMap<&'a str, &Script>, start: &'a str) -> BTreeSet<&'a str> {
    let mut g: BTreeSet<&str> = BTreeSet::new();
    g.insert(start);
    let dir = dir_of(start);
    if update_word(path::file_name(dir)) {
        for p in map.keys() {
            if dir_of(p) == dir {
                g.insert(*p);
            }
        }
    }
    // the scripts whose sourcing makes them part of the group: those that source the writer,
    // its update-directory siblings or their directory; not those that source a library the
    // writer pulls in (every script of an OpenWrt image sources lib/functions.sh)
    let own: Vec<&str> = g.iter().copied().collect();
    // what the members source, transitively
    for _ in 0..3 {
        let mut add = Vec::new();
        for m in &g {
            if let Some(s) = map.get(m) {
                for r in &s.refs {
                    for p in map.keys() {
                        if *p == r.as_str() || dir_of(p) == r.as_str() {
                            add.push(*p);
                        }
                    }
                }
            }
        }
        g.extend(add);
    }
    // who sources the writer (or a sibling) or its directory
    for (p, s) in map {
        if s.refs.iter().any(|r| {
            own.iter()
                .any(|m| *m == r.as_str() || dir_of(m) == r.as_str())
        }) {
            g.insert(*p);
        }
    }
    g
}

fn script_findings(root: &str, map: &BTreeMap<&str, &Script>, out: &mut Vec<Finding>) {
    let mut seen: BTreeSet<Vec<&str>> = BTreeSet::new();
    for (p, s) in map {
        if !s.hits.contains_key(&Class::Write) {
            continue;
        }
        let g = group(map, p);
        let key: Vec<&str> = g.iter().copied().collect();
        if !seen.insert(key.clone()) {
            continue;
        }
        let hits = |c: Class| {
            key.iter()
                .filter_map(|m| map.get(m).map(|s| (*m, *s)))
                .flat_map(|(m, s)| s.hits.get(&c).into_iter().flatten().map(move |h| (m, h)))
                .collect::<Vec<(&str, &Hit)>>()
        };
        let fetch = hits(Class::Fetch);
        let is_update = !fetch.is_empty() || key.iter().any(|m| update_word(m));
        if !is_update || !hits(Class::Verify).is_empty() {
            continue;
        }
        let full = |m: &str| -> String { path::join(root, m) };
        let writes = hits(Class::Write);
        let clear = hits(Class::Clear);
        // clear text only counts when the same script downloads
        let clear_fetch: Vec<&(&str, &Hit)> = clear
            .iter()
            .filter(|(m, _)| fetch.iter().any(|(f, _)| f == m))
            .collect();
        let severity = if clear_fetch.is_empty() {
            Severity::Medium
        } else {
            Severity::High
        };
        let show = |list: &[(&str, &Hit)], max: usize| -> String {
            list.iter()
                .take(max)
                .map(|(m, h)| format!("{} line {}: `{}` ({})", full(m), h.line, h.text, h.what))
                .collect::<Vec<_>>()
                .join("; ")
        };
        let mut ev = format!("writes flash: {}", show(&writes, 4));
        if !fetch.is_empty() {
            ev.push_str(&format!("; downloads: {}", show(&fetch, 2)));
        }
        if !clear_fetch.is_empty() {
            let c: Vec<(&str, &Hit)> = clear_fetch.iter().map(|x| (x.0, x.1)).collect();
            ev.push_str(&format!("; clear text: {}", show(&c, 2)));
        }
        let sums = hits(Class::Checksum);
        if !sums.is_empty() {
            ev.push_str(&format!(
                "; only a checksum, not a signature: {}",
                show(&sums, 2)
            ));
        }
        ev.push_str(&format!(
            "; no signature or SHA-2 check (openssl -verify, usign/ucert/signify -V, gpg --verify, sha256sum) in {}",
            key.iter().map(|m| full(m)).collect::<Vec<_>>().join(", ")
        ));
        let first = writes.first().map(|(m, _)| *m).unwrap_or(*p);
        out.push(
            Finding::new(
                kinds::UPDATE_UNSIGNED,
                severity,
                "Firmware update written to flash without a signature check",
                Some(full(first)),
                ev,
            )
            .with_key(first),
        );
    }
}
