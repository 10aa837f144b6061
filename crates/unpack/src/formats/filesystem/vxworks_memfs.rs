//! VxWorks MemFS: the flat file table that VxWorks routers (TP-Link, and others built on the
//! same SDK) link into the kernel image to hold the web pages, scripts and default
//! configuration. Each file is usually an LZMA-alone stream of its own; those are decoded
//! here so the web, credential and key analyses read the pages, not their compressed form.
//! Read by hand: a 44-byte header and a table of fixed 48-byte entries.
//!
//! ```text
//! 0012dc74  6f 77 6f 77 6f 77 6f 77  6f 77 6f 77 6f 77 6f 77  |owowowowowowowow|
//! 0012dc84  6f 77 6f 77 6f 77 6f 77  6f 77 6f 77 6f 77 6f 77  |owowowowowowowow|
//! 0012dc94  00 00 00 01 00 00 00 b9  00 01 40 34 63 6f 6d 6d  |..........@4comm|
//! struct memfs_header {          // big-endian on big-endian targets, little on little
//!     char magic[32];            // "owow...ow"
//!     u32  version;              // 1
//!     u32  num_files;
//!     u32  unknown;
//! };
//! struct memfs_entry {           // num_files of them, right after the header
//!     char name[40];             // NUL-terminated
//!     u32  len_data;
//!     u32  ofs_data;             // from the start of the header
//! };
//! ```
//! (dump: a TP-Link VxWorks 5.5.1 router image, fact_extractor's `tpl/test/data/wr.fw`)

use bytes::Bytes;

use crate::bytes::u32_at;
use crate::handler::*;
use crate::tree::Meta;

pub static DOC: FormatDoc = FormatDoc {
    name: "vxworks-memfs",
    category: Category::Filesystem,
    description: "VxWorks MemFS ('owowow...' header): the file table of web pages and \
        configuration linked into VxWorks router images; LZMA-alone members are decoded.",
    references: &[
        "Quarkslab, 'Reverse engineering a VxWorks OS based router' (2017)",
        "devttys0, 'Mystery file system' (2011)",
        "kaitai_struct_formats, filesystem/vxworks_memfs.ksy",
    ],
    limitations: "The third header field is not interpreted. Members compressed with anything \
        but LZMA-alone are kept as stored.",
};

pub struct VxworksMemfs;

const MAGIC: &[u8; 32] = b"owowowowowowowowowowowowowowowow";
const HEADER: usize = 44;
const ENTRY: usize = 48;
/// More files than this in one table is not a real MemFS.
const MAX_FILES: u32 = 1 << 16;
/// A member declared larger than this after decompression is kept as stored.
const MAX_MEMBER: u64 = 64 << 20;

struct Entry {
    name: String,
    len: usize,
    ofs: usize,
}

/// The entries of a table at the start of `d`, and the end of the data they reference.
fn table(d: &[u8]) -> Option<(Vec<Entry>, usize, bool)> {
    if d.get(..32)? != MAGIC {
        return None;
    }
    let be = match (u32_at(d, 32, true)?, u32_at(d, 32, false)?) {
        (1, _) => true,
        (_, 1) => false,
        _ => return None,
    };
    let n = u32_at(d, 36, be)?;
    if n == 0 || n > MAX_FILES {
        return None;
    }
    let table_end = HEADER + n as usize * ENTRY;
    if table_end > d.len() {
        return None;
    }
    let mut entries = Vec::with_capacity(n as usize);
    let mut end = table_end;
    for i in 0..n as usize {
        let at = HEADER + i * ENTRY;
        let raw = &d[at..at + 40];
        let name_len = memchr::memchr(0, raw).unwrap_or(40);
        if name_len == 0 {
            return None;
        }
        let name = String::from_utf8_lossy(&raw[..name_len]).into_owned();
        let len = u32_at(d, at + 40, be)? as usize;
        let ofs = u32_at(d, at + 44, be)? as usize;
        if ofs < table_end {
            return None;
        }
        end = end.max(ofs.checked_add(len)?);
        entries.push(Entry { name, len, ofs });
    }
    Some((entries, end, be))
}

/// Decode an LZMA-alone member with a declared size; `None` when it is not one or does not
/// decode to exactly that size.
fn lzma_member(d: &[u8], probe: &Probe) -> Option<Bytes> {
    let (props, dict, size) = crate::formats::compression::lzma::parse_header(d)?;
    let size = size?;
    if size > MAX_MEMBER || size > probe.max_output {
        return None;
    }
    let mut input = &d[13..];
    let reader =
        lzma_rust2::LzmaReader::new_with_props(&mut input, size, props, dict, None).ok()?;
    let p = probe.read(reader);
    if p.error.is_some() || p.truncated || p.out.len() as u64 != size {
        return None;
    }
    Some(p.out)
}

