//! Offline vulnerability database (NVD CVE API 2.0, OSV) and CPE matching.
//!
//! - [`record`]: the facts kept per vulnerability, parsed from NVD and OSV JSON;
//! - [`store::VulnDb`]: the SQLite database (`netvet db import|stats`);
//! - [`cpe`], [`version`], [`applicability`]: CPE 2.3 names, the version order for embedded
//!   versions, and configuration evaluation;
//! - [`Matcher`]: components of an image -> `vuln.cve` findings, from the embedded default
//!   dataset (`rules/vulndb/`) plus the user's database.

pub mod applicability;
pub mod cpe;
pub mod record;
pub mod store;
pub mod version;

use applicability::Target;
use netvet_model::{kinds, Component, Finding, Severity};
pub use record::Record;
use std::collections::BTreeMap;
pub use store::{DbStats, ImportStats, VulnDb};

#[derive(Debug, thiserror::Error)]
pub enum VulnError {
    #[error("vulnerability database {0}: {1}")]
    Db(String, String),
    #[error("{0}: {1}")]
    Io(String, String),
    #[error("embedded vulnerability data {0}: {1}")]
    Embedded(String, String),
}

/// Path of the embedded default dataset inside the rule set.
pub const EMBEDDED_PREFIX: &str = "vulndb/";

/// Records of the embedded dataset (`rules/vulndb/*.jsonl`, one record of facts a line).
pub fn embedded_records(rules: &netvet_rules::RuleSet) -> Result<Vec<Record>, VulnError> {
    let mut out = Vec::new();
    for (path, bytes) in rules.under(EMBEDDED_PREFIX) {
        if !path.ends_with(".jsonl") {
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let r: Record = serde_json::from_str(line)
                .map_err(|e| VulnError::Embedded(format!("{path}:{}", n + 1), e.to_string()))?;
            out.push(r);
        }
    }
    Ok(out)
}

/// Matches components against the embedded dataset and, when present, the user's database
/// (whose records replace embedded ones of the same id).
pub struct Matcher {
    embedded: VulnDb,
    user: Option<VulnDb>,
}

/// One vulnerability of one component.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub component: usize,
    pub cvss: Option<f64>,
    pub vector: String,
    pub cwe: Vec<String>,
    /// The criterion that matched.
    pub criterion: String,
}

impl Matcher {
    /// From the embedded records in `rules` and an optional user database.
    pub fn new(rules: &netvet_rules::RuleSet, user: Option<VulnDb>) -> Result<Matcher, VulnError> {
        let mut embedded = VulnDb::in_memory()?;
        embedded.insert(&embedded_records(rules)?)?;
        Ok(Matcher { embedded, user })
    }

    /// Only the given database (tests, benchmarks).
    pub fn with_db(db: VulnDb) -> Result<Matcher, VulnError> {
        Ok(Matcher {
            embedded: VulnDb::in_memory()?,
            user: Some(db),
        })
    }

