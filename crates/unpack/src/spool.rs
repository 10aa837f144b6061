//! Decoded output that may be larger than memory should hold.
//!
//! A compressed stream's size is only known after decoding it, and a bomb decodes to as much
//! as the byte budget allows (gigabytes). [`Spool`] keeps output in memory up to a threshold
//! and past it writes it to an unlinked temporary file, which is then mapped read-only, so the
//! resident set stays bounded while the content is still a plain `&[u8]` for every reader.
//!
//! Every mapping made here is registered, so that readers of large content (the carver,
//! `extract_to`) can hand pages they have finished with back to the kernel ([`release`]):
//! mapped file pages count in the resident set while mapped, and a scan over a 1 GiB mapped
//! blob would otherwise keep 1 GiB resident. Written by hand: no crate combines a spill-to-disk
//! writer with read-only mapping of the result.
//!
//! Small contents (most files of a firmware tree) are not worth a file and a mapping each:
//! past the memory budget they are appended to shared [`Pack`] segment files instead. Their
//! pages cannot be dropped one file at a time (neighbours share a page), so readers report
//! every content they are done with ([`release`]) and once enough mapped content has been
//! reported, the pages of every registered mapping are dropped at once.

// The one module of the unpacker that needs `unsafe`: memory-mapping a file (`Mmap::map`)
// and advising the kernel to drop a mapping's pages (`unchecked_advise*`). Both are unsafe in
// memmap2 because another process could change the file under the map; every file mapped
// here is private to this process (an unlinked spool file, or a file in the run's own 0700
// spill directory) and never written after it is mapped. Nothing else in netvet-unpack may
// use `unsafe` (the workspace denies it).
#![allow(unsafe_code)]

use bytes::Bytes;
use memmap2::{Mmap, UncheckedAdvice};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// Most mappings this process keeps registered; past it a spool refuses to map another file
/// (the kernel's map count limit is 65 530, and the allocator needs some too).
const MAX_MAPS: usize = 30_000;

/// Read-buffer size of [`read_spooled`]. Small: a decoder that fails in the middle of a read
/// loses what it had put in the buffer during that call.
const READ_BUF: usize = 16 << 10;

/// Mapped content reported done by readers after which every mapping's pages are dropped.
const TRIM_AFTER: u64 = 32 << 20;

/// Size of one pack segment file (sparse until written).
pub const PACK_SEGMENT: usize = 64 << 20;

/// Bytes of mapped content released since the last trim.
static RELEASED: AtomicU64 = AtomicU64::new(0);

struct Registry {
    /// (start address, length, mapping) of every live mapping.
    maps: Vec<(usize, usize, Weak<Mmap>)>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry { maps: Vec::new() });

/// Owner of a registered mapping, held by the `Bytes` that view it.
struct Mapped(Arc<Mmap>);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        let start = self.0.as_ptr() as usize;
        if let Ok(mut r) = REGISTRY.lock() {
            r.maps
                .retain(|(s, _, w)| *s != start || w.strong_count() > 1);
        }
    }
}

/// Map `file` read-only and register the mapping. The file must never be written again (it
/// is private to this process: an unlinked temporary file or a file in the private spill
/// directory, or an input file netvet only reads).
pub fn map_file(file: &File) -> std::io::Result<Bytes> {
    {
        let r = REGISTRY
            .lock()
            .map_err(|_| std::io::Error::other("spool registry"))?;
        if r.maps.len() >= MAX_MAPS {
            return Err(std::io::Error::other(format!(
                "more than {MAX_MAPS} spilled contents mapped"
            )));
        }
    }
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::new());
    }
    // SAFETY: see the function contract: the file is not modified while mapped.
    let map = Arc::new(unsafe { Mmap::map(file)? });
    let start = map.as_ptr() as usize;
    if let Ok(mut r) = REGISTRY.lock() {
        r.maps.push((start, map.len(), Arc::downgrade(&map)));
    }
    Ok(Bytes::from_owner(Mapped(map)))
}

