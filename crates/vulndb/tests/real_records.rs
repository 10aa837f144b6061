//! Matching against the real NVD records of the corpus (`vulndata/`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use netvet_model::{Component, Severity};
use netvet_vulndb::{store::read_records, Matcher, VulnDb};

fn comp(name: &str, vendor: &str, product: &str, version: &str) -> Component {
    Component {
        name: name.into(),
        version: version.into(),
        purl: format!("pkg:generic/{name}@{version}"),
        cpe: Some(format!(
            "cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*"
        )),
        paths: vec![format!("usr/lib/{name}")],
        evidence: String::new(),
        source: "test".into(),
    }
}

fn db() -> Option<VulnDb> {
    let dir = netvet_model::corpus::path("vulndata")?;
    let mut db = VulnDb::in_memory().unwrap();
    let st = db.import_paths(&[dir]).unwrap();
    assert_eq!(st.files, 9);
    assert_eq!(st.records, 9);
    assert!(st.failed.is_empty(), "{:?}", st.failed);
    Some(db)
}

fn cves(m: &Matcher, c: Component) -> Vec<String> {
    let mut v: Vec<String> = m
        .findings(&[c])
        .unwrap()
        .into_iter()
        .map(|f| f.cve.unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn xz_backdoor_hits_5_6_1_only() {
    let Some(db) = db() else { return };
    let m = Matcher::with_db(db).unwrap();
    let f = m.findings(&[comp("xz", "tukaani", "xz", "5.6.1")]).unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].cve.as_deref(), Some("CVE-2024-3094"));
    assert_eq!(f[0].severity, Severity::Critical);
    assert_eq!(f[0].component.as_deref(), Some("xz@5.6.1"));
    assert_eq!(f[0].path.as_deref(), Some("usr/lib/xz"));
    assert!(f[0].evidence.contains("CVSS 10.0"), "{}", f[0].evidence);
    assert!(f[0].evidence.contains("CWE-506"));
    assert!(cves(&m, comp("xz", "tukaani", "xz", "5.6.0")).contains(&"CVE-2024-3094".into()));
    assert!(cves(&m, comp("xz", "tukaani", "xz", "5.4.1")).is_empty());
}

#[test]
fn busybox_dropbear_dnsmasq_uclibc_lighttpd() {
    let Some(db) = db() else { return };
    let m = Matcher::with_db(db).unwrap();
    // 1.22.1: <= 1.36.1 hits, 1.27.0..=1.33.1 does not
    assert_eq!(
        cves(&m, comp("busybox", "busybox", "busybox", "1.22.1")),
        vec!["CVE-2022-48174"]
    );
    assert_eq!(
        cves(&m, comp("busybox", "busybox", "busybox", "1.33.1")),
        vec!["CVE-2021-42374", "CVE-2022-48174"]
    );
    assert!(cves(&m, comp("busybox", "busybox", "busybox", "1.36.2")).is_empty());
    let db_ = |v: &str| {
        cves(
            &m,
            comp("dropbear", "dropbear_ssh_project", "dropbear_ssh", v),
        )
    };
    assert_eq!(db_("2014.63"), vec!["CVE-2016-7406"]);
    assert_eq!(db_("2016.73"), vec!["CVE-2016-7406"]);
    assert!(db_("2016.74").is_empty());
    assert!(db_("2022.83").is_empty());
    let dq = |v: &str| cves(&m, comp("dnsmasq", "thekelleys", "dnsmasq", v));
    assert_eq!(dq("2.71"), vec!["CVE-2023-28450"]);
    assert!(dq("2.90").is_empty());
    assert_eq!(
        cves(&m, comp("uclibc", "uclibc", "uclibc", "0.9.33.2")),
        vec!["CVE-2017-9728"]
    );
    assert!(cves(&m, comp("uclibc", "uclibc", "uclibc", "0.9.33.3")).is_empty());
    let lt = |v: &str| cves(&m, comp("lighttpd", "lighttpd", "lighttpd", v));
    assert!(lt("1.4.35").is_empty());
    assert_eq!(lt("1.4.46"), vec!["CVE-2022-22707"]);
    assert_eq!(lt("1.4.63"), vec!["CVE-2022-22707"]);
    assert!(lt("1.4.69").is_empty());
}

