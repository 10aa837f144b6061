//! HTML output: one self-contained page (inline CSS and SVG, no script, no network access).
//!
//! The page has the verdict, the requirement table, findings grouped by kind (most severe
//! first), components with their CVEs, the unpack summary, and two charts drawn as inline SVG:
//! the severity distribution and the hardening coverage per property (from the ELF analyzer's
//! `hardening` summary, when present). Every string from the report is escaped: finding
//! evidence comes from the image, which is attacker-controlled. A Content-Security-Policy
//! forbids scripts and remote loads, so even a missed escape could not run code.
//!
//! Written by hand: a few hundred lines of formatting do not need a template engine, and
//! keeping the escaping in one visible function makes it easy to audit.

use crate::RenderError;
use netvet_model::{Finding, Report, Severity};
use serde_json::Value;
use std::fmt::Write as _;

/// The one HTML escaper of netvet (shared with the lab service and the network report).
pub use netvet_model::html::escape;

/// Findings grouped by kind: groups ordered by their most severe finding, then kind name;
/// findings inside a group by severity (highest first), then id.
pub(crate) fn grouped(report: &Report) -> Vec<(&str, Vec<&Finding>)> {
    let mut groups: Vec<(&str, Vec<&Finding>)> = Vec::new();
    for f in &report.findings {
        match groups.iter_mut().find(|(k, _)| *k == f.kind) {
            Some((_, v)) => v.push(f),
            None => groups.push((f.kind.as_str(), vec![f])),
        }
    }
    for (_, v) in groups.iter_mut() {
        v.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    }
    groups.sort_by(|a, b| {
        let ma = a.1.first().map(|f| f.severity);
        let mb = b.1.first().map(|f| f.severity);
        mb.cmp(&ma).then_with(|| a.0.cmp(b.0))
    });
    groups
}

/// Number of findings per severity, highest first.
pub(crate) fn severity_counts(report: &Report) -> Vec<(Severity, usize)> {
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

/// One row of the hardening coverage chart: property, binaries that have it, binaries checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    pub property: String,
    pub covered: u64,
    pub total: u64,
}

const TOTAL_KEYS: &[&str] = &[
    "binaries",
    "total",
    "files",
    "elf_files",
    "elves",
    "checked",
];
const NEGATIVE_KEYS: &[&str] = &[
    "no", "none", "missing", "false", "disabled", "off", "without",
];

/// Coverage rows from the `hardening` summary. Accepted shapes: an object with a total
/// (`binaries`, `total`, ...) and per-property counts (at the top level or under `properties`
/// / `counts`), where a count is either a number (binaries with the property) or an object of
/// counts per value (`{"full": 3, "partial": 1, "none": 2}`: every value except no / none /
/// missing / ... counts as covered).
pub fn hardening_coverage(summary: &Value) -> Vec<CoverageRow> {
    let Some(obj) = summary.as_object() else {
        return Vec::new();
    };
    let total = TOTAL_KEYS
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_u64));
    let props = ["properties", "counts"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_object))
        .unwrap_or(obj);
    let mut rows = Vec::new();
    for (k, v) in props.iter().take(64) {
        if TOTAL_KEYS.contains(&k.as_str()) {
            continue;
        }
        match v {
            Value::Number(n) => {
                if let (Some(n), Some(t)) = (n.as_u64(), total) {
                    if t > 0 {
                        rows.push(CoverageRow {
                            property: k.clone(),
                            covered: n.min(t),
                            total: t,
                        });
                    }
                }
            }
            Value::Object(m) => {
                let mut t = 0u64;
                let mut bad = 0u64;
                for (vk, vv) in m {
                    let n = vv.as_u64().unwrap_or(0);
                    t = t.saturating_add(n);
                    if NEGATIVE_KEYS.contains(&vk.to_ascii_lowercase().as_str()) {
                        bad = bad.saturating_add(n);
                    }
                }
                if t > 0 {
                    rows.push(CoverageRow {
                        property: k.clone(),
                        covered: t - bad.min(t),
                        total: t,
                    });
                }
            }
            _ => {}
        }
    }
    rows
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#f9a825",
        Severity::Info => "#607d8b",
    }
}

fn severity_chart(report: &Report) -> String {
    let counts = severity_counts(report);
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let (w, bar_h, gap, label_w) = (520.0, 26.0, 10.0, 80.0);
    let h = counts.len() as f64 * (bar_h + gap) + gap;
    let mut s = format!(
        r#"<svg class="chart" id="severity-chart" role="img" aria-label="Findings per severity" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, (sev, n)) in counts.iter().enumerate() {
        let y = gap + i as f64 * (bar_h + gap);
        let bw = (w - label_w - 60.0) * (*n as f64) / (max as f64);
        let _ = write!(
            s,
            r#"<text x="0" y="{ty}" class="lbl">{name}</text><rect x="{label_w}" y="{y}" width="{bw:.1}" height="{bar_h}" fill="{c}" rx="3"/><text x="{tx:.1}" y="{ty}" class="num">{n}</text>"#,
            ty = y + bar_h * 0.7,
            name = sev.as_str(),
            c = sev_color(*sev),
            tx = label_w + bw + 6.0,
        );
    }
    s.push_str("</svg>");
    s
}

