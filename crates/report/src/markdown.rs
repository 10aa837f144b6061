//! Markdown output (GitHub / GitLab flavoured) for a merge request or a ticket: the same
//! structure as the HTML page (executive summary, findings by risk with remediation,
//! requirements with what they examined, appendices), with the charts as tables. Every report
//! string is escaped, so evidence from the image cannot inject markup, links or HTML.

use crate::evaluation::{self, SHOWN_PER_GROUP};
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
    let _ = writeln!(
        m,
        "| | |\n|---|---|\n| Image | {} |\n| SHA-256 | {} |\n| Size | {} bytes |\n| Attestation | {} |\n| netvet | {} |\n| Unpacked | {} files, {} layers, {} errors |\n| Findings | {} |\n| Components | {} |\n",
        escape(&report.image.path),
        escape(&report.image.sha256),
        report.image.size,
        evaluation::attestation_digest(report)
            .map(|d| format!("sha256 {}", escape(&d)))
            .unwrap_or_else(|| "not attested".into()),
        escape(&report.netvet_version),
        report.unpack.files,
        report.unpack.layers.len(),
        report.unpack.errors.len(),
        report.findings.len(),
        report.components.len(),
    );

    // 1. executive summary
    m.push_str("## Executive summary\n\n");
    match &report.verdict {
        Some(v) => {
            let icon = match v.result.as_str() {
                "pass" => "✅",
                "conditional" => "⚠️",
                _ => "❌",
            };
            let _ = writeln!(
                m,
                "**Verdict: {icon} {}** (policy {}{})\n",
                v.result.as_str().to_uppercase(),
                escape(&v.policy),
                v.date
                    .as_deref()
                    .map(|d| format!(", judged for {}", escape(d)))
                    .unwrap_or_default()
            );
        }
        None => m.push_str("**Verdict: not judged**\n\n"),
    }
    m.push_str("| Severity | Findings |\n|---|---:|\n");
    for (s, n) in evaluation::severity_counts(report) {
        let _ = writeln!(m, "| {} | {n} |", s.as_str());
    }
    m.push('\n');
    if let Some(v) = report.verdict.as_ref().filter(|v| !v.regimes.is_empty()) {
        m.push_str("### Verdict per regime\n\nA regime not yet applicable at the verdict date is reported, not enforced; *pass* covers only the requirements judged, and partial or documentation requirements pass only with supplied evidence.\n\n");
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
                r.result,
                r.judged,
                r.total,
                counts.join(", ")
            );
        }
        m.push('\n');
    }
    m.push_str("### Top risks\n\n");
    let risks = evaluation::top_risks(report, 5);
    if risks.is_empty() {
        m.push_str("No critical, high or medium finding.\n");
    }
    for (sev, text) in risks {
        let _ = writeln!(m, "- **{}** {}", sev.as_str(), escape(&text));
    }
    m.push_str("\n### Since the previous evaluation\n\n");
    match evaluation::previous(report) {
        None => m.push_str("No previous evaluation of this product is on record.\n\n"),
        Some(c) => {
            let _ = writeln!(
                m,
                "Compared with {} (sha256 {}{}): **{}** new, **{}** resolved, {} unchanged finding(s).\n",
                escape(&c.previous_image),
                escape(c.previous_sha256.get(..16).unwrap_or(&c.previous_sha256)),
                c.previous_verdict
                    .as_deref()
                    .map(|v| format!(", verdict {}", escape(v)))
                    .unwrap_or_default(),
                c.new,
                c.resolved,
                c.unchanged
            );
            for (label, list) in [("New", &c.top_new), ("Resolved", &c.top_resolved)] {
                for b in list {
                    let _ = writeln!(
                        m,
                        "- {label}: **{}** {}: {} {}",
                        b.severity.as_str(),
                        escape(&b.kind),
                        escape(&b.title),
                        escape(b.path.as_deref().unwrap_or(""))
                    );
                }
            }
            m.push('\n');
        }
    }
    m.push_str(&crate::coverage_line(report));

    // 2. findings by risk
    m.push_str("## Findings by risk\n\n");
    if report.findings.is_empty() {
        m.push_str("No findings.\n\n");
    }
    for (sev, groups) in evaluation::by_risk(report) {
        let _ = writeln!(m, "### {}\n", sev.as_str());
        for g in groups {
            let _ = writeln!(m, "#### {} ({})\n", escape(g.kind), g.findings.len());
            if let Some(r) = evaluation::remediation(g.kind) {
                let _ = writeln!(m, "Remediation: {}\n", escape(r));
            }
            let shown = if g.findings.len() <= SHOWN_PER_GROUP + 2 {
                g.findings.len()
            } else {
                SHOWN_PER_GROUP
            };
            m.push_str(
                "| ID | Title | Path @ offset | Evidence | Requirements |\n|---|---|---|---|---|\n",
            );
            for f in g.findings.iter().take(shown) {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} |",
                    escape(&f.id),
                    title(f),
                    path(f),
                    evidence(f),
                    escape(&f.requirements.join(", "))
                );
            }
            if shown < g.findings.len() {
                let _ = writeln!(
                    m,
                    "\n… and {} more: see *All findings*.",
                    g.findings.len() - shown
                );
            }
            m.push('\n');
        }
    }

    // 3. requirements
    if let Some(v) = &report.verdict {
        m.push_str("## Requirements\n\nMethod: *image* is decided by the scan alone, *partial* by the scan and supplied evidence, *documentation* by supplied evidence only. A pass means none of the examined kinds was found in what the scan could open, not that the property is guaranteed.\n\n| Requirement | Title | Source | Method | Status | Examined | Evidence |\n|---|---|---|---|---|---|---|\n");
        for r in &v.requirements {
            let (method, examined, basis) = evaluation::requirement_basis(report, r);
            let ids: Vec<String> = r.findings.iter().map(|f| escape(f)).collect();
            let status = if r.enforced {
                escape(&r.status)
            } else {
                format!("{} (not enforced)", escape(&r.status))
            };
            let _ = writeln!(
                m,
                "| {} | {} | {} | {} | **{}** | {} | {} {} |",
                escape(&r.id),
                escape(&r.title),
                escape(r.source.as_deref().unwrap_or("")),
                escape(&method),
                status,
                escape(&examined),
                escape(&basis),
                ids.join(", ")
            );
        }
        m.push('\n');
    }

    // 4. appendices
    if let Some(summary) = report.summaries.get("hardening") {
        m.push_str("## Appendix: hardening per binary\n\n");
        let props = evaluation::properties(summary);
        if !props.is_empty() {
            m.push_str("| Protection | Have it | Partial | Lack it |\n|---|---:|---:|---:|\n");
            for p in &props {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | **{}** of {} |",
                    p.property,
                    p.good,
                    p.partial,
                    p.bad,
                    p.total()
                );
            }
            m.push('\n');
        }
        let counts = evaluation::file_counts(summary);
        if !counts.is_empty() {
            m.push_str("| Checked | Count |\n|---|---:|\n");
            for (label, n) in counts {
                let _ = writeln!(m, "| {} | {n} |", escape(&label));
            }
            m.push('\n');
        }
        let rows = evaluation::binaries(summary);
        if !rows.is_empty() {
            m.push_str("| Binary | Type |");
            for c in evaluation::MATRIX_COLUMNS {
                let _ = write!(m, " {c} |");
            }
            m.push_str("\n|---|---|---|---|---|---|---|---|\n");
            for b in &rows {
                let _ = write!(
                    m,
                    "| {} | {} {} |",
                    escape(&b.path),
                    escape(&b.elf_type),
                    escape(&b.arch)
                );
                for c in evaluation::matrix_cells(b) {
                    match c {
                        evaluation::Cell::Bad(t) => {
                            let _ = write!(m, " **{t}** |");
                        }
                        other => {
                            let _ = write!(m, " {} |", other.text());
                        }
                    }
                }
                m.push('\n');
            }
            m.push('\n');
        }
    }

    if !report.components.is_empty() {
        m.push_str(
            "## Appendix: components and CVEs\n\n| Name | Version | purl | CVEs |\n|---|---|---|---|\n",
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

    let u = &report.unpack;
    let _ = writeln!(
        m,
        "## Appendix: unpack coverage\n\n{} files, {} bytes, {} layers, {} errors, {} limits reached.\n",
        u.files,
        u.bytes,
        u.layers.len(),
        u.errors.len(),
        u.limits_hit.len()
    );
    if u.unsupported.is_empty() && u.errors.is_empty() && u.limits_hit.is_empty() {
        m.push_str("Nothing could not be opened.\n\n");
    } else {
        m.push_str("| Could not be opened | Offset | Size | Why |\n|---|---|---:|---|\n");
        for x in u.unsupported.iter().take(500) {
            let _ = writeln!(
                m,
                "| {} | {:#x} | {} | {} |",
                escape(&x.path),
                x.offset,
                x.size,
                escape(&x.reason)
            );
        }
        for e in u.errors.iter().take(500) {
            let _ = writeln!(
                m,
                "| {} | {:#x} | | {}\\: {} |",
                escape(&e.path),
                e.offset,
                escape(&e.format),
                escape(&e.error)
            );
        }
        for l in u.limits_hit.iter().take(500) {
            let _ = writeln!(
                m,
                "| {} | | | limit {}\\: {} |",
                escape(&l.path),
                escape(&l.limit),
                escape(&l.detail)
            );
        }
        m.push('\n');
    }

    let _ = writeln!(
        m,
        "## Appendix: all findings ({})\n\n| ID | Severity | Kind | Title | Path @ offset | Evidence |\n|---|---|---|---|---|---|",
        report.findings.len()
    );
    for (_, groups) in evaluation::by_risk(report) {
        for g in groups {
            for f in g.findings {
                let _ = writeln!(
                    m,
                    "| {} | {} | {} | {} | {} | {} |",
                    escape(&f.id),
                    f.severity.as_str(),
                    escape(&f.kind),
                    title(f),
                    path(f),
                    evidence(f)
                );
            }
        }
    }
    m.push('\n');
    Ok(m)
}

fn title(f: &netvet_model::Finding) -> String {
    let mut title = escape(&f.title);
    if let Some(c) = f.cve.as_ref().filter(|c| !f.title.contains(c.as_str())) {
        let _ = write!(title, " {}", escape(c));
    }
    if let Some(c) = &f.component {
        let _ = write!(title, " \\({}\\)", escape(c));
    }
    title
}

/// The evidence text, then the boot command that starts the file and its SHA-256, when known.
fn evidence(f: &netvet_model::Finding) -> String {
    let mut e = escape(&f.evidence);
    if let Some(w) = &f.started_by {
        let _ = write!(e, "<br>started by {}", escape(w));
    }
    if let Some(d) = &f.sha256 {
        let _ = write!(e, "<br>sha256 `{d}`");
    }
    e
}

fn path(f: &netvet_model::Finding) -> String {
    let mut p = escape(f.path.as_deref().unwrap_or(""));
    if let Some(o) = f.offset {
        let _ = write!(p, " @ {o:#x}");
    }
    p
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