impl Handler for VxworksMemfs {
    fn doc(&self) -> &'static FormatDoc {
        &DOC
    }

    fn magics(&self) -> &'static [Magic] {
        static M: [Magic; 1] = [Magic::at0(MAGIC)];
        &M
    }

    fn identify(&self, data: &[u8], start: usize, _probe: &Probe) -> Option<Chunk> {
        let d = data.get(start..)?;
        let (entries, end, be) = table(d)?;
        // a table whose members mostly lie outside the blob is not this format; a few
        // (a truncated image) are reported by extract
        let inside = entries.iter().filter(|e| e.ofs + e.len <= d.len()).count();
        if inside * 2 < entries.len() {
            return None;
        }
        Some(Chunk {
            start,
            end: start + end.min(d.len()),
            variant: format!(
                "{} files, {}",
                entries.len(),
                if be { "big-endian" } else { "little-endian" }
            ),
            ..Chunk::default()
        })
    }

    fn extract(&self, data: &Bytes, _chunk: &Chunk, out: &mut Sink) -> FormatResult<()> {
        let Some((entries, _, _)) = table(data) else {
            return invalid("vxworks-memfs: file table does not parse");
        };
        let probe = out.probe();
        let mut missing = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let Some(raw) = data.get(e.ofs..e.ofs + e.len) else {
                missing.push(e.name.clone());
                continue;
            };
            // names are flat; a repeated name keeps both copies
            let name = if entries[..i].iter().any(|p| p.name == e.name) {
                format!("{}.{i}", e.name)
            } else {
                e.name.clone()
            };
            let content =
                lzma_member(raw, &probe).unwrap_or_else(|| data.slice(e.ofs..e.ofs + e.len));
            out.file(&name, Meta::mode(0o644), content)?;
        }
        if !missing.is_empty() {
            return truncated(format!(
                "vxworks-memfs: {} member(s) lie past the end of the image (first: {})",
                missing.len(),
                missing[0]
            ));
        }
        Ok(())
    }
}

/// A MemFS image of `files` (name, stored content), big- or little-endian (tests, fuzz seeds).
pub fn build(files: &[(&str, &[u8])], be: bool) -> Vec<u8> {
    let w = |v: &mut Vec<u8>, x: u32| {
        v.extend(if be { x.to_be_bytes() } else { x.to_le_bytes() });
    };
    let mut v = MAGIC.to_vec();
    w(&mut v, 1);
    w(&mut v, files.len() as u32);
    w(&mut v, 0);
    let mut ofs = HEADER + files.len() * ENTRY;
    for (name, body) in files {
        let mut n = [0u8; 40];
        let k = name.len().min(39);
        n[..k].copy_from_slice(&name.as_bytes()[..k]);
        v.extend(n);
        w(&mut v, body.len() as u32);
        w(&mut v, ofs as u32);
        ofs += body.len();
    }
    for (_, body) in files {
        v.extend(*body);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Limits, Unpacker};
    use std::io::Write;

    fn lzma_alone(body: &[u8]) -> Vec<u8> {
        let mut opts = lzma_rust2::LzmaOptions::with_preset(6);
        opts.dict_size = 1 << 16;
        let mut w =
            lzma_rust2::LzmaWriter::new_use_header(Vec::new(), &opts, Some(body.len() as u64))
                .unwrap();
        w.write_all(body).unwrap();
        w.finish().unwrap()
    }

    #[test]
    fn members_are_extracted_and_lzma_members_decoded() {
        let page = b"<html><body>admin password: <input name=pwd></body></html>\n".repeat(4);
        let packed = lzma_alone(&page);
        let passwd = b"admin:1234:0:0:root:/:/bin/sh\n";
        for be in [true, false] {
            let fs = build(&[("index.htm", &packed), ("passwd", passwd)], be);
            let mut img = vec![0x11u8; 0x40];
            img.extend(&fs);
            img.extend([0u8; 64]);
            let tree = Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(img));
            let l = &tree.layers[0];
            assert_eq!((l.format.as_str(), l.offset), ("vxworks-memfs", 0x40));
            assert_eq!(l.size, fs.len() as u64);
            let p = tree.get("0x40.vxworks-memfs/index.htm").expect("page");
            assert_eq!(&p.data[..], &page[..], "be {be}");
            let p = tree.get("0x40.vxworks-memfs/passwd").expect("passwd");
            assert_eq!(&p.data[..], passwd);
        }
    }

    #[test]
    fn hostile_tables_are_refused() {
        let mut fs = build(&[("a", b"xyz")], true);
        assert!(VxworksMemfs.identify(&fs, 0, &Probe::default()).is_some());
        fs[36..40].copy_from_slice(&0xffff_ffffu32.to_be_bytes());
        assert!(VxworksMemfs.identify(&fs, 0, &Probe::default()).is_none());
        let mut fs = build(&[("a", b"xyz")], true);
        fs[44 + 44..44 + 48].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        assert!(VxworksMemfs.identify(&fs, 0, &Probe::default()).is_none());
        assert!(VxworksMemfs
            .identify(&fs[..50], 0, &Probe::default())
            .is_none());
    }
}
