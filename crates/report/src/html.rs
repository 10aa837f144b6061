//! HTML output: one self-contained page (inline CSS and SVG, no script, no network access),
//! laid out as an evaluation report for a vendor, an operator and a regulator:
//!
//! 1. an executive summary: the verdict overall and per regime, findings per severity as one
//!    stacked bar, the top risks in one sentence each, and what changed since the previous
//!    evaluation of the same product (when the report carries `summaries.previous_evaluation`);
//! 2. findings grouped by risk (severity, then kind), each kind with its remediation line and
//!    its evidence (path, offset, matched bytes or strings); kinds with many findings show the
//!    first few and point at the appendix;
//! 3. requirements, each with its method, what the scan examined and the evidence for its
//!    status (a `pass` says what it covers);
//! 4. appendices: hardening per binary (security properties as good/partial/bad bars, file
//!    counts apart, and a checksec-like matrix), components and CVEs, unpack coverage and the
//!    regions that could not be opened, and every finding.
//!
//! The print style sheet puts every appendix on a new page and, through CSS `@page` margin
//! boxes, the page number, the image digest and the attestation digest on every page: the PDF
//! export ([`crate::pdf`]) prints this same page.
//!
//! Every string from the report is escaped: finding evidence comes from the image, which is
//! attacker-controlled. A Content-Security-Policy forbids scripts and remote loads, so even a
//! missed escape could not run code. Written by hand: a few hundred lines of formatting do not
//! need a template engine, and keeping the escaping in one visible function makes it easy to
//! audit.

use crate::evaluation::{self, PropertyRow, SHOWN_PER_GROUP};
use crate::RenderError;
use netvet_model::{Finding, Report, Severity};
use std::fmt::Write as _;

/// The one HTML escaper of netvet (shared with the lab service and the network report).
pub use netvet_model::html::escape;

/// Keep only hex digits (a digest placed in a CSS string must not be able to end it).
fn hex_only(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_hexdigit)
        .take(128)
        .collect()
}

pub(crate) fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "#7b1fa2",
        Severity::High => "#c62828",
        Severity::Medium => "#ef6c00",
        Severity::Low => "#f9a825",
        Severity::Info => "#607d8b",
    }
}

const GOOD: &str = "#2e7d32";
const PARTIAL: &str = "#f9a825";
const BAD: &str = "#c62828";

/// Findings per severity as one stacked bar with a legend (counts, not lengths, carry the
/// message: every segment is labelled).
fn severity_chart(report: &Report) -> String {
    let counts = evaluation::severity_counts(report);
    let total: usize = counts.iter().map(|(_, n)| *n).sum();
    let (w, bar_h) = (560.0, 28.0);
    let h = bar_h + 34.0;
    let mut s = format!(
        r#"<svg class="chart" id="severity-chart" role="img" aria-label="Findings per severity" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    if total == 0 {
        let _ = write!(
            s,
            r##"<rect x="0" y="0" width="{w}" height="{bar_h}" fill="#e0e0e0" rx="3"/><text x="8" y="19" class="lbl">no findings</text>"##
        );
    }
    let mut x = 0.0;
    for (sev, n) in &counts {
        if *n == 0 || total == 0 {
            continue;
        }
        let bw = w * (*n as f64) / (total as f64);
        let _ = write!(
            s,
            r#"<rect class="seg" data-severity="{name}" data-count="{n}" x="{x:.1}" y="0" width="{bw:.1}" height="{bar_h}" fill="{c}"><title>{name}: {n}</title></rect>"#,
            name = sev.as_str(),
            c = sev_color(*sev),
        );
        if bw >= 22.0 {
            let fg = if *sev == Severity::Low {
                "#212121"
            } else {
                "#fff"
            };
            let _ = write!(
                s,
                r#"<text x="{tx:.1}" y="19" class="num" fill="{fg}" style="fill:{fg}" text-anchor="middle">{n}</text>"#,
                tx = x + bw / 2.0
            );
        }
        x += bw;
    }
    // legend
    let mut lx = 0.0;
    for (sev, n) in &counts {
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="{ly}" width="12" height="12" fill="{c}"/><text x="{tx:.1}" y="{ty}" class="lbl">{name} {n}</text>"#,
            ly = bar_h + 12.0,
            ty = bar_h + 23.0,
            tx = lx + 16.0,
            c = sev_color(*sev),
            name = sev.as_str(),
        );
        lx += 110.0;
    }
    s.push_str("</svg>");
    s
}