    fn candidates(&self, targets: &[Target]) -> Result<BTreeMap<String, Record>, VulnError> {
        let mut out: BTreeMap<String, Record> = BTreeMap::new();
        let mut seen_keys = std::collections::HashSet::new();
        for t in targets {
            let mut keys = Vec::new();
            if let Some((v, p)) = t.cpe.as_ref().and_then(|c| c.key()) {
                keys.push((Some(v), p));
            }
            for n in &t.names {
                keys.push((None, n.clone()));
            }
            for k in keys {
                if !seen_keys.insert(k.clone()) {
                    continue;
                }
                for db in std::iter::once(&self.embedded).chain(self.user.as_ref()) {
                    let recs = match &k {
                        (Some(v), p) => db.by_cpe(v, p)?,
                        (None, n) => db.by_package(n)?,
                    };
                    for r in recs {
                        // later databases (the user's) replace earlier ones
                        out.insert(r.id.clone(), r);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Every (vulnerability, component) pair.
    pub fn hits(&self, components: &[Component]) -> Result<Vec<Hit>, VulnError> {
        let targets: Vec<Target> = components.iter().map(target_of).collect();
        let cands = self.candidates(&targets)?;
        let mut out = Vec::new();
        for rec in cands.values() {
            for (i, why) in applicability::affected(rec, &targets) {
                out.push(Hit {
                    id: rec.id.clone(),
                    component: i,
                    cvss: rec.cvss,
                    vector: rec.vector.clone(),
                    cwe: rec.cwe.clone(),
                    criterion: why,
                });
            }
        }
        out.sort_by(|a, b| a.component.cmp(&b.component).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Records that name a component (its CPE vendor and product, or its package name) but
    /// admit none of its version: `(record id, component index)`, for VEX `not_affected`
    /// statements. Components without a version are skipped (nothing can be excluded).
    pub fn not_affected(
        &self,
        components: &[Component],
    ) -> Result<Vec<(String, usize)>, VulnError> {
        let hit: std::collections::HashSet<(String, usize)> = self
            .hits(components)?
            .into_iter()
            .map(|h| (h.id, h.component))
            .collect();
        let mut out = Vec::new();
        for (i, c) in components.iter().enumerate() {
            if c.version.is_empty() {
                continue;
            }
            let t = target_of(c);
            for id in self.candidates(std::slice::from_ref(&t))?.into_keys() {
                if !hit.contains(&(id.clone(), i)) {
                    out.push((id, i));
                }
            }
        }
        Ok(out)
    }

    /// `vuln.cve` findings for the components.
    pub fn findings(&self, components: &[Component]) -> Result<Vec<Finding>, VulnError> {
        Ok(self
            .hits(components)?
            .into_iter()
            .filter_map(|h| components.get(h.component).map(|c| finding(&h, c)))
            .collect())
    }
}

/// The matcher's view of a component: its CPE, version and names.
pub fn target_of(c: &Component) -> Target {
    let mut names: Vec<&str> = vec![c.name.as_str()];
    // pkg:type/namespace/name@version -> name
    if let Some(n) = c
        .purl
        .split('@')
        .next()
        .and_then(|p| p.rsplit('/').next())
        .filter(|n| !n.is_empty())
    {
        if n != c.name {
            names.push(n);
        }
    }
    Target::new(c.cpe.as_deref(), &c.version, &names)
}

/// The finding for one hit.
pub fn finding(h: &Hit, c: &Component) -> Finding {
    let severity = h.cvss.map(Severity::from_cvss).unwrap_or(Severity::Medium);
    let score = match h.cvss {
        Some(s) => format!("CVSS {s:.1} ({})", h.vector),
        None => "no CVSS score".to_string(),
    };
    let cwe = if h.cwe.is_empty() {
        String::new()
    } else {
        format!("; {}", h.cwe.join(", "))
    };
    let path = primary_path(c);
    let where_ = match c.paths.len() {
        0 => String::new(),
        n if n > 5 => format!("; found at {} and {} more", c.paths[..5].join(", "), n - 5),
        _ => format!("; found at {}", c.paths.join(", ")),
    };
    Finding::new(
        kinds::VULN_CVE,
        severity,
        format!("{} in {} {}", h.id, c.name, c.version),
        path,
        format!(
            "{} {} matches {}; {score}{cwe}{where_}",
            c.name, c.version, h.criterion
        ),
    )
    .with_cve(h.id.clone())
    .with_component(format!("{}@{}", c.name, c.version))
}

/// The environment variable that chooses the user's database when no path is given:
/// a path, or `none` for the embedded dataset alone (tests and benchmarks set `none`, so that
/// a database imported into the user's data directory never changes their results).
pub const VULNDB_ENV: &str = "NETVET_VULNDB";

/// The user's database for a scan: `explicit` (which must exist), else the one named by
/// `NETVET_VULNDB` (`none`: no user database), else the default location when a database was
/// imported there; `None` means the embedded dataset alone.
pub fn open_for_scan(explicit: Option<&std::path::Path>) -> Result<Option<VulnDb>, VulnError> {
    let from_env = std::env::var_os(VULNDB_ENV).filter(|v| !v.is_empty());
    if explicit.is_none() && from_env.as_deref() == Some(std::ffi::OsStr::new("none")) {
        return Ok(None);
    }
    let explicit = explicit
        .map(std::path::PathBuf::from)
        .or(from_env.map(Into::into));
    match explicit.as_deref() {
        Some(p) => match VulnDb::open_existing(p)? {
            Some(db) => Ok(Some(db)),
            None => Err(VulnError::Io(
                p.display().to_string(),
                "no such vulnerability database (create it with `netvet db import`)".into(),
            )),
        },
        None => match VulnDb::default_path() {
            Some(p) => VulnDb::open_existing(&p),
            None => Ok(None),
        },
    }
}

/// The path a finding about component `c` points at: the first file that carries it, the
/// package database only when nothing else does.
pub fn primary_path(c: &Component) -> Option<String> {
    let is_db = |p: &str| {
        p.ends_with("opkg/status") || p.ends_with("dpkg/status") || p.ends_with(".control")
    };
    c.paths
        .iter()
        .find(|p| !is_db(p))
        .or_else(|| c.paths.first())
        .cloned()
}

/// Structured hits for the report's `summaries.vulnerabilities` (used by the CycloneDX
/// output for ratings and CWEs).
pub fn summary(hits: &[Hit], components: &[Component]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = hits
        .iter()
        .filter_map(|h| {
            let c = components.get(h.component)?;
            Some(serde_json::json!({
                "id": h.id,
                "component": format!("{}@{}", c.name, c.version),
                "cvss": h.cvss,
                "vector": h.vector,
                "cwe": h.cwe,
                "criterion": h.criterion,
            }))
        })
        .collect();
    serde_json::Value::Array(list)
}
