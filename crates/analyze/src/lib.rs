//! netvet-analyze: analyzers over an unpacked [`Tree`].
//!
//! Each family is one module implementing [`Analyzer`]; analyzers read the tree (never the
//! real file system), take their data from the [`RuleSet`], run in parallel with each other
//! (and internally over files, with rayon), and return findings with evidence a person can
//! check. Rules are compiled once in [`Analyzers::new`] and shared by all threads.

pub mod backdoors;
pub mod behaviour;
pub mod boot;
pub mod certs;
pub mod elf;
pub mod exec_path;
pub mod import_calls;
pub mod integrity;
pub mod libsigs;
pub mod permissions;
pub mod prework;
pub mod provenance;
pub mod services;
pub mod ssh;
pub mod suspicious;
pub mod web;

use netvet_model::Finding;
use netvet_rules::RuleSet;
use netvet_unpack::Tree;
use rayon::prelude::*;

pub mod accounts;
pub mod crack;
pub mod credentials;
pub mod keys;
pub mod secrets;
// regimes in force (EN 18031, CRA, PSTI): update, boot, TLS configs, shared credentials
pub mod shared;
pub mod tls;
pub mod update;
pub mod verified_boot;

/// A regular expression from a pattern literal of this crate. The patterns are constants, each
/// compiled by the tests of the analyzer that uses it, so a failure is a programming error and
/// not something an input can cause.
#[allow(
    clippy::expect_used,
    reason = "pattern literals of this crate, compiled by its tests; no input reaches them"
)]
pub(crate) fn literal_regex(pattern: &'static str) -> regex::Regex {
    regex::Regex::new(pattern).expect("a pattern literal of netvet-analyze")
}

/// Knobs that change what analyzers do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Wall-clock budget for password cracking, per image.
    pub crack_budget: std::time::Duration,
    /// "Now" for certificate expiry and end-of-life checks (seconds since the epoch), so
    /// results are reproducible.
    pub now: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            crack_budget: std::time::Duration::from_secs(3),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        }
    }
}

/// What an analyzer reads.
pub struct Context<'a> {
    pub tree: &'a Tree,
    pub rules: &'a RuleSet,
    pub options: &'a Options,
}

/// What an analyzer returns.
#[derive(Debug, Default)]
pub struct Output {
    pub findings: Vec<Finding>,
    /// Named summaries for the report (for example a hardening table); JSON values.
    pub summaries: Vec<(String, serde_json::Value)>,
}

/// A family of checks.
pub trait Analyzer: Send + Sync {
    fn name(&self) -> &'static str;
    fn run(&self, cx: &Context) -> Output;
    /// Run with the models parsed once per scan ([`Shared`]); analyzers that read them
    /// override this, the others run as [`Analyzer::run`].
    fn run_shared(&self, cx: &Context, shared: &Shared) -> Output {
        let _ = shared;
        self.run(cx)
    }
    /// Work on one ELF file that needs nothing but the file, done while the image is still
    /// unpacking ([`prework`]); the analyzer takes it back with [`prework::Prework::take`].
    /// `None`: nothing to do early for this file.
    fn early(&self, path: &str, data: &[u8]) -> Option<prework::Early> {
        let _ = (path, data);
        None
    }
}

/// Models parsed once per scan and read by several analyzers.
pub struct Shared<'a> {
    /// Boot, scheduled and hotplug commands of every file-system root.
    pub boot: boot::BootModel<'a>,
    /// The programs the boot model starts (tree path -> the first line that starts each),
    /// [`boot::BootModel::started_programs`], resolved once.
    pub started: std::collections::BTreeMap<String, String>,
    /// Per-file results computed while the image unpacked, if any ([`prework::Prework`]).
    pub prework: Option<&'a prework::Prework>,
}

impl<'a> Shared<'a> {
    pub fn build(tree: &'a Tree) -> Shared<'a> {
        let boot = boot::BootModel::build(tree);
        let started = boot.started_programs(tree);
        Shared {
            boot,
            started,
            prework: None,
        }
    }

    /// The line that starts the program at `path`; an original restored from a UPX-packed
    /// file is started as the packed file.
    pub fn started_by(&self, path: &str) -> Option<&String> {
        self.started.get(path).or_else(|| {
            behaviour::upx_packed_path(path).and_then(|packed| self.started.get(packed))
        })
    }
}

/// A rule file that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("rule file {file}: {message}")]
pub struct RuleError {
    pub file: String,
    pub message: String,
}

/// Every analyzer, with its rules compiled once.
pub struct Analyzers {
    list: Vec<Box<dyn Analyzer>>,
}

impl Analyzers {
    /// The analyzers in registration order.
    pub(crate) fn list(&self) -> &[Box<dyn Analyzer>] {
        &self.list
    }

