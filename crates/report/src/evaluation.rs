//! The structure of an evaluation report, shared by the HTML, Markdown and PDF renderers:
//! findings grouped by risk with bulk kinds folded, the top risks in one sentence each, the
//! remediation line per kind, the hardening matrix per binary, security properties apart from
//! file counts, what each requirement examined, and what changed since a previous evaluation
//! of the same product.

use netvet_model::{Finding, Report, RequirementResult, Severity};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// The remediation data (`rules/remediation/remediation.toml`), embedded at build time.
const REMEDIATION_TOML: &str = include_str!("../../../rules/remediation/remediation.toml");

#[derive(Deserialize)]
struct RemediationFile {
    kinds: BTreeMap<String, String>,
}

fn remediation_table() -> &'static BTreeMap<String, String> {
    static TABLE: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // the file is part of the build and checked by a test; a broken edit yields no
        // remediation lines rather than a panic
        toml::from_str::<RemediationFile>(REMEDIATION_TOML)
            .map(|f| f.kinds)
            .unwrap_or_default()
    })
}

/// The one-line remediation for a finding kind, when the data has one.
pub fn remediation(kind: &str) -> Option<&'static str> {
    remediation_table().get(kind).map(String::as_str)
}

/// Summary key under which a comparison with the previous evaluation is stored.
pub const PREVIOUS_KEY: &str = "previous_evaluation";

/// Above this many findings of one kind at one severity, the risk section shows the first
/// [`SHOWN_PER_GROUP`] and points at the appendix for the rest.
pub const SHOWN_PER_GROUP: usize = 5;

/// Findings of one kind at one severity.
pub struct KindGroup<'a> {
    pub kind: &'a str,
    pub severity: Severity,
    pub findings: Vec<&'a Finding>,
}

/// Findings grouped by risk: severities highest first, inside each the kinds with the most
/// findings first (then by name); findings by path, then id.
pub fn by_risk(report: &Report) -> Vec<(Severity, Vec<KindGroup<'_>>)> {
    let mut out = Vec::new();
    for sev in Severity::ALL.iter().copied() {
        let mut groups: Vec<KindGroup> = Vec::new();
        for f in report.findings.iter().filter(|f| f.severity == sev) {
            match groups.iter_mut().find(|g| g.kind == f.kind) {
                Some(g) => g.findings.push(f),
                None => groups.push(KindGroup {
                    kind: f.kind.as_str(),
                    severity: sev,
                    findings: vec![f],
                }),
            }
        }
        if groups.is_empty() {
            continue;
        }
        for g in groups.iter_mut() {
            g.findings
                .sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.id.cmp(&b.id)));
        }
        groups.sort_by(|a, b| {
            b.findings
                .len()
                .cmp(&a.findings.len())
                .then_with(|| a.kind.cmp(b.kind))
        });
        out.push((sev, groups));
    }
    out
}

/// The top risks, one sentence each: the most severe kinds (critical, high, medium; at most
/// `max`), each with its count and its first finding's title and path.
pub fn top_risks(report: &Report, max: usize) -> Vec<(Severity, String)> {
    let mut out = Vec::new();
    for (sev, groups) in by_risk(report) {
        if sev < Severity::Medium {
            break;
        }
        for g in groups {
            if out.len() >= max {
                return out;
            }
            let Some(first) = g.findings.first() else {
                continue;
            };
            let mut s = String::new();
            if g.findings.len() > 1 {
                s.push_str(&format!("{} × {}: ", g.findings.len(), g.kind));
            } else {
                s.push_str(&format!("{}: ", g.kind));
            }
            s.push_str(first.title.trim_end_matches('.'));
            if let Some(p) = first.path.as_deref().filter(|p| !first.title.contains(*p)) {
                s.push_str(&format!(" ({p})"));
            }
            if g.findings.len() > 1 {
                s.push_str(&format!(" and {} more", g.findings.len() - 1));
            }
            s.push('.');
            out.push((sev, s));
        }
    }
    out
}

/// Number of findings per severity, highest first.
pub fn severity_counts(report: &Report) -> Vec<(Severity, usize)> {
    Severity::ALL
        .iter()
        .map(|s| {
            (
                *s,
                report.findings.iter().filter(|f| f.severity == *s).count(),
            )
        })
        .collect()
}

