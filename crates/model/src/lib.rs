//! Domain types shared by every netvet stage.
//!
//! This crate sits at the bottom of the one-way flow (unpack -> analyze -> sbom -> vulndb ->
//! certify -> report): it holds only plain data (findings, components, the report) and no
//! logic that belongs to a stage. Field names follow the stable report contract
//! (`docs/report.md`); fields may be added, never renamed.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::str::FromStr;

pub mod html;
pub mod kinds;
pub mod version;

/// Severity of a finding, ordered from `Info` (lowest) to `Critical` (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Severity from a CVSS base score (v3.x / v4 qualitative rating scale).
    pub fn from_cvss(score: f64) -> Severity {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else if score > 0.0 {
            Severity::Low
        } else {
            Severity::Info
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(format!(
                "unknown severity '{other}' (expected critical, high, medium, low or info)"
            )),
        }
    }
}

/// One security-relevant observation about an image, with evidence a person can check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Report-local id (`F0001`, ...), assigned when the report is assembled.
    #[serde(default)]
    pub id: String,
    /// One of the kinds in [`kinds`] (for example `credential.default-password`).
    pub kind: String,
    pub severity: Severity,
    pub title: String,
    /// Path inside the unpacked tree (see the report contract), if the finding has one.
    pub path: Option<String>,
    /// Byte offset inside the file at `path`, if meaningful.
    pub offset: Option<u64>,
    pub evidence: String,
    /// Requirement ids this finding violates (filled by the certify stage).
    #[serde(default)]
    pub requirements: Vec<String>,
    pub cve: Option<String>,
    pub component: Option<String>,
    /// Stable fingerprint (hex SHA-256 prefix) used for waivers and release diffs. It does not
    /// depend on the report-local id nor on the order of findings.
    #[serde(default)]
    pub fingerprint: String,
    /// SHA-256 (hex) of the file at `path` when the finding names a file of the tree, so that
    /// the evidence identifies the exact binary or script (not part of the fingerprint).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The boot, scheduled or hotplug command that starts the file at `path`
    /// (`etc/init.d/rcS line 3: /usr/sbin/x & (enabled by etc/inittab)`), when one does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_by: Option<String>,
}

impl Finding {
    /// A finding with the required fields; optional fields empty. The fingerprint is derived
    /// from kind, path and `key` (a short stable description such as the account name).
    pub fn new(
        kind: &str,
        severity: Severity,
        title: impl Into<String>,
        path: Option<String>,
        evidence: impl Into<String>,
    ) -> Finding {
        let mut f = Finding {
            id: String::new(),
            kind: kind.to_string(),
            severity,
            title: title.into(),
            path,
            offset: None,
            evidence: evidence.into(),
            requirements: Vec::new(),
            cve: None,
            component: None,
            fingerprint: String::new(),
            sha256: None,
            started_by: None,
        };
        f.fingerprint = f.compute_fingerprint("");
        f
    }

    pub fn with_offset(mut self, offset: u64) -> Finding {
        self.offset = Some(offset);
        self
    }

    pub fn with_cve(mut self, cve: impl Into<String>) -> Finding {
        self.cve = Some(cve.into());
        self.fingerprint = self.compute_fingerprint("");
        self
    }

    pub fn with_component(mut self, component: impl Into<String>) -> Finding {
        self.component = Some(component.into());
        self.fingerprint = self.compute_fingerprint("");
        self
    }

    /// Override the stable part of the fingerprint with `key` (for example the account name
    /// for a credential finding, so that a changed password hash is the same finding).
    pub fn with_key(mut self, key: &str) -> Finding {
        self.fingerprint = self.compute_fingerprint(key);
        self
    }

    /// The path with layer prefixes removed where possible: the part inside the innermost file
    /// system. Used for fingerprints so that a finding keeps its identity when a vendor moves
    /// the root file system to another offset.
    pub fn inner_path(&self) -> Option<&str> {
        self.path.as_deref().map(inner_path)
    }

