//! Release diff: what changed between version N and N+1, in the report's own terms.

use netvet_model::{kinds, Finding, Report, Severity};
use netvet_unpack::{EntryKind, Tree};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

pub const SCHEMA: &str = "netvet.diff/1";
const LIST_CAP: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct VersionChange {
    pub name: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComponentRef {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ComponentChanges {
    pub added: Vec<ComponentRef>,
    pub removed: Vec<ComponentRef>,
    pub upgraded: Vec<VersionChange>,
    pub downgraded: Vec<VersionChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingRef {
    pub fingerprint: String,
    pub kind: String,
    pub severity: Severity,
    pub title: String,
    pub path: Option<String>,
    pub evidence: String,
}

impl From<&Finding> for FindingRef {
    fn from(f: &Finding) -> FindingRef {
        FindingRef {
            fingerprint: f.fingerprint.clone(),
            kind: f.kind.clone(),
            severity: f.severity,
            title: f.title.clone(),
            path: f.path.clone(),
            evidence: f.evidence.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileChanges {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
    pub added_paths: Vec<String>,
    pub removed_paths: Vec<String>,
    pub changed_paths: Vec<String>,
}

/// What changed in behaviour terms: what a reviewer of an update must see first.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BehaviourChanges {
    /// Listeners that run commands: `backdoor.bind-shell` and `backdoor.suspicious` findings
    /// (`kind path`).
    pub listeners: Changes<String>,
    /// `backdoor.connect-back` findings (`kind path`).
    pub connect_back: Changes<String>,
    /// Commands run at boot, from cron or hotplug (`file: line`), from the boot model.
    pub boot_entries: Changes<String>,
    /// `boot.suspicious` findings (`path: title`).
    pub boot_findings: Changes<String>,
    /// `image.integrity-mismatch` findings (`title`).
    pub integrity: Changes<String>,
    /// `indicator.network` findings (`path: title`, which names the addresses).
    pub indicators: Changes<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReleaseDiff {
    pub schema: String,
    pub netvet_version: String,
    pub old: Side,
    pub new: Side,
    /// New listeners, connect-back clients, boot entries, integrity changes and indicators;
    /// accounts and keys are in `accounts` and `keys`.
    pub behaviour: BehaviourChanges,
    pub components: ComponentChanges,
    /// `added` = new findings, `removed` = fixed findings (matched by fingerprint).
    pub findings: Changes<FindingRef>,
    /// `added` = introduced CVEs, `removed` = fixed CVEs (`CVE-id component`).
    pub cves: Changes<String>,
    pub services: Changes<String>,
    pub accounts: Changes<String>,
    pub keys: Changes<String>,
    pub files: FileChanges,
}

impl ReleaseDiff {
    /// Highest severity among new findings.
    pub fn max_new_severity(&self) -> Option<Severity> {
        self.findings.added.iter().map(|f| f.severity).max()
    }
}

/// Order of embedded version strings: netvet's one version order (numeric runs as numbers,
/// letter releases after their base, pre-releases before it), so `1.0.2k` < `1.0.2m` <
/// `1.1.0`, `2022.83` > `2020.81`, `9.2p1` < `9.3`.
pub use netvet_model::version::compare as version_cmp;

fn changes<T: Ord + Clone>(old: &BTreeSet<T>, new: &BTreeSet<T>) -> Changes<T> {
    Changes {
        added: new.difference(old).cloned().collect(),
        removed: old.difference(new).cloned().collect(),
    }
}

/// Login accounts (`name (uid N, shell)`) from every passwd in the tree.
fn accounts(tree: &Tree) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in tree.files().filter(|e| e.inner_path() == "etc/passwd") {
        for line in String::from_utf8_lossy(&e.data).lines().take(100_000) {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 7 && !f[0].is_empty() {
                out.insert(format!("{} (uid {}, {})", f[0], f[2], f[6]));
            }
        }
    }
    out
}

/// Keys and certificates shipped in the tree, as `LABEL sha256:FINGERPRINT (path)`, from PEM
/// blocks (the fingerprint is the first 8 bytes of the SHA-256 of the DER body), so
/// a certificate that is valid (and so no finding) still shows when added or removed.
fn pem_objects(tree: &Tree) -> BTreeSet<String> {
    use sha2::{Digest, Sha256};
    let mut out = BTreeSet::new();
    for e in tree.files().filter(|e| e.data.len() <= 8 << 20) {
        for (_, b) in netvet_analyze::keys::pem_blocks(&e.data) {
            let label = b.tag();
            if label.ends_with("CERTIFICATE") || label.ends_with("PRIVATE KEY") {
                let fp = hex::encode(&Sha256::digest(b.contents())[..8]);
                let path = crate::equiv::logical_path(&e.path);
                out.insert(format!("{label} sha256:{fp} ({path})"));
            }
        }
    }
    out
}

/// Boot, scheduled and hotplug command lines (`file: line`, logical paths, no line numbers so
/// that moved lines do not count as changes).
fn boot_entries(tree: &Tree) -> BTreeSet<String> {
    netvet_analyze::boot::BootModel::build(tree)
        .lines()
        .into_iter()
        .map(|l| format!("{}: {}", crate::equiv::logical_path(&l.file), l.line))
        .collect()
}

fn behaviour(old: &Report, old_tree: &Tree, new: &Report, new_tree: &Tree) -> BehaviourChanges {
    let of = |r: &Report, kinds: &[&str], with_title: bool| -> BTreeSet<String> {
        r.findings
            .iter()
            .filter(|f| kinds.contains(&f.kind.as_str()))
            .map(|f| {
                let p = f
                    .path
                    .as_deref()
                    .map(crate::equiv::logical_path)
                    .unwrap_or_default();
                if with_title {
                    format!("{p}: {}", f.title)
                } else {
                    format!("{} {p}", f.kind)
                }
            })
            .collect()
    };
    let both = |kinds: &[&str], with_title: bool| {
        changes(&of(old, kinds, with_title), &of(new, kinds, with_title))
    };
    BehaviourChanges {
        listeners: both(
            &[kinds::BACKDOOR_BIND_SHELL, kinds::BACKDOOR_SUSPICIOUS],
            false,
        ),
        connect_back: both(&[kinds::BACKDOOR_CONNECT_BACK], false),
        boot_entries: changes(&boot_entries(old_tree), &boot_entries(new_tree)),
        boot_findings: both(&[kinds::BOOT_SUSPICIOUS], true),
        integrity: {
            let t = |r: &Report| -> BTreeSet<String> {
                r.findings
                    .iter()
                    .filter(|f| f.kind == "image.integrity-mismatch")
                    .map(|f| f.title.clone())
                    .collect()
            };
            changes(&t(old), &t(new))
        },
        indicators: both(&[kinds::INDICATOR_NETWORK], true),
    }
}

fn file_map(tree: &Tree) -> BTreeMap<String, (EntryKind, [u8; 32], u32)> {
    use sha2::{Digest, Sha256};
    tree.entries
        .iter()
        .filter(|e| e.kind != EntryKind::Dir)
        .map(|e| {
            let h: [u8; 32] = Sha256::digest(&e.data).into();
            (
                crate::equiv::logical_path(&e.path),
                (e.kind, h, e.meta.mode),
            )
        })
        .collect()
}

/// Compare two releases from their reports and trees.
pub fn diff(old: &Report, old_tree: &Tree, new: &Report, new_tree: &Tree) -> ReleaseDiff {
    // components
    let by_name = |r: &Report| -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for c in &r.components {
            m.entry(c.name.clone())
                .or_default()
                .insert(c.version.clone());
        }
        m
    };
    let (co, cn) = (by_name(old), by_name(new));
    let mut comp = ComponentChanges::default();
    for (name, vs) in &cn {
        match co.get(name) {
            None => comp.added.extend(vs.iter().map(|v| ComponentRef {
                name: name.clone(),
                version: v.clone(),
            })),
            Some(ovs) if ovs != vs => {
                let from = ovs
                    .iter()
                    .max_by(|a, b| version_cmp(a, b))
                    .cloned()
                    .unwrap_or_default();
                let to = vs
                    .iter()
                    .max_by(|a, b| version_cmp(a, b))
                    .cloned()
                    .unwrap_or_default();
                let ch = VersionChange {
                    name: name.clone(),
                    from: from.clone(),
                    to: to.clone(),
                };
                match version_cmp(&to, &from) {
                    Ordering::Greater => comp.upgraded.push(ch),
                    Ordering::Less => comp.downgraded.push(ch),
                    Ordering::Equal => {}
                }
            }
            _ => {}
        }
    }
    for (name, vs) in &co {
        if !cn.contains_key(name) {
            comp.removed.extend(vs.iter().map(|v| ComponentRef {
                name: name.clone(),
                version: v.clone(),
            }));
        }
    }
    // findings by fingerprint
    let fo: BTreeMap<&str, &Finding> = old
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let fnew: BTreeMap<&str, &Finding> = new
        .findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect();
    let findings = Changes {
        added: fnew
            .iter()
            .filter(|(k, _)| !fo.contains_key(*k))
            .map(|(_, f)| FindingRef::from(*f))
            .collect(),
        removed: fo
            .iter()
            .filter(|(k, _)| !fnew.contains_key(*k))
            .map(|(_, f)| FindingRef::from(*f))
            .collect(),
    };
    let set = |r: &Report, pred: &dyn Fn(&Finding) -> Option<String>| -> BTreeSet<String> {
        r.findings.iter().filter_map(pred).collect()
    };
    let cve = |f: &Finding| {
        f.cve.as_ref().map(|c| {
            format!("{} {}", c, f.component.clone().unwrap_or_default())
                .trim()
                .to_string()
        })
    };
    let service = |f: &Finding| {
        f.kind
            .starts_with("service.")
            .then(|| format!("{}: {}", f.kind, f.title))
    };
    let key = |f: &Finding| {
        f.kind
            .starts_with("key.")
            .then(|| format!("{}: {}", f.kind, f.evidence))
    };
    // files
    let (mo, mn) = (file_map(old_tree), file_map(new_tree));
    let mut files = FileChanges::default();
    for (p, v) in &mn {
        match mo.get(p) {
            None => {
                files.added += 1;
                if files.added_paths.len() < LIST_CAP {
                    files.added_paths.push(p.clone());
                }
            }
            Some(o) if o != v => {
                files.changed += 1;
                if files.changed_paths.len() < LIST_CAP {
                    files.changed_paths.push(p.clone());
                }
            }
            _ => {}
        }
    }
    for p in mo.keys() {
        if !mn.contains_key(p) {
            files.removed += 1;
            if files.removed_paths.len() < LIST_CAP {
                files.removed_paths.push(p.clone());
            }
        }
    }
    ReleaseDiff {
        schema: SCHEMA.into(),
        netvet_version: env!("CARGO_PKG_VERSION").into(),
        old: Side {
            path: old.image.path.clone(),
            sha256: old.image.sha256.clone(),
        },
        new: Side {
            path: new.image.path.clone(),
            sha256: new.image.sha256.clone(),
        },
        behaviour: behaviour(old, old_tree, new, new_tree),
        components: comp,
        findings,
        cves: changes(&set(old, &cve), &set(new, &cve)),
        services: changes(&set(old, &service), &set(new, &service)),
        accounts: changes(&accounts(old_tree), &accounts(new_tree)),
        keys: {
            let mut ko = set(old, &key);
            ko.extend(pem_objects(old_tree));
            let mut kn = set(new, &key);
            kn.extend(pem_objects(new_tree));
            changes(&ko, &kn)
        },
        files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_versions_order() {
        assert_eq!(version_cmp("1.0.2k", "1.0.2m"), Ordering::Less);
        assert_eq!(version_cmp("1.0.2m", "1.1.0"), Ordering::Less);
        assert_eq!(version_cmp("2022.83", "2020.81"), Ordering::Greater);
        assert_eq!(version_cmp("9.2p1", "9.3"), Ordering::Less);
        assert_eq!(version_cmp("1.4.69", "1.4.7"), Ordering::Greater);
        assert_eq!(version_cmp("2.10-12", "2.10-9"), Ordering::Greater);
        assert_eq!(version_cmp("1.22.1", "1.22.1"), Ordering::Equal);
        // the vulnerability database's order: a release candidate precedes its release
        assert_eq!(version_cmp("5.6.0rc1", "5.6.0"), Ordering::Less);
    }
}
