//! The PDF export (`--format pdf`): the HTML report printed by headless Chromium, with the page
//! number, the image digest and the attestation digest on every page. Skipped with a note when
//! Chromium is absent, unless `NETVET_REQUIRE_CHROMIUM=1` (CI). The text of every page is read
//! with `pdftotext` (Debian package `poppler-utils`) when it is installed (CI installs it).

mod common;

use std::process::Command;

/// Pages of a PDF: the `/Type /Page` objects (Chromium writes them uncompressed).
fn page_objects(pdf: &[u8]) -> usize {
    let s = String::from_utf8_lossy(pdf);
    s.matches("/Type /Page").count() - s.matches("/Type /Pages").count()
}

#[test]
fn pdf_has_digests_and_page_numbers_on_every_page() {
    if netvet_report::pdf::find_chromium().is_none() {
        netvet_model::testenv::skip(
            "chromium",
            "chromium not found (apt-get install -y chromium); PDF export",
        );
        return;
    }
    let mut report = common::sample_report();
    let att = "9c1185a5c5e9fc54612808977ee8f548b2258d31aabbccddeeff001122334455";
    report
        .summaries
        .insert("attestation".into(), serde_json::json!({"sha256": att}));
    let work = tempfile::tempdir().unwrap();
    let pdf = netvet_report::render_bytes(&report, netvet_report::Format::Pdf, work.path())
        .expect("PDF export");
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = page_objects(&pdf);
    assert!(pages >= 2, "{pages} pages (the appendices start new pages)");
    // the browser's work files are removed
    assert!(!work.path().join("pdf-export").exists());

    let file = work.path().join("r.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let Ok(out) = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&file)
        .arg("-")
        .output()
    else {
        netvet_model::testenv::skip("pdftotext", "pdftotext not found (poppler-utils)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let page_texts: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(page_texts.len(), pages);
    for (i, p) in page_texts.iter().enumerate() {
        assert!(
            p.contains(&format!("page {} / {pages}", i + 1)),
            "page {}: {p}",
            i + 1
        );
        assert!(
            p.contains(&report.image.sha256),
            "image digest on page {}",
            i + 1
        );
        assert!(
            p.contains(&format!("attestation sha256 {att}")),
            "attestation on page {}",
            i + 1
        );
    }
    assert!(text.contains("Executive summary") && text.contains("Hardening per binary"));
}

#[test]
fn missing_browser_is_named() {
    // NETVET_CHROMIUM pointing nowhere: the error names the path it tried
    let work = tempfile::tempdir().unwrap();
    let err = netvet_report::pdf::print_html_with(
        "<html></html>",
        work.path(),
        std::path::Path::new("/nonexistent/chromium"),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot start /nonexistent/chromium"),
        "{err}"
    );
}
