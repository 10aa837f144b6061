//! The requirement catalogue: `rules/requirements/*.toml` of the rule set.

use crate::{toml_error, CertifyError};
use netvet_model::kinds;
use netvet_rules::RuleSet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Directory of the catalogue inside the rule set.
pub const DIR: &str = "requirements/";
/// The file that holds the catalogue version.
pub const VERSION_FILE: &str = "requirements/catalogue.toml";

/// Most requirements accepted (a rules directory is user input too).
const MAX_REQUIREMENTS: usize = 10_000;

/// One requirement an image can be tested against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Stable id (`TS33117-4.3.2.1`), referenced by policies and reports.
    pub id: String,
    /// What is required, in our own words.
    pub title: String,
    /// The document it implements (`3GPP TS 33.117`).
    pub source: String,
    /// Clause or provision in that document (`4.3.2.1`).
    pub clause: String,
    /// Finding kinds that violate it; empty when netvet does not test it.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// What netvet looks at in the image.
    #[serde(default)]
    pub checks: String,
}

impl Requirement {
    /// `3GPP TS 33.117 clause 4.3.2.1`.
    pub fn citation(&self) -> String {
        format!("{} {}", self.source, self.clause)
    }

    pub fn is_tested(&self) -> bool {
        !self.kinds.is_empty()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementFile {
    #[serde(default)]
    #[allow(dead_code)]
    document: String,
    #[serde(default)]
    requirement: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    version: String,
}

/// The requirement catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// `version` of `requirements/catalogue.toml`.
    pub version: String,
    /// SHA-256 (hex) over every catalogue file (path and content, sorted by path).
    pub digest: String,
    /// Requirements in file order (files sorted by path).
    pub requirements: Vec<Requirement>,
}

impl Catalogue {
    /// Load and check the catalogue of `rules`.
    pub fn from_rules(rules: &RuleSet) -> Result<Catalogue, CertifyError> {
        let files: Vec<(&str, &[u8])> = rules
            .under(DIR)
            .filter(|(p, _)| p.ends_with(".toml"))
            .collect();
        Catalogue::from_files(&files)
    }

