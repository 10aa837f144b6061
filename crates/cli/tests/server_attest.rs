//! The lab service's attestations end to end with this binary's scan engine: `netvet serve
//! --lab-key` (a `netvet keygen` key) and `--policy` scans uploads, signs each finished scan
//! with the policy named in it, and serves the envelope and the public key; the envelopes
//! verify with `netvet_certify::attest::verify` against the served key and the image bytes,
//! with the report's verdict; another vendor gets the 404 of an unknown scan; the operator's
//! network assessment counts the stored attestations for `require_certified`; and the
//! downloaded envelopes plus the public key work as a `netvet network --certs DIR` directory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};
mod common;
use common::{json_of, netvet};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn token(data: &Path, org: &str, role: &str) -> String {
    let out = netvet()
        .args(["serve", "--data"])
        .arg(data)
        .args(["--create-token", org, role])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Start `netvet serve` on a free loopback port; returns the server and its base URL.
fn serve(data: &Path, lab_key: &Path, policy: &Path) -> (Server, String) {
    let mut child = netvet()
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .arg("--lab-key")
        .arg(lab_key)
        .arg("--policy")
        .arg(policy)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(i) = line.find("http://") {
                let _ = tx.send(line[i..].trim().to_string());
            }
            eprintln!("serve: {line}");
        }
    });
    let base = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("netvet serve did not start");
    (server, base)
}

struct Api {
    base: String,
    client: reqwest::Client,
}

