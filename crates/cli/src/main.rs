//! `netvet`: vendor-neutral security evaluation of network equipment firmware.

mod cmd_db;

use clap::{Args, Parser, Subcommand};
use netvet_model::{Severity, VerdictResult};
use netvet_report::Format;
use netvet_scan::Scanner;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

mod cmd_certify;

#[derive(Parser)]
#[command(name = "netvet", version, about = "Vendor-neutral security evaluation of network equipment firmware", long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Unpack an image (or scan a directory), find risks, and print the report.
    Scan(ScanArgs),
    /// Manage the offline vulnerability database.
    #[command(subcommand)]
    Db(DbCmd),
    /// Scan, judge against a policy and write a signed attestation.
    Certify(CertifyArgs),
    /// Check an attestation against an image and a public key.
    Verify(VerifyArgs),
    /// Write an Ed25519 key pair (PREFIX.key, PREFIX.pub).
    Keygen {
        #[arg(short = 'o', long = "output", value_name = "PREFIX")]
        output: PathBuf,
    },
    /// Binary equivalence of two images or directories.
    Equiv(EquivArgs),
    /// What changed between two releases.
    Diff(DiffArgs),
    /// Supplier-risk assessment of a network inventory.
    Network(NetworkArgs),
    /// Print the supported formats as Markdown (docs/formats.md).
    Formats,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write netvet.1 and one netvet-COMMAND.1 per command
    /// into DIR.
    Man {
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Run the lab service (HTTP API and web UI, with an in-process worker).
    Serve(ServeArgs),
    /// Process queued jobs of a shared database (scale-out).
    Worker(WorkerArgs),
}

#[derive(Args, Clone)]
pub struct LimitArgs {
    /// Most bytes extracted in total (suffixes K, M, G allowed).
    #[arg(long, value_name = "N", value_parser = parse_size)]
    max_bytes: Option<u64>,
    /// Deepest nesting of layers.
    #[arg(long, value_name = "N")]
    max_depth: Option<u32>,
    /// Most extracted bytes as a multiple of the input size.
    #[arg(long, value_name = "N")]
    max_ratio: Option<u64>,
    /// Most entries in the unpacked tree.
    #[arg(long, value_name = "N")]
    max_entries: Option<u64>,
}

