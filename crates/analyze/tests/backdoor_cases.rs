//! Documented backdoors (`rules/backdoors/*.yar`): one positive case per rule, built at test
//! time from the artifact the public write-up shows (the published string, magic, port
//! constant or password hash placed in a hand-written ELF, a script or a config file), and
//! near-misses that must not match: stock binaries that merely mention a port, a vendor name
//! or a common word, client tools that send a magic string, fixed builds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::backdoors::Backdoors;
use netvet_model::{kinds, Finding, Severity};
use std::collections::BTreeSet;

/// An artifact as it appears in firmware: the bytes inside a binary's string table (the
/// file starts with the ELF magic, nothing else of ELF is needed by string rules).
fn blob(inner: &[u8]) -> Vec<u8> {
    let mut v = b"\x7fELF\x01\x01\x01\0junk\0%s: error\0".to_vec();
    v.extend(inner);
    v.extend(b"\0/var/run\0more\0");
    v
}

/// A dynamically linked little-endian MIPS daemon importing the socket calls, with `extra`
/// (string table and code bytes) after its headers.
fn daemon(imports: Vec<&'static str>, extra: &[u8]) -> Vec<u8> {
    build_elf(&ElfSpec {
        imports,
        extra: extra.to_vec(),
        ..Default::default()
    })
}

fn net_daemon(extra: &[u8]) -> Vec<u8> {
    daemon(
        vec!["socket", "bind", "recvfrom", "sendto", "system"],
        extra,
    )
}

/// MIPS `ori rt, zero, imm` (what `li rt, imm` assembles to for 0x8000..0xffff), in the
/// byte order of the ELF (`be`).
fn mips_ori(rt: u32, imm: u16, be: bool) -> [u8; 4] {
    let insn = (0x0d << 26) | (rt << 16) | imm as u32;
    if be {
        insn.to_be_bytes()
    } else {
        insn.to_le_bytes()
    }
}

