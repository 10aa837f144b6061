//! Tree lookups of the boot chain: paths inside a root, links and link placeholders.

use super::*;

/// Follow a link entry to its content; also understands "link placeholder" files (a tiny
/// regular file whose whole content is a relative or absolute path to another entry of the
/// same root), which is what a symlink becomes in a checkout without symlink support.
pub fn resolve<'a>(tree: &'a Tree, entry: &'a Entry) -> Option<&'a Entry> {
    let mut cur = tree.resolve(entry)?;
    for _ in 0..8 {
        match placeholder_target(cur) {
            Some(target) => {
                let inner = path::resolve_link(cur.inner_path(), &target);
                let full = path::join(cur.root(), &inner);
                // not a placeholder after all (a one-word file such as etc/TZ)
                let Some(next) = tree.get(&full) else {
                    return Some(cur);
                };
                cur = tree.resolve(next)?;
            }
            None => return Some(cur),
        }
    }
    None
}

/// The link target written in a placeholder file, if `e` is one.
pub fn placeholder_target(e: &Entry) -> Option<String> {
    if e.kind != EntryKind::File || e.data.is_empty() || e.data.len() > 200 {
        return None;
    }
    let s = std::str::from_utf8(&e.data).ok()?;
    let s = s.strip_suffix('\n').unwrap_or(s);
    if s.is_empty()
        || s.contains(['\n', ' ', '\t', '\0', '='])
        || !(s.contains('/')
            || s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
        || s.starts_with('#')
    {
        return None;
    }
    Some(s.to_string())
}

/// Last path component of the program a link entry (or placeholder) points to, for BusyBox
/// applet links: `usr/sbin/telnetd -> ../../bin/busybox` gives `busybox`.
pub fn link_target_name(tree: &Tree, entry: &Entry) -> Option<String> {
    resolve(tree, entry).map(|e| e.file_name().to_string())
}

/// Look up an absolute or relative path of a program or script inside the root `root`.
pub fn lookup<'a>(tree: &'a Tree, root: &str, p: &str) -> Option<&'a Entry> {
    let n = path::normalize(p.trim_start_matches('/')).path;
    tree.get(&path::join(root, &n))
}
