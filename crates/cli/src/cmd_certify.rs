//! `netvet keygen`, `netvet certify` and `netvet verify`: thin wiring of the pipeline and
//! `netvet_certify::attest`.

use crate::{write_output, CertifyArgs, Fail, VerifyArgs};
use netvet_certify::attest;
use netvet_cli::pipeline::{self, ScanOptions};
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
/// (the attestation is written all the same).
pub fn certify(a: CertifyArgs) -> Result<u8, Fail> {
    if !a.image.exists() {
        return Err(Fail(
            2,
            format!("{}: no such file or directory", a.image.display()),
        ));
    }
    let mut rules = netvet_rules::RuleSet::embedded();
    if let Some(d) = &a.rules {
        rules = rules.with_dir(d)?;
    }
    // check policy and key before the (long) scan
    let (catalogue, policy) =
        netvet_certify::load_with_evidence(&rules, Some(&a.policy), a.evidence.as_deref())?;
    let key = attest::load_signing_key(&a.key)?;
    let analyzers = netvet_analyze::Analyzers::new(&rules)?;
    let opts = ScanOptions {
        rules,
        vulndb: a.vulndb.clone(),
        policy: Some(a.policy.clone()),
        evidence: a.evidence.clone(),
        ..ScanOptions::default()
    };
    let unpacker = netvet_unpack::Unpacker::new(opts.limits.clone());
    let mut scan = pipeline::scan(&a.image, &unpacker, &analyzers, &opts)
        .map_err(|e| Fail(2, format!("{e:#}")))?;
    let cert = netvet_certify::apply(&mut scan.report, catalogue, policy);
    let subject = a
        .image
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| a.image.display().to_string());
    let statement = attest::statement(
        &subject,
        &scan.report,
        &cert.judgement,
        &cert.policy,
        &cert.catalogue,
        netvet_certify::now_utc(),
    );
    let envelope = attest::sign_statement(&statement, &key);
    write_output(&a.output, &envelope)?;
    let verdict = &cert.judgement.verdict.result;
    if !a.quiet {
        eprintln!(
            "netvet: {subject}: verdict {verdict} under policy {} ({} findings); attestation {}",
            cert.policy.name,
            scan.report.findings.len(),
            a.output
                .as_ref()
                .map_or("written to stdout".to_string(), |p| format!(
                    "written to {}",
                    p.display()
                ))
        );
        for r in &cert.judgement.verdict.regimes {
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
    Ok(if verdict == "fail" { 1 } else { 0 })
}

/// SHA-256 of the image as `scan` computes it (file bytes, or the directory's tree digest).
fn image_digest(image: &Path) -> Result<String, Fail> {
    let unreadable = |e: std::io::Error| Fail(2, format!("cannot read {}: {e}", image.display()));
    let md = std::fs::metadata(image).map_err(unreadable)?;
    if md.is_file() {
        use sha2::Digest;
        let mut f = std::fs::File::open(image).map_err(unreadable)?;
        let mut h = sha2::Sha256::new();
        std::io::copy(&mut f, &mut h).map_err(unreadable)?;
        return Ok(hex::encode(h.finalize()));
    }
    let tree = netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_path(image)
        .map_err(|e| Fail(2, format!("cannot read input {e}")))?;
    let (d, _) = pipeline::digest_input(image, &tree).map_err(unreadable)?;
    Ok(d)
}

/// `netvet verify IMAGE --attestation FILE --pubkey FILE`: exit 1 on any mismatch, and on a
/// valid attestation whose verdict is fail.
pub fn verify(a: VerifyArgs) -> Result<u8, Fail> {
    let key = attest::load_verifying_key(&a.pubkey)?;
    let bytes = std::fs::read(&a.attestation)
        .map_err(|e| Fail(2, format!("cannot read {}: {e}", a.attestation.display())))?;
    let digest = image_digest(&a.image)?;
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
            Ok(if v.verdict == "fail" { 1 } else { 0 })
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
        let code = certify(certify_args(&image, &policy, &d.join("lab.key"), &att)).ok();
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
        let (c, m) = err(certify(certify_args(
            &image,
            &bad_policy,
            &d.join("lab.key"),
            &att,
        )));
        assert_eq!(c, 2);
        assert!(m.contains("bad.toml:3:8: unknown severity"), "{m}");
    }
}
