//! The summary a person reads in a terminal after `netvet scan`: the verdict, counts by
//! severity, the top findings with their paths, and where the full report went. Printed instead
//! of the JSON report when stdout is a terminal and no `--format` was asked for.

use netvet_model::{Report, Severity};
use std::fmt::Write;

/// How many findings the summary lists.
pub const TOP: usize = 10;

/// The summary text. `report_path` is where the full report was written, if it was.
pub fn render(report: &Report, report_path: Option<&std::path::Path>, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let sev_color = |s: Severity| match s {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}  {} bytes  sha256 {}",
        report.image.path, report.image.size, report.image.sha256
    );
    let _ = writeln!(
        out,
        "unpacked {} files ({:.1} MiB) in {} layers; {} components; arch {}",
        report.unpack.files,
        report.unpack.bytes as f64 / 1_048_576.0,
        report.unpack.layers.len(),
        report.components.len(),
        if report.arch.is_empty() {
            "-".to_string()
        } else {
            report.arch.join(", ")
        }
    );
    match &report.verdict {
        Some(v) => {
            let code = match v.result.as_str() {
                "pass" => "1;32",
                "conditional" | "needs-evidence" | "not-applicable" => "1;33",
                _ => "1;31",
            };
            let failed = v.requirements.iter().filter(|r| r.status == "fail").count();
            let _ = writeln!(
                out,
                "verdict: {} (policy {}; {} of {} requirements failed)",
                paint(code, v.result.as_str()),
                v.policy,
                failed,
                v.requirements.len()
            );
        }
        None => {
            let _ = writeln!(out, "verdict: none");
        }
    }
    let counts: Vec<String> = Severity::ALL
        .iter()
        .map(|&s| {
            let n = report.findings.iter().filter(|f| f.severity == s).count();
            let text = format!("{n} {}", s.as_str());
            if n > 0 {
                paint(sev_color(s), &text)
            } else {
                text
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "findings: {} ({})",
        report.findings.len(),
        counts.join(", ")
    );
    // findings are sorted by severity, most severe first, when the report is assembled
    for f in report.findings.iter().take(TOP) {
        let sev = format!("{:<8}", f.severity.as_str());
        let _ = writeln!(
            out,
            "  {} {:<32} {}",
            paint(sev_color(f.severity), &sev),
            f.kind,
            f.path.as_deref().unwrap_or("-")
        );
        let _ = writeln!(out, "           {}", one_line(&f.evidence, 110));
    }
    if report.findings.len() > TOP {
        let _ = writeln!(out, "  ... and {} more", report.findings.len() - TOP);
    }
    if !report.unpack.errors.is_empty() || !report.unpack.limits_hit.is_empty() {
        let _ = writeln!(
            out,
            "unpack: {} errors, {} limits hit (see the full report)",
            report.unpack.errors.len(),
            report.unpack.limits_hit.len()
        );
    }
    match report_path {
        Some(p) => {
            let _ = writeln!(out, "full report (JSON): {}", p.display());
        }
        None => {
            let _ = writeln!(
                out,
                "full report: rerun with --format json|html|md|sarif|cyclonedx|spdx [-o FILE]"
            );
        }
    }
    out
}

/// `s` on one line, cut at `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}...")
    }
}

/// The file the full report goes to when a terminal user gave no `-o`: next to the current
/// directory, named after the input (`fw.bin` -> `fw.bin.netvet.json`).
pub fn default_report_path(input: &std::path::Path) -> std::path::PathBuf {
    let name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| "scan".to_string());
    std::path::PathBuf::from(format!("{name}.netvet.json"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::{Finding, ImageInfo, Verdict};

    fn report() -> Report {
        let mut r = Report::new(ImageInfo {
            path: "fw.bin".into(),
            sha256: "ab".repeat(32),
            size: 1234,
        });
        for i in 0..12 {
            let sev = if i == 0 {
                Severity::Critical
            } else {
                Severity::Low
            };
            r.findings.push(Finding::new(
                "hardening.weak",
                sev,
                "t",
                Some(format!("bin/b{i:02}")),
                format!("no canary\nline two {i}"),
            ));
        }
        r.verdict = Some(Verdict {
            result: netvet_model::VerdictResult::Fail,
            policy: "default".into(),
            requirements: Vec::new(),
            date: None,
            regimes: Vec::new(),
        });
        r
    }

    #[test]
    fn summary_names_the_verdict_counts_top_findings_and_the_report() {
        let s = render(
            &report(),
            Some(std::path::Path::new("fw.bin.netvet.json")),
            false,
        );
        assert!(
            s.contains("verdict: fail (policy default; 0 of 0 requirements failed)"),
            "{s}"
        );
        assert!(
            s.contains("findings: 12 (1 critical, 0 high, 0 medium, 11 low, 0 info)"),
            "{s}"
        );
        // the critical one first, evidence on one line, ten listed, the rest counted
        let first = s.lines().position(|l| l.contains("bin/b00")).unwrap();
        assert!(s.lines().nth(first).unwrap().contains("critical"));
        assert!(s.contains("no canary line two 0"));
        assert_eq!(s.matches("hardening.weak").count(), TOP);
        assert!(s.contains("... and 2 more"));
        assert!(s.contains("full report (JSON): fw.bin.netvet.json"));
        assert!(!s.contains('\x1b'), "no colour codes when colour is off");
    }

    #[test]
    fn report_file_is_named_after_the_input() {
        assert_eq!(
            default_report_path(std::path::Path::new("/tmp/x/fw.bin")),
            std::path::PathBuf::from("fw.bin.netvet.json")
        );
        assert_eq!(
            default_report_path(std::path::Path::new("/")),
            std::path::PathBuf::from("scan.netvet.json")
        );
    }
}
