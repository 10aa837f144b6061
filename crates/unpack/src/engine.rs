//! The unpacking engine: carve known formats out of a blob, extract them, recurse.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use bytes::Bytes;
use netvet_model::{Coverage, IntegrityCheck, LayerInfo};
use rayon::prelude::*;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::classify;
use crate::context::Ctx;
pub use crate::context::{Limits, Progress};
use crate::formats::rtos::{self, Rtos};
use crate::handler::{Category, FormatError, HandlerRef, Probe, Sink};
use crate::spool;
use crate::tree::{Entry, EntryKind, Meta, Tree};
use crate::{formats, path};

/// Large mapped blobs are carved in windows of this size, their pages released behind the
/// scan.
const CARVE_WINDOW: usize = 64 << 20;

struct Partial {
    entries: Vec<Entry>,
    layers: Vec<(u32, LayerInfo)>,
    /// Bytes of the blob this partial was made from that were understood (see
    /// [`crate::coverage`]); not summed by `append`.
    understood: u64,
}

impl Partial {
    fn new() -> Partial {
        Partial {
            entries: Vec::new(),
            layers: Vec::new(),
            understood: 0,
        }
    }
    fn append(&mut self, mut other: Partial) {
        self.entries.append(&mut other.entries);
        self.layers.append(&mut other.layers);
    }
}

/// Why an input could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a regular file or directory")]
    NotAFile { path: String },
}

/// Recursive, limited, in-process unpacker. Build once, use for many inputs.
pub struct Unpacker {
    handlers: Vec<HandlerRef>,
    /// Handlers with no magic: only tried at offset 0.
    headless: Vec<usize>,
    /// `None` when the matcher could not be built (see `build_errors`): nothing is carved.
    matcher: Option<AhoCorasick>,
    /// For each pattern of `matcher`: (handler index, offset of the magic in the chunk).
    patterns: Vec<(usize, usize)>,
    /// Length of the longest magic pattern.
    max_magic: usize,
    /// No magic is one repeated byte, so runs of one byte (padding, erased flash, the output
    /// of a compression bomb) can be skipped by the carver (see [`searchable`]).
    skip_runs: bool,
    limits: Limits,
    pub(crate) progress: Arc<Progress>,
    spill_parent: Option<std::path::PathBuf>,
    /// Monolithic RTOS families, their markers in one matcher, and each marker's family.
    rtos: Vec<Box<dyn Rtos>>,
    rtos_matcher: Option<AhoCorasick>,
    rtos_patterns: Vec<usize>,
    /// See [`Unpacker::set_file_hook`].
    file_hook: std::sync::Mutex<Option<crate::context::FileHook>>,
    /// Why a matcher could not be built; recorded as errors in every tree this unpacker
    /// makes, so that a tree with nothing carved says why.
    build_errors: Vec<String>,
}

/// Block size of the run detection in [`searchable`].
const RUN_BLOCK: usize = 4096;

/// The parts of `h` a magic can be in, in order: everything but the blocks of
/// [`RUN_BLOCK`] bytes that hold one repeated byte (no magic is one repeated byte, so none
/// lies inside such a run). Each part is widened by `overlap` bytes on both sides, so that a
/// magic that begins in the tail of a run, ends in the head of one, or spans the border of two
/// runs of different bytes is still seen whole. Checking a block is a vectorised comparison;
/// searching it with the overlapping automaton costs several nanoseconds a byte, which on a
/// gigabyte of padding or bomb output was most of the unpack time.
fn searchable(h: &[u8], overlap: usize) -> Vec<std::ops::Range<usize>> {
    let mut out: Vec<std::ops::Range<usize>> = Vec::new();
    let mut push = |a: usize, b: usize| {
        let a = a.saturating_sub(overlap);
        let b = b.saturating_add(overlap).min(h.len());
        match out.last_mut() {
            Some(last) if last.end >= a => last.end = last.end.max(b),
            _ => out.push(a..b),
        }
    };
    let mut prev_run: Option<u8> = None;
    let mut open: Option<usize> = None;
    let mut off = 0;
    while off < h.len() {
        let end = (off + RUN_BLOCK).min(h.len());
        let block = &h[off..end];
        let first = block[0];
        let run = block.len() == RUN_BLOCK && block.iter().all(|&b| b == first);
        if run {
            if let Some(a) = open.take() {
                push(a, off);
            } else if prev_run.is_some_and(|p| p != first) {
                // two runs of different bytes meet here
                push(off, off);
            }
            prev_run = Some(first);
        } else {
            open.get_or_insert(off);
            prev_run = None;
        }
        off = end;
    }
    if let Some(a) = open {
        push(a, h.len());
    }
    out
}