#[derive(Args)]
struct ScanArgs {
    /// Firmware images or unpacked directories. Several are scanned together: each gets its
    /// own report in the directory given with -o, and credentials found in more than one of
    /// them are reported (credential.shared-across-images).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<PathBuf>,
    /// Output format: json, sarif, html, md, pdf (the HTML report printed by headless
    /// Chromium), cyclonedx (1.6), spdx (3.0.1), vex (CycloneDX 1.6 VEX), cyclonedx-1.5 or
    /// spdx-2.3. Default json; when stdout is a terminal and no
    /// format is given, a summary is printed and the JSON report is written to the -o file or
    /// INPUT-NAME.netvet.json in the current directory.
    #[arg(long)]
    format: Option<String>,
    /// Write the report here instead of stdout (with several inputs: a directory).
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Print the wall time of every stage and analyzer to stderr after the scan.
    #[arg(long)]
    timings: bool,
    /// The JSON report of the previous evaluation of the same product: the report then says
    /// what changed (new and resolved findings).
    #[arg(long, value_name = "REPORT.json")]
    previous: Option<PathBuf>,
    /// Policy: a TOML file, or a built-in profile (red, cra, psti, ts33117, en303645,
    /// tr03163, regimes, default); the embedded default policy otherwise.
    #[arg(long, value_name = "NAME|FILE")]
    policy: Option<PathBuf>,
    /// Directory of evidence files (*.toml) for partial and documentation requirements.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    /// Vulnerability database (SQLite); the default location otherwise.
    #[arg(long)]
    vulndb: Option<PathBuf>,
    /// Directory of extra or overriding rules (same layout as rules/).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Exit 1 when a finding of this severity or higher is reported.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<String>,
    /// Also write the unpacked tree to this directory.
    #[arg(long, value_name = "DIR")]
    extract_to: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Seconds of password cracking per image.
    #[arg(long, value_name = "SECONDS", default_value = "3")]
    crack_seconds: f64,
    /// No progress output.
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum DbCmd {
    /// Import NVD CVE API 2.0 JSON or OSV JSON files or directories.
    Import {
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        #[arg(long)]
        vulndb: Option<PathBuf>,
    },
    /// Summarise the database.
    Stats {
        #[arg(long)]
        vulndb: Option<PathBuf>,
    },
}

#[derive(Args)]
struct CertifyArgs {
    image: PathBuf,
    /// Policy: a TOML file, or a built-in profile (red, cra, psti, ts33117, en303645,
    /// tr03163, regimes, default).
    #[arg(long, value_name = "NAME|FILE")]
    policy: PathBuf,
    /// Directory of evidence files (*.toml) for partial and documentation requirements.
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    #[arg(long)]
    key: PathBuf,
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    #[arg(long)]
    vulndb: Option<PathBuf>,
    #[arg(long)]
    rules: Option<PathBuf>,
    #[arg(short, long)]
    quiet: bool,
}

#[derive(Args)]
struct VerifyArgs {
    image: PathBuf,
    #[arg(long)]
    attestation: PathBuf,
    #[arg(long)]
    pubkey: PathBuf,
}

#[derive(Args)]
struct EquivArgs {
    a: PathBuf,
    b: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
    #[arg(long, default_value = "json")]
    format: String,
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct DiffArgs {
    old: PathBuf,
    new: PathBuf,
    #[arg(long, default_value = "json")]
    format: String,
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Exit 1 when the new release adds findings of this severity or higher.
    #[arg(long, value_name = "SEVERITY")]
    fail_on_new: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Args)]
struct NetworkArgs {
    inventory: PathBuf,
    #[arg(long)]
    policy: PathBuf,
    #[arg(long)]
    certs: Option<PathBuf>,
    #[arg(long, value_name = "VENDOR")]
    without: Option<String>,
    /// Date of the inventory (YYYY-MM-DD); overrides the policy's as_of.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Directory of earlier inventories named YYYY-MM-DD.csv: progress toward the policy's
    /// deadlines, element changes and a replacement plan.
    #[arg(long, value_name = "DIR")]
    history: Option<PathBuf>,
    #[arg(long, default_value = "json")]
    format: String,
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: String,
    /// Data directory (database and image store); a per-user directory by default.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Database URL (postgres://... for a shared database); SQLite in the data directory by default.
    #[arg(long)]
    database: Option<String>,
    /// Image store: s3://bucket/prefix (AWS_* environment variables; AWS_ENDPOINT for other
    /// S3-compatible stores) or file:///dir; the data directory by default.
    #[arg(long)]
    blob_store: Option<String>,
    /// Create an organization (if needed) and print a new API token for it: ORG ROLE
    /// (role: lab, vendor or operator).
    #[arg(long, num_args = 2, value_names = ["ORG", "ROLE"])]
    create_token: Option<Vec<String>>,
    /// Do not run an in-process worker (separate `netvet worker` processes do the scans).
    #[arg(long)]
    no_worker: bool,
    /// Largest accepted upload (suffixes K, M, G allowed).
    #[arg(long, value_parser = parse_size)]
    max_upload: Option<u64>,
    /// The lab's signing key (`netvet keygen`); DATA/lab.key by default (created on the
    /// first start). Every serve and worker process of one lab needs the same key.
    #[arg(long, value_name = "FILE")]
    lab_key: Option<PathBuf>,
    /// Certification policy (TOML) of the attestations; the embedded default otherwise.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

#[derive(Args)]
struct WorkerArgs {
    /// Data directory (blob store or its cache); a per-user directory by default.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Database URL shared with `netvet serve` (postgres://...).
    #[arg(long)]
    database: Option<String>,
    /// Image store shared with `netvet serve` (s3://bucket/prefix or file:///dir).
    #[arg(long)]
    blob_store: Option<String>,
    /// Lease of a claimed job in seconds: another worker takes the job over when this
    /// worker stops renewing it for that long.
    #[arg(long, default_value_t = 60)]
    lease_secs: i64,
    /// Stop after this many jobs.
    #[arg(long)]
    max_jobs: Option<u64>,
    /// The lab's signing key, the same as `netvet serve`'s; DATA/lab.key by default.
    #[arg(long, value_name = "FILE")]
    lab_key: Option<PathBuf>,
    /// Certification policy (TOML) of the attestations; the embedded default otherwise.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

fn service_config(
    data: &Option<PathBuf>,
    database: &Option<String>,
    blob_store: &Option<String>,
) -> netvet_server::Config {
    let dir = data
        .clone()
        .unwrap_or_else(netvet_cli::cmd_serve::default_data_dir);
    let mut c = netvet_server::Config::new(dir);
    c.database = database.clone();
    c.blob_store = blob_store.clone();
    c
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mul) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('m' | 'M') => (&s[..s.len() - 1], 1 << 20),
        Some('g' | 'G') => (&s[..s.len() - 1], 1 << 30),
        Some('t' | 'T') => (&s[..s.len() - 1], 1 << 40),
        _ => (s, 1),
    };
    num.parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mul))
        .ok_or_else(|| format!("'{s}' is not a size (examples: 1000000, 512M, 4G)"))
}

