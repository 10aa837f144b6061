//! HTML output (not yet implemented).

use crate::RenderError;
use netvet_model::Report;

pub fn render(_report: &Report) -> Result<String, RenderError> {
    Err(RenderError::NotAvailable("html"))
}