/// MIPS `addiu rt, zero, imm` (`li rt, imm` for 0..0x7fff).
fn mips_addiu(rt: u32, imm: u16, be: bool) -> [u8; 4] {
    let insn = (0x09 << 26) | (rt << 16) | imm as u32;
    if be {
        insn.to_be_bytes()
    } else {
        insn.to_le_bytes()
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

struct Case {
    rule: &'static str,
    path: &'static str,
    data: Vec<u8>,
}

fn case(rule: &'static str, path: &'static str, data: Vec<u8>) -> Case {
    Case { rule, path, data }
}

/// One positive case for every shipped rule.
fn cases() -> Vec<Case> {
    const A0: u32 = 4; // $a0
    const A1: u32 = 5; // $a1
    const A2: u32 = 6; // $a2
    vec![
        // access-bypass.yar
        case(
            "dlink_xmlset_user_agent_bypass",
            "bin/alphapd",
            blob(b"xmlset_roodkcableoj28840ybtide"),
        ),
        case(
            "juniper_screenos_master_password",
            "screenos.bin",
            blob(b"<<< %s(un='%s') = %u"),
        ),
        case(
            "hikvision_auth_magic_admin_11",
            "home/davinci",
            blob(b"auth=YWRtaW46MTEK"),
        ),
        case(
            "zte_web_shell_cmd_page",
            "bin/httpd",
            blob(b"/web_shell_cmd.gch"),
        ),
        case(
            "tplink_start_art_debug_backdoor",
            "usr/bin/httpd",
            blob(b"/userRpmNatDebugRpm26525557/start_art.html"),
        ),
        case(
            "zte_ont_webfac_factory_mode_unlock",
            "bin/httpd",
            net_daemon(b"/webFac\0SendSq.gch\0RequestFactoryMode.gch\0CheckLoginAuth.gch\0FactoryMode.gch\0"),
        ),
        case(
            "sony_ipela_prima_factory_cgi",
            "usr/local/bin/webs",
            blob(b"/command/prima-factory.cgi"),
        ),
        case(
            "cisco_iosxe_webui_implant_logon_hash",
            "usr/binos/conf/nginx-conf/cisco_service.conf",
            b"location /webui/logoutconfirm.html {\n    content_by_lua_block {\n        if ngx.req.get_uri_args()[\"logon_hash\"] == \"1\" then ngx.say(\"1a80b7389ccd0a5dab\") end\n    }\n}\n".to_vec(),
        ),
        // hardcoded-access.yar
        case(
            "fortinet_fortios_ssh_fgtabc",
            "bin/sshd",
            blob(b"FGTAbc11*xy+Qqz27"),
        ),
        case(
            "zyxel_zyfwp_hardcoded_account",
            "etc/zyxel/conf/system-default.conf",
            blob(b"zyfwp\0PrOw!aN_fXp"),
        ),
        case("zyxel_pk5001z_su_password", "bin/su", blob(b"zyad5001")),
        case(
            "fortinet_fortios_config_static_key",
            "bin/init",
            blob(b"Mary had a littl"),
        ),
        case(
            "dlink_alphanetworks_telnet_account",
            "etc/init0.d/S80telnetd.sh",
            b"#!/bin/sh\nimage_sign=`cat /etc/config/image_sign`\ntelnetd -l /usr/sbin/login -u Alphanetworks:$image_sign -i br0 &\n".to_vec(),
        ),
        case(
            "airocon_mac_derived_admin_password",
            "bin/cfgmgr",
            blob(b"%02X%02Xairocon"),
        ),
        case(
            "arris_password_of_the_day_default_seed",
            "lib/libarris_password.so",
            blob(b"MPSJKMDHAI"),
        ),
        case(
            "juniper_screenos_dual_ec_unauthorized_q",
            "screenos.bin",
            blob(b"9585320EEAF81044F20D55030A035B11BECE81C785E6C933E4A8A131F6578107"),
        ),
        case(
            "juniper_screenos_dual_ec_vendor_q",
            "screenos.bin",
            blob(b"2c55e5e45edf713dc43475effe8813a60326a64d9ba3d2e39cb639b0f3b0ad10"),
        ),
        case(
            "wd_mycloud_mydlinkbrionyg_account",
            "var/www/cgi-bin/nas_sharing.cgi",
            net_daemon(b"mydlinkBRionyg\0abc12345cba\0"),
        ),
        case(
            "huawei_ont_telecomadmin_superuser",
            "etc/wap/hw_default_ctree.xml",
            b"<X_HW_WebUserInfoInstance InstanceID=\"2\" UserName=\"telecomadmin\" Password=\"admintelecom\" UserLevel=\"0\"/>\n".to_vec(),
        ),
        case(
            "xiongmai_xmeye_hidden_default_account",
            "usr/bin/Sofia",
            net_daemon(b"default\0tluafed\0"),
        ),
        case(
            "xiongmai_root_password_xc3511",
            "etc/passwd",
            b"root:absxcfbgXtb3o:0:0:root:/:/bin/sh\n".to_vec(),
        ),
        case(
            "dahua_hardcoded_root_7ujmko0",
            "usr/bin/sonia",
            blob(b"root\x007ujMko0admin"),
        ),
        case(
            "anran_hardcoded_root_xmhdipc",
            "etc/init.d/rcS",
            b"#!/bin/sh\necho root:xmhdipc | chpasswd\ntelnetd &\n".to_vec(),
        ),
        case(
            "juan_hardcoded_root_juantech",
            "etc/init.d/S99telnet",
            b"#!/bin/sh\necho \"root:juantech\" | chpasswd\n".to_vec(),
        ),
        case(
            "zte_hardcoded_root_zte521",
            "bin/cspd",
            blob(b"root\0Zte521"),
        ),
        case(
            "wificam_hardcoded_root_hslwificam",
            "etc/shadow",
            b"root:$1$ybdHbPDn$ii9aEIFNiolBbM9QxW9mr0:0:0:99999:7:::\n".to_vec(),
        ),
        case(
            "tenda_ac_telnet_root_fireitup",
            "bin/httpd",
            blob(b"9B60FC59706134759DBCAEA58CAF9068"),
        ),
        case(
            "fiberhome_ont_hardcoded_web_accounts",
            "fh/bin/webs",
            net_daemon(b"f~i!b@e#r$h%o^m*esuperadmin\0s(f)u_h+g|u\0"),
        ),
        // the telnet CLI of the OLT keeps the backdoor pairs as literals (user, password)
        case(
            "cdata_olt_telnet_backdoor_accounts",
            "olt/bin/cli",
            net_daemon(b"suma123\0panger123\0debug\0debug124\0root\0root126\0guest\0"),
        ),
        case(
            "schneider_quantum_noe_hardcoded_accounts",
            "noe77101.bin",
            blob(b"sysdiag\0factorycast@schneider\0loader\0fwdownload\0"),
        ),
        case(
            "mikrotik_routeros_devel_login",
            "nova/bin/login",
            daemon(vec!["getpwnam", "execv"], b"/pckg/option\0devel\0/bin/bash\0"),
        ),
        case(
            "zyxel_nas_nsarescueangel_account",
            "usr/local/apache/cgi-bin/remote_help-cgi",
            blob(b"NsaRescueAngel"),
        ),
        // hidden-listeners.yar
        case(
            "sercomm_tcp32764_scmm",
            "usr/sbin/scfgmgr",
            blob(b"scfgmgr\0ScMM\0"),
        ),
        case(
            "sercomm_ft_tool_ethertype_8888_reenabler",
            "usr/sbin/ft_tool",
            net_daemon(&cat(&[b"scfgmgr -f &\0", &mips_ori(A2, 0x8888, false)])),
        ),
        case(
            "tenda_w302r_mfg_udp7329",
            "bin/httpd",
            blob(b"w302r_mfg"),
        ),
        case(
            "netgear_telnetenable_magic_packet",
            "usr/sbin/telnetenabled",
            blob(b"AMBIT_TELNET_ENABLE+"),
        ),
        case(
            "xz_liblzma_backdoor_cve_2024_3094",
            "usr/lib/liblzma.so.5.6.1",
            blob(&[
                0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xf5, 0x4c, 0x89, 0xce, 0x53, 0x89, 0xfb,
                0x81, 0xe7, 0x00, 0x00, 0x00, 0x80, 0x48, 0x83, 0xec, 0x28, 0x48, 0x89, 0x54, 0x24,
                0x18, 0x48, 0x89, 0x4c, 0x24, 0x10, 0xc3,
            ]),
        ),
        case(
            "netis_netcore_igdmptd_udp53413",
            // not self-named: found by the password and the port constant
            "bin/udpd",
            net_daemon(&cat(&[b"netcore\0Login:\0", &mips_ori(A1, 53413, false)])),
        ),
        case(
            "xiongmai_dvrhelper_telnet_unlock_tcp9530",
            "usr/bin/dvrbox",
            net_daemon(b"OpenTelnet:OpenOnce\0randNum:%s\0verify:OK\0Open:OK\0"),
        ),
        case(
            "realtek_sdk_udpserver_mp_daemon_udp9034",
            "bin/UDPserver",
            net_daemon(b"MP AUTOMATION daemon (ver 1.2)\n\0received command (%s) from IP:%s\n\0 > /tmp/MP.txt\0orf\0irf\0"),
        ),
        case(
            "asus_infosvr_manu_cmd_udp9999",
            "usr/sbin/infosvr",
            net_daemon(b"system cmd: %d %s\n\0%s > /tmp/syscmd.out\0/tmp/syscmd.out\0"),
        ),
        case(
            "dlink_quanta_appmgr_helodbg_udp39889",
            "bin/appmgr",
            net_daemon(&cat(&[b"HELODBG\0Hello\0/sbin/telnetd -l /bin/sh\0", &mips_ori(A0, 39889, false)])),
        ),
        case(
            "totolink_skt_tcp5555_hel_xasf",
            "bin/skt",
            blob(b"gvr,xasf\0hel,xasf\0oki,xasf\0bye,xasf\0iptables -I INPUT -p tcp --dport 80 -i eth1 -j ACCEPT\0"),
        ),
    ]
}

/// Rule names declared in the embedded `backdoors/*.yar` files.
fn declared_rules() -> BTreeSet<String> {
    let rules = netvet_rules::RuleSet::embedded();
    let mut names = BTreeSet::new();
    for (path, text) in rules.under("backdoors/") {
        if !path.ends_with(".yar") {
            continue;
        }
        for line in std::str::from_utf8(text).unwrap().lines() {
            if let Some(rest) = line.strip_prefix("rule ") {
                names.insert(rest.trim().to_string());
            }
        }
    }
    names
}

fn scan(b: &Backdoors, path: &str, data: &[u8]) -> Vec<Finding> {
    run(b, &tree(vec![file(path, 0o755, data)])).findings
}

fn titles(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(|f| f.title.clone()).collect()
}

#[test]
fn at_least_forty_documented_cases_each_with_a_case() {
    let declared = declared_rules();
    assert!(declared.len() >= 40, "{} rules", declared.len());
    let tested: BTreeSet<String> = cases().iter().map(|c| c.rule.to_string()).collect();
    assert_eq!(tested.len(), cases().len(), "one case per rule");
    assert_eq!(declared, tested, "every rule has exactly one positive case");
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    assert_eq!(b.rule_count(), declared.len());
}

#[test]
fn each_case_fires_its_rule_and_only_its_rule() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    for c in cases() {
        let found = scan(&b, c.path, &c.data);
        assert_eq!(
            titles(&found),
            vec![format!("Known backdoor signature {}", c.rule)],
            "{} on {}",
            c.rule,
            c.path
        );
        let f = &found[0];
        assert_eq!(f.kind, kinds::BACKDOOR_KNOWN_SIGNATURE);
        assert_eq!(f.path.as_deref(), Some(c.path));
        assert!(f.offset.is_some(), "{}", c.rule);
        for part in ["reference: http", "; vendor: ", "; year: ", "; artifact: "] {
            assert!(f.evidence.contains(part), "{}: {}", c.rule, f.evidence);
        }
    }
}

/// Every rule's meta names its source (a CVE or an advisory, a reference URL), the vendor,
/// the year it was documented and the artifact; severities are ones netvet knows.
#[test]
fn every_rule_names_cve_or_advisory_vendor_year_and_artifact() {
    let rules = netvet_rules::RuleSet::embedded();
    let year = regex::Regex::new(r#"^(19|20)[0-9]{2}$|^unknown$"#).unwrap();
    let cve_id = regex::Regex::new(r"^CVE-[0-9]{4}-[0-9]{4,}$").unwrap();
    let mut n = 0;
    for (path, text) in rules.under("backdoors/") {
        if !path.ends_with(".yar") {
            continue;
        }
        let text = std::str::from_utf8(text).unwrap();
        // split into rule bodies
        for body in text.split("\nrule ").skip(1) {
            n += 1;
            let name = body.lines().next().unwrap().trim();
            let meta = |key: &str| -> Option<String> {
                body.lines()
                    .map(str::trim)
                    .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
                    .map(|v| v.trim_end_matches('"').to_string())
            };
            for key in [
                "description",
                "reference",
                "vendor",
                "year",
                "artifact",
                "severity",
            ] {
                let v = meta(key).unwrap_or_else(|| panic!("{path}: {name} has no {key}"));
                assert!(!v.is_empty(), "{name}: empty {key}");
            }
            assert!(
                meta("reference").unwrap().starts_with("http"),
                "{name}: reference is not a URL"
            );
            let cve = meta("cve");
            assert!(
                cve.is_some() || meta("advisory").is_some(),
                "{name}: neither cve nor advisory"
            );
            if let Some(c) = cve {
                assert!(cve_id.is_match(&c), "{name}: {c}");
            }
            let y = meta("year").unwrap();
            assert!(year.is_match(&y), "{name}: year {y}");
            let sev = meta("severity").unwrap();
            assert!(sev.parse::<Severity>().is_ok(), "{name}: severity {sev}");
        }
    }
    assert_eq!(n, declared_rules().len());
}

/// `rules/backdoors/README.md` lists every case with its source.
#[test]
fn readme_lists_every_rule() {
    let rules = netvet_rules::RuleSet::embedded();
    let readme = rules
        .text("backdoors/README.md")
        .expect("rules/backdoors/README.md is embedded");
    for rule in declared_rules() {
        assert!(
            readme.contains(&format!("`{rule}`")),
            "README does not list {rule}"
        );
    }
}

/// The 32764 daemon is not always self-named: the rule matches it by its file name, and a
/// renamed copy by the port constant loaded next to its socket calls.
#[test]
fn sercomm_service_is_matched_by_file_name_and_by_port_constant() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let rule = "Known backdoor signature sercomm_tcp32764_scmm";
    // stripped daemon without its own name, little-endian magic
    let nameless = net_daemon(b"MMcS\0/tmp/cfg.dump\0");
    assert_eq!(titles(&scan(&b, "usr/sbin/scfgmgr", &nameless)), vec![rule]);
    // same bytes under another name: nothing ties it to 32764
    assert!(scan(&b, "usr/sbin/cfgd", &nameless).is_empty());
    // renamed, big-endian MIPS: li a1, 32764 next to the socket calls
    let be = build_elf(&ElfSpec {
        big_endian: true,
        imports: vec!["socket", "bind", "listen", "accept"],
        extra: cat(&[b"ScMM\0", &mips_addiu(5, 32764, true)]),
        ..Default::default()
    });
    assert_eq!(titles(&scan(&b, "usr/sbin/cfgd", &be)), vec![rule]);
    // renamed, sockaddr_in initializer { AF_INET, htons(32764) } on little-endian
    let sa = net_daemon(&cat(&[b"MMcS\0", &[2, 0, 0x7f, 0xfc, 0, 0, 0, 0]]));
    let found = scan(&b, "usr/bin/mgr", &sa);
    assert_eq!(titles(&found), vec![rule]);
    assert_eq!(found[0].cve.as_deref(), Some("CVE-2014-0659"));
}

#[test]
fn netis_daemon_is_matched_by_file_name() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let d = net_daemon(b"netcore\0Login:\0");
    assert_eq!(
        titles(&scan(&b, "bin/igdmptd", &d)),
        vec!["Known backdoor signature netis_netcore_igdmptd_udp53413"]
    );
    assert!(scan(&b, "bin/upnpd", &d).is_empty());
}