/// An error that maps to an exit code: 2 for usage/input problems.
struct Fail(u8, String);

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Fail {
        Fail(2, e.to_string())
    }
}

fn write_output(output: &Option<PathBuf>, text: &str) -> Result<(), Fail> {
    match output {
        Some(p) => std::fs::write(p, text)
            .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .map_err(|e| Fail(2, format!("cannot write to stdout: {e}")))
        }
    }
}

fn limits_from(args: &LimitArgs) -> netvet_unpack::Limits {
    let mut l = netvet_unpack::Limits::default();
    if let Some(v) = args.max_bytes {
        l.max_bytes = v;
    }
    if let Some(v) = args.max_depth {
        l.max_depth = v;
    }
    if let Some(v) = args.max_ratio {
        l.max_ratio = v;
    }
    if let Some(v) = args.max_entries {
        l.max_entries = v;
    }
    l
}

/// A progress line on stderr while `work` runs, when stderr is a terminal.
fn with_progress<T>(
    quiet: bool,
    progress: std::sync::Arc<netvet_unpack::Progress>,
    label: &str,
    work: impl FnOnce() -> T,
) -> T {
    if quiet || !std::io::stderr().is_terminal() {
        return work();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.set_message(label.to_string());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (b2, d2, p2, l2) = (
        bar.clone(),
        done.clone(),
        progress.clone(),
        label.to_string(),
    );
    let h = std::thread::spawn(move || {
        while !d2.load(Ordering::Relaxed) {
            let stage = p2.stage();
            b2.set_message(format!(
                "{}: {} layers, {} entries, {:.1} MiB extracted",
                if stage.is_empty() { l2.as_str() } else { stage },
                p2.layers.load(Ordering::Relaxed),
                p2.entries.load(Ordering::Relaxed),
                p2.bytes_extracted.load(Ordering::Relaxed) as f64 / 1048576.0
            ));
            b2.tick();
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    });
    let r = work();
    done.store(true, Ordering::Relaxed);
    let _ = h.join();
    bar.finish_and_clear();
    r
}

/// File name suffix of a report in `format` (several inputs write one file each).
fn suffix(format: Format) -> &'static str {
    match format {
        Format::Json => "json",
        Format::Sarif => "sarif.json",
        Format::Html => "html",
        Format::Markdown => "md",
        Format::CycloneDx | Format::CycloneDx15 => "cdx.json",
        Format::Vex => "vex.cdx.json",
        Format::Spdx => "spdx3.json",
        Format::Spdx23 => "spdx.json",
        Format::Pdf => "pdf",
    }
}

fn cmd_scan(a: ScanArgs) -> Result<u8, Fail> {
    if a.inputs.len() > 1 {
        return cmd_scan_many(a);
    }
    let input = a.inputs[0].clone();
    cmd_scan_one(a, input)
}

/// `netvet scan A B ...`: every image scanned, then credentials shared across them reported
/// in each report, which is judged again with the policy and written to `-o DIR`.
fn cmd_scan_many(a: ScanArgs) -> Result<u8, Fail> {
    let format: Format = a
        .format
        .as_deref()
        .unwrap_or("json")
        .parse()
        .map_err(|e: String| Fail(2, e))?;
    let fail_on = match &a.fail_on {
        Some(s) => Some(
            s.parse::<Severity>()
                .map_err(|e| Fail(2, format!("--fail-on: {e}")))?,
        ),
        None => None,
    };
    let Some(dir) = a.output.clone() else {
        return Err(Fail(
            2,
            "several inputs need -o DIR (one report per input is written there)".into(),
        ));
    };
    if a.extract_to.is_some() {
        return Err(Fail(2, "--extract-to takes one input".into()));
    }
    for i in &a.inputs {
        if !i.exists() {
            return Err(Fail(
                2,
                format!("{}: no such file or directory", i.display()),
            ));
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| Fail(2, format!("-o {}: {e}", dir.display())))?;
    let mut scanner = scanner_for(&a, None)?;
    // one output file per input, created before sandboxing ourselves
    let mut files = Vec::new();
    for (i, input) in a.inputs.iter().enumerate() {
        let base = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "input".into());
        let p = dir.join(format!("{:02}-{base}.{}", i + 1, suffix(format)));
        let f = std::fs::File::create(&p)
            .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?;
        files.push((p, f));
    }
    scanner.sandbox(&[]);
    let mut reports = Vec::new();
    for input in &a.inputs {
        let unpacker = scanner.unpacker();
        let label = input.display().to_string();
        let scan = with_progress(a.quiet, unpacker.progress(), &label, || {
            scanner.scan_with(input, &unpacker)
        })
        .map_err(|e| Fail(2, format!("{e:#}")))?;
        // the tree and its spill files are not needed any more
        reports.push(scan.report);
    }
    let labels: Vec<String> = a
        .inputs
        .iter()
        .map(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string())
        })
        .collect();
    let shared = {
        let pairs: Vec<(String, &netvet_model::Report)> =
            labels.iter().cloned().zip(reports.iter()).collect();
        netvet_analyze::shared::shared_across(&pairs)
    };
    for (i, f) in shared {
        reports[i].findings.push(f);
    }
    // judged again with the shared-credential findings, with the scanner's catalogue and policy
    let mut code = 0;
    for (report, (p, f)) in reports.iter_mut().zip(files.iter_mut()) {
        scanner.judge(report);
        let bytes = netvet_report::render_bytes(report, format, scanner.spill_dir())?;
        f.write_all(&bytes)
            .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?;
        if let (Some(t), Some(max)) = (fail_on, report.max_severity()) {
            if max >= t {
                code = 1;
            }
        }
        if report.verdict_result() == Some(VerdictResult::Fail) {
            code = 1;
        }
    }
    Ok(code)
}

