//! Monolithic RTOS images (VxWorks, eCos, ThreadX, Nucleus): one blob of code and data with no
//! header of its own, so no magic to carve at. A recogniser looks at a whole blob (the image,
//! a decompressed kernel, a file of a file system) for the strings and tables its OS leaves,
//! and describes what it found: the OS, its version and kernel version, the byte order, the
//! load address, the symbol table. It claims no bytes: the engine still carves the blob for
//! the file systems, web pages, compressed streams and keys inside it (the MemFS and QNX IFS
//! handlers are ordinary carving handlers), and adds one layer per recognised image holding
//! `info.json` (the description) and `symbols.txt` (the recovered symbols). A top-level image
//! is also exposed as the file `image` of that layer, so the string-level analyses
//! (credentials, keys, backdoor signatures, component version strings) read it.
//!
//! Families live in this folder, one file each, and are listed in [`crate::formats::rtos_all`];
//! they use the types below, this file uses none of theirs.

use crate::handler::FormatDoc;

pub mod ecos;
pub mod nucleus;
pub mod threadx;
pub mod vxworks;

/// One recovered symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub address: u64,
    /// The symbol type as the OS names it (`text`, `data`, `bss`, `abs`, ...; `global ` prefix).
    pub kind: String,
}

/// Where a symbol table was found and how it is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolTable {
    /// Offset of the first entry in the blob.
    pub offset: usize,
    pub entries: usize,
    pub entry_size: usize,
    /// Layout name (`vxworks-5`, `vxworks-6`).
    pub layout: &'static str,
}

/// A payload of the image located by the OS's own symbols (VxWorks `romfsImage` ..
/// `romfsImageEnd`): its bytes, what they are, and whether a handler reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// `romfs`.
    pub name: &'static str,
    pub offset: usize,
    pub size: usize,
    /// Load address of the first byte.
    pub address: u64,
    /// What the bytes are, as far as they tell.
    pub format: String,
    /// A carving handler reads it (else it is reported as not opened).
    pub opened: bool,
}

/// What a recogniser found in a blob.
#[derive(Debug, Clone, Default)]
pub struct RtosImage {
    /// Display name (`VxWorks`, `eCos`, `ThreadX`, `Nucleus PLUS`).
    pub os: &'static str,
    /// The OS release (`5.5.1`), when a version string names it.
    pub version: Option<String>,
    /// The kernel's own version (`WIND version 2.6`), when separate.
    pub kernel: Option<String>,
    /// (offset, text) of the strings that identified the OS, at most [`MAX_EVIDENCE`].
    pub evidence: Vec<(usize, String)>,
    /// `big` or `little`, when a table or header told.
    pub byte_order: Option<&'static str>,
    /// Address at which offset 0 of the blob is loaded.
    pub load_address: Option<u64>,
    /// How the load address was found.
    pub load_address_method: Option<String>,
    pub symbol_table: Option<SymbolTable>,
    pub symbols: Vec<Symbol>,
    /// Why something could not be recovered (no symbol table, ...).
    pub notes: Vec<String>,
    pub payloads: Vec<Payload>,
}

impl RtosImage {
    /// The layer variant: `VxWorks 5.5.1`, or the OS name alone. Component signatures
    /// (`rules/components`) read the version from it.
    pub fn variant(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.os),
            None => self.os.to_string(),
        }
    }

    /// `info.json` of the layer.
    pub fn info_json(&self, blob_len: usize) -> String {
        let evidence: Vec<serde_json::Value> = self
            .evidence
            .iter()
            .map(|(o, s)| serde_json::json!({"offset": o, "text": s}))
            .collect();
        let v = serde_json::json!({
            "os": self.os,
            "version": self.version,
            "kernel": self.kernel,
            "byte_order": self.byte_order,
            "load_address": self.load_address.map(|a| format!("{a:#010x}")),
            "load_address_method": self.load_address_method,
            "image_size": blob_len,
            "symbol_table": self.symbol_table.as_ref().map(|t| serde_json::json!({
                "offset": t.offset, "entries": t.entries, "entry_size": t.entry_size,
                "layout": t.layout,
            })),
            "symbols": self.symbols.len(),
            "payloads": self.payloads.iter().map(|p| serde_json::json!({
                "name": p.name, "offset": p.offset, "size": p.size,
                "address": format!("{:#010x}", p.address), "format": p.format,
                "opened": p.opened,
            })).collect::<Vec<_>>(),
            "evidence": evidence,
            "notes": self.notes,
        });
        serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
    }

    /// `symbols.txt` of the layer: `address type name`, by address.
    pub fn symbols_txt(&self) -> String {
        let mut s: Vec<&Symbol> = self.symbols.iter().collect();
        s.sort_by(|a, b| (a.address, &a.name).cmp(&(b.address, &b.name)));
        let mut out = String::from("# address type name\n");
        for x in s {
            out.push_str(&format!("{:#010x} {} {}\n", x.address, x.kind, x.name));
        }
        out
    }
}

