//! SPDX output in two versions.
//!
//! - **SPDX 3.0.1 JSON-LD** (`--format spdx`, [`document3`]): one `@graph` with the
//!   `CreationInfo`, the `SpdxDocument`, a `software_Sbom` of type `analyzed`, the image as a
//!   `software_Package` of purpose `firmware` with its SHA-256, each component a
//!   `software_Package` (version, purl, CPE 2.3 as an `ExternalIdentifier`) that the image
//!   `contains`, and for `vuln.cve` findings a `security_Vulnerability` (CVE id, advisory
//!   link) associated with the component (`hasAssociatedVulnerability`) plus, when the record
//!   has a CVSS v3 vector, a `security_CvssV3VulnAssessmentRelationship`. BSI TR-03183-2
//!   accepts SPDX from 3.0.1 on. Validated against the official SPDX 3.0.1 JSON schema by
//!   `tests/sbom_schemas.rs` and by `scripts/validate-sbom.py` in CI.
//! - **SPDX 2.3 JSON** (`--format spdx-2.3`, [`document`]): the image as the described
//!   package, each component a package that the image CONTAINS, with purl and CPE external
//!   references and, for `vuln.cve` findings, SECURITY `advisory` references; for tools that
//!   read only SPDX 2. Validated by the SPDX project's `spdx-tools` in CI.
//!
//! Written with `serde_json` rather than `spdx-rs` (SPDX 2 only): the output is a small,
//! fixed subset of the formats.

use crate::RenderError;
use netvet_model::{kinds, Report};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn spdx_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `YYYY-MM-DDThh:mm:ssZ` for `secs` since the epoch.
fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Creation time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    timestamp(secs)
}

pub fn document(report: &Report, created: &str) -> Value {
    let image_name = std::path::Path::new(&report.image.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.image.path.clone());
    let mut advisories: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == kinds::VULN_CVE) {
        if let (Some(id), Some(c)) = (&f.cve, &f.component) {
            let list = advisories.entry(c.clone()).or_default();
            if !list.contains(id) {
                list.push(id.clone());
            }
        }
    }
    let mut image = json!({
        "SPDXID": "SPDXRef-Image",
        "name": image_name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "FIRMWARE",
    });
    if report.image.sha256.len() == 64 {
        image["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": report.image.sha256}]);
    }
    let mut packages = vec![image];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Image",
    })];
    for (i, c) in report.components.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{}", i + 1, spdx_id(&c.name));
        let mut refs = vec![json!({
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": c.purl,
        })];
        if let Some(cpe) = &c.cpe {
            refs.push(json!({
                "referenceCategory": "SECURITY",
                "referenceType": "cpe23Type",
                "referenceLocator": cpe,
            }));
        }
        for cve in advisories
            .get(&format!("{}@{}", c.name, c.version))
            .into_iter()
            .flatten()
        {
            let url = if cve.starts_with("CVE-") {
                format!("https://nvd.nist.gov/vuln/detail/{cve}")
            } else {
                format!("https://osv.dev/vulnerability/{cve}")
            };
            refs.push(json!({
                "referenceCategory": "SECURITY",
                "referenceType": "advisory",
                "referenceLocator": url,
            }));
        }
        let mut p = json!({
            "SPDXID": id,
            "name": c.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "externalRefs": refs,
            "comment": format!("found at: {}; evidence: {}", c.paths.join(", "), c.evidence),
        });
        if !c.version.is_empty() {
            p["versionInfo"] = json!(c.version);
        }
        packages.push(p);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Image",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let ns_key = if report.image.sha256.is_empty() {
        spdx_id(&report.image.path)
    } else {
        report.image.sha256.clone()
    };
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("netvet SBOM of {image_name}"),
        "documentNamespace": format!("https://spdx.org/spdxdocs/netvet-{ns_key}"),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: netvet-{}", report.netvet_version)],
        },
        "documentDescribes": ["SPDXRef-Image"],
        "packages": packages,
        "relationships": relationships,
    })
}

/// SPDX 2.3 JSON text.
pub fn render_v2(report: &Report) -> Result<String, RenderError> {
    serde_json::to_string_pretty(&document(report, &created()))
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "spdx",
            message: e.to_string(),
        })
}

pub const SPDX3_CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

fn image_name(report: &Report) -> String {
    std::path::Path::new(&report.image.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.image.path.clone())
}

