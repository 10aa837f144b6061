//! The state of one unpack run shared by the engine and the handlers' [`crate::handler::Sink`]:
//! the limits, the byte and entry budgets, the spill directory, and the records (errors,
//! limits reached, integrity checks, unsupported regions) that end up in the tree.
//!
//! This module sits below both [`crate::engine`] (which creates a [`Ctx`] per run) and
//! [`crate::handler`] (whose `Sink` charges entries to it), so neither imports the other's
//! internals.

use bytes::Bytes;
use netvet_model::{IntegrityCheck, LimitHitInfo, UnpackErrorInfo, UnsupportedInfo};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use crate::coverage;
use crate::spool;
use crate::tree::SpillDir;

/// Safety limits. Reaching one is recorded in the tree (`limits_hit`), never fatal.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Total bytes of extracted content.
    pub max_bytes: u64,
    /// Total extracted bytes as a multiple of the input size (applies above `ratio_floor`).
    pub max_ratio: u64,
    /// Extracted bytes always allowed whatever the ratio.
    pub ratio_floor: u64,
    /// Nesting depth of layers.
    pub max_depth: u32,
    /// Number of entries in the tree.
    pub max_entries: u64,
    /// Content kept in memory before new content is spilled to the private temporary
    /// directory.
    pub memory_budget: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 16 << 30,
            max_ratio: 100,
            ratio_floor: 256 << 20,
            max_depth: 16,
            max_entries: 2_000_000,
            memory_budget: 128 << 20,
        }
    }
}

/// Live counters for a progress display.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_extracted: AtomicU64,
    pub entries: AtomicU64,
    pub layers: AtomicU64,
    /// The stage the scan is in (`unpacking`, `analyzing`, ...), set by whoever drives it.
    stage: std::sync::Mutex<&'static str>,
}

impl Progress {
    /// Name the stage the scan is in now.
    pub fn set_stage(&self, stage: &'static str) {
        if let Ok(mut s) = self.stage.lock() {
            *s = stage;
        }
    }

    /// The stage last named with [`Progress::set_stage`] (empty before the first).
    pub fn stage(&self) -> &'static str {
        self.stage.lock().map(|s| *s).unwrap_or("")
    }
}

/// Called with the tree path and the final content of every regular file a handler adds, as
/// soon as it is added, while the rest of the image is still being unpacked: per-file analysis
/// can start then instead of after the whole tree is built (see `Unpacker::set_file_hook`).
/// It runs on the unpacking thread, so it should hand heavy work to another thread.
pub type FileHook = Arc<dyn Fn(&str, &Bytes) + Send + Sync>;

/// State shared by all workers of one unpack run.
pub struct Ctx {
    pub(crate) limits: Limits,
    pub(crate) byte_cap: u64,
    pub(crate) byte_cap_name: &'static str,
    pub(crate) used: AtomicU64,
    pub(crate) entries: AtomicU64,
    mem_used: AtomicU64,
    pub(crate) spill: OnceLock<Result<Arc<SpillDir>, String>>,
    pack: OnceLock<spool::Pack>,
    spill_parent: Option<std::path::PathBuf>,
    spool_parent: Option<Arc<Path>>,
    spill_seq: AtomicU64,
    pub(crate) next_layer: AtomicU32,
    pub(crate) errors: Mutex<Vec<UnpackErrorInfo>>,
    pub(crate) limits_hit: Mutex<Vec<LimitHitInfo>>,
    pub(crate) integrity: Mutex<Vec<IntegrityCheck>>,
    pub(crate) unsupported: Mutex<Vec<UnsupportedInfo>>,
    pub(crate) progress: Arc<Progress>,
    pub(crate) file_hook: Option<FileHook>,
}

impl Ctx {
    pub(crate) fn new(
        limits: Limits,
        input_size: u64,
        progress: Arc<Progress>,
        spill_parent: Option<std::path::PathBuf>,
    ) -> Ctx {
        let ratio_cap = limits
            .max_ratio
            .saturating_mul(input_size)
            .max(limits.ratio_floor);
        let (byte_cap, byte_cap_name) = if ratio_cap < limits.max_bytes {
            (ratio_cap, "max-ratio")
        } else {
            (limits.max_bytes, "max-bytes")
        };
        Ctx {
            limits,
            byte_cap,
            byte_cap_name,
            used: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            mem_used: AtomicU64::new(0),
            spill: OnceLock::new(),
            pack: OnceLock::new(),
            spool_parent: spill_parent.as_deref().map(Arc::from),
            spill_parent,
            spill_seq: AtomicU64::new(0),
            next_layer: AtomicU32::new(0),
            errors: Mutex::new(Vec::new()),
            limits_hit: Mutex::new(Vec::new()),
            integrity: Mutex::new(Vec::new()),
            unsupported: Mutex::new(Vec::new()),
            progress,
            file_hook: None,
        }
    }

    pub(crate) fn budget_left(&self) -> u64 {
        self.byte_cap
            .saturating_sub(self.used.load(Ordering::Relaxed))
    }

