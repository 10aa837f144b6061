#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::backdoors::Backdoors;
use netvet_analyze::suspicious::{self, Suspicious};
use netvet_model::{kinds, Severity};

/// An artifact as it appears in firmware: the bytes inside a binary's string table.
fn blob(inner: &[u8]) -> Vec<u8> {
    let mut v = b"\x7fELF\x01\x01\x01\0junk\0%s: error\0".to_vec();
    v.extend(inner);
    v.extend(b"\0/var/run\0more\0");
    v
}

/// (rule, artifact) for the first sixteen rules (every rule: tests/backdoor_cases.rs).
fn artifacts() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("dlink_xmlset_user_agent_bypass", blob(b"xmlset_roodkcableoj28840ybtide")),
        ("juniper_screenos_master_password", blob(b"<<< %s(un='%s') = %u")),
        ("hikvision_auth_magic_admin_11", blob(b"auth=YWRtaW46MTEK")),
        ("zte_web_shell_cmd_page", blob(b"/web_shell_cmd.gch")),
        ("tplink_start_art_debug_backdoor", blob(b"/userRpmNatDebugRpm26525557/start_art.html")),
        ("fortinet_fortios_ssh_fgtabc", blob(b"FGTAbc11*xy+Qqz27")),
        ("zyxel_zyfwp_hardcoded_account", blob(b"zyfwp\0PrOw!aN_fXp")),
        ("zyxel_pk5001z_su_password", blob(b"zyad5001")),
        ("fortinet_fortios_config_static_key", blob(b"Mary had a littl")),
        (
            "dlink_alphanetworks_telnet_account",
            b"#!/bin/sh\nimage_sign=`cat /etc/config/image_sign`\ntelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n".to_vec(),
        ),
        ("airocon_mac_derived_admin_password", blob(b"%02X%02Xairocon")),
        ("arris_password_of_the_day_default_seed", blob(b"MPSJKMDHAI")),
        ("sercomm_tcp32764_scmm", blob(b"scfgmgr\0ScMM\0")),
        ("tenda_w302r_mfg_udp7329", blob(b"w302r_mfg")),
        ("netgear_telnetenable_magic_packet", blob(b"AMBIT_TELNET_ENABLE+")),
        (
            "xz_liblzma_backdoor_cve_2024_3094",
            blob(&[
                0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xf5, 0x4c, 0x89, 0xce, 0x53, 0x89, 0xfb,
                0x81, 0xe7, 0x00, 0x00, 0x00, 0x80, 0x48, 0x83, 0xec, 0x28, 0x48, 0x89, 0x54, 0x24,
                0x18, 0x48, 0x89, 0x4c, 0x24, 0x10, 0xc3,
            ]),
        ),
    ]
}

#[test]
fn rules_carry_references() {
    // one positive case per rule: tests/backdoor_cases.rs
    let rules = netvet_rules::RuleSet::embedded();
    let b = Backdoors::new(&rules).unwrap();
    assert!(b.rule_count() >= 40, "{}", b.rule_count());
    for (path, text) in rules.under("backdoors/") {
        if !path.ends_with(".yar") {
            continue;
        }
        let text = std::str::from_utf8(text).unwrap();
        let n_rules = text.matches("\nrule ").count();
        assert_eq!(text.matches("reference = \"").count(), n_rules, "{path}");
        assert_eq!(text.matches("description = \"").count(), n_rules, "{path}");
        // some rules carry both (a CVE and the advisory that published it); per-rule
        // check in tests/backdoor_cases.rs
        assert!(
            text.matches("cve = \"").count() + text.matches("advisory = \"").count() >= n_rules,
            "{path}"
        );
    }
}

#[test]
fn each_rule_fires_on_its_artifact_only() {
    let rules = netvet_rules::RuleSet::embedded();
    let b = Backdoors::new(&rules).unwrap();
    let arts = artifacts();
    let entries: Vec<_> = arts
        .iter()
        .map(|(rule, data)| file(&format!("usr/sbin/{rule}"), 0o755, data))
        .collect();
    let out = run(&b, &tree(entries));
    for (rule, _) in &arts {
        let hits: Vec<_> = out
            .findings
            .iter()
            .filter(|f| f.path.as_deref() == Some(&format!("usr/sbin/{rule}")))
            .collect();
        assert_eq!(hits.len(), 1, "{rule}: {hits:#?}");
        let f = hits[0];
        assert_eq!(f.kind, kinds::BACKDOOR_KNOWN_SIGNATURE);
        assert_eq!(f.title, format!("Known backdoor signature {rule}"));
        assert!(f.evidence.contains("reference: http"), "{}", f.evidence);
        assert!(f.offset.is_some());
    }
    let fgt = out
        .findings
        .iter()
        .find(|f| f.title.ends_with("fgtabc"))
        .unwrap();
    assert_eq!(fgt.cve.as_deref(), Some("CVE-2016-1909"));
    assert_eq!(fgt.severity, Severity::Critical);
    assert!(
        fgt.evidence.contains("\"FGTAbc11*xy+Qqz27\""),
        "{}",
        fgt.evidence
    );
    let key = out
        .findings
        .iter()
        .find(|f| f.title.ends_with("static_key"))
        .unwrap();
    assert_eq!(key.severity, Severity::High);
}

