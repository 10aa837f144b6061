//! Network risk over time: three inventories generated at test time, with planted vendor
//! swaps, additions and removals; progress, projections, plans, changes and schemes checked
//! exactly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_network::{assess_over_time, certificates, history, render, CertIndex, Policy};
use std::fmt::Write;
use std::path::Path;

const POLICY: &str = r#"
as_of = "2026-01-01"
[vendors]
"Vendor H" = "high"
"Vendor M" = "medium"
"Vendor L" = "low"
[rules]
forbid = { high = ["core"] }
max_share = { high = { ran = 0.35 } }
min_vendors = { core = 2 }
require_certified = { core = ["nesas", "cc"] }
[rules.deadline]
forbid = "2027-12-31"
max_share = "2026-12-31"
wrong-scheme = "2025-12-31"
"#;

const HEADER: &str =
    "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n";

/// Ten core elements of which the last `h_core` are Vendor H's (so lowering `h_core` swaps
/// elements to Vendor L under the same id), and 20 gNBs of which 12 are Vendor H's (5 at r-1,
/// 4 at r-2, 3 at r-3). `later` replaces gnb-19 by gnb-20.
fn inventory(h_core: u32, later: bool) -> String {
    let mut s = String::from(HEADER);
    for i in 0..10 {
        let (v, p) = if i >= 10 - h_core {
            ("Vendor H", "core-h")
        } else if i == 0 {
            ("Vendor L", "core-m")
        } else {
            ("Vendor L", "core-l")
        };
        let _ = writeln!(s, "dc-1,amf-{i},AMF,,{v},{p},1.0,");
    }
    let gnbs: Vec<u32> = if later {
        (0..19).chain([20]).collect()
    } else {
        (0..20).collect()
    };
    for i in gnbs {
        let v = if i < 12 {
            "Vendor H"
        } else if i % 2 == 0 {
            "Vendor L"
        } else {
            "Vendor M"
        };
        let site = match i {
            0..=4 => "r-1",
            5..=8 => "r-2",
            9..=11 => "r-3",
            _ => "r-4",
        };
        let _ = writeln!(s, "{site},gnb-{i},gNB,,{v},radio,2.0,");
    }
    s
}

const CERTS: &str = "scheme,certificate_id,product,software_version,firmware_sha256,valid_until\n\
nesas,N-1,core-l,1.0,,\n\
cc,CC-1,core-m,1.0,,2025-12-31\n\
bsz,B-1,core-h,,,\n";

fn setup(dir: &Path) -> std::path::PathBuf {
    let h = dir.join("history");
    std::fs::create_dir(&h).unwrap();
    std::fs::write(h.join("2025-01-01.csv"), inventory(8, false)).unwrap();
    std::fs::write(h.join("2025-07-01.csv"), inventory(6, true)).unwrap();
    std::fs::write(h.join("notes.txt"), "not an inventory").unwrap();
    std::fs::write(dir.join("now.csv"), inventory(4, true)).unwrap();
    h
}

fn certs() -> CertIndex {
    CertIndex::new(certificates::parse_csv("certs.csv", CERTS.as_bytes()).unwrap())
}

