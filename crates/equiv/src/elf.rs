//! Section-by-section comparison of two ELF files.

use object::{Object, ObjectSection, ObjectSegment, SectionKind};
use serde::Serialize;

/// What a section holds, as far as equivalence is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SectionClass {
    Code,
    Data,
    Symbols,
    Relocations,
    /// Build-id and other notes, debug link, comments, debug info, static symbol tables,
    /// signatures: nothing that changes what the program does.
    Metadata,
}

impl SectionClass {
    pub fn is_metadata(self) -> bool {
        self == SectionClass::Metadata
    }
}

pub fn classify(name: &str, kind: SectionKind) -> SectionClass {
    let n = name;
    if n.starts_with(".note")
        || n == ".gnu_debuglink"
        || n == ".gnu_debugdata"
        || n == ".gnu_debugaltlink"
        || n == ".comment"
        || n.starts_with(".debug")
        || n.starts_with(".zdebug")
        || n == ".symtab"
        || n == ".strtab"
        || n == ".shstrtab"
        || n.contains("sig")
        || n == ".mdebug.abi32"
        || n == ".pdr"
        || n == ".gnu.attributes"
        || n == ".MIPS.abiflags"
        || n == ".ARM.attributes"
    {
        return SectionClass::Metadata;
    }
    if n.starts_with(".rel") {
        return SectionClass::Relocations;
    }
    if n == ".dynsym"
        || n == ".dynstr"
        || n.starts_with(".gnu.version")
        || n == ".gnu.hash"
        || n == ".hash"
    {
        return SectionClass::Symbols;
    }
    match kind {
        SectionKind::Text => SectionClass::Code,
        _ if n.starts_with(".text") || n == ".init" || n == ".fini" || n.starts_with(".plt") => {
            SectionClass::Code
        }
        SectionKind::Metadata
        | SectionKind::Debug
        | SectionKind::DebugString
        | SectionKind::Note => SectionClass::Metadata,
        _ => SectionClass::Data,
    }
}

/// One section that differs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SectionDiff {
    pub name: String,
    pub class: SectionClass,
    pub size_a: u64,
    pub size_b: u64,
    /// Bytes that differ (positions that differ plus the length difference).
    pub differing_bytes: u64,
    /// The difference is confined to embedded timestamps.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timestamps_only: bool,
}

/// Result of comparing two ELF files.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ElfDiff {
    pub sections: Vec<SectionDiff>,
    /// Header-level differences (entry point, machine, segment layout).
    pub header: Vec<String>,
}

impl ElfDiff {
    /// Only metadata sections (or timestamps) differ.
    pub fn metadata_only(&self) -> bool {
        self.header.is_empty()
            && self
                .sections
                .iter()
                .all(|s| s.class.is_metadata() || s.timestamps_only)
    }
}

fn count_diff(a: &[u8], b: &[u8]) -> u64 {
    let common = a.len().min(b.len());
    let d = a[..common]
        .iter()
        .zip(&b[..common])
        .filter(|(x, y)| x != y)
        .count();
    (d + a.len().max(b.len()) - common) as u64
}

fn sections(f: &object::File) -> Vec<(String, SectionKind, Option<Vec<u8>>, u64)> {
    let mut seen: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    f.sections()
        .filter_map(|s| {
            let name = s.name().ok()?.to_string();
            if name.is_empty() {
                return None;
            }
            let k = seen.entry(name.clone()).or_default();
            *k += 1;
            let key = if *k > 1 { format!("{name}#{k}") } else { name };
            let data = if s.kind() == SectionKind::UninitializedData
                || s.kind() == SectionKind::UninitializedTls
            {
                None
            } else {
                s.data().ok().map(|d| d.to_vec())
            };
            Some((key, s.kind(), data, s.size()))
        })
        .collect()
}

/// A program header: (type, flags, file offset, file size).
type Phdr = (u32, u32, u64, u64);

const PT_LOAD: u32 = 1;
const PT_NOTE: u32 = 4;
const PF_X: u32 = 1;