impl Unpacker {
    pub fn new(limits: Limits) -> Unpacker {
        Unpacker::with_rtos(limits, formats::all(), formats::rtos_all())
    }

    /// An unpacker with only `handlers`: no RTOS recognisers (see [`Unpacker::with_rtos`]).
    pub fn with_handlers(limits: Limits, handlers: Vec<HandlerRef>) -> Unpacker {
        Unpacker::with_rtos(limits, handlers, Vec::new())
    }

    /// An unpacker with `handlers` and the monolithic RTOS recognisers `rtos`
    /// ([`Unpacker::new`] has every one of both).
    pub fn with_rtos(
        limits: Limits,
        handlers: Vec<HandlerRef>,
        rtos: Vec<Box<dyn Rtos>>,
    ) -> Unpacker {
        let mut pats: Vec<&'static [u8]> = Vec::new();
        let mut patterns = Vec::new();
        let mut headless = Vec::new();
        for (i, h) in handlers.iter().enumerate() {
            if h.magics().is_empty() {
                headless.push(i);
            }
            for m in h.magics() {
                pats.push(m.bytes);
                patterns.push((i, m.offset));
            }
        }
        let mut build_errors = Vec::new();
        let matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::Standard)
            .build(&pats)
            .map_err(|e| {
                build_errors.push(format!("magic matcher not built ({e}): nothing carved"))
            })
            .ok();
        let mut rtos_pats: Vec<&'static [u8]> = Vec::new();
        let mut rtos_patterns = Vec::new();
        for (i, r) in rtos.iter().enumerate() {
            for m in r.markers() {
                rtos_pats.push(m);
                rtos_patterns.push(i);
            }
        }
        let rtos_matcher = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&rtos_pats)
            .map_err(|e| {
                build_errors.push(format!(
                    "RTOS marker matcher not built ({e}): no RTOS image recognised"
                ))
            })
            .ok();
        Unpacker {
            rtos,
            rtos_matcher,
            rtos_patterns,
            handlers,
            headless,
            matcher,
            max_magic: pats.iter().map(|p| p.len()).max().unwrap_or(0),
            skip_runs: pats
                .iter()
                .all(|p| p.len() > 1 && p.iter().any(|&b| b != p[0])),
            patterns,
            limits,
            progress: Arc::new(Progress::default()),
            spill_parent: None,
            build_errors,
            file_hook: std::sync::Mutex::new(None),
        }
    }

    /// A run's state, with the unpacker's own build error recorded in it.
    fn new_ctx(&self, input_size: u64) -> Ctx {
        let mut ctx = Ctx::new(
            self.limits.clone(),
            input_size,
            self.progress.clone(),
            self.spill_parent.clone(),
        );
        ctx.file_hook = self.file_hook.lock().ok().and_then(|h| h.clone());
        for e in &self.build_errors {
            ctx.record_error("", "unpacker", 0, e);
        }
        ctx
    }

    /// Call `hook` with every regular file a format handler adds, while the image unpacks
    /// (`None`: no hook). Files of a scanned directory and the input itself are not passed.
    pub fn set_file_hook(&self, hook: Option<crate::context::FileHook>) {
        if let Ok(mut h) = self.file_hook.lock() {
            *h = hook;
        }
    }

    /// Where the private spill directory is created (default: the system temporary dir).
    pub fn set_spill_parent(&mut self, dir: &Path) {
        self.spill_parent = Some(dir.to_path_buf());
    }

    pub fn handlers(&self) -> &[HandlerRef] {
        &self.handlers
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Counters a progress bar can poll while `unpack_*` runs.
    pub fn progress(&self) -> Arc<Progress> {
        self.progress.clone()
    }

    /// Unpack a file or a directory.
    pub fn unpack_path(&self, input: &Path) -> Result<Tree, InputError> {
        let meta = std::fs::metadata(input).map_err(|source| InputError::Io {
            path: input.display().to_string(),
            source,
        })?;
        if meta.is_dir() {
            self.unpack_dir(input)
        } else if meta.is_file() {
            let data = read_input(input)?;
            Ok(self.unpack_bytes(data))
        } else {
            Err(InputError::NotAFile {
                path: input.display().to_string(),
            })
        }
    }

    /// Unpack an image held in memory.
    pub fn unpack_bytes(&self, data: Bytes) -> Tree {
        let ctx = self.new_ctx(data.len() as u64);
        let part = self.process_blob(&ctx, "", &data, 0, true);
        let understood = part.understood;
        let mut tree = self.finish(ctx, part);
        tree.coverage = Some(Coverage::new(understood, data.len() as u64));
        tree
    }

    /// Scan an already unpacked directory. Symlinks are recorded, never followed; only
    /// regular files are read; files inside are carved and unpacked like any blob.
    pub fn unpack_dir(&self, root: &Path) -> Result<Tree, InputError> {
        let mut raw = Vec::new();
        let mut total = 0u64;
        walk_dir(root, root, &mut raw, &mut total)?;
        let ctx = self.new_ctx(total);
        let mut part = Partial::new();
        let mut blobs = Vec::new();
        for (rel, kind, meta, link, file) in raw {
            let data = match &file {
                Some(p) => match read_input(p) {
                    Ok(d) => d,
                    Err(e) => {
                        ctx.record_error(&rel, "file", 0, &e.to_string());
                        Bytes::new()
                    }
                },
                None => Bytes::new(),
            };
            if kind == EntryKind::File {
                if ctx.entries.fetch_add(1, Ordering::Relaxed) >= ctx.limits.max_entries {
                    ctx.record_limit(
                        &rel,
                        "max-entries",
                        "directory has more entries than the limit",
                    );
                    break;
                }
                ctx.progress
                    .bytes_extracted
                    .fetch_add(data.len() as u64, Ordering::Relaxed);
                blobs.push((rel.clone(), data.clone()));
            }
            part.entries.push(Entry {
                path: rel,
                kind,
                meta,
                size: data.len() as u64,
                data,
                link_target: link,
                layer: None,
                root_len: 0,
            });
        }
        let children: Vec<Partial> = blobs
            .par_iter()
            .filter(|(_, d)| !classify::is_leaf(d))
            .map(|(p, d)| self.process_blob(&ctx, p, d, 1, false))
            .collect();
        for c in children {
            part.append(c);
        }
        Ok(self.finish(ctx, part))
    }

    fn finish(&self, ctx: Ctx, part: Partial) -> Tree {
        let Partial {
            entries,
            mut layers,
            ..
        } = part;
        layers.sort_by(|a, b| a.1.path.cmp(&b.1.path));
        let mut remap = vec![0u32; ctx.next_layer.load(Ordering::Relaxed) as usize];
        for (new, (old, _)) in layers.iter().enumerate() {
            if let Some(slot) = remap.get_mut(*old as usize) {
                *slot = new as u32;
            }
        }
        let mut entries = entries;
        for e in &mut entries {
            if let Some(l) = e.layer {
                e.layer = remap.get(l as usize).copied();
            }
        }
        let mut errors = ctx.errors.lock().map(|v| v.clone()).unwrap_or_default();
        errors.sort_by(|a, b| (&a.path, a.offset, &a.error).cmp(&(&b.path, b.offset, &b.error)));
        let mut limits_hit = ctx.limits_hit.lock().map(|v| v.clone()).unwrap_or_default();
        limits_hit.sort_by(|a, b| (&a.path, &a.limit).cmp(&(&b.path, &b.limit)));
        let mut tree = Tree::from_parts(
            entries,
            layers.into_iter().map(|(_, l)| l).collect(),
            errors,
            limits_hit,
        );
        materialize_hardlinks(&mut tree);
        let mut integrity = ctx.integrity.lock().map(|v| v.clone()).unwrap_or_default();
        integrity.sort_by(|a, b| (&a.layer, &a.field).cmp(&(&b.layer, &b.field)));
        tree.integrity = integrity;
        let mut unsupported = ctx
            .unsupported
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        unsupported.sort_by(|a, b| (&a.path, a.offset).cmp(&(&b.path, b.offset)));
        tree.unsupported = unsupported;
        tree.spill = ctx.spill.get().and_then(|r| r.as_ref().ok().cloned());
        tree
    }

    /// Find every chunk of a known format in `data`, in order, without overlaps.
    ///
    /// `probe` bounds the decoded output of all chunks together: each chunk's output is
    /// taken from `probe.max_output` (so a blob of many small bombs cannot decode more than
    /// one would), and from `probe.memory` while it is held in memory (past it, outputs go to
    /// spool files). Large mapped blobs are scanned in windows whose pages are released
    /// behind the scan, so carving a spilled 1 GiB output does not keep 1 GiB resident.
    pub fn carve(&self, data: &[u8], probe: &Probe) -> Vec<(usize, crate::handler::Chunk)> {
        let mut found = Vec::new();
        let mut cursor = 0usize;
        let mut p = probe.clone();
        let take = |p: &mut Probe, c: &crate::handler::Chunk| {
            if let Some(d) = &c.decoded {
                p.max_output = p.max_output.saturating_sub(d.len() as u64);
                if !spool::is_mapped(d) {
                    p.memory = p.memory.saturating_sub(d.len() as u64);
                }
            }
        };
        // formats without magic: only as the whole blob
        for &hi in &self.headless {
            if let Some(c) = self.handlers[hi].identify(data, 0, &p) {
                if c.start == 0 && c.end <= data.len() && c.end > 0 {
                    cursor = c.end;
                    take(&mut p, &c);
                    found.push((hi, c));
                    break;
                }
            }
        }
        let Some(matcher) = &self.matcher else {
            return found; // recorded in the tree (`build_errors`)
        };
        let mapped = spool::is_mapped(data);
        let window = if mapped { CARVE_WINDOW } else { data.len() };
        let overlap = self.max_magic.saturating_sub(1);
        // pages before this offset have been released
        let mut released = 0usize;
        'outer: while cursor < data.len() {
            // restart the search from the cursor; the earliest valid candidate wins
            let mut win_start = cursor;
            loop {
                let win_end = win_start.saturating_add(window).min(data.len());
                // a magic starting before `win_end` is matched whole in this window
                let hay_end = win_end.saturating_add(overlap).min(data.len());
                let hay = &data[win_start..hay_end];
                let ranges: Vec<std::ops::Range<usize>> = if self.skip_runs {
                    searchable(hay, overlap)
                } else {
                    std::iter::once(0..hay.len()).collect()
                };
                for m in ranges.into_iter().flat_map(|r| {
                    let base = r.start;
                    matcher
                        .find_overlapping_iter(&hay[r])
                        .map(move |m| (base + m.start(), m.pattern()))
                }) {
                    let (m_start, m_pattern) = m;
                    let pos = win_start + m_start;
                    if pos >= win_end {
                        continue; // the next window reports it
                    }
                    let (hi, moff) = self.patterns[m_pattern.as_usize()];
                    let Some(start) = pos.checked_sub(moff) else {
                        continue;
                    };
                    if start < cursor {
                        continue;
                    }
                    if let Some(c) = self.handlers[hi].identify(data, start, &p) {
                        if c.start >= cursor && c.end <= data.len() && c.end > c.start {
                            cursor = c.end;
                            take(&mut p, &c);
                            found.push((hi, c));
                            continue 'outer;
                        }
                    }
                }
                if win_end >= data.len() {
                    break 'outer;
                }
                if mapped && win_start > released {
                    spool::release(&data[released..win_start]);
                    released = win_start;
                }
                win_start = win_end;
            }
        }
        if mapped {
            spool::release(&data[released..]);
        }
        found
    }

    /// Carve `data` and extract what is found. `payload` is true for the image and the
    /// outputs of firmware containers and compressed streams: their unknown regions are
    /// reported and counted in the coverage figure (files of a file system or archive are
    /// understood as files whatever their content).
    fn process_blob(
        &self,
        ctx: &Ctx,
        blob_path: &str,
        data: &Bytes,
        depth: u32,
        payload: bool,
    ) -> Partial {
        let mut part = Partial::new();
        if data.len() < 8 {
            part.understood = data.len() as u64;
            return part;
        }
        // in-memory output of pending chunks shrinks with depth, so that the chunks held by
        // every level of a nested image together stay small
        let probe = Probe {
            max_output: ctx.budget_left(),
            memory: crate::handler::SPOOL_MEMORY.min(ctx.limits.memory_budget)
                / u64::from(depth + 1),
            spool_dir: ctx.spool_dir(),
        };
        let chunks = self.carve(data, &probe);
        let mut rtos_os = None;
        if let Some((p, os)) = self.recognise_rtos(ctx, blob_path, data, &chunks, depth) {
            part.append(p);
            rtos_os = Some(os);
        }
        if chunks.is_empty() {
            part.understood = if classify::is_leaf(data) {
                data.len() as u64
            } else {
                ctx.account_gaps(blob_path, data, &[], payload, rtos_os.as_deref())
            };
            return part;
        }
        if depth >= ctx.limits.max_depth {
            ctx.record_limit(
                blob_path,
                "max-depth",
                &format!(
                    "nesting depth {} reached; {} embedded chunk(s) not unpacked (first: {} at offset {:#x})",
                    ctx.limits.max_depth,
                    chunks.len(),
                    self.handlers[chunks[0].0].doc().name,
                    chunks[0].1.start
                ),
            );
            part.understood = data.len() as u64;
            return part;
        }
        let spans: Vec<(usize, usize)> = chunks.iter().map(|(_, c)| (c.start, c.end)).collect();
        let mut understood = ctx.account_gaps(blob_path, data, &spans, payload, rtos_os.as_deref());
        let blob_name = path::file_name(blob_path).to_string();
        for (hi, chunk) in chunks {
            let h = &self.handlers[hi];
            let doc = h.doc();
            if doc.category == Category::Leaf {
                understood += chunk.len() as u64;
                continue;
            }
            let layer_dir = if blob_path.is_empty() {
                format!("{:#x}.{}", chunk.start, doc.name)
            } else {
                format!("{blob_path}.extract/{:#x}.{}", chunk.start, doc.name)
            };
            let layer_index = ctx.next_layer.fetch_add(1, Ordering::Relaxed);
            ctx.progress.layers.fetch_add(1, Ordering::Relaxed);
            let mut sink = Sink {
                ctx,
                layer_dir: layer_dir.clone(),
                layer_index,
                blob_name: blob_name.clone(),
                entries: Vec::new(),
                notes: Vec::new(),
                unsupported: Vec::new(),
            };
            let slice = data.slice(chunk.start..chunk.end);
            // a handler must never take the scan down: contain panics as errors
            if chunk.truncated {
                sink.limit(
                    ctx.byte_cap_name,
                    &format!(
                        "{} stream at {:#x} decodes to more than the {} bytes left; truncated",
                        doc.name,
                        chunk.start,
                        chunk.decoded.as_ref().map_or(0, |d| d.len())
                    ),
                );
            }
            let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                h.extract(&slice, &chunk, &mut sink)
            }));
            match res {
                Ok(Ok(())) => {}
                Ok(Err(FormatError::Limit(_))) => {}
                Ok(Err(e)) => {
                    ctx.record_error(&layer_dir, doc.name, chunk.start as u64, &e.to_string())
                }
                Err(_) => ctx.record_error(
                    &layer_dir,
                    doc.name,
                    chunk.start as u64,
                    "handler failed unexpectedly (internal error); entries before the failure kept",
                ),
            }
            for (limit, detail) in sink.notes.drain(..) {
                ctx.record_limit(&layer_dir, &limit, &detail);
            }
            if !chunk.checks.is_empty() {
                if let Ok(mut v) = ctx.integrity.lock() {
                    for c in &chunk.checks {
                        v.push(IntegrityCheck {
                            layer: layer_dir.clone(),
                            format: doc.name.to_string(),
                            field: c.field.to_string(),
                            algorithm: c.algorithm.clone(),
                            stored: c.stored.clone(),
                            computed: c.computed.clone(),
                            ok: c.ok(),
                        });
                    }
                }
            }
            let mut unsupported_bytes = 0u64;
            for (off, size, reason) in sink.unsupported.drain(..) {
                let a = (off as usize).min(slice.len());
                let b = a.saturating_add(size as usize).min(slice.len());
                unsupported_bytes += (b - a) as u64;
                ctx.record_unsupported(
                    blob_path,
                    chunk.start + a,
                    &slice[a..b],
                    &format!("{}: {reason}", doc.name),
                );
            }
            let opened = (chunk.len() as u64).saturating_sub(unsupported_bytes);
            part.layers.push((
                layer_index,
                netvet_model::LayerInfo {
                    path: layer_dir,
                    format: doc.name.to_string(),
                    variant: chunk.variant.clone(),
                    offset: chunk.start as u64,
                    size: chunk.len() as u64,
                    parent: blob_path.to_string(),
                },
            ));
            let holds_payload = matches!(doc.category, Category::Firmware | Category::Compression);
            let files = sink.entries.iter().filter(|e| e.kind == EntryKind::File);
            let mut child_total = 0u64;
            let mut child_understood = 0u64;
            let mut children: Vec<(String, Bytes)> = Vec::new();
            for e in files {
                child_total += e.size;
                if classify::is_leaf(&e.data) {
                    child_understood += e.size;
                } else {
                    children.push((e.path.clone(), e.data.clone()));
                }
            }
            part.entries.append(&mut sink.entries);
            let sub: Vec<Partial> = children
                .par_iter()
                .map(|(p, d)| self.process_blob(ctx, p, d, depth + 1, holds_payload))
                .collect();
            for s in sub {
                child_understood += s.understood;
                part.append(s);
            }
            // a container is understood as far as its payload is; a file system or archive
            // is understood as a whole (its files are named files, whatever they hold)
            understood += if holds_payload && child_total > 0 {
                ((opened as u128 * child_understood.min(child_total) as u128) / child_total as u128)
                    as u64
            } else {
                opened
            };
        }
        part.understood = understood.min(data.len() as u64);
        part
    }
}

