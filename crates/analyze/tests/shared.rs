#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]
mod common;
use common::*;
use netvet_analyze::shared::{hash_digest, material, shared_across, CredentialMaterial, SUMMARY};
use netvet_model::{kinds, Finding, ImageInfo, Report, Severity};

const ROOT_HASH: &str = "$1$ab12cd34$0123456789abcdefghijkl";
const KEY_FP: &str = "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8";

fn shadow(root_hash: &str) -> String {
    format!(
        "root:{root_hash}:19000:0:99999:7:::\nnobody:*:0:0:99999:7:::\nadmin::19000:0:99999:7:::\n"
    )
}

/// A report of an image whose tree holds `shadow_text`, with a key.private finding when
/// `key` is given.
fn report(sha: &str, shadow_text: &str, key: Option<&str>) -> Report {
    let out = run(
        &CredentialMaterial,
        &tree(vec![
            file("etc/shadow", 0o600, shadow_text.as_bytes()),
            file("etc/passwd", 0o644, b"root:x:0:0:root:/root:/bin/ash\n"),
        ]),
    );
    let mut r = Report::new(ImageInfo {
        path: format!("/images/{sha}.bin"),
        sha256: sha.repeat(32),
        size: 1,
    });
    for (k, v) in out.summaries {
        r.summaries.insert(k, v);
    }
    if let Some(fp) = key {
        r.findings.push(Finding::new(
            kinds::KEY_PRIVATE,
            Severity::Critical,
            "RSA private key (SSH host key)",
            Some("etc/dropbear/dropbear_rsa_host_key".into()),
            format!("RSA 2048 bits, {fp}, Dropbear, unencrypted"),
        ));
    }
    r
}

#[test]
fn material_holds_digests_not_hashes() {
    let r = report("aa", &shadow(ROOT_HASH), Some(KEY_FP));
    let s = serde_json::to_string(&r.summaries[SUMMARY]).unwrap();
    assert!(!s.contains(ROOT_HASH), "{s}");
    let list = r.summaries[SUMMARY].as_array().unwrap();
    // root only: '*' is locked, an empty field is no hash, passwd has 'x'
    assert_eq!(list.len(), 1, "{s}");
    assert_eq!(list[0]["account"], "root");
    assert_eq!(list[0]["scheme"], "md5-crypt");
    assert_eq!(list[0]["digest"], hash_digest(ROOT_HASH));
    assert_eq!(list[0]["path"], "etc/shadow");
    let m = material(&r);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].kind, "password-hash");
    assert_eq!(m[1].kind, "private-key");
    assert_eq!(m[1].identity, KEY_FP);
}

#[test]
fn same_hash_and_key_in_two_images() {
    let a = report("aa", &shadow(ROOT_HASH), Some(KEY_FP));
    let b = report("bb", &shadow(ROOT_HASH), Some(KEY_FP));
    let c = report("cc", &shadow("$1$zz99yy88$abcdefghijkl0123456789"), None);
    // the same image scanned twice is not "another image"
    let a2 = report("aa", &shadow(ROOT_HASH), Some(KEY_FP));
    let list = vec![
        ("a.bin".to_string(), &a),
        ("b.bin".to_string(), &b),
        ("c.bin".to_string(), &c),
        ("a-again.bin".to_string(), &a2),
    ];
    let f = shared_across(&list);
    let of = |i: usize| {
        f.iter()
            .filter(|(j, _)| *j == i)
            .map(|(_, x)| x)
            .collect::<Vec<_>>()
    };
    assert!(of(2).is_empty(), "c shares nothing: {f:#?}");
    let fa = of(0);
    assert_eq!(fa.len(), 2, "{f:#?}");
    for x in &fa {
        assert_eq!(x.kind, kinds::CREDENTIAL_SHARED_ACROSS_IMAGES);
    }
    let key = fa.iter().find(|x| x.severity == Severity::High).unwrap();
    assert_eq!(
        key.path.as_deref(),
        Some("etc/dropbear/dropbear_rsa_host_key")
    );
    assert_eq!(
        key.evidence,
        format!("etc/dropbear/dropbear_rsa_host_key: private key {KEY_FP} (RSA private key (SSH host key)) is also in 1 other image(s): b.bin (etc/dropbear/dropbear_rsa_host_key)")
    );
    let pw = fa.iter().find(|x| x.severity == Severity::Medium).unwrap();
    assert_eq!(
        pw.evidence,
        "etc/shadow: password hash of account 'root' (md5-crypt) is also in 1 other image(s): b.bin (etc/shadow)"
    );
    // b sees a and its rescan (same digest as a, a different image from b)
    let fb = of(1);
    assert_eq!(fb.len(), 2);
    assert!(fb[0].evidence.contains("a.bin (etc/"), "{}", fb[0].evidence);
    assert!(
        fb[0].evidence.contains("a-again.bin (etc/"),
        "{}",
        fb[0].evidence
    );
    assert!(
        fb[0].evidence.contains("2 other image(s)"),
        "{}",
        fb[0].evidence
    );
    // stable identity: the fingerprint is the material, not the report
    assert_eq!(fa[0].fingerprint, of(3)[0].fingerprint);
}

#[test]
fn one_image_alone_shares_nothing() {
    let a = report("aa", &shadow(ROOT_HASH), Some(KEY_FP));
    assert!(shared_across(&[("a.bin".to_string(), &a)]).is_empty());
    let a2 = report("aa", &shadow(ROOT_HASH), Some(KEY_FP));
    assert!(shared_across(&[("a.bin".to_string(), &a), ("a2.bin".to_string(), &a2)]).is_empty());
}

#[test]
fn corpus_openwrt_images_share_no_root_hash() {
    // both publishers' root passwords are 'admin', but with different salts: not comparable,
    // and not reported
    let (Some(t1), Some(t2)) = (
        corpus_tree("rootfs/luxul-xbr4400/squashfs-root"),
        corpus_tree("rootfs/phicomm-k2p/squashfs-root"),
    ) else {
        return;
    };
    let mk = |t: &netvet_unpack::Tree, sha: &str| {
        let mut r = Report::new(ImageInfo {
            path: sha.into(),
            sha256: sha.repeat(32),
            size: 0,
        });
        for (k, v) in run(&CredentialMaterial, t).summaries {
            r.summaries.insert(k, v);
        }
        r
    };
    let (a, b) = (mk(&t1, "11"), mk(&t2, "22"));
    assert!(!material(&a).is_empty() && !material(&b).is_empty());
    let f = shared_across(&[("luxul".to_string(), &a), ("phicomm".to_string(), &b)]);
    assert!(f.is_empty(), "{f:#?}");
    // the same tree twice under two image digests: every hash is shared
    let b2 = mk(&t1, "33");
    let f = shared_across(&[("luxul".to_string(), &a), ("luxul-copy".to_string(), &b2)]);
    assert_eq!(f.len(), 2 * material(&a).len(), "{f:#?}");
}
