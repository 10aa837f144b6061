//! The policy (TOML): which catalogue entries apply, severity thresholds and waivers.
//!
//! ```toml
//! name = "operator-x-2025"
//! version = "3"
//! [requirements]
//! include = ["*"]                  # ids, or prefixes ending in `*`
//! exclude = ["TS33117-4.3.4"]
//! methods = ["image", "partial", "documentation"]   # default: all when `include` is
//!                                  # given, else image only (what a scan decides)
//! [regimes]
//! enforce_before_applicable = ["cra"]   # regime ids, or "*": enforce before applies_from
//! [thresholds]
//! fail = "medium"                  # findings at or above fail their requirements
//! [thresholds.kinds]
//! "unpack.error" = "high"
//! [[waiver]]
//! fingerprint = "0123456789abcdef01234567"
//! reason = "why this finding is accepted"
//! expires = 2026-06-30             # last day the waiver applies
//! requirement = "TS33117-4.3.2.1"  # optional: waive for this requirement only
//! ```
//! Every error names the file and the line.

use crate::catalogue::{Catalogue, Method, Requirement};
use crate::evidence::Evidence;
use crate::{line_col, toml_error, CertifyError};
use netvet_model::{kinds, Severity};
use netvet_rules::RuleSet;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use toml::Spanned;

/// Path of the default policy inside the rule set.
pub const DEFAULT_POLICY: &str = "policy/default.toml";
/// Directory of the built-in policy profiles inside the rule set.
pub const POLICY_DIR: &str = "policy/";

/// Largest policy file read (bytes).
const MAX_POLICY_BYTES: u64 = 4 << 20;
/// Most waivers in one policy.
const MAX_WAIVERS: usize = 100_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: Spanned<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    requirements: Option<RawSelection>,
    #[serde(default)]
    thresholds: Option<RawThresholds>,
    #[serde(default)]
    regimes: Option<RawRegimes>,
    #[serde(default)]
    waiver: Vec<RawWaiver>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegimes {
    #[serde(default)]
    enforce_before_applicable: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelection {
    #[serde(default)]
    include: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    methods: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    #[serde(default)]
    fail: Option<Spanned<String>>,
    #[serde(default)]
    kinds: BTreeMap<String, Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    fingerprint: Spanned<String>,
    reason: Spanned<String>,
    expires: Spanned<toml::Value>,
    #[serde(default)]
    requirement: Option<Spanned<String>>,
}

/// An accepted finding: its stable fingerprint, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    pub fingerprint: String,
    pub reason: String,
    /// Last day on which the waiver applies.
    pub expires: time::Date,
    /// Waive the finding for this requirement only (all requirements when `None`).
    pub requirement: Option<String>,
    /// Line of the waiver's fingerprint in the policy file.
    pub line: usize,
}

impl Waiver {
    /// Whether the waiver still applies on `today`.
    pub fn is_active(&self, today: time::Date) -> bool {
        today <= self.expires
    }
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub name: String,
    pub version: String,
    /// Where it came from: a file path, or `embedded:policy/default.toml`.
    pub origin: String,
    /// SHA-256 (hex) of the policy file's bytes.
    pub digest: String,
    include: Vec<String>,
    exclude: Vec<String>,
    /// Methods of the requirements it judges.
    pub methods: Vec<Method>,
    /// Regimes enforced before their `applies_from` date (`*`: all).
    pub enforce_before_applicable: Vec<String>,
    pub fail_threshold: Severity,
    pub kind_thresholds: BTreeMap<String, Severity>,
    pub waivers: Vec<Waiver>,
    /// Evidence supplied for partial and documentation requirements (`--evidence DIR`).
    pub evidence: Evidence,
}