#[test]
fn progress_projection_plan_and_changes() {
    let d = tempfile::tempdir().unwrap();
    let h = setup(d.path());
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let c = certs();
    let (inv, hist) = history::load(&h, &d.path().join("now.csv"), "2026-01-01", &p, &c).unwrap();
    assert_eq!(hist.snapshots.len(), 2);
    let a = assess_over_time(&inv, &p, &c, None, Some(&hist));

    let find = |rule: &str| {
        a.progress
            .iter()
            .find(|x| x.rule == rule)
            .unwrap_or_else(|| panic!("no progress entry for {rule}"))
    };
    // forbid: 8, 6, 4 high-risk core elements; least squares over days 0, 181, 365
    let f = find("forbid");
    assert_eq!(f.vendor.as_deref(), Some("Vendor H"));
    let values: Vec<f64> = f.series.iter().map(|x| x.value).collect();
    assert_eq!(values, vec![8.0, 6.0, 4.0]);
    let dates: Vec<&str> = f.series.iter().map(|x| x.date.as_str()).collect();
    assert_eq!(dates, vec!["2025-01-01", "2025-07-01", "2026-01-01"]);
    assert!(
        (f.removal_rate.unwrap() - 4.00265).abs() < 1e-4,
        "{:?}",
        f.removal_rate
    );
    assert_eq!(f.projected.as_deref(), Some("2027-01-02"));
    assert!(f.on_track && !f.holds);

    // max_share: 12 of 20 gNBs at every date: no progress
    let m = find("max_share");
    assert_eq!(m.unit, "share");
    assert_eq!(m.target, 0.35);
    assert!(m.series.iter().all(|x| x.value == 0.6));
    assert_eq!(m.removal_rate, Some(0.0));
    assert_eq!(m.projected, None);
    assert!(!m.on_track);

    // wrong-scheme: Vendor H's core firmware holds only a BSZ certificate; the deadline passed
    let w = find("wrong-scheme");
    assert_eq!(w.series.last().unwrap().value, 4.0);
    assert_eq!(w.projected.as_deref(), Some("2027-01-02"));
    assert!(!w.on_track);
    assert_eq!(a.progress.len(), 3, "{:?}", a.progress);

    // plans: max_share needs 8 of Vendor H's 12 gNBs gone (4 of 12 = 33.3 %), whole sites first
    let plan = a.plan.iter().find(|x| x.rule == "max_share").unwrap();
    assert_eq!(plan.total, 8);
    assert!(!plan.overdue);
    let q: Vec<(&str, u64)> = plan
        .quarters
        .iter()
        .map(|x| (x.quarter.as_str(), x.count))
        .collect();
    assert_eq!(
        q,
        vec![
            ("2026-Q1", 5),
            ("2026-Q2", 3),
            ("2026-Q3", 0),
            ("2026-Q4", 0)
        ]
    );
    assert_eq!(plan.quarters[0].sites[0].site, "r-1");
    assert_eq!(plan.quarters[1].sites[0].site, "r-2");
    assert_eq!(plan.quarters[1].sites[0].count, 3);
    assert_eq!(plan.quarters[0].by, "2026-03-31");
    let h_after = &plan.quarters[1].shares_after;
    let hv = h_after.iter().find(|v| v.vendor == "Vendor H").unwrap();
    assert_eq!((hv.elements, (hv.share * 1000.0).round()), (4, 333.0));
    let ran_after = plan
        .domains_after
        .iter()
        .find(|d| d.domain == netvet_network::Domain::Ran)
        .unwrap();
    assert_eq!(ran_after.elements, 12);
    let ws = a.plan.iter().find(|x| x.rule == "wrong-scheme").unwrap();
    assert!(ws.overdue);
    assert_eq!(ws.quarters.len(), 1);
    assert_eq!(ws.quarters[0].quarter, "2026-Q1");
    assert_eq!(
        ws.quarters[0].elements,
        vec!["amf-6", "amf-7", "amf-8", "amf-9"]
    );
    assert!(
        !a.plan.iter().any(|x| x.rule == "forbid"),
        "forbid is on track"
    );

    // changes: amf-2 and amf-3 went from Vendor H to Vendor L, gnb-19 left, gnb-20 came
    let hr = a.history.as_ref().unwrap();
    let c0 = &hr.changes[0];
    assert_eq!(
        (c0.from.as_str(), c0.to.as_str()),
        ("2025-01-01", "2025-07-01")
    );
    assert_eq!((c0.added, c0.removed, c0.swapped), (1, 1, 2));
    assert_eq!(c0.by_vendor["Vendor H"].swapped_out, 2);
    assert_eq!(c0.by_vendor["Vendor L"].swapped_in, 2);
    assert_eq!(c0.by_site["r-4"].added, 1);
    assert_eq!(c0.by_site["r-4"].removed, 1);
    assert_eq!(c0.by_domain["core"].swapped_in, 2);
    assert_eq!(c0.sites_changed, 2);
    let c1 = &hr.changes[1];
    assert_eq!(
        (c1.to.as_str(), c1.added, c1.removed, c1.swapped),
        ("2026-01-01", 0, 0, 2)
    );
    assert_eq!(hr.shares.len(), 3);
    assert_eq!(hr.shares[0].domains["core"][0].vendor, "Vendor H");
    assert_eq!(hr.shares[0].domains["core"][0].elements, 8);

    // schemes: BSZ is reported as certified under another scheme; an expired CC certificate
    // leaves its element uncertified
    let v = a
        .violations
        .iter()
        .find(|v| v.rule == "wrong-scheme")
        .unwrap();
    assert_eq!(v.count, 4);
    assert_eq!(v.schemes, vec!["bsz"]);
    assert_eq!(v.required_schemes, vec!["nesas", "cc"]);
    assert!(
        v.detail
            .contains("certified under bsz (B-1), the core domain needs nesas or cc"),
        "{}",
        v.detail
    );
    let u: Vec<_> = a
        .violations
        .iter()
        .filter(|v| v.rule == "uncertified")
        .collect();
    assert_eq!(u.len(), 1);
    assert_eq!(u[0].elements, vec!["amf-0"]);
    assert!(
        u[0].detail
            .contains("certificate CC-1 (cc) expired on 2025-12-31"),
        "{}",
        u[0].detail
    );

    // the pictures: one chart per progress entry, shares over time per domain
    let html = render::html(&a);
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"progress\"")
            .count(),
        3
    );
    assert_eq!(html.matches("class=\"shares-over-time\"").count(), 2);
    assert!(html.contains("class=\"deadline\" data-date=\"2027-12-31\""));
    assert!(html.contains("class=\"projection\" data-date=\"2027-01-02\""));
    let md = render::markdown(&a);
    assert!(md.contains("| forbid | core | Vendor H | 2027-12-31 | 2025-01-01: 8, 2025-07-01: 6, 2026-01-01: 4 | 4.0 | 2027-01-02 | yes |"), "{md}");
    assert!(
        md.contains("| 2026-Q1 | 2026-03-31 | 5 | r-1 (5) |"),
        "{md}"
    );
}

