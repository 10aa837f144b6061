//! netvet-report: renders a [`Report`] in the formats of the report contract. One module per
//! output format; the JSON form is the contract itself (`netvet.report/1`).

use netvet_model::Report;
use std::str::FromStr;

pub mod cyclonedx;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod spdx;

/// Output formats of `netvet scan --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Sarif,
    Html,
    Markdown,
    CycloneDx,
    Spdx,
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
            other => Err(format!(
                "unknown format '{other}' (expected json, sarif, html, md, cyclonedx or spdx)"
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

/// Render `report` as `format`.
pub fn render(report: &Report, format: Format) -> Result<String, RenderError> {
    match format {
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Html => html::render(report),
        Format::Markdown => markdown::render(report),
        Format::CycloneDx => cyclonedx::render(report),
        Format::Spdx => spdx::render(report),
    }
}
