//! Networks generated at test time with planted violations; each rule checked exactly.

use netvet_network::{assess, CertIndex, CertRecord, Domain, Inventory, Policy};
use std::fmt::Write;

const POLICY: &str = r#"
[vendors]
"Vendor H" = "high"
"Vendor M" = "medium"
"Vendor L" = "low"
[rules]
forbid = { high = ["core", "management"] }
max_share = { high = { ran = 0.35 } }
min_vendors = { core = 2, ran = 2 }
require_certified = ["core"]
"#;

const HEADER: &str =
    "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n";

fn sha(n: u32) -> String {
    format!("{n:064x}")
}

/// A RAN of 100 gNBs where `high` of them are from the high-risk vendor, and a clean core.
fn network(high_ran: u32, core_high: u32) -> String {
    let mut s = String::from(HEADER);
    for i in 0..100 {
        let v = if i < high_ran {
            "Vendor H"
        } else if i % 2 == 0 {
            "Vendor L"
        } else {
            "Vendor M"
        };
        let _ = writeln!(s, "site-{},gnb-{i},gNB,,{v},radio,1.0,", i % 10);
    }
    for i in 0..4 {
        let v = if i < core_high {
            "Vendor H"
        } else if i % 2 == 0 {
            "Vendor L"
        } else {
            "Vendor M"
        };
        let _ = writeln!(s, "dc-1,amf-{i},AMF,,{v},core-{i},2.0,{}", sha(i + 1));
    }
    s
}

fn certs_for(ids: &[u32]) -> CertIndex {
    CertIndex::new(
        ids.iter()
            .map(|&i| CertRecord {
                file: format!("core-{i}.dsse.json"),
                subject_name: format!("core-{i}-2.0.bin"),
                sha256: sha(i + 1),
                verdict: Some(netvet_certify::VerdictResult::Pass),
                signature_ok: true,
                problem: None,
                ..Default::default()
            })
            .collect(),
    )
}

fn rules(a: &netvet_network::Assessment) -> Vec<String> {
    a.violations.iter().map(|v| v.rule.clone()).collect()
}

#[test]
fn share_at_the_cap_is_allowed_and_above_is_not() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let certs = certs_for(&[0, 1, 2, 3]);
    for (high, expect_violation) in [(34, false), (35, false), (36, true)] {
        let inv = Inventory::parse("n.csv", network(high, 0).as_bytes()).unwrap();
        let a = assess(&inv, &p, &certs, None);
        let ms: Vec<_> = a
            .violations
            .iter()
            .filter(|v| v.rule == "max_share")
            .collect();
        assert_eq!(
            !ms.is_empty(),
            expect_violation,
            "high={high}: {:?}",
            rules(&a)
        );
        if expect_violation {
            assert_eq!(ms[0].count, 36);
            assert_eq!(ms[0].share, Some(0.36));
            assert_eq!(ms[0].limit, Some(0.35));
            assert_eq!(ms[0].vendor.as_deref(), Some("Vendor H"));
            assert_eq!(ms[0].sites.len(), 10);
        }
        assert!(
            a.violations.iter().all(|v| v.rule == "max_share"),
            "{:?}",
            rules(&a)
        );
    }
}

#[test]
fn forbid_lists_sites_and_elements() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let inv = Inventory::parse("n.csv", network(0, 2).as_bytes()).unwrap();
    let a = assess(&inv, &p, &certs_for(&[0, 1, 2, 3]), None);
    let f: Vec<_> = a.violations.iter().filter(|v| v.rule == "forbid").collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].domain, Domain::Core);
    assert_eq!(f[0].elements, vec!["amf-0", "amf-1"]);
    assert_eq!(f[0].sites, vec!["dc-1"]);
    assert_eq!(f[0].count, 2);
}

#[test]
fn concentration_and_min_vendors() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let mut s = String::from(HEADER);
    for i in 0..10 {
        let _ = writeln!(s, "s{i},x{i},UPF,,Vendor L,upf,1,{}", sha(9));
    }
    let inv = Inventory::parse("n.csv", s.as_bytes()).unwrap();
    let a = assess(&inv, &p, &certs_for(&[8]), None);
    assert_eq!(a.domains.len(), 1);
    assert_eq!(a.domains[0].hhi, 10000.0);
    assert_eq!(rules(&a), vec!["min_vendors"]);
    // 50/30/20 -> HHI 2500 + 900 + 400
    let inv = Inventory::parse("n.csv", network(20, 0).as_bytes()).unwrap();
    let a = assess(&inv, &p, &certs_for(&[0, 1, 2, 3]), None);
    let ran = a.domains.iter().find(|d| d.domain == Domain::Ran).unwrap();
    assert_eq!(ran.elements, 100);
    assert_eq!(ran.hhi, 40.0 * 40.0 + 40.0 * 40.0 + 20.0 * 20.0);
}

