//! The code path of `netvet network` without the CLI around it (no attestation directory), for
//! `bench/network.sh`: building this example in release takes a minute, the whole `netvet`
//! binary (server, unpackers, analyzers) many more.
//!
//! `network_bench INVENTORY --policy POLICY [--history DIR] [--without VENDOR] [--format json|html|md] -o OUT`

use netvet_network::{assess_over_time, history, render, CertIndex, Inventory, Policy};
use std::path::PathBuf;

fn main() {
    if let Err(e) = run() {
        eprintln!("network_bench: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut pos, mut hist, mut without, mut format, mut out) =
        (Vec::new(), None, None, "json".to_string(), None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--policy" => pos.extend(args.next().map(PathBuf::from)),
            "--history" => hist = args.next().map(PathBuf::from),
            "--without" => without = args.next(),
            "--format" => format = args.next().unwrap_or_default(),
            "-o" => out = args.next().map(PathBuf::from),
            _ => pos.push(PathBuf::from(a)),
        }
    }
    let [inv_path, pol_path] =
        <[PathBuf; 2]>::try_from(pos).map_err(|_| "usage: INVENTORY POLICY")?;
    let pol = Policy::load(&pol_path)?;
    let certs = CertIndex::default();
    let (inv, h) = match &hist {
        Some(dir) => {
            let as_of = pol
                .as_of
                .clone()
                .ok_or("--history needs as_of in the policy")?;
            let (inv, h) = history::load(dir, &inv_path, &as_of, &pol, &certs)?;
            (inv, Some(h))
        }
        None => (Inventory::load(&inv_path)?, None),
    };
    let a = assess_over_time(&inv, &pol, &certs, without.as_deref(), h.as_ref());
    let text = match format.as_str() {
        "html" => render::html(&a),
        "md" => render::markdown(&a),
        _ => render::json(&a),
    };
    match out {
        Some(p) => std::fs::write(p, text)?,
        None => print!("{text}"),
    }
    Ok(())
}
