//! `netvet network`: supplier-risk assessment of an inventory, optionally over time.

use netvet_network::{assess_over_time, history, render, CertIndex, Inventory, Policy};
use std::path::Path;

/// Inputs of `netvet network` besides the inventory and the policy.
#[derive(Default)]
pub struct Options<'a> {
    pub certs: Option<&'a Path>,
    pub without: Option<&'a str>,
    /// Date of the current inventory (overrides the policy's `as_of`).
    pub as_of: Option<&'a str>,
    /// Directory of earlier inventories named `YYYY-MM-DD.csv`.
    pub history: Option<&'a Path>,
    pub format: &'a str,
}

/// Output text and whether violations exist.
pub fn run(inventory: &Path, policy: &Path, o: &Options) -> anyhow::Result<(String, bool)> {
    if !matches!(o.format, "json" | "md" | "markdown" | "html") {
        anyhow::bail!("unknown format '{}' (expected json, md or html)", o.format);
    }
    let mut pol = Policy::load(policy)?;
    if let Some(d) = o.as_of {
        if !netvet_network::policy::valid_date(d) {
            anyhow::bail!("--as-of '{d}' is not a date YYYY-MM-DD");
        }
        pol.as_of = Some(d.to_string());
    }
    if pol.as_of.is_none() && (o.history.is_some() || !pol.deadline.is_empty()) {
        // progress needs a date for the current inventory: today, unless given
        let t = netvet_certify::today_utc();
        pol.as_of = Some(format!(
            "{:04}-{:02}-{:02}",
            t.year(),
            u8::from(t.month()),
            t.day()
        ));
    }
    let index = match o.certs {
        Some(dir) => crate::certs::load_dir(dir)?,
        None => CertIndex::default(),
    };
    let (inv, hist) = match o.history {
        Some(dir) => {
            let as_of = pol.as_of.clone().unwrap_or_default();
            let (inv, h) = history::load(dir, inventory, &as_of, &pol, &index)?;
            (inv, Some(h))
        }
        None => (Inventory::load(inventory)?, None),
    };
    let a = assess_over_time(&inv, &pol, &index, o.without, hist.as_ref());
    let text = match o.format {
        "json" => render::json(&a),
        "html" => render::html(&a),
        _ => render::markdown(&a),
    };
    Ok((text, a.has_violations()))
}