#[test]
fn uncertified_and_mismatched_firmware() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let inv = Inventory::parse("n.csv", network(0, 0).as_bytes()).unwrap();
    // amf-0 certified; amf-1 has a record with a bad signature; amf-2 has no record but its
    // product/version was certified under another digest; amf-3 has nothing
    let mut recs = certs_for(&[0]).records;
    recs.push(CertRecord {
        file: "forged.json".into(),
        subject_name: "core-1-2.0.bin".into(),
        sha256: sha(2),
        verdict: Some(netvet_certify::VerdictResult::Pass),
        signature_ok: false,
        problem: Some("signature does not verify".into()),
        ..Default::default()
    });
    recs.push(CertRecord {
        file: "old.json".into(),
        subject_name: "core-2-2.0.bin".into(),
        sha256: sha(77),
        verdict: Some(netvet_certify::VerdictResult::Pass),
        signature_ok: true,
        problem: None,
        ..Default::default()
    });
    let a = assess(&inv, &p, &CertIndex::new(recs), None);
    let un: Vec<_> = a
        .violations
        .iter()
        .filter(|v| v.rule == "uncertified")
        .collect();
    let mm: Vec<_> = a
        .violations
        .iter()
        .filter(|v| v.rule == "attestation-mismatch")
        .collect();
    assert_eq!(un.len(), 1);
    assert_eq!(un[0].elements, vec!["amf-3"]);
    assert_eq!(mm.len(), 2);
    let mut mm_el: Vec<_> = mm.iter().flat_map(|v| v.elements.clone()).collect();
    mm_el.sort();
    assert_eq!(mm_el, vec!["amf-1", "amf-2"]);
    assert!(mm.iter().any(|v| v
        .detail
        .contains("differs from the certified image core-2-2.0.bin")));
}

#[test]
fn what_if_removal() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let inv = Inventory::parse("n.csv", network(40, 1).as_bytes()).unwrap();
    let a = assess(&inv, &p, &certs_for(&[0, 1, 2, 3]), Some("Vendor H"));
    let w = a.without.as_ref().unwrap();
    assert_eq!(w.total, 41);
    let core: Vec<_> = w
        .replace
        .iter()
        .filter(|r| r.domain == Domain::Core)
        .collect();
    assert_eq!(core.len(), 1);
    assert_eq!(core[0].site, "dc-1");
    assert_eq!(core[0].elements, vec!["amf-0"]);
    let ran_after = w
        .domains_after
        .iter()
        .find(|d| d.domain == Domain::Ran)
        .unwrap();
    assert_eq!(ran_after.elements, 60);
    assert!(ran_after.vendors.iter().all(|v| v.vendor != "Vendor H"));
    assert!(w.violations_after.is_empty(), "{:?}", w.violations_after);
    assert_eq!(rules(&a), vec!["forbid", "max_share"]);
}

#[test]
fn reports_render() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let inv = Inventory::parse(
        "n.csv",
        network(40, 1)
            .replace("site-3", "<script>x</script>")
            .as_bytes(),
    )
    .unwrap();
    let a = assess(&inv, &p, &certs_for(&[0, 1, 2, 3]), Some("Vendor H"));
    let j: serde_json::Value = serde_json::from_str(&netvet_network::render::json(&a)).unwrap();
    assert_eq!(j["schema"], "netvet.network/1");
    assert_eq!(j["violations"].as_array().unwrap().len(), 2);
    assert_eq!(j["domains"][0]["domain"], "core");
    let md = netvet_network::render::markdown(&a);
    assert!(md.contains("| forbid | core | Vendor H | 1 |"), "{md}");
    let html = netvet_network::render::html(&a);
    assert!(html.contains("<span id=\"violation-count\">2</span>"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script>x"));
    assert!(html.contains("&lt;script&gt;x"));
}
