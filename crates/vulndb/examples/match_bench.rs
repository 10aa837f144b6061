//! Matching benchmark: components (from `bench/vulndb_gen.py`'s components.json) against a
//! database built with `netvet db import`.
//!
//! `cargo run --release -p netvet-vulndb --example match_bench -- DB COMPONENTS.json`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_model::Component;
use netvet_vulndb::{Matcher, VulnDb};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: match_bench DB COMPONENTS.json");
        std::process::exit(2);
    }
    let db = match VulnDb::open_existing(std::path::Path::new(&args[1])) {
        Ok(Some(db)) => db,
        Ok(None) => {
            eprintln!("{}: no database", args[1]);
            std::process::exit(2);
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let records = db.stats().map(|s| s.records).unwrap_or(0);
    let text = std::fs::read_to_string(&args[2]).unwrap_or_default();
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_default();
    let components: Vec<Component> = list
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
            Component {
                name: s("product"),
                version: s("version"),
                purl: format!("pkg:generic/{}@{}", s("product"), s("version")),
                cpe: Some(format!(
                    "cpe:2.3:{}:{}:{}:{}:*:*:*:*:*:*:*",
                    s("part"),
                    s("vendor"),
                    s("product"),
                    s("version")
                )),
                paths: vec![format!("usr/bin/{}", s("product"))],
                evidence: String::new(),
                source: "bench".into(),
            }
        })
        .collect();
    let m = Matcher::with_db(db).expect("matcher");
    // one warm-up run (page cache), then the measured runs
    let _ = m.hits(&components);
    let mut best = f64::MAX;
    let mut hits = 0;
    for _ in 0..5 {
        let t = Instant::now();
        hits = m.hits(&components).map(|h| h.len()).unwrap_or(0);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "matched {} components against {records} records: {hits} hits in {:.1} ms (best of 5)",
        components.len(),
        best * 1000.0
    );
}
