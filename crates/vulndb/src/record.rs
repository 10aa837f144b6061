//! The facts netvet keeps about a vulnerability, and their parsing from NVD CVE API 2.0 JSON
//! and OSV JSON. Only facts are kept (id, dates, CVSS, CWE, applicability); descriptions and
//! references are dropped, so the embedded dataset ships no prose.

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// `AND` / `OR` of an applicability node or configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Op {
    #[default]
    #[serde(rename = "OR")]
    Or,
    #[serde(rename = "AND")]
    And,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One CPE match criterion with its optional version range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CpeMatch {
    #[serde(rename = "v")]
    pub vulnerable: bool,
    #[serde(rename = "c")]
    pub criteria: String,
    #[serde(rename = "si", default, skip_serializing_if = "Option::is_none")]
    pub start_including: Option<String>,
    #[serde(rename = "se", default, skip_serializing_if = "Option::is_none")]
    pub start_excluding: Option<String>,
    #[serde(rename = "ei", default, skip_serializing_if = "Option::is_none")]
    pub end_including: Option<String>,
    #[serde(rename = "ee", default, skip_serializing_if = "Option::is_none")]
    pub end_excluding: Option<String>,
}

impl CpeMatch {
    pub fn has_range(&self) -> bool {
        self.start_including.is_some()
            || self.start_excluding.is_some()
            || self.end_including.is_some()
            || self.end_excluding.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    #[serde(default)]
    pub op: Op,
    #[serde(default, skip_serializing_if = "is_false")]
    pub neg: bool,
    #[serde(rename = "m")]
    pub matches: Vec<CpeMatch>,
}

/// A configuration: nodes combined with `op` (NVD's running-on configurations are `AND`s of
/// an application node and a platform node).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    #[serde(default)]
    pub op: Op,
    #[serde(default, skip_serializing_if = "is_false")]
    pub neg: bool,
    pub nodes: Vec<Node>,
}

/// An OSV range, reduced to `introduced` / `fixed` / `last_affected` pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<String>,
}

/// An OSV `affected` entry: a package (by ecosystem and name) and its affected versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OsvAffected {
    pub ecosystem: String,
    /// Package name, lower case.
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<OsvRange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
}

/// The facts of one vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub published: String,
    /// CVSS base score of the preferred metric (v4, then v3.1, v3.0, v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<f64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub vector: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwe: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<Config>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub osv: Vec<OsvAffected>,
}

impl Record {
    /// `(vendor, product)` pairs named by vulnerable criteria (the lookup keys).
    pub fn cpe_keys(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for c in &self.configs {
            for n in &c.nodes {
                for m in n.matches.iter().filter(|m| m.vulnerable) {
                    if let Some(k) = crate::cpe::Cpe::parse(&m.criteria)
                        .ok()
                        .and_then(|p| p.key())
                    {
                        if !out.contains(&k) {
                            out.push(k);
                        }
                    }
                }
            }
        }
        out
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("{0}")]
    Invalid(String),
}

fn s(v: &Json, k: &str) -> Option<String> {
    v.get(k).and_then(Json::as_str).map(str::to_string)
}

fn op(v: &Json) -> Op {
    match v.get("operator").and_then(Json::as_str) {
        Some(o) if o.eq_ignore_ascii_case("AND") => Op::And,
        _ => Op::Or,
    }
}

fn neg(v: &Json) -> bool {
    v.get("negate").and_then(Json::as_bool).unwrap_or(false)
}

/// Score of a CVSS vector string, for sources (OSV) that give only the vector.
pub fn score_vector(vector: &str) -> Option<f64> {
    vector
        .parse::<cvss::Cvss>()
        .ok()
        .map(|c| c.score())
        .filter(|s| s.is_finite())
}

/// Parse one NVD CVE API 2.0 record (the `cve` object).
pub fn from_nvd(cve: &Json) -> Result<Record, ParseError> {
    let id = s(cve, "id")
        .filter(|i| !i.is_empty() && i.len() < 64)
        .ok_or_else(|| ParseError::Invalid("NVD record without an id".into()))?;
    let mut rec = Record {
        id,
        published: s(cve, "published")
            .map(|p| p.chars().take(10).collect())
            .unwrap_or_default(),
        cvss: None,
        vector: String::new(),
        cwe: Vec::new(),
        aliases: Vec::new(),
        configs: Vec::new(),
        osv: Vec::new(),
    };
    if let Some(m) = cve.get("metrics") {
        'outer: for key in [
            "cvssMetricV40",
            "cvssMetricV31",
            "cvssMetricV30",
            "cvssMetricV2",
        ] {
            let Some(list) = m.get(key).and_then(Json::as_array) else {
                continue;
            };
            // the Primary metric (NVD's own) first, any other otherwise
            let mut sorted: Vec<&Json> = list.iter().collect();
            sorted.sort_by_key(|x| x.get("type").and_then(Json::as_str) != Some("Primary"));
            for x in sorted {
                let Some(d) = x.get("cvssData") else { continue };
                let vector = s(d, "vectorString").unwrap_or_default();
                let score = d
                    .get("baseScore")
                    .and_then(Json::as_f64)
                    .or_else(|| score_vector(&vector));
                if let Some(sc) = score.filter(|v| (0.0..=10.0).contains(v)) {
                    rec.cvss = Some(sc);
                    rec.vector = vector;
                    break 'outer;
                }
            }
        }
    }
    if let Some(ws) = cve.get("weaknesses").and_then(Json::as_array) {
        for w in ws {
            for d in w
                .get("description")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(v) = s(d, "value") {
                    if v.starts_with("CWE-") && !rec.cwe.contains(&v) {
                        rec.cwe.push(v);
                    }
                }
            }
        }
    }
    for c in cve
        .get("configurations")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let mut cfg = Config {
            op: op(c),
            neg: neg(c),
            nodes: Vec::new(),
        };
        for n in c
            .get("nodes")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            let mut node = Node {
                op: op(n),
                neg: neg(n),
                matches: Vec::new(),
            };
            for m in n
                .get("cpeMatch")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                let Some(criteria) = s(m, "criteria") else {
                    continue;
                };
                node.matches.push(CpeMatch {
                    vulnerable: m.get("vulnerable").and_then(Json::as_bool).unwrap_or(true),
                    criteria,
                    start_including: s(m, "versionStartIncluding"),
                    start_excluding: s(m, "versionStartExcluding"),
                    end_including: s(m, "versionEndIncluding"),
                    end_excluding: s(m, "versionEndExcluding"),
                });
            }
            if !node.matches.is_empty() {
                cfg.nodes.push(node);
            }
        }
        if !cfg.nodes.is_empty() {
            rec.configs.push(cfg);
        }
    }
    Ok(rec)
}

