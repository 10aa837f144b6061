//! Component identification (SBOM) over an unpacked tree.
//!
//! Sources of evidence, all driven by data in `rules/components/`:
//! - package databases: opkg `status` and `*.control`, dpkg `status` ([`pkgdb`]);
//! - version strings in binary files, found with one multi-pattern scan per file
//!   ([`signatures`]); kernel banners and module `vermagic` are such strings;
//! - ELF metadata: SONAME and `.note.package` ([`elf`]); file names (`libuClibc-0.9.33.2.so`);
//! - layer variants (the uImage name `OpenWrt-Linux-3.10.14`).
//!
//! Observations are merged per component and version; several versions, or more copies of
//! the version string than the signature allows, give `component.duplicate`; release series
//! past their end of life (`rules/eol/`) give `component.end-of-life`.

pub mod elf;
pub mod eol;
pub mod pkgdb;
pub mod signatures;

use netvet_model::{kinds, Component, Finding, Severity};
use netvet_unpack::{Entry, Tree};
use rayon::prelude::*;
use signatures::Signatures;
use std::collections::{BTreeMap, BTreeSet};

/// Files larger than this are not scanned for version strings.
pub const MAX_SCAN_BYTES: u64 = 512 << 20;
/// Contents are scanned for version strings in windows of this size.
const SCAN_WINDOW: usize = 64 << 20;
/// How far a window's view reaches past its edge (longer than any anchor).
const WINDOW_TAIL: usize = 4096;
/// Anchor hits evaluated per file (a hostile file could repeat an anchor).
const MAX_HITS_PER_FILE: usize = 16384;
/// Anchor hits evaluated per pattern and file. Anchors are short literals that also occur in
/// unrelated strings: libcrypto.so.3 holds hundreds of "OpenSSL " (error texts, provider
/// names) before its version text, so one budget for the whole file would end in them.
const MAX_HITS_PER_PATTERN: usize = 4096;
/// Distinct observations kept per file.
const MAX_OBS_PER_FILE: usize = 32;
/// Bytes of a file searched for a bare version string (a C library is a few megabytes).
const MAX_BARE_SCAN: usize = 64 << 20;
/// Longest bare version string looked at.
const MAX_BARE_LEN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    #[error(transparent)]
    Signatures(#[from] signatures::SigError),
    #[error(transparent)]
    Eol(#[from] eol::EolError),
}

/// How a component was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Obs {
    /// Signature index, or `None` for a package no signature knows.
    sig: Option<usize>,
    name: String,
    version: String,
    path: String,
    source: &'static str,
    evidence: String,
    /// A version string inside a binary: counts as a copy of the component.
    copy: bool,
    /// The version is a release series read from an ABI version (`libssl.so.3` -> `3`):
    /// folded into a finer version of the same series found elsewhere.
    series: bool,
    /// purl type for unknown packages (`opkg`, `deb`).
    purl_type: &'static str,
}

/// Components and SBOM findings of one tree.
#[derive(Debug, Default)]
pub struct SbomResult {
    pub components: Vec<Component>,
    /// `component.duplicate` and `component.end-of-life`.
    pub findings: Vec<Finding>,
}

/// The identification engine: compiled signatures and end-of-life facts.
pub struct Sbom {
    sigs: Signatures,
    eol: Vec<eol::EolFact>,
    today: String,
}

fn printable(b: &[u8]) -> String {
    let s: String = String::from_utf8_lossy(b)
        .chars()
        .take(120)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    s.trim().to_string()
}

/// Percent-encode a purl segment (RFC 3986 unreserved characters kept).
fn purl_enc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// Escape a CPE 2.3 formatted-string value.
fn cpe_enc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
            o.push('\\');
        }
        o.push(c.to_ascii_lowercase());
    }
    o
}

/// The path a finding about `c` points at: a file that carries it rather than the package
/// database, when there is one.
pub fn primary_path(c: &Component) -> Option<String> {
    let is_db = |p: &str| {
        p.ends_with("opkg/status")
            || p.ends_with("dpkg/status")
            || p.ends_with(".control")
            || p.contains("dpkg/status.d/")
    };
    c.paths
        .iter()
        .find(|p| !is_db(p))
        .or_else(|| c.paths.first())
        .cloned()
}

