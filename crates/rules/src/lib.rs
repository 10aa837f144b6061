//! The netvet rule set: YARA rules, credential dictionaries, component signatures, end-of-life
//! data, the requirement catalogue and the default policy. They are data, kept in `rules/` at
//! the repository root, embedded into the binary at build time, and extended or overridden
//! file by file with `--rules DIR` (a file at the same relative path replaces the embedded one;
//! other files are added).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("rules directory {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("rules directory {0}: not a directory")]
    NotADir(String),
}

/// Where a rule file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    /// Loaded from `--rules DIR` (the path of the file).
    User(String),
}

/// A set of rule files keyed by their path relative to the rules root (`credentials/x.tsv`).
#[derive(Debug, Clone)]
pub struct RuleSet {
    files: BTreeMap<String, (Cow<'static, [u8]>, Origin)>,
}

impl Default for RuleSet {
    fn default() -> Self {
        RuleSet::embedded()
    }
}

impl RuleSet {
    /// The rules compiled into this binary.
    pub fn embedded() -> RuleSet {
        let files = embedded::FILES
            .iter()
            .map(|(p, b)| (p.to_string(), (Cow::Borrowed(*b), Origin::Embedded)))
            .collect();
        RuleSet { files }
    }

    /// An empty set (tests).
    pub fn empty() -> RuleSet {
        RuleSet {
            files: BTreeMap::new(),
        }
    }

    /// Add or override files from `dir` (recursively; symlinks are not followed).
    pub fn with_dir(mut self, dir: &Path) -> Result<RuleSet, RulesError> {
        if !dir.is_dir() {
            return Err(RulesError::NotADir(dir.display().to_string()));
        }
        let mut stack = vec![dir.to_path_buf()];
        let mut depth_guard = 0;
        while let Some(d) = stack.pop() {
            depth_guard += 1;
            if depth_guard > 100_000 {
                break;
            }
            let rd = std::fs::read_dir(&d).map_err(|source| RulesError::Io {
                path: d.display().to_string(),
                source,
            })?;
            for e in rd.filter_map(|e| e.ok()) {
                let p = e.path();
                let Ok(md) = std::fs::symlink_metadata(&p) else {
                    continue;
                };
                if md.is_dir() {
                    stack.push(p);
                } else if md.is_file() {
                    let bytes = std::fs::read(&p).map_err(|source| RulesError::Io {
                        path: p.display().to_string(),
                        source,
                    })?;
                    let rel = p
                        .strip_prefix(dir)
                        .map(|r| r.to_string_lossy().replace('\\', "/"))
                        .unwrap_or_default();
                    self.files.insert(
                        rel,
                        (Cow::Owned(bytes), Origin::User(p.display().to_string())),
                    );
                }
            }
        }
        Ok(self)
    }

    /// Insert a file (tests and programmatic use).
    pub fn insert(&mut self, rel: &str, content: impl Into<Vec<u8>>) {
        self.files.insert(
            rel.to_string(),
            (Cow::Owned(content.into()), Origin::User(rel.to_string())),
        );
    }

    pub fn get(&self, rel: &str) -> Option<&[u8]> {
        self.files.get(rel).map(|(b, _)| b.as_ref())
    }

    /// A file as UTF-8 text (invalid sequences replaced).
    pub fn text(&self, rel: &str) -> Option<Cow<'_, str>> {
        self.get(rel).map(String::from_utf8_lossy)
    }

    pub fn origin(&self, rel: &str) -> Option<&Origin> {
        self.files.get(rel).map(|(_, o)| o)
    }

    /// Every file whose relative path starts with `prefix`, sorted by path.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        self.files
            .range(prefix.to_string()..)
            .take_while(move |(k, _)| k.starts_with(prefix))
            .map(|(k, (b, _))| (k.as_str(), b.as_ref()))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dir_overrides_and_extends() {
        let dir = std::env::temp_dir().join(format!("netvet-rules-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("backdoors")).unwrap();
        std::fs::write(dir.join("backdoors/mine.yar"), "rule x { condition: true }").unwrap();
        let rs = RuleSet::empty().with_dir(&dir).unwrap();
        assert_eq!(rs.under("backdoors/").count(), 1);
        assert_eq!(
            rs.text("backdoors/mine.yar").unwrap(),
            "rule x { condition: true }"
        );
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(RuleSet::empty().with_dir(&dir).is_err());
    }
}