/// The SPDX 3.0.1 JSON-LD document (see the module documentation); `created` is an
/// `YYYY-MM-DDThh:mm:ssZ` time.
pub fn document3(report: &Report, created: &str) -> Value {
    let name = image_name(report);
    let ns_key = if report.image.sha256.is_empty() {
        spdx_id(&report.image.path)
    } else {
        report.image.sha256.clone()
    };
    let base = format!("https://spdx.org/spdxdocs/netvet-{ns_key}");
    let id = |local: &str| format!("{base}#{local}");
    let ci = "_:creationinfo";
    let agent = id("agent-netvet");
    let tool = id("tool-netvet");
    let mut graph: Vec<Value> = vec![
        json!({
            "type": "CreationInfo",
            "@id": ci,
            "specVersion": "3.0.1",
            "created": created,
            "createdBy": [agent],
            "createdUsing": [tool],
        }),
        json!({"type": "SoftwareAgent", "spdxId": agent, "creationInfo": ci,
               "name": format!("netvet {}", report.netvet_version)}),
        json!({"type": "Tool", "spdxId": tool, "creationInfo": ci, "name": "netvet",
               "description": format!("netvet {} firmware scanner", report.netvet_version)}),
    ];
    let image_id = id("image");
    let mut image = json!({
        "type": "software_Package",
        "spdxId": image_id,
        "creationInfo": ci,
        "name": name,
        "software_primaryPurpose": "firmware",
    });
    if report.image.sha256.len() == 64 {
        image["verifiedUsing"] = json!([{"type": "Hash", "algorithm": "sha256",
                                         "hashValue": report.image.sha256}]);
    }
    graph.push(image);
    let mut elements: Vec<String> = vec![agent.clone(), tool.clone(), image_id.clone()];
    let mut contained: Vec<String> = Vec::new();
    let mut by_key: BTreeMap<String, String> = BTreeMap::new();
    for (i, c) in report.components.iter().enumerate() {
        let pid = id(&format!("package-{}-{}", i + 1, spdx_id(&c.name)));
        by_key
            .entry(format!("{}@{}", c.name, c.version))
            .or_insert_with(|| pid.clone());
        let mut p = json!({
            "type": "software_Package",
            "spdxId": pid,
            "creationInfo": ci,
            "name": c.name,
            "comment": format!("found at: {}; evidence: {}", c.paths.join(", "), c.evidence),
        });
        if !c.version.is_empty() {
            p["software_packageVersion"] = json!(c.version);
        }
        if !c.purl.is_empty() {
            p["software_packageUrl"] = json!(c.purl);
        }
        if let Some(cpe) = &c.cpe {
            p["externalIdentifier"] = json!([{"type": "ExternalIdentifier",
                "externalIdentifierType": "cpe23", "identifier": cpe}]);
        }
        if c.cpe
            .as_deref()
            .is_some_and(|x| x.starts_with("cpe:2.3:o:"))
        {
            p["software_primaryPurpose"] = json!("operatingSystem");
        }
        graph.push(p);
        elements.push(pid.clone());
        contained.push(pid);
    }
    let mut rel_n = 0usize;
    let mut rel = |graph: &mut Vec<Value>, elements: &mut Vec<String>, mut v: Value| {
        rel_n += 1;
        let rid = id(&format!("relationship-{rel_n}"));
        v["spdxId"] = json!(rid);
        v["creationInfo"] = json!(ci);
        graph.push(v);
        elements.push(rid);
    };
    if !contained.is_empty() {
        rel(
            &mut graph,
            &mut elements,
            json!({"type": "Relationship", "from": image_id, "relationshipType": "contains",
                   "to": contained, "completeness": "incomplete"}),
        );
    }
    // vulnerabilities: one element per id, associated with every component it was found in
    let mut detail: BTreeMap<(String, String), &Value> = BTreeMap::new();
    if let Some(Value::Array(list)) = report.summaries.get("vulnerabilities") {
        for v in list {
            if let (Some(vid), Some(c)) = (v["id"].as_str(), v["component"].as_str()) {
                detail.insert((vid.to_string(), c.to_string()), v);
            }
        }
    }
    let mut vulns: BTreeMap<String, String> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == kinds::VULN_CVE) {
        let (Some(cve), Some(comp)) = (&f.cve, &f.component) else {
            continue;
        };
        let Some(pid) = by_key.get(comp) else {
            continue;
        };
        let vid = vulns
            .entry(cve.clone())
            .or_insert_with(|| {
                let vid = id(&format!("vulnerability-{}", spdx_id(cve)));
                let url = if cve.starts_with("CVE-") {
                    format!("https://nvd.nist.gov/vuln/detail/{cve}")
                } else {
                    format!("https://osv.dev/vulnerability/{cve}")
                };
                let ident_type = if cve.starts_with("CVE-") {
                    "cve"
                } else {
                    "securityOther"
                };
                graph.push(json!({
                    "type": "security_Vulnerability",
                    "spdxId": vid,
                    "creationInfo": ci,
                    "name": cve,
                    "externalIdentifier": [{"type": "ExternalIdentifier",
                        "externalIdentifierType": ident_type, "identifier": cve}],
                    "externalRef": [{"type": "ExternalRef", "externalRefType": "securityAdvisory",
                        "locator": [url]}],
                }));
                elements.push(vid.clone());
                vid
            })
            .clone();
        rel(
            &mut graph,
            &mut elements,
            json!({"type": "Relationship", "from": pid, "relationshipType":
                   "hasAssociatedVulnerability", "to": [vid.clone()],
                   "comment": f.evidence}),
        );
        if let Some(d) = detail.get(&(cve.clone(), comp.clone())) {
            if let (Some(score), Some(vector)) = (d["cvss"].as_f64(), d["vector"].as_str()) {
                if vector.starts_with("CVSS:3") {
                    let sev = match score {
                        s if s >= 9.0 => "critical",
                        s if s >= 7.0 => "high",
                        s if s >= 4.0 => "medium",
                        s if s > 0.0 => "low",
                        _ => "none",
                    };
                    rel(
                        &mut graph,
                        &mut elements,
                        json!({"type": "security_CvssV3VulnAssessmentRelationship",
                               "from": vid, "relationshipType": "hasAssessmentFor",
                               "to": [pid], "security_score": score,
                               "security_severity": sev, "security_vectorString": vector}),
                    );
                }
            }
        }
    }
    let sbom_id = id("sbom");
    graph.push(json!({
        "type": "software_Sbom",
        "spdxId": sbom_id,
        "creationInfo": ci,
        "name": format!("SBOM of {name}"),
        "software_sbomType": ["analyzed"],
        "rootElement": [image_id],
        "element": elements,
        "profileConformance": ["core", "software", "security"],
    }));
    let mut all = elements.clone();
    all.push(sbom_id.clone());
    graph.push(json!({
        "type": "SpdxDocument",
        "spdxId": id("document"),
        "creationInfo": ci,
        "name": format!("netvet SBOM of {name}"),
        "rootElement": [sbom_id],
        "element": all,
        "profileConformance": ["core", "software", "security"],
    }));
    json!({"@context": SPDX3_CONTEXT, "@graph": graph})
}

