#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::services::Services;
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::Entry;

fn analyze(entries: Vec<Entry>) -> Vec<Finding> {
    let rules = netvet_rules::RuleSet::embedded();
    let s = Services::new(&rules).unwrap();
    run(&s, &tree(entries)).findings
}

fn base() -> Vec<Entry> {
    vec![
        file("bin/busybox", 0o755, b"\x7fELF fake busybox"),
        symlink("bin/sh", "busybox"),
        symlink("usr/sbin/telnetd", "../../bin/busybox"),
        symlink("bin/login", "busybox"),
    ]
}

fn of<'a>(f: &'a [Finding], kind: &str) -> Vec<&'a Finding> {
    f.iter().filter(|x| x.kind == kind).collect()
}

#[test]
fn busybox_console_shell_in_inittab() {
    let mut e = base();
    e.push(file(
        "etc/inittab",
        0o644,
        b"::sysinit:/etc/init.d/rcS\nttyS0::askfirst:-/bin/sh\n::shutdown:/bin/umount -a -r\n",
    ));
    e.push(file("etc/init.d/rcS", 0o755, b"#!/bin/sh\nmount -a\n"));
    let f = analyze(e);
    let sh = of(&f, kinds::SERVICE_UNAUTHENTICATED_SHELL);
    assert_eq!(sh.len(), 1, "{f:#?}");
    assert_eq!(sh[0].severity, Severity::Medium);
    assert_eq!(sh[0].path.as_deref(), Some("etc/inittab"));
    assert!(
        sh[0].evidence.contains("line 2: ttyS0::askfirst:-/bin/sh"),
        "{}",
        sh[0].evidence
    );
    assert!(of(&f, kinds::SERVICE_INSECURE).is_empty());
}

#[test]
fn rcs_telnetd_with_shell_via_busybox_link() {
    let mut e = base();
    e.push(file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"));
    e.push(file(
        "etc/init.d/rcS",
        0o755,
        b"#!/bin/sh\n# start services\nmount -a\n/usr/sbin/telnetd -l /bin/sh &\n",
    ));
    let f = analyze(e);
    let sh = of(&f, kinds::SERVICE_UNAUTHENTICATED_SHELL);
    assert_eq!(sh.len(), 1, "{f:#?}");
    assert_eq!(sh[0].severity, Severity::Critical);
    assert!(sh[0]
        .evidence
        .contains("etc/init.d/rcS line 4: /usr/sbin/telnetd -l /bin/sh &"));
    let ins = of(&f, kinds::SERVICE_INSECURE);
    assert_eq!(ins.len(), 1);
    assert_eq!(ins[0].severity, Severity::High);
    assert!(
        ins[0].evidence.contains("inittab line 1"),
        "{}",
        ins[0].evidence
    );
}

const PROCD_TELNET: &[u8] = b"#!/bin/sh /etc/rc.common\n# Copyright (C) 2006-2011 OpenWrt.org\n\nSTART=50\n\nUSE_PROCD=1\nPROG=/usr/sbin/telnetd\n\nstart_service() {\n\tprocd_open_instance\n\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh\n\tprocd_close_instance\n}\n";

#[test]
fn openwrt_procd_script_enabled_by_rc_link() {
    let mut e = base();
    e.push(file(
        "etc/inittab",
        0o644,
        b"::sysinit:/etc/init.d/rcS S boot\n",
    ));
    e.push(file(
        "etc/init.d/rcS",
        0o755,
        b"#!/bin/sh\nfor i in /etc/rc.d/$1*; do $i $2; done\n",
    ));
    e.push(file("etc/init.d/telnet", 0o755, PROCD_TELNET));
    e.push(symlink("etc/rc.d/S50telnet", "../init.d/telnet"));
    e.push(file("bin/login.sh", 0o755, b"#!/bin/sh\nexec /bin/login\n"));
    let f = analyze(e);
    let ins = of(&f, kinds::SERVICE_INSECURE);
    assert_eq!(ins.len(), 1, "{f:#?}");
    assert_eq!(ins[0].severity, Severity::High);
    assert_eq!(ins[0].path.as_deref(), Some("etc/init.d/telnet"));
    assert!(ins[0]
        .evidence
        .contains("line 11: procd_set_param command \"$PROG\" -F -l /bin/login.sh"));
    assert!(ins[0].evidence.contains("enabled by etc/rc.d/S50telnet"));
    // login.sh asks for a password: not an unauthenticated shell
    assert!(of(&f, kinds::SERVICE_UNAUTHENTICATED_SHELL).is_empty());
}

#[test]
fn login_script_that_execs_a_shell_is_unauthenticated() {
    let mut e = base();
    e.push(file("etc/init.d/telnet", 0o755, PROCD_TELNET));
    e.push(symlink("etc/rc.d/S50telnet", "../init.d/telnet"));
    e.push(file(
        "bin/login.sh",
        0o755,
        b"#!/bin/sh\n# exec /bin/login\nexec /bin/ash --login\n",
    ));
    let f = analyze(e);
    let sh = of(&f, kinds::SERVICE_UNAUTHENTICATED_SHELL);
    assert_eq!(sh.len(), 1, "{f:#?}");
    assert_eq!(sh[0].severity, Severity::Critical);
}

#[test]
fn script_not_enabled_is_info_only() {
    let mut e = base();
    e.push(file("etc/init.d/telnet", 0o755, PROCD_TELNET));
    let f = analyze(e);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Info);
    assert!(f[0].evidence.contains("not started at boot"));
}

