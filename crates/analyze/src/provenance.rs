//! Provenance: which package owns each file, from the package managers' file lists.
//!
//! - opkg / ipkg (OpenWrt, vendor SDKs): `usr/lib/opkg/info/<pkg>.list`,
//!   `lib/opkg/info/<pkg>.list`, `var/lib/opkg/info/<pkg>.list`, `usr/lib/ipkg/info/<pkg>.list`;
//!   one absolute path per line, newer opkg versions append a tab and the file mode;
//! - dpkg: `var/lib/dpkg/info/<pkg>.list` (and `<pkg>:<arch>.list`), one path per line,
//!   directories included.
//!
//! An executable that no list names was added outside the package system (by the vendor's
//! build scripts, or after the build). On its own that proves little (many vendors copy their
//! daemons in by hand), so it only becomes evidence when the image has package lists at all,
//! and it is weighted by what the program can do on the network (see
//! [`crate::behaviour::Behaviour`]).

use netvet_unpack::{path, Tree};
use std::collections::{BTreeMap, BTreeSet};

/// Directories holding per-package file lists.
const LIST_DIRS: &[(&str, &str)] = &[
    ("usr/lib/opkg/info", "opkg"),
    ("lib/opkg/info", "opkg"),
    ("var/lib/opkg/info", "opkg"),
    ("usr/lib/ipkg/info", "ipkg"),
    ("var/lib/dpkg/info", "dpkg"),
];
/// Lists larger than this are not read.
const MAX_LIST: usize = 8 << 20;

/// Package ownership of one file-system root.
#[derive(Debug, Default)]
pub struct Ownership {
    /// Package manager(s) whose lists were read (`opkg`, `dpkg`).
    pub managers: BTreeSet<&'static str>,
    /// Number of package lists read.
    pub lists: usize,
    /// Inner path (no leading `/`) -> owning package.
    pub owner: BTreeMap<String, String>,
}

impl Ownership {
    /// Whether the root has package lists at all (otherwise ownership says nothing).
    pub fn known(&self) -> bool {
        self.lists > 0
    }
    /// The package owning `inner` (a path inside the root), if any.
    pub fn owner_of(&self, inner: &str) -> Option<&str> {
        self.owner.get(inner).map(String::as_str)
    }
}

/// Ownership per file-system root (`""` for a directory input), read from every package list.
pub fn ownership(tree: &Tree) -> BTreeMap<String, Ownership> {
    let mut out: BTreeMap<String, Ownership> = BTreeMap::new();
    for e in tree.files() {
        let inner = e.inner_path();
        let Some(name) = inner.strip_suffix(".list") else {
            continue;
        };
        let dir = path::parent(inner);
        let Some((_, manager)) = LIST_DIRS.iter().find(|(d, _)| *d == dir) else {
            continue;
        };
        if e.data.len() > MAX_LIST {
            continue;
        }
        let Ok(text) = std::str::from_utf8(&e.data) else {
            continue;
        };
        let pkg = path::file_name(name);
        let pkg = pkg.split(':').next().unwrap_or(pkg).to_string();
        let o = out.entry(e.root().to_string()).or_default();
        o.managers.insert(manager);
        o.lists += 1;
        for line in text.lines() {
            let p = line.split('\t').next().unwrap_or("").trim();
            let p = path::normalize(p.trim_start_matches('/')).path;
            if !p.is_empty() {
                o.owner.entry(p).or_insert_with(|| pkg.clone());
            }
        }
    }
    out
}

/// Whether `inner` (a path inside `root`) is owned, following the way packages install
/// files: the path itself, or the same file name in the merged `/usr` counterpart
/// (`bin/x` listed as `usr/bin/x`).
pub fn owned(o: &Ownership, inner: &str) -> Option<String> {
    if let Some(p) = o.owner_of(inner) {
        return Some(p.to_string());
    }
    let alt = if let Some(r) = inner.strip_prefix("usr/") {
        r.to_string()
    } else {
        format!("usr/{inner}")
    };
    o.owner_of(&alt).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_unpack::{Entry, EntryKind, Meta};

    fn file(p: &str, d: &[u8]) -> Entry {
        Entry {
            path: p.into(),
            kind: EntryKind::File,
            meta: Meta::mode(0o644),
            size: d.len() as u64,
            data: bytes::Bytes::copy_from_slice(d),
            link_target: None,
            layer: None,
            root_len: 0,
        }
    }

    #[test]
    fn reads_opkg_and_dpkg_lists() {
        let t = Tree::from_parts(
            vec![
                file(
                    "usr/lib/opkg/info/dropbear.list",
                    b"/usr/sbin/dropbear\t0755\n/etc/init.d/dropbear\n",
                ),
                file(
                    "var/lib/dpkg/info/coreutils:mipsel.list",
                    b"/.\n/bin\n/bin/ls\n",
                ),
            ],
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let o = ownership(&t);
        let o = &o[""];
        assert_eq!(o.lists, 2);
        assert_eq!(o.owner_of("usr/sbin/dropbear"), Some("dropbear"));
        assert_eq!(o.owner_of("bin/ls"), Some("coreutils"));
        assert_eq!(owned(o, "usr/bin/ls").as_deref(), Some("coreutils"));
        assert_eq!(owned(o, "usr/bin/implant"), None);
        assert!(o.managers.contains("opkg") && o.managers.contains("dpkg"));
    }
}
