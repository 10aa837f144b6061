//! The HTML report opened in headless Chromium (Debian package `chromium`): no console
//! messages (errors, CSP violations), the verdict shown, the right number of findings, and
//! hostile evidence shown as text. Skipped with a note when Chromium is absent, unless
//! `NETVET_REQUIRE_CHROMIUM=1` (CI). `NETVET_SCREENSHOT=FILE` also writes a screenshot of the
//! sample report (the screenshots in docs/report.md come from tests/e2e/report.mjs).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test stops at the first failed assumption"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETVET_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    netvet_model::testenv::skip(
        "chromium",
        "chromium not found (apt-get install -y chromium); headless browser test",
    );
    None
}

/// Run headless Chromium on `page` with `action` (`--dump-dom` or `--screenshot=...`);
/// returns (stdout, console lines from stderr).
fn run(browser: &Path, page: &Path, action: &str) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1280,1700",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(action)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let stdout = std::fs::read_to_string(out.path()).unwrap();
    let stderr = std::fs::read_to_string(err.path()).unwrap();
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (stdout, console)
}

#[test]
fn console_check_catches_a_broken_page() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("broken.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><html><body><p>x</p><script>throw new Error('deliberate')</script></body></html>",
    )
    .unwrap();
    let (_, console) = run(&browser, &page, "--dump-dom");
    assert!(
        console.iter().any(|l| l.contains("deliberate")),
        "the console check saw nothing: {console:?}"
    );
}

#[test]
fn html_report_renders_in_chromium() {
    let Some(browser) = chromium() else { return };
    let report = common::sample_report();
    let html = netvet_report::html::render(&report).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();

    let (dom, console) = run(&browser, &page, "--dump-dom");
    assert!(console.is_empty(), "console messages: {console:#?}");
    assert!(
        dom.contains(r#"id="verdict" class="verdict verdict-fail" data-verdict="fail">FAIL</div>"#),
        "verdict missing"
    );
    let rows = dom.matches(r#"<tr class="finding""#).count();
    assert_eq!(rows, report.findings.len());
    assert_eq!(rows, 6);
    assert!(dom.contains(r#"id="finding-count" data-count="6">6</b>"#));
    assert_eq!(dom.matches(r#"<tr class="requirement""#).count(), 4);
    // the hostile evidence is text, not markup
    assert!(
        !dom.contains("<script"),
        "a script element made it into the page"
    );
    assert!(
        !dom.contains("<img"),
        "an img element made it into the page"
    );
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(dom.contains("<title>netvet report: router-fw-1.2.3.bin</title>"));
    // both charts are inline SVG
    assert!(dom.contains(r#"id="severity-chart""#));
    assert!(dom.contains(r#"id="hardening-chart""#));
    // a property's label counts the binaries lacking it; RELRO none is a red segment
    assert!(dom.contains("2 of 2 lack it (100%)"), "PIE label");
    assert!(dom.contains(r#"class="bad" data-property="RELRO" data-count="1""#));
    assert!(dom.contains(r#"<td class="bad">No RELRO</td>"#));

    if let Some(shot) = std::env::var_os("NETVET_SCREENSHOT") {
        let shot = std::path::absolute(PathBuf::from(shot)).unwrap();
        let (_, console) = run(&browser, &page, &format!("--screenshot={}", shot.display()));
        assert!(console.is_empty(), "console messages: {console:#?}");
        assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    }
}
