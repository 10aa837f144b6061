//! Candidates per second of netvet's cracker on one hash, for `bench/crack.sh`:
//!
//!     cargo run -p netvet-analyze --example crack_rate -- HASH WORDLIST [SECONDS]
//!
//! Tries every line of WORDLIST (in order, all cores) until the hash cracks, the list ends or
//! SECONDS (default 10) pass, then prints `scheme<TAB>tried<TAB>seconds<TAB>candidates/s`.
//! Exits 1 on unusable arguments or a hash of no known scheme.

use netvet_analyze::crack::{crack, identify, Job};
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(hash), Some(list)) = (args.first(), args.get(1)) else {
        eprintln!("usage: crack_rate HASH WORDLIST [SECONDS]");
        return ExitCode::FAILURE;
    };
    let secs: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10.0);
    let Some(scheme) = identify(hash) else {
        eprintln!("crack_rate: {hash}: no known hash scheme");
        return ExitCode::FAILURE;
    };
    let words = match std::fs::read_to_string(list) {
        Ok(t) => t.lines().map(str::to_string).collect::<Vec<_>>(),
        Err(e) => {
            eprintln!("crack_rate: {list}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let job = Job {
        scheme,
        hash: hash.clone(),
        candidates: words,
    };
    let t = Instant::now();
    let out = crack(&[job], Duration::from_secs_f64(secs));
    let s = t.elapsed().as_secs_f64();
    let o = &out[0];
    if let Some(r) = &o.refused {
        eprintln!("crack_rate: {hash}: not attempted: {r}");
        return ExitCode::FAILURE;
    }
    println!(
        "{}\t{}\t{:.2}\t{:.0}",
        scheme.name(),
        o.tried,
        s,
        o.tried as f64 / s.max(1e-9)
    );
    ExitCode::SUCCESS
}