/// A family of monolithic RTOS images.
pub trait Rtos: Send + Sync {
    /// Name (the layer's format, `vxworks`), description and references.
    fn doc(&self) -> &'static FormatDoc;
    /// Byte strings one of which every image of this family contains; a blob without any is
    /// not looked at further.
    fn markers(&self) -> &'static [&'static [u8]];
    /// Is `data` an image of this family, and what can be recovered from it? Must never
    /// panic and must bound its work by the blob's size.
    fn recognise(&self, data: &[u8]) -> Option<RtosImage>;
}

/// Most evidence strings kept per image.
pub const MAX_EVIDENCE: usize = 8;

/// Blobs smaller than this are not RTOS images.
pub const MIN_IMAGE: usize = 4096;

/// The printable string around `at` (bounded to 120 bytes each side), for evidence, with
/// the offset where it starts.
pub fn string_around(d: &[u8], at: usize) -> (usize, String) {
    let printable = |b: u8| (0x20..0x7f).contains(&b);
    let mut a = at.min(d.len());
    while a > 0 && at - a < 120 && printable(d[a - 1]) {
        a -= 1;
    }
    let mut b = at.min(d.len());
    while b < d.len() && b - at < 120 && printable(d[b]) {
        b += 1;
    }
    (a, String::from_utf8_lossy(&d[a..b]).into_owned())
}

/// Offsets of `needle` in `d`, at most `max`.
pub fn find_all(d: &[u8], needle: &[u8], max: usize) -> Vec<usize> {
    memchr::memmem::find_iter(d, needle).take(max).collect()
}

/// A dotted version number starting at `at` after skipping at most `skip` bytes of spaces,
/// `v`/`V`/`G` prefixes or NULs: `5.5.1`, `6.8`, `2.6`. At least two components.
pub fn version_at(d: &[u8], at: usize, skip: usize) -> Option<String> {
    let mut i = at;
    while i < d.len() && i - at < skip && matches!(d[i], b' ' | 0 | b'v' | b'V' | b'G' | b':') {
        i += 1;
    }
    let s = i;
    while i < d.len() && i - s < 24 && (d[i].is_ascii_digit() || d[i] == b'.') {
        i += 1;
    }
    let v = std::str::from_utf8(&d[s..i]).ok()?.trim_end_matches('.');
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty() || p.len() > 4) {
        return None;
    }
    Some(v.to_string())
}

/// The first version found after any occurrence of one of `prefixes` (each tried in order,
/// at most 64 occurrences each), with its offset.
pub fn version_after(d: &[u8], prefixes: &[&[u8]], skip: usize) -> Option<(usize, String)> {
    for p in prefixes {
        for at in find_all(d, p, 64) {
            if let Some(v) = version_at(d, at + p.len(), skip) {
                return Some((at, v));
            }
        }
    }
    None
}

/// Evidence: the strings around the first occurrences of `markers`.
pub fn evidence(d: &[u8], markers: &[&[u8]]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for m in markers {
        for at in find_all(d, m, 4) {
            if out.len() >= MAX_EVIDENCE {
                return out;
            }
            let (a, s) = string_around(d, at);
            if !out.iter().any(|(_, t)| *t == s) {
                out.push((a, s));
            }
        }
    }
    out.sort();
    out
}

/// The version after `key` within `window` bytes after an occurrence of `marker` ("ThreadX
/// ARM9/GNU Version G5.6.5.0" -> `5.6.5.0` with marker `ThreadX`, key `Version `), with the
/// marker's offset. At most 64 occurrences of the marker are looked at.
pub fn version_near(d: &[u8], marker: &[u8], key: &[u8], window: usize) -> Option<(usize, String)> {
    for at in find_all(d, marker, 64) {
        let end = d.len().min(at + marker.len() + window);
        let w = &d[at..end];
        // the version belongs to this banner: stop at the end of the string
        let w = &w[..memchr::memchr(0, w).unwrap_or(w.len())];
        if let Some(k) = memchr::memmem::find(w, key) {
            if let Some(v) = version_at(d, at + k + key.len(), 2) {
                return Some((at, v));
            }
        }
    }
    None
}
