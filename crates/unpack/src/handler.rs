//! The contract between the engine and a format handler.
//!
//! A handler declares what identifies its format ([`FormatDoc`], [`Magic`]), validates a
//! candidate position and reports the chunk's extent ([`Handler::identify`]), and extracts the
//! chunk's children into a [`Sink`] ([`Handler::extract`]). Handlers never touch the real file
//! system, never trust a length or count from a header, and return one error type,
//! [`FormatError`]; the engine records errors and limits and carries on.

use bytes::Bytes;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::context::Ctx;
use crate::path;
use crate::tree::{Entry, EntryKind, Meta};

/// What kind of format a handler reads; decides how the result is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// A compressed stream with one output.
    Compression,
    /// An archive of members (tar, cpio, zip, ...).
    Archive,
    /// A firmware container (header + partitions).
    Firmware,
    /// A file system image.
    Filesystem,
    /// Recognised so that carving skips it (PDF, JPEG, PNG, ...); nothing is extracted.
    Leaf,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Compression => "compression",
            Category::Archive => "archive",
            Category::Firmware => "firmware",
            Category::Filesystem => "filesystem",
            Category::Leaf => "leaf",
        }
    }
}

/// Documentation of a format, kept next to its handler; `docs/formats.md` is generated from it.
#[derive(Debug, Clone, Copy)]
pub struct FormatDoc {
    /// Short stable name used in reports and layer directories (`squashfs`, `gzip`, `trx`).
    pub name: &'static str,
    pub category: Category,
    pub description: &'static str,
    /// Public specifications or source files describing the format.
    pub references: &'static [&'static str],
    /// What this handler does not do (yet).
    pub limitations: &'static str,
}

/// A magic byte pattern and where it sits relative to the start of the chunk.
#[derive(Debug, Clone, Copy)]
pub struct Magic {
    pub bytes: &'static [u8],
    /// Offset of `bytes` from the chunk start (for example 257 for tar's `ustar`).
    pub offset: usize,
}

impl Magic {
    pub const fn at0(bytes: &'static [u8]) -> Magic {
        Magic { bytes, offset: 0 }
    }
    pub const fn at(bytes: &'static [u8], offset: usize) -> Magic {
        Magic { bytes, offset }
    }
}

/// A validated occurrence of a format inside a blob.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    /// Start offset in the blob.
    pub start: usize,
    /// End offset (exclusive) in the blob; `start < end <= blob.len()`.
    pub end: usize,
    /// Work already done by `identify` that `extract` may reuse (for example the output of a
    /// compressed stream, whose end is only known after decoding it).
    pub decoded: Option<Bytes>,
    /// `decoded` stops at the probe's bound: the stream is larger than the limit allows.
    pub truncated: bool,
    /// Variant detail for the report (`squashfs 2.0 be lzma`); may be empty.
    pub variant: String,
    /// Checksum, CRC, digest or signature fields of the header and what verifying them gave.
    /// A mismatch does not refuse the chunk: a repacked image is still unpacked, and the
    /// mismatch becomes an `image.integrity-mismatch` finding.
    pub checks: Vec<Check>,
}

/// One verified integrity field of a container header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Field name as in the public header definition (`crc32`, `ih_dcrc`).
    pub field: &'static str,
    /// How the value is computed (`crc32 of bytes 12..len`).
    pub algorithm: String,
    /// Stored and computed values, hex.
    pub stored: String,
    pub computed: String,
}

impl Check {
    /// A 32-bit field (printed as `0x1234abcd`).
    pub fn u32(
        field: &'static str,
        algorithm: impl Into<String>,
        stored: u32,
        computed: u32,
    ) -> Check {
        Check {
            field,
            algorithm: algorithm.into(),
            stored: format!("{stored:#010x}"),
            computed: format!("{computed:#010x}"),
        }
    }

    /// A digest field (printed as lowercase hex bytes).
    pub fn digest(
        field: &'static str,
        algorithm: impl Into<String>,
        stored: &[u8],
        computed: &[u8],
    ) -> Check {
        Check {
            field,
            algorithm: algorithm.into(),
            stored: hex(stored),
            computed: hex(computed),
        }
    }

    pub fn ok(&self) -> bool {
        self.stored == self.computed
    }
}

/// Append ` (FIELD, FIELD mismatch)` to a chunk's variant for every check of `checks` that
/// failed, so the container's line in the report says what did not verify.
pub fn note_mismatches(variant: &mut String, checks: &[Check]) {
    let bad: Vec<&str> = checks.iter().filter(|c| !c.ok()).map(|c| c.field).collect();
    if !bad.is_empty() {
        variant.push_str(&format!(" ({} mismatch)", bad.join(", ")));
    }
}

pub use crate::bytes::hex;

