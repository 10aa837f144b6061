//! Component signatures (`rules/components/*.toml`), compiled once per scan.

use netvet_unpack::literals::Literals;
use regex::bytes::Regex as BytesRegex;
use regex::Regex;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct File {
    #[serde(default)]
    component: Vec<RawSig>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSig {
    name: String,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    part: Option<String>,
    #[serde(default)]
    packages: Vec<String>,
    #[serde(default)]
    strings: Vec<String>,
    #[serde(default)]
    filenames: Vec<String>,
    #[serde(default)]
    sonames: Vec<String>,
    #[serde(default)]
    soname_versions: Vec<RawSonameVersion>,
    #[serde(default)]
    layers: Vec<String>,
    #[serde(default)]
    copies: Option<u32>,
    #[serde(default)]
    bare_version: Option<String>,
    #[serde(default)]
    packages_if: Vec<RawPackageIf>,
}

/// `{ package = 'NAME', file = 'REGEX' }`: package NAME is this component when the same root
/// file system holds a file (or link) whose path matches REGEX.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackageIf {
    package: String,
    file: String,
}

/// A package whose name alone does not say which component it is (OpenWrt's `libc` is the
/// build's C library, whichever it is): it is this component when the same root file system
/// holds a file whose path (relative to that root) matches `file`.
#[derive(Debug)]
pub struct PackageIf {
    pub package: String,
    pub file: Regex,
}

/// `{ soname = 'REGEX', version = 'SERIES' }`; without `version`, group 1 of the regex.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSonameVersion {
    soname: String,
    #[serde(default)]
    version: Option<String>,
}

/// A SONAME that stands for a release series.
#[derive(Debug)]
pub struct SonameVersion {
    pub soname: Regex,
    /// The series; `None`: group 1 of `soname`.
    pub version: Option<String>,
}

impl SonameVersion {
    /// The release series `soname` stands for, if it matches.
    pub fn series(&self, soname: &str) -> Option<String> {
        let c = self.soname.captures(soname)?;
        match &self.version {
            Some(v) => Some(v.clone()),
            None => c.get(1).map(|m| m.as_str().to_string()),
        }
    }
}

/// One compiled component signature.
#[derive(Debug)]
pub struct Signature {
    pub name: String,
    /// `(vendor, product)` of the CPE.
    pub cpe: Option<(String, String)>,
    pub part: String,
    pub packages: Vec<String>,
    pub filenames: Vec<Regex>,
    pub sonames: Vec<String>,
    /// Regexes over a SONAME (or a shared object's file name) whose group 1 is the release
    /// series the ABI version stands for (`libssl.so.3` -> `3`, `libnetsnmp.so.30` -> `5.7`).
    pub soname_versions: Vec<SonameVersion>,
    pub layers: Vec<Regex>,
    /// 0 = unlimited.
    pub copies: u32,
    /// The version as a string of its own (NUL-delimited, no fixed text beside it), looked
    /// for only in a file where one of the string patterns matched without a version; taken
    /// when exactly one distinct string of the file matches (group 1 is the version).
    pub bare_version: Option<BytesRegex>,
    pub packages_if: Vec<PackageIf>,
}

impl Signature {
    /// Does opkg/dpkg package `pkg` belong to this component?
    pub fn has_package(&self, pkg: &str) -> bool {
        self.packages.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => pkg.starts_with(prefix),
            None => p == pkg,
        })
    }
}

/// A version-string pattern: anchor literal for the fast scan, regex for the version.
#[derive(Debug)]
pub struct StringPattern {
    pub sig: usize,
    pub regex: BytesRegex,
}

/// Every signature plus the multi-pattern automaton over the string anchors.
#[derive(Debug)]
pub struct Signatures {
    pub sigs: Vec<Signature>,
    pub patterns: Vec<StringPattern>,
    /// Anchor `i` belongs to `patterns[i]`.
    /// Every occurrence of every anchor in one pass ([`netvet_unpack::literals`]).
    pub anchors: Literals,
}

#[derive(Debug, thiserror::Error)]
#[error("component signatures {file}: {message}")]
pub struct SigError {
    pub file: String,
    pub message: String,
}

/// The literal prefix of a regex (escaped punctuation unescaped), stopping at the first
/// metacharacter.
pub fn literal_prefix(re: &str) -> String {
    let mut out = String::new();
    let mut chars = re.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&n) if n.is_ascii_punctuation() => {
                    out.push(n);
                    chars.next();
                }
                _ => break,
            },
            '(' | ')' | '[' | ']' | '{' | '}' | '.' | '*' | '+' | '?' | '|' | '^' | '$' => {
                // a quantifier applies to the previous literal character: drop it
                if matches!(c, '*' | '+' | '?' | '{') {
                    out.pop();
                }
                break;
            }
            c => out.push(c),
        }
    }
    out
}

impl Signatures {
    /// Compile all `components/*.toml` files of the rule set.
    pub fn from_rules(rules: &netvet_rules::RuleSet) -> Result<Signatures, SigError> {
        let mut files: Vec<(String, String)> = Vec::new();
        for (path, bytes) in rules.under("components/") {
            if path.ends_with(".toml") {
                files.push((
                    path.to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                ));
            }
        }
        Self::from_texts(&files)
    }

