//! netvet-scan: the scan engine that the command line and the lab service both call.
//!
//! A [`Scanner`] is built once ([`Scanner::builder`]): the rule set is read, every analyzer
//! and the YARA rules are compiled, the component signatures and the embedded vulnerability
//! records are loaded, the requirement catalogue and the policy (with its evidence) are read
//! and checked, and a private spill directory is made. Each scan then only unpacks and runs
//! what was built:
//!
//! ```text
//! image -> unpack -> analyze -> sbom -> vulndb -> certify -> ScanOutcome (report + judgement)
//! ```
//!
//! [`Scanner::equiv`] and [`Scanner::diff`] compare two images with the same limits and
//! analyzers, and [`Scanner::sandbox`] restricts the calling process's writes to the spill
//! directory (and `--extract-to`) before any scan runs. Every result is a typed value; the
//! callers render or store it.

pub mod digest;
pub mod sandbox;

pub use digest::{image_digest, tree_digest};
pub use sandbox::SandboxStatus;

use netvet_analyze::{Analyzers, Context, Options as AnalyzeOptions};
use netvet_certify::{Catalogue, Judgement, Policy};
use netvet_model::{kinds, Finding, ImageInfo, Report, Severity, UnpackSummary};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Why a scanner could not be built or a scan could not run. Each names the input.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Rules(#[from] netvet_rules::RulesError),
    #[error(transparent)]
    Analyzer(#[from] netvet_analyze::RuleError),
    #[error(transparent)]
    Certify(#[from] netvet_certify::CertifyError),
    #[error(transparent)]
    Sbom(#[from] netvet_sbom::SbomError),
    #[error(transparent)]
    Vulndb(#[from] netvet_vulndb::VulnError),
    /// An input that does not exist.
    #[error("{}: no such file or directory", .0.display())]
    Missing(PathBuf),
    /// An input that cannot be read (message names it).
    #[error("cannot read input {0}")]
    Input(String),
    #[error("--extract-to {}: {message}", .dir.display())]
    ExtractTo { dir: PathBuf, message: String },
    #[error("cannot create a private temporary directory: {0}")]
    SpillDir(std::io::Error),
}

/// What builds a [`Scanner`]. Every setting has the command line's default.
#[derive(Debug, Clone, Default)]
pub struct ScannerBuilder {
    limits: Limits,
    rules_dir: Option<PathBuf>,
    analyze: Option<AnalyzeOptions>,
    vulndb: Option<PathBuf>,
    policy: Option<PathBuf>,
    evidence: Option<PathBuf>,
    spill_parent: Option<PathBuf>,
    extract_to: Option<PathBuf>,
}

impl ScannerBuilder {
    /// Unpacking limits (bytes, depth, ratio, entries, memory budget).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// A directory of extra or overriding rules (the layout of `rules/`), on top of the
    /// embedded rules.
    pub fn rules_dir(mut self, dir: Option<PathBuf>) -> Self {
        self.rules_dir = dir;
        self
    }

    /// Analyzer knobs (cracking budget, "now").
    pub fn analyze_options(mut self, options: AnalyzeOptions) -> Self {
        self.analyze = Some(options);
        self
    }

    /// The user's vulnerability database; the default location (or `NETVET_VULNDB`)
    /// otherwise.
    pub fn vulndb(mut self, path: Option<PathBuf>) -> Self {
        self.vulndb = path;
        self
    }

    /// Certification policy: a TOML file or a built-in profile name; the rule set's default
    /// policy otherwise.
    pub fn policy(mut self, policy: Option<PathBuf>) -> Self {
        self.policy = policy;
        self
    }

    /// A directory of evidence files for partial and documentation requirements.
    pub fn evidence(mut self, dir: Option<PathBuf>) -> Self {
        self.evidence = dir;
        self
    }

    /// Where the scanner's private spill directory is made (the system temporary directory
    /// otherwise).
    pub fn spill_parent(mut self, dir: Option<PathBuf>) -> Self {
        self.spill_parent = dir;
        self
    }

    /// Also write each unpacked tree to this directory (one input per scanner).
    pub fn extract_to(mut self, dir: Option<PathBuf>) -> Self {
        self.extract_to = dir;
        self
    }

    /// Read and compile everything a scan needs. The policy, the rules and the vulnerability
    /// database are checked here, so that a bad one fails before a long unpack.
    pub fn build(self) -> Result<Scanner, ScanError> {
        let mut rules = RuleSet::embedded();
        if let Some(d) = &self.rules_dir {
            rules = rules.with_dir(d)?;
        }
        let (catalogue, policy) = netvet_certify::load_with_evidence(
            &rules,
            self.policy.as_deref(),
            self.evidence.as_deref(),
        )?;
        let analyzers = Arc::new(Analyzers::new(&rules)?);
        let sbom = netvet_sbom::Sbom::new(&rules)?;
        let user_db = netvet_vulndb::open_for_scan(self.vulndb.as_deref())?;
        let matcher = netvet_vulndb::Matcher::new(&rules, user_db)?;
        let mut spill = tempfile::Builder::new();
        spill.prefix("netvet-");
        let spill = match &self.spill_parent {
            Some(p) => spill.tempdir_in(p),
            None => spill.tempdir(),
        }
        .map_err(ScanError::SpillDir)?;
        if let Some(d) = &self.extract_to {
            std::fs::create_dir_all(d).map_err(|e| ScanError::ExtractTo {
                dir: d.clone(),
                message: e.to_string(),
            })?;
        }
        Ok(Scanner {
            limits: self.limits,
            analyze: self.analyze.unwrap_or_default(),
            extract_to: self.extract_to,
            rules,
            catalogue,
            policy,
            analyzers,
            sbom,
            matcher: Mutex::new(matcher),
            spill,
            sandbox: None,
        })
    }
}

/// The scan engine, built once and used for any number of scans (also at once, from
/// several threads).
pub struct Scanner {
    limits: Limits,
    analyze: AnalyzeOptions,
    extract_to: Option<PathBuf>,
    rules: RuleSet,
    catalogue: Catalogue,
    policy: Policy,
    analyzers: Arc<Analyzers>,
    sbom: netvet_sbom::Sbom,
    /// The vulnerability matcher holds SQLite connections, which one thread uses at a time.
    matcher: Mutex<netvet_vulndb::Matcher>,
    /// Private spill directory of every unpack; removed with the scanner.
    spill: tempfile::TempDir,
    /// What [`Scanner::sandbox`] achieved, written into every report.
    sandbox: Option<SandboxStatus>,
}

/// A finished scan.
pub struct ScanOutcome {
    /// The judged report (`report.verdict` set; timings in `report.timing_ms`).
    pub report: Report,
    /// The certification of the report under the scanner's policy.
    pub judgement: Judgement,
    /// The unpacked tree; its spill files are removed when it is dropped.
    pub tree: Tree,
}

impl Scanner {
    pub fn builder() -> ScannerBuilder {
        ScannerBuilder::default()
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.catalogue
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The analyzers, compiled once when the scanner was built and shared by every scan.
    pub fn analyzers(&self) -> &Arc<Analyzers> {
        &self.analyzers
    }

    /// The private directory every unpack of this scanner spills into.
    pub fn spill_dir(&self) -> &Path {
        self.spill.path()
    }

    /// What the sandbox achieved, once [`Scanner::sandbox`] was called.
    pub fn sandbox_status(&self) -> Option<&SandboxStatus> {
        self.sandbox.as_ref()
    }

    /// Restrict file-system writes of the calling thread, and of every thread it starts
    /// later, to the spill directory, the `--extract-to` directory and `extra` (files the
    /// caller already opened need not be listed). Call it after opening the outputs and
    /// before any scan; the status is recorded in every later report (`unpack.sandbox`).
    pub fn sandbox(&mut self, extra: &[&Path]) -> SandboxStatus {
        let mut writable: Vec<&Path> = vec![self.spill.path()];
        if let Some(d) = &self.extract_to {
            writable.push(d);
        }
        writable.extend_from_slice(extra);
        let status = sandbox::restrict_writes(&writable);
        self.sandbox = Some(status.clone());
        status
    }

    /// An unpacker with this scanner's limits that spills into its private directory; its
    /// progress counters belong to one scan.
    pub fn unpacker(&self) -> Unpacker {
        let mut u = Unpacker::new(self.limits.clone());
        u.set_spill_parent(self.spill.path());
        u
    }

    /// Scan one file or directory.
    pub fn scan(&self, input: &Path) -> Result<ScanOutcome, ScanError> {
        self.scan_with(input, &self.unpacker())
    }

    /// [`Scanner::scan`] with an unpacker from [`Scanner::unpacker`] whose progress the
    /// caller shows.
    pub fn scan_with(&self, input: &Path, unpacker: &Unpacker) -> Result<ScanOutcome, ScanError> {
        if !input.exists() {
            return Err(ScanError::Missing(input.to_path_buf()));
        }
        let progress = unpacker.progress();
        progress.set_stage("unpacking");
        let t0 = Instant::now();
        // an image file's digest needs only its bytes: computed on its own thread while the
        // image unpacks (a directory's needs the tree)
        let file_digest = input.is_file().then(|| {
            let p = input.to_path_buf();
            std::thread::spawn(move || digest::file_digest(&p))
        });
        // the behaviour analyzer's per-file work starts as files come out of the unpacker
        let prework = netvet_analyze::prework::Prework::new(Arc::clone(&self.analyzers));
        unpacker.set_file_hook(Some(prework.hook()));
        let tree = unpacker.unpack_path(input);
        unpacker.set_file_hook(None);
        prework.finish();
        // what the unpacker and the early work freed is not needed by the analyzers
        netvet_unpack::spool::trim_heap();
        let tree = tree.map_err(|e| ScanError::Input(e.to_string()))?;
        let t_unpack = t0.elapsed();
        let digest = match file_digest {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the digest thread stopped"))),
            None => tree_digest(input, &tree),
        };
        let (sha256, size) =
            digest.map_err(|e| ScanError::Input(format!("{}: {e}", input.display())))?;
        let mut report = Report::new(ImageInfo {
            path: input.display().to_string(),
            sha256,
            size,
        });
        report.unpack = UnpackSummary {
            files: tree.file_count(),
            bytes: tree.total_bytes(),
            layers: tree.layers.clone(),
            errors: tree.errors.clone(),
            limits_hit: tree.limits_hit.clone(),
            sandbox: self.sandbox.as_ref().map(SandboxStatus::as_report),
            integrity: tree.integrity.clone(),
            unsupported: tree.unsupported.clone(),
            coverage: tree.coverage,
        };
        if let Some(dir) = &self.extract_to {
            progress.set_stage("writing the tree");
            let t_extract = Instant::now();
            let st = netvet_unpack::extract_to(&tree, dir).map_err(|e| ScanError::ExtractTo {
                dir: dir.clone(),
                message: e.to_string(),
            })?;
            for (p, why) in st.skipped.iter().take(1000) {
                report.unpack.errors.push(netvet_model::UnpackErrorInfo {
                    path: p.clone(),
                    format: "extract-to".into(),
                    offset: 0,
                    error: why.clone(),
                });
            }
            report
                .timing_ms
                .stages
                .insert("extract-to".into(), t_extract.elapsed().as_millis() as u64);
        }
        report.arch = netvet_analyze::architectures(&tree);

        let t1 = Instant::now();
        progress.set_stage("analyzing");
        let cx = Context {
            tree: &tree,
            rules: &self.rules,
            options: &self.analyze,
        };
        let (out, timings) = self.analyzers.run_timed_with(&cx, Some(&prework));
        report.findings.extend(out.findings);
        for (k, v) in out.summaries {
            report.summaries.insert(k, v);
        }
        for (name, ms) in timings {
            report
                .timing_ms
                .stages
                .insert(format!("analyzer:{name}"), ms);
        }
        // sbom -> vulndb: components, duplicate / end-of-life findings, then CVEs. After the
        // analyzers, not beside them: run together, the two stages keep more of the tree's
        // pages resident at once (peak RSS 514 MiB instead of 476 MiB on the 131 MB image of
        // bench/unpack.sh, over the 512 MiB budget) for a gain within the noise (1.42-1.55x
        // instead of 1.48-1.60x unsquashfs).
        progress.set_stage("identifying components");
        let t_sbom = Instant::now();
        let sb = self.sbom.scan(&tree);
        report.findings.extend(sb.findings);
        report
            .timing_ms
            .stages
            .insert("sbom".into(), t_sbom.elapsed().as_millis() as u64);
        progress.set_stage("matching vulnerabilities");
        let t_vulndb = Instant::now();
        self.match_vulnerabilities(&mut report, &sb.components)?;
        report.components = sb.components;
        report
            .timing_ms
            .stages
            .insert("vulndb".into(), t_vulndb.elapsed().as_millis() as u64);
        report.findings.extend(unpack_findings(&tree));
        let t_analyze = t1.elapsed();

        progress.set_stage("judging");
        let t_certify = Instant::now();
        let judgement = self.judge(&mut report);
        report
            .timing_ms
            .stages
            .insert("certify".into(), t_certify.elapsed().as_millis() as u64);
        report.timing_ms.unpack = t_unpack.as_millis() as u64;
        report.timing_ms.analyze = t_analyze.as_millis() as u64;
        report.timing_ms.total = t0.elapsed().as_millis() as u64;
        Ok(ScanOutcome {
            report,
            judgement,
            tree,
        })
    }

    /// Vulnerability findings and summaries of `components` into `report`.
    fn match_vulnerabilities(
        &self,
        report: &mut Report,
        components: &[netvet_model::Component],
    ) -> Result<(), ScanError> {
        // a poisoned lock only means another scan panicked while matching: the matcher
        // holds no state between calls
        let matcher = self.matcher.lock().unwrap_or_else(|p| p.into_inner());
        let hits = matcher.hits(components)?;
        for h in &hits {
            if let Some(c) = components.get(h.component) {
                report.findings.push(netvet_vulndb::finding(h, c));
            }
        }
        if !hits.is_empty() {
            let v = netvet_vulndb::summary(&hits, components);
            report.summaries.insert("vulnerabilities".into(), v);
        }
        // records that name a component but exclude its version: VEX `not_affected`
        let not_affected: Vec<serde_json::Value> = matcher
            .not_affected(components)?
            .into_iter()
            .filter_map(|(id, i)| {
                let c = components.get(i)?;
                Some(
                    serde_json::json!({"id": id, "component": format!("{}@{}", c.name, c.version)}),
                )
            })
            .collect();
        if !not_affected.is_empty() {
            report.summaries.insert(
                "vulnerabilities_not_affected".into(),
                serde_json::Value::Array(not_affected),
            );
        }
        Ok(())
    }

    /// Number the findings of `report` and judge it under the scanner's catalogue and
    /// policy, today (again after findings were added, as `netvet scan A B ...` does).
    pub fn judge(&self, report: &mut Report) -> Judgement {
        report.number_findings();
        netvet_certify::apply(report, &self.catalogue, &self.policy)
    }

    /// The in-toto statement (unsigned) attesting `report` with its `judgement` under the
    /// scanner's policy; `subject` is the image name.
    pub fn statement(
        &self,
        report: &Report,
        judgement: &Judgement,
        subject: &str,
    ) -> serde_json::Value {
        netvet_certify::attest::statement(
            subject,
            report,
            judgement,
            &self.policy,
            &self.catalogue,
            netvet_certify::now_utc(),
        )
    }

    /// The statement of a stored report, judged again today under the scanner's policy
    /// (the same judgement the scan made, with today's date for waiver expiry).
    pub fn restate(&self, report: &Report, subject: &str) -> serde_json::Value {
        let mut r = report.clone();
        let j = netvet_certify::apply(&mut r, &self.catalogue, &self.policy);
        self.statement(&r, &j, subject)
    }

    /// Binary equivalence of two images or directories (unpacked in parallel).
    pub fn equiv(&self, a: &Path, b: &Path) -> Result<netvet_equiv::EquivReport, ScanError> {
        equiv(&self.unpacker(), a, b)
    }

    /// What changed between two releases (both scanned in parallel).
    pub fn diff(&self, old: &Path, new: &Path) -> Result<netvet_equiv::ReleaseDiff, ScanError> {
        for p in [old, new] {
            if !p.exists() {
                return Err(ScanError::Missing(p.to_path_buf()));
            }
        }
        let unpacker = self.unpacker();
        let (ro, rn) = rayon::join(
            || self.scan_with(old, &unpacker),
            || self.scan_with(new, &unpacker),
        );
        let (so, sn) = (ro?, rn?);
        Ok(netvet_equiv::diff(
            &so.report, &so.tree, &sn.report, &sn.tree,
        ))
    }
}

/// Unpack one side of a comparison.
fn side(unpacker: &Unpacker, p: &Path) -> Result<(Tree, netvet_equiv::equiv::Side), ScanError> {
    if !p.exists() {
        return Err(ScanError::Missing(p.to_path_buf()));
    }
    let tree = unpacker
        .unpack_path(p)
        .map_err(|e| ScanError::Input(e.to_string()))?;
    let (sha256, _) =
        tree_digest(p, &tree).map_err(|e| ScanError::Input(format!("{}: {e}", p.display())))?;
    let side = netvet_equiv::equiv::Side {
        path: p.display().to_string(),
        sha256,
        files: tree.file_count(),
    };
    Ok((tree, side))
}

/// Binary equivalence of two images or directories, unpacked in parallel with `unpacker`.
/// Needs no analyzers: `netvet equiv` calls it without building a [`Scanner`].
pub fn equiv(
    unpacker: &Unpacker,
    a: &Path,
    b: &Path,
) -> Result<netvet_equiv::EquivReport, ScanError> {
    let (ra, rb) = rayon::join(|| side(unpacker, a), || side(unpacker, b));
    let ((ta, sa), (tb, sb)) = (ra?, rb?);
    Ok(netvet_equiv::compare(&ta, sa, &tb, sb))
}

/// Findings for what unpacking could not do.
pub fn unpack_findings(tree: &Tree) -> Vec<Finding> {
    let mut out = Vec::new();
    for e in &tree.errors {
        out.push(
            Finding::new(
                kinds::UNPACK_ERROR,
                Severity::Low,
                format!("Could not fully unpack {} data", e.format),
                Some(e.path.clone()),
                format!("{} at offset {:#x}: {}", e.format, e.offset, e.error),
            )
            .with_offset(e.offset)
            .with_key(&format!("{}@{}", e.format, e.offset)),
        );
    }
    for l in &tree.limits_hit {
        out.push(
            Finding::new(
                kinds::UNPACK_LIMIT,
                Severity::Medium,
                format!("Safety limit {} reached", l.limit),
                Some(l.path.clone()),
                l.detail.clone(),
            )
            .with_key(&l.limit),
        );
    }
    out
}
