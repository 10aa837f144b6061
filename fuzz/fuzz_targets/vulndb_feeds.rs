#![no_main]
// Vulnerability feed import: the first byte picks the parser (NVD CVE API 2.0 record, OSV
// record, or the importer's own dispatch over both and NVD feeds), the rest is JSON. Records
// that parse are written to an in-memory database and matched against a fixed component
// list, so the CPE parser, version comparison and applicability code see them too.
use libfuzzer_sys::fuzz_target;
use netvet_model::Component;
use netvet_vulndb::{record, store::VulnDb, Matcher};

fn components() -> Vec<Component> {
    let mut out = Vec::new();
    for (name, version, cpe, purl) in [
        (
            "busybox",
            "1.33.1",
            "cpe:2.3:a:busybox:busybox:1.33.1:*:*:*:*:*:*:*",
            "pkg:generic/busybox@1.33.1",
        ),
        (
            "openssl",
            "1.0.2k",
            "cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*",
            "pkg:generic/openssl@1.0.2k",
        ),
        ("dnsmasq", "2.86", "", "pkg:deb/debian/dnsmasq@2.86-1"),
    ] {
        out.push(Component {
            name: name.into(),
            version: version.into(),
            purl: purl.into(),
            cpe: (!cpe.is_empty()).then(|| cpe.to_string()),
            paths: vec![format!("bin/{name}")],
            evidence: String::new(),
            source: "fuzz".into(),
        });
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(rest) else {
        return;
    };
    let recs = match sel % 3 {
        0 => record::from_nvd(&doc).map(|r| vec![r]),
        1 => record::from_osv(&doc).map(|r| vec![r]),
        _ => record::records_from_json(&doc),
    };
    let Ok(recs) = recs else { return };
    let mut db = VulnDb::in_memory().expect("in-memory database");
    db.insert(&recs).expect("insert parsed records");
    for r in &recs {
        // stored records read back
        assert!(db.get(&r.id).expect("get").is_some(), "{} not stored", r.id);
    }
    let m = Matcher::with_db(db).expect("matcher");
    let _ = m.findings(&components()).expect("match");
});
