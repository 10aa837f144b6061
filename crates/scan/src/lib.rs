//! image -> unpack -> analyze -> sbom -> vulndb -> certify -> Report.

use netvet_analyze::{Analyzers, Context, Options as AnalyzeOptions};
use netvet_model::{kinds, Finding, ImageInfo, Report, Severity, UnpackSummary};
use netvet_rules::RuleSet;
use netvet_unpack::{Limits, Tree, Unpacker};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything a scan needs besides the input.
pub struct ScanOptions {
    pub limits: Limits,
    pub rules: RuleSet,
    pub analyze: AnalyzeOptions,
    pub extract_to: Option<PathBuf>,
    pub vulndb: Option<PathBuf>,
    pub policy: Option<PathBuf>,
    /// Evidence directory for partial and documentation requirements (`--evidence`).
    pub evidence: Option<PathBuf>,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            limits: Limits::default(),
            rules: RuleSet::embedded(),
            analyze: AnalyzeOptions::default(),
            extract_to: None,
            vulndb: None,
            policy: None,
            evidence: None,
        }
    }
}

/// A finished scan: the report and the tree it was made from.
pub struct Scan {
    pub report: Report,
    pub tree: Tree,
}

/// SHA-256 of a file, or for a directory the SHA-256 over its sorted entries (path, kind,
/// link target and content digest), so the same tree always has the same digest.
pub fn digest_input(input: &Path, tree: &Tree) -> std::io::Result<(String, u64)> {
    let md = std::fs::metadata(input)?;
    if md.is_file() {
        let mut f = std::fs::File::open(input)?;
        let mut h = Sha256::new();
        let n = std::io::copy(&mut f, &mut h)?;
        return Ok((hex::encode(h.finalize()), n));
    }
    let mut h = Sha256::new();
    let mut size = 0u64;
    for e in tree.entries.iter().filter(|e| e.layer.is_none()) {
        h.update(e.path.as_bytes());
        h.update([0]);
        h.update(e.kind.as_str().as_bytes());
        h.update([0]);
        h.update(e.link_target.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(Sha256::digest(&e.data));
        size += e.size;
    }
    Ok((hex::encode(h.finalize()), size))
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

/// Run the whole pipeline on a file or directory.
pub fn scan(
    input: &Path,
    unpacker: &Unpacker,
    analyzers: &Analyzers,
    opts: &ScanOptions,
) -> anyhow::Result<Scan> {
    // certify inputs first, so that a bad policy fails before a long unpack
    let (catalogue, policy) = netvet_certify::load_with_evidence(
        &opts.rules,
        opts.policy.as_deref(),
        opts.evidence.as_deref(),
    )?;
    let progress = unpacker.progress();
    progress.set_stage("unpacking");
    let t0 = Instant::now();
    let tree = unpacker
        .unpack_path(input)
        .map_err(|e| anyhow::anyhow!("cannot read input {e}"))?;
    let t_unpack = t0.elapsed();
    let (sha256, size) = digest_input(input, &tree)
        .map_err(|e| anyhow::anyhow!("cannot read input {}: {e}", input.display()))?;
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
        sandbox: None,
        integrity: tree.integrity.clone(),
        unsupported: tree.unsupported.clone(),
        coverage: tree.coverage,
    };
    if let Some(dir) = &opts.extract_to {
        progress.set_stage("writing the tree");
        let t_extract = Instant::now();
        let st = netvet_unpack::extract_to(&tree, dir)
            .map_err(|e| anyhow::anyhow!("--extract-to {}: {e}", dir.display()))?;
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
        rules: &opts.rules,
        options: &opts.analyze,
    };
    let (out, timings) = analyzers.run_timed(&cx);
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
    // sbom -> vulndb: components, duplicate / end-of-life findings, then CVEs
    progress.set_stage("identifying components");
    let t_sbom = Instant::now();
    let sbom = netvet_sbom::Sbom::new(&opts.rules).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sb = sbom.scan(&tree);
    report.findings.extend(sb.findings);
    report
        .timing_ms
        .stages
        .insert("sbom".into(), t_sbom.elapsed().as_millis() as u64);
    progress.set_stage("matching vulnerabilities");
    let t_vulndb = Instant::now();
    let user_db = netvet_vulndb::open_for_scan(opts.vulndb.as_deref())?;
    let matcher = netvet_vulndb::Matcher::new(&opts.rules, user_db)?;
    let hits = matcher.hits(&sb.components)?;
    for h in &hits {
        if let Some(c) = sb.components.get(h.component) {
            report.findings.push(netvet_vulndb::finding(h, c));
        }
    }
    if !hits.is_empty() {
        let v = netvet_vulndb::summary(&hits, &sb.components);
        report.summaries.insert("vulnerabilities".into(), v);
    }
    // records that name a component but exclude its version: VEX `not_affected`
    let not_affected: Vec<serde_json::Value> = matcher
        .not_affected(&sb.components)?
        .into_iter()
        .filter_map(|(id, i)| {
            let c = sb.components.get(i)?;
            Some(serde_json::json!({"id": id, "component": format!("{}@{}", c.name, c.version)}))
        })
        .collect();
    if !not_affected.is_empty() {
        report.summaries.insert(
            "vulnerabilities_not_affected".into(),
            serde_json::Value::Array(not_affected),
        );
    }
    report.components = sb.components;
    report
        .timing_ms
        .stages
        .insert("vulndb".into(), t_vulndb.elapsed().as_millis() as u64);
    report.findings.extend(unpack_findings(&tree));
    let t_analyze = t1.elapsed();

    progress.set_stage("judging");
    let t_certify = Instant::now();
    report.number_findings();
    netvet_certify::apply(&mut report, catalogue, policy);
    report
        .timing_ms
        .stages
        .insert("certify".into(), t_certify.elapsed().as_millis() as u64);
    report.timing_ms.unpack = t_unpack.as_millis() as u64;
    report.timing_ms.analyze = t_analyze.as_millis() as u64;
    report.timing_ms.total = t0.elapsed().as_millis() as u64;
    Ok(Scan { report, tree })
}