impl Chunk {
    pub fn new(start: usize, end: usize) -> Chunk {
        Chunk {
            start,
            end,
            ..Chunk::default()
        }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Bounds for the work `identify` may do.
#[derive(Debug, Clone)]
pub struct Probe {
    /// Most bytes of decoded output `identify` may produce and keep.
    pub max_output: u64,
    /// Most bytes of decoded output kept in memory; past it decoders write their output to
    /// an unlinked file in `spool_dir` and hand over a read-only map of it (see
    /// [`crate::spool`]). Use [`crate::spool::read_spooled`] or [`crate::spool::Spool`].
    pub memory: u64,
    /// Where spool files go; the system temporary directory when `None`.
    pub spool_dir: Option<Arc<Path>>,
}

impl Probe {
    /// Decode `reader` within this probe's bounds.
    pub fn read(&self, reader: impl Read) -> crate::spool::Spooled {
        crate::spool::read_spooled(reader, self.max_output, self.memory, self.spool_dir.clone())
    }

    /// An empty spool with this probe's memory bound.
    pub fn spool(&self) -> crate::spool::Spool {
        crate::spool::Spool::new(self.memory, self.spool_dir.clone())
    }
}

impl Default for Probe {
    fn default() -> Probe {
        Probe {
            max_output: 256 << 20,
            memory: SPOOL_MEMORY,
            spool_dir: None,
        }
    }
}

/// Decoded output of one stream kept in memory before it goes to a spool file.
pub const SPOOL_MEMORY: u64 = 32 << 20;

/// The one error type of format handlers.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("truncated: {0}")]
    Truncated(String),
    #[error("invalid: {0}")]
    Invalid(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// A safety limit stopped extraction; already recorded in the sink.
    #[error("limit reached: {0}")]
    Limit(String),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

pub type FormatResult<T> = Result<T, FormatError>;

/// Helpers for invalid input.
pub fn invalid<T>(msg: impl Into<String>) -> FormatResult<T> {
    Err(FormatError::Invalid(msg.into()))
}
pub fn truncated<T>(msg: impl Into<String>) -> FormatResult<T> {
    Err(FormatError::Truncated(msg.into()))
}

/// A format handler. One implementation per format, in its own file under `formats/`.
pub trait Handler: Send + Sync {
    fn doc(&self) -> &'static FormatDoc;

    /// Magic patterns that make a position a candidate. Empty: the handler is only tried at
    /// offset 0 of a blob (formats without a usable magic).
    fn magics(&self) -> &'static [Magic];

    /// Is this format really at `start` of `data`, and where does it end? Must validate
    /// header fields (and checksums where the format has them) and never panic.
    /// `probe` bounds the work: a compressed stream's end is only known after decoding it,
    /// so decoders stop at `probe.max_output` and hand the output over in
    /// [`Chunk::decoded`] (with [`Chunk::truncated`] set when the bound cut it).
    fn identify(&self, data: &[u8], start: usize, probe: &Probe) -> Option<Chunk>;

    /// Extract the chunk's children into `out`. `data` is exactly the chunk's bytes.
    /// Entries added before an error are kept.
    fn extract(&self, data: &Bytes, chunk: &Chunk, out: &mut Sink) -> FormatResult<()>;
}

/// Receives a layer's entries from a handler. Normalizes every path into the layer directory,
/// enforces the byte and entry limits, and spills large contents to the private temporary
/// directory when the in-memory budget is spent.
pub struct Sink<'a> {
    pub(crate) ctx: &'a Ctx,
    pub(crate) layer_dir: String,
    pub(crate) layer_index: u32,
    pub(crate) blob_name: String,
    pub(crate) entries: Vec<Entry>,
    pub(crate) notes: Vec<(String, String)>,
    /// Regions of the chunk that could not be opened: (offset in the chunk, size, reason).
    pub(crate) unsupported: Vec<(u64, u64, String)>,
}

impl<'a> Sink<'a> {
    /// Base name of the blob this layer was found in (for naming a decompressed stream).
    pub fn blob_name(&self) -> &str {
        &self.blob_name
    }

    /// Bytes that may still be extracted before the total-bytes limit.
    pub fn budget(&self) -> u64 {
        self.ctx.budget_left()
    }

    /// Bounds for decoding a stream in `extract` (the remaining byte budget; output past
    /// [`SPOOL_MEMORY`] goes to a spool file).
    pub fn probe(&self) -> Probe {
        Probe {
            max_output: self.budget(),
            memory: SPOOL_MEMORY.min(self.ctx.limits.memory_budget),
            spool_dir: self.ctx.spool_dir(),
        }
    }

    /// Entries added so far.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Check a size claimed by a header before allocating it.
    pub fn check_alloc(&mut self, what: &str, n: u64) -> FormatResult<()> {
        if n > self.budget() {
            let detail = format!(
                "{what} claims {n} bytes, more than the {} left",
                self.budget()
            );
            self.limit("max-bytes", &detail);
            return Err(FormatError::Limit(detail));
        }
        Ok(())
    }

    /// Record that a region of this chunk (offset relative to the chunk) could not be opened:
    /// a scheme or key that is not available. It appears in `unpack.unsupported` with its
    /// header and entropy and counts as not understood in the coverage figure.
    pub fn unsupported(&mut self, offset: u64, size: u64, reason: impl Into<String>) {
        self.unsupported.push((offset, size, reason.into()));
    }

    /// Record that a limit was reached (appears in `unpack.limits_hit`).
    pub fn limit(&mut self, limit: &str, detail: &str) {
        self.notes.push((limit.to_string(), detail.to_string()));
    }

    fn add(
        &mut self,
        raw: &str,
        kind: EntryKind,
        meta: Meta,
        data: Bytes,
        link: Option<String>,
    ) -> FormatResult<()> {
        let norm = path::normalize(raw);
        if norm.escaped {
            self.ctx.record_error(
                &self.layer_dir,
                "path",
                0,
                &format!(
                    "entry name '{}' points outside the layer; stored as '{}'",
                    raw, norm.path
                ),
            );
        }
        if norm.path.is_empty() {
            return Ok(()); // the layer root itself
        }
        let n = self.ctx.entries.fetch_add(1, Ordering::Relaxed) + 1;
        self.ctx.progress.entries.fetch_add(1, Ordering::Relaxed);
        if n > self.ctx.limits.max_entries {
            let d = format!(
                "more than {} entries; later entries skipped",
                self.ctx.limits.max_entries
            );
            self.limit("max-entries", &d);
            return Err(FormatError::Limit(d));
        }
        let size = data.len() as u64;
        if size > 0 && !self.ctx.take_bytes(size) {
            let d = format!(
                "'{}' ({} bytes) not kept: total extracted bytes limit ({} bytes) reached",
                norm.path, size, self.ctx.byte_cap
            );
            self.limit(self.ctx.byte_cap_name, &d);
            return Err(FormatError::Limit(d));
        }
        let data = self.ctx.maybe_spill(data)?;
        let full = path::join(&self.layer_dir, &norm.path);
        if kind == EntryKind::File {
            if let Some(hook) = &self.ctx.file_hook {
                hook(&full, &data);
            }
        }
        let root_len = if self.layer_dir.is_empty() {
            0
        } else {
            self.layer_dir.len() + 1
        };
        self.entries.push(Entry {
            path: full,
            kind,
            meta: Meta {
                mode: meta.mode & 0o7777,
                ..meta
            },
            size,
            data,
            link_target: link,
            layer: Some(self.layer_index),
            root_len,
        });
        Ok(())
    }

    /// Add a regular file. Fails with [`FormatError::Limit`] when a limit is reached.
    pub fn file(&mut self, path: &str, meta: Meta, data: impl Into<Bytes>) -> FormatResult<()> {
        self.add(path, EntryKind::File, meta, data.into(), None)
    }

    pub fn dir(&mut self, path: &str, meta: Meta) -> FormatResult<()> {
        self.add(path, EntryKind::Dir, meta, Bytes::new(), None)
    }

    /// A symlink; the target is stored as written and never followed while unpacking.
    pub fn symlink(&mut self, path: &str, meta: Meta, target: &str) -> FormatResult<()> {
        self.add(
            path,
            EntryKind::Symlink,
            meta,
            Bytes::new(),
            Some(target.to_string()),
        )
    }

    /// A hard link to another entry of this layer (`target` relative to the layer root; a
    /// target outside the layer is normalized into it).
    pub fn hardlink(&mut self, path: &str, meta: Meta, target: &str) -> FormatResult<()> {
        let t = path::normalize(target);
        if t.escaped {
            self.ctx.record_error(
                &self.layer_dir,
                "path",
                0,
                &format!("hard link '{path}' targets '{target}' outside the layer"),
            );
        }
        self.add(path, EntryKind::Hardlink, meta, Bytes::new(), Some(t.path))
    }

    /// A device node, FIFO or socket (no content).
    pub fn special(&mut self, path: &str, kind: EntryKind, meta: Meta) -> FormatResult<()> {
        self.add(path, kind, meta, Bytes::new(), None)
    }

    /// Read a decoder to the end, keeping at most the remaining byte budget (output past
    /// [`SPOOL_MEMORY`] goes to a spool file, not memory). When the output is larger, the
    /// limit is recorded and the truncated output is returned with `true`.
    pub fn read_bounded(&mut self, reader: impl Read, what: &str) -> FormatResult<(Bytes, bool)> {
        let probe = self.probe();
        let r = probe.read(reader);
        if let Some(e) = r.error {
            if r.out.is_empty() {
                return Err(FormatError::Invalid(format!("{what}: {e}")));
            }
            // keep what was decoded before the error (a truncated stream still yields
            // its first files); the error itself goes into the report
            self.ctx.record_error(
                &self.layer_dir,
                what,
                0,
                &format!(
                    "{e} after {} bytes of output; partial output kept",
                    r.out.len()
                ),
            );
        }
        if r.truncated {
            let d = format!(
                "{what}: output larger than the {} bytes left under the {} limit; truncated",
                probe.max_output, self.ctx.byte_cap_name
            );
            self.limit(self.ctx.byte_cap_name, &d);
            return Ok((r.out, true));
        }
        Ok((r.out, false))
    }
}

/// The shared registry type.
pub type HandlerRef = Arc<dyn Handler>;