/// A security property over the binaries it applies to: how many have it (`good`), have it
/// in part (`partial`, RELRO without BIND_NOW) or lack it (`bad`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyRow {
    pub property: &'static str,
    pub good: u64,
    pub partial: u64,
    pub bad: u64,
}

impl PropertyRow {
    pub fn total(&self) -> u64 {
        self.good + self.partial + self.bad
    }
}

/// One binary of the hardening matrix (the `per_binary` rows of the `hardening` summary).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BinaryRow {
    pub path: String,
    #[serde(rename = "type", default)]
    pub elf_type: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default)]
    pub nx: bool,
    #[serde(default)]
    pub pie: bool,
    #[serde(default)]
    pub relro: String,
    #[serde(default)]
    pub canary: bool,
    #[serde(default)]
    pub fortify: bool,
    #[serde(default)]
    pub rpath: Option<String>,
    #[serde(default)]
    pub runpath: Option<String>,
    #[serde(default)]
    pub stripped: bool,
}

impl BinaryRow {
    pub fn is_library(&self) -> bool {
        self.elf_type == "dso"
    }
    /// How weak the binary is: one point per protection it lacks (PIE only for executables),
    /// two for no RELRO at all, so that the matrix lists the worst binaries first.
    pub fn missing(&self) -> usize {
        usize::from(!self.nx)
            + usize::from(!self.is_library() && !self.pie)
            + match self.relro.as_str() {
                "full" => 0,
                "partial" => 1,
                _ => 2,
            }
            + usize::from(!self.canary)
            + usize::from(!self.fortify)
    }
}

/// Cell of the matrix: checksec's wording and whether it is good, partial or bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Good(&'static str),
    Partial(&'static str),
    Bad(&'static str),
    NotApplicable(&'static str),
}

impl Cell {
    pub fn text(self) -> &'static str {
        match self {
            Cell::Good(t) | Cell::Partial(t) | Cell::Bad(t) | Cell::NotApplicable(t) => t,
        }
    }
    pub fn class(self) -> &'static str {
        match self {
            Cell::Good(_) => "good",
            Cell::Partial(_) => "partial",
            Cell::Bad(_) => "bad",
            Cell::NotApplicable(_) => "na",
        }
    }
}

/// The matrix columns: RELRO, canary, NX, PIE, FORTIFY, RPATH (checksec's order).
pub const MATRIX_COLUMNS: &[&str] = &["RELRO", "Stack canary", "NX", "PIE", "FORTIFY", "RPATH"];

pub fn matrix_cells(b: &BinaryRow) -> [Cell; 6] {
    [
        match b.relro.as_str() {
            "full" => Cell::Good("Full RELRO"),
            "partial" => Cell::Partial("Partial RELRO"),
            _ => Cell::Bad("No RELRO"),
        },
        if b.canary {
            Cell::Good("Canary found")
        } else {
            Cell::Bad("No canary found")
        },
        if b.nx {
            Cell::Good("NX enabled")
        } else {
            Cell::Bad("NX disabled")
        },
        if b.is_library() {
            Cell::NotApplicable("DSO")
        } else if b.pie {
            Cell::Good("PIE enabled")
        } else {
            Cell::Bad("No PIE")
        },
        if b.fortify {
            Cell::Good("Fortified")
        } else {
            Cell::Bad("No FORTIFY")
        },
        match (&b.rpath, &b.runpath) {
            (None, None) => Cell::Good("No RPATH"),
            (Some(_), _) => Cell::Bad("RPATH"),
            (None, Some(_)) => Cell::Partial("RUNPATH"),
        },
    ]
}

/// The per-binary rows of a `hardening` summary, most protections missing first, then path.
pub fn binaries(summary: &Value) -> Vec<BinaryRow> {
    let mut rows: Vec<BinaryRow> = summary
        .get("per_binary")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    rows.sort_by(|a, b| {
        b.missing()
            .cmp(&a.missing())
            .then_with(|| a.path.cmp(&b.path))
    });
    rows
}

fn count(summary: &Value, key: &str) -> Option<u64> {
    summary.get(key).and_then(Value::as_u64)
}

