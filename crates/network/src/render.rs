//! Network assessment reports: JSON (`netvet.network/1`), Markdown, and a self-contained HTML
//! page with inline SVG charts (vendor share per domain, violations per site).

use crate::assess::{Assessment, DomainStats};
use crate::history::Progress;
use crate::policy::parse_date;
// vendor and site names come from the user's files
use netvet_model::html::escape;
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
    progress_md(&mut o, a);
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

/// The sites (the first eight, then a count) and the vendor shares after a plan's quarter, as
/// two comma-separated cells, each name passed through `escape` (Markdown or HTML).
fn quarter_cells(q: &crate::history::PlanQuarter, escape: fn(&str) -> String) -> (String, String) {
    let mut sites: Vec<String> = q
        .sites
        .iter()
        .take(8)
        .map(|s| format!("{} ({})", escape(&s.site), s.count))
        .collect();
    if q.sites.len() > 8 {
        sites.push(format!("… ({} sites)", q.sites.len()));
    }
    let shares: Vec<String> = q
        .shares_after
        .iter()
        .map(|v| format!("{} {:.1} %", escape(&v.vendor), v.share * 100.0))
        .collect();
    (sites.join(", "), shares.join(", "))
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
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"shares\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Vendor share per domain\">"
    );
    for (i, d) in domains.iter().enumerate() {
        let y = i * row_h + 5;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>",
            y + 18,
            escape(d.domain.as_str())
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
                "<rect class=\"share\" data-domain=\"{}\" data-vendor=\"{}\" data-share=\"{}\" x=\"{x:.2}\" y=\"{y}\" width=\"{bw:.2}\" height=\"24\" fill=\"{color}\"><title>{} ({}): {:.1} %</title></rect>",
                d.domain.as_str(),
                escape(&v.vendor),
                v.share,
                escape(&v.vendor),
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
            escape(site),
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
        escape(&a.inventory.path), a.inventory.elements, a.inventory.sites, a.inventory.vendors, escape(&a.policy));
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
                    escape(&v.vendor),
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
            escape(&v.rule),
            v.domain.as_str(),
            escape(v.vendor.as_deref().unwrap_or("")),
            v.count,
            escape(&v.detail)
        );
    }
    o.push_str("</table>");
    progress_html(&mut o, a);
    if let Some(w) = &a.without {
        let _ = write!(
            o,
            "<h2>Without {}</h2><p>{} element(s) to replace.</p>",
            escape(&w.vendor),
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

/// A figure as text: a share in percent, a count as an integer.
fn figure(p: &Progress, v: f64) -> String {
    if p.unit == "share" {
        format!("{:.1} %", v * 100.0)
    } else {
        format!("{v:.0}")
    }
}

fn progress_md(o: &mut String, a: &Assessment) {
    if !a.progress.is_empty() {
        o.push_str("\n## Progress toward deadlines\n\n");
        o.push_str("| rule | domain | vendor | deadline | figure per date | rate per year | projected | on track |\n|---|---|---|---|---|---:|---|---|\n");
        for p in &a.progress {
            let fig: Vec<String> = p
                .series
                .iter()
                .map(|x| format!("{}: {}", x.date, figure(p, x.value)))
                .collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                p.rule,
                p.domain.as_str(),
                md_cell(p.vendor.as_deref().unwrap_or("")),
                p.deadline,
                fig.join(", "),
                p.removal_rate
                    .map(|r| if p.unit == "share" {
                        format!("{:.2} points", r * 100.0)
                    } else {
                        format!("{r:.1}")
                    })
                    .unwrap_or_else(|| "–".into()),
                p.projected.as_deref().unwrap_or("no progress"),
                if p.on_track { "yes" } else { "**no**" }
            );
        }
    }
    for pl in &a.plan {
        let _ = writeln!(
            o,
            "\n### Replacement plan: {} in {}{} by {}{}\n",
            pl.rule,
            pl.domain.as_str(),
            pl.vendor
                .as_deref()
                .map(|v| format!(", {}", md_cell(v)))
                .unwrap_or_default(),
            pl.deadline,
            if pl.overdue { " (overdue)" } else { "" }
        );
        if let Some(n) = &pl.note {
            let _ = writeln!(o, "{}", md_cell(n));
            continue;
        }
        let _ = writeln!(o, "{} element(s) must go.\n", pl.total);
        o.push_str(
            "| quarter | by | elements | sites | vendor shares after |\n|---|---|---:|---|---|\n",
        );
        for q in &pl.quarters {
            let (sites, shares) = quarter_cells(q, md_cell);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                q.quarter, q.by, q.count, sites, shares
            );
        }
    }
    if let Some(h) = &a.history {
        o.push_str("\n## Changes between inventories\n\n");
        o.push_str("| from | to | added | removed | swapped | sites changed |\n|---|---|---:|---:|---:|---:|\n");
        for c in &h.changes {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} |",
                c.from, c.to, c.added, c.removed, c.swapped, c.sites_changed
            );
        }
        for c in &h.changes {
            if c.by_vendor.is_empty() {
                continue;
            }
            let _ = writeln!(o, "\n{} → {} per vendor:\n", c.from, c.to);
            o.push_str("| vendor | added | removed | swapped in | swapped out |\n|---|---:|---:|---:|---:|\n");
            for (v, t) in &c.by_vendor {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    md_cell(v),
                    t.added,
                    t.removed,
                    t.swapped_in,
                    t.swapped_out
                );
            }
        }
    }
}

