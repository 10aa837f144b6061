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

/// A load address guessed from string references (see [`basefind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BaseGuess {
    pub base: u64,
    /// Strings addressed from pointer tables at `base`: by a word with another string's
    /// address at most 16 bytes away.
    pub score: usize,
    /// The same count for the next best candidate base.
    pub runner_up: usize,
    /// Strings addressed by any word at `base`.
    pub addressed: usize,
    /// Strings looked at.
    pub strings: usize,
    pub big_endian: bool,
}

/// Strings shorter than this are not counted (basefind's default).
const BASEFIND_MIN_STRING: usize = 10;
/// Most strings voting and most votes: the work stays linear in the image.
const BASEFIND_MAX_STRINGS: usize = 8192;
const BASEFIND_MAX_VOTES: usize = 1 << 23;
/// Candidate bases checked for pointer tables, per byte order.
const BASEFIND_CANDIDATES: usize = 6;

fn words(d: &[u8], be: bool) -> impl Iterator<Item = u32> + '_ {
    d.chunks_exact(4).map(move |w| {
        let a = [w[0], w[1], w[2], w[3]];
        if be {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    })
}

/// The load address of an image without a symbol table, by basefind's method (M. Coppola,
/// `basefind.py`, 2013; rizin `rz_basefind`; sgayou/rbasefind): code and data hold the
/// absolute addresses of the strings they use, so at the right base many aligned 32-bit
/// words of the image equal `base + offset of a string`. Strings are runs of at least 10
/// printable characters starting after a non-printable byte; bases are multiples of
/// 0x1000. Instead of trying every base, each word votes for the bases that would make it
/// address a string with the same low 12 bits; both byte orders are tried.
///
/// The vote alone misleads on MIPS: `addiu reg, reg, %lo(string)` instructions carry the
/// low half of a string's address and vote for bogus bases (the TP-Link `wr.fw` boot
/// loader: 266 strings at 0x247b0000, 86 at 0x80400000). So the best voted bases are
/// checked for what only real pointers form: tables, words addressing strings with another
/// such word at most 16 bytes away. A base is kept when at least 10 strings are addressed
/// from tables, and twice as many as at any other candidate.
pub fn basefind(d: &[u8]) -> Option<BaseGuess> {
    let printable = |b: u8| (0x20..0x7f).contains(&b);
    let mut all = Vec::new();
    let mut i = 0usize;
    while i < d.len() {
        if printable(d[i]) && (i == 0 || !printable(d[i - 1])) {
            let n = d[i..].iter().take_while(|b| printable(**b)).count();
            if n >= BASEFIND_MIN_STRING {
                if let Ok(s) = u32::try_from(i) {
                    all.push(s);
                }
            }
            i += n.max(1);
        } else {
            i += 1;
        }
    }
    if all.len() < 10 {
        return None;
    }
    let step = all.len().div_ceil(BASEFIND_MAX_STRINGS);
    let mut by_low: Vec<Vec<u32>> = vec![Vec::new(); 0x1000];
    for &s in all.iter().step_by(step) {
        by_low[(s & 0xfff) as usize].push(s);
    }
    // `all` is ascending: string starts are looked up by binary search, no second copy
    // candidates: (votes, base, big-endian)
    let mut candidates: Vec<(usize, u32, bool)> = Vec::new();
    for be in [true, false] {
        let mut sorted: Vec<u32> = words(d, be).collect();
        sorted.sort_unstable();
        sorted.dedup();
        // votes as a sorted list of bases (4 bytes each) rather than a map
        let mut votes: Vec<u32> = Vec::new();
        'words: for &w in &sorted {
            for &s in &by_low[(w & 0xfff) as usize] {
                let Some(b) = w.checked_sub(s) else {
                    break; // sorted: the rest are larger
                };
                votes.push(b);
                if votes.len() >= BASEFIND_MAX_VOTES {
                    break 'words;
                }
            }
        }
        drop(sorted);
        votes.sort_unstable();
        let mut runs: Vec<(usize, u32)> = votes
            .chunk_by(|a, b| a == b)
            .map(|r| (r.len(), r[0]))
            .collect();
        runs.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.extend(
            runs.into_iter()
                .take(BASEFIND_CANDIDATES)
                .map(|(n, b)| (n, b, be)),
        );
    }
    // (strings addressed from tables, strings addressed, candidate)
    let mut scored: Vec<(usize, usize, (usize, u32, bool))> = candidates
        .into_iter()
        .map(|c @ (_, base, be)| {
            let hits: Vec<(usize, u32)> = words(d, be)
                .enumerate()
                .filter_map(|(i, w)| {
                    let s = w.checked_sub(base)?;
                    all.binary_search(&s).is_ok().then_some((i, s))
                })
                .collect();
            let mut tabled: Vec<u32> = hits
                .iter()
                .enumerate()
                .filter(|(k, (i, _))| {
                    let near = |j: usize| hits.get(j).is_some_and(|h| h.0.abs_diff(*i) <= 4);
                    near(k + 1) || k.checked_sub(1).is_some_and(near)
                })
                .map(|(_, h)| h.1)
                .collect();
            tabled.sort_unstable();
            tabled.dedup();
            let mut addressed: Vec<u32> = hits.iter().map(|h| h.1).collect();
            addressed.sort_unstable();
            addressed.dedup();
            (tabled.len(), addressed.len(), c)
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.2 .0.cmp(&a.2 .0)));
    let (score, addressed, (_, base, be)) = *scored.first()?;
    let runner_up = scored.get(1).map_or(0, |s| s.0);
    (score >= 10 && score >= 2 * runner_up).then_some(BaseGuess {
        base: u64::from(base),
        score,
        runner_up,
        addressed,
        strings: all.len(),
        big_endian: be,
    })
}