/// Largest blob looked at as a monolithic RTOS image (VxWorks kernels are a few MiB; a
/// larger blob is a decoded bomb or a disk, and reading it again would page it all in).
const MAX_RTOS_IMAGE: usize = 64 << 20;

impl Unpacker {
    /// Recognise `data` as a monolithic RTOS image (see [`crate::formats::rtos`]): a layer
    /// `0x0.<os>` beside the carved ones, holding `info.json`, `symbols.txt` and, for the
    /// top-level image (which is no entry of the tree otherwise), the image itself as
    /// `image`, so the string-level analyses read it. The layer claims no bytes and its files
    /// are not carved again (the blob itself is).
    fn recognise_rtos(
        &self,
        ctx: &Ctx,
        blob_path: &str,
        data: &Bytes,
        chunks: &[(usize, crate::handler::Chunk)],
        depth: u32,
    ) -> Option<(Partial, String)> {
        if data.len() < rtos::MIN_IMAGE
            || data.len() > MAX_RTOS_IMAGE
            || depth >= ctx.limits.max_depth
            || classify::is_leaf(data)
        {
            return None;
        }
        // a blob that is mostly one file system or archive is not a monolithic image
        let covered: usize = chunks
            .iter()
            .filter(|(hi, _)| {
                matches!(
                    self.handlers[*hi].doc().category,
                    Category::Filesystem | Category::Archive
                )
            })
            .map(|(_, c)| c.len())
            .sum();
        if covered * 2 > data.len() {
            return None;
        }
        if self.rtos.is_empty() {
            return None;
        }
        let rtos_matcher = self.rtos_matcher.as_ref()?; // else recorded (`build_errors`)
        let mut seen = vec![false; self.rtos.len()];
        for m in rtos_matcher.find_iter(&data[..]) {
            seen[self.rtos_patterns[m.pattern().as_usize()]] = true;
            if seen.iter().all(|s| *s) {
                break;
            }
        }
        let found = self.recognise_rtos_in(ctx, blob_path, data, &seen);
        if spool::is_mapped(data) {
            spool::release(&data[..]); // the carver released these pages; so does this pass
        }
        found
    }