#[test]
fn already_met_rules_are_dated_from_when_they_held() {
    let p = Policy::parse(
        "p.toml",
        "as_of = \"2026-01-01\"\n[vendors]\n\"Vendor H\" = \"high\"\n[rules]\nforbid = { high = [\"core\"] }\n[rules.deadline]\nforbid = \"2025-12-31\"\n",
    )
    .unwrap();
    let d = tempfile::tempdir().unwrap();
    let h = d.path().join("h");
    std::fs::create_dir(&h).unwrap();
    let core = |v: &str| format!("{HEADER}dc,amf-1,AMF,,{v},c,1,\ndc,amf-2,AMF,,Vendor L,c,1,\n");
    std::fs::write(h.join("2025-01-01.csv"), core("Vendor H")).unwrap();
    std::fs::write(h.join("2025-06-30.csv"), core("Vendor L")).unwrap();
    std::fs::write(d.path().join("now.csv"), core("Vendor L")).unwrap();
    let c = CertIndex::default();
    let (inv, hist) = history::load(&h, &d.path().join("now.csv"), "2026-01-01", &p, &c).unwrap();
    let a = assess_over_time(&inv, &p, &c, None, Some(&hist));
    assert_eq!(a.progress.len(), 1);
    let f = &a.progress[0];
    assert!(f.holds);
    assert_eq!(f.projected.as_deref(), Some("2025-06-30"));
    assert!(f.on_track);
    assert!(a.plan.is_empty());
    assert!(a.violations.is_empty());
}

#[test]
fn history_errors_name_the_file() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let c = CertIndex::default();
    let d = tempfile::tempdir().unwrap();
    let h = setup(d.path());
    let now = d.path().join("now.csv");
    // a later inventory in the history
    std::fs::write(h.join("2026-03-01.csv"), inventory(4, true)).unwrap();
    let e = history::load(&h, &now, "2026-01-01", &p, &c)
        .unwrap_err()
        .to_string();
    assert!(e.ends_with("2026-03-01.csv: history inventory dated 2026-03-01 is not earlier than the current inventory (2026-01-01)"), "{e}");
    std::fs::remove_file(h.join("2026-03-01.csv")).unwrap();
    // not a calendar date
    std::fs::write(h.join("2025-02-30.csv"), inventory(4, true)).unwrap();
    let e = history::load(&h, &now, "2026-01-01", &p, &c)
        .unwrap_err()
        .to_string();
    assert!(
        e.ends_with("2025-02-30.csv: '2025-02-30' is not a calendar date"),
        "{e}"
    );
    std::fs::remove_file(h.join("2025-02-30.csv")).unwrap();
    // a bad line in an earlier inventory names that file and line
    std::fs::write(
        h.join("2024-01-01.csv"),
        format!("{HEADER}s,x,toaster,,V,p,1,\n"),
    )
    .unwrap();
    let e = history::load(&h, &now, "2026-01-01", &p, &c)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("2024-01-01.csv:2: unknown function 'toaster'"),
        "{e}"
    );
    std::fs::remove_file(h.join("2024-01-01.csv")).unwrap();
    // the current inventory inside the history directory is skipped, not an error
    std::fs::copy(&now, h.join("2026-01-01.csv")).unwrap();
    let (_, hist) = history::load(&h, &h.join("2026-01-01.csv"), "2026-01-01", &p, &c).unwrap();
    assert_eq!(hist.snapshots.len(), 2);
}

#[test]
fn without_history_a_dated_rule_has_one_point() {
    let p = Policy::parse("p.toml", POLICY).unwrap();
    let inv = netvet_network::Inventory::parse("now.csv", inventory(4, true).as_bytes()).unwrap();
    let a = netvet_network::assess(&inv, &p, &certs(), None);
    let f = a.progress.iter().find(|x| x.rule == "forbid").unwrap();
    assert_eq!(f.series.len(), 1);
    assert_eq!(f.removal_rate, None);
    assert_eq!(f.projected, None);
    assert!(!f.on_track);
    // not on track: a plan over the eight quarters to the end of 2027
    let plan = a.plan.iter().find(|x| x.rule == "forbid").unwrap();
    assert_eq!(plan.quarters.len(), 8);
    assert_eq!(plan.total, 4);
    assert!(a.history.is_none());
}
