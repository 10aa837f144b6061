//! `netvet keygen`, `netvet certify` and `netvet verify`: thin wiring of the scan engine and
//! `netvet_certify::attest`.

use crate::{write_output, CertifyArgs, Fail, VerifyArgs};
use netvet_certify::{attest, VerdictResult};
use netvet_scan::Scanner;
use std::io::Write as _;
use std::path::Path;

/// `netvet keygen -o PREFIX`.
pub fn keygen(prefix: &Path) -> Result<u8, Fail> {
    let (k, p) = attest::write_keypair(prefix)?;
    eprintln!(
        "netvet: wrote private key {} and public key {}",
        k.display(),
        p.display()
    );
    Ok(0)
}

/// `netvet certify IMAGE --policy FILE --key FILE [-o OUT]`: exit 1 when the verdict is fail
/// (the attestation is written all the same). The scan runs as `netvet scan`'s does: in the
/// write sandbox, spilling into the scanner's private directory.
pub fn certify(a: CertifyArgs) -> Result<u8, Fail> {
    if !a.image.exists() {
        return Err(Fail(
            2,
            format!("{}: no such file or directory", a.image.display()),
        ));
    }
    // policy, rules and key are checked before the (long) scan
    let mut scanner = Scanner::builder()
        .rules_dir(a.rules.clone())
        .vulndb(a.vulndb.clone())
        .policy(Some(a.policy.clone()))
        .evidence(a.evidence.clone())
        .build()?;
    let key = attest::load_signing_key(&a.key)?;
    // the attestation's file is opened before the sandbox closes writes elsewhere
    let mut out_file = match &a.output {
        Some(p) => Some(
            std::fs::File::create(p)
                .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?,
        ),
        None => None,
    };
    scanner.sandbox(&[]);
    let scan = scanner
        .scan(&a.image)
        .map_err(|e| Fail(2, format!("{e:#}")))?;
    let subject = a
        .image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.image.display().to_string());
    let statement = scanner.statement(&scan.report, &scan.judgement, &subject);
    let envelope = attest::sign_statement(&statement, &key);
    match (out_file.as_mut(), &a.output) {
        (Some(f), Some(p)) => f
            .write_all(envelope.as_bytes())
            .map_err(|e| Fail(2, format!("cannot write {}: {e}", p.display())))?,
        _ => write_output(&None, &envelope)?,
    }
    let verdict = scan.judgement.verdict.outcome();
    if !a.quiet {
        eprintln!(
            "netvet: {subject}: verdict {} under policy {} ({} findings); attestation {}",
            scan.judgement.verdict.result,
            scanner.policy().name,
            scan.report.findings.len(),
            a.output
                .as_ref()
                .map_or("written to stdout".to_string(), |p| format!(
                    "written to {}",
                    p.display()
                ))
        );
        for r in &scan.judgement.verdict.regimes {
            eprintln!(
                "netvet:   {}: {} ({} of {} requirements judged{})",
                r.regime,
                r.result,
                r.judged,
                r.total,
                if r.enforced {
                    String::new()
                } else {
                    format!(
                        "; not enforced before {}",
                        r.applies_from.as_deref().unwrap_or("?")
                    )
                }
            );
        }
    }
    Ok(if verdict == Some(VerdictResult::Fail) {
        1
    } else {
        0
    })
}