/// Fill in the load address of an image that has no symbol table from [`basefind`], saying
/// how it was found; or note that it is unknown.
pub fn guess_load_address(img: &mut RtosImage, d: &[u8]) {
    match basefind(d) {
        Some(g) => {
            img.load_address = Some(g.base);
            img.load_address_method = Some(format!(
                "string references (basefind): at this base {} of {} strings are addressed \
                 from pointer tables of {}-endian words ({} by any word), at most {} at any \
                 other candidate base",
                g.score,
                g.strings,
                if g.big_endian { "big" } else { "little" },
                g.addressed,
                g.runner_up
            ));
            if img.byte_order.is_none() {
                img.byte_order = Some(if g.big_endian { "big" } else { "little" });
            }
        }
        None => img.notes.push(
            "no base at which the image's words address its strings stands out: load \
             address unknown"
                .into(),
        ),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Code-like words, 200 strings, and a table of the strings' addresses at `base`.
    fn image(base: u32, be: bool) -> Vec<u8> {
        let mut d = Vec::new();
        let mut x = 12345u32;
        for _ in 0..4096 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            d.extend((x | 0x8080_8080).to_be_bytes()); // no printable bytes
        }
        let mut offs = Vec::new();
        for i in 0..200 {
            offs.push(d.len() as u32);
            d.extend(format!("message number {i} of the image").as_bytes());
            d.push(0);
        }
        while d.len() % 4 != 0 {
            d.push(0);
        }
        for o in offs {
            let a = base + o;
            d.extend(if be { a.to_be_bytes() } else { a.to_le_bytes() });
        }
        d
    }

    #[test]
    fn basefind_finds_the_base_the_string_table_is_addressed_at() {
        let g = basefind(&image(0x8000_1000, true)).unwrap();
        assert_eq!(
            (g.base, g.score, g.addressed, g.big_endian),
            (0x8000_1000, 200, 200, true)
        );
        assert_eq!((g.strings, g.runner_up), (200, 0));
        let g = basefind(&image(0x0010_0000, false)).unwrap();
        assert_eq!((g.base, g.score, g.big_endian), (0x0010_0000, 200, false));
        let mut img = RtosImage::default();
        guess_load_address(&mut img, &image(0x8000_1000, true));
        assert_eq!(img.load_address, Some(0x8000_1000));
        assert_eq!(img.byte_order, Some("big"));
        assert!(img
            .load_address_method
            .unwrap()
            .starts_with("string references (basefind): at this base 200 of 200 strings"));
    }

    /// MIPS code: every string's `%lo` in an `addiu` word, spaced out among other code,
    /// outvotes a short table of real pointers; the table decides.
    #[test]
    fn basefind_prefers_pointer_tables_to_lo_immediates() {
        let base = 0x8000_1000u32;
        let mut d = image(base, true);
        let n = d.len();
        d.truncate(n - 4 * 140); // keep pointers to the first 60 strings only
        let offs: Vec<u32> = (0..200)
            .map(|i| {
                let t = format!("message number {i} of the image");
                memchr::memmem::find(&d, t.as_bytes()).unwrap() as u32
            })
            .collect();
        let mut code = Vec::new();
        for o in &offs {
            code.extend((0x247b_0000 | ((base + o) & 0xffff)).to_be_bytes());
            code.extend([0x8f, 0xbf, 0x80, 0x94, 0x8f, 0xb0, 0x80, 0x90]);
            code.extend([0x83, 0xa0, 0x80, 0x88, 0x83, 0xa0, 0x80, 0x8c]);
        }
        d.splice(0..code.len(), code);
        let g = basefind(&d).unwrap();
        assert_eq!((g.base, g.score), (u64::from(base), 60), "{g:?}");
        assert_eq!(g.addressed, 60, "{g:?}");
    }

    #[test]
    fn basefind_without_references_guesses_nothing() {
        // strings but no words addressing them
        let mut d = image(0x8000_1000, true);
        let n = d.len();
        d.truncate(n - 800);
        assert_eq!(basefind(&d), None);
        let mut img = RtosImage::default();
        guess_load_address(&mut img, &d);
        assert_eq!(img.load_address, None);
        assert_eq!(img.notes.len(), 1);
        assert_eq!(basefind(&[0u8; 100]), None);
    }
}