#[test]
fn large_contents_are_scanned_in_windows_without_losing_matches() {
    // 150 MiB: three 64 MiB windows. One artifact straddles the first window edge, one lies
    // in the last window; offsets are reported in the whole content.
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let mut data = vec![0u8; 150 << 20];
    let edge = (64 << 20) - 10;
    data[edge..edge + 17].copy_from_slice(b"FGTAbc11*xy+Qqz27");
    let late = 140 << 20;
    data[late..late + 14].copy_from_slice(b"/web_shell_cmd");
    data[late + 14..late + 18].copy_from_slice(b".gch");
    let out = run(&b, &tree(vec![file("data/blob.bin", 0o644, &data)]));
    let mut got: Vec<(String, u64)> = out
        .findings
        .iter()
        .map(|f| (f.title.clone(), f.offset.unwrap()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "Known backdoor signature fortinet_fortios_ssh_fgtabc".to_string(),
                edge as u64
            ),
            (
                "Known backdoor signature zte_web_shell_cmd_page".to_string(),
                late as u64 + 1
            ),
        ]
    );
}

#[test]
fn near_misses_do_not_fire() {
    let rules = netvet_rules::RuleSet::embedded();
    let b = Backdoors::new(&rules).unwrap();
    let t = tree(vec![
        file("a", 0o644, &blob(b"ScMM without the daemon name")),
        file("b", 0o644, &blob(b"zyad50012")),
        file("c", 0o644, &blob(b"telnetd -l /usr/sbin/login -u admin:x")),
        file("d", 0o644, &blob(b"xmlset_roodkcableoj")),
    ]);
    let out = run(&b, &t);
    assert!(out.findings.is_empty(), "{:#?}", out.findings);
}

#[test]
fn user_rules_extend_and_bad_rules_name_the_file() {
    let mut rules = netvet_rules::RuleSet::empty();
    rules.insert(
        "backdoors/local.yar",
        "rule local_magic { meta: description = \"x\" reference = \"https://example.invalid\" cve = \"CVE-0000-0000\" severity = \"medium\" strings: $a = \"local-magic\" condition: $a and filename == \"d\" }",
    );
    let b = Backdoors::new(&rules).unwrap();
    let out = run(
        &b,
        &tree(vec![
            file("usr/d", 0o755, b"..local-magic.."),
            file("usr/e", 0o755, b"local-magic"),
        ]),
    );
    assert_eq!(out.findings.len(), 1);
    assert_eq!(out.findings[0].path.as_deref(), Some("usr/d"));
    assert_eq!(out.findings[0].severity, Severity::Medium);

    let mut bad = netvet_rules::RuleSet::empty();
    bad.insert("backdoors/broken.yar", "rule x { condition: }");
    let err = netvet_analyze::Analyzers::new(&bad)
        .err()
        .expect("must fail");
    assert_eq!(err.file, "backdoors/broken.yar");
}

#[test]
fn corpus_trees_have_no_known_backdoor() {
    let rules = netvet_rules::RuleSet::embedded();
    let b = Backdoors::new(&rules).unwrap();
    for rel in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        let Some(t) = corpus_tree(rel) else { return };
        let out = run(&b, &t);
        assert!(out.findings.is_empty(), "{rel}: {:#?}", out.findings);
        let s = run(&Suspicious, &t);
        assert!(s.findings.is_empty(), "{rel}: {:#?}", s.findings);
    }
}

fn listener(imports: Vec<&'static str>, extra: &[u8]) -> Vec<u8> {
    build_elf(&ElfSpec {
        imports,
        extra: extra.to_vec(),
        ..Default::default()
    })
}

#[test]
fn suspicious_bind_shell_and_embedded_command() {
    let bind_shell = listener(
        vec![
            "socket", "bind", "listen", "accept", "dup2", "execl", "strcmp",
        ],
        b"/bin/sh\0s3cr3t-magic\0",
    );
    let f = suspicious::judge("usr/bin/helper", &bind_shell).expect("bind shell");
    assert_eq!(f.kind, kinds::BACKDOOR_SUSPICIOUS);
    assert_eq!(f.severity, Severity::Medium);
    assert!(f.evidence.contains("bind-shell pattern"), "{}", f.evidence);

    let udp_cmd = listener(
        vec!["socket", "bind", "recvfrom", "system", "dup2", "execl"],
        b"/bin/sh\0telnetd -l /bin/sh\0",
    );
    let f = suspicious::judge("usr/bin/mfgd", &udp_cmd).expect("udp command");
    assert_eq!(f.severity, Severity::High);
    assert!(f
        .evidence
        .contains("embedded command \"telnetd -l /bin/sh\""));
}

#[test]
fn suspicious_spares_legitimate_daemons() {
    // an SSH-like server: listens, execs a shell, but authenticates
    let sshd = listener(
        vec![
            "socket", "bind", "listen", "accept", "dup2", "execv", "crypt", "getpwnam",
        ],
        b"/bin/sh\0",
    );
    assert!(suspicious::judge("usr/sbin/dropbear", &sshd).is_none());
    // a web server running CGI through system(): no shell signal
    let httpd = listener(
        vec!["socket", "bind", "listen", "accept", "system"],
        b"/www\0",
    );
    assert!(suspicious::judge("usr/sbin/httpd", &httpd).is_none());
    // BusyBox: multi-call binary, judged through how its applets are started
    let bb = listener(
        vec!["socket", "bind", "listen", "accept", "dup2", "execvp"],
        b"BusyBox v1.22.1\0/bin/sh\0-e /bin/sh\0",
    );
    assert!(suspicious::judge("bin/busybox", &bb).is_none());
    // no listener
    let tool = listener(vec!["dup2", "execl"], b"/bin/sh\0telnetd -l /bin/sh\0");
    assert!(suspicious::judge("usr/bin/tool", &tool).is_none());
}