/// The registered mapping that holds `d`, and `d`'s offset in it.
fn find(d: &[u8]) -> Option<(Arc<Mmap>, usize)> {
    let p = d.as_ptr() as usize;
    let r = REGISTRY.lock().ok()?;
    r.maps.iter().find_map(|(s, len, w)| {
        let end = s.checked_add(*len)?;
        if p >= *s && p.checked_add(d.len())? <= end && !d.is_empty() {
            w.upgrade().map(|m| (m, p - s))
        } else {
            None
        }
    })
}

/// Is `d` (part of) a mapping made by [`map_file`]? Such content is already on disk and is
/// never spilled again.
pub fn is_mapped(d: &[u8]) -> bool {
    find(d).is_some()
}

/// Hand the free memory of the C allocator's heaps back to the kernel. glibc keeps what is
/// freed in its arenas for later allocations; after a batch of decoded contents went to
/// spill files, that is tens of MiB of resident memory nobody uses, which the resident-set
/// budget of a scan (docs/benchmarks.md) cannot afford. Elsewhere a no-op.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free chunks of glibc's own arenas to the kernel
    // (madvise); it takes the arena locks as an allocation does and touches no live memory.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Drop the resident pages of `d` when it lies in a registered file mapping (a no-op for
/// memory): call it when done reading a content. The content stays valid: a later read
/// faults the pages in again from the file.
///
/// A large content's own pages are dropped at once. Every [`TRIM_AFTER`] bytes of mapped
/// content reported, the pages of all registered mappings are dropped: that covers small
/// contents of a [`Pack`] (which share pages with their neighbours) and the pages other
/// readers touched without reporting.
pub fn release(d: &[u8]) {
    if d.is_empty() {
        return;
    }
    let Some((map, off)) = find(d) else {
        return;
    };
    // (a content of a pack is always smaller than this)
    if d.len() >= (1 << 20) {
        // SAFETY: the mapping is a read-only map of a file that is never modified, so
        // MADV_DONTNEED only drops page-table entries; the next access reads the same bytes
        // from the page cache or the file.
        let _ = unsafe { map.unchecked_advise_range(UncheckedAdvice::DontNeed, off, d.len()) };
    }
    let seen = RELEASED.fetch_add(d.len() as u64, Ordering::Relaxed) + d.len() as u64;
    if seen >= TRIM_AFTER {
        RELEASED.store(0, Ordering::Relaxed);
        trim();
    }
}

/// Read `data` in windows of `window` bytes: yields `(offset, view, own)`, where `view`
/// starts at `offset` and holds the window's `own` bytes plus up to `tail` bytes of the next
/// window, so a pattern up to `tail` bytes long is seen whole across an edge. Before the next
/// view is handed out, the previous window is [`release`]d, so a scan over a mapped 1 GiB
/// blob keeps about one window resident. A content up to `window` bytes is one view.
pub fn windows(
    data: &[u8],
    window: usize,
    tail: usize,
) -> impl Iterator<Item = (usize, &[u8], usize)> {
    let window = window.max(1);
    let mut base = 0usize;
    std::iter::from_fn(move || {
        if base >= data.len() {
            return None;
        }
        if base > 0 {
            release(&data[base.saturating_sub(window)..base]);
        }
        let edge = data.len().min(base.saturating_add(window));
        let view = &data[base..data.len().min(edge.saturating_add(tail))];
        let item = (base, view, edge - base);
        base = edge;
        Some(item)
    })
}

/// Drop the resident pages of every registered mapping.
fn trim() {
    let maps: Vec<Arc<Mmap>> = match REGISTRY.lock() {
        Ok(r) => r.maps.iter().filter_map(|m| m.2.upgrade()).collect(),
        Err(_) => return,
    };
    for m in maps {
        // SAFETY: as in `release`: read-only shared maps of files whose handed-out regions
        // are never written again; the region of a pack segment still being appended to is
        // written with `pwrite`, not through the map, so dropping the pages loses nothing.
        let _ = unsafe { m.unchecked_advise(UncheckedAdvice::DontNeed) };
    }
}