    /// Build every analyzer from the rule set. Fails on a rule file that does not parse or
    /// compile (naming the file).
    pub fn new(rules: &RuleSet) -> Result<Analyzers, RuleError> {
        let list: Vec<Box<dyn Analyzer>> = vec![
            // analyzer families register here, in a stable order
            Box::new(credentials::Credentials::new(rules)?),
            Box::new(keys::Keys),
            Box::new(secrets::Secrets::new(rules)?),
            Box::new(services::Services::new(rules)?),
            Box::new(ssh::Ssh),
            Box::new(permissions::Permissions),
            Box::new(elf::ElfAnalyzer),
            Box::new(backdoors::Backdoors::new(rules)?),
            Box::new(update::Update::new(rules)?),
            Box::new(verified_boot::Boot),
            Box::new(tls::Tls::new(rules)?),
            Box::new(shared::CredentialMaterial),
            // behaviour of every executable; includes the listener heuristics of
            // `suspicious` (one ELF pass instead of two)
            Box::new(behaviour::Behaviour::new()),
            Box::new(integrity::Integrity),
        ];
        Ok(Analyzers { list })
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.list.iter().map(|a| a.name()).collect()
    }

    /// Run every analyzer in parallel; findings in a deterministic order.
    pub fn run(&self, cx: &Context) -> Output {
        self.run_timed(cx).0
    }

    /// [`Analyzers::run`], with the wall time of each analyzer (name, milliseconds) in
    /// registration order.
    pub fn run_timed(&self, cx: &Context) -> (Output, Vec<(&'static str, u64)>) {
        self.run_timed_with(cx, None)
    }

    /// [`Analyzers::run_timed`] with the per-file results computed while unpacking
    /// (`prework`, after [`prework::Prework::finish`]).
    pub fn run_timed_with(
        &self,
        cx: &Context,
        prework: Option<&prework::Prework>,
    ) -> (Output, Vec<(&'static str, u64)>) {
        let mut shared = Shared::build(cx.tree);
        shared.prework = prework;
        let outs: Vec<(Output, &'static str, u64)> = self
            .list
            .par_iter()
            .map(|a| {
                let t = std::time::Instant::now();
                let o = a.run_shared(cx, &shared);
                (o, a.name(), t.elapsed().as_millis() as u64)
            })
            .collect();
        let mut all = Output::default();
        let mut timings = Vec::with_capacity(outs.len());
        for (o, name, ms) in outs {
            all.findings.extend(o.findings);
            all.summaries.extend(o.summaries);
            timings.push((name, ms));
        }
        all.findings
            .sort_by(|a, b| (&a.kind, &a.path, &a.evidence).cmp(&(&b.kind, &b.path, &b.evidence)));
        locate(cx.tree, &shared, &mut all.findings);
        (all, timings)
    }
}

/// Evidence every finding on a file gets: the SHA-256 of the file and the boot, scheduled or
/// hotplug command that starts it (from the shared boot model). Each file is hashed once,
/// in parallel, whatever the number of findings on it.
fn locate(tree: &Tree, shared: &Shared, findings: &mut [Finding]) {
    use sha2::{Digest, Sha256};
    use std::collections::{BTreeSet, HashMap};
    let paths: BTreeSet<&str> = findings.iter().filter_map(|f| f.path.as_deref()).collect();
    let digests: HashMap<String, String> = paths
        .into_par_iter()
        .filter_map(|p| {
            let e = tree.get(p)?;
            (e.kind == netvet_unpack::EntryKind::File)
                .then(|| (p.to_string(), hex::encode(Sha256::digest(tree.content(e)))))
        })
        .collect();
    for f in findings.iter_mut() {
        let Some(p) = f.path.as_deref() else { continue };
        f.sha256 = digests.get(p).cloned();
        f.started_by = shared.started_by(p).cloned();
    }
}

/// CPU architectures of the ELF files in the tree (`mipsel`, `arm`, `aarch64`, `x86_64`, ...),
/// sorted and deduplicated.
pub fn architectures(tree: &Tree) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = tree
        .files()
        .filter_map(|e| netvet_unpack::classify::elf_arch(&e.data))
        .map(|(name, endian)| arch_name(name, endian))
        .collect();
    set.into_iter().collect()
}

/// Conventional name of an architecture family and byte order, as Debian and OpenWrt spell
/// them: the family comes from `netvet_unpack::classify::elf_arch`, which has already decided
/// the word size from the ELF class (`mips64`, `riscv64`, `ppc64`, ...). Families whose
/// default byte order is big get a suffix for little endian (`mipsel`, `mips64el`, `ppc64le`)
/// and the others one for big endian (`armeb`, `aarch64_be`).
pub fn arch_name(name: &str, endian: &str) -> String {
    let little = endian == "little";
    let spelled = match (name, little) {
        ("mips", true) => "mipsel",
        ("mips64", true) => "mips64el",
        ("mipsn32", true) => "mipsn32el",
        ("powerpc", true) => "powerpcle",
        ("ppc64", true) => "ppc64le",
        ("sparc" | "sparc64" | "s390" | "s390x" | "hppa" | "m68k", true) => {
            return format!("{name}-le")
        }
        ("arm", false) => "armeb",
        ("aarch64", false) => "aarch64_be",
        ("aarch64_ilp32", false) => "aarch64_be_ilp32",
        ("riscv32" | "riscv64" | "x86" | "x86_64" | "x32" | "loongarch64" | "csky", false) => {
            return format!("{name}-be")
        }
        ("superh", false) => "superheb",
        ("microblaze", true) => "microblazeel",
        ("xtensa", false) => "xtensaeb",
        ("arc", false) => "arceb",
        ("nds32", false) => "nds32be",
        (n, _) => n,
    };
    spelled.to_string()
}
