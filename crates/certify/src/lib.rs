//! Requirement catalogue, policy, verdicts and signed attestations.
//!
//! * [`Catalogue`]: the requirements an image is judged against (`rules/requirements/*.toml`),
//!   each with the source clause it implements and the finding kinds that violate it.
//! * [`Policy`]: which requirements apply, severity thresholds and waivers (TOML; the embedded
//!   `rules/policy/default.toml` when none is given).
//!   Built-in profiles per regime (`red`, `cra`, `psti`, `ts33117`, ...) are
//!   `rules/policy/NAME.toml`.
//! * [`Evidence`]: vendor documents and live-test results that decide partial and
//!   documentation requirements (`--evidence DIR`).
//! * [`judge`]: findings x catalogue x policy x evidence -> [`netvet_model::Verdict`], per
//!   requirement and per regime, with the requirement ids written into each finding.
//! * [`attest`]: an in-toto Statement v1 about the image in a DSSE envelope signed with
//!   Ed25519, and its verification.
//! * [`CertRecord`]: the one certification record (a checked attestation, or an imported
//!   certificate) that the lab service and the network assessment read.
//!
//! This crate only reads a finished [`netvet_model::Report`]; it never unpacks or analyzes.

pub mod attest;
pub mod catalogue;
pub mod evidence;
pub mod policy;
pub mod record;
pub mod verdict;

pub use catalogue::{Catalogue, Method, Requirement};
pub use evidence::Evidence;
pub use netvet_model::VerdictResult;
pub use policy::{Policy, Waiver};
pub use record::CertRecord;
pub use verdict::{judge, Judgement};

/// Errors of the catalogue and the policy. Each names the file and, where known, the line.
#[derive(Debug, thiserror::Error)]
pub enum CertifyError {
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
}

/// 1-based line and column of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

/// A syntax error from the TOML parser, located in `file`.
pub(crate) fn toml_error(file: &str, text: &str, e: &toml::de::Error) -> CertifyError {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    // toml's Display repeats the location and a source excerpt; keep the first line only
    let message = e
        .message()
        .lines()
        .next()
        .unwrap_or("invalid TOML")
        .to_string();
    CertifyError::Syntax {
        file: file.to_string(),
        line,
        column,
        message,
    }
}

/// Load the catalogue of `rules` and the policy: `policy` is a file, or else the name of a
/// built-in profile (`red`, `cra`, ...); the rule set's default policy when `None`.
pub fn load(
    rules: &netvet_rules::RuleSet,
    policy: Option<&std::path::Path>,
) -> Result<(Catalogue, Policy), CertifyError> {
    load_with_evidence(rules, policy, None)
}

/// [`load`], and the evidence files of directory `evidence` attached to the policy.
pub fn load_with_evidence(
    rules: &netvet_rules::RuleSet,
    policy: Option<&std::path::Path>,
    evidence: Option<&std::path::Path>,
) -> Result<(Catalogue, Policy), CertifyError> {
    let catalogue = Catalogue::from_rules(rules)?;
    let mut policy = match policy {
        Some(p) => Policy::resolve(rules, p, &catalogue)?,
        None => Policy::default_from(rules, &catalogue)?,
    };
    if let Some(dir) = evidence {
        policy.evidence = Evidence::load_dir(dir, &catalogue)?;
    }
    Ok((catalogue, policy))
}

/// The certify stage: judge `report` (findings already numbered) against the catalogue and
/// policy, today. Sets `report.verdict` and each finding's requirements.
pub fn apply(
    report: &mut netvet_model::Report,
    catalogue: &Catalogue,
    policy: &Policy,
) -> Judgement {
    judge(report, catalogue, policy, today_utc())
}

/// The current time (UTC), for attestations.
pub fn now_utc() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc()
}

/// Today's date (UTC), for waiver expiry.
pub fn today_utc() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 8), (2, 3));
        assert_eq!(line_col(t, 999), (3, 1));
    }
}
