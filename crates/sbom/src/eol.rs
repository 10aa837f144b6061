//! End-of-life facts (`rules/eol/*.toml`): release series of a component and the date its
//! maintainers stopped supporting it, each with its public source.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EolFact {
    /// Component name as in `rules/components/`.
    pub component: String,
    /// Release series (`1.0.2`, `3.10`): versions equal to it or continuing it with a
    /// non-digit (`1.0.2d`, `3.10.14`).
    pub cycle: String,
    /// `YYYY-MM-DD`; what the date means is given by `basis`.
    pub eol: String,
    pub source: String,
    #[serde(default)]
    pub basis: Basis,
    /// What the source says, in a few words, when the date alone does not tell (kept in
    /// the finding's evidence).
    #[serde(default)]
    pub note: Option<String>,
}

/// What an end-of-life date stands for. Vendors of proprietary RTOSes publish their
/// lifecycle to customers only, and small open-source projects publish none; for them a
/// dated public statement, or the project's last release, is the best public fact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// The maintainers' own end-of-support date (the default).
    #[default]
    Announced,
    /// The date of a public statement (an advisory, a security policy) that lists the
    /// series as unsupported; support ended on that date or earlier.
    Stated,
    /// The date of the project's last release: no release, so no fix, has been published
    /// for the series since.
    LastRelease,
}

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    eol: Vec<EolFact>,
}

#[derive(Debug, thiserror::Error)]
#[error("end-of-life data {file}: {message}")]
pub struct EolError {
    pub file: String,
    pub message: String,
}

fn valid_date(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

pub fn load(rules: &netvet_rules::RuleSet) -> Result<Vec<EolFact>, EolError> {
    let mut out = Vec::new();
    for (path, bytes) in rules.under("eol/") {
        if !path.ends_with(".toml") {
            continue;
        }
        let err = |message: String| EolError {
            file: path.to_string(),
            message,
        };
        let f: File =
            toml::from_str(&String::from_utf8_lossy(bytes)).map_err(|e| err(e.to_string()))?;
        for e in f.eol {
            if !valid_date(&e.eol) {
                return Err(err(format!(
                    "{} {}: eol '{}' is not YYYY-MM-DD",
                    e.component, e.cycle, e.eol
                )));
            }
            if e.source.trim().is_empty() {
                return Err(err(format!("{} {}: no source", e.component, e.cycle)));
            }
            out.push(e);
        }
    }
    Ok(out)
}

/// Is `version` in release series `cycle`?
pub fn in_cycle(version: &str, cycle: &str) -> bool {
    match version.strip_prefix(cycle) {
        Some(rest) => !rest.as_bytes().first().is_some_and(u8::is_ascii_digit),
        None => false,
    }
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    civil(secs.div_euclid(86_400))
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (H. Hinnant's civil_from_days).
pub fn civil(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_and_dates() {
        assert!(in_cycle("1.0.2d", "1.0.2"));
        assert!(in_cycle("1.0.2", "1.0.2"));
        assert!(in_cycle("3.10.14", "3.10"));
        assert!(!in_cycle("3.100.1", "3.10"));
        assert!(!in_cycle("1.1.1", "1.0.2"));
        assert_eq!(civil(0), "1970-01-01");
        assert_eq!(civil(19_783), "2024-03-01");
        assert!(today().as_str() > "2024-01-01");
    }

    #[test]
    fn basis_is_read() {
        let f: File = toml::from_str(
            "[[eol]]\ncomponent='x'\ncycle='1'\neol='2009-03-31'\nsource='https://e'\nbasis='last-release'\n",
        )
        .unwrap();
        assert_eq!(f.eol[0].basis, Basis::LastRelease);
        let f: File =
            toml::from_str("[[eol]]\ncomponent='x'\ncycle='1'\neol='2009-03-31'\nsource='s'\n")
                .unwrap();
        assert_eq!(f.eol[0].basis, Basis::Announced);
        assert!(toml::from_str::<File>(
            "[[eol]]\ncomponent='x'\ncycle='1'\neol='2009-03-31'\nsource='s'\nbasis='guess'\n"
        )
        .is_err());
    }

    #[test]
    fn embedded_facts_load() {
        let f = load(&netvet_rules::RuleSet::embedded()).unwrap();
        assert!(f
            .iter()
            .any(|e| e.component == "openssl" && e.cycle == "1.0.2" && e.eol == "2019-12-31"));
        assert!(f.iter().all(|e| e.source.starts_with("https://")));
    }
}