/// The part of `path` before `rel` when `path` is `rel` or ends with `/rel` (`""` or
/// `squashfs-root/` for `squashfs-root/usr/lib/opkg/status`).
fn under<'a>(path: &'a str, rel: &str) -> Option<&'a str> {
    let base = path.strip_suffix(rel)?;
    (base.is_empty() || base.ends_with('/')).then_some(base)
}

/// The part of `path` before the directory `dir` (which ends with `/`) when `path` is a file
/// directly in it.
fn dir_under<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    let (parent, _) = path.rsplit_once('/')?;
    under(&format!("{parent}/"), dir).map(|b| &path[..b.len()])
}

/// A package version that is a source snapshot (`2016-12-19-ad02e79d-7`, OpenWrt's git
/// packages), not a release number.
fn is_snapshot(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
}

/// The one version that `re` reads from the NUL-terminated strings of `data`: each string's
/// printable tail (bytes of a preceding object may come before it without a NUL; spaces
/// belong to the string, so `libfoo 1.2.3` is not `1.2.3`) must match
/// `re` whole. Returns the version (group 1), the matched text and its offset; `None` when no
/// string matches or strings with different versions do (no guess).
fn bare_version(re: &regex::bytes::Regex, data: &[u8]) -> Option<(String, String, usize)> {
    let data = data.get(..data.len().min(MAX_BARE_SCAN))?;
    let mut found: Option<(String, String, usize)> = None;
    let mut start = 0;
    for end in memchr::memchr_iter(0, data) {
        let seg = data.get(start..end).unwrap_or_default();
        start = end + 1;
        let tail = seg
            .iter()
            .rev()
            .take(MAX_BARE_LEN + 1)
            .take_while(|&&b| b.is_ascii_graphic() || b == b' ')
            .count();
        if tail == 0 || tail > MAX_BARE_LEN {
            continue;
        }
        let at = end - tail;
        let Some(text) = data.get(at..end) else {
            continue;
        };
        let Some(v) = re.captures(text).and_then(|c| c.get(1)) else {
            continue;
        };
        let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
        match &found {
            None => found = Some((v, String::from_utf8_lossy(text).into_owned(), at)),
            Some((f, _, _)) if *f == v => {}
            Some(_) => return None,
        }
    }
    found
}

/// `b` continues `a` with more detail (`1.8` -> `1.8.20140523`, `6.7` -> `6.7p1`).
fn refines(a: &str, b: &str) -> bool {
    a != b
        && b.strip_prefix(a)
            .is_some_and(|rest| !rest.as_bytes().first().is_some_and(u8::is_ascii_digit))
}

impl Sbom {
    pub fn new(rules: &netvet_rules::RuleSet) -> Result<Sbom, SbomError> {
        Ok(Sbom {
            sigs: Signatures::from_rules(rules)?,
            eol: eol::load(rules)?,
            today: eol::today(),
        })
    }

    /// Fix "today" for end-of-life decisions (reproducible tests and reports).
    pub fn with_today(mut self, date: &str) -> Sbom {
        self.today = date.to_string();
        self
    }

    pub fn signature_count(&self) -> usize {
        self.sigs.sigs.len()
    }

    /// Identify the components of `tree`.
    pub fn scan(&self, tree: &Tree) -> SbomResult {
        let mut obs = self.package_obs(tree);
        // files that were unpacked (a cpio archive, a firmware blob): their version strings are
        // found again in the files extracted from them, so they are not copies
        let containers: BTreeSet<&str> = tree
            .layers
            .iter()
            .map(|l| l.parent.as_str())
            .filter(|p| !p.is_empty())
            .collect();
        let per_file: Vec<Vec<Obs>> = tree
            .files()
            .collect::<Vec<_>>()
            .par_iter()
            .map(|e| {
                let mut o = self.file_obs(e);
                if containers.contains(e.path.as_str()) {
                    o.iter_mut().for_each(|x| x.copy = false);
                }
                // hand the pages of a large spilled content back (hostile input, docs/fuzzing.md)
                netvet_unpack::spool::release(&e.data);
                o
            })
            .collect();
        obs.extend(per_file.into_iter().flatten());
        obs.extend(self.layer_obs(tree));
        self.merge(obs)
    }

