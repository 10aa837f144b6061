//! The network policy (TOML): vendor risk tiers set by the user and the rules.
//!
//! ```toml
//! default_tier = "medium"           # tier of vendors not listed (default: medium)
//! accept_conditional = true         # a `conditional` certification counts as passing
//! as_of = "2026-01-01"              # date of the assessment, for rules with a start date
//! [vendors]
//! "Vendor A" = "high"
//! [rules]
//! forbid = { high = ["core", "management"] }
//! max_share = { high = { ran = 0.35 } }
//! min_vendors = { core = 2, ran = 2 }
//! require_certified = ["core"]     # or per domain with schemes: { core = ["nesas", "cc"] }
//! [rules.effective]                 # optional: a rule applies from this date on
//! forbid = "2023-12-31"
//! [rules.deadline]                  # optional: the date by which a rule must hold
//! forbid = "2027-12-31"
//! ```

use crate::inventory::Domain;
use crate::InputError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Low,
    Medium,
    High,
}

impl Tier {
    pub fn parse(s: &str) -> Option<Tier> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Tier::Low),
            "medium" => Some(Tier::Medium),
            "high" => Some(Tier::High),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }
}

/// The rules of a policy, validated.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Policy {
    pub path: String,
    pub vendors: BTreeMap<String, Tier>,
    pub default_tier: Option<Tier>,
    pub accept_conditional: bool,
    pub as_of: Option<String>,
    pub forbid: BTreeMap<Tier, Vec<Domain>>,
    pub max_share: BTreeMap<Tier, BTreeMap<Domain, f64>>,
    pub min_vendors: BTreeMap<Domain, u32>,
    pub require_certified: Vec<Domain>,
    /// Certification schemes accepted per domain of `require_certified` (lower case); a domain
    /// without an entry (or with an empty list) accepts any scheme.
    pub schemes: BTreeMap<Domain, Vec<String>>,
    /// Rule name -> first day (`YYYY-MM-DD`) it applies.
    pub effective: BTreeMap<String, String>,
    /// Rule name -> day (`YYYY-MM-DD`) by which it must hold.
    pub deadline: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    default_tier: Option<Spanned<String>>,
    #[serde(default)]
    accept_conditional: Option<bool>,
    #[serde(default)]
    as_of: Option<Spanned<String>>,
    #[serde(default)]
    vendors: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    rules: RawRules,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    forbid: BTreeMap<Spanned<String>, Vec<Spanned<String>>>,
    #[serde(default)]
    max_share: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<f64>>>,
    #[serde(default)]
    min_vendors: BTreeMap<Spanned<String>, Spanned<i64>>,
    #[serde(default)]
    /// A list of domains (any scheme) or a table domain -> schemes; read by hand because
    /// toml's spans do not survive serde's untagged enums.
    require_certified: Option<Spanned<toml::Value>>,
    #[serde(default)]
    effective: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    deadline: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Rule names, as in violations and in `[rules.effective]` / `[rules.deadline]`.
pub const RULES: [&str; 6] = [
    "forbid",
    "max_share",
    "min_vendors",
    "uncertified",
    "attestation-mismatch",
    "wrong-scheme",
];

fn line_of(text: &str, offset: usize) -> u64 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
        + 1
}

/// A calendar date `YYYY-MM-DD` (checked with the `time` crate: 2026-02-30 is not a date).
pub fn parse_date(s: &str) -> Option<time::Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|x| x.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|x| x.parse::<u32>().ok())
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    time::Date::from_calendar_date(y as i32, month, u8::try_from(d).ok()?).ok()
}

pub fn valid_date(s: &str) -> bool {
    parse_date(s).is_some()
}

