//! `netvet scan --format sarif|html|pdf` and `--previous` on a small tree built here (a corpus
//! ELF binary, an account without password): SARIF fingerprints stable across two scans of
//! the same content, the previous evaluation compared, and the PDF export.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::*;

use std::path::Path;

/// A tree with a MIPS busybox from the corpus (weak hardening, unsafe imports) and an empty
/// root password; `None` when the corpus is absent.
fn fixture(dir: &Path) -> Option<()> {
    let corpus = netvet_model::corpus::dir()?;
    let bb = std::fs::read(corpus.join("rootfs/luxul-xbr4400/squashfs-root/bin/busybox")).ok()?;
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(dir.join("bin/busybox"), bb).unwrap();
    std::fs::write(
        dir.join("etc/passwd"),
        "root::0:0:root:/root:/bin/sh\nnobody:*:65534:65534::/:/bin/false\n",
    )
    .unwrap();
    Some(())
}

/// The scan ran: exit 0, or 1 for the fail verdict the empty password earns.
fn assert_ran(out: &std::process::Output) {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn sarif_fingerprints(dir: &Path) -> Vec<(String, String, String)> {
    let out = netvet()
        .args(["scan", "--quiet", "--format", "sarif"])
        .arg(dir)
        .output()
        .unwrap();
    assert_ran(&out);
    let v = json_of(&out);
    let mut fps: Vec<(String, String, String)> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["partialFingerprints"]["netvetFingerprint/v1"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    fps.sort();
    fps
}

#[test]
fn sarif_fingerprints_are_stable_across_scans_and_distinct() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    if fixture(a.path()).is_none() || fixture(b.path()).is_none() {
        return;
    }
    let fa = sarif_fingerprints(a.path());
    let fb = sarif_fingerprints(b.path());
    // the same content in two directories, scanned twice: the same results, the same prints
    assert_eq!(fa, fb);
    let kinds: Vec<&str> = fa.iter().map(|(k, _, _)| k.as_str()).collect();
    // one hardening finding for busybox, listing every missing protection
    assert_eq!(
        kinds.iter().filter(|k| **k == "hardening.weak").count(),
        1,
        "{fa:?}"
    );
    assert!(kinds.contains(&"credential.empty-password"), "{fa:?}");
    let mut prints: Vec<&str> = fa.iter().map(|(_, _, p)| p.as_str()).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(
        prints.len(),
        fa.len(),
        "two findings share a fingerprint: {fa:?}"
    );
}

#[test]
fn previous_report_is_compared_in_html_and_json() {
    let dir = tempfile::tempdir().unwrap();
    if fixture(dir.path()).is_none() {
        return;
    }
    let tree = dir.path().join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    fixture(&tree).unwrap();
    let old = dir.path().join("old.json");
    let out = netvet()
        .args(["scan", "--quiet", "--format", "json", "-o"])
        .arg(&old)
        .arg(&tree)
        .output()
        .unwrap();
    assert_ran(&out);
    // the next release: the empty password fixed
    std::fs::write(tree.join("etc/passwd"), "root:*:0:0:root:/root:/bin/sh\n").unwrap();
    let out = netvet()
        .args(["scan", "--quiet", "--format", "json", "--previous"])
        .arg(&old)
        .arg(&tree)
        .output()
        .unwrap();
    assert_ran(&out);
    let v = json_of(&out);
    let p = &v["summaries"]["previous_evaluation"];
    assert_eq!(p["new"], 0, "{p}");
    assert_eq!(p["resolved"], 1, "{p}");
    assert_eq!(p["top_resolved"][0]["kind"], "credential.empty-password");
    let out = netvet()
        .args(["scan", "--quiet", "--format", "html", "--previous"])
        .arg(&old)
        .arg(&tree)
        .output()
        .unwrap();
    assert_ran(&out);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains(r#"<p data-new="0" data-resolved="1">"#));
    // a file that is not a report is a usage error naming it
    let out = netvet()
        .args(["scan", "--quiet", "--previous"])
        .arg(tree.join("etc/passwd"))
        .arg(&tree)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a netvet JSON report"));
}

#[test]
fn pdf_export_under_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    if fixture(dir.path()).is_none() {
        return;
    }
    if netvet_report::pdf::find_chromium().is_none() {
        netvet_model::testenv::skip("chromium", "chromium not found; PDF export");
        return;
    }
    let out_dir = tempfile::tempdir().unwrap();
    let pdf = out_dir.path().join("r.pdf");
    let out = netvet()
        .args(["scan", "--quiet", "--format", "pdf", "-o"])
        .arg(&pdf)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_ran(&out);
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(bytes.len() > 20_000, "{} bytes", bytes.len());
    // no browser: a clear error naming it
    let out = netvet()
        .env("NETVET_CHROMIUM", "/nonexistent/chromium")
        .args(["scan", "--quiet", "--format", "pdf", "-o"])
        .arg(&pdf)
        .arg(dir.path())
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/chromium"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