#[test]
fn openwrt_failsafe_guard_is_conditional() {
    let script = b"#!/bin/sh /etc/rc.common\nSTART=50\nUSE_PROCD=1\nPROG=/usr/sbin/telnetd\nhas_root_pwd() {\n\ttest -n \"$1\"\n}\nstart_service() {\n\tif ! has_root_pwd /etc/shadow; then\n\t\tprocd_set_param command \"$PROG\" -F -l /bin/login.sh\n\tfi\n}\n";
    let mut e = base();
    e.push(file("etc/init.d/telnet", 0o755, script));
    e.push(symlink("etc/rc.d/S50telnet", "../init.d/telnet"));
    let f = analyze(e);
    let ins = of(&f, kinds::SERVICE_INSECURE);
    assert_eq!(ins.len(), 1);
    assert_eq!(ins[0].severity, Severity::Low);
    assert!(
        ins[0].evidence.contains("conditional"),
        "{}",
        ins[0].evidence
    );
}

#[test]
fn inetd_xinetd_systemd_netcat_snmp_debug() {
    let mut e = base();
    e.push(file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"));
    e.push(file(
        "etc/init.d/rcS",
        0o755,
        b"#!/bin/sh\ninetd\nsnmpd -c /etc/snmp/snmpd.conf\ngdbserver :1234 --attach 1 &\n",
    ));
    e.push(file(
        "etc/inetd.conf",
        0o644,
        b"# services\ntelnet stream tcp nowait root /usr/sbin/tcpd in.telnetd\nshell stream tcp nowait root /bin/sh sh -i\nchargen dgram udp wait root internal\n",
    ));
    e.push(file(
        "etc/xinetd.d/tftp",
        0o644,
        b"service tftp\n{\n\tsocket_type = dgram\n\tserver = /usr/sbin/in.tftpd\n\tdisable = no\n}\n",
    ));
    e.push(file(
        "etc/xinetd.d/rsh",
        0o644,
        b"service shell\n{\n\tserver = /usr/sbin/in.rshd\n\tdisable = yes\n}\n",
    ));
    e.push(file("usr/sbin/vsftpd", 0o755, b"\x7fELF vsftpd"));
    e.push(file(
        "lib/systemd/system/vsftpd.service",
        0o644,
        b"[Service]\nExecStart=/usr/sbin/vsftpd /etc/vsftpd.conf\n[Install]\nWantedBy=multi-user.target\n",
    ));
    e.push(symlink(
        "etc/systemd/system/multi-user.target.wants/vsftpd.service",
        "/lib/systemd/system/vsftpd.service",
    ));
    e.push(file(
        "etc/rc.local",
        0o755,
        b"#!/bin/sh\nnc -l -p 4444 -e /bin/sh &\nexit 0\n",
    ));
    e.push(file(
        "etc/snmp/snmpd.conf",
        0o644,
        b"rocommunity public\nrwcommunity s3cret\n",
    ));
    let f = analyze(e);
    let sh = of(&f, kinds::SERVICE_UNAUTHENTICATED_SHELL);
    let mut shell_paths: Vec<_> = sh
        .iter()
        .map(|x| (x.path.clone().unwrap(), x.severity))
        .collect();
    shell_paths.sort();
    assert_eq!(
        shell_paths,
        vec![
            ("etc/inetd.conf".to_string(), Severity::Critical),
            ("etc/rc.local".to_string(), Severity::Critical)
        ],
        "{f:#?}"
    );
    let ins: Vec<(String, String, Severity)> = of(&f, kinds::SERVICE_INSECURE)
        .iter()
        .map(|x| (x.path.clone().unwrap(), x.title.clone(), x.severity))
        .collect();
    assert!(
        ins.contains(&(
            "etc/inetd.conf".into(),
            "in.telnetd enabled in inetd".into(),
            Severity::High
        )),
        "{ins:#?}"
    );
    assert!(
        ins.contains(&(
            "etc/inetd.conf".into(),
            "inetd small server chargen".into(),
            Severity::Medium
        )),
        "{ins:#?}"
    );
    assert!(
        ins.contains(&(
            "etc/xinetd.d/tftp".into(),
            "in.tftpd enabled in xinetd".into(),
            Severity::High
        )),
        "{ins:#?}"
    );
    assert!(
        ins.contains(&(
            "lib/systemd/system/vsftpd.service".into(),
            "vsftpd started at boot".into(),
            Severity::Medium
        )),
        "{ins:#?}"
    );
    assert!(
        ins.contains(&(
            "etc/snmp/snmpd.conf".into(),
            "SNMP v1/v2c with default community 'public'".into(),
            Severity::Medium
        )),
        "{ins:#?}"
    );
    assert!(!ins.iter().any(|x| x.1.contains("rshd")), "{ins:#?}");
    let dbg = of(&f, kinds::SERVICE_DEBUG_INTERFACE);
    assert_eq!(dbg.len(), 1);
    assert_eq!(dbg[0].title, "gdbserver started at boot");
    assert!(dbg[0].evidence.contains("etc/init.d/rcS line 4"));
}

fn list(f: &[Finding]) -> Vec<String> {
    f.iter()
        .filter(|x| x.severity >= Severity::Low)
        .map(|x| format!("{} {} {:?} {}", x.severity, x.kind, x.path, x.title))
        .collect()
}

#[test]
fn corpus_phicomm_telnet_at_boot() {
    let Some(t) = corpus_tree("rootfs/phicomm-k2p/squashfs-root") else {
        return;
    };
    let rules = netvet_rules::RuleSet::embedded();
    let f = run(&Services::new(&rules).unwrap(), &t).findings;
    assert_eq!(
        list(&f),
        vec!["high service.insecure Some(\"etc/init.d/telnet\") telnetd started at boot"],
    );
}

#[test]
fn corpus_luxul_telnet_conditional() {
    let Some(t) = corpus_tree("rootfs/luxul-xbr4400/squashfs-root") else {
        return;
    };
    let rules = netvet_rules::RuleSet::embedded();
    let f = run(&Services::new(&rules).unwrap(), &t).findings;
    assert_eq!(
        list(&f),
        vec!["low service.insecure Some(\"etc/init.d/telnet\") telnetd started at boot"],
    );
}