    fn compute_fingerprint(&self, key: &str) -> String {
        let mut h = Sha256::new();
        h.update(self.kind.as_bytes());
        h.update([0]);
        h.update(self.inner_path().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(self.cve.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(self.component.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        if key.is_empty() {
            h.update(self.title.as_bytes());
        } else {
            h.update(key.as_bytes());
        }
        hex::encode(&h.finalize()[..12])
    }
}

/// Strip layer directories (`<something>.extract/0x1c.squashfs/`) from a tree path, keeping
/// the path inside the innermost layer.
pub fn inner_path(path: &str) -> &str {
    let mut rest = path;
    while let Some(i) = rest.find(".extract/") {
        let after = &rest[i + ".extract/".len()..];
        // skip the layer directory itself (`0x1c.squashfs/`)
        match after.find('/') {
            Some(j) => rest = &after[j + 1..],
            None => return after,
        }
    }
    // a top-level layer directory such as `0x1c.squashfs/etc/shadow`
    if rest.starts_with("0x") {
        if let Some(j) = rest.find('/') {
            let first = &rest[..j];
            if first.contains('.') {
                return &rest[j + 1..];
            }
        }
    }
    rest
}

/// A software component found in the image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Component {
    pub name: String,
    pub version: String,
    pub purl: String,
    pub cpe: Option<String>,
    /// Every path where the component was found (sorted, deduplicated).
    pub paths: Vec<String>,
    pub evidence: String,
    /// How it was identified: `opkg`, `dpkg`, `banner`, `elf-soname`, `kernel`, ...
    #[serde(default)]
    pub source: String,
}

/// Image identity in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    pub path: String,
    pub sha256: String,
    pub size: u64,
}

/// One unpacked layer (a chunk of a known format found in a blob).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Tree path of the directory holding this layer's entries.
    pub path: String,
    pub format: String,
    /// Offset of the chunk in the parent blob.
    pub offset: u64,
    pub size: u64,
    /// Tree path of the blob the chunk was found in (empty for the image itself).
    #[serde(default)]
    pub parent: String,
    /// Variant detail (`2.0 be lzma`), empty when the format has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpackErrorInfo {
    pub path: String,
    pub format: String,
    #[serde(default)]
    pub offset: u64,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitHitInfo {
    pub path: String,
    pub limit: String,
    pub detail: String,
}

/// A checksum, CRC, digest or signature field of a container header and what verifying it
/// gave. `stored` and `computed` are hex, as the field is written (big- or little-endian
/// values printed as numbers, digests as bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrityCheck {
    /// Tree path of the layer whose header carries the field (`0x0.trx`).
    pub layer: String,
    /// Container format (`trx`, `uimage`, `tplink`, ...).
    pub format: String,
    /// Field name as in the public header definition (`crc32`, `ih_dcrc`, `md5sum1`).
    pub field: String,
    /// How the value is computed (`crc32 of bytes 12..len`, `md5 with salt`, ...).
    pub algorithm: String,
    pub stored: String,
    pub computed: String,
    /// `stored == computed`.
    pub ok: bool,
}

/// A region that could not be opened: an unknown format, or a known container whose scheme
/// (cipher, key) is not available. Reported with its first bytes and entropy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnsupportedInfo {
    /// Tree path of the blob holding the region (empty for the image itself).
    pub path: String,
    pub offset: u64,
    pub size: u64,
    /// First bytes of the region, hex.
    pub header: String,
    /// Shannon entropy in bits per byte, two decimals (`7.99`); above ~7.5 the region is
    /// compressed or encrypted.
    pub entropy: String,
    pub reason: String,
}

/// How much of the image unpacking understood: bytes of known formats (recursively: a
/// container counts as far as its payload was understood), known padding, and leaves (ELF,
/// text) over the image size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub understood: u64,
    pub total: u64,
    /// `understood / total` in per cent, one decimal (`97.3`).
    pub percent: Percent,
}