/// Security properties only (NX, PIE over executables, RELRO full/partial/none, canary,
/// FORTIFY), from the per-binary rows when present, else from the summary's counts.
pub fn properties(summary: &Value) -> Vec<PropertyRow> {
    let rows = binaries(summary);
    if !rows.is_empty() {
        let n = rows.len() as u64;
        let has = |f: fn(&BinaryRow) -> bool| rows.iter().filter(|r| f(r)).count() as u64;
        let exes: Vec<&BinaryRow> = rows.iter().filter(|r| !r.is_library()).collect();
        let pie = exes.iter().filter(|r| r.pie).count() as u64;
        let full = has(|r| r.relro == "full");
        let partial = has(|r| r.relro == "partial");
        let nx = has(|r| r.nx);
        let canary = has(|r| r.canary);
        let fortify = has(|r| r.fortify);
        return vec![
            PropertyRow {
                property: "NX",
                good: nx,
                partial: 0,
                bad: n - nx,
            },
            PropertyRow {
                property: "PIE (executables)",
                good: pie,
                partial: 0,
                bad: exes.len() as u64 - pie,
            },
            PropertyRow {
                property: "RELRO",
                good: full,
                partial,
                bad: n - full - partial,
            },
            PropertyRow {
                property: "Stack canary",
                good: canary,
                partial: 0,
                bad: n - canary,
            },
            PropertyRow {
                property: "FORTIFY",
                good: fortify,
                partial: 0,
                bad: n - fortify,
            },
        ];
    }
    let Some(n) = count(summary, "binaries").filter(|n| *n > 0) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let simple = |key: &str, name: &'static str, total: u64| {
        count(summary, key).map(|g| PropertyRow {
            property: name,
            good: g.min(total),
            partial: 0,
            bad: total - g.min(total),
        })
    };
    out.extend(simple("nx", "NX", n));
    let exes = count(summary, "executables").unwrap_or(n);
    out.extend(simple("pie", "PIE (executables)", exes));
    if let (Some(f), Some(p)) = (
        count(summary, "relro_full"),
        count(summary, "relro_partial"),
    ) {
        let f = f.min(n);
        let p = p.min(n - f);
        out.push(PropertyRow {
            property: "RELRO",
            good: f,
            partial: p,
            bad: n - f - p,
        });
    }
    out.extend(simple("canary", "Stack canary", n));
    out.extend(simple("fortify", "FORTIFY", n));
    out
}

/// File counts of the `hardening` summary (not properties): executables, libraries, skipped
/// kernel modules and objects, stripped, and binaries per architecture.
pub fn file_counts(summary: &Value) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for (key, label) in [
        ("binaries", "ELF binaries checked"),
        ("executables", "executables"),
        ("libraries", "shared libraries"),
        (
            "kernel_modules_and_objects_skipped",
            "kernel modules and objects (not checked)",
        ),
        ("stripped", "stripped (no symbol table)"),
        ("rpath", "with RPATH"),
        ("runpath", "with RUNPATH"),
    ] {
        if let Some(n) = count(summary, key) {
            out.push((label.to_string(), n));
        }
    }
    if let Some(a) = summary.get("arch").and_then(Value::as_object) {
        for (k, v) in a {
            if let Some(n) = v.as_u64() {
                out.push((format!("architecture {k}"), n));
            }
        }
    }
    out
}

