//! Regime profiles end to end through the public API: built-in policies (`red`, `cra`,
//! `psti`, ...), an evidence directory written at test time, and the verdict per regime.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_certify::{judge, load_with_evidence, Catalogue, Method, Policy};
use netvet_model::{kinds, Finding, ImageInfo, Report, Severity, Verdict};
use netvet_rules::RuleSet;
use std::path::Path;

fn date(y: i32, m: u8, d: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
}

fn report(findings: Vec<Finding>) -> Report {
    let mut r = Report::new(ImageInfo::default());
    r.findings = findings;
    r.number_findings();
    r
}

/// What a typical router scan finds: a default root password, telnet at boot, a CVE.
fn router_findings() -> Vec<Finding> {
    vec![
        Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "root password is admin",
            Some("etc/shadow".into()),
            "root",
        ),
        Finding::new(
            kinds::SERVICE_INSECURE,
            Severity::High,
            "telnetd started at boot",
            Some("etc/init.d/rcS".into()),
            "telnetd -p 23",
        ),
        Finding::new(
            kinds::VULN_CVE,
            Severity::High,
            "CVE-2022-48174 in busybox 1.35.0",
            Some("bin/busybox".into()),
            "CVE-2022-48174",
        ),
    ]
}

fn status<'a>(v: &'a Verdict, id: &str) -> &'a str {
    &v.requirements
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} not judged"))
        .status
}

#[test]
fn red_profile_fails_a_router_with_a_default_password() {
    let rules = RuleSet::embedded();
    let (c, p) = load_with_evidence(&rules, Some(Path::new("red")), None).unwrap();
    let mut r = report(router_findings());
    let j = judge(&mut r, &c, &p, date(2026, 12, 6));
    assert_eq!(j.verdict.policy, "red");
    assert_eq!(j.verdict.result, "fail");
    assert_eq!(status(&j.verdict, "EN18031-1-AUM-5-1"), "fail");
    assert_eq!(status(&j.verdict, "EN18031-1-AUM-5-2"), "fail");
    assert_eq!(status(&j.verdict, "EN18031-1-GEC-1"), "fail");
    assert_eq!(status(&j.verdict, "EN18031-1-GEC-2"), "fail");
    assert_eq!(status(&j.verdict, "EN18031-1-SCM-3"), "fail");
    // nothing in the image about key strength: not a pass, evidence is needed
    assert_eq!(status(&j.verdict, "EN18031-1-CCK-1"), "needs-evidence");
    assert_eq!(status(&j.verdict, "EN18031-1-AUM-6"), "needs-evidence");
    assert_eq!(j.verdict.regimes.len(), 1);
    let red = &j.verdict.regimes[0];
    assert_eq!(red.regime, "red");
    assert_eq!(
        red.documents,
        vec!["EN 18031-1:2024", "EN 18031-2:2024", "EN 18031-3:2024"]
    );
    assert!(red.in_force && red.enforced);
    assert_eq!(red.judged, red.total);
    assert_eq!(red.applies_from.as_deref(), Some("2025-08-01"));
    // the default password finding names the EN 18031 requirements it violates
    let pw = r
        .findings
        .iter()
        .find(|f| f.kind == kinds::CREDENTIAL_DEFAULT_PASSWORD)
        .unwrap();
    assert!(pw.requirements.contains(&"EN18031-1-AUM-5-1".to_string()));
    assert!(pw.requirements.contains(&"EN18031-2-AUM-5-1".to_string()));
    // before 1 August 2025 RED is reported, not enforced
    let j = judge(&mut r, &c, &p, date(2025, 7, 31));
    assert_eq!(j.verdict.result, "not-applicable");
    assert!(!j.verdict.regimes[0].enforced);
    assert_eq!(j.verdict.regimes[0].result, "fail");
}