/// A certification scheme name: lower-case letters, digits and `-` (`nesas`, `cc`, `bsz`).
fn valid_scheme(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Policy {
    pub fn load(path: &std::path::Path) -> Result<Policy, InputError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| InputError::File {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Policy::parse(&file, &text)
    }

    pub fn parse(file: &str, text: &str) -> Result<Policy, InputError> {
        let at = |span: std::ops::Range<usize>, message: String| InputError::At {
            file: file.to_string(),
            line: line_of(text, span.start),
            message,
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| InputError::At {
            file: file.to_string(),
            line: e.span().map(|s| line_of(text, s.start)).unwrap_or(1),
            message: e.message().to_string(),
        })?;
        let tier = |s: &Spanned<String>| {
            Tier::parse(s.get_ref()).ok_or_else(|| {
                at(
                    s.span(),
                    format!(
                        "unknown tier '{}' (expected high, medium or low)",
                        s.get_ref()
                    ),
                )
            })
        };
        let domain = |s: &Spanned<String>| {
            Domain::parse(s.get_ref()).ok_or_else(|| {
                at(
                    s.span(),
                    format!(
                        "unknown domain '{}' (expected core, ran, transport, management or access)",
                        s.get_ref()
                    ),
                )
            })
        };
        let mut p = Policy {
            path: file.to_string(),
            accept_conditional: raw.accept_conditional.unwrap_or(true),
            ..Policy::default()
        };
        if let Some(t) = &raw.default_tier {
            p.default_tier = Some(tier(t)?);
        }
        if let Some(d) = &raw.as_of {
            if !valid_date(d.get_ref()) {
                return Err(at(
                    d.span(),
                    format!("as_of '{}' is not a date YYYY-MM-DD", d.get_ref()),
                ));
            }
            p.as_of = Some(d.get_ref().clone());
        }
        for (v, t) in &raw.vendors {
            p.vendors.insert(v.clone(), tier(t)?);
        }
        for (t, ds) in &raw.rules.forbid {
            let t = tier(t)?;
            let mut list = Vec::new();
            for d in ds {
                list.push(domain(d)?);
            }
            p.forbid.insert(t, list);
        }
        for (t, m) in &raw.rules.max_share {
            let t = tier(t)?;
            let mut caps = BTreeMap::new();
            for (d, share) in m {
                let dom = domain(d)?;
                let v = *share.get_ref();
                if !(0.0..=1.0).contains(&v) || v.is_nan() {
                    return Err(at(
                        share.span(),
                        format!("share {v} for '{}' is outside 0..1", d.get_ref()),
                    ));
                }
                caps.insert(dom, v);
            }
            p.max_share.insert(t, caps);
        }
        for (d, n) in &raw.rules.min_vendors {
            let dom = domain(d)?;
            let v = *n.get_ref();
            if !(0..=1000).contains(&v) {
                return Err(at(
                    n.span(),
                    format!(
                        "min_vendors {v} for '{}' is not between 0 and 1000",
                        d.get_ref()
                    ),
                ));
            }
            p.min_vendors.insert(dom, v as u32);
        }
        if let Some(rc) = &raw.rules.require_certified {
            let bad = |message: String| at(rc.span(), message);
            let name_of = |v: &toml::Value| -> Result<String, InputError> {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    bad(format!(
                        "require_certified: expected a string, found {}",
                        v.type_str()
                    ))
                })
            };
            let dom = |s: &str| {
                Domain::parse(s).ok_or_else(|| {
                    bad(format!(
                        "unknown domain '{s}' (expected core, ran, transport, management or access)"
                    ))
                })
            };
            match rc.get_ref() {
                toml::Value::Array(ds) => {
                    for d in ds {
                        p.require_certified.push(dom(&name_of(d)?)?);
                    }
                }
                toml::Value::Table(t) => {
                    for (d, schemes) in t {
                        let domain = dom(d)?;
                        let Some(list) = schemes.as_array() else {
                            return Err(bad(format!(
                                "require_certified.{d}: expected a list of schemes, found {}",
                                schemes.type_str()
                            )));
                        };
                        let mut names = Vec::new();
                        for s in list {
                            let name = name_of(s)?.trim().to_ascii_lowercase();
                            if !valid_scheme(&name) {
                                return Err(bad(format!(
                                    "scheme '{name}' for '{d}' is not a name of lower-case letters, digits and '-' (for example nesas, cc, bsz)"
                                )));
                            }
                            names.push(name);
                        }
                        p.require_certified.push(domain);
                        if !names.is_empty() {
                            p.schemes.insert(domain, names);
                        }
                    }
                }
                other => {
                    return Err(bad(format!(
                        "require_certified: expected a list of domains or a table of domain = [schemes], found {}",
                        other.type_str()
                    )))
                }
            }
        }
        for (table, rule, date) in raw
            .rules
            .effective
            .iter()
            .map(|(r, d)| ("effective", r, d))
            .chain(raw.rules.deadline.iter().map(|(r, d)| ("deadline", r, d)))
        {
            if !RULES.contains(&rule.get_ref().as_str()) {
                return Err(at(
                    rule.span(),
                    format!(
                        "unknown rule '{}' (expected one of {})",
                        rule.get_ref(),
                        RULES.join(", ")
                    ),
                ));
            }
            if !valid_date(date.get_ref()) {
                return Err(at(
                    date.span(),
                    format!("'{}' is not a date YYYY-MM-DD", date.get_ref()),
                ));
            }
            let map = if table == "effective" {
                &mut p.effective
            } else {
                &mut p.deadline
            };
            map.insert(rule.get_ref().clone(), date.get_ref().clone());
        }
        Ok(p)
    }

    /// Tier of a vendor (exact name, then case-insensitive), or the default tier.
    pub fn tier_of(&self, vendor: &str) -> (Tier, bool) {
        if let Some(t) = self.vendors.get(vendor) {
            return (*t, true);
        }
        if let Some((_, t)) = self
            .vendors
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(vendor))
        {
            return (*t, true);
        }
        (self.default_tier.unwrap_or(Tier::Medium), false)
    }

    /// Schemes accepted in a domain (empty: any scheme).
    pub fn schemes_for(&self, d: Domain) -> &[String] {
        self.schemes.get(&d).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Whether a rule applies at the assessment date (rules without a start date always do).
    pub fn applies(&self, rule: &str) -> bool {
        match (self.effective.get(rule), &self.as_of) {
            (Some(from), Some(now)) => now >= from,
            (Some(_), None) => true,
            (None, _) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[vendors]
"Vendor A" = "high"
"Vendor B" = "low"
[rules]
forbid = { high = ["core", "management"] }
max_share = { high = { ran = 0.35 } }
min_vendors = { core = 2, ran = 2 }
require_certified = ["core"]
"#;

    #[test]
    fn parses_the_documented_policy() {
        let p = Policy::parse("p.toml", GOOD).unwrap();
        assert_eq!(p.tier_of("Vendor A"), (Tier::High, true));
        assert_eq!(p.tier_of("vendor b"), (Tier::Low, true));
        assert_eq!(p.tier_of("Other"), (Tier::Medium, false));
        assert_eq!(
            p.forbid[&Tier::High],
            vec![Domain::Core, Domain::Management]
        );
        assert_eq!(p.max_share[&Tier::High][&Domain::Ran], 0.35);
        assert_eq!(p.min_vendors[&Domain::Core], 2);
        assert_eq!(p.require_certified, vec![Domain::Core]);
    }

    #[test]
    fn bad_values_name_file_and_line() {
        let bad = GOOD.replace("\"Vendor B\" = \"low\"", "\"Vendor B\" = \"extreme\"");
        let e = Policy::parse("p.toml", &bad).unwrap_err().to_string();
        assert_eq!(
            e,
            "p.toml:4: unknown tier 'extreme' (expected high, medium or low)"
        );
        let bad = GOOD.replace("ran = 0.35", "ran = 1.5");
        let e = Policy::parse("p.toml", &bad).unwrap_err().to_string();
        assert_eq!(e, "p.toml:7: share 1.5 for 'ran' is outside 0..1");
        let bad = GOOD.replace("\"core\", \"management\"", "\"core\", \"cloud\"");
        let e = Policy::parse("p.toml", &bad).unwrap_err().to_string();
        assert!(e.starts_with("p.toml:6: unknown domain 'cloud'"), "{e}");
        let e = Policy::parse("p.toml", "[rules]\nforbid = [")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2:"), "{e}");
        let e = Policy::parse("p.toml", "[rules]\nbanish = 1\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2:") && e.contains("banish"), "{e}");
    }

    #[test]
    fn effective_dates() {
        let p = Policy::parse(
            "p.toml",
            "as_of = \"2023-06-01\"\n[rules]\n[rules.effective]\nforbid = \"2023-12-31\"\n",
        )
        .unwrap();
        assert!(!p.applies("forbid"));
        assert!(p.applies("max_share"));
    }

    #[test]
    fn deadlines_and_schemes() {
        let p = Policy::parse(
            "p.toml",
            "[rules]\nrequire_certified = { core = [\"NESAS\", \"cc\"], ran = [] }\n[rules.deadline]\nforbid = \"2027-12-31\"\nwrong-scheme = \"2026-01-01\"\n",
        )
        .unwrap();
        assert_eq!(p.require_certified, vec![Domain::Core, Domain::Ran]);
        assert_eq!(p.schemes_for(Domain::Core), ["nesas", "cc"]);
        assert!(p.schemes_for(Domain::Ran).is_empty());
        assert_eq!(p.deadline["forbid"], "2027-12-31");
        assert_eq!(p.deadline["wrong-scheme"], "2026-01-01");
        let e = Policy::parse(
            "p.toml",
            "[rules]\n[rules.deadline]\nforbid = \"2027-02-30\"\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "p.toml:3: '2027-02-30' is not a date YYYY-MM-DD");
        let e = Policy::parse(
            "p.toml",
            "[rules]\n[rules.deadline]\nbanish = \"2027-01-01\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("p.toml:3: unknown rule 'banish'"), "{e}");
        let e = Policy::parse(
            "p.toml",
            "[rules]\nrequire_certified = { core = [\"n s\"] }\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("p.toml:2: scheme 'n s' for 'core'"), "{e}");
        let e = Policy::parse("p.toml", "[rules]\nrequire_certified = { cloud = [] }\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.toml:2: unknown domain 'cloud'"), "{e}");
    }
}
