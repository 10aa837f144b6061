//! CycloneDX JSON, version 1.6 (`--format cyclonedx`; BSI TR-03183-2 asks for 1.6 or later)
//! or 1.5 (`--format cyclonedx-1.5`, the same content for tools that read only 1.5): the image
//! as the BOM's subject, its components (with purl, CPE and every path as an evidence
//! occurrence) and the `vuln.cve` findings as vulnerabilities. The VEX document
//! (`--format vex`, [`crate::vex`]) is built from the same document.
//!
//! Written with `serde_json` rather than the `cyclonedx-bom` crate: the output is a small,
//! fixed subset of the format, and the tests validate it against the official schema
//! (`scripts/validate-sbom.py`, run by CI).

use crate::RenderError;
use netvet_model::{kinds, Component, Report};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

pub const SPEC_VERSION: &str = "1.6";

/// `urn:uuid:` of a version-5-shaped UUID derived from the image digest, so the same image
/// always gets the same serial number.
pub(crate) fn serial(sha256: &str) -> String {
    let mut h: Vec<u8> = (0..16)
        .map(|i| {
            sha256
                .get(i * 2..i * 2 + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
                .unwrap_or(0)
        })
        .collect();
    h[6] = (h[6] & 0x0f) | 0x50;
    h[8] = (h[8] & 0x3f) | 0x80;
    let x: String = h.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[0..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

pub fn bom_ref(i: usize, c: &Component) -> String {
    format!("component-{}-{}@{}", i + 1, c.name, c.version)
}

fn method(vector: &str) -> &'static str {
    if vector.starts_with("CVSS:4") {
        "CVSSv4"
    } else if vector.starts_with("CVSS:3.1") {
        "CVSSv31"
    } else if vector.starts_with("CVSS:3") {
        "CVSSv3"
    } else if vector.starts_with("AV:") || vector.starts_with("(AV:") {
        "CVSSv2"
    } else {
        "other"
    }
}

/// The CycloneDX 1.6 document as a JSON value.
pub fn document(report: &Report) -> Value {
    document_spec(report, SPEC_VERSION)
}

/// The CycloneDX document of spec version `spec` (`1.5` or `1.6`: the content is the same).
pub fn document_spec(report: &Report, spec: &str) -> Value {
    let image_name = std::path::Path::new(&report.image.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.image.path.clone());
    let mut refs: BTreeMap<String, String> = BTreeMap::new();
    let components: Vec<Value> = report
        .components
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let r = bom_ref(i, c);
            refs.entry(format!("{}@{}", c.name, c.version))
                .or_insert_with(|| r.clone());
            let mut o = Map::new();
            let kind = if c
                .cpe
                .as_deref()
                .is_some_and(|p| p.starts_with("cpe:2.3:o:"))
            {
                "operating-system"
            } else {
                "application"
            };
            o.insert("type".into(), json!(kind));
            o.insert("bom-ref".into(), json!(r));
            o.insert("name".into(), json!(c.name));
            if !c.version.is_empty() {
                o.insert("version".into(), json!(c.version));
            }
            o.insert("purl".into(), json!(c.purl));
            if let Some(cpe) = &c.cpe {
                o.insert("cpe".into(), json!(cpe));
            }
            if !c.paths.is_empty() {
                let occ: Vec<Value> = c.paths.iter().map(|p| json!({"location": p})).collect();
                o.insert("evidence".into(), json!({"occurrences": occ}));
            }
            let mut props = vec![json!({"name": "netvet:evidence", "value": c.evidence})];
            if !c.source.is_empty() {
                props.push(json!({"name": "netvet:source", "value": c.source}));
            }
            o.insert("properties".into(), Value::Array(props));
            Value::Object(o)
        })
        .collect();
    // structured ratings from the vulndb summary, keyed by (id, component)
    let mut detail: BTreeMap<(String, String), &Value> = BTreeMap::new();
    if let Some(Value::Array(list)) = report.summaries.get("vulnerabilities") {
        for v in list {
            if let (Some(id), Some(c)) = (v["id"].as_str(), v["component"].as_str()) {
                detail.insert((id.to_string(), c.to_string()), v);
            }
        }
    }
    // one vulnerability per id, affecting every component it was found in
    let mut vulns: BTreeMap<String, (Value, Vec<String>)> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == kinds::VULN_CVE) {
        let (Some(id), Some(comp)) = (&f.cve, &f.component) else {
            continue;
        };
        let Some(r) = refs.get(comp) else { continue };
        let entry = vulns.entry(id.clone()).or_insert_with(|| {
            let mut rating = Map::new();
            let mut cwes: Vec<u64> = Vec::new();
            if let Some(d) = detail.get(&(id.clone(), comp.clone())) {
                if let Some(s) = d["cvss"].as_f64() {
                    rating.insert("score".into(), json!(s));
                }
                if let Some(v) = d["vector"].as_str().filter(|v| !v.is_empty()) {
                    rating.insert("method".into(), json!(method(v)));
                    rating.insert("vector".into(), json!(v));
                }
                cwes = d["cwe"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|c| c.as_str()?.strip_prefix("CWE-")?.parse().ok())
                    .collect();
            }
            rating.insert("severity".into(), json!(f.severity.as_str()));
            let source = if id.starts_with("CVE-") {
                json!({"name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}")})
            } else {
                json!({"name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}")})
            };
            let mut v = Map::new();
            v.insert("bom-ref".into(), json!(format!("vuln-{id}")));
            v.insert("id".into(), json!(id));
            v.insert("source".into(), source);
            v.insert("ratings".into(), json!([Value::Object(rating)]));
            if !cwes.is_empty() {
                v.insert("cwes".into(), json!(cwes));
            }
            v.insert("detail".into(), json!(f.evidence));
            (Value::Object(v), Vec::new())
        });
        if !entry.1.contains(r) {
            entry.1.push(r.clone());
        }
    }
    let vulnerabilities: Vec<Value> = vulns
        .into_values()
        .map(|(mut v, affects)| {
            let a: Vec<Value> = affects.iter().map(|r| json!({"ref": r})).collect();
            v["affects"] = Value::Array(a);
            v
        })
        .collect();
    let mut image = json!({
        "type": "firmware",
        "bom-ref": "image",
        "name": image_name,
    });
    if report.image.sha256.len() == 64 {
        image["hashes"] = json!([{"alg": "SHA-256", "content": report.image.sha256}]);
    }
    let mut doc = json!({
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": serial(&report.image.sha256),
        "version": 1,
        "metadata": {
            "tools": {"components": [{"type": "application", "name": "netvet",
                                        "version": report.netvet_version}]},
            "component": image,
        },
        "components": components,
    });
    if !vulnerabilities.is_empty() {
        doc["vulnerabilities"] = Value::Array(vulnerabilities);
    }
    doc
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    render_value(&document(report))
}

