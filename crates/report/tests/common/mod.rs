//! A report built by hand, with hostile evidence, for the renderer tests.
#![allow(dead_code)]

use netvet_model::{
    kinds, Component, Finding, ImageInfo, LayerInfo, Report, RequirementResult, Severity, Verdict,
};
use serde_json::json;

pub const HOSTILE: &str = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";

pub fn sample_report() -> Report {
    let mut r = Report::new(ImageInfo {
        path: "router-fw-1.2.3.bin".into(),
        sha256: "5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef".into(),
        size: 7_340_032,
    });
    r.unpack.files = 412;
    r.unpack.bytes = 9_876_543;
    r.unpack.layers.push(LayerInfo {
        path: "0x40000.squashfs".into(),
        format: "squashfs".into(),
        offset: 0x40000,
        size: 2_916_352,
        parent: String::new(),
        variant: String::new(),
    });
    r.components.push(Component {
        name: "busybox".into(),
        version: "1.24.1".into(),
        purl: "pkg:generic/busybox@1.24.1".into(),
        cpe: None,
        paths: vec!["0x40000.squashfs/bin/busybox".into()],
        evidence: "BusyBox v1.24.1".into(),
        source: "banner".into(),
    });
    r.findings = vec![
        Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "root has a default password",
            Some("0x40000.squashfs/etc/shadow".into()),
            "root: password 'admin' (md5-crypt)",
        ),
        Finding::new(
            kinds::SERVICE_INSECURE,
            Severity::High,
            "telnetd started at boot",
            Some("0x40000.squashfs/etc/init.d/rcS".into()),
            "telnetd -p 23 -l /bin/login",
        ),
        Finding::new(
            kinds::CREDENTIAL_HARDCODED_SECRET,
            Severity::High,
            "Hard-coded password in a CGI script",
            Some("0x40000.squashfs/www/cgi-bin/login.cgi".into()),
            HOSTILE,
        )
        .with_offset(0x1c4),
        Finding::new(
            kinds::VULN_CVE,
            Severity::High,
            "busybox 1.24.1 is affected by CVE-2021-42378",
            None,
            "use-after-free in awk",
        )
        .with_cve("CVE-2021-42378")
        .with_component("busybox"),
        Finding::new(
            kinds::HARDENING_WEAK,
            Severity::Low,
            "httpd built without hardening",
            Some("0x40000.squashfs/usr/sbin/httpd".into()),
            "missing: PIE, stack canary, RELRO",
        ),
        Finding::new(
            kinds::UNPACK_ERROR,
            Severity::Low,
            "Could not fully unpack jffs2 data",
            Some("router-fw-1.2.3.bin".into()),
            "jffs2 at offset 0x6c0000: bad node CRC | table | pipe",
        ),
    ];
    r.number_findings();
    for f in r.findings.iter_mut() {
        f.requirements = match f.kind.as_str() {
            "credential.default-password" => {
                vec!["TS33117-4.2.3.4.2.3".into(), "EN303645-5.1-1".into()]
            }
            "service.insecure" => vec!["TS33117-4.3.2.1".into()],
            _ => vec![],
        };
    }
    let ids = |k: &str| -> Vec<String> {
        r.findings
            .iter()
            .filter(|f| f.kind == k)
            .map(|f| f.id.clone())
            .collect()
    };
    r.verdict = Some(Verdict {
        result: netvet_model::VerdictResult::Fail,
        policy: "netvet-default".into(),
        requirements: vec![
            RequirementResult {
                id: "TS33117-4.2.3.4.2.3".into(),
                title: "Predefined or default authentication attributes deleted or disabled".into(),
                status: "fail".into(),
                findings: ids("credential.default-password"),
                source: Some("3GPP TS 33.117 4.2.3.4.2.3".into()),
                ..Default::default()
            },
            RequirementResult {
                id: "TS33117-4.3.2.1".into(),
                title: "No unnecessary or insecure services or protocols".into(),
                status: "waived".into(),
                findings: ids("service.insecure"),
                source: Some("3GPP TS 33.117 4.3.2.1".into()),
                ..Default::default()
            },
            RequirementResult {
                id: "TS33117-4.3.2.6".into(),
                title: "Privileged users cannot log in remotely".into(),
                status: "pass".into(),
                findings: vec![],
                source: Some("3GPP TS 33.117 4.3.2.6".into()),
                ..Default::default()
            },
            RequirementResult {
                id: "TS33117-4.2.3.6".into(),
                title: "Security events logged and logs protected".into(),
                status: "not-tested".into(),
                findings: vec![],
                source: Some("3GPP TS 33.117 4.2.3.6".into()),
                ..Default::default()
            },
        ],
        ..Default::default()
    });
    r.summaries.insert(
        "hardening".into(),
        json!({"binaries": 3, "executables": 2, "libraries": 1,
               "kernel_modules_and_objects_skipped": 4, "nx": 3, "pie": 0,
               "relro_full": 1, "relro_partial": 1, "relro_none": 1, "canary": 1, "fortify": 1,
               "rpath": 0, "runpath": 0, "stripped": 3, "arch": {"mipsel": 3},
               "per_binary": [
                 {"path": "0x40000.squashfs/bin/busybox", "type": "exec", "arch": "mipsel",
                  "nx": true, "pie": false, "relro": "partial", "canary": false,
                  "fortify": false, "rpath": null, "runpath": null, "stripped": true},
                 {"path": "0x40000.squashfs/lib/libc.so.0", "type": "dso", "arch": "mipsel",
                  "nx": true, "pie": false, "relro": "full", "canary": true,
                  "fortify": true, "rpath": null, "runpath": null, "stripped": true},
                 {"path": "0x40000.squashfs/usr/sbin/httpd", "type": "exec", "arch": "mipsel",
                  "nx": true, "pie": false, "relro": "none", "canary": false,
                  "fortify": false, "rpath": "/tmp/lib", "runpath": null, "stripped": true}]}),
    );
    r
}
