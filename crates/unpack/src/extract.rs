//! Writing a tree to disk (`--extract-to`), without ever writing outside the destination.
//!
//! Rules: paths are already normalized (no `..`, not absolute); directories and files are
//! written first, symlinks last, so no entry is ever written through a link; every parent
//! directory is checked with `lstat` and a symlink in the way is refused; files are created
//! with `O_NOFOLLOW`; setuid, setgid, sticky and group/other write bits are not reproduced;
//! device nodes are not created.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tree::{EntryKind, Tree};

/// What happened when writing a tree to disk.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExtractStats {
    pub files: u64,
    pub dirs: u64,
    pub symlinks: u64,
    /// (path, reason) of every entry not written.
    pub skipped: Vec<(String, String)>,
}

/// Create `dir` and its parents below `base`, refusing to pass through a symlink.
fn safe_mkdirs(base: &Path, rel: &str) -> std::io::Result<PathBuf> {
    let mut cur = base.to_path_buf();
    for comp in rel.split('/').filter(|c| !c.is_empty()) {
        cur.push(comp);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(std::io::Error::other(format!(
                    "'{}' is a symlink; refusing to write through it",
                    cur.display()
                )))
            }
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(std::io::Error::other(format!(
                    "'{}' exists and is not a directory",
                    cur.display()
                )))
            }
            Err(_) => fs::create_dir(&cur)?,
        }
    }
    Ok(cur)
}

fn open_new(p: &Path) -> std::io::Result<fs::File> {
    let mut o = fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc_o_nofollow());
    }
    o.open(p)
}

#[cfg(target_os = "linux")]
fn libc_o_nofollow() -> i32 {
    0o400000 // O_NOFOLLOW on Linux (all architectures netvet builds for)
}
#[cfg(all(unix, not(target_os = "linux")))]
fn libc_o_nofollow() -> i32 {
    0x0100 // O_NOFOLLOW on the BSDs and macOS
}

/// Write `tree` below `dest` (created if missing).
pub fn extract_to(tree: &Tree, dest: &Path) -> std::io::Result<ExtractStats> {
    fs::create_dir_all(dest)?;
    let base = dest.canonicalize()?;
    let mut st = ExtractStats::default();
    let mut links = Vec::new();
    for e in &tree.entries {
        let parent = crate::path::parent(&e.path);
        let name = crate::path::file_name(&e.path);
        let res: std::io::Result<()> = (|| {
            match e.kind {
                EntryKind::Dir => {
                    safe_mkdirs(&base, &e.path)?;
                    st.dirs += 1;
                }
                EntryKind::File => {
                    let dir = safe_mkdirs(&base, parent)?;
                    let p = dir.join(name);
                    let mut f = open_new(&p)?;
                    // in pieces, releasing the pages of a mapped spill file behind the write
                    for piece in e.data.chunks(64 << 20) {
                        f.write_all(piece)?;
                        crate::spool::release(piece);
                    }
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        let mode = (e.meta.mode & 0o755) | 0o600;
                        fs::set_permissions(&p, fs::Permissions::from_mode(mode))?;
                    }
                    st.files += 1;
                }
                EntryKind::Symlink | EntryKind::Hardlink => links.push(e),
                _ => {
                    st.skipped
                        .push((e.path.clone(), format!("{} not created", e.kind.as_str())));
                }
            }
            Ok(())
        })();
        if let Err(err) = res {
            st.skipped.push((e.path.clone(), err.to_string()));
        }
    }
    for e in links {
        let res: std::io::Result<()> = (|| {
            let dir = safe_mkdirs(&base, crate::path::parent(&e.path))?;
            let p = dir.join(crate::path::file_name(&e.path));
            let target = e.link_target.clone().unwrap_or_default();
            #[cfg(unix)]
            {
                if e.kind == EntryKind::Symlink {
                    std::os::unix::fs::symlink(&target, &p)?;
                } else {
                    // a hard link whose target was not a file: keep it as a relative symlink
                    std::os::unix::fs::symlink(&target, &p)?;
                }
            }
            #[cfg(not(unix))]
            {
                let _ = (p, target);
            }
            st.symlinks += 1;
            Ok(())
        })();
        if let Err(err) = res {
            st.skipped.push((e.path.clone(), err.to_string()));
        }
    }
    Ok(st)
}