fn cmd_scan_one(a: ScanArgs, input: PathBuf) -> Result<u8, Fail> {
    // a person at a terminal who asked for no format gets a summary; JSON goes to a file
    let summary = a.format.is_none() && std::io::stdout().is_terminal();
    let format: Format = a
        .format
        .as_deref()
        .unwrap_or("json")
        .parse()
        .map_err(|e: String| Fail(2, e))?;
    let output = match (&a.output, summary) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(netvet_cli::summary::default_report_path(&input)),
        (None, false) => None,
    };
    let fail_on = match &a.fail_on {
        Some(s) => Some(
            s.parse::<Severity>()
                .map_err(|e| Fail(2, format!("--fail-on: {e}")))?,
        ),
        None => None,
    };
    let previous = match &a.previous {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Fail(2, format!("--previous {}: {e}", p.display())))?;
            Some(
                serde_json::from_str::<netvet_model::Report>(&text).map_err(|e| {
                    Fail(
                        2,
                        format!("--previous {}: not a netvet JSON report: {e}", p.display()),
                    )
                })?,
            )
        }
        None => None,
    };
    if !input.exists() {
        return Err(Fail(
            2,
            format!("{}: no such file or directory", input.display()),
        ));
    }
    // rules, policy and vulnerability database are read and checked before anything is
    // written; then the outputs are opened and the process sandboxed
    let mut scanner = scanner_for(&a, a.extract_to.clone())?;
    let mut out_file = match &output {
        Some(p) => Some(
            std::fs::File::create(p)
                .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?,
        ),
        None => None,
    };
    scanner.sandbox(&[]);
    let unpacker = scanner.unpacker();
    let scan = with_progress(a.quiet, unpacker.progress(), "scanning", || {
        scanner.scan_with(&input, &unpacker)
    })
    .map_err(|e| Fail(2, format!("{e:#}")))?;
    // the tree (its memory, maps and spill files) is freed on a thread of its own while the
    // report is rendered and written; joined on every way out, before the scanner (declared
    // earlier, dropped later) removes its directory
    let mut report = scan.report;
    let tree = scan.tree;
    let _freeing = Freeing(Some(std::thread::spawn(move || drop(tree))));
    if let Some(old) = &previous {
        netvet_report::evaluation::attach_previous(&mut report, old);
    }
    let bytes = netvet_report::render_bytes(&report, format, scanner.spill_dir())?;
    match out_file.as_mut() {
        Some(f) => f.write_all(&bytes).map_err(|e| {
            Fail(
                2,
                format!(
                    "cannot write {}: {e}",
                    output
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
            )
        })?,
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)
                .and_then(|_| out.flush())
                .map_err(|e| Fail(2, format!("cannot write to stdout: {e}")))?
        }
    }
    if summary {
        let color = std::env::var_os("NO_COLOR").is_none();
        write_output(
            &None,
            &netvet_cli::summary::render(&report, output.as_deref(), color),
        )?;
    }
    if a.timings {
        eprint!("{}", timings_table(&report.timing_ms));
    }
    let mut code = 0;
    if let (Some(t), Some(max)) = (fail_on, report.max_severity()) {
        if max >= t {
            code = 1;
        }
    }
    if report.verdict_result() == Some(VerdictResult::Fail) {
        code = 1;
    }
    Ok(code)
}