#[test]
fn openssl_letter_releases_and_openssh_portable() {
    let Some(db) = db() else { return };
    let m = Matcher::with_db(db).unwrap();
    let ossl = |v: &str| cves(&m, comp("openssl", "openssl", "openssl", v));
    assert_eq!(ossl("1.0.2k"), vec!["CVE-2023-0286"]);
    assert_eq!(ossl("1.0.2d"), vec!["CVE-2023-0286"]);
    assert_eq!(ossl("1.0.2zf"), vec!["CVE-2023-0286"]);
    assert!(ossl("1.0.2zg").is_empty());
    assert!(ossl("1.0.1u").is_empty());
    assert_eq!(ossl("3.0.7"), vec!["CVE-2023-0286"]);
    assert!(ossl("3.0.8").is_empty());
    assert_eq!(ossl("1.1.1s"), vec!["CVE-2023-0286"]);
    assert!(ossl("1.1.1t").is_empty());
    let ssh = |v: &str| cves(&m, comp("openssh", "openbsd", "openssh", v));
    assert_eq!(ssh("9.2p1"), vec!["CVE-2024-6387"]);
    assert_eq!(ssh("8.5p1"), vec!["CVE-2024-6387"]);
    assert_eq!(ssh("4.3p2"), vec!["CVE-2024-6387"]);
    assert_eq!(ssh("4.4"), vec!["CVE-2024-6387"]);
    assert!(ssh("4.4p1").is_empty());
    assert!(ssh("6.7p1").is_empty());
    assert!(ssh("9.8p1").is_empty());
    assert!(ssh("8.5").is_empty());
}

#[test]
fn and_configuration_needs_hardware() {
    // CVE-2021-42374 also lists a NetApp firmware AND hardware configuration; firmware
    // alone without the hardware must not match.
    let Some(db) = db() else { return };
    let m = Matcher::with_db(db).unwrap();
    let mut fw = comp("h300s_firmware", "netapp", "h300s_firmware", "-");
    fw.cpe = Some("cpe:2.3:o:netapp:h300s_firmware:-:*:*:*:*:*:*:*".into());
    assert!(m.findings(std::slice::from_ref(&fw)).unwrap().is_empty());
    let mut hw = fw.clone();
    hw.name = "h300s".into();
    hw.cpe = Some("cpe:2.3:h:netapp:h300s:-:*:*:*:*:*:*:*".into());
    let f = m.findings(&[fw, hw]).unwrap();
    // NA versions are not matched (a component always has a concrete version)
    assert!(f.is_empty());
}

#[test]
fn import_is_idempotent_and_stats_count() {
    let Some(dir) = netvet_model::corpus::path("vulndata") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("sub/vulndb.sqlite");
    let mut db = VulnDb::open(&path).unwrap();
    db.import_paths(std::slice::from_ref(&dir)).unwrap();
    db.import_paths(&[dir.join("CVE-2024-3094.json")]).unwrap();
    let st = db.stats().unwrap();
    assert_eq!(st.records, 9);
    assert_eq!(st.nvd, 9);
    // nine products plus the Fedora and Debian OS entries
    assert_eq!(st.products, 11);
    // critical: 3094 (10.0), 48174, 7406, 9728 (9.8)
    assert_eq!(st.by_severity, [4, 3, 2, 0, 0]);
    assert_eq!(st.newest_published, "2024-07-01");
    drop(db);
    let ro = VulnDb::open_existing(&path).unwrap().unwrap();
    let r = ro.get("CVE-2023-0286").unwrap().unwrap();
    assert_eq!(r.cvss, Some(7.4));
    assert_eq!(r.cwe, vec!["CWE-843"]);
    assert_eq!(r.configs[0].nodes[0].matches.len(), 3);
    let recs = read_records(&dir.join("CVE-2024-6387.json")).unwrap();
    assert_eq!(recs[0].configs.len(), 2);
}