/// `netvet verify IMAGE --attestation FILE --pubkey FILE`: exit 1 on any mismatch, and on a
/// valid attestation whose verdict is fail.
pub fn verify(a: VerifyArgs) -> Result<u8, Fail> {
    let key = attest::load_verifying_key(&a.pubkey)?;
    let bytes = std::fs::read(&a.attestation)
        .map_err(|e| Fail(2, format!("cannot read {}: {e}", a.attestation.display())))?;
    let digest = netvet_scan::image_digest(&a.image).map_err(|e| Fail(2, e))?;
    match attest::verify(&bytes, &key, &digest) {
        Ok(v) => {
            println!(
                "verified: {} (sha256:{}) attested as {:?}, signed by key {}",
                a.image.display(),
                v.sha256,
                v.subject_name,
                v.keyid
            );
            let p = &v.statement["predicate"];
            println!(
                "verdict: {} (policy {}, catalogue {}, netvet {}, {})",
                v.verdict,
                p["policy"]["name"].as_str().unwrap_or("?"),
                p["catalogue"]["version"].as_str().unwrap_or("?"),
                p["netvet_version"].as_str().unwrap_or("?"),
                p["time"].as_str().unwrap_or("?")
            );
            Ok(if v.verdict == VerdictResult::Fail {
                1
            } else {
                0
            })
        }
        Err(e) => Err(Fail(
            1,
            format!("verification FAILED for {}: {e}", a.attestation.display()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn certify_args(image: &Path, policy: &Path, key: &Path, out: &Path) -> CertifyArgs {
        CertifyArgs {
            image: image.to_path_buf(),
            policy: policy.to_path_buf(),
            key: key.to_path_buf(),
            output: Some(out.to_path_buf()),
            evidence: None,
            vulndb: None,
            rules: None,
            quiet: true,
        }
    }

    fn verify_args(image: &Path, att: &Path, pubkey: &Path) -> VerifyArgs {
        VerifyArgs {
            image: image.to_path_buf(),
            attestation: att.to_path_buf(),
            pubkey: pubkey.to_path_buf(),
        }
    }

    /// `certify` on a thread of its own: it sandboxes the thread that calls it.
    fn certify_in_thread(a: CertifyArgs) -> Result<u8, Fail> {
        std::thread::spawn(move || certify(a))
            .join()
            .expect("certify thread")
    }

    fn err(r: Result<u8, Fail>) -> (u8, String) {
        match r {
            Ok(c) => panic!("expected an error, got exit {c}"),
            Err(Fail(c, m)) => (c, m),
        }
    }

    #[test]
    fn keygen_certify_verify_and_every_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let image = d.join("fw.bin");
        std::fs::write(&image, b"not a firmware image, just bytes\n").unwrap();
        let policy = d.join("policy.toml");
        std::fs::write(&policy, "name = \"lab\"\n").unwrap();
        assert_eq!(keygen(&d.join("lab")).ok(), Some(0));
        assert_eq!(keygen(&d.join("other")).ok(), Some(0));
        let att = d.join("fw.att");
        let code = certify_in_thread(certify_args(&image, &policy, &d.join("lab.key"), &att)).ok();
        assert_eq!(code, Some(0));
        let env: serde_json::Value = serde_json::from_slice(&std::fs::read(&att).unwrap()).unwrap();
        assert_eq!(env["payloadType"], "application/vnd.in-toto+json");

        assert_eq!(
            verify(verify_args(&image, &att, &d.join("lab.pub"))).ok(),
            Some(0)
        );

        // wrong key
        let (c, m) = err(verify(verify_args(&image, &att, &d.join("other.pub"))));
        assert_eq!(c, 1);
        assert!(m.contains("signature does not verify"), "{m}");

        // tampered image
        let image2: PathBuf = d.join("fw2.bin");
        std::fs::write(&image2, b"not a firmware image, just bytes!\n").unwrap();
        let (c, m) = err(verify(verify_args(&image2, &att, &d.join("lab.pub"))));
        assert_eq!(c, 1);
        assert!(m.contains("image digest mismatch"), "{m}");

        // truncated envelope
        let text = std::fs::read(&att).unwrap();
        let cut = d.join("cut.att");
        std::fs::write(&cut, &text[..text.len() / 3]).unwrap();
        let (c, m) = err(verify(verify_args(&image, &cut, &d.join("lab.pub"))));
        assert_eq!(c, 1);
        assert!(m.contains("not a DSSE envelope"), "{m}");

        // unreadable inputs are usage errors (exit 2)
        let (c, _) = err(verify(verify_args(
            &image,
            &d.join("none.att"),
            &d.join("lab.pub"),
        )));
        assert_eq!(c, 2);
        let bad_policy = d.join("bad.toml");
        std::fs::write(
            &bad_policy,
            "name = \"x\"\n[thresholds]\nfail = \"urgent\"\n",
        )
        .unwrap();
        let (c, m) = err(certify_in_thread(certify_args(
            &image,
            &bad_policy,
            &d.join("lab.key"),
            &att,
        )));
        assert_eq!(c, 2);
        assert!(m.contains("bad.toml:3:8: unknown severity"), "{m}");
    }

    /// `certify` scans as `scan` does: in the write sandbox, so after it the thread may write
    /// only beneath the scanner's private directory (where the kernel has Landlock).
    #[test]
    fn certify_runs_in_the_write_sandbox() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().to_path_buf();
        let image = d.join("fw.bin");
        std::fs::write(&image, b"just bytes\n").unwrap();
        let policy = d.join("policy.toml");
        std::fs::write(&policy, "name = \"lab\"\n").unwrap();
        assert_eq!(keygen(&d.join("lab")).ok(), Some(0));
        let att = d.join("fw.att");
        let args = certify_args(&image, &policy, &d.join("lab.key"), &att);
        let after = d.join("after.txt");
        let (code, write_after) = std::thread::spawn(move || {
            let code = certify(args).ok();
            (code, std::fs::write(&after, b"x"))
        })
        .join()
        .unwrap();
        assert_eq!(code, Some(0));
        // the attestation was opened before the sandbox and written through it
        assert!(std::fs::read(&att).unwrap().starts_with(b"{"));
        let probe = d.clone();
        let landlock =
            std::thread::spawn(move || netvet_scan::sandbox::restrict_writes(&[probe.as_path()]))
                .join()
                .unwrap();
        match landlock {
            netvet_scan::SandboxStatus::NotEnforced(why) => {
                eprintln!("note: Landlock not available here ({why}); refusal not testable");
                assert!(write_after.is_ok());
            }
            _ => {
                let e = write_after.expect_err("a write outside the sandbox after certify");
                assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
                assert!(!d.join("after.txt").exists());
            }
        }
    }
}
