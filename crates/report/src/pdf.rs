//! PDF export: the HTML report ([`crate::html`]) printed by headless Chromium
//! (`--print-to-pdf`), so the PDF and the page are one document. The page's print style sheet
//! puts the page number, the image digest and the attestation digest on every page through CSS
//! `@page` margin boxes (Chromium 131 and later); `--no-pdf-header-footer` removes Chromium's
//! own header and footer.
//!
//! The browser is `NETVET_CHROMIUM` or the first of `chromium`, `chromium-browser`,
//! `google-chrome` on `PATH`. Written as a process call rather than a Rust PDF crate: laying out
//! tables, SVG and page breaks is what a browser does, and a second layout engine would make the
//! PDF differ from the HTML page.

use crate::RenderError;
use netvet_model::Report;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a PDF export may take.
const TIMEOUT: Duration = Duration::from_secs(180);

/// The browser used for the export: `NETVET_CHROMIUM`, else the first Chromium on `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETVET_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find_map(|dir| {
        ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
    })
}

fn failed(message: String) -> RenderError {
    RenderError::Failed {
        format: "pdf",
        message,
    }
}

/// Render `report` as PDF. `workdir` must be writable (the page, the browser profile and the
/// PDF are written there; the CLI passes its private temporary directory).
pub fn render(report: &Report, workdir: &Path) -> Result<Vec<u8>, RenderError> {
    let html = crate::html::render(report)?;
    print_html(&html, workdir)
}

/// Print an HTML page to PDF with the headless Chromium of [`find_chromium`].
pub fn print_html(html: &str, workdir: &Path) -> Result<Vec<u8>, RenderError> {
    let browser = find_chromium().ok_or_else(|| {
        failed(
            "no Chromium found for the PDF export: install chromium (Debian: apt-get install chromium) or set NETVET_CHROMIUM to the browser's path".into(),
        )
    })?;
    print_html_with(html, workdir, &browser)
}

/// Print an HTML page to PDF with the headless Chromium at `browser`.
pub fn print_html_with(html: &str, workdir: &Path, browser: &Path) -> Result<Vec<u8>, RenderError> {
    let dir = workdir.join("pdf-export");
    let profile = dir.join("profile");
    std::fs::create_dir_all(&profile)
        .map_err(|e| failed(format!("cannot create {}: {e}", profile.display())))?;
    let page = dir.join("report.html");
    let pdf = dir.join("report.pdf");
    std::fs::write(&page, html)
        .map_err(|e| failed(format!("cannot write {}: {e}", page.display())))?;
    let log = dir.join("chromium.log");
    let log_file = std::fs::File::create(&log)
        .map_err(|e| failed(format!("cannot write {}: {e}", log.display())))?;
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        // the browser's caches and temporary files stay in the work directory (which is all
        // the CLI's sandbox lets it write)
        .env("HOME", &dir)
        .env("TMPDIR", &dir)
        .env("XDG_CONFIG_HOME", &dir)
        .env("XDG_CACHE_HOME", &dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|e| failed(format!("cannot start {}: {e}", browser.display())))?;
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(format!(
                    "{} did not finish within {} s",
                    browser.display(),
                    TIMEOUT.as_secs()
                )));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => return Err(failed(format!("waiting for {}: {e}", browser.display()))),
        }
    };
    let bytes = std::fs::read(&pdf).map_err(|e| {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = tail.lines().rev().take(5).collect();
        failed(format!(
            "{} ({status}) wrote no PDF ({e}); its last messages: {}",
            browser.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
        ))
    })?;
    if !bytes.starts_with(b"%PDF-") {
        return Err(failed(format!(
            "{} wrote a file that is not a PDF",
            browser.display()
        )));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(bytes)
}
