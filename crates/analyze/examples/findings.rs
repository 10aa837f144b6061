//! Print every finding of every analyzer for a directory or image file (severity, kind, path, title,
//! evidence), one per line; a quick way to review results on a real tree.
//!
//! usage: cargo run -p netvet-analyze --example findings -- DIR|IMAGE [MIN_SEVERITY]

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: findings DIR [MIN_SEVERITY]");
        std::process::exit(2);
    };
    let min: netvet_model::Severity = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(netvet_model::Severity::Info);
    let rules = netvet_rules::RuleSet::embedded();
    let analyzers = netvet_analyze::Analyzers::new(&rules).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let unpacker = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default());
    let input = std::path::Path::new(&dir);
    let tree = if input.is_dir() {
        unpacker.unpack_dir(input)
    } else {
        unpacker.unpack_path(input)
    }
    .unwrap_or_else(|e| {
        eprintln!("{dir}: {e}");
        std::process::exit(1)
    });
    let options = netvet_analyze::Options {
        crack_budget: std::time::Duration::ZERO,
        ..Default::default()
    };
    let out = analyzers.run(&netvet_analyze::Context {
        tree: &tree,
        rules: &rules,
        options: &options,
    });
    for f in out.findings.iter().filter(|f| f.severity >= min) {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            f.severity,
            f.kind,
            f.path.as_deref().unwrap_or("-"),
            f.title,
            f.evidence
        );
    }
    for (k, v) in &out.summaries {
        println!("summary {k}: {v}");
    }
}
