//! `netvet equiv` and `netvet diff`: the scan engine's typed comparisons, rendered.

use netvet_scan::Scanner;
use netvet_unpack::Unpacker;
use std::path::Path;

fn check_format(format: &str) -> anyhow::Result<()> {
    if !matches!(format, "json" | "md" | "markdown") {
        anyhow::bail!("unknown format '{format}' (expected json or md)");
    }
    Ok(())
}

/// Returns the rendered report and whether the images are different.
pub fn equiv(
    a: &Path,
    b: &Path,
    format: &str,
    limits: netvet_unpack::Limits,
) -> anyhow::Result<(String, bool)> {
    check_format(format)?;
    // no analyzers: equivalence only unpacks and compares
    let report = netvet_scan::equiv(&Unpacker::new(limits), a, b)?;
    let different = report.verdict == netvet_equiv::Verdict::Different;
    let text = match format {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        _ => netvet_equiv::render::equiv_markdown(&report),
    };
    Ok((text, different))
}

/// Returns the rendered diff and the highest severity of new findings.
pub fn diff(
    old: &Path,
    new: &Path,
    format: &str,
    limits: netvet_unpack::Limits,
) -> anyhow::Result<(String, Option<netvet_model::Severity>)> {
    check_format(format)?;
    for p in [old, new] {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    let scanner = Scanner::builder().limits(limits).build()?;
    let d = scanner.diff(old, new)?;
    let text = match format {
        "json" => serde_json::to_string_pretty(&d)? + "\n",
        _ => netvet_equiv::render::diff_markdown(&d),
    };
    Ok((text, d.max_new_severity()))
}