    fn recognise_rtos_in(
        &self,
        ctx: &Ctx,
        blob_path: &str,
        data: &Bytes,
        seen: &[bool],
    ) -> Option<(Partial, String)> {
        for (i, fam) in self.rtos.iter().enumerate() {
            if !seen[i] {
                continue;
            }
            // a recogniser must never take the scan down: contain panics as errors
            let found =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fam.recognise(data)));
            let doc = fam.doc();
            let img = match found {
                Ok(Some(img)) => img,
                Ok(None) => continue,
                Err(_) => {
                    ctx.record_error(
                        blob_path,
                        doc.name,
                        0,
                        "RTOS recogniser failed unexpectedly (internal error)",
                    );
                    continue;
                }
            };
            let layer_dir = if blob_path.is_empty() {
                format!("0x0.{}", doc.name)
            } else {
                format!("{blob_path}.extract/0x0.{}", doc.name)
            };
            let layer_index = ctx.next_layer.fetch_add(1, Ordering::Relaxed);
            ctx.progress.layers.fetch_add(1, Ordering::Relaxed);
            let mut sink = Sink {
                ctx,
                layer_dir: layer_dir.clone(),
                layer_index,
                blob_name: path::file_name(blob_path).to_string(),
                entries: Vec::new(),
                notes: Vec::new(),
                unsupported: Vec::new(),
            };
            let info = Bytes::from(img.info_json(data.len()));
            let mut res = sink.file("info.json", Meta::mode(0o644), info);
            if res.is_ok() && !img.symbols.is_empty() {
                res = sink.file("symbols.txt", Meta::mode(0o644), img.symbols_txt());
            }
            if res.is_ok() && blob_path.is_empty() {
                res = sink.file("image", Meta::mode(0o644), data.clone());
            }
            if let Err(e) = res {
                if !matches!(e, FormatError::Limit(_)) {
                    ctx.record_error(&layer_dir, doc.name, 0, &e.to_string());
                }
            }
            for (limit, detail) in sink.notes.drain(..) {
                ctx.record_limit(&layer_dir, &limit, &detail);
            }
            // a payload no handler reads (a VxWorks ROMFS of Wind River's own layout)
            for p in img.payloads.iter().filter(|p| !p.opened) {
                if let Some(region) = data.get(p.offset..p.offset.saturating_add(p.size)) {
                    let reason = format!(
                        "{}: {} at {:#x} ({}), which netvet does not read",
                        doc.name, p.name, p.address, p.format
                    );
                    ctx.record_unsupported(blob_path, p.offset, region, &reason);
                }
            }
            let mut part = Partial::new();
            part.entries.append(&mut sink.entries);
            let variant = img.variant();
            part.layers.push((
                layer_index,
                LayerInfo {
                    path: layer_dir,
                    format: doc.name.to_string(),
                    variant: variant.clone(),
                    offset: 0,
                    size: data.len() as u64,
                    parent: blob_path.to_string(),
                },
            ));
            return Some((part, variant));
        }
        None
    }
}