impl Api {
    async fn get(&self, token: &str, path: &str) -> (u16, Vec<u8>) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    }
    async fn json(&self, token: &str, path: &str) -> Value {
        let (code, body) = self.get(token, path).await;
        assert_eq!(code, 200, "{path}: {}", String::from_utf8_lossy(&body));
        serde_json::from_slice(&body).unwrap()
    }
    async fn upload(&self, token: &str, name: &str, data: &[u8]) -> String {
        let r = self
            .client
            .post(format!("{}/api/images?name={name}", self.base))
            .bearer_auth(token)
            .body(data.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let j: Value = r.json().await.unwrap();
        j["id"].as_str().unwrap().to_string()
    }
    async fn wait(&self, token: &str, id: &str) -> Value {
        let t0 = Instant::now();
        loop {
            let j = self.json(token, &format!("/api/jobs/{id}")).await;
            if j["state"] == "done" || j["state"] == "failed" {
                assert_eq!(j["state"], "done", "{j}");
                return j;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(300),
                "job {id} stuck: {j}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

const INV_HEAD: &str =
    "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n";
const NET_POLICY: &str = "accept_conditional = true\n[vendors]\n\"Vendor A\" = \"low\"\n\"Vendor C\" = \"low\"\n[rules]\nrequire_certified = [\"core\"]\n";

/// Element ids per violation rule.
fn by_rule(assessment: &Value, rule: &str) -> Vec<String> {
    let mut out: Vec<String> = assessment["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["rule"] == rule)
        .flat_map(|v| {
            v["elements"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
        })
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_attestations_verify_and_certify_the_network() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    assert!(netvet()
        .args(["keygen", "-o"])
        .arg(d.join("lab"))
        .status()
        .unwrap()
        .success());
    let lab = token(&data, "Test Lab", "lab");
    let vendor_a = token(&data, "Vendor A", "vendor");
    let vendor_b = token(&data, "Vendor B", "vendor");
    let operator = token(&data, "Operator", "operator");
    // creating tokens does not touch the key: the lab's key is the one serve starts with
    assert!(!data.join("lab.key").exists());
    // the lab's own certification policy (the default requirements under another name)
    std::fs::write(d.join("lab-policy.toml"), "name = \"lab-policy\"\n").unwrap();
    let (_server, base) = serve(&data, &d.join("lab.key"), &d.join("lab-policy.toml"));
    let api = Api {
        base,
        client: reqwest::Client::new(),
    };

    // a clean image and, when the corpus is present, real firmware
    let clean = b"core firmware 1.0\n".to_vec();
    let mut images = vec![("core-fw-1.0.bin".to_string(), clean.clone())];
    if let Some(p) = netvet_model::corpus::path("formats/squashfs_v2.bin") {
        images.push(("squashfs_v2.bin".into(), std::fs::read(p).unwrap()));
    }
    let mut scans = Vec::new();
    for (name, bytes) in &images {
        let id = api.upload(&vendor_a, name, bytes).await;
        scans.push(id);
    }
    for id in &scans {
        api.wait(&vendor_a, id).await;
    }

    // the served public key is the --lab-key's
    let r = api
        .client
        .get(format!("{}/api/lab-key.pub", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let pem = r.text().await.unwrap();
    assert_eq!(pem, std::fs::read_to_string(d.join("lab.pub")).unwrap());
    let vk = netvet_certify::attest::verifying_key_from_pem(&pem, "lab-key.pub").unwrap();

    let certs = d.join("certs");
    std::fs::create_dir(&certs).unwrap();
    std::fs::write(certs.join("lab.pub"), &pem).unwrap();
    let mut verdicts = Vec::new();
    for ((name, bytes), id) in images.iter().zip(&scans) {
        let (code, env) = api
            .get(&vendor_a, &format!("/api/scans/{id}/attestation"))
            .await;
        assert_eq!(code, 200, "{name}: {}", String::from_utf8_lossy(&env));
        let v = netvet_certify::attest::verify(&env, &vk, &sha256_hex(bytes))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let report = api
            .json(&vendor_a, &format!("/api/scans/{id}/report"))
            .await;
        assert_eq!(report["verdict"]["result"], v.verdict.as_str(), "{name}");
        assert_eq!(v.subject_name, *name);
        assert_eq!(v.statement["predicate"]["policy"]["name"], "lab-policy");
        assert_eq!(
            v.statement["predicate"]["findings"]["total"],
            report["findings"].as_array().unwrap().len(),
            "{name}"
        );
        // the lab reads the same envelope
        assert_eq!(
            api.get(&lab, &format!("/api/scans/{id}/attestation")).await,
            (200, env.clone())
        );
        // another vendor: the 404 of a scan that does not exist
        let theirs = api
            .get(&vendor_b, &format!("/api/scans/{id}/attestation"))
            .await;
        let nothing = api
            .get(
                &vendor_b,
                "/api/scans/00000000000000000000000000000000/attestation",
            )
            .await;
        assert_eq!(theirs.0, 404);
        assert_eq!(theirs, nothing);
        std::fs::write(certs.join(format!("{name}.intoto.json")), &env).unwrap();
        verdicts.push(v.verdict);
    }
    assert_eq!(
        verdicts[0],
        netvet_certify::VerdictResult::Pass,
        "a file with no findings passes"
    );

    // the operator's assessment: the clean image is certified, an unknown digest is not;
    // real firmware counts when its attested verdict passes
    let mut inv = INV_HEAD.to_string();
    inv.push_str(&format!(
        "dc,core-1,AMF,,Vendor A,core-fw,1.0,{}\n",
        sha256_hex(&clean)
    ));
    inv.push_str(&format!(
        "dc,core-2,SMF,,Vendor C,smf,2.0,{}\n",
        "ab".repeat(32)
    ));
    let mut want_uncertified = vec!["core-2".to_string()];
    if let Some((_, bytes)) = images.get(1) {
        inv.push_str(&format!(
            "dc,core-3,UPF,,Vendor A,upf,3.0,{}\n",
            sha256_hex(bytes)
        ));
        if verdicts[1] == netvet_certify::VerdictResult::Fail {
            want_uncertified.push("core-3".into());
        }
    }
    let r = api
        .client
        .post(format!("{}/api/network", api.base))
        .bearer_auth(&operator)
        .json(&json!({"inventory": inv, "policy": NET_POLICY}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    let done = api.wait(&operator, job["id"].as_str().unwrap()).await;
    let a = &done["result"];
    assert_eq!(a["schema"], "netvet.network/1", "{a}");
    assert_eq!(by_rule(a, "uncertified"), want_uncertified, "{a}");
    assert_eq!(by_rule(a, "attestation-mismatch"), Vec::<String>::new());
    assert_eq!(done["verdict"], "violations");
    let core2 = a["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "uncertified" && v["elements"][0] == "core-2")
        .unwrap();
    assert!(
        core2["detail"]
            .as_str()
            .unwrap()
            .contains("no passing attestation"),
        "{core2}"
    );

    // the same envelopes and key, downloaded, as `netvet network --certs DIR`
    std::fs::write(d.join("inv.csv"), &inv).unwrap();
    std::fs::write(d.join("net.toml"), NET_POLICY).unwrap();
    let out = netvet()
        .arg("network")
        .arg(d.join("inv.csv"))
        .arg("--policy")
        .arg(d.join("net.toml"))
        .arg("--certs")
        .arg(&certs)
        .output()
        .unwrap();
    let local: Value = json_of(&out);
    assert_eq!(by_rule(&local, "uncertified"), want_uncertified, "{local}");
    assert_eq!(
        by_rule(&local, "attestation-mismatch"),
        Vec::<String>::new()
    );
    assert_eq!(out.status.code(), Some(1));
}

/// A certification policy that does not load stops `netvet worker` (and `serve`) at start,
/// before it takes any job, naming the file and line.
#[test]
fn bad_policy_stops_the_worker_at_start() {
    let d = tempfile::tempdir().unwrap();
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[thresholds]\nfail = \"urgent\"\n").unwrap();
    for cmd in ["worker", "serve"] {
        let out = netvet()
            .args([cmd, "--data"])
            .arg(d.path().join("data"))
            .arg("--policy")
            .arg(&bad)
            .args(
                ["--listen", "127.0.0.1:0"]
                    .iter()
                    .take(if cmd == "serve" { 2 } else { 0 }),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--policy") && err.contains("bad.toml:3:8: unknown severity"),
            "{cmd}: {err}"
        );
    }
}