/// Joins the thread that frees a scanned tree when dropped.
struct Freeing(Option<std::thread::JoinHandle<()>>);

impl Drop for Freeing {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            let _ = h.join();
        }
    }
}

/// The scan engine `scan` runs with, from its arguments.
fn scanner_for(a: &ScanArgs, extract_to: Option<PathBuf>) -> Result<Scanner, Fail> {
    Scanner::builder()
        .limits(limits_from(&a.limits))
        .rules_dir(a.rules.clone())
        .analyze_options(netvet_analyze::Options {
            crack_budget: std::time::Duration::from_secs_f64(a.crack_seconds.max(0.0)),
            ..Default::default()
        })
        .vulndb(a.vulndb.clone())
        .policy(a.policy.clone())
        .evidence(a.evidence.clone())
        .extract_to(extract_to)
        .build()
        .map_err(|e| Fail(2, e.to_string()))
}

/// The `--timings` table: every stage and analyzer, slowest first.
fn timings_table(t: &netvet_model::Timing) -> String {
    let mut rows: Vec<(&str, u64)> = vec![("unpack", t.unpack), ("analyze (all)", t.analyze)];
    let mut stages: Vec<(&str, u64)> = t.stages.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    stages.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    rows.extend(stages);
    let mut s = String::from("stage                              ms\n");
    for (name, ms) in rows {
        s.push_str(&format!("{name:<30} {ms:>7}\n"));
    }
    s.push_str(&format!("{:<30} {:>7}\n", "total", t.total));
    s
}