/// A percentage with one decimal, stored as tenths so that reports compare exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Percent(pub u32);

impl Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(self.0) / 10.0)
    }
}

impl<'de> Deserialize<'de> for Percent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Percent, D::Error> {
        let v = f64::deserialize(d)?;
        Ok(Percent((v * 10.0).round().clamp(0.0, 1000.0) as u32))
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl Coverage {
    pub fn new(understood: u64, total: u64) -> Coverage {
        let understood = understood.min(total);
        let tenths = if total == 0 {
            1000
        } else {
            ((understood as u128 * 1000 + total as u128 / 2) / total as u128) as u32
        };
        Coverage {
            understood,
            total,
            percent: Percent(tenths),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnpackSummary {
    pub files: u64,
    pub bytes: u64,
    pub layers: Vec<LayerInfo>,
    pub errors: Vec<UnpackErrorInfo>,
    pub limits_hit: Vec<LimitHitInfo>,
    /// Whether the file-system sandbox was enforced by the kernel (`null` when not attempted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<String>,
    /// Every checksum, CRC, digest or signature field of a container header, verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub integrity: Vec<IntegrityCheck>,
    /// Regions that could not be opened (unknown format, or a scheme without its key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<UnsupportedInfo>,
    /// Bytes understood over total bytes of the image (absent for a directory input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coverage: Option<Coverage>,
}

/// Per-requirement result of the verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub id: String,
    pub title: String,
    /// `pass`, `fail`, `waived`, `not-tested`, `needs-evidence` (a partial or documentation
    /// requirement without supplied evidence) or `not-applicable` (evidence says so).
    pub status: String,
    pub findings: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// How the requirement is decided: `image`, `partial` or `documentation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The regime (catalogue group) it belongs to: `red`, `cra`, `psti`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regime: Option<String>,
    /// First day the requirement applies (ISO date), when the regime has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    /// `false` when it was reported but not enforced (not yet applicable at the verdict date).
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enforced: bool,
    /// The supplied evidence that decided it (reference and file), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
    /// The finding kinds the scan looked for to decide it (the catalogue's violating kinds);
    /// empty when the image scan does not test it. Lets a report say what a `pass` covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for RequirementResult {
    fn default() -> Self {
        RequirementResult {
            id: String::new(),
            title: String::new(),
            status: String::new(),
            findings: Vec::new(),
            source: None,
            method: None,
            regime: None,
            applies_from: None,
            enforced: true,
            evidence: None,
            checks: Vec::new(),
        }
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// `pass`, `conditional`, `needs-evidence` or `fail` over the enforced requirements;
    /// `not-applicable` when none is enforced at the verdict date.
    pub result: VerdictResult,
    pub policy: String,
    pub requirements: Vec<RequirementResult>,
    /// The date the verdict was made for (ISO date): decides which regimes apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The verdict per regime (EN 18031 under RED, CRA, UK PSTI, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regimes: Vec<RegimeVerdict>,
}

impl Verdict {
    /// [`Verdict::result`] (kept for callers that read it as an optional outcome).
    pub fn outcome(&self) -> Option<VerdictResult> {
        Some(self.result)
    }
}

/// The result of a certification verdict (overall or per regime), as written in reports,
/// attestations and the lab service's records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictResult {
    Pass,
    Conditional,
    NeedsEvidence,
    Fail,
    /// No requirement is enforced (also the value of a verdict not yet made).
    #[default]
    NotApplicable,
}

impl VerdictResult {
    pub const ALL: [VerdictResult; 5] = [
        VerdictResult::Pass,
        VerdictResult::Conditional,
        VerdictResult::NeedsEvidence,
        VerdictResult::Fail,
        VerdictResult::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VerdictResult::Pass => "pass",
            VerdictResult::Conditional => "conditional",
            VerdictResult::NeedsEvidence => "needs-evidence",
            VerdictResult::Fail => "fail",
            VerdictResult::NotApplicable => "not-applicable",
        }
    }
}

impl fmt::Display for VerdictResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compares with the wire name (`result == "fail"`).
impl PartialEq<&str> for VerdictResult {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl FromStr for VerdictResult {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        VerdictResult::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown verdict '{s}' (expected pass, conditional, needs-evidence, fail or not-applicable)")
            })
    }
}