    fn package_obs(&self, tree: &Tree) -> Vec<Obs> {
        let mut out = Vec::new();
        let mut memo = BTreeMap::new();
        // the root file systems with a status database: the full path up to `usr/` or `var/`
        // (a directory scan may hold root file systems below its top, `squashfs-root/...`)
        let mut status_roots: BTreeSet<&str> = BTreeSet::new();
        for e in tree.files() {
            let Some((base, rel)) = [
                "usr/lib/opkg/status",
                "var/lib/opkg/status",
                "var/lib/dpkg/status",
            ]
            .iter()
            .find_map(|rel| under(&e.path, rel).map(|b| (b, *rel))) else {
                continue;
            };
            status_roots.insert(base);
            let dpkg = rel.contains("dpkg");
            for p in pkgdb::parse(&String::from_utf8_lossy(&e.data)) {
                let db = if dpkg { "dpkg" } else { "opkg" };
                out.extend(self.package(&p, &e.path, db, tree, base, &mut memo));
            }
        }
        // apk's installed database (Alpine, OpenWrt from 24.x snapshots)
        for e in tree.files() {
            let Some(base) = under(&e.path, "lib/apk/db/installed") else {
                continue;
            };
            for p in pkgdb::parse_apk(&String::from_utf8_lossy(&e.data)) {
                out.extend(self.package(&p, &e.path, "apk", tree, base, &mut memo));
            }
        }
        // dpkg's status.d/ (one file per package; distroless and other Debian-built images
        // without the dpkg tool)
        for e in tree.files() {
            let Some(base) = dir_under(&e.path, "var/lib/dpkg/status.d/") else {
                continue;
            };
            if e.path.ends_with(".md5sums") {
                continue;
            }
            for p in pkgdb::parse(&String::from_utf8_lossy(&e.data)) {
                out.extend(self.package(&p, &e.path, "dpkg", tree, base, &mut memo));
            }
        }
        // opkg control files only where no status database exists
        for e in tree.files().filter(|e| e.path.ends_with(".control")) {
            let Some(base) = dir_under(&e.path, "usr/lib/opkg/info/") else {
                continue;
            };
            if status_roots.contains(base) {
                continue;
            }
            for p in pkgdb::parse(&String::from_utf8_lossy(&e.data)) {
                out.extend(self.package(&p, &e.path, "opkg", tree, base, &mut memo));
            }
        }
        out
    }

    /// The signature whose `packages_if` names package `pkg` and whose file is in the root
    /// file system `base` (`libc` -> musl when `lib/ld-musl-mips-sf.so.1` is there). Answers
    /// are kept per root and package: a hostile database may list `libc` many times, and each
    /// first answer reads every entry of the tree.
    fn package_by_root(
        &self,
        tree: &Tree,
        base: &str,
        pkg: &str,
        memo: &mut BTreeMap<(String, String), Option<usize>>,
    ) -> Option<usize> {
        if !self
            .sigs
            .sigs
            .iter()
            .any(|s| s.packages_if.iter().any(|pi| pi.package == pkg))
        {
            return None;
        }
        let key = (base.to_string(), pkg.to_string());
        if let Some(&known) = memo.get(&key) {
            return known;
        }
        let found = self.sigs.sigs.iter().position(|s| {
            s.packages_if.iter().any(|pi| {
                pi.package == pkg
                    && tree.entries.iter().any(|e| {
                        e.path
                            .strip_prefix(base)
                            .is_some_and(|rel| pi.file.is_match(rel))
                    })
            })
        });
        memo.insert(key, found);
        found
    }

    fn package(
        &self,
        p: &pkgdb::Package,
        path: &str,
        db: &'static str,
        tree: &Tree,
        base: &str,
        memo: &mut BTreeMap<(String, String), Option<usize>>,
    ) -> Option<Obs> {
        let sig = self
            .sigs
            .by_package(&p.name)
            .or_else(|| self.package_by_root(tree, base, &p.name, memo));
        if sig.is_none() && p.name.starts_with("kmod-") {
            // kernel modules are the kernel's; the kernel comes from its own package
            return None;
        }
        Some(Obs {
            name: match sig {
                Some(i) => self.sigs.sigs[i].name.clone(),
                None => p.name.to_ascii_lowercase(),
            },
            version: if sig.is_some() {
                pkgdb::upstream(&p.version)
            } else {
                p.version.clone()
            },
            sig,
            path: path.to_string(),
            source: db,
            evidence: format!("{db} package {} {}", p.name, p.version),
            copy: false,
            series: false,
            purl_type: match db {
                "dpkg" => "deb",
                "apk" => "apk",
                _ => "opkg",
            },
        })
    }

