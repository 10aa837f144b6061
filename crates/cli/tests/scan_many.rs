//! `netvet scan A B C -o DIR`: one report per input, credentials shared across inputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::*;

fn image_dir(
    root: &std::path::Path,
    name: &str,
    root_hash: &str,
    extra: &str,
) -> std::path::PathBuf {
    let d = root.join(name);
    std::fs::create_dir_all(d.join("etc")).unwrap();
    std::fs::write(
        d.join("etc/shadow"),
        format!("root:{root_hash}:19000:0:99999:7:::\n"),
    )
    .unwrap();
    std::fs::write(d.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(d.join("etc/version"), extra).unwrap();
    d
}

#[test]
fn shared_password_hash_is_reported_in_each_report() {
    let t = tempfile::tempdir().unwrap();
    let same = "$6$Zn4bH2Qx$4mFz0vVqj9c3WnBTH0gJcS7b6Xn4d8q1K2L3M4N5O6P7Q8R9S0T1U2V3W4X5Y6Z7a8b9c0d1e2f3g4h5i6j7";
    let a = image_dir(t.path(), "a", same, "1.0\n");
    let b = image_dir(t.path(), "b", same, "2.0\n");
    let c = image_dir(
        t.path(),
        "c",
        "$6$Other123$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "3.0\n",
    );
    let out_dir = t.path().join("reports");
    let out = netvet()
        .args(["scan", "-q", "--crack-seconds", "0"])
        .arg(&a)
        .arg(&b)
        .arg(&c)
        .arg("-o")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |n: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(out_dir.join(n)).unwrap()).unwrap()
    };
    let shared = |v: &serde_json::Value| -> Vec<serde_json::Value> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "credential.shared-across-images")
            .cloned()
            .collect()
    };
    let (ra, rb, rc) = (read("01-a.json"), read("02-b.json"), read("03-c.json"));
    let (fa, fb) = (shared(&ra), shared(&rb));
    assert_eq!(fa.len(), 1, "{fa:#?}");
    assert_eq!(fb.len(), 1, "{fb:#?}");
    assert!(shared(&rc).is_empty());
    assert_eq!(fa[0]["severity"], "medium");
    assert_eq!(fa[0]["path"], "etc/shadow");
    assert_eq!(
        fa[0]["evidence"],
        "etc/shadow: password hash of account 'root' (sha512-crypt) is also in 1 other image(s): b (etc/shadow)"
    );
    // the finding went through the policy like any other
    assert!(
        !fa[0]["requirements"].as_array().unwrap().is_empty(),
        "{:#?}",
        fa[0]
    );
    assert!(!ra["summaries"]["credential_material"][0]["digest"]
        .as_str()
        .unwrap()
        .is_empty());

    // several inputs need a directory
    let out = netvet()
        .args(["scan", "-q"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    assert_exit(&out, 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("several inputs need -o DIR"));
}
