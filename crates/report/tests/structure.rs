//! The evaluation report's structure in HTML and Markdown: executive summary, findings by
//! risk with remediation, honest requirements, the hardening matrix, the previous evaluation,
//! and SARIF fingerprints that identify a finding across scans.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;

use netvet_model::{kinds, Finding, Report, RequirementResult, Severity};
use netvet_report::evaluation;

/// The `<tr>` of the hardening matrix for `path`.
fn matrix_row<'a>(html: &'a str, path: &str) -> &'a str {
    let start = html
        .find(&format!(r#"<tr class="binary" data-path="{path}">"#))
        .unwrap_or_else(|| panic!("no matrix row for {path}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

fn with_requirements(mut r: Report) -> Report {
    let v = r.verdict.as_mut().unwrap();
    v.requirements.push(RequirementResult {
        id: "EN18031-1-ACM-2".into(),
        title: "No system function reachable without authentication".into(),
        status: "pass".into(),
        method: Some("image".into()),
        checks: vec![
            "service.unauthenticated-shell".into(),
            "backdoor.bind-shell".into(),
        ],
        ..Default::default()
    });
    v.requirements.push(RequirementResult {
        id: "EN18031-1-SUM-1".into(),
        title: "Update mechanism".into(),
        status: "needs-evidence".into(),
        method: Some("documentation".into()),
        ..Default::default()
    });
    r
}

#[test]
fn html_has_the_evaluation_structure_in_order() {
    let r = with_requirements(common::sample_report());
    let html = netvet_report::html::render(&r).unwrap();
    let pos = |id: &str| {
        html.find(&format!(r#"id="{id}""#))
            .unwrap_or_else(|| panic!("no #{id}"))
    };
    let order = [
        "summary",
        "top-risks",
        "changes",
        "findings",
        "requirements",
        "appendix-hardening",
        "components",
        "unpack",
        "all-findings",
    ];
    for w in order.windows(2) {
        assert!(pos(w[0]) < pos(w[1]), "{} before {}", w[0], w[1]);
    }
    // top risks: the critical kind first, one sentence
    let risks = evaluation::top_risks(&r, 5);
    assert_eq!(risks[0].0, Severity::Critical);
    assert_eq!(
        risks[0].1,
        "credential.default-password: root has a default password (0x40000.squashfs/etc/shadow)."
    );
    assert_eq!(risks.len(), 4, "{risks:?}"); // critical 1 + three high kinds; low ones are not top risks
                                             // findings by risk: the critical level first, with the remediation of its kind
    assert!(pos("risk-critical") < pos("risk-high") && pos("risk-high") < pos("risk-low"));
    assert!(
        html.contains(r#"<p class="remediation"><b>Remediation:</b> Remove the default password"#)
    );
    // every finding has its anchor in the appendix, once
    for f in &r.findings {
        assert_eq!(
            html.matches(&format!(r#" id="{}""#, f.id)).count(),
            1,
            "{}",
            f.id
        );
    }
    // no previous evaluation on record
    assert!(html.contains("No previous evaluation of this product is on record."));
    // the footer digests of the print layout
    assert!(html.contains(&format!(
        r#"@bottom-left{{content:"image sha256 {}""#,
        r.image.sha256
    )));
    assert!(html.contains(r#"@bottom-right{content:"not attested""#));
}

#[test]
fn hardening_matrix_and_properties_read_right() {
    let r = common::sample_report();
    let html = netvet_report::html::render(&r).unwrap();
    let httpd = matrix_row(&html, "0x40000.squashfs/usr/sbin/httpd");
    assert!(
        httpd.contains(r#"<td class="bad">No RELRO</td>"#),
        "{httpd}"
    );
    assert!(
        httpd.contains(r#"<td class="bad">No canary found</td>"#),
        "{httpd}"
    );
    assert!(
        httpd.contains(r#"<td class="good">NX enabled</td>"#),
        "{httpd}"
    );
    assert!(httpd.contains(r#"<td class="bad">RPATH</td>"#), "{httpd}");
    let busybox = matrix_row(&html, "0x40000.squashfs/bin/busybox");
    assert!(
        busybox.contains(r#"<td class="partial">Partial RELRO</td>"#),
        "{busybox}"
    );
    let libc = matrix_row(&html, "0x40000.squashfs/lib/libc.so.0");
    assert!(libc.contains(r#"<td class="na">DSO</td>"#), "{libc}");
    assert!(
        libc.contains(r#"<td class="good">Full RELRO</td>"#),
        "{libc}"
    );
    // worst first: httpd (5 missing with RELRO none) before busybox, libc last
    assert!(
        html.find("data-path=\"0x40000.squashfs/usr/sbin/httpd\"")
            < html.find("data-path=\"0x40000.squashfs/bin/busybox\"")
    );
    assert!(
        html.find("data-path=\"0x40000.squashfs/bin/busybox\"")
            < html.find("data-path=\"0x40000.squashfs/lib/libc.so.0\"")
    );

    // properties only in the chart; file counts in their own table
    let summary = &r.summaries["hardening"];
    let props = evaluation::properties(summary);
    let names: Vec<&str> = props.iter().map(|p| p.property).collect();
    assert_eq!(
        names,
        [
            "NX",
            "PIE (executables)",
            "RELRO",
            "Stack canary",
            "FORTIFY"
        ]
    );
    let relro = props.iter().find(|p| p.property == "RELRO").unwrap();
    assert_eq!((relro.good, relro.partial, relro.bad), (1, 1, 1));
    let pie = props
        .iter()
        .find(|p| p.property == "PIE (executables)")
        .unwrap();
    assert_eq!(
        (pie.good, pie.bad),
        (0, 2),
        "libraries are not counted for PIE"
    );
    let chart_start = html.find(r#"id="hardening-chart""#).unwrap();
    let chart = &html[chart_start..chart_start + html[chart_start..].find("</svg>").unwrap()];
    assert!(!chart.contains("stripped") && !chart.contains("kernel") && !chart.contains("mipsel"));
    // the red segment is the bad part: RELRO none, one binary
    assert!(chart.contains(r##"<rect class="bad" data-property="RELRO" data-count="1""##));
    assert!(chart.contains(r##"fill="#c62828"><title>RELRO: 1 lack it</title>"##));
    let counts = &html[html.find(r#"id="hardening-counts""#).unwrap()..];
    assert!(counts.contains("<tr><td>kernel modules and objects (not checked)</td><td>4</td></tr>"));
    assert!(counts.contains("<tr><td>architecture mipsel</td><td>3</td></tr>"));
}

#[test]
fn requirements_say_what_they_examined() {
    let r = with_requirements(common::sample_report());
    let html = netvet_report::html::render(&r).unwrap();
    let start = html.find(r#"data-id="EN18031-1-ACM-2""#).unwrap();
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    assert!(row.contains(r#"data-method="image""#), "{row}");
    assert!(
        row.contains(r#"<td class="examined">all of 412 files for service.unauthenticated-shell, backdoor.bind-shell</td>"#),
        "{row}"
    );
    assert!(
        row.contains("no finding of these kinds; a pass covers only what was examined</td>"),
        "{row}"
    );
    // a pass with findings below the policy's threshold says so
    let below = with_requirements(common::sample_report());
    let req = RequirementResult {
        id: "R-BELOW".into(),
        status: "pass".into(),
        checks: vec!["hardening.weak".into()],
        findings: vec!["F0005".into()],
        ..Default::default()
    };
    let (_, _, basis) = evaluation::requirement_basis(&below, &req);
    assert_eq!(
        basis,
        "1 finding(s) of these kinds, all below the policy's severity threshold"
    );
    let start = html.find(r#"data-id="EN18031-1-SUM-1""#).unwrap();
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    assert!(
        row.contains("nothing in the image decides it; supplied evidence does"),
        "{row}"
    );
    assert!(row.contains("none supplied yet"), "{row}");
    // a failing requirement names its findings
    let start = html.find(r#"data-id="TS33117-4.2.3.4.2.3""#).unwrap();
    let row = &html[start..start + html[start..].find("</tr>").unwrap()];
    assert!(
        row.contains(r##"1 finding(s) <a href="#F0001">F0001</a>"##),
        "{row}"
    );
}

#[test]
fn bulk_kinds_are_folded_into_the_appendix() {
    let mut r = common::sample_report();
    for i in 0..12 {
        r.findings.push(Finding::new(
            kinds::CODE_UNSAFE_FUNCTION,
            Severity::Low,
            format!("b{i:02} imports 1 unsafe function"),
            Some(format!("usr/bin/b{i:02}")),
            "executable (mipsel) imports 1 unsafe function(s): strcpy",
        ));
    }
    r.number_findings();
    let html = netvet_report::html::render(&r).unwrap();
    let start = html.find(r#"data-kind="code.unsafe-function""#).unwrap();
    let group = &html[start..start + html[start..].find("</div>").unwrap()];
    assert_eq!(group.matches(r#"<tr class="finding""#).count(), 5);
    assert!(
        group.contains("… and 7 more code.unsafe-function finding(s)"),
        "{group}"
    );
    assert_eq!(
        html.matches(r#"<tr class="finding-all""#).count(),
        r.findings.len()
    );
    let md = netvet_report::markdown::render(&r).unwrap();
    assert!(md.contains("… and 7 more: see *All findings*."));
}

#[test]
fn previous_evaluation_is_compared_by_fingerprint() {
    let old = common::sample_report();
    let mut new = common::sample_report();
    new.image.path = "router-fw-1.2.4.bin".into();
    // one finding fixed, one added
    new.findings.retain(|f| f.kind != kinds::SERVICE_INSECURE);
    new.findings.push(Finding::new(
        kinds::BACKDOOR_BIND_SHELL,
        Severity::Critical,
        "a listener hands out a shell",
        Some("0x40000.squashfs/usr/bin/dbg".into()),
        "bind 0.0.0.0:4444, execve /bin/sh",
    ));
    new.number_findings();
    evaluation::attach_previous(&mut new, &old);
    let c = evaluation::previous(&new).unwrap();
    assert_eq!((c.new, c.resolved, c.unchanged), (1, 1, 5));
    assert_eq!(c.top_new[0].kind, kinds::BACKDOOR_BIND_SHELL);
    assert_eq!(c.top_resolved[0].kind, kinds::SERVICE_INSECURE);
    assert_eq!(c.previous_image, "router-fw-1.2.3.bin");
    let html = netvet_report::html::render(&new).unwrap();
    assert!(html.contains(r#"<p data-new="1" data-resolved="1">Compared with"#));
    assert!(html.contains("<b>1</b> new, <b>1</b> resolved, 5 unchanged finding(s)."));
    let md = netvet_report::markdown::render(&new).unwrap();
    assert!(
        md.contains("**1** new, **1** resolved, 5 unchanged finding(s)."),
        "{md}"
    );
    assert!(md.contains("- New: **critical** backdoor.bind-shell"));
    // JSON carries it too (an added summary)
    let json = netvet_report::json::render(&new).unwrap();
    assert!(json.contains("\"previous_evaluation\""));
}

#[test]
fn markdown_mirrors_the_structure() {
    let r = with_requirements(common::sample_report());
    let md = netvet_report::markdown::render(&r).unwrap();
    let order = [
        "## Executive summary",
        "### Top risks",
        "### Since the previous evaluation",
        "## Findings by risk",
        "## Requirements",
        "## Appendix: hardening per binary",
        "## Appendix: components and CVEs",
        "## Appendix: unpack coverage",
        "## Appendix: all findings (6)",
    ];
    for w in order.windows(2) {
        let a = md.find(w[0]).unwrap_or_else(|| panic!("no {}", w[0]));
        let b = md.find(w[1]).unwrap_or_else(|| panic!("no {}", w[1]));
        assert!(a < b, "{} before {}", w[0], w[1]);
    }
    assert!(md.contains("| 0x40000.squashfs/usr/sbin/httpd | exec mipsel | **No RELRO** | **No canary found** | NX enabled | **No PIE** | **No FORTIFY** | **RPATH** |"), "{md}");
    assert!(md.contains("| RELRO | 1 | 1 | **1** of 3 |"));
    assert!(
        md.contains("Remediation: Rebuild with -fstack-protector-strong"),
        "{md}"
    );
    assert!(md.contains("| Attestation | not attested |"));
}

#[test]
fn remediation_covers_every_kind() {
    for (kind, _) in kinds::ALL {
        assert!(
            evaluation::remediation(kind).is_some_and(|r| r.len() > 20),
            "no remediation for {kind}"
        );
    }
}

#[test]
fn sarif_fingerprints_identify_findings_across_scans() {
    let fingerprints = |r: &Report| -> Vec<String> {
        let v = netvet_report::sarif::to_value(r);
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                x["partialFingerprints"]["netvetFingerprint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // the same image scanned twice, and the next release with its root file system moved to
    // another offset: the same findings keep their fingerprints
    let a = fingerprints(&common::sample_report());
    let b = fingerprints(&common::sample_report());
    assert_eq!(a, b);
    let mut moved = common::sample_report();
    for f in moved.findings.iter_mut() {
        if let Some(p) = &f.path {
            let p = p.replace("0x40000.squashfs/", "0x60000.squashfs/");
            *f = Finding::new(
                &f.kind,
                f.severity,
                f.title.clone(),
                Some(p),
                f.evidence.clone(),
            );
        }
    }
    let mut c = fingerprints(&moved);
    let mut a_sorted = a.clone();
    c.sort();
    a_sorted.sort();
    // the CVE finding has no path and lost its cve/component here: compare those with paths
    let with_path = |r: &Report, fps: &[String]| -> Vec<String> {
        let mut v: Vec<String> = r
            .findings
            .iter()
            .zip(fps)
            .filter(|(f, _)| f.path.is_some())
            .map(|(_, fp)| fp.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        with_path(&common::sample_report(), &a),
        with_path(&moved, &fingerprints(&moved))
    );
    // different findings differ
    let mut uniq = a.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), a.len(), "fingerprints collide: {a:?}");
    assert!(a.iter().all(|f| f.len() == 24));
}