/// Program headers read directly from the ELF header (bounded; `None` when malformed).
/// Written by hand because the generic reader hides segment types other than PT_LOAD.
fn phdrs(d: &[u8]) -> Option<Vec<Phdr>> {
    if d.len() < 52 || &d[..4] != b"\x7fELF" {
        return None;
    }
    let is64 = d[4] == 2;
    let le = d[5] == 1;
    let u16_at = |o: usize| -> Option<u16> {
        let b = d.get(o..o + 2)?;
        Some(if le {
            u16::from_le_bytes([b[0], b[1]])
        } else {
            u16::from_be_bytes([b[0], b[1]])
        })
    };
    let u32_at = |o: usize| -> Option<u32> {
        let b: [u8; 4] = d.get(o..o + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let u64_at = |o: usize| -> Option<u64> {
        let b: [u8; 8] = d.get(o..o + 8)?.try_into().ok()?;
        Some(if le {
            u64::from_le_bytes(b)
        } else {
            u64::from_be_bytes(b)
        })
    };
    let (phoff, phentsize, phnum) = if is64 {
        (u64_at(32)?, u16_at(54)? as usize, u16_at(56)? as usize)
    } else {
        (
            u32_at(28)? as u64,
            u16_at(42)? as usize,
            u16_at(44)? as usize,
        )
    };
    let mut out = Vec::new();
    for i in 0..phnum.min(256) {
        let o = usize::try_from(phoff)
            .ok()?
            .checked_add(i.checked_mul(phentsize)?)?;
        let ph = if is64 {
            (u32_at(o)?, u32_at(o + 4)?, u64_at(o + 8)?, u64_at(o + 32)?)
        } else {
            (
                u32_at(o)?,
                u32_at(o + 24)?,
                u32_at(o + 4)? as u64,
                u32_at(o + 16)? as u64,
            )
        };
        out.push(ph);
    }
    Some(out)
}

fn slice(d: &[u8], off: u64, len: u64) -> &[u8] {
    let s = (off as usize).min(d.len());
    let e = (off.saturating_add(len) as usize).min(d.len());
    &d[s..e]
}

/// Section-less (sstripped) binaries: compare loadable segments, ignoring bytes inside notes.
fn compare_segments(a: &[u8], b: &[u8], out: &mut ElfDiff) {
    let (Some(pa), Some(pb)) = (phdrs(a), phdrs(b)) else {
        out.header.push("program headers unreadable".into());
        return;
    };
    let notes = |p: &[Phdr]| -> Vec<(u64, u64)> {
        p.iter()
            .filter(|h| h.0 == PT_NOTE)
            .map(|h| (h.2, h.2.saturating_add(h.3)))
            .collect()
    };
    let (na, nb) = (notes(&pa), notes(&pb));
    let la: Vec<&Phdr> = pa.iter().filter(|h| h.0 == PT_LOAD).collect();
    let lb: Vec<&Phdr> = pb.iter().filter(|h| h.0 == PT_LOAD).collect();
    if la.len() != lb.len() {
        out.header
            .push(format!("{} vs {} loadable segments", la.len(), lb.len()));
    }
    let mut meta_bytes = 0u64;
    for (i, (x, y)) in la.iter().zip(lb.iter()).enumerate() {
        let (da, db) = (slice(a, x.2, x.3), slice(b, y.2, y.3));
        let class = if x.1 & PF_X != 0 {
            SectionClass::Code
        } else {
            SectionClass::Data
        };
        let name = format!(
            "LOAD[{i}] ({})",
            if x.1 & PF_X != 0 { "r-x" } else { "rw-" }
        );
        if da.len() != db.len() {
            out.sections.push(SectionDiff {
                name,
                class,
                size_a: da.len() as u64,
                size_b: db.len() as u64,
                differing_bytes: count_diff(da, db),
                timestamps_only: false,
            });
            continue;
        }
        let mut real = 0u64;
        for (k, (p, q)) in da.iter().zip(db.iter()).enumerate() {
            if p != q {
                let fa = x.2 + k as u64;
                let fb = y.2 + k as u64;
                let in_note = na.iter().any(|r| r.0 <= fa && fa < r.1)
                    && nb.iter().any(|r| r.0 <= fb && fb < r.1);
                if in_note {
                    meta_bytes += 1;
                } else {
                    real += 1;
                }
            }
        }
        if real > 0 {
            let ts = crate::timestamps::only_timestamps(da, db).is_some();
            out.sections.push(SectionDiff {
                name,
                class,
                size_a: da.len() as u64,
                size_b: db.len() as u64,
                differing_bytes: real,
                timestamps_only: ts,
            });
        }
    }
    if meta_bytes > 0 {
        out.sections.push(SectionDiff {
            name: "PT_NOTE".into(),
            class: SectionClass::Metadata,
            size_a: na.iter().map(|r| r.1 - r.0).sum(),
            size_b: nb.iter().map(|r| r.1 - r.0).sum(),
            differing_bytes: meta_bytes,
            timestamps_only: false,
        });
    }
}

/// Compare two ELF files section by section (segment by segment when the section headers were
/// stripped). `None` when either does not parse as ELF.
pub fn compare(a: &[u8], b: &[u8]) -> Option<ElfDiff> {
    let fa = object::File::parse(a).ok()?;
    let fb = object::File::parse(b).ok()?;
    let mut out = ElfDiff::default();
    if fa.architecture() != fb.architecture() {
        out.header.push(format!(
            "architecture {:?} vs {:?}",
            fa.architecture(),
            fb.architecture()
        ));
    }
    if fa.entry() != fb.entry() {
        out.header.push(format!(
            "entry point {:#x} vs {:#x}",
            fa.entry(),
            fb.entry()
        ));
    }
    if fa.kind() != fb.kind() {
        out.header
            .push(format!("object kind {:?} vs {:?}", fa.kind(), fb.kind()));
    }
    let segs = |f: &object::File| -> Vec<(u64, u64)> {
        f.segments().map(|s| (s.address(), s.size())).collect()
    };
    if segs(&fa) != segs(&fb) {
        out.header
            .push("loadable segment layout (addresses or sizes) differs".into());
    }
    let sa = sections(&fa);
    let sb = sections(&fb);
    if sa.is_empty() || sb.is_empty() {
        compare_segments(a, b, &mut out);
        return Some(out);
    }
    // bytes outside every section (headers, gaps) must match too
    if a.len() == b.len() {
        let ranges = |f: &object::File| -> Vec<(u64, u64)> {
            f.sections()
                .filter_map(|s| s.file_range())
                .map(|(o, l)| (o, o + l))
                .collect()
        };
        let (ra, rb) = (ranges(&fa), ranges(&fb));
        let outside = a
            .iter()
            .zip(b.iter())
            .enumerate()
            .filter(|(_, (p, q))| p != q)
            .filter(|(i, _)| {
                let i = *i as u64;
                !ra.iter().any(|r| r.0 <= i && i < r.1) || !rb.iter().any(|r| r.0 <= i && i < r.1)
            })
            .count();
        if outside > 0 {
            out.header
                .push(format!("{outside} byte(s) outside any section differ"));
        }
    }
    let mut names: Vec<&String> = sa
        .iter()
        .map(|s| &s.0)
        .chain(sb.iter().map(|s| &s.0))
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let x = sa.iter().find(|s| &s.0 == name);
        let y = sb.iter().find(|s| &s.0 == name);
        let kind = x.or(y).map(|s| s.1).unwrap_or(SectionKind::Unknown);
        let class = classify(name, kind);
        let (da, size_a) = x.map(|s| (s.2.as_deref(), s.3)).unwrap_or((None, 0));
        let (db, size_b) = y.map(|s| (s.2.as_deref(), s.3)).unwrap_or((None, 0));
        let (differs, nbytes, ts) = match (x.is_some(), y.is_some(), da, db) {
            (true, true, Some(p), Some(q)) => {
                if p == q {
                    (false, 0, false)
                } else {
                    let ts = crate::timestamps::only_timestamps(p, q).is_some();
                    (true, count_diff(p, q), ts)
                }
            }
            (true, true, None, None) => (size_a != size_b, size_a.abs_diff(size_b), false),
            _ => (true, size_a.max(size_b), false),
        };
        if differs {
            out.sections.push(SectionDiff {
                name: name.clone(),
                class,
                size_a,
                size_b,
                differing_bytes: nbytes,
                timestamps_only: ts,
            });
        }
    }
    Some(out)
}
