#![no_main]
// Certification inputs a user or a supplier hands over: the first byte picks the parser.
//   0: a policy TOML against the embedded catalogue; when it parses, a fixed small report
//      is judged against it; the same text is also parsed as an evidence file and, when it
//      parses, attached to the default policy and judged;
//   1: a requirement-catalogue file (next to the embedded version file); when the catalogue
//      loads, the embedded default policy is parsed against it and the report judged;
//   2: a signed attestation envelope (DSSE JSON) checked with a fixed key.
use libfuzzer_sys::fuzz_target;
use netvet_certify::{attest, judge, Catalogue, Evidence, Policy};
use netvet_model::{kinds, Finding, ImageInfo, Report, Severity};
use std::sync::OnceLock;

struct Fixed {
    rules: netvet_rules::RuleSet,
    catalogue: Catalogue,
    key: ed25519_dalek::VerifyingKey,
}

fn fixed() -> &'static Fixed {
    static F: OnceLock<Fixed> = OnceLock::new();
    F.get_or_init(|| {
        let rules = netvet_rules::RuleSet::embedded();
        let catalogue = Catalogue::from_rules(&rules).expect("embedded catalogue");
        let (_, public) = attest::generate_keypair().expect("key pair");
        let key = attest::verifying_key_from_pem(&public, "fuzz.pub").expect("public key");
        Fixed {
            rules,
            catalogue,
            key,
        }
    })
}

fn report() -> Report {
    let mut r = Report::new(ImageInfo::default());
    r.findings = vec![
        Finding::new(
            kinds::SERVICE_INSECURE,
            Severity::High,
            "telnetd started at boot",
            Some("etc/init.d/rcS".into()),
            "telnetd -p 23",
        ),
        Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "root password is admin",
            Some("etc/shadow".into()),
            "root",
        ),
        Finding::new(
            kinds::VULN_CVE,
            Severity::Medium,
            "CVE-2021-42374 in busybox 1.33.1",
            Some("bin/busybox".into()),
            "CVE-2021-42374",
        ),
    ];
    r.number_findings();
    r
}

fn today() -> time::Date {
    time::Date::from_calendar_date(2025, time::Month::June, 1).expect("date")
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let f = fixed();
    match sel % 3 {
        0 => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            const RESULTS: [&str; 5] =
                ["pass", "conditional", "needs-evidence", "not-applicable", "fail"];
            if let Ok(p) = Policy::parse(text, "fuzz.toml", &f.catalogue) {
                let mut r = report();
                let j = judge(&mut r, &f.catalogue, &p, today());
                assert!(RESULTS.contains(&j.verdict.result.as_str()));
            }
            if let Ok(e) = Evidence::parse(text, "fuzz-evidence.toml", &f.catalogue, None) {
                let policy = f.rules.text("policy/regimes.toml").unwrap_or_default();
                if let Ok(mut p) = Policy::parse(&policy, "regimes.toml", &f.catalogue) {
                    p.evidence = e;
                    let mut r = report();
                    let j = judge(&mut r, &f.catalogue, &p, today());
                    assert!(RESULTS.contains(&j.verdict.result.as_str()));
                }
            }
        }
        1 => {
            let version = f
                .rules
                .get("requirements/catalogue.toml")
                .unwrap_or_default();
            let files: [(&str, &[u8]); 2] = [
                ("requirements/catalogue.toml", version),
                ("requirements/fuzz.toml", rest),
            ];
            if let Ok(c) = Catalogue::from_files(&files) {
                let text = f.rules.text("policy/default.toml").unwrap_or_default();
                let p = Policy::parse(&text, "default.toml", &c)
                    .or_else(|_| Policy::parse("name = \"fuzz\"\n", "min.toml", &c));
                if let Ok(p) = p {
                    let mut r = report();
                    let _ = judge(&mut r, &c, &p, today());
                }
            }
        }
        _ => {
            let _ = attest::verify(rest, &f.key, &"0".repeat(64));
        }
    }
});
