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

/// How a requirement is decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// A scan of the image decides it (pass when no violating finding).
    #[default]
    Image,
    /// The image gives evidence (a finding fails it) but not a decision: passing needs the
    /// vendor's documents or a live test.
    Partial,
    /// Only the vendor's documents or a live test decide it.
    Documentation,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Image => "image",
            Method::Partial => "partial",
            Method::Documentation => "documentation",
        }
    }

    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "image" => Some(Method::Image),
            "partial" => Some(Method::Partial),
            "documentation" => Some(Method::Documentation),
            _ => None,
        }
    }
}

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
    /// How it is decided (default `image`).
    #[serde(default)]
    pub method: Method,
    /// First day it applies, when later than its catalogue's `applies_from`.
    #[serde(default, with = "opt_date")]
    pub applies_from: Option<time::Date>,
    /// Id of the catalogue file that holds it (file name without `.toml`), set on load.
    #[serde(skip)]
    pub catalogue: String,
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

/// A catalogue file: one document of one regime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Document {
    /// File name without `.toml` (`en18031-1`).
    pub id: String,
    /// Regime it belongs to (`red`); the file id when the file names none.
    pub regime: String,
    /// Document title and edition (`EN 18031-1:2024`).
    pub document: String,
    pub version: String,
    /// Legal or publication status, in words.
    pub status: String,
    pub jurisdiction: String,
    /// First day its requirements apply (none: whenever a policy selects them).
    #[serde(with = "opt_date")]
    pub applies_from: Option<time::Date>,
    pub url: String,
    /// Number of requirements in the file.
    pub requirements: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementFile {
    #[serde(default)]
    document: String,
    #[serde(default)]
    regime: Option<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    jurisdiction: String,
    #[serde(default, with = "opt_date")]
    applies_from: Option<time::Date>,
    #[serde(default)]
    url: String,
    #[serde(default)]
    requirement: Vec<Requirement>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionFile {
    version: String,
}

/// Dates in TOML (`2025-08-01` or `"2025-08-01"`) and JSON (`"2025-08-01"`).
pub(crate) mod opt_date {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Option<time::Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<time::Date>, D::Error> {
        let v = toml::Value::deserialize(d)?;
        crate::policy::parse_date(&v)
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("not a date (YYYY-MM-DD): {v}")))
    }
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
    /// The catalogue files (documents), sorted by path.
    pub documents: Vec<Document>,
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
        let mut documents: Vec<Document> = Vec::new();
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
            let file_id = path
                .rsplit('/')
                .next()
                .unwrap_or(path)
                .trim_end_matches(".toml")
                .to_string();
            let regime = f
                .regime
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .unwrap_or(&file_id)
                .to_string();
            if regime.contains(char::is_whitespace) {
                return Err(invalid(path, &format!("regime {regime:?} has spaces")));
            }
            let n = f.requirement.len();
            for mut r in f.requirement {
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
                if r.method == Method::Partial && r.kinds.is_empty() {
                    return Err(invalid(
                        path,
                        &format!(
                            "requirement {} is partial but names no finding kind (use documentation)",
                            r.id
                        ),
                    ));
                }
                r.catalogue = file_id.clone();
                requirements.push(r);
                if requirements.len() > MAX_REQUIREMENTS {
                    return Err(invalid(path, "too many requirements"));
                }
            }
            documents.push(Document {
                id: file_id,
                regime,
                document: f.document,
                version: f.version,
                status: f.status,
                jurisdiction: f.jurisdiction,
                applies_from: f.applies_from,
                url: f.url,
                requirements: n,
            });
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
            documents,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The document (catalogue file) that holds `r`.
    pub fn document_of(&self, r: &Requirement) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == r.catalogue)
    }

    /// The regime of `r` (its document's regime, or its catalogue id).
    pub fn regime_of<'a>(&'a self, r: &'a Requirement) -> &'a str {
        self.document_of(r)
            .map_or(r.catalogue.as_str(), |d| d.regime.as_str())
    }

    /// First day `r` applies: its own date, or its document's (none: always).
    pub fn applies_from(&self, r: &Requirement) -> Option<time::Date> {
        r.applies_from
            .or_else(|| self.document_of(r).and_then(|d| d.applies_from))
    }

    /// Regime ids, sorted, without duplicates.
    pub fn regimes(&self) -> Vec<&str> {
        let set: BTreeSet<&str> = self.documents.iter().map(|d| d.regime.as_str()).collect();
        set.into_iter().collect()
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
        assert_eq!(c.version, "2026.1");
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

    #[test]
    fn documents_methods_and_dates_load() {
        let v: (&str, &[u8]) = (VERSION_FILE, b"version = \"t\"\n");
        let file = b"document = \"Reg 1\"\nregime = \"reg\"\nversion = \"1\"\nstatus = \"in force\"\njurisdiction = \"EU\"\napplies_from = 2027-12-11\nurl = \"https://example.invalid/reg\"\n\
[[requirement]]\nid = \"R-1\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\nmethod = \"partial\"\nkinds = [\"update.unsigned\"]\n\
[[requirement]]\nid = \"R-2\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"2\"\nmethod = \"documentation\"\napplies_from = \"2026-09-11\"\n";
        let c = Catalogue::from_files(&[v, ("requirements/reg-1.toml", file)]).unwrap();
        assert_eq!(c.documents.len(), 1);
        let d = &c.documents[0];
        assert_eq!(
            (d.id.as_str(), d.regime.as_str(), d.requirements),
            ("reg-1", "reg", 2)
        );
        assert_eq!(d.applies_from.unwrap().to_string(), "2027-12-11");
        let r1 = c.get("R-1").unwrap();
        assert_eq!(r1.method, Method::Partial);
        assert_eq!(c.regime_of(r1), "reg");
        assert_eq!(c.applies_from(r1).unwrap().to_string(), "2027-12-11");
        let r2 = c.get("R-2").unwrap();
        assert_eq!(r2.method, Method::Documentation);
        assert_eq!(c.applies_from(r2).unwrap().to_string(), "2026-09-11");
        // a file without metadata is its own regime, always applicable, method image
        let plain =
            b"[[requirement]]\nid = \"P-1\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\n";
        let c = Catalogue::from_files(&[v, ("requirements/plain.toml", plain)]).unwrap();
        let p = c.get("P-1").unwrap();
        assert_eq!((c.regime_of(p), p.method), ("plain", Method::Image));
        assert!(c.applies_from(p).is_none());

        let partial = b"[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\nmethod = \"partial\"\n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", partial)]).unwrap_err();
        assert!(
            e.to_string()
                .contains("A is partial but names no finding kind"),
            "{e}"
        );
        let bad = b"[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\nmethod = \"guess\"\n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", bad)]).unwrap_err();
        assert!(e.to_string().starts_with("requirements/x.toml:6:"), "{e}");
        let date = b"applies_from = \"soon\"\n[[requirement]]\nid = \"A\"\ntitle = \"t\"\nsource = \"s\"\nclause = \"1\"\n";
        let e = Catalogue::from_files(&[v, ("requirements/x.toml", date)]).unwrap_err();
        assert!(e.to_string().starts_with("requirements/x.toml:1:"), "{e}");
        assert!(e.to_string().contains("not a date"), "{e}");
    }

    #[test]
    fn regime_catalogues_map_the_image_decidable_clauses() {
        let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
        let kinds_of = |id: &str| c.get(id).unwrap_or_else(|| panic!("{id}")).kinds.clone();
        assert!(kinds_of("EN18031-1-AUM-5-1").contains(&"credential.default-password".into()));
        assert!(kinds_of("EN18031-1-GEC-1").contains(&"vuln.cve".into()));
        assert!(kinds_of("EN18031-1-CCK-1").contains(&"key.weak".into()));
        assert!(kinds_of("EN18031-1-GEC-2").contains(&"service.insecure".into()));
        assert!(kinds_of("EN18031-1-SUM-2").contains(&"update.unsigned".into()));
        assert!(kinds_of("CRA-I-2f").contains(&"boot.insecure".into()));
        assert!(kinds_of("EN18031-1-SCM-2").contains(&"config.tls-weak".into()));
        assert!(kinds_of("PSTI-1").contains(&"credential.shared-across-images".into()));
        // the kinds these regimes needed are used by some requirement
        for k in [
            kinds::UPDATE_UNSIGNED,
            kinds::BOOT_INSECURE,
            kinds::CONFIG_TLS_WEAK,
            kinds::CREDENTIAL_SHARED_ACROSS_IMAGES,
        ] {
            assert!(c.for_kind(k).next().is_some(), "{k} maps to no requirement");
        }
        // the groups of EN 18031-1 and CRA Annex I points (2)(a)-(m) are all there
        for g in [
            "ACM", "AUM", "SUM", "SSM", "SCM", "RLM", "NMM", "TCM", "CCK", "GEC", "CRY",
        ] {
            assert!(
                c.requirements
                    .iter()
                    .any(|r| r.id.starts_with(&format!("EN18031-1-{g}-"))),
                "EN 18031-1 has no {g}"
            );
        }
        for g in ["LGM", "DLM", "UNM"] {
            assert!(c.get(&format!("EN18031-2-{g}-1")).is_some(), "no {g}");
        }
        for p in 'a'..='m' {
            assert!(
                c.get(&format!("CRA-I-2{p}")).is_some(),
                "CRA Annex I (2)({p})"
            );
        }
        for i in 1..=8 {
            assert!(
                c.get(&format!("CRA-II-{i}")).is_some(),
                "CRA Annex I Part II ({i})"
            );
        }
        assert_eq!(
            c.requirements
                .iter()
                .filter(|r| r.id.starts_with("PSTI-"))
                .count(),
            3
        );
        // documentation requirements are never decided by a scan alone
        assert_eq!(c.get("PSTI-2").unwrap().method, Method::Documentation);
        assert_eq!(c.get("EN18031-1-AUM-5-1").unwrap().method, Method::Partial);
    }
}