/// Security properties as stacked bars: green for binaries that have the property, amber for
/// partial, red for those lacking it; the label says how many lack it.
fn property_chart(rows: &[PropertyRow]) -> String {
    let (w, bar_h, gap, label_w) = (600.0, 22.0, 8.0, 140.0);
    let h = rows.len() as f64 * (bar_h + gap) + gap + 22.0;
    // room on the right for the longest label, "1234 of 1234 lack it (100%)"
    let full = w - label_w - 200.0;
    let mut s = format!(
        r#"<svg class="chart" id="hardening-chart" role="img" aria-label="Binaries with and without each protection" width="{w}" height="{h}" viewBox="0 0 {w} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, r) in rows.iter().enumerate() {
        let y = gap + i as f64 * (bar_h + gap);
        let t = r.total().max(1) as f64;
        let mut x = label_w;
        let _ = write!(
            s,
            r#"<text x="0" y="{ty}" class="lbl">{name}</text>"#,
            ty = y + bar_h * 0.7,
            name = escape(r.property)
        );
        for (n, c, what) in [
            (r.good, GOOD, "have it"),
            (r.partial, PARTIAL, "partial"),
            (r.bad, BAD, "lack it"),
        ] {
            if n == 0 {
                continue;
            }
            let bw = full * n as f64 / t;
            let _ = write!(
                s,
                r#"<rect class="{cls}" data-property="{p}" data-count="{n}" x="{x:.1}" y="{y}" width="{bw:.1}" height="{bar_h}" fill="{c}"><title>{p}: {n} {what}</title></rect>"#,
                cls = match c {
                    GOOD => "good",
                    PARTIAL => "partial",
                    _ => "bad",
                },
                p = escape(r.property),
            );
            x += bw;
        }
        let pct_bad = r.bad as f64 * 100.0 / t;
        let _ = write!(
            s,
            r#"<text x="{tx}" y="{ty}" class="num">{bad} of {tot} lack it ({pct_bad:.0}%)</text>"#,
            tx = label_w + full + 6.0,
            ty = y + bar_h * 0.7,
            bad = r.bad,
            tot = r.total(),
        );
    }
    let ly = rows.len() as f64 * (bar_h + gap) + gap + 12.0;
    let _ = write!(
        s,
        r#"<rect x="{label_w}" y="{ly0}" width="12" height="12" fill="{GOOD}"/><text x="{a}" y="{ly}" class="lbl">has it</text><rect x="{b}" y="{ly0}" width="12" height="12" fill="{PARTIAL}"/><text x="{c}" y="{ly}" class="lbl">partial</text><rect x="{d}" y="{ly0}" width="12" height="12" fill="{BAD}"/><text x="{e}" y="{ly}" class="lbl">lacks it</text>"#,
        ly0 = ly - 10.0,
        a = label_w + 16.0,
        b = label_w + 80.0,
        c = label_w + 96.0,
        d = label_w + 160.0,
        e = label_w + 176.0,
    );
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
h4{font-size:14px;margin:14px 0 4px 0}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
td.ev{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;max-width:520px}
td.path,.path{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
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
.remediation{font-size:13px;margin:2px 0 6px 0;padding:4px 8px;border-left:3px solid #2e7d32;background:#f1f8e9}
.more{font-size:13px;color:#455a64}
ul.risks{margin:4px 0;padding-left:20px;font-size:14px}ul.risks li{margin:3px 0}
.matrix{font-size:12px}.matrix td,.matrix th{padding:2px 6px;white-space:nowrap}
.matrix td.good{color:#1b5e20;background:#e8f5e9}.matrix td.partial{color:#6d4c00;background:#fff8e1}.matrix td.bad{color:#b71c1c;background:#ffebee;font-weight:600}.matrix td.na{color:#757575}
.twocol{display:flex;flex-wrap:wrap;gap:32px}.twocol>div{flex:1 1 420px}
.appendix h2::before{content:"Appendix: ";color:#757575;font-weight:400}
@page{size:A4;margin:14mm 10mm 16mm 10mm}
@media print{
 body{background:#fff;font-size:11px}
 header{background:#fff;color:#000;border-bottom:2px solid #263238;padding:4px 0}
 header .meta{color:#424242}
 main{padding:0;max-width:none}
 section{border:none;padding:0;margin:8px 0}
 .appendix{break-before:page}
 h2,h3,h4{break-after:avoid}
 tr,.remediation{break-inside:avoid}
 thead{display:table-header-group}
 a{color:inherit;text-decoration:none}
 .verdict,.badge,.seg,td.good,td.bad,td.partial{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"#;

/// The `@page` rule with the margin boxes: page number, image digest and attestation digest
/// on every printed page (Chromium 131 and later draw CSS margin boxes).
fn page_css(report: &Report) -> String {
    let image = hex_only(&report.image.sha256);
    let att = match evaluation::attestation_digest(report).map(|d| hex_only(&d)) {
        Some(d) if !d.is_empty() => format!("attestation sha256 {d}"),
        _ => "not attested".to_string(),
    };
    format!(
        r#"@page{{@bottom-left{{content:"image sha256 {image}";font-size:7px;color:#424242}}@bottom-right{{content:"{att}";font-size:7px;color:#424242}}@bottom-center{{content:"page " counter(page) " / " counter(pages);font-size:9px}}@top-center{{content:"netvet evaluation report";font-size:8px;color:#757575}}}}"#
    )
}

fn badge(class: &str, text: &str) -> String {
    format!(r#"<span class="badge {class}">{}</span>"#, escape(text))
}

/// Path with offset, as shown in finding tables.
fn path_cell(f: &Finding) -> String {
    let mut path = escape(f.path.as_deref().unwrap_or(""));
    if let Some(o) = f.offset {
        let _ = write!(path, " @ {o:#x}");
    }
    path
}

/// The evidence text, then the file's SHA-256 and the boot command that starts it, when known.
fn evidence_cell(f: &Finding) -> String {
    let mut cell = escape(&f.evidence);
    if let Some(w) = &f.started_by {
        let _ = write!(
            cell,
            r#"<br><span class="started-by">started by {}</span>"#,
            escape(w)
        );
    }
    if let Some(d) = &f.sha256 {
        let _ = write!(
            cell,
            r#"<br><span class="sha256 muted" title="{d}">sha256 {}…</span>"#,
            escape(d.get(..16).unwrap_or(d)),
            d = escape(d)
        );
    }
    cell
}

fn title_cell(f: &Finding) -> String {
    let mut title = escape(&f.title);
    if let Some(c) = f.cve.as_ref().filter(|c| !f.title.contains(c.as_str())) {
        let _ = write!(title, " <b>{}</b>", escape(c));
    }
    if let Some(c) = &f.component {
        let _ = write!(title, r#" <span class="muted">({})</span>"#, escape(c));
    }
    title
}

fn verdict_badge(report: &Report) -> (String, &'static str, String) {
    match &report.verdict {
        Some(v) => (
            v.result.as_str().to_uppercase(),
            match v.result.as_str() {
                "pass" => "verdict-pass",
                "conditional" => "verdict-conditional",
                "needs-evidence" => "verdict-needs-evidence",
                "not-applicable" => "verdict-not-applicable",
                _ => "verdict-fail",
            },
            v.policy.clone(),
        ),
        None => ("NOT JUDGED".to_string(), "verdict-none", String::new()),
    }
}

fn summary_section(h: &mut String, report: &Report) {
    let (vtext, vclass, policy) = verdict_badge(report);
    let _ = write!(
        h,
        r#"<section id="summary"><h2>Executive summary</h2><div id="verdict" class="verdict {vclass}" data-verdict="{}">{}</div>"#,
        escape(&vtext.to_lowercase()),
        escape(&vtext)
    );
    if !policy.is_empty() {
        let date = report
            .verdict
            .as_ref()
            .and_then(|v| v.date.as_deref())
            .map(|d| format!(", judged for {}", escape(d)))
            .unwrap_or_default();
        let _ = write!(
            h,
            r#" <span class="muted">policy {}{date}</span>"#,
            escape(&policy)
        );
    }
    let _ = write!(
        h,
        r#"<div class="stats"><div class="stat"><b id="finding-count" data-count="{n}">{n}</b>findings</div><div class="stat"><b>{}</b>components</div><div class="stat"><b>{}</b>files unpacked</div><div class="stat"><b>{}</b>layers</div></div>"#,
        report.components.len(),
        report.unpack.files,
        report.unpack.layers.len(),
        n = report.findings.len(),
    );
    h.push_str("<h3>Findings per severity</h3>");
    h.push_str(&severity_chart(report));

    // verdict per regime
    if let Some(v) = report.verdict.as_ref().filter(|v| !v.regimes.is_empty()) {
        h.push_str(r#"<div id="regimes"><h3>Verdict per regime</h3>"#);
        h.push_str(r#"<p class="muted">A regime not yet applicable at the verdict date is reported, not enforced. <i>pass</i> covers only the requirements judged; partial and documentation requirements pass only with supplied evidence.</p>"#);
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
                badge(&format!("st-{}", r.result), r.result.as_str()),
                r.judged,
                r.total,
                counts.join(", "),
                id = escape(&r.regime),
                res = r.result,
                en = r.enforced,
            );
        }
        h.push_str("</tbody></table></div>");
    }

    // top risks
    h.push_str(r#"<div id="top-risks"><h3>Top risks</h3>"#);
    let risks = evaluation::top_risks(report, 5);
    if risks.is_empty() {
        h.push_str(r#"<p class="muted">No critical, high or medium finding.</p>"#);
    } else {
        h.push_str(r#"<ul class="risks">"#);
        for (sev, text) in risks {
            let _ = write!(
                h,
                r#"<li class="risk" data-severity="{s}">{} {}</li>"#,
                badge(&format!("sev-{}", sev.as_str()), sev.as_str()),
                escape(&text),
                s = sev.as_str()
            );
        }
        h.push_str("</ul>");
    }
    h.push_str("</div>");

    // changes since the previous evaluation
    h.push_str(r#"<div id="changes"><h3>Since the previous evaluation</h3>"#);
    match evaluation::previous(report) {
        None => h.push_str(
            r#"<p class="muted">No previous evaluation of this product is on record.</p>"#,
        ),
        Some(c) => {
            let _ = write!(
                h,
                r#"<p data-new="{}" data-resolved="{}">Compared with <span class="path">{}</span> (sha256 {}{}{}): <b>{}</b> new, <b>{}</b> resolved, {} unchanged finding(s).</p>"#,
                c.new,
                c.resolved,
                escape(&c.previous_image),
                escape(c.previous_sha256.get(..16).unwrap_or(&c.previous_sha256)),
                c.previous_verdict
                    .as_deref()
                    .map(|v| format!(", verdict {}", escape(v)))
                    .unwrap_or_default(),
                c.previous_date
                    .as_deref()
                    .map(|d| format!(", judged {}", escape(d)))
                    .unwrap_or_default(),
                c.new,
                c.resolved,
                c.unchanged,
            );
            for (label, list) in [("New", &c.top_new), ("Resolved", &c.top_resolved)] {
                if list.is_empty() {
                    continue;
                }
                let _ = write!(h, r#"<h4>{label}</h4><ul class="risks">"#);
                for b in list {
                    let _ = write!(
                        h,
                        "<li>{} {}: {}{}</li>",
                        badge(&format!("sev-{}", b.severity.as_str()), b.severity.as_str()),
                        escape(&b.kind),
                        escape(&b.title),
                        b.path
                            .as_deref()
                            .map(|p| format!(r#" <span class="path muted">{}</span>"#, escape(p)))
                            .unwrap_or_default()
                    );
                }
                h.push_str("</ul>");
            }
        }
    }
    h.push_str("</div>");
    let _ = write!(
        h,
        r#"<p class="muted">{}</p>"#,
        escape(crate::coverage_line(report).trim())
    );
    h.push_str("</section>\n");
}

fn findings_section(h: &mut String, report: &Report) {
    h.push_str(r#"<section id="findings"><h2>Findings by risk</h2>"#);
    if report.findings.is_empty() {
        h.push_str(r#"<p class="muted">No findings.</p>"#);
    }
    for (sev, groups) in evaluation::by_risk(report) {
        let n: usize = groups.iter().map(|g| g.findings.len()).sum();
        let s = sev.as_str();
        let _ = write!(
            h,
            r#"<h3 class="risk-level" id="risk-{s}">{} <span class="muted">{n} finding(s) in {} kind(s)</span></h3>"#,
            badge(&format!("sev-{s}"), s),
            groups.len(),
        );
        for g in groups {
            let _ = write!(
                h,
                r#"<div class="kind-group" data-kind="{k}" data-severity="{s}" data-count="{n}"><h4 class="kind">{k} <span class="muted">({n})</span></h4>"#,
                k = escape(g.kind),
                s = sev.as_str(),
                n = g.findings.len(),
            );
            if let Some(r) = evaluation::remediation(g.kind) {
                let _ = write!(
                    h,
                    r#"<p class="remediation"><b>Remediation:</b> {}</p>"#,
                    escape(r)
                );
            }
            // a few more than the limit are shown rather than "1 more"
            let shown = if g.findings.len() <= SHOWN_PER_GROUP + 2 {
                g.findings.len()
            } else {
                SHOWN_PER_GROUP
            };
            h.push_str("<table><thead><tr><th>ID</th><th>Title</th><th>Path @ offset</th><th>Evidence</th><th>Requirements</th></tr></thead><tbody>");
            for f in g.findings.iter().take(shown) {
                let _ = write!(
                    h,
                    r##"<tr class="finding" data-id="{id}" data-severity="{sev}"><td><a href="#{id}">{id}</a></td><td>{}</td><td class="path">{}</td><td class="ev">{}</td><td>{}</td></tr>"##,
                    title_cell(f),
                    path_cell(f),
                    evidence_cell(f),
                    escape(&f.requirements.join(", ")),
                    id = escape(&f.id),
                    sev = f.severity.as_str(),
                );
            }
            h.push_str("</tbody></table>");
            if shown < g.findings.len() {
                let _ = write!(
                    h,
                    r##"<p class="more">… and {} more {} finding(s): see <a href="#all-findings">all findings</a>{}.</p>"##,
                    g.findings.len() - shown,
                    escape(g.kind),
                    if g.kind == netvet_model::kinds::HARDENING_WEAK {
                        r##" and the <a href="#appendix-hardening">hardening matrix</a>"##
                    } else {
                        ""
                    }
                );
            }
            h.push_str("</div>");
        }
    }
    h.push_str("</section>\n");
}

fn requirements_section(h: &mut String, report: &Report) {
    h.push_str(r#"<section id="requirements"><h2>Requirements</h2>"#);
    let Some(v) = &report.verdict else {
        h.push_str(r#"<p class="muted">The report was not judged against a policy.</p></section>"#);
        return;
    };
    h.push_str(r#"<p class="muted">Method: <i>image</i> is decided by the scan alone, <i>partial</i> by the scan and supplied evidence, <i>documentation</i> by supplied evidence only. <i>Examined</i> says what a status rests on: a pass means none of the listed kinds was found in what the scan could open, not that the property is guaranteed.</p>"#);
    h.push_str("<table><thead><tr><th>Requirement</th><th>Title</th><th>Source</th><th>Method</th><th>Status</th><th>Examined</th><th>Evidence</th></tr></thead><tbody>");
    for r in &v.requirements {
        let (method, examined, basis) = evaluation::requirement_basis(report, r);
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
            r#"<tr class="requirement" data-id="{id}" data-status="{st}" data-method="{m}"><td>{id}</td><td>{}</td><td>{}</td><td>{m}</td><td>{}{note}</td><td class="examined">{}</td><td class="basis">{}{}</td></tr>"#,
            escape(&r.title),
            escape(r.source.as_deref().unwrap_or("")),
            badge(&format!("st-{}", escape(&r.status)), &r.status),
            escape(&examined),
            escape(&basis),
            if links.is_empty() {
                String::new()
            } else {
                format!(" {}", links.join(" "))
            },
            id = escape(&r.id),
            m = escape(&method),
            st = escape(&r.status),
        );
    }
    h.push_str("</tbody></table></section>\n");
}

fn hardening_appendix(h: &mut String, report: &Report) {
    h.push_str(
        r#"<section id="appendix-hardening" class="appendix"><h2>Hardening per binary</h2>"#,
    );
    let Some(summary) = report.summaries.get("hardening") else {
        h.push_str(r#"<p class="muted">No hardening data in this report.</p></section>"#);
        return;
    };
    let props = evaluation::properties(summary);
    h.push_str(r#"<div class="twocol"><div><h3>Protections</h3>"#);
    if props.is_empty() {
        h.push_str(r#"<p class="muted">No ELF binaries checked.</p>"#);
    } else {
        h.push_str(&property_chart(&props));
    }
    h.push_str(r#"</div><div><h3>What was checked</h3><table id="hardening-counts"><tbody>"#);
    for (label, n) in evaluation::file_counts(summary) {
        let _ = write!(h, "<tr><td>{}</td><td>{n}</td></tr>", escape(&label));
    }
    h.push_str("</tbody></table></div></div>");
    let rows = evaluation::binaries(summary);
    if !rows.is_empty() {
        let _ = write!(
            h,
            r#"<h3>Matrix <span class="muted">({} binaries, most protections missing first)</span></h3><table class="matrix" id="hardening-matrix"><thead><tr><th>Binary</th><th>Type</th>"#,
            rows.len()
        );
        for c in evaluation::MATRIX_COLUMNS {
            let _ = write!(h, "<th>{c}</th>");
        }
        h.push_str("</tr></thead><tbody>");
        for b in &rows {
            let _ = write!(
                h,
                r#"<tr class="binary" data-path="{p}"><td class="path">{p}</td><td>{} {}</td>"#,
                escape(&b.elf_type),
                escape(&b.arch),
                p = escape(&b.path),
            );
            for cell in evaluation::matrix_cells(b) {
                let _ = write!(h, r#"<td class="{}">{}</td>"#, cell.class(), cell.text());
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");
}

fn components_appendix(h: &mut String, report: &Report) {
    let _ = write!(
        h,
        r#"<section id="components" class="appendix"><h2>Components and CVEs <span class="muted">({})</span></h2>"#,
        report.components.len()
    );
    if report.components.is_empty() {
        h.push_str(r#"<p class="muted">No components identified.</p></section>"#);
        return;
    }
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
    h.push_str("</tbody></table></section>\n");
}

fn unpack_appendix(h: &mut String, report: &Report) {
    let u = &report.unpack;
    let _ = write!(
        h,
        r#"<section id="unpack" class="appendix"><h2>Unpack coverage</h2><p>{} files, {} bytes, {} layers, {} errors, {} limits reached.</p>"#,
        u.files,
        u.bytes,
        u.layers.len(),
        u.errors.len(),
        u.limits_hit.len()
    );
    let _ = write!(h, "<p>{}</p>", escape(crate::coverage_line(report).trim()));
    h.push_str(r#"<h3 id="not-opened">What could not be opened</h3>"#);
    if u.unsupported.is_empty() && u.errors.is_empty() && u.limits_hit.is_empty() {
        h.push_str(r#"<p class="muted">Nothing: every region was opened or is plain content.</p>"#);
    } else {
        h.push_str("<table><thead><tr><th>Where</th><th>Offset</th><th>Size</th><th>Why</th></tr></thead><tbody>");
        for x in u.unsupported.iter().take(500) {
            let _ = write!(
                h,
                r#"<tr class="unsupported"><td class="path">{}</td><td>{:#x}</td><td>{}</td><td>{} <span class="muted">(entropy {}, first bytes {})</span></td></tr>"#,
                escape(&x.path),
                x.offset,
                x.size,
                escape(&x.reason),
                escape(&x.entropy),
                escape(x.header.get(..32).unwrap_or(&x.header)),
            );
        }
        for e in u.errors.iter().take(500) {
            let _ = write!(
                h,
                r#"<tr class="unpack-error"><td class="path">{}</td><td>{:#x}</td><td></td><td>{}: {}</td></tr>"#,
                escape(&e.path),
                e.offset,
                escape(&e.format),
                escape(&e.error)
            );
        }
        for l in u.limits_hit.iter().take(500) {
            let _ = write!(
                h,
                r#"<tr class="limit"><td class="path">{}</td><td></td><td></td><td>limit {}: {}</td></tr>"#,
                escape(&l.path),
                escape(&l.limit),
                escape(&l.detail)
            );
        }
        h.push_str("</tbody></table>");
    }
    if !u.layers.is_empty() {
        h.push_str("<h3>Layers</h3><table><thead><tr><th>Layer</th><th>Format</th><th>Offset</th><th>Size</th></tr></thead><tbody>");
        for l in u.layers.iter().take(500) {
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
    h.push_str("</section>\n");
}

fn all_findings_appendix(h: &mut String, report: &Report) {
    let _ = write!(
        h,
        r#"<section id="all-findings" class="appendix"><h2>All findings <span class="muted">({})</span></h2>"#,
        report.findings.len()
    );
    h.push_str("<table><thead><tr><th>ID</th><th>Severity</th><th>Kind</th><th>Title</th><th>Path @ offset</th><th>Evidence</th></tr></thead><tbody>");
    for (_, groups) in evaluation::by_risk(report) {
        for g in groups {
            for f in g.findings {
                let _ = write!(
                    h,
                    r#"<tr class="finding-all" id="{id}" data-severity="{sev}"><td>{id}</td><td>{}</td><td>{}</td><td>{}</td><td class="path">{}</td><td class="ev">{}</td></tr>"#,
                    badge(&format!("sev-{}", f.severity.as_str()), f.severity.as_str()),
                    escape(&f.kind),
                    title_cell(f),
                    path_cell(f),
                    evidence_cell(f),
                    id = escape(&f.id),
                    sev = f.severity.as_str(),
                );
            }
        }
    }
    h.push_str("</tbody></table></section>\n");
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    let mut h = String::with_capacity(64 * 1024 + report.findings.len() * 1024);
    let title = format!("netvet report: {}", report.image.path);
    let attested = match evaluation::attestation_digest(report) {
        Some(d) => format!("attestation sha256 {}", escape(&d)),
        None => "not attested".to_string(),
    };
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{}</title>
<style>{CSS}{}</style>
</head>
<body>
<header><h1>netvet firmware security report</h1>
<div class="meta">Image <b>{}</b> &middot; sha256 <span id="image-sha256">{}</span> &middot; {} bytes &middot; <span id="attestation">{attested}</span> &middot; netvet {}</div></header>
<main>
"#,
        escape(&title),
        page_css(report),
        escape(&report.image.path),
        escape(&report.image.sha256),
        report.image.size,
        escape(&report.netvet_version),
    );
    summary_section(&mut h, report);
    findings_section(&mut h, report);
    requirements_section(&mut h, report);
    hardening_appendix(&mut h, report);
    components_appendix(&mut h, report);
    unpack_appendix(&mut h, report);
    all_findings_appendix(&mut h, report);
    h.push_str("</main>\n</body>\n</html>\n");
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("a\u{0}b"), "a\\u{0}b");
    }

    #[test]
    fn digests_in_css_are_hex_only() {
        assert_eq!(hex_only("ab\"}c0;x"), "abc0");
    }
}