/// Give hard-link entries the content of their target (same layer) and make them files, so
/// analyzers see every name of a file.
fn materialize_hardlinks(tree: &mut Tree) {
    let mut fixes = Vec::new();
    for (i, e) in tree.entries.iter().enumerate() {
        if e.kind == EntryKind::Hardlink {
            if let Some(t) = tree.resolve(e) {
                if t.kind == EntryKind::File {
                    fixes.push((i, t.data.clone(), t.meta));
                }
            }
        }
    }
    for (i, data, meta) in fixes {
        let e = &mut tree.entries[i];
        e.kind = EntryKind::File;
        e.size = data.len() as u64;
        e.data = data;
        if e.meta == Meta::default() {
            e.meta = meta;
        }
    }
}

/// Read an input file: mapped when large, read otherwise.
fn read_input(p: &Path) -> Result<Bytes, InputError> {
    let io = |source| InputError::Io {
        path: p.display().to_string(),
        source,
    };
    let f = std::fs::File::open(p).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len >= (64 << 20) {
        // read-only map of an input file; netvet never writes to its inputs. Registered, so
        // the carver releases its pages behind the scan.
        spool::map_file(&f).map_err(io)
    } else {
        std::fs::read(p).map(Bytes::from).map_err(io)
    }
}

type RawEntry = (
    String,
    EntryKind,
    Meta,
    Option<String>,
    Option<std::path::PathBuf>,
);

