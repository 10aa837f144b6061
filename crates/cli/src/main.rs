//! `netvet`: vendor-neutral security evaluation of network equipment firmware.

mod cmd_db;

use clap::{Args, Parser, Subcommand};
use netvet_cli::pipeline::{self, ScanOptions};
use netvet_model::Severity;
use netvet_report::Format;
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
    /// Firmware image or unpacked directory.
    input: PathBuf,
    /// Output format: json, sarif, html, md, cyclonedx or spdx.
    #[arg(long, default_value = "json")]
    format: String,
    /// Write the report here instead of stdout.
    #[arg(short = 'o', long = "output")]
    output: Option<PathBuf>,
    /// Policy (TOML); the embedded default policy otherwise.
    #[arg(long)]
    policy: Option<PathBuf>,
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
    #[arg(long)]
    policy: PathBuf,
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
            b2.set_message(format!(
                "{l2}: {} layers, {} entries, {:.1} MiB extracted",
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

fn cmd_scan(a: ScanArgs) -> Result<u8, Fail> {
    let format: Format = a.format.parse().map_err(|e: String| Fail(2, e))?;
    let fail_on = match &a.fail_on {
        Some(s) => Some(
            s.parse::<Severity>()
                .map_err(|e| Fail(2, format!("--fail-on: {e}")))?,
        ),
        None => None,
    };
    if !a.input.exists() {
        return Err(Fail(
            2,
            format!("{}: no such file or directory", a.input.display()),
        ));
    }
    let mut rules = netvet_rules::RuleSet::embedded();
    if let Some(d) = &a.rules {
        rules = rules.with_dir(d)?;
    }
    let analyzers = netvet_analyze::Analyzers::new(&rules)?;
    let opts = ScanOptions {
        limits: limits_from(&a.limits),
        rules,
        analyze: netvet_analyze::Options {
            crack_budget: std::time::Duration::from_secs_f64(a.crack_seconds.max(0.0)),
            ..Default::default()
        },
        extract_to: a.extract_to.clone(),
        vulndb: a.vulndb.clone(),
        policy: a.policy.clone(),
    };
    // open everything we will write before sandboxing ourselves
    let private = tempfile::Builder::new()
        .prefix("netvet-")
        .tempdir()
        .map_err(|e| {
            Fail(
                2,
                format!("cannot create a private temporary directory: {e}"),
            )
        })?;
    if let Some(d) = &a.extract_to {
        std::fs::create_dir_all(d)
            .map_err(|e| Fail(2, format!("--extract-to {}: {e}", d.display())))?;
    }
    let mut out_file = match &a.output {
        Some(p) => Some(
            std::fs::File::create(p)
                .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?,
        ),
        None => None,
    };
    let mut writable: Vec<&std::path::Path> = vec![private.path()];
    if let Some(d) = &a.extract_to {
        writable.push(d.as_path());
    }
    let sandbox = netvet_cli::sandbox::restrict_writes(&writable);
    let mut unpacker = netvet_unpack::Unpacker::new(opts.limits.clone());
    unpacker.set_spill_parent(private.path());
    let mut scan = with_progress(a.quiet, unpacker.progress(), "scanning", || {
        pipeline::scan(&a.input, &unpacker, &analyzers, &opts)
    })
    .map_err(|e| Fail(2, format!("{e:#}")))?;
    scan.report.unpack.sandbox = Some(sandbox.as_report());
    let text = netvet_report::render(&scan.report, format)?;
    match out_file.as_mut() {
        Some(f) => f.write_all(text.as_bytes()).map_err(|e| {
            Fail(
                2,
                format!(
                    "cannot write {}: {e}",
                    a.output
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                ),
            )
        })?,
        None => write_output(&None, &text)?,
    }
    let mut code = 0;
    if let (Some(t), Some(max)) = (fail_on, scan.report.max_severity()) {
        if max >= t {
            code = 1;
        }
    }
    if scan
        .report
        .verdict
        .as_ref()
        .is_some_and(|v| v.result == "fail")
    {
        code = 1;
    }
    drop(scan); // removes the spill files before exit
    drop(private);
    Ok(code)
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
            let opts = ScanOptions {
                limits: limits_from(&a.limits),
                ..ScanOptions::default()
            };
            let (text, max_new) = netvet_cli::cmd_equiv::diff(&a.old, &a.new, &a.format, &opts)
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
