//! The image digest: what reports, attestations, equivalence sides and `netvet verify` call
//! an image's SHA-256. One function for all of them, so that an attestation made by a scan
//! verifies against the same image.

use netvet_unpack::{Limits, Tree, Unpacker};
use sha2::{Digest, Sha256};
use std::path::Path;

/// SHA-256 of a file (and its size), or for a directory the SHA-256 over the sorted entries
/// of its unpacked `tree` (path, kind, link target and content digest, NUL-separated) and the
/// total size of those entries, so that the same tree always has the same digest.
pub fn tree_digest(input: &Path, tree: &Tree) -> std::io::Result<(String, u64)> {
    let md = std::fs::metadata(input)?;
    if md.is_file() {
        return file_digest(input);
    }
    let mut h = Sha256::new();
    let mut size = 0u64;
    for e in tree.entries.iter().filter(|e| e.layer.is_none()) {
        h.update(e.path.as_bytes());
        h.update([0]);
        h.update(e.kind.as_str().as_bytes());
        h.update([0]);
        h.update(e.link_target.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(Sha256::digest(&e.data));
        size += e.size;
    }
    Ok((hex::encode(h.finalize()), size))
}

/// SHA-256 and size of a file, streamed.
pub(crate) fn file_digest(input: &Path) -> std::io::Result<(String, u64)> {
    let mut f = std::fs::File::open(input)?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h)?;
    Ok((hex::encode(h.finalize()), n))
}

/// The digest of an image as a scan computes it, without a scan: a file's bytes, or a
/// directory's tree (read, not carved further than the scan's default limits allow).
/// The error names the input.
pub fn image_digest(input: &Path) -> Result<String, String> {
    let unreadable = |e: std::io::Error| format!("cannot read {}: {e}", input.display());
    let md = std::fs::metadata(input).map_err(unreadable)?;
    if md.is_file() {
        return file_digest(input).map(|(d, _)| d).map_err(unreadable);
    }
    let tree = Unpacker::new(Limits::default())
        .unpack_path(input)
        .map_err(|e| format!("cannot read input {e}"))?;
    tree_digest(input, &tree)
        .map(|(d, _)| d)
        .map_err(unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_and_directory_digests() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("fw.bin");
        std::fs::write(&f, b"test").unwrap();
        // sha256("test")
        assert_eq!(
            image_digest(&f).unwrap(),
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        );
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("etc")).unwrap();
        std::fs::write(root.join("etc/passwd"), b"root:x:0:0::/root:/bin/sh\n").unwrap();
        let a = image_digest(&root).unwrap();
        assert_eq!(a.len(), 64);
        // the same tree, the same digest; a changed byte, another
        assert_eq!(image_digest(&root).unwrap(), a);
        std::fs::write(root.join("etc/passwd"), b"root:x:0:0::/root:/bin/ash\n").unwrap();
        assert_ne!(image_digest(&root).unwrap(), a);
        let e = image_digest(&d.path().join("none")).unwrap_err();
        assert!(e.starts_with("cannot read ") && e.contains("none"), "{e}");
    }
}
