//! The virtual file system that unpacking produces and every analyzer reads.

use bytes::Bytes;
use netvet_model::{
    Coverage, IntegrityCheck, LayerInfo, LimitHitInfo, UnpackErrorInfo, UnsupportedInfo,
};
use std::collections::HashMap;
use std::sync::Arc;

use crate::path;

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A hard link: `link_target` names another entry of the same layer (normalized path
    /// relative to the layer root). Its content is shared with the target.
    Hardlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hardlink",
            EntryKind::CharDevice => "chardev",
            EntryKind::BlockDevice => "blockdev",
            EntryKind::Fifo => "fifo",
            EntryKind::Socket => "socket",
        }
    }
}

/// File-system metadata of an entry. Formats that do not carry a field leave its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta {
    /// Permission bits including setuid/setgid/sticky (`0o7777` mask); no file-type bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Seconds since the epoch.
    pub mtime: i64,
}

impl Meta {
    pub fn mode(mode: u32) -> Meta {
        Meta {
            mode: mode & 0o7777,
            ..Meta::default()
        }
    }
}

/// One entry of the tree.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Normalized path relative to the tree root (layer directories included).
    pub path: String,
    pub kind: EntryKind,
    pub meta: Meta,
    /// Content size in bytes (files), 0 otherwise.
    pub size: u64,
    /// Content of a file (empty for other kinds). In memory or a read-only map of a spill file.
    pub data: Bytes,
    /// Symlink target as stored (never followed on the real file system), or hard link target.
    pub link_target: Option<String>,
    /// Index into [`Tree::layers`] of the layer this entry came from; `None` for entries of
    /// a directory input.
    pub layer: Option<u32>,
    /// Byte length of the layer-directory prefix of `path` (including the trailing `/`), so
    /// that [`Entry::inner_path`] is the path inside the innermost file system.
    pub root_len: usize,
}

impl Entry {
    /// Path inside the innermost layer (`etc/shadow`), without the layer directories.
    pub fn inner_path(&self) -> &str {
        self.path.get(self.root_len..).unwrap_or(&self.path)
    }

    /// Layer root directory of this entry (`""` for a directory input).
    pub fn root(&self) -> &str {
        self.path
            .get(..self.root_len)
            .map(|s| s.trim_end_matches('/'))
            .unwrap_or("")
    }

    pub fn is_file(&self) -> bool {
        self.kind == EntryKind::File
    }

    pub fn file_name(&self) -> &str {
        path::file_name(&self.path)
    }
}

/// Owner of the spill directory; dropped (and removed) with the last tree referencing it.
#[derive(Debug)]
pub struct SpillDir {
    pub(crate) dir: tempfile::TempDir,
}

impl SpillDir {
    pub fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

/// The unpacked image: entries sorted by path, the layers they came from, and what went wrong.
#[derive(Debug, Default)]
pub struct Tree {
    pub entries: Vec<Entry>,
    pub layers: Vec<LayerInfo>,
    pub errors: Vec<UnpackErrorInfo>,
    pub limits_hit: Vec<LimitHitInfo>,
    /// Every checksum, CRC, digest or signature field of a container header, verified
    /// (sorted by layer path and field).
    pub integrity: Vec<IntegrityCheck>,
    /// Regions that could not be opened, with their first bytes and entropy.
    pub unsupported: Vec<UnsupportedInfo>,
    /// Bytes understood over the image size (`None` for a directory input).
    pub coverage: Option<Coverage>,
    index: HashMap<String, usize>,
    pub(crate) spill: Option<Arc<SpillDir>>,
}

impl Tree {
    /// Build a tree from parts; entries are sorted by path, later duplicates win.
    pub fn from_parts(
        mut entries: Vec<Entry>,
        layers: Vec<LayerInfo>,
        errors: Vec<UnpackErrorInfo>,
        limits_hit: Vec<LimitHitInfo>,
    ) -> Tree {
        // stable sort keeps insertion order among duplicates; keep the last one
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        let mut dedup: Vec<Entry> = Vec::with_capacity(entries.len());
        for e in entries {
            if let Some(last) = dedup.last_mut() {
                if last.path == e.path {
                    // a directory never replaces content; anything else: the later entry wins
                    if e.kind != EntryKind::Dir || last.kind == EntryKind::Dir {
                        *last = e;
                    }
                    continue;
                }
            }
            dedup.push(e);
        }
        let index = dedup
            .iter()
            .enumerate()
            .map(|(i, e)| (e.path.clone(), i))
            .collect();
        Tree {
            entries: dedup,
            layers,
            errors,
            limits_hit,
            integrity: Vec::new(),
            unsupported: Vec::new(),
            coverage: None,
            index,
            spill: None,
        }
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.index.get(path).map(|&i| &self.entries[i])
    }

    /// All regular files.
    pub fn files(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.kind == EntryKind::File)
    }

    pub fn file_count(&self) -> u64 {
        self.files().count() as u64
    }

    /// Total bytes of file content.
    pub fn total_bytes(&self) -> u64 {
        self.files().map(|e| e.size).sum()
    }

    /// Entries of the same layer root whose inner path is `inner` (for example every
    /// `etc/shadow` of every file system in the image).
    pub fn find_inner<'a>(&'a self, inner: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.inner_path() == inner)
    }

    /// Follow symlinks and hard links (inside the entry's own layer root, at most 40 hops)
    /// to the entry that holds content. Returns `None` for dangling or cyclic links.
    pub fn resolve<'a>(&'a self, entry: &'a Entry) -> Option<&'a Entry> {
        let mut cur = entry;
        for _ in 0..40 {
            match cur.kind {
                EntryKind::Symlink | EntryKind::Hardlink => {
                    let target = cur.link_target.as_deref()?;
                    let inner = if cur.kind == EntryKind::Hardlink {
                        path::normalize(target).path
                    } else {
                        path::resolve_link(cur.inner_path(), target)
                    };
                    let full = path::join(cur.root(), &inner);
                    cur = self.get(&full)?;
                }
                _ => return Some(cur),
            }
        }
        None
    }

    /// Content of a file, following links. Empty for anything that is not a file.
    pub fn content<'a>(&'a self, entry: &'a Entry) -> &'a [u8] {
        match self.resolve(entry) {
            Some(e) if e.kind == EntryKind::File => &e.data,
            _ => &[],
        }
    }
}
