//! Path normalization: every entry name from an image is untrusted.

/// Result of normalizing an archive member name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedPath {
    /// Relative path with `/` separators, no `.`/`..`/empty components; empty for the root.
    pub path: String,
    /// The raw name tried to leave the root (`..` above the root) or was absolute.
    pub escaped: bool,
}

/// Normalize an untrusted member name to a path inside the root.
///
/// Backslashes count as separators (archives made on Windows), leading `/` are dropped,
/// `.` and empty components are removed, `..` removes the previous component and never goes
/// above the root. NUL and other control characters are replaced by `_`.
pub fn normalize(raw: &str) -> NormalizedPath {
    let mut parts: Vec<&str> = Vec::new();
    let mut escaped = raw.starts_with('/') || raw.starts_with('\\');
    for comp in raw.split(['/', '\\']) {
        match comp {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escaped = true;
                }
            }
            c => parts.push(c),
        }
    }
    let mut path = parts.join("/");
    if path.chars().any(|c| c.is_control()) {
        path = path
            .chars()
            .map(|c| if c.is_control() { '_' } else { c })
            .collect();
    }
    NormalizedPath { path, escaped }
}

/// Join a directory and a relative path (both already normalized).
pub fn join(dir: &str, rel: &str) -> String {
    match (dir.is_empty(), rel.is_empty()) {
        (true, _) => rel.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{rel}"),
    }
}

/// Parent directory of a normalized path (`""` for a top-level name).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// Last component of a normalized path.
pub fn file_name(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

/// Resolve a symlink `target` found at `link_path` (both relative to the same layer root)
/// into a normalized path inside that root. Absolute targets are taken relative to the root.
pub fn resolve_link(link_path: &str, target: &str) -> String {
    if target.starts_with('/') {
        normalize(target).path
    } else {
        normalize(&join(parent(link_path), target)).path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_contained() {
        assert_eq!(
            normalize("../../etc/passwd"),
            NormalizedPath {
                path: "etc/passwd".into(),
                escaped: true
            }
        );
        assert_eq!(normalize("/etc/./shadow").path, "etc/shadow");
        assert!(normalize("/etc/shadow").escaped);
        assert_eq!(normalize("a/b/../c").path, "a/c");
        assert!(!normalize("a/b/../c").escaped);
        assert_eq!(normalize("a\\..\\..\\win").path, "win");
        assert_eq!(normalize("a\0b").path, "a_b");
        assert_eq!(normalize("..").path, "");
    }

    #[test]
    fn links_resolve_inside_root() {
        assert_eq!(resolve_link("bin/sh", "busybox"), "bin/busybox");
        assert_eq!(
            resolve_link("usr/sbin/telnetd", "../../bin/busybox"),
            "bin/busybox"
        );
        assert_eq!(resolve_link("a", "/../../etc/passwd"), "etc/passwd");
    }
}