/// Days since the Julian epoch of a date, for chart positions.
fn day(date: &str) -> Option<f64> {
    parse_date(date).map(|d| d.to_julian_day() as f64)
}

/// The figure of one dated rule over time: the series, the target, the deadline and the
/// projection at the observed rate. Elements carry classes and `data-*` attributes so that a
/// browser test can check the geometry.
fn progress_chart(p: &Progress) -> String {
    let (w, h) = (640.0, 220.0);
    let (left, right, top, bottom) = (70.0, 20.0, 20.0, 40.0);
    let days: Vec<f64> = p.series.iter().filter_map(|x| day(&x.date)).collect();
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return String::new();
    };
    let deadline = day(&p.deadline).unwrap_or(last);
    let projected = p.projected.as_deref().and_then(day);
    let base_end = deadline.max(last);
    // a projection far past the deadline is drawn up to the chart's end, not to scale
    let span_cap = base_end + (base_end - first).max(90.0);
    let x_end = projected.map_or(base_end, |d| d.max(base_end).min(span_cap));
    let x_start = first.min(deadline);
    let xr = (x_end - x_start).max(1.0);
    let x = |d: f64| left + (d - x_start) / xr * (w - left - right);
    let vmax = p
        .series
        .iter()
        .map(|s| s.value)
        .fold(p.target, f64::max)
        .max(if p.unit == "share" { 0.01 } else { 1.0 })
        * 1.1;
    let y = |v: f64| top + (1.0 - v / vmax) * (h - top - bottom);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"progress\" width=\"{w}\" height=\"{h}\" role=\"img\" data-rule=\"{}\" data-domain=\"{}\" data-vendor=\"{}\" data-on-track=\"{}\" aria-label=\"{} in {} over time\">",
        escape(&p.rule),
        p.domain.as_str(),
        escape(p.vendor.as_deref().unwrap_or("")),
        p.on_track,
        escape(&p.rule),
        p.domain.as_str()
    );
    // axes and labels
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{:.1}\" stroke=\"#888\"/><line x1=\"{left}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#888\"/>",
        h - bottom,
        h - bottom,
        w - right,
        h - bottom
    );
    let _ = write!(
        s,
        "<text x=\"4\" y=\"{:.1}\" font-size=\"11\">{}</text><text x=\"4\" y=\"{:.1}\" font-size=\"11\">0</text>",
        top + 10.0,
        figure(p, vmax / 1.1),
        h - bottom
    );
    // target
    let _ = write!(
        s,
        "<line class=\"target\" data-value=\"{}\" x1=\"{left}\" y1=\"{ty:.1}\" x2=\"{:.1}\" y2=\"{ty:.1}\" stroke=\"#27ae60\" stroke-dasharray=\"2 3\"><title>target {}</title></line>",
        p.target,
        w - right,
        figure(p, p.target),
        ty = y(p.target)
    );
    // deadline
    let dx = x(deadline);
    let _ = write!(
        s,
        "<line class=\"deadline\" data-date=\"{}\" x1=\"{dx:.1}\" y1=\"{top}\" x2=\"{dx:.1}\" y2=\"{:.1}\" stroke=\"#c0392b\" stroke-width=\"2\"><title>deadline {}</title></line><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#c0392b\" text-anchor=\"end\">deadline {}</text>",
        escape(&p.deadline),
        h - bottom,
        escape(&p.deadline),
        dx.max(left + 110.0),
        h - bottom + 28.0,
        escape(&p.deadline)
    );
    // series
    let pts: Vec<String> = p
        .series
        .iter()
        .filter_map(|pt| Some(format!("{:.1},{:.1}", x(day(&pt.date)?), y(pt.value))))
        .collect();
    let _ = write!(
        s,
        "<polyline class=\"series\" points=\"{}\" fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"2\"/>",
        pts.join(" ")
    );
    for pt in &p.series {
        let Some(d) = day(&pt.date) else { continue };
        let _ = write!(
            s,
            "<circle class=\"point\" data-date=\"{}\" data-value=\"{}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"#4e79a7\"><title>{}: {}</title></circle>",
            escape(&pt.date),
            pt.value,
            x(d),
            y(pt.value),
            escape(&pt.date),
            figure(p, pt.value)
        );
    }
    if let Some(first_x) = days.first() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\">{}</text>",
            x(*first_x),
            h - bottom + 14.0,
            escape(&p.series[0].date)
        );
    }
    // projection from the current figure to the target at the observed rate
    if let (Some(pd), false) = (projected, p.holds) {
        let lv = p.series.last().map_or(0.0, |s| s.value);
        let (ex, ev) = if pd <= x_end {
            (pd, p.target)
        } else {
            // clipped at the chart's end: the value reached there on the same line
            (x_end, lv + (p.target - lv) * (x_end - last) / (pd - last))
        };
        let _ = write!(
            s,
            "<line class=\"projection\" data-date=\"{}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#f28e2b\" stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>projected {}</title></line><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#b35900\">projected {}</text>",
            escape(p.projected.as_deref().unwrap_or("")),
            x(last),
            y(lv),
            x(ex),
            y(ev),
            escape(p.projected.as_deref().unwrap_or("")),
            (x(ex) - 120.0).max(left),
            (y(ev) - 6.0).max(top + 10.0),
            escape(p.projected.as_deref().unwrap_or(""))
        );
    }
    s.push_str("</svg>");
    s
}

