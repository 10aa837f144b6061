//! Known backdoor signatures: YARA rules from `rules/backdoors/*.yar`, compiled once with
//! yara-x, every file of the tree scanned once with all rules (one scanner per worker).
//!
//! Rules see two globals besides the file content: `filename` (last path component) and
//! `filepath` (path inside the innermost file system, such as `usr/sbin/httpd`).

use crate::{Analyzer, Context, Output, RuleError};
use netvet_model::{kinds, Finding, Severity};
use netvet_rules::RuleSet;
use rayon::prelude::*;
use std::time::Duration;

/// Matched bytes shown in evidence are cut to this length.
const EVIDENCE_BYTES: usize = 80;

/// Contents larger than this are scanned in windows of this size, each view reaching
/// [`SCAN_OVERLAP`] bytes into the next, the pages of each window handed back before the next
/// (`spool::windows`): a 1 GiB spilled blob (a decompression bomb's output) would otherwise be
/// resident whole while YARA reads it. Patterns up to the overlap in length are found across
/// window edges; conditions on absolute offsets and `filesize` see the window, which only
/// matters for contents this large.
const SCAN_WINDOW: usize = 64 << 20;
const SCAN_OVERLAP: usize = 64 << 10;

pub struct Backdoors {
    rules: Option<yara_x::Rules>,
    count: usize,
}

impl Backdoors {
    /// Compile every `backdoors/*.yar` / `*.yara` of the rule set. A file that does not
    /// compile is an error naming the file.
    pub fn new(rules: &RuleSet) -> Result<Backdoors, RuleError> {
        let mut compiler = yara_x::Compiler::new();
        for g in ["filename", "filepath"] {
            compiler.define_global(g, "").map_err(|e| RuleError {
                file: "backdoors/".into(),
                message: e.to_string(),
            })?;
        }
        let mut files = 0usize;
        let mut sources: Vec<(&str, &[u8])> = rules
            .under("backdoors/")
            .filter(|(p, _)| p.ends_with(".yar") || p.ends_with(".yara"))
            .collect();
        sources.sort_by(|a, b| a.0.cmp(b.0));
        for (path, bytes) in sources {
            let text = std::str::from_utf8(bytes).map_err(|e| RuleError {
                file: path.to_string(),
                message: format!("not UTF-8: {e}"),
            })?;
            // one namespace per file so that users' rule names cannot clash with ours
            compiler.new_namespace(path);
            compiler
                .add_source(yara_x::SourceCode::from(text).with_origin(path))
                .map_err(|e| RuleError {
                    file: path.to_string(),
                    message: e.to_string(),
                })?;
            files += 1;
        }
        if files == 0 {
            return Ok(Backdoors {
                rules: None,
                count: 0,
            });
        }
        let compiled = compiler.build();
        let count = compiled.iter().len();
        Ok(Backdoors {
            rules: Some(compiled),
            count,
        })
    }

    /// Number of compiled rules.
    pub fn rule_count(&self) -> usize {
        self.count
    }
}

struct Hit {
    path: String,
    rule: String,
    description: String,
    reference: String,
    cve: Option<String>,
    advisory: Option<String>,
    /// `vendor`, `year` and `artifact` meta: who shipped it, when it was documented, what
    /// the rule looks for
    vendor: Option<String>,
    year: Option<String>,
    artifact: Option<String>,
    severity: Severity,
    offset: u64,
    matched: String,
}