    /// Reserve `n` bytes of the extraction budget; false when that would exceed it.
    pub(crate) fn take_bytes(&self, n: u64) -> bool {
        let mut cur = self.used.load(Ordering::Relaxed);
        loop {
            let next = match cur.checked_add(n) {
                Some(v) if v <= self.byte_cap => v,
                _ => return false,
            };
            match self
                .used
                .compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => {
                    self.progress
                        .bytes_extracted
                        .fetch_add(n, Ordering::Relaxed);
                    return true;
                }
                Err(v) => cur = v,
            }
        }
    }

    pub(crate) fn record_error(&self, path: &str, format: &str, offset: u64, error: &str) {
        if let Ok(mut v) = self.errors.lock() {
            v.push(UnpackErrorInfo {
                path: path.to_string(),
                format: format.to_string(),
                offset,
                error: error.to_string(),
            });
        }
    }

    /// Record a region that could not be opened, with its first bytes and entropy.
    pub(crate) fn record_unsupported(
        &self,
        path: &str,
        offset: usize,
        region: &[u8],
        reason: &str,
    ) {
        let Ok(mut v) = self.unsupported.lock() else {
            return;
        };
        if v.len() >= coverage::MAX_RECORDS {
            return;
        }
        let e = coverage::entropy(region);
        v.push(UnsupportedInfo {
            path: path.to_string(),
            offset: offset as u64,
            size: region.len() as u64,
            header: crate::bytes::hex(&region[..region.len().min(coverage::HEADER_BYTES)]),
            entropy: format!("{e:.2}"),
            reason: reason.to_string(),
        });
    }

    /// Bytes of `data` outside `spans` that are understood: everything but high-entropy
    /// regions (compressed or encrypted data no handler opened, see
    /// [`coverage::opaque_regions`]). In a payload blob (the image, a container's payload)
    /// those regions are recorded; in a file of a file system or archive the file is
    /// understood as a file.
    pub(crate) fn account_gaps(
        &self,
        path: &str,
        data: &[u8],
        spans: &[(usize, usize)],
        payload: bool,
        within: Option<&str>,
    ) -> u64 {
        let gaps = coverage::gaps(data.len(), spans);
        let total: usize = gaps.iter().map(|(a, b)| b - a).sum();
        if !payload {
            return total as u64;
        }
        let mut opaque = 0usize;
        // in 64 MiB windows, each released before the next: a gap can be a decoded stream of a
        // GiB in a mapped spool file, whose pages must not all become resident at once
        for (a, b) in gaps {
            for (off, _, own) in spool::windows(&data[a..b], 64 << 20, 0) {
                let (m0, m1) = coverage::trim_padding(data, a + off, a + off + own);
                for (r0, r1) in coverage::opaque_regions(data, m0, m1) {
                    opaque += r1 - r0;
                    let region = &data[r0..r1];
                    let mut why = coverage::reason(coverage::entropy(region));
                    if let Some(os) = within {
                        // inside a recognised RTOS image: most likely its compressed pages,
                        // tables or a second stage in a scheme netvet does not read
                        why = format!("inside the {os} image: {why}");
                    }
                    self.record_unsupported(path, r0, region, &why);
                }
            }
        }
        (total - opaque) as u64
    }

    pub(crate) fn record_limit(&self, path: &str, limit: &str, detail: &str) {
        if let Ok(mut v) = self.limits_hit.lock() {
            // one record per (path, limit) is enough
            if !v.iter().any(|l| l.path == path && l.limit == limit) {
                v.push(LimitHitInfo {
                    path: path.to_string(),
                    limit: limit.to_string(),
                    detail: detail.to_string(),
                });
            }
        }
    }

    /// Where decoders spool large output (unlinked files): the spill parent.
    pub(crate) fn spool_dir(&self) -> Option<Arc<Path>> {
        self.spool_parent.clone()
    }

    fn spill_dir(&self) -> Result<Arc<SpillDir>, String> {
        self.spill
            .get_or_init(|| {
                let b = tempfile::Builder::new()
                    .prefix("netvet-spill-")
                    .tempdir_in(self.spill_parent.clone().unwrap_or_else(std::env::temp_dir));
                b.map(|dir| Arc::new(SpillDir { dir }))
                    .map_err(|e| format!("cannot create spill directory: {e}"))
            })
            .clone()
    }

    /// Keep `data` in memory while the memory budget lasts; past it, move large contents to
    /// a file in the private spill directory and small ones to a shared pack segment there,
    /// and map them read-only.
    pub(crate) fn maybe_spill(&self, data: Bytes) -> std::io::Result<Bytes> {
        let n = data.len() as u64;
        let small = n < (256 << 10);
        if n == 0 || (!small && spool::is_mapped(&data)) {
            return Ok(data); // already a map of a spool or spill file
        }
        let used = self.mem_used.fetch_add(n, Ordering::Relaxed) + n;
        if used <= self.limits.memory_budget {
            return Ok(data);
        }
        self.mem_used.fetch_sub(n, Ordering::Relaxed);
        if small && spool::is_mapped(&data) {
            return Ok(data);
        }
        let dir = match self.spill_dir() {
            Ok(d) => d,
            Err(_) => return Ok(data), // no disk: keep it in memory
        };
        if small {
            let pack = self.pack.get_or_init(|| spool::Pack::new(dir.path()));
            // the disk is full: keep it in memory
            return Ok(pack.push(&data).unwrap_or(data));
        }
        let seq = self.spill_seq.fetch_add(1, Ordering::Relaxed);
        let p = dir.path().join(format!("{seq:08}"));
        std::fs::write(&p, &data)?;
        let f = std::fs::File::open(&p)?;
        // the file is private to this process (inside its own 0700 temporary directory) and
        // never modified after this point
        spool::map_file(&f)
    }
}
