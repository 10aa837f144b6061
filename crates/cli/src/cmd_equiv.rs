//! `netvet equiv` and `netvet diff`.

use crate::pipeline::{self, ScanOptions};
use netvet_equiv::equiv::Side;
use netvet_unpack::Unpacker;
use std::path::Path;

fn unpack(unpacker: &Unpacker, p: &Path) -> anyhow::Result<(netvet_unpack::Tree, Side)> {
    if !p.exists() {
        anyhow::bail!("{}: no such file or directory", p.display());
    }
    let tree = unpacker
        .unpack_path(p)
        .map_err(|e| anyhow::anyhow!("cannot read input {e}"))?;
    let (sha, _) = pipeline::digest_input(p, &tree)
        .map_err(|e| anyhow::anyhow!("cannot read input {}: {e}", p.display()))?;
    let side = Side {
        path: p.display().to_string(),
        sha256: sha,
        files: tree.file_count(),
    };
    Ok((tree, side))
}

/// Returns the rendered report and whether the images are different.
pub fn equiv(
    a: &Path,
    b: &Path,
    format: &str,
    limits: netvet_unpack::Limits,
) -> anyhow::Result<(String, bool)> {
    if !matches!(format, "json" | "md" | "markdown") {
        anyhow::bail!("unknown format '{format}' (expected json or md)");
    }
    let unpacker = Unpacker::new(limits);
    let (ra, rb) = rayon::join(|| unpack(&unpacker, a), || unpack(&unpacker, b));
    let ((ta, sa), (tb, sb)) = (ra?, rb?);
    let report = netvet_equiv::compare(&ta, sa, &tb, sb);
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
    opts: &ScanOptions,
) -> anyhow::Result<(String, Option<netvet_model::Severity>)> {
    if !matches!(format, "json" | "md" | "markdown") {
        anyhow::bail!("unknown format '{format}' (expected json or md)");
    }
    for p in [old, new] {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    let analyzers = netvet_analyze::Analyzers::new(&opts.rules)?;
    let unpacker = Unpacker::new(opts.limits.clone());
    let (ro, rn) = rayon::join(
        || pipeline::scan(old, &unpacker, &analyzers, opts),
        || pipeline::scan(new, &unpacker, &analyzers, opts),
    );
    let (so, sn) = (ro?, rn?);
    let d = netvet_equiv::diff(&so.report, &so.tree, &sn.report, &sn.tree);
    let text = match format {
        "json" => serde_json::to_string_pretty(&d)? + "\n",
        _ => netvet_equiv::render::diff_markdown(&d),
    };
    Ok((text, d.max_new_severity()))
}
