//! SARIF output validated against the official OASIS SARIF 2.1.0 schema (tests/data).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;

use netvet_model::Report;
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sarif-schema-2.1.0.json"
    ))
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::new(&schema).expect("the SARIF schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let v = schema();
    let report = common::sample_report();
    let text = netvet_report::sarif::render(&report).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let errs = errors(&v, &doc);
    assert!(errs.is_empty(), "schema errors: {errs:#?}");

    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), netvet_model::kinds::ALL.len());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), report.findings.len());
    // every result points at the rule of its kind
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let shadow = results
        .iter()
        .find(|r| r["ruleId"] == "credential.default-password")
        .unwrap();
    assert_eq!(shadow["level"], "error");
    assert_eq!(
        shadow["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "0x40000.squashfs/etc/shadow"
    );
    assert_eq!(
        shadow["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "IMAGEROOT"
    );
    assert_eq!(
        shadow["partialFingerprints"]["netvetFingerprint/v1"],
        report.findings[0].fingerprint.as_str()
    );
    // a CVE without a path points at its component's path
    let cve = results.iter().find(|r| r["ruleId"] == "vuln.cve").unwrap();
    assert_eq!(
        cve["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "0x40000.squashfs/bin/busybox"
    );
    assert_eq!(cve["properties"]["cve"], "CVE-2021-42378");
    let secret = results
        .iter()
        .find(|r| r["ruleId"] == "credential.hardcoded-secret")
        .unwrap();
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["region"]["byteOffset"],
        0x1c4
    );
    assert_eq!(run["properties"]["verdict"]["result"], "fail");
}

#[test]
fn empty_report_is_valid_sarif_and_the_check_can_fail() {
    let v = schema();
    let report = Report::new(netvet_model::ImageInfo::default());
    let doc: Value = serde_json::from_str(&netvet_report::sarif::render(&report).unwrap()).unwrap();
    assert!(errors(&v, &doc).is_empty());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    // the validator does reject a broken log
    let mut broken = doc.clone();
    broken["version"] = Value::from("2.0.0");
    broken["runs"][0]["results"] = serde_json::json!([{"level": "fatal"}]);
    assert!(!errors(&v, &broken).is_empty());
}
