//! `netvet scan|certify --policy NAME --evidence DIR`: built-in regime profiles, evidence
//! files, the verdict per regime in JSON, HTML and Markdown, and the attested evidence.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use base64::Engine;
use common::{assert_exit, json_of, netvet};
use std::path::Path;

// root's password is "admin" (sha512-crypt, `openssl passwd -6 -salt saltsalt admin`)
const SHADOW: &str = "root:$6$saltsalt$ZxoUf1bJzACFdk9GZkBGmxXd3Rq8nUoGjgon4GVoI91SlW41Ew2djlh60PmWr4flwags.7ULrKVSSmnCEsIOj1:0:0:99999:7:::\n";

/// An unpacked image whose root password is a default one.
fn default_password_image(dir: &Path) -> std::path::PathBuf {
    let root = dir.join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/shadow"), SHADOW).unwrap();
    root
}

fn psti_evidence(dir: &Path) -> std::path::PathBuf {
    let ev = dir.join("evidence");
    std::fs::create_dir_all(&ev).unwrap();
    std::fs::write(ev.join("label.txt"), "Each unit has its own password.\n").unwrap();
    std::fs::write(
        ev.join("psti.toml"),
        "[[evidence]]\nrequirement = \"PSTI-1\"\nstatus = \"pass\"\nreference = \"per-device password on the label\"\ndocuments = [\"label.txt\"]\ndate = 2026-11-20\n\n\
         [[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"https://vendor.example/security\"\ndate = 2026-11-20\n\n\
         [[evidence]]\nrequirement = \"PSTI-3\"\nstatus = \"pass\"\nreference = \"support period on the product page\"\ndate = 2026-11-20\n",
    )
    .unwrap();
    ev
}

fn requirement<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["verdict"]["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in the verdict"))
}

#[test]
fn psti_profile_fails_a_default_password_and_asks_for_evidence() {
    let d = tempfile::tempdir().unwrap();
    let img = default_password_image(d.path());
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "psti"])
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let r = json_of(&out);
    assert_eq!(r["verdict"]["policy"], "psti");
    assert_eq!(r["verdict"]["result"], "fail");
    assert_eq!(requirement(&r, "PSTI-1")["status"], "fail");
    assert_eq!(requirement(&r, "PSTI-1")["method"], "partial");
    assert_eq!(requirement(&r, "PSTI-2")["status"], "needs-evidence");
    assert_eq!(requirement(&r, "PSTI-3")["method"], "documentation");
    let reg = &r["verdict"]["regimes"][0];
    assert_eq!(reg["regime"], "psti");
    assert_eq!(reg["jurisdiction"], "UK");
    assert_eq!(reg["applies_from"], "2024-04-29");
    assert_eq!(reg["enforced"], true);
    assert_eq!(reg["counts"]["fail"], 1);
    assert_eq!(reg["counts"]["needs-evidence"], 2);
    let f = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "credential.default-password")
        .unwrap();
    assert_eq!(f["requirements"], serde_json::json!(["PSTI-1"]));
}

#[test]
fn evidence_closes_documentation_requirements() {
    let d = tempfile::tempdir().unwrap();
    let clean = d.path().join("clean");
    std::fs::create_dir_all(clean.join("etc")).unwrap();
    std::fs::write(clean.join("etc/hostname"), "router\n").unwrap();
    let ev = psti_evidence(d.path());

    // without evidence: needs-evidence, which is not a failure (exit 0)
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "psti"])
        .arg(&clean)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(json_of(&out)["verdict"]["result"], "needs-evidence");

    let out = netvet()
        .args(["scan", "--quiet", "--policy", "psti", "--evidence"])
        .arg(&ev)
        .arg(&clean)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let r = json_of(&out);
    assert_eq!(r["verdict"]["result"], "pass");
    assert_eq!(requirement(&r, "PSTI-1")["status"], "pass");
    let cite = requirement(&r, "PSTI-2")["evidence"].as_str().unwrap();
    assert!(
        cite.starts_with("https://vendor.example/security ("),
        "{cite}"
    );
    assert!(cite.ends_with("psti.toml:9)"), "{cite}");
    let used = &r["summaries"]["certify"]["evidence"]["used"];
    assert_eq!(used.as_array().unwrap().len(), 3);
    assert_eq!(used[0]["documents"][0]["path"], "label.txt");

    // the scan contradicts the label: PSTI-1 fails whatever the evidence says
    let img = default_password_image(d.path());
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "psti", "--evidence"])
        .arg(&ev)
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(requirement(&json_of(&out), "PSTI-1")["status"], "fail");
}