/// SPDX 3.0.1 JSON-LD text.
pub fn render(report: &Report) -> Result<String, RenderError> {
    serde_json::to_string_pretty(&document3(report, &created()))
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "spdx",
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclonedx::testdata::sample_report;

    #[test]
    fn packages_refs_and_relationships() {
        let d = document(&sample_report(), "2024-01-02T03:04:05Z");
        assert_eq!(d["spdxVersion"], "SPDX-2.3");
        assert_eq!(d["creationInfo"]["created"], "2024-01-02T03:04:05Z");
        let p = &d["packages"][1];
        assert_eq!(p["SPDXID"], "SPDXRef-Package-1-busybox");
        assert_eq!(p["versionInfo"], "1.22.1");
        assert_eq!(
            p["externalRefs"][0]["referenceLocator"],
            "pkg:generic/busybox@1.22.1"
        );
        assert_eq!(p["externalRefs"][1]["referenceType"], "cpe23Type");
        assert_eq!(
            p["externalRefs"][2]["referenceLocator"],
            "https://nvd.nist.gov/vuln/detail/CVE-2022-48174"
        );
        assert_eq!(
            d["relationships"][1]["relatedSpdxElement"],
            "SPDXRef-Package-1-busybox"
        );
        assert_eq!(d["packages"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn spdx3_graph() {
        let d = document3(&sample_report(), "2024-01-02T03:04:05Z");
        assert_eq!(d["@context"], SPDX3_CONTEXT);
        let g = d["@graph"].as_array().unwrap();
        let of = |t: &str| g.iter().filter(|e| e["type"] == t).collect::<Vec<_>>();
        assert_eq!(of("CreationInfo")[0]["specVersion"], "3.0.1");
        assert_eq!(of("CreationInfo")[0]["created"], "2024-01-02T03:04:05Z");
        let pk = of("software_Package");
        assert_eq!(pk.len(), 3);
        assert_eq!(pk[0]["software_primaryPurpose"], "firmware");
        assert_eq!(pk[0]["verifiedUsing"][0]["hashValue"], "ab".repeat(32));
        assert_eq!(pk[1]["name"], "busybox");
        assert_eq!(pk[1]["software_packageVersion"], "1.22.1");
        assert_eq!(pk[1]["software_packageUrl"], "pkg:generic/busybox@1.22.1");
        assert_eq!(
            pk[1]["externalIdentifier"][0]["identifier"],
            "cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*"
        );
        assert_eq!(pk[2]["software_primaryPurpose"], "operatingSystem");
        let v = of("security_Vulnerability");
        assert_eq!(v.len(), 1);
        assert_eq!(v[0]["name"], "CVE-2022-48174");
        let cvss = of("security_CvssV3VulnAssessmentRelationship");
        assert_eq!(cvss[0]["security_score"], 9.8);
        assert_eq!(cvss[0]["security_severity"], "critical");
        assert_eq!(cvss[0]["to"][0], pk[1]["spdxId"]);
        let rels = of("Relationship");
        assert_eq!(rels[0]["relationshipType"], "contains");
        assert_eq!(rels[0]["to"].as_array().unwrap().len(), 2);
        assert_eq!(rels[1]["relationshipType"], "hasAssociatedVulnerability");
        // every element is listed in the document, and every listed id exists
        let doc = of("SpdxDocument")[0];
        let ids: Vec<&Value> = g.iter().filter_map(|e| e.get("spdxId")).collect();
        assert_eq!(doc["element"].as_array().unwrap().len(), ids.len() - 1);
        for e in doc["element"].as_array().unwrap() {
            assert!(ids.contains(&e), "{e} listed but absent");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_709_251_199), "2024-02-29T23:59:59Z");
    }
}