/// Small contents appended to shared segment files of [`PACK_SEGMENT`] bytes in a private
/// directory, each segment mapped read-only once; the content handed back is a view of the
/// map. A region is written once, before it is handed out, and never again.
pub struct Pack {
    dir: std::path::PathBuf,
    cur: Mutex<Option<Segment>>,
    seq: AtomicU64,
}

struct Segment {
    file: File,
    map: Bytes,
    used: usize,
}

impl Pack {
    /// Segments go to `dir`, which must be private to this process and is expected to be
    /// removed with everything in it when the scan ends (the map outlives the file).
    pub fn new(dir: &Path) -> Pack {
        Pack {
            dir: dir.to_path_buf(),
            cur: Mutex::new(None),
            seq: AtomicU64::new(0),
        }
    }

    /// Append `d` (at most [`PACK_SEGMENT`] bytes) and return its mapped view.
    pub fn push(&self, d: &[u8]) -> std::io::Result<Bytes> {
        use std::os::unix::fs::FileExt;
        if d.is_empty() {
            return Ok(Bytes::new());
        }
        if d.len() > PACK_SEGMENT {
            return Err(std::io::Error::other(
                "content too large for a pack segment",
            ));
        }
        let mut cur = self
            .cur
            .lock()
            .map_err(|_| std::io::Error::other("pack lock"))?;
        let full = cur.as_ref().is_none_or(|s| s.used + d.len() > PACK_SEGMENT);
        if full {
            let seq = self.seq.fetch_add(1, Ordering::Relaxed);
            let path = self.dir.join(format!("pack-{seq:06}"));
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)?;
            file.set_len(PACK_SEGMENT as u64)?;
            let map = map_file(&file)?;
            *cur = Some(Segment { file, map, used: 0 });
        }
        let Some(seg) = cur.as_mut() else {
            return Err(std::io::Error::other("pack segment"));
        };
        seg.file.write_all_at(d, seg.used as u64)?;
        let out = seg.map.slice(seg.used..seg.used + d.len());
        seg.used += d.len();
        Ok(out)
    }
}

/// A writer that keeps up to `memory` bytes in a `Vec` and past it moves everything to an
/// unlinked temporary file in `dir` (the system temporary directory when `None`).
pub struct Spool {
    buf: Vec<u8>,
    file: Option<File>,
    len: u64,
    memory: u64,
    dir: Option<Arc<Path>>,
}

