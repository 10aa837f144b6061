//! The JSON report (`netvet.report/1`): the serialization of [`Report`] itself.

use crate::RenderError;
use netvet_model::Report;

pub fn render(report: &Report) -> Result<String, RenderError> {
    serde_json::to_string_pretty(report)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "json",
            message: e.to_string(),
        })
}