/// Vendor shares of one domain at every date: one stacked bar per date.
fn shares_over_time(a: &Assessment, domain: &str) -> String {
    let Some(h) = &a.history else {
        return String::new();
    };
    let rows: Vec<_> = h
        .shares
        .iter()
        .filter_map(|d| d.domains.get(domain).map(|v| (&d.date, v)))
        .collect();
    let (w, row_h, label_w) = (640.0, 26.0, 100.0);
    let span = w - label_w - 10.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"shares-over-time\" data-domain=\"{}\" width=\"{w}\" height=\"{:.0}\" role=\"img\" aria-label=\"Vendor shares in {} per date\">",
        escape(domain),
        rows.len() as f64 * row_h + 6.0,
        escape(domain)
    );
    // one colour per vendor in every row
    let mut names: Vec<&str> = rows
        .iter()
        .flat_map(|(_, vs)| vs.iter().map(|v| v.vendor.as_str()))
        .collect();
    names.sort();
    names.dedup();
    for (i, (date, vs)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 3.0;
        let _ = write!(
            s,
            "<g class=\"date\" data-date=\"{}\"><text x=\"0\" y=\"{:.1}\" font-size=\"12\">{}</text>",
            escape(date),
            y + 15.0,
            escape(date)
        );
        let mut x = label_w;
        for v in vs.iter() {
            let bw = v.share * span;
            let j = names.binary_search(&v.vendor.as_str()).unwrap_or(0);
            let color = if v.tier == crate::Tier::High {
                "#c0392b"
            } else {
                PALETTE[j % PALETTE.len()]
            };
            let _ = write!(
                s,
                "<rect class=\"share\" data-vendor=\"{}\" data-share=\"{}\" x=\"{x:.2}\" y=\"{y:.1}\" width=\"{bw:.2}\" height=\"20\" fill=\"{color}\"><title>{}: {:.1} %</title></rect>",
                escape(&v.vendor),
                v.share,
                escape(&v.vendor),
                v.share * 100.0
            );
            x += bw;
        }
        s.push_str("</g>");
    }
    s.push_str("</svg>");
    s
}

