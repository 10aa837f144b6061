//! `netvet network`: supplier-risk assessment of an inventory.

use netvet_network::{assess, render, CertIndex, Inventory, Policy};
use std::path::Path;

/// Output text and whether violations exist.
pub fn run(
    inventory: &Path,
    policy: &Path,
    certs: Option<&Path>,
    without: Option<&str>,
    format: &str,
) -> anyhow::Result<(String, bool)> {
    let inv = Inventory::load(inventory)?;
    let pol = Policy::load(policy)?;
    let index = match certs {
        Some(dir) => crate::certs::load_dir(dir)?,
        None => CertIndex::default(),
    };
    let a = assess(&inv, &pol, &index, without);
    let text = match format {
        "json" => render::json(&a),
        "md" | "markdown" => render::markdown(&a),
        "html" => render::html(&a),
        other => anyhow::bail!("unknown format '{other}' (expected json, md or html)"),
    };
    Ok((text, a.has_violations()))
}