fn coverage_chart(rows: &[CoverageRow]) -> String {
    let (w, bar_h, gap, label_w) = (520.0, 22.0, 8.0, 150.0);
    let h = rows.len() as f64 * (bar_h + gap) + gap;
    let mut s = format!(
        r#"<svg class="chart" id="hardening-chart" role="img" aria-label="Hardening coverage per property" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    let full = w - label_w - 110.0;
    for (i, r) in rows.iter().enumerate() {
        let y = gap + i as f64 * (bar_h + gap);
        let frac = if r.total == 0 {
            0.0
        } else {
            r.covered as f64 / r.total as f64
        };
        let _ = write!(
            s,
            r##"<text x="0" y="{ty}" class="lbl">{name}</text><rect x="{label_w}" y="{y}" width="{full}" height="{bar_h}" fill="#e0e0e0" rx="3"/><rect x="{label_w}" y="{y}" width="{bw:.1}" height="{bar_h}" fill="#2e7d32" rx="3"/><text x="{tx}" y="{ty}" class="num">{pct:.0}% ({c}/{t})</text>"##,
            ty = y + bar_h * 0.7,
            name = escape(&r.property),
            bw = full * frac,
            tx = label_w + full + 6.0,
            pct = frac * 100.0,
            c = r.covered,
            t = r.total,
        );
    }
    s.push_str("</svg>");
    s
}

const CSS: &str = r#"
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#212121;background:#fafafa}
header{background:#263238;color:#fff;padding:16px 32px}
header h1{margin:0 0 4px 0;font-size:22px}
header .meta{font-size:13px;color:#cfd8dc;word-break:break-all}
main{padding:16px 32px;max-width:1400px}
section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:12px 20px;margin:16px 0}
h2{font-size:18px;margin:4px 0 12px 0}
h3{font-size:15px;margin:16px 0 6px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
td.ev{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;max-width:520px}
td.path{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.verdict{display:inline-block;font-size:26px;font-weight:700;padding:8px 20px;border-radius:6px;color:#fff}
.verdict-pass{background:#2e7d32}.verdict-conditional{background:#ef6c00}.verdict-fail{background:#c62828}.verdict-none{background:#757575}.verdict-needs-evidence{background:#1565c0}.verdict-not-applicable{background:#757575}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;font-weight:600}
.st-pass{background:#2e7d32}.st-fail{background:#c62828}.st-waived{background:#ef6c00}.st-not-tested{background:#9e9e9e}.st-needs-evidence{background:#1565c0}.st-not-applicable{background:#78909c}.st-conditional{background:#ef6c00}
.sev-critical{background:#7b1fa2}.sev-high{background:#c62828}.sev-medium{background:#ef6c00}.sev-low{background:#f9a825;color:#212121}.sev-info{background:#607d8b}
.charts{display:flex;flex-wrap:wrap;gap:32px}
.chart text{font-size:13px;fill:#212121}
.stats{display:flex;gap:24px;flex-wrap:wrap;margin-top:12px}
.stat{font-size:13px}.stat b{display:block;font-size:22px}
.muted{color:#757575;font-size:13px}
"#;

fn badge(class: &str, text: &str) -> String {
    format!(r#"<span class="badge {class}">{}</span>"#, escape(text))
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut h = String::with_capacity(64 * 1024 + report.findings.len() * 512);
    let title = format!("netvet report: {}", report.image.path);
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>netvet firmware security report</h1>
<div class="meta">Image <b>{}</b> &middot; sha256 {} &middot; {} bytes &middot; netvet {}</div></header>
<main>
"#,
        escape(&title),
        escape(&report.image.path),
        escape(&report.image.sha256),
        report.image.size,
        escape(&report.netvet_version),
    );

    // verdict and key figures
    let (vclass, vtext, policy) = match &report.verdict {
        Some(v) => (
            match v.result.as_str() {
                "pass" => "verdict-pass",
                "conditional" => "verdict-conditional",
                "needs-evidence" => "verdict-needs-evidence",
                "not-applicable" => "verdict-not-applicable",
                _ => "verdict-fail",
            },
            v.result.to_uppercase(),
            v.policy.clone(),
        ),
        None => ("verdict-none", "NOT JUDGED".to_string(), String::new()),
    };
    let _ = write!(
        h,
        r#"<section id="verdict-section"><h2>Verdict</h2><div id="verdict" class="verdict {vclass}" data-verdict="{}">{}</div>"#,
        escape(&vtext.to_lowercase()),
        escape(&vtext)
    );
    if !policy.is_empty() {
        let _ = write!(
            h,
            r#" <span class="muted">policy {}</span>"#,
            escape(&policy)
        );
    }
    let _ = write!(
        h,
        r#"<div class="stats"><div class="stat"><b id="finding-count" data-count="{n}">{n}</b>findings</div>"#,
        n = report.findings.len()
    );
    for (s, n) in severity_counts(report) {
        let _ = write!(h, r#"<div class="stat"><b>{n}</b>{}</div>"#, s.as_str());
    }
    let _ = writeln!(
        h,
        r#"<div class="stat"><b>{}</b>components</div><div class="stat"><b>{}</b>files unpacked</div><div class="stat"><b>{}</b>layers</div></div></section>"#,
        report.components.len(),
        report.unpack.files,
        report.unpack.layers.len()
    );

    // charts
    h.push_str(r#"<section id="charts"><h2>Charts</h2><div class="charts"><div><h3>Findings per severity</h3>"#);
    h.push_str(&severity_chart(report));
    h.push_str("</div><div><h3>Hardening coverage per property</h3>");
    let rows = report
        .summaries
        .get("hardening")
        .map(hardening_coverage)
        .unwrap_or_default();
    if rows.is_empty() {
        h.push_str(r#"<p class="muted">No hardening data in this report.</p>"#);
    } else {
        h.push_str(&coverage_chart(&rows));
    }
    h.push_str("</div></div></section>\n");

    // verdict per regime
    if let Some(v) = report.verdict.as_ref().filter(|v| !v.regimes.is_empty()) {
        h.push_str(r#"<section id="regimes"><h2>Verdict per regime</h2>"#);
        if let Some(d) = &v.date {
            let _ = write!(
                h,
                r#"<p class="muted">Judged for {}. A regime not yet applicable at that date is reported, not enforced. <i>pass</i> covers only the requirements judged; partial and documentation requirements pass only with supplied evidence.</p>"#,
                escape(d)
            );
        }
        h.push_str("<table><thead><tr><th>Regime</th><th>Documents</th><th>Jurisdiction</th><th>Applies from</th><th>Enforced</th><th>Result</th><th>Judged</th><th>Statuses</th></tr></thead><tbody>");
        for r in &v.regimes {
            let counts: Vec<String> = r
                .counts
                .iter()
                .map(|(k, n)| format!("{} {n}", escape(k)))
                .collect();
            let enforced = match (r.enforced, r.in_force) {
                (true, true) => "yes",
                (true, false) => "yes (before it applies, by policy)",
                (false, _) => "no (not yet applicable)",
            };
            let _ = write!(
                h,
                r#"<tr class="regime" data-regime="{id}" data-result="{res}" data-enforced="{en}"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} of {}</td><td>{}</td></tr>"#,
                escape(&r.documents.join("; ")),
                escape(&r.jurisdiction),
                escape(r.applies_from.as_deref().unwrap_or("-")),
                enforced,
                badge(&format!("st-{}", escape(&r.result)), &r.result),
                r.judged,
                r.total,
                counts.join(", "),
                id = escape(&r.regime),
                res = escape(&r.result),
                en = r.enforced,
            );
        }
        h.push_str("</tbody></table></section>\n");
    }

    // requirements
    h.push_str(r#"<section id="requirements"><h2>Requirements</h2>"#);
    match &report.verdict {
        Some(v) => {
            h.push_str("<table><thead><tr><th>Requirement</th><th>Title</th><th>Source</th><th>Method</th><th>Status</th><th>Findings</th><th>Evidence</th></tr></thead><tbody>");
            for r in &v.requirements {
                let links: Vec<String> = r
                    .findings
                    .iter()
                    .map(|id| format!(r##"<a href="#{0}">{0}</a>"##, escape(id)))
                    .collect();
                let note = if r.enforced {
                    String::new()
                } else {
                    format!(
                        r#" <span class="muted">not enforced (applies from {})</span>"#,
                        escape(r.applies_from.as_deref().unwrap_or("?"))
                    )
                };
                let _ = write!(
                    h,
                    r#"<tr class="requirement" data-status="{st}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{note}</td><td>{}</td><td>{}</td></tr>"#,
                    escape(&r.id),
                    escape(&r.title),
                    escape(r.source.as_deref().unwrap_or("")),
                    escape(r.method.as_deref().unwrap_or("image")),
                    badge(&format!("st-{}", escape(&r.status)), &r.status),
                    links.join(" "),
                    escape(r.evidence.as_deref().unwrap_or("")),
                    st = escape(&r.status),
                );
            }
            h.push_str("</tbody></table>");
        }
        None => h.push_str(r#"<p class="muted">The report was not judged against a policy.</p>"#),
    }
    h.push_str("</section>\n");

    // findings
    h.push_str(r#"<section id="findings"><h2>Findings by kind</h2>"#);
    if report.findings.is_empty() {
        h.push_str(r#"<p class="muted">No findings.</p>"#);
    }
    for (kind, fs) in grouped(report) {
        let _ = write!(
            h,
            r#"<h3 class="kind">{} <span class="muted">({})</span></h3><table><thead><tr><th>ID</th><th>Severity</th><th>Title</th><th>Path</th><th>Evidence</th><th>Requirements</th></tr></thead><tbody>"#,
            escape(kind),
            fs.len()
        );
        for f in fs {
            let mut title = escape(&f.title);
            if let Some(c) = f.cve.as_ref().filter(|c| !f.title.contains(c.as_str())) {
                let _ = write!(title, " <b>{}</b>", escape(c));
            }
            if let Some(c) = &f.component {
                let _ = write!(title, r#" <span class="muted">({})</span>"#, escape(c));
            }
            let mut path = escape(f.path.as_deref().unwrap_or(""));
            if let Some(o) = f.offset {
                let _ = write!(path, " @ {o:#x}");
            }
            let _ = write!(
                h,
                r#"<tr class="finding" id="{id}" data-severity="{sev}"><td>{id}</td><td>{}</td><td>{title}</td><td class="path">{path}</td><td class="ev">{}</td><td>{}</td></tr>"#,
                badge(&format!("sev-{}", f.severity.as_str()), f.severity.as_str()),
                escape(&f.evidence),
                escape(&f.requirements.join(", ")),
                id = escape(&f.id),
                sev = f.severity.as_str(),
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");

    // components and CVEs
    let _ = write!(
        h,
        r#"<section id="components"><h2>Components and CVEs <span class="muted">({})</span></h2>"#,
        report.components.len()
    );
    if report.components.is_empty() {
        h.push_str(r#"<p class="muted">No components identified.</p>"#);
    } else {
        h.push_str("<table><thead><tr><th>Name</th><th>Version</th><th>purl</th><th>Paths</th><th>CVEs</th></tr></thead><tbody>");
        for c in &report.components {
            let cves: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.component.as_deref() == Some(c.name.as_str()) && f.cve.is_some())
                .map(|f| {
                    format!(
                        r##"<a href="#{}">{}</a>"##,
                        escape(&f.id),
                        escape(f.cve.as_deref().unwrap_or(""))
                    )
                })
                .collect();
            let paths: Vec<String> = c.paths.iter().take(20).map(|p| escape(p)).collect();
            let _ = write!(
                h,
                r#"<tr class="component"><td>{}</td><td>{}</td><td class="path">{}</td><td class="path">{}</td><td>{}</td></tr>"#,
                escape(&c.name),
                escape(&c.version),
                escape(&c.purl),
                paths.join("<br>"),
                cves.join(" "),
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");

    // unpack summary
    let _ = write!(
        h,
        r#"<section id="unpack"><h2>Unpacking</h2><p>{} files, {} bytes, {} layers, {} errors, {} limits reached.</p>"#,
        report.unpack.files,
        report.unpack.bytes,
        report.unpack.layers.len(),
        report.unpack.errors.len(),
        report.unpack.limits_hit.len()
    );
    let _ = write!(h, "<p>{}</p>", escape(crate::coverage_line(report).trim()));
    if !report.unpack.layers.is_empty() {
        h.push_str("<table><thead><tr><th>Layer</th><th>Format</th><th>Offset</th><th>Size</th></tr></thead><tbody>");
        for l in report.unpack.layers.iter().take(500) {
            let _ = write!(
                h,
                r#"<tr><td class="path">{}</td><td>{}</td><td>{:#x}</td><td>{}</td></tr>"#,
                escape(&l.path),
                escape(&l.format),
                l.offset,
                l.size
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n</main>\n</body>\n</html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("a\u{0}b"), "a\\u{0}b");
    }

    #[test]
    fn hardening_coverage_shapes() {
        let flat = json!({"binaries": 10, "nx": 9, "pie": 4, "canary": 0});
        let rows = hardening_coverage(&flat);
        assert_eq!(rows.len(), 3);
        assert!(rows.contains(&CoverageRow {
            property: "pie".into(),
            covered: 4,
            total: 10
        }));
        let nested =
            json!({"total": 5, "properties": {"relro": {"full": 2, "partial": 1, "none": 2}}});
        assert_eq!(
            hardening_coverage(&nested),
            vec![CoverageRow {
                property: "relro".into(),
                covered: 3,
                total: 5
            }]
        );
        assert!(hardening_coverage(&json!([1, 2])).is_empty());
        assert!(hardening_coverage(&json!({"nx": 3})).is_empty());
    }
}
