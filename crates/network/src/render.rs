//! Network assessment reports: JSON (`netvet.network/1`), Markdown, and a self-contained HTML
//! page with inline SVG charts (vendor share per domain, violations per site).

use crate::assess::{Assessment, DomainStats};
use std::fmt::Write as _;

pub fn json(a: &Assessment) -> String {
    let mut s =
        serde_json::to_string_pretty(a).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn domains_md(out: &mut String, domains: &[DomainStats]) {
    out.push_str(
        "| domain | elements | sites | HHI | vendors (share) |\n|---|---:|---:|---:|---|\n",
    );
    for d in domains {
        let vs: Vec<String> = d
            .vendors
            .iter()
            .map(|v| {
                format!(
                    "{} ({}, {:.1} %)",
                    md_cell(&v.vendor),
                    v.tier.as_str(),
                    v.share * 100.0
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {} |",
            d.domain.as_str(),
            d.elements,
            d.sites,
            d.hhi,
            vs.join(", ")
        );
    }
}

pub fn markdown(a: &Assessment) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Network supplier-risk assessment\n");
    let _ = writeln!(
        o,
        "Inventory `{}`: {} elements, {} sites, {} vendors. Policy `{}`{}.\n",
        md_cell(&a.inventory.path),
        a.inventory.elements,
        a.inventory.sites,
        a.inventory.vendors,
        md_cell(&a.policy),
        a.as_of
            .as_deref()
            .map(|d| format!(", as of {d}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "**Result: {}** ({} violation(s))\n",
        if a.violations.is_empty() {
            "compliant"
        } else {
            "violations found"
        },
        a.violations.len()
    );
    o.push_str("## Domains\n\n");
    domains_md(&mut o, &a.domains);
    if !a.unlisted_vendors.is_empty() {
        let _ = writeln!(
            o,
            "\nVendors without a tier in the policy (default tier applied): {}",
            a.unlisted_vendors
                .iter()
                .map(|v| md_cell(v))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    o.push_str("\n## Violations\n\n");
    if a.violations.is_empty() {
        o.push_str("None.\n");
    } else {
        o.push_str(
            "| rule | domain | vendor | elements | sites | detail |\n|---|---|---|---:|---|---|\n",
        );
        for v in &a.violations {
            let mut sites = v
                .sites
                .iter()
                .take(10)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if v.sites.len() > 10 {
                let _ = write!(sites, ", … ({} sites)", v.sites.len());
            }
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                v.rule,
                v.domain.as_str(),
                md_cell(v.vendor.as_deref().unwrap_or("")),
                v.count,
                md_cell(&sites),
                md_cell(&v.detail)
            );
        }
    }
    if let Some(w) = &a.without {
        let _ = writeln!(o, "\n## Without {}\n", md_cell(&w.vendor));
        let _ = writeln!(o, "{} element(s) to replace.\n", w.total);
        if !w.replace.is_empty() {
            o.push_str("| domain | site | elements |\n|---|---|---:|\n");
            for r in &w.replace {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} |",
                    r.domain.as_str(),
                    md_cell(&r.site),
                    r.count
                );
            }
        }
        o.push_str("\nShares after removal:\n\n");
        domains_md(&mut o, &w.domains_after);
        let _ = writeln!(
            o,
            "\nViolations after removal: {}",
            w.violations_after.len()
        );
        for v in &w.violations_after {
            let _ = writeln!(
                o,
                "- {} ({}): {}",
                v.rule,
                v.domain.as_str(),
                md_cell(&v.detail)
            );
        }
    }
    o
}

/// HTML-escape text (vendor and site names come from the user's files).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f",
];

fn share_chart(domains: &[DomainStats]) -> String {
    let row_h = 34;
    let w = 640;
    let label_w = 110;
    let h = domains.len() * row_h + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Vendor share per domain\">"
    );
    for (i, d) in domains.iter().enumerate() {
        let y = i * row_h + 5;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 18,
            esc(d.domain.as_str())
        );
        let mut x = label_w as f64;
        let span = (w - label_w - 10) as f64;
        for (j, v) in d.vendors.iter().enumerate() {
            let bw = v.share * span;
            let color = if v.tier == crate::Tier::High {
                "#c0392b"
            } else {
                PALETTE[j % PALETTE.len()]
            };
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{bw:.1}\" height=\"24\" fill=\"{color}\"><title>{} ({}): {:.1} %</title></rect>",
                esc(&v.vendor),
                v.tier.as_str(),
                v.share * 100.0
            );
            if bw > 60.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" fill=\"#fff\">{:.0} %</text>",
                    x + 4.0,
                    y + 16,
                    v.share * 100.0
                );
            }
            x += bw;
        }
    }
    s.push_str("</svg>");
    s
}

