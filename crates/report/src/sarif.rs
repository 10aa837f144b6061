//! SARIF 2.1.0 output, for GitHub code scanning, DefectDojo and other SARIF consumers.
//!
//! One rule per finding kind (every kind of the report contract, in contract order, so rule
//! indexes are stable), one result per finding. Locations are paths inside the unpacked image,
//! relative to the `IMAGEROOT` base; a finding without a path points at its component's first
//! path, or else at the image file. The finding's stable fingerprint is the result's partial
//! fingerprint, so consumers track it across scans. Written with serde_json: the format is
//! plain JSON and no SARIF crate adds anything the schema test does not check.

use crate::RenderError;
use netvet_model::{kinds, Finding, Report, Severity};
use serde_json::{json, Value};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Base id for in-image paths.
pub const IMAGE_ROOT: &str = "IMAGEROOT";

/// SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score) of a severity.
pub fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.0",
    }
}

/// `credential.default-password` -> `CredentialDefaultPassword`.
fn rule_name(kind: &str) -> String {
    kind.split(['.', '-'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Percent-encode a tree path as a relative URI reference (keeps `/` and unreserved bytes).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.trim_start_matches('/').bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

fn location_of(f: &Finding, report: &Report) -> Value {
    let comp_path = f.component.as_ref().and_then(|c| {
        report
            .components
            .iter()
            .find(|x| &x.name == c)
            .and_then(|x| x.paths.first())
    });
    let path = f.path.as_ref().or(comp_path);
    let mut phys = match path {
        Some(p) => json!({"artifactLocation": {"uri": uri_path(p), "uriBaseId": IMAGE_ROOT}}),
        None => {
            let name = std::path::Path::new(&report.image.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "image".into());
            json!({"artifactLocation": {"uri": uri_path(&name)}})
        }
    };
    if let Some(off) = f.offset {
        if path.is_some() {
            phys["region"] = json!({"byteOffset": off});
        }
    }
    json!({"physicalLocation": phys})
}

fn rules_and_index(report: &Report) -> (Vec<Value>, Vec<String>) {
    let mut ids: Vec<String> = kinds::ALL.iter().map(|(k, _)| k.to_string()).collect();
    let mut descs: Vec<String> = kinds::ALL.iter().map(|(_, d)| d.to_string()).collect();
    for f in &report.findings {
        if !ids.contains(&f.kind) {
            ids.push(f.kind.clone());
            descs.push(format!("Finding kind {}", f.kind));
        }
    }
    let reqs_of = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.kind == kind)
            .flat_map(|f| f.requirements.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    let rules = ids
        .iter()
        .zip(&descs)
        .map(|(id, desc)| {
            // default level: the highest severity this kind has in this report, else medium
            let sev = report
                .findings
                .iter()
                .filter(|f| &f.kind == id)
                .map(|f| f.severity)
                .max()
                .unwrap_or(Severity::Medium);
            json!({
                "id": id,
                "name": rule_name(id),
                "shortDescription": {"text": desc},
                "fullDescription": {"text": format!("{desc} (netvet finding kind {id}).")},
                "help": {"text": format!("{desc}. See the netvet report contract for the finding kind {id}.")},
                "defaultConfiguration": {"level": level(sev)},
                "properties": {
                    "tags": ["security", id.split('.').next().unwrap_or("netvet")],
                    "security-severity": security_severity(sev),
                    "requirements": reqs_of(id),
                }
            })
        })
        .collect();
    (rules, ids)
}

/// The SARIF log as a JSON value.
pub fn to_value(report: &Report) -> Value {
    let (rules, ids) = rules_and_index(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = ids.iter().position(|k| *k == f.kind).unwrap_or(0);
            let mut text = f.title.clone();
            if !f.evidence.is_empty() {
                text.push_str(": ");
                text.push_str(&f.evidence);
            }
            let mut props = json!({
                "id": f.id,
                "severity": f.severity.as_str(),
                "security-severity": security_severity(f.severity),
                "evidence": f.evidence,
                "requirements": f.requirements,
            });
            if let Some(c) = &f.cve {
                props["cve"] = json!(c);
            }
            if let Some(c) = &f.component {
                props["component"] = json!(c);
            }
            if let Some(p) = &f.path {
                props["path"] = json!(p);
            }
            json!({
                "ruleId": f.kind,
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [location_of(f, report)],
                "partialFingerprints": {"netvetFingerprint/v1": f.fingerprint},
                "properties": props,
            })
        })
        .collect();
    let mut run_props = json!({
        "image": {"path": report.image.path, "sha256": report.image.sha256, "size": report.image.size},
        "schema": report.schema,
    });
    if let Some(v) = &report.verdict {
        run_props["verdict"] = json!({"result": v.result, "policy": v.policy});
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "netvet",
                "version": report.netvet_version,
                "semanticVersion": report.netvet_version,
                "rules": rules,
            }},
            "originalUriBaseIds": {
                IMAGE_ROOT: {"description": {"text": "Root of the unpacked firmware image"}}
            },
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": run_props,
        }]
    })
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    serde_json::to_string_pretty(&to_value(report))
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "sarif",
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            rule_name("credential.default-password"),
            "CredentialDefaultPassword"
        );
        assert_eq!(rule_name("vuln.cve"), "VulnCve");
        assert_eq!(uri_path("/etc/my file#1"), "etc/my%20file%231");
        assert_eq!(
            uri_path("0x1c.squashfs/etc/shadow"),
            "0x1c.squashfs/etc/shadow"
        );
        assert_eq!(uri_path(""), ".");
        assert_eq!(level(Severity::High), "error");
    }
}
