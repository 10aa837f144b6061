//! Provenance: which package owns each file, from the package managers' file lists.
//!
//! - opkg / ipkg (OpenWrt, vendor SDKs): `usr/lib/opkg/info/<pkg>.list`,
//!   `lib/opkg/info/<pkg>.list`, `var/lib/opkg/info/<pkg>.list`, `usr/lib/ipkg/info/<pkg>.list`;
//!   one absolute path per line, newer opkg versions append a tab and the file mode;
//! - dpkg: `var/lib/dpkg/info/<pkg>.list` (and `<pkg>:<arch>.list`), one path per line,
//!   directories included;
//! - apk (Alpine, OpenWrt from 25.x): the installed database `lib/apk/db/installed`, one
//!   block per package separated by blank lines, `P:` the package name, `F:` a directory and
//!   the `R:` lines after it the files in that directory (apk-tools `doc/apk-package.5` and
//!   `src/database.c`, `apk_db_index_read`). The database counts as one list per package.
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
/// apk's installed database (one file for every package).
const APK_DB: &str = "lib/apk/db/installed";
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
        if inner == APK_DB && e.data.len() <= MAX_LIST {
            if let Ok(text) = std::str::from_utf8(&e.data) {
                read_apk_db(text, out.entry(e.root().to_string()).or_default());
            }
            continue;
        }
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

/// The packages and files of apk's installed database into `o` (format in the module
/// documentation). A block without `P:` owns nothing; `R:` before any `F:` is a file at the
/// root, as apk writes it.
fn read_apk_db(text: &str, o: &mut Ownership) {
    let mut pkg: Option<&str> = None;
    let mut dir = "";
    let mut packages = 0usize;
    for line in text.lines() {
        if line.trim().is_empty() {
            pkg = None;
            dir = "";
            continue;
        }
        let Some((tag, value)) = line.split_once(':') else {
            continue;
        };
        match tag {
            "P" => {
                pkg = Some(value.trim());
                packages += 1;
            }
            "F" => dir = value.trim().trim_matches('/'),
            "R" => {
                let Some(p) = pkg else { continue };
                let name = value.trim();
                let full = if dir.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir}/{name}")
                };
                let full = path::normalize(&full).path;
                if !full.is_empty() {
                    o.owner.entry(full).or_insert_with(|| p.to_string());
                }
            }
            _ => {}
        }
    }
    if packages > 0 {
        o.managers.insert("apk");
        o.lists += packages;
    }
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

    #[test]
    fn reads_the_apk_installed_database() {
        let db = b"C:Q1abc=\nP:dropbear\nV:2024.86-r1\nA:mipsel_24kc\nF:usr/sbin\nR:dropbear\n\
                   a:0:0:755\nF:etc/init.d\nR:dropbear\n\nP:busybox\nV:1.36.1-r2\nF:bin\n\
                   R:busybox\nR:sh\n\nV:9\nF:usr/bin\nR:orphan\n";
        let t = Tree::from_parts(
            vec![file("lib/apk/db/installed", db)],
            Vec::new(),
            Vec::new(),
            Vec::new(),
        );
        let o = ownership(&t);
        let o = &o[""];
        assert_eq!(o.lists, 2);
        assert!(o.managers.contains("apk"));
        assert_eq!(o.owner_of("usr/sbin/dropbear"), Some("dropbear"));
        assert_eq!(o.owner_of("etc/init.d/dropbear"), Some("dropbear"));
        assert_eq!(o.owner_of("bin/sh"), Some("busybox"));
        // a block without P: owns nothing
        assert_eq!(o.owner_of("usr/bin/orphan"), None);
        assert_eq!(owned(o, "usr/bin/busybox").as_deref(), Some("busybox"));
    }
}