fn site_chart(a: &Assessment) -> String {
    let mut sites: Vec<(&String, &u64)> = a.violations_per_site.iter().collect();
    sites.sort_by(|x, y| y.1.cmp(x.1).then_with(|| x.0.cmp(y.0)));
    sites.truncate(30);
    let max = sites.iter().map(|s| *s.1).max().unwrap_or(1).max(1);
    let row_h = 22;
    let h = sites.len() * row_h + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"{h}\" role=\"img\" aria-label=\"Violations per site\">"
    );
    for (i, (site, n)) in sites.iter().enumerate() {
        let y = i * row_h + 5;
        let bw = (**n as f64 / max as f64) * 460.0;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><rect x=\"150\" y=\"{y}\" width=\"{bw:.1}\" height=\"16\" fill=\"#e15759\"/><text x=\"{:.1}\" y=\"{}\" font-size=\"11\">{n}</text>",
            y + 13,
            esc(site),
            150.0 + bw + 4.0,
            y + 13
        );
    }
    s.push_str("</svg>");
    s
}

pub fn html(a: &Assessment) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>netvet network assessment</title>");
    o.push_str("<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.bad{color:#c0392b}.ok{color:#27ae60}</style></head><body>");
    let _ = write!(o, "<h1>Network supplier-risk assessment</h1><p>Inventory <code>{}</code>: {} elements, {} sites, {} vendors. Policy <code>{}</code>.</p>",
        esc(&a.inventory.path), a.inventory.elements, a.inventory.sites, a.inventory.vendors, esc(&a.policy));
    let _ = write!(
        o,
        "<p id=\"result\" class=\"{}\"><strong>{}</strong> — <span id=\"violation-count\">{}</span> violation(s)</p>",
        if a.violations.is_empty() { "ok" } else { "bad" },
        if a.violations.is_empty() { "Compliant" } else { "Violations found" },
        a.violations.len()
    );
    o.push_str("<h2>Vendor share per domain</h2>");
    o.push_str(&share_chart(&a.domains));
    o.push_str("<table><tr><th>domain</th><th>elements</th><th>HHI</th><th>vendors</th></tr>");
    for d in &a.domains {
        let vs: Vec<String> = d
            .vendors
            .iter()
            .map(|v| {
                format!(
                    "{} ({}, {:.1} %)",
                    esc(&v.vendor),
                    v.tier.as_str(),
                    v.share * 100.0
                )
            })
            .collect();
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{:.0}</td><td>{}</td></tr>",
            d.domain.as_str(),
            d.elements,
            d.hhi,
            vs.join(", ")
        );
    }
    o.push_str("</table><h2>Violations</h2>");
    if !a.violations_per_site.is_empty() {
        o.push_str("<h3>Violations per site</h3>");
        o.push_str(&site_chart(a));
    }
    o.push_str("<table><tr><th>rule</th><th>domain</th><th>vendor</th><th>elements</th><th>detail</th></tr>");
    for v in &a.violations {
        let _ = write!(
            o,
            "<tr class=\"violation\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&v.rule),
            v.domain.as_str(),
            esc(v.vendor.as_deref().unwrap_or("")),
            v.count,
            esc(&v.detail)
        );
    }
    o.push_str("</table>");
    if let Some(w) = &a.without {
        let _ = write!(
            o,
            "<h2>Without {}</h2><p>{} element(s) to replace.</p>",
            esc(&w.vendor),
            w.total
        );
        o.push_str(&share_chart(&w.domains_after));
        let _ = write!(
            o,
            "<p>Violations after removal: {}</p>",
            w.violations_after.len()
        );
    }
    o.push_str("</body></html>\n");
    o
}
