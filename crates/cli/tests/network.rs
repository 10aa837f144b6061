//! `netvet network` with real attestations: certified firmware passes, a forged attestation
//! is an `attestation-mismatch`, missing ones are `uncertified`.

mod common;
use common::{json_of, netvet};

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
