//! Report rendering: JSON, SARIF, HTML, Markdown, CycloneDX, SPDX.
