//! A person's terminal: the summary instead of raw JSON on a TTY, `--timings`, shell
//! completions and the manual page.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;
use common::{assert_exit, json_of, netvet};

/// A small tree with one finding that cannot be missed: root's password is `admin`.
fn tree(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(
        dir.join("etc/shadow"),
        // md5-crypt of "admin" with salt "abcdefgh" (openssl passwd -1 -salt abcdefgh admin)
        "root:$1$abcdefgh$l/LAqC8oJERu7Cmx6trtY/:19000:0:99999:7:::\n",
    )
    .unwrap();
    std::fs::write(dir.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
}

#[test]
fn a_terminal_gets_a_summary_and_the_json_report_in_a_file() {
    // `script` (util-linux) runs the command on a pseudo-terminal, as a person's shell would
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        netvet_model::testenv::skip("script", "util-linux `script` not found; TTY summary test");
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("fw");
    tree(&root);
    let cmd = format!("{} scan --crack-seconds 2 fw", env!("CARGO_BIN_EXE_netvet"));
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(d.path())
        .env("NETVET_VULNDB", "none")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("verdict: "), "{text}");
    assert!(text.contains("critical"), "{text}");
    assert!(text.contains("credential.default-password"), "{text}");
    assert!(text.contains("etc/shadow"), "{text}");
    assert!(
        text.contains("full report (JSON): fw.netvet.json"),
        "{text}"
    );
    assert!(
        !text.contains("\"schema\""),
        "no raw JSON on the terminal: {text}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("fw.netvet.json")).unwrap()).unwrap();
    assert_eq!(report["schema"], "netvet.report/1");
    assert!(report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "credential.default-password"));
}

#[test]
fn a_pipe_still_gets_json_and_timings_name_every_analyzer() {
    let d = tempfile::tempdir().unwrap();
    tree(d.path());
    let out = netvet()
        .args(["scan", "--timings", "--crack-seconds", "1"])
        .arg(d.path())
        .output()
        .unwrap();
    let j = json_of(&out);
    assert_eq!(j["schema"], "netvet.report/1");
    let stages = j["timing_ms"]["stages"].as_object().unwrap();
    for s in [
        "analyzer:credentials",
        "analyzer:keys",
        "analyzer:backdoors",
        "sbom",
        "vulndb",
        "certify",
    ] {
        assert!(
            stages.contains_key(s),
            "timing_ms.stages lacks {s}: {stages:?}"
        );
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("analyzer:credentials"), "{err}");
    assert!(err.lines().any(|l| l.starts_with("total")), "{err}");
}

#[test]
fn completions_and_manual_page_come_from_the_command_definition() {
    let out = netvet().args(["completions", "bash"]).output().unwrap();
    assert_exit(&out, 0);
    let bash = String::from_utf8_lossy(&out.stdout);
    assert!(bash.contains("_netvet()"), "{bash}");
    assert!(bash.contains("--fail-on"), "scan's flags are completed");

    let out = netvet().args(["completions", "tcsh"]).output().unwrap();
    assert_exit(&out, 2);

    let out = netvet().arg("man").output().unwrap();
    assert_exit(&out, 0);
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(
        man.starts_with(".ie \\n(.g .ds Aq") || man.contains(".TH netvet"),
        "{man}"
    );
    assert!(man.contains("network"), "the subcommands are listed");

    let d = tempfile::tempdir().unwrap();
    let out = netvet()
        .args(["man", "--dir"])
        .arg(d.path())
        .output()
        .unwrap();
    assert_exit(&out, 0);
    let scan = std::fs::read_to_string(d.path().join("netvet-scan.1")).unwrap();
    assert!(scan.contains("netvet\\-scan"), "{scan}");
    assert!(scan.contains("extract\\-to"), "{scan}");
    assert!(d.path().join("netvet.1").is_file());
    assert!(d.path().join("netvet-network.1").is_file());
}