    /// Load and check a catalogue from `(path, content)` pairs (paths relative to the rules
    /// root, e.g. `requirements/x.toml`).
    pub fn from_files(files: &[(&str, &[u8])]) -> Result<Catalogue, CertifyError> {
        let mut files: Vec<(&str, &[u8])> = files.to_vec();
        files.sort_by(|a, b| a.0.cmp(b.0));
        let mut h = Sha256::new();
        let mut version = None;
        let mut requirements: Vec<Requirement> = Vec::new();
        let mut seen = BTreeSet::new();
        let known: BTreeSet<&str> = kinds::ALL.iter().map(|(k, _)| *k).collect();
        for (path, bytes) in &files {
            h.update(path.as_bytes());
            h.update([0]);
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
            let text = std::str::from_utf8(bytes).map_err(|e| CertifyError::Invalid {
                file: path.to_string(),
                message: format!("not UTF-8 text ({e})"),
            })?;
            if *path == VERSION_FILE {
                let v: VersionFile =
                    toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
                if v.version.trim().is_empty() {
                    return Err(invalid(path, "empty catalogue version"));
                }
                version = Some(v.version);
                continue;
            }
            let f: RequirementFile =
                toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
            for r in f.requirement {
                if r.id.trim().is_empty() || r.id.contains(char::is_whitespace) {
                    return Err(invalid(
                        path,
                        &format!("requirement id {:?} is empty or has spaces", r.id),
                    ));
                }
                if !seen.insert(r.id.clone()) {
                    return Err(invalid(
                        path,
                        &format!("requirement {} is defined twice", r.id),
                    ));
                }
                for (what, v) in [
                    ("title", &r.title),
                    ("source", &r.source),
                    ("clause", &r.clause),
                ] {
                    if v.trim().is_empty() {
                        return Err(invalid(
                            path,
                            &format!("requirement {} has no {what}", r.id),
                        ));
                    }
                }
                if let Some(k) = r.kinds.iter().find(|k| !known.contains(k.as_str())) {
                    return Err(invalid(
                        path,
                        &format!("requirement {} names unknown finding kind {k:?}", r.id),
                    ));
                }
                requirements.push(r);
                if requirements.len() > MAX_REQUIREMENTS {
                    return Err(invalid(path, "too many requirements"));
                }
            }
        }
        let version = version
            .ok_or_else(|| invalid(VERSION_FILE, "missing (the catalogue has no version)"))?;
        if requirements.is_empty() {
            return Err(invalid(DIR, "the catalogue has no requirements"));
        }
        Ok(Catalogue {
            version,
            digest: hex::encode(h.finalize()),
            requirements,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// Requirements violated by findings of `kind`.
    pub fn for_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Requirement> + 'a {
        self.requirements
            .iter()
            .filter(move |r| r.kinds.iter().any(|k| k == kind))
    }
}

fn invalid(file: &str, message: &str) -> CertifyError {
    CertifyError::Invalid {
        file: file.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogue_loads_and_covers_every_kind() {
        let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
        assert_eq!(c.version, "2025.1");
        assert_eq!(c.digest.len(), 64);
        for (kind, _) in kinds::ALL {
            assert!(
                c.for_kind(kind).next().is_some(),
                "finding kind {kind} maps to no requirement"
            );
        }
        let r = c.get("TS33117-4.3.2.6").unwrap();
        assert_eq!(r.source, "3GPP TS 33.117");
        assert_eq!(r.clause, "4.3.2.6");
        assert_eq!(r.kinds, vec!["config.ssh-root-login".to_string()]);
        let ids: Vec<&str> = c
            .for_kind(kinds::CREDENTIAL_DEFAULT_PASSWORD)
            .map(|r| r.id.as_str())
            .collect();
        assert!(ids.contains(&"EN303645-5.1-1"), "{ids:?}");
        assert!(ids.contains(&"TS33117-4.2.3.4.2.3"), "{ids:?}");
        assert!(c.get("EN303645-5.4-3").is_some());
        assert!(c.get("EN303645-5.3").is_some());
        // a requirement netvet cannot test is listed as such
        assert!(!c.get("TS33117-4.2.3.6").unwrap().is_tested());
    }

    #[test]
    fn catalogue_has_no_vendor_names() {
        // the same requirements apply to every vendor
        let rules = RuleSet::embedded();
        for (p, b) in rules.under(DIR).chain(rules.under("policy/")) {
            let t = String::from_utf8_lossy(b).to_lowercase();
            for v in [
                "huawei", "zte", "cisco", "ericsson", "nokia", "juniper", "tp-link", "netgear",
            ] {
                assert!(!t.contains(v), "{p} names vendor {v}");
            }
        }
    }

    #[test]
    fn bad_catalogues_are_rejected_with_file_and_line() {
        let v: (&str, &[u8]) = (VERSION_FILE, b"version = \"t\"\n");
        let dup = b"[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\n[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", dup)]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "requirements/x.toml: requirement A is defined twice"
        );

        let kind = b"[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\nkinds = [\"nope\"]\n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", kind)]).unwrap_err();
        assert!(
            e.to_string().contains("unknown finding kind \"nope\""),
            "{e}"
        );

        let syntax = b"[[requirement]]\nid = \"A\"\ntitle = \n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", syntax)]).unwrap_err();
        assert!(e.to_string().starts_with("requirements/x.toml:3:"), "{e}");

        let ok = b"[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\n";
        let e = Catalogue::from_files(&[("requirements/x.toml", ok)]).unwrap_err();
        assert!(e.to_string().contains("no version"), "{e}");
        let c = Catalogue::from_files(&[v, ("requirements/x.toml", ok)]).unwrap();
        assert_eq!(c.requirements.len(), 1);
        assert!(!c.requirements[0].is_tested());
    }
}
