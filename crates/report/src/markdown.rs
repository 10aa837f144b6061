//! Markdown output (GitHub / GitLab flavoured) for a merge request or a ticket: the same
//! content as the HTML page, with the charts as tables. Every report string is escaped, so
//! evidence from the image cannot inject markup, links or HTML.

use crate::html::{grouped, hardening_coverage, severity_counts};
use crate::RenderError;
use netvet_model::Report;
use std::fmt::Write as _;

/// Longest evidence shown in a table cell (characters).
const MAX_CELL: usize = 400;

/// Escape text for a Markdown table cell: ASCII punctuation that Markdown interprets is
/// backslash-escaped, `<`, `>` and `&` become entities (no raw HTML), newlines become spaces.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        if i >= MAX_CELL {
            out.push('…');
            break;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~'
            | ':' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut m = String::with_capacity(16 * 1024 + report.findings.len() * 256);
    let _ = writeln!(m, "# netvet report: {}\n", escape(&report.image.path));
    match &report.verdict {
        Some(v) => {
            let icon = match v.result.as_str() {
                "pass" => "✅",
                "conditional" => "⚠️",
                _ => "❌",
            };
            let _ = writeln!(
                m,
                "**Verdict: {icon} {}** (policy {})\n",
                escape(&v.result.to_uppercase()),
                escape(&v.policy)
            );
        }
        None => m.push_str("**Verdict: not judged**\n\n"),
    }
    let _ = writeln!(
        m,
        "| | |\n|---|---|\n| Image | {} |\n| SHA-256 | {} |\n| Size | {} bytes |\n| netvet | {} |\n| Unpacked | {} files, {} layers, {} errors |\n| Findings | {} |\n| Components | {} |\n",
        escape(&report.image.path),
        escape(&report.image.sha256),
        report.image.size,
        escape(&report.netvet_version),
        report.unpack.files,
        report.unpack.layers.len(),
        report.unpack.errors.len(),
        report.findings.len(),
        report.components.len(),
    );

    m.push_str(&crate::coverage_line(report));
    m.push_str("## Findings per severity\n\n| Severity | Findings |\n|---|---:|\n");
    for (s, n) in severity_counts(report) {
        let _ = writeln!(m, "| {} | {n} |", s.as_str());
    }
    m.push('\n');

    if let Some(rows) = report.summaries.get("hardening").map(hardening_coverage) {
        if !rows.is_empty() {
            m.push_str("## Hardening coverage\n\n| Property | Binaries with it | Coverage |\n|---|---:|---:|\n");
            for r in rows {
                let pct = if r.total == 0 {
                    0.0
                } else {
                    r.covered as f64 * 100.0 / r.total as f64
                };
                let _ = writeln!(
                    m,
                    "| {} | {}/{} | {pct:.0}% |",
                    escape(&r.property),
                    r.covered,
                    r.total
                );
            }
            m.push('\n');
        }
    }

    if let Some(v) = report.verdict.as_ref().filter(|v| !v.regimes.is_empty()) {
        m.push_str("## Verdict per regime\n\n");
        if let Some(d) = &v.date {
            let _ = writeln!(
                m,
                "Judged for {}. A regime not yet applicable at that date is reported, not enforced; *pass* covers only the requirements judged, and partial or documentation requirements pass only with supplied evidence.\n",
                escape(d)
            );
        }
        m.push_str("| Regime | Documents | Applies from | Enforced | Result | Judged | Statuses |\n|---|---|---|---|---|---|---|\n");
        for r in &v.regimes {
            let counts: Vec<String> = r
                .counts
                .iter()
                .map(|(k, n)| format!("{} {n}", escape(k)))
                .collect();
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | **{}** | {} of {} | {} |",
                escape(&r.regime),
                escape(&r.documents.join("; ")),
                escape(r.applies_from.as_deref().unwrap_or("-")),
                if r.enforced {
                    "yes"
                } else {
                    "no (not yet applicable)"
                },
                escape(&r.result),
                r.judged,
                r.total,
                counts.join(", ")
            );
        }
        m.push('\n');
    }

    if let Some(v) = &report.verdict {
        m.push_str("## Requirements\n\n| Requirement | Title | Source | Method | Status | Findings | Evidence |\n|---|---|---|---|---|---|---|\n");
        for r in &v.requirements {
            let ids: Vec<String> = r.findings.iter().map(|f| escape(f)).collect();
            let status = if r.enforced {
                escape(&r.status)
            } else {
                format!("{} (not enforced)", escape(&r.status))
            };
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | **{}** | {} | {} |",
                escape(&r.id),
                escape(&r.title),
                escape(r.source.as_deref().unwrap_or("")),
                escape(r.method.as_deref().unwrap_or("image")),
                status,
                ids.join(", "),
                escape(r.evidence.as_deref().unwrap_or(""))
            );
        }
        m.push('\n');
    }

    m.push_str("## Findings by kind\n\n");
    if report.findings.is_empty() {
        m.push_str("No findings.\n\n");
    }
    for (kind, fs) in grouped(report) {
        let _ = writeln!(
            m,
            "### {} ({})\n\n| ID | Severity | Title | Path | Evidence | Requirements |\n|---|---|---|---|---|---|",
            escape(kind),
            fs.len()
        );
        for f in fs {
            let mut title = escape(&f.title);
            if let Some(c) = f.cve.as_ref().filter(|c| !f.title.contains(c.as_str())) {
                let _ = write!(title, " {}", escape(c));
            }
            if let Some(c) = &f.component {
                let _ = write!(title, " \\({}\\)", escape(c));
            }
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | {} | {} |",
                escape(&f.id),
                f.severity.as_str(),
                title,
                escape(f.path.as_deref().unwrap_or("")),
                escape(&f.evidence),
                escape(&f.requirements.join(", "))
            );
        }
        m.push('\n');
    }

    if !report.components.is_empty() {
        m.push_str(
            "## Components and CVEs\n\n| Name | Version | purl | CVEs |\n|---|---|---|---|\n",
        );
        for c in &report.components {
            let cves: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.component.as_deref() == Some(c.name.as_str()))
                .filter_map(|f| f.cve.as_deref().map(escape))
                .collect();
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} |",
                escape(&c.name),
                escape(&c.version),
                escape(&c.purl),
                cves.join(", ")
            );
        }
        m.push('\n');
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(
            escape("<script>x</script>"),
            "&lt;script&gt;x&lt;/script&gt;"
        );
        assert_eq!(escape("[link](http://x)"), "\\[link\\]\\(http\\://x\\)");
        assert_eq!(escape("line1\nline2"), "line1 line2");
        assert_eq!(escape(&"x".repeat(500)).chars().count(), MAX_CELL + 1);
    }
}