/// How a requirement was judged and what the verdict rests on: (method, examined, evidence).
pub fn requirement_basis(report: &Report, r: &RequirementResult) -> (String, String, String) {
    let method = r.method.clone().unwrap_or_else(|| "image".into());
    let coverage = match &report.unpack.coverage {
        Some(c) => format!(
            "; {} % of the image understood, {} region(s) not opened",
            c.percent,
            report.unpack.unsupported.len()
        ),
        None => String::new(),
    };
    let examined = if r.checks.is_empty() {
        match method.as_str() {
            "image" => "not tested by the image scan".to_string(),
            _ => "nothing in the image decides it; supplied evidence does".to_string(),
        }
    } else {
        format!(
            "{} of {} files for {}{coverage}",
            if method == "image" {
                "all"
            } else {
                "the image part: all"
            },
            report.unpack.files,
            r.checks.join(", "),
        )
    };
    let evidence = match (r.status.as_str(), &r.evidence) {
        (_, Some(e)) => format!("supplied evidence: {e}"),
        ("pass", None) if !r.checks.is_empty() && !r.findings.is_empty() => format!(
            "{} finding(s) of these kinds, all below the policy's severity threshold",
            r.findings.len()
        ),
        ("pass", None) if !r.checks.is_empty() => format!(
            "no finding of these kinds; a pass covers only what was examined{}",
            if report.unpack.unsupported.is_empty() && report.unpack.errors.is_empty() {
                ""
            } else {
                ", not the regions that could not be opened"
            }
        ),
        ("fail", None) | ("waived", None) => format!("{} finding(s)", r.findings.len()),
        ("not-tested", None) => "none: the scan has no check for it".to_string(),
        ("needs-evidence", None) => "none supplied yet".to_string(),
        _ => String::new(),
    };
    (method, examined, evidence)
}

/// A finding in a comparison: enough to name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingBrief {
    pub kind: String,
    pub severity: Severity,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub fingerprint: String,
}

/// What changed since the previous evaluation of the same product (stored in the report's
/// `summaries.previous_evaluation`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comparison {
    /// The earlier image's name and digest.
    pub previous_image: String,
    pub previous_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_verdict: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_date: Option<String>,
    pub new: usize,
    pub resolved: usize,
    pub unchanged: usize,
    /// The most severe new findings (at most ten).
    pub top_new: Vec<FindingBrief>,
    /// The most severe resolved findings (at most ten).
    pub top_resolved: Vec<FindingBrief>,
}

fn brief(f: &Finding) -> FindingBrief {
    FindingBrief {
        kind: f.kind.clone(),
        severity: f.severity,
        title: f.title.clone(),
        path: f.path.clone(),
        fingerprint: f.fingerprint.clone(),
    }
}

/// Compare two evaluations by finding fingerprint (stable across rescans and releases).
pub fn compare(previous: &Report, current: &Report) -> Comparison {
    let old: BTreeSet<&str> = previous
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let new: BTreeSet<&str> = current
        .findings
        .iter()
        .map(|f| f.fingerprint.as_str())
        .collect();
    let mut added: Vec<&Finding> = current
        .findings
        .iter()
        .filter(|f| !old.contains(f.fingerprint.as_str()))
        .collect();
    let mut gone: Vec<&Finding> = previous
        .findings
        .iter()
        .filter(|f| !new.contains(f.fingerprint.as_str()))
        .collect();
    let order = |a: &&Finding, b: &&Finding| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.kind.cmp(&b.kind))
            .then_with(|| a.path.cmp(&b.path))
    };
    added.sort_by(order);
    gone.sort_by(order);
    Comparison {
        previous_image: previous.image.path.clone(),
        previous_sha256: previous.image.sha256.clone(),
        previous_verdict: previous.verdict.as_ref().map(|v| v.result.to_string()),
        previous_date: previous.verdict.as_ref().and_then(|v| v.date.clone()),
        new: added.len(),
        resolved: gone.len(),
        unchanged: current.findings.len() - added.len(),
        top_new: added.iter().take(10).map(|f| brief(f)).collect(),
        top_resolved: gone.iter().take(10).map(|f| brief(f)).collect(),
    }
}

/// Record the comparison with `previous` in `current` (every format then shows it).
pub fn attach_previous(current: &mut Report, previous: &Report) {
    let c = compare(previous, current);
    if let Ok(v) = serde_json::to_value(c) {
        current.summaries.insert(PREVIOUS_KEY.to_string(), v);
    }
}

/// The comparison recorded in a report, if any.
pub fn previous(report: &Report) -> Option<Comparison> {
    report
        .summaries
        .get(PREVIOUS_KEY)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// The attestation digest recorded in a report (`summaries.attestation.sha256`), if any.
pub fn attestation_digest(report: &Report) -> Option<String> {
    report
        .summaries
        .get("attestation")
        .and_then(|a| a.get("sha256"))
        .and_then(Value::as_str)
        .map(str::to_string)
}