fn run(cli: Cli) -> Result<u8, Fail> {
    match cli.cmd {
        Cmd::Scan(a) => cmd_scan(a),
        Cmd::Serve(a) => {
            let mut config = service_config(&a.data, &a.database, &a.blob_store);
            if let Some(m) = a.max_upload {
                config.max_upload = m;
            }
            config.lab_key = a.lab_key.clone();
            if let Some(v) = &a.create_token {
                let t = netvet_cli::cmd_serve::create_token(config, &v[0], &v[1])
                    .map_err(|e| Fail(2, format!("{e:#}")))?;
                println!("{t}");
                return Ok(0);
            }
            netvet_cli::cmd_serve::serve(config, &a.listen, !a.no_worker, a.policy.clone())
                .map_err(|e| Fail(2, format!("{e:#}")))?;
            Ok(0)
        }
        Cmd::Worker(a) => {
            let mut config = service_config(&a.data, &a.database, &a.blob_store);
            config.lease_secs = a.lease_secs.clamp(1, 86_400);
            config.lab_key = a.lab_key.clone();
            let n = netvet_cli::cmd_serve::worker(config, a.max_jobs, a.policy.clone())
                .map_err(|e| Fail(2, format!("{e:#}")))?;
            eprintln!("netvet worker: {n} job(s) done");
            Ok(0)
        }
        Cmd::Formats => {
            print!("{}", netvet_unpack::formats_markdown());
            Ok(0)
        }
        Cmd::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "netvet", &mut std::io::stdout());
            Ok(0)
        }
        Cmd::Man { dir } => {
            use clap::CommandFactory;
            let render = |cmd: clap::Command| -> Result<Vec<u8>, Fail> {
                let mut buf = Vec::new();
                clap_mangen::Man::new(cmd)
                    .render(&mut buf)
                    .map_err(|e| Fail(2, format!("cannot render the manual page: {e}")))?;
                Ok(buf)
            };
            let top = Cli::command();
            let Some(dir) = dir else {
                write_output(&None, &String::from_utf8_lossy(&render(top)?))?;
                return Ok(0);
            };
            std::fs::create_dir_all(&dir)
                .map_err(|e| Fail(2, format!("{}: {e}", dir.display())))?;
            let mut pages = vec![("netvet".to_string(), top.clone())];
            for sub in top.get_subcommands() {
                let name = format!("netvet-{}", sub.get_name());
                pages.push((name.clone(), sub.clone().name(name)));
            }
            for (name, cmd) in pages {
                let path = dir.join(format!("{name}.1"));
                std::fs::write(&path, render(cmd)?)
                    .map_err(|e| Fail(2, format!("cannot write {}: {e}", path.display())))?;
            }
            Ok(0)
        }
        Cmd::Db(c) => cmd_db::run(c),
        Cmd::Certify(a) => cmd_certify::certify(a),
        Cmd::Verify(a) => cmd_certify::verify(a),
        Cmd::Keygen { output } => cmd_certify::keygen(&output),
        Cmd::Equiv(a) => {
            let (text, different) =
                netvet_cli::cmd_equiv::equiv(&a.a, &a.b, &a.format, limits_from(&a.limits))
                    .map_err(|e| Fail(2, format!("{e:#}")))?;
            write_output(&a.output, &text)?;
            Ok(if different { 1 } else { 0 })
        }
        Cmd::Diff(a) => {
            let fail_on = match &a.fail_on_new {
                Some(s) => Some(
                    s.parse::<Severity>()
                        .map_err(|e| Fail(2, format!("--fail-on-new: {e}")))?,
                ),
                None => None,
            };
            let (text, max_new) =
                netvet_cli::cmd_equiv::diff(&a.old, &a.new, &a.format, limits_from(&a.limits))
                    .map_err(|e| Fail(2, format!("{e:#}")))?;
            write_output(&a.output, &text)?;
            Ok(match (fail_on, max_new) {
                (Some(t), Some(m)) if m >= t => 1,
                _ => 0,
            })
        }
        Cmd::Network(a) => {
            let opts = netvet_cli::cmd_network::Options {
                certs: a.certs.as_deref(),
                without: a.without.as_deref(),
                as_of: a.as_of.as_deref(),
                history: a.history.as_deref(),
                format: &a.format,
            };
            let (text, violations) = netvet_cli::cmd_network::run(&a.inventory, &a.policy, &opts)
                .map_err(|e| Fail(2, format!("{e:#}")))?;
            write_output(&a.output, &text)?;
            Ok(if violations { 1 } else { 0 })
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Fail(code, msg)) => {
            eprintln!("netvet: error: {msg}");
            ExitCode::from(code)
        }
    }
}