#[test]
fn psti_passes_only_with_evidence_and_evidence_is_recorded() {
    let rules = RuleSet::embedded();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("support.txt"),
        "Security updates until 2031-12-31\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("psti.toml"),
        r#"
[[evidence]]
requirement = "PSTI-1"
status = "pass"
reference = "unique per-device password printed on the label; first login forces a change"
date = 2026-11-20
assessor = "Example Lab"

[[evidence]]
requirement = "PSTI-2"
status = "pass"
reference = "https://vendor.example/security (disclosure policy)"
date = 2026-11-20

[[evidence]]
requirement = "PSTI-3"
status = "pass"
reference = "support period on the product page"
documents = ["support.txt"]
date = 2026-11-20
"#,
    )
    .unwrap();
    let (c, p) = load_with_evidence(&rules, Some(Path::new("psti")), Some(dir.path())).unwrap();
    assert_eq!(p.evidence.items.len(), 3);
    let mut clean = report(vec![]);
    let j = judge(&mut clean, &c, &p, date(2026, 12, 6));
    assert_eq!(j.verdict.result, "pass");
    assert_eq!(status(&j.verdict, "PSTI-1"), "pass");
    assert_eq!(status(&j.verdict, "PSTI-3"), "pass");
    let ev = &clean.summaries["certify"]["evidence"];
    assert_eq!(ev["used"].as_array().unwrap().len(), 3);
    assert_eq!(ev["used"][2]["documents"][0]["path"], "support.txt", "{ev}");
    assert_eq!(
        ev["used"][2]["documents"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    // the scan contradicts the vendor: a default password fails PSTI-1 despite the evidence
    let mut bad = report(router_findings());
    let j = judge(&mut bad, &c, &p, date(2026, 12, 6));
    assert_eq!(status(&j.verdict, "PSTI-1"), "fail");
    assert_eq!(j.verdict.result, "fail");
}

#[test]
fn cra_is_reported_not_enforced_before_december_2027() {
    let rules = RuleSet::embedded();
    let (c, p) = load_with_evidence(&rules, Some(Path::new("cra")), None).unwrap();
    let mut r = report(router_findings());
    let j = judge(&mut r, &c, &p, date(2026, 12, 6));
    let cra = &j.verdict.regimes[0];
    assert_eq!(cra.regime, "cra");
    assert_eq!(cra.result, "fail", "reported as it would be");
    assert!(!cra.in_force);
    // Article 14 (reporting) applies since 11 September 2026 and needs evidence
    assert!(cra.enforced);
    assert_eq!(j.verdict.result, "needs-evidence");
    assert_eq!(status(&j.verdict, "CRA-I-2a"), "fail");
    assert_eq!(status(&j.verdict, "CRA-I-2d"), "fail");
    let j = judge(&mut r, &c, &p, date(2027, 12, 11));
    assert_eq!(j.verdict.result, "fail");
}

#[test]
fn no_profile_reads_a_clean_scan_as_conformity() {
    let rules = RuleSet::embedded();
    let c = Catalogue::from_rules(&rules).unwrap();
    for name in Policy::builtin_names(&rules) {
        let p = Policy::builtin(&rules, &name, &c).unwrap().unwrap();
        let mut r = report(vec![]);
        let j = judge(&mut r, &c, &p, date(2030, 1, 1));
        let judged_non_image = c
            .requirements
            .iter()
            .any(|q| p.selects(q) && q.method != Method::Image);
        if judged_non_image {
            assert_eq!(j.verdict.result, "needs-evidence", "profile {name}");
            for reg in &j.verdict.regimes {
                assert_ne!(reg.result, "pass", "profile {name}, regime {}", reg.regime);
            }
        } else {
            assert_eq!(j.verdict.result, "pass", "profile {name}");
        }
        for q in &j.verdict.requirements {
            if q.method.as_deref() != Some("image") {
                assert_ne!(q.status, "pass", "{name}: {} passed without evidence", q.id);
            }
        }
    }
}

#[test]
fn regimes_profile_gives_one_verdict_per_regime() {
    let rules = RuleSet::embedded();
    let (c, p) = load_with_evidence(&rules, Some(Path::new("regimes")), None).unwrap();
    let mut r = report(router_findings());
    let j = judge(&mut r, &c, &p, date(2026, 12, 6));
    let ids: Vec<&str> = j
        .verdict
        .regimes
        .iter()
        .map(|r| r.regime.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["cra", "en303645", "psti", "red", "tr03163", "ts33117"]
    );
    let tr = j
        .verdict
        .regimes
        .iter()
        .find(|r| r.regime == "tr03163")
        .unwrap();
    assert_eq!(tr.jurisdiction, "DE");
    assert!(tr.enforced);
    assert_eq!(tr.result, "fail");
    let json = serde_json::to_value(&j.verdict).unwrap();
    assert_eq!(json["regimes"][2]["regime"], "psti");
    assert_eq!(json["regimes"][2]["counts"]["fail"], 1);
    assert_eq!(json["date"], "2026-12-06");
}

#[test]
fn the_default_policy_keeps_its_verdicts() {
    // the default judges image requirements only: a clean image passes as before
    let rules = RuleSet::embedded();
    let (c, p) = load_with_evidence(&rules, None, None).unwrap();
    let mut r = report(vec![]);
    let j = judge(&mut r, &c, &p, date(2026, 12, 6));
    assert_eq!(j.verdict.result, "pass");
    assert!(j
        .verdict
        .requirements
        .iter()
        .all(|q| q.method.as_deref() == Some("image")));
    let mut r = report(router_findings());
    assert_eq!(
        judge(&mut r, &c, &p, date(2026, 12, 6)).verdict.result,
        "fail"
    );
}

#[test]
fn certification_doc_lists_every_regime_requirement() {
    // docs/certification.md has a table per regime: keep it in step with the catalogue
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/certification.md"
    ))
    .unwrap();
    let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
    for r in &c.requirements {
        let regime = c.regime_of(r);
        if matches!(regime, "netvet" | "en303645-v2") {
            continue;
        }
        let row = format!("| `{}` | {} |", r.id, r.clause);
        assert!(doc.contains(&row), "docs/certification.md lacks {row}");
        let method = r.method.as_str();
        let line = doc.lines().find(|l| l.starts_with(&row)).unwrap();
        assert!(line.contains(&format!("| {method}")), "{line}");
    }
}