#[test]
fn severities_follow_the_meta() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let by_rule = |rule: &str| -> Finding {
        let c = cases().into_iter().find(|c| c.rule == rule).unwrap();
        scan(&b, c.path, &c.data).remove(0)
    };
    assert_eq!(
        by_rule("juniper_screenos_dual_ec_vendor_q").severity,
        Severity::Medium
    );
    assert_eq!(
        by_rule("mikrotik_routeros_devel_login").severity,
        Severity::Medium
    );
    assert_eq!(
        by_rule("huawei_ont_telecomadmin_superuser").severity,
        Severity::High
    );
    let rt = by_rule("realtek_sdk_udpserver_mp_daemon_udp9034");
    assert_eq!(rt.severity, Severity::Critical);
    assert_eq!(rt.cve.as_deref(), Some("CVE-2021-35394"));
    assert!(
        rt.evidence.contains("\"MP AUTOMATION daemon\""),
        "{}",
        rt.evidence
    );
    let ec = by_rule("juniper_screenos_dual_ec_unauthorized_q");
    assert_eq!(ec.cve.as_deref(), Some("CVE-2015-7756"));
    assert!(ec.evidence.contains("year: 2015"), "{}", ec.evidence);
}

/// Near-misses: each file must produce no finding at all.
#[test]
fn near_misses_do_not_match() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let misses: Vec<(&str, Vec<u8>, &str)> = vec![
        // ports and common words in stock binaries
        (
            "usr/sbin/upnpd",
            net_daemon(&cat(&[
                b"Netcore Technology\0port %d\0",
                &mips_addiu(5, 32764, false),
            ])),
            "port 32764 constant without the ScMM magic",
        ),
        (
            "bin/udpd",
            net_daemon(&cat(&[b"Login:\0", &mips_ori(5, 53413, false)])),
            "port 53413 without the netcore password",
        ),
        (
            "usr/sbin/httpd",
            net_daemon(b"Copyright (c) netcore\0index.html\0"),
            "vendor name netcore in a web server",
        ),
        (
            "etc/init.d/igdmptd",
            b"#!/bin/sh\n# netcore igd daemon\n/bin/igdmptd &\n".to_vec(),
            "init script named igdmptd (not an ELF)",
        ),
        (
            "usr/sbin/iperf",
            net_daemon(b"UDP port 9034\0port 9999\0port 9530\0port 39889\0"),
            "port numbers in text",
        ),
        (
            "usr/sbin/scfgmgr",
            net_daemon(b"scfgmgr -l\0/var/scfgmgr.sock\0"),
            "the fixed scfgmgr without the magic",
        ),
        (
            "usr/sbin/rawd",
            net_daemon(&cat(&[b"scfgmgr -l &\0", &mips_ori(6, 0x8888, false)])),
            "EtherType 0x8888 without the re-enable command",
        ),
        (
            "etc/rc.d/rcS",
            b"#!/bin/sh\nscfgmgr -f &\n".to_vec(),
            "start-up script running scfgmgr -f (not ft_tool)",
        ),
        // client tools and scanners that send the magic, not services that accept it
        (
            "usr/bin/scanner",
            net_daemon(b"OpenTelnet:OpenOnce\0"),
            "a scanner sending the 9530 request without the challenge strings",
        ),
        (
            "opt/poc/dwr932b.py",
            b"sock.sendto(b\"HELODBG\", (ip, 39889))\n".to_vec(),
            "exploit script, not the appmgr ELF",
        ),
        (
            "usr/bin/helper",
            net_daemon(b"HELODBG\0"),
            "HELODBG without the telnetd command, not named appmgr",
        ),
        (
            "usr/share/doc/skt.txt",
            b"the backdoor answers hel,xasf\n".to_vec(),
            "one TOTOLINK command outside skt",
        ),
        // fixed builds
        (
            "usr/sbin/infosvr",
            net_daemon(b"system cmd: %d %s\n\0ateCommand_flag\0%s > /tmp/syscmd.out\0"),
            "infosvr gated on ateCommand_flag (the ASUS fix)",
        ),
        (
            "usr/sbin/udhcpd",
            net_daemon(b"cat /tmp/syscmd.out\0"),
            "syscmd.out without the command wrapper",
        ),
        (
            "bin/mp",
            net_daemon(b" > /tmp/MP.txt\0"),
            "MP.txt redirect alone, not UDPServer",
        ),
        // words near the artifacts
        (
            "www/login.html",
            b"<option value=\"telecomadmin\">Super administrator</option>\n".to_vec(),
            "telecomadmin account name without a password",
        ),
        (
            "etc/passwd",
            b"root:$1$abcdefgh$0123456789abcdefghijkl:0:0:root:/:/bin/sh\n".to_vec(),
            "another root hash",
        ),
        (
            "usr/share/wordlist.txt",
            b"7ujMko0administrator\nFireitup2\nxc3511\nzyad50012\n".to_vec(),
            "longer words containing the passwords",
        ),
        (
            "www/logout.js",
            b"window.location = '/webui/logoutconfirm.html';\n".to_vec(),
            "the stock IOS XE logout page without the implant parameter",
        ),
        (
            "www/factory.js",
            b"post('FactoryMode.gch')\n".to_vec(),
            "one ZTE factory page name",
        ),
        (
            "bin/webs",
            blob(b"m3tr0r00t"),
            "one FiberHome password alone",
        ),
        (
            "olt/bin/cli",
            blob(b"debug124\0"),
            "one C-Data password alone",
        ),
        (
            "usr/share/wordlist.txt",
            b"panger1234\nxroot126\ndebug1245\n".to_vec(),
            "longer words containing the C-Data passwords",
        ),
        (
            "opt/plc/creds.txt",
            b"pcfactory\n".to_vec(),
            "one Schneider password alone",
        ),
        (
            "bin/opkg",
            net_daemon(b"/pckg/option\0"),
            "option package path without the devel login",
        ),
        (
            "etc/passwd",
            b"devel:x:0:0::/pckg/option:/bin/sh\n".to_vec(),
            "devel and /pckg/option in a text file (not the login ELF)",
        ),
        (
            "usr/lib/libcrypto.so",
            blob(b"c97445f45cdef9f0d3e05e1e585fc297235b82b5be8ff3efca67c59852018192"),
            "the NIST P-256 Dual_EC Q",
        ),
        (
            "usr/sbin/nas",
            blob(b"abc12345cba"),
            "the WD password without the account",
        ),
        ("a", blob(b"ScMM without the daemon name"), "magic alone"),
        ("b", blob(b"zyad50012"), "longer word"),
        (
            "c",
            blob(b"telnetd -l /usr/sbin/login -u admin:x"),
            "telnetd with another account",
        ),
        ("d", blob(b"xmlset_roodkcableoj"), "truncated user agent"),
    ];
    for (path, data, why) in misses {
        let found = scan(&b, path, &data);
        assert!(found.is_empty(), "{why} ({path}): {:#?}", titles(&found));
    }
}