    fn file_obs(&self, e: &Entry) -> Vec<Obs> {
        let mut out: Vec<Obs> = Vec::new();
        let data: &[u8] = &e.data;
        let fname = e.file_name();
        let push = |out: &mut Vec<Obs>, o: Obs| {
            if out.len() < MAX_OBS_PER_FILE
                && !out
                    .iter()
                    .any(|x| x.sig == o.sig && x.version == o.version && x.source == o.source)
            {
                out.push(o);
            }
        };
        let obs =
            |sig: usize, version: String, source: &'static str, evidence: String, copy: bool| Obs {
                sig: Some(sig),
                name: self.sigs.sigs[sig].name.clone(),
                version,
                path: e.path.clone(),
                source,
                evidence,
                copy,
                series: false,
                purl_type: "generic",
            };
        // file names: executables and libraries only (not `etc/config/uhttpd`)
        let is_so = fname.contains(".so");
        let elf_file = elf::is_elf(data);
        for (i, s) in self.sigs.sigs.iter().enumerate() {
            for re in s.filenames.iter().filter(|_| elf_file) {
                if let Some(c) = re.captures(fname) {
                    let v = c.get(1).map(|m| m.as_str().to_string()).unwrap_or_default();
                    push(
                        &mut out,
                        obs(i, v, "filename", format!("file name {fname}"), false),
                    );
                }
            }
            if is_so && s.sonames.iter().any(|p| fname.starts_with(p.as_str())) && elf::is_elf(data)
            {
                push(
                    &mut out,
                    obs(
                        i,
                        String::new(),
                        "elf-soname",
                        format!("shared object {fname}"),
                        false,
                    ),
                );
            }
        }
        if e.size > MAX_SCAN_BYTES || data.len() < 8 {
            return out;
        }
        let is_elf = elf::is_elf(data);
        if is_elf {
            let so = elf::soname(data);
            // the ABI version of a shared object names its release series
            let abi_name = so.as_deref().or(is_so.then_some(fname));
            if let Some(abi) = abi_name {
                for (i, s) in self.sigs.sigs.iter().enumerate() {
                    if let Some(v) = s.soname_versions.iter().find_map(|sv| sv.series(abi)) {
                        let what = if so.is_some() {
                            "SONAME"
                        } else {
                            "shared object"
                        };
                        let mut o = obs(
                            i,
                            v.clone(),
                            "elf-soname",
                            format!("{what} {abi} (release series {v})"),
                            false,
                        );
                        o.series = true;
                        push(&mut out, o);
                    }
                }
            }
            if let Some(so) = so {
                for (i, s) in self.sigs.sigs.iter().enumerate() {
                    if s.sonames.iter().any(|p| so.starts_with(p.as_str())) {
                        push(
                            &mut out,
                            obs(
                                i,
                                String::new(),
                                "elf-soname",
                                format!("SONAME {so}"),
                                false,
                            ),
                        );
                    }
                }
            }
            if let Some(np) = elf::note_package(data) {
                let name = np.name.to_ascii_lowercase();
                let sig = self.sigs.by_package(&name);
                push(
                    &mut out,
                    Obs {
                        sig,
                        name: sig.map(|i| self.sigs.sigs[i].name.clone()).unwrap_or(name),
                        version: pkgdb::upstream(&np.version),
                        path: e.path.clone(),
                        source: "elf-note",
                        evidence: format!(".note.package {} {} {}", np.kind, np.name, np.version),
                        copy: false,
                        series: false,
                        purl_type: "generic",
                    },
                );
            }
        }
        // version strings: binary files only (scripts and docs mention versions loosely)
        let head = &data[..data.len().min(8192)];
        if !is_elf && memchr::memchr(0, head).is_none() {
            return out;
        }
        // Large contents are read in windows whose pages are handed back behind the scan (a
        // mapped 500 MB blob would otherwise end up resident whole). A window's view reaches
        // `WINDOW_TAIL` bytes into the next, so an anchor across the edge is still found;
        // anchors starting past the window's own bytes are left to the next window.
        let mut hits = 0;
        let mut per_pattern = vec![0u16; self.sigs.patterns.len()];
        'windows: for (base, view, own) in
            netvet_unpack::spool::windows(data, SCAN_WINDOW, WINDOW_TAIL)
        {
            for m in self.sigs.anchors.find_iter(view) {
                if m.start >= own {
                    continue;
                }
                let at = base + m.start;
                let pi = m.pattern;
                let Some(p) = self.sigs.patterns.get(pi) else {
                    continue;
                };
                // a pattern past its budget is skipped without using the file's budget, so
                // one anchor repeated many times does not hide the others
                match per_pattern.get_mut(pi) {
                    Some(n) if (*n as usize) < MAX_HITS_PER_PATTERN => *n += 1,
                    _ => continue,
                }
                hits += 1;
                if hits > MAX_HITS_PER_FILE {
                    break 'windows;
                }
                let end = data.len().min(at + 256);
                let Some(window) = data.get(at..end) else {
                    continue;
                };
                if let Some(c) = p.regex.captures(window) {
                    let Some(v) = c.get(1) else { continue };
                    let version = String::from_utf8_lossy(v.as_bytes()).into_owned();
                    let whole = c.get(0).map(|w| w.as_bytes()).unwrap_or_default();
                    // the evidence: the matched text up to the end of its string
                    let tail_end = window
                        .iter()
                        .skip(whole.len())
                        .position(|&b| b == 0 || b == b'\n')
                        .map(|n| whole.len() + n)
                        .unwrap_or(whole.len())
                        .min(window.len());
                    let text = printable(&window[..tail_end]);
                    let source = if self.sigs.sigs[p.sig].name == "linux" {
                        if text.starts_with("vermagic") {
                            "vermagic"
                        } else {
                            "kernel-banner"
                        }
                    } else {
                        "version-string"
                    };
                    push(
                        &mut out,
                        obs(
                            p.sig,
                            version,
                            source,
                            format!("'{text}' at offset {at:#x}"),
                            true,
                        ),
                    );
                }
            }
        }
        // a version written as a string of its own (musl's `__libc_version`, printed by the
        // loader's "musl libc (ARCH)\nVersion %s"), read where the component's text was found
        // without a version
        let mut wanted: Vec<usize> = out
            .iter()
            .filter(|o| o.source == "version-string" && o.version.is_empty())
            .filter_map(|o| o.sig)
            .collect();
        wanted.dedup();
        for i in wanted {
            let Some(re) = self.sigs.sigs.get(i).and_then(|s| s.bare_version.as_ref()) else {
                continue;
            };
            let Some((version, text, at)) = bare_version(re, data) else {
                continue;
            };
            for o in out.iter_mut().filter(|o| {
                o.sig == Some(i) && o.source == "version-string" && o.version.is_empty()
            }) {
                o.version = version.clone();
                o.evidence = format!("{}; version string '{text}' at offset {at:#x}", o.evidence);
            }
        }
        out
    }

    fn layer_obs(&self, tree: &Tree) -> Vec<Obs> {
        let mut out = Vec::new();
        for l in &tree.layers {
            if l.variant.is_empty() {
                continue;
            }
            for (i, s) in self.sigs.sigs.iter().enumerate() {
                for re in &s.layers {
                    if let Some(v) = re.captures(&l.variant).and_then(|c| c.get(1)) {
                        out.push(Obs {
                            sig: Some(i),
                            name: s.name.clone(),
                            version: v.as_str().to_string(),
                            path: l.path.clone(),
                            source: "image-name",
                            evidence: format!("{} image name '{}'", l.format, l.variant),
                            copy: false,
                            series: false,
                            purl_type: "generic",
                        });
                    }
                }
            }
        }
        out
    }

    fn component(&self, sig: Option<usize>, name: &str, version: &str, list: &[&Obs]) -> Component {
        let paths: BTreeSet<String> = list.iter().map(|o| o.path.clone()).collect();
        let mut sources: Vec<&str> = list.iter().map(|o| o.source).collect();
        sources.sort();
        sources.dedup();
        let mut ev: Vec<String> = Vec::new();
        for o in list {
            let s = format!("{} ({})", o.evidence, o.path);
            if !ev.contains(&s) && ev.len() < 6 {
                ev.push(s);
            }
        }
        if list.len() > ev.len() {
            ev.push(format!("and {} more", list.len() - ev.len()));
        }
        let purl_type = list.first().map(|o| o.purl_type).unwrap_or("generic");
        let purl = match (sig, version.is_empty()) {
            (_, true) => format!(
                "pkg:{}/{}",
                if sig.is_some() { "generic" } else { purl_type },
                purl_enc(name)
            ),
            (Some(_), false) => format!("pkg:generic/{}@{}", purl_enc(name), purl_enc(version)),
            (None, false) => format!("pkg:{purl_type}/{}@{}", purl_enc(name), purl_enc(version)),
        };
        let cpe = sig
            .and_then(|i| {
                let s = &self.sigs.sigs[i];
                s.cpe
                    .as_ref()
                    .map(|(v, p)| (s.part.clone(), v.clone(), p.clone()))
            })
            .filter(|_| !version.is_empty())
            .map(|(part, v, p)| {
                format!(
                    "cpe:2.3:{part}:{}:{}:{}:*:*:*:*:*:*:*",
                    cpe_enc(&v),
                    cpe_enc(&p),
                    cpe_enc(version)
                )
            });
        Component {
            name: name.to_string(),
            version: version.to_string(),
            purl,
            cpe,
            paths: paths.into_iter().collect(),
            evidence: ev.join("; "),
            source: sources.join(","),
        }
    }

    fn merge(&self, obs: Vec<Obs>) -> SbomResult {
        // group by component name
        let mut by_name: BTreeMap<String, Vec<Obs>> = BTreeMap::new();
        for o in obs {
            by_name.entry(o.name.clone()).or_default().push(o);
        }
        let mut res = SbomResult::default();
        for (name, list) in by_name {
            let sig = list.iter().find_map(|o| o.sig);
            // release series read from ABI versions (`libssl.so.3` -> `3`) go into the finer
            // version of the same series: the one seen in the same file, or the only one
            let exact: BTreeSet<&str> = list
                .iter()
                .filter(|o| !o.series && !o.version.is_empty())
                .map(|o| o.version.as_str())
                .collect();
            let series_of = |o: &Obs| -> Option<Option<String>> {
                if !o.series || exact.contains(o.version.as_str()) {
                    return None;
                }
                let finer: Vec<&str> = exact
                    .iter()
                    .copied()
                    .filter(|b| refines(&o.version, b))
                    .collect();
                if finer.is_empty() {
                    return None; // the series is all that is known
                }
                let same_file = list
                    .iter()
                    .find(|x| !x.series && x.path == o.path && finer.contains(&x.version.as_str()))
                    .map(|x| x.version.clone());
                Some(same_file.or_else(|| (finer.len() == 1).then(|| finer[0].to_string())))
            };
            let resolved: Vec<Option<Option<String>>> = list.iter().map(series_of).collect();
            // versions, with less detailed ones folded into a more detailed one they prefix
            let mut versions: BTreeSet<String> = list
                .iter()
                .zip(&resolved)
                .filter(|(_, r)| r.is_none())
                .map(|(o, _)| o.version.clone())
                .filter(|v| !v.is_empty())
                .collect();
            let folded: Vec<(String, String)> = versions
                .iter()
                .filter_map(|a| {
                    let finer: Vec<&String> = versions.iter().filter(|b| refines(a, b)).collect();
                    (finer.len() == 1).then(|| (a.clone(), finer[0].clone()))
                })
                .collect();
            // a snapshot package version (`hostapd 2016-12-19-ad02e79d-7`) and the one release
            // the binaries name (`hostapd v2.7-devel`) are one build
            let mut folded = folded;
            let releases: Vec<&String> = versions.iter().filter(|v| !is_snapshot(v)).collect();
            if releases.len() == 1 {
                for v in versions.iter().filter(|v| is_snapshot(v)) {
                    folded.push((v.clone(), releases[0].clone()));
                }
            }
            for (a, _) in &folded {
                versions.remove(a);
            }
            let canon = |v: &str| -> String {
                if v.is_empty() && versions.len() == 1 {
                    return versions.iter().next().cloned().unwrap_or_default();
                }
                folded
                    .iter()
                    .find(|(a, _)| a == v)
                    .map(|(_, b)| b.clone())
                    .unwrap_or_else(|| v.to_string())
            };
            let mut groups: BTreeMap<String, Vec<&Obs>> = BTreeMap::new();
            for (o, r) in list.iter().zip(&resolved) {
                match r {
                    None => groups.entry(canon(&o.version)).or_default().push(o),
                    Some(Some(v)) => groups.entry(canon(v)).or_default().push(o),
                    // a series with several finer versions elsewhere: no guess
                    Some(None) => {}
                }
            }
            let mut comps = Vec::new();
            for (v, g) in &groups {
                if v.is_empty() && !versions.is_empty() {
                    // presence-only evidence when several versions exist: attach its paths
                    // to nothing rather than guess
                    continue;
                }
                comps.push(self.component(sig, &name, v, g));
            }
            // duplicates
            if versions.len() > 1 {
                let vs: Vec<&str> = versions.iter().map(String::as_str).collect();
                let detail: Vec<String> = comps
                    .iter()
                    .filter(|c| !c.version.is_empty())
                    .map(|c| format!("{} at {}", c.version, c.paths.join(", ")))
                    .collect();
                let first = comps.first().and_then(primary_path);
                res.findings.push(
                    Finding::new(
                        kinds::COMPONENT_DUPLICATE,
                        Severity::Medium,
                        format!("Several versions of {name}: {}", vs.join(", ")),
                        first,
                        detail.join("; "),
                    )
                    .with_component(name.clone())
                    .with_key(&name),
                );
            } else if let Some(i) = sig {
                let limit = self.sigs.sigs[i].copies as usize;
                let copies: BTreeSet<&str> = list
                    .iter()
                    .filter(|o| o.copy)
                    .map(|o| o.path.as_str())
                    .collect();
                if limit > 0 && copies.len() > limit {
                    let v = versions.iter().next().cloned().unwrap_or_default();
                    res.findings.push(
                        Finding::new(
                            kinds::COMPONENT_DUPLICATE,
                            Severity::Low,
                            format!("{} copies of {name} {v}", copies.len()),
                            copies.iter().next().map(|s| s.to_string()),
                            format!(
                                "version string of {name} {v} found in {} files: {}",
                                copies.len(),
                                copies.iter().copied().collect::<Vec<_>>().join(", ")
                            ),
                        )
                        .with_component(format!("{name}@{v}"))
                        .with_key(&name),
                    );
                }
            }
            res.components.extend(comps);
        }
        res.findings.extend(self.eol_findings(&res.components));
        res
    }

    /// `component.end-of-life` findings for components in a release series past its end.
    pub fn eol_findings(&self, components: &[Component]) -> Vec<Finding> {
        let mut out = Vec::new();
        for c in components {
            let Some(f) = self
                .eol
                .iter()
                .find(|f| f.component == c.name && eol::in_cycle(&c.version, &f.cycle))
            else {
                continue;
            };
            if f.eol.as_str() > self.today.as_str() {
                continue;
            }
            let (title, why) = match f.basis {
                eol::Basis::Announced => (
                    format!("{} {} is end of life since {}", c.name, c.version, f.eol),
                    format!("unsupported since {}", f.eol),
                ),
                eol::Basis::Stated => (
                    format!("{} {} is end of life (unsupported by {})", c.name, c.version, f.eol),
                    format!(
                        "listed as unsupported by a statement of {} (support may have ended earlier)",
                        f.eol
                    ),
                ),
                eol::Basis::LastRelease => (
                    format!("{} {} is end of life (no release since {})", c.name, c.version, f.eol),
                    format!(
                        "unmaintained: the project has published no release since {}",
                        f.eol
                    ),
                ),
            };
            let note = f
                .note
                .as_deref()
                .map(|n| format!("; {n}"))
                .unwrap_or_default();
            out.push(
                Finding::new(
                    kinds::COMPONENT_END_OF_LIFE,
                    Severity::Medium,
                    title,
                    primary_path(c),
                    format!(
                        "{} {} belongs to release series {}, {why}{note} (source: {})",
                        c.name, c.version, f.cycle, f.source
                    ),
                )
                .with_component(format!("{}@{}", c.name, c.version)),
            );
        }
        out
    }
}