fn progress_html(o: &mut String, a: &Assessment) {
    if !a.progress.is_empty() {
        o.push_str("<h2>Progress toward deadlines</h2><table id=\"progress\"><tr><th>rule</th><th>domain</th><th>vendor</th><th>deadline</th><th>now</th><th>rate per year</th><th>projected</th><th>on track</th></tr>");
        for p in &a.progress {
            let now = p.series.last().map_or(0.0, |x| x.value);
            let _ = write!(
                o,
                "<tr class=\"progress-row\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td></tr>",
                escape(&p.rule),
                p.domain.as_str(),
                escape(p.vendor.as_deref().unwrap_or("")),
                escape(&p.deadline),
                figure(p, now),
                p.removal_rate.map(|r| format!("{r:.4}")).unwrap_or_else(|| "–".into()),
                escape(p.projected.as_deref().unwrap_or("no progress")),
                if p.on_track { "ok" } else { "bad" },
                if p.on_track { "yes" } else { "no" }
            );
        }
        o.push_str("</table>");
        for p in &a.progress {
            let _ = write!(
                o,
                "<h3>{} in {}{} (deadline {})</h3>",
                escape(&p.rule),
                p.domain.as_str(),
                p.vendor
                    .as_deref()
                    .map(|v| format!(", {}", escape(v)))
                    .unwrap_or_default(),
                escape(&p.deadline)
            );
            o.push_str(&progress_chart(p));
        }
    }
    if let Some(h) = &a.history {
        o.push_str("<h2>Vendor share per domain over time</h2>");
        let mut domains: Vec<&String> = h.shares.iter().flat_map(|d| d.domains.keys()).collect();
        domains.sort();
        domains.dedup();
        for d in domains {
            let _ = write!(o, "<h3>{}</h3>", escape(d));
            o.push_str(&shares_over_time(a, d));
        }
        o.push_str("<h2>Changes between inventories</h2><table id=\"changes\"><tr><th>from</th><th>to</th><th>added</th><th>removed</th><th>swapped</th><th>sites changed</th></tr>");
        for c in &h.changes {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&c.from),
                escape(&c.to),
                c.added,
                c.removed,
                c.swapped,
                c.sites_changed
            );
        }
        o.push_str("</table>");
    }
    for pl in &a.plan {
        let _ = write!(
            o,
            "<h2>Replacement plan: {} in {}{}</h2><p>Deadline {}{}. {} element(s) must go.{}</p>",
            escape(&pl.rule),
            pl.domain.as_str(),
            pl.vendor
                .as_deref()
                .map(|v| format!(", {}", escape(v)))
                .unwrap_or_default(),
            escape(&pl.deadline),
            if pl.overdue { " (overdue)" } else { "" },
            pl.total,
            pl.note
                .as_deref()
                .map(|n| format!(" {}", escape(n)))
                .unwrap_or_default()
        );
        if pl.quarters.is_empty() {
            continue;
        }
        o.push_str("<table class=\"plan\"><tr><th>quarter</th><th>by</th><th>elements</th><th>sites</th><th>shares after</th></tr>");
        for q in &pl.quarters {
            let (sites, shares) = quarter_cells(q, escape);
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&q.quarter),
                escape(&q.by),
                q.count,
                sites,
                shares
            );
        }
        o.push_str("</table>");
    }
}