#[test]
fn bad_policy_names_and_evidence_stop_before_the_scan() {
    let d = tempfile::tempdir().unwrap();
    let img = default_password_image(d.path());
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "eu-everything"])
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("eu-everything: no such file, and no built-in policy of that name (built-in: cra, default, en303645, psti, red, regimes, tr03163, ts33117)"),
        "{err}"
    );

    let ev = d.path().join("ev");
    std::fs::create_dir(&ev).unwrap();
    std::fs::write(
        ev.join("x.toml"),
        "[[evidence]]\nrequirement = \"PSTI-9\"\nstatus = \"pass\"\nreference = \"r\"\ndate = 2026-01-01\n",
    )
    .unwrap();
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "psti", "--evidence"])
        .arg(&ev)
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("x.toml:2:15: unknown requirement \"PSTI-9\""),
        "{err}"
    );
}

#[test]
fn html_and_markdown_show_the_verdict_per_regime() {
    let d = tempfile::tempdir().unwrap();
    let img = default_password_image(d.path());
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "regimes", "--format", "html"])
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains(r#"<div id="regimes"><h3>Verdict per regime</h3>"#));
    for reg in ["cra", "en303645", "psti", "red", "tr03163", "ts33117"] {
        assert!(
            html.contains(&format!(r#"<tr class="regime" data-regime="{reg}""#)),
            "{reg} missing"
        );
    }
    assert!(html.contains(r#"data-regime="psti" data-result="fail" data-enforced="true""#));
    assert!(html.contains(r#"data-status="needs-evidence" data-method="documentation">"#));

    let out = netvet()
        .args(["scan", "--quiet", "--policy", "red", "--format", "md"])
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 1);
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(md.contains("### Verdict per regime"), "{md}");
    assert!(
        md.contains("| red | EN 18031-1\\:2024; EN 18031-2\\:2024; EN 18031-3\\:2024 | 2025-08-01 | yes | **fail** |"),
        "{md}"
    );
}

#[test]
fn cra_enforcement_follows_the_date() {
    let d = tempfile::tempdir().unwrap();
    let img = default_password_image(d.path());
    let out = netvet()
        .args(["scan", "--quiet", "--policy", "cra"])
        .arg(&img)
        .output()
        .unwrap();
    let r = json_of(&out);
    let today = r["verdict"]["date"].as_str().unwrap().to_string();
    let annex_i = requirement(&r, "CRA-I-2d");
    assert_eq!(annex_i["status"], "fail");
    let in_force = today.as_str() >= "2027-12-11";
    // `enforced` is left out of the JSON when true
    assert_eq!(annex_i.get("enforced").is_none(), in_force, "{annex_i}");
    assert_eq!(r["verdict"]["regimes"][0]["in_force"], in_force);
    // exit 1 only once Annex I applies
    assert_exit(&out, if in_force { 1 } else { 0 });
}

#[test]
fn certify_attests_regimes_and_evidence() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let img = p.join("fw.bin");
    std::fs::write(&img, b"firmware 2.0\n").unwrap();
    let ev = psti_evidence(p);
    assert!(netvet()
        .args(["keygen", "-o"])
        .arg(p.join("lab"))
        .status()
        .unwrap()
        .success());
    let out = netvet()
        .args(["certify", "--policy", "psti", "--evidence"])
        .arg(&ev)
        .arg("--key")
        .arg(p.join("lab.key"))
        .arg("-o")
        .arg(p.join("fw.att"))
        .arg(&img)
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("verdict pass under policy psti"), "{err}");
    assert!(
        err.contains("psti: pass (3 of 3 requirements judged)"),
        "{err}"
    );
    let env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(p.join("fw.att")).unwrap()).unwrap();
    let payload = base64::engine::general_purpose::STANDARD
        .decode(env["payload"].as_str().unwrap())
        .unwrap();
    let st: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let pred = &st["predicate"];
    assert_eq!(pred["verdict"], "pass");
    assert_eq!(pred["regimes"][0]["regime"], "psti");
    assert_eq!(pred["evidence"]["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        pred["evidence"]["digest"]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(
        pred["evidence"]["items"][0]["documents"][0]["path"],
        "label.txt"
    );
    let out = netvet()
        .args(["verify"])
        .arg(&img)
        .arg("--attestation")
        .arg(p.join("fw.att"))
        .arg("--pubkey")
        .arg(p.join("lab.pub"))
        .output()
        .unwrap();
    assert_exit(&out, 0);
}