/// CycloneDX 1.5 text.
pub fn render_v15(report: &Report) -> Result<String, RenderError> {
    render_value(&document_spec(report, "1.5"))
}

pub(crate) fn render_value(doc: &Value) -> Result<String, RenderError> {
    serde_json::to_string_pretty(doc)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "cyclonedx",
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::testdata::sample_report;
    use super::*;

    #[test]
    fn components_and_vulnerabilities() {
        let r = sample_report();
        let d = document(&r);
        assert_eq!(d["bomFormat"], "CycloneDX");
        assert_eq!(d["specVersion"], "1.6");
        assert_eq!(document_spec(&r, "1.5")["specVersion"], "1.5");
        let sn = d["serialNumber"].as_str().unwrap();
        assert_eq!(sn.len(), "urn:uuid:".len() + 36);
        assert_eq!(&sn[9 + 14..9 + 15], "5");
        let c = &d["components"][0];
        assert_eq!(c["name"], "busybox");
        assert_eq!(c["purl"], "pkg:generic/busybox@1.22.1");
        assert_eq!(c["cpe"], "cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*");
        assert_eq!(c["evidence"]["occurrences"][0]["location"], "bin/busybox");
        assert_eq!(d["components"][1]["type"], "operating-system");
        let v = &d["vulnerabilities"][0];
        assert_eq!(v["id"], "CVE-2022-48174");
        assert_eq!(v["ratings"][0]["score"], 9.8);
        assert_eq!(v["ratings"][0]["method"], "CVSSv31");
        assert_eq!(v["ratings"][0]["severity"], "critical");
        assert_eq!(v["cwes"][0], 787);
        assert_eq!(v["affects"][0]["ref"], c["bom-ref"]);
        assert_eq!(d["metadata"]["component"]["hashes"][0]["alg"], "SHA-256");
        // deterministic
        assert_eq!(render(&r).unwrap(), render(&r).unwrap());
    }
}

/// A small report with components and one CVE, shared by the renderers' tests.
#[cfg(test)]
pub(crate) mod testdata {
    use netvet_model::{kinds, Component, Finding, ImageInfo, Report, Severity};

    pub fn sample_report() -> Report {
        let mut r = Report::new(ImageInfo {
            path: "/images/router.bin".into(),
            sha256: "ab".repeat(32),
            size: 1234,
        });
        r.components = vec![
            Component {
                name: "busybox".into(),
                version: "1.22.1".into(),
                purl: "pkg:generic/busybox@1.22.1".into(),
                cpe: Some("cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*".into()),
                paths: vec!["bin/busybox".into(), "usr/lib/opkg/status".into()],
                evidence: "'BusyBox v1.22.1' at offset 0x1000 (bin/busybox)".into(),
                source: "opkg,version-string".into(),
            },
            Component {
                name: "linux".into(),
                version: "3.10.14".into(),
                purl: "pkg:generic/linux@3.10.14".into(),
                cpe: Some("cpe:2.3:o:linux:linux_kernel:3.10.14:*:*:*:*:*:*:*".into()),
                paths: vec!["lib/modules/3.10.14/x.ko".into()],
                evidence: "vermagic".into(),
                source: "vermagic".into(),
            },
        ];
        r.findings.push(
            Finding::new(
                kinds::VULN_CVE,
                Severity::Critical,
                "CVE-2022-48174 in busybox 1.22.1",
                Some("bin/busybox".into()),
                "busybox 1.22.1 matches ...",
            )
            .with_cve("CVE-2022-48174")
            .with_component("busybox@1.22.1"),
        );
        r.summaries.insert(
            "vulnerabilities".into(),
            serde_json::json!([{"id": "CVE-2022-48174", "component": "busybox@1.22.1",
                "cvss": 9.8, "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "cwe": ["CWE-787"], "criterion": "cpe:..."}]),
        );
        r.number_findings();
        r
    }
}
