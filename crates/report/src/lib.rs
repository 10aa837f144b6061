//! netvet-report: renders a [`Report`] in the formats of the report contract. One module per
//! output format; the JSON form is the contract itself (`netvet.report/1`).

use netvet_model::Report;
use std::str::FromStr;

pub mod cyclonedx;
pub mod evaluation;
pub mod html;
pub mod json;
pub mod markdown;
pub mod pdf;
pub mod sarif;
pub mod spdx;
pub mod vex;

/// Output formats of `netvet scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Sarif,
    Html,
    Markdown,
    /// CycloneDX 1.6.
    CycloneDx,
    /// SPDX 3.0.1 JSON-LD.
    Spdx,
    /// CycloneDX 1.5 (the same content as 1.6, for older tools).
    CycloneDx15,
    /// SPDX 2.3 JSON.
    Spdx23,
    /// CycloneDX 1.6 VEX: matched and not-affected vulnerabilities with their analysis.
    Vex,
    /// The HTML report printed to PDF by headless Chromium (binary: see [`render_bytes`]).
    Pdf,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "html" => Ok(Format::Html),
            "md" | "markdown" => Ok(Format::Markdown),
            "cyclonedx" => Ok(Format::CycloneDx),
            "spdx" => Ok(Format::Spdx),
            "cyclonedx-1.5" => Ok(Format::CycloneDx15),
            "spdx-2.3" => Ok(Format::Spdx23),
            "vex" => Ok(Format::Vex),
            "pdf" => Ok(Format::Pdf),
            other => Err(format!(
                "unknown format '{other}' (expected json, sarif, html, md, pdf, cyclonedx, spdx, vex, cyclonedx-1.5 or spdx-2.3)"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{0} output is not available in this build")]
    NotAvailable(&'static str),
    #[error("cannot render {format}: {message}")]
    Failed {
        format: &'static str,
        message: String,
    },
}

/// Render `report` as `format`; text formats only (PDF is binary: [`render_bytes`]).
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report),
        Format::CycloneDx => cyclonedx::render(report),
        Format::Spdx => spdx::render(report),
        Format::CycloneDx15 => cyclonedx::render_v15(report),
        Format::Spdx23 => spdx::render_v2(report),
        Format::Vex => vex::render(report),
        Format::Pdf => Err(RenderError::NotAvailable(
            "pdf (a binary format: use render_bytes)",
        )),
    }
}

/// Render `report` as `format`, as bytes: every format, PDF included. `workdir` is a writable
/// directory for the PDF export's browser (unused by the text formats).
pub fn render_bytes(
    report: &Report,
    format: Format,
    workdir: &std::path::Path,
) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Pdf => pdf::render(report, workdir),
        other => render(report, other).map(String::into_bytes),
    }
}

/// One sentence on how much of the image was understood and what its container checksums
/// said (Markdown and HTML summaries); empty for a directory input without checks.
pub fn coverage_line(report: &Report) -> String {
    let u = &report.unpack;
    let mut parts = Vec::new();
    if let Some(c) = &u.coverage {
        parts.push(format!(
            "Coverage: {} % of the image understood ({} of {} bytes); {} region(s) could not be opened.",
            c.percent,
            c.understood,
            c.total,
            u.unsupported.len()
        ));
    }
    if !u.integrity.is_empty() {
        let bad = u.integrity.iter().filter(|c| !c.ok).count();
        parts.push(format!(
            "Integrity: {} container checksum field(s) verified, {} mismatch(es).",
            u.integrity.len(),
            bad
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{}\n\n", parts.join(" "))
    }
}
