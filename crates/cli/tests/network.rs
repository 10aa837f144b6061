//! `netvet network` with real attestations: certified firmware passes, a forged attestation
//! is an `attestation-mismatch`, missing ones are `uncertified`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::{assert_exit, json_of, netvet};

#[test]
fn certs_dir_is_verified() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let img = p.join("core-fw.bin");
    std::fs::write(&img, b"core firmware 1.0\n").unwrap();
    let other = p.join("other.bin");
    std::fs::write(&other, b"other firmware\n").unwrap();
    std::fs::write(p.join("policy.toml"), "name = \"t\"\n").unwrap();
    let certs = p.join("certs");
    std::fs::create_dir(&certs).unwrap();
    assert!(netvet()
        .args(["keygen", "-o"])
        .arg(certs.join("lab"))
        .status()
        .unwrap()
        .success());
    assert!(netvet()
        .args(["keygen", "-o"])
        .arg(p.join("rogue"))
        .status()
        .unwrap()
        .success());
    std::fs::remove_file(certs.join("lab.key")).unwrap_or(());
    // the lab key pair was written into certs/; sign with a copy kept outside
    let lab_key = p.join("lab.key");
    assert!(netvet()
        .args(["keygen", "-o"])
        .arg(p.join("lab"))
        .status()
        .unwrap()
        .success());
    std::fs::copy(p.join("lab.pub"), certs.join("lab.pub")).unwrap();
    let st = netvet()
        .args(["certify", "--quiet", "--policy"])
        .arg(p.join("policy.toml"))
        .arg("--key")
        .arg(&lab_key)
        .arg("-o")
        .arg(certs.join("core.att"))
        .arg(&img)
        .status()
        .unwrap();
    assert!(st.code() == Some(0) || st.code() == Some(1));
    let st = netvet()
        .args(["certify", "--quiet", "--policy"])
        .arg(p.join("policy.toml"))
        .arg("--key")
        .arg(p.join("rogue.key"))
        .arg("-o")
        .arg(certs.join("forged.att"))
        .arg(&other)
        .status()
        .unwrap();
    assert!(st.code() == Some(0) || st.code() == Some(1));
    let sha = |f: &std::path::Path| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(f).unwrap()))
    };
    let inv = format!(
        "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n\
         dc,amf-1,AMF,,Vendor A,core,1.0,{}\n\
         dc,amf-2,AMF,,Vendor B,other,1.0,{}\n\
         dc,amf-3,AMF,,Vendor B,third,1.0,{}\n",
        sha(&img),
        sha(&other),
        "ab".repeat(32)
    );
    std::fs::write(p.join("inv.csv"), inv).unwrap();
    std::fs::write(
        p.join("net.toml"),
        "accept_conditional = true\n[vendors]\n\"Vendor A\" = \"low\"\n\"Vendor B\" = \"low\"\n[rules]\nrequire_certified = [\"core\"]\n",
    )
    .unwrap();
    let out = netvet()
        .arg("network")
        .arg(p.join("inv.csv"))
        .arg("--policy")
        .arg(p.join("net.toml"))
        .arg("--certs")
        .arg(&certs)
        .output()
        .unwrap();
    let j: serde_json::Value = json_of(&out);
    let v = j["violations"].as_array().unwrap();
    let by_rule = |r: &str| -> Vec<String> {
        v.iter()
            .filter(|x| x["rule"] == r)
            .flat_map(|x| {
                x["elements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e.as_str().unwrap().to_string())
            })
            .collect()
    };
    assert_eq!(by_rule("attestation-mismatch"), vec!["amf-2"]);
    assert_eq!(by_rule("uncertified"), vec!["amf-3"]);
    // amf-1 is certified by the trusted lab key (pass or conditional verdict)
    assert!(!v.iter().any(|x| x["elements"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e == "amf-1")));
    assert_eq!(out.status.code(), Some(1));
}

