//! netvet-analyze: analyzers over an unpacked [`Tree`].
//!
//! Each family is one module implementing [`Analyzer`]; analyzers read the tree (never the
//! real file system), take their data from the [`RuleSet`], run in parallel with each other
//! (and internally over files, with rayon), and return findings with evidence a person can
//! check. Rules are compiled once in [`Analyzers::new`] and shared by all threads.

pub mod backdoors;
pub mod elf;
pub mod integrity;
pub mod permissions;
pub mod services;
pub mod ssh;
pub mod suspicious;

use netvet_model::Finding;
use netvet_rules::RuleSet;
use netvet_unpack::Tree;
use rayon::prelude::*;

pub mod crack;
pub mod credentials;
pub mod keys;
pub mod secrets;

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
            Box::new(suspicious::Suspicious),
            Box::new(integrity::Integrity),
        ];
        Ok(Analyzers { list })
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.list.iter().map(|a| a.name()).collect()
    }

    /// Run every analyzer in parallel; findings in a deterministic order.
    pub fn run(&self, cx: &Context) -> Output {
        let outs: Vec<Output> = self.list.par_iter().map(|a| a.run(cx)).collect();
        let mut all = Output::default();
        for o in outs {
            all.findings.extend(o.findings);
            all.summaries.extend(o.summaries);
        }
        all.findings
            .sort_by(|a, b| (&a.kind, &a.path, &a.evidence).cmp(&(&b.kind, &b.path, &b.evidence)));
        all
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

/// Conventional name of an architecture and byte order (Debian/OpenWrt style).
pub fn arch_name(name: &str, endian: &str) -> String {
    match (name, endian) {
        ("mips", "little") => "mipsel".into(),
        ("arm", "big") => "armeb".into(),
        ("aarch64", "big") => "aarch64_be".into(),
        ("powerpc64", "little") => "ppc64le".into(),
        ("powerpc", "little") => "powerpcle".into(),
        (n, _) => n.to_string(),
    }
}
