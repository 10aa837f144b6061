//! Evidence for partial and documentation requirements (`--evidence DIR`).
//!
//! Every `*.toml` file directly in the directory holds entries like:
//!
//! ```toml
//! [[evidence]]
//! requirement = "PSTI-2"                 # a requirement id of the catalogue
//! status = "pass"                        # pass, fail or not-applicable
//! reference = "Vulnerability disclosure policy, https://vendor.example/security"
//! documents = ["vdp.pdf"]                # optional: files in DIR; their SHA-256 is recorded
//! assessor = "A. Tester, Example Lab"    # optional
//! date = 2026-11-30                      # when the evidence was assessed
//! expires = 2027-11-30                   # optional: last day it counts
//! note = "published on the product page" # optional
//! ```
//!
//! `pass` and `fail` are accepted for partial and documentation requirements only (a scan
//! decides image requirements); `not-applicable` for any requirement. A finding at or above
//! its threshold fails a requirement whatever the evidence says: waivers accept findings.
//! Every error names the file and the line.

use crate::catalogue::{Catalogue, Method};
use crate::{line_col, toml_error, CertifyError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Component, Path};
use toml::Spanned;

/// Largest evidence TOML file read (bytes).
const MAX_FILE_BYTES: u64 = 4 << 20;
/// Most evidence files in a directory, and most entries in all of them.
const MAX_FILES: usize = 1_000;
const MAX_ENTRIES: usize = 100_000;

/// What the evidence says about the requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceStatus {
    Pass,
    Fail,
    NotApplicable,
}

impl EvidenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceStatus::Pass => "pass",
            EvidenceStatus::Fail => "fail",
            EvidenceStatus::NotApplicable => "not-applicable",
        }
    }
}

/// A supporting document and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentDigest {
    pub path: String,
    pub sha256: String,
}

/// One checked evidence entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceItem {
    pub requirement: String,
    pub status: EvidenceStatus,
    pub reference: String,
    pub documents: Vec<DocumentDigest>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub assessor: String,
    #[serde(with = "crate::catalogue::opt_date")]
    pub date: Option<time::Date>,
    #[serde(with = "crate::catalogue::opt_date")]
    pub expires: Option<time::Date>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// File (name inside the evidence directory) and line of the entry.
    pub file: String,
    pub line: usize,
}

impl EvidenceItem {
    /// Whether the evidence counts on `today` (not expired).
    pub fn is_active(&self, today: time::Date) -> bool {
        self.expires.is_none_or(|e| today <= e)
    }

    /// `reference (file:line)`, as the verdict shows it.
    pub fn citation(&self) -> String {
        format!("{} ({}:{})", self.reference, self.file, self.line)
    }
}