/// Parse one OSV record (<https://ossf.github.io/osv-schema/>).
pub fn from_osv(v: &Json) -> Result<Record, ParseError> {
    let id = s(v, "id")
        .filter(|i| !i.is_empty() && i.len() < 128)
        .ok_or_else(|| ParseError::Invalid("OSV record without an id".into()))?;
    let aliases: Vec<String> = v
        .get("aliases")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| a.as_str().map(str::to_string))
        .take(64)
        .collect();
    let mut rec = Record {
        id,
        published: s(v, "published")
            .map(|p| p.chars().take(10).collect())
            .unwrap_or_default(),
        cvss: None,
        vector: String::new(),
        cwe: Vec::new(),
        aliases,
        configs: Vec::new(),
        osv: Vec::new(),
    };
    for sev in v
        .get("severity")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(vec) = s(sev, "score") {
            if let Some(sc) = score_vector(&vec) {
                if rec.cvss.is_none_or(|old| sc > old) {
                    rec.cvss = Some(sc);
                    rec.vector = vec;
                }
            }
        }
    }
    if let Some(cwes) = v
        .get("database_specific")
        .and_then(|d| d.get("cwe_ids"))
        .and_then(Json::as_array)
    {
        rec.cwe = cwes
            .iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .take(16)
            .collect();
    }
    for a in v
        .get("affected")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let Some(p) = a.get("package") else { continue };
        let Some(name) = s(p, "name") else { continue };
        let mut aff = OsvAffected {
            ecosystem: s(p, "ecosystem").unwrap_or_default(),
            name: name.to_ascii_lowercase(),
            ranges: Vec::new(),
            versions: a
                .get("versions")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .take(10_000)
                .collect(),
        };
        for r in a
            .get("ranges")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            // GIT ranges name commits, not versions
            if r.get("type").and_then(Json::as_str) == Some("GIT") {
                continue;
            }
            let mut cur = OsvRange {
                introduced: None,
                fixed: None,
                last_affected: None,
            };
            for e in r
                .get("events")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(i) = s(e, "introduced") {
                    if cur.introduced.is_some() || cur.fixed.is_some() {
                        aff.ranges.push(cur.clone());
                    }
                    cur = OsvRange {
                        introduced: Some(i),
                        fixed: None,
                        last_affected: None,
                    };
                } else if let Some(f) = s(e, "fixed") {
                    cur.fixed = Some(f);
                    aff.ranges.push(cur.clone());
                    cur = OsvRange {
                        introduced: None,
                        fixed: None,
                        last_affected: None,
                    };
                } else if let Some(l) = s(e, "last_affected") {
                    cur.last_affected = Some(l);
                    aff.ranges.push(cur.clone());
                    cur = OsvRange {
                        introduced: None,
                        fixed: None,
                        last_affected: None,
                    };
                }
            }
            if cur.introduced.is_some() {
                aff.ranges.push(cur);
            }
        }
        rec.osv.push(aff);
    }
    Ok(rec)
}

/// What a JSON document holds.
pub fn records_from_json(doc: &Json) -> Result<Vec<Record>, ParseError> {
    if let Some(list) = doc.get("vulnerabilities").and_then(Json::as_array) {
        // NVD API 2.0 response / feed: [{ "cve": {...} }]
        return list
            .iter()
            .map(|v| from_nvd(v.get("cve").unwrap_or(v)))
            .collect();
    }
    if let Some(list) = doc.as_array() {
        // an array of OSV records (or NVD records)
        let mut out = Vec::with_capacity(list.len());
        for v in list {
            out.extend(records_from_json(v)?);
        }
        return Ok(out);
    }
    if let Some(cve) = doc.get("cve") {
        return Ok(vec![from_nvd(cve)?]);
    }
    if doc.get("configurations").is_some() || doc.get("metrics").is_some() {
        return Ok(vec![from_nvd(doc)?]);
    }
    if doc.get("affected").is_some() || doc.get("schema_version").is_some() {
        return Ok(vec![from_osv(doc)?]);
    }
    if doc.get("id").is_some() && doc.get("sourceIdentifier").is_some() {
        return Ok(vec![from_nvd(doc)?]);
    }
    Err(ParseError::Invalid(
        "neither an NVD CVE API 2.0 record or feed nor an OSV record".into(),
    ))
}
