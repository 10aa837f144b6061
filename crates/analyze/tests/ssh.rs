#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::ssh::Ssh;
use netvet_model::{kinds, Finding, Severity};
use netvet_unpack::Entry;

fn analyze(entries: Vec<Entry>) -> Vec<Finding> {
    run(&Ssh, &tree(entries)).findings
}

fn summary(f: &[Finding]) -> Vec<(String, Severity)> {
    let mut v: Vec<_> = f.iter().map(|x| (x.kind.clone(), x.severity)).collect();
    v.sort();
    v
}

#[test]
fn openssh_permit_root_login_yes() {
    let f = analyze(vec![file(
        "etc/ssh/sshd_config",
        0o644,
        b"# comment\nPort 22\nPermitRootLogin yes\nPermitRootLogin no\nPermitEmptyPasswords yes\nMatch User bob\n  PasswordAuthentication no\n",
    )]);
    assert_eq!(
        summary(&f),
        vec![
            (
                kinds::CONFIG_SSH_EMPTY_PASSWORDS.to_string(),
                Severity::High
            ),
            (kinds::CONFIG_SSH_ROOT_LOGIN.to_string(), Severity::Medium),
        ]
    );
    let root = f
        .iter()
        .find(|x| x.kind == kinds::CONFIG_SSH_ROOT_LOGIN)
        .unwrap();
    assert!(
        root.evidence.contains("line 3: PermitRootLogin yes"),
        "{}",
        root.evidence
    );
}

#[test]
fn openssh_without_password_or_no_passwords_is_fine() {
    for cfg in [
        "PermitRootLogin without-password\n",
        "PermitRootLogin prohibit-password\n",
        "PermitRootLogin yes\nPasswordAuthentication no\n",
        "PermitRootLogin no\n",
    ] {
        let f = analyze(vec![file("etc/ssh/sshd_config", 0o644, cfg.as_bytes())]);
        assert!(f.is_empty(), "{cfg}: {f:#?}");
    }
}

#[test]
fn openssh_default_depends_on_version() {
    let old = analyze(vec![
        file("etc/ssh/sshd_config", 0o644, b"UsePAM no\n"),
        file("usr/sbin/sshd", 0o755, b"\x7fELF....OpenSSH_6.7p1 \0"),
    ]);
    assert_eq!(
        summary(&old),
        vec![(kinds::CONFIG_SSH_ROOT_LOGIN.to_string(), Severity::Medium)]
    );
    assert!(old[0].evidence.contains("OpenSSH 6.7"));
    let new = analyze(vec![
        file("etc/ssh/sshd_config", 0o644, b"UsePAM no\n"),
        file("usr/sbin/sshd", 0o755, b"\x7fELF....OpenSSH_8.4p1 \0"),
    ]);
    assert!(new.is_empty());
}

#[test]
fn dropbear_options_in_init_script() {
    let f = analyze(vec![
        file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        file(
            "etc/init.d/rcS",
            0o755,
            b"#!/bin/sh\n/usr/sbin/dropbear -p 22 -B\n",
        ),
    ]);
    assert_eq!(
        summary(&f),
        vec![
            (
                kinds::CONFIG_SSH_EMPTY_PASSWORDS.to_string(),
                Severity::High
            ),
            (kinds::CONFIG_SSH_ROOT_LOGIN.to_string(), Severity::Medium),
        ]
    );
    assert!(f[0]
        .evidence
        .contains("etc/init.d/rcS line 2: /usr/sbin/dropbear -p 22 -B"));
    let ok = analyze(vec![
        file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        file(
            "etc/init.d/rcS",
            0o755,
            b"#!/bin/sh\ndropbear -w -s -p 22\n",
        ),
    ]);
    assert!(ok.is_empty(), "{ok:#?}");
    let g = analyze(vec![
        file("etc/inittab", 0o644, b"::sysinit:/etc/init.d/rcS\n"),
        file("etc/init.d/rcS", 0o755, b"#!/bin/sh\ndropbear -g\n"),
    ]);
    assert!(g.is_empty(), "{g:#?}");
}

#[test]
fn dropbear_uci() {
    let f = analyze(vec![file(
        "etc/config/dropbear",
        0o644,
        b"config dropbear\n\toption PasswordAuth 'on'\n\toption Port '22'\n\toption BlankPassword '1'\n",
    )]);
    assert_eq!(
        summary(&f),
        vec![
            (
                kinds::CONFIG_SSH_EMPTY_PASSWORDS.to_string(),
                Severity::High
            ),
            (kinds::CONFIG_SSH_ROOT_LOGIN.to_string(), Severity::Medium),
        ]
    );
    let root = f
        .iter()
        .find(|x| x.kind == kinds::CONFIG_SSH_ROOT_LOGIN)
        .unwrap();
    assert!(
        root.evidence.contains("line 2: option PasswordAuth 'on'"),
        "{}",
        root.evidence
    );
    assert!(root
        .evidence
        .contains("RootPasswordAuth not set (default on)"));
    for off in [
        "config dropbear\n\toption RootPasswordAuth 'off'\n",
        "config dropbear\n\toption PasswordAuth 'off'\n",
        "config dropbear\n\toption RootLogin '0'\n",
    ] {
        let f = analyze(vec![file("etc/config/dropbear", 0o644, off.as_bytes())]);
        assert!(f.is_empty(), "{off}: {f:#?}");
    }
}

#[test]
fn corpus_luxul_openssh_default_root_login() {
    let Some(t) = corpus_tree("rootfs/luxul-xbr4400/squashfs-root") else {
        return;
    };
    let f = run(&Ssh, &t).findings;
    assert_eq!(
        summary(&f),
        vec![(kinds::CONFIG_SSH_ROOT_LOGIN.to_string(), Severity::Medium)],
        "{f:#?}"
    );
    assert_eq!(f[0].path.as_deref(), Some("etc/ssh/sshd_config"));
    assert!(f[0].evidence.contains("OpenSSH 6.7"), "{}", f[0].evidence);
}

#[test]
fn corpus_phicomm_no_ssh_config() {
    let Some(t) = corpus_tree("rootfs/phicomm-k2p/squashfs-root") else {
        return;
    };
    assert!(run(&Ssh, &t).findings.is_empty());
}