    /// Compile from `(file name, TOML text)` pairs.
    pub fn from_texts(files: &[(String, String)]) -> Result<Signatures, SigError> {
        let mut sigs = Vec::new();
        let mut patterns = Vec::new();
        let mut anchors = Vec::new();
        for (file, text) in files {
            let err = |message: String| SigError {
                file: file.clone(),
                message,
            };
            let parsed: File = toml::from_str(text).map_err(|e| err(e.to_string()))?;
            for raw in parsed.component {
                let name = raw.name.trim().to_ascii_lowercase();
                if name.is_empty() {
                    return Err(err("a component without a name".into()));
                }
                let cpe = match raw.cpe {
                    Some(c) => {
                        let (v, p) = c.split_once(':').ok_or_else(|| {
                            err(format!("{name}: cpe '{c}' is not vendor:product"))
                        })?;
                        Some((v.to_string(), p.to_string()))
                    }
                    None => None,
                };
                let idx = sigs.len();
                for s in &raw.strings {
                    let lit = literal_prefix(s);
                    if lit.len() < 4 {
                        return Err(err(format!(
                            "{name}: string pattern '{s}' must start with a literal of at least 4 bytes"
                        )));
                    }
                    if lit.len() > 1024 {
                        // the scan's windows overlap by more than this (lib.rs, WINDOW_TAIL)
                        return Err(err(format!(
                            "{name}: string pattern '{s}' starts with a literal longer than 1024 bytes"
                        )));
                    }
                    let regex = BytesRegex::new(&format!("^(?-u:{s})"))
                        .map_err(|e| err(format!("{name}: {e}")))?;
                    anchors.push(lit);
                    patterns.push(StringPattern { sig: idx, regex });
                }
                let compile = |list: &[String]| -> Result<Vec<Regex>, SigError> {
                    list.iter()
                        .map(|r| Regex::new(r).map_err(|e| err(format!("{name}: {e}"))))
                        .collect()
                };
                let bare_version = raw
                    .bare_version
                    .as_deref()
                    .map(|r| {
                        let re = BytesRegex::new(&format!("^(?-u:{r})$"))
                            .map_err(|e| err(format!("{name}: {e}")))?;
                        if re.captures_len() < 2 {
                            return Err(err(format!(
                                "{name}: bare_version '{r}' has no group for the version"
                            )));
                        }
                        Ok(re)
                    })
                    .transpose()?;
                let packages_if = raw
                    .packages_if
                    .iter()
                    .map(|p| {
                        Ok(PackageIf {
                            package: p.package.clone(),
                            file: Regex::new(&p.file).map_err(|e| err(format!("{name}: {e}")))?,
                        })
                    })
                    .collect::<Result<_, SigError>>()?;
                sigs.push(Signature {
                    filenames: compile(&raw.filenames)?,
                    soname_versions: raw
                        .soname_versions
                        .iter()
                        .map(|sv| {
                            let soname = Regex::new(&sv.soname)
                                .map_err(|e| err(format!("{name}: {e}")))?;
                            if sv.version.is_none() && soname.captures_len() < 2 {
                                return Err(err(format!(
                                    "{name}: soname_versions '{}' has neither a version nor a group",
                                    sv.soname
                                )));
                            }
                            Ok(SonameVersion {
                                soname,
                                version: sv.version.clone(),
                            })
                        })
                        .collect::<Result<_, SigError>>()?,
                    layers: compile(&raw.layers)?,
                    name,
                    cpe,
                    part: raw.part.unwrap_or_else(|| "a".into()),
                    packages: raw.packages,
                    sonames: raw.sonames,
                    copies: raw.copies.unwrap_or(1),
                    bare_version,
                    packages_if,
                });
            }
        }
        let anchors = Literals::new(&anchors).map_err(|message| SigError {
            file: "components/".into(),
            message,
        })?;
        Ok(Signatures {
            sigs,
            patterns,
            anchors,
        })
    }

    pub fn by_package(&self, pkg: &str) -> Option<usize> {
        self.sigs.iter().position(|s| s.has_package(pkg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_prefixes() {
        assert_eq!(literal_prefix(r"BusyBox v(\d+)"), "BusyBox v");
        assert_eq!(literal_prefix(r"xz \(XZ Utils\) (\d)"), "xz (XZ Utils) ");
        assert_eq!(literal_prefix(r"\$Lua: Lua (\d)"), "$Lua: Lua ");
        assert_eq!(literal_prefix(r"abcd+"), "abc");
        assert_eq!(literal_prefix(r"/usr/lib/pppd/(\d)"), "/usr/lib/pppd/");
    }

    #[test]
    fn embedded_signatures_compile() {
        let s = Signatures::from_rules(&netvet_rules::RuleSet::embedded()).unwrap();
        assert!(s.sigs.len() >= 60, "{} signatures", s.sigs.len());
        let bb = s.by_package("busybox").unwrap();
        assert_eq!(s.sigs[bb].name, "busybox");
        assert_eq!(
            s.sigs[s.by_package("lighttpd-mod-cgi").unwrap()].name,
            "lighttpd"
        );
        assert!(s.by_package("kmod-usb-core").is_none());
    }

    #[test]
    fn bad_signatures_are_errors() {
        let bad = |t: &str| Signatures::from_texts(&[("x.toml".into(), t.into())]).unwrap_err();
        assert!(bad("[[component]]\nname = \"x\"\nstrings = ['(\\d+)']")
            .message
            .contains("literal"));
        assert!(bad("[[component]]\nname = \"x\"\ncpe = \"nocolon\"")
            .message
            .contains("vendor:product"));
        assert!(bad("[[component]]\nname = \"x\"\nbogus = 1")
            .message
            .contains("bogus"));
    }
}