/// The verdict of one regime: the requirements of its catalogues that the policy applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegimeVerdict {
    /// Short id (`red`, `cra`, `psti`, `ts33117`, ...).
    pub regime: String,
    /// The documents (with versions) judged.
    pub documents: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub jurisdiction: String,
    /// Earliest date one of its requirements applies from (ISO date).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    /// Whether every judged requirement applies at the verdict date.
    pub in_force: bool,
    /// Whether any judged requirement was enforced (counted in the overall result).
    pub enforced: bool,
    /// `pass`, `conditional`, `needs-evidence` or `fail` over its judged requirements.
    pub result: VerdictResult,
    /// Requirements judged, and the number the catalogues hold for this regime: fewer judged
    /// means the policy left some out, and `pass` covers only those judged.
    pub judged: usize,
    pub total: usize,
    /// Judged requirements per status.
    pub counts: std::collections::BTreeMap<String, usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timing {
    pub unpack: u64,
    pub analyze: u64,
    pub total: u64,
    /// Wall time of each analyzer and later stage (`analyzer:keys`, `sbom`, `vulndb`,
    /// `certify`, ...), in milliseconds; analyzers run in parallel, so these overlap and their
    /// sum exceeds `analyze`. Optional in the contract.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub stages: std::collections::BTreeMap<String, u64>,
}

pub const REPORT_SCHEMA: &str = "netvet.report/1";

/// The scan report (`netvet.report/1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub netvet_version: String,
    pub image: ImageInfo,
    pub unpack: UnpackSummary,
    pub arch: Vec<String>,
    pub components: Vec<Component>,
    pub findings: Vec<Finding>,
    pub verdict: Option<Verdict>,
    pub timing_ms: Timing,
    /// Extra per-analyzer summaries (hardening table, unsafe-function counts, ...), keyed by
    /// analyzer name. Optional in the contract.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub summaries: serde_json::Map<String, serde_json::Value>,
}

impl Report {
    pub fn new(image: ImageInfo) -> Report {
        Report {
            schema: REPORT_SCHEMA.to_string(),
            netvet_version: env!("CARGO_PKG_VERSION").to_string(),
            image,
            unpack: UnpackSummary::default(),
            arch: Vec::new(),
            components: Vec::new(),
            findings: Vec::new(),
            verdict: None,
            timing_ms: Timing::default(),
            summaries: serde_json::Map::new(),
        }
    }