/// All evidence supplied for one verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The directory it was read from.
    pub origin: Option<String>,
    /// SHA-256 (hex) over the evidence files and the supporting documents' digests.
    pub digest: String,
    pub items: Vec<EvidenceItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    evidence: Vec<RawItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    requirement: Spanned<String>,
    status: Spanned<String>,
    reference: Spanned<String>,
    #[serde(default)]
    documents: Vec<Spanned<String>>,
    #[serde(default)]
    assessor: String,
    date: Spanned<toml::Value>,
    #[serde(default)]
    expires: Option<Spanned<toml::Value>>,
    #[serde(default)]
    note: String,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The active evidence for requirement `id` on `today`.
    pub fn for_requirement(&self, id: &str, today: time::Date) -> Option<&EvidenceItem> {
        self.items
            .iter()
            .find(|e| e.requirement == id && e.is_active(today))
    }

    /// Evidence entries past their expiry on `today`.
    pub fn expired(&self, today: time::Date) -> impl Iterator<Item = &EvidenceItem> {
        self.items.iter().filter(move |e| !e.is_active(today))
    }

    /// Read every `*.toml` file directly in `dir` (sorted by name).
    pub fn load_dir(dir: &Path, catalogue: &Catalogue) -> Result<Evidence, CertifyError> {
        let name = dir.display().to_string();
        let io = |file: &str, source| CertifyError::Io {
            file: file.to_string(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| io(&name, e))? {
            let entry = entry.map_err(|e| io(&name, e))?;
            let p = entry.path();
            if p.extension().is_some_and(|x| x == "toml") && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        if files.is_empty() {
            return Err(CertifyError::Invalid {
                file: name,
                message: "no evidence files (*.toml) in the directory".into(),
            });
        }
        if files.len() > MAX_FILES {
            return Err(CertifyError::Invalid {
                file: name,
                message: format!("more than {MAX_FILES} evidence files"),
            });
        }
        let mut h = Sha256::new();
        let mut all = Evidence {
            origin: Some(name),
            ..Evidence::default()
        };
        for p in files {
            let fname = p.display().to_string();
            let md = std::fs::metadata(&p).map_err(|e| io(&fname, e))?;
            if md.len() > MAX_FILE_BYTES {
                return Err(CertifyError::Invalid {
                    file: fname,
                    message: format!("{} bytes is too large for an evidence file", md.len()),
                });
            }
            let bytes = std::fs::read(&p).map_err(|e| io(&fname, e))?;
            let text = String::from_utf8(bytes).map_err(|e| CertifyError::Invalid {
                file: fname.clone(),
                message: format!("not UTF-8 text ({e})"),
            })?;
            let part = Evidence::parse(&text, &fname, catalogue, Some(dir))?;
            h.update(fname.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            for item in part.items {
                for d in &item.documents {
                    h.update(d.path.as_bytes());
                    h.update(d.sha256.as_bytes());
                }
                if let Some(prev) = all.items.iter().find(|e| e.requirement == item.requirement) {
                    return Err(CertifyError::Syntax {
                        file: fname,
                        line: item.line,
                        column: 1,
                        message: format!(
                            "evidence for {} is already given in {}:{}",
                            item.requirement, prev.file, prev.line
                        ),
                    });
                }
                all.items.push(item);
                if all.items.len() > MAX_ENTRIES {
                    return Err(CertifyError::Invalid {
                        file: fname,
                        message: format!("more than {MAX_ENTRIES} evidence entries"),
                    });
                }
            }
        }
        all.digest = hex::encode(h.finalize());
        Ok(all)
    }

    /// Parse and check one evidence file's `text` (named `file` in errors). Supporting
    /// documents are looked up and hashed under `dir`; with no `dir` they must be absent.
    pub fn parse(
        text: &str,
        file: &str,
        catalogue: &Catalogue,
        dir: Option<&Path>,
    ) -> Result<Evidence, CertifyError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(file, text, &e))?;
        let at = |span: std::ops::Range<usize>, message: String| {
            let (line, column) = line_col(text, span.start);
            CertifyError::Syntax {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let mut items = Vec::with_capacity(raw.evidence.len());
        for e in raw.evidence {
            let id = e.requirement.get_ref().trim();
            let Some(req) = catalogue.get(id) else {
                return Err(at(
                    e.requirement.span(),
                    format!("unknown requirement {id:?}"),
                ));
            };
            let status = match e.status.get_ref().trim() {
                "pass" => EvidenceStatus::Pass,
                "fail" => EvidenceStatus::Fail,
                "not-applicable" => EvidenceStatus::NotApplicable,
                other => {
                    return Err(at(
                        e.status.span(),
                        format!("unknown status {other:?} (pass, fail or not-applicable)"),
                    ))
                }
            };
            if req.method == Method::Image && status != EvidenceStatus::NotApplicable {
                return Err(at(
                    e.status.span(),
                    format!(
                        "{id} is decided by the scan (method image): only not-applicable evidence is accepted"
                    ),
                ));
            }
            if e.reference.get_ref().trim().is_empty() {
                return Err(at(e.reference.span(), "evidence reference is empty".into()));
            }
            let date = crate::policy::parse_date(e.date.get_ref()).map_err(|_| {
                at(
                    e.date.span(),
                    format!("date {} is not a date", e.date.get_ref()),
                )
            })?;
            let expires =
                match &e.expires {
                    Some(x) => Some(crate::policy::parse_date(x.get_ref()).map_err(|_| {
                        at(x.span(), format!("expires {} is not a date", x.get_ref()))
                    })?),
                    None => None,
                };
            let mut documents = Vec::new();
            for d in &e.documents {
                let rel = d.get_ref().trim();
                let p = Path::new(rel);
                let plain =
                    !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)));
                if !plain {
                    return Err(at(
                        d.span(),
                        format!("document {rel:?} must be a relative path inside the evidence directory"),
                    ));
                }
                let Some(dir) = dir else {
                    return Err(at(
                        d.span(),
                        format!("document {rel:?}: no evidence directory to find it in"),
                    ));
                };
                let sha256 = hash_file(&dir.join(p))
                    .map_err(|err| at(d.span(), format!("document {rel:?}: {err}")))?;
                documents.push(DocumentDigest {
                    path: rel.to_string(),
                    sha256,
                });
            }
            items.push(EvidenceItem {
                requirement: id.to_string(),
                status,
                reference: e.reference.get_ref().trim().to_string(),
                documents,
                assessor: e.assessor.trim().to_string(),
                date: Some(date),
                expires,
                note: e.note.trim().to_string(),
                file: file.to_string(),
                line: line_col(text, e.requirement.span().start).0,
            });
        }
        Ok(Evidence {
            origin: None,
            digest: hex::encode(Sha256::digest(text.as_bytes())),
            items,
        })
    }
}

