//! SPDX 3.0.1 output validated against the official SPDX 3.0.1 JSON schema (tests/data), and
//! the schema shown to reject broken documents. CycloneDX 1.6 and the VEX document are
//! validated in CI by `scripts/validate-sbom.py` (the CycloneDX project's own validator).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;

use netvet_model::{kinds, Component, Finding, Report, Severity};
use serde_json::{json, Value};

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/spdx-json-schema-3.0.1.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft202012::new(&schema).expect("the SPDX 3.0.1 schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(20)
        .collect()
}

/// The renderers' sample report plus a component with a CPE, a matched CVE with CVSS and a
/// not-affected record.
fn report() -> Report {
    let mut r = common::sample_report();
    r.components.push(Component {
        name: "openssl".into(),
        version: "1.0.2k".into(),
        purl: "pkg:generic/openssl@1.0.2k".into(),
        cpe: Some("cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*".into()),
        paths: vec!["0x40000.squashfs/usr/lib/libssl.so.1.0.0".into()],
        evidence: "OpenSSL 1.0.2k  26 Jan 2017".into(),
        source: "version-string".into(),
    });
    r.components.push(Component {
        name: "linux".into(),
        version: "3.10.14".into(),
        purl: "pkg:generic/linux@3.10.14".into(),
        cpe: Some("cpe:2.3:o:linux:linux_kernel:3.10.14:*:*:*:*:*:*:*".into()),
        paths: vec![],
        evidence: "uImage name".into(),
        source: "kernel".into(),
    });
    r.findings.push(
        Finding::new(
            kinds::VULN_CVE,
            Severity::High,
            "CVE-2017-3735 in openssl 1.0.2k",
            Some("0x40000.squashfs/usr/lib/libssl.so.1.0.0".into()),
            "openssl 1.0.2k matches cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:* (< 1.0.2m)",
        )
        .with_cve("CVE-2017-3735")
        .with_component("openssl@1.0.2k"),
    );
    r.summaries.insert(
        "vulnerabilities".into(),
        json!([{"id": "CVE-2017-3735", "component": "openssl@1.0.2k", "cvss": 7.5,
                "vector": "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "cwe": ["CWE-125"]}]),
    );
    r.summaries.insert(
        "vulnerabilities_not_affected".into(),
        json!([{"id": "CVE-2016-2183", "component": "openssl@1.0.2k"}]),
    );
    r.number_findings();
    r
}

#[test]
fn spdx3_validates_against_the_official_schema() {
    let v = schema();
    let r = report();
    let doc: Value = serde_json::from_str(&netvet_report::spdx::render(&r).unwrap()).unwrap();
    let errs = errors(&v, &doc);
    assert!(errs.is_empty(), "schema errors: {errs:#?}");
    let g = doc["@graph"].as_array().unwrap();
    let count = |t: &str| g.iter().filter(|e| e["type"] == t).count();
    assert_eq!(count("software_Package"), 1 + r.components.len());
    assert_eq!(count("security_Vulnerability"), 1);
    assert_eq!(count("security_CvssV3VulnAssessmentRelationship"), 1);
    assert_eq!(count("SpdxDocument"), 1);
    assert_eq!(count("software_Sbom"), 1);
}

#[test]
fn the_schema_rejects_broken_documents() {
    let v = schema();
    let good = netvet_report::spdx::document3(&report(), "2026-01-02T03:04:05Z");
    assert!(errors(&v, &good).is_empty());
    let mut broken = Vec::new();
    // a wrong context
    let mut d = good.clone();
    d["@context"] = json!("https://spdx.org/rdf/3.0.0/spdx-context.jsonld");
    broken.push(("context", d));
    // a package without its creation info
    let mut d = good.clone();
    let i = d["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["type"] == "software_Package")
        .unwrap();
    d["@graph"][i]
        .as_object_mut()
        .unwrap()
        .remove("creationInfo");
    broken.push(("creationInfo", d));
    // a purpose that does not exist
    let mut d = good.clone();
    d["@graph"][i]["software_primaryPurpose"] = json!("router");
    broken.push(("purpose", d));
    // a creation time in another format
    let mut d = good.clone();
    d["@graph"][0]["created"] = json!("2026-01-02 03:04:05");
    broken.push(("created", d));
    // a property the model does not have
    let mut d = good.clone();
    d["@graph"][i]["versionInfo"] = json!("1.0");
    broken.push(("unknown property", d));
    for (what, d) in broken {
        assert!(!errors(&v, &d).is_empty(), "{what}: accepted by the schema");
    }
}

#[test]
fn cyclonedx_and_vex_shapes() {
    let r = report();
    let cdx: Value =
        serde_json::from_str(&netvet_report::render(&r, "cyclonedx".parse().unwrap()).unwrap())
            .unwrap();
    assert_eq!(cdx["specVersion"], "1.6");
    let old: Value =
        serde_json::from_str(&netvet_report::render(&r, "cyclonedx-1.5".parse().unwrap()).unwrap())
            .unwrap();
    assert_eq!(old["specVersion"], "1.5");
    let v2: Value =
        serde_json::from_str(&netvet_report::render(&r, "spdx-2.3".parse().unwrap()).unwrap())
            .unwrap();
    assert_eq!(v2["spdxVersion"], "SPDX-2.3");
    let vex: Value =
        serde_json::from_str(&netvet_report::render(&r, "vex".parse().unwrap()).unwrap()).unwrap();
    let vulns = vex["vulnerabilities"].as_array().unwrap();
    let state = |id: &str| {
        vulns
            .iter()
            .find(|v| v["id"] == id)
            .map(|v| v["analysis"]["state"].clone())
            .unwrap()
    };
    assert_eq!(state("CVE-2017-3735"), "exploitable");
    assert_eq!(state("CVE-2016-2183"), "not_affected");
    assert!("vex2".parse::<netvet_report::Format>().is_err());
}