    /// Sort findings deterministically (severity desc, kind, path, evidence) and number them.
    pub fn number_findings(&mut self) {
        self.findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.path.cmp(&b.path))
                .then_with(|| a.evidence.cmp(&b.evidence))
        });
        for (i, f) in self.findings.iter_mut().enumerate() {
            f.id = format!("F{:04}", i + 1);
        }
    }

    /// Highest severity among findings, if any.
    pub fn max_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The certification verdict's result, when the report was judged.
    pub fn verdict_result(&self) -> Option<VerdictResult> {
        self.verdict.as_ref().and_then(Verdict::outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdict_results_keep_their_wire_names() {
        for v in VerdictResult::ALL {
            assert_eq!(v.as_str().parse::<VerdictResult>(), Ok(v));
            assert_eq!(serde_json::to_value(v).unwrap(), v.as_str());
        }
        assert_eq!(
            serde_json::to_value(VerdictResult::NeedsEvidence).unwrap(),
            "needs-evidence"
        );
        assert!("passed".parse::<VerdictResult>().is_err());
        let v = Verdict {
            result: VerdictResult::Fail,
            ..Default::default()
        };
        assert_eq!(v.outcome(), Some(VerdictResult::Fail));
    }

    #[test]
    fn severity_order_and_parse() {
        assert!(Severity::Critical > Severity::High);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("urgent".parse::<Severity>().is_err());
        assert_eq!(Severity::from_cvss(9.8), Severity::Critical);
        assert_eq!(Severity::from_cvss(5.3), Severity::Medium);
    }

    #[test]
    fn inner_path_strips_layers() {
        assert_eq!(inner_path("0x1c.squashfs/etc/shadow"), "etc/shadow");
        assert_eq!(
            inner_path("0x0.trx/part1.extract/0x0.squashfs/etc/shadow"),
            "etc/shadow"
        );
        assert_eq!(inner_path("etc/shadow"), "etc/shadow");
    }

    #[test]
    fn fingerprint_ignores_layer_offset() {
        let a = Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "t",
            Some("0x1c.squashfs/etc/shadow".into()),
            "e",
        )
        .with_key("root");
        let b = Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "t2",
            Some("0x40.squashfs/etc/shadow".into()),
            "e2",
        )
        .with_key("root");
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 24);
    }
}

/// Test prerequisites (the corpus, PostgreSQL, Chromium): a test that lacks one says so where a
/// person sees it and returns early, except where it must not skip: with
/// `NETVET_REQUIRE_<WHAT>=1`, or in CI (`CI=true`), a missing prerequisite fails the test.
pub mod testenv {
    use std::io::Write;

    /// Whether a missing prerequisite must fail the test: `NETVET_REQUIRE_<what>=1` or `CI=true`.
    pub fn required(what: &str) -> bool {
        let var = format!("NETVET_REQUIRE_{}", what.to_ascii_uppercase());
        std::env::var(var).as_deref() == Ok("1")
            || matches!(std::env::var("CI").as_deref(), Ok("true") | Ok("1"))
    }

    /// Skip a test for want of `what`, or fail it when [`required`].
    ///
    /// The note is written to the process's standard error directly, past the test harness's
    /// output capture, so a skipped test shows as `SKIPPED` in a plain `cargo test` run.
    ///
    /// # Panics
    /// When the prerequisite is required (CI must not skip silently).
    #[allow(
        clippy::panic,
        reason = "test support: failing the calling test is what a required prerequisite asks for"
    )]
    pub fn skip(what: &str, why: &str) {
        if required(what) {
            panic!(
                "{why}, and {what} is required here (NETVET_REQUIRE_{}=1 or CI=true)",
                what.to_ascii_uppercase()
            );
        }
        let _ = writeln!(std::io::stderr(), "SKIPPED ({what}): {why}");
    }
}

/// Locating the shared test corpus (`../shared/corpus` next to the repository, or
/// `NETVET_CORPUS`). Tests that need it call [`corpus::dir`] and return early when it is
/// `None`; with `NETVET_REQUIRE_CORPUS=1` or `CI=true` a missing corpus fails the test.
pub mod corpus {
    use std::path::PathBuf;

    /// The corpus directory, or `None` (after a visible `SKIPPED` note) when it is absent.
    ///
    /// # Panics
    /// When the corpus is absent and required ([`crate::testenv::required`]).
    pub fn dir() -> Option<PathBuf> {
        let p = match std::env::var_os("NETVET_CORPUS") {
            Some(p) => PathBuf::from(p),
            None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
        };
        if p.join("README.md").is_file() {
            return Some(p);
        }
        crate::testenv::skip(
            "corpus",
            &format!("test corpus not found at {}", p.display()),
        );
        None
    }

    /// A file or directory inside the corpus, or `None` when the corpus is absent.
    pub fn path(rel: &str) -> Option<PathBuf> {
        dir().map(|d| d.join(rel))
    }
}