/// SHA-256 (hex) of a regular file, streamed.
fn hash_file(p: &Path) -> std::io::Result<String> {
    let md = std::fs::metadata(p)?;
    if !md.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    std::io::copy(&mut f, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_rules::RuleSet;

    fn cat() -> Catalogue {
        Catalogue::from_rules(&RuleSet::embedded()).unwrap()
    }

    #[test]
    fn entries_parse_with_documents_hashed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("vdp.txt"),
            b"report bugs to security@example.invalid\n",
        )
        .unwrap();
        let text = "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"disclosure policy page\"\ndocuments = [\"vdp.txt\"]\ndate = 2026-11-30\nexpires = \"2027-11-30\"\n";
        std::fs::write(dir.path().join("psti.toml"), text).unwrap();
        let e = Evidence::load_dir(dir.path(), &cat()).unwrap();
        assert_eq!(e.items.len(), 1);
        let i = &e.items[0];
        assert_eq!(i.requirement, "PSTI-2");
        assert_eq!(i.status, EvidenceStatus::Pass);
        assert_eq!(i.line, 2);
        assert_eq!(i.documents[0].path, "vdp.txt");
        assert_eq!(
            i.documents[0].sha256,
            hex::encode(Sha256::digest(b"report bugs to security@example.invalid\n"))
        );
        assert_eq!(e.digest.len(), 64);
        let d = |s: &str| crate::policy::parse_date(&toml::Value::String(s.into())).unwrap();
        assert!(e.for_requirement("PSTI-2", d("2027-11-30")).is_some());
        assert!(e.for_requirement("PSTI-2", d("2027-12-01")).is_none());
        assert_eq!(e.expired(d("2027-12-01")).count(), 1);
    }

    #[test]
    fn bad_evidence_names_file_and_line() {
        let c = cat();
        let cases: &[(&str, &str)] = &[
            (
                "[[evidence]]\nrequirement = \"NOPE\"\nstatus = \"pass\"\nreference = \"r\"\ndate = 2026-01-01\n",
                "e.toml:2:15: unknown requirement \"NOPE\"",
            ),
            (
                "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"ok\"\nreference = \"r\"\ndate = 2026-01-01\n",
                "e.toml:3:10: unknown status \"ok\"",
            ),
            (
                "[[evidence]]\nrequirement = \"TS33117-4.3.2.6\"\nstatus = \"pass\"\nreference = \"r\"\ndate = 2026-01-01\n",
                "e.toml:3:10: TS33117-4.3.2.6 is decided by the scan",
            ),
            (
                "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \" \"\ndate = 2026-01-01\n",
                "e.toml:4:13: evidence reference is empty",
            ),
            (
                "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"r\"\ndate = \"soon\"\n",
                "e.toml:5:8: date \"soon\" is not a date",
            ),
            (
                "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"r\"\ndate = 2026-01-01\ndocuments = [\"../etc/passwd\"]\n",
                "e.toml:6:14: document \"../etc/passwd\" must be a relative path",
            ),
            (
                "[[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"r\"\n",
                "e.toml:1:1: missing field `date`",
            ),
        ];
        for (text, want) in cases {
            let e = Evidence::parse(text, "e.toml", &c, None)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with(want), "{text:?}: got {e:?}, want {want:?}");
        }
        // image requirements accept not-applicable
        let ok = "[[evidence]]\nrequirement = \"TS33117-4.3.2.6\"\nstatus = \"not-applicable\"\nreference = \"no SSH server\"\ndate = 2026-01-01\n";
        assert_eq!(
            Evidence::parse(ok, "e.toml", &c, None).unwrap().items.len(),
            1
        );
    }

    #[test]
    fn missing_document_and_duplicates_are_errors() {
        let c = cat();
        let dir = tempfile::tempdir().unwrap();
        let one = "[[evidence]]\nrequirement = \"PSTI-3\"\nstatus = \"pass\"\nreference = \"support period on the box\"\ndate = 2026-01-01\n";
        std::fs::write(dir.path().join("a.toml"), one).unwrap();
        std::fs::write(dir.path().join("b.toml"), one).unwrap();
        let e = Evidence::load_dir(dir.path(), &c).unwrap_err().to_string();
        assert!(
            e.contains("b.toml:2:1: evidence for PSTI-3 is already given in"),
            "{e}"
        );
        assert!(e.contains("a.toml:2"), "{e}");

        let missing = "[[evidence]]\nrequirement = \"PSTI-3\"\nstatus = \"pass\"\nreference = \"r\"\ndate = 2026-01-01\ndocuments = [\"gone.pdf\"]\n";
        let e = Evidence::parse(missing, "m.toml", &c, Some(dir.path()))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("m.toml:6:14: document \"gone.pdf\": "), "{e}");

        let empty = tempfile::tempdir().unwrap();
        let e = Evidence::load_dir(empty.path(), &c)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("no evidence files (*.toml) in the directory"),
            "{e}"
        );
        let e = Evidence::load_dir(Path::new("/nonexistent/ev"), &c)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/ev: "), "{e}");
    }
}