/// Every corpus image and root file system is unpacked and scanned with all rules (per-image
/// counts printed with `--nocapture`, recorded in `rules/backdoors/README.md`). The only
/// match is a true one: binwalk's test vector `firmware.squashfs` is an Alphanetworks-built
/// D-Link root file system whose `S80telnetd.sh` starts telnetd with the built-in
/// `Alphanetworks:$image_sign` account. Everything else (OpenWrt/LEDE, DD-WRT, Luxul,
/// Phicomm, floppinux, the FACT and unblob fixtures) has none.
#[test]
fn corpus_images_produce_no_known_signature() {
    let b = Backdoors::new(&netvet_rules::RuleSet::embedded()).unwrap();
    let mut all = Vec::new();
    for rel in [
        "images/binwalk-v2",
        "images/ddwrt-wr941nd",
        "images/lede-wr703n",
        "images/floppinux",
        "images/fact_extractor",
        "images/FACT_core",
        "images/unblob-early",
        "rootfs/luxul-xbr4400",
        "rootfs/phicomm-k2p",
    ] {
        let Some(t) = corpus_tree(rel) else { return };
        let files = t.files().count();
        let out = run(&b, &t);
        eprintln!(
            "{rel}: {files} files, {} backdoor.known-signature",
            out.findings.len()
        );
        all.extend(out.findings.into_iter().map(|f| (rel, f.title, f.path)));
    }
    let got: Vec<(&str, String, Option<String>)> = all;
    assert_eq!(
        got,
        vec![(
            "images/binwalk-v2",
            "Known backdoor signature dlink_alphanetworks_telnet_account".to_string(),
            Some("firmware.squashfs.extract/0x0.squashfs/etc/init0.d/S80telnetd.sh".to_string())
        )]
    );
}
