#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::tls::Tls;
use netvet_model::{kinds, Finding, Severity};

fn analyze(path: &str, content: &[u8]) -> Vec<Finding> {
    let t = Tls::new(&netvet_rules::RuleSet::embedded()).unwrap();
    run(&t, &tree(vec![file(path, 0o644, content)])).findings
}

fn one(path: &str, content: &str) -> Finding {
    let f = analyze(path, content.as_bytes());
    assert_eq!(f.len(), 1, "{path}: {f:#?}");
    assert_eq!(f[0].kind, kinds::CONFIG_TLS_WEAK);
    assert_eq!(f[0].path.as_deref(), Some(path));
    f[0].clone()
}

#[test]
fn nginx_old_protocols_and_rc4() {
    let f = one(
        "etc/nginx/nginx.conf",
        "http {\n  server {\n    listen 443 ssl;\n    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n    ssl_ciphers HIGH:!aNULL:!MD5:RC4-SHA;\n  }\n}\n",
    );
    assert_eq!(f.severity, Severity::Medium);
    let e = &f.evidence;
    assert!(
        e.contains("line 4: ssl_protocols enables TLSv1: TLS 1.0 is deprecated (RFC 8996)"),
        "{e}"
    );
    assert!(e.contains("line 4: ssl_protocols enables TLSv1.1"), "{e}");
    assert!(
        e.contains("line 5: ssl_ciphers enables RC4-SHA: RC4 is prohibited in TLS (RFC 7465)"),
        "{e}"
    );
    // exclusions are not findings
    assert!(!e.contains("aNULL") && !e.contains("enables MD5"), "{e}");
    assert!(!e.contains("TLSv1.2"), "{e}");
}

#[test]
fn strong_configs_are_quiet() {
    for (p, c) in [
        ("etc/nginx/nginx.conf", "ssl_protocols TLSv1.2 TLSv1.3;\nssl_ciphers HIGH:!aNULL:!MD5:!RC4:!3DES;\n"),
        ("etc/nginx/conf.d/site.conf", "# ssl_protocols SSLv3;\nssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:+RC4;\n"),
        ("etc/ssh/sshd_config", "Ciphers aes128-ctr,aes256-gcm@openssh.com\nKexAlgorithms -diffie-hellman-group1-sha1\nMACs hmac-sha2-256\n"),
        ("etc/ssl/openssl.cnf", "[system_default_sect]\nMinProtocol = TLSv1.2\nCipherString = DEFAULT@SECLEVEL=2\n"),
        ("etc/apache2/mods-enabled/ssl.conf", "SSLProtocol all -SSLv3 -TLSv1 -TLSv1.1\nSSLCipherSuite HIGH:!aNULL\n"),
        // a file of no known server is not read
        ("etc/other/app.conf", "ssl_protocols SSLv3;\n"),
    ] {
        let f = analyze(p, c.as_bytes());
        assert!(f.is_empty(), "{p}: {f:#?}");
    }
}

#[test]
fn lighttpd_sslv3_and_min_protocol() {
    let f = one(
        "etc/lighttpd/conf.d/ssl.conf",
        "$SERVER[\"socket\"] == \":443\" {\n  ssl.engine = \"enable\"\n  ssl.use-sslv3 = \"enable\"\n  ssl.openssl.ssl-conf-cmd = (\"MinProtocol\" => \"TLSv1.1\", \"CipherString\" => \"EECDH+AESGCM:DES-CBC3-SHA\")\n}\n",
    );
    assert_eq!(f.severity, Severity::High);
    let e = &f.evidence;
    assert!(
        e.contains(
            "line 3: ssl.use-sslv3 enables SSLv3: SSL 3.0 is prohibited (POODLE) (RFC 7568)"
        ),
        "{e}"
    );
    assert!(
        e.contains("line 4: ssl.openssl.ssl-conf-cmd MinProtocol TLSv1.1 enables TLSv1.1"),
        "{e}"
    );
    assert!(e.contains("enables DES-CBC3-SHA: 3DES"), "{e}");
    assert!(
        !e.contains("TLSv1:"),
        "MinProtocol TLSv1.1 does not admit TLS 1.0: {e}"
    );
}