fn walk_dir(
    root: &Path,
    dir: &Path,
    out: &mut Vec<RawEntry>,
    total: &mut u64,
) -> Result<(), InputError> {
    let io = |source| InputError::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut items: Vec<_> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .collect();
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let p = item.path();
        let Ok(rel) = p.strip_prefix(root) else {
            continue;
        };
        let rel = path::normalize(&rel.to_string_lossy()).path;
        if rel.is_empty() {
            continue;
        }
        // never follow a symlink: lstat
        let Ok(md) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        let meta = unix_meta(&md);
        let ft = md.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(&p)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((rel, EntryKind::Symlink, meta, Some(target), None));
        } else if ft.is_dir() {
            out.push((rel, EntryKind::Dir, meta, None, None));
            walk_dir(root, &p, out, total)?;
        } else if ft.is_file() {
            *total += md.len();
            out.push((rel, EntryKind::File, meta, None, Some(p)));
        } else {
            out.push((rel, special_kind(&ft), meta, None, None));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn unix_meta(md: &std::fs::Metadata) -> Meta {
    use std::os::unix::fs::MetadataExt;
    Meta {
        mode: md.mode() & 0o7777,
        uid: md.uid(),
        gid: md.gid(),
        mtime: md.mtime(),
    }
}

#[cfg(not(unix))]
fn unix_meta(_md: &std::fs::Metadata) -> Meta {
    Meta::mode(0o644)
}

#[cfg(unix)]
fn special_kind(ft: &std::fs::FileType) -> EntryKind {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_char_device() {
        EntryKind::CharDevice
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else if ft.is_socket() {
        EntryKind::Socket
    } else {
        EntryKind::Fifo
    }
}

#[cfg(not(unix))]
fn special_kind(_ft: &std::fs::FileType) -> EntryKind {
    EntryKind::Fifo
}

#[cfg(test)]
mod tests {
    use super::searchable;

    #[test]
    fn runs_of_one_byte_are_skipped_with_their_borders_kept() {
        // 3 blocks of zeros, 1 block of text, 2 blocks of 0xff, 2 of zeros, a short tail
        let mut h = vec![0u8; 3 * 4096];
        h.extend((0..4096).map(|i| b'a' + (i % 26) as u8));
        h.extend(vec![0xffu8; 2 * 4096]);
        h.extend(vec![0u8; 2 * 4096]);
        h.extend(b"tail");
        let r = searchable(&h, 7);
        assert_eq!(
            r,
            vec![
                3 * 4096 - 7..4 * 4096 + 7,
                6 * 4096 - 7..6 * 4096 + 7,
                8 * 4096 - 7..h.len()
            ]
        );
        // all one byte: nothing to search; no run: everything
        assert!(searchable(&vec![0u8; 8 * 4096], 7).is_empty());
        let text: Vec<u8> = (0..10_000).map(|i| (i % 251) as u8).collect();
        assert_eq!(searchable(&text, 7), vec![0..10_000]);
    }

    #[test]
    fn a_magic_at_the_end_of_padding_is_still_carved() {
        // a gzip member whose magic starts 3 bytes before the end of a block of zeros
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, b"hello from behind the padding\n").unwrap();
        let gz = gz.finish().unwrap();
        let mut img = vec![0u8; 4 * 4096 - 3];
        img.extend(&gz);
        img.extend(vec![0u8; 4 * 4096]);
        let t =
            super::Unpacker::new(super::Limits::default()).unpack_bytes(bytes::Bytes::from(img));
        let hit = t
            .files()
            .find(|e| e.path.ends_with(".gzip/data") || e.path.contains("gzip"))
            .map(|e| (e.path.clone(), t.content(e).to_vec()));
        let (path, data) = hit.expect("the gzip member is carved");
        assert!(
            path.starts_with(&format!("{:#x}.gzip", 4 * 4096 - 3)),
            "{path}"
        );
        assert_eq!(data, b"hello from behind the padding\n");
    }
}