impl Spool {
    pub fn new(memory: u64, dir: Option<Arc<Path>>) -> Spool {
        Spool {
            buf: Vec::new(),
            file: None,
            len: 0,
            memory,
            dir,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append `d`. Fails only when the temporary file cannot be created or written.
    pub fn push(&mut self, d: &[u8]) -> std::io::Result<()> {
        if self.file.is_none() && self.len + d.len() as u64 > self.memory {
            let mut f = match &self.dir {
                Some(dir) => tempfile::tempfile_in(dir)?,
                None => tempfile::tempfile()?,
            };
            f.write_all(&self.buf)?;
            self.buf = Vec::new();
            self.file = Some(f);
        }
        match &mut self.file {
            Some(f) => f.write_all(d)?,
            None => self.buf.extend_from_slice(d),
        }
        self.len += d.len() as u64;
        Ok(())
    }

    /// The content: in memory, or a read-only map of the temporary file (removed from the
    /// file system already; it disappears with the last view of the map).
    pub fn finish(self) -> std::io::Result<Bytes> {
        match self.file {
            None => Ok(Bytes::from(self.buf)),
            Some(f) => map_file(&f),
        }
    }
}

/// What a bounded, spooled decode produced.
pub struct Spooled {
    pub out: Bytes,
    /// The output reached `max`: the stream is larger (the extra byte read to notice it is
    /// dropped).
    pub truncated: bool,
    /// The decoder failed after `out.len()` bytes of output.
    pub error: Option<std::io::Error>,
}

/// Decode at most `max` bytes from `reader`, in memory up to `memory` bytes and past it in a
/// spool file in `dir`. A spool failure (no room on disk) ends the output there with the
/// error.
pub fn read_spooled(
    mut reader: impl Read,
    max: u64,
    memory: u64,
    dir: Option<Arc<Path>>,
) -> Spooled {
    let mut spool = Spool::new(memory, dir);
    let mut buf = vec![0u8; READ_BUF.min(usize::try_from(max).unwrap_or(READ_BUF) + 1)];
    let mut truncated = false;
    let mut error = None;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        let room = max.saturating_sub(spool.len());
        let take = (n as u64).min(room) as usize;
        if let Err(e) = spool.push(&buf[..take]) {
            error = Some(e);
            break;
        }
        if (n as u64) > room {
            truncated = true;
            break;
        }
    }
    let out = match spool.finish() {
        Ok(b) => b,
        Err(e) => {
            error = Some(e);
            Bytes::new()
        }
    };
    Spooled {
        out,
        truncated,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_output_stays_in_memory() {
        let s = read_spooled(&b"hello world"[..], 100, 1 << 20, None);
        assert_eq!(&s.out[..], b"hello world");
        assert!(!s.truncated && s.error.is_none());
        assert!(!is_mapped(&s.out));
    }

    #[test]
    fn large_output_goes_to_a_mapped_file_and_is_cut_at_max() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let s = read_spooled(&data[..], 2_500_000, 1 << 20, None);
        assert!(s.truncated);
        assert_eq!(s.out.len(), 2_500_000);
        assert_eq!(&s.out[..], &data[..2_500_000]);
        assert!(is_mapped(&s.out));
        assert!(is_mapped(&s.out[1000..2000]));
        // releasing pages keeps the content readable
        release(&s.out);
        assert_eq!(s.out[2_499_999], data[2_499_999]);
        let start = s.out.as_ptr() as usize;
        drop(s);
        let r = REGISTRY.lock().unwrap();
        assert!(!r.maps.iter().any(|(p, _, _)| *p == start));
    }

    #[test]
    fn exact_fit_is_not_truncated() {
        let s = read_spooled(&[7u8; 4096][..], 4096, 0, None);
        assert!(!s.truncated);
        assert_eq!(s.out.len(), 4096);
        assert!(is_mapped(&s.out));
    }

    #[test]
    fn windows_cover_the_content_once_and_reach_into_the_next() {
        let data: Vec<u8> = (0..25u8).collect();
        let w: Vec<(usize, Vec<u8>, usize)> = windows(&data, 10, 3)
            .map(|(o, v, n)| (o, v.to_vec(), n))
            .collect();
        assert_eq!(
            w,
            vec![
                (0, (0..13).collect(), 10),
                (10, (10..23).collect(), 10),
                (20, (20..25).collect(), 5),
            ]
        );
        assert_eq!(windows(&data, 100, 3).count(), 1);
        assert_eq!(windows(&[], 10, 3).count(), 0);
    }

    #[test]
    fn packed_contents_read_back_after_their_pages_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let pack = Pack::new(dir.path());
        // 3 segments' worth of 100 KiB files, each with its own pattern
        let n = 3 * (PACK_SEGMENT / (100 << 10));
        let file =
            |i: usize| -> Vec<u8> { (0..100 << 10).map(|j| ((i * 7 + j) % 253) as u8).collect() };
        let views: Vec<Bytes> = (0..n).map(|i| pack.push(&file(i)).unwrap()).collect();
        assert!(views.iter().all(|v| is_mapped(v)));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
        for v in &views {
            release(v); // passes TRIM_AFTER several times: every segment's pages dropped
        }
        for (i, v) in views.iter().enumerate() {
            assert_eq!(&v[..], &file(i)[..], "file {i}");
        }
        assert!(pack.push(&vec![0u8; PACK_SEGMENT + 1]).is_err());
        assert!(pack.push(&[]).unwrap().is_empty());
    }
}