#[test]
fn sshd_weak_algorithms_and_protocol_1() {
    let f = one(
        "etc/ssh/sshd_config",
        "Protocol 2,1\nCiphers aes128-ctr,3des-cbc,arcfour256\nMACs hmac-sha2-256,hmac-md5\nKexAlgorithms curve25519-sha256,diffie-hellman-group1-sha1\nMatch User backup\n  Ciphers blowfish-cbc\n",
    );
    assert_eq!(f.severity, Severity::High);
    let e = &f.evidence;
    for want in [
        "line 1: Protocol enables 1",
        "line 2: Ciphers enables 3des-cbc",
        "line 2: Ciphers enables arcfour256: RC4 is deprecated for SSH (RFC 8758)",
        "line 3: MACs enables hmac-md5",
        "line 4: KexAlgorithms enables diffie-hellman-group1-sha1",
    ] {
        assert!(e.contains(want), "missing '{want}': {e}");
    }
    assert!(
        !e.contains("blowfish"),
        "Match blocks are not global settings: {e}"
    );
    assert!(
        !e.contains("aes128-ctr") && !e.contains("curve25519"),
        "{e}"
    );
}

#[test]
fn openssl_cnf_apache_and_stunnel() {
    let f = one(
        "etc/ssl/openssl.cnf",
        "[system_default_sect]\nMinProtocol = TLSv1\nCipherString = DEFAULT:@SECLEVEL=1\n",
    );
    assert_eq!(f.severity, Severity::Medium);
    assert!(
        f.evidence
            .contains("line 2: MinProtocol TLSv1 enables TLSv1"),
        "{}",
        f.evidence
    );
    assert!(
        f.evidence
            .contains("line 2: MinProtocol TLSv1 enables TLSv1.1"),
        "{}",
        f.evidence
    );

    let f = one(
        "etc/httpd/conf/httpd.conf",
        "SSLProtocol all -SSLv3 -TLSv1\nSSLCipherSuite ALL:!ADH:EXPORT56:RC4+RSA\n",
    );
    assert_eq!(f.severity, Severity::High);
    let e = &f.evidence;
    assert!(e.contains("line 1: SSLProtocol enables TLSv1.1"), "{e}");
    assert!(!e.contains("enables TLSv1:"), "{e}");
    assert!(
        e.contains("line 2: SSLCipherSuite enables EXPORT56: export-grade"),
        "{e}"
    );
    assert!(e.contains("enables RC4+RSA"), "{e}");
    assert!(!e.contains("enables ADH"), "{e}");

    let f = one(
        "etc/stunnel/stunnel.conf",
        "; comment\n[https]\naccept = 443\nsslVersion = SSLv3\nciphers = ALL:!EXPORT\n",
    );
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.evidence.contains("line 4: sslVersion enables SSLv3"),
        "{}",
        f.evidence
    );
}

#[test]
fn dropbear_compiled_in_algorithms() {
    let mut elf = b"\x7fELF\x01\x01\x01\0".to_vec();
    elf.extend_from_slice(&[0u8; 64]);
    elf.extend_from_slice(b"\0aes128-ctr\0aes256-ctr\x003des-cbc\0hmac-sha1\0hmac-sha2-256\0");
    elf.extend_from_slice(b"\0diffie-hellman-group14-sha256\0");
    // a name inside a longer string is not an algorithm table entry
    elf.extend_from_slice(b"\0no hmac-md5 here\0");
    let f = analyze("usr/sbin/dropbear", &elf);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].severity, Severity::Medium);
    assert!(
        f[0].evidence
            .contains("compiled-in ssh-cipher at offset 0x5f 3des-cbc"),
        "{}",
        f[0].evidence
    );
    assert!(!f[0].evidence.contains("hmac-md5"), "{}", f[0].evidence);
    // a modern build
    let mut ok = b"\x7fELF\x01\x01\x01\0".to_vec();
    ok.extend_from_slice(b"\0aes128-ctr\0hmac-sha2-256\0curve25519-sha256\0");
    assert!(analyze("usr/sbin/dropbear", &ok).is_empty());
}

#[test]
fn corpus_images_ship_no_weak_tls_config() {
    for rel in [
        "rootfs/luxul-xbr4400/squashfs-root",
        "rootfs/phicomm-k2p/squashfs-root",
    ] {
        let Some(t) = corpus_tree(rel) else { return };
        let tls = Tls::new(&netvet_rules::RuleSet::embedded()).unwrap();
        let f = run(&tls, &t).findings;
        assert!(f.is_empty(), "{rel}: {f:#?}");
    }
}
