//! Analyze-stage throughput on the corpus root file systems (bench/analyze.sh): every
//! registered analyzer, password cracking disabled (zero budget), MB/s of file content.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let rules = netvet_rules::RuleSet::embedded();
    let t0 = Instant::now();
    let analyzers = match netvet_analyze::Analyzers::new(&rules) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    println!(
        "rules compiled in {:.2} s; analyzers: {:?}",
        t0.elapsed().as_secs_f64(),
        analyzers.names()
    );
    let options = netvet_analyze::Options {
        crack_budget: Duration::ZERO,
        ..Default::default()
    };
    println!("threads: {}", rayon::current_num_threads());
    for rel in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        let Some(p) = netvet_model::corpus::path(rel) else {
            return;
        };
        let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
            .unpack_dir(&p)
            .expect("unpack");
        let bytes = tree.total_bytes();
        let cx = netvet_analyze::Context {
            tree: &tree,
            rules: &rules,
            options: &options,
        };
        let mut best = f64::MAX;
        let mut findings = 0;
        // per analyzer, the best of the runs (with RAYON_NUM_THREADS=1 its CPU time)
        let mut per: std::collections::BTreeMap<&str, u64> = Default::default();
        for _ in 0..runs {
            let t = Instant::now();
            let (out, timings) = analyzers.run_timed(&cx);
            best = best.min(t.elapsed().as_secs_f64());
            findings = out.findings.len();
            for (name, ms) in timings {
                let e = per.entry(name).or_insert(u64::MAX);
                *e = (*e).min(ms);
            }
        }
        let mut per: Vec<_> = per.into_iter().collect();
        per.sort_by_key(|p| std::cmp::Reverse(p.1));
        let line: Vec<String> = per.iter().map(|(n, ms)| format!("{n} {ms} ms")).collect();
        println!("{rel}: {}", line.join(", "));
        println!(
            "{rel}: {} files, {:.1} MB, best of {runs}: {:.3} s = {:.0} MB/s, {findings} findings",
            tree.file_count(),
            bytes as f64 / 1e6,
            best,
            bytes as f64 / 1e6 / best
        );
    }
}