#[test]
fn gzip_feed_and_osv() {
    use std::io::Write;
    let tmp = tempfile::tempdir().unwrap();
    // an NVD API 2.0 feed, gzip-compressed
    let feed = serde_json::json!({"resultsPerPage": 1, "vulnerabilities": [{"cve": {
        "id": "CVE-2099-0001", "published": "2099-01-02T00:00:00.000",
        "metrics": {"cvssMetricV40": [{"type": "Primary", "cvssData": {"version": "4.0",
            "vectorString": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "baseScore": 9.3}}]},
        "configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [{"vulnerable": true,
            "criteria": "cpe:2.3:a:thekelleys:dnsmasq:*:*:*:*:*:*:*:*",
            "versionStartExcluding": "2.70", "versionEndExcluding": "2.72"}]}]}]}}]});
    let gz = tmp.path().join("feed.json.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(feed.to_string().as_bytes()).unwrap();
    enc.finish().unwrap();
    // an OSV record with only a vector (score computed) and an introduced/fixed range
    let osv = serde_json::json!({"schema_version": "1.6.0", "id": "OSV-2099-1",
        "aliases": ["CVE-2099-0002"], "published": "2099-02-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
        "affected": [{"package": {"ecosystem": "OSS-Fuzz", "name": "json-c"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0.10"}, {"fixed": "0.13"}]}]}]});
    std::fs::write(tmp.path().join("osv.json"), osv.to_string()).unwrap();
    std::fs::write(tmp.path().join("broken.json"), "{not json").unwrap();
    let mut db = VulnDb::in_memory().unwrap();
    let st = db.import_paths(&[tmp.path().to_path_buf()]).unwrap();
    assert_eq!(st.files, 3);
    assert_eq!(st.records, 2);
    assert_eq!(st.failed.len(), 1);
    assert!(st.failed[0].0.ends_with("broken.json"));
    let m = Matcher::with_db(db).unwrap();
    let dq = |v: &str| cves(&m, comp("dnsmasq", "thekelleys", "dnsmasq", v));
    assert_eq!(dq("2.71"), vec!["CVE-2099-0001"]);
    assert!(dq("2.70").is_empty());
    assert!(dq("2.72").is_empty());
    let f = m
        .findings(&[comp("dnsmasq", "thekelleys", "dnsmasq", "2.71")])
        .unwrap();
    assert_eq!(f[0].severity, Severity::Critical);
    let j = |v: &str| {
        m.findings(&[comp("json-c", "json-c", "json-c", v)])
            .unwrap()
    };
    let hit = j("0.11");
    assert_eq!(hit.len(), 1);
    assert_eq!(hit[0].cve.as_deref(), Some("OSV-2099-1"));
    assert_eq!(hit[0].severity, Severity::Critical);
    assert!(j("0.13").is_empty());
    assert!(j("0.9").is_empty());
}

#[test]
fn embedded_dataset_matches_sources() {
    // rules/vulndb/ is generated by scripts/gen-vulndb-facts.py from the corpus records: the
    // generator and the Rust parser must agree fact for fact, and no prose is shipped.
    let Some(dir) = netvet_model::corpus::path("vulndata") else {
        return;
    };
    let mut embedded = netvet_vulndb::embedded_records(&netvet_rules::RuleSet::embedded()).unwrap();
    embedded.sort_by(|a, b| a.id.cmp(&b.id));
    let mut parsed = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            parsed.extend(read_records(&p).unwrap());
        }
    }
    parsed.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(embedded.len(), 9);
    assert_eq!(embedded, parsed);
    let text = netvet_rules::RuleSet::embedded()
        .text("vulndb/nvd-facts.jsonl")
        .unwrap()
        .into_owned();
    assert!(
        !text.contains("backdoor"),
        "descriptions must not be embedded"
    );
    assert!(
        !text.contains("https://"),
        "references must not be embedded"
    );
}

#[test]
fn embedded_dataset_matches_without_a_database() {
    let m = Matcher::new(&netvet_rules::RuleSet::embedded(), None).unwrap();
    assert_eq!(
        cves(&m, comp("busybox", "busybox", "busybox", "1.22.1")),
        vec!["CVE-2022-48174"]
    );
    assert_eq!(
        cves(&m, comp("xz", "tukaani", "xz", "5.6.1")),
        vec!["CVE-2024-3094"]
    );
}

#[test]
fn explicit_database_must_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("none.sqlite");
    let e = netvet_vulndb::open_for_scan(Some(&missing)).err().unwrap();
    assert!(e.to_string().contains("none.sqlite"), "{e}");
    assert!(e.to_string().contains("netvet db import"), "{e}");
    // a file that is not a database is refused with its name
    let junk = tmp.path().join("junk.sqlite");
    std::fs::write(&junk, b"not sqlite at all, just text").unwrap();
    let e = netvet_vulndb::open_for_scan(Some(&junk)).err().unwrap();
    assert!(e.to_string().contains("junk.sqlite"), "{e}");
    // many paths are summarised in the evidence
    let mut c = comp("busybox", "busybox", "busybox", "1.22.1");
    c.paths = (0..8).map(|i| format!("bin/b{i}")).collect();
    let m = Matcher::new(&netvet_rules::RuleSet::embedded(), None).unwrap();
    let f = m.findings(&[c]).unwrap();
    assert!(
        f[0].evidence
            .ends_with("found at bin/b0, bin/b1, bin/b2, bin/b3, bin/b4 and 3 more"),
        "{}",
        f[0].evidence
    );
}
