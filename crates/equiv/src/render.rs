//! Markdown renderings of equivalence and release-diff reports (JSON is their serialization).

use crate::diff::ReleaseDiff;
use crate::equiv::{EquivReport, FileStatus};
use std::fmt::Write as _;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn equiv_markdown(r: &EquivReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Binary equivalence: {:?}\n", r.verdict);
    let _ = writeln!(o, "- A: `{}` (sha256 `{}`)", cell(&r.a.path), r.a.sha256);
    let _ = writeln!(o, "- B: `{}` (sha256 `{}`)\n", cell(&r.b.path), r.b.sha256);
    let s = &r.summary;
    let _ = writeln!(
        o,
        "{} entries compared: {} identical, {} metadata-only, {} different; {} only in A, {} only in B.\n",
        s.compared, s.identical, s.metadata_only, s.different, s.only_in_a, s.only_in_b
    );
    if !r.normalizations.is_empty() {
        o.push_str("Normalizations (differences that do not change behaviour):\n\n");
        for n in &r.normalizations {
            let _ = writeln!(o, "- {}", cell(n));
        }
        o.push('\n');
    }
    let diffs: Vec<_> = r
        .files
        .iter()
        .filter(|f| f.status != FileStatus::MetadataOnly)
        .collect();
    if !diffs.is_empty() {
        o.push_str(
            "| path | status | what differs | bytes A | bytes B |\n|---|---|---|---:|---:|\n",
        );
        for f in diffs {
            let mut what = f.reasons.join(", ");
            for sd in f
                .sections
                .iter()
                .filter(|s| !s.class.is_metadata() && !s.timestamps_only)
            {
                let _ = write!(what, "; {} ({} bytes)", sd.name, sd.differing_bytes);
            }
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                cell(&f.path),
                serde_json::to_value(f.status)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                cell(&what),
                f.bytes_a,
                f.bytes_b
            );
        }
    }
    o
}

pub fn diff_markdown(d: &ReleaseDiff) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Release diff\n\n- old: `{}`\n- new: `{}`\n",
        cell(&d.old.path),
        cell(&d.new.path)
    );
    // behaviour first: what an update adds that can reach or be reached from the network
    let b = &d.behaviour;
    for (title, c) in [
        ("New listeners", &b.listeners),
        ("New connect-back clients", &b.connect_back),
        ("Boot entries", &b.boot_entries),
        ("Suspicious boot paths", &b.boot_findings),
        ("Accounts", &d.accounts),
        ("Keys and certificates", &d.keys),
        ("Image integrity", &b.integrity),
        ("Network indicators", &b.indicators),
    ] {
        let _ = writeln!(
            o,
            "## {title}\n\n{} added, {} removed.\n",
            c.added.len(),
            c.removed.len()
        );
        for x in &c.added {
            let _ = writeln!(o, "- + {}", cell(x));
        }
        for x in &c.removed {
            let _ = writeln!(o, "- - {}", cell(x));
        }
        o.push('\n');
    }
    o.push_str("## Components\n\n");
    for c in &d.components.upgraded {
        let _ = writeln!(o, "- upgraded {} {} -> {}", c.name, c.from, c.to);
    }
    for c in &d.components.downgraded {
        let _ = writeln!(o, "- **downgraded** {} {} -> {}", c.name, c.from, c.to);
    }
    for c in &d.components.added {
        let _ = writeln!(o, "- added {} {}", c.name, c.version);
    }
    for c in &d.components.removed {
        let _ = writeln!(o, "- removed {} {}", c.name, c.version);
    }
    let _ = writeln!(
        o,
        "\n## Findings\n\n{} new, {} fixed.\n",
        d.findings.added.len(),
        d.findings.removed.len()
    );
    for f in &d.findings.added {
        let _ = writeln!(
            o,
            "- new {} `{}` {} ({})",
            f.severity,
            f.kind,
            cell(&f.title),
            cell(f.path.as_deref().unwrap_or(""))
        );
    }
    for f in &d.findings.removed {
        let _ = writeln!(o, "- fixed {} `{}` {}", f.severity, f.kind, cell(&f.title));
    }
    for (title, c) in [("CVEs", &d.cves), ("Services", &d.services)] {
        let _ = writeln!(
            o,
            "\n## {title}\n\n{} added/introduced, {} removed/fixed.\n",
            c.added.len(),
            c.removed.len()
        );
        for x in &c.added {
            let _ = writeln!(o, "- + {}", cell(x));
        }
        for x in &c.removed {
            let _ = writeln!(o, "- - {}", cell(x));
        }
    }
    let _ = writeln!(
        o,
        "\n## Files\n\n{} added, {} removed, {} changed.",
        d.files.added, d.files.removed, d.files.changed
    );
    o
}