/// `--history DIR --as-of DATE`: progress toward a deadline over three inventories, the plan,
/// imported certificates with their scheme (a `*.csv` list in `--certs`, no lab key needed).
#[test]
fn history_progress_and_schemes() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    let header =
        "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n";
    // core: amf-0..3; the first `h` are Vendor A's (high risk), the rest Vendor B's
    let inv = |h: u32| {
        let mut s = header.to_string();
        for i in 0..4 {
            let (v, prod) = if i < h {
                ("Vendor A", "core-a")
            } else {
                ("Vendor B", "core-b")
            };
            s += &format!("dc-{},amf-{i},AMF,,{v},{prod},1.0,\n", i % 2);
        }
        s
    };
    let hist = p.join("history");
    std::fs::create_dir(&hist).unwrap();
    std::fs::write(hist.join("2025-01-01.csv"), inv(4)).unwrap();
    std::fs::write(hist.join("2025-04-01.csv"), inv(3)).unwrap();
    std::fs::write(p.join("now.csv"), inv(2)).unwrap();
    std::fs::write(
        p.join("net.toml"),
        "[vendors]\n\"Vendor A\" = \"high\"\n\"Vendor B\" = \"low\"\n[rules]\nforbid = { high = [\"core\"] }\nrequire_certified = { core = [\"nesas\"] }\n[rules.deadline]\nforbid = \"2026-03-31\"\n",
    )
    .unwrap();
    let certs = p.join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(
        certs.join("held.csv"),
        "scheme,certificate_id,product,software_version,firmware_sha256,valid_until\nnesas,N-7,core-b,1.0,,\ncc,CC-9,core-a,1.0,,\n",
    )
    .unwrap();
    let run = |extra: &[&str]| {
        netvet()
            .arg("network")
            .arg(p.join("now.csv"))
            .arg("--policy")
            .arg(p.join("net.toml"))
            .arg("--history")
            .arg(&hist)
            .arg("--certs")
            .arg(&certs)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--as-of", "2025-07-01"]);
    assert_exit(&out, 1);
    let j = json_of(&out);
    assert_eq!(j["as_of"], "2025-07-01");
    let pr = j["progress"].as_array().unwrap();
    assert_eq!(pr.len(), 1);
    assert_eq!(pr[0]["rule"], "forbid");
    assert_eq!(pr[0]["vendor"], "Vendor A");
    let values: Vec<f64> = pr[0]["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![4.0, 3.0, 2.0]);
    // one element per 90/91 days: two more by 2026-01-01 or so, before the deadline
    let projected = pr[0]["projected"].as_str().unwrap();
    assert!(
        ("2025-12-15".."2026-01-15").contains(&projected),
        "{projected}"
    );
    assert_eq!(pr[0]["on_track"], true);
    assert_eq!(j["history"]["changes"][1]["swapped"], 1);
    assert_eq!(
        j["history"]["changes"][1]["by_vendor"]["Vendor A"]["swapped_out"],
        1
    );
    // Vendor A's core firmware holds a Common Criteria certificate; the core needs NESAS
    let ws: Vec<&serde_json::Value> = j["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == "wrong-scheme")
        .collect();
    assert_eq!(ws.len(), 1);
    assert_eq!(ws[0]["schemes"][0], "cc");
    assert_eq!(ws[0]["elements"], serde_json::json!(["amf-0", "amf-1"]));

    // past the deadline the same history is behind and gets a plan due this quarter
    let out = run(&["--as-of", "2026-06-01", "--format", "md"]);
    assert_exit(&out, 1);
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("### Replacement plan: forbid in core, Vendor A by 2026-03-31 (overdue)"),
        "{md}"
    );
    assert!(md.contains("| 2026-Q2 | 2026-06-30 | 2 |"), "{md}");

    let out = run(&["--as-of", "2025-13-01"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--as-of '2025-13-01' is not a date YYYY-MM-DD"));
    let out = run(&["--as-of", "2025-03-01"]);
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "history inventory dated 2025-04-01 is not earlier than the current inventory (2025-03-01)"
    ));
}