impl Policy {
    /// Parse and check `text` (named `file` in errors) against `catalogue`.
    pub fn parse(text: &str, file: &str, catalogue: &Catalogue) -> Result<Policy, CertifyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            CertifyError::Syntax {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        if raw.name.get_ref().trim().is_empty() {
            return Err(at(raw.name.span(), "policy name is empty".into()));
        }
        let _ = raw.description;
        let sel = raw.requirements.unwrap_or(RawSelection {
            include: None,
            exclude: Vec::new(),
            methods: None,
        });
        let include_raw = sel.include.unwrap_or_default();
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for (list, out) in [(&include_raw, &mut include), (&sel.exclude, &mut exclude)] {
            for p in list {
                let pat = p.get_ref().trim().to_string();
                if !catalogue
                    .requirements
                    .iter()
                    .any(|r| pattern_matches(&pat, &r.id))
                {
                    return Err(at(
                        p.span(),
                        format!(
                            "{pat:?} matches no requirement of catalogue {}",
                            catalogue.version
                        ),
                    ));
                }
                out.push(pat);
            }
        }
        if include_raw.is_empty() {
            include.push("*".to_string());
        }
        let methods = match &sel.methods {
            Some(list) => {
                let mut out = Vec::new();
                for m in list {
                    let method = Method::parse(m.get_ref().trim()).ok_or_else(|| {
                        at(
                            m.span(),
                            format!(
                                "unknown method {:?} (image, partial or documentation)",
                                m.get_ref()
                            ),
                        )
                    })?;
                    if !out.contains(&method) {
                        out.push(method);
                    }
                }
                out
            }
            None if include_raw.is_empty() => vec![Method::Image],
            None => vec![Method::Image, Method::Partial, Method::Documentation],
        };
        let regimes = catalogue.regimes();
        let mut enforce_before_applicable = Vec::new();
        for r in raw
            .regimes
            .as_ref()
            .map(|r| r.enforce_before_applicable.as_slice())
            .unwrap_or_default()
        {
            let id = r.get_ref().trim();
            if id != "*" && !regimes.contains(&id) {
                return Err(at(
                    r.span(),
                    format!("unknown regime {id:?} (known: {})", regimes.join(", ")),
                ));
            }
            enforce_before_applicable.push(id.to_string());
        }

        let parse_sev = |s: &Spanned<String>| -> Result<Severity, CertifyError> {
            s.get_ref().parse::<Severity>().map_err(|e| at(s.span(), e))
        };
        let mut fail_threshold = Severity::Medium;
        let mut kind_thresholds = BTreeMap::new();
        if let Some(t) = &raw.thresholds {
            if let Some(f) = &t.fail {
                fail_threshold = parse_sev(f)?;
            }
            for (k, v) in &t.kinds {
                if !kinds::ALL.iter().any(|(known, _)| known == k) {
                    return Err(at(
                        v.span(),
                        format!("unknown finding kind {k:?} in [thresholds.kinds]"),
                    ));
                }
                kind_thresholds.insert(k.clone(), parse_sev(v)?);
            }
        }

        if raw.waiver.len() > MAX_WAIVERS {
            return Err(CertifyError::Invalid {
                file: file.to_string(),
                message: format!("more than {MAX_WAIVERS} waivers"),
            });
        }
        let mut waivers = Vec::with_capacity(raw.waiver.len());
        for w in &raw.waiver {
            let fp = w.fingerprint.get_ref().trim().to_ascii_lowercase();
            if fp.len() != 24 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(at(
                    w.fingerprint.span(),
                    format!(
                        "waiver fingerprint {:?} is not a finding fingerprint (24 hex digits)",
                        w.fingerprint.get_ref()
                    ),
                ));
            }
            if w.reason.get_ref().trim().is_empty() {
                return Err(at(w.reason.span(), "waiver reason is empty".into()));
            }
            let expires = parse_date(w.expires.get_ref()).map_err(|m| at(w.expires.span(), m))?;
            let requirement = match &w.requirement {
                Some(r) => {
                    if catalogue.get(r.get_ref()).is_none() {
                        return Err(at(
                            r.span(),
                            format!("waiver names unknown requirement {:?}", r.get_ref()),
                        ));
                    }
                    Some(r.get_ref().clone())
                }
                None => None,
            };
            waivers.push(Waiver {
                fingerprint: fp,
                reason: w.reason.get_ref().trim().to_string(),
                expires,
                requirement,
                line: line_col(text, w.fingerprint.span().start).0,
            });
        }
        Ok(Policy {
            name: raw.name.into_inner().trim().to_string(),
            version: raw.version.unwrap_or_default(),
            origin: file.to_string(),
            digest: hex::encode(Sha256::digest(text.as_bytes())),
            include,
            exclude,
            methods,
            enforce_before_applicable,
            fail_threshold,
            kind_thresholds,
            waivers,
            evidence: Evidence::default(),
        })
    }

    /// Read and check a policy file.
    pub fn load_file(path: &Path, catalogue: &Catalogue) -> Result<Policy, CertifyError> {
        let name = path.display().to_string();
        let io = |source| CertifyError::Io {
            file: name.clone(),
            source,
        };
        let md = std::fs::metadata(path).map_err(io)?;
        if md.len() > MAX_POLICY_BYTES {
            return Err(CertifyError::Invalid {
                file: name,
                message: format!("{} bytes is too large for a policy", md.len()),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        let text = String::from_utf8(bytes).map_err(|e| CertifyError::Invalid {
            file: name.clone(),
            message: format!("not UTF-8 text ({e})"),
        })?;
        Policy::parse(&text, &name, catalogue)
    }

    /// The default policy of the rule set (`policy/default.toml`).
    pub fn default_from(rules: &RuleSet, catalogue: &Catalogue) -> Result<Policy, CertifyError> {
        let text = rules
            .text(DEFAULT_POLICY)
            .ok_or_else(|| CertifyError::Invalid {
                file: DEFAULT_POLICY.to_string(),
                message: "the rule set has no default policy".to_string(),
            })?;
        let origin = match rules.origin(DEFAULT_POLICY) {
            Some(netvet_rules::Origin::User(p)) => p.clone(),
            _ => format!("embedded:{DEFAULT_POLICY}"),
        };
        Policy::parse(&text, &origin, catalogue)
    }

    /// A built-in policy profile (`policy/NAME.toml` of the rule set: `red`, `cra`, ...).
    pub fn builtin(
        rules: &RuleSet,
        name: &str,
        catalogue: &Catalogue,
    ) -> Result<Option<Policy>, CertifyError> {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(None);
        }
        let path = format!("{POLICY_DIR}{name}.toml");
        let Some(text) = rules.text(&path) else {
            return Ok(None);
        };
        let origin = match rules.origin(&path) {
            Some(netvet_rules::Origin::User(p)) => p.clone(),
            _ => format!("embedded:{path}"),
        };
        Policy::parse(&text, &origin, catalogue).map(Some)
    }

    /// Names of the built-in policy profiles, sorted.
    pub fn builtin_names(rules: &RuleSet) -> Vec<String> {
        let mut v: Vec<String> = rules
            .under(POLICY_DIR)
            .filter_map(|(p, _)| {
                p.strip_prefix(POLICY_DIR)?
                    .strip_suffix(".toml")
                    .filter(|n| !n.contains('/'))
                    .map(str::to_string)
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// `--policy NAME|FILE`: an existing file, else a built-in profile of that name.
    pub fn resolve(
        rules: &RuleSet,
        arg: &Path,
        catalogue: &Catalogue,
    ) -> Result<Policy, CertifyError> {
        if arg.exists() {
            return Policy::load_file(arg, catalogue);
        }
        if let Some(p) = Policy::builtin(rules, &arg.to_string_lossy(), catalogue)? {
            return Ok(p);
        }
        Err(CertifyError::Invalid {
            file: arg.display().to_string(),
            message: format!(
                "no such file, and no built-in policy of that name (built-in: {})",
                Policy::builtin_names(rules).join(", ")
            ),
        })
    }

    /// Whether requirement `r` is judged under this policy (selected and of a judged method).
    pub fn selects(&self, r: &Requirement) -> bool {
        self.methods.contains(&r.method) && self.applies(&r.id)
    }

    /// Whether `regime` is enforced before its requirements apply.
    pub fn enforces_early(&self, regime: &str) -> bool {
        self.enforce_before_applicable
            .iter()
            .any(|r| r == "*" || r == regime)
    }

    /// Whether catalogue entry `id` applies under this policy.
    pub fn applies(&self, id: &str) -> bool {
        self.include.iter().any(|p| pattern_matches(p, id))
            && !self.exclude.iter().any(|p| pattern_matches(p, id))
    }

    /// Severity from which a finding of `kind` fails its requirements.
    pub fn threshold(&self, kind: &str) -> Severity {
        self.kind_thresholds
            .get(kind)
            .copied()
            .unwrap_or(self.fail_threshold)
    }
}

/// `*` matches everything, `ABC*` every id starting with `ABC`, anything else only itself.
fn pattern_matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// A TOML local date (`2026-06-30`) or a string holding one.
pub(crate) fn parse_date(v: &toml::Value) -> Result<time::Date, String> {
    let s = match v {
        toml::Value::Datetime(d) => match (d.date, d.time) {
            (Some(date), None) => {
                return date_from(date.year as i32, date.month, date.day)
                    .ok_or_else(|| format!("invalid date {d}"))
            }
            _ => return Err(format!("expires must be a date (YYYY-MM-DD), not {d}")),
        },
        toml::Value::String(s) => s.trim(),
        other => {
            return Err(format!(
                "expires must be a date (YYYY-MM-DD), not a {}",
                other.type_str()
            ))
        }
    };
    let mut it = s.splitn(3, '-');
    let parsed = (|| {
        let y: i32 = it.next()?.parse().ok()?;
        let m: u8 = it.next()?.parse().ok()?;
        let d: u8 = it.next()?.parse().ok()?;
        date_from(y, m, d)
    })();
    parsed.ok_or_else(|| format!("expires {s:?} is not a date (YYYY-MM-DD)"))
}

fn date_from(y: i32, m: u8, d: u8) -> Option<time::Date> {
    let month = time::Month::try_from(m).ok()?;
    time::Date::from_calendar_date(y, month, d).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::from_rules(&RuleSet::embedded()).unwrap()
    }

    #[test]
    fn embedded_default_policy_loads() {
        let c = cat();
        let p = Policy::default_from(&RuleSet::embedded(), &c).unwrap();
        assert_eq!(p.name, "netvet-default");
        assert_eq!(p.origin, "embedded:policy/default.toml");
        assert_eq!(p.fail_threshold, Severity::Medium);
        assert_eq!(p.threshold("unpack.error"), Severity::High);
        assert_eq!(p.threshold("vuln.cve"), Severity::Medium);
        assert!(p.applies("TS33117-4.3.2.1"));
        assert!(p.waivers.is_empty());
        assert_eq!(p.digest.len(), 64);
    }

    #[test]
    fn selection_thresholds_and_waivers_parse() {
        let text = r#"
name = "lab"
version = "2"
[requirements]
include = ["TS33117-*", "NV-UNPACK-1"]
exclude = ["TS33117-4.3.4"]
[thresholds]
fail = "high"
[thresholds.kinds]
"vuln.cve" = "critical"
[[waiver]]
fingerprint = "00112233445566778899AABB"
reason = "accepted until the next release"
expires = 2026-06-30
[[waiver]]
fingerprint = "ffeeddccbbaa998877665544"
reason = "string date"
expires = "2024-01-31"
requirement = "TS33117-4.3.2.1"
"#;
        let p = Policy::parse(text, "lab.toml", &cat()).unwrap();
        assert!(p.applies("TS33117-4.3.2.1"));
        assert!(p.applies("NV-UNPACK-1"));
        assert!(!p.applies("TS33117-4.3.4"));
        assert!(!p.applies("EN303645-5.1-1"));
        assert_eq!(p.threshold("vuln.cve"), Severity::Critical);
        assert_eq!(p.threshold("key.weak"), Severity::High);
        assert_eq!(p.waivers.len(), 2);
        assert_eq!(p.waivers[0].fingerprint, "00112233445566778899aabb");
        assert_eq!(p.waivers[0].line, 12);
        assert_eq!(p.waivers[0].expires.to_string(), "2026-06-30");
        assert_eq!(p.waivers[1].requirement.as_deref(), Some("TS33117-4.3.2.1"));
        let d = |s: &str| parse_date(&toml::Value::String(s.into())).unwrap();
        assert!(p.waivers[1].is_active(d("2024-01-31")));
        assert!(!p.waivers[1].is_active(d("2024-02-01")));
    }

    #[test]
    fn bad_policies_name_file_and_line() {
        let c = cat();
        let cases: &[(&str, &str)] = &[
            ("name = \"x\"\n[thresholds]\nfail = \"urgent\"\n", "p.toml:3:8: unknown severity 'urgent'"),
            ("name = \"x\"\n[requirements]\ninclude = [\"NOPE-1\"]\n", "p.toml:3:12: \"NOPE-1\" matches no requirement"),
            (
                "name = \"x\"\n\n[[waiver]]\nfingerprint = \"abc\"\nreason = \"r\"\nexpires = 2026-01-01\n",
                "p.toml:4:15: waiver fingerprint \"abc\" is not a finding fingerprint",
            ),
            (
                "name = \"x\"\n[[waiver]]\nfingerprint = \"00112233445566778899aabb\"\nreason = \"r\"\nexpires = \"soon\"\n",
                "p.toml:5:11: expires \"soon\" is not a date",
            ),
            (
                "name = \"x\"\n[[waiver]]\nfingerprint = \"00112233445566778899aabb\"\nreason = \" \"\nexpires = 2026-01-01\n",
                "p.toml:4:10: waiver reason is empty",
            ),
            ("name = \"x\"\ncolour = 1\n", "p.toml:2:1: unknown field `colour`"),
            ("name = \"x\"\n[thresholds.kinds]\n\"nope\" = \"high\"\n", "p.toml:3:10: unknown finding kind \"nope\""),
            ("name = \n", "p.toml:1:"),
            ("version = \"1\"\n", "p.toml:1:1: missing field `name`"),
        ];
        for (text, want) in cases {
            let e = Policy::parse(text, "p.toml", &c).unwrap_err().to_string();
            assert!(
                e.starts_with(want),
                "policy {text:?}: got {e:?}, want prefix {want:?}"
            );
        }
    }

    #[test]
    fn load_file_reports_missing_file() {
        let e = Policy::load_file(Path::new("/nonexistent/p.toml"), &cat()).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/p.toml: "), "{e}");
    }

    #[test]
    fn builtin_profiles_load_and_select_their_regime() {
        let rules = RuleSet::embedded();
        let c = cat();
        let names = Policy::builtin_names(&rules);
        for n in [
            "cra", "default", "en303645", "psti", "red", "regimes", "tr03163", "ts33117",
        ] {
            assert!(names.contains(&n.to_string()), "{names:?}");
        }
        let red = Policy::resolve(&rules, Path::new("red"), &c).unwrap();
        assert_eq!(red.name, "red");
        assert_eq!(red.origin, "embedded:policy/red.toml");
        assert_eq!(
            red.methods,
            vec![Method::Image, Method::Partial, Method::Documentation]
        );
        let aum = c.get("EN18031-1-AUM-5-1").unwrap();
        assert!(red.selects(aum));
        assert!(!red.selects(c.get("PSTI-1").unwrap()));
        let psti = Policy::resolve(&rules, Path::new("psti"), &c).unwrap();
        let n = c.requirements.iter().filter(|r| psti.selects(r)).count();
        assert_eq!(n, 3);
        // the default judges only what a scan decides
        let d = Policy::resolve(&rules, Path::new("default"), &c).unwrap();
        assert_eq!(d.methods, vec![Method::Image]);
        assert!(!d.selects(aum));
        assert!(d.selects(c.get("TS33117-4.3.2.6").unwrap()));
        // a file wins over a built-in name; an unknown name lists the built-ins
        let e = Policy::resolve(&rules, Path::new("nope"), &c)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("nope: no such file, and no built-in policy"),
            "{e}"
        );
        assert!(e.contains("cra, default, en303645"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("red");
        std::fs::write(&f, "name = \"my-red\"\n").unwrap();
        assert_eq!(Policy::resolve(&rules, &f, &c).unwrap().name, "my-red");
        // names are not paths into the rule set
        assert!(Policy::builtin(&rules, "../requirements/cra", &c)
            .unwrap()
            .is_none());
    }

    #[test]
    fn methods_and_regimes_are_checked() {
        let c = cat();
        let p = Policy::parse(
            "name = \"x\"\n[requirements]\nmethods = [\"documentation\"]\n[regimes]\nenforce_before_applicable = [\"cra\", \"*\"]\n",
            "p.toml",
            &c,
        )
        .unwrap();
        assert_eq!(p.methods, vec![Method::Documentation]);
        assert!(p.enforces_early("cra"));
        assert!(p.enforces_early("red"));
        assert!(!p.selects(c.get("TS33117-4.3.2.6").unwrap()));
        assert!(p.selects(c.get("PSTI-2").unwrap()));
        let cases: &[(&str, &str)] = &[
            (
                "name = \"x\"\n[requirements]\nmethods = [\"scan\"]\n",
                "p.toml:3:12: unknown method \"scan\"",
            ),
            (
                "name = \"x\"\n[regimes]\nenforce_before_applicable = [\"eu\"]\n",
                "p.toml:3:30: unknown regime \"eu\" (known: cra, en303645",
            ),
            (
                "name = \"x\"\n[regimes]\nenforce = true\n",
                "p.toml:3:1: unknown field `enforce`",
            ),
        ];
        for (text, want) in cases {
            let e = Policy::parse(text, "p.toml", &c).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: got {e:?}, want {want:?}");
        }
    }
}
