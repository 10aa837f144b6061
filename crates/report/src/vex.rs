//! CycloneDX 1.6 VEX (`--format vex`): what netvet knows about the exploitability of the
//! vulnerabilities of the image's components, as CycloneDX `vulnerabilities[].analysis`.
//!
//! The document is the CycloneDX SBOM of the same report (so that every `affects` reference
//! resolves inside it; its serial number differs from the SBOM's) with:
//!
//! - every matched vulnerability (`vuln.cve` finding): state `exploitable` ("may be
//!   exploitable": the component's version is inside an affected range of the record; netvet
//!   does not decide whether the vulnerable code is reachable in this image). The detail
//!   names the matched criterion; a finding waived by the policy keeps its state and carries
//!   the waiver's reason and expiry in the detail, because a waiver accepts a risk and does not
//!   say that the product is not affected.
//! - every vulnerability record of the offline database that names a component of the image
//!   (same CPE vendor and product, or same package name) but whose affected ranges do not admit
//!   the component's version (`summaries.vulnerabilities_not_affected`, written by the scan):
//!   state `not_affected`, justification `code_not_present` (the version found does not hold
//!   the vulnerable code according to the record), one entry per vulnerability with every such
//!   component in `affects`, bom-ref `vuln-ID-not-affected`.
//!
//! What it cannot say: `not_affected` for a matched version because a feature is compiled
//! out or unreachable (that needs the vendor's build configuration or a reviewer; a lab states
//! it with a waiver, which appears in the detail as said above).

use crate::cyclonedx;
use crate::RenderError;
use netvet_model::{kinds, Report};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The VEX document as a JSON value.
pub fn document(report: &Report) -> Value {
    let mut doc = cyclonedx::document(report);
    // a different document from the SBOM of the same image: the digest's hex reversed
    let rev: String = report.image.sha256.chars().rev().collect();
    doc["serialNumber"] = json!(cyclonedx::serial(&rev));
    // waivers applied to findings, by finding id
    let mut waived: BTreeMap<String, String> = BTreeMap::new();
    if let Some(Value::Array(list)) = report.summaries.get("certify").map(|c| &c["waived"]) {
        for w in list {
            if let Some(id) = w["finding"].as_str() {
                waived.insert(
                    id.to_string(),
                    format!(
                        "waived by the policy until {}: {}",
                        w["expires"].as_str().unwrap_or("?"),
                        w["reason"].as_str().unwrap_or("")
                    ),
                );
            }
        }
    }
    // matched: per vulnerability id, the findings' criteria and waivers
    let mut matched: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == kinds::VULN_CVE) {
        if let Some(cve) = &f.cve {
            let mut d = f.evidence.clone();
            if let Some(w) = waived.get(&f.id) {
                d.push_str(&format!(" ({w})"));
            }
            let list = matched.entry(cve.clone()).or_default();
            if !list.contains(&d) {
                list.push(d);
            }
        }
    }
    let mut vulns: Vec<Value> = match doc.get_mut("vulnerabilities") {
        Some(Value::Array(v)) => std::mem::take(v),
        _ => Vec::new(),
    };
    for v in &mut vulns {
        let id = v["id"].as_str().unwrap_or("").to_string();
        let detail = matched.get(&id).map(|l| l.join("; ")).unwrap_or_default();
        v["analysis"] = json!({
            "state": "exploitable",
            "detail": format!(
                "component version inside an affected range: {detail}; reachability in this image not assessed"
            ),
        });
    }
    // not affected: components named by a record whose ranges exclude their version
    let refs: BTreeMap<String, String> = report
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                format!("{}@{}", c.name, c.version),
                cyclonedx::bom_ref(i, c),
            )
        })
        .rev() // the first component of a name@version wins, as in the SBOM
        .collect();
    let mut na: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    if let Some(Value::Array(list)) = report.summaries.get("vulnerabilities_not_affected") {
        for v in list {
            let (Some(id), Some(comp)) = (v["id"].as_str(), v["component"].as_str()) else {
                continue;
            };
            let Some(r) = refs.get(comp) else { continue };
            let e = na.entry(id.to_string()).or_default();
            if !e.0.contains(r) {
                e.0.push(r.clone());
                e.1.push(comp.to_string());
            }
        }
    }
    for (id, (affects, comps)) in na {
        let source = if id.starts_with("CVE-") {
            json!({"name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}")})
        } else {
            json!({"name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}")})
        };
        vulns.push(json!({
            "bom-ref": format!("vuln-{id}-not-affected"),
            "id": id,
            "source": source,
            "analysis": {
                "state": "not_affected",
                "justification": "code_not_present",
                "detail": format!(
                    "the record names {} but no affected range of it admits that version",
                    comps.join(", ")
                ),
            },
            "affects": affects.iter().map(|r| json!({"ref": r})).collect::<Vec<_>>(),
        }));
    }
    if vulns.is_empty() {
        if let Some(o) = doc.as_object_mut() {
            o.remove("vulnerabilities");
        }
    } else {
        doc["vulnerabilities"] = Value::Array(vulns);
    }
    doc
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    cyclonedx::render_value(&document(report)).map_err(|e| match e {
        RenderError::Failed { message, .. } => RenderError::Failed {
            format: "vex",
            message,
        },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclonedx::testdata::sample_report;

    #[test]
    fn matched_and_not_affected() {
        let mut r = sample_report();
        r.summaries.insert(
            "vulnerabilities_not_affected".into(),
            json!([{"id": "CVE-2017-16544", "component": "busybox@1.22.1"},
                   {"id": "CVE-2017-16544", "component": "busybox@1.22.1"},
                   {"id": "CVE-2000-0001", "component": "absent@1"}]),
        );
        let d = document(&r);
        assert_eq!(d["specVersion"], "1.6");
        assert_ne!(d["serialNumber"], cyclonedx::document(&r)["serialNumber"]);
        let v = d["vulnerabilities"].as_array().unwrap();
        assert_eq!(v.len(), 2, "{v:#?}");
        assert_eq!(v[0]["id"], "CVE-2022-48174");
        assert_eq!(v[0]["analysis"]["state"], "exploitable");
        assert!(v[0]["analysis"]["detail"]
            .as_str()
            .unwrap()
            .contains("busybox 1.22.1 matches"));
        assert_eq!(v[1]["id"], "CVE-2017-16544");
        assert_eq!(v[1]["analysis"]["state"], "not_affected");
        assert_eq!(v[1]["analysis"]["justification"], "code_not_present");
        assert_eq!(v[1]["affects"].as_array().unwrap().len(), 1);
        assert_eq!(v[1]["affects"][0]["ref"], d["components"][0]["bom-ref"]);
    }

    #[test]
    fn waiver_is_named_not_turned_into_not_affected() {
        let mut r = sample_report();
        let fid = r.findings[0].id.clone();
        r.summaries.insert(
            "certify".into(),
            json!({"waived": [{"finding": fid, "fingerprint": "x", "reason": "applet not built",
                               "expires": "2027-01-01"}]}),
        );
        let d = document(&r);
        let a = &d["vulnerabilities"][0]["analysis"];
        assert_eq!(a["state"], "exploitable");
        assert!(a["detail"]
            .as_str()
            .unwrap()
            .contains("waived by the policy until 2027-01-01: applet not built"));
    }
}