impl Analyzer for Backdoors {
    fn name(&self) -> &'static str {
        "backdoors"
    }

    fn run(&self, cx: &Context) -> Output {
        let mut out = Output::default();
        let Some(rules) = &self.rules else {
            return out;
        };
        let files: Vec<&netvet_unpack::Entry> = cx.tree.files().filter(|e| e.size > 0).collect();
        let workers = rayon::current_num_threads().max(1);
        let chunk = files.len().div_ceil(workers * 4).max(1);
        let hits: Vec<Hit> = files
            .par_chunks(chunk)
            .flat_map_iter(|chunk| {
                let mut scanner = yara_x::Scanner::new(rules);
                scanner.set_timeout(Duration::from_secs(30));
                scanner.max_matches_per_pattern(16);
                let mut hits = Vec::new();
                for e in chunk {
                    scan_one(&mut scanner, e, &mut hits);
                    // hand the pages of a large spilled content back (hostile input, docs/fuzzing.md)
                    netvet_unpack::spool::release(&e.data);
                }
                hits
            })
            .collect();
        for h in hits {
            let mut evidence = format!(
                "YARA rule {} matched at offset {:#x}: {}; {}; reference: {}",
                h.rule, h.offset, h.matched, h.description, h.reference
            );
            if let Some(a) = &h.advisory {
                evidence.push_str(&format!("; advisory: {a}"));
            }
            for (label, value) in [
                ("vendor", &h.vendor),
                ("year", &h.year),
                ("artifact", &h.artifact),
            ] {
                if let Some(v) = value {
                    evidence.push_str(&format!("; {label}: {v}"));
                }
            }
            let mut f = Finding::new(
                kinds::BACKDOOR_KNOWN_SIGNATURE,
                h.severity,
                format!("Known backdoor signature {}", h.rule),
                Some(h.path),
                evidence,
            )
            .with_offset(h.offset);
            if let Some(c) = h.cve {
                f = f.with_cve(c);
            }
            out.findings.push(f.with_key(&h.rule));
        }
        out
    }
}

fn scan_one(scanner: &mut yara_x::Scanner, e: &netvet_unpack::Entry, hits: &mut Vec<Hit>) {
    let _ = scanner.set_global("filename", e.file_name());
    let _ = scanner.set_global("filepath", e.inner_path());
    let first = hits.len();
    for (base, view, _) in netvet_unpack::spool::windows(&e.data, SCAN_WINDOW, SCAN_OVERLAP) {
        scan_window(scanner, e, view, base as u64, first, hits);
    }
}

/// Scan `window` (at `base` in the content of `e`), adding hits of rules that have not hit
/// this content already (`hits[first..]`).
fn scan_window(
    scanner: &mut yara_x::Scanner,
    e: &netvet_unpack::Entry,
    window: &[u8],
    base: u64,
    first: usize,
    hits: &mut Vec<Hit>,
) {
    let results = match scanner.scan(window) {
        Ok(r) => r,
        Err(_) => return, // timeout or scan error: nothing matched reliably
    };
    for rule in results.matching_rules() {
        if hits[first..].iter().any(|h| h.rule == rule.identifier()) {
            continue;
        }
        let mut description = String::new();
        let mut reference = String::new();
        let mut cve = None;
        let mut advisory = None;
        let (mut vendor, mut year, mut artifact) = (None, None, None);
        let mut severity = Severity::Critical;
        for (key, value) in rule.metadata() {
            let text = match value {
                yara_x::MetaValue::String(s) => s.to_string(),
                yara_x::MetaValue::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                yara_x::MetaValue::Integer(i) => i.to_string(),
                yara_x::MetaValue::Float(f) => f.to_string(),
                yara_x::MetaValue::Bool(b) => b.to_string(),
            };
            match key {
                "description" => description = text,
                "reference" => reference = text,
                "cve" => cve = Some(text),
                "advisory" => advisory = Some(text),
                "vendor" => vendor = Some(text),
                "year" => year = Some(text),
                "artifact" => artifact = Some(text),
                "severity" => severity = text.parse().unwrap_or(Severity::Critical),
                _ => {}
            }
        }
        let (offset, matched) = rule
            .patterns()
            .flat_map(|p| p.matches())
            .map(|m| (base + m.range().start as u64, printable(m.data())))
            .min_by_key(|(o, _)| *o)
            .unwrap_or((0, "(condition only)".into()));
        hits.push(Hit {
            path: e.path.clone(),
            rule: rule.identifier().to_string(),
            description,
            reference,
            cve,
            advisory,
            vendor,
            year,
            artifact,
            severity,
            offset,
            matched,
        });
    }
}

/// Matched bytes as text a person can compare: printable ASCII kept, others as `\xNN`.
fn printable(data: &[u8]) -> String {
    let mut s = String::from("\"");
    for &b in data.iter().take(EVIDENCE_BYTES) {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    if data.len() > EVIDENCE_BYTES {
        s.push_str("...");
    }
    s.push('"');
    s
}
